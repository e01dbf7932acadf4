//! Indexes for the contract list's sorts by amount (金额) and by document number (单据编号): the
//! sort keys are expressions (`contract_reads::sort_key`: an unpriced contract sorts as -1, an
//! unnumbered one as 0), so without an index on the same expression every page sorted by them
//! read and sorted every contract the list admits (an admin's first page by amount at 200,000
//! contracts: 52 ms p95, growing with the table; BENCHMARKS.md). One pair for everything (the
//! admin), one pair led by the organisation (a partner's), each ending in `id` like the keyset
//! cursor `(key, id)`.
//!
//! The expressions must stay what `sort_key` writes, or the indexes stop serving it:
//! `contract_list::the_list_sorts_are_served_by_their_indexes` checks the query plans.
//!
//! Self-contained: it names tables and columns only, and calls no runtime code.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TOTAL: &str = "COALESCE(total_fen, -1)";
const NUMBER: &str = "COALESCE(CAST(SUBSTR(document_number, 8) AS BIGINT), 0)";

/// (index, leading columns, sort expression)
const INDEXES: [(&str, &str, &str); 4] = [
    ("idx_contracts_total", "", TOTAL),
    ("idx_contracts_number", "", NUMBER),
    ("idx_contracts_org_total", "organisation_id, ", TOTAL),
    ("idx_contracts_org_number", "organisation_id, ", NUMBER),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, lead, expr) in INDEXES {
            // The doubled parentheses: PostgreSQL wants an expression key in its own, SQLite takes them.
            db.execute_unprepared(&format!("CREATE INDEX IF NOT EXISTS {name} ON contracts ({lead}({expr}), id)"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}")).await?;
        }
        Ok(())
    }
}
