//! API documentation pages (Swagger UI, ReDoc, RapiDoc, Stoplight Elements, Scalar) are HTML
//! files, so the static-file rule would drop them; yet serving one exposes the whole API
//! description (`openapi_doc_leak`). Discovery keeps them as APIs so that the risk detectors
//! see them.

use crate::record::Record;

/// Names (without `.html`/`.htm`) documentation UIs are served under by default: springfox
/// `/swagger-ui.html`, `/redoc.html`, `/api-docs.html`; as a directory, the folder of an
/// `index.html` (springdoc `/swagger-ui/index.html`, Swashbuckle `/swagger/index.html`).
const DOC_NAMES: &[&str] = &[
    "swagger-ui",
    "swagger",
    "redoc",
    "rapidoc",
    "api-docs",
    "apidocs",
    "api-doc",
    "openapi",
];

/// Markup only a rendered documentation UI carries. Written as real tags, with their `<`, so
/// that a page merely showing the snippet as (escaped) text does not match.
pub(crate) const UI_MARKERS: &[&str] = &[
    // Swagger UI 3 to 5 (`swagger-ui`) and 2 (`swagger-ui-container`).
    "<div id=\"swagger-ui",
    "<div id='swagger-ui",
    // ReDoc as a web component or mounted with `Redoc.init`.
    "<redoc ",
    "<redoc>",
    "<div id=\"redoc",
    "<rapi-doc",
    "<elements-api",
    // Scalar API reference.
    "<script id=\"api-reference\"",
];

/// How much of a page is searched: the UI markup sits near the top of these small pages.
const SCAN_BYTES: usize = 64 * 1024;

/// Whether an HTML page is a documentation UI, from its markup.
pub fn looks_like_api_doc_ui(body: &str) -> bool {
    let head = crate::exchange::prefix(body, SCAN_BYTES).as_bytes();
    // Every marker is a tag: most bodies (JSON) have no `<` and stop here.
    if memchr::memchr(b'<', head).is_none() {
        return false;
    }
    static MARKERS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    MARKERS
        .get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(UI_MARKERS)
                .expect("documentation UI markers")
        })
        .is_match(head)
}

/// Whether a request for an `.html`/`.htm` file fetched an API documentation UI. The body
/// decides when the log has one (a scanner's 404 or a single-page app's catch-all answer is
/// not a documentation page); without a body, a successful response under a well-known name.
pub fn is_api_doc_page(record: &Record) -> bool {
    let mut segments = record.path.rsplit('/');
    let file = segments.next().unwrap_or("");
    let file = file.split(';').next().unwrap_or("").to_ascii_lowercase();
    let Some(stem) = file
        .strip_suffix(".html")
        .or_else(|| file.strip_suffix(".htm"))
    else {
        return false;
    };
    match record.response_body.as_deref() {
        Some(body) if !body.trim().is_empty() => looks_like_api_doc_ui(body),
        _ => {
            let dir = segments.next().unwrap_or("").to_ascii_lowercase();
            (200..300).contains(&record.status)
                && (DOC_NAMES.contains(&stem)
                    || (stem == "index" && DOC_NAMES.contains(&dir.as_str())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::parse_native_line;

    fn page(path: &str, status: u16, body: Option<&str>) -> Record {
        let mut line = serde_json::json!({
            "time": "2026-03-02T09:00:00Z", "client_ip": "198.51.100.7",
            "host": "api.example.com", "method": "GET", "path": path, "status": status,
        });
        if let Some(b) = body {
            line["response_body"] = b.into();
        }
        parse_native_line(&line.to_string()).unwrap()
    }

    #[test]
    fn known_names_without_a_body() {
        for p in [
            "/swagger-ui.html",
            "/swagger-ui/index.html",
            "/swagger/index.html",
            "/webjars/swagger-ui/index.html",
            "/redoc.html",
            "/api-docs.html",
            "/Swagger-UI.HTML;jsessionid=0A1B",
        ] {
            assert!(is_api_doc_page(&page(p, 200, None)), "{p}");
        }
        for p in [
            "/index.html",
            "/docs/index.html",
            "/blog/swagger-tips.html",
            "/swagger-ui.js",
            "/swagger-ui",
        ] {
            assert!(!is_api_doc_page(&page(p, 200, None)), "{p}");
        }
        // A scanner probing for the page is answered 404.
        assert!(!is_api_doc_page(&page("/swagger-ui.html", 404, None)));
    }

    #[test]
    fn the_body_decides_when_present() {
        let rapidoc = r#"<!doctype html><html><head><script type="module" src="https://unpkg.com/rapidoc/dist/rapidoc-min.js"></script></head><body><rapi-doc spec-url="/v3/api-docs" theme="dark"></rapi-doc></body></html>"#;
        assert!(is_api_doc_page(&page(
            "/developer/reference.html",
            200,
            Some(rapidoc)
        )));
        let spa = r#"<!doctype html><html><head><title>Shop</title></head><body><div id="root"></div><script src="/static/js/main.3f2a.js"></script></body></html>"#;
        assert!(!is_api_doc_page(&page("/swagger-ui.html", 200, Some(spa))));
        // A tutorial quoting the markup shows it escaped.
        let tutorial = r##"<html><body><h1>Swagger UI in five minutes</h1><pre>&lt;div id="swagger-ui"&gt;&lt;/div&gt;
SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" })</pre></body></html>"##;
        assert!(!is_api_doc_page(&page(
            "/blog/swagger.html",
            200,
            Some(tutorial)
        )));
    }

    #[test]
    fn multibyte_text_at_the_scan_limit() {
        let body = "文".repeat(SCAN_BYTES / 3 + 1);
        assert!(!looks_like_api_doc_ui(&body));
    }
}
