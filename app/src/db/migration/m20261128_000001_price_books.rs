//! The price book tables, seeded with the default book from the seed document.

use sea_orm_migration::{prelude::*, schema::*};

/// The price book of the seed (effective 2022-05-16), written out as rows: a migration is history
/// and uses no runtime code, so a later change to `db::price_books` or `PriceBook` cannot change
/// what it stored. Per tier: positions from–to, basic and interop prices per account-month in fen.
const SEED_VERSION: &str = "2022-05-16";
const SEED_TIERS: [(i64, Option<i64>, Option<i64>, Option<i64>); 6] = [
    (1, Some(5), Some(500), Some(5000)),
    (6, Some(200), Some(400), Some(4000)),
    (201, Some(500), Some(300), Some(3000)),
    (501, Some(1000), Some(200), Some(2000)),
    (1001, Some(10_000), Some(100), Some(1000)),
    (10_001, None, None, None),
];

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
        let book = Query::insert()
            .into_table("price_books")
            .columns(["version", "effective_from", "min_months_new", "max_months", "tax_rate_bp", "created_at"])
            .values_panic([
                SEED_VERSION.into(),
                chrono::NaiveDate::from_ymd_opt(2022, 5, 16).into(),
                12.into(),
                60.into(),
                600.into(),
                chrono::Utc::now().into(),
            ])
            .to_owned();
        manager.exec_stmt(book).await?;
        for (from, to, basic, interop) in SEED_TIERS {
            let tier = Query::insert()
                .into_table("price_book_tiers")
                .columns(["price_book_id", "position_from", "position_to", "basic_fen", "interop_fen"])
                .values_panic([
                    Expr::cust(format!("(SELECT id FROM price_books WHERE version = '{SEED_VERSION}')")),
                    from.into(),
                    to.into(),
                    basic.into(),
                    interop.into(),
                ])
                .to_owned();
            manager.exec_stmt(tier).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("price_book_tiers").to_owned()).await?;
        manager.drop_table(Table::drop().table("price_books").to_owned()).await
    }
}
