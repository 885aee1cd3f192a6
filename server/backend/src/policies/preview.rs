//! Previews of a draft policy before it is saved: a sensitive data policy against a pasted
//! sample, and identification / risk / event rules against the scope's most recent stored
//! traffic (read back from its raw segments and run through the engine in memory).

use super::{Definition, FieldError, Kind};
use crate::error::{Error, Result};
use crate::scope::Scope;
use crate::Backend;
use engine::client::ClientClassifier;
use engine::discovery::PathTemplater;
use engine::facts::Direction;
use engine::pipeline::{AnalysisConfig, AnalysisState, Engine, Findings};
use engine::readers::{open_file, Format, ReadItem, ReaderOptions};
use engine::record::Record;
use engine::sensitive::{mask, Scanner, CUSTOM_ID_START};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

/// Records a traffic preview reads (the newest of the scope).
pub const PREVIEW_RECORDS: usize = 2000;
/// Longest sample accepted by the sample tester.
pub const MAX_SAMPLE_BYTES: usize = 256 * 1024;
/// Rows a preview lists at most.
pub const MAX_ROWS: usize = 200;

/// One value the sample tester found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleMatch {
    pub type_id: u32,
    /// The draft's name for its own matches, the catalog name for built-in types.
    pub type_name: String,
    pub level: String,
    /// Where: `json.user.staffNo`, `body`...
    pub field: String,
    pub masked: String,
    /// Found by the draft policy (not by a built-in detector).
    pub custom: bool,
}

/// Runs the draft sensitive policy (and the built-in detectors) over a pasted sample: JSON is
/// walked with field paths; other text is scanned as a body, or as the value of `field` when
/// one is given (so field-name conditions can be tried).
pub fn test_sample(json: &str, sample: &str, field: &str) -> Result<Vec<SampleMatch>> {
    if sample.len() > MAX_SAMPLE_BYTES {
        return Err(FieldError::new(
            "sample",
            format!("the sample is larger than {} KiB", MAX_SAMPLE_BYTES / 1024),
        )
        .into());
    }
    if sample.trim().is_empty() {
        return Err(FieldError::new("sample", "paste a sample to test").into());
    }
    let Definition::Sensitive(policy) = Definition::parse(Kind::Sensitive, json)? else {
        unreachable!("parsed as a sensitive policy")
    };
    let scanner = Scanner::new(std::slice::from_ref(&policy))
        .map_err(|e| Error::Invalid(format!("regex: {e}")))?;
    let field = field.trim();
    let field = if field.is_empty() { "body" } else { field };
    let cat = engine::catalog::catalog();
    let mut out: Vec<SampleMatch> = scanner
        .scan_text(Direction::Response, field, sample)
        .into_iter()
        .map(|f| {
            let custom = f.type_id >= CUSTOM_ID_START;
            let (type_name, level) = if custom {
                (policy.name.clone(), format!("{:?}", policy.level))
            } else {
                cat.sensitive(f.type_id)
                    .map(|t| (t.name.clone(), format!("{:?}", t.level)))
                    .unwrap_or_else(|| (f.type_id.to_string(), String::new()))
            };
            SampleMatch {
                type_id: f.type_id,
                type_name,
                level,
                field: f.field,
                masked: mask(f.type_id, &f.value),
                custom,
            }
        })
        .collect();
    out.sort_by_key(|m| !m.custom);
    out.truncate(MAX_ROWS);
    Ok(out)
}

/// [`test_sample`] off the async runtime (regex compilation and scanning are CPU work).
pub async fn sample(json: String, sample: String, field: String) -> Result<Vec<SampleMatch>> {
    tokio::task::spawn_blocking(move || test_sample(&json, &sample, &field))
        .await
        .map_err(|e| Error::Internal(format!("sample test failed: {e}")))?
}

/// One line of a traffic preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// `METHOD host path`.
    pub api: String,
    /// What happened: "new", the masked evidence, the event's subject and time...
    pub detail: String,
    pub level: String,
    /// Calls, hits or the event's request count.
    pub count: u64,
}

/// What a draft would have done on the scope's recent traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Stored segments of the scope (0: nothing to preview on).
    pub segments: usize,
    /// Records read (the newest, at most [`PREVIEW_RECORDS`]).
    pub records: usize,
    /// APIs found in those records.
    pub apis: usize,
    pub rows: Vec<PreviewRow>,
    /// Rows beyond [`MAX_ROWS`] left out.
    pub more: usize,
}

fn api_label(k: &engine::facts::ApiKey) -> String {
    format!("{} {}{}", k.method, k.host, k.path)
}

/// Where a stored segment's file is: absolute, relative to the working directory, or relative
/// to the data directory (`APISEC_DATA_DIR`, default `data`).
fn segment_path(p: &str) -> PathBuf {
    let path = PathBuf::from(p);
    if path.is_absolute() || path.exists() {
        return path;
    }
    let dir = std::env::var("APISEC_DATA_DIR")
        .ok()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| "data".into());
    PathBuf::from(dir).join(path)
}

/// The newest `limit` records of the scope, read from its non-purged segments newest first,
/// and how many segments the scope has. Blocking (file reads): call from `spawn_blocking`.
fn read_recent(segments: &[(String, String)], limit: usize) -> Vec<Record> {
    let opts = ReaderOptions::from_env().unwrap_or_default();
    let mut newest_first: Vec<Vec<Record>> = Vec::new();
    let mut have = 0usize;
    for (path, format) in segments {
        if have >= limit {
            break;
        }
        let format: Format = format.parse().unwrap_or_default();
        let items = match open_file(&segment_path(path), format, &opts) {
            Ok(items) => items,
            Err(e) => {
                tracing::warn!(error = %e, "preview: segment unreadable; skipped");
                continue;
            }
        };
        // Keep the last `limit - have` records of this segment (its newest).
        let want = limit - have;
        let mut tail: VecDeque<Record> = VecDeque::with_capacity(want.min(4096));
        for item in items {
            if let ReadItem::Record(r) = item {
                if tail.len() == want {
                    tail.pop_front();
                }
                tail.push_back(*r);
            }
        }
        have += tail.len();
        newest_first.push(tail.into());
    }
    // Oldest first, as an analysis reads them.
    newest_first.into_iter().rev().flatten().collect()
}

/// Runs the engine over records in memory with `config` (the same stages as an analysis).
pub fn run(records: &[Record], config: &AnalysisConfig) -> Result<Findings> {
    let mut templater = PathTemplater::new(config.discovery.clone());
    for r in records {
        templater.observe(r);
    }
    let scanner = Scanner::new(&config.sensitive_policies)
        .map_err(|e| Error::Invalid(format!("custom sensitive data policies: {e}")))?;
    let clients = ClientClassifier::from_env().unwrap_or_else(|_| ClientClassifier::without_geo());
    let engine = Engine::new(templater.finish(), scanner, clients, config);
    let mut state = AnalysisState::new(config);
    for r in records {
        if let Some(f) = engine.facts(r) {
            state.absorb(&f);
        }
    }
    Ok(state.finish(None))
}

/// The scope's stored segments, newest first: (path, format).
async fn segments(b: &Backend, scope: Scope) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "SELECT path, format FROM segments
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND purged_at IS NULL
         ORDER BY received_at DESC, id DESC",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .fetch_all(&b.db.pool)
    .await?)
}

/// Runs a draft identification policy, risk rule or event rule over the newest
/// [`PREVIEW_RECORDS`] records of `scope` and says what it would have found. The draft is
/// validated first (field errors as when saving); the tenant's other custom policies are left
/// out so the result shows this draft alone.
pub async fn traffic(b: &Backend, scope: Scope, kind: Kind, json: &str) -> Result<Preview> {
    let def = Definition::parse(kind, json)?;
    if kind == Kind::Sensitive {
        return Err(Error::Invalid(
            "kind: sensitive data policies are tested against a sample".into(),
        ));
    }
    let segs = segments(b, scope).await?;
    let mut base = super::analysis_config(b, scope).await?;
    base.purpose_policies.clear();
    base.risk_rules = Arc::new(engine::risk::CompiledRiskRules::default());
    base.event.custom.clear();
    base.sensitive_policies.clear();
    if segs.is_empty() {
        return Ok(Preview {
            segments: 0,
            records: 0,
            apis: 0,
            rows: vec![],
            more: 0,
        });
    }
    let mut draft = base.clone();
    match &def {
        Definition::Purpose(p) => draft.purpose_policies = vec![super::compile_purpose(p)?],
        Definition::Risk(r) => {
            draft.risk_rules = Arc::new(
                engine::risk::CompiledRiskRules::compile(std::slice::from_ref(r))
                    .map_err(|e| Error::Invalid(format!("definition: {e}")))?,
            )
        }
        Definition::Event(r) => {
            draft.event.custom = vec![r.compile(0).map_err(super::event_error)?]
        }
        Definition::Sensitive(_) => unreachable!(),
    }
    let nsegs = segs.len();
    tokio::task::spawn_blocking(move || -> Result<Preview> {
        let records = read_recent(&segs, PREVIEW_RECORDS);
        let with = run(&records, &draft)?;
        let mut rows = Vec::new();
        match &def {
            Definition::Purpose(p) => {
                // Which APIs already had the tag without the draft.
                let without = run(&records, &base)?;
                let had: BTreeSet<String> = without
                    .apis
                    .iter()
                    .filter(|a| {
                        a.purposes
                            .iter()
                            .any(|t| t.purpose == p.purpose && t.kind == p.kind)
                    })
                    .map(|a| api_label(&a.key))
                    .collect();
                for a in &with.apis {
                    if a.purposes
                        .iter()
                        .any(|t| t.purpose == p.purpose && t.kind == p.kind)
                    {
                        let label = api_label(&a.key);
                        let detail = if had.contains(&label) {
                            "already found by the built-in policies"
                        } else {
                            "new"
                        };
                        rows.push(PreviewRow {
                            api: label,
                            detail: detail.into(),
                            level: String::new(),
                            count: a.calls,
                        });
                    }
                }
            }
            Definition::Risk(r) => {
                for f in with.risks.iter().filter(|f| {
                    f.key == "custom_risk" && f.rule.as_deref() == Some(r.name.as_str())
                }) {
                    rows.push(PreviewRow {
                        api: api_label(&f.api),
                        detail: f.evidence.clone(),
                        level: f.level.as_str().into(),
                        count: f.hits,
                    });
                }
            }
            Definition::Event(r) => {
                for f in with.events.iter().filter(|f| {
                    f.key == "custom_event" && f.rule.as_deref() == Some(r.name.as_str())
                }) {
                    let subject = match (&f.account, f.ip) {
                        (Some(a), _) => format!("account {a}"),
                        (None, Some(ip)) => format!("IP {ip}"),
                        (None, None) => "-".into(),
                    };
                    rows.push(PreviewRow {
                        api: api_label(&f.api),
                        detail: format!(
                            "{subject}, {} to {}",
                            crate::clock::rfc3339(f.start_ms),
                            crate::clock::rfc3339(f.end_ms)
                        ),
                        level: f.level.as_str().into(),
                        count: f.count,
                    });
                }
            }
            Definition::Sensitive(_) => unreachable!(),
        }
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.api.cmp(&b.api)));
        let more = rows.len().saturating_sub(MAX_ROWS);
        rows.truncate(MAX_ROWS);
        Ok(Preview {
            segments: nsegs,
            records: records.len(),
            apis: with.apis.len(),
            rows,
            more,
        })
    })
    .await
    .map_err(|e| Error::Internal(format!("preview task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_tester_masks_and_names_matches() {
        let draft = r#"{"name":"Employee ID","regex":"EMP-\\d{6}","fields":["staffNo"],
            "keywords":[],"level":"S2","category":"hr"}"#;
        let m = test_sample(
            draft,
            r#"{"staffNo":"EMP-123456","other":"EMP-654321","mobile":"13800138000"}"#,
            "",
        )
        .unwrap();
        let custom: Vec<_> = m.iter().filter(|m| m.custom).collect();
        assert_eq!(custom.len(), 1, "{m:?}");
        assert_eq!(custom[0].field, "json.staffNo");
        assert_eq!(custom[0].type_name, "Employee ID");
        assert_eq!(custom[0].level, "S2");
        assert!(!custom[0].masked.contains("123456"), "{}", custom[0].masked);
        assert!(
            m.iter().any(|m| !m.custom),
            "built-in mobile found too: {m:?}"
        );

        let e = test_sample(r#"{"name":"x","regex":"(","level":"S1"}"#, "abc", "").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("regex: invalid regular expression"),
            "{e}"
        );
        let e = test_sample(draft, "  ", "").unwrap_err();
        assert!(e.to_string().starts_with("sample:"), "{e}");
    }
}
