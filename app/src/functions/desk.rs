//! The back office's desk: the approver's inbox (审批待办) and in-app notifications (通知). Every
//! function is behind `Door::SignedIn` and answers only about the caller.

use crate::error::AppError;
use crate::models::{Inbox, Notifications};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The contracts waiting for the caller's decision and the ones they handled.
#[server(endpoint = "approvals/inbox", input = Json)]
pub async fn approval_inbox() -> Result<Inbox, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::approvals::inbox(&db, &user).await
        }
        .await,
    )
}

/// How many contracts wait for the caller's decision (the navigation bar's badge).
#[server(endpoint = "approvals/waiting_count", input = Json)]
pub async fn waiting_count() -> Result<u64, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::approvals::waiting_count(&db, &user).await
        }
        .await,
    )
}

/// The caller's newest notifications and their unread count.
#[server(endpoint = "notifications/list", input = Json)]
pub async fn my_notifications() -> Result<Notifications, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::notifications::mine(&db, &user).await
        }
        .await,
    )
}

/// Marks one of the caller's notifications read; answers the unread count.
#[server(endpoint = "notifications/read", input = Json)]
pub async fn mark_notification_read(id: i64) -> Result<u64, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::notifications::mark_read(&db, &user, id).await
        }
        .await,
    )
}

/// Marks all of the caller's notifications read; answers the unread count.
#[server(endpoint = "notifications/read_all", input = Json)]
pub async fn mark_all_notifications_read() -> Result<u64, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::notifications::mark_all_read(&db, &user).await
        }
        .await,
    )
}
