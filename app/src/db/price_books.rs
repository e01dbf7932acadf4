//! Loading and storing price books.

use super::entities::{price_book, price_book_tier};
use crate::domain::{Money, PriceBook, Tier};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

/// Stores a new price book version with its tiers. Run it inside a transaction (migrations are;
/// admin edits open one) so a book is never stored without its tiers.
pub async fn insert<C: ConnectionTrait>(db: &C, book: &PriceBook) -> Result<i32, DbErr> {
    let tax_rate_bp = (book.tax_rate * Decimal::from(10_000))
        .trunc()
        .try_into()
        .map_err(|_| DbErr::Custom(format!("tax rate {} out of range", book.tax_rate)))?;
    let saved = price_book::ActiveModel {
        version: Set(book.version.clone()),
        effective_from: Set(book.effective_from),
        min_months_new: Set(to_i32(book.min_months_new)?),
        max_months: Set(to_i32(book.max_months)?),
        tax_rate_bp: Set(tax_rate_bp),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    for tier in &book.tiers {
        price_book_tier::ActiveModel {
            price_book_id: Set(saved.id),
            position_from: Set(i64::from(tier.from)),
            position_to: Set(tier.to.map(i64::from)),
            basic_fen: Set(tier.basic.map(Money::fen)),
            interop_fen: Set(tier.interop.map(Money::fen)),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(saved.id)
}

/// Every stored price book version, oldest first.
pub async fn all<C: ConnectionTrait>(db: &C) -> Result<Vec<PriceBook>, DbErr> {
    Ok(all_with_ids(db).await?.into_iter().map(|(_, book)| book).collect())
}

/// The price book in effect on `date`.
pub async fn effective_on<C: ConnectionTrait>(db: &C, date: NaiveDate) -> Result<PriceBook, DbErr> {
    let books = all(db).await?;
    crate::domain::price_book::effective_on(&books, date)
        .cloned()
        .ok_or_else(|| DbErr::RecordNotFound(format!("no price book is in effect on {date}")))
}

/// The price book in effect today (UTC+8, the business's calendar).
pub async fn current<C: ConnectionTrait>(db: &C) -> Result<PriceBook, DbErr> {
    effective_on(db, crate::domain::calendar::china_date(Utc::now())).await
}

fn into_price_book(book: price_book::Model, tiers: Vec<price_book_tier::Model>) -> Result<PriceBook, DbErr> {
    let position = |v: i64| u32::try_from(v).map_err(|_| DbErr::Custom(format!("tier position {v} out of range")));
    let tiers = tiers
        .into_iter()
        .map(|t| {
            Ok(Tier {
                from: position(t.position_from)?,
                to: t.position_to.map(position).transpose()?,
                basic: t.basic_fen.map(Money::from_fen),
                interop: t.interop_fen.map(Money::from_fen),
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let months = |v: i32| u32::try_from(v).map_err(|_| DbErr::Custom(format!("month limit {v} out of range")));
    Ok(PriceBook {
        version: book.version,
        effective_from: book.effective_from,
        tiers,
        min_months_new: months(book.min_months_new)?,
        max_months: months(book.max_months)?,
        tax_rate: Decimal::new(i64::from(book.tax_rate_bp), 4).normalize(),
    })
}

fn to_i32(v: u32) -> Result<i32, DbErr> {
    i32::try_from(v).map_err(|_| DbErr::Custom(format!("{v} out of range")))
}

/// Every stored version with its row id, oldest first.
pub async fn all_with_ids<C: ConnectionTrait>(db: &C) -> Result<Vec<(i64, PriceBook)>, DbErr> {
    let rows = price_book::Entity::find()
        .order_by_asc(price_book::Column::EffectiveFrom)
        .find_with_related(price_book_tier::Entity)
        .order_by_asc(price_book_tier::Column::PositionFrom)
        .all(db)
        .await?;
    rows.into_iter().map(|(book, tiers)| Ok((i64::from(book.id), into_price_book(book, tiers)?))).collect()
}

/// The stored version labelled `version`, if any.
pub async fn by_version<C: ConnectionTrait>(db: &C, version: &str) -> Result<Option<PriceBook>, DbErr> {
    Ok(all(db).await?.into_iter().find(|b| b.version == version))
}

/// Deletes a version and its tiers (the service allows it only before it takes effect).
pub async fn delete<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), DbErr> {
    let id = i32::try_from(id).map_err(|_| DbErr::RecordNotFound(format!("no price book {id}")))?;
    price_book_tier::Entity::delete_many().filter(price_book_tier::Column::PriceBookId.eq(id)).exec(db).await?;
    price_book::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Replaces a stored version by `book` (deleted and inserted again, tiers and all, in the caller's
/// transaction). Returns the new row id.
pub async fn replace<C: ConnectionTrait>(db: &C, id: i64, book: &PriceBook) -> Result<i32, DbErr> {
    delete(db, id).await?;
    insert(db, book).await
}
