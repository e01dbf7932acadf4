//! One tier of a price book. Prices are in fen (分); `NULL` means negotiated (面议).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "price_book_tiers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub price_book_id: i32,
    pub position_from: i64,
    pub position_to: Option<i64>,
    pub basic_fen: Option<i64>,
    pub interop_fen: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::price_book::Entity",
        from = "Column::PriceBookId",
        to = "super::price_book::Column::Id",
        on_delete = "Cascade"
    )]
    PriceBook,
}

impl Related<super::price_book::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PriceBook.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
