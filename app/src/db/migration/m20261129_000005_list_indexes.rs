//! Composite indexes for the contract list's common shapes: a partner's organisation, or a status,
//! newest change first with the keyset cursor `(updated_at, id)`. Without them SQLite read and
//! sorted half the table for a partner's first page (2.2 s at 1,000,000 contracts, BENCHMARKS.md).

use super::m20261129_000002_accounts::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(manager, "idx_contracts_org_updated", "contracts", &["organisation_id", "updated_at", "id"]).await?;
        index(manager, "idx_contracts_status_updated", "contracts", &["status", "updated_at", "id"]).await?;
        index(manager, "idx_contracts_owner_updated", "contracts", &["owner_user_id", "updated_at", "id"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_contracts_org_updated", "idx_contracts_status_updated", "idx_contracts_owner_updated"] {
            manager.drop_index(Index::drop().name(name).table("contracts").to_owned()).await?;
        }
        Ok(())
    }
}
