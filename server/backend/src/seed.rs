//! First start: the Demo tenant, its accounts, and the hook that fills it with demo data.

use crate::accounts;
use crate::audit;
use crate::editions::Edition;
use crate::error::Result;
use crate::ingest;
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

/// How much demo traffic to seed (`APISEC_DEMO_RECORDS_PER_DAY`, `APISEC_DEMO_DAYS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSeed {
    pub records_per_day: u64,
    pub days: u32,
}

impl Default for DemoSeed {
    fn default() -> Self {
        DemoSeed {
            records_per_day: 20_000,
            days: 8,
        }
    }
}

/// Fills the Demo tenant on the first start, when the server enables demo data
/// (`Backend::jobs.demo`; tests and admin commands leave it off): API security marked
/// purchased (audited), a data source `demo` in the default resource group (region cn), and
/// in the background demo traffic from the engine's generator stored as a segment of it,
/// which queues the analysis job. The server serves at once; the data appears when the job
/// is done.
pub async fn seed_demo(b: &Backend, tenant_id: i64) -> Result<()> {
    let Some(demo) = b.jobs.demo else {
        return Ok(());
    };
    purchase_api_security(
        b,
        tenant_id,
        "demo tenant: API security purchased on first start",
    )
    .await?;
    let rg = tenancy::resource_groups(b, tenant_id)
        .await?
        .into_iter()
        .next()
        .ok_or(crate::Error::NotFound)?;
    let scope = crate::scope::Scope {
        tenant_id,
        rg_id: rg.id,
        region: tenancy::Region::Cn,
    };
    let source = ingest::ensure_source(b, scope, "demo", "jsonl").await?;
    let b = b.clone();
    tokio::spawn(async move {
        match store_demo_traffic(&b, &source, demo).await {
            Ok(out) => tracing::info!(
                segment = out.segment_id,
                records = out.accepted,
                "demo traffic stored; analysis queued"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot seed demo traffic"),
        }
    });
    Ok(())
}

/// Marks API security consented and purchased for a seeded tenant (audited as `system`), so
/// its paid pages show data without going through the lifecycle.
pub async fn purchase_api_security(b: &Backend, tenant_id: i64, why: &str) -> Result<()> {
    let now = b.now_ms();
    sqlx::query(
        "UPDATE subscriptions SET consent_at = COALESCE(consent_at, $1),
                enable_requested_at = COALESCE(enable_requested_at, $1),
                purchased_at = COALESCE(purchased_at, $1), updated_at = $1
         WHERE tenant_id = $2",
    )
    .bind(now)
    .bind(tenant_id)
    .execute(&b.db.pool)
    .await?;
    audit::record(
        b,
        Some(tenant_id),
        None,
        "system",
        "api_security.buy_now",
        why,
    )
    .await?;
    Ok(())
}

/// Generates demo traffic into a temporary file and stores it as a segment of `source`.
pub async fn store_demo_traffic(
    b: &Backend,
    source: &ingest::Source,
    demo: DemoSeed,
) -> std::result::Result<ingest::StoreOutcome, ingest::IngestError> {
    let dir = b.ingest.data_dir.join("tmp").join(ingest::random_hex(8));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("demo-traffic.jsonl");
    let p = path.clone();
    let generated = tokio::task::spawn_blocking(move || {
        let g = engine::demo::Generator::new(engine::demo::GeneratorConfig {
            records_per_day: demo.records_per_day,
            days: demo.days,
            ..Default::default()
        });
        let mut out = std::io::BufWriter::new(std::fs::File::create(&p)?);
        g.write_to(&mut out)?;
        std::io::Write::flush(&mut out)
    })
    .await
    .map_err(|e| std::io::Error::other(e.to_string()))
    .and_then(|r| r);
    let out = match generated {
        Ok(()) => ingest::store_file(b, source, &path, ingest::Origin::Demo).await,
        Err(e) => Err(e.into()),
    };
    let _ = std::fs::remove_dir_all(&dir);
    out
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
