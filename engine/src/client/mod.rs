//! Who is calling: location from a GeoIP country database, access tool from the user agent,
//! and the account behind a request.
//!
//! - [`geo`]: MaxMind DB country lookup (`country.iso_code` or `country_code` records).
//! - [`tools`]: our attack/script/headless table, then the `woothee` user-agent parser.
//! - [`account`]: log field, configured header/parameter, identity headers, JWT, Basic.

pub mod account;
pub mod geo;
pub mod tools;

use crate::exchange::Exchange;
use crate::facts::{AuthObservation, ClientInfo};
use crate::record::Record;
use std::path::{Path, PathBuf};

pub use account::AccountConfig;
pub use geo::GeoDb;

/// Classifies clients; holds the GeoIP database when one was found.
#[derive(Debug, Default)]
pub struct ClientClassifier {
    geo: Option<GeoDb>,
    /// Access tool per user agent: a log repeats a few thousand agents millions of times.
    tools: ToolCache,
}

/// Distinct user agents remembered (about 2 MB at most); others are parsed every time.
pub const MAX_CACHED_AGENTS: usize = 8_192;

#[derive(Debug, Default)]
struct ToolCache(std::sync::RwLock<foldhash::HashMap<String, crate::facts::ToolInfo>>);

impl ToolCache {
    fn classify(&self, ua: Option<&str>) -> crate::facts::ToolInfo {
        let Some(key) = ua else {
            return tools::classify_user_agent(None);
        };
        if let Some(t) = self.0.read().ok().and_then(|m| m.get(key).cloned()) {
            return t;
        }
        let t = tools::classify_user_agent(ua);
        if let Ok(mut m) = self.0.write() {
            if m.len() < MAX_CACHED_AGENTS {
                m.insert(key.to_string(), t.clone());
            }
        }
        t
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("GeoIP database {path}: {message}")]
    Open { path: PathBuf, message: String },
}

impl ClientClassifier {
    /// Without a GeoIP database: every public address is `Unknown`.
    pub fn without_geo() -> Self {
        ClientClassifier {
            geo: None,
            tools: ToolCache::default(),
        }
    }

    /// With the country database at `path`.
    pub fn with_geo_file(path: impl AsRef<Path>) -> Result<Self, GeoError> {
        let path = path.as_ref();
        let db = GeoDb::open(path).map_err(|message| GeoError::Open {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(ClientClassifier {
            geo: Some(db),
            tools: ToolCache::default(),
        })
    }

    /// Opens the GeoIP database named by `APISEC_GEOIP` (an error when set but unreadable),
    /// else the first of the default locations that exists ([`geo::default_paths`]); without
    /// any, works like [`ClientClassifier::without_geo`].
    pub fn from_env() -> Result<Self, GeoError> {
        if let Some(p) = std::env::var_os("APISEC_GEOIP").filter(|p| !p.is_empty()) {
            return Self::with_geo_file(PathBuf::from(p));
        }
        for p in geo::default_paths() {
            if p.is_file() {
                return Self::with_geo_file(&p);
            }
        }
        Ok(Self::without_geo())
    }

    /// The opened database, if any.
    pub fn geo(&self) -> Option<&GeoDb> {
        self.geo.as_ref()
    }

    pub fn classify(&self, record: &Record) -> ClientInfo {
        ClientInfo {
            location: geo::locate(self.geo.as_ref(), record.client_ip),
            tool: self.tools.classify(record.user_agent()),
        }
    }
}

/// The account behind a request: the log's `account`, an identity header, a JWT `sub`, or the
/// Basic user (see [`account`]).
pub fn identify_account(ex: &Exchange, auth: &AuthObservation) -> Option<String> {
    account::identify(ex, auth)
}
