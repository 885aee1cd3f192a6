//! Business purposes of an API, from its URL words, parameter names and bodies.
//!
//! Every purpose type of the catalog (`purposes.toml`) has one rule in [`RULES`]; a test fails
//! when a catalog type has no rule or a rule no catalog type. Words come from the path template
//! (ids excluded) and the GraphQL/JSON-RPC operation, split on camelCase, snake_case, kebab-case
//! and dots, lower-cased; adjacent words are also joined (`sign in` -> `signin`). Vocabularies
//! hold English words plus the pinyin and abbreviations common in Chinese APIs (`denglu`,
//! `zhuce`, `yzm`, `duanxin`...). An API can carry several types. Rules that name an action on a
//! thing (logon, order export) require the action to be an action: a `GET` of
//! `/blog/posts/login-tips` without credentials is an article, not a logon.

use super::operation::Operation;
use super::segment;
use crate::exchange::Exchange;
use crate::facts::{ApiKey, PurposeTag};
#[allow(unused_imports)]
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use serde_json::Value;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};

/// What the rules look at.
pub struct Features<'a> {
    pub method: &'a str,
    /// Words of the path template (ids left out) and of the operation name.
    pub path: Arc<HashSet<String>>,
    /// Words and full lower-case names of request parameters (query, form, JSON keys).
    pub params: Arc<HashSet<String>>,
    pub request_content_type: Option<std::borrow::Cow<'a, str>>,
    pub operation: Option<&'a Operation>,
    pub json: Option<&'a Value>,
    pub body: &'a str,
}

impl Features<'_> {
    fn path_any(&self, ws: &[&str]) -> bool {
        ws.iter().any(|w| self.path.contains(*w))
    }
    fn param_any(&self, ws: &[&str]) -> bool {
        ws.iter().any(|w| self.params.contains(*w))
    }
    fn any(&self, ws: &[&str]) -> bool {
        self.path_any(ws) || self.param_any(ws)
    }
    fn writes(&self) -> bool {
        matches!(self.method, "POST" | "PUT" | "PATCH")
    }
    fn reads(&self) -> bool {
        matches!(self.method, "GET" | "HEAD")
    }
    fn multipart(&self) -> bool {
        self.request_content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("multipart/"))
    }
}

// Vocabularies ---------------------------------------------------------------------------------

const LOGIN: &[&str] = &["login", "logon", "signin", "denglu", "authenticate", "dl"];
const LOGOUT: &[&str] = &[
    "logout", "logoff", "signout", "dengchu", "tuichu", "zhuxiao",
];
const PASSWORD: &[&str] = &[
    "password", "passwd", "pwd", "pass", "mima", "passcode", "pword",
];
const CODE: &[&str] = &[
    "code",
    "captcha",
    "yzm",
    "vcode",
    "smscode",
    "verifycode",
    "otp",
    "yanzhengma",
    "authcode",
    "checkcode",
    "validcode",
    "totp",
];
const MOBILE: &[&str] = &[
    "mobile",
    "phone",
    "tel",
    "cellphone",
    "shouji",
    "msisdn",
    "sms",
    "duanxin",
    "telephone",
];
const EMAIL: &[&str] = &["email", "mail", "youxiang", "emailaddress"];
const WECHAT: &[&str] = &[
    "wechat",
    "weixin",
    "wx",
    "wxapp",
    "miniprogram",
    "unionid",
    "wxcode",
];
const ALIPAY: &[&str] = &["alipay", "zhifubao", "zfb"];
const REGISTER: &[&str] = &[
    "register",
    "registration",
    "signup",
    "zhuce",
    "enroll",
    "reg",
];
const ORDER: &[&str] = &["order", "orders", "dingdan", "trade", "purchase"];
const LOG: &[&str] = &[
    "log",
    "logs",
    "logging",
    "rizhi",
    "syslog",
    "accesslog",
    "auditlog",
];
const FILE: &[&str] = &[
    "file",
    "files",
    "wenjian",
    "attachment",
    "attachments",
    "fujian",
    "document",
    "documents",
    "image",
    "images",
    "avatar",
    "media",
    "oss",
    "blob",
    "storage",
    "bucket",
];
const EXPORT: &[&str] = &["export", "daochu", "exports"];
const DOWNLOAD: &[&str] = &["download", "xiazai", "downloads"];
const UPLOAD: &[&str] = &["upload", "shangchuan", "uploads"];
const SEND: &[&str] = &["send", "fasong", "push", "dispatch", "deliver", "notify"];
const VERIFY: &[&str] = &[
    "verify",
    "check",
    "validate",
    "jiaoyan",
    "yanzheng",
    "confirm",
    "validation",
    "verification",
];

// Rules ----------------------------------------------------------------------------------------

type Rule = (&'static str, fn(&Features) -> bool);

fn logon(f: &Features) -> bool {
    let path_login = f.path_any(LOGIN)
        || (f.path.contains("session") || f.path.contains("sessions") || f.path.contains("token"))
            && f.method == "POST"
            && f.param_any(PASSWORD);
    let creds = f.param_any(PASSWORD)
        || (f.param_any(CODE) && f.param_any(MOBILE) || f.param_any(EMAIL) && f.param_any(CODE));
    path_login && (f.writes() || creds) && !f.path_any(LOGOUT)
}

fn register(f: &Features) -> bool {
    f.path_any(REGISTER) && (f.writes() || f.param_any(PASSWORD) || f.param_any(CODE))
}

fn ordered(f: &Features) -> bool {
    f.path_any(ORDER)
}

fn logged(f: &Features) -> bool {
    f.path_any(LOG) && !f.path_any(LOGIN) && !f.path_any(LOGOUT)
}

fn llm_body(f: &Features) -> bool {
    let Some(Value::Object(o)) = f.json else {
        return false;
    };
    let chat = o
        .get("messages")
        .and_then(Value::as_array)
        .is_some_and(|m| {
            m.iter()
                .any(|x| x.get("role").is_some() && x.get("content").is_some())
        });
    let completion = o.contains_key("prompt") && o.contains_key("model");
    (chat && (o.contains_key("model") || o.contains_key("stream") || o.contains_key("temperature")))
        || completion
}

const MCP_METHODS: &[&str] = &[
    "initialize",
    "tools/call",
    "tools/list",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "prompts/list",
    "prompts/get",
    "notifications/initialized",
    "completion/complete",
    "logging/setLevel",
    "sampling/createMessage",
    "roots/list",
];

/// A `select ... from` that reads like SQL rather than prose: a column list, a star, a clause.
fn sql_shaped(l: &str) -> bool {
    let after_from = l.split(" from ").nth(1).unwrap_or("").trim();
    l.contains('*')
        || l.contains(',')
        || l.contains('(')
        || [
            " where ",
            " limit ",
            " join ",
            " order by ",
            " group by ",
            "=",
            ";",
        ]
        .iter()
        .any(|k| l.contains(k))
        || (!after_from.is_empty() && !after_from.contains(' '))
}

fn looks_sql(s: &str) -> bool {
    // Every statement shape below starts with one of these words: most bodies are rejected
    // here without lower-casing them whole.
    const STARTS: &[&[u8]] = &[
        b"select ",
        b"insert ",
        b"update ",
        b"delete ",
        b"show tables",
        b"create table",
    ];
    let head = s.trim_start().as_bytes();
    if !STARTS
        .iter()
        .any(|p| head.len() >= p.len() && head[..p.len()].eq_ignore_ascii_case(p))
    {
        return false;
    }
    let l = s.to_ascii_lowercase();
    let l = l.trim_start();
    (l.starts_with("select ") && l.contains(" from ") && sql_shaped(l))
        || (l.starts_with("insert ") && l.contains(" into "))
        || (l.starts_with("update ") && l.contains(" set "))
        || (l.starts_with("delete ") && l.contains(" from "))
        || l.starts_with("show tables")
        || l.starts_with("create table")
}

/// One rule per catalog purpose type.
pub const RULES: &[Rule] = &[
    // User authentication
    ("account_password_based_logon", |f| {
        logon(f) && f.param_any(PASSWORD)
    }),
    ("mobile_verification_code_based_logon", |f| {
        (logon(f) || f.path_any(LOGIN)) && f.any(MOBILE) && f.any(CODE) && !f.param_any(PASSWORD)
    }),
    ("email_verification_code_based_logon", |f| {
        (logon(f) || f.path_any(LOGIN)) && f.any(EMAIL) && f.any(CODE) && !f.param_any(PASSWORD)
    }),
    ("wechat_logon", |f| {
        (f.path_any(LOGIN) || f.path_any(&["oauth", "auth", "authorize"])) && f.any(WECHAT)
    }),
    ("alipay_logon", |f| {
        (f.path_any(LOGIN) || f.path_any(&["oauth", "auth", "authorize"])) && f.any(ALIPAY)
    }),
    ("oauth_authentication", |f| {
        f.path_any(&["oauth", "oauth2", "authorize", "authorization"])
            || (f.path_any(&["token"])
                && f.param_any(&["grant_type", "client_id", "refresh_token"]))
    }),
    ("oidc_authentication", |f| {
        f.path_any(&["oidc", "openid", "userinfo", "jwks"])
            || f.param_any(&["id_token", "nonce"])
                && f.param_any(&["client_id", "redirect_uri", "response_type"])
    }),
    ("saml_authentication", |f| {
        f.path_any(&["saml", "saml2", "samlp"]) || f.param_any(&["samlrequest", "samlresponse"])
    }),
    ("sso_authentication", |f| {
        f.path_any(&[
            "sso",
            "cas",
            "servicevalidate",
            "singlesignon",
            "danjiandenglu",
        ]) || f.param_any(&["sso_token", "ssotoken", "ticket"])
            && f.path_any(&["validate", "login", "auth"])
    }),
    ("logon", logon),
    ("logoff", |f| {
        f.path_any(LOGOUT) || (f.method == "DELETE" && f.path_any(&["session", "sessions"]))
    }),
    ("password_reset", |f| {
        (f.path_any(&[
            "reset", "forgot", "forget", "recover", "retrieve", "zhaohui", "chongzhi", "change",
            "xiugai",
        ]) && f.any(PASSWORD))
            || f.path_any(&[
                "resetpassword",
                "forgotpassword",
                "findpwd",
                "resetpwd",
                "zhaohuimima",
            ])
    }),
    // User registration
    ("account_password_based_registration", |f| {
        register(f) && f.param_any(PASSWORD)
    }),
    ("mobile_verification_code_based_registration", |f| {
        register(f) && f.any(MOBILE) && f.any(CODE)
    }),
    ("email_verification_code_based_registration", |f| {
        register(f) && f.any(EMAIL) && f.any(CODE)
    }),
    ("wechat_registration", |f| register(f) && f.any(WECHAT)),
    ("alipay_registration", |f| register(f) && f.any(ALIPAY)),
    ("registration_service", register),
    // Data operations
    ("database_query", |f| {
        f.path_any(&[
            "query", "search", "select", "chaxun", "lookup", "find", "filter", "cx",
        ]) && !ordered(f)
            && !logged(f)
    }),
    ("data_upload", |f| {
        (f.path_any(UPLOAD) || f.path_any(&["import", "daoru"])) || (f.multipart() && f.writes())
    }),
    ("data_download", |f| {
        f.path_any(DOWNLOAD) || f.path_any(EXPORT) && !ordered(f) && !logged(f)
    }),
    ("data_addition", |f| {
        f.path_any(&[
            "add", "create", "insert", "new", "tianjia", "xinzeng", "append",
        ])
    }),
    ("data_modification", |f| {
        f.path_any(&[
            "modify", "edit", "change", "alter", "xiugai", "bianji", "mod",
        ]) || f.method == "PATCH"
    }),
    ("data_update", |f| {
        f.path_any(&["update", "gengxin", "upsert", "upd"]) || f.method == "PUT"
    }),
    ("data_sharing", |f| {
        f.path_any(&["share", "sharing", "fenxiang", "shares"])
    }),
    ("data_deletion", |f| {
        f.path_any(&[
            "delete", "remove", "del", "shanchu", "destroy", "purge", "erase",
        ]) || f.method == "DELETE"
    }),
    ("data_synchronization", |f| {
        f.path_any(&[
            "sync",
            "synchronize",
            "synchronization",
            "tongbu",
            "replicate",
        ])
    }),
    ("data_submission", |f| {
        f.path_any(&["submit", "tijiao", "submission", "apply", "shenqing"])
    }),
    ("data_copy", |f| {
        f.path_any(&["copy", "clone", "duplicate", "fuzhi", "replicas"])
    }),
    ("data_auditing", |f| {
        f.path_any(&[
            "audit", "review", "approve", "approval", "shenhe", "shenpi", "auditing",
        ])
    }),
    ("data_saving", |f| {
        f.path_any(&["save", "baocun", "persist", "saved"])
    }),
    ("data_check", |f| {
        f.path_any(&[
            "check", "verify", "validate", "jiaoyan", "jiancha", "inspect", "exists",
        ])
    }),
    // Order management
    ("order_query", |f| {
        ordered(f)
            && (f.reads()
                || f.path_any(&["query", "search", "list", "detail", "chaxun", "info", "get"]))
    }),
    ("order_export", |f| {
        ordered(f) && (f.path_any(EXPORT) || f.path_any(DOWNLOAD))
    }),
    ("order_update", |f| {
        ordered(f)
            && (matches!(f.method, "PUT" | "PATCH")
                || f.path_any(&[
                    "update", "modify", "edit", "status", "xiugai", "gengxin", "ship", "confirm",
                ]))
    }),
    ("order_payment", |f| {
        f.path_any(&[
            "pay",
            "payment",
            "payments",
            "zhifu",
            "checkout",
            "fukuan",
            "unifiedorder",
            "cashier",
        ]) || ordered(f)
            && f.param_any(&["pay_type", "paytype", "payment_method", "amount"])
            && f.writes()
    }),
    // Log management
    ("log_query", |f| {
        logged(f) && (f.reads() || f.path_any(&["query", "search", "list", "chaxun"]))
    }),
    ("log_reporting", |f| {
        (logged(f)
            && (f.path_any(&["report", "upload", "collect", "shangbao", "push", "ingest"])
                || f.method == "POST"))
            || f.path_any(&["beacon", "telemetry", "tracking", "shangbao", "maidian"])
    }),
    ("log_export", |f| {
        logged(f) && (f.path_any(EXPORT) || f.path_any(DOWNLOAD))
    }),
    ("log_service", logged),
    // File management
    ("file_upload", |f| {
        (f.path_any(FILE) || f.multipart()) && (f.path_any(UPLOAD) || f.multipart() && f.writes())
    }),
    ("file_download", |f| {
        f.path_any(FILE) && f.path_any(DOWNLOAD)
            || f.path_any(&["download", "xiazai"])
                && f.param_any(&["file", "filename", "fileid", "file_id", "path"])
    }),
    ("file_service", |f| f.path_any(FILE)),
    // Notification
    ("sms_message_sending", |f| {
        f.path_any(&["sms", "duanxin", "dx", "smscode", "message"])
            && (f.path_any(SEND) || f.param_any(MOBILE))
            && f.any(&[
                "sms", "duanxin", "dx", "smscode", "mobile", "phone", "shouji",
            ])
            && !f.path_any(VERIFY)
    }),
    ("mail_sending", |f| {
        (f.path_any(&["mail", "email", "youjian", "sendmail"])
            && (f.path_any(SEND) || f.param_any(&["to", "subject"])))
            || f.path_any(&["sendmail"])
    }),
    ("information_sending", |f| {
        f.path_any(&[
            "message",
            "messages",
            "msg",
            "notification",
            "notifications",
            "notice",
            "xiaoxi",
            "tongzhi",
            "push",
            "im",
        ]) && (f.path_any(SEND) || f.writes())
    }),
    ("verification_code_verification", |f| {
        f.any(CODE)
            && (f.path_any(VERIFY)
                || f.path_any(&["yzm", "captcha"]) && f.writes() && f.param_any(CODE))
    }),
    // Backend management
    ("backend_management", |f| {
        f.path_any(&[
            "admin",
            "manage",
            "management",
            "manager",
            "console",
            "houtai",
            "guanli",
            "backend",
            "backstage",
            "cms",
            "sys",
            "gl",
        ])
    }),
    ("data_dashboard", |f| {
        f.path_any(&[
            "dashboard",
            "kanban",
            "dapin",
            "bigscreen",
            "statistics",
            "stats",
            "analytics",
            "overview",
            "chart",
            "charts",
            "tongji",
        ])
    }),
    ("monitoring_service", |f| {
        f.path_any(&[
            "monitor",
            "monitoring",
            "jiankong",
            "metrics",
            "prometheus",
            "heartbeat",
            "alerts",
            "actuator",
            "probe",
        ])
    }),
    // System control
    ("cancel", |f| {
        f.path_any(&[
            "cancel",
            "quxiao",
            "revoke",
            "abort",
            "void",
            "cancellation",
        ])
    }),
    ("start", |f| {
        f.path_any(&[
            "start", "qidong", "launch", "boot", "kaishi", "resume", "enable", "activate",
        ])
    }),
    ("batch_processing", |f| {
        f.path_any(&["batch", "bulk", "piliang", "batches", "mass"])
    }),
    ("pause", |f| {
        f.path_any(&["pause", "zanting", "suspend", "suspended", "hold", "freeze"])
    }),
    ("bind", |f| {
        f.path_any(&[
            "bind",
            "bangding",
            "unbind",
            "jiebang",
            "binding",
            "associate",
            "link",
        ])
    }),
    ("debugging", |f| {
        f.path_any(&[
            "debug",
            "tiaoshi",
            "diagnose",
            "diagnostics",
            "pprof",
            "trace",
            "heapdump",
            "env",
        ])
    }),
    ("settings", |f| {
        f.path_any(&[
            "setting",
            "settings",
            "config",
            "configuration",
            "configs",
            "preference",
            "preferences",
            "shezhi",
            "peizhi",
            "options",
            "cfg",
        ])
    }),
    ("close", |f| {
        f.path_any(&[
            "close",
            "guanbi",
            "shutdown",
            "stop",
            "terminate",
            "disable",
            "deactivate",
        ])
    }),
    ("status_check", |f| {
        f.path_any(&[
            "status",
            "zhuangtai",
            "ping",
            "alive",
            "health",
            "healthz",
            "readiness",
            "liveness",
            "ready",
            "state",
        ])
    }),
    // Technical services
    ("graphql", |f| {
        matches!(f.operation, Some(Operation::GraphQl(_))) || f.path_any(&["graphql", "graphiql"])
    }),
    ("sql_service", |f| {
        f.path_any(&["sql", "execsql", "jdbc", "sqlquery", "runsql"])
            || f.json.is_some_and(|j| {
                ["sql", "query", "statement", "stmt"]
                    .iter()
                    .any(|k| j.get(*k).and_then(Value::as_str).is_some_and(looks_sql))
            })
            || looks_sql(f.body)
    }),
    ("large_model_dialogue", |f| {
        llm_body(f)
            || (f.path.contains("chat")
                && (f.path.contains("completions") || f.path.contains("completion")))
            || f.path_any(&["llm", "chatgpt", "gpt", "copilot", "aigc"]) && f.writes()
    }),
    ("mcp_service", |f| {
        matches!(f.operation, Some(Operation::JsonRpc(m)) if MCP_METHODS.contains(&m.as_str()))
            || (f.path.contains("mcp") && f.writes())
    }),
];

fn add_words(set: &mut HashSet<String>, s: &str) {
    let ws = segment::words(s);
    for pair in ws.windows(2) {
        set.insert(format!("{}{}", pair[0], pair[1]));
    }
    let joined: String = ws.concat();
    if ws.len() > 1 && joined.len() <= 40 {
        set.insert(joined);
    }
    for w in ws {
        set.insert(w);
    }
}

/// Features of one exchange as the rules see them.
pub fn features<'a>(ex: &'a Exchange, api: &ApiKey, op: Option<&'a Operation>) -> Features<'a> {
    let mut path = HashSet::new();
    let (tpl, opname) = match api.path.split_once('#') {
        Some((t, o)) => (t, Some(o)),
        None => (api.path.as_str(), None),
    };
    for seg in tpl.split('/') {
        if seg.is_empty() || seg.starts_with('{') {
            continue;
        }
        add_words(&mut path, seg);
    }
    if let Some(o) = opname {
        add_words(&mut path, o);
    }
    let mut params = HashSet::new();
    for (k, _) in ex.query().iter().take(64) {
        params.insert(k.to_lowercase());
        add_words(&mut params, k);
    }
    for (k, _) in ex.form().iter().take(64) {
        params.insert(k.to_lowercase());
        add_words(&mut params, k);
    }
    let json = ex.request_json();
    if let Some(j) = json {
        collect_keys(j, &mut params, 0);
    }
    Features {
        method: ex.record.method.as_str(),
        path: Arc::new(path),
        params: Arc::new(params),
        request_content_type: ex.record.request_content_type(),
        operation: op,
        json,
        body: ex.record.request_body.as_deref().unwrap_or(""),
    }
}

fn collect_keys(v: &Value, out: &mut HashSet<String>, depth: usize) {
    if depth > 4 || out.len() > 256 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                out.insert(k.to_lowercase());
                add_words(out, k);
                collect_keys(c, out, depth + 1);
            }
        }
        Value::Array(a) => {
            for c in a.iter().take(4) {
                collect_keys(c, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Rules that read the request's content (JSON body, raw body, GraphQL/JSON-RPC operation)
/// besides names: evaluated on every exchange. All other rules depend only on the method, the
/// path template, the parameter names and whether the body is multipart, so
/// [`PurposeCache`] evaluates them once per distinct combination.
const CONTENT_RULES: &[&str] = &[
    "graphql",
    "sql_service",
    "large_model_dialogue",
    "mcp_service",
];

/// Distinct (API, parameter names) shapes remembered per analysis; beyond it exchanges are
/// classified without the cache (same result, more work), so memory stays bounded.
pub const MAX_CACHED_SHAPES: usize = 32_768;
/// Parameter keys hashed into a shape key at most; a request with more is not cached.
const MAX_KEYED_NAMES: usize = 4_096;

/// What the name-only rules concluded for one request shape, with the word sets the content
/// rules and the custom policies still need.
struct Shape {
    path: Arc<HashSet<String>>,
    params: Arc<HashSet<String>>,
    /// `RULES[i]` held (name-only rules; content rules are false here).
    held: Vec<bool>,
}

/// Purposes per request shape, shared by the worker threads of one analysis: the word sets
/// and the name-only rules are computed once per (method, template, parameter names,
/// multipart) instead of once per exchange. The key is a 128-bit hash of exactly what
/// [`features`] reads, so cached and uncached classification agree.
#[derive(Default)]
pub struct PurposeCache {
    shapes: RwLock<HashMap<u128, Arc<Shape>>>,
    /// The two independently seeded streams of [`Key`].
    seeds: [foldhash::quality::RandomState; 2],
}

impl std::fmt::Debug for PurposeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let n = self.shapes.read().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("PurposeCache").field("shapes", &n).finish()
    }
}

/// Two independently (and randomly) seeded foldhash streams: a 128-bit key, collisions out of
/// reach, at a fraction of SipHash's cost per name.
struct Key(
    foldhash::quality::FoldHasher,
    foldhash::quality::FoldHasher,
    usize,
);

impl Key {
    fn new(seeds: &[foldhash::quality::RandomState; 2]) -> Key {
        use std::hash::BuildHasher;
        Key(seeds[0].build_hasher(), seeds[1].build_hasher(), 0)
    }
    fn str(&mut self, s: &str) {
        s.hash(&mut self.0);
        s.hash(&mut self.1);
        self.2 += 1;
    }
    fn tag(&mut self, t: u8) {
        self.0.write_u8(t);
        self.1.write_u8(t);
    }
    fn finish(&self) -> u128 {
        ((self.0.finish() as u128) << 64) | self.1.finish() as u128
    }
}

/// Hashes the JSON keys in the order and structure [`collect_keys`] visits them (without its
/// set-size cut, which is a function of this sequence).
fn key_json(v: &Value, k: &mut Key, depth: usize) {
    if depth > 4 || k.2 > MAX_KEYED_NAMES {
        return;
    }
    match v {
        Value::Object(m) => {
            k.tag(1);
            for (name, c) in m {
                k.str(name);
                key_json(c, k, depth + 1);
            }
            k.tag(2);
        }
        Value::Array(a) => {
            k.tag(3);
            for c in a.iter().take(4) {
                key_json(c, k, depth + 1);
            }
            k.tag(4);
        }
        _ => k.tag(5),
    }
}

impl PurposeCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The shape key of an exchange, or None when it has too many names to cache.
    fn key(&self, ex: &Exchange, api: &ApiKey, multipart: bool) -> Option<u128> {
        let mut k = Key::new(&self.seeds);
        k.str(&api.path);
        k.str(&ex.record.method);
        k.tag(multipart as u8);
        k.tag(6);
        for (name, _) in ex.query().iter().take(64) {
            k.str(name);
        }
        k.tag(7);
        for (name, _) in ex.form().iter().take(64) {
            k.str(name);
        }
        k.tag(8);
        if let Some(j) = ex.request_json() {
            key_json(j, &mut k, 0);
        }
        (k.2 <= MAX_KEYED_NAMES).then(|| k.finish())
    }

    /// [`features`] and [`classify`] of one exchange, through the cache.
    pub fn classify<'a>(
        &self,
        ex: &'a Exchange,
        api: &ApiKey,
        op: Option<&'a Operation>,
    ) -> (Features<'a>, Vec<PurposeTag>) {
        let content_type = ex.record.request_content_type();
        let multipart = content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("multipart/"));
        let Some(key) = self.key(ex, api, multipart) else {
            let f = features(ex, api, op);
            let tags = classify(&f);
            return (f, tags);
        };
        let cached = self.shapes.read().ok().and_then(|m| m.get(&key).cloned());
        let shape = match cached {
            Some(s) => s,
            None => {
                let f = features(ex, api, op);
                // The name-only rules under the full features: content rules are skipped.
                let held = RULES
                    .iter()
                    .map(|(kind, rule)| !CONTENT_RULES.contains(kind) && rule(&f))
                    .collect();
                let shape = Arc::new(Shape {
                    path: f.path.clone(),
                    params: f.params.clone(),
                    held,
                });
                if let Ok(mut m) = self.shapes.write() {
                    if m.len() < MAX_CACHED_SHAPES {
                        m.insert(key, shape.clone());
                    }
                }
                shape
            }
        };
        let f = Features {
            method: ex.record.method.as_str(),
            path: shape.path.clone(),
            params: shape.params.clone(),
            request_content_type: content_type,
            operation: op,
            json: ex.request_json(),
            body: ex.record.request_body.as_deref().unwrap_or(""),
        };
        let cat = crate::catalog::catalog();
        let tags = RULES
            .iter()
            .zip(&shape.held)
            .filter(|((kind, rule), held)| {
                if CONTENT_RULES.contains(kind) {
                    rule(&f)
                } else {
                    **held
                }
            })
            .filter_map(|((kind, _), _)| {
                cat.purpose_of_type(kind).map(|p| PurposeTag {
                    purpose: p.key.clone(),
                    kind: kind.to_string(),
                })
            })
            .collect();
        (f, tags)
    }
}

/// The purpose tags of one exchange under the built-in rules.
pub fn classify(f: &Features) -> Vec<PurposeTag> {
    let cat = crate::catalog::catalog();
    RULES
        .iter()
        .filter(|(_, rule)| rule(f))
        .filter_map(|(kind, _)| {
            cat.purpose_of_type(kind).map(|p| PurposeTag {
                purpose: p.key.clone(),
                kind: kind.to_string(),
            })
        })
        .collect()
}

// Custom identification policies ---------------------------------------------------------------

/// A user-defined identification policy (Policies page): conditions on host, method, path and
/// parameter names, and the purpose and type it assigns. Empty conditions match anything; all
/// given conditions must hold.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CustomPurposePolicy {
    pub name: String,
    /// Exact hosts or `*.example.com`.
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    /// Regular expression on the path template.
    #[serde(default)]
    pub path_regex: Option<String>,
    /// Parameter names that must all be present (case-insensitive).
    #[serde(default)]
    pub param_names: Vec<String>,
    /// Purpose key and type key: a catalog pair, or a custom pair of new keys.
    pub purpose: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PurposePolicyError {
    #[error("policy {name}: invalid path regex: {message}")]
    Regex { name: String, message: String },
    #[error("policy {name}: type `{kind}` belongs to purpose `{expected}`, not `{purpose}`")]
    WrongPurpose {
        name: String,
        kind: String,
        purpose: String,
        expected: String,
    },
    #[error(
        "policy {name}: purpose and type keys must be non-empty lower-case words (a-z, 0-9, _)"
    )]
    BadKey { name: String },
    #[error("policy {name}: unknown method `{method}`")]
    Method { name: String, method: String },
    #[error("policy {name}: no condition (give a host, method, path or parameter)")]
    Empty { name: String },
}

/// A validated, compiled custom policy.
#[derive(Debug, Clone)]
pub struct CompiledPurposePolicy {
    policy: CustomPurposePolicy,
    regex: Option<regex::Regex>,
}

fn key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 64
        && k.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

impl CustomPurposePolicy {
    pub fn compile(&self) -> Result<CompiledPurposePolicy, PurposePolicyError> {
        let name = self.name.clone();
        if !key_ok(&self.purpose) || !key_ok(&self.kind) {
            return Err(PurposePolicyError::BadKey { name });
        }
        if let Some(p) = crate::catalog::catalog().purpose_of_type(&self.kind) {
            if p.key != self.purpose {
                return Err(PurposePolicyError::WrongPurpose {
                    name,
                    kind: self.kind.clone(),
                    purpose: self.purpose.clone(),
                    expected: p.key.clone(),
                });
            }
        }
        for m in &self.methods {
            if !matches!(
                m.to_ascii_uppercase().as_str(),
                "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
            ) {
                return Err(PurposePolicyError::Method {
                    name,
                    method: m.clone(),
                });
            }
        }
        if self.hosts.is_empty()
            && self.methods.is_empty()
            && self.path_regex.is_none()
            && self.param_names.is_empty()
        {
            return Err(PurposePolicyError::Empty { name });
        }
        let regex = match &self.path_regex {
            Some(r) => Some(
                regex::RegexBuilder::new(r)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| PurposePolicyError::Regex {
                        name: name.clone(),
                        message: e.to_string(),
                    })?,
            ),
            None => None,
        };
        Ok(CompiledPurposePolicy {
            policy: self.clone(),
            regex,
        })
    }
}

impl CompiledPurposePolicy {
    pub fn matches(&self, ex: &Exchange, api: &ApiKey, f: &Features) -> bool {
        let p = &self.policy;
        let host_ok = p.hosts.is_empty()
            || p.hosts.iter().any(|h| match h.strip_prefix("*.") {
                Some(sfx) => api.host == sfx || api.host.ends_with(&format!(".{sfx}")),
                None => h.eq_ignore_ascii_case(&api.host),
            });
        let method_ok = p.methods.is_empty()
            || p.methods
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&ex.record.method));
        let path_ok = self.regex.as_ref().is_none_or(|r| r.is_match(&api.path));
        let params_ok = p
            .param_names
            .iter()
            .all(|n| f.params.contains(&n.to_lowercase()));
        host_ok && method_ok && path_ok && params_ok
    }
    pub fn tag(&self) -> PurposeTag {
        PurposeTag {
            purpose: self.policy.purpose.clone(),
            kind: self.policy.kind.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
