//! Accounts: organisations, users with Argon2id password hashes, database-backed sessions and
//! sign-in rate limiting. Sessions live in the database so several server processes share them.

use crate::db::entities::{login_attempt, organisation, session, user};
use crate::db::throttle;
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::models::{Role, SessionUser};
use blake2::{Blake2b, Digest, digest::consts::U32};
use chrono::{Duration, Utc};
use rand_core::{OsRng, RngCore};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;
/// The window in which failed sign-ins are counted.
pub const ATTEMPT_WINDOW_MINUTES: i64 = 15;
/// Failed sign-ins allowed per account from one address within the window; the next attempt
/// from that address is refused (429) without checking the password.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// Failed sign-ins for an account (from all addresses) after which its sign-ins are slowed down.
pub const ACCOUNT_SLOWDOWN_AFTER: i64 = 10;
/// The longest an account's sign-in is slowed down, in seconds.
pub const ACCOUNT_SLOWDOWN_MAX_SECONDS: u64 = 5;
/// Failed sign-ins allowed per client address within the window (many accounts, one attacker).
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;

pub use crate::crypto::hash_password;

/// Checks a new account's username and password; problems name the field.
pub fn check_new_account(username: &str, password: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let name_ok = (3..=64).contains(&username.len())
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !name_ok {
        problems.push(Problem::error(
            "username",
            "username_invalid",
            "用户名应为 3–64 位字母、数字或 . _ -",
            "A username is 3–64 letters, digits or . _ -",
        ));
    }
    if password.chars().count() < 10 {
        problems.push(Problem::error(
            "password",
            "password_too_short",
            "密码至少 10 个字符",
            "A password needs at least 10 characters",
        ));
    }
    problems
}

/// The organisation with this name, created if missing.
pub async fn ensure_organisation(db: &impl ConnectionTrait, name: &str) -> Result<i64, DbErr> {
    if let Some(o) = organisation::Entity::find().filter(organisation::Column::Name.eq(name)).one(db).await? {
        return Ok(o.id);
    }
    let o = organisation::ActiveModel { name: Set(name.to_owned()), created_at: Set(Utc::now()), ..Default::default() }
        .insert(db)
        .await?;
    Ok(o.id)
}

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
    if user::Entity::find().filter(user::Column::Username.eq(&username)).one(db).await?.is_some() {
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
    Ok(user::ActiveModel {
        organisation_id: Set(organisation_id),
        username: Set(username),
        display_name: Set(display_name),
        role: Set(role.as_str().to_owned()),
        password_hash: Set(hash_password(password)?),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Sign-in throttling keys. Per account *and* address: an attacker elsewhere cannot lock the
/// owner out; per address: one client guessing many accounts; per account: slowed, never locked.
fn throttle_keys(username: &str, address: &str) -> [String; 3] {
    [format!("signin:pair:{address}:{username}"), format!("signin:addr:{address}"), format!("signin:acct:{username}")]
}

/// How long a sign-in for an account waits when it has `failures` failed sign-ins in the window
/// from all addresses together: nothing up to [`ACCOUNT_SLOWDOWN_AFTER`], then half a second more
/// per failure, at most [`ACCOUNT_SLOWDOWN_MAX_SECONDS`]. Slows guessing from many addresses
/// without ever refusing the owner.
pub fn account_delay(failures: i64) -> std::time::Duration {
    let excess = u64::try_from(failures - ACCOUNT_SLOWDOWN_AFTER + 1).unwrap_or(0);
    std::time::Duration::from_millis(excess * 500).min(std::time::Duration::from_secs(ACCOUNT_SLOWDOWN_MAX_SECONDS))
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
    let found = user::Entity::find().filter(user::Column::Username.eq(&username)).one(db).await?;
    // An unknown or inactive account costs the same work as a real check, so timing does not tell
    // which usernames exist.
    let phc = found.as_ref().filter(|u| u.active).map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
    let ok = crate::crypto::verify_password(password, &phc).await && found.as_ref().is_some_and(|u| u.active);
    if ok {
        throttle::clear(db, &pair).await?;
        throttle::take_back(db, &by_address).await?;
        throttle::sweep(db, Utc::now() - Duration::days(1)).await?;
    } else {
        throttle::hit(db, &account, window).await?;
    }
    login_attempt::ActiveModel {
        username: Set(username),
        address: Set(address),
        succeeded: Set(ok),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    match found {
        Some(u) if ok => Ok(u),
        _ => Err(AppError::BadCredentials),
    }
}

/// An Argon2id hash of a random password, checked against when the username does not exist.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hash_password(&hex(&bytes)).unwrap_or_default()
});

/// 32 random bytes from the operating system as 64 hex digits: the secret behind sessions,
/// payment links and shared quotes.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// Starts a session for a user; returns the token for the cookie (only its hash is stored).
pub async fn create_session(db: &impl ConnectionTrait, user_id: i64) -> Result<String, DbErr> {
    let token = random_token();
    let now = Utc::now();
    session::ActiveModel {
        id: Set(token_hash(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(SESSION_HOURS)),
    }
    .insert(db)
    .await?;
    // Housekeeping: expired sessions are useless; drop them while we are here.
    session::Entity::delete_many().filter(session::Column::ExpiresAt.lt(now)).exec(db).await?;
    Ok(token)
}

/// The user of a live session, if the token names one and the user is still active.
pub async fn session_user(db: &impl ConnectionTrait, token: &str) -> Result<Option<SessionUser>, DbErr> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(s) = session::Entity::find_by_id(token_hash(token)).one(db).await? else {
        return Ok(None);
    };
    if s.expires_at <= Utc::now() {
        return Ok(None);
    }
    session_user_by_id(db, s.user_id).await
}

/// The DTO for an active user.
pub async fn session_user_by_id(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<SessionUser>, DbErr> {
    let Some((u, Some(o))) = user::Entity::find_by_id(user_id).find_also_related(organisation::Entity).one(db).await?
    else {
        return Ok(None);
    };
    let Some(role) = Role::parse(&u.role) else { return Ok(None) };
    if !u.active {
        return Ok(None);
    }
    Ok(Some(SessionUser {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role,
        organisation_id: o.id,
        organisation_name: o.name,
    }))
}

/// Ends a session.
pub async fn delete_session(db: &impl ConnectionTrait, token: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(token_hash(token)).exec(db).await?;
    Ok(())
}

/// The BLAKE2b-256 hash (hex) under which a bearer token (session, payment link) is stored.
pub fn token_hash(token: &str) -> String {
    hex(&Blake2b::<U32>::digest(token.as_bytes()))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
