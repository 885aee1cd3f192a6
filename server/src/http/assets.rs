//! Downloads of the Assets page (issue 4):
//!
//! - `GET /export/assets.csv?tenant&rg&region&<filters>`: every API matching the Assets page's
//!   filters (same query names: host, domain, purpose, ptype, service, sens, auth, active, q,
//!   sort, dir), as CSV with formula cells neutralised.
//! - `GET /export/openapi.json?tenant&rg&region&host=`: the OpenAPI 3.1 document of one host.
//!
//! Both authenticate from the session (401 without one), authorise the viewer role in the
//! tenant (404 for a tenant the user is not a member of, like the server functions) and
//! refuse (403) when API security is not enabled for the tenant.

use axum::extract::Query;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use backend::inventory;
use backend::scope::Scope;
use backend::tenancy::Role;
use backend::Backend;
use leptos::prelude::LeptosOptions;
use tower_sessions::Session;

pub fn router() -> Router<LeptosOptions> {
    Router::new()
        .route("/export/assets.csv", get(assets_csv))
        .route("/export/openapi.json", get(openapi_json))
}

/// An error as a plain-text response with its status.
fn error(e: backend::Error) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = %e, "assets export failed");
        return (status, "internal error; it has been logged").into_response();
    }
    (status, e.to_string()).into_response()
}

/// Session user → viewer of the tenant named in the query → scope, with API security enabled.
async fn authorised_scope(
    b: &Backend,
    session: &Session,
    params: &[(String, String)],
) -> Result<Scope, backend::Error> {
    let user_id = session
        .get::<i64>(backend::sessions::USER_ID)
        .await
        .ok()
        .flatten()
        .ok_or(backend::Error::Unauthenticated)?;
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let tenant =
        get("tenant").ok_or_else(|| backend::Error::Invalid("tenant is missing".into()))?;
    let rg = match get("rg").filter(|v| !v.is_empty()) {
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| backend::Error::Invalid(format!("rg must be a number (got {v:?})")))?,
        ),
        None => None,
    };
    let region = get("region").unwrap_or("cn");
    let (_, scope) =
        backend::scope::authorize(b, user_id, tenant, rg, region, Role::Viewer).await?;
    if !backend::editions::status(b, scope.tenant_id).await?.enabled {
        return Err(backend::Error::Forbidden);
    }
    Ok(scope)
}

fn attachment(content_type: &'static str, file: &str, body: String) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Only [A-Za-z0-9._-] reach the file name, so the header needs no quoting rules.
    let safe: String = file
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn assets_csv(
    Extension(b): Extension<Backend>,
    session: Session,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let scope = authorised_scope(&b, &session, &params).await?;
        let (filter, order) =
            inventory::ApiFilter::from_pairs(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        let rows = inventory::list_all(&b, scope, &filter, order).await?;
        Ok::<_, backend::Error>(inventory::csv(&rows))
    };
    match run.await {
        Ok(body) => attachment("text/csv; charset=utf-8", "apis.csv", body),
        Err(e) => error(e),
    }
}

async fn openapi_json(
    Extension(b): Extension<Backend>,
    session: Session,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let scope = authorised_scope(&b, &session, &params).await?;
        let host = params
            .iter()
            .find(|(k, _)| k == "host")
            .map(|(_, v)| v.trim().to_string())
            .filter(|h| !h.is_empty())
            .ok_or_else(|| {
                backend::Error::Invalid("host is missing: export one host at a time".into())
            })?;
        let doc = inventory::openapi(&b, scope, &host).await?;
        let body = serde_json::to_string_pretty(&doc)
            .map_err(|e| backend::Error::Internal(e.to_string()))?;
        Ok::<_, backend::Error>((host, body))
    };
    match run.await {
        Ok((host, body)) => attachment("application/json", &format!("{host}.openapi.json"), body),
        Err(e) => error(e),
    }
}
