//! Anomalous events: baselines per API, attacks, abuse, account behaviour over time, keyed on
//! a source IP or an account. Thresholds, margins and levels are documented in `docs/events.md`.
//!
//! - [`signals`] (per exchange, pure, parallel) extracts what is judged later, as hashes, flags,
//!   shapes and masked samples ([`signals::EventSignals`]).
//! - [`EventState`] folds exchange facts in time order into bounded, mergeable state: per-API
//!   baselines ([`baseline`]) and bursts per (family, subject[, API]) ([`window`]).
//! - [`EventState::finish`] judges baselines and bursts with the API summaries; one detector
//!   function per family file ([`credential`], [`abuse`], [`leak`], [`response`], [`account`],
//!   [`custom`]) and [`REGISTRY`] lists every catalog key with its detector.

pub mod abuse;
pub mod account;
pub mod baseline;
pub mod credential;
pub mod custom;
pub mod describe;
pub mod leak;
pub mod response;
pub mod shape;
pub mod signals;
pub mod stats;
pub mod window;

use crate::catalog::{Level, Subject};
use crate::facts::{ApiKey, ApiSummary, ExchangeContext, Location, ToolKind};
use crate::pipeline::ExchangeFacts;
#[allow(unused_imports)]
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;

pub use custom::{CompiledCustomRule, CustomCondition, CustomEventRule, CustomRuleError};
pub use signals::EventSignals;
use window::{Burst, Family, SubjectKey, TrackKey, TrackKeyRef};

/// Event detection settings.
#[derive(Debug, Clone)]
pub struct EventConfig {
    /// Baseline learning window, days.
    pub baseline_days: u32,
    /// The home country (ISO alpha-2) for "outside your country" events; `None` = the country
    /// most of the traffic comes from.
    pub home_country: Option<[u8; 2]>,
    /// Compiled custom event rules ([`custom::compile_all`]).
    pub custom: Vec<CompiledCustomRule>,
}

impl Default for EventConfig {
    fn default() -> Self {
        EventConfig {
            baseline_days: 7,
            home_country: None,
            custom: Vec::new(),
        }
    }
}

/// Per-exchange signals with the built-in detectors only.
pub fn signals(ctx: &ExchangeContext) -> EventSignals {
    signals::extract(ctx, &[])
}

/// Per-exchange signals including custom rules' content conditions.
pub fn signals_with(ctx: &ExchangeContext, custom: &[CompiledCustomRule]) -> EventSignals {
    signals::extract(ctx, custom)
}

/// One anomalous event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventFinding {
    /// Catalog event key.
    pub key: String,
    pub level: Level,
    pub subject: Subject,
    pub ip: Option<IpAddr>,
    pub account: Option<String>,
    pub location: Location,
    /// The main API, and every API involved.
    pub api: ApiKey,
    pub apis: Vec<ApiKey>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: u64,
    /// Filled from the event's facts (`${account}`, `${start_ts}`...).
    pub description: String,
    /// Masked request samples.
    pub samples: Vec<String>,
    /// What to do (the custom rule's suggestion for custom events).
    #[serde(default)]
    pub suggestion: String,
    /// The custom rule's name, for custom events.
    #[serde(default)]
    pub rule: Option<String>,
}

/// An event before rendering.
#[derive(Debug, Clone)]
pub struct Draft {
    pub key: &'static str,
    pub subject: SubjectKey,
    pub api: ApiKey,
    pub apis: Vec<ApiKey>,
    pub samples: Vec<String>,
    pub facts: describe::Facts,
    pub level: Option<Level>,
    pub suggestion: Option<String>,
}

impl Draft {
    pub fn from_burst(key: &'static str, k: &TrackKey, b: &Burst) -> Draft {
        let api = k
            .api
            .as_deref()
            .cloned()
            .or_else(|| b.main_api().cloned())
            .unwrap_or(ApiKey {
                host: String::new(),
                method: String::new(),
                path: String::new(),
            });
        let mut apis: Vec<(ApiKey, u64)> =
            b.apis.iter().map(|(k, n)| ((**k).clone(), *n)).collect();
        apis.sort_by_key(|a| std::cmp::Reverse(a.1));
        let mut facts = describe::Facts {
            start_ms: b.start,
            end_ms: b.last,
            count: b.n,
            api: Some(api.clone()),
            location: Some(b.main_location()),
            ..Default::default()
        };
        match &k.subject {
            SubjectKey::Ip(ip) => facts.ip = Some(ip.to_string()),
            SubjectKey::Account(a) => facts.account = Some(a.clone()),
        }
        Draft {
            key,
            subject: k.subject.clone(),
            api,
            apis: apis.into_iter().map(|a| a.0).collect(),
            samples: b.samples.iter().map(|(s, _)| s.to_string()).collect(),
            facts,
            level: None,
            suggestion: None,
        }
    }
    pub fn detail(mut self, d: String) -> Draft {
        self.facts.detail = Some(d);
        self
    }
    fn render(self) -> EventFinding {
        let (ip, account, subject) = match &self.subject {
            SubjectKey::Ip(ip) => (Some(*ip), None, Subject::Ip),
            SubjectKey::Account(a) => (None, Some(a.clone()), Subject::Account),
        };
        let mut apis = self.apis;
        if !apis.contains(&self.api) {
            apis.insert(0, self.api.clone());
        }
        EventFinding {
            key: self.key.to_string(),
            level: self.level.unwrap_or_else(|| describe::level(self.key)),
            subject,
            ip,
            account,
            location: self.facts.location.unwrap_or(Location::Unknown),
            api: self.api,
            apis,
            start_ms: self.facts.start_ms,
            end_ms: self.facts.end_ms,
            count: self.facts.count,
            description: describe::describe(self.key, &self.facts),
            samples: self.samples,
            suggestion: self
                .suggestion
                .unwrap_or_else(|| describe::suggestion(self.key).to_string()),
            rule: self.facts.rule.clone(),
        }
    }
}

/// Per-API counts over the whole data, the reference a source's calls are compared with.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiTally {
    pub calls: u64,
    /// Calls that carried a credential.
    pub with_credential: u64,
    /// Responses with application error details, database errors, system information.
    pub exceptions: [u64; 3],
}

impl ApiTally {
    fn add(&mut self, o: &ApiTally) {
        self.calls += o.calls;
        self.with_credential += o.with_credential;
        for (a, b) in self.exceptions.iter_mut().zip(o.exceptions) {
            *a += b;
        }
    }
}

/// What the judges may consult.
pub struct JudgeCx<'a> {
    pub summaries: HashMap<&'a ApiKey, &'a ApiSummary>,
    pub home: Option<Location>,
    pub human_accounts: &'a HashSet<String>,
    pub tallies: &'a HashMap<ApiKey, ApiTally>,
    /// Sum of every API's tally (the prior for APIs with little traffic of their own).
    pub all_apis: ApiTally,
}

impl JudgeCx<'_> {
    /// An API normally requires authentication: discovery says so, or at least 80% of the
    /// *other* calls (at least 20) carried a credential. `unauthenticated` calls of the source
    /// being judged are left out, so an intruder's volume cannot make the API look open.
    pub fn api_authenticated(&self, api: &ApiKey, unauthenticated: u64) -> bool {
        if self.summaries.get(api).is_some_and(|s| s.authenticated) {
            return true;
        }
        self.tallies.get(api).is_some_and(|t| {
            let others = t.calls.saturating_sub(unauthenticated);
            others >= 20 && t.with_credential * 5 >= others * 4
        })
    }
    pub fn is_foreign(&self, l: Location) -> bool {
        matches!((l, self.home), (Location::Country(c), Some(Location::Country(h))) if c != h)
    }
}

/// The registry: every catalog event key and the family that detects it.
pub const REGISTRY: &[(&str, &str)] = &[
    ("abnormal_high_frequency", "baseline::judge_rate"),
    ("internal_api_unusual_ip", "baseline::judge_internal"),
    ("internal_api_unusual_location", "baseline::judge_internal"),
    ("anomalous_tool_access", "baseline::judge_tools"),
    ("unusual_time_access", "baseline::judge_time"),
    ("abnormal_parameter_values", "baseline::judge_params"),
    ("internal_weak_password_login", "credential::judge_weak"),
    ("username_bruteforce", "credential::judge_login"),
    ("password_bruteforce", "credential::judge_login"),
    ("dictionary_attack", "credential::judge_login"),
    ("sms_code_bruteforce", "credential::judge_code"),
    ("email_code_bruteforce", "credential::judge_code"),
    ("batch_registration", "credential::judge_register"),
    ("sms_resource_abuse", "abuse::judge_send"),
    ("email_resource_abuse", "abuse::judge_send"),
    ("batch_download", "abuse::judge_download"),
    ("data_crawling", "abuse::judge_crawl"),
    ("api_attack", "abuse::judge_attack"),
    ("unauthorized_sensitive_access", "leak::judge_unauthorized"),
    ("mass_sensitive_access", "leak::judge_volume"),
    ("foreign_mass_sensitive_access", "leak::judge_volume"),
    ("error_message_returned", "response::judge_content"),
    ("db_error_returned", "response::judge_content"),
    ("system_info_returned", "response::judge_content"),
    ("abnormal_response", "response::judge_status"),
    ("custom_event", "EventState::custom"),
    ("account_anomalous_tools", "account::judge_tools"),
    (
        "account_mass_sensitive_access",
        "leak::judge_account_sensitive",
    ),
    (
        "account_cross_border_sensitive_access",
        "leak::judge_account_sensitive",
    ),
    ("account_mass_file_download", "account::judge_download"),
    ("account_horizontal_escalation", "leak::judge_horizontal"),
    ("account_data_traversal", "account::judge_traversal"),
    ("account_high_frequency", "baseline::judge_rate"),
    ("account_exception_errors", "response::judge_account_errors"),
    ("account_abnormal_status_codes", "response::judge_status"),
];

/// Judges one closed or open burst.
fn judge_burst(k: &TrackKey, b: &Burst, cx: &JudgeCx) -> Vec<Draft> {
    let one = |d: Option<Draft>| d.into_iter().collect::<Vec<_>>();
    match k.family {
        Family::Login => one(credential::judge_login(k, b, cx)),
        Family::WeakLogin => one(credential::judge_weak(k, b, cx)),
        Family::CodeVerify => one(credential::judge_code(k, b, cx)),
        Family::Register => one(credential::judge_register(k, b, cx)),
        Family::Send => one(abuse::judge_send(k, b, cx)),
        Family::Download => one(abuse::judge_download(k, b, cx)),
        Family::Crawl => one(abuse::judge_crawl(k, b, cx)),
        Family::Attack => one(abuse::judge_attack(k, b, cx)),
        Family::Unauthorized => one(leak::judge_unauthorized(k, b, cx)),
        Family::SensitiveVolume => leak::judge_volume(k, b, cx),
        Family::ErrorMessage | Family::DbError | Family::SystemInfo => {
            one(response::judge_content(k, b, cx))
        }
        Family::Status | Family::AccountStatus => one(response::judge_status(k, b, cx)),
        Family::AccountErrors => one(response::judge_account_errors(k, b, cx)),
        Family::AccountTools => one(account::judge_tools(k, b, cx)),
        Family::AccountSensitive => leak::judge_account_sensitive(k, b, cx),
        Family::AccountDownload => one(account::judge_download(k, b, cx)),
        Family::AccountHorizontal => one(leak::judge_horizontal(k, b, cx)),
        Family::AccountTraversal => one(account::judge_traversal(k, b, cx)),
        // Custom rules are judged as they go (see `EventState::custom`).
        Family::Custom(_) => Vec::new(),
    }
}

/// Keeps a closed burst for judging when it can still become an event (and there is room).
fn close_into(closed: &mut Vec<(TrackKey, Burst)>, k: TrackKey, b: Burst) {
    if worth_keeping(k.family, &b) && closed.len() < MAX_CANDIDATES {
        closed.push((k, b));
    }
}

/// The least a closed burst must hold to be kept for judging (cheap pre-filter; the judges
/// apply the real thresholds).
fn worth_keeping(f: Family, b: &Burst) -> bool {
    match f {
        Family::Attack | Family::WeakLogin => true,
        Family::ErrorMessage | Family::DbError | Family::SystemInfo => {
            b.n >= response::MIN_EXCEPTIONS
        }
        Family::Unauthorized => b.n >= 2,
        Family::SensitiveVolume | Family::AccountSensitive => {
            b.sets().a.len() >= leak::FOREIGN_VALUES || b.sets().b.len() >= leak::FOREIGN_VALUES
        }
        Family::AccountHorizontal => b.sets().a.len() >= leak::HORIZONTAL_USERS,
        Family::AccountErrors | Family::AccountTools => b.n >= 3,
        Family::Send => b.n >= 5,
        _ => b.n >= 10,
    }
}

/// A custom rule's sliding window for one subject, and the open event.
#[derive(Debug, Default)]
struct CustomTrack {
    recent: VecDeque<i64>,
    open: Option<Burst>,
}

/// The response flags of the exception families, in [`ApiTally::exceptions`] order.
const EXCEPTION_FAMILIES: [(u8, Family); 3] = [
    (signals::RESP_ERROR, Family::ErrorMessage),
    (signals::RESP_DB_ERROR, Family::DbError),
    (signals::RESP_SYSTEM_INFO, Family::SystemInfo),
];

/// Most closed bursts kept for judging, and most sessions remembered.
const MAX_CANDIDATES: usize = 100_000;
const MAX_SESSIONS: usize = 200_000;
const MAX_HUMAN_ACCOUNTS: usize = 500_000;
const SWEEP_EVERY: u64 = 1 << 16;

#[derive(Debug, Default)]
pub struct EventState {
    config: EventConfig,
    baselines: baseline::Baselines,
    /// Open bursts; a `hashbrown` map so that [`TrackKeyRef`] finds one without cloning, and
    /// boxed so that growing the map moves pointers, not bursts (hundreds of bytes each).
    open: hashbrown::HashMap<TrackKey, Box<Burst>>,
    closed: Vec<(TrackKey, Burst)>,
    custom: HashMap<(u16, SubjectKey), CustomTrack>,
    custom_events: Vec<(u16, SubjectKey, Burst)>,
    sessions: HashMap<u64, String>,
    human_accounts: HashSet<String>,
    countries: HashMap<[u8; 2], u64>,
    tallies: HashMap<ApiKey, ApiTally>,
    /// One shared copy of each API key, for the bursts' API lists (see [`Burst::add_api`]).
    api_keys: HashMap<ApiKey, Arc<ApiKey>>,
    /// The interned key of the exchange being absorbed.
    current_api: Option<Arc<ApiKey>>,
    /// Last exception response per source, so its other calls can be counted in the open
    /// exception bursts (the share of a source's calls that failed).
    exception_sources: HashMap<IpAddr, i64>,
    absorbed: u64,
    max_t: i64,
}

impl EventState {
    pub fn new(config: EventConfig) -> Self {
        EventState {
            baselines: baseline::Baselines::new(config.baseline_days),
            config,
            ..Default::default()
        }
    }

    /// The home country: configured, else the country of most traffic so far.
    fn home(&self) -> Option<[u8; 2]> {
        self.config.home_country.or_else(|| {
            let total: u64 = self.countries.values().sum();
            self.countries
                .iter()
                .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))
                .filter(|(_, n)| total >= 20 && **n * 2 >= total)
                .map(|(c, _)| *c)
        })
    }

    fn close(&mut self, k: TrackKey, b: Burst) {
        close_into(&mut self.closed, k, b);
    }

    /// The open burst of `subject` in `family` (per API when `per_api`), opening one or
    /// closing a stale one first, with this exchange counted in it.
    fn track(
        &mut self,
        family: Family,
        subject: &SubjectKey,
        per_api: bool,
        f: &ExchangeFacts,
    ) -> &mut Burst {
        let t = f.time_ms;
        let api = self.current_api.as_ref().expect("set by absorb");
        let key = TrackKeyRef {
            family,
            subject,
            api: per_api.then_some(api),
        };
        // One probe of the (large, cache-cold) map: a stale burst is closed and its slot
        // reused for the new one, which has the same key.
        let b = match self.open.entry_ref(&key) {
            hashbrown::hash_map::EntryRef::Occupied(e) => {
                let b = e.into_mut();
                if t - b.last > family.gap_ms() {
                    let old = std::mem::replace(&mut **b, Burst::new(t));
                    close_into(&mut self.closed, TrackKey::from(&key), old);
                }
                b
            }
            hashbrown::hash_map::EntryRef::Vacant(e) => e.insert(Box::new(Burst::new(t))),
        };
        b.tick(t, family.rate_window_ms());
        b.add_api(api);
        b.add_sample(&f.event.sample);
        b.add_location(f.client.location);
        b
    }

    /// The one shared copy of `api` (burst keys compare these by address).
    fn intern(&mut self, api: &ApiKey) -> Arc<ApiKey> {
        crate::facts::slot(&mut self.api_keys, api, || Arc::new(api.clone())).clone()
    }

    fn sweep(&mut self) {
        let now = self.max_t;
        let stale: Vec<TrackKey> = self
            .open
            .iter()
            .filter(|(k, b)| now - b.last > k.family.gap_ms())
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            if let Some(b) = self.open.remove(&k) {
                self.close(k, *b);
            }
        }
        let gap = Family::ErrorMessage.gap_ms();
        self.exception_sources.retain(|_, last| now - *last <= gap);
    }

    pub fn absorb(&mut self, f: &ExchangeFacts) {
        let s = &f.event;
        let t = f.time_ms;
        self.current_api = Some(self.intern(&f.api));
        self.absorbed += 1;
        self.max_t = self.max_t.max(t);
        if self.absorbed.is_multiple_of(SWEEP_EVERY) {
            self.sweep();
        }
        // Accounts: the pipeline's, else the one a session cookie was tied to at logon.
        if let (Some(set), Some(user)) = (
            s.session_set,
            s.credential.as_ref().and_then(|c| c.user_name.clone()),
        ) {
            if self.sessions.len() < MAX_SESSIONS || self.sessions.contains_key(&set) {
                self.sessions.insert(set, user);
            }
        }
        let account = f
            .account
            .clone()
            .or_else(|| s.session.and_then(|h| self.sessions.get(&h).cloned()));
        if let Location::Country(c) = f.client.location {
            *self.countries.entry(c).or_default() += 1;
        }
        let tally = crate::facts::slot(&mut self.tallies, &f.api, ApiTally::default);
        tally.calls += 1;
        if s.has_credential {
            tally.with_credential += 1;
        }
        for (i, (flag, _)) in EXCEPTION_FAMILIES.iter().enumerate() {
            if s.response & flag != 0 {
                tally.exceptions[i] += 1;
            }
        }
        let ip = SubjectKey::Ip(f.client_ip);
        let obs = baseline::Obs {
            t,
            tool: (&f.client.tool.family, f.client.tool.kind),
            location: f.client.location,
            shapes: &s.shapes,
            sample: &s.sample,
        };
        self.baselines.observe(&f.api, &ip, &obs, true);
        // The account as a subject, built once: most exchanges of a signed-in caller update
        // several of its bursts.
        let acc_subject = account.as_ref().map(|a| SubjectKey::Account(a.clone()));
        if let Some(subj) = &acc_subject {
            self.baselines.observe(&f.api, subj, &obs, false);
        }
        let ok = (200..400).contains(&f.status);
        let resp: Vec<&crate::facts::Finding> = f
            .findings
            .iter()
            .filter(|x| x.direction == crate::facts::Direction::Response)
            .collect();

        if let Some(c) = &s.credential {
            use signals::CredentialOp;
            let outcome = c.outcome;
            let mark = |b: &mut Burst| match outcome {
                crate::login::Outcome::Success => b.ok += 1,
                crate::login::Outcome::Failure => b.fail += 1,
                crate::login::Outcome::Unknown => {}
            };
            let is_code = c.op == CredentialOp::Verify
                || (c.op == CredentialOp::Login && c.code.is_some() && c.password.is_none());
            if is_code {
                let b = self.track(Family::CodeVerify, &ip, true, f);
                mark(b);
                if let Some(code) = c.code {
                    b.sets_mut().a.insert(code);
                }
                if let Some(tg) = c.target {
                    b.sets_mut().add_target(tg);
                }
                match c.channel {
                    signals::Channel::Sms => b.x += 1,
                    signals::Channel::Email => b.y += 1,
                    signals::Channel::Unknown => {}
                }
            } else if c.op == CredentialOp::Login {
                let b = self.track(Family::Login, &ip, true, f);
                mark(b);
                if let Some(u) = c.user {
                    b.sets_mut().a.insert(u);
                }
                if let Some(p) = c.password {
                    b.sets_mut().b.insert(p);
                }
                if c.weak_password && outcome != crate::login::Outcome::Failure {
                    let hint = c.internal_app_hint;
                    let b = self.track(Family::WeakLogin, &ip, true, f);
                    if hint {
                        b.x += 1;
                    }
                }
            } else {
                let b = self.track(Family::Register, &ip, true, f);
                mark(b);
                if let Some(u) = c.user.or(c.target) {
                    b.sets_mut().a.insert(u);
                }
            }
        }
        if let Some(send) = s.send {
            let b = self.track(Family::Send, &ip, true, f);
            if let Some(tg) = send.target {
                let sets = b.sets_mut();
                sets.add_target(tg);
                sets.a.insert(tg);
            }
            match send.channel {
                signals::Channel::Email => b.y += 1,
                _ => b.x += 1,
            }
        }
        if let Some(size) = s.download {
            let item = s.download_item;
            let b = self.track(Family::Download, &ip, false, f);
            b.sets_mut().a.insert(item);
            b.bytes += size;
            if let Some(subj) = &acc_subject {
                let b = self.track(Family::AccountDownload, subj, false, f);
                b.sets_mut().a.insert(item);
                b.bytes += size;
            }
        }
        if let Some((name, v)) = &s.id_param {
            if ok {
                let b = self.track(Family::Crawl, &ip, true, f);
                let sets = b.sets_mut();
                sets.add_int(*v);
                sets.label_once(name);
                if let Some(subj) = &acc_subject {
                    let b = self.track(Family::AccountTraversal, subj, true, f);
                    let sets = b.sets_mut();
                    sets.add_int(*v);
                    sets.label_once(name);
                }
            }
        }
        if let Some(att) = &s.attack {
            let label = match att.kind {
                Some(k) => k.name().to_string(),
                None if !att.rule.is_empty() => att.rule.chars().take(40).collect(),
                None => "web attack".to_string(),
            };
            let blocked = att.blocked;
            let b = self.track(Family::Attack, &ip, false, f);
            b.sets_mut().add_label(&label);
            if blocked {
                b.x += 1;
            }
        }
        if !resp.is_empty() && ok {
            let cat = crate::catalog::catalog();
            let serious = resp.iter().any(|x| {
                x.type_id >= 100_000
                    || cat
                        .sensitive(x.type_id)
                        .is_some_and(|t| t.level >= crate::catalog::SensitivityLevel::S2)
            });
            if !s.has_credential && serious {
                let b = self.track(Family::Unauthorized, &ip, true, f);
                b.x += resp.len() as u64;
                let sets = b.sets_mut();
                for x in &resp {
                    *sets.types.entry(x.type_id).or_default() += 1;
                }
            }
            let b = self.track(Family::SensitiveVolume, &ip, true, f);
            let sets = b.sets_mut();
            for x in &resp {
                sets.a.insert(x.hash);
                *sets.types.entry(x.type_id).or_default() += 1;
            }
            if let Some(subj) = &acc_subject {
                let home = self.home();
                let foreign = match (f.client.location, home) {
                    (Location::Country(c), Some(h)) if c != h => Some(c),
                    _ => None,
                };
                let b = self.track(Family::AccountSensitive, subj, false, f);
                if foreign.is_some() {
                    b.y += 1;
                }
                let sets = b.sets_mut();
                for x in &resp {
                    sets.a.insert(x.hash);
                    if foreign.is_some() {
                        sets.b.insert(x.hash);
                    }
                    *sets.types.entry(x.type_id).or_default() += 1;
                }
                if let Some(c) = foreign {
                    sets.add_label(&String::from_utf8_lossy(&c));
                }
                if let Some((name, h, is_self)) = &s.identity_param {
                    if !is_self {
                        let b = self.track(Family::AccountHorizontal, subj, true, f);
                        let sets = b.sets_mut();
                        sets.a.insert(*h);
                        sets.label_once(name);
                        for x in &resp {
                            *sets.types.entry(x.type_id).or_default() += 1;
                        }
                    }
                }
            }
        }
        self.absorb_exceptions(f, &ip);
        let bad = f.status >= 400;
        let b = self.track(Family::Status, &ip, false, f);
        if bad {
            b.fail += 1;
        }
        if let (Some(acc), Some(subj)) = (&account, &acc_subject) {
            let b = self.track(Family::AccountStatus, subj, false, f);
            if bad {
                b.fail += 1;
            }
            let exc = s.response & (signals::RESP_ERROR | signals::RESP_DB_ERROR) != 0;
            if exc || f.status >= 500 {
                let b = self.track(Family::AccountErrors, subj, false, f);
                if exc {
                    b.x += 1;
                } else {
                    b.y += 1;
                }
            }
            let kind = f.client.tool.kind;
            if matches!(kind, ToolKind::Browser | ToolKind::MobileApp) {
                if self.human_accounts.len() < MAX_HUMAN_ACCOUNTS {
                    self.human_accounts.insert(acc.clone());
                }
            } else if matches!(
                kind,
                ToolKind::Script | ToolKind::AttackTool | ToolKind::Bot
            ) {
                let b = self.track(Family::AccountTools, subj, false, f);
                b.sets_mut().add_tool(&f.client.tool.family, kind);
                b.x += 1;
            }
        }
        self.custom(f, &ip, account.as_deref());
    }

    /// Exception responses open or extend a burst per (source, API, kind); the source's other
    /// calls to the API while such a burst is open are counted in it (`y`), so the judge sees
    /// which share of the source's calls failed.
    fn absorb_exceptions(&mut self, f: &ExchangeFacts, ip: &SubjectKey) {
        let t = f.time_ms;
        let response = f.event.response;
        let mut any = false;
        for (flag, fam) in EXCEPTION_FAMILIES {
            if response & flag != 0 {
                self.track(fam, ip, true, f);
                any = true;
            }
        }
        if any {
            let last = self.exception_sources.entry(f.client_ip).or_insert(t);
            *last = (*last).max(t);
            return;
        }
        let recent = self
            .exception_sources
            .get(&f.client_ip)
            .is_some_and(|last| t - last <= Family::ErrorMessage.gap_ms());
        if !recent {
            return;
        }
        let api = self.current_api.as_ref().expect("set by absorb");
        for (_, family) in EXCEPTION_FAMILIES {
            let key = TrackKeyRef {
                family,
                subject: ip,
                api: Some(api),
            };
            if let Some(b) = self.open.get_mut(&key) {
                if t - b.last <= family.gap_ms() {
                    b.y += 1;
                }
            }
        }
    }

    /// Custom rules: `threshold` matching requests of one subject within `window_secs` open an
    /// event; further matches within the window extend it.
    fn custom(&mut self, f: &ExchangeFacts, ip: &SubjectKey, account: Option<&str>) {
        if self.config.custom.is_empty() {
            return;
        }
        let t = f.time_ms;
        let api = self.current_api.as_ref().expect("set by absorb");
        for (i, rule) in self
            .config
            .custom
            .iter()
            .enumerate()
            .take(custom::MAX_RULES)
        {
            let content_ok = !rule.has_content() || f.event.custom & (1 << i) != 0;
            if !content_ok || !rule.facts_match(&f.api, f.status, &f.discovery.purposes) {
                continue;
            }
            let subject = match rule.rule.group_by {
                Subject::Ip => ip.clone(),
                Subject::Account => match account {
                    Some(a) => SubjectKey::Account(a.to_string()),
                    None => continue,
                },
            };
            let w = rule.rule.window_secs as i64 * 1000;
            let thr = rule.rule.threshold as usize;
            let tr = self.custom.entry((i as u16, subject.clone())).or_default();
            tr.recent.push_back(t);
            while tr.recent.front().is_some_and(|x| t - *x > w) || tr.recent.len() > thr {
                tr.recent.pop_front();
            }
            let extend = tr.open.as_ref().is_some_and(|b| t - b.last <= w);
            if !extend {
                if let Some(done) = tr.open.take() {
                    self.custom_events.push((i as u16, subject.clone(), done));
                }
            }
            let tr = self
                .custom
                .get_mut(&(i as u16, subject.clone()))
                .expect("just inserted");
            if extend {
                if let Some(b) = tr.open.as_mut() {
                    b.tick(t, w);
                    b.add_api(api);
                    b.add_sample(&f.event.sample);
                }
            } else if tr.recent.len() >= thr {
                let mut b = Burst::new(*tr.recent.front().unwrap_or(&t));
                for _ in 0..tr.recent.len() {
                    b.tick(t, w);
                }
                b.start = *tr.recent.front().unwrap_or(&t);
                b.add_api(api);
                b.add_sample(&f.event.sample);
                b.add_location(f.client.location);
                tr.open = Some(b);
            }
        }
    }

    pub fn merge(&mut self, other: EventState) {
        self.baselines.merge(other.baselines);
        // Burst keys compare interned API keys by address: re-intern the other state's.
        let rekey = |me: &mut Self, k: TrackKey| TrackKey {
            api: k.api.map(|a| me.intern(&a)),
            ..k
        };
        for (k, b) in other.open {
            let k = rekey(self, k);
            match self.open.get_mut(&k) {
                Some(mine) => mine.merge(*b),
                None => {
                    self.open.insert(k, b);
                }
            }
        }
        for (k, b) in other.closed {
            if self.closed.len() < MAX_CANDIDATES {
                let k = rekey(self, k);
                self.closed.push((k, b));
            }
        }
        for (k, tr) in other.custom {
            let e = self.custom.entry(k).or_default();
            match (&mut e.open, tr.open) {
                (Some(m), Some(o)) => m.merge(o),
                (None, Some(o)) => e.open = Some(o),
                _ => {}
            }
        }
        self.custom_events.extend(other.custom_events);
        for (k, v) in other.sessions {
            if self.sessions.len() < MAX_SESSIONS {
                self.sessions.insert(k, v);
            }
        }
        self.human_accounts.extend(other.human_accounts);
        for (k, v) in other.countries {
            *self.countries.entry(k).or_default() += v;
        }
        for (k, t) in other.tallies {
            self.tallies.entry(k).or_default().add(&t);
        }
        for (ip, t) in other.exception_sources {
            let last = self.exception_sources.entry(ip).or_insert(t);
            *last = (*last).max(t);
        }
        self.absorbed += other.absorbed;
        self.max_t = self.max_t.max(other.max_t);
    }

    pub fn finish(mut self, apis: &[ApiSummary]) -> Vec<EventFinding> {
        let home = self.home().map(Location::Country);
        let summaries: HashMap<&ApiKey, &ApiSummary> = apis.iter().map(|a| (&a.key, a)).collect();
        let mut drafts = self.baselines.judge(&summaries);
        let mut all_apis = ApiTally::default();
        for t in self.tallies.values() {
            all_apis.add(t);
        }
        let cx = JudgeCx {
            summaries,
            home,
            human_accounts: &self.human_accounts,
            tallies: &self.tallies,
            all_apis,
        };
        // Sorted by reference: a burst is hundreds of bytes, and there are tens of thousands.
        let closed = std::mem::take(&mut self.closed);
        let open: Vec<(TrackKey, Box<Burst>)> = self.open.drain().collect();
        let mut bursts: Vec<(&TrackKey, &Burst)> = closed
            .iter()
            .map(|(k, b)| (k, b))
            .chain(open.iter().map(|(k, b)| (k, &**b)))
            .collect();
        bursts.sort_by(|a, b| (a.1.start, a.0).cmp(&(b.1.start, b.0)));
        for (k, b) in bursts {
            drafts.extend(judge_burst(k, b, &cx));
        }
        let mut customs = std::mem::take(&mut self.custom_events);
        for ((i, subj), tr) in self.custom.drain() {
            if let Some(b) = tr.open {
                customs.push((i, subj, b));
            }
        }
        for (i, subj, b) in customs {
            let Some(rule) = self.config.custom.get(i as usize) else {
                continue;
            };
            let k = TrackKey {
                family: Family::Custom(i),
                subject: subj,
                api: None,
            };
            let mut d = Draft::from_burst("custom_event", &k, &b);
            d.level = Some(rule.rule.level);
            d.suggestion = Some(rule.rule.suggestion.clone());
            d.facts.rule = Some(rule.rule.name.clone());
            drafts.push(d);
        }
        let mut out: Vec<EventFinding> = drafts.into_iter().map(Draft::render).collect();
        out.sort_by(|a, b| {
            (a.start_ms, &a.key, a.ip, &a.account, &a.api)
                .cmp(&(b.start_ms, &b.key, b.ip, &b.account, &b.api))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;
    use std::collections::BTreeSet;

    #[test]
    fn registry_matches_catalog() {
        let cat: BTreeSet<&str> = catalog().events.iter().map(|e| e.key.as_str()).collect();
        let reg: BTreeSet<&str> = REGISTRY.iter().map(|r| r.0).collect();
        assert_eq!(reg.len(), REGISTRY.len(), "duplicate registry keys");
        let missing: Vec<_> = cat.difference(&reg).collect();
        let extra: Vec<_> = reg.difference(&cat).collect();
        assert!(
            missing.is_empty(),
            "catalog keys without a detector: {missing:?}"
        );
        assert!(
            extra.is_empty(),
            "detectors without a catalog key: {extra:?}"
        );
        for (k, _) in REGISTRY {
            let f = describe::Facts::default();
            let d = describe::describe(k, &f);
            assert!(!d.starts_with("Event "), "{k} has no description");
            if *k != "custom_event" {
                assert!(!describe::suggestion(k).is_empty(), "{k} has no suggestion");
            }
        }
    }

    #[test]
    fn catalog_subjects_match_registry_subjects() {
        for e in &catalog().events {
            let account_kind = e.key.starts_with("account_");
            assert_eq!(e.subject == Subject::Account, account_kind, "{}", e.key);
        }
    }
}
