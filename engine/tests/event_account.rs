//! Account events (tools, downloads, traversal), account identification from session cookies,
//! and custom event rules.
#[path = "event_support.rs"]
mod support;
use engine::catalog::{Level, Subject};
use engine::event::{custom::compile_all, CustomCondition, CustomEventRule, EventConfig};
use support::*;

#[test]
fn account_anomalous_tools() {
    let mut exs = vec![rec(T0, "203.0.113.5", "GET", "/api/orders").account("lin")];
    for i in 0..15 {
        exs.push(
            rec(T0 + HOUR + i * 2000, "198.51.100.180", "GET", "/api/orders")
                .account("lin")
                .ua("curl/8.4.0"),
        );
    }
    let evs = run(exs);
    let e = find(&evs, "account_anomalous_tools").expect("event");
    assert!(
        e.description.contains("curl") && e.description.contains("lin"),
        "{}",
        e.description
    );
    // A service account that only ever uses a script is not anomalous.
    let exs: Vec<Ex> = (0..15)
        .map(|i| {
            rec(T0 + i * 2000, "198.51.100.181", "GET", "/api/orders")
                .account("svc-sync")
                .ua("Go-http-client/1.1")
        })
        .collect();
    assert!(find(&run(exs), "account_anomalous_tools").is_none());
}

#[test]
fn account_mass_file_download() {
    let exs: Vec<Ex> = (0..30)
        .map(|i| {
            rec(T0 + i * 5000, "198.51.100.182", "GET", "/api/files/export")
                .account("kim")
                .query(&format!("id={i}"))
                .resp_header("content-type", "application/zip")
        })
        .collect();
    let evs = run(exs);
    let e = find(&evs, "account_mass_file_download").expect("event");
    assert!(
        e.description.contains("/api/files/export"),
        "{}",
        e.description
    );
}

#[test]
fn account_traversal() {
    let exs: Vec<Ex> = (0..80)
        .map(|i| {
            rec(T0 + i * 700, "198.51.100.183", "GET", "/api/invoice")
                .account("joe")
                .query(&format!("invoiceId={}", 3000 + i))
        })
        .collect();
    let evs = run(exs);
    let e = find(&evs, "account_data_traversal").expect("event");
    assert!(e.description.contains("invoiceId"), "{}", e.description);
    assert!(find(&evs, "data_crawling").is_some());
}

#[test]
fn session_cookie_ties_requests_to_the_logon() {
    let mut exs = vec![rec(T0, "198.51.100.184", "POST", "/api/login")
        .json(r#"{"username":"nina","password":"Str0ng!pass"}"#)
        .resp(r#"{"success":true}"#)
        .resp_header("set-cookie", "SESSIONID=8f2a9c1d77e0; Path=/; HttpOnly")];
    for i in 0..25 {
        exs.push(
            rec(
                T0 + 1000 + i * 1000,
                "198.51.100.184",
                "GET",
                "/api/admin/x",
            )
            .header("cookie", "SESSIONID=8f2a9c1d77e0")
            .status(403),
        );
    }
    let evs = run(exs);
    let e = find(&evs, "account_abnormal_status_codes").expect("event");
    assert_eq!(e.account.as_deref(), Some("nina"));
}

#[test]
fn custom_rule_threshold_in_window() {
    let rules = compile_all(&[CustomEventRule {
        name: "export probing".into(),
        condition: CustomCondition {
            path: Some("/api/*/export".into()),
            status: vec!["4xx".into()],
            content: Some("(?i)denied".into()),
            ..Default::default()
        },
        group_by: Subject::Ip,
        threshold: 5,
        window_secs: 60,
        level: Level::Low,
        suggestion: "Check who probes exports.".into(),
    }])
    .unwrap();
    let cfg = EventConfig {
        custom: rules,
        ..Default::default()
    };
    let mk = |t: i64, body: &str| {
        rec(t, "198.51.100.185", "GET", "/api/orders/export")
            .status(403)
            .resp(body)
    };
    let evs = run_cfg(
        (0..8).map(|i| mk(T0 + i * 5000, "access denied")).collect(),
        cfg.clone(),
        &[],
    );
    let e = find(&evs, "custom_event").expect("event");
    assert_eq!(e.level, Level::Low);
    assert_eq!(e.suggestion, "Check who probes exports.");
    assert_eq!(e.rule.as_deref(), Some("export probing"));
    assert_eq!(e.count, 8);
    // Too slow for the window: no event.
    let evs = run_cfg(
        (0..8)
            .map(|i| mk(T0 + i * 30_000, "access denied"))
            .collect(),
        cfg.clone(),
        &[],
    );
    assert!(find(&evs, "custom_event").is_none());
    // Content does not match: no event.
    let evs = run_cfg(
        (0..8).map(|i| mk(T0 + i * 5000, "nope")).collect(),
        cfg,
        &[],
    );
    assert!(find(&evs, "custom_event").is_none());
}
