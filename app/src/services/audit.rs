//! The admin's audit search (审计): every event of the audit trail, filtered by who, which
//! contract and when, newest first, for admins only.

use super::invalid;
use crate::db::audit::{self as db, AuditQuery};
use crate::db::contract_reads::{self, cursor_of, parse_cursor};
use crate::domain::calendar::china_day_start as day_start;
use crate::domain::contract::DocumentNumber;
use crate::domain::period::parse_date;
use crate::domain::policy::is_admin;
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::models::{AuditEntry, AuditFilter, AuditPage, SessionUser};
use chrono::Days;
use sea_orm::DatabaseConnection;

/// Events per page.
pub const PAGE: u64 = 50;

pub async fn search(db: &DatabaseConnection, actor: &SessionUser, f: &AuditFilter) -> Result<AuditPage, AppError> {
    if !is_admin(Some(actor)) {
        return Err(AppError::Forbidden);
    }
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let mut problems = Vec::new();
    let mut date = |field: &str, v: &Option<String>, zh: &str, en: &str| {
        let t = text(v)?;
        let d = parse_date(&t);
        if d.is_none() {
            problems.push(Problem::error(
                field,
                "invalid_date",
                format!("{zh}“{t}”不是日期，请按 2026-12-05 填写"),
                format!("{en} \"{t}\" is not a date; write it as 2026-12-05"),
            ));
        }
        d
    };
    let from = date("from", &f.from, "开始日期", "From");
    let to = date("to", &f.to, "结束日期", "To");
    let before = match text(&f.cursor) {
        Some(c) => Some(parse_cursor(&c).ok_or_else(|| {
            invalid(vec![Problem::error(
                "cursor",
                "invalid_cursor",
                "翻页位置无效，请从第一页开始",
                "Bad page cursor; start from the first page",
            )])
        })?),
        None => None,
    };
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let actors = match text(&f.user) {
        Some(u) => Some(db::users_matching(db, &u).await?),
        None => None,
    };
    let contracts = match text(&f.contract) {
        Some(c) => Some(match DocumentNumber::parse("contract", &c) {
            Ok(n) => contract_reads::id_by_number(db, &n.to_string()).await?.into_iter().collect(),
            Err(_) => c.parse::<i64>().map(|id| vec![id]).unwrap_or_default(),
        }),
        None => None,
    };
    let q = AuditQuery {
        actors,
        contracts,
        from: from.and_then(day_start),
        until: to.and_then(|d| d.checked_add_days(Days::new(1))).and_then(day_start),
        before,
        limit: PAGE + 1,
    };
    let mut events = db::search(db, &q).await?;
    let next_cursor = (events.len() as u64 > PAGE).then(|| {
        events.truncate(PAGE as usize);
        events.last().map(|e| cursor_of(e.at, e.id))
    });
    let entries = db::entries(db, &events).await?;
    let ids: Vec<i64> = events.iter().filter(|e| e.subject_type == "contract").filter_map(|e| e.subject_id).collect();
    let names = contract_reads::names(db, ids).await?;
    let items = events
        .iter()
        .zip(entries)
        .map(|(e, entry)| {
            let contract_id = e.subject_id.filter(|_| e.subject_type == "contract");
            AuditEntry {
                id: e.id,
                entry,
                contract_id,
                document_number: contract_id.and_then(|c| names.get(&c).and_then(|(n, _)| n.clone())),
            }
        })
        .collect();
    Ok(AuditPage { items, next_cursor: next_cursor.flatten() })
}
