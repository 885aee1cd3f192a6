//! One path segment: normalisation, value kinds (is it an identifier?), route words and variable
//! names.
//!
//! A segment is *strong* when its value alone says it is an identifier (a number, a UUID, a hex
//! or base64 token, a hash, a date, an email, a phone number, a mixed letters-and-digits token):
//! such a segment becomes a variable even when seen once. Any other segment is *weak* (a word or
//! a slug): the templater decides from its siblings whether it is a route word or a value.
//! Version segments (`v1`, `v2.1`, `v1beta1`) and reserved words (`api`, `rest`...) are never
//! variables.

use std::borrow::Cow;

/// What a segment value looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SegKind {
    /// A word, slug or name: a route word unless its siblings say otherwise.
    Word,
    /// `v1`, `v2.1`, `v1beta1`: always literal.
    Version,
    Integer,
    Uuid,
    Hex,
    Date,
    Email,
    Phone,
    /// Letters and digits mixed (`cus_9sK2mQ`, `ORD-2023-0042`, `i-0ab12cd34`), base64 tokens.
    Token,
}

impl SegKind {
    /// Identifier-like: a variable even when seen once.
    pub fn is_strong(self) -> bool {
        !matches!(self, SegKind::Word | SegKind::Version)
    }
    /// Parameter type used in summaries and the OpenAPI export.
    pub fn type_name(self) -> &'static str {
        match self {
            SegKind::Word | SegKind::Version => "string",
            SegKind::Integer => "integer",
            SegKind::Uuid => "uuid",
            SegKind::Hex => "hex",
            SegKind::Date => "date",
            SegKind::Email => "email",
            SegKind::Phone => "phone",
            SegKind::Token => "token",
        }
    }
}

/// Longest segment we look at closely; longer segments are treated as tokens.
pub const MAX_SEGMENT_LEN: usize = 256;

/// Splits a raw path into normalised segments: percent-decoded, matrix parameters (`;jsessionid=`)
/// dropped, empty segments (double and trailing slashes) removed. At most `max` segments.
/// Segments borrow from `path` unless decoding or shortening changed them.
pub fn split_path(path: &str, max: usize) -> Vec<Cow<'_, str>> {
    let mut out = Vec::new();
    for raw in path.split('/') {
        if out.len() >= max {
            break;
        }
        let raw = raw.split(';').next().unwrap_or("");
        if raw.is_empty() {
            continue;
        }
        let seg = match percent_encoding::percent_decode_str(raw).decode_utf8_lossy() {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        };
        if seg.is_empty() || seg == "." {
            continue;
        }
        if seg.len() > MAX_SEGMENT_LEN {
            out.push(Cow::Owned(seg.chars().take(MAX_SEGMENT_LEN).collect()));
        } else {
            out.push(seg);
        }
    }
    out
}

/// `s` lower-cased (Unicode rules), borrowed when it has no upper-case letter to change.
pub fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Format extensions kept outside the variable: `/users/42.json` is `/users/{user_id}.json`.
const FORMAT_EXTENSIONS: &[&str] = &[".json", ".xml", ".yaml", ".yml", ".csv", ".txt", ".html"];

/// Splits a known format extension off a segment (`42.json` -> (`42`, `.json`)).
pub fn split_extension(seg: &str) -> (&str, &str) {
    let lower_ok =
        |ext: &str| seg.len() > ext.len() && seg[seg.len() - ext.len()..].eq_ignore_ascii_case(ext);
    for ext in FORMAT_EXTENSIONS {
        if seg.len() > ext.len() && seg.is_char_boundary(seg.len() - ext.len()) && lower_ok(ext) {
            return (&seg[..seg.len() - ext.len()], &seg[seg.len() - ext.len()..]);
        }
    }
    (seg, "")
}

/// Words that are part of an API's address, never a value: prefixes, versions' neighbours.
const RESERVED: &[&str] = &[
    "api", "apis", "rest", "restapi", "openapi", "service", "services", "gateway", "graphql",
    "rpc", "jsonrpc", "ws", "public", "private", "internal", "admin", "web", "app", "mobile",
    "open",
];

pub fn is_reserved(seg: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(seg))
}

/// `v1`, `V2`, `v2.1`, `v1beta1`, `v2alpha3`, `version2`.
pub fn is_version(seg: &str) -> bool {
    let Some(rest) =
        strip_prefix_ignore_case(seg, "version").or_else(|| strip_prefix_ignore_case(seg, "v"))
    else {
        return false;
    };
    let b = rest.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() || rest.len() > 12 {
        return false;
    }
    let digits_end = b
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(b.len());
    let tail = &rest[digits_end..];
    if tail.is_empty() {
        return true;
    }
    // v2.1 / v1.0.3
    if let Some(t) = tail.strip_prefix('.') {
        return t
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
    }
    // v1beta1 / v2alpha / v1rc2
    for tag in ["beta", "alpha", "rc"] {
        if let Some(t) = strip_prefix_ignore_case(tail, tag) {
            return t.bytes().all(|c| c.is_ascii_digit());
        }
    }
    false
}

/// `s` without `prefix`, compared ignoring ASCII case.
fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() == 36 {
        b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
    } else {
        false
    }
}

fn is_date(s: &str) -> bool {
    // 2023-01-31, 2023/01/31 not possible in one segment, 2023-01-31T10:00:00Z, 20230131 is an
    // integer anyway.
    let b = s.as_bytes();
    if b.len() < 10 {
        return false;
    }
    let ymd = b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    ymd && (b.len() == 10 || b[10] == b'T' || b[10] == b' ')
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(' ')
        }
        None => false,
    }
}

fn is_phone(s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let allowed = s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'(' | b')' | b' ' | b'.'));
    allowed && (7..=15).contains(&digits) && (s.starts_with('+') || s.contains('-'))
}

fn letters_count(b: &[u8]) -> usize {
    b.iter().filter(|c| c.is_ascii_alphabetic()).count()
}

/// Technical words that contain digits but are route words.
const DIGIT_WORDS: &[&str] = &[
    "oauth2", "oauth1", "s3", "ec2", "md5", "sha1", "sha256", "sha512", "utf8", "base64", "http2",
    "web3", "x509", "i18n", "l10n", "k8s", "2fa", "mfa2", "mp3", "mp4", "h5", "p2p", "b2b", "b2c",
    "o2o", "e2e", "pkcs12", "pkcs8", "ipv4", "ipv6", "3ds", "2d", "3d", "4g", "5g", "h264", "h265",
    "win32", "win64", "x64", "x86", "arm64", "amd64", "es6", "html5", "css3", "openid2",
];

/// Classifies one (decoded, extension-free) segment value.
pub fn classify(seg: &str) -> SegKind {
    if seg.is_empty() {
        return SegKind::Word;
    }
    if is_version(seg) {
        return SegKind::Version;
    }
    let b = seg.as_bytes();
    if b.iter().all(u8::is_ascii_digit) {
        return SegKind::Integer;
    }
    if is_uuid(seg) {
        return SegKind::Uuid;
    }
    if is_date(seg) {
        return SegKind::Date;
    }
    if is_email(seg) {
        return SegKind::Email;
    }
    if is_phone(seg) {
        return SegKind::Phone;
    }
    if seg.len() > 64 && !seg.contains(' ') {
        return SegKind::Token;
    }
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let hex = b.iter().all(u8::is_ascii_hexdigit);
    if hex && b.len() >= 8 && digits >= 2 {
        return SegKind::Hex;
    }
    // CONSTANT_CASE names (`NPM_TOKEN`, `AWS_KEY_2`) are values, not routes.
    let has_lower = b.iter().any(u8::is_ascii_lowercase);
    if !has_lower && letters_count(b) >= 2 && b.contains(&b'_') {
        return SegKind::Token;
    }
    if digits == 0 {
        // Base64-like tokens without digits: long, mixed case, no separators.
        let upper = b.iter().filter(|c| c.is_ascii_uppercase()).count();
        let lower = b.iter().filter(|c| c.is_ascii_lowercase()).count();
        let transitions = b
            .windows(2)
            .filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
            .count();
        if b.len() >= 20
            && upper >= 4
            && lower >= 4
            && transitions * 4 > b.len() / 2
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'=' | b'+'))
        {
            return SegKind::Token;
        }
        return SegKind::Word;
    }
    if letters == 0 {
        // Digits with separators: `2023_0042`, `1.2.3`, `12-34`.
        return SegKind::Token;
    }
    let lower = seg.to_ascii_lowercase();
    if DIGIT_WORDS.contains(&lower.as_str()) {
        return SegKind::Word;
    }
    // Very short mixes (`x1`, `h5`, `a2b`) are names of routes more often than ids.
    if b.len() < 4 {
        return SegKind::Word;
    }
    // A word with a short trailing number (`page2`, `step3`, `top10`) stays a word when short.
    let alpha_prefix = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if alpha_prefix >= 3 && b[alpha_prefix..].iter().all(u8::is_ascii_digit) && digits <= 2 {
        return SegKind::Word;
    }
    SegKind::Token
}

/// Splits a segment or name into lower-case words: camelCase, snake_case, kebab-case, dots and
/// digits all separate words (`getUserInfo_v2` -> `get user info v 2`).
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let (false, Some(&p)) = (cur.is_empty(), i.checked_sub(1).and_then(|j| chars.get(j))) {
            let boundary = (p.is_lowercase() && c.is_uppercase())
                || (p.is_ascii_digit() != c.is_ascii_digit())
                || (p.is_uppercase()
                    && c.is_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
            if boundary {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Singular form of an English plural, good enough for parameter names.
pub fn singular(word: &str) -> String {
    let w = word.to_ascii_lowercase();
    const IRREGULAR: &[(&str, &str)] = &[
        ("people", "person"),
        ("children", "child"),
        ("men", "man"),
        ("women", "woman"),
        ("data", "data"),
        ("media", "media"),
        ("news", "news"),
        ("status", "status"),
        ("address", "address"),
        ("analysis", "analysis"),
        ("indices", "index"),
        ("matrices", "matrix"),
    ];
    if let Some((_, s)) = IRREGULAR.iter().find(|(p, _)| *p == w) {
        return s.to_string();
    }
    if w.len() > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..w.len() - 3]);
    }
    for suffix in ["sses", "shes", "ches", "xes", "zes", "statuses", "uses"] {
        if w.len() > suffix.len() && w.ends_with(suffix) {
            return w[..w.len() - 2].to_string();
        }
    }
    if w.len() > 3
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
    {
        return w[..w.len() - 1].to_string();
    }
    w
}

/// Name stem for a variable that follows the literal `prev`: singular, snake_case, ascii only.
pub fn name_stem(prev: &str) -> Option<String> {
    let ws = words(prev);
    if ws.is_empty()
        || ws
            .iter()
            .any(|w| !w.bytes().all(|c| c.is_ascii_alphanumeric()))
    {
        return None;
    }
    let mut ws = ws;
    if let Some(last) = ws.last_mut() {
        *last = singular(last);
    }
    let s = ws.join("_");
    (s.len() <= 40 && s.as_bytes()[0].is_ascii_alphabetic()).then_some(s)
}

/// Common words of REST addresses: resources, actions, qualifiers. A weak segment made only of
/// these words (after splitting camelCase/snake/kebab and plurals) is a route word, even at a
/// position where most values are identifiers (`/users/me`, `/users/search`, `/orders/export`).
/// Sorted; a test keeps it sorted.
pub const ROUTE_WORDS: &[&str] = &[
    "about",
    "access",
    "account",
    "action",
    "activate",
    "active",
    "activity",
    "add",
    "address",
    "admin",
    "advanced",
    "agent",
    "aggregate",
    "alert",
    "all",
    "analysis",
    "analytics",
    "annotation",
    "answer",
    "app",
    "apply",
    "approval",
    "approve",
    "archive",
    "article",
    "asset",
    "assign",
    "async",
    "attachment",
    "attribute",
    "audit",
    "auth",
    "authorization",
    "authorize",
    "auto",
    "avatar",
    "balance",
    "batch",
    "bill",
    "billing",
    "bind",
    "binding",
    "blob",
    "block",
    "board",
    "book",
    "booking",
    "branch",
    "bulk",
    "by",
    "cache",
    "calendar",
    "callback",
    "cancel",
    "captcha",
    "card",
    "cart",
    "catalog",
    "category",
    "change",
    "channel",
    "chart",
    "chat",
    "check",
    "checkout",
    "child",
    "claim",
    "clear",
    "client",
    "clone",
    "close",
    "code",
    "collection",
    "comment",
    "commit",
    "complete",
    "config",
    "configuration",
    "confirm",
    "connect",
    "contact",
    "content",
    "context",
    "copy",
    "count",
    "coupon",
    "create",
    "credential",
    "current",
    "customer",
    "dashboard",
    "data",
    "default",
    "delete",
    "deploy",
    "deployment",
    "detail",
    "device",
    "diff",
    "disable",
    "dispatch",
    "document",
    "domain",
    "download",
    "draft",
    "edit",
    "email",
    "enable",
    "endpoint",
    "entry",
    "environment",
    "event",
    "export",
    "feed",
    "feedback",
    "field",
    "file",
    "filter",
    "find",
    "flag",
    "folder",
    "follow",
    "follower",
    "following",
    "forgot",
    "form",
    "generate",
    "get",
    "grant",
    "graph",
    "group",
    "health",
    "history",
    "home",
    "hook",
    "id",
    "image",
    "import",
    "inbox",
    "index",
    "info",
    "information",
    "init",
    "install",
    "installation",
    "instance",
    "inventory",
    "invitation",
    "invite",
    "invoice",
    "issue",
    "item",
    "job",
    "join",
    "key",
    "label",
    "latest",
    "leave",
    "level",
    "like",
    "limit",
    "link",
    "list",
    "live",
    "load",
    "lock",
    "log",
    "login",
    "logout",
    "lookup",
    "manage",
    "manifest",
    "map",
    "mark",
    "me",
    "media",
    "member",
    "membership",
    "menu",
    "merge",
    "message",
    "meta",
    "metadata",
    "metric",
    "mine",
    "mobile",
    "mode",
    "model",
    "monitor",
    "move",
    "my",
    "name",
    "new",
    "next",
    "node",
    "note",
    "notification",
    "notify",
    "oauth",
    "option",
    "order",
    "org",
    "organization",
    "overview",
    "owner",
    "page",
    "password",
    "pause",
    "pay",
    "payment",
    "pending",
    "permission",
    "phone",
    "photo",
    "ping",
    "plan",
    "policy",
    "popular",
    "post",
    "preference",
    "preview",
    "price",
    "private",
    "product",
    "profile",
    "progress",
    "project",
    "public",
    "publish",
    "pull",
    "purchase",
    "push",
    "query",
    "queue",
    "quota",
    "random",
    "rate",
    "read",
    "recent",
    "record",
    "recover",
    "redirect",
    "refresh",
    "refund",
    "register",
    "registration",
    "release",
    "reload",
    "remove",
    "rename",
    "reply",
    "repo",
    "report",
    "repository",
    "request",
    "rerun",
    "reset",
    "resolve",
    "resource",
    "restore",
    "result",
    "resume",
    "retry",
    "review",
    "revoke",
    "role",
    "rule",
    "run",
    "runner",
    "save",
    "scan",
    "schedule",
    "schema",
    "scope",
    "search",
    "secret",
    "select",
    "selected",
    "self",
    "send",
    "session",
    "setting",
    "settings",
    "setup",
    "share",
    "shipment",
    "sign",
    "signin",
    "signout",
    "signup",
    "sms",
    "snapshot",
    "start",
    "stat",
    "state",
    "statistic",
    "stats",
    "status",
    "stop",
    "store",
    "stream",
    "submit",
    "subscribe",
    "subscription",
    "suggest",
    "summary",
    "suspend",
    "sync",
    "system",
    "tag",
    "task",
    "team",
    "template",
    "test",
    "thread",
    "timeline",
    "today",
    "token",
    "top",
    "topic",
    "total",
    "track",
    "transaction",
    "transfer",
    "trash",
    "tree",
    "trend",
    "trending",
    "trigger",
    "type",
    "unbind",
    "unlock",
    "unread",
    "update",
    "upload",
    "usage",
    "user",
    "validate",
    "value",
    "verification",
    "verify",
    "version",
    "view",
    "vote",
    "wallet",
    "watch",
    "webhook",
    "whoami",
    "with",
    "workflow",
];

/// Route words that name the caller or an action, never an entity: they stay literal at a
/// variable position however rarely they are called (`/users/me`, `/orders/export`).
const NEVER_INSTANCE: &[&str] = &[
    "all", "batch", "bulk", "count", "current", "export", "import", "latest", "login", "logout",
    "me", "mine", "new", "recent", "register", "self", "stats", "summary", "whoami",
];

pub fn is_never_instance(seg: &str) -> bool {
    NEVER_INSTANCE.contains(&seg.to_ascii_lowercase().as_str())
}

fn is_route_word(w: &str) -> bool {
    ROUTE_WORDS.binary_search(&w).is_ok()
        || ROUTE_WORDS.binary_search(&singular(w).as_str()).is_ok()
}

/// Every word of the segment is a common route word (`public-key`, `findByStatus`,
/// `createWithList`, `me`), or it starts with an action verb in camelCase (`getUserInfo`).
pub fn is_route_like(seg: &str) -> bool {
    let ws = words(seg);
    if ws.is_empty() || ws.len() > 5 || ws.iter().any(|w| w.bytes().any(|c| c.is_ascii_digit())) {
        return false;
    }
    if ws.iter().all(|w| is_route_word(w)) {
        return true;
    }
    // camelCase action: `findPetsByStatus`, `getUserInfo`, `listAll`.
    const VERBS: &[&str] = &[
        "add", "batch", "check", "create", "delete", "do", "edit", "export", "fetch", "find",
        "get", "import", "list", "load", "query", "remove", "save", "search", "send", "set",
        "submit", "update", "upload", "download", "verify",
    ];
    let camel = seg.bytes().next().is_some_and(|c| c.is_ascii_lowercase())
        && seg.bytes().any(|c| c.is_ascii_uppercase());
    let snake_or_kebab = ws.len() >= 2
        && seg
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c == b'_' || c == b'-');
    (camel || snake_or_kebab) && ws.len() >= 2 && VERBS.contains(&ws[0].as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_words_sorted() {
        assert!(
            ROUTE_WORDS.windows(2).all(|w| w[0] < w[1]),
            "ROUTE_WORDS must stay sorted"
        );
    }

    #[test]
    fn kinds() {
        use SegKind::*;
        for (s, k) in [
            ("42", Integer),
            ("0", Integer),
            ("123e4567-e89b-12d3-a456-426614174000", Uuid),
            ("507f1f77bcf86cd799439011", Hex),
            ("da39a3ee5e6b4b0d3255bfef95601890afd80709", Hex),
            ("2023-01-31", Date),
            ("bob@example.com", Email),
            ("+8613800138000", Phone),
            ("cus_9sK2mQxLp3", Token),
            ("ORD-2023-0042", Token),
            ("NPM_TOKEN", Token),
            ("i-0ab12cd34ef", Token),
            ("abc123", Token),
            ("x9", Word),
            ("v1", Version),
            ("v2.1", Version),
            ("v1beta1", Version),
            ("users", Word),
            ("findByStatus", Word),
            ("oauth2", Word),
            ("page2", Word),
            ("octocat", Word),
            ("hello-world", Word),
            ("decade", Word),
            ("deadbeef", Word),
        ] {
            assert_eq!(classify(s), k, "{s}");
        }
    }

    #[test]
    fn splitting() {
        assert_eq!(split_path("/a//b/;x=1/c%20d/", 10), vec!["a", "b", "c d"]);
        assert_eq!(split_path("/a;jsessionid=1/b", 10), vec!["a", "b"]);
        assert_eq!(split_extension("42.json"), ("42", ".json"));
        assert_eq!(split_extension(".json"), (".json", ""));
        assert_eq!(
            words("getUserInfo_v2"),
            vec!["get", "user", "info", "v", "2"]
        );
        assert_eq!(words("HTTPServer-list"), vec!["http", "server", "list"]);
    }

    #[test]
    fn naming() {
        assert_eq!(name_stem("users").as_deref(), Some("user"));
        assert_eq!(name_stem("categories").as_deref(), Some("category"));
        assert_eq!(name_stem("addresses").as_deref(), Some("address"));
        assert_eq!(name_stem("check-runs").as_deref(), Some("check_run"));
        assert_eq!(name_stem("people").as_deref(), Some("person"));
        assert_eq!(name_stem("status").as_deref(), Some("status"));
    }

    #[test]
    fn route_like() {
        for s in [
            "me",
            "search",
            "public-key",
            "findByStatus",
            "createWithList",
            "export",
            "stats",
        ] {
            assert!(is_route_like(s), "{s}");
        }
        for s in ["octocat", "hello-world", "acme-corp", "jdoe", "spoon-knife"] {
            assert!(!is_route_like(s), "{s}");
        }
    }
}
