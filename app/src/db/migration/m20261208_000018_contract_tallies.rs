//! The contract list's count and sum without reading every contract: `contract_tallies` holds,
//! per organisation, owner, status and order type, how many contracts there are and the sum of
//! their totals in fen (unpriced ones count nothing). Triggers keep it in step with `contracts` in
//! the same transaction as every insert, delete and change of those columns, whatever code made
//! it. `contract_reads::totals` reads it when the list's filter is made of those columns only.
//!
//! On PostgreSQL a change that moves a contract between two tallies updates the two rows in the
//! order of their keys, so two transactions moving contracts in opposite directions cannot
//! deadlock on them.
//!
//! Self-contained: it names tables and columns only, and calls no runtime code.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tally's key columns, as `contracts` names them.
const KEY: [&str; 4] = ["organisation_id", "owner_user_id", "status", "order_type"];

/// The key of the `row` (`old` or `new`) as tally values: a contract without an order type is
/// tallied under ''.
fn key_values(row: &str) -> String {
    KEY.map(|c| if c == "order_type" { format!("COALESCE({row}.{c}, '')") } else { format!("{row}.{c}") }).join(", ")
}

fn key_match(row: &str) -> String {
    KEY.map(|c| if c == "order_type" { format!("{c} = COALESCE({row}.{c}, '')") } else { format!("{c} = {row}.{c}") })
        .join(" AND ")
}

/// Adds `row` (`old` or `new`) to its tally with `sign` 1 or -1. Adding upserts; removing updates
/// the row adding made.
fn apply(row: &str, sign: i8, this: &str) -> String {
    let keys = KEY.join(", ");
    if sign > 0 {
        format!(
            "INSERT INTO contract_tallies ({keys}, contracts, total_fen) VALUES ({}, 1, COALESCE({row}.total_fen, 0)) \
             ON CONFLICT ({keys}) DO UPDATE SET contracts = {this}.contracts + 1, \
             total_fen = {this}.total_fen + excluded.total_fen;",
            key_values(row)
        )
    } else {
        format!(
            "UPDATE contract_tallies SET contracts = contracts - 1, total_fen = total_fen - COALESCE({row}.total_fen, 0) \
             WHERE {};",
            key_match(row)
        )
    }
}

/// A change the tallies see: one of the key columns or the total.
fn changed(old: &str, new: &str, distinct: &str) -> String {
    KEY.iter().chain(&["total_fen"]).map(|c| format!("{old}.{c} {distinct} {new}.{c}")).collect::<Vec<_>>().join(" OR ")
}

fn sqlite_up() -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER IF NOT EXISTS contract_tallies_insert AFTER INSERT ON contracts BEGIN {} END",
            apply("new", 1, "contract_tallies")
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS contract_tallies_delete AFTER DELETE ON contracts BEGIN {} END",
            apply("old", -1, "contract_tallies")
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS contract_tallies_update AFTER UPDATE OF {}, total_fen ON contracts \
             WHEN {} BEGIN {} {} END",
            KEY.join(", "),
            changed("old", "new", "IS NOT"),
            apply("old", -1, "contract_tallies"),
            apply("new", 1, "contract_tallies")
        ),
    ]
}

fn postgres_up() -> Vec<String> {
    let t = "contract_tallies";
    vec![
        format!(
            "CREATE OR REPLACE FUNCTION contract_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF TG_OP = 'INSERT' THEN {add_new} \
             ELSIF TG_OP = 'DELETE' THEN {sub_old} \
             ELSIF ({old_key}) < ({new_key}) THEN {sub_old} {add_new} \
             ELSE {add_new} {sub_old} END IF; \
             RETURN NULL; END $$",
            add_new = apply("NEW", 1, t),
            sub_old = apply("OLD", -1, t),
            old_key = key_values("OLD"),
            new_key = key_values("NEW"),
        ),
        "CREATE TRIGGER contract_tallies_insert_delete AFTER INSERT OR DELETE ON contracts \
         FOR EACH ROW EXECUTE FUNCTION contract_tallies_apply()"
            .to_owned(),
        format!(
            "CREATE TRIGGER contract_tallies_update AFTER UPDATE ON contracts FOR EACH ROW WHEN ({}) \
             EXECUTE FUNCTION contract_tallies_apply()",
            changed("OLD", "NEW", "IS DISTINCT FROM")
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("contract_tallies")
                    .if_not_exists()
                    .col(big_integer("organisation_id"))
                    .col(big_integer("owner_user_id"))
                    .col(string_len("status", 16))
                    .col(string_len("order_type", 16))
                    .col(big_integer("contracts"))
                    .col(big_integer("total_fen"))
                    .primary_key(
                        Index::create().col("organisation_id").col("owner_user_id").col("status").col("order_type"),
                    )
                    .to_owned(),
            )
            .await?;
        let statements = match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_up(),
            DbBackend::Postgres => postgres_up(),
            other => return Err(DbErr::Migration(format!("unsupported database {other:?}"))),
        };
        let db = manager.get_connection();
        // The contracts already there, then the triggers for every change after.
        db.execute_unprepared(&format!(
            "INSERT INTO contract_tallies ({keys}, contracts, total_fen) \
             SELECT organisation_id, owner_user_id, status, COALESCE(order_type, ''), COUNT(*), \
             CAST(COALESCE(SUM(total_fen), 0) AS BIGINT) FROM contracts \
             GROUP BY organisation_id, owner_user_id, status, COALESCE(order_type, '')",
            keys = KEY.join(", ")
        ))
        .await?;
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let drops: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &[
                "DROP TRIGGER IF EXISTS contract_tallies_insert",
                "DROP TRIGGER IF EXISTS contract_tallies_delete",
                "DROP TRIGGER IF EXISTS contract_tallies_update",
            ],
            _ => &[
                "DROP TRIGGER IF EXISTS contract_tallies_insert_delete ON contracts",
                "DROP TRIGGER IF EXISTS contract_tallies_update ON contracts",
                "DROP FUNCTION IF EXISTS contract_tallies_apply()",
            ],
        };
        for sql in drops {
            db.execute_unprepared(sql).await?;
        }
        manager.drop_table(Table::drop().table("contract_tallies").to_owned()).await
    }
}
