//! Authentication observed on a request: which credential it carried, never whether the
//! credential was valid. Header and cookie names follow common frameworks and gateways
//! (`Authorization` schemes of RFC 7235/6750/7617, `X-API-Key`-style headers, session cookies of
//! Java, PHP, ASP.NET, Express, Django, Rails, Laravel).

use crate::exchange::Exchange;
use crate::facts::{AuthKind, AuthObservation};
use base64::Engine as _;

/// Whether a request header carries an API key or token (any case, no copy of the name).
pub fn is_api_key_header(name: &str) -> bool {
    API_KEY_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// Headers that carry an API key or token (lower case).
pub const API_KEY_HEADERS: &[&str] = &[
    "x-api-key",
    "api-key",
    "api_key",
    "apikey",
    "x-apikey",
    "x-auth-token",
    "x-access-token",
    "x-token",
    "token",
    "access-token",
    "x-app-key",
    "appkey",
    "x-appkey",
    "app-key",
    "x-app-token",
    "ocp-apim-subscription-key",
    "x-functions-key",
    "x-goog-api-key",
    "x-client-secret",
    "x-secret-key",
    "x-signature",
    "x-ca-key",
    "x-auth",
    "authorization-token",
];

/// Query parameters that carry an API key or token (lower case).
pub const API_KEY_QUERY: &[&str] = &[
    "api_key",
    "apikey",
    "api-key",
    "key",
    "access_token",
    "accesstoken",
    "token",
    "appkey",
    "app_key",
    "auth",
    "auth_token",
    "x-api-key",
    "secret",
    "client_secret",
    "signature",
    "sig",
];

/// Whether a string is a JSON Web Token (three base64url parts, a JSON header with `alg`).
pub fn is_jwt(s: &str) -> bool {
    let s = s.trim();
    // The base64url of a JSON header (`{"`) always starts with `eyJ`.
    if !s.starts_with("eyJ") || s.bytes().filter(|&c| c == b'.').count() != 2 {
        return false;
    }
    // A session's token comes back on every call: its header is decoded once per thread.
    crate::name_memo::memoised!(has_jwt_header, s, bool, MAX_MEMO_TOKEN)
}

/// Tokens up to this length are remembered by [`is_jwt`] and the JWT subject and weakness
/// checks (real JWTs are a few hundred bytes).
pub const MAX_MEMO_TOKEN: usize = 2048;

/// The header part of a compact token decodes to JSON with an `alg`.
fn has_jwt_header(s: &str) -> bool {
    let mut parts = s.split('.');
    let (Some(h), Some(p), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if h.len() < 10 || p.is_empty() || h.len() > 2048 {
        return false;
    }
    let Ok(bytes) =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h.trim_end_matches('='))
    else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .is_some_and(|v| v.get("alg").is_some())
}

/// Whether a cookie name looks like a session or token cookie.
pub fn is_session_cookie(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "jsessionid"
            | "phpsessid"
            | "asp.net_sessionid"
            | "connect.sid"
            | "sid"
            | "sessionid"
            | "session"
            | "laravel_session"
            | "ci_session"
            | "_session_id"
            | "jwt"
            | "token"
            | "access_token"
            | "auth_token"
            | "remember_token"
            | "sso_token"
            | "ticket"
    ) || n.contains("session")
        || n.ends_with("_sess")
        || n.ends_with("token")
        || n.starts_with("auth")
}

/// The credentials one request carried.
pub fn observe(ex: &Exchange) -> AuthObservation {
    let r = ex.record;
    let mut kinds = Vec::new();
    let mut push = |k: AuthKind| {
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    };
    if let Some(v) = r
        .request_header("authorization")
        .or_else(|| r.request_header("proxy-authorization"))
    {
        let v = v.trim();
        let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
        match scheme.to_ascii_lowercase().as_str() {
            "bearer" if is_jwt(rest) => push(AuthKind::BearerJwt),
            "bearer" => push(AuthKind::BearerToken),
            "basic" => push(AuthKind::Basic),
            _ if is_jwt(v) => push(AuthKind::BearerJwt),
            _ if !v.is_empty() => push(AuthKind::ApiKeyHeader),
            _ => {}
        }
    }
    for (k, v) in &r.request_headers {
        if is_api_key_header(k) && !v.trim().is_empty() {
            push(if is_jwt(v) {
                AuthKind::BearerJwt
            } else {
                AuthKind::ApiKeyHeader
            });
        }
    }
    for (k, v) in ex.query() {
        if API_KEY_QUERY.contains(&k.to_ascii_lowercase().as_str()) && v.len() >= 8 {
            push(AuthKind::ApiKeyQuery);
        }
    }
    if ex
        .cookies()
        .iter()
        .any(|(k, v)| is_session_cookie(k) && v.len() >= 8)
    {
        push(AuthKind::CookieSession);
    }
    kinds.sort();
    AuthObservation { kinds }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn rec(headers: &[(&str, &str)], query: Option<&str>) -> Record {
        Record {
            time_ms: 0,
            host: "h".into(),
            method: "GET".into(),
            path: "/x".into(),
            query: query.map(Into::into),
            scheme: None,
            client_ip: "1.2.3.4".parse().unwrap(),
            user_agent: None,
            status: 200,
            request_headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            request_body: None,
            response_headers: vec![],
            response_body: None,
            account: None,
            waf_action: None,
            waf_rule: None,
        }
    }

    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

    fn kinds(headers: &[(&str, &str)], query: Option<&str>) -> Vec<AuthKind> {
        let r = rec(headers, query);
        observe(&Exchange::new(&r)).kinds
    }

    #[test]
    fn schemes() {
        assert_eq!(
            kinds(&[("authorization", &format!("Bearer {JWT}"))], None),
            vec![AuthKind::BearerJwt]
        );
        assert_eq!(
            kinds(
                &[(
                    "authorization",
                    "Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a"
                )],
                None
            ),
            vec![AuthKind::BearerToken]
        );
        assert_eq!(
            kinds(&[("authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l")], None),
            vec![AuthKind::Basic]
        );
        assert_eq!(
            kinds(&[("x-api-key", "k_live_abcdef123456")], None),
            vec![AuthKind::ApiKeyHeader]
        );
        assert_eq!(
            kinds(&[], Some("api_key=abcd1234efgh")),
            vec![AuthKind::ApiKeyQuery]
        );
        assert_eq!(
            kinds(
                &[("cookie", "JSESSIONID=8F3A9C2E1B4D4E5F; theme=dark")],
                None
            ),
            vec![AuthKind::CookieSession]
        );
    }

    #[test]
    fn no_credentials() {
        assert!(kinds(&[("cookie", "theme=dark; lang=en")], Some("page=2&key=a")).is_empty());
        assert!(kinds(&[("user-agent", "curl/8")], None).is_empty());
        assert!(!is_jwt("a.b.c"));
        assert!(!is_jwt("not a token"));
    }
}
