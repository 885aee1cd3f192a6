//! Events page (needs API security).

use super::PageHeader;
use crate::components::api_security::ApiSecurityGate;
use super::NoDataYet;
use leptos::prelude::*;

#[component]
pub fn EventsPage() -> impl IntoView {
    view! {
        <PageHeader title="Events"/>
        <ApiSecurityGate><NoDataYet what="Attack and abuse events"/></ApiSecurityGate>
    }
}
