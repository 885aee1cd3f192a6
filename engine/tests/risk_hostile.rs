//! Hostile and odd inputs: the detectors never panic, stay bounded and keep evidence short.

#[path = "risk_support.rs"]
mod support;
use support::*;

fn odd_exchanges() -> Vec<Ex> {
    let big = "A".repeat(2 * 1024 * 1024);
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let many_ips: String = (0..5000)
        .map(|i| format!("v1.{}.{}.{} ", i % 250, i % 7, i % 3))
        .collect();
    let multibyte = "密码错误😀10.0.0.1é".repeat(2000);
    vec![
        get("/").resp(""),
        ex("", "").resp(""),
        get("/api/x").resp(&big),
        get("/api/x").resp(&nested),
        post("/api/x").json(&nested).resp("{}"),
        get("/api/x").resp(&many_ips),
        get("/api/x").resp(&multibyte),
        get("/api/x").query(&"a=1&".repeat(10_000)),
        post("/login")
            .form("username=%FF%FE&password=%E5%AF%86%E7%A0%81")
            .resp(&multibyte),
        get("/api/x")
            .header("authorization", "Bearer eyJ")
            .cookie("token=eyJhbGciOiJub25lIn0.é.x; sess=ééééééééé"),
        get("/api/x").header("authorization", "Basic ***invalid***"),
        get("/api/x").resp(&format!(
            "eyJ{}.{}.{}",
            "a".repeat(10_000),
            "b".repeat(10),
            "c"
        )),
        get("/api/x").resp(&format!("\"password\": \"{}\"", "é".repeat(500))),
        get("/api/x").resp(&format!(
            "138{}8000 {}",
            "*".repeat(10_000),
            "x".repeat(100)
        )),
        get("/api/download").query("file=..%2F..%2F%E2%80%AE.txt"),
        get("/api/x")
            .resp_header("x-backend", "10.0.0.1é")
            .resp_header("set-cookie", "password=é; sess"),
        get("/api/x")
            .resp("{\"a\":\"x\"}")
            .resp_finding(1004, "json.a", "")
            .resp_finding(1004, "json.b", "é")
            .req_finding(1000, "query.x", "😀😀😀😀😀😀"),
    ]
}

#[test]
fn odd_inputs_do_not_panic() {
    let exs = odd_exchanges();
    for e in &exs {
        let s = e.signals();
        let _ = s.keys();
    }
    let f = analyze(&exs);
    for r in &f {
        assert!(
            r.evidence.chars().count() <= 300,
            "{}: {}",
            r.key,
            r.evidence.len()
        );
    }
}
