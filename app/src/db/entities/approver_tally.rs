//! How many contracts an approver sees, and the sum of their totals, per organisation, owner,
//! status and order type: `contract_tallies` per approver, kept by triggers (migration
//! `m20261210_000021_approver_tallies`), read by the list's totals and owner choices.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approver_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub approver_user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub owner_user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: String,
    /// `OrderType::code`, or '' for a contract without one.
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_type: String,
    pub contracts: i64,
    /// Fen; unpriced contracts add nothing.
    pub total_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
