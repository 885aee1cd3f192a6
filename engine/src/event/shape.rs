//! The shape of a parameter value, for the "abnormal parameter values" baseline: a small class
//! that stays stable for one parameter across normal traffic (an id is always an integer, a date
//! always a date) and changes when someone sends something the API never receives (a quote, a
//! tag, a path, a 300-character string where 8 digits are normal).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Shape {
    Empty = 0,
    Int,
    Decimal,
    Bool,
    Hex,
    Uuid,
    Date,
    Email,
    Url,
    /// Letters only.
    Alpha,
    /// Letters, digits and `_-.` (codes, names, slugs).
    Token,
    /// Human text: words with spaces and ordinary punctuation.
    Text,
    /// Base64 or other long opaque blobs.
    Blob,
    /// Contains characters that ordinary values of most parameters never hold: quotes, angle
    /// brackets, shell separators, `../`, `${`, NUL, control characters.
    Special,
    /// Longer than 256 characters.
    Long,
}

pub const SHAPES: usize = 15;

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Empty => "empty",
            Shape::Int => "integer",
            Shape::Decimal => "decimal",
            Shape::Bool => "boolean",
            Shape::Hex => "hex",
            Shape::Uuid => "uuid",
            Shape::Date => "date",
            Shape::Email => "email",
            Shape::Url => "url",
            Shape::Alpha => "letters",
            Shape::Token => "token",
            Shape::Text => "text",
            Shape::Blob => "blob",
            Shape::Special => "special characters",
            Shape::Long => "long value",
        }
    }
}

/// One pass over the bytes (this runs for every parameter of every exchange): a special byte,
/// a control character, or one of `../`, `${`, `$(`, `--`, `/*`.
fn is_special(v: &str) -> bool {
    let b = v.as_bytes();
    let next = |i: usize| b.get(i + 1).copied();
    b.iter().enumerate().any(|(i, &c)| match c {
        b'\'' | b'"' | b'<' | b'>' | b'`' | b';' | b'|' | b'\\' | b'{' | b'}' => true,
        b'.' => next(i) == Some(b'.') && b.get(i + 2) == Some(&b'/'),
        b'$' => matches!(next(i), Some(b'{' | b'(')),
        b'-' => next(i) == Some(b'-'),
        b'/' => next(i) == Some(b'*'),
        c => c < 0x20 && c != b'\t',
    })
}

pub fn classify(v: &str) -> Shape {
    let t = v.trim();
    if t.is_empty() {
        return Shape::Empty;
    }
    if is_special(t) {
        return Shape::Special;
    }
    if t.len() > 256 {
        return Shape::Long;
    }
    let b = t.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let first = b[0];
    if (digits == b.len())
        || ((first == b'-' || first == b'+') && digits == b.len() - 1 && digits > 0)
    {
        return Shape::Int;
    }
    if matches!(t.to_ascii_lowercase().as_str(), "true" | "false") {
        return Shape::Bool;
    }
    if digits > 0
        && b.iter().filter(|c| **c == b'.').count() == 1
        && b.iter().enumerate().all(|(i, c)| {
            c.is_ascii_digit() || *c == b'.' || (i == 0 && (*c == b'-' || *c == b'+'))
        })
    {
        return Shape::Decimal;
    }
    if b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
    {
        return Shape::Uuid;
    }
    if b.len() >= 8 && b.iter().all(|c| c.is_ascii_hexdigit()) && digits < b.len() {
        return Shape::Hex;
    }
    if b.len() >= 8
        && b.len() <= 35
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/')
        && b.iter().all(|c| {
            c.is_ascii_digit() || matches!(c, b'-' | b'/' | b':' | b'T' | b' ' | b'.' | b'Z' | b'+')
        })
    {
        return Shape::Date;
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.contains("://") {
        return Shape::Url;
    }
    if let Some((l, r)) = t.split_once('@') {
        if !l.is_empty() && r.contains('.') && !t.contains(' ') {
            return Shape::Email;
        }
    }
    if b.iter().all(u8::is_ascii_alphabetic) {
        return Shape::Alpha;
    }
    if b.len() >= 40
        && b.iter().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_' | b'.')
        })
    {
        return Shape::Blob;
    }
    if b.iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))
    {
        return Shape::Token;
    }
    Shape::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(classify("12345"), Shape::Int);
        assert_eq!(classify("-3"), Shape::Int);
        assert_eq!(classify("3.14"), Shape::Decimal);
        assert_eq!(classify("true"), Shape::Bool);
        assert_eq!(
            classify("550e8400-e29b-41d4-a716-446655440000"),
            Shape::Uuid
        );
        assert_eq!(classify("deadbeefcafe"), Shape::Hex);
        assert_eq!(classify("2024-05-01"), Shape::Date);
        assert_eq!(classify("2024-05-01T10:00:00Z"), Shape::Date);
        assert_eq!(classify("a@b.com"), Shape::Email);
        assert_eq!(classify("https://x.example/a"), Shape::Url);
        assert_eq!(classify("hello"), Shape::Alpha);
        assert_eq!(classify("SKU-123_a"), Shape::Token);
        assert_eq!(classify("red shoes, size 9"), Shape::Text);
        assert_eq!(classify("1' or '1'='1"), Shape::Special);
        assert_eq!(classify("../../etc/passwd"), Shape::Special);
        assert_eq!(classify(&"a".repeat(300)), Shape::Long);
        assert_eq!(classify(""), Shape::Empty);
        assert_eq!(classify("ab"), Shape::Alpha);
        assert_eq!(classify("中文"), Shape::Text);
    }

    /// The one-pass test says what the byte set plus the five substring searches said,
    /// including at the ends of the value.
    #[test]
    fn special_matches_the_substring_rules() {
        let by_rules = |v: &str| {
            v.bytes().any(|b| {
                matches!(
                    b,
                    b'\'' | b'"' | b'<' | b'>' | b'`' | b';' | b'|' | b'\\' | b'{' | b'}'
                ) || (b < 0x20 && b != b'\t')
            }) || ["../", "${", "$(", "--", "/*"]
                .iter()
                .any(|w| v.contains(w))
        };
        let parts = [
            "", "a", ".", "..", "../", "./", "$", "${", "$(", "$x", "-", "--", "-x", "/", "/*",
            "*/", "\t", "\n", "'", "é", "1.5", "a-b", "a/b",
        ];
        for a in parts {
            for b in parts {
                for c in ["", "x", "."] {
                    let v = format!("{a}{c}{b}");
                    assert_eq!(is_special(&v), by_rules(&v), "{v:?}");
                }
            }
        }
    }
}
