//! Contact details: mainland mobile and fixed-line numbers, US (NANP) numbers, e-mail addresses.

/// Mainland mobile: 11 digits, `1[3-9]` (MIIT numbering plan).
pub fn cn_mobile(d: &[u8]) -> bool {
    d.len() == 11
        && d[0] == b'1'
        && (b'3'..=b'9').contains(&d[1])
        && d.iter().all(u8::is_ascii_digit)
}

/// Mainland area code: `010`, `02X`, or `0XXX` with X in 3-9 for the first digit.
pub fn cn_area_code(a: &[u8]) -> bool {
    if !a.iter().all(u8::is_ascii_digit) || a.first() != Some(&b'0') {
        return false;
    }
    match a.len() {
        3 => a[1] == b'1' && a[2] == b'0' || a[1] == b'2',
        4 => (b'3'..=b'9').contains(&a[1]),
        _ => false,
    }
}

/// A fixed-line subscriber number after `area`: 8 digits after a 3-digit code, 7-8 after a
/// 4-digit one; never starting with 0 or 1.
pub fn cn_landline(area: &[u8], sub: &[u8]) -> bool {
    cn_area_code(area)
        && sub.iter().all(u8::is_ascii_digit)
        && !matches!(sub.first(), Some(b'0' | b'1') | None)
        && match area.len() {
            3 => sub.len() == 8,
            _ => sub.len() == 7 || sub.len() == 8,
        }
}

/// A landline written without a separator (`01012345678`), context only.
pub fn cn_landline_compact(d: &[u8]) -> bool {
    (10..=12).contains(&d.len())
        && ((d.len() >= 11 && cn_landline(&d[..3], &d[3..])) || cn_landline(&d[..4], &d[4..]))
}

/// NANP: area and exchange `[2-9]XX`, neither `N11`; not the fictional 555-01XX block; not
/// toll-free or premium area codes (not personal lines).
pub fn us_phone(area: &[u8], exch: &[u8], line: &[u8]) -> bool {
    let ok3 = |x: &[u8]| {
        x.len() == 3
            && (b'2'..=b'9').contains(&x[0])
            && x.iter().all(u8::is_ascii_digit)
            && !(x[1] == b'1' && x[2] == b'1')
    };
    if !ok3(area) || !ok3(exch) || line.len() != 4 || !line.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if matches!(
        area,
        b"800" | b"833" | b"844" | b"855" | b"866" | b"877" | b"888" | b"900" | b"400"
    ) {
        return false;
    }
    !(exch == b"555" && line[0] == b'0' && line[1] == b'1')
}

/// `local@domain.tld` starting at `at` (the index of `@` in `b`). Returns the byte range.
pub fn email_at(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let local_ok =
        |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-');
    let mut s = at;
    while s > 0 && at - s < 64 && local_ok(b[s - 1]) {
        s -= 1;
    }
    // do not start the local part with a dot
    while s < at && b[s] == b'.' {
        s += 1;
    }
    if s == at || b[at - 1] == b'.' {
        return None;
    }
    let mut e = at + 1;
    while e < b.len()
        && e - at < 255
        && (b[e].is_ascii_alphanumeric() || b[e] == b'-' || b[e] == b'.')
    {
        e += 1;
    }
    while e > at + 1 && (b[e - 1] == b'.' || b[e - 1] == b'-') {
        e -= 1;
    }
    let domain = &b[at + 1..e];
    let last_dot = domain.iter().rposition(|c| *c == b'.')?;
    let tld = &domain[last_dot + 1..];
    if last_dot == 0 || tld.len() < 2 || tld.len() > 24 || !tld.iter().all(u8::is_ascii_alphabetic)
    {
        return None;
    }
    if domain.windows(2).any(|w| w == b"..") || domain[0] == b'-' || domain[0] == b'.' {
        return None;
    }
    Some((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert!(cn_mobile(b"13800138000"));
        assert!(!cn_mobile(b"12800138000"));
        assert!(cn_landline(b"010", b"62345678"));
        assert!(cn_landline(b"0755", b"8765432"));
        assert!(!cn_landline(b"0155", b"8765432"));
        assert!(!cn_landline(b"010", b"12345678"));
        assert!(cn_landline_compact(b"01062345678"));
        assert!(us_phone(b"415", b"555", b"2671"));
        assert!(!us_phone(b"415", b"555", b"0123"));
        assert!(!us_phone(b"115", b"555", b"2671"));
        assert!(!us_phone(b"800", b"555", b"2671"));
        assert!(!us_phone(b"411", b"555", b"2671"));
    }

    #[test]
    fn emails() {
        let s = b"mail me: zhang.san+x@example.com.cn, ok";
        let at = s.iter().position(|c| *c == b'@').unwrap();
        let (a, b) = email_at(s, at).unwrap();
        assert_eq!(&s[a..b], b"zhang.san+x@example.com.cn");
        let s = b"user@localhost";
        assert!(email_at(s, 4).is_none());
        let s = b"pkg@1.2.3";
        assert!(email_at(s, 3).is_none());
    }
}
