//! Custom risk rules (Policies page): conditions on API attributes (purpose, sensitivity,
//! authentication, service object) and on request and response content (regex, field present,
//! status, method, path), a level and a suggestion. Rules are plain serde data compiled once;
//! every problem is reported at compile time with the rule's name, never mid-analysis.
//! All conditions of a rule must hold. Findings use the catalog key `custom_risk`.

use super::cx::{self, Cx};
use super::state::ApiState;
use super::{RiskFinding, RiskSignals};
use crate::catalog::Level;
use crate::exchange::{flatten_json, Param};
use crate::facts::{ApiSensitivity, ApiSummary, ServiceObject};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Low,
    Medium,
    High,
}

impl From<RuleLevel> for Level {
    fn from(l: RuleLevel) -> Level {
        match l {
            RuleLevel::Low => Level::Low,
            RuleLevel::Medium => Level::Medium,
            RuleLevel::High => Level::High,
        }
    }
}

/// Which part of the exchange a content condition reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessagePart {
    /// Path and query string.
    RequestUrl,
    RequestHeaders,
    RequestBody,
    ResponseHeaders,
    ResponseBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// The API carries this purpose (and purpose type, when given).
    Purpose {
        purpose: String,
        #[serde(default)]
        r#type: Option<String>,
    },
    /// The API's sensitivity is at least this.
    Sensitivity {
        at_least: ApiSensitivity,
    },
    /// The API is (or is not) authenticated.
    Authenticated {
        value: bool,
    },
    ServiceObject {
        value: ServiceObject,
    },
    /// The request method is one of these.
    Method {
        methods: Vec<String>,
    },
    /// The request path matches.
    Path {
        regex: String,
    },
    /// A part of the exchange matches the regex.
    Content {
        part: MessagePart,
        regex: String,
    },
    /// A request parameter or response JSON field of this name (leaf name or full path) is
    /// present. `part` is `request_body`/`request_url` for the request, `response_body` for the
    /// response.
    FieldPresent {
        part: MessagePart,
        field: String,
    },
    /// The response status is within `min..=max`.
    Status {
        min: u16,
        max: u16,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomRiskRule {
    pub name: String,
    pub level: RuleLevel,
    #[serde(default)]
    pub description: String,
    pub suggestion: String,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CustomRiskError {
    #[error("custom risk rule {rule:?}: invalid regex: {message}")]
    Regex { rule: String, message: String },
    #[error("custom risk rule {rule:?}: {message}")]
    Invalid { rule: String, message: String },
}

enum Compiled {
    Api(Condition),
    Method(Vec<String>),
    Path(Regex),
    Content(MessagePart, Regex),
    Field(MessagePart, String),
    Status(u16, u16),
}

struct CompiledRule {
    rule: CustomRiskRule,
    conditions: Vec<Compiled>,
    /// Some condition reads the exchange (otherwise the rule is judged on API attributes only).
    per_exchange: bool,
}

/// Compiled custom rules, shared read-only by all workers.
#[derive(Default)]
pub struct CompiledRiskRules {
    rules: Vec<CompiledRule>,
}

impl std::fmt::Debug for CompiledRiskRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.rules.iter().map(|r| &r.rule.name))
            .finish()
    }
}

/// Longest content read by a custom regex.
const MAX_CONTENT: usize = 64 * 1024;

fn regex(rule: &str, pattern: &str) -> Result<Regex, CustomRiskError> {
    RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| CustomRiskError::Regex {
            rule: rule.to_string(),
            message: e.to_string(),
        })
}

impl CompiledRiskRules {
    pub fn none() -> &'static CompiledRiskRules {
        static NONE: OnceLock<CompiledRiskRules> = OnceLock::new();
        NONE.get_or_init(CompiledRiskRules::default)
    }

    pub fn compile(rules: &[CustomRiskRule]) -> Result<Self, CustomRiskError> {
        let mut out = Vec::new();
        for rule in rules {
            let name = rule.name.trim();
            let invalid = |message: &str| CustomRiskError::Invalid {
                rule: rule.name.clone(),
                message: message.to_string(),
            };
            if name.is_empty() {
                return Err(invalid("the name is empty"));
            }
            if rule.suggestion.trim().is_empty() {
                return Err(invalid("the suggestion is empty"));
            }
            if rule.conditions.is_empty() {
                return Err(invalid("a rule needs at least one condition"));
            }
            let mut conditions = Vec::new();
            for c in &rule.conditions {
                conditions.push(match c {
                    Condition::Purpose { purpose, r#type } => {
                        let cat = crate::catalog::catalog();
                        let Some(p) = cat.purposes.iter().find(|p| &p.key == purpose) else {
                            return Err(invalid(&format!("unknown purpose {purpose:?}")));
                        };
                        if let Some(t) = r#type {
                            if !p.types.iter().any(|x| &x.key == t) {
                                return Err(invalid(&format!(
                                    "purpose {purpose:?} has no type {t:?}"
                                )));
                            }
                        }
                        Compiled::Api(c.clone())
                    }
                    Condition::Sensitivity { .. }
                    | Condition::Authenticated { .. }
                    | Condition::ServiceObject { .. } => Compiled::Api(c.clone()),
                    Condition::Method { methods } => {
                        if methods.is_empty() {
                            return Err(invalid("the method list is empty"));
                        }
                        Compiled::Method(methods.iter().map(|m| m.to_ascii_uppercase()).collect())
                    }
                    Condition::Path { regex: p } => Compiled::Path(regex(&rule.name, p)?),
                    Condition::Content { part, regex: p } => {
                        Compiled::Content(*part, regex(&rule.name, p)?)
                    }
                    Condition::FieldPresent { part, field } => {
                        if field.trim().is_empty() {
                            return Err(invalid("the field name is empty"));
                        }
                        Compiled::Field(*part, field.trim().to_string())
                    }
                    Condition::Status { min, max } => {
                        if min > max || *max > 999 {
                            return Err(invalid(&format!("invalid status range {min}..={max}")));
                        }
                        Compiled::Status(*min, *max)
                    }
                });
            }
            let per_exchange = conditions.iter().any(|c| !matches!(c, Compiled::Api(_)));
            out.push(CompiledRule {
                rule: rule.clone(),
                conditions,
                per_exchange,
            });
        }
        Ok(CompiledRiskRules { rules: out })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Exchange conditions: records (rule index, evidence) for every rule whose exchange
    /// conditions all hold.
    pub(crate) fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        for (i, rule) in self.rules.iter().enumerate() {
            if !rule.per_exchange {
                continue;
            }
            let mut notes = Vec::new();
            let all = rule
                .conditions
                .iter()
                .all(|c| exchange_condition(cx, c, &mut notes));
            if all {
                let ev = cx::evidence(format!(
                    "rule {:?}: {}{}{}",
                    rule.rule.name,
                    cx.line(),
                    if notes.is_empty() { "" } else { "; " },
                    notes.join("; ")
                ));
                out.obs.custom.push((i as u32, ev));
            }
        }
    }

    /// API conditions, for rules whose exchange conditions matched (or that have none).
    pub(crate) fn judge(&self, api: &ApiSummary, st: &ApiState) -> Vec<RiskFinding> {
        let authenticated = api.authenticated || st.authenticated_share() >= 0.5;
        let mut out = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let api_ok = rule.conditions.iter().all(|c| match c {
                Compiled::Api(Condition::Purpose { purpose, r#type }) => api
                    .purposes
                    .iter()
                    .any(|p| &p.purpose == purpose && r#type.as_ref().is_none_or(|t| &p.kind == t)),
                Compiled::Api(Condition::Sensitivity { at_least }) => api.sensitivity >= *at_least,
                Compiled::Api(Condition::Authenticated { value }) => authenticated == *value,
                Compiled::Api(Condition::ServiceObject { value }) => api.service_object == *value,
                _ => true,
            });
            if !api_ok {
                continue;
            }
            let (evidence, first_ms, last_ms, hits) = if rule.per_exchange {
                let Some(a) = st.custom.get(&(i as u32)) else {
                    continue;
                };
                (a.evidence.clone(), a.first_ms, a.last_ms, a.count)
            } else if api.calls > 0 {
                (
                    cx::evidence(format!(
                        "rule {:?}: API attributes match ({} {} {})",
                        rule.rule.name, api.key.method, api.key.host, api.key.path
                    )),
                    api.first_seen_ms,
                    api.last_seen_ms,
                    api.calls,
                )
            } else {
                continue;
            };
            out.push(RiskFinding {
                key: "custom_risk".to_string(),
                level: rule.rule.level.into(),
                api: api.key.clone(),
                evidence,
                first_ms,
                last_ms,
                hits,
                rule: Some(rule.rule.name.clone()),
                suggestion: Some(rule.rule.suggestion.clone()),
            });
        }
        out
    }
}

fn headers_text(h: &[(String, String)]) -> String {
    h.iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn part_text(cx: &Cx, part: MessagePart) -> String {
    let r = cx.record();
    let s = match part {
        MessagePart::RequestUrl => match &r.query {
            Some(q) => format!("{}?{}", r.path, q),
            None => r.path.clone(),
        },
        MessagePart::RequestHeaders => headers_text(&r.request_headers),
        MessagePart::RequestBody => r.request_body.clone().unwrap_or_default(),
        MessagePart::ResponseHeaders => headers_text(&r.response_headers),
        MessagePart::ResponseBody => r.response_body.clone().unwrap_or_default(),
    };
    cx::prefix(&s, MAX_CONTENT).to_string()
}

fn field_matches(p: &Param, field: &str) -> bool {
    p.name.eq_ignore_ascii_case(field) || p.field.eq_ignore_ascii_case(field)
}

fn exchange_condition(cx: &Cx, c: &Compiled, notes: &mut Vec<String>) -> bool {
    let r = cx.record();
    match c {
        Compiled::Api(_) => true,
        Compiled::Method(ms) => ms.iter().any(|m| m == &r.method),
        Compiled::Path(re) => re.is_match(&r.path),
        Compiled::Status(min, max) => (*min..=*max).contains(&r.status),
        Compiled::Content(part, re) => {
            let text = part_text(cx, *part);
            match re.find(&text) {
                Some(m) => {
                    notes.push(format!(
                        "{:?} matched: {}",
                        part,
                        crate::sensitive::mask(0, &cx::excerpt(&cx.redact(m.as_str()), 60))
                    ));
                    true
                }
                None => false,
            }
        }
        Compiled::Field(part, field) => {
            let found = match part {
                MessagePart::ResponseBody | MessagePart::ResponseHeaders => {
                    if *part == MessagePart::ResponseHeaders {
                        r.response_header(field).is_some()
                    } else {
                        cx.ctx.ex.response_json().is_some_and(|j| {
                            let mut leaves = Vec::new();
                            flatten_json(j, &mut leaves);
                            leaves.iter().any(|p| field_matches(p, field))
                        })
                    }
                }
                MessagePart::RequestHeaders => r.request_header(field).is_some(),
                MessagePart::RequestUrl | MessagePart::RequestBody => {
                    cx.params().iter().any(|p| field_matches(p, field))
                }
            };
            if found {
                notes.push(format!("field {field} present"));
            }
            found
        }
    }
}
