//! Framing: bytes in, frames out, no knowledge of formats.
//!
//! - [`decode_stream`]: plain or gzip (by magic bytes; multi-member), a cap on decompressed
//!   bytes (decompression bombs), a UTF-8 byte-order mark dropped, byte counters.
//! - [`LineFramer`]: lines (LF or CRLF) with a length cap; an over-long line is skipped in
//!   bounded memory and reported, the next line is read normally.
//! - [`JsonFramer`]: the elements of a JSON array (top-level, or at a path such as
//!   `log.entries` in a HAR), or a sequence of concatenated JSON values, one element at a time,
//!   so memory stays at one element however large the file.

use super::ReadStats;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// One frame: its 1-based number (line, or element index) and what it holds.
/// The bytes of a `Data` frame are in the framer's buffer (`data()`).
#[derive(Debug)]
pub enum Frame {
    Data,
    /// Longer than the cap: skipped; `len` bytes were seen.
    TooLong {
        len: u64,
    },
    /// The input cannot be read on (truncated gzip, bomb cap, JSON structure): the end.
    Fatal(String),
}

/// Something that cuts a byte stream into frames.
pub trait Framer: Send {
    /// The next frame with its number, or None at the end.
    fn next_frame(&mut self) -> Option<(u64, Frame)>;
    /// The bytes of the last `Data` frame.
    fn data(&self) -> &[u8];
}

/// The error message for an I/O error in the middle of a file.
pub fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            "input ends early (truncated or damaged gzip stream); the rest of the file is skipped"
                .to_string()
        }
        _ => format!("cannot read on: {e}; the rest of the file is skipped"),
    }
}

/// Counts bytes that pass through into a shared counter.
struct Counting<R> {
    inner: R,
    counter: Option<Arc<AtomicU64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(c) = &self.counter {
            c.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Fails once more than `cap` bytes would come out (decompression-bomb guard).
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // At the cap: fine if the stream ends exactly here, an error if there is more.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "decompressed data exceeds the cap of {} bytes (ReaderOptions::max_decompressed_bytes)",
                    self.cap
                ))),
            };
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// A reader that fails once with a stored error, then ends.
struct FailOnce(Option<io::Error>);

impl Read for FailOnce {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// Reads up to `limit` bytes (fewer only at the end of the stream).
fn read_up_to(r: &mut dyn Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(limit.min(64 * 1024));
    r.take(limit as u64).read_to_end(&mut out)?;
    Ok(out)
}

/// The decoded stream and the first bytes of its content (for format detection), already
/// put back in front of the stream.
pub struct Decoded {
    pub reader: Box<dyn Read + Send>,
    pub head: Vec<u8>,
}

/// How many decoded bytes are peeked for format detection.
pub const PEEK: usize = 64 * 1024;

/// Plain or gzip by magic bytes; counts raw and decoded bytes; caps decoded bytes of gzip
/// input; drops a UTF-8 BOM; peeks the first [`PEEK`] decoded bytes.
pub fn decode_stream(
    raw: Box<dyn Read + Send>,
    max_decompressed: u64,
    stats: Option<&ReadStats>,
) -> io::Result<Decoded> {
    let mut counted = Counting {
        inner: raw,
        counter: stats.map(|s| s.inner.bytes_read.clone()),
    };
    let magic = read_up_to(&mut counted, 2)?;
    let gzip = magic == [0x1f, 0x8b];
    let rejoined = Cursor::new(magic).chain(counted);
    let mut decoded: Box<dyn Read + Send> = if gzip {
        Box::new(Capped {
            inner: flate2::read::MultiGzDecoder::new(rejoined),
            left: max_decompressed,
            cap: max_decompressed,
        })
    } else {
        Box::new(rejoined)
    };
    let mut head = Vec::with_capacity(PEEK);
    // An error inside the first bytes (a small truncated gzip file, the bomb cap) must not
    // lose what was read: it is replayed after the bytes, where the framer reports it.
    let rest: Box<dyn Read + Send> = match (&mut decoded).take(PEEK as u64).read_to_end(&mut head) {
        Ok(_) => decoded,
        Err(e) => Box::new(FailOnce(Some(e))),
    };
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    let reader: Box<dyn Read + Send> = Box::new(Counting {
        inner: Cursor::new(head.clone()).chain(rest),
        counter: stats.map(|s| s.inner.bytes_decoded.clone()),
    });
    Ok(Decoded { reader, head })
}

const BUF: usize = 256 * 1024;

/// Lines, LF or CRLF, at most `max` bytes each (without the line end).
pub struct LineFramer {
    inner: BufReader<Box<dyn Read + Send>>,
    buf: Vec<u8>,
    line: u64,
    max: usize,
    done: bool,
}

impl LineFramer {
    pub fn new(reader: Box<dyn Read + Send>, max: usize) -> Self {
        LineFramer {
            inner: BufReader::with_capacity(BUF, reader),
            buf: Vec::with_capacity(8 * 1024),
            line: 0,
            max,
            done: false,
        }
    }
}

impl Framer for LineFramer {
    fn next_frame(&mut self) -> Option<(u64, Frame)> {
        if self.done {
            return None;
        }
        self.buf.clear();
        let mut total = 0u64;
        let mut too_long = false;
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    self.line += 1;
                    return Some((self.line, Frame::Fatal(describe_io(&e))));
                }
            };
            if avail.is_empty() {
                self.done = true;
                if total == 0 {
                    return None;
                }
                break;
            }
            let (take, used, end) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i, i + 1, true),
                None => (avail.len(), avail.len(), false),
            };
            total += take as u64;
            if !too_long {
                if self.buf.len() + take > self.max {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&avail[..take]);
                }
            }
            self.inner.consume(used);
            if end {
                break;
            }
        }
        self.line += 1;
        if too_long {
            return Some((self.line, Frame::TooLong { len: total }));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Some((self.line, Frame::Data))
    }

    fn data(&self) -> &[u8] {
        &self.buf
    }
}

/// Where the elements are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonLayout {
    /// The elements of the array at this key path (`[]` = the top-level array).
    ArrayAt(&'static [&'static str]),
    /// Concatenated top-level values (pretty-printed JSON objects one after another).
    Sequence,
}

#[derive(Debug, PartialEq, Eq)]
enum JsonState {
    Start,
    First,
    Next,
    Done,
}

/// Elements of a JSON array (or a sequence of values) one at a time. Only the structure is
/// scanned here (strings, nesting); each element is parsed by its format.
pub struct JsonFramer {
    inner: Box<dyn Read + Send>,
    chunk: Box<[u8]>,
    pos: usize,
    len: usize,
    offset: u64,
    layout: JsonLayout,
    state: JsonState,
    buf: Vec<u8>,
    index: u64,
    max: usize,
}

type Scan<T> = Result<T, String>;

impl JsonFramer {
    pub fn new(reader: Box<dyn Read + Send>, layout: JsonLayout, max: usize) -> Self {
        JsonFramer {
            inner: reader,
            chunk: vec![0u8; BUF].into_boxed_slice(),
            pos: 0,
            len: 0,
            offset: 0,
            layout,
            state: JsonState::Start,
            buf: Vec::new(),
            index: 0,
            max,
        }
    }

    /// The next byte without consuming it; None at the end.
    fn peek(&mut self) -> Scan<Option<u8>> {
        if self.pos == self.len {
            self.offset += self.len as u64;
            self.pos = 0;
            self.len = 0;
            loop {
                match self.inner.read(&mut self.chunk) {
                    Ok(n) => {
                        self.len = n;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(describe_io(&e)),
                }
            }
            if self.len == 0 {
                return Ok(None);
            }
        }
        Ok(Some(self.chunk[self.pos]))
    }

    fn at(&self) -> u64 {
        self.offset + self.pos as u64
    }

    fn skip_ws(&mut self) -> Scan<Option<u8>> {
        while let Some(b) = self.peek()? {
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
            self.pos += 1;
        }
        Ok(None)
    }

    fn expect(&mut self, want: u8, what: &str) -> Scan<()> {
        match self.skip_ws()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(format!(
                "not valid JSON: expected {what} at byte {}, found {:?}",
                self.at(),
                b as char
            )),
            None => Err(format!(
                "not valid JSON: input ends where {what} was expected"
            )),
        }
    }

    /// Scans one JSON value; copies it into `self.buf` while it fits in `cap` (when `keep`).
    /// Returns the value's length in bytes and whether it was kept whole.
    fn scan_value(&mut self, keep: bool, cap: usize) -> Scan<(u64, bool)> {
        let mut total = 0u64;
        let mut kept = keep;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let first = self
            .skip_ws()?
            .ok_or_else(|| "not valid JSON: input ends where a value was expected".to_string())?;
        if matches!(first, b',' | b'}' | b']') {
            return Err(format!(
                "not valid JSON: unexpected {:?} at byte {}",
                first as char,
                self.at()
            ));
        }
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        loop {
            let Some(_) = self.peek()? else {
                if scalar && total > 0 {
                    return Ok((total, kept));
                }
                return Err("not valid JSON: input ends inside a value".into());
            };
            let avail = &self.chunk[self.pos..self.len];
            let mut i = 0;
            let mut finished = false;
            while i < avail.len() {
                let b = avail[i];
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            i += 1;
                            finished = true;
                            break;
                        }
                    } else {
                        // Skip plain string bytes fast.
                        if let Some(j) = memchr::memchr2(b'"', b'\\', &avail[i..]) {
                            i += j;
                            continue;
                        }
                        i = avail.len();
                        continue;
                    }
                    i += 1;
                    continue;
                }
                if scalar {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        finished = true;
                        break;
                    }
                    i += 1;
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            i += 1;
                            finished = true;
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            total += i as u64;
            if kept {
                if self.buf.len() + i > cap {
                    kept = false;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&avail[..i]);
                }
            }
            self.pos += i;
            if finished {
                return Ok((total, kept));
            }
        }
    }

    /// An object key (a JSON string), decoded.
    fn read_key(&mut self) -> Scan<String> {
        self.buf.clear();
        if self.skip_ws()? != Some(b'"') {
            return Err(format!(
                "not valid JSON: expected an object key at byte {}",
                self.at()
            ));
        }
        let (_, kept) = self.scan_value(true, 4096)?;
        if !kept {
            return Err("not valid JSON: object key longer than 4096 bytes".into());
        }
        serde_json::from_slice(&self.buf).map_err(|e| format!("not valid JSON: {e}"))
    }

    /// Walks from the start of the document to the opening `[` of the array at `path`.
    fn enter(&mut self, path: &[&str]) -> Scan<()> {
        for (depth, key) in path.iter().enumerate() {
            self.expect(b'{', "an object")?;
            loop {
                if self.skip_ws()? == Some(b'}') {
                    return Err(format!("no `{}` array in the document", path.join(".")));
                }
                let k = self.read_key()?;
                self.expect(b':', "`:`")?;
                if k == *key {
                    break;
                }
                self.scan_value(false, 0)?;
                match self.skip_ws()? {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        return Err(format!("no `{}` array in the document", path.join(".")))
                    }
                    _ => {
                        return Err(format!(
                            "not valid JSON: expected `,` or `}}` at byte {} (in `{}`)",
                            self.at(),
                            path[..depth].join(".")
                        ))
                    }
                }
            }
        }
        self.expect(b'[', "an array")
    }

    fn step(&mut self) -> Scan<Option<Frame>> {
        match self.state {
            JsonState::Done => return Ok(None),
            JsonState::Start => {
                match self.layout {
                    JsonLayout::ArrayAt(path) => self.enter(path)?,
                    JsonLayout::Sequence => {}
                }
                self.state = JsonState::First;
            }
            _ => {}
        }
        match self.layout {
            JsonLayout::ArrayAt(_) => {
                match self.skip_ws()? {
                    Some(b']') => {
                        self.pos += 1;
                        self.state = JsonState::Done;
                        return Ok(None);
                    }
                    None => return Err("not valid JSON: input ends inside the array".into()),
                    _ => {}
                }
                if self.state == JsonState::Next {
                    self.expect(b',', "`,` or `]`")?;
                }
            }
            JsonLayout::Sequence => loop {
                match self.skip_ws()? {
                    None => {
                        self.state = JsonState::Done;
                        return Ok(None);
                    }
                    Some(b',') => self.pos += 1,
                    Some(_) => break,
                }
            },
        }
        self.state = JsonState::Next;
        self.buf.clear();
        let (len, kept) = self.scan_value(true, self.max)?;
        Ok(Some(if kept {
            Frame::Data
        } else {
            Frame::TooLong { len }
        }))
    }
}

impl Framer for JsonFramer {
    fn next_frame(&mut self) -> Option<(u64, Frame)> {
        let n = self.index + 1;
        match self.step() {
            Ok(None) => None,
            Ok(Some(f)) => {
                self.index = n;
                Some((n, f))
            }
            Err(reason) => {
                self.state = JsonState::Done;
                Some((n, Frame::Fatal(reason)))
            }
        }
    }

    fn data(&self) -> &[u8] {
        &self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(mut f: impl Framer) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        while let Some((n, fr)) = f.next_frame() {
            let s = match fr {
                Frame::Data => String::from_utf8_lossy(f.data()).into_owned(),
                Frame::TooLong { len } => format!("<too long {len}>"),
                Frame::Fatal(r) => format!("<fatal {r}>"),
            };
            out.push((n, s));
        }
        out
    }

    fn boxed(b: &'static [u8]) -> Box<dyn Read + Send> {
        Box::new(b)
    }

    #[test]
    fn lines_with_crlf_and_cap() {
        let f = LineFramer::new(boxed(b"a\r\n\nbbbbbbbbbb\nc"), 4);
        assert_eq!(
            frames(f),
            vec![
                (1, "a".into()),
                (2, "".into()),
                (3, "<too long 10>".into()),
                (4, "c".into())
            ]
        );
    }

    #[test]
    fn array_elements_at_a_path() {
        let doc: &'static [u8] = br#"{"log": {"version": "1.2", "pages": [{"x": "]"}],
            "entries": [ {"a": "q\"}"}, [1, 2], 3 , "s" ], "comment": "x"}}"#;
        let f = JsonFramer::new(boxed(doc), JsonLayout::ArrayAt(&["log", "entries"]), 100);
        assert_eq!(
            frames(f),
            vec![
                (1, r#"{"a": "q\"}"}"#.into()),
                (2, "[1, 2]".into()),
                (3, "3".into()),
                (4, r#""s""#.into())
            ]
        );
    }

    #[test]
    fn sequence_and_caps() {
        let f = JsonFramer::new(
            boxed(b"{\"a\":\n 1}\n{\"b\": \"xxxxxxxxxxxxxxxxxxxxxxxx\"}\n {}"),
            JsonLayout::Sequence,
            16,
        );
        assert_eq!(
            frames(f),
            vec![
                (1, "{\"a\":\n 1}".into()),
                (2, "<too long 33>".into()),
                (3, "{}".into())
            ]
        );
    }

    #[test]
    fn broken_structure_is_fatal() {
        let f = JsonFramer::new(
            boxed(b"[{\"a\": 1} {\"b\": 2}]"),
            JsonLayout::ArrayAt(&[]),
            100,
        );
        let got = frames(f);
        assert_eq!(got[0], (1, "{\"a\": 1}".into()));
        assert!(
            got[1].1.starts_with("<fatal not valid JSON: expected `,`"),
            "{got:?}"
        );
        let f = JsonFramer::new(
            boxed(b"{\"x\": []}"),
            JsonLayout::ArrayAt(&["log", "entries"]),
            9,
        );
        assert_eq!(
            frames(f)[0].1,
            "<fatal no `log.entries` array in the document>"
        );
        // Regression: a stray closing bracket used to give an empty element forever.
        for (doc, layout) in [
            (&b"}"[..], JsonLayout::Sequence),
            (b"{} ] {}", JsonLayout::Sequence),
            (b"[1, ]", JsonLayout::ArrayAt(&[])),
        ] {
            let f = JsonFramer::new(boxed(doc), layout, 100);
            assert!(
                frames(f).last().unwrap().1.contains("not valid JSON"),
                "{doc:?}"
            );
        }
        let f = JsonFramer::new(boxed(b"[{\"a\": 1}"), JsonLayout::ArrayAt(&[]), 100);
        assert!(frames(f)[1].1.contains("ends inside the array"));
    }
}
