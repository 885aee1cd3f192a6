//! Parameters of one request with their value types and masked examples: path variables (from
//! the template), query, form and JSON body fields, and headers that carry credentials.

use super::{auth, segment, ParamObservation};
use crate::exchange::{Exchange, ParamLocation};
use crate::facts::ApiKey;
use crate::sensitive::mask;

/// Parameters kept per request.
pub const MAX_PARAMS: usize = 64;
/// Longest example value masked (longer values are cut first).
const MAX_EXAMPLE: usize = 64;

/// The observed type of a value: `integer`, `number`, `boolean`, `null`, `uuid`, `date`,
/// `datetime`, `email`, `phone`, `url`, `ip`, `jwt`, `hex`, `token` or `string`.
pub fn value_type(v: &str, json_kind: &str) -> &'static str {
    match json_kind {
        "number" => {
            return if v.contains(['.', 'e', 'E']) {
                "number"
            } else {
                "integer"
            }
        }
        "boolean" => return "boolean",
        "null" => return "null",
        _ => {}
    }
    let t = v.trim();
    if t.is_empty() {
        return "string";
    }
    if t.starts_with("http://") || t.starts_with("https://") {
        return "url";
    }
    if t.parse::<std::net::IpAddr>().is_ok() {
        return "ip";
    }
    if auth::is_jwt(t) {
        return "jwt";
    }
    if matches!(t, "true" | "false") {
        return "boolean";
    }
    if t.len() >= 19
        && t.get(..10)
            .is_some_and(|d| segment::classify(d) == segment::SegKind::Date)
        && t.as_bytes()[10] == b'T'
    {
        return "datetime";
    }
    if t.parse::<f64>().is_ok() && t.contains('.') {
        return "number";
    }
    match segment::classify(t) {
        segment::SegKind::Integer => "integer",
        segment::SegKind::Uuid => "uuid",
        segment::SegKind::Date => "date",
        segment::SegKind::Email => "email",
        segment::SegKind::Phone => "phone",
        segment::SegKind::Hex => "hex",
        segment::SegKind::Token => "token",
        _ => "string",
    }
}

fn example(v: &str) -> String {
    // No more bytes than the limit: no more characters either, nothing to cut.
    let cut = if v.len() <= MAX_EXAMPLE {
        v
    } else {
        v.char_indices()
            .nth(MAX_EXAMPLE)
            .map_or(v, |(i, _)| &v[..i])
    };
    mask(0, cut)
}

/// Calls `f(name, value)` for each of the template's variables, aligned with the request path
/// (nothing when the two do not align). Borrowed: it runs for every exchange.
pub fn path_params(template: &str, path: &str, mut f: impl FnMut(&str, &str)) {
    let tpl = template.split('#').next().unwrap_or("");
    let t = tpl.split('/').filter(|s| !s.is_empty());
    let p = segment::split_path(path, 64);
    if t.clone().count() != p.len() {
        return;
    }
    for (ts, ps) in t.zip(&p) {
        if let Some(name) = ts.strip_prefix('{').and_then(|n| n.split('}').next()) {
            f(name, segment::split_extension(ps).0);
        }
    }
}

/// Every parameter of one request (at most [`MAX_PARAMS`]).
pub fn observe(ex: &Exchange, api: &ApiKey) -> Vec<ParamObservation> {
    let mut out = Vec::new();
    path_params(&api.path, &ex.record.path, |name, v| {
        out.push(ParamObservation {
            location: ParamLocation::Path,
            field: name.to_string(),
            value_type: value_type(v, "string"),
            masked_example: example(v),
        })
    });
    for p in ex.request_params() {
        if out.len() >= MAX_PARAMS {
            break;
        }
        if p.location == ParamLocation::Cookie && !auth::is_session_cookie(&p.name) {
            continue;
        }
        out.push(ParamObservation {
            location: p.location,
            field: if p.field.len() <= 200 {
                p.field.clone()
            } else {
                p.field.chars().take(200).collect()
            },
            value_type: value_type(&p.value, p.kind),
            masked_example: example(&p.value),
        });
    }
    for (k, v) in &ex.record.request_headers {
        if out.len() >= MAX_PARAMS {
            break;
        }
        // Readers lower-case header names already; compare without a copy, keep one only for
        // the few credential headers.
        if k.eq_ignore_ascii_case("authorization") || auth::is_api_key_header(k) {
            let k = k.to_ascii_lowercase();
            let scheme_free = v.split_once(' ').map_or(v.as_str(), |(_, r)| r);
            out.push(ParamObservation {
                location: ParamLocation::Header,
                field: k,
                value_type: if auth::is_jwt(scheme_free) {
                    "jwt"
                } else {
                    "token"
                },
                masked_example: example(v),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(value_type("42", "string"), "integer");
        assert_eq!(value_type("4.5", "number"), "number");
        assert_eq!(value_type("7", "number"), "integer");
        assert_eq!(value_type("a@b.com", "string"), "email");
        assert_eq!(value_type("https://x.y/z", "string"), "url");
        assert_eq!(value_type("10.0.0.1", "string"), "ip");
        assert_eq!(value_type("2024-02-01T09:00:00Z", "string"), "datetime");
        assert_eq!(
            value_type("123e4567-e89b-12d3-a456-426614174000", "string"),
            "uuid"
        );
        assert_eq!(value_type("hello", "string"), "string");
        assert_eq!(value_type("true", "boolean"), "boolean");
    }

    #[test]
    fn path_alignment() {
        let params = |template, path| {
            let mut out = Vec::new();
            path_params(template, path, |n, v| out.push(format!("{n}={v}")));
            out
        };
        assert_eq!(
            params(
                "/users/{user_id}/orders/{order_id}.json",
                "/users/42/orders/9.json"
            ),
            ["user_id=42", "order_id=9"]
        );
        assert_eq!(params("/a/{id}#login", "/a/%37"), ["id=7"]);
        assert!(params("/a/{id}", "/a/1/2").is_empty());
    }
}
