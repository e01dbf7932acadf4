//! A user's WeCom userid (`users.wecom_userid`), optional: the WeCom group robot mentions an
//! approver with `<@userid>` when it is on file, and names them in plain text otherwise.
//!
//! Self-contained: it names tables and columns only, and calls no runtime code.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("users").add_column(string_len_null("wecom_userid", 64)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("users").drop_column("wecom_userid").to_owned()).await
    }
}
