//! API documentation UIs served as `.html` files (springfox, springdoc, Swashbuckle, ReDoc,
//! RapiDoc) are APIs for discovery, so `openapi_doc_leak` is reported when only the UI page is
//! in the log; ordinary static pages, tutorials about Swagger, single-page-app fallbacks and
//! scanners' 404 probes stay out of the inventory. The whole analysis runs on native JSON Lines
//! written by hand in the shape these frameworks really serve.

use engine::analyze::{analyze_files_with, AnalyzeOptions};
use engine::client::ClientClassifier;
use engine::report::Report;
use serde_json::{json, Value};
use std::io::Write;

const BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

/// springfox-swagger-ui 2.9 `swagger-ui.html` (trimmed styles).
const SPRINGFOX: &str = r#"<!-- HTML for static distribution bundle build -->
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Swagger UI</title>
  <link rel="stylesheet" type="text/css" href="webjars/springfox-swagger-ui/swagger-ui.css" >
  <link rel="icon" type="image/png" href="webjars/springfox-swagger-ui/favicon-32x32.png" sizes="32x32" />
  <style>
    html { box-sizing: border-box; overflow: -moz-scrollbars-vertical; overflow-y: scroll; }
    body { margin:0; background: #fafafa; }
  </style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="webjars/springfox-swagger-ui/springfox.js"> </script>
<script src="webjars/springfox-swagger-ui/swagger-ui-bundle.js"> </script>
<script src="webjars/springfox-swagger-ui/swagger-ui-standalone-preset.js"> </script>
</body>
</html>"#;

/// Swashbuckle (ASP.NET Core) `/swagger/index.html` with a custom document title.
const SWASHBUCKLE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8">
    <title>Contoso Orders API v1</title>
    <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
    <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32" />
</head>
<body>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js" charset="utf-8"></script>
    <script src="./swagger-ui-standalone-preset.js" charset="utf-8"></script>
    <script src="index.js" charset="utf-8"></script>
</body>
</html>"#;

/// ReDoc's standalone page.
const REDOC: &str = r#"<!DOCTYPE html>
<html>
  <head>
    <title>Billing API Reference</title>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style> body { margin: 0; padding: 0; } </style>
  </head>
  <body>
    <redoc spec-url="/openapi/billing.yaml" hide-download-button></redoc>
    <script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"> </script>
  </body>
</html>"#;

/// RapiDoc under a name of the team's own choosing.
const RAPIDOC: &str = r#"<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <script type="module" src="https://unpkg.com/rapidoc/dist/rapidoc-min.js"></script>
</head>
<body>
  <rapi-doc spec-url="/v3/api-docs" theme="light" render-style="read"></rapi-doc>
</body>
</html>"#;

/// A product page and a tutorial that talk about Swagger and quote its markup as text.
const ABOUT: &str = r#"<!DOCTYPE html><html><head><title>About Acme Pay</title></head><body><h1>Payments for every business</h1><p>Our REST API follows OpenAPI 3.1; download the Swagger file from the developer portal.</p><script src="/assets/site.js"></script></body></html>"#;
const TUTORIAL: &str = r##"<!DOCTYPE html><html><head><title>Embedding Swagger UI in Spring Boot</title></head><body><article><h1>Embedding Swagger UI</h1><p>Add springfox and open <code>/swagger-ui.html</code>, or serve the bundle yourself:</p><pre><code>&lt;div id="swagger-ui"&gt;&lt;/div&gt;
&lt;script src="swagger-ui-bundle.js"&gt;&lt;/script&gt;
&lt;script&gt;SwaggerUIBundle({ url: "/v3/api-docs", dom_id: "#swagger-ui" })&lt;/script&gt;</code></pre></article></body></html>"##;
/// A single-page app that answers every unknown path with its shell.
const SPA_SHELL: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme Console</title><link href="/static/css/main.8c1f.css" rel="stylesheet"></head><body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div><script src="/static/js/main.3f2a.js"></script></body></html>"#;
const NOT_FOUND: &str = r#"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>"#;

fn page(host: &str, path: &str, status: u16, body: Option<&str>) -> Value {
    let mut r = json!({
        "time": "2026-03-02T09:00:00Z", "host": host, "method": "GET", "path": path,
        "scheme": "https", "client_ip": "198.51.100.23", "status": status,
        "request_headers": {"user-agent": BROWSER, "accept": "text/html,application/xhtml+xml"},
        "response_headers": {"content-type": "text/html; charset=utf-8"},
    });
    if let Some(b) = body {
        r["response_body"] = b.into();
    }
    r
}

fn analyze(records: &[Value]) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc-pages.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    for r in records {
        writeln!(f, "{r}").unwrap();
    }
    drop(f);
    let report = analyze_files_with(
        &[path],
        &AnalyzeOptions::default(),
        ClientClassifier::without_geo(),
    )
    .unwrap();
    assert_eq!(report.summary.records, records.len() as u64);
    report
}

fn has_api(report: &Report, host: &str, path: &str) -> bool {
    report.apis.iter().any(|a| a.host == host && a.path == path)
}

fn doc_leak_on(report: &Report, host: &str) -> bool {
    report
        .risks
        .iter()
        .any(|r| r.host == host && r.key == "openapi_doc_leak")
}

#[test]
fn documentation_ui_pages_are_apis_with_the_leak_risk() {
    let cases = [
        ("orders.example.com", "/swagger-ui.html", SPRINGFOX),
        ("inventory.example.com", "/swagger-ui/index.html", SPRINGFOX),
        ("contoso.example.com", "/swagger/index.html", SWASHBUCKLE),
        ("billing.example.com", "/redoc.html", REDOC),
        ("partners.example.com", "/developer/reference.html", RAPIDOC),
    ];
    let records: Vec<Value> = cases
        .iter()
        .map(|(h, p, b)| page(h, p, 200, Some(b)))
        .collect();
    let report = analyze(&records);
    for (host, path, _) in cases {
        assert!(has_api(&report, host, path), "{host}{path} not inventoried");
        assert!(
            doc_leak_on(&report, host),
            "no openapi_doc_leak on {host}{path}"
        );
    }
}

#[test]
fn a_known_doc_page_without_a_body_is_inventoried() {
    // Access logs without bodies (nginx): the well-known name and a 200 are all there is.
    let report = analyze(&[page("legacy.example.com", "/swagger-ui.html", 200, None)]);
    assert!(has_api(&report, "legacy.example.com", "/swagger-ui.html"));
}

#[test]
fn ordinary_pages_tutorials_fallbacks_and_probes_stay_static() {
    let records = [
        page("www.example.com", "/about.html", 200, Some(ABOUT)),
        page(
            "www.example.com",
            "/blog/swagger-ui-spring-boot.html",
            200,
            Some(TUTORIAL),
        ),
        page(
            "console.example.com",
            "/swagger-ui.html",
            200,
            Some(SPA_SHELL),
        ),
        page("shop.example.com", "/swagger-ui.html", 404, Some(NOT_FOUND)),
        page("shop.example.com", "/api-docs.html", 404, None),
    ];
    let report = analyze(&records);
    assert!(report.apis.is_empty(), "{:?}", report.apis);
    assert!(report.risks.is_empty(), "{:?}", report.risks);
}
