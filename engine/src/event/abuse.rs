//! API abuse and attacks: SMS and e-mail bombing, batch downloads, crawling by walking through
//! identifier values, and web attacks (WAF verdicts, else our own rules in `crate::attack`).

use super::window::{Burst, TrackKey};
use super::{Draft, JudgeCx};

/// Sends in one burst and within 5 minutes for resource abuse; sends to one target for bombing.
pub const MIN_SENDS: u64 = 10;
pub const MIN_SENDS_PER_5MIN: u32 = 10;
pub const BOMBING_PER_TARGET: u32 = 5;
/// Distinct items downloaded, and the per-minute peak, for a batch download.
pub const MIN_DOWNLOADS: usize = 20;
pub const MIN_DOWNLOAD_PEAK: u32 = 5;
/// Distinct identifier values walked through for crawling.
pub const MIN_TRAVERSED: usize = 50;

pub fn judge_send(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    let flood = b.n >= MIN_SENDS && b.peak >= MIN_SENDS_PER_5MIN;
    let bomb = b.sets().max_target() >= BOMBING_PER_TARGET;
    if !flood && !bomb {
        return None;
    }
    let key = if b.y > b.x {
        "email_resource_abuse"
    } else {
        "sms_resource_abuse"
    };
    Some(Draft::from_burst(key, k, b).detail(format!(
        "{} recipients, up to {} messages to one recipient",
        b.sets().target_count(),
        b.sets().max_target()
    )))
}

pub fn judge_download(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    (b.sets().a.len() >= MIN_DOWNLOADS && b.peak >= MIN_DOWNLOAD_PEAK).then(|| {
        Draft::from_burst("batch_download", k, b).detail(format!(
            "{} distinct files, {} bytes",
            b.sets().a.len(),
            b.bytes
        ))
    })
}

/// Share of consecutive distinct values that are close (gap of at most 3): enumeration walks
/// through ids in order, ordinary browsing jumps around.
pub fn sequential_share(ints: &std::collections::BTreeSet<i64>) -> f64 {
    if ints.len() < 2 {
        return 0.0;
    }
    let v: Vec<i64> = ints.iter().copied().collect();
    let close = v.windows(2).filter(|w| w[1] - w[0] <= 3).count();
    close as f64 / (v.len() - 1) as f64
}

pub fn traversing(b: &Burst) -> bool {
    let n = b.sets().ints.len();
    n >= MIN_TRAVERSED && (sequential_share(&b.sets().ints) >= 0.6 || (n >= 200 && b.peak >= 30))
}

pub fn judge_crawl(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    traversing(b).then(|| {
        let mut d = Draft::from_burst("data_crawling", k, b);
        d.facts.param = b.sets().label.clone();
        d.detail(format!("{} distinct values", b.sets().ints.len()))
    })
}

pub fn judge_attack(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    if b.n == 0 {
        return None;
    }
    let kinds: Vec<&str> = b.sets().labels.iter().map(String::as_str).collect();
    let detail = if b.x == b.n {
        format!("all blocked by the WAF: {}", kinds.join(", "))
    } else if b.x > 0 {
        format!("{} blocked by the WAF; {}", b.x, kinds.join(", "))
    } else {
        format!("not blocked; detected as {}", kinds.join(", "))
    };
    Some(Draft::from_burst("api_attack", k, b).detail(detail))
}
