//! One userid of a contract, as parsed on the server from its uploaded userid sheet.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_userids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contract_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub row_number: i32,
    pub corp_id: String,
    pub userid: String,
    /// `basic`, `interop` or `unspecified`.
    pub kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
