//! Enterprise identifiers (unified social credit code, organization code, business licence and
//! tax registration numbers, VIN) and dates.

use super::checks::{
    cn_province_code, gb11714_check, gb32100_check, iso7064_mod11_10, num, uscc_value, valid_date,
    vin_check,
};

/// GB 32100-2015: registration-authority and category codes, 6-digit area, 9-char organization
/// code, MOD 31 check. Without `strong` context the embedded organization code must check too.
pub fn uscc(v: &[u8], strong: bool) -> bool {
    if v.len() != 18 || !v.iter().all(|c| uscc_value(*c).is_some()) {
        return false;
    }
    // Registration authority: 1-9, A (military), N (agriculture), Y (other).
    if !matches!(v[0], b'1'..=b'9' | b'A' | b'N' | b'Y') {
        return false;
    }
    if !v[1].is_ascii_alphanumeric()
        || !v[2..8].iter().all(u8::is_ascii_digit)
        || !cn_province_code(v[2], v[3])
    {
        return false;
    }
    gb32100_check(v) && (strong || gb11714_check(&v[8..16], v[16]))
}

/// GB 11714 organization code, `XXXXXXXX-C` or 9 characters.
pub fn org_code(v: &[u8]) -> bool {
    let (body, check) = match v.len() {
        10 if v[8] == b'-' => (&v[..8], v[9]),
        9 => (&v[..8], v[8]),
        _ => return false,
    };
    body.iter().any(u8::is_ascii_digit) && gb11714_check(body, check)
}

/// 15-digit business registration number (GS 15-2006): area prefix and MOD 11,10 check.
pub fn business_license(d: &[u8]) -> bool {
    d.len() == 15
        && d.iter().all(u8::is_ascii_digit)
        && cn_province_code(d[0], d[1])
        && iso7064_mod11_10(d)
}

/// Tax registration number layouts (context only): 15 = 6-digit area + 9-char organization
/// code; 18 = unified code; 20 = 18-char ID number + 2 digits.
pub fn tax_number(v: &[u8]) -> bool {
    let alnum = v
        .iter()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    alnum
        && match v.len() {
            15 => v[..6].iter().all(u8::is_ascii_digit) && cn_province_code(v[0], v[1]),
            18 => gb32100_check(v) || uscc(v, true),
            20 => v[..17].iter().all(u8::is_ascii_digit) && cn_province_code(v[0], v[1]),
            _ => false,
        }
}

/// VIN: 17 characters without I/O/Q, mixing letters and digits, check digit at position 9
/// (unless `strong`, for European VINs that do not use it).
pub fn vin(v: &[u8], strong: bool) -> bool {
    if v.len() != 17
        || !v.iter().all(|c| {
            c.is_ascii_digit() || (c.is_ascii_uppercase() && !matches!(c, b'I' | b'O' | b'Q'))
        })
        || !v.iter().any(u8::is_ascii_uppercase)
        || !v.iter().any(u8::is_ascii_digit)
    {
        return false;
    }
    // Model-year position 10 never uses U, Z or 0.
    if matches!(v[9], b'U' | b'Z' | b'0') {
        return false;
    }
    vin_check(v) || strong
}

/// Dates. `y`, `m`, `d` are digit slices.
pub fn ymd(y: &[u8], m: &[u8], d: &[u8]) -> bool {
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return false;
    }
    match (num(y), num(m), num(d)) {
        (Some(y), Some(m), Some(d)) => valid_date(y, m, d),
        _ => false,
    }
}

/// DD/MM/YYYY or MM/DD/YYYY (either reading valid).
pub fn dmy(a: &[u8], b: &[u8], y: &[u8]) -> bool {
    ymd(y, b, a) || ymd(y, a, b)
}

/// Compact YYYYMMDD.
pub fn compact_date(d: &[u8]) -> bool {
    d.len() == 8 && ymd(&d[..4], &d[4..6], &d[6..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise() {
        assert!(uscc(b"91350100M000100Y43", false));
        assert!(!uscc(b"91350100M000100Y44", true));
        assert!(org_code(b"D2143569-X"));
        assert!(!org_code(b"D2143569-2"));
        assert!(vin(b"1M8GDM9AXKP042788", false));
        assert!(!vin(b"1M8GDM9A1KP042788", false));
        assert!(vin(b"WVWZZZ1JZ3W386752", true));
        assert!(tax_number(b"110108123456789"));
    }

    #[test]
    fn dates() {
        assert!(ymd(b"2024", b"02", b"29"));
        assert!(!ymd(b"2023", b"02", b"29"));
        assert!(dmy(b"31", b"12", b"1990"));
        assert!(compact_date(b"19900101"));
        assert!(!compact_date(b"19901301"));
    }
}
