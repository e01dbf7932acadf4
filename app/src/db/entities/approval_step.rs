//! A decision at one level of one approval round. Unique per (contract, round, level): two
//! concurrent decisions cannot both be stored.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub round: i32,
    pub level: i32,
    pub approver_user_id: i64,
    /// `approve` or `reject`.
    pub decision: String,
    pub comment: String,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
