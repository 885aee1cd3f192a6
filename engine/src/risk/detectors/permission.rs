//! Permission-management risks: guessable credentials, unauthenticated sensitive and internal
//! APIs, credentials in URLs, and cloud credentials in responses.

use crate::catalog::SensitivityLevel;
use crate::exchange::ParamLocation;
use crate::facts::{ApiSummary, Direction, ServiceObject};
use crate::risk::cx::{self, is_credential_param_name, is_session_cookie_name, level_of, Cx};
use crate::risk::state::ApiState;
use crate::risk::{Detector, RiskSignals, Verdict};
use crate::sensitive::mask;
use base64::Engine as _;
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Types that are credentials rather than personal data: their leaks have detectors of their
/// own (AccessKey pairs, STS tokens, large-model keys, server information).
pub fn is_credential_type(id: u32) -> bool {
    matches!(id, 2002..=2006 | 2013 | 2014 | 4399..=4405)
}

/// The API is authenticated: discovery says so, or most of its calls carried a credential.
pub fn api_authenticated(api: &ApiSummary, st: &ApiState) -> bool {
    api.authenticated || st.authenticated_share() >= 0.5
}

fn looks_like_jwt(v: &str) -> bool {
    v.starts_with("eyJ") && v.split('.').count() == 3
}

/// Shannon entropy of the value's characters times its length, in bits: a rough upper bound
/// of the guessing work for a token drawn from the observed alphabet.
pub fn entropy_bits(v: &str) -> f64 {
    // ASCII characters are counted in an array; others (rare in tokens) in a map.
    let mut ascii = [0u32; 128];
    let mut counts: foldhash::HashMap<char, u32> = Default::default();
    let mut n = 0f64;
    for c in v.chars() {
        match ascii.get_mut(c as usize) {
            Some(k) => *k += 1,
            None => *counts.entry(c).or_insert(0) += 1,
        }
        n += 1.0;
    }
    if n == 0.0 {
        return 0.0;
    }
    let h: f64 = ascii
        .iter()
        .filter(|&&c| c > 0)
        .chain(counts.values())
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum();
    h * n
}

/// Why a session token or API credential is guessable, if it is. Tokens of under 16
/// characters, all-digit tokens, base64 of readable data (`alice:1700000000`), and tokens with
/// under 48 bits of character entropy (repeated or sequential characters).
pub fn credential_weakness(v: &str) -> Option<&'static str> {
    let v = v.trim().trim_matches('"');
    if v.len() < 4
        || looks_like_jwt(v)
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "undefined" | "deleted" | "none" | "yes" | "no"
        )
    {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return Some("numeric");
    }
    if v.chars().count() < 16 {
        return Some("short");
    }
    if v.len() <= 128 {
        // Cookies and URLs often drop the `=` padding or percent-encode it.
        let unpadded = v
            .trim_end_matches("%3D")
            .trim_end_matches("%3d")
            .trim_end_matches('=');
        let engines = [
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        for e in engines {
            if let Ok(raw) = e.decode(unpadded) {
                if raw.len() >= 6
                    && raw.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
                    && raw
                        .iter()
                        .any(|b| matches!(b, b':' | b'|' | b'@' | b',' | b'_' | b'-' | b' '))
                {
                    return Some("encoded readable data");
                }
            }
        }
    }
    if entropy_bits(v) < 48.0 {
        return Some("low entropy");
    }
    None
}

/// `weak_credential_randomness`: a session cookie, bearer token or API-key header sent to the
/// API, or a session cookie or token it issues, that [`credential_weakness`] finds guessable.
pub struct WeakCredentialRandomness;

impl Detector for WeakCredentialRandomness {
    describe!(
        "weak_credential_randomness",
        "The API relies on session identifiers or tokens that are not random enough: short, numeric, sequential, or plain data merely encoded. An attacker can guess or derive valid credentials of other users and take over their sessions.",
        "Generate session identifiers and tokens with a cryptographically secure random generator and at least 128 bits of randomness, or use signed tokens from a vetted library; never build them from user names, counters or timestamps."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let r = cx.record();
        // (where, name, value), borrowed: the label is only written for a weak one.
        let mut candidates: Vec<(&str, &str, &str)> = Vec::new();
        if let Some(auth) = r.request_header("authorization") {
            if let Some((scheme, tok)) = auth.trim().split_once(' ') {
                if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
                    candidates.push(("Authorization bearer", "", tok.trim()));
                }
            }
        }
        for h in [
            "x-auth-token",
            "x-access-token",
            "x-token",
            "token",
            "x-session-token",
        ] {
            if let Some(v) = r.request_header(h) {
                candidates.push(("header", h, v));
            }
        }
        for (k, v) in cx.ctx.ex.cookies() {
            if is_session_cookie_name(k) {
                candidates.push(("cookie", k, v));
            }
        }
        for (k, v) in &r.response_headers {
            if !k.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            for line in v.split('\n') {
                let first = line.split(';').next().unwrap_or("");
                if let Some((name, value)) = first.split_once('=') {
                    if is_session_cookie_name(name.trim())
                        && !line.to_ascii_lowercase().contains("max-age=0")
                    {
                        candidates.push(("Set-Cookie", name.trim(), value.trim()));
                    }
                }
            }
        }
        if cx.attempt().is_some() {
            if let Some(serde_json::Value::Object(map)) = cx.ctx.ex.response_json() {
                let data = map.get("data").and_then(|d| d.as_object());
                for m in [Some(map), data].into_iter().flatten() {
                    for (k, v) in m {
                        let n = crate::login::normalize(k);
                        if matches!(
                            n.as_str(),
                            "token" | "accesstoken" | "sessionid" | "sessiontoken" | "authtoken"
                        ) {
                            if let Some(s) = v.as_str() {
                                candidates.push(("issued", k, s));
                            }
                        }
                    }
                }
            }
        }
        for (where_, name, v) in candidates {
            if let Some(why) = cached_credential_weakness(v) {
                let label = if name.is_empty() {
                    where_.to_string()
                } else {
                    format!("{where_} {name}")
                };
                out.hit(self.key(), || {
                    format!(
                        "{}; {} {} is {} ({} chars)",
                        cx.line(),
                        label,
                        mask(0, &cx::excerpt(v, 64)),
                        why,
                        v.chars().count()
                    )
                });
                return;
            }
        }
    }
}

/// [`credential_weakness`] remembered per thread: a session's token comes back on every call.
fn cached_credential_weakness(v: &str) -> Option<&'static str> {
    crate::name_memo::memoised!(
        credential_weakness,
        v,
        Option<&'static str>,
        crate::discovery::auth::MAX_MEMO_TOKEN
    )
}

/// The response carries high-sensitivity data the request did not itself send: S3 or S4
/// values, or more than 20 S2 values (the product's High sensitivity rule). Credential types
/// are left to their own detectors.
fn high_sensitive_response(cx: &Cx) -> Option<String> {
    let sent: HashSet<&str> = cx.request_findings().map(|f| f.value.as_str()).collect();
    let mut s2 = 0u32;
    let mut top: Option<(u32, &str)> = None;
    for f in cx.response_findings() {
        if is_credential_type(f.type_id) || sent.contains(f.value.as_str()) {
            continue;
        }
        match level_of(f.type_id) {
            Some(SensitivityLevel::S3 | SensitivityLevel::S4) if top.is_none() => {
                top = Some((f.type_id, f.value.as_str()));
            }
            Some(SensitivityLevel::S2) => s2 += 1,
            _ => {}
        }
    }
    match top {
        Some((t, v)) => Some(format!("type {t} {}", mask(t, v))),
        None if s2 > 20 => Some(format!("{s2} S2 values")),
        None => None,
    }
}

/// `unauthenticated_sensitive_api`: a request without any credential that was answered 2xx
/// with high-sensitivity data (see [`high_sensitive_response`]), on an API that is not
/// authenticated overall. Logon and registration exchanges are left out: they authenticate
/// with the body and answer with the caller's own data.
pub struct UnauthenticatedSensitiveApi;

impl Detector for UnauthenticatedSensitiveApi {
    describe!(
        "unauthenticated_sensitive_api",
        "The API returns highly sensitive data (identity numbers, phone numbers, bank cards, or large amounts of personal data) to callers that present no credential at all. Anyone who finds the endpoint can harvest the data.",
        "Require authentication on the API and check on every request that the caller is allowed to see the records returned; remove or mask sensitive fields that the client does not need."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() || cx.authenticated() || cx.attempt().is_some() {
            return;
        }
        if let Some(what) = high_sensitive_response(cx) {
            out.hit(self.key(), || {
                format!("{}; no credential; response holds {}", cx.line(), what)
            });
        }
    }

    fn judge(&self, api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        if api_authenticated(api, st) {
            return None;
        }
        st.verdict(self.key())
    }
}

/// Endpoints that must answer without credentials: health and readiness probes, and the
/// logon, registration and verification pages themselves.
fn is_public_by_design(cx: &Cx) -> bool {
    let r = cx.record();
    if matches!(r.method.as_str(), "HEAD" | "OPTIONS") {
        return true;
    }
    let last = r
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let last = last.split('.').next().unwrap_or("");
    matches!(
        last,
        "health"
            | "healthz"
            | "healthcheck"
            | "ping"
            | "ready"
            | "readyz"
            | "live"
            | "livez"
            | "liveness"
            | "readiness"
            | "alive"
            | "heartbeat"
            | "status"
            | "favicon"
    ) || crate::login::path_hint(&r.path).is_some()
        || cx.has_purpose("user_authentication", None)
        || cx.has_purpose("user_registration", None)
}

/// `unauthenticated_internal_api`: an API whose service object is internal office, not
/// authenticated overall, that answered 2xx to requests without any credential (logon
/// exchanges, logon pages and health probes aside).
pub struct UnauthenticatedInternalApi;

impl Detector for UnauthenticatedInternalApi {
    describe!(
        "unauthenticated_internal_api",
        "An API of an internal application answers requests that carry no credential. Anyone who can reach it, including from a compromised machine or through a misconfigured proxy, can use internal functions and read internal data.",
        "Put internal APIs behind the company's single sign-on or another authentication layer and check authorisation on every call, even on the internal network."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if cx.ok() && !cx.authenticated() && cx.attempt().is_none() && !is_public_by_design(cx) {
            out.hit(self.key(), || format!("{}; no credential", cx.line()));
        }
    }

    fn judge(&self, api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        if api.service_object != ServiceObject::InternalOffice || api_authenticated(api, st) {
            return None;
        }
        st.verdict(self.key())
    }
}

/// `credential_in_url`: a token, session id, API key, secret or signature in the query string
/// (named like one and with a credential-like value), a JWT in any query value, a
/// `;jsessionid=` path parameter, or a cloud/LLM key found by the scanner in the query.
pub struct CredentialInUrl;

fn credential_like_value(name: &str, v: &str) -> bool {
    let v = v.trim();
    if v.len() < 8 || v.contains(char::is_whitespace) || super::spec::is_http_url(v) {
        return false;
    }
    if crate::login::normalize(name) == "key" {
        // `key` is often a search key or cache key: require a secret-looking value.
        return v.len() >= 20
            && v.bytes().any(|b| b.is_ascii_digit())
            && v.bytes().any(|b| b.is_ascii_alphabetic());
    }
    true
}

impl Detector for CredentialInUrl {
    describe!(
        "credential_in_url",
        "The API receives authentication credentials (tokens, session identifiers, API keys or signatures) in the URL. URLs are recorded in server and proxy logs, browser history and Referer headers, where the credentials can be picked up and replayed.",
        "Send credentials in the Authorization header, a secure cookie or the request body; if a link must carry one, make it single-use and short-lived, and keep it out of logs."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if cx.path_lower().contains(";jsessionid=") {
            out.hit(self.key(), || {
                format!("{}; ;jsessionid= in the path", cx.line())
            });
            return;
        }
        for p in cx.params() {
            if p.location != ParamLocation::Query || crate::login::is_password_field(&p.name) {
                continue;
            }
            if (is_credential_param_name(&p.name) && credential_like_value(&p.name, &p.value))
                || looks_like_jwt(p.value.trim())
            {
                out.hit(self.key(), || cx.param_evidence(p, "credential in URL"));
                return;
            }
        }
        if let Some(f) = cx.ctx.findings.iter().find(|f| {
            f.direction == Direction::Request
                && f.field.starts_with("query")
                && matches!(f.type_id, 2005 | 2006 | 4399..=4405)
        }) {
            out.hit(self.key(), || {
                format!("{}; {} {}", cx.line(), f.field, mask(f.type_id, &f.value))
            });
        }
    }
}

fn ak_regexes() -> &'static (Regex, Regex) {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    RE.get_or_init(|| {
        (
            Regex::new(r#"(?i)"?(?:access_?key_?id|aws_?access_?key_?id|accesskey)"?\s*[:=]\s*"?([A-Za-z0-9.]{16,40})"#)
                .expect("ak id regex"),
            Regex::new(r#"(?i)"?(?:access_?key_?secret|secret_?access_?key|aws_?secret_?access_?key|secret_?key)"?\s*[:=]\s*"?([A-Za-z0-9/+=]{24,48})"#)
                .expect("ak secret regex"),
        )
    })
}

fn is_sts_key_id(id: &str) -> bool {
    id.starts_with("STS.") || (id.starts_with("ASIA") && id.len() == 20)
}

/// `accesskey_pair_leak`: a response carrying both an AccessKey ID and its secret (scanner
/// types 2005 + 2006, or the pair type 4399; or `AccessKeyId`/`AccessKeySecret`-style fields).
/// Temporary STS credentials are `unauthenticated_sts_token`'s business.
pub struct AccesskeyPairLeak;

impl Detector for AccesskeyPairLeak {
    describe!(
        "accesskey_pair_leak",
        "The API's response contains a cloud AccessKey ID together with its secret. With the pair, anyone can call the cloud provider's APIs with the key owner's permissions: read storage, start resources or delete data.",
        "Disable and rotate the exposed key pair at once and review its recent use; never return long-term keys to clients, and hand out short-lived, narrowly scoped credentials from a trusted backend instead."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let resp: Vec<_> = cx.response_findings().collect();
        let id = resp
            .iter()
            .find(|f| f.type_id == 2005 && !is_sts_key_id(&f.value));
        let pair = resp.iter().find(|f| f.type_id == 4399);
        if let Some(f) = pair.or(id.filter(|_| resp.iter().any(|f| f.type_id == 2006))) {
            out.hit(self.key(), || {
                format!(
                    "{}; response {} {}",
                    cx.line(),
                    f.field,
                    mask(f.type_id, &f.value)
                )
            });
            return;
        }
        let body = cx.response_body();
        if !body.to_ascii_lowercase().contains("secret") {
            return;
        }
        let (id_re, secret_re) = ak_regexes();
        if let (Some(idc), true) = (id_re.captures(body), secret_re.is_match(body)) {
            let id = idc.get(1).map_or("", |m| m.as_str());
            if !is_sts_key_id(id) && id.bytes().any(|b| b.is_ascii_digit()) {
                out.hit(self.key(), || {
                    format!(
                        "{}; response AccessKey ID {} with its secret",
                        cx.line(),
                        mask(2005, id)
                    )
                });
            }
        }
    }
}

fn sts_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?i)"?(?:access_?key_?id)"?\s*[:=]\s*"?((?-i:STS\.[A-Za-z0-9]{10,}|ASIA[A-Z0-9]{16}))"#)
            .expect("sts regex")
    })
}

/// `unauthenticated_sts_token`: a response to a request without credentials that carries
/// temporary cloud credentials: an AccessKey ID of the STS form (`STS.…` on Alibaba Cloud,
/// `ASIA…` on AWS) or a `SecurityToken`/`SessionToken` with an AccessKey ID.
pub struct UnauthenticatedStsToken;

impl Detector for UnauthenticatedStsToken {
    describe!(
        "unauthenticated_sts_token",
        "The API hands out temporary cloud credentials (an STS token with its key pair) to callers without any authentication. Anyone can obtain working cloud credentials from it and use whatever permissions the role grants until they expire.",
        "Require authentication before issuing temporary credentials, scope the role's policy to the minimum (specific buckets and prefixes, short lifetimes), and review the role's recent activity; never expose STS-issuing endpoints publicly."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() || cx.authenticated() {
            return;
        }
        let body = cx.response_body();
        if let Some(c) = sts_regex().captures(body) {
            let id = c.get(1).map_or("", |m| m.as_str());
            out.hit(self.key(), || {
                format!(
                    "{}; no credential; response STS AccessKey ID {}",
                    cx.line(),
                    mask(2005, id)
                )
            });
            return;
        }
        let lower_has = |w: &str| body.to_ascii_lowercase().contains(w);
        if (lower_has("securitytoken") || lower_has("sessiontoken") || lower_has("security_token"))
            && (lower_has("accesskeyid") || lower_has("access_key_id"))
        {
            if let Some(pos) = body.to_ascii_lowercase().find("token") {
                out.hit(self.key(), || {
                    cx.response_evidence(pos, "no credential; temporary token")
                });
            }
        }
    }
}
