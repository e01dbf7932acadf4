//! Rate-limit counters shared by every server process through the database.
//!
//! A hit is counted by one atomic statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), so a
//! burst of concurrent requests gets the counts 1, 2, 3, … — none of them can read a count that
//! another has not yet recorded (a read-then-write would let 300 simultaneous attempts all see
//! "0 so far"). The window is fixed: it starts at the first hit after the previous one ran out.

use crate::db::entities::throttle::{Column, Entity};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// Where a counter stands after a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    /// Hits in the current window, this one included.
    pub hits: i64,
    /// When the current window started.
    pub window_start: DateTime<Utc>,
}

impl Count {
    /// Whole minutes (at least 1) until the window runs out.
    pub fn minutes_left(&self, window: Duration) -> i64 {
        let seconds = (self.window_start + window - Utc::now()).num_seconds();
        Ord::max((seconds + 59) / 60, 1)
    }
}

/// Keys are stored up to this many characters (a client-chosen username or address must not make
/// the key column overflow).
const MAX_KEY_CHARS: usize = 200;

fn stored_key(key: &str) -> String {
    key.chars().take(MAX_KEY_CHARS).collect()
}

/// Counts one hit on `key` and returns the count including it.
pub async fn hit(db: &impl ConnectionTrait, key: &str, window: Duration) -> Result<Count, DbErr> {
    let now = Utc::now();
    let column = |c: Column| Expr::col((Entity, c));
    let expired = || column(Column::WindowStart).lt(now - window);
    let statement = Query::insert()
        .into_table(Entity)
        .columns([Column::Key, Column::WindowStart, Column::Hits])
        .values_panic([stored_key(key).into(), now.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(Column::Key)
                .value(Column::WindowStart, Expr::case(expired(), now).finally(column(Column::WindowStart)))
                .value(Column::Hits, Expr::case(expired(), 1i64).finally(column(Column::Hits).add(1i64)))
                .to_owned(),
        )
        .returning(Query::returning().columns([Column::Hits, Column::WindowStart]))
        .to_owned();
    let row = db.query_one(&statement).await?.ok_or_else(|| DbErr::RecordNotFound("throttle counter".into()))?;
    Ok(Count { hits: row.try_get("", "hits")?, window_start: row.try_get("", "window_start")? })
}

/// Hits on `key` in its current window (0 when there are none or the window ran out).
pub async fn peek(db: &impl ConnectionTrait, key: &str, window: Duration) -> Result<i64, DbErr> {
    let row = Entity::find_by_id(stored_key(key)).one(db).await?;
    Ok(row.filter(|r| r.window_start >= Utc::now() - window).map_or(0, |r| r.hits))
}

/// Gives one hit back (an attempt that turned out not to count, such as a successful sign-in).
pub async fn take_back(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Hits, Expr::col(Column::Hits).sub(1i64))
        .filter(Column::Key.eq(stored_key(key)))
        .filter(Column::Hits.gt(0i64))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets `key`'s hits.
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    Entity::delete_many().filter(Column::Key.eq(stored_key(key))).exec(db).await?;
    Ok(())
}

/// Housekeeping: drops counters whose window started before `before` (they count nothing).
pub async fn sweep(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<(), DbErr> {
    Entity::delete_many().filter(Column::WindowStart.lt(before)).exec(db).await?;
    Ok(())
}
