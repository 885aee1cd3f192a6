//! Generalisation audit of the risk detectors (issue 6): hand-written exchanges in styles the
//! demo generator never produces (other frameworks' error pages, other database drivers, other
//! field names and path shapes, JWTs from other libraries, other pagination parameters), run
//! through the whole analysis (discovery, sensitive scanner, client classifier, risks) as
//! native JSON Lines.
//!
//! Every built-in risk type has at least one positive host, where it must be reported, and one
//! close look-alike host, where it must not. Each case sits on its own host so that nothing
//! else on the traffic decides its outcome. (`custom_risk` needs a rule: `risk_custom.rs`.)

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use engine::analyze::{analyze_files_with, AnalyzeOptions};
use engine::client::ClientClassifier;
use engine::demo::values::{id_check_char, luhn_complete};
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// 2026-03-02T09:00:00Z
const T0: i64 = 1_772_442_000_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const BROWSER: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";

/// One exchange in the native JSON Lines format.
#[derive(Clone)]
struct Rec(Map<String, Value>);

fn rec(t: i64, ip: &str, method: &str, host: &str, path: &str) -> Rec {
    let mut m = Map::new();
    m.insert("time".into(), json!(t));
    m.insert("host".into(), json!(host));
    m.insert("method".into(), json!(method));
    m.insert("path".into(), json!(path));
    m.insert("scheme".into(), json!("https"));
    m.insert("client_ip".into(), json!(ip));
    m.insert("status".into(), json!(200));
    m.insert("request_headers".into(), json!({ "user-agent": BROWSER }));
    m.insert(
        "response_headers".into(),
        json!({ "content-type": "application/json; charset=utf-8" }),
    );
    m.insert("response_body".into(), json!(r#"{"ok":true}"#));
    Rec(m)
}

impl Rec {
    fn set(mut self, k: &str, v: Value) -> Self {
        self.0.insert(k.into(), v);
        self
    }
    fn query(self, q: &str) -> Self {
        self.set("query", json!(q))
    }
    fn status(self, s: u16) -> Self {
        self.set("status", json!(s))
    }
    fn header(mut self, k: &str, v: &str) -> Self {
        if let Some(Value::Object(h)) = self.0.get_mut("request_headers") {
            h.insert(k.into(), json!(v));
        }
        self
    }
    fn resp_header(mut self, k: &str, v: &str) -> Self {
        if let Some(Value::Object(h)) = self.0.get_mut("response_headers") {
            h.insert(k.into(), json!(v));
        }
        self
    }
    fn ua(self, ua: &str) -> Self {
        self.header("user-agent", ua)
    }
    fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    fn json(self, body: Value) -> Self {
        self.header("content-type", "application/json")
            .set("request_body", json!(body.to_string()))
    }
    fn form(self, body: &str) -> Self {
        self.header("content-type", "application/x-www-form-urlencoded")
            .set("request_body", json!(body))
    }
    fn resp(self, body: Value) -> Self {
        self.set("response_body", json!(body.to_string()))
    }
    fn resp_text(self, content_type: &str, body: &str) -> Self {
        self.resp_header("content-type", content_type)
            .set("response_body", json!(body))
    }
}

/// Found risks: host -> keys reported on any of its APIs (locations unknown).
fn analyze(recs: &[Rec]) -> BTreeMap<String, BTreeSet<String>> {
    analyze_with(recs, ClientClassifier::without_geo())
}

fn analyze_with(recs: &[Rec], clients: ClientClassifier) -> BTreeMap<String, BTreeSet<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("independent.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    for r in recs {
        writeln!(f, "{}", Value::Object(r.0.clone())).unwrap();
    }
    drop(f);
    let report = analyze_files_with(&[path], &AnalyzeOptions::default(), clients).unwrap();
    assert_eq!(
        report.summary.records,
        recs.len() as u64,
        "all records read"
    );
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &report.risks {
        out.entry(r.host.clone()).or_default().insert(r.key.clone());
    }
    out
}

/// A risk type's positive and look-alike hosts.
struct Case {
    key: &'static str,
    positive: Vec<String>,
    negative: Vec<String>,
}

/// Builds traffic case by case; each case names its hosts.
#[derive(Default)]
struct Corpus {
    recs: Vec<Rec>,
    cases: Vec<Case>,
}

impl Corpus {
    fn case(&mut self, key: &'static str, positive: Vec<Rec>, negative: Vec<Rec>) {
        let hosts = |v: &[Rec]| -> Vec<String> {
            let set: BTreeSet<String> = v
                .iter()
                .map(|r| r.0["host"].as_str().unwrap().to_string())
                .collect();
            set.into_iter().collect()
        };
        self.cases.push(Case {
            key,
            positive: hosts(&positive),
            negative: hosts(&negative),
        });
        self.recs.extend(positive);
        self.recs.extend(negative);
    }

    /// Every case's verdicts, all failures listed at once.
    fn check(self) {
        let found = analyze(&self.recs);
        let empty = BTreeSet::new();
        let mut failures = Vec::new();
        for c in &self.cases {
            for h in &c.positive {
                if !found.get(h).unwrap_or(&empty).contains(c.key) {
                    failures.push(format!(
                        "missed {} on {h} (found {:?})",
                        c.key,
                        found.get(h)
                    ));
                }
            }
            for h in &c.negative {
                if found.get(h).unwrap_or(&empty).contains(c.key) {
                    failures.push(format!("false {} on look-alike {h}", c.key));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }
}

fn b64(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s)
}

/// A compact HMAC-signed JWT (`M` = `Hmac<Sha256>` for HS256, `Hmac<Sha512>` for HS512).
fn signed_jwt<M: Mac + hmac::digest::KeyInit>(header: &str, payload: &str, secret: &str) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

fn hs256(header: &str, payload: &str, secret: &str) -> String {
    signed_jwt::<Hmac<Sha256>>(header, payload, secret)
}

/// jjwt and PyJWT users often pick HS512.
fn hs512(header: &str, payload: &str, secret: &str) -> String {
    signed_jwt::<Hmac<sha2::Sha512>>(header, payload, secret)
}

/// A mainland resident identity number with a valid check digit (GB 11643).
fn id_number(birth: &str, seq: u32) -> String {
    let body = format!("330106{birth}{seq:03}");
    let check = id_check_char(body.as_bytes());
    format!("{body}{check}")
}

/// A 16-digit UnionPay-style card number with a valid Luhn digit.
fn card_number(seq: u32) -> String {
    let mut card = format!("622848{seq:09}");
    luhn_complete(&mut card);
    card
}

fn mobile(i: u32) -> String {
    format!("139{:08}", 12_340_000 + i * 7)
}

fn ip(i: u32) -> String {
    format!("198.51.{}.{}", 100 + i / 250, 1 + i % 250)
}

// ---------------------------------------------------------------- specification and account

fn specification(c: &mut Corpus) {
    // TRACE echoing the request back; a CORS preflight is not an insecure method.
    c.case(
        "insecure_http_method",
        vec![rec(
            T0,
            &ip(1),
            "TRACE",
            "trace.northwind.example",
            "/api/v2/ping",
        )
        .resp_text(
            "message/http",
            "TRACE /api/v2/ping HTTP/1.1\r\nHost: trace.northwind.example\r\nCookie: sid=abc\r\n",
        )],
        vec![
            rec(
                T0,
                &ip(1),
                "OPTIONS",
                "cors.northwind.example",
                "/api/v2/cart",
            )
            .header("origin", "https://www.northwind.example")
            .header("access-control-request-method", "PUT")
            .status(204)
            .resp_header("access-control-allow-methods", "GET, POST, PUT, DELETE")
            .resp_text("text/plain", ""),
            rec(
                T0,
                &ip(1),
                "PATCH",
                "cors.northwind.example",
                "/api/v2/profile",
            )
            .bearer("3b6c1f0e9d2a4c7e8f1a2b3c4d5e6f70")
            .json(json!({"nickname": "amy"})),
        ],
    );
    // jsonwebtoken (Node) default header order, HS256 with jwt.io's sample secret; `alg: none`
    // from a PyJWT-style header. Look-alikes: HS256 with a random secret, RS256.
    let weak = hs256(
        r#"{"typ":"JWT","alg":"HS256"}"#,
        r#"{"userId":"64f1c0a2","email":"amy@example.org","iat":1772440000,"exp":1772526400}"#,
        "your-256-bit-secret",
    );
    let none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(r#"{"sub":"8841","scope":"read write"}"#)
    );
    let strong = hs256(
        r#"{"typ":"JWT","alg":"HS256"}"#,
        r#"{"userId":"64f1c0a2","iat":1772440000}"#,
        "f3Kq9-vX2mL8pR7tW1yB4nC6hJ0sD5gA",
    );
    let rs256 = format!(
        "{}.{}.{}",
        b64(r#"{"alg":"RS256","kid":"2024-05"}"#),
        b64(r#"{"sub":"8841"}"#),
        "Y2lwaGVydGV4dC1vZi1hLXJzYS1zaWduYXR1cmUtMjU2LWJ5dGVzLWxvbmctZW5vdWdoLWZvci1hLXRlc3Q"
    );
    c.case(
        "weak_jwt_algorithm",
        vec![
            rec(T0, &ip(2), "GET", "jwt.northwind.example", "/api/orders").bearer(&weak),
            rec(T0, &ip(2), "GET", "jwtnone.northwind.example", "/me").bearer(&none),
        ],
        vec![
            rec(T0, &ip(2), "GET", "jwtok.northwind.example", "/api/orders").bearer(&strong),
            rec(T0, &ip(2), "GET", "jwtok.northwind.example", "/me").bearer(&rs256),
        ],
    );
    // A link-preview fetcher and an image proxy; OAuth redirect_uri and prose are not fetched.
    c.case(
        "url_as_parameter",
        vec![
            rec(T0, &ip(3), "POST", "ssrf.northwind.example", "/api/link-preview")
                .json(json!({"targetLink": "http://169.254.169.254/latest/meta-data/"})),
            rec(T0, &ip(3), "GET", "ssrf.northwind.example", "/img/proxy")
                .query("src=https%3A%2F%2Fcdn.partner.example%2Fa.png&w=200"),
        ],
        vec![rec(T0, &ip(3), "GET", "oauth.northwind.example", "/oauth/authorize")
            .query("client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.northwind.example%2Fcb")
            .status(302)
            .resp_text("text/html", "")],
    );
}

fn account(c: &mut Corpus) {
    // Form logon with `passwd`; look-alike sends the client-side SHA-256 of the password.
    c.case(
        "plaintext_password_transmission",
        vec![rec(T0, &ip(4), "POST", "signin.contoso.example", "/user/signin")
            .form("account=li.na%40contoso.example&passwd=Welcome%402024")
            .resp(json!({"success": true, "redirect": "/home"}))],
        vec![rec(T0, &ip(4), "POST", "signin2.contoso.example", "/user/signin")
            .form("account=li.na%40contoso.example&passwd=8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92")
            .resp(json!({"success": true, "redirect": "/home"}))],
    );
    // OAuth password grant that accepts `letmein1`; look-alikes: a strong password accepted,
    // a weak one refused.
    let token_ok = json!({"access_token": "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "token_type": "bearer", "expires_in": 3600});
    c.case(
        "weak_password_allowed",
        vec![rec(T0, &ip(5), "POST", "idp.contoso.example", "/oauth/token")
            .form("grant_type=password&username=amy%40contoso.example&password=letmein1&client_id=spa")
            .resp(token_ok.clone())],
        vec![
            rec(T0, &ip(5), "POST", "idp2.contoso.example", "/oauth/token")
                .form("grant_type=password&username=amy%40contoso.example&password=Gl4cier-Harbor%2197&client_id=spa")
                .resp(token_ok.clone()),
            rec(T0 + MINUTE, &ip(5), "POST", "idp2.contoso.example", "/oauth/token")
                .form("grant_type=password&username=bob%40contoso.example&password=letmein1&client_id=spa")
                .status(400)
                .resp(json!({"error": "invalid_grant", "error_description": "Invalid user credentials"})),
        ],
    );
    // An internal office application (OA) that accepts `111111`.
    c.case(
        "internal_weak_password",
        vec![rec(T0, "10.20.1.15", "POST", "oa.contoso-corp.example", "/api/auth/login")
            .json(json!({"loginName": "zhangwei", "pwd": "111111"}))
            .resp(json!({"code": 200, "msg": "登录成功", "data": {"token": "c2a1f0e9d8b7a6958473625140f1e2d3"}}))],
        vec![rec(T0, "10.20.1.15", "POST", "oa2.contoso-corp.example", "/api/auth/login")
            .json(json!({"loginName": "zhangwei", "pwd": "Qz7!rT4#mW9x"}))
            .resp(json!({"code": 200, "msg": "登录成功", "data": {"token": "c2a1f0e9d8b7a6958473625140f1e2d3"}}))],
    );
    c.case(
        "default_password",
        vec![rec(
            T0,
            &ip(6),
            "POST",
            "nas.fabrikam.example",
            "/api/v2/session",
        )
        .json(json!({"user": "admin", "pass": "admin"}))
        .resp(
            json!({"sessionToken": "5f0c7b2e9a1d4c3b8e6f2a7d1c9b0e4f", "role": "administrator"}),
        )],
        vec![rec(
            T0,
            &ip(6),
            "POST",
            "nas2.fabrikam.example",
            "/api/v2/session",
        )
        .json(json!({"user": "admin", "pass": "admin"}))
        .status(401)
        .resp(json!({"error": "Invalid username or password"}))],
    );
    c.case(
        "plaintext_password_returned",
        vec![rec(T0, &ip(7), "GET", "profile.fabrikam.example", "/api/users/me")
            .bearer("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
            .resp(json!({"id": 7, "userName": "amy", "passWord": "Spring2024!x", "lang": "en"}))],
        vec![rec(T0, &ip(7), "GET", "profile2.fabrikam.example", "/api/users/me")
            .bearer("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
            .resp(json!({"id": 7, "userName": "amy", "password": null, "passwordLastChanged": "2025-11-02", "password_hash": "$2b$12$KIXQJ8n0yqk3zq1YvV3rUeB0n5W2h8b9c7d6e5f4g3h2i1j0k9l8m"}))],
    );
    c.case(
        "password_in_cookie",
        vec![rec(
            T0,
            &ip(8),
            "POST",
            "remember.fabrikam.example",
            "/account/login",
        )
        .form("email=amy%40fabrikam.example&password=Spring2024%21x&remember=1")
        .resp_header(
            "set-cookie",
            "remember_pass=Spring2024%21x; Path=/; Max-Age=2592000",
        )
        .resp(json!({"ok": true}))],
        vec![rec(
            T0,
            &ip(8),
            "GET",
            "remember2.fabrikam.example",
            "/account/home",
        )
        .header(
            "cookie",
            "passport_uid=7f3e2d1c0b9a8f7e6d5c4b3a29181706; pass_through=1",
        )
        .resp(json!({"ok": true}))],
    );
    // Twelve wrong passwords in four minutes, never slowed down; the look-alike locks the
    // account after five and answers 429.
    let mut pos = Vec::new();
    let mut neg = Vec::new();
    for i in 0..12 {
        let t = T0 + i * 20_000;
        pos.push(
            rec(t, &ip(9), "POST", "login.tailspin.example", "/api/v2/session")
                .json(json!({"email": "amy@tailspin.example", "password": format!("guess{i}pass")}))
                .status(401)
                .resp(json!({"error": "invalid_credentials", "message": "Email or password is incorrect"})),
        );
        let locked = i >= 5;
        neg.push(
            rec(t, &ip(9), "POST", "login2.tailspin.example", "/api/v2/session")
                .json(json!({"email": "amy@tailspin.example", "password": format!("guess{i}pass")}))
                .status(if locked { 429 } else { 401 })
                .resp(if locked {
                    json!({"error": "too_many_attempts", "message": "Account temporarily locked, try again in 15 minutes"})
                } else {
                    json!({"error": "invalid_credentials", "message": "Email or password is incorrect"})
                }),
        );
    }
    c.case("unrestricted_login", pos, neg);
    // "No account" and "wrong password" tell accounts apart; one generic message does not.
    let signin = |host: &str, t: i64, email: &str, status: u16, message: &str| {
        rec(t, &ip(10), "POST", host, "/auth/signin")
            .json(json!({"email": email, "password": "Whatever1!"}))
            .status(status)
            .resp(json!({"success": false, "message": message}))
    };
    c.case(
        "login_failure_enumeration",
        vec![
            signin(
                "enum.tailspin.example",
                T0,
                "nobody@tailspin.example",
                404,
                "No account found with that email address",
            ),
            signin(
                "enum.tailspin.example",
                T0 + MINUTE,
                "amy@tailspin.example",
                401,
                "Incorrect password",
            ),
        ],
        vec![
            signin(
                "enum2.tailspin.example",
                T0,
                "nobody@tailspin.example",
                401,
                "Invalid email or password",
            ),
            signin(
                "enum2.tailspin.example",
                T0 + MINUTE,
                "amy@tailspin.example",
                401,
                "Invalid email or password",
            ),
        ],
    );
    c.case(
        "password_in_url",
        vec![
            rec(T0, &ip(11), "GET", "cgi.tailspin.example", "/cgi-bin/login")
                .query("username=operator&passwd=hunter22")
                .resp_text("text/html", "<html><body>Welcome operator</body></html>"),
        ],
        vec![
            rec(T0, &ip(11), "GET", "cgi2.tailspin.example", "/api/settings")
                .query("show_password_hint=true&password_min_length=12"),
        ],
    );
}

// ---------------------------------------------------------------- access and permissions

fn access(c: &mut Corpus) {
    // An intranet application answering a public address; the look-alike refuses it.
    let intranet = |host: &str, public_status: u16| {
        let mut v: Vec<Rec> = (0..10)
            .map(|i| {
                rec(
                    T0 + i * MINUTE,
                    &format!("10.1.2.{}", 10 + i),
                    "GET",
                    host,
                    "/api/notices",
                )
                .header("cookie", "JSESSIONID=7F3E2D1C0B9A8F7E6D5C4B3A29181706")
            })
            .collect();
        v.push(
            rec(T0 + HOUR, "198.51.100.200", "GET", host, "/api/notices")
                .header("cookie", "JSESSIONID=7F3E2D1C0B9A8F7E6D5C4B3A29181706")
                .status(public_status),
        );
        v
    };
    c.case(
        "internal_app_internet_exposed",
        intranet("intranet.contoso-corp.example", 200),
        intranet("intranet2.contoso-corp.example", 403),
    );
    // Called from the office network only on its first day, then a public address got data.
    let office_only = |host: &str, public_status: u16| {
        let mut v: Vec<Rec> = (0..60)
            .map(|i| {
                rec(
                    T0 + i * 10 * MINUTE,
                    &format!("172.16.8.{}", 1 + i % 5),
                    "GET",
                    host,
                    "/api/v1/stock/levels",
                )
                .bearer("d41d8cd98f00b204e9800998ecf8427e")
            })
            .collect();
        v.push(
            rec(
                T0 + 30 * HOUR,
                "203.0.113.77",
                "GET",
                host,
                "/api/v1/stock/levels",
            )
            .bearer("d41d8cd98f00b204e9800998ecf8427e")
            .status(public_status),
        );
        v
    };
    c.case(
        "unrestricted_access_source",
        office_only("warehouse.wingtip.example", 200),
        office_only("warehouse2.wingtip.example", 401),
    );
    // A browser API visited from 30 addresses, later pulled 25 times by curl; look-alikes: a
    // later Firefox visitor, and a single curl call (a developer trying the API).
    let later_client = |host: &str, ua: &str, calls: i64| {
        let mut v: Vec<Rec> = (0..30)
            .map(|i| {
                rec(
                    T0 + i * 4 * MINUTE,
                    &ip(20 + i as u32),
                    "GET",
                    host,
                    "/api/catalog/featured",
                )
            })
            .collect();
        v.extend((0..calls).map(|i| {
            rec(
                T0 + 5 * HOUR + i * 5_000,
                &ip(90),
                "GET",
                host,
                "/api/catalog/featured",
            )
            .ua(ua)
        }));
        v
    };
    let mut look_alikes = later_client(
        "catalog2.wingtip.example",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        25,
    );
    look_alikes.extend(later_client("catalog3.wingtip.example", "curl/8.5.0", 1));
    c.case(
        "unrestricted_access_tool",
        later_client("catalog.wingtip.example", "curl/8.5.0", 25),
        look_alikes,
    );
    // 90 calls in 45 seconds from one address, all answered; the look-alike throttles.
    let burst = |host: &str, throttle: bool| -> Vec<Rec> {
        (0..90)
            .map(|i| {
                let limited = throttle && i >= 40;
                rec(T0 + i * 500, &ip(91), "GET", host, "/api/quotes/latest")
                    .query(&format!("symbol=S{i}"))
                    .status(if limited { 429 } else { 200 })
            })
            .collect()
    };
    c.case(
        "unrestricted_access_rate",
        burst("quotes.wingtip.example", false),
        burst("quotes2.wingtip.example", true),
    );
}

fn permission(c: &mut Corpus) {
    // Session cookie that is base64 of `userid:timestamp`; look-alike: 128 random bits.
    c.case(
        "weak_credential_randomness",
        vec![rec(
            T0,
            &ip(12),
            "GET",
            "legacy.litware.example",
            "/api/account/summary",
        )
        .header(
            "cookie",
            &format!("session_id={}", URL_SAFE_NO_PAD.encode("10023:1772440000")),
        )],
        vec![rec(
            T0,
            &ip(12),
            "GET",
            "legacy2.litware.example",
            "/api/account/summary",
        )
        .header("cookie", "session_id=Xr4_kPz9Qm2vLw7TnB3yHc8dFs6gJa1e")],
    );
    let kyc = |i: u32| json!({"realName": "王芳", "idCardNo": id_number("19880412", i), "mobilePhone": mobile(i)});
    c.case(
        "unauthenticated_sensitive_api",
        vec![rec(
            T0,
            &ip(13),
            "GET",
            "lookup.litware.example",
            "/api/v1/customers/search",
        )
        .query("keyword=wang")
        .resp(json!({"total": 1, "rows": [kyc(1)]}))],
        vec![rec(
            T0,
            &ip(13),
            "GET",
            "lookup2.litware.example",
            "/api/v1/customers/search",
        )
        .query("keyword=wang")
        .bearer("7c9e6679-7425-40de-944b-e07fc1f90ae7")
        .resp(json!({"total": 1, "rows": [kyc(1)]}))],
    );
    c.case(
        "unauthenticated_internal_api",
        vec![rec(
            T0,
            "10.3.0.9",
            "GET",
            "hr.litware-corp.example",
            "/api/staff/list",
        )
        .resp(json!({"data": [{"empNo": "E1024", "dept": "Finance"}]}))],
        vec![rec(
            T0,
            "10.3.0.9",
            "GET",
            "hr2.litware-corp.example",
            "/api/staff/list",
        )
        .header("cookie", "JSESSIONID=9A8B7C6D5E4F30211203F4E5D6C7B8A9")
        .resp(json!({"data": [{"empNo": "E1024", "dept": "Finance"}]}))],
    );
    // An access token in the URL; look-alike: a Google-style page token and a token type.
    c.case(
        "credential_in_url",
        vec![rec(
            T0,
            &ip(14),
            "GET",
            "export.litware.example",
            "/v1/reports/export",
        )
        .query("format=csv&access_token=ya29.a0AfB_byC3kPz9Qm2vLw7TnB3yHc8dFs6g")],
        vec![
            rec(T0, &ip(14), "GET", "export2.litware.example", "/v1/reports")
                .bearer("7c9e6679-7425-40de-944b-e07fc1f90ae7")
                .query("pageSize=50&pageToken=CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA3&token_type=bearer"),
        ],
    );
    // AWS IAM-style key pair in a response; the look-alike lists key ids only.
    c.case(
        "accesskey_pair_leak",
        vec![rec(T0, &ip(15), "GET", "deploy.litware.example", "/api/integrations/s3")
            .bearer("7c9e6679-7425-40de-944b-e07fc1f90ae7")
            .resp(json!({"bucket": "litware-media", "accessKeyId": "AKIAQ3EGRFTX7KZP2M4N", "secretAccessKey": "q8Vt2Yw9Zr4Lm6Kp1Nx3Hs7Df5Gb0Jc8Ua2Qe4Ri"}))],
        vec![rec(T0, &ip(15), "GET", "deploy2.litware.example", "/api/integrations/s3")
            .bearer("7c9e6679-7425-40de-944b-e07fc1f90ae7")
            .resp(json!({"bucket": "litware-media", "keys": [{"accessKeyId": "AKIAQ3EGRFTX7KZP2M4N", "status": "Active", "createDate": "2025-06-01T00:00:00Z"}]}))],
    );
    // AWS AssumeRole-shaped temporary credentials handed to anyone; the look-alike is called
    // by a signed-in user.
    let sts = json!({"Credentials": {
        "AccessKeyId": "ASIAQ3EGRFTX4LWD7B2K",
        "SecretAccessKey": "tP8wZ1yX3vR5qN7mK9jH2gF4dS6aL0cB8nM1vQ3e",
        "SessionToken": "FwoGZXIvYXdzEBYaDNf4yKpQm2vLw7TnB3yHc8dFs6gJa1eXr4kPz9Qm2vLw7TnB3yHc8dFs6gJa1e",
        "Expiration": "2026-03-02T10:00:00Z"}});
    c.case(
        "unauthenticated_sts_token",
        vec![rec(
            T0,
            &ip(16),
            "GET",
            "upload.litware.example",
            "/api/upload/credentials",
        )
        .resp(sts.clone())],
        vec![rec(
            T0,
            &ip(16),
            "GET",
            "upload2.litware.example",
            "/api/upload/credentials",
        )
        .bearer("7c9e6679-7425-40de-944b-e07fc1f90ae7")
        .resp(sts)],
    );
}

// ---------------------------------------------------------------- data protection and leaks

fn data(c: &mut Corpus) {
    let auth = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    c.case(
        "excessive_sensitive_types",
        vec![rec(
            T0,
            &ip(17),
            "GET",
            "kyc.adventure.example",
            "/api/member/profile",
        )
        .bearer(auth)
        .resp(
            json!({"data": {"xingming": "李娜", "shenfenzheng": id_number("19900307", 2),
                "shoujihao": mobile(2), "yinhangka": card_number(2),
                "youxiang": "li.na@adventure.example", "dizhi": "浙江省杭州市西湖区文三路90号"}}),
        )],
        vec![rec(
            T0,
            &ip(17),
            "GET",
            "kyc2.adventure.example",
            "/api/member/profile",
        )
        .bearer(auth)
        .resp(
            json!({"data": {"nickname": "娜娜", "city": "杭州", "gender": "female",
                "avatarUrl": "https://cdn.adventure.example/a/7.png", "level": 3}}),
        )],
    );
    let contacts = |n: u32| -> Value {
        json!({"items": (0..n).map(|i| json!({"full_name": format!("张{}", ["伟","芳","娜","敏","静","磊"][i as usize % 6]),
            "phone_number": mobile(100 + i), "email": format!("c{i}@adventure.example")})).collect::<Vec<_>>()})
    };
    c.case(
        "excessive_sensitive_volume",
        vec![rec(
            T0,
            &ip(18),
            "GET",
            "crm.adventure.example",
            "/api/crm/contacts/export",
        )
        .bearer(auth)
        .resp(contacts(180))],
        vec![rec(
            T0,
            &ip(18),
            "GET",
            "crm2.adventure.example",
            "/api/crm/contacts",
        )
        .bearer(auth)
        .query("page=2&per_page=50")
        .resp(contacts(50))],
    );
    c.case(
        "inadequate_deidentification",
        vec![rec(T0, &ip(19), "GET", "order.adventure.example", "/api/orders/detail")
            .bearer(auth)
            .query("orderId=88231")
            .resp(json!({"data": {"receiverMobile": "139****0070", "logistics": {"contactPhone": mobile(10)}}}))],
        vec![rec(T0, &ip(19), "GET", "order2.adventure.example", "/api/orders/detail")
            .bearer(auth)
            .query("orderId=88231")
            .resp(json!({"data": {"receiverMobile": "139****0070", "logistics": {"contactPhone": "137****4321"}}}))],
    );
    c.case(
        "server_info_leak",
        vec![
            rec(T0, &ip(20), "GET", "tomcat.adventure.example", "/app/missing").status(404)
                .resp_text("text/html", "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p><hr class=\"line\" /><h3>Apache Tomcat/9.0.83</h3></body></html>"),
            rec(T0, &ip(20), "GET", "dotenv.adventure.example", "/.env")
                .resp_text("text/plain", "APP_NAME=Adventure\nAPP_ENV=production\nAPP_KEY=base64:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==\nDB_HOST=10.0.3.7\nDB_PASSWORD=S3cr3t!\n"),
        ],
        vec![rec(T0, &ip(20), "GET", "blog.adventure.example", "/api/posts/12")
            .resp(json!({"title": "Moving to nginx 1.25", "body": "We upgraded our edge servers to nginx 1.25 and Apache is gone."}))],
    );
    c.case(
        "internal_ip_leak",
        vec![
            rec(T0, &ip(21), "GET", "lb.adventure.example", "/api/health/deep")
                .resp(json!({"status": "UP", "node": "172.20.3.14:8080"})),
            rec(T0, &ip(21), "GET", "via.adventure.example", "/api/catalog")
                .resp_header("x-upstream-addr", "10.42.7.19:8080"),
        ],
        vec![rec(T0, &ip(21), "GET", "lb2.adventure.example", "/api/health/deep")
            .resp(json!({"status": "UP", "publicIp": "203.0.113.50", "version": "10.4.2", "price": "10.00"}))],
    );
    c.case(
        "sensitive_data_in_url",
        vec![rec(
            T0,
            &ip(22),
            "GET",
            "verify.adventure.example",
            "/api/kyc/check",
        )
        .bearer(auth)
        .query(&format!(
            "id_no={}&name=%E7%8E%8B%E8%8A%B3",
            id_number("19880412", 3)
        ))],
        vec![rec(
            T0,
            &ip(22),
            "GET",
            "verify2.adventure.example",
            "/api/orders/check",
        )
        .bearer(auth)
        .query("order_no=202603021234567890&trace=7781200034")],
    );
    c.case(
        "openapi_doc_leak",
        vec![
            rec(
                T0,
                &ip(23),
                "GET",
                "springdoc.adventure.example",
                "/v3/api-docs",
            )
            .resp(
                json!({"openapi": "3.0.1", "info": {"title": "OpenAPI definition", "version": "v0"},
                    "servers": [{"url": "http://10.0.0.8:8080"}],
                    "paths": {"/api/users/{id}": {"get": {"operationId": "getUser"}}}}),
            ),
            rec(
                T0,
                &ip(23),
                "GET",
                "swashbuckle.adventure.example",
                "/swagger/v1/swagger.json",
            )
            .resp(
                json!({"swagger": "2.0", "info": {"title": "Adventure.Api", "version": "v1"},
                    "paths": {"/api/Orders": {"get": {"tags": ["Orders"]}}}}),
            ),
        ],
        vec![rec(
            T0,
            &ip(23),
            "GET",
            "schema.adventure.example",
            "/api/schema/order",
        )
        .resp(
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "title": "Order",
                "type": "object", "properties": {"id": {"type": "string"}}}),
        )],
    );
    let llm_key = "sk-proj-Q3kP9zWm2vLw7TnB3yHc8dFs6gJa1eXr4kPz9Qm2vLw7TnB3";
    c.case(
        "llm_api_key_leak",
        vec![rec(
            T0,
            &ip(24),
            "GET",
            "chat.adventure.example",
            "/api/chat/config",
        )
        .resp(json!({"model": "gpt-4o-mini", "apiKey": llm_key, "temperature": 0.2}))],
        vec![rec(
            T0,
            &ip(24),
            "GET",
            "chat2.adventure.example",
            "/api/chat/config",
        )
        .resp(json!({"model": "gpt-4o-mini", "sku": "sk-2024-red-XL", "temperature": 0.2}))],
    );
}

// ---------------------------------------------------------------- API design and messaging

fn design(c: &mut Corpus) {
    let auth = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let walk = |host: &str, ids: &[u32]| -> Vec<Rec> {
        ids.iter()
            .enumerate()
            .map(|(k, id)| {
                rec(
                    T0 + k as i64 * 3_000,
                    &ip(25),
                    "GET",
                    host,
                    &format!("/api/v2/invoices/{id}"),
                )
                .bearer(auth)
                .resp(json!({"invoiceId": id, "amount": 120.5}))
            })
            .collect()
    };
    let seq: Vec<u32> = (3001..3016).collect();
    let random = [
        48213, 91022, 10577, 66310, 23981, 70442, 15530, 88127, 39104, 52276, 61833, 27719,
    ];
    c.case(
        "traversable_parameter",
        walk("billing.proseware.example", &seq),
        walk("billing2.proseware.example", &random),
    );
    let items = |n: usize| -> Value {
        json!({"data": (0..n).map(|i| json!({"sku": format!("P{i:05}"), "price": 9.9})).collect::<Vec<_>>()})
    };
    c.case(
        "modifiable_result_size",
        vec![
            rec(
                T0,
                &ip(26),
                "GET",
                "shop.proseware.example",
                "/api/products",
            )
            .query("limit=500&offset=0")
            .resp(items(500)),
            rec(T0, &ip(26), "GET", "shop.proseware.example", "/rest/items")
                .query("rows=1000&start=0")
                .resp(items(1000)),
        ],
        vec![rec(
            T0,
            &ip(26),
            "GET",
            "shop2.proseware.example",
            "/api/products",
        )
        .query("limit=500&offset=0")
        .resp(items(100))],
    );
    c.case(
        "database_query_parameter",
        vec![rec(T0, &ip(27), "POST", "bi.proseware.example", "/api/bi/query")
            .bearer(auth)
            .json(json!({"statement": "SELECT region, SUM(amount) AS total FROM sales GROUP BY region", "limit": 100}))
            .resp(json!({"columns": ["region", "total"], "rows": [["east", 1200]]}))],
        vec![rec(T0, &ip(27), "GET", "bi2.proseware.example", "/api/search")
            .query("q=select+the+best+plan+from+our+pricing+page")],
    );
    c.case(
        "command_execution_parameter",
        vec![rec(
            T0,
            &ip(28),
            "POST",
            "diag.proseware.example",
            "/api/diag/run",
        )
        .bearer(auth)
        .json(json!({"cmd": "ping -c 4 10.1.2.3"}))
        .resp(json!({"output": "4 packets transmitted, 4 received"}))],
        vec![rec(
            T0,
            &ip(28),
            "POST",
            "diag2.proseware.example",
            "/api/feedback",
        )
        .bearer(auth)
        .json(json!({"message": "ping me when the export is ready", "topic": "exports"}))],
    );
    c.case(
        "specified_file_download",
        vec![rec(
            T0,
            &ip(29),
            "GET",
            "files.proseware.example",
            "/api/files/download",
        )
        .bearer(auth)
        .query("filePath=%2Fdata%2Fexport%2F2026%2Fq1-report.xlsx")
        .resp_header(
            "content-disposition",
            "attachment; filename=\"q1-report.xlsx\"",
        )
        .resp_text(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "PK\u{3}\u{4}",
        )],
        vec![rec(
            T0,
            &ip(29),
            "GET",
            "files2.proseware.example",
            "/api/files/download",
        )
        .bearer(auth)
        .query("fileId=6f1c2e9a-77b4-4d0e-9a51-0c3b2f8e1d47")
        .resp_header(
            "content-disposition",
            "attachment; filename=\"q1-report.xlsx\"",
        )
        .resp_text(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "PK\u{3}\u{4}",
        )],
    );
}

fn messaging(c: &mut Corpus) {
    c.case(
        "arbitrary_sms_sending",
        vec![rec(T0, &ip(30), "POST", "sms.woodgrove.example", "/api/sms/send")
            .json(json!({"phoneNumbers": mobile(30), "message": "【优选】尊敬的客户，您的包裹已到达驿站，请凭取件码取件，详情点击 http://t.woodgrove.example/x"}))
            .resp(json!({"success": true, "bizId": "900619746936498440^0"}))],
        vec![rec(T0, &ip(30), "POST", "sms2.woodgrove.example", "/api/sms/send")
            .json(json!({"phoneNumbers": mobile(30), "templateCode": "SMS_223451", "signName": "优选"}))
            .resp(json!({"success": true, "bizId": "900619746936498440^0"}))],
    );
    c.case(
        "arbitrary_email_sending",
        vec![rec(T0, &ip(31), "POST", "mail.woodgrove.example", "/api/mail/send")
            .json(json!({"to": "someone@contoso.example", "subject": "Your invoice is ready",
                "html": "<p>Dear customer, please <a href=\"https://pay.example\">pay here</a>.</p>"}))
            .resp(json!({"queued": true, "id": "<20260302.1@woodgrove.example>"}))],
        vec![rec(T0, &ip(31), "POST", "mail2.woodgrove.example", "/api/mail/send")
            .json(json!({"email": "someone@contoso.example", "templateId": "welcome_v2"}))
            .resp(json!({"queued": true, "id": "<20260302.1@woodgrove.example>"}))],
    );
    c.case(
        "sms_code_leak",
        vec![rec(
            T0,
            &ip(32),
            "POST",
            "otp.woodgrove.example",
            "/api/v2/sms/code",
        )
        .json(json!({"phone": mobile(32), "scene": "login"}))
        .resp(json!({"success": true, "data": {"smsCode": "482913", "ttl": 300}}))],
        vec![rec(
            T0,
            &ip(32),
            "POST",
            "otp2.woodgrove.example",
            "/api/v2/sms/code",
        )
        .json(json!({"phone": mobile(32), "scene": "login"}))
        .resp(json!({"success": true, "data": {"ttl": 300, "requestId": "5E0D3C41-0B8A-4F3B"}}))],
    );
    c.case(
        "email_code_leak",
        vec![rec(
            T0,
            &ip(33),
            "POST",
            "verify.woodgrove.example",
            "/api/v2/email/verification",
        )
        .json(json!({"email": "amy@contoso.example"}))
        .resp(json!({"ok": true, "verification_code": "739201", "expires_in": 600}))],
        vec![rec(
            T0,
            &ip(33),
            "POST",
            "verify2.woodgrove.example",
            "/api/v2/email/verification",
        )
        .json(json!({"email": "amy@contoso.example"}))
        .resp(json!({"ok": true, "expires_in": 600}))],
    );
}

// ---------------------------------------------------------------- exceptions

fn exceptions(c: &mut Corpus) {
    let err = |host: &str, ct: &str, body: &str| {
        rec(T0, &ip(34), "GET", host, "/api/orders/list")
            .status(500)
            .resp_text(ct, body)
    };
    c.case(
        "app_exception_leak",
        vec![
            err("spring.fourthcoffee.example", "text/html", "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p><div id='created'>Mon Mar 02 09:00:00 UTC 2026</div><div>There was an unexpected error (type=Internal Server Error, status=500).</div><div style='white-space:pre-wrap;'>java.lang.IllegalStateException: order service unavailable\n\tat com.fourthcoffee.order.OrderController.list(OrderController.java:57)\n\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)\n</div></body></html>"),
            err("django.fourthcoffee.example", "text/html", "<!DOCTYPE html><html lang=\"en\"><head><title>KeyError at /api/orders/list</title></head><body><div id=\"summary\"><h1>KeyError at /api/orders/list</h1><pre class=\"exception_value\">&#x27;customer&#x27;</pre></div><div id=\"explanation\"><p>You’re seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</p></div></body></html>"),
            err("flask.fourthcoffee.example", "text/plain", "Traceback (most recent call last):\n  File \"/usr/local/lib/python3.11/site-packages/flask/app.py\", line 1484, in full_dispatch_request\n    rv = self.dispatch_request()\n  File \"/srv/app/orders.py\", line 31, in list_orders\n    return jsonify(rows[0])\nIndexError: list index out of range\n"),
            err("gin.fourthcoffee.example", "text/plain", "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 42 [running]:\nmain.listOrders(0xc0000a6000)\n\t/go/src/app/orders.go:88 +0x1d4\n"),
            err("aspnet.fourthcoffee.example", "text/html", "<html><head><title>Object reference not set to an instance of an object.</title></head><body><span><H1>Server Error in '/' Application.<hr width=100% size=1 color=silver></H1><h2> <i>Object reference not set to an instance of an object.</i> </h2></span><b> Exception Details: </b>System.NullReferenceException: Object reference not set to an instance of an object.<br><pre>[NullReferenceException: Object reference not set to an instance of an object.]\n   FourthCoffee.Web.OrdersController.List() in D:\\build\\src\\OrdersController.cs:41\n</pre></body></html>"),
            err("laravel.fourthcoffee.example", "application/json", r#"{"message":"Call to a member function orders() on null","exception":"Error","file":"/var/www/html/app/Http/Controllers/OrderController.php","line":27,"trace":[{"file":"/var/www/html/vendor/laravel/framework/src/Illuminate/Routing/Controller.php","line":54,"function":"list","class":"App\\Http\\Controllers\\OrderController"}]}"#),
            err("express.fourthcoffee.example", "text/html", "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>TypeError: Cannot read properties of undefined (reading &#39;map&#39;)<br> &nbsp; &nbsp;at listOrders (/usr/src/app/routes/orders.js:18:24)<br> &nbsp; &nbsp;at Layer.handle [as handle_request] (/usr/src/app/node_modules/express/lib/router/layer.js:95:5)</pre>\n</body>\n</html>\n"),
        ],
        vec![
            err("problem.fourthcoffee.example", "application/problem+json", r#"{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"An unexpected error occurred. Reference: 7f3e2d1c","instance":"/api/orders/list"}"#),
            err("springjson.fourthcoffee.example", "application/json", r#"{"timestamp":"2026-03-02T09:00:00.000+00:00","status":500,"error":"Internal Server Error","path":"/api/orders/list"}"#),
        ],
    );
    c.case(
        "db_exception_leak",
        vec![
            err("psycopg.fourthcoffee.example", "application/json", r#"{"detail":"psycopg2.errors.UndefinedColumn: column \"emial\" does not exist\nLINE 1: SELECT id, emial FROM customers\n                   ^"}"#),
            err("eloquent.fourthcoffee.example", "application/json", r#"{"message":"SQLSTATE[42S22]: Column not found: 1054 Unknown column 'deleted_at' in 'where clause' (SQL: select * from `orders` where `deleted_at` is null)"}"#),
            err("mssql.fourthcoffee.example", "application/json", r#"{"error":"Conversion failed when converting the nvarchar value 'abc' to data type int.","source":"Microsoft.Data.SqlClient"}"#),
            err("oracle.fourthcoffee.example", "text/plain", "Error: ORA-01756: quoted string not properly terminated\n"),
            err("sqlite.fourthcoffee.example", "application/json", r#"{"error":"SQLITE_CONSTRAINT: UNIQUE constraint failed: users.email","errno":19,"code":"SQLITE_CONSTRAINT"}"#),
            err("mysqljs.fourthcoffee.example", "application/json", r#"{"code":"ER_NO_SUCH_TABLE","errno":1146,"sqlMessage":"Table 'shop.orderz' doesn't exist","sqlState":"42S02"}"#),
        ],
        vec![
            err("dbok.fourthcoffee.example", "application/json", r#"{"error":"Duplicate order: an order with this number already exists","code":"ORDER_EXISTS"}"#),
            err("dbok.fourthcoffee.example", "application/json", r#"{"message":"Our database is under maintenance, please try again in a few minutes"}"#),
        ],
    );
}

#[test]
fn every_risk_type_on_independent_traffic() {
    let mut c = Corpus::default();
    specification(&mut c);
    account(&mut c);
    access(&mut c);
    permission(&mut c);
    data(&mut c);
    design(&mut c);
    messaging(&mut c);
    exceptions(&mut c);
    let keys: BTreeSet<&str> = c.cases.iter().map(|c| c.key).collect();
    for r in &engine::catalog::catalog().risks {
        assert!(
            r.key == "custom_risk" || keys.contains(r.key.as_str()),
            "no independent case for {}",
            r.key
        );
    }
    for case in &c.cases {
        assert!(
            !case.positive.is_empty() && !case.negative.is_empty(),
            "{}",
            case.key
        );
    }
    c.check();
}

/// More path shapes, parameter names and token styles for the detectors whose rules hinge on
/// names: logon endpoints, page-size parameters, JWT libraries, code and download fields.
#[test]
fn more_styles_of_the_name_driven_detectors() {
    let mut c = Corpus::default();
    // Logon endpoints of other shapes accepting weak passwords; look-alikes accept strong ones.
    let logon = |host: &str, path: &str, body: Value| {
        rec(T0, &ip(40), "POST", host, path)
            .json(body)
            .resp(json!({"token": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "expiresIn": 7200}))
    };
    c.case(
        "weak_password_allowed",
        vec![
            logon(
                "a1.login.example",
                "/auth/token",
                json!({"username": "li.lei", "password": "abc123"}),
            ),
            logon(
                "a2.login.example",
                "/api/v2/session",
                json!({"login": "li.lei", "passwd": "password1"}),
            ),
            logon(
                "a3.login.example",
                "/user/signin",
                json!({"userName": "li.lei", "userPwd": "88888888"}),
            ),
            logon(
                "a4.login.example",
                "/api/account/authenticate",
                json!({"account": "li.lei@example.org", "password": "qwerty"}),
            ),
        ],
        vec![
            logon(
                "b1.login.example",
                "/auth/token",
                json!({"username": "li.lei", "password": "Vx8#pLq2!mZr"}),
            ),
            logon(
                "b2.login.example",
                "/api/v2/session",
                json!({"login": "li.lei", "passwd": "correct-Horse-battery-7"}),
            ),
        ],
    );
    // Page-size parameters of other APIs honoured at large values.
    let list = |host: &str, q: &str, n: usize| {
        rec(T0, &ip(41), "GET", host, "/api/records").query(q).resp(
            json!({"results": (0..n).map(|i| json!({"id": i})).collect::<Vec<_>>(), "next": null}),
        )
    };
    c.case(
        "modifiable_result_size",
        vec![
            list("p1.paging.example", "per_page=300&page=1", 300),
            list("p2.paging.example", "pageSize=1000&pageNum=1", 1000),
            list("p3.paging.example", "size=500", 500),
            list("p4.paging.example", "count=250&offset=0", 250),
            list("p5.paging.example", "max=400", 400),
        ],
        vec![
            // Capped at 100 whatever was asked, and a small page honoured.
            list("q1.paging.example", "per_page=300&page=1", 100),
            list("q2.paging.example", "pageSize=50&pageNum=3", 50),
        ],
    );
    // JWTs of other libraries: jjwt HS512 with `changeme`, express-jwt's README `shhhhh` in a
    // cookie. Look-alikes: the same shapes with a random secret.
    let claims = r#"{"sub":"li.lei","roles":["user"],"iat":1772440000}"#;
    let jwt_calls = |hosts: [&str; 2], hs512_secret: &str, hs256_secret: &str| {
        vec![
            rec(T0, &ip(42), "GET", hosts[0], "/api/me").bearer(&hs512(
                r#"{"alg":"HS512"}"#,
                claims,
                hs512_secret,
            )),
            rec(T0, &ip(42), "GET", hosts[1], "/api/me").header(
                "cookie",
                &format!(
                    "auth_token={}",
                    hs256(r#"{"alg":"HS256","typ":"JWT"}"#, claims, hs256_secret)
                ),
            ),
        ]
    };
    c.case(
        "weak_jwt_algorithm",
        jwt_calls(
            ["j1.tokens.example", "j2.tokens.example"],
            "changeme",
            "shhhhh",
        ),
        jwt_calls(
            ["k1.tokens.example", "k2.tokens.example"],
            "9c1f0e7b2a4d6f8e0b3c5a7d9f1e3b5c",
            "Qm2vLw7TnB3yHc8dFs6gJa1e",
        ),
    );
    // A verification code returned under other names; look-alikes return a status `code` and a
    // country code.
    let send = |host: &str, resp: Value| {
        rec(T0, &ip(43), "POST", host, "/api/verify-code/send")
            .form(&format!("mobile={}&type=register", mobile(43)))
            .resp(resp)
    };
    c.case(
        "sms_code_leak",
        vec![
            send(
                "s1.codes.example",
                json!({"code": 0, "msg": "ok", "data": {"yzm": "5821"}}),
            ),
            send(
                "s2.codes.example",
                json!({"status": "success", "otp": "903184"}),
            ),
        ],
        vec![
            send(
                "t1.codes.example",
                json!({"code": 200, "msg": "验证码已发送"}),
            ),
            send(
                "t2.codes.example",
                json!({"code": 0, "data": {"countryCode": "86", "interval": 60}}),
            ),
        ],
    );
    // Logon APIs that answer HTTP 200 with a business code (common in Chinese back ends).
    let login200 = |host: &str, t: i64, user: &str, pwd: &str, resp: Value| {
        rec(t, &ip(45), "POST", host, "/api/user/doLogin")
            .form(&format!("userName={user}&passWord={pwd}&rememberMe=false"))
            .resp(resp)
    };
    let wrong = json!({"code": 500, "msg": "用户名或密码错误", "data": null});
    let locked = json!({"code": 500, "msg": "密码输入错误5次，帐户锁定10分钟", "data": null});
    let unknown_user = json!({"code": 500, "msg": "用户不存在", "data": null});
    let wrong_pwd = json!({"code": 500, "msg": "密码错误", "data": null});
    c.case(
        "unrestricted_login",
        (0..12)
            .map(|i| {
                login200(
                    "l1.logon.example",
                    T0 + i * 15_000,
                    "zhangsan",
                    &format!("pw{i}x"),
                    wrong.clone(),
                )
            })
            .collect(),
        (0..12)
            .map(|i| {
                let resp = if i < 5 { wrong.clone() } else { locked.clone() };
                login200(
                    "m1.logon.example",
                    T0 + i * 15_000,
                    "zhangsan",
                    &format!("pw{i}x"),
                    resp,
                )
            })
            .collect(),
    );
    c.case(
        "login_failure_enumeration",
        vec![
            login200("l2.logon.example", T0, "nobody", "Abc12345!", unknown_user),
            login200(
                "l2.logon.example",
                T0 + MINUTE,
                "zhangsan",
                "Abc12345!",
                wrong_pwd,
            ),
        ],
        vec![
            login200("m2.logon.example", T0, "nobody", "Abc12345!", wrong.clone()),
            login200(
                "m2.logon.example",
                T0 + MINUTE,
                "zhangsan",
                "Abc12345!",
                wrong.clone(),
            ),
        ],
    );
    let welcome = json!({"code": 200, "msg": "登录成功", "data": {"token": "8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a"}});
    c.case(
        "default_password",
        vec![login200(
            "l3.logon.example",
            T0,
            "tomcat",
            "tomcat",
            welcome.clone(),
        )],
        vec![login200(
            "m3.logon.example",
            T0,
            "tomcat",
            "tomcat",
            wrong.clone(),
        )],
    );
    // API descriptions served as YAML, by FastAPI (OpenAPI 3.1) and as a Swagger UI page;
    // look-alikes: a compose file and a JSON Schema.
    let doc = |host: &str, path: &str, ct: &str, body: &str| {
        rec(T0, &ip(46), "GET", host, path).resp_text(ct, body)
    };
    c.case(
        "openapi_doc_leak",
        vec![
            doc("o1.docs.example", "/openapi.yaml", "application/yaml", "openapi: 3.0.3\ninfo:\n  title: Billing\n  version: 1.4.0\npaths:\n  /invoices/{id}:\n    get:\n      operationId: getInvoice\n"),
            doc("o2.docs.example", "/openapi.json", "application/json", r#"{"openapi":"3.1.0","info":{"title":"FastAPI","version":"0.1.0"},"paths":{"/items/{item_id}":{"get":{"summary":"Read Item"}}}}"#),
            doc("o3.docs.example",
                "/docs",
                "text/html",
                "<!DOCTYPE html><html><head><link type=\"text/css\" rel=\"stylesheet\" href=\"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css\"><title>FastAPI - Swagger UI</title></head><body><div id=\"swagger-ui\"></div><script src=\"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js\"></script><script>const ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui'})</script></body></html>",
            ),
        ],
        vec![
            doc("p1.docs.example", "/static/compose.yaml", "application/yaml", "version: '3.8'\nservices:\n  web:\n    image: nginx:1.25\n"),
            doc("p2.docs.example", "/api/forms/schema", "application/json", r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"Signup","type":"object","properties":{"email":{"type":"string"}}}"#),
        ],
    );
    // Loopback and link-local addresses in responses; look-alikes: public and documentation
    // addresses, and a version number.
    c.case(
        "internal_ip_leak",
        vec![
            rec(T0, &ip(47), "GET", "i1.addr.example", "/api/cache/stats").status(500)
                .resp(json!({"error": "Error: connect ECONNREFUSED 127.0.0.1:6379"})),
            rec(T0, &ip(47), "GET", "i2.addr.example", "/api/instance")
                .resp(json!({"metadataEndpoint": "http://169.254.169.254/latest/meta-data/", "zone": "eu-west-1a"})),
        ],
        vec![rec(T0, &ip(47), "GET", "j1.addr.example", "/api/instance")
            .resp(json!({"egressIp": "198.51.100.20", "dns": "1.1.1.1", "agentVersion": "10.168.2"}))],
    );
    // Other download parameter names carrying paths; look-alikes carry identifiers and names.
    let download = |host: &str, path: &str, q: &str| {
        rec(T0, &ip(44), "GET", host, path)
            .query(q)
            .resp_header("content-disposition", "attachment; filename=\"a.pdf\"")
            .resp_text("application/pdf", "%PDF-1.7")
    };
    c.case(
        "specified_file_download",
        vec![
            download(
                "d1.files.example",
                "/common/download",
                "fileName=..%2F..%2Fconfig%2Fapplication.yml",
            ),
            download(
                "d2.files.example",
                "/api/attachment/get",
                "path=D%3A%5Cuploads%5Ccontracts%5C2026%5Cc-88.pdf",
            ),
        ],
        vec![
            download(
                "e1.files.example",
                "/common/download",
                "fileName=contract-88.pdf",
            ),
            download(
                "e2.files.example",
                "/api/attachment/get",
                "attachmentId=88213",
            ),
        ],
    );
    c.check();
}

/// Normal traffic of a task-tracking SaaS written in a style of its own (English, camelCase,
/// UUID identifiers, RS256 tokens, PATCH updates, browsers and native apps from many countries'
/// addresses, a load balancer's probes): it must raise no risk.
#[test]
fn normal_saas_traffic_raises_no_risk() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let host = "api.taskboard.example";
    let agents = [
        BROWSER,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "okhttp/4.12.0",
        "Taskboard/3.8.1 CFNetwork/1490.0.4 Darwin/23.2.0",
    ];
    let uuid = |rng: &mut rand_chacha::ChaCha8Rng| {
        let v: u128 = rng.gen();
        let h = format!("{v:032x}");
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    };
    let token = |rng: &mut rand_chacha::ChaCha8Rng, user: u32| {
        let sig: [u8; 32] = rng.gen();
        format!(
            "{}.{}.{}",
            b64(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#),
            b64(&format!(
                r#"{{"sub":"u{user}","aud":"taskboard","exp":1772529000}}"#
            )),
            URL_SAFE_NO_PAD.encode(sig)
        )
    };
    let projects: Vec<String> = (0..30).map(|_| uuid(&mut rng)).collect();
    let mut recs = Vec::new();
    for user in 0..150u32 {
        let addr = format!(
            "{}.{}.{}.{}",
            [81, 92, 151, 178, 203][user as usize % 5],
            20 + user % 200,
            user % 250,
            1 + user % 250
        );
        let ua = agents[user as usize % agents.len()];
        let jwt = token(&mut rng, user);
        let sessions = 1 + rng.gen_range(0..3);
        for s in 0..sessions {
            let mut t = T0 + rng.gen_range(0..3 * 24 * HOUR) + s * 3 * HOUR;
            let call = |method: &str, path: &str, t: i64| {
                rec(t, &addr, method, host, path).ua(ua).bearer(&jwt)
            };
            recs.push(call("GET", "/v2/me", t).resp(json!({"id": format!("u{user}"), "displayName": format!("User {user}"), "locale": "en-GB", "plan": "team"})));
            t += 2_000;
            let page = rng.gen_range(1..4);
            recs.push(
                call("GET", "/v2/projects", t)
                    .query(&format!("page={page}&per_page=20&sort=-updatedAt"))
                    .resp(json!({"data": projects.iter().take(20).map(|p| json!({"id": p, "name": format!("Project {}", &p[..4]), "archived": false})).collect::<Vec<_>>(), "meta": {"page": page, "perPage": 20, "total": 30}})),
            );
            for _ in 0..rng.gen_range(1..5) {
                t += rng.gen_range(5_000..60_000);
                let p = &projects[rng.gen_range(0..projects.len())];
                recs.push(call("GET", &format!("/v2/projects/{p}/tasks"), t).query("status=open&limit=50").resp(json!({"data": [{"id": uuid(&mut rng), "title": "Review the quarterly plan", "dueAt": "2026-03-09T17:00:00Z"}], "nextCursor": null})));
                if rng.gen_bool(0.3) {
                    t += 4_000;
                    let task = uuid(&mut rng);
                    recs.push(
                        call("PATCH", &format!("/v2/tasks/{task}"), t)
                            .json(json!({"status": "done"}))
                            .resp(json!({"id": task, "status": "done"})),
                    );
                }
                if rng.gen_bool(0.15) {
                    t += 4_000;
                    recs.push(call("POST", &format!("/v2/projects/{p}/tasks"), t).json(json!({"title": "Draft the release notes", "assigneeId": format!("u{user}")})).status(201).resp(json!({"id": uuid(&mut rng), "title": "Draft the release notes"})));
                }
                if rng.gen_bool(0.05) {
                    t += 1_000;
                    recs.push(call("GET", &format!("/v2/projects/{}", uuid(&mut rng)), t).status(404).resp(json!({"error": {"code": "not_found", "message": "Project not found"}})));
                }
            }
        }
    }
    // Public configuration, and the load balancer's health probes from the private network.
    for i in 0..200 {
        recs.push(
            rec(
                T0 + i * 20 * MINUTE,
                &format!("81.20.{}.{}", i % 200, 1 + i % 250),
                "GET",
                host,
                "/v2/config",
            )
            .resp(json!({"features": {"dark": true}, "minAppVersion": "3.2.0"})),
        );
        recs.push(
            rec(T0 + i * 20 * MINUTE, "10.0.0.2", "GET", host, "/healthz")
                .ua("kube-probe/1.29")
                .resp(json!({"status": "ok"})),
        );
    }
    // With the real GeoIP database when it is installed: the callers span many countries.
    let clients = ClientClassifier::from_env().unwrap_or_else(|_| ClientClassifier::without_geo());
    let found = analyze_with(&recs, clients);
    assert!(found.is_empty(), "risks on normal traffic: {found:#?}");
}
