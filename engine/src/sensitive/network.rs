//! Network and device identifiers: IPv4, IPv6, MAC, URL, IMEI, MEID.

use super::checks::{luhn, luhn_hex};
use std::net::Ipv6Addr;

/// Dotted-quad octets (RFC 791 text form): 0-255, no leading zeros.
pub fn ipv4_octets(groups: &[&[u8]]) -> bool {
    groups.len() == 4
        && groups.iter().all(|g| {
            !g.is_empty()
                && g.len() <= 3
                && g.iter().all(u8::is_ascii_digit)
                && !(g.len() > 1 && g[0] == b'0')
                && g.iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0')) <= 255
        })
        // 0.0.0.0 and the like are placeholders, not addresses of anyone
        && groups[0] != b"0"
}

/// Colon-hex text accepted by the standard parser (RFC 4291), at least three groups, not
/// loopback or unspecified. Returns true for a real address.
pub fn ipv6(s: &str) -> bool {
    if s.bytes().filter(|c| *c == b':').count() < 2 {
        return false;
    }
    match s.parse::<Ipv6Addr>() {
        Ok(a) => !a.is_loopback() && !a.is_unspecified(),
        Err(_) => false,
    }
}

/// `aa:bb:cc:dd:ee:ff` or with `-`; not all-zero and not broadcast.
pub fn mac(s: &[u8]) -> bool {
    if s.len() != 17 {
        return false;
    }
    let sep = s[2];
    if sep != b':' && sep != b'-' {
        return false;
    }
    for (i, c) in s.iter().enumerate() {
        if i % 3 == 2 {
            if *c != sep {
                return false;
            }
        } else if !c.is_ascii_hexdigit() {
            return false;
        }
    }
    let hex: Vec<u8> = s.iter().copied().filter(u8::is_ascii_hexdigit).collect();
    !hex.iter().all(|c| *c == b'0') && !hex.iter().all(|c| matches!(c, b'f' | b'F'))
}

/// 12 hex digits without separators (context only).
pub fn mac_compact(s: &[u8]) -> bool {
    s.len() == 12 && s.iter().all(u8::is_ascii_hexdigit) && s.iter().any(|c| *c != b'0')
}

/// GSMA reporting-body prefixes of real TACs that are common in traffic.
fn imei_rbi(d: &[u8]) -> bool {
    matches!(&d[..2], b"01" | b"35" | b"86" | b"99" | b"98" | b"91")
}

/// IMEI (3GPP TS 23.003): 15 digits, Luhn; without context the TAC must start with a known
/// reporting body. 14 digits (no check digit) only with context.
pub fn imei(d: &[u8], context: bool) -> bool {
    if !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    match d.len() {
        15 => luhn(d) && (context || imei_rbi(d)),
        14 => context,
        _ => false,
    }
}

/// MEID (3GPP2 S.R0048): 14 hex digits, regional code A0-FF; an optional 15th check digit
/// (Luhn over hex). Decimal 18-digit form only with context.
pub fn meid(s: &[u8], context: bool) -> bool {
    let hex = s.iter().all(u8::is_ascii_hexdigit);
    let upper_or_lower =
        s.iter().all(|c| !c.is_ascii_lowercase()) || s.iter().all(|c| !c.is_ascii_uppercase());
    match s.len() {
        14 if hex && upper_or_lower => {
            let rr = (s[0] as char).to_digit(16).unwrap_or(0);
            (rr >= 0xA && s.iter().any(u8::is_ascii_digit)) || context
        }
        15 if hex && upper_or_lower => {
            let rr = (s[0] as char).to_digit(16).unwrap_or(0);
            rr >= 0xA && luhn_hex(s)
        }
        18 => context && s.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Bytes that continue a URL: printable ASCII except quotes, angle brackets, back-tick,
/// backslash, braces, `|` and `^` (RFC 3986 excludes them; in logs they end the URL). A table,
/// because URL-heavy bodies (API links, image URLs) spend their time in this loop.
static URL_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0x21;
    while i < 0x80 {
        t[i] = !matches!(
            i as u8,
            b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\' | b'{' | b'}' | b'|' | b'^'
        );
        i += 1;
    }
    t
};

/// The end of a URL that starts at `s` with `http://` or `https://`; None when the host is not
/// a dotted name, an IP or `localhost`.
pub fn url_end(b: &[u8], s: usize, scheme_end: usize) -> Option<usize> {
    // scheme_end points at "://"
    let host_start = scheme_end + 3;
    let mut e = host_start;
    while e < b.len() && URL_BYTE[b[e] as usize] {
        e += 1;
    }
    // strip trailing punctuation that belongs to the sentence
    while e > host_start
        && matches!(
            b[e - 1],
            b'.' | b',' | b')' | b';' | b':' | b'!' | b'?' | b']'
        )
    {
        e -= 1;
    }
    let rest = &b[host_start..e];
    let host_len = rest
        .iter()
        .position(|c| matches!(c, b'/' | b'?' | b'#' | b':'))
        .unwrap_or(rest.len());
    let host = &rest[..host_len];
    let host = match host.iter().rposition(|c| *c == b'@') {
        Some(p) => &host[p + 1..],
        None => host,
    };
    let ok = (host.contains(&b'.')
        && host.len() >= 4
        && host
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
        && !host.ends_with(b"."))
        || host == b"localhost"
        || (host.first() == Some(&b'[') && rest.contains(&b']'));
    if ok && s < host_start {
        Some(e)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(ipv4_octets(&[b"192", b"168", b"1", b"20"]));
        assert!(!ipv4_octets(&[b"192", b"168", b"1", b"256"]));
        assert!(!ipv4_octets(&[b"192", b"168", b"01", b"2"]));
        assert!(ipv6("2001:db8::8a2e:370:7334"));
        assert!(ipv6("fe80::1ff:fe23:4567:890a"));
        assert!(!ipv6("::1"));
        assert!(!ipv6("10:30:00"));
        assert!(mac(b"00:1A:2B:3C:4D:5E"));
        assert!(mac(b"00-1a-2b-3c-4d-5e"));
        assert!(!mac(b"00:00:00:00:00:00"));
        assert!(!mac(b"00:1A:2B:3C:4D"));
    }

    #[test]
    fn devices() {
        assert!(imei(b"490154203237518", true));
        assert!(!imei(b"490154203237518", false)); // 49 is not in the context-free list
        assert!(imei(b"356938035643809", false));
        assert!(!imei(b"356938035643808", false));
        assert!(meid(b"A0000012345678", false));
        assert!(!meid(b"10000012345678", false));
        assert!(meid(b"AF0123450ABCDEC", false));
    }

    #[test]
    fn urls() {
        let b = b"see https://example.com/a?b=1. next";
        let e = url_end(b, 4, 9).unwrap();
        assert_eq!(&b[4..e], b"https://example.com/a?b=1");
        let b = b"http://x";
        assert!(url_end(b, 0, 4).is_none());
    }
}
