//! Headless analysis of log files: readers + engine + report, no database.
//! `apisec analyze` calls [`run_cli`]; the console's scheduler runs the same pipeline.

use crate::client::ClientClassifier;
use crate::compliance::Region;
use crate::discovery::PathTemplater;
use crate::pipeline::{AnalysisConfig, AnalysisState, Engine, Findings};
use crate::readers::{open_file, Format, ReadError, ReadItem, ReaderOptions, Rejected};
use crate::record::Record;
use crate::report::Report;
use crate::sensitive::Scanner;
use rayon::prelude::*;
use std::ffi::OsString;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

/// Rejected lines listed in the report at most (all are counted).
pub const MAX_LISTED_REJECTIONS: usize = 10_000;
const BATCH: usize = 4096;

#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    pub format: Format,
    pub region: Region,
    pub reader: ReaderOptions,
    /// Print progress to stderr.
    pub progress: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("no input could be read: {0}")]
    NoInput(String),
    #[error("invalid analysis configuration: {0}")]
    Config(String),
}

/// Analyses the files with the console's defaults and returns the report.
pub fn analyze_files(paths: &[PathBuf], opts: &AnalyzeOptions) -> Result<Report, AnalyzeError> {
    let clients = ClientClassifier::from_env().unwrap_or_else(|e| {
        eprintln!("warning: {e}; locations will be unknown");
        ClientClassifier::without_geo()
    });
    analyze_files_with(paths, opts, clients)
}

/// Like [`analyze_files`] with an explicit client classifier (tests pin the GeoIP database).
pub fn analyze_files_with(
    paths: &[PathBuf],
    opts: &AnalyzeOptions,
    clients: ClientClassifier,
) -> Result<Report, AnalyzeError> {
    let config = AnalysisConfig::for_region(opts.region);
    let progress = |p: Progress| {
        if opts.progress && p.records.is_multiple_of(BATCH as u64 * 64) {
            eprintln!("analyze: {} records", p.records);
        }
    };
    let out = analyze_paths(paths, opts, &config, clients, &progress)?;
    if opts.progress {
        eprintln!(
            "analyze: {} records read, {} rejected",
            out.records, out.rejected_total
        );
    }
    Ok(Report::build(
        out.records,
        out.rejected,
        out.rejected_total,
        out.findings,
    ))
}

/// How far an analysis has got, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Index of the file being analysed in the second pass, and how many there are.
    pub file: usize,
    pub files: usize,
    /// Records analysed so far (second pass).
    pub records: u64,
}

/// What [`analyze_paths`] produced: the findings and the input accounting.
#[derive(Debug, Clone)]
pub struct AnalysisOutcome {
    pub findings: Findings,
    pub records: u64,
    /// Listed rejections (at most [`MAX_LISTED_REJECTIONS`]) and the total count.
    pub rejected: Vec<Rejected>,
    pub rejected_total: u64,
}

/// The analysis itself, shared by `apisec analyze` and the console's jobs: two passes over
/// `paths` (templates first, then per-exchange facts in parallel batches, folded in input
/// order) with an explicit configuration (tenant key, custom policies) and a progress callback.
pub fn analyze_paths(
    paths: &[PathBuf],
    opts: &AnalyzeOptions,
    config: &AnalysisConfig,
    clients: ClientClassifier,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<AnalysisOutcome, AnalyzeError> {
    // Pass 1: learn path templates from every readable file.
    let mut templater = PathTemplater::new(config.discovery.clone());
    let mut readable = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match open_file(path, opts.format, &opts.reader) {
            Ok(items) => {
                for item in items {
                    if let ReadItem::Record(r) = item {
                        templater.observe(&r);
                    }
                }
                readable.push(path.clone());
            }
            Err(e) => {
                eprintln!("error: {e}");
                errors.push(e.to_string());
            }
        }
    }
    if readable.is_empty() {
        return Err(AnalyzeError::NoInput(errors.join("; ")));
    }

    // Pass 2: per-exchange facts in parallel batches, folded in input order.
    let scanner = if config.sensitive_policies.is_empty() {
        Scanner::builtin()
    } else {
        Scanner::new(&config.sensitive_policies).map_err(|e| AnalyzeError::Config(e.to_string()))?
    };
    let engine = Engine::new(templater.finish(), scanner, clients, config);
    let mut state = AnalysisState::new(config);
    let mut rejected: Vec<Rejected> = Vec::new();
    let mut rejected_total = 0u64;
    let mut records = 0u64;
    let files = readable.len();
    for (file_index, path) in readable.iter().enumerate() {
        let items = open_file(path, opts.format, &opts.reader)?;
        let file = path.display().to_string();
        let mut batch: Vec<(u64, Box<Record>)> = Vec::with_capacity(BATCH);
        let mut ordinal = 0u64;
        // A record that makes a detector panic is rejected, not fatal: one hostile line must
        // never sink a whole analysis.
        let flush = |batch: &mut Vec<(u64, Box<Record>)>,
                     state: &mut AnalysisState,
                     rejected: &mut Vec<Rejected>,
                     rejected_total: &mut u64| {
            let facts: Vec<_> = batch
                .par_iter()
                .map(|(_, r)| std::panic::catch_unwind(AssertUnwindSafe(|| engine.facts(r))))
                .collect();
            for ((n, _), f) in batch.iter().zip(facts) {
                match f {
                    Ok(Some(f)) => state.absorb(&f),
                    Ok(None) => {}
                    Err(_) => {
                        *rejected_total += 1;
                        if rejected.len() < MAX_LISTED_REJECTIONS {
                            rejected.push(Rejected {
                                file: file.clone(),
                                line: *n,
                                reason: format!(
                                    "record #{n} of the file could not be analysed (internal error)"
                                ),
                            });
                        }
                    }
                }
            }
            batch.clear();
        };
        for item in items {
            match item {
                ReadItem::Record(r) => {
                    records += 1;
                    ordinal += 1;
                    batch.push((ordinal, r));
                    if batch.len() == BATCH {
                        flush(&mut batch, &mut state, &mut rejected, &mut rejected_total);
                        progress(Progress {
                            file: file_index,
                            files,
                            records,
                        });
                    }
                }
                ReadItem::Rejected(r) => {
                    rejected_total += 1;
                    if rejected.len() < MAX_LISTED_REJECTIONS {
                        rejected.push(r);
                    }
                }
            }
        }
        flush(&mut batch, &mut state, &mut rejected, &mut rejected_total);
        progress(Progress {
            file: file_index + 1,
            files,
            records,
        });
    }
    Ok(AnalysisOutcome {
        findings: state.finish(None),
        records,
        rejected,
        rejected_total,
    })
}

const USAGE: &str = "usage: apisec analyze [--format auto|jsonl|har|nginx|waf] [--region cn|intl] [--out FILE] FILE...";

/// `apisec analyze` (arguments after the subcommand name). Returns the exit code.
pub fn run_cli(args: Vec<OsString>) -> i32 {
    let reader = match ReaderOptions::from_env() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let mut opts = AnalyzeOptions {
        progress: true,
        reader,
        ..Default::default()
    };
    let mut out: Option<PathBuf> = None;
    let mut files = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let a = arg.to_string_lossy().into_owned();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().map(|v| v.to_string_lossy().into_owned()))
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let parsed: Result<(), String> = match flag.as_str() {
            "--format" => value("--format").and_then(|v| v.parse().map(|f| opts.format = f)),
            "--region" => value("--region").and_then(|v| v.parse().map(|r| opts.region = r)),
            "--out" | "-o" => value("--out").map(|v| out = Some(PathBuf::from(v))),
            "-h" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            f if f.starts_with("--") => Err(format!("unknown option {f}")),
            _ => {
                files.push(PathBuf::from(arg));
                Ok(())
            }
        };
        if let Err(e) = parsed {
            eprintln!("error: {e}\n{USAGE}");
            return 2;
        }
    }
    if files.is_empty() {
        eprintln!("error: no input file\n{USAGE}");
        return 2;
    }
    let report = match analyze_files(&files, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    for r in report.rejected.iter().take(20) {
        eprintln!("rejected: {}:{}: {}", r.file, r.line, r.reason);
    }
    let json = match serde_json::to_vec_pretty(&report) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: cannot encode the report: {e}");
            return 1;
        }
    };
    let written = match &out {
        Some(path) => std::fs::write(path, &json).map_err(|e| format!("{}: {e}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&json)
                .and_then(|_| stdout.write_all(b"\n"))
                .map_err(|e| e.to_string())
        }
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the report: {e}");
        return 1;
    }
    0
}
