//! Parts of pages that more than one page uses, or that are big enough to stand alone.

pub mod form_field;
pub mod quote_result;
pub mod table;
pub mod tier_chart;
pub mod user_menu;
