//! The fulfilment job as an outbox handler: each `wecom.job_step` event runs one step of a job
//! and records what WeCom answered (`app::services::wecom::advance`), which writes the next step's
//! event in the same transaction — due at once, or later while the order waits for its payment.
//!
//! The steps, by the job's state:
//! 1. **Ordering.** A renewal first makes WeCom's renewal job (`create_renew_order_job`, at most
//!    1,000 userids per call; the userids WeCom refuses are marked with its reason). Then the
//!    *intent* is recorded, and only then the order placed (`create_new_order` with the counts per
//!    kind and the months; `submit_order_job` for a renewal). If an intent is already there
//!    without an order, an earlier try may have ordered and died before recording it: the job
//!    looks the order up first (`list_order` for the enterprise since the intent, then `get_order`
//!    for the same type, counts and months, not held by another job) and orders again only when
//!    it finds none. Never two orders.
//! 2. **Awaiting payment.** `get_order`: its status and WeCom's price are kept (the page flags a
//!    price that is not ours). Unpaid: asked again after `WECOM_POLL_MS`, doubling up to
//!    `WECOM_POLL_CAP_SECS`. Cancelled, expired, refunded: the job stops.
//! 3. **Activating.** `list_order_account` (all pages) gives the codes; basic codes go to the basic
//!    userids, interop codes to the interop ones (`domain::wecom::assign`); `batch_active_account`
//!    binds them, 1,000 per step, each userid's answer kept. A renewal's userids are renewed by
//!    the payment itself.
//! 4. **Finishing.** `get_active_info_by_user` reads each account's activation and expiry times
//!    (100 per step); `set_auto_active_status` applies the form's 接口是否开启自动激活; then the
//!    contract is 已开通 with WeCom's order ID, the first activation day and the earliest expiry
//!    day, and the owner and admins are told.
//!
//! Errors: WeCom busy (`-1`, rate limits) or unreachable is retried by the outbox with its
//! backoff, up to `WECOM_MAX_TRIES` tries of the step; then, or at once on any other `errcode`,
//! the job stops with the reason in words, and an admin retries or falls back to manual 开通.
//! With `WECOM_AUTO_ORDER=1` it also takes `contract.approved` and starts the job.

use super::client::{CallError, LicenseClient};
use crate::outbox::{Delivery, Handler, HandlerError};
use app::domain::event::{Event, JOB_STEP};
use app::domain::price_book::AccountKind;
use app::domain::wecom::{self as rules, AccountState, JobState, MAX_PER_CALL, kind_of_type, poll_delay, type_number};
use app::services::wecom::{self as service, Change, StepContext};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use std::sync::Arc;

/// How many accounts' details one step reads.
const DETAILS_PER_STEP: usize = 100;
/// How far before the recorded intent an order found again may have been made (clocks differ).
const INTENT_SLACK_SECS: i64 = 300;

/// The handler.
pub struct Fulfilment {
    db: DatabaseConnection,
    client: Arc<LicenseClient>,
}

impl Fulfilment {
    pub fn new(db: DatabaseConnection, client: Arc<LicenseClient>) -> Fulfilment {
        Fulfilment { db, client }
    }
}

#[async_trait::async_trait]
impl Handler for Fulfilment {
    fn name(&self) -> &'static str {
        "wecom_license"
    }

    fn kinds(&self) -> Vec<&'static str> {
        let mut kinds = vec![JOB_STEP];
        if self.client.config().auto_order {
            kinds.push("contract.approved");
        }
        kinds
    }

    async fn handle(&self, delivery: &Delivery) -> Result<(), HandlerError> {
        match &delivery.event {
            Event::ContractApproved { header } if self.client.config().auto_order => {
                service::start_after_approval(&self.db, header.contract_id)
                    .await
                    .map_err(|e| HandlerError::Retry(format!("starting the WeCom job: {e}")))
            }
            Event::WecomJobStep { job_id, .. } => self.step(*job_id, delivery.attempts).await,
            _ => Ok(()),
        }
    }
}

/// A step's failure.
enum StepError {
    Call(CallError),
    Db(sea_orm::DbErr),
}

impl From<CallError> for StepError {
    fn from(e: CallError) -> Self {
        StepError::Call(e)
    }
}

impl From<sea_orm::DbErr> for StepError {
    fn from(e: sea_orm::DbErr) -> Self {
        StepError::Db(e)
    }
}

impl Fulfilment {
    async fn step(&self, job_id: i64, attempts: i32) -> Result<(), HandlerError> {
        let Some(ctx) = service::step_context(&self.db, job_id).await? else { return Ok(()) };
        if !ctx.state.is_running() {
            return Ok(());
        }
        let change = match self.run(ctx.clone()).await {
            Ok(Some((ctx, change))) => return self.record(&ctx, change).await,
            Ok(None) => return Ok(()),
            Err(StepError::Db(e)) => return Err(HandlerError::Db(e)),
            Err(StepError::Call(e)) if e.is_transient() && attempts + 1 < self.client.config().max_tries => {
                return Err(HandlerError::Retry(e.to_string()));
            }
            Err(StepError::Call(CallError::Wecom { errcode, errmsg, name })) if !rules::is_transient(errcode) => {
                tracing::warn!(job_id, call = %name, errcode, %errmsg, "WeCom refused; the job stops");
                Change::Stopped { errcode: Some(errcode), message: errmsg }
            }
            Err(StepError::Call(e)) => Change::Stopped {
                errcode: None,
                message: format!(
                    "企业微信 {tries} 次尝试均未成功：{e} / WeCom failed {tries} tries in a row: {e}",
                    tries = attempts + 1
                ),
            },
        };
        // The job's state may have moved within the step (an intent): stop what is there now.
        let Some(now) = service::step_context(&self.db, job_id).await? else { return Ok(()) };
        self.record(&now, change).await
    }

    async fn record(&self, ctx: &StepContext, change: Change) -> Result<(), HandlerError> {
        if !service::advance(&self.db, ctx, change).await? {
            tracing::info!(job_id = ctx.job.id, "another delivery moved the WeCom job on first");
        }
        Ok(())
    }

    /// Runs the job's current step; the context it ends with and what to record, or `None` when
    /// another delivery got there first.
    async fn run(&self, ctx: StepContext) -> Result<Option<(StepContext, Change)>, StepError> {
        let change = match ctx.state {
            JobState::Ordering => return self.order(ctx).await,
            JobState::AwaitingPayment => self.poll(&ctx).await?,
            JobState::Activating => self.activate(&ctx).await?,
            JobState::Finishing => self.finish(&ctx).await?,
            JobState::Done | JobState::Stopped | JobState::Manual => return Ok(None),
        };
        Ok(Some((ctx, change)))
    }

    /// Records `change` and reads the job again; `None` when another delivery moved it first.
    async fn moved(&self, ctx: &StepContext, change: Change) -> Result<Option<StepContext>, StepError> {
        if !service::advance(&self.db, ctx, change).await? {
            return Ok(None);
        }
        Ok(service::step_context(&self.db, ctx.job.id).await?)
    }

    async fn order(&self, mut ctx: StepContext) -> Result<Option<(StepContext, Change)>, StepError> {
        let config = self.client.config();
        if ctx.plan.renewal && ctx.job.renew_jobid.is_none() {
            let (jobid, refused) = self.renewal_job(&ctx).await?;
            let Some(next) = self.moved(&ctx, Change::RenewJob { jobid, refused }).await? else { return Ok(None) };
            ctx = next;
        }
        if let Some(at) = ctx.job.order_intent_at {
            if let Some(order_id) = self.find_order(&ctx, at).await? {
                tracing::warn!(job_id = ctx.job.id, %order_id, "found the order an earlier try placed; not ordering again");
                return Ok(Some((ctx, Change::Ordered { order_id })));
            }
        }
        let Some(ctx) = self.moved(&ctx, Change::Intent).await? else { return Ok(None) };
        let answer = if ctx.plan.renewal {
            let body = json!({
                "jobid": ctx.job.renew_jobid,
                "buyer_userid": config.buyer_userid,
                "account_duration": { "months": ctx.plan.months },
            });
            self.client.call("submit_order_job", &body).await?
        } else {
            let body = json!({
                "corpid": ctx.corp_id,
                "buyer_userid": config.buyer_userid,
                "account_count": { "base_count": ctx.plan.basic, "external_contact_count": ctx.plan.interop },
                "account_duration": { "months": ctx.plan.months, "days": 0 },
            });
            self.client.call("create_new_order", &body).await?
        };
        let order_id = text(&answer, "order_id");
        if order_id.is_empty() {
            return Err(StepError::Call(CallError::Transport { name: "order".into(), reason: "no order_id".into() }));
        }
        tracing::info!(job_id = ctx.job.id, %order_id, "WeCom order placed");
        Ok(Some((ctx, Change::Ordered { order_id })))
    }

    /// `create_renew_order_job` for every userid still pending, 1,000 per call: the job id and the
    /// userids WeCom refused.
    async fn renewal_job(&self, ctx: &StepContext) -> Result<(String, Vec<(String, i64, String)>), StepError> {
        let pending: Vec<(&str, AccountKind)> = ctx
            .accounts
            .iter()
            .filter(|a| AccountState::from_code(&a.state) == AccountState::Pending)
            .map(|a| (a.userid.as_str(), AccountKind::from_code(&a.kind).unwrap_or(AccountKind::Basic)))
            .collect();
        let mut jobid: Option<String> = None;
        let mut refused = Vec::new();
        for chunk in pending.chunks(MAX_PER_CALL) {
            let list: Vec<Value> =
                chunk.iter().map(|(userid, kind)| json!({ "userid": userid, "type": type_number(*kind) })).collect();
            let mut body = json!({ "corpid": ctx.corp_id, "account_list": list });
            if let Some(id) = &jobid {
                body["jobid"] = json!(id);
            }
            let answer = self.client.call("create_renew_order_job", &body).await?;
            jobid = Some(text(&answer, "jobid"));
            for bad in answer["invalid_account_list"].as_array().into_iter().flatten() {
                refused.push((text(bad, "userid"), bad["errcode"].as_i64().unwrap_or(-3), text(bad, "errmsg")));
            }
        }
        Ok((jobid.unwrap_or_default(), refused))
    }

    /// The order an earlier try placed for this job, if WeCom has one since `intent`: same type,
    /// counts and months, held by no other job.
    async fn find_order(&self, ctx: &StepContext, intent: DateTime<Utc>) -> Result<Option<String>, StepError> {
        let end = Utc::now().timestamp();
        // WeCom answers a window of at most 31 days.
        let start = (intent.timestamp() - INTENT_SLACK_SECS).max(end - 31 * 86_400 + 60);
        let body = json!({ "corpid": ctx.corp_id, "start_time": start, "end_time": end, "limit": 1000 });
        for listed in self.all_pages("list_order", body, "order_list").await? {
            let order_id = text(&listed, "order_id");
            if order_id.is_empty() || !service::order_is_free(&self.db, &order_id, ctx.job.id).await? {
                continue;
            }
            let detail = self.client.call("get_order", &json!({ "order_id": order_id })).await?;
            let order = &detail["order"];
            let same = order["order_type"].as_i64() == Some(if ctx.plan.renewal { 2 } else { 1 })
                && order["account_duration"]["months"].as_i64() == Some(i64::from(ctx.plan.months))
                && order["create_time"].as_i64().unwrap_or(0) >= start
                && (ctx.plan.renewal
                    || (order["account_count"]["base_count"].as_i64() == Some(i64::from(ctx.plan.basic))
                        && order["account_count"]["external_contact_count"].as_i64()
                            == Some(i64::from(ctx.plan.interop))));
            if same {
                return Ok(Some(order_id));
            }
        }
        Ok(None)
    }

    /// Every item of `list` in the answers of `name` over all its pages (WeCom's `cursor`,
    /// `has_more` and `next_cursor`).
    async fn all_pages(&self, name: &str, mut body: Value, list: &str) -> Result<Vec<Value>, CallError> {
        let mut items = Vec::new();
        loop {
            let answer = self.client.call(name, &body).await?;
            items.extend(answer[list].as_array().cloned().unwrap_or_default());
            let cursor = text(&answer, "next_cursor");
            if answer["has_more"].as_i64() != Some(1) || cursor.is_empty() {
                return Ok(items);
            }
            body["cursor"] = json!(cursor);
        }
    }

    async fn poll(&self, ctx: &StepContext) -> Result<Change, StepError> {
        let order_id = ctx.job.order_id.clone().unwrap_or_default();
        let answer = self.client.call("get_order", &json!({ "order_id": order_id })).await?;
        let order = &answer["order"];
        let config = self.client.config();
        let polls = u32::try_from(ctx.job.polls).unwrap_or(0);
        Ok(Change::Polled {
            status: order["order_status"].as_i64().unwrap_or(0),
            price_fen: order["price"].as_i64().unwrap_or(0),
            paid_at: order["pay_time"].as_i64().filter(|t| *t > 0).and_then(|t| DateTime::from_timestamp(t, 0)),
            next_poll: poll_delay(polls, config.poll_base, config.poll_cap),
        })
    }

    async fn activate(&self, ctx: &StepContext) -> Result<Change, StepError> {
        if ctx.plan.renewal {
            return Ok(Change::Renewed);
        }
        let pending =
            |a: &&app::db::entities::wecom_account::Model| AccountState::from_code(&a.state) == AccountState::Pending;
        // The codes are fetched once (all pages, kept in one transaction); a code WeCom refused
        // as a code is forgotten then, so it is not fetched again.
        if ctx.codes.is_empty() {
            return Ok(Change::Codes { codes: self.codes(ctx).await? });
        }
        if ctx.accounts.iter().filter(pending).any(|a| a.active_code.is_none()) {
            return Ok(Change::Codes { codes: Vec::new() });
        }
        let batch: Vec<(&str, &str)> = ctx
            .accounts
            .iter()
            .filter(pending)
            .filter_map(|a| a.active_code.as_deref().map(|code| (a.userid.as_str(), code)))
            .take(MAX_PER_CALL)
            .collect();
        if batch.is_empty() {
            return Ok(Change::AllActivated);
        }
        let list: Vec<Value> =
            batch.iter().map(|(userid, code)| json!({ "active_code": code, "userid": userid })).collect();
        let answer =
            self.client.call("batch_active_account", &json!({ "corpid": ctx.corp_id, "active_list": list })).await?;
        let said = answer["active_result"].as_array().cloned().unwrap_or_default();
        // A userid WeCom did not answer for is tried again on the next step.
        let results: Vec<(String, String, i64)> = batch
            .iter()
            .filter_map(|(userid, code)| {
                let r = said.iter().find(|r| r["userid"].as_str() == Some(userid))?;
                Some(((*userid).to_owned(), (*code).to_owned(), r["errcode"].as_i64().unwrap_or(0)))
            })
            .collect();
        if results.is_empty() {
            // Nothing answered: the same batch after the backoff, not at once.
            return Err(StepError::Call(CallError::Transport {
                name: "batch_active_account".into(),
                reason: "no result for any userid of the batch".into(),
            }));
        }
        Ok(Change::Activated { results })
    }

    /// Every code of the paid order (all pages).
    async fn codes(&self, ctx: &StepContext) -> Result<Vec<(String, AccountKind)>, StepError> {
        let body = json!({ "order_id": ctx.job.order_id, "limit": 1000 });
        let codes: Vec<(String, AccountKind)> = self
            .all_pages("list_order_account", body, "account_list")
            .await?
            .iter()
            .filter_map(|a| Some((text(a, "active_code"), kind_of_type(a["type"].as_i64()?)?)))
            .filter(|(code, _)| !code.is_empty())
            .collect();
        let ordered = (ctx.plan.basic + ctx.plan.interop) as usize;
        if codes.len() < ordered {
            // Paid, but WeCom has not made every code yet: asked again after the backoff.
            return Err(StepError::Call(CallError::Transport {
                name: "list_order_account".into(),
                reason: format!("{} of the {ordered} codes listed so far", codes.len()),
            }));
        }
        Ok(codes)
    }

    async fn finish(&self, ctx: &StepContext) -> Result<Change, StepError> {
        let unread: Vec<&app::db::entities::wecom_account::Model> = ctx
            .accounts
            .iter()
            .filter(|a| AccountState::from_code(&a.state) == AccountState::Active && a.active_time.is_none())
            .take(DETAILS_PER_STEP)
            .collect();
        if !unread.is_empty() {
            let mut times = Vec::new();
            for a in unread {
                let body = json!({ "corpid": ctx.corp_id, "userid": a.userid });
                let answer = self.client.call("get_active_info_by_user", &body).await?;
                let wanted = AccountKind::from_code(&a.kind).map(type_number).map(i64::from);
                let info =
                    answer["active_info_list"].as_array().into_iter().flatten().find(|i| i["type"].as_i64() == wanted);
                let at = |key: &str| info.and_then(|i| i[key].as_i64()).and_then(|t| DateTime::from_timestamp(t, 0));
                times.push((a.userid.clone(), at("active_time"), at("expire_time")));
            }
            return Ok(Change::Expiry { times });
        }
        if let Some(on) = ctx.auto_activation {
            let body = json!({ "corpid": ctx.corp_id, "auto_active_status": i32::from(on) });
            self.client.call("set_auto_active_status", &body).await?;
        }
        Ok(Change::Finished)
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}
