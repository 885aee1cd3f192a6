//! Basic Detection and Overview (issue 9) over HTTP, on SQLite and PostgreSQL: figures equal
//! direct counts of the stored results, period selection, server-drawn SVG charts, escaping of
//! hostile host names, authorisation and the language switch.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use backend::scope::Scope;
use common::*;

const EVIL_HOST: &str = "<script>alert(1)</script>.evil.example";

/// Demo findings (cached per process: the analysis is the slow part).
fn findings() -> &'static engine::pipeline::Findings {
    analysed_demo(4, 4_000)
}

/// Stores the demo analysis in the Demo tenant (region cn) as an analysis job would.
async fn seed(app: &TestApp) -> Scope {
    let scope = demo_scope(app).await;
    let f = findings();
    assert!(!f.apis.is_empty() && !f.risks.is_empty() && !f.events.is_empty());
    backend::results::replace(&app.backend, scope, f)
        .await
        .unwrap();
    scope
}

async fn scalar(app: &TestApp, sql: &str, scope: Scope) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(scope.region_str())
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap()
}

async fn enable_api_security(app: &TestApp) {
    let mut admin = Client::signed_in(app, "admin", ADMIN_PW).await;
    assert_eq!(
        admin.lifecycle("demo", "consent").await.status,
        StatusCode::OK
    );
    let r = admin.lifecycle("demo", "trial").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn overview(c: &mut Client, extra: &[(&str, &str)]) -> Resp {
    let mut form = vec![("tenant", "demo"), ("region", "cn")];
    form.extend_from_slice(extra);
    c.post("/api/overview", &form).await
}

/// A request with the client's session cookie plus extra cookies (e.g. the language).
async fn send_with_cookie(c: &Client, method: &str, path: &str, cookie: &str, form: &str) -> Resp {
    let mut cookies = cookie.to_string();
    if let Some(s) = &c.cookie {
        cookies.push_str(&format!("; apisec_session={s}"));
    }
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap();
    send(&c.router, req).await
}

/// Tags of the SVG open and close in order (a small well-formedness check without a parser).
fn assert_well_formed(svg: &str) {
    let mut stack: Vec<String> = vec![];
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("unterminated tag") + i;
        let tag = &rest[i + 1..end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_alphanumeric())
            .collect();
        if tag.starts_with('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.as_str()),
                "bad close </{name}>"
            );
        } else if !tag.ends_with('/') {
            stack.push(name);
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert!(svg.starts_with("<svg"));
}

#[tokio::test]
async fn basic_detection_figures_equal_direct_counts() {
    each_db!(app => {
        let mut c = Client::signed_in(&app, "demo", "demo-password").await;
        // Before any analysis: zeros, no cards.
        let r = c.post("/api/basic_detection", &[("tenant", "demo"), ("region", "cn")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["events_total"], 0);
        assert_eq!(r.json()["recent_events"].as_array().unwrap().len(), 0);

        let scope = seed(&app).await;
        let r = c.post("/api/basic_detection", &[("tenant", "demo"), ("region", "cn")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json();
        let w = "WHERE tenant_id = $1 AND rg_id = $2 AND region = $3";
        let total = scalar(&app, &format!("SELECT COUNT(*) FROM events {w}"), scope).await;
        assert!(total > 0);
        assert_eq!(v["events_total"], total);
        for level in ["high", "medium", "low"] {
            let n = scalar(&app, &format!("SELECT COUNT(*) FROM events {w} AND level = '{level}'"), scope).await;
            assert_eq!(v[format!("events_{level}")], n, "{level}");
        }
        let apis = scalar(&app, &format!("SELECT COUNT(*) FROM apis {w}"), scope).await;
        let active = scalar(&app, &format!("SELECT COUNT(*) FROM apis {w} AND active = 1"), scope).await;
        assert_eq!(v["apis_total"], apis);
        assert_eq!(v["apis_active"], active);
        assert_eq!(v["apis_inactive"], apis - active);
        assert_eq!(v["apis_total"], findings().apis.len() as i64);

        // The 10 newest events, newest first, with name, path, domain, source and time.
        let cards = v["recent_events"].as_array().unwrap();
        assert_eq!(cards.len() as i64, total.min(10));
        let newest: (String, String, String) = sqlx::query_as(
            "SELECT type_key, path, host FROM events WHERE tenant_id = $1 AND rg_id = $2 AND region = $3
             ORDER BY start_ms DESC, id DESC LIMIT 1")
            .bind(scope.tenant_id).bind(scope.rg_id).bind("cn")
            .fetch_one(&app.backend.db.pool).await.unwrap();
        assert_eq!(cards[0]["type_key"], newest.0);
        assert_eq!(cards[0]["path"], newest.1);
        assert_eq!(cards[0]["domain"], newest.2);
        let times: Vec<&str> = cards.iter().map(|c| c["time"].as_str().unwrap()).collect();
        let mut sorted = times.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(times, sorted, "newest first");
        assert!(cards.iter().all(|c| !c["source"].as_str().unwrap().is_empty() && !c["name"].as_str().unwrap().is_empty()));

        // Another region of the same tenant has its own (empty) figures.
        let r = c.post("/api/basic_detection", &[("tenant", "demo"), ("region", "intl")]).await;
        assert_eq!(r.json()["events_total"], 0);
        assert_eq!(r.json()["apis_total"], 0);

        // Basic Detection needs no API security, but it needs a session and membership.
        let mut anon = Client::new(&app);
        assert_eq!(anon.post("/api/basic_detection", &[("tenant", "demo"), ("region", "cn")]).await.status, StatusCode::UNAUTHORIZED);
        let mut acme = Client::signed_in(&app, "acme-admin", "acme-password").await;
        assert_eq!(acme.post("/api/basic_detection", &[("tenant", "demo"), ("region", "cn")]).await.status, StatusCode::NOT_FOUND);
    });
}

#[tokio::test]
async fn overview_series_sum_to_stored_totals_and_periods_resolve() {
    each_db!(app => {
        let scope = seed(&app).await;
        let mut c = Client::signed_in(&app, "viewer", "viewer-password").await;
        // Paid page: refused until API security is enabled.
        let r = overview(&mut c, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        enable_api_security(&app).await;

        let (min_day, max_day): (String, String) = sqlx::query_as(
            "SELECT MIN(day), MAX(day) FROM daily_stats WHERE tenant_id = $1 AND rg_id = $2 AND region = $3")
            .bind(scope.tenant_id).bind(scope.rg_id).bind("cn")
            .fetch_one(&app.backend.db.pool).await.unwrap();

        // Default: 30 days ending at the newest data day (the demo data is in the past).
        let r = overview(&mut c, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json();
        assert_eq!(v["to"], max_day.as_str());
        assert_eq!(v["preset"], 30);
        assert_eq!(v["ends_at_data"], true);
        let to = chrono::NaiveDate::parse_from_str(&max_day, "%Y-%m-%d").unwrap();
        assert_eq!(v["from"], (to - chrono::Duration::days(29)).format("%Y-%m-%d").to_string());

        // A custom range over all data: the series add up to the stored totals.
        let r = overview(&mut c, &[("period", "custom"), ("from", &min_day), ("to", &max_day)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json();
        assert_eq!(v["preset"], 0);
        let w = "WHERE tenant_id = $1 AND rg_id = $2 AND region = $3";
        assert_eq!(v["apis_total"], scalar(&app, &format!("SELECT COUNT(*) FROM apis {w}"), scope).await);
        assert_eq!(v["apis_new"], v["apis_total"]);
        assert_eq!(v["risks_new"], scalar(&app, &format!("SELECT COUNT(*) FROM risks {w}"), scope).await);
        assert_eq!(v["events"], scalar(&app, &format!("SELECT COUNT(*) FROM events {w}"), scope).await);
        let attacks = scalar(&app, &format!("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM events {w} AND category = 'api_attack'"), scope).await;
        assert!(attacks > 0, "the demo data plants API attacks");
        assert_eq!(v["attacks"], attacks);
        // Table rows agree with the stored rows too.
        let risky: i64 = v["risky_sites"].as_array().unwrap().iter().map(|r| r["total"].as_i64().unwrap()).sum();
        let hosts = scalar(&app, &format!("SELECT COUNT(DISTINCT host) FROM risks {w}"), scope).await;
        if hosts <= 10 {
            assert_eq!(risky, v["risks_new"].as_i64().unwrap());
        }
        let req_values = scalar(&app, &format!("SELECT CAST(COALESCE(SUM(hits), 0) AS BIGINT) FROM api_sensitive {w} AND direction = 'request'"), scope).await;
        let types = scalar(&app, &format!("SELECT COUNT(DISTINCT type_id) FROM api_sensitive {w} AND direction = 'response'"), scope).await;
        assert!(types > 0);
        let shown: i64 = v["request_types"].as_array().unwrap().iter().map(|r| r["values"].as_i64().unwrap()).sum();
        if v["more"][2] == false {
            assert_eq!(shown, req_values);
        }

        // 7 days: seven points per series; the last day is the newest data day.
        let r = overview(&mut c, &[("period", "7")]).await;
        let v = r.json();
        assert_eq!(v["preset"], 7);
        assert_eq!(v["to"], max_day.as_str());
        let svg = v["charts"][0]["svg"].as_str().unwrap();
        assert_eq!(svg.matches("fill-opacity=\"0\"><title>").count(), 7, "one hover band per day");

        // Bad periods are refused with a message that says what is accepted.
        for bad in [vec![("period", "14")], vec![("period", "custom"), ("from", "2025-03-05")], vec![("from", "2025-03-09"), ("to", "2025-03-01")], vec![("from", "yesterday"), ("to", "2025-03-01")]] {
            let r = overview(&mut c, &bad).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", r.body);
        }

        // Sorting: asc and desc of the same column are mirror images.
        let rows = |v: &serde_json::Value| -> Vec<String> {
            v["attacked_sites"].as_array().unwrap().iter().map(|r| r["host"].as_str().unwrap().to_string()).collect()
        };
        let range = [("from", min_day.as_str()), ("to", max_day.as_str())];
        let asc = overview(&mut c, &[range[0], range[1], ("sort_attacked", "host.asc")]).await.json();
        let desc = overview(&mut c, &[range[0], range[1], ("sort_attacked", "host.desc")]).await.json();
        assert_eq!(asc["attacked_sort"], "host.asc");
        let mut rev = rows(&desc);
        rev.reverse();
        assert_eq!(rows(&asc), rev);
        assert!(rows(&asc).windows(2).all(|w| w[0] <= w[1]));
        let by_attacks = overview(&mut c, &[range[0], range[1], ("sort_attacked", "attacks.desc")]).await.json();
        let counts: Vec<i64> = by_attacks["attacked_sites"].as_array().unwrap().iter().map(|r| r["attacks"].as_i64().unwrap()).collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
        // An unknown sort column falls back to the default instead of reaching SQL.
        let v = overview(&mut c, &[("sort_risky", "host;drop table risks.asc")]).await.json();
        assert_eq!(v["risky_sort"], "total.desc");
    });
}

#[tokio::test]
async fn charts_are_well_formed_svg_with_axes_legend_and_toggles() {
    each_db!(app => {
        seed(&app).await;
        enable_api_security(&app).await;
        let mut c = Client::signed_in(&app, "demo", "demo-password").await;
        let v = overview(&mut c, &[]).await.json();
        let charts = v["charts"].as_array().unwrap();
        assert_eq!(charts.iter().map(|c| c["key"].as_str().unwrap()).collect::<Vec<_>>(), ["assets", "risks", "attacks"]);
        for ch in charts {
            let svg = ch["svg"].as_str().unwrap();
            assert_well_formed(svg);
            assert!(svg.contains("Date (UTC)"), "x axis description");
            assert!(svg.contains("role=\"img\""));
            assert!(svg.matches("<title>").count() >= 30, "hover titles");
            for item in ch["legend"].as_array().unwrap() {
                assert!(svg.contains(item["label"].as_str().unwrap()), "legend {item}");
                assert_eq!(item["hidden"], false);
            }
        }
        assert!(charts[0]["svg"].as_str().unwrap().contains("Total API Assets"));
        assert!(charts[1]["svg"].as_str().unwrap().contains("New risks"), "y axis unit");

        // Hiding a series removes it from that chart only and marks its legend item.
        let v = overview(&mut c, &[("hide", "active,high")]).await.json();
        let assets = &v["charts"][0];
        assert!(!assets["svg"].as_str().unwrap().contains("Active APIs"));
        assert!(assets["svg"].as_str().unwrap().contains("Total API Assets"));
        assert_eq!(assets["legend"][1]["key"], "active");
        assert_eq!(assets["legend"][1]["hidden"], true);
        let risks = &v["charts"][1];
        assert!(!risks["svg"].as_str().unwrap().contains(">\nHigh\n<"));
        assert!(risks["svg"].as_str().unwrap().contains("Medium"));

        // Chinese labels when the language cookie says so.
        let r = send_with_cookie(&c, "POST", "/api/overview", "apisec_lang=zh", "tenant=demo&region=cn").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json();
        let svg = v["charts"][0]["svg"].as_str().unwrap();
        assert!(svg.contains("API 资产总数") && svg.contains("日期（UTC）"), "zh chart");
        assert_eq!(v["charts"][0]["title"], "API 资产趋势");
    });
}

#[tokio::test]
async fn hostile_host_names_are_escaped_in_tables_and_pages() {
    each_db!(app => {
        let scope = seed(&app).await;
        enable_api_security(&app).await;
        let max_day: String = sqlx::query_scalar("SELECT MAX(day) FROM daily_stats WHERE tenant_id = $1")
            .bind(scope.tenant_id).fetch_one(&app.backend.db.pool).await.unwrap();
        sqlx::query("INSERT INTO daily_stats (tenant_id, rg_id, region, day, host, risks_new, risks_high, events, attacks)
                     VALUES ($1, $2, 'cn', $3, $4, 99999, 99999, 99999, 99999)")
            .bind(scope.tenant_id).bind(scope.rg_id).bind(&max_day).bind(EVIL_HOST)
            .execute(&app.backend.db.pool).await.unwrap();
        let mut c = Client::signed_in(&app, "demo", "demo-password").await;
        let v = overview(&mut c, &[]).await.json();
        assert_eq!(v["risky_sites"][0]["host"], EVIL_HOST, "data stays data in JSON");
        for ch in v["charts"].as_array().unwrap() {
            assert!(!ch["svg"].as_str().unwrap().contains("<script"));
        }
        // The server-rendered page shows the host as text only.
        let html = c.get("/overview?tenant=demo&region=cn").await;
        assert_eq!(html.status, StatusCode::OK);
        assert!(html.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;.evil.example"), "host shown escaped");
        assert!(!html.body.contains("<script>alert(1)"), "never as markup");
        // The More link carries the host URL-encoded.
        assert!(html.body.contains("host=%3Cscript%3Ealert%281%29%3C%2Fscript%3E.evil.example"));
    });
}

#[tokio::test]
async fn pages_render_and_language_switch_is_remembered() {
    each_db!(app => {
        seed(&app).await;
        enable_api_security(&app).await;
        let mut c = Client::signed_in(&app, "demo", "demo-password").await;
        let r = c.get("/basic-detection?tenant=demo&region=cn").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<html lang=\"en\""));
        assert!(r.body.contains("data-testid=\"event-card\""));
        assert!(r.body.contains("no detail views"));
        let r = c.get("/overview?tenant=demo&region=cn&period=7&hide=active").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("data-testid=\"chart-assets\"") && r.body.contains("<svg"));
        assert!(r.body.contains("class=\"legend-item off\""), "hidden legend item");

        // Switching needs the session's CSRF token and a known language.
        let csrf = c.csrf().await;
        let r = c.post("/api/set_language", &[("lang", "zh"), ("csrf", "wrong"), ("next", "/overview")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c.post("/api/set_language", &[("lang", "xx"), ("csrf", &csrf), ("next", "/overview")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("en") && r.body.contains("zh"), "{}", r.body);
        // A plain form post: 302 back to the page, cookie for a year.
        let r = c.post_with("/api/set_language", &[("lang", "zh"), ("csrf", &csrf), ("next", "/overview?tenant=demo&region=cn")], &[("accept", "text/html")]).await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
        assert_eq!(r.location(), "/overview?tenant=demo&region=cn");
        let cookie = r.headers.get_all(header::SET_COOKIE).iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with("apisec_lang="))
            .expect("language cookie");
        assert!(cookie.starts_with("apisec_lang=zh;") && cookie.contains("Max-Age=31536000") && cookie.contains("SameSite=Lax"), "{cookie}");
        // Off-site `next` is not followed.
        let r = c.post_with("/api/set_language", &[("lang", "en"), ("csrf", &csrf), ("next", "//evil.example/")], &[("accept", "text/html")]).await;
        assert_eq!(r.location(), "/basic-detection");

        // With the cookie, pages are Chinese and say so in <html lang>.
        let r = send_with_cookie(&c, "GET", "/basic-detection?tenant=demo&region=cn", "apisec_lang=zh", "").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<html lang=\"zh-CN\""));
        assert!(r.body.contains("安全事件概览") && r.body.contains("基础检测"));
        let r = send_with_cookie(&c, "GET", "/overview?tenant=demo&region=cn", "apisec_lang=zh", "").await;
        assert!(r.body.contains("风险站点统计") && r.body.contains("API 资产趋势"));
    });
}

/// The Overview is cached per scope and results version (issue 10): a second request is
/// served from the cache, and a re-analysis (`results::replace`), made here by *another*
/// back end on the same database as a second server process would, bumps the version so the
/// next Overview shows the new results.
#[tokio::test]
async fn overview_cache_is_invalidated_by_a_reanalysis() {
    each_db!(app => {
        let scope = seed(&app).await;
        enable_api_security(&app).await;
        let f = findings();
        let mut c = Client::signed_in(&app, "demo", "demo-password").await;
        let form = [("period", "90")];
        let first = overview(&mut c, &form).await.json();
        assert_eq!(first["apis_total"], f.apis.len() as i64, "{first}");
        assert!(first["risks_new"].as_i64().unwrap() > 0);
        let (hits, _) = app.backend.cache.stats();
        let again = overview(&mut c, &form).await.json();
        assert_eq!(again, first);
        assert_eq!(app.backend.cache.stats().0, hits + 1, "the second Overview is a cache hit");

        let version = backend::results::version(&app.backend, scope).await.unwrap();
        let other_process = backend::Backend::open(&app.database_url, app.clock.clone())
            .await
            .unwrap();
        let fewer = engine::pipeline::Findings {
            apis: f.apis[..f.apis.len() / 2].to_vec(),
            risks: vec![],
            events: vec![],
            compliance: f.compliance.clone(),
            trace: Default::default(),
        };
        backend::results::replace(&other_process, scope, &fewer).await.unwrap();
        other_process.db.pool.close().await;
        assert!(backend::results::version(&app.backend, scope).await.unwrap() > version);

        let after = overview(&mut c, &form).await.json();
        assert_eq!(after["apis_total"], fewer.apis.len() as i64, "{after}");
        assert_eq!(after["risks_new"], 0);
        assert_eq!(after["events"], 0);
        assert_ne!(after["charts"], first["charts"]);
        // The entry of the old version made room for the new one.
        assert_eq!(overview(&mut c, &form).await.json(), after);
    });
}
