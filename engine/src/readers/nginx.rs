//! nginx and Apache access lines (`docs/formats/nginx.md`).
//!
//! An nginx `log_format` string is compiled once into literals and variables; a line is
//! matched left to right, each variable ending where the next literal starts (inside quotes,
//! a backslash-escaped quote does not end it). Values are unescaped (`\x22`, `\"`, `\\`, JSON
//! escapes) and `-` means absent. Without a configured format the reader takes the combined
//! format, also accepts common-format lines, and reads a trailing quoted
//! `"$http_x_forwarded_for"` (nginx's stock `main` format).

use super::normalize::{self, quote};
use crate::record::{Headers, Record};
use std::borrow::Cow;
use std::net::IpAddr;

/// The NCSA combined format (nginx's predefined `combined`, Apache's `%h %l %u %t "%r" %>s %b
/// "%{Referer}i" "%{User-agent}i"`).
pub const COMBINED: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#;
/// The NCSA common format.
pub const COMMON: &str =
    r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent"#;

#[derive(Debug, Clone, PartialEq)]
enum Var {
    RemoteAddr,
    RemoteUser,
    TimeLocal,
    TimeIso,
    Msec,
    Request,
    RequestMethod,
    RequestUri,
    Uri,
    Args,
    Status,
    Host,
    HttpHost,
    ServerName,
    Scheme,
    Https,
    RequestBody,
    ResponseBody,
    ForwardedFor,
    ReqHeader(String),
    RespHeader(String),
    Cookie(String),
    Skip,
}

impl Var {
    fn from_name(name: &str) -> Var {
        let header = |h: &str| h.replace('_', "-").to_ascii_lowercase();
        match name {
            "remote_addr" | "realip_remote_addr" | "binary_remote_addr_text" => Var::RemoteAddr,
            "remote_user" => Var::RemoteUser,
            "time_local" => Var::TimeLocal,
            "time_iso8601" => Var::TimeIso,
            "msec" => Var::Msec,
            "request" => Var::Request,
            "request_method" => Var::RequestMethod,
            "request_uri" => Var::RequestUri,
            "uri" | "document_uri" => Var::Uri,
            "args" | "query_string" => Var::Args,
            "status" => Var::Status,
            "host" => Var::Host,
            "http_host" => Var::HttpHost,
            "server_name" => Var::ServerName,
            "scheme" => Var::Scheme,
            "https" => Var::Https,
            "request_body" => Var::RequestBody,
            "resp_body" | "response_body" => Var::ResponseBody,
            "http_x_forwarded_for" => Var::ForwardedFor,
            "content_type" => Var::ReqHeader("content-type".into()),
            "content_length" => Var::ReqHeader("content-length".into()),
            _ => {
                if let Some(h) = name.strip_prefix("http_") {
                    Var::ReqHeader(header(h))
                } else if let Some(h) = name.strip_prefix("sent_http_") {
                    Var::RespHeader(header(h))
                } else if let Some(c) = name.strip_prefix("cookie_") {
                    Var::Cookie(c.to_string())
                } else {
                    Var::Skip
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Tok {
    Lit(String),
    Var { var: Var, name: String },
}

/// The variables' raw values of a matched line, and the unmatched rest.
type Split<'f, 'l> = (Vec<(&'f Var, &'l str)>, &'l str);

/// A compiled nginx `log_format`.
#[derive(Debug, Clone)]
pub struct NginxFormat {
    toks: Vec<Tok>,
}

impl NginxFormat {
    /// Compiles a `log_format` string (`$name` or `${name}` variables, anything else literal).
    pub fn compile(format: &str) -> Result<Self, String> {
        let mut toks = Vec::new();
        let mut lit = String::new();
        let mut chars = format.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c != '$' {
                lit.push(c);
                continue;
            }
            let braced = chars.peek().map(|(_, c)| *c) == Some('{');
            if braced {
                chars.next();
            }
            let mut name = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    name.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            if braced && chars.next().map(|(_, c)| c) != Some('}') {
                return Err(format!("log_format: `${{{name}` has no closing `}}`"));
            }
            if name.is_empty() {
                lit.push('$');
                continue;
            }
            if !lit.is_empty() {
                toks.push(Tok::Lit(std::mem::take(&mut lit)));
            }
            if let Some(Tok::Var { name: prev, .. }) = toks.last() {
                return Err(format!(
                    "log_format: `${prev}` and `${name}` have nothing between them to tell them apart"
                ));
            }
            toks.push(Tok::Var {
                var: Var::from_name(&name.to_ascii_lowercase()),
                name,
            });
        }
        if !lit.is_empty() {
            toks.push(Tok::Lit(lit));
        }
        let has = |f: &dyn Fn(&Var) -> bool| {
            toks.iter()
                .any(|t| matches!(t, Tok::Var { var, .. } if f(var)))
        };
        if !has(&|v| matches!(v, Var::TimeLocal | Var::TimeIso | Var::Msec)) {
            return Err(
                "log_format has no time variable ($time_local, $time_iso8601 or $msec)".into(),
            );
        }
        if !has(&|v| *v == Var::Status) {
            return Err("log_format has no $status".into());
        }
        let split_request =
            has(&|v| *v == Var::RequestMethod) && has(&|v| matches!(v, Var::RequestUri | Var::Uri));
        if !has(&|v| *v == Var::Request) && !split_request {
            return Err(
                "log_format has neither $request nor $request_method with $request_uri or $uri"
                    .into(),
            );
        }
        Ok(NginxFormat { toks })
    }

    /// Matches a line; returns the variables' raw values and the unmatched rest of the line.
    fn split<'f, 'l>(&'f self, line: &'l str) -> Result<Split<'f, 'l>, String> {
        let mut out = Vec::with_capacity(self.toks.len());
        let mut pos = 0usize;
        let mut prev_var: Option<&str> = None;
        for (i, tok) in self.toks.iter().enumerate() {
            match tok {
                Tok::Lit(l) => {
                    if !line[pos..].starts_with(l.as_str()) {
                        let after = prev_var
                            .map(|v| format!(" after `${v}`"))
                            .unwrap_or_default();
                        return Err(format!(
                            "line does not match the log format: expected {l:?}{after} at column {}",
                            pos + 1
                        ));
                    }
                    pos += l.len();
                }
                Tok::Var { var, name } => {
                    let end = match self.toks.get(i + 1) {
                        Some(Tok::Lit(next)) => {
                            let quoted = i > 0
                                && matches!(&self.toks[i - 1], Tok::Lit(p) if p.ends_with('"'))
                                && next.starts_with('"');
                            find_end(line, pos, next, quoted).ok_or_else(|| {
                                format!(
                                    "line does not match the log format: no {next:?} after `${name}` (column {})",
                                    pos + 1
                                )
                            })?
                        }
                        _ => line.len(),
                    };
                    out.push((var, &line[pos..end]));
                    pos = end;
                    prev_var = Some(name);
                }
            }
        }
        Ok((out, &line[pos..]))
    }
}

/// Where a variable's value ends: the next occurrence of `next`, skipping backslash-escaped
/// quotes when the value is quoted.
fn find_end(line: &str, from: usize, next: &str, quoted: bool) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut start = from;
    loop {
        let p = start + line[start..].find(next)?;
        if quoted {
            let mut slashes = 0;
            while p > from + slashes && bytes[p - 1 - slashes] == b'\\' {
                slashes += 1;
            }
            if slashes % 2 == 1 {
                start = p + 1;
                continue;
            }
        }
        return Some(p);
    }
}

/// Undoes nginx (`\xHH`), Apache (`\"`, `\\`, `\n`) and nginx `escape=json` escapes.
fn unescape(v: &str) -> Cow<'_, str> {
    if !v.contains('\\') {
        return Cow::Borrowed(v);
    }
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let hex = |s: &[u8]| {
        std::str::from_utf8(s)
            .ok()
            .and_then(|s| u32::from_str_radix(s, 16).ok())
    };
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'x' if i + 4 <= b.len() => match hex(&b[i + 2..i + 4]) {
                Some(n) => {
                    out.push(n as u8);
                    i += 4;
                }
                None => {
                    out.push(b'\\');
                    i += 1;
                }
            },
            b'u' if i + 6 <= b.len() => match hex(&b[i + 2..i + 6]).and_then(char::from_u32) {
                Some(c) => {
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                    i += 6;
                }
                None => {
                    out.push(b'\\');
                    i += 1;
                }
            },
            c @ (b'"' | b'\\' | b'/') => {
                out.push(c);
                i += 2;
            }
            b'n' => {
                out.push(b'\n');
                i += 2;
            }
            b't' => {
                out.push(b'\t');
                i += 2;
            }
            b'r' => {
                out.push(b'\r');
                i += 2;
            }
            _ => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// nginx/Apache line parser: the configured format, or combined with its fallbacks.
pub struct NginxParser {
    primary: NginxFormat,
    /// Common format, tried when the default combined format does not match.
    fallback: Option<NginxFormat>,
    default_host: String,
}

impl NginxParser {
    pub fn new(log_format: Option<&str>, default_host: &str) -> Result<Self, String> {
        let (primary, fallback) = match log_format {
            Some(f) => (NginxFormat::compile(f)?, None),
            None => (
                NginxFormat::compile(COMBINED)?,
                Some(NginxFormat::compile(COMMON)?),
            ),
        };
        Ok(NginxParser {
            primary,
            fallback,
            default_host: normalize::normalize_host(default_host),
        })
    }

    /// Whether the line has the shape of the configured (or default) format.
    pub fn matches(&self, line: &str) -> bool {
        self.parse_str(line).is_ok()
    }

    fn parse_str(&self, line: &str) -> Result<Record, String> {
        match self.primary.split(line) {
            Ok((vals, rest)) => {
                let mut xff = None;
                if self.fallback.is_some() {
                    // nginx's stock `main` format: combined + ` "$http_x_forwarded_for"`.
                    if let Some(q) = rest.strip_prefix(" \"") {
                        if let Some(end) = find_end(q, 0, "\"", true) {
                            xff = Some(&q[..end]);
                        }
                    }
                }
                self.build(vals, xff)
            }
            Err(e) => match &self.fallback {
                Some(common) => match common.split(line) {
                    Ok((vals, _)) => self.build(vals, None),
                    Err(_) => Err(e),
                },
                None => Err(e),
            },
        }
    }

    fn build(&self, vals: Vec<(&Var, &str)>, trailing_xff: Option<&str>) -> Result<Record, String> {
        let mut remote: Option<Cow<str>> = None;
        let mut account = None;
        let mut time_ms = None;
        let mut request = None;
        let mut method = None;
        let mut request_uri = None;
        let mut uri = None;
        let mut args = None;
        let mut status = None;
        let mut hosts: [Option<String>; 3] = [None, None, None];
        let mut scheme = None;
        let mut request_body = None;
        let mut response_body = None;
        let mut req_headers: Headers = Vec::new();
        let mut resp_headers: Headers = Vec::new();
        let mut cookies: Vec<String> = Vec::new();
        let mut xff: Option<String> = trailing_xff.map(|v| unescape(v).into_owned());
        for (var, raw) in vals {
            if raw.is_empty() || raw == "-" || *var == Var::Skip {
                continue;
            }
            let v = unescape(raw);
            match var {
                Var::RemoteAddr => remote = Some(v),
                Var::RemoteUser => account = Some(v.into_owned()),
                Var::TimeLocal => {
                    time_ms =
                        Some(normalize::parse_clf_time(v.as_bytes()).ok_or_else(|| {
                            format!("field `time_local`: not a time: {}", quote(&v))
                        })?)
                }
                Var::TimeIso => {
                    time_ms = Some(
                        normalize::parse_time_text(&v)
                            .map_err(|e| format!("field `time_iso8601`: {e}"))?,
                    )
                }
                Var::Msec => {
                    time_ms = Some(
                        v.parse::<f64>()
                            .ok()
                            .and_then(normalize::epoch_number_ms)
                            .ok_or_else(|| format!("field `msec`: not a time: {}", quote(&v)))?,
                    )
                }
                Var::Request => request = Some(v),
                Var::RequestMethod => method = Some(v),
                Var::RequestUri => request_uri = Some(v),
                Var::Uri => uri = Some(v),
                Var::Args => args = Some(v.into_owned()),
                Var::Status => {
                    status = Some(
                        v.parse::<u16>()
                            .ok()
                            .filter(|s| (100..=999).contains(s))
                            .ok_or_else(|| {
                                format!("field `status`: not an HTTP status code: {}", quote(&v))
                            })?,
                    )
                }
                Var::Host => hosts[0] = Some(v.into_owned()),
                Var::HttpHost => {
                    hosts[1] = Some(v.to_string());
                    req_headers.push(("host".into(), v.into_owned()));
                }
                Var::ServerName if v != "_" => hosts[2] = Some(v.into_owned()),
                Var::ServerName => {}
                Var::Scheme => scheme = Some(v.to_ascii_lowercase()),
                Var::Https => {
                    if scheme.is_none() {
                        scheme = Some(if v == "on" { "https" } else { "http" }.to_string());
                    }
                }
                Var::RequestBody => request_body = Some(v.into_owned()),
                Var::ResponseBody => response_body = Some(v.into_owned()),
                Var::ForwardedFor => xff = Some(v.into_owned()),
                Var::ReqHeader(h) => req_headers.push((h.clone(), v.into_owned())),
                Var::RespHeader(h) => resp_headers.push((h.clone(), v.into_owned())),
                Var::Cookie(c) => cookies.push(format!("{c}={v}")),
                Var::Skip => {}
            }
        }
        let time_ms = time_ms.ok_or("missing field `time_local` (the time is `-`)")?;
        let status = status.ok_or("missing field `status` (it is `-`)")?;
        let (method, target) = match request {
            Some(req) => split_request(&req)?,
            None => {
                let m = method.ok_or("missing field `request_method`")?;
                let t = match (request_uri, uri) {
                    (Some(ru), _) => ru.into_owned(),
                    (None, Some(u)) => match &args {
                        Some(a) => format!("{u}?{a}"),
                        None => u.into_owned(),
                    },
                    (None, None) => return Err("missing field `request_uri`".into()),
                };
                (normalize::normalize_method(&m), t)
            }
        };
        let t = normalize::split_target(&target);
        let query = t.query;
        if let Some(x) = &xff {
            req_headers.push(("x-forwarded-for".into(), x.clone()));
        }
        if !cookies.is_empty() {
            req_headers.push(("cookie".into(), cookies.join("; ")));
        }
        let client_ip: IpAddr = match xff.as_deref().and_then(normalize::first_forwarded) {
            Some(ip) => ip,
            None => match &remote {
                Some(r) => normalize::parse_ip(r).ok_or_else(|| {
                    format!("field `remote_addr`: not an IP address: {}", quote(r))
                })?,
                None => normalize::UNKNOWN_CLIENT,
            },
        };
        let host = hosts
            .into_iter()
            .flatten()
            .chain(t.host)
            .map(|h| normalize::normalize_host(&h))
            .find(|h| !h.is_empty())
            .unwrap_or_else(|| self.default_host.clone());
        Ok(Record {
            time_ms,
            host,
            method,
            path: t.path,
            query,
            scheme: scheme.or(t.scheme),
            client_ip,
            user_agent: None,
            status,
            request_headers: req_headers,
            request_body,
            response_headers: resp_headers,
            response_body,
            account,
            waf_action: None,
            waf_rule: None,
        })
    }
}

/// `GET /p?q HTTP/1.1` into the method and the target.
fn split_request(req: &str) -> Result<(String, String), String> {
    let bad = || {
        format!(
            "field `request`: not \"METHOD TARGET PROTOCOL\": {}",
            quote(req)
        )
    };
    let (method, rest) = req.split_once(' ').ok_or_else(bad)?;
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_')
    {
        return Err(bad());
    }
    let target = match rest.rsplit_once(' ') {
        Some((t, proto)) if proto.starts_with("HTTP/") => t,
        _ => rest,
    };
    if target.is_empty() || target.contains(' ') {
        return Err(bad());
    }
    Ok((normalize::normalize_method(method), target.to_string()))
}

impl super::LineFormat for NginxParser {
    fn parse(&self, frame: &[u8]) -> Result<Record, String> {
        let line = String::from_utf8_lossy(frame);
        self.parse_str(line.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> NginxParser {
        NginxParser::new(None, "unknown").unwrap()
    }

    #[test]
    fn combined_line() {
        let r = default()
            .parse_str(r#"203.0.113.9 - alice [10/Oct/2023:13:55:36 +0800] "POST /api/v1/orders?page=2 HTTP/1.1" 201 512 "https://shop.example.com/" "Mozilla/5.0 (X11) \"quoted\"""#)
            .unwrap();
        assert_eq!(r.client_ip.to_string(), "203.0.113.9");
        assert_eq!(r.account.as_deref(), Some("alice"));
        assert_eq!(r.time_ms, 1_696_917_336_000);
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/api/v1/orders");
        assert_eq!(r.query.as_deref(), Some("page=2"));
        assert_eq!(r.status, 201);
        assert_eq!(r.host, "unknown");
        assert_eq!(r.user_agent(), Some("Mozilla/5.0 (X11) \"quoted\""));
        assert_eq!(
            r.request_header("referer"),
            Some("https://shop.example.com/")
        );
    }

    #[test]
    fn common_main_and_escapes() {
        let p = default();
        let r = p
            .parse_str(r#"10.0.0.1 - - [01/May/2024:00:00:00 +0000] "GET / HTTP/1.0" 200 -"#)
            .unwrap();
        assert_eq!((r.path.as_str(), r.account), ("/", None));
        let r = p
            .parse_str(r#"10.0.0.1 - - [01/May/2024:00:00:00 +0000] "GET /s?q=\x22x\x22 HTTP/1.1" 200 5 "-" "curl/8.0" "198.51.100.2, 10.0.0.1""#)
            .unwrap();
        assert_eq!(r.client_ip.to_string(), "198.51.100.2");
        assert_eq!(r.query.as_deref(), Some("q=\"x\""));
        assert_eq!(
            r.request_header("x-forwarded-for"),
            Some("198.51.100.2, 10.0.0.1")
        );
    }

    #[test]
    fn bad_lines_say_why() {
        let p = default();
        let e = p.parse_str("garbage").unwrap_err();
        assert!(e.starts_with("line does not match the log format"), "{e}");
        let e = p
            .parse_str(r#"x - - [01/May/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#)
            .unwrap_err();
        assert_eq!(e, r#"field `remote_addr`: not an IP address: "x""#);
        let e = p
            .parse_str(r#"1.2.3.4 - - [01/Mai/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#)
            .unwrap_err();
        assert!(e.starts_with("field `time_local`"), "{e}");
        let e = p
            .parse_str(r#"1.2.3.4 - - [01/May/2024:00:00:00 +0000] "\x16\x03\x01" 400 1 "-" "-""#)
            .unwrap_err();
        assert!(e.starts_with("field `request`"), "{e}");
        let e = p
            .parse_str(r#"1.2.3.4 - - [01/May/2024:00:00:00 +0000] "GET / HTTP/1.1" abc 1 "-" "-""#)
            .unwrap_err();
        assert!(e.starts_with("field `status`"), "{e}");
    }

    #[test]
    fn custom_log_format() {
        let fmt = r#"$remote_addr [$time_iso8601] $host $scheme "$request_method $request_uri" $status $request_time "$http_authorization" "$sent_http_content_type" $cookie_sid rb="$request_body" $upstream_addr $unknown_var"#;
        let p = NginxParser::new(Some(fmt), "unknown").unwrap();
        let r = p
            .parse_str(r#"192.0.2.1 [2024-05-01T10:00:00+08:00] API.example.com:443 https "put https://api.example.com/v1/u/7?x=1" 200 0.012 "Bearer abc" "application/json" s1 rb="{\x22a\x22:1}" 10.1.1.1:8080 zzz"#)
            .unwrap();
        assert_eq!(r.time_ms, 1_714_528_800_000);
        assert_eq!(r.host, "api.example.com");
        assert_eq!(r.method, "PUT");
        assert_eq!(r.path, "/v1/u/7");
        assert_eq!(r.query.as_deref(), Some("x=1"));
        assert_eq!(r.scheme.as_deref(), Some("https"));
        assert_eq!(r.request_header("authorization"), Some("Bearer abc"));
        assert_eq!(r.response_header("content-type"), Some("application/json"));
        assert_eq!(r.request_header("cookie"), Some("sid=s1"));
        assert_eq!(r.request_body.as_deref(), Some(r#"{"a":1}"#));
    }

    #[test]
    fn format_compile_errors() {
        assert!(NginxFormat::compile("$remote_addr $status").is_err());
        assert!(NginxFormat::compile("$msec$status $request").is_err());
        assert!(NginxFormat::compile("${msec $status $request").is_err());
        assert!(NginxFormat::compile("${msec} $status $request_method $uri?$args").is_ok());
    }
}
