//! The API security lifecycle card (consent → free trial or Enable now → Buy now) and the gate
//! that pages needing API security put around their content.

use super::feedback::{ErrorView, Loading};
use crate::api::{api_security, ApiSecurityAction, ApiSecurityView, SessionInfo};
use crate::i18n::{tr, tr_string};
use crate::scope::use_scope;
use leptos::prelude::*;

/// Shows `children` when API security is enabled for the tenant, otherwise the lifecycle card.
///
/// The decision is synchronous, from the session (`MembershipView::api_security_enabled`), so
/// the children (and the resources they create) are built in the same order on the server and
/// in the browser: building them after an awaited status broke hydration on full page loads.
#[component]
pub fn ApiSecurityGate(children: ChildrenFn) -> impl IntoView {
    let scope = use_scope();
    let info = expect_context::<SessionInfo>();
    let children = StoredValue::new(children);
    move || {
        let m = info.membership(&scope.tenant.get()).cloned();
        match m {
            Some(m) if m.api_security_enabled => view! {
                {m.trial_ends_at.map(|end| view! { <TrialBanner end/> })}
                {children.with_value(|c| c())}
            }
            .into_any(),
            _ => view! { <LockedCard/> }.into_any(),
        }
    }
}

/// The lifecycle card of a tenant without API security. Once an action enables it, the page
/// reloads so the session (and the gate) see the new state.
#[component]
fn LockedCard() -> impl IntoView {
    let scope = use_scope();
    let action = ServerAction::<ApiSecurityAction>::new();
    let status = Resource::new(
        move || (scope.tenant.get(), action.version().get()),
        |(t, _)| api_security(t),
    );
    // The session said "not enabled" but the tenant is (an action here, or on another page
    // since the session was loaded): reload so the gate renders the content.
    Effect::new(move |_| {
        if let Some(Ok(st)) = status.get() {
            if st.enabled {
                let _ = window().location().reload();
            }
        }
    });
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(st) => view! {
                        <p class="muted" data-testid="needs-api-security">
                            {tr("This page is part of API security, which is not enabled for this tenant yet.")}
                        </p>
                        <ApiSecurityCard st action/>
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TrialBanner(end: String) -> impl IntoView {
    view! {
        <div class="alert alert-info" data-testid="trial-banner">
            {tr("Free trial of API security: expires ")}
            <strong data-testid="trial-expiry">{end}</strong>
            {tr(". Analysis data from the trial is deleted when it ends unless you buy before then.")}
        </div>
    }
}

/// One lifecycle button, posted as a form (works before hydration too).
#[component]
fn LifecycleButton(
    action: ServerAction<ApiSecurityAction>,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] primary: bool,
    #[prop(optional)] consent_box: bool,
) -> impl IntoView {
    let info = expect_context::<SessionInfo>();
    let scope = use_scope();
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
            <input type="hidden" name="csrf" value=info.csrf.clone()/>
            <input type="hidden" name="action" value=name/>
            {consent_box
                .then(|| {
                    view! {
                        <label class="check">
                            <input type="checkbox" required data-testid="consent-box"/>
                            {tr(" I authorise apisec to analyse requests and responses in our traffic logs offline, including detecting sensitive data in them.")}
                        </label>
                    }
                })}
            <button type="submit" class=if primary { "btn btn-primary" } else { "btn" } data-action=name>
                {tr(label)}
            </button>
        </ActionForm>
    }
}

/// The whole lifecycle card; used by the gate and by Settings.
#[component]
pub fn ApiSecurityCard(
    st: ApiSecurityView,
    action: ServerAction<ApiSecurityAction>,
) -> impl IntoView {
    let state = if st.purchased {
        ("Purchased", "badge badge-ok")
    } else if st.trial_active {
        ("Free trial", "badge badge-info")
    } else if st.trial_expired {
        ("Trial ended", "badge badge-medium")
    } else {
        ("Not enabled", "badge")
    };
    let error = move || {
        action
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <ErrorView error=e/> })
    };
    view! {
        <section class="card" data-testid="api-security-card">
            <div class="card-head">
                <h2>{tr("API security")}</h2>
                <span class="badge">{tr_string(&st.edition_label)}{tr(" edition")}</span>
                <span class=state.1 data-testid="api-security-state">{tr(state.0)}</span>
            </div>
            <p class="muted">
                {tr("API security discovers API assets, detects risks and attack events, and reviews cross-border data. ")}
                {tr("It analyses logs offline and never probes your APIs. Basic Detection stays on and free either way.")}
            </p>
            {st.trial_active
                .then(|| {
                    view! {
                        <p>
                            {tr("Free trial expires ")}
                            <strong data-testid="trial-expiry">{st.trial_ends_at.clone().unwrap_or_default()}</strong>
                            {tr(". Buy before then to keep the data analysed during the trial.")}
                        </p>
                    }
                })}
            {st.trial_expired
                .then(|| view! { <p>{tr("The free trial has ended and its analysis data was deleted.")}</p> })}
            {(!st.is_admin)
                .then(|| view! { <p class="muted">{tr("Only an admin of this tenant can change API security.")}</p> })}
            {error}
            <div class="actions">
                {(!st.consented)
                    .then(|| view! { <LifecycleButton action name="consent" label="Authorise API security" primary=true consent_box=true/> })}
                {st.trial_available
                    .then(|| view! { <LifecycleButton action name="trial" label="Request a free 7-day trial" primary=true/> })}
                {(!st.trial_available && !st.purchased && st.consented)
                    .then(|| {
                        st.trial_unavailable_reason
                            .clone()
                            .map(|r| view! { <p class="muted" data-testid="trial-reason">{r}</p> })
                    })}
                {(st.consented && !st.purchased && !st.enable_requested)
                    .then(|| view! { <LifecycleButton action name="enable" label="Enable now"/> })}
                {(st.enable_requested && !st.purchased)
                    .then(|| view! { <LifecycleButton action name="buy" label="Buy now" primary=true/> })}
            </div>
        </section>
    }
}
