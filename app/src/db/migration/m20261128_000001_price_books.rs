//! The price book tables, seeded with the default book from the seed document.

use crate::db::price_books;
use crate::domain::PriceBook;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("price_books")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(string_len_uniq("version", 40))
                    .col(date("effective_from"))
                    .col(integer("min_months_new"))
                    .col(integer("max_months"))
                    .col(integer("tax_rate_bp"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("price_book_tiers")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("price_book_id"))
                    .col(big_integer("position_from"))
                    .col(big_integer_null("position_to"))
                    .col(big_integer_null("basic_fen"))
                    .col(big_integer_null("interop_fen"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_price_book_tiers_book")
                            .from("price_book_tiers", "price_book_id")
                            .to("price_books", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_price_book_tiers_book")
                    .table("price_book_tiers")
                    .col("price_book_id")
                    .to_owned(),
            )
            .await?;
        price_books::insert(manager.get_connection(), &PriceBook::default_2022()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("price_book_tiers").to_owned()).await?;
        manager.drop_table(Table::drop().table("price_books").to_owned()).await
    }
}
