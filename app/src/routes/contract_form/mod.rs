//! The order contract form (企业微信接口合同): `/contracts/new` (optionally `?quote=<token>` to start
//! from a saved quote) and `/contracts/<id>`.
//!
//! The page loads the contract, the price book, the form's choices and the approval flow once;
//! from then on every change runs the shared rules (`domain::contract`: save and submit level) and
//! the quote engine in the browser, and nothing is sent until a button is pressed. The server runs
//! the same rules again on save and submit and its answer wins.
//!
//! The form by its parts: `state` (the signals every part shares, the problems to show, what the
//! policy and the status allow), `form` (the page and its 基本信息 / 备注 cards), `fields` (the
//! widgets bound to a draft field), `attachments`, `sheet` (the userid sheet and 导入明细, read in
//! the browser), `lines` (产品管理), `approval` (选择审批流程, steps, timeline), `decision` (the approver's panel: everything a
//! decision needs, approve / reject), `fulfilment` (开通),
//! `actions` (the buttons and their answers), `stash` (unsaved input kept in the browser),
//! `dropzone` (a drop zone per attachment kind: checked in the browser, uploaded with progress)
//! `upload` (the uploads, one at a time, through `XMLHttpRequest`) and `guard` (asking before
//! unsaved input is left; a stale save's dialog that applies the input to the newer version).

mod actions;
mod approval;
mod attachments;
mod decision;
mod dropzone;
mod fields;
mod form;
mod fulfilment;
mod guard;
mod history;
mod lines;
mod payment;
mod sheet;
mod source;
mod stash;
mod state;
mod upload;
mod wecom;

use crate::domain::contract::{ContractDraft, DraftLine};
use crate::domain::period::ServicePeriod;
use crate::error::AppError;
use crate::functions::RequestContext;
use crate::functions::contract_form::{ContractFormChoices, contract_form_options};
use crate::functions::contracts::{approval_flow, get_contract};
use crate::functions::desk::start_renewal;
use crate::functions::price_book::{current_price_book, price_book_version};
use crate::functions::quotes::{QuotedLine, get_saved_quote};
use crate::i18n::{Locale, td_string, use_lang, use_locale};
use crate::models::{FlowDto, SessionUser};
use crate::routes::contracts::RequireSignIn;
use crate::routes::not_found::NotFound;
use chrono::NaiveDate;
use form::{ContractForm, FormInputs};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

lazy_page!("/contracts/new": NewContractRoute => NewContractPage);

lazy_page!("/contracts/<id>": ContractRoute => ContractPage);

/// `/contracts/new`: a blank contract, or one with the product lines of a saved quote.
#[component]
pub fn NewContractPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text={td_string!(locale, contract_form.new_title)} />
        <RequireSignIn signed_in=|user: SessionUser| view! { <NewContract user /> } />
    }
}

/// `/contracts/<id>`: the contract, editable while it is a draft (or came back), with its
/// approval steps.
#[component]
pub fn ContractPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text={td_string!(locale, contract_form.title)} />
        <RequireSignIn signed_in=|user: SessionUser| view! { <ExistingContract user /> } />
    }
}

/// What every form needs from the server before it can check anything.
async fn load_basics() -> Result<(crate::domain::PriceBook, ContractFormChoices, Option<FlowDto>), AppError> {
    let (book, options, flow) = futures_join(current_price_book(), contract_form_options(), approval_flow()).await;
    let book = book?;
    // A flow that cannot be read leaves the form usable; submitting then names the missing flow.
    Ok((book, options?, flow.ok()))
}

/// Awaits three futures one after the other (they are cheap reads; keeps the dependency list short).
async fn futures_join<A, B, C>(
    a: impl Future<Output = A>,
    b: impl Future<Output = B>,
    c: impl Future<Output = C>,
) -> (A, B, C) {
    let a = a.await;
    let b = b.await;
    (a, b, c.await)
}

#[component]
fn NewContract(user: SessionUser) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let query = use_query_map();
    let token = query.with_untracked(|q| q.get("quote").filter(|t| !t.is_empty()));
    // `?renew=<id>`: the renewal (续期) of a fulfilled contract, prefilled by the server.
    let renew = query.with_untracked(|q| q.get("renew").and_then(|v| v.parse::<i64>().ok()));
    let request = RequestContext::capture();
    let data = Resource::new(
        move || (token.clone(), renew),
        move |(token, renew)| {
            request.around(async move {
                let basics = load_basics().await?;
                let quoted = match token {
                    Some(t) => get_saved_quote(t).await.map_err(|e| AppError::transport(e.to_string()))?,
                    None => None,
                };
                let renewal = match renew {
                    Some(id) => Some(start_renewal(id).await?),
                    None => None,
                };
                Ok::<_, AppError>((basics, quoted, renewal))
            })
        },
    );
    view! {
        <Suspense fallback=move || view! { <p class="loading">{td_string!(locale, contract_form.preparing)}</p> }>
            {move || {
                let user = user.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(((book, options, flow), quoted, renewal)) => {
                            let mut draft = ContractDraft::new(user.id);
                            let mut note = None;
                            if let Some(saved) = quoted {
                                fill_from_quote(&mut draft, &saved.lines(), options.today);
                                note = Some(saved.number.clone());
                            }
                            if let Some(flow) = &flow {
                                draft.approval.flow_id = Some(flow.id);
                            }
                            let mut from_renewal = None;
                            if let Some(r) = renewal {
                                draft = r.draft;
                                from_renewal = Some(form::RenewalFrom {
                                    source_id: r.source_id,
                                    number: r.source_number.unwrap_or_default(),
                                    userids: r.source_userids,
                                });
                            }
                            let inputs = FormInputs {
                                user,
                                book,
                                options,
                                flow,
                                contract: None,
                                draft,
                                from_quote: note,
                                from_renewal,
                            };
                            view! { <ContractForm inputs /> }.into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ExistingContract(user: SessionUser) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()));
    let request = RequestContext::capture();
    let data = Resource::new(id, move |id| {
        request.around(async move {
            let Some(id) = id else { return Ok(None) };
            let contract = match get_contract(id).await {
                Ok(c) => c,
                Err(AppError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            let (mut book, options, flow) = load_basics().await?;
            // A contract that can no longer be edited shows the price it was priced with: the
            // version it records, not today's (a draft is repriced at every save, so today's).
            if let Some(v) = contract.price_book_version.clone().filter(|v| *v != book.version)
                && !contract.status.is_editable()
            {
                book = price_book_version(v).await?;
            }
            Ok::<_, AppError>(Some(((book, options, flow), contract)))
        })
    });
    view! {
        <Suspense fallback=move || view! { <p class="loading">{td_string!(locale, contract_form.loading)}</p> }>
            {move || {
                let user = user.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(Some(((book, options, flow), contract))) => {
                            let draft = contract.draft.clone();
                            let inputs = FormInputs {
                                user,
                                book,
                                options,
                                flow,
                                contract: Some(contract),
                                draft,
                                from_quote: None,
                                from_renewal: None,
                            };
                            view! { <ContractForm inputs /> }.into_any()
                        }
                        Ok(None) => view! { <NotFound /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Puts a saved quote's lines into a draft: product, quantity, a service period from `today` for
/// the quoted months, the invoice choice, the order type and the active accounts the tiers started
/// after. Amounts are not copied: the form prices the lines itself (and the server again).
pub fn fill_from_quote(draft: &mut ContractDraft, lines: &[QuotedLine], today: NaiveDate) {
    if lines.is_empty() {
        return;
    }
    draft.order_type = lines.first().map(|l| l.order_type);
    let existing = |kind| lines.iter().find(|l| l.kind == kind).map(|l| l.existing).filter(|n| *n > 0);
    draft.existing_basic = existing(crate::domain::AccountKind::Basic).map(|n| n.to_string()).unwrap_or_default();
    draft.existing_interop = existing(crate::domain::AccountKind::Interop).map(|n| n.to_string()).unwrap_or_default();
    draft.lines = lines
        .iter()
        .map(|l| DraftLine {
            kind: Some(l.kind),
            quantity: l.quantity.to_string(),
            service_start: today.to_string(),
            service_end: ServicePeriod::from_months(today, l.months).map(|p| p.end().to_string()).unwrap_or_default(),
            invoice: Some(l.invoice),
            ..DraftLine::default()
        })
        .collect();
}

/// The contract's page link.
pub fn contract_href(id: i64) -> String {
    format!("/contracts/{id}")
}
