//! Response exception events (IP and account).
#[path = "event_support.rs"]
mod support;
use support::*;

const JAVA_TRACE: &str = "java.lang.NullPointerException\n\tat com.shop.Svc.get(Svc.java:42)";
const MYSQL_ERROR: &str = "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version";
const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin";

/// Ordinary callers of `path`: 40 addresses, 5 calls each, answered normally.
fn callers(path: &str) -> Vec<Ex> {
    (0..200)
        .map(|i| {
            rec(
                T0 + i * 7_000,
                &format!("203.0.113.{}", i % 40 + 1),
                "GET",
                path,
            )
            .resp(r#"{"code":0,"data":[]}"#)
        })
        .collect()
}

/// `n` calls of one prober, answered with `body` (status 500).
fn probes(ip: &str, path: &str, n: i64, body: &str) -> Vec<Ex> {
    (0..n)
        .map(|i| {
            rec(T0 + HOUR + i * 4_000, ip, "GET", path)
                .query(&format!("q=%27{i}"))
                .status(500)
                .resp(body)
        })
        .collect()
}

#[test]
fn error_db_and_system_information() {
    for (body, key) in [
        (JAVA_TRACE, "error_message_returned"),
        (MYSQL_ERROR, "db_error_returned"),
        (PASSWD, "system_info_returned"),
    ] {
        let mut exs = callers("/api/a");
        exs.extend(probes("198.51.100.100", "/api/a", 12, body));
        let evs = run(exs);
        assert_eq!(keys(&evs), vec![key]);
        assert_eq!(evs[0].ip.unwrap().to_string(), "198.51.100.100");
        assert_eq!(evs[0].count, 12);
    }
    // An API nobody else calls (a probe path) compares with the site as a whole.
    let mut exs = callers("/api/a");
    exs.extend(probes("198.51.100.101", "/.env", 6, PASSWD));
    assert_eq!(keys(&run(exs)), vec!["system_info_returned"]);
    // Ordinary error JSON is not an exception leak.
    let evs = run(vec![rec(T0, "198.51.100.103", "GET", "/api/d")
        .status(404)
        .resp(r#"{"error":"not found"}"#)]);
    assert!(evs.is_empty(), "{:?}", keys(&evs));
}

/// An API that fails with a database error on 1 call in 20, for 37 ordinary callers.
fn flaky_api() -> Vec<Ex> {
    (0..400)
        .map(|i| {
            let r = rec(
                T0 + i * 7_000,
                &format!("203.0.113.{}", i % 37 + 1),
                "GET",
                "/api/flaky",
            );
            if i % 20 == 0 {
                r.status(500).resp(MYSQL_ERROR)
            } else {
                r.resp(r#"{"code":0}"#)
            }
        })
        .collect()
}

#[test]
fn exceptions_everyone_gets_are_no_event_of_the_caller() {
    // A user who hits a bug and retries a few times is not probing.
    let mut exs = callers("/api/a");
    exs.extend(probes("198.51.100.110", "/api/a", 4, JAVA_TRACE));
    assert!(run(exs).is_empty());
    // An API that answers every caller with a stack trace: a risk of the API, and a heavy
    // caller getting many of them is still an ordinary caller.
    let mut exs: Vec<Ex> = (0..200)
        .map(|i| {
            rec(
                T0 + i * 7_000,
                &format!("203.0.113.{}", i % 40 + 1),
                "GET",
                "/api/broken",
            )
            .status(500)
            .resp(JAVA_TRACE)
        })
        .collect();
    exs.extend(probes("198.51.100.111", "/api/broken", 30, JAVA_TRACE));
    let evs = run(exs);
    assert!(
        evs.iter().all(|e| e.key != "error_message_returned"),
        "{:?}",
        keys(&evs)
    );
    // An API that fails on 1 call in 20 for everyone: a heavy user with 100 calls gets 6
    // failures, as expected.
    let mut exs = flaky_api();
    exs.extend((0..100).map(|i| {
        let r = rec(T0 + HOUR + i * 5_000, "198.51.100.112", "GET", "/api/flaky");
        if i % 17 == 0 {
            r.status(500).resp(MYSQL_ERROR)
        } else {
            r.resp(r#"{"code":0}"#)
        }
    }));
    let evs = run(exs);
    assert!(
        evs.iter().all(|e| e.key != "db_error_returned"),
        "{:?}",
        evs.iter()
            .map(|e| (&e.ip, &e.description))
            .collect::<Vec<_>>()
    );
    // The same API, probed with quotes that all fail: an event.
    let mut exs = flaky_api();
    exs.extend(probes("198.51.100.113", "/api/flaky", 25, MYSQL_ERROR));
    let evs = run(exs);
    let e = find(&evs, "db_error_returned").expect("probing event");
    assert_eq!(e.ip.unwrap().to_string(), "198.51.100.113");
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
