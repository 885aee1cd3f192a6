//! The account behind a request.
//!
//! Order: the log's own `account` field (the gateway knew it), a configured header or parameter,
//! the common identity headers set by gateways and auth proxies, the subject of a bearer JWT
//! (`sub`, else `username`/`preferred_username`/`email`/`uid`/`user_id`), the user of HTTP Basic
//! authentication. Session cookies are tied to accounts later, in the event state, from the
//! login exchange that set them (see `event::session`), because that needs more than one request.

use crate::exchange::Exchange;
use crate::facts::{AuthKind, AuthObservation};
use base64::Engine as _;

/// Where a deployment says its account is.
#[derive(Debug, Clone, Default)]
pub struct AccountConfig {
    /// Request headers holding the account (lower-case names), checked before the defaults.
    pub headers: Vec<String>,
    /// Query, form or JSON parameters holding the account.
    pub params: Vec<String>,
}

/// Identity headers commonly set by gateways and authenticating proxies.
const DEFAULT_HEADERS: &[&str] = &[
    "x-account",
    "x-user",
    "x-user-id",
    "x-userid",
    "x-username",
    "x-auth-user",
    "x-authenticated-user",
    "x-remote-user",
    "remote-user",
    "x-forwarded-user",
    "x-consumer-username",
];

/// JWT claims naming the subject, in preference order.
const JWT_CLAIMS: &[&str] = &[
    "sub",
    "preferred_username",
    "username",
    "user_name",
    "email",
    "uid",
    "user_id",
    "userId",
];

const MAX_ACCOUNT: usize = 128;

fn clean(v: &str) -> Option<String> {
    let v = v.trim();
    if v.is_empty() || v == "-" || v.len() > MAX_ACCOUNT || v.chars().any(char::is_control) {
        return None;
    }
    Some(v.to_string())
}

/// The account behind a request with the default configuration.
pub fn identify(ex: &Exchange, auth: &AuthObservation) -> Option<String> {
    identify_with(ex, auth, &AccountConfig::default())
}

/// The account behind a request.
pub fn identify_with(
    ex: &Exchange,
    _auth: &AuthObservation,
    cfg: &AccountConfig,
) -> Option<String> {
    let r = ex.record;
    if let Some(a) = r.account.as_deref().and_then(clean) {
        return Some(a);
    }
    for h in &cfg.headers {
        if let Some(a) = r.request_header(h).and_then(clean) {
            return Some(a);
        }
    }
    for p in &cfg.params {
        if let Some(a) = ex.param(p).as_deref().and_then(clean) {
            return Some(a);
        }
    }
    // One pass over the headers instead of one per default name (most requests carry none
    // of them): the first value of each name, then the names in preference order.
    let mut first = [None; DEFAULT_HEADERS.len()];
    for (k, v) in &r.request_headers {
        if let Some(i) = DEFAULT_HEADERS
            .iter()
            .position(|h| k.eq_ignore_ascii_case(h))
        {
            first[i].get_or_insert(v.as_str());
        }
    }
    if let Some(a) = first.into_iter().flatten().find_map(clean) {
        return Some(a);
    }
    let authz = r.request_header("authorization").unwrap_or("").trim();
    if let Some(token) = strip_scheme(authz, "bearer") {
        if let Some(a) = jwt_subject(token) {
            return Some(a);
        }
    }
    if let Some(b) = strip_scheme(authz, "basic") {
        if let Some(a) = basic_user(b) {
            return Some(a);
        }
    }
    None
}

/// The same as [`identify`], but also tells whether the auth observation saw a credential kind
/// that usually names an account (for callers that weigh the result).
pub fn names_account(auth: &AuthObservation) -> bool {
    auth.kinds
        .iter()
        .any(|k| matches!(k, AuthKind::BearerJwt | AuthKind::Basic))
}

fn strip_scheme<'a>(v: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = v.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// The subject claim of a JWT (payload decoded, signature not checked: we only name who the
/// client claims to be).
pub fn jwt_subject(token: &str) -> Option<String> {
    if token.len() > 8192 {
        return None;
    }
    // A session's token comes back on every call: its payload is decoded once per thread.
    crate::name_memo::memoised!(
        decode_subject,
        token,
        Option<String>,
        crate::discovery::auth::MAX_MEMO_TOKEN
    )
}

fn decode_subject(token: &str) -> Option<String> {
    let mut parts = token.split('.');
    let (_h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let obj = v.as_object()?;
    for c in JWT_CLAIMS {
        match obj.get(*c) {
            Some(serde_json::Value::String(s)) => {
                if let Some(a) = clean(s) {
                    return Some(a);
                }
            }
            Some(serde_json::Value::Number(n)) => return Some(n.to_string()),
            _ => {}
        }
    }
    None
}

fn basic_user(b64: &str) -> Option<String> {
    if b64.len() > 1024 {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let s = String::from_utf8(bytes).ok()?;
    clean(s.split_once(':')?.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn rec(headers: Vec<(&str, &str)>, account: Option<&str>) -> Record {
        Record {
            time_ms: 0,
            host: "h".into(),
            method: "GET".into(),
            path: "/x".into(),
            query: Some("uid=77".into()),
            scheme: None,
            client_ip: "1.2.3.4".parse().unwrap(),
            user_agent: None,
            status: 200,
            request_headers: headers
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            request_body: None,
            response_headers: vec![],
            response_body: None,
            account: account.map(Into::into),
            waf_action: None,
            waf_rule: None,
        }
    }

    fn jwt(payload: &str) -> String {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            e.encode(r#"{"alg":"HS256"}"#),
            e.encode(payload)
        )
    }

    #[test]
    fn log_field_wins() {
        let r = rec(vec![("x-user", "bob")], Some("alice"));
        let a = identify(&Exchange::new(&r), &AuthObservation::default());
        assert_eq!(a.as_deref(), Some("alice"));
    }

    #[test]
    fn identity_headers_in_preference_order() {
        let who = |headers: Vec<(&str, &str)>| {
            let r = rec(headers, None);
            identify(&Exchange::new(&r), &AuthObservation::default())
        };
        // `x-user` comes before `x-user-id` and `x-username` whatever the header order; only
        // its first value counts, and an unusable one falls through to the next name.
        assert_eq!(
            who(vec![("x-username", "carol"), ("X-User", "bob")]).as_deref(),
            Some("bob")
        );
        assert_eq!(
            who(vec![
                ("x-username", "carol"),
                ("x-user", "-"),
                ("X-User-Id", "dave"),
                ("x-user", "erin"),
            ])
            .as_deref(),
            Some("dave")
        );
        assert_eq!(who(vec![("Remote-User", " ann ")]).as_deref(), Some("ann"));
        assert_eq!(who(vec![("x-request-id", "abc")]), None);
    }

    #[test]
    fn jwt_subject_and_basic_user() {
        let t = format!("Bearer {}", jwt(r#"{"sub":"u-1001","exp":1}"#));
        let r = rec(vec![("authorization", &t)], None);
        assert_eq!(
            identify(&Exchange::new(&r), &AuthObservation::default()).as_deref(),
            Some("u-1001")
        );
        let t = format!("Bearer {}", jwt(r#"{"user_id":42}"#));
        let r = rec(vec![("authorization", &t)], None);
        assert_eq!(
            identify(&Exchange::new(&r), &AuthObservation::default()).as_deref(),
            Some("42")
        );
        let r = rec(vec![("authorization", "Basic YWRtaW46c2VjcmV0")], None);
        assert_eq!(
            identify(&Exchange::new(&r), &AuthObservation::default()).as_deref(),
            Some("admin")
        );
        // Opaque tokens name nobody.
        let r = rec(vec![("authorization", "Bearer abcdef123456")], None);
        assert_eq!(
            identify(&Exchange::new(&r), &AuthObservation::default()),
            None
        );
    }

    #[test]
    fn configured_header_and_param() {
        let r = rec(vec![("x-emp-no", "E0042")], None);
        let ex = Exchange::new(&r);
        assert_eq!(identify(&ex, &AuthObservation::default()), None);
        let cfg = AccountConfig {
            headers: vec!["x-emp-no".into()],
            params: vec![],
        };
        assert_eq!(
            identify_with(&ex, &AuthObservation::default(), &cfg).as_deref(),
            Some("E0042")
        );
        let cfg = AccountConfig {
            headers: vec![],
            params: vec!["uid".into()],
        };
        assert_eq!(
            identify_with(&ex, &AuthObservation::default(), &cfg).as_deref(),
            Some("77")
        );
    }
}
