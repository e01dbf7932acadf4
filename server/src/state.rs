//! What every handler can reach: one `AppState`, cloned cheaply per request.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos_axum::AxumRouteListing;
use sea_orm::DatabaseConnection;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub routes: Vec<AxumRouteListing>,
    pub settings: app::functions::ctx::ServerSettings,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_proxy: bool,
    /// Where attachment bytes are kept.
    pub store: crate::storage::Store,
    /// `MAX_UPLOAD_BYTES`.
    pub max_upload_bytes: usize,
    /// Where uploads are received into temporary files (`DATA_DIR/uploads`), never into memory.
    pub upload_dir: std::path::PathBuf,
    /// What one payment link takes at most (`PAYMENT_LINK_MAX_VOUCHERS`, `PAYMENT_LINK_MAX_BYTES`).
    pub link_cap: app::domain::payment_link::LinkCap,
    /// The admin's "send a test message" to the group robot.
    pub robot_tester: app::functions::ctx::RobotTester,
    /// This router's request counters and latency histograms (`/metrics`).
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    /// The hash of `METRICS_TOKEN`, the scraper's bearer token; `None`: `/metrics` answers 404.
    pub metrics_token_hash: Option<String>,
}
