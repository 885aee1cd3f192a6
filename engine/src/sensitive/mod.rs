//! Sensitive data detection: one detector per catalog type ([`registry::DETECTORS`]), a
//! prefiltered scanner, custom policies, masking and keyed hashing.
//!
//! Where the scanner looks: path segments, query string, form and JSON request bodies, request
//! headers and cookies (transport headers skipped), response headers and cookies, JSON / HTML /
//! text / XML response bodies. JSON is walked with field paths (`json.data[].mobile`) and the
//! field name is the context of the weak types; XML uses element names; HTML is scanned as text
//! with tags removed. Every value goes through [`scan::scan_value`]: one pass that finds
//! candidates by shape, then validators run on candidates only.
//!
//! Groups: values from the same innermost JSON object share a group; every non-JSON region
//! (path, query, form, headers and cookies of one message, one text body) is one group.

pub mod checks;
pub mod contact;
pub mod context;
pub mod enterprise;
pub mod finance;
pub mod ids;
pub mod json;
pub mod network;
pub mod registry;
pub mod scan;
pub mod secrets;
pub mod stats;
pub mod words;

use crate::exchange::Exchange;
use crate::facts::{Direction, Finding, RawFinding};
use registry as id;
use scan::{Hit, PENDING_SECRET};

pub use stats::SensitiveStats;

/// A user-defined detection policy (Policies page).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CustomPolicy {
    /// Type ID for findings of this policy (>= 100000 for custom types).
    pub id: u32,
    pub name: String,
    pub regex: String,
    /// Optional field names the value must appear under.
    pub fields: Vec<String>,
    /// Optional keywords that must appear near the value.
    pub keywords: Vec<String>,
    pub level: crate::catalog::SensitivityLevel,
    pub category: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy {name}: invalid regex: {message}")]
    Regex { name: String, message: String },
    #[error("policy {name}: {message}")]
    Invalid { name: String, message: String },
}

/// First ID available to custom policies.
pub const CUSTOM_ID_START: u32 = 100_000;

/// Most findings kept for one exchange (hostile bodies stay bounded).
pub const MAX_FINDINGS_PER_EXCHANGE: usize = 4096;

#[derive(Debug)]
struct CompiledPolicy {
    policy: CustomPolicy,
    re: regex::Regex,
    fields: Vec<String>,
    keywords: Vec<String>,
}

/// The compiled scanner (built-in types plus custom policies).
#[derive(Debug, Default)]
pub struct Scanner {
    custom: Vec<CompiledPolicy>,
    set: Option<regex::RegexSet>,
}

/// Request headers that are pure transport or navigation: never scanned.
const SKIP_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "accept-charset",
    "cache-control",
    "connection",
    "content-length",
    "content-type",
    "content-encoding",
    "date",
    "dnt",
    "etag",
    "expires",
    "forwarded",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "keep-alive",
    "last-modified",
    "origin",
    "pragma",
    "priority",
    "range",
    "referer",
    "server",
    "te",
    "transfer-encoding",
    "upgrade",
    "upgrade-insecure-requests",
    "user-agent",
    "vary",
    "via",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-port",
    "x-forwarded-proto",
    "x-real-ip",
    "x-request-id",
    "x-correlation-id",
    "traceparent",
    "tracestate",
    "location",
    "age",
    "strict-transport-security",
    "x-content-type-options",
    "x-frame-options",
    "x-xss-protection",
    "content-security-policy",
    "x-powered-by",
    "access-control-allow-origin",
    "access-control-allow-headers",
    "access-control-allow-methods",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "access-control-max-age",
    "x-requested-with",
    "alt-svc",
];

fn skip_header(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    SKIP_HEADERS.contains(&l.as_str()) || l.starts_with("sec-") || l.starts_with("x-b3-")
}

/// The field name of a finding (`query.page`, `header.x-api-key`, a JSON path), built only
/// when a value holds a finding: most values hold none, and every parameter and header of
/// every exchange is scanned.
#[derive(Clone, Copy)]
struct Field<'a> {
    prefix: &'static str,
    name: &'a str,
    /// The name is lower-cased (header names).
    lower: bool,
}

impl<'a> Field<'a> {
    fn prefixed(prefix: &'static str, name: &'a str) -> Self {
        Field {
            prefix,
            name,
            lower: false,
        }
    }
    fn header(name: &'a str) -> Self {
        Field {
            prefix: "header.",
            name,
            lower: true,
        }
    }
    fn build(self) -> String {
        let mut s = String::with_capacity(self.prefix.len() + self.name.len());
        s.push_str(self.prefix);
        s.push_str(self.name);
        if self.lower {
            s.make_ascii_lowercase();
        }
        s
    }
}

impl<'a> From<&'a str> for Field<'a> {
    fn from(name: &'a str) -> Self {
        Field::prefixed("", name)
    }
}

/// Collects the findings of one message (request or response).
struct Sink<'s> {
    scanner: &'s Scanner,
    direction: Direction,
    out: Vec<RawFinding>,
    pending: Vec<RawFinding>,
    hits: Vec<Hit>,
}

thread_local! {
    /// This thread's field-name context memo, kept across messages: the keys of an API come
    /// back in every one of its exchanges (and JSON arrays repeat them within one).
    static KEY_FLAGS: std::cell::RefCell<KeyCache> = std::cell::RefCell::new(KeyCache::new());
}

/// Field-name context flags per (key, parent) ([`context::key_flags`], a pure function),
/// computed once per thread: splitting a key into words costs more than looking it up.
/// An open-addressing table whose slots hold the key and parent bytes inline (no pointer to
/// chase, one fixed-size comparison), over a cheap hash of the ends of the key. When the probe
/// window is full the home slot is replaced, so a collision only costs recomputing the flags.
struct KeyCache {
    slots: Vec<CachedKey>,
    used: usize,
}

#[derive(Clone, Copy)]
struct CachedKey {
    /// `key`, a 0xFF separator (never in UTF-8), `parent`, zero padding, as little-endian
    /// words (compared with XOR: a byte-array `==` becomes a `memcmp` call); all zero when
    /// the slot is empty.
    words: [u64; KeyCache::KEY_WORDS],
    flags: u64,
    hash: u32,
}

impl KeyCache {
    /// Key + separator + parent longer than this are not cached (rare, or generated keys).
    const KEY_BYTES: usize = 8 * Self::KEY_WORDS;
    const KEY_WORDS: usize = 5;
    const MIN_SLOTS: usize = 32;
    const MAX_SLOTS: usize = 4096;
    const PROBES: usize = 8;

    fn new() -> Self {
        KeyCache {
            slots: Vec::new(),
            used: 0,
        }
    }

    /// Length and the first and last 8 bytes (or all of a shorter key), multiplied out.
    fn hash(key: &str, parent: &str) -> u64 {
        fn ends(s: &[u8]) -> u64 {
            let n = s.len();
            let word = |b: &[u8]| b.iter().fold(0u64, |acc, &c| (acc << 8) | u64::from(c));
            let (a, z) = if n >= 8 {
                (word(&s[..8]), word(&s[n - 8..]))
            } else {
                (word(s), 0)
            };
            (a ^ z.rotate_left(29) ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        }
        let h = ends(key.as_bytes());
        if parent.is_empty() {
            h
        } else {
            (h.rotate_left(17) ^ ends(parent.as_bytes())).wrapping_mul(0xD6E8_FEB8_6659_FD93)
        }
    }

    /// Flags of `key` (under `parent`; pass "" when the parent does not matter).
    fn get(&mut self, key: &str, parent: &str) -> u64 {
        let (k, p) = (key.as_bytes(), parent.as_bytes());
        // a leading NUL would read as an empty slot, a trailing one in the parent as padding
        if k.first().is_none_or(|c| *c == 0)
            || p.last() == Some(&0)
            || k.len() + 1 + p.len() > Self::KEY_BYTES
        {
            return context::key_flags(key, parent);
        }
        let mut bytes = [0u8; Self::KEY_BYTES];
        bytes[..k.len()].copy_from_slice(k);
        bytes[k.len()] = 0xFF;
        bytes[k.len() + 1..k.len() + 1 + p.len()].copy_from_slice(p);
        let mut words = [0u64; Self::KEY_WORDS];
        for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            *w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        }
        if self.slots.is_empty() {
            self.slots = vec![Self::EMPTY; Self::MIN_SLOTS];
        }
        let mask = self.slots.len() - 1;
        let hash = (Self::hash(key, parent) >> 32) as u32;
        let home = hash as usize & mask;
        let mut free = None;
        for step in 0..Self::PROBES {
            let i = (home + step) & mask;
            let slot = &self.slots[i];
            let diff = slot
                .words
                .iter()
                .zip(&words)
                .fold(0, |acc, (a, b)| acc | (a ^ b));
            if diff == 0 {
                return slot.flags;
            }
            if slot.words[0] == 0 {
                free = Some(i);
                break;
            }
        }
        let flags = context::key_flags(key, parent);
        match free {
            Some(i) => {
                self.slots[i] = CachedKey { words, flags, hash };
                self.used += 1;
                if self.used * 2 > self.slots.len() && self.slots.len() < Self::MAX_SLOTS {
                    self.grow();
                }
            }
            None => self.slots[home] = CachedKey { words, flags, hash },
        }
        flags
    }

    const EMPTY: CachedKey = CachedKey {
        words: [0; Self::KEY_WORDS],
        flags: 0,
        hash: 0,
    };

    fn grow(&mut self) {
        let bigger = vec![Self::EMPTY; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        self.used = 0;
        let mask = self.slots.len() - 1;
        for c in old.into_iter().filter(|c| c.words[0] != 0) {
            let home = c.hash as usize & mask;
            if let Some(i) = (0..Self::PROBES)
                .map(|k| (home + k) & mask)
                .find(|i| self.slots[*i].words[0] == 0)
            {
                self.slots[i] = c;
                self.used += 1;
            }
        }
    }
}

impl<'s> Sink<'s> {
    fn new(scanner: &'s Scanner, direction: Direction) -> Self {
        Sink {
            scanner,
            direction,
            out: Vec::new(),
            pending: Vec::new(),
            hits: Vec::new(),
        }
    }

    /// One value under `field` (full path) whose own name is `key`.
    fn value(&mut self, field: Field<'_>, key: &str, parent: &str, group: u32, text: &str) {
        let flags = KEY_FLAGS.with_borrow_mut(|cache| {
            let flags = cache.get(key, "");
            // a bare `name` depends on its parent object; everything else on the key alone
            if flags & context::NAME != 0 && flags & context::STRONG_NAME == 0 && !parent.is_empty()
            {
                cache.get(key, parent)
            } else {
                flags
            }
        });
        self.value_flags(field, key, group, text, flags);
    }

    fn value_flags(&mut self, field: Field<'_>, key: &str, group: u32, text: &str, flags: u64) {
        if self.out.len() >= MAX_FINDINGS_PER_EXCHANGE {
            return;
        }
        self.hits.clear();
        scan::scan_value(text, flags, &mut self.hits);
        if !self.scanner.custom.is_empty() {
            self.scanner.custom_hits(key, text, &mut self.hits);
        }
        for h in self.hits.drain(..) {
            let f = RawFinding {
                type_id: h.type_id,
                direction: self.direction,
                field: field.build(),
                value: h.value,
                group,
            };
            if f.type_id == PENDING_SECRET {
                self.pending.push(f);
            } else if self.out.len() < MAX_FINDINGS_PER_EXCHANGE {
                self.out.push(f);
            }
        }
    }

    /// A body: JSON walked with paths, XML by element, anything else as text.
    fn body(&mut self, body: &str, content_type: Option<&str>, group: &mut u32) {
        let trimmed = body.trim_start();
        if trimmed.is_empty() {
            return;
        }
        // dense bodies carry about one finding per 64 bytes: avoid regrowing the vector
        self.out.reserve((body.len() / 64).min(1024));
        let ct = content_type.unwrap_or("");
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let mark = (self.out.len(), self.pending.len());
            let start_group = *group;
            if self.json(trimmed, "json", group, 0) {
                return;
            }
            // not JSON after all: forget partial results and scan as text
            self.out.truncate(mark.0);
            self.pending.truncate(mark.1);
            *group = start_group;
        }
        *group += 1;
        if ct.contains("xml") || trimmed.starts_with("<?xml") {
            self.xml(trimmed, *group);
        } else if ct.contains("html") || trimmed.starts_with('<') {
            let text = strip_tags(body);
            self.value_flags("body".into(), "", *group, &text, 0);
            self.html_inputs(body, *group);
        } else {
            self.value_flags("body".into(), "", *group, body, 0);
        }
    }

    fn json(&mut self, body: &str, root: &str, group: &mut u32, depth: u8) -> bool {
        let mut nested: Vec<(String, String, String, u32, String)> = Vec::new();
        let ok = json::walk(body, root, group, &mut |leaf: &json::Leaf| {
            let v = leaf.value;
            if leaf.is_string && depth == 0 && v.len() > 2 {
                let t = scan::trim(v);
                if (t.starts_with('{') && t.ends_with('}'))
                    || (t.starts_with('[') && t.ends_with(']'))
                {
                    // JSON serialised into a string: walk it after this body
                    nested.push((
                        leaf.path.to_string(),
                        leaf.key.to_string(),
                        leaf.parent.to_string(),
                        leaf.group,
                        v.to_string(),
                    ));
                    return;
                }
            }
            self.value(leaf.path.into(), leaf.key, leaf.parent, leaf.group, v);
        });
        for (path, key, parent, g, v) in nested {
            let mark = (self.out.len(), self.pending.len());
            let save = *group;
            if !self.json(&v, &path, group, depth + 1) {
                self.out.truncate(mark.0);
                self.pending.truncate(mark.1);
                *group = save;
                self.value(path.as_str().into(), &key, &parent, g, &v);
            }
        }
        ok
    }

    /// XML: the text of every element is scanned under the element's name.
    fn xml(&mut self, body: &str, group: u32) {
        let b = body.as_bytes();
        let mut stack: Vec<&str> = Vec::new();
        let mut path = String::from("xml");
        let mut i = 0;
        let mut text_start = 0;
        while i < b.len() {
            if b[i] != b'<' {
                i += 1;
                continue;
            }
            let text = &body[text_start..i];
            if !text.trim().is_empty() {
                let key = stack.last().copied().unwrap_or("");
                let parent = stack.len().checked_sub(2).map_or("", |p| stack[p]);
                let t = xml_unescape(text);
                self.value(path.as_str().into(), key, parent, group, &t);
            }
            if body[i..].starts_with("<![CDATA[") {
                let s = i + 9;
                let e = body[s..].find("]]>").map_or(body.len(), |x| s + x);
                let key = stack.last().copied().unwrap_or("");
                self.value(path.as_str().into(), key, "", group, &body[s..e]);
                i = (e + 3).min(b.len());
                text_start = i;
                continue;
            }
            let close = memchr::memchr(b'>', &b[i..]).map_or(b.len(), |x| i + x);
            let tag = &body[i + 1..close.min(b.len()).max(i + 1)];
            if let Some(name) = tag.strip_prefix('/') {
                let name = name.trim();
                if let Some(pos) = stack.iter().rposition(|n| *n == name) {
                    stack.truncate(pos);
                    path = std::iter::once("xml")
                        .chain(stack.iter().copied())
                        .collect::<Vec<_>>()
                        .join(".");
                }
            } else if !tag.starts_with('?') && !tag.starts_with('!') {
                let self_closing = tag.ends_with('/');
                let tag = tag.strip_suffix('/').unwrap_or(tag);
                let (name, attrs) = tag
                    .split_once(|c: char| c.is_whitespace())
                    .unwrap_or((tag, ""));
                let name = name.rsplit(':').next().unwrap_or(name);
                // attribute values under the attribute's name: `<user tel="138...">`
                for (qname, value) in attributes(attrs) {
                    if qname.starts_with("xmlns") || value.trim().is_empty() {
                        continue;
                    }
                    let attr = qname.rsplit(':').next().unwrap_or(qname);
                    let field = format!("{path}.{name}.@{attr}");
                    self.value(
                        field.as_str().into(),
                        attr,
                        name,
                        group,
                        &xml_unescape(value),
                    );
                }
                if !self_closing && !name.is_empty() && stack.len() < 64 {
                    stack.push(name);
                    path.push('.');
                    path.push_str(name);
                }
            }
            i = close + 1;
            text_start = i;
        }
    }

    /// Pre-filled form fields of an HTML page (`<input name="phone" value="138...">`): the
    /// values live in attributes, which the text of the page leaves out.
    fn html_inputs(&mut self, html: &str, group: u32) {
        let b = html.as_bytes();
        let mut at = 0;
        while let Some(p) = memchr::memchr(b'<', &b[at..]).map(|p| at + p) {
            at = p + 1;
            if !b
                .get(p + 1..p + 6)
                .is_some_and(|t| t.eq_ignore_ascii_case(b"input"))
                || !b.get(p + 6).is_some_and(u8::is_ascii_whitespace)
            {
                continue;
            }
            let end = memchr::memchr(b'>', &b[p..]).map_or(b.len(), |e| p + e);
            let (mut name, mut value) = ("", "");
            for (attr, v) in attributes(&html[p + 6..end]) {
                if attr.eq_ignore_ascii_case("name") || (name.is_empty() && attr == "id") {
                    name = v;
                } else if attr.eq_ignore_ascii_case("value") {
                    value = v;
                }
            }
            if !value.trim().is_empty() {
                let value = html_unescape(value);
                self.value(Field::prefixed("html.", name), name, "", group, &value);
            }
            at = end;
        }
    }

    /// AccessKey Secrets without context become secrets when an AccessKey ID is in the same
    /// message; both together make an AKSK pair.
    fn finish(mut self) -> Vec<RawFinding> {
        let has_id = self.out.iter().any(|f| f.type_id == id::ACCESSKEY_ID);
        if has_id {
            for mut p in self.pending.drain(..) {
                p.type_id = id::ACCESSKEY_SECRET;
                self.out.push(p);
            }
            let ids: Vec<(u32, String)> = self
                .out
                .iter()
                .filter(|f| f.type_id == id::ACCESSKEY_ID)
                .map(|f| (f.group, f.value.clone()))
                .collect();
            let secrets: Vec<RawFinding> = self
                .out
                .iter()
                .filter(|f| f.type_id == id::ACCESSKEY_SECRET)
                .cloned()
                .collect();
            for s in secrets {
                let ak = ids.iter().find(|(g, _)| *g == s.group).unwrap_or(&ids[0]);
                self.out.push(RawFinding {
                    type_id: id::ALIYUN_AKSK_PAIR,
                    direction: s.direction,
                    field: s.field.clone(),
                    value: format!("{}:{}", ak.1, s.value),
                    group: s.group,
                });
            }
        }
        self.out.truncate(MAX_FINDINGS_PER_EXCHANGE);
        self.out
    }
}

/// The XML predefined entities, `&amp;` last so that `&amp;lt;` stays `&lt;`.
const XML_ENTITIES: &[(&str, &str)] = &[
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", "\""),
    ("&apos;", "'"),
    ("&amp;", "&"),
];

/// The common HTML entities, in the order page text has always been decoded with.
const HTML_ENTITIES: &[(&str, &str)] = &[
    ("&nbsp;", " "),
    ("&amp;", "&"),
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", "\""),
    ("&#64;", "@"),
];

/// `s` with each entity replaced in turn; borrowed when there is no `&`.
fn unescape<'a>(s: &'a str, entities: &[(&str, &str)]) -> std::borrow::Cow<'a, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = s.to_string();
    for (entity, c) in entities {
        if out.contains(entity) {
            out = out.replace(entity, c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn xml_unescape(s: &str) -> std::borrow::Cow<'_, str> {
    unescape(s, XML_ENTITIES)
}

/// `name="value"` pairs of a tag after its name (double, single or no quotes); at most 64.
fn attributes(s: &str) -> Vec<(&str, &str)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < 64 {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let ns = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'/') {
            i += 1;
        }
        let name = &s[ns..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if name.is_empty() {
            i += 1;
            continue;
        }
        if b.get(i) != Some(&b'=') {
            continue; // a bare attribute (`disabled`)
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let vs = i + 1;
                let ve = memchr::memchr(q, &b[vs..]).map_or(b.len(), |e| vs + e);
                i = ve + 1;
                &s[vs..ve]
            }
            _ => {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                &s[vs..i]
            }
        };
        out.push((name, value));
    }
    out
}

fn html_unescape(s: &str) -> std::borrow::Cow<'_, str> {
    unescape(s, HTML_ENTITIES)
}

/// HTML to text: tags become a space, common entities are decoded.
/// Byte search (`memchr`): `str::find(char)` compares each candidate through a `memcmp` call.
fn strip_tags(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    while let Some(p) = memchr::memchr(b'<', &b[at..]).map(|p| at + p) {
        out.push_str(&html[at..p]);
        out.push(' ');
        match memchr::memchr(b'>', &b[p..]) {
            Some(q) => at = p + q + 1,
            None => {
                at = html.len();
                break;
            }
        }
    }
    out.push_str(&html[at..]);
    match html_unescape(&out) {
        std::borrow::Cow::Owned(decoded) => decoded,
        std::borrow::Cow::Borrowed(_) => out,
    }
}

impl Scanner {
    pub fn builtin() -> Self {
        Scanner::default()
    }

    /// Built-in detectors plus custom policies. Every policy's regex is compiled here, so a
    /// bad policy fails at load time with its name, never mid-scan.
    pub fn new(custom: &[CustomPolicy]) -> Result<Self, PolicyError> {
        let mut compiled = Vec::with_capacity(custom.len());
        for p in custom {
            if p.id < CUSTOM_ID_START {
                return Err(PolicyError::Invalid {
                    name: p.name.clone(),
                    message: format!("custom type IDs start at {CUSTOM_ID_START}, got {}", p.id),
                });
            }
            if p.regex.trim().is_empty() {
                return Err(PolicyError::Regex {
                    name: p.name.clone(),
                    message: "empty pattern".into(),
                });
            }
            let re = regex::RegexBuilder::new(&p.regex)
                .size_limit(1 << 20)
                .dfa_size_limit(1 << 20)
                .build()
                .map_err(|e| PolicyError::Regex {
                    name: p.name.clone(),
                    message: e.to_string(),
                })?;
            compiled.push(CompiledPolicy {
                policy: p.clone(),
                re,
                fields: p
                    .fields
                    .iter()
                    .map(|f| f.trim().to_ascii_lowercase())
                    .filter(|f| !f.is_empty())
                    .collect(),
                keywords: p
                    .keywords
                    .iter()
                    .map(|k| k.trim().to_lowercase())
                    .filter(|k| !k.is_empty())
                    .collect(),
            });
        }
        let set = if compiled.is_empty() {
            None
        } else {
            Some(
                regex::RegexSetBuilder::new(compiled.iter().map(|c| c.policy.regex.as_str()))
                    .size_limit(1 << 22)
                    .build()
                    .map_err(|e| PolicyError::Regex {
                        name: "(policy set)".into(),
                        message: e.to_string(),
                    })?,
            )
        };
        Ok(Scanner {
            custom: compiled,
            set,
        })
    }

    /// The custom policies this scanner applies.
    pub fn custom_policies(&self) -> impl Iterator<Item = &CustomPolicy> {
        self.custom.iter().map(|c| &c.policy)
    }

    fn custom_hits(&self, key: &str, text: &str, hits: &mut Vec<Hit>) {
        let Some(set) = &self.set else {
            return;
        };
        let key_l = key.to_ascii_lowercase();
        for idx in set.matches(text).iter() {
            let c = &self.custom[idx];
            if !c.fields.is_empty() && !c.fields.contains(&key_l) {
                continue;
            }
            for m in c.re.find_iter(text).take(64) {
                if m.as_str().is_empty() {
                    continue;
                }
                if !c.keywords.is_empty() {
                    let lo = floor_boundary(text, m.start().saturating_sub(64));
                    let hi = ceil_boundary(text, (m.end() + 64).min(text.len()));
                    let window = text[lo..hi].to_lowercase();
                    if !c
                        .keywords
                        .iter()
                        .any(|k| key_l.contains(k.as_str()) || window.contains(k.as_str()))
                    {
                        continue;
                    }
                }
                hits.push(Hit {
                    type_id: c.policy.id,
                    value: m.as_str().to_string(),
                });
            }
        }
    }

    /// Every sensitive value in the request (path, query, form, JSON, headers, cookies) and the
    /// response (headers, cookies, JSON walked with field paths, HTML, text, XML).
    pub fn scan(&self, ex: &Exchange) -> Vec<RawFinding> {
        let r = ex.record;
        let mut group = 0u32;
        let mut req = Sink::new(self, Direction::Request);

        // path segments, query, form: one group per region
        group += 1;
        for seg in r.path.split('/').filter(|s| s.len() >= 6) {
            let seg = percent_encoding::percent_decode_str(seg).decode_utf8_lossy();
            req.value_flags("path".into(), "", group, &seg, 0);
        }
        if !ex.query().is_empty() {
            group += 1;
            for (k, v) in ex.query() {
                req.value(Field::prefixed("query.", k), k, "", group, v);
            }
        }
        if !ex.form().is_empty() {
            group += 1;
            for (k, v) in ex.form() {
                req.value(Field::prefixed("form.", k), k, "", group, v);
            }
        } else if let Some(body) = r.request_body.as_deref() {
            let ct = r.request_content_type();
            req.body(body, ct.as_deref(), &mut group);
        }
        group += 1;
        for (name, v) in &r.request_headers {
            if name.eq_ignore_ascii_case("cookie") || skip_header(name) {
                continue;
            }
            let field = Field::header(name);
            if name.eq_ignore_ascii_case("authorization")
                || name.eq_ignore_ascii_case("proxy-authorization")
            {
                let (scheme, cred) = v.split_once(' ').unwrap_or(("", v.as_str()));
                let cred = cred.trim();
                if scheme.eq_ignore_ascii_case("basic") {
                    use base64::Engine as _;
                    if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(cred) {
                        if let Ok(s) = String::from_utf8(raw) {
                            req.value_flags(field, name, group, &s, 0);
                            continue;
                        }
                    }
                }
                req.value_flags(field, name, group, cred, context::TOKEN);
                continue;
            }
            req.value(field, name, "", group, v);
        }
        for (k, v) in ex.cookies() {
            req.value(Field::prefixed("cookie.", k), k, "", group, v);
        }
        let mut out = req.finish();

        let mut resp = Sink::new(self, Direction::Response);
        group += 1;
        for (name, v) in &r.response_headers {
            if skip_header(name) {
                continue;
            }
            if name.eq_ignore_ascii_case("set-cookie") {
                let first = v.split(';').next().unwrap_or("");
                if let Some((k, val)) = first.split_once('=') {
                    let k = k.trim();
                    resp.value(Field::prefixed("cookie.", k), k, "", group, val.trim());
                }
                continue;
            }
            resp.value(Field::header(name), name, "", group, v);
        }
        if let Some(body) = r.response_body.as_deref() {
            let ct = r.response_content_type();
            resp.body(body, ct.as_deref(), &mut group);
        }
        let mut rest = resp.finish();
        rest.truncate(MAX_FINDINGS_PER_EXCHANGE.saturating_sub(out.len()));
        out.append(&mut rest);
        out
    }

    /// Scans one text as if it were found under `field` (for testing a policy against a sample,
    /// or scanning a value the caller extracted). The last path segment of `field` is the
    /// context (`json.user.mobile` -> `mobile`). JSON text is walked.
    pub fn scan_text(&self, direction: Direction, field: &str, text: &str) -> Vec<RawFinding> {
        let mut sink = Sink::new(self, direction);
        let mut group = 0;
        let key = last_segment(field);
        if field.is_empty() || field == "body" {
            sink.body(text, None, &mut group);
        } else {
            sink.value(field.into(), key, "", 1, text);
        }
        sink.finish()
    }

    /// Scans one value under a field name with an explicit parent (the enclosing object's key).
    pub fn scan_value(
        &self,
        direction: Direction,
        field: &str,
        parent: &str,
        value: &str,
    ) -> Vec<RawFinding> {
        let mut sink = Sink::new(self, direction);
        sink.value(field.into(), last_segment(field), parent, 1, value);
        sink.finish()
    }
}

fn last_segment(field: &str) -> &str {
    let f = field.trim_end_matches("[]");
    f.rsplit('.').next().unwrap_or(f).trim_end_matches("[]")
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The normalised form of a value, as hashed: one person's value written two ways hashes the
/// same. Phones, cards and ID numbers keep digits only (upper-case `X`; the +86 / +1 country
/// code dropped); document codes and hex identifiers keep alphanumerics upper-cased; e-mail
/// addresses and English names are lower-cased; IPv6 takes its canonical RFC 5952 form;
/// everything else is trimmed with inner whitespace collapsed.
pub fn normalise(type_id: u32, value: &str) -> String {
    let v = value.trim();
    let alnum_upper = || -> String {
        v.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect()
    };
    match type_id {
        id::CN_MOBILE => {
            let d: String = v.chars().filter(char::is_ascii_digit).collect();
            match d.strip_prefix("86") {
                Some(rest) if d.len() == 13 => rest.to_string(),
                _ => d,
            }
        }
        id::US_PHONE => {
            let d: String = v.chars().filter(char::is_ascii_digit).collect();
            match d.strip_prefix('1') {
                Some(rest) if d.len() == 11 => rest.to_string(),
                _ => d,
            }
        }
        id::CN_LANDLINE
        | id::DEBIT_CARD
        | id::CREDIT_CARD
        | id::IMEI
        | id::US_SSN
        | id::MY_ID_CARD
        | id::ID_KK
        | id::BUSINESS_LICENSE => v.chars().filter(char::is_ascii_digit).collect(),
        id::CN_ID_CARD
        | id::CN_PASSPORT
        | id::HK_MACAO_PERMIT
        | id::HK_ID_CARD
        | id::SG_ID_CARD
        | id::ID_KIP
        | id::USCC
        | id::ORGANIZATION_CODE
        | id::TAX_REGISTRATION
        | id::VIN
        | id::SWIFT_CODE
        | id::MEID
        | id::MAC_ADDRESS
        | id::CN_LICENSE_PLATE
        | id::MILITARY_OFFICER_CARD => alnum_upper(),
        id::EMAIL | id::EN_NAME | id::EN_ADDRESS => v
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
        id::IPV6 => v
            .parse::<std::net::Ipv6Addr>()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| v.to_lowercase()),
        _ => v.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Masks a value, keeping a little of each end (`110***********123X`). Short values keep less;
/// long values (keys, PEM blocks) keep four characters each side and at most 16 stars.
pub fn mask(type_id: u32, value: &str) -> String {
    // Runs for every parameter example and finding: works on the borrowed text, allocating
    // only the result.
    let value = value.trim();
    if type_id == id::EMAIL {
        if let Some(at_byte) = value.find('@') {
            let at = value[..at_byte].chars().count();
            let keep = usize::from(at > 2);
            let mut out: String = value.chars().take(keep).collect();
            out.extend(std::iter::repeat_n('*', (at - keep).clamp(1, 8)));
            out.push_str(&value[at_byte..]);
            return out;
        }
    }
    // Nearly every value is ASCII: its bytes are its characters, nothing to count or decode.
    let ascii = value.is_ascii();
    let n = if ascii {
        value.len()
    } else {
        value.chars().count()
    };
    let (keep, stars) = mask_shape(n);
    // The byte offset of a character.
    let at = |chars: usize| {
        if ascii {
            chars
        } else {
            value
                .char_indices()
                .nth(chars)
                .map_or(value.len(), |(i, _)| i)
        }
    };
    let (head, tail) = (at(keep), at(n - keep));
    let mut out = String::with_capacity(head + stars + value.len() - tail);
    out.push_str(&value[..head]);
    out.extend(std::iter::repeat_n('*', stars));
    out.push_str(&value[tail..]);
    out
}

/// For a value of `n` characters: how many to keep at each end, and how many stars between.
fn mask_shape(n: usize) -> (usize, usize) {
    let keep = if n > 40 {
        4
    } else if n >= 12 {
        3
    } else if n >= 6 {
        2
    } else {
        1.min(n / 3)
    };
    let hidden = n - 2 * keep.min(n / 2);
    (keep, hidden.min(16))
}

/// Keyed per-tenant hash of normalised values.
#[derive(Clone)]
pub struct ValueHasher {
    /// The HMAC with the key already absorbed: cloning it spares two of the four SHA-256
    /// blocks every hash would otherwise spend on the key.
    keyed: hmac::Hmac<sha2::Sha256>,
}

impl std::fmt::Debug for ValueHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ValueHasher(..)")
    }
}

impl ValueHasher {
    pub fn new(key: &[u8]) -> Self {
        use hmac::Mac;
        ValueHasher {
            keyed: hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
                .expect("HMAC accepts keys of any length"),
        }
    }
    /// HMAC-SHA256 (key = the tenant key) over `type_id` and the [`normalise`]d value, first 8
    /// bytes little-endian. `138 0013 8000` and `+86 13800138000` are one value; the type takes
    /// part so that the same digits as a card and as a phone stay apart.
    pub fn hash(&self, type_id: u32, value: &str) -> u64 {
        use hmac::Mac;
        let mut mac = self.keyed.clone();
        mac.update(&type_id.to_le_bytes());
        mac.update(normalise(type_id, value).as_bytes());
        let out = mac.finalize().into_bytes();
        let mut b = [0u8; 8];
        b.copy_from_slice(&out[..8]);
        u64::from_le_bytes(b)
    }
}

/// Masks and hashes raw findings: what leaves the per-exchange stage.
pub fn seal(raw: Vec<RawFinding>, hasher: &ValueHasher) -> Vec<Finding> {
    // Consumes the raw findings: their field names move, and their plaintext goes.
    raw.into_iter()
        .map(|f| Finding {
            type_id: f.type_id,
            direction: f.direction,
            masked: mask(f.type_id, &f.value),
            hash: hasher.hash(f.type_id, &f.value),
            field: f.field,
            group: f.group,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_masks_match_the_character_path() {
        // The byte fast path must cut where the character path cuts.
        let reference = |v: &str| -> String {
            let v = v.trim();
            let n = v.chars().count();
            let (keep, stars) = mask_shape(n);
            v.chars()
                .take(keep)
                .chain(std::iter::repeat_n('*', stars))
                .chain(v.chars().skip(n - keep))
                .collect()
        };
        let text = " abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_ ";
        for len in 0..text.len() {
            let v = &text[..len];
            assert_eq!(mask(0, v), reference(v), "{v:?}");
        }
    }

    #[test]
    fn masks() {
        assert_eq!(
            mask(id::CN_ID_CARD, "11010519491231002X"),
            "110************02X"
        );
        assert_eq!(mask(id::CN_MOBILE, "13800138000"), "13*******00");
        assert_eq!(
            mask(id::EMAIL, "zhangsan@example.com"),
            "z*******@example.com"
        );
        let pem = format!(
            "-----BEGIN CERTIFICATE-----{}-----END CERTIFICATE-----",
            "A".repeat(500)
        );
        let m = mask(id::PEM_CERTIFICATE, &pem);
        assert!(m.len() <= 24 && !m.contains("AAAAA"));
        assert_eq!(mask(id::GENDER, "男"), "*");
        assert_eq!(mask(id::CN_NAME_SIMPLIFIED, "张三"), "**");
        assert_eq!(
            mask(id::CN_NAME_SIMPLIFIED, "欧阳娜娜"),
            "欧阳娜娜".chars().take(1).collect::<String>() + "**娜"
        );
    }

    #[test]
    fn hashes_normalise() {
        let h = ValueHasher::new(b"k");
        assert_eq!(
            h.hash(id::CN_MOBILE, "138 0013 8000"),
            h.hash(id::CN_MOBILE, "+86 13800138000")
        );
        assert_eq!(h.hash(id::EMAIL, "A@B.com"), h.hash(id::EMAIL, "a@b.com"));
        assert_eq!(
            h.hash(id::CN_ID_CARD, "11010519491231002x"),
            h.hash(id::CN_ID_CARD, "11010519491231002X")
        );
        assert_ne!(
            h.hash(id::CN_MOBILE, "13800138000"),
            h.hash(id::CN_MOBILE, "13800138001")
        );
        assert_ne!(
            ValueHasher::new(b"other").hash(id::CN_MOBILE, "13800138000"),
            h.hash(id::CN_MOBILE, "13800138000")
        );
        assert_eq!(
            h.hash(id::IPV6, "2001:DB8:0:0::1"),
            h.hash(id::IPV6, "2001:db8::1")
        );
    }

    #[test]
    fn custom_policies_compile_and_match() {
        let p = CustomPolicy {
            id: 100_001,
            name: "employee id".into(),
            regex: r"EMP-\d{6}".into(),
            fields: vec![],
            keywords: vec!["工号".into()],
            level: crate::catalog::SensitivityLevel::S2,
            category: "internal".into(),
        };
        let s = Scanner::new(std::slice::from_ref(&p)).unwrap();
        let f = s.scan_text(Direction::Response, "body", "员工工号: EMP-123456");
        assert!(f
            .iter()
            .any(|f| f.type_id == 100_001 && f.value == "EMP-123456"));
        let f = s.scan_text(Direction::Response, "body", "code EMP-123456");
        assert!(!f.iter().any(|f| f.type_id == 100_001));
        let bad = CustomPolicy {
            regex: "(unclosed".into(),
            ..p.clone()
        };
        match Scanner::new(&[bad]) {
            Err(PolicyError::Regex { name, .. }) => assert_eq!(name, "employee id"),
            other => panic!("{other:?}"),
        }
        let low = CustomPolicy { id: 5, ..p.clone() };
        assert!(matches!(
            Scanner::new(&[low]),
            Err(PolicyError::Invalid { .. })
        ));
        let fielded = CustomPolicy {
            fields: vec!["staffNo".into()],
            keywords: vec![],
            ..p
        };
        let s = Scanner::new(&[fielded]).unwrap();
        assert_eq!(
            s.scan_text(Direction::Request, "json.staffNo", "EMP-000001")
                .len(),
            1
        );
        assert_eq!(
            s.scan_text(Direction::Request, "json.other", "EMP-000001")
                .len(),
            0
        );
    }
}
