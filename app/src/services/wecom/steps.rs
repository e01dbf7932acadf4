//! The job's steps: what one outbox delivery of `wecom.job_step` records (`advance`), each in one
//! transaction guarded by the job's version.

use super::{Job, actions, blank, detail, header_of, reason, state_of, step_event};
use crate::db::entities::wecom_account;
use crate::db::{audit, contracts as contract_db, outbox, wecom as db};
use crate::domain::calendar::china_date;
use crate::domain::contract::ContractAction;
use crate::domain::event::Event;
use crate::domain::price_book::AccountKind;
use crate::domain::wecom::{self as rules, AccountState, JobState, Plan};
use crate::services::now;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Set};
use std::time::Duration;

/// Everything a step needs: the job, its plan, the contract's WeCom corp ID and auto-activation
/// choice, the userids and the codes.
#[derive(Clone, Debug)]
pub struct StepContext {
    pub job: Job,
    pub state: JobState,
    pub plan: Plan,
    pub corp_id: String,
    /// 接口是否开启自动激活 (`None`: not said; left as it is).
    pub auto_activation: Option<bool>,
    pub accounts: Vec<wecom_account::Model>,
    pub codes: Vec<rules::Code>,
}

/// Reads a job for its next step; `None` when it is gone.
pub async fn step_context(db: &DatabaseConnection, job_id: i64) -> Result<Option<StepContext>, DbErr> {
    let Some(job) = db::job(db, job_id).await? else { return Ok(None) };
    let Some(contract) = contract_db::row(db, job.contract_id).await? else { return Ok(None) };
    let plan: Plan = match serde_json::from_str(&job.plan) {
        Ok(plan) => plan,
        Err(e) => return Err(DbErr::Custom(format!("wecom job {job_id}: unreadable plan: {e}"))),
    };
    let accounts = db::accounts(db, job_id).await?;
    let holder: std::collections::HashMap<&str, &str> =
        accounts.iter().filter_map(|a| Some((a.active_code.as_deref()?, a.userid.as_str()))).collect();
    let codes = db::codes(db, job_id)
        .await?
        .into_iter()
        .map(|c| rules::Code {
            userid: holder.get(c.active_code.as_str()).map(|u| (*u).to_owned()),
            kind: AccountKind::from_code(&c.kind).unwrap_or(AccountKind::Basic),
            active_code: c.active_code,
        })
        .collect();
    Ok(Some(StepContext {
        state: state_of(&job),
        job,
        plan,
        corp_id: contract.corp_id,
        auto_activation: contract.auto_activation,
        accounts,
        codes,
    }))
}

/// What a step learned, to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// About to place the order: the intent, written before the call.
    Intent,
    /// The renewal job WeCom made, and the userids it refused (userid, errcode, errmsg).
    RenewJob { jobid: String, refused: Vec<(String, i64, String)> },
    /// The order exists (placed now, or found again after a crash): wait for its payment.
    Ordered { order_id: String },
    /// What `get_order` said: its status and price; paid at `paid_at`.
    Polled { status: i64, price_fen: i64, paid_at: Option<DateTime<Utc>>, next_poll: Duration },
    /// The paid order's active codes.
    Codes { codes: Vec<(String, AccountKind)> },
    /// One batch's results: (userid, code, errcode); 0 is activated.
    Activated { results: Vec<(String, String, i64)> },
    /// No userid is left to activate: on to auto-activation and the expiry dates.
    AllActivated,
    /// A paid renewal: its userids are renewed (WeCom refused none of them at the job).
    Renewed,
    /// The accounts' activation and expiry times as WeCom reads them, by userid (`None`: WeCom
    /// has none; the account counts as read).
    Expiry { times: Vec<(String, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> },
    /// Every userid is done (or refused): record 已开通 and tell people.
    Finished,
    /// An error trying again cannot fix alone: WeCom's errcode (or none) and the message.
    Stopped { errcode: Option<i64>, message: String },
}

/// Records what a step learned, if the job is still at `version`: returns false when another
/// delivery recorded first (the caller then stops: the job has moved on without it).
pub async fn advance(db: &DatabaseConnection, ctx: &StepContext, change: Change) -> Result<bool, DbErr> {
    let at = now();
    let job = &ctx.job;
    let (_writer, txn) = crate::db::begin_write(db).await?;
    let mut am = blank();
    let mut next_step: Option<DateTime<Utc>> = Some(at);
    let finishing = change == Change::Finished;
    // Set when the step stops the job: WeCom's errcode (or none) and the message.
    let mut stopped: Option<(Option<i64>, String)> = None;
    match change {
        Change::Intent => {
            am.order_intent_at = Set(Some(at));
            next_step = None;
        }
        Change::RenewJob { jobid, refused } => {
            am.renew_jobid = Set(Some(jobid));
            for (userid, errcode, errmsg) in refused {
                set_account(&txn, ctx, &userid, AccountState::Failed, None, Some((errcode, errmsg)), at).await?;
            }
            next_step = None;
        }
        Change::Ordered { order_id } => {
            am.order_id = Set(Some(order_id));
            am.state = Set(JobState::AwaitingPayment.code().to_owned());
        }
        Change::Polled { status, price_fen, paid_at, next_poll } => {
            am.order_status = Set(i32::try_from(status).ok());
            am.wecom_price_fen = Set(Some(price_fen));
            am.polls = Set(job.polls.saturating_add(1));
            match rules::OrderStatus::of(status) {
                rules::OrderStatus::AwaitingPayment => {
                    let wait = chrono::Duration::from_std(next_poll).unwrap_or(chrono::Duration::zero());
                    next_step = Some(at + wait);
                }
                rules::OrderStatus::Paid => {
                    am.paid_at = Set(Some(paid_at.unwrap_or(at)));
                    am.state = Set(JobState::Activating.code().to_owned());
                }
                rules::OrderStatus::Closed(code) => {
                    let (zh, en) = rules::order_status_words(code);
                    stopped =
                        Some((None, format!("企业微信订单{zh}，未能支付 / The WeCom order is {en}; it was not paid")));
                    next_step = None;
                }
            }
        }
        Change::Codes { codes } => {
            let rows: Vec<(String, &str)> = codes.iter().map(|(c, k)| (c.clone(), k.code())).collect();
            db::insert_codes(&txn, job.id, &rows).await?;
            let mut known = ctx.codes.clone();
            known.extend(
                codes
                    .into_iter()
                    .filter(|(c, _)| !ctx.codes.iter().any(|k| &k.active_code == c))
                    .map(|(active_code, kind)| rules::Code { active_code, kind, userid: None }),
            );
            let waiting: Vec<(String, AccountKind)> = ctx
                .accounts
                .iter()
                .filter(|a| AccountState::from_code(&a.state) == AccountState::Pending && a.active_code.is_none())
                .map(|a| (a.userid.clone(), AccountKind::from_code(&a.kind).unwrap_or(AccountKind::Basic)))
                .collect();
            let chosen = rules::assign(&known, &waiting);
            for (userid, _) in &waiting {
                match chosen.iter().find(|(u, _)| u == userid) {
                    Some((_, code)) => {
                        set_account(&txn, ctx, userid, AccountState::Pending, Some(code.clone()), None, at).await?
                    }
                    None => {
                        let no_code = Some((rules::NO_CODE_LEFT, String::new()));
                        set_account(&txn, ctx, userid, AccountState::Failed, None, no_code, at).await?
                    }
                }
            }
        }
        Change::Activated { results } => {
            for (userid, code, errcode) in results {
                let (state, error) = if errcode == 0 {
                    (AccountState::Active, None)
                } else {
                    (AccountState::Failed, Some((errcode, String::new())))
                };
                set_account(&txn, ctx, &userid, state, Some(code), error, at).await?;
            }
        }
        Change::AllActivated => {
            am.state = Set(JobState::Finishing.code().to_owned());
        }
        Change::Renewed => {
            for a in ctx.accounts.iter().filter(|a| AccountState::from_code(&a.state) == AccountState::Pending) {
                set_account(&txn, ctx, &a.userid, AccountState::Active, None, None, at).await?;
            }
            am.state = Set(JobState::Finishing.code().to_owned());
        }
        Change::Expiry { times } => {
            for (userid, active, expire) in times {
                if let Some(a) = ctx.accounts.iter().find(|a| a.userid == userid) {
                    let mut row: wecom_account::ActiveModel = a.clone().into();
                    // The activation time also marks the account as read.
                    row.active_time = Set(Some(active.unwrap_or(at)));
                    row.expire_time = Set(expire);
                    row.updated_at = Set(at);
                    db::update_account(&txn, row).await?;
                }
            }
            am.state = Set(JobState::Finishing.code().to_owned());
        }
        Change::Finished => {
            am.state = Set(JobState::Done.code().to_owned());
            am.finished_at = Set(Some(at));
            next_step = None;
        }
        Change::Stopped { errcode, message } => {
            stopped = Some((errcode, message));
            next_step = None;
        }
    }
    if let Some((errcode, message)) = &stopped {
        am.state = Set(JobState::Stopped.code().to_owned());
        am.error_code = Set(*errcode);
        am.error_message = Set(Some(message.chars().take(2000).collect()));
    }
    if !db::guarded_update(&txn, job.id, job.version, am, at).await? {
        return Ok(false);
    }
    let contract =
        contract_db::load(&txn, job.contract_id).await?.ok_or_else(|| DbErr::RecordNotFound("contract".into()))?;
    if let Some((errcode, message)) = stopped {
        let (zh, en) = reason(errcode, &message);
        let words = format!("{zh} / {en}");
        let said = format!("企业微信下单已停止：{words}");
        audit::record(&txn, at, None, actions::STOPPED, contract_db::SUBJECT, job.contract_id, &detail(&said)).await?;
        let notify = told(&txn, &contract).await?;
        outbox::enqueue(&txn, &Event::WecomJobStopped { header: header_of(&contract.row, notify), reason: words })
            .await?;
    }
    if finishing {
        finish(&txn, ctx, &contract, at).await?;
    }
    if let Some(due) = next_step {
        outbox::enqueue_at(&txn, &step_event(&contract, job.id), due).await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// The owner and the admins: who hears how a job ends.
async fn told<C: ConnectionTrait>(txn: &C, l: &contract_db::Loaded) -> Result<Vec<i64>, DbErr> {
    let mut notify = db::admin_ids(txn).await?;
    notify.push(l.row.owner_user_id);
    notify.sort_unstable();
    notify.dedup();
    Ok(notify)
}

async fn set_account<C: ConnectionTrait>(
    txn: &C,
    ctx: &StepContext,
    userid: &str,
    state: AccountState,
    code: Option<String>,
    error: Option<(i64, String)>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(a) = ctx.accounts.iter().find(|a| a.userid == userid) else { return Ok(()) };
    let mut row: wecom_account::ActiveModel = a.clone().into();
    row.state = Set(state.code().to_owned());
    if code.is_some() {
        row.active_code = Set(code);
    }
    row.errcode = Set(error.as_ref().map(|(c, _)| *c));
    row.errmsg = Set(error.map(|(_, m)| m).filter(|m| !m.is_empty()));
    row.updated_at = Set(at);
    db::update_account(txn, row).await
}

/// 已开通: the contract records WeCom's order ID, the activation day (the first activation, else
/// the payment) and the API expiry day (the earliest account's), all in Beijing time; and the
/// owner and admins hear how it went. A re-run on a contract already fulfilled only tells them.
async fn finish<C: ConnectionTrait>(
    txn: &C,
    ctx: &StepContext,
    l: &contract_db::Loaded,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let accounts = db::accounts(txn, ctx.job.id).await?;
    let active: Vec<&wecom_account::Model> =
        accounts.iter().filter(|a| AccountState::from_code(&a.state) == AccountState::Active).collect();
    let failed = accounts.iter().filter(|a| AccountState::from_code(&a.state) == AccountState::Failed).count();
    let first_activation = active.iter().filter_map(|a| a.active_time).min();
    let earliest_expiry = active.iter().filter_map(|a| a.expire_time).min();
    let activation_day = china_date(first_activation.or(ctx.job.paid_at).unwrap_or(at));
    let order = ctx.job.order_id.clone().unwrap_or_default();
    let comment = format!("企业微信接口下单开通：订单 {order}，已激活 {}，失败 {failed}", active.len());
    if let Ok(next) = l.status().apply(ContractAction::Fulfil) {
        let mut am = contract_db::blank_update();
        contract_db::set_status(&mut am, next, at);
        am.wecom_order_id = Set(Some(order));
        am.activation_date = Set(Some(activation_day));
        if let Some(expiry) = earliest_expiry {
            am.api_expiry_date = Set(Some(china_date(expiry)));
        }
        if !contract_db::guarded_update(txn, l.row.id, l.row.version, &mut am).await? {
            // Someone changed the contract meanwhile: the step is tried again from the start.
            return Err(DbErr::Custom("the contract changed while its WeCom job finished; retrying".into()));
        }
        let detail = audit::Detail {
            comment: comment.clone(),
            from: Some(l.status().code().to_owned()),
            to: Some(next.code().to_owned()),
            ..Default::default()
        };
        audit::record(txn, at, None, "fulfilled", contract_db::SUBJECT, l.row.id, &detail).await?;
        outbox::enqueue(txn, &Event::ContractFulfilled { header: header_of(&l.row, Vec::new()) }).await?;
    } else {
        // A re-run on a contract already 已开通: its own entry.
        audit::record(txn, at, None, actions::FINISHED, contract_db::SUBJECT, l.row.id, &detail(&comment)).await?;
    }
    let notify = told(txn, l).await?;
    let event = Event::WecomJobFinished {
        header: header_of(&l.row, notify),
        activated: active.len() as u32,
        failed: failed as u32,
    };
    outbox::enqueue(txn, &event).await?;
    Ok(())
}
