//! Custom event rules (Policies page): a condition on requests, a grouping key, a threshold in a
//! window, a level and a suggestion. Rules are plain serde data compiled once; every problem is
//! reported by [`CustomRuleError`] at load time, never during the analysis.

use crate::catalog::{catalog, Level, Subject};
use crate::exchange::Exchange;
use crate::facts::{ApiKey, PurposeTag};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Most custom rules evaluated (their content matches travel as a 64-bit mask).
pub const MAX_RULES: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomCondition {
    /// Host, exact (case-insensitive); empty = any.
    #[serde(default)]
    pub host: Option<String>,
    /// Method, exact; empty = any.
    #[serde(default)]
    pub method: Option<String>,
    /// API path template or glob (`/v1/users/*`, `*/export`); `*` matches any run of characters.
    #[serde(default)]
    pub path: Option<String>,
    /// A purpose key or purpose type key from the catalog.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Status codes or classes: `"403"`, `"4xx"`, `"500-599"`.
    #[serde(default)]
    pub status: Vec<String>,
    /// A regex searched in the request line, request body and response body.
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomEventRule {
    pub name: String,
    #[serde(default)]
    pub condition: CustomCondition,
    /// Group by source IP or account.
    pub group_by: Subject,
    /// Matching requests of one subject within `window_secs` that raise the event.
    pub threshold: u32,
    pub window_secs: u64,
    pub level: Level,
    #[serde(default)]
    pub suggestion: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CustomRuleError {
    #[error("custom event rule {index}: the name is empty")]
    EmptyName { index: usize },
    #[error("custom event rule {name}: threshold must be between 1 and 10000 (got {got})")]
    Threshold { name: String, got: u32 },
    #[error("custom event rule {name}: window must be between 1 second and 1 day (got {got}s)")]
    Window { name: String, got: u64 },
    #[error("custom event rule {name}: level must be high, medium or low")]
    Level { name: String },
    #[error("custom event rule {name}: invalid content regex: {message}")]
    Regex { name: String, message: String },
    #[error("custom event rule {name}: invalid path pattern {pattern}")]
    Path { name: String, pattern: String },
    #[error("custom event rule {name}: unknown purpose {purpose}")]
    Purpose { name: String, purpose: String },
    #[error("custom event rule {name}: invalid status {status} (use 403, 4xx or 400-499)")]
    Status { name: String, status: String },
    #[error("custom event rule {name}: the condition is empty; give at least one of host, method, path, purpose, status, content")]
    EmptyCondition { name: String },
    #[error("at most {MAX_RULES} custom event rules are supported (got {got})")]
    TooMany { got: usize },
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct CompiledCustomRule {
    pub rule: CustomEventRule,
    path: Option<Regex>,
    content: Option<Regex>,
    status: Vec<(u16, u16)>,
}

fn glob_to_regex(p: &str) -> String {
    let parts: Vec<String> = p.split('*').map(regex::escape).collect();
    format!("^{}$", parts.join(".*"))
}

fn parse_status(s: &str) -> Option<(u16, u16)> {
    let s = s.trim().to_ascii_lowercase();
    if s.len() == 3 && s.ends_with("xx") {
        let d = s[..1].parse::<u16>().ok()?;
        return (1..=5).contains(&d).then_some((d * 100, d * 100 + 99));
    }
    if let Some((a, b)) = s.split_once('-') {
        let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        return (100..=599)
            .contains(&a)
            .then_some(())
            .and((a <= b && b <= 599).then_some((a, b)));
    }
    let v = s.parse::<u16>().ok()?;
    (100..=599).contains(&v).then_some((v, v))
}

impl CustomEventRule {
    pub fn compile(&self, index: usize) -> Result<CompiledCustomRule, CustomRuleError> {
        let name = self.name.trim().to_string();
        if name.is_empty() {
            return Err(CustomRuleError::EmptyName { index });
        }
        if self.threshold == 0 || self.threshold > 10_000 {
            return Err(CustomRuleError::Threshold {
                name,
                got: self.threshold,
            });
        }
        if self.window_secs == 0 || self.window_secs > 86_400 {
            return Err(CustomRuleError::Window {
                name,
                got: self.window_secs,
            });
        }
        if self.level == Level::Custom {
            return Err(CustomRuleError::Level { name });
        }
        let c = &self.condition;
        let empty = |o: &Option<String>| o.as_deref().is_none_or(|s| s.trim().is_empty());
        if empty(&c.host)
            && empty(&c.method)
            && empty(&c.path)
            && empty(&c.purpose)
            && c.status.is_empty()
            && empty(&c.content)
        {
            return Err(CustomRuleError::EmptyCondition { name });
        }
        let path = match c.path.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => {
                if !p.starts_with('/') && !p.starts_with('*') {
                    return Err(CustomRuleError::Path {
                        name,
                        pattern: p.to_string(),
                    });
                }
                Some(
                    Regex::new(&glob_to_regex(p.trim())).map_err(|_| CustomRuleError::Path {
                        name: name.clone(),
                        pattern: p.to_string(),
                    })?,
                )
            }
            None => None,
        };
        let content = match c.content.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => Some(
                regex::RegexBuilder::new(p)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| CustomRuleError::Regex {
                        name: name.clone(),
                        message: e.to_string(),
                    })?,
            ),
            None => None,
        };
        if let Some(p) = c.purpose.as_deref().filter(|p| !p.is_empty()) {
            let cat = catalog();
            let known = cat.purposes.iter().any(|x| x.key == p) || cat.purpose_of_type(p).is_some();
            if !known {
                return Err(CustomRuleError::Purpose {
                    name,
                    purpose: p.to_string(),
                });
            }
        }
        let mut status = Vec::new();
        for s in &c.status {
            status.push(parse_status(s).ok_or_else(|| CustomRuleError::Status {
                name: name.clone(),
                status: s.clone(),
            })?);
        }
        Ok(CompiledCustomRule {
            rule: CustomEventRule {
                name,
                ..self.clone()
            },
            path,
            content,
            status,
        })
    }
}

/// Compiles a rule list.
pub fn compile_all(rules: &[CustomEventRule]) -> Result<Vec<CompiledCustomRule>, CustomRuleError> {
    if rules.len() > MAX_RULES {
        return Err(CustomRuleError::TooMany { got: rules.len() });
    }
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| r.compile(i))
        .collect()
}

const MAX_CONTENT_SCAN: usize = 65_536;

fn head(s: &str) -> &str {
    crate::exchange::prefix(s, MAX_CONTENT_SCAN)
}

impl CompiledCustomRule {
    pub fn has_content(&self) -> bool {
        self.content.is_some()
    }

    /// The content part of the condition, evaluated in the per-exchange stage.
    pub fn content_matches(&self, ex: &Exchange) -> bool {
        let Some(re) = &self.content else {
            return false;
        };
        let r = ex.record;
        let line = format!(
            "{} {}?{}",
            r.method,
            r.path,
            r.query.as_deref().unwrap_or("")
        );
        re.is_match(&line)
            || r.request_body
                .as_deref()
                .is_some_and(|b| re.is_match(head(b)))
            || r.response_body
                .as_deref()
                .is_some_and(|b| re.is_match(head(b)))
    }

    /// The non-content part of the condition, evaluated on the exchange's facts.
    pub fn facts_match(&self, api: &ApiKey, status: u16, purposes: &[PurposeTag]) -> bool {
        let c = &self.rule.condition;
        if let Some(h) = c.host.as_deref().filter(|s| !s.is_empty()) {
            if !h.eq_ignore_ascii_case(&api.host) {
                return false;
            }
        }
        if let Some(m) = c.method.as_deref().filter(|s| !s.is_empty()) {
            if !m.eq_ignore_ascii_case(&api.method) {
                return false;
            }
        }
        if let Some(re) = &self.path {
            if !re.is_match(&api.path) {
                return false;
            }
        }
        if let Some(p) = c.purpose.as_deref().filter(|s| !s.is_empty()) {
            let cat = catalog();
            let ok = purposes
                .iter()
                .map(|t| t.kind.as_str())
                .any(|t| t == p || cat.purpose_of_type(t).is_some_and(|pp| pp.key == p));
            if !ok {
                return false;
            }
        }
        if !self.status.is_empty() && !self.status.iter().any(|(a, b)| (*a..=*b).contains(&status))
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> CustomEventRule {
        CustomEventRule {
            name: "export probing".into(),
            condition: CustomCondition {
                path: Some("/v1/*/export".into()),
                status: vec!["4xx".into()],
                ..Default::default()
            },
            group_by: Subject::Ip,
            threshold: 5,
            window_secs: 60,
            level: Level::Medium,
            suggestion: "Block it.".into(),
        }
    }

    #[test]
    fn compiles_and_matches() {
        let c = rule().compile(0).unwrap();
        let api = ApiKey {
            host: "a".into(),
            method: "GET".into(),
            path: "/v1/orders/export".into(),
        };
        assert!(c.facts_match(&api, 403, &[]));
        assert!(!c.facts_match(&api, 200, &[]));
        let other = ApiKey {
            path: "/v1/orders".into(),
            ..api
        };
        assert!(!c.facts_match(&other, 403, &[]));
    }

    #[test]
    fn clear_errors() {
        let mut r = rule();
        r.threshold = 0;
        assert!(matches!(
            r.compile(0),
            Err(CustomRuleError::Threshold { .. })
        ));
        let mut r = rule();
        r.condition.content = Some("(unclosed".into());
        let e = r.compile(0).unwrap_err();
        assert!(e.to_string().contains("invalid content regex"), "{e}");
        let mut r = rule();
        r.condition.purpose = Some("no_such_purpose".into());
        assert!(matches!(r.compile(0), Err(CustomRuleError::Purpose { .. })));
        let mut r = rule();
        r.condition.status = vec!["6xx".into()];
        assert!(matches!(r.compile(0), Err(CustomRuleError::Status { .. })));
        let mut r = rule();
        r.condition = CustomCondition::default();
        assert!(matches!(
            r.compile(0),
            Err(CustomRuleError::EmptyCondition { .. })
        ));
        let mut r = rule();
        r.window_secs = 0;
        assert!(matches!(r.compile(0), Err(CustomRuleError::Window { .. })));
        let mut r = rule();
        r.name = " ".into();
        assert!(matches!(
            r.compile(3),
            Err(CustomRuleError::EmptyName { index: 3 })
        ));
        let mut r = rule();
        r.condition.purpose = Some("logon".into());
        assert!(r.compile(0).is_ok());
    }

    #[test]
    fn statuses_parse() {
        assert_eq!(parse_status("4xx"), Some((400, 499)));
        assert_eq!(parse_status("500-599"), Some((500, 599)));
        assert_eq!(parse_status("403"), Some((403, 403)));
        assert_eq!(parse_status("abc"), None);
        assert_eq!(parse_status("700"), None);
    }
}
