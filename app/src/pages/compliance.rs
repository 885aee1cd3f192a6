//! Compliance page (needs API security).

use super::PageHeader;
use crate::components::api_security::ApiSecurityGate;
use super::NoDataYet;
use leptos::prelude::*;

#[component]
pub fn CompliancePage() -> impl IntoView {
    view! {
        <PageHeader title="Compliance" subtitle="Cross-border data review (Chinese mainland) and sensitive data leak tracing."/>
        <ApiSecurityGate><NoDataYet what="Outbound personal information counts"/></ApiSecurityGate>
    }
}
