//! Data-protection risks read from the sensitive scanner's findings: too many types or values
//! in one response, masked and plain copies of one value, high-sensitivity data in URLs, and
//! large-model API keys.

use super::permission::is_credential_type;
use crate::catalog::SensitivityLevel;
use crate::facts::RawFinding;
use crate::risk::cx::{level_of, Cx};
use crate::risk::{Detector, RiskSignals};
use crate::sensitive::mask;
#[allow(unused_imports)]
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Distinct S2+ types in one response that make it "excessive".
pub const EXCESSIVE_TYPES: usize = 5;
/// Records (distinct values of one S2+ type) in one response above which it is "excessive":
/// more than the largest page size list views commonly offer (10, 20, 50, 100), so the
/// response is no longer one page of a paginated view. Counting records rather than values
/// keeps a normal page of 20 customers with name, phone and address (60 values) below it.
pub const EXCESSIVE_RECORDS: usize = 100;

fn counted(f: &RawFinding) -> bool {
    level_of(f.type_id).is_some_and(|l| l >= SensitivityLevel::S2)
}

/// `excessive_sensitive_types`: one response carries at least [`EXCESSIVE_TYPES`] distinct
/// sensitive types of level S2 or above.
pub struct ExcessiveSensitiveTypes;

impl Detector for ExcessiveSensitiveTypes {
    describe!(
        "excessive_sensitive_types",
        "A single response of this API carries many different kinds of sensitive data at once (for example name, phone, identity number, address and bank card). Returning more than the page needs multiplies the damage of any leak or misuse.",
        "Return only the fields each client view needs (separate summary and detail endpoints), mask the sensitive ones that are shown, and drop the rest from the response model."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let types: BTreeSet<u32> = cx
            .response_findings()
            .filter(|f| counted(f))
            .map(|f| f.type_id)
            .collect();
        if types.len() >= EXCESSIVE_TYPES {
            let list: Vec<String> = types.iter().map(u32::to_string).collect();
            out.hit(self.key(), || {
                format!(
                    "{}; {} sensitive types in one response: {}",
                    cx.line(),
                    types.len(),
                    list.join(",")
                )
            });
        }
    }
}

/// The most distinct values of any one S2+ type in one response: how many people or records
/// it exposes (several fields of one person count once).
fn sensitive_records(cx: &Cx) -> usize {
    let mut per_type: HashMap<u32, HashSet<&str>> = HashMap::new();
    for f in cx.response_findings().filter(|f| counted(f)) {
        per_type
            .entry(f.type_id)
            .or_default()
            .insert(f.value.as_str());
    }
    per_type.values().map(HashSet::len).max().unwrap_or(0)
}

/// `excessive_sensitive_volume`: one response carries sensitive data of more than
/// [`EXCESSIVE_RECORDS`] records, or carries sensitive values in a list whose size the client
/// raised beyond the usual caps (see `modifiable_result_size`). The spec's "does not limit the
/// amount of data returned": a bounded page of a back-office list is normal business.
pub struct ExcessiveSensitiveVolume;

impl Detector for ExcessiveSensitiveVolume {
    describe!(
        "excessive_sensitive_volume",
        "A single response of this API returns a large volume of sensitive records, or the client can raise the page size at will while sensitive data is returned. One request can then copy a large part of the data set.",
        "Cap page sizes on the server, paginate sensitive lists, mask sensitive fields in list views, and watch for clients that pull unusually large volumes."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let values = cx.response_findings().filter(|f| counted(f)).count();
        if values == 0 {
            return;
        }
        // Records never outnumber values: count them only when they could exceed the limit.
        let records = if values > EXCESSIVE_RECORDS {
            sensitive_records(cx)
        } else {
            0
        };
        if records > EXCESSIVE_RECORDS {
            out.hit(self.key(), || {
                format!(
                    "{}; {} sensitive records in one response",
                    cx.line(),
                    records
                )
            });
        } else if let Some((p, size, len)) = super::design::page_size_honoured(cx) {
            out.hit(self.key(), || {
                format!(
                    "{}; {}={} honoured with {} items carrying {} sensitive values",
                    cx.line(),
                    p,
                    size,
                    len,
                    values
                )
            });
        }
    }
}

fn masked_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"([0-9A-Za-z@._+\-]*)(\*{2,}|x{4,}|X{4,}|•{2,})([0-9A-Za-z@._+\-]*)")
            .expect("mask regex")
    })
}

/// The stretches of `body` that hold a possible masked value, in order: the maximal runs of
/// value characters (`masked_regex`'s class) and mask characters (`*`, `•`) around each mask
/// (`**`, `xxxx`, `XXXX`, `••`). A match of `masked_regex` is such a run's substring and never
/// crosses its ends, so matching the runs one by one finds exactly the matches of the whole
/// body, without running the regex over the rest of it.
fn masked_runs(body: &str) -> Vec<&str> {
    const DOT: &[u8] = "•".as_bytes();
    let b = body.as_bytes();
    let value = |c: u8| c.is_ascii_alphanumeric() || b"@._+-*".contains(&c);
    // Whether a run character ends just before `i` (its length), or starts at `i`.
    let before = |i: usize| match i {
        0 => 0,
        _ if value(b[i - 1]) => 1,
        _ if i >= 3 && &b[i - 3..i] == DOT => 3,
        _ => 0,
    };
    let at = |i: usize| match b.get(i) {
        Some(&c) if value(c) => 1,
        Some(_) if b[i..].starts_with(DOT) => 3,
        _ => 0,
    };
    let mut hits: Vec<usize> = Vec::new();
    for mask in ["**", "xxxx", "XXXX", "••"] {
        hits.extend(memchr::memmem::find_iter(b, mask.as_bytes()));
    }
    hits.sort_unstable();
    let mut runs: Vec<&str> = Vec::new();
    let mut covered = 0;
    for hit in hits {
        if hit < covered {
            continue;
        }
        let mut start = hit;
        loop {
            match before(start) {
                0 => break,
                n => start -= n,
            }
        }
        let mut end = hit;
        loop {
            match at(end) {
                0 => break,
                n => end += n,
            }
        }
        covered = end;
        // Run characters are ASCII or a whole `•`: both ends are character boundaries.
        runs.push(&body[start..end]);
    }
    runs
}

/// A plaintext value that a masked value (`prefix***suffix`) hides: same character length and
/// same visible ends, or at least three visible characters on each end.
pub fn masks(prefix: &str, hidden: usize, suffix: &str, plain: &str) -> bool {
    // The cheap byte comparisons first: most pairs differ at once.
    if !plain.starts_with(prefix) || !plain.ends_with(suffix) {
        return false;
    }
    let visible = prefix.chars().count() + suffix.chars().count();
    if visible < 3 || plain.chars().count() < 6 {
        return false;
    }
    let same_len = plain.chars().count() == visible + hidden;
    same_len
        || (prefix.chars().count() >= 3 && suffix.chars().count() >= 3 && plain.len() > visible)
}

/// `inadequate_deidentification`: a response holds a masked value (`138****8000`) and, in
/// plaintext, a sensitive value (scanner finding) with the same visible ends.
pub struct InadequateDeidentification;

impl Detector for InadequateDeidentification {
    describe!(
        "inadequate_deidentification",
        "The response masks a sensitive value in one place but returns the same value unmasked elsewhere, so the masking protects nothing. Clients, logs and screenshots still receive the full data.",
        "Mask sensitive values on the server in every field and nested object of the response (one shared serializer rule), and check responses for residual plaintext copies."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let plain: Vec<&RawFinding> = cx
            .response_findings()
            .filter(|f| !f.value.contains('*'))
            .collect();
        if plain.is_empty() {
            return;
        }
        let body = cx.response_body();
        let re = masked_regex();
        // One set of capture slots for every match (captures_iter allocates per match).
        let mut locs = re.capture_locations();
        let mut seen = 0;
        for run in masked_runs(body) {
            let mut at = 0;
            while seen < 256 {
                let Some(m) = re.captures_read_at(&mut locs, run, at) else {
                    break;
                };
                seen += 1;
                // A match holds a mask: it is never empty.
                at = m.end();
                let group = |i| locs.get(i).map(|(s, e)| &run[s..e]);
                let (Some(pre), Some(mid), Some(suf)) = (group(1), group(2), group(3)) else {
                    continue;
                };
                let hidden = mid.chars().count();
                if let Some(f) = plain.iter().find(|f| masks(pre, hidden, suf, &f.value)) {
                    out.hit(self.key(), || {
                        format!(
                            "{}; masked {} and plaintext {} ({}) in one response",
                            cx.line(),
                            m.as_str(),
                            mask(f.type_id, &f.value),
                            f.field
                        )
                    });
                    return;
                }
            }
        }
    }
}

/// `sensitive_data_in_url`: the scanner found S3+ personal data (not credentials) in the query
/// string or the path.
pub struct SensitiveDataInUrl;

impl Detector for SensitiveDataInUrl {
    describe!(
        "sensitive_data_in_url",
        "The API receives highly sensitive personal data (such as identity numbers, phone numbers or bank cards) in the URL. URLs are stored in access logs, proxies, browser history and Referer headers, far beyond the systems meant to hold this data.",
        "Move sensitive values into the body of a POST request (or use an opaque reference), and purge logs that already hold them."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if let Some(f) = cx.request_findings().find(|f| {
            (f.field.starts_with("query")
                || f.field.starts_with("path")
                || f.field.starts_with("url"))
                && !is_credential_type(f.type_id)
                && level_of(f.type_id).is_some_and(|l| l >= SensitivityLevel::S3)
        }) {
            out.hit(self.key(), || {
                format!(
                    "{}; {} holds type {} {}",
                    cx.line(),
                    f.field,
                    f.type_id,
                    mask(f.type_id, &f.value)
                )
            });
        }
    }
}

fn llm_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b(sk-proj-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{32,}|sk-ant-[A-Za-z0-9_-]{20,}|hf_[A-Za-z]{30,}|gsk_[A-Za-z0-9]{40,})\b")
            .expect("llm regex")
    })
}

/// `llm_api_key_leak`: a response to a request without credentials carries a large-model API
/// key (scanner types 4400-4405, or the OpenAI/Anthropic/HuggingFace/Groq key shapes).
pub struct LlmApiKeyLeak;

impl Detector for LlmApiKeyLeak {
    describe!(
        "llm_api_key_leak",
        "The API returns an API key for a large-model service to callers without authentication. Anyone can take the key to run models at your expense, exhaust quotas, or read data and conversations tied to the account.",
        "Revoke and rotate the key now and review its usage; keep model keys on the server and proxy model calls through an authenticated backend, never shipping keys to clients."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if cx.authenticated() {
            return;
        }
        if let Some(f) = cx
            .response_findings()
            .find(|f| (4400..=4405).contains(&f.type_id))
        {
            out.hit(self.key(), || {
                format!(
                    "{}; no credential; response {} {}",
                    cx.line(),
                    f.field,
                    mask(f.type_id, &f.value)
                )
            });
            return;
        }
        let body = cx.response_body();
        if !(body.contains("sk-") || body.contains("hf_") || body.contains("gsk_")) {
            return;
        }
        if let Some(m) = llm_regex().find(body) {
            out.hit(self.key(), || {
                format!(
                    "{}; no credential; response key {}",
                    cx.line(),
                    mask(4400, m.as_str())
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Matching the runs finds what matching the whole body finds.
    #[test]
    fn masked_runs_hold_every_match() {
        let bodies = [
            r#"{"phone":"138****8000","raw":"13800138000","card":"6222xxxxxxxx1234"}"#,
            "id 12XXXX34, ab**cd**ef; •••• 5678 and ab••cd€**x",
            "**leading and trailing**",
            "é**é xxxxx abxxxxxcd AB-xxxx.CD_**",
            "no mask here at all, only x and * and •",
            "",
        ];
        for body in bodies {
            let whole: Vec<String> = masked_regex()
                .find_iter(body)
                .map(|m| m.as_str().to_string())
                .collect();
            let by_run: Vec<String> = masked_runs(body)
                .iter()
                .flat_map(|run| masked_regex().find_iter(run))
                .map(|m| m.as_str().to_string())
                .collect();
            assert_eq!(by_run, whole, "{body}");
        }
        assert_eq!(masked_runs("a 1**2 b"), vec!["1**2"]);
    }

    #[test]
    fn masked_forms() {
        assert!(masks("138", 4, "8000", "13800138000"));
        assert!(masks(
            "110",
            12,
            "123X",
            "110101199003071234".replace("1234", "123X").as_str()
        ));
        assert!(!masks("138", 4, "8000", "13912348000"));
        assert!(!masks("1", 4, "", "13800138000"));
        assert!(masks("ali", 3, "@example.com", "alice1@example.com"));
    }
}
