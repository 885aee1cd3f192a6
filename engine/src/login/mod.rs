//! What a credential exchange says: the submitted username, password or verification code, and
//! whether the attempt succeeded (and why it failed). Shared by the risk detectors (weak and
//! default passwords, unrestricted logon, failure prompts) and the event detectors (brute force,
//! dictionary attacks, code brute force, batch registration).
//!
//! An exchange is a credential exchange when discovery tagged it with a logon, registration or
//! verification-code purpose, or, without purposes, when the request itself looks like one: a
//! POST carrying a password next to a username (or on a login-like path), or a verification code
//! next to a phone, e-mail or username on a login/verify-like path. HTTP Basic credentials count
//! as a logon attempt on any API.

mod fields;
mod outcome;
mod password;

pub use fields::{
    is_captcha_field, is_code_field, is_password_field, is_username_field, may_name_password,
    normalize, path_hint, PASSWORD_WORDS,
};
pub use outcome::{classify_message, issues_session_cookie};
pub use password::{
    character_classes, is_default_credential, is_weak_password, looks_protected, password_strength,
    DEFAULT_CREDENTIALS,
};

use crate::exchange::{Exchange, ParamLocation};
use crate::facts::PurposeTag;
use base64::Engine as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Success,
    Failure,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// The response says the user does not exist.
    UnknownUser,
    /// The response says the password is wrong (for an existing user).
    WrongPassword,
    /// A generic "username or password incorrect".
    BadCredentials,
    WrongCode,
    Locked,
    CaptchaRequired,
    Other,
}

/// What kind of credential exchange this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AttemptKind {
    #[default]
    Logon,
    Registration,
    /// Checking a verification code (SMS, e-mail) outside a logon.
    Verification,
    PasswordReset,
}

/// One logon, registration or verification attempt.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CredentialAttempt {
    pub username: Option<String>,
    pub password: Option<String>,
    /// A submitted verification code (SMS, e-mail, CAPTCHA answer).
    pub code: Option<String>,
    pub outcome: Option<Outcome>,
    pub failure: Option<FailureReason>,
    /// The request carried a CAPTCHA answer or the response asked for one.
    pub captcha: bool,
    pub kind: AttemptKind,
    /// The credentials came from an `Authorization: Basic` header.
    pub basic_auth: bool,
    /// Where the password was sent (query, form, JSON); `Header` for Basic auth.
    pub password_location: Option<ParamLocation>,
    /// The request field that carried the password (`password`, `user.pwd`).
    pub password_field: Option<String>,
}

fn kind_from_purposes(purposes: &[PurposeTag]) -> Option<Option<AttemptKind>> {
    let mut found = None;
    for p in purposes {
        let k = match (p.purpose.as_str(), p.kind.as_str()) {
            ("user_authentication", "logoff") => None,
            ("user_authentication", "password_reset") => Some(AttemptKind::PasswordReset),
            ("user_authentication", _) => Some(AttemptKind::Logon),
            ("user_registration", _) => Some(AttemptKind::Registration),
            ("notification", "verification_code_verification") => Some(AttemptKind::Verification),
            _ => continue,
        };
        // A logon tag wins over the others when an API carries several.
        match (found, k) {
            (None, _) | (Some(None), _) => found = Some(k),
            (Some(Some(AttemptKind::Logon)), _) => {}
            (Some(Some(_)), Some(AttemptKind::Logon)) => found = Some(k),
            _ => {}
        }
    }
    found
}

#[derive(Default)]
struct Extracted {
    username: Option<String>,
    password: Option<(u8, String, ParamLocation, String)>,
    code: Option<String>,
    captcha_field: bool,
    contact: bool,
}

fn extract(ex: &Exchange) -> Extracted {
    let mut e = Extracted::default();
    for p in ex.request_params_without_cookies() {
        let value = p.value.trim();
        if value.is_empty() || p.kind == "boolean" || p.kind == "null" {
            continue;
        }
        let class = field_class(&p.name);
        if class & field::PASSWORD != 0 {
            let rank = ((class >> field::RANK_SHIFT) & 3) as u8;
            if e.password.as_ref().is_none_or(|(r, ..)| rank < *r) {
                e.password = Some((rank, p.value.clone(), p.location, p.field.clone()));
            }
            continue;
        }
        if class & field::CAPTCHA != 0 {
            e.captcha_field = true;
        }
        if class & field::CODE != 0 {
            if e.code.is_none() && value.chars().count() <= 64 {
                e.code = Some(value.to_string());
            }
            continue;
        }
        if class & field::USERNAME != 0 {
            if class & field::CONTACT != 0 {
                e.contact = true;
            }
            if e.username.is_none() && value.chars().count() <= 256 {
                e.username = Some(value.to_string());
            }
        }
    }
    e
}

/// What a request field name says about a logon ([`field_class`]).
mod field {
    pub const PASSWORD: u32 = 1;
    pub const CAPTCHA: u32 = 2;
    pub const CODE: u32 = 4;
    pub const USERNAME: u32 = 8;
    /// A user name that is an e-mail address or a phone number.
    pub const CONTACT: u32 = 16;
    /// Two bits above: the password rank ([`super::fields::password_rank`]).
    pub const RANK_SHIFT: u32 = 5;
}

/// The [`field`] flags of a parameter name, memoised per thread (every exchange's
/// parameters go through [`extract`]).
fn field_class(name: &str) -> u32 {
    crate::name_memo::memoised!(classify_field, name)
}

fn classify_field(name: &str) -> u32 {
    if is_password_field(name) {
        return field::PASSWORD | u32::from(fields::password_rank(name)) << field::RANK_SHIFT;
    }
    let n = normalize(name);
    let mut class = 0;
    if fields::is_captcha_norm(&n) {
        class |= field::CAPTCHA;
    }
    if fields::is_code_norm(&n) {
        class |= field::CODE;
    }
    if fields::is_username_norm(&n) {
        class |= field::USERNAME;
        if ["email", "mail", "mobile", "phone", "tel"]
            .iter()
            .any(|w| n.contains(w))
        {
            class |= field::CONTACT;
        }
    }
    class
}

/// `user:password` from an `Authorization: Basic` header.
pub fn basic_credentials(ex: &Exchange) -> Option<(String, String)> {
    let h = ex.record.request_header("authorization")?.trim();
    let (scheme, b64) = h.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (u, p) = s.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// Interprets a logon, registration or verification-code exchange; `None` for other exchanges.
pub fn interpret(ex: &Exchange, purposes: &[PurposeTag]) -> Option<CredentialAttempt> {
    let r = ex.record;
    let by_purpose = kind_from_purposes(purposes);
    if by_purpose == Some(None) {
        return None; // logoff
    }
    let e = extract(ex);
    let method = r.method.as_str();
    let writes = matches!(method, "POST" | "PUT" | "PATCH");
    let hint = fields::path_hint(&r.path);

    let mut basic_auth = false;
    let mut username = e.username.clone();
    let mut password = e
        .password
        .as_ref()
        .map(|(_, v, l, f)| (v.clone(), *l, f.clone()));

    let kind = if let Some(Some(k)) = by_purpose {
        k
    } else if password.is_some()
        && (writes || method == "GET")
        && (username.is_some() || hint.is_some())
    {
        if !writes && username.is_none() {
            return None;
        }
        match hint {
            Some(AttemptKind::Registration) => AttemptKind::Registration,
            _ if r.path.to_ascii_lowercase().contains("reset")
                || r.path.to_ascii_lowercase().contains("forgot") =>
            {
                AttemptKind::PasswordReset
            }
            _ => AttemptKind::Logon,
        }
    } else if e.code.is_some()
        && (username.is_some() || e.contact)
        && hint.is_some()
        && (writes || method == "GET")
    {
        match hint {
            Some(AttemptKind::Verification) | None => AttemptKind::Verification,
            Some(k) => k,
        }
    } else if let Some((u, p)) = basic_credentials(ex) {
        basic_auth = true;
        username = Some(u);
        password = Some((p, ParamLocation::Header, "authorization".to_string()));
        AttemptKind::Logon
    } else {
        return None;
    };

    let mut reading = outcome::read_response(ex);
    if basic_auth && reading.outcome == Some(Outcome::Unknown) && (200..400).contains(&r.status) {
        // HTTP authentication fails with 401; any other answer accepted the credentials.
        reading.outcome = Some(Outcome::Success);
    }
    let captcha = e.captcha_field
        || reading.captcha_requested
        || (kind == AttemptKind::Logon && password.is_some() && e.code.is_some());
    Some(CredentialAttempt {
        username,
        password_location: password.as_ref().map(|(_, l, _)| *l),
        password_field: password.as_ref().map(|(_, _, f)| f.clone()),
        password: password.map(|(v, ..)| v),
        code: e.code,
        outcome: reading.outcome,
        failure: reading.failure,
        captcha,
        kind,
        basic_auth,
    })
}

#[cfg(test)]
mod tests;
