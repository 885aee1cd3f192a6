//! Account behaviour: automated tools on a human account, mass file downloads, and walking
//! through identifiers (the account variants of the IP events live beside those).

use super::abuse::traversing;
use super::window::{Burst, TrackKey};
use super::{Draft, JudgeCx};
use crate::facts::ToolKind;

pub const MIN_AUTOMATED: u64 = 10;
pub const MIN_ACCOUNT_DOWNLOADS: usize = 20;
pub const LARGE_DOWNLOAD_BYTES: u64 = 500 * 1024 * 1024;

pub fn judge_tools(k: &TrackKey, b: &Burst, cx: &JudgeCx) -> Option<Draft> {
    let attack: u64 = b
        .sets()
        .tools
        .iter()
        .filter(|t| t.1 == ToolKind::AttackTool)
        .map(|t| t.2)
        .sum();
    let human = match &k.subject {
        super::window::SubjectKey::Account(a) => cx.human_accounts.contains(a),
        _ => false,
    };
    if !(attack >= 3 || (b.x >= MIN_AUTOMATED && human)) {
        return None;
    }
    let tools: Vec<String> = b
        .sets()
        .tools
        .iter()
        .filter(|t| matches!(t.1, ToolKind::AttackTool | ToolKind::Script | ToolKind::Bot))
        .map(|t| t.0.clone())
        .collect();
    let mut d = Draft::from_burst("account_anomalous_tools", k, b);
    d.facts.tools = tools;
    d.facts.count = b.x;
    Some(d)
}

pub fn judge_download(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    ((b.sets().a.len() >= MIN_ACCOUNT_DOWNLOADS && b.peak >= 5) || b.bytes >= LARGE_DOWNLOAD_BYTES)
        .then(|| {
            Draft::from_burst("account_mass_file_download", k, b).detail(format!(
                "{} distinct files, {} bytes",
                b.sets().a.len(),
                b.bytes
            ))
        })
}

pub fn judge_traversal(k: &TrackKey, b: &Burst, _cx: &JudgeCx) -> Option<Draft> {
    traversing(b).then(|| {
        let mut d = Draft::from_burst("account_data_traversal", k, b);
        d.facts.param = b.sets().label.clone();
        d.detail(format!("{} distinct values", b.sets().ints.len()))
    })
}
