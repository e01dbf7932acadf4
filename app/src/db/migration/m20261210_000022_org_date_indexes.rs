//! Indexes for a partner's list narrowed by creation date, and a partner's renewals due: both were
//! served by an index on the date alone (every organisation's contracts in the span, 28,000 for a
//! month at 1,000,000) or by the organisation's rows in another order (61,000 for a large one),
//! 0.4 s and 0.1 s at 1,000,000 contracts (BENCHMARKS.md). Led by the organisation, each reads
//! only that organisation's rows in the span.
//!
//! On SQLite a database that keeps statistics (`sqlite_stat1`, from an `ANALYZE`) gets them for the
//! new indexes too: with statistics for the old indexes and none for these, the planner took an
//! organisation's equality on a new index for ten rows and served a partner's first page from it
//! with a sort (0.33 s at 1,000,000 contracts instead of 2.6 ms). A database without statistics
//! stays without them, where every index is judged alike.
//!
//! Self-contained: it names tables and columns only, and calls no runtime code.

use super::m20261129_000002_accounts::index;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, [&str; 3]); 2] = [
    ("idx_contracts_org_created", ["organisation_id", "created_at", "id"]),
    ("idx_contracts_org_expiry", ["organisation_id", "api_expiry_date", "id"]),
];

/// On SQLite, `ANALYZE`s these indexes when the database keeps statistics (see the module's doc);
/// nothing otherwise.
pub(super) async fn analyze_where_kept(manager: &SchemaManager<'_>, indexes: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let keeps_statistics = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'",
        ))
        .await?
        .is_some();
    if keeps_statistics {
        for name in indexes {
            db.execute_unprepared(&format!("ANALYZE {name}")).await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in INDEXES {
            index(manager, name, "contracts", &columns).await?;
        }
        analyze_where_kept(manager, &INDEXES.map(|(name, _)| name)).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager.drop_index(Index::drop().name(name).table("contracts").to_owned()).await?;
        }
        Ok(())
    }
}
