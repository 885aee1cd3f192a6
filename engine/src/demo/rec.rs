//! The generator's record and its native JSON line.

use super::json::{push_escaped, push_int, push_str};
use std::net::Ipv4Addr;

/// One exchange as the generator builds it (owned, cheap to write).
#[derive(Debug, Clone)]
pub struct Rec {
    pub t: i64,
    pub scheme: &'static str,
    pub host: &'static str,
    pub method: &'static str,
    pub path: String,
    pub query: Option<String>,
    pub ip: Ipv4Addr,
    pub ua: &'static str,
    pub status: u16,
    pub req_headers: Vec<(&'static str, String)>,
    pub req_body: Option<String>,
    pub resp_headers: Vec<(&'static str, String)>,
    pub resp_body: Option<String>,
    pub account: Option<String>,
    pub waf: Option<(&'static str, &'static str)>,
}

impl Rec {
    pub fn new(
        t: i64,
        host: &'static str,
        method: &'static str,
        path: String,
        ip: Ipv4Addr,
    ) -> Rec {
        Rec {
            t,
            scheme: "https",
            host,
            method,
            path,
            query: None,
            ip,
            ua: "",
            status: 200,
            req_headers: Vec::new(),
            req_body: None,
            resp_headers: Vec::new(),
            resp_body: None,
            account: None,
            waf: None,
        }
    }
    pub fn ua(mut self, ua: &'static str) -> Self {
        self.ua = ua;
        self
    }
    pub fn q(mut self, q: String) -> Self {
        self.query = Some(q);
        self
    }
    pub fn st(mut self, s: u16) -> Self {
        self.status = s;
        self
    }
    pub fn h(mut self, k: &'static str, v: String) -> Self {
        self.req_headers.push((k, v));
        self
    }
    pub fn acct(mut self, a: &str) -> Self {
        self.account = Some(a.to_string());
        self
    }
    /// JSON request body.
    pub fn json(mut self, body: String) -> Self {
        self.req_headers
            .push(("content-type", "application/json;charset=UTF-8".into()));
        self.req_body = Some(body);
        self
    }
    /// Form request body.
    pub fn form(mut self, body: String) -> Self {
        self.req_headers
            .push(("content-type", "application/x-www-form-urlencoded".into()));
        self.req_body = Some(body);
        self
    }
    /// JSON response body.
    pub fn rjson(mut self, body: String) -> Self {
        self.resp_headers
            .push(("content-type", "application/json;charset=UTF-8".into()));
        self.resp_body = Some(body);
        self
    }
    /// Response with another content type.
    pub fn rbody(mut self, ctype: &'static str, body: String) -> Self {
        self.resp_headers.push(("content-type", ctype.into()));
        self.resp_body = Some(body);
        self
    }
    pub fn rh(mut self, k: &'static str, v: String) -> Self {
        self.resp_headers.push((k, v));
        self
    }
    pub fn waf(mut self, action: &'static str, rule: &'static str) -> Self {
        self.waf = Some((action, rule));
        self
    }

    /// Appends the native JSON line (with the newline) to `out`.
    pub fn write_line(&self, out: &mut Vec<u8>, day_cache: &mut DayCache) {
        out.extend_from_slice(b"{\"time\":\"");
        day_cache.push_time(out, self.t);
        out.extend_from_slice(b"\",\"scheme\":\"");
        out.extend_from_slice(self.scheme.as_bytes());
        out.extend_from_slice(b"\",\"host\":");
        push_str(out, self.host);
        out.extend_from_slice(b",\"method\":\"");
        out.extend_from_slice(self.method.as_bytes());
        out.extend_from_slice(b"\",\"path\":");
        push_str(out, &self.path);
        if let Some(q) = &self.query {
            out.extend_from_slice(b",\"query\":");
            push_str(out, q);
        }
        out.extend_from_slice(b",\"client_ip\":\"");
        let o = self.ip.octets();
        for (i, b) in o.iter().enumerate() {
            if i > 0 {
                out.push(b'.');
            }
            push_int(out, *b as i64);
        }
        out.push(b'"');
        if !self.ua.is_empty() {
            out.extend_from_slice(b",\"user_agent\":");
            push_str(out, self.ua);
        }
        out.extend_from_slice(b",\"status\":");
        push_int(out, self.status as i64);
        write_headers(out, b",\"request_headers\":{", &self.req_headers);
        if let Some(b) = &self.req_body {
            out.extend_from_slice(b",\"request_body\":");
            push_str(out, b);
        }
        write_headers(out, b",\"response_headers\":{", &self.resp_headers);
        if let Some(b) = &self.resp_body {
            out.extend_from_slice(b",\"response_body\":");
            push_str(out, b);
        }
        if let Some(a) = &self.account {
            out.extend_from_slice(b",\"account\":");
            push_str(out, a);
        }
        if let Some((action, rule)) = self.waf {
            out.extend_from_slice(b",\"waf_action\":\"");
            out.extend_from_slice(action.as_bytes());
            out.extend_from_slice(b"\",\"waf_rule\":");
            push_str(out, rule);
        }
        out.extend_from_slice(b"}\n");
    }
}

fn write_headers(out: &mut Vec<u8>, open: &[u8], headers: &[(&'static str, String)]) {
    if headers.is_empty() {
        return;
    }
    out.extend_from_slice(open);
    for (i, (k, v)) in headers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, k);
        out.push(b':');
        out.push(b'"');
        push_escaped(out, v);
        out.push(b'"');
    }
    out.push(b'}');
}

/// Formats epoch milliseconds as RFC 3339 UTC, caching the date part of the current day.
#[derive(Default)]
pub struct DayCache {
    day: i64,
    text: Vec<u8>,
}

impl DayCache {
    pub fn push_time(&mut self, out: &mut Vec<u8>, ms: i64) {
        let secs = ms.div_euclid(1000);
        let day = secs.div_euclid(86_400);
        if self.text.is_empty() || day != self.day {
            let (y, m, d) = civil_from_days(day);
            self.text = format!("{y:04}-{m:02}-{d:02}T").into_bytes();
            self.day = day;
        }
        out.extend_from_slice(&self.text);
        let sod = secs.rem_euclid(86_400);
        let (h, mi, s) = (sod / 3600, (sod / 60) % 60, sod % 60);
        let milli = ms.rem_euclid(1000);
        let two = |out: &mut Vec<u8>, v: i64| {
            out.push(b'0' + (v / 10) as u8);
            out.push(b'0' + (v % 10) as u8);
        };
        two(out, h);
        out.push(b':');
        two(out, mi);
        out.push(b':');
        two(out, s);
        out.push(b'.');
        out.push(b'0' + (milli / 100) as u8);
        out.push(b'0' + ((milli / 10) % 10) as u8);
        out.push(b'0' + (milli % 10) as u8);
        out.push(b'Z');
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_match_chrono() {
        let mut c = DayCache::default();
        for ms in [0i64, 1_741_000_000_123, 951_782_400_000, 1_709_164_800_999] {
            let mut out = Vec::new();
            c.push_time(&mut out, ms);
            let s = String::from_utf8(out).unwrap();
            let parsed = chrono::DateTime::parse_from_rfc3339(&s).unwrap();
            assert_eq!(parsed.timestamp_millis(), ms, "{s}");
        }
    }
}
