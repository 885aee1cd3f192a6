//! Account-security risks about where passwords travel and rest: plaintext transmission over
//! HTTP, passwords in the URL, in cookies, and in responses.

use crate::exchange::response_words;
use crate::exchange::ParamLocation;
use crate::login::{is_password_field, looks_protected};
use crate::risk::cx::{self, Cx};
use crate::risk::{Detector, RiskSignals};
use crate::sensitive::mask;
use regex::Regex;
use std::sync::OnceLock;

fn is_placeholder(v: &str) -> bool {
    let t = v.trim();
    t.is_empty()
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "null" | "undefined" | "none" | "true" | "false" | "deleted" | "0"
        )
        || t.chars().all(|c| matches!(c, '*' | '•' | 'x' | 'X' | '●'))
}

/// The exchange demonstrably travelled without TLS: `scheme` is `http`, or (scheme unknown)
/// `X-Forwarded-Proto: http`, or the page that sent it (`Origin`, `Referer`) is plain http on
/// the same host.
pub fn over_plain_http(cx: &Cx) -> bool {
    let r = cx.record();
    match r.scheme.as_deref() {
        Some(s) => s.eq_ignore_ascii_case("http"),
        None => {
            if let Some(p) = r.request_header("x-forwarded-proto") {
                return p.trim().eq_ignore_ascii_case("http");
            }
            let same_host_http = |v: &str| {
                let v = v.trim().to_ascii_lowercase();
                v.strip_prefix("http://").is_some_and(|rest| {
                    let host = rest.split(['/', '?']).next().unwrap_or("");
                    host == r.host || host.split(':').next() == Some(r.host.as_str())
                })
            };
            r.request_header("origin").is_some_and(same_host_http)
                || r.request_header("referer").is_some_and(same_host_http)
        }
    }
}

/// `plaintext_password_transmission`: a password value that is neither hashed nor encrypted
/// (see [`looks_protected`]) in a request. As in the product, a clear-text password field is
/// reported whatever the transport (TLS ends at proxies and gateways that log bodies), and the
/// evidence says when the exchange also travelled over plain HTTP. With
/// [`PLAINTEXT_OVER_TLS_IS_RISK`] set to `false`, only plain-HTTP exchanges are reported.
pub struct PlaintextPasswordTransmission;

pub const PLAINTEXT_OVER_TLS_IS_RISK: bool = true;

impl Detector for PlaintextPasswordTransmission {
    describe!(
        "plaintext_password_transmission",
        "The API receives account passwords in clear text over an unencrypted connection. Anyone on the network path (public Wi-Fi, a compromised proxy) can read them and take over the accounts.",
        "Serve the API over HTTPS only (redirect HTTP and enable HSTS); where a legacy channel cannot be encrypted, encrypt or hash the password field on the client before sending it."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let http = over_plain_http(cx);
        if !http && !PLAINTEXT_OVER_TLS_IS_RISK {
            return;
        }
        if let Some(p) = cx.params().iter().find(|p| {
            is_password_field(&p.name) && !is_placeholder(&p.value) && !looks_protected(&p.value)
        }) {
            let note = if http {
                "plaintext password over http"
            } else {
                "plaintext password"
            };
            out.hit(self.key(), || cx.param_evidence(p, note));
            return;
        }
        if !http {
            return;
        }
        if let Some((_, pw)) = crate::login::basic_credentials(cx.ctx.ex) {
            if !pw.is_empty() {
                out.hit(self.key(), || {
                    format!("{}; Basic credentials over http", cx.line())
                });
            }
        }
    }
}

/// `password_in_url`: a password-named query parameter with a value.
pub struct PasswordInUrl;

impl Detector for PasswordInUrl {
    describe!(
        "password_in_url",
        "The API takes account passwords in the URL query string. URLs are written to access logs, proxies, browser history and Referer headers, so the passwords end up in many places outside the account owner's control.",
        "Send credentials in the body of a POST request over HTTPS, never in the URL; purge logs that already hold them and ask the affected users to change their passwords."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if let Some(p) = cx.params().iter().find(|p| {
            p.location == ParamLocation::Query
                && is_password_field(&p.name)
                && !is_placeholder(&p.value)
        }) {
            out.hit(self.key(), || cx.param_evidence(p, "password in URL"));
        }
    }
}

/// `password_in_cookie`: a password-named cookie sent by the browser or set by the server, or a
/// cookie whose value embeds `password=`/`pwd=`.
pub struct PasswordInCookie;

/// The last word of a name: after the last `_`, `-` or `.`, and after the last capital of a
/// camelCase tail (`remember_pass` -> `pass`, `userPass` -> `Pass`).
fn last_word(name: &str) -> &str {
    let tail = name.rsplit(['_', '-', '.']).next().unwrap_or(name);
    if !tail.bytes().any(|b| b.is_ascii_lowercase()) {
        return tail;
    }
    match tail.rfind(|c: char| c.is_ascii_uppercase()) {
        Some(i) if i > 0 => &tail[i..],
        _ => tail,
    }
}

/// Old "remember me" cookies abbreviate the password as a last word `pass` or `pw`
/// (`remember_pass`, `userPass`), which a whole name cannot tell from `bypass` or `compass`
/// but a separate word can.
fn cookie_name_ends_with_pass(name: &str) -> bool {
    let last = last_word(name);
    last.len() < name.len() && matches!(last.to_ascii_lowercase().as_str(), "pass" | "pw" | "psw")
}

fn cookie_password(name: &str, value: &str) -> bool {
    if is_placeholder(value) {
        return false;
    }
    if is_password_field(name) || cookie_name_ends_with_pass(name) {
        return true;
    }
    let decoded = percent_encoding::percent_decode_str(value)
        .decode_utf8_lossy()
        .to_ascii_lowercase();
    ["password=", "passwd=", "pwd=", "\"password\":"]
        .iter()
        .any(|k| {
            decoded.find(k).is_some_and(|i| {
                let rest = &decoded[i + k.len()..];
                let v = rest.trim_start_matches('"');
                v.chars()
                    .next()
                    .is_some_and(|c| !matches!(c, '&' | ';' | '"' | ','))
            })
        })
}

impl Detector for PasswordInCookie {
    describe!(
        "password_in_cookie",
        "The API stores account passwords in cookies. Cookies are sent with every request, kept on disk by the browser and readable by scripts unless protected, so the password can be stolen through cross-site scripting, shared computers or logs.",
        "Keep only an opaque, random session identifier in cookies (HttpOnly, Secure, SameSite); never store the password or anything derived from it on the client. Implement 'remember me' with a revocable random token."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        for (name, value) in cx.ctx.ex.cookies() {
            if cookie_password(name, value) {
                out.hit(self.key(), || {
                    format!(
                        "{}; request cookie {}={}",
                        cx.line(),
                        name,
                        mask(0, &cx::excerpt(value, 40))
                    )
                });
                return;
            }
        }
        for (k, v) in &cx.record().response_headers {
            if !k.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            for line in v.split('\n') {
                let first = line.split(';').next().unwrap_or("");
                if let Some((name, value)) = first.split_once('=') {
                    if cookie_password(name.trim(), value.trim()) {
                        out.hit(self.key(), || {
                            format!(
                                "{}; Set-Cookie {}={}",
                                cx.line(),
                                name.trim(),
                                mask(0, &cx::excerpt(value.trim(), 40))
                            )
                        });
                        return;
                    }
                }
            }
        }
    }
}

/// `plaintext_password_returned`: a password-named field in the response with a value that is
/// neither masked, empty, nor a hash/ciphertext. JSON bodies are walked; other bodies are
/// searched for `password: value`, `password=value` and `<password>value</password>`.
pub struct PlaintextPasswordReturned;

fn text_password_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?i)(?:\b(?:password|passwd|pwd)["']?\s*[:=]\s*["']?([^"'&\s<>,;]{3,64}))|(?:<(?:password|passwd|pwd)>([^<]{3,64})</)"#,
        )
        .expect("password regex")
    })
}

/// A password-named string field with a plaintext value, searched without allocating (bounded
/// by depth and by a budget of visited values).
fn find_password<'v>(
    v: &'v serde_json::Value,
    depth: usize,
    budget: &mut usize,
) -> Option<(&'v str, &'v str)> {
    if depth > 16 || *budget == 0 {
        return None;
    }
    *budget -= 1;
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                if let serde_json::Value::String(s) = child {
                    if is_password_field(k) && returned_value_ok(s) {
                        return Some((k.as_str(), s.as_str()));
                    }
                }
                if let Some(found) = find_password(child, depth + 1, budget) {
                    return Some(found);
                }
            }
            None
        }
        serde_json::Value::Array(a) => a.iter().find_map(|c| find_password(c, depth + 1, budget)),
        _ => None,
    }
}

fn returned_value_ok(v: &str) -> bool {
    !is_placeholder(v) && !v.contains("**") && !looks_protected(v) && v.chars().count() >= 3
}

impl Detector for PlaintextPasswordReturned {
    describe!(
        "plaintext_password_returned",
        "The API's response contains a password in clear text. Whoever can see the response (the browser, proxies, logs, a cross-site script) learns the credential, and it shows the password is stored in a recoverable form.",
        "Never return passwords in responses; store them only as salted slow hashes (bcrypt, scrypt, Argon2), and remove password fields from API output models."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        // Both the JSON walk and the text pattern need a password word: most responses have
        // none, and skipping them spares their JSON parse.
        // The word is looked up in the shared prefilter pass over the scanned prefix; a longer
        // body is searched whole, as the JSON walk below reads all of it.
        let full = cx.record().response_body.as_deref().unwrap_or("");
        let has_word = if full.len() > crate::risk::cx::MAX_BODY_SCAN {
            crate::login::may_name_password(full)
        } else {
            cx.response_words().has(response_words::PASSWORD)
        };
        if !has_word {
            return;
        }
        if let Some(json) = cx.ctx.ex.response_json() {
            let mut budget = crate::exchange::MAX_JSON_LEAVES;
            if let Some((k, v)) = find_password(json, 0, &mut budget) {
                out.hit(self.key(), || {
                    format!(
                        "{}; response {}={}",
                        cx.line(),
                        k,
                        mask(0, &cx::excerpt(v, 40))
                    )
                });
            }
            return;
        }
        let body = cx.response_body();
        if !body.to_ascii_lowercase().contains("pass") && !body.contains("pwd") {
            return;
        }
        for c in text_password_regex().captures_iter(body).take(16) {
            let Some(m) = c.get(1).or_else(|| c.get(2)) else {
                continue;
            };
            if returned_value_ok(m.as_str()) {
                out.hit(self.key(), || {
                    format!(
                        "{}; response password value {}",
                        cx.line(),
                        mask(0, m.as_str())
                    )
                });
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_values() {
        assert!(cookie_password("password", "hunter2"));
        assert!(cookie_password(
            "remember",
            "user%3Dbob%26password%3Dhunter2"
        ));
        assert!(!cookie_password("remember", "user%3Dbob%26password%3D"));
        assert!(!cookie_password("pwd", ""));
        assert!(!cookie_password(
            "session",
            "a8f5f167f44f4964e6c998dee827110c"
        ));
        assert!(cookie_password("remember_pass", "Spring2024%21"));
        assert!(cookie_password("userPass", "hunter22"));
        assert!(cookie_password("CK_PW", "hunter22"));
        for name in ["bypass", "compass", "pass_through", "passport_uid"] {
            assert!(!cookie_password(name, "1a2b3c4d"), "{name}");
        }
    }

    #[test]
    fn returned_values() {
        assert!(returned_value_ok("hunter22"));
        assert!(!returned_value_ok("******"));
        assert!(!returned_value_ok("$2b$10$abcdefghijklmnopqrstuv"));
        assert!(!returned_value_ok("e10adc3949ba59abbe56e057f20f883e"));
        assert!(text_password_regex().is_match("db.password=S3cretPass"));
        assert!(!text_password_regex().is_match(r#"<input type="password" name="password">"#));
    }
}
