//! Shared helpers for the event tests: build exchange facts from hand-made records with chosen
//! purposes, locations and sensitive findings, then fold and judge them.
#![allow(dead_code)]

use engine::client::{identify_account, ClientClassifier};
use engine::discovery::{DiscoveryFacts, TemplateSet};
use engine::event::{self, EventConfig, EventFinding, EventState};
use engine::exchange::Exchange;
use engine::facts::*;
use engine::pipeline::ExchangeFacts;
use engine::record::{Record, WafAction};
use engine::sensitive::{seal, ValueHasher};

pub const DAY: i64 = 86_400_000;
pub const HOUR: i64 = 3_600_000;
pub const MIN: i64 = 60_000;
/// 2024-03-04T00:00:00Z, a Monday.
pub const T0: i64 = 1_709_510_400_000;

pub const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

#[derive(Clone)]
pub struct Ex {
    pub rec: Record,
    pub purposes: Vec<PurposeTag>,
    pub location: Option<Location>,
    pub findings: Vec<RawFinding>,
}

pub fn rec(t: i64, ip: &str, method: &str, path: &str) -> Ex {
    Ex {
        rec: Record {
            time_ms: t,
            host: "api.shop.example".into(),
            method: method.into(),
            path: path.into(),
            query: None,
            scheme: Some("https".into()),
            client_ip: ip.parse().unwrap(),
            user_agent: Some(CHROME.into()),
            status: 200,
            request_headers: vec![],
            request_body: None,
            response_headers: vec![],
            response_body: None,
            account: None,
            waf_action: None,
            waf_rule: None,
        },
        purposes: vec![],
        location: None,
        findings: vec![],
    }
}

impl Ex {
    pub fn host(mut self, h: &str) -> Self {
        self.rec.host = h.into();
        self
    }
    pub fn query(mut self, q: &str) -> Self {
        self.rec.query = Some(q.into());
        self
    }
    pub fn json(mut self, body: &str) -> Self {
        self.rec.request_body = Some(body.into());
        self.rec
            .request_headers
            .push(("content-type".into(), "application/json".into()));
        self
    }
    pub fn form(mut self, body: &str) -> Self {
        self.rec.request_body = Some(body.into());
        self.rec.request_headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        self
    }
    pub fn status(mut self, s: u16) -> Self {
        self.rec.status = s;
        self
    }
    pub fn resp(mut self, body: &str) -> Self {
        self.rec.response_body = Some(body.into());
        self
    }
    pub fn resp_header(mut self, k: &str, v: &str) -> Self {
        self.rec.response_headers.push((k.into(), v.into()));
        self
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.rec.request_headers.push((k.into(), v.into()));
        self
    }
    pub fn ua(mut self, ua: &str) -> Self {
        self.rec.user_agent = Some(ua.into());
        self
    }
    pub fn account(mut self, a: &str) -> Self {
        self.rec.account = Some(a.into());
        self
    }
    pub fn waf(mut self, a: WafAction, rule: &str) -> Self {
        self.rec.waf_action = Some(a);
        self.rec.waf_rule = Some(rule.into());
        self
    }
    pub fn purpose(mut self, purpose: &str, kind: &str) -> Self {
        self.purposes.push(PurposeTag {
            purpose: purpose.into(),
            kind: kind.into(),
        });
        self
    }
    pub fn at(mut self, l: Location) -> Self {
        self.location = Some(l);
        self
    }
    /// A response finding of catalog type `type_id` with value `v`.
    pub fn found(mut self, type_id: u32, v: &str) -> Self {
        let group = self.findings.len() as u32;
        self.findings.push(RawFinding {
            type_id,
            direction: Direction::Response,
            field: "json.data[].v".into(),
            value: v.into(),
            group,
        });
        self
    }
}

pub fn country(c: &str) -> Location {
    let b = c.as_bytes();
    Location::Country([b[0], b[1]])
}

/// Runs the per-exchange stage for one hand-built exchange.
pub fn facts(e: &Ex) -> ExchangeFacts {
    facts_with(e, &[])
}

pub fn facts_with(e: &Ex, custom: &[event::CompiledCustomRule]) -> ExchangeFacts {
    let templates = TemplateSet::default();
    let ex = Exchange::new(&e.rec);
    let api = templates.resolve(&ex).expect("api");
    let mut client = ClientClassifier::without_geo().classify(&e.rec);
    if let Some(l) = e.location {
        client.location = l;
    }
    let auth = AuthObservation::default();
    let account = identify_account(&ex, &auth);
    let ctx = ExchangeContext {
        ex: &ex,
        api: &api,
        purposes: &e.purposes,
        auth: &auth,
        client: &client,
        account: account.as_deref(),
        findings: &e.findings,
    };
    let ev = event::signals_with(&ctx, custom);
    ExchangeFacts {
        api,
        time_ms: e.rec.time_ms,
        client_ip: e.rec.client_ip,
        status: e.rec.status,
        client,
        account,
        discovery: DiscoveryFacts {
            purposes: e.purposes.clone(),
            ..Default::default()
        },
        findings: seal(e.findings.clone(), &ValueHasher::new(b"test")),
        risk: Default::default(),
        event: ev,
        bytes: 0,
    }
}

pub fn summary(api: ApiKey, service: ServiceObject, authenticated: bool) -> ApiSummary {
    ApiSummary {
        key: api,
        calls: 0,
        first_seen_ms: 0,
        last_seen_ms: 0,
        active: true,
        purposes: vec![],
        service_object: service,
        auth: vec![],
        authenticated,
        sensitivity: Default::default(),
        request_types: Default::default(),
        response_types: Default::default(),
        params: vec![],
        statuses: Default::default(),
        response_content_types: Default::default(),
        calls_per_day: Default::default(),
        distinct_clients: 0,
    }
}

pub fn run_cfg(mut exs: Vec<Ex>, cfg: EventConfig, apis: &[ApiSummary]) -> Vec<EventFinding> {
    exs.sort_by_key(|e| e.rec.time_ms);
    let custom = cfg.custom.clone();
    let mut st = EventState::new(cfg);
    for e in &exs {
        st.absorb(&facts_with(e, &custom));
    }
    st.finish(apis)
}

pub fn run(exs: Vec<Ex>) -> Vec<EventFinding> {
    run_cfg(exs, EventConfig::default(), &[])
}

pub fn keys(evs: &[EventFinding]) -> Vec<&str> {
    let mut k: Vec<&str> = evs.iter().map(|e| e.key.as_str()).collect();
    k.sort();
    k.dedup();
    k
}

pub fn find<'a>(evs: &'a [EventFinding], key: &str) -> Option<&'a EventFinding> {
    evs.iter().find(|e| e.key == key)
}

/// Background traffic: `n_ips` browser users each calling `path` `per_ip` times over a day,
/// spread over business hours, a few calls per minute at most.
pub fn background(path: &str, n_ips: u32, per_ip: u32, days: i64) -> Vec<Ex> {
    let mut out = Vec::new();
    for d in 0..days {
        for i in 0..n_ips {
            for j in 0..per_ip {
                let t = T0
                    + d * DAY
                    + 8 * HOUR
                    + (i as i64 * 7 + j as i64 * 29) % (10 * 60) * MIN
                    + (j as i64 * 1_337) % MIN;
                out.push(rec(
                    t,
                    &format!("203.0.{}.{}", i / 200, i % 200 + 1),
                    "GET",
                    path,
                ));
            }
        }
    }
    out
}
