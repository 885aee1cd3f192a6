//! Account-risk events on logon, registration and verification APIs: username and password
//! brute force, dictionary attacks, SMS and e-mail code brute force, batch registration and weak
//! password logons to internal applications. Bursts are per (source IP, API), closed after 10
//! quiet minutes (one hour of quiet for weak logons).

use super::window::{Burst, TrackKey};
use super::{Draft, JudgeCx};
use crate::facts::ServiceObject;

/// Failed logons in one burst before any brute-force kind is considered.
pub const MIN_FAILURES: u64 = 10;
/// "Many" distinct usernames/passwords/codes; "fixed" means at most `FEW`.
pub const MANY: usize = 5;
pub const FEW: usize = 2;
pub const MIN_CODES: usize = 10;
pub const MIN_REGISTRATIONS: u64 = 10;

fn failing(b: &Burst) -> bool {
    let known = b.ok + b.fail;
    if known == 0 {
        // No outcome could be read: require twice the volume.
        return b.n >= 2 * MIN_FAILURES;
    }
    b.fail >= MIN_FAILURES && b.fail * 2 >= known
}

pub fn judge_login(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    if !failing(b) {
        return None;
    }
    let (u, p) = (b.sets().a.len(), b.sets().b.len());
    let key = if u <= FEW && p >= MANY {
        "password_bruteforce"
    } else if p <= FEW && u >= MANY {
        "username_bruteforce"
    } else if u >= MANY && p >= MANY {
        "dictionary_attack"
    } else {
        return None;
    };
    Some(
        Draft::from_burst(key, k, b)
            .detail(format!("{u} usernames, {p} passwords, {} failed", b.fail)),
    )
}

pub fn judge_weak(k: &TrackKey, b: &Burst, cx: &JudgeCx) -> Option<Draft> {
    let internal = b.x > 0
        || k.api
            .as_ref()
            .and_then(|a| cx.summaries.get(&**a))
            .is_some_and(|s| s.service_object == ServiceObject::InternalOffice);
    (internal && b.n >= 1).then(|| Draft::from_burst("internal_weak_password_login", k, b))
}

pub fn judge_code(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    let codes = b.sets().a.len();
    let known = b.ok + b.fail;
    let enough = if known == 0 {
        b.n >= 2 * MIN_FAILURES
    } else {
        b.fail >= MIN_FAILURES
    };
    if codes < MIN_CODES || !enough {
        return None;
    }
    let email = b.y > b.x
        || (b.x == 0
            && b.y == 0
            && k.api
                .as_ref()
                .is_some_and(|a| a.path.to_ascii_lowercase().contains("mail")));
    let key = if email {
        "email_code_bruteforce"
    } else {
        "sms_code_bruteforce"
    };
    Some(
        Draft::from_burst(key, k, b)
            .detail(format!("{codes} different codes, {} rejected", b.fail)),
    )
}

pub fn judge_register(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    let accepted = b.n - b.fail;
    (accepted >= MIN_REGISTRATIONS && (b.sets().a.is_empty() || b.sets().a.len() >= MANY)).then(
        || {
            Draft::from_burst("batch_registration", k, b).detail(format!(
                "{accepted} accepted, {} distinct accounts",
                b.sets().a.len()
            ))
        },
    )
}
