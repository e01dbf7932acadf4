//! Versioned schema migrations, the same on SQLite and PostgreSQL. Append new ones; never edit
//! one that has shipped.

/// What runs the migrations (`Migrator::up`, `down`), for callers without `sea-orm-migration`.
pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261128_000001_price_books;
pub(crate) mod m20261129_000002_accounts;
pub mod m20261129_000003_contracts;
mod m20261129_000004_attachments;
mod m20261129_000005_list_indexes;
mod m20261129_000010_saved_quotes;
mod m20261205_000011_throttles;
mod m20261205_000012_outbox;
mod m20261205_000013_user_wecom_userid;
mod m20261205_000014_renewal_reminders;
mod m20261206_000015_admin_console;
mod m20261207_000016_wecom_jobs;
mod m20261208_000017_contract_search;
mod m20261208_000018_contract_tallies;
mod m20261209_000019_sort_indexes;
mod m20261209_000020_inbox_indexes;
mod m20261210_000021_approver_tallies;
mod m20261210_000022_org_date_indexes;
mod m20261211_000023_approver_reach_keys;
mod m20261212_000024_contract_name_grams;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_price_books::Migration),
            Box::new(m20261129_000002_accounts::Migration),
            Box::new(m20261129_000003_contracts::Migration),
            Box::new(m20261129_000004_attachments::Migration),
            Box::new(m20261129_000005_list_indexes::Migration),
            Box::new(m20261129_000010_saved_quotes::Migration),
            Box::new(m20261205_000011_throttles::Migration),
            Box::new(m20261205_000012_outbox::Migration),
            Box::new(m20261205_000013_user_wecom_userid::Migration),
            Box::new(m20261205_000014_renewal_reminders::Migration),
            Box::new(m20261206_000015_admin_console::Migration),
            Box::new(m20261207_000016_wecom_jobs::Migration),
            Box::new(m20261208_000017_contract_search::Migration),
            Box::new(m20261208_000018_contract_tallies::Migration),
            Box::new(m20261209_000019_sort_indexes::Migration),
            Box::new(m20261209_000020_inbox_indexes::Migration),
            Box::new(m20261210_000021_approver_tallies::Migration),
            Box::new(m20261210_000022_org_date_indexes::Migration),
            Box::new(m20261211_000023_approver_reach_keys::Migration),
            Box::new(m20261212_000024_contract_name_grams::Migration),
        ]
    }
}
