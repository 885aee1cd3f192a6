//! The detail panel of one API (`?api=<id>`): parameters with masked examples, purposes,
//! authentication, statuses, content types, calls per day, sensitive types, risks and events.

use super::{auth_label, service_label, LevelBadge, PurposeBadges, SensitivityBadge};
use crate::api::assets::{asset_detail, encode, AssetDetailView, TypeCount};
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::i18n::{catalog_name, tr};
use crate::scope::use_scope;
use leptos::prelude::*;

#[component]
pub fn ApiDetailPanel(id: i64, close_href: String) -> impl IntoView {
    let scope = use_scope();
    let detail = Resource::new(
        move || (scope.tenant.get(), scope.rg.get(), scope.region.get()),
        move |(t, rg, r)| asset_detail(t, rg, r, id),
    );
    view! {
        <aside class="card asset-detail" data-testid="asset-detail">
            <div class="card-head">
                <h2>{tr("API details")}</h2>
                <span class="spacer"></span>
                <a class="btn" href=close_href data-testid="detail-close">{tr("Close")}</a>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => view! { <DetailBody d/> }.into_any(),
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}

fn pairs_view(items: Vec<(String, u64)>, testid: &'static str) -> impl IntoView {
    if items.is_empty() {
        return view! { <span class="muted">"—"</span> }.into_any();
    }
    view! {
        <ul class="kv" data-testid=testid>
            {items.into_iter().map(|(k, n)| view! { <li><code>{k}</code>" "<span class="muted">{format!("× {n}")}</span></li> }).collect_view()}
        </ul>
    }
    .into_any()
}

fn types_view(types: Vec<TypeCount>, testid: &'static str) -> impl IntoView {
    if types.is_empty() {
        return view! { <p class="muted">{tr("None found")}</p> }.into_any();
    }
    view! {
        <table class="table compact" data-testid=testid>
            <thead><tr><th>{tr("Type")}</th><th>{tr("Level")}</th><th>{tr("Values")}</th></tr></thead>
            <tbody>
                {types.into_iter().map(|t| view! {
                    <tr>
                        <td>{catalog_name("sensitive", &t.key, &t.name)}" "<span class="muted">{format!("({})", t.type_id)}</span></td>
                        <td><LevelBadge level=t.level/></td>
                        <td class="num">{t.count}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn DetailBody(d: AssetDetailView) -> impl IntoView {
    let scope = use_scope();
    let r = d.row;
    let api_q = encode(&r.api_key);
    let risks_href = format!("{}&api={api_q}", scope.href("/risks"));
    let events_href = format!("{}&api={api_q}", scope.href("/events"));
    let auth = if r.auth.is_empty() {
        tr("None observed").to_string()
    } else {
        r.auth
            .iter()
            .map(|a| auth_label(a))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let params = d.params;
    let risks = d.risks;
    let events = d.events;
    view! {
        <h3 class="api-title" data-testid="detail-title"><code>{r.method.clone()}</code>" "<span>{r.host.clone()}</span><span>{r.path.clone()}</span></h3>
        <dl class="facts">
            <dt>{tr("Purposes")}</dt><dd data-testid="detail-purposes">
                {if r.purposes.is_empty() { Some(view! { <span class="muted">{tr("None identified")}</span> }) } else { None }}
                <PurposeBadges purposes=r.purposes.clone()/>
            </dd>
            <dt>{tr("Service object")}</dt><dd>{service_label(&r.service_object)}</dd>
            <dt>{tr("Sensitivity")}</dt><dd><SensitivityBadge level=r.sensitivity.clone()/></dd>
            <dt>{tr("Authentication")}</dt><dd data-testid="detail-auth">{auth}</dd>
            <dt>{tr("Calls")}</dt><dd>{format!("{} from {} clients", r.calls, r.distinct_clients)}</dd>
            <dt>{tr("First seen")}</dt><dd>{r.first_seen.clone()}</dd>
            <dt>{tr("Last seen")}</dt><dd>{format!("{}{}", r.last_seen, if r.active { "" } else { " (inactive: no call in 30 days)" })}</dd>
            <dt>{tr("Status codes")}</dt><dd>{pairs_view(d.statuses, "detail-statuses")}</dd>
            <dt>{tr("Response content types")}</dt><dd>{pairs_view(d.content_types, "detail-content-types")}</dd>
            <dt>{tr("Calls per day")}</dt><dd>{pairs_view(d.calls_per_day, "detail-calls-per-day")}</dd>
        </dl>
        <h3>{tr("Parameters")}</h3>
        {if params.is_empty() {
            view! { <p class="muted">{tr("No parameters observed.")}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                <table class="table compact" data-testid="detail-params">
                    <thead><tr><th>{tr("In")}</th><th>{tr("Name")}</th><th>{tr("Types")}</th><th>{tr("Example (masked)")}</th><th>{tr("Seen")}</th></tr></thead>
                    <tbody>
                        {params.into_iter().map(|p| view! {
                            <tr>
                                <td>{p.location}</td>
                                <td><code>{p.field}</code></td>
                                <td>{p.types.join(", ")}</td>
                                <td><code class="sample">{p.example}</code></td>
                                <td class="num">{p.count}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            }.into_any()
        }}
        <div class="grid">
            <div>
                <h3>{tr("Sensitive data in requests")}</h3>
                {types_view(d.request_types, "detail-request-types")}
            </div>
            <div>
                <h3>{tr("Sensitive data in responses")}</h3>
                {types_view(d.response_types, "detail-response-types")}
            </div>
        </div>
        <h3>{tr("Risks")}" "<a class="small" href=risks_href data-testid="detail-risks-link">{tr("Open in Risks")}</a></h3>
        {if risks.is_empty() {
            view! { <EmptyState title="No risks on this API"><p>"Nothing was found in the analysed traffic."</p></EmptyState> }.into_any()
        } else {
            view! {
                <table class="table compact" data-testid="detail-risks">
                    <thead><tr><th>{tr("Risk")}</th><th>{tr("Level")}</th><th>{tr("Evidence")}</th><th>{tr("Hits")}</th><th>{tr("Last seen")}</th></tr></thead>
                    <tbody>
                        {risks.into_iter().map(|k| view! {
                            <tr>
                                <td>{catalog_name("risk", &k.type_key, &k.name)}</td>
                                <td><span class=format!("badge level-{}", k.level)>{k.level.clone()}</span></td>
                                <td><code class="sample">{k.evidence}</code></td>
                                <td class="num">{k.hits}</td>
                                <td class="nowrap">{k.last_seen}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h3>{tr("Events")}" "<a class="small" href=events_href data-testid="detail-events-link">{tr("Open in Events")}</a></h3>
        {if events.is_empty() {
            view! { <EmptyState title="No events on this API"><p>"No anomalous access was found."</p></EmptyState> }.into_any()
        } else {
            view! {
                <table class="table compact" data-testid="detail-events">
                    <thead><tr><th>{tr("Event")}</th><th>{tr("Level")}</th><th>{tr("Source")}</th><th>{tr("Count")}</th><th>{tr("From")}</th><th>{tr("To")}</th></tr></thead>
                    <tbody>
                        {events.into_iter().map(|e| view! {
                            <tr>
                                <td>{catalog_name("event", &e.type_key, &e.name)}</td>
                                <td><span class=format!("badge level-{}", e.level)>{e.level.clone()}</span></td>
                                <td><code>{e.subject}</code></td>
                                <td class="num">{e.count}</td>
                                <td class="nowrap">{e.start}</td>
                                <td class="nowrap">{e.end}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
