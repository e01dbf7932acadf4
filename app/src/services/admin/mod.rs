//! The admin console's use cases (管理后台): users and organisations, price book versions,
//! approval flows and settings. Every one is for admins only (the server's `Door::Admin` refuses
//! anyone else before the call; each function asks again), and every write is audited in its own
//! transaction: who, when, and what it was before and after.

use super::{invalid, now};
use crate::db::audit;
use crate::domain::policy::is_admin;
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::models::SessionUser;
use sea_orm::{DatabaseConnection, DatabaseTransaction};
use serde::Serialize;
use serde_json::Value;

mod catalogue;
mod settings;
mod users;

pub use catalogue::*;
pub use settings::*;
pub use users::*;

fn require_admin(actor: &SessionUser) -> Result<(), AppError> {
    if is_admin(Some(actor)) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// An admin's change as the audit trail keeps it: the words the timeline shows, and the record
/// before and after.
#[derive(Serialize)]
struct Change {
    comment: String,
    before: Value,
    after: Value,
}

async fn record(
    txn: &DatabaseTransaction,
    actor: &SessionUser,
    action: &str,
    subject: (&str, i64),
    comment: String,
    before: Value,
    after: Value,
) -> Result<(), AppError> {
    let change = Change { comment, before, after };
    Ok(audit::record(txn, now(), Some(actor.id), action, subject.0, subject.1, &change).await?)
}

/// Runs `work` in a transaction, committing on success and rolling back explicitly on a refusal
/// (a dropped transaction on SQLite could hold its lock until its connection is reused).
async fn in_txn<T, F>(db: &DatabaseConnection, work: F) -> Result<T, AppError>
where
    F: for<'t> FnOnce(
        &'t DatabaseTransaction,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<T, AppError>> + Send + 't>>,
{
    let (_writer, txn) = crate::db::begin_write(db).await?;
    match work(&txn).await {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            txn.rollback().await.ok();
            Err(e)
        }
    }
}

fn problem(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    invalid(vec![Problem::error(field, code, zh.into(), en.into())])
}

fn not_found_user() -> AppError {
    AppError::not_found("用户", "User")
}
