//! The order contract (企业微信接口合同): its draft, its fields and the rules that validate it.
//!
//! - [`fields`]: types that parse — [`DocumentNumber`], [`LeaseUrl`] — and the form's choices
//!   ([`CrmManagementType`], [`PaymentMethod`], [`ProductKind`]).
//! - [`draft`]: [`ContractDraft`], the form as typed, saved and restored as is.
//! - [`approval`]: who approves each level (the flow's default or the submitter's pick).
//! - [`attachments`]: the voucher and userid sheet a draft names are this contract's own uploads.
//! - [`rules`]: [`validate_save`] and [`validate_submit`], rules 1–6 of PRODUCT.md §3, and
//!   [`submit`], which turns a clean draft into typed values and its price.
//! - [`typed`]: [`TypedDraft`], a savable draft as typed values (stored and priced as is).
//! - [`pricing`]: [`ContractQuote`], the lines priced by the quote engine plus negotiated amounts.
//! - [`remark`]: what counts as the remark explaining something (备注说明).
//! - [`status`]: [`ContractStatus`] and its moves, and the approvers' comment and reason rules.
//! - [`fulfilment`]: [`check_fulfilment`], what an admin records at 开通.
//! - [`list`]: the contract list's filters, sorts and keyset cursors, read from text.
//!
//! Plain Rust, shared by the browser (instant feedback) and the server (the authority).

pub mod approval;
pub mod attachments;
pub mod draft;
pub mod fields;
pub mod fulfilment;
pub mod history;
pub mod list;
pub mod merge;
pub mod pricing;
pub mod remark;
pub mod renewal;
pub mod rules;
pub mod status;
pub mod typed;

pub use attachments::{UploadedFile, check_attachment_refs};
pub use draft::{ApprovalChoice, AttachmentId, ContractDraft, DraftLine, SheetFacts, SourceOrder, UserRef};
pub use fields::{CrmManagementType, DocumentNumber, LeaseUrl, PaymentMethod, ProductKind, max_len, paths};
pub use fulfilment::{Fulfilment, check_fulfilment};
pub use pricing::{ContractLineQuote, ContractQuote};
pub use rules::{
    Purchased, Submission, SubmitContext, parse_quantity, price_draft, save_problems, submit, userid_count_matches,
    userid_count_matches_of, validate_save, validate_submit,
};
pub use status::{ContractAction, ContractStatus, MAX_COMMENT, check_comment, check_reject_reason};
pub use typed::{TypedDraft, TypedLine, TypedSource};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod typed_tests;
