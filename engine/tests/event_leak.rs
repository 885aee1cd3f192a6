//! Sensitive data leak events (IP and account).
#[path = "event_support.rs"]
mod support;
use engine::facts::{ApiKey, ServiceObject};
use support::*;

const PHONE: u32 = 1004;

fn phone_type() -> u32 {
    engine::catalog::catalog()
        .sensitive_types
        .iter()
        .find(|t| {
            t.name.to_lowercase().contains("phone")
                || t.key.contains("phone")
                || t.key.contains("mobile")
        })
        .map(|t| t.id)
        .unwrap_or(PHONE)
}

#[test]
fn unauthorized_access_to_an_authenticated_api() {
    let ty = phone_type();
    let mut exs = Vec::new();
    for i in 0..30 {
        exs.push(
            rec(
                T0 + i * MIN,
                &format!("203.0.113.{}", i % 20 + 1),
                "GET",
                "/api/profile",
            )
            .header("authorization", "Bearer abc")
            .found(ty, &format!("1380013{i:04}")),
        );
    }
    for i in 0..3 {
        exs.push(
            rec(
                T0 + 40 * MIN + i * 1000,
                "198.51.100.80",
                "GET",
                "/api/profile",
            )
            .found(ty, &format!("1390013{i:04}")),
        );
    }
    let evs = run(exs.clone());
    let e = find(&evs, "unauthorized_sensitive_access").expect("event");
    assert_eq!(e.ip.unwrap().to_string(), "198.51.100.80");
    // On a public API (no credentials anywhere) it does not fire.
    let evs = run(exs
        .into_iter()
        .map(|mut e| {
            e.rec.request_headers.clear();
            e
        })
        .collect());
    assert!(find(&evs, "unauthorized_sensitive_access").is_none());
}

#[test]
fn mass_and_foreign_sensitive_access() {
    let ty = phone_type();
    let mut exs = Vec::new();
    for i in 0..60 {
        let mut e = rec(T0 + i * 2000, "198.51.100.90", "GET", "/api/customers")
            .query(&format!("page={i}"));
        for j in 0..10 {
            e = e.found(ty, &format!("13{:09}", i * 10 + j));
        }
        exs.push(e.at(country("CN")));
    }
    let evs = run_cfg(
        exs.clone(),
        engine::event::EventConfig {
            home_country: Some(*b"CN"),
            ..Default::default()
        },
        &[],
    );
    let e = find(&evs, "mass_sensitive_access").expect("mass");
    assert!(e.description.contains("600"), "{}", e.description);
    assert!(find(&evs, "foreign_mass_sensitive_access").is_none());
    let foreign: Vec<Ex> = exs
        .iter()
        .take(8)
        .cloned()
        .map(|e| e.at(country("US")))
        .collect();
    let evs = run_cfg(
        foreign,
        engine::event::EventConfig {
            home_country: Some(*b"CN"),
            ..Default::default()
        },
        &[],
    );
    assert!(
        find(&evs, "foreign_mass_sensitive_access").is_some(),
        "{:?}",
        keys(&evs)
    );
    assert!(find(&evs, "mass_sensitive_access").is_none());
}

#[test]
fn account_mass_and_cross_border() {
    let ty = phone_type();
    let mut exs = Vec::new();
    // Home traffic from many people to set the home country.
    for i in 0..40 {
        exs.push(
            rec(
                T0 + i * 1000,
                &format!("203.0.113.{}", i + 1),
                "GET",
                "/api/home",
            )
            .at(country("CN")),
        );
    }
    for i in 0..60 {
        let mut e = rec(
            T0 + HOUR + i * 2000,
            "198.51.100.91",
            "GET",
            "/api/customers",
        )
        .account("mallory")
        .query(&format!("page={i}"));
        for j in 0..10 {
            e = e.found(ty, &format!("13{:09}", i * 10 + j));
        }
        exs.push(e.at(country("SG")));
    }
    let evs = run(exs);
    let e = find(&evs, "account_mass_sensitive_access").expect("mass");
    assert_eq!(e.account.as_deref(), Some("mallory"));
    assert!(e.description.contains("mallory"));
    let e = find(&evs, "account_cross_border_sensitive_access").expect("cross border");
    assert!(e.description.contains("SG"), "{}", e.description);
}

#[test]
fn horizontal_escalation() {
    let ty = phone_type();
    let exs: Vec<Ex> = (0..8)
        .map(|i| {
            rec(T0 + i * 5000, "198.51.100.92", "GET", "/api/user/info")
                .account("eve")
                .query(&format!("user_id={}", 500 + i * 13))
                .found(ty, &format!("13{:09}", i))
        })
        .collect();
    let evs = run(exs);
    let e = find(&evs, "account_horizontal_escalation").expect("event");
    assert!(e.description.contains("user_id"), "{}", e.description);
    // Fetching one's own record many times does not fire.
    let exs: Vec<Ex> = (0..8)
        .map(|i| {
            rec(T0 + i * 5000, "198.51.100.93", "GET", "/api/user/info")
                .account("frank")
                .query("user_id=frank")
                .found(ty, "13800000000")
        })
        .collect();
    assert!(find(&run(exs), "account_horizontal_escalation").is_none());
    let _ = (
        ApiKey {
            host: String::new(),
            method: String::new(),
            path: String::new(),
        },
        ServiceObject::PublicService,
    );
}
