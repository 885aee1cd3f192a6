//! Benchmark of the dashboard queries (issue 9): a year of pre-aggregated data for 10,000 APIs
//! in SQLite, then the Overview (period, trends, four tables, three SVG charts) and Basic
//! Detection, timed over repeated runs. Fails (exit code 1) when the median of the default
//! 30-day Overview exceeds the 100 ms budget.
//!
//!     cargo bench -p apisec-backend --bench dashboard           # release build
//!     cargo test  -p apisec-backend --bench dashboard --release  # same, via the test runner
//!
//! Plain `main` with `std::time::Instant` rather than criterion: one dependency less, and the
//! question is a budget (under 100 ms), not a micro-benchmark.

use backend::clock::OffsetClock;
use backend::dashboard::{self as dash, charts, PeriodChoice};
use backend::editions::Edition;
use backend::scope::Scope;
use backend::tenancy::{self, Region};
use backend::Backend;
use chrono::{Duration, NaiveDate};
use std::time::Instant;

const APIS: usize = 10_000;
const HOSTS: usize = 200;
const DAYS: i64 = 365;
const RISKS: usize = 6_000;
const EVENTS: usize = 25_000;
const RUNS: usize = 25;
const BUDGET_MS: f64 = 100.0;

/// Inserts `rows` (each a list of values) into `table` in multi-row statements.
async fn bulk(b: &Backend, table: &str, cols: &[&str], rows: Vec<Vec<Val>>) {
    // Rows per statement, well under the bind-parameter limits of SQLite and PostgreSQL.
    let per = 20_000 / cols.len().max(1);
    let mut tx = b.db.pool.begin().await.unwrap();
    for chunk in rows.chunks(per.max(1)) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(","));
        let mut n = 1;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..cols.len() {
                if j > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("${n}"));
                n += 1;
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Val::I(i) => q.bind(*i),
                    Val::S(s) => q.bind(s.clone()),
                };
            }
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[derive(Clone)]
enum Val {
    I(i64),
    S(String),
}
use Val::{I, S};

async fn fill(b: &Backend, scope: Scope) {
    let (t, rg, region) = (scope.tenant_id, scope.rg_id, scope.region_str().to_string());
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let day = |d: i64| (start + Duration::days(d)).format("%Y-%m-%d").to_string();
    let ms = |d: i64| {
        (start + Duration::days(d))
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    let host = |i: usize| format!("svc{}.example.com", i % HOSTS);

    let mut apis = vec![];
    let mut sens = vec![];
    for i in 0..APIS {
        let first = (i as i64 * 7) % DAYS;
        let key = format!("GET {}/v1/r{i}/{{id}}", host(i));
        apis.push(vec![
            I(t),
            I(rg),
            S(region.clone()),
            S(key.clone()),
            S(host(i)),
            S("GET".into()),
            S(format!("/v1/r{i}/{{id}}")),
            I(1000),
            I(ms(first)),
            I(ms(DAYS - 1)),
            I((i % 3 != 0) as i64),
            S("public_service".into()),
            I(1),
            S("medium".into()),
            I(2),
        ]);
        for (k, dir) in ["request", "response", "response"].iter().enumerate() {
            sens.push(vec![
                I(t),
                I(rg),
                S(region.clone()),
                S(key.clone()),
                S(host(i)),
                S(dir.to_string()),
                I([1000, 1004, 1005, 2000, 1003][(i + k) % 5]),
                I(3 + k as i64),
            ]);
        }
    }
    bulk(
        b,
        "apis",
        &[
            "tenant_id",
            "rg_id",
            "region",
            "api_key",
            "host",
            "method",
            "path",
            "calls",
            "first_seen",
            "last_seen",
            "active",
            "service_object",
            "authenticated",
            "sensitivity",
            "sensitivity_rank",
        ],
        apis,
    )
    .await;
    bulk(
        b,
        "api_sensitive",
        &[
            "tenant_id",
            "rg_id",
            "region",
            "api_key",
            "host",
            "direction",
            "type_id",
            "hits",
        ],
        sens,
    )
    .await;

    let mut risks = vec![];
    for i in 0..RISKS {
        let level = ["high", "medium", "low"][i % 3];
        risks.push(vec![
            I(t),
            I(rg),
            S(region.clone()),
            S(format!("r{i}|GET x")),
            S("weak_jwt_algorithm".into()),
            S(level.into()),
            I(3 - (i % 3) as i64),
            S("security_spec".into()),
            S("Weak JWT".into()),
            S(format!("GET {}/x", host(i))),
            S(host(i)),
            S("GET".into()),
            S("/x".into()),
            S("".into()),
            S("".into()),
            S("".into()),
            I(ms(i as i64 % DAYS)),
            I(ms(DAYS - 1)),
            I(5),
        ]);
    }
    bulk(
        b,
        "risks",
        &[
            "tenant_id",
            "rg_id",
            "region",
            "risk_key",
            "type_key",
            "level",
            "level_rank",
            "category",
            "name",
            "api_key",
            "host",
            "method",
            "path",
            "evidence",
            "description",
            "suggestion",
            "first_seen",
            "last_seen",
            "hits",
        ],
        risks,
    )
    .await;

    let mut events = vec![];
    for i in 0..EVENTS {
        let level = ["high", "medium", "low"][i % 3];
        events.push(vec![
            I(t),
            I(rg),
            S(region.clone()),
            S(format!("e{i}")),
            S("api_attack".into()),
            S(level.into()),
            I(3 - (i % 3) as i64),
            S("api_attack".into()),
            S("API attack".into()),
            S("ip".into()),
            S(format!("10.0.{}.{}", i % 250, i % 200)),
            S(format!("GET {}/x", host(i))),
            S(host(i)),
            S("GET".into()),
            S("/x".into()),
            I(ms(i as i64 % DAYS) + i as i64),
            I(ms(i as i64 % DAYS) + 60_000),
            I(20),
            S("".into()),
            S("".into()),
        ]);
    }
    bulk(
        b,
        "events",
        &[
            "tenant_id",
            "rg_id",
            "region",
            "event_key",
            "type_key",
            "level",
            "level_rank",
            "category",
            "name",
            "subject",
            "ip",
            "api_key",
            "host",
            "method",
            "path",
            "start_ms",
            "end_ms",
            "count",
            "description",
            "suggestion",
        ],
        events,
    )
    .await;

    // One daily_stats row per day and host, as `results::daily_rows` produces.
    let mut daily = vec![];
    for d in 0..DAYS {
        for h in 0..HOSTS {
            daily.push(vec![
                I(t),
                I(rg),
                S(region.clone()),
                S(day(d)),
                S(host(h)),
                I(5_000),
                I((APIS / HOSTS) as i64 * 2 / 3),
                I(((h as i64 + d) % 7 == 0) as i64 * 3),
                I((d + h as i64) % 3),
                I((d % 2) * ((h % 5 == 0) as i64)),
                I(((d + 1) % 2) * ((h % 7 == 0) as i64)),
                I((h % 11 == 0) as i64),
                I((d + h as i64) % 4),
                I((d + h as i64) % 4 * 20),
            ]);
        }
    }
    bulk(
        b,
        "daily_stats",
        &[
            "tenant_id",
            "rg_id",
            "region",
            "day",
            "host",
            "requests",
            "apis_active",
            "apis_new",
            "risks_new",
            "risks_high",
            "risks_medium",
            "risks_low",
            "events",
            "attacks",
        ],
        daily,
    )
    .await;
}

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
        fill(&b, scope).await;
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
