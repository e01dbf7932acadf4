//! Fulfilment through WeCom's license API (接口调用许可): the admin's moves (向企业微信下单, retry,
//! 改为手动开通), the contract page's view, and what the job's steps record.
//!
//! The job itself runs in the server's outbox worker (`server::wecom::job`): it calls WeCom
//! between transactions and records each answer here with [`advance`], guarded by the job's
//! version so that two deliveries of the same step never both count. Every network call happens
//! outside a transaction; every write that follows one happens in one, with the next step's
//! outbox event and, at the end, 已开通 on the contract, its audit event and the notifications.

use super::contracts::load_for;
use super::{invalid, now};
use crate::db::entities::{wecom_account, wecom_job};
use crate::db::{audit, contracts as contract_db, outbox, wecom as db};
use crate::domain::calendar::china_date;
use crate::domain::contract::ContractStatus;
use crate::domain::event::{Event, Header};
use crate::domain::policy::{Action, allows};
use crate::domain::price_book::AccountKind;
use crate::domain::quote::OrderType;
use crate::domain::wecom::{self as rules, AccountState, JobState, Plan, PlanLine, PlanUserid};
use crate::error::AppError;
use crate::models::{SessionUser, WecomAccountView, WecomJobDto, WecomJobView};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Set};

pub use crate::db::wecom::Job;
pub use steps::{Change, StepContext, advance, step_context};

mod steps;

/// Whether the server talks to WeCom's license API (`WECOM_PROVIDER_*` configured) and whether
/// the final approval orders by itself (`WECOM_AUTO_ORDER=1`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WecomSwitch {
    pub enabled: bool,
    pub auto_order: bool,
}

/// The audit trail's names of the job's moves.
pub mod actions {
    pub const STARTED: &str = "wecom.started";
    pub const RETRIED: &str = "wecom.retried";
    pub const MANUAL: &str = "wecom.manual";
    pub const STOPPED: &str = "wecom.stopped";
    pub const FINISHED: &str = "wecom.finished";
}

impl WecomSwitch {
    /// 409 when the license API is not configured: the admin fulfils by hand.
    fn require_enabled(self) -> Result<(), AppError> {
        if self.enabled {
            return Ok(());
        }
        Err(AppError::conflict(
            "未配置企业微信接口许可（WECOM_PROVIDER_*），请手动开通",
            "WeCom's license API is not configured (WECOM_PROVIDER_*): fulfil by hand",
        ))
    }
}

// ---- the contract page --------------------------------------------------------------------------

/// The contract page's fulfilment card: the job (if any) and what the caller may do with it.
pub async fn view(
    db: &DatabaseConnection,
    actor: &SessionUser,
    contract_id: i64,
    switch: WecomSwitch,
) -> Result<WecomJobDto, AppError> {
    let l = load_for(db, actor, contract_id, Action::Read).await?;
    let admin = allows(Some(actor), Action::Fulfil, &l.facts());
    let job = db::of_contract(db, contract_id).await?;
    let approved = l.status() == ContractStatus::Approved;
    let state = job.as_ref().map(state_of);
    let view = match &job {
        Some(job) => Some(job_view(job, db::accounts(db, job.id).await?)),
        None => None,
    };
    let has_failed = view.as_ref().is_some_and(|v| v.failed > 0);
    Ok(WecomJobDto {
        enabled: switch.enabled,
        can_start: admin && switch.enabled && approved && job.is_none(),
        can_retry: admin
            && switch.enabled
            && match state {
                Some(JobState::Stopped) => true,
                Some(JobState::Manual) => approved,
                Some(JobState::Done) => has_failed,
                _ => false,
            },
        can_manual: admin && approved && state.is_some_and(|s| s != JobState::Manual && s != JobState::Done),
        job: view,
    })
}

fn state_of(job: &Job) -> JobState {
    JobState::from_code(&job.state).unwrap_or(JobState::Stopped)
}

fn job_view(job: &Job, accounts: Vec<wecom_account::Model>) -> WecomJobView {
    let state = state_of(job);
    let count = |s: AccountState| accounts.iter().filter(|a| AccountState::from_code(&a.state) == s).count() as u32;
    let (activated, failed, pending) =
        (count(AccountState::Active), count(AccountState::Failed), count(AccountState::Pending));
    let order_status = job.order_status.map(|s| rules::order_status_words(i64::from(s)));
    let error = job.error_message.as_ref().map(|m| reason(job.error_code, m));
    WecomJobView {
        state: state.code().to_owned(),
        state_zh: state.zh().to_owned(),
        state_en: state.en().to_owned(),
        order_id: job.order_id.clone(),
        order_status_zh: order_status.map(|(zh, _)| zh.to_owned()),
        order_status_en: order_status.map(|(_, en)| en.to_owned()),
        wecom_price_fen: job.wecom_price_fen,
        our_price_fen: job.our_price_fen,
        price_differs: matches!((job.wecom_price_fen, job.our_price_fen), (Some(w), Some(o)) if w != o),
        error_zh: error.as_ref().map(|(zh, _)| zh.clone()),
        error_en: error.map(|(_, en)| en),
        started_at: job.created_at,
        updated_at: job.updated_at,
        activated,
        failed,
        pending,
        accounts: accounts
            .into_iter()
            .map(|a| {
                let reason = a.errcode.map(|code| rules::explain(code, a.errmsg.as_deref().unwrap_or_default()));
                WecomAccountView {
                    userid: a.userid,
                    kind: a.kind,
                    state: a.state,
                    active_code: a.active_code,
                    expire_date: a.expire_time.map(china_date),
                    reason_zh: reason.as_ref().map(|(zh, _)| zh.clone()),
                    reason_en: reason.map(|(_, en)| en),
                }
            })
            .collect(),
    }
}

/// Why a job stopped, in words: WeCom's `errcode` explained, or our own reason (stored as
/// `中文 / English`).
fn reason(errcode: Option<i64>, message: &str) -> (String, String) {
    match (errcode, message.split_once(" / ")) {
        (Some(code), _) => rules::explain(code, message),
        (None, Some((zh, en))) => (zh.to_owned(), en.to_owned()),
        (None, None) => (message.to_owned(), message.to_owned()),
    }
}

// ---- the admin's moves ----------------------------------------------------------------------------

/// 向企业微信下单: an admin starts the job of an approved contract.
pub async fn start(
    db: &DatabaseConnection,
    actor: &SessionUser,
    contract_id: i64,
    switch: WecomSwitch,
) -> Result<(), AppError> {
    switch.require_enabled()?;
    let l = admin_load(db, actor, contract_id).await?;
    let plan = plan_of(db, &l).await?;
    // The transaction starts with its write: SQLite cannot turn a reading transaction into a
    // writing one while the worker writes.
    let (_writer, txn) = crate::db::begin_write(db).await?;
    create_job(&txn, &l, &plan, Some(actor.id)).await?.ok_or_else(|| {
        AppError::conflict("此合同已有企业微信下单任务", "This contract already has a WeCom order job")
    })?;
    txn.commit().await?;
    Ok(())
}

/// The final approval started the job (`WECOM_AUTO_ORDER=1`): the same as an admin's start, by the
/// system; nothing when the contract is no longer approved or already has a job. A contract WeCom
/// cannot take as one order (lines of different months, …) is left to the admin, whose
/// 向企业微信下单 says why, or who records 开通 by hand.
pub async fn start_after_approval(db: &DatabaseConnection, contract_id: i64) -> Result<(), AppError> {
    let Some(l) = contract_db::load(db, contract_id).await? else { return Ok(()) };
    if l.status() != ContractStatus::Approved || db::of_contract(db, contract_id).await?.is_some() {
        return Ok(());
    }
    let plan = match plan_of(db, &l).await {
        Ok(plan) => plan,
        Err(AppError::Invalid { problems }) => {
            let why: Vec<&str> = problems.iter().map(|p| p.en.as_str()).collect();
            tracing::warn!(contract_id, problems = ?why, "not ordered in WeCom automatically");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let (_writer, txn) = crate::db::begin_write(db).await?;
    create_job(&txn, &l, &plan, None).await?;
    txn.commit().await?;
    Ok(())
}

/// 重试: a stopped job goes on from where it stopped; a finished one with refused userids tries
/// those again (and only those); a job given up for manual fulfilment resumes while the contract
/// is still approved.
pub async fn retry(
    db: &DatabaseConnection,
    actor: &SessionUser,
    contract_id: i64,
    switch: WecomSwitch,
) -> Result<(), AppError> {
    switch.require_enabled()?;
    let l = load_for(db, actor, contract_id, Action::Fulfil).await?;
    let job = db::of_contract(db, contract_id).await?.ok_or_else(no_job)?;
    let accounts = db::accounts(db, job.id).await?;
    let failed: Vec<&wecom_account::Model> =
        accounts.iter().filter(|a| AccountState::from_code(&a.state) == AccountState::Failed).collect();
    let allowed = match state_of(&job) {
        JobState::Stopped => true,
        JobState::Manual => l.status() == ContractStatus::Approved,
        JobState::Done => !failed.is_empty(),
        _ => false,
    };
    if !allowed {
        return Err(AppError::Conflict {
            zh: format!("此任务当前{}，不能重试", state_of(&job).zh()),
            en: format!("The job is {}; there is nothing to retry", state_of(&job).en()),
        });
    }
    let left = accounts.iter().any(|a| AccountState::from_code(&a.state) != AccountState::Active);
    let resume = resume_state(&job, left);
    let at = now();
    let (_writer, txn) = crate::db::begin_write(db).await?;
    for a in failed {
        // A code WeCom refused as a code (taken, past its window) is given up; another is chosen.
        let keep_code = !matches!(a.errcode, Some(701001 | 701003 | 701012) | Some(rules::NO_CODE_LEFT));
        let mut am: wecom_account::ActiveModel = a.clone().into();
        am.state = Set(AccountState::Pending.code().to_owned());
        am.errcode = Set(None);
        am.errmsg = Set(None);
        if !keep_code {
            am.active_code = Set(None);
            if let Some(code) = &a.active_code {
                db::forget_code(&txn, job.id, code).await?;
            }
        }
        am.updated_at = Set(at);
        db::update_account(&txn, am).await?;
    }
    let mut am = blank();
    am.state = Set(resume.code().to_owned());
    am.error_code = Set(None);
    am.error_message = Set(None);
    am.finished_at = Set(None);
    am.polls = Set(0);
    if !db::guarded_update(&txn, job.id, job.version, am, at).await? {
        return Err(super::stale());
    }
    let said = format!("重试企业微信下单（从“{}”继续）", resume.zh());
    audit::record(&txn, at, Some(actor.id), actions::RETRIED, contract_db::SUBJECT, contract_id, &detail(&said))
        .await?;
    outbox::enqueue(&txn, &step_event(&l, job.id)).await?;
    txn.commit().await?;
    Ok(())
}

/// 改为手动开通: the admin gives the job up and records 开通 by hand (the order it placed, if any,
/// stays in WeCom: its number is shown to finish or cancel it there).
pub async fn manual(db: &DatabaseConnection, actor: &SessionUser, contract_id: i64) -> Result<(), AppError> {
    admin_load(db, actor, contract_id).await?;
    let job = db::of_contract(db, contract_id).await?.ok_or_else(no_job)?;
    if matches!(state_of(&job), JobState::Manual | JobState::Done) {
        return Err(AppError::Conflict {
            zh: format!("此任务当前{}", state_of(&job).zh()),
            en: format!("The job is already {}", state_of(&job).en()),
        });
    }
    let at = now();
    let (_writer, txn) = crate::db::begin_write(db).await?;
    let mut am = blank();
    am.state = Set(JobState::Manual.code().to_owned());
    am.finished_at = Set(Some(at));
    if !db::guarded_update(&txn, job.id, job.version, am, at).await? {
        return Err(super::stale());
    }
    let order = job.order_id.as_deref().unwrap_or("—");
    audit::record(
        &txn,
        at,
        Some(actor.id),
        actions::MANUAL,
        contract_db::SUBJECT,
        contract_id,
        &detail(&format!("改为手动开通（企业微信订单：{order}）")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether `order_id` is still free for `job_id` to adopt (no other job holds it).
pub async fn order_is_free(db: &DatabaseConnection, order_id: &str, job_id: i64) -> Result<bool, DbErr> {
    Ok(!db::order_taken(db, order_id, job_id).await?)
}

/// Refuses recording 开通 by hand while a job is running for the contract (it would order twice).
pub(crate) async fn check_manual_fulfilment<C: ConnectionTrait>(db: &C, contract_id: i64) -> Result<(), AppError> {
    match db::of_contract(db, contract_id).await? {
        Some(job) if state_of(&job) != JobState::Manual && state_of(&job) != JobState::Done => Err(AppError::conflict(
            "企业微信下单任务正在进行：请先将其改为手动开通",
            "A WeCom order job is under way for this contract: switch it to manual fulfilment first",
        )),
        _ => Ok(()),
    }
}

fn no_job() -> AppError {
    AppError::conflict("此合同还没有企业微信下单任务", "This contract has no WeCom order job yet")
}

fn detail(comment: &str) -> audit::Detail {
    audit::Detail { comment: comment.to_owned(), ..Default::default() }
}

fn blank() -> wecom_job::ActiveModel {
    wecom_job::ActiveModel { ..Default::default() }
}

/// An approved contract the admin may fulfil.
async fn admin_load(
    db: &DatabaseConnection,
    actor: &SessionUser,
    contract_id: i64,
) -> Result<contract_db::Loaded, AppError> {
    let l = load_for(db, actor, contract_id, Action::Fulfil).await?;
    if l.status() != ContractStatus::Approved {
        return Err(not_approved());
    }
    Ok(l)
}

fn not_approved() -> AppError {
    AppError::conflict("只有已通过的合同才能开通", "Only an approved contract can be fulfilled")
}

/// Where a resumed job picks up: no order yet → order; not paid → wait for the payment; userids
/// not yet active (pending, or failed and tried again) → activate; else finish.
fn resume_state(job: &Job, userids_left: bool) -> JobState {
    if job.order_id.is_none() {
        JobState::Ordering
    } else if job.paid_at.is_none() {
        JobState::AwaitingPayment
    } else if userids_left {
        JobState::Activating
    } else {
        JobState::Finishing
    }
}

/// The job of `l` with `plan`, its userids and the first step's event: `None` when the contract
/// has a job already.
async fn create_job<C: ConnectionTrait>(
    txn: &C,
    l: &contract_db::Loaded,
    plan: &Plan,
    actor: Option<i64>,
) -> Result<Option<Job>, AppError> {
    let at = now();
    let json = serde_json::to_string(plan).map_err(|e| AppError::internal("wecom plan", e.to_string()))?;
    let Some(job) = db::insert(txn, l.row.id, JobState::Ordering.code(), json, l.row.subtotal_fen, actor, at).await?
    else {
        return Ok(None);
    };
    let userids: Vec<(String, &str)> = plan.userids.iter().map(|(u, k)| (u.clone(), k.code())).collect();
    db::insert_accounts(txn, job.id, &userids, at).await?;
    let what = if plan.renewal {
        format!("续期 {} 个userid，{} 个月", plan.userids.len(), plan.months)
    } else {
        format!("基础账号 {} 个、互通账号 {} 个，{} 个月", plan.basic, plan.interop, plan.months)
    };
    audit::record(
        txn,
        at,
        actor,
        actions::STARTED,
        contract_db::SUBJECT,
        l.row.id,
        &detail(&format!("向企业微信下单：{what}")),
    )
    .await?;
    outbox::enqueue(txn, &step_event(l, job.id)).await?;
    Ok(Some(job))
}

/// What to order for `l` (see `domain::wecom::plan`). A renewal renews its source contract's
/// userids when the source is a contract here with a sheet, else its own sheet's.
async fn plan_of<C: ConnectionTrait>(db: &C, l: &contract_db::Loaded) -> Result<Plan, AppError> {
    let order_type = l.row.order_type.as_deref().and_then(OrderType::from_code);
    let lines: Vec<PlanLine> = l
        .lines
        .iter()
        .map(|line| PlanLine {
            kind: line.kind.as_deref().and_then(AccountKind::from_code),
            quantity: line.quantity,
            months: line.months,
        })
        .collect();
    let mut userids = db::contract_userids(db, l.row.id).await?;
    if order_type == Some(OrderType::Renewal) {
        if let Some(source) = l.row.source_contract_id {
            let theirs = db::contract_userids(db, source).await?;
            if !theirs.is_empty() {
                userids = theirs;
            }
        }
    }
    let userids: Vec<PlanUserid> =
        userids.into_iter().map(|(userid, kind)| PlanUserid { userid, kind: AccountKind::from_code(&kind) }).collect();
    rules::plan(order_type, &lines, &userids).map_err(invalid)
}

fn step_event(l: &contract_db::Loaded, job_id: i64) -> Event {
    Event::WecomJobStep { header: header_of(&l.row, Vec::new()), job_id }
}

fn header_of(row: &crate::db::entities::contract::Model, notify: Vec<i64>) -> Header {
    Header {
        contract_id: row.id,
        document_number: row.document_number.clone(),
        end_customer: row.end_customer.clone(),
        actor_user_id: None,
        notify,
    }
}
