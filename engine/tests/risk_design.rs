//! API-design risks: traversable identifiers, page sizes, SQL and commands in parameters, file
//! paths, SMS/e-mail sending and code leaks, exception leaks.

#[path = "risk_support.rs"]
mod support;
use support::*;

// ---- traversable_parameter ----

#[test]
fn sequential_ids_walked_by_one_client() {
    let exs: Vec<Ex> = (1000..1030)
        .map(|i| {
            get(&format!("/api/v1/orders/{i}"))
                .authed()
                .ip("198.51.100.3")
                .at(T0 + (i - 1000) * 2_000)
        })
        .collect();
    let f = assert_risk(&exs, "traversable_parameter");
    assert!(f.evidence.contains("path.id"), "{}", f.evidence);
    let q: Vec<Ex> = (1..=15)
        .map(|i| {
            get("/api/v1/invoice")
                .authed()
                .query(&format!("invoiceId={i}"))
                .at(T0 + i * 1_000)
        })
        .collect();
    assert_risk(&q, "traversable_parameter");
}

#[test]
fn scattered_ids_pages_or_refusals_are_not_traversal() {
    // Many users each opening their own order.
    let own: Vec<Ex> = (0..30)
        .map(|i| {
            get(&format!("/api/v1/orders/{}", 100_000 + i * 7919))
                .authed()
                .ip(&format!("203.0.113.{}", i + 1))
        })
        .collect();
    assert_no_risk(&own, "traversable_parameter");
    // One client paging through a list.
    let pages: Vec<Ex> = (1..=30)
        .map(|p| get("/api/v1/products").query(&format!("page={p}&size=20")))
        .collect();
    assert_no_risk(&pages, "traversable_parameter");
    // Walking, but every attempt refused.
    let refused: Vec<Ex> = (1000..1030)
        .map(|i| get(&format!("/api/v1/orders/{i}")).authed().status(403))
        .collect();
    assert_no_risk(&refused, "traversable_parameter");
    // UUIDs.
    let uuids: Vec<Ex> = (0..30)
        .map(|i| get(&format!("/api/v1/docs/7f9c2b7e-8d1a-4f3c-9e0b-{i:012}")).authed())
        .collect();
    assert_no_risk(&uuids, "traversable_parameter");
}

// ---- modifiable_result_size ----

fn list(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":{i},"sku":"A{i}"}}"#))
        .collect();
    format!(
        r#"{{"code":0,"data":{{"total":5000,"list":[{}]}}}}"#,
        items.join(",")
    )
}

#[test]
fn large_page_size_honoured() {
    let f = assert_risk(
        &[get("/api/v1/products")
            .query("page=1&pageSize=1000")
            .resp(&list(1000))],
        "modifiable_result_size",
    );
    assert!(f.evidence.contains("pageSize=1000"));
    assert_risk(
        &[post("/api/v1/products/search")
            .json(r#"{"limit":500}"#)
            .resp(&list(500))],
        "modifiable_result_size",
    );
}

#[test]
fn capped_or_small_pages_are_fine() {
    assert_no_risk(
        &[
            get("/api/v1/products")
                .query("page=1&pageSize=1000")
                .resp(&list(100)),
            get("/api/v1/products")
                .query("page=1&pageSize=20")
                .resp(&list(20)),
            get("/api/v1/products")
                .query("pageSize=300")
                .resp(&list(37)),
        ],
        "modifiable_result_size",
    );
}

// ---- database_query_parameter ----

#[test]
fn sql_statement_in_parameter() {
    let e = post("/api/v1/report/run")
        .authed()
        .json(r#"{"sql":"SELECT id, mobile, id_card FROM t_customer WHERE city = 'hz'"}"#);
    assert_risk(&[e], "database_query_parameter");
    assert_risk(
        &[get("/api/data/query").query("q=select+*+from+orders+limit+100")],
        "database_query_parameter",
    );
}

#[test]
fn injection_payloads_and_prose_are_not_sql_apis() {
    assert_no_risk(
        &[
            get("/api/v1/items").query("id=1%27+or+%271%27%3D%271"),
            get("/api/v1/search").query("q=how+to+select+a+good+sofa+from+the+catalog"),
            post("/api/data/query")
                .json(r#"{"sql":"SELECT * FROM users"}"#)
                .status(403),
        ],
        "database_query_parameter",
    );
}

// ---- command_execution_parameter ----

#[test]
fn command_in_parameter() {
    assert_risk(
        &[post("/api/ops/diagnose")
            .authed()
            .form("cmd=ping+-c+4+10.0.0.12")],
        "command_execution_parameter",
    );
    assert_risk(
        &[post("/api/ops/exec")
            .authed()
            .json(r#"{"command":"cat /etc/hosts | grep db"}"#)],
        "command_execution_parameter",
    );
}

#[test]
fn words_and_injections_are_not_command_apis() {
    assert_no_risk(
        &[
            get("/api/v1/search").query("q=cat+toys"),
            get("/api/v1/pets").query("type=cat&id=12"),
            get("/api/v1/host").query("ip=127.0.0.1%3Bcat+%2Fetc%2Fpasswd"),
        ],
        "command_execution_parameter",
    );
}

// ---- specified_file_download ----

#[test]
fn file_path_in_download_parameter() {
    let f = assert_risk(
        &[get("/api/file/download")
            .query("filePath=%2Fdata%2Fexports%2Fcustomers.csv")
            .resp_html("id,name\n1,x")],
        "specified_file_download",
    );
    assert!(f.evidence.contains("filePath"));
    assert_risk(
        &[get("/common/download")
            .query("fileName=..%2F..%2FWEB-INF%2Fweb.xml")
            .resp_header("content-disposition", "attachment; filename=web.xml")],
        "specified_file_download",
    );
}

#[test]
fn download_by_id_or_plain_name_is_fine() {
    assert_no_risk(
        &[
            get("/api/file/download").query("fileId=8842"),
            get("/api/file/download").query("name=invoice-2024-03.pdf"),
            get("/api/v1/profile").query("path=%2Fsettings%2Fprivacy"),
            get("/api/file/download")
                .query("filePath=%2Fetc%2Fpasswd")
                .status(403),
        ],
        "specified_file_download",
    );
}

// ---- arbitrary_sms_sending / arbitrary_email_sending ----

#[test]
fn sms_api_with_number_and_free_text() {
    let e = post("/api/sms/send").json(
        r#"{"phone":"13812345678","content":"【商城】您的订单已发货，点击 http://x.cn 查看"}"#,
    );
    let f = assert_risk(&[e], "arbitrary_sms_sending");
    assert!(!f.evidence.contains("13812345678"));
}

#[test]
fn templated_sms_is_fine() {
    assert_no_risk(
        &[
            post("/api/sms/send").json(
                r#"{"phone":"13812345678","templateId":"SMS_228300","params":{"code":"4821"}}"#,
            ),
            post("/api/feedback")
                .json(r#"{"phone":"13812345678","content":"App crashes when I pay, please help"}"#),
        ],
        "arbitrary_sms_sending",
    );
}

#[test]
fn mail_api_with_recipient_and_body() {
    let e = post("/api/mail/send").form("to=victim%40example.org&subject=Account+notice&body=Please+verify+your+account+at+http%3A%2F%2Fevil.example");
    assert_risk(&[e], "arbitrary_email_sending");
    assert_no_risk(
        &[
            post("/api/contact")
                .json(r#"{"email":"me@example.org","message":"Hello, I have a question."}"#),
            post("/api/mail/send").json(r#"{"to":"me@example.org","template":"welcome"}"#),
        ],
        "arbitrary_email_sending",
    );
}

// ---- sms_code_leak / email_code_leak ----

#[test]
fn code_returned_by_sending_api() {
    let sms = post("/api/v1/sms/code")
        .json(r#"{"mobile":"13812345678","scene":"login"}"#)
        .resp(r#"{"code":0,"msg":"发送成功","data":{"smsCode":"482913","expire":300}}"#);
    let f = assert_risk(&[sms], "sms_code_leak");
    assert!(!f.evidence.contains("482913"), "{}", f.evidence);
    let text = post("/api/v1/captcha/send")
        .form("phone=13812345678")
        .resp(r#"{"success":true,"message":"验证码为482913，5分钟内有效"}"#);
    assert_risk(&[text], "sms_code_leak");
    let mail = post("/api/v1/email/verify-code")
        .json(r#"{"email":"li@mail.example"}"#)
        .resp(r#"{"code":200,"data":{"code":"73K9Q2"}}"#);
    assert_risk(std::slice::from_ref(&mail), "email_code_leak");
    assert_no_risk(&[mail], "sms_code_leak");
}

#[test]
fn sending_api_without_code_or_verify_echo_is_fine() {
    let exs = [
        post("/api/v1/sms/code")
            .json(r#"{"mobile":"13812345678"}"#)
            .resp(r#"{"code":0,"msg":"发送成功","data":{"requestId":"a1b2c3","expire":300}}"#),
        post("/api/v1/sms/verify")
            .json(r#"{"mobile":"13812345678","smsCode":"482913"}"#)
            .resp(r#"{"code":0,"data":{"smsCode":"482913","valid":true}}"#),
        post("/api/v1/email/verify-code")
            .json(r#"{"email":"li@mail.example"}"#)
            .resp(r#"{"code":10000,"msg":"sent"}"#),
    ];
    assert_no_risk(&exs, "sms_code_leak");
    assert_no_risk(&exs, "email_code_leak");
}

// ---- app_exception_leak / db_exception_leak ----

#[test]
fn stack_traces_in_responses() {
    for body in [
        "java.lang.NullPointerException\n\tat com.shop.order.OrderService.detail(OrderService.java:142)\n\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
        "Traceback (most recent call last):\n  File \"/srv/app/api/views.py\", line 88, in order_detail\n    order = Order.objects.get(pk=pk)\n",
        "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 42 [running]:\nmain.handler(...)",
        "System.InvalidOperationException: Sequence contains no elements\n   at Shop.Api.OrderController.Get(Int32 id) in D:\\build\\Shop.Api\\OrderController.cs:line 51",
        "<br />\n<b>Fatal error</b>:  Uncaught PDOException: could not find driver in /var/www/html/db.php:8\nStack trace:\n#0 /var/www/html/db.php(8): PDO->__construct()",
        "TypeError: Cannot read properties of undefined (reading 'price')\n    at calcTotal (/usr/src/app/services/cart.js:41:23)\n    at Layer.handle (/usr/src/app/node_modules/express/lib/router/layer.js:95:5)",
    ] {
        assert_risk(&[get("/api/v1/orders/7").status(500).resp_html(body)], "app_exception_leak");
    }
}

#[test]
fn database_errors_in_responses() {
    for body in [
        "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''7''' at line 1",
        "org.postgresql.util.PSQLException: ERROR: column \"pricee\" does not exist",
        "ORA-01756: quoted string not properly terminated",
        "Microsoft OLE DB Provider for SQL Server error '80040e14' Unclosed quotation mark after the character string ''.",
        "sqlite3.OperationalError: near \"FROM\": syntax error",
    ] {
        assert_risk(&[get("/api/v1/items").query("id=7%27").status(500).resp_html(body)], "db_exception_leak");
    }
}

#[test]
fn generic_errors_are_not_exception_leaks() {
    let exs = [
        get("/api/v1/orders/7").status(500).resp(r#"{"code":500,"msg":"系统繁忙，请稍后再试","traceId":"7f9c2b7e8d1a"}"#),
        get("/api/v1/orders/8").status(404).resp(r#"{"error":"Not Found","message":"order 8 does not exist"}"#),
        get("/api/v1/blog/12").resp(r#"{"title":"Handling SQL syntax errors in Java","body":"Exceptions are part of life."}"#),
    ];
    assert_no_risk(&exs, "app_exception_leak");
    assert_no_risk(&exs, "db_exception_leak");
}
