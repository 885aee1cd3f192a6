//! Downloads of the Assets page: inventory CSV, OpenAPI export (issue 4).

use axum::Router;
use leptos::prelude::LeptosOptions;

pub fn router() -> Router<LeptosOptions> {
    Router::new()
}
