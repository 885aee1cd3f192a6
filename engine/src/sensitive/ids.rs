//! Identity documents: mainland ID card, passports, travel permits, Hong Kong, Singapore and
//! Malaysian identity cards, US SSN, Indonesian family card and KIP, military officer card.

use super::checks::{
    cn_province_code, days_in_month, gb11643_check, hkid_check, nric_check, num, valid_birth,
};

/// Mainland ID number (GB 11643-1999): area prefix, birth date, MOD 11-2 check.
pub fn cn_id_card(v: &[u8]) -> bool {
    if v.len() != 18 || !cn_province_code(v[0], v[1]) {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (num(&v[6..10]), num(&v[10..12]), num(&v[12..14])) else {
        return false;
    };
    valid_birth(y, m, d) && gb11643_check(v)
}

/// An 18-digit number laid out like a mainland ID number (area prefix and birth date) whatever
/// its check digit: a mistyped ID number, not a bank card.
pub fn cn_id_shape(v: &[u8]) -> bool {
    if v.len() != 18 || !cn_province_code(v[0], v[1]) {
        return false;
    }
    matches!((num(&v[6..10]), num(&v[10..12]), num(&v[12..14])), (Some(y), Some(m), Some(d)) if valid_birth(y, m, d))
}

/// Chinese passport: E/G + 8 digits, E + letter (not I/O) + 7 digits. With `strong` context
/// the diplomatic (D), service (S) and public-affairs (P) series of 7-8 digits are accepted.
pub fn cn_passport(v: &[u8], strong: bool) -> bool {
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match v.len() {
        9 if matches!(v[0], b'E' | b'G') && digits(&v[1..]) => true,
        9 if v[0] == b'E'
            && v[1].is_ascii_uppercase()
            && !matches!(v[1], b'I' | b'O')
            && digits(&v[2..]) =>
        {
            true
        }
        8 | 9 if strong && matches!(v[0], b'D' | b'S' | b'P' | b'G' | b'E') && digits(&v[1..]) => {
            true
        }
        _ => false,
    }
}

/// Mainland Travel Permit for Hong Kong and Macao Residents: H/M + 8 or 10 digits.
pub fn hk_macao_permit(v: &[u8]) -> bool {
    (v.len() == 9 || v.len() == 11)
        && matches!(v[0], b'H' | b'M')
        && v[1..].iter().all(u8::is_ascii_digit)
}

/// HKID `A123456(3)` / `AB987654(A)`: `body` is the letters and digits, `check` the check char.
pub fn hk_id(body: &[u8], check: u8) -> bool {
    let letters = body.iter().take_while(|c| c.is_ascii_uppercase()).count();
    (1..=2).contains(&letters)
        && body.len() == letters + 6
        && hkid_check(&body[..letters], &body[letters..], check)
}

/// Singapore NRIC/FIN.
pub fn sg_nric(v: &[u8]) -> bool {
    v.len() == 9 && v[8].is_ascii_uppercase() && nric_check(v)
}

/// Malaysian place-of-birth codes (JPN): states 01-16, 21-59 for states, 60-99 for countries
/// except the unused 69, 70, 73, 80, 81, 94-97.
fn mykad_pb(pb: u32) -> bool {
    matches!(pb, 1..=16 | 21..=68 | 71 | 72 | 74..=79 | 82..=93 | 98 | 99)
}

/// MyKad `YYMMDD-PB-NNNN` (digits only, 12): real date and a valid place-of-birth code.
pub fn my_kad(d: &[u8]) -> bool {
    if d.len() != 12 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (Some(yy), Some(m), Some(day), Some(pb)) =
        (num(&d[0..2]), num(&d[2..4]), num(&d[4..6]), num(&d[6..8]))
    else {
        return false;
    };
    // Two-digit year: either century is acceptable for the calendar check.
    let year = 2000 + yy;
    (1..=12).contains(&m)
        && day >= 1
        && day <= days_in_month(year, m).max(days_in_month(1900 + yy, m))
        && mykad_pb(pb)
}

/// US SSN parts (SSA rules): area 001-899 except 666, group 01-99, serial 0001-9999, and not
/// the numbers used in advertising.
pub fn us_ssn(area: &[u8], group: &[u8], serial: &[u8]) -> bool {
    if area.len() != 3 || group.len() != 2 || serial.len() != 4 {
        return false;
    }
    let (Some(a), Some(g), Some(s)) = (num(area), num(group), num(serial)) else {
        return false;
    };
    if a == 0 || a == 666 || a >= 900 || g == 0 || s == 0 {
        return false;
    }
    // Woolworth wallet card and the 1940s advertising number; 123-45-6789 is an example.
    !matches!((a, g, s), (78, 5, 1120) | (219, 9, 9999) | (123, 45, 6789))
}

/// Indonesian province codes (Kemendagri): 11-21 Sumatra, 31-36 Java, 51-53 Bali/Nusa Tenggara,
/// 61-65 Kalimantan, 71-76 Sulawesi, 81-82 Maluku, 91-96 Papua.
fn id_province(p: u32) -> bool {
    matches!(p, 11..=19 | 21 | 31..=36 | 51..=53 | 61..=65 | 71..=76 | 81 | 82 | 91..=96)
}

/// Kartu Keluarga / NIK layout: province, regency, district (6), date DDMMYY (day + 40 for
/// women in the NIK), serial (4).
pub fn id_kk(d: &[u8]) -> bool {
    if d.len() != 16 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (Some(p), Some(mut day), Some(m)) = (num(&d[0..2]), num(&d[6..8]), num(&d[8..10])) else {
        return false;
    };
    if day > 40 {
        day -= 40;
    }
    id_province(p) && (1..=12).contains(&m) && (1..=31).contains(&day) && &d[12..] != b"0000"
}

/// KIP card number: no published layout, so 6-20 alphanumerics with a digit, context only.
pub fn id_kip(v: &[u8]) -> bool {
    (6..=20).contains(&v.len())
        && v.iter().all(u8::is_ascii_alphanumeric)
        && v.iter().any(u8::is_ascii_digit)
}

/// The number part of a military officer card (`南字第1234567号` -> `1234567`).
pub fn officer_number(d: &[u8]) -> bool {
    (6..=8).contains(&d.len()) && d.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_card() {
        assert!(cn_id_card(b"11010519491231002X"));
        assert!(!cn_id_card(b"11010519491331002X")); // month 13
        assert!(!cn_id_card(b"99010519491231002X")); // no province 99
        assert!(!cn_id_card(b"110105194912310021")); // check digit
    }

    #[test]
    fn documents() {
        assert!(cn_passport(b"E12345678", false));
        assert!(cn_passport(b"EA1234567", false));
        assert!(!cn_passport(b"D1234567", false));
        assert!(cn_passport(b"D1234567", true));
        assert!(hk_macao_permit(b"H12345678"));
        assert!(hk_macao_permit(b"M1234567890"));
        assert!(!hk_macao_permit(b"X12345678"));
        assert!(hk_id(b"A123456", b'3'));
        assert!(!hk_id(b"A123456", b'5'));
        assert!(sg_nric(b"S1234567D"));
        assert!(!sg_nric(b"S1234567E"));
    }

    #[test]
    fn mykad_ssn_kk() {
        assert!(my_kad(b"900101145678"));
        assert!(!my_kad(b"901301145678"));
        assert!(!my_kad(b"900101175678")); // PB 17 unused
        assert!(us_ssn(b"536", b"22", b"1234"));
        assert!(!us_ssn(b"666", b"22", b"1234"));
        assert!(!us_ssn(b"900", b"22", b"1234"));
        assert!(!us_ssn(b"536", b"00", b"1234"));
        assert!(id_kk(b"3171011203150003"));
        assert!(!id_kk(b"9971011203150003"));
        assert!(id_kip(b"5A2B7C9"));
    }
}
