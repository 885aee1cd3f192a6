//! Demo traffic generator throughput: records written per second on one core (the end-to-end
//! benchmark generates 1,000,000 records with it, so it must stay far faster than the analysis).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use engine::demo::{Generator, GeneratorConfig};

fn generate(c: &mut Criterion) {
    const N: u64 = 100_000;
    let mut g = c.benchmark_group("demo");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N));
    g.bench_function("write_100k_records", |b| {
        b.iter(|| {
            let cfg = GeneratorConfig {
                seed: 1,
                days: 8,
                total_records: Some(N),
                ..Default::default()
            };
            let mut sink = std::io::sink();
            Generator::new(cfg).write_to(&mut sink).expect("sink")
        })
    });
    g.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
