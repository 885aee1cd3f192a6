//! Helpers of the tests that run real `apisec` processes (jobs, kill_restart, backup,
//! upgrade): starting servers, fresh PostgreSQL schemas, a small HTTP client and a digest of
//! the analysis results to compare two databases.

#![allow(dead_code)]

use backend::clock::OffsetClock;
use backend::Backend;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_apisec");
pub const ADMIN_PW: &str = "admin-password-1";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Environment of every `apisec` process here: no demo data, fast stale detection.
pub fn command(data_dir: &Path, database_url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("APISEC_DATA_DIR", data_dir)
        .env("DATABASE_URL", database_url)
        .env("APISEC_ADMIN_PASSWORD", ADMIN_PW)
        .env("APISEC_DEMO_RECORDS_PER_DAY", "0")
        .env("APISEC_JOB_STALE_SECS", "2")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    c
}

/// Runs an `apisec` command to its end; panics with its output when it fails.
pub fn run_ok(data_dir: &Path, database_url: &str, args: &[&str]) -> String {
    let out = command(data_dir, database_url, args).output().unwrap();
    assert!(
        out.status.success(),
        "apisec {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn serve(data_dir: &Path, database_url: &str) -> Child {
    serve_on(data_dir, database_url, free_port())
}

/// `apisec serve` on `port` with one job worker.
pub fn serve_on(data_dir: &Path, database_url: &str, port: u16) -> Child {
    command(data_dir, database_url, &["serve"])
        .env("APISEC_ADDR", format!("127.0.0.1:{port}"))
        .env("APISEC_JOB_WORKERS", "1")
        .stdout(Stdio::null())
        .spawn()
        .expect("start apisec serve")
}

/// Waits until the server on `port` answers `/healthz` with 200.
pub fn wait_healthy(server: &mut Child, port: u16) {
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok((200, _)) = http(port, "GET", "/healthz", &[], b"") {
            return;
        }
        assert!(
            server.try_wait().unwrap().is_none(),
            "the server exited while starting"
        );
        assert!(Instant::now() < end, "the server did not become healthy");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `kill -9`.
pub fn kill(server: &mut Child) {
    server.kill().unwrap();
    server.wait().unwrap();
}

/// One HTTP/1.1 request (`Connection: close`): the status and the body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.write_all(&request_head(port, method, path, headers, body.len()))?;
    s.write_all(body)?;
    read_response(&mut s)
}

/// The request line and headers of a request with a body of `len` bytes.
pub fn request_head(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    len: usize,
) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Length: {len}\r\n"
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// Reads a whole response (the server closes the connection after it).
pub fn read_response(s: &mut TcpStream) -> std::io::Result<(u16, String)> {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("incomplete response"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    Ok((status, body.to_string()))
}

pub fn write_demo(path: &Path, days: u32, per_day: u64) {
    let g = engine::demo::Generator::new(engine::demo::GeneratorConfig {
        days,
        records_per_day: per_day,
        ..Default::default()
    });
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    g.write_to(&mut f).unwrap();
    std::io::Write::flush(&mut f).unwrap();
}

pub async fn open(url: &str, data_dir: &Path) -> Backend {
    Backend::open(url, OffsetClock::new())
        .await
        .unwrap()
        .with_data_dir(data_dir)
}

pub async fn scalar(b: &Backend, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&b.db.pool).await.unwrap()
}

/// Gives database `to` the hashing key of the tenant in `from` (it is random per database),
/// so analyses of the same traffic in both give the same results.
pub async fn copy_hash_key(from: &Backend, to: &Backend, tenant_slug: &str) {
    let tenant: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(tenant_slug)
        .fetch_one(&from.db.pool)
        .await
        .unwrap();
    let key = backend::tenant_settings::get(from, tenant)
        .await
        .unwrap()
        .hash_key;
    backend::tenant_settings::get(to, tenant).await.unwrap();
    sqlx::query("UPDATE tenant_settings SET hash_key = $1 WHERE tenant_id = $2")
        .bind(&key)
        .bind(tenant)
        .execute(&to.db.pool)
        .await
        .unwrap();
}

/// A digest of every result row of the apis, risks, events and daily_stats tables (ids and
/// nothing else left out), in key order, and the number of rows.
pub async fn digest(b: &Backend) -> (String, i64) {
    use sqlx::{Column, Row};
    let mut h = Sha256::new();
    let mut rows_total = 0;
    for (table, order) in [
        ("apis", "api_key"),
        ("risks", "risk_key"),
        ("events", "event_key"),
        ("daily_stats", "day, host"),
    ] {
        let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .fetch_all(&b.db.pool)
            .await
            .unwrap();
        rows_total += rows.len() as i64;
        for r in rows {
            for (i, col) in r.columns().iter().enumerate() {
                if col.name() == "id" {
                    continue;
                }
                let v = r
                    .try_get::<Option<String>, _>(i)
                    .map(|v| v.unwrap_or_default())
                    .or_else(|_| r.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                    .or_else(|_| r.try_get::<Option<f64>, _>(i).map(|v| format!("{v:?}")))
                    .unwrap();
                h.update(col.name().as_bytes());
                h.update(b"=");
                h.update(v.as_bytes());
                h.update(b"\x1f");
            }
            h.update(b"\n");
        }
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    (hex, rows_total)
}

/// The headline figures of the results: APIs, calls, risks, events.
pub async fn totals(b: &Backend) -> [i64; 4] {
    [
        scalar(b, "SELECT COUNT(*) FROM apis").await,
        scalar(
            b,
            "SELECT CAST(COALESCE(SUM(calls), 0) AS BIGINT) FROM apis",
        )
        .await,
        scalar(b, "SELECT COUNT(*) FROM risks").await,
        scalar(b, "SELECT COUNT(*) FROM events").await,
    ]
}

/// Waits until no analysis job is queued or running and at least one is done.
pub async fn wait_all_done(b: &Backend, deadline: Duration) {
    let end = Instant::now() + deadline;
    loop {
        let active = scalar(
            b,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'analysis' AND status IN ('queued', 'running')",
        )
        .await;
        let done = scalar(
            b,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'analysis' AND status = 'done'",
        )
        .await;
        if active == 0 && done > 0 {
            return;
        }
        assert!(Instant::now() < end, "jobs did not finish in time");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The PostgreSQL server of the tests (`APISEC_TEST_POSTGRES_URL`), if any; in CI
/// (`CI=true`) it must be set.
pub fn postgres_base() -> Option<String> {
    let base = std::env::var("APISEC_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty());
    if base.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but APISEC_TEST_POSTGRES_URL is not set: PostgreSQL tests cannot be skipped in CI");
    }
    base
}

/// A fresh schema on the test PostgreSQL: its name and a URL whose search path is it.
pub async fn pg_schema(base: &str, prefix: &str) -> (String, String) {
    let schema = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let admin = backend::Db::connect(base).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin.pool)
        .await
        .unwrap();
    admin.pool.close().await;
    (schema.clone(), pg_url(base, &schema))
}

/// `base` with the search path set to `schema`.
pub fn pg_url(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-csearch_path%3D{schema}")
}

pub async fn drop_pg_schema(base: &str, schema: &str) {
    let admin = backend::Db::connect(base).await.unwrap();
    let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&admin.pool)
        .await;
    admin.pool.close().await;
}
