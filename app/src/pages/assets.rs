//! Assets page (needs API security).

use super::PageHeader;
use crate::components::api_security::ApiSecurityGate;
use super::NoDataYet;
use leptos::prelude::*;

#[component]
pub fn AssetsPage() -> impl IntoView {
    view! {
        <PageHeader title="Assets"/>
        <ApiSecurityGate><NoDataYet what="Discovered APIs, their purposes and sensitive data"/></ApiSecurityGate>
    }
}
