//! Renewals (续期): the fulfilled contracts falling due, the renewal contract a click starts from
//! one of them, and the daily reminders to their owners 30 and 7 days before the API expiry date
//! (through the outbox, once each: `db::renewals::record_reminder` in the same transaction).

use super::contracts::load_for;
use super::invalid;
use crate::db::{audit, flows, outbox, renewals as db};
use crate::domain::calendar::china_date;
use crate::domain::contract::renewal::{RenewalSource, days_left, reminder_due, renewal_draft, window_or_default};
use crate::domain::contract::{ContractStatus, DocumentNumber};
use crate::domain::event::{Event, Header};
use crate::domain::money::Money;
use crate::domain::policy::{Action, ContractFacts, allows, visibility};
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::models::{PersonDto, RenewalItem, RenewalStart, Renewals, Role, SessionUser};
use chrono::{DateTime, Days, Utc};
use sea_orm::DatabaseConnection;

/// The most contracts the renewals page lists.
pub const LIMIT: u64 = 500;

/// The most contracts one reminder run looks at (those expiring within 30 days; far more than a
/// month of fulfilments). What is left is reminded of on the next run, an hour later.
pub const REMINDER_SCAN: u64 = 100_000;

/// The contracts the actor may see that fall due within `days` (7, 30 or 90; else 30), soonest
/// first.
pub async fn due(
    db: &DatabaseConnection,
    actor: &SessionUser,
    days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Renewals, AppError> {
    let window = window_or_default(days);
    let today = china_date(now);
    let until = today.checked_add_days(Days::new(u64::from(window))).unwrap_or(today);
    let rows = db::expiring(db, visibility(Some(actor)), today, until, LIMIT).await?;
    let people = audit::people(db, rows.iter().map(|r| r.owner_user_id)).await?;
    let items = rows
        .into_iter()
        .filter_map(|r| {
            let expiry = r.api_expiry_date?;
            Some(RenewalItem {
                contract_id: r.id,
                owner: people
                    .get(&r.owner_user_id)
                    .cloned()
                    .unwrap_or(PersonDto { id: r.owner_user_id, display_name: String::new() }),
                document_number: r.document_number,
                end_customer: r.end_customer,
                corp_id: r.corp_id,
                corp_name: r.corp_name,
                total: r.total_fen.map(Money::from_fen),
                api_expiry_date: expiry,
                days_left: days_left(expiry, today),
            })
        })
        .collect();
    Ok(Renewals { window, items, may_renew: actor.role == Role::Partner })
}

/// The renewal contract of `source_id` for the actor to start from: its customer, enterprise and
/// lines again, from the day after its service ends (its API expiry date, else its lines' end).
/// Only a fulfilled or approved contract the actor may read can be renewed, by a partner of its
/// organisation.
pub async fn start(db: &DatabaseConnection, actor: &SessionUser, source_id: i64) -> Result<RenewalStart, AppError> {
    let l = load_for(db, actor, source_id, Action::Read).await?;
    let may_create = allows(
        Some(actor),
        Action::Edit,
        &ContractFacts { organisation_id: l.row.organisation_id, owner_user_id: actor.id, ..ContractFacts::default() },
    );
    if !may_create {
        return Err(AppError::Forbidden);
    }
    let status = l.status();
    if !matches!(status, ContractStatus::Fulfilled | ContractStatus::Approved) {
        return Err(invalid(vec![Problem::error(
            "source_order",
            "renewal_source_not_done",
            format!("只能续期已通过审批或已开通的合同；该合同当前为“{}”", status.zh()),
            format!("Only an approved or fulfilled contract can be renewed; this one is \"{}\"", status.en()),
        )]));
    }
    // Its form as stored (what names the source of the source does not matter here).
    let source_draft = crate::db::contracts::draft_of(&l, None);
    let service_end = l.row.api_expiry_date.or_else(|| RenewalSource::lines_end(&source_draft)).ok_or_else(|| {
        invalid(vec![Problem::error(
            "source_order",
            "renewal_source_without_end",
            "该合同没有企业微信API接口到期日，也没有可读的服务到期日，无法计算续期的开始日期",
            "The contract has neither an API expiry date nor readable service end dates to start the renewal from",
        )])
    })?;
    let source = RenewalSource {
        contract_id: l.row.id,
        document_number: l.row.document_number.as_deref().and_then(|n| DocumentNumber::parse("", n).ok()),
        draft: &source_draft,
        service_end,
    };
    let flow = flows::default_flow(db).await.ok().map(|f| f.id);
    Ok(RenewalStart {
        draft: renewal_draft(&source, actor.id, flow),
        source_number: l.row.document_number.clone(),
        source_id: l.row.id,
        source_userids: super::attachments::stored_userids(db, l.row.id).await?,
    })
}

/// Puts today's renewal reminders in the outbox: for every fulfilled contract whose API expiry
/// date is 30 or 7 days away (or closer, when a run was missed), one `contract.renewal_due` event
/// for its owner — once per threshold and expiry date, whoever else runs this at the same time.
/// Returns how many were sent.
pub async fn send_reminders(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let today = china_date(now);
    let widest = crate::domain::contract::renewal::REMINDER_DAYS[0];
    let until = today.checked_add_days(Days::new(u64::from(widest))).unwrap_or(today);
    let mut sent = 0;
    for r in db::expiring(db, crate::domain::policy::Visibility::Everything, today, until, REMINDER_SCAN).await? {
        let Some(expiry) = r.api_expiry_date else { continue };
        let Some(threshold) = reminder_due(expiry, today) else { continue };
        let (_writer, txn) = crate::db::begin_write(db).await?;
        if db::record_reminder(&txn, r.id, threshold, expiry, now).await? {
            let header = Header {
                contract_id: r.id,
                document_number: r.document_number.clone(),
                end_customer: r.end_customer.clone(),
                actor_user_id: None,
                notify: vec![r.owner_user_id],
            };
            let left = u32::try_from(days_left(expiry, today)).unwrap_or(0);
            outbox::enqueue(&txn, &Event::RenewalDue { header, expiry, days_left: left, threshold }).await?;
            sent += 1;
        }
        txn.commit().await?;
    }
    Ok(sent)
}
