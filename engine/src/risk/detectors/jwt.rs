//! `weak_jwt_algorithm`: a JWT (in the Authorization header, another header, a cookie, a
//! parameter or an issued token in the response) that is unsigned (`alg: none`) or HMAC-signed
//! (HS256/384/512) with a secret from a small dictionary of secrets seen in tutorials, framework
//! defaults and leaked configs. The signature is verified locally; nothing is sent anywhere.

use crate::risk::cx::{self, Cx};
use crate::risk::{Detector, RiskSignals};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};

pub struct WeakJwtAlgorithm;

/// Common HMAC secrets (jwt.io's sample, framework placeholders, the usual weak words).
pub const COMMON_SECRETS: &[&str] = &[
    "",
    "secret",
    "secretkey",
    "secret_key",
    "secret-key",
    "your-256-bit-secret",
    "your-384-bit-secret",
    "your-512-bit-secret",
    "your_jwt_secret",
    "your-jwt-secret",
    "your-secret-key",
    "your_secret_key",
    "jwt_secret",
    "jwt-secret",
    "jwtsecret",
    "jwtSecret",
    "JWT_SECRET",
    "SECRET_KEY",
    "jwt",
    "mysecret",
    "mysecretkey",
    "my_secret_key",
    "my-secret",
    "supersecret",
    "super-secret",
    "topsecret",
    "changeme",
    "change_me",
    "changeit",
    "password",
    "123456",
    "12345678",
    "1234567890",
    "admin",
    "test",
    "key",
    "default",
    "qwerty",
    "s3cr3t",
    "shhhhh",
    "hello",
    "abc123",
    "private",
    "token",
    "dev",
    "development",
    "example",
    "app_secret",
    "HS256",
    "gotham",
    "keyboard cat",
];

const MAX_TOKENS: usize = 4;

/// The compact JWTs in `text`, left to right: the matches of
/// `eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`. The dot is outside the class,
/// so each part is a maximal run and one forward scan per `eyJ` finds exactly the regex's
/// leftmost matches, without a regex engine on every header and body.
fn find_jwts(text: &str) -> impl Iterator<Item = &str> {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("eyJ"));
    let b = text.as_bytes();
    let finder = &*FINDER;
    let mut from = 0;
    std::iter::from_fn(move || {
        let run = |i: usize| {
            b[i..]
                .iter()
                .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-'))
                .map_or(b.len(), |n| i + n)
        };
        while let Some(off) = finder.find(&b[from..]) {
            let start = from + off;
            let head = run(start + 3);
            if head - (start + 3) >= 8 && b.get(head) == Some(&b'.') {
                let payload = run(head + 1);
                if payload - (head + 1) >= 2 && b.get(payload) == Some(&b'.') {
                    let end = run(payload + 1);
                    from = end;
                    // Only ASCII bytes were matched: the bounds are char boundaries.
                    return Some(&text[start..end]);
                }
            }
            from = start + 1;
        }
        None
    })
}

/// Why a compact JWT is weak: `alg: none`, or the common secret that verifies its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Weakness {
    Unsigned(String),
    CommonSecret { alg: String, secret: String },
}

/// The header's `alg`, when `token` is a JWT.
pub fn jwt_alg(token: &str) -> Option<String> {
    let header = token.split('.').next()?;
    let raw = URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    v.get("alg")?.as_str().map(str::to_string)
}

/// The common secrets as HMAC states with the key already absorbed, in [`COMMON_SECRETS`]
/// order: a token signed with none of them (every sound HMAC token) is checked against all,
/// and each check would otherwise hash the key's two padding blocks first.
fn keyed_secrets<M: Mac + hmac::digest::KeyInit>() -> Vec<M> {
    COMMON_SECRETS
        .iter()
        .map(|s| {
            <M as hmac::digest::KeyInit>::new_from_slice(s.as_bytes())
                .expect("HMAC accepts keys of any length")
        })
        .collect()
}

/// The first common secret whose HMAC of `signing_input` is `sig`.
fn common_secret<M: Mac + Clone>(keyed: &[M], signing_input: &[u8], sig: &[u8]) -> Option<usize> {
    // A signature of the wrong length verifies with no key.
    if sig.len() != <M as hmac::digest::OutputSizeUser>::output_size() {
        return None;
    }
    keyed.iter().position(|k| {
        let mut mac = k.clone();
        mac.update(signing_input);
        mac.verify_slice(sig).is_ok()
    })
}

/// Checks one compact JWT (pure; results are cached per thread by the detector).
pub fn weakness(token: &str) -> Option<Weakness> {
    let alg = jwt_alg(token)?;
    if alg.eq_ignore_ascii_case("none") {
        return Some(Weakness::Unsigned(alg));
    }
    let upper = alg.to_ascii_uppercase();
    if !matches!(upper.as_str(), "HS256" | "HS384" | "HS512") {
        return None;
    }
    let (signing_input, sig_b64) = token.rsplit_once('.')?;
    let sig = URL_SAFE_NO_PAD.decode(sig_b64.trim_end_matches('=')).ok()?;
    let input = signing_input.as_bytes();
    type Keyed<M> = std::sync::LazyLock<Vec<M>>;
    static HS256: Keyed<Hmac<sha2::Sha256>> = Keyed::new(keyed_secrets);
    static HS384: Keyed<Hmac<sha2::Sha384>> = Keyed::new(keyed_secrets);
    static HS512: Keyed<Hmac<sha2::Sha512>> = Keyed::new(keyed_secrets);
    let found = match upper.as_str() {
        "HS256" => common_secret(&HS256, input, &sig),
        "HS384" => common_secret(&HS384, input, &sig),
        _ => common_secret(&HS512, input, &sig),
    }?;
    Some(Weakness::CommonSecret {
        alg,
        secret: COMMON_SECRETS[found].to_string(),
    })
}

fn cached_weakness(token: &str) -> Option<Weakness> {
    crate::name_memo::memoised!(weakness, token, Option<Weakness>, 4096)
}

impl Detector for WeakJwtAlgorithm {
    describe!(
        "weak_jwt_algorithm",
        "A JSON Web Token used by this API is not protected by a sound signature: it declares the `none` algorithm, or its HMAC signature verifies with a well-known default or dictionary secret. Anyone can then forge tokens with any identity or role.",
        "Sign tokens with an asymmetric algorithm such as RS256 or ES256, or with an HMAC key of at least 256 random bits kept out of source code; reject `none` and pin the expected algorithm when verifying."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let r = cx.record();
        let mut sources: Vec<(&str, &str)> = Vec::new();
        for (k, v) in &r.request_headers {
            sources.push((k.as_str(), v.as_str()));
        }
        if let Some(q) = &r.query {
            sources.push(("query", q.as_str()));
        }
        if let Some(b) = &r.request_body {
            sources.push(("request body", cx::prefix(b, 64 * 1024)));
        }
        for (k, v) in &r.response_headers {
            if k.eq_ignore_ascii_case("set-cookie") || k.eq_ignore_ascii_case("authorization") {
                sources.push(("set-cookie", v.as_str()));
            }
        }
        sources.push(("response body", cx::prefix(cx.response_body(), 64 * 1024)));
        let mut seen = 0;
        for (where_, text) in sources {
            for token in find_jwts(text) {
                seen += 1;
                if seen > MAX_TOKENS {
                    return;
                }
                if let Some(w) = cached_weakness(token) {
                    let why = match w {
                        Weakness::Unsigned(alg) => format!("alg={alg} (unsigned)"),
                        Weakness::CommonSecret { alg, secret } => format!(
                            "alg={alg} signed with a common secret ({})",
                            if secret.is_empty() {
                                "empty".to_string()
                            } else {
                                crate::sensitive::mask(0, &secret)
                            }
                        ),
                    };
                    out.hit(self.key(), || {
                        format!(
                            "{}; JWT in {}: {}…; {}",
                            cx.line(),
                            where_,
                            &token[..token.len().min(12)],
                            why
                        )
                    });
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scanner finds exactly what the regex it replaces finds.
    #[test]
    fn the_token_scanner_matches_the_regex() {
        let re =
            regex::Regex::new(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*").unwrap();
        let texts = [
            "",
            "eyJ",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.",
            "eyJshort.eyJ.x eyJhbGciOiJub25lIn0.eyJhIjoxfQ.",
            "xxeyJeyJhbGciOiJIUzI1NiJ9.ab.cd.ef",
            "eyJhbGciOiJIUzI1NiJ9..eyJhbGciOiJIUzI1NiJ9.ab.",
            "a=eyJhbGciOiJIUzI1NiJ9.a.b&b=eyJhbGciOiJIUzI1NiJ9.abc.déf eyJ12345678.ab.",
            "日本eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln日本",
            "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln.eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln",
        ];
        for t in texts {
            let want: Vec<&str> = re.find_iter(t).map(|m| m.as_str()).collect();
            let got: Vec<&str> = find_jwts(t).collect();
            assert_eq!(got, want, "{t}");
        }
    }

    fn sign(alg: &str, secret: &str, payload: &str) -> String {
        fn mac<M: Mac + hmac::digest::KeyInit>(secret: &str, input: &str) -> Vec<u8> {
            let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        let h = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
        let p = URL_SAFE_NO_PAD.encode(payload);
        let input = format!("{h}.{p}");
        let sig = match alg {
            "HS384" => mac::<Hmac<sha2::Sha384>>(secret, &input),
            "HS512" => mac::<Hmac<sha2::Sha512>>(secret, &input),
            _ => mac::<Hmac<sha2::Sha256>>(secret, &input),
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// Every common secret is found under every HMAC algorithm (the pre-keyed states line up
    /// with the list), and a strong secret or a cut signature is not.
    #[test]
    fn finds_each_common_secret_under_each_algorithm() {
        for alg in ["HS256", "HS384", "HS512"] {
            for secret in COMMON_SECRETS {
                let token = sign(alg, secret, r#"{"sub":"42"}"#);
                assert_eq!(
                    weakness(&token),
                    Some(Weakness::CommonSecret {
                        alg: alg.into(),
                        secret: secret.to_string()
                    }),
                    "{alg} {secret:?}"
                );
                assert_eq!(weakness(&token[..token.len() - 4]), None, "{alg} cut");
            }
            let strong = sign(alg, "k9$Vq2!xLr8#Tz4@Wm6^Yp1&", r#"{"sub":"42"}"#);
            assert_eq!(weakness(&strong), None, "{alg} strong");
        }
    }

    #[test]
    fn detects_none_and_common_secret() {
        // jwt.io's default sample token, signed with "your-256-bit-secret".
        let sample = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        assert_eq!(
            weakness(sample),
            Some(Weakness::CommonSecret {
                alg: "HS256".into(),
                secret: "your-256-bit-secret".into()
            })
        );
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"sub":"admin"}"#)
        );
        assert!(matches!(weakness(&none), Some(Weakness::Unsigned(_))));
        assert!(weakness(&sign("HS256", "secret", r#"{"sub":"1"}"#)).is_some());
        assert!(weakness(&sign("HS256", "k9$Vq2!xLr8#Tz4@Wm6^Yp1&", r#"{"sub":"1"}"#)).is_none());
        assert!(weakness("not.a.jwt").is_none());
    }
}
