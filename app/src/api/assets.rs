//! Server functions of the Assets page: inventory list, facets, detail, sensitive data tab,
//! OpenAPI spec comparison and template corrections (issues 4, 5).
//!
//! Reading needs the viewer role and API security enabled for the tenant (a paid feature, so
//! the server checks too, not only the page's gate). Template corrections need the analyst
//! role and the session's CSRF token, and are audited.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Filters, sort and page of the APIs tab, as carried in the page URL (every field a string so
/// the query string maps onto it one to one; empty = not set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssetQuery {
    pub host: String,
    pub domain: String,
    pub purpose: String,
    pub ptype: String,
    pub service: String,
    pub sens: String,
    pub auth: String,
    pub active: String,
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub page: String,
}

impl AssetQuery {
    /// URL parameter names, in link order.
    pub const KEYS: [&'static str; 12] = [
        "host", "domain", "purpose", "ptype", "service", "sens", "auth", "active", "q", "sort",
        "dir", "page",
    ];

    fn field(&self, k: &str) -> &str {
        match k {
            "host" => &self.host,
            "domain" => &self.domain,
            "purpose" => &self.purpose,
            "ptype" => &self.ptype,
            "service" => &self.service,
            "sens" => &self.sens,
            "auth" => &self.auth,
            "active" => &self.active,
            "q" => &self.q,
            "sort" => &self.sort,
            "dir" => &self.dir,
            "page" => &self.page,
            _ => "",
        }
    }

    /// Reads the query from a lookup of URL parameters.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let g = |k: &str| get(k).unwrap_or_default();
        AssetQuery {
            host: g("host"),
            domain: g("domain"),
            purpose: g("purpose"),
            ptype: g("ptype"),
            service: g("service"),
            sens: g("sens"),
            auth: g("auth"),
            active: g("active"),
            q: g("q"),
            sort: g("sort"),
            dir: g("dir"),
            page: g("page"),
        }
    }

    /// The set fields as (name, value) pairs.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        Self::KEYS
            .iter()
            .filter(|k| !self.field(k).is_empty())
            .map(|k| (*k, self.field(k).to_string()))
            .collect()
    }

    /// `&name=value...` (percent-encoded) to append to a scoped link.
    pub fn to_query(&self) -> String {
        self.pairs()
            .into_iter()
            .map(|(k, v)| format!("&{k}={}", encode(&v)))
            .collect()
    }

    /// This query with the page reset and the sort set to `column` (toggling the direction
    /// when it already sorts by it).
    pub fn sorted_by(&self, column: &str) -> AssetQuery {
        let mut q = self.clone();
        let current_desc = match self.dir.as_str() {
            "asc" => false,
            "desc" => true,
            _ => !matches!(self.sort.as_str(), "path" | "host"),
        };
        let same = self.sort == column || (self.sort.is_empty() && column == "calls");
        q.dir = if same {
            if current_desc { "asc" } else { "desc" }.into()
        } else if matches!(column, "path" | "host") {
            "asc".into()
        } else {
            "desc".into()
        };
        q.sort = column.into();
        q.page.clear();
        q
    }

    pub fn with_page(&self, page: i64) -> AssetQuery {
        AssetQuery {
            page: if page <= 1 {
                String::new()
            } else {
                page.to_string()
            },
            ..self.clone()
        }
    }
}

/// Percent-encodes a URL query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurposeBadge {
    pub purpose: String,
    pub type_key: String,
    /// English catalog name of the type.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRow {
    pub id: i64,
    pub api_key: String,
    pub host: String,
    pub method: String,
    pub path: String,
    pub purposes: Vec<PurposeBadge>,
    pub service_object: String,
    pub sensitivity: String,
    pub authenticated: bool,
    pub auth: Vec<String>,
    pub calls: i64,
    pub distinct_clients: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub active: bool,
    pub risk_count: i64,
    pub event_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetPage {
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub sort: String,
    pub desc: bool,
    pub rows: Vec<AssetRow>,
}

/// A filter value present in the data with the number of APIs having it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub key: String,
    /// English label (catalog name for purposes).
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetFacets {
    pub total: i64,
    pub hosts: Vec<FacetValue>,
    pub purposes: Vec<FacetValue>,
    pub purpose_types: Vec<FacetValue>,
    pub service_objects: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamView {
    pub location: String,
    pub field: String,
    pub types: Vec<String>,
    /// Masked by the engine before it was stored.
    pub example: String,
    pub count: u64,
}

/// A sensitive type with a value count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCount {
    pub type_id: u32,
    pub key: String,
    pub name: String,
    pub level: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskItem {
    pub id: i64,
    pub type_key: String,
    pub name: String,
    pub level: String,
    pub evidence: String,
    pub hits: i64,
    pub last_seen: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventItem {
    pub id: i64,
    pub type_key: String,
    pub name: String,
    pub level: String,
    /// The IP address or account the event is about.
    pub subject: String,
    pub start: String,
    pub end: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetDetailView {
    pub row: AssetRow,
    pub params: Vec<ParamView>,
    pub statuses: Vec<(String, u64)>,
    pub content_types: Vec<(String, u64)>,
    pub calls_per_day: Vec<(String, u64)>,
    pub request_types: Vec<TypeCount>,
    pub response_types: Vec<TypeCount>,
    pub risks: Vec<RiskItem>,
    pub events: Vec<EventItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensitiveTypeRow {
    pub type_id: u32,
    pub key: String,
    pub name: String,
    pub level: String,
    pub group: String,
    pub request_values: i64,
    pub response_values: i64,
    pub request_apis: i64,
    pub response_apis: i64,
    pub apis: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeApiRow {
    pub id: i64,
    pub host: String,
    pub method: String,
    pub path: String,
    pub sensitivity: String,
    pub calls: i64,
    pub request_values: i64,
    pub response_values: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeApisView {
    pub type_id: u32,
    pub key: String,
    pub name: String,
    pub level: String,
    pub apis: Vec<TypeApiRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecOpView {
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecComparisonView {
    pub host: String,
    /// (API id, `METHOD hostpath`): in the traffic, not in the spec.
    pub shadow: Vec<(i64, String)>,
    pub zombie_deprecated: Vec<SpecOpView>,
    pub zombie_unseen: Vec<SpecOpView>,
    pub matched: i64,
    pub spec_operations: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionView {
    pub id: i64,
    /// `merge` | `split` | `literal` | `ignore_host` | `ignore_path`.
    pub action: String,
    pub description: String,
    pub created_by: String,
    pub created_at: String,
}

/// Actions a correction can take, with their form labels.
pub const CORRECTION_ACTIONS: [(&str, &str); 5] = [
    ("merge", "Merge paths into a template"),
    ("split", "Split a path out as its own API"),
    ("literal", "Keep a segment literal"),
    ("ignore_host", "Ignore a host"),
    ("ignore_path", "Ignore paths under a prefix"),
];

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::api::ctx;
    use backend::inventory as inv;
    use backend::scope::Scope;
    use backend::tenancy::Role;
    use backend::Backend;

    /// Authenticates, authorises `role` in the scope and refuses when API security is off.
    pub async fn scoped(
        tenant: &str,
        rg: Option<i64>,
        region: &str,
        role: Role,
    ) -> Result<(Backend, backend::accounts::User, Scope), AppError> {
        let b = ctx::backend()?;
        let user = ctx::current_user(&b, &ctx::session().await?).await?;
        let (_, scope) =
            crate::api::ctx::scope_authorize(&b, user.id, tenant, rg, region, role).await?;
        if !crate::api::ctx::api_security_status(&b, scope.tenant_id)
            .await?
            .enabled
        {
            return Err(AppError::Forbidden);
        }
        Ok((b, user, scope))
    }

    pub use inv::{purpose_name, purpose_type_name};

    pub fn row(r: inv::ApiRow) -> AssetRow {
        AssetRow {
            id: r.id,
            api_key: r.api_key,
            host: r.host,
            method: r.method,
            path: r.path,
            purposes: r
                .purposes
                .into_iter()
                .map(|p| PurposeBadge {
                    name: purpose_type_name(&p.kind),
                    purpose: p.purpose,
                    type_key: p.kind,
                })
                .collect(),
            service_object: r.service_object,
            sensitivity: r.sensitivity,
            authenticated: r.authenticated,
            auth: r.auth,
            calls: r.calls,
            distinct_clients: r.distinct_clients,
            first_seen: backend::clock::rfc3339(r.first_seen),
            last_seen: backend::clock::rfc3339(r.last_seen),
            active: r.active,
            risk_count: r.risk_count,
            event_count: r.event_count,
        }
    }

    pub fn type_counts(m: &std::collections::BTreeMap<u32, u64>) -> Vec<TypeCount> {
        let mut v: Vec<TypeCount> = m
            .iter()
            .map(|(id, n)| {
                let (key, name, level, _) = inv::type_meta(*id);
                TypeCount {
                    type_id: *id,
                    key,
                    name,
                    level,
                    count: *n,
                }
            })
            .collect();
        v.sort_by(|a, b| b.level.cmp(&a.level).then(b.count.cmp(&a.count)));
        v
    }

    pub fn correction_view(s: inv::StoredCorrection) -> CorrectionView {
        use inv::TemplateCorrection as T;
        let action = match &s.correction {
            T::Merge { .. } => "merge",
            T::Split { .. } => "split",
            T::Literal { .. } => "literal",
            T::IgnoreHost { .. } => "ignore_host",
            T::IgnorePath { .. } => "ignore_path",
        };
        CorrectionView {
            id: s.id,
            action: action.into(),
            description: s.correction.describe(),
            created_by: s.created_by.unwrap_or_default(),
            created_at: backend::clock::rfc3339(s.created_at),
        }
    }
}

/// One page of the scope's APIs matching `query`.
#[server(prefix = "/api", endpoint = "assets_list")]
pub async fn assets_list(
    tenant: String,
    rg: Option<i64>,
    region: String,
    query: AssetQuery,
) -> Result<AssetPage, AppError> {
    crate::api::ctx::respond(crate::api::ctx::once(
        format!("assets_list|{tenant}|{rg:?}|{region}|{query:?}"),
        async {
            let (b, _, scope) =
                server::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer).await?;
            let pairs = query.pairs();
            let (filter, order) = backend::inventory::ApiFilter::from_pairs(
                pairs.iter().map(|(k, v)| (*k, v.as_str())),
            )?;
            let page = backend::inventory::list(&b, scope, &filter, order).await?;
            Ok(AssetPage {
                total: page.total,
                page: page.page,
                page_size: page.page_size,
                sort: order.column.as_str().into(),
                desc: order.desc,
                rows: page.rows.into_iter().map(server::row).collect(),
            })
        },
    ))
    .await
}

/// Values present in the scope for the filter dropdowns.
#[server(prefix = "/api", endpoint = "assets_facets")]
pub async fn assets_facets(
    tenant: String,
    rg: Option<i64>,
    region: String,
) -> Result<AssetFacets, AppError> {
    crate::api::ctx::respond(crate::api::ctx::once(
        format!("assets_facets|{tenant}|{rg:?}|{region}"),
        async {
            let (b, _, scope) =
                server::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer).await?;
            let f = backend::inventory::facets(&b, scope).await?;
            let plain = |v: Vec<(String, i64)>| {
                v.into_iter()
                    .map(|(k, n)| FacetValue {
                        label: k.clone(),
                        key: k,
                        count: n,
                    })
                    .collect()
            };
            Ok(AssetFacets {
                total: f.total,
                hosts: plain(f.hosts),
                purposes: f
                    .purposes
                    .into_iter()
                    .map(|(k, n)| FacetValue {
                        label: server::purpose_name(&k),
                        key: k,
                        count: n,
                    })
                    .collect(),
                purpose_types: f
                    .purpose_types
                    .into_iter()
                    .map(|(k, n)| FacetValue {
                        label: server::purpose_type_name(&k),
                        key: k,
                        count: n,
                    })
                    .collect(),
                service_objects: plain(f.service_objects),
            })
        },
    ))
    .await
}

/// Everything about API `id` of the scope, with its risks and events.
#[server(prefix = "/api", endpoint = "asset_detail")]
pub async fn asset_detail(
    tenant: String,
    rg: Option<i64>,
    region: String,
    id: i64,
) -> Result<AssetDetailView, AppError> {
    crate::api::ctx::respond(async {
        let (b, _, scope) =
            server::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer).await?;
        let d = backend::inventory::detail(&b, scope, id).await?;
        let pairs = |m: std::collections::BTreeMap<String, u64>| m.into_iter().collect();
        Ok(AssetDetailView {
            params: d
                .params
                .into_iter()
                .map(|p| ParamView {
                    location: p.location.as_str().into(),
                    field: p.field,
                    types: p.types,
                    example: p.example,
                    count: p.count,
                })
                .collect(),
            statuses: d
                .statuses
                .into_iter()
                .map(|(s, n)| (s.to_string(), n))
                .collect(),
            content_types: pairs(d.content_types),
            calls_per_day: pairs(d.calls_per_day),
            request_types: server::type_counts(&d.request_types),
            response_types: server::type_counts(&d.response_types),
            risks: d
                .risks
                .into_iter()
                .map(|r| RiskItem {
                    id: r.id,
                    type_key: r.type_key,
                    name: r.name,
                    level: r.level,
                    evidence: r.evidence,
                    hits: r.hits,
                    last_seen: backend::clock::rfc3339(r.last_seen),
                })
                .collect(),
            events: d
                .events
                .into_iter()
                .map(|e| EventItem {
                    id: e.id,
                    type_key: e.type_key,
                    name: e.name,
                    level: e.level,
                    subject: if e.subject == "account" {
                        e.account.or(e.ip).unwrap_or_default()
                    } else {
                        e.ip.or(e.account).unwrap_or_default()
                    },
                    start: backend::clock::rfc3339(e.start_ms),
                    end: backend::clock::rfc3339(e.end_ms),
                    count: e.count,
                })
                .collect(),
            row: server::row(d.row),
        })
    })
    .await
}

/// The sensitive data types found in the scope, with value and API counts.
#[server(prefix = "/api", endpoint = "assets_sensitive_types")]
pub async fn sensitive_types(
    tenant: String,
    rg: Option<i64>,
    region: String,
) -> Result<Vec<SensitiveTypeRow>, AppError> {
    crate::api::ctx::respond(async {
        let (b, _, scope) =
            server::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer).await?;
        Ok(backend::inventory::sensitive_types(&b, scope)
            .await?
            .into_iter()
            .map(|s| SensitiveTypeRow {
                type_id: s.type_id,
                key: s.key,
                name: s.name,
                level: s.level,
                group: s.group,
                request_values: s.request_values,
                response_values: s.response_values,
                request_apis: s.request_apis,
                response_apis: s.response_apis,
                apis: s.apis,
            })
            .collect())
    })
    .await
}

/// The APIs of the scope carrying sensitive type `type_id`.
#[server(prefix = "/api", endpoint = "assets_sensitive_type_apis")]
pub async fn sensitive_type_apis(
    tenant: String,
    rg: Option<i64>,
    region: String,
    type_id: i64,
) -> Result<TypeApisView, AppError> {
    crate::api::ctx::respond(async {
        let (b, _, scope) =
            server::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer).await?;
        let meta = u32::try_from(type_id)
            .ok()
            .map(|id| server::type_counts(&[(id, 0)].into_iter().collect()))
            .and_then(|v| v.into_iter().next())
            .ok_or_else(|| AppError::Invalid(format!("{type_id} is not a sensitive type ID")))?;
        let apis = backend::inventory::sensitive_type_apis(&b, scope, type_id).await?;
        Ok(TypeApisView {
            type_id: meta.type_id,
            key: meta.key,
            name: meta.name,
            level: meta.level,
            apis: apis
                .into_iter()
                .map(|a| TypeApiRow {
                    id: a.id,
                    host: a.host,
                    method: a.method,
                    path: a.path,
                    sensitivity: a.sensitivity,
                    calls: a.calls,
                    request_values: a.request_values,
                    response_values: a.response_values,
                })
                .collect(),
        })
    })
    .await
}

/// Compares a team's OpenAPI / Swagger document (JSON or YAML text) with the inventory of
/// `host` (every host when empty): shadow and zombie APIs. Reads only; nothing is stored.
#[server(prefix = "/api", endpoint = "assets_compare_spec")]
pub async fn assets_compare_spec(
    tenant: String,
    rg: Option<i64>,
    region: String,
    host: String,
    spec: String,
) -> Result<SpecComparisonView, AppError> {
    crate::api::ctx::respond(async {
        let (b, _, scope) =
            server::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer).await?;
        let host = host.trim().to_string();
        let c = backend::inventory::compare_spec(
            &b,
            scope,
            (!host.is_empty()).then_some(host.as_str()),
            &spec,
        )
        .await?;
        let op = |o: backend::inventory::SpecOp| SpecOpView {
            method: o.method,
            path: o.path,
            operation_id: o.operation_id,
        };
        Ok(SpecComparisonView {
            host,
            shadow: c.shadow,
            zombie_deprecated: c.zombie_deprecated.into_iter().map(op).collect(),
            zombie_unseen: c.zombie_unseen.into_iter().map(op).collect(),
            matched: c.matched,
            spec_operations: c.spec_operations,
        })
    })
    .await
}

/// The tenant's template corrections.
#[server(prefix = "/api", endpoint = "template_corrections")]
pub async fn template_corrections(tenant: String) -> Result<Vec<CorrectionView>, AppError> {
    crate::api::ctx::respond(crate::api::ctx::once(
        format!("template_corrections|{tenant}"),
        async {
            let (b, _, scope) =
                server::scoped(&tenant, None, "cn", backend::tenancy::Role::Viewer).await?;
            Ok(backend::inventory::corrections(&b, scope.tenant_id)
                .await?
                .into_iter()
                .map(server::correction_view)
                .collect())
        },
    ))
    .await
}

/// Adds a template correction (analyst). `action` is one of [`CORRECTION_ACTIONS`]; `value`
/// is the template, segment, host or path prefix; `host` limits merge / split to one host.
/// It applies from the next analysis of the tenant's data.
#[server(prefix = "/api", endpoint = "template_correction_add")]
pub async fn template_correction_add(
    tenant: String,
    action: String,
    host: String,
    value: String,
    csrf: String,
) -> Result<CorrectionView, AppError> {
    crate::api::ctx::respond(async {
        crate::api::ctx::check_csrf(&crate::api::ctx::session().await?, &csrf).await?;
        let (b, user, scope) =
            server::scoped(&tenant, None, "cn", backend::tenancy::Role::Analyst).await?;
        use backend::inventory::TemplateCorrection as T;
        let host_opt = Some(host.clone()).filter(|h| !h.trim().is_empty());
        let c = match action.as_str() {
            "merge" => T::Merge {
                host: host_opt,
                template: value,
            },
            "split" => T::Split {
                host: host_opt,
                template: value,
            },
            "literal" => T::Literal { segment: value },
            "ignore_host" => T::IgnoreHost {
                host: if value.trim().is_empty() { host } else { value },
            },
            "ignore_path" => T::IgnorePath { prefix: value },
            other => {
                return Err(AppError::Invalid(format!(
                    "unknown correction {other:?}; choose merge, split, literal, ignore_host or ignore_path"
                )))
            }
        };
        let id = backend::inventory::add_correction(&b, &user, scope.tenant_id, c).await?;
        backend::inventory::corrections(&b, scope.tenant_id)
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .map(server::correction_view)
            .ok_or(AppError::Internal)
    })
    .await
}

/// Deletes template correction `id` of the tenant (analyst).
#[server(prefix = "/api", endpoint = "template_correction_delete")]
pub async fn template_correction_delete(
    tenant: String,
    id: i64,
    csrf: String,
) -> Result<(), AppError> {
    crate::api::ctx::respond(async {
        crate::api::ctx::check_csrf(&crate::api::ctx::session().await?, &csrf).await?;
        let (b, user, scope) =
            server::scoped(&tenant, None, "cn", backend::tenancy::Role::Analyst).await?;
        backend::inventory::delete_correction(&b, &user, scope.tenant_id, id).await?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trips_and_sort_toggles() {
        let q = AssetQuery {
            host: "api.x".into(),
            q: "a b&c".into(),
            page: "3".into(),
            ..Default::default()
        };
        assert_eq!(q.to_query(), "&host=api.x&q=a%20b%26c&page=3");
        let s = q.sorted_by("calls");
        assert_eq!(
            (s.sort.as_str(), s.dir.as_str(), s.page.as_str()),
            ("calls", "asc", "")
        );
        let s2 = s.sorted_by("calls");
        assert_eq!(s2.dir, "desc");
        assert_eq!(q.sorted_by("path").dir, "asc");
        assert_eq!(q.with_page(1).page, "");
        assert_eq!(q.with_page(4).page, "4");
    }
}
