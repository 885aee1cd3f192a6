//! Password strength, protected (hashed or encrypted) password values, and default credentials.

/// Longest prefix given to zxcvbn: its matching grows quickly with the length, and anything
/// this long is not weak anyway.
const MAX_ZXCVBN_CHARS: usize = 64;

/// zxcvbn score 0..=4 (0: guessable within 10^3 guesses ... 4: more than 10^10).
pub fn password_strength(password: &str) -> u8 {
    if password.is_empty() {
        return 0;
    }
    let pw: String = password.chars().take(MAX_ZXCVBN_CHARS).collect();
    // zxcvbn costs tens of microseconds a password, and the risk and the event detectors
    // both ask about the same logon: the scores are cached per thread, keyed by the password
    // (bounded; cleared when full).
    thread_local! {
        static SCORES: std::cell::RefCell<foldhash::HashMap<String, u8>> =
            std::cell::RefCell::new(foldhash::HashMap::default());
    }
    if let Some(score) = SCORES.with(|c| c.borrow().get(&pw).copied()) {
        return score;
    }
    let score = u8::from(zxcvbn::zxcvbn(&pw, &[]).score());
    SCORES.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 4096 {
            c.clear();
        }
        c.insert(pw, score);
    });
    score
}

/// Character classes present: upper case, lower case, digits, others (symbols, non-ASCII).
pub fn character_classes(password: &str) -> u8 {
    let mut classes = [false; 4];
    for c in password.chars() {
        let i = if c.is_ascii_uppercase() {
            0
        } else if c.is_ascii_lowercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            3
        };
        classes[i] = true;
    }
    classes.iter().filter(|b| **b).count() as u8
}

/// A weak password, by either of two rules (a password is strong only when it passes both):
/// - the product's policy: at least 8 characters from at least three of upper case, lower case,
///   digits and symbols (`Summer2024` fails it);
/// - zxcvbn: a score of 1 or less, i.e. guessable within about a million guesses, which catches
///   passwords that satisfy the policy by shape but are dictionary-based (`Password1!`).
pub fn is_weak_password(password: &str) -> bool {
    password.chars().count() < 8
        || character_classes(password) < 3
        || password_strength(password) <= 1
}

/// A password value that is not plaintext: a hex digest, a crypt/bcrypt/argon2 string, or a
/// long base64 blob (client-side RSA/AES encryption). Its strength cannot be judged.
pub fn looks_protected(value: &str) -> bool {
    let v = value.trim();
    let len = v.len();
    if len >= 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return true;
    }
    if [
        "$2a$", "$2b$", "$2y$", "$argon2", "$pbkdf2", "pbkdf2_", "$6$", "$5$", "$1$", "{ssha}",
        "{sha}", "{bcrypt}", "sha256:", "sha1:",
    ]
    .iter()
    .any(|p| v.len() > p.len() && v.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)))
    {
        return true;
    }
    let base64ish = v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'));
    if base64ish && len >= 24 {
        let upper = v.bytes().any(|b| b.is_ascii_uppercase());
        let lower = v.bytes().any(|b| b.is_ascii_lowercase());
        let digit = v.bytes().any(|b| b.is_ascii_digit());
        return upper && lower && digit;
    }
    false
}

/// Factory defaults and the first pairs every credential-stuffing list tries: routers, Tomcat,
/// WebLogic, RabbitMQ, Nacos, MinIO, Elasticsearch, databases and admin panels. Usernames match
/// case-insensitively, passwords exactly.
pub const DEFAULT_CREDENTIALS: &[(&str, &str)] = &[
    ("admin", "admin"),
    ("admin", "123456"),
    ("admin", "12345678"),
    ("admin", "password"),
    ("admin", "admin123"),
    ("admin", "admin888"),
    ("admin", "admin@123"),
    ("admin", "Admin@123"),
    ("admin", "P@ssw0rd"),
    ("admin", "1234"),
    ("admin", "888888"),
    ("admin", ""),
    ("administrator", "administrator"),
    ("administrator", "password"),
    ("root", "root"),
    ("root", "123456"),
    ("root", "toor"),
    ("root", "password"),
    ("test", "test"),
    ("test", "123456"),
    ("guest", "guest"),
    ("user", "user"),
    ("demo", "demo"),
    ("system", "system"),
    ("manager", "manager"),
    ("operator", "operator"),
    ("support", "support"),
    ("tomcat", "tomcat"),
    ("tomcat", "s3cret"),
    ("weblogic", "weblogic"),
    ("weblogic", "weblogic123"),
    ("nacos", "nacos"),
    ("minioadmin", "minioadmin"),
    ("elastic", "changeme"),
    ("kibana", "changeme"),
    ("postgres", "postgres"),
    ("sa", "sa"),
    ("oracle", "oracle"),
    ("ftp", "ftp"),
    ("pi", "raspberry"),
    ("ubnt", "ubnt"),
    ("cisco", "cisco"),
];

/// A known default username/password pair.
pub fn is_default_credential(username: &str, password: &str) -> bool {
    let u = username.trim();
    DEFAULT_CREDENTIALS
        .iter()
        .any(|(du, dp)| du.eq_ignore_ascii_case(u) && *dp == password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_follows_zxcvbn() {
        assert!(password_strength("123456") <= 1);
        assert!(password_strength("password") <= 1);
        assert!(password_strength("Tq7#mZ2vLx9!") >= 3);
    }

    #[test]
    fn weak_by_policy_or_estimator() {
        for pw in [
            "123456",
            "abc",
            "password",
            "Summer2024",
            "Password1!",
            "qwerty123",
            "11111111",
        ] {
            assert!(is_weak_password(pw), "{pw}");
        }
        for pw in ["Tq7#mZ2vLx9!", "Gr8!blue-Falcon", "x9$Kp2&wQz4L"] {
            assert!(!is_weak_password(pw), "{pw}");
        }
    }

    #[test]
    fn protected_values() {
        assert!(looks_protected("e10adc3949ba59abbe56e057f20f883e"));
        assert!(looks_protected(
            "$2b$12$KIXQJz1u0sXfG7bY5n5XUuJ3o1rX9p1mQq2h1xv6S8f0Y3sJtq6e"
        ));
        assert!(looks_protected("Qm9iQ2xpZW50U2lkZUVuY3J5cHRlZDEyMzQ1Ng=="));
        assert!(!looks_protected("123456"));
        assert!(!looks_protected("Tq7#mZ2vLx9!"));
        assert!(!looks_protected("correcthorsebatterystaple"));
    }

    #[test]
    fn default_pairs() {
        assert!(is_default_credential("Admin", "admin"));
        assert!(is_default_credential("tomcat", "tomcat"));
        assert!(!is_default_credential("admin", "Tq7#mZ2vLx9!"));
        assert!(!is_default_credential("alice", "admin"));
    }
}
