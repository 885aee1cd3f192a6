//! A per-thread memo of pure classifications of names (parameter, header and cookie names):
//! detectors classify the same few hundred names on every exchange, and each classification
//! normalises the name and compares it against word lists, where a lookup is one hash of a
//! short string.

use std::collections::HashMap;

/// Names longer than this are classified every time, not remembered (generated or hostile
/// keys would only fill the memo).
const MAX_NAME: usize = 64;
/// Entries kept at most; the memo starts over when full, so memory stays bounded.
const MAX_ENTRIES: usize = 4096;

/// Name → flags; one per thread and classifier (see `memoised!`).
#[derive(Default)]
pub struct NameMemo {
    flags: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
}

impl NameMemo {
    /// `classify(name)`, computed once per distinct name.
    pub fn get(&mut self, name: &str, classify: impl FnOnce(&str) -> u32) -> u32 {
        if name.len() > MAX_NAME {
            return classify(name);
        }
        if let Some(&f) = self.flags.get(name) {
            return f;
        }
        let f = classify(name);
        if self.flags.len() >= MAX_ENTRIES {
            self.flags.clear();
        }
        self.flags.insert(name.into(), f);
        f
    }
}

/// `classify(name)` through a memo private to the calling thread and to this call site's
/// classifier: `name_memo::memoised!(classify, name)`.
macro_rules! memoised {
    ($classify:path, $name:expr) => {{
        thread_local! {
            static MEMO: std::cell::RefCell<$crate::name_memo::NameMemo> =
                std::cell::RefCell::new($crate::name_memo::NameMemo::default());
        }
        MEMO.with_borrow_mut(|m| m.get($name, $classify))
    }};
}
pub(crate) use memoised;

#[cfg(test)]
mod tests {
    use super::*;

    fn vowels(s: &str) -> u32 {
        s.bytes().filter(|b| b"aeiou".contains(b)).count() as u32
    }

    #[test]
    fn remembers_and_stays_bounded() {
        let mut m = NameMemo::default();
        let mut calls = 0;
        for _ in 0..3 {
            assert_eq!(
                m.get("password", |s| {
                    calls += 1;
                    vowels(s)
                }),
                2
            );
        }
        assert_eq!(calls, 1, "classified once");
        for i in 0..(MAX_ENTRIES * 2) {
            let name = format!("field{i}");
            assert_eq!(m.get(&name, vowels), vowels(&name));
        }
        assert!(m.flags.len() <= MAX_ENTRIES);
        let long = "a".repeat(MAX_NAME + 1);
        assert_eq!(m.get(&long, vowels), (MAX_NAME + 1) as u32);
        assert!(
            !m.flags.contains_key(long.as_str()),
            "long names are not kept"
        );
    }

    #[test]
    fn the_macro_memoises_per_call_site() {
        fn len(s: &str) -> u32 {
            s.len() as u32
        }
        assert_eq!(memoised!(len, "abc"), 3);
        assert_eq!(memoised!(vowels, "abc"), 1);
        assert_eq!(memoised!(len, "abc"), 3);
    }
}
