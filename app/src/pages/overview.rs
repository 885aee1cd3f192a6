//! Overview page (needs API security): trend charts drawn on the server and four sortable
//! statistics tables. All view state (period, hidden series, sorts) lives in the URL query,
//! so every view is a link, renders on the server and works before hydration.

use super::PageHeader;
use crate::api::dashboard::{overview, ChartView, OverviewView, SensitiveRow};
use crate::components::api_security::ApiSecurityGate;
use crate::components::feedback::{ErrorView, Loading};
use crate::i18n::tr;
use crate::scope::{use_scope, Scope};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

/// Query keys of the Overview (besides the scope).
const KEYS: [&str; 8] = [
    "period",
    "from",
    "to",
    "hide",
    "sort_risky",
    "sort_attacked",
    "sort_req",
    "sort_resp",
];

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/overview?<scope>&<current state with changes>`; a change to `None` removes the key.
fn overview_href(scope: &Scope, q: &ParamsMap, changes: &[(&str, Option<String>)]) -> String {
    let mut href = scope.href("/overview");
    for key in KEYS {
        let v = match changes.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => v.clone(),
            None => q.get(key),
        };
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            href.push_str(&format!("&{key}={}", enc(&v)));
        }
    }
    href
}

/// A scoped link to another page with one filter, e.g. `/risks?…&host=a.example`.
fn filtered_href(scope: &Scope, path: &str, filters: &[(&str, &str)]) -> String {
    let mut href = scope.href(path);
    for (k, v) in filters {
        href.push_str(&format!("&{k}={}", enc(v)));
    }
    href
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    view! {
        <PageHeader title="Overview"/>
        <ApiSecurityGate><OverviewBody/></ApiSecurityGate>
    }
}

#[component]
fn OverviewBody() -> impl IntoView {
    let scope = use_scope();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.get();
            let g = |k: &str| q.get(k).filter(|v| !v.is_empty());
            (
                (scope.tenant.get(), scope.rg.get(), scope.region.get()),
                (g("period"), g("from"), g("to"), g("hide")),
                (
                    g("sort_risky"),
                    g("sort_attacked"),
                    g("sort_req"),
                    g("sort_resp"),
                ),
            )
        },
        |((t, rg, region), (period, from, to, hide), (sr, sa, sq, sp))| {
            overview(t, rg, region, period, from, to, hide, sr, sa, sq, sp)
        },
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <OverviewContent d/> }.into_any(),
                    Err(e) => view! { <PeriodBar d=None/><ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OverviewContent(d: OverviewView) -> impl IntoView {
    let scope = use_scope();
    let query = use_query_map();
    let q = query.get_untracked();
    let charts = d.charts.clone();
    view! {
        <PeriodBar d=Some(d.clone())/>
        <div class="stat-row overview-stats card" data-testid="overview-stats">
            <div class="stat"><span class="num" data-testid="ov-apis-total">{d.apis_total}</span><span>{tr("Total API Assets")}</span></div>
            <div class="stat"><span class="num" data-testid="ov-apis-new">{d.apis_new}</span><span>{tr("New APIs")}</span></div>
            <div class="stat"><span class="num" data-testid="ov-risks-new">{d.risks_new}</span><span>{tr("New risks")}</span></div>
            <div class="stat"><span class="num" data-testid="ov-attacks">{d.attacks}</span><span>{tr("Attack requests")}</span></div>
            <div class="stat"><span class="num" data-testid="ov-events">{d.events}</span><span>{tr("Security events")}</span></div>
        </div>
        <div class="chart-grid">
            {charts.into_iter().map(|c| view! { <ChartCard c q=q.clone()/> }).collect_view()}
        </div>
        <div class="grid overview-tables">
            <section class="card" data-testid="table-risky">
                <div class="card-head">
                    <h2>{tr("Risky Site Statistics")}</h2>
                    <a class="more" data-testid="more-risky" href=move || scope.href("/risks")>{tr("More")}</a>
                </div>
                {if d.risky_sites.is_empty() {
                    view! { <p class="muted">{tr("No risks were found in this period.")}</p> }.into_any()
                } else {
                    let sort = d.risky_sort.clone();
                    let q = q.clone();
                    view! {
                        <table class="table sortable">
                            <thead><tr>
                                <SortHeader table="sort_risky" column="host" label="Site" current=sort.clone() q=q.clone()/>
                                <SortHeader table="sort_risky" column="high" label="High" current=sort.clone() q=q.clone()/>
                                <SortHeader table="sort_risky" column="medium" label="Medium" current=sort.clone() q=q.clone()/>
                                <SortHeader table="sort_risky" column="low" label="Low" current=sort.clone() q=q.clone()/>
                                <SortHeader table="sort_risky" column="total" label="Total" current=sort q/>
                            </tr></thead>
                            <tbody>
                                {d.risky_sites.iter().map(|r| {
                                    let href = filtered_href(&scope, "/risks", &[("host", &r.host)]);
                                    view! {
                                        <tr>
                                            <td><a href=href data-testid="risky-host">{r.host.clone()}</a></td>
                                            <td class="num level-high">{r.high}</td>
                                            <td class="num level-medium">{r.medium}</td>
                                            <td class="num level-low">{r.low}</td>
                                            <td class="num"><strong>{r.total}</strong></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {d.more[0].then(|| view! { <p class="muted small">{tr("Only the first 10 rows are shown; More lists them all.")}</p> })}
                    }.into_any()
                }}
            </section>
            <section class="card" data-testid="table-attacked">
                <div class="card-head">
                    <h2>{tr("Statistics on Attacked Sites")}</h2>
                    <a class="more" data-testid="more-attacked" href=move || scope.href("/events")>{tr("More")}</a>
                </div>
                {if d.attacked_sites.is_empty() {
                    view! { <p class="muted">{tr("No attacks or events in this period.")}</p> }.into_any()
                } else {
                    let sort = d.attacked_sort.clone();
                    let q = q.clone();
                    view! {
                        <table class="table sortable">
                            <thead><tr>
                                <SortHeader table="sort_attacked" column="host" label="Site" current=sort.clone() q=q.clone()/>
                                <SortHeader table="sort_attacked" column="attacks" label="Attack requests" current=sort.clone() q=q.clone()/>
                                <SortHeader table="sort_attacked" column="events" label="Security events" current=sort q/>
                            </tr></thead>
                            <tbody>
                                {d.attacked_sites.iter().map(|r| {
                                    let href = filtered_href(&scope, "/events", &[("host", &r.host)]);
                                    view! {
                                        <tr>
                                            <td><a href=href data-testid="attacked-host">{r.host.clone()}</a></td>
                                            <td class="num">{r.attacks}</td>
                                            <td class="num">{r.events}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {d.more[1].then(|| view! { <p class="muted small">{tr("Only the first 10 rows are shown; More lists them all.")}</p> })}
                    }.into_any()
                }}
            </section>
            <SensitiveTable
                testid="table-req"
                title=tr("Statistics on Request Sensitive Data Types")
                table="sort_req"
                rows=d.request_types.clone()
                sort=d.request_sort.clone()
                more=d.more[2]
                q=q.clone()
            />
            <SensitiveTable
                testid="table-resp"
                title=tr("Statistics on Response Sensitive Data Types")
                table="sort_resp"
                rows=d.response_types.clone()
                sort=d.response_sort.clone()
                more=d.more[3]
                q=q.clone()
            />
        </div>
    }
}

/// Period choice: 7 / 30 / 90 days as links, a custom range as a GET form.
#[component]
fn PeriodBar(d: Option<OverviewView>) -> impl IntoView {
    let scope = use_scope();
    let query = use_query_map();
    let q = query.get_untracked();
    let preset = d.as_ref().map(|d| d.preset).unwrap_or(-1);
    let (from, to) = d
        .as_ref()
        .map(|d| (d.from.clone(), d.to.clone()))
        .unwrap_or_default();
    let hidden = |name: &'static str| {
        let v = q.get(name).unwrap_or_default();
        (!v.is_empty()).then(|| view! { <input type="hidden" name=name value=v/> })
    };
    view! {
        <div class="filters period-bar" data-testid="period-bar">
            <span class="filter-label">{tr("Period")}</span>
            <nav class="segmented" aria-label=tr("Period")>
                {[(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days")].into_iter().map(|(n, label)| {
                    let href = overview_href(&scope, &q, &[("period", Some(n.to_string())), ("from", None), ("to", None)]);
                    view! {
                        <a href=href class=if preset == n { "seg active" } else { "seg" } data-period=n.to_string()
                           aria-current=(preset == n).then_some("true")>{tr(label)}</a>
                    }
                }).collect_view()}
            </nav>
            <form method="get" action="/overview" class="inline-form custom-range" data-testid="custom-range">
                <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                {move || scope.rg.get().map(|rg| view! { <input type="hidden" name="rg" value=rg.to_string()/> })}
                <input type="hidden" name="region" value=move || scope.region.get()/>
                <input type="hidden" name="period" value="custom"/>
                {hidden("hide")}
                {hidden("sort_risky")}
                {hidden("sort_attacked")}
                {hidden("sort_req")}
                {hidden("sort_resp")}
                <label class=if preset == 0 { "seg-label active" } else { "seg-label" }>{tr("Custom")}</label>
                <label>{tr("From")}" "<input type="date" name="from" value=from.clone() required data-testid="range-from"/></label>
                <label>{tr("To")}" "<input type="date" name="to" value=to.clone() required data-testid="range-to"/></label>
                <button type="submit" class="btn">{tr("Apply")}</button>
            </form>
            {d.map(|d| view! {
                <span class="muted period-shown" data-testid="period-shown">
                    {tr("Showing")}" "<span data-testid="period-from">{d.from.clone()}</span>" – "
                    <span data-testid="period-to">{d.to.clone()}</span>" "{tr("(UTC days)")}
                </span>
                {d.ends_at_data.then(|| view! {
                    <span class="muted small" data-testid="period-note">{tr("The period ends at the newest day with analysed data, which is older than today.")}</span>
                })}
            })}
        </div>
    }
}

/// One trend chart: server-drawn SVG (inline, so its hover titles work) and an HTML legend
/// whose items toggle series through `hide=` in the URL (the server redraws the chart).
#[component]
fn ChartCard(c: ChartView, q: ParamsMap) -> impl IntoView {
    let scope = use_scope();
    let hidden_now: Vec<String> = q
        .get("hide")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let legend = c
        .legend
        .iter()
        .map(|item| {
            let mut next: Vec<String> = hidden_now
                .iter()
                .filter(|k| **k != item.key)
                .cloned()
                .collect();
            if !item.hidden {
                next.push(item.key.clone());
            }
            let href = overview_href(&scope, &q, &[("hide", Some(next.join(",")))]);
            let class = format!("legend-item{}", if item.hidden { " off" } else { "" });
            let hint = if item.hidden {
                tr("Hidden: click to show")
            } else {
                tr("Shown: click to hide")
            };
            view! {
                <a href=href class=class role="button" aria-pressed=(!item.hidden).to_string()
                   data-series=item.key.clone() title=hint>
                    <span class=format!("swatch swatch-{}", item.key)></span>
                    {item.label.clone()}
                </a>
            }
        })
        .collect_view();
    view! {
        <section class="card chart-card" data-testid=format!("chart-{}", c.key)>
            <div class="card-head">
                <h2>{c.title.clone()}</h2>
            </div>
            <div class="legend" role="group" aria-label=tr("Click a legend item to show or hide its series.")>
                {legend}
            </div>
            // The SVG comes from `backend::dashboard::charts::render`, which escapes every
            // text and refuses scripts, handlers and links (see there); no log text is in it.
            <div class="chart" inner_html=c.svg.clone()></div>
        </section>
    }
}

/// A sortable column header: a link that sorts descending first, then toggles.
#[component]
fn SortHeader(
    table: &'static str,
    column: &'static str,
    label: &'static str,
    current: String,
    q: ParamsMap,
) -> impl IntoView {
    let scope = use_scope();
    let (cur_col, cur_dir) = current.split_once('.').unwrap_or((&current, "desc"));
    let active = cur_col == column;
    let next_dir = if active {
        if cur_dir == "desc" {
            "asc"
        } else {
            "desc"
        }
    } else if column == "host" || column == "name" {
        "asc"
    } else {
        "desc"
    };
    let href = overview_href(&scope, &q, &[(table, Some(format!("{column}.{next_dir}")))]);
    let aria = active.then(|| {
        if cur_dir == "desc" {
            "descending"
        } else {
            "ascending"
        }
    });
    let arrow = if active {
        if cur_dir == "desc" {
            " ▼"
        } else {
            " ▲"
        }
    } else {
        ""
    };
    let hint = if next_dir == "asc" {
        tr("Sort ascending")
    } else {
        tr("Sort descending")
    };
    view! {
        <th aria-sort=aria class=if column == "host" || column == "name" { "" } else { "num" }>
            <a href=href class="sort" data-sort=format!("{column}.{next_dir}") title=hint>{tr(label)}{arrow}</a>
        </th>
    }
}

#[component]
fn SensitiveTable(
    testid: &'static str,
    title: &'static str,
    table: &'static str,
    rows: Vec<SensitiveRow>,
    sort: String,
    more: bool,
    q: ParamsMap,
) -> impl IntoView {
    let scope = use_scope();
    view! {
        <section class="card" data-testid=testid>
            <div class="card-head">
                <h2>{title}</h2>
                <a class="more" href=move || filtered_href(&scope, "/assets", &[("tab", "sensitive")])>{tr("More")}</a>
            </div>
            {if rows.is_empty() {
                view! { <p class="muted">{tr("No sensitive data found.")}</p> }.into_any()
            } else {
                view! {
                    <table class="table sortable">
                        <thead><tr>
                            <SortHeader table column="name" label="Data type" current=sort.clone() q=q.clone()/>
                            <SortHeader table column="values" label="Values" current=sort.clone() q=q.clone()/>
                            <SortHeader table column="apis" label="APIs" current=sort q/>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| {
                                let href = filtered_href(&scope, "/assets", &[("tab", "sensitive"), ("type", &r.type_id.to_string())]);
                                view! {
                                    <tr>
                                        <td><a href=href data-testid="type-link">{r.name}</a></td>
                                        <td class="num">{r.values}</td>
                                        <td class="num">{r.apis}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    {more.then(|| view! { <p class="muted small">{tr("Only the first 10 rows are shown; More lists them all.")}</p> })}
                }.into_any()
            }}
        </section>
    }
}
