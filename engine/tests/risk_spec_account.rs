//! Security-specification and password-handling risks on realistic exchanges and close
//! look-alikes.

#[path = "risk_support.rs"]
mod support;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use support::*;

// ---- insecure_http_method ----

#[test]
fn trace_answered_is_insecure() {
    let e = ex("TRACE", "/api/v1/orders")
        .resp_html("TRACE /api/v1/orders HTTP/1.1\r\nHost: api.shop.example\r\nCookie: sid=abc");
    let f = assert_risk(&[e], "insecure_http_method");
    assert!(f.evidence.contains("TRACE"));
}

#[test]
fn unauthenticated_delete_is_insecure_but_authenticated_rest_is_not() {
    assert_risk(
        &[ex("DELETE", "/api/v1/articles/88").resp("")],
        "insecure_http_method",
    );
    assert_risk(
        &[ex("PUT", "/uploads/shell.jsp")
            .authed()
            .status(201)
            .resp("")],
        "insecure_http_method",
    );
    // Look-alikes: authenticated REST updates, a refused DELETE, a CORS preflight.
    assert_no_risk(
        &[
            ex("PUT", "/api/v1/users/12")
                .authed()
                .json(r#"{"nickname":"li"}"#),
            ex("DELETE", "/api/v1/cart/items/7").authed(),
            ex("DELETE", "/api/v1/cart/items/8").header("x-app-token", "c2f9a7d41e0b8c6a3f5d"),
            ex("DELETE", "/api/v1/articles/88").status(401),
            ex("OPTIONS", "/api/v1/orders")
                .header("origin", "https://shop.example")
                .header("access-control-request-method", "PUT")
                .status(204)
                .resp_header("access-control-allow-methods", "GET, POST, PUT, DELETE"),
        ],
        "insecure_http_method",
    );
}

#[test]
fn options_listing_trace_is_insecure() {
    assert_risk(
        &[ex("OPTIONS", "/api/v1/orders")
            .resp_header("allow", "GET, HEAD, POST, PUT, DELETE, TRACE, OPTIONS")],
        "insecure_http_method",
    );
}

// ---- weak_jwt_algorithm ----

fn jwt(alg: &str, secret: &str) -> String {
    let h = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
    let p =
        URL_SAFE_NO_PAD.encode(r#"{"sub":"10086","name":"li.wei","role":"user","iat":1772442000}"#);
    let input = format!("{h}.{p}");
    if alg == "none" {
        return format!("{input}.");
    }
    let mut mac =
        <Hmac<sha2::Sha256> as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

#[test]
fn jwt_with_none_or_common_secret_is_weak() {
    let none =
        get("/api/v1/profile").header("authorization", &format!("Bearer {}", jwt("none", "")));
    assert_risk(&[none], "weak_jwt_algorithm");
    // Signed with a secret outside the dictionary: no risk.
    let uncommon = get("/api/v1/profile").cookie(&format!(
        "token={}; lang=zh",
        jwt("HS256", "Winter-Harbor-93!")
    ));
    assert_no_risk(&[uncommon], "weak_jwt_algorithm");
    let common =
        get("/api/v1/profile").cookie(&format!("token={}; lang=zh", jwt("HS256", "changeme")));
    let f = assert_risk(&[common], "weak_jwt_algorithm");
    assert!(
        !f.evidence.contains("changeme"),
        "secret must be masked: {}",
        f.evidence
    );
    // An issued token in a logon response counts too.
    let issued = post("/api/v1/auth/login")
        .json(r#"{"username":"li.wei","password":"Tq7#mZ2vLx9!"}"#)
        .resp(&format!(
            r#"{{"code":0,"data":{{"token":"{}"}}}}"#,
            jwt("HS256", "your-256-bit-secret")
        ));
    assert_risk(&[issued], "weak_jwt_algorithm");
}

#[test]
fn strong_hmac_and_rs256_jwts_are_fine() {
    let strong = get("/api/v1/profile").header(
        "authorization",
        &format!(
            "Bearer {}",
            jwt("HS256", "q8$Vz2!mK9#pL4@wT7^xR1&cN6*bJ3%h")
        ),
    );
    let rs = get("/api/v1/orders").header(
        "authorization",
        "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJzdWIiOiIxMDA4NiJ9.c2lnbmF0dXJlLWJ5dGVzLW5vdC12ZXJpZmllZC1oZXJl",
    );
    assert_no_risk(&[strong, rs], "weak_jwt_algorithm");
}

// ---- url_as_parameter ----

#[test]
fn url_parameter_is_reported() {
    let e = post("/api/v1/webhooks/test")
        .authed()
        .json(r#"{"callback_url":"http://169.254.169.254/latest/meta-data/"}"#);
    let f = assert_risk(&[e], "url_as_parameter");
    assert!(f.evidence.contains("callback_url"));
    assert_risk(
        &[get("/api/v1/fetch").query("img=https%3A%2F%2Fexample.org%2Fa.png")],
        "url_as_parameter",
    );
}

#[test]
fn redirect_targets_and_text_with_links_are_not_url_parameters() {
    assert_no_risk(
        &[
            get("/oauth/authorize")
                .query("client_id=web&redirect_uri=https%3A%2F%2Fshop.example%2Fcb&state=xyz"),
            get("/login").query("returnUrl=https%3A%2F%2Fshop.example%2Fcart"),
            post("/api/v1/comments")
                .authed()
                .json(r#"{"text":"see https://example.org for details"}"#),
        ],
        "url_as_parameter",
    );
}

// ---- plaintext_password_transmission ----

#[test]
fn plaintext_password_over_http() {
    let e = post("/user/login")
        .scheme(Some("http"))
        .form("username=li.wei&password=Tq7%23mZ2vLx9%21");
    let f = assert_risk(&[e], "plaintext_password_transmission");
    assert!(
        !f.evidence.contains("Tq7#mZ2vLx9!"),
        "password must be masked: {}",
        f.evidence
    );
    // Scheme unknown, but the login page was plain http on the same host.
    let e = post("/user/login")
        .scheme(None)
        .header("referer", "http://api.shop.example/login.html")
        .form("username=li.wei&password=hunter22");
    assert_risk(&[e], "plaintext_password_transmission");
}

#[test]
fn https_or_hashed_passwords_are_not_plaintext_transmission() {
    assert_no_risk(
        &[
            post("/user/login").form("username=li.wei&password=Tq7%23mZ2vLx9%21"),
            post("/user/login")
                .scheme(Some("http"))
                .form("username=li.wei&password=e10adc3949ba59abbe56e057f20f883e"),
            post("/user/login")
                .scheme(None)
                .form("username=li.wei&password=hunter22"),
        ],
        "plaintext_password_transmission",
    );
}

// ---- password_in_url ----

#[test]
fn password_in_query() {
    let e = get("/api/login").query("username=li.wei&password=hunter22");
    let f = assert_risk(&[e], "password_in_url");
    assert!(!f.evidence.contains("hunter22"));
    assert_no_risk(
        &[
            get("/api/login").query("username=li.wei&password="),
            get("/help/password-policy").query("lang=en"),
            post("/api/login").json(r#"{"username":"li.wei","password":"hunter22"}"#),
        ],
        "password_in_url",
    );
}

// ---- password_in_cookie ----

#[test]
fn password_in_cookie() {
    assert_risk(
        &[get("/index").cookie("JSESSIONID=8F3C0A9B1D2E4F5A; pwd=hunter22")],
        "password_in_cookie",
    );
    assert_risk(
        &[post("/login")
            .form("username=li&password=hunter22&remember=1")
            .resp_header(
                "set-cookie",
                "remember=user%3Dli%26password%3Dhunter22; Path=/; Max-Age=2592000",
            )],
        "password_in_cookie",
    );
    assert_no_risk(
        &[
            get("/index").cookie("JSESSIONID=8F3C0A9B1D2E4F5A6B7C8D9E0F1A2B3C; theme=dark"),
            get("/index").cookie("password_reset_seen=true"),
            get("/index").cookie("pwd="),
        ],
        "password_in_cookie",
    );
}

// ---- plaintext_password_returned ----

#[test]
fn password_in_response() {
    let e = get("/api/admin/users/17").authed().resp(r#"{"code":0,"data":{"id":17,"username":"zhang.san","password":"zs@2024pass","role":"ops"}}"#);
    let f = assert_risk(&[e], "plaintext_password_returned");
    assert!(!f.evidence.contains("zs@2024pass"));
    let xml = get("/api/config")
        .authed()
        .resp_html("<config><db><user>app</user><password>S3cretPass</password></db></config>");
    assert_risk(&[xml], "plaintext_password_returned");
}

#[test]
fn masked_hashed_or_flag_passwords_are_not_returned_passwords() {
    assert_no_risk(
        &[
            get("/api/users/17").authed().resp(r#"{"data":{"username":"zhang.san","password":"******"}}"#),
            get("/api/users/18").authed().resp(r#"{"data":{"username":"li","password":"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}}"#),
            get("/api/users/19").authed().resp(r#"{"data":{"username":"wang","passwordExpired":false,"password":null}}"#),
            get("/login.html").resp_html(r#"<form><input type="password" name="password" value=""></form>"#),
        ],
        "plaintext_password_returned",
    );
}
