//! Database access: one connection pool over SQLite or PostgreSQL, chosen by `DATABASE_URL`.
//!
//! We use sqlx's `Any` driver so every query is written once: placeholders are `$1, $2, ..`
//! (SQLite accepts them too), times are `BIGINT` Unix milliseconds and flags are nullable
//! timestamps, which keeps to the types `Any` supports on both backends. Each backend has its
//! own migration files (DDL differs: identity columns), embedded into the binary.

use crate::error::{Error, Result};
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::AnyPool;
use std::sync::Once;

/// Which database engine the URL selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// The pool every module queries through. Clone freely.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: DbKind,
}

/// Advisory lock key of [`Db::with_startup_lock`] ("apisec" in ASCII).
const STARTUP_LOCK_KEY: i64 = 0x6170_6973_6563;

/// A migration: version, name and SQL, embedded at compile time.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const SQLITE_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../../../migrations/sqlite/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "analysis",
        sql: include_str!("../../../migrations/sqlite/0002_analysis.sql"),
    },
    Migration {
        version: 11,
        name: "assets",
        sql: include_str!("../../../migrations/sqlite/0011_assets.sql"),
    },
    Migration {
        version: 14,
        name: "dashboard",
        sql: include_str!("../../../migrations/sqlite/0014_dashboard.sql"),
    },
    Migration {
        version: 15,
        name: "console_load",
        sql: include_str!("../../../migrations/sqlite/0015_console_load.sql"),
    },
    Migration {
        version: 16,
        name: "list_order",
        sql: include_str!("../../../migrations/sqlite/0016_list_order.sql"),
    },
];

const POSTGRES_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../../../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "analysis",
        sql: include_str!("../../../migrations/postgres/0002_analysis.sql"),
    },
    Migration {
        version: 11,
        name: "assets",
        sql: include_str!("../../../migrations/postgres/0011_assets.sql"),
    },
    Migration {
        version: 14,
        name: "dashboard",
        sql: include_str!("../../../migrations/postgres/0014_dashboard.sql"),
    },
    Migration {
        version: 15,
        name: "console_load",
        sql: include_str!("../../../migrations/postgres/0015_console_load.sql"),
    },
    Migration {
        version: 16,
        name: "list_order",
        sql: include_str!("../../../migrations/postgres/0016_list_order.sql"),
    },
];

/// `$first,$first+1,...`, `n` of them: the placeholders of an `IN (...)` list or of one row
/// of a multi-row `VALUES`, in the numbered form both backends take.
pub fn placeholders(first: usize, n: usize) -> String {
    let ps: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    ps.join(",")
}

/// Default of `APISEC_DB_STATEMENT_TIMEOUT_SECS`: generous for the largest purge, short enough
/// that a runaway query cannot hold a connection (and the console) for minutes.
pub const DEFAULT_STATEMENT_TIMEOUT_SECS: u64 = 120;

/// Per-connection limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbOptions {
    /// Longest a statement may run (PostgreSQL `statement_timeout`; on SQLite, the longest wait
    /// for a lock, `busy_timeout`: sqlx offers no statement interrupt there). `None`: no limit.
    pub statement_timeout: Option<std::time::Duration>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            statement_timeout: Some(std::time::Duration::from_secs(
                DEFAULT_STATEMENT_TIMEOUT_SECS,
            )),
        }
    }
}

impl DbOptions {
    /// The defaults with `APISEC_DB_STATEMENT_TIMEOUT_SECS` applied (0: no limit).
    pub fn from_env() -> Result<Self> {
        let Some(v) = std::env::var("APISEC_DB_STATEMENT_TIMEOUT_SECS")
            .ok()
            .filter(|v| !v.trim().is_empty())
        else {
            return Ok(Self::default());
        };
        let secs: u64 = v.trim().parse().map_err(|_| {
            Error::Invalid(format!(
                "APISEC_DB_STATEMENT_TIMEOUT_SECS: expected a whole number of seconds, got {v:?}"
            ))
        })?;
        Ok(Self {
            statement_timeout: (secs > 0).then(|| std::time::Duration::from_secs(secs)),
        })
    }
}

impl Db {
    /// Opens a pool for `url` (`sqlite://...` or `postgres://...`) with the limits of the
    /// environment ([`DbOptions::from_env`]). SQLite files are created.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, DbOptions::from_env()?).await
    }

    /// [`Db::connect`] with explicit limits.
    pub async fn connect_with(url: &str, opts: DbOptions) -> Result<Self> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(install_default_drivers);

        let (kind, url) = if url.starts_with("sqlite:") {
            (DbKind::Sqlite, sqlite_url_with_create(url)?)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (DbKind::Postgres, url.to_string())
        } else {
            return Err(Error::Invalid(format!(
                "DATABASE_URL must start with sqlite:// or postgres:// (got {url:?})"
            )));
        };
        let max = if kind == DbKind::Sqlite { 4 } else { 10 };
        let limit_ms = opts.statement_timeout.map(|d| d.as_millis());
        let per_connection = match (kind, limit_ms) {
            (DbKind::Postgres, Some(ms)) => Some(format!("SET statement_timeout = {ms}")),
            (DbKind::Postgres, None) => None,
            // 0 would make a busy database fail at once; keep sqlx's 5 s then.
            (DbKind::Sqlite, ms) => Some(format!("PRAGMA busy_timeout = {}", ms.unwrap_or(5000))),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _| {
                let sql = per_connection.clone();
                Box::pin(async move {
                    if let Some(sql) = sql {
                        sqlx::query(&sql).execute(conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        if kind == DbKind::Sqlite {
            // WAL lets readers proceed while the scheduler writes; it persists in the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Self { pool, kind })
    }

    /// Runs `work` while holding the start-up lock: on PostgreSQL a session advisory lock, so
    /// several processes starting together on one database (a web process and its workers)
    /// migrate and seed the first start one after the other instead of racing on the same
    /// DDL and rows. SQLite needs none (one process owns the file). The lock dies with its
    /// connection, so a process killed while holding it blocks no one.
    pub async fn with_startup_lock<T>(
        &self,
        work: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        if self.kind != DbKind::Postgres {
            return work.await;
        }
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(STARTUP_LOCK_KEY)
            .execute(&mut *conn)
            .await?;
        let out = work.await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(STARTUP_LOCK_KEY)
            .execute(&mut *conn)
            .await;
        if unlocked.is_err() {
            // Never hand a connection that may still hold the lock back to the pool.
            let _ = conn.close().await;
        }
        out
    }

    /// Applies the embedded migrations of this backend that have not run yet (under the
    /// start-up lock).
    pub async fn migrate(&self) -> Result<()> {
        self.with_startup_lock(self.apply_migrations()).await
    }

    async fn apply_migrations(&self) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        let migrations = match self.kind {
            DbKind::Sqlite => SQLITE_MIGRATIONS,
            DbKind::Postgres => POSTGRES_MIGRATIONS,
        };
        for m in migrations {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(m.version)
                    .fetch_optional(&self.pool)
                    .await?;
            if done.is_some() {
                continue;
            }
            tracing::info!(version = m.version, name = m.name, "applying migration");
            let mut tx = self.pool.begin().await?;
            if self.kind == DbKind::Postgres {
                // A migration over a large table may run long; it is not a runaway query.
                sqlx::query("SET LOCAL statement_timeout = 0")
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(chrono::Utc::now().timestamp_millis())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Readiness probe: one round trip to the database.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Adds `mode=rwc` so a missing SQLite file is created, and creates its directory.
fn sqlite_url_with_create(url: &str) -> Result<String> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if !path.is_empty() && path != ":memory:" {
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::Internal(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_from_first() {
        assert_eq!(placeholders(4, 3), "$4,$5,$6");
        assert_eq!(placeholders(1, 1), "$1");
        assert_eq!(placeholders(1, 0), "");
    }

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/a.db", dir.path().display());
        assert!(sqlite_url_with_create(&url)
            .unwrap()
            .ends_with("a.db?mode=rwc"));
        assert!(dir.path().join("sub").is_dir());
    }

    #[tokio::test]
    async fn migrations_apply_twice_without_error() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        db.migrate().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(n, SQLITE_MIGRATIONS.len() as i64);
    }
}
