//! Integration tests through HTTP against the real router, on SQLite and PostgreSQL.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::*;

/// Runs `$body` (an async block using `app`) once per configured database.
#[tokio::test]
async fn pages_need_a_session_and_login_works() {
    each_db!(app => {
        let mut c = Client::new(&app);
        let r = c.get("/overview?tenant=demo&region=cn").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/login?next=/overview"), "{}", r.location());
        for path in ["/basic-detection", "/assets", "/risks", "/events", "/compliance", "/policies", "/data-sources", "/settings", "/"] {
            assert_eq!(c.get(path).await.status, StatusCode::SEE_OTHER, "{path}");
        }
        let login_page = c.get("/login").await;
        assert_eq!(login_page.status, StatusCode::OK);
        assert!(login_page.body.contains("Sign in to apisec"));

        let r = c.login("admin", "wrong-password").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("wrong user name or password"));

        let before = c.cookie.clone();
        let r = c.login("admin", ADMIN_PW).await;
        assert!(r.status.is_redirection() || r.status.is_success(), "{} {}", r.status, r.body);
        assert_ne!(c.cookie, before, "session id rotates on login");

        let page = c.get("/basic-detection?tenant=demo&region=intl").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Basic Detection"));
        assert!(page.body.contains("Outside Chinese mainland"));
        let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("'nonce-") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(page.headers.get("x-content-type-options").unwrap(), "nosniff");

        // a restart (new router over the same database) keeps the session
        let again = server::routes::router(app.backend.clone(), server::routes::RouterOptions { secure_cookies: false });
        let mut c2 = Client { router: again, cookie: c.cookie.clone() };
        assert_eq!(c2.get("/settings?tenant=demo").await.status, StatusCode::OK);

        // logout deletes the session server side: the old cookie no longer works
        let old = c.cookie.clone();
        let csrf = c.csrf().await;
        let r = c.post("/api/logout", &[("csrf", &csrf)]).await;
        assert!(r.status.is_redirection() || r.status.is_success(), "{}", r.status);
        let mut stale = Client { router: app.router.clone(), cookie: old };
        assert_eq!(stale.get("/overview").await.status, StatusCode::SEE_OTHER);
    });
}

#[tokio::test]
async fn health_metrics_and_not_found() {
    each_db!(app => {
        let mut c = Client::new(&app);
        assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
        let _ = c.login("admin", "nope-nope").await;
        let m = c.get("/metrics").await;
        assert_eq!(m.status, StatusCode::OK);
        assert!(m.body.contains("apisec_login_attempts_total{result=\"failure\"} 1"), "{}", m.body);
        assert!(m.body.contains("apisec_tenants 2"));
        let nf = c.get("/no/such/page").await;
        assert_eq!(nf.status, StatusCode::NOT_FOUND);
        assert!(nf.body.contains("Page not found"));
    });
}

#[tokio::test]
async fn csrf_is_enforced() {
    each_db!(app => {
        let mut c = Client::signed_in(&app, "admin", ADMIN_PW).await;
        let r = c.post("/api/api_security_action", &[("tenant", "demo"), ("action", "consent"), ("csrf", "forged")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let csrf = c.csrf().await;
        let form = [("tenant", "demo"), ("action", "consent"), ("csrf", csrf.as_str())];
        let r = c.post_with("/api/api_security_action", &form, &[("origin", "http://evil.example")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c.post_with("/api/api_security_action", &form, &[("sec-fetch-site", "cross-site")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c.post_with("/api/api_security_action", &form, &[("origin", "http://127.0.0.1:3000"), ("sec-fetch-site", "same-origin")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    });
}

#[tokio::test]
async fn viewers_and_analysts_cannot_do_admin_actions() {
    each_db!(app => {
        for (user, pw) in [("viewer", "viewer-password"), ("demo", "demo-password")] {
            let mut c = Client::signed_in(&app, user, pw).await;
            let r = c.post("/api/api_security", &[("tenant", "demo")]).await;
            assert_eq!(r.status, StatusCode::OK, "{user} can read: {}", r.body);
            let r = c.lifecycle("demo", "consent").await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}: {}", r.body);
            assert_eq!(r.json(), serde_json::json!("Forbidden"));
            assert_eq!(c.post("/api/audit_log", &[("tenant", "demo")]).await.status, StatusCode::FORBIDDEN);
        }
    });
}

#[tokio::test]
async fn tenants_are_isolated() {
    each_db!(app => {
        let mut acme = Client::signed_in(&app, "acme-admin", "acme-password").await;
        let mut demo = Client::signed_in(&app, "admin", ADMIN_PW).await;
        // own tenant works
        assert_eq!(acme.post("/api/api_security", &[("tenant", "acme")]).await.status, StatusCode::OK);
        // the other tenant is invisible, for reading and for changing
        for (c, other) in [(&mut acme, "demo"), (&mut demo, "acme")] {
            assert_eq!(c.post("/api/api_security", &[("tenant", other)]).await.status, StatusCode::NOT_FOUND);
            assert_eq!(c.post("/api/audit_log", &[("tenant", other)]).await.status, StatusCode::NOT_FOUND);
            assert_eq!(c.post("/api/basic_detection", &[("tenant", other), ("region", "cn")]).await.status, StatusCode::NOT_FOUND);
            assert_eq!(c.lifecycle(other, "consent").await.status, StatusCode::NOT_FOUND);
        }
        // a resource group of another tenant cannot be named either
        let demo_rg: i64 = sqlx::query_scalar("SELECT rg.id FROM resource_groups rg JOIN tenants t ON t.id = rg.tenant_id WHERE t.slug = 'demo'")
            .fetch_one(&app.backend.db.pool).await.unwrap();
        let r = acme.post("/api/basic_detection", &[("tenant", "acme"), ("rg", &demo_rg.to_string()), ("region", "cn")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // the session only lists own tenants
        let s = acme.post("/api/session", &[]).await.json();
        let slugs: Vec<_> = s["memberships"].as_array().unwrap().iter().map(|m| m["tenant_slug"].as_str().unwrap().to_string()).collect();
        assert_eq!(slugs, vec!["acme"]);
        // nothing acme did shows in demo's audit log
        assert_eq!(acme.lifecycle("acme", "consent").await.status, StatusCode::OK);
        let log = demo.post("/api/audit_log", &[("tenant", "demo")]).await.json();
        assert!(!log.to_string().contains("acme-admin"));
    });
}

#[tokio::test]
async fn trial_ends_unpurchased_and_data_is_purged() {
    each_db!(app => {
        let mut c = Client::signed_in(&app, "admin", ADMIN_PW).await;
        let st = c.lifecycle("demo", "trial").await;
        assert_eq!(st.status, StatusCode::CONFLICT, "consent comes first");
        assert_eq!(c.lifecycle("demo", "consent").await.status, StatusCode::OK);
        let st = c.lifecycle("demo", "trial").await;
        assert_eq!(st.status, StatusCode::OK, "{}", st.body);
        let st = st.json();
        assert_eq!(st["trial_active"], true);
        assert_eq!(st["enabled"], true);
        assert!(st["trial_ends_at"].as_str().unwrap().ends_with("UTC"));

        let tenant_id = add_analysis_row(&app, "demo").await;
        assert_eq!(backend::editions::analysis_rows(&app.backend, tenant_id).await.unwrap(), 1);

        app.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
        // A week later the sign-in has outlived its absolute lifetime: sign in again.
        let mut c = Client::signed_in(&app, "admin", ADMIN_PW).await;
        let st = c.post("/api/api_security", &[("tenant", "demo")]).await.json();
        assert_eq!(st["trial_expired"], true);
        assert_eq!(st["enabled"], false);
        assert_eq!(backend::editions::analysis_rows(&app.backend, tenant_id).await.unwrap(), 0, "trial data purged");

        // never twice
        let again = c.lifecycle("demo", "trial").await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.body.contains("already been used"));

        let log = c.post("/api/audit_log", &[("tenant", "demo")]).await.json().to_string();
        for action in ["api_security.consent", "api_security.trial_started", "trial.expired"] {
            assert!(log.contains(action), "{action} in {log}");
        }
    });
}

#[tokio::test]
async fn purchase_during_trial_keeps_data() {
    each_db!(app => {
        let mut c = Client::signed_in(&app, "admin", ADMIN_PW).await;
        assert_eq!(c.lifecycle("demo", "consent").await.status, StatusCode::OK);
        assert_eq!(c.lifecycle("demo", "trial").await.status, StatusCode::OK);
        let tenant_id = add_analysis_row(&app, "demo").await;
        assert_eq!(c.lifecycle("demo", "buy").await.status, StatusCode::CONFLICT, "Enable now comes before Buy now");
        assert_eq!(c.lifecycle("demo", "enable").await.status, StatusCode::OK);
        let st = c.lifecycle("demo", "buy").await.json();
        assert_eq!(st["purchased"], true);
        app.clock.advance(chrono::Duration::days(8));
        backend::editions::sweep_expired_trials(&app.backend).await.unwrap();
        let mut c = Client::signed_in(&app, "admin", ADMIN_PW).await;
        let st = c.post("/api/api_security", &[("tenant", "demo")]).await.json();
        assert_eq!(st["enabled"], true);
        assert_eq!(st["trial_expired"], false);
        assert_eq!(backend::editions::analysis_rows(&app.backend, tenant_id).await.unwrap(), 1, "data kept");
        let log = c.post("/api/audit_log", &[("tenant", "demo")]).await.json().to_string();
        assert!(log.contains("api_security.enable_now") && log.contains("api_security.buy_now"));
    });
}

#[tokio::test]
async fn basic_edition_cannot_trial_but_can_buy() {
    each_db!(app => {
        let mut c = Client::signed_in(&app, "admin", ADMIN_PW).await;
        let csrf = c.csrf().await;
        let r = c.post("/api/set_edition", &[("tenant", "demo"), ("edition", "basic"), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(c.lifecycle("demo", "consent").await.status, StatusCode::OK);
        let r = c.lifecycle("demo", "trial").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("Pro, Enterprise and Ultimate"), "{}", r.body);
        assert_eq!(c.lifecycle("demo", "enable").await.status, StatusCode::OK);
        assert_eq!(c.lifecycle("demo", "buy").await.json()["enabled"], true);
    });
}

#[tokio::test]
async fn login_is_throttled() {
    each_db!(app => {
        let mut c = Client::new(&app);
        let mut last = StatusCode::OK;
        for _ in 0..6 {
            last = c.login("demo", "wrong-password").await.status;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
        // even the right password waits until the delay is over
        assert_eq!(c.login("demo", "demo-password").await.status, StatusCode::TOO_MANY_REQUESTS);
    });
}
