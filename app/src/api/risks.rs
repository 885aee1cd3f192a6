//! Server functions of the Risks page: list, detail, workflow, ignore rules (issue 6).
//!
//! Lists take the page's URL query string (`level=high&sort=hits&page=2`) as `query`, parsed on
//! the server by `backend::findings`, exactly as the CSV export parses its own query: a link,
//! the table and the export always agree. Viewers read; analysts change status and rules.
// A server function takes each form field as an argument; the client stub that `#[server]`
// generates for the browser keeps that arity, and an `allow` on the function does not reach it.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How many findings have one value of a dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountView {
    pub key: String,
    pub name: String,
    pub count: i64,
}

/// One status change from the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryView {
    pub at: String,
    pub actor: String,
    pub change: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskRowView {
    pub id: i64,
    pub type_key: String,
    pub name: String,
    pub level: String,
    pub category: String,
    pub api_key: String,
    pub host: String,
    pub method: String,
    pub path: String,
    pub evidence: String,
    pub hits: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub status: String,
    pub ignored_by_rule: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskListView {
    pub rows: Vec<RiskRowView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub by_level: Vec<CountView>,
    pub by_category: Vec<CountView>,
    pub by_type: Vec<CountView>,
    pub by_status: Vec<CountView>,
    /// The signed-in user may change status and rules (analyst or admin).
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskDetailView {
    pub row: RiskRowView,
    pub description: String,
    pub suggestion: String,
    pub api_id: Option<i64>,
    pub changed_by: Option<String>,
    pub changed_at: Option<String>,
    pub note: String,
    pub history: Vec<HistoryView>,
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoreRuleView {
    pub id: i64,
    pub type_key: Option<String>,
    pub api_key: Option<String>,
    pub host: Option<String>,
    pub description: String,
    pub created_by: Option<String>,
    pub created_at: String,
}

/// Server-side plumbing shared with the events functions.
#[cfg(feature = "ssr")]
pub(crate) mod guard {
    use super::*;
    use crate::api::ctx;
    use backend::accounts::User;
    use backend::scope::Scope;
    use backend::tenancy::Role;
    use backend::Backend;

    /// Signed in, member with `role`, API security enabled for the tenant; for a state change
    /// (`csrf` given) the token must match the session's.
    pub async fn scoped(
        tenant: &str,
        rg: Option<i64>,
        region: &str,
        role: Role,
        csrf: Option<&str>,
    ) -> Result<(Backend, User, Scope, Role), AppError> {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        let user = ctx::current_user(&b, &session).await?;
        if let Some(token) = csrf {
            ctx::check_csrf(&session, token).await?;
        }
        let (m, scope) =
            crate::api::ctx::scope_authorize(&b, user.id, tenant, rg, region, role).await?;
        if !crate::api::ctx::api_security_status(&b, m.tenant_id)
            .await?
            .enabled
        {
            return Err(AppError::Forbidden);
        }
        Ok((b, user, scope, m.role))
    }

    /// `"3,5, 8"` → ids, or a clear error.
    pub fn parse_ids(ids: &str) -> Result<Vec<i64>, AppError> {
        ids.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>().map_err(|_| {
                    AppError::Invalid(format!(
                        "ids must be numbers separated by commas, got {s:?}"
                    ))
                })
            })
            .collect()
    }

    pub fn count(c: backend::findings::Count) -> CountView {
        CountView {
            key: c.key,
            name: c.name,
            count: c.count,
        }
    }

    pub fn history(h: backend::findings::HistoryEntry) -> HistoryView {
        HistoryView {
            at: backend::clock::rfc3339(h.at_ms),
            actor: h.actor,
            change: h.change,
        }
    }

    pub fn risk_row(r: backend::findings::risks::RiskRow) -> RiskRowView {
        RiskRowView {
            id: r.id,
            type_key: r.type_key,
            name: r.name,
            level: r.level,
            category: r.category,
            api_key: r.api_key,
            host: r.host,
            method: r.method,
            path: r.path,
            evidence: r.evidence,
            hits: r.hits,
            first_seen: backend::clock::rfc3339(r.first_seen),
            last_seen: backend::clock::rfc3339(r.last_seen),
            status: r.status,
            ignored_by_rule: r.ignored_by_rule,
        }
    }
}

/// One page of risks of the scope with counts (viewer).
#[server(prefix = "/api", endpoint = "risks_list")]
pub async fn risks_list(
    tenant: String,
    rg: Option<i64>,
    region: String,
    query: String,
) -> Result<RiskListView, AppError> {
    use backend::findings::risks;
    crate::api::ctx::respond(crate::api::ctx::once(
        format!("risks_list|{tenant}|{rg:?}|{region}|{query}"),
        async {
            let (b, _, scope, role) =
                guard::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer, None).await?;
            let q = risks::RiskQuery::parse(&query)?;
            let list = risks::list(&b, scope, &q).await?;
            Ok(RiskListView {
                rows: list.rows.into_iter().map(guard::risk_row).collect(),
                total: list.total,
                page: list.paging.page,
                per_page: list.paging.per_page,
                by_level: list.by_level.into_iter().map(guard::count).collect(),
                by_category: list.by_category.into_iter().map(guard::count).collect(),
                by_type: list.by_type.into_iter().map(guard::count).collect(),
                by_status: list.by_status.into_iter().map(guard::count).collect(),
                can_edit: role >= backend::tenancy::Role::Analyst,
            })
        },
    ))
    .await
}

/// One risk with evidence, texts, workflow and history (viewer).
#[server(prefix = "/api", endpoint = "risk_detail")]
pub async fn risk_detail(
    tenant: String,
    rg: Option<i64>,
    region: String,
    id: i64,
) -> Result<RiskDetailView, AppError> {
    crate::api::ctx::respond(async {
        let (b, _, scope, role) =
            guard::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer, None).await?;
        let d = backend::findings::risks::detail(&b, scope, id).await?;
        Ok(RiskDetailView {
            row: guard::risk_row(d.row),
            description: d.description,
            suggestion: d.suggestion,
            api_id: d.api_id,
            changed_by: d.workflow.as_ref().and_then(|w| w.changed_by.clone()),
            changed_at: d
                .workflow
                .as_ref()
                .map(|w| backend::clock::rfc3339(w.changed_at)),
            note: d.workflow.map(|w| w.note).unwrap_or_default(),
            history: d.history.into_iter().map(guard::history).collect(),
            can_edit: role >= backend::tenancy::Role::Analyst,
        })
    })
    .await
}

/// Sets the status of risks `ids` ("3,5,8") to `status` (analyst). Returns how many changed.
#[server(prefix = "/api", endpoint = "risks_set_status")]
pub async fn risks_set_status(
    tenant: String,
    rg: Option<i64>,
    region: String,
    ids: String,
    status: String,
    csrf: String,
) -> Result<usize, AppError> {
    crate::api::ctx::respond(async {
        let (b, user, scope, _) = guard::scoped(
            &tenant,
            rg,
            &region,
            backend::tenancy::Role::Analyst,
            Some(&csrf),
        )
        .await?;
        let ids = guard::parse_ids(&ids)?;
        Ok(backend::findings::risks::set_status(&b, scope, &user, &ids, &status).await?)
    })
    .await
}

/// The tenant's risk ignore rules (viewer).
#[server(prefix = "/api", endpoint = "risk_ignore_rules")]
pub async fn risk_ignore_rules(
    tenant: String,
    rg: Option<i64>,
    region: String,
) -> Result<Vec<IgnoreRuleView>, AppError> {
    crate::api::ctx::respond(crate::api::ctx::once(
        format!("risk_ignore_rules|{tenant}|{rg:?}|{region}"),
        async {
            let (b, _, scope, _) =
                guard::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer, None).await?;
            Ok(backend::findings::risks::rules(&b, scope.tenant_id)
                .await?
                .into_iter()
                .map(|r| IgnoreRuleView {
                    id: r.id,
                    type_key: r.rule.type_key,
                    api_key: r.rule.api_key,
                    host: r.rule.host,
                    description: r.description,
                    created_by: r.created_by,
                    created_at: backend::clock::rfc3339(r.created_at),
                })
                .collect())
        },
    ))
    .await
}

/// Adds an ignore rule (analyst): from a risk (`risk_id` with `mode` `api` = this risk type on
/// this API, `host` = this risk type on the whole host), or from explicit fields.
#[server(prefix = "/api", endpoint = "risk_ignore_add")]
pub async fn risk_ignore_add(
    tenant: String,
    rg: Option<i64>,
    region: String,
    risk_id: Option<i64>,
    mode: Option<String>,
    type_key: Option<String>,
    api_key: Option<String>,
    host: Option<String>,
    csrf: String,
) -> Result<i64, AppError> {
    use backend::findings::risks;
    crate::api::ctx::respond(async {
        let (b, user, scope, _) = guard::scoped(
            &tenant,
            rg,
            &region,
            backend::tenancy::Role::Analyst,
            Some(&csrf),
        )
        .await?;
        let rule = match risk_id {
            Some(id) => {
                let whole_host = match mode.as_deref().unwrap_or("api") {
                    "api" => false,
                    "host" => true,
                    other => {
                        return Err(AppError::Invalid(format!(
                            "unknown ignore mode {other:?} (expected api or host)"
                        )))
                    }
                };
                risks::rule_for(&b, scope, id, whole_host).await?
            }
            None => risks::IgnoreRule {
                type_key,
                api_key,
                host,
            },
        };
        Ok(risks::add_rule(&b, scope.tenant_id, &user, rule).await?)
    })
    .await
}

/// Deletes an ignore rule of the tenant (analyst).
#[server(prefix = "/api", endpoint = "risk_ignore_delete")]
pub async fn risk_ignore_delete(
    tenant: String,
    rg: Option<i64>,
    region: String,
    id: i64,
    csrf: String,
) -> Result<(), AppError> {
    crate::api::ctx::respond(async {
        let (b, user, scope, _) = guard::scoped(
            &tenant,
            rg,
            &region,
            backend::tenancy::Role::Analyst,
            Some(&csrf),
        )
        .await?;
        Ok(backend::findings::risks::delete_rule(&b, scope.tenant_id, &user, id).await?)
    })
    .await
}
