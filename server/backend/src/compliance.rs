//! Compliance review queries and leak tracing (issue 8).
//!
//! * [`review`]: the cross-border review of a scope from the engine's stored
//!   `ComplianceSummary` (table `compliance`), the verdict recomputed with the engine's
//!   thresholds, gauges, breakdowns, inbound transfers (from `value_index`) and the Events page's
//!   outbound sensitive-data events.
//! * [`trace`]: hashes a typed value exactly as the analysis did (tenant key + the engine's
//!   normalisation per type) and lists every row of `value_index` with that hash. The value is
//!   never stored, logged or echoed in errors; the audit log only says a trace was performed.
//! * [`settings`] / [`set_settings`]: the tenant's compliance policy (`policies` kind
//!   `compliance`): which places count as inside the mainland (default: `CN` only, so Hong Kong,
//!   Macao and Taiwan are outside). [`engine_config`] turns it into the engine's
//!   `ComplianceConfig` for the analysis job.

use crate::accounts::User;
use crate::db::placeholders;
use crate::error::{Error, Result};
use crate::scope::Scope;
use crate::Backend;
use engine::catalog::catalog;
use engine::compliance::{
    default_inside_countries, is_outside, verdict, ComplianceConfig, ComplianceSummary, Region,
    Thresholds, Trigger,
};
use engine::sensitive::ValueHasher;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// `policies.kind` of the tenant's compliance settings (one row per tenant).
pub const POLICY_KIND: &str = "compliance";
/// Event categories of the Events page that involve sensitive data leaving.
pub const LEAK_CATEGORIES: &[&str] = &["sensitive_data_leak", "data_leak"];
/// Places that count as outside the mainland although they are part of China for other purposes;
/// each can be declared inside by policy.
pub const SPECIAL_PLACES: &[(&str, &str)] =
    &[("HK", "Hong Kong"), ("MO", "Macao"), ("TW", "Taiwan")];
/// Longest value accepted by [`trace`].
pub const MAX_TRACE_VALUE: usize = 4096;
/// Most index rows one trace returns (the total is still reported).
pub const MAX_TRACE_ROWS: usize = 2000;

// ---------------------------------------------------------------------------------------------
// Settings

/// The tenant's compliance policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceSettings {
    /// ISO alpha-2 codes counted as inside the Chinese mainland (always includes `CN`).
    pub inside_countries: Vec<String>,
}

impl Default for ComplianceSettings {
    fn default() -> Self {
        ComplianceSettings {
            inside_countries: default_inside_countries(),
        }
    }
}

impl ComplianceSettings {
    /// The special places (HK, MO, TW) currently counted as outside.
    pub fn outside_special(&self) -> Vec<String> {
        SPECIAL_PLACES
            .iter()
            .filter(|(c, _)| is_outside(&self.inside_countries, c))
            .map(|(c, _)| c.to_string())
            .collect()
    }
}

/// Validates and normalises a list of inside codes: upper-case ISO alpha-2, `CN` always in.
pub fn normalise_inside(codes: &[String]) -> Result<Vec<String>> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    out.insert("CN".into());
    for c in codes {
        let c = c.trim();
        if c.is_empty() {
            continue;
        }
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::Invalid(format!(
                "`{}` is not an ISO 3166 alpha-2 country code (two letters, e.g. HK)",
                c.chars().take(16).collect::<String>()
            )));
        }
        out.insert(c.to_ascii_uppercase());
    }
    Ok(out.into_iter().collect())
}

/// The tenant's compliance settings (defaults when none were saved).
pub async fn settings(b: &Backend, tenant_id: i64) -> Result<ComplianceSettings> {
    let row: Option<String> = sqlx::query_scalar(
        "SELECT definition FROM policies WHERE tenant_id = $1 AND kind = $2 AND enabled = 1
         ORDER BY id DESC LIMIT 1",
    )
    .bind(tenant_id)
    .bind(POLICY_KIND)
    .fetch_optional(&b.db.pool)
    .await?;
    Ok(match row {
        Some(json) => serde_json::from_str::<ComplianceSettings>(&json)
            .ok()
            .and_then(|s| {
                normalise_inside(&s.inside_countries)
                    .ok()
                    .map(|inside_countries| ComplianceSettings { inside_countries })
            })
            .unwrap_or_default(),
        None => ComplianceSettings::default(),
    })
}

/// Saves the tenant's compliance settings (the caller checked the analyst role) and audits it.
/// Takes effect at the next analysis of each scope.
pub async fn set_settings(
    b: &Backend,
    by: &User,
    tenant_id: i64,
    inside_countries: &[String],
) -> Result<ComplianceSettings> {
    let s = ComplianceSettings {
        inside_countries: normalise_inside(inside_countries)?,
    };
    let json = serde_json::to_string(&s).map_err(|e| Error::Internal(e.to_string()))?;
    let now = b.now_ms();
    let mut tx = b.db.pool.begin().await?;
    sqlx::query("DELETE FROM policies WHERE tenant_id = $1 AND kind = $2")
        .bind(tenant_id)
        .bind(POLICY_KIND)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO policies (tenant_id, kind, name, definition, enabled, created_by, created_at,
            updated_at) VALUES ($1, $2, 'Cross-border review', $3, 1, $4, $5, $5)",
    )
    .bind(tenant_id)
    .bind(POLICY_KIND)
    .bind(&json)
    .bind(by.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    crate::audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        "compliance.settings_changed",
        &format!("inside the mainland: {}", s.inside_countries.join(", ")),
    )
    .await?;
    Ok(s)
}

/// The engine's compliance configuration for an analysis of `region` in this tenant: what the
/// analysis job puts into `AnalysisConfig.compliance`.
pub async fn engine_config(
    b: &Backend,
    tenant_id: i64,
    region: Region,
) -> Result<ComplianceConfig> {
    let s = settings(b, tenant_id).await?;
    Ok(ComplianceConfig {
        region,
        inside_countries: s.inside_countries,
        ..ComplianceConfig::default()
    })
}

/// The tenant's hashing key (hex in `tenant_settings`) as bytes: the same key the analysis job
/// gives the engine as `AnalysisConfig.tenant_key`.
pub async fn tenant_key(b: &Backend, tenant_id: i64) -> Result<Vec<u8>> {
    let hex = crate::tenant_settings::get(b, tenant_id).await?.hash_key;
    decode_hex(&hex).ok_or_else(|| Error::Internal("tenant hash key is not hex".into()))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Review

/// How close one counter is to its threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gauge {
    /// `outbound_persons` | `outbound_sensitive_persons` | `processed_persons`.
    pub key: String,
    pub label: String,
    pub value: u64,
    pub threshold: u64,
    /// value / threshold (1.0 = at the threshold; the condition needs strictly more).
    pub ratio: f64,
    pub triggered: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryRow {
    pub code: String,
    pub persons: u64,
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeRow {
    pub type_id: u32,
    pub key: String,
    pub name: String,
    pub personal_sensitive: bool,
    pub values: u64,
}

/// Inbound transfers: personal data received in requests from clients outside, per country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRow {
    pub country: String,
    pub values: u64,
    pub hits: u64,
}

/// An event of the Events page involving sensitive data sent outside the mainland.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedEvent {
    pub id: i64,
    pub type_key: String,
    pub name: String,
    pub level: String,
    pub ip: String,
    pub account: String,
    pub location: String,
    pub api_key: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: i64,
    /// In a trace: the event is on an API that carried the value.
    pub same_api: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Whether an analysis stored a summary for this scope.
    pub analysed: bool,
    pub region: String,
    /// The declaration review applies to mainland (`cn`) scopes only.
    pub applies: bool,
    pub computed_at_ms: Option<i64>,
    /// Start of the counting period (1 January of the previous year), RFC 3339.
    pub period_start: String,
    pub outbound_persons: u64,
    pub outbound_sensitive_persons: u64,
    pub processed_persons: u64,
    pub inbound_persons: u64,
    pub declaration_required: bool,
    /// Trigger keys (`outbound_persons`, `outbound_sensitive_persons`,
    /// `processed_persons_with_outbound`).
    pub triggers: Vec<String>,
    pub thresholds: Thresholds,
    pub gauges: Vec<Gauge>,
    /// By persons, most first.
    pub by_country: Vec<CountryRow>,
    pub top_destinations: Vec<CountryRow>,
    /// (api key, outbound exchanges), most first.
    pub by_api: Vec<(String, u64)>,
    pub by_type: Vec<TypeRow>,
    /// (`YYYY-MM`, outbound exchanges), oldest first.
    pub by_month: Vec<(String, u64)>,
    pub inbound: Vec<InboundRow>,
    pub events: Vec<RelatedEvent>,
    pub inside_countries: Vec<String>,
    pub trace_rows: u64,
    pub trace_dropped: u64,
    pub trace_max_rows: u64,
}

pub fn trigger_key(t: Trigger) -> &'static str {
    match t {
        Trigger::OutboundPersons => "outbound_persons",
        Trigger::OutboundSensitivePersons => "outbound_sensitive_persons",
        Trigger::ProcessedPersonsWithOutbound => "processed_persons_with_outbound",
    }
}

/// Plain-words description of a trigger.
pub fn trigger_text(key: &str) -> &'static str {
    match key {
        "outbound_persons" => {
            "More than 100,000 persons' personal information was transferred outside the mainland"
        }
        "outbound_sensitive_persons" => {
            "More than 10,000 persons' sensitive personal information was transferred outside the mainland"
        }
        "processed_persons_with_outbound" => {
            "Data was transferred outside the mainland and more than 1,000,000 persons' personal information was processed"
        }
        _ => "",
    }
}

fn ratio(v: u64, t: u64) -> f64 {
    if t == 0 {
        if v > 0 {
            f64::INFINITY
        } else {
            0.0
        }
    } else {
        v as f64 / t as f64
    }
}

/// Builds the review figures of a summary (pure: the verdict with the engine's rule).
pub fn review_of(summary: &ComplianceSummary, region: Region) -> Review {
    let th = summary.thresholds;
    let triggers = verdict(
        region,
        summary.outbound_persons,
        summary.outbound_sensitive_persons,
        summary.processed_persons,
        &th,
    );
    let keys: Vec<String> = triggers
        .iter()
        .map(|t| trigger_key(*t).to_string())
        .collect();
    let gauges = vec![
        Gauge {
            key: "outbound_persons".into(),
            label: "Persons whose personal information went outside".into(),
            value: summary.outbound_persons,
            threshold: th.outbound_persons,
            ratio: ratio(summary.outbound_persons, th.outbound_persons),
            triggered: triggers.contains(&Trigger::OutboundPersons),
        },
        Gauge {
            key: "outbound_sensitive_persons".into(),
            label: "Persons whose sensitive personal information went outside".into(),
            value: summary.outbound_sensitive_persons,
            threshold: th.outbound_sensitive_persons,
            ratio: ratio(
                summary.outbound_sensitive_persons,
                th.outbound_sensitive_persons,
            ),
            triggered: triggers.contains(&Trigger::OutboundSensitivePersons),
        },
        Gauge {
            key: "processed_persons".into(),
            label: "Persons whose personal information was processed".into(),
            value: summary.processed_persons,
            threshold: th.processed_persons,
            ratio: ratio(summary.processed_persons, th.processed_persons),
            triggered: triggers.contains(&Trigger::ProcessedPersonsWithOutbound),
        },
    ];
    let mut by_country: Vec<CountryRow> = summary
        .by_country
        .iter()
        .map(|(code, c)| CountryRow {
            code: code.clone(),
            persons: c.persons,
            records: c.records,
        })
        .collect();
    by_country
        .sort_by(|a, b| (b.persons, b.records, &a.code).cmp(&(a.persons, a.records, &b.code)));
    let top_destinations = by_country.iter().take(5).cloned().collect();
    let mut by_api: Vec<(String, u64)> = summary
        .by_api
        .iter()
        .map(|(k, v)| (display_api(k), *v))
        .collect();
    by_api.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let cat = catalog();
    let mut by_type: Vec<TypeRow> = summary
        .by_type
        .iter()
        .map(|(id, n)| {
            let type_id: u32 = id.parse().unwrap_or(0);
            let t = cat.sensitive(type_id);
            TypeRow {
                type_id,
                key: t.map(|t| t.key.clone()).unwrap_or_default(),
                name: t
                    .map(|t| t.name.clone())
                    .unwrap_or_else(|| format!("type {id}")),
                personal_sensitive: t.is_some_and(|t| t.personal_sensitive),
                values: *n,
            }
        })
        .collect();
    by_type.sort_by(|a, b| b.values.cmp(&a.values).then(a.type_id.cmp(&b.type_id)));
    Review {
        analysed: true,
        region: region_str(region).into(),
        applies: region == Region::Cn,
        computed_at_ms: None,
        period_start: summary.period_start.clone(),
        outbound_persons: summary.outbound_persons,
        outbound_sensitive_persons: summary.outbound_sensitive_persons,
        processed_persons: summary.processed_persons,
        inbound_persons: summary.inbound_persons,
        declaration_required: !keys.is_empty(),
        triggers: keys,
        thresholds: th,
        gauges,
        by_country,
        top_destinations,
        by_api,
        by_type,
        by_month: summary
            .by_month
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
        inbound: vec![],
        events: vec![],
        inside_countries: default_inside_countries(),
        trace_rows: summary.trace.rows,
        trace_dropped: summary.trace.dropped,
        trace_max_rows: summary.trace.max_rows,
    }
}

/// The engine's `host METHOD path` as the console's `METHOD hostpath` ([`crate::results::api_key`]).
fn display_api(engine_key: &str) -> String {
    let mut parts = engine_key.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(host), Some(method), Some(path)) => format!("{method} {host}{path}"),
        _ => engine_key.to_string(),
    }
}

fn region_str(r: Region) -> &'static str {
    match r {
        Region::Cn => "cn",
        Region::Intl => "intl",
    }
}

fn engine_region(scope: Scope) -> Region {
    match scope.region {
        crate::tenancy::Region::Cn => Region::Cn,
        crate::tenancy::Region::Intl => Region::Intl,
    }
}

/// The review of a scope as of its last analysis (`analysed: false` before the first one).
pub async fn review(b: &Backend, scope: Scope) -> Result<Review> {
    let region = engine_region(scope);
    let settings = settings(b, scope.tenant_id).await?;
    let row = sqlx::query(
        "SELECT summary, computed_at FROM compliance
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .fetch_optional(&b.db.pool)
    .await?;
    let Some(row) = row else {
        let mut r = review_of(&ComplianceSummary::default(), region);
        r.analysed = false;
        r.thresholds = Thresholds::default();
        r.gauges = review_of(
            &ComplianceSummary {
                thresholds: Thresholds::default(),
                ..Default::default()
            },
            region,
        )
        .gauges;
        r.inside_countries = settings.inside_countries;
        return Ok(r);
    };
    let json: String = row.try_get(0)?;
    let computed_at: i64 = row.try_get(1)?;
    let summary: ComplianceSummary = serde_json::from_str(&json)
        .map_err(|e| Error::Internal(format!("stored compliance summary unreadable: {e}")))?;
    let mut r = review_of(&summary, region);
    r.computed_at_ms = Some(computed_at);
    r.inbound = inbound(b, scope, &settings.inside_countries).await?;
    r.events = outbound_events(b, scope, &settings.inside_countries).await?;
    r.inside_countries = settings.inside_countries;
    Ok(r)
}

/// Personal data received in requests from clients outside, per country (from the index).
async fn inbound(b: &Backend, scope: Scope, inside: &[String]) -> Result<Vec<InboundRow>> {
    let rows = sqlx::query(
        "SELECT country, type_id, COUNT(DISTINCT value_hash), CAST(SUM(hits) AS BIGINT) FROM value_index
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND direction = 'request'
         GROUP BY country, type_id",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .fetch_all(&b.db.pool)
    .await?;
    let cat = catalog();
    let mut by: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in rows {
        let country: String = r.try_get(0)?;
        let type_id: i64 = r.try_get(1)?;
        let values: i64 = r.try_get(2)?;
        let hits: i64 = r.try_get(3)?;
        let personal = cat.sensitive(type_id as u32).is_some_and(|t| t.personal);
        if personal && is_outside(inside, &country) {
            let e = by.entry(country).or_default();
            e.0 += values as u64;
            e.1 += hits as u64;
        }
    }
    let mut out: Vec<InboundRow> = by
        .into_iter()
        .map(|(country, (values, hits))| InboundRow {
            country,
            values,
            hits,
        })
        .collect();
    out.sort_by(|a, b| {
        b.values
            .cmp(&a.values)
            .then_with(|| a.country.cmp(&b.country))
    });
    Ok(out)
}

fn event_from_row(r: &sqlx::any::AnyRow) -> Result<RelatedEvent> {
    Ok(RelatedEvent {
        id: r.try_get(0)?,
        type_key: r.try_get(1)?,
        name: r.try_get(2)?,
        level: r.try_get(3)?,
        ip: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
        account: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
        location: r.try_get(6)?,
        api_key: r.try_get(7)?,
        start_ms: r.try_get(8)?,
        end_ms: r.try_get(9)?,
        count: r.try_get(10)?,
        same_api: false,
    })
}

const EVENT_COLS: &str =
    "id, type_key, name, level, ip, account, location, api_key, start_ms, end_ms, count";

/// Events of the scope in the leak categories whose client was outside the mainland.
pub async fn outbound_events(
    b: &Backend,
    scope: Scope,
    inside: &[String],
) -> Result<Vec<RelatedEvent>> {
    let sql = format!(
        "SELECT {EVENT_COLS} FROM events
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND category IN ($4, $5)
         ORDER BY level_rank DESC, start_ms DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(scope.region_str())
        .bind(LEAK_CATEGORIES[0])
        .bind(LEAK_CATEGORIES[1])
        .fetch_all(&b.db.pool)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let e = event_from_row(r)?;
        if is_outside(inside, &e.location) {
            out.push(e);
        }
    }
    out.truncate(200);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Leak tracing

/// One place a traced value went (or came from).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceHit {
    pub type_id: u32,
    pub type_name: String,
    /// `request` (the client sent it) or `response` (the client received it).
    pub direction: String,
    pub api_key: String,
    pub ip: String,
    pub country: String,
    pub account: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub hits: i64,
    /// The client was outside the mainland (per the tenant's settings).
    pub outside: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceResult {
    /// Sensitive types the value matched as (usually one).
    pub types: Vec<String>,
    pub total_rows: u64,
    /// Oldest first; at most [`MAX_TRACE_ROWS`].
    pub hits: Vec<TraceHit>,
    pub apis: Vec<String>,
    pub ips: Vec<String>,
    pub countries: Vec<String>,
    pub accounts: Vec<String>,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub total_hits: i64,
    pub events: Vec<RelatedEvent>,
    /// The index was truncated at its cap in the last analysis: absence is not proof.
    pub index_incomplete: bool,
}

/// Data types offered by the trace form as (key, name): person identifiers first, then the rest
/// of the catalog in ID order.
pub fn type_options() -> Vec<(String, String)> {
    let cat = catalog();
    let mut types: Vec<&engine::catalog::SensitiveType> = cat.sensitive_types.iter().collect();
    types.sort_by_key(|t| (!engine::compliance::IDENTIFIER_TYPES.contains(&t.id), t.id));
    types
        .into_iter()
        .map(|t| (t.key.clone(), t.name.clone()))
        .collect()
}

/// Resolves a type hint: empty = any type; a catalog ID or key; or a numeric custom type ID.
pub fn parse_type_hint(hint: Option<&str>) -> Result<Option<u32>> {
    let Some(h) = hint.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(None);
    };
    if let Ok(id) = h.parse::<u32>() {
        return Ok(Some(id));
    }
    catalog()
        .sensitive_by_key(h)
        .map(|t| Some(t.id))
        .ok_or_else(|| {
            Error::Invalid(
                "unknown data type: pick one from the list or leave it empty to match any type"
                    .into(),
            )
        })
}

/// Where a value went: hashes `value` with the tenant key for the hinted type (or every type
/// present in the scope's index) and reads the index. Audits "trace performed" without the
/// value. The caller authorised a viewer of the scope.
pub async fn trace(
    b: &Backend,
    by: &User,
    scope: Scope,
    value: &str,
    type_hint: Option<&str>,
) -> Result<TraceResult> {
    if value.trim().is_empty() {
        return Err(Error::Invalid("enter the value to trace".into()));
    }
    if value.len() > MAX_TRACE_VALUE {
        return Err(Error::Invalid(format!(
            "the value is too long (at most {MAX_TRACE_VALUE} bytes)"
        )));
    }
    let hinted = parse_type_hint(type_hint)?;
    let region = scope.region_str();
    let types: Vec<u32> = match hinted {
        Some(t) => vec![t],
        None => {
            let present: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT type_id FROM value_index
                 WHERE tenant_id = $1 AND rg_id = $2 AND region = $3",
            )
            .bind(scope.tenant_id)
            .bind(scope.rg_id)
            .bind(region)
            .fetch_all(&b.db.pool)
            .await?;
            present.into_iter().map(|t| t as u32).collect()
        }
    };
    let hasher = ValueHasher::new(&tenant_key(b, scope.tenant_id).await?);
    // hash hex -> type it was computed for (the type is part of the hash input).
    let wanted: HashMap<String, u32> = types
        .iter()
        .map(|t| (crate::results::value_hash_hex(hasher.hash(*t, value)), *t))
        .collect();
    let settings = settings(b, scope.tenant_id).await?;

    let mut rows = Vec::new();
    let hashes: Vec<&String> = wanted.keys().collect();
    for chunk in hashes.chunks(200) {
        let sql = format!(
            "SELECT value_hash, type_id, direction, api_key, ip, country, account, first_ms,
                last_ms, hits FROM value_index
             WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND value_hash IN ({})",
            placeholders(4, chunk.len())
        );
        let mut q = sqlx::query(&sql)
            .bind(scope.tenant_id)
            .bind(scope.rg_id)
            .bind(region);
        for h in chunk {
            q = q.bind(h.as_str());
        }
        rows.extend(q.fetch_all(&b.db.pool).await?);
    }
    let cat = catalog();
    let mut hits = Vec::new();
    for r in rows {
        let hash: String = r.try_get(0)?;
        let type_id = r.try_get::<i64, _>(1)? as u32;
        if wanted.get(&hash) != Some(&type_id) {
            continue; // same 64-bit hash under another type: a collision, not this value
        }
        let country: String = r.try_get(5)?;
        hits.push(TraceHit {
            type_id,
            type_name: cat
                .sensitive(type_id)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| format!("type {type_id}")),
            direction: r.try_get(2)?,
            api_key: r.try_get(3)?,
            ip: r.try_get(4)?,
            outside: is_outside(&settings.inside_countries, &country),
            country,
            account: r.try_get(6)?,
            first_ms: r.try_get(7)?,
            last_ms: r.try_get(8)?,
            hits: r.try_get(9)?,
        });
    }
    hits.sort_by(|a, b| {
        (a.first_ms, &a.api_key, &a.ip, &a.direction).cmp(&(
            b.first_ms,
            &b.api_key,
            &b.ip,
            &b.direction,
        ))
    });
    let set = |f: fn(&TraceHit) -> &String| -> Vec<String> {
        hits.iter()
            .map(f)
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let apis = set(|h| &h.api_key);
    let ips = set(|h| &h.ip);
    let accounts = set(|h| &h.account);
    let countries = set(|h| &h.country);
    let types = set(|h| &h.type_name);
    let events = related_events(b, scope, &ips, &accounts, &apis).await?;
    let dropped: Option<String> = sqlx::query_scalar(
        "SELECT summary FROM compliance WHERE tenant_id = $1 AND rg_id = $2 AND region = $3",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(region)
    .fetch_optional(&b.db.pool)
    .await?;
    let index_incomplete = dropped
        .and_then(|j| serde_json::from_str::<ComplianceSummary>(&j).ok())
        .is_some_and(|s| s.trace.dropped > 0);
    let result = TraceResult {
        types,
        total_rows: hits.len() as u64,
        first_ms: hits.iter().map(|h| h.first_ms).min(),
        last_ms: hits.iter().map(|h| h.last_ms).max(),
        total_hits: hits.iter().map(|h| h.hits).sum(),
        hits: hits.into_iter().take(MAX_TRACE_ROWS).collect(),
        apis,
        ips,
        countries,
        accounts,
        events,
        index_incomplete,
    };
    // Never the value: only that a trace ran, where, and how much it found.
    crate::audit::record(
        b,
        Some(scope.tenant_id),
        Some(by.id),
        &by.username,
        "compliance.trace_performed",
        &format!(
            "resource group {} · {} · type {} · {} places",
            scope.rg_id,
            region,
            hinted.map_or_else(|| "any".to_string(), |t| t.to_string()),
            result.total_rows
        ),
    )
    .await?;
    Ok(result)
}

/// Events of the scope whose IP or account received the value; `same_api` when the event is on
/// one of the APIs that carried it. High level and same API first.
async fn related_events(
    b: &Backend,
    scope: Scope,
    ips: &[String],
    accounts: &[String],
    apis: &[String],
) -> Result<Vec<RelatedEvent>> {
    let mut found: BTreeMap<i64, RelatedEvent> = BTreeMap::new();
    for (column, values) in [("ip", ips), ("account", accounts)] {
        for chunk in values.chunks(200) {
            // `column` is one of two fixed identifiers, never input.
            let sql = format!(
                "SELECT {EVENT_COLS}, apis FROM events
                 WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND {column} IN ({})",
                placeholders(4, chunk.len())
            );
            let mut q = sqlx::query(&sql)
                .bind(scope.tenant_id)
                .bind(scope.rg_id)
                .bind(scope.region_str());
            for v in chunk {
                q = q.bind(v.as_str());
            }
            for r in q.fetch_all(&b.db.pool).await? {
                let mut e = event_from_row(&r)?;
                let others: Vec<String> =
                    serde_json::from_str(&r.try_get::<String, _>(11)?).unwrap_or_default();
                e.same_api = apis.contains(&e.api_key) || others.iter().any(|a| apis.contains(a));
                found.insert(e.id, e);
            }
        }
    }
    let mut out: Vec<RelatedEvent> = found.into_values().collect();
    let rank = |l: &str| match l {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    };
    out.sort_by(|a, b| {
        (b.same_api, rank(&b.level), b.start_ms).cmp(&(a.same_api, rank(&a.level), a.start_ms))
    });
    out.truncate(200);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::compliance::CountryCount;

    #[test]
    fn inside_codes_are_validated_and_always_include_the_mainland() {
        assert_eq!(normalise_inside(&[]).unwrap(), vec!["CN"]);
        assert_eq!(
            normalise_inside(&["hk".into(), " MO ".into(), "".into()]).unwrap(),
            vec!["CN", "HK", "MO"]
        );
        assert!(normalise_inside(&["HKG".into()]).is_err());
        assert!(normalise_inside(&["1'".into()]).is_err());
        let s = ComplianceSettings {
            inside_countries: vec!["CN".into(), "HK".into()],
        };
        assert_eq!(s.outside_special(), vec!["MO", "TW"]);
        assert_eq!(
            ComplianceSettings::default().outside_special(),
            vec!["HK", "MO", "TW"]
        );
    }

    #[test]
    fn review_recomputes_the_verdict_and_gauges() {
        let mut s = ComplianceSummary {
            outbound_persons: 100_001,
            outbound_sensitive_persons: 10_000,
            processed_persons: 500_000,
            thresholds: Thresholds::default(),
            ..Default::default()
        };
        s.by_country.insert(
            "US".into(),
            CountryCount {
                persons: 5,
                records: 9,
            },
        );
        s.by_country.insert(
            "HK".into(),
            CountryCount {
                persons: 7,
                records: 2,
            },
        );
        s.by_api.insert("shop.example.com GET /u".into(), 4);
        s.by_type.insert("1004".into(), 3);
        let r = review_of(&s, Region::Cn);
        assert!(r.declaration_required);
        assert_eq!(r.triggers, vec!["outbound_persons"]);
        assert!((r.gauges[1].ratio - 1.0).abs() < 1e-9 && !r.gauges[1].triggered);
        assert!((r.gauges[2].ratio - 0.5).abs() < 1e-9);
        assert_eq!(r.top_destinations[0].code, "HK");
        assert_eq!(r.by_api[0].0, "GET shop.example.com/u");
        assert_eq!(r.by_type[0].key, "cn_mobile");
        // Outside the mainland region the regime does not apply.
        let r = review_of(&s, Region::Intl);
        assert!(!r.applies && !r.declaration_required && r.triggers.is_empty());
    }

    #[test]
    fn type_hints() {
        assert_eq!(parse_type_hint(None).unwrap(), None);
        assert_eq!(parse_type_hint(Some(" ")).unwrap(), None);
        assert_eq!(parse_type_hint(Some("1004")).unwrap(), Some(1004));
        assert!(parse_type_hint(Some("email")).unwrap().is_some());
        assert!(parse_type_hint(Some("nope")).is_err());
        assert_eq!(decode_hex("0aff"), Some(vec![10, 255]));
        assert_eq!(decode_hex("0g"), None);
    }
}
