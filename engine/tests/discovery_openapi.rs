//! OpenAPI export of the discovered inventory and comparison with a team's own spec, and
//! GraphQL/JSON-RPC operations as separate APIs.

use engine::client::ClientClassifier;
use engine::discovery::openapi::{compare, export};
use engine::discovery::{ApiInventory, DiscoveryConfig, PathTemplater};
use engine::facts::ApiSummary;
use engine::pipeline::{AnalysisConfig, Engine};
use engine::record::Record;
use engine::sensitive::Scanner;

fn rec(
    method: &str,
    path: &str,
    query: Option<&str>,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Record {
    Record {
        time_ms: 1_717_200_000_000,
        host: "petstore.example".into(),
        method: method.into(),
        path: path.into(),
        query: query.map(Into::into),
        scheme: Some("https".into()),
        client_ip: "203.0.113.5".parse().unwrap(),
        user_agent: None,
        status: 200,
        request_headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        request_body: body.map(Into::into),
        response_headers: vec![("content-type".into(), "application/json".into())],
        response_body: Some("{}".into()),
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

fn inventory(records: &[Record]) -> Vec<ApiSummary> {
    let mut t = PathTemplater::new(DiscoveryConfig::default());
    for r in records {
        t.observe(r);
    }
    let e = Engine::new(
        t.finish(),
        Scanner::builtin(),
        ClientClassifier::without_geo(),
        &AnalysisConfig::default(),
    );
    let mut inv = ApiInventory::default();
    for r in records {
        if let Some(f) = e.facts(r) {
            inv.absorb(&f);
        }
    }
    inv.finish(1_717_200_000_000)
}

fn petstore_traffic() -> Vec<Record> {
    let json = [
        ("content-type", "application/json"),
        ("api_key", "special-key-1234"),
    ];
    let mut v = Vec::new();
    for i in 1..=12 {
        v.push(rec("GET", &format!("/v3/pet/{i}"), None, None, &json));
        v.push(rec(
            "GET",
            "/v3/pet/findByStatus",
            Some("status=available"),
            None,
            &[],
        ));
        v.push(rec("POST", "/v3/pet", None, Some(r#"{"id":10,"name":"doggie","category":{"id":1,"name":"Dogs"},"tags":[{"id":0,"name":"t"}]}"#), &json));
    }
    v.push(rec("GET", "/v3/store/inventory", None, None, &json));
    // Not in the spec: a shadow API.
    v.push(rec("GET", "/v3/internal/debug/vars", None, None, &[]));
    v
}

#[test]
fn export_describes_paths_parameters_bodies_and_security() {
    let apis = inventory(&petstore_traffic());
    let doc = export("petstore.example", &apis);
    assert_eq!(doc["openapi"], "3.1.0");
    let get = &doc["paths"]["/v3/pet/{pet_id}"]["get"];
    let p = &get["parameters"][0];
    assert_eq!(p["name"], "pet_id");
    assert_eq!(p["in"], "path");
    assert_eq!(p["schema"]["type"], "integer");
    let body =
        &doc["paths"]["/v3/pet"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(
        body["properties"]["category"]["properties"]["name"]["type"],
        "string"
    );
    assert_eq!(body["properties"]["tags"]["type"], "array");
    assert_eq!(body["properties"]["id"]["type"], "integer");
    assert_eq!(
        doc["components"]["securitySchemes"]["apiKeyHeader"]["name"],
        "api_key"
    );
    assert!(doc["paths"]["/v3/pet/findByStatus"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "status" && p["in"] == "query"));
}

#[test]
fn compare_flags_shadow_and_zombie_apis() {
    let apis = inventory(&petstore_traffic());
    let mut spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/openapi/petstore-v3.json"
        ))
        .unwrap(),
    )
    .unwrap();
    spec["paths"]["/pet/findByStatus"]["get"]["deprecated"] = serde_json::json!(true);
    let c = compare(&spec.to_string(), &apis).expect("spec");
    let shadow: Vec<String> = c
        .shadow
        .iter()
        .map(|k| format!("{} {}", k.method, k.path))
        .collect();
    assert_eq!(shadow, vec!["GET /v3/internal/debug/vars"]);
    assert_eq!(c.zombie_deprecated.len(), 1);
    assert_eq!(c.zombie_deprecated[0].path, "/pet/findByStatus");
    assert_eq!(c.matched.len(), 4, "{:?}", c.matched);
    assert_eq!(c.zombie_unseen.len(), 19 - 4);
    assert!(c.zombie_unseen.iter().any(|o| o.path == "/user/login"));

    let yaml = "openapi: 3.0.0\nservers:\n  - url: /v3\npaths:\n  /pet/{petId}:\n    get:\n      operationId: getPetById\n      deprecated: true\n";
    let c = compare(yaml, &apis).expect("yaml");
    assert_eq!(c.zombie_deprecated.len(), 1);
    assert!(c.shadow.len() >= 3);
    assert!(compare("not: [a spec", &apis).is_err());
}

#[test]
fn graphql_and_jsonrpc_operations_are_separate_apis() {
    let ct = [("content-type", "application/json")];
    let mut records = Vec::new();
    for op in ["GetViewer", "AddStar", "GetViewer"] {
        let body =
            format!(r#"{{"operationName":"{op}","query":"query {op} {{ viewer {{ login }} }}"}}"#);
        records.push(rec("POST", "/graphql", None, Some(&body), &ct));
    }
    records.push(rec(
        "POST",
        "/graphql",
        None,
        Some(r#"{"query":"{ repository(owner:\"a\") { id } }"}"#),
        &ct,
    ));
    for m in ["tools/list", "tools/call", "tools/call"] {
        let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{m}","params":{{}}}}"#);
        records.push(rec("POST", "/mcp", None, Some(&body), &ct));
    }
    let apis = inventory(&records);
    let paths: Vec<&str> = apis.iter().map(|a| a.key.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "/graphql#AddStar",
            "/graphql#GetViewer",
            "/graphql#repository",
            "/mcp#tools/call",
            "/mcp#tools/list"
        ]
    );
    let viewer = apis
        .iter()
        .find(|a| a.key.path == "/graphql#GetViewer")
        .unwrap();
    assert_eq!(viewer.calls, 2);
    assert!(viewer.purposes.iter().any(|p| p.kind == "graphql"));
    let call = apis
        .iter()
        .find(|a| a.key.path == "/mcp#tools/call")
        .unwrap();
    assert!(call.purposes.iter().any(|p| p.kind == "mcp_service"));
    let doc = export("petstore.example", &apis);
    assert_eq!(
        doc["paths"]["/graphql"]["post"]["x-operations"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}
