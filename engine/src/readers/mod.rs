//! Log readers: framing (gzip, lines, HAR entries) apart from formats (native JSONL, HAR 1.2,
//! nginx/Apache, WAF export). Every reader yields `Record`s and `Rejected` lines; one bad line
//! never sinks a file.
//!
//! STUB INTERFACE (native JSONL only): the ingestion owner replaces and extends this.

use crate::record::{Record, WafAction};
use serde::Deserialize;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Auto,
    Jsonl,
    Har,
    Nginx,
    Waf,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Format::Auto),
            "jsonl" | "native" => Ok(Format::Jsonl),
            "har" => Ok(Format::Har),
            "nginx" | "combined" => Ok(Format::Nginx),
            "waf" => Ok(Format::Waf),
            other => Err(format!(
                "unknown format `{other}` (expected auto, jsonl, har, nginx or waf)"
            )),
        }
    }
}

/// A line (or entry) that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rejected {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

#[derive(Debug)]
pub enum ReadItem {
    Record(Box<Record>),
    Rejected(Rejected),
}

#[derive(Debug, Clone, Default)]
pub struct ReaderOptions {}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Opens a log file (plain or gzip) in the given format.
pub fn open_file(
    path: &Path,
    _format: Format,
    _opts: &ReaderOptions,
) -> Result<Box<dyn Iterator<Item = ReadItem> + Send>, ReadError> {
    let name = path.display().to_string();
    let io = |source| ReadError::Io {
        path: name.clone(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(io)?;
    let file = std::fs::File::open(path).map_err(io)?;
    let reader: Box<dyn Read + Send> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let lines = BufReader::with_capacity(1 << 20, reader).lines();
    Ok(Box::new(lines.enumerate().filter_map(move |(i, line)| {
        let line_no = i as u64 + 1;
        match line {
            Ok(l) if l.trim().is_empty() => None,
            Ok(l) => Some(match parse_native_line(&l) {
                Ok(r) => ReadItem::Record(Box::new(r)),
                Err(reason) => ReadItem::Rejected(Rejected {
                    file: name.clone(),
                    line: line_no,
                    reason,
                }),
            }),
            Err(e) => Some(ReadItem::Rejected(Rejected {
                file: name.clone(),
                line: line_no,
                reason: format!("unreadable line: {e}"),
            })),
        }
    })))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TimeField {
    Text(String),
    Millis(i64),
}

#[derive(Deserialize)]
struct NativeLine {
    time: TimeField,
    host: String,
    method: String,
    path: String,
    query: Option<String>,
    scheme: Option<String>,
    client_ip: String,
    user_agent: Option<String>,
    status: u16,
    #[serde(default)]
    request_headers: std::collections::BTreeMap<String, String>,
    request_body: Option<String>,
    #[serde(default)]
    response_headers: std::collections::BTreeMap<String, String>,
    response_body: Option<String>,
    account: Option<String>,
    waf_action: Option<WafAction>,
    waf_rule: Option<String>,
}

/// Parses one native JSON line.
pub fn parse_native_line(line: &str) -> Result<Record, String> {
    let n: NativeLine = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let time_ms = match n.time {
        TimeField::Millis(ms) => ms,
        TimeField::Text(t) => chrono::DateTime::parse_from_rfc3339(&t)
            .map_err(|e| format!("field `time`: not RFC 3339 ({e})"))?
            .timestamp_millis(),
    };
    let client_ip = n
        .client_ip
        .parse()
        .map_err(|_| format!("field `client_ip`: not an IP address: {:?}", n.client_ip))?;
    let lower = |m: std::collections::BTreeMap<String, String>| {
        m.into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect::<Vec<_>>()
    };
    Ok(Record {
        time_ms,
        host: n.host.to_ascii_lowercase(),
        method: n.method.to_ascii_uppercase(),
        path: n.path,
        query: n.query,
        scheme: n.scheme,
        client_ip,
        user_agent: n.user_agent,
        status: n.status,
        request_headers: lower(n.request_headers),
        request_body: n.request_body,
        response_headers: lower(n.response_headers),
        response_body: n.response_body,
        account: n.account,
        waf_action: n.waf_action,
        waf_rule: n.waf_rule,
    })
}
