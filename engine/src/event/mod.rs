//! Anomalous events: baselines per API, attacks, abuse, account behaviour over time, keyed on
//! a source IP or an account.
//!
//! STUB INTERFACE: the event owner replaces the bodies; the signatures are what the pipeline calls.

use crate::catalog::{Level, Subject};
use crate::facts::{ApiKey, ApiSummary, ExchangeContext, Location};
use crate::pipeline::ExchangeFacts;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Event detection settings.
#[derive(Debug, Clone)]
pub struct EventConfig {
    /// Baseline learning window, days.
    pub baseline_days: u32,
}

impl Default for EventConfig {
    fn default() -> Self {
        EventConfig { baseline_days: 7 }
    }
}

/// What the event detectors noticed in one exchange (opaque to the pipeline).
#[derive(Debug, Clone, Default)]
pub struct EventSignals {}

pub fn signals(_ctx: &ExchangeContext) -> EventSignals {
    EventSignals {}
}

/// One anomalous event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventFinding {
    /// Catalog event key.
    pub key: String,
    pub level: Level,
    pub subject: Subject,
    pub ip: Option<IpAddr>,
    pub account: Option<String>,
    pub location: Location,
    /// The main API, and every API involved.
    pub api: ApiKey,
    pub apis: Vec<ApiKey>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: u64,
    /// Filled from the event's facts (`${account}`, `${start_ts}`...).
    pub description: String,
    /// Masked request samples.
    pub samples: Vec<String>,
}

#[derive(Debug, Default)]
pub struct EventState {
    config: EventConfig,
}

impl EventState {
    pub fn new(config: EventConfig) -> Self {
        EventState { config }
    }
    pub fn absorb(&mut self, _f: &ExchangeFacts) {
        let _ = &self.config;
    }
    pub fn merge(&mut self, _other: EventState) {}
    pub fn finish(self, _apis: &[ApiSummary]) -> Vec<EventFinding> {
        Vec::new()
    }
}
