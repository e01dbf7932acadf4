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
    /// For `attachment.upload`: which file, of what kind, and whether a customer sent it through a
    /// payment link (then there is no actor: the timeline says "客户（付款链接）").
    #[serde(default)]
    pub file: Option<TimelineFile>,
}

impl TimelineEntry {
    /// Who did it, in words: the actor's name, or 客户（付款链接） for a customer's upload through a
    /// payment link (no account), else empty (the system).
    pub fn who(&self, lang: crate::domain::problem::Lang) -> String {
        match (&self.actor, &self.file) {
            (Some(a), _) => a.display_name.clone(),
            (None, Some(f)) if f.via_payment_link => {
                lang.pick("客户（付款链接）", "The customer (payment link)").to_owned()
            }
            _ => String::new(),
        }
    }

    /// What was done, in words: `驳回`, `上传了付款凭证“凭证.pdf”`, `创建了付款链接`.
    pub fn what(&self, lang: crate::domain::problem::Lang) -> String {
        if let Some(f) = &self.file {
            let kind = crate::domain::attachment::AttachmentKind::from_code(&f.kind);
            let kind = kind.map_or("", |k| lang.pick(k.zh(), k.en()));
            return match (lang, f.removed) {
                (crate::domain::problem::Lang::Zh, false) => format!("上传了{kind}“{}”", f.file_name),
                (crate::domain::problem::Lang::En, false) => format!("uploaded the {kind} \"{}\"", f.file_name),
                (crate::domain::problem::Lang::Zh, true) => format!("移除了{kind}“{}”", f.file_name),
                (crate::domain::problem::Lang::En, true) => format!("removed the {kind} \"{}\"", f.file_name),
            };
        }
        let (zh, en) = match self.action.as_str() {
            "created" => ("创建", "created"),
            "saved" => ("保存", "saved"),
            "submitted" => ("提交审批", "submitted for approval"),
            "approved" => ("同意", "approved"),
            "rejected" => ("驳回", "rejected"),
            "withdrawn" => ("撤回", "withdrew"),
            "cancelled" => ("作废", "cancelled"),
            "fulfilled" => ("开通", "recorded the fulfilment"),
            "payment_link.created" => ("创建了付款链接", "created a payment link"),
            "payment_link.revoked" => ("撤销了付款链接", "revoked a payment link"),
            "organisation.created" => ("新建机构", "created an organisation"),
            "user.created" => ("新建用户", "created a user"),
            "user.created_admin" => ("新建管理员（命令行）", "created an administrator (command line)"),
            "user.updated" => ("修改用户", "changed a user"),
            "user.deactivated" => ("停用用户", "deactivated a user"),
            "user.reactivated" => ("重新启用用户", "reactivated a user"),
            "user.password_reset" => ("重置密码", "reset a password"),
            "user.password_changed" => ("修改了自己的密码", "changed their password"),
            "price_book.created" => ("新建价格表版本", "created a price book version"),
            "price_book.updated" => ("修改价格表版本", "changed a price book version"),
            "price_book.deleted" => ("删除价格表版本", "deleted a price book version"),
            "flow.updated" => ("修改审批流程", "changed an approval flow"),
            "settings.updated" => ("修改系统设置", "changed the settings"),
            "settings.wechat_qr" => ("更新微信收款码", "changed the WeChat QR code"),
            "settings.robot_test" => ("发送群机器人测试消息", "sent the group robot a test message"),
            _ => ("操作", "acted"),
        };
        lang.pick(zh, en).to_owned()
    }
}

/// The file an `attachment.upload` entry of the timeline is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineFile {
    /// An `AttachmentKind` code (`voucher`, `userid_sheet`, `other`).
    pub kind: String,
    pub file_name: String,
    pub via_payment_link: bool,
    /// An `attachment.removed` entry: the file was removed rather than uploaded (absent for an
    /// upload).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
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
    /// The type read from its bytes at upload (`image/png`, `application/pdf`, …).
    #[serde(default)]
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
    /// Sent by the customer through a payment link (a voucher the partner has not named yet).
    #[serde(default)]
    pub via_payment_link: bool,
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
    /// What the server read from the current userid sheet (its stored userids, counted), for
    /// the approver's summary; `None` without one.
    #[serde(default)]
    pub sheet: Option<crate::domain::contract::SheetFacts>,
}

/// One row of the contract list (and of its export).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractSummary {
    pub id: i64,
    pub document_number: Option<String>,
    pub status: crate::domain::contract::ContractStatus,
    pub end_customer: String,
    pub corp_id: String,
    pub corp_name: String,
    pub order_type: Option<crate::domain::OrderType>,
    pub owner: PersonDto,
    pub organisation: PersonDto,
    pub total: Option<crate::domain::Money>,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The list's filters, sort and page, as text (the URL's query); see `domain::contract::list`.
pub use crate::domain::contract::list::ContractFilter;

/// One page of the contract list, in the filter's sort, with the totals of every row the filter
/// admits (all pages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractPage {
    pub items: Vec<ContractSummary>,
    pub next_cursor: Option<String>,
    /// How many contracts the filter admits; with `capped`, a lower bound.
    pub count: u64,
    /// The sum of their totals (unpriced drafts count nothing); 0 with `capped` (not counted).
    pub sum: crate::domain::Money,
    /// A search held by more contracts than it counts (1,000): there are more than `count`, and
    /// their sum is not known.
    #[serde(default)]
    pub capped: bool,
}

/// What the list's owner and organisation filters offer: the owners of the contracts the caller
/// may see, and (for an admin) their organisations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListChoices {
    pub owners: Vec<PersonDto>,
    pub organisations: Vec<PersonDto>,
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
    /// The server's clock when it answered: how long each contract has waited is measured to it
    /// (the same on the server-rendered page and in the browser).
    #[serde(default)]
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
}

/// One in-app notification (通知).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationDto {
    pub id: i64,
    /// The event's kind code (`contract.level_reached`, `contract.rejected`, …).
    pub kind: String,
    pub contract_id: Option<i64>,
    pub document_number: Option<String>,
    /// 最终用户 of the contract, as it is now (empty when unknown).
    #[serde(default)]
    pub end_customer: String,
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

/// The navigation bar's two counts: contracts waiting for the caller's decision, unread
/// notifications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskCounts {
    pub waiting: u64,
    pub unread: u64,
}

/// A fulfilled contract whose API expiry date (企业微信API接口到期日) falls within the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalItem {
    pub contract_id: i64,
    pub document_number: Option<String>,
    pub end_customer: String,
    pub corp_id: String,
    pub corp_name: String,
    pub owner: PersonDto,
    pub total: Option<crate::domain::Money>,
    pub api_expiry_date: chrono::NaiveDate,
    /// Days from today (China) to the expiry date.
    pub days_left: i64,
}

/// The renewals page (续期提醒): contracts falling due within `window` days, soonest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewals {
    pub window: u32,
    pub items: Vec<RenewalItem>,
    /// Whether the caller may start a renewal contract (a partner).
    pub may_renew: bool,
}

/// A renewal contract to start from (`/contracts/new?renew=<id>`): the prefilled form and the
/// number of the contract it renews.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalStart {
    pub draft: crate::domain::contract::ContractDraft,
    pub source_number: Option<String>,
    pub source_id: i64,
    /// How many userids the source's sheet holds: they become the renewal's userid sheet (the
    /// form uploads `/contracts/<source_id>/userids.xlsx` when it first saves).
    #[serde(default)]
    pub source_userids: usize,
}

/// The admin's audit search (审计): every filter optional. `user` matches a username or display
/// name; `contract` is a document number (`QYWXHT-12`) or a contract id; `from` / `to` are dates
/// (China), both included; `cursor` is the previous page's `next_cursor`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub user: Option<String>,
    pub contract: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub cursor: Option<String>,
}

/// One event of the audit trail, as the search lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub entry: TimelineEntry,
    /// The contract it is about, when it is about one.
    pub contract_id: Option<i64>,
    pub document_number: Option<String>,
}

/// A page of the audit search, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// The enterprise's accounts active on a day, by kind, from its earlier orders: what
/// 已有基础账号数 / 已有互通账号数 suggest (`domain::contract::history`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveAccountsDto {
    pub basic: crate::domain::contract::history::ActiveAccounts,
    pub interop: crate::domain::contract::history::ActiveAccounts,
}

/// 选择源单: an approved or fulfilled contract a new one can start from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCandidate {
    pub id: i64,
    pub document_number: Option<String>,
    pub end_customer: String,
    pub corp_id: String,
    pub status: crate::domain::contract::ContractStatus,
    /// Its API expiry date, else the last day its lines run to.
    pub service_end: Option<chrono::NaiveDate>,
}

// ---- The admin console (管理后台) ----------------------------------------------------------------

/// A user as the admin's list shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub active: bool,
    pub must_change_password: bool,
    pub wecom_userid: Option<String>,
    /// When the account was made, Beijing time (`YYYY-MM-DD HH:MM`).
    pub created_at: String,
}

/// An organisation (机构: a channel partner, or the seller's own team) with its user count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOrganisation {
    pub id: i64,
    pub name: String,
    pub users: u64,
}

/// The users page: the users matching the search, and every organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUsersPage {
    pub users: Vec<AdminUser>,
    pub organisations: Vec<AdminOrganisation>,
}

/// A new user as the admin types it. The password is made by the server and shown once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub organisation_id: Option<i64>,
    /// Their WeCom userid, for the group robot's mentions; blank: none.
    pub wecom_userid: String,
}

/// A user's editable details: display name, role, WeCom userid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEdit {
    pub id: i64,
    pub display_name: String,
    pub role: Role,
    pub wecom_userid: String,
}

/// A one-time temporary password, shown to the admin once; the user must replace it at sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemporaryPassword {
    pub user: AdminUser,
    pub password: String,
}

/// Where an approver about to be deactivated is a flow level's default (they need a replacement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultAt {
    pub flow_id: i64,
    pub flow_name: String,
    pub level: u32,
    pub level_name: String,
}

/// One stored price book version with what may be done to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBookVersion {
    pub id: i64,
    pub book: crate::domain::PriceBook,
    /// The version in effect today.
    pub in_effect: bool,
    /// Not in effect yet: it may still be changed or deleted. Versions in effect or past are
    /// read-only.
    pub editable: bool,
}

/// The price book page: every version (oldest first) and today's date in Beijing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBooksPage {
    pub versions: Vec<PriceBookVersion>,
    pub today: chrono::NaiveDate,
}

/// The flows page: every flow with its levels, and who may stand in a level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowsPage {
    pub flows: Vec<FlowDto>,
    /// Active approvers and admins.
    pub approvers: Vec<PersonDto>,
}

/// The settings page: the form's values as stored (or their defaults), and what cannot be typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPage {
    /// The values; `robot_webhook` is `None` (a secret the page never receives back).
    pub form: crate::domain::admin::SettingsForm,
    /// The robot's webhook with its key hidden, and whether it comes from the admin or the
    /// environment (`WECOM_ROBOT_WEBHOOK`); `None`: no robot.
    pub robot_webhook_masked: Option<String>,
    pub robot_webhook_from_env: bool,
    /// The WeChat QR image's address, when one is set.
    pub wechat_qr: Option<String>,
    /// The largest QR image accepted, in bytes.
    pub max_qr_bytes: u64,
    /// The tax rate lives with the price book (it is versioned with the prices): today's.
    pub tax_rate: rust_decimal::Decimal,
}

/// The answer to "send a test message" to the group robot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotTestResult {
    pub ok: bool,
    /// What WeCom (or the network) answered, in words.
    pub detail: String,
}

/// The contract page's view of its fulfilment through WeCom's license API (`wecom/job`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WecomJobDto {
    /// The server is configured for WeCom's API (`WECOM_PROVIDER_*`); otherwise fulfilment is
    /// manual only.
    pub enabled: bool,
    /// What the caller may do now: 向企业微信下单, 重试, 改为手动开通.
    pub can_start: bool,
    pub can_retry: bool,
    pub can_manual: bool,
    pub job: Option<WecomJobView>,
}

/// A job as shown: where it stands, WeCom's order and price beside ours, each userid's result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WecomJobView {
    /// `domain::wecom::JobState::code`, and in words.
    pub state: String,
    pub state_zh: String,
    pub state_en: String,
    pub order_id: Option<String>,
    /// WeCom's order status in words (`待支付`, …), once read.
    pub order_status_zh: Option<String>,
    pub order_status_en: Option<String>,
    pub wecom_price_fen: Option<i64>,
    pub our_price_fen: Option<i64>,
    /// WeCom's price is known and is not ours.
    pub price_differs: bool,
    /// Why it stopped, in words.
    pub error_zh: Option<String>,
    pub error_en: Option<String>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub activated: u32,
    pub failed: u32,
    pub pending: u32,
    pub accounts: Vec<WecomAccountView>,
}

/// One userid's result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WecomAccountView {
    pub userid: String,
    /// `basic` or `interop`.
    pub kind: String,
    /// `pending`, `active` or `failed`.
    pub state: String,
    pub active_code: Option<String>,
    /// The account's expiry day in Beijing time.
    pub expire_date: Option<chrono::NaiveDate>,
    pub reason_zh: Option<String>,
    pub reason_en: Option<String>,
}
