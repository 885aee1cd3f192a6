//! Normalisation shared by every format: time, host, method, client address, URL splitting.
//! Every format produces the same `Record` shape, so these rules live in one place
//! (`docs/formats/README.md` lists them).

use std::net::{IpAddr, Ipv4Addr};

/// Longest excerpt of a bad value quoted in a rejection reason.
const MAX_QUOTED: usize = 64;

/// `"value"` for a rejection reason: Debug-quoted and cut at a character boundary.
pub fn quote(value: &str) -> String {
    if value.len() <= MAX_QUOTED {
        return format!("{value:?}");
    }
    format!("{:?}...", crate::exchange::prefix(value, MAX_QUOTED))
}

/// Epoch integers below this are seconds, not milliseconds (1e11 ms is March 1973).
const SECONDS_BELOW: f64 = 1e11;

/// Epoch milliseconds from a number: milliseconds, or seconds when it is below 1e11
/// (fractions kept to the millisecond).
pub fn epoch_number_ms(n: f64) -> Option<i64> {
    if !n.is_finite() || !(0.0..=1e15).contains(&n) {
        return None;
    }
    if n < SECONDS_BELOW {
        Some((n * 1000.0).round() as i64)
    } else {
        Some(n.round() as i64)
    }
}

/// Epoch milliseconds from text: RFC 3339 / ISO 8601 (`T` or space separator, `Z`, offsets
/// with or without a colon, optional fraction), a bare epoch number, or nginx `$time_local`
/// (`10/Oct/2000:13:55:36 -0700`).
pub fn parse_time_text(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty time".into());
    }
    if let Some(ms) = parse_iso_fast(s.as_bytes()) {
        return Ok(ms);
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        if let Some(ms) = s.parse::<f64>().ok().and_then(epoch_number_ms) {
            return Ok(ms);
        }
    }
    if let Some(ms) = parse_clf_time(s.as_bytes()) {
        return Ok(ms);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = chrono::DateTime::parse_from_str(s, f) {
            return Ok(t.timestamp_millis());
        }
    }
    // A naive time without an offset is taken as UTC.
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc().timestamp_millis());
        }
    }
    Err(format!(
        "not an RFC 3339 time or epoch number: {}",
        quote(s)
    ))
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() {
        return None;
    }
    let mut n = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

/// Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn civil_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + s * 1000)
}

/// Offset (`Z`, `+08:00`, `+0800`, `-07`) in milliseconds, or None when malformed.
fn offset_ms(b: &[u8]) -> Option<i64> {
    match b {
        [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let v = (h * 60 + m) * 60_000;
            Some(if *sign == b'-' { -v } else { v })
        }
        _ => None,
    }
}

/// Hand-written RFC 3339 parser for the common shapes (`2024-05-01T10:00:00.123+08:00`): the
/// hot path of native logs. Anything unusual falls through to chrono.
fn parse_iso_fast(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let base = civil_ms(
        digits(&b[0..4])?,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    )?;
    let mut i = 19;
    let mut frac_ms = 0i64;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let f = &b[start..i.min(start + 3)];
        frac_ms = digits(f)? * 10i64.pow(3 - f.len() as u32);
    }
    Some(base + frac_ms - offset_ms(&b[i..])?)
}

/// Common Log Format time: `10/Oct/2000:13:55:36 -0700` (fixed width).
pub fn parse_clf_time(b: &[u8]) -> Option<i64> {
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let month = match &b[3..6] {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    if b[14] != b':' || b[17] != b':' {
        return None;
    }
    let base = civil_ms(
        digits(&b[7..11])?,
        month,
        digits(&b[0..2])?,
        digits(&b[12..14])?,
        digits(&b[15..17])?,
        digits(&b[18..20])?,
    )?;
    Some(base - offset_ms(&b[21..])?)
}

/// Host as the engine keys it: lower-cased, without a trailing dot or a default port
/// (`:80`, `:443`). Other ports are kept.
pub fn normalize_host(host: &str) -> String {
    let mut h = host.trim();
    for port in [":80", ":443"] {
        if let Some(stripped) = h.strip_suffix(port) {
            h = stripped;
            break;
        }
    }
    let h = h.strip_suffix('.').unwrap_or(h);
    if h.bytes().any(|b| b.is_ascii_uppercase()) {
        h.to_ascii_lowercase()
    } else {
        h.to_string()
    }
}

/// Upper-cased method.
pub fn normalize_method(m: &str) -> String {
    let m = m.trim();
    if m.bytes().any(|b| b.is_ascii_lowercase()) {
        m.to_ascii_uppercase()
    } else {
        m.to_string()
    }
}

/// A client address: IPv4, IPv6, `[v6]`, either with a `:port`; IPv4-mapped IPv6 becomes IPv4.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    let ip = match s.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) => {
            if let Some(rest) = s.strip_prefix('[') {
                rest.split_once(']')?.0.parse().ok()?
            } else {
                // `1.2.3.4:5678` (a single colon: a v6 address has several).
                let (host, port) = s.rsplit_once(':')?;
                if host.contains(':') || port.parse::<u16>().is_err() {
                    return None;
                }
                host.parse().ok()?
            }
        }
    };
    Some(match ip {
        IpAddr::V6(v6) => v6.to_canonical(),
        v4 => v4,
    })
}

/// The first parseable address of an `X-Forwarded-For` list.
pub fn first_forwarded(list: &str) -> Option<IpAddr> {
    list.split(',').find_map(parse_ip)
}

/// The address used when a format has no client address at all (HAR): documented.
pub const UNKNOWN_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

/// Pieces of a request target: absolute URL or origin-form path.
#[derive(Debug, Default, PartialEq)]
pub struct Target {
    pub scheme: Option<String>,
    pub host: Option<String>,
    pub path: String,
    pub query: Option<String>,
}

/// Splits `/p?q`, `https://h:8443/p?q#f` or `*` into scheme, host, path and query.
/// Fragments are dropped; an empty path becomes `/`.
pub fn split_target(t: &str) -> Target {
    let t = t.trim();
    let mut out = Target::default();
    let mut rest = t;
    if let Some(i) = rest.find("://") {
        let scheme = &rest[..i];
        if !scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+')
        {
            out.scheme = Some(scheme.to_ascii_lowercase());
            let after = &rest[i + 3..];
            let end = after.find(['/', '?', '#']).unwrap_or(after.len());
            let authority = &after[..end];
            let authority = authority.rsplit('@').next().unwrap_or(authority);
            if !authority.is_empty() {
                out.host = Some(authority.to_string());
            }
            rest = &after[end..];
        }
    }
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    out.path = if path.is_empty() {
        "/".to_string()
    } else {
        path.to_string()
    };
    out.query = query.filter(|q| !q.is_empty()).map(str::to_string);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times() {
        assert_eq!(parse_time_text("1970-01-01T00:00:01Z"), Ok(1000));
        assert_eq!(
            parse_time_text("2024-05-01T10:00:00.5+08:00"),
            Ok(1_714_528_800_500)
        );
        assert_eq!(
            parse_time_text("2024-05-01 02:00:00.500Z"),
            Ok(1_714_528_800_500)
        );
        assert_eq!(
            parse_time_text("2024-05-01T02:00:00.123456Z"),
            Ok(1_714_528_800_123)
        );
        assert_eq!(
            parse_time_text("2024-05-01T10:00:00+0800"),
            Ok(1_714_528_800_000)
        );
        assert_eq!(
            parse_time_text("2024-05-01T02:00:00"),
            Ok(1_714_528_800_000)
        );
        assert!(parse_time_text("2024-02-30T00:00:00Z").is_err());
        assert!(parse_time_text("yesterday").is_err());
        assert!(parse_time_text("").is_err());
    }

    #[test]
    fn iso_fast_agrees_with_chrono() {
        for s in [
            "2000-02-29T23:59:59Z",
            "1999-12-31T23:59:59.999-05:30",
            "2038-01-19T03:14:08+00:00",
            "2024-12-31T00:00:00.1Z",
        ] {
            let c = chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_millis();
            assert_eq!(parse_iso_fast(s.as_bytes()), Some(c), "{s}");
        }
    }

    #[test]
    fn clf_and_epoch_times() {
        assert_eq!(
            parse_time_text("10/Oct/2000:13:55:36 -0700"),
            Ok(971_211_336_000)
        );
        assert_eq!(parse_time_text("1714528800"), Ok(1_714_528_800_000));
        assert_eq!(parse_time_text("1714528800.123"), Ok(1_714_528_800_123));
        assert_eq!(parse_time_text("1714528800123"), Ok(1_714_528_800_123));
        assert!(parse_clf_time(b"10/Foo/2000:13:55:36 -0700").is_none());
    }

    #[test]
    fn hosts_and_methods() {
        assert_eq!(normalize_host("API.Example.com:443"), "api.example.com");
        assert_eq!(normalize_host("api.example.com:80"), "api.example.com");
        assert_eq!(
            normalize_host("api.example.com:8443"),
            "api.example.com:8443"
        );
        assert_eq!(normalize_host("example.com."), "example.com");
        assert_eq!(normalize_method("post"), "POST");
    }

    #[test]
    fn addresses() {
        assert_eq!(parse_ip("1.2.3.4"), "1.2.3.4".parse().ok());
        assert_eq!(parse_ip(" 1.2.3.4:8080 "), "1.2.3.4".parse().ok());
        assert_eq!(parse_ip("[2001:db8::1]:443"), "2001:db8::1".parse().ok());
        assert_eq!(parse_ip("::ffff:10.0.0.1"), "10.0.0.1".parse().ok());
        assert_eq!(parse_ip("2001:db8::1"), "2001:db8::1".parse().ok());
        assert_eq!(parse_ip("x"), None);
        assert_eq!(parse_ip("unix:"), None);
        assert_eq!(
            first_forwarded("unknown, 203.0.113.9, 10.0.0.1"),
            "203.0.113.9".parse().ok()
        );
    }

    #[test]
    fn targets() {
        let t = split_target("https://Shop.example.com:8443/a/b?x=1#frag");
        assert_eq!(t.scheme.as_deref(), Some("https"));
        assert_eq!(t.host.as_deref(), Some("Shop.example.com:8443"));
        assert_eq!(t.path, "/a/b");
        assert_eq!(t.query.as_deref(), Some("x=1"));
        let t = split_target("/v1/users?");
        assert_eq!((t.path.as_str(), t.query), ("/v1/users", None));
        assert_eq!(split_target("http://h").path, "/");
        assert_eq!(quote(&"a".repeat(100)).len(), 64 + 5);
    }
}
