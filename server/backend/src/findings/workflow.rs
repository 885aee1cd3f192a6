//! Status changes of risks and events: one `workflow` row per item (who, when, and for fixed
//! risks the last sighting at the fix, so a later sighting reopens it) and one audit entry per
//! change, written in one transaction.

use super::HistoryEntry;
use crate::accounts::User;
use crate::error::{Error, Result};
use crate::scope::Scope;
use crate::Backend;
use sqlx::Row;

/// What a workflow row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Risk,
    Event,
}

pub const RISK_STATUSES: [&str; 4] = ["to_confirm", "confirmed", "fixed", "ignored"];
pub const EVENT_STATUSES: [&str; 4] = ["to_confirm", "confirmed", "handled", "false_positive"];

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Risk => "risk",
            Kind::Event => "event",
        }
    }

    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            Kind::Risk => &RISK_STATUSES,
            Kind::Event => &EVENT_STATUSES,
        }
    }

    /// Checks a status name for this kind, with an error that lists the valid ones.
    pub fn check_status(self, status: &str) -> Result<()> {
        if self.statuses().contains(&status) {
            Ok(())
        } else {
            Err(Error::Invalid(format!(
                "unknown {} status {status:?} (expected one of: {})",
                self.as_str(),
                self.statuses().join(", ")
            )))
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            Kind::Risk => "risk.status",
            Kind::Event => "event.status",
        }
    }
}

/// The start of the audit detail of a change to `item_key`; the status history of an item is
/// the audit entries whose detail starts with it (scope included: keys repeat across scopes).
pub fn audit_prefix(scope: Scope, item_key: &str) -> String {
    format!("[rg {} {}] {item_key} :: ", scope.rg_id, scope.region_str())
}

/// One item to change: its stable key and (risks) its current last sighting.
#[derive(Debug, Clone)]
pub struct Item {
    pub key: String,
    pub last_seen: i64,
}

/// Sets `status` on every item, recording who and when; items already in that status are
/// left alone. Returns how many changed.
pub async fn set_status(
    b: &Backend,
    scope: Scope,
    user: &User,
    kind: Kind,
    items: &[Item],
    status: &str,
) -> Result<usize> {
    kind.check_status(status)?;
    let now = b.now_ms();
    let region = scope.region_str();
    let mut tx = b.db.pool.begin().await?;
    let mut changed = 0;
    for item in items {
        let old: Option<String> = sqlx::query_scalar(
            "SELECT status FROM workflow WHERE tenant_id = $1 AND rg_id = $2 AND region = $3
               AND kind = $4 AND item_key = $5",
        )
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(region)
        .bind(kind.as_str())
        .bind(&item.key)
        .fetch_optional(&mut *tx)
        .await?;
        let old = old.unwrap_or_else(|| "to_confirm".into());
        if old == status {
            continue;
        }
        let fixed_seen = (kind == Kind::Risk && status == "fixed").then_some(item.last_seen);
        sqlx::query(
            "INSERT INTO workflow (tenant_id, rg_id, region, kind, item_key, status, note,
                changed_by, changed_at, fixed_seen)
             VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8, $9)
             ON CONFLICT (tenant_id, rg_id, region, kind, item_key) DO UPDATE SET
                status = excluded.status, note = excluded.note, changed_by = excluded.changed_by,
                changed_at = excluded.changed_at, fixed_seen = excluded.fixed_seen",
        )
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(region)
        .bind(kind.as_str())
        .bind(&item.key)
        .bind(status)
        .bind(user.id)
        .bind(now)
        .bind(fixed_seen)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, user_id, actor, action, detail, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(scope.tenant_id)
        .bind(user.id)
        .bind(&user.username)
        .bind(kind.audit_action())
        .bind(format!(
            "{}{old} → {status}",
            audit_prefix(scope, &item.key)
        ))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        changed += 1;
    }
    if changed > 0 {
        crate::results::bump_version(&mut *tx, scope).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// The current workflow row of an item: status, who changed it (user name) and when, note.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Current {
    pub status: String,
    pub changed_by: Option<String>,
    pub changed_at: i64,
    pub note: String,
}

pub async fn current(b: &Backend, scope: Scope, kind: Kind, key: &str) -> Result<Option<Current>> {
    let row = sqlx::query(
        "SELECT w.status, u.username, w.changed_at, w.note FROM workflow w
         LEFT JOIN users u ON u.id = w.changed_by
         WHERE w.tenant_id = $1 AND w.rg_id = $2 AND w.region = $3 AND w.kind = $4
           AND w.item_key = $5",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(kind.as_str())
    .bind(key)
    .fetch_optional(&b.db.pool)
    .await?;
    row.map(|r| {
        Ok(Current {
            status: r.try_get(0)?,
            changed_by: r.try_get(1)?,
            changed_at: r.try_get(2)?,
            note: r.try_get(3)?,
        })
    })
    .transpose()
}

/// Status changes of one item, newest first (at most 50).
pub async fn history(
    b: &Backend,
    scope: Scope,
    kind: Kind,
    key: &str,
) -> Result<Vec<HistoryEntry>> {
    let prefix = audit_prefix(scope, key);
    let rows = sqlx::query(
        "SELECT created_at, actor, detail FROM audit_log
         WHERE tenant_id = $1 AND action = $2 AND substr(detail, 1, CAST($3 AS INTEGER)) = $4
         ORDER BY id DESC LIMIT 50",
    )
    .bind(scope.tenant_id)
    .bind(kind.audit_action())
    .bind(prefix.chars().count() as i64)
    .bind(&prefix)
    .fetch_all(&b.db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let detail: String = r.try_get(2)?;
            Ok(HistoryEntry {
                at_ms: r.try_get(0)?,
                actor: r.try_get(1)?,
                change: detail.strip_prefix(&prefix).unwrap_or(&detail).to_string(),
            })
        })
        .collect()
}
