//! Access-control risks from per-API baselines, and the merge property of the risk state.

#[path = "risk_support.rs"]
mod support;
use engine::facts::{Location, ServiceObject, ToolKind};
use engine::risk::{CompiledRiskRules, RiskState};
use support::*;

fn internal() -> Attrs {
    Attrs {
        service_object: ServiceObject::InternalOffice,
        authenticated: true,
        ..Default::default()
    }
}

// ---- internal_app_internet_exposed ----

#[test]
fn internal_app_answering_public_addresses() {
    let exs = [
        get("/api/hr/employees").authed().ip("10.8.1.20"),
        get("/api/hr/employees")
            .authed()
            .ip("198.51.100.23")
            .location(Location::Country(*b"US")),
    ];
    let f = analyze_with(&exs, &internal());
    let r = finding(&f, "internal_app_internet_exposed");
    assert!(r.evidence.contains("198.51.100.x"), "{}", r.evidence);
}

#[test]
fn internal_app_from_internal_or_refused_public_is_fine() {
    let exs = [
        get("/api/hr/employees").authed().ip("10.8.1.20"),
        get("/api/hr/employees").authed().ip("192.168.3.4"),
        get("/api/hr/employees").ip("198.51.100.23").status(403),
    ];
    assert_no_risk_with(&exs, &internal(), "internal_app_internet_exposed");
    // A public application answering public addresses is normal.
    assert_no_risk(
        &[get("/api/products").ip("198.51.100.23")],
        "internal_app_internet_exposed",
    );
}

// ---- unrestricted_access_source ----

fn calls_from(n: usize, loc: Location, ip: &str, start: i64) -> Vec<Ex> {
    (0..n)
        .map(|i| {
            get("/api/v1/partner/orders")
                .authed()
                .ip(ip)
                .location(loc)
                .at(start + i as i64 * 30_000)
        })
        .collect()
}

#[test]
fn call_from_outside_the_source_baseline() {
    let mut exs = calls_from(120, Location::Country(*b"CN"), "203.0.113.5", T0);
    exs.extend(calls_from(
        2,
        Location::Country(*b"RU"),
        "198.51.100.77",
        T0 + 7_200_000,
    ));
    let f = assert_risk(&exs, "unrestricted_access_source");
    assert!(f.evidence.contains("RU"), "{}", f.evidence);
    // Internal-only API reached from a public address (no GeoIP).
    let mut exs = calls_from(80, Location::Internal, "10.1.1.1", T0);
    exs.extend(calls_from(
        1,
        Location::Unknown,
        "198.51.100.77",
        T0 + 3_600_000,
    ));
    assert_risk(&exs, "unrestricted_access_source");
    // A sizeable burst from a new country later on is still outside the baseline.
    let mut burst = calls_from(120, Location::Country(*b"CN"), "203.0.113.5", T0);
    burst.extend(calls_from(
        60,
        Location::Country(*b"JP"),
        "198.51.100.78",
        T0 + 7_200_000,
    ));
    assert_risk(&burst, "unrestricted_access_source");
}

#[test]
fn a_traveller_on_a_consumer_api_is_fine() {
    // 100 home-country sources, then a few calls from one foreign country: a traveller.
    let mut exs = Vec::new();
    for i in 0..100 {
        exs.extend(calls_from(
            2,
            Location::Country(*b"CN"),
            &format!("203.0.113.{i}"),
            T0 + i as i64 * 1_000,
        ));
    }
    let home = exs.clone();
    exs.extend(calls_from(
        5,
        Location::Country(*b"HK"),
        "198.51.100.77",
        T0 + 7_200_000,
    ));
    assert_no_risk(&exs, "unrestricted_access_source");
    // A steady stream from abroad on the same API is a finding again.
    let mut stream = home;
    stream.extend(calls_from(
        40,
        Location::Country(*b"RU"),
        "198.51.100.78",
        T0 + 7_200_000,
    ));
    assert_risk(&stream, "unrestricted_access_source");
}

/// Occasional visitors: `n` home-country addresses calling once or twice on the first day.
fn visitors(n: usize) -> Vec<Ex> {
    (0..n)
        .flat_map(|i| {
            calls_from(
                1 + i % 2,
                Location::Country(*b"CN"),
                &format!("203.0.113.{}", i + 1),
                T0 + i as i64 * 600_000,
            )
        })
        .collect()
}

#[test]
fn visitors_from_new_countries_on_a_public_api_are_fine() {
    // A rarely used consumer API (45 callers, about 1.5 calls each), later used by a couple of
    // visitors from three other countries: new locations, but the audience is the public.
    let mut exs = visitors(45);
    for (i, c) in [*b"US", *b"JP", *b"SG"].iter().enumerate() {
        exs.extend(calls_from(
            3,
            Location::Country(*c),
            &format!("198.51.100.{}", 10 + i),
            T0 + 2 * 86_400_000 + i as i64 * 60_000,
        ));
    }
    assert_no_risk(&exs, "unrestricted_access_source");
    // The same API pulled by one address from a new country, far above any visitor.
    let mut pulled = visitors(45);
    pulled.extend(calls_from(
        30,
        Location::Country(*b"RU"),
        "198.51.100.99",
        T0 + 2 * 86_400_000,
    ));
    assert_risk(&pulled, "unrestricted_access_source");
}

#[test]
fn a_partner_api_reached_from_a_new_country_is_reported() {
    // A partner application (service object third party) with a busy, varied client base is
    // still a narrow audience: a new country is outside its baseline.
    let mut exs = visitors(80);
    exs.extend(calls_from(
        2,
        Location::Country(*b"BR"),
        "198.51.100.50",
        T0 + 2 * 86_400_000,
    ));
    let partner = Attrs {
        service_object: ServiceObject::ThirdParty,
        authenticated: true,
        ..Default::default()
    };
    let f = analyze_with(&exs, &partner);
    finding(&f, "unrestricted_access_source");
    assert_no_risk(&exs, "unrestricted_access_source");
}

#[test]
fn broad_or_blocked_sources_are_fine() {
    // A widely used API: many countries, none dominant.
    let countries = [
        *b"CN", *b"US", *b"DE", *b"JP", *b"SG", *b"GB", *b"FR", *b"BR",
    ];
    let exs: Vec<Ex> = (0..160)
        .map(|i| {
            get("/api/v1/catalog")
                .ip(&format!("198.51.100.{}", i % 200 + 1))
                .location(Location::Country(countries[i % countries.len()]))
                .at(T0 + i as i64 * 10_000)
        })
        .collect();
    assert_no_risk(&exs, "unrestricted_access_source");
    // The outsider was refused.
    let mut exs = calls_from(120, Location::Country(*b"CN"), "203.0.113.5", T0);
    exs.push(
        calls_from(1, Location::Country(*b"RU"), "198.51.100.77", T0 + 1)[0]
            .clone()
            .status(403),
    );
    assert_no_risk(&exs, "unrestricted_access_source");
    // Many new countries after the first period: a broadly used API, no narrow baseline.
    let mut exs = calls_from(120, Location::Country(*b"CN"), "203.0.113.5", T0);
    for (i, c) in [*b"US", *b"DE", *b"JP", *b"SG", *b"GB"].iter().enumerate() {
        exs.extend(calls_from(
            3,
            Location::Country(*c),
            "198.51.100.80",
            T0 + 7_200_000 + i as i64 * 60_000,
        ));
    }
    assert_no_risk(&exs, "unrestricted_access_source");
    // Too little traffic for a baseline.
    let mut exs = calls_from(10, Location::Country(*b"CN"), "203.0.113.5", T0);
    exs.extend(calls_from(
        1,
        Location::Country(*b"RU"),
        "198.51.100.77",
        T0,
    ));
    assert_no_risk(&exs, "unrestricted_access_source");
}

// ---- unrestricted_access_tool ----

#[test]
fn script_outside_the_browser_baseline() {
    let mut exs: Vec<Ex> = (0..60)
        .map(|i| get("/api/v1/items").at(T0 + i * 20_000))
        .collect();
    // The baseline period is the first half of the 20 minutes: the script comes later.
    exs.push(
        get("/api/v1/items")
            .tool(ToolKind::Script, "python-requests")
            .ip("198.51.100.9")
            .at(T0 + 1_150_000),
    );
    let f = assert_risk(&exs, "unrestricted_access_tool");
    assert!(f.evidence.contains("python-requests"), "{}", f.evidence);
    exs.push(
        get("/api/v1/items")
            .tool(ToolKind::AttackTool, "sqlmap")
            .ip("198.51.100.10")
            .at(T0 + 1_160_000),
    );
    assert_risk(&exs, "unrestricted_access_tool");
    // A burst of scripted calls later on (more than 10% of all calls) is still outside.
    let mut burst: Vec<Ex> = (0..60)
        .map(|i| get("/api/v1/items").at(T0 + i * 20_000))
        .collect();
    burst.extend((0..40).map(|i| {
        get("/api/v1/items")
            .tool(ToolKind::Script, "python-requests")
            .at(T0 + 1_500_000 + i * 1_000)
    }));
    assert_risk(&burst, "unrestricted_access_tool");
}

#[test]
fn scripts_in_baseline_or_blocked_are_fine() {
    // Server-to-server API used by scripts all along.
    let exs: Vec<Ex> = (0..60)
        .map(|i| {
            get("/api/v1/sync")
                .authed()
                .tool(ToolKind::Script, "Go-http-client")
                .at(T0 + i * 20_000)
        })
        .collect();
    assert_no_risk(&exs, "unrestricted_access_tool");
    // Browser API, the scanner was blocked by the WAF.
    let mut exs: Vec<Ex> = (0..60)
        .map(|i| get("/api/v1/items").at(T0 + i * 20_000))
        .collect();
    exs.push(
        get("/api/v1/items")
            .tool(ToolKind::AttackTool, "sqlmap")
            .status(403)
            .waf_block()
            .at(T0 + 1_150_000),
    );
    assert_no_risk(&exs, "unrestricted_access_tool");
    // Mixed baseline: a mobile app and a data script both heavily used.
    let exs: Vec<Ex> = (0..60)
        .map(|i| {
            let e = get("/api/v1/feed").at(T0 + i * 20_000);
            if i % 3 == 0 {
                e.tool(ToolKind::Script, "okhttp")
            } else {
                e.tool(ToolKind::MobileApp, "ShopApp")
            }
        })
        .collect();
    assert_no_risk(&exs, "unrestricted_access_tool");
}

/// A public catalogue API browsed from 120 addresses over two days.
fn browsed_by_many() -> Vec<Ex> {
    (0..240)
        .map(|i| {
            get("/api/v1/catalog")
                .ip(&format!("203.0.113.{}", i % 120 + 1))
                .at(T0 + i as i64 * 720_000)
        })
        .collect()
}

#[test]
fn a_few_scripted_calls_on_a_widely_used_api_are_fine() {
    // A developer's curl and a monitor's probes on the second day: part of the client mix.
    let mut exs = browsed_by_many();
    for i in 0..3 {
        exs.push(
            get("/api/v1/catalog")
                .tool(ToolKind::Script, "curl")
                .ip("198.51.100.40")
                .at(T0 + 100_000_000 + i * 60_000),
        );
    }
    assert_no_risk(&exs, "unrestricted_access_tool");
    // A scraper pulling the same API with python-requests is significant.
    let mut scraped = browsed_by_many();
    scraped.extend((0..40).map(|i| {
        get("/api/v1/catalog")
            .tool(ToolKind::Script, "python-requests")
            .ip("198.51.100.41")
            .at(T0 + 100_000_000 + i * 2_000)
    }));
    assert_risk(&scraped, "unrestricted_access_tool");
    // An attack tool answered successfully counts even once.
    let mut attacked = browsed_by_many();
    attacked.push(
        get("/api/v1/catalog")
            .tool(ToolKind::AttackTool, "nikto")
            .ip("198.51.100.42")
            .at(T0 + 100_000_000),
    );
    assert_risk(&attacked, "unrestricted_access_tool");
}

// ---- unrestricted_access_rate ----

#[test]
fn high_rate_from_one_ip_without_limits() {
    let exs: Vec<Ex> = (0..150)
        .map(|i| {
            get("/api/v1/search")
                .query(&format!("q=item{i}"))
                .ip("198.51.100.44")
                .at(T0 + i * 300)
        })
        .collect();
    let f = assert_risk(&exs, "unrestricted_access_rate");
    assert!(f.hits >= 60, "{}", f.hits);
}

#[test]
fn rate_limited_or_slow_traffic_is_fine() {
    // Answered with 429 after 30 calls in the minute.
    let exs: Vec<Ex> = (0..150)
        .map(|i| {
            let e = get("/api/v1/search").ip("198.51.100.44").at(T0 + i * 300);
            if i % 60 >= 30 {
                e.status(429)
            } else {
                e
            }
        })
        .collect();
    assert_no_risk(&exs, "unrestricted_access_rate");
    // One busy client below the threshold (40 a minute for ten minutes).
    let exs: Vec<Ex> = (0..400)
        .map(|i| get("/api/v1/search").ip("198.51.100.44").at(T0 + i * 1_500))
        .collect();
    assert_no_risk(&exs, "unrestricted_access_rate");
    // Many clients, each calm.
    let exs: Vec<Ex> = (0..300)
        .map(|i| {
            get("/api/v1/search")
                .ip(&format!("203.0.113.{}", i % 50 + 1))
                .at(T0 + i * 200)
        })
        .collect();
    assert_no_risk(&exs, "unrestricted_access_rate");
}

// ---- merging ----

#[test]
fn split_and_merged_state_equals_one_pass() {
    let mut exs: Vec<Ex> = (0..150)
        .map(|i| get("/api/v1/search").ip("198.51.100.44").at(T0 + i * 300))
        .collect();
    exs.extend((0..20).map(|i| {
        post("/api/v1/auth/login")
            .json(&format!(r#"{{"username":"u{i}","password":"guess{i}"}}"#))
            .resp(r#"{"code":1,"msg":"用户不存在"}"#)
            .ip("198.51.100.45")
            .at(T0 + i * 1_000)
    }));
    let whole = analyze(&exs);
    let (a, b) = exs.split_at(exs.len() / 3);
    let mut sa = RiskState::default();
    let mut sb = RiskState::default();
    for e in a {
        sa.absorb(&e.facts_with(CompiledRiskRules::none()));
    }
    for e in b {
        sb.absorb(&e.facts_with(CompiledRiskRules::none()));
    }
    sa.merge(sb);
    let merged = sa.finish(&summaries(&exs, &Attrs::default()));
    assert_eq!(keys(&whole), keys(&merged));
    assert!(keys(&whole).contains("unrestricted_access_rate"));
    assert!(keys(&whole).contains("unrestricted_login"));
    for (w, m) in whole.iter().zip(&merged) {
        assert_eq!((&w.key, w.hits, &w.evidence), (&m.key, m.hits, &m.evidence));
    }
}
