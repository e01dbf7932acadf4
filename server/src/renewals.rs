//! The daily renewal reminders (续期提醒): at start-up and then every [`INTERVAL`], the contracts
//! whose API expiry date is 30 or 7 days away get their owner's reminder put in the outbox
//! (`app::services::renewals::send_reminders`; once per threshold, however often this runs and on
//! however many processes). Hourly rather than at one moment of the day: a server that was down
//! at that moment still reminds the same day.

use sea_orm::DatabaseConnection;
use std::time::Duration;

/// How often the check runs after start-up.
pub const INTERVAL: Duration = Duration::from_secs(60 * 60);

pub fn spawn(db: DatabaseConnection) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match app::services::renewals::send_reminders(&db, chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "renewal reminders sent to the outbox"),
                Err(e) => tracing::warn!(error = %e, "renewal reminders failed; trying again later"),
            }
            tokio::time::sleep(INTERVAL).await;
        }
    })
}
