//! Data-protection risks: excessive types and volumes, inadequate masking, server information,
//! internal addresses, sensitive data in URLs, API documents, large-model keys.

#[path = "risk_support.rs"]
mod support;
use support::*;

fn person(e: Ex, i: usize) -> Ex {
    e.resp_finding(1002, "json.data[].name", &format!("张{i}"))
        .resp_finding(1004, "json.data[].mobile", &format!("1381234{i:04}"))
        .resp_finding(1005, "json.data[].email", &format!("user{i}@mail.example"))
}

// ---- excessive_sensitive_types ----

#[test]
fn many_sensitive_types_in_one_response() {
    let e = get("/api/v1/members/77")
        .authed()
        .resp_finding(1002, "json.data.name", "张伟")
        .resp_finding(1004, "json.data.mobile", "13812345678")
        .resp_finding(1000, "json.data.idCard", "110101199003071234")
        .resp_finding(1003, "json.data.address", "浙江省杭州市西湖区文三路90号")
        .resp_finding(1001, "json.data.bankCard", "6222021234567890123")
        .resp_finding(1005, "json.data.email", "zw@mail.example");
    let f = assert_risk(&[e], "excessive_sensitive_types");
    assert!(!f.evidence.contains("13812345678"));
}

#[test]
fn few_types_are_fine() {
    let e = get("/api/v1/members/77")
        .authed()
        .resp_finding(1002, "json.data.name", "张伟")
        .resp_finding(1004, "json.data.mobile", "13812345678")
        .resp_finding(1005, "json.data.email", "zw@mail.example")
        .resp_finding(2009, "json.data.created", "2024-01-02")
        .resp_finding(1011, "json.data.gender", "男")
        .resp_finding(1014, "json.data.city", "杭州");
    assert_no_risk(&[e], "excessive_sensitive_types");
}

// ---- excessive_sensitive_volume ----

#[test]
fn large_sensitive_volume_in_one_response() {
    // An export of 150 members in one response (no paging).
    let mut e = get("/api/v1/members/export").authed();
    for i in 0..150 {
        e = person(e, i);
    }
    assert_risk(&[e], "excessive_sensitive_volume");
    // An uncapped page size with sensitive rows.
    let items: Vec<String> = (0..500).map(|i| format!(r#"{{"id":{i}}}"#)).collect();
    let e = person(
        get("/api/v1/members")
            .authed()
            .query("pageSize=500")
            .resp(&format!(r#"{{"data":[{}]}}"#, items.join(","))),
        1,
    );
    assert_risk(&[e], "excessive_sensitive_volume");
}

#[test]
fn small_pages_are_fine() {
    let mut e = get("/api/v1/members").authed().query("page=1&size=10");
    for i in 0..10 {
        e = person(e, i);
    }
    assert_no_risk(&[e], "excessive_sensitive_volume");
    // A full back-office page: 100 customers with three sensitive fields each (300 values) is
    // still one bounded page.
    let mut e = get("/api/v1/merchant/customers")
        .authed()
        .query("page=3&page_size=100");
    for i in 0..100 {
        e = person(e, i);
    }
    assert_no_risk(&[e], "excessive_sensitive_volume");
}

// ---- inadequate_deidentification ----

#[test]
fn masked_and_plain_copies_of_one_value() {
    let e = get("/api/v1/orders/9001")
        .authed()
        .resp(r#"{"data":{"receiverPhone":"138****5678","receiver":{"phone":"13812345678"}}}"#)
        .resp_finding(1004, "json.data.receiver.phone", "13812345678");
    let f = assert_risk(&[e], "inadequate_deidentification");
    assert!(!f.evidence.contains("13812345678"), "{}", f.evidence);
    let id = get("/api/v1/users/5")
        .authed()
        .resp(r#"{"idNoMasked":"110***********123X","profile":{"idNo":"11010119900307123X"}}"#)
        .resp_finding(1000, "json.profile.idNo", "11010119900307123X");
    assert_risk(&[id], "inadequate_deidentification");
}

#[test]
fn consistent_masking_or_different_values_are_fine() {
    assert_no_risk(
        &[
            get("/api/v1/orders/9001")
                .authed()
                .resp(r#"{"data":{"receiverPhone":"138****5678","contact":"138****5678"}}"#),
            get("/api/v1/orders/9002")
                .authed()
                .resp(r#"{"data":{"buyerPhone":"138****5678","sellerPhone":"13998761234"}}"#)
                .resp_finding(1004, "json.data.sellerPhone", "13998761234"),
        ],
        "inadequate_deidentification",
    );
}

// ---- server_info_leak ----

#[test]
fn server_internals_in_responses() {
    for e in [
        get("/debug/info").resp_html("<html><head><title>phpinfo()</title></head><body><h1 class=\"p\">PHP Version 7.4.3</h1>"),
        get("/actuator/env").resp(r#"{"activeProfiles":["prod"],"propertySources":[{"name":"systemEnvironment","properties":{"JAVA_HOME":{"value":"/usr/lib/jvm"}}}]}"#),
        get("/api/v1/missing").status(404).resp_html("<html><body><center><h1>404 Not Found</h1></center><hr><center>nginx/1.18.0 (Ubuntu)</center></body></html>"),
        get("/api/v1/download").resp_html("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"),
        get("/api/v1/report").status(500).resp(r#"{"error":"include(/var/www/html/app/config/db.php): failed to open stream"}"#),
        // A link first, then a real server path.
        get("/api/v1/export").status(500).resp_html(r#"<script src="/app/assets/main.js"></script><p>cannot open /var/www/shop/storage/export.log</p>"#),
    ] {
        assert_risk(&[e], "server_info_leak");
    }
}

#[test]
fn ordinary_pages_are_not_server_info() {
    assert_no_risk(
        &[
            get("/api/v1/missing").status(404).resp_html("<html><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>"),
            get("/api/v1/files").authed().resp(r#"{"data":[{"name":"a.pdf","url":"https://cdn.shop.example/opt/a.pdf"}]}"#),
            get("/api/v1/articles/3").resp(r#"{"title":"How to configure PATH on Linux","body":"Set PATH=/usr/bin in your profile"}"#),
            // URL paths of web assets share the shape of server paths.
            get("/app/index").resp_html(r#"<html><head><link rel="preload" href="/app/assets/vendor.js"><script src="/app/assets/main.js"></script></head><body style="background:url(/home/img/bg.js)"></body></html>"#),
            get("/api/v1/manifest").resp(r#"{"entry":{"url":"/home/js/site.js","src": "/app/static/chunk-1.js"}}"#),
        ],
        "server_info_leak",
    );
}

// ---- internal_ip_leak ----

#[test]
fn internal_addresses_in_responses() {
    let e = get("/api/v1/orders")
        .status(502)
        .resp(r#"{"error":"upstream 10.12.3.45:8080 connect timeout"}"#);
    let f = assert_risk(&[e], "internal_ip_leak");
    assert!(f.evidence.contains("10.12.3.45"), "{}", f.evidence);
    assert_risk(
        &[get("/api/v1/health").resp_header("x-backend-server", "192.168.10.21")],
        "internal_ip_leak",
    );
}

#[test]
fn public_addresses_versions_and_own_address_are_fine() {
    assert_no_risk(
        &[
            get("/api/v1/ip")
                .ip("10.8.0.14")
                .resp(r#"{"ip":"10.8.0.14"}"#),
            get("/api/v1/about").resp(r#"{"version":"10.2.0.15-beta","dns":"8.8.8.8"}"#),
            get("/api/v1/cdn").resp(r#"{"edge":"203.0.113.5","pop":"sha"}"#),
        ],
        "internal_ip_leak",
    );
}

// ---- sensitive_data_in_url ----

#[test]
fn high_sensitivity_values_in_url() {
    let e = get("/api/v1/query")
        .query("idCard=110101199003071234&name=x")
        .req_finding(1000, "query.idCard", "110101199003071234");
    let f = assert_risk(&[e], "sensitive_data_in_url");
    assert!(!f.evidence.contains("110101199003071234"), "{}", f.evidence);
    assert_no_risk(
        &[
            post("/api/v1/query")
                .json(r#"{"idCard":"110101199003071234"}"#)
                .req_finding(1000, "json.idCard", "110101199003071234"),
            get("/api/v1/query").query("email=a@b.example").req_finding(
                1005,
                "query.email",
                "a@b.example",
            ),
        ],
        "sensitive_data_in_url",
    );
}

// ---- openapi_doc_leak ----

#[test]
fn api_documents_served() {
    assert_risk(
        &[get("/v2/api-docs").resp(r#"{"swagger":"2.0","info":{"title":"shop","version":"1"},"paths":{"/api/v1/users":{"get":{}}}}"#)],
        "openapi_doc_leak",
    );
    assert_risk(
        &[get("/openapi.yaml").resp_html(
            "openapi: 3.0.1\ninfo:\n  title: shop\npaths:\n  /api/v1/users:\n    get: {}\n",
        )],
        "openapi_doc_leak",
    );
    assert_risk(
        &[get("/swagger-resources").resp(r#"[{"name":"default","url":"/v2/api-docs","swaggerVersion":"2.0","location":"/v2/api-docs"}]"#)],
        "openapi_doc_leak",
    );
    assert_risk(
        &[get("/swagger-ui/index.html").resp_html(
            "<html><head><title>Swagger UI</title><script src=\"./swagger-ui-bundle.js\"></script>",
        )],
        "openapi_doc_leak",
    );
}

#[test]
fn documents_refused_or_other_json_are_fine() {
    assert_no_risk(
        &[
            get("/v2/api-docs")
                .status(401)
                .resp(r#"{"swagger":"2.0","paths":{}}"#),
            get("/api/v1/config").resp(r#"{"openapi":false,"paths":["/a"]}"#),
            get("/api/v1/docs")
                .resp(r#"{"title":"OpenAPI guide","content":"swagger: 2.0 explained"}"#),
        ],
        "openapi_doc_leak",
    );
}

// ---- llm_api_key_leak ----

#[test]
fn llm_key_to_unauthenticated_caller() {
    let e = get("/api/v1/chat/config")
        .resp(r#"{"model":"gpt-4o","apiKey":"sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"}"#)
        .resp_finding(
            4401,
            "json.apiKey",
            "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
        );
    let f = assert_risk(&[e], "llm_api_key_leak");
    assert!(!f.evidence.contains("Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"));
    // Without a scanner finding, from the key shape.
    assert_risk(
        &[get("/api/v1/ai/settings").resp(r#"{"hf":"hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh"}"#)],
        "llm_api_key_leak",
    );
}

#[test]
fn llm_key_for_authenticated_admin_or_no_key_is_fine() {
    assert_no_risk(
        &[
            get("/api/v1/chat/config")
                .authed()
                .resp(r#"{"apiKey":"sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"}"#)
                .resp_finding(
                    4401,
                    "json.apiKey",
                    "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
                ),
            get("/api/v1/chat/config").resp(r#"{"model":"gpt-4o","sku":"sk-basic"}"#),
        ],
        "llm_api_key_leak",
    );
}
