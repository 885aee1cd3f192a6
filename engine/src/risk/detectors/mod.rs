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
mod exceptions;
mod jwt;
mod leaks;
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

/// [`response_words`] bit: the response holds an [`exceptions::EXCEPTION_WORDS`] word.
const EXCEPTION_WORD: u8 = 1;
/// [`response_words`] bit: the response holds a [`leaks::SERVER_WORDS`] word.
const SERVER_WORD: u8 = 2;
/// [`response_words`] bit: the response holds a password word ([`crate::login::PASSWORD_WORDS`]).
const PASSWORD_WORD: u8 = 4;

/// The prefilter words of the exception, server-information and returned-password checks
/// found in the scanned response, as [`EXCEPTION_WORD`], [`SERVER_WORD`] and
/// [`PASSWORD_WORD`] bits: one pass of one automaton per exchange instead of one per detector.
fn response_words(cx: &crate::risk::cx::Cx) -> u8 {
    use aho_corasick::AhoCorasick;
    use std::sync::OnceLock;
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(
                exceptions::EXCEPTION_WORDS
                    .iter()
                    .chain(leaks::SERVER_WORDS)
                    .chain(crate::login::PASSWORD_WORDS),
            )
            .expect("response words")
    });
    cx.response_words(|| {
        let mut bits = 0;
        for m in ac.find_overlapping_iter(cx.response_body()) {
            let i = m.pattern().as_usize();
            bits |= if i < exceptions::EXCEPTION_WORDS.len() {
                EXCEPTION_WORD
            } else if i < exceptions::EXCEPTION_WORDS.len() + leaks::SERVER_WORDS.len() {
                SERVER_WORD
            } else {
                PASSWORD_WORD
            };
            if bits == EXCEPTION_WORD | SERVER_WORD | PASSWORD_WORD {
                break;
            }
        }
        bits
    })
}

/// A named table of response signatures: the set finds whether any matches in one pass, the
/// single regexes locate the first match for the evidence excerpt.
struct Rules {
    set: regex::RegexSet,
    each: Vec<regex::Regex>,
    names: Vec<&'static str>,
}

/// Compiles `(name, pattern)` pairs; the patterns are constants, covered by the detectors' tests.
fn compile(rules: &[(&'static str, &'static str)]) -> Rules {
    Rules {
        set: regex::RegexSet::new(rules.iter().map(|(_, r)| *r)).expect("rule set"),
        each: rules
            .iter()
            .map(|(_, r)| regex::Regex::new(r).expect("rule"))
            .collect(),
        names: rules.iter().map(|(n, _)| *n).collect(),
    }
}
