//! Stored raw log segments: data sources and their ingest tokens, streaming uploads to disk,
//! content-hash dedup, rejected lines and retention (issue 3).
//!
//! Every way in (console upload, token endpoint, CLI import, demo seed) goes through
//! [`SegmentSink`]: bytes are written to a temporary file under
//! `<data_dir>/segments/<tenant>/` as they arrive (never the whole file in memory) while the
//! SHA-256 of the *decompressed* content is computed on a blocking thread; then the engine's
//! readers count good and bad lines over the stored file, the file is fsynced and renamed into
//! place, and the `segments` row (plus up to [`MAX_REJECTED_KEPT`] rejected lines) is
//! committed. Only then does the caller acknowledge. The same content for the same source is a
//! duplicate: nothing new is stored or counted.

use crate::error::{Error, Result};
use crate::scope::Scope;
use crate::tenancy::Region;
use crate::Backend;
use bytes::Bytes;
use engine::readers::{self, Format, ReadItem, ReaderOptions};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

/// Default cap on one upload or import, in bytes as received (10 GiB).
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 10 << 30;
/// Default cap on one body of the token endpoint (64 MiB): shippers send batches.
pub const DEFAULT_MAX_INGEST_BODY_BYTES: u64 = 64 << 20;
/// Default longest line (or JSON entry) accepted, as `apisec analyze` (16 MiB); longer ones
/// are rejected lines.
pub const DEFAULT_MAX_LINE_BYTES: usize = readers::DEFAULT_MAX_LINE_BYTES;
/// Default cap on the decompressed size of one gzip input (64 GiB).
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: u64 = 64 << 30;
/// Default cap on how much larger than its compressed size a gzip input may get (ratio).
/// Real logs compress 10–30×; a decompression bomb compresses a thousandfold.
pub const DEFAULT_MAX_GZIP_RATIO: u64 = 200;
/// Rejected lines kept per segment (all are counted).
pub const MAX_REJECTED_KEPT: usize = 1000;
/// Longest excerpt of a rejected line kept, in characters.
pub const EXCERPT_CHARS: usize = 200;
/// Slack under the gzip ratio check, so tiny inputs (a gzip header and one line) pass.
const RATIO_SLACK_BYTES: u64 = 1 << 20;
const FORMATS: [&str; 5] = ["auto", "jsonl", "har", "nginx", "waf"];

/// Size limits of ingestion, configurable through the environment (see docs/ingestion.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `APISEC_MAX_UPLOAD_BYTES`: one console upload or CLI import, bytes as received.
    pub max_upload_bytes: u64,
    /// `APISEC_MAX_INGEST_BODY_BYTES`: one request body of `POST /ingest/v1/logs`.
    pub max_ingest_body_bytes: u64,
    /// `APISEC_MAX_LINE_BYTES`: longest line or JSON entry; longer ones are rejected lines.
    pub max_line_bytes: usize,
    /// `APISEC_MAX_DECOMPRESSED_BYTES`: most bytes one gzip input may decompress to.
    pub max_decompressed_bytes: u64,
    /// `APISEC_MAX_GZIP_RATIO`: most decompressed bytes per compressed byte (bomb guard).
    pub max_gzip_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            max_ingest_body_bytes: DEFAULT_MAX_INGEST_BODY_BYTES,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
            max_gzip_ratio: DEFAULT_MAX_GZIP_RATIO,
        }
    }
}

impl Limits {
    /// The defaults with the `APISEC_MAX_*` variables applied; a bad number names its variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> std::result::Result<Self, String> {
        let mut l = Limits::default();
        let num = |k: &str| -> std::result::Result<Option<u64>, String> {
            match get(k).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => Err(format!(
                        "{k}: expected a positive number of bytes, got {v:?}"
                    )),
                },
            }
        };
        if let Some(n) = num("APISEC_MAX_UPLOAD_BYTES")? {
            l.max_upload_bytes = n;
        }
        if let Some(n) = num("APISEC_MAX_INGEST_BODY_BYTES")? {
            l.max_ingest_body_bytes = n;
        }
        if let Some(n) = num("APISEC_MAX_LINE_BYTES")? {
            l.max_line_bytes = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = num("APISEC_MAX_DECOMPRESSED_BYTES")? {
            l.max_decompressed_bytes = n;
        }
        if let Some(n) = num("APISEC_MAX_GZIP_RATIO")? {
            l.max_gzip_ratio = n;
        }
        Ok(l)
    }
}

/// Where segments live and how they are read: shared by ingestion and analysis jobs so both
/// read a stored file the same way.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// Root of stored data; segments go to `<data_dir>/segments/<tenant>/`.
    pub data_dir: PathBuf,
    pub limits: Limits,
    /// Reader settings (nginx log_format, WAF mapping, default host); line cap from `limits`.
    pub reader: ReaderOptions,
}

impl IngestConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        IngestConfig {
            data_dir: data_dir.into(),
            limits: Limits::default(),
            reader: ReaderOptions::default(),
        }
    }

    /// Reader options for stored segments: the configured ones with the ingest limits.
    pub fn reader_options(&self) -> ReaderOptions {
        let mut o = self.reader.clone();
        o.max_line_bytes = self.limits.max_line_bytes;
        o.max_decompressed_bytes = self.limits.max_decompressed_bytes;
        o.stats = None;
        o
    }

    pub(crate) fn tenant_dir(&self, tenant_id: i64) -> PathBuf {
        self.data_dir.join("segments").join(tenant_id.to_string())
    }
}

/// Why a segment could not be stored; the HTTP layer maps these onto status codes.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Over a size limit (HTTP 413).
    #[error("{0}")]
    TooLarge(String),
    /// The content cannot be taken (HTTP 400), e.g. the format cannot be detected.
    #[error("{0}")]
    Invalid(String),
    #[error("cannot store the segment: {0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Backend(#[from] Error),
}

impl IngestError {
    pub fn status(&self) -> u16 {
        match self {
            IngestError::TooLarge(_) => 413,
            IngestError::Invalid(_) => 400,
            IngestError::Io(_) => 500,
            IngestError::Backend(e) => e.status(),
        }
    }
}

impl From<sqlx::Error> for IngestError {
    fn from(e: sqlx::Error) -> Self {
        IngestError::Backend(Error::from(e))
    }
}

/// How a segment arrived (the `segments.origin` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Upload,
    Ingest,
    Cli,
    Demo,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Upload => "upload",
            Origin::Ingest => "ingest",
            Origin::Cli => "cli",
            Origin::Demo => "demo",
        }
    }
}

/// A data source of a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub id: i64,
    pub tenant_id: i64,
    pub rg_id: i64,
    pub region: String,
    pub name: String,
    pub format: String,
    /// First characters of the token, to tell tokens apart; empty when it has none.
    pub token_hint: String,
    pub created_at: i64,
    pub disabled: bool,
}

impl Source {
    pub fn scope(&self) -> Scope {
        Scope {
            tenant_id: self.tenant_id,
            rg_id: self.rg_id,
            region: Region::parse(&self.region),
        }
    }
}

/// A source with the figures of its live segments, for the Data sources page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSummary {
    pub source: Source,
    pub segments: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub last_received: Option<i64>,
}

const SOURCE_COLS: &str =
    "id, tenant_id, rg_id, region, name, format, token_hint, created_at, disabled_at";

fn source_from_row(r: &sqlx::any::AnyRow) -> Result<Source> {
    Ok(Source {
        id: r.try_get(0)?,
        tenant_id: r.try_get(1)?,
        rg_id: r.try_get(2)?,
        region: r.try_get(3)?,
        name: r.try_get(4)?,
        format: r.try_get(5)?,
        token_hint: r.try_get(6)?,
        created_at: r.try_get(7)?,
        disabled: r.try_get::<Option<i64>, _>(8)?.is_some(),
    })
}

/// SHA-256 of `data` as lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// `n` random bytes as hex (tokens, unique file names).
pub fn random_hex(n: usize) -> String {
    use rand::RngCore;
    let mut bytes = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_format(format: &str) -> Result<String> {
    let f = format.trim().to_ascii_lowercase();
    let f = if f.is_empty() { "auto".to_string() } else { f };
    if FORMATS.contains(&f.as_str()) {
        Ok(f)
    } else {
        Err(Error::Invalid(format!(
            "unknown log format {format:?}: choose auto, jsonl, har, nginx or waf"
        )))
    }
}

fn check_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "a data source name has 1 to 100 characters and no control characters".into(),
        ));
    }
    Ok(n.to_string())
}

/// Creates a source with a fresh ingest token. Returns the source and the token, which is
/// shown once: only its SHA-256 is stored.
pub async fn create_source(
    b: &Backend,
    scope: Scope,
    name: &str,
    format: &str,
    created_by: Option<i64>,
) -> Result<(Source, String)> {
    let name = check_name(name)?;
    let format = check_format(format)?;
    let token = random_hex(32);
    let hint: String = token.chars().take(4).collect();
    let res = sqlx::query(
        "INSERT INTO data_sources (tenant_id, rg_id, region, name, format, token_hash, token_hint,
                                   created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(&name)
    .bind(&format)
    .bind(sha256_hex(token.as_bytes()))
    .bind(&hint)
    .bind(created_by)
    .bind(b.now_ms())
    .fetch_one(&b.db.pool)
    .await;
    let id: i64 = match res {
        Ok(r) => r.try_get(0)?,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(Error::Conflict(format!(
                "a data source named {name:?} already exists here"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    Ok((source(b, scope, id).await?, token))
}

/// The source named `name` of the scope, created without a token if missing (CLI, demo).
pub async fn ensure_source(b: &Backend, scope: Scope, name: &str, format: &str) -> Result<Source> {
    let name = check_name(name)?;
    let format = check_format(format)?;
    let find = || async {
        let row = sqlx::query(&format!(
            "SELECT {SOURCE_COLS} FROM data_sources
             WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND name = $4"
        ))
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(scope.region_str())
        .bind(&name)
        .fetch_optional(&b.db.pool)
        .await?;
        row.as_ref().map(source_from_row).transpose()
    };
    if let Some(s) = find().await? {
        return Ok(s);
    }
    sqlx::query(
        "INSERT INTO data_sources (tenant_id, rg_id, region, name, format, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, rg_id, region, name) DO NOTHING",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(&name)
    .bind(&format)
    .bind(b.now_ms())
    .execute(&b.db.pool)
    .await?;
    find().await?.ok_or(Error::NotFound)
}

/// Source `id` of the scope; a source of another scope is [`Error::NotFound`].
pub async fn source(b: &Backend, scope: Scope, id: i64) -> Result<Source> {
    let row = sqlx::query(&format!(
        "SELECT {SOURCE_COLS} FROM data_sources
         WHERE id = $1 AND tenant_id = $2 AND rg_id = $3 AND region = $4"
    ))
    .bind(id)
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .fetch_optional(&b.db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    source_from_row(&row)
}

/// The enabled source whose token this is, if any (token endpoint).
pub async fn source_by_token(b: &Backend, token: &str) -> Result<Option<Source>> {
    if token.is_empty() {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "SELECT {SOURCE_COLS} FROM data_sources WHERE token_hash = $1 AND disabled_at IS NULL"
    ))
    .bind(sha256_hex(token.as_bytes()))
    .fetch_optional(&b.db.pool)
    .await?;
    row.as_ref().map(source_from_row).transpose()
}

/// The scope's sources with their live segment figures, by name.
pub async fn list_sources(b: &Backend, scope: Scope) -> Result<Vec<SourceSummary>> {
    // SUM is NUMERIC on PostgreSQL: cast back to BIGINT for the Any driver.
    let rows = sqlx::query(
        "SELECT s.id, s.tenant_id, s.rg_id, s.region, s.name, s.format, s.token_hint,
                s.created_at, s.disabled_at,
                COUNT(g.id), CAST(COALESCE(SUM(g.accepted), 0) AS BIGINT),
                CAST(COALESCE(SUM(g.rejected), 0) AS BIGINT),
                MAX(g.received_at)
         FROM data_sources s
         LEFT JOIN segments g ON g.source_id = s.id AND g.purged_at IS NULL
         WHERE s.tenant_id = $1 AND s.rg_id = $2 AND s.region = $3
         GROUP BY s.id, s.tenant_id, s.rg_id, s.region, s.name, s.format, s.token_hint,
                  s.created_at, s.disabled_at
         ORDER BY s.name",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .fetch_all(&b.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SourceSummary {
                source: source_from_row(r)?,
                segments: r.try_get(9)?,
                accepted: r.try_get(10)?,
                rejected: r.try_get(11)?,
                last_received: r.try_get(12)?,
            })
        })
        .collect()
}

/// A stored segment, for the Data sources page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub origin: String,
    pub file_name: String,
    pub format: String,
    pub bytes: i64,
    pub lines: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub min_time_ms: Option<i64>,
    pub max_time_ms: Option<i64>,
    pub received_at: i64,
    pub purged_at: Option<i64>,
}

/// The scope's newest segments (purged ones included, marked), at most `limit`.
pub async fn list_segments(b: &Backend, scope: Scope, limit: i64) -> Result<Vec<Segment>> {
    let rows = sqlx::query(
        "SELECT g.id, g.source_id, s.name, g.origin, g.file_name, g.format, g.bytes, g.lines,
                g.accepted, g.rejected, g.min_time_ms, g.max_time_ms, g.received_at, g.purged_at
         FROM segments g JOIN data_sources s ON s.id = g.source_id
         WHERE g.tenant_id = $1 AND g.rg_id = $2 AND g.region = $3
         ORDER BY g.id DESC LIMIT $4",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(limit)
    .fetch_all(&b.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Segment {
                id: r.try_get(0)?,
                source_id: r.try_get(1)?,
                source_name: r.try_get(2)?,
                origin: r.try_get(3)?,
                file_name: r.try_get(4)?,
                format: r.try_get(5)?,
                bytes: r.try_get(6)?,
                lines: r.try_get(7)?,
                accepted: r.try_get(8)?,
                rejected: r.try_get(9)?,
                min_time_ms: r.try_get(10)?,
                max_time_ms: r.try_get(11)?,
                received_at: r.try_get(12)?,
                purged_at: r.try_get(13)?,
            })
        })
        .collect()
}

/// One kept rejected line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedLine {
    pub line: i64,
    pub reason: String,
    pub excerpt: String,
}

/// Kept rejected lines of segment `segment_id` of the scope, by line number.
pub async fn rejected_lines(
    b: &Backend,
    scope: Scope,
    segment_id: i64,
    limit: i64,
) -> Result<Vec<RejectedLine>> {
    // The segment must belong to the scope: a guessed id of another tenant is not found.
    let owned: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM segments WHERE id = $1 AND tenant_id = $2 AND rg_id = $3 AND region = $4",
    )
    .bind(segment_id)
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .fetch_optional(&b.db.pool)
    .await?;
    owned.ok_or(Error::NotFound)?;
    let rows = sqlx::query(
        "SELECT line_no, reason, excerpt FROM rejected_lines
         WHERE segment_id = $1 AND tenant_id = $2 ORDER BY line_no, id LIMIT $3",
    )
    .bind(segment_id)
    .bind(scope.tenant_id)
    .bind(limit)
    .fetch_all(&b.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RejectedLine {
                line: r.try_get(0)?,
                reason: r.try_get(1)?,
                excerpt: r.try_get(2)?,
            })
        })
        .collect()
}

/// What storing a segment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOutcome {
    pub segment_id: i64,
    /// Same content already stored for this source: nothing new was stored or counted.
    pub duplicate: bool,
    pub lines: i64,
    pub accepted: i64,
    pub rejected: i64,
    /// The first rejected lines (line number, reason), at most [`MAX_REJECTED_KEPT`].
    pub errors: Vec<(i64, String)>,
    /// The analysis job queued for the scope (None for a duplicate).
    pub job_id: Option<i64>,
}

/// What the staging thread produced.
struct Staged {
    tmp: PathBuf,
    bytes: u64,
    gzip: bool,
    content_hash: String,
}

/// Hashes and counts what is written to it; refuses to grow past `limit` (bomb guard).
struct HashCount {
    hasher: Sha256,
    count: u64,
    limit: u64,
    over: bool,
}

impl Write for HashCount {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.count + buf.len() as u64 > self.limit {
            self.over = true;
            return Err(io::Error::other("decompressed size limit"));
        }
        self.count += buf.len() as u64;
        self.hasher.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The state of the staging thread.
struct Stager {
    file: std::fs::File,
    tmp: PathBuf,
    received: u64,
    head: Vec<u8>,
    /// Some(decoder) once the input is known to be gzip; None for plain (or undecided).
    gz: Option<flate2::write::MultiGzDecoder<HashCount>>,
    /// The gzip stream is damaged: hash the raw bytes instead (the reader reports the damage).
    gz_broken: bool,
    plain: Option<Sha256>,
    raw: Sha256,
    limits: Limits,
}

impl Stager {
    fn decompressed_limit(&self) -> u64 {
        self.limits.max_decompressed_bytes.min(
            self.received
                .saturating_mul(self.limits.max_gzip_ratio)
                .saturating_add(RATIO_SLACK_BYTES),
        )
    }

    fn feed(&mut self, chunk: &[u8]) -> std::result::Result<(), IngestError> {
        self.received += chunk.len() as u64;
        self.file.write_all(chunk)?;
        self.raw.update(chunk);
        if self.gz.is_none() && self.plain.is_none() {
            self.head.extend_from_slice(chunk);
            if self.head.len() < 2 {
                return Ok(());
            }
            let pending = std::mem::take(&mut self.head);
            if pending[..2] == [0x1f, 0x8b] {
                self.gz = Some(flate2::write::MultiGzDecoder::new(HashCount {
                    hasher: Sha256::new(),
                    count: 0,
                    limit: u64::MAX,
                    over: false,
                }));
            } else {
                self.plain = Some(Sha256::new());
            }
            return self.decode(&pending);
        }
        self.decode(chunk)
    }

    fn decode(&mut self, data: &[u8]) -> std::result::Result<(), IngestError> {
        if let Some(h) = &mut self.plain {
            h.update(data);
            return Ok(());
        }
        let limit = self.decompressed_limit();
        if self.gz_broken {
            return Ok(());
        }
        let Some(gz) = &mut self.gz else {
            return Ok(());
        };
        gz.get_mut().limit = limit;
        if let Err(e) = gz.write_all(data) {
            if gz.get_ref().over {
                return Err(self.bomb());
            }
            tracing::debug!(error = %e, "damaged gzip stream; hashing raw bytes");
            self.gz_broken = true;
        }
        Ok(())
    }

    fn bomb(&self) -> IngestError {
        IngestError::TooLarge(format!(
            "the gzip input decompresses to more than {} bytes (limit: {} bytes, or {}× the \
             compressed size); split it or raise APISEC_MAX_DECOMPRESSED_BYTES / \
             APISEC_MAX_GZIP_RATIO",
            self.gz.as_ref().map(|g| g.get_ref().count).unwrap_or(0),
            self.limits.max_decompressed_bytes,
            self.limits.max_gzip_ratio
        ))
    }

    fn finish(mut self) -> std::result::Result<Staged, IngestError> {
        if self.gz.is_none() && self.plain.is_none() {
            // Fewer than two bytes in all: plain.
            let pending = std::mem::take(&mut self.head);
            self.plain = Some(Sha256::new());
            self.decode(&pending)?;
        }
        let mut gzip = false;
        let content_hash = if let Some(h) = self.plain.take() {
            hex(&h.finalize())
        } else {
            gzip = true;
            let mut gz = self.gz.take().expect("gzip decoder");
            // The decoder holds back output until the end: a small bomb inflates here, so the
            // size limit is checked again before the flush error could pass for damage.
            let flushed = if self.gz_broken {
                Ok(())
            } else {
                gz.try_finish()
            };
            if gz.get_ref().over {
                self.gz = Some(gz);
                return Err(self.bomb());
            }
            match (self.gz_broken, flushed.and_then(|()| gz.finish())) {
                (false, Ok(hc)) => hex(&hc.hasher.finalize()),
                (_, Err(_)) | (true, _) => {
                    // Damaged or truncated: dedup on the raw bytes instead.
                    format!("raw-{}", hex(&self.raw.clone().finalize()))
                }
            }
        };
        self.file.sync_all()?;
        Ok(Staged {
            tmp: self.tmp.clone(),
            bytes: self.received,
            gzip,
            content_hash,
        })
    }
}

/// A segment being received: push chunks as they arrive, then [`SegmentSink::finish`].
/// Dropping it without finishing removes the temporary file.
pub struct SegmentSink {
    tx: Option<tokio::sync::mpsc::Sender<Bytes>>,
    worker: Option<tokio::task::JoinHandle<std::result::Result<Staged, IngestError>>>,
    tmp: PathBuf,
    received: u64,
    max_bytes: u64,
    done: bool,
}

impl SegmentSink {
    /// Starts receiving a segment for `tenant_id`; more than `max_bytes` fails with
    /// [`IngestError::TooLarge`].
    pub fn begin(
        b: &Backend,
        tenant_id: i64,
        max_bytes: u64,
    ) -> std::result::Result<Self, IngestError> {
        let dir = b.ingest.tenant_dir(tenant_id);
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(".incoming-{}", random_hex(12)));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(8);
        let mut stager = Stager {
            file,
            tmp: tmp.clone(),
            received: 0,
            head: Vec::new(),
            gz: None,
            gz_broken: false,
            plain: None,
            raw: Sha256::new(),
            limits: b.ingest.limits.clone(),
        };
        // Writing, hashing and inflating are blocking work: one blocking thread per segment,
        // fed through a small bounded channel (back-pressure to the network).
        let worker = tokio::task::spawn_blocking(move || {
            while let Some(chunk) = rx.blocking_recv() {
                stager.feed(&chunk)?;
            }
            stager.finish()
        });
        Ok(SegmentSink {
            tx: Some(tx),
            worker: Some(worker),
            tmp,
            received: 0,
            max_bytes,
            done: false,
        })
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Appends a chunk.
    pub async fn push(&mut self, chunk: Bytes) -> std::result::Result<(), IngestError> {
        self.received += chunk.len() as u64;
        if self.received > self.max_bytes {
            return Err(IngestError::TooLarge(format!(
                "the input is larger than the limit of {} bytes",
                self.max_bytes
            )));
        }
        let sent = match &self.tx {
            Some(tx) => tx.send(chunk).await.is_ok(),
            None => false,
        };
        if !sent {
            // The staging thread stopped: its error says why.
            return Err(self.join().await.err().unwrap_or_else(|| {
                IngestError::Io(io::Error::other("the segment writer stopped"))
            }));
        }
        Ok(())
    }

    async fn join(&mut self) -> std::result::Result<Staged, IngestError> {
        self.tx = None;
        match self.worker.take() {
            Some(w) => w
                .await
                .map_err(|e| IngestError::Io(io::Error::other(e.to_string())))?,
            None => Err(IngestError::Io(io::Error::other(
                "segment already finished",
            ))),
        }
    }

    /// Ends the input and stores the segment for `source` (see the module docs). Returns
    /// after the file is fsynced and its row committed.
    pub async fn finish(
        mut self,
        b: &Backend,
        src: &Source,
        file_name: &str,
        origin: Origin,
    ) -> std::result::Result<StoreOutcome, IngestError> {
        let staged = self.join().await?;
        let out = commit(b, src, file_name, origin, &staged).await;
        // On success the file was renamed; on a duplicate or error the temporary goes.
        let _ = std::fs::remove_file(&staged.tmp);
        self.done = true;
        out
    }
}

impl Drop for SegmentSink {
    fn drop(&mut self) {
        if !self.done {
            self.tx = None;
            if let Some(w) = self.worker.take() {
                w.abort();
            }
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Stores a file from disk (CLI import, demo seed) through the same path as uploads.
pub async fn store_file(
    b: &Backend,
    src: &Source,
    path: &Path,
    origin: Origin,
) -> std::result::Result<StoreOutcome, IngestError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into());
    let mut sink = SegmentSink::begin(b, src.tenant_id, b.ingest.limits.max_upload_bytes)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
    let p = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        let mut f = match std::fs::File::open(&p) {
            Ok(f) => f,
            Err(e) => {
                let _ = tx.blocking_send(Err(io::Error::new(
                    e.kind(),
                    format!("{}: {e}", p.display()),
                )));
                return;
            }
        };
        loop {
            let mut buf = vec![0u8; 256 * 1024];
            match f.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    while let Some(chunk) = rx.recv().await {
        sink.push(chunk?).await?;
    }
    let _ = reader.await;
    sink.finish(b, src, &name, origin).await
}

/// What scanning a stored file found.
struct Scan {
    format: String,
    lines: i64,
    accepted: i64,
    rejected: i64,
    min_time: Option<i64>,
    max_time: Option<i64>,
    kept: Vec<(i64, String, String)>,
}

fn scan(
    path: &Path,
    format: Format,
    opts: &ReaderOptions,
) -> std::result::Result<Scan, IngestError> {
    let mut opts = opts.clone();
    let stats = readers::ReadStats::new();
    opts.stats = Some(stats.clone());
    let name = path.display().to_string();
    // Resolve `auto` once here, so the segment records the format that was read.
    let head = {
        let f = std::fs::File::open(path)?;
        let mut head = Vec::with_capacity(64 * 1024);
        let mut r: Box<dyn Read> = if is_gzip(path)? {
            Box::new(flate2::read::MultiGzDecoder::new(f))
        } else {
            Box::new(f)
        };
        let _ = r.by_ref().take(64 * 1024).read_to_end(&mut head);
        head
    };
    let detected = readers::detect_format(strip_bom(&head), format, &opts).map_err(|reason| {
        IngestError::Invalid(format!("cannot detect the log format: {reason}"))
    })?;
    let items = readers::open_file(path, detected.format, &opts)
        .map_err(|e| IngestError::Invalid(e.to_string().replacen(&format!("{name}: "), "", 1)))?;
    let (mut accepted, mut rejected) = (0i64, 0i64);
    let (mut min_time, mut max_time) = (None::<i64>, None::<i64>);
    let mut kept: Vec<(i64, String, String)> = Vec::new();
    for item in items {
        match item {
            ReadItem::Record(r) => {
                accepted += 1;
                min_time = Some(min_time.map_or(r.time_ms, |m| m.min(r.time_ms)));
                max_time = Some(max_time.map_or(r.time_ms, |m| m.max(r.time_ms)));
            }
            ReadItem::Rejected(r) => {
                rejected += 1;
                if kept.len() < MAX_REJECTED_KEPT {
                    let reason: String = r.reason.chars().take(500).collect();
                    kept.push((r.line as i64, reason, String::new()));
                }
            }
        }
    }
    // Excerpts only make sense where frames are lines (not HAR / JSON array entries).
    if detected.layout.is_none() && !kept.is_empty() {
        fill_excerpts(path, &mut kept)?;
    }
    Ok(Scan {
        format: detected.format.as_str().to_string(),
        lines: stats.lines() as i64,
        accepted,
        rejected,
        min_time,
        max_time,
        kept,
    })
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(b)
}

fn is_gzip(path: &Path) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut f = std::fs::File::open(path)?;
    let mut n = 0;
    while n < 2 {
        match f.read(&mut magic[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

/// Reads the lines named in `kept` (sorted by line number) and stores a short, printable
/// excerpt of each: at most [`EXCERPT_CHARS`] characters, control characters replaced, in
/// bounded memory however long the line.
fn fill_excerpts(path: &Path, kept: &mut [(i64, String, String)]) -> io::Result<()> {
    let f = std::fs::File::open(path)?;
    let r: Box<dyn Read> = if is_gzip(path)? {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    };
    let mut r = io::BufReader::with_capacity(64 * 1024, r);
    let mut want = kept.iter().map(|k| k.0).collect::<Vec<_>>();
    want.sort_unstable();
    want.dedup();
    let mut excerpts = std::collections::HashMap::new();
    let mut idx = 0;
    let mut line_no = 1i64;
    let mut cur: Vec<u8> = Vec::new();
    while idx < want.len() {
        let buf = match r.fill_buf() {
            Ok([]) => break,
            Ok(b) => b,
            // A damaged gzip tail: excerpts up to there are all we can give.
            Err(_) => break,
        };
        let (consumed, ended) = match memchr_nl(buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if line_no == want[idx] && cur.len() < EXCERPT_CHARS * 4 {
            let take = consumed.min(EXCERPT_CHARS * 4 - cur.len());
            cur.extend_from_slice(&buf[..take]);
        }
        r.consume(consumed);
        if ended {
            if line_no == want[idx] {
                excerpts.insert(line_no, excerpt(&cur));
                cur.clear();
                idx += 1;
            }
            line_no += 1;
        }
    }
    if idx < want.len() && line_no == want[idx] && !cur.is_empty() {
        excerpts.insert(line_no, excerpt(&cur));
    }
    for k in kept.iter_mut() {
        if let Some(e) = excerpts.get(&k.0) {
            k.2 = e.clone();
        }
    }
    Ok(())
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// A short printable excerpt of a raw line (lossy UTF-8, no control characters, ≤200 chars).
pub fn excerpt(raw: &[u8]) -> String {
    let raw = strip_bom(raw);
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_end_matches(['\r', '\n']);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT_CHARS)
        .collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.pop();
        out.push('…');
    }
    out
}

async fn existing(
    b: &Backend,
    source_id: i64,
    hash: &str,
) -> std::result::Result<Option<StoreOutcome>, IngestError> {
    let row = sqlx::query(
        "SELECT id, lines, accepted, rejected FROM segments WHERE source_id = $1 AND content_hash = $2",
    )
    .bind(source_id)
    .bind(hash)
    .fetch_optional(&b.db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(StoreOutcome {
        segment_id: r.try_get(0)?,
        duplicate: true,
        lines: r.try_get(1)?,
        accepted: r.try_get(2)?,
        rejected: r.try_get(3)?,
        errors: vec![],
        job_id: None,
    }))
}

async fn commit(
    b: &Backend,
    src: &Source,
    file_name: &str,
    origin: Origin,
    staged: &Staged,
) -> std::result::Result<StoreOutcome, IngestError> {
    if let Some(dup) = existing(b, src.id, &staged.content_hash).await? {
        return Ok(dup);
    }
    let format: Format = src.format.parse().unwrap_or_default();
    let opts = b.ingest.reader_options();
    let tmp = staged.tmp.clone();
    let scanned = tokio::task::spawn_blocking(move || scan(&tmp, format, &opts))
        .await
        .map_err(|e| IngestError::Io(io::Error::other(e.to_string())))??;

    let dir = b.ingest.tenant_dir(src.tenant_id);
    let ext = if staged.gzip { "log.gz" } else { "log" };
    let final_name = format!(
        "{}-{}-{}.{ext}",
        src.id,
        &staged.content_hash.trim_start_matches("raw-")[..16],
        random_hex(4)
    );
    let final_path = dir.join(&final_name);
    std::fs::rename(&staged.tmp, &final_path)?;
    sync_dir(&dir);
    let stored_path = final_path.display().to_string();
    let file_name: String = excerpt(file_name.as_bytes()).chars().take(200).collect();

    let inserted = insert_segment(b, src, &file_name, origin, staged, &scanned, &stored_path).await;
    let (segment_id, job_id) = match inserted {
        Ok(ids) => ids,
        Err(e) => {
            let _ = std::fs::remove_file(&final_path);
            // Two identical uploads racing: the loser reports the winner's segment.
            if let Some(dup) = existing(b, src.id, &staged.content_hash).await? {
                return Ok(dup);
            }
            return Err(e);
        }
    };
    Ok(StoreOutcome {
        segment_id,
        duplicate: false,
        lines: scanned.lines,
        accepted: scanned.accepted,
        rejected: scanned.rejected,
        errors: scanned
            .kept
            .iter()
            .map(|(l, r, _)| (*l, r.clone()))
            .collect(),
        job_id,
    })
}

/// Inserts the segment row, its kept rejected lines and (when it has accepted lines) its
/// analysis job in one transaction: a crash before the commit leaves no trace but a file, and
/// after it a retry is a duplicate whose analysis is already queued. Returns (segment, job).
async fn insert_segment(
    b: &Backend,
    src: &Source,
    file_name: &str,
    origin: Origin,
    staged: &Staged,
    s: &Scan,
    path: &str,
) -> std::result::Result<(i64, Option<i64>), IngestError> {
    let mut tx = b.db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO segments (tenant_id, source_id, rg_id, region, origin, file_name, path,
                               format, content_hash, bytes, lines, accepted, rejected,
                               min_time_ms, max_time_ms, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         RETURNING id",
    )
    .bind(src.tenant_id)
    .bind(src.id)
    .bind(src.rg_id)
    .bind(&src.region)
    .bind(origin.as_str())
    .bind(file_name)
    .bind(path)
    .bind(&s.format)
    .bind(&staged.content_hash)
    .bind(staged.bytes as i64)
    .bind(s.lines)
    .bind(s.accepted)
    .bind(s.rejected)
    .bind(s.min_time)
    .bind(s.max_time)
    .bind(b.now_ms())
    .fetch_one(&mut *tx)
    .await?;
    for (line, reason, excerpt) in &s.kept {
        sqlx::query(
            "INSERT INTO rejected_lines (tenant_id, segment_id, line_no, reason, excerpt)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(src.tenant_id)
        .bind(id)
        .bind(line)
        .bind(reason)
        .bind(excerpt)
        .execute(&mut *tx)
        .await?;
    }
    let job = if s.accepted > 0 {
        let message = format!("new data: {} ({} lines)", file_name, s.accepted);
        Some(
            crate::jobs::enqueue_on(
                &mut tx,
                b,
                Some(src.scope()),
                crate::jobs::KIND_ANALYSIS,
                &message,
            )
            .await?,
        )
    } else {
        None
    };
    tx.commit().await?;
    Ok((id, job))
}

/// Makes a rename durable (best effort: not every platform can open a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Live (not purged) segments of a scope in id order: (path, format).
pub async fn live_segments(b: &Backend, scope: Scope) -> Result<Vec<(i64, PathBuf, String, i64)>> {
    let rows = sqlx::query(
        "SELECT id, path, format, accepted FROM segments
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND purged_at IS NULL ORDER BY id",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .fetch_all(&b.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>(0)?,
                PathBuf::from(r.try_get::<String, _>(1)?),
                r.try_get::<String, _>(2)?,
                r.try_get::<i64, _>(3)?,
            ))
        })
        .collect()
}

/// Uploads not touched for this long are abandoned (their process died mid-body).
pub const ABANDONED_UPLOAD_MS: u64 = 60 * 60 * 1000;

/// Removes the temporary files of uploads that were never finished (a `kill -9` or a crash
/// in the middle of a body; a live upload rewrites its file continuously). Such bytes were
/// never acknowledged, so nothing stored is lost. Returns how many files went.
pub fn sweep_abandoned_uploads(b: &Backend, idle: std::time::Duration) -> usize {
    let Ok(tenants) = std::fs::read_dir(b.ingest.data_dir.join("segments")) else {
        return 0;
    };
    let mut removed = 0;
    for dir in tenants.flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        for f in files.flatten() {
            let abandoned = f.file_name().to_string_lossy().starts_with(".incoming-")
                && f.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().is_ok_and(|age| age >= idle));
            if abandoned && std::fs::remove_file(f.path()).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

/// Retention: for every tenant, segments received more than `retention_days` ago lose their
/// file and rejected lines and are marked purged. Returns the scopes that changed (their
/// results must be re-analysed).
pub async fn purge_expired(b: &Backend) -> Result<Vec<Scope>> {
    let tenants: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT tenant_id FROM segments WHERE purged_at IS NULL ORDER BY tenant_id",
    )
    .fetch_all(&b.db.pool)
    .await?;
    let mut scopes: Vec<Scope> = Vec::new();
    for tenant_id in tenants {
        let days = crate::tenant_settings::get(b, tenant_id)
            .await?
            .retention_days;
        let cutoff = b.now_ms() - days * 24 * 60 * 60 * 1000;
        let rows = sqlx::query(
            "SELECT id, rg_id, region, path FROM segments
             WHERE tenant_id = $1 AND purged_at IS NULL AND received_at < $2",
        )
        .bind(tenant_id)
        .bind(cutoff)
        .fetch_all(&b.db.pool)
        .await?;
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            let scope = Scope {
                tenant_id,
                rg_id: r.try_get(1)?,
                region: Region::parse(&r.try_get::<String, _>(2)?),
            };
            let path: String = r.try_get(3)?;
            if let Err(e) = std::fs::remove_file(&path) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(segment = id, error = %e, "cannot delete an expired segment file");
                    continue;
                }
            }
            let mut tx = b.db.pool.begin().await?;
            sqlx::query("DELETE FROM rejected_lines WHERE segment_id = $1 AND tenant_id = $2")
                .bind(id)
                .bind(tenant_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE segments SET purged_at = $1 WHERE id = $2 AND purged_at IS NULL")
                .bind(b.now_ms())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if !rows.is_empty() {
            crate::audit::record(
                b,
                Some(tenant_id),
                None,
                "system",
                "retention.purged",
                &format!(
                    "{} raw log segments older than {days} days purged",
                    rows.len()
                ),
            )
            .await?;
        }
    }
    Ok(scopes)
}

/// The scope named by a tenant slug, a resource group name (default: the first) and a region
/// (CLI import).
pub async fn resolve_scope(
    b: &Backend,
    tenant_slug: &str,
    rg_name: Option<&str>,
    region: &str,
) -> Result<Scope> {
    let tenant_id: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(tenant_slug)
        .fetch_optional(&b.db.pool)
        .await?
        .ok_or_else(|| Error::Invalid(format!("no tenant {tenant_slug:?}")))?;
    let groups = crate::tenancy::resource_groups(b, tenant_id).await?;
    let group = match rg_name {
        Some(n) => groups.iter().find(|g| g.name == n).ok_or_else(|| {
            Error::Invalid(format!(
                "tenant {tenant_slug:?} has no resource group {n:?}"
            ))
        })?,
        None => groups.first().ok_or(Error::NotFound)?,
    };
    if region != "cn" && region != "intl" {
        return Err(Error::Invalid(format!(
            "unknown region {region:?} (cn or intl)"
        )));
    }
    Ok(Scope {
        tenant_id,
        rg_id: group.id,
        region: Region::parse(region),
    })
}

/// `file:line: reason` for each kept rejected line (CLI output).
pub fn describe_rejections(file: &str, out: &StoreOutcome) -> Vec<String> {
    out.errors
        .iter()
        .map(|(line, reason)| format!("{file}:{line}: {reason}"))
        .collect()
}
