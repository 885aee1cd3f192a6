//! Every example file in `docs/formats/examples` reads without rejections, plain and gzip,
//! with `auto` and with its explicit format, into the records the docs describe.

use engine::readers::{open_file, Format, ReadItem, ReaderOptions, WafMapping};
use engine::record::{Record, WafAction};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::PathBuf;

const CUSTOM_NGINX: &str = r#"$remote_addr [$time_iso8601] $host $scheme "$request" $status $request_time "$http_authorization" "$sent_http_content_type" req=$request_body resp=$resp_body up=$upstream_addr"#;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/formats/examples")
        .join(name)
}

/// Reads a file with the options, plain and as a gzip copy; both must give the same records
/// and no rejection.
fn read_all(name: &str, format: Format, opts: &ReaderOptions) -> Vec<Record> {
    let path = example(name);
    let plain = records(&path, format, opts);
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join(format!("{name}.gz"));
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert_eq!(records(&gz, format, opts), plain, "gzip copy of {name}");
    plain
}

fn records(path: &std::path::Path, format: Format, opts: &ReaderOptions) -> Vec<Record> {
    open_file(path, format, opts)
        .unwrap()
        .map(|item| match item {
            ReadItem::Record(r) => *r,
            ReadItem::Rejected(r) => panic!("{}:{}: {}", r.file, r.line, r.reason),
        })
        .collect()
}

fn both(name: &str, format: Format, opts: &ReaderOptions) -> Vec<Record> {
    let auto = read_all(name, Format::Auto, opts);
    assert_eq!(
        read_all(name, format, opts),
        auto,
        "{name}: auto vs {format:?}"
    );
    auto
}

#[test]
fn native_example() {
    let r = both("native.jsonl", Format::Jsonl, &ReaderOptions::default());
    assert_eq!(r.len(), 5);
    assert_eq!(r[0].method, "POST");
    assert_eq!(r[0].path, "/v1/auth/login");
    assert_eq!(r[0].time_ms, 1_714_525_201_120);
    assert_eq!(
        r[0].request_content_type().as_deref(),
        Some("application/json")
    );
    assert!(r[0]
        .request_body
        .as_deref()
        .unwrap()
        .contains("\"password\""));
    assert_eq!(r[1].host, "api.shop.example.com");
    assert_eq!(r[1].method, "GET");
    assert!(r[1]
        .response_body
        .as_deref()
        .unwrap()
        .contains("13812345678"));
    assert_eq!(r[1].account.as_deref(), Some("u-10042"));
    assert_eq!(r[2].client_ip.to_string(), "2001:db8:85a3::8a2e:370:7334");
    assert_eq!(
        r[2].query.as_deref(),
        Some("q=running+shoes&page=2&size=20")
    );
    assert_eq!(r[2].user_agent(), Some("okhttp/4.12.0"));
    assert_eq!(r[3].waf_action, Some(WafAction::Block));
    assert_eq!(
        r[3].user_agent(),
        Some("sqlmap/1.7.2#stable (https://sqlmap.org)")
    );
    assert_eq!(r[4].response_content_type().as_deref(), Some("text/csv"));
}

#[test]
fn har_example() {
    let r = both("example.har", Format::Har, &ReaderOptions::default());
    assert_eq!(r.len(), 3);
    assert_eq!((r[0].method.as_str(), r[0].status), ("POST", 201));
    assert_eq!(r[0].host, "api.shop.example.com");
    assert_eq!(
        r[0].request_header("cookie"),
        Some("sid=8f14e45fceea167a5a36dedd4bea2543")
    );
    assert_eq!(r[0].request_header(":path"), None);
    assert_eq!(r[0].client_ip.to_string(), "0.0.0.0");
    assert_eq!(r[1].client_ip.to_string(), "203.0.113.24");
    assert_eq!(r[1].query.as_deref(), Some("default=true"));
    assert!(r[1]
        .response_body
        .as_deref()
        .unwrap()
        .contains("\"phone\": \"13812345678\""));
    assert_eq!(r[2].scheme.as_deref(), Some("http"));
    assert_eq!(
        r[2].request_body.as_deref(),
        Some("email=li.na%40example.com&captcha=7f3k")
    );
    assert_eq!(r[2].response_header("set-cookie"), Some("flash=sent"));
}

#[test]
fn nginx_example() {
    let r = both("nginx.log", Format::Nginx, &ReaderOptions::default());
    assert_eq!(r.len(), 5);
    assert_eq!(r[0].host, "unknown");
    assert_eq!(r[0].query.as_deref(), Some("category=shoes&page=1"));
    assert_eq!(r[1].account.as_deref(), Some("li.na"));
    assert_eq!(r[1].status, 401);
    assert_eq!(r[2].client_ip.to_string(), "198.51.100.8");
    assert_eq!(r[2].query.as_deref(), Some("q=\"shoes\"%20OR%201=1"));
    assert_eq!(r[3].method, "DELETE");
    assert_eq!(r[4].path, "/.env");
    let opts = ReaderOptions {
        default_host: "www.Example.com".into(),
        ..Default::default()
    };
    assert_eq!(
        read_all("nginx.log", Format::Nginx, &opts)[0].host,
        "www.example.com"
    );
}

#[test]
fn nginx_custom_example() {
    let opts = ReaderOptions {
        nginx_log_format: Some(CUSTOM_NGINX.into()),
        ..Default::default()
    };
    let r = both("nginx-custom.log", Format::Nginx, &opts);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].host, "api.shop.example.com");
    assert_eq!(r[0].scheme.as_deref(), Some("https"));
    assert_eq!(
        r[0].request_body.as_deref(),
        Some(r#"{"sku":"RS-1001","qty":1,"phone":"13812345678"}"#)
    );
    assert_eq!(
        r[0].response_body.as_deref(),
        Some(r#"{"order_id":"O-90017","status":"created"}"#)
    );
    assert!(r[0]
        .request_header("authorization")
        .unwrap()
        .starts_with("Bearer "));
    assert_eq!(r[1].request_body, None);
    assert_eq!(
        r[1].response_header("content-type"),
        Some("application/json")
    );
}

#[test]
fn waf_example() {
    let r = both("waf.jsonl", Format::Waf, &ReaderOptions::default());
    assert_eq!(r.len(), 4);
    assert_eq!(r[0].client_ip.to_string(), "198.51.100.23");
    assert_eq!(r[0].scheme.as_deref(), Some("https"));
    assert_eq!(r[0].query, None);
    assert_eq!(r[0].waf_action, Some(WafAction::Pass));
    assert_eq!(
        r[0].request_header("cookie"),
        Some("sid=92eb5ffee6ae2fec3ad71c777531578f")
    );
    assert_eq!(r[1].waf_action, Some(WafAction::Block));
    assert_eq!(r[1].waf_rule.as_deref(), Some("sqli"));
    assert_eq!(r[1].status, 405);
    assert_eq!(r[2].client_ip.to_string(), "203.0.113.90");
    assert_eq!(r[2].waf_action, Some(WafAction::Monitor));
    assert_eq!(r[2].scheme.as_deref(), Some("http"));
    assert_eq!(r[3].waf_action, Some(WafAction::Block));
    assert_eq!(r[3].waf_rule.as_deref(), Some("bot"));
}

#[test]
fn waf_custom_mapping_example() {
    let toml = std::fs::read_to_string(example("waf-mapping.toml")).unwrap();
    let opts = ReaderOptions {
        waf_mapping: WafMapping::from_toml_str(&toml).unwrap(),
        ..Default::default()
    };
    let r = both("waf-custom.json", Format::Waf, &opts);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].client_ip.to_string(), "198.51.100.60");
    assert_eq!(r[0].path, "/partner/v1/customers/5531");
    assert_eq!(r[0].query.as_deref(), Some("expand=contacts"));
    assert_eq!(r[0].request_header("x-api-key"), Some("pk_live_2f0c9a7e"));
    assert_eq!(r[0].waf_action, Some(WafAction::Pass));
    assert_eq!(r[0].waf_rule, None);
    assert_eq!(r[1].status, 403);
    assert_eq!(r[1].waf_action, Some(WafAction::Block));
    assert_eq!(r[1].waf_rule.as_deref(), Some("path_traversal"));
}
