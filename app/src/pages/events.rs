//! Events page (needs API security): IP and account tabs (`?tab=ip|account`), count cards,
//! filters, a sortable paged table with bulk status change, and a detail drawer
//! (`?event=<id>`) with the timeline of the subject's activity and masked samples.

use super::PageHeader;
use crate::api::events::{
    event_detail, events_list, EventDetailView, EventListView, EventsSetStatus, RelatedView,
};
use crate::api::SessionInfo;
use crate::components::api_security::ApiSecurityGate;
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::components::list::{
    href_with, level_label, query_string, status_label, use_query_pairs, CountCard, CountCards,
    Drawer, FilterBar, FilterInput, FilterSelect, LevelBadge, Pager, SortHeader, StatusBadge,
};
use crate::i18n::{catalog_name, tr};
use crate::scope::use_scope;
use leptos::prelude::*;
use std::collections::BTreeSet;

const PATH: &str = "/events";
const STATUSES: [&str; 4] = ["to_confirm", "confirmed", "handled", "false_positive"];
const NOT_FILTERS: [&str; 4] = ["tenant", "rg", "region", "event"];

/// English label of an event category key.
pub fn event_category_label(key: &str) -> &'static str {
    match key {
        "baseline_exception" => tr("Baseline exception"),
        "account_risk" => tr("Account risk"),
        "api_abuse" => tr("API abuse"),
        "api_attack" => tr("API attack"),
        "sensitive_data_leak" => tr("Sensitive data leak"),
        "response_exception" => tr("Response exception"),
        "account_anomaly" => tr("Account anomaly"),
        "anomalous_operation" => tr("Anomalous operation"),
        "data_leak" => tr("Data leak"),
        "custom" => tr("Custom"),
        _ => tr("Other"),
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of Unix milliseconds.
fn fmt_time(ms: i64, with_date: bool) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| {
            if with_date {
                t.format("%Y-%m-%d %H:%M").to_string()
            } else {
                t.format("%H:%M:%S").to_string()
            }
        })
        .unwrap_or_default()
}

/// "3 h 5 min", "42 s".
fn fmt_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        3600..=86_399 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[component]
pub fn EventsPage() -> impl IntoView {
    view! {
        <PageHeader title="Events"/>
        <ApiSecurityGate><EventsView/></ApiSecurityGate>
    }
}

#[component]
fn ScopeFields() -> impl IntoView {
    let scope = use_scope();
    let info = expect_context::<SessionInfo>();
    view! {
        <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
        {move || scope.rg.get().map(|rg| view! { <input type="hidden" name="rg" value=rg/> })}
        <input type="hidden" name="region" value=move || scope.region.get()/>
        <input type="hidden" name="csrf" value=info.csrf.clone()/>
    }
}

#[component]
fn EventsView() -> impl IntoView {
    let scope = use_scope();
    let pairs = use_query_pairs();
    let set_status = ServerAction::<EventsSetStatus>::new();
    let list_query = Memo::new(move |_| pairs.with(|p| query_string(p, &NOT_FILTERS)));
    let list = Resource::new(
        move || {
            (
                scope.tenant.get(),
                scope.rg.get(),
                scope.region.get(),
                list_query.get(),
                set_status.version().get(),
            )
        },
        |(t, rg, r, q, _)| events_list(t, rg, r, q),
    );
    let selected = Memo::new(move |_| {
        pairs.with(|p| {
            p.iter()
                .find(|(k, _)| k == "event")
                .and_then(|(_, v)| v.parse::<i64>().ok())
        })
    });
    let detail = Resource::new(
        move || {
            (
                scope.tenant.get(),
                scope.rg.get(),
                scope.region.get(),
                selected.get(),
                set_status.version().get(),
            )
        },
        |(t, rg, r, id, _)| async move {
            match id {
                Some(id) => event_detail(t, rg, r, id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let checked = RwSignal::new(BTreeSet::<i64>::new());
    Effect::new(move |_| {
        if set_status.version().get() > 0 {
            checked.set(BTreeSet::new());
        }
    });
    let tab = Memo::new(move |_| {
        pairs.with(|p| {
            p.iter()
                .find(|(k, _)| k == "tab")
                .map(|(_, v)| v.clone())
                .filter(|v| v == "account")
                .unwrap_or_else(|| "ip".into())
        })
    });
    let csv_href = move || {
        pairs.with(|p| href_with("/export/events.csv", p, &[("event", None), ("page", None)]))
    };
    let action_error = move || {
        set_status
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <ErrorView error=e/> })
    };
    view! {
        {action_error}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(l) => view! {
                        <Tabs list=l.clone() tab/>
                        <EventCounts list=l.clone()/>
                        <EventFilters list=l.clone() tab/>
                        <div class="list-actions">
                            <a class="btn" href=csv_href download="events.csv" rel="external" data-testid="csv-link">
                                {tr("Export CSV")}
                            </a>
                            {l.can_edit.then(|| view! { <BulkBar action=set_status checked/> })}
                        </div>
                        <EventTable list=l checked/>
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(d)) => view! { <EventDrawer d set_status/> }.into_any(),
                    Ok(None) => view! { <span class="hidden" data-testid="no-drawer"></span> }.into_any(),
                    Err(e) => view! {
                        <Drawer close_href=Signal::derive(move || pairs.with(|p| href_with(PATH, p, &[("event", None)]))) title=tr("Event")>
                            <ErrorView error=e/>
                        </Drawer>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The IP / Account tabs; switching keeps the scope and drops the other filters.
#[component]
fn Tabs(list: EventListView, tab: Memo<String>) -> impl IntoView {
    let pairs = use_query_pairs();
    let count = |k: &str| {
        list.by_subject
            .iter()
            .find(|c| c.key == k)
            .map(|c| c.count)
            .unwrap_or(0)
    };
    let tabs = [
        ("ip", tr("Source IP"), count("ip")),
        ("account", tr("Account"), count("account")),
    ];
    view! {
        <nav class="tabs" data-testid="event-tabs">
            {tabs
                .into_iter()
                .map(|(key, label, n)| {
                    let href = pairs.with_untracked(|p| {
                        let scope: Vec<(String, String)> = p
                            .iter()
                            .filter(|(k, _)| ["tenant", "rg", "region"].contains(&k.as_str()))
                            .cloned()
                            .collect();
                        href_with(PATH, &scope, &[("tab", Some(key.to_string()))])
                    });
                    view! {
                        <a class=move || if tab.get() == key { "tab active" } else { "tab" } href=href data-tab=key>
                            {label}" "<span class="muted">"("{n}")"</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
fn EventCounts(list: EventListView) -> impl IntoView {
    let levels = list
        .by_level
        .iter()
        .map(|c| CountCard {
            key: c.key.clone(),
            label: level_label(&c.key).to_string(),
            count: c.count,
            level: Some(c.key.clone()),
        })
        .collect::<Vec<_>>();
    let types = list
        .by_type
        .iter()
        .map(|c| CountCard {
            key: c.key.clone(),
            label: catalog_name("event", &c.key, &c.name),
            count: c.count,
            level: None,
        })
        .collect::<Vec<_>>();
    view! {
        <section class="card counts">
            <CountCards path=PATH param="level" title="By level" cards=levels/>
            <CountCards path=PATH param="type" title="By type" cards=types/>
        </section>
    }
}

#[component]
fn EventFilters(list: EventListView, tab: Memo<String>) -> impl IntoView {
    let levels: Vec<(String, String)> = ["high", "medium", "low", "custom"]
        .iter()
        .map(|l| (l.to_string(), level_label(l).to_string()))
        .collect();
    let categories: Vec<(String, String)> = [
        "baseline_exception",
        "account_risk",
        "api_abuse",
        "api_attack",
        "sensitive_data_leak",
        "response_exception",
        "account_anomaly",
        "anomalous_operation",
        "data_leak",
        "custom",
    ]
    .iter()
    .map(|c| (c.to_string(), event_category_label(c).to_string()))
    .collect();
    let types: Vec<(String, String)> = list
        .by_type
        .iter()
        .map(|c| (c.key.clone(), catalog_name("event", &c.key, &c.name)))
        .collect();
    let statuses: Vec<(String, String)> = STATUSES
        .iter()
        .map(|s| (s.to_string(), status_label(s).to_string()))
        .collect();
    view! {
        <section class="card">
            <FilterBar path=PATH keep=&["tenant", "rg", "region", "tab", "sort", "dir"]>
                {move || if tab.get() == "account" {
                    view! { <FilterInput name="account" label="Account"/> }.into_any()
                } else {
                    view! { <FilterInput name="ip" label="Source IP" placeholder="203.0.113."/> }.into_any()
                }}
                <FilterSelect name="type" label="Event type" options=types/>
                <FilterSelect name="level" label="Level" options=levels/>
                <FilterSelect name="category" label="Category" options=categories/>
                <FilterInput name="host" label="Domain"/>
                <FilterInput name="path" label="Path"/>
                <FilterSelect name="status" label="Status" options=statuses/>
                <FilterInput name="from" label="From" kind="date"/>
                <FilterInput name="to" label="to" kind="date"/>
            </FilterBar>
        </section>
    }
}

#[component]
fn BulkBar(
    action: ServerAction<EventsSetStatus>,
    checked: RwSignal<BTreeSet<i64>>,
) -> impl IntoView {
    let ids = move || checked.with(|c| c.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    view! {
        <ActionForm action attr:class="inline-form bulk-bar" attr:data-testid="bulk-bar">
            <ScopeFields/>
            <input type="hidden" name="ids" prop:value=ids/>
            <span class="muted" data-testid="selected-count">
                {move || checked.with(|c| c.len())} " " {tr("selected")}
            </span>
            <select name="status" data-testid="bulk-status">
                {STATUSES.iter().map(|s| view! { <option value=*s>{status_label(s)}</option> }).collect_view()}
            </select>
            <button type="submit" class="btn" disabled=move || checked.with(|c| c.is_empty()) data-testid="bulk-apply">
                {tr("Set status of selected")}
            </button>
        </ActionForm>
    }
}

fn subject_text(ip: &Option<String>, account: &Option<String>, subject: &str) -> String {
    match subject {
        "account" => account.clone().or_else(|| ip.clone()),
        _ => ip.clone().or_else(|| account.clone()),
    }
    .unwrap_or_else(|| "-".into())
}

#[component]
fn EventTable(list: EventListView, checked: RwSignal<BTreeSet<i64>>) -> impl IntoView {
    let pairs = use_query_pairs();
    if list.rows.is_empty() {
        return view! {
            <section class="card">
                <EmptyState title="No events">
                    <p>{tr("No event matches these filters. Events appear after an analysis finds attacks or abuse in your traffic.")}</p>
                </EmptyState>
            </section>
        }
        .into_any();
    }
    let page_ids: Vec<i64> = list.rows.iter().map(|r| r.id).collect();
    let all_ids = page_ids.clone();
    let all_checked =
        move || checked.with(|c| !all_ids.is_empty() && all_ids.iter().all(|id| c.contains(id)));
    let toggle_all = move |_| {
        let on = checked.with(|c| page_ids.iter().all(|id| c.contains(id)));
        checked.update(|c| {
            for id in &page_ids {
                if on {
                    c.remove(id);
                } else {
                    c.insert(*id);
                }
            }
        });
    };
    let can_edit = list.can_edit;
    view! {
        <section class="card">
            <table class="table list-table" data-testid="events-table">
                <thead>
                    <tr>
                        {can_edit.then(|| view! {
                            <th class="check-col">
                                <input type="checkbox" aria-label=tr("Select all on this page")
                                    prop:checked=all_checked on:change=toggle_all.clone() data-testid="select-all"/>
                            </th>
                        })}
                        <SortHeader path=PATH key="level" label="Level" default_key="start"/>
                        <SortHeader path=PATH key="name" label="Event" default_key="start"/>
                        <SortHeader path=PATH key="subject" label="Subject" default_key="start"/>
                        <SortHeader path=PATH key="api" label="API" default_key="start"/>
                        <SortHeader path=PATH key="start" label="Start" default_key="start"/>
                        <SortHeader path=PATH key="end" label="End" default_key="start"/>
                        <SortHeader path=PATH key="count" label="Count" default_key="start"/>
                        <SortHeader path=PATH key="status" label="Status" default_key="start"/>
                    </tr>
                </thead>
                <tbody>
                    {list.rows.into_iter().map(|r| {
                        let id = r.id;
                        let href = pairs.with_untracked(|p| href_with(PATH, p, &[("event", Some(id.to_string()))]));
                        let toggle = move |_| checked.update(|c| { if !c.remove(&id) { c.insert(id); } });
                        view! {
                            <tr data-testid="event-row" data-id=id data-level=r.level.clone() data-status=r.status.clone()>
                                {can_edit.then(|| view! {
                                    <td class="check-col">
                                        <input type="checkbox" aria-label=tr("Select")
                                            prop:checked=move || checked.with(|c| c.contains(&id))
                                            on:change=toggle data-testid="row-check"/>
                                    </td>
                                })}
                                <td><LevelBadge level=r.level.clone()/></td>
                                <td><a href=href data-testid="event-link">{catalog_name("event", &r.type_key, &r.name)}</a></td>
                                <td>
                                    <span class="subject">{subject_text(&r.ip, &r.account, &r.subject)}</span>
                                    {(!r.location.is_empty()).then(|| view! { " " <span class="muted">{r.location.clone()}</span> })}
                                </td>
                                <td class="api-cell">
                                    <code class="method">{r.method.clone()}</code>" "
                                    <span class="host">{r.host.clone()}</span>
                                    <span class="path">{r.path.clone()}</span>
                                </td>
                                <td class="nowrap">{r.start.clone()}</td>
                                <td class="nowrap">{r.end.clone()}</td>
                                <td class="num">{r.count}</td>
                                <td><StatusBadge status=r.status.clone()/></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <Pager path=PATH total=list.total page=list.page per_page=list.per_page/>
        </section>
    }
    .into_any()
}

/// The subject's events on one time axis (the opened one highlighted): start → end bars.
/// Per-request times are not stored, so each bar is an event's span with its request count.
#[component]
fn Timeline(current: i64, related: Vec<RelatedView>) -> impl IntoView {
    const W: f64 = 640.0;
    const LEFT: f64 = 8.0;
    const ROW: f64 = 18.0;
    let min = related.iter().map(|r| r.start_ms).min().unwrap_or(0);
    let max = related.iter().map(|r| r.end_ms).max().unwrap_or(0);
    let span = (max - min).max(60_000) as f64;
    let x = move |ms: i64| LEFT + (ms - min) as f64 / span * (W - 2.0 * LEFT);
    let height = related.len() as f64 * ROW + 30.0;
    let multi_day = max - min > 86_400_000;
    let ticks: Vec<(f64, String)> = (0..=4)
        .map(|i| {
            let ms = min + ((span as i64) * i / 4);
            (x(ms), fmt_time(ms, multi_day || i == 0))
        })
        .collect();
    view! {
        <figure class="timeline" data-testid="event-timeline">
            <svg viewBox=format!("0 0 {W} {height}") role="img" aria-label=tr("Timeline of this subject's events")>
                {related.iter().enumerate().map(|(i, r)| {
                    let y = 4.0 + i as f64 * ROW;
                    let x0 = x(r.start_ms);
                    let w = (x(r.end_ms) - x0).max(3.0);
                    let class = format!("tl-bar tl-{}{}", r.level, if r.id == current { " tl-current" } else { "" });
                    view! {
                        <rect class=class x=format!("{x0:.1}") y=format!("{y:.1}") width=format!("{w:.1}") height="12" rx="2"
                            data-event=r.id>
                            <title>{format!("{} · {} → {} · {} requests", r.name, fmt_time(r.start_ms, true), fmt_time(r.end_ms, true), r.count)}</title>
                        </rect>
                    }
                }).collect_view()}
                <line class="tl-axis" x1=LEFT y1=height - 22.0 x2=W - LEFT y2=height - 22.0/>
                {ticks.into_iter().enumerate().map(|(i, (tx, label))| {
                    let anchor = match i { 0 => "start", 4 => "end", _ => "middle" };
                    view! {
                        <line class="tl-tick" x1=tx y1=height - 24.0 x2=tx y2=height - 18.0/>
                        <text class="tl-label" x=tx y=height - 6.0 text-anchor=anchor>{label}</text>
                    }
                }).collect_view()}
            </svg>
            <figcaption class="muted">
                {tr("Each bar is one event of this subject, from its first to its last request; the highlighted bar is this event.")}
            </figcaption>
        </figure>
    }
}

#[component]
fn EventDrawer(d: EventDetailView, set_status: ServerAction<EventsSetStatus>) -> impl IntoView {
    let pairs = use_query_pairs();
    let close = Signal::derive(move || pairs.with(|p| href_with(PATH, p, &[("event", None)])));
    let r = d.row.clone();
    let id = r.id;
    let title = catalog_name("event", &r.type_key, &r.name);
    let duration = r.end_ms - r.start_ms;
    let minutes = (duration as f64 / 60_000.0).max(1.0);
    let rate = r.count as f64 / minutes;
    let current = r.status.clone();
    let related_rows = d.related.clone();
    view! {
        <Drawer close_href=close title=title>
            <div class="drawer-meta" data-testid="event-detail" data-id=id>
                <LevelBadge level=r.level.clone()/>
                " "
                <span data-testid="event-status"><StatusBadge status=r.status.clone()/></span>
                " "
                <span class="muted">{event_category_label(&r.category)}</span>
            </div>
            <dl class="facts">
                <dt>{if r.subject == "account" { tr("Account") } else { tr("Source IP") }}</dt>
                <dd data-testid="event-subject">{subject_text(&r.ip, &r.account, &r.subject)}</dd>
                {(r.subject == "account" && r.ip.is_some()).then(|| view! { <dt>{tr("Source IP")}</dt><dd>{r.ip.clone()}</dd> })}
                <dt>{tr("Location")}</dt>
                <dd>{if r.location.is_empty() { "-".to_string() } else { r.location.clone() }}</dd>
                <dt>{tr("API")}</dt>
                <dd><code>{r.method.clone()}</code>" "{r.host.clone()}{r.path.clone()}</dd>
                {(d.apis.len() > 1).then(|| view! {
                    <dt>{tr("All APIs")}</dt>
                    <dd><ul class="plain">{d.apis.iter().map(|a| view! { <li><code>{a.clone()}</code></li> }).collect_view()}</ul></dd>
                })}
                <dt>{tr("Start")}</dt><dd data-testid="event-start">{r.start.clone()}</dd>
                <dt>{tr("End")}</dt><dd data-testid="event-end">{r.end.clone()}</dd>
                <dt>{tr("Duration")}</dt><dd>{fmt_duration(duration)}</dd>
                <dt>{tr("Requests")}</dt>
                <dd data-testid="event-count">{r.count}" "<span class="muted">{format!("(≈ {rate:.1} / min)")}</span></dd>
                {d.changed_at.clone().map(|at| view! {
                    <dt>{tr("Status changed")}</dt>
                    <dd>{at}" "{d.changed_by.clone().map(|u| format!("· {u}"))}</dd>
                })}
            </dl>
            <h3>{tr("Description")}</h3>
            <p>{d.description.clone()}</p>
            {(!d.suggestion.is_empty()).then(|| view! { <h3>{tr("Suggestion")}</h3><p>{d.suggestion.clone()}</p> })}
            <h3>{tr("Timeline")}</h3>
            <Timeline current=id related=d.related.clone()/>
            {(related_rows.len() > 1).then(|| view! {
                <table class="table compact" data-testid="related-events">
                    <thead><tr><th>{tr("Event")}</th><th>{tr("Start")}</th><th>{tr("End")}</th><th>{tr("Count")}</th></tr></thead>
                    <tbody>
                        {related_rows.into_iter().map(|e| {
                            let href = pairs.with_untracked(|p| href_with(PATH, p, &[("event", Some(e.id.to_string()))]));
                            view! {
                                <tr class=if e.id == id { "current" } else { "" }>
                                    <td><LevelBadge level=e.level.clone()/>" "<a href=href>{e.name.clone()}</a></td>
                                    <td class="nowrap">{fmt_time(e.start_ms, true)}</td>
                                    <td class="nowrap">{fmt_time(e.end_ms, true)}</td>
                                    <td class="num">{e.count}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            <h3>{tr("Sample requests (masked)")}</h3>
            {if d.samples.is_empty() {
                view! { <p class="muted">{tr("No samples were kept for this event.")}</p> }.into_any()
            } else {
                view! {
                    <ol class="samples" data-testid="event-samples">
                        {d.samples.iter().map(|s| view! { <li><pre>{s.clone()}</pre></li> }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {d.can_edit.then(|| {
                let current = current.clone();
                view! {
                    <h3>{tr("Status")}</h3>
                    <div class="actions" data-testid="status-buttons">
                        {STATUSES.iter().map(|s| {
                            let active = current == *s;
                            view! {
                                <ActionForm action=set_status attr:class="inline-form">
                                    <ScopeFields/>
                                    <input type="hidden" name="ids" value=id/>
                                    <input type="hidden" name="status" value=*s/>
                                    <button type="submit" class=if active { "btn btn-primary" } else { "btn" }
                                        disabled=active data-set-status=*s>
                                        {status_label(s)}
                                    </button>
                                </ActionForm>
                            }
                        }).collect_view()}
                    </div>
                }
            })}
            {(!d.history.is_empty()).then(|| view! {
                <h3>{tr("History")}</h3>
                <ul class="history" data-testid="event-history">
                    {d.history.iter().map(|h| view! {
                        <li><span class="nowrap">{h.at.clone()}</span>" · "{h.actor.clone()}" · "{h.change.clone()}</li>
                    }).collect_view()}
                </ul>
            })}
        </Drawer>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_duration(42_000), "42 s");
        assert_eq!(fmt_duration(125_000), "2 min 5 s");
        assert_eq!(fmt_duration(3_660_000), "1 h 1 min");
        assert_eq!(fmt_duration(90_000_000), "1 d 1 h");
        assert_eq!(fmt_time(0, true), "1970-01-01 00:00");
    }
}
