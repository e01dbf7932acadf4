//! In-app notifications (通知): the caller's own, and marking them read. Written by the outbox's
//! notification handler after the change they tell of; a user reads only their own.

use super::now;
use crate::db::notifications as db;
use crate::error::AppError;
use crate::models::{DeskCounts, NotificationDto, Notifications, SessionUser};
use sea_orm::DatabaseConnection;

/// The most notifications one answer lists.
pub const PAGE: u64 = 50;

/// The caller's newest notifications, with the unread count.
pub async fn mine(db: &DatabaseConnection, actor: &SessionUser) -> Result<Notifications, AppError> {
    let rows = db::list(db, actor.id, PAGE).await?;
    let ids: Vec<i64> = rows.iter().filter_map(|n| n.contract_id).collect();
    let names = crate::db::contract_reads::names(db, ids).await?;
    let items = rows
        .into_iter()
        .map(|n| {
            let (document_number, end_customer) =
                n.contract_id.and_then(|c| names.get(&c).cloned()).unwrap_or_default();
            NotificationDto {
                id: n.id,
                document_number,
                end_customer,
                kind: n.kind,
                contract_id: n.contract_id,
                text: n.text,
                created_at: n.created_at,
                read: n.read_at.is_some(),
            }
        })
        .collect();
    Ok(Notifications { items, unread: db::unread_count(db, actor.id).await? })
}

/// The navigation bar's counts: contracts waiting at the caller's level, unread notifications.
pub async fn counts(db: &DatabaseConnection, actor: &SessionUser) -> Result<DeskCounts, AppError> {
    Ok(DeskCounts {
        waiting: super::approvals::waiting_count(db, actor).await?,
        unread: db::unread_count(db, actor.id).await?,
    })
}

/// Marks one of the caller's notifications read (again is fine); someone else's, or none, is 404.
pub async fn mark_read(db: &DatabaseConnection, actor: &SessionUser, id: i64) -> Result<u64, AppError> {
    if db::find_for(db, actor.id, id).await?.is_none() {
        return Err(AppError::not_found("通知", "Notification"));
    }
    db::mark_read(db, actor.id, id, now()).await?;
    Ok(db::unread_count(db, actor.id).await?)
}

/// Marks all of the caller's notifications read; answers the unread count (0).
pub async fn mark_all_read(db: &DatabaseConnection, actor: &SessionUser) -> Result<u64, AppError> {
    db::mark_all_read(db, actor.id, now()).await?;
    Ok(db::unread_count(db, actor.id).await?)
}
