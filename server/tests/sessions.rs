//! Sessions and sign-in (issue 11), on SQLite and PostgreSQL: cookie flags, id rotation on
//! login, idle and absolute timeouts, logout that deletes the session on the server, the delay
//! after failed logins, and the security headers of HTML and non-HTML responses. (CSRF on every
//! state change is asserted per endpoint by `authz_matrix.rs`.)

#[macro_use]
mod common;

use axum::http::{header, StatusCode};
use common::*;
use server::routes::{router_with_sessions, RouterOptions};
use server::security::SessionLimits;
use std::time::Duration;

/// The `Set-Cookie` header of the session cookie in `r`.
fn session_cookie(r: &Resp) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("apisec_session="))
        .unwrap_or_else(|| panic!("no session cookie in {:?}", r.headers))
        .to_string()
}

async fn signed_in_user(c: &mut Client) -> Option<String> {
    let r = c.post("/api/session", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["username"].as_str().map(str::to_string)
}

async fn session_rows(app: &TestApp, id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn cookie_flags_follow_the_deployment() {
    each_db!(app => {
        let mut c = Client::new(&app);
        let r = c.post("/api/session", &[]).await;
        let cookie = session_cookie(&r);
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain-http localhost: no Secure flag: {cookie}");

        let mut secure = Client::new(&app);
        secure.router = router_with_sessions(
            app.backend.clone(),
            RouterOptions { secure_cookies: true },
            SessionLimits::default(),
        );
        let r = secure.post("/api/session", &[]).await;
        let cookie = session_cookie(&r);
        assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "{cookie}");
    });
}

#[tokio::test]
async fn login_rotates_the_session_id_and_logout_deletes_it_on_the_server() {
    each_db!(app => {
        let mut c = Client::new(&app);
        c.csrf().await;
        let before = c.cookie.clone().expect("a session before login");
        let r = c.login("admin", ADMIN_PW).await;
        assert!(r.status.is_success() || r.status.is_redirection(), "{}", r.body);
        let after = c.cookie.clone().expect("a session after login");
        assert_ne!(before, after, "login must issue a new session id");
        assert_eq!(session_rows(&app, &before).await, 0, "the pre-login session is gone");
        assert_eq!(signed_in_user(&mut c).await.as_deref(), Some("admin"));

        // The pre-login id (e.g. planted by an attacker) does not carry the sign-in.
        let mut fixated = Client::new(&app);
        fixated.cookie = Some(before);
        assert_eq!(signed_in_user(&mut fixated).await, None);

        // Logout deletes the row: a copy of the cookie is worthless afterwards.
        let csrf = c.csrf().await;
        let r = c.post("/api/logout", &[("csrf", &csrf)]).await;
        assert!(r.status.is_success() || r.status.is_redirection(), "{}", r.body);
        assert_eq!(session_rows(&app, &after).await, 0, "logout deletes the session row");
        let mut stolen = Client::new(&app);
        stolen.cookie = Some(after);
        assert_eq!(signed_in_user(&mut stolen).await, None);
        let r = stolen.post("/api/audit_log", &[("tenant", "demo")]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    });
}

#[tokio::test]
async fn idle_sessions_expire() {
    each_db!(app => {
        let mut c = Client::new(&app);
        c.router = router_with_sessions(
            app.backend.clone(),
            RouterOptions { secure_cookies: false },
            SessionLimits { idle: Duration::from_secs(2), absolute: Duration::from_secs(3600) },
        );
        let r = c.login("admin", ADMIN_PW).await;
        assert!(r.status.is_success() || r.status.is_redirection(), "{}", r.body);
        // Activity renews the idle period.
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(800)).await;
            assert_eq!(signed_in_user(&mut c).await.as_deref(), Some("admin"));
        }
        tokio::time::sleep(Duration::from_millis(2600)).await;
        assert_eq!(signed_in_user(&mut c).await, None, "idle for longer than the limit");
    });
}

#[tokio::test]
async fn sign_ins_end_after_the_absolute_lifetime_however_active() {
    each_db!(app => {
        let mut c = Client::new(&app);
        c.router = router_with_sessions(
            app.backend.clone(),
            RouterOptions { secure_cookies: false },
            SessionLimits { idle: Duration::from_secs(3600), absolute: Duration::from_secs(8 * 3600) },
        );
        let r = c.login("admin", ADMIN_PW).await;
        assert!(r.status.is_success() || r.status.is_redirection(), "{}", r.body);
        let id = c.cookie.clone().unwrap();
        // Active every 50 minutes for 7 h 30: still signed in.
        for _ in 0..9 {
            app.clock.advance(chrono::Duration::minutes(50));
            assert_eq!(signed_in_user(&mut c).await.as_deref(), Some("admin"));
        }
        app.clock.advance(chrono::Duration::minutes(31));
        let r = c.get("/risks").await;
        assert!(r.location().starts_with("/login"), "past 8 h: back to the login page, got {} {:?}", r.status, r.location());
        assert_eq!(session_rows(&app, &id).await, 0, "the expired session is deleted on the server");
        assert_eq!(signed_in_user(&mut c).await, None);
        let r = c.post("/api/audit_log", &[("tenant", "demo")]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        // Signing in again starts a new lifetime.
        let r = c.login("admin", ADMIN_PW).await;
        assert!(r.status.is_success() || r.status.is_redirection(), "{}", r.body);
        assert_eq!(signed_in_user(&mut c).await.as_deref(), Some("admin"));
    });
}

#[tokio::test]
async fn failed_logins_are_throttled_even_for_the_right_password() {
    each_db!(app => {
        let mut c = Client::new(&app);
        for i in 0..5 {
            let r = c.login("admin", "wrong-password").await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "attempt {i}: {}", r.body);
        }
        let r = c.login("admin", ADMIN_PW).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        assert!(r.body.contains("TooManyAttempts"), "{}", r.body);
        assert_eq!(signed_in_user(&mut c).await, None);
        // Another account from the same address is throttled too (the address is locked).
        let r = c.login("acme-admin", "acme-password").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    });
}

#[tokio::test]
async fn security_headers_on_html_and_other_responses() {
    each_db!(app => {
        let mut c = Client::new(&app);
        let page = c.get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let h = |r: &Resp, k: &str| r.headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let csp = h(&page, "content-security-policy");
        let script_src = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or_else(|| panic!("no script-src: {csp}"));
        assert!(script_src.contains("'nonce-"), "{csp}");
        assert!(!script_src.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let json = c.post("/api/session", &[]).await;
        assert!(h(&json, "content-security-policy").contains("default-src 'none'"));
        let missing = c.get("/no-such-page").await;
        for r in [&page, &json, &missing] {
            assert_eq!(h(r, "x-content-type-options"), "nosniff");
            assert_eq!(h(r, "referrer-policy"), "same-origin");
            assert_eq!(h(r, "x-frame-options"), "DENY");
            assert!(h(r, "content-security-policy").contains("frame-ancestors 'none'"));
            assert_eq!(h(r, "cache-control"), "no-store");
        }
    });
}
