//! Leak tracing index: where each sensitive value went, by keyed hash, never by plaintext.
//!
//! Every sealed finding of an exchange becomes (or updates) one row keyed by
//! (value hash, type ID, direction, API, client IP, account) holding the first and last time
//! it was seen, how many times, and the client's location. An auditor who types a value gets
//! its hash from the same [`crate::sensitive::ValueHasher`] (same tenant key, same
//! [`crate::sensitive::normalise`]) and reads every row of that hash: each API, client, country,
//! account and time that received (response) or sent (request) the value.
//!
//! ## Bounded memory
//! The number of distinct rows is capped ([`TraceConfig::max_rows`], default 2,000,000; about
//! 80 bytes a row, so ~160 MB at the cap). Past the cap, rows already indexed keep being
//! updated (times, hits) but sightings that would need a new row are dropped and counted in
//! [`TraceIndex::dropped`] (sightings, not distinct rows: counting distinct dropped rows would
//! need the memory the cap saves). The console shows the figure so an auditor knows the index
//! is incomplete; raise the cap or shorten the analysed window when it is not zero.

use crate::facts::{ApiKey, Direction, Location};
use crate::pipeline::ExchangeFacts;
use serde::{Deserialize, Serialize};
// foldhash, as in the rest of the fold: this map takes a lookup per finding of every record
// (SipHash was ~1% of the analysis). Still seeded per process; the output is sorted.
use foldhash::{HashMap, HashMapExt};
use std::net::IpAddr;

/// Default cap on distinct rows of the trace index.
pub const DEFAULT_MAX_ROWS: usize = 2_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceConfig {
    pub max_rows: usize,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            max_rows: DEFAULT_MAX_ROWS,
        }
    }
}

/// One row of the index: a value seen at one API, from one client, with one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRow {
    pub value_hash: u64,
    pub type_id: u32,
    pub direction: Direction,
    pub api: ApiKey,
    pub ip: IpAddr,
    /// ISO country code of the client, or `internal` / `unknown`.
    pub country: String,
    pub account: Option<String>,
    pub first_ms: i64,
    pub last_ms: i64,
    pub hits: u64,
}

/// Size and completeness of an index (shown beside the review).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStats {
    pub rows: u64,
    /// Sightings not indexed because the row cap was reached.
    pub dropped: u64,
    pub max_rows: u64,
}

/// The finished index of an analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceIndex {
    pub rows: Vec<TraceRow>,
    pub dropped: u64,
    pub max_rows: u64,
}

impl TraceIndex {
    pub fn stats(&self) -> TraceStats {
        TraceStats {
            rows: self.rows.len() as u64,
            dropped: self.dropped,
            max_rows: self.max_rows,
        }
    }
}

const NO_ACCOUNT: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    hash: u64,
    type_id: u32,
    api: u32,
    account: u32,
    ip: IpAddr,
    response: bool,
}

#[derive(Debug, Clone, Copy)]
struct Agg {
    first_ms: i64,
    last_ms: i64,
    hits: u64,
    location: Location,
}

/// Interns string-like keys to small integers so a row stays small.
#[derive(Debug)]
struct Interner<T: std::hash::Hash + Eq + Clone> {
    index: HashMap<T, u32>,
    items: Vec<T>,
}

impl<T: std::hash::Hash + Eq + Clone> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            index: HashMap::new(),
            items: Vec::new(),
        }
    }
}

impl<T: std::hash::Hash + Eq + Clone> Interner<T> {
    fn get(&mut self, v: &T) -> u32 {
        if let Some(&i) = self.index.get(v) {
            return i;
        }
        let i = self.items.len() as u32;
        self.items.push(v.clone());
        self.index.insert(v.clone(), i);
        i
    }
}

/// The index being built (one per analysis; shards can be merged).
#[derive(Debug, Default)]
pub struct TraceState {
    config: TraceConfig,
    apis: Interner<ApiKey>,
    accounts: Interner<String>,
    rows: HashMap<Key, Agg>,
    dropped: u64,
}

impl TraceState {
    pub fn new(config: TraceConfig) -> Self {
        TraceState {
            config,
            ..Default::default()
        }
    }

    fn add(&mut self, key: Key, time_ms: i64, hits: u64, location: Location, last_ms: i64) {
        if let Some(a) = self.rows.get_mut(&key) {
            a.first_ms = a.first_ms.min(time_ms);
            a.last_ms = a.last_ms.max(last_ms);
            a.hits += hits;
            return;
        }
        if self.rows.len() >= self.config.max_rows {
            self.dropped += hits;
            return;
        }
        self.rows.insert(
            key,
            Agg {
                first_ms: time_ms,
                last_ms,
                hits,
                location,
            },
        );
    }

    pub fn absorb(&mut self, f: &ExchangeFacts) {
        if f.findings.is_empty() {
            return;
        }
        let api = self.apis.get(&f.api);
        let account = match &f.account {
            Some(a) => self.accounts.get(a),
            None => NO_ACCOUNT,
        };
        for fd in &f.findings {
            let key = Key {
                hash: fd.hash,
                type_id: fd.type_id,
                api,
                account,
                ip: f.client_ip,
                response: fd.direction == Direction::Response,
            };
            self.add(key, f.time_ms, 1, f.client.location, f.time_ms);
        }
    }

    /// Adds another shard's index (its interned APIs and accounts are re-interned here).
    pub fn merge(&mut self, other: TraceState) {
        self.dropped += other.dropped;
        for (k, a) in other.rows {
            let api = self.apis.get(&other.apis.items[k.api as usize]);
            let account = if k.account == NO_ACCOUNT {
                NO_ACCOUNT
            } else {
                self.accounts.get(&other.accounts.items[k.account as usize])
            };
            let key = Key { api, account, ..k };
            self.add(key, a.first_ms, a.hits, a.location, a.last_ms);
        }
    }

    /// The size of the index [`TraceState::finish`] would build, without building it (a
    /// report shows only this; the rows can be the largest part of a big analysis).
    pub fn stats(&self) -> TraceStats {
        TraceStats {
            rows: self.rows.len() as u64,
            dropped: self.dropped,
            max_rows: self.config.max_rows as u64,
        }
    }

    pub fn finish(self) -> TraceIndex {
        let TraceState {
            config,
            apis,
            accounts,
            rows,
            dropped,
        } = self;
        let mut out: Vec<TraceRow> = rows
            .into_iter()
            .map(|(k, a)| TraceRow {
                value_hash: k.hash,
                type_id: k.type_id,
                direction: if k.response {
                    Direction::Response
                } else {
                    Direction::Request
                },
                api: apis.items[k.api as usize].clone(),
                ip: k.ip,
                country: a.location.code(),
                account: (k.account != NO_ACCOUNT)
                    .then(|| accounts.items[k.account as usize].clone()),
                first_ms: a.first_ms,
                last_ms: a.last_ms,
                hits: a.hits,
            })
            .collect();
        // Deterministic output (the hash map's order is not).
        out.sort_by(|a, b| {
            (
                a.value_hash,
                a.type_id,
                a.first_ms,
                a.ip,
                &a.api,
                a.direction,
            )
                .cmp(&(
                    b.value_hash,
                    b.type_id,
                    b.first_ms,
                    b.ip,
                    &b.api,
                    b.direction,
                ))
        });
        TraceIndex {
            rows: out,
            dropped,
            max_rows: config.max_rows as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{ClientInfo, Finding, ToolInfo, ToolKind};
    use crate::sensitive::ValueHasher;

    const T0: i64 = 1_767_225_600_000;

    fn facts(
        time_ms: i64,
        ip: &str,
        country: &str,
        account: Option<&str>,
        path: &str,
        findings: Vec<Finding>,
    ) -> ExchangeFacts {
        ExchangeFacts {
            api: ApiKey {
                host: "shop.example.com".into(),
                method: "GET".into(),
                path: path.into(),
            },
            time_ms,
            client_ip: ip.parse().unwrap(),
            status: 200,
            client: ClientInfo {
                location: Location::Country(country.as_bytes().try_into().unwrap()),
                tool: ToolInfo {
                    kind: ToolKind::Browser,
                    family: "Chrome".into(),
                },
            },
            account: account.map(str::to_string),
            discovery: Default::default(),
            findings,
            risk: Default::default(),
            event: Default::default(),
            bytes: 0,
        }
    }

    fn fnd(type_id: u32, hash: u64, direction: Direction) -> Finding {
        Finding {
            type_id,
            direction,
            field: "json.mobile".into(),
            masked: "13*******00".into(),
            hash,
            group: 0,
        }
    }

    fn build(max_rows: usize, all: &[ExchangeFacts]) -> TraceIndex {
        let mut s = TraceState::new(TraceConfig { max_rows });
        for f in all {
            s.absorb(f);
        }
        s.finish()
    }

    #[test]
    fn rows_aggregate_by_value_place_client_and_direction() {
        let h = ValueHasher::new(b"tenant");
        let phone = h.hash(1004, "13800138000");
        // The same number written differently is the same value.
        assert_eq!(phone, h.hash(1004, "+86 138 0013 8000"));
        let other = h.hash(1004, "13800138001");
        let all = vec![
            facts(
                T0,
                "8.8.8.8",
                "US",
                Some("alice"),
                "/u",
                vec![fnd(1004, phone, Direction::Response)],
            ),
            facts(
                T0 + 10,
                "8.8.8.8",
                "US",
                Some("alice"),
                "/u",
                vec![fnd(1004, phone, Direction::Response)],
            ),
            facts(
                T0 + 5,
                "8.8.8.8",
                "US",
                Some("alice"),
                "/u",
                vec![fnd(1004, phone, Direction::Request)],
            ),
            facts(
                T0 + 7,
                "1.80.0.1",
                "CN",
                None,
                "/v",
                vec![fnd(1004, phone, Direction::Response)],
            ),
            facts(
                T0 + 8,
                "1.80.0.1",
                "CN",
                None,
                "/v",
                vec![fnd(1004, other, Direction::Response)],
            ),
        ];
        let idx = build(100, &all);
        assert_eq!(idx.dropped, 0);
        assert_eq!(idx.rows.len(), 4);
        let mine: Vec<&TraceRow> = idx.rows.iter().filter(|r| r.value_hash == phone).collect();
        assert_eq!(mine.len(), 3);
        let us_resp = mine
            .iter()
            .find(|r| r.country == "US" && r.direction == Direction::Response)
            .unwrap();
        assert_eq!(
            (us_resp.first_ms, us_resp.last_ms, us_resp.hits),
            (T0, T0 + 10, 2)
        );
        assert_eq!(us_resp.account.as_deref(), Some("alice"));
        assert_eq!(us_resp.api.path, "/u");
        let cn = mine.iter().find(|r| r.country == "CN").unwrap();
        assert_eq!(cn.account, None);
        assert_eq!(cn.ip.to_string(), "1.80.0.1");
        assert!(mine.iter().any(|r| r.direction == Direction::Request));
    }

    #[test]
    fn past_the_cap_new_rows_are_counted_not_kept() {
        let all: Vec<ExchangeFacts> = (0..10)
            .map(|i| {
                facts(
                    T0 + i,
                    "8.8.8.8",
                    "US",
                    None,
                    "/u",
                    vec![fnd(1005, i as u64, Direction::Response)],
                )
            })
            .collect();
        let idx = build(4, &all);
        assert_eq!(idx.rows.len(), 4);
        assert_eq!(idx.dropped, 6);
        assert_eq!(
            idx.stats(),
            TraceStats {
                rows: 4,
                dropped: 6,
                max_rows: 4
            }
        );
        // Rows already indexed keep counting past the cap.
        let mut s = TraceState::new(TraceConfig { max_rows: 1 });
        s.absorb(&all[0]);
        s.absorb(&all[1]);
        s.absorb(&all[0]);
        let idx = s.finish();
        assert_eq!(idx.rows[0].hits, 2);
        assert_eq!(idx.dropped, 1);
    }

    #[test]
    fn merged_shards_equal_one_pass() {
        let all: Vec<ExchangeFacts> = (0..20)
            .map(|i| {
                facts(
                    T0 + i,
                    if i % 3 == 0 { "8.8.8.8" } else { "9.9.9.9" },
                    "US",
                    (i % 2 == 0).then_some("bob"),
                    if i % 4 == 0 { "/a" } else { "/b" },
                    vec![fnd(1005, (i % 5) as u64, Direction::Response)],
                )
            })
            .collect();
        let one = build(DEFAULT_MAX_ROWS, &all);
        let mut a = TraceState::new(TraceConfig::default());
        let mut b = TraceState::new(TraceConfig::default());
        // b interns APIs and accounts in another order than a.
        for f in all.iter().rev().step_by(2) {
            b.absorb(f);
        }
        for f in all.iter().rev().skip(1).step_by(2) {
            a.absorb(f);
        }
        a.merge(b);
        assert_eq!(a.finish(), one);
    }
}
