//! Levels, descriptions and suggestions of every event kind. Descriptions are our own words,
//! with the facts of the event filled in where the product spec has placeholders
//! (`${account}`, `${attack_client}`, `${attack_cnt}`, `${start_ts}`, `${end_ts}`,
//! `${data_count}`, `${data_type}`, `${location}`, `${api_format}`, `${param}`,
//! `${except_rate}`).

use crate::catalog::{catalog, Level};
use crate::facts::{ApiKey, Location};
use crate::record::format_time;
use std::collections::BTreeMap;

/// The facts a description may use.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub ip: Option<String>,
    pub account: Option<String>,
    pub location: Option<Location>,
    pub api: Option<ApiKey>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: u64,
    /// Sensitive type ID -> values.
    pub data_types: BTreeMap<u32, u64>,
    pub data_count: u64,
    pub tools: Vec<String>,
    pub param: Option<String>,
    pub except_rate: Option<u32>,
    /// Free detail (attack kinds, thresholds that were crossed, parameter shapes).
    pub detail: Option<String>,
    /// Custom rule name and suggestion.
    pub rule: Option<String>,
}

/// The level of each kind (custom events carry their rule's level).
pub fn level(key: &str) -> Level {
    match key {
        "internal_weak_password_login"
        | "username_bruteforce"
        | "password_bruteforce"
        | "dictionary_attack"
        | "sms_code_bruteforce"
        | "email_code_bruteforce"
        | "api_attack"
        | "unauthorized_sensitive_access"
        | "mass_sensitive_access"
        | "foreign_mass_sensitive_access"
        | "system_info_returned"
        | "account_mass_sensitive_access"
        | "account_cross_border_sensitive_access"
        | "account_horizontal_escalation" => Level::High,
        "unusual_time_access"
        | "error_message_returned"
        | "abnormal_response"
        | "account_abnormal_status_codes" => Level::Low,
        _ => Level::Medium,
    }
}

fn api_format(f: &Facts) -> String {
    f.api
        .as_ref()
        .map(|a| format!("{} {}{}", a.method, a.host, a.path))
        .unwrap_or_else(|| "-".into())
}

fn data_type(f: &Facts) -> String {
    let cat = catalog();
    let mut v: Vec<(&u32, &u64)> = f.data_types.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1));
    let names: Vec<String> = v
        .iter()
        .take(3)
        .map(|(id, _)| {
            cat.sensitive(**id)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| format!("custom type {id}"))
        })
        .collect();
    if names.is_empty() {
        "sensitive data".into()
    } else {
        names.join(", ")
    }
}

fn loc(f: &Facts) -> String {
    match f.location {
        Some(Location::Country(_)) => f.location.map(|l| l.code()).unwrap_or_default(),
        Some(Location::Internal) => "the internal network".into(),
        _ => "an unknown location".into(),
    }
}

/// The description of an event.
pub fn describe(key: &str, f: &Facts) -> String {
    let ip = f.ip.clone().unwrap_or_else(|| "-".into());
    let account = f.account.clone().unwrap_or_else(|| "-".into());
    let start = format_time(f.start_ms);
    let end = format_time(f.end_ms);
    let api = api_format(f);
    let n = f.count;
    let detail = f
        .detail
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let param = f.param.clone().unwrap_or_else(|| "identifier".into());
    match key {
        "abnormal_high_frequency" => format!("Source {ip} called {api} {n} times between {start} and {end}, far above the per-source call rate this API normally sees{detail}. This can be API abuse or an HTTP flood."),
        "internal_api_unusual_ip" => format!("Source {ip}, not among the addresses that normally call this internal API, called {api} {n} times between {start} and {end}{detail}."),
        "internal_api_unusual_location" => format!("Source {ip} from {} called the internal API {api} {n} times between {start} and {end}; this API is normally called only from other locations{detail}.", loc(f)),
        "anomalous_tool_access" => format!("Source {ip} called {api} {n} times between {start} and {end} with tools this API is not normally called with ({}).", f.tools.join(", ")),
        "unusual_time_access" => format!("Source {ip} called {api} {n} times between {start} and {end}, in hours of the day when this API is normally idle{detail}."),
        "abnormal_parameter_values" => format!("Source {ip} sent {n} requests to {api} between {start} and {end} whose parameter {param} does not have the format this API normally receives{detail}. This can be probing or an attack."),
        "internal_weak_password_login" => format!("Source {ip} logged on to the internal application {api} with a weak password {n} times between {start} and {end}{detail}."),
        "username_bruteforce" => format!("Source {ip} tried {n} logons on {api} between {start} and {end}, cycling through many usernames with almost the same password{detail}: a username brute-force (password spraying) attack."),
        "password_bruteforce" => format!("Source {ip} tried {n} logons on {api} between {start} and {end} against the same account with many different passwords{detail}: a password brute-force attack."),
        "dictionary_attack" => format!("Source {ip} tried {n} logons on {api} between {start} and {end} with many different usernames and passwords{detail}: a dictionary (credential stuffing) attack."),
        "sms_code_bruteforce" => format!("Source {ip} submitted {n} SMS verification codes to {api} between {start} and {end}, trying many different codes{detail}: a brute-force attack on the SMS code."),
        "email_code_bruteforce" => format!("Source {ip} submitted {n} e-mail verification codes to {api} between {start} and {end}, trying many different codes{detail}: a brute-force attack on the e-mail code."),
        "batch_registration" => format!("Source {ip} sent {n} registration requests to {api} between {start} and {end}{detail}, which looks like batch registration of fake accounts."),
        "sms_resource_abuse" => format!("Source {ip} asked {api} to send {n} SMS messages between {start} and {end}{detail}: SMS resources are being consumed or a number is being bombed."),
        "email_resource_abuse" => format!("Source {ip} asked {api} to send {n} e-mails between {start} and {end}{detail}: e-mail resources are being consumed or a mailbox is being bombed."),
        "batch_download" => format!("Source {ip} downloaded or exported {n} times through {api} between {start} and {end}{detail}, which may leak data in bulk."),
        "data_crawling" => format!("Source {ip} called {api} {n} times between {start} and {end}, walking through values of the parameter {param}{detail}: the API's data is probably being crawled."),
        "api_attack" => format!("Source {ip} sent {n} attack requests to {api} between {start} and {end}{detail}."),
        "unauthorized_sensitive_access" => format!("Source {ip} called {api}, which normally requires authentication, {n} times without any credential between {start} and {end} and received {} values of {}.", f.data_count, data_type(f)),
        "mass_sensitive_access" => format!("Source {ip} received {} distinct values of sensitive data such as {} from {api} in {n} calls between {start} and {end}, far more than normal use needs.", f.data_count, data_type(f)),
        "foreign_mass_sensitive_access" => format!("Source {ip} in {}, outside the home country, received {} distinct values of sensitive data such as {} from {api} in {n} calls between {start} and {end}.", loc(f), f.data_count, data_type(f)),
        "error_message_returned" => format!("{api} returned application error details (stack traces, framework errors) to {ip} {n} times between {start} and {end}."),
        "db_error_returned" => format!("{api} returned database error messages to {ip} {n} times between {start} and {end}, exposing query or schema details."),
        "system_info_returned" => format!("{api} returned sensitive system information (OS files, environment, keys or server status) to {ip} {n} times between {start} and {end}."),
        "abnormal_response" => format!("{}% of the {n} responses to {ip} between {start} and {end} had an error status (4xx/5xx), above the 80% mark; main API {api}.", f.except_rate.unwrap_or(0)),
        "custom_event" => format!("The custom event rule \"{}\" matched {n} requests from {} to {api} between {start} and {end}.", f.rule.as_deref().unwrap_or("-"), f.account.clone().unwrap_or(ip)),
        "account_anomalous_tools" => format!("Account {account} used tools such as {} to call the API {n} times between {start} and {end}, which suggests automated attacks or script abuse.", if f.tools.is_empty() { "-".into() } else { f.tools.join(", ") }),
        "account_mass_sensitive_access" => format!("Account {account} obtained more than {} pieces of sensitive data such as {} between {start} and {end}, which suggests collection of sensitive data.", f.data_count, data_type(f)),
        "account_cross_border_sensitive_access" => format!("Account {account} called from {} (outside the home country) and obtained more than {} pieces of sensitive data such as {} between {start} and {end}.", loc(f), f.data_count, data_type(f)),
        "account_mass_file_download" => format!("Account {account} downloaded or exported {n} files through APIs such as {api} between {start} and {end}{detail}."),
        "account_horizontal_escalation" => format!("Account {account} obtained {} of several different users by changing the {param} parameter through APIs such as {api} between {start} and {end}{detail}: a horizontal privilege escalation attempt.", data_type(f)),
        "account_data_traversal" => format!("Account {account} walked through values of the {param} parameter to fetch data through APIs such as {api} between {start} and {end}{detail}: crawling or batch collection of business data."),
        "account_high_frequency" => format!("Account {account} called APIs such as {api} at a high rate ({n} calls) between {start} and {end}{detail}, which suggests automation or abuse."),
        "account_exception_errors" => format!("Account {account} triggered {n} application or database exception errors between {start} and {end}, which suggests probing or attacks."),
        "account_abnormal_status_codes" => format!("Account {account} received error status codes (4xx/5xx) on {}% of its responses between {start} and {end}, which suggests probing or attacks.", f.except_rate.unwrap_or(0)),
        other => format!("Event {other} from {ip} on {api} between {start} and {end} ({n} requests)."),
    }
}

/// The suggestion of each kind (custom events use their rule's suggestion).
pub fn suggestion(key: &str) -> &'static str {
    match key {
        "abnormal_high_frequency" | "account_high_frequency" => "Check the logs, block clearly malicious sources and add a rate limit based on the API's normal call rate.",
        "internal_api_unusual_ip" | "internal_api_unusual_location" => "Check the logs, block clearly malicious sources and restrict the internal API to the addresses and locations that normally use it.",
        "anomalous_tool_access" | "account_anomalous_tools" => "Check the logs; restrict access tools with an ACL or bot management, and block clearly malicious sources or accounts.",
        "unusual_time_access" => "Check the logs and block clearly malicious sources.",
        "abnormal_parameter_values" => "Review the sample requests; if this is an attack, block the source and protect the API with web attack protection.",
        "internal_weak_password_login" => "Confirm whether the logon succeeded, enforce a strong password policy and ask users with weak passwords to change them.",
        "username_bruteforce" | "password_bruteforce" | "dictionary_attack" => "Check whether any attempt succeeded; add a CAPTCHA or rate limit to the logon API and enforce strong passwords.",
        "sms_code_bruteforce" | "email_code_bruteforce" | "batch_registration" => "Block clearly malicious sources and rate-limit the API; limit the attempts per code and per target.",
        "sms_resource_abuse" | "email_resource_abuse" => "Block clearly malicious sources, limit messages per number or mailbox and rate-limit the sending API.",
        "batch_download" | "account_mass_file_download" => "Confirm the downloads were authorised; limit download frequency and volume, and add approval for bulk exports.",
        "data_crawling" | "account_data_traversal" => "Use unguessable identifiers, add anti-crawling measures and rate limits, and block clearly malicious sources.",
        "api_attack" => "Analyse the source's behaviour and block clearly malicious sources; make sure web attack protection covers the API.",
        "unauthorized_sensitive_access" => "Enforce authentication and access control on the API.",
        "mass_sensitive_access" | "account_mass_sensitive_access" => "Confirm the access is legitimate; de-identify sensitive fields, return only what is needed and add quotas or rate limits.",
        "foreign_mass_sensitive_access" | "account_cross_border_sensitive_access" => "Confirm the cross-border transfer is legitimate and assessed; otherwise restrict access from abroad.",
        "error_message_returned" | "db_error_returned" | "account_exception_errors" => "Return generic error messages instead of raw exception or database details.",
        "system_info_returned" => "Confirm whether returning this data is intended and stop returning system information to clients.",
        "abnormal_response" | "account_abnormal_status_codes" => "Check the origin server and the logs to confirm whether the API works normally or is being probed.",
        "account_horizontal_escalation" => "Check the API's object-level authorisation: a user must only get their own records.",
        _ => "",
    }
}
