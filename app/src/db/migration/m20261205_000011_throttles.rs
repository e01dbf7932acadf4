//! Rate-limit counters (`throttles`): one row per key (sign-in per account-and-address, per
//! address, per account; anonymous quote saves per address), counted with an atomic upsert so
//! concurrent requests cannot all read the same count before one of them is recorded.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("throttles")
                    .if_not_exists()
                    .col(string_len("key", 200).primary_key())
                    .col(timestamp_with_time_zone("window_start"))
                    .col(big_integer("hits"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("throttles").to_owned()).await
    }
}
