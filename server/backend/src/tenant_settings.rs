//! Per-tenant settings: raw-data retention and the secret key for value hashing.

use crate::error::Result;
use crate::Backend;
use rand::RngCore;

/// Default retention of raw log data, in days.
pub const DEFAULT_RETENTION_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSettings {
    pub retention_days: i64,
    /// 32 random bytes (hex) keying the hashes of sensitive values (leak tracing, person
    /// counting). Never shown, never logged; hashes of one tenant cannot be joined with
    /// another's.
    pub hash_key: String,
}

/// The tenant's settings, created with defaults and a fresh random key on first use.
pub async fn get(b: &Backend, tenant_id: i64) -> Result<TenantSettings> {
    if let Some((retention_days, hash_key)) = sqlx::query_as::<_, (i64, String)>(
        "SELECT retention_days, hash_key FROM tenant_settings WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(&b.db.pool)
    .await?
    {
        return Ok(TenantSettings {
            retention_days,
            hash_key,
        });
    }
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    // Two first uses racing: the loser's insert is ignored and both read the winner's key.
    sqlx::query(
        "INSERT INTO tenant_settings (tenant_id, retention_days, hash_key, updated_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO NOTHING",
    )
    .bind(tenant_id)
    .bind(DEFAULT_RETENTION_DAYS)
    .bind(&hex)
    .bind(b.now_ms())
    .execute(&b.db.pool)
    .await?;
    let (retention_days, hash_key) = sqlx::query_as::<_, (i64, String)>(
        "SELECT retention_days, hash_key FROM tenant_settings WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_one(&b.db.pool)
    .await?;
    Ok(TenantSettings {
        retention_days,
        hash_key,
    })
}

/// Sets the retention period (1 to 3650 days).
pub async fn set_retention(b: &Backend, tenant_id: i64, days: i64) -> Result<()> {
    if !(1..=3650).contains(&days) {
        return Err(crate::Error::Invalid(
            "retention must be between 1 and 3650 days".into(),
        ));
    }
    get(b, tenant_id).await?;
    sqlx::query(
        "UPDATE tenant_settings SET retention_days = $1, updated_at = $2 WHERE tenant_id = $3",
    )
    .bind(days)
    .bind(b.now_ms())
    .bind(tenant_id)
    .execute(&b.db.pool)
    .await?;
    Ok(())
}
