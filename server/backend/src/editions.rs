//! Editions and the API security lifecycle of a tenant.
//!
//! Basic Detection is always on and free. API security needs an explicit authorisation consent
//! by an admin, then either the one-time 7-day free trial (Pro, Enterprise, Ultimate; never
//! twice) or a purchase ("Enable now", then "Buy now"; no payment provider). A trial that ends
//! without a purchase has its analysis data purged at once; a purchase before the end keeps it.
//! Every change is written to the audit log.

use crate::accounts::User;
use crate::audit;
use crate::error::{Error, Result};
use crate::Backend;
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub const TRIAL_DAYS: i64 = 7;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Tables holding a tenant's analysis data (all have a `tenant_id` column). A trial that ends
/// unpurchased deletes the tenant's rows from each. Later issues add their tables here
/// (data_sources results, jobs, apis, risks, events), children before parents.
pub const PURGE_TABLES: &[&str] = &[
    "analysis_runs",
    "rejected_lines",
    "segments",
    "jobs",
    "apis",
    "api_sensitive",
    "risks",
    "events",
    "workflow",
    "compliance",
    "value_index",
    "daily_stats",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Edition {
    /// Basic (subscription): API security can be bought but not trialled.
    Basic,
    Pro,
    Enterprise,
    Ultimate,
}

impl Edition {
    pub const ALL: [Edition; 4] = [
        Edition::Basic,
        Edition::Pro,
        Edition::Enterprise,
        Edition::Ultimate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Edition::Basic => "basic",
            Edition::Pro => "pro",
            Edition::Enterprise => "enterprise",
            Edition::Ultimate => "ultimate",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Edition::Basic => "Basic (subscription)",
            Edition::Pro => "Pro",
            Edition::Enterprise => "Enterprise",
            Edition::Ultimate => "Ultimate",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Edition::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| Error::Invalid(format!("unknown edition {s:?}")))
    }
    pub fn can_trial(self) -> bool {
        self != Edition::Basic
    }
}

/// What the console shows about API security for one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSecurityStatus {
    pub edition: Edition,
    pub consented: bool,
    /// Whether "Request a free 7-day trial" can be pressed now.
    pub trial_available: bool,
    /// Why not, in plain words, when it cannot.
    pub trial_unavailable_reason: Option<String>,
    pub trial_active: bool,
    pub trial_ends_at_ms: Option<i64>,
    /// The trial ended without a purchase; its data was purged.
    pub trial_expired: bool,
    pub enable_requested: bool,
    pub purchased: bool,
    /// API security features are usable (trial running or purchased).
    pub enabled: bool,
}

#[derive(Debug, Clone)]
struct Subscription {
    edition: Edition,
    consent_at: Option<i64>,
    trial_started_at: Option<i64>,
    trial_ends_at: Option<i64>,
    /// When the trial's data was purged (the UI derives from the end time; [`status`] reads
    /// it to skip the purge's update when it is done).
    trial_purged_at: Option<i64>,
    enable_requested_at: Option<i64>,
    purchased_at: Option<i64>,
}

async fn load(b: &Backend, tenant_id: i64) -> Result<Subscription> {
    let r = sqlx::query(
        "SELECT edition, consent_at, trial_started_at, trial_ends_at, trial_purged_at,
                enable_requested_at, purchased_at
         FROM subscriptions WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(&b.db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(Subscription {
        edition: Edition::parse(&r.try_get::<String, _>(0)?)?,
        consent_at: r.try_get(1)?,
        trial_started_at: r.try_get(2)?,
        trial_ends_at: r.try_get(3)?,
        trial_purged_at: r.try_get(4)?,
        enable_requested_at: r.try_get(5)?,
        purchased_at: r.try_get(6)?,
    })
}

fn derive(s: &Subscription, now: i64) -> ApiSecurityStatus {
    let purchased = s.purchased_at.is_some();
    let trial_active = !purchased && s.trial_ends_at.is_some_and(|end| now < end);
    let trial_expired = !purchased && s.trial_ends_at.is_some_and(|end| now >= end);
    let reason = if !s.edition.can_trial() {
        Some("The free trial is offered on the Pro, Enterprise and Ultimate editions.".to_string())
    } else if s.trial_started_at.is_some() {
        Some("The free trial has already been used for this tenant.".to_string())
    } else if purchased {
        Some("API security is already purchased.".to_string())
    } else if s.consent_at.is_none() {
        Some("An admin must first authorise API security to analyse your traffic.".to_string())
    } else {
        None
    };
    ApiSecurityStatus {
        edition: s.edition,
        consented: s.consent_at.is_some(),
        trial_available: reason.is_none(),
        trial_unavailable_reason: reason,
        trial_active,
        trial_ends_at_ms: s.trial_ends_at,
        trial_expired,
        enable_requested: s.enable_requested_at.is_some(),
        purchased,
        enabled: purchased || trial_active,
    }
}

/// The tenant's status, purging first if its trial has just ended unpurchased.
///
/// Every console request reads this, so it is one read: the conditional update of
/// [`expire_if_due`] (a write, which SQLite serialises) runs only when the row says a purge
/// is due.
pub async fn status(b: &Backend, tenant_id: i64) -> Result<ApiSecurityStatus> {
    let now = b.now_ms();
    let mut s = load(b, tenant_id).await?;
    let due = s.purchased_at.is_none()
        && s.trial_purged_at.is_none()
        && s.trial_ends_at.is_some_and(|end| end <= now);
    if due {
        expire_if_due(b, tenant_id).await?;
        s = load(b, tenant_id).await?;
    }
    Ok(derive(&s, now))
}

/// Deletes the tenant's analysis data from every table in [`PURGE_TABLES`].
pub async fn purge_analysis_data(b: &Backend, tenant_id: i64) -> Result<u64> {
    let mut tx = b.db.pool.begin().await?;
    let mut n = 0;
    for table in PURGE_TABLES {
        // Table names come from the constant list above, never from input.
        let sql = format!("DELETE FROM {table} WHERE tenant_id = $1");
        n += sqlx::query(&sql)
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    crate::results::bump_tenant_versions(&mut tx, tenant_id).await?;
    tx.commit().await?;
    Ok(n)
}

/// If the tenant's trial ended without a purchase and was not purged yet, purge now.
/// Returns whether it purged. Safe to call concurrently: only one caller wins the update.
pub async fn expire_if_due(b: &Backend, tenant_id: i64) -> Result<bool> {
    let now = b.now_ms();
    let claimed = sqlx::query(
        "UPDATE subscriptions SET trial_purged_at = $1, updated_at = $1
         WHERE tenant_id = $2 AND trial_ends_at IS NOT NULL AND trial_ends_at <= $1
           AND purchased_at IS NULL AND trial_purged_at IS NULL",
    )
    .bind(now)
    .bind(tenant_id)
    .execute(&b.db.pool)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    let rows = purge_analysis_data(b, tenant_id).await?;
    b.metrics.trial_purged();
    tracing::info!(
        tenant_id,
        rows,
        "trial ended without purchase: analysis data purged"
    );
    audit::record(
        b,
        Some(tenant_id),
        None,
        "system",
        "trial.expired",
        &format!("trial ended without purchase; {rows} analysis rows purged"),
    )
    .await?;
    Ok(true)
}

/// Purges every tenant whose trial ended unpurchased; the server runs this every minute.
pub async fn sweep_expired_trials(b: &Backend) -> Result<usize> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT tenant_id FROM subscriptions WHERE trial_ends_at IS NOT NULL AND trial_ends_at <= $1
           AND purchased_at IS NULL AND trial_purged_at IS NULL",
    )
    .bind(b.now_ms())
    .fetch_all(&b.db.pool)
    .await?;
    let mut n = 0;
    for id in ids {
        if expire_if_due(b, id).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Runs one conditional update; zero rows means the precondition did not hold.
async fn guarded_update(
    b: &Backend,
    sql: &str,
    tenant_id: i64,
    now: i64,
    user: Option<i64>,
) -> Result<bool> {
    let mut q = sqlx::query(sql).bind(now).bind(tenant_id);
    if let Some(u) = user {
        q = q.bind(u);
    }
    Ok(q.execute(&b.db.pool).await?.rows_affected() == 1)
}

/// An admin authorises API security to analyse the tenant's traffic.
pub async fn consent(b: &Backend, by: &User, tenant_id: i64) -> Result<ApiSecurityStatus> {
    let now = b.now_ms();
    if guarded_update(
        b,
        "UPDATE subscriptions SET consent_at = $1, updated_at = $1, consent_by = $3
         WHERE tenant_id = $2 AND consent_at IS NULL",
        tenant_id,
        now,
        Some(by.id),
    )
    .await?
    {
        audit::record(
            b,
            Some(tenant_id),
            Some(by.id),
            &by.username,
            "api_security.consent",
            "authorised API security to analyse traffic offline",
        )
        .await?;
    }
    status(b, tenant_id).await
}

/// Starts the one-time 7-day trial.
pub async fn start_trial(b: &Backend, by: &User, tenant_id: i64) -> Result<ApiSecurityStatus> {
    let now = b.now_ms();
    let st = status(b, tenant_id).await?;
    if let Some(reason) = st.trial_unavailable_reason {
        return Err(Error::Conflict(reason));
    }
    let ends = now + TRIAL_DAYS * DAY_MS;
    let started = sqlx::query(
        "UPDATE subscriptions SET trial_started_at = $1, trial_ends_at = $2, updated_at = $1
         WHERE tenant_id = $3 AND trial_started_at IS NULL AND consent_at IS NOT NULL
           AND purchased_at IS NULL AND edition <> 'basic'",
    )
    .bind(now)
    .bind(ends)
    .bind(tenant_id)
    .execute(&b.db.pool)
    .await?
    .rows_affected();
    if started != 1 {
        return Err(Error::Conflict(
            "The free trial has already been used for this tenant.".into(),
        ));
    }
    audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        "api_security.trial_started",
        &format!("7-day free trial, ends {}", crate::clock::rfc3339(ends)),
    )
    .await?;
    status(b, tenant_id).await
}

/// "Enable now": the admin chooses to enable the paid service (the purchase follows).
pub async fn enable_now(b: &Backend, by: &User, tenant_id: i64) -> Result<ApiSecurityStatus> {
    let st = status(b, tenant_id).await?;
    if !st.consented {
        return Err(Error::Conflict(
            "An admin must first authorise API security to analyse your traffic.".into(),
        ));
    }
    if st.purchased {
        return Err(Error::Conflict("API security is already purchased.".into()));
    }
    if guarded_update(
        b,
        "UPDATE subscriptions SET enable_requested_at = $1, updated_at = $1
         WHERE tenant_id = $2 AND enable_requested_at IS NULL",
        tenant_id,
        b.now_ms(),
        None,
    )
    .await?
    {
        audit::record(
            b,
            Some(tenant_id),
            Some(by.id),
            &by.username,
            "api_security.enable_now",
            &format!(
                "chose to enable API security ({} edition)",
                st.edition.label()
            ),
        )
        .await?;
    }
    status(b, tenant_id).await
}

/// "Buy now": records the purchase. A running trial's data is kept.
pub async fn buy_now(b: &Backend, by: &User, tenant_id: i64) -> Result<ApiSecurityStatus> {
    let st = status(b, tenant_id).await?;
    if !st.enable_requested {
        return Err(Error::Conflict(
            "Choose \u{201c}Enable now\u{201d} before buying.".into(),
        ));
    }
    if !guarded_update(
        b,
        "UPDATE subscriptions SET purchased_at = $1, updated_at = $1
         WHERE tenant_id = $2 AND purchased_at IS NULL",
        tenant_id,
        b.now_ms(),
        None,
    )
    .await?
    {
        return Err(Error::Conflict("API security is already purchased.".into()));
    }
    let detail = if st.trial_active {
        "purchased during the trial; trial data kept"
    } else {
        "purchased"
    };
    audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        "api_security.buy_now",
        detail,
    )
    .await?;
    status(b, tenant_id).await
}

/// Changes the tenant's WAF edition (what the subscription would say; no billing here).
pub async fn set_edition(
    b: &Backend,
    by: &User,
    tenant_id: i64,
    edition: Edition,
) -> Result<ApiSecurityStatus> {
    sqlx::query("UPDATE subscriptions SET edition = $1, updated_at = $2 WHERE tenant_id = $3")
        .bind(edition.as_str())
        .bind(b.now_ms())
        .bind(tenant_id)
        .execute(&b.db.pool)
        .await?;
    audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        "edition.changed",
        &format!("edition set to {}", edition.label()),
    )
    .await?;
    status(b, tenant_id).await
}

/// Number of analysis rows the tenant has (used by tests and the overview).
pub async fn analysis_rows(b: &Backend, tenant_id: i64) -> Result<i64> {
    let mut n = 0;
    for table in PURGE_TABLES {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1");
        n += sqlx::query_scalar::<_, i64>(&sql)
            .bind(tenant_id)
            .fetch_one(&b.db.pool)
            .await?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(edition: Edition) -> Subscription {
        Subscription {
            edition,
            consent_at: Some(1),
            trial_started_at: None,
            trial_ends_at: None,
            trial_purged_at: None,
            enable_requested_at: None,
            purchased_at: None,
        }
    }

    #[test]
    fn basic_cannot_trial() {
        let st = derive(&sub(Edition::Basic), 10);
        assert!(!st.trial_available);
        assert!(st.trial_unavailable_reason.unwrap().contains("Pro"));
    }

    #[test]
    fn trial_runs_then_expires() {
        let mut s = sub(Edition::Pro);
        assert!(derive(&s, 0).trial_available);
        s.trial_started_at = Some(0);
        s.trial_ends_at = Some(100);
        let st = derive(&s, 50);
        assert!(st.trial_active && st.enabled && !st.trial_available);
        let st = derive(&s, 100);
        assert!(st.trial_expired && !st.enabled);
        s.purchased_at = Some(60);
        let st = derive(&s, 200);
        assert!(st.purchased && st.enabled && !st.trial_expired);
    }

    #[test]
    fn consent_comes_first() {
        let mut s = sub(Edition::Ultimate);
        s.consent_at = None;
        assert!(!derive(&s, 0).trial_available);
    }
}
