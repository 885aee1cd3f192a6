//! Request guards and response headers: sign-in redirects, cross-site request refusal, security
//! headers, the 500 page, and response counting.
//!
//! CSRF defence is two layers: this middleware refuses state-changing requests that a browser
//! marks as cross-site (`Sec-Fetch-Site`) or whose `Origin` is not this host; and every
//! state-changing server function checks the session's CSRF token sent as a form field
//! (`csrf`). Non-browser clients send neither header and must present the token.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use backend::sessions::{LAST_SEEN, SIGNED_IN_AT, USER_ID};
use backend::{Backend, PeerAddr};
use std::net::SocketAddr;
use tower_sessions::Session;

/// Paths of the console that need a signed-in user.
pub const CONSOLE_PAGES: [&str; 10] = [
    "/",
    "/basic-detection",
    "/overview",
    "/assets",
    "/risks",
    "/events",
    "/compliance",
    "/policies",
    "/data-sources",
    "/settings",
];

fn same_origin(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = h
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        if origin == "null" || origin_host != host {
            return false;
        }
    }
    true
}

/// How long a sign-in lasts. The idle limit is the session's own expiry (renewed on every
/// request); the absolute one ends a sign-in however active it is, so a stolen or forgotten
/// session cannot be kept alive for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// `APISEC_SESSION_IDLE_MINUTES` (default 12 hours).
    pub idle: std::time::Duration,
    /// `APISEC_SESSION_MAX_HOURS` (default 24 hours).
    pub absolute: std::time::Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle: std::time::Duration::from_secs(12 * 3600),
            absolute: std::time::Duration::from_secs(24 * 3600),
        }
    }
}

/// What [`guard`] needs: the clock (the backend's, which tests can advance) and the limits.
#[derive(Clone)]
pub struct GuardState {
    pub backend: Backend,
    pub limits: SessionLimits,
}

/// Signs out (server side) a session whose sign-in is older than the absolute limit, or that
/// carries a user but no sign-in time (written before the limit existed). Otherwise marks the
/// session as seen, at most every quarter of the idle limit (and every minute), so activity
/// renews the idle expiry without a database write on every request.
async fn check_sign_in_lifetime(st: &GuardState, session: &Session) {
    if !matches!(session.get::<i64>(USER_ID).await, Ok(Some(_))) {
        return;
    }
    let since = session.get::<i64>(SIGNED_IN_AT).await.ok().flatten();
    let max_ms = st.limits.absolute.as_millis() as i64;
    if since.is_none_or(|t| st.backend.now_ms().saturating_sub(t) >= max_ms) {
        tracing::info!("sign-in reached the absolute session lifetime; signed out");
        if let Err(e) = session.flush().await {
            tracing::warn!(error = %e, "cannot end an expired session");
        }
        return;
    }
    // Wall clock, like the session expiry itself.
    let now = chrono::Utc::now().timestamp_millis();
    let every = (st.limits.idle.as_millis() as i64 / 4).clamp(1, 60_000);
    let seen = session.get::<i64>(LAST_SEEN).await.ok().flatten();
    if seen.is_none_or(|t| now.saturating_sub(t) >= every) {
        if let Err(e) = session.insert(LAST_SEEN, now).await {
            tracing::warn!(error = %e, "cannot renew a session");
        }
    }
}

/// Refuses cross-site writes; ends sign-ins past their lifetime; sends signed-out visitors of
/// console pages to the login page.
pub async fn guard(
    State(st): State<GuardState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>().cloned() {
        req.extensions_mut().insert(PeerAddr(addr));
    }
    if !req.uri().path().starts_with("/pkg/") {
        check_sign_in_lifetime(&st, &session).await;
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !same_origin(&req) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    let path = req.uri().path();
    if safe && (CONSOLE_PAGES.contains(&path) || path == "/login") {
        let signed_in = matches!(session.get::<i64>(USER_ID).await, Ok(Some(_)));
        if path == "/login" {
            if signed_in {
                return Redirect::to("/basic-detection").into_response();
            }
        } else if !signed_in {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next: String = form_urlencoded_byte(target);
            return Redirect::to(&format!("/login?next={next}")).into_response();
        } else if path == "/" {
            return Redirect::to("/basic-detection").into_response();
        } else {
            preload_session(&st, &session, &mut req).await;
        }
    }
    next.run(req).await
}

/// Reads the session of a signed-in console page request before Leptos renders it (see
/// `app::components::layout::ConsoleLayout`), with the request's memo, which the render then
/// continues (`server::routes`). On an error the page loads the session itself, as before.
async fn preload_session(st: &GuardState, session: &Session, req: &mut Request) {
    let memo = app::api::ctx::RequestMemo::default();
    let cookie = req
        .headers()
        .get(axum::http::header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let info = app::api::ctx::with_request_memo(
        memo.clone(),
        app::api::ctx::session_info(&st.backend, session, cookie.as_deref()),
    )
    .await;
    match info {
        Ok(info) => {
            req.extensions_mut()
                .insert(app::api::PreloadedSession(info));
            req.extensions_mut().insert(memo);
        }
        Err(e) => tracing::warn!(error = ?e, "cannot preload the session of a page"),
    }
}

fn form_urlencoded_byte(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Adds the security headers every response gets. HTML pages already carry a CSP with a
/// nonce (set by `app::shell`); everything else gets a deny-all one.
pub async fn headers(req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if !is_asset {
        set(h, "cache-control", "no-store");
    }
    res
}

/// Counts responses by status class for `/metrics` and logs each request (server errors at
/// `warn`, the rest at `debug`).
pub async fn count(State(b): State<Backend>, req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    b.metrics.http_response(status);
    let ms = started.elapsed().as_millis() as u64;
    if status >= 500 {
        tracing::warn!(%method, %path, status, ms, "request failed");
    } else {
        tracing::debug!(%method, %path, status, ms, "request");
    }
    res
}

const ERROR_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Server error · apisec</title><link rel=\"stylesheet\" href=\"/pkg/apisec.css\"></head>\
<body><main class=\"standalone\"><div class=\"card narrow\"><h1>Something went wrong</h1>\
<p>The server hit an unexpected error. It has been logged. Try again, or go back to the \
<a href=\"/basic-detection\">console</a>.</p></div></main></body></html>";

/// The 500 page, for panics caught anywhere below.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let msg = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = msg, "request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        ERROR_PAGE,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().method("POST").uri("/api/x");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn origin_checks() {
        assert!(same_origin(&req(&[("host", "a:3000")])));
        assert!(same_origin(&req(&[
            ("host", "a:3000"),
            ("origin", "http://a:3000")
        ])));
        assert!(!same_origin(&req(&[
            ("host", "a:3000"),
            ("origin", "http://evil:3000")
        ])));
        assert!(!same_origin(&req(&[
            ("host", "a:3000"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(same_origin(&req(&[
            ("host", "a:3000"),
            ("sec-fetch-site", "same-origin")
        ])));
    }
}
