//! Builders shared by the `risk_*` integration tests: realistic exchanges with hand-filled
//! purposes, authentication, client info and sensitive findings (the stages that produce them
//! are tested on their own), run through `risk::signals`, `RiskState` and `finish`.
#![allow(dead_code)]

use base64::Engine as _;
use engine::discovery::DiscoveryFacts;
use engine::event::EventSignals;
use engine::exchange::Exchange;
use engine::facts::*;
use engine::pipeline::ExchangeFacts;
use engine::record::Record;
use engine::risk::{self, CompiledRiskRules, RiskFinding, RiskSignals, RiskState};
use engine::sensitive::{seal, ValueHasher};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// 2026-03-02T09:00:00Z
pub const T0: i64 = 1_772_442_000_000;

#[derive(Clone)]
pub struct Ex {
    pub record: Record,
    pub purposes: Vec<PurposeTag>,
    pub auth: AuthObservation,
    pub client: ClientInfo,
    pub findings: Vec<RawFinding>,
}

pub fn ex(method: &str, path: &str) -> Ex {
    Ex {
        record: Record {
            time_ms: T0,
            host: "api.shop.example".into(),
            method: method.into(),
            path: path.into(),
            query: None,
            scheme: Some("https".into()),
            client_ip: "203.0.113.10".parse().unwrap(),
            user_agent: None,
            status: 200,
            request_headers: vec![(
                "user-agent".into(),
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36".into(),
            )],
            request_body: None,
            response_headers: vec![("content-type".into(), "application/json".into())],
            response_body: Some(r#"{"code":0,"msg":"ok"}"#.into()),
            account: None,
            waf_action: None,
            waf_rule: None,
        },
        purposes: vec![],
        auth: AuthObservation::default(),
        client: ClientInfo {
            location: Location::Country(*b"CN"),
            tool: ToolInfo {
                kind: ToolKind::Browser,
                family: "Chrome".into(),
            },
        },
        findings: vec![],
    }
}

pub fn get(path: &str) -> Ex {
    ex("GET", path)
}
pub fn post(path: &str) -> Ex {
    ex("POST", path)
}

impl Ex {
    pub fn query(mut self, q: &str) -> Self {
        self.record.query = Some(q.into());
        self
    }
    pub fn json(mut self, body: &str) -> Self {
        self.record.request_body = Some(body.into());
        self.header("content-type", "application/json")
    }
    pub fn form(mut self, body: &str) -> Self {
        self.record.request_body = Some(body.into());
        self.header("content-type", "application/x-www-form-urlencoded")
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.record
            .request_headers
            .push((k.to_ascii_lowercase(), v.into()));
        self
    }
    pub fn cookie(self, c: &str) -> Self {
        self.header("cookie", c)
    }
    /// A bearer token that is long and random: the request is authenticated.
    pub fn authed(mut self) -> Self {
        self.auth.kinds.push(AuthKind::BearerToken);
        self.header(
            "authorization",
            "Bearer 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        )
    }
    pub fn status(mut self, s: u16) -> Self {
        self.record.status = s;
        self
    }
    pub fn resp(mut self, body: &str) -> Self {
        self.record.response_body = Some(body.into());
        self
    }
    pub fn resp_html(mut self, body: &str) -> Self {
        self.record.response_headers = vec![("content-type".into(), "text/html".into())];
        self.record.response_body = Some(body.into());
        self
    }
    pub fn resp_header(mut self, k: &str, v: &str) -> Self {
        self.record
            .response_headers
            .push((k.to_ascii_lowercase(), v.into()));
        self
    }
    pub fn ip(mut self, ip: &str) -> Self {
        self.record.client_ip = ip.parse().unwrap();
        if is_internal_ip(&self.record.client_ip) {
            self.client.location = Location::Internal;
        }
        self
    }
    pub fn at(mut self, ms: i64) -> Self {
        self.record.time_ms = ms;
        self
    }
    pub fn scheme(mut self, s: Option<&str>) -> Self {
        self.record.scheme = s.map(Into::into);
        self
    }
    pub fn host(mut self, h: &str) -> Self {
        self.record.host = h.into();
        self
    }
    pub fn purpose(mut self, p: &str, k: &str) -> Self {
        self.purposes.push(PurposeTag {
            purpose: p.into(),
            kind: k.into(),
        });
        self
    }
    pub fn tool(mut self, kind: ToolKind, family: &str) -> Self {
        self.client.tool = ToolInfo {
            kind,
            family: family.into(),
        };
        self
    }
    pub fn location(mut self, l: Location) -> Self {
        self.client.location = l;
        self
    }
    pub fn waf_block(mut self) -> Self {
        self.record.waf_action = Some(engine::record::WafAction::Block);
        self
    }
    pub fn finding(mut self, type_id: u32, dir: Direction, field: &str, value: &str) -> Self {
        self.findings.push(RawFinding {
            type_id,
            direction: dir,
            field: field.into(),
            value: value.into(),
            group: 0,
        });
        self
    }
    pub fn resp_finding(self, type_id: u32, field: &str, value: &str) -> Self {
        self.finding(type_id, Direction::Response, field, value)
    }
    pub fn req_finding(self, type_id: u32, field: &str, value: &str) -> Self {
        self.finding(type_id, Direction::Request, field, value)
    }

    /// Numeric path segments become `{id}`.
    pub fn api(&self) -> ApiKey {
        let path = self
            .record
            .path
            .split('/')
            .map(|s| {
                if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                    "{id}"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        ApiKey {
            host: self.record.host.clone(),
            method: self.record.method.clone(),
            path,
        }
    }

    pub fn signals_with(&self, rules: &CompiledRiskRules) -> RiskSignals {
        let exchange = Exchange::new(&self.record);
        let api = self.api();
        let ctx = ExchangeContext {
            ex: &exchange,
            api: &api,
            purposes: &self.purposes,
            auth: &self.auth,
            client: &self.client,
            account: self.record.account.as_deref(),
            findings: &self.findings,
        };
        risk::signals_with(&ctx, rules)
    }

    pub fn signals(&self) -> RiskSignals {
        self.signals_with(CompiledRiskRules::none())
    }

    pub fn facts_with(&self, rules: &CompiledRiskRules) -> ExchangeFacts {
        let hasher = ValueHasher::new(b"test");
        ExchangeFacts {
            api: self.api(),
            time_ms: self.record.time_ms,
            client_ip: self.record.client_ip,
            status: self.record.status,
            client: self.client.clone(),
            account: self.record.account.clone(),
            discovery: DiscoveryFacts {
                purposes: self.purposes.clone(),
                auth: self.auth.clone(),
                ..Default::default()
            },
            findings: seal(self.findings.clone(), &hasher),
            risk: self.signals_with(rules),
            event: EventSignals::default(),
            bytes: 0,
        }
    }
}

/// API attributes the tests set by hand (what discovery and the inventory would say).
#[derive(Clone, Default)]
pub struct Attrs {
    pub service_object: ServiceObject,
    pub authenticated: bool,
    pub sensitivity: ApiSensitivity,
}

pub fn summaries(exs: &[Ex], attrs: &Attrs) -> Vec<ApiSummary> {
    let mut by: BTreeMap<ApiKey, ApiSummary> = BTreeMap::new();
    for e in exs {
        let s = by.entry(e.api()).or_insert_with(|| ApiSummary {
            key: e.api(),
            calls: 0,
            first_seen_ms: e.record.time_ms,
            last_seen_ms: e.record.time_ms,
            active: true,
            purposes: vec![],
            service_object: attrs.service_object,
            auth: vec![],
            authenticated: attrs.authenticated,
            sensitivity: attrs.sensitivity,
            request_types: BTreeMap::new(),
            response_types: BTreeMap::new(),
            params: vec![],
            statuses: BTreeMap::new(),
            response_content_types: BTreeMap::new(),
            calls_per_day: BTreeMap::new(),
            distinct_clients: 0,
        });
        s.calls += 1;
        s.first_seen_ms = s.first_seen_ms.min(e.record.time_ms);
        s.last_seen_ms = s.last_seen_ms.max(e.record.time_ms);
        for p in &e.purposes {
            if !s.purposes.contains(p) {
                s.purposes.push(p.clone());
            }
        }
        *s.statuses.entry(e.record.status).or_default() += 1;
    }
    by.into_values().collect()
}

pub fn analyze_with(exs: &[Ex], attrs: &Attrs) -> Vec<RiskFinding> {
    let mut st = RiskState::default();
    for e in exs {
        st.absorb(&e.facts_with(CompiledRiskRules::none()));
    }
    st.finish(&summaries(exs, attrs))
}

pub fn analyze(exs: &[Ex]) -> Vec<RiskFinding> {
    analyze_with(exs, &Attrs::default())
}

pub fn analyze_rules(exs: &[Ex], attrs: &Attrs, rules: Arc<CompiledRiskRules>) -> Vec<RiskFinding> {
    let mut st = RiskState::with_rules(rules.clone());
    for e in exs {
        st.absorb(&e.facts_with(&rules));
    }
    st.finish(&summaries(exs, attrs))
}

pub fn keys(f: &[RiskFinding]) -> BTreeSet<String> {
    f.iter().map(|r| r.key.clone()).collect()
}

/// The finding of `key`, checked for level, masking limits and evidence length.
pub fn finding<'a>(f: &'a [RiskFinding], key: &str) -> &'a RiskFinding {
    let r = f
        .iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("no {key} finding in {:?}", keys(f)));
    let cat = engine::catalog::catalog().risk(key).expect("catalog key");
    if key != "custom_risk" {
        assert_eq!(r.level, cat.level, "{key} level");
    }
    assert!(r.evidence.chars().count() <= 300, "{key} evidence too long");
    assert!(!r.evidence.is_empty(), "{key} evidence empty");
    r
}

/// Asserts that `exs` produce `key` (and returns the finding).
pub fn assert_risk(exs: &[Ex], key: &str) -> RiskFinding {
    let f = analyze(exs);
    finding(&f, key).clone()
}

/// Asserts that `exs` do not produce `key`.
pub fn assert_no_risk(exs: &[Ex], key: &str) {
    let f = analyze(exs);
    assert!(
        !keys(&f).contains(key),
        "unexpected {key}: {:?}",
        f.iter().find(|r| r.key == key)
    );
}

pub fn assert_no_risk_with(exs: &[Ex], attrs: &Attrs, key: &str) {
    let f = analyze_with(exs, attrs);
    assert!(
        !keys(&f).contains(key),
        "unexpected {key}: {:?}",
        f.iter().find(|r| r.key == key)
    );
}

// ---- a clean baseline of a shop's traffic (shared by risk_baseline and risk_pipeline) ----

pub fn hex(seed: &str) -> String {
    Sha256::digest(seed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn session(e: Ex, sid: &str) -> Ex {
    let mut e = e.cookie(&format!("SESSION={sid}; lang=zh-CN; theme=light"));
    e.auth.kinds.push(AuthKind::CookieSession);
    e
}

pub fn products(page: u32) -> String {
    let items: Vec<String> = (0..20)
        .map(|i| {
            let id = page * 20 + i;
            format!(
                r#"{{"id":"p-{}","title":"Item {id}","price":{}.90}}"#,
                &hex(&id.to_string())[..12],
                10 + id % 90
            )
        })
        .collect();
    format!(
        r#"{{"code":0,"data":{{"page":{page},"size":20,"total":4000,"list":[{}]}}}}"#,
        items.join(",")
    )
}

pub fn user_day(u: u32) -> Vec<Ex> {
    let ip = format!("203.0.113.{}", u + 1);
    let loc = if u.is_multiple_of(10) {
        Location::Country(*b"US")
    } else {
        Location::Country(*b"CN")
    };
    let tool = if u.is_multiple_of(4) {
        (ToolKind::MobileApp, "ShopApp")
    } else {
        (ToolKind::Browser, "Chrome")
    };
    let h = hex(&format!("user{u}"));
    // Login forms encrypt the password (RSA, base64) before sending it.
    let password = base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(format!("rsa{u}").as_bytes()).repeat(8));
    let sid = hex(&format!("session{u}"));
    let token = hex(&format!("token{u}"));
    let mobile = format!("1381234{:04}", u);
    let mut t = T0 + u as i64 * 97_000;
    let mut next = || {
        t += 7_000;
        t
    };
    let mut out = Vec::new();
    if u % 8 == 3 {
        // A typo first, answered with the generic message.
        out.push(
            post("/api/v1/auth/login")
                .json(&format!(
                    r#"{{"username":"user{u}","password":"{password}x"}}"#
                ))
                .status(401)
                .resp(r#"{"code":1001,"msg":"用户名或密码错误"}"#)
                .at(next()),
        );
    }
    out.push(
        post("/api/v1/auth/login")
            .json(&format!(
                r#"{{"username":"user{u}","password":"{password}"}}"#
            ))
            .resp(&format!(
                r#"{{"code":0,"msg":"登录成功","data":{{"token":"{token}","expiresIn":7200}}}}"#
            ))
            .resp_header(
                "set-cookie",
                &format!("SESSION={sid}; Path=/; Secure; HttpOnly; SameSite=Lax"),
            )
            .at(next()),
    );
    out.push(
        session(get("/api/v1/users/me"), &sid)
            .resp(&format!(
                r#"{{"code":0,"data":{{"id":"{}","nickname":"user{u}","name":"王{u}","mobile":"{}","email":"user{u}@mail.example"}}}}"#,
                &h[..16],
                mobile
            ))
            .resp_finding(1002, "json.data.name", &format!("王{u}"))
            .resp_finding(1004, "json.data.mobile", &mobile)
            .resp_finding(1005, "json.data.email", &format!("user{u}@mail.example"))
            .at(next()),
    );
    for page in 1..=3 {
        out.push(
            session(get("/api/v1/products"), &sid)
                .query(&format!("page={page}&size=20&sort=price"))
                .resp(&products(page + u % 5))
                .at(next()),
        );
    }
    out.push(
        get("/api/v1/search")
            .query(&format!("q=winter+coat+{u}&page=1&size=20"))
            .resp(&products(u % 7))
            .at(next()),
    );
    let order = format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..15],
        &h[15..18],
        &h[18..30]
    );
    out.push(
        session(post("/api/v1/orders"), &sid)
            .json(&format!(
                r#"{{"items":[{{"productId":"p-{}","qty":1}}],"addressId":"{}"}}"#,
                &h[30..42],
                &h[42..54]
            ))
            .status(201)
            .resp(&format!(
                r#"{{"code":0,"data":{{"orderId":"{order}","status":"created"}}}}"#
            ))
            .at(next()),
    );
    out.push(
        session(get(&format!("/api/v1/orders/{order}")), &sid)
            .resp(&format!(r#"{{"code":0,"data":{{"orderId":"{order}","receiverPhone":"138****{:04}","status":"created"}}}}"#, u))
            .at(next()),
    );
    out.push(
        session(post("/api/v1/users/me/update"), &sid)
            .json(r#"{"nickname":"new name","avatar":"a1.png"}"#)
            .at(next()),
    );
    out.push(
        session(
            post(&format!("/api/v1/cart/items/{}/remove", 100_000 + u * 7919)),
            &sid,
        )
        .status(204)
        .resp("")
        .at(next()),
    );
    if u.is_multiple_of(5) {
        out.push(
            post("/api/v1/sms/code")
                .json(&format!(r#"{{"mobile":"{mobile}","scene":"bind"}}"#))
                .req_finding(1004, "json.mobile", &mobile)
                .resp(r#"{"code":0,"msg":"发送成功","data":{"expire":300}}"#)
                .at(next()),
        );
        out.push(
            session(post("/api/v1/sms/verify"), &sid)
                .json(&format!(
                    r#"{{"mobile":"{mobile}","smsCode":"{:06}"}}"#,
                    100_000 + u * 37
                ))
                .req_finding(1004, "json.mobile", &mobile)
                .resp(r#"{"code":0,"msg":"验证成功"}"#)
                .at(next()),
        );
    }
    out.push(
        session(post("/api/v1/auth/logout"), &sid)
            .resp(r#"{"code":0}"#)
            .at(next()),
    );
    out.into_iter()
        .map(|e| {
            let mut e = e.ip(&ip).location(loc).tool(tool.0, tool.1);
            if tool.0 == ToolKind::MobileApp {
                e.record.request_headers[0].1 = "ShopApp/5.2.1 (iPhone; iOS 17.4)".into();
            }
            e
        })
        .collect()
}

pub fn baseline() -> Vec<Ex> {
    let mut exs: Vec<Ex> = (0..40).flat_map(user_day).collect();
    // Public configuration and health checks from the load balancer.
    for i in 0..30 {
        exs.push(
            get("/api/v1/config")
                .resp(r#"{"code":0,"data":{"currency":"CNY","features":["coupons","reviews"]}}"#)
                .at(T0 + i * 60_000),
        );
        exs.push(
            get("/healthz")
                .ip("10.0.0.2")
                .tool(ToolKind::Script, "kube-probe")
                .resp(r#"{"status":"UP"}"#)
                .at(T0 + i * 60_000),
        );
    }
    exs
}
