//! Response leaks about the server itself: server information (phpinfo, environment dumps,
//! actuator endpoints, version banners, filesystem paths, system files), internal addresses,
//! and API description documents.

use super::{compile, Rules};
use crate::exchange::response_words;
use crate::risk::cx::Cx;
use crate::risk::{Detector, RiskSignals};
use regex::Regex;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

/// Server-information signatures. Sources: the default output of `phpinfo()`, Spring Boot
/// actuator `/env` and `/configprops`, Apache `server-status`, stock error pages of nginx,
/// Apache, Tomcat, IIS and Jetty (with versions), `.env`/environment dumps, `/etc/passwd`.
fn server_rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| {
        compile(&[
            ("phpinfo page", r#"(?i)<title>(?:PHP [\d.]+ - )?phpinfo\(\)</title>|PHP Version \d+\.\d+\.\d+</h1>|>PHP License<|<td class="e">(?:DOCUMENT_ROOT|SERVER_ADDR|Server API|Loaded Configuration File) </td>"#),
            ("Spring actuator environment", r#""propertySources"\s*:\s*\[|"activeProfiles"\s*:\s*\[[^\]]*\]\s*,\s*"propertySources""#),
            ("Spring actuator configuration", r#""contexts"\s*:\s*\{[^{}]*"beans"\s*:|"configurationProperties""#),
            ("Apache server-status", r"(?i)Apache Server Status for|Server uptime:.*Total accesses"),
            ("server version banner", r"(?i)<(?:hr|address|center|h3)>\s*(?:nginx/\d+\.\d+(?:\.\d+)?|Apache/\d+\.\d+(?:\.\d+)?[^<]{0,60}Server at|Apache Tomcat/\d+\.\d+(?:\.\d+)?|Jetty\(\d+\.\d+|Microsoft-IIS/\d+\.\d+|openresty/\d+\.\d+)"),
            ("environment dump", r"(?m)^(?:PATH|HOME|HOSTNAME|JAVA_HOME|USER|PWD|SHELL)=\S+\s*\n(?:[A-Z_][A-Z0-9_]*=.*\n){2,}"),
            ("environment variables", r#"(?i)"(?:JAVA_HOME|HOSTNAME|KUBERNETES_SERVICE_HOST|LD_LIBRARY_PATH)"\s*:\s*"[^"]+".{0,400}"(?:PATH|HOME|USER|PWD)"\s*:\s*"[^"]+""#),
            ("secrets file", r"(?m)^(?:DB_PASSWORD|DATABASE_URL|APP_KEY|AWS_SECRET_ACCESS_KEY|SECRET_KEY|REDIS_PASSWORD)=\S+"),
            ("system account file", r"(?m)^root:[x*!]?:0:0:[^:\n]*:/root:/[a-z/]+sh\b"),
            ("absolute server path", r#"(?:^|[\s"'(\[=:,])(?:/(?:var/www|var/lib|usr/local|opt|srv|home/[a-z_][a-z0-9_-]*|root|etc|data/app|app/[a-z0-9_-]+)/[A-Za-z0-9_.\-/]*[A-Za-z0-9_-]\.(?:php|java|py|rb|go|js|ts|jsp|class|jar|war|conf|cfg|ini|yml|yaml|xml|properties|log|sh|so|dll)|[A-Za-z]:\\(?:inetpub|Windows|Program Files|Users|www|wwwroot|webapps)\\[^\s"'<>]{3,})"#),
        ])
    })
}

/// Words (ASCII case ignored) at least one of which every response [`OpenapiDocLeak`] reports
/// holds in its first [`response_words::RISK_SCAN`] bytes: the `openapi`/`swagger` keys of a
/// description, the Swagger UI markup and script, and the tags of the other documentation UIs
/// (`crate::discovery::doc_page`'s markers; a test keeps the two lists in step).
pub(crate) const API_DOC_WORDS: &[&str] = &[
    "openapi",
    "swagger",
    "<redoc",
    "<div id=\"redoc",
    "<rapi-doc",
    "<elements-api",
    "<script id=\"api-reference\"",
];

/// Literals at least one of which every [`server_rules`] pattern needs (case-insensitive, so a
/// superset): the regex set only runs on the few bodies that contain one. Without this gate the
/// set, whose patterns are too large for the lazy DFA, dominated the whole analysis.
pub(crate) const SERVER_WORDS: &[&str] = &[
    "phpinfo",
    "PHP Version",
    "PHP License",
    "propertySources",
    "\"beans\"",
    "configurationProperties",
    "Server Status",
    "Total accesses",
    "nginx/",
    "Apache/",
    "Apache Tomcat/",
    "Jetty(",
    "Microsoft-IIS/",
    "openresty/",
    "PATH=",
    "HOME=",
    "HOSTNAME",
    "JAVA_HOME",
    "USER=",
    "PWD=",
    "SHELL=",
    "KUBERNETES_SERVICE_HOST",
    "LD_LIBRARY_PATH",
    "DB_PASSWORD=",
    "DATABASE_URL=",
    "APP_KEY=",
    "AWS_SECRET_ACCESS_KEY=",
    "SECRET_KEY=",
    "REDIS_PASSWORD=",
    "root:",
    "/var/www/",
    "/var/lib/",
    "/usr/local/",
    "/opt/",
    "/srv/",
    "/home/",
    "/root/",
    "/etc/",
    "/data/app/",
    "/app/",
    ":\\",
];

/// The first server path match that is not a link: web pages and asset manifests reference
/// URL paths such as `<script src="/app/assets/main.js">` or `"url": "/home/js/site.js"`,
/// which share the shape of file-system paths but reveal nothing about the server.
fn file_path_outside_links(re: &Regex, body: &str) -> Option<usize> {
    const LINK_CONTEXT: &[&str] = &[
        "src=",
        "href=",
        "action=",
        "url(",
        "\"src\":",
        "\"href\":",
        "\"url\":",
        "\"link\":",
    ];
    re.find_iter(body).take(32).find_map(|m| {
        // The match may begin with the delimiter before the path (`"`, `=`, `(`...).
        let first = body[m.start()..].chars().next()?;
        let path_at = if first == '/' || first.is_ascii_alphabetic() {
            m.start()
        } else {
            m.start() + first.len_utf8()
        };
        let mut from = path_at.saturating_sub(12);
        while !body.is_char_boundary(from) {
            from -= 1;
        }
        let before = body[from..path_at].to_ascii_lowercase();
        let before = before.trim_end_matches(['"', '\'', ' ']);
        let link = LINK_CONTEXT.iter().any(|c| before.ends_with(c));
        (!link).then_some(m.start())
    })
}

/// `server_info_leak`: the response body shows server internals (see [`server_rules`]).
pub struct ServerInfoLeak;

impl Detector for ServerInfoLeak {
    describe!(
        "server_info_leak",
        "The response exposes internals of the server: configuration or environment dumps, diagnostic pages, software versions, file-system paths or system files. Attackers use these details to pick exploits and find secrets.",
        "Disable diagnostic pages and management endpoints in production (phpinfo, actuator, server-status) or restrict them to administrators, hide version banners, and return generic error pages."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let body = cx.response_body();
        if body.len() < 8 {
            return;
        }
        if !cx.response_words().has(response_words::SERVER) {
            return;
        }
        let rules = server_rules();
        let matched = rules.set.matches(body);
        // A path inside a stack trace is the exception leak's business.
        let path_only = matched
            .iter()
            .all(|i| rules.names[i] == "absolute server path");
        if path_only && super::exceptions::app_exception(cx).is_some() {
            return;
        }
        for i in matched.iter() {
            let at = if rules.names[i] == "absolute server path" {
                match file_path_outside_links(rules.regex(i), body) {
                    Some(at) => at,
                    None => continue,
                }
            } else {
                rules.regex(i).find(body).map_or(0, |m| m.start())
            };
            out.hit(self.key(), || cx.response_evidence(at, rules.names[i]));
            return;
        }
    }
}

fn ip_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?:^|[^0-9A-Za-z._\-])((?:10|127|169\.254|172\.(?:1[6-9]|2[0-9]|3[01])|192\.168)(?:\.[0-9]{1,3}){1,3})(?:$|[^0-9A-Za-z._\-]|\.[^0-9])")
            .expect("ip regex")
    })
}

/// Every internal IPv4 address of [`internal_ipv4`] starts with one of these.
pub const INTERNAL_IP_PREFIXES: &[&str] = &["10.", "127.", "169.254.", "172.", "192.168."];

/// An internal IPv4 address in text (RFC 1918 private, loopback, link-local), as a whole
/// dotted quad (not part of a version string or a longer number).
pub fn internal_ipv4(text: &str) -> Option<(usize, usize, Ipv4Addr)> {
    // Every match starts with one of these: a one-pass literal search spares the regex on
    // almost every body.
    static PREFIXES: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let prefixes = PREFIXES.get_or_init(|| {
        aho_corasick::AhoCorasick::new(INTERNAL_IP_PREFIXES).expect("internal address prefixes")
    });
    if !prefixes.is_match(text) {
        return None;
    }
    for c in ip_regex().captures_iter(text).take(64) {
        let m = c.get(1)?;
        if let Ok(ip) = m.as_str().parse::<Ipv4Addr>() {
            if (ip.is_private() || ip.is_loopback() || ip.is_link_local()) && !ip.is_unspecified() {
                return Some((m.start(), m.end(), ip));
            }
        }
    }
    None
}

/// `internal_ip_leak`: an internal IPv4 address in the response body or in a response header
/// (`X-Backend-Server`, `Via`, `Location`...). The client's own address echoed back is left
/// out: it tells the caller nothing it does not know.
pub struct InternalIpLeak;

impl Detector for InternalIpLeak {
    describe!(
        "internal_ip_leak",
        "The response reveals internal network addresses (private, loopback or link-local ranges) of servers behind the application. They map the internal network for attackers and help aim server-side request forgery.",
        "Strip internal addresses from response bodies, error messages and headers such as Via or X-Backend-Server; log them on the server side instead."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let own = cx.record().client_ip;
        let is_own = |ip: Ipv4Addr| own == IpAddr::V4(ip) || own.to_string() == ip.to_string();
        // The exchange's one pass over the response found whether any address can start in
        // it: most bodies are not searched again.
        let body = if cx.response_words().has(response_words::INTERNAL_IP) {
            cx.response_body()
        } else {
            ""
        };
        let mut rest = body;
        let mut offset = 0;
        while let Some((pos, end, ip)) = internal_ipv4(rest) {
            if !is_own(ip) {
                out.hit(self.key(), || {
                    cx.response_evidence(offset + pos, "internal address")
                });
                return;
            }
            offset += end;
            rest = rest.get(end..).unwrap_or("");
        }
        for (k, v) in &cx.record().response_headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            if let Some((_, _, ip)) = internal_ipv4(v) {
                if !is_own(ip) {
                    out.hit(self.key(), || {
                        format!("{}; response header {}: {}", cx.line(), k, ip)
                    });
                    return;
                }
            }
        }
    }
}

/// `openapi_doc_leak`: the response is an OpenAPI/Swagger document (JSON or YAML with a
/// `swagger`/`openapi` version and `paths`) or a Swagger UI / ReDoc page.
pub struct OpenapiDocLeak;

impl Detector for OpenapiDocLeak {
    describe!(
        "openapi_doc_leak",
        "The API serves its interface description (an OpenAPI or Swagger document or its UI) to clients. It lists every endpoint, parameter and data model, including internal or undocumented ones, which makes probing and abuse far easier.",
        "Do not publish API descriptions in production, or restrict them to authenticated internal users; review the documents for internal endpoints and sensitive field descriptions."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() {
            return;
        }
        // The exchange's one pass over the response words settles most responses; only a
        // body longer than that pass's window needs the literal searches below.
        let full = cx.record().response_body.as_deref().unwrap_or("");
        if full.len() <= response_words::RISK_SCAN
            && !cx.response_words().has(response_words::API_DOC)
        {
            return;
        }
        // A JSON description names its `openapi`/`swagger`/`swaggerVersion` key and a YAML
        // one its `openapi:`/`swagger:` line: without either word only the UI pages remain,
        // which never come as JSON.
        if !full.contains("openapi") && !full.contains("swagger") {
            if doc_ui_page(cx.response_body()) && cx.ctx.ex.response_json().is_none() {
                out.hit(self.key(), || {
                    format!("{}; Swagger UI / ReDoc page", cx.line())
                });
            }
            return;
        }
        if let Some(serde_json::Value::Array(a)) = cx.ctx.ex.response_json() {
            // springfox `/swagger-resources`: the list of API documents.
            if a.first()
                .is_some_and(|r| r.get("swaggerVersion").is_some() && r.get("url").is_some())
            {
                out.hit(self.key(), || {
                    format!("{}; Swagger resource list", cx.line())
                });
            }
            return;
        }
        if let Some(serde_json::Value::Object(m)) = cx.ctx.ex.response_json() {
            let version = m
                .get("openapi")
                .or_else(|| m.get("swagger"))
                .and_then(|v| v.as_str());
            if version.is_some_and(|v| v.starts_with('2') || v.starts_with('3'))
                && (m.contains_key("paths") || m.contains_key("info"))
            {
                let n = m
                    .get("paths")
                    .and_then(|p| p.as_object())
                    .map_or(0, |p| p.len());
                out.hit(self.key(), || {
                    format!(
                        "{}; OpenAPI/Swagger {} document with {} paths",
                        cx.line(),
                        version.unwrap_or(""),
                        n
                    )
                });
            }
            return;
        }
        let body = cx.response_body();
        let head = crate::risk::cx::prefix(body, 4096);
        let yaml = head.lines().take(20).any(|l| {
            let l = l.trim_start_matches('\u{feff}');
            l.starts_with("openapi: 3")
                || l.starts_with("openapi: \"3")
                || l.starts_with("openapi: '3")
                || l.starts_with("swagger: \"2")
                || l.starts_with("swagger: '2")
                || l.starts_with("swagger: 2")
        }) && body.contains("\npaths:");
        let ui = doc_ui_page(body);
        if yaml || ui {
            out.hit(self.key(), || {
                format!(
                    "{}; {}",
                    cx.line(),
                    if yaml {
                        "OpenAPI YAML document"
                    } else {
                        "Swagger UI / ReDoc page"
                    }
                )
            });
        }
    }
}

/// A Swagger UI, ReDoc, RapiDoc, Stoplight Elements or Scalar page (`body`: the scanned
/// prefix of the response).
fn doc_ui_page(body: &str) -> bool {
    let head = crate::risk::cx::prefix(body, 4096);
    head.contains("swagger-ui-bundle")
        || head.contains("<title>Swagger UI</title>")
        || (head.contains("<redoc") && head.contains("spec-url"))
        || body.contains("SwaggerUIBundle(")
        // The markup discovery keeps these pages by.
        || crate::discovery::looks_like_api_doc_ui(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every literal the documentation checks look for holds a prefilter word, so that the
    /// response-words gate never hides a documentation page.
    #[test]
    fn every_documentation_marker_holds_a_prefilter_word() {
        // The literals of `doc_ui_page` and `OpenapiDocLeak::inspect`.
        let literals = [
            "openapi",
            "swagger",
            "swagger-ui-bundle",
            "<title>Swagger UI</title>",
            "<redoc",
            "SwaggerUIBundle(",
        ];
        for m in crate::discovery::doc_page::UI_MARKERS
            .iter()
            .chain(&literals)
        {
            let m = m.to_ascii_lowercase();
            assert!(
                API_DOC_WORDS
                    .iter()
                    .any(|w| m.contains(&w.to_ascii_lowercase())),
                "{m}"
            );
        }
    }

    #[test]
    fn internal_addresses_in_text() {
        assert_eq!(
            internal_ipv4("upstream 10.0.3.17:8080 failed").map(|x| x.2),
            Some("10.0.3.17".parse().unwrap())
        );
        assert!(internal_ipv4(r#"{"host":"192.168.1.20"}"#).is_some());
        assert!(internal_ipv4("version 1.10.0.1").is_none());
        assert!(internal_ipv4("build 2.10.1.5.7").is_none());
        assert!(internal_ipv4("8.8.8.8 and 172.32.0.1").is_none());
        assert!(internal_ipv4("price 110.10.20.30").is_none());
        assert!(internal_ipv4("release v10.2.0.15").is_none());
        assert!(internal_ipv4("10.2.0.15-beta").is_none());
    }

    #[test]
    fn server_signatures() {
        let r = server_rules();
        for body in [
            "<html><head><title>phpinfo()</title></head>",
            "<title>PHP 7.4.33 - phpinfo()</title>",
            "<hr><center>nginx/1.18.0</center>",
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin",
            r#"{"error":"failed to open /var/www/html/config/database.php"}"#,
            "PATH=/usr/bin\nHOME=/root\nJAVA_HOME=/opt/jdk\nHOSTNAME=web-1\n",
        ] {
            assert!(r.set.is_match(body), "{body}");
        }
        for body in [
            "<hr><center>nginx</center>",
            r#"{"url":"https://cdn.example.com/opt/img.png"}"#,
            "Welcome to our store",
            r#"{"path":"/api/v1/users"}"#,
        ] {
            assert!(!r.set.is_match(body), "{body}");
        }
    }
}
