//! Our own web attack detection for requests that carry no WAF verdict: SQL injection, XSS,
//! command injection, path traversal, SSRF and Log4Shell.
//!
//! **Why rules and not libinjection.** The `libinjection` crate builds the C library from a
//! source download in its build script, which fails offline and pulls a C toolchain into the
//! engine; the pure-Rust ports are unmaintained. We therefore write small rule families derived
//! from the ideas of the OWASP Core Rule Set (CRS 4: 942xxx SQLi, 941xxx XSS, 932xxx RCE, 930xxx
//! LFI, 934xxx/931xxx SSRF and RFI, 944xxx Java/Log4Shell). CRS is tuned by paranoia level; we
//! keep only the PL1-style, high-confidence patterns and require syntax (a quote break-out, a
//! shell separator, a tag with a handler, an internal URL), not keywords alone, so that JSON with
//! quotes, prose that says "select" or "union", and ordinary URLs do not fire.
//!
//! Every detector is a function `fn(&str) -> Option<&'static str>` over one decoded value, listed
//! in [`DETECTORS`]; [`detect`] walks the request's parameters, path and a few headers.

mod cmdi;
mod log4shell;
mod sqli;
mod ssrf;
mod traversal;
mod xss;

use crate::exchange::{prefix, Exchange};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackKind {
    SqlInjection,
    Xss,
    CommandInjection,
    PathTraversal,
    Ssrf,
    Log4Shell,
}

impl AttackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttackKind::SqlInjection => "sql_injection",
            AttackKind::Xss => "xss",
            AttackKind::CommandInjection => "command_injection",
            AttackKind::PathTraversal => "path_traversal",
            AttackKind::Ssrf => "ssrf",
            AttackKind::Log4Shell => "log4shell",
        }
    }
    /// Human name for descriptions.
    pub fn name(self) -> &'static str {
        match self {
            AttackKind::SqlInjection => "SQL injection",
            AttackKind::Xss => "cross-site scripting",
            AttackKind::CommandInjection => "command injection",
            AttackKind::PathTraversal => "path traversal",
            AttackKind::Ssrf => "server-side request forgery",
            AttackKind::Log4Shell => "Log4Shell (JNDI injection)",
        }
    }
}

/// One detected attack: the kind, where (`query.id`, `path`, `header.user-agent`), and a short
/// excerpt of the payload (at most [`MAX_EVIDENCE`] characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackMatch {
    pub kind: AttackKind,
    pub field: String,
    pub evidence: String,
    /// The rule that matched (for explanations).
    pub rule: &'static str,
}

pub const MAX_EVIDENCE: usize = 120;
/// Longest value inspected; longer values are cut (bounded work on hostile input).
pub const MAX_VALUE: usize = 4096;
/// Most parameters inspected per request.
pub const MAX_PARAMS: usize = 256;

type Detector = fn(&str) -> Option<&'static str>;

/// The detectors, in the order they are tried on each value.
pub const DETECTORS: &[(AttackKind, Detector)] = &[
    (AttackKind::Log4Shell, log4shell::detect),
    (AttackKind::SqlInjection, sqli::detect),
    (AttackKind::Xss, xss::detect),
    (AttackKind::CommandInjection, cmdi::detect),
    (AttackKind::PathTraversal, traversal::detect),
    (AttackKind::Ssrf, ssrf::detect),
];

/// Headers worth inspecting for injection (values that applications log or reflect).
const HEADERS: &[&str] = &[
    "user-agent",
    "referer",
    "x-forwarded-for",
    "x-api-version",
    "x-real-ip",
    "cookie",
];

/// Decodes what a value may still hide: a second layer of percent-encoding and `+`.
fn decode(v: &str) -> std::borrow::Cow<'_, str> {
    let v = prefix(v, MAX_VALUE);
    if v.contains('%') {
        let once = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
        if once.contains('%') {
            let twice = percent_encoding::percent_decode_str(&once)
                .decode_utf8_lossy()
                .into_owned();
            return std::borrow::Cow::Owned(twice);
        }
        return std::borrow::Cow::Owned(once.into_owned());
    }
    std::borrow::Cow::Borrowed(v)
}

/// True when a value cannot hold any payload our rules look for: letters, digits and a few
/// harmless separators. Skips the regexes for the bulk of ordinary values.
fn plain(v: &str) -> bool {
    v.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b' ' | b'-' | b'_' | b'.' | b'@' | b',' | b'+' | b'!' | b'?'
            )
            || b >= 0x80
    }) && !v.contains("..")
        && !contains_ci(v, "select")
        && !contains_ci(v, "sleep")
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Where a value came from (`query.id`), built only for a match: most values are clean.
#[derive(Clone, Copy)]
struct Field<'a>(&'a str, &'a str);

impl Field<'_> {
    fn label(self) -> String {
        if self.0.is_empty() {
            self.1.to_string()
        } else {
            format!("{}.{}", self.0, self.1)
        }
    }
}

fn check_value(field: Field, raw: &str, only: Option<AttackKind>) -> Option<AttackMatch> {
    if raw.len() < 3 {
        return None;
    }
    let v = decode(raw);
    if plain(&v) {
        return None;
    }
    let (kind, rule) = first_rule(&v, |k| only.is_none_or(|o| o == k))?;
    Some(AttackMatch {
        kind,
        field: field.label(),
        evidence: prefix(&v, MAX_EVIDENCE).to_string(),
        rule,
    })
}

/// The first of the `wanted` detectors, in [`DETECTORS`] order, that matches `v`.
fn first_rule(v: &str, wanted: impl Fn(AttackKind) -> bool) -> Option<(AttackKind, &'static str)> {
    DETECTORS
        .iter()
        .filter(|(kind, _)| wanted(*kind))
        .find_map(|(kind, det)| det(v).map(|rule| (*kind, rule)))
}

/// What a request path matched: its attack kind and rule.
type PathRule = Option<(AttackKind, &'static str)>;

/// Longest path whose verdict is memoised per thread (paths repeat far more than parameter
/// values do: every call of an API without path variables has the same one).
const MAX_MEMO_PATH: usize = 512;

/// The first detector (SSRF aside: a path is not a fetched address) matching the decoded path.
fn path_rule(path: &str) -> PathRule {
    first_rule(&decode(path), |kind| kind != AttackKind::Ssrf)
}

/// The first attack found in a request, if any.
pub fn detect(ex: &Exchange) -> Option<AttackMatch> {
    let r = ex.record;
    // The path itself (traversal, and injections placed in path segments).
    if let Some((kind, rule)) =
        crate::name_memo::memoised!(path_rule, &r.path, PathRule, MAX_MEMO_PATH)
    {
        return Some(AttackMatch {
            kind,
            field: "path".into(),
            evidence: prefix(&decode(&r.path), MAX_EVIDENCE).to_string(),
            rule,
        });
    }
    for p in ex.request_params().iter().take(MAX_PARAMS) {
        if p.location == crate::exchange::ParamLocation::Cookie {
            // Cookies hold opaque tokens: only the unambiguous JNDI lookup is checked there.
            if let Some(m) = check_value(
                Field("cookie", &p.field),
                &p.value,
                Some(AttackKind::Log4Shell),
            ) {
                return Some(m);
            }
            continue;
        }
        if p.kind != "string" {
            continue;
        }
        let field = Field(p.location.as_str(), &p.field);
        if let Some(m) = check_value(field, &p.value, None) {
            return Some(m);
        }
        // Parameter names are attacker-controlled too (`?<script>=1`).
        if let Some(m) = check_value(field, &p.name, None) {
            return Some(m);
        }
    }
    // A non-JSON, non-form body (XML, text) as one value.
    if let Some(b) = r.request_body.as_deref() {
        if ex.form().is_empty() && ex.request_json().is_none() {
            if let Some(m) = check_value(Field("", "body"), b, None) {
                return Some(m);
            }
        }
    }
    for h in HEADERS {
        if let Some(v) = r.request_header(h) {
            let only = if *h == "cookie" {
                Some(AttackKind::Log4Shell)
            } else {
                None
            };
            if *h == "user-agent" || *h == "referer" || only.is_some() {
                // User agents and referers are free text and URLs: JNDI and SQLi only.
                if let Some(m) =
                    check_value(Field("header", h), v, only.or(Some(AttackKind::Log4Shell)))
                {
                    return Some(m);
                }
                if only.is_none() {
                    if let Some(m) =
                        check_value(Field("header", h), v, Some(AttackKind::SqlInjection))
                    {
                        return Some(m);
                    }
                }
            } else if let Some(m) = check_value(Field("header", h), v, None) {
                return Some(m);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
