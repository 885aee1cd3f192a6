//! Groups of words found in a text in one pass: the shared machinery of [`super::path_words`]
//! and [`super::response_words`]. Each group is a bit; a text holds a group when it contains
//! any of its words, exactly as `words.iter().any(|w| text.contains(w))` says (overlapping
//! matches are all seen, so a word inside another word never hides it).
//!
//! The scan walks the Aho-Corasick DFA's transition table directly, a load per byte, and
//! only looks at the matched words in match states: the crate's overlapping iterator costs
//! about three times as much per byte, and these passes read every response.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

pub(crate) struct WordGroups {
    dfa: DFA,
    /// The groups of each distinct word (by pattern id).
    groups: Vec<u32>,
    /// Bytes of the longest word.
    max_len: usize,
}

impl WordGroups {
    /// `(group bit, words)` pairs; `ascii_case_insensitive` folds ASCII case of text and words.
    pub fn new(table: &[(u32, &[&str])], ascii_case_insensitive: bool) -> Self {
        let mut words: Vec<String> = Vec::new();
        let mut groups: Vec<u32> = Vec::new();
        for (g, ws) in table {
            for w in *ws {
                let w = if ascii_case_insensitive {
                    w.to_ascii_lowercase()
                } else {
                    w.to_string()
                };
                match words.iter().position(|x| *x == w) {
                    Some(i) => groups[i] |= g,
                    None => {
                        words.push(w);
                        groups.push(*g);
                    }
                }
            }
        }
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(ascii_case_insensitive)
            .build(&words)
            .expect("word groups");
        let max_len = words.iter().map(String::len).max().unwrap_or(0);
        WordGroups {
            dfa,
            groups,
            max_len,
        }
    }

    /// The state before any text.
    pub fn start(&self) -> StateID {
        self.dfa
            .start_state(Anchored::No)
            .expect("an unanchored DFA")
    }

    /// Scans `text` from `state`, adding the groups of the words that end in it (masked by
    /// `keep`) to `found`; stops early once `found` holds all of `all`. Returns the state after
    /// the text, so a scan can go on over the next slice.
    pub fn scan(
        &self,
        mut state: StateID,
        text: &[u8],
        keep: u32,
        all: u32,
        found: &mut u32,
    ) -> StateID {
        let dfa = &self.dfa;
        for &b in text {
            state = dfa.next_state(Anchored::No, state, b);
            if dfa.is_special(state) && dfa.is_match(state) {
                self.add_matches(state, keep, found);
                if *found & all == all {
                    break;
                }
            }
        }
        state
    }

    /// [`WordGroups::scan`] from the start state over all of `text`, as two interleaved walks
    /// over its halves: a DFA walk waits on the load of each transition, and two independent
    /// walks overlap those waits. The second half is walked from a fresh start; the first walk
    /// runs on past the middle by one word length less one byte, so a word across the middle
    /// is still found. The state returned is the one after `text` (the second walk has read
    /// more than a word length, which is all an Aho-Corasick state remembers), unless the scan
    /// stopped early with every group of `all` found.
    pub fn scan_from_start(&self, text: &[u8], keep: u32, all: u32, found: &mut u32) -> StateID {
        let overlap = self.max_len.saturating_sub(1);
        if text.len() < 4 * (overlap + 64) {
            return self.scan(self.start(), text, keep, all, found);
        }
        let mid = text.len() / 2;
        let (a, b) = (&text[..mid + overlap], &text[mid..]);
        let common = a.len().min(b.len());
        let dfa = &self.dfa;
        let is_match = |s| dfa.is_special(s) && dfa.is_match(s);
        let (mut sa, mut sb) = (self.start(), self.start());
        for (&x, &y) in a[..common].iter().zip(&b[..common]) {
            sa = dfa.next_state(Anchored::No, sa, x);
            sb = dfa.next_state(Anchored::No, sb, y);
            if is_match(sa) || is_match(sb) {
                for s in [sa, sb].into_iter().filter(|&s| is_match(s)) {
                    self.add_matches(s, keep, found);
                }
                if *found & all == all {
                    return sb;
                }
            }
        }
        self.scan(sa, &a[common..], keep, all, found);
        self.scan(sb, &b[common..], keep, all, found)
    }

    /// Adds the groups of the words that end in match state `state`.
    fn add_matches(&self, state: StateID, keep: u32, found: &mut u32) {
        for i in 0..self.dfa.match_len(state) {
            *found |= self.groups[self.dfa.match_pattern(state, i).as_usize()] & keep;
        }
    }

    /// The groups found in all of `text`.
    pub fn find(&self, text: &[u8]) -> u32 {
        let mut found = 0;
        self.scan(self.start(), text, u32::MAX, u32::MAX, &mut found);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups whose words lie inside words of other groups (`mail` in `email`, `exception` in
    /// `sqlexception`).
    fn sample_groups() -> WordGroups {
        WordGroups::new(
            &[
                (1, &["mail"]),
                (2, &["email", "phone"]),
                (4, &["sqlexception"]),
                (8, &["exception"]),
            ],
            true,
        )
    }

    #[test]
    fn finds_overlapping_and_folded_words() {
        let g = sample_groups();
        assert_eq!(g.find(b"/v1/EMAIL/send"), 1 | 2);
        assert_eq!(g.find(b"java.io.IOException"), 8);
        assert_eq!(g.find(b"SqlException"), 4 | 8);
        assert_eq!(g.find(b"/orders"), 0);
        let mut found = 0;
        let s = g.scan(g.start(), b"ph", 2, 15, &mut found);
        g.scan(s, b"one", 2, 15, &mut found);
        assert_eq!(found, 2, "a word split across two slices is found");
        let mut found = 0;
        g.scan(g.start(), b"phone mail", 1, 15, &mut found);
        assert_eq!(found, 1, "groups outside `keep` are not added");
    }

    /// The two-walk scan finds what one walk finds, and ends in the same state, wherever the
    /// words lie (across the middle above all).
    #[test]
    fn two_walks_agree_with_one() {
        let g = sample_groups();
        let filler = |n: usize| "abcdefghij".repeat(n / 10 + 1)[..n].to_string();
        for len in [0usize, 10, 700, 1001, 4096] {
            for word in ["SqlException", "email", "phone", "mail"] {
                for at in [0, len / 2 - len.min(12) / 2, len / 2, len.saturating_sub(5)] {
                    let mut text = filler(len);
                    let at = at.min(text.len());
                    text.insert_str(at, word);
                    for tail in ["", "ph", "sqlexcep"] {
                        let text = format!("{text}{tail}");
                        let (mut one, mut two) = (0, 0);
                        let s1 = g.scan(g.start(), text.as_bytes(), 15, u32::MAX, &mut one);
                        let s2 = g.scan_from_start(text.as_bytes(), 15, u32::MAX, &mut two);
                        assert_eq!(one, two, "{len} {word} at {at} + {tail}");
                        assert_eq!(one, g.find(text.as_bytes()));
                        assert_eq!(s1, s2, "same state after {len} {word} at {at} + {tail}");
                    }
                }
            }
        }
    }
}
