//! Per-API risk state folded from exchange facts. Everything here merges (shard A + shard B =
//! both together) and is bounded per API and over all APIs: per-IP windows
//! ([`MAX_TRACKED_IPS`]: a large public site's many APIs each see far more than 100,000
//! addresses a month) and identifier samples ([`MAX_ID_VALUES`]).

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
/// Most (API, address) windows tracked over all APIs (~120 bytes each). When a new address
/// would pass it, the quietest quarter of the addresses of the API with the most of them is
/// retired ([`RetiredIps`]).
pub const MAX_TRACKED_IPS: usize = 500_000;
/// Most (parameter, client) identifier samples per API, and values per sample.
pub const MAX_ID_SAMPLES: usize = 2_048;
pub const MAX_IDS_PER_SAMPLE: usize = 512;
/// Most identifier values held over all APIs (a million per API at most; ~20 bytes each).
/// Past it, the quarter of the samples with the fewest values of the API with the most values
/// is retired, keeping its longest walk ([`Walk`]).
pub const MAX_ID_VALUES: usize = 2_000_000;

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

/// What the addresses retired from [`ApiState::ips`] under [`MAX_TRACKED_IPS`] leave behind:
/// enough for every judgement that reads the addresses to come out as if they were still there.
/// The quietest addresses go, so their windows are rarely the busiest, but those are kept too.
#[derive(Debug, Clone, Default)]
pub struct RetiredIps {
    pub addresses: u64,
    pub calls: u64,
    pub by_location: HashMap<Location, u64>,
    /// Busiest unrestricted minute and logon-failure window among them, with the address.
    pub rate: Option<Peak>,
    pub login_failures: Option<Peak>,
}

/// A window's count, its start and the address: the busiest is the highest count, then the
/// earliest, then the lowest address (what the detectors report, whatever the input's order).
pub type Peak = (u32, i64, IpAddr);

fn busier(p: Peak, than: Option<Peak>) -> bool {
    than.is_none_or(|(n, at, ip)| p.0 > n || (p.0 == n && (p.1, p.2) < (at, ip)))
}

fn keep_busier(best: &mut Option<Peak>, p: Option<Peak>) {
    if let Some(p) = p.filter(|p| busier(*p, *best)) {
        *best = Some(p);
    }
}

impl RetiredIps {
    fn add(&mut self, ip: IpAddr, s: &IpStat) {
        self.addresses += 1;
        self.calls += s.calls;
        if let Some(l) = s.location {
            *self.by_location.entry(l).or_default() += 1;
        }
        keep_busier(&mut self.rate, Some(peak(ip, &s.rate)));
        keep_busier(&mut self.login_failures, Some(peak(ip, &s.login_failures)));
    }
    fn merge(&mut self, o: RetiredIps) {
        self.addresses += o.addresses;
        self.calls += o.calls;
        for (l, n) in o.by_location {
            *self.by_location.entry(l).or_default() += n;
        }
        keep_busier(&mut self.rate, o.rate);
        keep_busier(&mut self.login_failures, o.login_failures);
    }
}

fn peak(ip: IpAddr, w: &Window) -> Peak {
    let (n, at) = w.best();
    (n, at, ip)
}

/// One client's walk through consecutive identifier values: the longest run, the parameter,
/// and the lowest and highest value of the sample. The longest walk is the longest run, then
/// the first parameter, then the lowest values (whatever the input's order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    pub run: usize,
    pub param: String,
    pub lo: u64,
    pub hi: u64,
}

impl Walk {
    fn of(param: &str, values: &BTreeSet<u64>) -> Walk {
        Walk {
            run: super::detectors::longest_run(values),
            param: param.to_string(),
            lo: values.first().copied().unwrap_or(0),
            hi: values.last().copied().unwrap_or(0),
        }
    }

    fn longer_than(&self, o: &Option<Walk>) -> bool {
        o.as_ref().is_none_or(|o| {
            (self.run, std::cmp::Reverse((&self.param, self.lo, self.hi)))
                > (o.run, std::cmp::Reverse((&o.param, o.lo, o.hi)))
        })
    }
}

/// What one call adds to its address's windows.
struct IpCall {
    ip: IpAddr,
    t: i64,
    location: Location,
    /// Refused by a 429 or a WAF block.
    blocked: bool,
    /// A failed or restricted logon: `Some(restricted)`.
    login_failure: Option<bool>,
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
    /// Per-address windows; read them through [`ApiState::addresses`] and the other
    /// accessors, which count the [`RetiredIps`] too.
    pub ips: HashMap<IpAddr, IpStat>,
    pub retired: RetiredIps,
    pub locations: HashMap<Location, Share>,
    pub tools: HashMap<ToolKind, Share>,
    pub login: LoginStat,
    /// Found by a borrowed [`IdKey`]: most exchanges of an API carry an id. Read the walks
    /// through [`ApiState::longest_walk`], which counts retired samples too.
    pub ids: hashbrown::HashMap<(String, IpAddr), BTreeSet<u64>, foldhash::fast::RandomState>,
    /// Values held in `ids`, and the longest walk of the samples retired under
    /// [`MAX_ID_VALUES`].
    pub id_values: usize,
    pub retired_walk: Option<Walk>,
    pub custom: HashMap<u32, Agg>,
}

impl ApiState {
    /// The default judgement: the API was hit under `key`.
    pub fn verdict(&self, key: &str) -> Option<Verdict> {
        self.hits.get(key).map(Agg::verdict)
    }

    /// Addresses seen, retired ones included (those that came while [`MAX_IPS_PER_API`] were
    /// tracked are not counted).
    pub fn addresses(&self) -> u64 {
        self.ips.len() as u64 + self.retired.addresses
    }

    /// Addresses first seen at `location`, retired ones included.
    pub fn addresses_at(&self, location: Location) -> u64 {
        let tracked = self.ips.values().filter(|ip| ip.location == Some(location));
        tracked.count() as u64
            + self
                .retired
                .by_location
                .get(&location)
                .copied()
                .unwrap_or(0)
    }

    /// Calls per address, over the addresses counted by [`ApiState::addresses`].
    pub fn calls_per_address(&self) -> f64 {
        let tracked: u64 = self.ips.values().map(|ip| ip.calls).sum();
        (tracked + self.retired.calls) as f64 / self.addresses().max(1) as f64
    }

    /// The busiest unrestricted one-minute window of any address.
    pub fn busiest_rate(&self) -> Option<Peak> {
        self.busiest(|s| &s.rate, self.retired.rate)
    }

    /// The busiest unrestricted ten-minute logon-failure window of any address.
    pub fn busiest_login_failures(&self) -> Option<Peak> {
        self.busiest(|s| &s.login_failures, self.retired.login_failures)
    }

    fn busiest(&self, window: impl Fn(&IpStat) -> &Window, retired: Option<Peak>) -> Option<Peak> {
        let mut best = retired;
        for (ip, s) in &self.ips {
            keep_busier(&mut best, Some(peak(*ip, window(s))));
        }
        best
    }

    /// Counts a call in its address's windows; true when the address is newly tracked.
    fn track_ip(&mut self, c: &IpCall) -> bool {
        let tracked = self.ips.len();
        if !self.ips.contains_key(&c.ip) && tracked >= MAX_IPS_PER_API {
            return false;
        }
        let ip = self.ips.entry(c.ip).or_default();
        ip.calls += 1;
        ip.location.get_or_insert(c.location);
        ip.rate.add(c.t, RATE_WINDOW_MS, c.blocked);
        if let Some(restricted) = c.login_failure {
            ip.login_failures.add(c.t, LOGIN_WINDOW_MS, restricted);
        }
        self.ips.len() > tracked
    }

    /// Retires the quietest quarter of the addresses (fewest calls, then lowest address);
    /// returns how many went.
    fn retire_quietest(&mut self) -> usize {
        let mut order: Vec<(u64, IpAddr)> = self.ips.iter().map(|(ip, s)| (s.calls, *ip)).collect();
        order.sort_unstable();
        let n = (order.len() / 4).max(1).min(order.len());
        for (_, ip) in &order[..n] {
            if let Some(s) = self.ips.remove(ip) {
                self.retired.add(*ip, &s);
            }
        }
        n
    }

    /// The longest walk of any client through an identifier, retired samples included.
    pub fn longest_walk(&self) -> Option<Walk> {
        let mut best = self.retired_walk.clone();
        for ((param, _), values) in &self.ids {
            let w = Walk::of(param, values);
            if w.longer_than(&best) {
                best = Some(w);
            }
        }
        best
    }

    /// Adds a call's identifier values to its client's samples; returns how many were new.
    fn add_ids(&mut self, ip: IpAddr, ids: &[(String, u64)]) -> usize {
        let before = self.id_values;
        for (param, v) in ids {
            let key = IdKey(param, ip);
            if !self.ids.contains_key(&key) && self.ids.len() >= MAX_ID_SAMPLES {
                continue;
            }
            let set = self.ids.entry_ref(&key).or_default();
            if set.len() < MAX_IDS_PER_SAMPLE && set.insert(*v) {
                self.id_values += 1;
            }
        }
        self.id_values - before
    }

    /// Retires the quarter of the identifier samples with the fewest values (then the lowest
    /// key), keeping the longest walk among them; returns how many values went.
    fn retire_smallest_samples(&mut self) -> usize {
        let mut order: Vec<(usize, &(String, IpAddr))> =
            self.ids.iter().map(|(k, v)| (v.len(), k)).collect();
        order.sort_unstable();
        let n = (order.len() / 4).max(1).min(order.len());
        let keys: Vec<(String, IpAddr)> = order[..n].iter().map(|(_, k)| (*k).clone()).collect();
        let mut removed = 0;
        for key in keys {
            if let Some(values) = self.ids.remove(&key) {
                removed += values.len();
                let w = Walk::of(&key.0, &values);
                if w.longer_than(&self.retired_walk) {
                    self.retired_walk = Some(w);
                }
            }
        }
        self.id_values -= removed;
        removed
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
        self.retired.merge(o.retired);
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
                if mine.insert(v) {
                    self.id_values += 1;
                }
            }
        }
        if let Some(w) = o.retired_walk.filter(|w| w.longer_than(&self.retired_walk)) {
            self.retired_walk = Some(w);
        }
    }
}

/// The global budgets' one mechanism: while `total` is above `limit`, `retire` some of what the
/// API holding the most of it (`held`; ties: the greatest key) holds, and subtract what went.
/// The choice depends only on the input's order, so the results do not depend on the thread
/// count.
fn retire_until(
    apis: &mut HashMap<ApiKey, ApiState>,
    total: &mut usize,
    limit: usize,
    held: impl Fn(&ApiState) -> usize,
    retire: impl Fn(&mut ApiState) -> usize,
) {
    while *total > limit {
        let largest = apis
            .iter_mut()
            .filter(|(_, st)| held(st) > 0)
            .max_by(|(ka, a), (kb, b)| held(a).cmp(&held(b)).then_with(|| ka.cmp(kb)));
        match largest {
            Some((_, st)) => *total -= retire(st),
            None => return,
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
#[derive(Debug)]
pub struct RiskState {
    apis: HashMap<ApiKey, ApiState>,
    rules: Option<Arc<CompiledRiskRules>>,
    /// (API, address) windows held now, and the most held ([`MAX_TRACKED_IPS`]).
    tracked_ips: usize,
    ip_budget: usize,
    /// Identifier values held now, and the most held ([`MAX_ID_VALUES`]).
    id_values: usize,
    id_budget: usize,
}

impl Default for RiskState {
    fn default() -> Self {
        RiskState {
            apis: HashMap::new(),
            rules: None,
            tracked_ips: 0,
            ip_budget: MAX_TRACKED_IPS,
            id_values: 0,
            id_budget: MAX_ID_VALUES,
        }
    }
}

impl RiskState {
    /// A state that also judges the API conditions of custom rules (the exchange conditions
    /// run in [`super::signals_with`] with the same rules).
    pub fn with_rules(rules: Arc<CompiledRiskRules>) -> Self {
        RiskState {
            rules: Some(rules),
            ..Default::default()
        }
    }

    /// This state with another global budget of (API, address) windows.
    pub fn with_ip_budget(mut self, budget: usize) -> Self {
        self.ip_budget = budget.max(1);
        self
    }

    /// (API, address) windows held now.
    pub fn tracked_ips(&self) -> usize {
        self.tracked_ips
    }

    /// This state with another global budget of identifier values.
    pub fn with_id_budget(mut self, budget: usize) -> Self {
        self.id_budget = budget.max(1);
        self
    }

    /// Identifier values held now.
    pub fn id_values(&self) -> usize {
        self.id_values
    }

    pub fn absorb(&mut self, f: &ExchangeFacts) {
        let obs = &f.risk.obs;
        let call = IpCall {
            ip: f.client_ip,
            t: f.time_ms,
            location: f.client.location,
            blocked: obs.blocked,
            login_failure: obs
                .login
                .as_ref()
                .filter(|l| l.failed || l.restricted)
                .map(|l| l.restricted),
        };
        let st = self.track(&f.api, &call);
        st.absorb(f);
        let added = st.add_ids(f.client_ip, &obs.ids);
        self.count_ids(added);
    }

    /// Counts `added` identifier values; past the budget, retires the smallest samples of the
    /// APIs with the most values until the budget holds.
    fn count_ids(&mut self, added: usize) {
        self.id_values += added;
        retire_until(
            &mut self.apis,
            &mut self.id_values,
            self.id_budget,
            |st| st.id_values,
            ApiState::retire_smallest_samples,
        );
    }

    /// Counts `call` in the API's address windows, within the global budget.
    fn track(&mut self, api: &ApiKey, call: &IpCall) -> &mut ApiState {
        if self.tracked_ips >= self.ip_budget {
            let new = self
                .apis
                .get(api)
                .is_none_or(|st| !st.ips.contains_key(&call.ip) && st.ips.len() < MAX_IPS_PER_API);
            if new {
                self.make_room(self.ip_budget - 1);
            }
        }
        let st = crate::facts::slot(&mut self.apis, api, ApiState::default);
        if st.track_ip(call) {
            self.tracked_ips += 1;
        }
        st
    }

    /// Retires the quietest addresses of the APIs with the most of them until at most `limit`
    /// are tracked.
    fn make_room(&mut self, limit: usize) {
        retire_until(
            &mut self.apis,
            &mut self.tracked_ips,
            limit,
            |st| st.ips.len(),
            ApiState::retire_quietest,
        );
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
        self.tracked_ips = self.apis.values().map(|st| st.ips.len()).sum();
        self.make_room(self.ip_budget);
        self.id_values = 0;
        self.count_ids(self.apis.values().map(|st| st.id_values).sum());
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

    fn api(path: &str) -> ApiKey {
        ApiKey {
            host: "shop.example.com".into(),
            method: "GET".into(),
            path: path.into(),
        }
    }

    fn call(ip: &str, t: i64) -> IpCall {
        IpCall {
            ip: ip.parse().unwrap(),
            t,
            location: Location::Unknown,
            blocked: false,
            login_failure: None,
        }
    }

    /// Past the global budget the quietest addresses of the busiest API make room; what the
    /// judgements read (address counts, calls per address, the busiest windows) stays as if
    /// every address were still tracked.
    #[test]
    fn the_address_budget_retires_the_quietest_and_keeps_their_marks() {
        let minute = RATE_WINDOW_MS;
        let (a, b) = (api("/a"), api("/b"));
        let mut st = RiskState::default().with_ip_budget(8);
        // A quiet address with the busiest minute: 3 calls at once.
        for _ in 0..3 {
            st.track(&a, &call("198.51.100.1", 0));
        }
        // Six addresses with more calls, spread one per minute.
        for i in 2..8 {
            for m in 0..5 {
                st.track(&a, &call(&format!("198.51.100.{i}"), m * minute));
            }
        }
        st.track(&b, &call("203.0.113.1", 0));
        assert_eq!(st.tracked_ips(), 8);
        // The ninth address: /a (the API with most addresses) retires its quietest quarter.
        st.track(&b, &call("203.0.113.2", 0));
        let sa = &st.apis[&a];
        assert!(st.tracked_ips() <= 8);
        assert!(!sa.ips.contains_key(&"198.51.100.1".parse().unwrap()));
        assert_eq!(sa.retired.addresses, 1);
        assert_eq!(sa.addresses(), 7, "retired addresses still count");
        assert_eq!(sa.calls_per_address(), 33.0 / 7.0);
        assert_eq!(
            sa.busiest_rate(),
            Some((3, 0, "198.51.100.1".parse().unwrap())),
            "the retired address's busy minute is kept"
        );
        assert_eq!(st.apis[&b].addresses(), 2);

        // Merging two states keeps the sum within the budget.
        let mut other = RiskState::default().with_ip_budget(8);
        for i in 10..16 {
            other.track(&b, &call(&format!("203.0.113.{i}"), 0));
        }
        st.merge(other);
        assert!(st.tracked_ips() <= 8);
        assert_eq!(
            st.tracked_ips(),
            st.apis.values().map(|s| s.ips.len()).sum::<usize>()
        );
        let total: u64 = st.apis.values().map(ApiState::addresses).sum();
        assert_eq!(total, 7 + 2 + 6, "every address counted once");
    }

    /// Past the identifier budget the smallest samples of the API with the most values go;
    /// the walk that matters survives, and a retired sample's walk is still the longest when
    /// it was.
    #[test]
    fn the_identifier_budget_retires_small_samples_and_keeps_their_walks() {
        let a = api("/orders/{id}");
        let mut st = RiskState::default().with_id_budget(30);
        let add = |st: &mut RiskState, ip: &str, values: &[u64]| {
            let ids: Vec<(String, u64)> =
                values.iter().map(|v| ("path.id".to_string(), *v)).collect();
            let added = st
                .track(&a, &call(ip, 0))
                .add_ids(ip.parse().unwrap(), &ids);
            st.count_ids(added);
        };
        add(&mut st, "198.51.100.1", &[5, 6, 7]); // a short walk, the smallest sample
        for i in 2..6 {
            add(
                &mut st,
                &format!("198.51.100.{i}"),
                &[100 * i, 100 * i + 50, 100 * i + 90, 100 * i + 95],
            );
        }
        assert_eq!(st.id_values(), 19);
        assert_eq!(st.apis[&a].longest_walk().unwrap().run, 3);
        // A walker of 12 consecutive values passes the budget (31 > 30).
        add(&mut st, "203.0.113.9", &(1000..1012).collect::<Vec<_>>());
        let sa = &st.apis[&a];
        assert!(st.id_values() <= 30);
        assert_eq!(
            st.id_values(),
            sa.ids.values().map(BTreeSet::len).sum::<usize>()
        );
        assert_eq!(sa.id_values, st.id_values());
        assert!(!sa
            .ids
            .contains_key(&("path.id".to_string(), "198.51.100.1".parse().unwrap())));
        assert_eq!(
            sa.retired_walk,
            Some(Walk {
                run: 3,
                param: "path.id".into(),
                lo: 5,
                hi: 7
            })
        );
        let w = sa.longest_walk().unwrap();
        assert_eq!((w.run, w.lo, w.hi), (12, 1000, 1011), "the walker is kept");

        // Merging brings the sum back within the budget.
        let mut other = RiskState::default().with_id_budget(30);
        add(&mut other, "192.0.2.1", &(1..=20).collect::<Vec<_>>());
        st.merge(other);
        assert!(st.id_values() <= 30);
        assert_eq!(st.apis[&a].longest_walk().unwrap().run, 20);
    }

    /// Under the budget nothing is retired and the busiest window is the tracked one's.
    #[test]
    fn below_the_budget_every_address_is_tracked() {
        let a = api("/a");
        let mut st = RiskState::default();
        for i in 0..100 {
            st.track(&a, &call(&format!("10.0.0.{i}"), i64::from(i) * 1000));
        }
        for _ in 0..5 {
            st.track(&a, &call("10.0.0.7", 30_000));
        }
        assert_eq!(st.tracked_ips(), 100);
        assert_eq!(st.apis[&a].retired.addresses, 0);
        assert_eq!(
            st.apis[&a].busiest_rate(),
            Some((6, 0, "10.0.0.7".parse().unwrap()))
        );
    }
}
