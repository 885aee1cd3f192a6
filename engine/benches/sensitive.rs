//! Scanner throughput on realistic API traffic, all built-in types on. Typical bodies (mostly
//! non-sensitive text, numbers, IDs and URLs): an e-commerce order list with one receiver per
//! order, a GitHub-style issue list (URLs, markdown bodies), a Chinese content feed. Dense
//! bodies (the worst case): JSON user lists full of names, phones, ID numbers and cards, a
//! product catalogue, an HTML customer table. `mix` scans all of them in turn: the headline
//! figure. Bytes are the response body bytes. The figure is recorded in docs/sensitive-data.md;
//! the typical bodies come from `tests/data/sensitive/gen_bench.py`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use engine::exchange::Exchange;
use engine::record::Record;
use engine::sensitive::Scanner;
use std::time::{Duration, Instant};

/// CPU time of the calling thread: the benchmark reports throughput per core even when the
/// machine is shared (wall time would count the time other processes held the core).
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own; CLOCK_THREAD_CPUTIME_ID is valid
    // on Linux and the other supported Unix systems.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Thread CPU time since `c0`, or wall time since `w0` where the thread clock is unavailable.
fn elapsed(c0: Duration, w0: Instant) -> Duration {
    let cpu = thread_cpu().saturating_sub(c0);
    if cpu.is_zero() {
        w0.elapsed()
    } else {
        cpu
    }
}

/// Typical bodies first, then the dense ones.
const BODIES: [(&str, &str); 7] = [
    ("orders.json", "application/json"),
    ("issues.json", "application/json"),
    ("feed.json", "application/json"),
    ("users_small.json", "application/json"),
    ("users_large.json", "application/json"),
    ("products.json", "application/json"),
    ("customers.html", "text/html"),
];

fn record(body: String, ct: &str) -> Record {
    Record {
        time_ms: 1_700_000_000_000,
        host: "api.example.com".into(),
        method: "GET".into(),
        path: "/v1/users".into(),
        query: Some("page=1&size=200&keyword=%E5%BC%A0".into()),
        scheme: Some("https".into()),
        client_ip: "203.0.113.9".parse().expect("ip"),
        user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0".into()),
        status: 200,
        request_headers: vec![
            ("user-agent".into(), "Mozilla/5.0 Chrome/120.0.0.0".into()),
            ("authorization".into(), "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U".into()),
            ("cookie".into(), "sid=8f14e45fceea167a5a36dedd4bea2543; lang=zh-CN".into()),
        ],
        request_body: None,
        response_headers: vec![("content-type".into(), format!("{ct}; charset=utf-8"))],
        response_body: Some(body),
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

fn load(name: &str) -> String {
    let path = format!("{}/tests/data/sensitive/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bench(c: &mut Criterion) {
    let scanner = Scanner::builtin();
    let mut g = c.benchmark_group("sensitive_scan");
    let records: Vec<(&str, Record)> = BODIES
        .iter()
        .map(|(name, ct)| (*name, record(load(name), ct)))
        .collect();
    for &(name, ref rec) in &records {
        let bytes = rec.response_body.as_ref().map_or(0, |b| b.len());
        let n = scanner.scan(&Exchange::new(rec)).len();
        eprintln!("{name}: {bytes} bytes, {n} findings");
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let (c0, w0) = (thread_cpu(), Instant::now());
                for _ in 0..iters {
                    let ex = Exchange::new(black_box(rec));
                    black_box(scanner.scan(&ex));
                }
                elapsed(c0, w0)
            })
        });
    }
    let total: usize = records
        .iter()
        .map(|(_, r)| r.response_body.as_ref().map_or(0, |b| b.len()))
        .sum();
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("mix", |b| {
        b.iter_custom(|iters| {
            let (c0, w0) = (thread_cpu(), Instant::now());
            for _ in 0..iters {
                for (_, rec) in &records {
                    let ex = Exchange::new(black_box(rec));
                    black_box(scanner.scan(&ex));
                }
            }
            elapsed(c0, w0)
        })
    });
    g.finish();

    // Reference on the same core in the same run: parsing the same JSON into a serde_json
    // Value (what `Exchange::response_json` does). On a shared machine both figures move
    // together, so the ratio is the stable number.
    let mut r = c.benchmark_group("reference_serde_json_parse");
    for name in ["orders.json", "issues.json", "users_large.json"] {
        let body = load(name);
        r.throughput(Throughput::Bytes(body.len() as u64));
        r.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let (c0, w0) = (thread_cpu(), Instant::now());
                for _ in 0..iters {
                    let v: serde_json::Value =
                        serde_json::from_str(black_box(&body)).expect("valid JSON");
                    black_box(v);
                }
                elapsed(c0, w0)
            })
        });
    }
    r.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
