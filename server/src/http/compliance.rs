//! Downloads of the Compliance page: review CSV and printable report (issue 8).

use axum::Router;
use leptos::prelude::LeptosOptions;

pub fn router() -> Router<LeptosOptions> {
    Router::new()
}
