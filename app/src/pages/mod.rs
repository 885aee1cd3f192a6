//! One module per page (or family of pages). Routes are declared in `crate::App`.

mod assets;
mod basic_detection;
mod compliance;
mod data_sources;
mod events;
mod login;
mod not_found;
mod overview;
mod policies;
mod risks;
mod settings;

pub use assets::AssetsPage;
pub use basic_detection::BasicDetectionPage;
pub use compliance::CompliancePage;
pub use data_sources::DataSourcesPage;
pub use events::EventsPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use overview::OverviewPage;
pub use policies::PoliciesPage;
pub use risks::RisksPage;
pub use settings::SettingsPage;

use crate::components::feedback::EmptyState;
use crate::scope::{region_label, use_scope};
use leptos::prelude::*;

/// Page title with the scope it shows (tenant · region), so what you see is never ambiguous.
#[component]
pub fn PageHeader(title: &'static str, #[prop(optional)] subtitle: &'static str) -> impl IntoView {
    let scope = use_scope();
    let info = expect_context::<crate::api::SessionInfo>();
    let tenant_name = move || {
        info.membership(&scope.tenant.get())
            .map(|m| m.tenant_name.clone())
            .unwrap_or_default()
    };
    view! {
        <div class="page-head">
            <h1>{crate::i18n::tr(title)}</h1>
            <p class="muted" data-testid="scope-line">
                {tenant_name}
                " · "
                <span data-testid="region-label">{move || crate::i18n::tr(region_label(&scope.region.get()))}</span>
            </p>
            {(!subtitle.is_empty()).then(|| view! { <p class="muted">{crate::i18n::tr(subtitle)}</p> })}
        </div>
    }
}

/// Placeholder for a page whose data comes from analysis, until the first analysis ran.
#[component]
pub fn NoDataYet(what: &'static str) -> impl IntoView {
    let scope = use_scope();
    view! {
        <section class="card">
            <EmptyState title="Nothing analysed yet">
                <p>
                    {crate::i18n::tr(what)}
                    {crate::i18n::tr(" appear here after the first analysis. Add a log source under ")}
                    <a href=move || scope.href("/data-sources")>{crate::i18n::tr("Data sources")}</a>
                    "."
                </p>
            </EmptyState>
        </section>
    }
}
