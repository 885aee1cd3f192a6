//! Local user accounts: argon2id password hashes, sign-in with throttling.

use crate::error::{Error, Result};
use crate::Backend;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// The signed-in person, as stored in the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
}

/// Hashes with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("hashing failed: {e}")))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random password for the first admin when none was configured.
pub fn random_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// Creates a user, or resets the password of an existing one. Returns the user id.
pub async fn upsert_user(b: &Backend, username: &str, password: &str) -> Result<i64> {
    let username = username.trim();
    if username.is_empty() || username.len() > 64 {
        return Err(Error::Invalid("user names are 1 to 64 characters".into()));
    }
    if password.len() < 8 {
        return Err(Error::Invalid(
            "passwords need at least 8 characters".into(),
        ));
    }
    let hash = hash_password(password)?;
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&b.db.pool)
        .await?
    {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(id)
            .execute(&b.db.pool)
            .await?;
        return Ok(id);
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, created_at)
         VALUES ($1, $1, $2, $3) RETURNING id",
    )
    .bind(username)
    .bind(&hash)
    .bind(b.now_ms())
    .fetch_one(&b.db.pool)
    .await?)
}

pub async fn count_users(b: &Backend) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&b.db.pool)
        .await?)
}

pub async fn user_by_id(b: &Backend, id: i64) -> Result<Option<User>> {
    let row = sqlx::query(
        "SELECT id, username, display_name FROM users WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&b.db.pool)
    .await?;
    row.map(|r| {
        Ok(User {
            id: r.try_get(0)?,
            username: r.try_get(1)?,
            display_name: r.try_get(2)?,
        })
    })
    .transpose()
}

/// Checks a user name and password, throttled per IP and per user name.
///
/// Unknown users and wrong passwords give the same answer (and take about the same time).
pub async fn authenticate(b: &Backend, username: &str, password: &str, ip: &str) -> Result<User> {
    let user_key = format!("user:{}", username.trim().to_lowercase());
    let keys = [user_key.clone(), format!("ip:{ip}")];
    if let Err(secs) = b.limiter.check(&keys) {
        b.metrics.login("throttled");
        return Err(Error::TooManyAttempts {
            retry_after_secs: secs,
        });
    }
    let row = sqlx::query(
        "SELECT id, username, display_name, password_hash FROM users
         WHERE username = $1 AND disabled_at IS NULL",
    )
    .bind(username.trim())
    .fetch_optional(&b.db.pool)
    .await?;
    // Verify against a dummy hash when the user is unknown, to keep timing similar.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let (user, hash) = match &row {
        Some(r) => (
            Some(User {
                id: r.try_get(0)?,
                username: r.try_get(1)?,
                display_name: r.try_get(2)?,
            }),
            r.try_get::<String, _>(3)?,
        ),
        None => (
            None,
            DUMMY
                .get_or_init(|| hash_password("not a real password").unwrap_or_default())
                .clone(),
        ),
    };
    let ok = verify_password(password, &hash);
    match user {
        Some(user) if ok => {
            b.limiter.success(&user_key);
            b.metrics.login("success");
            sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
                .bind(b.now_ms())
                .bind(user.id)
                .execute(&b.db.pool)
                .await?;
            Ok(user)
        }
        _ => {
            b.limiter.failure(&keys);
            b.metrics.login("failure");
            Err(Error::Invalid("wrong user name or password".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn random_passwords_are_long_and_differ() {
        let (a, b) = (random_password(), random_password());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
    }
}
