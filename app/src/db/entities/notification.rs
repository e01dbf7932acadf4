//! An in-app notification for one user (the approver's desk shows them), written by the outbox's
//! notification handler.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recipient_user_id: i64,
    /// The event kind that caused it (`Event::kind()`).
    pub kind: String,
    pub contract_id: Option<i64>,
    /// The free detail (a reject reason, a comment); may be empty.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// The outbox event it came from (unique with the recipient).
    pub outbox_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
