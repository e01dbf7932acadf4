//! Fulfilment through WeCom's own license API (接口调用许可, `cgi-bin/license/`): the pure rules of
//! the job that orders an approved contract's accounts, follows the payment and activates every
//! userid. No network and no database here: the server's job runs these, the service stores what
//! they decide, and the contract page shows the words.
//!
//! - [`plan`]: what to order, from the contract's lines and userids: counts per kind and months
//!   for a new purchase or an add-on (`create_new_order`), the userids and their kinds for a
//!   renewal (`create_renew_order_job`). One WeCom order has one duration, so every line must have
//!   the same months.
//! - [`assign`]: which active code goes to which userid: basic codes to the basic userids, interop
//!   codes to the interop ones, each code once.
//! - [`explain`]: WeCom's `errcode`s in words, Chinese and English.
//! - [`JobState`], [`OrderStatus`]: the job's steps and WeCom's order states, with their codes.

use crate::domain::price_book::AccountKind;
use crate::domain::problem::Problem;
use crate::domain::quote::OrderType;
use serde::{Deserialize, Serialize};

/// The most accounts of one kind in one WeCom order.
pub const MAX_ACCOUNTS_PER_KIND: u32 = 1_000_000;
/// The most items in one `batch_active_account` or `create_renew_order_job` call.
pub const MAX_PER_CALL: usize = 1_000;
/// WeCom counts a month as 31 days; an order lasts 31 to 1,860 days.
pub const DAYS_PER_MONTH: u32 = 31;
pub const MIN_DAYS: u32 = 31;
pub const MAX_DAYS: u32 = 1_860;

/// WeCom's account type number: 1 basic (基础账号), 2 interop (互通账号).
pub fn type_number(kind: AccountKind) -> i32 {
    match kind {
        AccountKind::Basic => 1,
        AccountKind::Interop => 2,
    }
}

/// The kind of WeCom's account type number.
pub fn kind_of_type(number: i64) -> Option<AccountKind> {
    match number {
        1 => Some(AccountKind::Basic),
        2 => Some(AccountKind::Interop),
        _ => None,
    }
}

/// What the job orders for a contract, decided when it starts and kept with the job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// `create_new_order` (new and add-on) or the renewal job (`create_renew_order_job`).
    pub renewal: bool,
    pub basic: u32,
    pub interop: u32,
    pub months: u32,
    /// Every userid the contract names, with the kind it gets: activated (new, add-on) or renewed.
    pub userids: Vec<(String, AccountKind)>,
}

/// One product line as the plan reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanLine {
    pub kind: Option<AccountKind>,
    pub quantity: Option<i64>,
    pub months: Option<i32>,
}

/// One userid of the contract's sheet; `kind` is `None` when the sheet has no type column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanUserid {
    pub userid: String,
    pub kind: Option<AccountKind>,
}

/// Decides what to order. Userids without a kind take the kind the lines buy when they buy only
/// one; with both kinds they fill the basic accounts first, then the interop ones. A renewal
/// renews the userids named (it needs at least one); a new purchase activates as many userids as
/// there are codes of their kind.
pub fn plan(order_type: Option<OrderType>, lines: &[PlanLine], userids: &[PlanUserid]) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(order_type) = order_type else {
        return Err(vec![problem("order_type", "required", "合同没有订单类型", "The contract has no order type")]);
    };
    let (mut basic, mut interop) = (0u64, 0u64);
    let mut months: Option<i32> = None;
    for (i, line) in lines.iter().enumerate() {
        let (Some(kind), Some(quantity), Some(m)) = (line.kind, line.quantity, line.months) else {
            problems.push(problem(
                &format!("lines[{i}]"),
                "incomplete",
                format!("第{}行产品缺少产品、数量或服务期", i + 1),
                format!("Line {} lacks its product, quantity or service period", i + 1),
            ));
            continue;
        };
        let quantity = u64::try_from(quantity).unwrap_or(0);
        match kind {
            AccountKind::Basic => basic += quantity,
            AccountKind::Interop => interop += quantity,
        }
        match months {
            Some(first) if first != m => problems.push(problem(
                "lines",
                "months_differ",
                format!("企业微信一张订单只有一个时长：各行服务月数不同（{first} 与 {m} 个月），请手动开通"),
                format!("A WeCom order has one duration, but the lines run {first} and {m} months: fulfil by hand"),
            )),
            _ => months = Some(m),
        }
    }
    if lines.is_empty() {
        problems.push(problem("lines", "required", "合同没有产品行", "The contract has no product lines"));
    }
    for (count, kind) in [(basic, AccountKind::Basic), (interop, AccountKind::Interop)] {
        if count > u64::from(MAX_ACCOUNTS_PER_KIND) {
            problems.push(problem(
                "lines",
                "too_many",
                format!("企业微信一张订单最多{MAX_ACCOUNTS_PER_KIND}个{}", kind.zh()),
                format!("A WeCom order takes at most {MAX_ACCOUNTS_PER_KIND} of each kind ({})", kind.en()),
            ));
        }
    }
    let months = months.and_then(|m| u32::try_from(m).ok()).unwrap_or(0);
    let days = months.saturating_mul(DAYS_PER_MONTH);
    if !lines.is_empty() && !(MIN_DAYS..=MAX_DAYS).contains(&days) {
        problems.push(problem(
            "lines",
            "duration",
            format!("企业微信订单时长须为{MIN_DAYS}到{MAX_DAYS}天（1到60个月），此合同为{months}个月"),
            format!("A WeCom order lasts {MIN_DAYS} to {MAX_DAYS} days (1 to 60 months); this one is {months}"),
        ));
    }
    let (basic, interop) = (basic.min(u64::from(u32::MAX)) as u32, interop.min(u64::from(u32::MAX)) as u32);
    let userids = kinds_of(userids, basic, interop);
    let renewal = order_type == OrderType::Renewal;
    if renewal && userids.is_empty() {
        problems.push(problem(
            "userid_sheet",
            "required",
            "续期订单须列出要续期的userid：此合同及其源单都没有userid表",
            "A renewal must name the userids to renew: neither this contract nor its source order has a userid sheet",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Plan { renewal, basic, interop, months, userids })
}

/// Every userid with the kind it gets (see [`plan`]).
fn kinds_of(userids: &[PlanUserid], basic: u32, interop: u32) -> Vec<(String, AccountKind)> {
    let typed_basic = userids.iter().filter(|u| u.kind == Some(AccountKind::Basic)).count() as u32;
    let mut basic_left = basic.saturating_sub(typed_basic);
    userids
        .iter()
        .map(|u| {
            let kind = u.kind.unwrap_or_else(|| {
                if interop == 0 || (basic > 0 && basic_left > 0) {
                    basic_left = basic_left.saturating_sub(1);
                    AccountKind::Basic
                } else {
                    AccountKind::Interop
                }
            });
            (u.userid.clone(), kind)
        })
        .collect()
}

/// One active code of a paid order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub active_code: String,
    pub kind: AccountKind,
    /// The userid it is (or was chosen to be) bound to.
    pub userid: Option<String>,
}

/// Gives each userid in `waiting` (in order) a free code of its kind; returns `(userid, code)`.
/// A userid left out has no free code of its kind.
pub fn assign(codes: &[Code], waiting: &[(String, AccountKind)]) -> Vec<(String, String)> {
    let mut free: Vec<&Code> = codes.iter().filter(|c| c.userid.is_none()).collect();
    let mut out = Vec::new();
    for (userid, kind) in waiting {
        if let Some(at) = free.iter().position(|c| c.kind == *kind) {
            out.push((userid.clone(), free.remove(at).active_code.clone()));
        }
    }
    out
}

/// WeCom's order states (`order_status` of `get_order`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    /// 0 待支付.
    AwaitingPayment,
    /// 1 已支付.
    Paid,
    /// 2 已取消, 3 未支付订单已过期, 4–6 refund states, 7 已失效: the order will never be paid.
    Closed(i64),
}

impl OrderStatus {
    pub fn of(code: i64) -> OrderStatus {
        match code {
            0 => OrderStatus::AwaitingPayment,
            1 => OrderStatus::Paid,
            other => OrderStatus::Closed(other),
        }
    }
}

/// `order_status` in words.
pub fn order_status_words(code: i64) -> (&'static str, &'static str) {
    match code {
        0 => ("待支付", "awaiting payment"),
        1 => ("已支付", "paid"),
        2 => ("已取消", "cancelled"),
        3 => ("未支付，订单已过期", "expired unpaid"),
        4 => ("申请退款中", "refund requested"),
        5 => ("退款成功", "refunded"),
        6 => ("退款被拒绝", "refund refused"),
        7 => ("订单已失效", "invalidated"),
        _ => ("未知状态", "unknown state"),
    }
}

/// The job's steps (stored as their code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    /// Placing the order (for a renewal: the renewal job, then its submission).
    Ordering,
    /// Ordered; waiting for the payment in WeCom's service-provider console.
    AwaitingPayment,
    /// Paid: fetching the active codes and binding them to the userids.
    Activating,
    /// Auto-activation and the accounts' expiry dates; then 已开通.
    Finishing,
    /// Done (some userids may have failed: a re-run tries only those).
    Done,
    /// Stopped by an error that trying again cannot fix by itself; retry or fulfil by hand.
    Stopped,
    /// Given up for manual fulfilment (the admin records 开通 by hand).
    Manual,
}

impl JobState {
    pub const ALL: [JobState; 7] = [
        JobState::Ordering,
        JobState::AwaitingPayment,
        JobState::Activating,
        JobState::Finishing,
        JobState::Done,
        JobState::Stopped,
        JobState::Manual,
    ];

    pub fn code(self) -> &'static str {
        match self {
            JobState::Ordering => "ordering",
            JobState::AwaitingPayment => "awaiting_payment",
            JobState::Activating => "activating",
            JobState::Finishing => "finishing",
            JobState::Done => "done",
            JobState::Stopped => "stopped",
            JobState::Manual => "manual",
        }
    }

    pub fn from_code(code: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            JobState::Ordering => "正在向企业微信下单",
            JobState::AwaitingPayment => "等待在企业微信支付",
            JobState::Activating => "正在激活账号",
            JobState::Finishing => "正在设置自动激活并读取到期日",
            JobState::Done => "已完成",
            JobState::Stopped => "已停止",
            JobState::Manual => "已改为手动开通",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            JobState::Ordering => "ordering in WeCom",
            JobState::AwaitingPayment => "awaiting payment in WeCom",
            JobState::Activating => "activating accounts",
            JobState::Finishing => "setting auto-activation and reading expiry dates",
            JobState::Done => "done",
            JobState::Stopped => "stopped",
            JobState::Manual => "switched to manual fulfilment",
        }
    }

    /// Whether the worker still has something to do.
    pub fn is_running(self) -> bool {
        matches!(self, JobState::Ordering | JobState::AwaitingPayment | JobState::Activating | JobState::Finishing)
    }
}

/// One userid's result (stored as its code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountState {
    /// Not yet done.
    Pending,
    /// Activated (or renewed).
    Active,
    /// WeCom refused it; `errcode` says why.
    Failed,
}

impl AccountState {
    pub fn code(self) -> &'static str {
        match self {
            AccountState::Pending => "pending",
            AccountState::Active => "active",
            AccountState::Failed => "failed",
        }
    }

    pub fn from_code(code: &str) -> AccountState {
        match code {
            "active" => AccountState::Active,
            "failed" => AccountState::Failed,
            _ => AccountState::Pending,
        }
    }
}

/// Our own code for a userid the order has no free code for (not WeCom's).
pub const NO_CODE_LEFT: i64 = -2;

/// WeCom's `errcode` in words, Chinese and English; an unknown one keeps its code and WeCom's own
/// message.
pub fn explain(errcode: i64, errmsg: &str) -> (String, String) {
    let known: Option<(&str, &str)> = match errcode {
        701003 => Some(("激活码已绑定其他成员", "the active code is already bound to someone else")),
        701005 => Some(("订单无效", "the order is invalid")),
        701008 => Some(("企业没有拥有互通账号的成员", "no member of the enterprise holds an interop account")),
        701011 => Some((
            "该userid已绑定同类型的账号（剩余时长超过20天时不能叠加）",
            "the userid already holds an account of this kind (it stacks only in its last 20 days)",
        )),
        701012 => Some(("激活码已超过绑定有效期", "the active code is past its binding window")),
        701015 => Some(("企业未授权服务商的应用", "the enterprise has not authorised the provider's app")),
        701030 => Some(("同类型激活码叠加后的有效期超过5年", "stacked time of one kind would exceed five years")),
        -1 => Some(("企业微信系统繁忙，稍后重试", "WeCom is busy; tried again later")),
        NO_CODE_LEFT => Some(("订单中没有该类型的空闲激活码", "the order has no free code of this kind left")),
        _ => None,
    };
    match known {
        Some((zh, en)) => (format!("{zh}（{errcode}）"), format!("{en} ({errcode})")),
        None => {
            let msg: String = errmsg.chars().take(200).collect();
            (format!("企业微信错误 {errcode}：{msg}"), format!("WeCom error {errcode}: {msg}"))
        }
    }
}

/// Whether an `errcode` of a job-level call may pass if tried again (busy, rate limit).
pub fn is_transient(errcode: i64) -> bool {
    matches!(errcode, -1 | 45009 | 45033)
}

/// Whether an `errcode` says the provider token is no longer good (fetch a new one and repeat).
pub fn is_token_error(errcode: i64) -> bool {
    matches!(errcode, 40014 | 40082 | 42001 | 42009 | 41001)
}

/// How long to wait before asking again whether an order is paid, after `polls` polls: `base`
/// doubling up to `cap`.
pub fn poll_delay(polls: u32, base: std::time::Duration, cap: std::time::Duration) -> std::time::Duration {
    base.saturating_mul(1u32 << polls.min(20)).min(cap)
}

fn problem(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Problem {
    Problem::error(field, code, zh.into(), en.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountKind::{Basic, Interop};

    fn line(kind: AccountKind, quantity: i64, months: i32) -> PlanLine {
        PlanLine { kind: Some(kind), quantity: Some(quantity), months: Some(months) }
    }

    fn user(id: &str, kind: Option<AccountKind>) -> PlanUserid {
        PlanUserid { userid: id.into(), kind }
    }

    #[test]
    fn a_new_purchase_orders_each_kind_for_the_lines_months() {
        let users = [user("a", Some(Basic)), user("b", Some(Interop)), user("c", None)];
        let p = plan(Some(OrderType::New), &[line(Basic, 5, 12), line(Interop, 3, 12)], &users).unwrap();
        assert_eq!((p.renewal, p.basic, p.interop, p.months), (false, 5, 3, 12));
        assert_eq!(p.userids[2], ("c".into(), Basic));
        let addon = plan(Some(OrderType::Addon), &[line(Basic, 2, 24), line(Basic, 3, 24)], &[]).unwrap();
        assert_eq!((addon.basic, addon.interop, addon.months), (5, 0, 24));
    }

    #[test]
    fn untyped_userids_fill_basic_first_then_interop() {
        let users: Vec<_> = ["a", "b", "c"].iter().map(|u| user(u, None)).collect();
        let p = plan(Some(OrderType::New), &[line(Basic, 1, 12), line(Interop, 2, 12)], &users).unwrap();
        let kinds: Vec<_> = p.userids.iter().map(|(_, k)| *k).collect();
        assert_eq!(kinds, [Basic, Interop, Interop]);
        let only_interop = plan(Some(OrderType::New), &[line(Interop, 2, 12)], &users[..1]).unwrap();
        assert_eq!(only_interop.userids[0].1, Interop);
    }

    #[test]
    fn one_order_has_one_duration_and_wecoms_limits() {
        let e = plan(Some(OrderType::New), &[line(Basic, 5, 12), line(Interop, 3, 24)], &[]).unwrap_err();
        assert_eq!(e[0].code, "months_differ");
        let e = plan(Some(OrderType::New), &[line(Basic, 5, 61)], &[]).unwrap_err();
        assert_eq!(e[0].code, "duration");
        let e = plan(Some(OrderType::New), &[line(Basic, 1_000_001, 12)], &[]).unwrap_err();
        assert_eq!(e[0].code, "too_many");
        assert_eq!(plan(None, &[], &[]).unwrap_err()[0].field, "order_type");
        let e = plan(Some(OrderType::Renewal), &[line(Basic, 5, 12)], &[]).unwrap_err();
        assert_eq!(e[0].field, "userid_sheet");
    }

    #[test]
    fn codes_go_to_userids_of_their_kind_once() {
        let code = |c: &str, kind, userid: Option<&str>| Code {
            active_code: c.into(),
            kind,
            userid: userid.map(str::to_owned),
        };
        let codes = [code("B1", Basic, Some("x")), code("B2", Basic, None), code("I1", Interop, None)];
        let waiting = [("a".to_owned(), Interop), ("b".to_owned(), Basic), ("c".to_owned(), Basic)];
        assert_eq!(assign(&codes, &waiting), [("a".to_owned(), "I1".to_owned()), ("b".to_owned(), "B2".to_owned())]);
    }

    #[test]
    fn wecoms_errors_in_words_and_unknown_ones_keep_their_message() {
        let (zh, en) = explain(701011, "userid already bind");
        assert!(zh.contains("已绑定") && zh.contains("701011"), "{zh}");
        assert!(en.contains("already holds"), "{en}");
        for code in [701003, 701005, 701008, 701012, 701015, 701030] {
            assert!(!explain(code, "x").0.contains("企业微信错误"), "{code}");
        }
        assert_eq!(explain(123, "odd thing").1, "WeCom error 123: odd thing");
        assert!(is_token_error(42009) && is_transient(-1) && !is_transient(701011));
    }

    #[test]
    fn states_round_trip_and_polls_back_off() {
        for s in JobState::ALL {
            assert_eq!(JobState::from_code(s.code()), Some(s));
        }
        let (b, c) = (std::time::Duration::from_secs(10), std::time::Duration::from_secs(600));
        assert_eq!(poll_delay(0, b, c).as_secs(), 10);
        assert_eq!(poll_delay(3, b, c).as_secs(), 80);
        assert_eq!(poll_delay(30, b, c).as_secs(), 600);
        assert_eq!(OrderStatus::of(3), OrderStatus::Closed(3));
    }
}
