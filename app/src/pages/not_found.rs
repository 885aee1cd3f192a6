use crate::i18n::tr;
use leptos::prelude::*;

/// The 404 page (also sets the status code when rendered on the server).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="standalone">
            <div class="card narrow">
                <h1>{tr("Page not found")}</h1>
                <p>{tr("There is no page at this address. It may have moved.")}</p>
                <p><a class="btn btn-primary" href="/basic-detection">{tr("Go to the console")}</a></p>
            </div>
        </main>
    }
}
