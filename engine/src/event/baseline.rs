//! Per-API baselines: per-minute call rate per source, sources and their locations, access
//! tools, hours of day and parameter value shapes, learned from history.
//!
//! **Learning.** The first `baseline_days` (default 7) of the monitoring are the learning period
//! of every API first called within them (a later API learns from its own first call);
//! observations after it are judged against it. When the API's data spans less
//! than the window (a short log, a new API), the *fallback* judges each source against every
//! other source of the same API over the same data ("leave one source out"). Either way, an API is
//! judged only once its reference holds enough calls from enough sources:
//! [`MIN_INTERNAL_REF_CALLS`] from [`MIN_INTERNAL_REF_SUBJECTS`] for the location and address
//! of internal APIs, [`MIN_TESTED_REF_CALLS`] from [`MIN_REF_SUBJECTS`] for the judgements with
//! their own margin (rate, time), and [`MIN_REF_CALLS`] for the share-based ones (tools,
//! parameter shapes): a new API has no baseline and raises no baseline event.
//!
//! Memory is bounded: per (API, source) a few fixed-size histograms, at most
//! [`MAX_SUBJECTS_PER_API`] sources per API (later sources count in the API's totals only) and
//! at most [`MAX_SUBJECTS`] (API, source) pairs over all APIs, whatever the input size. When a
//! new source would pass the global budget, the least active quarter of the sources of the API
//! with the most sources is *retired*: their learning period is added to the API's reference
//! (so every call still counts in the baseline) and their own statistics are dropped: the
//! quietest sources go, and every baseline event needs several calls of its source.

use super::describe::Facts;
use super::shape::Shape;
use super::signals::MAX_SHAPES;
use super::window::SubjectKey;
use super::Draft;
use crate::facts::{ApiKey, ApiSummary, Location, ServiceObject, ToolKind};
#[allow(unused_imports)]
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;
use std::sync::Arc;

pub const MAX_SUBJECTS_PER_API: usize = 20_000;
/// (API, source) statistics kept at most over all APIs (1 to 3 KB each).
pub const MAX_SUBJECTS: usize = 150_000;
/// Network prefixes of retired sources remembered per API (internal-IP judgement).
const MAX_RETIRED_PREFIXES: usize = 4_096;
/// Reference size for the share-based judgements (tools, parameter shapes): a share under 1%
/// means something only over 100 calls or more.
pub const MIN_REF_CALLS: u64 = 100;
/// Reference size for the judgements that carry their own margin (rate: an absolute floor and
/// the reference's maximum while it is short; time: a binomial test).
pub const MIN_TESTED_REF_CALLS: u64 = 20;
pub const MIN_REF_SUBJECTS: u64 = 5;
/// Reference of an internal API (office, back office) for its location and address judgements:
/// such APIs see a few calls a day from a handful of staff, and any address outside the blocks
/// they use, or any location they never call from, is what the judgement is about.
pub const MIN_INTERNAL_REF_CALLS: u64 = 10;
pub const MIN_INTERNAL_REF_SUBJECTS: u64 = 3;
/// Source-minutes the reference needs before its 99th percentile is used; below, its maximum.
const MIN_MINUTES_FOR_P99: i64 = 100;
/// A source-minute with at least this many calls can be part of a high-frequency event.
pub const HOT_FLOOR: u32 = 30;
/// The candidate's peak minute must exceed this multiple of the reference's 99th percentile.
pub const RATE_MARGIN: u32 = 3;
/// How improbable a source's behaviour must be under the reference distribution.
const SURPRISE_P_VALUE: f64 = 1e-3;
/// Hot minutes closer than this form one run.
const RUN_GAP_MS: i64 = 10 * 60_000;
const MAX_FIELDS: usize = 64;
const MAX_SHAPES_PER_SUBJECT: usize = 24;
const BUCKETS: usize = 12;

fn bucket(c: u32) -> usize {
    if c <= 1 {
        0
    } else {
        ((32 - (c - 1).leading_zeros()) as usize).min(BUCKETS - 1)
    }
}
fn bucket_upper(b: usize) -> u64 {
    1u64 << b
}

/// One period's statistics of one source. Fields in the order an exchange touches them
/// (`repr(C)`; see [`SubjectStats`]).
#[derive(Debug, Clone, Default)]
#[repr(C)]
pub struct Period {
    pub calls: u64,
    pub first: i64,
    pub last: i64,
    tools: Vec<(String, ToolKind, u32)>,
    locs: Vec<(Location, u32)>,
    shapes: Vec<(u16, Shape, u32, String)>,
    /// Shared with the exchanges' signals: most sources make a few calls, and each would
    /// otherwise copy its samples.
    samples: Vec<Arc<str>>,
    hours: [u32; 24],
    /// Per-minute call counts, once a minute.
    hist: [u32; BUCKETS],
}

impl Period {
    fn touch(&mut self, t: i64) {
        if self.calls == 0 {
            self.first = t;
            self.last = t;
        }
        self.calls += 1;
        self.first = self.first.min(t);
        self.last = self.last.max(t);
    }
    fn merge(&mut self, o: Period) {
        if o.calls == 0 {
            return;
        }
        if self.calls == 0 {
            *self = o;
            return;
        }
        self.calls += o.calls;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        for i in 0..BUCKETS {
            self.hist[i] += o.hist[i];
        }
        for i in 0..24 {
            self.hours[i] += o.hours[i];
        }
        for (f, k, n) in o.tools {
            add_tool(&mut self.tools, &f, k, n);
        }
        for (l, n) in o.locs {
            add_loc(&mut self.locs, l, n);
        }
        for (f, s, n, ex) in o.shapes {
            add_shape(&mut self.shapes, f, s, n, &ex);
        }
        for s in o.samples {
            if self.samples.len() < 3 {
                self.samples.push(s);
            }
        }
    }
}

fn add_tool(v: &mut Vec<(String, ToolKind, u32)>, f: &str, k: ToolKind, n: u32) {
    if let Some(e) = v.iter_mut().find(|e| e.0 == f) {
        e.2 += n;
    } else if v.len() < 4 {
        v.push((f.to_string(), k, n));
    }
}
fn add_loc(v: &mut Vec<(Location, u32)>, l: Location, n: u32) {
    if let Some(e) = v.iter_mut().find(|e| e.0 == l) {
        e.1 += n;
    } else if v.len() < 3 {
        v.push((l, n));
    }
}
fn add_shape(v: &mut Vec<(u16, Shape, u32, String)>, f: u16, s: Shape, n: u32, ex: &str) {
    if let Some(e) = v.iter_mut().find(|e| e.0 == f && e.1 == s) {
        e.2 += n;
    } else if v.len() < MAX_SHAPES_PER_SUBJECT {
        v.push((f, s, n, ex.to_string()));
    }
}

#[derive(Debug, Clone)]
struct HotRun {
    start: i64,
    end: i64,
    calls: u64,
    peak: u32,
    learn: bool,
}

/// One source's statistics on one API. The current minute comes first (`repr(C)`): the
/// serial fold reads these for every exchange, mostly from outside the cache, so the fields
/// an exchange touches share as few cache lines as they can.
#[derive(Debug, Clone, Default)]
#[repr(C)]
pub struct SubjectStats {
    cur_min: i64,
    cur_n: u32,
    cur_learn: bool,
    learn: Period,
    judge: Period,
    runs: Vec<HotRun>,
}

impl SubjectStats {
    fn flush_minute(&mut self) {
        if self.cur_n == 0 {
            return;
        }
        let p = if self.cur_learn {
            &mut self.learn
        } else {
            &mut self.judge
        };
        p.hist[bucket(self.cur_n)] += 1;
        if self.cur_n >= HOT_FLOOR {
            let t = self.cur_min * 60_000;
            match self.runs.last_mut() {
                Some(r) if r.learn == self.cur_learn && t - r.end <= RUN_GAP_MS && t >= r.start => {
                    r.end = t + 59_999;
                    r.calls += self.cur_n as u64;
                    r.peak = r.peak.max(self.cur_n);
                }
                _ => {
                    if self.runs.len() >= 64 {
                        self.runs.remove(0);
                    }
                    self.runs.push(HotRun {
                        start: t,
                        end: t + 59_999,
                        calls: self.cur_n as u64,
                        peak: self.cur_n,
                        learn: self.cur_learn,
                    });
                }
            }
        }
        self.cur_n = 0;
    }
}

/// One observation for the baselines.
pub struct Obs<'a> {
    pub t: i64,
    pub tool: (&'a str, ToolKind),
    pub location: Location,
    pub shapes: &'a [(String, Shape, String)],
    pub sample: &'a Arc<str>,
}

#[derive(Debug, Default)]
pub struct ApiBase {
    first: i64,
    last: i64,
    calls: u64,
    /// Boxed: a growing map moves pointers, not statistics of 1 to 3 KB.
    subjects: HashMap<SubjectKey, Box<SubjectStats>>,
    fields: Vec<String>,
    /// Learning periods of retired sources, IP sources first, then accounts (see the module
    /// doc): part of every reference.
    retired: [Agg; 2],
    /// Network prefixes of retired IP sources seen in the learning period.
    retired_prefixes: HashSet<Vec<u8>>,
}

impl ApiBase {
    /// Retires the least active quarter of the sources (at least one); returns how many.
    /// Ties go by source, so the choice is the same whatever the thread count.
    fn retire_least_active(&mut self) -> usize {
        let mut by_activity: Vec<(u64, &SubjectKey)> = self
            .subjects
            .iter()
            .map(|(k, s)| (s.learn.calls + s.judge.calls, k))
            .collect();
        by_activity.sort_unstable();
        let n = (by_activity.len() / 4).max(1).min(by_activity.len());
        let retired: Vec<SubjectKey> = by_activity[..n].iter().map(|(_, k)| (*k).clone()).collect();
        for k in retired {
            let Some(mut s) = self.subjects.remove(&k) else {
                continue;
            };
            s.flush_minute();
            let accounts = matches!(k, SubjectKey::Account(_));
            self.retired[accounts as usize].apply(&s.learn, 1);
            if s.learn.calls > 0 && self.retired_prefixes.len() < MAX_RETIRED_PREFIXES {
                if let Some(p) = prefix(&k) {
                    self.retired_prefixes.insert(p);
                }
            }
        }
        n
    }
}

#[derive(Debug, Default)]
pub struct Baselines {
    pub window_ms: i64,
    /// The first observation of any API: the start of the monitoring.
    first: Option<i64>,
    apis: HashMap<ApiKey, ApiBase>,
    /// (API, source) pairs kept, and the most kept ([`MAX_SUBJECTS`] outside tests).
    subjects: usize,
    budget: usize,
}

impl Baselines {
    pub fn new(days: u32) -> Self {
        Self::with_budget(days, MAX_SUBJECTS)
    }

    /// [`Baselines::new`] with another global budget of (API, source) pairs.
    pub fn with_budget(days: u32, budget: usize) -> Self {
        Baselines {
            window_ms: days.max(1) as i64 * 86_400_000,
            first: None,
            apis: HashMap::new(),
            subjects: 0,
            budget: budget.max(1),
        }
    }

    /// (API, source) statistics kept now.
    pub fn subjects(&self) -> usize {
        self.subjects
    }

    /// Retires sources of the API with the most of them until the budget has room for one more.
    fn make_room(&mut self) {
        while self.subjects >= self.budget {
            let largest = self
                .apis
                .iter_mut()
                .filter(|(_, b)| !b.subjects.is_empty())
                .max_by(|(ka, a), (kb, b)| {
                    a.subjects
                        .len()
                        .cmp(&b.subjects.len())
                        .then_with(|| kb.cmp(ka))
                });
            match largest {
                Some((_, b)) => self.subjects -= b.retire_least_active(),
                None => return,
            }
        }
    }

    pub fn observe(&mut self, api: &ApiKey, subject: &SubjectKey, o: &Obs, full: bool) {
        let mut b = match self.apis.get_mut(api) {
            Some(b) => b,
            None => self.apis.entry(api.clone()).or_insert_with(|| ApiBase {
                first: o.t,
                last: o.t,
                ..Default::default()
            }),
        };
        b.calls += 1;
        b.first = b.first.min(o.t);
        b.last = b.last.max(o.t);
        let start = self.first.map_or(o.t, |f| f.min(o.t));
        self.first = Some(start);
        let learn = o.t < learning_start(start, b.first, self.window_ms) + self.window_ms;
        if !b.subjects.contains_key(subject) {
            if b.subjects.len() >= MAX_SUBJECTS_PER_API {
                return;
            }
            if self.subjects >= self.budget {
                self.make_room();
                b = self.apis.get_mut(api).expect("the API was just inserted");
            }
            self.subjects += 1;
        }
        // The signals keep at most MAX_SHAPES shapes per exchange: their field indexes stay
        // on the stack (this runs for every exchange, on the serial fold).
        let mut field_ids: [Option<(u16, Shape, &str)>; MAX_SHAPES] = [None; MAX_SHAPES];
        if full {
            for (slot, (f, s, ex)) in field_ids.iter_mut().zip(o.shapes) {
                let idx = match b.fields.iter().position(|x| x == f) {
                    Some(i) => i,
                    None if b.fields.len() < MAX_FIELDS => {
                        b.fields.push(f.clone());
                        b.fields.len() - 1
                    }
                    None => continue,
                };
                *slot = Some((idx as u16, *s, ex.as_str()));
            }
        }
        let s = match b.subjects.get_mut(subject) {
            Some(s) => s,
            None => b.subjects.entry(subject.clone()).or_default(),
        };
        let minute = o.t.div_euclid(60_000);
        if (minute != s.cur_min || learn != s.cur_learn) && (minute > s.cur_min || s.cur_n == 0) {
            s.flush_minute();
            s.cur_min = minute;
            s.cur_learn = learn;
        }
        s.cur_n = s.cur_n.saturating_add(1);
        let p = if learn { &mut s.learn } else { &mut s.judge };
        p.touch(o.t);
        if full {
            let hour = (o.t.div_euclid(3_600_000)).rem_euclid(24) as usize;
            p.hours[hour] += 1;
            add_tool(&mut p.tools, o.tool.0, o.tool.1, 1);
            add_loc(&mut p.locs, o.location, 1);
            for (f, sh, ex) in field_ids.into_iter().flatten() {
                add_shape(&mut p.shapes, f, sh, 1, ex);
            }
            if p.samples.len() < 3 {
                p.samples.push(o.sample.clone());
            }
        }
    }

    pub fn merge(&mut self, other: Baselines) {
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for (k, ob) in other.apis {
            match self.apis.get_mut(&k) {
                None => {
                    self.apis.insert(k, ob);
                }
                Some(b) => {
                    b.first = b.first.min(ob.first);
                    b.last = b.last.max(ob.last);
                    b.calls += ob.calls;
                    // Re-map the other shard's field indices.
                    let map: Vec<Option<u16>> = ob
                        .fields
                        .iter()
                        .map(|f| match b.fields.iter().position(|x| x == f) {
                            Some(i) => Some(i as u16),
                            None if b.fields.len() < MAX_FIELDS => {
                                b.fields.push(f.clone());
                                Some((b.fields.len() - 1) as u16)
                            }
                            None => None,
                        })
                        .collect();
                    for (mine, theirs) in b.retired.iter_mut().zip(&ob.retired) {
                        mine.add_remapped(theirs, &map);
                    }
                    for p in ob.retired_prefixes {
                        if b.retired_prefixes.len() < MAX_RETIRED_PREFIXES {
                            b.retired_prefixes.insert(p);
                        }
                    }
                    for (sk, mut ss) in ob.subjects {
                        ss.flush_minute();
                        for p in [&mut ss.learn, &mut ss.judge] {
                            p.shapes = p
                                .shapes
                                .drain(..)
                                .filter_map(|(f, s, n, e)| {
                                    map.get(f as usize)
                                        .copied()
                                        .flatten()
                                        .map(|nf| (nf, s, n, e))
                                })
                                .collect();
                        }
                        let e = b.subjects.entry(sk).or_default();
                        e.flush_minute();
                        e.learn.merge(ss.learn);
                        e.judge.merge(ss.judge);
                        e.runs.extend(ss.runs);
                        e.runs.sort_by_key(|r| r.start);
                    }
                }
            }
        }
        self.subjects = self.apis.values().map(|b| b.subjects.len()).sum();
        if self.subjects > self.budget {
            self.make_room();
            // make_room leaves room for one more; merging needs none.
        }
    }
}

/// Where an API's learning period starts, given the monitoring's first observation `start`.
/// An API first called within the monitoring's learning window learns on the monitoring's
/// calendar (an office API first called at 09:00 on the first day existed since midnight, and
/// its morning after the window must be judged, not learned); a later API learns from its own
/// first call.
fn learning_start(start: i64, api_first: i64, window: i64) -> i64 {
    if api_first < start + window {
        start
    } else {
        api_first
    }
}

/// Reference aggregate (sum of periods, with subtraction for leave-one-out).
#[derive(Debug, Clone, Default)]
struct Agg {
    calls: i64,
    subjects: i64,
    hist: [i64; BUCKETS],
    hours: [i64; 24],
    tools: HashMap<String, (ToolKind, i64)>,
    locs: HashMap<Location, i64>,
    shapes: HashMap<(u16, Shape), i64>,
    fields: HashMap<u16, i64>,
}

impl Agg {
    fn apply(&mut self, p: &Period, sign: i64) {
        if p.calls == 0 {
            return;
        }
        self.calls += sign * p.calls as i64;
        self.subjects += sign;
        for i in 0..BUCKETS {
            self.hist[i] += sign * p.hist[i] as i64;
        }
        for i in 0..24 {
            self.hours[i] += sign * p.hours[i] as i64;
        }
        for (f, k, n) in &p.tools {
            // Most tools are in the aggregate already: no copy of their key.
            match self.tools.get_mut(f) {
                Some(e) => e.1 += sign * *n as i64,
                None => {
                    self.tools.insert(f.clone(), (*k, sign * *n as i64));
                }
            }
        }
        for (l, n) in &p.locs {
            *self.locs.entry(*l).or_default() += sign * *n as i64;
        }
        for (f, s, n, _) in &p.shapes {
            *self.shapes.entry((*f, *s)).or_default() += sign * *n as i64;
            *self.fields.entry(*f).or_default() += sign * *n as i64;
        }
    }
    /// Adds another shard's aggregate, whose field `f` is field `map[f]` here (dropped when
    /// `None`).
    fn add_remapped(&mut self, o: &Agg, map: &[Option<u16>]) {
        let field = |f: &u16| map.get(*f as usize).copied().flatten();
        self.calls += o.calls;
        self.subjects += o.subjects;
        for i in 0..BUCKETS {
            self.hist[i] += o.hist[i];
        }
        for i in 0..24 {
            self.hours[i] += o.hours[i];
        }
        for (f, (k, n)) in &o.tools {
            self.tools.entry(f.clone()).or_insert((*k, 0)).1 += n;
        }
        for (l, n) in &o.locs {
            *self.locs.entry(*l).or_default() += n;
        }
        for ((f, shape), n) in &o.shapes {
            if let Some(f) = field(f) {
                *self.shapes.entry((f, *shape)).or_default() += n;
            }
        }
        for (f, n) in &o.fields {
            if let Some(f) = field(f) {
                *self.fields.entry(f).or_default() += n;
            }
        }
    }
    /// The reference's normal per-source peak: the 99th percentile of per-minute counts, or
    /// the maximum while there are too few source-minutes for a 99th percentile.
    fn normal_peak(&self) -> u64 {
        let total: i64 = self.hist.iter().sum();
        if total <= 0 {
            return 0;
        }
        let wanted = if total < MIN_MINUTES_FOR_P99 { 100 } else { 99 };
        let mut acc = 0;
        for (b, n) in self.hist.iter().enumerate() {
            acc += n;
            if acc * 100 >= total * wanted {
                return bucket_upper(b);
            }
        }
        bucket_upper(BUCKETS - 1)
    }
    fn share<T: std::hash::Hash + Eq>(m: &HashMap<T, i64>, k: &T, total: i64) -> f64 {
        if total <= 0 {
            return 0.0;
        }
        m.get(k).copied().unwrap_or(0).max(0) as f64 / total as f64
    }
}

/// The network block a source address is judged by. Private networks are planned in large
/// blocks (a /16 per site or segment is common) that a week of samples covers only sparsely, so
/// a desk never seen before in the office range must not look foreign: /16 for internal IPv4
/// (private, CGNAT, loopback), /48 (a site) for internal IPv6; /24 and /64 for public addresses.
fn prefix(ip: &SubjectKey) -> Option<Vec<u8>> {
    let SubjectKey::Ip(addr) = ip else {
        return None;
    };
    let internal = crate::facts::is_internal_ip(addr);
    Some(match addr {
        std::net::IpAddr::V4(v) => v.octets()[..if internal { 2 } else { 3 }].to_vec(),
        std::net::IpAddr::V6(v) => v.octets()[..if internal { 6 } else { 8 }].to_vec(),
    })
}

fn subject_fields(s: &SubjectKey, f: &mut Facts) {
    match s {
        SubjectKey::Ip(ip) => f.ip = Some(ip.to_string()),
        SubjectKey::Account(a) => f.account = Some(a.clone()),
    }
}

fn draft(key: &'static str, s: &SubjectKey, api: &ApiKey, p: &Period, mut facts: Facts) -> Draft {
    subject_fields(s, &mut facts);
    facts.api = Some(api.clone());
    if facts.start_ms == 0 && facts.end_ms == 0 {
        facts.start_ms = p.first;
        facts.end_ms = p.last;
        facts.count = p.calls;
    }
    if facts.location.is_none() {
        facts.location = p.locs.iter().max_by_key(|l| l.1).map(|l| l.0);
    }
    Draft {
        key,
        subject: s.clone(),
        api: api.clone(),
        apis: vec![api.clone()],
        samples: p.samples.iter().map(|s| s.to_string()).collect(),
        facts,
        level: None,
        suggestion: None,
    }
}

impl Baselines {
    /// Judges every API's sources against its reference.
    pub fn judge(mut self, summaries: &HashMap<&ApiKey, &ApiSummary>) -> Vec<Draft> {
        let window = self.window_ms;
        for b in self.apis.values_mut() {
            for s in b.subjects.values_mut() {
                s.flush_minute();
            }
        }
        // Address blocks that called each application (host) while its APIs were learning: a
        // known client of the application is not an unusual address for one more of its APIs.
        let mut host_prefixes: HashMap<&str, HashSet<Vec<u8>>> = HashMap::new();
        for (api, b) in self.apis.iter() {
            let known = host_prefixes.entry(api.host.as_str()).or_default();
            // Sources retired by the memory budget were learned too.
            known.extend(b.retired_prefixes.iter().cloned());
            for (k, s) in b.subjects.iter() {
                if s.learn.calls > 0 {
                    if let Some(p) = prefix(k) {
                        known.insert(p);
                    }
                }
            }
        }
        // The APIs are judged independently, in parallel (this runs after the last batch, on
        // an otherwise idle pool); the drafts keep the map's order, as a plain loop would.
        let first = self.first;
        let apis: Vec<(&ApiKey, &ApiBase)> = self.apis.iter().collect();
        apis.par_iter()
            .with_max_len(1)
            .flat_map_iter(|(api, b)| {
                let known = host_prefixes.get(api.host.as_str());
                let summary = summaries.get(api).copied();
                b.judge(api, first, window, summary, known)
            })
            .collect()
    }
}

impl ApiBase {
    /// Judges the API's sources (`api`: its key) against its reference; `first`: the first
    /// observation of any API, `known`: the learned address blocks of its host.
    fn judge(
        &self,
        api: &ApiKey,
        first: Option<i64>,
        window: i64,
        summary: Option<&ApiSummary>,
        known: Option<&HashSet<Vec<u8>>>,
    ) -> Vec<Draft> {
        let mut out = Vec::new();
        let start = first.unwrap_or(self.first);
        let fallback = self.last < learning_start(start, self.first, window) + window;
        for accounts in [false, true] {
            let subjects: Vec<(&SubjectKey, &SubjectStats)> = self
                .subjects
                .iter()
                .filter(|(k, _)| matches!(k, SubjectKey::Account(_)) == accounts)
                .map(|(k, s)| (k, &**s))
                .collect();
            // Retired sources count in the reference, never as candidates.
            let mut total = self.retired[accounts as usize].clone();
            for (_, s) in &subjects {
                total.apply(&s.learn, 1);
            }
            for (k, s) in &subjects {
                // The reference is the total itself unless the candidate's own learning
                // period must come out of it: taken out and put back after the tests
                // (exact integer sums), so that no source copies the aggregate.
                let cand = if fallback {
                    total.apply(&s.learn, -1);
                    &s.learn
                } else {
                    &s.judge
                };
                let reference = &total;
                'tests: {
                    if cand.calls == 0 {
                        break 'tests;
                    }
                    if !accounts
                        && reference.calls >= MIN_INTERNAL_REF_CALLS as i64
                        && reference.subjects >= MIN_INTERNAL_REF_SUBJECTS as i64
                    {
                        judge_internal(
                            &mut out, api, k, s, cand, reference, fallback, summary, known,
                        );
                    }
                    if reference.calls < MIN_TESTED_REF_CALLS as i64
                        || reference.subjects < MIN_REF_SUBJECTS as i64
                    {
                        break 'tests;
                    }
                    judge_rate(&mut out, api, k, s, cand, reference, fallback, accounts);
                    if accounts {
                        break 'tests;
                    }
                    judge_time(&mut out, api, k, cand, reference);
                    if reference.calls < MIN_REF_CALLS as i64 {
                        break 'tests;
                    }
                    judge_tools(&mut out, api, k, cand, reference);
                    judge_params(&mut out, api, k, cand, reference, &self.fields);
                }
                if fallback {
                    total.apply(&s.learn, 1);
                }
            }
        }
        out
    }
}

#[allow(clippy::too_many_arguments)]
fn judge_rate(
    out: &mut Vec<Draft>,
    api: &ApiKey,
    k: &SubjectKey,
    s: &SubjectStats,
    cand: &Period,
    r: &Agg,
    fallback: bool,
    accounts: bool,
) {
    let thr = (HOT_FLOOR as u64).max(RATE_MARGIN as u64 * r.normal_peak());
    let learn = fallback;
    for run in s
        .runs
        .iter()
        .filter(|x| x.learn == learn && x.peak as u64 > thr)
    {
        let key = if accounts {
            "account_high_frequency"
        } else {
            "abnormal_high_frequency"
        };
        let facts = Facts {
            start_ms: run.start,
            end_ms: run.end,
            count: run.calls,
            detail: Some(format!(
                "peak {} calls in one minute; normal sources stay under {} per minute",
                run.peak,
                r.normal_peak().max(1)
            )),
            ..Default::default()
        };
        out.push(draft(key, k, api, cand, facts));
    }
}

#[allow(clippy::too_many_arguments)]
fn judge_internal(
    out: &mut Vec<Draft>,
    api: &ApiKey,
    k: &SubjectKey,
    s: &SubjectStats,
    cand: &Period,
    r: &Agg,
    fallback: bool,
    summary: Option<&ApiSummary>,
    known_prefixes: Option<&HashSet<Vec<u8>>>,
) {
    let internal_share = Agg::share(&r.locs, &Location::Internal, r.calls);
    let internal_api = summary.is_some_and(|x| x.service_object == ServiceObject::InternalOffice)
        || internal_share >= 0.95;
    if !internal_api || cand.calls < 3 {
        return;
    }
    let loc = cand
        .locs
        .iter()
        .max_by_key(|l| l.1)
        .map(|l| l.0)
        .unwrap_or(Location::Unknown);
    if Agg::share(&r.locs, &loc, r.calls) < 0.01 {
        out.push(draft(
            "internal_api_unusual_location",
            k,
            api,
            cand,
            Facts {
                location: Some(loc),
                ..Default::default()
            },
        ));
        return;
    }
    let unusual_ip = if fallback {
        loc != Location::Internal && internal_share >= 0.95
    } else {
        s.learn.calls == 0
            && (loc != Location::Internal
                || prefix(k).is_some_and(|p| !known_prefixes.is_some_and(|k| k.contains(&p))))
    };
    if unusual_ip {
        out.push(draft(
            "internal_api_unusual_ip",
            k,
            api,
            cand,
            Facts::default(),
        ));
    }
}

fn judge_tools(out: &mut Vec<Draft>, api: &ApiKey, k: &SubjectKey, cand: &Period, r: &Agg) {
    let human: i64 = r
        .tools
        .values()
        .filter(|(k, _)| matches!(k, ToolKind::Browser | ToolKind::MobileApp))
        .map(|(_, n)| *n)
        .sum();
    let mut odd = Vec::new();
    let mut n = 0;
    for (family, kind, c) in &cand.tools {
        let fire = match kind {
            ToolKind::AttackTool => *c >= 3,
            ToolKind::Script | ToolKind::Bot => {
                *c >= 5
                    && human * 2 >= r.calls
                    && r.tools.get(family).map_or(0, |x| x.1) * 100 < r.calls
            }
            _ => false,
        };
        if fire {
            odd.push(family.clone());
            n += *c as u64;
        }
    }
    if !odd.is_empty() {
        out.push(draft(
            "anomalous_tool_access",
            k,
            api,
            cand,
            Facts {
                tools: odd,
                start_ms: cand.first,
                end_ms: cand.last,
                count: n,
                ..Default::default()
            },
        ));
    }
}

/// Calls in hours holding less than this share of the reference calls are off-hours calls.
const QUIET_HOUR_SHARE: f64 = 0.0025;
/// Off-hours calls a source needs (and at least half of its calls) for an unusual-time event.
pub const MIN_OFF_HOURS_CALLS: u64 = 10;
/// Pseudo-calls added to every hour of the reference, so an hour with no calls in a short
/// history is "rare", not "impossible".
const HOUR_PRIOR: f64 = 0.5;

/// Unusual time: the source's calls fall in hours the API is normally idle in, far more often
/// than the reference's hour distribution allows (binomial test on the smoothed share of those
/// hours), so a short history cannot turn a handful of late calls into an event.
fn judge_time(out: &mut Vec<Draft>, api: &ApiKey, k: &SubjectKey, cand: &Period, r: &Agg) {
    let quiet: Vec<usize> = (0..24)
        .filter(|h| (r.hours[*h] as f64) < QUIET_HOUR_SHARE * r.calls as f64)
        .collect();
    if quiet.is_empty() || quiet.len() > 20 {
        return;
    }
    let q: u64 = quiet.iter().map(|h| cand.hours[*h] as u64).sum();
    if q < MIN_OFF_HOURS_CALLS || q * 2 < cand.calls {
        return;
    }
    let in_quiet: i64 = quiet.iter().map(|h| r.hours[*h]).sum();
    let expected =
        (in_quiet as f64 + HOUR_PRIOR * quiet.len() as f64) / (r.calls as f64 + HOUR_PRIOR * 24.0);
    if !super::stats::binomial_surprise(q, cand.calls, expected, SURPRISE_P_VALUE) {
        return;
    }
    let hours: Vec<String> = quiet
        .iter()
        .filter(|h| cand.hours[**h] > 0)
        .map(|h| format!("{h:02}h"))
        .collect();
    out.push(draft(
        "unusual_time_access",
        k,
        api,
        cand,
        Facts {
            detail: Some(format!(
                "{q} of {} calls in UTC hours {} that hold {:.2}% of the API's calls",
                cand.calls,
                hours.join(", "),
                in_quiet as f64 * 100.0 / r.calls.max(1) as f64
            )),
            start_ms: cand.first,
            end_ms: cand.last,
            count: q,
            ..Default::default()
        },
    ));
}

fn judge_params(
    out: &mut Vec<Draft>,
    api: &ApiKey,
    k: &SubjectKey,
    cand: &Period,
    r: &Agg,
    fields: &[String],
) {
    let mut hits: Vec<(String, String, u32)> = Vec::new();
    for (f, shape, n, ex) in &cand.shapes {
        if *n < 3 || *shape == Shape::Empty {
            continue;
        }
        let ftotal = r.fields.get(f).copied().unwrap_or(0);
        if ftotal < 50 {
            continue;
        }
        let share = Agg::share(&r.shapes, &(*f, *shape), ftotal);
        if share >= 0.005 {
            continue;
        }
        // The field must be regular: its two commonest shapes cover 95% of its values.
        let mut counts: Vec<i64> = r
            .shapes
            .iter()
            .filter(|((ff, _), _)| ff == f)
            .map(|(_, c)| *c)
            .collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top2: i64 = counts.iter().take(2).sum();
        if top2 * 100 < ftotal * 95 {
            continue;
        }
        let name = fields.get(*f as usize).cloned().unwrap_or_default();
        hits.push((name, format!("{} such as {}", shape.name(), ex), *n));
    }
    if let Some((name, detail, _)) = hits.first() {
        let n: u32 = hits.iter().map(|h| h.2).sum();
        out.push(draft(
            "abnormal_parameter_values",
            k,
            api,
            cand,
            Facts {
                param: Some(name.clone()),
                detail: Some(detail.clone()),
                start_ms: cand.first,
                end_ms: cand.last,
                count: n as u64,
                ..Default::default()
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(a: u8, b: u8, c: u8, d: u8) -> SubjectKey {
        SubjectKey::Ip(std::net::IpAddr::from([a, b, c, d]))
    }

    fn obs(t: i64, tool: (&str, ToolKind)) -> Obs<'_> {
        static SAMPLE: std::sync::LazyLock<Arc<str>> =
            std::sync::LazyLock::new(|| Arc::from("GET /v1/items"));
        Obs {
            t,
            tool,
            location: Location::Internal,
            shapes: &[],
            sample: &SAMPLE,
        }
    }

    /// 400 browser sources with one call each and one script with ten, under a budget of 50
    /// pairs: the reference (which needs 100 calls) only holds because retired sources still
    /// count in it.
    #[test]
    fn retired_sources_still_count_in_the_reference() {
        let api = ApiKey {
            host: "shop.example".into(),
            method: "GET".into(),
            path: "/v1/items".into(),
        };
        let script = ip(10, 9, 9, 9);
        let run = |budget: usize| {
            let mut b = Baselines::with_budget(7, budget);
            let t0 = 1_700_000_000_000i64;
            for i in 0..400u32 {
                let t = t0 + i as i64 * 1_000;
                let browser = ip(10, 0, (i / 200) as u8, (i % 200) as u8);
                b.observe(&api, &browser, &obs(t, ("Chrome", ToolKind::Browser)), true);
                if i % 40 == 0 {
                    let o = obs(t, ("python-requests", ToolKind::Script));
                    b.observe(&api, &script, &o, true);
                }
                assert!(b.subjects() <= budget);
            }
            let tools: Vec<Draft> = b
                .judge(&HashMap::new())
                .into_iter()
                .filter(|d| d.key == "anomalous_tool_access")
                .collect();
            tools
        };
        for budget in [50, MAX_SUBJECTS] {
            let drafts = run(budget);
            assert_eq!(drafts.len(), 1, "budget {budget}");
            assert_eq!(drafts[0].subject, script);
            assert_eq!(drafts[0].facts.count, 10);
        }
    }

    #[test]
    fn the_budget_retires_the_quietest_sources_of_the_largest_api() {
        let api = |p: &str| ApiKey {
            host: "h".into(),
            method: "GET".into(),
            path: p.into(),
        };
        let mut b = Baselines::with_budget(7, 8);
        let o = obs(0, ("Chrome", ToolKind::Browser));
        for _ in 0..5 {
            b.observe(&api("/small"), &ip(1, 1, 1, 1), &o, true);
        }
        for d in 0..7u8 {
            for _ in 0..=d {
                b.observe(&api("/big"), &ip(2, 2, 2, d), &o, true);
            }
        }
        assert_eq!(b.subjects(), 8);
        // A ninth source: the quietest quarter of /big (1 source, the one with one call) goes.
        b.observe(&api("/small"), &ip(1, 1, 1, 2), &o, true);
        assert_eq!(b.subjects(), 8);
        let big = &b.apis[&api("/big")];
        assert!(!big.subjects.contains_key(&ip(2, 2, 2, 0)));
        assert!(big.subjects.contains_key(&ip(2, 2, 2, 1)));
        assert_eq!(big.retired[0].calls, 1);
        assert_eq!(b.apis[&api("/small")].subjects.len(), 2);
    }

    #[test]
    fn buckets() {
        assert_eq!(bucket(1), 0);
        assert_eq!(bucket(2), 1);
        assert_eq!(bucket(3), 2);
        assert_eq!(bucket(4), 2);
        assert_eq!(bucket(5), 3);
        assert_eq!(bucket(1_000_000), BUCKETS - 1);
        assert_eq!(bucket_upper(3), 8);
    }
}
