//! Sessions stored in our own `sessions` table through the tower-sessions `SessionStore` trait,
//! so a restart keeps people signed in and signing out deletes the row.
//!
//! (The published `tower-sessions-sqlx-store` has one store type per database; we need one over
//! the `Any` pool, and the trait is small.)

use crate::db::Db;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// Session keys the console uses.
pub const USER_ID: &str = "user_id";
pub const CSRF_TOKEN: &str = "csrf";
/// When the user signed in (ms, backend clock): the absolute session lifetime counts from here.
pub const SIGNED_IN_AT: &str = "signed_in_at";
/// Last request of a signed-in session (ms, wall clock): refreshed now and then so the session
/// is saved, which renews its idle expiry (tower-sessions saves only modified sessions).
pub const LAST_SEEN: &str = "last_seen";

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Removes expired sessions; the server runs this periodically.
    pub async fn delete_expired(&self) -> crate::Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(chrono::Utc::now().timestamp_millis())
            .execute(&self.db.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Signs a user out everywhere (e.g. after a password change).
    pub async fn delete_for_user(&self, user_id: i64) -> crate::Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.db.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

fn backend_err(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn columns(record: &Record) -> session_store::Result<(String, String, i64, Option<i64>)> {
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let expires = (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64;
    let user = record.data.get(USER_ID).and_then(|v| v.as_i64());
    Ok((record.id.to_string(), data, expires, user))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let (id, data, expires, user) = columns(record)?;
            let done = sqlx::query(
                "INSERT INTO sessions (id, data, expires_at, user_id) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(data)
            .bind(expires)
            .bind(user)
            .execute(&self.db.pool)
            .await
            .map_err(backend_err)?;
            if done.rows_affected() == 1 {
                return Ok(());
            }
            // An id collision: draw another one.
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (id, data, expires, user) = columns(record)?;
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at, user_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at,
             user_id = excluded.user_id",
        )
        .bind(id)
        .bind(data)
        .bind(expires)
        .bind(user)
        .execute(&self.db.pool)
        .await
        .map_err(backend_err)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(chrono::Utc::now().timestamp_millis())
        .fetch_optional(&self.db.pool)
        .await
        .map_err(backend_err)?;
        let Some((data, expires)) = row else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            time::OffsetDateTime::from_unix_timestamp_nanos(expires as i128 * 1_000_000)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.db.pool)
            .await
            .map_err(backend_err)?;
        Ok(())
    }
}
