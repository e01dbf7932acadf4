//! Quotes: the price book in effect, and saved quotes (保存报价 / 分享报价). A saved quote is
//! repriced here with today's book — the browser's total is never stored — and kept under a long
//! random token for `valid_days`.

use crate::crypto::random_token;
use crate::db::{price_books, saved_quotes, throttle};
use crate::domain::{PriceBook, Problem, QuoteForm};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::db::saved_quotes::StoredQuote;

/// The price book in effect today.
pub async fn current_price_book<C: ConnectionTrait>(db: &C) -> Result<PriceBook, DbErr> {
    price_books::current(db).await
}

/// The price book in effect today, kept in memory for the public quote API (`POST /api/v1/quote`),
/// which would otherwise read every stored version on every call.
///
/// Fresh when: the book was read less than `ttl` ago, on the same Beijing date, and [`changed`]
/// was not called since (the admin's price book functions call it once their change committed). A
/// book published by *another* server process on the same database shows here within `ttl`.
/// Draft saves use it too (a draft is repriced from the database's book when it is submitted);
/// submissions and the pages read the database itself.
///
/// [`changed`]: CurrentPriceBook::changed
pub struct CurrentPriceBook {
    ttl: Duration,
    /// Bumped by `changed`; a book read before a bump is not served after it.
    changes: AtomicU64,
    cached: Mutex<Option<CachedBook>>,
}

struct CachedBook {
    book: Arc<PriceBook>,
    changes: u64,
    date: chrono::NaiveDate,
    read_at: Instant,
}

/// How long a book read by [`CurrentPriceBook::default`] is served: 1 s.
pub const PRICE_BOOK_TTL: Duration = Duration::from_secs(1);

impl Default for CurrentPriceBook {
    fn default() -> Self {
        Self::new(PRICE_BOOK_TTL)
    }
}

impl std::fmt::Debug for CurrentPriceBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentPriceBook").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl CurrentPriceBook {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, changes: AtomicU64::new(0), cached: Mutex::new(None) }
    }

    /// Marks the kept book stale: call it after a price book write has committed (a mark before
    /// the commit could let a reader keep the old book as new).
    pub fn changed(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }

    pub async fn get<C: ConnectionTrait>(&self, db: &C) -> Result<Arc<PriceBook>, DbErr> {
        let changes = self.changes.load(Ordering::SeqCst);
        let today = crate::domain::calendar::china_date(Utc::now());
        {
            let cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = cached.as_ref()
                && c.changes == changes
                && c.date == today
                && c.read_at.elapsed() < self.ttl
            {
                return Ok(c.book.clone());
            }
        }
        let read_at = Instant::now();
        let book = Arc::new(price_books::effective_on(db, today).await?);
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        *cached = Some(CachedBook { book: book.clone(), changes, date: today, read_at });
        Ok(book)
    }
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
