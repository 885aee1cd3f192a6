//! Response exceptions: application error details, database errors, sensitive system
//! information, and series of calls dominated by error statuses; and the account variants.

use super::window::{Burst, Family, TrackKey};
use super::{Draft, JudgeCx};

/// Calls in a burst, and the share of 4xx/5xx (strictly above), for abnormal status events.
pub const MIN_STATUS_CALLS: u64 = 20;
pub const ABNORMAL_PERCENT: u64 = 80;
pub const MIN_ACCOUNT_EXCEPTIONS: u64 = 3;
/// Exception responses one source must receive from one API in a burst: more than a person's
/// retries after hitting a bug.
pub const MIN_EXCEPTIONS: u64 = 5;
/// The source's share of exception responses must be this improbable (binomial upper tail,
/// Chernoff bound) under the rate the API's other callers get.
const EXCEPTION_P_VALUE: f64 = 1e-3;
/// Weight, in calls, of the all-API exception rate in an API's reference rate (so an API with
/// few other callers is compared with the site as a whole).
const PRIOR_CALLS: f64 = 20.0;

/// Exception responses are an event of the *source* only when it gets far more of them than the
/// API's other callers do: an API that answers everyone with a stack trace has a risk
/// (`app_exception_leak`...), its callers do not each raise an event. The reference rate is the
/// other callers' share of such responses on this API, shrunk towards the all-API rate.
pub fn judge_content(k: &TrackKey, b: &Burst, cx: &JudgeCx) -> Option<Draft> {
    let (key, idx) = match k.family {
        Family::ErrorMessage => ("error_message_returned", 0),
        Family::DbError => ("db_error_returned", 1),
        Family::SystemInfo => ("system_info_returned", 2),
        _ => return None,
    };
    let api = k.api.as_ref()?;
    // `n` exception responses, `y` other calls of the source to the API while the burst lasted.
    let (hits, calls) = (b.n, b.n + b.y);
    if hits < MIN_EXCEPTIONS {
        return None;
    }
    let tally = cx.tallies.get(api).copied().unwrap_or_default();
    let others_hits = tally.exceptions[idx].saturating_sub(hits) as f64;
    let others_calls = tally.calls.saturating_sub(calls) as f64;
    let prior = if cx.all_apis.calls > 0 {
        cx.all_apis.exceptions[idx] as f64 / cx.all_apis.calls as f64
    } else {
        0.0
    };
    let reference = (others_hits + PRIOR_CALLS * prior) / (others_calls + PRIOR_CALLS);
    if !super::stats::binomial_surprise(hits, calls, reference, EXCEPTION_P_VALUE) {
        return None;
    }
    let rate = hits * 100 / calls.max(1);
    Some(Draft::from_burst(key, k, b).detail(format!(
        "{hits} of {calls} calls ({rate}%); other callers of the API: {:.1}%",
        reference * 100.0
    )))
}

fn rate(b: &Burst) -> Option<u32> {
    (b.n >= MIN_STATUS_CALLS && b.fail * 100 > ABNORMAL_PERCENT * b.n)
        .then(|| (b.fail * 100 / b.n.max(1)) as u32)
}

pub fn judge_status(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    let key = if k.family == Family::Status {
        "abnormal_response"
    } else {
        "account_abnormal_status_codes"
    };
    rate(b).map(|r| {
        let mut d = Draft::from_burst(key, k, b);
        d.facts.except_rate = Some(r);
        d
    })
}

pub fn judge_account_errors(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    let n = b.x + b.y;
    (b.x >= MIN_ACCOUNT_EXCEPTIONS || (b.y >= 10 && b.y * 2 >= b.n)).then(|| {
        let mut d = Draft::from_burst("account_exception_errors", k, b);
        d.facts.count = n;
        d
    })
}
