//! Service object of an API: internal office, third-party cooperation or public service.
//!
//! From naming first (host labels and path words such as `admin`, `oa`, `hr`, `ops`,
//! `internal` for internal office; `partner`, `openapi`, `callback`, `notify`, `webhook`, `isv`
//! for third parties), then from how its callers cluster: mostly private addresses means
//! internal office; a few fixed public addresses that present API keys means a partner
//! integration; anything else, public service.

use super::segment;
use crate::facts::{ApiKey, ServiceObject};

/// Words that name an internal (employee) system.
pub const INTERNAL_WORDS: &[&str] = &[
    "admin",
    "oa",
    "hr",
    "ops",
    "internal",
    "intranet",
    "manage",
    "manager",
    "management",
    "console",
    "houtai",
    "guanli",
    "backend",
    "backstage",
    "erp",
    "crm",
    "staff",
    "employee",
    "corp",
    "devops",
    "jenkins",
    "grafana",
    "kibana",
    "ldap",
    "sysadmin",
    "itsm",
    "bpm",
];

/// Words that name a partner or third-party integration.
pub const PARTNER_WORDS: &[&str] = &[
    "partner",
    "partners",
    "openapi",
    "callback",
    "callbacks",
    "notify",
    "webhook",
    "webhooks",
    "isv",
    "thirdparty",
    "vendor",
    "supplier",
    "b2b",
    "merchant",
    "agent",
    "channel",
    "hook",
];

/// Client statistics of one API.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientStats {
    pub calls: u64,
    /// Calls from private, loopback or link-local addresses.
    pub internal_calls: u64,
    /// Distinct public client addresses (capped count).
    pub public_clients: u64,
    /// Calls that carried an API key (header or query) or Basic credentials.
    pub key_calls: u64,
}

fn naming(api: &ApiKey) -> Option<ServiceObject> {
    let mut words: Vec<String> = Vec::new();
    for label in api.host.split('.').take(3) {
        words.extend(segment::words(label));
    }
    let host_first = api.host.split('.').next().unwrap_or("");
    for seg in api
        .path
        .split(['/', '#'])
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .take(3)
    {
        words.extend(segment::words(seg));
        words.push(seg.to_ascii_lowercase().replace(['-', '_'], ""));
    }
    if words.iter().any(|w| INTERNAL_WORDS.contains(&w.as_str())) {
        return Some(ServiceObject::InternalOffice);
    }
    if host_first == "open" || words.iter().any(|w| PARTNER_WORDS.contains(&w.as_str())) {
        return Some(ServiceObject::ThirdParty);
    }
    None
}

/// Classifies one API from its key and its callers.
pub fn classify(api: &ApiKey, c: &ClientStats) -> ServiceObject {
    if let Some(s) = naming(api) {
        return s;
    }
    if c.calls > 0 && c.internal_calls * 10 >= c.calls * 8 {
        return ServiceObject::InternalOffice;
    }
    let public_calls = c.calls - c.internal_calls.min(c.calls);
    if public_calls >= 10
        && (1..=5).contains(&c.public_clients)
        && c.key_calls * 10 >= public_calls * 8
    {
        return ServiceObject::ThirdParty;
    }
    ServiceObject::PublicService
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(host: &str, path: &str) -> ApiKey {
        ApiKey {
            host: host.into(),
            method: "GET".into(),
            path: path.into(),
        }
    }

    #[test]
    fn by_naming() {
        let none = ClientStats::default();
        assert_eq!(
            classify(&key("oa.corp.example", "/api/leave"), &none),
            ServiceObject::InternalOffice
        );
        assert_eq!(
            classify(&key("api.example.com", "/admin/users"), &none),
            ServiceObject::InternalOffice
        );
        assert_eq!(
            classify(&key("api.example.com", "/partner/v1/orders"), &none),
            ServiceObject::ThirdParty
        );
        assert_eq!(
            classify(&key("open.example.com", "/v1/goods"), &none),
            ServiceObject::ThirdParty
        );
        assert_eq!(
            classify(&key("api.example.com", "/pay/notify"), &none),
            ServiceObject::ThirdParty
        );
        assert_eq!(
            classify(&key("www.example.com", "/api/products"), &none),
            ServiceObject::PublicService
        );
        // `opera` and `hrefs` contain the letters but not the words.
        assert_eq!(
            classify(&key("opera.example.com", "/hrefs"), &none),
            ServiceObject::PublicService
        );
    }

    #[test]
    fn by_clients() {
        let api = key("api.example.com", "/v1/report");
        let internal = ClientStats {
            calls: 100,
            internal_calls: 95,
            public_clients: 2,
            key_calls: 0,
        };
        assert_eq!(classify(&api, &internal), ServiceObject::InternalOffice);
        let partner = ClientStats {
            calls: 200,
            internal_calls: 0,
            public_clients: 3,
            key_calls: 200,
        };
        assert_eq!(classify(&api, &partner), ServiceObject::ThirdParty);
        let public = ClientStats {
            calls: 500,
            internal_calls: 10,
            public_clients: 300,
            key_calls: 0,
        };
        assert_eq!(classify(&api, &public), ServiceObject::PublicService);
        let few_no_keys = ClientStats {
            calls: 50,
            internal_calls: 0,
            public_clients: 2,
            key_calls: 0,
        };
        assert_eq!(classify(&api, &few_no_keys), ServiceObject::PublicService);
    }
}
