//! The WeCom License Desk server: configuration, the axum router around the Leptos app, the JSON
//! API, and start-up (connect, migrate, serve, shut down cleanly).

pub mod api;
pub mod config;
pub mod language;
pub mod state;

use app::{App, shell};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use config::Config;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use sea_orm::DatabaseConnection;
use state::AppState;

/// Connects to the database and brings its schema up to date.
pub async fn open_database(config: &Config) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let db = app::db::connect(&config.database_url).await?;
    app::db::migrate(&db).await?;
    Ok(db)
}

/// The whole HTTP application.
pub fn router(config: &Config, db: DatabaseConnection) -> Router {
    let routes = generate_route_list(App);
    let state = AppState { leptos_options: config.leptos.clone(), db, routes: routes.clone() };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/quote", post(api::quote::quote))
        .route("/lang/{tag}", get(language::switch))
        .route("/api/{*fn_name}", get(server_fn_handler).post(server_fn_handler))
        .leptos_routes_with_handler(routes, get(leptos_routes_handler))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // gzip / brotli for clients that ask: the WASM and the pages are most of the first load.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
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

async fn server_fn_handler(State(state): State<AppState>, request: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.db.clone()), request).await
}

async fn leptos_routes_handler(state: State<AppState>, request: Request<Body>) -> Response {
    let State(app_state) = state.clone();
    let db = app_state.db.clone();
    let handler = leptos_axum::render_route_with_context(
        app_state.routes.clone(),
        move || provide_context(db.clone()),
        move || shell(app_state.leptos_options.clone()),
    );
    handler(state, request).await.into_response()
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
