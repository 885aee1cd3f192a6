//! The JSON report of `apisec analyze` (`shared/contracts/interfaces.md`): every member named
//! there, plus a few more.

use crate::catalog::catalog;
use crate::compliance::ComplianceSummary;
use crate::facts::PurposeTag;
use crate::pipeline::Findings;
use crate::readers::Rejected;
use crate::record::format_time;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct Report {
    pub summary: Summary,
    pub rejected: Vec<Rejected>,
    pub apis: Vec<ReportApi>,
    pub risks: Vec<ReportRisk>,
    pub events: Vec<ReportEvent>,
    pub compliance: ComplianceSummary,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub records: u64,
    pub rejected: u64,
    pub apis: u64,
    pub risks: u64,
    pub events: u64,
}

#[derive(Debug, Serialize)]
pub struct ReportApi {
    pub host: String,
    pub method: String,
    pub path: String,
    pub calls: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub active: bool,
    pub purposes: Vec<PurposeTag>,
    pub service_object: &'static str,
    pub authenticated: bool,
    pub auth: Vec<crate::facts::AuthKind>,
    pub sensitivity: &'static str,
    pub request_types: BTreeMap<String, u64>,
    pub response_types: BTreeMap<String, u64>,
    pub parameters: Vec<crate::facts::ParamSummary>,
    pub statuses: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
pub struct ReportRisk {
    pub key: String,
    pub level: &'static str,
    pub host: String,
    pub method: String,
    pub path: String,
    pub evidence: String,
    pub first_seen: String,
    pub last_seen: String,
    pub hits: u64,
    /// Catalog name and category (custom rules: the rule name).
    pub name: String,
    pub category: String,
    pub description: String,
    pub suggestion: String,
}

#[derive(Debug, Serialize)]
pub struct ReportEvent {
    pub key: String,
    pub level: &'static str,
    pub subject: crate::catalog::Subject,
    pub ip: Option<String>,
    pub account: Option<String>,
    pub location: String,
    pub host: String,
    pub method: String,
    pub path: String,
    pub start: String,
    pub end: String,
    pub count: u64,
    pub description: String,
    pub name: String,
    pub category: String,
    pub suggestion: String,
    /// Every API involved (`METHOD host path`).
    pub apis: Vec<String>,
    /// Masked request samples.
    pub samples: Vec<String>,
}

fn type_counts(m: &BTreeMap<u32, u64>) -> BTreeMap<String, u64> {
    m.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

impl Report {
    pub fn build(
        records: u64,
        rejected: Vec<Rejected>,
        rejected_total: u64,
        f: Findings,
    ) -> Report {
        let apis: Vec<ReportApi> = f
            .apis
            .into_iter()
            .map(|a| ReportApi {
                host: a.key.host,
                method: a.key.method,
                path: a.key.path,
                calls: a.calls,
                first_seen: format_time(a.first_seen_ms),
                last_seen: format_time(a.last_seen_ms),
                active: a.active,
                purposes: a.purposes,
                service_object: a.service_object.as_str(),
                authenticated: a.authenticated,
                auth: a.auth,
                sensitivity: a.sensitivity.as_str(),
                request_types: type_counts(&a.request_types),
                response_types: type_counts(&a.response_types),
                parameters: a.params,
                statuses: a
                    .statuses
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
            })
            .collect();
        let risks: Vec<ReportRisk> = f
            .risks
            .into_iter()
            .map(|r| {
                let cat = catalog().risk(&r.key);
                let (description, suggestion) = crate::risk::describe(&r.key).unwrap_or(("", ""));
                ReportRisk {
                    name: r
                        .rule
                        .clone()
                        .or_else(|| cat.map(|c| c.name.clone()))
                        .unwrap_or_default(),
                    category: cat.map(|c| c.category.clone()).unwrap_or_default(),
                    description: description.to_string(),
                    suggestion: r
                        .suggestion
                        .clone()
                        .unwrap_or_else(|| suggestion.to_string()),
                    key: r.key,
                    level: r.level.as_str(),
                    host: r.api.host,
                    method: r.api.method,
                    path: r.api.path,
                    evidence: r.evidence,
                    first_seen: format_time(r.first_ms),
                    last_seen: format_time(r.last_ms),
                    hits: r.hits,
                }
            })
            .collect();
        let events: Vec<ReportEvent> = f
            .events
            .into_iter()
            .map(|e| {
                let cat = catalog().event(&e.key);
                ReportEvent {
                    name: e
                        .rule
                        .clone()
                        .or_else(|| cat.map(|c| c.name.clone()))
                        .unwrap_or_default(),
                    category: cat.map(|c| c.category.clone()).unwrap_or_default(),
                    suggestion: e.suggestion,
                    apis: e
                        .apis
                        .iter()
                        .map(|a| format!("{} {}{}", a.method, a.host, a.path))
                        .collect(),
                    samples: e.samples,
                    key: e.key,
                    level: e.level.as_str(),
                    subject: e.subject,
                    ip: e.ip.map(|i| i.to_string()),
                    account: e.account,
                    location: e.location.code(),
                    host: e.api.host,
                    method: e.api.method,
                    path: e.api.path,
                    start: format_time(e.start_ms),
                    end: format_time(e.end_ms),
                    count: e.count,
                    description: e.description,
                }
            })
            .collect();
        Report {
            summary: Summary {
                records,
                rejected: rejected_total,
                apis: apis.len() as u64,
                risks: risks.len() as u64,
                events: events.len() as u64,
            },
            rejected,
            apis,
            risks,
            events,
            compliance: f.compliance,
        }
    }
}
