//! Console back end: everything the web console does with data, independent of HTTP.
//!
//! The `server` crate (routes, middleware, CLI) and the `app` crate's server functions both call
//! into this crate; it never renders HTML. Every query takes the tenant it acts for, so scoping
//! is visible at each call site.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod cache;
pub mod clock;
pub mod compliance;
pub mod csv;
pub mod dashboard;
pub mod db;
pub mod editions;
pub mod error;
pub mod findings;
pub mod ingest;
pub mod inventory;
pub mod jobs;
pub mod loadtest;
pub mod metrics;
pub mod policies;
pub mod ratelimit;
pub mod results;
pub mod scope;
pub mod seed;
pub mod sessions;
pub mod tenancy;
pub mod tenant_settings;

use std::sync::Arc;

pub use clock::{Clock, SharedClock};
pub use db::Db;
pub use error::{Error, Result};

/// The TCP peer of a request; the server puts it in the request extensions (login throttling).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// Shared handle to the back end, cheap to clone; handed to every request.
#[derive(Clone)]
pub struct Backend {
    pub db: Db,
    pub clock: SharedClock,
    pub limiter: Arc<ratelimit::LoginLimiter>,
    pub metrics: Arc<metrics::Metrics>,
    /// Where raw log segments live and how they are read (see [`ingest`]).
    pub ingest: Arc<ingest::IngestConfig>,
    /// Jobs and scheduler settings (see [`jobs`]).
    pub jobs: Arc<jobs::JobsConfig>,
    /// Assembled result pages keyed by their scope's results version (see [`cache`]).
    pub cache: Arc<cache::PageCache>,
}

impl Backend {
    /// Connects to `database_url`, runs the migrations of that backend and returns the handle.
    pub async fn open(database_url: &str, clock: SharedClock) -> Result<Self> {
        let db = Db::connect(database_url).await?;
        db.migrate().await?;
        Ok(Self {
            db,
            clock,
            limiter: Arc::new(ratelimit::LoginLimiter::default()),
            metrics: Arc::new(metrics::Metrics::default()),
            ingest: Arc::new(ingest::IngestConfig::new(default_data_dir(database_url))),
            jobs: Arc::new(jobs::JobsConfig::default()),
            cache: Arc::new(cache::PageCache::default()),
        })
    }

    /// The same back end storing segments under `data_dir` (the server passes
    /// `APISEC_DATA_DIR`; the default is the SQLite file's directory).
    pub fn with_data_dir(mut self, data_dir: impl Into<std::path::PathBuf>) -> Self {
        let mut cfg = (*self.ingest).clone();
        cfg.data_dir = data_dir.into();
        self.ingest = Arc::new(cfg);
        self
    }

    /// The same back end with other ingestion settings (limits, reader options).
    pub fn with_ingest(mut self, cfg: ingest::IngestConfig) -> Self {
        self.ingest = Arc::new(cfg);
        self
    }

    /// The same back end with other job settings (stale limit, demo seeding).
    pub fn with_jobs(mut self, cfg: jobs::JobsConfig) -> Self {
        self.jobs = Arc::new(cfg);
        self
    }

    /// Current time in Unix milliseconds, from the injectable clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
}

/// Default data directory: beside an SQLite file, else `./data`.
fn default_data_dir(database_url: &str) -> std::path::PathBuf {
    database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
        .and_then(|p| std::path::Path::new(p).parent().map(|d| d.to_path_buf()))
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::PathBuf::from("data"))
}
