//! Assets page through HTTP (server functions and downloads), on SQLite and PostgreSQL: the
//! demo generator's traffic is analysed by the engine, stored with `results::replace`, then
//! listed, filtered, sorted, paged, opened, exported and compared.

#[macro_use]
mod common;

use axum::http::StatusCode;
use backend::scope::Scope;
use common::*;
use engine::pipeline::Findings;
use serde_json::Value;
use std::collections::BTreeSet;

/// Findings of a small demo traffic set, computed once per test binary.
fn findings() -> &'static Findings {
    analysed_demo(2, 4_000)
}

/// Demo tenant with API security on (trial) and the demo findings stored; returns an
/// admin client.
async fn seeded(app: &TestApp) -> (Client, Scope) {
    let mut c = Client::signed_in(app, "admin", ADMIN_PW).await;
    assert_eq!(c.lifecycle("demo", "consent").await.status, StatusCode::OK);
    assert_eq!(c.lifecycle("demo", "trial").await.status, StatusCode::OK);
    let scope = demo_scope(app).await;
    backend::results::replace(&app.backend, scope, findings())
        .await
        .unwrap();
    (c, scope)
}

async fn list(c: &mut Client, q: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form: Vec<(String, String)> = vec![
        ("tenant".into(), "demo".into()),
        ("region".into(), "cn".into()),
    ];
    // An empty query still has to be present for the `query` argument.
    if q.is_empty() {
        form.push(("query[q]".into(), String::new()));
    }
    for (k, v) in q {
        form.push((format!("query[{k}]"), v.to_string()));
    }
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = c.post("/api/assets_list", &refs).await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

fn rows(v: &Value) -> &Vec<Value> {
    v["rows"].as_array().unwrap()
}

fn count_where(f: &Findings, p: impl Fn(&engine::facts::ApiSummary) -> bool) -> i64 {
    f.apis.iter().filter(|a| p(a)).count() as i64
}

#[tokio::test]
async fn list_filters_sorts_pages_and_details() {
    let f = findings();
    assert!(
        f.apis.len() > 60,
        "demo traffic should give more than one page of APIs"
    );
    each_db!(app => {
        let (mut c, _) = seeded(&app).await;

        // default: everything, 50 per page, most called first
        let (st, v) = list(&mut c, &[]).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["total"], f.apis.len() as i64);
        assert_eq!(rows(&v).len(), 50);
        let calls: Vec<i64> = rows(&v).iter().map(|r| r["calls"].as_i64().unwrap()).collect();
        assert!(calls.windows(2).all(|w| w[0] >= w[1]), "{calls:?}");
        assert_eq!(calls[0], f.apis.iter().map(|a| a.calls as i64).max().unwrap());

        // ascending calls, and page 2 does not overlap page 1
        let (_, asc) = list(&mut c, &[("sort", "calls"), ("dir", "asc")]).await;
        let a: Vec<i64> = rows(&asc).iter().map(|r| r["calls"].as_i64().unwrap()).collect();
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
        let (_, p2) = list(&mut c, &[("page", "2")]).await;
        let ids1: BTreeSet<i64> = rows(&v).iter().map(|r| r["id"].as_i64().unwrap()).collect();
        let ids2: BTreeSet<i64> = rows(&p2).iter().map(|r| r["id"].as_i64().unwrap()).collect();
        assert!(!ids2.is_empty() && ids1.is_disjoint(&ids2));
        for col in ["path", "host", "last_seen", "first_seen", "sensitivity_rank", "risk_count", "event_count"] {
            let (st, v) = list(&mut c, &[("sort", col)]).await;
            assert_eq!(st, StatusCode::OK, "{col}: {v}");
            assert_eq!(v["sort"], col);
        }
        let (_, s) = list(&mut c, &[("sort", "sensitivity_rank")]).await;
        let top = &rows(&s)[0]["sensitivity"];
        let best = f.apis.iter().map(|a| a.sensitivity).max().unwrap().as_str();
        assert_eq!(top, best);

        // filters match what the engine found
        let host = f.apis[0].key.host.clone();
        let (_, h) = list(&mut c, &[("host", &host)]).await;
        assert_eq!(h["total"], count_where(f, |a| a.key.host == host));
        assert!(rows(&h).iter().all(|r| r["host"] == host.as_str()));
        let part = &host[1..host.len() - 1].to_uppercase();
        let (_, d) = list(&mut c, &[("domain", part)]).await;
        assert_eq!(d["total"], count_where(f, |a| a.key.host.contains(&part.to_lowercase())));
        let (_, none) = list(&mut c, &[("host", &host[1..])]).await;
        assert_eq!(none["total"], count_where(f, |a| a.key.host == host[1..]), "host is exact");
        for (param, val, expect) in [
            ("sens", "high", count_where(f, |a| a.sensitivity.as_str() == "high")),
            ("sens", "none", count_where(f, |a| a.sensitivity.as_str() == "none")),
            ("auth", "no", count_where(f, |a| !a.authenticated)),
            ("auth", "yes", count_where(f, |a| a.authenticated)),
            ("active", "yes", count_where(f, |a| a.active)),
            ("service", "internal_office", count_where(f, |a| a.service_object.as_str() == "internal_office")),
        ] {
            let (st, r) = list(&mut c, &[(param, val)]).await;
            assert_eq!(st, StatusCode::OK);
            assert_eq!(r["total"], expect, "{param}={val}");
        }
        let tagged = f.apis.iter().find(|a| !a.purposes.is_empty()).expect("some API has a purpose");
        let p = tagged.purposes[0].clone();
        let (_, r) = list(&mut c, &[("purpose", &p.purpose)]).await;
        assert_eq!(r["total"], count_where(f, |a| a.purposes.iter().any(|t| t.purpose == p.purpose)));
        let (_, r) = list(&mut c, &[("ptype", &p.kind)]).await;
        assert_eq!(r["total"], count_where(f, |a| a.purposes.iter().any(|t| t.kind == p.kind)));
        let word = tagged.key.path.split('/').find(|s| s.len() > 2 && !s.starts_with('{')).unwrap_or("a").to_string();
        let (_, r) = list(&mut c, &[("q", &word)]).await;
        assert_eq!(r["total"], count_where(f, |a| a.key.path.to_lowercase().contains(&word.to_lowercase())), "q={word}");
        let (_, r) = list(&mut c, &[("q", "%")]).await;
        assert_eq!(r["total"], count_where(f, |a| a.key.path.contains('%')), "LIKE wildcards are literal");

        // bad input is a clear 400
        for (k, v) in [("sort", "calls; DROP TABLE apis"), ("page", "0"), ("sens", "critical"), ("auth", "maybe")] {
            let (st, body) = list(&mut c, &[(k, v)]).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{k}={v}: {body}");
            assert!(body["Invalid"].as_str().unwrap().contains(k.trim_end_matches('s')), "{body}");
        }

        // facets
        let fc = c.post("/api/assets_facets", &[("tenant", "demo"), ("region", "cn")]).await;
        assert_eq!(fc.status, StatusCode::OK, "{}", fc.body);
        let fc = fc.json();
        let hosts: BTreeSet<&str> = f.apis.iter().map(|a| a.key.host.as_str()).collect();
        assert_eq!(fc["hosts"].as_array().unwrap().len(), hosts.len());
        assert_eq!(fc["total"], f.apis.len() as i64);
        assert!(fc["purposes"].as_array().unwrap().iter().any(|x| x["key"] == p.purpose.as_str() && x["label"] != p.purpose.as_str()));

        // detail of the API with the most risks
        let (_, r) = list(&mut c, &[("sort", "risk_count")]).await;
        let top = &rows(&r)[0];
        let id = top["id"].as_i64().unwrap().to_string();
        let d = c.post("/api/asset_detail", &[("tenant", "demo"), ("region", "cn"), ("id", &id)]).await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.body);
        let d = d.json();
        let api = f.apis.iter().find(|a| backend::results::api_key(&a.key) == top["api_key"].as_str().unwrap()).unwrap();
        let risks = f.risks.iter().filter(|r| r.api == api.key).count();
        assert!(risks > 0);
        assert_eq!(d["risks"].as_array().unwrap().len(), risks.min(100));
        assert_eq!(d["params"].as_array().unwrap().len(), api.params.len());
        assert_eq!(d["response_types"].as_array().unwrap().len(), api.response_types.len());
        assert_eq!(d["events"].as_array().unwrap().len(), f.events.iter().filter(|e| e.api == api.key).count().min(100));
        // an id that does not exist in this scope
        let d = c.post("/api/asset_detail", &[("tenant", "demo"), ("region", "intl"), ("id", &id)]).await;
        assert_eq!(d.status, StatusCode::NOT_FOUND);
    });
}

/// The list's rows are cached under the scope's results version (issue 10): the same page
/// again is a cache hit, and a re-analysis stored by *another* back end on the same database
/// (a second server process) is seen by the next request.
#[tokio::test]
async fn cached_list_pages_follow_a_reanalysis() {
    each_db!(app => {
        let (mut c, scope) = seeded(&app).await;
        let f = findings();
        let (_, first) = list(&mut c, &[]).await;
        assert_eq!(first["total"], f.apis.len() as i64, "{first}");
        let (hits, _) = app.backend.cache.stats();
        let (_, again) = list(&mut c, &[]).await;
        assert_eq!(again, first);
        assert!(app.backend.cache.stats().0 >= hits + 2, "count and rows are cache hits");

        let other_process = backend::Backend::open(&app.database_url, app.clock.clone())
            .await
            .unwrap();
        let mut fewer = f.clone();
        fewer.apis.truncate(3);
        fewer.risks.clear();
        fewer.events.clear();
        backend::results::replace(&other_process, scope, &fewer).await.unwrap();
        other_process.db.pool.close().await;

        let (_, after) = list(&mut c, &[]).await;
        assert_eq!(after["total"], 3, "{after}");
        let shown: BTreeSet<&str> = rows(&after).iter().map(|r| r["path"].as_str().unwrap()).collect();
        let kept: BTreeSet<&str> = fewer.apis.iter().map(|a| a.key.path.as_str()).collect();
        assert_eq!(shown, kept);
    });
}

/// A full page load builds the page once: the server reads the session before rendering
/// (`security::guard`), so `ConsoleLayout` does not wait in a `Suspense` that walks, and
/// builds, the page twice. The page's resources (facets, list) are serialised into the HTML
/// once each, and the session itself travels as the layout's shared value.
#[tokio::test]
async fn a_page_load_serialises_its_data_once() {
    each_db!(app => {
        let (mut c, _) = seeded(&app).await;
        let page = c.get("/assets?tenant=demo&region=cn").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("data-testid=\"asset-row\""));
        let resources = page.body.matches("__RESOLVED_RESOURCES[").count();
        let facets = page.body.matches("\\\"purpose_types\\\"").count();
        let lists = page.body.matches("\\\"page_size\\\"").count();
        assert_eq!((facets, lists), (1, 1), "{resources} resources in the page");
    });
}

#[tokio::test]
async fn sensitive_tab_counts_values_and_apis() {
    let f = findings();
    each_db!(app => {
        let (mut c, _) = seeded(&app).await;
        let r = c.post("/api/assets_sensitive_types", &[("tenant", "demo"), ("region", "cn")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let types = r.json();
        let types = types.as_array().unwrap();
        assert!(!types.is_empty());
        for t in types {
            let id = t["type_id"].as_u64().unwrap() as u32;
            let req: u64 = f.apis.iter().filter_map(|a| a.request_types.get(&id)).sum();
            let resp: u64 = f.apis.iter().filter_map(|a| a.response_types.get(&id)).sum();
            let apis = count_where(f, |a| a.request_types.contains_key(&id) || a.response_types.contains_key(&id));
            assert_eq!(t["request_values"].as_u64().unwrap(), req, "{t}");
            assert_eq!(t["response_values"].as_u64().unwrap(), resp, "{t}");
            assert_eq!(t["apis"].as_i64().unwrap(), apis, "{t}");
            assert!(!t["name"].as_str().unwrap().starts_with("Custom"), "{t}");
        }
        let id = types[0]["type_id"].as_u64().unwrap();
        let r = c.post("/api/assets_sensitive_type_apis", &[("tenant", "demo"), ("region", "cn"), ("type_id", &id.to_string())]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = r.json();
        assert_eq!(r["apis"].as_array().unwrap().len() as i64, types[0]["apis"].as_i64().unwrap());
        assert_eq!(r["name"], types[0]["name"]);
    });
}

#[tokio::test]
async fn csv_and_openapi_downloads() {
    let f = findings();
    each_db!(app => {
        let (mut c, scope) = seeded(&app).await;
        let r = c.get("/export/assets.csv?tenant=demo&region=cn").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(r.headers["content-disposition"].to_str().unwrap().contains("attachment"));
        let lines: Vec<&str> = r.body.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), f.apis.len() + 1, "all rows, not one page");
        assert!(lines[0].starts_with("host,method,path,purposes"));
        let host = &f.apis[0].key.host;
        let r = c.get(&format!("/export/assets.csv?tenant=demo&region=cn&host={host}&sort=path")).await;
        let n = r.body.split("\r\n").filter(|l| !l.is_empty()).count() as i64 - 1;
        assert_eq!(n, count_where(f, |a| &a.key.host == host));
        assert_eq!(c.get("/export/assets.csv?tenant=demo&region=cn&sort=evil").await.status, StatusCode::BAD_REQUEST);

        // a hostile host name from the logs is not a formula in the spreadsheet
        sqlx::query("INSERT INTO apis (tenant_id, rg_id, region, api_key, host, method, path, calls,
                first_seen, last_seen, active, service_object, authenticated, sensitivity, sensitivity_rank)
             VALUES ($1, $2, 'cn', 'GET =1+1/x', '=HYPERLINK(\"http://evil\")', 'GET', '/x', 1, 0, 0, 0, 'public_service', 0, 'none', 0)")
            .bind(scope.tenant_id).bind(scope.rg_id).execute(&app.backend.db.pool).await.unwrap();
        let r = c.get("/export/assets.csv?tenant=demo&region=cn&domain=hyperlink").await;
        let line = r.body.split("\r\n").nth(1).unwrap();
        assert!(line.starts_with("\"'=HYPERLINK("), "{line}");

        // markup in a path from the logs is rendered as text by the server-rendered page
        sqlx::query("INSERT INTO apis (tenant_id, rg_id, region, api_key, host, method, path, calls,
                first_seen, last_seen, active, service_object, authenticated, sensitivity, sensitivity_rank)
             VALUES ($1, $2, 'cn', 'GET x.evil/<img src=x onerror=alert(1)>', 'x.evil', 'GET', '/<img src=x onerror=alert(1)>', 1, 0, 0, 0, 'public_service', 0, 'none', 0)")
            .bind(scope.tenant_id).bind(scope.rg_id).execute(&app.backend.db.pool).await.unwrap();
        let page = c.get("/assets?tenant=demo&region=cn&host=x.evil").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("onerror=alert(1)"), "the row is rendered");
        assert!(!page.body.contains("<img src=x"), "as text, not markup");

        // OpenAPI of one host: parses, and has every path of the host
        let r = c.get(&format!("/export/openapi.json?tenant=demo&region=cn&host={host}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let doc = r.json();
        assert_eq!(doc["openapi"], "3.1.0");
        for a in f.apis.iter().filter(|a| &a.key.host == host) {
            let url = a.key.path.split('#').next().unwrap();
            assert!(doc["paths"][url][a.key.method.to_lowercase()].is_object(), "{url} {}", a.key.method);
        }
        assert_eq!(c.get("/export/openapi.json?tenant=demo&region=cn&host=no.such.host").await.status, StatusCode::NOT_FOUND);
        assert_eq!(c.get("/export/openapi.json?tenant=demo&region=cn").await.status, StatusCode::BAD_REQUEST);

        // the exported spec compared with the traffic: nothing shadow; drop one operation and
        // add a deprecated one and an unseen one, and they show up
        let spec = doc.to_string();
        let r = c.post("/api/assets_compare_spec", &[("tenant", "demo"), ("region", "cn"), ("host", host), ("spec", &spec)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = r.json();
        assert_eq!(r["shadow"].as_array().unwrap().len(), 0, "{r}");
        assert_eq!(r["zombie_unseen"].as_array().unwrap().len(), 0, "{r}");

        let mut edited = doc.clone();
        let paths = edited["paths"].as_object_mut().unwrap();
        let (dropped, item) = paths.iter().next().map(|(k, v)| (k.clone(), v.clone())).unwrap();
        let dropped_method = item.as_object().unwrap().keys().next().unwrap().clone();
        paths.remove(&dropped);
        paths.insert("/never/seen/{id}".into(), serde_json::json!({"get": {"operationId": "ghost"}}));
        let seen_path = paths.keys().find(|k| !k.starts_with("/never")).unwrap().clone();
        let m = paths[&seen_path].as_object().unwrap().keys().next().unwrap().clone();
        paths.get_mut(&seen_path).unwrap()[&m]["deprecated"] = Value::Bool(true);
        let edited = edited.to_string();
        let r = c.post("/api/assets_compare_spec", &[("tenant", "demo"), ("region", "cn"), ("host", host), ("spec", &edited)]).await.json();
        let shadow: Vec<String> = r["shadow"].as_array().unwrap().iter().map(|s| s[1].as_str().unwrap().to_string()).collect();
        assert!(shadow.iter().any(|s| s.starts_with(&dropped_method.to_uppercase()) && s.contains(dropped.split('{').next().unwrap())), "{shadow:?} {dropped}");
        assert!(r["shadow"][0][0].as_i64().unwrap() > 0, "shadow APIs link to their detail");
        assert_eq!(r["zombie_unseen"][0]["path"], "/never/seen/{id}");
        assert_eq!(r["zombie_deprecated"][0]["path"], seen_path.as_str());

        let bad = c.post("/api/assets_compare_spec", &[("tenant", "demo"), ("region", "cn"), ("host", ""), ("spec", "{not json")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("cannot read the spec"), "{}", bad.body);
    });
}

#[tokio::test]
async fn downloads_and_functions_are_authorised() {
    each_db!(app => {
        let (_, _) = seeded(&app).await;
        // no session
        let mut anon = Client::new(&app);
        assert_eq!(anon.get("/export/assets.csv?tenant=demo&region=cn").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(anon.get("/export/openapi.json?tenant=demo&region=cn&host=x").await.status, StatusCode::UNAUTHORIZED);
        let (st, _) = list(&mut anon, &[]).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        // another tenant's user: not found
        let mut acme = Client::signed_in(&app, "acme-admin", "acme-password").await;
        assert_eq!(acme.get("/export/assets.csv?tenant=demo&region=cn").await.status, StatusCode::NOT_FOUND);
        let (st, _) = list(&mut acme, &[]).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let r = acme.post("/api/asset_detail", &[("tenant", "demo"), ("region", "cn"), ("id", "1")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // own tenant without API security: forbidden
        let r = acme.get("/export/assets.csv?tenant=acme&region=cn").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = acme.post("/api/assets_sensitive_types", &[("tenant", "acme"), ("region", "cn")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // a viewer of the tenant reads
        let mut viewer = Client::signed_in(&app, "viewer", "viewer-password").await;
        let (st, v) = list(&mut viewer, &[]).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(viewer.get("/export/assets.csv?tenant=demo&region=cn").await.status, StatusCode::OK);
    });
}

#[tokio::test]
async fn template_corrections_are_validated_stored_and_audited() {
    each_db!(app => {
        let (mut admin, scope) = seeded(&app).await;
        let add = |action: &'static str, host: &'static str, value: &'static str| {
            [("tenant", "demo"), ("action", action), ("host", host), ("value", value)]
        };
        // viewer: forbidden; analyst without the CSRF token: refused
        let mut viewer = Client::signed_in(&app, "viewer", "viewer-password").await;
        let csrf = viewer.csrf().await;
        let mut form = add("merge", "", "/users/{user}").to_vec();
        form.push(("csrf", &csrf));
        assert_eq!(viewer.post("/api/template_correction_add", &form).await.status, StatusCode::FORBIDDEN);
        let mut analyst = Client::signed_in(&app, "demo", "demo-password").await;
        let mut form = add("merge", "", "/users/{user}").to_vec();
        form.push(("csrf", "wrong"));
        assert_eq!(analyst.post("/api/template_correction_add", &form).await.status, StatusCode::FORBIDDEN);

        let csrf = analyst.csrf().await;
        for (action, host, value, needle) in [
            ("merge", "", "users/{user}", "must start with /"),
            ("merge", "", "/users/admin", "no {variable}"),
            ("split", "bad host!", "/users/admin", "is not a host name"),
            ("literal", "", "a/b", "one path segment"),
            ("ignore_path", "", "health", "must start with /"),
            ("rename", "", "/x", "unknown correction"),
        ] {
            let mut form = add(action, host, value).to_vec();
            form.push(("csrf", &csrf));
            let r = analyst.post("/api/template_correction_add", &form).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{action} {value}: {}", r.body);
            assert!(r.body.contains(needle), "{action}: {}", r.body);
        }
        for (action, host, value) in [
            ("merge", "", "/users/{user}"),
            ("split", "API.shop.example", "/users/admin"),
            ("literal", "", "export"),
            ("ignore_host", "", "*.cdn.example"),
            ("ignore_path", "", "/health"),
        ] {
            let mut form = add(action, host, value).to_vec();
            form.push(("csrf", &csrf));
            let r = analyst.post("/api/template_correction_add", &form).await;
            assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.body);
        }
        let mut dup = add("literal", "", "export").to_vec();
        dup.push(("csrf", &csrf));
        assert_eq!(analyst.post("/api/template_correction_add", &dup).await.status, StatusCode::CONFLICT);

        let list = analyst.post("/api/template_corrections", &[("tenant", "demo")]).await.json();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 5);
        assert_eq!(list[0]["created_by"], "demo");

        // what the analysis job will use
        let rules = backend::inventory::template_rules(&app.backend, scope.tenant_id).await.unwrap();
        assert_eq!(rules.forced.len(), 2);
        assert_eq!(rules.forced[0].template, "/users/admin");
        assert_eq!(rules.forced[0].host.as_deref(), Some("api.shop.example"));
        assert_eq!(rules.literal_segments, vec!["export".to_string()]);
        assert_eq!(rules.ignored_hosts, vec!["*.cdn.example".to_string()]);
        assert_eq!(rules.ignored_path_prefixes, vec!["/health".to_string()]);
        // another tenant's rules are separate
        let acme: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = 'acme'").fetch_one(&app.backend.db.pool).await.unwrap();
        assert_eq!(backend::inventory::template_rules(&app.backend, acme).await.unwrap(), engine::discovery::TemplateRules::default());

        // delete: other tenant's admin cannot; analyst can; both audited
        let id = list[0]["id"].as_i64().unwrap().to_string();
        let mut acme_c = Client::signed_in(&app, "acme-admin", "acme-password").await;
        let acsrf = acme_c.csrf().await;
        assert_eq!(acme_c.post("/api/template_correction_delete", &[("tenant", "demo"), ("id", &id), ("csrf", &acsrf)]).await.status, StatusCode::NOT_FOUND);
        let r = analyst.post("/api/template_correction_delete", &[("tenant", "demo"), ("id", &id), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(analyst.post("/api/template_correction_delete", &[("tenant", "demo"), ("id", &id), ("csrf", &csrf)]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(backend::inventory::template_rules(&app.backend, scope.tenant_id).await.unwrap().forced.len(), 1);
        let log = admin.post("/api/audit_log", &[("tenant", "demo")]).await.body;
        assert!(log.contains("template_correction.add") && log.contains("template_correction.delete"), "{log}");
    });
}

/// The list query on 100k APIs in one scope (SQLite): a sorted, filtered page with its total
/// must stay interactive. Asserts < 100 ms per query in release builds; debug builds get a
/// loose bound and print the figures (see docs/assets.md for measured numbers).
#[tokio::test]
async fn list_stays_fast_on_100k_apis() {
    let app = app("sqlite").await;
    let scope = demo_scope(&app).await;
    let mut tx = app.backend.db.pool.begin().await.unwrap();
    const N: i64 = 100_000;
    const BATCH: i64 = 500;
    let hosts = [
        "api.shop.example",
        "m.shop.example",
        "admin.shop.example",
        "partner.shop.example",
    ];
    for start in (0..N).step_by(BATCH as usize) {
        let mut sql = String::from(
            "INSERT INTO apis (tenant_id, rg_id, region, api_key, host, method, path, calls, first_seen,
                last_seen, active, service_object, authenticated, sensitivity, sensitivity_rank,
                purpose_keys, purposes, risk_count, event_count) VALUES ",
        );
        for i in start..start + BATCH {
            let host = hosts[(i % 4) as usize];
            let sens = ["none", "low", "medium", "high"][(i % 7 % 4) as usize];
            let purpose = if i % 5 == 0 {
                ",user_authentication,"
            } else {
                ","
            };
            let purposes = if i % 5 == 0 {
                r#"[{"purpose":"user_authentication","type":"logon"}]"#
            } else {
                "[]"
            };
            if i > start {
                sql.push(',');
            }
            // Generated values only (no input): formatting them is safe here.
            sql.push_str(&format!(
                "({}, {}, 'cn', 'GET {host}/v1/r{i}/{{id}}', '{host}', 'GET', '/v1/r{i}/{{id}}', {}, {}, {}, {}, 'public_service', {}, '{sens}', {}, '{purpose}', '{purposes}', {}, {})",
                scope.tenant_id, scope.rg_id, (i * 7919) % 100_000, i * 1000, i * 1000 + 5000, i % 3 % 2, i % 2,
                backend::results::sensitivity_rank(sens), i % 11, i % 13
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE")
        .execute(&app.backend.db.pool)
        .await
        .unwrap();

    use backend::inventory::{list, ApiFilter, ListOrder, SortColumn};
    let cases: Vec<(&str, ApiFilter, ListOrder)> = vec![
        ("calls desc", ApiFilter::default(), ListOrder::default()),
        (
            "last_seen page 1000",
            ApiFilter::default(),
            ListOrder {
                column: SortColumn::LastSeen,
                page: 1000,
                ..ListOrder::default()
            },
        ),
        (
            "path asc",
            ApiFilter::default(),
            ListOrder {
                column: SortColumn::Path,
                desc: false,
                ..ListOrder::default()
            },
        ),
        (
            "host filter, risks",
            ApiFilter {
                host: Some("admin.shop.example".into()),
                ..Default::default()
            },
            ListOrder {
                column: SortColumn::RiskCount,
                ..ListOrder::default()
            },
        ),
        (
            "high + unauthenticated",
            ApiFilter {
                sensitivity: Some("high".into()),
                authenticated: Some(false),
                ..Default::default()
            },
            ListOrder::default(),
        ),
        (
            "purpose",
            ApiFilter {
                purpose: Some("user_authentication".into()),
                ..Default::default()
            },
            ListOrder {
                column: SortColumn::FirstSeen,
                ..ListOrder::default()
            },
        ),
        (
            "path text",
            ApiFilter {
                text: Some("r9999".into()),
                ..Default::default()
            },
            ListOrder::default(),
        ),
    ];
    let limit_ms = if cfg!(debug_assertions) { 3000 } else { 100 };
    for (name, f, o) in cases {
        // Another page size warms the cached count but not these rows, so their query is what
        // is timed. The same page again is a cache hit with the same rows.
        let warm = ListOrder {
            page_size: o.page_size + 1,
            ..o
        };
        let _ = list(&app.backend, scope, &f, warm).await.unwrap();
        let t = std::time::Instant::now();
        let page = list(&app.backend, scope, &f, o).await.unwrap();
        let ms = t.elapsed().as_millis();
        let (hits, _) = app.backend.cache.stats();
        let again = list(&app.backend, scope, &f, o).await.unwrap();
        assert_eq!(
            app.backend.cache.stats().0,
            hits + 2,
            "{name}: count and rows cached"
        );
        assert_eq!(again.rows, page.rows, "{name}");
        eprintln!(
            "100k APIs, {name}: {ms} ms (total {}, {} rows)",
            page.total,
            page.rows.len()
        );
        assert!(page.total > 0 && !page.rows.is_empty(), "{name}");
        assert!(ms < limit_ms, "{name}: {ms} ms");
    }
}
