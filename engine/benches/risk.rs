//! `risk::signals` on realistic exchanges: a JSON logon, a paged product list, a profile with
//! sensitive findings, an HTML error page with a stack trace, and a large JSON export; the
//! response-words pass the risk and event detectors share; and the JWT weakness check.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use engine::exchange::Exchange;
use engine::facts::*;
use engine::record::Record;
use engine::risk;
use std::hint::black_box;

fn record(
    method: &str,
    path: &str,
    query: Option<&str>,
    body: Option<&str>,
    status: u16,
    resp: String,
) -> Record {
    Record {
        time_ms: 1_772_442_000_000,
        host: "api.shop.example".into(),
        method: method.into(),
        path: path.into(),
        query: query.map(Into::into),
        scheme: Some("https".into()),
        client_ip: "203.0.113.10".parse().unwrap(),
        user_agent: None,
        status,
        request_headers: vec![
            ("user-agent".into(), "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0".into()),
            ("content-type".into(), "application/json".into()),
            ("cookie".into(), "SESSION=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08; lang=zh-CN".into()),
            ("authorization".into(), "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMDA4NiIsImlhdCI6MTc3MjQ0MjAwMH0.4pcPyMD09olPSyXnrXCjTwXyr4BsezdI1AVTmud2fU4".into()),
        ],
        request_body: body.map(Into::into),
        response_headers: vec![("content-type".into(), "application/json".into())],
        response_body: Some(resp),
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

fn list(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"p-{i:08x}","title":"Winter coat model {i}","price":{}.90,"stock":{},"tags":["coat","winter"],"updated":"2026-03-01T10:00:00Z"}}"#, 100 + i % 90, i % 17))
        .collect();
    format!(
        r#"{{"code":0,"data":{{"page":1,"size":{n},"total":4000,"list":[{}]}}}}"#,
        items.join(",")
    )
}

fn cases() -> Vec<(&'static str, Record, Vec<RawFinding>)> {
    let profile_findings = vec![
        RawFinding {
            type_id: 1002,
            direction: Direction::Response,
            field: "json.data.name".into(),
            value: "王伟".into(),
            group: 1,
        },
        RawFinding {
            type_id: 1004,
            direction: Direction::Response,
            field: "json.data.mobile".into(),
            value: "13812345678".into(),
            group: 1,
        },
        RawFinding {
            type_id: 1005,
            direction: Direction::Response,
            field: "json.data.email".into(),
            value: "wang@mail.example".into(),
            group: 1,
        },
    ];
    let trace = format!(
        "<html><body><h1>HTTP Status 500</h1><pre>java.lang.NullPointerException\n{}</pre></body></html>",
        (0..40).map(|i| format!("\tat com.shop.service.Layer{i}.call(Layer{i}.java:{})\n", 10 + i)).collect::<String>()
    );
    vec![
        (
            "login",
            record("POST", "/api/v1/auth/login", None, Some(r#"{"username":"li.wei","password":"K8f2a1#9c3dZq!"}"#), 200,
                r#"{"code":0,"msg":"登录成功","data":{"token":"8b1a9953c4611296a827abf8c47804d79f86d081884c7d65","expiresIn":7200}}"#.into()),
            vec![],
        ),
        ("product_list_20", record("GET", "/api/v1/products", Some("page=2&size=20&sort=price"), None, 200, list(20)), vec![]),
        (
            "profile",
            record("GET", "/api/v1/users/me", None, None, 200,
                r#"{"code":0,"data":{"id":"a1b2c3","name":"王伟","mobile":"13812345678","email":"wang@mail.example","receiverPhone":"138****5678"}}"#.into()),
            profile_findings,
        ),
        ("error_page_trace", record("GET", "/api/v1/orders/17", None, None, 500, trace), vec![]),
        ("export_1000", record("GET", "/api/v1/products/export", Some("pageSize=1000"), None, 200, list(1000)), vec![]),
    ]
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("risk_signals");
    let purposes: Vec<PurposeTag> = vec![];
    let auth = AuthObservation {
        kinds: vec![AuthKind::BearerJwt],
    };
    let client = ClientInfo {
        location: Location::Country(*b"CN"),
        tool: ToolInfo {
            kind: ToolKind::Browser,
            family: "Chrome".into(),
        },
    };
    for (name, rec, findings) in cases() {
        let bytes = rec.response_body.as_ref().map_or(0, |b| b.len())
            + rec.request_body.as_ref().map_or(0, |b| b.len());
        g.throughput(Throughput::Bytes(bytes as u64));
        let api = ApiKey {
            host: rec.host.clone(),
            method: rec.method.clone(),
            path: rec.path.clone(),
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                let ex = Exchange::new(&rec);
                let ctx = ExchangeContext {
                    ex: &ex,
                    api: &api,
                    purposes: &purposes,
                    auth: &auth,
                    client: &client,
                    account: None,
                    findings: &findings,
                };
                black_box(risk::signals(&ctx))
            })
        });
    }
    g.finish();
}

/// The one pass over each response that finds the detectors' signature words (run once per
/// exchange, whichever detector asks first).
fn response_words(c: &mut Criterion) {
    let mut g = c.benchmark_group("response_words");
    for (name, body) in [("list_20", list(20)), ("list_600", list(600))] {
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| black_box(engine::exchange::response_words::find(black_box(&body))))
        });
    }
    g.finish();
}

/// The JWT weakness check of one token not seen before (the detector memoises tokens per
/// thread): `alg: none` is found at once; a sound HS256 token is tried against every common
/// secret, the worst case.
fn jwt(c: &mut Criterion) {
    let mut g = c.benchmark_group("jwt_weakness");
    for (name, token) in [
        ("hs256_sound", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMDA4NiIsImlhdCI6MTc3MjQ0MjAwMH0.4pcPyMD09olPSyXnrXCjTwXyr4BsezdI1AVTmud2fU4"),
        ("hs256_jwt_io_sample", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
    ] {
        g.bench_function(name, |b| b.iter(|| black_box(risk::jwt_weakness(black_box(token)))));
    }
    g.finish();
}

criterion_group!(benches, bench, response_words, jwt);
criterion_main!(benches);
