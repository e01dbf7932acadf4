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

/// The user of a live session, if the token names one and the user is still active: one query
/// (session, user and organisation joined), as every signed-in request asks it first.
pub async fn session_user(db: &impl ConnectionTrait, token: &str) -> Result<Option<SessionUser>, DbErr> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let found = user::Entity::find()
        .find_also_related(organisation::Entity)
        .join_rev(sea_orm::JoinType::InnerJoin, sea_orm::RelationTrait::def(&session::Relation::User))
        .filter(session::Column::Id.eq(token_hash(token)))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?;
    Ok(found.and_then(active_session_user))
}

/// The DTO for an active user.
pub async fn session_user_by_id(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<SessionUser>, DbErr> {
    let found = user::Entity::find_by_id(user_id).find_also_related(organisation::Entity).one(db).await?;
    Ok(found.and_then(active_session_user))
}

/// A user row and its organisation as a [`SessionUser`], `None` unless the user is active with a
/// known role.
fn active_session_user((u, o): (user::Model, Option<organisation::Model>)) -> Option<SessionUser> {
    let o = o?;
    let role = Role::from_code(&u.role)?;
    if !u.active {
        return None;
    }
    Some(SessionUser {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role,
        organisation_id: o.id,
        organisation_name: o.name,
        must_change_password: u.must_change_password,
    })
}

/// The active partner users of an organisation, by display name: who may own its contracts.
pub async fn partners_of(db: &impl ConnectionTrait, organisation_id: i64) -> Result<Vec<PersonDto>, DbErr> {
    active_people(
        db,
        sea_orm::Condition::all()
            .add(user::Column::OrganisationId.eq(organisation_id))
            .add(user::Column::Role.eq(Role::Partner.code())),
    )
    .await
}

/// The active users matching `condition`, by display name then id.
async fn active_people(db: &impl ConnectionTrait, condition: sea_orm::Condition) -> Result<Vec<PersonDto>, DbErr> {
    Ok(user::Entity::find()
        .filter(condition)
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

/// A user by id.
pub async fn user_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

/// The users whose username, display name, WeCom userid or organisation contains `text` (any case;
/// blank: everyone), with their organisation, by organisation then username; at most `limit`.
pub async fn search_users(
    db: &impl ConnectionTrait,
    text: &str,
    limit: u64,
) -> Result<Vec<(user::Model, Option<organisation::Model>)>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let mut q = user::Entity::find().find_also_related(organisation::Entity);
    let text = text.trim().to_lowercase();
    if !text.is_empty() {
        let like = |col: Expr| Expr::expr(Func::lower(col)).like(super::contains(&text));
        q = q.filter(
            sea_orm::Condition::any()
                .add(like(Expr::col((user::Entity, user::Column::Username))))
                .add(like(Expr::col((user::Entity, user::Column::DisplayName))))
                .add(like(Expr::col((user::Entity, user::Column::WecomUserid))))
                .add(like(Expr::col((organisation::Entity, organisation::Column::Name)))),
        );
    }
    q.order_by_asc(organisation::Column::Name).order_by_asc(user::Column::Username).limit(limit).all(db).await
}

/// Every organisation by name, with how many users it has.
pub async fn organisations(db: &impl ConnectionTrait) -> Result<Vec<(organisation::Model, u64)>, DbErr> {
    let orgs = organisation::Entity::find().order_by_asc(organisation::Column::Name).all(db).await?;
    let counts: Vec<(i64, i64)> = user::Entity::find()
        .select_only()
        .column(user::Column::OrganisationId)
        .column_as(user::Column::Id.count(), "n")
        .group_by(user::Column::OrganisationId)
        .into_tuple()
        .all(db)
        .await?;
    let count = |id: i64| counts.iter().find(|(o, _)| *o == id).map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0));
    Ok(orgs.into_iter().map(|o| (count(o.id), o)).map(|(n, o)| (o, n)).collect())
}

/// An organisation by id.
pub async fn organisation_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<organisation::Model>, DbErr> {
    organisation::Entity::find_by_id(id).one(db).await
}

/// An organisation whose name equals `name` ignoring case, if any.
pub async fn organisation_named(db: &impl ConnectionTrait, name: &str) -> Result<Option<organisation::Model>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    organisation::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(organisation::Column::Name))).eq(Expr::val(name.to_lowercase())))
        .one(db)
        .await
}

/// Inserts an organisation the service checked.
pub async fn insert_organisation(db: &impl ConnectionTrait, name: &str) -> Result<organisation::Model, DbErr> {
    organisation::ActiveModel { name: Set(name.to_owned()), created_at: Set(Utc::now()), ..Default::default() }
        .insert(db)
        .await
}

/// How many active admins there are.
pub async fn active_admins(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.code()))
        .filter(user::Column::Active.eq(true))
        .count(db)
        .await
}

/// Ends every session of a user (deactivated, or their password reset).
pub async fn end_sessions_of(db: &impl ConnectionTrait, user_id: i64) -> Result<(), DbErr> {
    session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}

/// Stores a user's changed row.
pub async fn update_user(db: &impl ConnectionTrait, am: user::ActiveModel) -> Result<user::Model, DbErr> {
    am.update(db).await
}

/// The active approvers and admins: who may stand in a flow's level.
pub async fn approvers(db: &impl ConnectionTrait) -> Result<Vec<PersonDto>, DbErr> {
    active_people(
        db,
        sea_orm::Condition::all().add(user::Column::Role.is_in([Role::Approver.code(), Role::Admin.code()])),
    )
    .await
}

/// Ends every session of a user but the one behind `keep` (a token).
pub async fn end_sessions_except(db: &impl ConnectionTrait, user_id: i64, keep: &str) -> Result<(), DbErr> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::Id.ne(token_hash(keep)))
        .exec(db)
        .await?;
    Ok(())
}
