//! Pages that need API security (trial or purchase). Each shows the lifecycle card until
//! API security is enabled, then its content (empty states until analysis data exists).

use super::PageHeader;
use crate::components::api_security::ApiSecurityGate;
use crate::components::feedback::EmptyState;
use crate::scope::use_scope;
use leptos::prelude::*;

#[component]
fn NoDataYet(what: &'static str) -> impl IntoView {
    let scope = use_scope();
    view! {
        <section class="card">
            <EmptyState title="Nothing analysed yet">
                <p>
                    {what}
                    " appear here after the first analysis. Add a log source under "
                    <a href=move || scope.href("/data-sources")>"Data sources"</a>
                    "."
                </p>
            </EmptyState>
        </section>
    }
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    view! {
        <PageHeader title="Overview"/>
        <ApiSecurityGate><NoDataYet what="API, risk and event trends"/></ApiSecurityGate>
    }
}

#[component]
pub fn AssetsPage() -> impl IntoView {
    view! {
        <PageHeader title="Assets"/>
        <ApiSecurityGate><NoDataYet what="Discovered APIs, their purposes and sensitive data"/></ApiSecurityGate>
    }
}

#[component]
pub fn RisksPage() -> impl IntoView {
    view! {
        <PageHeader title="Risks"/>
        <ApiSecurityGate><NoDataYet what="API risks with remediation advice"/></ApiSecurityGate>
    }
}

#[component]
pub fn EventsPage() -> impl IntoView {
    view! {
        <PageHeader title="Events"/>
        <ApiSecurityGate><NoDataYet what="Attack and abuse events"/></ApiSecurityGate>
    }
}

#[component]
pub fn CompliancePage() -> impl IntoView {
    view! {
        <PageHeader title="Compliance" subtitle="Cross-border data review (Chinese mainland) and sensitive data leak tracing."/>
        <ApiSecurityGate><NoDataYet what="Outbound personal information counts"/></ApiSecurityGate>
    }
}

#[component]
pub fn PoliciesPage() -> impl IntoView {
    view! {
        <PageHeader title="Policies"/>
        <ApiSecurityGate><NoDataYet what="Built-in and custom detection policies"/></ApiSecurityGate>
    }
}
