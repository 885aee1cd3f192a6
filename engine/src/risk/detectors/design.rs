//! API-design risks: walkable identifiers, client-controlled page sizes, SQL statements, shell
//! commands and file paths taken as parameters.

use crate::exchange::{path_words, ParamLocation};
use crate::facts::ApiSummary;
use crate::login::normalize;
use crate::risk::cx::{self, Cx};
use crate::risk::state::ApiState;
use crate::risk::{Detector, RiskSignals, Verdict};
use regex::Regex;
use serde_json::Value;
use std::sync::OnceLock;

/// Distinct consecutive identifiers one client must have walked.
pub const TRAVERSAL_RUN: usize = 10;
/// Page sizes at or above this are "large"; a list of more than [`CAPPED_LIST`] items answering
/// one means the server did not cap it (APIs commonly cap at 50 or 100).
pub const LARGE_PAGE_SIZE: u64 = 200;
pub const CAPPED_LIST: usize = 100;

/// Names of paging, sorting and time parameters, which are sequential by nature.
fn is_paging_name(n: &str) -> bool {
    matches!(
        n,
        "page"
            | "pageno"
            | "pagenum"
            | "pagenumber"
            | "pageindex"
            | "current"
            | "curpage"
            | "p"
            | "offset"
            | "start"
            | "skip"
            | "from"
            | "limit"
            | "size"
            | "pagesize"
            | "perpage"
            | "rows"
            | "count"
            | "num"
            | "max"
            | "top"
            | "first"
            | "last"
            | "take"
            | "length"
            | "t"
            | "ts"
            | "timestamp"
            | "time"
            | "v"
            | "ver"
            | "version"
            | "callback"
            | "year"
            | "month"
            | "day"
            | "sort"
            | "order"
            | "lang"
            | "nonce"
            | "rand"
            | "random"
            | "seq"
    ) || n.starts_with('_')
}

/// A short decimal identifier: 1 to 9 digits without a leading zero.
fn short_id(v: &str) -> Option<u64> {
    let v = v.trim();
    if v.is_empty() || v.len() > 9 || v.starts_with('0') || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// Longest run of consecutive integers in a sorted set.
pub fn longest_run<'a>(values: impl IntoIterator<Item = &'a u64>) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev: Option<u64> = None;
    for &v in values {
        run = match prev {
            Some(p) if v == p + 1 => run + 1,
            _ => 1,
        };
        best = best.max(run);
        prev = Some(v);
    }
    best
}

/// `traversable_parameter`: one client walked at least [`TRAVERSAL_RUN`] consecutive values of
/// a short numeric identifier (a path segment or an id-like parameter) and got 2xx answers.
pub struct TraversableParameter;

impl Detector for TraversableParameter {
    describe!(
        "traversable_parameter",
        "The API identifies records with short sequential numbers, and clients have stepped through consecutive values. Predictable identifiers let anyone enumerate records one after another and harvest data in bulk, especially where object-level authorisation is weak.",
        "Use long random identifiers (UUIDs) in URLs and parameters, check on every request that the caller may access the requested object, and rate-limit enumeration patterns."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() {
            return;
        }
        let r = cx.record();
        // Path variables: the template segment `{x}` facing the raw segment.
        let template = cx.ctx.api.path.as_str();
        let slashes = |s: &str| s.bytes().filter(|&b| b == b'/').count();
        if slashes(template) == slashes(&r.path) {
            for (t, v) in template.split('/').zip(r.path.split('/')) {
                if t.starts_with('{') {
                    if let Some(n) = short_id(v) {
                        out.obs
                            .ids
                            .push((format!("path.{}", t.trim_matches(['{', '}'])), n));
                    }
                }
            }
        }
        for p in cx.params() {
            if !matches!(
                p.location,
                ParamLocation::Query | ParamLocation::Form | ParamLocation::Json
            ) {
                continue;
            }
            let n = normalize(&p.name);
            let id_like = n == "id" || n.ends_with("id") || n.ends_with("no") || n == "uid";
            if id_like && !is_paging_name(&n) && !p.field.contains("[]") {
                if let Some(v) = short_id(&p.value) {
                    out.obs
                        .ids
                        .push((format!("{}.{}", p.location.as_str(), p.field), v));
                }
            }
        }
        out.obs.ids.truncate(8);
    }

    fn judge(&self, api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        let crate::risk::state::Walk { run, param, lo, hi } =
            st.longest_walk().filter(|w| w.run >= TRAVERSAL_RUN)?;
        Some(Verdict {
            evidence: cx::evidence(format!(
                "{} {}: one client walked {} consecutive values of {} (between {} and {})",
                api.key.method, api.key.path, run, param, lo, hi
            )),
            first_ms: api.first_seen_ms,
            last_ms: api.last_seen_ms,
            hits: run as u64,
        })
    }
}

fn is_page_size_name(n: &str) -> bool {
    matches!(
        n,
        "size"
            | "pagesize"
            | "limit"
            | "perpage"
            | "rows"
            | "count"
            | "num"
            | "max"
            | "maxresults"
            | "top"
            | "first"
            | "take"
            | "length"
            | "psize"
            | "ps"
            | "pagelimit"
            | "pagecount"
            | "maxitems"
            | "itemsperpage"
            | "resultsperpage"
            | "numresults"
            | "rowcount"
            | "fetchsize"
            | "batchsize"
            | "maxrows"
    )
}

fn largest_array(v: &Value, depth: usize) -> usize {
    if depth > 4 {
        return 0;
    }
    match v {
        Value::Array(a) => a.len(),
        Value::Object(m) => m
            .values()
            .map(|c| largest_array(c, depth + 1))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// A page-size parameter set to at least [`LARGE_PAGE_SIZE`] answered 2xx with a JSON list of
/// more than [`CAPPED_LIST`] items: (parameter, requested size, list length).
pub fn page_size_honoured(cx: &Cx) -> Option<(String, u64, usize)> {
    if !cx.ok() {
        return None;
    }
    let (name, size) = cx.params().iter().find_map(|p| {
        let n = normalize(&p.name);
        if !is_page_size_name(&n) || p.field.contains('.') {
            return None;
        }
        let v: u64 = p.value.trim().parse().ok()?;
        (v >= LARGE_PAGE_SIZE).then(|| (p.field.clone(), v))
    })?;
    let len = largest_array(cx.ctx.ex.response_json()?, 0);
    (len > CAPPED_LIST && len as u64 <= size).then_some((name, size, len))
}

/// `modifiable_result_size`: the client asked for a large page (>= 200) and the server returned
/// more than 100 items: the page size is not capped.
pub struct ModifiableResultSize;

impl Detector for ModifiableResultSize {
    describe!(
        "modifiable_result_size",
        "A request parameter decides how many records the API returns, and the server honours very large values. One request can then download a large part of the data set, which turns scraping or a stolen session into a mass leak.",
        "Cap page sizes on the server (for example at 50 or 100) whatever the client asks, or offer a few fixed sizes; use cursors for bulk access by trusted clients."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if let Some((p, size, len)) = page_size_honoured(cx) {
            out.hit(self.key(), || {
                format!("{}; {}={} answered with {} items", cx.line(), p, size, len)
            });
        }
    }
}

fn sql_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?is)^\s*\(?\s*(?:select\s+(?:distinct\s+|top\s+\d+\s+)?(?:[\w.`\x22\[\]*]+(?:\s*\([^()]{0,200}\))?(?:\s+as\s+[\w`\x22\[\]]+)?)(?:\s*,\s*(?:[\w.`\x22\[\]*]+(?:\s*\([^()]{0,200}\))?(?:\s+as\s+[\w`\x22\[\]]+)?))*\s+from\s+[\w.`\x22\[\]]+|insert\s+into\s+[\w.`\x22\[\]]+\s*(?:\(|values|select)|update\s+[\w.`\x22\[\]]+\s+set\s+[\w`\x22\[\]]+\s*=|delete\s+from\s+[\w.`\x22\[\]]+|(?:create|drop|alter|truncate)\s+table\s+[\w.`\x22\[\]]+|with\s+\w+\s+as\s*\(\s*select\s)",
        )
        .expect("sql regex")
    })
}

/// A parameter value that is an SQL statement (it starts with one), as opposed to an injection
/// payload appended to a normal value (`1' OR 1=1`), which is an attack event, not API design.
pub fn is_sql_statement(v: &str) -> bool {
    v.len() >= 12 && sql_regex().is_match(cx::prefix(v, 4096))
}

/// `database_query_parameter`: a request parameter holding a whole SQL statement, accepted 2xx.
pub struct DatabaseQueryParameter;

impl Detector for DatabaseQueryParameter {
    describe!(
        "database_query_parameter",
        "The API takes a complete SQL statement from the client and runs it. Whoever can call it can read, change or delete any data the database account can reach, bypassing all application checks.",
        "Never accept SQL from clients: expose specific operations with typed, validated parameters and parameterised queries on the server, and run them with a least-privilege database account."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() {
            return;
        }
        if let Some(p) = cx.params().iter().find(|p| is_sql_statement(&p.value)) {
            out.hit(self.key(), || cx.param_evidence(p, "SQL statement"));
        }
    }
}

fn command_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^\s*(?:sudo\s+)?(?:/(?:usr/)?s?bin/)?(?:ls|cat|whoami|uname|ping|curl|wget|bash|sh|zsh|cmd(?:\.exe)?|powershell(?:\.exe)?|ps|netstat|ifconfig|ipconfig|nslookup|dig|traceroute|tracert|echo|id|pwd|hostname|df|du|top|kill|rm|cp|mv|chmod|chown|tar|grep|find|systemctl|service|python3?|perl|php|ruby|node|nc|ncat|telnet|ssh|scp|docker|kubectl|dir|type|net|tasklist|shutdown|reboot|crontab)(?:\s+(?:-{1,2}[A-Za-z][\w-]*|/[\w./-]*|[\w.-]+\.[A-Za-z]{2,}|\d{1,3}(?:\.\d{1,3}){3}|[|&;>]|\$\(|`|'[^']*'|\x22[^\x22]*\x22|[\w./=-]+))*\s*$",
        )
        .expect("command regex")
    })
}

fn is_command_name(n: &str) -> bool {
    matches!(
        n,
        "cmd"
            | "command"
            | "cmdline"
            | "commandline"
            | "exec"
            | "execute"
            | "shell"
            | "shellcmd"
            | "script"
            | "bash"
            | "run"
            | "syscmd"
            | "oscmd"
    )
}

/// A value that is a system command: a known command word followed by options, paths, hosts
/// or pipes (`ls -la /tmp`, `ping -c 4 10.0.0.1`, `cat /etc/hosts | grep db`). A bare word
/// counts only under a command-named parameter (`cmd=whoami`).
pub fn is_shell_command(name: &str, v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() || v.len() > 1024 || !command_regex().is_match(v) {
        return false;
    }
    let has_args = v.split_whitespace().count() >= 2;
    (has_args
        && (v.contains(" -")
            || v.contains(" /")
            || v.contains('|')
            || v.contains(" http")
            || v.split_whitespace().nth(1).is_some_and(|a| a.contains('.'))))
        || is_command_name(&normalize(name))
}

/// `command_execution_parameter`: a request parameter holding an operating-system command,
/// accepted 2xx.
pub struct CommandExecutionParameter;

impl Detector for CommandExecutionParameter {
    describe!(
        "command_execution_parameter",
        "The API takes an operating-system command from the client and appears to run it. Whoever can call it can execute arbitrary programs on the server, read files and move deeper into the network.",
        "Remove the ability to pass commands: implement the needed operations as fixed server-side functions with validated arguments, never through a shell, and run the service with minimal privileges."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() {
            return;
        }
        if let Some(p) = cx
            .params()
            .iter()
            .find(|p| is_shell_command(&p.name, &p.value))
        {
            out.hit(self.key(), || cx.param_evidence(p, "system command"));
        }
    }
}

fn is_file_param(n: &str) -> bool {
    matches!(
        n,
        "file"
            | "filename"
            | "filepath"
            | "path"
            | "fullpath"
            | "filename1"
            | "name"
            | "fname"
            | "fileurl"
            | "dir"
            | "directory"
            | "folder"
            | "document"
            | "doc"
            | "attachment"
            | "template"
            | "resource"
            | "src"
            | "download"
            | "target"
            | "location"
            | "f"
    ) || n.ends_with("file")
        || n.ends_with("filename")
        || n.ends_with("filepath")
        || n.ends_with("path")
}

/// A file-system path: absolute (`/etc/passwd`, `C:\…`, `\\share\…`), with traversal
/// (`../`), or relative with directories and a file name with an extension.
pub fn is_file_path(v: &str) -> bool {
    let v = v.trim();
    if v.len() < 3 || v.len() > 1024 || super::spec::is_http_url(v) || v.contains("://") {
        return false;
    }
    if v.contains("../") || v.contains("..\\") {
        return true;
    }
    let bytes = v.as_bytes();
    let windows_abs = bytes.len() > 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && (bytes[2] == b'\\' || bytes[2] == b'/');
    if windows_abs || v.starts_with("\\\\") {
        return true;
    }
    let last = v.rsplit(['/', '\\']).next().unwrap_or("");
    let has_ext = last.rsplit_once('.').is_some_and(|(s, e)| {
        !s.is_empty() && (1..=5).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    let absolute = v.starts_with('/') && v.len() > 1;
    (absolute && (has_ext || v.matches('/').count() >= 2))
        || ((v.contains('/') || v.contains('\\')) && has_ext)
}

fn is_download_api(cx: &Cx) -> bool {
    cx.has_purpose("file_management", Some("file_download"))
        || cx.has_purpose("data_operations", Some("data_download"))
        || cx.path_words().has(path_words::DOWNLOAD_API)
        || cx
            .record()
            .response_header("content-disposition")
            .is_some_and(|v| v.to_ascii_lowercase().contains("attachment"))
}

/// `specified_file_download`: a download API (purpose, path words or an attachment response)
/// whose file-named parameter holds a file path, answered 2xx.
pub struct SpecifiedFileDownload;

impl Detector for SpecifiedFileDownload {
    describe!(
        "specified_file_download",
        "The file download API takes a file-system path from the client. By changing it (for example with ../ sequences or absolute paths) an attacker can download configuration files, source code or other users' files.",
        "Download files by opaque identifier mapped to storage on the server, or restrict names to a fixed directory after normalising and rejecting separators and traversal; check that the caller may access the file."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        if !cx.ok() || !is_download_api(cx) {
            return;
        }
        if let Some(p) = cx
            .params()
            .iter()
            .find(|p| is_file_param(&normalize(&p.name)) && is_file_path(&p.value))
        {
            out.hit(self.key(), || cx.param_evidence(p, "file path"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_statements() {
        for v in [
            "SELECT id, name FROM users WHERE id = 3",
            "select * from orders limit 10",
            "update account set balance=0 where id=1",
            "DELETE FROM logs WHERE ts < 1",
            "SELECT COUNT(*) FROM t_user",
            "SELECT region, SUM(amount) AS total FROM sales GROUP BY region",
            "select u.id, u.name as userName, count(o.id) from users u left join orders o on o.uid = u.id",
            "SELECT TOP 10 e.* FROM [dbo].[Employees] e",
        ] {
            assert!(is_sql_statement(v), "{v}");
        }
        for v in [
            "1' OR '1'='1",
            "select a color from the list",
            "please select your city",
            "id desc",
            "1 union select 1,2",
            "select the best plan from our pricing page",
        ] {
            assert!(!is_sql_statement(v), "{v}");
        }
    }

    #[test]
    fn shell_commands() {
        assert!(is_shell_command("host", "ping -c 4 10.0.0.1"));
        assert!(is_shell_command("q", "cat /etc/hosts | grep db"));
        assert!(is_shell_command("cmd", "whoami"));
        assert!(is_shell_command("args", "ls -la /tmp"));
        assert!(!is_shell_command("q", "cat food"));
        assert!(!is_shell_command("type", "id"));
        assert!(!is_shell_command("name", "echo"));
        assert!(!is_shell_command("q", "; cat /etc/passwd"));
    }

    #[test]
    fn file_paths() {
        for v in [
            "/etc/passwd",
            "../../WEB-INF/web.xml",
            "C:\\Windows\\win.ini",
            "reports/2024/q1.pdf",
            "/data/exports/users.csv",
        ] {
            assert!(is_file_path(v), "{v}");
        }
        for v in [
            "report.pdf",
            "12345",
            "https://cdn.example.com/a/b.pdf",
            "invoice",
            "/",
        ] {
            assert!(!is_file_path(v), "{v}");
        }
    }

    #[test]
    fn runs() {
        let v = [3u64, 4, 5, 9, 10, 11, 12];
        assert_eq!(longest_run(v.iter()), 4);
    }
}
