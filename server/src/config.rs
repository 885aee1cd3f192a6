//! Configuration from environment variables (documented in README.md).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// What an `apisec serve` process does (`APISEC_ROLE`). Several processes on one PostgreSQL
/// split the work: `web` processes serve the console and ingest, `worker` processes claim
/// analysis jobs (docs/deployment.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Console, ingestion and `APISEC_JOB_WORKERS` job workers (the default; one process).
    All,
    /// Console and ingestion; no job workers (queued jobs wait for a worker process).
    Web,
    /// Job workers only; the address serves `/healthz` and `/metrics` for probes.
    Worker,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `APISEC_ROLE`: `all` (default), `web` or `worker`.
    pub role: Role,
    /// `APISEC_ADDR`, default 127.0.0.1:3000.
    pub addr: SocketAddr,
    /// `APISEC_DATA_DIR`, default `./data`.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`, default `sqlite://<data dir>/apisec.db`.
    pub database_url: String,
    /// `APISEC_ADMIN_PASSWORD`: password of the first admin on an empty database.
    pub admin_password: Option<String>,
    /// `APISEC_SECURE_COOKIES` (true/false). Default: secure unless listening on loopback,
    /// where plain http is the norm for local use.
    pub secure_cookies: bool,
    /// `APISEC_JOB_WORKERS`: job worker loops in this process (default 1; 0: none, another
    /// process does the work). Always 0 for `APISEC_ROLE=web`, at least 1 for `worker`.
    pub job_workers: usize,
    /// `APISEC_JOB_STALE_SECS`: a running job without a heartbeat for this long is requeued
    /// (default 60).
    pub job_stale_secs: u64,
    /// `APISEC_MAX_UPLOAD_BYTES`, `APISEC_MAX_INGEST_BODY_BYTES`, `APISEC_MAX_LINE_BYTES`,
    /// `APISEC_MAX_DECOMPRESSED_BYTES`, `APISEC_MAX_GZIP_RATIO` (see docs/ingestion.md).
    pub limits: backend::ingest::Limits,
    /// Demo traffic seeded into the Demo tenant on the first start: `APISEC_DEMO_RECORDS_PER_DAY`
    /// (default 20000; 0 turns demo data off) and `APISEC_DEMO_DAYS` (default 8).
    pub demo: Option<backend::seed::DemoSeed>,
    /// `APISEC_SESSION_IDLE_MINUTES` and `APISEC_SESSION_MAX_HOURS` (docs/security.md).
    pub sessions: crate::security::SessionLimits,
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let addr: SocketAddr = var("APISEC_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("APISEC_ADDR: {e}"))?;
        let data_dir = PathBuf::from(var("APISEC_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/apisec.db", data_dir.display()));
        let secure_cookies = match var("APISEC_SECURE_COOKIES").as_deref() {
            Some("1" | "true" | "yes") => true,
            Some(_) => false,
            None => !addr.ip().is_loopback(),
        };
        let number = |k: &str, default: u64| -> Result<u64, String> {
            match var(k) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{k}: expected a whole number, got {v:?}")),
            }
        };
        let role = match var("APISEC_ROLE").as_deref() {
            None | Some("all") => Role::All,
            Some("web") => Role::Web,
            Some("worker") => Role::Worker,
            Some(other) => {
                return Err(format!(
                    "APISEC_ROLE: expected all, web or worker, got {other:?}"
                ))
            }
        };
        let job_workers = match role {
            Role::Web => 0,
            Role::All => number("APISEC_JOB_WORKERS", 1)? as usize,
            Role::Worker => (number("APISEC_JOB_WORKERS", 1)? as usize).max(1),
        };
        let job_stale_secs = number("APISEC_JOB_STALE_SECS", 60)?.max(1);
        let limits = backend::ingest::Limits::from_lookup(|k| var(k))?;
        let session_defaults = crate::security::SessionLimits::default();
        let sessions = crate::security::SessionLimits {
            idle: Duration::from_secs(
                60 * number(
                    "APISEC_SESSION_IDLE_MINUTES",
                    session_defaults.idle.as_secs() / 60,
                )?
                .max(1),
            ),
            absolute: Duration::from_secs(
                3600 * number(
                    "APISEC_SESSION_MAX_HOURS",
                    session_defaults.absolute.as_secs() / 3600,
                )?
                .max(1),
            ),
        };
        let defaults = backend::seed::DemoSeed::default();
        let per_day = number("APISEC_DEMO_RECORDS_PER_DAY", defaults.records_per_day)?;
        let days = number("APISEC_DEMO_DAYS", defaults.days as u64)?.clamp(1, 60) as u32;
        let demo = (per_day > 0).then_some(backend::seed::DemoSeed {
            records_per_day: per_day,
            days,
        });
        Ok(Self {
            role,
            job_workers,
            job_stale_secs,
            limits,
            demo,
            sessions,
            addr,
            data_dir,
            database_url,
            admin_password: var("APISEC_ADMIN_PASSWORD"),
            secure_cookies,
        })
    }
}
