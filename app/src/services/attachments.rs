//! A contract's files (附件): who may upload and download them, and recording an upload.
//!
//! The blob is already durable in the store when [`record_upload`] runs; it writes the row, makes
//! it the contract's voucher or userid sheet while the contract is editable (and, for a userid
//! sheet, replaces the contract's userids) in one transaction, so either the whole upload is
//! recorded or nothing is.

use super::contracts::{load_for, not_editable, not_found};
use crate::db::entities::{attachment, contract};
use crate::db::{attachments as db_att, audit, contracts as db_contracts};
use crate::domain::attachment::AttachmentKind;
use crate::domain::payment_link::{LinkCap, LinkRefusal};
use crate::domain::policy::Action;
use crate::domain::sheet::SheetUserid;
use crate::error::AppError;
use crate::models::SessionUser;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Set};

pub use crate::db::entities::attachment::Model as Attachment;
pub use crate::db::entities::contract::Model as ContractRow;

/// The contract a signed-in user uploads to: 404 when they may not read it, 403 when they may
/// read it but not upload.
pub async fn upload_target(
    db: &DatabaseConnection,
    user: &SessionUser,
    contract_id: i64,
) -> Result<contract::Model, AppError> {
    Ok(load_for(db, user, contract_id, Action::UploadAttachment).await?.row)
}

/// An attachment a signed-in user may download; one on a contract they may not read is answered
/// like a missing one.
pub async fn for_download(db: &DatabaseConnection, user: &SessionUser, id: i64) -> Result<Attachment, AppError> {
    let not_found = || AppError::not_found("附件", "Attachment");
    let row = db_att::find(db, id).await?.ok_or_else(not_found)?;
    load_for(db, user, row.contract_id, Action::DownloadAttachment)
        .await
        .map_err(|e| if matches!(e, AppError::NotFound { .. }) { not_found() } else { e })?;
    Ok(row)
}

/// How many userids are stored for a contract (from its latest userid sheet).
pub async fn stored_userids(db: &DatabaseConnection, contract_id: i64) -> Result<usize, DbErr> {
    Ok(usize::try_from(db_att::userid_count(db, contract_id).await?).unwrap_or(usize::MAX))
}

/// An upload whose bytes are stored, about to be recorded.
#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub contract_id: i64,
    pub kind: AttachmentKind,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Option<i64>,
    pub via_payment_link: Option<i64>,
}

/// The userids of a checked sheet, to replace the contract's stored ones.
#[derive(Clone, Debug)]
pub struct ParsedUserids {
    pub corp_id: String,
    pub entries: Vec<SheetUserid>,
}

/// A recorded upload.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub row: attachment::Model,
    /// The contract's version after the upload became its voucher / userid sheet; `None` when the
    /// contract was not editable, so the file was kept beside it without changing it.
    pub contract_version: Option<i64>,
}

/// Why an upload was not recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotRecorded {
    App(AppError),
    /// The payment link it came through takes no more (closed, or its cap is reached).
    Link(LinkRefusal),
}

impl From<AppError> for NotRecorded {
    fn from(e: AppError) -> Self {
        NotRecorded::App(e)
    }
}

impl From<DbErr> for NotRecorded {
    fn from(e: DbErr) -> Self {
        NotRecorded::App(e.into())
    }
}

/// Records an upload in one transaction: the attachment row; while the contract is editable, the
/// reference to it as the contract's voucher or userid sheet (the latest upload of a kind
/// replaces the reference, and the contract's version goes up); the sheet's userids replacing the
/// contract's (when given); and an audit event.
///
/// A voucher for a contract that is not editable (the customer pays while it is in approval) is
/// kept without touching the contract. A userid sheet is refused then (409): its userids are what
/// the submitted contract was checked against.
///
/// An upload through a payment link (`via_payment_link`) is checked again here, under a lock on
/// the link's row so that concurrent uploads through one link are counted one after the other:
/// the link must still be open and its contract awaiting payment, and `link_cap` must have room
/// for it.
pub async fn record_upload(
    db: &DatabaseConnection,
    new: NewAttachment,
    userids: Option<ParsedUserids>,
    link_cap: Option<LinkCap>,
) -> Result<Recorded, NotRecorded> {
    let (_writer, txn) = crate::db::begin_write(db).await?;
    let now = Utc::now();
    if let Some(link_id) = new.via_payment_link {
        if let Err(refusal) = check_link_in(&txn, link_id, new.size, link_cap, now).await? {
            return Err(NotRecorded::Link(refusal));
        }
    }
    let row = db_att::insert(
        &txn,
        attachment::ActiveModel {
            contract_id: Set(new.contract_id),
            kind: Set(new.kind.code().to_owned()),
            file_name: Set(new.file_name),
            content_type: Set(new.content_type),
            size: Set(new.size),
            sha256: Set(new.sha256),
            storage_key: Set(new.storage_key),
            uploaded_by: Set(new.uploaded_by),
            via_payment_link: Set(new.via_payment_link),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    let contract_version = db_contracts::name_attachment(&txn, new.contract_id, new.kind, Some(row.id), None).await?;
    if let Some(parsed) = &userids {
        if contract_version.is_none() {
            let contract = db_contracts::row(&txn, new.contract_id).await?;
            return Err(contract.map_or_else(not_found, |c| not_editable(db_contracts::status_of(&c))).into());
        }
        db_att::replace_userids(&txn, new.contract_id, &parsed.corp_id, &parsed.entries).await?;
    }
    let mut detail = file_detail(&row);
    detail["via_payment_link"] = serde_json::json!(row.via_payment_link);
    detail["userids"] = serde_json::json!(userids.as_ref().map(|u| u.entries.len()));
    detail["linked"] = serde_json::json!(contract_version.is_some());
    audit::record(&txn, now, new.uploaded_by, audit::UPLOAD, db_contracts::SUBJECT, new.contract_id, &detail).await?;
    txn.commit().await?;
    Ok(Recorded { row, contract_version })
}

/// Removes a file from an editable contract at `version` (移除): a voucher or userid sheet the
/// draft names is no longer named (the file stays on record; a userid sheet's stored userids go
/// with it), another attachment is deleted (its blob is swept later). Either way the contract's
/// version goes up and the audit trail says who removed which file. Returns the new version.
pub async fn remove(
    db: &DatabaseConnection,
    actor: &SessionUser,
    contract_id: i64,
    version: i64,
    attachment_id: i64,
) -> Result<i64, AppError> {
    let l = load_for(db, actor, contract_id, Action::Edit).await?;
    let status = l.status();
    if !status.is_editable() {
        return Err(not_editable(status));
    }
    if l.row.version != version {
        return Err(super::stale());
    }
    let not_found = || AppError::not_found("附件", "Attachment");
    let row = db_att::find(db, attachment_id).await?.filter(|a| a.contract_id == contract_id).ok_or_else(not_found)?;
    let kind = AttachmentKind::from_code(&row.kind).ok_or_else(not_found)?;
    let named = match kind {
        AttachmentKind::Voucher => l.row.payment_voucher_id,
        AttachmentKind::UseridSheet => l.row.userid_sheet_id,
        AttachmentKind::Other => Some(row.id),
    };
    if named != Some(row.id) {
        // An earlier voucher or sheet the contract no longer names: nothing to remove.
        return Err(AppError::conflict(
            &format!("“{}”不是本合同当前的{}，无需移除", row.file_name, kind.zh()),
            &format!("\"{}\" is not this contract's current {}; nothing to remove", row.file_name, kind.en()),
        ));
    }
    let (_writer, txn) = crate::db::begin_write(db).await?;
    let new_version =
        db_contracts::name_attachment(&txn, contract_id, kind, None, Some(version)).await?.ok_or_else(super::stale)?;
    match kind {
        AttachmentKind::Other => db_att::delete(&txn, row.id).await?,
        AttachmentKind::UseridSheet => db_att::clear_userids(&txn, contract_id).await?,
        AttachmentKind::Voucher => {}
    }
    let detail = file_detail(&row);
    audit::record(
        &txn,
        Utc::now(),
        Some(actor.id),
        audit::REMOVE_ATTACHMENT,
        db_contracts::SUBJECT,
        contract_id,
        &detail,
    )
    .await?;
    txn.commit().await?;
    Ok(new_version)
}

/// What the audit trail keeps of a file an event is about.
fn file_detail(row: &attachment::Model) -> serde_json::Value {
    serde_json::json!({
        "attachment_id": row.id,
        "kind": row.kind,
        "file_name": row.file_name,
        "size": row.size,
        "sha256": row.sha256,
    })
}

/// The link check of [`record_upload`], inside its transaction: the link's row is locked before
/// anything is counted, so concurrent uploads through one link are counted one after the other.
async fn check_link_in(
    txn: &impl ConnectionTrait,
    link_id: i64,
    size: i64,
    cap: Option<LinkCap>,
    now: DateTime<Utc>,
) -> Result<Result<(), LinkRefusal>, DbErr> {
    let Some(link) = db_att::lock_link(txn, link_id).await? else {
        return Ok(Err(LinkRefusal::Closed));
    };
    let open = link.revoked_at.is_none() && link.expires_at > now;
    let awaits_payment =
        db_contracts::row(txn, link.contract_id).await?.is_some_and(|c| db_contracts::status_of(&c).awaits_payment());
    if !open || !awaits_payment {
        return Ok(Err(LinkRefusal::Closed));
    }
    let Some(cap) = cap else { return Ok(Ok(())) };
    let used = db_att::link_usage(txn, link_id).await?;
    Ok(cap.admit(used, u64::try_from(size).unwrap_or(u64::MAX)))
}
