//! The admin console's use cases (管理后台): users and organisations, price book versions,
//! approval flows and settings. Every one is for admins only (the server's `Door::Admin` refuses
//! anyone else before the call; each function asks again), and every write is audited in its own
//! transaction: who, when, and what it was before and after.

use super::{invalid, now};
use crate::crypto::{hash_password, temporary_password};
use crate::db::entities::{organisation, user};
use crate::db::{accounts as db_accounts, audit, flows, price_books, settings};
use crate::domain::account::check_new_account;
use crate::domain::admin::{self, LevelEdit, SettingsForm, keys};
use crate::domain::calendar::{china_date, china_offset};
use crate::domain::policy::is_admin;
use crate::domain::problem::Problem;
use crate::domain::{PriceBook, UserId};
use crate::error::AppError;
use crate::models::{
    AdminOrganisation, AdminUser, AdminUsersPage, DefaultAt, FlowDto, FlowsPage, NewUserInput, PriceBookVersion,
    PriceBooksPage, Role, SessionUser, SettingsPage, TemporaryPassword, UserEdit,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, Set, TransactionTrait};
use serde::Serialize;
use serde_json::{Value, json};

/// The users a search lists at most.
pub const USERS_SHOWN: u64 = 500;

fn require_admin(actor: &SessionUser) -> Result<(), AppError> {
    if is_admin(Some(actor)) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// An admin's change as the audit trail keeps it: the words the timeline shows, and the record
/// before and after.
#[derive(Serialize)]
struct Change {
    comment: String,
    before: Value,
    after: Value,
}

async fn record(
    txn: &DatabaseTransaction,
    actor: &SessionUser,
    action: &str,
    subject: (&str, i64),
    comment: String,
    before: Value,
    after: Value,
) -> Result<(), AppError> {
    let change = Change { comment, before, after };
    Ok(audit::record(txn, now(), Some(actor.id), action, subject.0, subject.1, &change).await?)
}

/// Runs `work` in a transaction, committing on success and rolling back explicitly on a refusal
/// (a dropped transaction on SQLite could hold its lock until its connection is reused).
async fn in_txn<T, F>(db: &DatabaseConnection, work: F) -> Result<T, AppError>
where
    F: for<'t> FnOnce(
        &'t DatabaseTransaction,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<T, AppError>> + Send + 't>>,
{
    let txn = db.begin().await?;
    match work(&txn).await {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            txn.rollback().await.ok();
            Err(e)
        }
    }
}

fn problem(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    invalid(vec![Problem::error(field, code, zh.into(), en.into())])
}

fn not_found_user() -> AppError {
    AppError::not_found("用户", "User")
}

// ---- users and organisations ------------------------------------------------------------------

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
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(problem(
            "name",
            "organisation_name_invalid",
            "请填写机构名称（最多100个字符）",
            "The organisation needs a name (at most 100 characters)",
        ));
    }
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
    let display = edit.display_name.trim().to_owned();
    if display.is_empty() || display.chars().count() > 64 {
        return Err(problem(
            "display_name",
            "display_name_invalid",
            "请填写姓名（最多64个字符）",
            "The name is required (at most 64 characters)",
        ));
    }
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

// ---- price book --------------------------------------------------------------------------------

/// Every price book version, with which is in effect today and which may still change.
pub async fn price_books(db: &DatabaseConnection, actor: &SessionUser) -> Result<PriceBooksPage, AppError> {
    require_admin(actor)?;
    let today = china_date(now());
    let all = price_books::all_with_ids(db).await?;
    let books: Vec<PriceBook> = all.iter().map(|(_, b)| b.clone()).collect();
    let current = crate::domain::price_book::effective_on(&books, today).map(|b| b.version.clone());
    let versions = all
        .into_iter()
        .map(|(id, book)| PriceBookVersion {
            id,
            in_effect: current.as_deref() == Some(book.version.as_str()),
            editable: admin::price_book_editable(&book, today),
            book,
        })
        .collect();
    Ok(PriceBooksPage { versions, today })
}

fn book_json(b: &PriceBook) -> Value {
    serde_json::to_value(b).unwrap_or(Value::Null)
}

/// Saves a price book version: a new one (`id` none), or a change to one not yet in effect.
/// Checked by `PriceBook::validate` and `domain::admin::check_price_book` (today or later, a free
/// date, a new label). Quotes and contracts priced before keep their version.
pub async fn save_price_book(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: Option<i64>,
    mut book: PriceBook,
) -> Result<PriceBookVersion, AppError> {
    require_admin(actor)?;
    book.version = book.version.trim().to_owned();
    let today = china_date(now());
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let all = price_books::all_with_ids(txn).await?;
            let before = match id {
                Some(id) => Some(changeable_version(&all, id, today, "effective_from")?.clone()),
                None => None,
            };
            let others: Vec<PriceBook> = all.iter().filter(|(i, _)| Some(*i) != id).map(|(_, b)| b.clone()).collect();
            let problems = admin::check_price_book(&book, &others, today);
            if !problems.is_empty() {
                return Err(invalid(problems));
            }
            let new_id = match id {
                Some(id) => price_books::replace(txn, id, &book).await?,
                None => price_books::insert(txn, &book).await?,
            };
            let (action, words) =
                if before.is_some() { ("price_book.updated", "修改") } else { ("price_book.created", "新建") };
            let comment = format!("{words}价格表版本 {}（{} 起生效）", book.version, book.effective_from);
            let before_json = before.as_ref().map_or(Value::Null, book_json);
            record(txn, &actor, action, ("price_book", i64::from(new_id)), comment, before_json, book_json(&book))
                .await?;
            Ok(PriceBookVersion {
                id: i64::from(new_id),
                in_effect: book.effective_from <= today,
                editable: admin::price_book_editable(&book, today),
                book,
            })
        })
    })
    .await
}

/// The stored version `id` of `all`, if it has not taken effect by `today` (else it is history:
/// `price_book_read_only`, on `field`).
fn changeable_version<'a>(
    all: &'a [(i64, PriceBook)],
    id: i64,
    today: chrono::NaiveDate,
    field: &str,
) -> Result<&'a PriceBook, AppError> {
    let (_, b) =
        all.iter().find(|(i, _)| *i == id).ok_or_else(|| AppError::not_found("价格表版本", "Price book version"))?;
    if !admin::price_book_editable(b, today) {
        return Err(problem(
            field,
            "price_book_read_only",
            format!("版本“{}”已于 {} 生效，不可再修改或删除：请新建版本", b.version, b.effective_from),
            format!("Version “{}” took effect on {}; it is read-only: make a new version", b.version, b.effective_from),
        ));
    }
    Ok(b)
}

/// Deletes a version that has not taken effect yet.
pub async fn delete_price_book(db: &DatabaseConnection, actor: &SessionUser, id: i64) -> Result<(), AppError> {
    require_admin(actor)?;
    let today = china_date(now());
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let all = price_books::all_with_ids(txn).await?;
            let b = changeable_version(&all, id, today, "id")?;
            price_books::delete(txn, id).await?;
            let comment = format!("删除未生效的价格表版本 {}（原定 {} 生效）", b.version, b.effective_from);
            record(txn, &actor, "price_book.deleted", ("price_book", id), comment, book_json(b), Value::Null).await?;
            Ok(())
        })
    })
    .await
}

// ---- approval flows ----------------------------------------------------------------------------

/// Every flow with its levels, and who may stand in a level.
pub async fn flows(db: &DatabaseConnection, actor: &SessionUser) -> Result<FlowsPage, AppError> {
    require_admin(actor)?;
    Ok(FlowsPage { flows: flows::all(db).await?, approvers: db_accounts::approvers(db).await? })
}

fn flow_json(f: &FlowDto) -> Value {
    json!({
        "name": f.name,
        "levels": f.levels.iter().map(|l| json!({
            "level": l.level, "name": l.name,
            "default_approver": l.default_approver.as_ref().map(|p| &p.display_name),
            "candidates": l.candidates.iter().map(|p| &p.display_name).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Saves a flow's name and levels. Contracts already submitted keep their approvers; the change
/// applies to submissions from now on.
pub async fn save_flow(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
    name: String,
    levels: Vec<LevelEdit>,
) -> Result<FlowDto, AppError> {
    require_admin(actor)?;
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let before = flows::find(txn, id).await?.ok_or_else(|| AppError::not_found("审批流程", "Approval flow"))?;
            let allowed: Vec<i64> = db_accounts::approvers(txn).await?.into_iter().map(|p| p.id).collect();
            let levels = admin::check_flow(&name, &levels, &allowed).map_err(invalid)?;
            flows::replace(txn, id, name.trim(), &levels).await?;
            let after = flows::find(txn, id).await?.ok_or_else(|| AppError::not_found("审批流程", "Approval flow"))?;
            let describe = |f: &FlowDto| {
                f.levels
                    .iter()
                    .map(|l| {
                        let d = l.default_approver.as_ref().map_or("—", |p| p.display_name.as_str());
                        format!("{}.{}（{d}）", l.level, l.name)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let comment = format!("修改审批流程“{}”：{} → {}", after.name, describe(&before), describe(&after));
            record(txn, &actor, "flow.updated", ("flow", id), comment, flow_json(&before), flow_json(&after)).await?;
            Ok(after)
        })
    })
    .await
}

// ---- settings ----------------------------------------------------------------------------------

/// What the environment sets when the admin has not: `QUOTE_VALID_DAYS` and `WECOM_ROBOT_WEBHOOK`.
#[derive(Clone, Debug, Default)]
pub struct EnvDefaults {
    pub quote_valid_days: i64,
    /// The robot's webhook from the environment, its key hidden (the secret stays in the server).
    pub robot_webhook_masked: Option<String>,
}

/// A webhook with its query (where WeCom puts the key) hidden.
pub fn mask_webhook(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?key=***"),
        None => url.to_owned(),
    }
}

/// The settings page: stored values, or the defaults (the environment's, the seed's).
pub async fn settings_page(
    db: &DatabaseConnection,
    actor: &SessionUser,
    env: &EnvDefaults,
) -> Result<SettingsPage, AppError> {
    require_admin(actor)?;
    let s = settings::values(db, &keys::ALL).await?;
    let get = |k: &str| s.get(k).cloned().unwrap_or_default();
    let apps: Vec<String> = serde_json::from_str(&get(keys::INSTALLED_APPS)).unwrap_or_default();
    let form = SettingsForm {
        seller_name: s.get(keys::SELLER_NAME).cloned().unwrap_or_else(|| crate::domain::seller::SELLER_NAME.to_owned()),
        seller_contact: get(keys::SELLER_CONTACT),
        sales_email: s.get(keys::SALES_EMAIL).cloned().unwrap_or_else(|| crate::domain::seller::SALES_EMAIL.to_owned()),
        bank_account_name: get(keys::BANK_ACCOUNT_NAME),
        bank_account_number: get(keys::BANK_ACCOUNT_NUMBER),
        bank_name: get(keys::BANK_NAME),
        bank_code: get(keys::BANK_CODE),
        wechat_note: get(keys::WECHAT_NOTE),
        robot_webhook: None,
        installed_apps: apps.join("\n"),
        quote_valid_days: s
            .get(keys::QUOTE_VALID_DAYS)
            .cloned()
            .unwrap_or_else(|| env.quote_valid_days.clamp(1, 365).to_string()),
        payment_link_days: s
            .get(keys::PAYMENT_LINK_DAYS)
            .cloned()
            .unwrap_or_else(|| crate::domain::payment_link::DEFAULT_LINK_DAYS.to_string()),
    };
    let stored_hook = s.get(keys::ROBOT_WEBHOOK).filter(|v| !v.is_empty());
    let tax_rate = price_books::current(db).await?.tax_rate;
    Ok(SettingsPage {
        form,
        robot_webhook_masked: stored_hook.map(|h| mask_webhook(h)).or_else(|| env.robot_webhook_masked.clone()),
        robot_webhook_from_env: stored_hook.is_none() && env.robot_webhook_masked.is_some(),
        wechat_qr: s.get(keys::WECHAT_QR).cloned().filter(|v| !v.is_empty()),
        max_qr_bytes: admin::MAX_QR_BYTES as u64,
        tax_rate,
    })
}

/// Saves the settings form: every value checked (all problems at once), then stored together.
pub async fn save_settings(
    db: &DatabaseConnection,
    actor: &SessionUser,
    form: SettingsForm,
    env: &EnvDefaults,
) -> Result<SettingsPage, AppError> {
    require_admin(actor)?;
    let checked = form.check().map_err(invalid)?;
    let owner = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let keys_now: Vec<&str> = checked.values.iter().map(|(k, _)| *k).collect();
            let before = settings::values(txn, &keys_now).await?;
            let mut changed = Vec::new();
            let mut before_json = serde_json::Map::new();
            let mut after_json = serde_json::Map::new();
            for (key, value) in &checked.values {
                let old = before.get(*key).cloned().unwrap_or_default();
                if old == *value {
                    continue;
                }
                settings::set(txn, key, value).await?;
                // The webhook's key is a secret: the trail says it changed, not what to.
                let shown =
                    |v: &str| if *key == keys::ROBOT_WEBHOOK && !v.is_empty() { mask_webhook(v) } else { v.to_owned() };
                before_json.insert((*key).to_owned(), Value::String(shown(&old)));
                after_json.insert((*key).to_owned(), Value::String(shown(value)));
                changed.push(*key);
            }
            if !changed.is_empty() {
                let comment = format!("修改系统设置：{}", changed.join("、"));
                record(
                    txn,
                    &owner,
                    "settings.updated",
                    ("settings", 0),
                    comment,
                    before_json.into(),
                    after_json.into(),
                )
                .await?;
            }
            Ok(())
        })
    })
    .await?;
    settings_page(db, actor, env).await
}

/// Stores the WeChat payment QR image (PNG or JPEG, checked from its bytes, at most
/// [`admin::MAX_QR_BYTES`]); `None` removes it. The payment page, the contract page's 付款 card and
/// saved quotes show it from [`admin::WECHAT_QR_PATH`].
pub async fn set_wechat_qr(db: &DatabaseConnection, actor: &SessionUser, image: Option<&[u8]>) -> Result<(), AppError> {
    use crate::domain::attachment::{FileType, sniff};
    require_admin(actor)?;
    let stored = match image {
        Some(bytes) => {
            if bytes.len() > admin::MAX_QR_BYTES {
                return Err(problem(
                    "file",
                    "qr_too_large",
                    format!("收款码图片不能超过 {} KB", admin::MAX_QR_BYTES / 1024),
                    format!("The QR image may be at most {} KB", admin::MAX_QR_BYTES / 1024),
                ));
            }
            let mime = match sniff(bytes) {
                Some(t @ (FileType::Png | FileType::Jpeg)) => t.mime(),
                _ => {
                    return Err(problem(
                        "file",
                        "qr_not_image",
                        "收款码须为 PNG 或 JPEG 图片",
                        "The QR code must be a PNG or JPEG image",
                    ));
                }
            };
            let digest = &crate::crypto::digest_hex(bytes)[..16];
            Some((format!("{mime};{}", base64_encode(bytes)), format!("{}?v={digest}", admin::WECHAT_QR_PATH)))
        }
        None => None,
    };
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let (data, url) = stored.unwrap_or_default();
            settings::set(txn, keys::WECHAT_QR_IMAGE, &data).await?;
            settings::set(txn, keys::WECHAT_QR, &url).await?;
            let comment =
                if url.is_empty() { "移除微信收款码".to_owned() } else { "上传微信收款码".to_owned() };
            record(txn, &actor, "settings.wechat_qr", ("settings", 0), comment, Value::Null, json!({"url": url}))
                .await?;
            Ok(())
        })
    })
    .await
}

/// The uploaded WeChat QR image: (MIME type, bytes), if one is stored. Public: payers see it.
pub async fn wechat_qr_image(db: &DatabaseConnection) -> Result<Option<(String, Vec<u8>)>, AppError> {
    Ok(settings::value(db, keys::WECHAT_QR_IMAGE)
        .await?
        .as_deref()
        .and_then(|v| v.split_once(';'))
        .and_then(|(mime, data)| base64_decode(data).map(|b| (mime.to_owned(), b))))
}

/// The group robot's webhook an admin set, if any (else the environment's applies).
pub async fn robot_webhook<C: ConnectionTrait>(db: &C) -> Result<Option<String>, sea_orm::DbErr> {
    settings::value(db, keys::ROBOT_WEBHOOK).await
}

/// Records that an admin sent the robot a test message, and what came back.
pub async fn record_robot_test(
    db: &DatabaseConnection,
    actor: &SessionUser,
    ok: bool,
    detail: &str,
) -> Result<(), AppError> {
    require_admin(actor)?;
    let actor = actor.clone();
    let comment = format!("群机器人测试消息：{}（{detail}）", if ok { "成功" } else { "失败" });
    in_txn(db, move |txn| {
        Box::pin(async move {
            record(txn, &actor, "settings.robot_test", ("settings", 0), comment, Value::Null, json!({"ok": ok})).await
        })
    })
    .await
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = B64.iter().position(|b| *b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_round_trips() {
        for len in 0..10 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 5) as u8).collect();
            let text = super::base64_encode(&bytes);
            assert_eq!(text.len() % 4, 0);
            assert_eq!(super::base64_decode(&text).unwrap(), bytes);
        }
        assert_eq!(super::base64_encode(b"Man"), "TWFu");
        assert_eq!(super::base64_encode(b"Ma"), "TWE=");
    }

    #[test]
    fn a_webhook_key_is_hidden() {
        assert_eq!(
            super::mask_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret"),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
        );
    }
}
