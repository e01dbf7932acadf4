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
