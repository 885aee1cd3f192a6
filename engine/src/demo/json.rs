//! A tiny JSON writer for the generator's hot loop: appends to a byte buffer, escapes strings per
//! RFC 8259 (quote, backslash and control characters; everything else is copied as UTF-8), and
//! never builds an intermediate `serde_json::Value`.

/// Appends `s` as a JSON string literal (with quotes).
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    push_escaped(out, s);
    out.push(b'"');
}

/// Appends the escaped content of `s` without the surrounding quotes.
pub fn push_escaped(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends a decimal integer.
pub fn push_int(out: &mut Vec<u8>, v: i64) {
    let mut tmp = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&tmp[i..]);
}

/// Builds a JSON object into a `String`, for response and request bodies.
/// Keys and string values are escaped; raw values are inserted as given.
pub struct Obj {
    buf: Vec<u8>,
    first: Vec<bool>,
}

impl Default for Obj {
    fn default() -> Self {
        Self::new()
    }
}

impl Obj {
    pub fn new() -> Self {
        let mut o = Obj {
            buf: Vec::with_capacity(256),
            first: Vec::with_capacity(4),
        };
        o.buf.push(b'{');
        o.first.push(true);
        o
    }

    fn sep(&mut self) {
        if let Some(f) = self.first.last_mut() {
            if *f {
                *f = false;
            } else {
                self.buf.push(b',');
            }
        }
    }

    fn key(&mut self, k: &str) {
        self.sep();
        push_str(&mut self.buf, k);
        self.buf.push(b':');
    }

    /// `"k":"v"`
    pub fn s(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        push_str(&mut self.buf, v);
        self
    }
    /// `"k":123`
    pub fn n(&mut self, k: &str, v: i64) -> &mut Self {
        self.key(k);
        push_int(&mut self.buf, v);
        self
    }
    /// `"k":<raw>` (a number with decimals, `true`, `null`, a pre-built object...)
    pub fn raw(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        self.buf.extend_from_slice(v.as_bytes());
        self
    }
    pub fn b(&mut self, k: &str, v: bool) -> &mut Self {
        self.raw(k, if v { "true" } else { "false" })
    }
    /// Opens a nested object under `k`.
    pub fn open(&mut self, k: &str) -> &mut Self {
        self.key(k);
        self.buf.push(b'{');
        self.first.push(true);
        self
    }
    /// Opens a nested array under `k`.
    pub fn open_arr(&mut self, k: &str) -> &mut Self {
        self.key(k);
        self.buf.push(b'[');
        self.first.push(true);
        self
    }
    /// Opens an object as the next array element.
    pub fn elem_obj(&mut self) -> &mut Self {
        self.sep();
        self.buf.push(b'{');
        self.first.push(true);
        self
    }
    /// A string as the next array element.
    pub fn elem_s(&mut self, v: &str) -> &mut Self {
        self.sep();
        push_str(&mut self.buf, v);
        self
    }
    /// A number as the next array element.
    pub fn elem_n(&mut self, v: i64) -> &mut Self {
        self.sep();
        push_int(&mut self.buf, v);
        self
    }
    pub fn close(&mut self) -> &mut Self {
        self.first.pop();
        self.buf.push(b'}');
        self
    }
    pub fn close_arr(&mut self) -> &mut Self {
        self.first.pop();
        self.buf.push(b']');
        self
    }
    /// Closes every open level and returns the text.
    pub fn finish(mut self) -> String {
        // Only objects are closed implicitly; arrays must be closed by the caller.
        while self.first.len() > 1 {
            self.close();
        }
        self.buf.push(b'}');
        // Only valid UTF-8 went in.
        String::from_utf8(self.buf).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_serde() {
        for s in [
            "plain",
            "quote \" and \\ back",
            "ctl \u{1}\u{1f}\n\r\t",
            "中文 ok",
            "",
        ] {
            let mut out = Vec::new();
            push_str(&mut out, s);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn builds_nested_objects() {
        let mut o = Obj::new();
        o.n("code", 0)
            .s("msg", "ok\"")
            .open("data")
            .open_arr("list");
        o.elem_obj().n("id", -5).close();
        o.elem_s("x").elem_n(7).close_arr().b("more", false);
        let text = o.finish();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["data"]["list"][0]["id"], -5);
        assert_eq!(v["data"]["list"][2], 7);
        assert_eq!(v["msg"], "ok\"");
    }
}
