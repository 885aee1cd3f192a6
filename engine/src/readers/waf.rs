//! Cloud WAF access-log exports (`docs/formats/waf.md`): JSON objects (one per line, or a JSON
//! array) whose fields are mapped to a `Record` by a configurable [`WafMapping`].
//!
//! The default mapping follows the field names of a widely used cloud WAF's access log
//! (`real_client_ip`, `request_path`, `querystring`, `final_action`, ...). Each target field
//! lists candidate source fields; the first one present (not null, empty or `-`) is used.
//! A source name may be a dotted path (`request.headers`) into nested objects.

use super::normalize::{self, quote};
use crate::record::{Headers, Record, WafAction};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a WAF decided, from the many spellings WAFs use. Unknown values give None.
pub fn parse_waf_action(v: &str) -> Option<WafAction> {
    let v = v.trim().to_ascii_lowercase();
    if v.ends_with("_pass") {
        // `captcha_pass`, `js_pass`: the client passed a challenge.
        return Some(WafAction::Pass);
    }
    match v.as_str() {
        "block" | "blocked" | "deny" | "denied" | "drop" | "reject" | "close" | "captcha"
        | "captcha_strict" | "js" | "challenge" | "intercept" => Some(WafAction::Block),
        "pass" | "passed" | "allow" | "allowed" | "accept" | "none" | "-" | "" => {
            Some(WafAction::Pass)
        }
        "monitor" | "log" | "count" | "report" | "alert" | "observe" | "detect" => {
            Some(WafAction::Monitor)
        }
        _ => None,
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

fn map_one_or_many<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "one_or_many")] Vec<String>);
    let m = BTreeMap::<String, W>::deserialize(d)?;
    Ok(m.into_iter().map(|(k, W(v))| (k, v)).collect())
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Target field (a `Record` field) to candidate source fields, first present wins.
/// Load from TOML with [`WafMapping::from_toml_str`]: keys left out keep their defaults, a
/// value is one source name or a list of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WafMapping {
    /// RFC 3339 text, or epoch milliseconds/seconds (numbers below 1e11 are seconds).
    #[serde(deserialize_with = "one_or_many")]
    pub time: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub host: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub method: Vec<String>,
    /// The path; a `?query` in it is split off.
    #[serde(deserialize_with = "one_or_many")]
    pub path: Vec<String>,
    /// Path with query (or a full URL), used when no `path` source is present.
    #[serde(deserialize_with = "one_or_many")]
    pub uri: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub query: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub scheme: Vec<String>,
    /// A boolean (or `on`/`true`) that means https when `scheme` is absent.
    #[serde(deserialize_with = "one_or_many")]
    pub https: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub client_ip: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub status: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub user_agent: Vec<String>,
    /// An object of headers, a JSON text of one, or `Name: value` lines.
    #[serde(deserialize_with = "one_or_many")]
    pub request_headers: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub response_headers: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub request_body: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub response_body: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub account: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub waf_action: Vec<String>,
    #[serde(deserialize_with = "one_or_many")]
    pub waf_rule: Vec<String>,
    /// Single-header source fields: request header name -> source fields.
    #[serde(deserialize_with = "map_one_or_many")]
    pub request_header_fields: BTreeMap<String, Vec<String>>,
    /// Single-header source fields: response header name -> source fields.
    #[serde(deserialize_with = "map_one_or_many")]
    pub response_header_fields: BTreeMap<String, Vec<String>>,
}

impl Default for WafMapping {
    fn default() -> Self {
        let mut req_fields = BTreeMap::new();
        for (h, s) in [
            ("cookie", "http_cookie"),
            ("referer", "http_referer"),
            ("content-type", "content_type"),
            ("x-forwarded-for", "http_x_forwarded_for"),
            ("authorization", "http_authorization"),
        ] {
            req_fields.insert(h.to_string(), names(&[s]));
        }
        let mut resp_fields = BTreeMap::new();
        resp_fields.insert(
            "content-type".to_string(),
            names(&["response_content_type", "sent_http_content_type"]),
        );
        WafMapping {
            time: names(&[
                "time",
                "time_iso8601",
                "timestamp",
                "@timestamp",
                "__time__",
                "request_time_msec",
            ]),
            host: names(&["host", "matched_host", "http_host"]),
            method: names(&["request_method", "method"]),
            path: names(&["request_path", "path"]),
            uri: names(&["request_uri", "uri", "url"]),
            query: names(&["querystring", "query_string", "args", "query"]),
            scheme: names(&["scheme"]),
            https: names(&["https"]),
            client_ip: names(&["real_client_ip", "client_ip", "src_ip", "remote_addr"]),
            status: names(&["status", "upstream_status"]),
            user_agent: names(&["user_agent", "http_user_agent"]),
            request_headers: names(&["request_headers", "request_header"]),
            response_headers: names(&["response_headers", "response_header"]),
            request_body: names(&["request_body"]),
            response_body: names(&["response_body"]),
            account: names(&["account"]),
            waf_action: names(&["final_action", "waf_action", "action"]),
            waf_rule: names(&[
                "final_rule_type",
                "final_plugin",
                "final_rule_id",
                "waf_rule_type",
            ]),
            request_header_fields: req_fields,
            response_header_fields: resp_fields,
        }
    }
}

impl WafMapping {
    /// A mapping from TOML (`client_ip = ["x_real_ip", "src_ip"]`); omitted keys keep defaults.
    pub fn from_toml_str(s: &str) -> Result<Self, String> {
        toml::from_str(s).map_err(|e| format!("WAF mapping: {e}"))
    }
    /// A mapping from JSON, same shape as the TOML form.
    pub fn from_json_str(s: &str) -> Result<Self, String> {
        serde_json::from_str(s).map_err(|e| format!("WAF mapping: {e}"))
    }
    /// Every source field name the mapping reads (format detection uses them).
    pub fn source_names(&self) -> impl Iterator<Item = &str> {
        [
            &self.time,
            &self.host,
            &self.method,
            &self.path,
            &self.uri,
            &self.query,
            &self.scheme,
            &self.https,
            &self.client_ip,
            &self.status,
            &self.user_agent,
            &self.request_headers,
            &self.response_headers,
            &self.request_body,
            &self.response_body,
            &self.account,
            &self.waf_action,
            &self.waf_rule,
        ]
        .into_iter()
        .flatten()
        .chain(self.request_header_fields.values().flatten())
        .chain(self.response_header_fields.values().flatten())
        .map(String::as_str)
    }
}

/// A field by name: the exact key, else a dotted path through nested objects.
fn lookup<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    if let Some(v) = obj.get(name) {
        return Some(v);
    }
    if !name.contains('.') {
        return None;
    }
    let mut parts = name.split('.');
    let mut cur = obj.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty() && s != "-",
        _ => true,
    }
}

/// The first present candidate: (source name, value).
fn first<'v, 'm>(
    obj: &'v Map<String, Value>,
    candidates: &'m [String],
) -> Option<(&'m str, &'v Value)> {
    candidates.iter().find_map(|c| {
        lookup(obj, c)
            .filter(|v| present(v))
            .map(|v| (c.as_str(), v))
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn missing(target: &str, candidates: &[String]) -> String {
    match candidates {
        [] => format!("missing field `{target}` (no source field is mapped to it)"),
        [one] => format!("missing field `{one}`"),
        [one, rest @ ..] => format!(
            "missing field `{one}` (or {})",
            rest.iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Headers from an object, a JSON text of an object, or `Name: value` lines.
fn headers_from(v: &Value, out: &mut Headers) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let name = k.to_ascii_lowercase();
                match v {
                    Value::Array(items) => out.extend(
                        items
                            .iter()
                            .filter(|i| present(i))
                            .map(|i| (name.clone(), text(i))),
                    ),
                    v if present(v) => out.push((name, text(v))),
                    _ => {}
                }
            }
        }
        Value::Array(items) => {
            // HAR-style `[{"name": .., "value": ..}]`.
            for i in items {
                if let (Some(n), Some(val)) = (
                    i.get("name").and_then(Value::as_str),
                    i.get("value").filter(|v| present(v)),
                ) {
                    out.push((n.to_ascii_lowercase(), text(val)));
                }
            }
        }
        Value::String(s) => {
            let t = s.trim_start();
            if t.starts_with('{') {
                if let Ok(inner @ Value::Object(_)) = serde_json::from_str::<Value>(t) {
                    headers_from(&inner, out);
                    return;
                }
            }
            for line in s.lines() {
                if let Some((k, v)) = line.split_once(':') {
                    let k = k.trim();
                    if !k.is_empty() {
                        out.push((k.to_ascii_lowercase(), v.trim().to_string()));
                    }
                }
            }
        }
        _ => {}
    }
}

/// The WAF export line parser.
pub struct WafParser {
    m: WafMapping,
}

impl WafParser {
    pub fn new(mapping: WafMapping) -> Result<Self, String> {
        for (target, list) in [
            ("time", &mapping.time),
            ("host", &mapping.host),
            ("method", &mapping.method),
            ("client_ip", &mapping.client_ip),
            ("status", &mapping.status),
        ] {
            if list.is_empty() {
                return Err(format!(
                    "WAF mapping: `{target}` needs at least one source field"
                ));
            }
        }
        if mapping.path.is_empty() && mapping.uri.is_empty() {
            return Err("WAF mapping: `path` or `uri` needs at least one source field".into());
        }
        Ok(WafParser { m: mapping })
    }

    pub fn parse_object(&self, obj: &Map<String, Value>) -> Result<Record, String> {
        let m = &self.m;
        let (src, v) = first(obj, &m.time).ok_or_else(|| missing("time", &m.time))?;
        let time_ms = match v {
            Value::Number(n) => n
                .as_f64()
                .filter(|_| src != "request_time_msec" || n.as_f64().unwrap_or(0.0) >= 1e11)
                .and_then(normalize::epoch_number_ms)
                .ok_or_else(|| format!("field `{src}`: not an epoch time: {n}"))?,
            Value::String(s) => {
                normalize::parse_time_text(s).map_err(|e| format!("field `{src}`: {e}"))?
            }
            other => {
                return Err(format!(
                    "field `{src}`: not a time: {}",
                    quote(&text(other))
                ))
            }
        };
        let (src, v) = first(obj, &m.host).ok_or_else(|| missing("host", &m.host))?;
        let host = normalize::normalize_host(&text(v));
        if host.is_empty() {
            return Err(format!("field `{src}`: empty"));
        }
        let (_, v) = first(obj, &m.method).ok_or_else(|| missing("method", &m.method))?;
        let method = normalize::normalize_method(&text(v));
        let target = match first(obj, &m.path).or_else(|| first(obj, &m.uri)) {
            Some((_, v)) => normalize::split_target(&text(v)),
            None => {
                let mut all = m.path.clone();
                all.extend(m.uri.iter().cloned());
                return Err(missing("path", &all));
            }
        };
        let query = first(obj, &m.query)
            .map(|(_, v)| {
                let q = text(v);
                q.strip_prefix('?').unwrap_or(&q).to_string()
            })
            .filter(|q| !q.is_empty())
            .or(target.query);
        let (src, v) =
            first(obj, &m.client_ip).ok_or_else(|| missing("client_ip", &m.client_ip))?;
        let ip_text = text(v);
        let client_ip = normalize::first_forwarded(&ip_text)
            .ok_or_else(|| format!("field `{src}`: not an IP address: {}", quote(&ip_text)))?;
        let (src, v) = first(obj, &m.status).ok_or_else(|| missing("status", &m.status))?;
        let status = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|s| (100..=999).contains(s))
        .ok_or_else(|| {
            format!(
                "field `{src}`: not an HTTP status code: {}",
                quote(&text(v))
            )
        })? as u16;
        let scheme = first(obj, &m.scheme)
            .map(|(_, v)| text(v).to_ascii_lowercase())
            .or_else(|| {
                first(obj, &m.https).map(|(_, v)| {
                    let on = match v {
                        Value::Bool(b) => *b,
                        other => matches!(
                            text(other).to_ascii_lowercase().as_str(),
                            "on" | "true" | "1" | "yes"
                        ),
                    };
                    if on { "https" } else { "http" }.to_string()
                })
            })
            .or(target.scheme);
        let mut request_headers = Vec::new();
        if let Some((_, v)) = first(obj, &m.request_headers) {
            headers_from(v, &mut request_headers);
        }
        for (name, sources) in &m.request_header_fields {
            let name = name.to_ascii_lowercase();
            if request_headers.iter().any(|(k, _)| *k == name) {
                continue;
            }
            if let Some((_, v)) = first(obj, sources) {
                request_headers.push((name, text(v)));
            }
        }
        let mut response_headers = Vec::new();
        if let Some((_, v)) = first(obj, &m.response_headers) {
            headers_from(v, &mut response_headers);
        }
        for (name, sources) in &m.response_header_fields {
            let name = name.to_ascii_lowercase();
            if response_headers.iter().any(|(k, _)| *k == name) {
                continue;
            }
            if let Some((_, v)) = first(obj, sources) {
                response_headers.push((name, text(v)));
            }
        }
        let get = |c: &[String]| first(obj, c).map(|(_, v)| text(v));
        Ok(Record {
            time_ms,
            host,
            method,
            path: target.path,
            query,
            scheme,
            client_ip,
            user_agent: get(&m.user_agent),
            status,
            request_headers,
            request_body: get(&m.request_body),
            response_headers,
            response_body: get(&m.response_body),
            account: get(&m.account),
            waf_action: get(&m.waf_action).and_then(|a| parse_waf_action(&a)),
            waf_rule: get(&m.waf_rule),
        })
    }
}

impl super::LineFormat for WafParser {
    fn parse(&self, frame: &[u8]) -> Result<Record, String> {
        match serde_json::from_slice::<Value>(frame) {
            Ok(Value::Object(obj)) => self.parse_object(&obj),
            Ok(_) => Err("not a JSON object".into()),
            Err(e) => Err(format!(
                "not JSON: {} at column {}",
                super::native::strip_position(&e),
                e.column()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::LineFormat;

    const LINE: &str = r#"{"time":"2024-05-01T10:00:00+08:00","host":"Pay.Example.com","request_method":"POST","request_path":"/api/pay","querystring":"order=9","real_client_ip":"198.51.100.23","src_ip":"10.0.0.2","status":"403","http_user_agent":"sqlmap/1.7","http_cookie":"sid=abc","content_type":"application/json","https":"true","request_body":"{\"card\":\"4111\"}","response_headers":{"Content-Type":"text/html"},"final_action":"block","final_rule_type":"sqli","final_plugin":"waf"}"#;

    fn parser() -> WafParser {
        WafParser::new(WafMapping::default()).unwrap()
    }

    #[test]
    fn default_mapping() {
        let r = parser().parse(LINE.as_bytes()).unwrap();
        assert_eq!(r.time_ms, 1_714_528_800_000);
        assert_eq!(r.host, "pay.example.com");
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/api/pay"));
        assert_eq!(r.query.as_deref(), Some("order=9"));
        assert_eq!(r.client_ip.to_string(), "198.51.100.23");
        assert_eq!(r.status, 403);
        assert_eq!(r.scheme.as_deref(), Some("https"));
        assert_eq!(r.user_agent.as_deref(), Some("sqlmap/1.7"));
        assert_eq!(r.request_header("cookie"), Some("sid=abc"));
        assert_eq!(r.response_header("content-type"), Some("text/html"));
        assert_eq!(r.waf_action, Some(WafAction::Block));
        assert_eq!(r.waf_rule.as_deref(), Some("sqli"));
    }

    #[test]
    fn fallbacks_and_rejections() {
        let mut v: Value = serde_json::from_str(LINE).unwrap();
        v["real_client_ip"] = "-".into();
        v["time"] = 1_714_528_800.into();
        let r = parser().parse(v.to_string().as_bytes()).unwrap();
        assert_eq!(r.client_ip.to_string(), "10.0.0.2");
        assert_eq!(r.time_ms, 1_714_528_800_000);
        v["src_ip"] = "nope".into();
        assert_eq!(
            parser().parse(v.to_string().as_bytes()).unwrap_err(),
            r#"field `src_ip`: not an IP address: "nope""#
        );
        let mut w: Value = serde_json::from_str(LINE).unwrap();
        w.as_object_mut().unwrap().remove("status");
        assert_eq!(
            parser().parse(w.to_string().as_bytes()).unwrap_err(),
            "missing field `status` (or `upstream_status`)"
        );
        let mut w: Value = serde_json::from_str(LINE).unwrap();
        w.as_object_mut().unwrap().remove("time");
        w["request_time_msec"] = 35.into();
        assert!(parser()
            .parse(w.to_string().as_bytes())
            .unwrap_err()
            .starts_with("field `request_time_msec`: not an epoch time"));
        assert_eq!(parser().parse(b"[1]").unwrap_err(), "not a JSON object");
        assert!(parser().parse(b"{").unwrap_err().starts_with("not JSON"));
    }

    #[test]
    fn custom_mapping_from_toml() {
        let m = WafMapping::from_toml_str(
            r#"
            client_ip = "attacker.ip"
            path = ["uri_path"]
            request_headers = "req.hdrs"
            [request_header_fields]
            x-api-key = "api_key"
            "#,
        )
        .unwrap();
        assert_eq!(m.host, WafMapping::default().host);
        let p = WafParser::new(m).unwrap();
        let r = p
            .parse(br#"{"time":"2024-05-01T00:00:00Z","host":"h","method":"GET","uri_path":"/a?b=2","attacker":{"ip":"2001:db8::5"},"status":200,"req":{"hdrs":"Accept: */*\nX-Trace: 1"},"api_key":"k1"}"#)
            .unwrap();
        assert_eq!(r.client_ip.to_string(), "2001:db8::5");
        assert_eq!((r.path.as_str(), r.query.as_deref()), ("/a", Some("b=2")));
        assert_eq!(r.request_header("x-trace"), Some("1"));
        assert_eq!(r.request_header("x-api-key"), Some("k1"));
        assert!(WafMapping::from_toml_str("nonsense = 1").is_err());
        assert!(WafParser::new(WafMapping::from_toml_str("status = []").unwrap()).is_err());
    }

    #[test]
    fn actions() {
        assert_eq!(parse_waf_action("captcha_pass"), Some(WafAction::Pass));
        assert_eq!(parse_waf_action("BLOCK"), Some(WafAction::Block));
        assert_eq!(parse_waf_action("monitor"), Some(WafAction::Monitor));
        assert_eq!(parse_waf_action("weird"), None);
    }
}
