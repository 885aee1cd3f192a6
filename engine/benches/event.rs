//! Event detection hot paths: per-exchange `signals()` (attack rules, credential and response
//! parsing, parameter shapes) and the ordered `absorb()` fold.
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use engine::client::ClientClassifier;
use engine::discovery::{DiscoveryFacts, TemplateSet};
use engine::event::{self, EventConfig, EventState};
use engine::exchange::Exchange;
use engine::facts::{AuthObservation, ExchangeContext};
use engine::pipeline::ExchangeFacts;
use engine::record::Record;

fn records() -> Vec<Record> {
    let mut out = Vec::new();
    for i in 0..2000i64 {
        let (method, path, query, body, resp) = match i % 5 {
            0 => (
                "GET",
                format!("/api/products/{}", i * 37 % 5000),
                Some(format!("lang=en&ref=home{}", i % 7)),
                None,
                r#"{"id":1,"name":"Shoe","price":12.5}"#.to_string(),
            ),
            1 => (
                "POST",
                "/api/v1/login".to_string(),
                None,
                Some(format!(
                    r#"{{"username":"user{}","password":"Secret-{}!"}}"#,
                    i % 300,
                    i
                )),
                r#"{"success":true,"token":"abc"}"#.to_string(),
            ),
            2 => (
                "GET",
                "/api/search".to_string(),
                Some(format!("q=red+shoes+size+{}&page={}", i % 12, i % 5)),
                None,
                r#"{"items":[]}"#.to_string(),
            ),
            3 => (
                "POST",
                "/api/comments".to_string(),
                None,
                Some(format!(
                    r#"{{"post":{},"text":"I'd say it's \"great\" - 5/5; would buy again & again"}}"#,
                    i
                )),
                r#"{"ok":true}"#.to_string(),
            ),
            _ => (
                "GET",
                "/api/items".to_string(),
                Some("id=1%27%20OR%20%271%27%3D%271".to_string()),
                None,
                "You have an error in your SQL syntax".to_string(),
            ),
        };
        out.push(Record {
            time_ms: 1_709_510_400_000 + i * 500,
            host: "api.shop.example".into(),
            method: method.into(),
            path,
            query,
            scheme: None,
            client_ip: format!("203.0.{}.{}", i % 50, i % 200 + 1).parse().unwrap(),
            user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36".into()),
            status: 200,
            request_headers: vec![("content-type".into(), "application/json".into())],
            request_body: body,
            response_headers: vec![],
            response_body: Some(resp),
            account: Some(format!("user{}", i % 300)),
            waf_action: None,
            waf_rule: None,
        });
    }
    out
}

fn facts(recs: &[Record]) -> Vec<ExchangeFacts> {
    let t = TemplateSet::default();
    let clients = ClientClassifier::without_geo();
    let auth = AuthObservation::default();
    recs.iter()
        .map(|r| {
            let ex = Exchange::new(r);
            let api = t.resolve(&ex).unwrap();
            let client = clients.classify(r);
            let ctx = ExchangeContext {
                ex: &ex,
                api: &api,
                purposes: &[],
                auth: &auth,
                client: &client,
                account: r.account.as_deref(),
                findings: &[],
            };
            let ev = event::signals(&ctx);
            ExchangeFacts {
                api,
                time_ms: r.time_ms,
                client_ip: r.client_ip,
                status: r.status,
                client,
                account: r.account.clone(),
                discovery: DiscoveryFacts::default(),
                findings: vec![],
                risk: Default::default(),
                event: ev,
                bytes: 0,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let recs = records();
    let t = TemplateSet::default();
    let clients = ClientClassifier::without_geo();
    let auth = AuthObservation::default();
    let mut g = c.benchmark_group("event");
    g.throughput(Throughput::Elements(recs.len() as u64));
    g.bench_function("signals", |b| {
        b.iter(|| {
            for r in &recs {
                let ex = Exchange::new(r);
                let api = t.resolve(&ex).unwrap();
                let client = clients.classify(r);
                let ctx = ExchangeContext {
                    ex: &ex,
                    api: &api,
                    purposes: &[],
                    auth: &auth,
                    client: &client,
                    account: r.account.as_deref(),
                    findings: &[],
                };
                black_box(event::signals(&ctx));
            }
        })
    });
    let fs = facts(&recs);
    g.bench_function("absorb", |b| {
        b.iter(|| {
            let mut st = EventState::new(EventConfig::default());
            for f in &fs {
                st.absorb(f);
            }
            black_box(st)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
