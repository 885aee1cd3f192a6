//! The per-exchange stage of event detection: everything later judged over time is extracted
//! here, while the plaintext is at hand, and leaves as hashes, flags, shapes and masked samples.

use super::shape::{self, Shape};
use crate::attack::{self, AttackKind};
use crate::exchange::{path_words, prefix, response_words, Exchange, ParamLocation, ResponseWords};
use crate::facts::{ExchangeContext, PurposeTag};
use crate::login::{self, CredentialAttempt, Outcome};
use crate::record::WafAction;
use std::hash::{Hash, Hasher};

/// Channel of a verification code or a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Sms,
    Email,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialOp {
    Login,
    Register,
    /// Checking a submitted verification code.
    Verify,
}

/// A logon, registration or code verification, reduced to hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialSignal {
    pub op: CredentialOp,
    pub channel: Channel,
    pub user: Option<u64>,
    pub password: Option<u64>,
    pub code: Option<u64>,
    /// Phone or e-mail the code was sent to / is checked for.
    pub target: Option<u64>,
    pub outcome: Outcome,
    /// The submitted password is weak (common list, short, one character class, equals user).
    pub weak_password: bool,
    /// The host or path looks like an internal application (admin, OA, intranet...).
    pub internal_app_hint: bool,
    /// The account that logged on, when the logon succeeded (to tie session cookies to it).
    pub user_name: Option<String>,
}

/// A request asking the server to send an SMS or an e-mail.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SendSignal {
    pub channel: Channel,
    pub target: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttackSignal {
    /// `None` when only the WAF's verdict is known.
    pub kind: Option<AttackKind>,
    /// The WAF blocked it.
    pub blocked: bool,
    /// The WAF rule or our rule that matched.
    pub rule: String,
}

/// Response content flags.
pub const RESP_ERROR: u8 = 1;
pub const RESP_DB_ERROR: u8 = 2;
pub const RESP_SYSTEM_INFO: u8 = 4;

/// What the event detectors noticed in one exchange.
#[derive(Debug, Clone, Default)]
pub struct EventSignals {
    /// `METHOD /path?query` with parameter values masked, at most 200 characters.
    /// Shared with the bursts that keep it as a sample (no copy per burst).
    pub sample: std::sync::Arc<str>,
    pub attack: Option<AttackSignal>,
    pub credential: Option<CredentialSignal>,
    pub send: Option<SendSignal>,
    /// A download or export; the response size in bytes (Content-Length or body).
    pub download: Option<u64>,
    /// Hash of what was downloaded (path and query).
    pub download_item: u64,
    /// An integer identifier parameter (path variable or id-like query parameter): name, value.
    pub id_param: Option<(String, i64)>,
    /// A parameter naming a user (user id, phone, e-mail...): name, value hash, and whether it
    /// names the caller's own account.
    pub identity_param: Option<(String, u64, bool)>,
    /// `RESP_*` flags.
    pub response: u8,
    /// Parameter shapes (field, shape, masked example), at most [`MAX_SHAPES`].
    pub shapes: Vec<(String, Shape, String)>,
    /// Hash of the session cookie the request carried.
    pub session: Option<u64>,
    /// Hash of a session cookie the response set.
    pub session_set: Option<u64>,
    /// The request carried some credential (Authorization, API key, session cookie, token).
    pub has_credential: bool,
    /// Bit `i` set when custom rule `i`'s content pattern matched.
    pub custom: u64,
}

pub const MAX_SHAPES: usize = 12;
const MAX_SAMPLE: usize = 200;

/// A stable, unkeyed 64-bit hash (in-memory distinct counting only; never stored).
pub fn h64(v: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.trim().to_lowercase().hash(&mut h);
    h.finish()
}

fn norm(name: &str) -> String {
    with_norm(name, str::to_string)
}

/// Calls `f` with [`norm`]`(name)`, built on the stack when it fits: names are normalised
/// several times per parameter and header of every exchange.
fn with_norm<R>(name: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 64];
    let mut len = 0;
    for b in name.bytes().filter(u8::is_ascii_alphanumeric) {
        if len == buf.len() {
            let long: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            return f(&long);
        }
        buf[len] = b.to_ascii_lowercase();
        len += 1;
    }
    // Only ASCII alphanumerics were copied.
    f(std::str::from_utf8(&buf[..len]).unwrap_or_default())
}

const USER_NAMES: &[&str] = &[
    "username",
    "user",
    "login",
    "loginname",
    "account",
    "accountname",
    "uname",
    "userid",
    "email",
    "mail",
    "phone",
    "mobile",
    "principal",
    "identifier",
    "name",
    "usr",
];
const PASSWORD_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "userpassword",
    "loginpassword",
    "secret",
    "passcode",
];
const CODE_NAMES: &[&str] = &[
    "code",
    "otp",
    "smscode",
    "verifycode",
    "verificationcode",
    "vcode",
    "authcode",
    "captcha",
    "checkcode",
    "validcode",
    "validatecode",
    "emailcode",
    "mailcode",
    "token2fa",
    "totp",
    "pin",
];
const PHONE_NAMES: &[&str] = &[
    "phone",
    "mobile",
    "tel",
    "phonenumber",
    "mobilephone",
    "mobileno",
    "phoneno",
    "cellphone",
    "msisdn",
];
const EMAIL_NAMES: &[&str] = &["email", "mail", "emailaddress", "mailbox"];

/// What the event signals make of a parameter, header or cookie name ([`name_class`]).
mod name {
    pub const USER: u32 = 1 << 0;
    pub const PASSWORD: u32 = 1 << 1;
    pub const CODE: u32 = 1 << 2;
    pub const PHONE: u32 = 1 << 3;
    pub const EMAIL: u32 = 1 << 4;
    /// A name of a person, account or contact (`userId`, `phone`): identity enumeration.
    pub const IDENTITY: u32 = 1 << 5;
    /// `id` or a name without letters or digits: the path segment before it decides.
    pub const BARE_ID: u32 = 1 << 6;
    /// A name that holds a numeric identifier (`id`, `page`, `orderId`): traversal.
    pub const ID: u32 = 1 << 7;
    /// A secret whose value must not reach samples, even masked.
    pub const SECRET: u32 = 1 << 8;
    /// A request header that carries a credential.
    pub const CREDENTIAL_HEADER: u32 = 1 << 9;
    /// A query parameter that carries a credential.
    pub const CREDENTIAL_QUERY: u32 = 1 << 10;
    pub const SESSION_COOKIE: u32 = 1 << 11;
}

/// The [`name`] flags of `key`, memoised per thread: the same names come back on every
/// exchange.
fn name_class(key: &str) -> u32 {
    crate::name_memo::memoised!(classify_name, key)
}

fn classify_name(key: &str) -> u32 {
    let mut f = 0;
    for (bit, names) in [
        (name::USER, USER_NAMES),
        (name::PASSWORD, PASSWORD_NAMES),
        (name::CODE, CODE_NAMES),
        (name::PHONE, PHONE_NAMES),
        (name::EMAIL, EMAIL_NAMES),
    ] {
        if name_is(names, key) {
            f |= bit;
        }
    }
    let n = norm(key);
    if IDENTITY_WORDS.iter().any(|w| n.contains(w)) && !n.contains("agent") && !n.contains("type") {
        f |= name::IDENTITY;
    }
    if matches!(n.as_str(), "id" | "") {
        f |= name::BARE_ID;
    }
    if ID_NAMES.contains(&n.as_str()) || n.ends_with("id") {
        f |= name::ID;
    }
    if PASSWORD_NAMES.contains(&n.as_str())
        || n.contains("password")
        || n.contains("token")
        || n.contains("secret")
    {
        f |= name::SECRET;
    }
    if n.contains("apikey") || n.contains("token") || n == "xauth" {
        f |= name::CREDENTIAL_HEADER;
    }
    if matches!(
        n.as_str(),
        "token" | "accesstoken" | "apikey" | "key" | "sign"
    ) {
        f |= name::CREDENTIAL_QUERY;
    }
    if SESSION_COOKIES.contains(&n.as_str()) || n.ends_with("session") || n.ends_with("sessionid") {
        f |= name::SESSION_COOKIE;
    }
    f
}

/// Whether a parameter name is one of `names`, also in the spellings of common frameworks'
/// login forms: `j_username` (Java servlet and Spring Security), `session[password]` and
/// `user[email]` (Rails), `LoginForm[password]` (Yii), `credentials.password`.
fn name_is(names: &[&str], key: &str) -> bool {
    let leaf = key
        .trim_end_matches(']')
        .rsplit(['[', '.'])
        .next()
        .unwrap_or(key);
    let unprefixed = key.strip_prefix("j_").unwrap_or(key);
    [key, leaf, unprefixed]
        .iter()
        .any(|k| with_norm(k, |n| names.contains(&n)))
}

/// The first non-empty value of a query, form or JSON parameter whose name has the [`name`]
/// flag `class` (`name::PHONE`...).
fn find_param(ex: &Exchange, class: u32) -> Option<String> {
    for (k, v) in ex.query().iter().chain(ex.form().iter()) {
        if name_class(k) & class != 0 && !v.is_empty() {
            return Some(v.clone());
        }
    }
    if let Some(serde_json::Value::Object(map)) = ex.request_json() {
        // Top level and one level down (`{"user":{"phone":...}}`, `{"data":{...}}`).
        let mut stack: Vec<&serde_json::Map<String, serde_json::Value>> = vec![map];
        for m in map.values() {
            if let serde_json::Value::Object(inner) = m {
                stack.push(inner);
            }
        }
        for m in stack {
            for (k, v) in m {
                if name_class(k) & class != 0 {
                    let s = crate::exchange::json_scalar(v);
                    if !s.is_empty() && !v.is_object() && !v.is_array() {
                        return Some(s);
                    }
                }
            }
        }
    }
    None
}

fn has_purpose(purposes: &[PurposeTag], keys: &[&str]) -> bool {
    purposes.iter().any(|p| keys.contains(&p.kind.as_str()))
}

const LOGIN_TYPES: &[&str] = &[
    "account_password_based_logon",
    "mobile_verification_code_based_logon",
    "email_verification_code_based_logon",
    "logon",
    "sso_authentication",
    "oauth_authentication",
    "oidc_authentication",
];
const REGISTER_TYPES: &[&str] = &[
    "account_password_based_registration",
    "mobile_verification_code_based_registration",
    "email_verification_code_based_registration",
    "registration_service",
    "wechat_registration",
    "alipay_registration",
];
const DOWNLOAD_TYPES: &[&str] = &[
    "data_download",
    "file_download",
    "order_export",
    "log_export",
];

fn path_has(path: &str, words: &[&str]) -> bool {
    words.iter().any(|w| path.contains(w))
}

/// What kind of credential exchange this is, from the purposes first, then from the request.
fn credential_op(ex: &Exchange, purposes: &[PurposeTag]) -> Option<CredentialOp> {
    let r = ex.record;
    if has_purpose(purposes, &["verification_code_verification"]) {
        return Some(CredentialOp::Verify);
    }
    if has_purpose(purposes, REGISTER_TYPES) {
        return Some(CredentialOp::Register);
    }
    if has_purpose(purposes, LOGIN_TYPES) {
        return Some(CredentialOp::Login);
    }
    if r.method != "POST" && r.method != "PUT" {
        return None;
    }
    let words = ex.path_words();
    if words.has(path_words::REGISTER) {
        return Some(CredentialOp::Register);
    }
    let has_pw = find_param(ex, name::PASSWORD).is_some();
    if words.has(path_words::LOGIN) && (has_pw || find_param(ex, name::CODE).is_some()) {
        return Some(CredentialOp::Login);
    }
    if words.has(path_words::VERIFY)
        && find_param(ex, name::CODE).is_some()
        && !words.has(path_words::SEND_OR_REQUEST)
    {
        return Some(CredentialOp::Verify);
    }
    if has_pw && find_param(ex, name::USER).is_some() && !words.has(path_words::CHANGE) {
        return Some(CredentialOp::Login);
    }
    None
}

fn channel_of(ex: &Exchange, purposes: &[PurposeTag]) -> Channel {
    let kinds: Vec<&str> = purposes.iter().map(|p| p.kind.as_str()).collect();
    if kinds
        .iter()
        .any(|k| k.starts_with("mobile_") || *k == "sms_message_sending")
    {
        return Channel::Sms;
    }
    if kinds
        .iter()
        .any(|k| k.starts_with("email_") || *k == "mail_sending")
    {
        return Channel::Email;
    }
    if ex.path_words().has(path_words::SMS_CHANNEL) {
        return Channel::Sms;
    }
    if ex.path_words().has(path_words::EMAIL_CHANNEL) {
        return Channel::Email;
    }
    if find_param(ex, name::PHONE).is_some() {
        return Channel::Sms;
    }
    if find_param(ex, name::EMAIL).is_some() {
        return Channel::Email;
    }
    Channel::Unknown
}

fn send_signal(ex: &Exchange, purposes: &[PurposeTag]) -> Option<SendSignal> {
    let words = ex.path_words();
    let by_purpose = has_purpose(purposes, &["sms_message_sending", "mail_sending"]);
    let r = ex.record;
    let phone = find_param(ex, name::PHONE);
    let email = find_param(ex, name::EMAIL);
    let by_request = (r.method == "POST" || r.method == "GET" || r.method == "PUT")
        && words.has(path_words::SEND_LIKE)
        && !words.has(path_words::NOT_SEND)
        && (words.has(path_words::SENDS) || phone.is_some() || email.is_some())
        && (phone.is_some() || email.is_some());
    if !by_purpose && !by_request {
        return None;
    }
    let channel = match channel_of(ex, purposes) {
        Channel::Unknown if phone.is_some() => Channel::Sms,
        Channel::Unknown if email.is_some() => Channel::Email,
        c => c,
    };
    let target = match channel {
        Channel::Email => email.or(phone),
        _ => phone.or(email),
    };
    Some(SendSignal {
        channel,
        target: target.map(|t| h64(&t)),
    })
}

/// The most common passwords of public breach corpora (top of the SecLists lists) and the
/// defaults of common internal systems.
const WEAK_PASSWORDS: &[&str] = &[
    "123456",
    "123456789",
    "12345678",
    "12345",
    "1234567",
    "1234567890",
    "111111",
    "000000",
    "123123",
    "654321",
    "666666",
    "888888",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "admin",
    "admin123",
    "admin@123",
    "administrator",
    "root",
    "root123",
    "toor",
    "qwerty",
    "qwerty123",
    "abc123",
    "abcd1234",
    "a123456",
    "1q2w3e4r",
    "1qaz2wsx",
    "qazwsx",
    "letmein",
    "welcome",
    "welcome1",
    "iloveyou",
    "monkey",
    "dragon",
    "sunshine",
    "football",
    "test",
    "test123",
    "guest",
    "changeme",
    "default",
    "secret",
    "user",
    "demo",
    "oracle",
    "system",
    "manager",
    "123qwe",
    "qwe123",
    "zxcvbnm",
    "asdfgh",
    "aa123456",
    "woaini1314",
    "1314520",
    "520520",
    "147258369",
    "Aa123456",
    "Admin@123",
    "P@ssw0rd",
];

/// A weak password: in the common list, shorter than 8, a single character class, or the
/// username itself.
pub fn is_weak_password(pw: &str, user: Option<&str>) -> bool {
    let lower = pw.to_lowercase();
    if WEAK_PASSWORDS.iter().any(|w| w.eq_ignore_ascii_case(pw)) {
        return true;
    }
    if pw.chars().count() < 8 {
        return true;
    }
    let classes = [
        pw.chars().any(|c| c.is_ascii_lowercase()),
        pw.chars().any(|c| c.is_ascii_uppercase()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if classes <= 1 {
        return true;
    }
    user.is_some_and(|u| !u.is_empty() && lower.contains(&u.to_lowercase()))
}

fn internal_app_hint(host: &str, lpath: &str) -> bool {
    let h = host.to_ascii_lowercase();
    let first = h.split('.').next().unwrap_or("");
    matches!(
        first,
        "oa" | "hr"
            | "erp"
            | "crm"
            | "admin"
            | "intranet"
            | "internal"
            | "corp"
            | "ops"
            | "jira"
            | "wiki"
            | "git"
            | "gitlab"
            | "jenkins"
            | "portal"
            | "office"
            | "manage"
            | "console"
            | "backend"
            | "boss"
            | "staff"
    ) || h.ends_with(".local")
        || h.ends_with(".lan")
        || h.ends_with(".intra")
        || h.ends_with(".internal")
        || h.ends_with(".corp")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| crate::facts::is_internal_ip(&ip))
        || path_has(
            lpath,
            &[
                "/admin",
                "/manage",
                "/backend",
                "/console",
                "/oa/",
                "/internal",
            ],
        )
}

/// Outcome from the status and body, for when the login interpreter could not tell.
fn guess_outcome(ex: &Exchange) -> Outcome {
    let r = ex.record;
    match r.status {
        401 | 403 | 400 | 422 | 423 | 429 => return Outcome::Failure,
        300..=399 => {
            let loc = r
                .response_header("location")
                .unwrap_or("")
                .to_ascii_lowercase();
            // Back to the logon form (`/login?error`, Devise's `/users/sign_in`) is a failure.
            let back_to_form = [
                "error", "fail", "login", "logon", "signin", "sign_in", "sign-in", "denied",
            ];
            return if path_has(&loc, &back_to_form) {
                Outcome::Failure
            } else {
                Outcome::Success
            };
        }
        500..=599 => return Outcome::Unknown,
        _ => {}
    }
    if let Some(serde_json::Value::Object(m)) = ex.response_json() {
        for k in ["success", "ok", "succeeded", "result"] {
            if let Some(serde_json::Value::Bool(b)) = m.get(k) {
                return if *b {
                    Outcome::Success
                } else {
                    Outcome::Failure
                };
            }
        }
        if m.contains_key("error") || m.contains_key("errors") {
            return Outcome::Failure;
        }
        for k in [
            "token",
            "access_token",
            "accessToken",
            "jwt",
            "session",
            "sessionId",
        ] {
            if m.contains_key(k) {
                return Outcome::Success;
            }
        }
        if let Some(d) = m.get("data").and_then(|d| d.as_object()) {
            if ["token", "access_token", "accessToken"]
                .iter()
                .any(|k| d.contains_key(*k))
            {
                return Outcome::Success;
            }
        }
        if let Some(c) = m.get("code").or_else(|| m.get("status")) {
            let ok = match c {
                serde_json::Value::Number(n) => n.as_i64().is_some_and(|n| n == 0 || n == 200),
                serde_json::Value::String(s) => {
                    matches!(
                        s.to_ascii_lowercase().as_str(),
                        "0" | "200" | "ok" | "success"
                    )
                }
                _ => true,
            };
            return if ok {
                Outcome::Success
            } else {
                Outcome::Failure
            };
        }
    }
    let body = r.response_body.as_deref().unwrap_or("");
    let head = &body[..body.len().min(2048)];
    let low = head.to_ascii_lowercase();
    if path_has(
        &low,
        &[
            "invalid",
            "incorrect",
            "wrong",
            "failed",
            "fail",
            "error",
            "not match",
            "denied",
            "expired",
            "locked",
        ],
    ) {
        return Outcome::Failure;
    }
    if r.response_header("set-cookie").is_some() || low.contains("token") || low.contains("success")
    {
        return Outcome::Success;
    }
    Outcome::Unknown
}

fn credential_signal(
    ex: &Exchange,
    purposes: &[PurposeTag],
    lpath: &str,
) -> Option<CredentialSignal> {
    let op = credential_op(ex, purposes)?;
    let interpreted: Option<CredentialAttempt> = login::interpret(ex, purposes);
    let user = interpreted
        .as_ref()
        .and_then(|a| a.username.clone())
        .or_else(|| find_param(ex, name::USER));
    let password = interpreted
        .as_ref()
        .and_then(|a| a.password.clone())
        .or_else(|| find_param(ex, name::PASSWORD));
    let code = interpreted
        .as_ref()
        .and_then(|a| a.code.clone())
        .or_else(|| find_param(ex, name::CODE));
    let outcome = interpreted
        .as_ref()
        .and_then(|a| a.outcome)
        .filter(|o| *o != Outcome::Unknown)
        .unwrap_or_else(|| guess_outcome(ex));
    let channel = channel_of(ex, purposes);
    let target = find_param(ex, name::PHONE).or_else(|| find_param(ex, name::EMAIL));
    let weak = password
        .as_deref()
        .is_some_and(|p| is_weak_password(p, user.as_deref()));
    Some(CredentialSignal {
        op,
        channel,
        user: user.as_deref().map(h64),
        password: password.as_deref().map(|p| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            p.hash(&mut h);
            h.finish()
        }),
        code: code.as_deref().map(h64),
        target: target.as_deref().map(h64),
        outcome,
        weak_password: weak && op == CredentialOp::Login,
        internal_app_hint: internal_app_hint(&ex.record.host, lpath),
        user_name: if outcome == Outcome::Success {
            user.filter(|u| u.len() <= 128 && !u.chars().any(char::is_control))
        } else {
            None
        },
    })
}

fn download_signal(ex: &Exchange, purposes: &[PurposeTag]) -> Option<u64> {
    let r = ex.record;
    if !(200..300).contains(&r.status) || r.method != "GET" && r.method != "POST" {
        return None;
    }
    let attach = r
        .response_header("content-disposition")
        .is_some_and(|v| v.to_ascii_lowercase().contains("attachment"));
    let ct = r.response_content_type().unwrap_or_default();
    let binary = matches!(
        ct.as_ref(),
        "application/octet-stream"
            | "application/zip"
            | "application/x-zip-compressed"
            | "application/pdf"
            | "text/csv"
            | "application/vnd.ms-excel"
            | "application/x-gzip"
            | "application/gzip"
            | "application/x-tar"
    ) || ct.starts_with("application/vnd.openxmlformats");
    let words = ex.path_words();
    let by_path = words.has(path_words::FILE_PATH);
    if !(has_purpose(purposes, DOWNLOAD_TYPES)
        || attach
        || (binary && by_path)
        || (by_path && words.has(path_words::DOWNLOAD_OR_EXPORT)))
    {
        return None;
    }
    let size = r
        .response_header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or_else(|| r.response_body.as_ref().map_or(0, |b| b.len() as u64));
    Some(size)
}

const ID_NAMES: &[&str] = &[
    "id",
    "page",
    "pageno",
    "pagenum",
    "pagenumber",
    "offset",
    "no",
    "num",
    "start",
    "p",
];
const IDENTITY_WORDS: &[&str] = &[
    "user", "uid", "member", "customer", "account", "owner", "person", "profile", "phone",
    "mobile", "email", "idcard", "idno", "employee", "staff", "student", "patient", "buyer",
    "citizen",
];
const IDENTITY_SEGMENTS: &[&str] = &[
    "users",
    "user",
    "members",
    "member",
    "customers",
    "customer",
    "accounts",
    "account",
    "profiles",
    "profile",
    "employees",
    "patients",
    "persons",
    "people",
    "students",
    "buyers",
];

/// Path variables: the template segments in `{}` aligned with the request path segments, with
/// the template segment before each. Runs for every exchange: the segments are walked in
/// place, not collected.
fn path_vars<'a>(template: &'a str, path: &'a str) -> Vec<(&'a str, &'a str, &'a str)> {
    let slashes = |s: &str| s.bytes().filter(|&b| b == b'/').count();
    let mut out = Vec::new();
    if slashes(template) != slashes(path) {
        return out;
    }
    let mut prev = "";
    for (t, p) in template.split('/').zip(path.split('/')) {
        if let Some(name) = t.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            out.push((name, p, prev));
        }
        prev = t;
    }
    out
}

fn parse_id(v: &str) -> Option<i64> {
    if v.is_empty() || v.len() > 15 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

type IdParams = (Option<(String, i64)>, Option<(String, u64, bool)>);

fn id_and_identity(ctx: &ExchangeContext) -> IdParams {
    let ex = ctx.ex;
    let mut id = None;
    let mut ident = None;
    let own = ctx.account.map(|a| a.to_lowercase());
    let mut consider = |name: &str, value: &str, prev_seg: &str| {
        if value.is_empty() || value.len() > 128 {
            return;
        }
        let class = name_class(name);
        let identity = class & name::IDENTITY != 0
            || (class & name::BARE_ID != 0
                && IDENTITY_SEGMENTS.contains(&prev_seg.to_ascii_lowercase().as_str()));
        if identity && ident.is_none() {
            let is_self = own.as_deref().is_some_and(|o| o == value.to_lowercase());
            ident = Some((name.to_string(), h64(value), is_self));
        }
        if id.is_none() {
            if let Some(v) = parse_id(value) {
                if class & name::ID != 0 || prev_seg != "\u{0}" {
                    id = Some((name.to_string(), v));
                }
            }
        }
    };
    for (name, value, prev) in path_vars(&ctx.api.path, &ex.record.path) {
        consider(name, value, prev);
    }
    for (k, v) in ex.query() {
        consider(k, v, "\u{0}");
    }
    if ex.record.method != "GET" {
        for (k, v) in ex.form() {
            consider(k, v, "\u{0}");
        }
        if let Some(serde_json::Value::Object(m)) = ex.request_json() {
            for (k, v) in m.iter().take(32) {
                if let Some(s) = v
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_i64().map(|i| i.to_string()))
                {
                    consider(k, &s, "\u{0}");
                }
            }
        }
    }
    (id, ident)
}

/// Response content signatures.
/// Application errors: stack traces and framework error pages (CRS 95x "data leakage" ideas).
pub(crate) const ERROR_PATTERNS: &[&str] = &[
    "traceback (most recent call last)",
    "exception in thread",
    "java.lang.",
    "javax.servlet.",
    "org.springframework.",
    "at org.apache.",
    "at java.",
    "system.nullreferenceexception",
    "system.web.httpexception",
    "server error in '/' application",
    "stack trace:",
    "stacktrace",
    "fatal error: uncaught",
    "php fatal error",
    "parse error: syntax error",
    "warning: include(",
    "undefined index:",
    "goroutine 1 [running]",
    "panic: runtime error",
    "unhandled exception",
    "at object.<anonymous>",
    "referenceerror:",
    "typeerror: cannot read propert",
    "werkzeug debugger",
    "django.core.exceptions",
    "actioncontroller::",
    "nomethoderror",
    "laravel",
    "whoops, looks like something went wrong",
];
/// Database errors (CRS 951xxx SQL error leakage ideas).
pub(crate) const DB_PATTERNS: &[&str] = &[
    "you have an error in your sql syntax",
    "mysql_fetch",
    "mysqli_",
    "com.mysql.jdbc",
    "mysqlexception",
    "sqlstate[",
    "ora-00933",
    "ora-01756",
    "ora-00942",
    "ora-01017",
    "oracle error",
    "pg::syntaxerror",
    "psqlexception",
    "org.postgresql.util",
    "error: syntax error at or near",
    "pq: syntax error",
    "unclosed quotation mark after the character string",
    "microsoft ole db provider for sql server",
    "sqlserverexception",
    "system.data.sqlclient",
    "sqlite3.operationalerror",
    "sqlite_error",
    "sqliteexception",
    "sequelizedatabaseerror",
    "hibernateexception",
    "org.hibernate.",
    "jdbcsqlexception",
    "db2 sql error",
    "mongoerror",
    "mongoservererror",
    "duplicate entry",
    "incorrect syntax near",
];
/// Sensitive system information: OS files, process environment, server internals.
pub(crate) const SYSINFO_PATTERNS: &[&str] = &[
    "root:x:0:0:",
    "daemon:x:1:1:",
    "[boot loader]",
    "; for 16-bit app support",
    "<title>phpinfo()</title>",
    "php version</td>",
    "aws_secret_access_key",
    "aws_access_key_id",
    "uid=0(root)",
    "gid=0(root)",
    "server-status</title>",
    "apache server status for",
    "\"ami-id\"",
    "instance-identity",
    "path=/usr/local/sbin:",
    "path=/usr/bin:",
    "home=/root",
    "-----begin rsa private key-----",
    "-----begin private key-----",
    "-----begin openssh private key-----",
    "/proc/self/environ",
    "linux version ",
    "document_root",
];

/// The response's error, database error and system information flags (`RESP_*`), from the
/// exchange's shared response word pass ([`crate::exchange::response_words`]).
fn flags_of(words: ResponseWords) -> u8 {
    let mut flags = 0;
    for (g, flag) in [
        (response_words::ERROR, RESP_ERROR),
        (response_words::DB_ERROR, RESP_DB_ERROR),
        (response_words::SYSTEM_INFO, RESP_SYSTEM_INFO),
    ] {
        if words.has(g) {
            flags |= flag;
        }
    }
    flags
}

const SESSION_COOKIES: &[&str] = &[
    "session",
    "sessionid",
    "sid",
    "jsessionid",
    "phpsessid",
    "connectsid",
    "aspnetsessionid",
    "token",
    "authtoken",
    "accesstoken",
    "auth",
    "sess",
    "ssid",
    "usersession",
];

fn is_session_cookie(name: &str) -> bool {
    name_class(name) & name::SESSION_COOKIE != 0
}

fn session_set(ex: &Exchange) -> Option<u64> {
    for (k, v) in &ex.record.response_headers {
        if !k.eq_ignore_ascii_case("set-cookie") {
            continue;
        }
        for line in v.split('\n') {
            let first = line.split(';').next().unwrap_or("");
            if let Some((n, val)) = first.split_once('=') {
                let val = val.trim();
                if is_session_cookie(n.trim()) && !val.is_empty() && val.len() >= 8 {
                    return Some(h64(val));
                }
            }
        }
    }
    None
}

/// `METHOD /path?a=m***d&b=...`: parameter values masked, bounded.
pub fn sample(ex: &Exchange) -> String {
    let r = ex.record;
    let mut s = String::with_capacity(64);
    s.push_str(&r.method);
    s.push(' ');
    s.push_str(prefix(&r.path, 120));
    if !ex.query().is_empty() {
        s.push('?');
        for (i, (k, v)) in ex.query().iter().take(6).enumerate() {
            if i > 0 {
                s.push('&');
            }
            s.push_str(prefix(k, 24));
            s.push('=');
            s.push_str(&mask_value(v));
        }
    }
    s.push_str(" -> ");
    s.push_str(&r.status.to_string());
    let end = prefix(&s, MAX_SAMPLE).len();
    s.truncate(end);
    s
}

/// Masks a parameter value for samples (via the shared masker), bounded to 24 characters.
pub fn mask_value(v: &str) -> String {
    let cut = prefix(v, 24);
    crate::sensitive::mask(0, cut)
}

/// Per-exchange signals with custom content rules.
pub fn extract(
    ctx: &ExchangeContext,
    custom: &[super::custom::CompiledCustomRule],
) -> EventSignals {
    let ex = ctx.ex;
    let r = ex.record;
    let lpath = ex.path_lower();
    let attack = match r.waf_action {
        Some(WafAction::Block) => Some(AttackSignal {
            kind: None,
            blocked: true,
            rule: r.waf_rule.clone().unwrap_or_default(),
        }),
        Some(WafAction::Monitor) if r.waf_rule.as_deref().is_some_and(|s| !s.is_empty()) => {
            Some(AttackSignal {
                kind: None,
                blocked: false,
                rule: r.waf_rule.clone().unwrap_or_default(),
            })
        }
        Some(_) => None,
        None => attack::detect(ex).map(|m| AttackSignal {
            kind: Some(m.kind),
            blocked: false,
            rule: format!("{} in {}", m.rule, m.field),
        }),
    };
    let credential = credential_signal(ex, ctx.purposes, lpath);
    let send = if credential.is_none() {
        send_signal(ex, ctx.purposes)
    } else {
        None
    };
    let download = download_signal(ex, ctx.purposes);
    let download_item = if download.is_some() {
        h64(&format!("{}?{}", r.path, r.query.as_deref().unwrap_or("")))
    } else {
        0
    };
    let (id_param, identity_param) = id_and_identity(ctx);
    let response = flags_of(ex.response_words());
    let mut shapes = Vec::new();
    for p in ex.request_params() {
        if shapes.len() >= MAX_SHAPES {
            break;
        }
        if matches!(p.location, ParamLocation::Cookie | ParamLocation::Header) {
            continue;
        }
        // Secrets have no stable shape and must not reach samples, even masked.
        if name_class(&p.name) & name::SECRET != 0 {
            continue;
        }
        let s = shape::classify(&p.value);
        let field = [p.location.as_str(), ".", prefix(&p.field, 64)].concat();
        shapes.push((field, s, mask_value(&p.value)));
    }
    let session = ex
        .cookies()
        .iter()
        .find(|(k, v)| is_session_cookie(k) && v.len() >= 8)
        .map(|(_, v)| h64(v));
    let has_credential = ctx.auth.authenticated()
        || r.request_header("authorization").is_some()
        || r.request_headers
            .iter()
            .any(|(k, _)| name_class(k) & name::CREDENTIAL_HEADER != 0)
        || session.is_some()
        || ex
            .query()
            .iter()
            .any(|(k, _)| name_class(k) & name::CREDENTIAL_QUERY != 0);
    let mut custom_bits = 0u64;
    for (i, rule) in custom.iter().enumerate().take(64) {
        if rule.content_matches(ex) {
            custom_bits |= 1 << i;
        }
    }
    EventSignals {
        sample: sample(ex).into(),
        attack,
        credential,
        send,
        download,
        download_item,
        id_param,
        identity_param,
        response,
        shapes,
        session,
        session_set: session_set(ex),
        has_credential,
        custom: custom_bits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The event flags of a response body on its own.
    fn response_flags(body: &str) -> u8 {
        flags_of(response_words::find(body))
    }

    #[test]
    fn weak_passwords() {
        assert!(is_weak_password("123456", None));
        assert!(is_weak_password("Admin@123", None));
        assert!(is_weak_password("abcdefghij", None));
        assert!(is_weak_password("short1", None));
        assert!(is_weak_password("alice2024!", Some("alice")));
        assert!(!is_weak_password("T7#kq9!vLm2x", Some("alice")));
    }

    #[test]
    fn response_signatures() {
        assert_eq!(
            response_flags("Traceback (most recent call last):\n  File \"app.py\""),
            RESP_ERROR
        );
        assert_eq!(
            response_flags("You have an error in your SQL syntax; check the manual"),
            RESP_DB_ERROR
        );
        assert_eq!(
            response_flags("root:x:0:0:root:/root:/bin/bash"),
            RESP_SYSTEM_INFO
        );
        assert_eq!(response_flags(r#"{"error":"not found"}"#), 0);
        assert_eq!(
            response_flags(r#"{"items":[{"name":"SQL basics book"}]}"#),
            0
        );
    }

    #[test]
    fn path_variables_align() {
        assert_eq!(
            path_vars("/v1/users/{id}/orders", "/v1/users/42/orders"),
            vec![("id", "42", "users")]
        );
        assert!(path_vars("/a/{id}", "/a/1/b").is_empty());
    }
}
