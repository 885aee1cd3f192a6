//! The detectors, one family per file. Each is a unit struct implementing
//! [`super::Detector`]; [`ALL`] registers them in catalog order.

use super::Detector;

/// Implements the three text methods of [`Detector`]: key, description, suggestion.
macro_rules! describe {
    ($key:literal, $desc:literal, $sugg:literal) => {
        fn key(&self) -> &'static str {
            $key
        }
        fn description(&self) -> &'static str {
            $desc
        }
        fn suggestion(&self) -> &'static str {
            $sugg
        }
    };
}

mod access;
mod account;
mod custom;
mod data;
mod design;
pub(crate) mod exceptions;
mod jwt;
pub(crate) use design::longest_run;
pub use jwt::weakness as jwt_weakness;
pub(crate) mod leaks;
mod login;
mod messaging;
mod permission;
mod spec;

pub(crate) static ALL: &[&dyn Detector] = &[
    &spec::InsecureHttpMethod,
    &jwt::WeakJwtAlgorithm,
    &spec::UrlAsParameter,
    &account::PlaintextPasswordTransmission,
    &login::WeakPasswordAllowed,
    &login::InternalWeakPassword,
    &login::DefaultPassword,
    &account::PlaintextPasswordReturned,
    &account::PasswordInCookie,
    &login::UnrestrictedLogin,
    &login::LoginFailureEnumeration,
    &account::PasswordInUrl,
    &access::InternalAppInternetExposed,
    &access::UnrestrictedAccessSource,
    &access::UnrestrictedAccessTool,
    &access::UnrestrictedAccessRate,
    &permission::WeakCredentialRandomness,
    &permission::UnauthenticatedSensitiveApi,
    &permission::UnauthenticatedInternalApi,
    &permission::CredentialInUrl,
    &permission::AccesskeyPairLeak,
    &permission::UnauthenticatedStsToken,
    &data::ExcessiveSensitiveTypes,
    &data::ExcessiveSensitiveVolume,
    &data::InadequateDeidentification,
    &leaks::ServerInfoLeak,
    &leaks::InternalIpLeak,
    &data::SensitiveDataInUrl,
    &leaks::OpenapiDocLeak,
    &data::LlmApiKeyLeak,
    &design::TraversableParameter,
    &design::ModifiableResultSize,
    &design::DatabaseQueryParameter,
    &design::CommandExecutionParameter,
    &messaging::ArbitrarySmsSending,
    &messaging::ArbitraryEmailSending,
    &messaging::SmsCodeLeak,
    &messaging::EmailCodeLeak,
    &design::SpecifiedFileDownload,
    &exceptions::AppExceptionLeak,
    &exceptions::DbExceptionLeak,
    &custom::CustomRisk,
];

/// A named table of response signatures: the set finds whether any matches in one pass, the
/// single regexes locate the first match for the evidence excerpt.
struct Rules {
    set: regex::RegexSet,
    /// Each rule's pattern and its own regex, compiled when that rule first matches: most rules
    /// never do, and compiling all of them up front (bounded repetitions of Unicode classes)
    /// cost as many instructions as analysing a few thousand records.
    each: Vec<(&'static str, std::sync::OnceLock<regex::Regex>)>,
    names: Vec<&'static str>,
}

impl Rules {
    /// The regex of rule `i` alone.
    fn regex(&self, i: usize) -> &regex::Regex {
        let (pattern, re) = &self.each[i];
        re.get_or_init(|| regex::Regex::new(pattern).expect("rule"))
    }
}

/// A table of `(name, pattern)` pairs: the set is compiled now, which validates every pattern;
/// each rule's own regex on its first match ([`Rules::regex`]). The patterns are constants,
/// covered by the detectors' tests.
fn compile(rules: &[(&'static str, &'static str)]) -> Rules {
    Rules {
        set: regex::RegexSet::new(rules.iter().map(|(_, r)| *r)).expect("rule set"),
        each: rules
            .iter()
            .map(|(_, r)| (*r, std::sync::OnceLock::new()))
            .collect(),
        names: rules.iter().map(|(n, _)| *n).collect(),
    }
}
