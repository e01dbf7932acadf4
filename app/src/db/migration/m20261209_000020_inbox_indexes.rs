//! Indexes for the approver's inbox (`db::inbox`): the decisions a user made, newest first, read
//! every approval step there is without one (a scan and a sort of the whole table on every inbox
//! load), and the contracts waiting at a user's level, oldest submission first, sorted every
//! contract in approval. Each ends in `id` like the queries' order.
//!
//! `inbox::the_inbox_queries_are_served_by_their_indexes` checks the query plans.

use super::m20261129_000002_accounts::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            "idx_approval_steps_approver_decided",
            "approval_steps",
            &["approver_user_id", "decided_at", "id"],
        )
        .await?;
        index(manager, "idx_contracts_status_submitted", "contracts", &["status", "submitted_at", "id"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_approval_steps_approver_decided").table("approval_steps").to_owned())
            .await?;
        manager.drop_index(Index::drop().name("idx_contracts_status_submitted").table("contracts").to_owned()).await
    }
}
