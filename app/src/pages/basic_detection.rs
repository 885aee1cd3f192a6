use super::PageHeader;
use crate::api::basic_detection;
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::scope::use_scope;
use leptos::prelude::*;

/// Basic Detection: free, always on. Event and asset overview plus the latest 10 events.
#[component]
pub fn BasicDetectionPage() -> impl IntoView {
    let scope = use_scope();
    let data = Resource::new(
        move || (scope.tenant.get(), scope.rg.get(), scope.region.get()),
        |(t, rg, region)| basic_detection(t, rg, region),
    );
    view! {
        <PageHeader title="Basic Detection" subtitle="Free and always on. Limited detection; for details enable API security."/>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        <div class="grid">
                            <section class="card" data-testid="events-overview">
                                <h2>"Security event overview"</h2>
                                <div class="stat-row">
                                    <div class="stat"><span class="num">{d.events_total}</span><span>"Total"</span></div>
                                    <div class="stat"><span class="num level-high">{d.events_high}</span><span>"High"</span></div>
                                    <div class="stat"><span class="num level-medium">{d.events_medium}</span><span>"Medium"</span></div>
                                    <div class="stat"><span class="num level-low">{d.events_low}</span><span>"Low"</span></div>
                                </div>
                            </section>
                            <section class="card" data-testid="assets-overview">
                                <h2>"Assets overview"</h2>
                                <div class="stat-row">
                                    <div class="stat"><span class="num">{d.apis_total}</span><span>"APIs"</span></div>
                                    <div class="stat"><span class="num">{d.apis_active}</span><span>"Active"</span></div>
                                    <div class="stat"><span class="num">{d.apis_inactive}</span><span>"Inactive"</span></div>
                                </div>
                            </section>
                        </div>
                        <section class="card">
                            <h2>"Security events"</h2>
                            <p class="muted" data-testid="bd-scope">
                                {format!("{} · resource group {} · {}", d.tenant_name, d.resource_group, d.region_label)}
                            </p>
                            {if d.recent_events.is_empty() {
                                view! {
                                    <EmptyState title="No security events yet">
                                        <p>
                                            "Nothing has been analysed for this region. Add WAF or access logs under "
                                            <a href=move || scope.href("/data-sources")>"Data sources"</a>
                                            "; Basic Detection runs on them automatically."
                                        </p>
                                    </EmptyState>
                                }.into_any()
                            } else {
                                view! {
                                    <div class="event-cards">
                                        {d.recent_events.into_iter().map(|e| view! {
                                            <div class="event-card">
                                                <span class=format!("badge level-{}", e.level)>{e.level.clone()}</span>
                                                <strong>{e.name}</strong>
                                                <code>{e.path}</code>
                                                <span class="muted">{e.domain}" · "{e.source}" · "{e.time}</span>
                                            </div>
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
