//! Template corrections: merge or split path templates, keep segments literal, ignore hosts
//! and paths. Stored per tenant; they apply from the next analysis.

use crate::api::assets::{
    template_corrections, TemplateCorrectionAdd, TemplateCorrectionDelete, CORRECTION_ACTIONS,
};
use crate::api::SessionInfo;
use crate::components::feedback::{ErrorView, Loading};
use crate::i18n::tr;
use crate::scope::use_scope;
use leptos::prelude::*;

#[component]
pub fn CorrectionsPanel() -> impl IntoView {
    let scope = use_scope();
    let info = expect_context::<SessionInfo>();
    let add = ServerAction::<TemplateCorrectionAdd>::new();
    let delete = ServerAction::<TemplateCorrectionDelete>::new();
    let list = Resource::new(
        move || {
            (
                scope.tenant.get(),
                add.version().get(),
                delete.version().get(),
            )
        },
        |(t, _, _)| template_corrections(t),
    );
    let can_edit = {
        let info = info.clone();
        move || {
            info.membership(&scope.tenant.get())
                .is_some_and(|m| m.role == "analyst" || m.role == "admin")
        }
    };
    let csrf = StoredValue::new(info.csrf.clone());
    let add_error = move || {
        add.value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <ErrorView error=e/> })
    };
    let delete_error = move || {
        delete
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <ErrorView error=e/> })
    };
    let added = move || {
        add.value().get().and_then(|r| r.ok()).map(|c| {
            view! {
                <div class="alert alert-info" data-testid="correction-added">
                    {format!("Saved: {}. ", c.description)}
                    "It applies at the next analysis of this tenant's data."
                </div>
            }
        })
    };
    view! {
        <section class="card" data-testid="corrections">
            <h2>{tr("Template corrections")}</h2>
            <p class="muted">
                "When discovery merged paths that are different APIs, or kept apart paths that are one API, correct it here. "
                "Corrections apply to every resource group and region of the tenant, at the next analysis; current results stay until then."
            </p>
            {delete_error}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted" data-testid="no-corrections">{tr("No corrections yet.")}</p> }.into_any(),
                        Ok(rows) => view! {
                            <table class="table compact" data-testid="correction-table">
                                <thead><tr><th>{tr("Correction")}</th><th>{tr("By")}</th><th>{tr("Added")}</th><th></th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|c| view! {
                                        <tr data-testid="correction-row">
                                            <td>{c.description}</td>
                                            <td>{c.created_by}</td>
                                            <td class="nowrap">{c.created_at}</td>
                                            <td>
                                                <ActionForm action=delete>
                                                    <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                                                    <input type="hidden" name="id" value=c.id/>
                                                    <input type="hidden" name="csrf" value=csrf.get_value()/>
                                                    <button type="submit" class="btn small" data-testid="correction-delete">{tr("Delete")}</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <Show when=can_edit fallback=|| view! { <p class="muted">"Analysts and admins can add corrections."</p> }>
                {add_error}
                {added}
                <ActionForm action=add attr:class="correction-form">
                    <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                    <input type="hidden" name="csrf" value=csrf.get_value()/>
                    <label class="filter">
                        <span>{tr("Correction")}</span>
                        <select name="action" data-testid="correction-action">
                            {CORRECTION_ACTIONS.into_iter().map(|(v, l)| view! { <option value=v>{tr(l)}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="filter">
                        <span>{tr("Host (optional)")}</span>
                        <input type="text" name="host" placeholder="api.example.com" data-testid="correction-host"/>
                    </label>
                    <label class="filter wide">
                        <span>{tr("Template, segment or path prefix")}</span>
                        <input type="text" name="value" placeholder="/users/{user_id}/orders" data-testid="correction-value"/>
                    </label>
                    <button type="submit" class="btn btn-primary" data-testid="correction-add">{tr("Add correction")}</button>
                </ActionForm>
            </Show>
        </section>
    }
}
