//! The Sensitive data tab: per sensitive type the values found in requests and responses and
//! the APIs carrying it (`?tab=sensitive`); one type's APIs with `&type=<id>`.

use super::{apis_href, LevelBadge, SensitivityBadge};
use crate::api::assets::{sensitive_type_apis, sensitive_types, AssetQuery, TypeApisView};
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::i18n::{catalog_name, tr};
use crate::scope::use_scope;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SensitiveTab() -> impl IntoView {
    let scope = use_scope();
    let query = use_query_map();
    let selected = Memo::new(move |_| {
        query
            .with(|q| q.get("type"))
            .and_then(|v| v.parse::<i64>().ok())
    });
    let types = Resource::new(
        move || (scope.tenant.get(), scope.rg.get(), scope.region.get()),
        |(t, rg, r)| sensitive_types(t, rg, r),
    );
    let type_href = move |id: u32| format!("{}&tab=sensitive&type={id}", scope.href("/assets"));
    view! {
        {move || selected.get().map(|id| view! { <TypeApis type_id=id/> })}
        <section class="card" data-testid="sensitive-types">
            <h2>{tr("Sensitive data types")}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match types.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <EmptyState title="No sensitive data found">
                                <p>"No sensitive values were found in the analysed requests and responses of this region."</p>
                            </EmptyState>
                        }.into_any(),
                        Ok(rows) => view! {
                            <p class="muted">{format!("{} types found", rows.len())}</p>
                            <table class="table" data-testid="sensitive-table">
                                <thead><tr>
                                    <th>{tr("Type")}</th><th>{tr("ID")}</th><th>{tr("Level")}</th>
                                    <th>{tr("Values in requests")}</th><th>{tr("Values in responses")}</th><th>{tr("APIs")}</th>
                                </tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|t| {
                                        let id = t.type_id as i64;
                                        view! {
                                        <tr data-testid="sensitive-row" class:selected=move || selected.get() == Some(id)>
                                            <td><a href=type_href(t.type_id) data-testid="sensitive-link">{catalog_name("sensitive", &t.key, &t.name)}</a></td>
                                            <td class="muted">{t.type_id}</td>
                                            <td><LevelBadge level=t.level/></td>
                                            <td class="num">{format!("{} ({} APIs)", t.request_values, t.request_apis)}</td>
                                            <td class="num">{format!("{} ({} APIs)", t.response_values, t.response_apis)}</td>
                                            <td class="num" data-testid="sensitive-apis">{t.apis}</td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TypeApis(type_id: i64) -> impl IntoView {
    let scope = use_scope();
    let data = Resource::new(
        move || (scope.tenant.get(), scope.rg.get(), scope.region.get()),
        move |(t, rg, r)| sensitive_type_apis(t, rg, r, type_id),
    );
    let close = move || format!("{}&tab=sensitive", scope.href("/assets"));
    view! {
        <section class="card" data-testid="type-apis">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <TypeApisBody d close=close()/> }.into_any(),
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TypeApisBody(d: TypeApisView, close: String) -> impl IntoView {
    let scope = use_scope();
    let title = catalog_name("sensitive", &d.key, &d.name);
    view! {
        <div class="card-head">
            <h2>{title}" "<LevelBadge level=d.level/></h2>
            <span class="spacer"></span>
            <a class="btn" href=close>{tr("Close")}</a>
        </div>
        {if d.apis.is_empty() {
            view! { <p class="muted">{tr("No API carries this type in this region.")}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="type-api-table">
                    <thead><tr>
                        <th>{tr("Host")}</th><th>{tr("Method")}</th><th>{tr("Path")}</th><th>{tr("Sensitivity")}</th>
                        <th>{tr("Calls")}</th><th>{tr("Values in requests")}</th><th>{tr("Values in responses")}</th>
                    </tr></thead>
                    <tbody>
                        {d.apis.into_iter().map(|a| view! {
                            <tr data-testid="type-api-row">
                                <td>{a.host}</td>
                                <td><code>{a.method}</code></td>
                                <td><a href=apis_href(scope, &AssetQuery::default(), Some(a.id))>{a.path}</a></td>
                                <td><SensitivityBadge level=a.sensitivity/></td>
                                <td class="num">{a.calls}</td>
                                <td class="num">{a.request_values}</td>
                                <td class="num">{a.response_values}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
