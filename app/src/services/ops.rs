//! What an operator watches (`GET /metrics`): the outbox's queue depth, the age of its oldest
//! event and its failures, and the WeCom license jobs by state. Read-only; the scraper's door is
//! the server's (`METRICS_TOKEN`), not a signed-in user's.

use crate::db::ops as db;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

/// The figures at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpsSnapshot {
    /// Outbox events not yet handled (due or waiting for a retry).
    pub outbox_waiting: u64,
    /// Seconds since the oldest of those was written (0 when none waits).
    pub outbox_oldest_age_secs: f64,
    /// Outbox events given up on after their last attempt.
    pub outbox_dead: u64,
    /// Failed delivery attempts over all outbox events kept.
    pub outbox_failed_attempts: i64,
    /// WeCom license jobs per state code (`ordering`, `awaiting_payment`, …).
    pub wecom_jobs: Vec<(String, i64)>,
}

pub async fn snapshot(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<OpsSnapshot, DbErr> {
    let (outbox_waiting, oldest) = db::outbox_waiting(db).await?;
    Ok(OpsSnapshot {
        outbox_waiting,
        outbox_oldest_age_secs: oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0),
        outbox_dead: db::outbox_dead(db).await?,
        outbox_failed_attempts: db::outbox_failed_attempts(db).await?,
        wecom_jobs: db::wecom_jobs_by_state(db).await?,
    })
}
