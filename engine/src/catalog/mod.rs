//! The built-in catalog (sensitive data types, business purposes, risk types, event types),
//! embedded from `engine/catalog/*.toml` and parsed once into typed tables.
//!
//! Keys and IDs here are the stable identifiers used in the report, the database and the API:
//! code refers to them through this registry, never through scattered string literals.

use serde::Deserialize;
use std::sync::OnceLock;

/// Sensitivity level S1..S4 (higher = more sensitive).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
pub enum SensitivityLevel {
    S1,
    S2,
    S3,
    S4,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SensitiveType {
    pub id: u32,
    pub key: String,
    pub name: String,
    pub group: String,
    pub level: SensitivityLevel,
    pub personal: bool,
    pub personal_sensitive: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PurposeType {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Purpose {
    pub key: String,
    pub name: String,
    pub types: Vec<PurposeType>,
}

/// Risk and event levels. `Custom` only appears on the catalog's custom risk entry.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
    Custom,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Custom => "custom",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RiskType {
    pub key: String,
    pub name: String,
    pub category: String,
    pub level: Level,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    Ip,
    Account,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventType {
    pub key: String,
    pub name: String,
    pub subject: Subject,
    pub category: String,
}

/// The whole catalog.
#[derive(Debug)]
pub struct Catalog {
    pub sensitive_types: Vec<SensitiveType>,
    pub purposes: Vec<Purpose>,
    pub risks: Vec<RiskType>,
    pub events: Vec<EventType>,
}

#[derive(Deserialize)]
struct SensitiveFile {
    #[serde(rename = "type")]
    types: Vec<SensitiveType>,
}
#[derive(Deserialize)]
struct PurposeFile {
    purpose: Vec<Purpose>,
}
#[derive(Deserialize)]
struct RiskFile {
    risk: Vec<RiskType>,
}
#[derive(Deserialize)]
struct EventFile {
    event: Vec<EventType>,
}

const SENSITIVE_TOML: &str = include_str!("../../catalog/sensitive_types.toml");
const PURPOSES_TOML: &str = include_str!("../../catalog/purposes.toml");
const RISKS_TOML: &str = include_str!("../../catalog/risk_types.toml");
const EVENTS_TOML: &str = include_str!("../../catalog/event_types.toml");

/// The parsed catalog. Parsing the embedded files cannot fail at run time: a test parses them.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog {
        sensitive_types: toml::from_str::<SensitiveFile>(SENSITIVE_TOML)
            .expect("embedded sensitive_types.toml")
            .types,
        purposes: toml::from_str::<PurposeFile>(PURPOSES_TOML)
            .expect("embedded purposes.toml")
            .purpose,
        risks: toml::from_str::<RiskFile>(RISKS_TOML)
            .expect("embedded risk_types.toml")
            .risk,
        events: toml::from_str::<EventFile>(EVENTS_TOML)
            .expect("embedded event_types.toml")
            .event,
    })
}

impl Catalog {
    pub fn sensitive(&self, id: u32) -> Option<&SensitiveType> {
        self.sensitive_types.iter().find(|t| t.id == id)
    }
    pub fn sensitive_by_key(&self, key: &str) -> Option<&SensitiveType> {
        self.sensitive_types.iter().find(|t| t.key == key)
    }
    pub fn risk(&self, key: &str) -> Option<&RiskType> {
        self.risks.iter().find(|r| r.key == key)
    }
    pub fn event(&self, key: &str) -> Option<&EventType> {
        self.events.iter().find(|e| e.key == key)
    }
    /// The purpose that owns a purpose type key (type keys are unique across purposes).
    pub fn purpose_of_type(&self, type_key: &str) -> Option<&Purpose> {
        self.purposes
            .iter()
            .find(|p| p.types.iter().any(|t| t.key == type_key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalog_parses_with_expected_sizes() {
        let c = catalog();
        assert_eq!(c.sensitive_types.len(), 54);
        assert_eq!(c.purposes.iter().map(|p| p.types.len()).sum::<usize>(), 63);
        assert_eq!(c.risks.len(), 42, "41 built-in risks plus the custom one");
        assert_eq!(c.events.len(), 35);
    }

    #[test]
    fn keys_and_ids_are_unique() {
        let c = catalog();
        let ids: HashSet<_> = c.sensitive_types.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), c.sensitive_types.len());
        let types: HashSet<_> = c
            .purposes
            .iter()
            .flat_map(|p| p.types.iter().map(|t| t.key.as_str()))
            .collect();
        assert_eq!(types.len(), 63);
        let risks: HashSet<_> = c.risks.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(risks.len(), c.risks.len());
        let events: HashSet<_> = c.events.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(events.len(), c.events.len());
    }
}
