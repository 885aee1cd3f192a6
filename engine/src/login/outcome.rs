//! Did a credential exchange succeed, and if not, why? Read from the status, the response JSON
//! (`success`, `code`/`errcode`, `msg`), issued tokens and session cookies, redirects, and the
//! failure messages of common frameworks in English and Chinese.

use super::fields::normalize;
use super::{FailureReason, Outcome};
use crate::exchange::{prefix, Exchange};
use serde_json::Value;

/// What the response says.
#[derive(Debug, Default)]
pub struct ResponseReading {
    pub outcome: Option<Outcome>,
    pub failure: Option<FailureReason>,
    /// The response asked for a CAPTCHA or a second verification.
    pub captcha_requested: bool,
}

/// Longest body prefix read for messages.
const MAX_TEXT: usize = 8 * 1024;

const MESSAGE_KEYS: &[&str] = &[
    "msg",
    "message",
    "error",
    "errmsg",
    "errormsg",
    "errormessage",
    "errordescription",
    "detail",
    "details",
    "desc",
    "description",
    "info",
    "tip",
    "tips",
    "reason",
    "hint",
    "status",
    "result",
    "data",
    "title",
    "retmsg",
    "resultmsg",
];

const FLAG_KEYS: &[&str] = &[
    "success",
    "ok",
    "succeeded",
    "issuccess",
    "succ",
    "successful",
];

const CODE_KEYS: &[&str] = &[
    "code",
    "errcode",
    "errno",
    "errorcode",
    "retcode",
    "ret",
    "rescode",
    "resultcode",
    "statuscode",
    "status",
    "rtncode",
];

const TOKEN_KEYS: &[&str] = &[
    "token",
    "accesstoken",
    "idtoken",
    "refreshtoken",
    "jwt",
    "sessionid",
    "sessiontoken",
    "authtoken",
    "authorization",
    "sid",
    "ticket",
];

const CAPTCHA_FLAG_KEYS: &[&str] = &[
    "needcaptcha",
    "captcharequired",
    "showcaptcha",
    "requirecaptcha",
    "needverify",
    "needverifycode",
];

pub fn read_response(ex: &Exchange) -> ResponseReading {
    let r = ex.record;
    let mut out = ResponseReading::default();

    let mut texts: Vec<String> = Vec::new();
    let mut flag: Option<bool> = None;
    let mut code_flag: Option<bool> = None;
    let mut token = false;
    if let Some(json) = ex.response_json() {
        scan_json(
            json,
            0,
            &mut texts,
            &mut flag,
            &mut code_flag,
            &mut token,
            &mut out,
        );
    } else if let Some(body) = r.response_body.as_deref() {
        texts.push(prefix(body, MAX_TEXT).to_string());
    }
    let text = texts.join(" \u{1f} ").to_lowercase();
    let reason = classify_message(&text);
    if matches!(reason, Some(FailureReason::CaptchaRequired)) {
        out.captcha_requested = true;
    }
    let positive = is_positive_message(&text);
    let cookie = issues_session_cookie(ex);

    let status = r.status;
    let outcome = if matches!(status, 401 | 403 | 423 | 429) {
        Outcome::Failure
    } else if let Some(b) = flag {
        bool_outcome(b)
    } else if reason.is_some() {
        Outcome::Failure
    } else if positive {
        Outcome::Success
    } else if let Some(b) = code_flag {
        bool_outcome(b)
    } else if status >= 400 {
        Outcome::Failure
    } else if token || cookie {
        Outcome::Success
    } else if (300..400).contains(&status) {
        let loc = r.response_header("location").unwrap_or("").to_lowercase();
        if ["login", "signin", "error", "fail", "denied"]
            .iter()
            .any(|w| loc.contains(w))
        {
            Outcome::Failure
        } else {
            Outcome::Unknown
        }
    } else {
        Outcome::Unknown
    };
    out.outcome = Some(outcome);
    if outcome == Outcome::Failure {
        out.failure = Some(reason.unwrap_or(match status {
            423 | 429 => FailureReason::Locked,
            _ => FailureReason::Other,
        }));
    }
    out
}

fn bool_outcome(b: bool) -> Outcome {
    if b {
        Outcome::Success
    } else {
        Outcome::Failure
    }
}

/// Walks the top of the response JSON (three levels) for flags, codes, messages and tokens.
fn scan_json(
    v: &Value,
    depth: usize,
    texts: &mut Vec<String>,
    flag: &mut Option<bool>,
    code_flag: &mut Option<bool>,
    token: &mut bool,
    out: &mut ResponseReading,
) {
    let Value::Object(map) = v else {
        if let Value::String(s) = v {
            if depth == 0 {
                texts.push(prefix(s, MAX_TEXT).to_string());
            }
        }
        return;
    };
    for (k, child) in map {
        let n = normalize(k);
        let key = n.as_str();
        if depth == 0 && FLAG_KEYS.contains(&key) {
            if let Value::Bool(b) = child {
                flag.get_or_insert(*b);
            }
        }
        if depth <= 1 && CODE_KEYS.contains(&key) && code_flag.is_none() {
            *code_flag = code_polarity(child);
        }
        if CAPTCHA_FLAG_KEYS.contains(&key) && child.as_bool() == Some(true) {
            out.captcha_requested = true;
        }
        if TOKEN_KEYS.contains(&key) {
            if let Value::String(s) = child {
                if s.len() >= 8 {
                    *token = true;
                }
            }
        }
        if MESSAGE_KEYS.contains(&key) {
            if let Value::String(s) = child {
                texts.push(prefix(s, 1024).to_string());
            }
            // `{"error": "..."}` or `{"error": {...}}` is a failure unless a flag says otherwise.
            let error_present = match child {
                Value::String(s) => !s.is_empty(),
                Value::Object(m) => !m.is_empty(),
                _ => false,
            };
            if key == "error" && error_present {
                code_flag.get_or_insert(false);
            }
        }
        if depth < 2 && matches!(child, Value::Object(_)) {
            scan_json(child, depth + 1, texts, flag, code_flag, token, out);
        }
    }
}

/// `code: 0` / `"200"` / `"success"` is success, any other code a failure; `1` is ambiguous.
fn code_polarity(v: &Value) -> Option<bool> {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(0 | 200) => Some(true),
            Some(1) | None => None,
            Some(_) => Some(false),
        },
        Value::String(s) => {
            let t = s.trim().to_ascii_lowercase();
            if t.is_empty() {
                None
            } else if matches!(
                t.as_str(),
                "0" | "00"
                    | "000"
                    | "0000"
                    | "00000"
                    | "000000"
                    | "200"
                    | "success"
                    | "ok"
                    | "succeed"
                    | "succeeded"
            ) {
                Some(true)
            } else if t == "1" {
                None
            } else if t.bytes().all(|b| b.is_ascii_digit() || b == b'-')
                || [
                    "err",
                    "fail",
                    "invalid",
                    "denied",
                    "not",
                    "locked",
                    "wrong",
                    "incorrect",
                ]
                .iter()
                .any(|w| t.contains(w))
            {
                Some(false)
            } else {
                None
            }
        }
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

fn any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

/// Classifies a (lower-cased) failure message. Order matters: the generic "username or
/// password" phrases contain the specific ones.
pub fn classify_message(t: &str) -> Option<FailureReason> {
    if t.is_empty() {
        return None;
    }
    if any(
        t,
        &[
            "account locked",
            "account is locked",
            "has been locked",
            "temporarily locked",
            "locked out",
            "too many",
            "try again later",
            "account disabled",
            "account is disabled",
            "account has been disabled",
            "account suspended",
            "account is frozen",
            "已锁定",
            "被锁定",
            "锁定",
            "冻结",
            "次数过多",
            "请稍后再试",
            "稍后重试",
            "已禁用",
            "被禁用",
            "操作频繁",
            "过于频繁",
        ],
    ) {
        return Some(FailureReason::Locked);
    }
    if any(
        t,
        &[
            "captcha required",
            "captcha is required",
            "enter the captcha",
            "complete the captcha",
            "need captcha",
            "requires captcha",
            "captcha needed",
            "human verification",
            "请输入验证码",
            "需要验证码",
            "请完成验证",
            "请进行安全验证",
            "滑块验证",
            "请先验证",
            "验证码不能为空",
        ],
    ) {
        return Some(FailureReason::CaptchaRequired);
    }
    if any(
        t,
        &[
            "username or password",
            "user name or password",
            "email or password",
            "account or password",
            "login or password",
            "phone or password",
            "invalid credentials",
            "bad credentials",
            "incorrect credentials",
            "wrong credentials",
            "invalid_grant",
            "authentication failed",
            "login failed",
            "invalid login",
            "用户名或密码",
            "账号或密码",
            "帐号或密码",
            "账户或密码",
            "帐户或密码",
            "用户或密码",
            "手机号或密码",
            "邮箱或密码",
            "登录失败",
            "认证失败",
        ],
    ) {
        return Some(FailureReason::BadCredentials);
    }
    if any(
        t,
        &[
            "user not found",
            "user does not exist",
            "user doesn't exist",
            "user not exist",
            "user is not exist",
            "no such user",
            "unknown user",
            "account not found",
            "account does not exist",
            "account doesn't exist",
            "username not found",
            "username does not exist",
            "email not found",
            "email does not exist",
            "not registered",
            "no account found",
            "invalid username",
            "用户不存在",
            "账号不存在",
            "帐号不存在",
            "账户不存在",
            "帐户不存在",
            "用户名不存在",
            "未注册",
            "手机号不存在",
            "邮箱不存在",
            "查无此用户",
            "找不到该用户",
        ],
    ) {
        return Some(FailureReason::UnknownUser);
    }
    if any(
        t,
        &[
            "invalid code",
            "incorrect code",
            "wrong code",
            "code is invalid",
            "code is incorrect",
            "code is wrong",
            "code expired",
            "code has expired",
            "invalid verification code",
            "verification code is incorrect",
            "verification code error",
            "invalid otp",
            "otp is invalid",
            "wrong captcha",
            "invalid captcha",
            "incorrect captcha",
            "captcha error",
            "captcha is incorrect",
            "验证码错误",
            "验证码不正确",
            "验证码已过期",
            "验证码无效",
            "验证码已失效",
            "验证码有误",
        ],
    ) {
        return Some(FailureReason::WrongCode);
    }
    if any(
        t,
        &[
            "wrong password",
            "incorrect password",
            "invalid password",
            "password is incorrect",
            "password is wrong",
            "password incorrect",
            "password error",
            "bad password",
            "password mismatch",
            "password does not match",
            "password is invalid",
            "密码错误",
            "密码不正确",
            "密码有误",
            "密码不对",
        ],
    ) {
        return Some(FailureReason::WrongPassword);
    }
    None
}

fn is_positive_message(t: &str) -> bool {
    if any(t, &["unsuccess", "not success", "失败", "未成功"]) {
        return false;
    }
    any(
        t,
        &[
            "login success",
            "logged in",
            "successful",
            "success",
            "succeeded",
            "welcome",
            "登录成功",
            "登陆成功",
            "注册成功",
            "验证成功",
            "成功",
        ],
    )
}

/// A `Set-Cookie` that starts a session (not one that deletes a cookie).
pub fn issues_session_cookie(ex: &Exchange) -> bool {
    ex.record
        .response_headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .flat_map(|(_, v)| v.split('\n'))
        .any(|c| {
            let lower = c.to_ascii_lowercase();
            let Some((name, rest)) = lower.split_once('=') else {
                return false;
            };
            let value = rest.split(';').next().unwrap_or("").trim();
            let name = name.trim();
            let session_name = ["sess", "sid", "token", "auth", "jwt", "login", "remember"]
                .iter()
                .any(|w| name.contains(w));
            session_name
                && value.len() >= 8
                && value != "deleted"
                && !lower.contains("max-age=0")
                && !lower.contains("expires=thu, 01 jan 1970")
        })
}
