//! A week of normal demo traffic (no planted attacks or abuse) must raise no event (issue 7).
//! Risks found on it are printed: a few access-source risks still fire on normal APIs (issue 6
//! keeps that open), so they are not asserted yet.

use engine::analyze::{analyze_files_with, AnalyzeOptions};
use engine::client::ClientClassifier;
use engine::compliance::Region;
use engine::demo::{Generator, GeneratorConfig};

#[test]
fn normal_week_raises_no_event() {
    let clients = ClientClassifier::from_env().unwrap_or_else(|_| ClientClassifier::without_geo());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("normal.jsonl");
    Generator::new(GeneratorConfig {
        days: 8,
        records_per_day: 4_000,
        plant_attacks: false,
        ..GeneratorConfig::default()
    })
    .write_to(std::fs::File::create(&path).unwrap())
    .unwrap();
    let report = analyze_files_with(&[path], &AnalyzeOptions::default(), clients).unwrap();
    assert!(report.summary.records > 30_000);
    let events: Vec<String> = report
        .events
        .iter()
        .map(|e| format!("{} {} {}{}", e.key, e.method, e.host, e.path))
        .collect();
    let risks: Vec<String> = report
        .risks
        .iter()
        .map(|r| format!("{} {} {}{}", r.key, r.method, r.host, r.path))
        .collect();
    eprintln!("events ({}):\n{}", events.len(), events.join("\n"));
    eprintln!("risks ({}):\n{}", risks.len(), risks.join("\n"));
    assert!(events.is_empty(), "events on normal traffic: {events:#?}");
}

/// The same with other seeds, sizes, lengths and regions: silence must not depend on one draw
/// of the generator (a merchant abroad, an office API first called late on day one...).
#[test]
fn normal_traffic_raises_no_event_across_seeds_and_sizes() {
    let dir = tempfile::tempdir().unwrap();
    for (seed, records_per_day, days, region) in [
        (7, 2_000, 8, Region::Cn),
        (1234, 8_000, 8, Region::Cn),
        (99, 3_000, 10, Region::Intl),
    ] {
        let path = dir.path().join(format!("normal-{seed}.jsonl"));
        Generator::new(GeneratorConfig {
            seed,
            days,
            records_per_day,
            region,
            plant_attacks: false,
            ..GeneratorConfig::default()
        })
        .write_to(std::fs::File::create(&path).unwrap())
        .unwrap();
        let clients =
            ClientClassifier::from_env().unwrap_or_else(|_| ClientClassifier::without_geo());
        let report = analyze_files_with(&[path], &AnalyzeOptions::default(), clients).unwrap();
        let events: Vec<String> = report
            .events
            .iter()
            .map(|e| {
                format!(
                    "{} {:?}{:?} {} {}{}",
                    e.key, e.ip, e.account, e.method, e.host, e.path
                )
            })
            .collect();
        assert!(
            events.is_empty(),
            "seed {seed}, {records_per_day}/day, {days} days: {events:#?}"
        );
    }
}
