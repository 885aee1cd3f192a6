//! Cross-border data review: how many distinct persons' personal information, and personal
//! sensitive information, went to clients outside the Chinese mainland, how many persons the
//! organisation processed overall, and whether that crosses the declaration thresholds.
//!
//! ## Counting persons, not values
//! A person is identified by identifier values (ID documents, mobile and phone numbers, e-mail
//! addresses, bank cards: [`IDENTIFIER_TYPES`]), compared by their keyed hashes. Identifiers that
//! appear together in one object (one finding `group`) belong to one person, so identifiers are
//! joined with a union-find: the same phone seen next to an ID card in one response and next to
//! an e-mail in another makes one person, not three. Objects that carry personal information but
//! no identifier (a bare name or address) cannot be attributed to a person and are not counted.
//!
//! The count is exact: one node (about 40 bytes) per distinct identifier hash. The console
//! persists the nodes in the database between jobs.
//!
//! ## The period
//! Counters are cumulative since 1 January of the previous year, relative to the reference time
//! given to [`ComplianceState::finish`] (the newest record time in `apisec analyze`).

pub mod trace;

use crate::catalog::catalog;
use crate::facts::{Direction, Finding, Location};
use crate::pipeline::ExchangeFacts;
use chrono::{Datelike, TimeZone, Utc};
#[allow(unused_imports)]
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    #[default]
    Cn,
    Intl,
}

impl std::str::FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cn" => Ok(Region::Cn),
            "intl" => Ok(Region::Intl),
            other => Err(format!("unknown region `{other}` (expected cn or intl)")),
        }
    }
}

/// Sensitive type IDs that identify a person: mainland ID card, passport, Hong Kong/Macao travel
/// permit, military officer card, Hong Kong / Malaysia / Singapore ID cards, SSN, Indonesian KK
/// and KIP, mainland mobile and landline, US phone, e-mail, debit and credit cards.
pub const IDENTIFIER_TYPES: &[u32] = &[
    1000, 1001, 1004, 1005, 1006, 1007, 1009, 1010, 1015, 1018, 1019, 1020, 1023, 1024, 4412, 4418,
];

/// Declaration thresholds of the product specification (strictly greater than).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    pub outbound_persons: u64,
    pub outbound_sensitive_persons: u64,
    pub processed_persons: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            outbound_persons: 100_000,
            outbound_sensitive_persons: 10_000,
            processed_persons: 1_000_000,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ComplianceConfig {
    pub region: Region,
    /// ISO codes that count as inside the Chinese mainland; every other known country (Hong
    /// Kong, Macao and Taiwan included) is outside.
    pub inside_countries: Vec<String>,
    pub thresholds: Thresholds,
    /// Size cap of the leak tracing index ([`trace`]).
    pub trace: trace::TraceConfig,
}

impl Default for ComplianceConfig {
    fn default() -> Self {
        ComplianceConfig {
            region: Region::Cn,
            inside_countries: default_inside_countries(),
            thresholds: Thresholds::default(),
            trace: trace::TraceConfig::default(),
        }
    }
}

/// Places counted as inside the Chinese mainland by default: the mainland only, so Hong Kong,
/// Macao and Taiwan (and every other country) are outside.
pub fn default_inside_countries() -> Vec<String> {
    vec!["CN".into()]
}

/// Whether a client location code (ISO alpha-2, `internal`, `unknown` or empty) is outside the
/// mainland for `inside` (ISO codes, any case). Internal and unknown clients are never outside.
pub fn is_outside(inside: &[String], code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_alphabetic())
        && !inside.iter().any(|i| i.eq_ignore_ascii_case(code))
}

/// The declaration conditions the counters meet (strictly greater than each threshold; the
/// processed-persons condition needs some outbound transfer). Empty outside the mainland region.
pub fn verdict(
    region: Region,
    outbound_persons: u64,
    outbound_sensitive_persons: u64,
    processed_persons: u64,
    th: &Thresholds,
) -> Vec<Trigger> {
    let mut triggers = Vec::new();
    // The declaration regime applies to data leaving the Chinese mainland only.
    if region != Region::Cn {
        return triggers;
    }
    if outbound_persons > th.outbound_persons {
        triggers.push(Trigger::OutboundPersons);
    }
    if outbound_sensitive_persons > th.outbound_sensitive_persons {
        triggers.push(Trigger::OutboundSensitivePersons);
    }
    if outbound_persons > 0 && processed_persons > th.processed_persons {
        triggers.push(Trigger::ProcessedPersonsWithOutbound);
    }
    triggers
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CountryCount {
    pub persons: u64,
    pub records: u64,
}

/// Which declaration condition triggered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    OutboundPersons,
    OutboundSensitivePersons,
    ProcessedPersonsWithOutbound,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComplianceSummary {
    pub region: Region,
    /// Start of the counting period (1 January of the previous year), RFC 3339.
    pub period_start: String,
    pub outbound_persons: u64,
    pub outbound_sensitive_persons: u64,
    pub processed_persons: u64,
    /// Persons whose personal information arrived in requests from clients outside.
    pub inbound_persons: u64,
    pub declaration_required: bool,
    pub triggers: Vec<Trigger>,
    pub thresholds: Thresholds,
    /// Destination country -> persons and exchanges.
    pub by_country: BTreeMap<String, CountryCount>,
    /// `host method path` -> outbound exchanges carrying personal information.
    pub by_api: BTreeMap<String, u64>,
    /// Sensitive type ID -> outbound values.
    pub by_type: BTreeMap<String, u64>,
    /// `YYYY-MM` -> outbound exchanges carrying personal information.
    pub by_month: BTreeMap<String, u64>,
    /// Size and completeness of the leak tracing index built by the same analysis.
    #[serde(default)]
    pub trace: trace::TraceStats,
}

/// What is known about one identifier value (by hash).
#[derive(Debug, Clone, Copy, Default)]
struct Node {
    parent: u32,
    /// Newest time the value was seen at all / sent out / sent out with sensitive data /
    /// received from outside (`i64::MIN` = never).
    seen_ms: i64,
    outbound_ms: i64,
    outbound_sensitive_ms: i64,
    inbound_ms: i64,
}

/// Month index (`year * 12 + month0`) of epoch milliseconds.
fn month_of(ms: i64) -> i32 {
    let t = Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
    t.year() * 12 + t.month0() as i32
}

fn month_label(m: i32) -> String {
    format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

#[derive(Debug, Default)]
pub struct ComplianceState {
    config: ComplianceConfig,
    index: HashMap<u64, u32>,
    nodes: Vec<Node>,
    /// (country, identifier hash) -> newest outbound time.
    destinations: HashMap<([u8; 2], u64), i64>,
    /// Monthly tallies of outbound exchanges carrying personal information (bounded by months x
    /// countries / APIs / types, so the period filter can be applied at the end).
    country_months: HashMap<([u8; 2], i32), u64>,
    api_months: HashMap<(String, i32), u64>,
    type_months: HashMap<(u32, i32), u64>,
}

impl ComplianceState {
    pub fn new(config: ComplianceConfig) -> Self {
        ComplianceState {
            config,
            ..Default::default()
        }
    }

    fn node(&mut self, hash: u64) -> u32 {
        if let Some(&i) = self.index.get(&hash) {
            return i;
        }
        let i = self.nodes.len() as u32;
        self.nodes.push(Node {
            parent: i,
            seen_ms: i64::MIN,
            outbound_ms: i64::MIN,
            outbound_sensitive_ms: i64::MIN,
            inbound_ms: i64::MIN,
        });
        self.index.insert(hash, i);
        i
    }

    fn find(&mut self, mut i: u32) -> u32 {
        while self.nodes[i as usize].parent != i {
            let p = self.nodes[i as usize].parent;
            // Path halving keeps the trees flat.
            self.nodes[i as usize].parent = self.nodes[p as usize].parent;
            i = p;
        }
        i
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.nodes[hi as usize].parent = lo;
        }
    }

    /// Where the client is relative to the Chinese mainland: `Some(code)` when outside.
    fn outside(&self, location: &Location) -> Option<[u8; 2]> {
        match location {
            Location::Country(c) => {
                let inside = self
                    .config
                    .inside_countries
                    .iter()
                    .any(|i| i.as_bytes().eq_ignore_ascii_case(c));
                (!inside).then_some(*c)
            }
            Location::Internal | Location::Unknown => None,
        }
    }

    pub fn absorb(&mut self, f: &ExchangeFacts) {
        if f.findings.is_empty() {
            return;
        }
        let cat = catalog();
        let abroad = self.outside(&f.client.location);
        let month = month_of(f.time_ms);
        let mut carried_personal_out = false;

        // Objects: findings sharing (direction, group), in that order (a stable sort keeps
        // each object's findings in their order; no map and no list per object).
        let mut by_object: Vec<&Finding> = f.findings.iter().collect();
        by_object.sort_by_key(|fd| (fd.direction, fd.group));
        for findings in by_object.chunk_by(|a, b| (a.direction, a.group) == (b.direction, b.group))
        {
            let direction = findings[0].direction;
            let mut personal = false;
            let mut sensitive = false;
            for fd in findings {
                if let Some(t) = cat.sensitive(fd.type_id) {
                    personal |= t.personal;
                    sensitive |= t.personal_sensitive;
                }
            }
            if !personal {
                continue;
            }
            let mut hashes: Vec<_> = findings
                .iter()
                .filter(|fd| IDENTIFIER_TYPES.contains(&fd.type_id))
                .map(|fd| fd.hash)
                .collect();
            hashes.sort_unstable();
            hashes.dedup();
            let ids: Vec<u32> = hashes.into_iter().map(|h| self.node(h)).collect();
            let outbound = direction == Direction::Response && abroad.is_some();
            let inbound = direction == Direction::Request && abroad.is_some();
            for w in ids.windows(2) {
                self.union(w[0], w[1]);
            }
            for &i in &ids {
                let n = &mut self.nodes[i as usize];
                n.seen_ms = n.seen_ms.max(f.time_ms);
                if outbound {
                    n.outbound_ms = n.outbound_ms.max(f.time_ms);
                    if sensitive {
                        n.outbound_sensitive_ms = n.outbound_sensitive_ms.max(f.time_ms);
                    }
                }
                if inbound {
                    n.inbound_ms = n.inbound_ms.max(f.time_ms);
                }
            }
            if outbound {
                carried_personal_out = true;
                let country = abroad.unwrap_or(*b"ZZ");
                for fd in findings {
                    if IDENTIFIER_TYPES.contains(&fd.type_id) {
                        let t = self
                            .destinations
                            .entry((country, fd.hash))
                            .or_insert(i64::MIN);
                        *t = (*t).max(f.time_ms);
                    }
                    if cat.sensitive(fd.type_id).is_some_and(|t| t.personal) {
                        *self.type_months.entry((fd.type_id, month)).or_default() += 1;
                    }
                }
            }
        }
        if carried_personal_out {
            let country = abroad.unwrap_or(*b"ZZ");
            *self.country_months.entry((country, month)).or_default() += 1;
            let api = format!("{} {} {}", f.api.host, f.api.method, f.api.path);
            *self.api_months.entry((api, month)).or_default() += 1;
        }
    }

    /// Adds another shard's state (the union-find is replayed node by node).
    pub fn merge(&mut self, mut other: ComplianceState) {
        let hashes: Vec<(u64, u32)> = other.index.iter().map(|(h, i)| (*h, *i)).collect();
        let by_index: HashMap<u32, u64> = hashes.iter().map(|(h, i)| (*i, *h)).collect();
        for (hash, i) in hashes {
            let root = other.find(i);
            let theirs = other.nodes[i as usize];
            let mine = self.node(hash);
            let root_mine = self.node(by_index[&root]);
            self.union(mine, root_mine);
            let n = &mut self.nodes[mine as usize];
            n.seen_ms = n.seen_ms.max(theirs.seen_ms);
            n.outbound_ms = n.outbound_ms.max(theirs.outbound_ms);
            n.outbound_sensitive_ms = n.outbound_sensitive_ms.max(theirs.outbound_sensitive_ms);
            n.inbound_ms = n.inbound_ms.max(theirs.inbound_ms);
        }
        for (k, t) in other.destinations {
            let e = self.destinations.entry(k).or_insert(i64::MIN);
            *e = (*e).max(t);
        }
        for (k, v) in other.country_months {
            *self.country_months.entry(k).or_default() += v;
        }
        for (k, v) in other.api_months {
            *self.api_months.entry(k).or_default() += v;
        }
        for (k, v) in other.type_months {
            *self.type_months.entry(k).or_default() += v;
        }
    }

    /// Start of the counting period for a reference time: 1 January of the previous year (UTC).
    pub fn period_start_ms(reference_ms: i64) -> i64 {
        let year = Utc
            .timestamp_millis_opt(reference_ms)
            .single()
            .unwrap_or_default()
            .year();
        Utc.with_ymd_and_hms(year - 1, 1, 1, 0, 0, 0)
            .single()
            .map_or(i64::MIN, |t| t.timestamp_millis())
    }

    /// Counts persons in the period that ends at `reference_ms` and applies the thresholds.
    pub fn finish(mut self, reference_ms: i64) -> ComplianceSummary {
        let start = Self::period_start_ms(reference_ms);
        let start_month = month_of(start);

        // Fold node times into their roots: a person counts when any identifier does.
        let mut roots: HashMap<u32, Node> = HashMap::new();
        for i in 0..self.nodes.len() as u32 {
            let r = self.find(i);
            let n = self.nodes[i as usize];
            let e = roots.entry(r).or_insert(Node {
                parent: r,
                seen_ms: i64::MIN,
                outbound_ms: i64::MIN,
                outbound_sensitive_ms: i64::MIN,
                inbound_ms: i64::MIN,
            });
            e.seen_ms = e.seen_ms.max(n.seen_ms);
            e.outbound_ms = e.outbound_ms.max(n.outbound_ms);
            e.outbound_sensitive_ms = e.outbound_sensitive_ms.max(n.outbound_sensitive_ms);
            e.inbound_ms = e.inbound_ms.max(n.inbound_ms);
        }
        let count =
            |pick: fn(&Node) -> i64| roots.values().filter(|n| pick(n) >= start).count() as u64;
        let outbound_persons = count(|n| n.outbound_ms);
        let outbound_sensitive_persons = count(|n| n.outbound_sensitive_ms);
        let processed_persons = count(|n| n.seen_ms);
        let inbound_persons = count(|n| n.inbound_ms);

        let mut persons_by_country: BTreeMap<[u8; 2], HashSet<u32>> = BTreeMap::new();
        let destinations = std::mem::take(&mut self.destinations);
        for ((country, hash), t) in destinations {
            if t < start {
                continue;
            }
            if let Some(&i) = self.index.get(&hash) {
                let r = self.find(i);
                persons_by_country.entry(country).or_default().insert(r);
            }
        }
        let mut by_country: BTreeMap<String, CountryCount> = BTreeMap::new();
        for ((country, month), n) in &self.country_months {
            if *month >= start_month {
                let code = String::from_utf8_lossy(country).into_owned();
                by_country.entry(code).or_default().records += n;
            }
        }
        for (country, persons) in persons_by_country {
            let code = String::from_utf8_lossy(&country).into_owned();
            by_country.entry(code).or_default().persons = persons.len() as u64;
        }
        let mut by_api = BTreeMap::new();
        for ((api, month), n) in self.api_months {
            if month >= start_month {
                *by_api.entry(api).or_default() += n;
            }
        }
        let mut by_type = BTreeMap::new();
        for ((t, month), n) in self.type_months {
            if month >= start_month {
                *by_type.entry(t.to_string()).or_default() += n;
            }
        }
        let mut by_month = BTreeMap::new();
        for ((_, month), n) in &self.country_months {
            if *month >= start_month {
                *by_month.entry(month_label(*month)).or_default() += n;
            }
        }

        let th = self.config.thresholds;
        let triggers = verdict(
            self.config.region,
            outbound_persons,
            outbound_sensitive_persons,
            processed_persons,
            &th,
        );
        ComplianceSummary {
            region: self.config.region,
            period_start: crate::record::format_time(start),
            outbound_persons,
            outbound_sensitive_persons,
            processed_persons,
            inbound_persons,
            declaration_required: !triggers.is_empty(),
            triggers,
            thresholds: th,
            by_country,
            by_api,
            by_type,
            by_month,
            trace: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{ApiKey, ClientInfo, ToolInfo, ToolKind};

    const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn facts(time_ms: i64, country: Option<&str>, findings: Vec<Finding>) -> ExchangeFacts {
        let location = match country {
            Some("internal") => Location::Internal,
            Some(c) => Location::Country(c.as_bytes().try_into().unwrap()),
            None => Location::Unknown,
        };
        ExchangeFacts {
            api: ApiKey {
                host: "shop.example.com".into(),
                method: "GET".into(),
                path: "/users/{user_id}".into(),
            },
            time_ms,
            client_ip: "8.8.8.8".parse().unwrap(),
            status: 200,
            client: ClientInfo {
                location,
                tool: ToolInfo {
                    kind: ToolKind::Browser,
                    family: "Chrome".into(),
                },
            },
            account: None,
            discovery: Default::default(),
            findings,
            risk: Default::default(),
            event: Default::default(),
            bytes: 0,
        }
    }

    fn fnd(type_id: u32, hash: u64, group: u32, direction: Direction) -> Finding {
        Finding {
            type_id,
            direction,
            field: "json.data[].x".into(),
            masked: "***".into(),
            hash,
            group,
        }
    }
    fn resp(type_id: u32, hash: u64, group: u32) -> Finding {
        fnd(type_id, hash, group, Direction::Response)
    }

    fn run(config: ComplianceConfig, all: &[ExchangeFacts]) -> ComplianceSummary {
        let mut s = ComplianceState::new(config);
        for f in all {
            s.absorb(f);
        }
        s.finish(all.iter().map(|f| f.time_ms).max().unwrap_or(T0))
    }

    #[test]
    fn identifiers_in_one_object_are_one_person_and_links_carry_over() {
        let all = vec![
            // phone + ID card together: one person (sensitive, because of the ID card)
            facts(
                T0,
                Some("US"),
                vec![resp(1004, 1, 0), resp(1000, 2, 0), resp(1002, 99, 0)],
            ),
            // same phone next to an e-mail later: still the same person
            facts(
                T0 + 1000,
                Some("US"),
                vec![resp(1004, 1, 0), resp(1005, 3, 0)],
            ),
            // another person in another object of the same response
            facts(
                T0 + 2000,
                Some("HK"),
                vec![resp(1005, 4, 0), resp(1005, 5, 1)],
            ),
        ];
        let s = run(ComplianceConfig::default(), &all);
        assert_eq!(s.outbound_persons, 3);
        assert_eq!(s.outbound_sensitive_persons, 1);
        assert_eq!(s.processed_persons, 3);
        assert_eq!(
            s.by_country["US"],
            CountryCount {
                persons: 1,
                records: 2
            }
        );
        assert_eq!(
            s.by_country["HK"],
            CountryCount {
                persons: 2,
                records: 1
            }
        );
        assert!(!s.declaration_required);
    }

    #[test]
    fn only_clients_outside_the_mainland_count_as_outbound() {
        let all = vec![
            facts(T0, Some("CN"), vec![resp(1004, 1, 0)]),
            facts(T0, Some("internal"), vec![resp(1004, 2, 0)]),
            facts(T0, None, vec![resp(1004, 3, 0)]),
            facts(T0, Some("TW"), vec![resp(1004, 4, 0)]),
            facts(T0, Some("MO"), vec![resp(1004, 5, 0)]),
            // requests from abroad are inbound, not outbound
            facts(T0, Some("US"), vec![fnd(1004, 6, 0, Direction::Request)]),
            // province names are not personal information
            facts(T0, Some("US"), vec![resp(1013, 7, 0)]),
        ];
        let s = run(ComplianceConfig::default(), &all);
        assert_eq!(s.outbound_persons, 2);
        assert_eq!(s.inbound_persons, 1);
        assert_eq!(s.processed_persons, 6);
        assert!(!s.by_country.contains_key("CN"));
        // Hong Kong, Macao and Taiwan can be declared inside by configuration.
        let config = ComplianceConfig {
            inside_countries: vec!["CN".into(), "TW".into()],
            ..Default::default()
        };
        assert_eq!(run(config, &all).outbound_persons, 1);
    }

    #[test]
    fn only_the_period_since_january_first_of_the_previous_year_counts() {
        let old = T0 - 400 * 86_400_000; // 2024-11-27
        let all = vec![
            facts(old, Some("US"), vec![resp(1004, 1, 0)]),
            facts(T0 + 5, Some("US"), vec![resp(1004, 2, 0)]),
        ];
        let s = run(ComplianceConfig::default(), &all);
        assert_eq!(s.period_start, "2025-01-01T00:00:00Z");
        assert_eq!(s.outbound_persons, 1);
        assert_eq!(s.by_month.keys().collect::<Vec<_>>(), vec!["2026-01"]);
    }

    fn persons(n: u64, type_id: u32, country: &str, offset: u64) -> Vec<ExchangeFacts> {
        (0..n)
            .map(|i| facts(T0, Some(country), vec![resp(type_id, offset + i, 0)]))
            .collect()
    }

    #[test]
    fn outbound_persons_threshold_is_strictly_greater_than() {
        let at = persons(100_000, 1004, "US", 0);
        let s = run(ComplianceConfig::default(), &at);
        assert_eq!(s.outbound_persons, 100_000);
        assert!(!s.declaration_required);
        let mut over = at;
        over.extend(persons(1, 1005, "SG", 1 << 40));
        let s = run(ComplianceConfig::default(), &over);
        assert!(s.declaration_required);
        assert_eq!(s.triggers, vec![Trigger::OutboundPersons]);
    }

    #[test]
    fn sensitive_persons_threshold() {
        let mut all = persons(10_000, 1000, "US", 0);
        assert!(!run(ComplianceConfig::default(), &all).declaration_required);
        all.extend(persons(1, 1000, "JP", 1 << 40));
        let s = run(ComplianceConfig::default(), &all);
        assert_eq!(s.outbound_sensitive_persons, 10_001);
        assert_eq!(s.triggers, vec![Trigger::OutboundSensitivePersons]);
        // The same data for an international tenant needs no declaration.
        let intl = ComplianceConfig {
            region: Region::Intl,
            ..Default::default()
        };
        assert!(!run(intl, &all).declaration_required);
    }

    #[test]
    fn processed_persons_threshold_needs_some_outbound_transfer() {
        let mut all = persons(1_000_001, 1004, "CN", 0);
        let s = run(ComplianceConfig::default(), &all);
        assert_eq!(s.processed_persons, 1_000_001);
        assert!(!s.declaration_required, "no outbound transfer at all");
        all.push(facts(T0, Some("US"), vec![resp(1004, 5, 0)]));
        let s = run(ComplianceConfig::default(), &all);
        assert_eq!(s.outbound_persons, 1);
        assert_eq!(s.triggers, vec![Trigger::ProcessedPersonsWithOutbound]);
    }

    #[test]
    fn merged_shards_equal_one_pass() {
        let all = vec![
            facts(T0, Some("US"), vec![resp(1004, 1, 0), resp(1000, 2, 0)]),
            facts(T0 + 1, Some("DE"), vec![resp(1000, 2, 0), resp(1005, 3, 0)]),
            facts(T0 + 2, Some("US"), vec![resp(1005, 3, 0)]),
            facts(T0 + 3, Some("CN"), vec![resp(1005, 8, 0), resp(1004, 9, 0)]),
        ];
        let one = run(ComplianceConfig::default(), &all);
        let mut a = ComplianceState::new(ComplianceConfig::default());
        let mut b = ComplianceState::new(ComplianceConfig::default());
        for (i, f) in all.iter().enumerate() {
            if i % 2 == 0 {
                a.absorb(f)
            } else {
                b.absorb(f)
            }
        }
        a.merge(b);
        let merged = a.finish(T0 + 3);
        assert_eq!(one, merged);
        assert_eq!(one.outbound_persons, 1);
        assert_eq!(one.processed_persons, 2);
    }
}
