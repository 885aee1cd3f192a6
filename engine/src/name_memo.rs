//! Per-thread memos of pure functions of short texts. Detectors classify the same few hundred
//! parameter, header and cookie names on every exchange (each classification normalises the
//! name and compares it against word lists), and decode the same session token on every call
//! of a session; a lookup is one hash of the text.

use std::collections::HashMap;

/// Names longer than this are classified every time, not remembered (generated or hostile
/// keys would only fill the memo).
const MAX_NAME: usize = 64;
/// Entries kept at most; the memo starts over when full, so memory stays bounded.
const MAX_ENTRIES: usize = 4096;

/// Text → value, for texts of at most `MAX_KEY` bytes; one per thread and function (see
/// `memoised!`).
pub struct Memo<V, const MAX_KEY: usize> {
    values: HashMap<Box<str>, V, foldhash::fast::RandomState>,
}

impl<V, const MAX_KEY: usize> Default for Memo<V, MAX_KEY> {
    fn default() -> Self {
        Memo {
            values: HashMap::default(),
        }
    }
}

/// Name → classification flags.
pub type NameMemo = Memo<u32, MAX_NAME>;

impl<V: Clone, const MAX_KEY: usize> Memo<V, MAX_KEY> {
    /// `compute(key)`, computed once per distinct key.
    pub fn get(&mut self, key: &str, compute: impl FnOnce(&str) -> V) -> V {
        if key.len() > MAX_KEY {
            return compute(key);
        }
        if let Some(v) = self.values.get(key) {
            return v.clone();
        }
        let v = compute(key);
        if self.values.len() >= MAX_ENTRIES {
            self.values.clear();
        }
        self.values.insert(key.into(), v.clone());
        v
    }

    /// Forgets every value.
    pub fn clear(&mut self) {
        self.values.clear();
    }
}

/// `classify(name)` through a memo private to the calling thread and to this call site's
/// classifier: `name_memo::memoised!(classify, name)` for name flags (`u32`), or
/// `memoised!(compute, text, Value, MAX_KEY)` for other values and longer texts.
macro_rules! memoised {
    ($classify:path, $name:expr) => {{
        thread_local! {
            static MEMO: std::cell::RefCell<$crate::name_memo::NameMemo> =
                std::cell::RefCell::new($crate::name_memo::NameMemo::default());
        }
        MEMO.with_borrow_mut(|m| m.get($name, $classify))
    }};
    ($compute:path, $key:expr, $value:ty, $max_key:expr) => {{
        thread_local! {
            static MEMO: std::cell::RefCell<$crate::name_memo::Memo<$value, { $max_key }>> =
                std::cell::RefCell::new($crate::name_memo::Memo::default());
        }
        MEMO.with_borrow_mut(|m| m.get($key, $compute))
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
        assert!(m.values.len() <= MAX_ENTRIES);
        let long = "a".repeat(MAX_NAME + 1);
        assert_eq!(m.get(&long, vowels), (MAX_NAME + 1) as u32);
        assert!(
            !m.values.contains_key(long.as_str()),
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
        fn upper(s: &str) -> Option<String> {
            Some(s.to_uppercase())
        }
        let long = "x".repeat(200);
        assert_eq!(
            memoised!(upper, &long, Option<String>, 256),
            Some("X".repeat(200))
        );
        assert_eq!(
            memoised!(upper, &long, Option<String>, 256),
            Some("X".repeat(200))
        );
    }
}
