//! The life of a contract (PRODUCT.md §5–6): 草稿 draft → 审批中 in approval (level k) → 已通过
//! approved → 已开通 fulfilled, with 已驳回 rejected, 已撤回 withdrawn and 已作废 cancelled.
//!
//! Only the moves: who may make them (owner, the level's approver, admin) is the server's access
//! check. A move that does not fit the current status is refused with a problem on `status`; an
//! approver acting on a level that has moved on gets `already_handled`.

use crate::domain::problem::{Lang, Problem};
use serde::{Deserialize, Serialize};

/// Where a contract stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ContractStatus {
    /// 草稿: being filled in.
    #[default]
    Draft,
    /// 审批中: waiting for the approver of `level` (1-based).
    InApproval { level: u32 },
    /// 已通过: every level approved; waiting for fulfilment.
    Approved,
    /// 已开通: the licenses were opened in WeCom.
    Fulfilled,
    /// 已驳回: returned to the owner, who edits and resubmits.
    Rejected,
    /// 已撤回: taken back by the owner while pending; editable, resubmittable.
    Withdrawn,
    /// 已作废: void; kept for the record.
    Cancelled,
}

/// A move on a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ContractAction {
    /// 提交审批: start the flow at level 1.
    Submit,
    /// 同意: the approver of `level` of a `levels`-level flow approves.
    Approve { level: u32, levels: u32 },
    /// 驳回: the approver of `level` rejects (with a reason, see [`check_reject_reason`]).
    Reject { level: u32 },
    /// 撤回: the owner takes a pending contract back.
    Withdraw,
    /// 作废: void a contract that is not pending and not fulfilled.
    Cancel,
    /// 开通: record that the licenses were opened.
    Fulfil,
}

impl ContractStatus {
    pub fn code(self) -> &'static str {
        match self {
            ContractStatus::Draft => "draft",
            ContractStatus::InApproval { .. } => "in_approval",
            ContractStatus::Approved => "approved",
            ContractStatus::Fulfilled => "fulfilled",
            ContractStatus::Rejected => "rejected",
            ContractStatus::Withdrawn => "withdrawn",
            ContractStatus::Cancelled => "cancelled",
        }
    }

    /// The pending level, for storage beside the code.
    pub fn level(self) -> Option<u32> {
        match self {
            ContractStatus::InApproval { level } => Some(level),
            _ => None,
        }
    }

    /// Rebuilds a status from its stored code and level; `None` for an unknown code, or an
    /// `in_approval` without a level of at least 1.
    pub fn from_parts(code: &str, level: Option<u32>) -> Option<ContractStatus> {
        Some(match code {
            "draft" => ContractStatus::Draft,
            "in_approval" => ContractStatus::InApproval { level: level.filter(|l| *l >= 1)? },
            "approved" => ContractStatus::Approved,
            "fulfilled" => ContractStatus::Fulfilled,
            "rejected" => ContractStatus::Rejected,
            "withdrawn" => ContractStatus::Withdrawn,
            "cancelled" => ContractStatus::Cancelled,
            _ => return None,
        })
    }

    pub fn zh(self) -> &'static str {
        match self {
            ContractStatus::Draft => "草稿",
            ContractStatus::InApproval { .. } => "审批中",
            ContractStatus::Approved => "已通过",
            ContractStatus::Fulfilled => "已开通",
            ContractStatus::Rejected => "已驳回",
            ContractStatus::Withdrawn => "已撤回",
            ContractStatus::Cancelled => "已作废",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            ContractStatus::Draft => "draft",
            ContractStatus::InApproval { .. } => "in approval",
            ContractStatus::Approved => "approved",
            ContractStatus::Fulfilled => "fulfilled",
            ContractStatus::Rejected => "rejected",
            ContractStatus::Withdrawn => "withdrawn",
            ContractStatus::Cancelled => "cancelled",
        }
    }

    /// The name with the pending level: 审批中（第2级） / in approval (level 2).
    pub fn label(self, lang: Lang) -> String {
        match (self, lang) {
            (ContractStatus::InApproval { level }, Lang::Zh) => format!("审批中（第{level}级）"),
            (ContractStatus::InApproval { level }, Lang::En) => format!("in approval (level {level})"),
            (s, Lang::Zh) => s.zh().to_owned(),
            (s, Lang::En) => s.en().to_owned(),
        }
    }

    /// The statuses in which the owner may edit the contract: before submission and after it came
    /// back.
    pub const EDITABLE: [ContractStatus; 3] =
        [ContractStatus::Draft, ContractStatus::Rejected, ContractStatus::Withdrawn];

    /// Whether the owner may edit the contract (one of [`ContractStatus::EDITABLE`]).
    pub fn is_editable(self) -> bool {
        Self::EDITABLE.contains(&self)
    }

    /// Whether the contract still waits for the customer's payment, so a payment link may be made
    /// for it and takes vouchers (PRODUCT.md §3, §7): before submission, in approval (the customer
    /// may pay while it is checked), and after it came back (rejected or withdrawn, to be fixed
    /// and resubmitted — often with a new voucher). Approval means the payment was checked, and
    /// approved, fulfilled and cancelled contracts never come back to these states.
    pub fn awaits_payment(self) -> bool {
        self.is_editable() || matches!(self, ContractStatus::InApproval { .. })
    }

    /// Why a contract that no longer awaits payment gets no payment link.
    pub fn payment_closed(self) -> Problem {
        Problem::error(
            "contract_id",
            "payment_closed",
            format!("合同当前为“{}”，不再接收付款，不能创建付款链接", self.label(Lang::Zh)),
            format!(
                "The contract is {} and takes no more payments; no payment link can be made for it",
                self.label(Lang::En)
            ),
        )
    }

    /// Whether nothing can happen to the contract any more.
    pub fn is_final(self) -> bool {
        matches!(self, ContractStatus::Fulfilled | ContractStatus::Cancelled)
    }

    /// The status after `action`, or why it cannot happen now.
    pub fn apply(self, action: ContractAction) -> Result<ContractStatus, Problem> {
        use ContractAction as A;
        use ContractStatus as S;
        match (self, action) {
            (s, A::Submit) if s.is_editable() => Ok(S::InApproval { level: 1 }),
            (_, A::Approve { level, levels }) if level == 0 || level > levels => Err(Problem::error(
                "status",
                "approval_level_invalid",
                format!("审批级别无效：第{level}级（共{levels}级）"),
                format!("Invalid approval level {level} of {levels}"),
            )),
            (S::InApproval { level: current }, A::Approve { level, levels }) if current == level => {
                Ok(if level == levels { S::Approved } else { S::InApproval { level: level + 1 } })
            }
            (S::InApproval { level: current }, A::Reject { level }) if current == level => Ok(S::Rejected),
            (s, A::Approve { .. } | A::Reject { .. }) => Err(already_handled(s)),
            (S::InApproval { .. }, A::Withdraw) => Ok(S::Withdrawn),
            (s, A::Cancel) if s.is_editable() || s == S::Approved => Ok(S::Cancelled),
            (S::Approved, A::Fulfil) => Ok(S::Fulfilled),
            (s, a) => Err(not_allowed(s, a)),
        }
    }
}

impl ContractAction {
    pub fn zh(self) -> &'static str {
        match self {
            ContractAction::Submit => "提交审批",
            ContractAction::Approve { .. } => "同意",
            ContractAction::Reject { .. } => "驳回",
            ContractAction::Withdraw => "撤回",
            ContractAction::Cancel => "作废",
            ContractAction::Fulfil => "开通",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            ContractAction::Submit => "submit",
            ContractAction::Approve { .. } => "approve",
            ContractAction::Reject { .. } => "reject",
            ContractAction::Withdraw => "withdraw",
            ContractAction::Cancel => "cancel",
            ContractAction::Fulfil => "fulfil",
        }
    }
}

fn already_handled(now: ContractStatus) -> Problem {
    Problem::error(
        "status",
        "already_handled",
        format!("此审批已被处理，合同当前为“{}”，请刷新后查看", now.label(Lang::Zh)),
        format!("This approval was already handled; the contract is now {}. Reload to see it", now.label(Lang::En)),
    )
}

fn not_allowed(now: ContractStatus, action: ContractAction) -> Problem {
    Problem::error(
        "status",
        "status_transition_not_allowed",
        format!("合同当前为“{}”，不能{}", now.label(Lang::Zh), action.zh()),
        format!("Cannot {} a contract that is {}", action.en(), now.label(Lang::En)),
    )
}

/// An approval comment (审批意见, also the note of a withdrawal or cancellation) is at most this long.
pub const MAX_COMMENT: usize = 500;

/// An approval comment is optional and at most [`MAX_COMMENT`] characters.
pub fn check_comment(comment: &str) -> Result<(), Problem> {
    let n = comment.trim().chars().count();
    if n > MAX_COMMENT {
        return Err(Problem::error(
            "comment",
            "too_long",
            format!("意见最多{MAX_COMMENT}个字符，当前{n}个"),
            format!("The comment is at most {MAX_COMMENT} characters; it has {n}"),
        ));
    }
    Ok(())
}

/// A rejection (驳回) must say why, so the owner knows what to fix: 1 to 500 characters.
pub fn check_reject_reason(reason: &str) -> Result<(), Problem> {
    let n = reason.trim().chars().count();
    if n == 0 {
        return Err(Problem::error(
            "reason",
            "required",
            "请填写驳回原因，告诉负责人需要修改什么",
            "Enter the reason for rejecting, so the owner knows what to fix",
        ));
    }
    if n > 500 {
        return Err(Problem::error(
            "reason",
            "too_long",
            format!("驳回原因最多500个字符，当前{n}个"),
            format!("The reason is at most 500 characters; it has {n}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContractAction as A;
    use ContractStatus as S;

    fn approve(level: u32) -> ContractAction {
        A::Approve { level, levels: 3 }
    }

    #[test]
    fn three_level_approval_then_fulfilment() {
        let mut s = S::Draft;
        for (action, expected) in [
            (A::Submit, S::InApproval { level: 1 }),
            (approve(1), S::InApproval { level: 2 }),
            (approve(2), S::InApproval { level: 3 }),
            (approve(3), S::Approved),
            (A::Fulfil, S::Fulfilled),
        ] {
            s = s.apply(action).unwrap();
            assert_eq!(s, expected);
        }
        assert!(s.is_final());
    }

    #[test]
    fn a_one_level_flow_is_approved_by_its_only_approver() {
        let s = S::InApproval { level: 1 }.apply(A::Approve { level: 1, levels: 1 }).unwrap();
        assert_eq!(s, S::Approved);
    }

    #[test]
    fn rejected_and_withdrawn_contracts_are_edited_and_restart_at_level_one() {
        let rejected = S::InApproval { level: 2 }.apply(A::Reject { level: 2 }).unwrap();
        assert_eq!(rejected, S::Rejected);
        assert!(rejected.is_editable());
        assert_eq!(rejected.apply(A::Submit), Ok(S::InApproval { level: 1 }));
        let withdrawn = S::InApproval { level: 3 }.apply(A::Withdraw).unwrap();
        assert_eq!(withdrawn, S::Withdrawn);
        assert!(withdrawn.is_editable());
        assert_eq!(withdrawn.apply(A::Submit), Ok(S::InApproval { level: 1 }));
    }

    #[test]
    fn the_second_of_two_approvers_is_told_it_is_already_handled() {
        let pending = S::InApproval { level: 1 };
        let after_first = pending.apply(approve(1)).unwrap();
        let p = after_first.apply(approve(1)).unwrap_err();
        assert_eq!((p.field.as_str(), p.code.as_str()), ("status", "already_handled"));
        assert!(p.zh.contains("此审批已被处理") && p.zh.contains("审批中（第2级）"), "{}", p.zh);
        assert!(p.en.contains("already handled") && p.en.contains("in approval (level 2)"), "{}", p.en);
        let rejected = pending.apply(A::Reject { level: 1 }).unwrap();
        assert_eq!(rejected.apply(approve(1)).unwrap_err().code, "already_handled");
        assert_eq!(S::Withdrawn.apply(A::Reject { level: 1 }).unwrap_err().code, "already_handled");
    }

    #[test]
    fn an_approval_level_outside_the_flow_is_refused() {
        let pending = S::InApproval { level: 1 };
        assert_eq!(pending.apply(A::Approve { level: 0, levels: 3 }).unwrap_err().code, "approval_level_invalid");
        assert_eq!(pending.apply(A::Approve { level: 4, levels: 3 }).unwrap_err().code, "approval_level_invalid");
    }

    #[test]
    fn moves_that_do_not_fit_the_status_are_refused() {
        let refused = |s: S, a: A| {
            let p = s.apply(a).unwrap_err();
            assert_eq!(p.code, "status_transition_not_allowed", "{s:?} {a:?}");
            p
        };
        let p = refused(S::InApproval { level: 1 }, A::Submit);
        assert_eq!(p.zh, "合同当前为“审批中（第1级）”，不能提交审批");
        assert_eq!(p.en, "Cannot submit a contract that is in approval (level 1)");
        refused(S::Approved, A::Submit);
        refused(S::Draft, A::Withdraw);
        refused(S::Approved, A::Withdraw);
        refused(S::Draft, A::Fulfil);
        refused(S::InApproval { level: 3 }, A::Fulfil);
        refused(S::Fulfilled, A::Cancel);
        refused(S::InApproval { level: 1 }, A::Cancel);
        refused(S::Cancelled, A::Cancel);
        refused(S::Cancelled, A::Submit);
        refused(S::Fulfilled, A::Fulfil);
    }

    #[test]
    fn cancelling_is_for_contracts_not_pending_and_not_fulfilled() {
        for s in [S::Draft, S::Rejected, S::Withdrawn, S::Approved] {
            assert_eq!(s.apply(A::Cancel), Ok(S::Cancelled), "{s:?}");
        }
    }

    #[test]
    fn only_draft_like_statuses_are_editable() {
        let all =
            [S::Draft, S::InApproval { level: 1 }, S::Approved, S::Fulfilled, S::Rejected, S::Withdrawn, S::Cancelled];
        let editable: Vec<_> = all.into_iter().filter(|s| s.is_editable()).collect();
        assert_eq!(editable, [S::Draft, S::Rejected, S::Withdrawn]);
        for s in all {
            assert_eq!(S::from_parts(s.code(), s.level()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<S>(&json).unwrap(), s);
        }
        assert_eq!(
            serde_json::to_string(&S::InApproval { level: 2 }).unwrap(),
            r#"{"status":"in_approval","level":2}"#
        );
        assert_eq!(S::from_parts("in_approval", None), None);
        assert_eq!(S::from_parts("in_approval", Some(0)), None);
        assert_eq!(S::from_parts("unknown", None), None);
    }

    #[test]
    fn payment_is_awaited_until_approval_and_never_after_it_or_a_cancellation() {
        let all =
            [S::Draft, S::InApproval { level: 1 }, S::Approved, S::Fulfilled, S::Rejected, S::Withdrawn, S::Cancelled];
        let open: Vec<_> = all.into_iter().filter(|s| s.awaits_payment()).collect();
        assert_eq!(open, [S::Draft, S::InApproval { level: 1 }, S::Rejected, S::Withdrawn]);
        // A contract that stopped awaiting payment never awaits it again.
        for s in all.into_iter().filter(|s| !s.awaits_payment()) {
            for a in [A::Submit, A::Withdraw, A::Cancel, A::Fulfil, A::Approve { level: 1, levels: 1 }] {
                if let Ok(next) = s.apply(a) {
                    assert!(!next.awaits_payment(), "{s:?} --{a:?}--> {next:?}");
                }
            }
        }
        let p = S::Cancelled.payment_closed();
        assert_eq!((p.field.as_str(), p.code.as_str()), ("contract_id", "payment_closed"));
        assert!(p.zh.contains("已作废") && p.en.contains("cancelled"), "{p:?}");
    }

    #[test]
    fn names_in_both_languages() {
        let names: Vec<_> =
            [S::Draft, S::InApproval { level: 2 }, S::Approved, S::Fulfilled, S::Rejected, S::Withdrawn, S::Cancelled]
                .into_iter()
                .map(|s| s.zh())
                .collect();
        assert_eq!(names, ["草稿", "审批中", "已通过", "已开通", "已驳回", "已撤回", "已作废"]);
        assert_eq!(S::InApproval { level: 2 }.label(Lang::Zh), "审批中（第2级）");
        assert_eq!(S::Approved.label(Lang::En), "approved");
    }

    #[test]
    fn a_rejection_needs_a_reason() {
        assert_eq!(check_reject_reason("  ").unwrap_err().code, "required");
        assert_eq!(check_reject_reason(&"因".repeat(501)).unwrap_err().code, "too_long");
        assert!(check_reject_reason("付款凭证金额不符").is_ok());
    }
}
