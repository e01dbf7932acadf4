//! The first handler: an in-app notification for each user the event names in `notify`, all in
//! one transaction per event. Idempotent: a notification is unique per outbox event and recipient,
//! so handling the same event again writes nothing new.

use super::{Delivery, Handler, HandlerError};
use app::db::notifications::{self, NewNotification};
use sea_orm::DatabaseConnection;

pub struct Notifications {
    db: DatabaseConnection,
}

impl Notifications {
    pub fn new(db: DatabaseConnection) -> Notifications {
        Notifications { db }
    }
}

#[async_trait::async_trait]
impl Handler for Notifications {
    fn name(&self) -> &'static str {
        "notifications"
    }

    fn kinds(&self) -> Vec<&'static str> {
        app::domain::event::KINDS.to_vec()
    }

    async fn handle(&self, delivery: &Delivery) -> Result<(), HandlerError> {
        let event = &delivery.event;
        let header = event.header();
        let mut wanted = header.notify.clone();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        // Read before the transaction, so that it starts with its first insert: on SQLite a
        // transaction that reads and then writes fails with SQLITE_BUSY_SNAPSHOT (517) when
        // another connection — another server process — committed in between, which
        // `busy_timeout` does not wait out (seen with two processes on one file). Users are never
        // deleted, so the answer cannot go stale.
        let recipients = notifications::existing_users(&self.db, &wanted).await?;
        if recipients.len() < wanted.len() {
            let missing: Vec<i64> = wanted.iter().copied().filter(|id| !recipients.contains(id)).collect();
            tracing::warn!(outbox_id = delivery.outbox_id, ?missing, "notification recipients not found; skipped");
        }
        let text = event.text();
        let (_writer, txn) = app::db::begin_write(&self.db).await?;
        for recipient in recipients {
            notifications::insert(
                &txn,
                &NewNotification {
                    recipient_user_id: recipient,
                    kind: event.kind(),
                    contract_id: Some(header.contract_id),
                    text: &text,
                    outbox_id: Some(delivery.outbox_id),
                    created_at: delivery.created_at,
                },
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }
}
