//! `Record`: one HTTP exchange, the unit every reader produces and every detector consumes.
//! It mirrors the native JSON Lines format (`docs/formats/native.md`).

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::net::IpAddr;

/// Header list with lower-cased names, in the order they were logged.
pub type Headers = Vec<(String, String)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WafAction {
    Block,
    Pass,
    Monitor,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Epoch milliseconds (UTC) of the request.
    pub time_ms: i64,
    /// Host without a default port, lower-cased.
    pub host: String,
    /// Upper-cased method.
    pub method: String,
    /// Path without the query string, percent-encoding kept.
    pub path: String,
    pub query: Option<String>,
    pub scheme: Option<String>,
    pub client_ip: IpAddr,
    pub user_agent: Option<String>,
    pub status: u16,
    pub request_headers: Headers,
    pub request_body: Option<String>,
    pub response_headers: Headers,
    pub response_body: Option<String>,
    pub account: Option<String>,
    pub waf_action: Option<WafAction>,
    pub waf_rule: Option<String>,
}

fn find_header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl Record {
    /// A request header by case-insensitive name.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        find_header(&self.request_headers, name)
    }
    /// A response header by case-insensitive name.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        find_header(&self.response_headers, name)
    }
    /// The user agent: the explicit field, else the `user-agent` request header.
    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent
            .as_deref()
            .or_else(|| self.request_header("user-agent"))
    }
    /// Lower-cased media type of the request body (`application/json`), without parameters.
    pub fn request_content_type(&self) -> Option<Cow<'_, str>> {
        self.request_header("content-type").map(media_type)
    }
    /// Lower-cased media type of the response body, without parameters.
    pub fn response_content_type(&self) -> Option<Cow<'_, str>> {
        self.response_header("content-type").map(media_type)
    }
    /// RFC 3339 form of the request time.
    pub fn time_rfc3339(&self) -> String {
        format_time(self.time_ms)
    }
}

/// Borrowed when the header is already lower-case, as it nearly always is.
fn media_type(v: &str) -> Cow<'_, str> {
    let t = v.split(';').next().unwrap_or("").trim();
    if t.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(t.to_ascii_lowercase())
    } else {
        Cow::Borrowed(t)
    }
}

/// RFC 3339 (UTC, second precision unless milliseconds are present) for epoch milliseconds.
pub fn format_time(time_ms: i64) -> String {
    use chrono::{SecondsFormat, TimeZone, Utc};
    match Utc.timestamp_millis_opt(time_ms).single() {
        Some(t) if time_ms % 1000 == 0 => t.to_rfc3339_opts(SecondsFormat::Secs, true),
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_500), "1970-01-01T00:00:01.500Z");
    }

    #[test]
    fn headers_are_case_insensitive() {
        let r = Record {
            time_ms: 0,
            host: "a".into(),
            method: "GET".into(),
            path: "/".into(),
            query: None,
            scheme: None,
            client_ip: "1.2.3.4".parse().unwrap(),
            user_agent: None,
            status: 200,
            request_headers: vec![
                ("user-agent".into(), "curl/8".into()),
                (
                    "content-type".into(),
                    "Application/JSON; charset=utf-8".into(),
                ),
            ],
            request_body: None,
            response_headers: vec![],
            response_body: None,
            account: None,
            waf_action: None,
            waf_rule: None,
        };
        assert_eq!(r.user_agent(), Some("curl/8"));
        assert_eq!(
            r.request_content_type().as_deref(),
            Some("application/json")
        );
    }
}
