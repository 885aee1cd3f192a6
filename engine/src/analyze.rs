//! Headless analysis of log files: readers + engine + report, no database.
//! `apisec analyze` calls [`run_cli`]; the console's scheduler runs the same pipeline.

use crate::client::ClientClassifier;
use crate::compliance::Region;
use crate::discovery::PathTemplater;
use crate::pipeline::{AnalysisConfig, AnalysisState, Engine, Findings};
use crate::readers::{
    open_file_frames, Format, FrameBatch, Frames, RawFrame, ReadError, ReaderOptions, Rejected,
};
use crate::report::Report;
use crate::sensitive::Scanner;
use rayon::prelude::*;
use std::ffi::OsString;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

/// Rejected lines listed in the report at most (all are counted).
pub const MAX_LISTED_REJECTIONS: usize = 10_000;
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
    let printed = std::sync::atomic::AtomicU64::new(0);
    let progress = |p: Progress| {
        use std::sync::atomic::Ordering::Relaxed;
        if opts.progress && p.records >= printed.load(Relaxed) + (1 << 18) {
            printed.store(p.records, Relaxed);
            eprintln!("analyze: {} records", p.records);
        }
    };
    let out = analyze_with(paths, opts, &config, clients, &progress, false)?;
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
/// `paths` (templates first, then per-exchange facts) with an explicit configuration (tenant
/// key, custom policies) and a progress callback.
///
/// Each pass is a pipeline (see [`stream`]): one thread frames the input into batches of raw
/// lines, the rayon pool parses them and computes the per-exchange facts in parallel, and the
/// calling thread folds the previous batch's results in input order meanwhile. Results do not
/// depend on the number of threads.
pub fn analyze_paths(
    paths: &[PathBuf],
    opts: &AnalyzeOptions,
    config: &AnalysisConfig,
    clients: ClientClassifier,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<AnalysisOutcome, AnalyzeError> {
    analyze_with(paths, opts, config, clients, progress, true)
}

/// [`analyze_paths`]; without `trace_rows` the findings carry the trace index's size but not
/// its rows (see [`AnalysisState::finish_for_report`]).
fn analyze_with(
    paths: &[PathBuf],
    opts: &AnalyzeOptions,
    config: &AnalysisConfig,
    clients: ClientClassifier,
    progress: &(dyn Fn(Progress) + Sync),
    trace_rows: bool,
) -> Result<AnalysisOutcome, AnalyzeError> {
    // Pass 1: learn path templates from every readable file.
    let mut templater = PathTemplater::new(config.discovery.clone());
    let mut readable = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match open_file_frames(path, opts.format, &opts.reader) {
            Ok(frames) => {
                let parser = frames.parser().clone();
                stream(
                    frames,
                    |_, data| parser.route(data),
                    |_, route| {
                        if let Some(Some(r)) = route {
                            templater.observe_route(&r.method, &r.host, &r.path);
                        }
                    },
                    || {},
                );
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
    // Read by the progress callback while the fold counts: a Cell shares it.
    let records = std::cell::Cell::new(0u64);
    let files = readable.len();
    for (file_index, path) in readable.iter().enumerate() {
        let frames = open_file_frames(path, opts.format, &opts.reader)?;
        let parser = frames.parser().clone();
        let file = path.display().to_string();
        let mut ordinal = 0u64;
        stream(
            frames,
            // A record that makes a detector panic is rejected, not fatal: one hostile line
            // must never sink a whole analysis.
            |line, data| match parser.parse(line, data) {
                Ok(r) => Parsed::Record(
                    std::panic::catch_unwind(AssertUnwindSafe(|| engine.facts(&r))).ok(),
                ),
                Err(r) => Parsed::Rejected(r),
            },
            |framing, item| {
                let reject = |r: Rejected, rejected: &mut Vec<Rejected>, total: &mut u64| {
                    *total += 1;
                    if rejected.len() < MAX_LISTED_REJECTIONS {
                        rejected.push(r);
                    }
                };
                match (framing, item) {
                    (Some(r), _) => reject(r, &mut rejected, &mut rejected_total),
                    (None, Some(Parsed::Rejected(r))) => {
                        reject(r.clone(), &mut rejected, &mut rejected_total)
                    }
                    (None, Some(Parsed::Record(facts))) => {
                        records.set(records.get() + 1);
                        ordinal += 1;
                        match facts {
                            Some(Some(f)) => state.absorb(f),
                            Some(None) => {}
                            None => reject(
                                Rejected {
                                    file: file.clone(),
                                    line: ordinal,
                                    reason: format!(
                                        "record #{ordinal} of the file could not be analysed (internal error)"
                                    ),
                                },
                                &mut rejected,
                                &mut rejected_total,
                            ),
                        }
                    }
                    (None, None) => {}
                }
            },
            || {
                progress(Progress {
                    file: file_index,
                    files,
                    records: records.get(),
                })
            },
        );
        progress(Progress {
            file: file_index + 1,
            files,
            records: records.get(),
        });
    }
    Ok(AnalysisOutcome {
        findings: if trace_rows {
            state.finish(None)
        } else {
            state.finish_for_report(None)
        },
        records: records.get(),
        rejected,
        rejected_total,
    })
}

/// What the parallel stage of pass 2 made of one frame.
// Nearly every frame is a record: boxing it would cost an allocation per record to shrink the
// rare rejections.
#[allow(clippy::large_enum_variant)]
enum Parsed {
    /// The record's facts (`None` inside: not an API); `None` outside: a detector panicked.
    Record(Option<Option<crate::pipeline::ExchangeFacts>>),
    Rejected(Rejected),
}

/// Frames per batch, and bytes per batch (whichever comes first): big enough to amortise the
/// hand-offs, small enough that the batches in flight stay a few MB.
const BATCH: usize = 4096;
const BATCH_BYTES: usize = 8 << 20;
/// Batches read ahead of the parallel stage.
const READ_AHEAD: usize = 2;

/// The pipeline of one pass over one input: a reader thread fills batches of raw frames,
/// `map` runs on every `Data` frame of a batch in parallel (rayon), and `fold` sees every frame
/// in input order: `(Some(rejection), None)` for a frame the framing rejected, `(None,
/// Some(&mapped))` for the others. `fold` of batch N runs on the calling thread while batch N+1
/// is mapped. `batch_done` runs after each batch is folded. Memory: at most `READ_AHEAD + 2`
/// batches of raw bytes and three batches of mapped results (the one folded, the one mapped,
/// and the one before, freed as the mapping starts) are alive.
fn stream<T: Send>(
    mut frames: Frames,
    map: impl Fn(u64, &[u8]) -> T + Sync,
    mut fold: impl FnMut(Option<Rejected>, Option<&T>),
    mut batch_done: impl FnMut(),
) {
    use std::sync::mpsc::sync_channel;
    let (full_tx, full_rx) = sync_channel::<FrameBatch>(READ_AHEAD);
    let (empty_tx, empty_rx) = sync_channel::<FrameBatch>(READ_AHEAD + 2);
    // Allocated once at their working size and recycled, so that no batch regrows (and
    // copies) its buffers.
    for _ in 0..READ_AHEAD + 2 {
        let _ = empty_tx.send(FrameBatch::with_capacity(BATCH, BATCH_BYTES));
    }
    std::thread::scope(|s| {
        s.spawn(move || {
            while let Ok(mut batch) = empty_rx.recv() {
                if !frames.fill(&mut batch, BATCH, BATCH_BYTES) || full_tx.send(batch).is_err() {
                    break;
                }
            }
        });
        // The mapped results go into recycled vectors too (a batch of facts is megabytes).
        let compute = |batch: &FrameBatch, out: &mut Vec<Option<T>>| {
            // The results of two batches ago, folded by now, are freed here by the pool that
            // allocated them: mimalloc frees a block on its own thread cheaply, and the fold
            // thread, which would otherwise free them one by one, has the most to do.
            out.par_drain(..).with_max_len(64).for_each(drop);
            batch
                .frames
                .par_iter()
                // Small work units: rayon's adaptive splitting leaves a few large chunks on 2
                // threads, and the thread that finishes first idles while the other runs its
                // last chunk (about 5 % of the wall time).
                .with_max_len(16)
                .map(|f| match f {
                    RawFrame::Data { line, start, end } => {
                        Some(map(*line, batch.bytes(*start, *end)))
                    }
                    RawFrame::Rejected(_) => None,
                })
                .collect_into_vec(out)
        };
        let mut fold_batch = |mut batch: FrameBatch, mapped: &mut Vec<Option<T>>| {
            for (frame, item) in batch.frames.drain(..).zip(mapped.iter()) {
                match frame {
                    RawFrame::Rejected(r) => fold(Some(r), None),
                    RawFrame::Data { .. } => fold(None, item.as_ref()),
                }
            }
            batch_done();
            // The buffers go back to the reader (its end may already be gone).
            let _ = empty_tx.send(batch);
        };
        let mut pending: Option<(FrameBatch, Vec<Option<T>>)> = None;
        let mut spare: Vec<Option<T>> = Vec::with_capacity(BATCH);
        while let Ok(batch) = full_rx.recv() {
            let mut mapped = std::mem::take(&mut spare);
            match pending.take() {
                // Fold the previous batch here while the pool maps this one.
                Some((prev, mut prev_mapped)) => {
                    rayon::in_place_scope(|scope| {
                        scope.spawn(|_| compute(&batch, &mut mapped));
                        fold_batch(prev, &mut prev_mapped);
                    });
                    spare = prev_mapped;
                }
                None => compute(&batch, &mut mapped),
            }
            pending = Some((batch, mapped));
        }
        if let Some((prev, mut prev_mapped)) = pending {
            fold_batch(prev, &mut prev_mapped);
        }
        // Unblock the reader if it waits for a buffer, then let it end.
        drop(full_rx);
    });
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
