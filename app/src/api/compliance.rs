//! Server functions of the Compliance page: cross-border review and leak tracing (issue 8).
//!
//! The traced value travels only in the POST body of `compliance_trace`; it is never put in the
//! URL (browser history, access logs), never stored and never logged. The audit log records that
//! a trace was performed.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaugeView {
    pub key: String,
    pub label: String,
    pub value: u64,
    pub threshold: u64,
    pub ratio: f64,
    pub triggered: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryView {
    pub code: String,
    pub persons: u64,
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeView {
    pub type_id: u32,
    pub name: String,
    pub personal_sensitive: bool,
    pub values: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundView {
    pub country: String,
    pub values: u64,
    pub hits: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventLink {
    pub id: i64,
    pub name: String,
    pub level: String,
    pub ip: String,
    pub account: String,
    pub location: String,
    pub api: String,
    pub start: String,
    pub end: String,
    pub count: i64,
    pub same_api: bool,
}

/// One selectable data type of the trace form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeOption {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceView {
    pub analysed: bool,
    pub applies: bool,
    pub region: String,
    pub computed_at: Option<String>,
    /// `YYYY-MM-DD` (UTC).
    pub period_start: String,
    pub outbound_persons: u64,
    pub outbound_sensitive_persons: u64,
    pub processed_persons: u64,
    pub inbound_persons: u64,
    pub declaration_required: bool,
    /// (trigger key, description).
    pub triggers: Vec<(String, String)>,
    pub gauges: Vec<GaugeView>,
    pub by_country: Vec<CountryView>,
    pub top_destinations: Vec<CountryView>,
    pub by_api: Vec<(String, u64)>,
    pub by_type: Vec<TypeView>,
    pub by_month: Vec<(String, u64)>,
    pub inbound: Vec<InboundView>,
    pub events: Vec<EventLink>,
    pub inside_countries: Vec<String>,
    /// Of HK, MO, TW: the codes counted as outside.
    pub outside_special: Vec<String>,
    pub trace_rows: u64,
    pub trace_dropped: u64,
    pub trace_max_rows: u64,
    pub type_options: Vec<TypeOption>,
    /// Analysts and admins may change the settings.
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceHitView {
    pub type_name: String,
    pub direction: String,
    pub api: String,
    pub ip: String,
    pub country: String,
    pub account: String,
    pub first: String,
    pub last: String,
    pub hits: i64,
    pub outside: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceView {
    pub types: Vec<String>,
    pub total_rows: u64,
    pub hits: Vec<TraceHitView>,
    pub apis: usize,
    pub ips: usize,
    pub countries: Vec<String>,
    pub accounts: usize,
    pub first: Option<String>,
    pub last: Option<String>,
    pub total_hits: i64,
    pub events: Vec<EventLink>,
    pub index_incomplete: bool,
}

#[cfg(feature = "ssr")]
mod convert {
    use super::*;
    use backend::compliance as c;

    pub fn event(e: c::RelatedEvent) -> EventLink {
        EventLink {
            id: e.id,
            name: e.name,
            level: e.level,
            ip: e.ip,
            account: e.account,
            location: e.location,
            api: e.api_key,
            start: backend::clock::rfc3339(e.start_ms),
            end: backend::clock::rfc3339(e.end_ms),
            count: e.count,
            same_api: e.same_api,
        }
    }

    pub fn review(r: c::Review, can_edit: bool) -> ComplianceView {
        let special = c::ComplianceSettings {
            inside_countries: r.inside_countries.clone(),
        }
        .outside_special();
        let country = |x: c::CountryRow| CountryView {
            code: x.code,
            persons: x.persons,
            records: x.records,
        };
        let cat = engine_catalog_options();
        ComplianceView {
            analysed: r.analysed,
            applies: r.applies,
            region: r.region,
            computed_at: r.computed_at_ms.map(backend::clock::rfc3339),
            period_start: r.period_start.get(..10).unwrap_or_default().to_string(),
            outbound_persons: r.outbound_persons,
            outbound_sensitive_persons: r.outbound_sensitive_persons,
            processed_persons: r.processed_persons,
            inbound_persons: r.inbound_persons,
            declaration_required: r.declaration_required,
            triggers: r
                .triggers
                .iter()
                .map(|k| (k.clone(), c::trigger_text(k).to_string()))
                .collect(),
            gauges: r
                .gauges
                .into_iter()
                .map(|g| GaugeView {
                    key: g.key,
                    label: g.label,
                    value: g.value,
                    threshold: g.threshold,
                    ratio: if g.ratio.is_finite() { g.ratio } else { 99.0 },
                    triggered: g.triggered,
                })
                .collect(),
            by_country: r.by_country.into_iter().map(country).collect(),
            top_destinations: r.top_destinations.into_iter().map(country).collect(),
            by_api: r.by_api,
            by_type: r
                .by_type
                .into_iter()
                .map(|t| TypeView {
                    type_id: t.type_id,
                    name: t.name,
                    personal_sensitive: t.personal_sensitive,
                    values: t.values,
                })
                .collect(),
            by_month: r.by_month,
            inbound: r
                .inbound
                .into_iter()
                .map(|i| InboundView {
                    country: i.country,
                    values: i.values,
                    hits: i.hits,
                })
                .collect(),
            events: r.events.into_iter().map(event).collect(),
            inside_countries: r.inside_countries,
            outside_special: special,
            trace_rows: r.trace_rows,
            trace_dropped: r.trace_dropped,
            trace_max_rows: r.trace_max_rows,
            type_options: cat,
            can_edit,
        }
    }

    /// Every catalog type, identifiers first (what people usually trace).
    fn engine_catalog_options() -> Vec<TypeOption> {
        backend::compliance::type_options()
            .into_iter()
            .map(|(key, name)| TypeOption { key, name })
            .collect()
    }

    pub fn trace(t: c::TraceResult) -> TraceView {
        TraceView {
            types: t.types,
            total_rows: t.total_rows,
            hits: t
                .hits
                .into_iter()
                .map(|h| TraceHitView {
                    type_name: h.type_name,
                    direction: h.direction,
                    api: h.api_key,
                    ip: h.ip,
                    country: h.country,
                    account: h.account,
                    first: backend::clock::rfc3339(h.first_ms),
                    last: backend::clock::rfc3339(h.last_ms),
                    hits: h.hits,
                    outside: h.outside,
                })
                .collect(),
            apis: t.apis.len(),
            ips: t.ips.len(),
            countries: t.countries,
            accounts: t.accounts.len(),
            first: t.first_ms.map(backend::clock::rfc3339),
            last: t.last_ms.map(backend::clock::rfc3339),
            total_hits: t.total_hits,
            events: t.events.into_iter().map(event).collect(),
            index_incomplete: t.index_incomplete,
        }
    }
}

/// Authorises the user for the scope with `role` and checks that API security is enabled.
#[cfg(feature = "ssr")]
async fn scoped(
    b: &backend::Backend,
    user: &backend::accounts::User,
    tenant: &str,
    rg: Option<i64>,
    region: &str,
    role: backend::tenancy::Role,
) -> Result<(backend::tenancy::Membership, backend::scope::Scope), AppError> {
    let (m, scope) = crate::api::ctx::scope_authorize(b, user.id, tenant, rg, region, role).await?;
    if !crate::api::ctx::api_security_status(b, m.tenant_id)
        .await?
        .enabled
    {
        return Err(AppError::Forbidden);
    }
    Ok((m, scope))
}

/// The cross-border review of a scope (viewer).
#[server(prefix = "/api", endpoint = "compliance_review")]
pub async fn compliance_review(
    tenant: String,
    rg: Option<i64>,
    region: String,
) -> Result<ComplianceView, AppError> {
    use backend::tenancy::Role;
    ctx::respond(async {
        let b = ctx::backend()?;
        let user = ctx::current_user(&b, &ctx::session().await?).await?;
        let (m, scope) = scoped(&b, &user, &tenant, rg, &region, Role::Viewer).await?;
        let r = backend::compliance::review(&b, scope).await?;
        Ok(convert::review(r, m.role >= Role::Analyst))
    })
    .await
}

/// Traces a value (viewer; audited, so it takes the CSRF token like a state change).
#[server(prefix = "/api", endpoint = "compliance_trace")]
pub async fn compliance_trace(
    tenant: String,
    rg: Option<i64>,
    region: String,
    value: String,
    data_type: Option<String>,
    csrf: String,
) -> Result<TraceView, AppError> {
    use backend::tenancy::Role;
    ctx::respond(async {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        let user = ctx::current_user(&b, &session).await?;
        let (_, scope) = scoped(&b, &user, &tenant, rg, &region, Role::Viewer).await?;
        let t = backend::compliance::trace(&b, &user, scope, &value, data_type.as_deref()).await?;
        Ok(convert::trace(t))
    })
    .await
}

/// Which of Hong Kong, Macao and Taiwan count as outside the mainland (analyst). A checked box
/// (`outside_hk=on`) counts the place as outside; takes effect at the next analysis.
#[server(prefix = "/api", endpoint = "compliance_settings")]
pub async fn compliance_settings(
    tenant: String,
    outside_hk: Option<String>,
    outside_mo: Option<String>,
    outside_tw: Option<String>,
    csrf: String,
) -> Result<Vec<String>, AppError> {
    use backend::tenancy::Role;
    ctx::respond(async {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        let user = ctx::current_user(&b, &session).await?;
        let m = crate::api::ctx::tenant_authorize(&b, user.id, &tenant, Role::Analyst).await?;
        if !crate::api::ctx::api_security_status(&b, m.tenant_id)
            .await?
            .enabled
        {
            return Err(AppError::Forbidden);
        }
        let mut inside = vec!["CN".to_string()];
        for (code, outside) in [("HK", outside_hk), ("MO", outside_mo), ("TW", outside_tw)] {
            if outside.is_none() {
                inside.push(code.into());
            }
        }
        let s = backend::compliance::set_settings(&b, &user, m.tenant_id, &inside).await?;
        Ok(s.inside_countries)
    })
    .await
}

#[cfg(feature = "ssr")]
use super::ctx;
