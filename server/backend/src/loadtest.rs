//! A year of synthetic analysis results for 10,000 APIs in one scope, written straight into
//! the result tables: the data set of the Overview benchmark (`benches/dashboard.rs`) and of
//! the console load test (`apisec load-test-seed`, `scripts/load-test.sh`). Rows are shaped as
//! `results::replace` writes them; values are fixed functions of the row number, so every
//! seeded database is the same.

use crate::error::Result;
use crate::scope::Scope;
use crate::Backend;
use chrono::{Duration, NaiveDate};

pub const APIS: usize = 10_000;
pub const HOSTS: usize = 200;
pub const DAYS: i64 = 365;
pub const RISKS: usize = 6_000;
pub const EVENTS: usize = 25_000;

/// Inserts `rows` (each a list of values) into `table` in multi-row statements.
async fn bulk(b: &Backend, table: &str, cols: &[&str], rows: Vec<Vec<Val>>) -> Result<()> {
    // Rows per statement, well under the bind-parameter limits of SQLite and PostgreSQL.
    let per = 20_000 / cols.len().max(1);
    let mut tx = b.db.pool.begin().await?;
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
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Clone)]
enum Val {
    I(i64),
    S(String),
}
use Val::{I, S};

/// Fills `scope` with a year of results for 10,000 APIs (see the module comment).
pub async fn fill(b: &Backend, scope: Scope) -> Result<()> {
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
    .await?;
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
    .await?;

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
    .await?;

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
    .await?;

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
    .await?;
    // Written outside `results::replace`: bump the version like it does.
    crate::results::bump_version(&b.db.pool, scope).await?;
    Ok(())
}

/// Prepares an empty database for the load test: the first start's Demo tenant and accounts
/// (`admin` gets `admin_password`), API security purchased, and [`fill`] in its default
/// resource group, region cn. Refuses a database that already has results, so a load test
/// never writes synthetic rows into real data. Returns the filled scope.
pub async fn seed_console(b: &Backend, admin_password: &str) -> Result<Scope> {
    let results: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apis")
        .fetch_one(&b.db.pool)
        .await?;
    if results > 0 {
        return Err(crate::Error::Conflict(
            "this database already has analysis results; seed an empty one".into(),
        ));
    }
    crate::seed::bootstrap(b, Some(admin_password)).await?;
    let tenant_id: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(crate::tenancy::slugify(crate::seed::DEMO_TENANT))
        .fetch_one(&b.db.pool)
        .await?;
    crate::seed::purchase_api_security(b, tenant_id, "load test: API security purchased").await?;
    let rg = crate::tenancy::resource_groups(b, tenant_id)
        .await?
        .into_iter()
        .next()
        .ok_or(crate::Error::NotFound)?;
    let scope = Scope {
        tenant_id,
        rg_id: rg.id,
        region: crate::tenancy::Region::Cn,
    };
    fill(b, scope).await?;
    Ok(scope)
}
