//! Test harness: the real router over a temporary SQLite file or a fresh PostgreSQL schema,
//! driven through HTTP with a one-cookie jar.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use backend::clock::OffsetClock;
use backend::tenancy::Role;
use backend::Backend;
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

/// Runs `$body` once per database backend of [`backends`], with `$app` a fresh [`app`] of it.
/// Test files that use it declare `#[macro_use] mod common;`.
#[allow(unused_macros)]
macro_rules! each_db {
    ($app:ident => $body:block) => {
        for kind in $crate::common::backends() {
            eprintln!("-- database: {kind}");
            let $app = $crate::common::app(kind).await;
            $body
        }
    };
}

pub const ADMIN_PW: &str = "admin-password-1";

pub struct TestApp {
    pub router: Router,
    pub backend: Backend,
    pub clock: Arc<OffsetClock>,
    pub database_url: String,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Drop the per-test PostgreSQL schema (best effort, on a fresh runtime-less thread).
        if let Some((base, schema)) = self.pg_schema.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(db) = backend::Db::connect(&base).await {
                        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .execute(&db.pool)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Which databases to run against: SQLite always; PostgreSQL when `APISEC_TEST_POSTGRES_URL`
/// is set (in CI, `CI=true`, it must be set and reachable).
pub fn backends() -> Vec<&'static str> {
    let pg = std::env::var("APISEC_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match (pg, ci) {
        (Some(_), _) => vec!["sqlite", "postgres"],
        (None, true) => panic!("CI=true but APISEC_TEST_POSTGRES_URL is not set: PostgreSQL tests cannot be skipped in CI"),
        (None, false) => {
            eprintln!("note: APISEC_TEST_POSTGRES_URL not set, PostgreSQL tests skipped");
            vec!["sqlite"]
        }
    }
}

pub async fn app(kind: &str) -> TestApp {
    let clock = OffsetClock::new();
    let (url, dir, pg_schema) = if kind == "postgres" {
        let base = std::env::var("APISEC_TEST_POSTGRES_URL").unwrap();
        let schema = format!("t_{}", backend_token());
        let db = backend::Db::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} unreachable: {e}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&db.pool)
            .await
            .unwrap();
        db.pool.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        (url, None, Some((base, schema)))
    } else {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/apisec.db", dir.path().display());
        (url, Some(dir), None)
    };
    let backend = Backend::open(&url, clock.clone()).await.unwrap();
    backend::seed::bootstrap(&backend, Some(ADMIN_PW))
        .await
        .unwrap();
    backend::seed::add_user(&backend, "Acme", "acme-admin", "acme-password", Role::Admin)
        .await
        .unwrap();
    let router = server::routes::router(
        backend.clone(),
        server::routes::RouterOptions {
            secure_cookies: false,
        },
    );
    TestApp {
        router,
        backend,
        clock,
        database_url: url,
        _dir: dir,
        pg_schema,
    }
}

fn backend_token() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}{:x}", n, std::process::id())
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// A browser-less client with one session cookie.
pub struct Client {
    pub router: Router,
    pub cookie: Option<String>,
}

impl Client {
    pub fn new(app: &TestApp) -> Self {
        Self {
            router: app.router.clone(),
            cookie: None,
        }
    }

    async fn send(&mut self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            if let Some(value) = pair.strip_prefix("apisec_session=") {
                let removed = value.is_empty() || v.contains("Max-Age=0");
                self.cookie = (!removed).then(|| value.to_string());
            }
        }
        into_resp(res).await
    }

    fn builder(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "127.0.0.1:3000");
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, format!("apisec_session={c}"));
        }
        b
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = self.builder("GET", path).body(Body::empty()).unwrap();
        self.send(req).await
    }

    /// POSTs a form to a server function (or any path), with extra headers.
    pub async fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Resp {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut b = self
            .builder("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// Any request with the session cookie: extra headers and a raw body (uploads).
    pub async fn request(
        &mut self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Resp {
        let mut b = self.builder(method, uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(body).unwrap()).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        self.post_with(path, form, &[]).await
    }

    /// The session's CSRF token (creates the session if needed).
    pub async fn csrf(&mut self) -> String {
        let r = self.post("/api/session", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["csrf"].as_str().unwrap().to_string()
    }

    pub async fn login(&mut self, user: &str, password: &str) -> Resp {
        let csrf = self.csrf().await;
        self.post(
            "/api/login",
            &[
                ("username", user),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/overview"),
            ],
        )
        .await
    }

    pub async fn signed_in(app: &TestApp, user: &str, password: &str) -> Self {
        let mut c = Client::new(app);
        let r = c.login(user, password).await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "login {user}: {} {}",
            r.status,
            r.body
        );
        c
    }

    /// Calls `api_security_action` for `tenant`.
    pub async fn lifecycle(&mut self, tenant: &str, action: &str) -> Resp {
        let csrf = self.csrf().await;
        self.post(
            "/api/api_security_action",
            &[("tenant", tenant), ("action", action), ("csrf", &csrf)],
        )
        .await
    }
}

/// Sends `req` to `router` without a cookie jar.
pub async fn send(router: &Router, req: Request<Body>) -> Resp {
    into_resp(router.clone().oneshot(req).await.unwrap()).await
}

/// Reads a whole response.
pub async fn into_resp(res: axum::response::Response) -> Resp {
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Creates a data source of the Demo tenant (region cn): its id and ingestion token.
pub async fn create_data_source(c: &mut Client, name: &str, format: &str) -> (i64, String) {
    let csrf = c.csrf().await;
    let r = c
        .post(
            "/api/create_data_source",
            &[
                ("tenant", "demo"),
                ("region", "cn"),
                ("name", name),
                ("format", format),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    (
        j["id"].as_i64().unwrap(),
        j["token"].as_str().unwrap().to_string(),
    )
}

/// Percent-encodes a form or query value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Adds one analysis row for the tenant (stands in for engine output).
pub async fn add_analysis_row(app: &TestApp, slug: &str) -> i64 {
    let id: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(slug)
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO analysis_runs (tenant_id, region, created_at) VALUES ($1, 'cn', $2)")
        .bind(id)
        .bind(app.backend.now_ms())
        .execute(&app.backend.db.pool)
        .await
        .unwrap();
    id
}

/// The Demo tenant's first resource group, region cn: where the tests store findings.
pub async fn demo_scope(app: &TestApp) -> backend::scope::Scope {
    let (tenant_id, rg_id): (i64, i64) = sqlx::query_as(
        "SELECT t.id, g.id FROM tenants t JOIN resource_groups g ON g.tenant_id = t.id
         WHERE t.slug = 'demo' ORDER BY g.id LIMIT 1",
    )
    .fetch_one(&app.backend.db.pool)
    .await
    .unwrap();
    backend::scope::Scope {
        tenant_id,
        rg_id,
        region: backend::tenancy::Region::Cn,
    }
}

/// Findings of `days` days of demo traffic at `records_per_day` (analysed once per test binary
/// and size: analysis is slow in debug builds).
pub fn analysed_demo(days: u32, records_per_day: u64) -> &'static engine::pipeline::Findings {
    use engine::analyze::{analyze_paths, AnalyzeOptions};
    use engine::client::ClientClassifier;
    use engine::demo::{Generator, GeneratorConfig};
    use engine::pipeline::{AnalysisConfig, Findings};
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<(u32, u64), &'static Findings>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache.entry((days, records_per_day)).or_insert_with(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.jsonl");
        let g = Generator::new(GeneratorConfig {
            days,
            records_per_day,
            ..GeneratorConfig::default()
        });
        g.write_to(std::fs::File::create(&path).unwrap()).unwrap();
        let f = analyze_paths(
            &[path],
            &AnalyzeOptions::default(),
            &AnalysisConfig::default(),
            ClientClassifier::without_geo(),
            &|_| {},
        )
        .unwrap()
        .findings;
        Box::leak(Box::new(f))
    })
}

/// Findings of two days of demo traffic, with risks and events in them.
pub fn demo_findings() -> engine::pipeline::Findings {
    let f = analysed_demo(2, 3_000);
    assert!(f.risks.len() > 5, "demo traffic yields risks");
    assert!(f.events.len() > 2, "demo traffic yields events");
    f.clone()
}

/// Turns API security on for the Demo tenant (admin: consent, then trial).
pub async fn enable_demo_api_security(app: &TestApp) {
    let mut admin = Client::signed_in(app, "admin", ADMIN_PW).await;
    assert_eq!(
        admin.lifecycle("demo", "consent").await.status,
        StatusCode::OK
    );
    assert_eq!(
        admin.lifecycle("demo", "trial").await.status,
        StatusCode::OK
    );
}
