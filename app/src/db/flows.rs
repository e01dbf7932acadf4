//! Approval flows: reading a flow with its levels for the form, setting a level's approvers (admin,
//! demo). Which approver a contract gets per level is the domain's rule
//! (`domain::contract::approval::resolve`).

use super::audit::people;
use super::entities::{approval_flow, approval_level, approval_level_candidate, user};
use crate::domain::contract::approval::{Flow, FlowLevel};
use crate::models::{FlowDto, FlowLevelDto, PersonDto, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

/// The default flow (默认三级审批) with its levels, default approvers and candidates.
pub async fn default_flow<C: ConnectionTrait>(db: &C) -> Result<FlowDto, DbErr> {
    let flow = approval_flow::Entity::find()
        .filter(approval_flow::Column::IsDefault.eq(true))
        .order_by_asc(approval_flow::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("no default approval flow".into()))?;
    flow_dto(db, flow).await
}

/// A flow by id, if it exists.
pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<FlowDto>, DbErr> {
    match approval_flow::Entity::find_by_id(id).one(db).await? {
        Some(f) => Ok(Some(flow_dto(db, f).await?)),
        None => Ok(None),
    }
}

/// A flow by id as the approver rule reads it (levels with their default approver and candidates
/// by user id, candidates in id order), if it exists: what a contract's save and submission check
/// their approvers against. [`rule_named`] keeps the candidates' names the statement also reads.
pub async fn rule<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Flow>, DbErr> {
    Ok(rule_named(db, id).await?.map(|(flow, _)| flow))
}

/// [`rule`] with the candidates' names, from the same statement: a save answers with its
/// approvers' names, and they are candidates of the flow.
pub async fn rule_named<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<(Flow, HashMap<i64, PersonDto>)>, DbErr> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query};
    // One statement (a save and a submission each read their flow; each statement is a hop to the
    // database): a row per candidate of each level, a level without candidates once, a flow
    // without levels once.
    let (f, l, c) = (approval_flow::Entity, approval_level::Entity, approval_level_candidate::Entity);
    let query = Query::select()
        .expr_as(Expr::col((f, approval_flow::Column::Name)), Alias::new("flow_name"))
        .expr_as(Expr::col((l, approval_level::Column::Id)), Alias::new("level_id"))
        .expr_as(Expr::col((l, approval_level::Column::Level)), Alias::new("level"))
        .expr_as(Expr::col((l, approval_level::Column::Name)), Alias::new("level_name"))
        .expr_as(Expr::col((l, approval_level::Column::DefaultApproverUserId)), Alias::new("default_approver"))
        .expr_as(Expr::col((c, approval_level_candidate::Column::UserId)), Alias::new("candidate"))
        .expr_as(Expr::col((user::Entity, user::Column::DisplayName)), Alias::new("candidate_name"))
        .from(f)
        .join(
            JoinType::LeftJoin,
            l,
            Expr::col((l, approval_level::Column::FlowId)).equals((f, approval_flow::Column::Id)),
        )
        .join(
            JoinType::LeftJoin,
            c,
            Expr::col((c, approval_level_candidate::Column::LevelId)).equals((l, approval_level::Column::Id)),
        )
        .join(
            JoinType::LeftJoin,
            user::Entity,
            Expr::col((user::Entity, user::Column::Id)).equals((c, approval_level_candidate::Column::UserId)),
        )
        .and_where(Expr::col((f, approval_flow::Column::Id)).eq(id))
        .order_by((l, approval_level::Column::Level), Order::Asc)
        .order_by((l, approval_level::Column::Id), Order::Asc)
        .order_by((c, approval_level_candidate::Column::UserId), Order::Asc)
        .to_owned();
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let mut flow = Flow { name: first.try_get("", "flow_name")?, levels: Vec::new() };
    let mut level_ids: Vec<i64> = Vec::new();
    let mut names = HashMap::new();
    for row in &rows {
        let Some(level_id) = row.try_get::<Option<i64>>("", "level_id")? else { continue };
        if level_ids.last() != Some(&level_id) {
            level_ids.push(level_id);
            flow.levels.push(FlowLevel {
                level: level_no(row.try_get("", "level")?),
                candidates: Vec::new(),
                name: row.try_get("", "level_name")?,
                default_approver: row.try_get("", "default_approver")?,
            });
        }
        if let (Some(level), Some(candidate)) = (flow.levels.last_mut(), row.try_get::<Option<i64>>("", "candidate")?) {
            level.candidates.push(candidate);
            if let Some(display_name) = row.try_get::<Option<String>>("", "candidate_name")? {
                names.insert(candidate, PersonDto { id: candidate, display_name });
            }
        }
    }
    Ok(Some((flow, names)))
}

/// The names of a flow's levels by level number.
pub async fn level_names<C: ConnectionTrait>(db: &C, flow_id: i64) -> Result<Vec<(u32, String)>, DbErr> {
    Ok(levels(db, flow_id).await?.into_iter().map(|l| (level_no(l.level), l.name)).collect())
}

async fn levels<C: ConnectionTrait>(db: &C, flow_id: i64) -> Result<Vec<approval_level::Model>, DbErr> {
    approval_level::Entity::find()
        .filter(approval_level::Column::FlowId.eq(flow_id))
        .order_by_asc(approval_level::Column::Level)
        .all(db)
        .await
}

/// The candidates of these levels, each with its level's id.
async fn candidates<C: ConnectionTrait>(
    db: &C,
    levels: &[approval_level::Model],
) -> Result<Vec<approval_level_candidate::Model>, DbErr> {
    approval_level_candidate::Entity::find()
        .filter(approval_level_candidate::Column::LevelId.is_in(levels.iter().map(|l| l.id)))
        .all(db)
        .await
}

fn level_no(level: i32) -> u32 {
    u32::try_from(level).unwrap_or(0)
}

async fn flow_dto<C: ConnectionTrait>(db: &C, flow: approval_flow::Model) -> Result<FlowDto, DbErr> {
    let levels = levels(db, flow.id).await?;
    let candidates = candidates(db, &levels).await?;
    let names = people(
        db,
        levels.iter().filter_map(|l| l.default_approver_user_id).chain(candidates.iter().map(|c| c.user_id)),
    )
    .await?;
    Ok(FlowDto {
        id: flow.id,
        name: flow.name,
        levels: levels
            .into_iter()
            .map(|l| {
                let mut cands: Vec<_> = candidates
                    .iter()
                    .filter(|c| c.level_id == l.id)
                    .filter_map(|c| names.get(&c.user_id).cloned())
                    .collect();
                cands.sort_by_key(|p| p.id);
                FlowLevelDto {
                    level: level_no(l.level),
                    name: l.name,
                    default_approver: l.default_approver_user_id.and_then(|id| names.get(&id).cloned()),
                    candidates: cands,
                }
            })
            .collect(),
    })
}

/// Sets a level's default approver and candidates (the default is always a candidate). Approvers
/// must be active users with the approver or admin role.
pub async fn set_level<C: ConnectionTrait>(
    db: &C,
    flow_id: i64,
    level: u32,
    default_approver: i64,
    candidates: &[i64],
) -> Result<(), DbErr> {
    let row = approval_level::Entity::find()
        .filter(approval_level::Column::FlowId.eq(flow_id))
        .filter(approval_level::Column::Level.eq(i32::try_from(level).unwrap_or(i32::MAX)))
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("flow {flow_id} has no level {level}")))?;
    let mut all: Vec<i64> = candidates.to_vec();
    all.push(default_approver);
    all.sort_unstable();
    all.dedup();
    let approvers = user::Entity::find()
        .filter(user::Column::Id.is_in(all.clone()))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.is_in([Role::Approver.code(), Role::Admin.code()]))
        .all(db)
        .await?;
    if approvers.len() != all.len() {
        return Err(DbErr::Custom("every approver must be an active approver or admin".into()));
    }
    let mut active: approval_level::ActiveModel = row.clone().into();
    active.default_approver_user_id = Set(Some(default_approver));
    active.update(db).await?;
    approval_level_candidate::Entity::delete_many()
        .filter(approval_level_candidate::Column::LevelId.eq(row.id))
        .exec(db)
        .await?;
    for user_id in all {
        approval_level_candidate::ActiveModel { level_id: Set(row.id), user_id: Set(user_id) }.insert(db).await?;
    }
    Ok(())
}

/// Every flow with its levels, default first.
pub async fn all<C: ConnectionTrait>(db: &C) -> Result<Vec<FlowDto>, DbErr> {
    let flows = approval_flow::Entity::find()
        .order_by_desc(approval_flow::Column::IsDefault)
        .order_by_asc(approval_flow::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(flows.len());
    for f in flows {
        out.push(flow_dto(db, f).await?);
    }
    Ok(out)
}

/// Replaces a flow's name and levels (checked by `domain::admin::check_flow`): level `i + 1` takes
/// `levels[i]`, levels past the end go. Contracts keep the approvers (and level names) they were
/// submitted with, so this changes only what later submissions resolve.
pub async fn replace<C: ConnectionTrait>(
    db: &C,
    flow_id: i64,
    name: &str,
    levels: &[crate::domain::admin::LevelEdit],
) -> Result<(), DbErr> {
    let flow = approval_flow::Entity::find_by_id(flow_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("no flow {flow_id}")))?;
    let mut am: approval_flow::ActiveModel = flow.into();
    am.name = Set(name.to_owned());
    am.update(db).await?;
    let existing = self::levels(db, flow_id).await?;
    for (i, edit) in levels.iter().enumerate() {
        let number = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let level_id = match existing.iter().find(|l| l.level == number) {
            Some(row) => {
                let mut am: approval_level::ActiveModel = row.clone().into();
                am.name = Set(edit.name.clone());
                am.default_approver_user_id = Set(edit.default_approver);
                am.update(db).await?;
                row.id
            }
            None => {
                approval_level::ActiveModel {
                    flow_id: Set(flow_id),
                    level: Set(number),
                    name: Set(edit.name.clone()),
                    default_approver_user_id: Set(edit.default_approver),
                    ..Default::default()
                }
                .insert(db)
                .await?
                .id
            }
        };
        approval_level_candidate::Entity::delete_many()
            .filter(approval_level_candidate::Column::LevelId.eq(level_id))
            .exec(db)
            .await?;
        for user_id in &edit.candidates {
            approval_level_candidate::ActiveModel { level_id: Set(level_id), user_id: Set(*user_id) }
                .insert(db)
                .await?;
        }
    }
    let gone: Vec<i64> = existing.iter().filter(|l| l.level as usize > levels.len()).map(|l| l.id).collect();
    if !gone.is_empty() {
        approval_level_candidate::Entity::delete_many()
            .filter(approval_level_candidate::Column::LevelId.is_in(gone.clone()))
            .exec(db)
            .await?;
        approval_level::Entity::delete_many().filter(approval_level::Column::Id.is_in(gone)).exec(db).await?;
    }
    Ok(())
}

/// The levels where `user_id` is the default approver: (flow id, flow name, level, level name).
pub async fn defaults_of<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<Vec<(i64, String, u32, String)>, DbErr> {
    let rows = approval_level::Entity::find()
        .filter(approval_level::Column::DefaultApproverUserId.eq(user_id))
        .order_by_asc(approval_level::Column::FlowId)
        .order_by_asc(approval_level::Column::Level)
        .all(db)
        .await?;
    // The flows' names in one query, not one per level.
    let flows = approval_flow::Entity::find()
        .filter(approval_flow::Column::Id.is_in(rows.iter().map(|l| l.flow_id)))
        .all(db)
        .await?;
    let name = |id: i64| flows.iter().find(|f| f.id == id).map(|f| f.name.clone()).unwrap_or_default();
    Ok(rows.into_iter().map(|l| (l.flow_id, name(l.flow_id), level_no(l.level), l.name)).collect())
}

/// Takes `user_id` out of every flow: `replacement` becomes the default (and a candidate) where
/// they were the default, and they stop being a candidate anywhere.
pub async fn replace_approver<C: ConnectionTrait>(db: &C, user_id: i64, replacement: Option<i64>) -> Result<(), DbErr> {
    let rows = approval_level::Entity::find()
        .filter(approval_level::Column::DefaultApproverUserId.eq(user_id))
        .all(db)
        .await?;
    for l in rows {
        let id = l.id;
        let mut am: approval_level::ActiveModel = l.into();
        am.default_approver_user_id = Set(replacement);
        am.update(db).await?;
        if let Some(r) = replacement {
            let present = approval_level_candidate::Entity::find()
                .filter(approval_level_candidate::Column::LevelId.eq(id))
                .filter(approval_level_candidate::Column::UserId.eq(r))
                .one(db)
                .await?
                .is_some();
            if !present {
                approval_level_candidate::ActiveModel { level_id: Set(id), user_id: Set(r) }.insert(db).await?;
            }
        }
    }
    approval_level_candidate::Entity::delete_many()
        .filter(approval_level_candidate::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
