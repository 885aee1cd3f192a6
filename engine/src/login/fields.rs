//! Which request fields carry a username, a password, a verification code or a CAPTCHA answer.
//!
//! Names are compared after normalisation (lower case, `_`, `-`, `.` and spaces removed), so
//! `user_name`, `userName` and `USER-NAME` are one name. The lists come from the field names of
//! common login forms and APIs (English and pinyin: `mima` = password, `yonghuming` = username,
//! `zhanghao` = account, `yzm` = verification code).

/// Lower case without `_ - . ` separators.
pub fn normalize(name: &str) -> Normalized {
    if name.is_ascii() && name.len() <= INLINE {
        // The common case, byte by byte and on the stack: detectors normalise every parameter
        // name several times per exchange.
        let mut buf = [0u8; INLINE];
        let mut len = 0;
        for b in name.bytes() {
            if !matches!(b, b'_' | b'-' | b'.' | b' ') {
                buf[len] = b.to_ascii_lowercase();
                len += 1;
            }
        }
        return Normalized::Inline(len as u8, buf);
    }
    Normalized::Heap(
        name.chars()
            .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
            .flat_map(char::to_lowercase)
            .collect(),
    )
}

/// Longest ASCII name normalised without an allocation.
const INLINE: usize = 48;

/// A [`normalize`]d name: read it as a `&str`.
#[derive(Debug, Clone)]
pub enum Normalized {
    Inline(u8, [u8; INLINE]),
    Heap(String),
}

impl Normalized {
    pub fn as_str(&self) -> &str {
        match self {
            // Only ASCII bytes are ever written inline.
            Normalized::Inline(len, buf) => {
                std::str::from_utf8(&buf[..*len as usize]).unwrap_or("")
            }
            Normalized::Heap(s) => s,
        }
    }
}

impl std::ops::Deref for Normalized {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<&str> for Normalized {
    fn eq(&self, other: &&str) -> bool {
        **self == **other
    }
}

const USERNAME_EXACT: &[&str] = &[
    "user",
    "username",
    "usr",
    "uname",
    "login",
    "loginname",
    "loginid",
    "logonname",
    "loginaccount",
    "loginuser",
    "account",
    "accountname",
    "accountno",
    "acct",
    "useraccount",
    "userid",
    "email",
    "mail",
    "emailaddress",
    "mobile",
    "mobileno",
    "mobilephone",
    "phone",
    "phoneno",
    "phonenumber",
    "tel",
    "telephone",
    "cellphone",
    "yonghuming",
    "zhanghao",
    "principal",
    "identifier",
    "identity",
    "jusername",
];

const USERNAME_SUFFIX: &[&str] = &[
    "username",
    "account",
    "email",
    "mobile",
    "phone",
    "loginname",
];

const PASSWORD_EXACT: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "mima",
    "passw",
    "passwort",
    "pword",
    "pswd",
    "psw",
    "jpassword",
    "userpass",
];

const PASSWORD_SUFFIX: &[&str] = &["password", "passwd", "pwd", "mima"];

/// Prefixes of password fields that repeat or precede the real one.
const PASSWORD_SECONDARY: &[&str] = &[
    "confirm", "repeat", "retype", "re", "old", "again", "verify",
];

const CODE_EXACT: &[&str] = &[
    "code",
    "captcha",
    "captchacode",
    "yzm",
    "verifycode",
    "verificationcode",
    "vcode",
    "checkcode",
    "smscode",
    "authcode",
    "validatecode",
    "validcode",
    "otp",
    "otpcode",
    "totp",
    "mfacode",
    "imgcode",
    "imagecode",
    "piccode",
    "kaptcha",
    "emailcode",
    "mailcode",
    "yanzhengma",
    "securitycode",
    "dynamiccode",
    "smsverifycode",
    "phonecode",
    "mobilecode",
];

/// Names that carry the answer to a CAPTCHA (image, slider, reCAPTCHA, hCaptcha, Turnstile,
/// GeeTest, Tencent captcha), as opposed to a code sent by SMS or e-mail.
const CAPTCHA_EXACT: &[&str] = &[
    "yzm",
    "imgcode",
    "imagecode",
    "piccode",
    "kaptcha",
    "randstr",
    "verifycode",
    "checkcode",
    "validatecode",
    "nctoken",
    "slidertoken",
];

pub fn is_username_field(name: &str) -> bool {
    is_username_norm(&normalize(name))
}

/// [`is_username_field`] of an already [`normalize`]d name.
pub(crate) fn is_username_norm(n: &str) -> bool {
    USERNAME_EXACT.contains(&n) || USERNAME_SUFFIX.iter().any(|s| n.ends_with(s))
}

/// Words (ASCII, any case) that every password field name holds.
pub const PASSWORD_WORDS: &[&str] = &["pass", "pwd", "psw", "pword", "mima"];

/// Whether `text` holds one of the words every password field name holds (ASCII case
/// ignored): a text without one cannot name a password field (see [`is_password_field`]), so
/// detectors skip parsing bodies that fail this one-pass test.
pub fn may_name_password(text: &str) -> bool {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(PASSWORD_WORDS)
            .expect("password words")
    })
    .is_match(text)
}

/// A password field (not `password_hint` or `passwordPolicy`).
pub fn is_password_field(name: &str) -> bool {
    // Every password name holds one of these: skip the allocation for all other names.
    if !may_name_password(name) {
        return false;
    }
    let n = normalize(name);
    PASSWORD_EXACT.contains(&n.as_str()) || PASSWORD_SUFFIX.iter().any(|s| n.ends_with(s))
}

/// Rank of a password field: 0 = the main one (`password`), 1 = a derived name (`loginPwd`,
/// `newPassword`), 2 = a confirmation or old password.
pub fn password_rank(name: &str) -> u8 {
    let n = normalize(name);
    if PASSWORD_EXACT.contains(&n.as_str()) {
        0
    } else if PASSWORD_SECONDARY.iter().any(|p| n.starts_with(p)) {
        2
    } else {
        1
    }
}

pub fn is_code_field(name: &str) -> bool {
    is_code_norm(&normalize(name))
}

/// [`is_code_field`] of an already [`normalize`]d name.
pub(crate) fn is_code_norm(n: &str) -> bool {
    CODE_EXACT.contains(&n) || n.ends_with("captcha") || n.ends_with("verifycode")
}

pub fn is_captcha_field(name: &str) -> bool {
    is_captcha_norm(&normalize(name))
}

/// [`is_captcha_field`] of an already [`normalize`]d name.
pub(crate) fn is_captcha_norm(n: &str) -> bool {
    CAPTCHA_EXACT.contains(&n)
        || n.contains("captcha")
        || n.contains("geetest")
        || n.contains("turnstile")
}

/// Path words of logon, registration and verification endpoints, by group in priority order:
/// logoff, registration, logon, verification.
const HINT_GROUPS: [&[&str]; 4] = [
    &["logout", "signout", "sign-out", "logoff"],
    &[
        "register", "signup", "sign-up", "sign_up", "zhuce", "enroll",
    ],
    &[
        "login",
        "logon",
        "signin",
        "sign-in",
        "sign_in",
        "auth",
        "token",
        "session",
        "denglu",
        "j_security_check",
    ],
    &["verify", "captcha", "sms", "otp", "checkcode", "validate"],
];

/// One automaton over every hint word (ASCII case-insensitive, overlapping), pattern index to
/// group: one pass over the path instead of 26 substring searches of a lower-cased copy.
fn hint_automaton() -> &'static (aho_corasick::AhoCorasick, Vec<u8>) {
    static AC: std::sync::OnceLock<(aho_corasick::AhoCorasick, Vec<u8>)> =
        std::sync::OnceLock::new();
    AC.get_or_init(|| {
        let mut words = Vec::new();
        let mut groups = Vec::new();
        for (g, ws) in HINT_GROUPS.iter().enumerate() {
            for w in *ws {
                words.push(*w);
                groups.push(g as u8);
            }
        }
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(words)
            .expect("hint words");
        (ac, groups)
    })
}

/// Path words of logon, registration and verification endpoints.
pub fn path_hint(path: &str) -> Option<super::AttemptKind> {
    use super::AttemptKind::*;
    let (ac, groups) = hint_automaton();
    let mut seen = 0u8;
    for m in ac.find_overlapping_iter(path) {
        seen |= 1 << groups[m.pattern().as_usize()];
    }
    if seen & 1 != 0 {
        None
    } else if seen & 2 != 0 {
        Some(Registration)
    } else if seen & 4 != 0 {
        Some(Logon)
    } else if seen & 8 != 0 {
        Some(Verification)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_common_field_names() {
        for n in [
            "username",
            "userName",
            "user_name",
            "loginName",
            "email",
            "mobile",
            "yonghuming",
        ] {
            assert!(is_username_field(n), "{n}");
        }
        for n in ["nickname", "id", "page", "content"] {
            assert!(!is_username_field(n), "{n}");
        }
        for n in [
            "password",
            "passwd",
            "pwd",
            "loginPwd",
            "userPassword",
            "mima",
        ] {
            assert!(is_password_field(n), "{n}");
        }
        for n in ["password_hint", "passwordPolicy", "passport", "compass"] {
            assert!(!is_password_field(n), "{n}");
        }
        assert_eq!(password_rank("password"), 0);
        assert_eq!(password_rank("newPassword"), 1);
        assert_eq!(password_rank("confirmPassword"), 2);
        for n in ["code", "smsCode", "captcha", "yzm", "verify_code", "otp"] {
            assert!(is_code_field(n), "{n}");
        }
        for n in ["countryCode", "zipcode", "areaCode", "qrcode", "inviteCode"] {
            assert!(!is_code_field(n), "{n}");
        }
        assert!(is_captcha_field("g-recaptcha-response"));
        assert!(is_captcha_field("geetest_challenge"));
        assert!(!is_captcha_field("smsCode"));
    }

    #[test]
    fn path_hints_follow_group_priority_in_any_case() {
        use super::super::AttemptKind::*;
        assert_eq!(path_hint("/api/LOGOUT/login"), None);
        assert_eq!(path_hint("/sms/Register"), Some(Registration));
        assert_eq!(path_hint("/v1/OAuth/otp"), Some(Logon));
        assert_eq!(path_hint("/v1/Captcha"), Some(Verification));
        assert_eq!(path_hint("/v1/orders"), None);
    }
}
