//! GraphQL and JSON-RPC operations: one API per operation name.
//!
//! Both protocols send every call to one URL, so the URL alone would make one API out of a whole
//! application. The operation is appended to the path template after `#`
//! (`/graphql#GetViewer`, `/mcp#tools/call`), which keeps `path` a template and gives one
//! inventory entry per operation. The OpenAPI export folds them back into their URL.

use crate::exchange::Exchange;
use serde_json::Value;

/// Longest operation name kept; longer or odd names become `anonymous`.
const MAX_OP_LEN: usize = 64;

fn clean(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_OP_LEN
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'-' | b':'));
    ok.then(|| name.to_string())
}

/// The name of a GraphQL document's first operation: `query GetUser(...)` -> `GetUser`; an
/// anonymous `{ viewer { login } }` -> its first field, `viewer`.
pub fn graphql_operation(query: &str) -> Option<String> {
    let q = strip_comments(query);
    let mut toks = q
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty());
    let trimmed = q.trim_start();
    if trimmed.starts_with('{') {
        return toks.next().and_then(clean);
    }
    let first = toks.next()?;
    if matches!(first, "query" | "mutation" | "subscription") {
        // `query {` (anonymous) or `query Name`
        let after = trimmed[first.len()..].trim_start();
        if after.starts_with('{') || after.starts_with('(') {
            return toks.next().and_then(clean);
        }
        return toks.next().and_then(clean);
    }
    if first == "fragment" {
        // A document may start with fragments; look for the first operation keyword.
        let pos = ["query ", "mutation ", "subscription "]
            .iter()
            .filter_map(|k| q.find(k))
            .min()?;
        return graphql_operation(&q[pos..]);
    }
    None
}

fn strip_comments(q: &str) -> String {
    q.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn looks_like_graphql(q: &str) -> bool {
    let t = q.trim_start();
    t.starts_with('{')
        || t.starts_with("query")
        || t.starts_with("mutation")
        || t.starts_with("subscription")
        || t.starts_with("fragment")
}

/// Which protocol an exchange speaks, with its operation name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    GraphQl(String),
    JsonRpc(String),
}

impl Operation {
    pub fn name(&self) -> &str {
        match self {
            Operation::GraphQl(n) | Operation::JsonRpc(n) => n,
        }
    }
}

fn from_object(v: &Value, graphql_path: bool) -> Option<Operation> {
    let obj = v.as_object()?;
    if obj.contains_key("jsonrpc")
        || (obj.contains_key("method") && obj.contains_key("id") && obj.contains_key("params"))
    {
        let m = obj.get("method")?.as_str()?;
        return Some(Operation::JsonRpc(
            clean(m).unwrap_or_else(|| "anonymous".into()),
        ));
    }
    let query = obj.get("query").and_then(Value::as_str);
    let is_gql = match query {
        Some(q) => graphql_path || looks_like_graphql(q),
        None => {
            graphql_path && (obj.contains_key("operationName") || obj.contains_key("extensions"))
        }
    };
    if !is_gql {
        return None;
    }
    let name = obj
        .get("operationName")
        .and_then(Value::as_str)
        .and_then(clean)
        .or_else(|| query.and_then(graphql_operation))
        .unwrap_or_else(|| "anonymous".into());
    Some(Operation::GraphQl(name))
}

/// The GraphQL or JSON-RPC operation of a request, if it is one.
pub fn operation(ex: &Exchange) -> Option<Operation> {
    let r = ex.record;
    let graphql_path = r
        .path
        .rsplit('/')
        .find(|s| !s.is_empty())
        .is_some_and(|s| s.to_ascii_lowercase().contains("graphql"));
    let body = r.request_body.as_deref().map(str::trim_start).unwrap_or("");
    if body.starts_with('{') || body.starts_with('[') {
        if let Some(v) = ex.request_json() {
            let first = match v {
                Value::Array(items) => items.first(),
                other => Some(other),
            };
            if let Some(op) = first.and_then(|v| from_object(v, graphql_path)) {
                return Some(op);
            }
        }
    }
    if graphql_path {
        // GET /graphql?query=...&operationName=...
        let name = ex
            .query()
            .iter()
            .find(|(k, _)| k == "operationName")
            .and_then(|(_, v)| clean(v))
            .or_else(|| {
                ex.query()
                    .iter()
                    .find(|(k, _)| k == "query")
                    .and_then(|(_, q)| graphql_operation(q))
            });
        if let Some(n) = name {
            return Some(Operation::GraphQl(n));
        }
        if let Some(q) = body
            .strip_prefix("query")
            .filter(|_| r.request_content_type().as_deref() == Some("application/graphql"))
        {
            return graphql_operation(&format!("query{q}")).map(Operation::GraphQl);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_names() {
        assert_eq!(
            graphql_operation("query GetUser($id: ID!) { user(id: $id) { name } }").as_deref(),
            Some("GetUser")
        );
        assert_eq!(
            graphql_operation("mutation { addStar(input: {}) { x } }").as_deref(),
            Some("addStar")
        );
        assert_eq!(
            graphql_operation("{ viewer { login } }").as_deref(),
            Some("viewer")
        );
        assert_eq!(
            graphql_operation("# c\nquery Q { a }").as_deref(),
            Some("Q")
        );
        assert_eq!(
            graphql_operation("fragment F on User { id } query Main { me { ...F } }").as_deref(),
            Some("Main")
        );
        assert_eq!(graphql_operation("select * from users"), None);
    }
}
