use super::*;
use crate::discovery::operation;
use crate::record::Record;

fn rec(
    method: &str,
    path: &str,
    query: Option<&str>,
    body: Option<&str>,
    ct: Option<&str>,
) -> Record {
    let mut headers = vec![];
    if let Some(ct) = ct {
        headers.push(("content-type".to_string(), ct.to_string()));
    }
    Record {
        time_ms: 0,
        host: "api.example.com".into(),
        method: method.into(),
        path: path.into(),
        query: query.map(Into::into),
        scheme: None,
        client_ip: "10.0.0.1".parse().unwrap(),
        user_agent: None,
        status: 200,
        request_headers: headers,
        request_body: body.map(Into::into),
        response_headers: vec![],
        response_body: None,
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

/// Types of one request; `template` is the API path (ids already templated).
fn kinds(
    method: &str,
    template: &str,
    query: Option<&str>,
    body: Option<&str>,
    ct: Option<&str>,
) -> Vec<String> {
    let r = rec(method, template, query, body, ct);
    let ex = Exchange::new(&r);
    let op = operation::operation(&ex);
    let mut path = template.to_string();
    if let Some(o) = &op {
        path = format!("{path}#{}", o.name());
    }
    let api = ApiKey {
        host: r.host.clone(),
        method: method.into(),
        path,
    };
    let f = features(&ex, &api, op.as_ref());
    classify(&f).into_iter().map(|t| t.kind).collect()
}

/// (type, method, path template, query, body, content type).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const J: Option<&str> = Some("application/json");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

/// (type, method, path template, query, body, content type): a realistic request of that type.
const POSITIVES: &[Case] = &[
    (
        "account_password_based_logon",
        "POST",
        "/api/v1/auth/login",
        None,
        Some(r#"{"username":"alice","password":"S3cret!"}"#),
        J,
    ),
    (
        "account_password_based_logon",
        "POST",
        "/user/denglu.do",
        None,
        Some("zhanghao=zs&mima=123456"),
        FORM,
    ),
    (
        "mobile_verification_code_based_logon",
        "POST",
        "/api/login/sms",
        None,
        Some(r#"{"mobile":"13800138000","smsCode":"482913"}"#),
        J,
    ),
    (
        "email_verification_code_based_logon",
        "POST",
        "/passport/login/email",
        None,
        Some(r#"{"email":"a@b.com","code":"551208"}"#),
        J,
    ),
    (
        "wechat_logon",
        "POST",
        "/api/wx/login",
        None,
        Some(r#"{"code":"081xYz000abc","encryptedData":"..."}"#),
        J,
    ),
    (
        "alipay_logon",
        "GET",
        "/oauth/alipay/callback",
        Some("auth_code=4b203fe6c11548bcabd8da5bb087a83b&app_id=2021"),
        None,
        None,
    ),
    (
        "oauth_authentication",
        "GET",
        "/oauth/authorize",
        Some("response_type=code&client_id=abc&redirect_uri=https%3A%2F%2Fx"),
        None,
        None,
    ),
    (
        "oauth_authentication",
        "POST",
        "/token",
        None,
        Some("grant_type=authorization_code&code=xyz&client_id=abc"),
        FORM,
    ),
    (
        "oidc_authentication",
        "GET",
        "/.well-known/openid-configuration",
        None,
        None,
        None,
    ),
    (
        "oidc_authentication",
        "GET",
        "/connect/userinfo",
        None,
        None,
        None,
    ),
    (
        "saml_authentication",
        "POST",
        "/saml/acs",
        None,
        Some("SAMLResponse=PHNhbWxwOlJlc3BvbnNl&RelayState=x"),
        FORM,
    ),
    (
        "sso_authentication",
        "GET",
        "/cas/serviceValidate",
        Some("ticket=ST-1-abc&service=https%3A%2F%2Fapp"),
        None,
        None,
    ),
    (
        "sso_authentication",
        "GET",
        "/sso/login",
        Some("redirect=https%3A%2F%2Foa.corp"),
        None,
        None,
    ),
    (
        "logon",
        "POST",
        "/api/v1/auth/login",
        None,
        Some(r#"{"username":"alice","password":"S3cret!"}"#),
        J,
    ),
    (
        "logon",
        "GET",
        "/user/login",
        Some("username=theUser&password=12345"),
        None,
        None,
    ),
    ("logoff", "POST", "/api/v1/auth/logout", None, None, None),
    ("logoff", "GET", "/user/tuichu", None, None, None),
    (
        "password_reset",
        "POST",
        "/api/password/reset",
        None,
        Some(r#"{"token":"abc","newPassword":"N3w!pass"}"#),
        J,
    ),
    (
        "password_reset",
        "POST",
        "/user/forgotPassword",
        None,
        Some(r#"{"email":"a@b.com"}"#),
        J,
    ),
    (
        "account_password_based_registration",
        "POST",
        "/api/register",
        None,
        Some(r#"{"username":"bob","password":"Xy9$abcd","email":"bob@x.com"}"#),
        J,
    ),
    (
        "mobile_verification_code_based_registration",
        "POST",
        "/member/zhuce",
        None,
        Some("shouji=13900001111&yzm=7731"),
        FORM,
    ),
    (
        "email_verification_code_based_registration",
        "POST",
        "/api/v2/signup",
        None,
        Some(r#"{"email":"c@d.com","verifyCode":"900211"}"#),
        J,
    ),
    (
        "wechat_registration",
        "POST",
        "/api/register/wechat",
        None,
        Some(r#"{"unionid":"o6_bmasdasdsad6_2sgVt7hMZOPfL"}"#),
        J,
    ),
    (
        "alipay_registration",
        "POST",
        "/api/register/alipay",
        None,
        Some(r#"{"auth_code":"abc"}"#),
        J,
    ),
    (
        "registration_service",
        "POST",
        "/api/users/register",
        None,
        Some(r#"{"name":"x"}"#),
        J,
    ),
    (
        "database_query",
        "GET",
        "/api/v1/products/search",
        Some("q=phone&page=2"),
        None,
        None,
    ),
    (
        "database_query",
        "POST",
        "/data/chaxun",
        None,
        Some(r#"{"table":"t_user"}"#),
        J,
    ),
    (
        "data_upload",
        "POST",
        "/api/import/customers",
        None,
        Some("--x\r\nContent-Disposition: form-data; name=\"file\""),
        Some("multipart/form-data"),
    ),
    (
        "data_download",
        "GET",
        "/api/reports/{report_id}/download",
        None,
        None,
        None,
    ),
    (
        "data_addition",
        "POST",
        "/api/customer/add",
        None,
        Some(r#"{"name":"ACME"}"#),
        J,
    ),
    (
        "data_modification",
        "PATCH",
        "/api/v1/users/{user_id}",
        None,
        Some(r#"{"nickname":"z"}"#),
        J,
    ),
    (
        "data_modification",
        "POST",
        "/goods/xiugai",
        None,
        Some("id=3&price=9"),
        FORM,
    ),
    (
        "data_update",
        "PUT",
        "/pet",
        None,
        Some(r#"{"id":10,"name":"doggie"}"#),
        J,
    ),
    (
        "data_update",
        "POST",
        "/api/profile/update",
        None,
        Some(r#"{"city":"x"}"#),
        J,
    ),
    (
        "data_sharing",
        "POST",
        "/api/docs/{doc_id}/share",
        None,
        Some(r#"{"to":"bob"}"#),
        J,
    ),
    (
        "data_deletion",
        "DELETE",
        "/store/order/{order_id}",
        None,
        None,
        None,
    ),
    (
        "data_deletion",
        "POST",
        "/api/item/shanchu",
        None,
        Some("id=9"),
        FORM,
    ),
    (
        "data_synchronization",
        "POST",
        "/api/contacts/sync",
        None,
        Some(r#"{"since":"2024-01-01"}"#),
        J,
    ),
    (
        "data_submission",
        "POST",
        "/api/forms/{form_id}/submit",
        None,
        Some(r#"{"answers":[1,2]}"#),
        J,
    ),
    (
        "data_copy",
        "POST",
        "/api/projects/{project_id}/clone",
        None,
        None,
        None,
    ),
    (
        "data_auditing",
        "POST",
        "/api/expense/{expense_id}/approve",
        None,
        Some(r#"{"comment":"ok"}"#),
        J,
    ),
    (
        "data_auditing",
        "POST",
        "/oa/shenhe",
        None,
        Some("id=1&result=pass"),
        FORM,
    ),
    (
        "data_saving",
        "POST",
        "/api/draft/save",
        None,
        Some(r#"{"title":"t"}"#),
        J,
    ),
    (
        "data_check",
        "GET",
        "/api/username/check",
        Some("username=bob"),
        None,
        None,
    ),
    (
        "order_query",
        "GET",
        "/api/orders/{order_id}",
        None,
        None,
        None,
    ),
    (
        "order_query",
        "POST",
        "/dingdan/chaxun",
        None,
        Some("dingdanhao=20240101"),
        FORM,
    ),
    (
        "order_export",
        "GET",
        "/api/orders/export",
        Some("from=2024-01-01&to=2024-02-01"),
        None,
        None,
    ),
    (
        "order_update",
        "PUT",
        "/api/orders/{order_id}/status",
        None,
        Some(r#"{"status":"shipped"}"#),
        J,
    ),
    (
        "order_payment",
        "POST",
        "/api/orders/{order_id}/pay",
        None,
        Some(r#"{"payType":"alipay","amount":99.5}"#),
        J,
    ),
    (
        "order_payment",
        "POST",
        "/bookings/{booking_id}/payment",
        None,
        Some(r#"{"amount":49.99,"currency":"gbp"}"#),
        J,
    ),
    (
        "log_query",
        "GET",
        "/api/logs",
        Some("level=error&from=2024-01-01"),
        None,
        None,
    ),
    (
        "log_reporting",
        "POST",
        "/api/log/report",
        None,
        Some(r#"{"events":[{"t":1}]}"#),
        J,
    ),
    (
        "log_reporting",
        "POST",
        "/collect/beacon",
        None,
        Some("e=pv&u=/home"),
        FORM,
    ),
    (
        "log_export",
        "GET",
        "/admin/auditlog/export",
        None,
        None,
        None,
    ),
    (
        "log_service",
        "GET",
        "/api/logging/config",
        None,
        None,
        None,
    ),
    (
        "file_upload",
        "POST",
        "/api/file/upload",
        None,
        Some("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\""),
        Some("multipart/form-data; boundary=b"),
    ),
    (
        "file_upload",
        "POST",
        "/pet/{pet_id}/uploadImage",
        None,
        Some("binary"),
        Some("application/octet-stream"),
    ),
    (
        "file_download",
        "GET",
        "/api/files/{file_id}/download",
        None,
        None,
        None,
    ),
    (
        "file_download",
        "GET",
        "/common/download",
        Some("fileName=report.xlsx"),
        None,
        None,
    ),
    (
        "file_service",
        "GET",
        "/api/attachments/{attachment_id}",
        None,
        None,
        None,
    ),
    (
        "sms_message_sending",
        "POST",
        "/api/sms/send",
        None,
        Some(r#"{"mobile":"13800138000","type":"login"}"#),
        J,
    ),
    (
        "sms_message_sending",
        "POST",
        "/duanxin/fasong",
        None,
        Some("shouji=13800138000"),
        FORM,
    ),
    (
        "mail_sending",
        "POST",
        "/api/mail/send",
        None,
        Some(r#"{"to":"a@b.com","subject":"hi"}"#),
        J,
    ),
    (
        "information_sending",
        "POST",
        "/api/messages/send",
        None,
        Some(r#"{"to":"u1","text":"hi"}"#),
        J,
    ),
    (
        "information_sending",
        "POST",
        "/push/notify",
        None,
        Some(r#"{"device":"x"}"#),
        J,
    ),
    (
        "verification_code_verification",
        "POST",
        "/api/sms/verify",
        None,
        Some(r#"{"mobile":"13800138000","code":"123456"}"#),
        J,
    ),
    (
        "verification_code_verification",
        "POST",
        "/captcha/check",
        None,
        Some("captcha=ab12&token=x"),
        FORM,
    ),
    (
        "backend_management",
        "GET",
        "/admin/users",
        None,
        None,
        None,
    ),
    (
        "backend_management",
        "POST",
        "/houtai/guanli/user/list",
        None,
        None,
        None,
    ),
    (
        "data_dashboard",
        "GET",
        "/api/dashboard/summary",
        None,
        None,
        None,
    ),
    (
        "data_dashboard",
        "GET",
        "/bigscreen/tongji",
        None,
        None,
        None,
    ),
    (
        "monitoring_service",
        "GET",
        "/actuator/prometheus",
        None,
        None,
        None,
    ),
    (
        "monitoring_service",
        "GET",
        "/api/monitor/metrics",
        None,
        None,
        None,
    ),
    (
        "cancel",
        "POST",
        "/api/orders/{order_id}/cancel",
        None,
        None,
        None,
    ),
    (
        "start",
        "POST",
        "/api/jobs/{job_id}/start",
        None,
        None,
        None,
    ),
    (
        "batch_processing",
        "POST",
        "/api/users/batch",
        None,
        Some(r#"{"ids":[1,2,3]}"#),
        J,
    ),
    (
        "batch_processing",
        "POST",
        "/goods/piliang/shanchu",
        None,
        Some("ids=1,2"),
        FORM,
    ),
    (
        "pause",
        "POST",
        "/api/campaigns/{campaign_id}/pause",
        None,
        None,
        None,
    ),
    (
        "bind",
        "POST",
        "/api/account/bind/phone",
        None,
        Some(r#"{"phone":"13800138000","code":"1234"}"#),
        J,
    ),
    (
        "bind",
        "POST",
        "/user/bangding",
        None,
        Some("openid=x"),
        FORM,
    ),
    ("debugging", "GET", "/debug/pprof/heap", None, None, None),
    ("debugging", "GET", "/actuator/env", None, None, None),
    (
        "settings",
        "PUT",
        "/api/user/settings",
        None,
        Some(r#"{"lang":"zh"}"#),
        J,
    ),
    ("settings", "GET", "/sys/peizhi", None, None, None),
    (
        "close",
        "POST",
        "/api/tickets/{ticket_id}/close",
        None,
        None,
        None,
    ),
    (
        "close",
        "POST",
        "/api/instances/{instance_id}/stop",
        None,
        None,
        None,
    ),
    (
        "status_check",
        "GET",
        "/api/jobs/{job_id}/status",
        None,
        None,
        None,
    ),
    ("status_check", "GET", "/healthz", None, None, None),
    (
        "graphql",
        "POST",
        "/graphql",
        None,
        Some(r#"{"query":"query GetViewer { viewer { login } }"}"#),
        J,
    ),
    (
        "graphql",
        "POST",
        "/api/gql",
        None,
        Some(
            r#"{"operationName":"AddStar","query":"mutation AddStar { addStar(input:{}) { x } }","variables":{}}"#,
        ),
        J,
    ),
    (
        "sql_service",
        "POST",
        "/api/sql/execute",
        None,
        Some(r#"{"sql":"SELECT id, name FROM users WHERE id = 1"}"#),
        J,
    ),
    (
        "sql_service",
        "POST",
        "/report/run",
        None,
        Some(r#"{"query":"select count(*) from orders where day = ?"}"#),
        J,
    ),
    (
        "large_model_dialogue",
        "POST",
        "/v1/chat/completions",
        None,
        Some(r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#),
        J,
    ),
    (
        "large_model_dialogue",
        "POST",
        "/api/assistant",
        None,
        Some(
            r#"{"model":"qwen-max","messages":[{"role":"system","content":"x"},{"role":"user","content":"y"}],"temperature":0.2}"#,
        ),
        J,
    ),
    (
        "mcp_service",
        "POST",
        "/mcp",
        None,
        Some(
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"Paris"}}}"#,
        ),
        J,
    ),
    (
        "mcp_service",
        "POST",
        "/rpc",
        None,
        Some(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#),
        J,
    ),
];

#[test]
fn every_catalog_type_has_a_rule_and_a_test() {
    let cat = crate::catalog::catalog();
    let catalog_types: HashSet<&str> = cat
        .purposes
        .iter()
        .flat_map(|p| p.types.iter().map(|t| t.key.as_str()))
        .collect();
    let rule_types: HashSet<&str> = RULES.iter().map(|(k, _)| *k).collect();
    assert_eq!(catalog_types, rule_types, "catalog types and rules differ");
    assert_eq!(RULES.len(), 63);
    let tested: HashSet<&str> = POSITIVES.iter().map(|c| c.0).collect();
    for t in &catalog_types {
        assert!(tested.contains(t), "no positive test for {t}");
    }
}

#[test]
fn realistic_requests_get_their_type() {
    for (kind, method, path, q, body, ct) in POSITIVES {
        let got = kinds(method, path, *q, *body, *ct);
        assert!(
            got.iter().any(|k| k == kind),
            "{method} {path}: expected {kind}, got {got:?}"
        );
    }
}

#[test]
fn look_alikes_do_not_fire() {
    let cases: &[Case] = &[
        ("logon", "GET", "/api/v1/catalog", None, None, None),
        ("logon", "GET", "/blog/posts/login-tips", None, None, None),
        (
            "account_password_based_logon",
            "GET",
            "/blog/posts/login-tips",
            None,
            None,
            None,
        ),
        ("logon", "POST", "/api/v1/auth/logout", None, None, None),
        (
            "registration_service",
            "GET",
            "/docs/registration-guide",
            None,
            None,
            None,
        ),
        ("order_query", "GET", "/api/borders", None, None, None),
        (
            "log_service",
            "POST",
            "/api/login",
            None,
            Some(r#"{"username":"a","password":"b"}"#),
            J,
        ),
        (
            "large_model_dialogue",
            "POST",
            "/api/messages",
            None,
            Some(r#"{"to":"bob","content":"hi"}"#),
            J,
        ),
        (
            "mcp_service",
            "POST",
            "/rpc",
            None,
            Some(r#"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance"}"#),
            J,
        ),
        (
            "sql_service",
            "POST",
            "/api/search",
            None,
            Some(r#"{"query":"select your plan from the list"}"#),
            J,
        ),
        (
            "graphql",
            "POST",
            "/api/search",
            None,
            Some(r#"{"query":"red shoes"}"#),
            J,
        ),
        (
            "mobile_verification_code_based_logon",
            "POST",
            "/api/login",
            None,
            Some(r#"{"mobile":"13800138000","password":"x"}"#),
            J,
        ),
        (
            "wechat_logon",
            "POST",
            "/api/login",
            None,
            Some(r#"{"username":"a","password":"b"}"#),
            J,
        ),
        (
            "sms_message_sending",
            "POST",
            "/api/sms/verify",
            None,
            Some(r#"{"mobile":"1","code":"2"}"#),
            J,
        ),
        (
            "password_reset",
            "POST",
            "/api/login",
            None,
            Some(r#"{"username":"a","password":"b"}"#),
            J,
        ),
        ("data_deletion", "GET", "/api/products", None, None, None),
    ];
    for (kind, method, path, q, body, ct) in cases {
        let got = kinds(method, path, *q, *body, *ct);
        assert!(
            !got.iter().any(|k| k == kind),
            "{method} {path}: {kind} must not fire, got {got:?}"
        );
    }
}

#[test]
fn custom_policies_compile_and_match() {
    let p = CustomPurposePolicy {
        name: "coupon".into(),
        hosts: vec!["*.shop.example".into()],
        methods: vec!["POST".into()],
        path_regex: Some("^/api/coupons?/".into()),
        param_names: vec!["coupon_code".into()],
        purpose: "marketing".into(),
        kind: "coupon_redeem".into(),
    };
    let c = p.compile().expect("valid");
    let r = rec(
        "POST",
        "/api/coupon/redeem",
        None,
        Some(r#"{"coupon_code":"X"}"#),
        J,
    );
    let ex = Exchange::new(&r);
    let api = ApiKey {
        host: "m.shop.example".into(),
        method: "POST".into(),
        path: "/api/coupon/redeem".into(),
    };
    let f = features(&ex, &api, None);
    assert!(c.matches(&ex, &api, &f));
    let other = ApiKey {
        host: "shop.other".into(),
        ..api.clone()
    };
    assert!(!c.matches(&ex, &other, &f));

    let bad = CustomPurposePolicy {
        path_regex: Some("(".into()),
        ..p.clone()
    };
    assert!(matches!(
        bad.compile(),
        Err(PurposePolicyError::Regex { .. })
    ));
    let wrong = CustomPurposePolicy {
        purpose: "order_management".into(),
        kind: "logon".into(),
        ..p.clone()
    };
    assert!(matches!(
        wrong.compile(),
        Err(PurposePolicyError::WrongPurpose { .. })
    ));
    let empty = CustomPurposePolicy {
        hosts: vec![],
        methods: vec![],
        path_regex: None,
        param_names: vec![],
        ..p.clone()
    };
    assert!(matches!(
        empty.compile(),
        Err(PurposePolicyError::Empty { .. })
    ));
    let key = CustomPurposePolicy {
        kind: "Bad Key".into(),
        ..p
    };
    assert!(matches!(
        key.compile(),
        Err(PurposePolicyError::BadKey { .. })
    ));
}
