//! The console frame: top bar (tenant, resource group, region, user) and side navigation.

use super::feedback::{ErrorView, Loading};
use super::nav::NAV;
use crate::api::{get_session, Logout, SessionInfo};
use crate::error::AppError;
use crate::i18n::{current_lang, tr, Lang};
use crate::scope::{use_scope, REGIONS};
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::{use_location, use_navigate};

/// Loads the session once; signed-out visitors go to the login page.
///
/// On a full page load the server has read the session already (`PreloadedSession`); it is
/// handed to the browser as a `SharedValue`, so both sides build the frame and the page at
/// once. Inside the `Suspense` below (client-side navigation from the login page, or no
/// preload) Leptos' server render walks the children twice and so builds every resource of
/// the page twice.
#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let preloaded = SharedValue::new(preloaded_session).into_inner();
    if let Some(info) = preloaded.filter(|i| i.username.is_some()) {
        provide_context(info);
        return view! { <Frame/> }.into_any();
    }
    let session = Resource::new(|| (), |_| get_session());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(info) if info.username.is_some() => {
                        provide_context(info);
                        view! { <Frame/> }.into_any()
                    }
                    Ok(_) | Err(AppError::Unauthenticated) => {
                        let next = use_location().pathname.get_untracked();
                        view! { <Redirect path=format!("/login?next={next}")/> }.into_any()
                    }
                    Err(e) => view! { <main class="content"><ErrorView error=e/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// Top bar, side navigation and the page (needs the `SessionInfo` context).
#[component]
fn Frame() -> impl IntoView {
    view! {
        <TopBar/>
        <div class="frame">
            <SideNav/>
            <main class="content">
                <ScopeGuard/>
            </main>
        </div>
    }
}

/// The session the server read before rendering (none in the browser, where the
/// `SharedValue` carries it, and none when the request had no preload).
fn preloaded_session() -> Option<SessionInfo> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<crate::api::PreloadedSession>().cloned())
            .map(|p| p.0)
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// Pages render only for a tenant the user belongs to (the server checks again).
#[component]
fn ScopeGuard() -> impl IntoView {
    let info = expect_context::<SessionInfo>();
    let scope = use_scope();
    move || {
        if info.membership(&scope.tenant.get()).is_some() {
            view! { <Outlet/> }.into_any()
        } else {
            view! { <ErrorView error=AppError::NotFound/> }.into_any()
        }
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let info = expect_context::<SessionInfo>();
    let scope = use_scope();
    let location = use_location();
    let navigate = use_navigate();
    let logout = ServerAction::<Logout>::new();
    let memberships = info.memberships.clone();
    let info_rg = info.clone();
    let nav_tenant = navigate.clone();
    let on_tenant = move |ev: leptos::ev::Event| {
        let slug = event_target_value(&ev);
        let path = location.pathname.get_untracked();
        nav_tenant(
            &crate::scope::scoped_href(&path, &slug, None, &scope.region.get_untracked()),
            Default::default(),
        );
    };
    let on_rg = move |ev: leptos::ev::Event| {
        let rg = event_target_value(&ev).parse().ok();
        let path = location.pathname.get_untracked();
        navigate(
            &crate::scope::scoped_href(
                &path,
                &scope.tenant.get_untracked(),
                rg,
                &scope.region.get_untracked(),
            ),
            Default::default(),
        );
    };
    let role = {
        let info = info.clone();
        move || {
            info.membership(&scope.tenant.get())
                .map(|m| m.role.clone())
                .unwrap_or_default()
        }
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/basic-detection">"apisec"</a>
            <label class="picker">
                <span>{tr("Tenant")}</span>
                <select name="tenant" data-testid="tenant-select" on:change=on_tenant>
                    {memberships
                        .into_iter()
                        .map(|m| {
                            let slug = m.tenant_slug.clone();
                            view! {
                                <option value=m.tenant_slug selected=move || scope.tenant.get() == slug>
                                    {m.tenant_name}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label class="picker">
                <span>{tr("Resource group")}</span>
                <select name="rg" data-testid="rg-select" on:change=on_rg>
                    {move || {
                        info_rg
                            .membership(&scope.tenant.get())
                            .map(|m| m.resource_groups.clone())
                            .unwrap_or_default()
                            .into_iter()
                            .map(|g| {
                                let id = g.id;
                                view! {
                                    <option value=g.id.to_string() selected=move || scope.rg.get() == Some(id)>
                                        {g.name}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <nav class="segmented" aria-label=tr("Region") data-testid="region-switcher">
                {REGIONS
                    .into_iter()
                    .map(|(value, label)| {
                        view! {
                            <a
                                href=move || crate::scope::scoped_href(&location.pathname.get(), &scope.tenant.get(), scope.rg.get(), value)
                                class=move || if scope.region.get() == value { "seg active" } else { "seg" }
                                aria-current=move || (scope.region.get() == value).then_some("true")
                                data-region=value
                            >
                                {tr(label)}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <div class="spacer"></div>
            <LangSwitch csrf=info.csrf.clone()/>
            <span class="user" data-testid="user">
                {info.username.clone()}
                " · "
                <span class="badge">{role}</span>
            </span>
            <ActionForm action=logout attr:class="inline">
                <input type="hidden" name="csrf" value=info.csrf.clone()/>
                <button type="submit" class="btn btn-ghost">{tr("Sign out")}</button>
            </ActionForm>
        </header>
    }
}

#[component]
fn SideNav() -> impl IntoView {
    let scope = use_scope();
    let location = use_location();
    view! {
        <aside class="sidenav">
            <ul>
                {NAV
                    .into_iter()
                    .map(|(path, label, paid)| {
                        view! {
                            <li>
                                <a
                                    href=move || scope.href(path)
                                    class=move || if location.pathname.get() == path { "active" } else { "" }
                                >
                                    {tr(label)}
                                    {paid.then(|| view! { <span class="tag">{tr("API security")}</span> })}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </aside>
    }
}

/// English / 中文 switch. A plain form post (not a client-side action) so that the whole page
/// is rendered again in the new language; the server sets the `apisec_lang` cookie and sends
/// the browser back to the page it was on.
#[component]
fn LangSwitch(csrf: String) -> impl IntoView {
    let location = use_location();
    let lang = current_lang();
    let next = move || {
        let search = location.search.get();
        let search = search.trim_start_matches('?');
        let path = location.pathname.get();
        if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        }
    };
    view! {
        <form method="post" action="/api/set_language" class="segmented lang-switch" data-testid="lang-switch" aria-label=tr("Language")>
            <input type="hidden" name="csrf" value=csrf/>
            <input type="hidden" name="next" value=next/>
            <button type="submit" name="lang" value="en" class=if lang == Lang::En { "seg active" } else { "seg" }
                aria-pressed=(lang == Lang::En).to_string() title=tr("Switch to English") lang="en" data-lang="en">"EN"</button>
            <button type="submit" name="lang" value="zh" class=if lang == Lang::Zh { "seg active" } else { "seg" }
                aria-pressed=(lang == Lang::Zh).to_string() title=tr("Switch to Chinese") lang="zh-CN" data-lang="zh">"中文"</button>
        </form>
    }
}
