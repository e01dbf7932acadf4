//! The transactional outbox (`outbox`) and the in-app notifications its first handler writes
//! (`notifications`).
//!
//! Self-contained: it names tables and columns only, and calls no runtime code.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn index(manager: &SchemaManager<'_>, name: &str, table: &str, cols: &[&str], unique: bool) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table.to_owned()).if_not_exists();
    if unique {
        idx.unique();
    }
    for c in cols {
        idx.col(Alias::new(*c));
    }
    manager.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("outbox")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    // `Event::kind()`: which handlers take the row.
                    .col(string_len("kind", 64))
                    // The event as JSON (`Event::to_json`).
                    .col(text("payload"))
                    .col(timestamp_with_time_zone("created_at"))
                    // Failed attempts so far.
                    .col(integer("attempts").default(0))
                    // Not claimed before this (now at first; later after each failure's backoff).
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    // Set once every handler succeeded.
                    .col(timestamp_with_time_zone_null("done_at"))
                    // Set when the attempts ran out: never claimed again unless revived.
                    .col(timestamp_with_time_zone_null("dead_at"))
                    // The worker handling it, until `claimed_until` (a lease: a worker that died
                    // mid-handle leaves a claim that others may take once it has run out).
                    .col(string_len_null("claimed_by", 100))
                    .col(timestamp_with_time_zone_null("claimed_until"))
                    .col(text_null("last_error"))
                    .to_owned(),
            )
            .await?;
        // The claim's search: rows not done whose next attempt is due.
        index(manager, "idx_outbox_due", "outbox", &["done_at", "next_attempt_at"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("recipient_user_id"))
                    // The event kind that caused it (`Event::kind()`).
                    .col(string_len("kind", 64))
                    .col(big_integer_null("contract_id"))
                    // The free detail (a reject reason, a comment); may be empty.
                    .col(text("text"))
                    // The outbox event it came from; with the recipient unique, so handling the
                    // same event again after a crash notifies no one twice. No foreign key: the
                    // outbox may be pruned, notifications stay.
                    .col(big_integer_null("outbox_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_recipient")
                            .from("notifications", "recipient_user_id")
                            .to("users", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_contract")
                            .from("notifications", "contract_id")
                            .to("contracts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_notifications_recipient_read", "notifications", &["recipient_user_id", "read_at"], false)
            .await?;
        index(manager, "uq_notifications_outbox_recipient", "notifications", &["outbox_id", "recipient_user_id"], true)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("notifications").to_owned()).await?;
        manager.drop_table(Table::drop().table("outbox").to_owned()).await
    }
}
