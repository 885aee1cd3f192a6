//! Access tool classification from the user agent.
//!
//! Two layers: first our own ordered table of attack tools, scripts, HTTP libraries, headless
//! browsers and app networking stacks (checked in order, first match wins, so `sqlmap/1.7
//! (python-requests)` is sqlmap and not a script), then the `woothee` user-agent parser (a
//! maintained, offline dataset of browsers, crawlers and devices) for everything else.

use crate::facts::{ToolInfo, ToolKind};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::sync::OnceLock;

/// `(needle, family, kind)`: needles are matched case-insensitively anywhere in the user agent;
/// the first entry in table order that matches wins.
const TOOLS: &[(&str, &str, ToolKind)] = &[
    // Scanners and attack tools.
    ("sqlmap", "sqlmap", ToolKind::AttackTool),
    ("nuclei", "nuclei", ToolKind::AttackTool),
    ("nikto", "Nikto", ToolKind::AttackTool),
    ("nmap scripting engine", "Nmap", ToolKind::AttackTool),
    ("nmap", "Nmap", ToolKind::AttackTool),
    ("masscan", "masscan", ToolKind::AttackTool),
    ("zgrab", "zgrab", ToolKind::AttackTool),
    ("acunetix", "Acunetix", ToolKind::AttackTool),
    ("acunetix-", "Acunetix", ToolKind::AttackTool),
    ("netsparker", "Netsparker", ToolKind::AttackTool),
    ("invicti", "Netsparker", ToolKind::AttackTool),
    ("appscan", "AppScan", ToolKind::AttackTool),
    ("w3af", "w3af", ToolKind::AttackTool),
    ("wpscan", "WPScan", ToolKind::AttackTool),
    ("dirbuster", "DirBuster", ToolKind::AttackTool),
    ("dirsearch", "dirsearch", ToolKind::AttackTool),
    ("gobuster", "gobuster", ToolKind::AttackTool),
    ("feroxbuster", "feroxbuster", ToolKind::AttackTool),
    ("fuzz faster u fool", "ffuf", ToolKind::AttackTool),
    ("ffuf", "ffuf", ToolKind::AttackTool),
    ("wfuzz", "wfuzz", ToolKind::AttackTool),
    ("hydra", "Hydra", ToolKind::AttackTool),
    ("medusa", "Medusa", ToolKind::AttackTool),
    ("openvas", "OpenVAS", ToolKind::AttackTool),
    ("nessus", "Nessus", ToolKind::AttackTool),
    ("qualys", "Qualys", ToolKind::AttackTool),
    ("arachni", "Arachni", ToolKind::AttackTool),
    ("skipfish", "skipfish", ToolKind::AttackTool),
    ("commix", "commix", ToolKind::AttackTool),
    ("xsstrike", "XSStrike", ToolKind::AttackTool),
    ("jaeles", "Jaeles", ToolKind::AttackTool),
    ("whatweb", "WhatWeb", ToolKind::AttackTool),
    ("owasp zap", "OWASP ZAP", ToolKind::AttackTool),
    ("zaproxy", "OWASP ZAP", ToolKind::AttackTool),
    ("burp", "Burp Suite", ToolKind::AttackTool),
    ("havij", "Havij", ToolKind::AttackTool),
    ("zmeu", "ZmEu", ToolKind::AttackTool),
    ("morfeus", "Morfeus", ToolKind::AttackTool),
    ("xray", "xray", ToolKind::AttackTool),
    ("goby", "Goby", ToolKind::AttackTool),
    ("awvs", "Acunetix", ToolKind::AttackTool),
    ("fimap", "fimap", ToolKind::AttackTool),
    ("bbqsql", "bbqsql", ToolKind::AttackTool),
    ("interactsh", "interactsh", ToolKind::AttackTool),
    // Headless browsers and automation frameworks.
    ("headlesschrome", "HeadlessChrome", ToolKind::Bot),
    ("phantomjs", "PhantomJS", ToolKind::Bot),
    ("puppeteer", "Puppeteer", ToolKind::Bot),
    ("playwright", "Playwright", ToolKind::Bot),
    ("selenium", "Selenium", ToolKind::Bot),
    ("webdriver", "Selenium", ToolKind::Bot),
    ("scrapy", "Scrapy", ToolKind::Bot),
    ("colly", "Colly", ToolKind::Bot),
    ("httrack", "HTTrack", ToolKind::Bot),
    // Command-line clients and HTTP libraries.
    ("curl/", "curl", ToolKind::Script),
    ("wget/", "Wget", ToolKind::Script),
    ("httpie", "HTTPie", ToolKind::Script),
    ("python-requests", "python-requests", ToolKind::Script),
    ("python-urllib", "python-urllib", ToolKind::Script),
    ("python-httpx", "python-httpx", ToolKind::Script),
    ("aiohttp", "aiohttp", ToolKind::Script),
    ("python/", "Python", ToolKind::Script),
    ("go-http-client", "Go-http-client", ToolKind::Script),
    ("fasthttp", "fasthttp", ToolKind::Script),
    ("resty", "go-resty", ToolKind::Script),
    ("apache-httpclient", "Apache-HttpClient", ToolKind::Script),
    (
        "apache-httpasyncclient",
        "Apache-HttpClient",
        ToolKind::Script,
    ),
    ("java-http-client", "Java", ToolKind::Script),
    ("java/", "Java", ToolKind::Script),
    ("jakarta commons-httpclient", "Java", ToolKind::Script),
    ("node-fetch", "node-fetch", ToolKind::Script),
    ("undici", "undici", ToolKind::Script),
    ("axios/", "axios", ToolKind::Script),
    (
        "got (https://github.com/sindresorhus/got)",
        "got",
        ToolKind::Script,
    ),
    ("node.js", "Node.js", ToolKind::Script),
    ("postmanruntime", "Postman", ToolKind::Script),
    ("insomnia", "Insomnia", ToolKind::Script),
    ("libwww-perl", "libwww-perl", ToolKind::Script),
    ("lwp::simple", "libwww-perl", ToolKind::Script),
    ("guzzlehttp", "Guzzle", ToolKind::Script),
    ("php/", "PHP", ToolKind::Script),
    ("ruby", "Ruby", ToolKind::Script),
    ("faraday", "Faraday", ToolKind::Script),
    ("windowspowershell", "PowerShell", ToolKind::Script),
    ("powershell", "PowerShell", ToolKind::Script),
    ("reqwest", "reqwest", ToolKind::Script),
    ("restsharp", "RestSharp", ToolKind::Script),
    ("dart:io", "Dart", ToolKind::Script),
    ("winhttp", "WinHTTP", ToolKind::Script),
    ("libcurl", "curl", ToolKind::Script),
    // Mobile app networking stacks (native apps, not browsers).
    ("okhttp", "okhttp", ToolKind::MobileApp),
    ("dalvik/", "Android app", ToolKind::MobileApp),
    ("cfnetwork", "iOS app", ToolKind::MobileApp),
    ("alamofire", "iOS app", ToolKind::MobileApp),
    ("afnetworking", "iOS app", ToolKind::MobileApp),
];

struct Table {
    ac: AhoCorasick,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| Table {
        ac: AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(TOOLS.iter().map(|t| t.0))
            .expect("static tool table"),
    })
}

fn woothee() -> &'static woothee::parser::Parser {
    static P: OnceLock<woothee::parser::Parser> = OnceLock::new();
    P.get_or_init(woothee::parser::Parser::new)
}

/// Longest user agent we look at; longer ones are cut (bounded work on hostile input).
const MAX_UA: usize = 512;

fn truncate(ua: &str) -> &str {
    crate::exchange::prefix(ua, MAX_UA)
}

/// Classifies a user agent.
pub fn classify_user_agent(ua: Option<&str>) -> ToolInfo {
    let ua = ua.map(str::trim).unwrap_or("");
    if ua.is_empty() || ua == "-" {
        return ToolInfo {
            kind: ToolKind::Unknown,
            family: String::new(),
        };
    }
    let ua = truncate(ua);
    // Our table: the first entry in table order among all matches.
    if let Some(idx) = table()
        .ac
        .find_overlapping_iter(ua)
        .map(|m| m.pattern().as_usize())
        .min()
    {
        let (_, family, kind) = TOOLS[idx];
        return ToolInfo {
            kind,
            family: family.to_string(),
        };
    }
    if let Some(r) = woothee().parse(ua) {
        let kind = match r.category {
            "pc" | "smartphone" | "mobilephone" | "appliance" => {
                if r.name == "UNKNOWN" {
                    None
                } else {
                    Some(ToolKind::Browser)
                }
            }
            "crawler" => Some(ToolKind::Bot),
            _ => None,
        };
        if let Some(kind) = kind {
            return ToolInfo {
                kind,
                family: r.name.to_string(),
            };
        }
    }
    // App-specific agents such as `ShopApp/5.2.1 (iPhone; iOS 17.1; Scale/3.00)`.
    let lower = ua.to_ascii_lowercase();
    if ["iphone", "ipad", "android", "ios ", "ios/", "darwin"]
        .iter()
        .any(|k| lower.contains(k))
    {
        return ToolInfo {
            kind: ToolKind::MobileApp,
            family: app_name(ua),
        };
    }
    if ["bot", "crawler", "spider", "slurp"]
        .iter()
        .any(|k| lower.contains(k))
    {
        return ToolInfo {
            kind: ToolKind::Bot,
            family: app_name(ua),
        };
    }
    ToolInfo {
        kind: ToolKind::Unknown,
        family: app_name(ua),
    }
}

/// The product token of an agent (`ShopApp` from `ShopApp/5.2.1 (...)`), at most 32 chars.
fn app_name(ua: &str) -> String {
    ua.split(['/', ' ', ';', '('])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(ua: &str) -> (ToolKind, String) {
        let t = classify_user_agent(Some(ua));
        (t.kind, t.family)
    }

    #[test]
    fn attack_tools_win_over_their_libraries() {
        assert_eq!(
            k("sqlmap/1.7.2#stable (https://sqlmap.org)"),
            (ToolKind::AttackTool, "sqlmap".into())
        );
        assert_eq!(
            k("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36 Nuclei"),
            (ToolKind::AttackTool, "nuclei".into())
        );
        assert_eq!(
            k("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)"),
            (ToolKind::AttackTool, "Nikto".into())
        );
        assert_eq!(
            k("Fuzz Faster U Fool v2.1.0-dev"),
            (ToolKind::AttackTool, "ffuf".into())
        );
    }

    #[test]
    fn scripts_and_libraries() {
        assert_eq!(k("curl/8.4.0"), (ToolKind::Script, "curl".into()));
        assert_eq!(
            k("python-requests/2.31.0"),
            (ToolKind::Script, "python-requests".into())
        );
        assert_eq!(
            k("Go-http-client/1.1"),
            (ToolKind::Script, "Go-http-client".into())
        );
        assert_eq!(k("Java/11.0.2"), (ToolKind::Script, "Java".into()));
        assert_eq!(
            k("Apache-HttpClient/4.5.13 (Java/1.8.0_362)"),
            (ToolKind::Script, "Apache-HttpClient".into())
        );
        assert_eq!(
            k("PostmanRuntime/7.36.0"),
            (ToolKind::Script, "Postman".into())
        );
    }

    #[test]
    fn browsers_apps_and_bots() {
        assert_eq!(
            k("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
            (ToolKind::Browser, "Chrome".into())
        );
        assert_eq!(
            k("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1").0,
            ToolKind::Browser
        );
        assert_eq!(
            k("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/119.0.0.0 Safari/537.36"),
            (ToolKind::Bot, "HeadlessChrome".into())
        );
        assert_eq!(k("okhttp/4.12.0"), (ToolKind::MobileApp, "okhttp".into()));
        assert_eq!(
            k("ShopApp/5.2.1 (iPhone; iOS 17.1; Scale/3.00)"),
            (ToolKind::MobileApp, "ShopApp".into())
        );
        assert_eq!(
            k("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)").0,
            ToolKind::Bot
        );
        assert_eq!(classify_user_agent(None).kind, ToolKind::Unknown);
        assert_eq!(classify_user_agent(Some("-")).kind, ToolKind::Unknown);
        // Hostile, huge agents are cut, never panic.
        let long = "é".repeat(5000);
        let _ = classify_user_agent(Some(&long));
    }
}
