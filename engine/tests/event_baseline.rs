//! Baseline events: high frequency, internal API from unusual IP/location, anomalous tools,
//! unusual hours, abnormal parameter values; in fallback mode (less data than the window) and in
//! learn-then-judge mode.
#[path = "event_support.rs"]
mod support;
use engine::event::EventConfig;
use engine::facts::Location;
use support::*;

#[test]
fn high_frequency_source_among_normal_sources() {
    let mut exs = background("/api/feed", 30, 40, 1);
    for i in 0..600 {
        exs.push(rec(
            T0 + 10 * HOUR + i * 200,
            "198.51.100.110",
            "GET",
            "/api/feed",
        ));
    }
    let evs = run(exs.clone());
    let e = find(&evs, "abnormal_high_frequency").expect("event");
    assert_eq!(e.ip.unwrap().to_string(), "198.51.100.110");
    assert!(e.count >= 500, "{}", e.count);
    assert_eq!(
        evs.iter()
            .filter(|e| e.key == "abnormal_high_frequency")
            .count(),
        1
    );
    // The same volume spread over the day is not a burst.
    let mut exs = background("/api/feed", 30, 40, 1);
    for i in 0..600 {
        exs.push(rec(T0 + i * 2 * MIN, "198.51.100.110", "GET", "/api/feed"));
    }
    assert!(find(&run(exs), "abnormal_high_frequency").is_none());
}

#[test]
fn new_api_without_baseline_is_not_judged() {
    let exs: Vec<Ex> = (0..600)
        .map(|i| rec(T0 + i * 100, "198.51.100.111", "GET", "/api/only-me"))
        .collect();
    assert!(find(&run(exs), "abnormal_high_frequency").is_none());
}

#[test]
fn account_high_frequency() {
    let mut exs = Vec::new();
    for (i, e) in background("/api/cart", 30, 40, 1).into_iter().enumerate() {
        exs.push(e.account(&format!("user{}", i % 30)));
    }
    for i in 0..400 {
        exs.push(
            rec(
                T0 + 11 * HOUR + i * 150,
                &format!("198.51.100.{}", 120 + i % 5),
                "GET",
                "/api/cart",
            )
            .account("hoarder"),
        );
    }
    let evs = run(exs);
    let e = find(&evs, "account_high_frequency").expect("event");
    assert_eq!(e.account.as_deref(), Some("hoarder"));
}

fn internal_traffic(days: i64) -> Vec<Ex> {
    let mut exs = Vec::new();
    for d in 0..days {
        for i in 0..10 {
            for j in 0..20 {
                exs.push(
                    rec(
                        T0 + d * DAY + 9 * HOUR + j * 20 * MIN + i * 1000,
                        &format!("10.8.1.{}", i + 10),
                        "GET",
                        "/admin/api/users",
                    )
                    .host("hr.corp.example"),
                );
            }
        }
    }
    exs
}

#[test]
fn internal_api_from_unusual_location_and_ip() {
    let mut exs = internal_traffic(1);
    for i in 0..5 {
        exs.push(
            rec(
                T0 + 15 * HOUR + i * 1000,
                "198.51.100.130",
                "GET",
                "/admin/api/users",
            )
            .host("hr.corp.example")
            .at(country("US")),
        );
    }
    let evs = run(exs);
    let e = find(&evs, "internal_api_unusual_location").expect("location");
    assert_eq!(e.location, country("US"));
    // Learn-then-judge: eight days; a new internal address in a subnet never seen calls on day 8.
    let mut exs = internal_traffic(8);
    for i in 0..5 {
        exs.push(
            rec(
                T0 + 7 * DAY + 15 * HOUR + i * 1000,
                "10.99.7.7",
                "GET",
                "/admin/api/users",
            )
            .host("hr.corp.example"),
        );
    }
    // A known address keeps calling on day 8: nothing.
    let evs = run(exs);
    let ips: Vec<String> = evs
        .iter()
        .filter(|e| e.key == "internal_api_unusual_ip")
        .map(|e| e.ip.unwrap().to_string())
        .collect();
    assert_eq!(ips, vec!["10.99.7.7"], "{:?}", keys(&evs));
    assert!(find(&evs, "internal_api_unusual_location").is_none());
    // A public API called from abroad is not "internal API from unusual location".
    let mut exs = background("/api/feed", 30, 10, 1);
    exs.push(rec(T0 + 15 * HOUR, "198.51.100.131", "GET", "/api/feed").at(country("US")));
    exs.push(rec(T0 + 15 * HOUR + 1, "198.51.100.131", "GET", "/api/feed").at(country("US")));
    exs.push(rec(T0 + 15 * HOUR + 2, "198.51.100.131", "GET", "/api/feed").at(country("US")));
    let evs = run(exs);
    assert!(
        evs.iter().all(|e| !e.key.starts_with("internal_api")),
        "{:?}",
        keys(&evs)
    );
    let _ = Location::Internal;
}

#[test]
fn anomalous_tools() {
    let mut exs = background("/api/feed", 30, 10, 1);
    for i in 0..20 {
        exs.push(
            rec(
                T0 + 12 * HOUR + i * 3000,
                "198.51.100.140",
                "GET",
                "/api/feed",
            )
            .ua("python-requests/2.31.0"),
        );
    }
    let evs = run(exs);
    let e = find(&evs, "anomalous_tool_access").expect("event");
    assert!(
        e.description.contains("python-requests"),
        "{}",
        e.description
    );
    // An API that is normally called by scripts does not flag a script.
    let mut exs: Vec<Ex> = background("/api/hook", 30, 10, 1)
        .into_iter()
        .map(|e| e.ua("Go-http-client/1.1"))
        .collect();
    for i in 0..20 {
        exs.push(
            rec(
                T0 + 12 * HOUR + i * 3000,
                "198.51.100.141",
                "GET",
                "/api/hook",
            )
            .ua("python-requests/2.31.0"),
        );
    }
    assert!(find(&run(exs), "anomalous_tool_access").is_none());
    // Attack tools always stand out.
    let mut exs: Vec<Ex> = background("/api/hook", 30, 10, 1)
        .into_iter()
        .map(|e| e.ua("Go-http-client/1.1"))
        .collect();
    for i in 0..5 {
        exs.push(
            rec(
                T0 + 12 * HOUR + i * 3000,
                "198.51.100.142",
                "GET",
                "/api/hook",
            )
            .ua("sqlmap/1.7.2#stable (https://sqlmap.org)"),
        );
    }
    assert!(find(&run(exs), "anomalous_tool_access").is_some());
}

#[test]
fn unusual_hours() {
    // Business hours only (08:00-18:00 UTC).
    let mut exs = background("/api/feed", 30, 20, 1);
    for i in 0..20 {
        exs.push(rec(
            T0 + 3 * HOUR + i * 30_000,
            "198.51.100.150",
            "GET",
            "/api/feed",
        ));
    }
    let evs = run(exs);
    let e = find(&evs, "unusual_time_access").expect("event");
    assert!(e.description.contains("03h"), "{}", e.description);
    // The same calls at 10:00 are normal.
    let mut exs = background("/api/feed", 30, 20, 1);
    for i in 0..20 {
        exs.push(rec(
            T0 + 10 * HOUR + i * 30_000,
            "198.51.100.151",
            "GET",
            "/api/feed",
        ));
    }
    assert!(find(&run(exs), "unusual_time_access").is_none());
}

#[test]
fn abnormal_parameter_values() {
    let mut exs: Vec<Ex> = background("/api/product", 30, 10, 1)
        .into_iter()
        .enumerate()
        .map(|(i, e)| e.query(&format!("sku={}&lang=en", 100_000 + i)))
        .collect();
    for (i, v) in ["abc%22%3E", "x%7Cy", "..%2F..%2Fz", "a%27b", "c%3Cd"]
        .iter()
        .enumerate()
    {
        exs.push(
            rec(
                T0 + 13 * HOUR + i as i64 * 1000,
                "198.51.100.160",
                "GET",
                "/api/product",
            )
            .query(&format!("sku={v}&lang=en")),
        );
    }
    let evs = run(exs.clone());
    let e = find(&evs, "abnormal_parameter_values").expect("event");
    assert!(e.description.contains("sku"), "{}", e.description);
    // Values of the usual shape do not fire, even if new.
    let mut exs2: Vec<Ex> = exs
        .into_iter()
        .filter(|e| e.rec.client_ip.to_string() != "198.51.100.160")
        .collect();
    for i in 0..5 {
        exs2.push(
            rec(
                T0 + 13 * HOUR + i * 1000,
                "198.51.100.161",
                "GET",
                "/api/product",
            )
            .query(&format!("sku={}&lang=en", 900_000 + i)),
        );
    }
    assert!(find(&run(exs2), "abnormal_parameter_values").is_none());
}

#[test]
fn baseline_window_is_configurable() {
    // With a one-day window, eight days of traffic are judged from day two on: a new external
    // source calling the internal API on day three is unusual; with a 30-day window the same
    // data uses the fallback and still flags it (by location).
    let mut exs = internal_traffic(3);
    for i in 0..5 {
        exs.push(
            rec(
                T0 + 2 * DAY + 15 * HOUR + i * 1000,
                "198.51.100.170",
                "GET",
                "/admin/api/users",
            )
            .host("hr.corp.example")
            .at(country("DE")),
        );
    }
    let short = run_cfg(
        exs.clone(),
        EventConfig {
            baseline_days: 1,
            ..Default::default()
        },
        &[],
    );
    let long = run_cfg(
        exs,
        EventConfig {
            baseline_days: 30,
            ..Default::default()
        },
        &[],
    );
    assert!(find(&short, "internal_api_unusual_location").is_some());
    assert!(find(&long, "internal_api_unusual_location").is_some());
}
