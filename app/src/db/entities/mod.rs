//! Sea-ORM entities: one module per table.

pub mod price_book;
pub mod price_book_tier;
pub mod saved_quote;
