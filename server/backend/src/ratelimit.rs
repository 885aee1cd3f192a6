//! Login throttling: after a few failures per IP and per user name, each further failure doubles
//! the wait before the next attempt is even checked (capped at 15 minutes). A success clears the
//! user's counter. In memory on purpose: a restart forgives, and there is no table to grow.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before delays start.
const FREE_FAILURES: u32 = 5;
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct LoginLimiter {
    entries: Mutex<HashMap<String, Entry>>,
}

impl LoginLimiter {
    /// `Err(seconds)` when any of `keys` is still locked.
    pub fn check(&self, keys: &[String]) -> Result<(), u64> {
        let now = Instant::now();
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| map.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| (until - now).as_secs().max(1))
            .max();
        wait.map_or(Ok(()), Err)
    }

    /// Records a failed attempt for each key.
    pub fn failure(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, e| e.locked_until.is_some_and(|u| u > now));
        }
        for k in keys {
            let e = map.entry(k.clone()).or_insert(Entry {
                failures: 0,
                locked_until: None,
            });
            e.failures += 1;
            if e.failures >= FREE_FAILURES {
                let exp = (e.failures - FREE_FAILURES).min(20);
                let delay = Duration::from_secs(1u64 << exp).min(MAX_DELAY);
                e.locked_until = Some(now + delay);
            }
        }
    }

    /// Forgets the failures of `key` (called for the user after a successful login).
    pub fn success(&self, key: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_free_failures_and_unlocks_on_success() {
        let l = LoginLimiter::default();
        let keys = vec!["user:a".to_string(), "ip:1".to_string()];
        for _ in 0..FREE_FAILURES - 1 {
            l.failure(&keys);
            assert!(l.check(&keys).is_ok());
        }
        l.failure(&keys);
        assert!(l.check(&keys).is_err());
        l.success("user:a");
        // the IP stays locked
        assert!(l.check(&keys).is_err());
        assert!(l.check(&["user:a".to_string()]).is_ok());
    }
}
