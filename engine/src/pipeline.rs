//! The analysis pipeline: a pure, parallel per-exchange stage ([`Engine::facts`]) and a cheap,
//! ordered fold into mergeable state ([`AnalysisState`]). The console's scheduler and
//! `apisec analyze` both run exactly this.

use crate::client::{identify_account, ClientClassifier};
use crate::compliance::trace::{TraceIndex, TraceState};
use crate::compliance::{ComplianceConfig, ComplianceState, ComplianceSummary, Region};
use crate::discovery::CompiledPurposePolicy;
use crate::discovery::{self, ApiInventory, DiscoveryConfig, DiscoveryFacts, TemplateSet};
use crate::event::custom::CompiledCustomRule;
use crate::event::{self, EventConfig, EventFinding, EventSignals, EventState};
use crate::exchange::Exchange;
use crate::facts::{ApiKey, ApiSummary, ClientInfo, ExchangeContext, Finding};
use crate::record::Record;
use crate::risk::CompiledRiskRules;
use crate::risk::{self, RiskFinding, RiskSignals, RiskState};
use crate::sensitive::{seal, Scanner, ValueHasher};
use std::net::IpAddr;
use std::sync::Arc;

/// Settings of one analysis (defaults are the console's defaults).
#[derive(Debug, Clone)]
pub struct AnalysisConfig {
    pub discovery: DiscoveryConfig,
    pub event: EventConfig,
    pub compliance: ComplianceConfig,
    /// Per-tenant key for value hashing.
    pub tenant_key: Vec<u8>,
    /// Compiled custom identification policies (Policies page).
    pub purpose_policies: Vec<CompiledPurposePolicy>,
    /// Compiled custom risk rules (Policies page).
    pub risk_rules: Arc<CompiledRiskRules>,
    /// Custom sensitive data detection policies (Policies page), compiled with the built-in
    /// detectors into the scanner of the analysis.
    pub sensitive_policies: Vec<crate::sensitive::CustomPolicy>,
}

impl AnalysisConfig {
    /// Settings for a tenant region: the home country of "abroad" events follows the region.
    pub fn for_region(region: Region) -> Self {
        let mut config = AnalysisConfig::default();
        config.compliance.region = region;
        config.event.home_country = match region {
            Region::Cn => Some(*b"CN"),
            Region::Intl => None,
        };
        config
    }
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            discovery: DiscoveryConfig::default(),
            event: EventConfig::default(),
            compliance: ComplianceConfig::default(),
            tenant_key: b"apisec-default-analysis-key".to_vec(),
            purpose_policies: Vec::new(),
            risk_rules: Arc::new(CompiledRiskRules::default()),
            sensitive_policies: Vec::new(),
        }
    }
}

/// Everything the engine says about one exchange. Contains no plaintext sensitive value.
#[derive(Debug, Clone)]
pub struct ExchangeFacts {
    pub api: ApiKey,
    pub time_ms: i64,
    pub client_ip: IpAddr,
    pub status: u16,
    pub client: ClientInfo,
    pub account: Option<String>,
    pub discovery: DiscoveryFacts,
    pub findings: Vec<Finding>,
    pub risk: RiskSignals,
    pub event: EventSignals,
    /// Request plus response body bytes.
    pub bytes: u64,
}

/// The compiled, read-only part of an analysis: shared by all worker threads.
pub struct Engine {
    pub templates: TemplateSet,
    pub scanner: Scanner,
    pub clients: ClientClassifier,
    pub hasher: ValueHasher,
    purpose_policies: Vec<CompiledPurposePolicy>,
    risk_rules: Arc<CompiledRiskRules>,
    event_rules: Vec<CompiledCustomRule>,
    /// Purposes per request shape (see [`discovery::PurposeCache`]).
    purposes: discovery::PurposeCache,
}

impl Engine {
    pub fn new(
        templates: TemplateSet,
        scanner: Scanner,
        clients: ClientClassifier,
        config: &AnalysisConfig,
    ) -> Self {
        Engine {
            templates,
            scanner,
            clients,
            hasher: ValueHasher::new(&config.tenant_key),
            purpose_policies: config.purpose_policies.clone(),
            risk_rules: config.risk_rules.clone(),
            event_rules: config.event.custom.clone(),
            purposes: discovery::PurposeCache::new(),
        }
    }

    /// The per-exchange stage: pure, so it runs on any thread in any order.
    /// `None` when the request is not an API (a static file, an ignored path).
    pub fn facts(&self, record: &Record) -> Option<ExchangeFacts> {
        let ex = Exchange::new(record);
        let api = self.templates.resolve(&ex)?;
        let discovery = discovery::exchange_facts_cached(
            &ex,
            &api,
            &self.purpose_policies,
            Some(&self.purposes),
        );
        let client = self.clients.classify(record);
        let account = identify_account(&ex, &discovery.auth);
        let raw = self.scanner.scan(&ex);
        let ctx = ExchangeContext {
            ex: &ex,
            api: &api,
            purposes: &discovery.purposes,
            auth: &discovery.auth,
            client: &client,
            account: account.as_deref(),
            findings: &raw,
        };
        let risk = risk::signals_with(&ctx, &self.risk_rules);
        let event = event::signals_with(&ctx, &self.event_rules);
        let findings = seal(raw, &self.hasher);
        let bytes = record.request_body.as_ref().map_or(0, |b| b.len())
            + record.response_body.as_ref().map_or(0, |b| b.len());
        Some(ExchangeFacts {
            api,
            time_ms: record.time_ms,
            client_ip: record.client_ip,
            status: record.status,
            client,
            account,
            discovery,
            findings,
            risk,
            event,
            bytes: bytes as u64,
        })
    }
}

/// Mergeable state folded from exchange facts.
pub struct AnalysisState {
    pub records: u64,
    pub max_time_ms: Option<i64>,
    pub inventory: ApiInventory,
    pub risks: RiskState,
    pub events: EventState,
    pub compliance: ComplianceState,
    /// Leak tracing index (where each sensitive value went).
    pub trace: TraceState,
}

/// The results of an analysis.
#[derive(Debug, Clone)]
pub struct Findings {
    pub apis: Vec<ApiSummary>,
    pub risks: Vec<RiskFinding>,
    pub events: Vec<EventFinding>,
    pub compliance: ComplianceSummary,
    pub trace: TraceIndex,
}

impl AnalysisState {
    pub fn new(config: &AnalysisConfig) -> Self {
        AnalysisState {
            records: 0,
            max_time_ms: None,
            inventory: ApiInventory::default(),
            risks: RiskState::with_rules(config.risk_rules.clone()),
            events: EventState::new(config.event.clone()),
            compliance: ComplianceState::new(config.compliance.clone()),
            trace: TraceState::new(config.compliance.trace),
        }
    }

    pub fn absorb(&mut self, f: &ExchangeFacts) {
        self.records += 1;
        self.max_time_ms = Some(self.max_time_ms.map_or(f.time_ms, |t| t.max(f.time_ms)));
        self.inventory.absorb(f);
        self.risks.absorb(f);
        self.events.absorb(f);
        self.compliance.absorb(f);
        self.trace.absorb(f);
    }

    /// Judges the folded state. `now_ms` decides which APIs are still active; `None` uses the
    /// newest record time (time from the data, not the clock).
    pub fn finish(self, now_ms: Option<i64>) -> Findings {
        self.finish_with(now_ms, true)
    }

    /// [`AnalysisState::finish`] for a report: the trace index is counted (in the compliance
    /// summary) but its rows are not built. At millions of records they would be the largest
    /// allocation of the analysis (up to 2,000,000 rows of a few hundred bytes).
    pub fn finish_for_report(self, now_ms: Option<i64>) -> Findings {
        self.finish_with(now_ms, false)
    }

    fn finish_with(self, now_ms: Option<i64>, trace_rows: bool) -> Findings {
        let now = now_ms.or(self.max_time_ms).unwrap_or(0);
        let apis = self.inventory.finish(now);
        let risks = self.risks.finish(&apis);
        let events = self.events.finish(&apis);
        let mut compliance = self.compliance.finish(now);
        let stats = self.trace.stats();
        compliance.trace = stats;
        let trace = if trace_rows {
            self.trace.finish()
        } else {
            TraceIndex {
                rows: Vec::new(),
                dropped: stats.dropped,
                max_rows: stats.max_rows,
            }
        };
        Findings {
            apis,
            risks,
            events,
            compliance,
            trace,
        }
    }
}
