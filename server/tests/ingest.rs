//! Ingestion over HTTP (SQLite, and PostgreSQL when configured): console uploads of every
//! documented format plain and gzipped, duplicates, rejected lines with line numbers, the
//! token endpoint (NDJSON, gzip, bad token, size limits) and results after the analysis job.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use backend::Backend;
use common::{create_data_source, send, Client, Resp};
use std::io::Write;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/formats/examples");

struct Env {
    _app: common::TestApp,
    backend: Backend,
    router: Router,
    _dir: tempfile::TempDir,
}

/// A test app whose segments go to a temporary directory, with a small ingest body limit.
async fn env(kind: &str) -> Env {
    let app = common::app(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = backend::ingest::IngestConfig::new(dir.path());
    cfg.limits.max_ingest_body_bytes = 64 * 1024;
    let backend = app.backend.clone().with_ingest(cfg);
    let router = server::routes::router(
        backend.clone(),
        server::routes::RouterOptions {
            secure_cookies: false,
        },
    );
    Env {
        _app: app,
        backend,
        router,
        _dir: dir,
    }
}

async fn client(e: &Env, user: &str, pw: &str) -> Client {
    let mut c = Client {
        router: e.router.clone(),
        cookie: None,
    };
    let r = c.login(user, pw).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.body
    );
    c
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

async fn upload(
    e: &Env,
    c: &Client,
    csrf: Option<&str>,
    source: i64,
    name: &str,
    body: Vec<u8>,
) -> Resp {
    let mut b = Request::builder()
        .method("POST")
        .uri(format!("/upload?tenant=demo&region=cn&source={source}"))
        .header(header::HOST, "127.0.0.1:3000")
        .header("x-file-name", name);
    if let Some(cookie) = &c.cookie {
        b = b.header(header::COOKIE, format!("apisec_session={cookie}"));
    }
    if let Some(t) = csrf {
        b = b.header("x-csrf-token", t);
    }
    send(&e.router, b.body(Body::from(body)).unwrap()).await
}

async fn ingest(e: &Env, token: &str, body: Vec<u8>, gz: bool, length: bool) -> Resp {
    let mut b = Request::builder()
        .method("POST")
        .uri("/ingest/v1/logs")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-ndjson");
    if gz {
        b = b.header(header::CONTENT_ENCODING, "gzip");
    }
    if length {
        b = b.header(header::CONTENT_LENGTH, body.len());
    }
    send(&e.router, b.body(Body::from(body)).unwrap()).await
}

async fn count(b: &Backend, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&b.db.pool).await.unwrap()
}

#[tokio::test]
async fn uploads_every_format_plain_and_gzipped() {
    for kind in common::backends() {
        let e = env(kind).await;
        let mut c = client(&e, "demo", "demo-password").await;
        let csrf = c.csrf().await;
        let (plain, _) = create_data_source(&mut c, "plain", "auto").await;
        let (gz, _) = create_data_source(&mut c, "gzipped", "auto").await;
        for (file, format, expected) in [
            ("native.jsonl", "jsonl", 5),
            ("example.har", "har", 0),
            ("nginx.log", "nginx", 5),
            ("waf.jsonl", "waf", 4),
        ] {
            let data = std::fs::read(format!("{EXAMPLES}/{file}")).unwrap();
            let r = upload(&e, &c, Some(&csrf), plain, file, data.clone()).await;
            assert_eq!(r.status, StatusCode::CREATED, "{kind} {file}: {}", r.body);
            let j = r.json();
            assert_eq!(j["duplicate"], false);
            let accepted = j["accepted"].as_i64().unwrap();
            assert!(accepted > 0, "{kind} {file}: {j}");
            if expected > 0 {
                assert_eq!(accepted, expected, "{kind} {file}: {j}");
            }
            assert_eq!(j["rejected"], 0, "{kind} {file}: {j}");
            let seg = j["segment"].as_i64().unwrap();
            let stored_format: String =
                sqlx::query_scalar("SELECT format FROM segments WHERE id = $1")
                    .bind(seg)
                    .fetch_one(&e.backend.db.pool)
                    .await
                    .unwrap();
            assert_eq!(
                stored_format, format,
                "{kind} {file}: auto resolves the format"
            );

            // The same content gzipped, for another source: read through gzip, same counts.
            let name = format!("{file}.gz");
            let r = upload(&e, &c, Some(&csrf), gz, &name, gzip(&data)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{kind} {name}: {}", r.body);
            assert_eq!(
                r.json()["accepted"].as_i64().unwrap(),
                accepted,
                "{kind} {name}"
            );
            let path: String = sqlx::query_scalar("SELECT path FROM segments WHERE id = $1")
                .bind(r.json()["segment"].as_i64().unwrap())
                .fetch_one(&e.backend.db.pool)
                .await
                .unwrap();
            assert!(
                path.ends_with(".log.gz"),
                "{path}: stored compressed as received"
            );
            assert!(std::path::Path::new(&path).is_file());

            // Re-uploading the same file (plain or gzipped: same decompressed content) is a
            // duplicate: same segment, nothing counted twice.
            let before = count(&e.backend, "SELECT COUNT(*) FROM segments").await;
            let r = upload(&e, &c, Some(&csrf), plain, "again", gzip(&data)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(r.json()["duplicate"], true);
            assert_eq!(r.json()["segment"].as_i64().unwrap(), seg);
            assert_eq!(r.json()["message"], "duplicate, already stored");
            assert_eq!(
                count(&e.backend, "SELECT COUNT(*) FROM segments").await,
                before
            );
        }
        // One analysis job queued per scope, not one per upload (coalesced).
        let queued = count(
            &e.backend,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'analysis' AND status = 'queued'",
        )
        .await;
        assert_eq!(queued, 1, "{kind}");
        assert_eq!(count(&e.backend, "SELECT COUNT(*) FROM apis").await, 0);
        let ran = backend::jobs::run_pending(&e.backend, "test:1:0")
            .await
            .unwrap();
        assert_eq!(ran, 1);
        let (status, message): (String, String) =
            sqlx::query_as("SELECT status, message FROM jobs WHERE kind = 'analysis'")
                .fetch_one(&e.backend.db.pool)
                .await
                .unwrap();
        assert_eq!(status, "done", "{kind}: {message}");
        assert!(
            count(&e.backend, "SELECT COUNT(*) FROM apis").await > 0,
            "{kind}"
        );
        // The page's view shows the sources and segments.
        let r = c
            .post("/api/data_sources", &[("tenant", "demo"), ("region", "cn")])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json();
        assert_eq!(v["sources"].as_array().unwrap().len(), 2);
        assert_eq!(v["segments"].as_array().unwrap().len(), 8);
        assert_eq!(v["can_edit"], true);
        let r = c
            .post("/api/scope_jobs", &[("tenant", "demo"), ("region", "cn")])
            .await;
        assert_eq!(r.json()[0]["status"], "done");
    }
}

#[tokio::test]
async fn bad_lines_are_listed_with_line_numbers() {
    for kind in common::backends() {
        let e = env(kind).await;
        let mut c = client(&e, "demo", "demo-password").await;
        let csrf = c.csrf().await;
        let (src, _) = create_data_source(&mut c, "app", "jsonl").await;
        let native = std::fs::read_to_string(format!("{EXAMPLES}/native.jsonl")).unwrap();
        let good = native.lines().next().unwrap();
        let body = format!(
            "{good}\nthis is not json <script>alert(1)</script>\n{{\"time\":\"2024-05-01T09:00:00Z\"}}\n{good}\n"
        );
        let r = upload(&e, &c, Some(&csrf), src, "mixed.jsonl", body.into_bytes()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let j = r.json();
        assert_eq!(
            (j["accepted"].as_i64(), j["rejected"].as_i64()),
            (Some(2), Some(2)),
            "{j}"
        );
        let errors = j["errors"].as_array().unwrap();
        assert_eq!(errors[0]["line"], 2);
        assert_eq!(errors[1]["line"], 3);
        assert!(!errors[0]["reason"].as_str().unwrap().is_empty());
        let seg = j["segment"].as_i64().unwrap().to_string();
        let r = c
            .post(
                "/api/segment_rejections",
                &[("tenant", "demo"), ("region", "cn"), ("segment", &seg)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let rows = r.json();
        assert_eq!(rows.as_array().unwrap().len(), 2);
        assert_eq!(rows[0]["line"], 2);
        assert!(rows[0]["excerpt"]
            .as_str()
            .unwrap()
            .starts_with("this is not json"));
        assert!(rows[1]["reason"].as_str().unwrap().len() > 3);
        // Another tenant cannot read them.
        let mut acme = client(&e, "acme-admin", "acme-password").await;
        let r = acme
            .post(
                "/api/segment_rejections",
                &[("tenant", "demo"), ("region", "cn"), ("segment", &seg)],
            )
            .await;
        assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND);
        let r = acme
            .post(
                "/api/segment_rejections",
                &[("tenant", "acme"), ("region", "cn"), ("segment", &seg)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    }
}

#[tokio::test]
async fn uploads_need_a_session_csrf_and_the_analyst_role() {
    for kind in common::backends() {
        let e = env(kind).await;
        let mut c = client(&e, "demo", "demo-password").await;
        let (src, _) = create_data_source(&mut c, "app", "auto").await;
        let data = b"{}\n".to_vec();
        let anon = Client {
            router: e.router.clone(),
            cookie: None,
        };
        assert_eq!(
            upload(&e, &anon, Some("x"), src, "f", data.clone())
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            upload(&e, &c, None, src, "f", data.clone()).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            upload(&e, &c, Some("forged"), src, "f", data.clone())
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut viewer = client(&e, "viewer", "viewer-password").await;
        let vcsrf = viewer.csrf().await;
        assert_eq!(
            upload(&e, &viewer, Some(&vcsrf), src, "f", data.clone())
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // Viewers cannot create sources either.
        let r = viewer
            .post(
                "/api/create_data_source",
                &[
                    ("tenant", "demo"),
                    ("region", "cn"),
                    ("name", "x"),
                    ("format", "auto"),
                    ("csrf", &vcsrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // A source of another scope (intl) is not found from cn.
        let csrf = c.csrf().await;
        let r = c
            .post(
                "/api/create_data_source",
                &[
                    ("tenant", "demo"),
                    ("region", "intl"),
                    ("name", "abroad"),
                    ("format", "auto"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        let intl = r.json()["id"].as_i64().unwrap();
        assert_eq!(
            upload(&e, &c, Some(&csrf), intl, "f", data.clone())
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // An empty body is refused with a reason.
        let r = upload(&e, &c, Some(&csrf), src, "f", vec![]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.json()["error"].as_str().unwrap().contains("empty"));
        assert_eq!(count(&e.backend, "SELECT COUNT(*) FROM segments").await, 0);
    }
}

#[tokio::test]
async fn token_endpoint_takes_ndjson_and_gzip() {
    for kind in common::backends() {
        let e = env(kind).await;
        let mut c = client(&e, "demo", "demo-password").await;
        let (_, token) = create_data_source(&mut c, "vector", "jsonl").await;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT token_hash FROM data_sources WHERE name = 'vector'")
                .fetch_one(&e.backend.db.pool)
                .await
                .unwrap();
        assert_eq!(
            stored.unwrap(),
            backend::ingest::sha256_hex(token.as_bytes())
        );
        let native = std::fs::read(format!("{EXAMPLES}/native.jsonl")).unwrap();
        let r = ingest(&e, &token, native.clone(), false, true).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let j = r.json();
        assert_eq!(
            (j["accepted"].as_i64(), j["rejected"].as_i64()),
            (Some(5), Some(0))
        );
        assert_eq!(j["duplicate"], false);
        // Retried batch: duplicate, not counted again.
        let r = ingest(&e, &token, native.clone(), false, true).await;
        assert_eq!(r.json()["duplicate"], true);
        // A gzip batch (Vector `compression = "gzip"`) with one bad line.
        let mut batch = String::from_utf8(native.clone()).unwrap();
        batch.push_str("{\"broken\": \n");
        let r = ingest(&e, &token, gzip(batch.as_bytes()), true, false).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let j = r.json();
        assert_eq!(
            (j["accepted"].as_i64(), j["rejected"].as_i64()),
            (Some(5), Some(1))
        );
        assert_eq!(j["errors"][0]["line"], 6);
        assert_eq!(
            count(
                &e.backend,
                "SELECT COUNT(*) FROM segments WHERE origin = 'ingest'"
            )
            .await,
            2
        );
        // Bad or missing token: 401.
        let r = ingest(&e, "not-a-token", native.clone(), false, true).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.headers.get(header::WWW_AUTHENTICATE).is_some());
        let r = ingest(&e, "", native.clone(), false, true).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // Over the body limit (64 KiB here): 413, declared or streamed.
        let big = native.repeat(64 * 1024 / native.len() + 2);
        assert_eq!(
            ingest(&e, &token, big.clone(), false, true).await.status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let r = ingest(&e, &token, big, false, false).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("limit"));
        // A decompression bomb: 30 MB of one byte, gzipped to a few KiB.
        let bomb = gzip(&vec![b'a'; 30 << 20]);
        assert!(bomb.len() < 64 * 1024);
        let r = ingest(&e, &token, bomb, true, true).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("decompresses"));
        // Unsupported encodings are refused.
        let mut req = Request::builder()
            .method("POST")
            .uri("/ingest/v1/logs")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_ENCODING, "br");
        req = req.header(header::CONTENT_LENGTH, 3);
        let r = send(&e.router, req.body(Body::from("abc")).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // No temporary files are left behind by the refused bodies.
        let leftovers = walk(&e.backend.ingest.data_dir)
            .into_iter()
            .filter(|p| p.contains(".incoming-"))
            .count();
        assert_eq!(leftovers, 0);
        // Results appear after the job.
        backend::jobs::run_pending(&e.backend, "test:1:0")
            .await
            .unwrap();
        assert!(count(&e.backend, "SELECT COUNT(*) FROM apis").await > 0);
    }
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for entry in rd.flatten() {
            let p = entry.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

#[tokio::test]
async fn retention_purges_old_segments_and_reanalyses() {
    for kind in common::backends() {
        let e = env(kind).await;
        let mut c = client(&e, "demo", "demo-password").await;
        let csrf = c.csrf().await;
        let (src, _) = create_data_source(&mut c, "app", "auto").await;
        let data = std::fs::read(format!("{EXAMPLES}/native.jsonl")).unwrap();
        let r = upload(&e, &c, Some(&csrf), src, "a.jsonl", data).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        backend::jobs::run_pending(&e.backend, "t").await.unwrap();
        assert!(count(&e.backend, "SELECT COUNT(*) FROM apis").await > 0);
        // Retention is an admin setting.
        let r = c
            .post(
                "/api/set_retention",
                &[("tenant", "demo"), ("days", "1"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mut admin = client(&e, "admin", common::ADMIN_PW).await;
        let acsrf = admin.csrf().await;
        let r = admin
            .post(
                "/api/set_retention",
                &[("tenant", "demo"), ("days", "1"), ("csrf", &acsrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // Two days later the retention job purges the file and re-analysis empties results.
        e._app.clock.advance(chrono::Duration::days(2));
        let path: String = sqlx::query_scalar("SELECT path FROM segments")
            .fetch_one(&e.backend.db.pool)
            .await
            .unwrap();
        backend::jobs::enqueue(&e.backend, None, backend::jobs::KIND_RETENTION, "test")
            .await
            .unwrap();
        backend::jobs::run_pending(&e.backend, "t").await.unwrap();
        assert!(!std::path::Path::new(&path).exists());
        assert_eq!(
            count(
                &e.backend,
                "SELECT COUNT(*) FROM segments WHERE purged_at IS NOT NULL"
            )
            .await,
            1
        );
        assert_eq!(count(&e.backend, "SELECT COUNT(*) FROM apis").await, 0);
    }
}
