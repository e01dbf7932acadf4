//! Data transfer objects shared by the client and the server: what crosses the wire. Sea-ORM
//! entities never leave the server; they are converted into these.

use serde::{Deserialize, Serialize};

/// The actor types live in the domain (the policy decides on them); they cross the wire as they are.
pub use crate::domain::actor::{Role, SessionUser};

/// A person as a contract shows them (负责人, 审批人, who did what in the timeline).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDto {
    pub id: i64,
    pub display_name: String,
}

/// One level of a contract's approval: who approves it, and what was decided in the current round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproverDto {
    pub level: u32,
    pub level_name: String,
    pub approver: PersonDto,
    /// `approve` / `reject` in the current round, if decided.
    pub decision: Option<String>,
}

/// One entry of a contract's audit trail (时间线): who, when, what, comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: Option<PersonDto>,
    /// `created`, `saved`, `submitted`, `approved`, `rejected`, `withdrawn`, `cancelled`, `fulfilled`.
    pub action: String,
    pub comment: String,
    /// The approval level acted on, for approve / reject.
    pub level: Option<u32>,
}

/// A line's price as the server computed it (报价金额 / 税 / 价格合计).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePriceDto {
    pub amount: crate::domain::Money,
    pub tax: crate::domain::Money,
    pub total: crate::domain::Money,
    pub months: Option<u32>,
}

/// A file uploaded to a contract (付款凭证, userid sheet), as its page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentDto {
    pub id: i64,
    pub kind: crate::domain::attachment::AttachmentKind,
    /// The uploader's file name, made safe when stored.
    pub file_name: String,
    pub size: i64,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

/// Everything the contract form and detail page need, in one piece.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractDto {
    pub id: i64,
    /// `QYWXHT-<n>` once submitted.
    pub document_number: Option<String>,
    pub organisation: PersonDto,
    pub owner: PersonDto,
    pub status: crate::domain::contract::ContractStatus,
    /// Send it back with a save or an action: a stale one is refused (409).
    pub version: i64,
    /// The form as saved.
    pub draft: crate::domain::contract::ContractDraft,
    /// Per line (same order as `draft.lines`), its price when every line could be priced.
    pub line_prices: Vec<Option<LinePriceDto>>,
    pub subtotal: Option<crate::domain::Money>,
    pub tax: Option<crate::domain::Money>,
    pub total: Option<crate::domain::Money>,
    pub price_book_version: Option<String>,
    pub approvers: Vec<ApproverDto>,
    pub timeline: Vec<TimelineEntry>,
    /// Every file uploaded to the contract, oldest first (the draft names which are current).
    pub attachments: Vec<AttachmentDto>,
    /// 开通: WeCom order id and activation date, once fulfilled.
    pub wecom_order_id: Option<String>,
    pub activation_date: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What the caller may do now (by the policy; the status decides the rest).
    pub allowed: Vec<crate::domain::policy::Action>,
}

/// One row of the contract list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractSummary {
    pub id: i64,
    pub document_number: Option<String>,
    pub status: crate::domain::contract::ContractStatus,
    pub end_customer: String,
    pub corp_id: String,
    pub corp_name: String,
    pub owner_user_id: i64,
    pub organisation_id: i64,
    pub total: Option<crate::domain::Money>,
    pub version: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Filters of the contract list; all optional. `search` matches the document number, corp ID or
/// end customer. `cursor` is the `next_cursor` of the previous page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContractFilter {
    /// A `ContractStatus::code()`.
    pub status: Option<String>,
    pub owner: Option<i64>,
    pub organisation: Option<i64>,
    pub corp_id: Option<String>,
    pub search: Option<String>,
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
}

/// One page of the contract list, newest change first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractPage {
    pub items: Vec<ContractSummary>,
    pub next_cursor: Option<String>,
}

/// A level of an approval flow as the form offers it (更换 picks from `candidates`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowLevelDto {
    pub level: u32,
    pub name: String,
    pub default_approver: Option<PersonDto>,
    pub candidates: Vec<PersonDto>,
}

/// An approval flow with its levels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowDto {
    pub id: i64,
    pub name: String,
    pub levels: Vec<FlowLevelDto>,
}

/// A contract waiting for the caller's decision (审批待办), as the inbox lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingItem {
    pub contract_id: i64,
    pub document_number: Option<String>,
    pub end_customer: String,
    pub corp_id: String,
    pub total: Option<crate::domain::Money>,
    /// The pending level (the caller's) and how many the flow has: level k of n.
    pub level: u32,
    pub levels: u32,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: i64,
}

/// A decision the caller made (已处理).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandledItem {
    pub contract_id: i64,
    pub document_number: Option<String>,
    pub end_customer: String,
    pub level: u32,
    /// `approve` or `reject`.
    pub decision: String,
    pub comment: String,
    pub decided_at: chrono::DateTime<chrono::Utc>,
}

/// The approver's inbox: what waits for them (oldest submission first) and what they handled
/// (newest first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub waiting: Vec<WaitingItem>,
    pub handled: Vec<HandledItem>,
}

/// One in-app notification (通知).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationDto {
    pub id: i64,
    /// The event's kind code (`contract.level_reached`, `contract.rejected`, …).
    pub kind: String,
    pub contract_id: Option<i64>,
    pub document_number: Option<String>,
    /// The words that came with it (a reject reason), may be empty.
    pub text: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read: bool,
}

/// The caller's newest notifications and how many are unread.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    pub items: Vec<NotificationDto>,
    pub unread: u64,
}
