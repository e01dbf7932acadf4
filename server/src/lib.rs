//! The WeCom License Desk server: configuration, the axum router around the Leptos app, the JSON
//! API, and start-up (connect, migrate, serve, shut down cleanly).

pub mod admin;
pub mod api;
pub mod attachments;
pub mod cli;
pub mod config;
pub mod demo;
pub mod exports;
pub mod language;
pub mod metrics;
pub mod outbox;
pub mod payment;
pub mod renewals;
pub mod security;
pub mod serve;
pub mod state;
pub mod storage;
pub mod template;
pub mod wecom;
pub mod wecom_standin;

use app::{App, shell};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use config::Config;
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use sea_orm::DatabaseConnection;
use state::AppState;
use std::sync::OnceLock;

/// Connects to the database and brings its schema up to date.
pub async fn open_database(config: &Config) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let db = app::db::connect_with(&config.database_url, config.sqlite_synchronous).await?;
    app::db::migrate(&db).await?;
    Ok(db)
}

/// The whole HTTP application, with the attachment store the configuration names.
pub fn router(config: &Config, db: DatabaseConnection) -> Result<Router, storage::StorageError> {
    let store = storage::open(&config.storage, &config.data_dir)?;
    Ok(router_with_store(config, db, store))
}

/// The whole HTTP application over a given attachment store (tests wrap the store to inject
/// failures).
pub fn router_with_store(config: &Config, db: DatabaseConnection, store: storage::Store) -> Router {
    let routes = route_list();
    let state = AppState {
        leptos_options: config.leptos.clone(),
        db,
        routes: routes.clone(),
        settings: app::functions::ctx::ServerSettings {
            cookie_secure: config.cookie_secure,
            max_upload_bytes: config.max_upload_bytes as u64,
            wecom: wecom::WecomConfig::switch(config.wecom.as_ref()),
            price_book: Default::default(),
            env_defaults: app::services::admin::EnvDefaults {
                quote_valid_days: app::functions::quotes::valid_days(),
                robot_webhook_masked: config
                    .robot
                    .as_ref()
                    .and_then(|r| r.webhook.as_ref())
                    .map(outbox::robot::redacted),
            },
        },
        robot_tester: robot_tester(config.robot.as_ref().and_then(|r| r.webhook.clone())),
        trust_proxy: config.trust_proxy,
        store,
        max_upload_bytes: config.max_upload_bytes,
        upload_dir: config.data_dir.join(storage::sweep::UPLOAD_DIR),
        link_cap: app::domain::payment_link::LinkCap {
            vouchers: config.payment_link_max_vouchers,
            bytes: config.payment_link_max_bytes,
        },
        metrics: Default::default(),
        metrics_token_hash: config.metrics_token.as_deref().map(app::crypto::token_hash),
    };
    // Uploads count their own bytes against MAX_UPLOAD_BYTES while reading (see attachments).
    let uploads = Router::new()
        .route("/contracts/{id}/attachments", post(attachments::upload))
        .route("/pay/{token}/voucher", post(payment::upload_voucher))
        .route("/admin/wechat-qr", post(admin::upload_wechat_qr))
        .layer(axum::middleware::map_request(attachments::one_frame_at_a_time))
        .layer(axum::extract::DefaultBodyLimit::disable());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::scrape))
        .route("/api/v1/quote", post(api::quote::quote))
        .route("/lang/{tag}", get(language::switch))
        .route("/attachments/{id}", get(attachments::download))
        .route("/contracts/export.xlsx", get(exports::contracts_xlsx))
        .route("/contracts/{id}/timeline.xlsx", get(exports::timeline_xlsx))
        .route("/contracts/{id}/timeline.csv", get(exports::timeline_csv))
        .route("/contracts/{id}/userids.xlsx", get(exports::userids_xlsx))
        .route("/pay/{token}", get(payment::page))
        .route(app::domain::admin::WECHAT_QR_PATH, get(admin::wechat_qr))
        .route("/templates/userid-sheet.xlsx", get(template::userid_sheet))
        .merge(uploads)
        .route("/api/{*fn_name}", get(server_fn_handler).post(server_fn_handler))
        .leptos_routes_with_handler(routes, get(leptos_routes_handler))
        .fallback(static_file_or_not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
        .layer(axum::middleware::from_fn(security::headers))
        .layer(tower_http::compression::CompressionLayer::new().gzip(true).br(true))
}

/// The admin's "send a test message": to the admin's webhook, else the environment's.
fn robot_tester(env_webhook: Option<reqwest::Url>) -> app::functions::ctx::RobotTester {
    app::functions::ctx::RobotTester(std::sync::Arc::new(move |admin: Option<String>, text: String| {
        let target = admin.or_else(|| env_webhook.as_ref().map(|u| u.to_string()));
        Box::pin(async move {
            match target {
                Some(url) => outbox::robot::send_test(&url, &text).await,
                None => Err("尚未设置群机器人地址 / No group robot webhook is set".to_owned()),
            }
        })
    }))
}

/// The app's page routes, generated once per process.
///
/// Generating them renders the app with resource loading switched off through a *process-wide*
/// flag (leptos_server's `SuppressResourceLoad`); a resource first polled while that flag is set
/// stays pending for ever (leptos-rs/leptos#4773). One server builds one router, but the tests
/// build many routers in parallel threads, and a page request in one test that raced a route
/// generation in another hung until CI's time ran out. Generating once removes the overlap:
/// every router waits here until the single generation has finished.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Liveness and database reachability.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "database unreachable"})))
                .into_response()
        }
    }
}

/// Runs a server function after the gates every one of them shares: it must be listed with a
/// door (deny by default), state-changing calls must come from our own pages (Leptos has no CSRF
/// protection of its own), and `SignedIn` doors need a live session.
async fn server_fn_handler(State(state): State<AppState>, request: Request<Body>) -> Response {
    let path = request.uri().path().to_owned();
    let Some(door) = app::functions::door_of(&path) else {
        tracing::warn!(%path, "server function without a door refused");
        return error_response(&app::error::AppError::not_found("接口", "Endpoint"));
    };
    if request.method() != axum::http::Method::GET && !same_origin(request.headers()) {
        return error_response(&app::error::AppError::CrossSite);
    }
    let address = client_address(&request, state.trust_proxy);
    let mut user = None;
    if door != app::functions::Door::Public {
        let token = cookie_value(request.headers(), app::functions::ctx::SESSION_COOKIE);
        user = match token {
            Some(t) => app::services::accounts::current(&state.db, Some(&t)).await.ok().flatten(),
            None => None,
        };
        match (door, &user) {
            // Admin doors answer anyone else alike, signed in or not: 403.
            (app::functions::Door::Admin, u) if !u.as_ref().is_some_and(|u| u.role == app::models::Role::Admin) => {
                return error_response(&app::error::AppError::Forbidden);
            }
            (_, None) => return error_response(&app::error::AppError::Unauthenticated),
            // A temporary password: nothing but choosing one's own until then.
            (_, Some(u))
                if u.must_change_password && path.trim_start_matches("/api/") != app::functions::CHANGE_PASSWORD =>
            {
                return error_response(&app::error::AppError::Forbidden);
            }
            _ => {}
        }
    }
    let request = match buffered(request).await {
        Ok(r) => r,
        Err(refusal) => return refusal,
    };
    let settings = state.settings.clone();
    let tester = state.robot_tester.clone();
    let door_user = user.map(app::functions::ctx::DoorUser);
    let response = handle_server_fns_with_context(
        move || {
            provide_context(state.db.clone());
            provide_context(settings.clone());
            provide_context(tester.clone());
            provide_context(app::functions::ctx::ClientAddress(address.clone()));
            if let Some(u) = &door_user {
                provide_context(u.clone());
            }
        },
        request,
    )
    .await
    .into_response();
    with_error_status(response).await
}

/// The largest server-function request body (arguments), as axum's default body limit.
pub const MAX_SERVER_FN_BODY: usize = 2 * 1024 * 1024;

/// The request with its body read into memory, at most [`MAX_SERVER_FN_BODY`]: past it the caller
/// gets 413 and a message rather than the 500 the server-function layer answers for a body it
/// could not read.
async fn buffered(request: Request<Body>) -> Result<Request<Body>, Response> {
    let too_large = || error_response(&app::error::AppError::TooLarge { max_kib: (MAX_SERVER_FN_BODY / 1024) as u64 });
    let declared = request.headers().get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
    if declared.and_then(|v| v.parse::<usize>().ok()).is_some_and(|n| n > MAX_SERVER_FN_BODY) {
        return Err(too_large());
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_SERVER_FN_BODY).await {
        Ok(bytes) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Err(_) => Err(too_large()),
    }
}

/// A failed server function answers with its error's own status. The server-function layer
/// answers 500 for arguments it cannot decode (malformed JSON, a missing field) before our code
/// runs; the error it carries then is `Transport`, a 400 — the caller's mistake, not the server's.
async fn with_error_status(response: Response) -> Response {
    use axum::http::StatusCode;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(app::error::AppError::Internal)).into_response();
    };
    if let Ok(e) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// An `AppError` as the JSON a server function would have answered with.
pub fn error_response(e: &app::error::AppError) -> Response {
    let status = axum::http::StatusCode::from_u16(e.status()).unwrap_or(axum::http::StatusCode::BAD_REQUEST);
    (status, Json(e)).into_response()
}

/// Whether a request comes from one of our own pages: `Sec-Fetch-Site` when the browser sends it,
/// else `Origin` must match `Host`. Requests with neither (curl, server-to-server) carry no
/// ambient browser credentials of a victim and pass.
pub fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, h)| h.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// A cookie's value from request headers.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    app::functions::cookie_in(headers, name)
}

/// The client's address: the first `X-Forwarded-For` entry behind a trusted proxy, else the peer.
fn client_address(request: &Request<Body>, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(first) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return first.to_owned();
        }
    }
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

async fn leptos_routes_handler(state: State<AppState>, request: Request<Body>) -> Response {
    let State(app_state) = state.clone();
    let handler =
        leptos_axum::render_route_with_context(app_state.routes.clone(), page_context(&app_state), move || {
            shell(app_state.leptos_options.clone())
        });
    handler(state, request).await.into_response()
}

/// The fallback: a file of the built site (the WASM, JS and CSS bundles, with their precompressed
/// `.br` / `.gz` twins), else the not-found page.
///
/// Files are served here, outside any reactive owner, rather than by
/// `leptos_axum::file_and_error_handler_with_context`: that one serves a file inside a new
/// `Owner::new()` and runs the page context in it, and `Owner::new()` is a child of the worker
/// thread's current owner, which a page render leaves set after it is polled (leptos 0.8.23; seen
/// with a check around every poll of every request). With pages and bundles loading at once, the
/// file's owner could be the child of a page render still waiting for its database query: the
/// file's response then took that page's response headers, CSP with its nonce included
/// (`extend_response` moves them), and the page went out with the nonce-less policy, its
/// hydration script blocked, never interactive. Only requests for no file reach Leptos' handler,
/// which renders the not-found page in a fresh root owner.
async fn static_file_or_not_found(State(state): State<AppState>, request: Request<Body>) -> Response {
    use axum::http::{Method, StatusCode, header};
    use tower::ServiceExt;
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    let mut file_request = Request::builder()
        .method(if read { request.method().clone() } else { Method::HEAD })
        .uri(request.uri().clone());
    for name in [header::ACCEPT_ENCODING, header::IF_MODIFIED_SINCE, header::IF_NONE_MATCH, header::RANGE] {
        if let Some(value) = request.headers().get(&name) {
            file_request = file_request.header(name, value.clone());
        }
    }
    if let Ok(file_request) = file_request.body(Body::empty()) {
        // The site root with the precompressed twins, as leptos_axum configures it.
        let files = leptos_axum::site_pkg_dir_service(&state.leptos_options);
        // ServeDir's error type is `Infallible`: a missing or unreadable file is a status.
        let Ok(response) = files.oneshot(file_request).await;
        if response.status() != StatusCode::NOT_FOUND {
            if read {
                return response.into_response();
            }
            // A file only answers GET and HEAD (Leptos' handler would have served it to a POST).
            return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
        }
    }
    let uri = request.uri().clone();
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(page_context(&state), shell);
    not_found(uri, State(state), request).await
}

/// What every page render gets besides Leptos' own context: the database and settings its
/// resources need, and the CSP header with the render's nonce. The not-found page (the fallback)
/// renders the whole app too (header, user menu), so it needs them as much as the routes do.
fn page_context(state: &AppState) -> impl Fn() + Clone + Send + 'static {
    let (db, settings) = (state.db.clone(), state.settings.clone());
    move || {
        provide_context(db.clone());
        provide_context(settings.clone());
        security::page_csp();
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing open requests");
}
