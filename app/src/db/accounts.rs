//! Accounts: organisations, users with Argon2id password hashes, database-backed sessions and
//! sign-in rate limiting. Sessions live in the database so several server processes share them.

use crate::db::entities::{login_attempt, organisation, session, user};
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::models::{Role, SessionUser};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use blake2::{Blake2b, Digest, digest::consts::U32};
use chrono::{Duration, Utc};
use rand_core::{OsRng, RngCore};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;
/// The window in which failed sign-ins are counted.
pub const ATTEMPT_WINDOW_MINUTES: i64 = 15;
/// Failed sign-ins allowed per account within the window.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// Failed sign-ins allowed per client address within the window (many accounts, one attacker).
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;

/// Hashes a password with Argon2id and a fresh random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("hashing a password failed", e))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

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

/// Checks a username and password, with rate limits per account and per client address.
/// Every attempt is recorded; the answer never reveals whether the account exists.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
    address: &str,
) -> Result<user::Model, AppError> {
    let username = username.trim().to_ascii_lowercase();
    let since = Utc::now() - Duration::minutes(ATTEMPT_WINDOW_MINUTES);
    let failures = |col: login_attempt::Column, value: String| {
        login_attempt::Entity::find()
            .filter(col.eq(value))
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::At.gt(since))
    };
    for (col, value, max) in [
        (login_attempt::Column::Username, username.clone(), MAX_FAILURES_PER_ACCOUNT),
        (login_attempt::Column::Address, address.to_owned(), MAX_FAILURES_PER_ADDRESS),
    ] {
        if failures(col, value.clone()).count(db).await? >= max {
            let oldest = failures(col, value).order_by_asc(login_attempt::Column::At).one(db).await?;
            let free_at = oldest.map_or(Utc::now(), |a| a.at + Duration::minutes(ATTEMPT_WINDOW_MINUTES));
            let minutes = ((free_at - Utc::now()).num_seconds() + 59) / 60;
            return Err(AppError::RateLimited { retry_after_minutes: minutes.max(1) });
        }
    }
    let found = user::Entity::find().filter(user::Column::Username.eq(&username)).one(db).await?;
    let ok = match &found {
        Some(u) => u.active && verify_password(password, &u.password_hash),
        None => {
            // Same work as a real check, so timing does not tell which usernames exist.
            verify_password(password, &DUMMY_HASH);
            false
        }
    };
    login_attempt::ActiveModel {
        username: Set(username.chars().take(64).collect()),
        address: Set(address.chars().take(64).collect()),
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
