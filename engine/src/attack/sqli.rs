//! SQL injection, after the ideas of CRS 942xxx (942100 libinjection aside): quote break-outs
//! followed by boolean logic or comments (942180/942260/942330), tautologies (942130), UNION
//! SELECT (942190/942270), stacked queries (942350), time and error based functions
//! (942160/942150), schema discovery (942140). Keywords alone never fire: each rule needs the
//! syntax of a query fragment.

use regex::RegexSet;
use std::sync::OnceLock;

const RULES: &[(&str, &str)] = &[
    (
        "quote break-out with boolean logic",
        r#"(?i)['"`)]\s*(?:or|and|xor|\|\||&&)\s+[('"]?\s*[\w'"@.]*\s*['"]?\s*(?:=|<>|!=|<=|>=|<|>|\blike\b|\bis\b|\bin\s*\(|\bbetween\b|\bregexp\b|\brlike\b)"#,
    ),
    (
        "quote break-out with boolean literal",
        r#"(?i)['"`)]\s*(?:or|and|\|\||&&)\s+(?:true|false|not\s|\d+\s*(?:--|#|/\*|;|$))"#,
    ),
    (
        "numeric tautology",
        r"(?i)(?:^|[\s'()])(?:or|and)\s+['(]?(\d+)['\s)]*(?:=|<>|!=|<|>)\s*['(]?\d+",
    ),
    (
        "string tautology",
        r#"(?i)['"]\s*(?:or|and)\s+['"][^'"]{0,20}['"]\s*(?:=|<>|!=|like)\s*['"]"#,
    ),
    (
        "union select",
        r"(?i)\bunion\b(?:\s|/\*.*?\*/|\()+(?:all\s+|distinct\s+)?(?:\s|/\*.*?\*/|\()*select\b",
    ),
    (
        "quote then comment",
        r#"(?i)['"`]\s*\)*\s*(?:--(?:\s|$|[-+])|#|/\*|;\s*--|;\s*$)"#,
    ),
    (
        "stacked query",
        r#"(?i)(?:['"`)]|\d)\s*;\s*(?:drop|delete|insert|update|select|exec|execute|shutdown|declare|create|alter|truncate|waitfor)\b"#,
    ),
    (
        "time-based function",
        r"(?i)\b(?:sleep\s*\(\s*\d|benchmark\s*\(\s*\d|pg_sleep\s*\(|waitfor\s+delay\s+'|dbms_pipe\.receive_message|dbms_lock\.sleep)",
    ),
    (
        "error-based function",
        r"(?i)\b(?:extractvalue|updatexml|exp\s*\(\s*~|geometrycollection|multipoint|polygon|linestring)\s*\(\s*(?:\d|'|\(|concat|select|rand|null)",
    ),
    (
        "file and command functions",
        r"(?i)\b(?:load_file\s*\(|into\s+(?:out|dump)file\b|xp_cmdshell|sp_oacreate|utl_http\.request|utl_inaddr\.get_host)",
    ),
    (
        "schema discovery",
        r"(?i)\b(?:information_schema\s*\.|sysobjects\b|sys\.(?:tables|objects|user_objects)|mysql\.user\b|pg_catalog\.|sqlite_master\b|all_tables\b)",
    ),
    (
        "select with sql syntax",
        r"(?i)\bselect\s+(?:\*\s+from\b|@@\w+|(?:user|database|version|current_user|schema|system_user)\s*\(\)|null\s*,|count\s*\(\s*\*\s*\)\s+from|char\s*\(|concat(?:_ws)?\s*\(|0x[0-9a-f]+|\d+\s*,\s*\d+\s*(?:,|from|--|#))",
    ),
    (
        "order by probing",
        r#"(?i)['")]\s*(?:order|group)\s+by\s+\d+"#,
    ),
    (
        "system variables",
        r"(?i)@@(?:version|datadir|hostname|basedir)\b",
    ),
    (
        "hex or char concatenation",
        r"(?i)\b(?:concat(?:_ws)?\s*\(\s*0x[0-9a-f]{2,}|char\s*\(\s*\d+\s*\)\s*(?:\+|\|\|)\s*char\s*\()",
    ),
];

fn set() -> &'static RegexSet {
    static S: OnceLock<RegexSet> = OnceLock::new();
    S.get_or_init(|| RegexSet::new(RULES.iter().map(|r| r.1)).expect("static SQLi rules"))
}

/// Replaces inline comments (`/**/`, `/*!50000...*/`) with a space, as CRS's
/// `t:replaceComments` does, so `UNION/**/SELECT` reads as `UNION SELECT`.
fn strip_comments(v: &str) -> std::borrow::Cow<'_, str> {
    if !v.contains("/*") {
        return std::borrow::Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        out.push(' ');
        match rest[i + 2..].find("*/") {
            Some(j) => {
                let inner = &rest[i + 2..i + 2 + j];
                // MySQL versioned comments execute their content.
                if let Some(body) = inner.strip_prefix('!') {
                    out.push_str(body.trim_start_matches(|c: char| c.is_ascii_digit()));
                    out.push(' ');
                }
                rest = &rest[i + 2 + j + 2..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

pub fn detect(v: &str) -> Option<&'static str> {
    let v = strip_comments(v);
    let m = set().matches(&v);
    m.iter().next().map(|i| RULES[i].0)
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn payloads_fire() {
        for p in [
            "1' OR '1'='1",
            "admin'--",
            "admin' #",
            "1 OR 1=1",
            "1) or (1=1",
            "' or 1=1 --",
            "x' AND 1=2 UNION SELECT username,password FROM users--",
            "1 UNION ALL SELECT NULL,NULL,NULL--",
            "1/**/UNION/**/SELECT/**/1,2,3",
            "1 /*!50000UNION*/ /*!50000SELECT*/ 1",
            "1'; DROP TABLE users; --",
            "1 AND SLEEP(5)",
            "1' AND (SELECT 1 FROM (SELECT(SLEEP(5)))a)--",
            "1;WAITFOR DELAY '0:0:5'--",
            "1 AND extractvalue(1,concat(0x7e,version()))",
            "1' and updatexml(1,concat(0x7e,(select user())),1)--",
            "' UNION SELECT table_name FROM information_schema.tables--",
            "1' ORDER BY 3--",
            "1 and 1=2",
            "') or ('a'='a",
            "\" or \"\"=\"",
            "SELECT @@version",
            "1;select pg_sleep(5)",
        ] {
            assert!(detect(p).is_some(), "{p}");
        }
    }

    #[test]
    fn ordinary_text_does_not_fire() {
        for p in [
            "Tom's and Jerry's adventure",
            "O'Neil",
            "select the best option from the list",
            "union station, chicago",
            "I'd like rock 'n' roll -- really",
            "please sleep well",
            "order by price",
            "10 or 20 items",
            "it's 5 o'clock; time for tea",
            "{\"name\":\"x\",\"q\":\"a\"}",
            "Drop-off between 9 and 10",
            "1 or 2",
            "color = 'red' or 'blue'",
            "SELECT your plan",
            "https://example.com/a?b=c&d=e",
            "He said \"hi\" and left",
            "#hashtag",
            "C# developer",
        ] {
            assert_eq!(detect(p), None, "{p}");
        }
    }
}
