//! Format and layout detection from the first bytes (after gzip and BOM), documented in
//! `docs/formats/README.md`:
//!
//! 1. `{` whose first key is `log`, or with `entries` and `startedDateTime` keys: HAR.
//! 2. `{` or `[`: the keys of the first object decide. All six required native fields
//!    (`time`, `host`, `method`, `path`, `client_ip`, `status`): native JSONL. Otherwise any
//!    source field of the WAF mapping that is not a native field name: WAF. Otherwise native
//!    (its rejections then say what is missing).
//! 3. Anything else: nginx/Apache when one of the first five non-empty lines parses with the
//!    configured (or default combined) format; else an error.
//!
//! The layout follows the first byte for every JSON format: `[` is a JSON array, a first line
//! that is not a whole JSON value is a sequence of pretty-printed objects, else one object
//! per line.

use super::framing::JsonLayout;
use super::nginx::NginxParser;
use super::{Format, ReaderOptions};
use regex::Regex;
use serde::de::IgnoredAny;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The format to parse with, and the JSON layout (None: one record per line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub format: Format,
    pub layout: Option<JsonLayout>,
}

const NATIVE_REQUIRED: [&str; 6] = ["time", "host", "method", "path", "client_ip", "status"];
const NATIVE_FIELDS: [&str; 16] = [
    "time",
    "host",
    "method",
    "path",
    "query",
    "scheme",
    "client_ip",
    "user_agent",
    "status",
    "request_headers",
    "request_body",
    "response_headers",
    "response_body",
    "account",
    "waf_action",
    "waf_rule",
];

fn first_line(head: &[u8]) -> &[u8] {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let rest = &head[start..];
    match memchr::memchr(b'\n', rest) {
        Some(i) => &rest[..i],
        None => rest,
    }
}

/// The object keys in the first bytes: the exact top-level keys when the first line is a
/// whole object, else every `"key":` seen (nested ones too).
fn keys(head: &[u8]) -> (Vec<String>, bool) {
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice(first_line(head)) {
        return (m.keys().cloned().collect(), true);
    }
    static KEY: OnceLock<Regex> = OnceLock::new();
    let re =
        KEY.get_or_init(|| Regex::new(r#""([A-Za-z0-9_@.\-]{1,64})"\s*:"#).expect("static regex"));
    let text = String::from_utf8_lossy(head);
    let keys = re.captures_iter(&text).map(|c| c[1].to_string()).collect();
    (keys, false)
}

/// Whether the input starts with a JSON value spread over several lines (pretty-printed
/// objects one after another) rather than one value per line. A first line that is merely
/// broken is not enough: the first value must parse across lines, or, when it is longer than
/// the peek, the next line must look like a member (`"key": ...`).
fn multi_line_value(head: &[u8]) -> bool {
    let line = first_line(head);
    if serde_json::from_slice::<IgnoredAny>(line).is_ok() {
        return false;
    }
    let start = head.len() - head.trim_ascii_start().len();
    let mut values = serde_json::Deserializer::from_slice(&head[start..]).into_iter::<IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => values.byte_offset() > line.len(),
        Some(Err(e)) if e.is_eof() => {
            let next = head[start + line.len()..].trim_ascii_start();
            next.starts_with(b"\"")
        }
        _ => false,
    }
}

fn json_layout(head: &[u8], first: u8, whole_first_line: bool) -> Option<JsonLayout> {
    if first == b'[' {
        Some(JsonLayout::ArrayAt(&[]))
    } else if !whole_first_line && multi_line_value(head) {
        Some(JsonLayout::Sequence)
    } else {
        None
    }
}

/// Picks the format (when `Auto`) and the framing for the input that starts with `head`.
pub fn detect_format(
    head: &[u8],
    format: Format,
    opts: &ReaderOptions,
) -> Result<Detected, String> {
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
    let lines = |format| {
        Ok(Detected {
            format,
            layout: None,
        })
    };
    let Some(first) = first else {
        // Empty input: nothing to read, whatever the format.
        return lines(if format == Format::Auto {
            Format::Jsonl
        } else {
            format
        });
    };
    let har = Detected {
        format: Format::Har,
        layout: Some(JsonLayout::ArrayAt(&["log", "entries"])),
    };
    match format {
        Format::Har => return Ok(har),
        Format::Nginx => return lines(Format::Nginx),
        Format::Jsonl | Format::Waf => {
            let (_, whole) = keys(head);
            return Ok(Detected {
                format,
                layout: json_layout(head, first, whole),
            });
        }
        Format::Auto => {}
    }
    if first == b'{' || first == b'[' {
        let (keys, whole) = keys(head);
        if first == b'{'
            && (keys.first().map(String::as_str) == Some("log")
                || (keys.iter().any(|k| k == "entries")
                    && keys.iter().any(|k| k == "startedDateTime")))
        {
            return Ok(har);
        }
        let set: HashSet<&str> = keys.iter().map(String::as_str).collect();
        let native = NATIVE_REQUIRED.iter().all(|k| set.contains(k));
        let waf = opts
            .waf_mapping
            .source_names()
            .any(|s| !NATIVE_FIELDS.contains(&s) && set.contains(s));
        let format = if !native && waf {
            Format::Waf
        } else {
            Format::Jsonl
        };
        return Ok(Detected {
            format,
            layout: json_layout(head, first, whole),
        });
    }
    let parser = NginxParser::new(opts.nginx_log_format.as_deref(), &opts.default_host)?;
    let text = String::from_utf8_lossy(head);
    let sample: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .take(5)
        .collect();
    if sample.iter().any(|l| parser.matches(l)) {
        return lines(Format::Nginx);
    }
    Err(format!(
        "the first lines are neither JSON nor access lines in the {} (first line: {})",
        if opts.nginx_log_format.is_some() {
            "configured nginx log_format"
        } else {
            "nginx/Apache combined or common format"
        },
        super::normalize::quote(sample.first().copied().unwrap_or(""))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(head: &str) -> Result<Detected, String> {
        detect_format(head.as_bytes(), Format::Auto, &ReaderOptions::default())
    }

    #[test]
    fn detects_each_format() {
        let native =
            r#"{"time":1,"host":"h","method":"GET","path":"/","client_ip":"1.1.1.1","status":200}"#;
        assert_eq!(
            auto(native).unwrap(),
            Detected {
                format: Format::Jsonl,
                layout: None
            }
        );
        assert_eq!(
            auto(&format!("[\n  {native}\n]")).unwrap().layout,
            Some(JsonLayout::ArrayAt(&[]))
        );
        let waf = r#"{"time":"2024-05-01T00:00:00Z","host":"h","request_method":"GET","request_path":"/","real_client_ip":"1.1.1.1","status":200}"#;
        assert_eq!(auto(waf).unwrap().format, Format::Waf);
        assert_eq!(auto(&format!("[{waf}]")).unwrap().format, Format::Waf);
        let har = "{\n  \"log\": {\n    \"version\": \"1.2\", \"entries\": [";
        assert_eq!(auto(har).unwrap().format, Format::Har);
        let pretty = "{\n  \"time\": 1,\n  \"host\": \"h\",\n \"method\": \"GET\", \"path\": \"/\", \"client_ip\": \"::1\", \"status\": 200\n}\n";
        assert_eq!(
            auto(pretty).unwrap(),
            Detected {
                format: Format::Jsonl,
                layout: Some(JsonLayout::Sequence)
            }
        );
        let nginx =
            r#"1.2.3.4 - - [01/May/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8""#;
        assert_eq!(auto(nginx).unwrap().format, Format::Nginx);
        // A broken first line of a JSONL file is not a pretty-printed sequence.
        let broken = format!("{{\"time\": 1, \"host\": \n{native}\n{native}\n");
        assert_eq!(
            auto(&broken).unwrap(),
            Detected {
                format: Format::Jsonl,
                layout: None
            }
        );
        assert!(auto("hello world\nsecond line")
            .unwrap_err()
            .contains("neither JSON"));
        assert_eq!(auto("  \n").unwrap().format, Format::Jsonl);
    }
}
