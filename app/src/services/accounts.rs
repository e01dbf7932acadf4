//! Accounts: creating users, signing in (with the limits of `domain::account`), sessions.

use crate::crypto::{DUMMY_HASH, hash_password, verify_password};
use crate::db::entities::user;
use crate::db::{accounts as db_accounts, throttle};
use crate::domain::account::{
    ATTEMPT_WINDOW_MINUTES, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, account_delay, check_new_account,
};
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::models::{Role, SessionUser};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DbErr};

pub use crate::db::accounts::{delete_session as sign_out, ensure_organisation, session_user, session_user_by_id};
pub use crate::domain::account::SESSION_HOURS;

/// Creates a user. The username is stored lower-case; a taken name is a field problem.
pub async fn create_user(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<user::Model, AppError> {
    let username = username.trim().to_ascii_lowercase();
    let problems = check_new_account(&username, password);
    if !problems.is_empty() {
        return Err(AppError::Invalid { problems });
    }
    if db_accounts::find_by_username(db, &username).await?.is_some() {
        return Err(AppError::Invalid {
            problems: vec![Problem::error(
                "username",
                "username_taken",
                &format!("用户名“{username}”已被使用"),
                &format!("The username “{username}” is taken"),
            )],
        });
    }
    let display_name = if display_name.trim().is_empty() { username.clone() } else { display_name.trim().to_owned() };
    Ok(db_accounts::insert_user(db, organisation_id, &username, &display_name, role, hash_password(password)?).await?)
}

/// Sign-in throttling keys. Per account *and* address: an attacker elsewhere cannot lock the
/// owner out; per address: one client guessing many accounts; per account: slowed, never locked.
fn throttle_keys(username: &str, address: &str) -> [String; 3] {
    [format!("signin:pair:{address}:{username}"), format!("signin:addr:{address}"), format!("signin:acct:{username}")]
}

/// Checks a username and password, with rate limits per account-and-address and per address,
/// and a slowdown per account. The attempt is counted *before* the password is checked, in one
/// atomic step per counter, so a burst of simultaneous guesses gets at most the limit checked.
/// Every attempt is logged; the answer never reveals whether the account exists.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
    address: &str,
) -> Result<user::Model, AppError> {
    let username: String = username.trim().to_ascii_lowercase().chars().take(64).collect();
    let address: String = address.chars().take(64).collect();
    let window = Duration::minutes(ATTEMPT_WINDOW_MINUTES);
    let [pair, by_address, account] = throttle_keys(&username, &address);
    for (key, max) in [(&pair, MAX_FAILURES_PER_ACCOUNT), (&by_address, MAX_FAILURES_PER_ADDRESS)] {
        let count = throttle::hit(db, key, window).await?;
        if count.hits > i64::try_from(max).unwrap_or(i64::MAX) {
            return Err(AppError::RateLimited { retry_after_minutes: count.minutes_left(window) });
        }
    }
    let delay = account_delay(throttle::peek(db, &account, window).await?);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let found = db_accounts::find_by_username(db, &username).await?;
    // An unknown or inactive account costs the same work as a real check, so timing does not tell
    // which usernames exist.
    let phc = found.as_ref().filter(|u| u.active).map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
    let ok = verify_password(password, &phc).await && found.as_ref().is_some_and(|u| u.active);
    if ok {
        throttle::clear(db, &pair).await?;
        throttle::take_back(db, &by_address).await?;
        throttle::sweep(db, Utc::now() - Duration::days(1)).await?;
    } else {
        throttle::hit(db, &account, window).await?;
    }
    db_accounts::log_attempt(db, &username, &address, ok).await?;
    match found {
        Some(u) if ok => Ok(u),
        _ => Err(AppError::BadCredentials),
    }
}

/// Signs in: checks the password (see [`authenticate`]), ends the session the caller held (only on
/// success: a mistyped password must not sign anyone out) and starts a new one. Returns the user
/// and the new session's token.
pub async fn sign_in(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
    address: &str,
    old_session: Option<&str>,
) -> Result<(SessionUser, String), AppError> {
    let user = authenticate(db, username, password, address).await?;
    if let Some(old) = old_session {
        db_accounts::delete_session(db, old).await?;
    }
    let token = db_accounts::create_session(db, user.id).await?;
    let who = db_accounts::session_user_by_id(db, user.id).await?.ok_or(AppError::BadCredentials)?;
    Ok((who, token))
}

/// The user behind a session cookie, if it names a live session of an active user.
pub async fn current(db: &impl ConnectionTrait, token: Option<&str>) -> Result<Option<SessionUser>, DbErr> {
    match token {
        Some(t) => session_user(db, t).await,
        None => Ok(None),
    }
}

/// Changes a user's own password: the current one must match; the new one follows the password
/// rule and differs from it. Clears the temporary password's must-change mark, ends the user's other
/// sessions (`keep_session` stays), and is audited. Wrong current passwords count against the
/// sign-in limits, so this is no way around them.
pub async fn change_password(
    db: &sea_orm::DatabaseConnection,
    actor: &SessionUser,
    current: &str,
    new_password: &str,
    keep_session: &str,
    address: &str,
) -> Result<SessionUser, AppError> {
    use sea_orm::Set;
    let mut problems = Vec::new();
    if new_password.chars().count() < 10 {
        problems.push(Problem::error(
            "new_password",
            "password_too_short",
            "新密码至少 10 个字符",
            "The new password needs at least 10 characters",
        ));
    } else if new_password == current {
        problems.push(Problem::error(
            "new_password",
            "password_unchanged",
            "新密码不能与当前密码相同",
            "The new password must differ from the current one",
        ));
    }
    let user = match authenticate(db, &actor.username, current, address).await {
        Ok(u) if u.id == actor.id => u,
        Err(AppError::RateLimited { retry_after_minutes }) => {
            return Err(AppError::RateLimited { retry_after_minutes });
        }
        _ => {
            problems.insert(
                0,
                Problem::error(
                    "current",
                    "current_password_wrong",
                    "当前密码不正确",
                    "The current password is not right",
                ),
            );
            return Err(AppError::Invalid { problems });
        }
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid { problems });
    }
    let hash = hash_password(new_password)?;
    let (_writer, txn) = crate::db::begin_write(db).await?;
    let mut am: user::ActiveModel = user.into();
    am.password_hash = Set(hash);
    am.must_change_password = Set(false);
    db_accounts::update_user(&txn, am).await?;
    db_accounts::end_sessions_except(&txn, actor.id, keep_session).await?;
    crate::db::audit::record(
        &txn,
        super::now(),
        Some(actor.id),
        "user.password_changed",
        "user",
        actor.id,
        &crate::db::audit::Detail::default(),
    )
    .await?;
    txn.commit().await?;
    db_accounts::session_user_by_id(db, actor.id).await?.ok_or(AppError::Unauthenticated)
}
