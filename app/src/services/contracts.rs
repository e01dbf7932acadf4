//! Contracts (企业微信接口合同): create, save (保存), submit (保存并提交审批), read and list.
//!
//! A save parses the draft once: [`validate_save`] gives the typed draft, which is priced from its
//! parsed lines and stored by a plain mapping. A submission runs the submit rules once on the draft
//! with the references the database knows (the source contract's end date), and stores the
//! [`Submission`]'s values with the server's own prices (never the client's).

use super::{conflict_of, invalid, now, stale};
use crate::db::{audit, contract_reads, contracts as db, flows, price_books, settings};
use crate::domain::attachment::AttachmentKind;
use crate::domain::contract::approval::{self, Flow};
use crate::domain::contract::attachments::latest;
use crate::domain::contract::{
    ContractAction, ContractDraft, ContractStatus, DocumentNumber, SourceOrder, SubmitContext, TypedDraft, TypedSource,
    UploadedFile, check_attachment_refs, paths, submit as submit_rules, validate_save,
};
use crate::domain::policy::{Action, ContractFacts, allows};
use crate::domain::problem::{Lang, Problem};
use crate::error::AppError;
use crate::models::{ContractDto, PersonDto, SessionUser};
use sea_orm::{ConnectionTrait, DatabaseConnection, Set};
use std::collections::HashMap;

pub use crate::db::contracts::Loaded;
pub use crate::db::settings::installed_apps;

pub(crate) fn not_found() -> AppError {
    AppError::not_found("合同", "Contract")
}

/// Loads a contract the actor may do `action` to: 404 when it does not exist *or the actor may not
/// read it* (the same answer, so ids cannot be probed), 403 when they may read it but not do this.
pub async fn load_for<C: ConnectionTrait>(
    db: &C,
    actor: &SessionUser,
    id: i64,
    action: Action,
) -> Result<Loaded, AppError> {
    let loaded = db::load(db, id).await?.ok_or_else(not_found)?;
    let facts = loaded.facts();
    if !allows(Some(actor), Action::Read, &facts) {
        return Err(not_found());
    }
    if allows(Some(actor), action, &facts) { Ok(loaded) } else { Err(AppError::Forbidden) }
}

/// The answer to a change of a contract whose status does not allow it.
pub fn not_editable(status: ContractStatus) -> AppError {
    AppError::Conflict {
        zh: format!("合同当前为“{}”，不能修改", status.label(Lang::Zh)),
        en: format!("The contract is {} and cannot be edited", status.label(Lang::En)),
    }
}

/// Everything about a draft that is checked against the database: the voucher and userid sheet
/// are files uploaded to this contract (`uploaded`; none before it exists), the owner belongs to
/// the organisation, a source contract is one the actor may read (its service end and number are
/// taken from it, into the draft), the flow exists and the picked approvers are its candidates.
/// Returns the approvers per level and the flow they were checked against; the owner defaults to
/// the actor.
async fn check_references<C: ConnectionTrait>(
    db: &C,
    actor: &SessionUser,
    organisation_id: i64,
    uploaded: &[UploadedFile],
    draft: &mut ContractDraft,
    complete: bool,
) -> Result<References, AppError> {
    let mut problems = check_attachment_refs(draft, uploaded);
    let owner = *draft.owner.get_or_insert(actor.id);
    let mut checked = References::default();
    // The actor is an active user: their session was just looked up.
    let owner_ok = if owner == actor.id {
        actor.organisation_id == organisation_id
    } else {
        let user = crate::db::accounts::session_user_by_id(db, owner).await?;
        let ok = user.as_ref().is_some_and(|u| u.organisation_id == organisation_id);
        if let Some(u) = user {
            checked.names.insert(u.id, PersonDto { id: u.id, display_name: u.display_name });
        }
        ok
    };
    if !owner_ok {
        problems.push(Problem::error(
            paths::OWNER,
            "owner_not_in_organisation",
            "负责人须为本渠道伙伴的在用账号",
            "The owner must be an active user of this partner organisation",
        ));
    }
    if let SourceOrder::Contract { contract_id, document_number, service_end } = &mut draft.source_order {
        match db::load(db, *contract_id).await? {
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
    checked.names.insert(actor.id, PersonDto { id: actor.id, display_name: actor.display_name.clone() });
    if let Some(flow_id) = draft.approval.flow_id {
        match flows::rule_named(db, flow_id).await? {
            Some((flow, names)) => {
                checked.names.extend(names);
                match approval::resolve(&flow, &draft.approval, complete) {
                    Ok(a) => checked.approvers = a,
                    Err(p) => problems.extend(p),
                }
                checked.flow = Some((flow_id, flow));
            }
            None => problems.push(Problem::error(
                paths::APPROVAL_FLOW,
                "flow_not_found",
                "所选审批流程不存在",
                "The chosen approval flow does not exist",
            )),
        }
    }
    if problems.is_empty() { Ok(checked) } else { Err(invalid(problems)) }
}

/// What [`check_references`] found: the approver of each level, the flow (by id) they were
/// checked against, and the names it came across.
#[derive(Default)]
struct References {
    approvers: Vec<(u32, i64)>,
    flow: Option<(i64, Flow)>,
    /// The names read on the way (the actor's, the flow's candidates'), for the answer.
    names: HashMap<i64, PersonDto>,
}

impl References {
    /// The flow's levels' names by level number, as `contract_reads::Known` takes them.
    fn level_names(&self) -> Option<(i64, Vec<(u32, String)>)> {
        self.flow.as_ref().map(|(id, f)| (*id, f.levels.iter().map(|l| (l.level, l.name.clone())).collect()))
    }
}

/// [`check_references`] for a save: the typed draft takes the owner and the source contract's
/// stored facts.
async fn references_for_save<C: ConnectionTrait>(
    db: &C,
    actor: &SessionUser,
    organisation_id: i64,
    uploaded: &[UploadedFile],
    mut draft: ContractDraft,
    typed: &mut TypedDraft,
) -> Result<References, AppError> {
    let checked = check_references(db, actor, organisation_id, uploaded, &mut draft, false).await?;
    typed.owner = draft.owner;
    if let SourceOrder::Contract { contract_id, document_number, service_end } = draft.source_order {
        typed.source = TypedSource::Contract { contract_id, document_number, service_end };
    }
    Ok(checked)
}

/// 负责人: who may own the contract `id` (the active partners of its organisation), or, before it
/// exists, a new contract of the actor's organisation. Only for someone who may edit it.
pub async fn owner_choices(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: Option<i64>,
) -> Result<Vec<crate::models::PersonDto>, AppError> {
    let organisation = match id {
        Some(id) => load_for(db, actor, id, Action::Edit).await?.row.organisation_id,
        None => {
            let facts = ContractFacts {
                organisation_id: actor.organisation_id,
                owner_user_id: actor.id,
                ..ContractFacts::default()
            };
            if !allows(Some(actor), Action::Edit, &facts) {
                return Err(AppError::Forbidden);
            }
            actor.organisation_id
        }
    };
    Ok(crate::db::accounts::partners_of(db, organisation).await?)
}

/// Creates a draft contract in the actor's organisation. Returns its id.
pub async fn create(db: &DatabaseConnection, actor: &SessionUser, mut draft: ContractDraft) -> Result<i64, AppError> {
    let org = actor.organisation_id;
    let facts = ContractFacts { organisation_id: org, owner_user_id: actor.id, ..ContractFacts::default() };
    if !allows(Some(actor), Action::Edit, &facts) {
        return Err(AppError::Forbidden);
    }
    draft.document_number = None;
    let mut typed = validate_save(&draft).map_err(invalid)?;
    let approvers = references_for_save(db, actor, org, &[], draft, &mut typed).await?.approvers;
    let priced = typed.price(&price_books::current(db).await?, None);
    let owner = typed.owner.unwrap_or(actor.id);
    let at = now();
    let (_writer, txn) = crate::db::begin_write(db).await?;
    let id = db::insert_draft(&txn, org, actor.id, &typed, owner, priced.as_ref(), at).await?;
    db::replace_children(&txn, id, None, &typed.lines, priced.as_ref(), &approvers).await?;
    audit::record(&txn, at, Some(actor.id), "created", db::SUBJECT, id, &audit::Detail::default()).await?;
    txn.commit().await?;
    Ok(id)
}

/// Saves a draft (保存) over `version`. Refused with 409 when someone changed it since. Answers
/// the contract as saved — what [`get`] would read now — from what the save read and wrote: the
/// row as updated, its lines (read again only when they changed), its approvers, its attachments
/// (an upload or removal since they were read would have made the save stale).
pub async fn save(
    db: &DatabaseConnection,
    books: &crate::services::quotes::CurrentPriceBook,
    actor: &SessionUser,
    id: i64,
    version: i64,
    draft: ContractDraft,
) -> Result<ContractDto, AppError> {
    let l = load_for(db, actor, id, Action::Edit).await?;
    let status = l.status();
    if !status.is_editable() {
        return Err(not_editable(status));
    }
    if l.row.version != version {
        return Err(stale());
    }
    let mut typed = validate_save(&draft).map_err(invalid)?;
    let attachments = crate::db::attachments::of_contract(db, id).await?;
    let uploaded = db::uploaded_of(&attachments);
    let mut checked = references_for_save(db, actor, l.row.organisation_id, &uploaded, draft, &mut typed).await?;
    // A draft's totals are for the list and the page: the book kept in memory (at most a second
    // old, and never across a price change made here) is good enough; a submission reprices with
    // the book read from the database.
    let priced = typed.price(books.get(db).await?.as_ref(), None);
    let at = now();
    let known = contract_reads::Known {
        attachments: Some(attachments),
        organisation: Some((actor.organisation_id, actor.organisation_name.clone())),
        level_names: checked.level_names(),
        people: std::mem::take(&mut checked.names),
    };
    // The stored row with this save's values: what the update writes, and the row it leaves.
    let mut am = sea_orm::IntoActiveModel::into_active_model(l.row.clone());
    db::set_values(&mut am, &typed, typed.owner.unwrap_or(l.row.owner_user_id));
    db::set_totals(&mut am, priced.as_ref());
    am.updated_at = Set(at);
    let actor_id = actor.id;
    let approvers = checked.approvers;
    // Group commit (`db::writer`): this save's writes share a transaction with other requests'.
    let (am, l, lines, kept, mut approvers) = crate::db::writer::write(db, move |txn| {
        Box::pin(async move {
            if !db::guarded_update(txn, id, version, &mut am).await? {
                return Err(stale());
            }
            let kept = db::replace_children(txn, id, Some(&l), &typed.lines, priced.as_ref(), &approvers).await?;
            let lines = if kept.lines { None } else { Some(db::lines_of(txn, id).await?) };
            audit::record(txn, at, Some(actor_id), "saved", db::SUBJECT, id, &audit::Detail::default()).await?;
            Ok((am, l, lines, kept, approvers))
        })
    })
    .await?;
    approvers.sort_by_key(|(level, _)| *level);
    let saved = Loaded {
        row: sea_orm::TryIntoModel::try_into_model(am)?,
        lines: lines.unwrap_or(l.lines),
        approvers,
        // Approvers written again carry no kept names; kept ones had none (a draft's).
        kept_level_names: if kept.approvers { l.kept_level_names } else { Vec::new() },
        highest_decided: l.highest_decided,
        // A save decides nothing.
        steps: l.steps,
    };
    answer(db, actor, &saved, known).await
}

/// Saves and submits for approval (保存并提交审批): the submit rules, the lines repriced by the
/// server's quote engine (amounts sent by the client are never used), the document number on the
/// first submission, and level 1 of a new approval round.
pub async fn submit(
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
    let apps = settings::installed_apps(db).await?;
    let uploaded = db::uploaded_files(db, id).await?;
    // The references first: they fill in the source contract's stored end date the rules check.
    let mut problems = Vec::new();
    let checked = match check_references(db, actor, l.row.organisation_id, &uploaded, &mut draft, true).await {
        Ok(c) => c,
        Err(AppError::Invalid { problems: p }) => {
            problems = p;
            References::default()
        }
        Err(e) => return Err(e),
    };
    let approvers = &checked.approvers;
    // The sheet rules (PRODUCT.md §3 rules 2 and 5) read the userids stored from the sheet the
    // draft names — when it is the contract's latest — never counts the client sent.
    let sheet = match draft.userid_sheet {
        Some(s) if latest(&uploaded, AttachmentKind::UseridSheet) == Some(s) => Some(db::sheet_facts(db, id).await?),
        _ => None,
    };
    let ctx = SubmitContext { book: &book, installed_apps: &apps, sheet: sheet.as_ref() };
    let submission = match submit_rules(&draft, &ctx) {
        Ok(s) if problems.is_empty() => s,
        Ok(_) => return Err(invalid(problems)),
        Err(p) => {
            problems.splice(0..0, p.into_iter().filter(Problem::is_error));
            return Err(invalid(problems));
        }
    };
    let typed = &submission.values;
    let at = now();
    let (_writer, txn) = crate::db::begin_write(db).await?;
    let mut am = db::blank_update();
    db::set_values(&mut am, typed, typed.owner.unwrap_or(l.row.owner_user_id));
    am.corp_id = Set(submission.corp_id.to_string());
    am.userid_count_matches = Set(submission.quote.userid_count_matches.or(typed.userid_count_matches));
    db::set_totals(&mut am, Some(&submission.quote));
    db::set_status(&mut am, next, at);
    am.approval_round = Set(l.row.approval_round + 1);
    am.submitted_at = Set(Some(at));
    if !db::guarded_update(&txn, id, version, &mut am).await? {
        return Err(stale());
    }
    let number = match &l.row.document_number {
        Some(n) => n.clone(),
        None => {
            let number = db::next_document_number(&txn).await?;
            db::set_document_number(&txn, id, number).await?;
            number.to_string()
        }
    };
    db::replace_children(&txn, id, Some(&l), &typed.lines, Some(&submission.quote), approvers).await?;
    // The levels' names as the approvers were checked against them: a later change to the flow
    // leaves this round alone.
    if let Some((_, names)) = checked.level_names() {
        db::keep_level_names(&txn, id, &names).await?;
    }
    let detail =
        audit::Detail { to: Some(next.code().to_owned()), from: Some(l.row.status.clone()), ..Default::default() };
    audit::record(&txn, at, Some(actor.id), "submitted", db::SUBJECT, id, &detail).await?;
    super::approvals::announce_submission(&txn, &l, &number, &typed.end_customer, approvers, actor.id).await?;
    txn.commit().await?;
    Ok(())
}

/// The detail of a contract the actor may read, with what they may do to it.
pub async fn get(db: &DatabaseConnection, actor: &SessionUser, id: i64) -> Result<ContractDto, AppError> {
    let l = load_for(db, actor, id, Action::Read).await?;
    let known = contract_reads::Known {
        organisation: Some((actor.organisation_id, actor.organisation_name.clone())),
        ..Default::default()
    };
    answer(db, actor, &l, known).await
}

/// The detail of a loaded contract for `actor`: what they may do to it, and the facts of its
/// userid sheet when the draft names the latest one.
async fn answer(
    db: &DatabaseConnection,
    actor: &SessionUser,
    l: &Loaded,
    known: contract_reads::Known,
) -> Result<ContractDto, AppError> {
    let mut dto = contract_reads::detail(db, l, known).await?;
    let facts = l.facts();
    dto.allowed = Action::ALL.into_iter().filter(|a| allows(Some(actor), *a, &facts)).collect();
    // The stored userids are those of the latest sheet uploaded: they describe the draft's sheet
    // only when the draft names that one.
    let latest_sheet = dto.attachments.iter().rev().find(|a| a.kind == AttachmentKind::UseridSheet).map(|a| a.id);
    if dto.draft.userid_sheet.is_some_and(|s| Some(s) == latest_sheet) {
        dto.sheet = Some(db::sheet_facts(db, l.row.id).await?);
    }
    Ok(dto)
}

/// A contract's timeline (its audit trail, oldest first) for whoever may read the contract, with
/// its document number: the page's 时间线 as a file to keep.
pub async fn timeline(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
) -> Result<(Option<String>, Vec<crate::models::TimelineEntry>), AppError> {
    let l = load_for(db, actor, id, Action::Read).await?;
    Ok((l.row.document_number.clone(), audit::timeline(db, db::SUBJECT, id).await?))
}

/// The userids stored from a contract's userid sheet (its corp ID, and each userid with its kind
/// code), for whoever may read the contract: a renewal starts from them (the filled-in template
/// `/contracts/<id>/userids.xlsx`). `None` when it has none.
pub async fn userid_list(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
) -> Result<Option<(String, Vec<(String, String)>)>, AppError> {
    load_for(db, actor, id, Action::Read).await?;
    let rows = crate::db::attachments::userids_of(db, id).await?;
    let Some(corp) = rows.first().map(|r| r.corp_id.clone()) else { return Ok(None) };
    Ok(Some((corp, rows.into_iter().map(|r| (r.userid, r.kind)).collect())))
}

/// The contracts the actor may see, filtered, sorted and paged (`services::contract_list`).
pub use super::contract_list::list;
