//! Compliance page over HTTP (issue 8), on SQLite and PostgreSQL: the declaration verdict on
//! generated traffic crossing each threshold (scaled down through the engine's configurable
//! thresholds), leak tracing of a value planted by the demo generator, the value never reaching
//! the database or the logs, exports and authorisation.

mod common;

use axum::http::StatusCode;
use backend::scope::Scope;
use backend::tenancy::Region;
use common::{app, backends, demo_scope, Client, TestApp, ADMIN_PW};
use engine::analyze::{analyze_paths, AnalyzeOptions};
use engine::client::ClientClassifier;
use engine::compliance::Thresholds;
use engine::pipeline::{AnalysisConfig, Findings};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The Alibaba Cloud AccessKey ID the demo generator's `/v1/app/config` leaks (fixed in
/// engine/src/demo/incidents.rs whatever the seed).
const PLANTED_KEY: &str = "LTAI5tRvGvXk3VYpLq8mZ2Hd";

/// Turns API security on for the Demo tenant (consent + free trial, as its admin).
async fn enable(app: &TestApp) {
    let mut admin = Client::signed_in(app, "admin", ADMIN_PW).await;
    assert_eq!(
        admin.lifecycle("demo", "consent").await.status,
        StatusCode::OK
    );
    let r = admin.lifecycle("demo", "trial").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn geo() -> ClientClassifier {
    ClientClassifier::from_env().expect("GeoIP database readable")
}

fn analyse(path: &Path, config: &AnalysisConfig) -> Findings {
    analyze_paths(
        &[path.to_path_buf()],
        &AnalyzeOptions::default(),
        config,
        geo(),
        &|_| {},
    )
    .unwrap()
    .findings
}

async fn review(c: &mut Client) -> Value {
    let r = c
        .post(
            "/api/compliance_review",
            &[("tenant", "demo"), ("region", "cn")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn trace(c: &mut Client, value: &str, data_type: &str) -> common::Resp {
    let csrf = c.csrf().await;
    c.post(
        "/api/compliance_trace",
        &[
            ("tenant", "demo"),
            ("region", "cn"),
            ("value", value),
            ("data_type", data_type),
            ("csrf", &csrf),
        ],
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Generated persons

/// A valid mainland ID number (GB 11643 check character) for person `i`.
fn id_card(i: u32) -> String {
    let body = format!(
        "11010519{:02}{:02}{:02}{:03}",
        70 + i / 1000 % 30,
        1 + i / 28 % 12,
        1 + i % 28,
        i % 1000
    );
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(weights)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

fn mobile(i: u32) -> String {
    format!("139{:08}", 10_000_000 + i)
}

/// One exchange of `GET /v1/users/{id}` returning person `i` to `ip`.
fn person_line(i: u32, ip: &str, with_id_card: bool) -> String {
    let mut person = serde_json::json!({
        "id": i, "mobile": mobile(i), "email": format!("user{i}@example.org"),
    });
    if with_id_card {
        person["id_card"] = Value::String(id_card(i));
    }
    serde_json::json!({
        "time": 1_741_000_000_000i64 + i as i64 * 1000,
        "host": "crm.example.com", "method": "GET", "path": format!("/v1/users/{}", 1000 + i),
        "client_ip": ip, "status": 200,
        "response_headers": {"content-type": "application/json"},
        "response_body": serde_json::json!({"code": 0, "data": person}).to_string(),
    })
    .to_string()
}

/// US client (34.192.0.0/12) and mainland client (1.80.0.0/13) addresses.
fn us_ip(i: u32) -> String {
    format!("34.192.{}.{}", i / 200 % 250, 1 + i % 200)
}
fn cn_ip(i: u32) -> String {
    format!("1.80.{}.{}", i / 200 % 250, 1 + i % 200)
}

struct Population {
    outbound: u32,
    outbound_sensitive: u32,
    domestic: u32,
}

fn write_population(path: &Path, p: &Population) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut i = 0;
    for _ in 0..p.outbound {
        writeln!(f, "{}", person_line(i, &us_ip(i), false)).unwrap();
        i += 1;
    }
    for _ in 0..p.outbound_sensitive {
        writeln!(f, "{}", person_line(i, &us_ip(i), true)).unwrap();
        i += 1;
    }
    for _ in 0..p.domestic {
        writeln!(f, "{}", person_line(i, &cn_ip(i), false)).unwrap();
        i += 1;
    }
}

const SMALL: Thresholds = Thresholds {
    outbound_persons: 30,
    outbound_sensitive_persons: 10,
    processed_persons: 60,
};

#[tokio::test]
async fn generated_persons_cross_each_threshold() {
    for kind in backends() {
        let app = app(kind).await;
        enable(&app).await;
        let scope = demo_scope(&app).await;
        let mut viewer = Client::signed_in(&app, "viewer", "viewer-password").await;
        let dir = tempfile::tempdir().unwrap();
        let mut config = AnalysisConfig::for_region(engine::compliance::Region::Cn);
        config.compliance.thresholds = SMALL;

        // (population, expected outbound / sensitive / processed, expected triggers)
        let cases: Vec<(Population, [u64; 3], Vec<&str>)> = vec![
            // exactly at every threshold: no declaration
            (
                Population {
                    outbound: 20,
                    outbound_sensitive: 10,
                    domestic: 30,
                },
                [30, 10, 60],
                vec![],
            ),
            // one more person abroad crosses the outbound-persons threshold
            (
                Population {
                    outbound: 31,
                    outbound_sensitive: 0,
                    domestic: 0,
                },
                [31, 0, 31],
                vec!["outbound_persons"],
            ),
            // eleven persons' ID numbers abroad cross the sensitive threshold only
            (
                Population {
                    outbound: 0,
                    outbound_sensitive: 11,
                    domestic: 0,
                },
                [11, 11, 11],
                vec!["outbound_sensitive_persons"],
            ),
            // many processed persons with some outbound transfer
            (
                Population {
                    outbound: 1,
                    outbound_sensitive: 0,
                    domestic: 60,
                },
                [1, 0, 61],
                vec!["processed_persons_with_outbound"],
            ),
            // many processed persons without any outbound transfer: no declaration
            (
                Population {
                    outbound: 0,
                    outbound_sensitive: 0,
                    domestic: 80,
                },
                [0, 0, 80],
                vec![],
            ),
        ];
        for (n, (pop, counts, triggers)) in cases.into_iter().enumerate() {
            let path = dir.path().join(format!("p{n}.jsonl"));
            write_population(&path, &pop);
            let f = analyse(&path, &config);
            backend::results::replace(&app.backend, scope, &f)
                .await
                .unwrap();
            let v = review(&mut viewer).await;
            let got = [
                v["outbound_persons"].as_u64().unwrap(),
                v["outbound_sensitive_persons"].as_u64().unwrap(),
                v["processed_persons"].as_u64().unwrap(),
            ];
            assert_eq!(got, counts, "{kind} case {n}: counters");
            let keys: Vec<&str> = v["triggers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t[0].as_str().unwrap())
                .collect();
            assert_eq!(keys, triggers, "{kind} case {n}: triggers");
            assert_eq!(
                v["declaration_required"],
                !triggers.is_empty(),
                "{kind} case {n}"
            );
            // gauges: value / threshold
            let g = &v["gauges"][0];
            assert_eq!(g["threshold"], 30);
            let ratio = g["ratio"].as_f64().unwrap();
            assert!(
                (ratio - counts[0] as f64 / 30.0).abs() < 1e-9,
                "{kind} case {n}: {ratio}"
            );
            if counts[0] > 0 {
                assert_eq!(v["by_country"][0]["code"], "US", "{kind} case {n}");
                assert!(!v["by_month"].as_array().unwrap().is_empty());
                assert!(v["by_api"][0][0]
                    .as_str()
                    .unwrap()
                    .starts_with("GET crm.example.com/v1/users/"));
            }
        }
        // The intl region of the same data: the review does not apply.
        let intl = Scope {
            region: Region::Intl,
            ..scope
        };
        let path = dir.path().join("p1.jsonl");
        let f = analyse(&path, &config);
        backend::results::replace(&app.backend, intl, &f)
            .await
            .unwrap();
        let r = viewer
            .post(
                "/api/compliance_review",
                &[("tenant", "demo"), ("region", "intl")],
            )
            .await;
        let v = r.json();
        assert_eq!(v["applies"], false);
        assert_eq!(v["declaration_required"], false);
    }
}

#[tokio::test]
async fn verdict_at_the_real_thresholds_from_stored_summaries() {
    // Counting a million persons is the engine's test; here the stored summary drives the page.
    let app = app("sqlite").await;
    enable(&app).await;
    let scope = demo_scope(&app).await;
    let mut viewer = Client::signed_in(&app, "viewer", "viewer-password").await;
    let cases = [
        ([100_000u64, 10_000, 1_000_000], vec![]),
        ([100_001, 0, 100_001], vec!["outbound_persons"]),
        ([5, 10_001, 10_001], vec!["outbound_sensitive_persons"]),
        ([1, 0, 1_000_001], vec!["processed_persons_with_outbound"]),
        ([0, 0, 5_000_000], vec![]),
        (
            [200_000, 20_000, 2_000_000],
            vec![
                "outbound_persons",
                "outbound_sensitive_persons",
                "processed_persons_with_outbound",
            ],
        ),
    ];
    for ([o, s, p], want) in cases {
        let summary = engine::compliance::ComplianceSummary {
            outbound_persons: o,
            outbound_sensitive_persons: s,
            processed_persons: p,
            thresholds: Thresholds::default(),
            period_start: "2025-01-01T00:00:00Z".into(),
            ..Default::default()
        };
        let f = Findings {
            apis: vec![],
            risks: vec![],
            events: vec![],
            compliance: summary,
            trace: Default::default(),
        };
        backend::results::replace(&app.backend, scope, &f)
            .await
            .unwrap();
        let v = review(&mut viewer).await;
        let keys: Vec<&str> = v["triggers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t[0].as_str().unwrap())
            .collect();
        assert_eq!(keys, want, "{o} {s} {p}");
        assert_eq!(v["declaration_required"], !want.is_empty());
        assert_eq!(v["period_start"], "2025-01-01");
    }
}

// ---------------------------------------------------------------------------------------------
// Leak tracing on demo traffic

/// Where the planted key went according to the raw log: (client ip, records).
fn ground_truth(path: &Path, needle: &str) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["response_body"]
            .as_str()
            .is_some_and(|b| b.contains(needle))
        {
            assert_eq!(v["path"], "/v1/app/config");
            *out.entry(v["client_ip"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    out
}

/// Captures every log line of the current thread (the test runtime is single-threaded).
#[derive(Clone, Default)]
struct LogBuf(Arc<Mutex<Vec<u8>>>);
impl Write for LogBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn all_text(app: &TestApp) -> String {
    // Every text column that could hold user input: audit log, policies, value index, sessions.
    let mut out = String::new();
    for sql in [
        "SELECT action || ' ' || detail FROM audit_log",
        "SELECT definition FROM policies",
        "SELECT value_hash || ' ' || api_key || ' ' || account FROM value_index",
        "SELECT summary FROM compliance",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(&app.backend.db.pool)
            .await
            .unwrap();
        out.push_str(&rows.join("\n"));
    }
    out
}

#[tokio::test]
async fn tracing_a_planted_value_finds_every_place_it_went() {
    for kind in backends() {
        let app = app(kind).await;
        enable(&app).await;
        let scope = demo_scope(&app).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.jsonl");
        engine::demo::Generator::new(engine::demo::GeneratorConfig {
            days: 2,
            records_per_day: 3_000,
            ..Default::default()
        })
        .write_to(std::fs::File::create(&path).unwrap())
        .unwrap();
        // The analysis job hashes with the tenant's key: so does the test.
        let mut config = AnalysisConfig::for_region(engine::compliance::Region::Cn);
        config.tenant_key = backend::compliance::tenant_key(&app.backend, scope.tenant_id)
            .await
            .unwrap();
        let f = analyse(&path, &config);
        assert!(f.trace.rows.len() > 100 && f.trace.dropped == 0);
        // Stored with the other results, replaced (not added to) by the next analysis.
        for _ in 0..2 {
            backend::results::replace(&app.backend, scope, &f)
                .await
                .unwrap();
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM value_index")
                .fetch_one(&app.backend.db.pool)
                .await
                .unwrap();
            assert_eq!(n as usize, f.trace.rows.len(), "{kind}");
        }

        let truth = ground_truth(&path, PLANTED_KEY);
        assert!(
            truth.len() >= 2,
            "the generator plants the key for several clients"
        );
        let mut viewer = Client::signed_in(&app, "viewer", "viewer-password").await;
        for hint in ["", "accesskey_id", "2005"] {
            let r = trace(&mut viewer, PLANTED_KEY, hint).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let v = r.json();
            let hits = v["hits"].as_array().unwrap();
            let mut found: BTreeMap<String, i64> = BTreeMap::new();
            for h in hits {
                assert_eq!(h["api"], "GET api.example.com/v1/app/config", "{h}");
                assert_eq!(h["direction"], "response");
                assert_eq!(h["type_name"], "AccessKey ID");
                assert!(!h["country"].as_str().unwrap().is_empty());
                *found
                    .entry(h["ip"].as_str().unwrap().to_string())
                    .or_default() += h["hits"].as_i64().unwrap();
            }
            assert_eq!(
                found, truth,
                "{kind} hint {hint:?}: every client that received it"
            );
            assert_eq!(v["ips"].as_u64().unwrap() as usize, truth.len());
            assert_eq!(v["apis"], 1);
        }
        // Look-alikes: the wrong type, one character off, another case (IDs are case-sensitive
        // secrets here, normalisation only trims) find nothing.
        for (value, hint) in [
            (PLANTED_KEY, "email"),
            ("LTAI5tRvGvXk3VYpLq8mZ2He", ""),
            ("ltai5trvgvxk3vyplq8mz2hd", ""),
        ] {
            let v = trace(&mut viewer, value, hint).await.json();
            assert_eq!(v["total_rows"], 0, "{kind} {value} {hint}");
        }

        // A person's mobile number returned in full: traced to every client that received it.
        let mut mobile_truth: BTreeSet<String> = BTreeSet::new();
        let mut mobile = None;
        let re_key = "\"mobile\":\"";
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let Some(body) = v["response_body"].as_str() else {
                continue;
            };
            if mobile.is_none() {
                if let Some(at) = body.find(re_key) {
                    let m: String = body[at + re_key.len()..].chars().take(11).collect();
                    if m.len() == 11 && m.bytes().all(|b| b.is_ascii_digit()) {
                        mobile = Some(m);
                    }
                }
            }
        }
        let mobile = mobile.expect("a full mobile number in some response");
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            if v["response_body"]
                .as_str()
                .is_some_and(|b| b.contains(&format!("{re_key}{mobile}\"")))
            {
                mobile_truth.insert(v["client_ip"].as_str().unwrap().to_string());
            }
        }
        let spaced = format!("+86 {} {} {}", &mobile[..3], &mobile[3..7], &mobile[7..]);
        let v = trace(&mut viewer, &spaced, "cn_mobile").await.json();
        let ips: BTreeSet<String> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["direction"] == "response")
            .map(|h| h["ip"].as_str().unwrap().to_string())
            .collect();
        assert!(!ips.is_empty(), "{kind}: the mobile was found");
        assert!(
            mobile_truth.is_subset(&ips),
            "{kind}: {mobile_truth:?} within {ips:?}"
        );

        // The review lists the outbound leak events of the Events page with links.
        let v = review(&mut viewer).await;
        assert!(v["analysed"] == true && v["trace_rows"].as_u64().unwrap() > 0);
        for e in v["events"].as_array().unwrap() {
            assert_ne!(e["location"], "CN");
            assert_ne!(e["location"], "internal");
        }

        // The audit log says a trace ran, never what was traced.
        let audit: Vec<String> = sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'compliance.trace_performed'",
        )
        .fetch_all(&app.backend.db.pool)
        .await
        .unwrap();
        assert!(audit.len() >= 7);
        assert!(audit
            .iter()
            .all(|d| !d.contains("LTAI") && !d.contains(&mobile)));
    }
}

#[tokio::test]
async fn the_typed_value_is_never_stored_or_logged() {
    let logs = LogBuf::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer({
            let l = logs.clone();
            move || l.clone()
        })
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    for kind in backends() {
        let app = app(kind).await;
        enable(&app).await;
        let mut viewer = Client::signed_in(&app, "viewer", "viewer-password").await;
        let secret = "13912344321";
        let r = trace(&mut viewer, secret, "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["total_rows"], 0);
        // bad input: the error names the problem, not the value
        let r = trace(&mut viewer, secret, "no-such-type").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(!r.body.contains(secret) && r.body.contains("unknown data type"));
        let r = trace(&mut viewer, "   ", "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(!all_text(&app).await.contains(secret), "{kind}: stored");
        let audit: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'compliance.trace_performed'",
        )
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
        assert_eq!(audit, 1, "{kind}: the trace is audited");
        if kind == "sqlite" {
            let url = app.database_url.trim_start_matches("sqlite://").to_string();
            for f in [url.clone(), format!("{url}-wal")] {
                if let Ok(bytes) = std::fs::read(&f) {
                    let hay = String::from_utf8_lossy(&bytes);
                    assert!(!hay.contains(secret), "{f} holds the value");
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(!text.contains("13912344321"), "logged: {text}");
}

// ---------------------------------------------------------------------------------------------
// Exports, settings, authorisation

#[tokio::test]
async fn exports_settings_and_authorisation() {
    for kind in backends() {
        let app = app(kind).await;
        let mut anon = Client::new(&app);
        let r = anon
            .get("/export/compliance.csv?tenant=demo&region=cn")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = anon
            .post(
                "/api/compliance_review",
                &[("tenant", "demo"), ("region", "cn")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);

        // API security not enabled yet: refused.
        let mut viewer = Client::signed_in(&app, "viewer", "viewer-password").await;
        let r = viewer
            .post(
                "/api/compliance_review",
                &[("tenant", "demo"), ("region", "cn")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = viewer
            .get("/export/compliance-report.html?tenant=demo&region=cn")
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        enable(&app).await;

        // Nothing analysed: the review says so.
        let v = review(&mut viewer).await;
        assert_eq!(v["analysed"], false);
        assert_eq!(v["outside_special"], serde_json::json!(["HK", "MO", "TW"]));
        assert_eq!(v["can_edit"], false);

        // Another tenant's admin cannot read or trace the Demo tenant.
        let mut acme = Client::signed_in(&app, "acme-admin", "acme-password").await;
        let r = acme
            .post(
                "/api/compliance_review",
                &[("tenant", "demo"), ("region", "cn")],
            )
            .await;
        assert!(r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN);
        let r = trace(&mut acme, PLANTED_KEY, "").await;
        assert!(r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN);
        let r = acme
            .get("/export/compliance.csv?tenant=demo&region=cn")
            .await;
        assert!(r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN);

        // Settings: a viewer may not change them, an analyst may (audited); CSRF is checked.
        let csrf = viewer.csrf().await;
        let r = viewer
            .post(
                "/api/compliance_settings",
                &[("tenant", "demo"), ("outside_mo", "on"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mut analyst = Client::signed_in(&app, "demo", "demo-password").await;
        let r = analyst
            .post(
                "/api/compliance_settings",
                &[("tenant", "demo"), ("outside_mo", "on"), ("csrf", "wrong")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let csrf = analyst.csrf().await;
        let r = analyst
            .post(
                "/api/compliance_settings",
                &[("tenant", "demo"), ("outside_mo", "on"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json(), serde_json::json!(["CN", "HK", "TW"]));
        let v = review(&mut analyst).await;
        assert_eq!(v["outside_special"], serde_json::json!(["MO"]));
        assert_eq!(v["can_edit"], true);
        let scope = demo_scope(&app).await;
        let cfg = backend::compliance::engine_config(
            &app.backend,
            scope.tenant_id,
            engine::compliance::Region::Cn,
        )
        .await
        .unwrap();
        assert_eq!(cfg.inside_countries, vec!["CN", "HK", "TW"]);
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'compliance.settings_changed'",
        )
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
        assert_eq!(n, 1);

        // Exports with a hostile API name in the stored summary.
        let mut summary = engine::compliance::ComplianceSummary {
            outbound_persons: 100_001,
            thresholds: Thresholds::default(),
            period_start: "2025-01-01T00:00:00Z".into(),
            ..Default::default()
        };
        summary
            .by_api
            .insert("evil.example.com GET /<script>x</script>".into(), 3);
        summary
            .by_api
            .insert("evil.example.com GET /=1+1".into(), 2);
        summary.by_month.insert("2025-02".into(), 5);
        let f = Findings {
            apis: vec![],
            risks: vec![],
            events: vec![],
            compliance: summary,
            trace: Default::default(),
        };
        backend::results::replace(&app.backend, scope, &f)
            .await
            .unwrap();
        let r = viewer
            .get("/export/compliance.csv?tenant=demo&region=cn")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment"));
        assert!(r.body.contains("summary,declaration_required,,yes"));
        assert!(r.body.contains("trigger,outbound_persons"));
        assert!(r.body.contains("month,2025-02,outbound exchanges,5"));
        assert!(r.body.contains("counter,outbound_persons,"));
        let r = viewer
            .get("/export/compliance-report.html?tenant=demo&region=cn")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && !csp.contains("script"));
        assert!(!r.body.contains("<script"));
        assert!(r.body.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(r.body.contains("Declaration required"));
        assert!(r.body.contains("2025-01-01"));
        // The page renders for a signed-in viewer.
        let r = viewer.get("/compliance?tenant=demo&region=cn").await;
        assert_eq!(r.status, StatusCode::OK);
        // Server-rendered: the verdict, the gauges (SVG) and the export links are in the HTML.
        assert!(r.body.contains("data-verdict=\"required\""), "{}", r.body);
        assert!(r.body.contains("data-testid=\"gauge-outbound_persons\""));
        assert!(r
            .body
            .contains("/export/compliance-report.html?tenant=demo"));
        assert!(!r.body.contains("<script>x</script>"));
    }
}
