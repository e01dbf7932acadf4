//! Accounts in the database: organisations, users, sessions (stored by token hash) and the
//! sign-in log. The rules (usernames, passwords, sign-in limits) are `domain::account`, applied by
//! `services::accounts`. Sessions live in the database so several server processes share them.

use crate::db::entities::{login_attempt, organisation, session, user};
use crate::models::{PersonDto, Role, SessionUser};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::crypto::{random_token, token_hash};
use crate::domain::account::SESSION_HOURS;

/// A user by (lower-case) username.
pub async fn find_by_username(db: &impl ConnectionTrait, username: &str) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find().filter(user::Column::Username.eq(username)).one(db).await
}

/// Inserts a user whose username and password the service checked; `password_hash` is a PHC string.
pub async fn insert_user(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    username: &str,
    display_name: &str,
    role: Role,
    password_hash: String,
) -> Result<user::Model, DbErr> {
    user::ActiveModel {
        organisation_id: Set(organisation_id),
        username: Set(username.to_owned()),
        display_name: Set(display_name.to_owned()),
        role: Set(role.code().to_owned()),
        password_hash: Set(password_hash),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Logs a sign-in attempt.
pub async fn log_attempt(
    db: &impl ConnectionTrait,
    username: &str,
    address: &str,
    succeeded: bool,
) -> Result<(), DbErr> {
    login_attempt::ActiveModel {
        username: Set(username.to_owned()),
        address: Set(address.to_owned()),
        succeeded: Set(succeeded),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
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
    let Some(role) = Role::from_code(&u.role) else { return Ok(None) };
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

/// The active partner users of an organisation, by display name: who may own its contracts.
pub async fn partners_of(db: &impl ConnectionTrait, organisation_id: i64) -> Result<Vec<PersonDto>, DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(user::Column::Role.eq(Role::Partner.code()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| PersonDto { id: u.id, display_name: u.display_name })
        .collect())
}

/// Ends a session.
pub async fn delete_session(db: &impl ConnectionTrait, token: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(token_hash(token)).exec(db).await?;
    Ok(())
}

/// A user as the WeCom group robot names them.
#[derive(Clone, Debug, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct WecomContact {
    pub id: i64,
    pub display_name: String,
    pub wecom_userid: Option<String>,
}

/// The display names and WeCom userids of `ids` (those that exist), in id order.
pub async fn wecom_contacts(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<WecomContact>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::DisplayName, user::Column::WecomUserid])
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(user::Column::Id)
        .into_model::<WecomContact>()
        .all(db)
        .await
}

/// Records (or, with `None`, clears) a user's WeCom userid. Whether the user exists.
pub async fn set_wecom_userid(db: &impl ConnectionTrait, user_id: i64, userid: Option<&str>) -> Result<bool, DbErr> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::WecomUserid, sea_orm::sea_query::Expr::value(userid.map(str::to_owned)))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
