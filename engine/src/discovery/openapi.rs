//! OpenAPI 3.1 export of the inventory, and comparison with a team's own description to flag
//! shadow APIs (in the traffic, not in the spec) and zombie APIs (deprecated in the spec but
//! still called, or in the spec and never seen).

use crate::exchange::ParamLocation;
use crate::facts::{ApiKey, ApiSummary, AuthKind};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn schema_for(types: &[String]) -> Value {
    let t = types.first().map(String::as_str).unwrap_or("string");
    match t {
        "integer" => json!({"type": "integer"}),
        "number" => json!({"type": "number"}),
        "boolean" => json!({"type": "boolean"}),
        "null" => json!({"type": "null"}),
        "uuid" => json!({"type": "string", "format": "uuid"}),
        "date" => json!({"type": "string", "format": "date"}),
        "datetime" => json!({"type": "string", "format": "date-time"}),
        "email" => json!({"type": "string", "format": "email"}),
        "url" => json!({"type": "string", "format": "uri"}),
        "ip" => json!({"type": "string", "format": "ip"}),
        other => json!({"type": "string", "x-observed-type": other}),
    }
}

/// Inserts a JSON field path (`user.tags[].name`) into an object schema.
fn insert_field(root: &mut Value, path: &str, leaf: Value) {
    let mut node = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let (name, array) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (*part, false),
        };
        let Some(obj) = node.as_object_mut() else {
            return;
        };
        if obj.get("type") != Some(&json!("object")) {
            obj.insert("type".into(), json!("object"));
        }
        let props = obj.entry("properties").or_insert_with(|| json!({}));
        let Some(props) = props.as_object_mut() else {
            return;
        };
        let next = if name.is_empty() { return } else { name };
        let child = props.entry(next.to_string()).or_insert_with(|| {
            if array {
                json!({"type": "array", "items": {}})
            } else if last {
                leaf.clone()
            } else {
                json!({"type": "object"})
            }
        });
        node = if array {
            let items = child.as_object_mut().and_then(|o| o.get_mut("items"));
            match items {
                Some(i) => {
                    if last && i.as_object().is_some_and(|o| o.is_empty()) {
                        *i = leaf.clone();
                    }
                    i
                }
                None => return,
            }
        } else {
            child
        };
        if last {
            return;
        }
    }
}

fn scheme_name(k: AuthKind) -> &'static str {
    match k {
        AuthKind::CookieSession => "cookieSession",
        AuthKind::BearerJwt => "bearerJwt",
        AuthKind::BearerToken => "bearerToken",
        AuthKind::Basic => "basic",
        AuthKind::ApiKeyHeader => "apiKeyHeader",
        AuthKind::ApiKeyQuery => "apiKeyQuery",
    }
}

fn scheme(k: AuthKind, api: &ApiSummary) -> Value {
    let param = |loc: ParamLocation| {
        api.params
            .iter()
            .find(|p| {
                p.location == loc && (loc != ParamLocation::Header || p.field != "authorization")
            })
            .map(|p| p.field.clone())
    };
    match k {
        AuthKind::CookieSession => {
            json!({"type": "apiKey", "in": "cookie", "name": param(ParamLocation::Cookie).unwrap_or_else(|| "session".into())})
        }
        AuthKind::BearerJwt => json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
        AuthKind::BearerToken => json!({"type": "http", "scheme": "bearer"}),
        AuthKind::Basic => json!({"type": "http", "scheme": "basic"}),
        AuthKind::ApiKeyHeader => {
            json!({"type": "apiKey", "in": "header", "name": param(ParamLocation::Header).unwrap_or_else(|| "authorization".into())})
        }
        AuthKind::ApiKeyQuery => json!({"type": "apiKey", "in": "query", "name": "api_key"}),
    }
}

/// The inventory of one host as an OpenAPI 3.1 document: paths with their path, query and
/// credential-header parameters, observed request body schemas, response status codes and
/// content types, and the security schemes seen. GraphQL and JSON-RPC operations
/// (`/graphql#Op`) are listed under their URL with `x-operations`.
pub fn export(host: &str, apis: &[ApiSummary]) -> Value {
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut schemes = Map::new();
    let mut ops_by_url: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for api in apis.iter().filter(|a| a.key.host == host) {
        let (url, op) = match api.key.path.split_once('#') {
            Some((u, o)) => (u.to_string(), Some(o.to_string())),
            None => (api.key.path.clone(), None),
        };
        let method = api.key.method.to_ascii_lowercase();
        if let Some(o) = op {
            ops_by_url
                .entry((url.clone(), method.clone()))
                .or_default()
                .push(o);
        }
        let mut parameters = Vec::new();
        let mut body = json!({"type": "object"});
        let mut has_body = false;
        for p in &api.params {
            let (loc, required) = match p.location {
                ParamLocation::Path => ("path", true),
                ParamLocation::Query => ("query", false),
                ParamLocation::Header if p.field != "authorization" => ("header", false),
                ParamLocation::Json | ParamLocation::Form => {
                    insert_field(&mut body, &p.field, schema_for(&p.types));
                    has_body = true;
                    continue;
                }
                _ => continue,
            };
            parameters.push(json!({
                "name": p.field, "in": loc, "required": required,
                "schema": schema_for(&p.types), "example": p.example,
            }));
        }
        // Path parameters the traffic never showed a value for still have to be declared.
        for seg in url.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.split('}').next()) {
                if !parameters
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path")
                {
                    parameters.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
                }
            }
        }
        let mut responses = Map::new();
        let content: Map<String, Value> = api
            .response_content_types
            .keys()
            .map(|ct| (ct.clone(), json!({})))
            .collect();
        for (status, n) in &api.statuses {
            let mut r = json!({"description": format!("observed {n} times")});
            if (200..300).contains(status) && !content.is_empty() {
                r["content"] = Value::Object(content.clone());
            }
            responses.insert(status.to_string(), r);
        }
        if responses.is_empty() {
            responses.insert("default".into(), json!({"description": "not observed"}));
        }
        let mut operation = json!({
            "parameters": parameters,
            "responses": responses,
            "x-calls": api.calls,
            "x-first-seen": crate::record::format_time(api.first_seen_ms),
            "x-last-seen": crate::record::format_time(api.last_seen_ms),
            "x-purposes": api.purposes,
            "x-service-object": api.service_object.as_str(),
            "x-sensitivity": api.sensitivity.as_str(),
        });
        if has_body {
            let ct = if api.params.iter().any(|p| p.location == ParamLocation::Json) {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            };
            operation["requestBody"] = json!({"content": {ct: {"schema": body}}});
        }
        if !api.auth.is_empty() {
            let sec: Vec<Value> = api
                .auth
                .iter()
                .map(|k| json!({ scheme_name(*k): [] }))
                .collect();
            operation["security"] = Value::Array(sec);
            for k in &api.auth {
                schemes.insert(scheme_name(*k).into(), scheme(*k, api));
            }
        }
        let item = paths.entry(url).or_default();
        if !item.contains_key(&method) {
            item.insert(method, operation);
        }
    }
    for ((url, method), ops) in ops_by_url {
        if let Some(op) = paths.get_mut(&url).and_then(|i| i.get_mut(&method)) {
            op["x-operations"] = json!(ops);
        }
    }
    let paths: Map<String, Value> = paths
        .into_iter()
        .map(|(k, v)| (k, Value::Object(v)))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {"title": format!("{host} (discovered by apisec)"), "version": "observed"},
        "servers": [{"url": format!("https://{host}")}],
        "paths": paths,
        "components": {"securitySchemes": schemes},
    })
}

/// One operation of an imported spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpecOperation {
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
    pub deprecated: bool,
}

/// Spec versus traffic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// In the traffic, not in the spec.
    pub shadow: Vec<ApiKey>,
    /// Deprecated in the spec, still called.
    pub zombie_deprecated: Vec<SpecOperation>,
    /// In the spec, never seen.
    pub zombie_unseen: Vec<SpecOperation>,
    pub matched: Vec<(SpecOperation, ApiKey)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("the spec is neither JSON nor YAML: {0}")]
    Parse(String),
    #[error("the spec has no `paths` object")]
    NoPaths,
}

fn parse(text: &str) -> Result<Value, SpecError> {
    let t = text.trim_start();
    if t.starts_with('{') {
        return serde_json::from_str(t).map_err(|e| SpecError::Parse(e.to_string()));
    }
    serde_yaml::from_str::<Value>(text).map_err(|e| SpecError::Parse(e.to_string()))
}

fn norm_segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with('{') && s.contains('}') && !s.ends_with('}') {
                // `{id}.json`
                format!("{{}}{}", &s[s.find('}').map_or(s.len(), |i| i + 1)..]).to_ascii_lowercase()
            } else if s.starts_with('{') {
                "{}".to_string()
            } else {
                s.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Server base paths of the spec (`/v3` for `https://x/v3`), always with `""`.
fn base_paths(spec: &Value) -> Vec<String> {
    let mut out = vec![String::new()];
    for s in spec["servers"].as_array().into_iter().flatten() {
        if let Some(u) = s["url"].as_str() {
            let after = u.split_once("://").map_or(u, |(_, r)| r);
            let path = if u.contains("://") {
                after.find('/').map_or("", |i| &after[i..])
            } else {
                u
            };
            let p = path.trim_end_matches('/');
            if !p.is_empty() && !out.iter().any(|x| x == p) {
                out.push(p.to_string());
            }
        }
    }
    if let Some(b) = spec["basePath"].as_str() {
        let b = b.trim_end_matches('/');
        if !b.is_empty() {
            out.push(b.to_string());
        }
    }
    out
}

fn matches(spec: &[String], ours: &[String]) -> Option<u32> {
    if spec.len() != ours.len() {
        return None;
    }
    let mut exact = 0;
    for (s, o) in spec.iter().zip(ours) {
        if s == o {
            exact += 1;
        } else if s.starts_with("{}")
            && s[2..]
                == *o
                    .get(o.find('}').map_or(o.len(), |i| i + 1)..)
                    .unwrap_or("")
        {
            // a spec variable matches any value of ours
        } else if s.starts_with("{}") && !o.starts_with('{') {
            // a spec variable matches a literal we did not merge
        } else {
            return None;
        }
    }
    Some(exact)
}

/// Compares a team's own spec (OpenAPI 2 or 3, JSON or YAML) with the discovered APIs.
pub fn compare(spec_text: &str, apis: &[ApiSummary]) -> Result<Comparison, SpecError> {
    let spec = parse(spec_text)?;
    let paths = spec["paths"].as_object().ok_or(SpecError::NoPaths)?;
    let bases = base_paths(&spec);
    let mut ops: Vec<(SpecOperation, Vec<Vec<String>>)> = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let m = method.to_ascii_uppercase();
            if !matches!(
                m.as_str(),
                "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE"
            ) {
                continue;
            }
            let forms = bases
                .iter()
                .map(|b| norm_segments(&format!("{b}{path}")))
                .collect();
            ops.push((
                SpecOperation {
                    method: m,
                    path: path.clone(),
                    operation_id: op["operationId"].as_str().map(String::from),
                    deprecated: op["deprecated"].as_bool().unwrap_or(false),
                },
                forms,
            ));
        }
    }
    let mut out = Comparison::default();
    let mut seen = vec![false; ops.len()];
    for api in apis {
        let url = api.key.path.split('#').next().unwrap_or("");
        let ours = norm_segments(url);
        let best = ops
            .iter()
            .enumerate()
            .filter(|(_, (o, _))| o.method.eq_ignore_ascii_case(&api.key.method))
            .filter_map(|(i, (_, forms))| {
                forms
                    .iter()
                    .filter_map(|f| matches(f, &ours))
                    .max()
                    .map(|s| (s, i))
            })
            .max();
        match best {
            Some((_, i)) => {
                seen[i] = true;
                out.matched.push((ops[i].0.clone(), api.key.clone()));
            }
            None => out.shadow.push(api.key.clone()),
        }
    }
    for (i, (op, _)) in ops.into_iter().enumerate() {
        if !seen[i] {
            out.zombie_unseen.push(op);
        } else if op.deprecated {
            out.zombie_deprecated.push(op);
        }
    }
    out.zombie_unseen.sort();
    out.zombie_deprecated.sort();
    out.shadow.sort();
    Ok(out)
}
