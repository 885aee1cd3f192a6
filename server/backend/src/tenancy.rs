//! Tenants, resource groups, memberships and roles: who may see and change what.
//!
//! The console scopes everything as tenant → resource group → region. A request names the
//! tenant (by slug) in its query string; [`authorize`] turns (user, tenant slug, needed role)
//! into a [`Membership`] or refuses, and every later query uses that membership's tenant id.

use crate::error::{Error, Result};
use crate::Backend;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Roles, from least to most powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything in the tenant.
    Viewer,
    /// Viewer plus analysis work (data sources, jobs, triage) in later issues.
    Analyst,
    /// Everything, including editions, purchases, users and the audit log.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "analyst" => Ok(Role::Analyst),
            "admin" => Ok(Role::Admin),
            other => Err(Error::Invalid(format!("unknown role {other:?}"))),
        }
    }
}

/// The two regions the console separates data by (query value `cn` / `intl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    #[default]
    Cn,
    Intl,
}

impl Region {
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Cn => "cn",
            Region::Intl => "intl",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Region::Cn => "Chinese mainland",
            Region::Intl => "Outside Chinese mainland",
        }
    }
    /// Unknown values fall back to the default region rather than failing a page.
    pub fn parse(s: &str) -> Self {
        if s == "intl" {
            Region::Intl
        } else {
            Region::Cn
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceGroup {
    pub id: i64,
    pub name: String,
}

/// A user's role in one tenant, with the tenant's resource groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub tenant_id: i64,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub role: Role,
    pub resource_groups: Vec<ResourceGroup>,
}

/// Turns a tenant name into a URL-safe slug ("Acme Corp" → "acme-corp").
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Creates a tenant with a `default` resource group and a Basic/Pro subscription row.
/// Returns the tenant id; an existing tenant of the same slug is returned as is.
pub async fn ensure_tenant(
    b: &Backend,
    name: &str,
    edition: crate::editions::Edition,
) -> Result<i64> {
    let slug = slugify(name);
    if slug.is_empty() {
        return Err(Error::Invalid("tenant name needs letters or digits".into()));
    }
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM tenants WHERE slug = $1")
        .bind(&slug)
        .fetch_optional(&b.db.pool)
        .await?
    {
        return Ok(id);
    }
    let now = b.now_ms();
    let mut tx = b.db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&slug)
    .bind(name)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO resource_groups (tenant_id, name, created_at) VALUES ($1, 'default', $2)",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO subscriptions (tenant_id, edition, updated_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(edition.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Gives `user_id` the `role` in `tenant_id` (replacing an earlier role).
pub async fn set_membership(b: &Backend, user_id: i64, tenant_id: i64, role: Role) -> Result<()> {
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND tenant_id = $2")
        .bind(user_id)
        .bind(tenant_id)
        .execute(&b.db.pool)
        .await?;
    sqlx::query(
        "INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(tenant_id)
    .bind(role.as_str())
    .bind(b.now_ms())
    .execute(&b.db.pool)
    .await?;
    Ok(())
}

/// All tenants the user belongs to, ordered by name, with their resource groups.
pub async fn memberships(b: &Backend, user_id: i64) -> Result<Vec<Membership>> {
    let rows = sqlx::query(
        "SELECT t.id, t.slug, t.name, m.role FROM memberships m
         JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = $1 ORDER BY t.name",
    )
    .bind(user_id)
    .fetch_all(&b.db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let tenant_id: i64 = row.try_get(0)?;
        out.push(Membership {
            tenant_id,
            tenant_slug: row.try_get(1)?,
            tenant_name: row.try_get(2)?,
            role: Role::parse(&row.try_get::<String, _>(3)?)?,
            resource_groups: resource_groups(b, tenant_id).await?,
        });
    }
    Ok(out)
}

/// Resource groups of one tenant.
pub async fn resource_groups(b: &Backend, tenant_id: i64) -> Result<Vec<ResourceGroup>> {
    let rows =
        sqlx::query("SELECT id, name FROM resource_groups WHERE tenant_id = $1 ORDER BY name")
            .bind(tenant_id)
            .fetch_all(&b.db.pool)
            .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ResourceGroup {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
            })
        })
        .collect()
}

/// The membership of `user_id` in the tenant `slug` if it has at least `needed`.
///
/// A tenant the user is not a member of is reported as [`Error::NotFound`], so that other
/// tenants' names cannot be probed; too small a role is [`Error::Forbidden`].
pub async fn authorize(b: &Backend, user_id: i64, slug: &str, needed: Role) -> Result<Membership> {
    // Every scoped request starts here: the one membership (primary key and unique slug),
    // not all of the user's tenants.
    let row = sqlx::query(
        "SELECT t.id, t.slug, t.name, m.role FROM tenants t
         JOIN memberships m ON m.tenant_id = t.id AND m.user_id = $1 WHERE t.slug = $2",
    )
    .bind(user_id)
    .bind(slug)
    .fetch_optional(&b.db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    let tenant_id: i64 = row.try_get(0)?;
    let m = Membership {
        tenant_id,
        tenant_slug: row.try_get(1)?,
        tenant_name: row.try_get(2)?,
        role: Role::parse(&row.try_get::<String, _>(3)?)?,
        resource_groups: resource_groups(b, tenant_id).await?,
    };
    if m.role < needed {
        return Err(Error::Forbidden);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin > Role::Analyst && Role::Analyst > Role::Viewer);
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Corp"), "acme-corp");
        assert_eq!(slugify("  Demo "), "demo");
        assert_eq!(slugify("!!"), "");
    }

    #[test]
    fn regions_parse_with_default() {
        assert_eq!(Region::parse("intl"), Region::Intl);
        assert_eq!(Region::parse("cn"), Region::Cn);
        assert_eq!(Region::parse("mars"), Region::Cn);
        assert_eq!(Region::Intl.label(), "Outside Chinese mainland");
    }
}
