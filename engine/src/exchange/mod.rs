//! `Exchange`: a `Record` with its request and response parsed once (query, form, JSON, cookies),
//! so that detectors share one parse instead of each re-parsing the bodies.
//! Parsing is lazy: a detector that never looks at the response JSON costs nothing for it.

pub mod path_words;
pub mod response_words;
mod word_groups;

use crate::record::Record;
pub use path_words::PathWords;
pub use response_words::ResponseWords;
use serde_json::Value;
use std::cell::OnceCell;

/// Where a parameter was seen.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    Path,
    Query,
    Form,
    Json,
    Header,
    Cookie,
}

impl ParamLocation {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Form => "form",
            ParamLocation::Json => "json",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// One request parameter: `name` is the leaf name (`phone`), `field` the full path
/// (`user.contacts[].phone` for JSON, the name itself elsewhere).
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub location: ParamLocation,
    pub name: String,
    pub field: String,
    pub value: String,
    /// The JSON kind for JSON leaves (`string`, `number`, `boolean`, `null`); `string` elsewhere.
    pub kind: &'static str,
}

/// `s` cut to at most `max` bytes, at a character boundary: the bounded prefix detectors
/// scan of bodies that may be huge.
pub fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Upper bound on JSON leaves flattened per body: hostile or huge bodies stay cheap.
pub const MAX_JSON_LEAVES: usize = 4096;

pub struct Exchange<'a> {
    pub record: &'a Record,
    query: OnceCell<Vec<(String, String)>>,
    form: OnceCell<Vec<(String, String)>>,
    request_json: OnceCell<Option<Value>>,
    response_json: OnceCell<Option<Value>>,
    cookies: OnceCell<Vec<(String, String)>>,
    params: OnceCell<Vec<Param>>,
    path_lower: OnceCell<String>,
    path_words: OnceCell<PathWords>,
    response_words: OnceCell<ResponseWords>,
}

impl<'a> Exchange<'a> {
    pub fn new(record: &'a Record) -> Self {
        Exchange {
            record,
            query: OnceCell::new(),
            form: OnceCell::new(),
            request_json: OnceCell::new(),
            response_json: OnceCell::new(),
            cookies: OnceCell::new(),
            params: OnceCell::new(),
            path_lower: OnceCell::new(),
            path_words: OnceCell::new(),
            response_words: OnceCell::new(),
        }
    }

    /// The request path in ASCII lower case: risk and event detectors look for words in it.
    pub fn path_lower(&self) -> &str {
        self.path_lower
            .get_or_init(|| self.record.path.to_ascii_lowercase())
    }

    /// The detectors' word groups found in the lower-cased path (see [`path_words`]).
    pub fn path_words(&self) -> PathWords {
        *self
            .path_words
            .get_or_init(|| path_words::find(self.path_lower()))
    }

    /// The detectors' signature word groups found in the response body (see
    /// [`response_words`]).
    pub fn response_words(&self) -> ResponseWords {
        *self.response_words.get_or_init(|| {
            response_words::find(self.record.response_body.as_deref().unwrap_or(""))
        })
    }

    /// Decoded query string pairs.
    pub fn query(&self) -> &[(String, String)] {
        self.query.get_or_init(|| match &self.record.query {
            Some(q) if !q.is_empty() => parse_urlencoded(q),
            _ => Vec::new(),
        })
    }

    /// Decoded `application/x-www-form-urlencoded` body pairs (also tried on bodies that look
    /// like `a=b&c=d` without a content type, as many logs drop headers).
    pub fn form(&self) -> &[(String, String)] {
        self.form.get_or_init(|| {
            let Some(body) = self.record.request_body.as_deref() else {
                return Vec::new();
            };
            let ct = self.record.request_content_type();
            let is_form = match ct.as_deref() {
                Some("application/x-www-form-urlencoded") => true,
                Some(_) => false,
                None => looks_like_form(body),
            };
            if is_form {
                parse_urlencoded(body)
            } else {
                Vec::new()
            }
        })
    }

    /// The request body as JSON, when it is JSON.
    pub fn request_json(&self) -> Option<&Value> {
        self.request_json
            .get_or_init(|| parse_json_body(self.record.request_body.as_deref()))
            .as_ref()
    }

    /// The response body as JSON, when it is JSON.
    pub fn response_json(&self) -> Option<&Value> {
        self.response_json
            .get_or_init(|| parse_json_body(self.record.response_body.as_deref()))
            .as_ref()
    }

    /// Request cookies (`Cookie` header), name and raw value.
    pub fn cookies(&self) -> &[(String, String)] {
        self.cookies.get_or_init(|| {
            self.record
                .request_headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
                .flat_map(|(_, v)| v.split(';'))
                .filter_map(|kv| {
                    let (k, v) = kv.split_once('=')?;
                    let k = k.trim();
                    (!k.is_empty()).then(|| (k.to_string(), v.trim().to_string()))
                })
                .collect()
        })
    }

    /// Every request parameter: query, form, JSON body leaves, then cookies (last, so that
    /// [`Exchange::request_params_without_cookies`] is a prefix). Built once per exchange:
    /// discovery, the risk, event and attack detectors and logon interpretation all read it.
    pub fn request_params(&self) -> &[Param] {
        self.params.get_or_init(|| {
            let mut out = Vec::new();
            for (k, v) in self.query() {
                out.push(simple_param(ParamLocation::Query, k, v));
            }
            for (k, v) in self.form() {
                out.push(simple_param(ParamLocation::Form, k, v));
            }
            if let Some(json) = self.request_json() {
                flatten_json(json, &mut out);
            }
            for (k, v) in self.cookies() {
                out.push(simple_param(ParamLocation::Cookie, k, v));
            }
            out
        })
    }

    /// Query, form and JSON body parameters (cookies excluded).
    pub fn request_params_without_cookies(&self) -> &[Param] {
        let all = self.request_params();
        let cookies = all
            .iter()
            .rev()
            .take_while(|p| p.location == ParamLocation::Cookie)
            .count();
        &all[..all.len() - cookies]
    }

    /// First value of a named query, form or top-level JSON parameter (case-insensitive name).
    pub fn param(&self, name: &str) -> Option<String> {
        if let Some((_, v)) = self
            .query()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            return Some(v.clone());
        }
        if let Some((_, v)) = self
            .form()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            return Some(v.clone());
        }
        if let Some(Value::Object(map)) = self.request_json() {
            for (k, v) in map {
                if k.eq_ignore_ascii_case(name) {
                    return Some(json_scalar(v));
                }
            }
        }
        None
    }
}

fn simple_param(location: ParamLocation, k: &str, v: &str) -> Param {
    Param {
        location,
        name: k.to_string(),
        field: k.to_string(),
        value: v.to_string(),
        kind: "string",
    }
}

/// Percent-decoded `a=b&c=d` pairs (`+` is a space).
pub fn parse_urlencoded(s: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn looks_like_form(body: &str) -> bool {
    let b = body.trim_start();
    !b.is_empty()
        && !b.starts_with('{')
        && !b.starts_with('[')
        && !b.starts_with('<')
        && b.contains('=')
        && !b.contains('\n')
        && b.split('&')
            .all(|kv| kv.contains('=') && !kv.starts_with('='))
}

fn parse_json_body(body: Option<&str>) -> Option<Value> {
    let b = body?.trim_start();
    if b.starts_with('{') || b.starts_with('[') {
        serde_json::from_str(b).ok()
    } else {
        None
    }
}

/// String form of a JSON scalar (strings unquoted); containers as compact JSON.
pub fn json_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Flattens a JSON document into leaf parameters with paths like `user.tags[].name`.
pub fn flatten_json(v: &Value, out: &mut Vec<Param>) {
    let start = out.len();
    walk_json(v, &mut String::new(), "", out, start);
}

fn walk_json(v: &Value, path: &mut String, name: &str, out: &mut Vec<Param>, start: usize) {
    if out.len() - start >= MAX_JSON_LEAVES {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                walk_json(child, path, k, out, start);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            let len = path.len();
            path.push_str("[]");
            for child in items {
                walk_json(child, path, name, out, start);
            }
            path.truncate(len);
        }
        scalar => out.push(Param {
            location: ParamLocation::Json,
            name: name.to_string(),
            field: path.clone(),
            value: json_scalar(scalar),
            kind: json_kind(scalar),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn rec(query: Option<&str>, body: Option<&str>, ct: Option<&str>) -> Record {
        let mut headers = vec![("cookie".to_string(), "sid=abc; pw=secret".to_string())];
        if let Some(ct) = ct {
            headers.push(("content-type".into(), ct.into()));
        }
        Record {
            time_ms: 0,
            host: "h".into(),
            method: "POST".into(),
            path: "/".into(),
            query: query.map(Into::into),
            scheme: None,
            client_ip: "10.0.0.1".parse().unwrap(),
            user_agent: None,
            status: 200,
            request_headers: headers,
            request_body: body.map(Into::into),
            response_headers: vec![],
            response_body: Some(r#"{"data":[{"phone":"13800138000"}]}"#.into()),
            account: None,
            waf_action: None,
            waf_rule: None,
        }
    }

    #[test]
    fn parses_all_parameter_sources() {
        let r = rec(
            Some("a=1&b=hello%20world"),
            Some(r#"{"user":{"name":"x","tags":[{"id":3}]}}"#),
            Some("application/json"),
        );
        let ex = Exchange::new(&r);
        let params = ex.request_params();
        let fields: Vec<_> = params
            .iter()
            .map(|p| (p.location, p.field.as_str()))
            .collect();
        assert!(fields.contains(&(ParamLocation::Query, "b")));
        assert!(fields.contains(&(ParamLocation::Json, "user.name")));
        assert!(fields.contains(&(ParamLocation::Json, "user.tags[].id")));
        assert!(fields.contains(&(ParamLocation::Cookie, "pw")));
        // Built once: a second call hands out the same list.
        assert!(std::ptr::eq(params, ex.request_params()));
        let without = ex.request_params_without_cookies();
        assert_eq!(without.len(), params.len() - 2, "two cookies: sid and pw");
        assert!(without.iter().all(|p| p.location != ParamLocation::Cookie));
        assert_eq!(ex.param("B").as_deref(), Some("hello world"));
        assert!(ex.response_json().is_some());
    }

    #[test]
    fn form_without_content_type_is_sniffed() {
        let r = rec(None, Some("username=bob&password=123456"), None);
        let ex = Exchange::new(&r);
        assert_eq!(ex.param("password").as_deref(), Some("123456"));
        let r = rec(None, Some("just some text"), None);
        assert!(Exchange::new(&r).form().is_empty());
    }
}
