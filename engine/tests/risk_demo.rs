//! Recall on the demo world's planted risks: every ground-truth risk of `apisec demo-traffic`
//! is found on its API (path variables compared without their names).
//!
//! It analyses 24,000 records (about a second in release builds).

use engine::analyze::{analyze_files_with, AnalyzeOptions};
use engine::client::ClientClassifier;
use engine::demo::{Generator, GeneratorConfig};
use std::collections::BTreeSet;

fn unnamed(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn demo_planted_risks_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    let s = Generator::new(GeneratorConfig {
        days: 3,
        records_per_day: 8_000,
        ..Default::default()
    })
    .write_to(&mut f)
    .unwrap();
    drop(f);
    let r = analyze_files_with(
        &[path],
        &AnalyzeOptions::default(),
        ClientClassifier::without_geo(),
    )
    .unwrap();
    let found: BTreeSet<(String, String, String, String)> = r
        .risks
        .iter()
        .map(|x| {
            (
                x.key.clone(),
                x.host.clone(),
                x.method.clone(),
                unnamed(&x.path),
            )
        })
        .collect();
    let missed: Vec<_> = s
        .truth
        .risks
        .iter()
        .map(|t| {
            (
                t.key.clone(),
                t.host.clone(),
                t.method.clone(),
                unnamed(&t.path_template),
            )
        })
        .filter(|t| !found.contains(t))
        .collect();
    assert!(missed.is_empty(), "missed: {missed:#?}");
}
