use super::PageHeader;
use crate::components::feedback::EmptyState;
use crate::i18n::tr;
use leptos::prelude::*;

/// Data sources: where traffic logs come from (filled in by a later issue).
#[component]
pub fn DataSourcesPage() -> impl IntoView {
    view! {
        <PageHeader title="Data sources"/>
        <section class="card">
            <EmptyState title="No data sources yet">
                <p>{tr("Data sources are the logs apisec analyses: WAF logs, NGINX access logs, HAR files or JSON lines.")}</p>
                <p>{tr("Until uploads arrive here, you can analyse files from the command line: ")}
                    <code>"apisec analyze --format auto access.log"</code></p>
            </EmptyState>
        </section>
    }
}
