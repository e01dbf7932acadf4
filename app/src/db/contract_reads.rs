//! Reading contracts: the detail DTO of one, and the list (the policy's visibility as SQL plus the
//! filters). Queries only; the services decide who may read what.

use super::audit;
use super::contracts::{Loaded, SUBJECT, draft_of, status_of};
use super::entities::{approval_step, contract, contract_approver, organisation};
use super::{attachments as db_att, flows};
use crate::domain::attachment::AttachmentKind;
use crate::domain::contract::ContractStatus;
use crate::domain::money::Money;
use crate::domain::policy::Visibility;
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::models::{
    ApproverDto, AttachmentDto, ContractDto, ContractFilter, ContractPage, ContractSummary, LinePriceDto, PersonDto,
};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The detail DTO of a loaded contract, with `allowed` empty (what the caller may do is the
/// policy's answer: the service fills it in).
pub async fn detail<C: ConnectionTrait>(db: &C, l: &Loaded) -> Result<ContractDto, DbErr> {
    let r = &l.row;
    let source_document = match r.source_contract_id {
        Some(sid) => contract::Entity::find_by_id(sid).one(db).await?.and_then(|s| s.document_number),
        None => None,
    };
    let names = audit::people(db, l.approvers.iter().map(|(_, u)| *u).chain([r.owner_user_id])).await?;
    let person = |id: i64| names.get(&id).cloned().unwrap_or(PersonDto { id, display_name: String::new() });
    let level_names = match r.flow_id {
        Some(f) => flows::level_names(db, f).await?,
        None => Vec::new(),
    };
    let steps = approval_step::Entity::find()
        .filter(approval_step::Column::ContractId.eq(r.id))
        .filter(approval_step::Column::Round.eq(r.approval_round))
        .all(db)
        .await?;
    let approvers = l
        .approvers
        .iter()
        .map(|(level, u)| ApproverDto {
            level: *level,
            level_name: level_names.iter().find(|(n, _)| n == level).map(|(_, s)| s.clone()).unwrap_or_default(),
            approver: person(*u),
            decision: steps.iter().find(|s| u32::try_from(s.level).ok() == Some(*level)).map(|s| s.decision.clone()),
        })
        .collect();
    let org = organisation::Entity::find_by_id(r.organisation_id).one(db).await?;
    let priced = l.lines.iter().all(|x| x.amount_fen.is_some()) && !l.lines.is_empty();
    Ok(ContractDto {
        id: r.id,
        document_number: r.document_number.clone(),
        organisation: PersonDto { id: r.organisation_id, display_name: org.map(|o| o.name).unwrap_or_default() },
        owner: person(r.owner_user_id),
        status: l.status(),
        version: r.version,
        draft: draft_of(l, source_document),
        line_prices: l
            .lines
            .iter()
            .map(|x| match (priced, x.amount_fen, x.tax_fen, x.total_fen) {
                (true, Some(a), Some(t), Some(s)) => Some(LinePriceDto {
                    amount: Money::from_fen(a),
                    tax: Money::from_fen(t),
                    total: Money::from_fen(s),
                    months: x.months.and_then(|m| u32::try_from(m).ok()),
                }),
                _ => None,
            })
            .collect(),
        subtotal: r.subtotal_fen.map(Money::from_fen),
        tax: r.tax_fen.map(Money::from_fen),
        total: r.total_fen.map(Money::from_fen),
        price_book_version: r.price_book_version.clone(),
        approvers,
        timeline: audit::timeline(db, SUBJECT, r.id).await?,
        attachments: db_att::of_contract(db, r.id)
            .await?
            .into_iter()
            .filter_map(|a| {
                Some(AttachmentDto {
                    id: a.id,
                    kind: AttachmentKind::from_code(&a.kind)?,
                    file_name: a.file_name,
                    content_type: a.content_type,
                    size: a.size,
                    uploaded_at: a.created_at,
                    via_payment_link: a.via_payment_link.is_some(),
                })
            })
            .collect(),
        wecom_order_id: r.wecom_order_id.clone(),
        activation_date: r.activation_date,
        created_at: r.created_at,
        updated_at: r.updated_at,
        submitted_at: r.submitted_at,
        allowed: Vec::new(),
        sheet: None,
    })
}

const DEFAULT_PAGE: u64 = 20;
const MAX_PAGE: u64 = 100;

/// A keyset cursor: the last row's time (microseconds) and id, `1733390000000000_42`.
pub fn cursor_of(at: DateTime<Utc>, id: i64) -> String {
    format!("{}_{}", at.timestamp_micros(), id)
}

/// Reads a [`cursor_of`]; `None` when it is not one.
pub fn parse_cursor(s: &str) -> Option<(DateTime<Utc>, i64)> {
    let (t, id) = s.split_once('_')?;
    Some((DateTime::from_timestamp_micros(t.parse().ok()?)?, id.parse().ok()?))
}

/// The policy's [`Visibility`] as a condition on `contracts`: the same rule as
/// `Visibility::admits`, for every row at once.
pub fn visible(v: Visibility) -> Condition {
    match v {
        Visibility::Nothing => Condition::all().add(Expr::val(1).eq(0)),
        Visibility::Everything => Condition::all(),
        Visibility::Organisation(org) => Condition::all().add(contract::Column::OrganisationId.eq(org)),
        Visibility::AssignedOnceReached(user) => {
            // `ContractFacts::reached`: a level of this user's that the contract is at, or has
            // been at (approved past it, or someone decided at it or later, in any round).
            let ca = contract_approver::Entity;
            let decided_at_or_after = Query::select()
                .expr(Expr::val(1))
                .from(approval_step::Entity)
                .and_where(
                    Expr::col((approval_step::Entity, approval_step::Column::ContractId))
                        .equals((ca, contract_approver::Column::ContractId)),
                )
                .and_where(
                    Expr::col((approval_step::Entity, approval_step::Column::Level))
                        .gte(Expr::col((ca, contract_approver::Column::Level))),
                )
                .to_owned();
            let reached = Condition::any()
                .add(
                    Expr::col((contract::Entity, contract::Column::Status))
                        .is_in([ContractStatus::Approved.code(), ContractStatus::Fulfilled.code()]),
                )
                .add(
                    Condition::all()
                        .add(
                            Expr::col((contract::Entity, contract::Column::Status))
                                .eq(ContractStatus::InApproval { level: 1 }.code()),
                        )
                        .add(
                            Expr::col((contract::Entity, contract::Column::StatusLevel))
                                .gte(Expr::col((ca, contract_approver::Column::Level))),
                        ),
                )
                .add(Expr::exists(decided_at_or_after));
            Condition::all().add(
                contract::Column::Id.in_subquery(
                    Query::select()
                        .column((ca, contract_approver::Column::ContractId))
                        .from(ca)
                        .and_where(Expr::col((ca, contract_approver::Column::ApproverUserId)).eq(user))
                        .cond_where(reached)
                        .to_owned(),
                ),
            )
        }
    }
}

/// The contracts `visibility` admits, filtered, newest change first, one page after `cursor`.
/// A filter that cannot be read is a field problem.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    visibility: Visibility,
    f: &ContractFilter,
) -> Result<ContractPage, AppError> {
    let mut cond = visible(visibility);
    let mut problems = Vec::new();
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        if ContractStatus::from_parts(s, Some(1)).is_none() {
            problems.push(Problem::error("status", "unknown_status", "未知的合同状态", "Unknown contract status"));
        }
        cond = cond.add(contract::Column::Status.eq(s));
    }
    if let Some(o) = f.owner {
        cond = cond.add(contract::Column::OwnerUserId.eq(o));
    }
    if let Some(o) = f.organisation {
        cond = cond.add(contract::Column::OrganisationId.eq(o));
    }
    if let Some(c) = f.corp_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        cond = cond.add(contract::Column::CorpId.eq(c.to_lowercase()));
    }
    if let Some(q) = f.search.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > 100 {
            problems.push(Problem::error("search", "too_long", "搜索词最多100个字符", "Search at most 100 characters"));
        }
        let like = |col: contract::Column, text: &str| Expr::col(col).like(super::contains(text));
        cond = cond.add(
            Condition::any()
                .add(like(contract::Column::DocumentNumber, &q.to_uppercase()))
                .add(like(contract::Column::CorpId, &q.to_lowercase()))
                .add(like(contract::Column::EndCustomer, q))
                .add(like(contract::Column::CorpName, q)),
        );
    }
    if let Some(c) = f.cursor.as_deref().filter(|c| !c.is_empty()) {
        match parse_cursor(c) {
            Some((at, id)) => {
                cond = cond.add(
                    Condition::any()
                        .add(contract::Column::UpdatedAt.lt(at))
                        .add(Condition::all().add(contract::Column::UpdatedAt.eq(at)).add(contract::Column::Id.lt(id))),
                )
            }
            None => problems.push(Problem::error(
                "cursor",
                "invalid",
                "翻页标记无效，请从第一页开始",
                "Invalid page cursor; start from the first page",
            )),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid { problems });
    }
    let limit = f.limit.map_or(DEFAULT_PAGE, u64::from).clamp(1, MAX_PAGE);
    let mut rows = contract::Entity::find()
        .filter(cond)
        .order_by_desc(contract::Column::UpdatedAt)
        .order_by_desc(contract::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more { rows.last().map(|r| cursor_of(r.updated_at, r.id)) } else { None };
    Ok(ContractPage {
        items: rows
            .into_iter()
            .map(|r| ContractSummary {
                status: status_of(&r),
                id: r.id,
                document_number: r.document_number,
                end_customer: r.end_customer,
                corp_id: r.corp_id,
                corp_name: r.corp_name,
                owner_user_id: r.owner_user_id,
                organisation_id: r.organisation_id,
                total: r.total_fen.map(Money::from_fen),
                version: r.version,
                updated_at: r.updated_at,
            })
            .collect(),
        next_cursor,
    })
}

/// The document number (`None` before submission) and 最终用户 of these contracts, by id.
pub async fn names<C: ConnectionTrait>(
    db: &C,
    ids: Vec<i64>,
) -> Result<std::collections::HashMap<i64, (Option<String>, String)>, DbErr> {
    let rows: Vec<(i64, Option<String>, String)> = contract::Entity::find()
        .select_only()
        .column(contract::Column::Id)
        .column(contract::Column::DocumentNumber)
        .column(contract::Column::EndCustomer)
        .filter(contract::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, number, customer)| (id, (number, customer))).collect())
}

/// The contract with this document number, if any.
pub async fn id_by_number<C: ConnectionTrait>(db: &C, number: &str) -> Result<Option<i64>, DbErr> {
    contract::Entity::find()
        .select_only()
        .column(contract::Column::Id)
        .filter(contract::Column::DocumentNumber.eq(number))
        .into_tuple()
        .one(db)
        .await
}
