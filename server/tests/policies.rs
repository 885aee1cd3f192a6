//! Custom policies through HTTP (server functions of the Policies page) and the analysis
//! configuration built from them, on SQLite and PostgreSQL.

#[macro_use]
mod common;

use axum::http::StatusCode;
use backend::scope::Scope;
use common::*;
use std::io::Write;

const SENSITIVE: &str = r#"{"name":"Employee ID","regex":"EMP-\\d{6}","fields":[],"keywords":[],"level":"S3","category":"hr"}"#;
const PURPOSE: &str = r#"{"name":"Coupons","hosts":["shop.example.com"],"methods":["POST"],"path_regex":"^/api/coupons","param_names":[],"purpose":"user_authentication","type":"logon"}"#;
const RISK: &str = r#"{"name":"Debug header","level":"high","suggestion":"Remove the debug header.","conditions":[{"kind":"content","part":"response_headers","regex":"(?i)x-debug-token"}]}"#;
const EVENT: &str = r#"{"name":"Export probing","condition":{"path":"/api/*/export","status":["4xx"]},"group_by":"ip","threshold":3,"window_secs":60,"level":"medium","suggestion":"Block the source."}"#;

async fn save(c: &mut Client, kind: &str, id: Option<i64>, definition: &str) -> Resp {
    let csrf = c.csrf().await;
    let id = id.map(|i| i.to_string());
    let mut form = vec![
        ("tenant", "demo"),
        ("kind", kind),
        ("definition", definition),
        ("csrf", csrf.as_str()),
    ];
    if let Some(id) = &id {
        form.push(("id", id.as_str()));
    }
    c.post("/api/policy_save", &form).await
}

async fn list(c: &mut Client, kind: &str) -> serde_json::Value {
    let r = c
        .post("/api/policies", &[("tenant", "demo"), ("kind", kind)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn create_edit_toggle_delete_each_kind() {
    each_db!(app => {
        enable_demo_api_security(&app).await;
        let mut c = Client::signed_in(&app, "demo", "demo-password").await;
        for (kind, def, renamed) in [
            ("purpose", PURPOSE, PURPOSE.replace("Coupons", "Coupon codes")),
            ("sensitive", SENSITIVE, SENSITIVE.replace("Employee ID", "Staff number")),
            ("risk", RISK, RISK.replace("Debug header", "Debug token")),
            ("event", EVENT, EVENT.replace("Export probing", "Export scans")),
        ] {
            let r = save(&mut c, kind, None, def).await;
            assert_eq!(r.status, StatusCode::OK, "{kind}: {}", r.body);
            let row = r.json();
            let id = row["id"].as_i64().unwrap();
            assert_eq!(row["kind"], kind);
            assert_eq!(row["enabled"], true);
            assert!(!row["summary"].as_str().unwrap().is_empty());

            // the same name twice is refused, next to the name field
            let dup = save(&mut c, kind, None, def).await;
            assert_eq!(dup.status, StatusCode::BAD_REQUEST, "{}", dup.body);
            assert!(dup.body.contains("name: another"), "{}", dup.body);

            let r = save(&mut c, kind, Some(id), &renamed).await;
            assert_eq!(r.status, StatusCode::OK, "{kind} edit: {}", r.body);
            assert_eq!(r.json()["id"], id);
            let v = list(&mut c, kind).await;
            assert_eq!(v["custom"].as_array().unwrap().len(), 1);
            assert_ne!(v["custom"][0]["name"], row["name"], "renamed");
            assert!(v["builtin"].as_array().unwrap().len() >= 9, "built-ins listed");
            assert_eq!(v["can_edit"], true);

            // an edit with the wrong kind is refused
            let other = if kind == "risk" { "event" } else { "risk" };
            let wrong = save(&mut c, other, Some(id), if kind == "risk" { EVENT } else { RISK }).await;
            assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);

            let csrf = c.csrf().await;
            let r = c.post("/api/policy_enable", &[("tenant", "demo"), ("id", &id.to_string()), ("enabled", "false"), ("csrf", &csrf)]).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(r.json()["enabled"], false);

            let r = c.post("/api/policy_delete", &[("tenant", "demo"), ("id", &id.to_string()), ("csrf", &csrf)]).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert!(list(&mut c, kind).await["custom"].as_array().unwrap().is_empty());
            let again = c.post("/api/policy_delete", &[("tenant", "demo"), ("id", &id.to_string()), ("csrf", &csrf)]).await;
            assert_eq!(again.status, StatusCode::NOT_FOUND);
        }
        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'policy.%' ORDER BY id")
            .fetch_all(&app.backend.db.pool).await.unwrap();
        assert_eq!(actions.len(), 16, "{actions:?}");
        for a in ["policy.created", "policy.updated", "policy.disabled", "policy.deleted"] {
            assert_eq!(actions.iter().filter(|x| *x == a).count(), 4, "{a}: {actions:?}");
        }
    });
}

#[tokio::test]
async fn invalid_definitions_are_rejected_with_the_field() {
    each_db!(app => {
        enable_demo_api_security(&app).await;
        let mut c = Client::signed_in(&app, "demo", "demo-password").await;
        let bad = SENSITIVE.replace(r"EMP-\\d{6}", "EMP-(\\\\d{6}");
        let r = save(&mut c, "sensitive", None, &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("regex: invalid regular expression"), "{}", r.body);
        assert!(r.body.contains("unclosed group"), "{}", r.body);

        let bad = PURPOSE.replace("^/api/coupons", "[a-");
        let r = save(&mut c, "purpose", None, &bad).await;
        assert!(r.body.contains("path_regex: invalid regular expression"), "{}", r.body);
        let bad = PURPOSE.replace("\"logon\"", "\"wechat_registration\"");
        let r = save(&mut c, "purpose", None, &bad).await;
        assert!(r.body.contains("type: the type"), "{}", r.body);

        let bad = RISK.replace("(?i)x-debug-token", "(?<bad");
        let r = save(&mut c, "risk", None, &bad).await;
        assert!(r.body.contains("conditions.0: invalid regular expression"), "{}", r.body);
        let bad = RISK.replace("Remove the debug header.", " ");
        let r = save(&mut c, "risk", None, &bad).await;
        assert!(r.body.contains("suggestion: the suggestion is empty"), "{}", r.body);

        let bad = EVENT.replace("\"threshold\":3", "\"threshold\":0");
        let r = save(&mut c, "event", None, &bad).await;
        assert!(r.body.contains("threshold: the threshold"), "{}", r.body);
        let bad = EVENT.replace("4xx", "9xx");
        let r = save(&mut c, "event", None, &bad).await;
        assert!(r.body.contains("condition.status: invalid status"), "{}", r.body);

        let r = save(&mut c, "nonsense", None, EVENT).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = save(&mut c, "event", None, "{not json").await;
        assert!(r.body.contains("definition: invalid event rule"), "{}", r.body);
        assert!(list(&mut c, "sensitive").await["custom"].as_array().unwrap().is_empty());
    });
}

#[tokio::test]
async fn roles_tenants_csrf_and_edition_are_enforced() {
    each_db!(app => {
        // not enabled yet: even an analyst is refused
        let mut demo = Client::signed_in(&app, "demo", "demo-password").await;
        assert_eq!(save(&mut demo, "sensitive", None, SENSITIVE).await.status, StatusCode::FORBIDDEN);
        assert_eq!(demo.post("/api/policies", &[("tenant", "demo"), ("kind", "risk")]).await.status, StatusCode::FORBIDDEN);
        enable_demo_api_security(&app).await;

        let created = save(&mut demo, "sensitive", None, SENSITIVE).await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        let id = created.json()["id"].as_i64().unwrap().to_string();

        // viewer reads but cannot change
        let mut viewer = Client::signed_in(&app, "viewer", "viewer-password").await;
        let v = viewer.post("/api/policies", &[("tenant", "demo"), ("kind", "sensitive")]).await;
        assert_eq!(v.status, StatusCode::OK);
        assert_eq!(v.json()["can_edit"], false);
        assert_eq!(save(&mut viewer, "risk", None, RISK).await.status, StatusCode::FORBIDDEN);
        let csrf = viewer.csrf().await;
        assert_eq!(viewer.post("/api/policy_delete", &[("tenant", "demo"), ("id", &id), ("csrf", &csrf)]).await.status, StatusCode::FORBIDDEN);

        // CSRF token missing or wrong
        let r = demo.post("/api/policy_save", &[("tenant", "demo"), ("kind", "risk"), ("definition", RISK), ("csrf", "forged")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = demo.post("/api/policy_save", &[("tenant", "demo"), ("kind", "risk"), ("definition", RISK)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "missing token: {}", r.body);
        let r = demo.post("/api/policy_delete", &[("tenant", "demo"), ("id", &id), ("csrf", "")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // another tenant cannot see or touch the Demo tenant's policies, and the other way round
        let mut acme = Client::signed_in(&app, "acme-admin", "acme-password").await;
        assert_eq!(acme.post("/api/policies", &[("tenant", "demo"), ("kind", "sensitive")]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(acme.lifecycle("acme", "consent").await.status, StatusCode::OK);
        assert_eq!(acme.lifecycle("acme", "trial").await.status, StatusCode::OK);
        let csrf = acme.csrf().await;
        let r = acme.post("/api/policy_delete", &[("tenant", "acme"), ("id", &id), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "a Demo policy id through the Acme tenant");
        let r = acme.post("/api/policy_save", &[("tenant", "acme"), ("kind", "sensitive"), ("id", &id), ("definition", SENSITIVE), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let acme_list = acme.post("/api/policies", &[("tenant", "acme"), ("kind", "sensitive")]).await;
        assert!(acme_list.json()["custom"].as_array().unwrap().is_empty());
        assert_eq!(demo.post("/api/policies", &[("tenant", "acme"), ("kind", "sensitive")]).await.status, StatusCode::NOT_FOUND);
        // custom type IDs are per tenant: Acme's first is 100000 as well
        let r = acme.post("/api/policy_save", &[("tenant", "acme"), ("kind", "sensitive"), ("definition", SENSITIVE), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.json()["definition"].as_str().unwrap().contains("\"id\":100000"));
    });
}

#[tokio::test]
async fn analysis_config_has_the_enabled_policies_and_finds_custom_data() {
    each_db!(app => {
        enable_demo_api_security(&app).await;
        let mut c = Client::signed_in(&app, "demo", "demo-password").await;
        let s1 = save(&mut c, "sensitive", None, SENSITIVE).await.json();
        let second = SENSITIVE.replace("Employee ID", "Badge").replace(r"EMP-\\d{6}", r"BADGE-\\d{4}");
        let s2 = save(&mut c, "sensitive", None, &second).await.json();
        let third = SENSITIVE.replace("Employee ID", "Locker").replace(r"EMP-\\d{6}", r"LOCK-\\d{3}");
        let s3 = save(&mut c, "sensitive", None, &third).await.json();
        assert!(s1["definition"].as_str().unwrap().contains("\"id\":100000"), "{s1}");
        assert!(s2["definition"].as_str().unwrap().contains("\"id\":100001"), "{s2}");
        assert!(s3["definition"].as_str().unwrap().contains("\"id\":100002"), "{s3}");
        // the ID survives an edit
        let edited = save(&mut c, "sensitive", s2["id"].as_i64(), &second.replace("S3", "S4")).await.json();
        assert!(edited["definition"].as_str().unwrap().contains("\"id\":100001"), "{edited}");

        let risk = save(&mut c, "risk", None, RISK).await.json();
        save(&mut c, "event", None, EVENT).await;
        save(&mut c, "purpose", None, PURPOSE).await;
        // disable one sensitive policy and the risk rule
        let csrf = c.csrf().await;
        for id in [s3["id"].as_i64().unwrap(), risk["id"].as_i64().unwrap()] {
            let r = c.post("/api/policy_enable", &[("tenant", "demo"), ("id", &id.to_string()), ("enabled", "false"), ("csrf", &csrf)]).await;
            assert_eq!(r.status, StatusCode::OK);
        }

        let scope = demo_scope(&app).await;
        let config = backend::policies::analysis_config(&app.backend, scope).await.unwrap();
        let ids: Vec<u32> = config.sensitive_policies.iter().map(|p| p.id).collect();
        assert_eq!(ids, vec![100_000, 100_001]);
        assert_eq!(config.purpose_policies.len(), 1);
        assert_eq!(config.risk_rules.len(), 0, "disabled risk rule left out");
        assert_eq!(config.event.custom.len(), 1);
        assert_eq!(config.compliance.region, engine::compliance::Region::Cn);
        let key = backend::tenant_settings::get(&app.backend, scope.tenant_id).await.unwrap().hash_key;
        assert_eq!(config.tenant_key.len(), 32);
        assert_eq!(config.tenant_key.iter().map(|b| format!("{b:02x}")).collect::<String>(), key);

        // a tiny analysis with that configuration finds the custom type (and not the disabled one)
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        for i in 0..5 {
            writeln!(f, "{}", serde_json::json!({
                "time": 1_700_000_000_000i64 + i * 1000,
                "host": "hr.example.com", "method": "GET", "path": format!("/api/staff/{}", 1000 + i),
                "client_ip": "10.0.0.8", "status": 200,
                "response_headers": {"content-type": "application/json"},
                "response_body": format!("{{\"staff\":\"EMP-12345{i}\",\"locker\":\"LOCK-12{i}\",\"badge\":\"BADGE-000{i}\"}}"),
            })).unwrap();
        }
        drop(f);
        let out = engine::analyze::analyze_paths(
            &[path],
            &engine::analyze::AnalyzeOptions::default(),
            &config,
            engine::client::ClientClassifier::without_geo(),
            &|_| {},
        )
        .unwrap();
        let api = &out.findings.apis[0];
        assert_eq!(api.response_types.get(&100_000), Some(&5), "{:?}", api.response_types);
        assert_eq!(api.response_types.get(&100_001), Some(&5), "{:?}", api.response_types);
        assert_eq!(api.response_types.get(&100_002), None, "disabled policy is off");

        // the same records stored as a segment of the scope drive the traffic preview
        let r = preview(&mut c, "risk", RISK).await;
        assert_eq!(r["segments"], 0, "no segments yet: {r}");
        let stored = dir.path().join("tiny.jsonl");
        add_segment(&app, scope, &stored).await;
        let rule = r#"{"name":"Staff listing","level":"medium","suggestion":"Check access.","conditions":[{"kind":"content","part":"response_body","regex":"EMP-\\d+"}]}"#;
        let r = preview(&mut c, "risk", rule).await;
        assert_eq!(r["segments"], 1, "{r}");
        assert_eq!(r["records"], 5, "{r}");
        assert_eq!(r["rows"].as_array().unwrap().len(), 1, "{r}");
        assert_eq!(r["rows"][0]["level"], "medium");
        assert!(r["rows"][0]["api"].as_str().unwrap().contains("hr.example.com"), "{r}");
        let quiet = rule.replace(r"EMP-\\d+", "NOPE-\\\\d+");
        assert_eq!(preview(&mut c, "risk", &quiet).await["rows"].as_array().unwrap().len(), 0);
        let ev = r#"{"name":"Staff scraping","condition":{"path":"/api/staff/*"},"group_by":"ip","threshold":3,"window_secs":60,"level":"high","suggestion":"Rate-limit."}"#;
        let r = preview(&mut c, "event", ev).await;
        assert_eq!(r["rows"].as_array().unwrap().len(), 1, "{r}");
        assert!(r["rows"][0]["detail"].as_str().unwrap().contains("10.0.0.8"), "{r}");
        let purpose = r#"{"name":"Staff","hosts":["hr.example.com"],"methods":[],"path_regex":"^/api/staff","param_names":[],"purpose":"user_authentication","type":"logon"}"#;
        let r = preview(&mut c, "purpose", purpose).await;
        assert_eq!(r["rows"].as_array().unwrap().len(), 1, "{r}");
        assert_eq!(r["rows"][0]["detail"], "new");
        let bad = preview_raw(&mut c, "risk", &rule.replace(r"EMP-\\d+", "(")).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("conditions.0: invalid regular expression"), "{}", bad.body);

        // the sample tester
        let r = c.post("/api/policy_test_sample", &[("tenant", "demo"), ("definition", SENSITIVE), ("sample", "{\"id\":\"EMP-123456\"}"), ("field", "")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let m = r.json();
        assert_eq!(m[0]["custom"], true, "{m}");
        assert_eq!(m[0]["field"], "json.id");
        assert!(!m[0]["masked"].as_str().unwrap().contains("123456"), "{m}");
    });
}

async fn preview_raw(c: &mut Client, kind: &str, definition: &str) -> Resp {
    c.post(
        "/api/policy_preview",
        &[
            ("tenant", "demo"),
            ("region", "cn"),
            ("kind", kind),
            ("definition", definition),
        ],
    )
    .await
}

async fn preview(c: &mut Client, kind: &str, definition: &str) -> serde_json::Value {
    let r = preview_raw(c, kind, definition).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn add_segment(app: &TestApp, scope: Scope, path: &std::path::Path) {
    let now = app.backend.now_ms();
    let source: i64 = sqlx::query_scalar(
        "INSERT INTO data_sources (tenant_id, rg_id, region, name, created_at)
         VALUES ($1, $2, 'cn', 'test', $3) RETURNING id",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(now)
    .fetch_one(&app.backend.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO segments (tenant_id, source_id, rg_id, region, origin, file_name, path,
            format, content_hash, received_at) VALUES ($1, $2, $3, 'cn', 'upload', 'tiny.jsonl', $4,
            'jsonl', 'h1', $5)",
    )
    .bind(scope.tenant_id)
    .bind(source)
    .bind(scope.rg_id)
    .bind(path.display().to_string())
    .bind(now)
    .execute(&app.backend.db.pool)
    .await
    .unwrap();
}
