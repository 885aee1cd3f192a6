//! Error, empty and loading states, worded for people.

use crate::error::AppError;
use leptos::prelude::*;

/// Shows an error in plain words (never raw server output).
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    let title = match error.status() {
        401 => "Signed out",
        403 => "Not allowed",
        404 => "Not found",
        409 | 400 => "Cannot do that",
        429 => "Slow down",
        _ => "Something went wrong",
    };
    view! {
        <div class="alert alert-error" role="alert" data-testid="error">
            <strong>{crate::i18n::tr(title)}</strong>
            " "
            <span>{crate::i18n::tr_string(&error.to_string())}</span>
        </div>
    }
}

/// What an empty list means and what to do next.
#[component]
pub fn EmptyState(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="empty">
            <h3>{crate::i18n::tr(title)}</h3>
            <div class="empty-body">{children()}</div>
        </div>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <div class="loading">{crate::i18n::tr("Loading…")}</div> }
}
