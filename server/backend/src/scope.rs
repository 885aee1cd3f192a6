//! A *scope* is one resource group's data in one region of a tenant: the unit that data
//! sources feed, analysis jobs run over, and every results page shows.

use crate::error::{Error, Result};
use crate::tenancy::{self, Membership, Region, Role};
use crate::Backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    pub tenant_id: i64,
    pub rg_id: i64,
    pub region: Region,
}

impl Scope {
    /// The scope of `membership` for the resource group `rg` (default: the tenant's first) and
    /// `region` (unknown values fall back to the default region). A resource group of another
    /// tenant is [`Error::NotFound`].
    pub fn resolve(membership: &Membership, rg: Option<i64>, region: &str) -> Result<Scope> {
        let group = match rg {
            Some(id) => membership.resource_groups.iter().find(|g| g.id == id),
            None => membership.resource_groups.first(),
        }
        .ok_or(Error::NotFound)?;
        Ok(Scope {
            tenant_id: membership.tenant_id,
            rg_id: group.id,
            region: Region::parse(region),
        })
    }

    pub fn region_str(&self) -> &'static str {
        self.region.as_str()
    }
}

/// Authorises `user_id` for `role` in tenant `slug` and resolves the scope in one step: what
/// every scoped server function does first.
pub async fn authorize(
    b: &Backend,
    user_id: i64,
    slug: &str,
    rg: Option<i64>,
    region: &str,
    role: Role,
) -> Result<(Membership, Scope)> {
    let m = tenancy::authorize(b, user_id, slug, role).await?;
    let scope = Scope::resolve(&m, rg, region)?;
    Ok((m, scope))
}
