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
mod native_route;
mod nginx;
mod normalize;
mod waf;

pub use detect::{detect_format, Detected};
pub use framing::{Frame, Framer, JsonLayout};
pub use har::parse_har_entry;
pub use native::{parse_native, parse_native_line, parse_native_route};
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

impl ReaderOptions {
    /// The defaults with the `APISEC_*` reader settings of the environment applied (for
    /// `apisec analyze` and the server): `APISEC_NGINX_LOG_FORMAT` (a log_format string),
    /// `APISEC_DEFAULT_HOST`, `APISEC_WAF_MAPPING` (path of a TOML or JSON mapping file),
    /// `APISEC_MAX_LINE_BYTES`, `APISEC_MAX_DECOMPRESSED_BYTES`.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`ReaderOptions::from_env`] with an explicit lookup (tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut o = ReaderOptions::default();
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        if let Some(f) = get("APISEC_NGINX_LOG_FORMAT") {
            nginx::NginxFormat::compile(&f).map_err(|e| format!("APISEC_NGINX_LOG_FORMAT: {e}"))?;
            o.nginx_log_format = Some(f);
        }
        if let Some(h) = get("APISEC_DEFAULT_HOST") {
            o.default_host = h;
        }
        if let Some(path) = get("APISEC_WAF_MAPPING") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("APISEC_WAF_MAPPING: {path}: {e}"))?;
            let mapping = if path.ends_with(".json") {
                WafMapping::from_json_str(&text)
            } else {
                WafMapping::from_toml_str(&text)
            };
            o.waf_mapping = mapping.map_err(|e| format!("APISEC_WAF_MAPPING: {path}: {e}"))?;
        }
        let number = |k: &str| -> Result<Option<u64>, String> {
            get(k)
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .map_err(|_| format!("{k}: not a number: {v:?}"))
                })
                .transpose()
        };
        if let Some(n) = number("APISEC_MAX_LINE_BYTES")? {
            o.max_line_bytes = usize::try_from(n).unwrap_or(usize::MAX).max(1);
        }
        if let Some(n) = number("APISEC_MAX_DECOMPRESSED_BYTES")? {
            o.max_decompressed_bytes = n;
        }
        Ok(o)
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
pub trait LineFormat: Send + Sync {
    fn parse(&self, frame: &[u8]) -> Result<Record, String>;

    /// Only what chooses the frame's path template (pass 1 of the analysis); `None` for a
    /// frame that is not a record. Formats with a cheaper partial parse override it.
    fn route(&self, frame: &[u8]) -> Option<Route> {
        self.parse(frame).ok().map(Route::from)
    }
}

/// The parts of a record that choose its path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub host: String,
    pub path: String,
}

impl From<Record> for Route {
    fn from(r: Record) -> Route {
        Route {
            method: r.method,
            host: r.host,
            path: r.path,
        }
    }
}

struct Native;

impl LineFormat for Native {
    fn parse(&self, frame: &[u8]) -> Result<Record, String> {
        parse_native(frame)
    }

    fn route(&self, frame: &[u8]) -> Option<Route> {
        parse_native_route(frame)
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
    Ok(Box::new(Items {
        frames: open_reader_frames(name, reader, format, opts)?,
    }))
}

/// Opens a log file (plain or gzip) as raw frames, for callers that parse in parallel.
pub fn open_file_frames(
    path: &Path,
    format: Format,
    opts: &ReaderOptions,
) -> Result<Frames, ReadError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io {
        path: name.clone(),
        source,
    })?;
    open_reader_frames(&name, file, format, opts)
}

/// [`open_reader`] without the parsing: the frames come out raw, in batches, and
/// [`Frames::parser`] parses them on any thread (`apisec analyze` frames in one thread and
/// parses in all the others).
pub fn open_reader_frames(
    name: &str,
    reader: impl Read + Send + 'static,
    format: Format,
    opts: &ReaderOptions,
) -> Result<Frames, ReadError> {
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
    let parser: Arc<dyn LineFormat> = match detected.format {
        Format::Jsonl | Format::Auto => Arc::new(Native),
        Format::Har => Arc::new(Har),
        Format::Nginx => Arc::new(
            nginx::NginxParser::new(opts.nginx_log_format.as_deref(), &opts.default_host)
                .map_err(config)?,
        ),
        Format::Waf => Arc::new(waf::WafParser::new(opts.waf_mapping.clone()).map_err(config)?),
    };
    Ok(Frames {
        parser: FrameParser {
            name: name.into(),
            parser,
            stats: opts.stats.clone(),
        },
        framer,
        max,
    })
}

/// One raw frame of a [`FrameBatch`]: the bytes of a line (or JSON entry) to parse, or a frame
/// already rejected by the framing (too long, unreadable input).
#[derive(Debug)]
pub enum RawFrame {
    Data {
        /// 1-based line (or entry) number.
        line: u64,
        start: usize,
        end: usize,
    },
    Rejected(Rejected),
}

/// Frames read in one go: their bytes back to back in one buffer (reused between batches).
#[derive(Debug, Default)]
pub struct FrameBatch {
    pub buf: Vec<u8>,
    pub frames: Vec<RawFrame>,
}

impl FrameBatch {
    /// An empty batch with room for `frames` frames and `bytes` bytes (plus one long line).
    pub fn with_capacity(frames: usize, bytes: usize) -> Self {
        FrameBatch {
            buf: Vec::with_capacity(bytes + (1 << 20)),
            frames: Vec::with_capacity(frames),
        }
    }
    pub fn clear(&mut self) {
        self.buf.clear();
        self.frames.clear();
    }
    /// The bytes of a `Data` frame.
    pub fn bytes(&self, start: usize, end: usize) -> &[u8] {
        &self.buf[start..end]
    }
}

/// The raw frames of one input (see [`open_reader_frames`]).
pub struct Frames {
    parser: FrameParser,
    framer: Box<dyn Framer>,
    max: usize,
}

/// Parses the frames of one input on any thread; cheap to clone.
#[derive(Clone)]
pub struct FrameParser {
    name: Arc<str>,
    parser: Arc<dyn LineFormat>,
    stats: Option<ReadStats>,
}

impl FrameParser {
    /// What rejections call the input.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Parses one `Data` frame; a failure is the rejection of line `line`.
    pub fn parse(&self, line: u64, data: &[u8]) -> Result<Record, Rejected> {
        match self.parser.parse(data) {
            Ok(r) => {
                if let Some(s) = &self.stats {
                    s.inner.records.fetch_add(1, Ordering::Relaxed);
                }
                Ok(r)
            }
            Err(reason) => Err(self.reject(line, reason)),
        }
    }

    /// The route of one `Data` frame (see [`LineFormat::route`]). Not counted in the read
    /// statistics: pass 1 reads what pass 2 counts.
    pub fn route(&self, data: &[u8]) -> Option<Route> {
        self.parser.route(data)
    }

    fn reject(&self, line: u64, reason: String) -> Rejected {
        if let Some(s) = &self.stats {
            s.inner.rejected.fetch_add(1, Ordering::Relaxed);
        }
        Rejected {
            file: self.name.to_string(),
            line,
            reason,
        }
    }
}

impl Frames {
    /// The parser of this input's frames.
    pub fn parser(&self) -> &FrameParser {
        &self.parser
    }

    /// The next frame worth parsing (blank lines are skipped): `Ok((line, bytes))` to parse, or
    /// a rejection from the framing. `None` at the end.
    fn next_raw(&mut self) -> Option<Result<u64, Rejected>> {
        loop {
            let (n, frame) = self.framer.next_frame()?;
            if let Some(s) = &self.parser.stats {
                s.inner.frames.fetch_add(1, Ordering::Relaxed);
            }
            return Some(match frame {
                Frame::Data => {
                    if self.framer.data().iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    Ok(n)
                }
                Frame::TooLong { len } => Err(self.parser.reject(
                    n,
                    format!(
                        "line of {len} bytes exceeds the cap of {} bytes (ReaderOptions::max_line_bytes)",
                        self.max
                    ),
                )),
                Frame::Fatal(reason) => Err(self.parser.reject(n, reason)),
            });
        }
    }

    /// Clears `batch` and reads up to `max_frames` frames into it, stopping early once it holds
    /// `max_bytes` bytes. False when the input is exhausted and nothing was read.
    pub fn fill(&mut self, batch: &mut FrameBatch, max_frames: usize, max_bytes: usize) -> bool {
        batch.clear();
        while batch.frames.len() < max_frames && batch.buf.len() < max_bytes {
            match self.next_raw() {
                None => break,
                Some(Ok(line)) => {
                    let start = batch.buf.len();
                    batch.buf.extend_from_slice(self.framer.data());
                    batch.frames.push(RawFrame::Data {
                        line,
                        start,
                        end: batch.buf.len(),
                    });
                }
                Some(Err(r)) => batch.frames.push(RawFrame::Rejected(r)),
            }
        }
        !batch.frames.is_empty()
    }
}

/// Frames parsed into items, one at a time.
struct Items {
    frames: Frames,
}

impl Iterator for Items {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        Some(match self.frames.next_raw()? {
            Ok(line) => match self.frames.parser.parse(line, self.frames.framer.data()) {
                Ok(r) => ReadItem::Record(Box::new(r)),
                Err(r) => ReadItem::Rejected(r),
            },
            Err(r) => ReadItem::Rejected(r),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_the_environment() {
        let mapping = std::env::temp_dir().join(format!("apisec-map-{}.toml", std::process::id()));
        std::fs::write(&mapping, "client_ip = \"ip\"\n").unwrap();
        let vars = [
            (
                "APISEC_NGINX_LOG_FORMAT",
                "$remote_addr [$time_local] \"$request\" $status",
            ),
            ("APISEC_DEFAULT_HOST", "www.example.com"),
            ("APISEC_WAF_MAPPING", mapping.to_str().unwrap()),
            ("APISEC_MAX_LINE_BYTES", "1024"),
        ];
        let o = ReaderOptions::from_lookup(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
        std::fs::remove_file(&mapping).ok();
        assert_eq!(o.default_host, "www.example.com");
        assert_eq!(o.waf_mapping.client_ip, vec!["ip".to_string()]);
        assert_eq!(o.max_line_bytes, 1024);
        assert!(o.nginx_log_format.is_some());
        let bad = ReaderOptions::from_lookup(|k| {
            (k == "APISEC_NGINX_LOG_FORMAT").then(|| "$remote_addr".to_string())
        });
        assert!(bad
            .unwrap_err()
            .starts_with("APISEC_NGINX_LOG_FORMAT: log_format has no time"));
        let none = ReaderOptions::from_lookup(|_| None).unwrap();
        assert_eq!(none.max_line_bytes, DEFAULT_MAX_LINE_BYTES);
    }
}
