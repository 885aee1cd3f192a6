//! Log readers: framing (gzip, lines, JSON arrays, HAR entries) apart from formats (native
//! JSONL, HAR 1.2, nginx/Apache, WAF export). Every reader yields `Record`s and `Rejected`
//! lines; one bad line never sinks a file. The formats are documented in `docs/formats/`.
//!
//! ```text
//! bytes ─► framing::decode_stream (gzip? bomb cap, BOM) ─► detect (auto) ─► Framer (lines |
//!        JSON elements) ─► LineFormat::parse (native | har | nginx | waf) ─► ReadItem
//! ```

mod detect;
mod framing;
mod har;
mod native;
mod nginx;
mod normalize;
mod waf;

pub use detect::{detect_format, Detected};
pub use framing::{Frame, Framer, JsonLayout};
pub use har::parse_har_entry;
pub use native::{parse_native, parse_native_line};
pub use nginx::{NginxFormat, COMBINED, COMMON};
pub use normalize::{parse_time_text, split_target, UNKNOWN_CLIENT};
pub use waf::{parse_waf_action, WafMapping};

use crate::record::Record;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Auto,
    Jsonl,
    Har,
    Nginx,
    Waf,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Jsonl => "jsonl",
            Format::Har => "har",
            Format::Nginx => "nginx",
            Format::Waf => "waf",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Format::Auto),
            "jsonl" | "native" | "ndjson" => Ok(Format::Jsonl),
            "har" => Ok(Format::Har),
            "nginx" | "combined" | "apache" => Ok(Format::Nginx),
            "waf" => Ok(Format::Waf),
            other => Err(format!(
                "unknown format `{other}` (expected auto, jsonl, har, nginx or waf)"
            )),
        }
    }
}

/// A line (or entry) that could not be read, with where and why. For line formats `line` is
/// the 1-based line number; for HAR and JSON arrays it is the 1-based index of the entry.
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

/// Counters that grow while a reader runs (progress bars): share one `ReadStats` through
/// [`ReaderOptions::stats`] and read it from another thread. Clones share the counters.
#[derive(Debug, Clone, Default)]
pub struct ReadStats {
    inner: Arc<StatsInner>,
}

#[derive(Debug, Default)]
struct StatsInner {
    bytes_read: Arc<AtomicU64>,
    bytes_decoded: Arc<AtomicU64>,
    frames: AtomicU64,
    records: AtomicU64,
    rejected: AtomicU64,
}

impl ReadStats {
    pub fn new() -> Self {
        Self::default()
    }
    /// Bytes read from the source (compressed bytes for gzip input).
    pub fn bytes_read(&self) -> u64 {
        self.inner.bytes_read.load(Ordering::Relaxed)
    }
    /// Bytes after decompression handed to the framing layer.
    pub fn bytes_decoded(&self) -> u64 {
        self.inner.bytes_decoded.load(Ordering::Relaxed)
    }
    /// Lines (or JSON entries) seen, empty lines included.
    pub fn lines(&self) -> u64 {
        self.inner.frames.load(Ordering::Relaxed)
    }
    pub fn records(&self) -> u64 {
        self.inner.records.load(Ordering::Relaxed)
    }
    pub fn rejected(&self) -> u64 {
        self.inner.rejected.load(Ordering::Relaxed)
    }
}

/// Reader settings. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct ReaderOptions {
    /// Longest line (or JSON entry) read; longer ones are rejected without being buffered.
    pub max_line_bytes: usize,
    /// Most bytes a gzip file may decompress to; beyond it the file ends with a rejection.
    pub max_decompressed_bytes: u64,
    /// An nginx `log_format` string (the part in quotes, concatenated). None: combined, with
    /// common-format lines and a trailing `"$http_x_forwarded_for"` accepted too.
    pub nginx_log_format: Option<String>,
    /// Host for nginx/Apache lines whose format has no `$host`-like variable.
    pub default_host: String,
    /// Field mapping of the WAF export format.
    pub waf_mapping: WafMapping,
    /// Live counters, when the caller wants progress.
    pub stats: Option<ReadStats>,
}

pub const DEFAULT_MAX_LINE_BYTES: usize = 16 << 20;
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: u64 = 64 << 30;

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
            nginx_log_format: None,
            default_host: "unknown".to_string(),
            waf_mapping: WafMapping::default(),
            stats: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot detect the log format: {reason} (choose one with --format)")]
    Detect { path: String, reason: String },
    #[error("{path}: bad reader configuration: {reason}")]
    Config { path: String, reason: String },
}

/// A parser of one frame (a line or a JSON entry) into a record.
pub trait LineFormat: Send {
    fn parse(&self, frame: &[u8]) -> Result<Record, String>;
}

struct Native;

impl LineFormat for Native {
    fn parse(&self, frame: &[u8]) -> Result<Record, String> {
        parse_native(frame)
    }
}

struct Har;

impl LineFormat for Har {
    fn parse(&self, frame: &[u8]) -> Result<Record, String> {
        parse_har_entry(frame)
    }
}

/// Opens a log file (plain or gzip) in the given format.
pub fn open_file(
    path: &Path,
    format: Format,
    opts: &ReaderOptions,
) -> Result<Box<dyn Iterator<Item = ReadItem> + Send>, ReadError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io {
        path: name.clone(),
        source,
    })?;
    open_reader(&name, file, format, opts)
}

/// Reads a stream (upload, HTTP ingest body; plain or gzip) in the given format. `name` is
/// what rejections and errors call the input.
pub fn open_reader(
    name: &str,
    reader: impl Read + Send + 'static,
    format: Format,
    opts: &ReaderOptions,
) -> Result<Box<dyn Iterator<Item = ReadItem> + Send>, ReadError> {
    let decoded = framing::decode_stream(
        Box::new(reader),
        opts.max_decompressed_bytes,
        opts.stats.as_ref(),
    )
    .map_err(|source| ReadError::Io {
        path: name.to_string(),
        source,
    })?;
    let config = |reason: String| ReadError::Config {
        path: name.to_string(),
        reason,
    };
    let detected = match detect_format(&decoded.head, format, opts) {
        Ok(d) => d,
        Err(reason) => {
            return Err(ReadError::Detect {
                path: name.to_string(),
                reason,
            })
        }
    };
    let max = opts.max_line_bytes.max(1);
    let framer: Box<dyn Framer> = match detected.layout {
        None => Box::new(framing::LineFramer::new(decoded.reader, max)),
        Some(layout) => Box::new(framing::JsonFramer::new(decoded.reader, layout, max)),
    };
    let parser: Box<dyn LineFormat> = match detected.format {
        Format::Jsonl | Format::Auto => Box::new(Native),
        Format::Har => Box::new(Har),
        Format::Nginx => Box::new(
            nginx::NginxParser::new(opts.nginx_log_format.as_deref(), &opts.default_host)
                .map_err(config)?,
        ),
        Format::Waf => Box::new(waf::WafParser::new(opts.waf_mapping.clone()).map_err(config)?),
    };
    Ok(Box::new(Items {
        name: name.to_string(),
        framer,
        parser,
        stats: opts.stats.clone(),
        max,
    }))
}

/// Frames parsed into items.
struct Items {
    name: String,
    framer: Box<dyn Framer>,
    parser: Box<dyn LineFormat>,
    stats: Option<ReadStats>,
    max: usize,
}

impl Items {
    fn reject(&self, line: u64, reason: String) -> ReadItem {
        if let Some(s) = &self.stats {
            s.inner.rejected.fetch_add(1, Ordering::Relaxed);
        }
        ReadItem::Rejected(Rejected {
            file: self.name.clone(),
            line,
            reason,
        })
    }
}

impl Iterator for Items {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        loop {
            let (n, frame) = self.framer.next_frame()?;
            if let Some(s) = &self.stats {
                s.inner.frames.fetch_add(1, Ordering::Relaxed);
            }
            match frame {
                Frame::Data => {
                    let data = self.framer.data();
                    if data.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Some(match self.parser.parse(data) {
                        Ok(r) => {
                            if let Some(s) = &self.stats {
                                s.inner.records.fetch_add(1, Ordering::Relaxed);
                            }
                            ReadItem::Record(Box::new(r))
                        }
                        Err(reason) => self.reject(n, reason),
                    });
                }
                Frame::TooLong { len } => {
                    return Some(self.reject(
                        n,
                        format!(
                            "line of {len} bytes exceeds the cap of {} bytes (ReaderOptions::max_line_bytes)",
                            self.max
                        ),
                    ))
                }
                Frame::Fatal(reason) => return Some(self.reject(n, reason)),
            }
        }
    }
}
