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
/// lines, the rayon pool parses them and computes the per-exchange facts of two batches at a
/// time, and the calling thread folds the batch before them in input order meanwhile. Results
/// do not depend on the number of threads.
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
/// hand-offs (a batch is tens of milliseconds of work), small enough that the batches alive
/// (see [`stream`]) stay near 50 MB. Halving them from 8192 frames and 16 MiB changed no CPU
/// time beyond the noise and took 45 to 55 MiB off the peak (docs/performance.md, "Thirteenth
/// round"): memory the kernel must clear on first touch.
const BATCH: usize = 4096;
const BATCH_BYTES: usize = 8 << 20;
/// Batches read ahead of the parallel stage.
const READ_AHEAD: usize = 2;
/// Batches mapped at once. With one, the pool idled at the end of every batch while its last
/// records ran on one thread and the fold finished the batch before (on 2 cores the analysis
/// used 1.83 of them); with two, the next batch's records fill that tail (1.90, with batches
/// of 8192 frames, the same with 4096; docs/performance.md, "Eleventh round").
const IN_FLIGHT: usize = 2;

/// A mapped batch on its way back to the fold: its sequence number, its frames, its results,
/// and the panic of its mapping, if any (re-raised on the calling thread).
type Mapped<T> = (
    u64,
    FrameBatch,
    Vec<Option<T>>,
    Option<Box<dyn std::any::Any + Send>>,
);

/// The pipeline of one pass over one input: a reader thread fills batches of raw frames,
/// `map` runs on every `Data` frame of a batch in parallel (rayon), and `fold` sees every frame
/// in input order: `(Some(rejection), None)` for a frame the framing rejected, `(None,
/// Some(&mapped))` for the others. `fold` of batch N runs on the calling thread while batches
/// N+1 and N+2 are mapped ([`IN_FLIGHT`]). `batch_done` runs after each batch is folded.
/// Memory: at most `READ_AHEAD + IN_FLIGHT + 2` batches of raw bytes and `IN_FLIGHT + 2`
/// batches of mapped results (the one folded, the ones mapped, and one folded before, freed as
/// a mapping starts) are alive.
fn stream<T: Send>(
    mut frames: Frames,
    map: impl Fn(u64, &[u8]) -> T + Sync,
    mut fold: impl FnMut(Option<Rejected>, Option<&T>),
    mut batch_done: impl FnMut(),
) {
    use std::sync::mpsc::{channel, sync_channel};
    let buffers = READ_AHEAD + IN_FLIGHT + 2;
    let (full_tx, full_rx) = sync_channel::<FrameBatch>(READ_AHEAD);
    let (empty_tx, empty_rx) = sync_channel::<FrameBatch>(buffers);
    // Allocated once at their working size and recycled, so that no batch regrows (and
    // copies) its buffers.
    for _ in 0..buffers {
        let _ = empty_tx.send(FrameBatch::with_capacity(BATCH, BATCH_BYTES));
    }
    std::thread::scope(|s| {
        // Owned by this closure, so that a panic of the fold or of a mapping drops them as it
        // unwinds: the reader's next send or receive then fails, and the scope can join it.
        let (empty_tx, full_rx) = (empty_tx, full_rx);
        s.spawn(move || {
            while let Ok(mut batch) = empty_rx.recv() {
                if !frames.fill(&mut batch, BATCH, BATCH_BYTES) || full_tx.send(batch).is_err() {
                    break;
                }
            }
        });
        let map = &map;
        // The mapped results go into recycled vectors too (a batch of facts is megabytes).
        let compute = move |batch: &FrameBatch, out: &mut Vec<Option<T>>| {
            // The results of a batch folded earlier are freed here by the pool that allocated
            // them: mimalloc frees a block on its own thread cheaply, and the fold thread,
            // which would otherwise free them one by one, has the most to do.
            out.par_drain(..).with_max_len(64).for_each(drop);
            batch
                .frames
                .par_iter()
                // Small work units: rayon's adaptive splitting leaves a few large chunks on 2
                // threads, and the thread that finishes first idles while the other runs its
                // last chunk.
                .with_max_len(16)
                .map(|f| match f {
                    RawFrame::Data { line, start, end } => {
                        Some(map(*line, batch.bytes(*start, *end)))
                    }
                    RawFrame::Rejected(_) => None,
                })
                .collect_into_vec(out)
        };
        let (done_tx, done_rx) = channel::<Mapped<T>>();
        let mut spares: Vec<Vec<Option<T>>> = Vec::new();
        // Mapped batches that finished before an earlier one, by sequence number.
        let mut early: Vec<Mapped<T>> = Vec::new();
        let compute = &compute;
        rayon::in_place_scope(|scope| {
            // Batches handed to the pool, and received back from it, in input order.
            let (mut sent, mut received) = (0u64, 0u64);
            let mut input_open = true;
            // The batch received last, folded once the pool has IN_FLIGHT batches again.
            let mut ready: Option<(FrameBatch, Vec<Option<T>>)> = None;
            loop {
                while input_open && sent - received < IN_FLIGHT as u64 {
                    let Ok(batch) = full_rx.recv() else {
                        input_open = false;
                        break;
                    };
                    let mut out = spares.pop().unwrap_or_else(|| Vec::with_capacity(BATCH));
                    let (done, seq) = (done_tx.clone(), sent);
                    scope.spawn(move |_| {
                        let panic = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            compute(&batch, &mut out)
                        }))
                        .err();
                        // The receiver outlives every task of the scope.
                        let _ = done.send((seq, batch, out, panic));
                    });
                    sent += 1;
                }
                if let Some((mut batch, mapped)) = ready.take() {
                    for (frame, item) in batch.frames.drain(..).zip(mapped.iter()) {
                        match frame {
                            RawFrame::Rejected(r) => fold(Some(r), None),
                            RawFrame::Data { .. } => fold(None, item.as_ref()),
                        }
                    }
                    batch_done();
                    // The buffers go back to the reader (its end may already be gone).
                    let _ = empty_tx.send(batch);
                    spares.push(mapped);
                }
                if received == sent {
                    break;
                }
                let (_, batch, mapped, panic) = loop {
                    if let Some(i) = early.iter().position(|m| m.0 == received) {
                        break early.swap_remove(i);
                    }
                    let m = next_mapped(&done_rx);
                    if m.0 == received {
                        break m;
                    }
                    early.push(m);
                };
                if let Some(p) = panic {
                    std::panic::resume_unwind(p);
                }
                received += 1;
                ready = Some((batch, mapped));
            }
        });
        // Unblock the reader if it waits for a buffer, then let it end.
        drop(full_rx);
    });
}

/// The next batch a mapping task sends back. Called on a worker of the pool (an analysis run
/// inside `ThreadPool::install`), it runs the pool's work while it waits: a worker blocked on
/// the channel could leave the very tasks it waits for without a thread (with one thread, for
/// ever).
fn next_mapped<T>(done: &std::sync::mpsc::Receiver<Mapped<T>>) -> Mapped<T> {
    use std::sync::mpsc::RecvTimeoutError;
    // Only this function's caller drops the receiver, and it holds a sender too: the channel
    // never disconnects while it waits.
    const OPEN: &str = "the mapping channel outlives the wait";
    loop {
        if let Ok(m) = done.try_recv() {
            return m;
        }
        match rayon::yield_now() {
            None => return done.recv().expect(OPEN),
            Some(rayon::Yield::Executed) => {}
            Some(rayon::Yield::Idle) => {
                match done.recv_timeout(std::time::Duration::from_micros(200)) {
                    Ok(m) => return m,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => panic!("{OPEN}"),
                }
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::{open_file_frames, Format, ReaderOptions};
    use std::io::Write;

    /// A native log of `n` tiny lines, opened as frames.
    fn frames_of(dir: &tempfile::TempDir, n: usize) -> Frames {
        let path = dir.path().join("lines.jsonl");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 1..=n {
            writeln!(f, "{{\"n\":{i}}}").unwrap();
        }
        drop(f);
        open_file_frames(&path, Format::Jsonl, &ReaderOptions::default()).unwrap()
    }

    #[test]
    fn stream_folds_in_input_order_when_batches_finish_out_of_order() {
        let dir = tempfile::tempdir().unwrap();
        let n = 3 * BATCH + 100;
        let frames = frames_of(&dir, n);
        let mut seen = Vec::with_capacity(n);
        let mut batches = 0;
        stream(
            frames,
            |line, _| {
                // The first batch's first record is slow: the second batch, mapped at the same
                // time, comes back first.
                if line == 1 {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                line
            },
            |rejected, line| {
                assert!(rejected.is_none());
                seen.push(*line.unwrap());
            },
            || batches += 1,
        );
        assert_eq!(seen, (1..=n as u64).collect::<Vec<_>>());
        assert_eq!(batches, 4);
    }

    #[test]
    fn stream_runs_on_a_one_thread_pool() {
        // The analysis run inside `install` of a pool with one thread: the fold's thread is
        // the pool's only worker, and it must map the batches it waits for itself.
        let dir = tempfile::tempdir().unwrap();
        let n = 3 * BATCH + 7;
        let frames = frames_of(&dir, n);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let mut count = 0u64;
        pool.install(|| stream(frames, |line, _| line, |_, _| count += 1, || {}));
        assert_eq!(count, n as u64);
    }

    #[test]
    fn a_panic_while_mapping_reaches_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        // Long enough that the reader is still at work (waiting on its full queue) when the
        // panic comes: the scope must still end.
        let frames = frames_of(&dir, 12 * BATCH);
        let folded = std::cell::Cell::new(0u64);
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            stream(
                frames,
                |line, _| {
                    assert!(line != BATCH as u64 + 5, "hostile line");
                    line
                },
                |_, _| folded.set(folded.get() + 1),
                || {},
            )
        }));
        assert!(outcome.is_err(), "the panic is not swallowed");
        assert_eq!(
            folded.get(),
            BATCH as u64,
            "only the batch before it is folded"
        );
    }
}
