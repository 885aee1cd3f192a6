//! Logon risks through the login interpreter: weak and default passwords, unrestricted logon,
//! failure prompts that enumerate accounts.

#[path = "risk_support.rs"]
mod support;
use engine::facts::ServiceObject;
use support::*;

fn login(user: &str, pw: &str, resp: &str) -> Ex {
    post("/api/v1/auth/login")
        .json(&format!(r#"{{"username":"{user}","password":"{pw}"}}"#))
        .resp(resp)
}

const OK: &str = r#"{"code":0,"msg":"success","data":{"token":"8b1a9953c4611296a827abf8c47804d7","expiresIn":7200}}"#;
const FAIL: &str = r#"{"code":1001,"msg":"用户名或密码错误"}"#;

// ---- weak_password_allowed / internal_weak_password ----

#[test]
fn successful_logon_with_weak_password() {
    let f = assert_risk(&[login("li.wei", "123456", OK)], "weak_password_allowed");
    assert!(!f.evidence.contains("123456"), "{}", f.evidence);
    // Dictionary-shaped but policy-compliant: zxcvbn catches it.
    assert_risk(
        &[login("li.wei", "Password1!", OK)],
        "weak_password_allowed",
    );
    // Form logon with a session cookie.
    let form = post("/login")
        .form("account=li.wei&pwd=qwerty12")
        .status(302)
        .resp("")
        .resp_header("location", "/home")
        .resp_header(
            "set-cookie",
            "SESSION=YTk3ZjRkMmUtNmQxNS00ZGM3LWI3ZmMtZTI0YjVmMzY0ZTFh; Path=/; HttpOnly",
        );
    assert_risk(&[form], "weak_password_allowed");
}

#[test]
fn weak_password_rejected_or_strong_password_accepted_is_fine() {
    assert_no_risk(
        &[
            login("li.wei", "123456", FAIL),
            login("li.wei", "Tq7#mZ2vLx9!", OK),
            // Client-side hashed password: its strength cannot be judged.
            login("li.wei", "e10adc3949ba59abbe56e057f20f883e", OK),
        ],
        "weak_password_allowed",
    );
}

#[test]
fn internal_application_weak_password() {
    let attrs = Attrs {
        service_object: ServiceObject::InternalOffice,
        ..Default::default()
    };
    let exs = [login("zhang.san", "abc123", OK).host("oa.corp.example")];
    let f = analyze_with(&exs, &attrs);
    finding(&f, "internal_weak_password");
    assert!(!keys(&f).contains("weak_password_allowed"));
    assert_no_risk_with(
        &[login("zhang.san", "Tq7#mZ2vLx9!", OK).host("oa.corp.example")],
        &attrs,
        "internal_weak_password",
    );
    // Public application: the plain weak-password risk, not the internal one.
    assert_no_risk(&exs, "internal_weak_password");
}

// ---- default_password ----

#[test]
fn default_credentials_accepted() {
    let f = assert_risk(&[login("admin", "admin", OK)], "default_password");
    assert!(f.evidence.contains("admin/"));
    let basic = get("/manager/html")
        .header("authorization", "Basic dG9tY2F0OnRvbWNhdA==")
        .resp_html("<html><title>Tomcat Web Application Manager</title></html>");
    assert_risk(&[basic], "default_password");
    assert_no_risk(
        &[
            login(
                "admin",
                "admin",
                r#"{"success":false,"message":"Invalid username or password"}"#,
            ),
            login("admin", "Adm1n!Harbor#2026", OK),
            login("li.wei", "admin", OK),
        ],
        "default_password",
    );
}

// ---- unrestricted_login ----

fn burst(n: usize, resp: impl Fn(usize) -> String, ip: &str) -> Vec<Ex> {
    (0..n)
        .map(|i| {
            login(&format!("user{i}"), &format!("guess{i:04}"), &resp(i))
                .ip(ip)
                .at(T0 + i as i64 * 5_000)
        })
        .collect()
}

#[test]
fn many_failures_from_one_source_without_captcha() {
    let exs = burst(30, |_| FAIL.to_string(), "198.51.100.7");
    let f = assert_risk(&exs, "unrestricted_login");
    assert!(f.hits >= 10);
    assert!(f.evidence.contains("198.51.100.x"), "{}", f.evidence);
}

#[test]
fn lockout_captcha_or_throttling_restricts_logon() {
    // Locked after five failures.
    let locked = burst(
        30,
        |i| {
            if i < 5 {
                FAIL.into()
            } else {
                r#"{"code":423,"msg":"账号已锁定，请30分钟后再试"}"#.into()
            }
        },
        "198.51.100.7",
    );
    assert_no_risk(&locked, "unrestricted_login");
    // CAPTCHA demanded after three failures.
    let captcha = burst(
        30,
        |i| {
            if i < 3 {
                FAIL.into()
            } else {
                r#"{"code":1002,"msg":"请输入验证码","needCaptcha":true}"#.into()
            }
        },
        "198.51.100.8",
    );
    assert_no_risk(&captcha, "unrestricted_login");
    // Throttled with 429.
    let mut throttled = burst(30, |_| FAIL.to_string(), "198.51.100.9");
    for e in throttled.iter_mut().skip(4) {
        e.record.status = 429;
    }
    assert_no_risk(&throttled, "unrestricted_login");
    // A few typos from several users, spread out.
    let typos: Vec<Ex> = (0..40)
        .map(|i| {
            login(&format!("user{i}"), "wrongpass", FAIL)
                .ip(&format!("203.0.113.{}", i % 20 + 1))
                .at(T0 + i as i64 * 120_000)
        })
        .collect();
    assert_no_risk(&typos, "unrestricted_login");
}

// ---- login_failure_enumeration ----

#[test]
fn user_not_found_prompt_enumerates() {
    let exs = [
        login("li.wei", "x1", r#"{"code":1002,"msg":"密码错误"}"#),
        login("nobody", "x1", r#"{"code":1003,"msg":"用户不存在"}"#),
    ];
    let f = assert_risk(&exs, "login_failure_enumeration");
    assert!(f.evidence.contains("用户不存在"), "{}", f.evidence);
    let en = [login(
        "ghost",
        "x",
        r#"{"success":false,"error":"User does not exist"}"#,
    )
    .status(404)];
    assert_risk(&en, "login_failure_enumeration");
}

#[test]
fn generic_failure_prompt_is_fine() {
    assert_no_risk(
        &[
            login("li.wei", "x1", FAIL),
            login("nobody", "x1", FAIL),
            login(
                "li.wei",
                "x2",
                r#"{"success":false,"message":"Invalid username or password"}"#,
            )
            .status(401),
        ],
        "login_failure_enumeration",
    );
    // A registration form saying the user does not exist is not a logon prompt.
    assert_no_risk(
        &[post("/api/v1/password/forgot")
            .purpose("user_authentication", "password_reset")
            .json(r#"{"email":"x@y.example"}"#)
            .resp(r#"{"code":404,"msg":"user not found"}"#)],
        "login_failure_enumeration",
    );
}
