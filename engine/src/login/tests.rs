use super::*;
use crate::record::Record;

fn rec(
    method: &str,
    path: &str,
    query: Option<&str>,
    body: &str,
    ct: &str,
    status: u16,
    resp: &str,
) -> Record {
    Record {
        time_ms: 0,
        host: "shop.example.com".into(),
        method: method.into(),
        path: path.into(),
        query: query.map(Into::into),
        scheme: Some("https".into()),
        client_ip: "203.0.113.9".parse().unwrap(),
        user_agent: None,
        status,
        request_headers: if ct.is_empty() {
            vec![]
        } else {
            vec![("content-type".into(), ct.into())]
        },
        request_body: (!body.is_empty()).then(|| body.to_string()),
        response_headers: vec![("content-type".into(), "application/json".into())],
        response_body: Some(resp.into()),
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

fn run(r: &Record, purposes: &[PurposeTag]) -> Option<CredentialAttempt> {
    interpret(&Exchange::new(r), purposes)
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

#[test]
fn json_login_success_with_token() {
    let r = rec(
        "POST",
        "/api/v1/auth/login",
        None,
        r#"{"username":"alice","password":"Tq7#mZ2vLx9!"}"#,
        JSON,
        200,
        r#"{"code":0,"msg":"ok","data":{"token":"eyJhbGciOiJSUzI1NiJ9.e30.sig","expires":3600}}"#,
    );
    let a = run(&r, &[]).expect("login");
    assert_eq!(a.username.as_deref(), Some("alice"));
    assert_eq!(a.password.as_deref(), Some("Tq7#mZ2vLx9!"));
    assert_eq!(a.outcome, Some(Outcome::Success));
    assert_eq!(a.failure, None);
    assert_eq!(a.kind, AttemptKind::Logon);
    assert!(!a.captcha);
}

#[test]
fn chinese_failure_messages() {
    let cases = [
        (
            r#"{"success":false,"msg":"用户不存在"}"#,
            FailureReason::UnknownUser,
        ),
        (
            r#"{"code":1001,"message":"密码错误"}"#,
            FailureReason::WrongPassword,
        ),
        (
            r#"{"code":500,"msg":"用户名或密码错误"}"#,
            FailureReason::BadCredentials,
        ),
        (r#"{"code":1,"msg":"验证码错误"}"#, FailureReason::WrongCode),
        (
            r#"{"errcode":40003,"errmsg":"账号已锁定，请30分钟后再试"}"#,
            FailureReason::Locked,
        ),
        (
            r#"{"code":1,"msg":"请输入验证码"}"#,
            FailureReason::CaptchaRequired,
        ),
    ];
    for (resp, reason) in cases {
        let r = rec(
            "POST",
            "/login",
            None,
            "username=bob&password=123456",
            FORM,
            200,
            resp,
        );
        let a = run(&r, &[]).expect(resp);
        assert_eq!(a.outcome, Some(Outcome::Failure), "{resp}");
        assert_eq!(a.failure, Some(reason), "{resp}");
    }
}

#[test]
fn english_failures_and_status() {
    let r = rec(
        "POST",
        "/signin",
        None,
        r#"{"email":"a@b.co","password":"x"}"#,
        JSON,
        401,
        r#"{"error":"invalid_grant","error_description":"Invalid username or password"}"#,
    );
    let a = run(&r, &[]).unwrap();
    assert_eq!(a.outcome, Some(Outcome::Failure));
    assert_eq!(a.failure, Some(FailureReason::BadCredentials));

    let r = rec(
        "POST",
        "/signin",
        None,
        r#"{"email":"a@b.co","password":"x"}"#,
        JSON,
        200,
        r#"{"ok":false,"error":"User not found"}"#,
    );
    assert_eq!(
        run(&r, &[]).unwrap().failure,
        Some(FailureReason::UnknownUser)
    );

    let r = rec(
        "POST",
        "/signin",
        None,
        r#"{"email":"a@b.co","password":"x"}"#,
        JSON,
        429,
        "Too Many Requests",
    );
    let a = run(&r, &[]).unwrap();
    assert_eq!(a.failure, Some(FailureReason::Locked));
}

#[test]
fn session_cookie_means_success() {
    let mut r = rec(
        "POST",
        "/j_security_check",
        None,
        "j_username=admin&j_password=admin",
        FORM,
        302,
        "",
    );
    r.response_headers = vec![
        ("location".into(), "/console/home".into()),
        (
            "set-cookie".into(),
            "JSESSIONID=8F3C0A9B1D2E4F5A6B7C8D9E0F1A2B3C; Path=/; HttpOnly".into(),
        ),
    ];
    let a = run(&r, &[]).unwrap();
    assert_eq!(a.outcome, Some(Outcome::Success));
    assert_eq!(a.username.as_deref(), Some("admin"));
    assert_eq!(a.password.as_deref(), Some("admin"));

    r.response_headers = vec![("location".into(), "/login?error=1".into())];
    assert_eq!(run(&r, &[]).unwrap().outcome, Some(Outcome::Failure));
}

#[test]
fn sms_code_logon_and_captcha() {
    let r = rec(
        "POST",
        "/api/login/sms",
        None,
        r#"{"mobile":"13800138000","smsCode":"482913"}"#,
        JSON,
        200,
        r#"{"code":0,"data":{"accessToken":"a8f5f167f44f4964e6c998dee827110c"}}"#,
    );
    let a = run(&r, &[]).unwrap();
    assert_eq!(a.code.as_deref(), Some("482913"));
    assert_eq!(a.password, None);
    assert_eq!(a.outcome, Some(Outcome::Success));

    let r = rec(
        "POST",
        "/login",
        None,
        "username=bob&password=Secret99&captcha=x7kq",
        FORM,
        200,
        r#"{"code":0}"#,
    );
    assert!(run(&r, &[]).unwrap().captcha);
}

#[test]
fn purposes_and_registration() {
    let tags = [PurposeTag {
        purpose: "user_registration".into(),
        kind: "account_password_based_registration".into(),
    }];
    let r = rec(
        "POST",
        "/api/users",
        None,
        r#"{"name":"x","pwd":"abc"}"#,
        JSON,
        200,
        r#"{"success":true}"#,
    );
    let a = run(&r, &tags).unwrap();
    assert_eq!(a.kind, AttemptKind::Registration);
    assert_eq!(a.password.as_deref(), Some("abc"));
    assert_eq!(a.outcome, Some(Outcome::Success));

    let logoff = [PurposeTag {
        purpose: "user_authentication".into(),
        kind: "logoff".into(),
    }];
    assert!(run(&r, &logoff).is_none());
}

#[test]
fn basic_auth() {
    let mut r = rec("GET", "/manager/html", None, "", "", 401, "");
    r.request_headers
        .push(("authorization".into(), "Basic dG9tY2F0OnRvbWNhdA==".into()));
    let a = run(&r, &[]).unwrap();
    assert!(a.basic_auth);
    assert_eq!(a.username.as_deref(), Some("tomcat"));
    assert_eq!(a.password.as_deref(), Some("tomcat"));
    assert_eq!(a.outcome, Some(Outcome::Failure));
}

#[test]
fn look_alikes_are_not_credential_exchanges() {
    // A profile update with an e-mail, a product search, a GET of a user.
    let r = rec(
        "POST",
        "/api/profile",
        None,
        r#"{"email":"a@b.co","nickname":"x"}"#,
        JSON,
        200,
        "{}",
    );
    assert!(run(&r, &[]).is_none());
    let r = rec(
        "GET",
        "/api/products",
        Some("code=A100&page=2"),
        "",
        "",
        200,
        "{}",
    );
    assert!(run(&r, &[]).is_none());
    let r = rec(
        "POST",
        "/api/orders",
        None,
        r#"{"code":"SPRING24","qty":2}"#,
        JSON,
        200,
        "{}",
    );
    assert!(run(&r, &[]).is_none());
    let r = rec(
        "GET",
        "/api/users/12",
        None,
        "",
        "",
        200,
        r#"{"username":"alice"}"#,
    );
    assert!(run(&r, &[]).is_none());
}
