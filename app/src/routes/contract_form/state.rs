//! The contract form's state, shared by all its parts: the draft as typed, the contract as the
//! server last answered, the problems the shared rules find, the live price, and what the policy
//! and the status allow.

use crate::domain::PriceBook;
use crate::domain::contract::{
    ContractDraft, ContractQuote, ContractStatus, SheetFacts, SubmitContext, price_draft, save_problems,
    validate_submit,
};
use crate::domain::policy::{self, Action, ContractFacts};
use crate::domain::problem::{Lang, Problem};
use crate::i18n::Locale;
use crate::models::{ContractDto, SessionUser};
use leptos::prelude::*;
use std::collections::BTreeSet;

/// The form's state, shared by its parts (all signals, so it is `Copy`).
#[derive(Clone, Copy)]
pub(super) struct Form {
    pub draft: RwSignal<ContractDraft>,
    /// The contract as the server last answered.
    pub saved: RwSignal<Option<ContractDto>>,
    /// The draft as last loaded or saved: what "unsaved" is measured against.
    pub baseline: RwSignal<ContractDraft>,
    /// Fields the user has left once: their submit-level problems show from then on.
    pub touched: RwSignal<BTreeSet<String>>,
    /// After a submit attempt every submit-level problem shows.
    pub submit_tried: RwSignal<bool>,
    pub server_problems: RwSignal<Vec<Problem>>,
    pub save_problems: Memo<Vec<Problem>>,
    pub submit_problems: Memo<Vec<Problem>>,
    pub priced: Memo<Option<ContractQuote>>,
    /// The userid sheet as read in this browser (before or after upload).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub sheet: RwSignal<Option<SheetFacts>>,
    /// The userid sheet last read in this browser, shown with its summary and problems until
    /// another is read (it stays after a submission the server refused).
    pub sheet_preview: RwSignal<Option<super::sheet::SheetPreview>>,
    /// Files dropped on the attachment zones, from their check until stored or dismissed.
    pub uploads: RwSignal<Vec<super::dropzone::UploadItem>>,
    /// The largest attachment the server accepts.
    pub upload_limit: u64,
    /// For a renewal not yet saved: the contract it renews, whose userids become this contract's
    /// userid sheet once it is created.
    pub renew_source: RwSignal<Option<i64>>,
    pub editable: Memo<bool>,
    pub busy: RwSignal<bool>,
    pub notice: RwSignal<Option<Notice>>,
    /// The signed-in user, whom the policy is asked about a contract not yet created.
    actor: StoredValue<SessionUser>,
    /// The page language, for the domain's messages and names.
    pub lang: Lang,
    /// The same language, for the form's own texts (`td_string!`).
    pub locale: Locale,
}

/// The answer of the last button pressed (or why it was not sent), shown above the buttons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Notice {
    Ok(String),
    Error(String),
}

impl Form {
    /// The state of a form on `draft`, for `contract` as stored (`None` before it is created): the
    /// rules re-run on every change, with `book` and the admin's `installed_apps` for the submit
    /// level and the price.
    pub fn new(
        actor: SessionUser,
        book: PriceBook,
        installed_apps: Vec<String>,
        contract: Option<ContractDto>,
        draft: ContractDraft,
        lang: Lang,
    ) -> Form {
        let draft_signal = RwSignal::new(draft.clone());
        let saved = RwSignal::new(contract);
        let sheet = RwSignal::new(None::<SheetFacts>);
        let book_for_rules = book.clone();
        let save_problems = Memo::new(move |_| draft_signal.with(save_problems));
        let submit_problems = Memo::new(move |_| {
            let facts = sheet.get();
            draft_signal.with(|d| {
                let ctx =
                    SubmitContext { book: &book_for_rules, installed_apps: &installed_apps, sheet: facts.as_ref() };
                validate_submit(d, &ctx)
            })
        });
        let priced = Memo::new(move |_| {
            let facts = sheet.get();
            draft_signal.with(|d| price_draft(d, &book, facts.as_ref()).ok())
        });
        let actor = StoredValue::new(actor);
        let editable = Memo::new(move |_| {
            saved.with(|c| {
                let status = c.as_ref().map_or(ContractStatus::Draft, |c| c.status);
                status.is_editable() && allowed(c.as_ref(), actor, Action::Edit)
            })
        });
        Form {
            draft: draft_signal,
            saved,
            baseline: RwSignal::new(draft),
            touched: RwSignal::new(BTreeSet::new()),
            submit_tried: RwSignal::new(false),
            server_problems: RwSignal::new(Vec::new()),
            save_problems,
            submit_problems,
            priced,
            sheet,
            sheet_preview: RwSignal::new(None),
            uploads: RwSignal::new(Vec::new()),
            upload_limit: crate::domain::attachment::DEFAULT_MAX_UPLOAD_BYTES,
            renew_source: RwSignal::new(None),
            editable,
            busy: RwSignal::new(false),
            notice: RwSignal::new(None),
            actor,
            lang,
            locale: Locale::from(lang),
        }
    }

    pub fn contract_id(&self) -> Option<i64> {
        self.saved.with_untracked(|c| c.as_ref().map(|c| c.id))
    }

    pub fn touch(&self, path: &str) {
        if !self.touched.with_untracked(|t| t.contains(path)) {
            self.touched.update(|t| {
                t.insert(path.to_owned());
            });
        }
    }

    /// The problems to show at `path` now: format problems at once, missing values once the field
    /// was left or a submit was tried, and what the server answered.
    pub fn problems(&self, path: &str) -> Vec<Problem> {
        let full = self.submit_tried.get() || self.touched.with(|t| t.contains(path));
        let source = if full { self.submit_problems } else { self.save_problems };
        let mut out: Vec<Problem> = source.with(|ps| ps.iter().filter(|p| p.field == path).cloned().collect());
        self.server_problems.with(|ps| {
            for p in ps.iter().filter(|p| p.field == path) {
                if !out.iter().any(|o| o.code == p.code) {
                    out.push(p.clone());
                }
            }
        });
        out
    }

    pub fn has_error(&self, path: &str) -> bool {
        self.problems(path).iter().any(Problem::is_error)
    }

    /// The contract's status; a contract not yet created is a draft.
    pub fn status(&self) -> ContractStatus {
        self.saved.with(|c| c.as_ref().map_or(ContractStatus::Draft, |c| c.status))
    }

    /// Whether the policy lets the signed-in user do `action` to this contract. Whether its status
    /// allows it now is the state machine's question ([`ContractStatus`]), asked by the caller.
    pub fn may(&self, action: Action) -> bool {
        self.saved.with(|c| allowed(c.as_ref(), self.actor, action))
    }
}

/// The policy's answer: for a stored contract, the server's (`ContractDto::allowed`, from
/// [`policy::allows`]); for one not yet created, the same function asked about a draft of the
/// user's own organisation, which is what creating it makes.
fn allowed(contract: Option<&ContractDto>, actor: StoredValue<SessionUser>, action: Action) -> bool {
    match contract {
        Some(c) => c.allowed.contains(&action),
        None => actor.with_value(|u| {
            let draft = ContractFacts {
                organisation_id: u.organisation_id,
                owner_user_id: u.id,
                status: ContractStatus::Draft,
                ..ContractFacts::default()
            };
            policy::allows(Some(u), action, &draft)
        }),
    }
}
