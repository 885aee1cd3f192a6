use super::PageHeader;
use crate::api::basic_detection;
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::i18n::{catalog_name, tr};
use crate::scope::use_scope;
use leptos::prelude::*;

/// Basic Detection: free, always on. Event and asset overview plus the latest 10 events, with
/// no detail views (that is the paid service).
#[component]
pub fn BasicDetectionPage() -> impl IntoView {
    let scope = use_scope();
    let data = Resource::new(
        move || (scope.tenant.get(), scope.rg.get(), scope.region.get()),
        |(t, rg, region)| basic_detection(t, rg, region),
    );
    view! {
        <PageHeader title="Basic Detection" subtitle="Free and always on for every tenant."/>
        <div class="alert alert-info" data-testid="basic-limits">
            {tr("Basic Detection runs a basic analysis and shows less than the paid API security service: no detail views, and results may be incomplete or delayed.")}
            " "
            {tr("For details, risks and trends, enable API security on the ")}
            <a href=move || scope.href("/overview")>{tr("Overview")}</a>
            {tr(" page.")}
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        <div class="grid">
                            <section class="card" data-testid="events-overview">
                                <h2>{tr("Security event overview")}</h2>
                                <div class="stat-row">
                                    <div class="stat"><span class="num" data-testid="events-total">{d.events_total}</span><span>{tr("Total")}</span></div>
                                    <div class="stat"><span class="num level-high" data-testid="events-high">{d.events_high}</span><span>{tr("High")}</span></div>
                                    <div class="stat"><span class="num level-medium" data-testid="events-medium">{d.events_medium}</span><span>{tr("Medium")}</span></div>
                                    <div class="stat"><span class="num level-low" data-testid="events-low">{d.events_low}</span><span>{tr("Low")}</span></div>
                                </div>
                            </section>
                            <section class="card" data-testid="assets-overview">
                                <h2>{tr("Assets overview")}</h2>
                                <div class="stat-row">
                                    <div class="stat"><span class="num" data-testid="apis-total">{d.apis_total}</span><span>{tr("APIs")}</span></div>
                                    <div class="stat"><span class="num" data-testid="apis-active">{d.apis_active}</span><span>{tr("Active")}</span></div>
                                    <div class="stat"><span class="num" data-testid="apis-inactive">{d.apis_inactive}</span><span>{tr("Inactive")}</span></div>
                                </div>
                            </section>
                        </div>
                        <section class="card">
                            <div class="card-head">
                                <h2>{tr("Security events")}</h2>
                                <span class="muted">{tr("The 10 most recent anomalous events.")}</span>
                            </div>
                            <p class="muted" data-testid="bd-scope">
                                {format!("{} · {} {} · {}", d.tenant_name, tr("resource group"), d.resource_group, tr(if d.region == "intl" { "Outside Chinese mainland" } else { "Chinese mainland" }))}
                            </p>
                            {if d.recent_events.is_empty() {
                                view! {
                                    <EmptyState title="No security events yet">
                                        <p>
                                            {tr("Nothing has been analysed for this region. Add WAF or access logs under ")}
                                            <a href=move || scope.href("/data-sources")>{tr("Data sources")}</a>
                                            {tr("; Basic Detection runs on them automatically.")}
                                        </p>
                                    </EmptyState>
                                }.into_any()
                            } else {
                                view! {
                                    <div class="event-cards" data-testid="event-cards">
                                        {d.recent_events.into_iter().map(|e| {
                                            let level_class = format!("badge level-{}", e.level);
                                            let level = crate::i18n::tr_string(&e.level);
                                            let name = catalog_name("event", &e.type_key, &e.name);
                                            view! {
                                                <article class="event-card" data-testid="event-card" data-type=e.type_key.clone()>
                                                    <div class="event-card-head">
                                                        <span class=level_class>{level}</span>
                                                        <strong class="event-name">{name}</strong>
                                                    </div>
                                                    <dl class="event-facts">
                                                        <dt>{tr("API path")}</dt>
                                                        <dd><code>{e.method}" "{e.path}</code></dd>
                                                        <dt>{tr("Domain")}</dt>
                                                        <dd>{e.domain}</dd>
                                                        <dt>{tr("Attack source")}</dt>
                                                        <dd>{e.source}</dd>
                                                        <dt>{tr("Time")}</dt>
                                                        <dd class="nowrap">{e.time}</dd>
                                                    </dl>
                                                </article>
                                            }
                                        }).collect_view()}
                                    </div>
                                }.into_any()
                            }}
                        </section>
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}
