//! Console uploads (streamed to disk) and the per-source token ingest endpoint (issue 3).
//!
//! - `POST /upload?tenant=..&rg=..&region=..&source=<id>`: the console's file upload, with
//!   the session, the `x-csrf-token` header and role Analyst. The body is the raw file (plain
//!   or gzip); the file name comes in `x-file-name` (percent-encoded).
//! - `POST /ingest/v1/logs`: `Authorization: Bearer <source token>`, an NDJSON body (native
//!   format, or the source's format), optionally `Content-Encoding: gzip`. For log shippers
//!   (Vector, Fluent Bit `http` sinks).
//!
//! Both answer only after the segment's file is fsynced and its row committed, with JSON
//! `{segment, lines, accepted, rejected, duplicate, job, errors: [{line, reason}]}` (the first
//! 20 rejected lines). Errors are JSON `{error}` with 400, 401, 403, 404, 413 or 415.

use axum::body::Body;
use axum::extract::{Extension, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use backend::ingest::{self, IngestError, Origin, SegmentSink, StoreOutcome};
use backend::sessions::{CSRF_TOKEN, USER_ID};
use backend::tenancy::Role;
use backend::Backend;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

/// Rejected lines listed in a response (all are counted; the console shows up to 1000).
pub const LISTED_ERRORS: usize = 20;

pub fn router() -> Router<LeptosOptions> {
    Router::new()
        .route("/upload", post(upload))
        .route("/ingest/v1/logs", post(ingest_logs))
}

fn error(status: u16, msg: impl std::fmt::Display) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = %msg, "ingest failed");
        return (
            status,
            Json(json!({"error": "the server could not store the data; it has been logged"})),
        )
            .into_response();
    }
    (status, Json(json!({"error": msg.to_string()}))).into_response()
}

fn outcome_json(out: &StoreOutcome) -> Response {
    let errors: Vec<_> = out
        .errors
        .iter()
        .take(LISTED_ERRORS)
        .map(|(line, reason)| json!({"line": line, "reason": reason}))
        .collect();
    let status = if out.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (
        status,
        Json(json!({
            "segment": out.segment_id,
            "lines": out.lines,
            "accepted": out.accepted,
            "rejected": out.rejected,
            "duplicate": out.duplicate,
            "message": if out.duplicate { "duplicate, already stored" } else { "stored" },
            "job": out.job_id,
            "errors": errors,
        })),
    )
        .into_response()
}

/// Streams `body` into a segment of `src`, refusing more than `max` bytes.
async fn store_body(
    b: &Backend,
    src: &ingest::Source,
    body: Body,
    max: u64,
    file_name: &str,
    origin: Origin,
) -> Result<StoreOutcome, IngestError> {
    let mut sink = SegmentSink::begin(b, src.tenant_id, max)?;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| IngestError::Invalid(format!("the upload was interrupted: {e}")))?;
        if let Ok(data) = frame.into_data() {
            sink.push(data).await?;
        }
    }
    if sink.received() == 0 {
        return Err(IngestError::Invalid("the body is empty".into()));
    }
    sink.finish(b, src, file_name, origin).await
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    tenant: String,
    rg: Option<i64>,
    #[serde(default)]
    region: String,
    source: i64,
}

/// Constant-time equality of two tokens.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hexval = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hexval(bytes[i + 1]), hexval(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn upload(
    Extension(b): Extension<Backend>,
    session: Session,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let user_id = match session.get::<i64>(USER_ID).await {
        Ok(Some(id)) => id,
        _ => return error(401, "please sign in"),
    };
    let expected = session.get::<String>(CSRF_TOKEN).await.ok().flatten();
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !expected.is_some_and(|e| same_token(&e, sent)) {
        return error(403, "the form expired; reload the page and try again");
    }
    let user = match backend::accounts::user_by_id(&b, user_id).await {
        Ok(Some(u)) => u,
        Ok(None) => return error(401, "please sign in"),
        Err(e) => return error(e.status(), e),
    };
    let (_, scope) =
        match backend::scope::authorize(&b, user.id, &q.tenant, q.rg, &q.region, Role::Analyst)
            .await
        {
            Ok(x) => x,
            Err(e) => return error(e.status(), e),
        };
    let src = match ingest::source(&b, scope, q.source).await {
        Ok(s) => s,
        Err(e) => return error(e.status(), e),
    };
    let max = b.ingest.limits.max_upload_bytes;
    if declared_length(&headers).is_some_and(|n| n > max) {
        return error(
            413,
            format!("the file is larger than the upload limit of {max} bytes"),
        );
    }
    let file_name = headers
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "upload".into());
    match store_body(&b, &src, body, max, &file_name, Origin::Upload).await {
        Ok(out) => {
            let detail = format!(
                "{} to source {}: {} accepted, {} rejected{}",
                ingest::excerpt(file_name.as_bytes()),
                src.name,
                out.accepted,
                out.rejected,
                if out.duplicate {
                    " (duplicate, already stored)"
                } else {
                    ""
                }
            );
            if let Err(e) = backend::audit::record(
                &b,
                Some(scope.tenant_id),
                Some(user.id),
                &user.username,
                "segment.uploaded",
                &detail,
            )
            .await
            {
                tracing::warn!(error = %e, "cannot audit an upload");
            }
            outcome_json(&out)
        }
        Err(e) => error(e.status(), e),
    }
}

async fn ingest_logs(Extension(b): Extension<Backend>, headers: HeaderMap, body: Body) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or_default();
    let src = match ingest::source_by_token(&b, token).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            let mut r = error(
                401,
                "missing or unknown ingest token (Authorization: Bearer <token>)",
            );
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            return r;
        }
        Err(e) => return error(e.status(), e),
    };
    if let Some(enc) = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
    {
        let enc = enc.trim().to_ascii_lowercase();
        // gzip is detected by its magic bytes and stored compressed; nothing else is read.
        if !matches!(enc.as_str(), "gzip" | "x-gzip" | "identity" | "") {
            return error(
                415,
                format!("Content-Encoding {enc:?} is not supported (use gzip or none)"),
            );
        }
    }
    let max = b.ingest.limits.max_ingest_body_bytes;
    if declared_length(&headers).is_some_and(|n| n > max) {
        return error(
            413,
            format!("the body is larger than the limit of {max} bytes"),
        );
    }
    let name = format!("ingest-{}.ndjson", backend::clock::rfc3339(b.now_ms()));
    match store_body(&b, &src, body, max, &name, Origin::Ingest).await {
        Ok(out) => outcome_json(&out),
        Err(e) => error(e.status(), e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_file_names() {
        assert_eq!(super::percent_decode("a%20b%E4%B8%AD.log"), "a b中.log");
        assert_eq!(super::percent_decode("100%"), "100%");
        assert_eq!(super::percent_decode("%zz"), "%zz");
    }
}
