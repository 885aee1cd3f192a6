//! Server functions of the Events page: IP and account tabs, detail, timeline, workflow (issue 7).
//!
//! Like the risks functions, lists take the page's URL query string (`tab=account&level=high`).

use super::risks::{CountView, HistoryView};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRowView {
    pub id: i64,
    pub type_key: String,
    pub name: String,
    pub level: String,
    pub category: String,
    pub subject: String,
    pub ip: Option<String>,
    pub account: Option<String>,
    pub location: String,
    pub api_key: String,
    pub host: String,
    pub method: String,
    pub path: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub start: String,
    pub end: String,
    pub count: i64,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventListView {
    pub rows: Vec<EventRowView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub by_level: Vec<CountView>,
    pub by_type: Vec<CountView>,
    pub by_status: Vec<CountView>,
    pub by_subject: Vec<CountView>,
    pub can_edit: bool,
}

/// An event of the same subject, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedView {
    pub id: i64,
    pub name: String,
    pub level: String,
    pub api_key: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetailView {
    pub row: EventRowView,
    pub description: String,
    pub suggestion: String,
    pub apis: Vec<String>,
    pub samples: Vec<String>,
    pub related: Vec<RelatedView>,
    pub changed_by: Option<String>,
    pub changed_at: Option<String>,
    pub history: Vec<HistoryView>,
    pub can_edit: bool,
}

#[cfg(feature = "ssr")]
fn event_row(r: backend::findings::events::EventRow) -> EventRowView {
    EventRowView {
        id: r.id,
        type_key: r.type_key,
        name: r.name,
        level: r.level,
        category: r.category,
        subject: r.subject,
        ip: r.ip,
        account: r.account,
        location: r.location,
        api_key: r.api_key,
        host: r.host,
        method: r.method,
        path: r.path,
        start: backend::clock::rfc3339(r.start_ms),
        end: backend::clock::rfc3339(r.end_ms),
        start_ms: r.start_ms,
        end_ms: r.end_ms,
        count: r.count,
        status: r.status,
    }
}

/// One page of events of one tab (`tab=ip|account` in `query`) with counts (viewer).
#[server(prefix = "/api", endpoint = "events_list")]
pub async fn events_list(
    tenant: String,
    rg: Option<i64>,
    region: String,
    query: String,
) -> Result<EventListView, AppError> {
    use super::risks::guard;
    use backend::findings::events;
    crate::api::ctx::respond(crate::api::ctx::once(
        format!("events_list|{tenant}|{rg:?}|{region}|{query}"),
        async {
            let (b, _, scope, role) =
                guard::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer, None).await?;
            let q = events::EventQuery::parse(&query)?;
            let list = events::list(&b, scope, &q).await?;
            Ok(EventListView {
                rows: list.rows.into_iter().map(event_row).collect(),
                total: list.total,
                page: list.paging.page,
                per_page: list.paging.per_page,
                by_level: list.by_level.into_iter().map(guard::count).collect(),
                by_type: list.by_type.into_iter().map(guard::count).collect(),
                by_status: list.by_status.into_iter().map(guard::count).collect(),
                by_subject: list.by_subject.into_iter().map(guard::count).collect(),
                can_edit: role >= backend::tenancy::Role::Analyst,
            })
        },
    ))
    .await
}

/// One event with samples, APIs, the subject's other events, workflow and history (viewer).
#[server(prefix = "/api", endpoint = "event_detail")]
pub async fn event_detail(
    tenant: String,
    rg: Option<i64>,
    region: String,
    id: i64,
) -> Result<EventDetailView, AppError> {
    use super::risks::guard;
    crate::api::ctx::respond(async {
        let (b, _, scope, role) =
            guard::scoped(&tenant, rg, &region, backend::tenancy::Role::Viewer, None).await?;
        let d = backend::findings::events::detail(&b, scope, id).await?;
        Ok(EventDetailView {
            row: event_row(d.row),
            description: d.description,
            suggestion: d.suggestion,
            apis: d.apis,
            samples: d.samples,
            related: d
                .related
                .into_iter()
                .map(|r| RelatedView {
                    id: r.id,
                    name: r.name,
                    level: r.level,
                    api_key: r.api_key,
                    start_ms: r.start_ms,
                    end_ms: r.end_ms,
                    count: r.count,
                })
                .collect(),
            changed_by: d.workflow.as_ref().and_then(|w| w.changed_by.clone()),
            changed_at: d
                .workflow
                .as_ref()
                .map(|w| backend::clock::rfc3339(w.changed_at)),
            history: d.history.into_iter().map(guard::history).collect(),
            can_edit: role >= backend::tenancy::Role::Analyst,
        })
    })
    .await
}

/// Sets the status of events `ids` ("3,5,8") to `status` (analyst). Returns how many changed.
#[server(prefix = "/api", endpoint = "events_set_status")]
pub async fn events_set_status(
    tenant: String,
    rg: Option<i64>,
    region: String,
    ids: String,
    status: String,
    csrf: String,
) -> Result<usize, AppError> {
    use super::risks::guard;
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
        Ok(backend::findings::events::set_status(&b, scope, &user, &ids, &status).await?)
    })
    .await
}
