//! Saved quotes (保存的报价): a customer's quote kept on the server, repriced there, and shared by
//! a long random link that is valid for a limited time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("saved_quotes")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(string_len_uniq("token", 64))
                    .col(string_len("price_book_version", 40))
                    // The form as typed and the server's priced answer, as JSON text (same on
                    // SQLite and PostgreSQL; money inside is two-decimal strings, never floats).
                    .col(text("form_json"))
                    .col(text("quote_json"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("saved_quotes").to_owned()).await
    }
}
