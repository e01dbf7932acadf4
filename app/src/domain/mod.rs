//! The business rules, as plain Rust: no Leptos, no database, no I/O.
//!
//! Compiled into both the WASM client (instant feedback) and the server (the authority). A rule
//! lives here once; pages and server functions call it, never re-implement it.

pub mod account;
pub mod actor;
pub mod admin;
pub mod as_text;
pub mod attachment;
pub mod calendar;
pub mod contract;
pub mod event;
pub mod ids;
pub mod money;
pub mod payment_link;
pub mod period;
pub mod policy;
pub mod price_book;
pub mod problem;
pub mod quote;
pub mod quote_form;
pub mod robot;
pub mod seller;
pub mod sheet;
pub mod wecom;

pub use ids::{CorpId, UserId};
pub use money::Money;
pub use price_book::{AccountKind, PriceBook, Tier};
pub use problem::{Lang, Problem, Severity};
pub use quote::{Band, LineQuote, OrderType, Quote, QuoteLineRequest, QuoteRequest};
pub use quote_form::QuoteForm;
