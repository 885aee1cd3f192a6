//! Cross-site scripting, after the ideas of CRS 941xxx: script tags (941110), event handler
//! attributes in a tag (941120), `javascript:`/`vbscript:` URIs with a call (941170), dangerous
//! elements (941130-941160: iframe, object, embed, base, meta refresh, svg with handlers),
//! attribute break-outs into a new tag (941180-ish), and DOM sinks. Rich text that is plain HTML
//! (`<p>`, `<b>`, `<a href="https://...">`, `<img src="...">`) does not fire.

use regex::RegexSet;
use std::sync::OnceLock;

const RULES: &[(&str, &str)] = &[
    ("script tag", r"(?i)<\s*/?\s*script\b"),
    (
        "event handler in a tag",
        r#"(?i)<[a-z][a-z0-9:-]*\b[^>]*?[\s/"'](?:on[a-z]{3,20})\s*="#,
    ),
    (
        "javascript uri",
        r#"(?i)(?:^|[\s"'=(<])(?:java|vb|live)script\s*:\s*[\w.$\[\]'"]+\s*[(`=]"#,
    ),
    (
        "dangerous element",
        r"(?i)<\s*(?:iframe|frame|object|embed|applet|base|frameset|xml:|svg[\s/>]|math\b|meta[^>]*http-equiv|link[^>]*rel\s*=\s*.?import|isindex|form[^>]*action\s*=\s*.?javascript)",
    ),
    (
        "attribute break-out into a tag",
        r#"(?i)['"]\s*/?>\s*<\s*[a-z/!]"#,
    ),
    (
        "data uri with script",
        r"(?i)(?:src|href|data|action)\s*=\s*.?\s*data:\s*text/html",
    ),
    (
        "dom sink",
        r"(?i)(?:document\s*\.\s*(?:cookie|domain|write\s*\()|window\s*\.\s*location\s*=|\.innerhtml\s*=|eval\s*\(\s*(?:atob|string\.fromcharcode|unescape))",
    ),
    (
        "template injection into a script context",
        r"(?i)\{\{\s*constructor\s*\.\s*constructor|\{\{.*\$on\.constructor",
    ),
    ("css expression", r"(?i)style\s*=[^>]*expression\s*\("),
];

fn set() -> &'static RegexSet {
    static S: OnceLock<RegexSet> = OnceLock::new();
    S.get_or_init(|| RegexSet::new(RULES.iter().map(|r| r.1)).expect("static XSS rules"))
}

pub fn detect(v: &str) -> Option<&'static str> {
    if !v.contains(['<', ':', '=', '{', '.', '"', '\'']) {
        return None;
    }
    set().matches(v).iter().next().map(|i| RULES[i].0)
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn payloads_fire() {
        for p in [
            "<script>alert(1)</script>",
            "<ScRiPt src=//evil.example/x.js></script>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(document.domain)>",
            "<body onload=alert('x')>",
            "\"><img src=x onerror=prompt(1)>",
            "javascript:alert(document.cookie)",
            "<a href=\"javascript:void(0)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<details open ontoggle=alert(1)>",
            "'><script>alert(1)</script>",
            "<object data=\"data:text/html;base64,PHNjcmlwdD4=\">",
            "{{constructor.constructor('alert(1)')()}}",
            "<div style=\"width: expression(alert(1))\">",
        ] {
            assert!(detect(p).is_some(), "{p}");
        }
    }

    #[test]
    fn ordinary_html_and_text_do_not_fire() {
        for p in [
            "<p>Hello <b>world</b></p>",
            "<a href=\"https://example.com/docs\">docs</a>",
            "<img src=\"https://cdn.example.com/a.png\" alt=\"one\">",
            "JavaScript: The Good Parts",
            "a < b and c > d",
            "price <= 30",
            "{\"online\":true}",
            "Meet at 5:30",
            "x = y + 1",
            "see https://example.com/?q=onload",
            "the onion=tasty",
        ] {
            assert_eq!(detect(p), None, "{p}");
        }
    }
}
