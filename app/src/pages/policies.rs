//! Policies page (needs API security): one tab per kind of policy — identification (purpose),
//! sensitive data, risk rules, event rules — with the built-in policies (read only), the
//! tenant's custom policies (enable, edit, delete) and a form with a preview. The tab, the
//! policy being edited and the "saved" notice live in the URL query (`tab`, `edit`, `saved`).

mod forms;

use super::PageHeader;
use crate::api::policies::{policies, DeletePolicy, PoliciesView, PolicyRow, SetPolicyEnabled};
use crate::api::SessionInfo;
use crate::components::api_security::ApiSecurityGate;
use crate::components::feedback::{EmptyState, ErrorView, Loading};
use crate::i18n::{catalog_name, tr};
use crate::scope::use_scope;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// (query value, tab label)
pub const KINDS: [(&str, &str); 4] = [
    ("purpose", "Identification policies"),
    ("sensitive", "Sensitive data policies"),
    ("risk", "Risk rules"),
    ("event", "Event rules"),
];

fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or(KINDS[0].1)
}

/// The catalog kind `catalog_name` knows the built-in entries of a tab by.
fn catalog_kind(kind: &str) -> &'static str {
    match kind {
        "purpose" => "purpose_type",
        "sensitive" => "sensitive",
        "risk" => "risk",
        _ => "event",
    }
}

/// Page state. The resources are created here, outside [`ApiSecurityGate`], so that their ids
/// (and serialised values) are the same when the server renders and when the browser hydrates.
#[derive(Clone, Copy)]
struct PageState {
    tab: Memo<String>,
    edit: Memo<Option<i64>>,
    saved: Memo<bool>,
    /// Bumped after a successful save; the list and the form reload.
    reload: RwSignal<u32>,
    toggle: ServerAction<SetPolicyEnabled>,
    remove: ServerAction<DeletePolicy>,
    list: Resource<Result<PoliciesView, crate::error::AppError>>,
    form_data: Resource<Result<PoliciesView, crate::error::AppError>>,
}

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let scope = use_scope();
    let query = use_query_map();
    let tab = Memo::new(move |_| {
        let t = query.with(|q| q.get("tab")).unwrap_or_default();
        if KINDS.iter().any(|(k, _)| *k == t) {
            t
        } else {
            "purpose".to_string()
        }
    });
    let edit = Memo::new(move |_| {
        query
            .with(|q| q.get("edit"))
            .and_then(|v| v.parse::<i64>().ok())
    });
    let saved = Memo::new(move |_| query.with(|q| q.get("saved")).is_some());
    let reload = RwSignal::new(0u32);
    let toggle = ServerAction::<SetPolicyEnabled>::new();
    let remove = ServerAction::<DeletePolicy>::new();
    let list = Resource::new(
        move || {
            (
                scope.tenant.get(),
                tab.get(),
                reload.get(),
                toggle.version().get(),
                remove.version().get(),
            )
        },
        |(t, k, ..)| policies(t, k),
    );
    let form_data = Resource::new(
        move || (scope.tenant.get(), tab.get(), edit.get(), reload.get()),
        |(t, k, ..)| policies(t, k),
    );
    let st = PageState {
        tab,
        edit,
        saved,
        reload,
        toggle,
        remove,
        list,
        form_data,
    };
    view! {
        <PageHeader title="Policies"/>
        <ApiSecurityGate><PoliciesBody st/></ApiSecurityGate>
    }
}

#[component]
fn PoliciesBody(st: PageState) -> impl IntoView {
    let scope = use_scope();
    let PageState {
        tab,
        edit,
        saved,
        reload,
        toggle,
        remove,
        list,
        form_data,
    } = st;
    let action_error = move || {
        toggle
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| remove.value().get().and_then(|r| r.err()))
            .map(|e| view! { <ErrorView error=e/> })
    };
    view! {
        <nav class="tabs" data-testid="policy-tabs">
            {KINDS
                .into_iter()
                .map(|(k, label)| {
                    view! {
                        <a
                            href=move || format!("{}&tab={k}", scope.href("/policies"))
                            class=move || if tab.get() == k { "tab active" } else { "tab" }
                            data-testid=format!("tab-{k}")
                        >
                            {tr(label)}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <p class="muted" data-testid="applies-next">
            {tr("Custom policies are added to the built-in ones. Saved changes apply at the next analysis.")}
        </p>
        <Show when=move || saved.get()>
            <div class="alert alert-info" data-testid="policy-saved">
                {tr("Saved. The change applies at the next analysis.")}
            </div>
        </Show>
        {action_error}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(v) => view! {
                        <Counts v=v.clone()/>
                        <CustomList v=v.clone() toggle remove/>
                        <BuiltinList v/>
                    }
                        .into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match form_data.await {
                    Ok(v) if v.can_edit => {
                        let editing = edit
                            .get_untracked()
                            .and_then(|id| v.custom.iter().find(|p| p.id == id).cloned());
                        view! {
                            <forms::PolicyForm
                                kind=v.kind.clone()
                                editing
                                purposes=v.purposes.clone()
                                reload
                            />
                        }
                            .into_any()
                    }
                    Ok(_) => view! {
                        <p class="muted" data-testid="read-only">
                            {tr("You can read the policies; analysts and admins change them.")}
                        </p>
                    }
                        .into_any(),
                    Err(_) => ().into_any(),
                }
            })}
        </Transition>
    }
}

/// What is on, per kind: built-in count and custom (enabled) count.
#[component]
fn Counts(v: PoliciesView) -> impl IntoView {
    view! {
        <div class="grid policy-counts" data-testid="policy-counts">
            {v.counts
                .into_iter()
                .map(|c| {
                    view! {
                        <div class="stat" data-kind=c.kind.clone()>
                            <div class="muted small">{tr(kind_label(&c.kind))}</div>
                            <div>
                                <strong>{c.builtin}</strong>
                                " "
                                {tr("built-in")}
                                " · "
                                <strong data-testid=format!("custom-count-{}", c.kind)>{c.enabled}</strong>
                                " / "
                                {c.custom}
                                " "
                                {tr("custom enabled")}
                            </div>
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn CustomList(
    v: PoliciesView,
    toggle: ServerAction<SetPolicyEnabled>,
    remove: ServerAction<DeletePolicy>,
) -> impl IntoView {
    let scope = use_scope();
    let info = expect_context::<SessionInfo>();
    let csrf = info.csrf.clone();
    let kind = v.kind.clone();
    let can_edit = v.can_edit;
    let new_href = {
        let kind = kind.clone();
        move || format!("{}&tab={kind}", scope.href("/policies"))
    };
    let rows = v.custom;
    view! {
        <section class="card" data-testid="custom-policies">
            <div class="card-head">
                <h2>{tr("Custom")} " " {tr(kind_label(&kind))}</h2>
                {can_edit.then(|| view! {
                    <a class="btn" href=new_href data-testid="policy-new">{tr("New")}</a>
                })}
            </div>
            {if rows.is_empty() {
                view! {
                    <EmptyState title="No custom policies yet">
                        <p>{tr("Only the built-in policies below are on. Add one with the form.")}</p>
                    </EmptyState>
                }
                    .into_any()
            } else {
                view! {
                    <table class="table">
                        <thead>
                            <tr>
                                <th>{tr("Name")}</th>
                                <th>{tr("Definition")}</th>
                                <th>{tr("Enabled")}</th>
                                <th>{tr("Updated")}</th>
                                <th></th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|p| policy_row(p, can_edit, csrf.clone(), toggle, remove, scope))
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
}

fn policy_row(
    p: PolicyRow,
    can_edit: bool,
    csrf: String,
    toggle: ServerAction<SetPolicyEnabled>,
    remove: ServerAction<DeletePolicy>,
    scope: crate::scope::Scope,
) -> impl IntoView {
    let PolicyRow {
        id,
        kind,
        name,
        enabled,
        summary,
        created_by,
        updated_at,
        ..
    } = p;
    let edit_href = move || format!("{}&tab={kind}&edit={id}", scope.href("/policies"));
    let state = if enabled { tr("On") } else { tr("Off") };
    view! {
        <tr data-testid="policy-row" data-id=id>
            <td data-testid="policy-name"><strong>{name}</strong></td>
            <td><code class="policy-summary">{summary}</code></td>
            <td>
                {if can_edit {
                    let csrf = csrf.clone();
                    view! {
                        <ActionForm action=toggle attr:class="inline-form">
                            <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="enabled" value=(!enabled).to_string()/>
                            <input type="hidden" name="csrf" value=csrf/>
                            <button
                                type="submit"
                                class=if enabled { "btn toggle on" } else { "btn toggle" }
                                data-testid="policy-toggle"
                                data-enabled=enabled.to_string()
                                title=tr("Turn on or off")
                            >
                                {state}
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                } else {
                    view! { <span>{state}</span> }.into_any()
                }}
            </td>
            <td class="nowrap muted small">{updated_at} <br/> {created_by}</td>
            <td class="nowrap">
                {can_edit.then(|| {
                    view! {
                        <a class="btn" href=edit_href data-testid="policy-edit">{tr("Edit")}</a>
                        " "
                        <ActionForm action=remove attr:class="inline-form">
                            <input type="hidden" name="tenant" value=move || scope.tenant.get()/>
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="csrf" value=csrf/>
                            <button type="submit" class="btn" data-testid="policy-delete">{tr("Delete")}</button>
                        </ActionForm>
                    }
                })}
            </td>
        </tr>
    }
}

/// The built-in policies of the tab (always on), by name.
#[component]
fn BuiltinList(v: PoliciesView) -> impl IntoView {
    let ck = catalog_kind(&v.kind);
    let n = v.builtin.len();
    view! {
        <section class="card" data-testid="builtin-policies">
            <h2>{tr("Built-in")} " " {tr(kind_label(&v.kind))}</h2>
            <p class="muted">
                <strong data-testid="builtin-count">{n}</strong>
                " "
                {tr("built-in policies, always on.")}
            </p>
            <details>
                <summary>{tr("Show names")}</summary>
                <ul class="builtin-list">
                    {v.builtin
                        .into_iter()
                        .map(|b| view! { <li title=b.key.clone()>{catalog_name(ck, &b.key, &b.name)}</li> })
                        .collect_view()}
                </ul>
            </details>
        </section>
    }
}
