//! The signature words of the response body that risk and event detectors look for, found in
//! one Aho-Corasick pass per exchange ([`super::Exchange::response_words`]) instead of one
//! pass per detector family.
//!
//! A group is found when the scanned prefix of the body contains one of its words, ASCII case
//! ignored ([`super::word_groups`]: overlapping matches, so a word inside another word of a
//! different group, `exception` in `sqlexception`, is never hidden).

use super::prefix;
use super::word_groups::WordGroups;
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
/// The start of an internal IPv4 address ([`crate::risk::detectors::leaks::INTERNAL_IP_PREFIXES`]).
pub const INTERNAL_IP: Group = Group(1 << 6);
/// A word of an API description or documentation page ([`crate::risk::detectors::leaks::API_DOC_WORDS`]).
pub const API_DOC: Group = Group(1 << 7);
// Event signatures, over the first EVENT_SCAN bytes.
/// An application error (stack trace, framework error page).
pub const ERROR: Group = Group(1 << 3);
/// A database error.
pub const DB_ERROR: Group = Group(1 << 4);
/// System information (passwd lines, environment dumps).
pub const SYSTEM_INFO: Group = Group(1 << 5);

const EVENT_GROUPS: u8 = ERROR.0 | DB_ERROR.0 | SYSTEM_INFO.0;
const ALL: u8 = EXCEPTION.0 | SERVER.0 | PASSWORD.0 | INTERNAL_IP.0 | API_DOC.0 | EVENT_GROUPS;

fn word_groups() -> [(Group, &'static [&'static str]); 8] {
    use crate::event::signals;
    use crate::risk::detectors::{exceptions, leaks};
    [
        (EXCEPTION, exceptions::EXCEPTION_WORDS),
        (SERVER, leaks::SERVER_WORDS),
        (PASSWORD, crate::login::PASSWORD_WORDS),
        (INTERNAL_IP, leaks::INTERNAL_IP_PREFIXES),
        (API_DOC, leaks::API_DOC_WORDS),
        (ERROR, signals::ERROR_PATTERNS),
        (DB_ERROR, signals::DB_PATTERNS),
        (SYSTEM_INFO, signals::SYSINFO_PATTERNS),
    ]
}

fn table() -> &'static WordGroups {
    static T: OnceLock<WordGroups> = OnceLock::new();
    T.get_or_init(|| {
        let table: Vec<(u32, &[&str])> = word_groups()
            .iter()
            .map(|(g, w)| (u32::from(g.0), *w))
            .collect();
        WordGroups::new(&table, true)
    })
}

/// The groups found in `body`: all of them in the event window, then the risk groups only up
/// to the risk window.
pub fn find(body: &str) -> ResponseWords {
    let t = table();
    let event = prefix(body, EVENT_SCAN).as_bytes();
    let risk = prefix(body, RISK_SCAN).as_bytes();
    let all = u32::from(ALL);
    let mut found = 0u32;
    let state = t.scan_from_start(event, all, all, &mut found);
    if found != all && risk.len() > event.len() {
        let keep = u32::from(ALL & !EVENT_GROUPS);
        t.scan(state, &risk[event.len()..], keep, all, &mut found);
    }
    ResponseWords(found as u8)
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
            r#"{"upstream":"10.0.3.17:8080","price":110.5}"#.to_string(),
            r#"{"openapi":"3.0.1","info":{"title":"shop"}}"#.to_string(),
            format!("{pad}<rapi-doc spec-url=\"/v3/api-docs\">"),
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
