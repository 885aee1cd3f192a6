use super::PageHeader;
use crate::api::{api_security, audit_log, ApiSecurityAction, SessionInfo, SetEdition};
use crate::components::api_security::ApiSecurityCard;
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::i18n::tr;
use crate::scope::use_scope;
use leptos::prelude::*;

const EDITIONS: [(&str, &str); 4] = [
    ("basic", "Basic (subscription)"),
    ("pro", "Pro"),
    ("enterprise", "Enterprise"),
    ("ultimate", "Ultimate"),
];

/// Settings: edition, API security lifecycle and (admins) the audit log.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let info = expect_context::<SessionInfo>();
    let scope = use_scope();
    let action = ServerAction::<ApiSecurityAction>::new();
    let set_edition = ServerAction::<SetEdition>::new();
    let status = Resource::new(
        move || {
            (
                scope.tenant.get(),
                action.version().get(),
                set_edition.version().get(),
            )
        },
        |(t, _, _)| api_security(t),
    );
    let is_admin = {
        let info = info.clone();
        move || {
            info.membership(&scope.tenant.get())
                .is_some_and(|m| m.role == "admin")
        }
    };
    let audit = Resource::new(
        move || {
            (
                scope.tenant.get(),
                action.version().get(),
                set_edition.version().get(),
            )
        },
        |(t, _, _)| audit_log(t),
    );
    let edition_error = move || {
        set_edition
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <ErrorView error=e/> })
    };
    let csrf = info.csrf.clone();
    view! {
        <PageHeader title="Settings"/>
        <Transition fallback=Loading>
            {move || {
                let csrf = csrf.clone();
                Suspend::new(async move {
                match status.await {
                    Ok(st) => {
                        let current = st.edition.clone();
                        view! {
                            <ApiSecurityCard st=st.clone() action/>
                            <section class="card">
                                <h2>{tr("Edition")}</h2>
                                <p class="muted">{tr("The WAF edition of this tenant decides whether the free trial is offered (Pro and above).")}</p>
                                {edition_error}
                                <ActionForm action=set_edition attr:class="inline-form">
                                    <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                                    <input type="hidden" name="csrf" value=csrf/>
                                    <select name="edition" data-testid="edition-select">
                                        {EDITIONS.into_iter().map(|(v, l)| view! {
                                            <option value=v selected=current == v>{tr(l)}</option>
                                        }).collect_view()}
                                    </select>
                                    <button type="submit" class="btn">{tr("Change edition")}</button>
                                </ActionForm>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}}
        </Transition>
        <Show when=is_admin fallback=|| view! { <p class="muted">{tr("The audit log is visible to admins.")}</p> }>
            <section class="card" data-testid="audit-log">
                <h2>{tr("Audit log")}</h2>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match audit.await {
                            Ok(rows) if rows.is_empty() => view! {
                                <EmptyState title="No entries yet"><p>{tr("Admin actions such as enabling API security are recorded here.")}</p></EmptyState>
                            }.into_any(),
                            Ok(rows) => view! {
                                <table class="table">
                                    <thead><tr><th>{tr("Time")}</th><th>{tr("Who")}</th><th>{tr("Action")}</th><th>{tr("Details")}</th></tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|r| view! {
                                            <tr><td class="nowrap">{r.at}</td><td>{r.actor}</td><td><code>{r.action}</code></td><td>{r.detail}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any(),
                            Err(e) => view! { <ErrorView error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </Show>
    }
}
