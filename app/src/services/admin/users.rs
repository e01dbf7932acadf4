//! Users and organisations (用户与组织).

use super::{in_txn, not_found_user, problem, record, require_admin};
use crate::crypto::{hash_password, temporary_password};
use crate::db::entities::{organisation, user};
use crate::db::{accounts as db_accounts, flows};
use crate::domain::UserId;
use crate::domain::account::check_new_account;
use crate::domain::admin::{self};
use crate::domain::calendar::china_offset;
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::models::{
    AdminOrganisation, AdminUser, AdminUsersPage, DefaultAt, NewUserInput, Role, SessionUser, TemporaryPassword,
    UserEdit,
};
use crate::services::invalid;
use sea_orm::{ConnectionTrait, DatabaseConnection, Set};
use serde_json::{Value, json};

/// `text` trimmed; refused as `field`'s problem `code` when blank or over `max` characters.
fn required_text(text: &str, max: usize, (field, code): (&str, &str), zh: &str, en: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(problem(field, code, zh, en));
    }
    Ok(text.to_owned())
}

/// The users a search lists at most.
pub const USERS_SHOWN: u64 = 500;

fn admin_user(u: user::Model, org: Option<&organisation::Model>) -> AdminUser {
    AdminUser {
        id: u.id,
        role: Role::from_code(&u.role).unwrap_or(Role::Partner),
        organisation_id: u.organisation_id,
        organisation_name: org.map(|o| o.name.clone()).unwrap_or_default(),
        active: u.active,
        must_change_password: u.must_change_password,
        wecom_userid: u.wecom_userid,
        created_at: u.created_at.with_timezone(&china_offset()).format("%Y-%m-%d %H:%M").to_string(),
        username: u.username,
        display_name: u.display_name,
    }
}

/// What the audit trail keeps of a user (never the password hash).
fn user_json(u: &AdminUser) -> Value {
    json!({
        "username": u.username, "display_name": u.display_name, "role": u.role.code(),
        "organisation": u.organisation_name, "active": u.active, "wecom_userid": u.wecom_userid,
    })
}

async fn load_user<C: ConnectionTrait>(db: &C, id: i64) -> Result<(user::Model, AdminUser), AppError> {
    let u = db_accounts::user_by_id(db, id).await?.ok_or_else(not_found_user)?;
    let org = db_accounts::organisation_by_id(db, u.organisation_id).await?;
    let dto = admin_user(u.clone(), org.as_ref());
    Ok((u, dto))
}

/// The users matching `search` (name, username, WeCom userid or organisation) and every
/// organisation.
pub async fn users(db: &DatabaseConnection, actor: &SessionUser, search: &str) -> Result<AdminUsersPage, AppError> {
    require_admin(actor)?;
    let users = db_accounts::search_users(db, search, USERS_SHOWN)
        .await?
        .into_iter()
        .map(|(u, o)| admin_user(u, o.as_ref()))
        .collect();
    let organisations = db_accounts::organisations(db)
        .await?
        .into_iter()
        .map(|(o, users)| AdminOrganisation { id: o.id, name: o.name, users })
        .collect();
    Ok(AdminUsersPage { users, organisations })
}

/// Creates an organisation (a channel partner) by its display name, unique ignoring case.
pub async fn create_organisation(
    db: &DatabaseConnection,
    actor: &SessionUser,
    name: &str,
) -> Result<AdminOrganisation, AppError> {
    require_admin(actor)?;
    let name = required_text(
        name,
        100,
        ("name", "organisation_name_invalid"),
        "请填写机构名称（最多100个字符）",
        "The organisation needs a name (at most 100 characters)",
    )?;
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            if let Some(o) = db_accounts::organisation_named(txn, &name).await? {
                return Err(problem(
                    "name",
                    "organisation_exists",
                    format!("机构“{}”已存在", o.name),
                    format!("The organisation “{}” exists already", o.name),
                ));
            }
            let o = db_accounts::insert_organisation(txn, &name).await?;
            record(
                txn,
                &actor,
                "organisation.created",
                ("organisation", o.id),
                format!("新建机构：{}", o.name),
                Value::Null,
                json!({"name": o.name}),
            )
            .await?;
            Ok(AdminOrganisation { id: o.id, name: o.name, users: 0 })
        })
    })
    .await
}

/// A WeCom userid as typed: blank is none; otherwise it must be one WeCom would take.
fn wecom_userid(text: &str) -> Result<Option<String>, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    UserId::parse("wecom_userid", t).map(|u| Some(u.to_string())).map_err(|p| invalid(vec![p]))
}

/// Creates a user with a one-time temporary password, shown once in the answer: they must choose
/// their own at the first sign-in.
pub async fn create_user(
    db: &DatabaseConnection,
    actor: &SessionUser,
    input: NewUserInput,
) -> Result<TemporaryPassword, AppError> {
    require_admin(actor)?;
    let password = temporary_password();
    let username = input.username.trim().to_ascii_lowercase();
    let mut problems = check_new_account(&username, &password);
    if input.role.is_none() {
        problems.push(Problem::error("role", "role_required", "请选择角色", "Pick a role"));
    }
    if input.organisation_id.is_none() {
        problems.push(Problem::error("organisation_id", "organisation_required", "请选择机构", "Pick an organisation"));
    }
    if input.display_name.trim().chars().count() > 64 {
        problems.push(Problem::error(
            "display_name",
            "display_name_too_long",
            "姓名最多64个字符",
            "A name is at most 64 characters",
        ));
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let wecom = wecom_userid(&input.wecom_userid)?;
    let (role, org_id) = (input.role.unwrap_or(Role::Partner), input.organisation_id.unwrap_or_default());
    let hash = hash_password(&password)?;
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let org = db_accounts::organisation_by_id(txn, org_id).await?.ok_or_else(|| {
                problem(
                    "organisation_id",
                    "organisation_not_found",
                    "所选机构不存在",
                    "The chosen organisation does not exist",
                )
            })?;
            if db_accounts::find_by_username(txn, &username).await?.is_some() {
                return Err(problem(
                    "username",
                    "username_taken",
                    format!("用户名“{username}”已被使用"),
                    format!("The username “{username}” is taken"),
                ));
            }
            let display = if input.display_name.trim().is_empty() {
                username.clone()
            } else {
                input.display_name.trim().to_owned()
            };
            let u = db_accounts::insert_user(txn, org.id, &username, &display, role, hash).await?;
            let mut am: user::ActiveModel = u.into();
            am.must_change_password = Set(true);
            am.wecom_userid = Set(wecom);
            let u = db_accounts::update_user(txn, am).await?;
            let dto = admin_user(u, Some(&org));
            record(
                txn,
                &actor,
                "user.created",
                ("user", dto.id),
                format!("新建用户：{}（{}，{}）", dto.username, dto.role.zh(), org.name),
                Value::Null,
                user_json(&dto),
            )
            .await?;
            Ok(TemporaryPassword { user: dto, password })
        })
    })
    .await
}

/// Changes a user's display name, role and WeCom userid. The last active admin keeps the role.
pub async fn update_user(db: &DatabaseConnection, actor: &SessionUser, edit: UserEdit) -> Result<AdminUser, AppError> {
    require_admin(actor)?;
    let wecom = wecom_userid(&edit.wecom_userid)?;
    let display = required_text(
        &edit.display_name,
        64,
        ("display_name", "display_name_invalid"),
        "请填写姓名（最多64个字符）",
        "The name is required (at most 64 characters)",
    )?;
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let (u, before) = load_user(txn, edit.id).await?;
            let was_admin = u.active && before.role == Role::Admin;
            admin::check_admin_kept(
                db_accounts::active_admins(txn).await? as usize,
                was_admin,
                edit.role == Role::Admin,
            )
            .map_err(|p| invalid(vec![p]))?;
            if before.role != edit.role && admin::may_approve(before.role) && !admin::may_approve(edit.role) {
                refuse_if_default(txn, u.id, "role").await?;
            }
            let mut am: user::ActiveModel = u.into();
            am.display_name = Set(display);
            am.role = Set(edit.role.code().to_owned());
            am.wecom_userid = Set(wecom);
            let org = db_accounts::organisation_by_id(txn, before.organisation_id).await?;
            let after = admin_user(db_accounts::update_user(txn, am).await?, org.as_ref());
            if !admin::may_approve(after.role) {
                // No longer someone who approves: off every candidate list.
                flows::replace_approver(txn, after.id, None).await?;
            }
            let mut words = Vec::new();
            if before.role != after.role {
                words.push(format!("角色：{} → {}", before.role.zh(), after.role.zh()));
            }
            if before.display_name != after.display_name {
                words.push(format!("姓名：{} → {}", before.display_name, after.display_name));
            }
            if before.wecom_userid != after.wecom_userid {
                let w = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
                words.push(format!("企业微信 UserID：{} → {}", w(&before.wecom_userid), w(&after.wecom_userid)));
            }
            if !words.is_empty() {
                let comment = format!("{}：{}", after.username, words.join("；"));
                record(txn, &actor, "user.updated", ("user", after.id), comment, user_json(&before), user_json(&after))
                    .await?;
            }
            Ok(after)
        })
    })
    .await
}

/// The levels where `user_id` is the default approver.
pub async fn defaults_of(
    db: &DatabaseConnection,
    actor: &SessionUser,
    user_id: i64,
) -> Result<Vec<DefaultAt>, AppError> {
    require_admin(actor)?;
    Ok(default_levels(db, user_id).await?)
}

async fn default_levels<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<Vec<DefaultAt>, sea_orm::DbErr> {
    Ok(flows::defaults_of(db, user_id)
        .await?
        .into_iter()
        .map(|(flow_id, flow_name, level, level_name)| DefaultAt { flow_id, flow_name, level, level_name })
        .collect())
}

/// Refuses a change that would leave flow levels without their default approver.
async fn refuse_if_default<C: ConnectionTrait>(db: &C, user_id: i64, field: &str) -> Result<(), AppError> {
    let at = default_levels(db, user_id).await?;
    if at.is_empty() {
        return Ok(());
    }
    let list = at.iter().map(|d| format!("{} 第{}级（{}）", d.flow_name, d.level, d.level_name)).collect::<Vec<_>>();
    Err(problem(
        field,
        "approver_is_default",
        format!("此人是 {} 的默认审批人：请先选择接替的审批人", list.join("、")),
        format!("This person is the default approver of {}: pick who takes over first", list.join(", ")),
    ))
}

/// Deactivates (their sessions end at once) or reactivates a user. An approver who is a level's
/// default needs a `replacement`, who takes those levels over. The last active admin stays.
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
    active: bool,
    replacement: Option<i64>,
) -> Result<AdminUser, AppError> {
    require_admin(actor)?;
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let (u, before) = load_user(txn, id).await?;
            if u.active == active {
                return Ok(before);
            }
            if !active {
                admin::check_admin_kept(
                    db_accounts::active_admins(txn).await? as usize,
                    before.role == Role::Admin,
                    false,
                )
                .map_err(|p| invalid(vec![p]))?;
                let defaults = default_levels(txn, id).await?;
                if !defaults.is_empty() {
                    let Some(r) = replacement.filter(|r| *r != id) else {
                        return refuse_if_default(txn, id, "replacement").await.map(|_| before);
                    };
                    let ok = db_accounts::user_by_id(txn, r)
                        .await?
                        .is_some_and(|r| r.active && Role::from_code(&r.role).is_some_and(admin::may_approve));
                    if !ok {
                        return Err(problem(
                            "replacement",
                            "replacement_not_approver",
                            "接替者须为在用的审批人或管理员",
                            "Who takes over must be an active approver or administrator",
                        ));
                    }
                }
                flows::replace_approver(txn, id, replacement.filter(|_| !defaults.is_empty())).await?;
                db_accounts::end_sessions_of(txn, id).await?;
            }
            let mut am: user::ActiveModel = u.into();
            am.active = Set(active);
            let org = db_accounts::organisation_by_id(txn, before.organisation_id).await?;
            let after = admin_user(db_accounts::update_user(txn, am).await?, org.as_ref());
            let (action, words) =
                if active { ("user.reactivated", "重新启用") } else { ("user.deactivated", "停用") };
            let mut comment = format!("{words}用户：{}", after.username);
            if let (false, Some(r)) = (active, replacement) {
                if let Ok((_, r)) = load_user(txn, r).await {
                    comment.push_str(&format!("（默认审批由 {} 接替）", r.display_name));
                }
            }
            record(txn, &actor, action, ("user", id), comment, user_json(&before), user_json(&after)).await?;
            Ok(after)
        })
    })
    .await
}

/// Resets a user's password to a one-time temporary one, shown once; their sessions end and they
/// must choose a new password at the next sign-in.
pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
) -> Result<TemporaryPassword, AppError> {
    require_admin(actor)?;
    let password = temporary_password();
    let hash = hash_password(&password)?;
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let (u, _) = load_user(txn, id).await?;
            let mut am: user::ActiveModel = u.into();
            am.password_hash = Set(hash);
            am.must_change_password = Set(true);
            let org_id = *am.organisation_id.as_ref();
            let org = db_accounts::organisation_by_id(txn, org_id).await?;
            let after = admin_user(db_accounts::update_user(txn, am).await?, org.as_ref());
            db_accounts::end_sessions_of(txn, id).await?;
            let comment = format!("重置密码：{}（临时密码，须在登录时修改）", after.username);
            record(txn, &actor, "user.password_reset", ("user", id), comment, Value::Null, Value::Null).await?;
            Ok(TemporaryPassword { user: after, password })
        })
    })
    .await
}
