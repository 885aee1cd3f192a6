//! A week of normal traffic raises no event: a seeded generator of many users with browsers and
//! apps, a diurnal pattern, logons with human failure rates, SMS codes, profile and order views
//! returning the user's own sensitive data, occasional downloads, travellers abroad, an internal
//! back office, a monitoring script and a partner webhook.
#[path = "event_support.rs"]
mod support;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::*;

const UAS: &[&str] = &[
    CHROME,
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    "ShopApp/5.2.1 (iPhone; iOS 17.1; Scale/3.00)",
    "okhttp/4.12.0",
];

struct User {
    name: String,
    ip: String,
    ua: &'static str,
    phone: String,
    loc: &'static str,
    activity: f64,
}

/// Share of a day's sessions that start in each UTC hour (busy daytime, quiet nights).
fn hour_weight(h: i64) -> f64 {
    match h {
        0..=5 => 0.15,
        6..=8 => 0.6,
        9..=21 => 1.0,
        _ => 0.5,
    }
}

fn generate(seed: u64) -> Vec<Ex> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let phone_ty = engine::catalog::catalog()
        .sensitive_types
        .iter()
        .find(|t| t.key.contains("phone") || t.key.contains("mobile"))
        .map(|t| t.id)
        .unwrap_or(1004);
    let users: Vec<User> = (0..400)
        .map(|i| User {
            name: format!("u{i:04}"),
            ip: if i % 10 == 0 {
                // A few users share an office NAT.
                "203.0.113.200".to_string()
            } else {
                format!(
                    "{}.{}.{}.{}",
                    36 + i % 50,
                    (i * 7) % 250 + 1,
                    (i * 13) % 250 + 1,
                    i % 200 + 2
                )
            },
            ua: UAS[i % UAS.len()],
            phone: format!("13{:09}", 100_000_000 + i * 7919),
            loc: if i % 40 == 7 { "SG" } else { "CN" },
            activity: 0.5 + (i % 5) as f64 * 0.3,
        })
        .collect();
    let mut out = Vec::new();
    for day in 0..7i64 {
        for u in &users {
            let sessions = (u.activity * 1.5 * rng.gen::<f64>()).round() as i64;
            for _ in 0..sessions {
                // Pick a session start hour following the diurnal curve.
                let mut h;
                loop {
                    h = rng.gen_range(0..24);
                    if rng.gen::<f64>() < hour_weight(h) {
                        break;
                    }
                }
                let mut t = T0 + day * DAY + h * HOUR + rng.gen_range(0..HOUR);
                let loc = country(u.loc);
                let mk = |t: i64, m: &str, p: &str| rec(t, &u.ip, m, p).ua(u.ua).at(loc);
                // Logon: 8% of logons start with a typo, a few with two.
                if rng.gen_bool(0.6) {
                    let typos = if rng.gen_bool(0.08) {
                        rng.gen_range(1..3)
                    } else {
                        0
                    };
                    for k in 0..typos {
                        out.push(
                            mk(t, "POST", "/api/v1/login")
                                .json(&format!(
                                    r#"{{"username":"{}","password":"Wr0ng-{k}!x"}}"#,
                                    u.name
                                ))
                                .status(401)
                                .resp(r#"{"success":false,"message":"invalid password"}"#),
                        );
                        t += rng.gen_range(5_000..30_000);
                    }
                    out.push(
                        mk(t, "POST", "/api/v1/login")
                            .json(&format!(
                                r#"{{"username":"{}","password":"G00d-{}-pass!"}}"#,
                                u.name, u.name
                            ))
                            .resp(r#"{"success":true,"token":"t"}"#),
                    );
                    t += rng.gen_range(1_000..5_000);
                }
                // Sometimes an SMS code (and one resend), then verification.
                if rng.gen_bool(0.1) {
                    let sends = if rng.gen_bool(0.2) { 2 } else { 1 };
                    for _ in 0..sends {
                        out.push(
                            mk(t, "POST", "/api/sms/send")
                                .json(&format!(r#"{{"mobile":"{}"}}"#, u.phone))
                                .resp(r#"{"code":0}"#),
                        );
                        t += rng.gen_range(20_000..70_000);
                    }
                    out.push(
                        mk(t, "POST", "/api/sms/verify")
                            .json(&format!(
                                r#"{{"mobile":"{}","code":"{:06}"}}"#,
                                u.phone,
                                rng.gen_range(0..999_999)
                            ))
                            .resp(r#"{"success":true}"#),
                    );
                    t += 5_000;
                }
                // Browsing.
                for _ in 0..rng.gen_range(2..12) {
                    let id = rng.gen_range(1..50_000);
                    out.push(
                        mk(t, "GET", &format!("/api/products/{id}"))
                            .account(&u.name)
                            .header("authorization", "Bearer x"),
                    );
                    t += rng.gen_range(3_000..60_000);
                }
                if rng.gen_bool(0.5) {
                    out.push(
                        mk(t, "GET", "/api/products")
                            .query(&format!("page={}&q=shoes", rng.gen_range(1..4)))
                            .account(&u.name)
                            .header("authorization", "Bearer x"),
                    );
                    t += 10_000;
                }
                // Own profile and orders (own sensitive data).
                if rng.gen_bool(0.4) {
                    out.push(
                        mk(t, "GET", "/api/user/profile")
                            .account(&u.name)
                            .header("authorization", "Bearer x")
                            .found(phone_ty, &u.phone),
                    );
                    t += 8_000;
                }
                if rng.gen_bool(0.3) {
                    out.push(
                        mk(t, "GET", "/api/orders")
                            .query("status=all")
                            .account(&u.name)
                            .header("authorization", "Bearer x")
                            .found(phone_ty, &u.phone),
                    );
                    t += 8_000;
                    if rng.gen_bool(0.2) {
                        out.push(
                            mk(
                                t,
                                "GET",
                                &format!("/api/orders/{}/invoice", rng.gen_range(1..900_000)),
                            )
                            .account(&u.name)
                            .header("authorization", "Bearer x")
                            .resp_header("content-type", "application/pdf"),
                        );
                        t += 8_000;
                    }
                }
                // Occasional not-found.
                if rng.gen_bool(0.05) {
                    out.push(
                        mk(t, "GET", "/api/products/0")
                            .account(&u.name)
                            .status(404)
                            .resp(r#"{"error":"not found"}"#),
                    );
                }
            }
        }
        // Back office: 12 staff on the intranet during working hours.
        for s in 0..12 {
            for _ in 0..rng.gen_range(10..40) {
                let t = T0 + day * DAY + rng.gen_range(1..10) * HOUR + rng.gen_range(0..HOUR);
                out.push(
                    rec(
                        t,
                        &format!("10.20.3.{}", 10 + s),
                        "GET",
                        "/admin/api/orders",
                    )
                    .host("oa.corp.example")
                    .query(&format!("page={}", rng.gen_range(1..5)))
                    .account(&format!("staff{s}")),
                );
            }
        }
        // Monitoring script: every minute from one internal address.
        for m in (0..1440).step_by(1) {
            out.push(
                rec(T0 + day * DAY + m * MIN, "10.0.0.5", "GET", "/api/health")
                    .ua("Go-http-client/1.1"),
            );
        }
        // Partner webhook from two addresses, a few times an hour.
        for k in 0..60 {
            let t = T0 + day * DAY + k * 24 * MIN + rng.gen_range(0..MIN);
            out.push(
                rec(
                    t,
                    if k % 2 == 0 { "52.1.2.3" } else { "52.1.2.4" },
                    "POST",
                    "/api/webhooks/payment",
                )
                .ua("Java/17.0.2")
                .json(&format!(
                    r#"{{"order":{},"state":"paid"}}"#,
                    rng.gen_range(1..900_000)
                ))
                .at(country("US")),
            );
        }
    }
    out
}

#[test]
fn a_week_of_normal_traffic_raises_no_event() {
    for seed in [7u64, 2024] {
        let exs = generate(seed);
        assert!(exs.len() > 20_000, "generator made {} records", exs.len());
        let evs = run(exs);
        let summary: Vec<String> = evs
            .iter()
            .map(|e| {
                format!(
                    "{} {:?} {:?} {} {}",
                    e.key, e.ip, e.account, e.api.path, e.description
                )
            })
            .collect();
        assert!(
            evs.is_empty(),
            "seed {seed}: {} events:\n{}",
            evs.len(),
            summary.join("\n")
        );
    }
}

#[test]
fn the_same_week_with_an_attack_raises_it() {
    // The generator is not blind: planting a brute force in the same week is found.
    let mut exs = generate(7);
    for i in 0..40 {
        exs.push(
            rec(
                T0 + 3 * DAY + 14 * HOUR + i * 2000,
                "198.51.100.250",
                "POST",
                "/api/v1/login",
            )
            .json(&format!(r#"{{"username":"u0001","password":"guess{i}"}}"#))
            .status(401)
            .resp(r#"{"success":false}"#),
        );
    }
    let evs = run(exs);
    // Forty failed logons in a row are also a series of error statuses.
    assert_eq!(
        keys(&evs),
        vec!["abnormal_response", "password_bruteforce"],
        "{:?}",
        evs.iter().map(|e| &e.description).collect::<Vec<_>>()
    );
}
