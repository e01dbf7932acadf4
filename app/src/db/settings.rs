//! Settings (key → value) the app reads at run time.

use super::entities::setting;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

pub use super::attachments::settings_values as values;

/// The settings key of the installed-app list (安装的应用, a JSON array of names).
pub const INSTALLED_APPS_KEY: &str = crate::domain::admin::keys::INSTALLED_APPS;

/// One setting's value, if it has one (a blank one counts as none: its default applies).
pub async fn value<C: ConnectionTrait>(db: &C, key: &str) -> Result<Option<String>, DbErr> {
    Ok(setting::Entity::find_by_id(key.to_owned()).one(db).await?.map(|s| s.value).filter(|v| !v.is_empty()))
}

/// The admin-kept list of apps a contract may name.
pub async fn installed_apps<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    Ok(value(db, INSTALLED_APPS_KEY)
        .await?
        .and_then(|v| serde_json::from_str::<Vec<String>>(&v).ok())
        .unwrap_or_default())
}

/// Sets `key` to `value` unless it has a value already (defaults never overwrite an admin's).
pub async fn set_if_absent<C: ConnectionTrait>(db: &C, key: &str, value: &str) -> Result<(), DbErr> {
    if setting::Entity::find_by_id(key.to_owned()).one(db).await?.is_none() {
        insert(db, key, value).await?;
    }
    Ok(())
}

async fn insert<C: ConnectionTrait>(db: &C, key: &str, value: &str) -> Result<(), DbErr> {
    setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        updated_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Sets `key` to `value`, or removes it when `value` is blank (its default applies again).
pub async fn set<C: ConnectionTrait>(db: &C, key: &str, value: &str) -> Result<(), DbErr> {
    let found = setting::Entity::find_by_id(key.to_owned()).one(db).await?;
    match (found, value.is_empty()) {
        (Some(_), true) => {
            setting::Entity::delete_by_id(key.to_owned()).exec(db).await?;
        }
        (None, true) => {}
        (Some(s), false) => {
            let mut am: setting::ActiveModel = s.into();
            am.value = Set(value.to_owned());
            am.updated_at = Set(chrono::Utc::now());
            am.update(db).await?;
        }
        (None, false) => insert(db, key, value).await?,
    }
    Ok(())
}
