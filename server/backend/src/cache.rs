//! A small in-process cache of assembled result pages (the Overview), keyed by the scope's
//! results version ([`crate::results::version`]).
//!
//! The version lives in the database and is bumped in the same transaction as every change of
//! what the pages show, so an entry can never be served after a change, whichever process made
//! it: several server processes on one PostgreSQL each keep their own cache and all see the new
//! version on their next read. Entries of older versions of the same page are dropped when a
//! newer one is stored; beyond `capacity` entries the least recently used goes.
//!
//! [`PageCache::get_or_compute`] lets one request per key compute a missing page while the
//! others wait for it: after a re-analysis bumps the version, fifty dashboards asking at once
//! cost the database one query, not fifty (a cache stampede).

use crate::scope::Scope;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
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

/// The turn of the requests that missed one key: whoever holds it computes the value.
type Gate = Arc<tokio::sync::Mutex<()>>;

/// A bounded map from [`Key`] to any shared value (the app crate stores its view types).
pub struct PageCache {
    capacity: usize,
    inner: Mutex<Inner>,
    /// Keys being computed now, by [`PageCache::get_or_compute`].
    computing: Mutex<HashMap<Key, Gate>>,
}

impl Default for PageCache {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

/// Takes a key's gate out of `computing` when the request that put it there is done, even when
/// its future is dropped half-way (a closed connection): the waiters keep their own handle.
struct GateEntry<'a> {
    cache: &'a PageCache,
    key: &'a Key,
    gate: Gate,
}

impl Drop for GateEntry<'_> {
    fn drop(&mut self) {
        let mut computing = self.cache.computing_lock();
        if computing
            .get(self.key)
            .is_some_and(|g| Arc::ptr_eq(g, &self.gate))
        {
            computing.remove(self.key);
        }
    }
}

impl PageCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
            computing: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a consistent map: keep using it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn computing_lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Gate>> {
        self.computing.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value stored under `key`, if it is there and of type `T`.
    pub fn get<T: Any + Send + Sync>(&self, key: &Key) -> Option<Arc<T>> {
        self.lookup(key, true)
    }

    /// [`PageCache::get`]; `count_miss` false for the second look of a request that already
    /// counted its miss.
    fn lookup<T: Any + Send + Sync>(&self, key: &Key, count_miss: bool) -> Option<Arc<T>> {
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
                if count_miss {
                    inner.misses += 1;
                }
                None
            }
        }
    }

    /// The value under `key`, computed by `compute` and stored when missing. Requests that
    /// miss the same key at the same time wait for the first one's result instead of each
    /// computing it; when that one fails (or is dropped), the next waiter computes. Errors are
    /// returned, never stored.
    pub async fn get_or_compute<T, E, F, Fut>(&self, key: Key, compute: F) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(hit) = self.get::<T>(&key) {
            return Ok(hit);
        }
        let gate = self
            .computing_lock()
            .entry(key.clone())
            .or_default()
            .clone();
        let entry = GateEntry {
            cache: self,
            key: &key,
            gate,
        };
        let _turn = entry.gate.lock().await;
        // The request before us in line may have stored it while we waited.
        if let Some(hit) = self.lookup::<T>(&key, false) {
            return Ok(hit);
        }
        let value = Arc::new(compute().await?);
        self.insert(key.clone(), value.clone());
        Ok(value)
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

    /// Twenty requests miss one key together: one computes, all get its value.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_misses_compute_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let c = Arc::new(PageCache::new(8));
        let runs = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (c, runs) = (c.clone(), runs.clone());
                tokio::spawn(async move {
                    c.get_or_compute(key(1, 1, "p"), || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        Ok::<_, String>(42_i64)
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(*t.await.unwrap().unwrap(), 42);
        }
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "one computation for 20 misses"
        );
        assert!(c.computing_lock().is_empty(), "no gate left behind");
        // A newer version is a new key: computed again.
        let v = c
            .get_or_compute(key(1, 2, "p"), || async { Ok::<_, String>(43_i64) })
            .await
            .unwrap();
        assert_eq!(*v, 43);
    }

    /// A failed or abandoned computation stores nothing and lets the next request compute.
    #[tokio::test]
    async fn failures_and_dropped_requests_are_not_cached() {
        let c = PageCache::new(8);
        let err = c
            .get_or_compute(key(1, 1, "p"), || async { Err::<i64, _>("database down") })
            .await;
        assert_eq!(err.unwrap_err(), "database down");
        assert!(c.get::<i64>(&key(1, 1, "p")).is_none());
        // A request dropped while computing (its client went away) releases the key.
        let slow = c.get_or_compute(key(1, 1, "p"), || async {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            Ok::<_, String>(1_i64)
        });
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(20), slow)
                .await
                .is_err()
        );
        assert!(c.computing_lock().is_empty());
        let v = c
            .get_or_compute(key(1, 1, "p"), || async { Ok::<_, String>(7_i64) })
            .await
            .unwrap();
        assert_eq!(*v, 7);
        assert_eq!(c.get::<i64>(&key(1, 1, "p")).as_deref(), Some(&7));
    }
}
