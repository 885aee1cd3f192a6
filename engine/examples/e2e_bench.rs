//! End-to-end benchmark of `apisec analyze` (`make bench`).
//!
//! Generates a fixed-seed native log (demo traffic with request and response bodies, planted
//! incidents included) once per size, caches it under `target/bench-data/`, then times the same
//! analysis `apisec analyze` runs (`engine::analyze::analyze_files_with`, default options, the
//! GeoIP database of the setup) and prints records/s, MB/s and peak memory.
//!
//! Every size is analysed in a child process of its own, so that the peak resident set size
//! (`VmHWM` of `/proc/self/status`) is the analysis's alone, not the generator's or a larger
//! run's.
//!
//! ```text
//! cargo run --release -p apisec-engine --example e2e_bench -- [--records N[,N...]] [--runs N]
//! ```
//!
//! The report digest (SHA-256 of the JSON report) lets an optimisation prove it changed nothing:
//! it must stay the same for a given size.
//!
//! Each row is followed by its verdict against the targets of issue 10 (100,000 records/s,
//! 100 MB/s, peak memory under 1 GiB), measured and as an *idle estimate*: records per CPU
//! second times the cores, what the analysis reaches when it has the machine to itself (the
//! build machine is shared, so wall time often measures the other jobs).

use engine::analyze::{analyze_files_with, AnalyzeOptions};
use engine::client::ClientClassifier;
use engine::demo::{Generator, GeneratorConfig};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The allocator of the `apisec` binary (`server/src/main.rs`), so that this measures what
/// `apisec analyze` runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Targets of issue 10: records and input megabytes per second, peak resident memory.
const TARGET_RECORDS_PER_S: f64 = 100_000.0;
const TARGET_MB_PER_S: f64 = 100.0;
const TARGET_PEAK_BYTES: u64 = 1 << 30;

const USAGE: &str = "usage: e2e_bench [--records N[,N...]] [--runs N] [--data-dir DIR]\n       e2e_bench --analyze FILE   (one timed analysis; used by the parent)\n       e2e_bench --demo-traffic FLAGS...   (`apisec demo-traffic`: the training log of scripts/pgo-build.sh)";

/// As `keep_freed_memory` in `server/src/main.rs`: mimalloc keeps freed memory (its
/// `mi_option_purge_delay`, 15 in mimalloc.h, set to -1).
fn keep_freed_memory() {
    // SAFETY: sets a process-wide allocator option; valid at any time.
    unsafe { libmimalloc_sys::mi_option_set(15, -1) };
}

fn main() {
    keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--demo-traffic") {
        let flags = args[1..].iter().map(Into::into).collect();
        std::process::exit(engine::demo::run_cli(flags));
    }
    if let Some(i) = args.iter().position(|a| a == "--analyze") {
        let Some(file) = args.get(i + 1) else {
            eprintln!("{USAGE}");
            std::process::exit(2);
        };
        analyze_once(Path::new(file));
        return;
    }
    let mut sizes: Vec<u64> = vec![1_000_000];
    let mut runs = 1usize;
    let mut dir = default_data_dir();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--records" => {
                let v = it.next().unwrap_or_default();
                sizes = v
                    .split(',')
                    .map(|s| parse_count(s).unwrap_or_else(|| die(&format!("--records: {s}?"))))
                    .collect();
            }
            "--runs" => {
                runs = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n| n > 0)
                    .unwrap_or_else(|| die("--runs needs a positive number"));
            }
            "--data-dir" => dir = PathBuf::from(it.next().unwrap_or_else(|| die("--data-dir?"))),
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => die(&format!("unknown argument {other}")),
        }
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| die(&format!("{}: {e}", dir.display())));
    let geo = match ClientClassifier::from_env() {
        Ok(c) if c.geo().is_some() => "GeoIP database found",
        _ => "no GeoIP database (locations unknown; run scripts/setup.sh)",
    };
    println!(
        "e2e_bench: {} threads, {geo}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:>10} {:>9} {:>9} {:>9} {:>12} {:>8} {:>10} {:>6} {:>6} {:>6}  digest",
        "records",
        "MB",
        "seconds",
        "cpu s",
        "records/s",
        "MB/s",
        "peak RSS",
        "apis",
        "risks",
        "events"
    );
    let exe = std::env::current_exe().expect("current exe");
    for &n in &sizes {
        let file = ensure_data(&dir, n);
        for _ in 0..runs {
            let status = Command::new(&exe)
                .arg("--analyze")
                .arg(&file)
                .status()
                .unwrap_or_else(|e| die(&format!("cannot run {}: {e}", exe.display())));
            if !status.success() {
                die(&format!("analysis of {} failed: {status}", file.display()));
            }
        }
    }
}

fn die(msg: &str) -> ! {
    eprintln!("error: {msg}\n{USAGE}");
    std::process::exit(2)
}

/// `1000000`, `1m`, `100k`, `5M`.
fn parse_count(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let (num, mul) = match s.strip_suffix('m') {
        Some(n) => (n.to_string(), 1_000_000),
        None => match s.strip_suffix('k') {
            Some(n) => (n.to_string(), 1_000),
            None => (s.clone(), 1),
        },
    };
    num.parse::<u64>().ok().map(|n| n * mul).filter(|&n| n > 0)
}

/// `target/bench-data` of the workspace (the example runs from anywhere).
fn default_data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("bench-data")
}

/// The cached demo log of `n` records (seed 42, 8 days, incidents planted), generated once.
fn ensure_data(dir: &Path, n: u64) -> PathBuf {
    let path = dir.join(format!("demo-seed42-{n}.jsonl"));
    if path.is_file() {
        return path;
    }
    let tmp = dir.join(format!("demo-seed42-{n}.jsonl.part"));
    let started = Instant::now();
    let file =
        std::fs::File::create(&tmp).unwrap_or_else(|e| die(&format!("{}: {e}", tmp.display())));
    let summary = Generator::new(GeneratorConfig {
        total_records: Some(n),
        ..Default::default()
    })
    .write_to(std::io::BufWriter::with_capacity(1 << 20, file))
    .unwrap_or_else(|e| die(&format!("writing {}: {e}", tmp.display())));
    std::fs::rename(&tmp, &path).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
    eprintln!(
        "generated {} records into {} in {:.1}s",
        summary.records,
        path.display(),
        started.elapsed().as_secs_f64()
    );
    path
}

/// Peak resident set size of this process, from `/proc/self/status` (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// User plus system CPU time of this process (all threads), in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// `PASS` or `FAIL`.
fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}

/// One timed analysis with the defaults of `apisec analyze`; prints one row of the table and
/// its verdict against the targets.
fn analyze_once(file: &Path) {
    let bytes = std::fs::metadata(file)
        .unwrap_or_else(|e| die(&format!("{}: {e}", file.display())))
        .len();
    let clients = ClientClassifier::from_env().unwrap_or_else(|_| ClientClassifier::without_geo());
    let cpu0 = cpu_seconds();
    let started = Instant::now();
    let report = analyze_files_with(&[file.to_path_buf()], &AnalyzeOptions::default(), clients)
        .unwrap_or_else(|e| die(&format!("analyze: {e}")));
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let rss = peak_rss().unwrap_or(0);
    let json = serde_json::to_vec(&report).expect("report encodes");
    let digest = Sha256::digest(&json);
    let records = report.summary.records;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let mb = bytes as f64 / 1e6;
    let (rate, mb_rate) = (records as f64 / secs, mb / secs);
    let (idle_rate, idle_mb_rate) = (records as f64 / cpu * cores, mb / cpu * cores);
    println!(
        "{:>10} {:>9.1} {:>9.2} {:>9.2} {:>12.0} {:>8.1} {:>7.0} MiB {:>6} {:>6} {:>6}  {}",
        records,
        mb,
        secs,
        cpu,
        rate,
        mb_rate,
        rss as f64 / (1024.0 * 1024.0),
        report.summary.apis,
        report.summary.risks,
        report.summary.events,
        hex(&digest[..8]),
    );
    println!(
        "{:>10} targets: {:.0} records/s {} (idle {cores:.0}-core estimate {:.0} {}), \
         {:.1} MB/s {} (idle estimate {:.1} {}), peak {:.0} MiB {}",
        "",
        rate,
        verdict(rate >= TARGET_RECORDS_PER_S),
        idle_rate,
        verdict(idle_rate >= TARGET_RECORDS_PER_S),
        mb_rate,
        verdict(mb_rate >= TARGET_MB_PER_S),
        idle_mb_rate,
        verdict(idle_mb_rate >= TARGET_MB_PER_S),
        rss as f64 / (1024.0 * 1024.0),
        verdict(rss < TARGET_PEAK_BYTES),
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
