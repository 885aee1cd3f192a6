//! Server functions: the console's whole HTTP API (POST `/api/<name>`), typed end to end.
//!
//! Each function authenticates from the session, authorises against the tenant named in its
//! arguments (see `backend::tenancy::authorize`) and, when it changes state, checks the CSRF
//! token of the session. Errors are [`AppError`] and carry their HTTP status.

pub mod assets;
pub mod compliance;
pub mod dashboard;
pub mod data_sources;
pub mod events;
pub mod policies;
pub mod risks;

pub use dashboard::{basic_detection, BasicDetection, BasicDetectionView, EventCard};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceGroupView {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipView {
    pub tenant_slug: String,
    pub tenant_name: String,
    pub role: String,
    pub resource_groups: Vec<ResourceGroupView>,
    /// API security is usable (trial or purchase): paid pages render their content.
    pub api_security_enabled: bool,
    /// End of an active free trial (RFC 3339), for the banner of paid pages.
    pub trial_ends_at: Option<String>,
}

/// Who is signed in (if anyone), their tenants, and the CSRF token for forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub username: Option<String>,
    pub memberships: Vec<MembershipView>,
    pub csrf: String,
    /// UI language ("en" | "zh"), from the `apisec_lang` cookie; see `crate::i18n`.
    pub lang: String,
}

impl SessionInfo {
    pub fn membership(&self, slug: &str) -> Option<&MembershipView> {
        self.memberships.iter().find(|m| m.tenant_slug == slug)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSecurityView {
    pub edition: String,
    pub edition_label: String,
    pub consented: bool,
    pub trial_available: bool,
    pub trial_unavailable_reason: Option<String>,
    pub trial_active: bool,
    pub trial_ends_at: Option<String>,
    pub trial_expired: bool,
    pub enable_requested: bool,
    pub purchased: bool,
    pub enabled: bool,
    pub is_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// Server-side helpers shared by the server functions.
#[cfg(feature = "ssr")]
pub mod ctx {
    use super::*;
    use backend::accounts::User;
    use backend::sessions::{CSRF_TOKEN, USER_ID};
    use backend::Backend;
    use tower_sessions::Session;

    pub fn backend() -> Result<Backend, AppError> {
        use_context::<Backend>().ok_or(AppError::Internal)
    }

    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "no session layer");
            AppError::Internal
        })
    }

    /// A fresh random token (128 bits, hex).
    pub fn new_token() -> String {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The session's CSRF token, created on first use.
    pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
        if let Some(t) = session
            .get::<String>(CSRF_TOKEN)
            .await
            .map_err(|_| AppError::Internal)?
        {
            return Ok(t);
        }
        let t = new_token();
        session
            .insert(CSRF_TOKEN, &t)
            .await
            .map_err(|_| AppError::Internal)?;
        Ok(t)
    }

    /// Refuses a state change whose token does not match the session's (constant time).
    pub async fn check_csrf(session: &Session, token: &str) -> Result<(), AppError> {
        let expected = session
            .get::<String>(CSRF_TOKEN)
            .await
            .map_err(|_| AppError::Internal)?;
        let ok = expected.is_some_and(|e| {
            e.len() == token.len()
                && e.bytes()
                    .zip(token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        if ok {
            Ok(())
        } else {
            Err(AppError::CsrfMismatch)
        }
    }

    /// What one request has looked up already: the server renders a page by running several
    /// server functions (the session's, the page's data, its side panels), and each would
    /// otherwise read the same user, membership and API security status again. A fresh memo is
    /// provided per request (`server::routes`), so every request still checks its session,
    /// membership and role; only repeats within the request are saved. State-changing
    /// functions read the back end directly after they change something.
    #[derive(Clone, Default)]
    pub struct RequestMemo(std::sync::Arc<std::sync::Mutex<Memo>>);

    #[derive(Default)]
    pub struct Memo {
        user: Option<User>,
        memberships: std::collections::HashMap<(i64, String), backend::tenancy::Membership>,
        status: std::collections::HashMap<i64, backend::editions::ApiSecurityStatus>,
        results: std::collections::HashMap<String, Box<dyn std::any::Any + Send + Sync>>,
    }

    tokio::task_local! {
        /// The memo of a request while code outside the Leptos render runs for it (the
        /// session preload of `server::security::guard`), see [`with_request_memo`].
        static CURRENT_MEMO: RequestMemo;
    }

    /// Runs `f` with `memo` as the request's memo although no Leptos context is there; the
    /// caller hands the same memo to the render (request extensions), which then starts with
    /// what `f` looked up.
    pub async fn with_request_memo<F: std::future::Future>(memo: RequestMemo, f: F) -> F::Output {
        CURRENT_MEMO.scope(memo, f).await
    }

    fn with_memo<T>(f: impl FnOnce(&mut Memo) -> T) -> Option<T> {
        use_context::<RequestMemo>()
            .or_else(|| CURRENT_MEMO.try_with(|m| m.clone()).ok())
            .map(|m| f(&mut m.0.lock().unwrap_or_else(|e| e.into_inner())))
    }

    /// The signed-in user, or `Unauthenticated`.
    pub async fn current_user(b: &Backend, session: &Session) -> Result<User, AppError> {
        let id = session
            .get::<i64>(USER_ID)
            .await
            .map_err(|_| AppError::Internal)?;
        let Some(id) = id else {
            return Err(AppError::Unauthenticated);
        };
        if let Some(user) = with_memo(|m| m.user.clone().filter(|u| u.id == id)).flatten() {
            return Ok(user);
        }
        let user = backend::accounts::user_by_id(b, id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        with_memo(|m| m.user = Some(user.clone()));
        Ok(user)
    }

    /// Runs the body of a read-only server function once per request and `key` (its name and
    /// arguments). Server-side rendering builds a page's component tree more than once (Leptos'
    /// `Suspense` walks its children again to find nested resources, which creates them anew),
    /// so without this every data function of a page ran twice per request. The copies start
    /// together, so a call that finds the key in flight waits for that run (a `OnceCell` per
    /// key) instead of starting its own. Only successes are kept: after an error the next
    /// caller runs the body itself.
    pub async fn once<T>(
        key: String,
        body: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError>
    where
        T: Clone + Send + Sync + 'static,
    {
        type Cell<T> = std::sync::Arc<tokio::sync::OnceCell<T>>;
        let cell = with_memo(|m| {
            m.results
                .entry(key)
                .or_insert_with(|| Box::new(Cell::<T>::default()))
                .downcast_ref::<Cell<T>>()
                .cloned()
        })
        .flatten();
        match cell {
            Some(cell) => cell.get_or_try_init(|| body).await.cloned(),
            // No memo (a test calling the function directly), or the key was used for another
            // type: run it.
            None => body.await,
        }
    }

    /// `backend::tenancy::authorize`, once per request and tenant: the membership of `user_id`
    /// in tenant `slug` if its role is at least `needed` (`NotFound` / `Forbidden` otherwise).
    pub async fn tenant_authorize(
        b: &Backend,
        user_id: i64,
        slug: &str,
        needed: backend::tenancy::Role,
    ) -> backend::Result<backend::tenancy::Membership> {
        let key = (user_id, slug.to_string());
        let m = match with_memo(|m| m.memberships.get(&key).cloned()).flatten() {
            Some(m) => m,
            None => {
                // The lowest role: any membership is remembered, the role is checked below.
                let m =
                    backend::tenancy::authorize(b, user_id, slug, backend::tenancy::Role::Viewer)
                        .await?;
                with_memo(|memo| memo.memberships.insert(key, m.clone()));
                m
            }
        };
        if m.role < needed {
            return Err(backend::Error::Forbidden);
        }
        Ok(m)
    }

    /// Remembers a membership read with all of the user's (the session's view).
    pub fn remember_membership(user_id: i64, m: &backend::tenancy::Membership) {
        with_memo(|memo| {
            memo.memberships
                .insert((user_id, m.tenant_slug.clone()), m.clone())
        });
    }

    /// `backend::scope::authorize` through [`tenant_authorize`].
    pub async fn scope_authorize(
        b: &Backend,
        user_id: i64,
        slug: &str,
        rg: Option<i64>,
        region: &str,
        needed: backend::tenancy::Role,
    ) -> backend::Result<(backend::tenancy::Membership, backend::scope::Scope)> {
        let m = tenant_authorize(b, user_id, slug, needed).await?;
        let scope = backend::scope::Scope::resolve(&m, rg, region)?;
        Ok((m, scope))
    }

    /// `backend::editions::status` (which also purges an expired trial), once per request and
    /// tenant.
    pub async fn api_security_status(
        b: &Backend,
        tenant_id: i64,
    ) -> backend::Result<backend::editions::ApiSecurityStatus> {
        if let Some(st) = with_memo(|m| m.status.get(&tenant_id).cloned()).flatten() {
            return Ok(st);
        }
        let st = backend::editions::status(b, tenant_id).await?;
        with_memo(|m| m.status.insert(tenant_id, st.clone()));
        Ok(st)
    }

    /// [`get_session`]'s answer for `session` (`cookie`: the request's `Cookie` header, for
    /// the language).
    pub async fn session_info(
        b: &Backend,
        session: &Session,
        cookie: Option<&str>,
    ) -> Result<SessionInfo, AppError> {
        let csrf = csrf_token(session).await?;
        let (username, memberships) = match current_user(b, session).await {
            Ok(user) => {
                let ms = backend::tenancy::memberships(b, user.id).await?;
                let mut views = Vec::with_capacity(ms.len());
                for m in ms {
                    remember_membership(user.id, &m);
                    let st = api_security_status(b, m.tenant_id).await?;
                    views.push(MembershipView {
                        api_security_enabled: st.enabled,
                        trial_ends_at: st
                            .trial_active
                            .then_some(st.trial_ends_at_ms)
                            .flatten()
                            .map(backend::clock::rfc3339),
                        tenant_slug: m.tenant_slug,
                        tenant_name: m.tenant_name,
                        role: m.role.as_str().into(),
                        resource_groups: m
                            .resource_groups
                            .into_iter()
                            .map(|g| ResourceGroupView {
                                id: g.id,
                                name: g.name,
                            })
                            .collect(),
                    });
                }
                (Some(user.username), views)
            }
            Err(AppError::Unauthenticated) => (None, vec![]),
            Err(e) => return Err(e),
        };
        let lang = cookie
            .map(crate::i18n::lang_from_cookie_header)
            .unwrap_or_default();
        Ok(SessionInfo {
            username,
            memberships,
            csrf,
            lang: lang.as_str().into(),
        })
    }

    /// Runs a server function body and, on error of a direct call, sets the HTTP status.
    pub async fn respond<T>(
        body: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let out = body.await;
        // Only a call of the function itself (POST /api/...) answers with the error's status.
        // While a page renders, a failing part shows its error in place and the page stays
        // 200: the status is still open there when the page's data loads before the first
        // byte (the session preload of `server::security::guard`).
        let called = use_context::<http::request::Parts>()
            .is_some_and(|p| p.uri.path().starts_with("/api/"));
        if let (Err(e), true) = (&out, called) {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(
                    http::StatusCode::from_u16(e.status())
                        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
                );
            }
        }
        out
    }

    /// The peer address (for login throttling). Proxy headers are not trusted.
    pub fn client_ip() -> String {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                p.extensions
                    .get::<backend::PeerAddr>()
                    .map(|a| a.0.ip().to_string())
            })
            .unwrap_or_else(|| "unknown".into())
    }

    pub fn status_view(
        st: backend::editions::ApiSecurityStatus,
        is_admin: bool,
    ) -> ApiSecurityView {
        ApiSecurityView {
            edition: st.edition.as_str().into(),
            edition_label: st.edition.label().into(),
            consented: st.consented,
            trial_available: st.trial_available,
            trial_unavailable_reason: st.trial_unavailable_reason,
            trial_active: st.trial_active,
            trial_ends_at: st.trial_ends_at_ms.map(backend::clock::rfc3339),
            trial_expired: st.trial_expired,
            enable_requested: st.enable_requested,
            purchased: st.purchased,
            enabled: st.enabled,
            is_admin,
        }
    }
}

/// The session of a console page request, read before the page renders (by
/// `server::security::guard`, in the request's extensions), so that `ConsoleLayout` builds the
/// page at once instead of inside a `Suspense` that builds it twice.
#[derive(Debug, Clone)]
pub struct PreloadedSession(pub SessionInfo);

/// Who is signed in, their tenants and the CSRF token. Works without a session too.
#[server(prefix = "/api", endpoint = "session")]
pub async fn get_session() -> Result<SessionInfo, AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        let parts = use_context::<http::request::Parts>();
        let cookie = parts
            .as_ref()
            .and_then(|p| p.headers.get(http::header::COOKIE))
            .and_then(|v| v.to_str().ok());
        ctx::session_info(&b, &session, cookie).await
    })
    .await
}

/// Keeps redirects on this site: only absolute paths, never `//host`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/basic-detection".to_string(),
    }
}

/// Signs in; on success rotates the session id and redirects to `next`.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
) -> Result<(), AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        let user =
            backend::accounts::authenticate(&b, &username, &password, &ctx::client_ip()).await?;
        session.cycle_id().await.map_err(|_| AppError::Internal)?;
        session
            .insert(backend::sessions::USER_ID, user.id)
            .await
            .map_err(|_| AppError::Internal)?;
        session
            .insert(backend::sessions::SIGNED_IN_AT, b.now_ms())
            .await
            .map_err(|_| AppError::Internal)?;
        session
            .insert(backend::sessions::CSRF_TOKEN, ctx::new_token())
            .await
            .map_err(|_| AppError::Internal)?;
        tracing::info!(user = %user.username, "signed in");
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

/// Signs out: deletes the session on the server and clears the cookie.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout(csrf: String) -> Result<(), AppError> {
    ctx::respond(async {
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        session.flush().await.map_err(|_| AppError::Internal)?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// API security status of a tenant (any member).
#[server(prefix = "/api", endpoint = "api_security")]
pub async fn api_security(tenant: String) -> Result<ApiSecurityView, AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let user = ctx::current_user(&b, &ctx::session().await?).await?;
        let m = ctx::tenant_authorize(&b, user.id, &tenant, backend::tenancy::Role::Viewer).await?;
        let st = ctx::api_security_status(&b, m.tenant_id).await?;
        Ok(ctx::status_view(
            st,
            m.role == backend::tenancy::Role::Admin,
        ))
    })
    .await
}

/// Admin actions of the API security lifecycle: `consent`, `trial`, `enable`, `buy`.
#[server(prefix = "/api", endpoint = "api_security_action")]
pub async fn api_security_action(
    tenant: String,
    action: String,
    csrf: String,
) -> Result<ApiSecurityView, AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        let user = ctx::current_user(&b, &session).await?;
        let m = ctx::tenant_authorize(&b, user.id, &tenant, backend::tenancy::Role::Admin).await?;
        use backend::editions as ed;
        let st = match action.as_str() {
            "consent" => ed::consent(&b, &user, m.tenant_id).await?,
            "trial" => ed::start_trial(&b, &user, m.tenant_id).await?,
            "enable" => ed::enable_now(&b, &user, m.tenant_id).await?,
            "buy" => ed::buy_now(&b, &user, m.tenant_id).await?,
            other => return Err(AppError::Invalid(format!("unknown action {other:?}"))),
        };
        Ok(ctx::status_view(st, true))
    })
    .await
}

/// Changes the tenant's edition (admin).
#[server(prefix = "/api", endpoint = "set_edition")]
pub async fn set_edition(
    tenant: String,
    edition: String,
    csrf: String,
) -> Result<ApiSecurityView, AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        let user = ctx::current_user(&b, &session).await?;
        let m = ctx::tenant_authorize(&b, user.id, &tenant, backend::tenancy::Role::Admin).await?;
        let edition = backend::editions::Edition::parse(&edition)?;
        let st = backend::editions::set_edition(&b, &user, m.tenant_id, edition).await?;
        Ok(ctx::status_view(st, true))
    })
    .await
}

/// The tenant's audit log, newest first (admin).
#[server(prefix = "/api", endpoint = "audit_log")]
pub async fn audit_log(tenant: String) -> Result<Vec<AuditRow>, AppError> {
    ctx::respond(async {
        let b = ctx::backend()?;
        let user = ctx::current_user(&b, &ctx::session().await?).await?;
        let m = ctx::tenant_authorize(&b, user.id, &tenant, backend::tenancy::Role::Admin).await?;
        Ok(backend::audit::list(&b, m.tenant_id, 200)
            .await?
            .into_iter()
            .map(|e| AuditRow {
                at: backend::clock::rfc3339(e.at_ms),
                actor: e.actor,
                action: e.action,
                detail: e.detail,
            })
            .collect())
    })
    .await
}
