use crate::api::{get_session, Login};
use crate::components::feedback::ErrorView;
use crate::i18n::tr;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Sign-in form. Posts to the `login` server function (with the session's CSRF token).
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = Resource::new(|| (), |_| get_session());
    let login = ServerAction::<Login>::new();
    let next = move || use_query_map().with(|q| q.get("next")).unwrap_or_default();
    let error = move || {
        login
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| view! { <ErrorView error=e/> })
    };
    view! {
        <main class="standalone">
            <div class="card narrow login">
                <h1>{tr("Sign in to apisec")}</h1>
                <p class="muted">{tr("API security console")}</p>
                {error}
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                        view! {
                            <ActionForm action=login>
                                <input type="hidden" name="csrf" value=csrf/>
                                <input type="hidden" name="next" value=next/>
                                <label>
                                    {tr("User name")}
                                    <input type="text" name="username" autocomplete="username" required autofocus/>
                                </label>
                                <label>
                                    {tr("Password")}
                                    <input type="password" name="password" autocomplete="current-password" required/>
                                </label>
                                <button type="submit" class="btn btn-primary wide">{tr("Sign in")}</button>
                            </ActionForm>
                        }
                    })}
                </Suspense>
                <p class="muted small">{tr("Demo tenant: user ")} <code>"demo"</code> {tr(", password ")} <code>"demo-password"</code> "."</p>
            </div>
        </main>
    }
}
