//! The moves after submission: 撤回 withdraw, 作废 cancel, 同意 approve, 驳回 reject (with a
//! reason) and 开通 fulfil; and the approval flow the form offers for 更换.
//!
//! Each move is one transaction: the version-guarded status change, the approver's step, the audit
//! event, closing the contract's payment links when it no longer awaits payment, and the outbox
//! event that tells people (written with the change, handled by the worker after it commits; the
//! recipients are decided here, in the transaction).

use super::contracts::not_found;
use super::{conflict_of, invalid, now, stale};
use crate::db::{audit, contracts as db, flows, outbox};
use crate::domain::contract::{ContractAction, ContractStatus, check_comment, check_fulfilment, check_reject_reason};
use crate::domain::event::{Event, Header};
use crate::domain::policy::{Action, allows};
use crate::error::AppError;
use crate::models::{FlowDto, Inbox, Role, SessionUser};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Set};

/// What the person says with a move.
enum Said {
    /// An optional comment (withdraw, cancel, approve).
    Comment(String),
    /// The required reason of a rejection.
    Reason(String),
    /// What an admin records at 开通.
    Fulfilment { wecom_order_id: String, activation_date: String, api_expiry_date: String },
}

/// 撤回 withdraw, 作废 cancel, 同意 approve or 驳回 reject, with what the person wrote: the
/// optional comment, or — for a rejection — the required reason.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
    version: i64,
    action: Action,
    text: String,
) -> Result<(), AppError> {
    let said = match action {
        Action::Withdraw | Action::Cancel | Action::Approve => Said::Comment(text),
        Action::Reject => Said::Reason(text),
        // Not a move with words: a caller's mistake, refused rather than guessed.
        _ => return Err(AppError::internal("approvals::decide", format!("{action:?} is not a decision"))),
    };
    act(db, actor, id, version, action, said).await
}

/// 开通: an admin records the WeCom order id, activation date and API expiry date.
pub async fn fulfil(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
    version: i64,
    wecom_order_id: String,
    activation_date: String,
    api_expiry_date: String,
) -> Result<(), AppError> {
    let said = Said::Fulfilment { wecom_order_id, activation_date, api_expiry_date };
    act(db, actor, id, version, Action::Fulfil, said).await
}

/// The audit trail's name of a move.
fn audit_name(action: Action) -> &'static str {
    match action {
        Action::Withdraw => "withdrawn",
        Action::Cancel => "cancelled",
        Action::Approve => "approved",
        Action::Reject => "rejected",
        _ => "fulfilled",
    }
}

async fn act(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
    version: i64,
    action: Action,
    said: Said,
) -> Result<(), AppError> {
    let l = db::load(db, id).await?.ok_or_else(not_found)?;
    let facts = l.facts();
    let status = l.status();
    let levels = u32::try_from(l.approvers.len()).unwrap_or(u32::MAX);
    let decides = matches!(action, Action::Approve | Action::Reject);
    // An assigned approver whose level is not (or no longer) pending is told it was handled.
    let own_level = match status.level() {
        Some(level) if facts.current_approver() == Some(actor.id) => level,
        _ => facts.approvers.iter().find(|(_, u)| *u == actor.id).map_or(0, |(lv, _)| *lv),
    };
    let transition = match action {
        Action::Withdraw => ContractAction::Withdraw,
        Action::Cancel => ContractAction::Cancel,
        Action::Approve => ContractAction::Approve { level: own_level, levels },
        Action::Reject => ContractAction::Reject { level: own_level },
        _ => ContractAction::Fulfil,
    };
    if !allows(Some(actor), action, &facts) {
        let assigned_elsewhere = decides
            && allows(Some(actor), Action::Read, &facts)
            && facts.is_assigned(actor.id)
            && actor.role != Role::Partner;
        if assigned_elsewhere {
            let p = status.apply(transition).err();
            return Err(p.map_or(AppError::Forbidden, conflict_of));
        }
        if !allows(Some(actor), Action::Read, &facts) {
            return Err(not_found());
        }
        return Err(AppError::Forbidden);
    }
    let next = status.apply(transition).map_err(conflict_of)?;
    let at = now();
    let mut am = db::blank_update();
    db::set_status(&mut am, next, at);
    let mut detail =
        audit::Detail { from: Some(status.code().to_owned()), to: Some(next.code().to_owned()), ..Default::default() };
    match said {
        Said::Comment(comment) => {
            check_comment(&comment).map_err(|p| invalid(vec![p]))?;
            detail.comment = comment.trim().to_owned();
        }
        Said::Reason(reason) => {
            check_reject_reason(&reason).map_err(|p| invalid(vec![p]))?;
            detail.comment = reason.trim().to_owned();
        }
        Said::Fulfilment { wecom_order_id, activation_date, api_expiry_date } => {
            super::wecom::check_manual_fulfilment(db, id).await?;
            let done = check_fulfilment(&wecom_order_id, &activation_date, &api_expiry_date).map_err(invalid)?;
            am.wecom_order_id = Set(Some(done.wecom_order_id));
            am.activation_date = Set(Some(done.activation_date));
            if done.api_expiry_date.is_some() {
                am.api_expiry_date = Set(done.api_expiry_date);
            }
        }
    }
    if decides {
        detail.level = Some(own_level);
    }
    let handled = |decides: bool| if decides { already_handled() } else { stale() };
    let (_writer, txn) = crate::db::begin_write(db).await?;
    if l.row.version != version || !db::guarded_update(&txn, id, version, &mut am).await? {
        return Err(handled(decides));
    }
    if decides
        && !db::record_step(
            &txn,
            id,
            l.row.approval_round,
            own_level,
            actor.id,
            action == Action::Approve,
            &detail.comment,
            at,
        )
        .await?
    {
        return Err(already_handled());
    }
    audit::record(&txn, at, Some(actor.id), audit_name(action), db::SUBJECT, id, &detail).await?;
    if !next.awaits_payment() {
        // Cancelled or approved: its payment links take no more vouchers, and say so in the data.
        crate::db::attachments::revoke_links_of_contract(&txn, id, at, actor.id).await?;
    }
    announce_move(&txn, &l, action, next, actor.id, &detail.comment).await?;
    txn.commit().await?;
    Ok(())
}

fn already_handled() -> AppError {
    AppError::conflict(
        "此审批已被处理，请刷新后查看合同的当前状态",
        "This approval was already handled; reload to see where the contract stands",
    )
}

/// What every event of this contract says, with `notify` minus the actor (nobody is told of
/// their own move).
fn header(l: &db::Loaded, document_number: Option<String>, end_customer: &str, actor: i64, notify: &[i64]) -> Header {
    let mut notify: Vec<i64> = notify.iter().copied().filter(|u| *u != actor).collect();
    notify.sort_unstable();
    notify.dedup();
    Header {
        contract_id: l.row.id,
        document_number,
        end_customer: end_customer.to_owned(),
        actor_user_id: Some(actor),
        notify,
    }
}

/// The approver of `level` among `approvers`.
fn approver_at(approvers: &[(u32, i64)], level: u32) -> Vec<i64> {
    approvers.iter().filter(|(l, _)| *l == level).map(|(_, u)| *u).collect()
}

/// The outbox events of a submission, in its transaction: it was submitted, and level 1's
/// approver now has it (and only they: later levels hear when it reaches them).
pub(crate) async fn announce_submission<C: ConnectionTrait>(
    txn: &C,
    before: &db::Loaded,
    document_number: &str,
    end_customer: &str,
    approvers: &[(u32, i64)],
    actor: i64,
) -> Result<(), DbErr> {
    let number = Some(document_number.to_owned());
    let submitted = Event::ContractSubmitted { header: header(before, number.clone(), end_customer, actor, &[]) };
    outbox::enqueue(txn, &submitted).await?;
    let first = header(before, number, end_customer, actor, &approver_at(approvers, 1));
    outbox::enqueue(txn, &Event::LevelReached { header: first, level: 1 }).await?;
    Ok(())
}

/// The outbox events of a move, in its transaction: the next level's approver when it moves up,
/// the owner on the final approval, a rejection (with the reason), a cancellation or the
/// fulfilment; the approver who was waiting when it is withdrawn.
async fn announce_move<C: ConnectionTrait>(
    txn: &C,
    before: &db::Loaded,
    action: Action,
    next: ContractStatus,
    actor: i64,
    text: &str,
) -> Result<(), DbErr> {
    let owner = [before.row.owner_user_id];
    let about =
        |notify: &[i64]| header(before, before.row.document_number.clone(), &before.row.end_customer, actor, notify);
    let event = match (action, next) {
        (Action::Approve, ContractStatus::InApproval { level }) => {
            Event::LevelReached { header: about(&approver_at(&before.approvers, level)), level }
        }
        (Action::Approve, _) => Event::ContractApproved { header: about(&owner) },
        (Action::Reject, _) => Event::ContractRejected {
            header: about(&owner),
            level: before.status().level().unwrap_or(0),
            reason: text.to_owned(),
        },
        (Action::Withdraw, _) => {
            let waiting = before.facts().current_approver().into_iter().collect::<Vec<_>>();
            Event::ContractWithdrawn { header: about(&waiting), comment: text.to_owned() }
        }
        (Action::Cancel, _) => Event::ContractCancelled { header: about(&owner), comment: text.to_owned() },
        _ => Event::ContractFulfilled { header: about(&owner) },
    };
    outbox::enqueue(txn, &event).await?;
    Ok(())
}

/// The default approval flow with each level's default approver and candidates (for 更换).
pub async fn default_flow(db: &DatabaseConnection) -> Result<FlowDto, AppError> {
    Ok(flows::default_flow(db).await?)
}

/// How many contracts the inbox lists at most, each way.
pub const INBOX_LIMIT: u64 = 200;

/// The approver's inbox (审批待办): the contracts waiting at the caller's level, oldest submission
/// first, and the decisions they made, newest first. Anyone signed in may ask; a partner's is
/// empty (they approve nothing). Every contract listed is one the caller may read (submitted, and
/// they are assigned to it).
pub async fn inbox(db: &DatabaseConnection, actor: &SessionUser) -> Result<Inbox, AppError> {
    if actor.role == Role::Partner {
        return Ok(Inbox::default());
    }
    Ok(Inbox {
        waiting: crate::db::inbox::waiting(db, actor.id, INBOX_LIMIT).await?,
        handled: crate::db::inbox::handled(db, actor.id, INBOX_LIMIT).await?,
        as_of: Some(now()),
    })
}

/// How many contracts wait for the caller's decision (the badge in the navigation bar).
pub async fn waiting_count(db: &DatabaseConnection, actor: &SessionUser) -> Result<u64, AppError> {
    if actor.role == Role::Partner {
        return Ok(0);
    }
    Ok(crate::db::inbox::waiting_count(db, actor.id).await?)
}
