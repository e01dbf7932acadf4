//! An index for searches of two characters in the contracts' names (end customer, corp name):
//! '科技', '华为'. The trigram indexes of `m20261208_000017` cannot narrow a text shorter than a
//! trigram, so such a search read every contract the searcher may see (a partner's 61,043 at
//! 1,000,000 contracts, an admin's million for a pair few contracts hold).
//!
//! `contract_grams` holds one row per distinct pair of adjacent characters ("gram") of a contract's
//! end customer and corp name, with its organisation, keyed `(gram, organisation_id, contract_id)`:
//! a partner's search is one range of it, an admin's a range of the gram alone. Triggers keep it in
//! step with every insert, delete and change of those columns (a save that leaves the names alone
//! does not touch it). `contract_reads::search` uses it, and still matches each row it finds with
//! the search's own `LIKE`s, so the rows are the same as without it.
//!
//! The grams are the names as each database's `LIKE` compares them: folded to lower case on SQLite
//! (`lower`, which folds ASCII only, as its `LIKE` ignores ASCII case only), as stored on
//! PostgreSQL (its `LIKE` is case-sensitive). `gram_positions` holds the positions 1–1,000 a gram
//! may start at (triggers cannot count, on SQLite): names are at most `max_len::NAME` (200)
//! characters.
//!
//! Self-contained: it names tables and columns only, and calls no runtime code.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns whose grams are kept.
const NAMES: [&str; 2] = ["end_customer", "corp_name"];

/// Positions a gram may start at: 1 to this.
const POSITIONS: u32 = 1_000;

/// The columns whose change changes a contract's rows.
const KEYS: [&str; 3] = ["end_customer", "corp_name", "organisation_id"];

/// The distinct grams of `row` (`new`, `old`, a table alias) as one `SELECT gram`, each name
/// folded by `fold` (`lower` or nothing).
fn grams_of(row: &str, fold: &str) -> String {
    NAMES
        .map(|c| {
            format!(
                "SELECT substr({fold}({row}.{c}), p.n, 2) AS gram FROM gram_positions p WHERE p.n < length({row}.{c})"
            )
        })
        .join(" UNION ")
}

/// What each database folds a name with before taking its grams.
fn fold(backend: DbBackend) -> &'static str {
    if backend == DbBackend::Sqlite { "lower" } else { "" }
}

/// Adds the grams of `row`.
fn add(row: &str, fold: &str) -> String {
    format!(
        "INSERT INTO contract_grams (gram, organisation_id, contract_id) \
         SELECT g.gram, {row}.organisation_id, {row}.id FROM ({grams}) g WHERE true ON CONFLICT DO NOTHING;",
        grams = grams_of(row, fold)
    )
}

/// Removes the grams of `row`, by the table's key.
fn remove(row: &str, fold: &str) -> String {
    format!(
        "DELETE FROM contract_grams WHERE organisation_id = {row}.organisation_id AND contract_id = {row}.id \
         AND gram IN ({grams});",
        grams = grams_of(row, fold)
    )
}

fn changed(old: &str, new: &str, distinct: &str) -> String {
    KEYS.map(|c| format!("{old}.{c} {distinct} {new}.{c}")).join(" OR ")
}

fn sqlite_up() -> Vec<String> {
    let f = fold(DbBackend::Sqlite);
    vec![
        "CREATE TABLE IF NOT EXISTS contract_grams (gram TEXT NOT NULL, organisation_id INTEGER NOT NULL, \
         contract_id INTEGER NOT NULL, PRIMARY KEY (gram, organisation_id, contract_id)) WITHOUT ROWID"
            .to_owned(),
        format!(
            "CREATE TRIGGER IF NOT EXISTS contract_grams_insert AFTER INSERT ON contracts BEGIN {} END",
            add("new", f)
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS contract_grams_delete AFTER DELETE ON contracts BEGIN {} END",
            remove("old", f)
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS contract_grams_update AFTER UPDATE OF {} ON contracts WHEN {} BEGIN {} {} END",
            KEYS.join(", "),
            changed("old", "new", "IS NOT"),
            remove("old", f),
            add("new", f)
        ),
    ]
}

fn postgres_up() -> Vec<String> {
    let f = fold(DbBackend::Postgres);
    vec![
        "CREATE TABLE IF NOT EXISTS contract_grams (gram TEXT NOT NULL, organisation_id BIGINT NOT NULL, \
         contract_id BIGINT NOT NULL, PRIMARY KEY (gram, organisation_id, contract_id))"
            .to_owned(),
        format!(
            "CREATE OR REPLACE FUNCTION contract_grams_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF TG_OP IN ('UPDATE', 'DELETE') THEN {remove} END IF; \
             IF TG_OP IN ('UPDATE', 'INSERT') THEN {add} END IF; \
             RETURN NULL; END $$",
            remove = remove("OLD", f),
            add = add("NEW", f),
        ),
        "CREATE TRIGGER contract_grams_insert_delete AFTER INSERT OR DELETE ON contracts \
         FOR EACH ROW EXECUTE FUNCTION contract_grams_apply()"
            .to_owned(),
        format!(
            "CREATE TRIGGER contract_grams_update AFTER UPDATE OF {} ON contracts FOR EACH ROW WHEN ({}) \
             EXECUTE FUNCTION contract_grams_apply()",
            KEYS.join(", "),
            changed("OLD", "NEW", "IS DISTINCT FROM")
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        db.execute_unprepared("CREATE TABLE IF NOT EXISTS gram_positions (n INTEGER PRIMARY KEY)").await?;
        db.execute_unprepared(&format!(
            "INSERT INTO gram_positions (n) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s \
             WHERE n < {POSITIONS}) SELECT n FROM s"
        ))
        .await?;
        let statements = match backend {
            DbBackend::Sqlite => sqlite_up(),
            DbBackend::Postgres => postgres_up(),
            other => return Err(DbErr::Migration(format!("unsupported database {other:?}"))),
        };
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        // The contracts already there.
        let f = fold(backend);
        let each = NAMES
            .map(|c| {
                format!(
                    "SELECT substr({f}(c.{c}), p.n, 2), c.organisation_id, c.id FROM contracts c \
                     JOIN gram_positions p ON p.n < length(c.{c})"
                )
            })
            .join(" UNION ");
        // In key order: a million contracts' grams appended, not inserted at random.
        db.execute_unprepared(&format!(
            "INSERT INTO contract_grams (gram, organisation_id, contract_id) SELECT * FROM ({each}) g ORDER BY 1, 2, 3"
        ))
        .await
        .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let drops: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &[
                "DROP TRIGGER IF EXISTS contract_grams_insert",
                "DROP TRIGGER IF EXISTS contract_grams_delete",
                "DROP TRIGGER IF EXISTS contract_grams_update",
            ],
            _ => &[
                "DROP TRIGGER IF EXISTS contract_grams_insert_delete ON contracts",
                "DROP TRIGGER IF EXISTS contract_grams_update ON contracts",
                "DROP FUNCTION IF EXISTS contract_grams_apply()",
            ],
        };
        for sql in drops {
            db.execute_unprepared(sql).await?;
        }
        db.execute_unprepared("DROP TABLE IF EXISTS contract_grams").await?;
        db.execute_unprepared("DROP TABLE IF EXISTS gram_positions").await.map(|_| ())
    }
}
