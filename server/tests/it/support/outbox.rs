//! Outbox test helpers shared by the worker's and the handlers' tests.

use app::db::entities::outbox as outbox_row;
use app::domain::event::Header;
use sea_orm::DatabaseConnection;
use server::outbox::{Backoff, Worker, WorkerConfig};
use std::time::{Duration, Instant};

/// The liveness bound of every wait: generous, not a speed target.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A worker that polls often and backs off briefly.
pub fn fast() -> WorkerConfig {
    WorkerConfig {
        poll: Duration::from_millis(10),
        lease: Duration::from_secs(30),
        batch: 16,
        backoff: Backoff { base: Duration::from_millis(50), cap: Duration::from_millis(400), max_attempts: 20 },
    }
}

/// An event header for contract `contract_id`, numbered after it, telling `notify`.
pub fn header(contract_id: i64, notify: Vec<i64>) -> Header {
    Header {
        contract_id,
        document_number: Some(format!("QYWXHT-{contract_id}")),
        end_customer: "某某科技".into(),
        actor_user_id: None,
        notify,
    }
}

pub async fn row(db: &DatabaseConnection, id: i64) -> outbox_row::Model {
    app::db::outbox::get(db, id).await.unwrap().expect("outbox row")
}

/// Runs passes until `until` holds of the row, at most [`PATIENCE`].
pub async fn run_until(worker: &Worker, db: &DatabaseConnection, id: i64, until: impl Fn(&outbox_row::Model) -> bool) {
    let start = Instant::now();
    loop {
        let pass = worker.run_once().await.expect("pass");
        if until(&row(db, id).await) {
            return;
        }
        assert!(start.elapsed() < PATIENCE, "row {id} not there within {PATIENCE:?}: {:?}", row(db, id).await);
        if pass.claimed == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
