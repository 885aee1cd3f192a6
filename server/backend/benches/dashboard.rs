//! Benchmark of the dashboard queries (issue 9): a year of pre-aggregated data for 10,000 APIs
//! in SQLite (`backend::loadtest::fill`), then the Overview (period, trends, four tables, three
//! SVG charts) and Basic Detection, timed over repeated runs. Fails (exit code 1) when the
//! median of the default 30-day Overview exceeds the 100 ms budget.
//!
//!     cargo bench -p apisec-backend --bench dashboard           # release build
//!     cargo test  -p apisec-backend --bench dashboard --release  # same, via the test runner
//!
//! Plain `main` with `std::time::Instant` rather than criterion: one dependency less, and the
//! question is a budget (under 100 ms), not a micro-benchmark.

use backend::clock::OffsetClock;
use backend::dashboard::{self as dash, charts, PeriodChoice};
use backend::editions::Edition;
use backend::loadtest::{fill, APIS, DAYS, EVENTS, HOSTS, RISKS};
use backend::scope::Scope;
use backend::tenancy::{self, Region};
use backend::Backend;
use chrono::NaiveDate;
use std::time::Instant;

const RUNS: usize = 25;
const BUDGET_MS: f64 = 100.0;

/// Everything the Overview server function does for one request, minus serialisation.
async fn overview_once(b: &Backend, scope: Scope, choice: PeriodChoice) -> usize {
    let newest = dash::newest_day(b, scope).await.unwrap();
    let period = dash::resolve_period(choice, newest, dash::today(b));
    let points = dash::trends(b, scope, &period).await.unwrap();
    let days: Vec<String> = points.iter().map(|p| p.day.clone()).collect();
    let mut bytes = 0;
    for keys in [
        &["total", "active"][..],
        &["high", "medium", "low"],
        &["attacks", "events"],
    ] {
        let chart = charts::Chart {
            title: "Trend".into(),
            x_label: "Date (UTC)".into(),
            y_label: "Count".into(),
            days: days.clone(),
            series: keys
                .iter()
                .map(|k| charts::Series {
                    key: k.to_string(),
                    label: k.to_string(),
                    color: (10, 20, 30),
                    values: points
                        .iter()
                        .map(|p| match *k {
                            "total" => p.total_apis,
                            "active" => p.active_apis,
                            "high" => p.risks_high,
                            "medium" => p.risks_medium,
                            "low" => p.risks_low,
                            "attacks" => p.attacks,
                            _ => p.events,
                        })
                        .collect(),
                })
                .collect(),
        };
        bytes += charts::render(&chart).unwrap().len();
    }
    let mut r = dash::risky_sites(b, scope, &period).await.unwrap();
    dash::sort_risky(&mut r, &dash::Sort::parse(None, &dash::RISKY_COLUMNS));
    let mut a = dash::attacked_sites(b, scope, &period).await.unwrap();
    dash::sort_attacked(&mut a, &dash::Sort::parse(None, &dash::ATTACKED_COLUMNS));
    for dir in ["request", "response"] {
        let mut s = dash::sensitive_types(b, scope, dir).await.unwrap();
        dash::sort_sensitive(&mut s, &dash::Sort::parse(None, &dash::SENSITIVE_COLUMNS));
    }
    bytes + r.len() + a.len()
}

fn stats(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = ms[ms.len() / 2];
    let p95 = ms[(ms.len() * 95 / 100).min(ms.len() - 1)];
    (median, p95, *ms.last().unwrap())
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let over_budget = rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let b = Backend::open(&format!("sqlite://{}/bench.db", dir.path().display()), OffsetClock::new())
            .await
            .unwrap();
        let tenant_id = tenancy::ensure_tenant(&b, "Bench", Edition::Pro).await.unwrap();
        let rg_id: i64 = sqlx::query_scalar("SELECT id FROM resource_groups WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&b.db.pool)
            .await
            .unwrap();
        let scope = Scope { tenant_id, rg_id, region: Region::Cn };
        let t0 = Instant::now();
        fill(&b, scope).await.unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM daily_stats").fetch_one(&b.db.pool).await.unwrap();
        println!(
            "filled {APIS} APIs, {RISKS} risks, {EVENTS} events, {rows} daily_stats rows ({DAYS} days x {HOSTS} hosts) in {:.1} s",
            t0.elapsed().as_secs_f64()
        );
        let mut over = false;
        for (label, choice) in [
            ("overview 30 days (default)", PeriodChoice::Days(30)),
            ("overview 90 days", PeriodChoice::Days(90)),
            ("overview 365 days (custom)", PeriodChoice::Custom {
                from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            }),
        ] {
            overview_once(&b, scope, choice).await; // warm the page cache
            let mut ms = vec![];
            for _ in 0..RUNS {
                let t = Instant::now();
                std::hint::black_box(overview_once(&b, scope, choice).await);
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            let (median, p95, max) = stats(ms);
            println!("{label:<30} median {median:7.2} ms   p95 {p95:7.2} ms   max {max:7.2} ms");
            if matches!(choice, PeriodChoice::Days(30)) && median > BUDGET_MS {
                over = true;
            }
        }
        let mut ms = vec![];
        for _ in 0..RUNS {
            let t = Instant::now();
            std::hint::black_box(dash::basic_detection(&b, scope).await.unwrap());
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (median, p95, max) = stats(ms);
        println!("{:<30} median {median:7.2} ms   p95 {p95:7.2} ms   max {max:7.2} ms", "basic detection");
        over
    });
    if over_budget {
        eprintln!("the default Overview took longer than {BUDGET_MS} ms (median)");
        std::process::exit(1);
    }
}
