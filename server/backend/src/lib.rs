//! Console back end: everything the web console does with data, independent of HTTP.
//!
//! The `server` crate (routes, middleware, CLI) and the `app` crate's server functions both call
//! into this crate; it never renders HTML. Every query takes the tenant it acts for, so scoping
//! is visible at each call site.

pub mod accounts;
pub mod audit;
pub mod compliance;
pub mod csv;
pub mod dashboard;
pub mod clock;
pub mod db;
pub mod editions;
pub mod error;
pub mod findings;
pub mod ingest;
pub mod inventory;
pub mod jobs;
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
        })
    }

    /// Current time in Unix milliseconds, from the injectable clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
}
