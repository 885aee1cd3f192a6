//! The hydration bundle and stylesheet (`target/site/pkg`), embedded into release binaries.
//! Debug builds read the same folder from disk, so rebuilding the wasm needs no server rebuild.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../target/site/"]
#[allow_missing = true]
struct Site;

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// `GET /pkg/{file}`.
pub async fn pkg(Path(file): Path<String>) -> Response {
    match Site::get(&format!("pkg/{file}")) {
        Some(f) => (
            [
                (header::CONTENT_TYPE, content_type(&file)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            f.data.into_owned(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Whether the hydration bundle is present (the server still works without it, unhydrated).
pub fn has_bundle() -> bool {
    Site::get("pkg/apisec_bg.wasm").is_some()
}
