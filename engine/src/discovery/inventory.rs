//! The per-API inventory folded from exchange facts.
//!
//! Everything is mergeable (shard A + shard B = both together) and bounded: at most
//! [`MAX_PARAMS_PER_API`] parameters per API, [`MAX_TYPES_PER_PARAM`] types each, and exact
//! distinct clients up to [`MAX_CLIENTS_EXACT`] per API (beyond, the count grows with new calls
//! from unseen addresses only as far as the cap; `distinct_clients` is then a lower bound).
//!
//! Rules: an API is *active* when it was called in the 30 days before `now`; it is
//! *authenticated* when at least 80% of its calls carried a credential; a purpose is kept when at
//! least 20% of the calls showed it and at least 2 calls did (or the API was called once), so
//! one odd request does not tag an API. Sensitivity follows the product rule from response
//! findings ([`ApiSensitivity::from_response`]).

use super::service::{self, ClientStats};
use crate::catalog::{catalog, SensitivityLevel};
use crate::exchange::ParamLocation;
use crate::facts::{
    is_internal_ip, ApiKey, ApiSensitivity, ApiSummary, AuthKind, Direction, ParamSummary,
    PurposeTag,
};
use crate::pipeline::ExchangeFacts;
#[allow(unused_imports)]
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub const MAX_PARAMS_PER_API: usize = 200;
pub const MAX_TYPES_PER_PARAM: usize = 8;
pub const MAX_CLIENTS_EXACT: usize = 4096;
const MAX_CONTENT_TYPES: usize = 32;
const MAX_STATUSES: usize = 64;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Default)]
struct ParamAcc {
    types: BTreeMap<&'static str, u64>,
    example: String,
    count: u64,
}

/// Parameters of one API by location, then field (the order of the report), at most
/// [`MAX_PARAMS_PER_API`]: found by borrowed name, as every exchange updates several.
#[derive(Debug, Clone, Default)]
struct ParamMap {
    by_location: BTreeMap<ParamLocation, BTreeMap<String, ParamAcc>>,
    len: usize,
}

impl ParamMap {
    /// The entry of `field` at `location`, created while there is room.
    fn entry(&mut self, location: ParamLocation, field: &str) -> Option<&mut ParamAcc> {
        let fields = self.by_location.entry(location).or_default();
        if !fields.contains_key(field) {
            if self.len >= MAX_PARAMS_PER_API {
                return None;
            }
            self.len += 1;
            fields.insert(field.to_string(), ParamAcc::default());
        }
        fields.get_mut(field)
    }

    fn into_entries(self) -> impl Iterator<Item = (ParamLocation, String, ParamAcc)> {
        self.by_location
            .into_iter()
            .flat_map(|(l, fields)| fields.into_iter().map(move |(f, p)| (l, f, p)))
    }
}

#[derive(Debug, Clone)]
struct Acc {
    calls: u64,
    first: i64,
    last: i64,
    purposes: HashMap<PurposeTag, u64>,
    auth: BTreeMap<AuthKind, u64>,
    authed_calls: u64,
    key_calls: u64,
    request_types: BTreeMap<u32, u64>,
    response_types: BTreeMap<u32, u64>,
    max_level: Option<SensitivityLevel>,
    max_s2: u64,
    params: ParamMap,
    statuses: BTreeMap<u16, u64>,
    content_types: BTreeMap<String, u64>,
    days: BTreeMap<i64, u64>,
    clients: HashSet<IpAddr>,
    clients_capped: bool,
    internal_calls: u64,
    public_clients: u64,
}

impl Acc {
    fn new(t: i64) -> Self {
        Acc {
            calls: 0,
            first: t,
            last: t,
            purposes: HashMap::new(),
            auth: BTreeMap::new(),
            authed_calls: 0,
            key_calls: 0,
            request_types: BTreeMap::new(),
            response_types: BTreeMap::new(),
            max_level: None,
            max_s2: 0,
            params: ParamMap::default(),
            statuses: BTreeMap::new(),
            content_types: BTreeMap::new(),
            days: BTreeMap::new(),
            clients: HashSet::new(),
            clients_capped: false,
            internal_calls: 0,
            public_clients: 0,
        }
    }

    fn add_client(&mut self, ip: IpAddr) {
        if self.clients.len() < MAX_CLIENTS_EXACT {
            if self.clients.insert(ip) && !is_internal_ip(&ip) {
                self.public_clients += 1;
            }
        } else if !self.clients.contains(&ip) {
            self.clients_capped = true;
        }
    }

    fn absorb(&mut self, f: &ExchangeFacts) {
        self.calls += 1;
        self.first = self.first.min(f.time_ms);
        self.last = self.last.max(f.time_ms);
        for p in &f.discovery.purposes {
            *self.purposes.entry(p.clone()).or_default() += 1;
        }
        let kinds = &f.discovery.auth.kinds;
        if !kinds.is_empty() {
            self.authed_calls += 1;
        }
        if kinds.iter().any(|k| {
            matches!(
                k,
                AuthKind::ApiKeyHeader | AuthKind::ApiKeyQuery | AuthKind::Basic
            )
        }) {
            self.key_calls += 1;
        }
        for k in kinds {
            *self.auth.entry(*k).or_default() += 1;
        }
        let cat = catalog();
        let mut s2_here = 0u64;
        for finding in &f.findings {
            match finding.direction {
                Direction::Request => *self.request_types.entry(finding.type_id).or_default() += 1,
                Direction::Response => {
                    *self.response_types.entry(finding.type_id).or_default() += 1;
                    if let Some(t) = cat.sensitive(finding.type_id) {
                        self.max_level = self.max_level.max(Some(t.level));
                        if t.level == SensitivityLevel::S2 {
                            s2_here += 1;
                        }
                    }
                }
            }
        }
        self.max_s2 = self.max_s2.max(s2_here);
        for p in &f.discovery.params {
            let Some(acc) = self.params.entry(p.location, &p.field) else {
                continue;
            };
            acc.count += 1;
            if acc.types.len() < MAX_TYPES_PER_PARAM || acc.types.contains_key(p.value_type) {
                *acc.types.entry(p.value_type).or_default() += 1;
            }
            if acc.example.is_empty() {
                acc.example = p.masked_example.clone();
            }
        }
        if self.statuses.len() < MAX_STATUSES || self.statuses.contains_key(&f.status) {
            *self.statuses.entry(f.status).or_default() += 1;
        }
        if let Some(ct) = &f.discovery.response_content_type {
            if let Some(n) = self.content_types.get_mut(ct.as_str()) {
                *n += 1;
            } else if self.content_types.len() < MAX_CONTENT_TYPES {
                self.content_types.insert(ct.clone(), 1);
            }
        }
        *self.days.entry(f.time_ms.div_euclid(DAY_MS)).or_default() += 1;
        if is_internal_ip(&f.client_ip) {
            self.internal_calls += 1;
        }
        self.add_client(f.client_ip);
    }

    fn merge(&mut self, o: Acc) {
        self.calls += o.calls;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        for (k, v) in o.purposes {
            *self.purposes.entry(k).or_default() += v;
        }
        for (k, v) in o.auth {
            *self.auth.entry(k).or_default() += v;
        }
        self.authed_calls += o.authed_calls;
        self.key_calls += o.key_calls;
        for (k, v) in o.request_types {
            *self.request_types.entry(k).or_default() += v;
        }
        for (k, v) in o.response_types {
            *self.response_types.entry(k).or_default() += v;
        }
        self.max_level = self.max_level.max(o.max_level);
        self.max_s2 = self.max_s2.max(o.max_s2);
        for (location, field, p) in o.params.into_entries() {
            let Some(acc) = self.params.entry(location, &field) else {
                continue;
            };
            acc.count += p.count;
            for (t, n) in p.types {
                if acc.types.len() < MAX_TYPES_PER_PARAM || acc.types.contains_key(t) {
                    *acc.types.entry(t).or_default() += n;
                }
            }
            if acc.example.is_empty() {
                acc.example = p.example;
            }
        }
        for (k, v) in o.statuses {
            if self.statuses.len() < MAX_STATUSES || self.statuses.contains_key(&k) {
                *self.statuses.entry(k).or_default() += v;
            }
        }
        for (k, v) in o.content_types {
            if self.content_types.len() < MAX_CONTENT_TYPES || self.content_types.contains_key(&k) {
                *self.content_types.entry(k).or_default() += v;
            }
        }
        for (k, v) in o.days {
            *self.days.entry(k).or_default() += v;
        }
        self.internal_calls += o.internal_calls;
        self.clients_capped |= o.clients_capped;
        for ip in o.clients {
            self.add_client(ip);
        }
    }

    fn summary(self, key: ApiKey, now_ms: i64) -> ApiSummary {
        let calls = self.calls.max(1);
        let mut purposes: Vec<PurposeTag> = self
            .purposes
            .into_iter()
            .filter(|(_, n)| *n * 5 >= calls && (*n >= 2 || calls == 1))
            .map(|(t, _)| t)
            .collect();
        purposes.sort();
        let stats = ClientStats {
            calls: self.calls,
            internal_calls: self.internal_calls,
            public_clients: self.public_clients,
            key_calls: self.key_calls,
        };
        let service_object = service::classify(&key, &stats);
        let params = self
            .params
            .into_entries()
            .map(|(location, field, p)| {
                let mut types: Vec<(&str, u64)> = p.types.into_iter().collect();
                types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                ParamSummary {
                    location,
                    field,
                    types: types.into_iter().map(|(t, _)| t.to_string()).collect(),
                    example: p.example,
                    count: p.count,
                }
            })
            .collect();
        let calls_per_day = self
            .days
            .into_iter()
            .map(|(d, n)| (day_string(d), n))
            .collect();
        ApiSummary {
            key,
            calls: self.calls,
            first_seen_ms: self.first,
            last_seen_ms: self.last,
            active: now_ms - self.last <= 30 * DAY_MS,
            purposes,
            service_object,
            auth: self.auth.into_keys().collect(),
            authenticated: self.authed_calls * 10 >= self.calls * 8 && self.authed_calls > 0,
            sensitivity: ApiSensitivity::from_response(self.max_level, self.max_s2),
            request_types: self.request_types,
            response_types: self.response_types,
            params,
            statuses: self.statuses,
            response_content_types: self.content_types,
            calls_per_day,
            distinct_clients: self.clients.len() as u64,
        }
    }
}

fn day_string(day: i64) -> String {
    use chrono::{TimeZone, Utc};
    Utc.timestamp_millis_opt(day * DAY_MS)
        .single()
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The per-API inventory folded from exchange facts.
#[derive(Debug, Default)]
pub struct ApiInventory {
    apis: HashMap<ApiKey, Acc>,
}

impl ApiInventory {
    pub fn absorb(&mut self, f: &ExchangeFacts) {
        crate::facts::slot(&mut self.apis, &f.api, || Acc::new(f.time_ms)).absorb(f);
    }

    pub fn merge(&mut self, other: ApiInventory) {
        for (k, v) in other.apis {
            match self.apis.get_mut(&k) {
                Some(mine) => mine.merge(v),
                None => {
                    self.apis.insert(k, v);
                }
            }
        }
    }

    /// Summaries sorted by key; `now_ms` decides active (a call in the last 30 days) versus
    /// inactive.
    pub fn finish(self, now_ms: i64) -> Vec<ApiSummary> {
        let mut out: Vec<ApiSummary> = self
            .apis
            .into_iter()
            .map(|(k, acc)| acc.summary(k, now_ms))
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }
}

#[cfg(test)]
mod tests;
