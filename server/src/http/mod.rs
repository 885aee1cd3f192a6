//! Plain HTTP endpoints beside the server functions: uploads and the ingest endpoint (their
//! bodies are streams, not JSON arguments) and file downloads (CSV, OpenAPI, printable
//! reports). One module per area; each returns a router merged in `crate::routes::router`.
//! Every handler authenticates and authorises like the server functions do.

pub mod assets;
pub mod compliance;
pub mod findings;
pub mod ingest;

use axum::Router;
use leptos::prelude::LeptosOptions;

/// All routes of this module, merged into the application router.
pub fn router() -> Router<LeptosOptions> {
    Router::new()
        .merge(assets::router())
        .merge(compliance::router())
        .merge(findings::router())
        .merge(ingest::router())
}
