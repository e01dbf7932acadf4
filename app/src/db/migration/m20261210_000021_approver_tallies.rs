//! The contract list's count, sum and owner choices for an approver without testing every
//! contract. An approver sees a contract once it has reached one of their levels
//! (`contract_reads::visible`); counting those meant one probe of the approvers and the decisions
//! per contract (0.24 s for an approver of 95,000 contracts at 100,000, BENCHMARKS.md).
//!
//! - `approver_reach` holds one row per contract and approver who sees it, with the contract's
//!   tally key and total as they were when the row was written.
//! - `approver_tallies` holds, per approver, organisation, owner, status and order type, how many
//!   contracts that approver sees and the sum of their totals in fen: `contract_tallies` per
//!   approver.
//!
//! Triggers refresh a contract's rows whenever something its visibility or its key depends on
//! changes: the contract's status, level, organisation, owner, order type or total, its approvers,
//! its decisions, or the contract going. A refresh adds the difference between the rows it writes
//! and the rows it replaces to the tallies in one upsert ordered by key, so on PostgreSQL two
//! transactions refreshing contracts with the same approvers take the tally rows' locks in the
//! same order. Everything runs in the transaction of the change, whatever code made it.
//!
//! The rule is written here a second time, as SQL, on purpose: a migration names tables and
//! columns only and calls no runtime code. `server/tests/it/visibility.rs` holds the tallies to
//! the policy on generated contracts; `scripts/bench-scale.py` rebuilds both tables with the
//! statements of `rebuild_statements` after a bulk load.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tally's key columns.
const KEY: &str = "approver_user_id, organisation_id, owner_user_id, status, order_type";

/// Whether the contract `k` has reached the level of its approver row `ca`: approved or fulfilled,
/// in approval at that level or a later one, or decided at that level or a later one in any round.
const REACHED: &str = "(k.status IN ('approved', 'fulfilled') \
    OR (k.status = 'in_approval' AND k.status_level >= ca.level) \
    OR EXISTS (SELECT 1 FROM approval_steps s WHERE s.contract_id = k.id AND s.level >= ca.level))";

/// `approver_reach`'s columns after the contract, the approver and the key, each with the SQL
/// over the contract `k` that fills it. Migration `m20261211_000023_approver_reach_keys` adds the
/// list's sort keys.
pub(super) type Extra = &'static [(&'static str, &'static str)];

/// This migration's: the total only.
const EXTRA: Extra = &[("total_fen", "COALESCE(k.total_fen, 0)")];

fn extra_names(extra: Extra) -> String {
    extra.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

/// One row per contract and approver who sees it (all contracts, or the one whose id is the SQL
/// expression `contract`): `contract_id`, the approver, the key, then the `extra` columns.
fn reached_rows(contract: Option<&str>, extra: Extra) -> String {
    let one = contract.map(|c| format!("k.id = {c} AND ")).unwrap_or_default();
    let values = extra.iter().map(|(name, sql)| format!(", {sql} AS {name}")).collect::<String>();
    format!(
        "SELECT DISTINCT k.id AS contract_id, ca.approver_user_id, k.organisation_id, k.owner_user_id, k.status, \
         COALESCE(k.order_type, '') AS order_type{values} \
         FROM contracts k JOIN contract_approvers ca ON ca.contract_id = k.id WHERE {one}{REACHED}"
    )
}

/// The statements that bring the rows of contract `c` (an SQL expression for its id) and the
/// tallies up to date, each ending in `;`.
fn refresh(c: &str, extra: Extra) -> String {
    format!(
        "INSERT INTO approver_tallies ({KEY}, contracts, total_fen) \
         SELECT {KEY}, CAST(SUM(n) AS BIGINT), CAST(SUM(fen) AS BIGINT) FROM (\
         SELECT {KEY}, -1 AS n, -total_fen AS fen FROM approver_reach WHERE contract_id = {c} \
         UNION ALL SELECT {KEY}, 1 AS n, total_fen AS fen FROM ({rows}) r) d \
         WHERE TRUE GROUP BY {KEY} HAVING SUM(n) <> 0 OR SUM(fen) <> 0 ORDER BY {KEY} \
         ON CONFLICT ({KEY}) DO UPDATE SET contracts = approver_tallies.contracts + excluded.contracts, \
         total_fen = approver_tallies.total_fen + excluded.total_fen; \
         DELETE FROM approver_reach WHERE contract_id = {c}; \
         INSERT INTO approver_reach (contract_id, {KEY}, {names}) {rows};",
        rows = reached_rows(Some(c), extra),
        names = extra_names(extra),
    )
}

/// Both tables rebuilt from the contracts, their approvers and decisions: the migration's first
/// fill (`scripts/bench-scale.py` runs the same statements after a load with the triggers off).
pub(super) fn rebuild_statements(extra: Extra) -> Vec<String> {
    vec![
        "DELETE FROM approver_tallies".to_owned(),
        "DELETE FROM approver_reach".to_owned(),
        format!(
            "INSERT INTO approver_reach (contract_id, {KEY}, {}) {}",
            extra_names(extra),
            reached_rows(None, extra)
        ),
        format!(
            "INSERT INTO approver_tallies ({KEY}, contracts, total_fen) SELECT {KEY}, COUNT(*), \
             CAST(SUM(total_fen) AS BIGINT) FROM approver_reach GROUP BY {KEY}"
        ),
    ]
}

/// The contract columns a refresh depends on.
const CONTRACT_COLUMNS: [&str; 6] =
    ["status", "status_level", "organisation_id", "owner_user_id", "order_type", "total_fen"];

fn contract_changed(old: &str, new: &str, distinct: &str) -> String {
    CONTRACT_COLUMNS.map(|c| format!("{old}.{c} {distinct} {new}.{c}")).join(" OR ")
}

/// The child tables whose rows a contract's visibility depends on, and the columns that matter.
const CHILDREN: [(&str, &str); 2] =
    [("contract_approvers", "contract_id, level, approver_user_id"), ("approval_steps", "contract_id, level")];

pub(super) fn sqlite_up(extra: Extra) -> Vec<String> {
    let mut out = vec![
        format!(
            "CREATE TRIGGER IF NOT EXISTS approver_reach_contracts_update AFTER UPDATE OF {} ON contracts \
             WHEN {} BEGIN {} END",
            CONTRACT_COLUMNS.join(", "),
            contract_changed("old", "new", "IS NOT"),
            refresh("new.id", extra)
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS approver_reach_contracts_delete AFTER DELETE ON contracts BEGIN {} END",
            refresh("old.id", extra)
        ),
    ];
    for (table, columns) in CHILDREN {
        out.push(format!(
            "CREATE TRIGGER IF NOT EXISTS approver_reach_{table}_insert AFTER INSERT ON {table} BEGIN {} END",
            refresh("new.contract_id", extra)
        ));
        out.push(format!(
            "CREATE TRIGGER IF NOT EXISTS approver_reach_{table}_delete AFTER DELETE ON {table} BEGIN {} END",
            refresh("old.contract_id", extra)
        ));
        // A row moved to another contract refreshes both (the second finds nothing to change when
        // it is the same contract).
        out.push(format!(
            "CREATE TRIGGER IF NOT EXISTS approver_reach_{table}_update AFTER UPDATE OF {columns} ON {table} \
             BEGIN {} {} END",
            refresh("old.contract_id", extra),
            refresh("new.contract_id", extra)
        ));
    }
    out
}

pub(super) fn postgres_up(extra: Extra) -> Vec<String> {
    let mut out = vec![
        format!(
            "CREATE OR REPLACE FUNCTION approver_reach_refresh(p_contract BIGINT) RETURNS void LANGUAGE plpgsql \
             AS $$ BEGIN {} END $$",
            refresh("p_contract", extra)
        ),
        "CREATE OR REPLACE FUNCTION approver_reach_of_contract() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         IF TG_OP = 'DELETE' THEN PERFORM approver_reach_refresh(OLD.id); \
         ELSE PERFORM approver_reach_refresh(NEW.id); END IF; RETURN NULL; END $$"
            .to_owned(),
        "CREATE OR REPLACE FUNCTION approver_reach_of_child() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         IF TG_OP <> 'INSERT' THEN PERFORM approver_reach_refresh(OLD.contract_id); END IF; \
         IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.contract_id IS DISTINCT FROM OLD.contract_id) THEN \
         PERFORM approver_reach_refresh(NEW.contract_id); END IF; RETURN NULL; END $$"
            .to_owned(),
        format!(
            "CREATE TRIGGER approver_reach_contracts_update AFTER UPDATE ON contracts FOR EACH ROW WHEN ({}) \
             EXECUTE FUNCTION approver_reach_of_contract()",
            contract_changed("OLD", "NEW", "IS DISTINCT FROM")
        ),
        "CREATE TRIGGER approver_reach_contracts_delete AFTER DELETE ON contracts FOR EACH ROW \
         EXECUTE FUNCTION approver_reach_of_contract()"
            .to_owned(),
    ];
    for (table, columns) in CHILDREN {
        out.push(format!(
            "CREATE TRIGGER approver_reach_{table} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} \
             FOR EACH ROW EXECUTE FUNCTION approver_reach_of_child()"
        ));
    }
    out
}

/// `approver_reach` as this migration makes it (a later one adds columns to it).
pub(super) fn reach_table() -> TableCreateStatement {
    Table::create()
        .table("approver_reach")
        .if_not_exists()
        .col(big_integer("contract_id"))
        .col(big_integer("approver_user_id"))
        .col(big_integer("organisation_id"))
        .col(big_integer("owner_user_id"))
        .col(string_len("status", 16))
        .col(string_len("order_type", 16))
        .col(big_integer("total_fen"))
        .primary_key(Index::create().col("contract_id").col("approver_user_id"))
        .to_owned()
}

/// The statements that drop this migration's triggers (and on PostgreSQL their functions).
pub(super) fn drop_triggers(backend: DbBackend) -> Vec<String> {
    let mut drops: Vec<String> = Vec::new();
    match backend {
        DbBackend::Sqlite => {
            drops.push("DROP TRIGGER IF EXISTS approver_reach_contracts_update".into());
            drops.push("DROP TRIGGER IF EXISTS approver_reach_contracts_delete".into());
            for (table, _) in CHILDREN {
                for op in ["insert", "delete", "update"] {
                    drops.push(format!("DROP TRIGGER IF EXISTS approver_reach_{table}_{op}"));
                }
            }
        }
        _ => {
            drops.push("DROP TRIGGER IF EXISTS approver_reach_contracts_update ON contracts".into());
            drops.push("DROP TRIGGER IF EXISTS approver_reach_contracts_delete ON contracts".into());
            for (table, _) in CHILDREN {
                drops.push(format!("DROP TRIGGER IF EXISTS approver_reach_{table} ON {table}"));
            }
            for f in ["approver_reach_of_contract()", "approver_reach_of_child()", "approver_reach_refresh(BIGINT)"] {
                drops.push(format!("DROP FUNCTION IF EXISTS {f}"));
            }
        }
    }
    drops
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(reach_table()).await?;
        manager
            .create_table(
                Table::create()
                    .table("approver_tallies")
                    .if_not_exists()
                    .col(big_integer("approver_user_id"))
                    .col(big_integer("organisation_id"))
                    .col(big_integer("owner_user_id"))
                    .col(string_len("status", 16))
                    .col(string_len("order_type", 16))
                    .col(big_integer("contracts"))
                    .col(big_integer("total_fen"))
                    .primary_key(
                        Index::create()
                            .col("approver_user_id")
                            .col("organisation_id")
                            .col("owner_user_id")
                            .col("status")
                            .col("order_type"),
                    )
                    .to_owned(),
            )
            .await?;
        let triggers = match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_up(EXTRA),
            DbBackend::Postgres => postgres_up(EXTRA),
            other => return Err(DbErr::Migration(format!("unsupported database {other:?}"))),
        };
        let db = manager.get_connection();
        // The contracts already there, then the triggers for every change after.
        for sql in rebuild_statements(EXTRA).into_iter().chain(triggers) {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let drops = drop_triggers(manager.get_database_backend());
        for sql in drops {
            db.execute_unprepared(&sql).await?;
        }
        manager.drop_table(Table::drop().table("approver_tallies").to_owned()).await?;
        manager.drop_table(Table::drop().table("approver_reach").to_owned()).await
    }
}
