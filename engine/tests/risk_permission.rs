//! Permission-management risks: guessable credentials, unauthenticated sensitive and internal
//! APIs, credentials in URLs, AccessKey pairs and STS tokens.

#[path = "risk_support.rs"]
mod support;
use engine::facts::{ApiSensitivity, ServiceObject};
use support::*;

// ---- weak_credential_randomness ----

#[test]
fn short_numeric_or_encoded_session_credentials() {
    assert_risk(
        &[get("/api/v1/cart").cookie("sessionid=100234; lang=zh")],
        "weak_credential_randomness",
    );
    assert_risk(
        &[get("/api/v1/cart").header("authorization", "Bearer dXNlcjoxMDA4NjoxNzcyNDQyMDAw")],
        "weak_credential_randomness",
    );
    assert_risk(
        &[post("/api/v1/auth/login")
            .json(r#"{"username":"li.wei","password":"Tq7#mZ2vLx9!"}"#)
            .resp(r#"{"code":0,"data":{"token":"u10086t1"}}"#)],
        "weak_credential_randomness",
    );
    assert_risk(
        &[get("/api/v1/cart").cookie("auth_token=aaaaaaaabbbbbbbbaaaaaaaabbbbbbbb")],
        "weak_credential_randomness",
    );
}

#[test]
fn random_session_credentials_are_fine() {
    assert_no_risk(
        &[
            get("/api/v1/cart")
                .cookie("JSESSIONID=8F3C0A9B1D2E4F5A6B7C8D9E0F1A2B3C; sidebar=collapsed; lang=zh"),
            get("/api/v1/cart").header("authorization", "Bearer 3q2+7w8Hc9ZkR1vLpT6yXnB4mUe0sJdA"),
            get("/api/v1/cart").cookie("connect.sid=s%3AhZ0oE5x3vQ8kR2nL7bT1yW4cF6gJ9mPa.Qx7Vb2"),
            get("/api/v1/cart").cookie("remember_me=true; csrftoken=abc"),
            get("/api/v1/cart").cookie("session_expiry=1772442000; token_type=bearer; sidebar=1"),
        ],
        "weak_credential_randomness",
    );
}

// ---- unauthenticated_sensitive_api ----

fn customer_lookup() -> Ex {
    get("/api/v1/customers/1024")
        .resp(r#"{"code":0,"data":{"name":"张伟","mobile":"13812345678","idCard":"110101199003071234"}}"#)
        .resp_finding(1002, "json.data.name", "张伟")
        .resp_finding(1004, "json.data.mobile", "13812345678")
        .resp_finding(1000, "json.data.idCard", "110101199003071234")
}

#[test]
fn sensitive_data_without_credentials() {
    let f = assert_risk(&[customer_lookup()], "unauthenticated_sensitive_api");
    assert!(
        !f.evidence.contains("13812345678") && !f.evidence.contains("110101199003071234"),
        "{}",
        f.evidence
    );
}

#[test]
fn authenticated_or_echoed_or_logon_is_fine() {
    assert_no_risk(
        &[customer_lookup().authed()],
        "unauthenticated_sensitive_api",
    );
    // The API is authenticated overall (discovery says so).
    assert_no_risk_with(
        &[customer_lookup()],
        &Attrs {
            authenticated: true,
            sensitivity: ApiSensitivity::High,
            ..Default::default()
        },
        "unauthenticated_sensitive_api",
    );
    // The caller's own number echoed back by a code-sending API.
    assert_no_risk(
        &[post("/api/v1/sms/send")
            .json(r#"{"mobile":"13812345678"}"#)
            .req_finding(1004, "json.mobile", "13812345678")
            .resp(r#"{"code":0,"data":{"mobile":"13812345678"}}"#)
            .resp_finding(1004, "json.data.mobile", "13812345678")],
        "unauthenticated_sensitive_api",
    );
    // A logon answering the user's own profile.
    assert_no_risk(
        &[post("/api/v1/auth/login")
            .json(r#"{"username":"li.wei","password":"Tq7#mZ2vLx9!"}"#)
            .resp(r#"{"code":0,"data":{"token":"8b1a9953c4611296a827abf8c47804d7","mobile":"13812345678"}}"#)
            .resp_finding(1004, "json.data.mobile", "13812345678")],
        "unauthenticated_sensitive_api",
    );
    // Low-sensitivity data only (S1 city, a few S2 e-mails).
    assert_no_risk(
        &[get("/api/v1/stores")
            .resp(r#"{"data":[{"city":"杭州","email":"store1@shop.example"}]}"#)
            .resp_finding(1014, "json.data[].city", "杭州")
            .resp_finding(1005, "json.data[].email", "store1@shop.example")],
        "unauthenticated_sensitive_api",
    );
}

// ---- unauthenticated_internal_api ----

#[test]
fn internal_api_without_credentials() {
    let attrs = Attrs {
        service_object: ServiceObject::InternalOffice,
        ..Default::default()
    };
    let exs = [get("/api/oa/approvals")
        .ip("10.2.3.4")
        .resp(r#"{"data":[{"id":1,"title":"采购申请"}]}"#)];
    let f = analyze_with(&exs, &attrs);
    finding(&f, "unauthenticated_internal_api");
    // Same API with sessions: fine. Public API without credentials: not this risk.
    assert_no_risk_with(
        &[get("/api/oa/approvals")
            .ip("10.2.3.4")
            .cookie("JSESSIONID=8F3C0A9B1D2E4F5A6B7C8D9E0F1A2B3C")],
        &attrs,
        "unauthenticated_internal_api",
    );
    assert_no_risk(&exs, "unauthenticated_internal_api");
    // Probes and the logon page of an internal application must answer without credentials.
    assert_no_risk_with(
        &[
            get("/healthz").ip("10.0.0.2").resp(r#"{"status":"UP"}"#),
            get("/admin/login")
                .ip("10.2.3.4")
                .resp_html("<form method=post><input name=username>"),
        ],
        &attrs,
        "unauthenticated_internal_api",
    );
}

// ---- credential_in_url ----

#[test]
fn credentials_in_query() {
    for q in [
        "access_token=ya29.a0AfH6SMBx7Kq3Lz9Tn2Vb",
        "api_key=4f9c2b7e8d1a6f3c5e0b9d2a7c4e1f8b",
        "token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "X-Amz-Signature=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08&X-Amz-Expires=300",
    ] {
        let f = assert_risk(&[get("/api/v1/report").query(q)], "credential_in_url");
        assert!(!f.evidence.contains("4f9c2b7e8d1a6f3c5e0b9d2a7c4e1f8b"), "{}", f.evidence);
    }
    assert_risk(
        &[get("/app/home;jsessionid=8F3C0A9B1D2E4F5A")],
        "credential_in_url",
    );
}

#[test]
fn ordinary_query_parameters_are_not_credentials() {
    assert_no_risk(
        &[
            get("/api/v1/search").query("key=winter+coat&page=2"),
            get("/oauth/callback").query("code=4%2F0AX4XfWh&state=af0ifjsldkj"),
            get("/api/v1/report").query("token=&type=daily"),
            get("/api/v1/items").query("sort=price&token_type=bearer"),
        ],
        "credential_in_url",
    );
}

// ---- accesskey_pair_leak ----

#[test]
fn access_key_pair_in_response() {
    let e = get("/api/v1/upload/config")
        .authed()
        .resp(r#"{"endpoint":"oss-cn-hangzhou.aliyuncs.com","accessKeyId":"LTAI5tKq7Vb2Lz9Tn3Xc8Pw1","accessKeySecret":"Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi"}"#)
        .resp_finding(2005, "json.accessKeyId", "LTAI5tKq7Vb2Lz9Tn3Xc8Pw1")
        .resp_finding(2006, "json.accessKeySecret", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi");
    let f = assert_risk(&[e], "accesskey_pair_leak");
    assert!(!f.evidence.contains("LTAI5tKq7Vb2Lz9Tn3Xc8Pw1"));
    // Without scanner findings, from the field names (AWS style).
    let aws = get("/api/v1/debug/config").authed().resp(
        r#"{"aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"}"#,
    );
    assert_risk(&[aws], "accesskey_pair_leak");
}

#[test]
fn key_id_alone_or_sts_credentials_are_not_a_pair_leak() {
    assert_no_risk(
        &[
            get("/api/v1/upload/policy")
                .authed()
                .resp(r#"{"accessKeyId":"LTAI5tKq7Vb2Lz9Tn3Xc8Pw1","policy":"eyJleHBpcmF0aW9uIjoi","signature":"aGVsbG8="}"#)
                .resp_finding(2005, "json.accessKeyId", "LTAI5tKq7Vb2Lz9Tn3Xc8Pw1"),
            get("/api/v1/sts").authed().resp(
                r#"{"AccessKeyId":"STS.NUgYrLnoC37mZZCNnAbez2Tmp","AccessKeySecret":"3vTkqPbG8yJfTq2Lz9Tn3Xc8Pw1aBcD","SecurityToken":"CAIS8gF1q6Ft5B2yfSjIr5bTAI=="}"#,
            ),
        ],
        "accesskey_pair_leak",
    );
}

// ---- unauthenticated_sts_token ----

const STS: &str = r#"{"Credentials":{"AccessKeyId":"STS.NUgYrLnoC37mZZCNnAbez2Tmp","AccessKeySecret":"3vTkqPbG8yJfTq2Lz9Tn3Xc8Pw1aBcD","SecurityToken":"CAIS8gF1q6Ft5B2yfSjIr5bTAIHb2Lp3jvE","Expiration":"2026-03-02T10:00:00Z"}}"#;

#[test]
fn sts_token_without_authentication() {
    let f = assert_risk(
        &[get("/api/v1/oss/sts").resp(STS)],
        "unauthenticated_sts_token",
    );
    assert!(
        !f.evidence.contains("STS.NUgYrLnoC37mZZCNnAbez2Tmp"),
        "{}",
        f.evidence
    );
    let aws = get("/api/v1/aws/credentials").resp(
        r#"{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","SessionToken":"IQoJb3JpZ2luX2VjEJr"}"#,
    );
    assert_risk(&[aws], "unauthenticated_sts_token");
}

#[test]
fn sts_token_for_authenticated_users_is_fine() {
    assert_no_risk(
        &[
            get("/api/v1/oss/sts").authed().resp(STS),
            get("/api/v1/oss/sts")
                .resp(r#"{"code":401,"msg":"login required"}"#)
                .status(401),
        ],
        "unauthenticated_sts_token",
    );
}
