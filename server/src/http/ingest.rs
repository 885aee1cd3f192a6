//! Console uploads (streamed to disk) and the per-source token ingest endpoint (issue 3).

use axum::Router;
use leptos::prelude::LeptosOptions;

pub fn router() -> Router<LeptosOptions> {
    Router::new()
}
