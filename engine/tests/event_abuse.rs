//! API abuse and attack events.
#[path = "event_support.rs"]
mod support;
use engine::record::WafAction;
use support::*;

fn send_sms(t: i64, ip: &str, phone: &str) -> Ex {
    rec(t, ip, "POST", "/api/captcha/send")
        .json(&format!(r#"{{"mobile":"{phone}","scene":"login"}}"#))
        .resp(r#"{"code":0}"#)
}

#[test]
fn sms_bombing_and_flooding() {
    // Bombing one number.
    let evs = run((0..8)
        .map(|i| send_sms(T0 + i * 20_000, "198.51.100.40", "13800138000"))
        .collect());
    let e = find(&evs, "sms_resource_abuse").expect("bombing");
    assert_eq!(e.count, 8);
    // Flooding many numbers quickly, recognised by purpose even on an odd path.
    let evs = run((0..20)
        .map(|i| {
            rec(T0 + i * 5_000, "198.51.100.41", "POST", "/api/v2/notify")
                .json(&format!(r#"{{"to":"1380013{i:04}"}}"#))
                .purpose("notification", "sms_message_sending")
        })
        .collect());
    assert!(
        find(&evs, "sms_resource_abuse").is_some(),
        "{:?}",
        keys(&evs)
    );
    // A user asking for a code twice does not fire.
    let evs = run((0..2)
        .map(|i| send_sms(T0 + i * 60_000, "198.51.100.42", "13800138001"))
        .collect());
    assert!(find(&evs, "sms_resource_abuse").is_none());
}

#[test]
fn email_bombing() {
    let evs = run((0..12)
        .map(|i| {
            rec(
                T0 + i * 10_000,
                "198.51.100.43",
                "POST",
                "/api/mail/send-code",
            )
            .json(r#"{"email":"victim@example.com"}"#)
        })
        .collect());
    assert!(
        find(&evs, "email_resource_abuse").is_some(),
        "{:?}",
        keys(&evs)
    );
    assert!(find(&evs, "sms_resource_abuse").is_none());
}

#[test]
fn batch_download() {
    let dl = |t: i64, ip: &str, i: i64| {
        rec(t, ip, "GET", "/api/reports/download")
            .query(&format!("file=report-{i}.pdf"))
            .resp_header("content-disposition", "attachment; filename=x.pdf")
            .resp_header("content-length", "204800")
    };
    let evs = run((0..40)
        .map(|i| dl(T0 + i * 3_000, "198.51.100.50", i))
        .collect());
    assert!(find(&evs, "batch_download").is_some(), "{:?}", keys(&evs));
    // A person downloading five reports over an afternoon does not fire.
    let evs = run((0..5)
        .map(|i| dl(T0 + i * 30 * MIN, "198.51.100.51", i))
        .collect());
    assert!(find(&evs, "batch_download").is_none());
}

#[test]
fn data_crawling_by_walking_ids() {
    let evs = run((0..120)
        .map(|i| {
            rec(
                T0 + i * 500,
                "198.51.100.60",
                "GET",
                &format!("/api/orders/{}", 10_000 + i),
            )
        })
        .collect());
    let e = find(&evs, "data_crawling").expect("crawl");
    assert!(e.description.contains("id"), "{}", e.description);
    // Random browsing of 40 products does not fire.
    let evs = run((0..40)
        .map(|i| {
            rec(
                T0 + i * 20_000,
                "198.51.100.61",
                "GET",
                &format!("/api/products/{}", (i * 7919) % 100_000),
            )
        })
        .collect());
    assert!(find(&evs, "data_crawling").is_none());
}

#[test]
fn api_attacks_from_waf_and_own_rules() {
    let evs = run(vec![rec(T0, "198.51.100.70", "GET", "/api/items")
        .query("id=1")
        .waf(WafAction::Block, "sqli")]);
    let e = find(&evs, "api_attack").expect("waf block");
    assert!(e.description.contains("blocked"), "{}", e.description);
    let evs = run(vec![rec(T0, "198.51.100.71", "GET", "/api/items")
        .query("id=1%27%20union%20select%20password%20from%20users--")]);
    let e = find(&evs, "api_attack").expect("own detection");
    assert!(e.description.contains("SQL injection"), "{}", e.description);
    // The WAF said pass: we trust it.
    let evs = run(vec![rec(T0, "198.51.100.72", "GET", "/api/items")
        .query("id=1%27%20or%20%271%27=%271")
        .waf(WafAction::Pass, "")]);
    assert!(find(&evs, "api_attack").is_none());
    // Ordinary requests are not attacks.
    let evs = run(vec![
        rec(T0, "198.51.100.73", "GET", "/api/search").query("q=rock+%27n%27+roll&sort=price")
    ]);
    assert!(find(&evs, "api_attack").is_none());
    // Many attacks from one source over many APIs are one event, listing them.
    let evs = run((0..10)
        .map(|i| {
            rec(T0 + i * 1000, "198.51.100.74", "GET", &format!("/api/x{i}"))
                .query("f=../../../../etc/passwd")
        })
        .collect());
    let attacks: Vec<_> = evs.iter().filter(|e| e.key == "api_attack").collect();
    assert_eq!(attacks.len(), 1);
    assert_eq!(attacks[0].count, 10);
    assert!(attacks[0].apis.len() > 1);
}
