//! Response exceptions: application error details, database errors, sensitive system
//! information, and series of calls dominated by error statuses; and the account variants.

use super::window::{Burst, Family, TrackKey};
use super::{Draft, JudgeCx};

/// Calls in a burst, and the share of 4xx/5xx (strictly above), for abnormal status events.
pub const MIN_STATUS_CALLS: u64 = 20;
pub const ABNORMAL_PERCENT: u64 = 80;
pub const MIN_ACCOUNT_EXCEPTIONS: u64 = 3;

pub fn judge_content(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    let key = match k.family {
        Family::ErrorMessage => "error_message_returned",
        Family::DbError => "db_error_returned",
        Family::SystemInfo => "system_info_returned",
        _ => return None,
    };
    (b.n >= 1).then(|| Draft::from_burst(key, k, b))
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
