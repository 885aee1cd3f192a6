//! Upgrades (issue 11): a database of an older version (migrations 0001 and 0002 only, the
//! schema of the first release with ingestion and results) with rows of that era, upgraded
//! by starting the current `apisec serve` on it. Every old row must survive unchanged, every
//! column added since must hold its default on old rows, and the old data must still work:
//! logins, ingest tokens, segments and a re-analysis of them. On SQLite and PostgreSQL.

mod procs;

use procs::*;
use sqlx::{Column, Row};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The newest migration of the older version.
const OLD_VERSION: i64 = 2;
const T0: i64 = 1_764_000_000_000;
const TENANT: &str = "(SELECT id FROM tenants WHERE slug = 'acme')";
const RG: &str = "(SELECT id FROM resource_groups WHERE name = 'default')";
const USER: &str = "(SELECT id FROM users WHERE username = 'carol')";
const PASSWORD: &str = "carol-password-1";
const TOKEN: &str = "4f1c0e2b9a7d4c1e8b3a6f5d2c9e7a1b";

/// The migration files of `kind` up to `max`, in order: (version, name, SQL).
fn migrations(kind: &str, max: i64) -> Vec<(i64, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(kind);
    let mut out: Vec<(i64, String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?.to_string();
            let (v, name) = stem.split_once('_')?;
            let v: i64 = v.parse().ok()?;
            (v <= max).then(|| (v, name.to_string(), std::fs::read_to_string(&p).unwrap()))
        })
        .collect();
    out.sort();
    out
}

/// Builds the older database as that version's migrator left it.
async fn old_schema(db: &backend::Db, kind: &str) {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let applied = migrations(kind, OLD_VERSION);
    assert_eq!(applied.len(), 2, "0001 and 0002");
    for (version, name, sql) in applied {
        sqlx::raw_sql(&sql).execute(&db.pool).await.unwrap();
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(T0)
        .execute(&db.pool)
        .await
        .unwrap();
    }
}

/// Rows as the older version wrote them: a tenant with a purchased subscription, a user, a
/// data source with an ingest token, a stored segment (and its file), a finished job, results
/// and a user's decision on a risk.
async fn old_rows(db: &backend::Db, data: &Path) -> PathBuf {
    let q = |s: &str| s.replace('\'', "''");
    sqlx::raw_sql(&format!(
        "INSERT INTO tenants (slug, name, created_at) VALUES ('acme', 'Acme Corp', {T0});
         INSERT INTO resource_groups (tenant_id, name, created_at) VALUES ({TENANT}, 'default', {T0});"
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    let tenant: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'acme'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let dir = data.join("segments").join(tenant.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let segment = dir.join("1-5d41402abc4b2a76-0a1b.log");
    write_demo(&segment, 1, 2_000);
    let content = std::fs::read(&segment).unwrap();
    let lines = content.iter().filter(|b| **b == b'\n').count() as i64;
    let hash = backend::ingest::sha256_hex(&content);
    let pw = backend::accounts::hash_password(PASSWORD).unwrap();
    let token_hash = backend::ingest::sha256_hex(TOKEN.as_bytes());
    let path = segment.display().to_string();
    let t1 = T0 + 3_600_000;
    // Received an hour ago: within retention, so the retention job leaves it alone.
    let received = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - 3_600_000;
    sqlx::raw_sql(&format!(
        "INSERT INTO users (username, display_name, password_hash, created_at, last_login_at)
           VALUES ('carol', 'Carol Chen', '{pw}', {T0}, {t1});
         INSERT INTO memberships (user_id, tenant_id, role, created_at)
           VALUES ({USER}, {TENANT}, 'admin', {T0});
         INSERT INTO subscriptions (tenant_id, edition, consent_at, consent_by, purchased_at, updated_at)
           VALUES ({TENANT}, 'pro', {T0}, {USER}, {T0}, {T0});
         INSERT INTO tenant_settings (tenant_id, retention_days, hash_key, updated_at)
           VALUES ({TENANT}, 90, '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', {T0});
         INSERT INTO audit_log (tenant_id, user_id, actor, action, detail, created_at)
           VALUES ({TENANT}, {USER}, 'carol', 'api_security.purchase', 'edition pro', {T0});
         INSERT INTO data_sources (tenant_id, rg_id, region, name, format, token_hash, token_hint,
                                   created_by, created_at)
           VALUES ({TENANT}, {RG}, 'cn', 'gateway', 'jsonl', '{token_hash}', '4f1c', {USER}, {T0});
         INSERT INTO segments (tenant_id, source_id, rg_id, region, origin, file_name, path, format,
                               content_hash, bytes, lines, accepted, rejected, min_time_ms,
                               max_time_ms, received_at)
           VALUES ({TENANT}, (SELECT id FROM data_sources WHERE name = 'gateway'), {RG}, 'cn',
                   'ingest', 'ingest-2025-11-24T16:00:00Z.ndjson', '{path}', 'jsonl', '{hash}',
                   {bytes}, {lines}, {lines}, 0, {T0}, {t1}, {received});
         INSERT INTO rejected_lines (tenant_id, segment_id, line_no, reason, excerpt)
           VALUES ({TENANT}, (SELECT MAX(id) FROM segments), 17, 'not a JSON object', '<html>');
         INSERT INTO jobs (tenant_id, rg_id, region, kind, status, progress, total, message, worker,
                           attempts, created_at, started_at, heartbeat_at, finished_at)
           VALUES ({TENANT}, {RG}, 'cn', 'analysis', 'done', {lines}, {lines},
                   '{lines} records from 1 segments: 1 APIs, 1 risks, 1 events', 'gw1:812:0', 1,
                   {t1}, {t1}, {t1}, {t1});
         INSERT INTO apis (tenant_id, rg_id, region, api_key, host, method, path, calls, first_seen,
                           last_seen, active, service_object, authenticated, auth, sensitivity,
                           sensitivity_rank, purpose_keys, purposes, calls_per_day,
                           distinct_clients, risk_count, event_count)
           VALUES ({TENANT}, {RG}, 'cn', 'POST shop.acme.cn/api/v1/login', 'shop.acme.cn', 'POST',
                   '/api/v1/login', 1250, {T0}, {t1}, 1, 'external', 0, '[]', 'high', 3,
                   ',login,', '[\"login\"]', '{{\"2025-11-24\":1250}}', 311, 1, 1);
         INSERT INTO risks (tenant_id, rg_id, region, risk_key, type_key, level, level_rank, category,
                            name, api_key, host, method, path, evidence, description, suggestion,
                            first_seen, last_seen, hits)
           VALUES ({TENANT}, {RG}, 'cn', 'login_no_rate_limit|POST shop.acme.cn/api/v1/login',
                   'login_no_rate_limit', 'high', 3, 'authentication', 'Login without rate limit',
                   'POST shop.acme.cn/api/v1/login', 'shop.acme.cn', 'POST', '/api/v1/login',
                   '{{\"attempts\":880}}', 'Many failed logins were answered.', 'Limit attempts.',
                   {T0}, {t1}, 880);
         INSERT INTO events (tenant_id, rg_id, region, event_key, type_key, level, level_rank,
                             category, name, subject, ip, location, api_key, host, method, path,
                             start_ms, end_ms, count, description, suggestion)
           VALUES ({TENANT}, {RG}, 'cn', 'credential_stuffing|ip:203.0.113.9|POST shop.acme.cn/api/v1/login|{T0}',
                   'credential_stuffing', 'high', 3, 'attack', 'Credential stuffing', 'ip',
                   '203.0.113.9', 'Netherlands', 'POST shop.acme.cn/api/v1/login', 'shop.acme.cn',
                   'POST', '/api/v1/login', {T0}, {t1}, 880, 'One IP tried 880 accounts.',
                   'Block the IP.');
         INSERT INTO workflow (tenant_id, rg_id, region, kind, item_key, status, note, changed_by,
                               changed_at)
           VALUES ({TENANT}, {RG}, 'cn', 'risk', 'login_no_rate_limit|POST shop.acme.cn/api/v1/login',
                   'ignored', 'accepted: internal test login', {USER}, {t1});
         INSERT INTO daily_stats (tenant_id, rg_id, region, day, host, requests, apis_active,
                                  apis_new, risks_new, risks_high, events, attacks)
           VALUES ({TENANT}, {RG}, 'cn', '2025-11-24', 'shop.acme.cn', 1250, 1, 1, 1, 1, 1, 1);",
        pw = q(&pw),
        path = q(&path),
        bytes = content.len(),
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    segment
}

/// Every table of the database with its columns and their declared defaults.
async fn columns(db: &backend::Db) -> BTreeMap<String, Vec<(String, Option<String>)>> {
    let mut out = BTreeMap::new();
    match db.kind {
        backend::db::DbKind::Sqlite => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&db.pool)
            .await
            .unwrap();
            for t in tables {
                let rows = sqlx::query(&format!("PRAGMA table_info({t})"))
                    .fetch_all(&db.pool)
                    .await
                    .unwrap();
                let cols = rows
                    .iter()
                    .map(|r| (r.get::<String, _>(1), r.get::<Option<String>, _>(4)))
                    .collect();
                out.insert(t, cols);
            }
        }
        backend::db::DbKind::Postgres => {
            let rows = sqlx::query(
                "SELECT table_name::text, column_name::text, column_default::text
                 FROM information_schema.columns WHERE table_schema = current_schema()
                 ORDER BY table_name, ordinal_position",
            )
            .fetch_all(&db.pool)
            .await
            .unwrap();
            for r in rows {
                out.entry(r.get::<String, _>(0))
                    .or_insert_with(Vec::new)
                    .push((r.get::<String, _>(1), r.get::<Option<String>, _>(2)));
            }
        }
    }
    out
}

/// A value as text ("NULL" for NULL), whatever its type.
fn cell(r: &sqlx::any::AnyRow, i: usize) -> String {
    r.try_get::<Option<String>, _>(i)
        .map(|v| v.unwrap_or_else(|| "NULL".into()))
        .or_else(|_| {
            r.try_get::<Option<i64>, _>(i)
                .map(|v| v.map_or("NULL".into(), |v| v.to_string()))
        })
        .or_else(|_| {
            r.try_get::<Option<f64>, _>(i)
                .map(|v| v.map_or("NULL".into(), |v| v.to_string()))
        })
        .or_else(|_| {
            r.try_get::<Option<bool>, _>(i)
                .map(|v| v.map_or("NULL".into(), |v| v.to_string()))
        })
        .unwrap_or_else(|e| panic!("column {}: {e}", r.columns()[i].name()))
}

type Rows = Vec<BTreeMap<String, String>>;

/// All rows of `table` as column → value, sorted.
async fn rows(db: &backend::Db, table: &str) -> Rows {
    let rows = sqlx::query(&format!("SELECT * FROM {table}"))
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let mut out: Rows = rows
        .iter()
        .map(|r| {
            (0..r.columns().len())
                .map(|i| (r.columns()[i].name().to_string(), cell(r, i)))
                .collect()
        })
        .collect();
    out.sort();
    out
}

/// The value a declared default gives, or None for an expression we do not evaluate here.
fn default_value(declared: Option<&str>) -> Option<String> {
    let Some(d) = declared else {
        return Some("NULL".into());
    };
    // PostgreSQL spells them `'[]'::text`, `0`, `NULL::bigint`.
    let d = d.split("::").next().unwrap().trim();
    if d.eq_ignore_ascii_case("null") {
        return Some("NULL".into());
    }
    if let Some(s) = d.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Some(s.replace("''", "'"));
    }
    d.parse::<f64>().is_ok().then(|| d.to_string())
}

async fn upgrade_case(kind: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut schema = None;
    let url = match kind {
        "postgres" => {
            let base = postgres_base().unwrap();
            let (s, url) = pg_schema(&base, "upgrade").await;
            schema = Some((base, s));
            url
        }
        _ => format!("sqlite://{}/apisec.db", data.display()),
    };
    let old = backend::Db::connect(&url).await.unwrap();
    old_schema(&old, kind).await;
    let segment = old_rows(&old, &data).await;
    let before_cols = columns(&old).await;
    let mut before = BTreeMap::new();
    for t in before_cols.keys() {
        before.insert(t.clone(), rows(&old, t).await);
    }
    old.pool.close().await;

    // The upgrade: the current server starts on the old database (web only, so no job
    // rewrites results before they are compared).
    let port = free_port();
    let mut server = command(&data, &url, &["serve"])
        .env("APISEC_ADDR", format!("127.0.0.1:{port}"))
        .env("APISEC_JOB_WORKERS", "0")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(&mut server, port);
    kill(&mut server);

    let b = open(&url, &data).await;
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(&b.db.pool)
            .await
            .unwrap();
    let all: Vec<i64> = migrations(kind, i64::MAX).iter().map(|m| m.0).collect();
    assert_eq!(versions, all, "every migration applied once");
    let after_cols = columns(&b.db).await;
    let mut added = vec![];
    for (table, old_rows) in &before {
        let cols = &after_cols[table];
        let old_names: Vec<&String> = before_cols[table].iter().map(|c| &c.0).collect();
        let now = rows(&b.db, table).await;
        // Old rows, on the old columns: all still there, unchanged.
        let projected: Rows = now
            .iter()
            .map(|r| {
                r.iter()
                    .filter(|(k, _)| old_names.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .collect();
        for r in old_rows {
            assert!(projected.contains(r), "{table}: row lost or changed: {r:?}");
        }
        // Columns added since: their default on the old rows.
        for (col, declared) in cols.iter().filter(|c| !old_names.contains(&&c.0)) {
            added.push(format!("{table}.{col}"));
            let Some(expected) = default_value(declared.as_deref()) else {
                continue;
            };
            for (r, p) in now.iter().zip(&projected) {
                if old_rows.contains(p) {
                    assert_eq!(r[col], expected, "{table}.{col} on an old row");
                }
            }
        }
    }
    eprintln!("upgrade[{kind}]: columns added since version {OLD_VERSION}: {added:?}");

    // The old data works with the current code.
    let carol = backend::accounts::authenticate(&b, "carol", PASSWORD, "127.0.0.1")
        .await
        .expect("an old account logs in");
    let acme = backend::tenancy::memberships(&b, carol.id).await.unwrap();
    assert!(acme.iter().any(|m| m.tenant_slug == "acme"), "{acme:?}");
    let src = backend::ingest::source_by_token(&b, TOKEN)
        .await
        .unwrap()
        .expect("an old ingest token still authenticates");
    let scope = src.scope();
    let segs = backend::ingest::list_segments(&b, scope, 10).await.unwrap();
    assert_eq!(segs.len(), 1);
    backend::jobs::enqueue_analysis(&b, scope, "test: after upgrade")
        .await
        .unwrap();
    backend::jobs::run_pending(&b, "test:0:0").await.unwrap();
    let not_done = scalar(&b, "SELECT COUNT(*) FROM jobs WHERE status <> 'done'").await;
    assert_eq!(not_done, 0, "the re-analysis of the old segment ran");
    let [apis, calls, _, _] = totals(&b).await;
    assert!(apis > 5 && calls > 1_000, "results from the old segment");
    let decision: String = sqlx::query_scalar("SELECT status FROM workflow WHERE kind = 'risk'")
        .fetch_one(&b.db.pool)
        .await
        .unwrap();
    assert_eq!(decision, "ignored", "users' decisions survive");
    assert!(segment.is_file());

    b.db.pool.close().await;
    if let Some((base, s)) = schema {
        drop_pg_schema(&base, &s).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_database_migrates_forward_without_losing_data() {
    upgrade_case("sqlite").await;
    if postgres_base().is_some() {
        upgrade_case("postgres").await;
    } else {
        eprintln!("note: APISEC_TEST_POSTGRES_URL not set, PostgreSQL variant skipped");
    }
}
