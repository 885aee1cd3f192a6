//! Demo traffic generator: determinism, format, ground truth coverage, volumes, valid values.

use engine::catalog::catalog;
use engine::demo::values::{id_valid, luhn_valid};
use engine::demo::{Generator, GeneratorConfig, Summary};
use engine::readers::parse_native_line;
use std::collections::HashSet;

fn generate(cfg: GeneratorConfig) -> (Vec<u8>, Summary) {
    let mut out = Vec::new();
    let s = Generator::new(cfg)
        .write_to(&mut out)
        .expect("write to memory");
    (out, s)
}

fn small(seed: u64, attacks: bool) -> GeneratorConfig {
    GeneratorConfig {
        seed,
        days: 8,
        records_per_day: 3_000,
        plant_attacks: attacks,
        ..Default::default()
    }
}

#[test]
fn same_seed_gives_identical_bytes() {
    let (a, _) = generate(GeneratorConfig {
        days: 2,
        ..small(7, true)
    });
    let (b, _) = generate(GeneratorConfig {
        days: 2,
        ..small(7, true)
    });
    let (c, _) = generate(GeneratorConfig {
        days: 2,
        ..small(8, true)
    });
    assert!(!a.is_empty());
    assert_eq!(a, b, "same seed must give the same bytes");
    assert_ne!(a, c, "another seed must give other traffic");
}

#[test]
fn every_line_parses_and_times_are_ordered() {
    let cfg = small(1, true);
    let start = cfg.start_ms;
    let (out, s) = generate(cfg);
    let text = std::str::from_utf8(&out).expect("utf-8");
    let mut n = 0u64;
    let mut last = i64::MIN;
    let mut hosts = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let r = parse_native_line(line).unwrap_or_else(|e| panic!("line {}: {e}: {line}", i + 1));
        assert!(r.time_ms >= last, "line {} goes back in time", i + 1);
        assert!(r.time_ms >= start && r.time_ms < start + 8 * 86_400_000);
        last = r.time_ms;
        hosts.insert(r.host.clone());
        n += 1;
    }
    assert_eq!(n, s.records);
    for h in [
        "shop.example.com",
        "api.example.com",
        "passport.example.com",
        "oa.example.com",
        "admin.example.com",
        "partner.example.com",
        "ai.example.com",
        "m.example.com",
    ] {
        assert!(hosts.contains(h), "no traffic for {h}");
    }
}

#[test]
fn truth_covers_every_builtin_risk_and_event() {
    let (out, s) = generate(small(3, true));
    let text = String::from_utf8(out).unwrap();
    let risks: HashSet<_> = s.truth.risks.iter().map(|r| r.key.as_str()).collect();
    let events: HashSet<_> = s.truth.events.iter().map(|e| e.key.as_str()).collect();
    for r in &catalog().risks {
        if r.key != "custom_risk" {
            assert!(risks.contains(r.key.as_str()), "risk {} not planted", r.key);
        }
    }
    for e in &catalog().events {
        if e.key != "custom_event" {
            assert!(
                events.contains(e.key.as_str()),
                "event {} not planted",
                e.key
            );
        }
    }
    for k in risks.iter().chain(events.iter()) {
        assert!(
            catalog().risk(k).is_some() || catalog().event(k).is_some(),
            "{k} is not a catalog key"
        );
    }
    // Every planted risk API appears in the traffic.
    let lines: Vec<_> = text
        .lines()
        .map(|l| parse_native_line(l).unwrap())
        .collect();
    for r in &s.truth.risks {
        let prefix = r.path_template.split('{').next().unwrap();
        assert!(
            lines
                .iter()
                .any(|x| x.host == r.host && x.method == r.method && x.path.starts_with(prefix)),
            "no traffic for planted risk {} {} {} {}",
            r.key,
            r.host,
            r.method,
            r.path_template
        );
    }
    // Every event's records are in the output, by its IP, in its window.
    for e in &s.truth.events {
        assert!(e.count >= 30, "{} too small: {}", e.key, e.count);
        let ip: std::net::IpAddr = e.ip.as_deref().unwrap().parse().unwrap();
        let start = chrono::DateTime::parse_from_rfc3339(&e.start)
            .unwrap()
            .timestamp_millis();
        let end = chrono::DateTime::parse_from_rfc3339(&e.end)
            .unwrap()
            .timestamp_millis();
        let seen = lines
            .iter()
            .filter(|x| x.client_ip == ip && x.time_ms >= start && x.time_ms <= end)
            .count() as u64;
        assert!(
            seen >= e.count * 9 / 10,
            "{}: {} of {} records found",
            e.key,
            seen,
            e.count
        );
        if e.subject == "account" {
            assert!(e.account.is_some(), "{} lacks its account", e.key);
        }
    }
}

#[test]
fn baseline_incidents_come_after_a_week_of_history() {
    let (_, s) = generate(small(4, true));
    let last_day = "2025-03-09T16:00:00Z";
    for key in [
        "abnormal_high_frequency",
        "internal_api_unusual_ip",
        "internal_api_unusual_location",
        "anomalous_tool_access",
        "unusual_time_access",
        "abnormal_parameter_values",
    ] {
        let e = s.truth.events.iter().find(|e| e.key == key).unwrap();
        assert!(
            e.start.as_str() >= last_day,
            "{key} starts {} before the last day",
            e.start
        );
    }
}

#[test]
fn volume_per_day_is_as_configured() {
    let (_, s) = generate(small(5, false));
    assert_eq!(s.records_per_day, vec![3_000; 8]);
    assert!(s.truth.risks.is_empty() && s.truth.events.is_empty());
    let (_, s) = generate(GeneratorConfig {
        total_records: Some(10_001),
        days: 3,
        ..small(5, false)
    });
    assert_eq!(s.records, 10_001);
    let (_, s) = generate(GeneratorConfig {
        records_per_day: 20_000,
        ..small(5, true)
    });
    for (day, n) in s.records_per_day.iter().enumerate() {
        assert!(*n >= 20_000, "day {day}: {n}");
        assert!(*n < 45_000, "day {day}: {n} (incidents out of bounds)");
    }
}

#[test]
fn diurnal_pattern_in_shanghai_time() {
    let (out, _) = generate(GeneratorConfig {
        days: 2,
        ..small(6, false)
    });
    let mut by_hour = [0u32; 24];
    for l in std::str::from_utf8(&out).unwrap().lines() {
        let r = parse_native_line(l).unwrap();
        by_hour[(((r.time_ms + 8 * 3_600_000) % 86_400_000) / 3_600_000) as usize] += 1;
    }
    assert!(by_hour[14] > 5 * by_hour[4], "{by_hour:?}");
}

#[test]
fn embedded_sensitive_values_are_valid() {
    let (out, _) = generate(GeneratorConfig {
        days: 2,
        ..small(9, true)
    });
    let text = std::str::from_utf8(&out).unwrap();
    let id_re = regex::Regex::new(
        r"(^|[^0-9])([1-6][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])[0-3][0-9]{4}[0-9X])([^0-9]|$)",
    )
    .unwrap();
    let mut ids = 0;
    for c in id_re.captures_iter(text) {
        let id = &c[2];
        assert!(id_valid(id), "invalid ID number {id}");
        ids += 1;
    }
    assert!(ids > 100, "only {ids} ID numbers");
    let card_re = regex::Regex::new(r#"bank_card\\":\\"([0-9]{16,19})"#).unwrap();
    let mut cards = 0;
    for c in card_re.captures_iter(text) {
        assert!(luhn_valid(&c[1]), "invalid card {}", &c[1]);
        cards += 1;
    }
    assert!(cards > 10, "only {cards} cards");
}

#[test]
fn normal_traffic_is_free_of_planted_weaknesses() {
    use base64::Engine as _;
    let (out, _) = generate(GeneratorConfig {
        days: 2,
        records_per_day: 5_000,
        ..small(10, false)
    });
    let text = std::str::from_utf8(&out).unwrap();
    for needle in [
        "/api/member/login",
        "sqlmap",
        "nuclei",
        "169.254.169.254",
        "access_token=",
        "page_size=10000",
        "Traceback",
        "SQLSTATE",
        "LTAI",
        "sk-proj-",
        "actuator",
        "/etc/passwd",
        "remember_pwd",
        "verify_code",
    ] {
        assert!(!text.contains(needle), "normal traffic contains {needle}");
    }
    for l in text.lines() {
        let r = parse_native_line(l).unwrap();
        assert!(matches!(r.method.as_str(), "GET" | "POST"), "{}", r.method);
        if let Some(tok) = r
            .request_header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
        {
            if tok.matches('.').count() == 2 {
                let head = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(tok.split('.').next().unwrap())
                    .unwrap();
                let head = String::from_utf8(head).unwrap();
                assert!(
                    head.contains("\"RS256\""),
                    "weak token in normal traffic: {head}"
                );
            }
        }
        if r.host == "oa.example.com" || r.host == "admin.example.com" {
            assert!(
                r.client_ip.to_string().starts_with("10."),
                "internal app reached from {}",
                r.client_ip
            );
        }
    }
}

#[test]
fn cli_writes_gzip_and_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.jsonl.gz");
    let truth = dir.path().join("truth.json");
    let args = [
        "--seed",
        "11",
        "--days",
        "2",
        "--records",
        "4000",
        "--gzip",
        "--out",
        out.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
    ];
    assert_eq!(
        engine::demo::run_cli(args.iter().map(Into::into).collect()),
        0
    );
    let items = engine::readers::open_file(&out, Default::default(), &Default::default()).unwrap();
    let mut records = 0;
    for item in items {
        assert!(matches!(item, engine::readers::ReadItem::Record(_)));
        records += 1;
    }
    assert!(records >= 4000);
    let t: engine::demo::Truth = serde_json::from_slice(&std::fs::read(&truth).unwrap()).unwrap();
    assert!(!t.events.is_empty() && !t.risks.is_empty());
    assert_eq!(engine::demo::run_cli(vec!["--days".into(), "x".into()]), 2);
    assert_eq!(
        engine::demo::run_cli(vec!["--seed".into(), "1".into()]),
        2,
        "--out is required"
    );
}
