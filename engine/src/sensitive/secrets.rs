//! Credentials: cloud and AI API keys, PEM blocks, JDBC URLs, `/etc/passwd` and `/etc/shadow`.

use super::registry as id;
use base64::Engine as _;

/// `sk-...` keys: OpenAI project/service keys, OpenAI legacy user keys, Bailian (DashScope) keys.
pub fn sk_key(t: &[u8]) -> Option<u32> {
    let rest = t.strip_prefix(b"sk-")?;
    for p in [&b"proj-"[..], b"svcacct-", b"admin-"] {
        if let Some(k) = rest.strip_prefix(p) {
            let ok = k.len() >= 40
                && k.iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-');
            return ok.then_some(id::OPENAI_PROJECT);
        }
    }
    if rest.len() == 48 && rest.iter().all(u8::is_ascii_alphanumeric) {
        // Legacy keys carry the base64 of "openai" (T3BlbkFJ) at offset 20; accept the
        // 48-character shape either way, the prefix and length are specific.
        return Some(id::OPENAI_LEGACY);
    }
    if rest.len() == 32
        && rest
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
    {
        return Some(id::BAILIAN);
    }
    None
}

pub fn huggingface(t: &[u8]) -> bool {
    t.len() == 37 && t.starts_with(b"hf_") && t[3..].iter().all(u8::is_ascii_alphabetic)
}

pub fn groq(t: &[u8]) -> bool {
    t.len() == 56 && t.starts_with(b"gsk_") && t[4..].iter().all(u8::is_ascii_alphanumeric)
}

/// Alibaba Cloud AccessKey ID: `LTAI` + 12-20 alphanumerics.
pub fn accesskey_id(t: &[u8]) -> bool {
    (16..=24).contains(&t.len())
        && t.starts_with(b"LTAI")
        && t[4..].iter().all(u8::is_ascii_alphanumeric)
}

/// An AccessKey Secret shape: 30 alphanumerics mixing upper, lower and digits.
pub fn accesskey_secret_shape(t: &[u8]) -> bool {
    t.len() == 30
        && t.iter().all(u8::is_ascii_alphanumeric)
        && t.iter().any(u8::is_ascii_uppercase)
        && t.iter().any(u8::is_ascii_lowercase)
        && t.iter().any(u8::is_ascii_digit)
}

/// PAI-EAS token: base64 (54 chars + `==`) of 40 hex digits.
pub fn pai_eas(t: &[u8]) -> bool {
    if t.len() != 56 || !t.ends_with(b"==") {
        return false;
    }
    match base64::engine::general_purpose::STANDARD.decode(t) {
        Ok(raw) => raw.len() == 40 && raw.iter().all(|c| c.is_ascii_hexdigit()),
        Err(_) => false,
    }
}

/// A PEM block starting at `s` (`-----BEGIN ...-----`). Returns (type, end).
pub fn pem_block(b: &[u8], s: usize) -> Option<(u32, usize)> {
    let head_end = s + 11 + b.get(s + 11..)?.iter().take(40).position(|c| *c == b'-')?;
    let label = b.get(s + 11..head_end)?;
    if b.get(head_end..head_end + 5).is_none_or(|d| d != b"-----") {
        return None;
    }
    let kind = if label.ends_with(b"PRIVATE KEY") || label == b"PGP PRIVATE KEY BLOCK" {
        id::PRIVATE_KEY
    } else if label.ends_with(b"CERTIFICATE") {
        id::PEM_CERTIFICATE
    } else {
        return None;
    };
    let body_start = head_end + 5;
    let limit = (body_start + 65536).min(b.len());
    let body = &b[body_start..limit];
    let end = match memchr::memmem::find(body, b"-----END ") {
        Some(p) => {
            let after = body_start + p + 9;
            let close = b[after..limit].iter().take(40).position(|c| *c == b'-');
            match close {
                Some(c) => {
                    let mut e = after + c;
                    while e < limit && b[e] == b'-' {
                        e += 1;
                    }
                    e
                }
                None => limit,
            }
        }
        None => {
            // a truncated block still leaks the key if it carries a body
            let n = body
                .iter()
                .take_while(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(
                            c,
                            b'+' | b'/' | b'=' | b'\n' | b'\r' | b' ' | b':' | b'-' | b','
                        )
                })
                .count();
            if n < 64 {
                return None;
            }
            body_start + n
        }
    };
    Some((kind, end))
}

/// `jdbc:<sub>:` URL starting at `s`; returns the end.
pub fn jdbc_end(b: &[u8], s: usize) -> Option<usize> {
    let rest = b.get(s + 5..)?;
    let sub = rest.iter().take(20).position(|c| *c == b':')?;
    if sub == 0
        || !rest[..sub]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    {
        return None;
    }
    let mut e = s + 5 + sub + 1;
    while e < b.len()
        && b[e] > b' '
        && !matches!(b[e], b'"' | b'\'' | b'<' | b'>' | b'`')
        && b[e] < 0x80
    {
        e += 1;
    }
    (e - s >= 14).then_some(e)
}

fn passwd_line(l: &[u8]) -> bool {
    let f: Vec<&[u8]> = l.split(|c| *c == b':').collect();
    f.len() == 7
        && !f[0].is_empty()
        && f[0]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'$'))
        && !f[2].is_empty()
        && f[2].iter().all(u8::is_ascii_digit)
        && !f[3].is_empty()
        && f[3].iter().all(u8::is_ascii_digit)
        && (f[5].starts_with(b"/") || f[5].is_empty())
}

/// Returns 2 for a line with a crypt hash, 1 for a locked/empty-password shadow line, 0 else.
fn shadow_line(l: &[u8]) -> u8 {
    let f: Vec<&[u8]> = l.split(|c| *c == b':').collect();
    if f.len() != 9
        || f[0].is_empty()
        || !f[0]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'$'))
    {
        return 0;
    }
    if !f[2..8].iter().all(|x| x.iter().all(u8::is_ascii_digit)) {
        return 0;
    }
    let h = f[1];
    if h.len() > 20 && h[0] == b'$' && h[1..].contains(&b'$') {
        2
    } else if matches!(h, b"*" | b"!" | b"!!" | b"!*" | b"x" | b"") || h.starts_with(b"!$") {
        1
    } else {
        0
    }
}

/// A `/etc/passwd` or `/etc/shadow` excerpt around position `p` (a `:` after a user name).
/// Returns (type, start, end) of the block of matching lines.
pub fn account_file(b: &[u8], p: usize) -> Option<(u32, usize, usize)> {
    let mut ls = p;
    while ls > 0 && b[ls - 1] != b'\n' {
        ls -= 1;
        if p - ls > 64 {
            return None;
        }
    }
    let line_end =
        |from: usize| -> usize { memchr::memchr(b'\n', &b[from..]).map_or(b.len(), |x| from + x) };
    let trim = |l: &[u8]| -> usize {
        if l.ends_with(b"\r") {
            l.len() - 1
        } else {
            l.len()
        }
    };
    let first_end = line_end(ls);
    let first = &b[ls..ls + trim(&b[ls..first_end])];
    let kind = if passwd_line(first) {
        id::LINUX_PASSWD
    } else if shadow_line(first) > 0 {
        id::LINUX_SHADOW
    } else {
        return None;
    };
    let mut lines = 1;
    let mut hashed = shadow_line(first) == 2;
    let mut end = first_end;
    while end < b.len() && lines < 10_000 {
        let s = end + 1;
        let e = line_end(s);
        let l = &b[s..s + trim(&b[s..e])];
        let ok = if kind == id::LINUX_PASSWD {
            passwd_line(l)
        } else {
            let k = shadow_line(l);
            hashed |= k == 2;
            k > 0
        };
        if !ok {
            break;
        }
        lines += 1;
        end = e;
    }
    let enough = lines >= 2 || (kind == id::LINUX_SHADOW && hashed);
    enough.then_some((kind, ls, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let legacy = b"sk-abcdefghijklmnopqrstT3BlbkFJabcdefghijklmnopqrst";
        assert_eq!(sk_key(legacy), Some(id::OPENAI_LEGACY));
        assert_eq!(
            sk_key(b"sk-0123456789abcdef0123456789abcdef"),
            Some(id::BAILIAN)
        );
        assert_eq!(sk_key(b"sk-0123456789abcdef0123456789abcdeg"), None);
        let mut proj = b"sk-proj-".to_vec();
        proj.extend_from_slice(&[b'a'; 60]);
        assert_eq!(sk_key(&proj), Some(id::OPENAI_PROJECT));
        assert_eq!(sk_key(b"sk-ant-api03-abc"), None);
        assert!(huggingface(b"hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"));
        assert!(!huggingface(b"hf_abcdefghijklmnopqrstuvwxyzABCDEFG1"));
        assert!(accesskey_id(b"LTAI5tAbCdEfGhIjKlMnOpQr"));
        assert!(!accesskey_id(b"LTAI5t"));
        assert!(pai_eas(
            b"MWFjNDk4NDlkYTRjOTFhOTY4NjE0NDE1ZWFiZWVhMjhjMDFkN2VhNw=="
        ));
        assert!(!pai_eas(
            b"aGVsbG8gd29ybGQgdGhpcyBpcyBub3QgaGV4IGF0IGFsbCBva2F5IQ=="
        ));
    }

    #[test]
    fn blocks() {
        let t = b"x -----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY----- y";
        let (k, e) = pem_block(t, 2).unwrap();
        assert_eq!(k, id::PRIVATE_KEY);
        assert_eq!(&t[e..], b" y");
        let t = b"-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----";
        assert!(pem_block(t, 0).is_none());
        let t = b"url=jdbc:mysql://db.internal:3306/app?user=root&password=x\"";
        let e = jdbc_end(t, 4).unwrap();
        assert_eq!(
            &t[4..e],
            b"jdbc:mysql://db.internal:3306/app?user=root&password=x"
        );
    }

    #[test]
    fn account_files() {
        let t =
            b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
        let (k, s, e) = account_file(t, 4).unwrap();
        assert_eq!((k, s), (id::LINUX_PASSWD, 0));
        assert!(e >= t.len() - 1);
        let t = b"root:$6$xyz$abcdefghijklmnopqrstuvwxyz0123456789:19000:0:99999:7:::\n";
        assert_eq!(account_file(t, 4).map(|x| x.0), Some(id::LINUX_SHADOW));
        assert!(account_file(b"note: x:1:2", 4).is_none());
        assert!(account_file(b"root:x:0:0:root:/root:/bin/bash", 4).is_none());
    }
}
