//! Server-side request forgery, after the ideas of CRS 934110/934120 (cloud metadata and
//! internal addresses in URL parameters) and 931xxx (RFI schemes): a parameter value that is a
//! URL whose host is loopback, private, link-local, a cloud metadata endpoint (169.254.169.254,
//! metadata.google.internal, 100.100.100.200, fd00:ec2::254), an IP written in decimal, hex or
//! octal to evade filters; or a URL with a local or exotic scheme (`file:`, `gopher:`, `dict:`,
//! `ldap:`, `jar:`, `netdoc:`, `tftp:`, `php:`/`phar:`/`expect:` wrappers). A URL to an ordinary
//! public host is not SSRF.

use crate::facts::is_internal_ip;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const DANGEROUS_SCHEMES: &[&str] = &[
    "file", "gopher", "dict", "ldap", "ldaps", "jar", "netdoc", "tftp", "phar", "expect", "php",
    "sftp", "smb",
];

const METADATA_HOSTS: &[&str] = &[
    "metadata.google.internal",
    "metadata",
    "metadata.azure.com",
    "instance-data",
    "localhost",
    "localhost.localdomain",
    "ip6-localhost",
    "kubernetes.default",
    "kubernetes.default.svc",
];

/// Parses the IPv4 spellings that URL parsers accept: dotted with decimal, hex (`0x7f`) or octal
/// (`0177`) parts, and the single-number form (`2130706433`, `0x7f000001`).
fn parse_loose_ipv4(host: &str) -> Option<Ipv4Addr> {
    fn num(p: &str) -> Option<u64> {
        if p.is_empty() || p.len() > 12 {
            return None;
        }
        if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u64::from_str_radix(h, 16).ok()
        } else if p.len() > 1 && p.starts_with('0') {
            u64::from_str_radix(p, 8).ok()
        } else {
            p.parse().ok()
        }
    }
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let nums: Vec<u64> = parts.iter().map(|p| num(p)).collect::<Option<_>>()?;
    let (last, head) = nums.split_last()?;
    let mut v: u64 = 0;
    for (i, n) in head.iter().enumerate() {
        if *n > 255 {
            return None;
        }
        v |= n << (24 - 8 * i);
    }
    let room = 32 - 8 * head.len() as u32;
    if room < 64 && *last >= (1u64 << room) {
        return None;
    }
    v |= last;
    u32::try_from(v).ok().map(Ipv4Addr::from)
}

fn host_is_internal(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if METADATA_HOSTS.contains(&h.as_str()) || h.ends_with(".localhost") || h.ends_with(".internal")
    {
        return true;
    }
    if let Some(inner) = h.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        return match inner.parse::<Ipv6Addr>() {
            Ok(v6) => {
                let ip = IpAddr::V6(v6);
                is_internal_ip(&ip) || v6.segments()[..2] == [0xfd00, 0x0ec2]
            }
            Err(_) => false,
        };
    }
    if let Some(v4) = parse_loose_ipv4(&h) {
        let ip = IpAddr::V4(v4);
        return is_internal_ip(&ip) || v4 == Ipv4Addr::new(100, 100, 100, 200);
    }
    // Wildcard DNS services that resolve to the embedded address (`127.0.0.1.nip.io`).
    for suffix in [".nip.io", ".sslip.io", ".xip.io", ".localtest.me"] {
        if let Some(prefix) = h.strip_suffix(suffix) {
            if suffix == ".localtest.me" {
                return true;
            }
            let ip_part: String = prefix.replace('-', ".");
            let tail: Vec<&str> = ip_part.rsplit('.').take(4).collect();
            let dotted = tail.into_iter().rev().collect::<Vec<_>>().join(".");
            if let Some(v4) = parse_loose_ipv4(&dotted) {
                return is_internal_ip(&IpAddr::V4(v4));
            }
        }
    }
    false
}

pub fn detect(v: &str) -> Option<&'static str> {
    let v = v.trim();
    let colon = v.find(':')?;
    let scheme = &v[..colon];
    if scheme.is_empty()
        || scheme.len() > 10
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+')
    {
        return None;
    }
    let scheme_l = scheme.to_ascii_lowercase();
    let rest = &v[colon + 1..];
    if DANGEROUS_SCHEMES.contains(&scheme_l.as_str())
        && (rest.starts_with("//")
            || scheme_l == "jar"
            || scheme_l == "php"
            || scheme_l == "expect")
    {
        return Some("dangerous url scheme");
    }
    if scheme_l != "http"
        && scheme_l != "https"
        && scheme_l != "ftp"
        && scheme_l != "ws"
        && scheme_l != "wss"
    {
        return None;
    }
    let rest = rest.trim_start_matches(['/', '\\']);
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or("");
    let hostport = authority.rsplit('@').next().unwrap_or("");
    let host = if hostport.starts_with('[') {
        match hostport.find(']') {
            Some(i) => &hostport[..=i],
            None => hostport,
        }
    } else {
        hostport.split(':').next().unwrap_or("")
    };
    if !host.is_empty() && host_is_internal(host) {
        return Some("url to an internal or metadata address");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn internal_urls_fire() {
        for p in [
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://127.0.0.1:8080/admin",
            "http://localhost/server-status",
            "https://10.0.0.5/internal",
            "http://[::1]:6379/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://user@192.168.1.1/",
            "http://100.100.100.200/latest/meta-data/",
            "file:///etc/passwd",
            "gopher://127.0.0.1:6379/_FLUSHALL",
            "dict://localhost:11211/stat",
            "http://127.0.0.1.nip.io/",
            "http://[fd00:ec2::254]/latest/meta-data/",
        ] {
            assert!(detect(p).is_some(), "{p}");
        }
    }

    #[test]
    fn ordinary_urls_do_not_fire() {
        for p in [
            "https://example.com/callback",
            "https://cdn.example.org/img/1.png",
            "http://8.8.8.8/",
            "https://api.partner.io:8443/hook?x=1",
            "mailto:someone@example.com",
            "12:30",
            "tel:+123456",
            "https://localhost.example.com/",
            "urn:isbn:0451450523",
        ] {
            assert_eq!(detect(p), None, "{p}");
        }
    }
}
