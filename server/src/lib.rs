//! The `apisec` server: command line, configuration, HTTP routes and middleware.
//! Data logic lives in the `backend` crate, UI in `app`, analysis in `engine`.

pub mod assets;
pub mod backup;
pub mod cli;
pub mod config;
pub mod http;
pub mod routes;
pub mod security;

use backend::clock::OffsetClock;
use backend::Backend;
use std::net::SocketAddr;
use std::time::Duration;

/// Logs to stderr; `RUST_LOG` filters (default `info`), `APISEC_LOG_FORMAT=json` is not
/// needed yet: the plain format is structured key=value. Colours only on a terminal, so a log
/// file or collector never gets escape sequences (the payload test checks it holds none).
pub fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Opens the database, creates the first tenant and admin on an empty database and prints
/// the generated admin password once. `with_demo`: seed demo traffic on a first start
/// (`serve` only; admin commands exit before a background seed could finish).
pub async fn open_backend(
    cfg: &config::Config,
    with_demo: bool,
) -> Result<Backend, backend::Error> {
    let reader = engine::readers::ReaderOptions::from_env().map_err(backend::Error::Invalid)?;
    let backend = Backend::open(&cfg.database_url, OffsetClock::new())
        .await?
        .with_ingest(backend::ingest::IngestConfig {
            data_dir: cfg.data_dir.clone(),
            limits: cfg.limits.clone(),
            reader,
        })
        .with_jobs(backend::jobs::JobsConfig {
            stale_ms: (cfg.job_stale_secs as i64).saturating_mul(1000),
            // A few beats per stale period, never slower than once a second is useful for
            // the progress bar.
            heartbeat_ms: (cfg.job_stale_secs * 1000 / 4).clamp(200, 1000),
            demo: if with_demo { cfg.demo } else { None },
            ..Default::default()
        });
    // Under the start-up lock: web and worker processes starting together on an empty
    // PostgreSQL create the first tenant and admin once.
    let first_start = backend
        .db
        .with_startup_lock(backend::seed::bootstrap(
            &backend,
            cfg.admin_password.as_deref(),
        ))
        .await?;
    if let Some(password) = first_start {
        println!("==============================================================");
        println!(" First start: created tenant Demo and user `admin`.");
        println!(" One-time admin password: {password}");
        println!(" (shown only now; set APISEC_ADMIN_PASSWORD to choose it)");
        println!("==============================================================");
    }
    Ok(backend)
}

/// `apisec serve`.
pub async fn serve(cfg: config::Config) -> Result<(), String> {
    let backend = open_backend(&cfg, true).await.map_err(|e| e.to_string())?;
    if cfg.role != config::Role::Worker && !assets::has_bundle() {
        tracing::warn!(
            "hydration bundle missing (run `make build`); pages render without interactivity"
        );
    }
    spawn_housekeeping(backend.clone());
    spawn_scheduler(backend.clone(), cfg.job_workers);
    let app = match cfg.role {
        config::Role::Worker => routes::probe_router(backend),
        config::Role::All | config::Role::Web => routes::router_with_sessions(
            backend,
            routes::RouterOptions {
                secure_cookies: cfg.secure_cookies,
            },
            cfg.sessions,
        ),
    };
    let listener = tokio::net::TcpListener::bind(cfg.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.addr))?;
    tracing::info!(addr = %cfg.addr, db = %redact(&cfg.database_url), role = ?cfg.role, workers = cfg.job_workers, "apisec listening on http://{}", cfg.addr);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}

/// Every minute: delete expired sessions, purge trials that ended unpurchased.
fn spawn_housekeeping(b: Backend) {
    tokio::spawn(async move {
        let store = backend::sessions::DbSessionStore::new(b.db.clone());
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "session cleanup failed");
            }
            if let Err(e) = backend::editions::sweep_expired_trials(&b).await {
                tracing::warn!(error = %e, "trial sweep failed");
            }
        }
    });
}

/// The job workers (`APISEC_JOB_WORKERS` loops claiming jobs) and, every minute, the
/// periodic jobs that are due (retention purge, daily baseline refresh). Trial expiry runs in
/// [`spawn_housekeeping`].
fn spawn_scheduler(b: Backend, workers: usize) {
    for n in 0..workers {
        let worker = backend::jobs::worker_id(n);
        tracing::info!(%worker, "job worker started");
        tokio::spawn(backend::jobs::worker_loop(b.clone(), worker));
    }
    tokio::spawn(async move {
        // The first check a minute after start: a fresh start has its own jobs to run first.
        let every = Duration::from_secs(60);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tick.tick().await;
            if let Err(e) = backend::jobs::schedule_periodic(&b).await {
                tracing::warn!(error = %e, "cannot schedule periodic jobs");
            }
        }
    });
}

/// Hides a password in a database URL for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://data/a.db"), "sqlite://data/a.db");
    }
}
