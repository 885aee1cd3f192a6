//! Bank cards (debit versus lending/credit by BIN) and SWIFT/BIC codes.
//!
//! BIN table: card networks by ISO/IEC 7812 IIN range; credit versus debit by a small table of
//! well-known issuer BINs. The table is partial by nature (issuers publish thousands of BINs);
//! the defaults are: UnionPay `62` is debit unless listed as credit (most mainland `62` cards are
//! debit; `625` and `628` are the UnionPay credit ranges); the domestic `60`/`9` ranges and
//! Maestro are debit; Amex, Diners, JCB and Discover are credit; Visa and Mastercard are credit
//! unless listed as debit.

use super::checks::luhn;
use super::registry::{CREDIT_CARD, DEBIT_CARD};

/// Mainland issuer BINs in the UnionPay 62 range that are credit cards (CMB, CCB, ABC, ICBC, BOC,
/// BOCOM, CITIC, CEB, SPDB, CIB, Ping An, published issuer lists).
const CN_CREDIT_BINS: &[&[u8]] = &[
    b"622575", b"622576", b"622577", b"622578", b"622579", b"622581", b"622582", // CMB
    b"622166", b"622168", b"622708", // CCB
    b"622836", b"622837", // ABC
    b"622760", b"622761", b"622762", b"622763", // BOC Great Wall credit
    b"622250", b"622251", b"622252", b"622253", // BOCOM
    b"622918", b"622919", // CITIC
    b"622655", b"622657", // CEB
    b"622518", b"622519", // SPDB
    b"622909", b"622908", // CIB
    b"622155", b"622156", // Ping An
];

/// Visa/Mastercard BINs issued as debit cards by mainland banks (CCB Long card, BOC, ICBC, ABC
/// debit products) and common international debit BINs.
const DEBIT_BINS: &[&[u8]] = &[
    b"436742", b"436745", b"456351", b"427010", b"427018", b"427019", b"427020", b"427029",
    b"427030", b"427039", b"403361", b"404117", b"404118", b"404119", b"404120", b"404121",
    b"491020", b"524094", b"526410", b"530970", b"530990", b"558360", b"400115", b"400837",
    b"440066", b"489592",
];

/// The card network prefix and length are plausible (ISO/IEC 7812 IIN ranges).
pub fn known_network(d: &[u8]) -> bool {
    let n = d.len();
    let p2 = if n >= 2 {
        (d[0] - b'0') * 10 + (d[1] - b'0')
    } else {
        0
    };
    let p4: u32 = d
        .iter()
        .take(4)
        .fold(0, |a, c| a * 10 + u32::from(c - b'0'));
    match d.first() {
        Some(b'4') => matches!(n, 13 | 16 | 19),
        Some(b'5') => {
            (51..=55).contains(&p2) && n == 16
                || matches!(p2, 50 | 56..=58) && (12..=19).contains(&n)
        }
        Some(b'2') => (2221..=2720).contains(&p4) && n == 16,
        Some(b'3') => match p2 {
            34 | 37 => n == 15,
            36 | 38 | 39 | 30 => (14..=16).contains(&n),
            35 => (3528..=3589).contains(&p4) && (16..=19).contains(&n),
            _ => false,
        },
        Some(b'6') => match p2 {
            62 => (16..=19).contains(&n),
            60 | 64 | 65 => (16..=19).contains(&n),
            63 | 67 => (12..=19).contains(&n),
            _ => false,
        },
        Some(b'9') => p2 == 95 && n == 19,
        _ => false,
    }
}

/// Debit or credit for a card number that passed the network check.
pub fn card_type(d: &[u8]) -> u32 {
    let p6 = if d.len() >= 6 { &d[..6] } else { d };
    if d[0] == b'4' || d[0] == b'5' {
        if DEBIT_BINS.contains(&p6) {
            return DEBIT_CARD;
        }
    } else if d.starts_with(b"622") && CN_CREDIT_BINS.contains(&p6) {
        return CREDIT_CARD;
    }
    match (
        d[0],
        d.get(1).copied().unwrap_or(b'0'),
        d.get(2).copied().unwrap_or(b'0'),
    ) {
        (b'6', b'2', b'5') | (b'6', b'2', b'8') => CREDIT_CARD,
        (b'6', b'2', _) => DEBIT_CARD,
        (b'6', b'0', b'1') if d.get(3) == Some(&b'1') => CREDIT_CARD, // Discover 6011
        (b'6', b'0', _) => DEBIT_CARD,
        (b'6', b'4' | b'5', _) => CREDIT_CARD, // Discover 644-649, 65
        (b'6', b'3' | b'7', _) | (b'5', b'0' | b'6' | b'7' | b'8', _) => DEBIT_CARD, // Maestro
        (b'9', _, _) => DEBIT_CARD,
        _ => CREDIT_CARD, // Visa, Mastercard, Amex, Diners, JCB
    }
}

/// A bank card: a known network prefix and a valid Luhn digit. Under a card field the old
/// 19-digit domestic `95` cards, issued before the Luhn rule was universal, need no check digit.
pub fn bank_card(d: &[u8], card_context: bool) -> Option<u32> {
    if !(13..=19).contains(&d.len()) || !d.iter().all(u8::is_ascii_digit) || !known_network(d) {
        return None;
    }
    if luhn(d) || (card_context && d.len() == 19 && d[0] == b'9') {
        Some(card_type(d))
    } else {
        None
    }
}

/// ISO 3166-1 alpha-2 codes (assigned), for the SWIFT country part.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

pub fn country(cc: &[u8]) -> bool {
    cc.len() == 2
        && cc.iter().all(u8::is_ascii_uppercase)
        && COUNTRIES.as_bytes().chunks(3).any(|c| &c[..2] == cc)
}

/// ISO 9362 BIC: 4 letters, country, 2 alphanumerics, optional 3 alphanumerics.
pub fn swift(v: &[u8]) -> bool {
    (v.len() == 8 || v.len() == 11)
        && v[..4].iter().all(u8::is_ascii_uppercase)
        && country(&v[4..6])
        && v[6..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards() {
        assert_eq!(bank_card(b"4111111111111111", false), Some(CREDIT_CARD));
        assert_eq!(bank_card(b"4111111111111112", false), None);
        assert_eq!(bank_card(b"4111111111111112", true), None);
        assert_eq!(bank_card(b"378282246310005", false), Some(CREDIT_CARD));
        assert_eq!(bank_card(b"6011111111111117", false), Some(CREDIT_CARD));
        // UnionPay test number from the UnionPay integration docs
        assert_eq!(bank_card(b"6212345678901232", false), Some(DEBIT_CARD));
        assert_eq!(bank_card(b"1234567890123452", false), None);
    }

    #[test]
    fn bic() {
        assert!(swift(b"BKCHCNBJ"));
        assert!(swift(b"DEUTDEFF500"));
        assert!(!swift(b"BKCHZZBJ"));
        assert!(!swift(b"ABCD12"));
    }
}
