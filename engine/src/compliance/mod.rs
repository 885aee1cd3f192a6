//! Cross-border data review: distinct persons whose personal (and personal sensitive)
//! information went to clients outside the Chinese mainland, and all persons processed.

use crate::pipeline::ExchangeFacts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    #[default]
    Cn,
    Intl,
}

impl std::str::FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cn" => Ok(Region::Cn),
            "intl" => Ok(Region::Intl),
            other => Err(format!("unknown region `{other}` (expected cn or intl)")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ComplianceConfig {
    pub region: Region,
}

impl Default for ComplianceConfig {
    fn default() -> Self {
        ComplianceConfig { region: Region::Cn }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CountryCount {
    pub persons: u64,
    pub records: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComplianceSummary {
    pub region: Region,
    pub outbound_persons: u64,
    pub outbound_sensitive_persons: u64,
    pub processed_persons: u64,
    pub declaration_required: bool,
    pub by_country: BTreeMap<String, CountryCount>,
}

#[derive(Debug, Default)]
pub struct ComplianceState {
    config: ComplianceConfig,
}

impl ComplianceState {
    pub fn new(config: ComplianceConfig) -> Self {
        ComplianceState { config }
    }
    pub fn absorb(&mut self, _f: &ExchangeFacts) {}
    pub fn merge(&mut self, _other: ComplianceState) {}
    pub fn finish(self) -> ComplianceSummary {
        ComplianceSummary {
            region: self.config.region,
            ..Default::default()
        }
    }
}
