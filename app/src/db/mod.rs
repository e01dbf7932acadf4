//! Persistence (server only): Sea-ORM entities, migrations and the queries the server functions
//! use. Rows never leave the server; they are converted into the shared domain types / DTOs.

pub mod accounts;
pub mod audit;
pub mod contracts;
pub mod entities;
pub mod flows;
pub mod migration;
pub mod price_books;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;

/// Opens a connection pool for `url` (`sqlite://…?mode=rwc` or `postgres://…`).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // One writer at a time is SQLite's model; a small pool avoids "database is locked" storms.
        options.max_connections(8);
    } else {
        options.max_connections(32);
    }
    let db = Database::connect(options).await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        use sea_orm::ConnectionTrait;
        // WAL lets readers work while a write commits; foreign keys are off by default in SQLite.
        db.execute_unprepared("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
            .await?;
    }
    Ok(db)
}

/// Brings the schema up to date. Runs at every start-up; applied migrations are skipped.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}
