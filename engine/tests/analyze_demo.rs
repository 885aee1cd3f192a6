//! End to end: `apisec demo-traffic` plants every built-in risk and event among a week of
//! normal traffic; the same analysis `apisec analyze` runs must find each planted event on its
//! subject and every planted risk type, with locations from the real GeoIP database.

use engine::analyze::{analyze_files_with, AnalyzeOptions};
use engine::client::ClientClassifier;
use engine::demo::{Generator, GeneratorConfig};
use std::collections::BTreeSet;

/// The GeoIP database the setup installs; CI must have it, a developer may not.
fn geo() -> Option<ClientClassifier> {
    match ClientClassifier::from_env() {
        Ok(c) if c.geo().is_some() => Some(c),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but no GeoIP database was found (run scripts/setup.sh)")
        }
        _ => None,
    }
}

#[test]
fn every_planted_event_and_risk_type_is_found() {
    check(GeneratorConfig {
        days: 8,
        records_per_day: 3_000,
        ..Default::default()
    });
}

/// Other draws: where the plants fall in the day, how thin the history of the back-office APIs
/// is, must not decide whether a planted event is found.
#[test]
fn planted_events_are_found_with_other_seeds_and_sizes() {
    for (seed, records_per_day, days) in [(1234, 3_000, 8), (5, 2_000, 10)] {
        check(GeneratorConfig {
            seed,
            days,
            records_per_day,
            ..Default::default()
        });
    }
}

fn check(cfg: GeneratorConfig) {
    let Some(clients) = geo() else {
        eprintln!("skipped: no GeoIP database (set APISEC_GEOIP or run scripts/setup.sh)");
        return;
    };
    let (seed, per_day) = (cfg.seed, cfg.records_per_day);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    let truth = Generator::new(cfg).write_to(&mut f).unwrap().truth;
    drop(f);
    let report = analyze_files_with(&[path], &AnalyzeOptions::default(), clients).unwrap();

    let found_risks: BTreeSet<&str> = report.risks.iter().map(|r| r.key.as_str()).collect();
    let missed_risks: BTreeSet<&str> = truth
        .risks
        .iter()
        .map(|r| r.key.as_str())
        .filter(|k| !found_risks.contains(k))
        .collect();

    let missed_events: Vec<String> = truth
        .events
        .iter()
        .filter(|t| {
            !report.events.iter().any(|e| {
                e.key == t.key
                    && match t.subject.as_str() {
                        "account" => e.account == t.account,
                        _ => e.ip == t.ip,
                    }
            })
        })
        .map(|t| {
            format!(
                "{} on {:?}{:?} at {} {}",
                t.key, t.ip, t.account, t.host, t.path_template
            )
        })
        .collect();
    eprintln!(
        "seed {seed}, {per_day}/day: {} records: {} APIs, {} risks, {} events; missed risk types {:?}; missed events {:#?}",
        report.summary.records,
        report.summary.apis,
        report.summary.risks,
        report.summary.events,
        missed_risks,
        missed_events
    );
    // Events on subjects nothing was planted on: printed, to watch the noise.
    let unplanted: Vec<String> = report
        .events
        .iter()
        .filter(|e| {
            !truth.events.iter().any(|t| {
                (e.ip.is_some() && e.ip == t.ip) || (e.account.is_some() && e.account == t.account)
            })
        })
        .map(|e| format!("{} {:?}{:?} {} {}", e.key, e.ip, e.account, e.host, e.path))
        .collect();
    eprintln!(
        "events on unplanted subjects ({}): {unplanted:#?}",
        unplanted.len()
    );
    assert!(
        missed_risks.is_empty(),
        "risk types not found: {missed_risks:?}"
    );
    assert!(
        missed_events.is_empty(),
        "seed {seed}, {per_day}/day: planted events not found: {missed_events:#?}"
    );
}
