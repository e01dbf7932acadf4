//! Order contracts in the database: loading a contract, mapping a typed draft to its columns and
//! back, the version-guarded update every change starts with, lines, approvers, approval steps and
//! the document number. Queries only: who may do what, and the rules, are the services' and the
//! domain's (`services::contracts`, `services::approvals`).
//!
//! Concurrency: every change is an `UPDATE … WHERE id = ? AND version = ?` as the first statement
//! of its transaction, so of two changes from the same version exactly one wins (on SQLite the
//! write lock is taken up front, on PostgreSQL the row lock decides).

use super::attachments as db_att;
use super::entities::{approval_step, attachment, contract, contract_approver, contract_line};
use crate::domain::attachment::AttachmentKind;
use crate::domain::contract::{
    ContractDraft, ContractLineQuote, ContractQuote, ContractStatus, CrmManagementType, DocumentNumber, DraftLine,
    PaymentMethod, ProductKind, SheetFacts, SourceOrder, TypedDraft, TypedLine, TypedSource, UploadedFile, paths,
};
use crate::domain::ids::CorpId;
use crate::domain::money::Money;
use crate::domain::policy::ContractFacts;
use crate::domain::quote::OrderType;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QueryTrait, Set,
    Statement,
};

/// The audit subject type of contracts.
pub const SUBJECT: &str = "contract";
/// The sequence row that numbers contracts (`QYWXHT-<n>`).
pub const CONTRACT_SEQUENCE: &str = "contract";

/// A contract with its lines and per-level approvers.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub row: contract::Model,
    pub lines: Vec<contract_line::Model>,
    pub approvers: Vec<(u32, i64)>,
    /// The levels' names kept at submission (a draft has none: it shows the flow's own).
    pub kept_level_names: Vec<(u32, String)>,
    /// The highest level anyone decided at, in any round (0: none).
    pub highest_decided: u32,
    /// The approvers' decisions of every round, oldest first.
    pub steps: Vec<approval_step::Model>,
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
            reached_level: crate::domain::policy::reached_level(
                self.status(),
                self.approvers.iter().map(|(l, _)| *l).max().unwrap_or(0),
                self.highest_decided,
            ),
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

/// A contract's row alone (no lines, no approvers): enough for its status.
pub async fn row<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<contract::Model>, DbErr> {
    contract::Entity::find_by_id(id).one(db).await
}

/// Loads a contract, or `None` when there is no such id.
pub async fn load<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Loaded>, DbErr> {
    let Some(row) = contract::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
    let lines = lines_of(db, id).await?;
    let approver_rows = contract_approver::Entity::find()
        .filter(contract_approver::Column::ContractId.eq(id))
        .order_by_asc(contract_approver::Column::Level)
        .all(db)
        .await?;
    let level = |a: &contract_approver::Model| u32::try_from(a.level).unwrap_or(0);
    let kept_level_names =
        approver_rows.iter().filter_map(|a| a.level_name.clone().map(|name| (level(a), name))).collect();
    let approvers = approver_rows.iter().map(|a| (level(a), a.approver_user_id)).collect();
    // Decisions are made in an approval round; a contract never submitted (round 0) has none,
    // and most saves are of such drafts: one statement less for them.
    let steps = if row.approval_round == 0 {
        Vec::new()
    } else {
        approval_step::Entity::find()
            .filter(approval_step::Column::ContractId.eq(id))
            .order_by_asc(approval_step::Column::Id)
            .all(db)
            .await?
    };
    let highest_decided = steps.iter().map(|s| s.level).max().and_then(|l| u32::try_from(l).ok()).unwrap_or(0);
    Ok(Some(Loaded { row, lines, approvers, kept_level_names, highest_decided, steps }))
}

/// A contract's lines in their order.
pub async fn lines_of<C: ConnectionTrait>(db: &C, id: i64) -> Result<Vec<contract_line::Model>, DbErr> {
    contract_line::Entity::find()
        .filter(contract_line::Column::ContractId.eq(id))
        .order_by_asc(contract_line::Column::Position)
        .all(db)
        .await
}

/// Stores a typed draft's values in the columns of `am` (the lines and approvers are
/// [`replace_children`]'s): a plain mapping, no parsing.
pub fn set_values(am: &mut contract::ActiveModel, t: &TypedDraft, owner: i64) {
    let (source_kind, source_contract_id, source_order_number, source_service_end) = match &t.source {
        TypedSource::None => ("none", None, None, None),
        TypedSource::Contract { contract_id, service_end, .. } => ("contract", Some(*contract_id), None, *service_end),
        TypedSource::External { order_number, service_end } => {
            ("external", None, Some(order_number.clone()), *service_end)
        }
    };
    am.owner_user_id = Set(owner);
    am.end_customer = Set(t.end_customer.clone());
    am.corp_id = Set(t.corp_id_text());
    am.corp_name = Set(t.corp_name.clone());
    am.crm_type = Set(t.crm_type.map(|c| c.code().to_owned()));
    am.lease_url = Set(t.lease_url.as_ref().map(|u| u.as_str().to_owned()).unwrap_or_default());
    am.payment_method = Set(t.payment_method.map(|p| p.code().to_owned()));
    am.order_type = Set(t.order_type.map(|o| o.code().to_owned()));
    am.auto_activation = Set(t.auto_activation);
    am.userid_count_matches = Set(t.userid_count_matches);
    am.order_quantity_matches = Set(t.order_quantity_matches);
    am.installed_app = Set(t.installed_app.clone());
    am.api_expiry_date = Set(t.api_expiry_date);
    am.remark = Set(t.remark.clone());
    am.source_kind = Set(source_kind.to_owned());
    am.source_contract_id = Set(source_contract_id);
    am.source_order_number = Set(source_order_number);
    am.source_service_end = Set(source_service_end);
    am.existing_basic = Set(t.existing_basic.map(i64::from));
    am.existing_interop = Set(t.existing_interop.map(i64::from));
    am.payment_voucher_id = Set(t.payment_voucher);
    am.userid_sheet_id = Set(t.userid_sheet);
    am.flow_id = Set(t.flow_id);
}

pub fn set_totals(am: &mut contract::ActiveModel, q: Option<&ContractQuote>) {
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

/// The files uploaded to a contract, oldest first.
pub async fn uploaded_files<C: ConnectionTrait>(db: &C, contract_id: i64) -> Result<Vec<UploadedFile>, DbErr> {
    Ok(uploaded_of(&db_att::of_contract(db, contract_id).await?))
}

/// [`uploaded_files`] of attachment rows already read.
pub fn uploaded_of(attachments: &[attachment::Model]) -> Vec<UploadedFile> {
    attachments
        .iter()
        .filter_map(|a| Some(UploadedFile { id: a.id, kind: AttachmentKind::from_code(&a.kind)? }))
        .collect()
}

/// What the userid sheet stored for a contract says (the userids read by the server with the
/// shared sheet reader when it was uploaded).
pub async fn sheet_facts<C: ConnectionTrait>(db: &C, contract_id: i64) -> Result<SheetFacts, DbErr> {
    let rows = db_att::userids_of(db, contract_id).await?;
    let corp_ids: Vec<Option<CorpId>> = rows.iter().map(|r| CorpId::parse("", &r.corp_id).ok()).collect();
    Ok(SheetFacts::of_userids(
        rows.iter()
            .zip(&corp_ids)
            .filter_map(|(r, corp)| Some((corp.as_ref()?, r.userid.as_str(), ProductKind::from_code(&r.kind)))),
    ))
}

/// Makes an attachment the contract's voucher or userid sheet (the latest upload of its kind
/// replaces the reference), or with `None` names none, inside the caller's transaction, while the
/// contract is editable. The version goes up, so a save made from before the change is refused as
/// stale rather than silently undoing it. Returns the new version, or `None` when the contract is
/// not editable, or not at `expected_version` when one is given (then nothing changed).
pub async fn name_attachment<C: ConnectionTrait>(
    db: &C,
    id: i64,
    kind: AttachmentKind,
    attachment_id: Option<i64>,
    expected_version: Option<i64>,
) -> Result<Option<i64>, DbErr> {
    let mut am = blank_update();
    match kind {
        AttachmentKind::Voucher => am.payment_voucher_id = Set(attachment_id),
        AttachmentKind::UseridSheet => am.userid_sheet_id = Set(attachment_id),
        // Not named by the contract: a new one still changes it (its version goes up).
        AttachmentKind::Other => {}
    }
    am.updated_at = Set(Utc::now().trunc_subsecs(6));
    let res = contract::Entity::update_many()
        .set(am)
        .col_expr(contract::Column::Version, Expr::col(contract::Column::Version).add(1))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Status.is_in(ContractStatus::EDITABLE.map(ContractStatus::code)))
        .apply_if(expected_version, |q, v| q.filter(contract::Column::Version.eq(v)))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    Ok(contract::Entity::find_by_id(id).one(db).await?.map(|r| r.version))
}

/// A line as its row stores it (`id` 0: the database numbers new rows).
fn line_row(contract_id: i64, i: usize, l: &TypedLine, p: Option<&ContractLineQuote>) -> contract_line::Model {
    contract_line::Model {
        id: 0,
        contract_id,
        position: i32::try_from(i).unwrap_or(i32::MAX),
        kind: l.kind.map(|k| k.code().to_owned()),
        quantity: l.quantity.map(i64::from),
        service_start: p.map(|p| p.period.start()).or(l.service_start),
        service_end: p.map(|p| p.period.end()).or(l.service_end),
        months: p.and_then(|p| i32::try_from(p.period.months()).ok()),
        invoice: l.invoice,
        amount_fen: p.map(|p| p.amount.fen()),
        tax_fen: p.map(|p| p.tax.fen()),
        total_fen: p.map(|p| p.total.fen()),
        negotiated_amount_fen: l.negotiated_amount.map(Money::fen),
        description: l.description.clone(),
    }
}

/// Which of a contract's child tables [`replace_children`] left as they were.
#[derive(Clone, Copy, Debug)]
pub struct Kept {
    pub lines: bool,
    pub approvers: bool,
}

/// Makes a contract's lines (with their prices, when priced) and its approvers per level these.
/// `stored` is the contract as loaded before the change's version-guarded update succeeded, so it
/// is what the rows are now: a table whose rows would not change is not written (most saves change
/// a field or two of the contract, not its lines), and one that does is replaced in one `INSERT`.
/// Approvers whose levels' names were kept at a submission are always replaced (a draft shows the
/// flow's names). Says which tables it left as they were.
pub async fn replace_children<C: ConnectionTrait>(
    db: &C,
    id: i64,
    stored: Option<&Loaded>,
    lines: &[TypedLine],
    priced: Option<&ContractQuote>,
    approvers: &[(u32, i64)],
) -> Result<Kept, DbErr> {
    let rows: Vec<contract_line::Model> =
        lines.iter().enumerate().map(|(i, l)| line_row(id, i, l, priced.and_then(|q| q.lines.get(i)))).collect();
    let lines_kept = stored.is_some_and(|s| {
        s.lines.len() == rows.len()
            && s.lines.iter().zip(&rows).all(|(old, new)| contract_line::Model { id: 0, ..old.clone() } == *new)
    });
    if !lines_kept {
        if stored.is_some() {
            contract_line::Entity::delete_many().filter(contract_line::Column::ContractId.eq(id)).exec(db).await?;
        }
        let new = rows.into_iter().map(|m| contract_line::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            contract_id: Set(m.contract_id),
            position: Set(m.position),
            kind: Set(m.kind),
            quantity: Set(m.quantity),
            service_start: Set(m.service_start),
            service_end: Set(m.service_end),
            months: Set(m.months),
            invoice: Set(m.invoice),
            amount_fen: Set(m.amount_fen),
            tax_fen: Set(m.tax_fen),
            total_fen: Set(m.total_fen),
            negotiated_amount_fen: Set(m.negotiated_amount_fen),
            description: Set(m.description),
        });
        contract_line::Entity::insert_many(new).exec_without_returning(db).await?;
    }
    let approvers_kept = stored.is_some_and(|s| s.kept_level_names.is_empty() && s.approvers == approvers);
    if !approvers_kept {
        if stored.is_some() {
            contract_approver::Entity::delete_many()
                .filter(contract_approver::Column::ContractId.eq(id))
                .exec(db)
                .await?;
        }
        let new = approvers.iter().map(|(level, user_id)| contract_approver::ActiveModel {
            contract_id: Set(id),
            level: Set(i32::try_from(*level).unwrap_or(i32::MAX)),
            approver_user_id: Set(*user_id),
            level_name: Set(None),
        });
        contract_approver::Entity::insert_many(new).exec_without_returning(db).await?;
    }
    Ok(Kept { lines: lines_kept, approvers: approvers_kept })
}

/// Keeps each level's name (from the flow as it is now) on the contract's approvers.
pub async fn keep_level_names<C: ConnectionTrait>(db: &C, id: i64, names: &[(u32, String)]) -> Result<(), DbErr> {
    for (level, name) in names {
        contract_approver::Entity::update_many()
            .col_expr(contract_approver::Column::LevelName, sea_orm::sea_query::Expr::value(name.clone()))
            .filter(contract_approver::Column::ContractId.eq(id))
            .filter(contract_approver::Column::Level.eq(i32::try_from(*level).unwrap_or(i32::MAX)))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The version-guarded update every change starts with: `Ok(false)` when the contract moved on.
/// `am` takes the new version, so it holds what was written.
pub async fn guarded_update<C: ConnectionTrait>(
    db: &C,
    id: i64,
    version: i64,
    am: &mut contract::ActiveModel,
) -> Result<bool, DbErr> {
    am.version = Set(version + 1);
    let res = contract::Entity::update_many()
        .set(am.clone())
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub fn blank_update() -> contract::ActiveModel {
    contract::ActiveModel { ..Default::default() }
}

pub fn set_status(am: &mut contract::ActiveModel, s: ContractStatus, at: DateTime<Utc>) {
    am.status = Set(s.code().to_owned());
    am.status_level = Set(s.level().and_then(|l| i32::try_from(l).ok()));
    am.updated_at = Set(at);
}

/// Inserts a new draft contract row; returns its id.
pub async fn insert_draft<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    created_by: i64,
    t: &TypedDraft,
    owner: i64,
    priced: Option<&ContractQuote>,
    at: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let mut am = contract::ActiveModel {
        document_number: Set(None),
        organisation_id: Set(organisation_id),
        created_by: Set(created_by),
        version: Set(1),
        approval_round: Set(0),
        created_at: Set(at),
        submitted_at: Set(None),
        wecom_order_id: Set(None),
        activation_date: Set(None),
        ..Default::default()
    };
    set_values(&mut am, t, owner);
    set_totals(&mut am, priced);
    set_status(&mut am, ContractStatus::Draft, at);
    Ok(am.insert(db).await?.id)
}

/// Sets the document number of a contract that has none yet.
pub async fn set_document_number<C: ConnectionTrait>(db: &C, id: i64, number: DocumentNumber) -> Result<(), DbErr> {
    let mut am = blank_update();
    am.document_number = Set(Some(number.to_string()));
    contract::Entity::update_many().set(am).filter(contract::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

/// Records an approver's decision in the contract's current round. A second decision for the
/// same round and level breaks the unique key: `Ok(false)`.
pub async fn record_step<C: ConnectionTrait>(
    db: &C,
    contract_id: i64,
    round: i32,
    level: u32,
    approver: i64,
    approve: bool,
    comment: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let step = approval_step::ActiveModel {
        contract_id: Set(contract_id),
        round: Set(round),
        level: Set(i32::try_from(level).unwrap_or(i32::MAX)),
        approver_user_id: Set(approver),
        decision: Set(if approve { "approve" } else { "reject" }.to_owned()),
        comment: Set(comment.to_owned()),
        decided_at: Set(at),
        ..Default::default()
    };
    match step.insert(db).await {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Takes the next contract number inside the caller's transaction: one atomic
/// `UPDATE … RETURNING`, so concurrent submissions never share a number (row lock on PostgreSQL,
/// the database write lock on SQLite), and a rolled-back submission's number is never reused
/// by another because the increment rolls back with it.
pub async fn next_document_number<C: ConnectionTrait>(db: &C) -> Result<DocumentNumber, AppError> {
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
