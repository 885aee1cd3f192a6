//! API risk detection: one detector per catalog risk type. Risks are properties of an API:
//! per-exchange signals ([`signals`], pure, run in parallel) are folded per API
//! ([`RiskState::absorb`], mergeable) and judged with the API's summary at the end
//! ([`RiskState::finish`]).
//!
//! Detectors live in `detectors/`, one family per file, each a unit struct behind the
//! [`Detector`] trait, registered in [`registry`]. A test keeps the registry and the catalog in
//! step; [`describe`] gives each risk's description and remediation suggestion.

mod custom;
mod cx;
pub(crate) mod detectors;
mod state;

pub use custom::{
    CompiledRiskRules, Condition, CustomRiskError, CustomRiskRule, MessagePart, RuleLevel,
};
/// The JWT check on its own, for its benchmark (a sound HMAC token is tried against every
/// common secret).
pub use detectors::jwt_weakness;
pub use state::RiskState;

use crate::catalog::{catalog, Level};
use crate::facts::{ApiKey, ApiSummary, ExchangeContext};
use crate::login::FailureReason;
use cx::Cx;
use serde::{Deserialize, Serialize};
use state::ApiState;

/// What the risk detectors noticed in one exchange (opaque to the pipeline). Holds masked
/// evidence only.
#[derive(Debug, Clone, Default)]
pub struct RiskSignals {
    pub(crate) hits: Vec<Hit>,
    pub(crate) obs: Observation,
}

/// One risk seen in one exchange.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    pub key: &'static str,
    pub evidence: String,
}

/// Per-exchange facts that stateful detectors fold per API.
#[derive(Debug, Clone, Default)]
pub(crate) struct Observation {
    /// The request carried a credential.
    pub authenticated: bool,
    /// The response refused the client: 429, or a WAF block.
    pub blocked: bool,
    /// A credential attempt on a logon API.
    pub login: Option<LoginObservation>,
    /// Short integer identifiers (parameter, value) answered with 2xx.
    pub ids: Vec<(String, u64)>,
    /// Custom rules whose exchange conditions matched: (rule index, evidence).
    pub custom: Vec<(u32, String)>,
    /// Masked evidence line of this exchange (`POST /login -> 401`).
    pub line: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoginObservation {
    pub failed: bool,
    pub reason: Option<FailureReason>,
    /// A CAPTCHA, lockout or throttling answered this attempt.
    pub restricted: bool,
    /// Masked exchange line with the response message, when the attempt failed.
    pub evidence: String,
}

/// Per-exchange risk signals (no custom rules).
pub fn signals(ctx: &ExchangeContext) -> RiskSignals {
    signals_with(ctx, CompiledRiskRules::none())
}

/// Per-exchange risk signals, with the exchange conditions of custom rules.
pub fn signals_with(ctx: &ExchangeContext, rules: &CompiledRiskRules) -> RiskSignals {
    let cx = Cx::new(ctx);
    let r = cx.record();
    let mut out = RiskSignals {
        hits: Vec::new(),
        obs: Observation {
            authenticated: cx.authenticated(),
            blocked: r.status == 429 || r.waf_action == Some(crate::record::WafAction::Block),
            line: cx.line(),
            ..Default::default()
        },
    };
    for d in registry() {
        d.inspect(&cx, &mut out);
    }
    rules.inspect(&cx, &mut out);
    out
}

impl RiskSignals {
    /// Records a hit of `key` (one per key per exchange). The evidence is made only for the
    /// first hit of the key: detectors pass it as a closure.
    pub(crate) fn hit(&mut self, key: &'static str, evidence: impl FnOnce() -> String) {
        if !self.hits.iter().any(|h| h.key == key) {
            self.hits.push(Hit {
                key,
                evidence: cx::evidence(evidence()),
            });
        }
    }
    /// Catalog keys this exchange hit directly (for tests and debugging).
    pub fn keys(&self) -> Vec<&'static str> {
        self.hits.iter().map(|h| h.key).collect()
    }
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
    /// For `custom_risk`: the rule's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// For `custom_risk`: the rule's suggestion (built-in risks: [`describe`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// What a detector concluded about one API.
#[derive(Debug, Clone)]
pub(crate) struct Verdict {
    pub evidence: String,
    pub first_ms: i64,
    pub last_ms: i64,
    pub hits: u64,
}

/// A risk detector: a catalog key, our description and suggestion, a per-exchange look and a
/// per-API judgement. The default judgement reports the API when [`Detector::inspect`] hit it.
pub(crate) trait Detector: Sync {
    fn key(&self) -> &'static str;
    fn description(&self) -> &'static str;
    fn suggestion(&self) -> &'static str;
    fn inspect(&self, _cx: &Cx, _out: &mut RiskSignals) {}
    fn judge(&self, _api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        st.verdict(self.key())
    }
}

/// Every detector, in catalog order.
pub(crate) fn registry() -> &'static [&'static dyn Detector] {
    detectors::ALL
}

/// Our description and remediation suggestion of a risk type.
pub fn describe(key: &str) -> Option<(&'static str, &'static str)> {
    registry()
        .iter()
        .find(|d| d.key() == key)
        .map(|d| (d.description(), d.suggestion()))
}

/// The catalog level of a built-in risk.
pub(crate) fn level(key: &str) -> Level {
    catalog().risk(key).map_or(Level::Medium, |r| r.level)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_catalog_risk_has_exactly_one_detector() {
        let keys: Vec<&str> = registry().iter().map(|d| d.key()).collect();
        let unique: HashSet<&str> = keys.iter().copied().collect();
        assert_eq!(unique.len(), keys.len(), "duplicate detector keys");
        for r in &catalog().risks {
            assert!(unique.contains(r.key.as_str()), "no detector for {}", r.key);
        }
        for k in &keys {
            assert!(
                catalog().risk(k).is_some(),
                "detector {k} has no catalog entry"
            );
        }
        assert_eq!(keys.len(), 42);
    }

    #[test]
    fn every_detector_is_described() {
        for r in &catalog().risks {
            let (d, s) = describe(&r.key).expect("described");
            assert!(d.len() >= 40, "{}: description too short", r.key);
            assert!(s.len() >= 30, "{}: suggestion too short", r.key);
        }
        assert!(describe("no_such_risk").is_none());
    }
}
