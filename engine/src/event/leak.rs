//! Sensitive data leaks: unauthenticated calls that got sensitive data from an API that
//! normally requires authentication, mass sensitive access, access from abroad; and the account
//! variants (mass, cross-border, horizontal escalation).

use super::window::{Burst, TrackKey};
use super::{Draft, JudgeCx};
use crate::facts::Location;

pub const MIN_UNAUTHORIZED: u64 = 2;
pub const MASS_VALUES: usize = 500;
pub const FOREIGN_VALUES: usize = 50;
/// Calls returning sensitive data a foreign source needs besides [`FOREIGN_VALUES`] (unless it
/// got [`MASS_VALUES`]): one or two pages of a list are a foreign customer or merchant using the
/// application, "mass" access is a series of calls.
pub const FOREIGN_CALLS: u64 = 5;
pub const HORIZONTAL_USERS: usize = 5;

pub fn judge_unauthorized(k: &TrackKey, b: &Burst, cx: &JudgeCx) -> Option<Draft> {
    let api = k.api.as_ref()?;
    if b.n < MIN_UNAUTHORIZED || !cx.api_authenticated(api, b.n) {
        return None;
    }
    let mut d = Draft::from_burst("unauthorized_sensitive_access", k, b);
    d.facts.data_types = b.sets().types.clone();
    d.facts.data_count = b.x;
    Some(d)
}

pub fn judge_volume(k: &TrackKey, b: &Burst, cx: &JudgeCx) -> Vec<Draft> {
    let mut out = Vec::new();
    let n = b.sets().a.len();
    let loc = b.main_location();
    let foreign = cx.is_foreign(loc);
    if n >= MASS_VALUES {
        let mut d = Draft::from_burst("mass_sensitive_access", k, b);
        d.facts.data_types = b.sets().types.clone();
        d.facts.data_count = n as u64;
        out.push(d);
    }
    if foreign && n >= FOREIGN_VALUES && (b.n >= FOREIGN_CALLS || n >= MASS_VALUES) {
        let mut d = Draft::from_burst("foreign_mass_sensitive_access", k, b);
        d.facts.data_types = b.sets().types.clone();
        d.facts.data_count = n as u64;
        out.push(d);
    }
    out
}

pub fn judge_account_sensitive(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Vec<Draft> {
    let mut out = Vec::new();
    if b.sets().a.len() >= MASS_VALUES {
        let mut d = Draft::from_burst("account_mass_sensitive_access", k, b);
        d.facts.data_types = b.sets().types.clone();
        d.facts.data_count = b.sets().a.len() as u64;
        out.push(d);
    }
    // `y`: the calls made from abroad.
    let abroad = b.sets().b.len();
    if abroad >= FOREIGN_VALUES && (b.y >= FOREIGN_CALLS || abroad >= MASS_VALUES) {
        let mut d = Draft::from_burst("account_cross_border_sensitive_access", k, b);
        d.facts.data_types = b.sets().types.clone();
        d.facts.data_count = b.sets().b.len() as u64;
        d.facts.location = b
            .sets()
            .labels
            .iter()
            .next()
            .and_then(|c| <[u8; 2]>::try_from(c.as_bytes()).ok())
            .map(Location::Country);
        out.push(d);
    }
    out
}

pub fn judge_horizontal(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    (b.sets().a.len() >= HORIZONTAL_USERS).then(|| {
        let mut d = Draft::from_burst("account_horizontal_escalation", k, b);
        d.facts.param = b.sets().label.clone();
        d.facts.data_types = b.sets().types.clone();
        d.detail(format!("{} different users", b.sets().a.len()))
    })
}
