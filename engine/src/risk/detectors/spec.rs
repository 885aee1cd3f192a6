//! Security-specification risks: insecure HTTP methods and URL-valued parameters.

use crate::login::normalize;
use crate::risk::cx::Cx;
use crate::risk::{Detector, RiskSignals};

/// `insecure_http_method`, following the product's list (PUT, DELETE, TRACE, OPTIONS). Reported
/// when the server answers 2xx to:
/// - TRACE or TRACK (cross-site tracing; never needed by an application), or a WebDAV method
///   (PROPFIND, MKCOL, MOVE...: file-system access through the web server);
/// - PUT or DELETE: with [`REPORT_AUTHENTICATED_WRITES`] (the default, as the product does) on
///   any API that accepts them; otherwise only when sent without any credential or when PUT
///   writes a file path (`/uploads/shell.jsp`);
/// - OPTIONS whose `Allow` lists TRACE/TRACK, or that announces WebDAV (`DAV`). CORS
///   preflights are not reported.
///
/// PATCH is not in the product's list and is never reported.
pub struct InsecureHttpMethod;

/// Report PUT/DELETE accepted with credentials too. The product lists PUT and DELETE among the
/// insecure methods and lets teams ignore the finding for APIs that need them; set to `false`
/// to report only unauthenticated writes and file PUTs.
pub const REPORT_AUTHENTICATED_WRITES: bool = true;

fn has_file_extension(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    match last.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric())
                && !ext.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

impl Detector for InsecureHttpMethod {
    describe!(
        "insecure_http_method",
        "The API accepts HTTP methods that let a client trace requests or change server content without control: TRACE/TRACK answered successfully, PUT or DELETE accepted without credentials, or files written with PUT. Attackers use them to read protected headers, plant files or remove resources.",
        "Disable TRACE and TRACK on the server, require authentication and authorisation for every PUT and DELETE, and allow only the methods each API actually needs (for example with an allow-list at the gateway)."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() {
            return;
        }
        let r = cx.record();
        let why = match r.method.as_str() {
            "TRACE" | "TRACK" => Some(format!("{} answered {}", r.method, r.status)),
            "PROPFIND" | "PROPPATCH" | "MKCOL" | "COPY" | "MOVE" | "LOCK" | "UNLOCK" => {
                Some(format!("WebDAV method {} answered {}", r.method, r.status))
            }
            "PUT" | "DELETE" if !cx.authenticated() && cx.attempt().is_none() => {
                Some(format!("{} accepted without any credential", r.method))
            }
            "PUT" if has_file_extension(&r.path) => Some("file written with PUT".to_string()),
            "PUT" | "DELETE" if REPORT_AUTHENTICATED_WRITES => {
                Some(format!("{} accepted", r.method))
            }
            "OPTIONS" => {
                let allow = r
                    .response_header("allow")
                    .or_else(|| r.response_header("public"))
                    .unwrap_or("")
                    .to_ascii_uppercase();
                if allow.contains("TRACE") || allow.contains("TRACK") {
                    Some(format!("Allow: {}", crate::risk::cx::excerpt(&allow, 80)))
                } else if r.response_header("dav").is_some() {
                    Some("WebDAV announced (DAV header)".to_string())
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(why) = why {
            out.hit(self.key(), || format!("{}; {}", cx.line(), why));
        }
    }
}

/// `url_as_parameter`: a request parameter (query, form, JSON) whose value is an absolute
/// http(s) URL, which the server may fetch (SSRF). Parameters that only steer the browser
/// (`redirect_uri`, `return_url`, `next`, `referer`...) are left out: they are open-redirect
/// material, not server-side fetches.
pub struct UrlAsParameter;

fn is_navigation_param(name: &str) -> bool {
    let n = normalize(name);
    [
        "redirect", "return", "next", "continue", "referer", "referrer", "goto", "success", "fail",
        "cancel", "origin", "back",
    ]
    .iter()
    .any(|w| n.starts_with(w))
        || n.ends_with("redirect")
        || n.ends_with("redirecturi")
        || n.ends_with("redirecturl")
        || n.ends_with("returnurl")
        || matches!(
            n.as_str(),
            "dl" | "dr" | "pageurl" | "location" | "targeturl" | "service" | "ref"
        )
}

pub fn is_http_url(v: &str) -> bool {
    let v = v.trim();
    let lower = v.get(..8).unwrap_or(v).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &v[8..]
    } else if lower.starts_with("http://") {
        &v[7..]
    } else {
        return false;
    };
    rest.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '[')
        && !v.contains(char::is_whitespace)
}

impl Detector for UrlAsParameter {
    describe!(
        "url_as_parameter",
        "A request parameter of this API carries a full URL. When the server fetches or forwards it, an attacker can point it at internal services or cloud metadata endpoints (server-side request forgery).",
        "Avoid taking URLs from clients; accept an identifier and resolve it on the server, or validate the URL against an allow-list of schemes and hosts and block internal address ranges."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if let Some(p) = cx
            .params()
            .iter()
            .find(|p| is_http_url(&p.value) && !is_navigation_param(&p.name))
        {
            out.hit(self.key(), || cx.param_evidence(p, "URL value"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_extensions() {
        assert!(is_http_url("https://internal.example/x"));
        assert!(is_http_url("HTTP://169.254.169.254/latest/meta-data"));
        assert!(!is_http_url("see https://x"));
        assert!(!is_http_url("https://"));
        assert!(has_file_extension("/uploads/shell.jsp"));
        assert!(!has_file_extension("/api/v1.2/users"));
        assert!(!has_file_extension("/api/users/12"));
        assert!(is_navigation_param("redirect_uri"));
        assert!(is_navigation_param("returnUrl"));
        assert!(!is_navigation_param("callback_url"));
        assert!(!is_navigation_param("image_url"));
    }
}
