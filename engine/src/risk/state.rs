//! Per-API risk state folded from exchange facts. Everything here merges (shard A + shard B =
//! both together) and is bounded: per-IP windows and identifier samples are capped per API.

use super::{registry, CompiledRiskRules, RiskFinding, Verdict};
use crate::facts::{is_internal_ip, ApiKey, ApiSummary, Location, ToolKind};
use crate::pipeline::ExchangeFacts;
#[allow(unused_imports)]
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

/// `(parameter, source)` of [`ApiState::ids`], borrowed; hashes like the owned tuple.
#[derive(Hash)]
struct IdKey<'a>(&'a str, IpAddr);

impl hashbrown::Equivalent<(String, IpAddr)> for IdKey<'_> {
    fn equivalent(&self, k: &(String, IpAddr)) -> bool {
        self.1 == k.1 && self.0 == k.0
    }
}

impl From<&IdKey<'_>> for (String, IpAddr) {
    fn from(k: &IdKey<'_>) -> Self {
        (k.0.to_string(), k.1)
    }
}

/// Most client addresses tracked per API for rate and logon windows.
pub const MAX_IPS_PER_API: usize = 100_000;
/// Most (parameter, client) identifier samples per API, and values per sample.
pub const MAX_ID_SAMPLES: usize = 2_048;
pub const MAX_IDS_PER_SAMPLE: usize = 512;

/// Rate window (one minute) and logon-failure window (ten minutes).
pub const RATE_WINDOW_MS: i64 = 60_000;
pub const LOGIN_WINDOW_MS: i64 = 600_000;

/// First and last time, count and the earliest evidence of something seen on an API.
#[derive(Debug, Clone, Default)]
pub struct Agg {
    pub first_ms: i64,
    pub last_ms: i64,
    pub count: u64,
    pub evidence: String,
}

impl Agg {
    fn new(t: i64, evidence: String) -> Self {
        Agg {
            first_ms: t,
            last_ms: t,
            count: 1,
            evidence,
        }
    }
    fn add(&mut self, t: i64, evidence: &str) {
        self.add_with(t, || evidence.to_string())
    }
    /// [`Agg::add`] that makes the evidence only when it may replace the kept one (the input
    /// is mostly in time order, so nearly never).
    fn add_with(&mut self, t: i64, evidence: impl FnOnce() -> String) {
        if t <= self.first_ms {
            let evidence = evidence();
            if t < self.first_ms || evidence < self.evidence {
                self.evidence = evidence;
            }
        }
        self.first_ms = self.first_ms.min(t);
        self.last_ms = self.last_ms.max(t);
        self.count += 1;
    }
    fn merge(&mut self, o: Agg) {
        if o.first_ms < self.first_ms || (o.first_ms == self.first_ms && o.evidence < self.evidence)
        {
            self.evidence = o.evidence;
        }
        self.first_ms = self.first_ms.min(o.first_ms);
        self.last_ms = self.last_ms.max(o.last_ms);
        self.count += o.count;
    }
    pub fn verdict(&self) -> Verdict {
        Verdict {
            evidence: self.evidence.clone(),
            first_ms: self.first_ms,
            last_ms: self.last_ms,
            hits: self.count,
        }
    }
}

/// A counter over fixed time windows that remembers the busiest window not answered by a
/// restriction (429, WAF block, CAPTCHA, lockout).
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub start: i64,
    pub count: u32,
    pub restricted: bool,
    /// Busiest unrestricted window so far: count and start.
    pub peak: u32,
    pub peak_at: i64,
}

impl Window {
    fn add(&mut self, t: i64, size: i64, restricted: bool) {
        let start = t.div_euclid(size) * size;
        if self.count > 0 && start != self.start {
            if start < self.start {
                // Out-of-order record: count it in a window of its own.
                let mut w = Window {
                    start,
                    count: 1,
                    restricted,
                    ..Default::default()
                };
                w.close();
                self.absorb_peak(&w);
                return;
            }
            self.close();
            self.count = 0;
            self.restricted = false;
        }
        self.start = start;
        self.count += 1;
        self.restricted |= restricted;
    }
    fn close(&mut self) {
        if !self.restricted && self.count > self.peak {
            self.peak = self.count;
            self.peak_at = self.start;
        }
    }
    fn absorb_peak(&mut self, o: &Window) {
        if o.peak > self.peak {
            self.peak = o.peak;
            self.peak_at = o.peak_at;
        }
    }
    fn merge(&mut self, mut o: Window) {
        if o.count > 0 && self.count > 0 && o.start == self.start {
            self.count += o.count;
            self.restricted |= o.restricted;
            o.count = 0;
        } else if o.count > 0 && (self.count == 0 || o.start > self.start) {
            self.close();
            self.start = o.start;
            self.count = o.count;
            self.restricted = o.restricted;
        } else {
            o.close();
        }
        self.absorb_peak(&o);
    }
    /// The busiest unrestricted window, the current one included.
    pub fn best(&self) -> (u32, i64) {
        let mut w = self.clone();
        w.close();
        (w.peak, w.peak_at)
    }
}

#[derive(Debug, Clone, Default)]
pub struct IpStat {
    pub rate: Window,
    pub login_failures: Window,
    /// Calls from this address and where it is (its first location).
    pub calls: u64,
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Default)]
pub struct Share {
    pub calls: u64,
    /// Calls answered 2xx.
    pub ok: u64,
    /// First call (any status).
    pub first_ms: Option<i64>,
    /// First 2xx call with its evidence.
    pub first: Option<(i64, String)>,
}

impl Share {
    fn add(&mut self, ok: bool, t: i64, evidence: impl FnOnce() -> String) {
        self.calls += 1;
        self.first_ms = Some(self.first_ms.map_or(t, |f| f.min(t)));
        if ok {
            self.ok += 1;
            if self.first.as_ref().is_none_or(|(ft, _)| t < *ft) {
                self.first = Some((t, evidence()));
            }
        }
    }
    fn merge(&mut self, o: Share) {
        self.calls += o.calls;
        self.ok += o.ok;
        self.first_ms = match (self.first_ms, o.first_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some((t, e)) = o.first {
            if self.first.as_ref().is_none_or(|(ft, _)| t < *ft) {
                self.first = Some((t, e));
            }
        }
    }
}

/// Logon attempts on an API.
#[derive(Debug, Clone, Default)]
pub struct LoginStat {
    pub attempts: u64,
    pub failures: u64,
    /// Failure reasons seen, each with its first evidence.
    pub reasons: HashMap<u8, Agg>,
}

/// Everything kept about one API.
#[derive(Debug, Clone, Default)]
pub struct ApiState {
    pub hits: HashMap<&'static str, Agg>,
    pub calls: u64,
    pub authenticated_calls: u64,
    /// 2xx calls from public (non-internal) client addresses.
    pub public_ok: Agg,
    pub ips: HashMap<IpAddr, IpStat>,
    pub locations: HashMap<Location, Share>,
    pub tools: HashMap<ToolKind, Share>,
    pub login: LoginStat,
    /// Found by a borrowed [`IdKey`]: most exchanges of an API carry an id.
    pub ids: hashbrown::HashMap<(String, IpAddr), BTreeSet<u64>, foldhash::fast::RandomState>,
    pub custom: HashMap<u32, Agg>,
}

impl ApiState {
    /// The default judgement: the API was hit under `key`.
    pub fn verdict(&self, key: &str) -> Option<Verdict> {
        self.hits.get(key).map(Agg::verdict)
    }

    /// Share of calls that carried a credential.
    pub fn authenticated_share(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.authenticated_calls as f64 / self.calls as f64
        }
    }

    fn absorb(&mut self, f: &ExchangeFacts) {
        let t = f.time_ms;
        let s = &f.risk;
        let ok = (200..300).contains(&f.status);
        self.calls += 1;
        if s.obs.authenticated {
            self.authenticated_calls += 1;
        }
        for h in &s.hits {
            match self.hits.get_mut(h.key) {
                Some(a) => a.add(t, &h.evidence),
                None => {
                    self.hits.insert(h.key, Agg::new(t, h.evidence.clone()));
                }
            }
        }
        for (rule, ev) in &s.obs.custom {
            match self.custom.get_mut(rule) {
                Some(a) => a.add(t, ev),
                None => {
                    self.custom.insert(*rule, Agg::new(t, ev.clone()));
                }
            }
        }
        if ok && !is_internal_ip(&f.client_ip) {
            let ev = || {
                format!(
                    "{} from public address {}",
                    s.obs.line,
                    mask_ip(&f.client_ip)
                )
            };
            if self.public_ok.count == 0 {
                self.public_ok = Agg::new(t, ev());
            } else {
                self.public_ok.add_with(t, ev);
            }
        }
        let line = &s.obs.line;
        self.locations
            .entry(f.client.location)
            .or_default()
            .add(ok, t, || {
                format!(
                    "{line} from {} ({})",
                    f.client.location.code(),
                    mask_ip(&f.client_ip)
                )
            });
        self.tools
            .entry(f.client.tool.kind)
            .or_default()
            .add(ok, t, || {
                format!(
                    "{line} by {} ({})",
                    f.client.tool.family,
                    mask_ip(&f.client_ip)
                )
            });

        let tracked = self.ips.contains_key(&f.client_ip) || self.ips.len() < MAX_IPS_PER_API;
        if tracked {
            let ip = self.ips.entry(f.client_ip).or_default();
            ip.calls += 1;
            ip.location.get_or_insert(f.client.location);
            ip.rate.add(t, RATE_WINDOW_MS, s.obs.blocked);
            if let Some(l) = &s.obs.login {
                if l.failed || l.restricted {
                    ip.login_failures.add(t, LOGIN_WINDOW_MS, l.restricted);
                }
            }
        }
        if let Some(l) = &s.obs.login {
            self.login.attempts += 1;
            if l.failed {
                self.login.failures += 1;
            }
            if let Some(r) = l.reason {
                match self.login.reasons.get_mut(&(r as u8)) {
                    Some(a) => a.add(t, &l.evidence),
                    None => {
                        let first = Agg::new(t, l.evidence.clone());
                        self.login.reasons.insert(r as u8, first);
                    }
                }
            }
        }
        for (param, v) in &s.obs.ids {
            let key = IdKey(param, f.client_ip);
            if !self.ids.contains_key(&key) && self.ids.len() >= MAX_ID_SAMPLES {
                continue;
            }
            let set = self.ids.entry_ref(&key).or_default();
            if set.len() < MAX_IDS_PER_SAMPLE {
                set.insert(*v);
            }
        }
    }

    fn merge(&mut self, o: ApiState) {
        for (k, a) in o.hits {
            match self.hits.get_mut(k) {
                Some(m) => m.merge(a),
                None => {
                    self.hits.insert(k, a);
                }
            }
        }
        for (k, a) in o.custom {
            match self.custom.get_mut(&k) {
                Some(m) => m.merge(a),
                None => {
                    self.custom.insert(k, a);
                }
            }
        }
        self.calls += o.calls;
        self.authenticated_calls += o.authenticated_calls;
        if o.public_ok.count > 0 {
            if self.public_ok.count == 0 {
                self.public_ok = o.public_ok;
            } else {
                self.public_ok.merge(o.public_ok);
            }
        }
        for (ip, st) in o.ips {
            if let Some(m) = self.ips.get_mut(&ip) {
                m.rate.merge(st.rate);
                m.login_failures.merge(st.login_failures);
                m.calls += st.calls;
                if m.location.is_none() {
                    m.location = st.location;
                }
            } else if self.ips.len() < MAX_IPS_PER_API {
                self.ips.insert(ip, st);
            }
        }
        for (k, s) in o.locations {
            self.locations.entry(k).or_default().merge(s);
        }
        for (k, s) in o.tools {
            self.tools.entry(k).or_default().merge(s);
        }
        self.login.attempts += o.login.attempts;
        self.login.failures += o.login.failures;
        for (k, a) in o.login.reasons {
            match self.login.reasons.get_mut(&k) {
                Some(m) => m.merge(a),
                None => {
                    self.login.reasons.insert(k, a);
                }
            }
        }
        for (k, set) in o.ids {
            if !self.ids.contains_key(&k) && self.ids.len() >= MAX_ID_SAMPLES {
                continue;
            }
            let mine = self.ids.entry(k).or_default();
            for v in set {
                if mine.len() >= MAX_IDS_PER_SAMPLE {
                    break;
                }
                mine.insert(v);
            }
        }
    }
}

/// `203.0.113.x`-style masking of client addresses in evidence.
pub fn mask_ip(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.x", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::x", s[0], s[1], s[2])
        }
    }
}

/// Risk state folded over exchanges.
#[derive(Debug, Default)]
pub struct RiskState {
    apis: HashMap<ApiKey, ApiState>,
    rules: Option<Arc<CompiledRiskRules>>,
}

impl RiskState {
    /// A state that also judges the API conditions of custom rules (the exchange conditions
    /// run in [`super::signals_with`] with the same rules).
    pub fn with_rules(rules: Arc<CompiledRiskRules>) -> Self {
        RiskState {
            apis: HashMap::new(),
            rules: Some(rules),
        }
    }

    pub fn absorb(&mut self, f: &ExchangeFacts) {
        crate::facts::slot(&mut self.apis, &f.api, ApiState::default).absorb(f);
    }

    pub fn merge(&mut self, other: RiskState) {
        if self.rules.is_none() {
            self.rules = other.rules;
        }
        for (k, st) in other.apis {
            match self.apis.get_mut(&k) {
                Some(m) => m.merge(st),
                None => {
                    self.apis.insert(k, st);
                }
            }
        }
    }

    /// Judges every API: one finding per (API, risk key), plus one per matching custom rule.
    /// Sorted by API then key.
    pub fn finish(self, apis: &[ApiSummary]) -> Vec<RiskFinding> {
        let empty = ApiState::default();
        let mut out = Vec::new();
        for api in apis {
            let st = self.apis.get(&api.key).unwrap_or(&empty);
            for d in registry() {
                if let Some(v) = d.judge(api, st) {
                    out.push(RiskFinding {
                        key: d.key().to_string(),
                        level: super::level(d.key()),
                        api: api.key.clone(),
                        evidence: v.evidence,
                        first_ms: v.first_ms,
                        last_ms: v.last_ms,
                        hits: v.hits,
                        rule: None,
                        suggestion: None,
                    });
                }
            }
            if let Some(rules) = &self.rules {
                out.extend(rules.judge(api, st));
            }
        }
        out.sort_by(|a, b| (&a.api, &a.key, &a.rule).cmp(&(&b.api, &b.key, &b.rule)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A borrowed key finds the entry its owned form made (same hash, same equality).
    #[test]
    fn borrowed_id_keys_find_owned_entries() {
        let mut st = ApiState::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        st.ids
            .entry_ref(&IdKey("query.id", ip))
            .or_default()
            .insert(1);
        st.ids
            .entry_ref(&IdKey("query.id", ip))
            .or_default()
            .insert(2);
        assert_eq!(st.ids.len(), 1);
        assert!(st.ids.contains_key(&IdKey("query.id", ip)));
        assert!(!st.ids.contains_key(&IdKey("query.uid", ip)));
        assert_eq!(st.ids[&("query.id".to_string(), ip)].len(), 2);
    }
}
