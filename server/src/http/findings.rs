//! Downloads of the Risks and Events pages: CSV exports (issues 6, 7).
//!
//! `GET /export/risks.csv` and `GET /export/events.csv` take the page's own query string
//! (scope `tenant`, `rg`, `region` plus the same filters and sort as the table), so the export
//! holds exactly the rows the page lists, on every page. Session auth, viewer role, API
//! security enabled; every cell goes through `backend::csv` (formula injection defence).

use axum::extract::RawQuery;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use backend::clock::rfc3339;
use backend::findings::{events, risks, Params};
use backend::scope::Scope;
use backend::sessions::USER_ID;
use backend::tenancy::Role;
use backend::Backend;
use leptos::prelude::LeptosOptions;
use tower_sessions::Session;

pub fn router() -> Router<LeptosOptions> {
    Router::new()
        .route("/export/risks.csv", get(risks_csv))
        .route("/export/events.csv", get(events_csv))
}

/// A refusal with its status and a plain-text reason.
fn refuse(e: backend::Error) -> Response {
    if e.status() >= 500 {
        tracing::error!(error = %e, "export failed");
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "export failed; see the server log",
        )
            .into_response();
    }
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, e.to_string()).into_response()
}

/// Signed in, viewer of the tenant named in the query, API security enabled.
async fn authorise(b: &Backend, session: &Session, p: &Params) -> Result<Scope, backend::Error> {
    let user_id = session
        .get::<i64>(USER_ID)
        .await
        .ok()
        .flatten()
        .ok_or(backend::Error::Unauthenticated)?;
    let tenant = p
        .get("tenant")
        .ok_or_else(|| backend::Error::Invalid("the tenant parameter is missing".into()))?;
    let rg = match p.get("rg") {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            backend::Error::Invalid(format!("rg must be a resource group id, got {v:?}"))
        })?),
    };
    let (m, scope) = backend::scope::authorize(
        b,
        user_id,
        tenant,
        rg,
        p.get("region").unwrap_or("cn"),
        Role::Viewer,
    )
    .await?;
    if !backend::editions::status(b, m.tenant_id).await?.enabled {
        return Err(backend::Error::Forbidden);
    }
    Ok(scope)
}

fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn risks_csv(
    Extension(b): Extension<Backend>,
    session: Session,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let p = Params::parse(&query);
    let result = async {
        let scope = authorise(&b, &session, &p).await?;
        let q = risks::RiskQuery::parse(&query)?;
        risks::export(&b, scope, &q).await
    }
    .await;
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => return refuse(e),
    };
    let mut out = backend::csv::row([
        "id",
        "level",
        "risk_type",
        "name",
        "category",
        "method",
        "host",
        "path",
        "hits",
        "first_seen",
        "last_seen",
        "status",
        "evidence",
    ]);
    for r in rows {
        out.push_str(&backend::csv::row([
            r.id.to_string(),
            r.level,
            r.type_key,
            r.name,
            r.category,
            r.method,
            r.host,
            r.path,
            r.hits.to_string(),
            rfc3339(r.first_seen),
            rfc3339(r.last_seen),
            r.status,
            r.evidence,
        ]));
    }
    csv_response("risks.csv", out)
}

async fn events_csv(
    Extension(b): Extension<Backend>,
    session: Session,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let p = Params::parse(&query);
    let result = async {
        let scope = authorise(&b, &session, &p).await?;
        let q = events::EventQuery::parse(&query)?;
        events::export(&b, scope, &q).await
    }
    .await;
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => return refuse(e),
    };
    let mut out = backend::csv::row([
        "id",
        "level",
        "event_type",
        "name",
        "category",
        "subject",
        "ip",
        "account",
        "location",
        "method",
        "host",
        "path",
        "start",
        "end",
        "count",
        "status",
    ]);
    for r in rows {
        out.push_str(&backend::csv::row([
            r.id.to_string(),
            r.level,
            r.type_key,
            r.name,
            r.category,
            r.subject,
            r.ip.unwrap_or_default(),
            r.account.unwrap_or_default(),
            r.location,
            r.method,
            r.host,
            r.path,
            rfc3339(r.start_ms),
            rfc3339(r.end_ms),
            r.count.to_string(),
            r.status,
        ]));
    }
    csv_response("events.csv", out)
}
