//! The admin console's server functions (管理后台), all behind `Door::Admin`: the server refuses
//! anyone but a signed-in admin before the call, and each service asks again.

use crate::domain::PriceBook;
use crate::domain::admin::{LevelEdit, SettingsForm};
use crate::error::AppError;
use crate::models::{
    AdminOrganisation, AdminUser, AdminUsersPage, DefaultAt, FlowDto, FlowsPage, NewUserInput, PriceBookVersion,
    PriceBooksPage, RobotTestResult, SettingsPage, TemporaryPassword, UserEdit,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The users matching `search`, and every organisation.
#[server(endpoint = "admin/users", input = Json)]
pub async fn admin_users(search: String) -> Result<AdminUsersPage, AppError> {
    use super::ctx;
    ctx::respond(async { crate::services::admin::users(&ctx::db()?, &ctx::require_user().await?, &search).await }.await)
}

/// Creates an organisation (a channel partner).
#[server(endpoint = "admin/create_organisation", input = Json)]
pub async fn create_organisation(name: String) -> Result<AdminOrganisation, AppError> {
    use super::ctx;
    ctx::respond(
        async { crate::services::admin::create_organisation(&ctx::db()?, &ctx::require_user().await?, &name).await }
            .await,
    )
}

/// Creates a user; the answer carries their one-time temporary password.
#[server(endpoint = "admin/create_user", input = Json)]
pub async fn create_user(input: NewUserInput) -> Result<TemporaryPassword, AppError> {
    use super::ctx;
    ctx::respond(
        async { crate::services::admin::create_user(&ctx::db()?, &ctx::require_user().await?, input).await }.await,
    )
}

/// Changes a user's name, role and WeCom userid.
#[server(endpoint = "admin/update_user", input = Json)]
pub async fn update_user(edit: UserEdit) -> Result<AdminUser, AppError> {
    use super::ctx;
    ctx::respond(
        async { crate::services::admin::update_user(&ctx::db()?, &ctx::require_user().await?, edit).await }.await,
    )
}

/// Where a user is a flow level's default approver (deactivating them needs a replacement).
#[server(endpoint = "admin/defaults_of", input = Json)]
pub async fn defaults_of(id: i64) -> Result<Vec<DefaultAt>, AppError> {
    use super::ctx;
    ctx::respond(
        async { crate::services::admin::defaults_of(&ctx::db()?, &ctx::require_user().await?, id).await }.await,
    )
}

/// Deactivates (ending their sessions) or reactivates a user.
#[server(endpoint = "admin/set_active", input = Json)]
pub async fn set_active(id: i64, active: bool, replacement: Option<i64>) -> Result<AdminUser, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            crate::services::admin::set_active(&ctx::db()?, &ctx::require_user().await?, id, active, replacement).await
        }
        .await,
    )
}

/// Resets a user's password to a one-time temporary one.
#[server(endpoint = "admin/reset_password", input = Json)]
pub async fn reset_password(id: i64) -> Result<TemporaryPassword, AppError> {
    use super::ctx;
    ctx::respond(
        async { crate::services::admin::reset_password(&ctx::db()?, &ctx::require_user().await?, id).await }.await,
    )
}

/// Every price book version.
#[server(endpoint = "admin/price_books", input = Json)]
pub async fn price_books() -> Result<PriceBooksPage, AppError> {
    use super::ctx;
    ctx::respond(async { crate::services::admin::price_books(&ctx::db()?, &ctx::require_user().await?).await }.await)
}

/// Saves a new price book version, or changes one not yet in effect.
#[server(endpoint = "admin/save_price_book", input = Json)]
pub async fn save_price_book(id: Option<i64>, book: PriceBook) -> Result<PriceBookVersion, AppError> {
    use super::ctx;
    let saved =
        async { crate::services::admin::save_price_book(&ctx::db()?, &ctx::require_user().await?, id, book).await }
            .await;
    ctx::respond(price_book_written(saved))
}

/// Marks the quote API's kept price book stale once a price book write has committed.
#[cfg(feature = "ssr")]
fn price_book_written<T>(written: Result<T, AppError>) -> Result<T, AppError> {
    if written.is_ok() {
        super::ctx::settings().price_book.changed();
    }
    written
}

/// Deletes a price book version not yet in effect.
#[server(endpoint = "admin/delete_price_book", input = Json)]
pub async fn delete_price_book(id: i64) -> Result<(), AppError> {
    use super::ctx;
    let deleted =
        async { crate::services::admin::delete_price_book(&ctx::db()?, &ctx::require_user().await?, id).await }.await;
    ctx::respond(price_book_written(deleted))
}

/// Every approval flow, and who may approve.
#[server(endpoint = "admin/flows", input = Json)]
pub async fn flows() -> Result<FlowsPage, AppError> {
    use super::ctx;
    ctx::respond(async { crate::services::admin::flows(&ctx::db()?, &ctx::require_user().await?).await }.await)
}

/// Saves a flow's name and levels.
#[server(endpoint = "admin/save_flow", input = Json)]
pub async fn save_flow(id: i64, name: String, levels: Vec<LevelEdit>) -> Result<FlowDto, AppError> {
    use super::ctx;
    ctx::respond(
        async { crate::services::admin::save_flow(&ctx::db()?, &ctx::require_user().await?, id, name, levels).await }
            .await,
    )
}

/// The settings page's values.
#[server(endpoint = "admin/settings", input = Json)]
pub async fn settings() -> Result<SettingsPage, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let env = ctx::settings().env_defaults;
            crate::services::admin::settings_page(&ctx::db()?, &ctx::require_user().await?, &env).await
        }
        .await,
    )
}

/// Saves the settings form.
#[server(endpoint = "admin/save_settings", input = Json)]
pub async fn save_settings(form: SettingsForm) -> Result<SettingsPage, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let env = ctx::settings().env_defaults;
            crate::services::admin::save_settings(&ctx::db()?, &ctx::require_user().await?, form, &env).await
        }
        .await,
    )
}

/// Removes the WeChat payment QR image (uploading one is `POST /admin/wechat-qr`).
#[server(endpoint = "admin/remove_wechat_qr", input = Json)]
pub async fn remove_wechat_qr() -> Result<(), AppError> {
    use super::ctx;
    ctx::respond(
        async { crate::services::admin::set_wechat_qr(&ctx::db()?, &ctx::require_user().await?, None).await }.await,
    )
}

/// Sends the WeCom group robot a test message, now, and says what WeCom answered. Not a change of
/// state, so not through the outbox: the admin waits for the answer (at most the robot's timeout).
#[server(endpoint = "admin/test_robot", input = Json)]
pub async fn test_robot() -> Result<RobotTestResult, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let db = ctx::db()?;
            let user = ctx::require_user().await?;
            let admin_hook = crate::services::admin::robot_webhook(&db).await?;
            let Some(tester) = use_context::<ctx::RobotTester>() else {
                return Err(AppError::internal("context", "no robot tester in context"));
            };
            let text = format!("企业微信接口许可：群机器人测试消息（由管理员 {} 发送）", user.display_name);
            let result = match (tester.0)(admin_hook, text).await {
                Ok(detail) => RobotTestResult { ok: true, detail },
                Err(detail) => RobotTestResult { ok: false, detail },
            };
            crate::services::admin::record_robot_test(&db, &user, result.ok, &result.detail).await?;
            Ok(result)
        }
        .await,
    )
}
