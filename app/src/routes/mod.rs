//! Pages, one module per route.

pub mod contract_form;
pub mod contracts;
pub mod not_found;
pub mod quote;
pub mod saved_quote;
pub mod signin;
