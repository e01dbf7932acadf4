//! The contract draft: every field of the order form (企业微信接口合同) as the user left it.
//!
//! Whatever a person types stays text here, so a half-typed quantity or date is never lost when a
//! draft is saved or restored (获取暂存信息); the rules in [`super::rules`] parse it. Choices from a
//! list are `Option`s: `None` means "not chosen yet".

use super::fields::{DocumentNumber, PaymentMethod, ProductKind};
use crate::domain::attachment::AttachmentKind;
use crate::domain::ids::CorpId;
use crate::domain::quote::OrderType;
use chrono::NaiveDate;
use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::fields::CrmManagementType;

/// Id of an uploaded attachment (附件), as the server stored it.
pub type AttachmentId = i64;

/// Id of a user of the app.
pub type UserRef = i64;

/// The order contract being filled in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContractDraft {
    /// 单据编号: assigned by the server on the first save; `None` before.
    pub document_number: Option<DocumentNumber>,
    /// 最终用户: the end customer.
    pub end_customer: String,
    /// 负责人: the owner; the server defaults it to the creator.
    pub owner: Option<UserRef>,
    /// 选择源单: the original order this one belongs to.
    pub source_order: SourceOrder,
    /// 企业微信ID, as typed; parsed into a [`CorpId`] by validation.
    pub corp_id: String,
    /// 购买企业的企业微信全称/简称.
    pub corp_name: String,
    /// CRM管理类型.
    pub crm_type: Option<CrmManagementType>,
    /// 租赁的账号URL, as typed; required when the type is 租赁.
    pub lease_url: String,
    /// 付款方式.
    pub payment_method: Option<PaymentMethod>,
    /// 订单类型, shared by all lines.
    pub order_type: Option<OrderType>,
    /// 接口是否开启自动激活.
    pub auto_activation: Option<bool>,
    /// User ID数量与实际购买接口数量是否一致: the user's answer; when a userid sheet has been read,
    /// the answer computed from it wins (see [`super::rules::userid_count_matches`]).
    pub userid_count_matches: Option<bool>,
    /// 订单数量与实际购买接口数量是否一致.
    pub order_quantity_matches: Option<bool>,
    /// 安装的应用: a name from the admin-kept list.
    pub installed_app: String,
    /// 企业微信API接口到期日, as typed; optional.
    pub api_expiry_date: String,
    /// 备注.
    pub remark: String,
    /// 付款凭证: image or PDF.
    pub payment_voucher: Option<AttachmentId>,
    /// 企业微信使用接口人员userid: the corp ID / userid sheet.
    pub userid_sheet: Option<AttachmentId>,
    /// 产品明细.
    pub lines: Vec<DraftLine>,
    /// Basic accounts already active for the corp (suggested by the server, editable); blank is 0.
    /// New and add-on lines are priced from the position after them.
    pub existing_basic: String,
    /// Interop accounts already active for the corp; blank is 0.
    pub existing_interop: String,
    /// 选择审批流程.
    pub approval: ApprovalChoice,
}

/// One product line (产品管理 row).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftLine {
    /// 产品名称: 企业微信基础接口 / 企业微信互通接口.
    pub kind: Option<ProductKind>,
    /// 数量, as typed.
    pub quantity: String,
    /// 服务开始日期, as typed.
    pub service_start: String,
    /// 服务到期日, as typed.
    pub service_end: String,
    /// 是否开票.
    pub invoice: Option<bool>,
    /// 描述.
    pub description: String,
    /// 面议金额: only for a line with accounts in the negotiated tier (above 10000), as typed. The
    /// amount agreed for those accounts, before tax; added to the line's instant-priced amount.
    pub negotiated_amount: String,
}

/// The source order (选择源单 / 产品原订单): none, an earlier contract in this app, or an order in the
/// external CRM order system.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceOrder {
    #[default]
    None,
    /// An earlier contract here. `service_end` is its last service end date, filled in when it is
    /// picked; the server replaces it with the stored contract's value before validating.
    Contract { contract_id: i64, document_number: Option<DocumentNumber>, service_end: Option<NaiveDate> },
    /// An external CRM order, typed by the user: its number and its service end date (as typed).
    External {
        #[serde(default)]
        order_number: String,
        #[serde(default)]
        service_end: String,
    },
}

/// The approval flow chosen for submission (选择审批流程).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalChoice {
    pub flow_id: Option<i64>,
    /// Per level (index 0 = level 1), the approver picked with 更换; `None` keeps the level's
    /// default approver.
    pub approvers: Vec<Option<UserRef>>,
}

/// What the corp ID / userid sheet (企业 ID 及 userid 示例表) says, as far as the contract's rules
/// need it. Filled from the sheet reader, in the browser before upload and on the server from the
/// stored attachment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetFacts {
    /// The distinct corp IDs found in the sheet.
    pub corp_ids: Vec<CorpId>,
    /// Valid userids marked basic (基础).
    pub basic_userids: u32,
    /// Valid userids marked interop (互通).
    pub interop_userids: u32,
    /// Valid distinct userids, marked or not.
    pub total_userids: u32,
    /// Valid distinct userids that no row gave a kind. Counting it (rather than comparing
    /// basic + interop with the total) keeps a userid marked both ways from hiding one marked
    /// neither way.
    #[serde(default)]
    pub untyped_userids: u32,
    /// Valid distinct userids marked both basic and interop: interop includes basic, so each is
    /// a basic account bought for nothing.
    #[serde(default)]
    pub overlapping_userids: u32,
}

impl SheetFacts {
    /// The facts of a sheet's valid userids, each with the corp ID of its row and its kind
    /// (`None`: the sheet did not say), as the sheet reader returns them and as the server stores
    /// them: userids are distinct ignoring case, and a userid listed both as basic and as interop
    /// counts once in each kind.
    pub fn of_userids<'a>(rows: impl IntoIterator<Item = (&'a CorpId, &'a str, Option<ProductKind>)>) -> SheetFacts {
        use std::borrow::Cow;
        const BASIC: u8 = 1;
        const INTEROP: u8 = 2;
        let rows = rows.into_iter();
        let mut corp_ids: Vec<CorpId> = Vec::new();
        // Each distinct userid (lower case) with the kinds it is listed as. A userid already in
        // lower case is not copied: a sheet's 100,000 userids are read in the browser.
        let mut kinds: HashMap<Cow<'a, str>, u8, FxBuildHasher> =
            HashMap::with_capacity_and_hasher(rows.size_hint().0, FxBuildHasher);
        for (corp, userid, kind) in rows {
            if !corp_ids.contains(corp) {
                corp_ids.push(corp.clone());
            }
            let lower = |c: char| {
                let mut l = c.to_lowercase();
                l.next() == Some(c) && l.next().is_none()
            };
            let key = if !userid.bytes().any(|b| b.is_ascii_uppercase())
                && (userid.is_ascii() || userid.chars().all(lower))
            {
                Cow::Borrowed(userid)
            } else {
                Cow::Owned(userid.to_lowercase())
            };
            *kinds.entry(key).or_default() |= match kind {
                Some(ProductKind::Basic) => BASIC,
                Some(ProductKind::Interop) => INTEROP,
                None => 0,
            };
        }
        let count =
            |has: fn(u8) -> bool| u32::try_from(kinds.values().filter(|k| has(**k)).count()).unwrap_or(u32::MAX);
        SheetFacts {
            corp_ids,
            basic_userids: count(|k| k & BASIC != 0),
            interop_userids: count(|k| k & INTEROP != 0),
            total_userids: u32::try_from(kinds.len()).unwrap_or(u32::MAX),
            untyped_userids: count(|k| k == 0),
            overlapping_userids: count(|k| k == BASIC | INTEROP),
        }
    }

    /// Whether every userid carries a kind, so the sheet can be compared kind by kind.
    pub fn is_typed(&self) -> bool {
        self.total_userids > 0 && self.untyped_userids == 0
    }
}

impl ContractDraft {
    /// The draft's file of `kind`: its payment voucher or its userid sheet.
    pub fn attachment(&self, kind: AttachmentKind) -> Option<AttachmentId> {
        match kind {
            AttachmentKind::Voucher => self.payment_voucher,
            AttachmentKind::UseridSheet => self.userid_sheet,
            AttachmentKind::Other => None,
        }
    }

    /// Makes `id` the draft's file of `kind` (other attachments are not named by the draft).
    pub fn set_attachment(&mut self, kind: AttachmentKind, id: AttachmentId) {
        self.name_attachment(kind, Some(id));
    }

    /// Names `id` (or nothing) as the draft's file of `kind`.
    pub fn name_attachment(&mut self, kind: AttachmentKind, id: Option<AttachmentId>) {
        match kind {
            AttachmentKind::Voucher => self.payment_voucher = id,
            AttachmentKind::UseridSheet => self.userid_sheet = id,
            AttachmentKind::Other => {}
        }
    }

    /// A blank draft owned by `owner`, with one empty line to start typing in.
    pub fn new(owner: UserRef) -> ContractDraft {
        ContractDraft { owner: Some(owner), lines: vec![DraftLine::default()], ..ContractDraft::default() }
    }

    /// The source order's service end date, if it is known and readable.
    pub fn source_service_end(&self) -> Option<NaiveDate> {
        match &self.source_order {
            SourceOrder::None => None,
            SourceOrder::Contract { service_end, .. } => *service_end,
            SourceOrder::External { service_end, .. } => crate::domain::period::parse_date(service_end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_json_fills_defaults() {
        let d: ContractDraft =
            serde_json::from_str(r#"{"end_customer":"雪碧算术","lines":[{"quantity":"1"}]}"#).unwrap();
        assert_eq!(d.end_customer, "雪碧算术");
        assert_eq!(d.lines[0].quantity, "1");
        assert_eq!(d.lines[0].kind, None);
        assert_eq!(d.source_order, SourceOrder::None);
    }

    #[test]
    fn source_order_is_tagged_by_kind() {
        let s = SourceOrder::External { order_number: "SO-1".into(), service_end: "2025-06-30".into() };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"kind":"external","order_number":"SO-1","service_end":"2025-06-30"}"#);
        assert_eq!(serde_json::from_str::<SourceOrder>(&json).unwrap(), s);
        let c: SourceOrder = serde_json::from_str(
            r#"{"kind":"contract","contract_id":7,"document_number":"QYWXHT-7","service_end":"2025-06-30"}"#,
        )
        .unwrap();
        let draft = ContractDraft { source_order: c, ..ContractDraft::default() };
        assert_eq!(draft.source_service_end(), NaiveDate::from_ymd_opt(2025, 6, 30));
    }

    #[test]
    fn new_draft_has_owner_and_one_line() {
        let d = ContractDraft::new(42);
        assert_eq!(d.owner, Some(42));
        assert_eq!(d.lines.len(), 1);
    }

    #[test]
    fn sheet_facts_count_distinct_userids_by_kind() {
        let a = CorpId::parse("", "ww0123456789abcdef").unwrap();
        let b = CorpId::parse("", "wxfedcba9876543210").unwrap();
        let rows = [
            (&a, "zhangsan", Some(ProductKind::Basic)),
            (&a, "ZhangSan", Some(ProductKind::Interop)), // both kinds: once in each
            (&a, "lisi", Some(ProductKind::Interop)),
            (&b, "wangwu", None),
        ];
        let f = SheetFacts::of_userids(rows);
        assert_eq!(f.corp_ids, vec![a.clone(), b]);
        assert_eq!((f.basic_userids, f.interop_userids, f.total_userids, f.untyped_userids), (1, 2, 3, 1));
        assert_eq!(f.overlapping_userids, 1, "zhangsan is basic and interop (case ignored)");
        assert!(!f.is_typed(), "wangwu has no kind, though 1 basic + 2 interop cover 3 userids");
        let untyped = SheetFacts::of_userids([(&a, "x", Some(ProductKind::Basic)), (&a, "y", None)]);
        assert!(!untyped.is_typed(), "y has no kind");
        assert_eq!(SheetFacts::of_userids([]), SheetFacts::default());
        // Case is ignored beyond ASCII too (full lower-casing), and a lower-case userid is the same
        // key whether it came lower-cased or not.
        let f = SheetFacts::of_userids([
            (&a, "ÄBC", Some(ProductKind::Basic)),
            (&a, "äbc", Some(ProductKind::Interop)),
            (&a, "13800138000", None),
            (&a, "13800138000", None),
            // A title-case letter is not upper case, and still lower-cases to another letter.
            (&a, "ǅ1", Some(ProductKind::Basic)),
            (&a, "ǆ1", Some(ProductKind::Interop)),
        ]);
        assert_eq!((f.total_userids, f.overlapping_userids, f.untyped_userids), (3, 2, 1));
    }

    #[test]
    fn sheet_is_typed_when_every_userid_has_a_kind() {
        let a = CorpId::parse("", "ww0123456789abcdef").unwrap();
        let typed = |rows: &[(&str, Option<ProductKind>)]| {
            SheetFacts::of_userids(rows.iter().map(|(u, k)| (&a, *u, *k))).is_typed()
        };
        let (b, i) = (Some(ProductKind::Basic), Some(ProductKind::Interop));
        assert!(typed(&[("u1", b), ("u2", i)]));
        assert!(typed(&[("u1", b), ("u1", i), ("u2", i)])); // one userid marked both ways
        assert!(!typed(&[("u1", None), ("u2", None)]));
        assert!(!typed(&[("u1", b), ("u1", i), ("u2", None)])); // both ways must not hide u2
        assert!(!typed(&[]));
    }
}
