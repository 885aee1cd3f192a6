//! Bounded building blocks of the event state: distinct-value sets that stop growing at a cap,
//! and bursts (activity of one subject that continues while the gap between two observations
//! stays under the family's window; a longer gap closes the burst and a later observation opens a
//! new one). An event found in a burst therefore extends while the activity goes on.

use crate::facts::{ApiKey, Location, ToolKind};
#[allow(unused_imports)]
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::sync::Arc;

/// Distinct 64-bit value hashes, exact up to `DISTINCT_CAP`, saturating after.
#[derive(Debug, Clone, Default)]
pub struct Distinct {
    set: HashSet<u64>,
    saturated: bool,
}

pub const DISTINCT_CAP: usize = 4096;

impl Distinct {
    pub fn insert(&mut self, v: u64) {
        if self.set.len() < DISTINCT_CAP {
            self.set.insert(v);
        } else if !self.set.contains(&v) {
            self.saturated = true;
        }
    }
    /// Number of distinct values (a lower bound once saturated).
    pub fn len(&self) -> usize {
        self.set.len()
    }
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
    pub fn merge(&mut self, other: Distinct) {
        for v in other.set {
            self.insert(v);
        }
        self.saturated |= other.saturated;
    }
}

/// Who an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubjectKey {
    Ip(IpAddr),
    Account(String),
}

/// The event families tracked with bursts. Each family can emit one or more catalog keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Login,
    WeakLogin,
    CodeVerify,
    Register,
    Send,
    Download,
    Crawl,
    Attack,
    Unauthorized,
    SensitiveVolume,
    ErrorMessage,
    DbError,
    SystemInfo,
    Status,
    Custom(u16),
    AccountTools,
    AccountSensitive,
    AccountDownload,
    AccountHorizontal,
    AccountTraversal,
    AccountErrors,
    AccountStatus,
}

impl Family {
    /// Longest quiet gap that still continues a burst, milliseconds.
    pub fn gap_ms(self) -> i64 {
        const MIN: i64 = 60_000;
        match self {
            Family::Send => 5 * MIN,
            Family::Login
            | Family::CodeVerify
            | Family::Register
            | Family::Download
            | Family::Crawl
            | Family::Status
            | Family::AccountTraversal
            | Family::AccountStatus => 10 * MIN,
            Family::Custom(_) => 10 * MIN,
            _ => 30 * MIN,
        }
    }
    /// Window for the peak-rate measure (most observations within this span), milliseconds.
    pub fn rate_window_ms(self) -> i64 {
        match self {
            Family::Send => 5 * 60_000,
            _ => 60_000,
        }
    }
}

/// The key of a burst. Its API is the event state's interned copy of the key (one shared
/// allocation per API), so hashing and comparing it looks at the pointer, not at three
/// strings: bursts are looked up several times per exchange in the serial fold. Ordering still
/// compares the keys' contents, which keeps the output independent of addresses.
#[derive(Debug, Clone, PartialOrd, Ord)]
pub struct TrackKey {
    pub family: Family,
    pub subject: SubjectKey,
    /// `None` for families keyed on the subject alone (their APIs are listed in the burst).
    pub api: Option<Arc<ApiKey>>,
}

fn api_ptr(api: Option<&Arc<ApiKey>>) -> usize {
    api.map_or(0, |a| Arc::as_ptr(a) as usize)
}

impl PartialEq for TrackKey {
    fn eq(&self, o: &Self) -> bool {
        self.family == o.family
            && self.subject == o.subject
            && api_ptr(self.api.as_ref()) == api_ptr(o.api.as_ref())
    }
}
impl Eq for TrackKey {}

impl Hash for TrackKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        TrackKeyRef::from(self).hash(h)
    }
}

/// A [`TrackKey`] made of borrowed parts: looks a burst up without cloning the subject and the
/// API. Hashes exactly like the owned key.
#[derive(Debug, Clone, Copy)]
pub struct TrackKeyRef<'a> {
    pub family: Family,
    pub subject: &'a SubjectKey,
    pub api: Option<&'a Arc<ApiKey>>,
}

impl Hash for TrackKeyRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.family.hash(h);
        self.subject.hash(h);
        api_ptr(self.api).hash(h);
    }
}

impl<'a> From<&'a TrackKey> for TrackKeyRef<'a> {
    fn from(k: &'a TrackKey) -> Self {
        TrackKeyRef {
            family: k.family,
            subject: &k.subject,
            api: k.api.as_ref(),
        }
    }
}

impl hashbrown::Equivalent<TrackKey> for TrackKeyRef<'_> {
    fn equivalent(&self, k: &TrackKey) -> bool {
        self.family == k.family
            && api_ptr(self.api) == api_ptr(k.api.as_ref())
            && *self.subject == k.subject
    }
}

impl From<&TrackKeyRef<'_>> for TrackKey {
    fn from(r: &TrackKeyRef<'_>) -> Self {
        TrackKey {
            family: r.family,
            subject: r.subject.clone(),
            api: r.api.cloned(),
        }
    }
}

const MAX_APIS: usize = 8;
const MAX_SAMPLES: usize = 3;
const MAX_TOOLS: usize = 8;
const MAX_LOCS: usize = 4;
const MAX_TARGETS: usize = 64;
const MAX_INTS: usize = 1024;
const MAX_RECENT: usize = 64;

/// Up to `N` keys with their counts, in first-seen order, held inline: a burst is opened for
/// most exchanges, and its API and location lists rarely pass one or two entries.
// `len` first (`repr(C)`): it shares a cache line with the first entries, which is all most
// lookups read.
#[derive(Debug, Clone)]
#[repr(C)]
pub struct Counted<K, const N: usize> {
    len: usize,
    items: [Option<(K, u64)>; N],
}

impl<K, const N: usize> Default for Counted<K, N> {
    fn default() -> Self {
        Counted {
            items: [const { None }; N],
            len: 0,
        }
    }
}

impl<K: Clone, const N: usize> Counted<K, N> {
    /// Adds `n` to the entry `same` picks out, else a new entry for `key` while there is room
    /// (`same` never picking one appends, like a capped list).
    pub fn add(&mut self, key: &K, n: u64, same: impl Fn(&K) -> bool) {
        for (k, c) in self.items[..self.len].iter_mut().flatten() {
            if same(k) {
                *c += n;
                return;
            }
        }
        if self.len < N {
            self.items[self.len] = Some((key.clone(), n));
            self.len += 1;
        }
    }

    /// The entries in first-seen order.
    pub fn iter(&self) -> impl Iterator<Item = &(K, u64)> {
        self.items[..self.len].iter().flatten()
    }
}

/// One burst of activity of one subject in one family.
///
/// The fields every exchange updates come first (`repr(C)`): the open bursts are many and
/// mostly out of cache when the serial fold reaches them, so each cache line read counts. The
/// family-specific sets live in [`BurstSets`], allocated on a burst's first use of one: most
/// bursts (every exchange opens or extends a status burst) never need them, and a smaller
/// burst is cheaper to open, close, move into the closed list and keep there.
#[derive(Debug, Clone, Default)]
#[repr(C)]
pub struct Burst {
    pub start: i64,
    pub last: i64,
    pub n: u64,
    /// The observations within the rate window, oldest first; see [`Burst::tick`].
    recent: VecDeque<i64>,
    /// A lone first observation, held here until a second one allocates `recent`: many
    /// bursts see one exchange only.
    pending: Option<i64>,
    /// Most observations within the family's rate window.
    pub peak: u32,
    pub locations: Counted<Location, MAX_LOCS>,
    /// The first few masked samples (counts unused: a sample is kept once per exchange).
    pub samples: Counted<std::sync::Arc<str>, MAX_SAMPLES>,
    /// The burst's APIs, shared with the event state's interned keys (no string copies).
    pub apis: Counted<std::sync::Arc<ApiKey>, MAX_APIS>,
    pub fail: u64,
    pub ok: u64,
    /// Family-specific counters.
    pub x: u64,
    pub y: u64,
    pub bytes: u64,
    sets: Option<Box<BurstSets>>,
}

/// The family-specific collections of a [`Burst`]; see [`Burst::sets`].
#[derive(Debug, Clone, Default)]
pub struct BurstSets {
    /// Family-specific distinct sets (usernames/passwords/codes, targets, files...).
    pub a: Distinct,
    pub b: Distinct,
    pub c: Distinct,
    /// Per-target counts (a phone number bombed), capped.
    targets: HashMap<u64, u32>,
    /// Integer parameter values seen (traversal), capped.
    pub ints: BTreeSet<i64>,
    pub types: BTreeMap<u32, u64>,
    pub tools: Vec<(String, ToolKind, u64)>,
    /// A parameter name or label that describes the burst (`user_id`, attack kinds).
    pub label: Option<String>,
    pub labels: BTreeSet<String>,
}

impl BurstSets {
    pub fn add_target(&mut self, t: u64) {
        self.add_targets(t, 1);
    }

    fn add_targets(&mut self, t: u64, n: u32) {
        if let Some(c) = self.targets.get_mut(&t) {
            *c += n;
        } else if self.targets.len() < MAX_TARGETS {
            self.targets.insert(t, n);
        }
    }

    /// Distinct targets counted.
    pub fn target_count(&self) -> usize {
        self.targets.len()
    }

    pub fn max_target(&self) -> u32 {
        self.targets.values().copied().max().unwrap_or(0)
    }

    pub fn add_int(&mut self, v: i64) {
        if self.ints.len() < MAX_INTS {
            self.ints.insert(v);
        }
    }

    pub fn add_label(&mut self, l: &str) {
        if self.labels.len() < 8 {
            self.labels.insert(l.to_string());
        }
    }

    /// Sets `label` unless the burst has one.
    pub fn label_once(&mut self, name: &str) {
        if self.label.is_none() {
            self.label = Some(name.to_string());
        }
    }

    pub fn add_tool(&mut self, family: &str, kind: ToolKind) {
        self.add_tools(family, kind, 1);
    }

    fn add_tools(&mut self, family: &str, kind: ToolKind, n: u64) {
        if let Some(e) = self.tools.iter_mut().find(|t| t.0 == family) {
            e.2 += n;
        } else if self.tools.len() < MAX_TOOLS {
            self.tools.push((family.to_string(), kind, n));
        }
    }

    fn merge(&mut self, o: BurstSets) {
        self.a.merge(o.a);
        self.b.merge(o.b);
        self.c.merge(o.c);
        for (t, n) in o.targets {
            self.add_targets(t, n);
        }
        for v in o.ints {
            self.add_int(v);
        }
        for (k, v) in o.types {
            *self.types.entry(k).or_default() += v;
        }
        for (f, k, n) in o.tools {
            self.add_tools(&f, k, n);
        }
        if self.label.is_none() {
            self.label = o.label;
        }
        for l in o.labels {
            self.add_label(&l);
        }
    }
}

impl Burst {
    pub fn new(t: i64) -> Self {
        Burst {
            start: t,
            last: t,
            ..Default::default()
        }
    }

    /// Records one observation at `t` (rate window `w`).
    pub fn tick(&mut self, t: i64, w: i64) {
        self.n += 1;
        self.start = self.start.min(t);
        self.last = self.last.max(t);
        if self.recent.is_empty() {
            match self.pending.take() {
                None => {
                    self.pending = Some(t);
                    self.peak = self.peak.max(1);
                    return;
                }
                Some(first) => {
                    // Most bursts see a few exchanges: one allocation instead of regrowing.
                    self.recent.reserve_exact(8);
                    self.recent.push_back(first);
                }
            }
        }
        if self.recent.len() == MAX_RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(t);
        while let Some(&f) = self.recent.front() {
            if t - f > w {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        self.peak = self.peak.max(self.recent.len() as u32);
    }

    pub fn add_api(&mut self, api: &std::sync::Arc<ApiKey>) {
        self.apis
            .add(api, 1, |k| std::sync::Arc::ptr_eq(k, api) || k == api);
    }

    pub fn add_sample(&mut self, s: &std::sync::Arc<str>) {
        if !s.is_empty() {
            self.samples.add(s, 1, |_| false);
        }
    }

    pub fn add_location(&mut self, l: Location) {
        self.locations.add(&l, 1, |k| *k == l);
    }

    /// The API with the most observations.
    pub fn main_api(&self) -> Option<&ApiKey> {
        self.apis.iter().max_by_key(|(_, n)| *n).map(|(k, _)| &**k)
    }

    /// Combines a burst of the same key from another shard.
    pub fn merge(&mut self, o: Burst) {
        self.start = self.start.min(o.start);
        self.last = self.last.max(o.last);
        self.n += o.n;
        self.fail += o.fail;
        self.ok += o.ok;
        self.peak = self.peak.max(o.peak);
        for (api, n) in o.apis.iter() {
            self.apis.add(api, *n, |k| k == api);
        }
        for (s, _) in o.samples.iter() {
            self.add_sample(s);
        }
        for (l, n) in o.locations.iter() {
            self.locations.add(l, *n, |k| k == l);
        }
        self.bytes += o.bytes;
        self.x += o.x;
        self.y += o.y;
        if let Some(sets) = o.sets {
            match &mut self.sets {
                Some(mine) => mine.merge(*sets),
                None => self.sets = Some(sets),
            }
        }
    }

    /// The family-specific sets, empty until the first [`Burst::sets_mut`].
    pub fn sets(&self) -> &BurstSets {
        static EMPTY: std::sync::LazyLock<BurstSets> = std::sync::LazyLock::new(BurstSets::default);
        self.sets.as_deref().unwrap_or(&EMPTY)
    }

    /// The family-specific sets, allocated on first use.
    pub fn sets_mut(&mut self) -> &mut BurstSets {
        self.sets.get_or_insert_default()
    }

    /// The location seen most.
    pub fn main_location(&self) -> Location {
        self.locations
            .iter()
            .max_by_key(|(_, n)| *n)
            .map(|(l, _)| *l)
            .unwrap_or(Location::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_keeps_first_seen_order_and_stops_at_capacity() {
        let mut c: Counted<&str, 2> = Counted::default();
        for k in ["a", "b", "a", "c", "b", "a"] {
            c.add(&k, 1, |x| *x == k);
        }
        assert_eq!(
            c.iter().copied().collect::<Vec<_>>(),
            vec![("a", 3), ("b", 2)]
        );
    }

    #[test]
    fn distinct_saturates() {
        let mut d = Distinct::default();
        for i in 0..(DISTINCT_CAP as u64 + 10) {
            d.insert(i);
        }
        assert_eq!(d.len(), DISTINCT_CAP);
        assert!(d.saturated);
    }

    /// The rate window with its first observation held aside gives the peak of a plain list
    /// of the observations within the window, on out-of-order times too.
    #[test]
    fn peak_rate_matches_a_plain_window() {
        let mut seed = 7u64;
        for _ in 0..200 {
            let mut b = Burst::new(0);
            let mut plain: VecDeque<i64> = VecDeque::new();
            let mut peak = 0;
            let w = 60_000;
            let mut t = 0i64;
            for _ in 0..(seed % 150) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                t += (seed >> 33) as i64 % 40_000 - 5_000;
                b.tick(t, w);
                if plain.len() == MAX_RECENT {
                    plain.pop_front();
                }
                plain.push_back(t);
                while plain.front().is_some_and(|&f| t - f > w) {
                    plain.pop_front();
                }
                peak = peak.max(plain.len() as u32);
                assert_eq!(b.peak, peak);
            }
        }
    }

    #[test]
    fn peak_rate_counts_within_window() {
        let mut b = Burst::new(0);
        for i in 0..30 {
            b.tick(i * 1000, 60_000);
        }
        assert_eq!(b.peak, 30);
        let mut b = Burst::new(0);
        for i in 0..30 {
            b.tick(i * 120_000, 60_000);
        }
        assert_eq!(b.peak, 1);
    }
}
