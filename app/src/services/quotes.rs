//! Quotes: the price book in effect, and saved quotes (保存报价 / 分享报价). A saved quote is
//! repriced here with today's book — the browser's total is never stored — and kept under a long
//! random token for `valid_days`.

use crate::crypto::random_token;
use crate::db::{price_books, saved_quotes, throttle};
use crate::domain::{PriceBook, Problem, QuoteForm};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr};

pub use crate::db::saved_quotes::StoredQuote;

/// The price book in effect today.
pub async fn current_price_book<C: ConnectionTrait>(db: &C) -> Result<PriceBook, DbErr> {
    price_books::current(db).await
}

/// A stored price book version by its label.
pub async fn price_book_version<C: ConnectionTrait>(
    db: &C,
    version: &str,
) -> Result<Option<PriceBook>, crate::error::AppError> {
    Ok(price_books::by_version(db, version).await?)
}

/// The days a saved quote stays valid: the admin's setting (系统设置), else `env_default`
/// (`QUOTE_VALID_DAYS`, or 30).
pub async fn valid_days<C: ConnectionTrait>(db: &C, env_default: i64) -> Result<i64, DbErr> {
    let days = crate::db::settings::value(db, crate::domain::admin::keys::QUOTE_VALID_DAYS).await?;
    Ok(days.and_then(|v| v.parse().ok()).unwrap_or(env_default))
}

/// The seller printed on saved quotes, as the admin set it (the seed's by default).
pub async fn seller<C: ConnectionTrait>(db: &C) -> Result<crate::domain::seller::Seller, DbErr> {
    use crate::domain::admin::keys;
    let s = crate::db::settings::values(db, &[keys::SELLER_NAME, keys::SELLER_CONTACT, keys::SALES_EMAIL]).await?;
    let get = |k: &str| s.get(k).map(String::as_str);
    Ok(crate::domain::seller::Seller::from_values(
        get(keys::SELLER_NAME),
        get(keys::SELLER_CONTACT),
        get(keys::SALES_EMAIL),
    ))
}

/// How a save went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Stored under this token.
    Saved { token: String },
    /// The inputs do not price: every problem by field.
    Invalid { problems: Vec<Problem> },
    /// An anonymous visitor saved too many from this address: try again in `minutes`.
    Limited { minutes: i64 },
}

/// Who saves, and the limits that apply.
#[derive(Clone, Debug)]
pub struct Saver<'a> {
    /// Signed-in users are accountable and not limited.
    pub signed_in: bool,
    /// The client's address, for the anonymous limit.
    pub address: &'a str,
    /// Anonymous saves allowed per address and hour.
    pub per_hour: i64,
    /// Days the saved quote stays valid (0: already expired, for demonstrations).
    pub valid_days: i64,
}

/// Prices the form with today's book and stores it. Every saved quote is a row kept for its
/// validity, so an anonymous loop must not fill the database: anonymous saves are counted per
/// address and hour.
pub async fn save<C: ConnectionTrait>(db: &C, form: &QuoteForm, who: &Saver<'_>) -> Result<Saved, DbErr> {
    let book = price_books::current(db).await?;
    let result = form.evaluate(&book);
    let Some(quote) = result.quote else { return Ok(Saved::Invalid { problems: result.problems }) };
    if !who.signed_in {
        let window = chrono::Duration::hours(1);
        let count = throttle::hit(db, &format!("quote_save:{}", who.address), window).await?;
        if count.hits > who.per_hour {
            return Ok(Saved::Limited { minutes: count.minutes_left(window) });
        }
    }
    let token = random_token();
    let now = Utc::now();
    saved_quotes::insert(db, &token, form, &quote, now, now + chrono::Duration::days(who.valid_days)).await?;
    Ok(Saved::Saved { token })
}

/// The quote saved under `token`, expired or not. A token that is not 64 hex digits cannot match:
/// the database is not asked.
pub async fn find<C: ConnectionTrait>(db: &C, token: &str) -> Result<Option<StoredQuote>, DbErr> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    saved_quotes::find_by_token(db, token).await
}
