//! GeoIP: the real country database (the ip-location-db npm package the setup installs, or any
//! file named by APISEC_GEOIP). Missing database: skipped locally with a message, FAILS in CI.
use engine::client::ClientClassifier;
use engine::facts::Location;
use engine::record::Record;
use std::path::PathBuf;

fn db_path() -> Option<PathBuf> {
    let mut c = Vec::new();
    if let Some(p) = std::env::var_os("APISEC_GEOIP") {
        c.push(PathBuf::from(p));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    c.push(root.join("data/geoip/country.mmdb"));
    c.push(PathBuf::from("/tmp/geo/node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb"));
    c.push(root.join(
        "node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb",
    ));
    c.into_iter().find(|p| p.is_file())
}

fn rec(ip: &str) -> Record {
    Record {
        time_ms: 0,
        host: "h".into(),
        method: "GET".into(),
        path: "/".into(),
        query: None,
        scheme: None,
        client_ip: ip.parse().unwrap(),
        user_agent: Some("curl/8.0".into()),
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

#[test]
fn countries_from_the_real_database() {
    let Some(path) = db_path() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("no GeoIP database: the setup must install data/geoip/country.mmdb (or set APISEC_GEOIP)");
        }
        eprintln!("SKIPPED: no GeoIP database found (set APISEC_GEOIP or run the setup)");
        return;
    };
    let c = ClientClassifier::with_geo_file(&path).expect("open");
    let loc = |ip: &str| c.classify(&rec(ip)).location;
    assert_eq!(loc("8.8.8.8"), Location::Country(*b"US"));
    assert_eq!(loc("1.2.4.8"), Location::Country(*b"CN"));
    assert_eq!(loc("2001:4860:4860::8888"), Location::Country(*b"US"));
    assert_eq!(loc("10.1.2.3"), Location::Internal);
    assert_eq!(loc("192.168.1.1"), Location::Internal);
    assert_eq!(c.classify(&rec("8.8.8.8")).tool.family, "curl");
}

#[test]
fn unreadable_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.mmdb");
    std::fs::write(&bad, b"not a database").unwrap();
    let e = ClientClassifier::with_geo_file(&bad).unwrap_err();
    assert!(e.to_string().contains("bad.mmdb"), "{e}");
    assert!(ClientClassifier::with_geo_file(dir.path().join("missing.mmdb")).is_err());
    let c = ClientClassifier::without_geo();
    assert_eq!(c.classify(&rec("8.8.8.8")).location, Location::Unknown);
}
