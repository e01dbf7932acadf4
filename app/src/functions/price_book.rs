//! The price book as the browser needs it: the one in effect today.

use crate::domain::PriceBook;
use leptos::prelude::*;

/// The price book in effect today. Public: anyone may quote.
#[server]
pub async fn current_price_book() -> Result<PriceBook, ServerFnError> {
    let db = super::ctx::db()?;
    crate::db::price_books::current(&db).await.map_err(|e| {
        tracing::error!(error = %e, "loading the current price book failed");
        ServerFnError::new("价格表暂时无法读取，请稍后再试 / The price book cannot be read right now")
    })
}
