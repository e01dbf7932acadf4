//! The back office's desk: the approver's inbox (审批待办), in-app notifications (通知) and the
//! renewals falling due (续期). Every function is behind `Door::SignedIn` and answers only about
//! what the caller may see.

use crate::error::AppError;
use crate::models::{AuditFilter, AuditPage, DeskCounts, Inbox, Notifications, RenewalStart, Renewals};
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

/// The navigation bar's counts: contracts waiting for the caller, unread notifications (one
/// request for both badges).
#[server(endpoint = "desk/counts", input = Json)]
pub async fn read_desk_counts() -> Result<DeskCounts, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::notifications::counts(&db, &user).await
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

/// Fulfilled contracts the caller may see whose API expiry date is within `days` (7, 30 or 90;
/// anything else is 30), soonest first.
#[server(endpoint = "renewals/due", input = Json)]
pub async fn renewals_due(days: Option<u32>) -> Result<Renewals, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::renewals::due(&db, &user, days, chrono::Utc::now()).await
        }
        .await,
    )
}

/// The renewal (续期) contract of `source_id`, prefilled, for `/contracts/new?renew=<id>`.
#[server(endpoint = "renewals/start", input = Json)]
pub async fn start_renewal(source_id: i64) -> Result<RenewalStart, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::renewals::start(&db, &user, source_id).await
        }
        .await,
    )
}

/// The admin's audit search: events by who, which contract and when, newest first (admins only).
#[server(endpoint = "audit/search", input = Json)]
pub async fn search_audit(filter: AuditFilter) -> Result<AuditPage, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::audit::search(&db, &user, &filter).await
        }
        .await,
    )
}
