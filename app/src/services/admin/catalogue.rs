//! Price book versions (价格表) and approval flows (审批流程).

use super::{in_txn, problem, record, require_admin};
use crate::db::{accounts as db_accounts, flows, price_books};
use crate::domain::PriceBook;
use crate::domain::admin::{self, LevelEdit};
use crate::domain::calendar::china_date;
use crate::error::AppError;
use crate::models::{FlowDto, FlowsPage, PriceBookVersion, PriceBooksPage, SessionUser};
use crate::services::{invalid, now};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

/// Every price book version, with which is in effect today and which may still change.
pub async fn price_books(db: &DatabaseConnection, actor: &SessionUser) -> Result<PriceBooksPage, AppError> {
    require_admin(actor)?;
    let today = china_date(now());
    let all = price_books::all_with_ids(db).await?;
    let books: Vec<PriceBook> = all.iter().map(|(_, b)| b.clone()).collect();
    let current = crate::domain::price_book::effective_on(&books, today).map(|b| b.version.clone());
    let versions = all
        .into_iter()
        .map(|(id, book)| PriceBookVersion {
            id,
            in_effect: current.as_deref() == Some(book.version.as_str()),
            editable: admin::price_book_editable(&book, today),
            book,
        })
        .collect();
    Ok(PriceBooksPage { versions, today })
}

fn book_json(b: &PriceBook) -> Value {
    serde_json::to_value(b).unwrap_or(Value::Null)
}

/// Saves a price book version: a new one (`id` none), or a change to one not yet in effect.
/// Checked by `PriceBook::validate` and `domain::admin::check_price_book` (today or later, a free
/// date, a new label). Quotes and contracts priced before keep their version.
pub async fn save_price_book(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: Option<i64>,
    mut book: PriceBook,
) -> Result<PriceBookVersion, AppError> {
    require_admin(actor)?;
    book.version = book.version.trim().to_owned();
    let today = china_date(now());
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let all = price_books::all_with_ids(txn).await?;
            let before = match id {
                Some(id) => Some(changeable_version(&all, id, today, "effective_from")?.clone()),
                None => None,
            };
            let others: Vec<PriceBook> = all.iter().filter(|(i, _)| Some(*i) != id).map(|(_, b)| b.clone()).collect();
            let problems = admin::check_price_book(&book, &others, today);
            if !problems.is_empty() {
                return Err(invalid(problems));
            }
            let new_id = match id {
                Some(id) => price_books::replace(txn, id, &book).await?,
                None => price_books::insert(txn, &book).await?,
            };
            let (action, words) =
                if before.is_some() { ("price_book.updated", "修改") } else { ("price_book.created", "新建") };
            let comment = format!("{words}价格表版本 {}（{} 起生效）", book.version, book.effective_from);
            let before_json = before.as_ref().map_or(Value::Null, book_json);
            record(txn, &actor, action, ("price_book", i64::from(new_id)), comment, before_json, book_json(&book))
                .await?;
            Ok(PriceBookVersion {
                id: i64::from(new_id),
                in_effect: book.effective_from <= today,
                editable: admin::price_book_editable(&book, today),
                book,
            })
        })
    })
    .await
}

/// The stored version `id` of `all`, if it has not taken effect by `today` (else it is history:
/// `price_book_read_only`, on `field`).
fn changeable_version<'a>(
    all: &'a [(i64, PriceBook)],
    id: i64,
    today: chrono::NaiveDate,
    field: &str,
) -> Result<&'a PriceBook, AppError> {
    let (_, b) =
        all.iter().find(|(i, _)| *i == id).ok_or_else(|| AppError::not_found("价格表版本", "Price book version"))?;
    if !admin::price_book_editable(b, today) {
        return Err(problem(
            field,
            "price_book_read_only",
            format!("版本“{}”已于 {} 生效，不可再修改或删除：请新建版本", b.version, b.effective_from),
            format!("Version “{}” took effect on {}; it is read-only: make a new version", b.version, b.effective_from),
        ));
    }
    Ok(b)
}

/// Deletes a version that has not taken effect yet.
pub async fn delete_price_book(db: &DatabaseConnection, actor: &SessionUser, id: i64) -> Result<(), AppError> {
    require_admin(actor)?;
    let today = china_date(now());
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let all = price_books::all_with_ids(txn).await?;
            let b = changeable_version(&all, id, today, "id")?;
            price_books::delete(txn, id).await?;
            let comment = format!("删除未生效的价格表版本 {}（原定 {} 生效）", b.version, b.effective_from);
            record(txn, &actor, "price_book.deleted", ("price_book", id), comment, book_json(b), Value::Null).await?;
            Ok(())
        })
    })
    .await
}

// ---- approval flows ----------------------------------------------------------------------------

/// Every flow with its levels, and who may stand in a level.
pub async fn flows(db: &DatabaseConnection, actor: &SessionUser) -> Result<FlowsPage, AppError> {
    require_admin(actor)?;
    Ok(FlowsPage { flows: flows::all(db).await?, approvers: db_accounts::approvers(db).await? })
}

fn flow_json(f: &FlowDto) -> Value {
    json!({
        "name": f.name,
        "levels": f.levels.iter().map(|l| json!({
            "level": l.level, "name": l.name,
            "default_approver": l.default_approver.as_ref().map(|p| &p.display_name),
            "candidates": l.candidates.iter().map(|p| &p.display_name).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Saves a flow's name and levels. Contracts already submitted keep their approvers; the change
/// applies to submissions from now on.
pub async fn save_flow(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
    name: String,
    levels: Vec<LevelEdit>,
) -> Result<FlowDto, AppError> {
    require_admin(actor)?;
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let before = flows::find(txn, id).await?.ok_or_else(|| AppError::not_found("审批流程", "Approval flow"))?;
            let allowed: Vec<i64> = db_accounts::approvers(txn).await?.into_iter().map(|p| p.id).collect();
            let levels = admin::check_flow(&name, &levels, &allowed).map_err(invalid)?;
            flows::replace(txn, id, name.trim(), &levels).await?;
            let after = flows::find(txn, id).await?.ok_or_else(|| AppError::not_found("审批流程", "Approval flow"))?;
            let describe = |f: &FlowDto| {
                f.levels
                    .iter()
                    .map(|l| {
                        let d = l.default_approver.as_ref().map_or("—", |p| p.display_name.as_str());
                        format!("{}.{}（{d}）", l.level, l.name)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let comment = format!("修改审批流程“{}”：{} → {}", after.name, describe(&before), describe(&after));
            record(txn, &actor, "flow.updated", ("flow", id), comment, flow_json(&before), flow_json(&after)).await?;
            Ok(after)
        })
    })
    .await
}
