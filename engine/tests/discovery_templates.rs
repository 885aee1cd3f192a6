//! Path templating against real public API descriptions.
//!
//! Traffic is generated from the operations of trimmed copies of real OpenAPI documents (sources
//! in each file's `info.x-source`): numeric ids, UUIDs, usernames, slugs, names and hex refs for
//! path parameters, call counts that vary per operation with some operations called once or
//! twice. The discovered method+template set is compared with the spec's operations, parameter
//! names normalised to `{}`: precision and recall must both reach 95%.

use engine::discovery::{DiscoveryConfig, PathTemplater, TemplateSet};
use engine::exchange::Exchange;
use engine::record::Record;
use serde_json::Value;
use std::collections::BTreeSet;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const USERS: &[&str] = &[
    "octocat",
    "torvalds",
    "gaearon",
    "sindresorhus",
    "tj",
    "mojombo",
    "defunkt",
    "wycats",
    "jdoe",
    "alice",
    "bob-smith",
    "mary_jane",
    "kevin.lee",
    "zhangwei",
    "li-na",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace-hopper",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "oscar",
    "peggy",
    "trent",
    "victor",
    "walter",
    "acme-corp",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "pied-piper",
    "stark-industries",
    "wayne-enterprises",
    "cyberdyne",
    "tyrell",
    "soylent",
];
const SLUGS: &[&str] = &[
    "hello-world",
    "spoon-knife",
    "linux",
    "react",
    "widgets",
    "api-gateway-demo",
    "dotfiles",
    "awesome-list",
    "website",
    "docs",
    "infra",
    "terraform-modules",
    "mobile-app",
    "ml-pipeline",
    "blog",
    "homepage",
    "cli",
    "sdk-go",
    "design-system",
    "data-lake",
];
const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "prod",
    "staging",
    "monitoring",
    "team-a",
    "team-b",
    "ingress",
];
const K8S_NAMES: &[&str] = &[
    "nginx",
    "web",
    "api",
    "redis",
    "postgres",
    "frontend",
    "backend",
    "worker",
    "cron-runner",
    "prometheus",
    "grafana",
    "fluent-bit",
    "coredns",
    "kube-proxy",
    "payments",
    "search",
];
const SECRETS: &[&str] = &[
    "NPM_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "DOCKER_PASSWORD",
    "SLACK_WEBHOOK",
    "GH_PAT",
    "SONAR_TOKEN",
    "CODECOV_TOKEN",
    "DEPLOY_KEY",
];

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next();
    let b = rng.next();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

fn value(rng: &mut Rng, name: &str, schema: &Value) -> String {
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        let i = rng.below(e.len() as u64) as usize;
        return e[i].as_str().unwrap_or("x").to_string();
    }
    if schema.get("oneOf").is_some() {
        return if rng.below(2) == 0 {
            (1 + rng.below(99_999)).to_string()
        } else {
            format!(
                "{}.yml",
                rng.pick(&["ci", "release", "deploy", "nightly", "lint"])
            )
        };
    }
    let ty = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    match (ty, format) {
        ("integer", _) => {
            let max = if rng.below(3) == 0 { 100 } else { 10_000_000 };
            (1 + rng.below(max)).to_string()
        }
        (_, "uuid") => uuid(rng),
        _ => {
            let n = name.to_ascii_lowercase();
            if n.contains("secret") {
                rng.pick(SECRETS).to_string()
            } else if n == "ref" {
                if rng.below(2) == 0 {
                    format!(
                        "{:016x}{:016x}{:08x}",
                        rng.next(),
                        rng.next(),
                        rng.next() as u32
                    )
                } else {
                    rng.pick(&["main", "develop", "v1.2.0", "release-2024", "feature/login"])
                        .replace('/', "%2F")
                }
            } else if n == "namespace" {
                rng.pick(NAMESPACES).to_string()
            } else if n == "name" {
                if rng.below(2) == 0 {
                    rng.pick(K8S_NAMES).to_string()
                } else {
                    format!(
                        "{}-{:x}-{:05x}",
                        rng.pick(K8S_NAMES),
                        rng.next() % 0xffff_ffff,
                        rng.below(0xfffff)
                    )
                }
            } else if n == "repo" || n.contains("slug") || n.contains("environment") {
                rng.pick(SLUGS).to_string()
            } else if n.contains("client_id") || n == "code" || n == "key" {
                format!("Iv1.{:016x}", rng.next())
            } else {
                match rng.below(10) {
                    0..=6 => rng.pick(USERS).to_string(),
                    7 | 8 => format!(
                        "{}{}",
                        rng.pick(USERS).replace(['-', '.', '_'], ""),
                        rng.below(1000)
                    ),
                    _ => rng.pick(SLUGS).to_string(),
                }
            }
        }
    }
}

struct Op {
    method: String,
    path: String,
    params: Vec<(String, Value)>,
}

fn operations(spec: &Value) -> Vec<Op> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if !["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                continue;
            }
            let params = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| {
                            (
                                p["name"].as_str().unwrap_or("").to_string(),
                                p["schema"].clone(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Op {
                method: method.to_uppercase(),
                path: path.clone(),
                params,
            });
        }
    }
    out
}

fn record(host: &str, method: &str, path: String, t: i64) -> Record {
    Record {
        time_ms: 1_700_000_000_000 + t,
        host: host.into(),
        method: method.into(),
        path,
        query: None,
        scheme: Some("https".into()),
        client_ip: "203.0.113.7".parse().unwrap(),
        user_agent: Some("generator/1.0".into()),
        status: 200,
        request_headers: vec![],
        request_body: None,
        response_headers: vec![],
        response_body: None,
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

fn traffic(spec: &Value, host: &str, rng: &mut Rng) -> Vec<Record> {
    let prefix = spec["servers"][0]["url"]
        .as_str()
        .map(|u| {
            let no_scheme = u.split_once("://").map_or(u, |(_, r)| r);
            match no_scheme.find('/') {
                Some(i) if u.contains("://") => no_scheme[i..].to_string(),
                None if u.contains("://") => String::new(),
                _ => u.to_string(),
            }
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for op in operations(spec) {
        // A fifth of the operations are rare (1-2 calls); the others 3 to 80 calls.
        let calls = if rng.below(5) == 0 {
            1 + rng.below(2)
        } else {
            3 + rng.below(78)
        };
        for _ in 0..calls {
            let mut path = op.path.clone();
            for (name, schema) in &op.params {
                let v = value(rng, name, schema);
                path = path.replace(&format!("{{{name}}}"), &v);
            }
            let t = out.len() as i64 * 1000;
            out.push(record(host, &op.method, format!("{prefix}{path}"), t));
        }
    }
    // Shuffle (Fisher-Yates) so the order says nothing.
    for i in (1..out.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        out.swap(i, j);
    }
    out
}

fn normalise(method: &str, path: &str) -> String {
    let mut segs: Vec<String> = Vec::new();
    for s in path.split('/').filter(|s| !s.is_empty()) {
        let s = if s.starts_with('{') {
            "{}".to_string()
        } else {
            s.to_string()
        };
        segs.push(s);
    }
    format!("{method} /{}", segs.join("/"))
}

struct Score {
    precision: f64,
    recall: f64,
    missing: Vec<String>,
    extra: Vec<String>,
}

fn score(file: &str, seed: u64) -> Score {
    let text = std::fs::read_to_string(format!(
        "{}/tests/data/openapi/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("spec");
    let spec: Value = serde_json::from_str(&text).expect("json");
    let mut rng = Rng(seed);
    let host = format!("{}.example", file.trim_end_matches(".json"));
    let records = traffic(&spec, &host, &mut rng);
    let prefix_len = spec["servers"][0]["url"].as_str().unwrap_or("");
    let _ = prefix_len;
    let mut t = PathTemplater::new(DiscoveryConfig::default());
    for r in &records {
        t.observe(r);
    }
    let set: TemplateSet = t.finish();
    let server_prefix = records
        .first()
        .map(|_| {
            let u = spec["servers"][0]["url"].as_str().unwrap_or("");
            if u.contains("://") {
                let r = u.split_once("://").map_or(u, |(_, r)| r);
                r.find('/').map(|i| r[i..].to_string()).unwrap_or_default()
            } else {
                u.to_string()
            }
        })
        .unwrap_or_default();
    let found: BTreeSet<String> = records
        .iter()
        .filter_map(|r| set.resolve(&Exchange::new(r)))
        .map(|k| {
            let p = k.path.strip_prefix(&server_prefix).unwrap_or(&k.path);
            normalise(&k.method, p)
        })
        .collect();
    let expected: BTreeSet<String> = operations(&spec)
        .iter()
        .map(|o| normalise(&o.method, &o.path))
        .collect();
    let hit = found.intersection(&expected).count() as f64;
    Score {
        precision: hit / found.len() as f64,
        recall: hit / expected.len() as f64,
        missing: expected.difference(&found).cloned().collect(),
        extra: found.difference(&expected).cloned().collect(),
    }
}

#[test]
fn templates_match_real_specs() {
    let specs = [
        "petstore-v3.json",
        "github-subset.json",
        "kubernetes-apps-v1.json",
        "train-travel.json",
    ];
    let mut all_p = Vec::new();
    let mut all_r = Vec::new();
    for (i, file) in specs.iter().enumerate() {
        for seed in [7u64, 1234, 99_991] {
            let s = score(file, seed * 31 + i as u64 + 1);
            println!(
                "{file} seed {seed}: precision {:.3} recall {:.3}\n  missing {:?}\n  extra {:?}",
                s.precision, s.recall, s.missing, s.extra
            );
            all_p.push(s.precision);
            all_r.push(s.recall);
            assert!(
                s.precision >= 0.90,
                "{file} seed {seed}: precision {:.3}",
                s.precision
            );
            assert!(
                s.recall >= 0.90,
                "{file} seed {seed}: recall {:.3}",
                s.recall
            );
        }
    }
    let p = all_p.iter().sum::<f64>() / all_p.len() as f64;
    let r = all_r.iter().sum::<f64>() / all_r.len() as f64;
    println!("overall: precision {p:.3} recall {r:.3}");
    assert!(
        p >= 0.95 && r >= 0.95,
        "overall precision {p:.3} recall {r:.3}"
    );
}
