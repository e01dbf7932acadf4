//! Server functions by area. Each reads like a sentence: get what it needs from context, check
//! the caller may do this, call the domain or db code, map the result.
//!
//! Every server function is listed in [`ENDPOINTS`] with the door it stands behind; the server
//! refuses to start a function that is not listed, and the access-matrix test checks the list
//! against every registered function, so a new function without a policy fails the tests.

pub mod admin;
pub mod auth;
pub mod contract_form;
pub mod contracts;
pub mod desk;
pub mod payment;
pub mod price_book;
pub mod quotes;
pub mod wecom;

/// Who may call a server function at all (the first gate; the function then applies the
/// fine-grained policy for the record it touches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    /// Anyone, signed in or not (quoting, sign-in).
    Public,
    /// Any signed-in user; the function checks the record-level policy itself.
    SignedIn,
    /// Signed-in admins only (the admin console); everyone else, signed in or not, gets 403.
    Admin,
}

/// Every server function's path (below `/api/`) and its door.
pub const ENDPOINTS: &[(&str, Door)] = &[
    ("price_book/current", Door::Public),
    ("auth/sign_in", Door::Public),
    ("auth/sign_out", Door::Public),
    ("auth/me", Door::Public),
    ("auth/change_password", Door::SignedIn),
    ("price_book/version", Door::Public),
    ("quotes/save", Door::Public),
    ("quotes/get", Door::Public),
    ("quotes/seller", Door::Public),
    ("payment/create_link", Door::SignedIn),
    ("payment/revoke_link", Door::SignedIn),
    ("payment/links", Door::SignedIn),
    ("contracts/create", Door::SignedIn),
    ("contracts/save", Door::SignedIn),
    ("contracts/get", Door::SignedIn),
    ("contracts/list", Door::SignedIn),
    ("contracts/list_choices", Door::SignedIn),
    ("contracts/submit", Door::SignedIn),
    ("contracts/withdraw", Door::SignedIn),
    ("contracts/cancel", Door::SignedIn),
    ("contracts/approve", Door::SignedIn),
    ("contracts/reject", Door::SignedIn),
    ("contracts/fulfil", Door::SignedIn),
    ("contracts/flow", Door::SignedIn),
    ("contracts/form_options", Door::SignedIn),
    ("contracts/remove_attachment", Door::SignedIn),
    ("contracts/owner_choices", Door::SignedIn),
    ("contracts/active_accounts", Door::SignedIn),
    ("contracts/source_candidates", Door::SignedIn),
    ("approvals/inbox", Door::SignedIn),
    ("approvals/waiting_count", Door::SignedIn),
    ("desk/counts", Door::SignedIn),
    ("notifications/list", Door::SignedIn),
    ("notifications/read", Door::SignedIn),
    ("notifications/read_all", Door::SignedIn),
    ("renewals/due", Door::SignedIn),
    ("renewals/start", Door::SignedIn),
    ("audit/search", Door::SignedIn),
    ("admin/users", Door::Admin),
    ("admin/create_organisation", Door::Admin),
    ("admin/create_user", Door::Admin),
    ("admin/update_user", Door::Admin),
    ("admin/defaults_of", Door::Admin),
    ("admin/set_active", Door::Admin),
    ("admin/reset_password", Door::Admin),
    ("admin/price_books", Door::Admin),
    ("admin/save_price_book", Door::Admin),
    ("admin/delete_price_book", Door::Admin),
    ("admin/flows", Door::Admin),
    ("admin/save_flow", Door::Admin),
    ("admin/settings", Door::Admin),
    ("admin/save_settings", Door::Admin),
    ("admin/remove_wechat_qr", Door::Admin),
    ("admin/test_robot", Door::Admin),
    ("wecom/job", Door::SignedIn),
    ("wecom/start", Door::Admin),
    ("wecom/retry", Door::Admin),
    ("wecom/manual", Door::Admin),
];

/// The one call someone signed in with a temporary password may make (besides signing out and
/// asking who they are): choosing their own.
pub const CHANGE_PASSWORD: &str = "auth/change_password";

/// The door of a server function path like `/api/auth/me`, if it is listed.
pub fn door_of(path: &str) -> Option<Door> {
    let name = path.strip_prefix("/api/")?;
    ENDPOINTS.iter().find(|(p, _)| *p == name).map(|(_, d)| *d)
}

/// A cookie's value from request headers.
pub fn cookie_in(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The request's context (database, session cookie, response options), taken where a page's data
/// resource is created and given to the resource's own owner when its fetcher starts.
///
/// On the server a fetcher that calls several server functions one after the other could lose
/// its context half-way: leptos 0.8.23 can drop the component's owner (a stale branch of the
/// render) while the resource's fetch is still running, and `use_context` from the resource's own
/// owner then finds nothing ("database not in context"), so the page rendered an error or a form
/// without its approval flow. Provided on the resource's own owner, the context stays with the
/// fetch. In the browser (server functions are HTTP calls there) this is nothing.
#[derive(Clone)]
pub struct RequestContext {
    #[cfg(feature = "ssr")]
    captured: ctx::Captured,
}

impl RequestContext {
    /// Call in the component body, where the render's context is current.
    pub fn capture() -> Self {
        RequestContext {
            #[cfg(feature = "ssr")]
            captured: ctx::Captured::capture(),
        }
    }

    /// Wraps a fetcher's future: when it starts, the context becomes the resource owner's own.
    pub fn around<F: std::future::Future>(&self, fetch: F) -> impl std::future::Future<Output = F::Output> + use<F> {
        let this = self.clone();
        async move {
            #[cfg(feature = "ssr")]
            this.captured.provide();
            #[cfg(not(feature = "ssr"))]
            let _ = this;
            fetch.await
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ctx {
    //! What the server puts into each request's context, and helpers to read it.
    use crate::error::AppError;
    use crate::models::SessionUser;
    use leptos::prelude::*;
    use sea_orm::DatabaseConnection;

    /// The session cookie's name.
    pub const SESSION_COOKIE: &str = "wld_session";

    /// Sends the WeCom group robot a message now: given the admin's webhook (`None`: the
    /// environment's) and the text, answers WeCom's reply in words. The server provides it (it owns
    /// the HTTP client); the secret webhook never reaches a page.
    pub type RobotTest = std::sync::Arc<
        dyn Fn(Option<String>, String) -> std::pin::Pin<Box<dyn Future<Output = Result<String, String>> + Send>>
            + Send
            + Sync,
    >;

    /// The robot tester in the request's context.
    #[derive(Clone)]
    pub struct RobotTester(pub RobotTest);

    /// Per-process settings the server functions need.
    #[derive(Clone, Debug, Default)]
    pub struct ServerSettings {
        /// What the environment sets where the admin has not (the settings page's defaults).
        pub env_defaults: crate::services::admin::EnvDefaults,
        /// Mark cookies `Secure` (the site is served over HTTPS).
        pub cookie_secure: bool,
        /// `MAX_UPLOAD_BYTES`, told to the contract form so it refuses a larger file before
        /// sending it; 0 means the default.
        pub max_upload_bytes: u64,
        /// Whether WeCom's license API is configured, and orders start at the final approval.
        pub wecom: crate::services::wecom::WecomSwitch,
        /// The price book in effect as the public quote API keeps it; the admin's price book
        /// functions mark it changed.
        pub price_book: std::sync::Arc<crate::services::quotes::CurrentPriceBook>,
    }

    impl ServerSettings {
        /// The largest attachment accepted.
        pub fn upload_limit(&self) -> u64 {
            if self.max_upload_bytes == 0 {
                crate::domain::attachment::DEFAULT_MAX_UPLOAD_BYTES
            } else {
                self.max_upload_bytes
            }
        }
    }

    /// The client's address as the server determined it (peer, or the proxy's header when
    /// trusted).
    #[derive(Clone, Debug)]
    pub struct ClientAddress(pub String);

    /// The signed-in user the server function's door already looked up for this request (from
    /// its session cookie), so the function does not look the session up a second time.
    #[derive(Clone, Debug)]
    pub struct DoorUser(pub SessionUser);

    /// The database pool the server put into the request's context.
    pub fn db() -> Result<DatabaseConnection, AppError> {
        use_context::<DatabaseConnection>().ok_or_else(|| AppError::internal("context", "database not in context"))
    }

    pub fn settings() -> ServerSettings {
        use_context::<ServerSettings>().unwrap_or_default()
    }

    pub fn client_address() -> String {
        use_context::<ClientAddress>().map_or_else(|| "unknown".to_owned(), |a| a.0)
    }

    /// A cookie of the request by name.
    pub fn cookie(name: &str) -> Option<String> {
        super::cookie_in(&use_context::<http::request::Parts>()?.headers, name)
    }

    /// Adds a `Set-Cookie` header to the response.
    pub fn set_cookie(value: String) {
        if let (Some(res), Ok(v)) = (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&value))
        {
            res.append_header(http::header::SET_COOKIE, v);
        }
    }

    /// Whether the request is a browser's own form post or navigation (`Accept` has `text/html`).
    pub fn accepts_html() -> bool {
        use_context::<http::request::Parts>().is_some_and(|p| {
            p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
        })
    }

    /// The request's context as the server provided it, captured for a resource's fetcher.
    #[derive(Clone)]
    pub struct Captured {
        db: Option<DatabaseConnection>,
        settings: Option<ServerSettings>,
        client: Option<ClientAddress>,
        parts: Option<http::request::Parts>,
        response: Option<leptos_axum::ResponseOptions>,
    }

    impl Captured {
        pub fn capture() -> Self {
            Captured {
                db: use_context(),
                settings: use_context(),
                client: use_context(),
                parts: use_context(),
                response: use_context(),
            }
        }

        pub fn provide(&self) {
            fn put<T: Clone + Send + Sync + 'static>(v: &Option<T>) {
                if let Some(v) = v {
                    provide_context(v.clone());
                }
            }
            put(&self.db);
            put(&self.settings);
            put(&self.client);
            put(&self.parts);
            put(&self.response);
        }
    }

    /// The signed-in user, if the request carries a live session.
    pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
        if let Some(DoorUser(u)) = use_context() {
            return Ok(Some(u));
        }
        Ok(crate::services::accounts::current(&db()?, cookie(SESSION_COOKIE).as_deref()).await?)
    }

    /// The signed-in user, or `Unauthenticated`; someone who signed in with a temporary password
    /// and has not chosen their own yet is refused (403) everything but that.
    pub async fn require_user() -> Result<SessionUser, AppError> {
        match current_user().await? {
            Some(u) if u.must_change_password => Err(AppError::Forbidden),
            Some(u) => Ok(u),
            None => Err(AppError::Unauthenticated),
        }
    }

    /// The signed-in user even with a temporary password (only for changing it).
    pub async fn require_session() -> Result<SessionUser, AppError> {
        current_user().await?.ok_or(AppError::Unauthenticated)
    }

    /// Sets the HTTP status of a failed call to the error's own status, and passes the result on.
    ///
    /// A plain HTML form post (no JavaScript; it accepts `text/html`) keeps the redirect the server
    /// function layer answers it with (back to the form, the error in the URL), because a browser
    /// does not follow a `Location` on a 4xx.
    pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(e) = &result {
            if accepts_html() {
                return result;
            }
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::BAD_REQUEST));
            }
        }
        result
    }
}
