//! Compliance page (needs API security): the cross-border data review of the scope (verdict,
//! gauges, counters, breakdowns, trend, related events, exports), the leak tracing form and the
//! tenant's setting of which places count as outside the mainland.
//!
//! Charts are plain SVG elements rendered on the server (no script needed to see them). The
//! traced value is posted in a form body only: it never enters the URL.

use super::PageHeader;
use crate::api::compliance::{
    compliance_review, ComplianceSettings, ComplianceTrace, ComplianceView, CountryView, EventLink,
    GaugeView, TraceView,
};
use crate::api::SessionInfo;
use crate::components::api_security::ApiSecurityGate;
use crate::components::feedback::{ErrorView, Loading};
use crate::i18n::tr;
use crate::scope::{use_scope, Scope};
use leptos::prelude::*;

#[component]
pub fn CompliancePage() -> impl IntoView {
    view! {
        <PageHeader title="Compliance" subtitle="Cross-border data review (Chinese mainland) and sensitive data leak tracing."/>
        <ApiSecurityGate><ComplianceBody/></ApiSecurityGate>
    }
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(ratio: f64) -> String {
    if ratio >= 10.0 {
        format!("{:.0}×", ratio)
    } else {
        format!("{:.1}%", ratio * 100.0)
    }
}

/// SVG path of a half-circle gauge arc filled to `ratio` (0..1) around (60, 60), radius 50.
pub fn gauge_arc(ratio: f64) -> String {
    let r = ratio.clamp(0.0, 1.0);
    let a = std::f64::consts::PI * r;
    let (x, y) = (60.0 - 50.0 * a.cos(), 60.0 - 50.0 * a.sin());
    format!("M 10 60 A 50 50 0 0 1 {x:.2} {y:.2}")
}

fn events_href(scope: &Scope, id: i64) -> String {
    format!("{}&event={id}", scope.href("/events"))
}

#[component]
fn ComplianceBody() -> impl IntoView {
    let scope = use_scope();
    let settings = ServerAction::<ComplianceSettings>::new();
    let data = Resource::new(
        move || {
            (
                scope.tenant.get(),
                scope.rg.get(),
                scope.region.get(),
                settings.version().get(),
            )
        },
        |(t, rg, region, _)| compliance_review(t, rg, region),
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Review d=d settings=settings/> }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Review(d: ComplianceView, settings: ServerAction<ComplianceSettings>) -> impl IntoView {
    let scope = use_scope();
    let export_csv = scope.href("/export/compliance.csv");
    let export_html = scope.href("/export/compliance-report.html");
    let type_options = d.type_options.clone();
    let verdict = if !d.analysed {
        view! {
            <div class="verdict verdict-none" data-testid="verdict" data-verdict="none">
                <strong>{tr("Nothing analysed yet")}</strong>
                <p>{tr("The review appears after the first analysis of this scope. Add a log source under Data sources.")}</p>
            </div>
        }
        .into_any()
    } else if !d.applies {
        view! {
            <div class="verdict verdict-none" data-testid="verdict" data-verdict="not_applicable">
                <strong>{tr("Declaration review not applicable")}</strong>
                <p>{tr("The declaration of outbound personal data applies to tenants in the Chinese mainland. Switch the region to Chinese mainland to review it; the counters below are for information.")}</p>
            </div>
        }
        .into_any()
    } else if d.declaration_required {
        view! {
            <div class="verdict verdict-required" data-testid="verdict" data-verdict="required">
                <strong>{tr("Declaration required")}</strong>
                <p>{tr("Apply for a data export security assessment through the provincial cyberspace administration. Triggered by:")}</p>
                <ul data-testid="triggers">
                    {d.triggers.iter().map(|(k, text)| view! { <li data-trigger=k.clone()>{text.clone()}</li> }).collect_view()}
                </ul>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="verdict verdict-clear" data-testid="verdict" data-verdict="not_required">
                <strong>{tr("No declaration required")}</strong>
                <p>{tr("No declaration threshold is exceeded for the period. The gauges show how close each counter is.")}</p>
            </div>
        }
        .into_any()
    };
    view! {
        {verdict}
        <section class="card">
            <div class="card-head compliance-head">
                <p class="muted" data-testid="period">
                    {tr("Period: since")} " " <strong>{d.period_start.clone()}</strong> " "
                    {tr("(1 January of the previous year)")}
                    {d.computed_at.clone().map(|t| format!(" · {} {t}", tr("last analysis")))}
                </p>
                <span class="actions">
                    <a class="btn" href=export_csv data-testid="export-csv" download>{tr("Export CSV")}</a>
                    <a class="btn" href=export_html data-testid="export-report" target="_blank" rel="noopener">{tr("Printable report")}</a>
                </span>
            </div>
            <div class="stat-row" data-testid="counters">
                <div class="stat"><span class="num" data-testid="counter-outbound">{thousands(d.outbound_persons)}</span><span>{tr("Persons with personal information sent outside")}</span></div>
                <div class="stat"><span class="num" data-testid="counter-outbound-sensitive">{thousands(d.outbound_sensitive_persons)}</span><span>{tr("Persons with sensitive personal information sent outside")}</span></div>
                <div class="stat"><span class="num" data-testid="counter-processed">{thousands(d.processed_persons)}</span><span>{tr("Persons whose personal information was processed")}</span></div>
                <div class="stat"><span class="num" data-testid="counter-inbound">{thousands(d.inbound_persons)}</span><span>{tr("Persons received in requests from outside (inbound)")}</span></div>
            </div>
        </section>
        <section class="card">
            <h2>{tr("Declaration thresholds")}</h2>
            <div class="gauges" data-testid="gauges">
                {d.gauges.iter().cloned().map(|g| view! { <Gauge g=g/> }).collect_view()}
            </div>
            <p class="muted small">{tr("A condition is met when its counter is strictly greater than the threshold; the processed-persons condition also needs some outbound transfer.")}</p>
        </section>
        <div class="grid">
            <section class="card">
                <h2>{tr("Monthly trend")}</h2>
                <TrendChart months=d.by_month.clone()/>
            </section>
            <section class="card">
                <h2>{tr("Top destinations")}</h2>
                <CountryTable rows=d.top_destinations.clone() testid="top-destinations"/>
            </section>
        </div>
        <section class="card">
            <h2>{tr("By destination country")}</h2>
            <CountryTable rows=d.by_country.clone() testid="by-country"/>
        </section>
        <div class="grid">
            <section class="card">
                <h2>{tr("By API")}</h2>
                <table class="table" data-testid="by-api">
                    <thead><tr><th>{tr("API")}</th><th>{tr("Outbound exchanges")}</th></tr></thead>
                    <tbody>
                        {d.by_api.iter().take(50).map(|(api, n)| view! {
                            <tr><td><code>{api.clone()}</code></td><td>{thousands(*n)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="card">
                <h2>{tr("By data type")}</h2>
                <table class="table" data-testid="by-type">
                    <thead><tr><th>{tr("Data type")}</th><th>{tr("Outbound values")}</th></tr></thead>
                    <tbody>
                        {d.by_type.iter().map(|t| view! {
                            <tr>
                                <td>
                                    {crate::i18n::catalog_name("sensitive", &t.type_id.to_string(), &t.name)}
                                    {t.personal_sensitive.then(|| view! { " " <span class="badge level-high">{tr("sensitive")}</span> })}
                                </td>
                                <td>{thousands(t.values)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        </div>
        <section class="card">
            <h2>{tr("Inbound transfers (personal data in requests from outside)")}</h2>
            <table class="table" data-testid="inbound">
                <thead><tr><th>{tr("Country")}</th><th>{tr("Distinct values")}</th><th>{tr("Sightings")}</th></tr></thead>
                <tbody>
                    {d.inbound.iter().map(|i| view! {
                        <tr><td>{i.country.clone()}</td><td>{thousands(i.values)}</td><td>{thousands(i.hits)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="card">
            <h2>{tr("Events with sensitive data sent outside the mainland")}</h2>
            <EventTable events=d.events.clone() testid="related-events"/>
        </section>
        <TraceForm type_options=type_options trace_rows=d.trace_rows trace_dropped=d.trace_dropped trace_max_rows=d.trace_max_rows/>
        <SettingsCard d=d settings=settings/>
    }
}

#[component]
fn Gauge(g: GaugeView) -> impl IntoView {
    let level = if g.triggered {
        "gauge-over"
    } else if g.ratio >= 0.8 {
        "gauge-near"
    } else {
        "gauge-ok"
    };
    let arc = gauge_arc(g.ratio);
    let show_arc = g.ratio > 0.0;
    view! {
        <figure class="gauge" data-testid=format!("gauge-{}", g.key) data-ratio=format!("{:.4}", g.ratio)>
            <svg viewBox="0 0 120 72" width="180" height="108" role="img">
                <path d="M 10 60 A 50 50 0 0 1 110 60" class="gauge-track"/>
                {show_arc.then(|| view! { <path d=arc class=format!("gauge-fill {level}")/> })}
                <text x="60" y="56" text-anchor="middle" class="gauge-pct">{percent(g.ratio)}</text>
            </svg>
            <figcaption>
                <strong>{thousands(g.value)}</strong>" / "{thousands(g.threshold)}
                <br/>
                <span class="muted small">{g.label.clone()}</span>
            </figcaption>
        </figure>
    }
}

#[component]
fn TrendChart(months: Vec<(String, u64)>) -> impl IntoView {
    if months.is_empty() {
        return view! { <p class="muted" data-testid="trend">{tr("No outbound transfer in the period.")}</p> }
            .into_any();
    }
    let max = months.iter().map(|m| m.1).max().unwrap_or(1).max(1) as f64;
    let (w, h, left, bottom) = (640.0, 200.0, 40.0, 24.0);
    let slot = (w - left) / months.len() as f64;
    let bar = (slot * 0.7).max(2.0);
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, (label, n))| {
            let bh = (*n as f64 / max) * (h - bottom - 12.0);
            let x = left + i as f64 * slot + (slot - bar) / 2.0;
            let y = h - bottom - bh;
            view! {
                <g>
                    <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{bar:.1}") height=format!("{bh:.1}") class="trend-bar">
                        <title>{format!("{label}: {}", thousands(*n))}</title>
                    </rect>
                    <text x=format!("{:.1}", x + bar / 2.0) y=format!("{:.1}", h - 8.0) text-anchor="middle" class="trend-label">
                        {label.get(2..).unwrap_or(label).to_string()}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg viewBox=format!("0 0 {w} {h}") class="trend" data-testid="trend" role="img">
            <line x1=format!("{left}") y1=format!("{}", h - bottom) x2=format!("{w}") y2=format!("{}", h - bottom) class="trend-axis"/>
            <text x="0" y="12" class="trend-label">{thousands(max as u64)}</text>
            {bars}
        </svg>
    }
    .into_any()
}

#[component]
fn CountryTable(rows: Vec<CountryView>, testid: &'static str) -> impl IntoView {
    view! {
        <table class="table" data-testid=testid>
            <thead><tr><th>{tr("Country")}</th><th>{tr("Persons")}</th><th>{tr("Exchanges")}</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|c| view! {
                    <tr><td>{c.code}</td><td>{thousands(c.persons)}</td><td>{thousands(c.records)}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn EventTable(events: Vec<EventLink>, testid: &'static str) -> impl IntoView {
    let scope = use_scope();
    if events.is_empty() {
        return view! { <p class="muted" data-testid=testid>{tr("No such event.")}</p> }.into_any();
    }
    view! {
        <table class="table" data-testid=testid>
            <thead><tr>
                <th>{tr("Event")}</th><th>{tr("Level")}</th><th>{tr("Source")}</th><th>{tr("Location")}</th>
                <th>{tr("API")}</th><th>{tr("Time")}</th><th>{tr("Count")}</th>
            </tr></thead>
            <tbody>
                {events.into_iter().map(|e| {
                    let href = events_href(&scope, e.id);
                    let source = if e.account.is_empty() { e.ip.clone() } else { format!("{} · {}", e.account, e.ip) };
                    view! {
                        <tr>
                            <td><a href=href data-testid="event-link">{e.name}</a>
                                {e.same_api.then(|| view! { " " <span class="badge badge-info">{tr("same API")}</span> })}</td>
                            <td><span class=format!("badge level-{}", e.level)>{e.level.clone()}</span></td>
                            <td>{source}</td>
                            <td>{e.location}</td>
                            <td><code>{e.api}</code></td>
                            <td class="nowrap">{e.start}</td>
                            <td>{e.count}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn TraceForm(
    type_options: Vec<crate::api::compliance::TypeOption>,
    trace_rows: u64,
    trace_dropped: u64,
    trace_max_rows: u64,
) -> impl IntoView {
    let info = expect_context::<SessionInfo>();
    let scope = use_scope();
    let trace = ServerAction::<ComplianceTrace>::new();
    let result = trace.value();
    view! {
        <section class="card" data-testid="trace">
            <h2>{tr("Leak tracing")}</h2>
            <p class="muted">
                {tr("Enter an ID number, phone number, e-mail address, key or other value: it is hashed with this tenant's key and looked up. The value itself is never stored or logged.")}
            </p>
            <ActionForm action=trace attr:class="trace-form">
                <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                {move || scope.rg.get().map(|rg| view! { <input type="hidden" name="rg" value=rg.to_string()/> })}
                <input type="hidden" name="region" value=move || scope.region.get()/>
                <input type="hidden" name="csrf" value=info.csrf.clone()/>
                <label>{tr("Value")}
                    <input type="text" name="value" required autocomplete="off" spellcheck="false" maxlength="4096" data-testid="trace-value"/>
                </label>
                <label>{tr("Data type")}
                    <select name="data_type" data-testid="trace-type">
                        <option value="">{tr("Any type")}</option>
                        {type_options.into_iter().map(|t| view! { <option value=t.key>{t.name}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="btn btn-primary" data-testid="trace-submit">{tr("Trace")}</button>
            </ActionForm>
            <p class="muted small" data-testid="trace-index">
                {format!("{} {} / {}", tr("Index rows:"), thousands(trace_rows), thousands(trace_max_rows))}
                {(trace_dropped > 0).then(|| view! {
                    " " <span class="badge level-medium">{format!("{} {}", thousands(trace_dropped), tr("sightings not indexed (cap reached)"))}</span>
                })}
            </p>
            {move || trace.pending().get().then(|| view! { <p class="loading">{tr("Tracing…")}</p> })}
            {move || result.get().map(|r| match r {
                Ok(t) => view! { <TraceResults t=t/> }.into_any(),
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn TraceResults(t: TraceView) -> impl IntoView {
    if t.total_rows == 0 {
        return view! {
            <div class="empty" data-testid="trace-results" data-rows="0">
                <h3>{tr("Not found")}</h3>
                <p>{tr("This value was not seen in the analysed traffic of this scope (check the type, or leave it as Any type).")}</p>
                {t.index_incomplete.then(|| view! { <p>{tr("The index reached its size cap in the last analysis, so absence is not proof.")}</p> })}
            </div>
        }
        .into_any();
    }
    let truncated = t.total_rows as usize > t.hits.len();
    view! {
        <div data-testid="trace-results" data-rows=t.total_rows.to_string()>
            <div class="stat-row">
                <div class="stat"><span class="num" data-testid="trace-apis">{t.apis}</span><span>{tr("APIs")}</span></div>
                <div class="stat"><span class="num" data-testid="trace-ips">{t.ips}</span><span>{tr("Client IPs")}</span></div>
                <div class="stat"><span class="num">{t.accounts}</span><span>{tr("Accounts")}</span></div>
                <div class="stat"><span class="num">{t.total_hits}</span><span>{tr("Sightings")}</span></div>
            </div>
            <p class="muted">
                {tr("Matched as")} " " {t.types.join(", ")} " · " {tr("countries")} " " {t.countries.join(", ")}
                " · " {t.first.clone().unwrap_or_default()} " – " {t.last.clone().unwrap_or_default()}
            </p>
            <table class="table" data-testid="trace-table">
                <thead><tr>
                    <th>{tr("Direction")}</th><th>{tr("API")}</th><th>{tr("Client IP")}</th><th>{tr("Country")}</th>
                    <th>{tr("Account")}</th><th>{tr("First seen")}</th><th>{tr("Last seen")}</th><th>{tr("Hits")}</th><th>{tr("Data type")}</th>
                </tr></thead>
                <tbody>
                    {t.hits.into_iter().map(|h| view! {
                        <tr data-testid="trace-row">
                            <td>{if h.direction == "response" { tr("received (response)") } else { tr("sent (request)") }}</td>
                            <td><code>{h.api}</code></td>
                            <td>{h.ip}</td>
                            <td>{h.country}{h.outside.then(|| view! { " " <span class="badge level-high">{tr("outside")}</span> })}</td>
                            <td>{h.account}</td>
                            <td class="nowrap">{h.first}</td>
                            <td class="nowrap">{h.last}</td>
                            <td>{h.hits}</td>
                            <td>{h.type_name}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {truncated.then(|| view! {
                <p class="muted small">{format!("{} {}", tr("Showing the oldest rows; total:"), t.total_rows)}</p>
            })}
            <h3>{tr("Related events")}</h3>
            <EventTable events=t.events testid="trace-events"/>
        </div>
    }
    .into_any()
}

#[component]
fn SettingsCard(d: ComplianceView, settings: ServerAction<ComplianceSettings>) -> impl IntoView {
    let info = expect_context::<SessionInfo>();
    let scope = use_scope();
    let places = [("HK", "Hong Kong"), ("MO", "Macao"), ("TW", "Taiwan")];
    let outside = d.outside_special.clone();
    let can_edit = d.can_edit;
    view! {
        <section class="card" data-testid="compliance-settings">
            <h2>{tr("Places counted as outside the mainland")}</h2>
            <p class="muted">
                {tr("Every country other than the Chinese mainland counts as outside. Hong Kong, Macao and Taiwan count as outside by default; changes apply from the next analysis.")}
            </p>
            <ActionForm action=settings attr:class="inline-form">
                <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                <input type="hidden" name="csrf" value=info.csrf.clone()/>
                {places.into_iter().map(|(code, name)| {
                    let checked = outside.iter().any(|c| c == code);
                    view! {
                        <label class="check">
                            <input type="checkbox" name=format!("outside_{}", code.to_ascii_lowercase()) checked=checked disabled=!can_edit data-testid=format!("outside-{code}")/>
                            " " {tr(name)} " (" {code} ")"
                        </label>
                    }
                }).collect_view()}
                {can_edit.then(|| view! { <button type="submit" class="btn" data-testid="settings-save">{tr("Save")}</button> })}
            </ActionForm>
            {move || settings.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorView error=e/> })}
            <p class="muted small" data-testid="inside-list">{format!("{} {}", tr("Inside:"), d.inside_countries.join(", "))}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_arcs() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(gauge_arc(0.0), "M 10 60 A 50 50 0 0 1 10.00 60.00");
        assert_eq!(gauge_arc(1.0), "M 10 60 A 50 50 0 0 1 110.00 60.00");
        assert_eq!(gauge_arc(0.5), "M 10 60 A 50 50 0 0 1 60.00 10.00");
        assert_eq!(gauge_arc(7.0), gauge_arc(1.0));
        assert_eq!(percent(0.5), "50.0%");
        assert_eq!(percent(12.0), "12×");
    }
}
