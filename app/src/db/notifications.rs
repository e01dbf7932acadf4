//! In-app notifications: written by the outbox's notification handler, read by their recipient.
//!
//! Every read and write here is scoped to one recipient: a user can list, count and mark only
//! their own.

use crate::db::entities::{notification, user};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use notification::{Column, Entity, Model};

/// A notification to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification<'a> {
    pub recipient_user_id: i64,
    /// The event kind (`Event::kind()`).
    pub kind: &'a str,
    pub contract_id: Option<i64>,
    pub text: &'a str,
    /// The outbox event it comes from: at most one notification per event and recipient.
    pub outbox_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Writes a notification unless the same outbox event already notified the same recipient.
/// Whether a row was written.
pub async fn insert<C: ConnectionTrait>(db: &C, new: &NewNotification<'_>) -> Result<bool, DbErr> {
    let statement = Query::insert()
        .into_table(Entity)
        .columns([
            Column::RecipientUserId,
            Column::Kind,
            Column::ContractId,
            Column::Text,
            Column::OutboxId,
            Column::CreatedAt,
        ])
        .values_panic([
            new.recipient_user_id.into(),
            new.kind.into(),
            new.contract_id.into(),
            new.text.into(),
            new.outbox_id.into(),
            new.created_at.into(),
        ])
        .on_conflict(OnConflict::columns([Column::OutboxId, Column::RecipientUserId]).do_nothing().to_owned())
        .to_owned();
    Ok(db.execute(&statement).await?.rows_affected() == 1)
}

/// Which of `ids` are users (a recipient deleted since the event was written is skipped, not
/// retried for ever).
pub async fn existing_users<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<i64>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(db)
        .await
}

/// A user's notifications, newest first, at most `limit`.
pub async fn list<C: ConnectionTrait>(db: &C, user_id: i64, limit: u64) -> Result<Vec<Model>, DbErr> {
    Entity::find().filter(Column::RecipientUserId.eq(user_id)).order_by_desc(Column::Id).limit(limit).all(db).await
}

/// How many of a user's notifications are unread.
pub async fn unread_count<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<u64, DbErr> {
    Entity::find().filter(Column::RecipientUserId.eq(user_id)).filter(Column::ReadAt.is_null()).count(db).await
}

/// Marks one notification read, if it is `user_id`'s and unread. Whether it was.
pub async fn mark_read<C: ConnectionTrait>(db: &C, user_id: i64, id: i64, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::ReadAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::RecipientUserId.eq(user_id))
        .filter(Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks all of a user's unread notifications read. Returns how many were.
pub async fn mark_all_read<C: ConnectionTrait>(db: &C, user_id: i64, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::ReadAt, Expr::value(now))
        .filter(Column::RecipientUserId.eq(user_id))
        .filter(Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// A notification, if it exists and is `user_id`'s.
pub async fn find_for<C: ConnectionTrait>(db: &C, user_id: i64, id: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).filter(Column::RecipientUserId.eq(user_id)).one(db).await
}
