//! Account-risk events: brute force, dictionary, code brute force, batch registration, weak
//! internal logons; with close look-alikes that must not fire.
#[path = "event_support.rs"]
mod support;
use support::*;

const FAIL: &str = r#"{"success":false,"message":"invalid username or password"}"#;
const OK: &str = r#"{"success":true,"token":"abc"}"#;

fn login(t: i64, ip: &str, user: &str, pw: &str, ok: bool) -> Ex {
    rec(t, ip, "POST", "/api/v1/login")
        .json(&format!(r#"{{"username":"{user}","password":"{pw}"}}"#))
        .status(if ok { 200 } else { 401 })
        .resp(if ok { OK } else { FAIL })
}

#[test]
fn password_bruteforce_fires_for_one_account_many_passwords() {
    let evs = run((0..40)
        .map(|i| {
            login(
                T0 + i * 3000,
                "198.51.100.7",
                "alice",
                &format!("pass{i}"),
                false,
            )
        })
        .collect());
    let e = find(&evs, "password_bruteforce").expect("event");
    assert_eq!(e.count, 40);
    assert_eq!(e.ip.unwrap().to_string(), "198.51.100.7");
    assert_eq!(e.level.as_str(), "high");
    assert!(!e.samples.is_empty() && e.samples.len() <= 3);
    assert!(e.description.contains("198.51.100.7"));
    assert_eq!(
        keys(&evs)
            .iter()
            .filter(|k| k.contains("bruteforce") || **k == "dictionary_attack")
            .count(),
        1
    );
}

#[test]
fn username_bruteforce_fires_for_fixed_password_many_users() {
    let evs = run((0..30)
        .map(|i| {
            login(
                T0 + i * 2000,
                "198.51.100.8",
                &format!("user{i}"),
                "123456",
                false,
            )
        })
        .collect());
    assert!(
        find(&evs, "username_bruteforce").is_some(),
        "{:?}",
        keys(&evs)
    );
    assert!(find(&evs, "password_bruteforce").is_none());
}

#[test]
fn dictionary_attack_fires_for_many_users_and_passwords() {
    let evs = run((0..30)
        .map(|i| {
            login(
                T0 + i * 2000,
                "198.51.100.9",
                &format!("user{i}"),
                &format!("pw{i}"),
                false,
            )
        })
        .collect());
    assert!(
        find(&evs, "dictionary_attack").is_some(),
        "{:?}",
        keys(&evs)
    );
}

#[test]
fn human_failures_and_a_busy_nat_do_not_fire() {
    let mut exs = Vec::new();
    // A user mistypes three times, then succeeds.
    for i in 0..3 {
        exs.push(login(
            T0 + i * 20_000,
            "198.51.100.10",
            "bob",
            &format!("typo{i}"),
            false,
        ));
    }
    exs.push(login(
        T0 + 80_000,
        "198.51.100.10",
        "bob",
        "right-one",
        true,
    ));
    // An office NAT: 200 logons a day, 5% failures.
    for i in 0..200 {
        exs.push(login(
            T0 + i * 3 * MIN,
            "198.51.100.11",
            &format!("emp{}", i % 60),
            &format!("Secret-{}", i % 60),
            i % 20 != 0,
        ));
    }
    let evs = run(exs);
    assert!(
        evs.iter()
            .all(|e| !e.key.contains("bruteforce") && e.key != "dictionary_attack"),
        "{:?}",
        keys(&evs)
    );
}

#[test]
fn brute_force_is_found_without_purposes_on_other_paths_and_forms() {
    let evs = run((0..25)
        .map(|i| {
            rec(T0 + i * 1000, "198.51.100.12", "POST", "/auth/signin")
                .form(&format!("email=carol%40example.com&pwd=guess{i}"))
                .status(200)
                .resp(r#"{"code":1001,"msg":"wrong password"}"#)
        })
        .collect());
    assert!(
        find(&evs, "password_bruteforce").is_some(),
        "{:?}",
        keys(&evs)
    );
}

fn verify(t: i64, ip: &str, path: &str, target: &str, code: u32) -> Ex {
    rec(t, ip, "POST", path)
        .json(&format!(r#"{{"target":"{target}","code":"{code:06}"}}"#))
        .status(400)
        .resp(r#"{"success":false,"error":"code mismatch"}"#)
}

#[test]
fn sms_and_email_code_bruteforce() {
    let evs = run((0..50)
        .map(|i| {
            verify(
                T0 + i * 500,
                "198.51.100.20",
                "/api/sms/verify",
                "13800138000",
                100000 + i as u32,
            )
        })
        .collect());
    assert!(
        find(&evs, "sms_code_bruteforce").is_some(),
        "{:?}",
        keys(&evs)
    );
    let evs = run((0..50)
        .map(|i| {
            verify(
                T0 + i * 500,
                "198.51.100.21",
                "/api/email/verify",
                "a@example.com",
                100000 + i as u32,
            )
            .purpose("notification", "verification_code_verification")
        })
        .collect());
    assert!(
        find(&evs, "email_code_bruteforce").is_some(),
        "{:?}",
        keys(&evs)
    );
    // A user retyping a code twice is normal.
    let evs = run((0..2)
        .map(|i| {
            verify(
                T0 + i * 5000,
                "198.51.100.22",
                "/api/sms/verify",
                "13800138000",
                123456,
            )
        })
        .collect());
    assert!(evs.iter().all(|e| !e.key.ends_with("code_bruteforce")));
}

#[test]
fn batch_registration() {
    let reg = |t: i64, ip: &str, i: i64| {
        rec(t, ip, "POST", "/api/user/register")
            .json(&format!(
                r#"{{"username":"bot{i}","password":"Xy!{i}abcdef","email":"bot{i}@mail.example"}}"#
            ))
            .resp(r#"{"success":true}"#)
    };
    let evs = run((0..30)
        .map(|i| reg(T0 + i * 4000, "198.51.100.30", i))
        .collect());
    assert!(
        find(&evs, "batch_registration").is_some(),
        "{:?}",
        keys(&evs)
    );
    // Many people registering from many addresses is a launch day, not batch registration.
    let evs = run((0..30)
        .map(|i| reg(T0 + i * 4000, &format!("198.51.{}.31", 100 + i), i))
        .collect());
    assert!(find(&evs, "batch_registration").is_none());
}

#[test]
fn weak_password_logon_to_internal_application() {
    let evs = run(vec![
        login(T0, "10.1.2.3", "admin", "admin123", true).host("oa.corp.example")
    ]);
    let e = find(&evs, "internal_weak_password_login").expect("event");
    assert_eq!(e.level.as_str(), "high");
    // Same weak password on a public shop is a risk of the API, not this event.
    let evs = run(vec![login(T0, "10.1.2.3", "admin", "admin123", true)]);
    assert!(find(&evs, "internal_weak_password_login").is_none());
    // A strong password on the internal app does not fire.
    let evs = run(vec![
        login(T0, "10.1.2.3", "admin", "Tq8#mZ2!pLx9", true).host("oa.corp.example")
    ]);
    assert!(find(&evs, "internal_weak_password_login").is_none());
    // Discovery saying the API serves internal office use is enough.
    let api = engine::facts::ApiKey {
        host: "api.shop.example".into(),
        method: "POST".into(),
        path: "/api/v1/login".into(),
    };
    let evs = run_cfg(
        vec![login(T0, "10.1.2.3", "admin", "123456", true)],
        Default::default(),
        &[summary(
            api,
            engine::facts::ServiceObject::InternalOffice,
            false,
        )],
    );
    assert!(find(&evs, "internal_weak_password_login").is_some());
}
