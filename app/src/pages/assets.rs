//! Assets page (needs API security): the API inventory with filters, sort, paging and a detail
//! panel; the sensitive data tab; the OpenAPI tab (export per host, spec comparison); CSV
//! export and template corrections. All view state (tab, filters, sort, page, selected API or type) lives in the
//! URL query, so every view is a link and is rendered by the server.
//!
//! Every string that comes from logs (hosts, paths, parameter names, masked examples,
//! evidence) is rendered as text; this page never uses inner_html.

mod corrections;
mod detail;
mod sensitive;
mod spec;

use super::PageHeader;
use crate::api::assets::{
    assets_facets, assets_list, AssetFacets, AssetQuery, AssetRow, FacetValue,
};
use crate::components::api_security::ApiSecurityGate;
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::i18n::{catalog_name, tr};
use crate::scope::{use_scope, Scope};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AssetsPage() -> impl IntoView {
    view! {
        <PageHeader title="Assets" subtitle="APIs discovered in your traffic, their purposes and the sensitive data they carry."/>
        <ApiSecurityGate><AssetsView/></ApiSecurityGate>
    }
}

/// `/assets?<scope>&tab=<tab>`.
fn tab_base(scope: Scope, tab: &str) -> String {
    format!("{}&tab={tab}", scope.href("/assets"))
}

/// Link to the APIs tab with `q` (and optionally an open detail).
pub(crate) fn apis_href(scope: Scope, q: &AssetQuery, api: Option<i64>) -> String {
    let mut s = format!("{}{}", tab_base(scope, "apis"), q.to_query());
    if let Some(id) = api {
        s.push_str(&format!("&api={id}"));
    }
    s
}

#[component]
fn AssetsView() -> impl IntoView {
    let scope = use_scope();
    let query = use_query_map();
    let tab = Memo::new(move |_| {
        query
            .with(|q| q.get("tab"))
            .filter(|t| t == "sensitive" || t == "openapi")
            .unwrap_or_else(|| "apis".into())
    });
    let tab_class = move |t: &'static str| {
        move || {
            if tab.get() == t {
                "tab active"
            } else {
                "tab"
            }
        }
    };
    view! {
        <nav class="tabs" data-testid="asset-tabs">
            <a href=move || tab_base(scope, "apis") class=tab_class("apis") data-testid="tab-apis">{tr("APIs")}</a>
            <a href=move || tab_base(scope, "sensitive") class=tab_class("sensitive") data-testid="tab-sensitive">{tr("Sensitive data")}</a>
            <a href=move || tab_base(scope, "openapi") class=tab_class("openapi") data-testid="tab-openapi">{tr("OpenAPI")}</a>
        </nav>
        {move || match tab.get().as_str() {
            "sensitive" => view! { <sensitive::SensitiveTab/> }.into_any(),
            "openapi" => view! { <spec::OpenApiTab/> }.into_any(),
            _ => view! { <ApisTab/> }.into_any(),
        }}
    }
}

pub(crate) fn service_label(s: &str) -> &'static str {
    match s {
        "internal_office" => tr("Internal office"),
        "third_party" => tr("Third-party cooperation"),
        "public_service" => tr("Public service"),
        _ => tr("Unknown"),
    }
}

pub(crate) fn auth_label(s: &str) -> &'static str {
    match s {
        "cookie_session" => "Cookie session",
        "bearer_jwt" => "Bearer JWT",
        "bearer_token" => "Bearer token",
        "basic" => "Basic",
        "api_key_header" => "API key (header)",
        "api_key_query" => "API key (query)",
        _ => "Other",
    }
}

/// Badge of an API sensitivity (`high`, `medium`, `low`, `none`).
#[component]
pub(crate) fn SensitivityBadge(level: String) -> impl IntoView {
    let (class, label) = match level.as_str() {
        "high" => ("badge level-high", tr("High")),
        "medium" => ("badge level-medium", tr("Medium")),
        "low" => ("badge level-low", tr("Low")),
        _ => ("badge", tr("None")),
    };
    view! { <span class=class data-testid="sensitivity">{label}</span> }
}

/// Badge of a sensitivity level `S1`..`S4`.
#[component]
pub(crate) fn LevelBadge(level: String) -> impl IntoView {
    let class = match level.as_str() {
        "S4" | "S3" => "badge level-high",
        "S2" => "badge level-medium",
        "S1" => "badge level-low",
        _ => "badge",
    };
    let label = if level.is_empty() {
        "custom".to_string()
    } else {
        level
    };
    view! { <span class=class>{label}</span> }
}

/// Purpose badges of an API.
#[component]
pub(crate) fn PurposeBadges(purposes: Vec<crate::api::assets::PurposeBadge>) -> impl IntoView {
    purposes
        .into_iter()
        .map(|p| {
            let name = catalog_name("purpose_type", &p.type_key, &p.name);
            view! { <span class="badge badge-info purpose" title=p.purpose>{name}</span>" " }
        })
        .collect_view()
}

#[component]
fn ApisTab() -> impl IntoView {
    let scope = use_scope();
    let query = use_query_map();
    let aq = Memo::new(move |_| query.with(|q| AssetQuery::from_lookup(|k| q.get(k))));
    let selected = Memo::new(move |_| {
        query
            .with(|q| q.get("api"))
            .and_then(|v| v.parse::<i64>().ok())
    });
    let facets = facets_resource(scope);
    let list = Resource::new(
        move || {
            (
                scope.tenant.get(),
                scope.rg.get(),
                scope.region.get(),
                aq.get(),
            )
        },
        |(t, rg, r, q)| assets_list(t, rg, r, q),
    );
    let csv_href = move || {
        format!(
            "{}{}",
            scope.href("/export/assets.csv"),
            aq.get().to_query()
        )
    };
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match facets.await {
                    Ok(f) if f.total == 0 => view! {
                        <section class="card">
                            <EmptyState title="No APIs discovered yet">
                                <p>
                                    "APIs appear here after the first analysis of this region's logs. Add a log source under "
                                    <a href=move || scope.href("/data-sources")>"Data sources"</a>
                                    "."
                                </p>
                            </EmptyState>
                        </section>
                    }.into_any(),
                    // Rebuilt when the query changes by a link (sort, page, clear), so the
                    // form's fields and hidden sort never go stale.
                    Ok(f) => (move || view! { <FilterBar facets=f.clone() aq=aq.get()/> }).into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
        {move || selected.get().map(|id| view! {
            <detail::ApiDetailPanel id close_href=apis_href(scope, &aq.get(), None)/>
        })}
        <section class="card">
            <div class="card-head">
                <h2>{tr("APIs")}</h2>
                <span class="spacer"></span>
                <a class="btn" href=csv_href rel="external" download="assets.csv" data-testid="csv-export">{tr("Export CSV")}</a>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(p) => view! { <ApiTable page=p aq=aq.get_untracked()/> }.into_any(),
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <corrections::CorrectionsPanel/>
    }
}

/// The scope's facets (hosts, purposes, service objects), reloaded when the scope changes.
pub(crate) fn facets_resource(
    scope: Scope,
) -> Resource<Result<AssetFacets, crate::error::AppError>> {
    Resource::new(
        move || (scope.tenant.get(), scope.rg.get(), scope.region.get()),
        |(t, rg, r)| assets_facets(t, rg, r),
    )
}

/// A `<select>` of facet values (plus "any").
#[component]
fn FacetSelect(
    name: &'static str,
    label: &'static str,
    values: Vec<FacetValue>,
    current: String,
    #[prop(optional)] catalog_kind: &'static str,
) -> impl IntoView {
    view! {
        <label class="filter">
            <span>{tr(label)}</span>
            <select name=name data-testid=format!("filter-{name}")>
                <option value="" selected=current.is_empty()>{tr("Any")}</option>
                {values.into_iter().map(|v| {
                    let text = if catalog_kind.is_empty() {
                        v.label.clone()
                    } else {
                        catalog_name(catalog_kind, &v.key, &v.label)
                    };
                    let sel = current == v.key;
                    view! { <option value=v.key selected=sel>{format!("{text} ({})", v.count)}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// A fixed `<select>` (value, label).
#[component]
fn ChoiceSelect(
    name: &'static str,
    label: &'static str,
    choices: Vec<(&'static str, &'static str)>,
    current: String,
) -> impl IntoView {
    view! {
        <label class="filter">
            <span>{tr(label)}</span>
            <select name=name data-testid=format!("filter-{name}")>
                <option value="" selected=current.is_empty()>{tr("Any")}</option>
                {choices.into_iter().map(|(v, l)| view! {
                    <option value=v selected=current == v>{tr(l)}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// The filter bar: a GET form onto this page, so filters land in the URL.
#[component]
fn FilterBar(facets: AssetFacets, aq: AssetQuery) -> impl IntoView {
    let scope = use_scope();
    let services: Vec<FacetValue> = facets
        .service_objects
        .iter()
        .map(|v| FacetValue {
            label: service_label(&v.key).to_string(),
            ..v.clone()
        })
        .collect();
    let clear = apis_href(
        scope,
        &AssetQuery {
            sort: aq.sort.clone(),
            dir: aq.dir.clone(),
            ..AssetQuery::default()
        },
        None,
    );
    view! {
        <form method="get" action="/assets" class="card filter-bar" data-testid="asset-filters">
            <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
            {move || scope.rg.get().map(|rg| view! { <input type="hidden" name="rg" value=rg/> })}
            <input type="hidden" name="region" value=move || scope.region.get()/>
            <input type="hidden" name="tab" value="apis"/>
            <input type="hidden" name="sort" value=aq.sort.clone()/>
            <input type="hidden" name="dir" value=aq.dir.clone()/>
            <FacetSelect name="host" label="Host" values=facets.hosts.clone() current=aq.host.clone()/>
            <label class="filter">
                <span>{tr("Domain contains")}</span>
                <input type="text" name="domain" value=aq.domain.clone() placeholder="example.com" data-testid="filter-domain"/>
            </label>
            <FacetSelect name="purpose" label="Purpose" values=facets.purposes.clone() current=aq.purpose.clone() catalog_kind="purpose"/>
            <FacetSelect name="ptype" label="Purpose type" values=facets.purpose_types.clone() current=aq.ptype.clone() catalog_kind="purpose_type"/>
            <FacetSelect name="service" label="Service object" values=services current=aq.service.clone()/>
            <ChoiceSelect name="sens" label="Sensitivity" current=aq.sens.clone()
                choices=vec![("high", "High"), ("medium", "Medium"), ("low", "Low"), ("none", "None")]/>
            <ChoiceSelect name="auth" label="Authenticated" current=aq.auth.clone()
                choices=vec![("yes", "Yes"), ("no", "No")]/>
            <ChoiceSelect name="active" label="Active" current=aq.active.clone()
                choices=vec![("yes", "Active"), ("no", "Inactive")]/>
            <label class="filter">
                <span>{tr("Path contains")}</span>
                <input type="text" name="q" value=aq.q.clone() placeholder="/users" data-testid="filter-q"/>
            </label>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary" data-testid="filter-apply">{tr("Apply")}</button>
                <a class="btn" href=clear>{tr("Clear")}</a>
            </div>
        </form>
    }
}

/// Sortable column header.
#[component]
fn SortHeader(
    column: &'static str,
    label: &'static str,
    aq: AssetQuery,
    sort: String,
    desc: bool,
) -> impl IntoView {
    let scope = use_scope();
    let href = apis_href(scope, &aq.sorted_by(column), None);
    let mark = if sort == column {
        if desc {
            " ↓"
        } else {
            " ↑"
        }
    } else {
        ""
    };
    view! {
        <th class=if sort == column { "sorted" } else { "" }>
            <a href=href data-testid=format!("sort-{column}")>{format!("{}{mark}", tr(label))}</a>
        </th>
    }
}

#[component]
fn ApiTable(page: crate::api::assets::AssetPage, aq: AssetQuery) -> impl IntoView {
    let scope = use_scope();
    if page.total == 0 {
        return view! {
            <EmptyState title="No API matches these filters">
                <p>"Change or clear the filters above."</p>
            </EmptyState>
        }
        .into_any();
    }
    let pages = (page.total + page.page_size - 1) / page.page_size;
    let first = (page.page - 1) * page.page_size + 1;
    let last = (first + page.rows.len() as i64 - 1).max(first);
    let (sort, desc) = (page.sort.clone(), page.desc);
    // What the rows are sorted by, for tests and scripts waiting for a new page.
    let (sort_attr, dir_attr) = (page.sort.clone(), if desc { "desc" } else { "asc" });
    let haq = aq.clone();
    let h = move |column: &'static str, label: &'static str| {
        view! { <SortHeader column label aq=haq.clone() sort=sort.clone() desc/> }
    };
    let headers = view! {
        <tr>
            {h("host", "Host")}
            <th>{tr("Method")}</th>
            {h("path", "Path")}
            <th>{tr("Purposes")}</th>
            <th>{tr("Service object")}</th>
            {h("sensitivity_rank", "Sensitivity")}
            <th>{tr("Authentication")}</th>
            {h("calls", "Calls")}
            {h("last_seen", "Last seen")}
            <th>{tr("Active")}</th>
            {h("risk_count", "Risks")}
        </tr>
    };
    let prev = (page.page > 1).then(|| apis_href(scope, &aq.with_page(page.page - 1), None));
    let next = (page.page < pages).then(|| apis_href(scope, &aq.with_page(page.page + 1), None));
    let rows = page
        .rows
        .into_iter()
        .map(|r| view! { <ApiRowView r aq=aq.clone()/> })
        .collect_view();
    view! {
        <p class="muted" data-testid="asset-count">
            {format!("{first}–{last} of {} APIs", page.total)}
        </p>
        <div class="table-wrap">
            <table class="table assets-table" data-testid="asset-table" data-sort=sort_attr data-dir=dir_attr data-page=page.page>
                <thead>{headers}</thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager" data-testid="pager">
            {match prev {
                Some(href) => view! { <a class="btn" href=href data-testid="page-prev">{tr("Previous")}</a> }.into_any(),
                None => view! { <span class="btn disabled">{tr("Previous")}</span> }.into_any(),
            }}
            <span class="muted">{format!("Page {} of {pages}", page.page)}</span>
            {match next {
                Some(href) => view! { <a class="btn" href=href data-testid="page-next">{tr("Next")}</a> }.into_any(),
                None => view! { <span class="btn disabled">{tr("Next")}</span> }.into_any(),
            }}
        </nav>
    }
    .into_any()
}

#[component]
fn ApiRowView(r: AssetRow, aq: AssetQuery) -> impl IntoView {
    let scope = use_scope();
    let href = apis_href(scope, &aq, Some(r.id));
    let auth = if r.auth.is_empty() {
        tr("None").to_string()
    } else {
        r.auth
            .iter()
            .map(|a| auth_label(a))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <tr data-testid="asset-row" data-api-id=r.id.to_string()>
            <td class="host" data-testid="asset-host">{r.host}</td>
            <td><code>{r.method}</code></td>
            <td class="path"><a href=href data-testid="asset-link">{r.path}</a></td>
            <td><PurposeBadges purposes=r.purposes/></td>
            <td>{service_label(&r.service_object)}</td>
            <td><SensitivityBadge level=r.sensitivity/></td>
            <td class:muted=!r.authenticated>{auth}</td>
            <td class="num" data-testid="asset-calls">{r.calls}</td>
            <td class="nowrap">{r.last_seen}</td>
            <td>{if r.active {
                view! { <span class="badge badge-ok">{tr("Active")}</span> }.into_any()
            } else {
                view! { <span class="badge">{tr("Inactive")}</span> }.into_any()
            }}</td>
            <td class="num">{r.risk_count}</td>
        </tr>
    }
}
