//! The outbox's queries: enqueue an event in the writer's transaction, and claim, complete, fail
//! or release rows for a worker. No policy here: the worker (`server::outbox`) decides the lease,
//! the backoff and when to give up.
//!
//! A row is *due* when it is not done, not dead, its `next_attempt_at` has come and it is not
//! under a live claim (`claimed_until` unset or past). [`claim`] takes due rows with one
//! statement, `UPDATE … SET claimed_by, claimed_until WHERE id IN (SELECT … due … ORDER BY id
//! LIMIT n FOR UPDATE SKIP LOCKED) AND due RETURNING *`:
//! - on PostgreSQL the sub-select locks the rows it picks and skips those another worker holds;
//!   a row another worker claimed and committed in the meantime fails the re-checked `due`;
//! - on SQLite (which ignores `FOR UPDATE`) the statement runs under the single writer lock, so
//!   two workers on one file can never both see a row as due.
//!
//! Either way a row is claimed by one worker at a time. [`complete`], [`fail`] and [`release`]
//! only touch a row still claimed by the worker that asks, so a worker whose lease ran out (and
//! whose row another worker took) cannot undo the other's claim.

use crate::db::entities::outbox::{Column, Entity, Model};
use crate::domain::event::Event;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Order, Query, UpdateStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// `last_error` keeps at most this many characters of an error.
pub const MAX_ERROR_CHARS: usize = 2000;

/// Writes `event` to the outbox, due now. Call it with the transaction that makes the change the
/// event reports: the event then exists if and only if the change was committed. Returns the
/// row's id.
pub async fn enqueue<C: ConnectionTrait>(db: &C, event: &Event) -> Result<i64, DbErr> {
    enqueue_at(db, event, Utc::now()).await
}

/// Writes `event` to the outbox, due at `due` (a step that must wait, such as the next look at
/// whether an order was paid). Otherwise as [`enqueue`].
pub async fn enqueue_at<C: ConnectionTrait>(db: &C, event: &Event, due: DateTime<Utc>) -> Result<i64, DbErr> {
    let now = Utc::now();
    let row = crate::db::entities::outbox::ActiveModel {
        kind: Set(event.kind().to_owned()),
        payload: Set(event.to_json()),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(std::cmp::max(due, now)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// The rows of `kinds` that a worker may take at `now`.
fn due(kinds: &[&str], now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Column::DoneAt.is_null())
        .add(Column::DeadAt.is_null())
        .add(Column::NextAttemptAt.lte(now))
        .add(Condition::any().add(Column::ClaimedUntil.is_null()).add(Column::ClaimedUntil.lt(now)))
        .add(Column::Kind.is_in(kinds.iter().copied()))
}

/// Claims up to `limit` due rows of the given kinds (oldest first) for `worker` until
/// `now + lease`. Rows of other kinds are left for a worker whose handlers know them.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    worker: &str,
    kinds: &[&str],
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    if kinds.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    // A read first: most polls find nothing, and on SQLite an UPDATE, even one that matches no
    // row, takes the database's single write lock that requests are waiting for.
    let any_due = Entity::find().select_only().column(Column::Id).filter(due(kinds, now)).limit(1);
    if any_due.into_tuple::<i64>().one(db).await?.is_none() {
        return Ok(Vec::new());
    }
    let mut rows = returning(db, &claim_statement(worker, kinds, now, lease, limit)).await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) AND due RETURNING *` (SQLite's
/// query builder leaves out the lock clause, which SQLite has no use for).
fn claim_statement(worker: &str, kinds: &[&str], now: DateTime<Utc>, lease: Duration, limit: u64) -> UpdateStatement {
    let pick = Query::select()
        .column(Column::Id)
        .from(Entity)
        .cond_where(due(kinds, now))
        .order_by(Column::Id, Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    Query::update()
        .table(Entity)
        .value(Column::ClaimedBy, worker)
        .value(Column::ClaimedUntil, now + lease)
        .cond_where(Condition::all().add(Column::Id.in_subquery(pick)).add(due(kinds, now)))
        .returning_all()
        .to_owned()
}

async fn returning<C: ConnectionTrait>(db: &C, statement: &UpdateStatement) -> Result<Vec<Model>, DbErr> {
    db.query_all(statement).await?.iter().map(|row| Model::from_query_result(row, "")).collect()
}

/// The row `id` while `worker` holds it.
fn held(id: i64, worker: &str) -> Condition {
    Condition::all().add(Column::Id.eq(id)).add(Column::ClaimedBy.eq(worker)).add(Column::DoneAt.is_null())
}

/// Marks a row `worker` holds as done and drops the claim. Whether the row was still `worker`'s
/// (false: its lease ran out and another worker took it, which will complete it in turn).
pub async fn complete<C: ConnectionTrait>(db: &C, id: i64, worker: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::DoneAt, Expr::value(now))
        .col_expr(Column::ClaimedBy, Expr::value(Option::<String>::None))
        .col_expr(Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(held(id, worker))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// What to do with a row whose attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Try again from this time on.
    At(DateTime<Utc>),
    /// Give up: the row is marked dead at this time (`done_at` stays empty, the error stays).
    Never(DateTime<Utc>),
}

/// Records a failed attempt of a row `worker` holds: one more attempt, the error (cut to
/// [`MAX_ERROR_CHARS`]), the claim dropped, and either the next attempt's time or death. Whether
/// the row was still `worker`'s.
pub async fn fail<C: ConnectionTrait>(db: &C, id: i64, worker: &str, error: &str, retry: Retry) -> Result<bool, DbErr> {
    let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
    let mut update = Entity::update_many()
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::LastError, Expr::value(error))
        .col_expr(Column::ClaimedBy, Expr::value(Option::<String>::None))
        .col_expr(Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None));
    update = match retry {
        Retry::At(at) => update.col_expr(Column::NextAttemptAt, Expr::value(at)),
        Retry::Never(at) => update.col_expr(Column::DeadAt, Expr::value(at)),
    };
    let result = update.filter(held(id, worker)).exec(db).await?;
    Ok(result.rows_affected == 1)
}

/// Gives back the claims `worker` holds on `ids` without counting an attempt (a worker stopping,
/// or one whose lease ran too short for the rest of its batch). Returns how many were released.
pub async fn release<C: ConnectionTrait>(db: &C, ids: &[i64], worker: &str) -> Result<u64, DbErr> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = Entity::update_many()
        .col_expr(Column::ClaimedBy, Expr::value(Option::<String>::None))
        .col_expr(Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::ClaimedBy.eq(worker))
        .filter(Column::DoneAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Brings a dead row back: due now, attempts from zero (the last error stays until the next one).
/// Whether it was dead.
pub async fn revive<C: ConnectionTrait>(db: &C, id: i64, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::DeadAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::NextAttemptAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::DeadAt.is_not_null())
        .filter(Column::DoneAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// One row, for tests and operators.
pub async fn get<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// Rows not done yet (pending, claimed or dead), oldest first, at most `limit`.
pub async fn undone<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<Model>, DbErr> {
    Entity::find().filter(Column::DoneAt.is_null()).order_by_asc(Column::Id).limit(limit).all(db).await
}

/// Dead rows, oldest first, at most `limit`: what an operator looks at (and may [`revive`]).
pub async fn dead<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::DeadAt.is_not_null())
        .filter(Column::DoneAt.is_null())
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Housekeeping: deletes rows done before `before` (their effects are recorded where they
/// happened, e.g. in `notifications`). Returns how many went.
pub async fn prune_done<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = Entity::delete_many().filter(Column::DoneAt.lt(before)).exec(db).await?;
    Ok(result.rows_affected)
}

/// Until when the row `id`, not yet done, is claimed (`None`: not claimed). A handler that would
/// wait (for a rate limit's next slot, say) asks this to know whether the wait fits in the lease
/// it runs under.
pub async fn claimed_until<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<DateTime<Utc>>, DbErr> {
    let query = Entity::find().select_only().column(Column::ClaimedUntil).filter(Column::Id.eq(id));
    Ok(query.filter(Column::DoneAt.is_null()).into_tuple::<Option<DateTime<Utc>>>().one(db).await?.flatten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DbBackend;

    #[test]
    fn the_claim_skips_locked_rows_on_postgres_and_is_one_statement_on_both() {
        let statement = claim_statement("w1", &["contract.approved"], Utc::now(), Duration::seconds(60), 16);
        let pg = DbBackend::Postgres.build(&statement).to_string();
        assert!(pg.starts_with(r#"UPDATE "outbox" SET "claimed_by""#), "{pg}");
        assert!(pg.contains("LIMIT 16 FOR UPDATE SKIP LOCKED)"), "{pg}");
        assert!(pg.ends_with("RETURNING *"), "{pg}");
        let sqlite = DbBackend::Sqlite.build(&statement).to_string();
        assert!(sqlite.contains("LIMIT 16") && !sqlite.contains("FOR UPDATE"), "{sqlite}");
    }
}
