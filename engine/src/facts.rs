//! Shared vocabulary between the engine's stages: what discovery, the sensitive scanner, the
//! client classifier, the risk and event detectors and compliance say about one exchange and
//! about one API. Module-private signal types live in their own modules; only what more than one
//! stage reads is defined here.

use crate::catalog::SensitivityLevel;
use crate::exchange::Exchange;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The entry of `key` in `map`, created by `new` when missing. Unlike `entry(key.clone())`
/// it clones the key only on insertion: the fold looks its per-API state up on every record,
/// and an `ApiKey` clone is three allocations.
pub(crate) fn slot<'m, K, V, S>(
    map: &'m mut std::collections::HashMap<K, V, S>,
    key: &K,
    new: impl FnOnce() -> V,
) -> &'m mut V
where
    K: std::hash::Hash + Eq + Clone,
    S: std::hash::BuildHasher,
{
    if !map.contains_key(key) {
        map.insert(key.clone(), new());
    }
    map.get_mut(key).expect("inserted above")
}

/// Identity of one API in the inventory: host, upper-case method and path template
/// (`/v1/users/{user_id}`; GraphQL/JSON-RPC operations are distinguished inside `path`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ApiKey {
    pub host: String,
    pub method: String,
    pub path: String,
}

/// A business purpose tag: catalog purpose key and purpose type key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PurposeTag {
    pub purpose: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ServiceObject {
    #[default]
    PublicService,
    InternalOffice,
    ThirdParty,
}

impl ServiceObject {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceObject::PublicService => "public_service",
            ServiceObject::InternalOffice => "internal_office",
            ServiceObject::ThirdParty => "third_party",
        }
    }
}

/// How a request authenticated itself, as observed in the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    CookieSession,
    BearerJwt,
    BearerToken,
    Basic,
    ApiKeyHeader,
    ApiKeyQuery,
}

/// Authentication seen on one request. Empty `kinds` = the request carried no credential.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthObservation {
    pub kinds: Vec<AuthKind>,
}

impl AuthObservation {
    pub fn authenticated(&self) -> bool {
        !self.kinds.is_empty()
    }
}

/// Where a client is: a private/loopback/link-local address, a country, or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Location {
    Internal,
    /// ISO 3166 alpha-2 code, upper case.
    Country([u8; 2]),
    Unknown,
}

impl Location {
    /// `internal`, `unknown` or the ISO code.
    pub fn code(&self) -> String {
        match self {
            Location::Internal => "internal".into(),
            Location::Unknown => "unknown".into(),
            Location::Country(c) => String::from_utf8_lossy(c).into_owned(),
        }
    }
}

/// What kind of client sent the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    Browser,
    MobileApp,
    /// HTTP libraries and command-line clients (curl, python-requests, Go, Java...).
    Script,
    /// Scanners and attack tools (sqlmap, nuclei, nikto...).
    AttackTool,
    /// Crawlers and headless browsers.
    Bot,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ToolInfo {
    pub kind: ToolKind,
    /// Family name (`Chrome`, `curl`, `sqlmap`...).
    pub family: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    pub location: Location,
    pub tool: ToolInfo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Request,
    Response,
}

/// A sensitive value found in one exchange, in plaintext. Lives only in memory during the
/// per-exchange stage; it is sealed into a [`Finding`] before it goes anywhere else.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFinding {
    pub type_id: u32,
    pub direction: Direction,
    /// Where: `query.phone`, `form.id_no`, `json.data[].mobile`, `header.authorization`,
    /// `cookie.sid`, `body` (non-JSON text).
    pub field: String,
    pub value: String,
    /// Values with the same group came from the same object (the innermost JSON object holding
    /// them; one group for a whole non-JSON body): identifiers in one group are one person.
    pub group: u32,
}

/// A sealed finding: masked sample and keyed hash, never the plaintext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub type_id: u32,
    pub direction: Direction,
    pub field: String,
    pub masked: String,
    /// Keyed per-tenant hash of the normalised value (leak tracing, person counting).
    pub hash: u64,
    pub group: u32,
}

/// The per-exchange context every detector reads.
pub struct ExchangeContext<'a> {
    pub ex: &'a Exchange<'a>,
    pub api: &'a ApiKey,
    pub purposes: &'a [PurposeTag],
    pub auth: &'a AuthObservation,
    pub client: &'a ClientInfo,
    pub account: Option<&'a str>,
    pub findings: &'a [RawFinding],
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum ApiSensitivity {
    #[default]
    None,
    Low,
    Medium,
    High,
}

impl ApiSensitivity {
    /// The product rule: High when a response carries S3 or above, or one response carries more
    /// than 20 S2 values; Medium for S2; Low for S1; None otherwise.
    pub fn from_response(max_level: Option<SensitivityLevel>, max_s2_in_one_response: u64) -> Self {
        match max_level {
            Some(SensitivityLevel::S3 | SensitivityLevel::S4) => ApiSensitivity::High,
            Some(SensitivityLevel::S2) if max_s2_in_one_response > 20 => ApiSensitivity::High,
            Some(SensitivityLevel::S2) => ApiSensitivity::Medium,
            Some(SensitivityLevel::S1) => ApiSensitivity::Low,
            None => ApiSensitivity::None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ApiSensitivity::None => "none",
            ApiSensitivity::Low => "low",
            ApiSensitivity::Medium => "medium",
            ApiSensitivity::High => "high",
        }
    }
}

/// One parameter of an API as seen over its traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSummary {
    pub location: crate::exchange::ParamLocation,
    pub field: String,
    /// Observed value types (`integer`, `string`, `uuid`, `email`...).
    pub types: Vec<String>,
    /// A masked example value.
    pub example: String,
    pub count: u64,
}

/// Everything the inventory knows about one API after the analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiSummary {
    pub key: ApiKey,
    pub calls: u64,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub active: bool,
    pub purposes: Vec<PurposeTag>,
    pub service_object: ServiceObject,
    /// Authentication kinds observed, and whether the API is authenticated (most calls carry a
    /// credential).
    pub auth: Vec<AuthKind>,
    pub authenticated: bool,
    pub sensitivity: ApiSensitivity,
    /// Sensitive type ID -> number of values found.
    pub request_types: BTreeMap<u32, u64>,
    pub response_types: BTreeMap<u32, u64>,
    pub params: Vec<ParamSummary>,
    pub statuses: BTreeMap<u16, u64>,
    pub response_content_types: BTreeMap<String, u64>,
    /// `YYYY-MM-DD` -> calls.
    pub calls_per_day: BTreeMap<String, u64>,
    pub distinct_clients: u64,
}

/// A client address is internal when it is private, loopback, link-local or unique-local.
pub fn is_internal_ip(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                // 100.64.0.0/10 carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_internal_ip(&IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitivity_rule() {
        use SensitivityLevel::*;
        assert_eq!(
            ApiSensitivity::from_response(Some(S3), 0),
            ApiSensitivity::High
        );
        assert_eq!(
            ApiSensitivity::from_response(Some(S2), 21),
            ApiSensitivity::High
        );
        assert_eq!(
            ApiSensitivity::from_response(Some(S2), 20),
            ApiSensitivity::Medium
        );
        assert_eq!(
            ApiSensitivity::from_response(Some(S1), 0),
            ApiSensitivity::Low
        );
        assert_eq!(ApiSensitivity::from_response(None, 0), ApiSensitivity::None);
    }

    #[test]
    fn internal_addresses() {
        for ip in [
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "127.0.0.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(is_internal_ip(&ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "172.32.0.1", "2001:4860::8888"] {
            assert!(!is_internal_ip(&ip.parse().unwrap()), "{ip}");
        }
    }
}
