//! Contract attachments (payment vouchers, userid sheets), the userids parsed from a contract's
//! sheet, and private payment links.

use super::m20261129_000002_accounts::index;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("payment_links")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("contract_id"))
                    // The BLAKE2b-256 hash of the link's 256-bit random token; the token itself
                    // is only ever in the URL handed to the customer.
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(big_integer("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_payment_links_contract")
                            .from("payment_links", "contract_id")
                            .to("contracts", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_payment_links_creator")
                            .from("payment_links", "created_by")
                            .to("users", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_payment_links_contract", "payment_links", &["contract_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("attachments")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("contract_id"))
                    // `voucher` or `userid_sheet`.
                    .col(string_len("kind", 16))
                    // Sanitised for display and Content-Disposition; never used as a path.
                    .col(string_len("file_name", 255))
                    // Read from the bytes, never taken from the client.
                    .col(string_len("content_type", 100))
                    .col(big_integer("size"))
                    .col(string_len("sha256", 64))
                    .col(string_len("storage_key", 255))
                    // None when uploaded through a payment link (the customer has no account).
                    .col(big_integer_null("uploaded_by"))
                    .col(big_integer_null("via_payment_link"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attachments_contract")
                            .from("attachments", "contract_id")
                            .to("contracts", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attachments_uploader")
                            .from("attachments", "uploaded_by")
                            .to("users", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attachments_payment_link")
                            .from("attachments", "via_payment_link")
                            .to("payment_links", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_attachments_contract", "attachments", &["contract_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table("contract_userids")
                    .if_not_exists()
                    .col(big_integer("contract_id"))
                    // The Excel row number in the uploaded sheet.
                    .col(integer("row_number"))
                    .col(string_len("corp_id", 32))
                    .col(string_len("userid", 64))
                    // `basic`, `interop` or `unspecified`.
                    .col(string_len("kind", 16))
                    .primary_key(Index::create().col("contract_id").col("row_number"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contract_userids_contract")
                            .from("contract_userids", "contract_id")
                            .to("contracts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_contract_userids_contract", "contract_userids", &["contract_id"]).await?;
        index(manager, "idx_contract_userids_corp", "contract_userids", &["corp_id"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["contract_userids", "attachments", "payment_links"] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
