//! What a credential exchange says: the submitted username, password or verification code, and
//! whether the attempt succeeded (and why it failed). Shared by the risk detectors (weak and
//! default passwords, unrestricted logon, failure prompts) and the event detectors (brute force,
//! dictionary attacks, code brute force, batch registration).
//!
//! STUB INTERFACE: the risk owner implements it; the event owner uses it.

use crate::exchange::Exchange;
use crate::facts::PurposeTag;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Success,
    Failure,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// The response says the user does not exist.
    UnknownUser,
    /// The response says the password is wrong (for an existing user).
    WrongPassword,
    /// A generic "username or password incorrect".
    BadCredentials,
    WrongCode,
    Locked,
    CaptchaRequired,
    Other,
}

/// One logon, registration or verification attempt.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CredentialAttempt {
    pub username: Option<String>,
    pub password: Option<String>,
    /// A submitted verification code (SMS, e-mail, CAPTCHA answer).
    pub code: Option<String>,
    pub outcome: Option<Outcome>,
    pub failure: Option<FailureReason>,
    /// The request carried a CAPTCHA answer or the response asked for one.
    pub captcha: bool,
}

/// Interprets a logon, registration or verification-code exchange; `None` for other exchanges.
pub fn interpret(_ex: &Exchange, _purposes: &[PurposeTag]) -> Option<CredentialAttempt> {
    None
}
