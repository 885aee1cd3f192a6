//! One module per page (or family of pages). Routes are declared in `crate::App`.

mod analysis;
mod basic_detection;
mod data_sources;
mod login;
mod not_found;
mod settings;

pub use analysis::{AssetsPage, CompliancePage, EventsPage, OverviewPage, PoliciesPage, RisksPage};
pub use basic_detection::BasicDetectionPage;
pub use data_sources::DataSourcesPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use settings::SettingsPage;

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
            <h1>{title}</h1>
            <p class="muted" data-testid="scope-line">
                {tenant_name}
                " · "
                <span data-testid="region-label">{move || region_label(&scope.region.get())}</span>
            </p>
            {(!subtitle.is_empty()).then(|| view! { <p class="muted">{subtitle}</p> })}
        </div>
    }
}
