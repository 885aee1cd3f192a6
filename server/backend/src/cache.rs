//! A small in-process cache of assembled result pages (the Overview), keyed by the scope's
//! results version ([`crate::results::version`]).
//!
//! The version lives in the database and is bumped in the same transaction as every change of
//! what the pages show, so an entry can never be served after a change, whichever process made
//! it: several server processes on one PostgreSQL each keep their own cache and all see the new
//! version on their next read. Entries of older versions of the same page are dropped when a
//! newer one is stored; beyond `capacity` entries the least recently used goes.

use crate::scope::Scope;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Default number of entries (pages × scopes × parameter variants) one process keeps.
pub const DEFAULT_CAPACITY: usize = 256;

/// What a cached value is: the scope and version it was computed from, and the page with its
/// parameters (`overview|en|period=30|...`): everything the value depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub scope: Scope,
    pub version: i64,
    pub page: String,
}

type Value = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
struct Inner {
    map: HashMap<Key, (u64, Value)>,
    tick: u64,
    hits: u64,
    misses: u64,
}

/// A bounded map from [`Key`] to any shared value (the app crate stores its view types).
pub struct PageCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl Default for PageCache {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl PageCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a consistent map: keep using it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value stored under `key`, if it is there and of type `T`.
    pub fn get<T: Any + Send + Sync>(&self, key: &Key) -> Option<Arc<T>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let found = inner.map.get_mut(key).map(|(used, v)| {
            *used = tick;
            v.clone()
        });
        match found.and_then(|v| v.downcast::<T>().ok()) {
            Some(v) => {
                inner.hits += 1;
                Some(v)
            }
            None => {
                inner.misses += 1;
                None
            }
        }
    }

    /// Stores `value` under `key`. Entries of the same page and scope at older versions are
    /// dropped; when full, the least recently used entry makes room.
    pub fn insert<T: Any + Send + Sync>(&self, key: Key, value: Arc<T>) {
        let value: Value = value;
        let mut inner = self.lock();
        inner.map.retain(|k, _| {
            !(k.scope == key.scope && k.page == key.page && k.version < key.version)
        });
        if !inner.map.contains_key(&key) && inner.map.len() >= self.capacity {
            if let Some(oldest) = inner
                .map
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone())
            {
                inner.map.remove(&oldest);
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.map.insert(key, (tick, value));
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// (hits, misses) since start.
    pub fn stats(&self) -> (u64, u64) {
        let inner = self.lock();
        (inner.hits, inner.misses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenancy::Region;

    fn key(rg: i64, version: i64, page: &str) -> Key {
        Key {
            scope: Scope {
                tenant_id: 1,
                rg_id: rg,
                region: Region::Cn,
            },
            version,
            page: page.into(),
        }
    }

    #[test]
    fn versions_and_types_are_part_of_the_key() {
        let c = PageCache::new(8);
        c.insert(key(1, 1, "p"), Arc::new(10_i64));
        assert_eq!(c.get::<i64>(&key(1, 1, "p")).as_deref(), Some(&10));
        assert!(
            c.get::<i64>(&key(1, 2, "p")).is_none(),
            "a newer version misses"
        );
        assert!(
            c.get::<String>(&key(1, 1, "p")).is_none(),
            "another type misses"
        );
        assert!(
            c.get::<i64>(&key(2, 1, "p")).is_none(),
            "another scope misses"
        );
        // Storing the newer version drops the older one of the same page.
        c.insert(key(1, 2, "p"), Arc::new(20_i64));
        c.insert(key(1, 2, "q"), Arc::new(30_i64));
        assert!(c.get::<i64>(&key(1, 1, "p")).is_none());
        assert_eq!(c.len(), 2);
        assert_eq!(c.stats().0, 1);
    }

    #[test]
    fn size_is_bounded_least_recently_used_goes() {
        let c = PageCache::new(3);
        for rg in 1..=3 {
            c.insert(key(rg, 1, "p"), Arc::new(rg));
        }
        assert!(
            c.get::<i64>(&key(1, 1, "p")).is_some(),
            "1 is now the most recent"
        );
        c.insert(key(4, 1, "p"), Arc::new(4_i64));
        assert_eq!(c.len(), 3);
        assert!(
            c.get::<i64>(&key(2, 1, "p")).is_none(),
            "2 was the least recently used"
        );
        assert!(c.get::<i64>(&key(1, 1, "p")).is_some());
        assert!(c.get::<i64>(&key(4, 1, "p")).is_some());
    }
}
