//! The per-exchange view the risk detectors share: the shared context plus lazily computed
//! pieces (request parameters, the credential attempt, whether the request authenticated) and
//! helpers for short, masked evidence.

use crate::catalog::{catalog, SensitivityLevel};
use crate::exchange::Param;
use crate::facts::{Direction, ExchangeContext, RawFinding};
use crate::login::{self, CredentialAttempt};
use crate::sensitive::mask;
use std::cell::OnceCell;

/// Longest evidence string (characters).
pub const MAX_EVIDENCE: usize = 300;
/// Longest body prefix any risk detector reads: bounded work on huge or hostile bodies.
pub const MAX_BODY_SCAN: usize = crate::exchange::response_words::RISK_SCAN;

pub struct Cx<'a, 'b> {
    pub ctx: &'a ExchangeContext<'b>,
    attempt: OnceCell<Option<CredentialAttempt>>,
    authenticated: OnceCell<bool>,
    /// The first application exception signature in the response, with its offset.
    app_exception: OnceCell<Option<(usize, &'static str)>>,
}

impl<'a, 'b> Cx<'a, 'b> {
    pub fn new(ctx: &'a ExchangeContext<'b>) -> Self {
        Cx {
            ctx,
            attempt: OnceCell::new(),
            authenticated: OnceCell::new(),
            app_exception: OnceCell::new(),
        }
    }

    /// The request path in ASCII lower case ([`crate::exchange::Exchange::path_lower`]).
    pub fn path_lower(&self) -> &str {
        self.ctx.ex.path_lower()
    }

    /// The detectors' word groups in the path ([`crate::exchange::Exchange::path_words`]).
    pub fn path_words(&self) -> crate::exchange::PathWords {
        self.ctx.ex.path_words()
    }

    pub fn record(&self) -> &crate::record::Record {
        self.ctx.ex.record
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.record().status)
    }

    /// Query, form and JSON body parameters (cookies excluded).
    pub fn params(&self) -> &[Param] {
        self.ctx.ex.request_params_without_cookies()
    }

    pub fn attempt(&self) -> Option<&CredentialAttempt> {
        self.attempt
            .get_or_init(|| login::interpret(self.ctx.ex, self.ctx.purposes))
            .as_ref()
    }

    /// The request carried a credential: discovery's observation, else our own look at the
    /// headers, cookies and query (until discovery fills `AuthObservation` everywhere).
    pub fn authenticated(&self) -> bool {
        *self
            .authenticated
            .get_or_init(|| self.ctx.auth.authenticated() || request_has_credential(self))
    }

    /// The prefilter words of the response: computed once per exchange by `compute`.
    /// The signature word groups of the response
    /// ([`crate::exchange::Exchange::response_words`]).
    pub fn response_words(&self) -> crate::exchange::ResponseWords {
        self.ctx.ex.response_words()
    }

    /// The first application exception signature of the response (see
    /// `detectors::exceptions::app_exception`), computed once per exchange by `compute`.
    pub fn app_exception(
        &self,
        compute: impl FnOnce() -> Option<(usize, &'static str)>,
    ) -> Option<(usize, &'static str)> {
        *self.app_exception.get_or_init(compute)
    }

    pub fn response_body(&self) -> &str {
        prefix(
            self.record().response_body.as_deref().unwrap_or(""),
            MAX_BODY_SCAN,
        )
    }

    pub fn has_purpose(&self, purpose: &str, kind: Option<&str>) -> bool {
        self.ctx
            .purposes
            .iter()
            .any(|p| p.purpose == purpose && kind.is_none_or(|k| p.kind == k))
    }

    pub fn response_findings(&self) -> impl Iterator<Item = &RawFinding> {
        self.ctx
            .findings
            .iter()
            .filter(|f| f.direction == Direction::Response)
    }

    pub fn request_findings(&self) -> impl Iterator<Item = &RawFinding> {
        self.ctx
            .findings
            .iter()
            .filter(|f| f.direction == Direction::Request)
    }

    /// `POST /path` (query omitted: it goes through [`Cx::param_evidence`] when it matters).
    pub fn line(&self) -> String {
        let r = self.record();
        // Built by hand: every exchange makes one (`format!` costs more than the copies).
        let mut s = String::with_capacity(r.method.len() + r.path.len() + 8);
        s.push_str(&r.method);
        s.push(' ');
        s.push_str(&r.path);
        s.push_str(" -> ");
        let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{}", r.status));
        s
    }

    /// Evidence naming one request parameter with its masked value (made final by
    /// `RiskSignals::hit`, like every hit's evidence).
    pub fn param_evidence(&self, p: &Param, note: &str) -> String {
        let r = self.record();
        format!(
            "{} {} {}.{}={} -> {}{}",
            r.method,
            r.path,
            p.location.as_str(),
            p.field,
            mask(0, &excerpt(&p.value, 80)),
            r.status,
            if note.is_empty() {
                String::new()
            } else {
                format!("; {note}")
            }
        )
    }

    /// Evidence quoting a response excerpt around byte `at`, with sensitive values masked
    /// (made final by `RiskSignals::hit`).
    pub fn response_evidence(&self, at: usize, note: &str) -> String {
        let body = self.response_body();
        let text = window(body, at, 160);
        format!(
            "{}; {}: {}",
            self.line(),
            note,
            mask_secrets(&self.redact(&text))
        )
    }

    /// Replaces every known sensitive value in `text` with its masked form.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for f in self.ctx.findings {
            if f.value.len() >= 4 && out.contains(f.value.as_str()) {
                out = out.replace(f.value.as_str(), &mask(f.type_id, &f.value));
            }
        }
        out
    }
}

/// Masks every run of 16 or more token characters that mixes letters and digits (keys,
/// tokens, hashes) in a free-text excerpt.
pub fn mask_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let mixed =
            run.bytes().any(|b| b.is_ascii_digit()) && run.bytes().any(|b| b.is_ascii_alphabetic());
        if run.len() >= 16 && mixed {
            out.push_str(&mask(0, run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-') {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

pub fn level_of(type_id: u32) -> Option<SensitivityLevel> {
    catalog().sensitive(type_id).map(|t| t.level)
}

pub use crate::exchange::prefix;

/// At most `max` characters of `s`, with `…` when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// About `width` bytes of `body` around byte offset `at`, on one line.
pub fn window(body: &str, at: usize, width: usize) -> String {
    let at = at.min(body.len());
    let mut start = at.saturating_sub(width / 4);
    while !body.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + width).min(body.len());
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[start..end]
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Final evidence: control characters flattened, at most [`MAX_EVIDENCE`] characters. Most
/// evidence is short printable ASCII and is returned as it is.
pub fn evidence(s: String) -> String {
    if s.len() <= MAX_EVIDENCE && s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s;
    }
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= MAX_EVIDENCE {
        flat
    } else {
        let mut out: String = flat.chars().take(MAX_EVIDENCE - 1).collect();
        out.push('…');
        out
    }
}

const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
    "access-token",
    "x-token",
    "token",
    "x-session-token",
    "x-session-id",
    "x-amz-security-token",
    "x-acs-security-token",
    "x-user-token",
    "authentication",
];

/// A cookie name that carries a session or a token.
pub fn is_session_cookie_name(name: &str) -> bool {
    // Memoised per thread: the same cookie names come back on every exchange.
    crate::name_memo::memoised!(session_cookie_class, name) != 0
}

fn session_cookie_class(name: &str) -> u32 {
    u32::from(names_a_session(name))
}

fn names_a_session(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    if n.contains("csrf") || n.contains("xsrf") {
        return false;
    }
    // Attributes of a session rather than the session: `session_expiry`, `token_type`...
    if [
        "expir", "timeout", "time", "type", "count", "date", "ttl", "lang", "theme", "mode",
        "state", "status", "flag", "version", "length",
    ]
    .iter()
    .any(|w| n.contains(w))
    {
        return false;
    }
    n.contains("sess")
        || n.contains("token")
        || n.contains("jwt")
        || n.contains("ticket")
        || n.ends_with("sid")
        || n.starts_with("auth")
        || n.ends_with("auth")
}

/// A query parameter that carries a credential.
pub fn is_credential_param_name(name: &str) -> bool {
    let n = login::normalize(name);
    matches!(
        n.as_str(),
        "token"
            | "accesstoken"
            | "authtoken"
            | "idtoken"
            | "refreshtoken"
            | "apikey"
            | "appkey"
            | "appsecret"
            | "clientsecret"
            | "secret"
            | "secretkey"
            | "sessionid"
            | "sessiontoken"
            | "sid"
            | "jsessionid"
            | "phpsessid"
            | "aspsessionid"
            | "jwt"
            | "auth"
            | "authorization"
            | "ticket"
            | "signature"
            | "sign"
            | "xamzsignature"
            | "xamzsecuritytoken"
            | "xamzcredential"
            | "securitytoken"
            | "accesskeysecret"
            | "accesskeyid"
            | "privatetoken"
            | "oauthtoken"
            | "usertoken"
            | "logintoken"
            | "key"
    ) || n.ends_with("accesstoken")
        || n.ends_with("apikey")
        || n.ends_with("sessionid")
}

fn request_has_credential(cx: &Cx) -> bool {
    let r = cx.record();
    if r.account.is_some() {
        return true;
    }
    let header = r.request_headers.iter().any(|(k, v)| {
        let k = k.to_ascii_lowercase();
        let named = CREDENTIAL_HEADERS.contains(&k.as_str())
            || (k.starts_with("x-")
                && [
                    "auth", "token", "session", "apikey", "api-key", "secret", "ticket", "sign",
                ]
                .iter()
                .any(|w| k.contains(w)));
        named && v.trim().len() >= 8
    });
    if header {
        return true;
    }
    if cx
        .ctx
        .ex
        .cookies()
        .iter()
        .any(|(k, v)| is_session_cookie_name(k) && v.len() >= 8)
    {
        return true;
    }
    cx.ctx
        .ex
        .query()
        .iter()
        .any(|(k, v)| is_credential_param_name(k) && v.len() >= 16)
}
