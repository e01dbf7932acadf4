//! The approver's inbox: contracts waiting at a user's level, and the decisions they made.

use super::entities::{approval_step, contract, contract_approver};
use crate::domain::contract::ContractStatus;
use crate::domain::money::Money;
use crate::models::{HandledItem, WaitingItem};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use std::collections::HashMap;

/// The contracts in approval whose pending level is `user`'s (the condition on `contracts`).
fn waiting_for(user: i64) -> Condition {
    let mine_now = Query::select()
        .column(contract_approver::Column::ContractId)
        .from(contract_approver::Entity)
        .and_where(Expr::col(contract_approver::Column::ApproverUserId).eq(user))
        .and_where(
            Expr::col((contract_approver::Entity, contract_approver::Column::Level))
                .equals((contract::Entity, contract::Column::StatusLevel)),
        )
        .and_where(
            Expr::col((contract_approver::Entity, contract_approver::Column::ContractId))
                .equals((contract::Entity, contract::Column::Id)),
        )
        .to_owned();
    Condition::all()
        .add(contract::Column::Status.eq(ContractStatus::InApproval { level: 1 }.code()))
        .add(contract::Column::Id.in_subquery(mine_now))
}

/// How many contracts wait at `user`'s level (one `COUNT`, for the navigation bar's badge).
pub async fn waiting_count<C: ConnectionTrait>(db: &C, user: i64) -> Result<u64, DbErr> {
    contract::Entity::find().filter(waiting_for(user)).count(db).await
}

/// The query [`waiting`] runs (served by `idx_contracts_status_submitted`).
pub fn waiting_query(user: i64, limit: u64) -> Select<contract::Entity> {
    contract::Entity::find()
        .filter(waiting_for(user))
        .order_by_asc(contract::Column::SubmittedAt)
        .order_by_asc(contract::Column::Id)
        .limit(limit)
}

/// The contracts in approval whose pending level is `user`'s, oldest submission first.
pub async fn waiting<C: ConnectionTrait>(db: &C, user: i64, limit: u64) -> Result<Vec<WaitingItem>, DbErr> {
    let rows = waiting_query(user, limit).all(db).await?;
    let levels = level_counts(db, rows.iter().map(|r| r.id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|r| WaitingItem {
            contract_id: r.id,
            level: r.status_level.and_then(|l| u32::try_from(l).ok()).unwrap_or(0),
            levels: levels.get(&r.id).copied().unwrap_or(0),
            document_number: r.document_number,
            end_customer: r.end_customer,
            corp_id: r.corp_id,
            total: r.total_fen.map(Money::from_fen),
            submitted_at: r.submitted_at,
            version: r.version,
        })
        .collect())
}

/// How many levels each contract's flow has.
async fn level_counts<C: ConnectionTrait>(db: &C, ids: Vec<i64>) -> Result<HashMap<i64, u32>, DbErr> {
    let mut counts = HashMap::new();
    if ids.is_empty() {
        return Ok(counts);
    }
    for a in contract_approver::Entity::find().filter(contract_approver::Column::ContractId.is_in(ids)).all(db).await? {
        *counts.entry(a.contract_id).or_insert(0) += 1;
    }
    Ok(counts)
}

/// The query [`handled`] runs (served by `idx_approval_steps_approver_decided`).
pub fn handled_query(user: i64, limit: u64) -> Select<approval_step::Entity> {
    approval_step::Entity::find()
        .filter(approval_step::Column::ApproverUserId.eq(user))
        .order_by_desc(approval_step::Column::DecidedAt)
        .order_by_desc(approval_step::Column::Id)
        .limit(limit)
}

/// The decisions `user` made, newest first.
pub async fn handled<C: ConnectionTrait>(db: &C, user: i64, limit: u64) -> Result<Vec<HandledItem>, DbErr> {
    let steps = handled_query(user, limit).all(db).await?;
    let ids: Vec<i64> = steps.iter().map(|s| s.contract_id).collect();
    let contracts: HashMap<i64, contract::Model> = contract::Entity::find()
        .filter(contract::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(steps
        .into_iter()
        .map(|s| {
            let c = contracts.get(&s.contract_id);
            HandledItem {
                contract_id: s.contract_id,
                document_number: c.and_then(|c| c.document_number.clone()),
                end_customer: c.map(|c| c.end_customer.clone()).unwrap_or_default(),
                level: u32::try_from(s.level).unwrap_or(0),
                decision: s.decision,
                comment: s.comment,
                decided_at: s.decided_at,
            }
        })
        .collect())
}
