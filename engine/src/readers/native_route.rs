//! Pass 1's reader of a native line: the route (`method`, `host`, `path`) and nothing else.
//!
//! Pass 1 only learns path templates, yet serde still walks every byte of a line's bodies and
//! headers to skip them (bodies are JSON inside JSON strings, an escape every few bytes). This
//! scanner walks the top-level object itself: it decodes the three route strings, checks that
//! `time`, `client_ip` and `status` are present, and jumps over every other value with
//! `memchr` (strings) and bracket counting (objects and arrays). It is lenient inside the
//! values it skips: a line that is malformed there is still rejected by pass 2's full parse,
//! and only shapes a template here (see [`super::native::parse_native_route`]).

use std::borrow::Cow;

/// The route fields of one line, as written (not normalised).
pub(super) struct RawRoute<'a> {
    pub host: Cow<'a, str>,
    pub method: Cow<'a, str>,
    pub path: Cow<'a, str>,
}

/// `None` for a line that is not a JSON object, repeats or lacks one of the six required
/// fields, or has a route field that is not a string.
pub(super) fn scan(line: &[u8]) -> Option<RawRoute<'_>> {
    let mut s = Scanner { b: line, i: 0 };
    let (mut host, mut method, mut path) = (None, None, None);
    let mut seen = 0u8;
    s.ws();
    s.expect(b'{')?;
    s.ws();
    if s.peek()? == b'}' {
        return None; // no fields: the required ones are missing
    }
    loop {
        s.ws();
        let key = s.key()?;
        s.ws();
        s.expect(b':')?;
        s.ws();
        let bit = match key {
            b"host" => 1,
            b"method" => 2,
            b"path" => 4,
            b"time" => 8,
            b"client_ip" => 16,
            b"status" => 32,
            _ => 0,
        };
        if seen & bit != 0 {
            return None; // a duplicate field, as serde says
        }
        seen |= bit;
        match bit {
            1 => host = Some(s.string()?),
            2 => method = Some(s.string()?),
            4 => path = Some(s.string()?),
            _ => s.skip_value()?,
        }
        s.ws();
        match s.next()? {
            b',' => continue,
            b'}' => break,
            _ => return None,
        }
    }
    s.ws();
    if s.i != line.len() || seen != 63 {
        return None;
    }
    Some(RawRoute {
        host: host?,
        method: method?,
        path: path?,
    })
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// Moves past the closing quote of the string whose opening quote was just read;
    /// returns whether it holds an escape. Eight bytes at a time: bodies are JSON inside JSON
    /// strings, with an escaped quote every few bytes, so a search call per escape (memchr)
    /// costs more than looking at the bytes.
    fn string_end(&mut self) -> Option<bool> {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        /// High bit set in each byte of `v` that is zero (exact: no borrow between bytes).
        fn zero_bytes(v: u64) -> u64 {
            !(((v & LOW7) + LOW7) | v) & HIGH
        }
        let b = self.b;
        let mut i = self.i;
        let mut escaped = false;
        while i + 8 <= b.len() {
            let v = u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
            let quotes = zero_bytes(v ^ 0x2222_2222_2222_2222);
            let slashes = zero_bytes(v ^ 0x5c5c_5c5c_5c5c_5c5c);
            let mut special = quotes | slashes;
            let mut next = i + 8;
            while special != 0 {
                let bit = special.trailing_zeros();
                let at = i + (bit / 8) as usize;
                if quotes & (1 << bit) != 0 {
                    self.i = at + 1;
                    return Some(escaped);
                }
                // A backslash: the byte after it is escaped, whatever it is.
                escaped = true;
                if bit >= 56 {
                    next = at + 2;
                    break;
                }
                // Clear the backslash's byte and the escaped one.
                special &= 1u64.checked_shl(bit + 9).map_or(0, |m| !(m - 1));
            }
            i = next;
        }
        while i < b.len() {
            match b[i] {
                b'"' => {
                    self.i = i + 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        None
    }

    /// A key's raw bytes (keys with escapes never equal a route field name: they come back
    /// with their backslashes and match nothing).
    fn key(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        let start = self.i;
        self.string_end()?;
        Some(&self.b[start..self.i - 1])
    }

    /// A string value, decoded.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let open = self.i;
        self.expect(b'"')?;
        let escaped = self.string_end()?;
        if escaped {
            serde_json::from_slice::<String>(&self.b[open..self.i])
                .ok()
                .map(Cow::Owned)
        } else {
            std::str::from_utf8(&self.b[open + 1..self.i - 1])
                .ok()
                .map(Cow::Borrowed)
        }
    }

    /// Moves past one value: a string, an object or array (brackets counted, strings inside
    /// skipped whole), or a scalar (up to the next delimiter).
    fn skip_value(&mut self) -> Option<()> {
        match self.next()? {
            b'"' => self.string_end().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 1usize;
                while depth > 0 {
                    match self.next()? {
                        b'"' => {
                            self.string_end()?;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth -= 1,
                        _ => {}
                    }
                }
                Some(())
            }
            b',' | b'}' | b']' | b':' => None,
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IgnoredAny;
    use serde::Deserialize;

    /// What serde makes of the route of a line: the reference the scanner must agree with.
    #[derive(Deserialize)]
    struct SerdeRoute<'a> {
        #[serde(borrow)]
        host: Cow<'a, str>,
        #[serde(borrow)]
        method: Cow<'a, str>,
        #[serde(borrow)]
        path: Cow<'a, str>,
        #[serde(rename = "time")]
        _time: IgnoredAny,
        #[serde(rename = "client_ip")]
        _client_ip: IgnoredAny,
        #[serde(rename = "status")]
        _status: IgnoredAny,
    }

    fn both(line: &str) -> (Option<[String; 3]>, Option<[String; 3]>) {
        let ours = scan(line.as_bytes()).map(|r| {
            [
                r.host.into_owned(),
                r.method.into_owned(),
                r.path.into_owned(),
            ]
        });
        let serde = serde_json::from_str::<SerdeRoute>(line).ok().map(|r| {
            [
                r.host.into_owned(),
                r.method.into_owned(),
                r.path.into_owned(),
            ]
        });
        (ours, serde)
    }

    #[test]
    fn agrees_with_serde_on_well_formed_and_broken_lines() {
        let lines = [
            r#"{"time":1,"host":"h","method":"GET","path":"/a","client_ip":"10.0.0.1","status":200}"#,
            r#" { "path" : "/a\/b\u00e9?q=1" , "method":"POST","status":"204","client_ip":"::1","time":"2024-05-01T10:00:00Z","host":"H.example:80" } "#,
            r#"{"time":1,"host":"h","method":"GET","path":"/","client_ip":"x","status":200,"request_headers":{"path":"/decoy","x":["a","b\"}"]},"response_body":"{\"path\":\"/decoy\\\\\"}","n":null,"f":-1.5e3,"t":true}"#,
            r#"{"time":1,"host":"h","method":"GET","path":"/","client_ip":"x","status":200,"nested":[[{"a":[1,{"b":"]}"}]}]]}"#,
            // Missing, duplicate, mistyped or empty-object cases: both refuse.
            r#"{"time":1,"host":"h","method":"GET","path":"/","client_ip":"10.0.0.1"}"#,
            r#"{"time":1,"host":"h","host":"g","method":"GET","path":"/","client_ip":"1","status":2}"#,
            r#"{"time":1,"host":"h","method":7,"path":"/","client_ip":"1","status":2}"#,
            r#"{"time":1,"host":"h","method":"GET","path":"/","client_ip":"1","status":2} x"#,
            r#"{"time":1,"host":"h","method":"GET","path":"/","client_ip":"1","status":2"#,
            r#"{"time":1,"host":"h","method":"GET","path":"/","client_ip":"1","status":}"#,
            r#"{"time":1,"host":"h","method":"GET","path":"/unterminated,"client_ip":"1","status":2}"#,
            r#"{}"#,
            r#"[]"#,
            "not json",
            "",
        ];
        for line in lines {
            let (ours, serde) = both(line);
            assert_eq!(ours, serde, "{line}");
        }
    }

    /// Escapes at every offset of the eight-byte blocks, runs of backslashes, and quotes right
    /// after them: the scanner ends each string where serde does.
    #[test]
    fn string_ends_agree_with_serde_at_every_offset() {
        for pad in 0..20 {
            for tail in [r#"\""#, r#"\\"#, r#"\\\""#, r#"\u0041\"x\\"#, ""] {
                let string = format!("\"{}{}{}\"", "a".repeat(pad), tail, "b".repeat(pad % 9));
                let text = format!("{string},1");
                assert!(serde_json::from_str::<String>(&string).is_ok(), "{string}");
                let mut sc = Scanner {
                    b: text.as_bytes(),
                    i: 1,
                };
                assert_eq!(sc.string_end(), Some(!tail.is_empty()), "{text}");
                assert_eq!(&text[sc.i..], ",1", "{text}");
            }
        }
    }

    #[test]
    fn agrees_with_serde_on_generated_traffic() {
        let mut out = Vec::new();
        crate::demo::Generator::new(crate::demo::GeneratorConfig {
            total_records: Some(3_000),
            days: 1,
            ..Default::default()
        })
        .write_to(&mut out)
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            let (ours, serde) = both(line);
            assert!(serde.is_some(), "{line}");
            assert_eq!(ours, serde, "{line}");
        }
    }
}
