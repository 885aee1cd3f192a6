//! Asset discovery: path templating, business purposes, service objects, authentication and the
//! per-API inventory.
//!
//! STUB INTERFACE: the discovery owner replaces the bodies; the signatures are what the pipeline
//! calls.

use crate::exchange::{Exchange, ParamLocation};
use crate::facts::{ApiKey, ApiSummary, AuthObservation, PurposeTag};
use crate::pipeline::ExchangeFacts;
use crate::record::Record;

/// Discovery settings (defaults are the console's defaults).
#[derive(Debug, Clone)]
pub struct DiscoveryConfig {
    /// Path suffixes of static files, which are not APIs.
    pub static_suffixes: Vec<String>,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        DiscoveryConfig {
            static_suffixes: [
                ".js", ".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".woff", ".woff2",
                ".ttf", ".map", ".webp",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }
}

/// Learns path templates from the paths it observes (first pass).
#[derive(Debug, Default)]
pub struct PathTemplater {
    config: DiscoveryConfig,
}

impl PathTemplater {
    pub fn new(config: DiscoveryConfig) -> Self {
        PathTemplater { config }
    }
    pub fn observe(&mut self, _record: &Record) {}
    /// Combines what another templater (another shard) observed.
    pub fn merge(&mut self, _other: PathTemplater) {}
    pub fn finish(self) -> TemplateSet {
        TemplateSet {
            config: self.config,
        }
    }
}

/// The learned templates: maps a request to its API.
#[derive(Debug, Default)]
pub struct TemplateSet {
    config: DiscoveryConfig,
}

impl TemplateSet {
    /// The API a request belongs to; `None` for static files and ignored hosts or paths.
    pub fn resolve(&self, ex: &Exchange) -> Option<ApiKey> {
        let r = ex.record;
        let lower = r.path.to_ascii_lowercase();
        if self
            .config
            .static_suffixes
            .iter()
            .any(|s| lower.ends_with(s.as_str()))
        {
            return None;
        }
        let path = r
            .path
            .split('/')
            .map(|seg| {
                if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                    "{id}"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        Some(ApiKey {
            host: r.host.clone(),
            method: r.method.clone(),
            path,
        })
    }
}

/// One parameter occurrence in one request.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamObservation {
    pub location: ParamLocation,
    pub field: String,
    pub value_type: &'static str,
    pub masked_example: String,
}

/// What discovery says about one exchange.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryFacts {
    pub purposes: Vec<PurposeTag>,
    pub auth: AuthObservation,
    pub params: Vec<ParamObservation>,
    pub response_content_type: Option<String>,
}

/// Per-exchange discovery: purposes, authentication, parameters.
pub fn exchange_facts(ex: &Exchange, _api: &ApiKey) -> DiscoveryFacts {
    DiscoveryFacts {
        response_content_type: ex.record.response_content_type(),
        ..Default::default()
    }
}

/// The per-API inventory folded from exchange facts.
#[derive(Debug, Default)]
pub struct ApiInventory {
    apis: std::collections::BTreeMap<ApiKey, ApiSummary>,
}

impl ApiInventory {
    pub fn absorb(&mut self, f: &ExchangeFacts) {
        let e = self
            .apis
            .entry(f.api.clone())
            .or_insert_with(|| ApiSummary {
                key: f.api.clone(),
                calls: 0,
                first_seen_ms: f.time_ms,
                last_seen_ms: f.time_ms,
                active: true,
                purposes: vec![],
                service_object: Default::default(),
                auth: vec![],
                authenticated: false,
                sensitivity: Default::default(),
                request_types: Default::default(),
                response_types: Default::default(),
                params: vec![],
                statuses: Default::default(),
                response_content_types: Default::default(),
                calls_per_day: Default::default(),
                distinct_clients: 0,
            });
        e.calls += 1;
        e.first_seen_ms = e.first_seen_ms.min(f.time_ms);
        e.last_seen_ms = e.last_seen_ms.max(f.time_ms);
    }
    pub fn merge(&mut self, other: ApiInventory) {
        for (k, v) in other.apis {
            let e = self.apis.entry(k).or_insert_with(|| ApiSummary {
                calls: 0,
                ..v.clone()
            });
            e.calls += v.calls;
            e.first_seen_ms = e.first_seen_ms.min(v.first_seen_ms);
            e.last_seen_ms = e.last_seen_ms.max(v.last_seen_ms);
        }
    }
    /// Summaries; `now_ms` decides active (a call in the last 30 days) versus inactive.
    pub fn finish(self, now_ms: i64) -> Vec<ApiSummary> {
        self.apis
            .into_values()
            .map(|mut s| {
                s.active = now_ms - s.last_seen_ms <= 30 * 86_400_000;
                s
            })
            .collect()
    }
}
