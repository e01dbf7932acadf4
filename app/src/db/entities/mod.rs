//! Sea-ORM entities: one module per table.

pub mod approval_flow;
pub mod approval_level;
pub mod approval_level_candidate;
pub mod approval_step;
pub mod attachment;
pub mod audit_event;
pub mod contract;
pub mod contract_approver;
pub mod contract_line;
pub mod contract_userid;
pub mod document_sequence;
pub mod login_attempt;
pub mod notification;
pub mod organisation;
pub mod outbox;
pub mod payment_link;
pub mod price_book;
pub mod price_book_tier;
pub mod renewal_reminder;
pub mod saved_quote;
pub mod session;
pub mod setting;
pub mod throttle;
pub mod user;
