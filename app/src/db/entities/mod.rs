//! Sea-ORM entities: one module per table.

pub mod audit_event;
pub mod login_attempt;
pub mod organisation;
pub mod price_book;
pub mod price_book_tier;
pub mod saved_quote;
pub mod session;
pub mod setting;
pub mod user;
