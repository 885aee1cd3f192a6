//! Path traversal and local file inclusion, after the ideas of CRS 930xxx: repeated `../`
//! sequences in any encoding (930100/930110, decoded before matching, including overlong UTF-8
//! and `....//`), and references to well-known OS files (930120). One `../` to an ordinary
//! relative path does not fire.

use regex::RegexSet;
use std::sync::OnceLock;

const RULES: &[(&str, &str)] = &[
    ("repeated dot-dot-slash", r"(?:\.\.+[/\\]+){2,}"),
    (
        "dot-dot-slash to a system path",
        r"(?i)\.\.[/\\]+(?:etc|windows|winnt|boot\.ini|proc|usr|var|root|home|system32|inetpub|web-inf|\.env|\.git)\b",
    ),
    (
        "well-known os file",
        r"(?i)(?:^|[/\\=:\s'\x22])(?:/?etc/(?:passwd|shadow|group|hosts|issue|crontab|sudoers)\b|/?proc/self/(?:environ|cmdline|fd)|c:[/\\]+(?:windows|winnt|boot\.ini)|windows[/\\]+win\.ini|boot\.ini\b|web-inf[/\\]+web\.xml)",
    ),
    (
        "overlong encoding",
        r"(?i)%c0%ae|%c0%af|%c1%9c|%e0%80%af|\.%00|%00\.",
    ),
    ("null byte before extension", r"\x00\.[a-zA-Z]{2,4}$"),
];

fn set() -> &'static RegexSet {
    static S: OnceLock<RegexSet> = OnceLock::new();
    S.get_or_init(|| RegexSet::new(RULES.iter().map(|r| r.1)).expect("static traversal rules"))
}

pub fn detect(v: &str) -> Option<&'static str> {
    if !v.contains(['.', '/', '\\', '%', '\0']) {
        return None;
    }
    let normalised;
    let v = if v.contains("....") {
        // `....//` collapses to `../` after a naive filter strips `../`.
        normalised = v.replace("....", "..");
        normalised.as_str()
    } else {
        v
    };
    set().matches(v).iter().next().map(|i| RULES[i].0)
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn payloads_fire() {
        for p in [
            "../../../../etc/passwd",
            "..\\..\\..\\windows\\win.ini",
            "....//....//etc/passwd",
            "/etc/passwd",
            "../etc/shadow",
            "file=..%c0%af..%c0%afetc",
            "/proc/self/environ",
            "C:\\Windows\\System32\\drivers\\etc\\hosts",
            "../../WEB-INF/web.xml",
            "/download?f=../.env",
        ] {
            assert!(detect(p).is_some(), "{p}");
        }
    }

    #[test]
    fn ordinary_paths_do_not_fire() {
        for p in [
            "../images/logo.png",
            "/static/app.js",
            "docs/readme.md",
            "v1.2.3",
            "a...b",
            "/api/v1/users/12",
            "my etc/passwords notes",
            "2024/01/02",
        ] {
            assert_eq!(detect(p), None, "{p}");
        }
    }
}
