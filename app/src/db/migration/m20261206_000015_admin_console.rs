//! The admin console's columns:
//! - `users.must_change_password`: set when an admin creates a user or resets a password with a
//!   one-time temporary password; the user must choose their own at the next sign-in.
//! - `contract_approvers.level_name`: the level's name as it was when the contract's approvers were
//!   set, so renaming or removing a flow's level never rewrites a contract already in flight.
//!
//! Self-contained: it names tables and columns only, and calls no runtime code. One column per
//! statement: SQLite alters one thing at a time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table("users").add_column(boolean("must_change_password").default(false)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table("contract_approvers").add_column(string_len_null("level_name", 64)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("contract_approvers").drop_column("level_name").to_owned()).await?;
        manager.alter_table(Table::alter().table("users").drop_column("must_change_password").to_owned()).await
    }
}
