//! The hot loop: one pass over a value finds candidates by shape (tokens of `[A-Za-z0-9_-]`,
//! digit groups, `@`, `://`, `:`-separated hex, literal prefixes such as `sk-`, `hf_`, `LTAI`,
//! `-----BEGIN`, `jdbc:`), and only candidates reach the validators. Han text goes through one
//! Aho-Corasick automaton of keywords. The cost grows with the bytes scanned, not with the
//! number of types: each candidate shape dispatches to the few validators that can accept it.

// One arm per candidate length keeps the dispatch readable as a table.
#![allow(clippy::collapsible_match)]

use super::context::{self as cx, near};
use super::registry as id;
use super::{contact, enterprise, finance, ids, network, secrets, words};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::sync::OnceLock;

/// Type placeholder for a 30-character AccessKey Secret candidate without context: promoted to
/// an AccessKey Secret when an AccessKey ID appears in the same message.
pub const PENDING_SECRET: u32 = 0;

/// Upper bound of hits from one value (hostile bodies stay bounded).
const MAX_HITS_PER_VALUE: usize = 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub type_id: u32,
    pub value: String,
}

/// `str::trim` without the Unicode scan when both ends are visibly not white space.
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let Some(&last) = b.last() else {
        return s;
    };
    // the lead byte of the last character
    let mut k = b.len() - 1;
    while k > 0 && last >= 0x80 && b[k] & 0xC0 == 0x80 {
        k -= 1;
    }
    if never_space(b[0]) && never_space(b[k]) {
        s
    } else {
        s.trim()
    }
}

/// A character led by this byte is never Unicode white space: printable ASCII, or a lead
/// byte other than those of U+0085/U+00A0 (C2), U+1680 (E1), U+2000-U+205F (E2) and U+3000
/// (E3). Han characters (E4-E9) qualify, so Chinese values skip the full trim.
fn never_space(lead: u8) -> bool {
    lead > b' ' && !matches!(lead, 0xC2 | 0xE1 | 0xE2 | 0xE3)
}

/// Byte classes of the hot loop: 1 = token byte `[A-Za-z0-9_-]`.
static TOK: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        i += 1;
    }
    t
};

#[inline(always)]
fn is_tok(c: u8) -> bool {
    TOK[c as usize]
}

fn push(hits: &mut Vec<Hit>, type_id: u32, v: &str) {
    if hits.len() < MAX_HITS_PER_VALUE {
        hits.push(Hit {
            type_id,
            value: v.to_string(),
        });
    }
}

/// Scans one value (a JSON leaf, a form or query value, a header, a text body) under the
/// context flags of its field.
pub fn scan_value(text: &str, flags: u64, hits: &mut Vec<Hit>) {
    // without field context nothing shorter than 6 bytes can match (`a@b.co`, `1.2.3.4`)
    if text.len() < if flags == 0 { 6 } else { 1 } {
        return;
    }
    if flags != 0 && whole_value(text, flags, hits) {
        return;
    }
    let before = hits.len();
    let non_ascii = scan_text(text, flags, hits);
    // whole-value address checks for short values under any field name
    let has_addr = hits[before..]
        .iter()
        .any(|h| matches!(h.type_id, id::CN_ADDRESS | id::EN_ADDRESS));
    if text.len() <= 360 && !has_addr {
        let t = trim(text);
        if non_ascii {
            if words::cn_address(t, false) {
                push(hits, id::CN_ADDRESS, t);
            }
        } else if t.len() >= 10
            && t.as_bytes()[0].is_ascii_digit()
            && t.contains(' ')
            && words::en_address(t, false)
        {
            push(hits, id::EN_ADDRESS, t);
        }
    }
}

/// Whole-value detectors for the context-gated types. Returns true when the value was claimed.
fn whole_value(text: &str, flags: u64, hits: &mut Vec<Hit>) -> bool {
    let t = trim(text);
    if t.is_empty() || t.len() > 256 {
        return false;
    }
    let b = t.as_bytes();
    let mut one = |k: u32| {
        push(hits, k, t);
        true
    };
    if flags & cx::NAME != 0 {
        if let Some(k) = words::cn_name(t) {
            return one(k);
        }
        if words::en_name(t, flags) {
            return one(id::EN_NAME);
        }
    }
    if flags & cx::GENDER != 0 && words::gender(t) {
        return one(id::GENDER);
    }
    if flags & cx::ETHNIC != 0 && words::ethnic(t) {
        return one(id::ETHNIC_GROUP);
    }
    if flags & cx::RELIGION != 0 && words::religion(t) {
        return one(id::RELIGIOUS_BELIEF);
    }
    if flags & cx::PROVINCE != 0 && words::province(t) {
        return one(id::CN_PROVINCE);
    }
    if flags & cx::CITY != 0 && words::city(t) {
        return one(id::CN_CITY);
    }
    if flags & cx::ADDRESS != 0 {
        if words::cn_address(t, true) {
            return one(id::CN_ADDRESS);
        }
        if words::en_address(t, true) {
            return one(id::EN_ADDRESS);
        }
    }
    let digits = b.iter().all(u8::is_ascii_digit);
    let alnum = b.iter().all(u8::is_ascii_alphanumeric);
    if !alnum {
        return false;
    }
    let n = b.len();
    if flags & cx::SSN != 0 && digits && n == 9 && ids::us_ssn(&b[..3], &b[3..5], &b[5..]) {
        return one(id::US_SSN);
    }
    if flags & cx::KK != 0 && ids::id_kk(b) {
        return one(id::ID_KK);
    }
    if flags & cx::KIP != 0 && ids::id_kip(b) {
        return one(id::ID_KIP);
    }
    if flags & cx::MYKAD != 0 && ids::my_kad(b) {
        return one(id::MY_ID_CARD);
    }
    if flags & cx::PASSPORT != 0 && ids::cn_passport(b, true) {
        return one(id::CN_PASSPORT);
    }
    if flags & cx::OFFICER != 0 && ids::officer_number(b) {
        return one(id::MILITARY_OFFICER_CARD);
    }
    if flags & cx::LICENSE != 0 && digits && n == 15 && super::checks::cn_province_code(b[0], b[1])
    {
        return one(id::BUSINESS_LICENSE);
    }
    if flags & cx::TAX != 0 && enterprise::tax_number(b) {
        let both = enterprise::uscc(b, true);
        one(id::TAX_REGISTRATION);
        if both {
            one(id::USCC);
        }
        return true;
    }
    if flags & cx::ORG != 0 && n == 9 && enterprise::org_code(b) {
        return one(id::ORGANIZATION_CODE);
    }
    if flags & cx::USCC != 0 && enterprise::uscc(b, true) {
        return one(id::USCC);
    }
    if flags & cx::SWIFT != 0 && finance::swift(b) {
        return one(id::SWIFT_CODE);
    }
    if flags & cx::VIN != 0 && enterprise::vin(b, true) {
        return one(id::VIN);
    }
    if flags & cx::IMEI != 0 && network::imei(b, true) {
        return one(id::IMEI);
    }
    if flags & cx::MEID != 0 && network::meid(b, true) {
        return one(id::MEID);
    }
    if flags & cx::MAC != 0 && network::mac_compact(b) {
        return one(id::MAC_ADDRESS);
    }
    if flags & cx::PHONE != 0 && digits {
        if n == 10 && contact::us_phone(&b[..3], &b[3..6], &b[6..]) {
            return one(id::US_PHONE);
        }
        if n == 11
            && b[0] == b'1'
            && !contact::cn_mobile(b)
            && contact::us_phone(&b[1..4], &b[4..7], &b[7..])
        {
            return one(id::US_PHONE);
        }
        if contact::cn_landline_compact(b) {
            return one(id::CN_LANDLINE);
        }
    }
    if flags & cx::CARD != 0 && digits && !ids::cn_id_card(b) {
        if let Some(k) = finance::bank_card(b, true) {
            return one(k);
        }
    }
    if flags & cx::DATE != 0 && digits && enterprise::compact_date(b) {
        return one(id::DATE);
    }
    if flags & cx::SECRET != 0 && secrets::accesskey_secret_shape(b) {
        return one(id::ACCESSKEY_SECRET);
    }
    false
}

/// Scans free text. Returns whether the text holds non-ASCII bytes.
pub fn scan_text(text: &str, flags: u64, hits: &mut Vec<Hit>) -> bool {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    let mut non_ascii = false;
    while i < n {
        let c = b[i];
        if is_tok(c) {
            let s = i;
            let mut e = i + 1;
            while e < n && is_tok(b[e]) {
                e += 1;
            }
            i = token(text, s, e, flags, hits).max(s + 1);
            continue;
        }
        if c == b'@' {
            if let Some((s, e)) = contact::email_at(b, i) {
                push(hits, id::EMAIL, &text[s..e]);
                i = e;
                continue;
            }
        } else if c >= 0x80 {
            // the bytes of a multi-byte character are never token bytes or `@`
            non_ascii = true;
            i += 1;
            while i < n && b[i] >= 0x80 {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    if non_ascii {
        cjk(text, flags, hits);
    }
    non_ascii
}

fn digit_end(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && b[p].is_ascii_digit() {
        p += 1;
    }
    p
}

/// One token `[A-Za-z0-9_-]+` at `s..e`. Returns where scanning resumes.
fn token(text: &str, s: usize, e: usize, flags: u64, hits: &mut Vec<Hit>) -> usize {
    let b = text.as_bytes();
    let t = &b[s..e];
    let next = b.get(e).copied().unwrap_or(0);
    if next == b'@' {
        return e; // the local part of an e-mail address
    }
    match t[0] {
        b's' if t.starts_with(b"sk-") => {
            if let Some(k) = secrets::sk_key(t) {
                push(hits, k, &text[s..e]);
            }
            return e;
        }
        b'h' if t.starts_with(b"hf_") => {
            if secrets::huggingface(t) {
                push(hits, id::HUGGINGFACE, &text[s..e]);
            }
            return e;
        }
        b'g' if t.starts_with(b"gsk_") => {
            if secrets::groq(t) {
                push(hits, id::GROQ, &text[s..e]);
            }
            return e;
        }
        b'L' if t.starts_with(b"LTAI") => {
            if secrets::accesskey_id(t) {
                push(hits, id::ACCESSKEY_ID, &text[s..e]);
            }
            return e;
        }
        b'-' if t == b"-----BEGIN" && next == b' ' => {
            if let Some((k, end)) = secrets::pem_block(b, s) {
                push(hits, k, &text[s..end]);
                return end;
            }
            return e;
        }
        _ => {}
    }
    if next == b':' {
        if (t.eq_ignore_ascii_case(b"http") || t.eq_ignore_ascii_case(b"https"))
            && b[e..].starts_with(b"://")
        {
            if let Some(end) = network::url_end(b, s, e) {
                push(hits, id::URL, &text[s..end]);
                return end;
            }
            return e + 3;
        }
        if t.eq_ignore_ascii_case(b"jdbc") {
            if let Some(end) = secrets::jdbc_end(b, s) {
                push(hits, id::JDBC, &text[s..end]);
                return end;
            }
        }
        if matches!(b.get(e + 1), Some(b'x' | b'*' | b'!' | b'$')) {
            if let Some((k, ls, end)) = secrets::account_file(b, e) {
                if ls <= s {
                    push(hits, k, &text[ls..end]);
                    return end;
                }
            }
        }
        if t.len() <= 4 && t.iter().all(u8::is_ascii_hexdigit) {
            if let Some(end) = colon_addr(text, s, hits) {
                return end;
            }
        }
    }
    if next == b'=' && t.len() == 54 && b.get(e + 1) == Some(&b'=') {
        if secrets::pai_eas(&b[s..e + 2]) {
            push(hits, id::PAI_EAS_TOKEN, &text[s..e + 2]);
        }
        return e + 2;
    }
    if s >= 2 && b[s - 1] >= 0x80 {
        if let Some(end) = plate(text, s, e, hits) {
            return end;
        }
    }
    if t[0].is_ascii_digit() {
        if let Some(end) = numeric(text, s, flags, hits) {
            return end;
        }
    } else if t.len() < 7 {
        return e; // words; every letter-led identifier is longer
    }
    classify(text, s, e, flags, hits)
}

/// IPv6 or colon-separated MAC starting at `s`.
fn colon_addr(text: &str, s: usize, hits: &mut Vec<Hit>) -> Option<usize> {
    let b = text.as_bytes();
    let mut e = s;
    while e < b.len() && e - s < 45 && (b[e].is_ascii_hexdigit() || b[e] == b':' || b[e] == b'.') {
        e += 1;
    }
    while e > s && matches!(b[e - 1], b'.' | b':') && !(e >= 2 && b[e - 2] == b':') {
        e -= 1;
    }
    if e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_') {
        return None;
    }
    let v = &text[s..e];
    if network::mac(v.as_bytes()) {
        push(hits, id::MAC_ADDRESS, v);
        return Some(e);
    }
    if network::ipv6(v) {
        push(hits, id::IPV6, v);
        return Some(e);
    }
    None
}

/// A licence plate whose ASCII part starts at `s` right after a province character.
fn plate(text: &str, s: usize, e: usize, hits: &mut Vec<Hit>) -> Option<usize> {
    // every plate tail is 5-7 characters led by an upper-case letter: judge that before
    // decoding the character in front
    if !(5..=7).contains(&(e - s)) || !text.as_bytes()[s].is_ascii_uppercase() {
        return None;
    }
    let mut it = text[..s].char_indices().rev();
    let (mut ps, mut c) = it.next()?;
    if c == '·' || c == '•' {
        let (p2, c2) = it.next()?;
        ps = p2;
        c = c2;
    }
    if !words::PLATE_PROVINCES.contains(c) {
        return None;
    }
    let b = text.as_bytes();
    let t = &b[s..e];
    if words::plate_tail(t) {
        push(hits, id::CN_LICENSE_PLATE, &text[ps..e]);
        return Some(e);
    }
    if t.len() == 5
        && t[0].is_ascii_uppercase()
        && t.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        for special in ["挂", "学", "警", "港", "澳"] {
            if text[e..].starts_with(special) {
                let end = e + special.len();
                push(hits, id::CN_LICENSE_PLATE, &text[ps..end]);
                return Some(end);
            }
        }
    }
    None
}

const MAX_GROUPS: usize = 6;

/// Digit groups starting at `s`: single runs, grouped phone/card numbers, dates, SSN, MyKad,
/// dotted quads. Returns the resume position when the digits were consumed.
fn numeric(text: &str, s: usize, flags: u64, hits: &mut Vec<Hit>) -> Option<usize> {
    let b = text.as_bytes();
    let n = b.len();
    let g0_end = digit_end(b, s);
    // the fraction of a decimal number
    if s >= 2 && b[s - 1] == b'.' && b[s - 2].is_ascii_digit() {
        return Some(skip_dotted(b, s));
    }
    if g0_end + 1 < n && b[g0_end] == b'.' && b[g0_end + 1].is_ascii_digit() {
        return Some(dotted(text, s, flags, hits));
    }
    if b.get(g0_end) == Some(&0xE5) && text[g0_end..].starts_with('年') {
        if let Some(end) = cn_date(text, s, g0_end) {
            if flags & cx::NEGATIVE == 0 {
                push(hits, id::DATE, &text[s..end]);
            }
            return Some(end);
        }
    }
    let paren = s > 0 && b[s - 1] == b'(';
    let plus = s > 0 && b[s - 1] == b'+';
    let mut groups = [(0usize, 0usize); MAX_GROUPS];
    let mut ng = 0;
    let mut sep: Option<u8> = None;
    let mut paren_sep = false;
    let mut p = s;
    let end;
    loop {
        let q = digit_end(b, p);
        groups[ng] = (p, q);
        ng += 1;
        if ng == 1 && paren && q < n && b[q] == b')' {
            let mut r = q + 1;
            if r < n && (b[r] == b' ' || b[r] == b'-') {
                r += 1;
            }
            if r < n && b[r].is_ascii_digit() {
                paren_sep = true;
                p = r;
                continue;
            }
        }
        if ng < MAX_GROUPS
            && q + 1 < n
            && matches!(b[q], b' ' | b'-' | b'/')
            && b[q + 1].is_ascii_digit()
            && (sep.is_none() || sep == Some(b[q]))
        {
            sep = Some(b[q]);
            p = q + 1;
            continue;
        }
        end = q;
        break;
    }
    let mut end = end;
    let x_suffix = ng == 1 && end - s == 17 && end < n && matches!(b[end], b'X' | b'x');
    if x_suffix {
        end += 1;
    }
    // a telephone extension: 415-555-2671x123
    if ng >= 3 && end + 1 < n && matches!(b[end], b'x' | b'X') && b[end + 1].is_ascii_digit() {
        end = digit_end(b, end + 1);
    }
    let tail_alnum = end < n
        && (b[end].is_ascii_alphanumeric()
            || (matches!(b[end], b'_' | b'-')
                && b.get(end + 1).is_some_and(u8::is_ascii_alphanumeric)));
    let g = |k: usize| &b[groups[k].0..groups[k].1];
    if ng == 1 {
        if tail_alnum {
            return None;
        }
        single(text, s, end, flags, hits);
        return Some(end);
    }
    // date with a time of day: 2024-01-05T10:00:00Z, 2024/01/05 10:00
    if ng == 3 && matches!(sep, Some(b'-' | b'/')) && enterprise::ymd(g(0), g(1), g(2)) {
        let (tend, has_time) = time_part(b, end);
        if has_time {
            if flags & cx::DATE != 0 {
                push(hits, id::DATE, &text[s..tend]);
            }
            return Some(tend);
        }
        if !tail_alnum {
            if flags & cx::NEGATIVE == 0 {
                push(hits, id::DATE, &text[s..end]);
            }
            return Some(end);
        }
    }
    if tail_alnum {
        // the groups run into letters (`17-72-86-33-7A-BB`): the token is judged whole
        return None;
    }
    let mut dbuf = [0u8; 40];
    let mut dl = 0;
    let mut lens = [0usize; MAX_GROUPS];
    for (k, len) in lens.iter_mut().enumerate().take(ng) {
        let gk = g(k);
        *len = gk.len();
        for c in gk {
            if dl < dbuf.len() {
                dbuf[dl] = *c;
                dl += 1;
            }
        }
    }
    let d = &dbuf[..dl];
    let lens = &lens[..ng];
    let dash_or_space = matches!(sep, Some(b'-' | b' ') | None);
    let vs = if paren || plus { s - 1 } else { s };
    let value = &text[vs..end];
    let neg = flags & cx::NEGATIVE != 0;
    if dash_or_space {
        // mainland mobile 138-0013-8000, +86 138 0013 8000, +86 13800138000
        if (lens == [3, 4, 4] && contact::cn_mobile(d))
            || (g(0) == b"86"
                && ((lens == [2, 3, 4, 4]) || lens == [2, 11])
                && contact::cn_mobile(&d[2..]))
        {
            if !neg {
                push(hits, id::CN_MOBILE, value);
            }
            return Some(end);
        }
        // landline 010-62345678, (0755) 8765432, 010-62345678-123
        if (ng == 2 || (ng == 3 && (1..=5).contains(&lens[2]) && sep == Some(b'-')))
            && contact::cn_landline(g(0), g(1))
        {
            push(hits, id::CN_LANDLINE, value);
            return Some(end);
        }
        // NANP (415) 555-2671, 415-555-2671, +1 415 555 2671
        // under a phone field the layout suffices (generated and test numbers often break
        // the NANP rules); elsewhere the NANP rules must hold
        let phone_ctx = flags & cx::PHONE != 0;
        let nanp = |a: &[u8], x: &[u8], l: &[u8]| {
            contact::us_phone(a, x, l) || (phone_ctx && !contact::cn_mobile(d))
        };
        let us = (lens == [3, 3, 4] && nanp(g(0), g(1), g(2)))
            || (lens == [1, 3, 3, 4] && g(0) == b"1" && nanp(g(1), g(2), g(3)))
            || (lens == [3, 3, 3, 4] && g(0) == b"001" && nanp(g(1), g(2), g(3)));
        if us && (sep == Some(b'-') || paren_sep || plus || sep == Some(b' ')) {
            push(hits, id::US_PHONE, value);
            return Some(end);
        }
        if lens == [3, 2, 4] && sep == Some(b'-') && ids::us_ssn(g(0), g(1), g(2)) {
            push(hits, id::US_SSN, value);
            return Some(end);
        }
        if lens == [6, 2, 4] && sep == Some(b'-') && ids::my_kad(d) {
            push(hits, id::MY_ID_CARD, value);
            return Some(end);
        }
        let card_layout = matches!(
            lens,
            [4, 4, 4, 4]
                | [4, 4, 4, 4, 3]
                | [4, 4, 4, 4, 2]
                | [4, 4, 4, 4, 1]
                | [4, 6, 5]
                | [4, 6, 4]
                | [6, 13]
                | [6, 12]
                | [6, 10]
        );
        if card_layout {
            if let Some(k) = finance::bank_card(d, flags & cx::CARD != 0) {
                push(hits, k, value);
                return Some(end);
            }
        }
        if lens == [8, 1] && sep == Some(b'-') && enterprise::org_code(&text.as_bytes()[s..end]) {
            push(hits, id::ORGANIZATION_CODE, value);
            return Some(end);
        }
    }
    if ng == 3
        && matches!(sep, Some(b'/' | b'-'))
        && lens[2] == 4
        && flags & cx::DATE != 0
        && enterprise::dmy(g(0), g(1), g(2))
    {
        push(hits, id::DATE, &text[s..end]);
        return Some(end);
    }
    // nothing matched the whole group: judge the first group alone
    let e0 = groups[0].1;
    single(text, s, e0, flags, hits);
    Some(e0)
}

/// After a date at `p`: `T10:00:00.000Z`, ` 10:00:00`, `+08:00`. Returns (end, has_time).
fn time_part(b: &[u8], p: usize) -> (usize, bool) {
    let n = b.len();
    if p + 3 < n
        && (b[p] == b'T' || b[p] == b' ')
        && b[p + 1].is_ascii_digit()
        && b[p + 2].is_ascii_digit()
        && b[p + 3] == b':'
    {
        let mut e = p + 1;
        while e < n && (b[e].is_ascii_digit() || matches!(b[e], b':' | b'.' | b'Z' | b'+' | b'-')) {
            e += 1;
        }
        return (e, true);
    }
    (p, false)
}

/// `2024年1月5日` starting at `s` (year digits end at `ye`).
fn cn_date(text: &str, s: usize, ye: usize) -> Option<usize> {
    let b = text.as_bytes();
    let y = &b[s..ye];
    let ms = ye + '年'.len_utf8();
    let me = digit_end(b, ms);
    if !text[me..].starts_with('月') {
        return None;
    }
    let ds = me + '月'.len_utf8();
    let de = digit_end(b, ds);
    let end_char = if text[de..].starts_with('日') {
        '日'
    } else if text[de..].starts_with('号') {
        '号'
    } else {
        return None;
    };
    enterprise::ymd(y, &b[ms..me], &b[ds..de]).then_some(de + end_char.len_utf8())
}

fn skip_dotted(b: &[u8], s: usize) -> usize {
    let mut e = s;
    while e < b.len()
        && (b[e].is_ascii_digit() || (b[e] == b'.' && e + 1 < b.len() && b[e + 1].is_ascii_digit()))
    {
        e += 1;
    }
    e
}

/// Dot-separated digit groups: IPv4, dotted dates, dotted US numbers; versions are skipped.
fn dotted(text: &str, s: usize, flags: u64, hits: &mut Vec<Hit>) -> usize {
    let b = text.as_bytes();
    let end = skip_dotted(b, s);
    if end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_' || b[end] == b'-') {
        return end; // a host name, a file name, a version with a suffix
    }
    let mut groups: [&[u8]; 8] = [b""; 8];
    let mut ng = 0;
    for part in b[s..end].split(|c| *c == b'.') {
        if ng == 8 {
            return end;
        }
        groups[ng] = part;
        ng += 1;
    }
    let g = &groups[..ng];
    // `Chrome/120.0.0.0`, `v1.2.3.4`: versions
    let after_slash_word = s >= 2 && b[s - 1] == b'/' && b[s - 2].is_ascii_alphabetic();
    let after_v = s >= 1 && matches!(b[s - 1], b'v' | b'V');
    if ng == 4
        && network::ipv4_octets(g)
        && flags & cx::VERSION == 0
        && !after_slash_word
        && !after_v
    {
        push(hits, id::IPV4, &text[s..end]);
    } else if ng == 3 && enterprise::ymd(g[0], g[1], g[2]) {
        if flags & cx::NEGATIVE == 0 && flags & cx::VERSION == 0 {
            push(hits, id::DATE, &text[s..end]);
        }
    } else if ng == 3
        && g[2].len() == 4
        && flags & cx::DATE != 0
        && enterprise::dmy(g[0], g[1], g[2])
    {
        push(hits, id::DATE, &text[s..end]);
    } else if ng == 3
        && g[0].len() == 3
        && g[1].len() == 3
        && g[2].len() == 4
        && (contact::us_phone(g[0], g[1], g[2]) || flags & cx::PHONE != 0)
        && flags & cx::VERSION == 0
    {
        push(hits, id::US_PHONE, &text[s..end]);
    }
    end
}

/// A single run of digits (with a possible trailing X for ID numbers) at `s..e`.
fn single(text: &str, s: usize, e: usize, flags: u64, hits: &mut Vec<Hit>) {
    let b = text.as_bytes();
    let d = &b[s..e];
    let v = &text[s..e];
    let neg = flags & cx::NEGATIVE != 0;
    // a digit run glued to other digits by a dot is part of a decimal or a dotted number
    if e < b.len() && b[e] == b'.' && b.get(e + 1).is_some_and(u8::is_ascii_digit) {
        return;
    }
    match d.len() {
        18 => {
            if ids::cn_id_card(d) {
                push(hits, id::CN_ID_CARD, v);
            } else if enterprise::uscc(d, flags & (cx::USCC | cx::TAX | cx::LICENSE) != 0) {
                push(hits, id::USCC, v);
                if flags & cx::TAX != 0 {
                    push(hits, id::TAX_REGISTRATION, v);
                }
            } else if d[17].is_ascii_digit()
                && (!neg || flags & cx::CARD != 0)
                && flags & cx::IDNO == 0
                && !ids::cn_id_shape(d)
            {
                if let Some(k) = finance::bank_card(d, flags & cx::CARD != 0) {
                    push(hits, k, v);
                }
            }
        }
        11 => {
            if contact::cn_mobile(d) {
                if !neg {
                    push(hits, id::CN_MOBILE, v);
                }
            } else if flags & cx::PHONE != 0 && contact::cn_landline_compact(d) {
                push(hits, id::CN_LANDLINE, v);
            }
        }
        15 => {
            // validators before the keyword look-behind: most 15-digit runs fail both
            let imei_ctx = || flags & cx::IMEI != 0 || near(text, s, 24, &["imei"]);
            let is_imei = if network::imei(d, false) {
                !neg || imei_ctx()
            } else {
                network::imei(d, true) && imei_ctx()
            };
            if is_imei {
                push(hits, id::IMEI, v);
            } else if enterprise::business_license(d)
                && (flags & cx::LICENSE != 0
                    || near(
                        text,
                        s,
                        30,
                        &["注册号", "营业执照", "license", "reg no", "regno"],
                    ))
            {
                push(hits, id::BUSINESS_LICENSE, v);
            } else if !neg || flags & cx::CARD != 0 {
                if let Some(k) = finance::bank_card(d, false) {
                    push(hits, k, v);
                }
            }
        }
        16..=19 => {
            if d.len() == 16
                && ids::id_kk(d)
                && (flags & cx::KK != 0 || near(text, s, 32, &["kk", "keluarga", "family card"]))
            {
                push(hits, id::ID_KK, v);
            } else if !neg || flags & cx::CARD != 0 {
                if let Some(k) = finance::bank_card(d, flags & cx::CARD != 0) {
                    push(hits, k, v);
                }
            }
        }
        14 => {
            if flags & cx::IMEI != 0 || near(text, s, 24, &["imei"]) {
                push(hits, id::IMEI, v);
            } else if network::meid(d, false)
                || (network::meid(d, true)
                    && (flags & cx::MEID != 0 || near(text, s, 24, &["meid"])))
            {
                push(hits, id::MEID, v);
            }
        }
        12 => {
            if ids::my_kad(d)
                && (flags & cx::MYKAD != 0
                    || near(
                        text,
                        s,
                        32,
                        &["mykad", "ic no", "nric", "kad pengenalan", "i/c"],
                    ))
            {
                push(hits, id::MY_ID_CARD, v);
            }
        }
        9 => {
            if ids::us_ssn(&d[..3], &d[3..5], &d[5..])
                && (flags & cx::SSN != 0 || near(text, s, 32, &["ssn", "social security"]))
            {
                push(hits, id::US_SSN, v);
            }
        }
        8 => {
            if flags & cx::DATE != 0 && enterprise::compact_date(d) {
                push(hits, id::DATE, v);
            }
        }
        _ => {}
    }
}

/// Tokens with letters: document numbers, enterprise codes, VIN, MEID, SWIFT, secrets.
fn classify(text: &str, s: usize, e: usize, flags: u64, hits: &mut Vec<Hit>) -> usize {
    let b = text.as_bytes();
    let t = &b[s..e];
    if t.iter().any(|c| *c == b'-' || *c == b'_') {
        if network::mac(t) {
            push(hits, id::MAC_ADDRESS, &text[s..e]);
            return e;
        }
        if t.len() == 10 && t[8] == b'-' {
            // organization-code shaped: valid or nothing (its pieces are not other IDs)
            if enterprise::org_code(t) {
                push(hits, id::ORGANIZATION_CODE, &text[s..e]);
            }
            return e;
        }
        if t.len() == 36 {
            return e; // UUID
        }
        // judge the pieces: `user_13800138000`, `id-E12345678`
        let mut p = s;
        while p < e {
            let mut q = p;
            while q < e && b[q].is_ascii_alphanumeric() {
                q += 1;
            }
            if q > p {
                if b[p].is_ascii_digit() && b[p..q].iter().all(u8::is_ascii_digit) {
                    single(text, p, q, flags, hits);
                } else {
                    alnum(text, p, q, flags, hits);
                }
            }
            p = q + 1;
        }
        return e;
    }
    alnum(text, s, e, flags, hits)
}

fn alnum(text: &str, s: usize, e: usize, flags: u64, hits: &mut Vec<Hit>) -> usize {
    let b = text.as_bytes();
    let t = &b[s..e];
    let v = &text[s..e];
    let n = t.len();
    if n < 8 {
        // HKID with the check digit in parentheses: A123456(3)
        if (7..=8).contains(&n)
            && b.get(e) == Some(&b'(')
            && b.get(e + 2) == Some(&b')')
            && ids::hk_id(t, b[e + 1])
        {
            push(hits, id::HK_ID_CARD, &text[s..e + 3]);
            return e + 3;
        }
        return e;
    }
    if n == 8 && b.get(e) == Some(&b'(') && b.get(e + 2) == Some(&b')') && ids::hk_id(t, b[e + 1]) {
        push(hits, id::HK_ID_CARD, &text[s..e + 3]);
        return e + 3;
    }
    if !matches!(n, 8 | 9 | 11 | 14 | 15 | 17 | 18 | 30) {
        return e;
    }
    let digits = t.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 && n != 8 && n != 11 {
        return e; // words
    }
    let upper = t.iter().filter(|c| c.is_ascii_uppercase()).count();
    match n {
        8 | 9 => {
            if n == 9 && ids::sg_nric(t) {
                push(hits, id::SG_ID_CARD, v);
            } else if ids::cn_passport(t, false)
                || (ids::cn_passport(t, true)
                    && (flags & cx::PASSPORT != 0 || near(text, s, 24, &["passport", "护照"])))
            {
                push(hits, id::CN_PASSPORT, v);
            } else if n == 9 && ids::hk_macao_permit(t) {
                push(hits, id::HK_MACAO_PERMIT, v);
            } else if ids::hk_id(&t[..n - 1], t[n - 1]) && upper <= 2 {
                push(hits, id::HK_ID_CARD, v);
            } else if n == 9 && flags & cx::ORG != 0 && enterprise::org_code(t) {
                push(hits, id::ORGANIZATION_CODE, v);
            } else if n == 8 && finance::swift(t) && swift_ctx(text, s, flags) {
                push(hits, id::SWIFT_CODE, v);
            }
        }
        11 => {
            if ids::hk_macao_permit(t) {
                push(hits, id::HK_MACAO_PERMIT, v);
            } else if finance::swift(t) && swift_ctx(text, s, flags) {
                push(hits, id::SWIFT_CODE, v);
            }
        }
        17 => {
            if enterprise::vin(t, flags & cx::VIN != 0) {
                push(hits, id::VIN, v);
            }
        }
        18 => {
            let strong = || {
                flags & (cx::USCC | cx::TAX | cx::LICENSE) != 0
                    || near(text, s, 24, &["信用代码", "credit code", "uscc"])
            };
            if enterprise::uscc(t, false) || (enterprise::uscc(t, true) && strong()) {
                push(hits, id::USCC, v);
                if flags & cx::TAX != 0 {
                    push(hits, id::TAX_REGISTRATION, v);
                }
            }
        }
        14 | 15 => {
            if network::meid(t, flags & cx::MEID != 0) {
                push(hits, id::MEID, v);
            } else if n == 15 && flags & cx::TAX != 0 && enterprise::tax_number(t) {
                push(hits, id::TAX_REGISTRATION, v);
            }
        }
        30 => {
            if secrets::accesskey_secret_shape(t) {
                let ctx = flags & cx::SECRET != 0 || near(text, s, 40, &["secret"]);
                push(
                    hits,
                    if ctx {
                        id::ACCESSKEY_SECRET
                    } else {
                        PENDING_SECRET
                    },
                    v,
                );
            }
        }
        _ => {}
    }
    e
}

fn swift_ctx(text: &str, s: usize, flags: u64) -> bool {
    flags & cx::SWIFT != 0 || near(text, s, 24, &["swift", "bic"])
}

// ---- Han text: one keyword automaton ----

#[derive(Clone, Copy, PartialEq)]
enum Kw {
    Name,
    Gender,
    Ethnic,
    EthnicFull,
    Religion,
    Address,
    Officer,
}

struct CjkAutomaton {
    ac: AhoCorasick,
    kinds: Vec<Kw>,
}

fn automaton() -> &'static CjkAutomaton {
    static A: OnceLock<CjkAutomaton> = OnceLock::new();
    A.get_or_init(|| {
        let mut pats: Vec<String> = Vec::new();
        let mut kinds = Vec::new();
        let mut add = |p: &str, k: Kw| {
            pats.push(p.to_string());
            kinds.push(k);
        };
        for p in [
            "姓名",
            "联系人",
            "收货人",
            "收件人",
            "持卡人",
            "户名",
            "开户名",
            "申请人",
            "法定代表人",
            "患者",
            "乘客",
        ] {
            add(p, Kw::Name);
        }
        add("性别", Kw::Gender);
        add("民族", Kw::Ethnic);
        for p in ["宗教信仰", "宗教", "信仰"] {
            add(p, Kw::Religion);
        }
        for p in ["地址", "住址", "所在地", "住所"] {
            add(p, Kw::Address);
        }
        add("字第", Kw::Officer);
        for e in words::ethnic_full_names() {
            // one-character names (水族, 土族, 京族...) collide with ordinary words
            if e.chars().count() >= 3
                || matches!(
                    e.as_str(),
                    "汉族"
                        | "回族"
                        | "藏族"
                        | "苗族"
                        | "彝族"
                        | "壮族"
                        | "满族"
                        | "侗族"
                        | "瑶族"
                        | "傣族"
                        | "黎族"
                        | "畲族"
                        | "羌族"
                )
            {
                add(&e, Kw::EthnicFull);
            }
        }
        // a full DFA: Han keywords all start with the same few lead bytes, so no prefilter
        // helps and the automaton runs over every byte of Han text
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&pats)
            .expect("static keyword automaton");
        CjkAutomaton { ac, kinds }
    })
}

/// Skips separators after a keyword (`：`, `:`, spaces, quotes, `=`, tags' `>`).
fn skip_seps(text: &str, mut p: usize) -> usize {
    let mut steps = 0;
    while steps < 8 {
        let Some(c) = text[p..].chars().next() else {
            break;
        };
        if matches!(
            c,
            ':' | '：' | ' ' | '\t' | '"' | '\'' | '=' | '>' | '】' | ']' | '\u{3000}'
        ) {
            p += c.len_utf8();
            steps += 1;
        } else {
            break;
        }
    }
    p
}

fn han_run(text: &str, p: usize, max: usize) -> usize {
    let mut e = p;
    for (k, c) in text[p..].chars().enumerate() {
        if k >= max || !(words::is_han(c) || c == '·') {
            break;
        }
        e += c.len_utf8();
    }
    e
}

fn cjk(text: &str, _flags: u64, hits: &mut Vec<Hit>) {
    let a = automaton();
    for m in a.ac.find_iter(text) {
        let kind = a.kinds[m.pattern().as_usize()];
        let after = skip_seps(text, m.end());
        match kind {
            Kw::Name => {
                let e = han_run(text, after, 5);
                let cand = &text[after..e];
                if let Some(k) = words::cn_name(cand) {
                    push(hits, k, cand);
                }
            }
            Kw::Gender => {
                let rest = &text[after..];
                for g in ["男性", "女性", "男", "女"] {
                    if rest.starts_with(g) {
                        push(hits, id::GENDER, g);
                        break;
                    }
                }
            }
            Kw::Ethnic => {
                let e = han_run(text, after, 5);
                let cand = &text[after..e];
                if !cand.contains('族') {
                    // longest prefix that names an ethnic group
                    let mut best = None;
                    for (i, c) in cand.char_indices() {
                        let end = i + c.len_utf8();
                        if words::ethnic(&cand[..end]) {
                            best = Some(end);
                        }
                    }
                    if let Some(end) = best {
                        push(hits, id::ETHNIC_GROUP, &cand[..end]);
                    }
                }
            }
            Kw::EthnicFull => push(hits, id::ETHNIC_GROUP, &text[m.start()..m.end()]),
            Kw::Religion => {
                let e = han_run(text, after, 6);
                let cand = &text[after..e];
                let mut best = None;
                for (i, c) in cand.char_indices() {
                    let end = i + c.len_utf8();
                    if words::religion(&cand[..end]) {
                        best = Some(end);
                    }
                }
                if let Some(end) = best {
                    push(hits, id::RELIGIOUS_BELIEF, &cand[..end]);
                }
            }
            Kw::Address => {
                let mut e = after;
                for (k, c) in text[after..].char_indices() {
                    if k > 240
                        || matches!(
                            c,
                            '，' | '。'
                                | '；'
                                | ';'
                                | ','
                                | '\n'
                                | '\r'
                                | '<'
                                | '"'
                                | '\''
                                | '|'
                                | '、'
                        )
                    {
                        break;
                    }
                    e = after + k + c.len_utf8();
                }
                let cand = text[after..e].trim();
                if words::cn_address(cand, true) {
                    push(hits, id::CN_ADDRESS, cand);
                }
            }
            Kw::Officer => {
                let Some((ps, pc)) = text[..m.start()].char_indices().next_back() else {
                    continue;
                };
                if !words::is_han(pc) {
                    continue;
                }
                let b = text.as_bytes();
                let ds = m.end();
                let de = digit_end(b, ds);
                if ids::officer_number(&b[ds..de]) && text[de..].starts_with('号') {
                    push(
                        hits,
                        id::MILITARY_OFFICER_CARD,
                        &text[ps..de + '号'.len_utf8()],
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(text: &str, flags: u64) -> Vec<(u32, String)> {
        let mut h = Vec::new();
        scan_value(text, flags, &mut h);
        h.into_iter().map(|h| (h.type_id, h.value)).collect()
    }

    #[test]
    fn text_candidates() {
        assert_eq!(
            types("call 13800138000 now", 0),
            vec![(id::CN_MOBILE, "13800138000".into())]
        );
        assert_eq!(
            types("+86 138 0013 8000", 0),
            vec![(id::CN_MOBILE, "+86 138 0013 8000".into())]
        );
        assert_eq!(types("213800138000", 0), vec![]);
        assert_eq!(types("1380013800a", 0), vec![]);
        assert_eq!(
            types("(010) 62345678", 0),
            vec![(id::CN_LANDLINE, "(010) 62345678".into())]
        );
        assert_eq!(
            types("(415) 555-2671", 0),
            vec![(id::US_PHONE, "(415) 555-2671".into())]
        );
        assert_eq!(
            types("ip 10.2.3.4 and v1.2.3.4", 0),
            vec![(id::IPV4, "10.2.3.4".into())]
        );
        assert_eq!(types("ver 1.2.3.4", cx::VERSION), vec![]);
        assert_eq!(types("a@b.co", 0), vec![(id::EMAIL, "a@b.co".into())]);
        assert_eq!(
            types("13800138000@163.com", 0),
            vec![(id::EMAIL, "13800138000@163.com".into())]
        );
        assert_eq!(
            types("id 11010519491231002X.", 0),
            vec![(id::CN_ID_CARD, "11010519491231002X".into())]
        );
        assert_eq!(
            types("4111 1111 1111 1111", 0),
            vec![(id::CREDIT_CARD, "4111 1111 1111 1111".into())]
        );
        assert_eq!(
            types("A123456(3)", 0),
            vec![(id::HK_ID_CARD, "A123456(3)".into())]
        );
        assert_eq!(
            types("车牌京A12345", 0),
            vec![(id::CN_LICENSE_PLATE, "京A12345".into())]
        );
        assert_eq!(
            types("2024-01-05", 0),
            vec![(id::DATE, "2024-01-05".into())]
        );
        assert_eq!(types("2024-01-05T10:00:00Z", 0), vec![]);
        assert_eq!(
            types("2024-01-05T10:00:00Z", cx::DATE),
            vec![(id::DATE, "2024-01-05T10:00:00Z".into())]
        );
        assert_eq!(
            types("fe80::1ff:fe23:4567:890a", 0),
            vec![(id::IPV6, "fe80::1ff:fe23:4567:890a".into())]
        );
        assert_eq!(types("at 10:30:00", 0), vec![]);
        assert_eq!(
            types("415-555-2671x123", 0),
            vec![(id::US_PHONE, "415-555-2671x123".into())]
        );
        assert_eq!(
            types("001-415-555-2671", 0),
            vec![(id::US_PHONE, "001-415-555-2671".into())]
        );
        assert_eq!(types("(011)555-0123", 0), vec![]);
        assert_eq!(
            types("(011)555-0123", cx::PHONE),
            vec![(id::US_PHONE, "(011)555-0123".into())]
        );
        assert_eq!(types("550e8400-e29b-41d4-a716-446655440000", 0), vec![]);
        assert_eq!(types("姓名：张三，性别：男，民族：汉族", 0).len(), 3);
        assert_eq!(
            types("南字第1234567号", 0),
            vec![(id::MILITARY_OFFICER_CARD, "南字第1234567号".into())]
        );
        assert_eq!(
            types("2024年1月5日", 0),
            vec![(id::DATE, "2024年1月5日".into())]
        );
    }

    #[test]
    fn hostile_input_is_bounded() {
        let s = "1".repeat(100_000) + &"-".repeat(1000) + &"@".repeat(1000) + "http://";
        let mut h = Vec::new();
        scan_value(&s, 0, &mut h);
        let s = "a@b.cd ".repeat(5000);
        let mut h = Vec::new();
        scan_value(&s, 0, &mut h);
        assert_eq!(h.len(), MAX_HITS_PER_VALUE);
        for s in [
            "-----BEGIN ",
            "jdbc:",
            "x:",
            "京A",
            "字第",
            "(",
            "+",
            "2024年",
            "sk-",
            "1.",
            "1-",
            "::",
        ] {
            let mut h = Vec::new();
            scan_value(s, u64::MAX, &mut h);
        }
    }
}
