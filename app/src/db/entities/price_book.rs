//! A version of the price book (价格表).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "price_books")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub version: String,
    pub effective_from: Date,
    pub min_months_new: i32,
    pub max_months: i32,
    /// Tax rate in ten-thousandths (600 = 6%), exact on every database.
    pub tax_rate_bp: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::price_book_tier::Entity")]
    Tiers,
}

impl Related<super::price_book_tier::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tiers.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
