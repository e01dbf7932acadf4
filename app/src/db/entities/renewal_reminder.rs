//! A renewal reminder sent: one per contract, threshold (30 or 7 days) and expiry date.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "renewal_reminders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contract_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub threshold: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub expiry: Date,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
