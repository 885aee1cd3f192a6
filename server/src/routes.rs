//! The HTTP surface: pages (Leptos SSR), server functions under `/api`, static bundle,
//! `/healthz` and `/metrics`, wrapped in sessions and the security middleware.

use crate::{assets, security};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};
use backend::sessions::DbSessionStore;
use backend::Backend;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use tower_http::catch_panic::CatchPanicLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Router options that differ between deployments.
#[derive(Debug, Clone)]
pub struct RouterOptions {
    pub secure_cookies: bool,
}

/// Leptos options for this build: bundle `/pkg/apisec.js` + `apisec_bg.wasm` + `apisec.css`.
pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("apisec")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build()
}

/// Builds the complete application router around `backend`, with the default session limits.
pub fn router(backend: Backend, opts: RouterOptions) -> Router {
    router_with_sessions(backend, opts, security::SessionLimits::default())
}

/// [`router`] with the given session lifetimes (`apisec serve` reads them from the environment).
pub fn router_with_sessions(
    backend: Backend,
    opts: RouterOptions,
    limits: security::SessionLimits,
) -> Router {
    let options = leptos_options();
    let routes = generate_route_list(app::App);

    // Per request: the back end, and a fresh memo of the session's user, memberships and API
    // security status, shared by the server functions that render one page.
    let ctx_backend = backend.clone();
    let context = move || {
        provide_context(ctx_backend.clone());
        // The session preload of `security::guard` started the request's memo.
        let memo = use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<app::api::ctx::RequestMemo>().cloned())
            .unwrap_or_default();
        provide_context(memo);
    };

    let fn_backend = backend.clone();
    let server_fns = move |req: Request| {
        let b = fn_backend.clone();
        async move {
            handle_server_fns_with_context(
                move || {
                    provide_context(b.clone());
                    provide_context(app::api::ctx::RequestMemo::default());
                },
                req,
            )
            .await
        }
    };

    let shell_options = options.clone();
    let not_found_options = options.clone();
    let not_found = leptos_axum::render_app_to_stream_with_context(context.clone(), move || {
        app::shell(not_found_options.clone())
    });

    let sessions = SessionManagerLayer::new(DbSessionStore::new(backend.db.clone()))
        .with_name("apisec_session")
        .with_secure(opts.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(limits.idle).unwrap_or(time::Duration::hours(12)),
        ));

    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/pkg/{*file}", get(assets::pkg))
        .route("/api/{*fn_name}", post(server_fns))
        .merge(crate::http::router())
        .leptos_routes_with_context(&options, routes, context, move || {
            app::shell(shell_options.clone())
        })
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            security::GuardState {
                backend: backend.clone(),
                limits,
            },
            security::guard,
        ))
        .layer(sessions)
        .layer(middleware::from_fn(security::headers))
        .layer(middleware::from_fn_with_state(
            backend.clone(),
            security::count,
        ))
        .layer(CatchPanicLayer::custom(security::panic_response))
        .with_state(options)
        .layer(axum::Extension(backend))
}

/// The router of an `APISEC_ROLE=worker` process: only the probes, no console, no sessions.
pub fn probe_router(backend: Backend) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn(security::headers))
        .layer(axum::Extension(backend))
}

/// 200 once the database answers (the server binds only after migrations and first start).
async fn healthz(axum::Extension(b): axum::Extension<Backend>) -> Response {
    match b.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics(axum::Extension(b): axum::Extension<Backend>) -> Response {
    let gauges = backend::metrics::db_gauges(&b).await.unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        Body::from(b.metrics.render(gauges)),
    )
        .into_response()
}
