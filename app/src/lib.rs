//! The apisec console UI: Leptos components, pages and server functions.
//!
//! Compiled twice: with `ssr` into the server (renders HTML, runs server functions) and with
//! `hydrate` into the browser bundle (makes the same HTML interactive).
//!
//! Adding a page: write `pages/<name>.rs` with a `#[component]`, add it to `pages/mod.rs`, add a
//! `<Route>` in [`App`] and an entry in `components::nav::NAV`.

pub mod api;
pub mod components;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod scope;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app (server only). Also sets the Content-Security-Policy
/// with this response's nonce, which Leptos puts on its hydration and streaming scripts.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(v) = http::HeaderValue::from_str(&csp) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    // The document language follows the `apisec_lang` cookie (see `i18n`).
    #[cfg(feature = "ssr")]
    let lang = i18n::request_lang();
    #[cfg(not(feature = "ssr"))]
    let lang = i18n::Lang::default();
    view! {
        <!DOCTYPE html>
        <html lang=lang.html_lang()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <link rel="stylesheet" href="/pkg/apisec.css"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(i18n::page_lang());
    // Effects run only in the browser: marks the page once hydration has finished (tests wait on it).
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    use pages::*;
    view! {
        <Title text="apisec"/>
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/login") view=LoginPage/>
                <ParentRoute path=path!("") view=components::layout::ConsoleLayout>
                    <Route path=path!("") view=BasicDetectionPage/>
                    <Route path=path!("basic-detection") view=BasicDetectionPage/>
                    <Route path=path!("overview") view=OverviewPage/>
                    <Route path=path!("assets") view=AssetsPage/>
                    <Route path=path!("risks") view=RisksPage/>
                    <Route path=path!("events") view=EventsPage/>
                    <Route path=path!("compliance") view=CompliancePage/>
                    <Route path=path!("policies") view=PoliciesPage/>
                    <Route path=path!("data-sources") view=DataSourcesPage/>
                    <Route path=path!("settings") view=SettingsPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
