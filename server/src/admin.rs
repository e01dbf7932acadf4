//! Operator tasks behind the command line (`server create-admin`).

use app::db::entities::audit_event;
use app::domain::problem::Problem;
use app::error::AppError;
use app::models::Role;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set, TransactionTrait};

/// Creates an administrator in an organisation (created if missing), in one transaction, and
/// records it in the audit log. A taken username or a weak password is an `Invalid` error naming
/// the field; nothing is written then.
pub async fn create_admin(
    db: &DatabaseConnection,
    username: &str,
    organisation: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<app::db::entities::user::Model, AppError> {
    let organisation = organisation.trim();
    if organisation.is_empty() {
        return Err(AppError::Invalid {
            problems: vec![Problem::error(
                "organisation",
                "organisation_required",
                "请填写组织名称",
                "The organisation name is required",
            )],
        });
    }
    // Rolled back explicitly on a refusal: a transaction merely dropped is rolled back later, when
    // its connection goes back to the pool, and on SQLite the next writer could meet its lock.
    let tx = db.begin().await?;
    match admin_rows(&tx, username, organisation, display_name, password).await {
        Ok(user) => {
            tx.commit().await?;
            Ok(user)
        }
        Err(e) => {
            tx.rollback().await.ok();
            Err(e)
        }
    }
}

/// The organisation (if new), the user and the audit event, inside the caller's transaction.
async fn admin_rows(
    tx: &sea_orm::DatabaseTransaction,
    username: &str,
    organisation: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<app::db::entities::user::Model, AppError> {
    let org_id = app::db::accounts::ensure_organisation(tx, organisation).await?;
    let user =
        app::services::accounts::create_user(tx, org_id, username, display_name.unwrap_or(""), Role::Admin, password)
            .await?;
    audit_event::ActiveModel {
        at: Set(chrono::Utc::now()),
        actor_user_id: Set(None),
        action: Set("user.create_admin".to_owned()),
        subject_type: Set("user".to_owned()),
        subject_id: Set(Some(user.id)),
        detail: Set(serde_json::json!({"via": "cli", "username": user.username}).to_string()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(user)
}

/// An error for the terminal: every problem on its own line, in Chinese and English.
pub fn describe(e: &AppError) -> String {
    match e {
        AppError::Invalid { problems } if !problems.is_empty() => {
            problems.iter().map(|p| format!("{}: {} / {}", p.field, p.zh, p.en)).collect::<Vec<_>>().join("\n")
        }
        other => other.to_string(),
    }
}
