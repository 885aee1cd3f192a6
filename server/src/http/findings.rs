//! Downloads of the Risks and Events pages: CSV exports (issues 6, 7).

use axum::Router;
use leptos::prelude::LeptosOptions;

pub fn router() -> Router<LeptosOptions> {
    Router::new()
}
