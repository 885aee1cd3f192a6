//! First start: the Demo tenant, its accounts, and the hook that fills it with demo data.

use crate::accounts;
use crate::audit;
use crate::editions::Edition;
use crate::error::Result;
use crate::tenancy::{self, Role};
use crate::Backend;

pub const DEMO_TENANT: &str = "Demo";
/// Documented demo login (role analyst) of the Demo tenant.
pub const DEMO_USER: (&str, &str) = ("demo", "demo-password");
/// Documented read-only login of the Demo tenant.
pub const VIEWER_USER: (&str, &str) = ("viewer", "viewer-password");

/// On an empty database: creates tenant `Demo` (Pro edition), user `admin` (role admin) with
/// `admin_password` or a random one, `demo` (analyst) and `viewer` (viewer), then calls
/// [`seed_demo`]. Returns the generated admin password, which the caller prints once.
pub async fn bootstrap(b: &Backend, admin_password: Option<&str>) -> Result<Option<String>> {
    if accounts::count_users(b).await? > 0 {
        return Ok(None);
    }
    let generated = admin_password.is_none().then(accounts::random_password);
    let password = admin_password
        .map(str::to_string)
        .or(generated.clone())
        .unwrap_or_default();
    let tenant = tenancy::ensure_tenant(b, DEMO_TENANT, Edition::Pro).await?;
    let admin = accounts::upsert_user(b, "admin", &password).await?;
    tenancy::set_membership(b, admin, tenant, Role::Admin).await?;
    for ((name, pw), role) in [(DEMO_USER, Role::Analyst), (VIEWER_USER, Role::Viewer)] {
        let id = accounts::upsert_user(b, name, pw).await?;
        tenancy::set_membership(b, id, tenant, role).await?;
    }
    audit::record(
        b,
        Some(tenant),
        None,
        "system",
        "tenant.created",
        "Demo tenant and its accounts created on first start",
    )
    .await?;
    seed_demo(b, tenant).await?;
    Ok(generated)
}

/// Hook for demo data: analyse the bundled demo traffic into `tenant_id` (Demo tenant).
/// Empty for now; the engine integration fills it in. Called once, on the first start.
pub async fn seed_demo(_b: &Backend, _tenant_id: i64) -> Result<()> {
    Ok(())
}

/// Adds (or updates) a user with a role in a tenant, creating the tenant if needed.
/// Used by `apisec user add` and by tests.
pub async fn add_user(
    b: &Backend,
    tenant: &str,
    username: &str,
    password: &str,
    role: Role,
) -> Result<(i64, i64)> {
    let tenant_id = tenancy::ensure_tenant(b, tenant, Edition::Pro).await?;
    let user_id = accounts::upsert_user(b, username, password).await?;
    tenancy::set_membership(b, user_id, tenant_id, role).await?;
    audit::record(
        b,
        Some(tenant_id),
        None,
        "cli",
        "user.added",
        &format!("{username} as {}", role.as_str()),
    )
    .await?;
    Ok((tenant_id, user_id))
}
