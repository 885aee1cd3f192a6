//! `custom_risk`: findings come from the user's compiled rules
//! ([`crate::risk::CompiledRiskRules`]), judged in [`crate::risk::RiskState::finish`]; this entry
//! only gives the key its text.

use crate::risk::Detector;

pub struct CustomRisk;

impl Detector for CustomRisk {
    describe!(
        "custom_risk",
        "The API matched a risk rule defined by your team: its conditions on the API's attributes and on the content of its requests and responses all held.",
        "Follow the suggestion written in the rule that matched; adjust or disable the rule if the match is expected."
    );
    fn judge(
        &self,
        _api: &crate::facts::ApiSummary,
        _st: &crate::risk::state::ApiState,
    ) -> Option<crate::risk::Verdict> {
        None
    }
}
