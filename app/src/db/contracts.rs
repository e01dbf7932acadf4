//! Order contracts: storing drafts, the approval moves, the list and the detail DTO.
//!
//! Every function here takes the acting user and asks [`crate::domain::policy`] before touching a
//! record (deny by default). Concurrency: every change is an `UPDATE … WHERE id = ? AND version = ?`
//! as the first statement of its transaction, so of two changes from the same version exactly one
//! wins (on SQLite the write lock is taken up front, on PostgreSQL the row lock decides), and the
//! loser gets a 409 that says so, never a silent overwrite.

use super::attachments as db_att;
use super::audit::{self, Detail};
use super::entities::{approval_step, contract, contract_approver, contract_line, organisation, setting, user};
use super::flows;
use super::migration::m20261129_000003_contracts::{CONTRACT_SEQUENCE, INSTALLED_APPS_KEY};
use super::price_books;
use crate::domain::attachment::AttachmentKind;
use crate::domain::contract::attachments::latest;
use crate::domain::contract::{
    ContractAction, ContractDraft, ContractQuote, ContractStatus, CrmManagementType, DocumentNumber, DraftLine,
    PaymentMethod, ProductKind, SheetFacts, SourceOrder, SubmitContext, UploadedFile, check_attachment_refs,
    check_comment, check_fulfilment, check_reject_reason, parse_quantity, paths, price_draft, submit, validate_save,
};
use crate::domain::ids::CorpId;
use crate::domain::money::Money;
use crate::domain::period::parse_date_field;
use crate::domain::policy::{Action, ContractFacts, allows};
use crate::domain::problem::{Problem, indexed};
use crate::domain::quote::{OrderType, parse_whole_number};
use crate::error::AppError;
use crate::models::{
    ApproverDto, AttachmentDto, ContractDto, ContractFilter, ContractPage, ContractSummary, LinePriceDto, PersonDto,
    Role, SessionUser,
};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};

/// The audit subject type of contracts.
pub const SUBJECT: &str = "contract";

/// Now, to the microsecond both databases keep (so a stored time compares equal to itself).
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn stale() -> AppError {
    AppError::conflict(
        "已被他人修改，请刷新后再保存（您的输入未丢失）",
        "Changed by someone else since you loaded it; reload before saving (your input is kept)",
    )
}

fn not_found() -> AppError {
    AppError::not_found("合同", "Contract")
}

fn conflict_of(p: Problem) -> AppError {
    AppError::Conflict { zh: p.zh, en: p.en }
}

fn invalid(problems: Vec<Problem>) -> AppError {
    AppError::Invalid { problems }
}

/// A contract with its lines and per-level approvers.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub row: contract::Model,
    pub lines: Vec<contract_line::Model>,
    pub approvers: Vec<(u32, i64)>,
}

impl Loaded {
    pub fn status(&self) -> ContractStatus {
        status_of(&self.row)
    }

    /// What the policy needs to know.
    pub fn facts(&self) -> ContractFacts {
        ContractFacts {
            organisation_id: self.row.organisation_id,
            owner_user_id: self.row.owner_user_id,
            status: self.status(),
            approvers: self.approvers.clone(),
        }
    }
}

/// The status a contract row is in.
pub fn status_of(row: &contract::Model) -> ContractStatus {
    let level = row.status_level.and_then(|l| u32::try_from(l).ok());
    // The column is only ever written from `ContractStatus::code()`; an unreadable one is treated
    // as the most restrictive state rather than guessed.
    ContractStatus::from_parts(&row.status, level).unwrap_or(ContractStatus::Cancelled)
}

/// Loads a contract, or `None` when there is no such id.
pub async fn load<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Loaded>, DbErr> {
    let Some(row) = contract::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
    let lines = contract_line::Entity::find()
        .filter(contract_line::Column::ContractId.eq(id))
        .order_by_asc(contract_line::Column::Position)
        .all(db)
        .await?;
    let approvers = contract_approver::Entity::find()
        .filter(contract_approver::Column::ContractId.eq(id))
        .order_by_asc(contract_approver::Column::Level)
        .all(db)
        .await?
        .into_iter()
        .map(|a| (u32::try_from(a.level).unwrap_or(0), a.approver_user_id))
        .collect();
    Ok(Some(Loaded { row, lines, approvers }))
}

/// Loads a contract the actor may do `action` to: 404 when it does not exist *or the actor may not
/// read it* (the same answer, so ids cannot be probed), 403 when they may read it but not do this.
pub async fn load_for<C: ConnectionTrait>(
    db: &C,
    actor: &SessionUser,
    id: i64,
    action: Action,
) -> Result<Loaded, AppError> {
    let loaded = load(db, id).await?.ok_or_else(not_found)?;
    let facts = loaded.facts();
    if !allows(Some(actor), Action::Read, &facts) {
        return Err(not_found());
    }
    if allows(Some(actor), action, &facts) { Ok(loaded) } else { Err(AppError::Forbidden) }
}

// ----- draft <-> columns -----

/// A draft's values as they are stored.
struct Columns {
    end_customer: String,
    corp_id: String,
    corp_name: String,
    crm_type: Option<String>,
    lease_url: String,
    payment_method: Option<String>,
    order_type: Option<String>,
    auto_activation: Option<bool>,
    userid_count_matches: Option<bool>,
    order_quantity_matches: Option<bool>,
    installed_app: String,
    api_expiry_date: Option<NaiveDate>,
    remark: String,
    source_kind: &'static str,
    source_contract_id: Option<i64>,
    source_order_number: Option<String>,
    source_service_end: Option<NaiveDate>,
    existing_basic: Option<i64>,
    existing_interop: Option<i64>,
    payment_voucher_id: Option<i64>,
    userid_sheet_id: Option<i64>,
    flow_id: Option<i64>,
    lines: Vec<LineColumns>,
}

struct LineColumns {
    kind: Option<String>,
    quantity: Option<i64>,
    service_start: Option<NaiveDate>,
    service_end: Option<NaiveDate>,
    invoice: Option<bool>,
    negotiated_amount_fen: Option<i64>,
    description: String,
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// Parses what the save rules accepted into column values. The save rules check the same
/// formats, so a problem here is reported the same way, never stored half.
fn columns(d: &ContractDraft) -> Result<Columns, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut date = |field: &str, text: &str, zh: &str, en: &str| -> Option<NaiveDate> {
        if blank(text) {
            return None;
        }
        parse_date_field(field, text.trim(), zh, en).map_err(|p| problems.push(p)).ok()
    };
    let api_expiry_date = date(paths::API_EXPIRY_DATE, &d.api_expiry_date, "企业微信API接口到期日", "API expiry date");
    let (source_kind, source_contract_id, source_order_number, source_service_end) = match &d.source_order {
        SourceOrder::None => ("none", None, None, None),
        SourceOrder::Contract { contract_id, service_end, .. } => ("contract", Some(*contract_id), None, *service_end),
        SourceOrder::External { order_number, service_end } => (
            "external",
            None,
            Some(order_number.trim().to_owned()),
            date(paths::SOURCE_ORDER_END, service_end, "源单服务到期日", "source order's service end date"),
        ),
    };
    let mut lines = Vec::with_capacity(d.lines.len());
    for (i, l) in d.lines.iter().enumerate() {
        let f = |name: &str| indexed(paths::LINES, i, name);
        let quantity = if blank(&l.quantity) {
            None
        } else {
            parse_quantity(&f(paths::QUANTITY), &l.quantity).map_err(|p| problems.push(p)).ok().map(i64::from)
        };
        let mut line_date = |name: &str, text: &str| {
            if blank(text) {
                return None;
            }
            parse_date_field(&f(name), text.trim(), "日期", "date").map_err(|p| problems.push(p)).ok()
        };
        let service_start = line_date(paths::SERVICE_START, &l.service_start);
        let service_end = line_date(paths::SERVICE_END, &l.service_end);
        let negotiated_amount_fen = if blank(&l.negotiated_amount) {
            None
        } else {
            match Money::parse(&l.negotiated_amount) {
                Some(m) => Some(m.fen()),
                None => {
                    problems.push(Problem::error(
                        f(paths::NEGOTIATED_AMOUNT),
                        "amount_invalid",
                        format!("第{}行面议金额不是有效金额", i + 1),
                        format!("Line {}: the negotiated amount is not a valid amount", i + 1),
                    ));
                    None
                }
            }
        };
        lines.push(LineColumns {
            kind: l.kind.map(|k| k.code().to_owned()),
            quantity,
            service_start,
            service_end,
            invoice: l.invoice,
            negotiated_amount_fen,
            description: l.description.clone(),
        });
    }
    let mut count = |field: &str, text: &str| -> Option<i64> {
        if blank(text) {
            return None;
        }
        parse_whole_number(field, text, "已开通账号数", "active accounts")
            .map_err(|p| problems.push(p))
            .ok()
            .map(i64::from)
    };
    let existing_basic = count(paths::EXISTING_BASIC, &d.existing_basic);
    let existing_interop = count(paths::EXISTING_INTEROP, &d.existing_interop);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Columns {
        end_customer: d.end_customer.trim().to_owned(),
        corp_id: d.corp_id.trim().to_lowercase(),
        corp_name: d.corp_name.trim().to_owned(),
        crm_type: d.crm_type.map(|c| c.code().to_owned()),
        lease_url: d.lease_url.trim().to_owned(),
        payment_method: d.payment_method.map(|p| p.code().to_owned()),
        order_type: d.order_type.map(|o| o.code().to_owned()),
        auto_activation: d.auto_activation,
        userid_count_matches: d.userid_count_matches,
        order_quantity_matches: d.order_quantity_matches,
        installed_app: d.installed_app.trim().to_owned(),
        api_expiry_date,
        remark: d.remark.clone(),
        source_kind,
        source_contract_id,
        source_order_number,
        source_service_end,
        existing_basic,
        existing_interop,
        payment_voucher_id: d.payment_voucher,
        userid_sheet_id: d.userid_sheet,
        flow_id: d.approval.flow_id,
        lines,
    })
}

fn set_columns(am: &mut contract::ActiveModel, c: &Columns, owner: i64) {
    am.owner_user_id = Set(owner);
    am.end_customer = Set(c.end_customer.clone());
    am.corp_id = Set(c.corp_id.clone());
    am.corp_name = Set(c.corp_name.clone());
    am.crm_type = Set(c.crm_type.clone());
    am.lease_url = Set(c.lease_url.clone());
    am.payment_method = Set(c.payment_method.clone());
    am.order_type = Set(c.order_type.clone());
    am.auto_activation = Set(c.auto_activation);
    am.userid_count_matches = Set(c.userid_count_matches);
    am.order_quantity_matches = Set(c.order_quantity_matches);
    am.installed_app = Set(c.installed_app.clone());
    am.api_expiry_date = Set(c.api_expiry_date);
    am.remark = Set(c.remark.clone());
    am.source_kind = Set(c.source_kind.to_owned());
    am.source_contract_id = Set(c.source_contract_id);
    am.source_order_number = Set(c.source_order_number.clone());
    am.source_service_end = Set(c.source_service_end);
    am.existing_basic = Set(c.existing_basic);
    am.existing_interop = Set(c.existing_interop);
    am.payment_voucher_id = Set(c.payment_voucher_id);
    am.userid_sheet_id = Set(c.userid_sheet_id);
    am.flow_id = Set(c.flow_id);
}

fn set_totals(am: &mut contract::ActiveModel, q: Option<&ContractQuote>) {
    am.subtotal_fen = Set(q.map(|q| q.subtotal.fen()));
    am.tax_fen = Set(q.map(|q| q.tax.fen()));
    am.total_fen = Set(q.map(|q| q.total.fen()));
    am.invoice = Set(q.map(|q| q.lines.iter().any(|l| l.invoice)));
    am.price_book_version = Set(q.map(|q| q.price_book.clone()));
}

/// Rebuilds the form from the stored columns.
pub fn draft_of(l: &Loaded, source_document: Option<String>) -> ContractDraft {
    let r = &l.row;
    let text = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let date = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    let max_level = l.approvers.iter().map(|(lv, _)| *lv).max().unwrap_or(0) as usize;
    let mut approvers = vec![None; max_level];
    for (lv, u) in &l.approvers {
        if let Some(slot) = approvers.get_mut((*lv as usize).wrapping_sub(1)) {
            *slot = Some(*u);
        }
    }
    ContractDraft {
        document_number: r
            .document_number
            .as_deref()
            .and_then(|n| DocumentNumber::parse(paths::DOCUMENT_NUMBER, n).ok()),
        end_customer: r.end_customer.clone(),
        owner: Some(r.owner_user_id),
        source_order: match r.source_kind.as_str() {
            "contract" => SourceOrder::Contract {
                contract_id: r.source_contract_id.unwrap_or_default(),
                document_number: source_document.and_then(|n| DocumentNumber::parse(paths::DOCUMENT_NUMBER, &n).ok()),
                service_end: r.source_service_end,
            },
            "external" => SourceOrder::External {
                order_number: r.source_order_number.clone().unwrap_or_default(),
                service_end: date(r.source_service_end),
            },
            _ => SourceOrder::None,
        },
        corp_id: r.corp_id.clone(),
        corp_name: r.corp_name.clone(),
        crm_type: r.crm_type.as_deref().and_then(CrmManagementType::from_code),
        lease_url: r.lease_url.clone(),
        payment_method: r.payment_method.as_deref().and_then(PaymentMethod::from_code),
        order_type: r.order_type.as_deref().and_then(OrderType::from_code),
        auto_activation: r.auto_activation,
        userid_count_matches: r.userid_count_matches,
        order_quantity_matches: r.order_quantity_matches,
        installed_app: r.installed_app.clone(),
        api_expiry_date: date(r.api_expiry_date),
        remark: r.remark.clone(),
        payment_voucher: r.payment_voucher_id,
        userid_sheet: r.userid_sheet_id,
        lines: l
            .lines
            .iter()
            .map(|x| DraftLine {
                kind: x.kind.as_deref().and_then(ProductKind::from_code),
                quantity: text(x.quantity),
                service_start: date(x.service_start),
                service_end: date(x.service_end),
                invoice: x.invoice,
                description: x.description.clone(),
                negotiated_amount: x.negotiated_amount_fen.map(|f| Money::from_fen(f).to_string()).unwrap_or_default(),
            })
            .collect(),
        existing_basic: text(r.existing_basic),
        existing_interop: text(r.existing_interop),
        approval: crate::domain::contract::ApprovalChoice { flow_id: r.flow_id, approvers },
    }
}

// ----- shared checks -----

/// Everything about a draft that is checked against the database: the voucher and userid sheet
/// are files uploaded to this contract (`uploaded`; none before it exists), the owner belongs
/// to the organisation, a source contract is one the actor may read (its service end is taken from
/// it), the flow exists and the picked approvers are its candidates. Returns the approvers per
/// level.
async fn check_references<C: ConnectionTrait>(
    db: &C,
    actor: &SessionUser,
    organisation_id: i64,
    uploaded: &[UploadedFile],
    draft: &mut ContractDraft,
    complete: bool,
) -> Result<Vec<(u32, i64)>, AppError> {
    let mut problems = check_attachment_refs(draft, uploaded);
    let owner = draft.owner.unwrap_or(actor.id);
    draft.owner = Some(owner);
    let owner_ok = user::Entity::find_by_id(owner)
        .one(db)
        .await?
        .is_some_and(|u| u.active && u.organisation_id == organisation_id);
    if !owner_ok {
        problems.push(Problem::error(
            paths::OWNER,
            "owner_not_in_organisation",
            "负责人须为本渠道伙伴的在用账号",
            "The owner must be an active user of this partner organisation",
        ));
    }
    if let SourceOrder::Contract { contract_id, document_number, service_end } = &mut draft.source_order {
        match load(db, *contract_id).await? {
            Some(src) if allows(Some(actor), Action::Read, &src.facts()) => {
                *service_end = src.lines.iter().filter_map(|l| l.service_end).max();
                *document_number = src
                    .row
                    .document_number
                    .as_deref()
                    .and_then(|n| DocumentNumber::parse(paths::DOCUMENT_NUMBER, n).ok());
            }
            _ => problems.push(Problem::error(
                paths::SOURCE_ORDER,
                "source_order_not_found",
                "所选源单不存在或无权查看",
                "The chosen source order does not exist or is not yours to see",
            )),
        }
    }
    let mut approvers = Vec::new();
    if let Some(flow_id) = draft.approval.flow_id {
        match flows::find(db, flow_id).await? {
            Some(flow) => match flows::resolve(&flow, &draft.approval, complete) {
                Ok(a) => approvers = a,
                Err(p) => problems.extend(p),
            },
            None => problems.push(Problem::error(
                paths::APPROVAL_FLOW,
                "flow_not_found",
                "所选审批流程不存在",
                "The chosen approval flow does not exist",
            )),
        }
    }
    if problems.is_empty() { Ok(approvers) } else { Err(invalid(problems)) }
}

/// The files uploaded to a contract, oldest first.
async fn uploaded_files<C: ConnectionTrait>(db: &C, contract_id: i64) -> Result<Vec<UploadedFile>, DbErr> {
    Ok(db_att::of_contract(db, contract_id)
        .await?
        .into_iter()
        .filter_map(|a| Some(UploadedFile { id: a.id, kind: AttachmentKind::parse(&a.kind)? }))
        .collect())
}

/// What the userid sheet the draft names says, read from the userids stored when it was uploaded
/// (parsed by the server with the shared sheet reader). `None` when the draft names no sheet, or
/// one that is not the contract's latest (the reference check reports that).
async fn sheet_facts<C: ConnectionTrait>(
    db: &C,
    contract_id: i64,
    uploaded: &[UploadedFile],
    draft: &ContractDraft,
) -> Result<Option<SheetFacts>, DbErr> {
    let Some(sheet) = draft.userid_sheet else { return Ok(None) };
    if latest(uploaded, AttachmentKind::UseridSheet) != Some(sheet) {
        return Ok(None);
    }
    let rows = db_att::userids_of(db, contract_id).await?;
    let corp_ids: Vec<Option<CorpId>> = rows.iter().map(|r| CorpId::parse("", &r.corp_id).ok()).collect();
    Ok(Some(SheetFacts::of_userids(
        rows.iter()
            .zip(&corp_ids)
            .filter_map(|(r, corp)| Some((corp.as_ref()?, r.userid.as_str(), ProductKind::from_code(&r.kind)))),
    )))
}

/// Makes a just-uploaded attachment the contract's voucher or userid sheet (the latest upload of
/// its kind replaces the reference), inside the upload's transaction, while the contract is
/// editable. The version goes up, so a save made from before the upload is refused as stale
/// rather than silently dropping the new reference. Returns the new version, or `None` when the
/// contract is not editable (then nothing changed).
pub async fn link_attachment<C: ConnectionTrait>(
    db: &C,
    id: i64,
    kind: AttachmentKind,
    attachment_id: i64,
) -> Result<Option<i64>, DbErr> {
    let mut am = blank_update();
    match kind {
        AttachmentKind::Voucher => am.payment_voucher_id = Set(Some(attachment_id)),
        AttachmentKind::UseridSheet => am.userid_sheet_id = Set(Some(attachment_id)),
    }
    am.updated_at = Set(now());
    let res = contract::Entity::update_many()
        .set(am)
        .col_expr(contract::Column::Version, Expr::col(contract::Column::Version).add(1))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Status.is_in(ContractStatus::EDITABLE.map(ContractStatus::code)))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    Ok(contract::Entity::find_by_id(id).one(db).await?.map(|r| r.version))
}

async fn installed_apps<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    Ok(setting::Entity::find_by_id(INSTALLED_APPS_KEY.to_owned())
        .one(db)
        .await?
        .and_then(|s| serde_json::from_str::<Vec<String>>(&s.value).ok())
        .unwrap_or_default())
}

async fn replace_children<C: ConnectionTrait>(
    db: &C,
    id: i64,
    c: &Columns,
    priced: Option<&ContractQuote>,
    approvers: &[(u32, i64)],
) -> Result<(), DbErr> {
    contract_line::Entity::delete_many().filter(contract_line::Column::ContractId.eq(id)).exec(db).await?;
    for (i, l) in c.lines.iter().enumerate() {
        let p = priced.and_then(|q| q.lines.get(i));
        contract_line::ActiveModel {
            contract_id: Set(id),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            kind: Set(l.kind.clone()),
            quantity: Set(l.quantity),
            service_start: Set(p.map(|p| p.period.start()).or(l.service_start)),
            service_end: Set(p.map(|p| p.period.end()).or(l.service_end)),
            months: Set(p.and_then(|p| i32::try_from(p.period.months()).ok())),
            invoice: Set(l.invoice),
            amount_fen: Set(p.map(|p| p.amount.fen())),
            tax_fen: Set(p.map(|p| p.tax.fen())),
            total_fen: Set(p.map(|p| p.total.fen())),
            negotiated_amount_fen: Set(l.negotiated_amount_fen),
            description: Set(l.description.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    contract_approver::Entity::delete_many().filter(contract_approver::Column::ContractId.eq(id)).exec(db).await?;
    for (level, user_id) in approvers {
        contract_approver::ActiveModel {
            contract_id: Set(id),
            level: Set(i32::try_from(*level).unwrap_or(i32::MAX)),
            approver_user_id: Set(*user_id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The version-guarded update every change starts with: `Ok(false)` when the contract moved on.
async fn guarded_update<C: ConnectionTrait>(
    db: &C,
    id: i64,
    version: i64,
    mut am: contract::ActiveModel,
) -> Result<bool, DbErr> {
    am.version = Set(version + 1);
    let res = contract::Entity::update_many()
        .set(am)
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

fn blank_update() -> contract::ActiveModel {
    contract::ActiveModel { ..Default::default() }
}

fn set_status(am: &mut contract::ActiveModel, s: ContractStatus, at: DateTime<Utc>) {
    am.status = Set(s.code().to_owned());
    am.status_level = Set(s.level().and_then(|l| i32::try_from(l).ok()));
    am.updated_at = Set(at);
}

fn indicative_price(draft: &ContractDraft, book: &crate::domain::PriceBook) -> Option<ContractQuote> {
    price_draft(draft, book, None).ok()
}

// ----- the operations -----

/// Creates a draft contract in the actor's organisation. Returns its id.
pub async fn create(db: &DatabaseConnection, actor: &SessionUser, mut draft: ContractDraft) -> Result<i64, AppError> {
    let org = actor.organisation_id;
    let facts = ContractFacts { organisation_id: org, owner_user_id: actor.id, ..ContractFacts::default() };
    if !allows(Some(actor), Action::Edit, &facts) {
        return Err(AppError::Forbidden);
    }
    draft.document_number = None;
    let problems = validate_save(&draft);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let approvers = check_references(db, actor, org, &[], &mut draft, false).await?;
    let cols = columns(&draft).map_err(invalid)?;
    let book = price_books::current(db).await?;
    let priced = indicative_price(&draft, &book);
    let at = now();
    let txn = db.begin().await?;
    let mut am = contract::ActiveModel {
        document_number: Set(None),
        organisation_id: Set(org),
        created_by: Set(actor.id),
        version: Set(1),
        approval_round: Set(0),
        created_at: Set(at),
        submitted_at: Set(None),
        wecom_order_id: Set(None),
        activation_date: Set(None),
        ..Default::default()
    };
    set_columns(&mut am, &cols, draft.owner.unwrap_or(actor.id));
    set_totals(&mut am, priced.as_ref());
    set_status(&mut am, ContractStatus::Draft, at);
    let row = am.insert(&txn).await?;
    replace_children(&txn, row.id, &cols, priced.as_ref(), &approvers).await?;
    audit::record(&txn, at, Some(actor.id), "created", SUBJECT, row.id, &Detail::default()).await?;
    txn.commit().await?;
    Ok(row.id)
}

/// Saves a draft (保存) over `version`. Refused with 409 when someone changed it since.
pub async fn save(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
    version: i64,
    mut draft: ContractDraft,
) -> Result<(), AppError> {
    let l = load_for(db, actor, id, Action::Edit).await?;
    let status = l.status();
    if !status.is_editable() {
        return Err(not_editable(status));
    }
    if l.row.version != version {
        return Err(stale());
    }
    let problems = validate_save(&draft);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let uploaded = uploaded_files(db, id).await?;
    let approvers = check_references(db, actor, l.row.organisation_id, &uploaded, &mut draft, false).await?;
    let cols = columns(&draft).map_err(invalid)?;
    let book = price_books::current(db).await?;
    let priced = indicative_price(&draft, &book);
    let at = now();
    let txn = db.begin().await?;
    let mut am = blank_update();
    set_columns(&mut am, &cols, draft.owner.unwrap_or(l.row.owner_user_id));
    set_totals(&mut am, priced.as_ref());
    am.updated_at = Set(at);
    if !guarded_update(&txn, id, version, am).await? {
        return Err(stale());
    }
    replace_children(&txn, id, &cols, priced.as_ref(), &approvers).await?;
    audit::record(&txn, at, Some(actor.id), "saved", SUBJECT, id, &Detail::default()).await?;
    txn.commit().await?;
    Ok(())
}

/// The answer to a change of a contract whose status does not allow it.
pub fn not_editable(status: ContractStatus) -> AppError {
    use crate::domain::problem::Lang;
    AppError::Conflict {
        zh: format!("合同当前为“{}”，不能修改", status.label(Lang::Zh)),
        en: format!("The contract is {} and cannot be edited", status.label(Lang::En)),
    }
}

/// Saves and submits for approval (保存并提交审批): the submit rules, the lines repriced by the
/// server's quote engine (amounts sent by the client are never used), the document number on the
/// first submission, and level 1 of a new approval round.
pub async fn submit_contract(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
    version: i64,
    mut draft: ContractDraft,
) -> Result<(), AppError> {
    let l = load_for(db, actor, id, Action::Submit).await?;
    let next = l.status().apply(ContractAction::Submit).map_err(conflict_of)?;
    if l.row.version != version {
        return Err(stale());
    }
    draft.document_number = None;
    let book = price_books::current(db).await?;
    let apps = installed_apps(db).await?;
    // The sheet rules (PRODUCT.md §3 rules 2 and 5) read the userids stored from the sheet the
    // draft names, never counts the client sent.
    let uploaded = uploaded_files(db, id).await?;
    let sheet = sheet_facts(db, id, &uploaded, &draft).await?;
    let ctx = SubmitContext { book: &book, installed_apps: &apps, sheet: sheet.as_ref() };
    let mut problems = match submit(&draft, &ctx) {
        Ok(_) => Vec::new(),
        Err(p) => p.into_iter().filter(Problem::is_error).collect(),
    };
    let approvers = match check_references(db, actor, l.row.organisation_id, &uploaded, &mut draft, true).await {
        Ok(a) => a,
        Err(AppError::Invalid { problems: p }) => {
            problems.extend(p);
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    // Again, now with the source order's stored service end filled in.
    let submission = submit(&draft, &ctx).map_err(|p| invalid(p.into_iter().filter(Problem::is_error).collect()))?;
    let cols = columns(&draft).map_err(invalid)?;
    let at = now();
    let txn = db.begin().await?;
    let mut am = blank_update();
    set_columns(&mut am, &cols, draft.owner.unwrap_or(l.row.owner_user_id));
    am.corp_id = Set(submission.corp_id.to_string());
    am.userid_count_matches = Set(submission.quote.userid_count_matches.or(draft.userid_count_matches));
    set_totals(&mut am, Some(&submission.quote));
    set_status(&mut am, next, at);
    am.approval_round = Set(l.row.approval_round + 1);
    am.submitted_at = Set(Some(at));
    if !guarded_update(&txn, id, version, am).await? {
        return Err(stale());
    }
    if l.row.document_number.is_none() {
        let number = next_document_number(&txn).await?;
        let mut am = blank_update();
        am.document_number = Set(Some(number.to_string()));
        contract::Entity::update_many().set(am).filter(contract::Column::Id.eq(id)).exec(&txn).await?;
    }
    replace_children(&txn, id, &cols, Some(&submission.quote), &approvers).await?;
    let detail = Detail { to: Some(next.code().to_owned()), from: Some(l.row.status.clone()), ..Detail::default() };
    audit::record(&txn, at, Some(actor.id), "submitted", SUBJECT, id, &detail).await?;
    txn.commit().await?;
    Ok(())
}

/// Takes the next contract number inside the caller's transaction: one atomic
/// `UPDATE … RETURNING`, so concurrent submissions never share a number (row lock on PostgreSQL,
/// the database write lock on SQLite), and a rolled-back submission's number is never reused
/// by another because the increment rolls back with it.
async fn next_document_number<C: ConnectionTrait>(db: &C) -> Result<DocumentNumber, AppError> {
    let sql = format!(
        "UPDATE document_sequences SET next_value = next_value + 1 WHERE name = '{CONTRACT_SEQUENCE}' RETURNING next_value"
    );
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| AppError::internal("document number", "sequence row missing"))?;
    let next: i64 = row.try_get("", "next_value")?;
    u64::try_from(next - 1)
        .ok()
        .and_then(DocumentNumber::new)
        .ok_or_else(|| AppError::internal("document number", format!("sequence value {next} out of range")))
}

/// A move other than submission.
#[derive(Clone, Debug)]
pub enum Move {
    Withdraw { comment: String },
    Cancel { comment: String },
    Approve { comment: String },
    Reject { reason: String },
    Fulfil { wecom_order_id: String, activation_date: String, api_expiry_date: String },
}

impl Move {
    fn action(&self) -> Action {
        match self {
            Move::Withdraw { .. } => Action::Withdraw,
            Move::Cancel { .. } => Action::Cancel,
            Move::Approve { .. } => Action::Approve,
            Move::Reject { .. } => Action::Reject,
            Move::Fulfil { .. } => Action::Fulfil,
        }
    }

    fn audit_name(&self) -> &'static str {
        match self {
            Move::Withdraw { .. } => "withdrawn",
            Move::Cancel { .. } => "cancelled",
            Move::Approve { .. } => "approved",
            Move::Reject { .. } => "rejected",
            Move::Fulfil { .. } => "fulfilled",
        }
    }
}

/// Withdraws, cancels, approves, rejects or fulfils a contract loaded at `version`.
pub async fn act(db: &DatabaseConnection, actor: &SessionUser, id: i64, version: i64, m: Move) -> Result<(), AppError> {
    let l = load(db, id).await?.ok_or_else(not_found)?;
    let facts = l.facts();
    let status = l.status();
    let levels = u32::try_from(l.approvers.len()).unwrap_or(u32::MAX);
    let action = match &m {
        Move::Withdraw { .. } => ContractAction::Withdraw,
        Move::Cancel { .. } => ContractAction::Cancel,
        Move::Approve { .. } | Move::Reject { .. } => {
            // An assigned approver whose level is not (or no longer) pending is told it was handled.
            let own_level = match status.level() {
                Some(level) if facts.current_approver() == Some(actor.id) => level,
                _ => facts.approvers.iter().find(|(_, u)| *u == actor.id).map_or(0, |(lv, _)| *lv),
            };
            if matches!(m, Move::Approve { .. }) {
                ContractAction::Approve { level: own_level, levels }
            } else {
                ContractAction::Reject { level: own_level }
            }
        }
        Move::Fulfil { .. } => ContractAction::Fulfil,
    };
    if !allows(Some(actor), m.action(), &facts) {
        let assigned_elsewhere = matches!(m, Move::Approve { .. } | Move::Reject { .. })
            && allows(Some(actor), Action::Read, &facts)
            && facts.is_assigned(actor.id)
            && actor.role != Role::Partner;
        if assigned_elsewhere {
            let p = status.apply(action).err();
            return Err(p.map_or(AppError::Forbidden, conflict_of));
        }
        if !allows(Some(actor), Action::Read, &facts) {
            return Err(not_found());
        }
        return Err(AppError::Forbidden);
    }
    let next = status.apply(action).map_err(conflict_of)?;
    let at = now();
    let mut am = blank_update();
    set_status(&mut am, next, at);
    let mut detail =
        Detail { from: Some(status.code().to_owned()), to: Some(next.code().to_owned()), ..Detail::default() };
    match &m {
        Move::Withdraw { comment } | Move::Cancel { comment } | Move::Approve { comment } => {
            check_comment(comment).map_err(|p| invalid(vec![p]))?;
            detail.comment = comment.trim().to_owned();
        }
        Move::Reject { reason } => {
            check_reject_reason(reason).map_err(|p| invalid(vec![p]))?;
            detail.comment = reason.trim().to_owned();
        }
        Move::Fulfil { wecom_order_id, activation_date, api_expiry_date } => {
            let done = check_fulfilment(wecom_order_id, activation_date, api_expiry_date).map_err(invalid)?;
            am.wecom_order_id = Set(Some(done.wecom_order_id));
            am.activation_date = Set(Some(done.activation_date));
            if done.api_expiry_date.is_some() {
                am.api_expiry_date = Set(done.api_expiry_date);
            }
        }
    }
    if let ContractAction::Approve { level, .. } | ContractAction::Reject { level } = action {
        detail.level = Some(level);
    }
    let txn = db.begin().await?;
    if l.row.version != version || !guarded_update(&txn, id, version, am).await? {
        return Err(match action {
            ContractAction::Approve { .. } | ContractAction::Reject { .. } => already_handled(),
            _ => stale(),
        });
    }
    if let ContractAction::Approve { level, .. } | ContractAction::Reject { level } = action {
        let step = approval_step::ActiveModel {
            contract_id: Set(id),
            round: Set(l.row.approval_round),
            level: Set(i32::try_from(level).unwrap_or(i32::MAX)),
            approver_user_id: Set(actor.id),
            decision: Set(if matches!(m, Move::Approve { .. }) { "approve" } else { "reject" }.to_owned()),
            comment: Set(detail.comment.clone()),
            decided_at: Set(at),
            ..Default::default()
        };
        if let Err(e) = step.insert(&txn).await {
            return Err(match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => already_handled(),
                _ => e.into(),
            });
        }
    }
    audit::record(&txn, at, Some(actor.id), m.audit_name(), SUBJECT, id, &detail).await?;
    if !next.awaits_payment() {
        // Cancelled or approved: its payment links take no more vouchers, and say so in the data.
        crate::db::attachments::revoke_links_of_contract(&txn, id, at, actor.id).await?;
    }
    txn.commit().await?;
    Ok(())
}

fn already_handled() -> AppError {
    AppError::conflict(
        "此审批已被处理，请刷新后查看合同的当前状态",
        "This approval was already handled; reload to see where the contract stands",
    )
}

// ----- reading -----

/// The detail DTO of a contract the actor may read.
pub async fn get(db: &DatabaseConnection, actor: &SessionUser, id: i64) -> Result<ContractDto, AppError> {
    let l = load_for(db, actor, id, Action::Read).await?;
    dto(db, actor, &l).await
}

async fn dto<C: ConnectionTrait>(db: &C, actor: &SessionUser, l: &Loaded) -> Result<ContractDto, AppError> {
    let r = &l.row;
    let source_document = match r.source_contract_id {
        Some(sid) => contract::Entity::find_by_id(sid).one(db).await?.and_then(|s| s.document_number),
        None => None,
    };
    let names = audit::people(db, l.approvers.iter().map(|(_, u)| *u).chain([r.owner_user_id])).await?;
    let person = |id: i64| names.get(&id).cloned().unwrap_or(PersonDto { id, display_name: String::new() });
    let level_names = match r.flow_id {
        Some(f) => flows::level_names(db, f).await?,
        None => Vec::new(),
    };
    let steps = approval_step::Entity::find()
        .filter(approval_step::Column::ContractId.eq(r.id))
        .filter(approval_step::Column::Round.eq(r.approval_round))
        .all(db)
        .await?;
    let approvers = l
        .approvers
        .iter()
        .map(|(level, u)| ApproverDto {
            level: *level,
            level_name: level_names.iter().find(|(n, _)| n == level).map(|(_, s)| s.clone()).unwrap_or_default(),
            approver: person(*u),
            decision: steps.iter().find(|s| u32::try_from(s.level).ok() == Some(*level)).map(|s| s.decision.clone()),
        })
        .collect();
    let org = organisation::Entity::find_by_id(r.organisation_id).one(db).await?;
    let facts = l.facts();
    let priced = l.lines.iter().all(|x| x.amount_fen.is_some()) && !l.lines.is_empty();
    Ok(ContractDto {
        id: r.id,
        document_number: r.document_number.clone(),
        organisation: PersonDto { id: r.organisation_id, display_name: org.map(|o| o.name).unwrap_or_default() },
        owner: person(r.owner_user_id),
        status: l.status(),
        version: r.version,
        draft: draft_of(l, source_document),
        line_prices: l
            .lines
            .iter()
            .map(|x| match (priced, x.amount_fen, x.tax_fen, x.total_fen) {
                (true, Some(a), Some(t), Some(s)) => Some(LinePriceDto {
                    amount: Money::from_fen(a),
                    tax: Money::from_fen(t),
                    total: Money::from_fen(s),
                    months: x.months.and_then(|m| u32::try_from(m).ok()),
                }),
                _ => None,
            })
            .collect(),
        subtotal: r.subtotal_fen.map(Money::from_fen),
        tax: r.tax_fen.map(Money::from_fen),
        total: r.total_fen.map(Money::from_fen),
        price_book_version: r.price_book_version.clone(),
        approvers,
        timeline: audit::timeline(db, SUBJECT, r.id).await?,
        attachments: db_att::of_contract(db, r.id)
            .await?
            .into_iter()
            .filter_map(|a| {
                Some(AttachmentDto {
                    id: a.id,
                    kind: AttachmentKind::parse(&a.kind)?,
                    file_name: a.file_name,
                    size: a.size,
                    uploaded_at: a.created_at,
                })
            })
            .collect(),
        wecom_order_id: r.wecom_order_id.clone(),
        activation_date: r.activation_date,
        created_at: r.created_at,
        updated_at: r.updated_at,
        submitted_at: r.submitted_at,
        allowed: Action::ALL.into_iter().filter(|a| allows(Some(actor), *a, &facts)).collect(),
    })
}

const DEFAULT_PAGE: u64 = 20;
const MAX_PAGE: u64 = 100;

fn cursor_of(at: DateTime<Utc>, id: i64) -> String {
    format!("{}_{}", at.timestamp_micros(), id)
}

fn parse_cursor(s: &str) -> Option<(DateTime<Utc>, i64)> {
    let (t, id) = s.split_once('_')?;
    Some((DateTime::from_timestamp_micros(t.parse().ok()?)?, id.parse().ok()?))
}

/// The contracts the actor may see, filtered, newest change first, one page after `cursor`.
pub async fn list(db: &DatabaseConnection, actor: &SessionUser, f: &ContractFilter) -> Result<ContractPage, AppError> {
    let mut cond = Condition::all();
    match actor.role {
        Role::Admin => {}
        Role::Partner => cond = cond.add(contract::Column::OrganisationId.eq(actor.organisation_id)),
        Role::Approver => {
            cond = cond.add(contract::Column::Status.ne(ContractStatus::Draft.code())).add(
                contract::Column::Id.in_subquery(
                    Query::select()
                        .column(contract_approver::Column::ContractId)
                        .from(contract_approver::Entity)
                        .and_where(Expr::col(contract_approver::Column::ApproverUserId).eq(actor.id))
                        .to_owned(),
                ),
            )
        }
    }
    let mut problems = Vec::new();
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        if ContractStatus::from_parts(s, Some(1)).is_none() {
            problems.push(Problem::error("status", "unknown_status", "未知的合同状态", "Unknown contract status"));
        }
        cond = cond.add(contract::Column::Status.eq(s));
    }
    if let Some(o) = f.owner {
        cond = cond.add(contract::Column::OwnerUserId.eq(o));
    }
    if let Some(o) = f.organisation {
        cond = cond.add(contract::Column::OrganisationId.eq(o));
    }
    if let Some(c) = f.corp_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        cond = cond.add(contract::Column::CorpId.eq(c.to_lowercase()));
    }
    if let Some(q) = f.search.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > 100 {
            problems.push(Problem::error("search", "too_long", "搜索词最多100个字符", "Search at most 100 characters"));
        }
        let escaped: String =
            q.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
        let like = |col: contract::Column, text: &str| {
            Expr::col(col).like(sea_orm::sea_query::LikeExpr::new(format!("%{text}%")).escape('\\'))
        };
        cond = cond.add(
            Condition::any()
                .add(like(contract::Column::DocumentNumber, &escaped.to_uppercase()))
                .add(like(contract::Column::CorpId, &escaped.to_lowercase()))
                .add(like(contract::Column::EndCustomer, &escaped))
                .add(like(contract::Column::CorpName, &escaped)),
        );
    }
    if let Some(c) = f.cursor.as_deref().filter(|c| !c.is_empty()) {
        match parse_cursor(c) {
            Some((at, id)) => {
                cond = cond.add(
                    Condition::any()
                        .add(contract::Column::UpdatedAt.lt(at))
                        .add(Condition::all().add(contract::Column::UpdatedAt.eq(at)).add(contract::Column::Id.lt(id))),
                )
            }
            None => problems.push(Problem::error(
                "cursor",
                "invalid",
                "翻页标记无效，请从第一页开始",
                "Invalid page cursor; start from the first page",
            )),
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let limit = f.limit.map_or(DEFAULT_PAGE, u64::from).clamp(1, MAX_PAGE);
    let mut rows = contract::Entity::find()
        .filter(cond)
        .order_by_desc(contract::Column::UpdatedAt)
        .order_by_desc(contract::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more { rows.last().map(|r| cursor_of(r.updated_at, r.id)) } else { None };
    Ok(ContractPage {
        items: rows
            .into_iter()
            .map(|r| ContractSummary {
                status: status_of(&r),
                id: r.id,
                document_number: r.document_number,
                end_customer: r.end_customer,
                corp_id: r.corp_id,
                corp_name: r.corp_name,
                owner_user_id: r.owner_user_id,
                organisation_id: r.organisation_id,
                total: r.total_fen.map(Money::from_fen),
                version: r.version,
                updated_at: r.updated_at,
            })
            .collect(),
        next_cursor,
    })
}
