use super::*;
use crate::client::ClientClassifier;
use crate::discovery::{DiscoveryConfig, PathTemplater};
use crate::facts::{Finding, ServiceObject};
use crate::pipeline::{AnalysisConfig, Engine};
use crate::record::Record;
use crate::sensitive::Scanner;

const DAY: i64 = 86_400_000;
const T0: i64 = 1_717_200_000_000; // 2024-06-01

fn rec(
    t: i64,
    ip: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Record {
    Record {
        time_ms: t,
        host: "api.shop.example".into(),
        method: method.into(),
        path: path.into(),
        query: None,
        scheme: None,
        client_ip: ip.parse().unwrap(),
        user_agent: None,
        status: 200,
        request_headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        request_body: body.map(Into::into),
        response_headers: vec![(
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        )],
        response_body: Some("{}".into()),
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

fn engine(records: &[Record]) -> Engine {
    let mut t = PathTemplater::new(DiscoveryConfig::default());
    for r in records {
        t.observe(r);
    }
    Engine::new(
        t.finish(),
        Scanner::builtin(),
        ClientClassifier::without_geo(),
        &AnalysisConfig::default(),
    )
}

fn finding(type_id: u32, direction: Direction) -> Finding {
    Finding {
        type_id,
        direction,
        field: "json.x".into(),
        masked: "1***1".into(),
        hash: 1,
        group: 0,
    }
}

#[test]
fn summary_fields() {
    let login_body = r#"{"username":"alice","password":"pw123456"}"#;
    let mut records = Vec::new();
    for i in 0..10 {
        let ip = format!("203.0.113.{}", i % 4);
        records.push(rec(
            T0 + i * DAY / 2,
            &ip,
            "POST",
            "/api/login",
            &[("content-type", "application/json")],
            Some(login_body),
        ));
    }
    for i in 0..10i64 {
        let path = format!("/api/orders/{}", 1000 + i);
        let auth = [(
            "authorization",
            "Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a",
        )];
        let headers: &[(&str, &str)] = if i < 9 { &auth } else { &[] };
        records.push(rec(
            T0 + i * 1000,
            "198.51.100.7",
            "GET",
            &path,
            headers,
            None,
        ));
    }
    let e = engine(&records);
    let mut inv = ApiInventory::default();
    for r in &records {
        let f = e.facts(r).expect("api");
        inv.absorb(&f);
    }
    let apis = inv.finish(T0 + 60 * DAY);
    assert_eq!(apis.len(), 2);
    let login = apis.iter().find(|a| a.key.path == "/api/login").unwrap();
    assert_eq!(login.calls, 10);
    assert!(!login.active, "no call in the last 30 days");
    assert!(!login.authenticated);
    assert_eq!(login.distinct_clients, 4);
    assert!(login
        .purposes
        .iter()
        .any(|p| p.kind == "account_password_based_logon"));
    assert_eq!(login.calls_per_day.len(), 5);
    assert_eq!(login.calls_per_day.get("2024-06-01"), Some(&2));
    assert_eq!(
        login.response_content_types.get("application/json"),
        Some(&10)
    );
    let pw = login.params.iter().find(|p| p.field == "password").unwrap();
    assert_eq!(pw.location, ParamLocation::Json);
    assert!(pw.example.contains('*'), "masked: {}", pw.example);
    assert!(!pw.example.contains("pw123456"));

    let orders = apis
        .iter()
        .find(|a| a.key.path == "/api/orders/{order_id}")
        .unwrap();
    assert!(orders.authenticated, "9 of 10 calls carried a credential");
    assert_eq!(orders.auth, vec![AuthKind::BearerToken]);
    let id = orders
        .params
        .iter()
        .find(|p| p.location == ParamLocation::Path)
        .unwrap();
    assert_eq!(id.field, "order_id");
    assert_eq!(id.types, vec!["integer".to_string()]);
    assert!(!orders.active, "last call 60 days before `now`");
    assert_eq!(orders.statuses.get(&200), Some(&10));
}

#[test]
fn sensitivity_and_types_follow_the_product_rule() {
    let records = vec![rec(T0, "10.0.0.5", "GET", "/api/users/7", &[], None)];
    let e = engine(&records);
    let base = e.facts(&records[0]).unwrap();

    let mut medium = ApiInventory::default();
    let mut f = base.clone();
    f.findings = (0..5).map(|_| finding(1005, Direction::Response)).collect(); // email, S2
    f.findings.push(finding(1004, Direction::Request)); // mobile in the request
    medium.absorb(&f);
    let s = &medium.finish(T0)[0];
    assert_eq!(s.sensitivity, ApiSensitivity::Medium);
    assert_eq!(s.response_types.get(&1005), Some(&5));
    assert_eq!(s.request_types.get(&1004), Some(&1));

    let mut high = ApiInventory::default();
    let mut f = base.clone();
    f.findings = (0..21)
        .map(|_| finding(1005, Direction::Response))
        .collect();
    high.absorb(&f);
    assert_eq!(high.finish(T0)[0].sensitivity, ApiSensitivity::High);

    // 21 S2 values spread over two responses stay medium.
    let mut spread = ApiInventory::default();
    let mut f = base.clone();
    f.findings = (0..11)
        .map(|_| finding(1005, Direction::Response))
        .collect();
    spread.absorb(&f);
    f.findings.truncate(10);
    spread.absorb(&f);
    assert_eq!(spread.finish(T0)[0].sensitivity, ApiSensitivity::Medium);

    let mut s3 = ApiInventory::default();
    let mut f = base;
    f.findings = vec![finding(1000, Direction::Response)]; // ID card, S3
    s3.absorb(&f);
    let s = &s3.finish(T0)[0];
    assert_eq!(s.sensitivity, ApiSensitivity::High);
    assert_eq!(
        s.service_object,
        ServiceObject::InternalOffice,
        "only private callers"
    );
}

#[test]
fn one_odd_request_does_not_tag_an_api() {
    let mut records: Vec<Record> = (0..20)
        .map(|i| rec(T0 + i, "203.0.113.9", "GET", "/api/products", &[], None))
        .collect();
    records.push(rec(
        T0 + 99,
        "203.0.113.9",
        "GET",
        "/api/products",
        &[],
        Some(r#"{"sql":"select * from users"}"#),
    ));
    let e = engine(&records);
    let mut inv = ApiInventory::default();
    for r in &records {
        inv.absorb(&e.facts(r).unwrap());
    }
    let s = &inv.finish(T0)[0];
    assert!(
        !s.purposes.iter().any(|p| p.kind == "sql_service"),
        "{:?}",
        s.purposes
    );
}

#[test]
fn merge_equals_single_fold() {
    let records: Vec<Record> = (0..40)
        .map(|i| {
            let ip = format!("192.0.2.{}", i % 7);
            rec(
                T0 + i * DAY / 3,
                &ip,
                if i % 3 == 0 { "POST" } else { "GET" },
                &format!("/api/items/{}", i % 5 + 1),
                &[],
                None,
            )
        })
        .collect();
    let e = engine(&records);
    let facts: Vec<_> = records.iter().map(|r| e.facts(r).unwrap()).collect();
    let mut whole = ApiInventory::default();
    for f in &facts {
        whole.absorb(f);
    }
    let mut a = ApiInventory::default();
    let mut b = ApiInventory::default();
    for (i, f) in facts.iter().enumerate() {
        if i % 2 == 0 {
            a.absorb(f)
        } else {
            b.absorb(f)
        }
    }
    a.merge(b);
    assert_eq!(whole.finish(T0 + DAY), a.finish(T0 + DAY));
}
