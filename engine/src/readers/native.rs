//! Native JSON Lines (`shared/contracts/native-log-format.md`, `docs/formats/native.md`).
//!
//! The hot path of `apisec analyze`: one `serde_json::from_slice` over the line bytes into a
//! borrowing struct (strings without escapes are not copied twice), headers straight into a
//! `Vec` with lower-cased names, custom visitors for the fields that need conversion. Only a
//! line that fails is parsed a second time, with `serde_path_to_error`, to name the field.

use super::normalize::{self, quote};
use super::waf::parse_waf_action;
use super::Route;
use crate::record::{Headers, Record};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

/// Parses one native JSON line (text form of [`parse_native`]).
pub fn parse_native_line(line: &str) -> Result<Record, String> {
    parse_native(line.as_bytes())
}

/// Parses one native JSON line (or JSON object) into a record.
pub fn parse_native(line: &[u8]) -> Result<Record, String> {
    // Validating the line's UTF-8 once lets serde_json take its strings without checking each
    // again (those checks were a fifth of the parse); a line that is not UTF-8 takes the byte
    // path, whose error names the offending string.
    let parsed = match simdutf8::basic::from_utf8(line) {
        Ok(text) => serde_json::from_str::<NativeLine>(text),
        Err(_) => serde_json::from_slice::<NativeLine>(line),
    };
    match parsed {
        Ok(n) => n.into_record(),
        Err(e) => Err(explain(line, e)),
    }
}

/// The route of one native line for pass 1 of the analysis (path templates): only `method`,
/// `host` and `path` are decoded; bodies and headers are skipped unparsed
/// ([`super::native_route`]), which is several times cheaper than a full record. `None` where the full parse would reject the line for a
/// missing or empty route field or a missing `time`, `client_ip` or `status` (other malformed
/// values are only caught by the full parse of pass 2).
pub fn parse_native_route(line: &[u8]) -> Option<Route> {
    let n = super::native_route::scan(line)?;
    let host = normalize::normalize_host(&n.host);
    let method = normalize::normalize_method(&n.method);
    if host.is_empty() || method.is_empty() {
        return None;
    }
    let path = if is_origin_form(&n.path) {
        n.path.into_owned()
    } else {
        normalize::split_target(&n.path).path
    };
    Some(Route { method, host, path })
}

/// The common case of a native `path`: an origin-form path with no query or fragment to split
/// off.
fn is_origin_form(path: &str) -> bool {
    path.starts_with('/') && !path.contains(['?', '#'])
}

/// A rejection reason that names the field: `missing field \`status\``,
/// `field \`client_ip\`: not an IP address: "x"`, `not JSON: ... at column 7`.
fn explain(line: &[u8], e: serde_json::Error) -> String {
    use serde_json::error::Category;
    let first = line.iter().find(|b| !b.is_ascii_whitespace()).copied();
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            format!("not JSON: {} at column {}", strip_position(&e), e.column())
        }
        Category::Data if first != Some(b'{') => "not a JSON object".to_string(),
        Category::Data => {
            let de = &mut serde_json::Deserializer::from_slice(line);
            match serde_path_to_error::deserialize::<_, NativeLine>(de) {
                Err(pe) => {
                    let path = pe.path().to_string();
                    let msg = strip_position(pe.inner());
                    if path == "." || path.is_empty() || msg.starts_with("missing field") {
                        msg
                    } else {
                        format!("field `{path}`: {msg}")
                    }
                }
                Ok(_) => strip_position(&e),
            }
        }
    }
}

/// serde_json's message without the ` at line 1 column 12` suffix.
pub(crate) fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) if e.line() > 0 => s[..i].to_string(),
        _ => s,
    }
}

#[derive(Deserialize)]
struct NativeLine<'a> {
    time: Time,
    #[serde(borrow)]
    host: Cow<'a, str>,
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow)]
    path: Cow<'a, str>,
    #[serde(default, borrow)]
    query: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    scheme: Option<Cow<'a, str>>,
    client_ip: Ip,
    #[serde(default)]
    user_agent: Option<String>,
    status: Status,
    #[serde(default)]
    request_headers: Option<HeaderList>,
    #[serde(default)]
    request_body: Option<Body>,
    #[serde(default)]
    response_headers: Option<HeaderList>,
    #[serde(default)]
    response_body: Option<Body>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default, borrow)]
    waf_action: Option<Cow<'a, str>>,
    #[serde(default)]
    waf_rule: Option<String>,
}

impl NativeLine<'_> {
    fn into_record(self) -> Result<Record, String> {
        let host = normalize::normalize_host(&self.host);
        if host.is_empty() {
            return Err("field `host`: empty".into());
        }
        let method = normalize::normalize_method(&self.method);
        if method.is_empty() {
            return Err("field `method`: empty".into());
        }
        let mut scheme = self.scheme.map(|s| s.to_ascii_lowercase());
        let mut query = self
            .query
            .map(|q| q.strip_prefix('?').unwrap_or(&q).to_string())
            .filter(|q| !q.is_empty());
        // The common case: an origin-form path. Otherwise split a query or a full URL off.
        let path = if is_origin_form(&self.path) {
            self.path.into_owned()
        } else {
            let t = normalize::split_target(&self.path);
            if query.is_none() {
                query = t.query;
            }
            if scheme.is_none() {
                scheme = t.scheme;
            }
            t.path
        };
        Ok(Record {
            time_ms: self.time.0,
            host,
            method,
            path,
            query,
            scheme,
            client_ip: self.client_ip.0,
            user_agent: self.user_agent.filter(|u| !u.is_empty()),
            status: self.status.0,
            request_headers: self.request_headers.map(|h| h.0).unwrap_or_default(),
            request_body: self.request_body.map(|b| b.0),
            response_headers: self.response_headers.map(|h| h.0).unwrap_or_default(),
            response_body: self.response_body.map(|b| b.0),
            account: self.account.filter(|a| !a.is_empty()),
            waf_action: self.waf_action.as_deref().and_then(parse_waf_action),
            waf_rule: self.waf_rule.filter(|r| !r.is_empty()),
        })
    }
}

/// `time`: RFC 3339 text, or epoch milliseconds (numbers below 1e11 are epoch seconds).
struct Time(i64);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Time;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 time or epoch milliseconds")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Time, E> {
                normalize::parse_time_text(s).map(Time).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Time, E> {
                self.visit_f64(n as f64)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Time, E> {
                self.visit_f64(n as f64)
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Time, E> {
                normalize::epoch_number_ms(n)
                    .map(Time)
                    .ok_or_else(|| E::custom(format!("not an epoch time: {n}")))
            }
        }
        d.deserialize_any(V)
    }
}

/// `client_ip`: IPv4 or IPv6, a `:port` tolerated.
struct Ip(IpAddr);

impl<'de> Deserialize<'de> for Ip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Ip;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an IP address string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Ip, E> {
                normalize::parse_ip(s)
                    .map(Ip)
                    .ok_or_else(|| E::custom(format!("not an IP address: {}", quote(s))))
            }
        }
        d.deserialize_str(V)
    }
}

/// `status`: an integer from 100 to 999 (a string of digits is accepted too).
struct Status(u16);

fn status_from(n: u64) -> Option<Status> {
    (100..=999).contains(&n).then_some(Status(n as u16))
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Status;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an HTTP status code")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Status, E> {
                status_from(n).ok_or_else(|| E::custom(format!("not an HTTP status code: {n}")))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Status, E> {
                Err(E::custom(format!("not an HTTP status code: {n}")))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Status, E> {
                if n.fract() == 0.0 && n >= 0.0 {
                    return self.visit_u64(n as u64);
                }
                Err(E::custom(format!("not an HTTP status code: {n}")))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Status, E> {
                s.trim()
                    .parse::<u64>()
                    .ok()
                    .and_then(status_from)
                    .ok_or_else(|| E::custom(format!("not an HTTP status code: {}", quote(s))))
            }
        }
        d.deserialize_any(V)
    }
}

/// Headers: an object of name to value (string, number or boolean; an array of strings is a
/// repeated header; null is skipped), names lower-cased, order kept.
struct HeaderList(Headers);

impl<'de> Deserialize<'de> for HeaderList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of header name to value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<HeaderList, E> {
                Ok(HeaderList(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HeaderList, A::Error> {
                let mut out = Vec::new();
                while let Some(NamedHeader(name, value)) = seq.next_element()? {
                    if let Some(v) = value {
                        out.push((name, v));
                    }
                }
                Ok(HeaderList(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HeaderList, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
                while let Some(name) = map.next_key::<Cow<'de, str>>()? {
                    let mut name = name.into_owned();
                    name.make_ascii_lowercase();
                    match map.next_value::<HeaderValue>()? {
                        HeaderValue::One(v) => out.push((name, v)),
                        HeaderValue::Many(vs) => {
                            for v in vs {
                                out.push((name.clone(), v));
                            }
                        }
                        HeaderValue::None => {}
                    }
                }
                Ok(HeaderList(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// One header of a header array: `["Name", "value"]` or `{"name": "Name", "value": "value"}`
/// (HAR style). The name comes out lower-cased.
struct NamedHeader(String, Option<String>);

impl<'de> Deserialize<'de> for NamedHeader {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Pair(String, Option<String>),
            Object {
                name: String,
                #[serde(default)]
                value: Option<String>,
            },
        }
        let (mut name, value) = match Shape::deserialize(d).map_err(|_| {
            de::Error::custom("a header must be [name, value] or {\"name\", \"value\"}")
        })? {
            Shape::Pair(n, v) | Shape::Object { name: n, value: v } => (n, v),
        };
        name.make_ascii_lowercase();
        Ok(NamedHeader(name, value))
    }
}

enum HeaderValue {
    One(String),
    Many(Vec<String>),
    None,
}

impl<'de> Deserialize<'de> for HeaderValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header value (string)")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HeaderValue, E> {
                Ok(HeaderValue::One(s.to_string()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<HeaderValue, E> {
                Ok(HeaderValue::One(s))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<HeaderValue, E> {
                Ok(HeaderValue::One(n.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<HeaderValue, E> {
                Ok(HeaderValue::One(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<HeaderValue, E> {
                Ok(HeaderValue::One(n.to_string()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<HeaderValue, E> {
                Ok(HeaderValue::One(b.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<HeaderValue, E> {
                Ok(HeaderValue::None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HeaderValue, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<HeaderValue>()? {
                    match v {
                        HeaderValue::One(s) => out.push(s),
                        HeaderValue::Many(m) => out.extend(m),
                        HeaderValue::None => {}
                    }
                }
                Ok(HeaderValue::Many(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HeaderValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Err(de::Error::custom(
                    "a header value must be a string, not an object",
                ))
            }
        }
        d.deserialize_any(V)
    }
}

/// A body: a string as is; any other JSON value (an embedded object) as its JSON text.
pub(crate) struct Body(pub String);

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Body;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a body (string or JSON)")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Body, E> {
                Ok(Body(s.to_string()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Body, E> {
                Ok(Body(s))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Body, E> {
                Ok(Body(n.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Body, E> {
                Ok(Body(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Body, E> {
                Ok(Body(n.to_string()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Body, E> {
                Ok(Body(b.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Body, A::Error> {
                let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Body(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Body, A::Error> {
                let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Body(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"time":"2024-05-01T10:00:00+08:00","host":"API.Example.com:443","method":"post","path":"/v1/login","query":"a=1","scheme":"https","client_ip":"203.0.113.7","status":200,"request_headers":{"Content-Type":"application/json","X-Multi":["a","b"],"X-Null":null,"X-Num":5},"request_body":"{\"user\":\"alice\"}","response_headers":{"Set-Cookie":"sid=1"},"response_body":{"ok":true},"account":"alice","waf_action":"Block","waf_rule":"sqli","extra":{"ignored":[1,2]}}"#;

    /// Pass 1 must template exactly the routes pass 2 resolves.
    #[test]
    fn the_route_parse_agrees_with_the_full_parse() {
        let lines = [
            GOOD.to_string(),
            r#"{"time":1714528800000,"host":"shop.example","method":"GET","path":"https://Shop.example:8443/v1/items/42?x=1#top","client_ip":"10.0.0.1","status":"200","response_body":"{\"path\":\"/decoy\"}"}"#.to_string(),
            r#"{"path":"/a\/b?q=1","method":" delete ","status":204,"client_ip":"::1","time":"2024-05-01T10:00:00Z","host":"H.example:80"}"#.to_string(),
        ];
        for line in &lines {
            let full = Route::from(parse_native(line.as_bytes()).unwrap());
            assert_eq!(parse_native_route(line.as_bytes()), Some(full), "{line}");
        }
        assert_eq!(
            parse_native_route(lines[1].as_bytes()).map(|r| r.path),
            Some("/v1/items/42".to_string())
        );
        // Lines the full parse rejects for a missing or empty route field, or a missing
        // required field, template nothing either.
        for bad in [
            r#"{"time":1,"host":"","method":"GET","path":"/","client_ip":"10.0.0.1","status":200}"#,
            r#"{"time":1,"host":"h","method":" ","path":"/","client_ip":"10.0.0.1","status":200}"#,
            r#"{"time":1,"host":"h","method":"GET","path":"/","client_ip":"10.0.0.1"}"#,
            r#"{"host":"h","method":"GET","path":"/","client_ip":"10.0.0.1","status":200}"#,
            r#"{"time":1,"host":"h","method":"GET","client_ip":"10.0.0.1","status":200}"#,
            "not json",
        ] {
            assert!(parse_native(bad.as_bytes()).is_err(), "{bad}");
            assert_eq!(parse_native_route(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn parses_a_full_line() {
        let r = parse_native_line(GOOD).unwrap();
        assert_eq!(r.time_ms, 1_714_528_800_000);
        assert_eq!(r.host, "api.example.com");
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/login");
        assert_eq!(r.query.as_deref(), Some("a=1"));
        assert_eq!(r.client_ip.to_string(), "203.0.113.7");
        assert_eq!(r.status, 200);
        assert_eq!(
            r.request_headers,
            vec![
                ("content-type".to_string(), "application/json".to_string()),
                ("x-multi".to_string(), "a".to_string()),
                ("x-multi".to_string(), "b".to_string()),
                ("x-num".to_string(), "5".to_string()),
            ]
        );
        assert_eq!(r.request_body.as_deref(), Some(r#"{"user":"alice"}"#));
        assert_eq!(r.response_body.as_deref(), Some(r#"{"ok":true}"#));
        assert_eq!(r.response_header("set-cookie"), Some("sid=1"));
        assert_eq!(r.waf_action, Some(crate::record::WafAction::Block));
        assert_eq!(r.account.as_deref(), Some("alice"));
    }

    #[test]
    fn minimal_line_and_path_forms() {
        let r = parse_native_line(
            r#"{"time":1714528800123,"host":"h","method":"GET","path":"/a?b=1","client_ip":"::1","status":"404"}"#,
        )
        .unwrap();
        assert_eq!(r.time_ms, 1_714_528_800_123);
        assert_eq!((r.path.as_str(), r.query.as_deref()), ("/a", Some("b=1")));
        assert_eq!(r.status, 404);
        assert!(r.request_headers.is_empty() && r.user_agent.is_none());
        let r = parse_native_line(
            r#"{"time":1714528800,"host":"h","method":"GET","path":"https://h/x","client_ip":"1.1.1.1","status":200}"#,
        )
        .unwrap();
        assert_eq!(r.time_ms, 1_714_528_800_000);
        assert_eq!(
            (r.path.as_str(), r.scheme.as_deref()),
            ("/x", Some("https"))
        );
    }

    fn reason(line: &str) -> String {
        parse_native_line(line).unwrap_err()
    }

    #[test]
    fn rejections_name_the_field() {
        let base: serde_json::Value = serde_json::from_str(GOOD).unwrap();
        for field in ["time", "host", "method", "path", "client_ip", "status"] {
            let mut v = base.clone();
            v.as_object_mut().unwrap().remove(field);
            assert_eq!(reason(&v.to_string()), format!("missing field `{field}`"));
        }
        let with = |field: &str, value: serde_json::Value| {
            let mut v = base.clone();
            v[field] = value;
            reason(&v.to_string())
        };
        assert_eq!(
            with("client_ip", "x".into()),
            r#"field `client_ip`: not an IP address: "x""#
        );
        assert!(with("time", "yesterday".into()).starts_with("field `time`: not an RFC 3339"));
        assert_eq!(
            with("status", 42.into()),
            "field `status`: not an HTTP status code: 42"
        );
        assert!(
            with("status", true.into()).starts_with("field `status`: invalid type: boolean"),
            "{}",
            with("status", true.into())
        );
        assert!(with("host", 5.into()).starts_with("field `host`: invalid type: integer"));
        assert!(with("request_headers", serde_json::json!({"a": {"b": 1}}))
            .starts_with("field `request_headers.a`: a header value must be a string"));
        assert_eq!(with("host", "".into()), "field `host`: empty");
        let pairs = parse_native_line(&{
            let mut v = base.clone();
            v["request_headers"] = serde_json::json!([["X-A", "1"], {"name": "X-B", "value": "2"}]);
            v.to_string()
        })
        .unwrap();
        assert_eq!(pairs.request_header("x-a"), Some("1"));
        assert_eq!(pairs.request_header("x-b"), Some("2"));
        assert!(with("request_headers", serde_json::json!([1]))
            .starts_with("field `request_headers[0]`: a header must be"));
        assert!(reason("not json").starts_with("not JSON: expected"));
        assert!(reason(r#"{"time": "#).starts_with("not JSON: EOF"));
        assert_eq!(reason("[1,2]"), "not a JSON object");
        assert!(parse_native(b"{\"host\":\"\xff\"}")
            .unwrap_err()
            .starts_with("not JSON"));
    }
}
