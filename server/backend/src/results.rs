//! Stores the engine's findings for a scope: the inventory, sensitive types per API, risks,
//! events, the compliance summary and the daily aggregates the dashboards read.
//!
//! [`replace`] rewrites a scope's results as a whole in one transaction. An analysis job
//! computes findings from all retained raw data of the scope, so replacing (instead of adding)
//! is what keeps results free of double counting, and the single transaction is what makes a
//! job killed half-way harmless: the previous results stay until the new ones are complete.
//! Users' decisions (workflow, policies) live in other tables keyed by stable keys.

use crate::db::placeholders;
use crate::error::Result;
use crate::scope::Scope;
use crate::Backend;
use chrono::{TimeZone, Utc};
use engine::catalog::{catalog, Level};
use engine::facts::{ApiKey, ApiSummary};
use engine::pipeline::Findings;
use std::collections::{BTreeMap, HashMap};

/// Tables [`replace`] rewrites, for deletion in dependency-free order.
pub const RESULT_TABLES: &[&str] = &[
    "apis",
    "api_sensitive",
    "risks",
    "events",
    "compliance",
    "daily_stats",
];

/// The stable key of an API: `METHOD host path`.
pub fn api_key(k: &ApiKey) -> String {
    format!("{} {}{}", k.method, k.host, k.path)
}

/// Stable key of a risk: type and API.
pub fn risk_key(type_key: &str, api: &ApiKey) -> String {
    format!("{type_key}|{}", api_key(api))
}

/// The row id of a result: derived from its stable key, so that an API, a risk or an event
/// keeps its id, and its detail page its address, across re-analyses. The first 53 bits of
/// SHA-256 over table, scope and key: exact as a JavaScript number, and a clash among a
/// table's few hundred thousand rows has odds of a few in a million; the row that would
/// clash takes the id of its key with a salt appended instead ([`row_ids`]), so every id stays
/// exact in JavaScript (a database-generated one would follow the largest id, past 2^53).
pub fn stable_id(table: &str, scope: Scope, key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [
        table,
        &scope.tenant_id.to_string(),
        &scope.rg_id.to_string(),
        scope.region_str(),
        key,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    ((u64::from_le_bytes(first) >> 11) as i64).max(1)
}

/// Which of `ids` rows of `table` already hold (other scopes' rows: [`replace`] has deleted
/// the scope's own before it asks).
async fn taken_ids(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    ids: &[i64],
) -> Result<std::collections::HashSet<i64>> {
    let mut taken = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id FROM {table} WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        taken.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(taken)
}

/// `INSERT INTO table (columns, id) VALUES ($1, ...)`: the id is bound last.
fn insert_sql(table: &str, columns: &str) -> String {
    let n = columns.split(',').count() + 1;
    format!(
        "INSERT INTO {table} ({columns}, id) VALUES ({})",
        placeholders(1, n)
    )
}

/// The ids of a scope's rows by their keys: each key's [`stable_id`], or where another scope's
/// row or an earlier row of the list holds that id, the stable id of the key with `#1`, `#2`...
/// appended (the first one free). Deterministic, so a clashing row keeps its id across
/// re-analyses as long as the clash stays.
async fn row_ids(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    scope: Scope,
    keys: &[String],
) -> Result<Vec<i64>> {
    let ids: Vec<i64> = keys.iter().map(|k| stable_id(table, scope, k)).collect();
    let taken = taken_ids(tx, table, &ids).await?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for (key, stable) in keys.iter().zip(ids) {
        let (mut id, mut salt) = (stable, 0u32);
        loop {
            let held = if salt == 0 {
                taken.contains(&id)
            } else {
                !taken_ids(tx, table, &[id]).await?.is_empty()
            };
            if !held && seen.insert(id) {
                break;
            }
            salt += 1;
            id = stable_id(table, scope, &format!("{key}#{salt}"));
        }
        out.push(id);
    }
    Ok(out)
}

const API_COLUMNS: &str = "tenant_id, rg_id, region, api_key, host, method, path, calls, \
    first_seen, last_seen, active, service_object, authenticated, auth, sensitivity, \
    sensitivity_rank, purpose_keys, purposes, request_types, response_types, params, statuses, \
    content_types, calls_per_day, distinct_clients, risk_count, event_count";
const RISK_COLUMNS: &str = "tenant_id, rg_id, region, risk_key, type_key, level, level_rank, \
    category, name, api_key, host, method, path, evidence, description, suggestion, first_seen, \
    last_seen, hits";
const EVENT_COLUMNS: &str = "tenant_id, rg_id, region, event_key, type_key, level, level_rank, \
    category, name, subject, ip, account, location, api_key, host, method, path, start_ms, \
    end_ms, count, description, suggestion, apis, samples";

/// Stable key of an event: type, subject, API and start.
pub fn event_key(e: &engine::event::EventFinding) -> String {
    let subject = match (&e.account, &e.ip) {
        (Some(a), _) if e.subject == engine::catalog::Subject::Account => format!("account:{a}"),
        (_, Some(ip)) => format!("ip:{ip}"),
        (Some(a), None) => format!("account:{a}"),
        (None, None) => String::from("-"),
    };
    format!("{}|{subject}|{}|{}", e.key, api_key(&e.api), e.start_ms)
}

/// Sort rank of a level (high first when sorting descending).
pub fn level_rank(level: Level) -> i64 {
    match level {
        Level::High => 3,
        Level::Medium => 2,
        Level::Low => 1,
        Level::Custom => 0,
    }
}

/// Sort rank of an API sensitivity name (`high`, `medium`, `low`, `none`).
pub fn sensitivity_rank(s: &str) -> i64 {
    match s {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix-milliseconds time.
pub fn day_of(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "1970-01-01".into())
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// One row of `daily_stats` being built.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct DailyRow {
    pub requests: i64,
    pub apis_active: i64,
    pub apis_new: i64,
    pub risks_new: i64,
    pub risks_high: i64,
    pub risks_medium: i64,
    pub risks_low: i64,
    pub events: i64,
    pub attacks: i64,
}

/// Event categories that count as attacks on the Overview's Attack Trend.
fn is_attack_category(category: &str) -> bool {
    category == "api_attack"
}

/// Pre-aggregates findings per (day, host) for the dashboards.
pub fn daily_rows(f: &Findings) -> BTreeMap<(String, String), DailyRow> {
    let mut rows: BTreeMap<(String, String), DailyRow> = BTreeMap::new();
    for a in &f.apis {
        for (day, calls) in &a.calls_per_day {
            let r = rows.entry((day.clone(), a.key.host.clone())).or_default();
            r.requests += *calls as i64;
            r.apis_active += 1;
        }
        rows.entry((day_of(a.first_seen_ms), a.key.host.clone()))
            .or_default()
            .apis_new += 1;
    }
    for r in &f.risks {
        let row = rows
            .entry((day_of(r.first_ms), r.api.host.clone()))
            .or_default();
        row.risks_new += 1;
        match r.level {
            Level::High => row.risks_high += 1,
            Level::Medium => row.risks_medium += 1,
            _ => row.risks_low += 1,
        }
    }
    for e in &f.events {
        let row = rows
            .entry((day_of(e.start_ms), e.api.host.clone()))
            .or_default();
        row.events += 1;
        let category = catalog()
            .event(&e.key)
            .map(|c| c.category.as_str())
            .unwrap_or("");
        if is_attack_category(category) {
            row.attacks += e.count as i64;
        }
    }
    rows
}

/// Replaces every result of `scope` with `f`, in one transaction. Reopens risks marked fixed
/// that were seen again after being fixed. Returns the number of APIs stored.
pub async fn replace(b: &Backend, scope: Scope, f: &Findings) -> Result<usize> {
    let region = scope.region_str();
    let mut risk_counts: HashMap<String, i64> = HashMap::new();
    for r in &f.risks {
        *risk_counts.entry(api_key(&r.api)).or_default() += 1;
    }
    let mut event_counts: HashMap<String, i64> = HashMap::new();
    for e in &f.events {
        *event_counts.entry(api_key(&e.api)).or_default() += 1;
    }

    let mut tx = b.db.pool.begin().await?;
    for table in RESULT_TABLES {
        let sql =
            format!("DELETE FROM {table} WHERE tenant_id = $1 AND rg_id = $2 AND region = $3");
        sqlx::query(&sql)
            .bind(scope.tenant_id)
            .bind(scope.rg_id)
            .bind(region)
            .execute(&mut *tx)
            .await?;
    }

    // Each row's stable key, computed once: it names the row and derives its id.
    let api_keys: Vec<String> = f.apis.iter().map(|a| api_key(&a.key)).collect();
    let api_ids = row_ids(&mut tx, "apis", scope, &api_keys).await?;
    for ((a, key), id) in f.apis.iter().zip(&api_keys).zip(api_ids) {
        insert_api(&mut tx, scope, a, key, id, &risk_counts, &event_counts).await?;
    }

    let risk_keys: Vec<String> = f.risks.iter().map(|r| risk_key(&r.key, &r.api)).collect();
    let risk_ids = row_ids(&mut tx, "risks", scope, &risk_keys).await?;
    for ((r, key), id) in f.risks.iter().zip(&risk_keys).zip(risk_ids) {
        let cat = catalog().risk(&r.key);
        let (description, suggestion) = engine::risk::describe(&r.key).unwrap_or(("", ""));
        let name = r
            .rule
            .clone()
            .or_else(|| cat.map(|c| c.name.clone()))
            .unwrap_or_else(|| r.key.clone());
        let sql = insert_sql("risks", RISK_COLUMNS);
        let q = sqlx::query(&sql)
            .bind(scope.tenant_id)
            .bind(scope.rg_id)
            .bind(region)
            .bind(key)
            .bind(&r.key)
            .bind(r.level.as_str())
            .bind(level_rank(r.level))
            .bind(cat.map(|c| c.category.clone()).unwrap_or_default())
            .bind(name)
            .bind(api_key(&r.api))
            .bind(&r.api.host)
            .bind(&r.api.method)
            .bind(&r.api.path)
            .bind(&r.evidence)
            .bind(description)
            .bind(r.suggestion.as_deref().unwrap_or(suggestion))
            .bind(r.first_ms)
            .bind(r.last_ms)
            .bind(r.hits as i64);
        q.bind(id).execute(&mut *tx).await?;
    }

    let event_keys: Vec<String> = f.events.iter().map(event_key).collect();
    let event_ids = row_ids(&mut tx, "events", scope, &event_keys).await?;
    for ((e, key), id) in f.events.iter().zip(&event_keys).zip(event_ids) {
        let cat = catalog().event(&e.key);
        let name = e
            .rule
            .clone()
            .or_else(|| cat.map(|c| c.name.clone()))
            .unwrap_or_else(|| e.key.clone());
        let subject = match e.subject {
            engine::catalog::Subject::Ip => "ip",
            engine::catalog::Subject::Account => "account",
        };
        let apis: Vec<String> = e.apis.iter().map(api_key).collect();
        let sql = insert_sql("events", EVENT_COLUMNS);
        let q = sqlx::query(&sql)
            .bind(scope.tenant_id)
            .bind(scope.rg_id)
            .bind(region)
            .bind(key)
            .bind(&e.key)
            .bind(e.level.as_str())
            .bind(level_rank(e.level))
            .bind(cat.map(|c| c.category.clone()).unwrap_or_default())
            .bind(name)
            .bind(subject)
            .bind(e.ip.map(|i| i.to_string()))
            .bind(e.account.clone())
            .bind(e.location.code())
            .bind(api_key(&e.api))
            .bind(&e.api.host)
            .bind(&e.api.method)
            .bind(&e.api.path)
            .bind(e.start_ms)
            .bind(e.end_ms)
            .bind(e.count as i64)
            .bind(&e.description)
            .bind(&e.suggestion)
            .bind(json(&apis))
            .bind(json(&e.samples));
        q.bind(id).execute(&mut *tx).await?;
    }

    sqlx::query(
        "INSERT INTO compliance (tenant_id, rg_id, region, summary, computed_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(region)
    .bind(json(&f.compliance))
    .bind(b.now_ms())
    .execute(&mut *tx)
    .await?;

    for ((day, host), r) in daily_rows(f) {
        sqlx::query(
            "INSERT INTO daily_stats (tenant_id, rg_id, region, day, host, requests, apis_active,
                apis_new, risks_new, risks_high, risks_medium, risks_low, events, attacks)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
        )
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(region)
        .bind(day)
        .bind(host)
        .bind(r.requests)
        .bind(r.apis_active)
        .bind(r.apis_new)
        .bind(r.risks_new)
        .bind(r.risks_high)
        .bind(r.risks_medium)
        .bind(r.risks_low)
        .bind(r.events)
        .bind(r.attacks)
        .execute(&mut *tx)
        .await?;
    }

    // A risk marked fixed that was seen after the fix reopens (back to "to be confirmed").
    for r in &f.risks {
        sqlx::query(
            "UPDATE workflow SET status = 'to_confirm', fixed_seen = NULL, changed_by = NULL,
                changed_at = $1, note = 'reopened: seen again after it was marked fixed'
             WHERE tenant_id = $2 AND rg_id = $3 AND region = $4 AND kind = 'risk'
               AND item_key = $5 AND status = 'fixed' AND fixed_seen IS NOT NULL
               AND fixed_seen < $6",
        )
        .bind(b.now_ms())
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(region)
        .bind(risk_key(&r.key, &r.api))
        .bind(r.last_ms)
        .execute(&mut *tx)
        .await?;
    }

    replace_trace(&mut tx, scope, &f.trace).await?;

    // Last, so the version row is locked only at the end (as in every other transaction
    // that bumps it): the pages' caches see the new results with the commit.
    bump_version(&mut *tx, scope).await?;
    tx.commit().await?;
    Ok(f.apis.len())
}

/// The scope's results version: 0 until its results first change, then bumped with every
/// change of what its result pages show (see [`bump_version`]). One primary-key lookup; the
/// pages' in-process caches are keyed by it ([`crate::cache`]).
pub async fn version(b: &Backend, scope: Scope) -> Result<i64> {
    let v: Option<i64> = sqlx::query_scalar(
        "SELECT version FROM results_versions WHERE tenant_id = $1 AND rg_id = $2 AND region = $3",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .fetch_optional(&b.db.pool)
    .await?;
    Ok(v.unwrap_or(0))
}

/// Bumps the scope's results version. Call it inside the transaction that changes the
/// scope's results or workflow state, as its last statement (one lock order everywhere).
pub async fn bump_version<'e, E>(exec: E, scope: Scope) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO results_versions (tenant_id, rg_id, region, version) VALUES ($1, $2, $3, 1)
         ON CONFLICT (tenant_id, rg_id, region)
         DO UPDATE SET version = results_versions.version + 1",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .execute(exec)
    .await?;
    Ok(())
}

/// Bumps the version of every scope of the tenant (each resource group in each region): for
/// changes that reach all of them (the trial purge, the tenant's ignore rules).
pub async fn bump_tenant_versions(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant_id: i64,
) -> Result<()> {
    let groups: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM resource_groups WHERE tenant_id = $1 ORDER BY id")
            .bind(tenant_id)
            .fetch_all(&mut **tx)
            .await?;
    for rg_id in groups {
        for region in [crate::tenancy::Region::Cn, crate::tenancy::Region::Intl] {
            let scope = Scope {
                tenant_id,
                rg_id,
                region,
            };
            bump_version(&mut **tx, scope).await?;
        }
    }
    Ok(())
}

/// `value_index.value_hash`: the engine's 64-bit keyed hash as 16 hex digits.
pub fn value_hash_hex(hash: u64) -> String {
    format!("{hash:016x}")
}

/// Rewrites the scope's leak tracing index (`value_index`) inside [`replace`]'s transaction.
/// Rows hold hashes, never values; `api_key` uses [`api_key`] so rows join with `apis` and
/// `events`. Inserted in multi-row batches (the index can hold millions of rows).
pub async fn replace_trace(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    trace: &engine::compliance::trace::TraceIndex,
) -> Result<()> {
    let region = scope.region_str();
    sqlx::query("DELETE FROM value_index WHERE tenant_id = $1 AND rg_id = $2 AND region = $3")
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(region)
        .execute(&mut **tx)
        .await?;
    const COLS: usize = 13;
    // 13 columns x 70 rows stays under SQLite's default limit of 999 bound parameters.
    const BATCH: usize = 70;
    for chunk in trace.rows.chunks(BATCH) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", placeholders(r * COLS + 1, COLS)))
            .collect();
        let sql = format!(
            "INSERT INTO value_index (tenant_id, rg_id, region, value_hash, type_id, direction,
                api_key, ip, country, account, first_ms, last_ms, hits) VALUES {}",
            values.join(",")
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            let direction = match row.direction {
                engine::facts::Direction::Request => "request",
                engine::facts::Direction::Response => "response",
            };
            q = q
                .bind(scope.tenant_id)
                .bind(scope.rg_id)
                .bind(region)
                .bind(value_hash_hex(row.value_hash))
                .bind(row.type_id as i64)
                .bind(direction)
                .bind(api_key(&row.api))
                .bind(row.ip.to_string())
                .bind(row.country.clone())
                .bind(row.account.clone().unwrap_or_default())
                .bind(row.first_ms)
                .bind(row.last_ms)
                .bind(row.hits.min(i64::MAX as u64) as i64);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_api(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scope: Scope,
    a: &ApiSummary,
    key: &str,
    id: i64,
    risk_counts: &HashMap<String, i64>,
    event_counts: &HashMap<String, i64>,
) -> Result<()> {
    let region = scope.region_str();
    let purpose_keys = format!(
        ",{},",
        a.purposes
            .iter()
            .map(|p| p.purpose.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    let sensitivity = a.sensitivity.as_str();
    let sql = insert_sql("apis", API_COLUMNS);
    let q = sqlx::query(&sql)
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(region)
        .bind(key)
        .bind(&a.key.host)
        .bind(&a.key.method)
        .bind(&a.key.path)
        .bind(a.calls as i64)
        .bind(a.first_seen_ms)
        .bind(a.last_seen_ms)
        .bind(a.active as i64)
        .bind(a.service_object.as_str())
        .bind(a.authenticated as i64)
        .bind(json(&a.auth))
        .bind(sensitivity)
        .bind(sensitivity_rank(sensitivity))
        .bind(purpose_keys)
        .bind(json(&a.purposes))
        .bind(json(&a.request_types))
        .bind(json(&a.response_types))
        .bind(json(&a.params))
        .bind(json(&a.statuses))
        .bind(json(&a.response_content_types))
        .bind(json(&a.calls_per_day))
        .bind(a.distinct_clients as i64)
        .bind(risk_counts.get(key).copied().unwrap_or(0))
        .bind(event_counts.get(key).copied().unwrap_or(0));
    q.bind(id).execute(&mut **tx).await?;
    for (direction, types) in [
        ("request", &a.request_types),
        ("response", &a.response_types),
    ] {
        for (type_id, hits) in types {
            sqlx::query(
                "INSERT INTO api_sensitive (tenant_id, rg_id, region, api_key, host, direction,
                    type_id, hits) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            )
            .bind(scope.tenant_id)
            .bind(scope.rg_id)
            .bind(region)
            .bind(key)
            .bind(&a.key.host)
            .bind(direction)
            .bind(*type_id as i64)
            .bind(*hits as i64)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::OffsetClock;
    use crate::editions::Edition;
    use crate::tenancy::{self, Region};
    use engine::analyze::{analyze_paths, AnalyzeOptions};
    use engine::client::ClientClassifier;
    use engine::demo::{Generator, GeneratorConfig};
    use engine::pipeline::AnalysisConfig;

    async fn count(b: &Backend, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&b.db.pool)
            .await
            .unwrap()
    }

    fn demo_findings(dir: &std::path::Path) -> Findings {
        let path = dir.join("demo.jsonl");
        let g = Generator::new(GeneratorConfig {
            days: 2,
            records_per_day: 3_000,
            ..GeneratorConfig::default()
        });
        g.write_to(std::fs::File::create(&path).unwrap()).unwrap();
        analyze_paths(
            &[path],
            &AnalyzeOptions::default(),
            &AnalysisConfig::default(),
            ClientClassifier::without_geo(),
            &|_| {},
        )
        .unwrap()
        .findings
    }

    #[tokio::test]
    async fn replace_is_idempotent_and_reopens_fixed_risks() {
        let dir = tempfile::tempdir().unwrap();
        let b = Backend::open(
            &format!("sqlite://{}/r.db", dir.path().display()),
            OffsetClock::new(),
        )
        .await
        .unwrap();
        let tenant_id = tenancy::ensure_tenant(&b, "T", Edition::Pro).await.unwrap();
        let rg_id: i64 = sqlx::query_scalar("SELECT id FROM resource_groups WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&b.db.pool)
            .await
            .unwrap();
        let scope = Scope {
            tenant_id,
            rg_id,
            region: Region::Cn,
        };
        let f = demo_findings(dir.path());
        assert!(!f.apis.is_empty() && !f.risks.is_empty() && !f.events.is_empty());

        replace(&b, scope, &f).await.unwrap();
        let first = (
            count(&b, "apis").await,
            count(&b, "risks").await,
            count(&b, "events").await,
            count(&b, "api_sensitive").await,
            count(&b, "daily_stats").await,
        );
        assert_eq!(first.0, f.apis.len() as i64);
        assert_eq!(first.1, f.risks.len() as i64);
        assert_eq!(first.2, f.events.len() as i64);
        let requests: i64 = sqlx::query_scalar("SELECT SUM(requests) FROM daily_stats")
            .fetch_one(&b.db.pool)
            .await
            .unwrap();
        assert_eq!(requests, f.apis.iter().map(|a| a.calls as i64).sum::<i64>());

        // A risk marked fixed before its last sighting reopens on the next replace.
        let r = &f.risks[0];
        sqlx::query(
            "INSERT INTO workflow (tenant_id, rg_id, region, kind, item_key, status, changed_at,
                fixed_seen) VALUES ($1, $2, 'cn', 'risk', $3, 'fixed', 0, $4)",
        )
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(risk_key(&r.key, &r.api))
        .bind(r.last_ms - 1)
        .execute(&b.db.pool)
        .await
        .unwrap();

        // Replacing again gives the same rows, not twice as many.
        replace(&b, scope, &f).await.unwrap();
        let second = (
            count(&b, "apis").await,
            count(&b, "risks").await,
            count(&b, "events").await,
            count(&b, "api_sensitive").await,
            count(&b, "daily_stats").await,
        );
        assert_eq!(first, second);
        let status: String = sqlx::query_scalar("SELECT status FROM workflow")
            .fetch_one(&b.db.pool)
            .await
            .unwrap();
        assert_eq!(status, "to_confirm");

        // Another region of the same tenant is untouched by this scope's replace.
        let other = Scope {
            region: Region::Intl,
            ..scope
        };
        replace(
            &b,
            other,
            &Findings {
                apis: vec![],
                risks: vec![],
                events: vec![],
                compliance: f.compliance.clone(),
                trace: Default::default(),
            },
        )
        .await
        .unwrap();
        assert_eq!(count(&b, "apis").await, first.0);
    }
}
