//! Who is calling: location from a GeoIP country database, access tool from the user agent,
//! and the account behind a request.
//!
//! STUB INTERFACE: the event owner replaces the bodies; the signatures are what the pipeline calls.

use crate::exchange::Exchange;
use crate::facts::{is_internal_ip, AuthObservation, ClientInfo, Location, ToolInfo, ToolKind};
use crate::record::Record;
use std::path::PathBuf;

/// Classifies clients; holds the GeoIP database when one was found.
#[derive(Debug, Default)]
pub struct ClientClassifier {}

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("GeoIP database {path}: {message}")]
    Open { path: PathBuf, message: String },
}

impl ClientClassifier {
    /// Without a GeoIP database: every public address is `Unknown`.
    pub fn without_geo() -> Self {
        ClientClassifier {}
    }
    /// Opens the GeoIP database named by `APISEC_GEOIP`, else the first of the default
    /// locations that exists; without any, works like [`ClientClassifier::without_geo`].
    pub fn from_env() -> Result<Self, GeoError> {
        Ok(ClientClassifier {})
    }
    pub fn classify(&self, record: &Record) -> ClientInfo {
        let location = if is_internal_ip(&record.client_ip) {
            Location::Internal
        } else {
            Location::Unknown
        };
        ClientInfo {
            location,
            tool: ToolInfo {
                kind: ToolKind::Unknown,
                family: String::new(),
            },
        }
    }
}

/// The account behind a request: the log's `account`, a JWT `sub`, or a configured header.
pub fn identify_account(ex: &Exchange, _auth: &AuthObservation) -> Option<String> {
    ex.record.account.clone()
}
