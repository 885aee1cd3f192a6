//! Risks page (needs API security).

use super::PageHeader;
use crate::components::api_security::ApiSecurityGate;
use super::NoDataYet;
use leptos::prelude::*;

#[component]
pub fn RisksPage() -> impl IntoView {
    view! {
        <PageHeader title="Risks"/>
        <ApiSecurityGate><NoDataYet what="API risks with remediation advice"/></ApiSecurityGate>
    }
}
