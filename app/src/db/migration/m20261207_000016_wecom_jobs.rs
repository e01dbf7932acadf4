//! Fulfilment through WeCom's license API (issue #17): one job per contract (`wecom_jobs`), the
//! active codes its paid order holds (`wecom_codes`) and each userid's result (`wecom_accounts`).
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
                    .table("wecom_jobs")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    // One job per contract: starting twice finds the same job.
                    .col(big_integer("contract_id").unique_key())
                    // `domain::wecom::JobState::code`.
                    .col(string_len("state", 24))
                    // `domain::wecom::Plan` as JSON, decided when the job started.
                    .col(text("plan"))
                    // Payment polls so far (the next waits longer).
                    .col(integer("polls").default(0))
                    // Set before the order call, so a crash between WeCom's answer and our commit
                    // is found again (`list_order`) rather than ordered twice.
                    .col(timestamp_with_time_zone_null("order_intent_at"))
                    .col(string_len_null("renew_jobid", 128))
                    .col(string_len_null("order_id", 128))
                    .col(integer_null("order_status"))
                    .col(big_integer_null("wecom_price_fen"))
                    .col(big_integer_null("our_price_fen"))
                    .col(timestamp_with_time_zone_null("paid_at"))
                    .col(big_integer_null("error_code"))
                    .col(text_null("error_message"))
                    .col(big_integer_null("started_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    // Every step's write is guarded on it: two deliveries of a step never both win.
                    .col(big_integer("version").default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_wecom_jobs_contract")
                            .from("wecom_jobs", "contract_id")
                            .to("contracts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("wecom_codes")
                    .if_not_exists()
                    .col(big_integer("job_id"))
                    .col(string_len("active_code", 64))
                    .col(string_len("kind", 16))
                    .primary_key(Index::create().col("job_id").col("active_code"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_wecom_codes_job")
                            .from("wecom_codes", "job_id")
                            .to("wecom_jobs", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("wecom_accounts")
                    .if_not_exists()
                    .col(big_integer("job_id"))
                    .col(string_len("userid", 64))
                    // `basic` or `interop`.
                    .col(string_len("kind", 16))
                    // `domain::wecom::AccountState::code`.
                    .col(string_len("state", 16))
                    .col(string_len_null("active_code", 64))
                    .col(big_integer_null("errcode"))
                    .col(text_null("errmsg"))
                    .col(timestamp_with_time_zone_null("active_time"))
                    .col(timestamp_with_time_zone_null("expire_time"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("job_id").col("userid"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_wecom_accounts_job")
                            .from("wecom_accounts", "job_id")
                            .to("wecom_jobs", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_wecom_jobs_order_id")
                    .table("wecom_jobs")
                    .col("order_id")
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("wecom_accounts").to_owned()).await?;
        manager.drop_table(Table::drop().table("wecom_codes").to_owned()).await?;
        manager.drop_table(Table::drop().table("wecom_jobs").to_owned()).await
    }
}
