//! Process counters exposed at `GET /metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    http_2xx: AtomicU64,
    http_3xx: AtomicU64,
    http_4xx: AtomicU64,
    http_5xx: AtomicU64,
    login_success: AtomicU64,
    login_failure: AtomicU64,
    login_throttled: AtomicU64,
    trials_purged: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            http_2xx: AtomicU64::new(0),
            http_3xx: AtomicU64::new(0),
            http_4xx: AtomicU64::new(0),
            http_5xx: AtomicU64::new(0),
            login_success: AtomicU64::new(0),
            login_failure: AtomicU64::new(0),
            login_throttled: AtomicU64::new(0),
            trials_purged: AtomicU64::new(0),
        }
    }
}

/// Gauges read from the database at scrape time.
#[derive(Debug, Default, Clone, Copy)]
pub struct DbGauges {
    pub tenants: i64,
    pub users: i64,
    pub sessions: i64,
}

impl Metrics {
    pub fn http_response(&self, status: u16) {
        let c = match status {
            200..=299 => &self.http_2xx,
            300..=399 => &self.http_3xx,
            400..=499 => &self.http_4xx,
            _ => &self.http_5xx,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn login(&self, result: &str) {
        let c = match result {
            "success" => &self.login_success,
            "throttled" => &self.login_throttled,
            _ => &self.login_failure,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn trial_purged(&self) {
        self.trials_purged.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders all metrics in the Prometheus exposition format (version 0.0.4).
    pub fn render(&self, g: DbGauges) -> String {
        let mut s = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        s.push_str("# HELP apisec_http_responses_total HTTP responses by status class.\n");
        s.push_str("# TYPE apisec_http_responses_total counter\n");
        for (class, c) in [
            ("2xx", &self.http_2xx),
            ("3xx", &self.http_3xx),
            ("4xx", &self.http_4xx),
            ("5xx", &self.http_5xx),
        ] {
            let _ = writeln!(
                s,
                "apisec_http_responses_total{{class=\"{class}\"}} {}",
                get(c)
            );
        }
        s.push_str("# HELP apisec_login_attempts_total Sign-in attempts by result.\n");
        s.push_str("# TYPE apisec_login_attempts_total counter\n");
        for (r, c) in [
            ("success", &self.login_success),
            ("failure", &self.login_failure),
            ("throttled", &self.login_throttled),
        ] {
            let _ = writeln!(
                s,
                "apisec_login_attempts_total{{result=\"{r}\"}} {}",
                get(c)
            );
        }
        s.push_str("# HELP apisec_trials_purged_total Trials that ended unpurchased and had their data purged.\n");
        s.push_str("# TYPE apisec_trials_purged_total counter\n");
        let _ = writeln!(s, "apisec_trials_purged_total {}", get(&self.trials_purged));
        for (name, help, v) in [
            ("apisec_tenants", "Tenants in the database.", g.tenants),
            ("apisec_users", "User accounts in the database.", g.users),
            (
                "apisec_sessions",
                "Unexpired sessions in the database.",
                g.sessions,
            ),
        ] {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        s.push_str("# HELP apisec_uptime_seconds Seconds since the process started.\n");
        s.push_str("# TYPE apisec_uptime_seconds gauge\n");
        let _ = writeln!(
            s,
            "apisec_uptime_seconds {}",
            self.started.elapsed().as_secs()
        );
        s
    }
}

/// Reads the gauges from the database.
pub async fn db_gauges(b: &crate::Backend) -> crate::Result<DbGauges> {
    let one = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    Ok(DbGauges {
        tenants: one("SELECT COUNT(*) FROM tenants")
            .fetch_one(&b.db.pool)
            .await?,
        users: one("SELECT COUNT(*) FROM users")
            .fetch_one(&b.db.pool)
            .await?,
        sessions: sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM sessions WHERE expires_at > $1",
        )
        .bind(chrono::Utc::now().timestamp_millis())
        .fetch_one(&b.db.pool)
        .await?,
    })
}
