//! Messaging risks: SMS and e-mail sending APIs that take both the recipient and free text
//! from the client, and code-sending APIs whose response gives the code away.

use crate::exchange::{flatten_json, path_words, Param};
use crate::login::normalize;
use crate::risk::cx::Cx;
use crate::risk::{Detector, RiskSignals};
use crate::sensitive::mask;
use regex::Regex;
use std::sync::OnceLock;

fn is_sms_api(cx: &Cx) -> bool {
    let p = cx.path_words();
    cx.has_purpose("notification", Some("sms_message_sending"))
        || p.has(path_words::SMS)
        || (p.has(path_words::SEND) && p.has(path_words::MESSAGE))
}

fn is_email_api(cx: &Cx) -> bool {
    let p = cx.path_words();
    cx.has_purpose("notification", Some("mail_sending"))
        || p.has(path_words::MAIL)
        || (p.has(path_words::SEND) && p.has(path_words::NOTIFY))
}

fn is_code_api(cx: &Cx) -> bool {
    cx.has_purpose("notification", None)
        || cx.has_purpose("user_authentication", None)
        || cx.has_purpose("user_registration", None)
        || cx.path_words().has(path_words::CODE_API)
}

fn phone_value(v: &str) -> bool {
    let v = v.trim();
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && v.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b' ' | b'(' | b')'))
}

fn email_value(v: &str) -> bool {
    let v = v.trim();
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !local.contains(char::is_whitespace)
                && domain.contains('.')
                && !domain.contains('@')
                && !domain.contains(char::is_whitespace)
                && v.len() <= 254
        }
        None => false,
    }
}

fn is_sender_name(n: &str) -> bool {
    n.starts_with("from")
        || n.starts_with("sender")
        || n.starts_with("replyto")
        || n == "account"
        || n == "username"
}

fn phone_recipient<'c>(cx: &'c Cx) -> Option<&'c Param> {
    cx.params().iter().find(|p| {
        let n = normalize(&p.name);
        !is_sender_name(&n) && phone_value(&p.value) && !n.contains("code") && !n.contains("id")
    })
}

fn email_recipient<'c>(cx: &'c Cx) -> Option<&'c Param> {
    cx.params()
        .iter()
        .find(|p| !is_sender_name(&normalize(&p.name)) && email_value(&p.value))
}

fn is_content_name(n: &str) -> bool {
    matches!(
        n,
        "content"
            | "message"
            | "msg"
            | "text"
            | "body"
            | "sms"
            | "smscontent"
            | "smstext"
            | "smsmsg"
            | "html"
            | "htmlbody"
            | "textbody"
            | "subject"
            | "title"
            | "mailcontent"
            | "emailcontent"
            | "mailbody"
            | "emailbody"
            | "context"
            | "templatecontent"
            | "msgcontent"
            | "messagecontent"
            | "neirong"
    )
}

/// Free text: a content-named field with at least 6 characters that reads as prose or markup
/// (spaces, CJK, punctuation), not a template ID or a code.
fn free_text<'c>(cx: &'c Cx) -> Option<&'c Param> {
    cx.params().iter().find(|p| {
        let v = p.value.trim();
        is_content_name(&normalize(&p.name))
            && v.chars().count() >= 6
            && (v.contains(' ')
                || !v.is_ascii()
                || v.contains('<')
                || v.contains(['!', ',', '.', '?', '，', '。']))
    })
}

/// `arbitrary_sms_sending`: an SMS sending API (purpose or path) answered 2xx to a request
/// carrying a phone number and free message text.
pub struct ArbitrarySmsSending;

impl Detector for ArbitrarySmsSending {
    describe!(
        "arbitrary_sms_sending",
        "The SMS sending API accepts both the destination number and the message text from the client. Anyone can use it to send spam, phishing or fraudulent messages to any number in your company's name and at its expense.",
        "Keep message texts as fixed server-side templates filled only with validated values, derive the recipient from the authenticated user where possible, and rate-limit sends per user, number and source."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() || !is_sms_api(cx) {
            return;
        }
        if let (Some(to), Some(text)) = (phone_recipient(cx), free_text(cx)) {
            out.hit(self.key(), || {
                format!(
                    "{}; recipient {}={}; text {}=\"{}\"",
                    cx.line(),
                    to.field,
                    mask(1004, &to.value),
                    text.field,
                    crate::risk::cx::excerpt(&cx.redact(&text.value), 60)
                )
            });
        }
    }
}

/// `arbitrary_email_sending`: an e-mail sending API (purpose or path) answered 2xx to a request
/// carrying a recipient address and free subject or body text.
pub struct ArbitraryEmailSending;

impl Detector for ArbitraryEmailSending {
    describe!(
        "arbitrary_email_sending",
        "The e-mail sending API accepts both the recipient address and the subject or body from the client. Anyone can use it to send spam or phishing from your domain, damaging its reputation and deliverability.",
        "Use fixed server-side e-mail templates with validated placeholders, take the recipient from the authenticated account where possible, and rate-limit sends per user and source."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() || !is_email_api(cx) {
            return;
        }
        if let (Some(to), Some(text)) = (email_recipient(cx), free_text(cx)) {
            out.hit(self.key(), || {
                format!(
                    "{}; recipient {}={}; text {}=\"{}\"",
                    cx.line(),
                    to.field,
                    mask(1005, &to.value),
                    text.field,
                    crate::risk::cx::excerpt(&cx.redact(&text.value), 60)
                )
            });
        }
    }
}

const CODE_NAMES: &[&str] = &[
    "smscode",
    "verifycode",
    "verificationcode",
    "vcode",
    "checkcode",
    "authcode",
    "validatecode",
    "validcode",
    "otp",
    "otpcode",
    "captcha",
    "captchacode",
    "yzm",
    "emailcode",
    "mailcode",
    "securitycode",
    "dynamiccode",
    "randcode",
    "mobilecode",
    "phonecode",
    "yanzhengma",
];

/// A field named like a verification code: a known name, or any `…code` name that is not a
/// status, country, postal or other well-known non-secret code.
fn is_code_name(n: &str) -> bool {
    CODE_NAMES.contains(&n)
        || (n.ends_with("code")
            && n.len() > 4
            && ![
                "errcode",
                "errorcode",
                "retcode",
                "statuscode",
                "resultcode",
                "rescode",
                "respcode",
                "responsecode",
                "rtncode",
                "bizcode",
                "msgcode",
                "countrycode",
                "areacode",
                "zipcode",
                "postcode",
                "postalcode",
                "qrcode",
                "invitecode",
                "invitationcode",
                "promocode",
                "couponcode",
                "productcode",
                "skucode",
                "citycode",
                "regioncode",
                "langcode",
                "currencycode",
                "barcode",
                "shopcode",
                "storecode",
                "orgcode",
                "deptcode",
            ]
            .contains(&n))
}

fn code_value(v: &str) -> bool {
    let v = v.trim();
    (4..=8).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_alphanumeric())
        && v.bytes().any(|b| b.is_ascii_digit())
}

fn code_text_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)(?:验证码(?:是|为)?[:：\s]*|verification code(?: is)?[:\s]+|your code(?: is)?[:\s]+|otp(?: is)?[:\s]+)(\d{4,8})\b")
            .expect("code text regex")
    })
}

/// A verification code in the response that the request did not send: a code-named JSON field
/// (or `code` below the top level, where top-level `code` is a status), or a message quoting it.
fn leaked_code(cx: &Cx) -> Option<(String, String)> {
    let sent: Vec<&str> = cx.params().iter().map(|p| p.value.trim()).collect();
    if let Some(json) = cx.ctx.ex.response_json() {
        let mut leaves = Vec::new();
        flatten_json(json, &mut leaves);
        for p in &leaves {
            let n = normalize(&p.name);
            let nested_code = n == "code" && p.field.contains('.');
            // `{"code":0,"data":"482913"}`: a bare code as the payload.
            let bare = matches!(n.as_str(), "data" | "result")
                && p.value.len() >= 4
                && p.value.len() <= 8
                && p.value.bytes().all(|b| b.is_ascii_digit());
            if (is_code_name(&n) || nested_code || bare)
                && code_value(&p.value)
                && !sent.contains(&p.value.trim())
                && (nested_code || p.kind == "string" || p.kind == "number")
                && !(nested_code && p.value.bytes().all(|b| b == b'0'))
            {
                return Some((p.field.clone(), p.value.clone()));
            }
        }
    }
    let body = cx.response_body();
    let c = code_text_regex().captures(body)?;
    let code = c.get(1)?.as_str();
    (!sent.contains(&code)).then(|| ("message".to_string(), code.to_string()))
}

fn code_leak(cx: &Cx, out: &mut RiskSignals, key: &'static str, by_email: bool) {
    if !cx.ok() || !is_code_api(cx) {
        return;
    }
    let to_phone = phone_recipient(cx);
    let to_email = email_recipient(cx);
    let matches_channel = if by_email {
        to_email.is_some() && (to_phone.is_none() || is_email_api(cx))
    } else {
        to_phone.is_some() && (to_email.is_none() || is_sms_api(cx))
    };
    if !matches_channel {
        return;
    }
    if let Some((field, code)) = leaked_code(cx) {
        out.hit(key, || {
            format!(
                "{}; code sent to {} returned in response {}={}",
                cx.line(),
                if by_email {
                    "an e-mail address"
                } else {
                    "a phone number"
                },
                field,
                mask(0, &code)
            )
        });
    }
}

/// `sms_code_leak`: a code-sending API (purpose or path) answered a request carrying a phone
/// number with the verification code in the response.
pub struct SmsCodeLeak;

impl Detector for SmsCodeLeak {
    describe!(
        "sms_code_leak",
        "The API that sends SMS verification codes also returns the code in its response. Anyone can request a code for someone else's number and read it directly, defeating the phone check for logon, registration or password reset.",
        "Never return verification codes to the client; keep them server-side (hashed, short-lived, limited attempts) and only report whether sending succeeded."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        code_leak(cx, out, self.key(), false);
    }
}

/// `email_code_leak`: like [`SmsCodeLeak`] for codes sent by e-mail.
pub struct EmailCodeLeak;

impl Detector for EmailCodeLeak {
    describe!(
        "email_code_leak",
        "The API that e-mails verification codes also returns the code in its response. Anyone can request a code for someone else's address and read it directly, defeating the e-mail check.",
        "Never return verification codes to the client; keep them server-side (hashed, short-lived, limited attempts) and only report whether sending succeeded."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        code_leak(cx, out, self.key(), true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert!(phone_value("13800138000"));
        assert!(phone_value("+1 (415) 555-0100"));
        assert!(!phone_value("12"));
        assert!(!phone_value("SMS_1234567"));
        assert!(email_value("alice@example.com"));
        assert!(!email_value("not an email"));
        assert!(code_value("482913"));
        assert!(is_code_name("smsverifycode"));
        assert!(!is_code_name("countrycode"));
        assert!(!is_code_name("code"));
        assert!(!code_value("ok"));
        assert!(code_text_regex().is_match("您的验证码是：482913，5分钟内有效"));
        assert!(code_text_regex().is_match("Your code is 4829"));
    }
}
