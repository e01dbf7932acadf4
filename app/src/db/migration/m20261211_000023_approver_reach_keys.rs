//! An approver's list ordered or narrowed by date or document number without a probe per contract.
//!
//! Migration `m20261210_000021` admits a contract to an approver's list by one probe of
//! `approver_reach`; a list that walks the contracts by creation date, or sorts them by document
//! number, probed once per contract walked: 0.2–0.5 s for approver1's month of contracts at
//! 1,000,000 (BENCHMARKS.md). This migration gives every `approver_reach` row the contract's list
//! keys — `created_at`, `updated_at` and `number_key` (the number of its 单据编号, 0 without one:
//! `list::UNNUMBERED`, read from after the `QYWXHT-` prefix as `contract_reads::sort_key` does) —
//! and indexes led by the approver, so an approver's list walks only that approver's rows in the
//! order it shows them, and counts them from the index.
//!
//! - The reach table is derived data: it is dropped, made again with the new columns, and rebuilt
//!   with the approver tallies by migration 21's statements (with this migration's columns), as
//!   are its triggers.
//! - A contract's dates and number change without anything a refresh depends on changing (every
//!   save moves `updated_at`): a trigger of their own copies them onto the contract's reach rows,
//!   none for a draft nobody approves yet.
//!
//! Self-contained: it names tables and columns only, and calls no runtime code.

use super::m20261129_000002_accounts::index;
use super::m20261210_000021_approver_tallies::{self as m21, Extra};
use super::m20261210_000022_org_date_indexes::analyze_where_kept;
use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The contract's list keys, as SQL over the contract `k`.
const KEYS: [(&str, &str); 3] = [
    ("created_at", "k.created_at"),
    ("updated_at", "k.updated_at"),
    ("number_key", "COALESCE(CAST(SUBSTR(k.document_number, 8) AS BIGINT), 0)"),
];

/// `approver_reach`'s columns after the key: migration 21's total, then the list keys.
const EXTRA: Extra = &[("total_fen", "COALESCE(k.total_fen, 0)"), KEYS[0], KEYS[1], KEYS[2]];

/// Led by the approver, each in a sort's order (the contract breaks ties); each also holds what an
/// approver's list reads of the rows it walks to count them and to put them in another order (the
/// total for the sum, the last change for a creation span shown newest change first).
const INDEXES: [(&str, &[&str]); 3] = [
    ("idx_approver_reach_updated", &["approver_user_id", "updated_at", "contract_id", "total_fen"]),
    ("idx_approver_reach_created", &["approver_user_id", "created_at", "contract_id", "updated_at", "total_fen"]),
    ("idx_approver_reach_number", &["approver_user_id", "number_key", "contract_id"]),
];

/// The trigger that copies a contract's list keys onto its reach rows when they change.
const KEYS_TRIGGER: &str = "approver_reach_contracts_keys";

/// The SET list and the WHEN condition of [`KEYS_TRIGGER`], over the row names `old` and `new`.
fn keys_update(old: &str, new: &str, distinct: &str) -> (String, String) {
    let set = KEYS.map(|(name, sql)| format!("{name} = {}", sql.replace("k.", &format!("{new}.")))).join(", ");
    let changed =
        ["created_at", "updated_at", "document_number"].map(|c| format!("{old}.{c} {distinct} {new}.{c}")).join(" OR ");
    (set, changed)
}

fn keys_trigger(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Sqlite => {
            let (set, changed) = keys_update("old", "new", "IS NOT");
            vec![format!(
                "CREATE TRIGGER IF NOT EXISTS {KEYS_TRIGGER} AFTER UPDATE OF created_at, updated_at, document_number \
                 ON contracts WHEN {changed} BEGIN UPDATE approver_reach SET {set} WHERE contract_id = new.id; END"
            )]
        }
        _ => {
            let (set, changed) = keys_update("OLD", "NEW", "IS DISTINCT FROM");
            vec![
                format!(
                    "CREATE OR REPLACE FUNCTION approver_reach_keys() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     UPDATE approver_reach SET {set} WHERE contract_id = NEW.id; RETURN NULL; END $$"
                ),
                format!(
                    "CREATE TRIGGER {KEYS_TRIGGER} AFTER UPDATE ON contracts FOR EACH ROW WHEN ({changed}) \
                     EXECUTE FUNCTION approver_reach_keys()"
                ),
            ]
        }
    }
}

fn drop_keys_trigger(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Sqlite => vec![format!("DROP TRIGGER IF EXISTS {KEYS_TRIGGER}")],
        _ => vec![
            format!("DROP TRIGGER IF EXISTS {KEYS_TRIGGER} ON contracts"),
            "DROP FUNCTION IF EXISTS approver_reach_keys()".to_owned(),
        ],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let triggers = match backend {
            DbBackend::Sqlite => m21::sqlite_up(EXTRA),
            DbBackend::Postgres => m21::postgres_up(EXTRA),
            other => return Err(DbErr::Migration(format!("unsupported database {other:?}"))),
        };
        let db = manager.get_connection();
        for sql in m21::drop_triggers(backend) {
            db.execute_unprepared(&sql).await?;
        }
        manager.drop_table(Table::drop().table("approver_reach").to_owned()).await?;
        let mut table = m21::reach_table();
        table
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .col(big_integer("number_key"));
        manager.create_table(table).await?;
        // The rows of the contracts already there, then the triggers for every change after.
        for sql in m21::rebuild_statements(EXTRA).into_iter().chain(triggers).chain(keys_trigger(backend)) {
            db.execute_unprepared(&sql).await?;
        }
        for (name, columns) in INDEXES {
            index(manager, name, "approver_reach", columns).await?;
        }
        analyze_where_kept(manager, &["approver_reach"]).await
    }

    /// Back to migration 21's table and triggers.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        for sql in drop_keys_trigger(backend).into_iter().chain(m21::drop_triggers(backend)) {
            db.execute_unprepared(&sql).await?;
        }
        manager.drop_table(Table::drop().table("approver_tallies").to_owned()).await?;
        manager.drop_table(Table::drop().table("approver_reach").to_owned()).await?;
        m21::Migration.up(manager).await
    }
}
