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
        WordGroups { dfa, groups }
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
                for i in 0..dfa.match_len(state) {
                    *found |= self.groups[dfa.match_pattern(state, i).as_usize()] & keep;
                }
                if *found & all == all {
                    break;
                }
            }
        }
        state
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

    #[test]
    fn finds_overlapping_and_folded_words() {
        let g = WordGroups::new(
            &[
                (1, &["mail"]),
                (2, &["email", "phone"]),
                (4, &["sqlexception"]),
                (8, &["exception"]),
            ],
            true,
        );
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
}
