//! Policies page (needs API security).

use super::PageHeader;
use crate::components::api_security::ApiSecurityGate;
use super::NoDataYet;
use leptos::prelude::*;

#[component]
pub fn PoliciesPage() -> impl IntoView {
    view! {
        <PageHeader title="Policies"/>
        <ApiSecurityGate><NoDataYet what="Built-in and custom detection policies"/></ApiSecurityGate>
    }
}
