//! API risk detection: one detector per catalog risk type. Risks are properties of an API:
//! per-exchange signals are folded per API and judged with the API's summary at the end.
//!
//! STUB INTERFACE: the risk owner replaces the bodies; the signatures are what the pipeline calls.

use crate::catalog::Level;
use crate::facts::{ApiKey, ApiSummary, ExchangeContext};
use crate::pipeline::ExchangeFacts;
use serde::{Deserialize, Serialize};

/// What the risk detectors noticed in one exchange (opaque to the pipeline).
#[derive(Debug, Clone, Default)]
pub struct RiskSignals {}

/// Per-exchange risk signals.
pub fn signals(_ctx: &ExchangeContext) -> RiskSignals {
    RiskSignals {}
}

/// One risk of one API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskFinding {
    /// Catalog risk key.
    pub key: String,
    pub level: Level,
    pub api: ApiKey,
    /// Short, masked evidence (request/response excerpt).
    pub evidence: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub hits: u64,
}

/// Risk state folded over exchanges.
#[derive(Debug, Default)]
pub struct RiskState {}

impl RiskState {
    pub fn absorb(&mut self, _f: &ExchangeFacts) {}
    pub fn merge(&mut self, _other: RiskState) {}
    pub fn finish(self, _apis: &[ApiSummary]) -> Vec<RiskFinding> {
        Vec::new()
    }
}
