//! The signature words of the response body that risk and event detectors look for, found in
//! one Aho-Corasick pass per exchange ([`super::Exchange::response_words`]) instead of one
//! pass per detector family.
//!
//! A group is found when the scanned prefix of the body contains one of its words, ASCII case
//! ignored. The automaton reports overlapping matches, so a word inside another word of a
//! different group (`exception` in `sqlexception`) is never hidden.

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use std::sync::OnceLock;

/// Longest response prefix the risk detectors scan (their evidence offsets point into it).
pub const RISK_SCAN: usize = 256 * 1024;
/// Longest response prefix scanned for the event detectors' error signatures.
pub const EVENT_SCAN: usize = 64 * 1024;

/// The groups found in one response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseWords(u8);

/// One group: a bit of [`ResponseWords`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group(u8);

impl ResponseWords {
    pub fn has(self, g: Group) -> bool {
        self.0 & g.0 != 0
    }
}

// Risk prefilters, over the first RISK_SCAN bytes: a word every signature of the family holds.
/// A word of the exception signatures (`crate::risk` exception leaks).
pub const EXCEPTION: Group = Group(1 << 0);
/// A word of the server information signatures.
pub const SERVER: Group = Group(1 << 1);
/// A word every password field name holds ([`crate::login::PASSWORD_WORDS`]).
pub const PASSWORD: Group = Group(1 << 2);
// Event signatures, over the first EVENT_SCAN bytes.
/// An application error (stack trace, framework error page).
pub const ERROR: Group = Group(1 << 3);
/// A database error.
pub const DB_ERROR: Group = Group(1 << 4);
/// System information (passwd lines, environment dumps).
pub const SYSTEM_INFO: Group = Group(1 << 5);

const EVENT_GROUPS: u8 = ERROR.0 | DB_ERROR.0 | SYSTEM_INFO.0;
const ALL: u8 = EXCEPTION.0 | SERVER.0 | PASSWORD.0 | EVENT_GROUPS;

fn word_groups() -> [(Group, &'static [&'static str]); 6] {
    use crate::event::signals;
    use crate::risk::detectors::{exceptions, leaks};
    [
        (EXCEPTION, exceptions::EXCEPTION_WORDS),
        (SERVER, leaks::SERVER_WORDS),
        (PASSWORD, crate::login::PASSWORD_WORDS),
        (ERROR, signals::ERROR_PATTERNS),
        (DB_ERROR, signals::DB_PATTERNS),
        (SYSTEM_INFO, signals::SYSINFO_PATTERNS),
    ]
}

struct Table {
    ac: AhoCorasick,
    /// The groups of each distinct word.
    groups: Vec<u8>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut words: Vec<String> = Vec::new();
        let mut groups: Vec<u8> = Vec::new();
        for (g, ws) in word_groups() {
            for w in ws {
                let w = w.to_ascii_lowercase();
                match words.iter().position(|x| *x == w) {
                    Some(i) => groups[i] |= g.0,
                    None => {
                        words.push(w);
                        groups.push(g.0);
                    }
                }
            }
        }
        Table {
            // A DFA: ~150 words is past the size the builder picks one for by itself, and
            // this automaton reads every response byte.
            ac: AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&words)
                .expect("response words"),
            groups,
        }
    })
}

/// `s` cut to at most `max` bytes, at a character boundary.
fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The groups found in `body`.
pub fn find(body: &str) -> ResponseWords {
    let t = table();
    let event_end = prefix(body, EVENT_SCAN).len();
    let mut found = 0u8;
    for m in t.ac.find_overlapping_iter(prefix(body, RISK_SCAN)) {
        let mut g = t.groups[m.pattern().as_usize()];
        if m.end() > event_end {
            g &= !EVENT_GROUPS;
        }
        found |= g;
        if found == ALL {
            break;
        }
    }
    ResponseWords(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one pass agrees with a case-insensitive search for each word of each group,
    /// including words inside words of another group and words past the event window.
    #[test]
    fn groups_match_like_a_search_per_word() {
        let pad = "x".repeat(EVENT_SCAN);
        let bodies = [
            "Traceback (most recent call last):\n  File \"app.py\"".to_string(),
            "java.sql.SQLException: ORA-00933 SQL command not properly ended".to_string(),
            "root:x:0:0:root:/root:/bin/bash".to_string(),
            r#"{"user":{"name":"ann","Password":"hunter2"}}"#.to_string(),
            "<h1>phpinfo()</h1> PHP Version 8.1".to_string(),
            r#"{"items":[],"total":0}"#.to_string(),
            format!("{pad}You have an error in your SQL syntax"),
            String::new(),
        ];
        for body in &bodies {
            let found = find(body);
            let lower = body.to_ascii_lowercase();
            for (g, words) in word_groups() {
                let window = if EVENT_GROUPS & g.0 != 0 {
                    prefix(&lower, EVENT_SCAN)
                } else {
                    prefix(&lower, RISK_SCAN)
                };
                let expected = words
                    .iter()
                    .any(|w| window.contains(&w.to_ascii_lowercase()));
                assert_eq!(found.has(g), expected, "{:.60} group {:#x}", body, g.0);
            }
        }
    }
}
