//! Storing and finding saved quotes.

use super::entities::saved_quote;
use crate::domain::{Quote, QuoteForm};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

/// A saved quote as stored: what was typed, what the server priced, and its validity.
#[derive(Clone, Debug)]
pub struct StoredQuote {
    pub id: i32,
    pub form: QuoteForm,
    pub quote: Quote,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Stores a priced quote under `token`; returns its id (the quote number is derived from it).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    token: &str,
    form: &QuoteForm,
    quote: &Quote,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i32, DbErr> {
    let json = |v: serde_json::Result<String>| v.map_err(|e| DbErr::Custom(format!("saved quote as JSON: {e}")));
    let saved = saved_quote::ActiveModel {
        token: Set(token.to_owned()),
        price_book_version: Set(quote.price_book.clone()),
        form_json: Set(json(serde_json::to_string(form))?),
        quote_json: Set(json(serde_json::to_string(quote))?),
        created_at: Set(created_at),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(saved.id)
}

/// The quote saved under `token`, expired or not.
pub async fn find_by_token<C: ConnectionTrait>(db: &C, token: &str) -> Result<Option<StoredQuote>, DbErr> {
    let Some(row) = saved_quote::Entity::find().filter(saved_quote::Column::Token.eq(token)).one(db).await? else {
        return Ok(None);
    };
    let bad = |e: serde_json::Error| DbErr::Custom(format!("saved quote {} is unreadable: {e}", row.id));
    Ok(Some(StoredQuote {
        id: row.id,
        form: serde_json::from_str(&row.form_json).map_err(bad)?,
        quote: serde_json::from_str(&row.quote_json).map_err(bad)?,
        created_at: row.created_at,
        expires_at: row.expires_at,
    }))
}
