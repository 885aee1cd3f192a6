//! Downloads of the Compliance page: review CSV and printable report (issue 8).
//!
//! `GET /export/compliance.csv` and `GET /export/compliance-report.html`, both with the scope in
//! the query (`tenant`, `rg`, `region`). Session auth, viewer role, API security enabled, like
//! the page's server functions. The report is one self-contained HTML document (inline style,
//! inline SVG, no script, no external resource) in which every value is escaped.

use axum::extract::Query;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use backend::compliance::{self as c, Review};
use backend::sessions::USER_ID;
use backend::tenancy::{Membership, Role};
use backend::Backend;
use leptos::prelude::LeptosOptions;
use serde::Deserialize;
use tower_sessions::Session;

pub fn router() -> Router<LeptosOptions> {
    Router::new()
        .route("/export/compliance.csv", get(csv))
        .route("/export/compliance-report.html", get(report))
}

#[derive(Debug, Deserialize)]
pub struct ScopeQuery {
    tenant: String,
    rg: Option<i64>,
    #[serde(default)]
    region: String,
}

fn error(e: backend::Error) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = %e, "compliance export failed");
        return (status, "internal error").into_response();
    }
    (status, e.to_string()).into_response()
}

/// Authenticates from the session, authorises a viewer of the scope with API security enabled,
/// and loads the review.
async fn load(
    b: &Backend,
    session: &Session,
    q: &ScopeQuery,
) -> Result<(Membership, backend::scope::Scope, Review), backend::Error> {
    let user_id = session
        .get::<i64>(USER_ID)
        .await
        .ok()
        .flatten()
        .ok_or(backend::Error::Unauthenticated)?;
    let user = backend::accounts::user_by_id(b, user_id)
        .await?
        .ok_or(backend::Error::Unauthenticated)?;
    let (m, scope) =
        backend::scope::authorize(b, user.id, &q.tenant, q.rg, &q.region, Role::Viewer).await?;
    if !backend::editions::status(b, m.tenant_id).await?.enabled {
        return Err(backend::Error::Forbidden);
    }
    let r = c::review(b, scope).await?;
    Ok((m, scope, r))
}

fn file_stem(m: &Membership, scope: &backend::scope::Scope) -> String {
    let slug: String = m
        .tenant_slug
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("compliance-{slug}-{}-{}", scope.rg_id, scope.region_str())
}

async fn csv(
    Extension(b): Extension<Backend>,
    session: Session,
    Query(q): Query<ScopeQuery>,
) -> Response {
    let (m, scope, r) = match load(&b, &session, &q).await {
        Ok(x) => x,
        Err(e) => return error(e),
    };
    let body = review_csv(&r);
    let disposition = format!("attachment; filename=\"{}.csv\"", file_stem(&m, &scope));
    let mut res = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The review as CSV: one line per figure, `section,key,label,value,extra,threshold,ratio`.
pub fn review_csv(r: &Review) -> String {
    use backend::csv::row;
    let mut out = row([
        "section",
        "key",
        "label",
        "value",
        "extra",
        "threshold",
        "ratio",
    ]);
    let yes = |b: bool| if b { "yes" } else { "no" };
    let summary = |out: &mut String, k: &str, v: &str| {
        out.push_str(&row(["summary", k, "", v, "", "", ""]));
    };
    summary(&mut out, "region", &r.region);
    summary(&mut out, "review_applies", yes(r.applies));
    summary(&mut out, "analysed", yes(r.analysed));
    summary(&mut out, "period_start", &r.period_start);
    summary(
        &mut out,
        "computed_at",
        &r.computed_at_ms
            .map(backend::clock::rfc3339)
            .unwrap_or_default(),
    );
    summary(
        &mut out,
        "declaration_required",
        yes(r.declaration_required),
    );
    summary(&mut out, "inside_countries", &r.inside_countries.join(" "));
    summary(&mut out, "inbound_persons", &r.inbound_persons.to_string());
    summary(&mut out, "trace_index_rows", &r.trace_rows.to_string());
    summary(
        &mut out,
        "trace_index_dropped",
        &r.trace_dropped.to_string(),
    );
    for t in &r.triggers {
        out.push_str(&row(["trigger", t, c::trigger_text(t), "", "", "", ""]));
    }
    for g in &r.gauges {
        out.push_str(&row([
            "counter".to_string(),
            g.key.clone(),
            g.label.clone(),
            g.value.to_string(),
            yes(g.triggered).to_string(),
            g.threshold.to_string(),
            format!("{:.6}", g.ratio),
        ]));
    }
    for x in &r.by_country {
        out.push_str(&row([
            "country".to_string(),
            x.code.clone(),
            "persons / exchanges".into(),
            x.persons.to_string(),
            x.records.to_string(),
            String::new(),
            String::new(),
        ]));
    }
    for (api, n) in &r.by_api {
        out.push_str(&row([
            "api",
            api,
            "outbound exchanges",
            &n.to_string(),
            "",
            "",
            "",
        ]));
    }
    for t in &r.by_type {
        out.push_str(&row([
            "type".to_string(),
            t.type_id.to_string(),
            t.name.clone(),
            t.values.to_string(),
            if t.personal_sensitive {
                "personal_sensitive"
            } else {
                "personal"
            }
            .to_string(),
            String::new(),
            String::new(),
        ]));
    }
    for (month, n) in &r.by_month {
        out.push_str(&row([
            "month",
            month,
            "outbound exchanges",
            &n.to_string(),
            "",
            "",
            "",
        ]));
    }
    for i in &r.inbound {
        out.push_str(&row([
            "inbound".to_string(),
            i.country.clone(),
            "distinct values / sightings".into(),
            i.values.to_string(),
            i.hits.to_string(),
            String::new(),
            String::new(),
        ]));
    }
    for e in &r.events {
        out.push_str(&row([
            "event".to_string(),
            e.id.to_string(),
            e.name.clone(),
            e.count.to_string(),
            format!(
                "{} {} {} {} {}",
                e.level,
                e.location,
                if e.account.is_empty() {
                    &e.ip
                } else {
                    &e.account
                },
                e.api_key,
                backend::clock::rfc3339(e.start_ms)
            ),
            String::new(),
            String::new(),
        ]));
    }
    out
}

async fn report(
    Extension(b): Extension<Backend>,
    session: Session,
    Query(q): Query<ScopeQuery>,
) -> Response {
    let (m, scope, r) = match load(&b, &session, &q).await {
        Ok(x) => x,
        Err(e) => return error(e),
    };
    let group = m
        .resource_groups
        .iter()
        .find(|g| g.id == scope.rg_id)
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let html = report_html(&r, &m.tenant_name, &group, scope.region.label(), b.now_ms());
    let mut res = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    // Inline style only; no script, no external resource.
    res.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    res
}

/// Escapes text for HTML element content and quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn table(head: &[&str], rows: Vec<Vec<String>>) -> String {
    if rows.is_empty() {
        return "<p class=\"muted\">None.</p>".into();
    }
    let mut out = String::from("<table><thead><tr>");
    for h in head {
        out.push_str(&format!("<th>{}</th>", esc(h)));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for cell in r {
            out.push_str(&format!("<td>{}</td>", esc(&cell)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// The printable report (self-contained; every value escaped).
pub fn report_html(
    r: &Review,
    tenant: &str,
    group: &str,
    region_label: &str,
    now_ms: i64,
) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str(&format!(
        "<title>{}</title>",
        esc(&format!("Cross-border data review · {tenant}"))
    ));
    h.push_str(
        "<style>body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;\
         color:#1d2433;margin:32px;font-size:13px}h1{font-size:22px;margin:0 0 4px}\
         h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #e3e7ee;padding-bottom:4px}\
         table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #e3e7ee;\
         padding:5px 8px;text-align:left;vertical-align:top}th{background:#f4f6f9}\
         .muted{color:#667085}.verdict{padding:12px 16px;border-radius:6px;margin:14px 0;\
         font-size:15px}.required{background:#fde8e8;border:1px solid #f5c2c2}\
         .clear{background:#e3f6ea;border:1px solid #b7e2c5}.na{background:#e3effd;\
         border:1px solid #c3dafa}.bar{fill:#1d4ed8}@media print{body{margin:12mm}}</style>",
    );
    h.push_str("</head><body>");
    h.push_str("<h1>Cross-border data review</h1>");
    h.push_str(&format!(
        "<p class=\"muted\">{} · resource group {} · {}</p>",
        esc(tenant),
        esc(group),
        esc(region_label)
    ));
    h.push_str(&format!(
        "<p>Period: since <strong>{}</strong> (1 January of the previous year) · last analysis {} · report generated {}</p>",
        esc(r.period_start.get(..10).unwrap_or(&r.period_start)),
        esc(&r.computed_at_ms.map(backend::clock::rfc3339).unwrap_or_else(|| "never".into())),
        esc(&backend::clock::rfc3339(now_ms)),
    ));
    let (class, text) = if !r.analysed {
        ("na", "Nothing analysed yet for this scope.")
    } else if !r.applies {
        (
            "na",
            "The declaration review applies to the Chinese mainland region only; figures are for information.",
        )
    } else if r.declaration_required {
        ("required", "Declaration required.")
    } else {
        ("clear", "No declaration required.")
    };
    h.push_str(&format!(
        "<div class=\"verdict {class}\" id=\"verdict\"><strong>{}</strong>",
        esc(text)
    ));
    if !r.triggers.is_empty() {
        h.push_str("<ul>");
        for t in &r.triggers {
            h.push_str(&format!("<li>{}</li>", esc(c::trigger_text(t))));
        }
        h.push_str("</ul>");
    }
    h.push_str("</div>");

    h.push_str("<h2>Counters and thresholds</h2>");
    let mut rows: Vec<Vec<String>> = r
        .gauges
        .iter()
        .map(|g| {
            vec![
                g.label.clone(),
                num(g.value),
                format!("> {}", num(g.threshold)),
                format!("{:.1}%", g.ratio * 100.0),
                if g.triggered { "met" } else { "not met" }.into(),
            ]
        })
        .collect();
    rows.push(vec![
        "Persons whose personal information was received from outside (inbound)".into(),
        num(r.inbound_persons),
        String::new(),
        String::new(),
        String::new(),
    ]);
    h.push_str(&table(
        &[
            "Counter",
            "Persons",
            "Threshold",
            "Of threshold",
            "Condition",
        ],
        rows,
    ));
    h.push_str(&format!(
        "<p class=\"muted\">Places counted as inside the mainland: {}. Persons are counted by their identifiers (deduplicated by keyed hash; identifiers in one object are one person).</p>",
        esc(&r.inside_countries.join(", "))
    ));

    h.push_str("<h2>By destination country</h2>");
    h.push_str(&table(
        &["Country", "Persons", "Exchanges"],
        r.by_country
            .iter()
            .map(|x| vec![x.code.clone(), num(x.persons), num(x.records)])
            .collect(),
    ));
    h.push_str("<h2>By month</h2>");
    h.push_str(&trend_svg(&r.by_month));
    h.push_str(&table(
        &["Month", "Outbound exchanges"],
        r.by_month
            .iter()
            .map(|(m, n)| vec![m.clone(), num(*n)])
            .collect(),
    ));
    h.push_str("<h2>By API</h2>");
    h.push_str(&table(
        &["API", "Outbound exchanges"],
        r.by_api
            .iter()
            .map(|(a, n)| vec![a.clone(), num(*n)])
            .collect(),
    ));
    h.push_str("<h2>By data type</h2>");
    h.push_str(&table(
        &["Data type", "Class", "Outbound values"],
        r.by_type
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    if t.personal_sensitive {
                        "sensitive personal"
                    } else {
                        "personal"
                    }
                    .into(),
                    num(t.values),
                ]
            })
            .collect(),
    ));
    h.push_str("<h2>Inbound transfers (requests from outside)</h2>");
    h.push_str(&table(
        &["Country", "Distinct values", "Sightings"],
        r.inbound
            .iter()
            .map(|i| vec![i.country.clone(), num(i.values), num(i.hits)])
            .collect(),
    ));
    h.push_str("<h2>Events with sensitive data sent outside the mainland</h2>");
    h.push_str(&table(
        &[
            "Event", "Level", "Source", "Location", "API", "Start", "Count",
        ],
        r.events
            .iter()
            .map(|e| {
                vec![
                    e.name.clone(),
                    e.level.clone(),
                    if e.account.is_empty() {
                        e.ip.clone()
                    } else {
                        format!("{} · {}", e.account, e.ip)
                    },
                    e.location.clone(),
                    e.api_key.clone(),
                    backend::clock::rfc3339(e.start_ms),
                    e.count.to_string(),
                ]
            })
            .collect(),
    ));
    if r.trace_dropped > 0 {
        h.push_str(&format!(
            "<p class=\"muted\">The leak tracing index reached its cap of {} rows; {} sightings were not indexed.</p>",
            num(r.trace_max_rows),
            num(r.trace_dropped)
        ));
    }
    h.push_str("</body></html>");
    h
}

fn trend_svg(months: &[(String, u64)]) -> String {
    if months.is_empty() {
        return String::new();
    }
    let max = months.iter().map(|m| m.1).max().unwrap_or(1).max(1) as f64;
    let (w, hgt) = (640.0, 160.0);
    let slot = w / months.len() as f64;
    let bar = (slot * 0.7).max(2.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {}\" width=\"640\" height=\"{}\">",
        hgt + 20.0,
        hgt + 20.0
    );
    for (i, (label, n)) in months.iter().enumerate() {
        let bh = (*n as f64 / max) * (hgt - 10.0);
        let x = i as f64 * slot + (slot - bar) / 2.0;
        s.push_str(&format!(
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\"><title>{}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            hgt - bh,
            esc(&format!("{label}: {n}")),
            x + bar / 2.0,
            hgt + 14.0,
            esc(label.get(2..).unwrap_or(label)),
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::compliance::{ComplianceSummary, CountryCount, Region};

    fn hostile_review() -> Review {
        let mut s = ComplianceSummary {
            outbound_persons: 3,
            period_start: "2025-01-01T00:00:00Z".into(),
            ..Default::default()
        };
        s.by_country.insert(
            "US".into(),
            CountryCount {
                persons: 3,
                records: 4,
            },
        );
        s.by_api
            .insert("evil.example.com GET /<script>alert(1)</script>".into(), 4);
        s.by_api
            .insert("x.example.com GET /=cmd|' /C calc'!A0".into(), 1);
        s.by_month.insert("2025-03".into(), 4);
        c::review_of(&s, Region::Cn)
    }

    #[test]
    fn report_escapes_everything_and_has_no_script() {
        let r = hostile_review();
        let html = report_html(&r, "<b>Acme</b>", "g\"1", "Chinese mainland", 0);
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;b&gt;Acme&lt;/b&gt;"));
        assert!(html.contains("No declaration required"));
        assert!(html.contains("2025-01-01"));
        assert!(html.contains("<svg"));
    }

    #[test]
    fn csv_neutralises_formulas() {
        let csv = review_csv(&hostile_review());
        assert!(csv.starts_with("section,key,label,value,extra,threshold,ratio\r\n"));
        assert!(csv.contains("summary,declaration_required,,no,,,\r\n"));
        assert!(csv.contains("country,US,persons / exchanges,3,4,,\r\n"));
        // the API key cell starts with the method, and a cell starting with = is neutralised
        assert!(csv.contains("GET x.example.com/=cmd|' /C calc'!A0"));
        assert!(!csv
            .lines()
            .any(|l| l.split(',').any(|c| c.starts_with('='))));
    }
}
