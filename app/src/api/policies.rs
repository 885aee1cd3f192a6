//! Server functions of the Policies page: custom identification, sensitive, risk and event
//! policies (issues 4-7). Reading needs a viewer, changing and previewing an analyst; all of it
//! needs API security enabled for the tenant. Definitions travel as the engine's JSON
//! (`definition`); validation errors come back as `"<field>: <message>"` (see
//! [`split_field_error`]).

#[cfg(feature = "ssr")]
use crate::api::ctx;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One custom policy as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub enabled: bool,
    /// The stored engine definition (JSON), to fill the edit form.
    pub definition: String,
    pub summary: String,
    pub created_by: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedKey {
    pub key: String,
    pub name: String,
}

/// A catalog purpose and its types (for the purpose / type selects).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurposeOption {
    pub key: String,
    pub name: String,
    pub types: Vec<NamedKey>,
}

/// Counts of one kind, for the tab labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    pub kind: String,
    pub builtin: usize,
    pub custom: usize,
    pub enabled: usize,
}

/// Everything the Policies page shows for one tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliciesView {
    pub kind: String,
    pub can_edit: bool,
    pub custom: Vec<PolicyRow>,
    /// Built-in policies of this kind (always on).
    pub builtin: Vec<NamedKey>,
    pub counts: Vec<KindCount>,
    pub purposes: Vec<PurposeOption>,
}

/// A value the sample tester found (masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleMatchView {
    pub type_id: u32,
    pub type_name: String,
    pub level: String,
    pub field: String,
    pub masked: String,
    pub custom: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRowView {
    pub api: String,
    pub detail: String,
    pub level: String,
    pub count: u64,
}

/// What a draft rule would have found on the scope's recent traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewView {
    pub segments: usize,
    pub records: usize,
    pub apis: usize,
    pub rows: Vec<PreviewRowView>,
    pub more: usize,
}

/// Field keys the back end names in validation errors, e.g. `regex`, `conditions.2`,
/// `condition.status`.
pub fn split_field_error(message: &str) -> (Option<String>, String) {
    if let Some((field, rest)) = message.split_once(": ") {
        let ok = !field.is_empty()
            && field
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'.');
        if ok {
            return (Some(field.to_string()), rest.to_string());
        }
    }
    (None, message.to_string())
}

#[cfg(feature = "ssr")]
mod srv {
    use super::*;
    use backend::policies::{self as pol, Definition, Kind, Policy};
    use backend::tenancy::{Membership, Role};
    use backend::Backend;

    /// Authorises and checks that API security is on for the tenant.
    pub async fn authorize(
        b: &Backend,
        user_id: i64,
        tenant: &str,
        role: Role,
    ) -> Result<Membership, AppError> {
        let m = crate::api::ctx::tenant_authorize(b, user_id, tenant, role).await?;
        if !crate::api::ctx::api_security_status(b, m.tenant_id)
            .await?
            .enabled
        {
            return Err(AppError::Forbidden);
        }
        Ok(m)
    }

    pub fn kind(s: &str) -> Result<Kind, AppError> {
        Ok(Kind::parse(s)?)
    }

    pub fn row(p: Policy) -> PolicyRow {
        let summary = Definition::stored(&p)
            .map(|d| d.summary())
            .unwrap_or_else(|e| e.to_string());
        PolicyRow {
            id: p.id,
            kind: p.kind.as_str().into(),
            name: p.name,
            enabled: p.enabled,
            definition: p.definition,
            summary,
            created_by: p.created_by.unwrap_or_default(),
            updated_at: backend::clock::rfc3339(p.updated_at),
        }
    }

    pub fn purposes() -> Vec<PurposeOption> {
        backend::policies::purpose_catalog()
            .into_iter()
            .map(|(key, name, types)| PurposeOption {
                key,
                name,
                types: types
                    .into_iter()
                    .map(|(key, name)| NamedKey { key, name })
                    .collect(),
            })
            .collect()
    }

    pub fn user_role_can_edit(m: &Membership) -> bool {
        m.role >= Role::Analyst
    }

    pub use pol::preview;
}

/// The Policies page of one kind (`purpose`, `sensitive`, `risk`, `event`): the tenant's custom
/// policies, the built-in ones and the counts of every kind.
#[server(prefix = "/api", endpoint = "policies")]
pub async fn policies(tenant: String, kind: String) -> Result<PoliciesView, AppError> {
    ctx::respond(async {
        use backend::policies::{builtin, list, Kind};
        let b = ctx::backend()?;
        let user = ctx::current_user(&b, &ctx::session().await?).await?;
        let m = srv::authorize(&b, user.id, &tenant, backend::tenancy::Role::Viewer).await?;
        let k = srv::kind(&kind)?;
        let all = list(&b, m.tenant_id, None).await?;
        let counts = Kind::ALL
            .into_iter()
            .map(|k| KindCount {
                kind: k.as_str().into(),
                builtin: builtin(k).len(),
                custom: all.iter().filter(|p| p.kind == k).count(),
                enabled: all.iter().filter(|p| p.kind == k && p.enabled).count(),
            })
            .collect();
        Ok(PoliciesView {
            kind: k.as_str().into(),
            can_edit: srv::user_role_can_edit(&m),
            custom: all
                .into_iter()
                .filter(|p| p.kind == k)
                .map(srv::row)
                .collect(),
            builtin: builtin(k)
                .into_iter()
                .map(|(key, name)| NamedKey { key, name })
                .collect(),
            counts,
            purposes: srv::purposes(),
        })
    })
    .await
}

/// Creates (no `id`) or replaces (with `id`) a custom policy of `kind` from its JSON
/// `definition`. Analyst; applies at the next analysis.
#[server(prefix = "/api", endpoint = "policy_save")]
pub async fn save_policy(
    tenant: String,
    kind: String,
    id: Option<i64>,
    definition: String,
    #[server(default)] csrf: String,
) -> Result<PolicyRow, AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        let user = ctx::current_user(&b, &session).await?;
        let m = srv::authorize(&b, user.id, &tenant, backend::tenancy::Role::Analyst).await?;
        let k = srv::kind(&kind)?;
        let p = match id {
            Some(id) => {
                let old = backend::policies::get(&b, m.tenant_id, id).await?;
                if old.kind != k {
                    return Err(AppError::Invalid(format!(
                        "kind: policy {id} is a {} policy, not {kind}",
                        old.kind.as_str()
                    )));
                }
                backend::policies::update(&b, &user, m.tenant_id, id, &definition).await?
            }
            None => backend::policies::create(&b, &user, m.tenant_id, k, &definition).await?,
        };
        Ok(srv::row(p))
    })
    .await
}

/// Turns a custom policy on or off. Analyst.
#[server(prefix = "/api", endpoint = "policy_enable")]
pub async fn set_policy_enabled(
    tenant: String,
    id: i64,
    enabled: bool,
    #[server(default)] csrf: String,
) -> Result<PolicyRow, AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        let user = ctx::current_user(&b, &session).await?;
        let m = srv::authorize(&b, user.id, &tenant, backend::tenancy::Role::Analyst).await?;
        let p = backend::policies::set_enabled(&b, &user, m.tenant_id, id, enabled).await?;
        Ok(srv::row(p))
    })
    .await
}

/// Deletes a custom policy. Analyst.
#[server(prefix = "/api", endpoint = "policy_delete")]
pub async fn delete_policy(
    tenant: String,
    id: i64,
    #[server(default)] csrf: String,
) -> Result<(), AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        let user = ctx::current_user(&b, &session).await?;
        let m = srv::authorize(&b, user.id, &tenant, backend::tenancy::Role::Analyst).await?;
        backend::policies::delete(&b, &user, m.tenant_id, id).await?;
        Ok(())
    })
    .await
}

/// Tests a draft sensitive data policy against a pasted sample (nothing is stored). Analyst.
#[server(prefix = "/api", endpoint = "policy_test_sample")]
pub async fn test_sensitive_sample(
    tenant: String,
    definition: String,
    sample: String,
    field: String,
) -> Result<Vec<SampleMatchView>, AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let user = ctx::current_user(&b, &ctx::session().await?).await?;
        srv::authorize(&b, user.id, &tenant, backend::tenancy::Role::Analyst).await?;
        let matches = srv::preview::sample(definition, sample, field).await?;
        Ok(matches
            .into_iter()
            .map(|m| SampleMatchView {
                type_id: m.type_id,
                type_name: m.type_name,
                level: m.level,
                field: m.field,
                masked: m.masked,
                custom: m.custom,
            })
            .collect())
    })
    .await
}

/// Runs a draft identification policy, risk rule or event rule over the scope's most recent
/// stored traffic (nothing is stored). Analyst.
#[server(prefix = "/api", endpoint = "policy_preview")]
pub async fn preview_policy(
    tenant: String,
    rg: Option<i64>,
    region: String,
    kind: String,
    definition: String,
) -> Result<PreviewView, AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let user = ctx::current_user(&b, &ctx::session().await?).await?;
        let (m, scope) = crate::api::ctx::scope_authorize(
            &b,
            user.id,
            &tenant,
            rg,
            &region,
            backend::tenancy::Role::Analyst,
        )
        .await?;
        if !crate::api::ctx::api_security_status(&b, m.tenant_id)
            .await?
            .enabled
        {
            return Err(AppError::Forbidden);
        }
        let k = srv::kind(&kind)?;
        let p = srv::preview::traffic(&b, scope, k, &definition).await?;
        Ok(PreviewView {
            segments: p.segments,
            records: p.records,
            apis: p.apis,
            rows: p
                .rows
                .into_iter()
                .map(|r| PreviewRowView {
                    api: r.api,
                    detail: r.detail,
                    level: r.level,
                    count: r.count,
                })
                .collect(),
            more: p.more,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_split() {
        assert_eq!(
            split_field_error("regex: invalid regular expression: x"),
            (Some("regex".into()), "invalid regular expression: x".into())
        );
        assert_eq!(
            split_field_error("conditions.1: unknown purpose"),
            (Some("conditions.1".into()), "unknown purpose".into())
        );
        assert_eq!(
            split_field_error("You do not have permission: x"),
            (None, "You do not have permission: x".into())
        );
    }
}
