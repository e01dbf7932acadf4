//! The approver a contract has at one level: the level's default or the submitter's pick (更换).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_approvers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contract_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: i32,
    pub approver_user_id: i64,
    /// The level's name when the approvers were set (`None` on rows from before it was kept).
    pub level_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
