//! The renewal reminders sent (`renewal_reminders`): one row per contract and threshold (30 or 7
//! days before its API expiry date), written in the transaction that puts the reminder in the
//! outbox, so a reminder goes out once however often the daily check runs — on any number of
//! server processes. An index on `contracts.api_expiry_date` serves the renewals page and the
//! check.
//!
//! Self-contained: it names tables and columns only, and calls no runtime code.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("renewal_reminders")
                    .if_not_exists()
                    .col(big_integer("contract_id"))
                    // Days before the expiry date: 30 or 7.
                    .col(integer("threshold"))
                    // The expiry date it reminded of: a date changed later is reminded of again.
                    .col(date("expiry"))
                    .col(timestamp_with_time_zone("sent_at"))
                    .primary_key(Index::create().col("contract_id").col("threshold").col("expiry"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_renewal_reminders_contract")
                            .from("renewal_reminders", "contract_id")
                            .to("contracts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contracts_api_expiry")
                    .table("contracts")
                    .col("status")
                    .col("api_expiry_date")
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_contracts_api_expiry").table("contracts").to_owned()).await?;
        manager.drop_table(Table::drop().table("renewal_reminders").to_owned()).await
    }
}
