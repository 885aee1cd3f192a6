//! Response exception events (IP and account).
#[path = "event_support.rs"]
mod support;
use support::*;

#[test]
fn error_db_and_system_information() {
    let evs = run(vec![rec(T0, "198.51.100.100", "GET", "/api/a")
        .status(500)
        .resp(
            "java.lang.NullPointerException\n\tat com.shop.Svc.get(Svc.java:42)",
        )]);
    assert_eq!(keys(&evs), vec!["error_message_returned"]);
    let evs = run(vec![rec(T0, "198.51.100.101", "GET", "/api/b").status(500).resp("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version")]);
    assert_eq!(keys(&evs), vec!["db_error_returned"]);
    let evs = run(vec![rec(T0, "198.51.100.102", "GET", "/api/c").resp(
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin",
    )]);
    assert_eq!(keys(&evs), vec!["system_info_returned"]);
    // Ordinary error JSON is not an exception leak.
    let evs = run(vec![rec(T0, "198.51.100.103", "GET", "/api/d")
        .status(404)
        .resp(r#"{"error":"not found"}"#)]);
    assert!(evs.is_empty(), "{:?}", keys(&evs));
}

#[test]
fn abnormal_status_share() {
    let evs = run((0..30)
        .map(|i| {
            rec(
                T0 + i * 1000,
                "198.51.100.104",
                "GET",
                &format!("/api/p{i}"),
            )
            .status(if i % 10 == 0 { 200 } else { 404 })
        })
        .collect());
    let e = find(&evs, "abnormal_response").expect("event");
    assert!(e.description.contains("90%"), "{}", e.description);
    // 70% errors is under the mark.
    let evs = run((0..30)
        .map(|i| {
            rec(T0 + i * 1000, "198.51.100.105", "GET", "/api/q").status(if i % 10 < 3 {
                200
            } else {
                404
            })
        })
        .collect());
    assert!(find(&evs, "abnormal_response").is_none());
}

#[test]
fn account_exceptions_and_statuses() {
    let evs = run((0..5)
        .map(|i| {
            rec(T0 + i * 1000, "198.51.100.106", "GET", "/api/r")
                .account("zed")
                .status(500)
                .resp("Traceback (most recent call last):\n  File \"x.py\"")
        })
        .collect());
    assert!(
        find(&evs, "account_exception_errors").is_some(),
        "{:?}",
        keys(&evs)
    );
    let evs = run((0..25)
        .map(|i| {
            rec(T0 + i * 1000, "198.51.100.107", "GET", "/api/s")
                .account("yan")
                .status(403)
        })
        .collect());
    let e = find(&evs, "account_abnormal_status_codes").expect("event");
    assert!(
        e.description.contains("100%") && e.description.contains("yan"),
        "{}",
        e.description
    );
    let evs = run((0..25)
        .map(|i| {
            rec(T0 + i * 1000, "198.51.100.108", "GET", "/api/s")
                .account("xia")
                .status(if i % 2 == 0 { 200 } else { 403 })
        })
        .collect());
    assert!(find(&evs, "account_abnormal_status_codes").is_none());
}
