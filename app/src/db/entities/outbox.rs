//! An event waiting for (or done with) its side effects: written in the same transaction as the
//! change it reports, handled afterwards by the outbox worker (`server::outbox`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `domain::event::Event::kind()`.
    pub kind: String,
    /// The event as JSON (`Event::to_json`).
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub created_at: DateTimeUtc,
    /// Failed attempts so far.
    pub attempts: i32,
    /// Not claimed before this.
    pub next_attempt_at: DateTimeUtc,
    /// Every handler succeeded.
    pub done_at: Option<DateTimeUtc>,
    /// The attempts ran out; never claimed again unless revived (`db::outbox::revive`).
    pub dead_at: Option<DateTimeUtc>,
    /// The worker handling it, while `claimed_until` has not passed.
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTimeUtc>,
    /// The last failure, kept after success or death for the record.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
