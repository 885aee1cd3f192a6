//! Audit log: who did what, when, in which tenant. Written for every admin action.

use crate::error::Result;
use crate::Backend;
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// Appends an entry. `actor` is the user name at the time (kept even if the user is deleted).
pub async fn record(
    b: &Backend,
    tenant_id: Option<i64>,
    user_id: Option<i64>,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, user_id, actor, action, detail, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant_id)
    .bind(user_id)
    .bind(actor)
    .bind(action)
    .bind(detail)
    .bind(b.now_ms())
    .execute(&b.db.pool)
    .await?;
    Ok(())
}

/// The newest `limit` entries of one tenant.
pub async fn list(b: &Backend, tenant_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT id, created_at, actor, action, detail FROM audit_log
         WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(tenant_id)
    .bind(limit)
    .fetch_all(&b.db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get(0)?,
                at_ms: r.try_get(1)?,
                actor: r.try_get(2)?,
                action: r.try_get(3)?,
                detail: r.try_get(4)?,
            })
        })
        .collect()
}
