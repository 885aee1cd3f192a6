//! End to end through `apisec analyze` (real readers, discovery, sensitive scanner, client
//! classifier): the clean shop baseline gives no risk, and planted problems that depend on the
//! real scanner's findings and discovery's authentication view are found.

#[path = "risk_support.rs"]
mod support;
use engine::analyze::{analyze_files_with, AnalyzeOptions};
use engine::client::ClientClassifier;
use engine::report::Report;
use serde_json::{json, Map, Value};
use std::io::Write;
use support::*;

fn native(e: &Ex) -> Value {
    let r = &e.record;
    let headers = |h: &[(String, String)]| {
        let mut m = Map::new();
        for (k, v) in h {
            m.insert(k.clone(), Value::String(v.clone()));
        }
        Value::Object(m)
    };
    let mut v = json!({
        "time": r.time_ms,
        "host": r.host,
        "method": r.method,
        "path": r.path,
        "client_ip": r.client_ip.to_string(),
        "status": r.status,
        "request_headers": headers(&r.request_headers),
        "response_headers": headers(&r.response_headers),
    });
    let m = v.as_object_mut().unwrap();
    if let Some(q) = &r.query {
        m.insert("query".into(), json!(q));
    }
    if let Some(s) = &r.scheme {
        m.insert("scheme".into(), json!(s));
    }
    if let Some(b) = &r.request_body {
        m.insert("request_body".into(), json!(b));
    }
    if let Some(b) = &r.response_body {
        m.insert("response_body".into(), json!(b));
    }
    v
}

fn run(exs: &[Ex]) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    for e in exs {
        writeln!(f, "{}", native(e)).unwrap();
    }
    drop(f);
    analyze_files_with(
        &[path],
        &AnalyzeOptions::default(),
        ClientClassifier::without_geo(),
    )
    .unwrap()
}

fn risk_keys(r: &Report) -> Vec<(String, String)> {
    r.risks
        .iter()
        .map(|x| (x.key.clone(), x.path.clone()))
        .collect()
}

#[test]
fn clean_baseline_through_the_pipeline() {
    let report = run(&baseline());
    assert!(report.risks.is_empty(), "{:#?}", report.risks);
}

#[test]
fn planted_problems_through_the_pipeline() {
    let mut exs = baseline();
    let t = T0 + 7_200_000;
    // An unauthenticated customer lookup returning identity numbers and phones.
    exs.push(
        get("/api/v1/public/customer")
            .query("id=77")
            .resp(r#"{"code":0,"data":{"name":"张伟","mobile":"13812345678","idCard":"11010519491231002X"}}"#)
            .at(t),
    );
    // A configuration endpoint leaking a cloud key pair and an OpenAI key to anyone.
    exs.push(
        get("/api/v1/public/config")
            .resp(r#"{"oss":{"accessKeyId":"LTAI5tQ8mR3xV7nK2pW9sZ4c","accessKeySecret":"pQ7vX2mK9sR4tW8yZ3nB6cF1hJ5dL0gA"},"openai":{"key":"sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb3dEf6hIj9kLm2n"}}"#)
            .at(t + 1_000),
    );
    // A stack trace.
    exs.push(
        get("/api/v1/orders/report")
            .status(500)
            .resp_html("java.lang.NullPointerException\n\tat com.shop.order.ReportService.build(ReportService.java:88)\n")
            .at(t + 2_000),
    );
    let report = run(&exs);
    let keys = risk_keys(&report);
    let has = |k: &str| keys.iter().any(|(key, _)| key == k);
    assert!(has("unauthenticated_sensitive_api"), "{keys:?}");
    assert!(has("accesskey_pair_leak"), "{keys:?}");
    assert!(has("llm_api_key_leak"), "{keys:?}");
    assert!(has("app_exception_leak"), "{keys:?}");
    for r in &report.risks {
        assert!(!r.evidence.contains("13812345678"), "{}", r.evidence);
        assert!(
            !r.evidence.contains("pQ7vX2mK9sR4tW8yZ3nB6cF1hJ5dL0gA"),
            "{}",
            r.evidence
        );
    }
}
