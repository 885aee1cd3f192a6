//! Discovery hot paths: pass-1 templating (observe), pass-2 resolution, and per-exchange facts
//! (purposes, authentication, parameters) on a mixed, realistic request set.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use engine::discovery::{exchange_facts, DiscoveryConfig, PathTemplater};
use engine::exchange::Exchange;
use engine::record::Record;

fn rec(i: u64) -> Record {
    let users = [
        "octocat",
        "torvalds",
        "alice",
        "bob-smith",
        "acme-corp",
        "jdoe",
        "carol",
        "zhangwei",
    ];
    let (method, path, body): (&str, String, Option<String>) = match i % 8 {
        0 => (
            "GET",
            format!("/api/v1/users/{}", 1000 + i * 7 % 9973),
            None,
        ),
        1 => (
            "GET",
            format!(
                "/repos/{}/{}/issues/{}",
                users[(i % 8) as usize],
                users[(i / 8 % 8) as usize],
                i % 500
            ),
            None,
        ),
        2 => (
            "POST",
            "/api/v1/auth/login".into(),
            Some(r#"{"username":"alice","password":"S3cret!pw"}"#.into()),
        ),
        3 => (
            "GET",
            format!("/api/v1/orders/{:08x}-1b4d-4e5f-9a8b-7c6d5e4f3a2b", i),
            None,
        ),
        4 => (
            "POST",
            "/graphql".into(),
            Some(
                r#"{"operationName":"GetViewer","query":"query GetViewer { viewer { login } }"}"#
                    .into(),
            ),
        ),
        5 => ("GET", "/api/v1/orders/export".into(), None),
        6 => (
            "PUT",
            format!("/api/v1/users/{}/settings", i % 300),
            Some(r#"{"lang":"zh","theme":"dark"}"#.into()),
        ),
        _ => (
            "POST",
            "/v1/chat/completions".into(),
            Some(r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}"#.into()),
        ),
    };
    Record {
        time_ms: 1_717_200_000_000 + i as i64,
        host: "api.example.com".into(),
        method: method.into(),
        path,
        query: i.is_multiple_of(3).then(|| "page=2&size=20".into()),
        scheme: Some("https".into()),
        client_ip: "203.0.113.9".parse().unwrap(),
        user_agent: Some("Mozilla/5.0".into()),
        status: 200,
        request_headers: vec![
            ("content-type".into(), "application/json".into()),
            (
                "authorization".into(),
                "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.abc".into(),
            ),
        ],
        request_body: body,
        response_headers: vec![("content-type".into(), "application/json".into())],
        response_body: Some(r#"{"ok":true}"#.into()),
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

fn bench(c: &mut Criterion) {
    let records: Vec<Record> = (0..4096).map(rec).collect();
    let mut g = c.benchmark_group("discovery");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("observe_4096", |b| {
        b.iter(|| {
            let mut t = PathTemplater::new(DiscoveryConfig::default());
            for r in &records {
                t.observe(black_box(r));
            }
            black_box(t)
        })
    });
    g.bench_function("finish_4096", |b| {
        b.iter_batched(
            || {
                let mut t = PathTemplater::new(DiscoveryConfig::default());
                for r in &records {
                    t.observe(r);
                }
                t
            },
            |t| black_box(t.finish()),
            criterion::BatchSize::SmallInput,
        )
    });
    let mut t = PathTemplater::new(DiscoveryConfig::default());
    for r in &records {
        t.observe(r);
    }
    let set = t.finish();
    g.bench_function("resolve_4096", |b| {
        b.iter(|| {
            for r in &records {
                black_box(set.resolve(&Exchange::new(black_box(r))));
            }
        })
    });
    let keys: Vec<_> = records
        .iter()
        .map(|r| set.resolve(&Exchange::new(r)).unwrap())
        .collect();
    g.bench_function("exchange_facts_4096", |b| {
        b.iter(|| {
            for (r, k) in records.iter().zip(&keys) {
                black_box(exchange_facts(&Exchange::new(black_box(r)), k));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
