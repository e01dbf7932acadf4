//! The outbox worker and its handlers: the side effects that follow a change, done after the
//! change committed and never inside the request that made it.
//!
//! A service writes an [`Event`] with `app::db::outbox::enqueue` in the transaction that makes the
//! change, so the event exists exactly when the change does. The [`worker::Worker`] polls the
//! `outbox` table, claims due rows under a lease, hands each to every [`Handler`] that takes its
//! kind, and then marks it done, or records the error and retries it later with exponential
//! backoff (dead after a cap of attempts). A row is handled by one worker at a time, also with
//! several server processes on one PostgreSQL; but a worker can die after a handler's effect and
//! before the row is marked done, and a row can fail in one handler after another succeeded, so a
//! handler may see the same event again and **must be idempotent** (keyed on
//! [`Delivery::outbox_id`]). Effects are then exactly once; handling is at least once.
//!
//! - [`notify::Notifications`]: an in-app notification per recipient in the event's `notify`.
//! - [`crate::wecom::job::Fulfilment`]: the WeCom license job's steps (`wecom.job_step`), when
//!   WeCom's license API is configured.
//! - [`robot::Robot`]: a markdown message to a WeCom group through its robot's webhook, when one is
//!   configured (`WECOM_ROBOT_WEBHOOK`); rate-limited, and at least once (see the module).

pub mod notify;
pub mod robot;
pub mod worker;

use app::domain::event::Event;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use std::sync::Arc;

pub use worker::{Backoff, OutboxHandle, Pass, Worker, WorkerConfig};

/// The HTTP client a handler calls a remote service with: `timeout` per request, redirects not
/// followed (a secret in a URL or body never goes elsewhere).
pub fn http_client(timeout: std::time::Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        // Only fails when the TLS backend cannot start, which no input of ours changes.
        .expect("an HTTP client with rustls")
}

/// Why a handler did not finish.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The database failed; tried again later.
    #[error("database: {0}")]
    Db(#[from] DbErr),
    /// Anything else that may pass (a remote service down, a timeout); tried again later.
    #[error("{0}")]
    Retry(String),
    /// Trying again cannot help (the remote service refused the request for good): the row is
    /// marked dead at once, with this error.
    #[error("{0} (not retried)")]
    Permanent(String),
}

/// One event handed to handlers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The outbox row: the key that makes a handler idempotent.
    pub outbox_id: i64,
    /// Failed attempts before this one.
    pub attempts: i32,
    /// When the event was written (with the change).
    pub created_at: DateTime<Utc>,
    pub event: Event,
}

/// A side effect of events.
#[async_trait::async_trait]
pub trait Handler: Send + Sync {
    /// A short stable name, for logs and the recorded error.
    fn name(&self) -> &'static str;
    /// The event kinds (`Event::kind()`) it acts on. A worker claims only rows of kinds one of its
    /// handlers takes, so a kind no running process knows waits for one that does.
    fn kinds(&self) -> Vec<&'static str>;
    /// Does the effect for one event. It may run more than once for the same
    /// [`Delivery::outbox_id`] (after a crash, or when another handler of the event failed) and
    /// must then not do the effect twice.
    async fn handle(&self, delivery: &Delivery) -> Result<(), HandlerError>;
}

/// The handlers the server runs: in-app notifications, and the WeCom group robot when `robot` is
/// configured. Each call makes new handlers (the robot's rate window is per handler): a process
/// runs one worker with them.
pub fn default_handlers(db: &DatabaseConnection, robot: Option<&robot::RobotConfig>) -> Vec<Arc<dyn Handler>> {
    let mut handlers: Vec<Arc<dyn Handler>> = vec![Arc::new(notify::Notifications::new(db.clone()))];
    if let Some(config) = robot {
        handlers.push(Arc::new(robot::Robot::new(db.clone(), config.clone())));
    }
    handlers
}

/// Starts the server's outbox worker with the default handlers and, when WeCom's license API is
/// configured, the fulfilment job's (`serve` does, at start-up); [`OutboxHandle::stop`] it on
/// shutdown.
pub fn start(
    db: &DatabaseConnection,
    config: &WorkerConfig,
    robot: Option<&robot::RobotConfig>,
    wecom: Option<&crate::wecom::WecomConfig>,
) -> OutboxHandle {
    let mut handlers = default_handlers(db, robot);
    if let Some(wecom) = wecom {
        let client = Arc::new(crate::wecom::client::LicenseClient::new(wecom.clone()));
        handlers.push(Arc::new(crate::wecom::job::Fulfilment::new(db.clone(), client)));
    }
    let worker = Worker::new(db.clone(), handlers, config.clone());
    tracing::info!(
        worker = worker.id(),
        poll_ms = config.poll.as_millis() as u64,
        wecom_robot = robot.map(|r| r.redacted_webhook()).unwrap_or_else(|| "off".into()),
        wecom_license_api = wecom.map(|w| w.base.as_str()).unwrap_or("off"),
        "outbox worker started"
    );
    worker::spawn(worker)
}
