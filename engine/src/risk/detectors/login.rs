//! Logon risks, read through the shared login interpreter ([`crate::login::interpret`]): weak
//! and default passwords accepted, brute force left unrestricted, failure prompts that tell
//! unknown users from wrong passwords.

use crate::facts::{ApiSummary, ServiceObject};
use crate::login::{
    is_default_credential, is_weak_password, looks_protected, password_strength, AttemptKind,
    FailureReason, Outcome,
};
use crate::risk::cx::{self, Cx};
use crate::risk::state::{ApiState, LOGIN_WINDOW_MS};
use crate::risk::{Detector, LoginObservation, RiskSignals, Verdict};

/// Failed logons from one address within one ten-minute window, none answered by a CAPTCHA,
/// lockout or throttling, that make a logon "unrestricted". People mistype a password a few
/// times; ten failures in ten minutes from one address is automation.
pub const UNRESTRICTED_LOGIN_FAILURES: u32 = 10;

fn is_internal(api: &ApiSummary) -> bool {
    api.service_object == ServiceObject::InternalOffice
}

/// `weak_password_allowed`: a logon (or registration) that succeeded with a weak password
/// ([`is_weak_password`]: under 8 characters, under 3 character classes, or zxcvbn score <= 1).
/// On internal applications the same finding is `internal_weak_password` instead.
pub struct WeakPasswordAllowed;

impl Detector for WeakPasswordAllowed {
    describe!(
        "weak_password_allowed",
        "The logon API accepted a weak password: short, built from too few character kinds, or easy to guess from dictionaries and common patterns. Accounts protected this way fall quickly to guessing and credential-stuffing.",
        "Enforce a password policy of at least 8 characters mixing at least three of upper case, lower case, digits and symbols, reject known-breached and dictionary passwords, and ask users with weak passwords to change them."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let Some(a) = cx.attempt() else { return };
        if !matches!(a.kind, AttemptKind::Logon | AttemptKind::Registration)
            || a.outcome != Some(Outcome::Success)
        {
            return;
        }
        let Some(pw) = a.password.as_deref() else {
            return;
        };
        if pw.is_empty() || looks_protected(pw) || !is_weak_password(pw) {
            return;
        }
        out.hit(self.key(), || {
            format!(
                "{}; {} succeeded with a weak password {} ({} chars, strength {}/4)",
                cx.line(),
                if a.kind == AttemptKind::Registration {
                    "registration"
                } else {
                    "logon"
                },
                crate::sensitive::mask(0, pw),
                pw.chars().count(),
                password_strength(pw)
            )
        });
    }

    fn judge(&self, api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        (!is_internal(api))
            .then(|| st.verdict(self.key()))
            .flatten()
    }
}

/// `internal_weak_password`: [`WeakPasswordAllowed`] on an API whose service object is internal
/// office.
pub struct InternalWeakPassword;

impl Detector for InternalWeakPassword {
    describe!(
        "internal_weak_password",
        "A logon API of an internal (office) application accepted a weak password. Internal systems hold employee and business data and are a stepping stone into the network, so a guessed password there is especially costly.",
        "Enforce a strong password policy (at least 8 characters, three character kinds, no dictionary words) on internal applications, prefer single sign-on with multi-factor authentication, and have employees with weak passwords change them."
    );

    fn judge(&self, api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        is_internal(api)
            .then(|| st.verdict(WeakPasswordAllowed.key()))
            .flatten()
    }
}

/// `default_password`: a successful logon with a known default username/password pair
/// ([`crate::login::DEFAULT_CREDENTIALS`]).
pub struct DefaultPassword;

impl Detector for DefaultPassword {
    describe!(
        "default_password",
        "Someone logged on successfully with a factory-default or well-known username and password pair (such as admin/admin). These pairs are the first ones attackers try, so the account is effectively open.",
        "Change default credentials at installation, force a password change on first logon, disable or rename built-in accounts that are not needed, and check other deployments of the same product."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let Some(a) = cx.attempt() else { return };
        if a.kind != AttemptKind::Logon || a.outcome != Some(Outcome::Success) {
            return;
        }
        if let (Some(u), Some(p)) = (a.username.as_deref(), a.password.as_deref()) {
            if is_default_credential(u, p) {
                out.hit(self.key(), || {
                    format!(
                        "{}; logon succeeded with default credentials {}/{}",
                        cx.line(),
                        cx::excerpt(u, 40),
                        crate::sensitive::mask(0, p)
                    )
                });
            }
        }
    }
}

/// `unrestricted_login`: at least [`UNRESTRICTED_LOGIN_FAILURES`] failed logons from one
/// address in one ten-minute window, none of them answered by a CAPTCHA, a lockout, throttling
/// (429) or a WAF block. The per-exchange part records every logon attempt for the window.
pub struct UnrestrictedLogin;

impl Detector for UnrestrictedLogin {
    describe!(
        "unrestricted_login",
        "The logon API kept answering a burst of failed attempts from one source without a CAPTCHA, lockout or throttling. Nothing limits password guessing, so brute-force and credential-stuffing attacks can run unhindered.",
        "Add a CAPTCHA or another challenge after a few failed attempts, throttle attempts per account and per source address, and lock or delay accounts after repeated failures while alerting on bursts."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let Some(a) = cx.attempt() else { return };
        if a.kind != AttemptKind::Logon || (a.password.is_none() && a.code.is_none()) {
            return;
        }
        let failed = a.outcome == Some(Outcome::Failure);
        let restricted = a.captcha
            || matches!(
                a.failure,
                Some(FailureReason::Locked | FailureReason::CaptchaRequired)
            )
            || out.obs.blocked;
        let evidence = if failed {
            let body = cx.response_body();
            format!(
                "{}; response: {}",
                cx.line(),
                cx.redact(&cx::window(body, 0, 120))
            )
        } else {
            String::new()
        };
        out.obs.login = Some(LoginObservation {
            failed,
            reason: a.failure,
            restricted,
            evidence: cx::evidence(evidence),
        });
    }

    fn judge(&self, _api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        let (n, at, ip) = st
            .busiest_login_failures()
            .filter(|p| p.0 >= UNRESTRICTED_LOGIN_FAILURES)?;
        Some(Verdict {
            evidence: cx::evidence(format!(
                "{n} failed logons from {} within 10 minutes, none answered by a CAPTCHA, lockout or throttling",
                crate::risk::state::mask_ip(&ip)
            )),
            first_ms: at,
            last_ms: at + LOGIN_WINDOW_MS,
            hits: n as u64,
        })
    }
}

/// `login_failure_enumeration`: logon failures that say the user does not exist, or that
/// answer "wrong password" and "wrong username or password" on the same API (two different
/// prompts tell existing accounts apart).
pub struct LoginFailureEnumeration;

impl Detector for LoginFailureEnumeration {
    describe!(
        "login_failure_enumeration",
        "The logon API's failure message reveals whether the account exists (for example 'user not found' versus 'wrong password'). Attackers use the difference to build a list of valid accounts before guessing passwords.",
        "Answer every failed logon with the same generic message, such as 'incorrect username or password', with the same status code and similar timing, whether or not the account exists."
    );

    fn judge(&self, _api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        let reasons = &st.login.reasons;
        if let Some(a) = reasons.get(&(FailureReason::UnknownUser as u8)) {
            return Some(a.verdict());
        }
        match (
            reasons.get(&(FailureReason::WrongPassword as u8)),
            reasons.get(&(FailureReason::BadCredentials as u8)),
        ) {
            (Some(w), Some(_)) => Some(w.verdict()),
            _ => None,
        }
    }
}
