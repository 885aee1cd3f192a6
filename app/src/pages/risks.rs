//! Risks page (needs API security): count cards, filters, a sortable paged table with bulk
//! status change, a detail drawer (`?risk=<id>`) and the ignore rules. All state is in the URL.

use super::PageHeader;
use crate::api::risks::{
    risk_detail, risk_ignore_rules, risks_list, RiskDetailView, RiskIgnoreAdd, RiskIgnoreDelete,
    RiskListView, RisksSetStatus,
};
use crate::api::SessionInfo;
use crate::components::api_security::ApiSecurityGate;
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::components::list::{
    href_with, query_string, status_label, use_query_pairs, CountCard, CountCards, Drawer,
    FilterBar, FilterInput, FilterSelect, LevelBadge, Pager, SortHeader, StatusBadge,
};
use crate::i18n::{catalog_name, tr};
use crate::scope::use_scope;
use leptos::prelude::*;
use std::collections::BTreeSet;

const PATH: &str = "/risks";
const STATUSES: [&str; 4] = ["to_confirm", "confirmed", "fixed", "ignored"];
/// URL keys that are not list filters.
const NOT_FILTERS: [&str; 4] = ["tenant", "rg", "region", "risk"];

/// English label of a risk category key.
pub fn risk_category_label(key: &str) -> &'static str {
    match key {
        "security_spec" => tr("Security specification"),
        "account_security" => tr("Account security"),
        "access_control" => tr("Access control"),
        "api_design" => tr("API design"),
        "data_protection" => tr("Data protection"),
        "permission_management" => tr("Permission management"),
        "custom" => tr("Custom"),
        _ => tr("Other"),
    }
}

#[component]
pub fn RisksPage() -> impl IntoView {
    view! {
        <PageHeader title="Risks"/>
        <ApiSecurityGate><RisksView/></ApiSecurityGate>
    }
}

/// The hidden scope fields every action form posts.
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
fn RisksView() -> impl IntoView {
    let scope = use_scope();
    let pairs = use_query_pairs();
    let set_status = ServerAction::<RisksSetStatus>::new();
    let add_rule = ServerAction::<RiskIgnoreAdd>::new();
    let del_rule = ServerAction::<RiskIgnoreDelete>::new();
    let changes = move || {
        (
            set_status.version().get(),
            add_rule.version().get(),
            del_rule.version().get(),
        )
    };
    let list_query = Memo::new(move |_| pairs.with(|p| query_string(p, &NOT_FILTERS)));
    let list = Resource::new(
        move || {
            (
                scope.tenant.get(),
                scope.rg.get(),
                scope.region.get(),
                list_query.get(),
                changes(),
            )
        },
        |(t, rg, r, q, _)| risks_list(t, rg, r, q),
    );
    let selected = Memo::new(move |_| {
        pairs.with(|p| {
            p.iter()
                .find(|(k, _)| k == "risk")
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
                changes(),
            )
        },
        |(t, rg, r, id, _)| async move {
            match id {
                Some(id) => risk_detail(t, rg, r, id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let rules = Resource::new(
        move || {
            (
                scope.tenant.get(),
                scope.rg.get(),
                scope.region.get(),
                changes(),
            )
        },
        |(t, rg, r, _)| risk_ignore_rules(t, rg, r),
    );
    let checked = RwSignal::new(BTreeSet::<i64>::new());
    // A status change applies to what was selected; clear the selection afterwards.
    Effect::new(move |_| {
        if set_status.version().get() > 0 {
            checked.set(BTreeSet::new());
        }
    });
    let csv_href = move || {
        pairs.with(|p| href_with("/export/risks.csv", p, &[("risk", None), ("page", None)]))
    };
    let action_error = move || {
        let errs = [
            set_status.value().get().and_then(|r| r.err()),
            add_rule.value().get().and_then(|r| r.err()),
            del_rule.value().get().and_then(|r| r.err()),
        ];
        errs.into_iter()
            .flatten()
            .next()
            .map(|e| view! { <ErrorView error=e/> })
    };

    view! {
        {action_error}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(l) => view! {
                        <RiskCounts list=l.clone()/>
                        <RiskFilters list=l.clone()/>
                        <div class="list-actions">
                            <a class="btn" href=csv_href download="risks.csv" rel="external" data-testid="csv-link">
                                {tr("Export CSV")}
                            </a>
                            {l.can_edit.then(|| view! { <BulkBar action=set_status checked/> })}
                        </div>
                        <RiskTable list=l checked/>
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(d)) => view! { <RiskDrawer d set_status add_rule/> }.into_any(),
                    Ok(None) => view! { <span class="hidden" data-testid="no-drawer"></span> }.into_any(),
                    Err(e) => view! {
                        <Drawer close_href=Signal::derive(move || pairs.with(|p| href_with(PATH, p, &[("risk", None)]))) title=tr("Risk")>
                            <ErrorView error=e/>
                        </Drawer>
                    }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match rules.await {
                    Ok(rs) if !rs.is_empty() => view! { <IgnoreRules rules=rs del_rule/> }.into_any(),
                    _ => view! { <span class="hidden" data-testid="no-rules"></span> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RiskCounts(list: RiskListView) -> impl IntoView {
    let levels = list
        .by_level
        .iter()
        .map(|c| CountCard {
            key: c.key.clone(),
            label: crate::components::list::level_label(&c.key).to_string(),
            count: c.count,
            level: Some(c.key.clone()),
        })
        .collect::<Vec<_>>();
    let categories = list
        .by_category
        .iter()
        .map(|c| CountCard {
            key: c.key.clone(),
            label: risk_category_label(&c.key).to_string(),
            count: c.count,
            level: None,
        })
        .collect::<Vec<_>>();
    view! {
        <section class="card counts">
            <CountCards path=PATH param="level" title="By level" cards=levels/>
            <CountCards path=PATH param="category" title="By category" cards=categories/>
        </section>
    }
}

#[component]
fn RiskFilters(list: RiskListView) -> impl IntoView {
    let levels: Vec<(String, String)> = ["high", "medium", "low", "custom"]
        .iter()
        .map(|l| {
            (
                l.to_string(),
                crate::components::list::level_label(l).to_string(),
            )
        })
        .collect();
    let categories: Vec<(String, String)> = [
        "security_spec",
        "account_security",
        "access_control",
        "api_design",
        "data_protection",
        "permission_management",
        "custom",
    ]
    .iter()
    .map(|c| (c.to_string(), risk_category_label(c).to_string()))
    .collect();
    let types: Vec<(String, String)> = list
        .by_type
        .iter()
        .map(|c| (c.key.clone(), catalog_name("risk", &c.key, &c.name)))
        .collect();
    let statuses: Vec<(String, String)> = STATUSES
        .iter()
        .map(|s| (s.to_string(), status_label(s).to_string()))
        .collect();
    view! {
        <section class="card">
            <FilterBar path=PATH keep=&["tenant", "rg", "region", "sort", "dir"]>
                <FilterInput name="host" label="Domain" placeholder="api.example.com"/>
                <FilterInput name="path" label="Path" placeholder="/v1/users"/>
                <FilterSelect name="level" label="Level" options=levels/>
                <FilterSelect name="category" label="Category" options=categories/>
                <FilterSelect name="type" label="Risk type" options=types/>
                <FilterSelect name="status" label="Status" options=statuses/>
                <FilterInput name="from" label="Last seen from" kind="date"/>
                <FilterInput name="to" label="to" kind="date"/>
                <FilterApiKey/>
            </FilterBar>
        </section>
    }
}

/// Keeps an exact API filter (`api=`, set by links from an API's detail) across filter changes.
#[component]
fn FilterApiKey() -> impl IntoView {
    let pairs = use_query_pairs();
    move || {
        pairs.with(|p| {
            p.iter().find(|(k, _)| k == "api").map(|(_, v)| {
                view! {
                    <label class="filter">
                        <span>{tr("API")}</span>
                        <input type="text" name="api" value=v.clone() data-filter="api"/>
                    </label>
                }
            })
        })
    }
}

#[component]
fn BulkBar(
    action: ServerAction<RisksSetStatus>,
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
                {STATUSES
                    .iter()
                    .map(|s| view! { <option value=*s>{status_label(s)}</option> })
                    .collect_view()}
            </select>
            <button type="submit" class="btn" disabled=move || checked.with(|c| c.is_empty()) data-testid="bulk-apply">
                {tr("Set status of selected")}
            </button>
        </ActionForm>
    }
}

#[component]
fn RiskTable(list: RiskListView, checked: RwSignal<BTreeSet<i64>>) -> impl IntoView {
    let pairs = use_query_pairs();
    if list.rows.is_empty() {
        return view! {
            <section class="card">
                <EmptyState title="No risks">
                    <p>{tr("No risk matches these filters. Risks appear after an analysis of your traffic finds them.")}</p>
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
            <table class="table list-table" data-testid="risks-table">
                <thead>
                    <tr>
                        {can_edit.then(|| view! {
                            <th class="check-col">
                                <input type="checkbox" aria-label=tr("Select all on this page")
                                    prop:checked=all_checked on:change=toggle_all.clone() data-testid="select-all"/>
                            </th>
                        })}
                        <SortHeader path=PATH key="level" label="Level" default_key="level"/>
                        <SortHeader path=PATH key="name" label="Risk" default_key="level"/>
                        <SortHeader path=PATH key="api" label="API" default_key="level"/>
                        <SortHeader path=PATH key="category" label="Category" default_key="level"/>
                        <SortHeader path=PATH key="hits" label="Hits" default_key="level"/>
                        <SortHeader path=PATH key="first_seen" label="First seen" default_key="level"/>
                        <SortHeader path=PATH key="last_seen" label="Last seen" default_key="level"/>
                        <SortHeader path=PATH key="status" label="Status" default_key="level"/>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .rows
                        .into_iter()
                        .map(|r| {
                            let id = r.id;
                            let href = pairs.with_untracked(|p| href_with(PATH, p, &[("risk", Some(id.to_string()))]));
                            let toggle = move |_| {
                                checked.update(|c| {
                                    if !c.remove(&id) {
                                        c.insert(id);
                                    }
                                })
                            };
                            view! {
                                <tr data-testid="risk-row" data-id=id data-level=r.level.clone() data-status=r.status.clone()>
                                    {can_edit.then(|| view! {
                                        <td class="check-col">
                                            <input type="checkbox" aria-label=tr("Select")
                                                prop:checked=move || checked.with(|c| c.contains(&id))
                                                on:change=toggle data-testid="row-check"/>
                                        </td>
                                    })}
                                    <td><LevelBadge level=r.level.clone()/></td>
                                    <td><a href=href data-testid="risk-link">{catalog_name("risk", &r.type_key, &r.name)}</a></td>
                                    <td class="api-cell">
                                        <code class="method">{r.method.clone()}</code>" "
                                        <span class="host">{r.host.clone()}</span>
                                        <span class="path">{r.path.clone()}</span>
                                    </td>
                                    <td>{risk_category_label(&r.category)}</td>
                                    <td class="num">{r.hits}</td>
                                    <td class="nowrap">{r.first_seen.clone()}</td>
                                    <td class="nowrap">{r.last_seen.clone()}</td>
                                    <td><StatusBadge status=r.status.clone()/></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <Pager path=PATH total=list.total page=list.page per_page=list.per_page/>
        </section>
    }
    .into_any()
}

#[component]
fn RiskDrawer(
    d: RiskDetailView,
    set_status: ServerAction<RisksSetStatus>,
    add_rule: ServerAction<RiskIgnoreAdd>,
) -> impl IntoView {
    let pairs = use_query_pairs();
    let scope = use_scope();
    let close = Signal::derive(move || pairs.with(|p| href_with(PATH, p, &[("risk", None)])));
    let r = d.row.clone();
    let id = r.id;
    let title = catalog_name("risk", &r.type_key, &r.name);
    let api_href = d.api_id.map(|api| {
        let base = scope.href("/assets");
        format!("{base}&api={api}")
    });
    let current = r.status.clone();
    view! {
        <Drawer close_href=close title=title>
            <div class="drawer-meta" data-testid="risk-detail" data-id=id>
                <LevelBadge level=r.level.clone()/>
                " "
                <span data-testid="risk-status"><StatusBadge status=r.status.clone()/></span>
                " "
                <span class="muted">{risk_category_label(&r.category)}</span>
            </div>
            <dl class="facts">
                <dt>{tr("API")}</dt>
                <dd>
                    <code>{r.method.clone()}</code>" "{r.host.clone()}{r.path.clone()}
                    {api_href.map(|h| view! { " " <a href=h>{tr("API details")}</a> })}
                </dd>
                <dt>{tr("Hits")}</dt><dd>{r.hits}</dd>
                <dt>{tr("First seen")}</dt><dd>{r.first_seen.clone()}</dd>
                <dt>{tr("Last seen")}</dt><dd>{r.last_seen.clone()}</dd>
                {d.changed_at.clone().map(|at| view! {
                    <dt>{tr("Status changed")}</dt>
                    <dd>{at}" "{d.changed_by.clone().map(|u| format!("· {u}"))}
                        {(!d.note.is_empty()).then(|| view! { <span class="muted">" · "{d.note.clone()}</span> })}
                    </dd>
                })}
            </dl>
            <h3>{tr("Evidence")}</h3>
            <pre class="evidence" data-testid="risk-evidence">{r.evidence.clone()}</pre>
            <h3>{tr("Description")}</h3>
            <p>{d.description.clone()}</p>
            <h3>{tr("Suggestion")}</h3>
            <p>{d.suggestion.clone()}</p>
            {r.ignored_by_rule.map(|rule| view! {
                <p class="alert alert-info" data-testid="ignored-by-rule">
                    {tr("Ignored by ignore rule")}" #"{rule}". "
                    {tr("Delete the rule below to see this risk's own status again.")}
                </p>
            })}
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
                    <h3>{tr("Ignore rule")}</h3>
                    <p class="muted">{tr("An ignore rule keeps this risk ignored after every later analysis.")}</p>
                    <div class="actions">
                        <ActionForm action=add_rule attr:class="inline-form">
                            <ScopeFields/>
                            <input type="hidden" name="risk_id" value=id/>
                            <input type="hidden" name="mode" value="api"/>
                            <button type="submit" class="btn" data-testid="ignore-api">{tr("Ignore this risk on this API")}</button>
                        </ActionForm>
                        <ActionForm action=add_rule attr:class="inline-form">
                            <ScopeFields/>
                            <input type="hidden" name="risk_id" value=id/>
                            <input type="hidden" name="mode" value="host"/>
                            <button type="submit" class="btn" data-testid="ignore-host">{tr("Ignore this risk type on the whole host")}</button>
                        </ActionForm>
                    </div>
                }
            })}
            {(!d.history.is_empty()).then(|| view! {
                <h3>{tr("History")}</h3>
                <ul class="history" data-testid="risk-history">
                    {d.history.iter().map(|h| view! {
                        <li><span class="nowrap">{h.at.clone()}</span>" · "{h.actor.clone()}" · "{h.change.clone()}</li>
                    }).collect_view()}
                </ul>
            })}
            {(!d.can_edit).then(|| view! { <p class="muted">{tr("Only analysts and admins can change the status.")}</p> })}
        </Drawer>
    }
}

#[component]
fn IgnoreRules(
    rules: Vec<crate::api::risks::IgnoreRuleView>,
    del_rule: ServerAction<RiskIgnoreDelete>,
) -> impl IntoView {
    view! {
        <section class="card" data-testid="ignore-rules">
            <h2>{tr("Ignore rules")}</h2>
            <p class="muted">{tr("Risks matching a rule show as ignored, in this and every later analysis.")}</p>
            <table class="table">
                <thead><tr><th>"#"</th><th>{tr("Rule")}</th><th>{tr("Added")}</th><th></th></tr></thead>
                <tbody>
                    {rules.into_iter().map(|r| view! {
                        <tr data-testid="ignore-rule" data-id=r.id>
                            <td>{r.id}</td>
                            <td>{tr("Ignore")}" "{r.description.clone()}</td>
                            <td class="nowrap">{r.created_at.clone()}" "{r.created_by.clone().map(|u| format!("· {u}"))}</td>
                            <td>
                                <ActionForm action=del_rule attr:class="inline-form">
                                    <ScopeFields/>
                                    <input type="hidden" name="id" value=r.id/>
                                    <button type="submit" class="btn" data-testid="delete-rule">{tr("Delete")}</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}
