//! OpenAPI 3.1 export per host (download links) and the comparison of a team's own spec with
//! the traffic: shadow APIs (called, not in the spec) and zombie APIs (deprecated in the spec
//! but called, or in the spec and never seen).

use super::apis_href;
use crate::api::assets::{
    AssetQuery, AssetsCompareSpec, FacetValue, SpecComparisonView, SpecOpView,
};
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::i18n::tr;
use crate::scope::use_scope;
use leptos::prelude::*;

/// The OpenAPI tab. It has its own tab, not a card under the inventory, because it lists every
/// host twice (export links, compare form): with hundreds of hosts that tripled the size of the
/// APIs tab, the console's busiest page.
#[component]
pub fn OpenApiTab() -> impl IntoView {
    let scope = use_scope();
    let facets = super::facets_resource(scope);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match facets.await {
                    Ok(f) if f.total == 0 => view! {
                        <section class="card">
                            <EmptyState title="No APIs discovered yet">
                                <p>"The OpenAPI export and the spec comparison need an analysed inventory."</p>
                            </EmptyState>
                        </section>
                    }.into_any(),
                    Ok(f) => view! { <SpecPanel hosts=f.hosts/> }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SpecPanel(hosts: Vec<FacetValue>) -> impl IntoView {
    let scope = use_scope();
    let compare = ServerAction::<AssetsCompareSpec>::new();
    let export_links = hosts
        .iter()
        .map(|h| {
            let href = format!(
                "{}&host={}",
                scope.href("/export/openapi.json"),
                crate::api::assets::encode(&h.key)
            );
            let file = format!("{}.openapi.json", h.key.replace([':', '/'], "_"));
            view! {
                <li><a href=href rel="external" download=file data-testid="openapi-link">{h.key.clone()}</a>
                " "<span class="muted">{format!("({} APIs)", h.count)}</span></li>
            }
        })
        .collect_view();
    let result = move || {
        compare.value().get().map(|r| match r {
            Ok(c) => view! { <ComparisonView c/> }.into_any(),
            Err(e) => view! { <ErrorView error=e/> }.into_any(),
        })
    };
    view! {
        <section class="card" data-testid="openapi">
            <h2>{tr("OpenAPI")}</h2>
            <div class="grid">
                <div>
                    <h3>{tr("Export the inventory (OpenAPI 3.1)")}</h3>
                    <p class="muted">"One document per host: paths, parameters, observed schemas and security schemes."</p>
                    <ul class="host-links">{export_links}</ul>
                </div>
                <div>
                    <h3>{tr("Compare with your own spec")}</h3>
                    <p class="muted">"Paste an OpenAPI 3 or Swagger 2 document (JSON or YAML). Nothing is stored."</p>
                    <ActionForm action=compare attr:class="inline-form spec-form">
                        <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                        {move || scope.rg.get().map(|rg| view! { <input type="hidden" name="rg" value=rg/> })}
                        <input type="hidden" name="region" value=move || scope.region.get()/>
                        <label>
                            <span>{tr("Host")}</span>" "
                            <select name="host" data-testid="spec-host">
                                <option value="">{tr("All hosts")}</option>
                                {hosts.iter().map(|h| view! { <option value=h.key.clone()>{h.key.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <textarea name="spec" rows="8" class="spec-text" data-testid="spec-text"
                            placeholder="openapi: 3.1.0\npaths:\n  /users/{id}:\n    get: {}"></textarea>
                        <button type="submit" class="btn btn-primary" data-testid="spec-compare">{tr("Compare")}</button>
                    </ActionForm>
                </div>
            </div>
            {result}
        </section>
    }
}

fn ops_list(ops: Vec<SpecOpView>, testid: &'static str) -> impl IntoView {
    if ops.is_empty() {
        return view! { <p class="muted">"None."</p> }.into_any();
    }
    view! {
        <ul class="op-list" data-testid=testid>
            {ops.into_iter().map(|o| view! {
                <li>
                    <code>{o.method}</code>" "<code>{o.path}</code>
                    {o.operation_id.map(|id| view! { " " <span class="muted">{id}</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ComparisonView(c: SpecComparisonView) -> impl IntoView {
    let scope = use_scope();
    let scope_label = if c.host.is_empty() {
        "all hosts".to_string()
    } else {
        c.host.clone()
    };
    view! {
        <div class="spec-result" data-testid="spec-result">
            <p>
                {format!(
                    "{} of the spec's {} operations were seen in the traffic of {scope_label} ({} APIs matched).",
                    c.spec_operations - c.zombie_unseen.len() as i64,
                    c.spec_operations,
                    c.matched
                )}
            </p>
            <div class="grid">
                <div>
                    <h3>{format!("Shadow APIs ({})", c.shadow.len())}</h3>
                    <p class="muted">"Called in the traffic but missing from the spec."</p>
                    {if c.shadow.is_empty() {
                        view! { <p class="muted">"None."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="op-list" data-testid="spec-shadow">
                                {c.shadow.into_iter().map(|(id, key)| view! {
                                    <li><a href=apis_href(scope, &AssetQuery::default(), Some(id))><code>{key}</code></a></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </div>
                <div>
                    <h3>{format!("Zombie APIs: deprecated but still called ({})", c.zombie_deprecated.len())}</h3>
                    {ops_list(c.zombie_deprecated, "spec-zombie-deprecated")}
                    <h3>{format!("Zombie APIs: in the spec, never seen ({})", c.zombie_unseen.len())}</h3>
                    {ops_list(c.zombie_unseen, "spec-zombie-unseen")}
                </div>
            </div>
        </div>
    }
}
