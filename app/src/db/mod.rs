//! Persistence (server only): Sea-ORM entities, migrations and the queries the services use. No
//! policy and no rules here (those are `services` and `domain`). Rows never leave the server; they are converted into the shared domain types / DTOs.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod contract_reads;
pub mod contracts;
pub mod entities;
pub mod flows;
pub mod history;
pub mod inbox;
pub mod migration;
pub mod notifications;
pub mod ops;
pub mod outbox;
pub mod price_books;
pub mod renewals;
pub mod saved_quotes;
pub mod settings;
pub mod throttle;
pub mod wecom;
pub mod writer;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;

/// When a SQLite commit is on disk (`PRAGMA synchronous`, per connection). PostgreSQL keeps its
/// own setting (`synchronous_commit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqliteSync {
    /// Each commit waits for the disk (`FULL`): nothing acknowledged is lost, even to a power cut.
    #[default]
    Full,
    /// A commit is written but not waited for (`NORMAL`, safe with WAL): the database stays
    /// consistent and survives the server's crash, but a power cut or an operating system crash
    /// may undo the last commits. Writers no longer queue behind each commit's `fsync`.
    Normal,
}

impl SqliteSync {
    /// `full` or `normal`, as `SQLITE_SYNCHRONOUS` takes it.
    pub fn parse(text: &str) -> Option<SqliteSync> {
        match text.trim().to_ascii_lowercase().as_str() {
            "full" => Some(SqliteSync::Full),
            "normal" => Some(SqliteSync::Normal),
            _ => None,
        }
    }
}

/// Opens a connection pool for `url` (`sqlite://…?mode=rwc` or `postgres://…`).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, SqliteSync::default()).await
}

/// [`connect`], with SQLite's commits made durable as `sync` says.
pub async fn connect_with(url: &str, sync: SqliteSync) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    // sqlx pings a pooled connection every time it is taken by default, which doubled a request's
    // hops to the database (a save's 14 statements took 26). A SQLite connection is a file handle
    // that cannot go stale: never. A PostgreSQL connection is pinged only after sitting idle
    // (when a restarted server, a proxy or a firewall may have dropped it); under load none is.
    if url.starts_with("sqlite:") {
        options.test_before_acquire(false);
        // One writer at a time is SQLite's model; a small pool avoids "database is locked" storms.
        options.max_connections(8);
        // Per connection (pragmas apply to the connection that runs them): foreign keys, and
        // writers queueing for up to 30 s behind each other (a busy machine can take longer than
        // sqlx's 5 s default under a burst of submissions).
        let synchronous = match sync {
            SqliteSync::Full => sea_orm::sqlx::sqlite::SqliteSynchronous::Full,
            SqliteSync::Normal => sea_orm::sqlx::sqlite::SqliteSynchronous::Normal,
        };
        options.map_sqlx_sqlite_opts(move |o| {
            o.foreign_keys(true).busy_timeout(std::time::Duration::from_secs(30)).synchronous(synchronous)
        });
    } else {
        options.test_before_acquire_if_idle_for(std::time::Duration::from_secs(5));
        options.max_connections(32);
        // sqlx asks for TLS unless told otherwise (`sslmode=prefer`), and on a database on this
        // machine that encrypted every statement both ways for nothing: about a fifth of the
        // saves per second at 50 clients (BENCHMARKS.md, twenty-third session). An explicit
        // `sslmode` in the URL or `PGSSLMODE` is kept.
        if tls_is_pointless(url, std::env::var_os("PGSSLMODE").is_some()) {
            options.map_sqlx_postgres_opts(|o| o.ssl_mode(sea_orm::sqlx::postgres::PgSslMode::Disable));
        }
    }
    let db = Database::connect(options).await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        use sea_orm::ConnectionTrait;
        // WAL lets readers work while a write commits. It is a property of the file, set once here:
        // switching needs an exclusive lock that a busy timeout cannot wait for, so it must not
        // run on every new pooled connection.
        db.execute_unprepared("PRAGMA journal_mode = WAL;").await?;
    }
    Ok(db)
}

/// Whether a PostgreSQL connection to `url` should not ask for TLS: the server is this machine
/// (`localhost`, a loopback address, or a Unix socket), and neither the URL's `sslmode` nor
/// `PGSSLMODE` (`env_sslmode`) says what to do. Traffic that never leaves the machine is not
/// protected by encrypting it; whoever could read it could read the server's memory.
fn tls_is_pointless(url: &str, env_sslmode: bool) -> bool {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else { return false };
    let (authority, query) = match rest.split_once('/') {
        Some((a, path)) => (a, path.split_once('?').map_or("", |(_, q)| q)),
        None => (rest.split_once('?').map_or(rest, |(a, _)| a), rest.split_once('?').map_or("", |(_, q)| q)),
    };
    let params = || query.split('&').filter_map(|p| p.split_once('='));
    // sqlx reads `ssl-mode` as `sslmode`.
    if env_sslmode || params().any(|(k, _)| k.eq_ignore_ascii_case("sslmode") || k.eq_ignore_ascii_case("ssl-mode")) {
        return false;
    }
    // A `host` parameter names the server (a socket directory starts with '/').
    let host_param = params().find(|(k, _)| k.eq_ignore_ascii_case("host")).map(|(_, v)| v);
    let host_part = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_param {
        Some(h) => h,
        None if host_part.starts_with('[') => host_part.split_once(']').map_or(host_part, |(h, _)| &h[1..]),
        None => host_part.split_once(':').map_or(host_part, |(h, _)| h),
    };
    let host = host.replace("%2F", "/").replace("%2f", "/");
    host.is_empty()
        || host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Begins a transaction that will write: on SQLite, first waits its turn at the database file's
/// write gate (see [`gate_of`]), held until the returned guard drops — after the transaction,
/// which the tuple's order drops first — then takes the write lock (`BEGIN IMMEDIATE`), which
/// another process may hold. Requests that write under load go through [`writer::write`] instead,
/// which commits many of them at once behind the same gate.
pub async fn begin_write(
    db: &DatabaseConnection,
) -> Result<(Option<tokio::sync::OwnedMutexGuard<()>>, sea_orm::DatabaseTransaction), DbErr> {
    let gate = match writer_file(db) {
        Some(file) => Some(gate_of(&file).lock_owned().await),
        None => None,
    };
    Ok((gate, begin_immediate(db).await?))
}

/// A transaction that takes SQLite's write lock at `BEGIN` (`IMMEDIATE`), waiting out
/// `busy_timeout` there, so no statement of it has to turn a read into a write — which SQLite
/// refuses at once (SQLITE_BUSY, no waiting) while another process holds the lock. PostgreSQL
/// ignores the mode.
async fn begin_immediate(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    db.begin_with_options(options).await
}

/// The database file of a SQLite pool; `None` on PostgreSQL, whose writers lock rows.
fn writer_file(db: &DatabaseConnection) -> Option<std::path::PathBuf> {
    (db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite)
        .then(|| db.get_sqlite_connection_pool().connect_options().get_filename().to_path_buf())
}

/// The write gate of a SQLite database file: write transactions take it ([`begin_write`], and
/// [`writer::write`]'s batches), one at a time per file, first come first served. SQLite has one
/// writer at a time anyway, but a writer that finds the lock taken polls it with growing sleeps
/// (up to 100 ms each, within `busy_timeout`), so under load the unluckiest saves waited many
/// times the queue ahead of them (`make bench`: save p99 at 8 clients 170–670 ms against a p50 of
/// 10–15 ms). Queueing here instead keeps the wait to the work ahead.
fn gate_of(file: &std::path::Path) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    type Gates = Mutex<HashMap<std::path::PathBuf, Arc<tokio::sync::Mutex<()>>>>;
    static GATES: LazyLock<Gates> = LazyLock::new(Gates::default);
    GATES.lock().unwrap_or_else(|p| p.into_inner()).entry(file.to_path_buf()).or_default().clone()
}

/// Brings the schema up to date. Runs at every start-up; applied migrations are skipped.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

/// `LIKE '%text%'` with `%`, `_` and `\\` in `text` matched as themselves.
pub fn contains(text: &str) -> sea_orm::sea_query::LikeExpr {
    let escaped: String =
        text.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

#[cfg(test)]
mod tls_tests {
    use super::tls_is_pointless;

    #[test]
    fn tls_is_left_out_only_for_this_machine_when_nothing_says_otherwise() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://u:p%40ss@localhost/db",
            "postgresql://127.0.0.2/db?application_name=wld",
            "postgres://[::1]:5432/db",
            "postgres:///db",
            "postgres:///db?host=/var/run/postgresql",
            "postgres://x@ignored/db?host=%2Fvar%2Frun%2Fpostgresql",
        ] {
            assert!(tls_is_pointless(url, false), "{url}");
        }
        for url in [
            "postgres://postgres@db.internal:5432/test",
            "postgres://10.0.0.5/db",
            "postgres://[2001:db8::1]:5432/db",
            "postgres://127.0.0.1/db?sslmode=require",
            "postgres://localhost/db?SSLMODE=prefer",
            "postgres://localhost/db?ssl-mode=require",
            "postgres://127.0.0.1/db?host=db.internal",
        ] {
            assert!(!tls_is_pointless(url, false), "{url}");
        }
        assert!(!tls_is_pointless("postgres://127.0.0.1/db", true), "PGSSLMODE is the operator's choice");
    }
}
