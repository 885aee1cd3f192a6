//! The authorisation matrix (issue 11): every HTTP route of the real router, every console page
//! and every registered server function, called by each kind of caller, with the outcome it must
//! get. Routes are enumerated from the running code (the server function registry, the Leptos
//! route list and the `.route(..)` calls in `server/src`), so a new endpoint without a row fails
//! the test by name, and so does a row whose endpoint is gone. Runs on SQLite and PostgreSQL.
//!
//! Callers (the columns, in this order):
//! - `none`: no signed-in user (but a session with a CSRF token, so the CSRF check is not what
//!   refuses it);
//! - `other`: the admin of another tenant (Acme, API security on) naming the Demo tenant;
//! - `idor`: the same Acme admin naming its own tenant but passing Demo's object ids;
//! - `off`: the admin of a tenant without API security (Globex) on its own tenant;
//! - `viewer`, `analyst`, `admin`: members of Demo (API security on).

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::*;
use std::collections::{BTreeMap, BTreeSet};

/// The outcome a caller must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum O {
    /// 2xx, or a redirect answered by a server function that navigates (login, logout).
    Allow,
    /// 401 (server functions: `Unauthenticated`).
    Unauth,
    /// 403 (server functions: `Forbidden`): role too low, or API security not enabled.
    Forbid,
    /// 404 (server functions: `NotFound`): not a member, or an object of another tenant.
    NotFound,
    /// A redirect whose `Location` starts with this.
    Redirect(&'static str),
    /// The same status for every caller, and not a server error (public static files).
    Same,
    /// An HTML page, answered 200 or 403: a server function that refuses a section the caller
    /// may not see (Settings' admin-only audit log, a page of a tenant without API security)
    /// can set the status while the page streams. Never a redirect or a server error.
    Page,
}
use O::*;

/// Where the CSRF token goes, when the call changes state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Csrf {
    /// A read: no token.
    No,
    /// Form field `csrf` (server functions).
    Form,
    /// Header `x-csrf-token` (the upload).
    Header,
}

/// Column order of [`Row::expect`].
const CALLERS: [&str; 7] = ["none", "other", "idor", "off", "viewer", "analyst", "admin"];

struct Row {
    method: &'static str,
    path: &'static str,
    /// Form fields (POST) or query parameters (GET). Values may hold placeholders: `{t}` the
    /// tenant of the column, `{n}` a number unique per call, and the ids found in Demo at setup
    /// (`{risk}`, `{event}`, `{api}`, `{type}`, `{source}`, `{segment}`, `{policy}`, `{rule}`,
    /// `{correction}`) or made fresh in Demo for this call (`{new_policy}`, `{new_rule}`,
    /// `{new_correction}`, `{new_job}`).
    args: &'static [(&'static str, &'static str)],
    csrf: Csrf,
    /// Each column signs in afresh (the call signs in or out).
    fresh: bool,
    expect: [O; 7],
}

/// A paid page's read (viewer, API security on) of tenant-wide data.
const PAID_READ: [O; 7] = [Unauth, NotFound, Allow, Forbid, Allow, Allow, Allow];
/// A paid page's read of one Demo object: another tenant cannot reach it through its own.
const PAID_READ_ID: [O; 7] = [Unauth, NotFound, NotFound, Forbid, Allow, Allow, Allow];
/// A paid page's change (analyst).
const PAID_WRITE: [O; 7] = [Unauth, NotFound, Allow, Forbid, Forbid, Allow, Allow];
/// A paid page's change of one Demo object.
const PAID_WRITE_ID: [O; 7] = [Unauth, NotFound, NotFound, Forbid, Forbid, Allow, Allow];
/// A read available without API security (viewer).
const FREE_READ: [O; 7] = [Unauth, NotFound, Allow, Allow, Allow, Allow, Allow];
const FREE_READ_ID: [O; 7] = [Unauth, NotFound, NotFound, NotFound, Allow, Allow, Allow];
/// A change available without API security (analyst).
const FREE_WRITE: [O; 7] = [Unauth, NotFound, Allow, Allow, Forbid, Allow, Allow];
const FREE_WRITE_ID: [O; 7] = [Unauth, NotFound, NotFound, NotFound, Forbid, Allow, Allow];
/// A tenant setting only admins change.
const ADMIN_ONLY: [O; 7] = [Unauth, NotFound, Allow, Allow, Forbid, Forbid, Allow];
/// Anyone, signed in or not.
const PUBLIC: [O; 7] = [Allow; 7];
/// A console page: the sign-in page without a session, the page (data comes from the
/// server functions above, each authorised) with one.
const PAGE: [O; 7] = [Redirect("/login?next="), Page, Page, Page, Page, Page, Page];

macro_rules! row {
    ($method:literal $path:literal, [$($k:literal = $v:literal),* $(,)?], $csrf:ident, $expect:expr) => {
        Row { method: $method, path: $path, args: &[$(($k, $v)),*], csrf: Csrf::$csrf, fresh: false, expect: $expect }
    };
    (fresh $method:literal $path:literal, [$($k:literal = $v:literal),* $(,)?], $csrf:ident, $expect:expr) => {
        Row { method: $method, path: $path, args: &[$(($k, $v)),*], csrf: Csrf::$csrf, fresh: true, expect: $expect }
    };
}

const RISK_RULE: &str = r#"{"name":"Debug header","level":"high","suggestion":"Remove it.","conditions":[{"kind":"content","part":"response_headers","regex":"(?i)x-debug-token"}]}"#;

/// A custom sensitive data policy; names must be unique in a tenant.
fn sensitive_policy(n: u64) -> String {
    format!(
        r#"{{"name":"Employee ID {n}","regex":"EMP-\\d{{6}}","fields":[],"keywords":[],"level":"S3","category":"hr"}}"#
    )
}

fn rows() -> Vec<Row> {
    vec![
        // --- session and account (app/src/api/mod.rs, app/src/i18n.rs)
        row!("POST" "/api/session", [], No, PUBLIC),
        row!(fresh "POST" "/api/login", ["username" = "viewer", "password" = "viewer-password", "next" = "/risks"], Form, PUBLIC),
        row!(fresh "POST" "/api/logout", [], Form, PUBLIC),
        row!("POST" "/api/set_language", ["lang" = "en", "next" = "/risks"], Form, PUBLIC),
        row!("POST" "/api/api_security", ["tenant" = "{t}"], No, [Unauth, NotFound, Allow, Allow, Allow, Allow, Allow]),
        row!("POST" "/api/api_security_action", ["tenant" = "{t}", "action" = "consent"], Form, ADMIN_ONLY),
        row!("POST" "/api/set_edition", ["tenant" = "{t}", "edition" = "pro"], Form, ADMIN_ONLY),
        row!("POST" "/api/audit_log", ["tenant" = "{t}"], No, [Unauth, NotFound, Allow, Allow, Forbid, Forbid, Allow]),
        // --- dashboards
        row!("POST" "/api/basic_detection", ["tenant" = "{t}", "region" = "cn"], No, FREE_READ),
        row!("POST" "/api/overview", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        // --- assets
        row!("POST" "/api/assets_list", ["tenant" = "{t}", "region" = "cn", "query[q]" = ""], No, PAID_READ),
        row!("POST" "/api/assets_facets", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        row!("POST" "/api/asset_detail", ["tenant" = "{t}", "region" = "cn", "id" = "{api}"], No, PAID_READ_ID),
        row!("POST" "/api/assets_sensitive_types", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        row!("POST" "/api/assets_sensitive_type_apis", ["tenant" = "{t}", "region" = "cn", "type_id" = "{type}"], No, PAID_READ),
        row!("POST" "/api/assets_compare_spec", ["tenant" = "{t}", "region" = "cn", "host" = "shop.example.com", "spec" = r#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/api/x":{"get":{}}}}"#], No, PAID_READ),
        row!("POST" "/api/template_corrections", ["tenant" = "{t}"], No, PAID_READ),
        row!("POST" "/api/template_correction_add", ["tenant" = "{t}", "action" = "ignore_path", "host" = "", "value" = "/probe-{n}"], Form, PAID_WRITE),
        row!("POST" "/api/template_correction_delete", ["tenant" = "{t}", "id" = "{new_correction}"], Form, PAID_WRITE_ID),
        row!("GET" "/export/assets.csv", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        row!("GET" "/export/openapi.json", ["tenant" = "{t}", "region" = "cn", "host" = "shop.example.com"], No, PAID_READ_ID),
        // --- risks and events
        row!("POST" "/api/risks_list", ["tenant" = "{t}", "region" = "cn", "query" = ""], No, PAID_READ),
        row!("POST" "/api/risk_detail", ["tenant" = "{t}", "region" = "cn", "id" = "{risk}"], No, PAID_READ_ID),
        row!("POST" "/api/risks_set_status", ["tenant" = "{t}", "region" = "cn", "ids" = "{risk}", "status" = "confirmed"], Form, PAID_WRITE_ID),
        row!("POST" "/api/risk_ignore_rules", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        row!("POST" "/api/risk_ignore_add", ["tenant" = "{t}", "region" = "cn", "host" = "h{n}.example.com"], Form, PAID_WRITE),
        row!("POST" "/api/risk_ignore_delete", ["tenant" = "{t}", "region" = "cn", "id" = "{new_rule}"], Form, PAID_WRITE_ID),
        row!("POST" "/api/events_list", ["tenant" = "{t}", "region" = "cn", "query" = ""], No, PAID_READ),
        row!("POST" "/api/event_detail", ["tenant" = "{t}", "region" = "cn", "id" = "{event}"], No, PAID_READ_ID),
        row!("POST" "/api/events_set_status", ["tenant" = "{t}", "region" = "cn", "ids" = "{event}", "status" = "confirmed"], Form, PAID_WRITE_ID),
        row!("GET" "/export/risks.csv", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        row!("GET" "/export/events.csv", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        // --- compliance
        row!("POST" "/api/compliance_review", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        row!("POST" "/api/compliance_trace", ["tenant" = "{t}", "region" = "cn", "value" = "13800138000"], Form, PAID_READ),
        row!("POST" "/api/compliance_settings", ["tenant" = "{t}", "outside_hk" = "on"], Form, PAID_WRITE),
        row!("GET" "/export/compliance.csv", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        row!("GET" "/export/compliance-report.html", ["tenant" = "{t}", "region" = "cn"], No, PAID_READ),
        // --- policies
        row!("POST" "/api/policies", ["tenant" = "{t}", "kind" = "sensitive"], No, PAID_READ),
        row!("POST" "/api/policy_save", ["tenant" = "{t}", "kind" = "sensitive", "definition" = "{sensitive_policy}"], Form, PAID_WRITE),
        row!("POST" "/api/policy_enable", ["tenant" = "{t}", "id" = "{policy}", "enabled" = "true"], Form, PAID_WRITE_ID),
        row!("POST" "/api/policy_delete", ["tenant" = "{t}", "id" = "{new_policy}"], Form, PAID_WRITE_ID),
        row!("POST" "/api/policy_test_sample", ["tenant" = "{t}", "definition" = "{sensitive_policy}", "sample" = "{\"id\":\"EMP-123456\"}", "field" = ""], No, PAID_WRITE),
        row!("POST" "/api/policy_preview", ["tenant" = "{t}", "region" = "cn", "kind" = "risk", "definition" = "{risk_rule}"], No, PAID_WRITE),
        // --- data sources (not part of API security: every edition feeds data)
        row!("POST" "/api/data_sources", ["tenant" = "{t}", "region" = "cn"], No, FREE_READ),
        row!("POST" "/api/scope_jobs", ["tenant" = "{t}", "region" = "cn"], No, FREE_READ),
        row!("POST" "/api/create_data_source", ["tenant" = "{t}", "region" = "cn", "name" = "src-{n}", "format" = "jsonl"], Form, FREE_WRITE),
        row!("POST" "/api/segment_rejections", ["tenant" = "{t}", "region" = "cn", "segment" = "{segment}"], No, FREE_READ_ID),
        row!("POST" "/api/cancel_job", ["tenant" = "{t}", "region" = "cn", "job" = "{new_job}"], Form, FREE_WRITE_ID),
        row!("POST" "/api/set_retention", ["tenant" = "{t}", "days" = "30"], Form, ADMIN_ONLY),
        row!("POST" "/upload", ["tenant" = "{t}", "region" = "cn", "source" = "{source}"], Header, FREE_WRITE_ID),
        // A session never authorises the token endpoint (its own test covers tokens).
        row!("POST" "/ingest/v1/logs", [], No, [Unauth; 7]),
        // --- operations and static files
        row!("GET" "/healthz", [], No, PUBLIC),
        // Prometheus scrapes without a session: process-wide counters only, no tenant data.
        row!("GET" "/metrics", [], No, PUBLIC),
        row!("GET" "/pkg/{*file}", [], No, [Same; 7]),
        // --- pages (Leptos routes)
        row!("GET" "/login", [], No, [Allow, Redirect("/basic-detection"), Redirect("/basic-detection"), Redirect("/basic-detection"), Redirect("/basic-detection"), Redirect("/basic-detection"), Redirect("/basic-detection")]),
        row!("GET" "/", [], No, [Redirect("/login?next="), Redirect("/basic-detection"), Redirect("/basic-detection"), Redirect("/basic-detection"), Redirect("/basic-detection"), Redirect("/basic-detection"), Redirect("/basic-detection")]),
        row!("GET" "/basic-detection", [], No, PAGE),
        row!("GET" "/overview", [], No, PAGE),
        row!("GET" "/assets", [], No, PAGE),
        row!("GET" "/risks", [], No, PAGE),
        row!("GET" "/events", [], No, PAGE),
        row!("GET" "/compliance", [], No, PAGE),
        row!("GET" "/policies", [], No, PAGE),
        row!("GET" "/data-sources", [], No, PAGE),
        row!("GET" "/settings", [], No, PAGE),
    ]
}

/// Every endpoint the running code serves, as `(method, path)`.
fn served_endpoints() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        out.insert((method.to_string(), path.to_string()));
    }
    for route in leptos_axum::generate_route_list(app::App) {
        let path = if route.path().is_empty() {
            "/".to_string()
        } else {
            route.path().to_string()
        };
        out.insert(("GET".into(), path));
    }
    for (method, path) in axum_routes(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
    {
        out.insert((method, path));
    }
    out
}

/// The `.route("/path", get(..))` calls in the server's sources (axum keeps no route list).
fn axum_routes(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(axum_routes(&path));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(\"") {
            rest = &rest[at + 8..];
            let end = rest.find('"').unwrap();
            let route = &rest[..end];
            let after = rest[end + 1..].trim_start_matches([',', ' ', '\n', '\r', '\t']);
            let handler: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                ["get", "post", "put", "patch", "delete"].contains(&handler.as_str()),
                "{}: cannot read the method of route {route:?} (write `.route(\"{route}\", get(handler))`)",
                path.display()
            );
            // The server function catch-all is covered by the registry itself.
            if route != "/api/{*fn_name}" {
                out.push((handler.to_ascii_uppercase(), route.to_string()));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_endpoint_has_a_row() {
    let table: BTreeSet<(String, String)> = rows()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(table.len(), rows().len(), "duplicate rows in the matrix");
    let served = served_endpoints();
    assert!(
        served
            .iter()
            .filter(|(_, p)| p.starts_with("/api/"))
            .count()
            >= 40,
        "the server function registry looks empty: {served:?}"
    );
    let missing: Vec<_> = served.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "endpoints without a row in the authorisation matrix (add one to rows()): {missing:?}"
    );
    let stale: Vec<_> = table.difference(&served).collect();
    assert!(
        stale.is_empty(),
        "rows for endpoints the server no longer has: {stale:?}"
    );
}

/// Ids found or made in Demo, and the clients of each column.
struct Fixture {
    ids: BTreeMap<&'static str, String>,
    clients: Vec<Client>,
    admin: Client,
    counter: u64,
}

fn first_id(v: &serde_json::Value, what: &str) -> String {
    let rows = v.get("rows").unwrap_or(v);
    rows.get(0)
        .and_then(|r| r.get("id").or_else(|| r.get("type_id")))
        .map(|id| id.to_string())
        .unwrap_or_else(|| panic!("no {what} in {v}"))
}

async fn ok_json(c: &mut Client, path: &str, form: &[(&str, &str)]) -> serde_json::Value {
    let r = c.post(path, form).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.body);
    r.json()
}

async fn with_csrf(c: &mut Client, path: &str, form: &[(&str, &str)]) -> serde_json::Value {
    let csrf = c.csrf().await;
    let mut form = form.to_vec();
    form.push(("csrf", &csrf));
    ok_json(c, path, &form).await
}

/// Demo with API security on and analysed traffic, Acme with API security on, Globex without,
/// a viewer and an analyst in Demo.
async fn fixture(app: &TestApp) -> Fixture {
    use backend::tenancy::Role;
    let b = &app.backend;
    backend::seed::add_user(b, "Demo", "viewer", "viewer-password", Role::Viewer)
        .await
        .unwrap();
    backend::seed::add_user(b, "Demo", "analyst", "analyst-password", Role::Analyst)
        .await
        .unwrap();
    backend::seed::add_user(b, "Globex", "globex-admin", "globex-password", Role::Admin)
        .await
        .unwrap();
    sqlx::query("UPDATE subscriptions SET edition = 'pro'")
        .execute(&b.db.pool)
        .await
        .unwrap();
    for (user, pw, tenant) in [
        ("admin", ADMIN_PW, "demo"),
        ("acme-admin", "acme-password", "acme"),
    ] {
        let mut c = Client::signed_in(app, user, pw).await;
        for action in ["consent", "trial"] {
            let r = c.lifecycle(tenant, action).await;
            assert_eq!(r.status, StatusCode::OK, "{tenant} {action}: {}", r.body);
        }
    }
    let scope = demo_scope(app).await;
    backend::results::replace(b, scope, &demo_findings())
        .await
        .unwrap();

    let mut admin = Client::signed_in(app, "admin", ADMIN_PW).await;
    let mut ids = BTreeMap::new();
    let v = ok_json(
        &mut admin,
        "/api/risks_list",
        &[("tenant", "demo"), ("region", "cn"), ("query", "")],
    )
    .await;
    ids.insert("risk", first_id(&v, "risk"));
    let v = ok_json(
        &mut admin,
        "/api/events_list",
        &[("tenant", "demo"), ("region", "cn"), ("query", "")],
    )
    .await;
    ids.insert("event", first_id(&v, "event"));
    let v = ok_json(
        &mut admin,
        "/api/assets_list",
        &[("tenant", "demo"), ("region", "cn"), ("query[q]", "")],
    )
    .await;
    ids.insert("api", first_id(&v, "API"));
    let v = ok_json(
        &mut admin,
        "/api/assets_sensitive_types",
        &[("tenant", "demo"), ("region", "cn")],
    )
    .await;
    ids.insert("type", first_id(&v, "sensitive type"));
    let v = with_csrf(
        &mut admin,
        "/api/create_data_source",
        &[
            ("tenant", "demo"),
            ("region", "cn"),
            ("name", "matrix"),
            ("format", "jsonl"),
        ],
    )
    .await;
    ids.insert("source", v["id"].to_string());
    let up = upload(&mut admin, "demo", &ids["source"], true).await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.body);
    ids.insert("segment", up.json()["segment"].to_string());
    let v = with_csrf(
        &mut admin,
        "/api/policy_save",
        &[
            ("tenant", "demo"),
            ("kind", "sensitive"),
            ("definition", &sensitive_policy(0)),
        ],
    )
    .await;
    ids.insert("policy", v["id"].to_string());

    let mut clients = vec![];
    for caller in CALLERS {
        clients.push(sign_in(app, caller).await);
    }
    Fixture {
        ids,
        clients,
        admin,
        counter: 0,
    }
}

async fn sign_in(app: &TestApp, caller: &str) -> Client {
    let (user, pw) = match caller {
        "none" => {
            let mut c = Client::new(app);
            c.csrf().await;
            return c;
        }
        "other" | "idor" => ("acme-admin", "acme-password"),
        "off" => ("globex-admin", "globex-password"),
        "viewer" => ("viewer", "viewer-password"),
        "analyst" => ("analyst", "analyst-password"),
        "admin" => ("admin", ADMIN_PW),
        _ => unreachable!(),
    };
    Client::signed_in(app, user, pw).await
}

/// The tenant a column names.
fn tenant_of(caller: &str) -> &'static str {
    match caller {
        "idor" => "acme",
        "off" => "globex",
        _ => "demo",
    }
}

const UPLOAD_BODY: &str = r#"{"time":"2026-11-20T08:00:00Z","method":"GET","host":"shop.example.com","path":"/api/items/1","status":200,"client_ip":"10.0.0.1"}"#;

async fn upload(c: &mut Client, tenant: &str, source: &str, csrf: bool) -> Resp {
    let token = if csrf {
        c.csrf().await
    } else {
        "forged".into()
    };
    c.request(
        "POST",
        &format!("/upload?tenant={tenant}&region=cn&source={source}"),
        &[("x-csrf-token", &token), ("x-file-name", "matrix.jsonl")],
        Body::from(format!("{UPLOAD_BODY}\n")),
    )
    .await
}

/// Makes the per-call objects a row's placeholders ask for, in Demo.
async fn fresh_id(app: &TestApp, fx: &mut Fixture, name: &str) -> String {
    fx.counter += 1;
    let count = fx.counter;
    let n = count.to_string();
    let admin = &mut fx.admin;
    match name {
        "new_policy" => with_csrf(
            admin,
            "/api/policy_save",
            &[
                ("tenant", "demo"),
                ("kind", "sensitive"),
                ("definition", &sensitive_policy(count)),
            ],
        )
        .await["id"]
            .to_string(),
        "new_rule" => {
            let host = format!("rule{n}.example.com");
            with_csrf(
                admin,
                "/api/risk_ignore_add",
                &[("tenant", "demo"), ("region", "cn"), ("host", &host)],
            )
            .await
            .to_string()
        }
        "new_correction" => {
            let value = format!("/fresh-{n}");
            with_csrf(
                admin,
                "/api/template_correction_add",
                &[
                    ("tenant", "demo"),
                    ("action", "ignore_path"),
                    ("host", ""),
                    ("value", &value),
                ],
            )
            .await["id"]
                .to_string()
        }
        "new_job" => {
            let scope = demo_scope(app).await;
            backend::jobs::enqueue(
                &app.backend,
                Some(scope),
                "analysis",
                &format!("matrix {n}"),
            )
            .await
            .unwrap()
            .to_string()
        }
        other => panic!("unknown placeholder {{{other}}}"),
    }
}

/// The row's arguments for one column, placeholders filled.
async fn fill(app: &TestApp, fx: &mut Fixture, row: &Row, caller: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    for (k, v) in row.args {
        let mut v = v.to_string();
        while let Some(start) = v.find('{') {
            let Some(len) = v[start..].find('}') else {
                break;
            };
            let name = v[start + 1..start + len].to_string();
            let value = match name.as_str() {
                "t" => tenant_of(caller).to_string(),
                "n" => {
                    fx.counter += 1;
                    fx.counter.to_string()
                }
                "risk_rule" => RISK_RULE.to_string(),
                "sensitive_policy" => {
                    fx.counter += 1;
                    sensitive_policy(fx.counter)
                }
                n if n.starts_with("new_") => fresh_id(app, fx, n).await,
                n => match fx.ids.get(n) {
                    Some(id) => id.clone(),
                    // Not a placeholder (e.g. JSON in a definition): leave the rest as is.
                    None => break,
                },
            };
            v.replace_range(start..start + len + 1, &value);
        }
        out.push((k.to_string(), v));
    }
    out
}

fn query_string(args: &[(String, String)]) -> String {
    args.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Calls the row as `caller` with a CSRF token (`Some(forged)` to send a wrong one).
async fn call(app: &TestApp, fx: &mut Fixture, row: &Row, col: usize, forged: bool) -> Resp {
    let caller = CALLERS[col];
    let mut args = fill(app, fx, row, caller).await;
    let mut fresh = if row.fresh {
        Some(sign_in(app, caller).await)
    } else {
        None
    };
    let c = match fresh.as_mut() {
        Some(c) => c,
        None => &mut fx.clients[col],
    };
    let token = if forged {
        "forged".to_string()
    } else {
        c.csrf().await
    };
    match (row.method, row.path) {
        ("GET", "/pkg/{*file}") => c.get("/pkg/apisec.css").await,
        ("GET", path) => {
            let q = query_string(&args);
            c.get(&if q.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{q}")
            })
            .await
        }
        ("POST", "/upload") => {
            let uri = format!("/upload?{}", query_string(&args));
            let body = Body::from(format!("{UPLOAD_BODY}\n"));
            c.request("POST", &uri, &[("x-csrf-token", &token)], body)
                .await
        }
        ("POST", "/ingest/v1/logs") => {
            c.request(
                "POST",
                row.path,
                &[],
                Body::from(format!("{UPLOAD_BODY}\n")),
            )
            .await
        }
        ("POST", path) => {
            if row.csrf == Csrf::Form {
                args.push(("csrf".into(), token));
            }
            let form: Vec<(&str, &str)> =
                args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            c.post(path, &form).await
        }
        (m, p) => panic!("no way to call {m} {p}"),
    }
}

/// The error variant of a server function's JSON error body (`"Forbidden"`, `{"Invalid":..}`).
fn error_kind(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => o.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// `None` when `r` is what `want` says, else what differs.
fn mismatch(row: &Row, want: O, r: &Resp, same_as: Option<StatusCode>) -> Option<String> {
    let server_fn = row.path.starts_with("/api/");
    let kind = |k: &str| -> Option<String> {
        (server_fn && error_kind(&r.body) != k)
            .then(|| format!("error kind {:?}, want {k}", error_kind(&r.body)))
    };
    let got = r.status;
    match want {
        Allow if got.is_success() || (server_fn && got.is_redirection()) => None,
        Unauth if got == StatusCode::UNAUTHORIZED => kind("Unauthenticated"),
        Forbid if got == StatusCode::FORBIDDEN => kind("Forbidden"),
        NotFound if got == StatusCode::NOT_FOUND => kind("NotFound"),
        Redirect(to) if got.is_redirection() && r.location().starts_with(to) => None,
        Same if !got.is_server_error() && same_as.is_none_or(|s| s == got) => None,
        Page if (got == StatusCode::OK || got == StatusCode::FORBIDDEN)
            && r.body.starts_with("<!DOCTYPE html>") =>
        {
            None
        }
        _ => Some(format!("status {got} (location {:?})", r.location())),
    }
}

#[tokio::test]
async fn authorisation_matrix() {
    for kind in backends() {
        eprintln!("-- database: {kind}");
        let mut app = app(kind).await;
        // Uploaded segments go to a temporary directory, not the working directory.
        let segments = tempfile::tempdir().unwrap();
        app.backend = app
            .backend
            .clone()
            .with_ingest(backend::ingest::IngestConfig::new(segments.path()));
        app.router = server::routes::router(
            app.backend.clone(),
            server::routes::RouterOptions {
                secure_cookies: false,
            },
        );
        let mut fx = fixture(&app).await;
        let mut failures = vec![];
        for row in rows() {
            let mut first_status = None;
            for (col, want) in row.expect.iter().enumerate() {
                let r = call(&app, &mut fx, &row, col, false).await;
                if let Some(why) = mismatch(&row, *want, &r, first_status) {
                    let body: String = r.body.chars().take(160).collect();
                    failures.push(format!(
                        "{} {} as {}: want {want:?}, got {why}: {body}",
                        row.method, row.path, CALLERS[col]
                    ));
                }
                first_status.get_or_insert(r.status);
            }
            // Every state change refuses a wrong CSRF token, even from an admin.
            if row.csrf != Csrf::No {
                let admin = CALLERS.len() - 1;
                let r = call(&app, &mut fx, &row, admin, true).await;
                let refused = r.status == StatusCode::FORBIDDEN
                    && (!row.path.starts_with("/api/") || error_kind(&r.body) == "CsrfMismatch");
                if !refused {
                    failures.push(format!(
                        "{} {} as admin with a forged CSRF token: {} {}",
                        row.method, row.path, r.status, r.body
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{kind}: {} cells of the authorisation matrix differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
