//! Sign-in, sign-out and "who am I".

use crate::error::AppError;
use crate::models::SessionUser;
use leptos::prelude::*;

/// Signs in with a username and password. On success the session cookie is set (a new session
/// id every time, so a planted cookie is never promoted) and the user is returned; a failure
/// leaves the caller's current session alone.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(username: String, password: String) -> Result<SessionUser, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            use crate::services::accounts;
            let db = ctx::db()?;
            let old = ctx::cookie(ctx::SESSION_COOKIE);
            let (user, token) =
                accounts::sign_in(&db, &username, &password, &ctx::client_address(), old.as_deref()).await?;
            ctx::set_cookie(session_cookie(&token, accounts::SESSION_HOURS * 3600));
            // A plain form post is sent on to the contracts (with a temporary password, they say
            // to choose one's own first); the client follows the same hint.
            leptos_axum::redirect("/contracts");
            Ok(user)
        }
        .await,
    )
}

/// Ends the current session, if any, and clears the cookie.
#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::ctx;
    ctx::respond(
        async {
            if let Some(token) = ctx::cookie(ctx::SESSION_COOKIE) {
                crate::services::accounts::sign_out(&ctx::db()?, &token).await?;
            }
            ctx::set_cookie(session_cookie("", 0));
            leptos_axum::redirect("/signin");
            Ok(())
        }
        .await,
    )
}

/// The signed-in user, or `None`.
#[server(endpoint = "auth/me")]
pub async fn me() -> Result<Option<SessionUser>, AppError> {
    super::ctx::respond(super::ctx::current_user().await)
}

#[cfg(feature = "ssr")]
fn session_cookie(token: &str, max_age: i64) -> String {
    let secure = if super::ctx::settings().cookie_secure { "; Secure" } else { "" };
    format!("{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}", super::ctx::SESSION_COOKIE)
}

/// Changes the signed-in user's password: the current one, then the new one (at least 10
/// characters, not the current one). Ends their other sessions; clears a temporary password's
/// must-change mark. The one call allowed while that mark is set.
#[server(endpoint = "auth/change_password")]
pub async fn change_password(current: String, new_password: String) -> Result<SessionUser, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let db = ctx::db()?;
            let user = ctx::require_session().await?;
            let token = ctx::cookie(ctx::SESSION_COOKIE).unwrap_or_default();
            let user = crate::services::accounts::change_password(
                &db,
                &user,
                &current,
                &new_password,
                &token,
                &ctx::client_address(),
            )
            .await?;
            // A plain form post goes on to the contracts.
            leptos_axum::redirect("/contracts");
            Ok(user)
        }
        .await,
    )
}
