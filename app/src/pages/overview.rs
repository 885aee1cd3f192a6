//! Overview page (needs API security).

use super::PageHeader;
use crate::components::api_security::ApiSecurityGate;
use super::NoDataYet;
use leptos::prelude::*;

#[component]
pub fn OverviewPage() -> impl IntoView {
    view! {
        <PageHeader title="Overview"/>
        <ApiSecurityGate><NoDataYet what="API, risk and event trends"/></ApiSecurityGate>
    }
}
