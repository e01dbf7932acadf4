//! The price book as the browser needs it: the one in effect today.

use crate::domain::PriceBook;
use leptos::prelude::*;

/// The price book in effect today. Public: anyone may quote.
#[server(endpoint = "price_book/current")]
pub async fn current_price_book() -> Result<PriceBook, crate::error::AppError> {
    let db = super::ctx::db()?;
    super::ctx::respond(
        crate::services::quotes::current_price_book(&db)
            .await
            .map_err(|e| crate::error::AppError::internal("loading the current price book failed", e)),
    )
}

/// A stored price book version by its label: a contract shows the price it was priced with.
/// Public, like the current one (prices are no secret).
#[server(endpoint = "price_book/version")]
pub async fn price_book_version(version: String) -> Result<PriceBook, crate::error::AppError> {
    let db = super::ctx::db()?;
    super::ctx::respond(
        crate::services::quotes::price_book_version(&db, &version)
            .await
            .and_then(|b| b.ok_or_else(|| crate::error::AppError::not_found("价格表版本", "Price book version"))),
    )
}
