//! One row per contract and approver who sees it (`contract_reads::visible`), with the contract's
//! list keys as they are now: kept by triggers (migrations `m20261210_000021_approver_tallies` and
//! `m20261211_000023_approver_reach_keys`), read by an approver's list, which walks its own
//! indexes (approver, then a date or the document number) instead of probing every contract.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approver_reach")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contract_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub approver_user_id: i64,
    pub organisation_id: i64,
    pub owner_user_id: i64,
    pub status: String,
    /// `OrderType::code`, or '' for a contract without one.
    pub order_type: String,
    /// Fen; 0 for an unpriced contract.
    pub total_fen: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The number of the 单据编号 (`list::UNNUMBERED` without one): the list's number sort key.
    pub number_key: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::contract::Entity", from = "Column::ContractId", to = "super::contract::Column::Id")]
    Contract,
}

impl ActiveModelBehavior for ActiveModel {}
