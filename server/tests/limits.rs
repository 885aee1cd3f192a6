//! Resource limits (issue 11), each set small, each answering with a clear error: upload size,
//! line length and decompressed size on the console upload (the token endpoint's body limit and
//! the gzip ratio are in `ingest.rs`; the statement timeout below); and the
//! documented variables are the ones read.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::*;
use std::io::Write;

/// The router over `app`'s database with small ingest limits.
fn limited(app: &TestApp, dir: &std::path::Path) -> axum::Router {
    let mut cfg = backend::ingest::IngestConfig::new(dir);
    cfg.limits.max_upload_bytes = 4096;
    cfg.limits.max_line_bytes = 256;
    cfg.limits.max_decompressed_bytes = 8192;
    cfg.limits.max_gzip_ratio = 1000;
    server::routes::router(
        app.backend.clone().with_ingest(cfg),
        server::routes::RouterOptions {
            secure_cookies: false,
        },
    )
}

fn line(path: &str) -> String {
    format!(
        "{{\"time\":\"2026-11-20T08:00:00Z\",\"host\":\"shop.example.com\",\"method\":\"GET\",\"path\":\"{path}\",\"status\":200,\"client_ip\":\"10.0.0.1\"}}\n"
    )
}

async fn upload(c: &mut Client, source: &str, body: Vec<u8>) -> Resp {
    let csrf = c.csrf().await;
    c.request(
        "POST",
        &format!("/upload?tenant=demo&region=cn&source={source}"),
        &[("x-csrf-token", &csrf)],
        Body::from(body),
    )
    .await
}

#[tokio::test]
async fn each_ingest_limit_answers_with_a_clear_error() {
    for kind in backends() {
        eprintln!("-- database: {kind}");
        let app = app(kind).await;
        let dir = tempfile::tempdir().unwrap();
        let mut c = Client::signed_in(&app, "admin", ADMIN_PW).await;
        c.router = limited(&app, dir.path());
        let (source, _) = create_data_source(&mut c, "limits", "jsonl").await;
        let source = source.to_string();

        // Line length: the long line is rejected with the cap in the reason, the rest is kept.
        let long = line(&format!("/api/{}", "x".repeat(400)));
        let body = format!("{}{long}{}", line("/api/a"), line("/api/b"));
        let r = upload(&mut c, &source, body.into_bytes()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        assert_eq!(
            (v["accepted"].as_i64(), v["rejected"].as_i64()),
            (Some(2), Some(1)),
            "{v}"
        );
        let reason = v["errors"][0]["reason"].as_str().unwrap();
        assert!(reason.contains("256 bytes"), "{reason}");

        // Upload size: 413 with the limit in the message, nothing stored.
        let big: String = (0..40).map(|i| line(&format!("/api/items/{i}"))).collect();
        assert!(big.len() > 4096);
        let r = upload(&mut c, &source, big.into_bytes()).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert!(
            r.json()["error"].as_str().unwrap().contains("4096 bytes"),
            "{}",
            r.body
        );

        // Decompressed size: a small gzip that inflates past 8 KiB.
        let plain: String = (0..200).map(|i| line(&format!("/api/items/{i}"))).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(plain.as_bytes()).unwrap();
        let packed = gz.finish().unwrap();
        assert!(packed.len() < 4096 && plain.len() > 8192);
        let r = upload(&mut c, &source, packed).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert!(
            r.body.contains("APISEC_MAX_DECOMPRESSED_BYTES"),
            "{}",
            r.body
        );

        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM segments")
            .fetch_one(&app.backend.db.pool)
            .await
            .unwrap();
        assert_eq!(stored, 1, "only the first upload was stored");
    }
}

#[tokio::test]
async fn statement_timeout_stops_long_queries_with_a_clear_error() {
    use backend::db::{Db, DbOptions};
    use backend::Error;
    let one_sec = DbOptions {
        statement_timeout: Some(std::time::Duration::from_secs(1)),
    };
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_with(&format!("sqlite://{}/t.db", dir.path().display()), one_sec)
        .await
        .unwrap();
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(busy, 1000, "SQLite waits for a lock at most the limit");
    let Some(pg) = std::env::var("APISEC_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        eprintln!("note: APISEC_TEST_POSTGRES_URL not set, PostgreSQL part skipped");
        return;
    };
    let db = Db::connect_with(&pg, one_sec).await.unwrap();
    let err = sqlx::query("SELECT pg_sleep(3)")
        .execute(&db.pool)
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
    assert_eq!(err.status(), 503);
    assert!(err.to_string().contains("APISEC_DB_STATEMENT_TIMEOUT_SECS"));
    // Short statements are unaffected.
    sqlx::query("SELECT pg_sleep(0.1)")
        .execute(&db.pool)
        .await
        .unwrap();
}

#[test]
fn documented_limit_variables_are_the_ones_read() {
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/ingestion.md"))
            .unwrap();
    let vars = [
        "APISEC_MAX_UPLOAD_BYTES",
        "APISEC_MAX_INGEST_BODY_BYTES",
        "APISEC_MAX_LINE_BYTES",
        "APISEC_MAX_DECOMPRESSED_BYTES",
        "APISEC_MAX_GZIP_RATIO",
    ];
    let limits = backend::ingest::Limits::from_lookup(|k| {
        vars.iter()
            .position(|v| *v == k)
            .map(|i| (1000 + i).to_string())
    })
    .unwrap();
    assert_eq!(
        (
            limits.max_upload_bytes,
            limits.max_ingest_body_bytes,
            limits.max_line_bytes as u64,
            limits.max_decompressed_bytes,
            limits.max_gzip_ratio
        ),
        (1000, 1001, 1002, 1003, 1004)
    );
    for v in vars {
        assert!(
            docs.contains(v),
            "{v} is not documented in docs/ingestion.md"
        );
    }
    let err = backend::ingest::Limits::from_lookup(|k| {
        (k == "APISEC_MAX_LINE_BYTES").then(|| "lots".into())
    })
    .unwrap_err();
    assert!(err.contains("APISEC_MAX_LINE_BYTES"), "{err}");
    let security =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/security.md"))
            .unwrap();
    for v in [
        "APISEC_DB_STATEMENT_TIMEOUT_SECS",
        "APISEC_SESSION_IDLE_MINUTES",
        "APISEC_SESSION_MAX_HOURS",
    ] {
        assert!(
            security.contains(v),
            "{v} is not documented in docs/security.md"
        );
    }
}
