//! The readers inside `apisec analyze`: every example file (all formats, one of them gzip)
//! goes through the whole headless analysis in one run, and bad lines are counted and listed.

use engine::analyze::{analyze_files_with, AnalyzeOptions};
use engine::client::ClientClassifier;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::PathBuf;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/formats/examples")
        .join(name)
}

#[test]
fn analyze_reads_every_default_format_together() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("native.jsonl.gz");
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&std::fs::read(example("native.jsonl")).unwrap())
        .unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"time\": 1}\nnot json\n").unwrap();
    let files = vec![
        gz,
        example("example.har"),
        example("nginx.log"),
        example("waf.jsonl"),
        bad.clone(),
    ];
    let report = analyze_files_with(
        &files,
        &AnalyzeOptions::default(),
        ClientClassifier::without_geo(),
    )
    .unwrap();
    assert_eq!(report.summary.records, 5 + 3 + 5 + 4);
    assert_eq!(report.summary.rejected, 2);
    assert_eq!(report.rejected[0].file, bad.display().to_string());
    assert_eq!(report.rejected[0].line, 1);
    assert!(report.rejected[0].reason.starts_with("missing field"));
    assert!(report
        .apis
        .iter()
        .any(|a| a.host == "api.shop.example.com" && a.method == "POST"));
}
