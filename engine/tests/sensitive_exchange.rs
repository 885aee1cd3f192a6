//! The scanner over whole exchanges: where it looks, field paths, groups, directions, what is
//! skipped, custom policies, sealing, and hostile input.

use engine::exchange::Exchange;
use engine::facts::{Direction, RawFinding};
use engine::record::Record;
use engine::sensitive::registry as id;
use engine::sensitive::{seal, CustomPolicy, Scanner, ValueHasher};

fn rec() -> Record {
    Record {
        time_ms: 0,
        host: "api.example.com".into(),
        method: "POST".into(),
        path: "/v1/users/13800138000/profile".into(),
        query: Some("email=zhang.san%40example.com&page=1".into()),
        scheme: None,
        client_ip: "203.0.113.1".parse().expect("ip"),
        user_agent: Some("Mozilla/5.0 Chrome/120.0.0.0".into()),
        status: 200,
        request_headers: vec![
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), "Mozilla/5.0 Chrome/120.0.0.0".into()),
            ("x-forwarded-for".into(), "198.51.100.23".into()),
            ("referer".into(), "https://www.example.com/users".into()),
            ("authorization".into(), "Bearer sk-0123456789abcdef0123456789abcdef".into()),
            ("x-user-phone".into(), "13900139000".into()),
            ("cookie".into(), "sid=abc; mobile=13700137000".into()),
        ],
        request_body: Some(r#"{"user":{"realName":"张伟","idCard":"11010519491231002X"}}"#.into()),
        response_headers: vec![
            ("content-type".into(), "application/json".into()),
            ("set-cookie".into(), "uid_email=wang.wu@example.com; Path=/; HttpOnly".into()),
        ],
        response_body: Some(
            r#"{"code":0,"data":{"list":[{"name":"李四","mobile":"13600136000","email":"li.si@example.com"},{"name":"王五","mobile":"13500135000"}],"ts":1700000000000,"traceId":"5d41402abc4b2a76b9719d911017c592"}}"#
                .into(),
        ),
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

fn find<'a>(f: &'a [RawFinding], t: u32, field: &str) -> Option<&'a RawFinding> {
    f.iter().find(|x| x.type_id == t && x.field == field)
}

#[test]
fn finds_values_everywhere_with_fields() {
    let r = rec();
    let f = Scanner::builtin().scan(&Exchange::new(&r));
    let req = |t, field| find(&f, t, field).filter(|x| x.direction == Direction::Request);
    let resp = |t, field| find(&f, t, field).filter(|x| x.direction == Direction::Response);
    assert!(req(id::CN_MOBILE, "path").is_some(), "{f:#?}");
    assert!(req(id::EMAIL, "query.email").is_some());
    assert!(req(id::BAILIAN, "header.authorization").is_some());
    assert!(req(id::CN_MOBILE, "header.x-user-phone").is_some());
    assert!(req(id::CN_MOBILE, "cookie.mobile").is_some());
    assert!(req(id::CN_NAME_SIMPLIFIED, "json.user.realName").is_some());
    assert!(req(id::CN_ID_CARD, "json.user.idCard").is_some());
    assert!(resp(id::EMAIL, "cookie.uid_email").is_some());
    let m1 = resp(id::CN_MOBILE, "json.data.list[].mobile");
    assert!(m1.is_some());
    // nothing from transport headers, timestamps or hashes
    assert!(!f.iter().any(|x| x.value.contains("198.51.100.23")));
    assert!(!f
        .iter()
        .any(|x| x.field == "header.referer" || x.field == "header.user-agent"));
    assert!(!f
        .iter()
        .any(|x| x.field == "json.data.ts" || x.field == "json.data.traceId"));
}

#[test]
fn groups_follow_innermost_objects() {
    let r = rec();
    let f = Scanner::builtin().scan(&Exchange::new(&r));
    let g = |v: &str| f.iter().find(|x| x.value == v).map(|x| x.group).expect(v);
    assert_eq!(g("李四"), g("13600136000"));
    assert_eq!(g("李四"), g("li.si@example.com"));
    assert_eq!(g("王五"), g("13500135000"));
    assert_ne!(g("李四"), g("王五"));
    assert_eq!(g("张伟"), g("11010519491231002X"));
    assert_ne!(g("张伟"), g("李四"));
}

#[test]
fn xml_html_and_text_bodies() {
    let s = Scanner::builtin();
    let mut r = rec();
    r.request_body = None;
    r.response_headers = vec![("content-type".into(), "application/xml".into())];
    r.response_body = Some("<?xml version=\"1.0\"?><user><xingming>赵六</xingming><gender>男</gender><tel>13800138000</tel></user>".into());
    let f = s.scan(&Exchange::new(&r));
    assert!(
        find(&f, id::CN_NAME_SIMPLIFIED, "xml.user.xingming").is_some(),
        "{f:#?}"
    );
    assert!(find(&f, id::GENDER, "xml.user.gender").is_some());
    assert!(find(&f, id::CN_MOBILE, "xml.user.tel").is_some());

    r.response_headers = vec![("content-type".into(), "text/html".into())];
    r.response_body =
        Some("<html><body><p>联系人：<b>孙七</b></p><p>电话 13800138000</p></body></html>".into());
    let f = s.scan(&Exchange::new(&r));
    assert!(find(&f, id::CN_NAME_SIMPLIFIED, "body").is_some(), "{f:#?}");
    assert!(find(&f, id::CN_MOBILE, "body").is_some());
    let groups: std::collections::HashSet<u32> = f
        .iter()
        .filter(|x| x.field == "body")
        .map(|x| x.group)
        .collect();
    assert_eq!(groups.len(), 1, "one group per non-JSON body");

    // JSON serialised inside a JSON string is walked too
    r.response_headers = vec![("content-type".into(), "application/json".into())];
    r.response_body = Some(r#"{"payload":"{\"mobile\":\"13800138000\"}"}"#.into());
    let f = s.scan(&Exchange::new(&r));
    assert!(
        find(&f, id::CN_MOBILE, "json.payload.mobile").is_some(),
        "{f:#?}"
    );

    // broken JSON falls back to text
    r.response_body = Some(r#"{"mobile":"13800138000", oops"#.into());
    let f = s.scan(&Exchange::new(&r));
    assert!(find(&f, id::CN_MOBILE, "body").is_some(), "{f:#?}");
}

#[test]
fn aksk_pair_in_one_message() {
    let s = Scanner::builtin();
    let mut r = rec();
    r.response_body = Some(r#"{"AccessKeyId":"LTAI5tAbCdEfGhIjKlMnOpQr","AccessKeySecret":"AbCdEfGhIj0123456789KlMnOpQrSt"}"#.into());
    let f = s.scan(&Exchange::new(&r));
    assert!(f
        .iter()
        .any(|x| x.type_id == id::ALIYUN_AKSK_PAIR && x.direction == Direction::Response));
    // a lone secret-shaped value without an ID or a secret field is nothing
    r.response_body = Some(r#"{"state":"AbCdEfGhIj0123456789KlMnOpQrSt"}"#.into());
    let f = s.scan(&Exchange::new(&r));
    assert!(!f.iter().any(|x| x.type_id == id::ACCESSKEY_SECRET));
}

#[test]
fn custom_policy_against_a_sample_and_in_traffic() {
    let p = CustomPolicy {
        id: 100_100,
        name: "contract number".into(),
        regex: r"HT-\d{4}-\d{6}".into(),
        fields: vec!["contractNo".into()],
        keywords: vec![],
        level: engine::catalog::SensitivityLevel::S2,
        category: "business".into(),
    };
    let s = Scanner::new(std::slice::from_ref(&p)).expect("compiles");
    let hits = s.scan_text(Direction::Response, "json.contractNo", "HT-2024-000123");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].type_id, 100_100);
    let mut r = rec();
    r.response_body = Some(r#"{"contractNo":"HT-2024-000123","other":"HT-2024-000124"}"#.into());
    let f = s.scan(&Exchange::new(&r));
    assert_eq!(f.iter().filter(|x| x.type_id == 100_100).count(), 1);
    let err = Scanner::new(&[CustomPolicy {
        regex: "[".into(),
        ..p
    }])
    .unwrap_err();
    assert!(err.to_string().contains("contract number"));
}

#[test]
fn sealed_findings_hold_no_plaintext() {
    let r = rec();
    let raw = Scanner::builtin().scan(&Exchange::new(&r));
    let sealed = seal(raw.clone(), &ValueHasher::new(b"tenant"));
    assert_eq!(raw.len(), sealed.len());
    for (a, b) in raw.iter().zip(&sealed) {
        if a.value.chars().count() >= 6 {
            assert_ne!(a.value, b.masked, "{}", a.value);
            assert!(b.masked.contains('*'));
        }
    }
    let json = serde_json::to_string(&sealed).expect("serialises");
    for v in ["11010519491231002X", "13600136000", "li.si@example.com"] {
        assert!(!json.contains(v), "{v} leaked");
    }
}

#[test]
fn hostile_bodies_do_not_panic_and_stay_bounded() {
    let s = Scanner::builtin();
    let mut r = rec();
    let bodies = [
        "[".repeat(100_000),
        format!("{{\"a\":\"{}\"}}", "\\u".repeat(10_000)),
        "13800138000 ".repeat(20_000),
        format!("{{\"x\":\"{}\"}}", "\\ud800".repeat(1000)),
        "-----BEGIN CERTIFICATE-----".repeat(1000),
        "root:x:0:0:".repeat(5000),
        "\u{0}\u{ffff}<<<>>>&&&".repeat(1000),
        format!("<a>{}</a>", "<b>".repeat(10_000)),
    ];
    for b in bodies {
        r.response_body = Some(b.clone());
        r.response_headers = vec![("content-type".into(), "text/xml".into())];
        let f = s.scan(&Exchange::new(&r));
        assert!(f.len() <= engine::sensitive::MAX_FINDINGS_PER_EXCHANGE);
        r.response_headers = vec![];
        let _ = s.scan(&Exchange::new(&r));
    }
}

#[test]
fn xml_attributes_and_html_form_values() {
    let s = Scanner::builtin();
    let mut r = rec();
    r.request_body = None;
    r.response_headers = vec![("content-type".into(), "application/xml".into())];
    r.response_body = Some(
        r#"<?xml version="1.0"?><customers xmlns:x="urn:example"><customer id="7" realName="王芳" x:mobile='13800138000'/><customer id="8"><email>li.si@example.com</email></customer></customers>"#
            .into(),
    );
    let f = s.scan(&Exchange::new(&r));
    assert!(
        find(&f, id::CN_MOBILE, "xml.customers.customer.@mobile").is_some(),
        "{f:#?}"
    );
    assert!(find(
        &f,
        id::CN_NAME_SIMPLIFIED,
        "xml.customers.customer.@realName"
    )
    .is_some());
    // a self-closing element does not swallow the path of its next sibling
    assert!(
        find(&f, id::EMAIL, "xml.customers.customer.email").is_some(),
        "{f:#?}"
    );
    assert!(!f.iter().any(|x| x.field.contains("xmlns")));

    // an edit-profile page: the values sit in the inputs' attributes, not in the text
    r.response_headers = vec![("content-type".into(), "text/html; charset=utf-8".into())];
    r.response_body = Some(
        r#"<html><body><form method="post"><label>手机</label><input type="text" name="mobile" value="13800138000"><INPUT name='realName' value="王芳" disabled><input type="hidden" name="csrf" value="5d41402abc4b2a76b9719d911017c592"><input id="mail" value="li.si&#64;example.com"/></form></body></html>"#
            .into(),
    );
    let f = s.scan(&Exchange::new(&r));
    assert!(find(&f, id::CN_MOBILE, "html.mobile").is_some(), "{f:#?}");
    assert!(
        find(&f, id::CN_NAME_SIMPLIFIED, "html.realName").is_some(),
        "{f:#?}"
    );
    assert!(find(&f, id::EMAIL, "html.mail").is_some(), "{f:#?}");
    assert!(!f.iter().any(|x| x.field == "html.csrf"), "{f:#?}");
}
