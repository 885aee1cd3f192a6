//! Log hygiene (issue 11): runs the real `apisec serve` with `RUST_LOG=debug` over demo data,
//! feeds it traffic full of known secrets through the token endpoint and the console upload,
//! lets the analysis run, uses the console (sign-in with a wrong and the right password, pages,
//! lists, the leak-tracing form, the sensitive-sample tester, sign-out), then greps everything the
//! server printed: no planted secret, token or password may appear, and no terminal escape
//! planted in the traffic may reach the output raw.

mod common;

use common::enc;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_PASSWORD: &str = "Adm1n-Planted-Passw0rd";
const WRONG_PASSWORD: &str = "Wr0ng-Planted-Guess";
const ID_CARD: &str = "11010519491231002X";
const PHONE: &str = "13912345678";
const BANK_CARD: &str = "6222021234567890128";
const USER_PASSWORD: &str = "Tr0ub4dor-Planted-3";
const API_KEY: &str = "sk_live_51PlantedKeyQwErTy7788";
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwbGFudGVkLXVzZXItNzc3IiwibmFtZSI6IkFsaWNlIn0.0nLhQ3y1Yd4v9N0PlantedSig_xyzQ";
const EMAIL: &str = "alice.planted@example.org";
/// Printed in red by a terminal if it reached a log line raw.
const ESCAPE: &str = "\u{1b}[31mPLANTED-ESCAPE";

/// Kills the server when the test ends, however it ends.
struct Server {
    child: Child,
    addr: SocketAddr,
    out: std::path::PathBuf,
    err: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = dir.path().join("stdout.log");
    let err = dir.path().join("stderr.log");
    let child = Command::new(env!("CARGO_BIN_EXE_apisec"))
        .arg("serve")
        .env("APISEC_ADDR", addr.to_string())
        .env("APISEC_DATA_DIR", dir.path().join("data"))
        .env("APISEC_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "debug")
        .env_remove("NO_COLOR")
        .env("APISEC_DEMO_RECORDS_PER_DAY", "600")
        .env("APISEC_DEMO_DAYS", "2")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::from(std::fs::File::create(&out).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&err).unwrap()))
        .spawn()
        .unwrap();
    let server = Server {
        child,
        addr,
        out,
        err,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(r) = request(server.addr, "GET", "/healthz", &[], b"") {
            if r.status == 200 {
                return server;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the server did not start: {}",
            server.output()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl Server {
    fn output(&self) -> String {
        let read = |p: &std::path::Path| std::fs::read(p).unwrap_or_default();
        let mut all = read(&self.out);
        all.extend(read(&self.err));
        String::from_utf8_lossy(&all).into_owned()
    }
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 exchange (`Connection: close`), enough for this test without a client crate.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = vec![];
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Ok(Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&b[start..(start + size).min(b.len())]);
        b = &b[(start + size + 2).min(b.len())..];
    }
    out
}

/// A browser-less console user with one session cookie.
struct Console {
    addr: SocketAddr,
    cookie: Option<String>,
}

impl Console {
    fn send(&mut self, method: &str, path: &str, extra: &[(&str, &str)], body: &[u8]) -> Resp {
        let cookie = self.cookie.as_ref().map(|c| format!("apisec_session={c}"));
        let mut headers: Vec<(&str, &str)> = extra.to_vec();
        if let Some(c) = &cookie {
            headers.push(("Cookie", c.as_str()));
        }
        let r = request(self.addr, method, path, &headers, body).unwrap();
        for (k, v) in &r.headers {
            if let Some(value) = (k == "set-cookie")
                .then(|| {
                    v.split(';')
                        .next()
                        .unwrap_or_default()
                        .strip_prefix("apisec_session=")
                })
                .flatten()
            {
                self.cookie =
                    (!value.is_empty() && !v.contains("Max-Age=0")).then(|| value.to_string());
            }
        }
        r
    }

    fn call(&mut self, name: &str, form: &[(&str, &str)]) -> Resp {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            "POST",
            &format!("/api/{name}"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
    }

    fn csrf(&mut self) -> String {
        let r = self.call("session", &[]);
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["csrf"].as_str().unwrap().to_string()
    }

    /// A state-changing call with the session's CSRF token; must succeed.
    fn change(&mut self, name: &str, form: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf();
        let mut form = form.to_vec();
        form.push(("csrf", &csrf));
        let r = self.call(name, &form);
        assert!(
            (200..400).contains(&r.status),
            "{name}: {} {}",
            r.status,
            r.body
        );
        r
    }
}

/// Realistic exchanges that carry every planted secret, in the native format: a login with a
/// password, a profile with ID card, phone, bank card and e-mail, an API key and a JWT in
/// headers, an escape sequence in the user agent and path, and a broken line with a secret.
fn traffic() -> String {
    let login_body =
        serde_json::json!({"username": "alice", "password": USER_PASSWORD}).to_string();
    let profile = serde_json::json!({
        "name": "张三", "id_card": ID_CARD, "mobile": PHONE, "bank_card": BANK_CARD, "email": EMAIL
    })
    .to_string();
    let mut lines = vec![];
    for i in 0..30 {
        let t = format!("2026-11-20T08:{:02}:{:02}Z", i / 60, i % 60);
        lines.push(serde_json::json!({
            "time": t, "host": "bank.example.cn", "method": "POST", "path": "/api/v1/login",
            "client_ip": "203.0.113.7", "status": 200, "user_agent": format!("Mozilla/5.0 {ESCAPE}"),
            "request_headers": {"content-type": "application/json", "x-api-key": API_KEY},
            "request_body": login_body,
            "response_headers": {"content-type": "application/json", "set-cookie": format!("token={JWT}; HttpOnly")},
            "response_body": serde_json::json!({"token": JWT}).to_string(),
        }));
        lines.push(serde_json::json!({
            "time": t, "host": "bank.example.cn", "method": "GET",
            "path": format!("/api/v1/users/{}/profile{ESCAPE}", 1000 + i),
            "client_ip": "203.0.113.7", "status": 200,
            "request_headers": {"authorization": format!("Bearer {JWT}")},
            "response_headers": {"content-type": "application/json"},
            "response_body": profile,
        }));
    }
    let mut out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    out.push_str(&format!(
        "{{\"time\": broken line {PHONE} {USER_PASSWORD} {ESCAPE}\n"
    ));
    out
}

#[test]
fn no_secret_reaches_the_server_logs() {
    let server = start();
    let mut admin = Console {
        addr: server.addr,
        cookie: None,
    };

    // Sign-in: a wrong password first, then the right one.
    let csrf = admin.csrf();
    let r = admin.call(
        "login",
        &[
            ("username", "admin"),
            ("password", WRONG_PASSWORD),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    admin.change(
        "login",
        &[("username", "admin"), ("password", ADMIN_PASSWORD)],
    );
    // The demo tenant may already have API security (409 then); otherwise turn it on.
    for action in ["consent", "trial"] {
        let csrf = admin.csrf();
        let r = admin.call(
            "api_security_action",
            &[("tenant", "demo"), ("action", action), ("csrf", &csrf)],
        );
        assert!(
            matches!(r.status, 200 | 409),
            "{action}: {} {}",
            r.status,
            r.body
        );
    }

    // A data source, fed once through its token and once through the console upload.
    let created = admin
        .change(
            "create_data_source",
            &[
                ("tenant", "demo"),
                ("region", "cn"),
                ("name", "bank gateway"),
                ("format", "jsonl"),
            ],
        )
        .json();
    let token = created["token"].as_str().unwrap().to_string();
    let source = created["id"].to_string();
    let body = traffic();
    let bearer = format!("Bearer {token}");
    let r = request(
        server.addr,
        "POST",
        "/ingest/v1/logs",
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/x-ndjson"),
        ],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    let r = request(
        server.addr,
        "POST",
        "/ingest/v1/logs",
        &[("Authorization", &format!("Bearer {token}x"))],
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 401, "a wrong token: {}", r.body);
    let csrf = admin.csrf();
    let file_name = enc(&format!("gateway-{PHONE}-{ESCAPE}.jsonl"));
    let r = admin.send(
        "POST",
        &format!("/upload?tenant=demo&region=cn&source={source}"),
        &[("x-csrf-token", &csrf), ("x-file-name", &file_name)],
        body.replace("08:", "09:").as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.body);

    // Let the analysis of the demo data and of our segments finish.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let jobs = admin
            .call("scope_jobs", &[("tenant", "demo"), ("region", "cn")])
            .json();
        let busy = jobs
            .as_array()
            .unwrap()
            .iter()
            .any(|j| matches!(j["status"].as_str(), Some("queued" | "running")));
        if !busy {
            break;
        }
        assert!(Instant::now() < deadline, "analysis did not finish: {jobs}");
        std::thread::sleep(Duration::from_millis(500));
    }

    // The console: pages, lists, details, leak tracing, the sample tester.
    for page in server::security::CONSOLE_PAGES
        .iter()
        .filter(|p| **p != "/")
    {
        let r = admin.send("GET", &format!("{page}?tenant=demo&region=cn"), &[], b"");
        assert_eq!(r.status, 200, "{page}");
    }
    let scope = [("tenant", "demo"), ("region", "cn")];
    for name in [
        "basic_detection",
        "overview",
        "assets_facets",
        "assets_sensitive_types",
        "compliance_review",
        "data_sources",
    ] {
        let r = admin.call(name, &scope);
        assert_eq!(r.status, 200, "{name}: {}", r.body);
    }
    let risks = admin
        .call(
            "risks_list",
            &[("tenant", "demo"), ("region", "cn"), ("query", "")],
        )
        .json();
    assert!(
        risks["total"].as_i64().unwrap() > 0,
        "the analysis found risks"
    );
    let risk = risks["rows"][0]["id"].to_string();
    assert_eq!(
        admin
            .call(
                "risk_detail",
                &[("tenant", "demo"), ("region", "cn"), ("id", &risk)]
            )
            .status,
        200
    );
    let r = admin.call(
        "assets_list",
        &[
            ("tenant", "demo"),
            ("region", "cn"),
            ("query[host]", "bank.example.cn"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.json()["total"].as_i64().unwrap_or(0) > 0,
        "our traffic was analysed: {}",
        r.body
    );
    assert!(
        !r.body.contains(ID_CARD) && !r.body.contains(PHONE),
        "samples are masked: {}",
        r.body
    );
    for value in [PHONE, ID_CARD, BANK_CARD] {
        admin.change(
            "compliance_trace",
            &[("tenant", "demo"), ("region", "cn"), ("value", value)],
        );
    }
    let definition = r#"{"name":"Bank card","regex":"6222\\d{15}","fields":[],"keywords":[],"level":"S3","category":"finance"}"#;
    let sample = format!("{{\"card\":\"{BANK_CARD}\"}}");
    let r = admin.call(
        "policy_test_sample",
        &[
            ("tenant", "demo"),
            ("definition", definition),
            ("sample", &sample),
            ("field", ""),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    for export in [
        "/export/risks.csv",
        "/export/events.csv",
        "/export/assets.csv",
        "/export/compliance.csv",
    ] {
        let r = admin.send("GET", &format!("{export}?tenant=demo&region=cn"), &[], b"");
        assert_eq!(r.status, 200, "{export}");
    }
    admin.change("logout", &[]);
    drop(admin);

    let log = server.output();
    assert!(
        log.contains("apisec listening on"),
        "the log was captured: {log}"
    );
    assert!(
        log.contains("DEBUG") && log.contains("/ingest/v1/logs"),
        "RUST_LOG=debug took effect: requests are logged"
    );
    let planted = [
        ("admin password", ADMIN_PASSWORD),
        ("wrong password", WRONG_PASSWORD),
        ("ingest token", token.as_str()),
        ("ID card number", ID_CARD),
        ("phone number", PHONE),
        ("bank card", BANK_CARD),
        ("password in a login body", USER_PASSWORD),
        ("API key", API_KEY),
        ("JWT", JWT),
        ("e-mail address", EMAIL),
    ];
    let leaks: Vec<String> = planted
        .iter()
        .filter_map(|(what, value)| {
            let line = log.lines().find(|l| l.contains(value))?;
            Some(format!("{what}: {line}"))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "secrets in the server's output:\n{}",
        leaks.join("\n")
    );
    let raw_escapes: Vec<&str> = log.lines().filter(|l| l.contains('\u{1b}')).collect();
    assert!(
        raw_escapes.is_empty(),
        "raw terminal escapes in the server's output:\n{}",
        raw_escapes.join("\n").escape_debug()
    );
}
