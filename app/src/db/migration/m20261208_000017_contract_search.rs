//! An index for the contract list's substring search (document number, corp ID, end customer,
//! corp name: `contract_reads::admitted`), so a search for a rare string reads the rows that
//! hold it instead of every contract the searcher may see.
//!
//! - SQLite: an FTS5 table with the trigram tokenizer over those four columns, its content the
//!   `contracts` table itself (`content=`, nothing stored twice but the index), kept in step by
//!   triggers. A phrase of three or more characters matches exactly the rows holding it as a
//!   substring (ASCII case ignored, as `LIKE` does).
//! - PostgreSQL: `pg_trgm` GIN indexes on the four columns, which `LIKE '%…%'` uses as it is. A
//!   server where the extension cannot be created (no rights) keeps working without them: the
//!   search is then the scan it was.
//!
//! Self-contained: it names tables and columns only, and calls no runtime code.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

/// The indexed columns, in the FTS table's order.
const COLUMNS: [&str; 4] = ["document_number", "corp_id", "end_customer", "corp_name"];

#[derive(DeriveMigrationName)]
pub struct Migration;

fn sqlite_up() -> Vec<String> {
    let cols = COLUMNS.join(", ");
    let new = COLUMNS.map(|c| format!("new.{c}")).join(", ");
    let old = COLUMNS.map(|c| format!("old.{c}")).join(", ");
    // A save sets every column; the index changes only when one of these did.
    let changed = COLUMNS.map(|c| format!("old.{c} IS NOT new.{c}")).join(" OR ");
    vec![
        format!(
            "CREATE VIRTUAL TABLE IF NOT EXISTS contracts_search USING fts5({cols}, \
             content='contracts', content_rowid='id', tokenize='trigram')"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS contracts_search_insert AFTER INSERT ON contracts BEGIN \
             INSERT INTO contracts_search(rowid, {cols}) VALUES (new.id, {new}); END"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS contracts_search_delete AFTER DELETE ON contracts BEGIN \
             INSERT INTO contracts_search(contracts_search, rowid, {cols}) VALUES ('delete', old.id, {old}); END"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS contracts_search_update AFTER UPDATE OF {cols} ON contracts \
             WHEN {changed} BEGIN \
             INSERT INTO contracts_search(contracts_search, rowid, {cols}) VALUES ('delete', old.id, {old}); \
             INSERT INTO contracts_search(rowid, {cols}) VALUES (new.id, {new}); END"
        ),
        // The contracts already there.
        "INSERT INTO contracts_search(contracts_search) VALUES ('rebuild')".to_owned(),
    ]
}

fn postgres_up() -> Vec<String> {
    let indexes: String = COLUMNS
        .map(|c| {
            format!("CREATE INDEX IF NOT EXISTS idx_contracts_{c}_trgm ON contracts USING gin ({c} gin_trgm_ops); ")
        })
        .concat();
    vec![
        "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; \
         EXCEPTION WHEN OTHERS THEN RAISE WARNING 'pg_trgm is not available (%): the contract search stays a scan', SQLERRM; \
         END $$"
            .to_owned(),
        format!(
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN {indexes} END IF; END $$"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_up(),
            DbBackend::Postgres => postgres_up(),
            other => return Err(DbErr::Migration(format!("unsupported database {other:?}"))),
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements: Vec<String> = match manager.get_database_backend() {
            DbBackend::Sqlite => ["insert", "delete", "update"]
                .map(|t| format!("DROP TRIGGER IF EXISTS contracts_search_{t}"))
                .into_iter()
                .chain(["DROP TABLE IF EXISTS contracts_search".to_owned()])
                .collect(),
            _ => COLUMNS.map(|c| format!("DROP INDEX IF EXISTS idx_contracts_{c}_trgm")).to_vec(),
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
