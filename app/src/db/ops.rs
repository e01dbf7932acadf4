//! What an operator watches, read from the tables: the outbox's queue and failures, and the WeCom
//! jobs by state (`services::ops`, `/metrics`).

use super::entities::{outbox, wecom_job};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

/// Outbox rows still to be handled (neither done nor dead), and when the oldest was written.
pub async fn outbox_waiting<C: ConnectionTrait>(db: &C) -> Result<(u64, Option<DateTime<Utc>>), DbErr> {
    let waiting =
        || outbox::Entity::find().filter(outbox::Column::DoneAt.is_null()).filter(outbox::Column::DeadAt.is_null());
    let count = waiting().count(db).await?;
    let oldest = waiting().order_by_asc(outbox::Column::CreatedAt).one(db).await?.map(|r| r.created_at);
    Ok((count, oldest))
}

/// Outbox rows given up on (their attempts ran out).
pub async fn outbox_dead<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    outbox::Entity::find().filter(outbox::Column::DeadAt.is_not_null()).count(db).await
}

/// Failed attempts over every outbox row kept (each row counts the attempts that failed).
pub async fn outbox_failed_attempts<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    let sum: Option<Option<i64>> = outbox::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::cast_as(Func::sum(Expr::col(outbox::Column::Attempts)), Alias::new("BIGINT"))),
            "failed",
        )
        .into_tuple()
        .one(db)
        .await?;
    Ok(sum.flatten().unwrap_or(0))
}

/// WeCom license jobs per state code.
pub async fn wecom_jobs_by_state<C: ConnectionTrait>(db: &C) -> Result<Vec<(String, i64)>, DbErr> {
    wecom_job::Entity::find()
        .select_only()
        .column(wecom_job::Column::State)
        .column_as(Expr::expr(Func::count(Expr::col(wecom_job::Column::Id))), "jobs")
        .group_by(wecom_job::Column::State)
        .order_by_asc(wecom_job::Column::State)
        .into_tuple()
        .all(db)
        .await
}
