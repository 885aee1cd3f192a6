//! HAR 1.2 (`docs/formats/har.md`): one entry of `log.entries` at a time (the framing layer
//! streams the array), mapped to a `Record`.
//!
//! HAR records what a browser or proxy saw, so the client address is usually missing: the
//! client IP is the first address of an `X-Forwarded-For` request header, else `X-Real-IP`,
//! else an explicit `_clientAddress`/`clientIPAddress` entry field, else `0.0.0.0`.

use super::native::strip_position;
use super::normalize::{self, quote};
use crate::record::{Headers, Record};
use base64::Engine as _;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    #[serde(borrow)]
    started_date_time: Cow<'a, str>,
    request: Request<'a>,
    response: Response<'a>,
    #[serde(default, rename = "_clientAddress", borrow)]
    client_address: Option<Cow<'a, str>>,
    #[serde(default, rename = "clientIPAddress", borrow)]
    client_ip_address: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(default, borrow)]
    headers: Vec<NameValue<'a>>,
    #[serde(default, borrow)]
    cookies: Vec<NameValue<'a>>,
    #[serde(default, borrow)]
    query_string: Vec<NameValue<'a>>,
    #[serde(default)]
    post_data: Option<PostData<'a>>,
}

#[derive(Deserialize)]
struct Response<'a> {
    status: i64,
    #[serde(default, borrow)]
    headers: Vec<NameValue<'a>>,
    #[serde(default, borrow)]
    cookies: Vec<NameValue<'a>>,
    #[serde(default)]
    content: Option<Content<'a>>,
}

#[derive(Deserialize)]
struct NameValue<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default, borrow)]
    value: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct PostData<'a> {
    #[serde(default)]
    text: Option<String>,
    #[serde(default, borrow)]
    params: Vec<NameValue<'a>>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(default)]
    text: Option<String>,
    #[serde(default, borrow)]
    encoding: Option<Cow<'a, str>>,
}

fn headers(list: &[NameValue]) -> Headers {
    list.iter()
        // HTTP/2 pseudo-headers (`:path`) repeat the request line.
        .filter(|h| !h.name.starts_with(':'))
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                h.value.as_deref().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn pseudo<'b>(list: &'b [NameValue], name: &str) -> Option<&'b str> {
    list.iter()
        .find(|h| h.name == name)
        .and_then(|h| h.value.as_deref())
}

fn urlencode(pairs: &[NameValue]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for p in pairs {
        s.append_pair(&p.name, p.value.as_deref().unwrap_or(""));
    }
    s.finish()
}

/// The response text: base64 content is decoded when it is UTF-8 text; binary is dropped.
fn content_text(c: Content) -> Option<String> {
    let text = c.text?;
    match c.encoding.as_deref() {
        Some(enc) if enc.eq_ignore_ascii_case("base64") => {
            let compact: String = text.split_ascii_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .ok()?;
            String::from_utf8(bytes).ok()
        }
        _ => Some(text),
    }
}

/// Parses one HAR entry (the JSON of one element of `log.entries`).
pub fn parse_har_entry(entry: &[u8]) -> Result<Record, String> {
    let e: Entry = match serde_json::from_slice(entry) {
        Ok(e) => e,
        Err(err) => {
            use serde_json::error::Category;
            if matches!(err.classify(), Category::Syntax | Category::Eof) {
                return Err(format!("entry is not JSON: {}", strip_position(&err)));
            }
            let de = &mut serde_json::Deserializer::from_slice(entry);
            return Err(match serde_path_to_error::deserialize::<_, Entry>(de) {
                Err(pe) => {
                    let path = pe.path().to_string();
                    let msg = strip_position(pe.inner());
                    match msg.strip_prefix("missing field `") {
                        Some(rest) if path != "." => format!("missing field `{path}.{rest}"),
                        _ if path == "." || msg.starts_with("missing field") => msg,
                        _ => format!("field `{path}`: {msg}"),
                    }
                }
                Ok(_) => strip_position(&err),
            });
        }
    };
    let time_ms = normalize::parse_time_text(&e.started_date_time)
        .map_err(|m| format!("field `startedDateTime`: {m}"))?;
    let req = e.request;
    let method = normalize::normalize_method(&req.method);
    if method.is_empty() {
        return Err("field `request.method`: empty".into());
    }
    let target = normalize::split_target(&req.url);
    let mut request_headers = headers(&req.headers);
    let host = target
        .host
        .as_deref()
        .or_else(|| pseudo(&req.headers, ":authority"))
        .or_else(|| {
            request_headers
                .iter()
                .find(|(k, _)| k == "host")
                .map(|(_, v)| v.as_str())
        })
        .map(normalize::normalize_host)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("field `request.url`: no host in {}", quote(&req.url)))?;
    let status = u16::try_from(e.response.status)
        .ok()
        .filter(|s| (100..=999).contains(s))
        .ok_or_else(|| {
            if e.response.status == 0 {
                "field `response.status`: 0 (no response was received)".to_string()
            } else {
                format!(
                    "field `response.status`: not an HTTP status code: {}",
                    e.response.status
                )
            }
        })?;
    let header = |hs: &Headers, name: &str| {
        hs.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string())
    };
    let client_ip = header(&request_headers, "x-forwarded-for")
        .and_then(|v| normalize::first_forwarded(&v))
        .or_else(|| header(&request_headers, "x-real-ip").and_then(|v| normalize::parse_ip(&v)))
        .or_else(|| e.client_address.as_deref().and_then(normalize::parse_ip))
        .or_else(|| e.client_ip_address.as_deref().and_then(normalize::parse_ip))
        .unwrap_or(normalize::UNKNOWN_CLIENT);
    if !req.cookies.is_empty() && header(&request_headers, "cookie").is_none() {
        let cookie = req
            .cookies
            .iter()
            .map(|c| format!("{}={}", c.name, c.value.as_deref().unwrap_or("")))
            .collect::<Vec<_>>()
            .join("; ");
        request_headers.push(("cookie".into(), cookie));
    }
    let query = target
        .query
        .or_else(|| (!req.query_string.is_empty()).then(|| urlencode(&req.query_string)));
    let request_body = req.post_data.and_then(|p| match p.text {
        Some(t) if !t.is_empty() => Some(t),
        _ => (!p.params.is_empty()).then(|| urlencode(&p.params)),
    });
    let mut response_headers = headers(&e.response.headers);
    if !e.response.cookies.is_empty() && header(&response_headers, "set-cookie").is_none() {
        for c in &e.response.cookies {
            response_headers.push((
                "set-cookie".into(),
                format!("{}={}", c.name, c.value.as_deref().unwrap_or("")),
            ));
        }
    }
    Ok(Record {
        time_ms,
        host,
        method,
        path: target.path,
        query,
        scheme: target.scheme,
        client_ip,
        user_agent: None,
        status,
        request_headers,
        request_body: request_body.filter(|b| !b.is_empty()),
        response_headers,
        response_body: e
            .response
            .content
            .and_then(content_text)
            .filter(|b| !b.is_empty()),
        account: None,
        waf_action: None,
        waf_rule: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = r#"{
      "startedDateTime": "2024-05-01T02:00:00.250Z", "time": 12,
      "request": {"method": "post", "url": "https://Shop.example.com/api/login?next=%2F",
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": "Content-Type", "value": "application/json"},
                    {"name": ":authority", "value": "shop.example.com"},
                    {"name": "X-Forwarded-For", "value": "198.51.100.4, 10.0.0.1"}],
        "cookies": [{"name": "sid", "value": "abc"}],
        "queryString": [{"name": "next", "value": "/"}],
        "postData": {"mimeType": "application/json", "text": "{\"user\":\"bob\"}"}},
      "response": {"status": 200, "statusText": "OK",
        "headers": [{"name": "Content-Type", "value": "application/json"}],
        "cookies": [],
        "content": {"size": 11, "mimeType": "application/json",
                    "text": "eyJvayI6dHJ1ZX0=", "encoding": "base64"}},
      "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 2},
      "serverIPAddress": "93.184.216.34"
    }"#;

    #[test]
    fn maps_an_entry() {
        let r = parse_har_entry(ENTRY.as_bytes()).unwrap();
        assert_eq!(r.time_ms, 1_714_528_800_250);
        assert_eq!(r.host, "shop.example.com");
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/api/login");
        assert_eq!(r.query.as_deref(), Some("next=%2F"));
        assert_eq!(r.scheme.as_deref(), Some("https"));
        assert_eq!(r.client_ip.to_string(), "198.51.100.4");
        assert_eq!(r.request_header("cookie"), Some("sid=abc"));
        assert_eq!(r.request_header(":authority"), None);
        assert_eq!(r.request_body.as_deref(), Some(r#"{"user":"bob"}"#));
        assert_eq!(r.response_body.as_deref(), Some(r#"{"ok":true}"#));
        assert_eq!(r.status, 200);
    }

    #[test]
    fn fallbacks_and_rejections() {
        let mut v: serde_json::Value = serde_json::from_str(ENTRY).unwrap();
        v["request"]["headers"] = serde_json::json!([]);
        v["request"]["url"] = "/relative".into();
        v["request"]["postData"] = serde_json::json!({"mimeType": "application/x-www-form-urlencoded",
            "params": [{"name": "a b", "value": "1&2"}]});
        let err = parse_har_entry(v.to_string().as_bytes()).unwrap_err();
        assert_eq!(err, r#"field `request.url`: no host in "/relative""#);
        v["request"]["headers"] = serde_json::json!([{"name": "Host", "value": "h.example"}]);
        let r = parse_har_entry(v.to_string().as_bytes()).unwrap();
        assert_eq!(r.host, "h.example");
        assert_eq!(r.client_ip, UNKNOWN);
        assert_eq!(r.request_body.as_deref(), Some("a+b=1%262"));

        let mut w = v.clone();
        w["response"]["status"] = 0.into();
        assert!(parse_har_entry(w.to_string().as_bytes())
            .unwrap_err()
            .contains("no response"));
        let mut w = v.clone();
        w["response"].as_object_mut().unwrap().remove("status");
        assert_eq!(
            parse_har_entry(w.to_string().as_bytes()).unwrap_err(),
            "missing field `response.status`"
        );
        let mut w = v.clone();
        w["startedDateTime"] = "soon".into();
        assert!(parse_har_entry(w.to_string().as_bytes())
            .unwrap_err()
            .starts_with("field `startedDateTime`"));
        let mut w = v.clone();
        w["request"]["method"] = 7.into();
        assert!(parse_har_entry(w.to_string().as_bytes())
            .unwrap_err()
            .starts_with("field `request.method`: invalid type"));
        assert!(parse_har_entry(b"{\"x\"")
            .unwrap_err()
            .starts_with("entry is not JSON"));
    }

    const UNKNOWN: std::net::IpAddr = normalize::UNKNOWN_CLIENT;
}
