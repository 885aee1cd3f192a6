//! The analysis is parallel (a reader thread, facts on the rayon pool, an ordered fold), and
//! its caches are shared between threads: the report must not depend on the number of threads
//! nor on the batch boundaries.

use engine::analyze::{analyze_files_with, AnalyzeOptions};
use engine::client::ClientClassifier;
use engine::demo::{Generator, GeneratorConfig};

fn report_with_threads(path: &std::path::Path, threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let report = pool.install(|| {
        analyze_files_with(
            &[path.to_path_buf()],
            &AnalyzeOptions::default(),
            ClientClassifier::without_geo(),
        )
        .unwrap()
    });
    serde_json::to_string_pretty(&report).unwrap()
}

#[test]
fn report_is_the_same_with_one_thread_and_with_many() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    // More than two batches of frames (8192 each), so that two are mapped while one is
    // folded; incidents planted, a bad line at the end.
    Generator::new(GeneratorConfig {
        days: 4,
        records_per_day: 5_000,
        ..Default::default()
    })
    .write_to(&mut f)
    .unwrap();
    use std::io::Write;
    writeln!(f, "{{\"not\": \"a record\"}}").unwrap();
    drop(f);
    let one = report_with_threads(&path, 1);
    let many = report_with_threads(&path, 4);
    assert!(one.contains("\"rejected\": 1"), "the bad line is counted");
    if one != many {
        let first = one
            .lines()
            .zip(many.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "reports differ from line {first}:\n1 thread: {}\n4 threads: {}",
            one.lines().nth(first).unwrap_or(""),
            many.lines().nth(first).unwrap_or("")
        );
    }
}

/// A report counts the trace index without building its rows; the count must be the size of
/// the index the console's jobs build from the same input.
#[test]
fn the_report_counts_the_trace_index_the_console_builds() {
    use engine::analyze::analyze_paths;
    use engine::pipeline::AnalysisConfig;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.jsonl");
    let f = std::fs::File::create(&path).unwrap();
    Generator::new(GeneratorConfig {
        days: 1,
        records_per_day: 2_000,
        ..Default::default()
    })
    .write_to(f)
    .unwrap();
    let paths = [path];
    let opts = AnalyzeOptions::default();
    let report = analyze_files_with(&paths, &opts, ClientClassifier::without_geo()).unwrap();
    let console = analyze_paths(
        &paths,
        &opts,
        &AnalysisConfig::for_region(opts.region),
        ClientClassifier::without_geo(),
        &|_| {},
    )
    .unwrap();
    let rows = console.findings.trace.rows.len() as u64;
    assert!(rows > 0, "the demo carries sensitive values");
    assert_eq!(report.compliance.trace.rows, rows);
    assert_eq!(report.compliance.trace, console.findings.compliance.trace);
}
