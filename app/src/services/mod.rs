//! The use cases (server only): one function per thing a person does. Each takes the actor and
//! the input, asks the policy (`domain::policy`), runs the rules (`domain`), reads and writes
//! through `db` in one transaction, and records the audit event — and any outbox event — in that
//! same transaction. Server functions (`functions/`) and the server's own routes (uploads,
//! downloads, the payment page, the JSON API) call these and map the result; they never reach
//! `db` themselves.
//!
//! - [`contracts`]: create, save, submit and read contracts.
//! - [`contract_list`]: the contract list with its filters, sorts and totals, and its export.
//! - [`approvals`]: the moves after submission (withdraw, cancel, approve, reject, fulfil) and the
//!   approval flow the form offers; the approver's inbox.
//! - [`attachments`]: who may upload and download a contract's files; recording an upload.
//! - [`notifications`]: the caller's in-app notifications.
//! - [`payment_links`]: the partner's payment links and the customer's side of one.
//! - [`quotes`]: the price book in effect, saved and shared quotes.
//! - [`accounts`]: users, sign-in and sessions.
//! - [`wecom`]: fulfilment through WeCom's license API: the admin's moves, the page's view and what
//!   each step of the job records.

pub mod accounts;
pub mod admin;
pub mod approvals;
pub mod attachments;
pub mod audit;
pub mod contract_list;
pub mod contracts;
pub mod history;
pub mod notifications;
pub mod ops;
pub mod payment_links;
pub mod quotes;
pub mod renewals;
pub mod wecom;

use crate::domain::problem::Problem;
use crate::error::AppError;
use chrono::{DateTime, SubsecRound, Utc};

/// Now, to the microsecond both databases keep (so a stored time compares equal to itself).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Every problem, as the 422 answer.
pub(crate) fn invalid(problems: Vec<Problem>) -> AppError {
    AppError::Invalid { problems }
}

/// A state-machine refusal (`status_transition_not_allowed`, `already_handled`), as a 409.
pub(crate) fn conflict_of(p: Problem) -> AppError {
    AppError::Conflict { zh: p.zh, en: p.en }
}

/// Someone changed the record since the caller loaded it.
pub(crate) fn stale() -> AppError {
    AppError::conflict(
        "已被他人修改，请刷新后再保存（您的输入未丢失）",
        "Changed by someone else since you loaded it; reload before saving (your input is kept)",
    )
}
