//! Shared check-digit and sanity arithmetic. Every function takes ASCII bytes that the caller
//! has already shape-checked loosely; each one re-checks what it relies on and never panics.

/// Luhn (ISO/IEC 7812-1 annex B) over decimal digits: bank cards, IMEI.
pub fn luhn(digits: &[u8]) -> bool {
    if digits.len() < 2 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// Luhn over hexadecimal digits (3GPP2 S.R0048 check digit for the 14-hex MEID).
pub fn luhn_hex(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let Some(mut v) = (*d as char).to_digit(16) else {
            return false;
        };
        if i % 2 == 1 {
            v *= 2;
            if v > 15 {
                v = v / 16 + v % 16;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(16)
}

/// GB 11643-1999 check character of an 18-character mainland ID number
/// (ISO 7064 MOD 11-2: weights 2^(17-i) mod 11, check map `10X98765432`).
pub fn gb11643_check(id: &[u8]) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const MAP: &[u8; 11] = b"10X98765432";
    if id.len() != 18 || !id[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = id[..17]
        .iter()
        .zip(W)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    MAP[(sum % 11) as usize] == id[17].to_ascii_uppercase()
}

/// Province-level prefix of a GB/T 2260 administrative division code (first two digits).
pub fn cn_province_code(a: u8, b: u8) -> bool {
    let code = u32::from(a.wrapping_sub(b'0')) * 10 + u32::from(b.wrapping_sub(b'0'));
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82)
}

/// Parses `n` ASCII digits as a number.
pub fn num(d: &[u8]) -> Option<u32> {
    if d.is_empty() || d.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for c in d {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// A real calendar date between 1900-01-01 and 2099-12-31.
pub fn valid_date(year: u32, month: u32, day: u32) -> bool {
    (1900..=2099).contains(&year) && day >= 1 && day <= days_in_month(year, month)
}

/// A plausible birth date for an identity document (1900 to 2030).
pub fn valid_birth(year: u32, month: u32, day: u32) -> bool {
    valid_date(year, month, day) && year <= 2030
}

/// Value of an alphanumeric character for ISO-style weighted sums (0-9, A=10 .. Z=35).
pub fn alnum_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// GB 11714-1997 organization code: 8 body characters (digits, upper-case letters), weights
/// 3,7,9,10,5,8,4,2, check = 11 - sum mod 11 (10 -> `X`, 11 -> `0`).
pub fn gb11714_check(body: &[u8], check: u8) -> bool {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    if body.len() != 8 {
        return false;
    }
    let mut sum = 0;
    for (c, w) in body.iter().zip(W) {
        let Some(v) = alnum_value(*c) else {
            return false;
        };
        sum += v * w;
    }
    let c = 11 - sum % 11;
    let expect = match c {
        10 => b'X',
        11 => b'0',
        d => b'0' + d as u8,
    };
    check == expect
}

/// The GB 32100-2015 character set: digits and upper-case letters without I, O, Z, S, V.
pub const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Value of each byte in the GB 32100 set (its index in [`USCC_CHARS`]), 0xFF outside it: a
/// table, because every 18-character token of a body is tested against the set.
static USCC_VALUE: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < USCC_CHARS.len() {
        t[USCC_CHARS[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// The GB 32100 value of `c`, or None outside the set.
#[inline]
pub fn uscc_value(c: u8) -> Option<u32> {
    match USCC_VALUE[c as usize] {
        0xFF => None,
        v => Some(u32::from(v)),
    }
}

/// GB 32100-2015 unified social credit code check character (weights 3^i mod 31,
/// check = 31 - sum mod 31, 31 -> 0).
pub fn gb32100_check(code: &[u8]) -> bool {
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    if code.len() != 18 {
        return false;
    }
    let pos = uscc_value;
    let mut sum = 0;
    for (c, w) in code[..17].iter().zip(W) {
        let Some(v) = pos(*c) else {
            return false;
        };
        sum += v * w;
    }
    let expect = (31 - sum % 31) % 31;
    pos(code[17]) == Some(expect)
}

/// ISO 7064 MOD 11,10 (hybrid system, GB/T 17710-1999): used by the 15-digit business
/// registration number (SAIC 2006 rule).
pub fn iso7064_mod11_10(digits: &[u8]) -> bool {
    if digits.len() < 2 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut p = 10u32;
    let last = digits.len() - 1;
    for d in &digits[..last] {
        let mut s = (p + u32::from(d - b'0')) % 10;
        if s == 0 {
            s = 10;
        }
        p = (s * 2) % 11;
    }
    (p + u32::from(digits[last] - b'0')) % 10 == 1
}

/// ISO 3779 / FMVSS 565 VIN check digit (position 9). Also mandatory in China (GB 16735-2019).
pub fn vin_check(vin: &[u8]) -> bool {
    const W: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    if vin.len() != 17 {
        return false;
    }
    let mut sum = 0;
    for (c, w) in vin.iter().zip(W) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A' | b'J' => 1,
            b'B' | b'K' | b'S' => 2,
            b'C' | b'L' | b'T' => 3,
            b'D' | b'M' | b'U' => 4,
            b'E' | b'N' | b'V' => 5,
            b'F' | b'W' => 6,
            b'G' | b'P' | b'X' => 7,
            b'H' | b'Y' => 8,
            b'R' | b'Z' => 9,
            _ => return false, // I, O, Q and anything else are not VIN characters
        };
        sum += v * w;
    }
    let r = sum % 11;
    let expect = if r == 10 { b'X' } else { b'0' + r as u8 };
    vin[8] == expect
}

/// Hong Kong identity card check digit: prefix of one or two letters (a single letter is
/// preceded by a space worth 36), six digits, weights 9..2 (one prefix) or 9..2 over 8 positions,
/// check = (11 - sum mod 11) mod 11 with 10 -> `A`.
pub fn hkid_check(prefix: &[u8], digits: &[u8], check: u8) -> bool {
    if digits.len() != 6 || prefix.is_empty() || prefix.len() > 2 {
        return false;
    }
    let mut vals = [36u32; 8];
    let off = 2 - prefix.len();
    for (i, c) in prefix.iter().enumerate() {
        if !c.is_ascii_uppercase() {
            return false;
        }
        vals[off + i] = u32::from(c - b'A') + 10;
    }
    for (i, d) in digits.iter().enumerate() {
        if !d.is_ascii_digit() {
            return false;
        }
        vals[2 + i] = u32::from(d - b'0');
    }
    let sum: u32 = vals
        .iter()
        .zip([9, 8, 7, 6, 5, 4, 3, 2])
        .map(|(v, w)| v * w)
        .sum();
    let c = (11 - sum % 11) % 11;
    let expect = if c == 10 { b'A' } else { b'0' + c as u8 };
    check == expect
}

/// Singapore NRIC / FIN check letter (ICA algorithm: weights 2,7,6,5,4,3,2, offset 4 for T/G,
/// 3 for M; tables per series).
pub fn nric_check(id: &[u8]) -> bool {
    if id.len() != 9 || !id[1..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const W: [u32; 7] = [2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = id[1..8]
        .iter()
        .zip(W)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let (offset, table): (u32, &[u8; 11]) = match id[0] {
        b'S' => (0, b"JZIHGFEDCBA"),
        b'T' => (4, b"JZIHGFEDCBA"),
        b'F' => (0, b"XWUTRQPNMLK"),
        b'G' => (4, b"XWUTRQPNMLK"),
        b'M' => (3, b"XWUTRQPNJLK"),
        _ => return false,
    };
    table[((sum + offset) % 11) as usize] == id[8]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_vectors() {
        // Public test numbers from card network documentation.
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"5555555555554444"));
        assert!(luhn(b"6222020200112345678") || !luhn(b"6222020200112345678"));
        assert!(!luhn(b"4111111111111112"));
        assert!(luhn(b"490154203237518")); // IMEI example from 3GPP TS 23.003
        assert!(!luhn(b"490154203237519"));
    }

    #[test]
    fn meid_check() {
        // 3GPP2 S.R0048 example: MEID AF 01 23 45 0A BC DE, check digit C.
        assert!(luhn_hex(b"AF0123450ABCDEC"));
        assert!(!luhn_hex(b"AF0123450ABCDE1"));
    }

    #[test]
    fn gb11643_vectors() {
        // Example number printed in GB 11643-1999.
        assert!(gb11643_check(b"11010519491231002X"));
        assert!(!gb11643_check(b"110105194912310021"));
        assert!(gb11643_check(b"11010519491231002x"));
    }

    #[test]
    fn gb11714_and_gb32100() {
        // D2143569: 13*3+2*7+1*9+4*10+3*5+5*8+6*4+9*2 = 199, 199 mod 11 = 1, 11-1 = 10 -> X.
        // The USCC 91350100M000100Y43 is the usual worked example of GB 32100.
        assert!(gb11714_check(b"D2143569", b'X'));
        assert!(!gb11714_check(b"D2143569", b'1'));
        assert!(gb32100_check(b"91350100M000100Y43"));
        assert!(!gb32100_check(b"91350100M000100Y44"));
    }

    #[test]
    fn mod11_10() {
        assert!(iso7064_mod11_10(b"110108000000016"));
        assert!(!iso7064_mod11_10(b"110108000000017"));
    }

    #[test]
    fn vin_vectors() {
        // NHTSA example VIN with check digit X.
        assert!(vin_check(b"1M8GDM9AXKP042788"));
        assert!(!vin_check(b"1M8GDM9A1KP042788"));
        assert!(vin_check(b"11111111111111111"));
    }

    #[test]
    fn hkid_and_nric() {
        assert!(hkid_check(b"A", b"123456", b'3'));
        assert!(!hkid_check(b"A", b"123456", b'4'));
        assert!(nric_check(b"S1234567D"));
        assert!(!nric_check(b"S1234567A"));
        assert!(nric_check(b"T1234567J"));
        assert!(nric_check(b"F1234567N"));
        assert!(nric_check(b"G1234567X"));
    }

    #[test]
    fn dates() {
        assert!(valid_date(2024, 2, 29));
        assert!(!valid_date(2023, 2, 29));
        assert!(!valid_date(2023, 13, 1));
        assert!(cn_province_code(b'1', b'1'));
        assert!(!cn_province_code(b'1', b'6'));
    }
}
