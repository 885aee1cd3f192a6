//! The word groups that risk and event detectors look for in the lower-cased request path,
//! found in one Aho-Corasick pass per exchange ([`super::Exchange::path_words`]) instead of a
//! `str::contains` per word and call site (a dozen groups, ~80 words, most absent). A group
//! matches when the path contains any of its words ([`super::word_groups`]).

use super::word_groups::WordGroups;
use std::sync::OnceLock;

/// One group of path words: a bit of [`PathWords`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group(u32);

/// The groups found in one path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathWords(u32);

impl PathWords {
    pub fn has(self, g: Group) -> bool {
        self.0 & g.0 != 0
    }
}

// Event detectors: what a credential, sending or download exchange looks like.
pub const REGISTER: Group = Group(1 << 0);
pub const LOGIN: Group = Group(1 << 1);
pub const VERIFY: Group = Group(1 << 2);
pub const SEND_OR_REQUEST: Group = Group(1 << 3);
pub const CHANGE: Group = Group(1 << 4);
pub const SMS_CHANNEL: Group = Group(1 << 5);
pub const EMAIL_CHANNEL: Group = Group(1 << 6);
pub const SEND_LIKE: Group = Group(1 << 7);
pub const NOT_SEND: Group = Group(1 << 8);
pub const SENDS: Group = Group(1 << 9);
pub const FILE_PATH: Group = Group(1 << 10);
pub const DOWNLOAD_OR_EXPORT: Group = Group(1 << 11);
// Risk detectors: messaging and download APIs.
pub const SMS: Group = Group(1 << 12);
pub const SEND: Group = Group(1 << 13);
pub const MESSAGE: Group = Group(1 << 14);
pub const MAIL: Group = Group(1 << 15);
pub const NOTIFY: Group = Group(1 << 16);
pub const CODE_API: Group = Group(1 << 17);
pub const DOWNLOAD_API: Group = Group(1 << 18);

const GROUPS: &[(Group, &[&str])] = &[
    (
        REGISTER,
        &[
            "register",
            "signup",
            "sign-up",
            "sign_up",
            "/join",
            "createaccount",
            "create-account",
        ],
    ),
    (
        LOGIN,
        &[
            "login", "logon", "signin", "sign-in", "sign_in", "/auth", "/token", "/session",
            "oauth",
        ],
    ),
    (
        VERIFY,
        &[
            "verify",
            "verification",
            "check",
            "validate",
            "confirm",
            "otp",
        ],
    ),
    (SEND_OR_REQUEST, &["send", "resend", "request"]),
    (CHANGE, &["change", "reset", "update", "modify"]),
    (SMS_CHANNEL, &["sms", "mobile", "phone", "otp"]),
    (EMAIL_CHANNEL, &["email", "mail"]),
    (
        SEND_LIKE,
        &["send", "sms", "otp", "code", "captcha", "mail", "notify"],
    ),
    (
        NOT_SEND,
        &["verify", "check", "validate", "login", "register", "signup"],
    ),
    (SENDS, &["send", "sms", "otp", "resend"]),
    (
        FILE_PATH,
        &["download", "export", "/file/", "/files/", "/attachment"],
    ),
    (DOWNLOAD_OR_EXPORT, &["download", "export"]),
    (SMS, &["sms", "duanxin"]),
    (SEND, &["send"]),
    (MESSAGE, &["msg", "message", "notify", "text"]),
    (MAIL, &["mail"]),
    (NOTIFY, &["notify"]),
    (
        CODE_API,
        &["code", "captcha", "verify", "otp", "sms", "yzm", "mail"],
    ),
    (
        DOWNLOAD_API,
        &[
            "download",
            "export",
            "attachment",
            "getfile",
            "get_file",
            "readfile",
            "read_file",
            "fetchfile",
            "file/get",
            "files/get",
            "preview",
            "/file",
        ],
    ),
];

fn table() -> &'static WordGroups {
    static T: OnceLock<WordGroups> = OnceLock::new();
    T.get_or_init(|| {
        let table: Vec<(u32, &[&str])> = GROUPS.iter().map(|(g, w)| (g.0, *w)).collect();
        WordGroups::new(&table, false)
    })
}

/// The groups whose words occur in `path_lower` (already lower-cased: the words are).
pub fn find(path_lower: &str) -> PathWords {
    PathWords(table().find(path_lower.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The automaton agrees with a `contains` per word on paths that hold words inside
    /// others, at the ends, and none at all.
    #[test]
    fn groups_match_like_contains() {
        let paths = [
            "/api/v1/email/send",
            "/user/sign-up",
            "/sms/resend-code",
            "/files/get/report.pdf",
            "/api/orders/42",
            "/auth/token",
            "/notify/text/message",
            "",
            "/download",
            "/v2/account/emailverification/check",
        ];
        for p in paths {
            let found = find(p);
            for (g, words) in GROUPS {
                let expected = words.iter().any(|w| p.contains(w));
                assert_eq!(found.has(*g), expected, "{p:?} group {:#x}", g.0);
            }
        }
    }

    #[test]
    fn every_group_is_one_distinct_bit() {
        let mut seen = 0u32;
        for (g, _) in GROUPS {
            assert_eq!(g.0.count_ones(), 1);
            assert_eq!(seen & g.0, 0);
            seen |= g.0;
        }
    }
}
