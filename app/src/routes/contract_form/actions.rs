//! The action bar: the buttons the status and the policy allow (save, submit, withdraw, cancel),
//! the comment, the answer of the last one, and every open problem. Approve and reject are the
//! decision panel's (`decision.rs`), at the top of the page.
//! A button is named by the policy's [`Action`] it asks for (save is `Action::Edit`): one
//! vocabulary for what a person does, from the button to the service.

use super::state::{Form, Notice};
use super::{contract_href, stash};
use crate::domain::contract::{ContractStatus, check_comment};
use crate::domain::policy::Action;
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::functions::contracts::{
    cancel_contract, create_contract, save_contract, submit_contract, withdraw_contract,
};
use crate::i18n::{Locale, td_string};
use crate::models::ContractDto;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use std::sync::atomic::{AtomicBool, Ordering};

static CREATING: AtomicBool = AtomicBool::new(false);

/// Creates the contract of a form not yet saved from its draft (for a renewal, with the renewed
/// contract's userids as its sheet: `upload::copy_userid_sheet`) and answers its id and version;
/// for a saved form, those of the contract. Used by the buttons (whose first save then opens the
/// contract's page) and by the first file dropped on a new form, which stays on its page
/// ([`show_address_of`]).
pub(super) async fn ensure_created(f: Form) -> Result<(i64, i64), AppError> {
    if let Some(c) = f.saved.with_untracked(|c| c.as_ref().map(|c| (c.id, c.version))) {
        return Ok(c);
    }
    if let Some(p) = f.save_problems.with_untracked(|ps| ps.first().cloned()) {
        return Err(AppError::Invalid { problems: vec![p] });
    }
    // One creation at a time: a second drop while the first creates the draft waits for nothing
    // and would make a second contract.
    if CREATING.swap(true, Ordering::SeqCst) {
        return Err(AppError::conflict("正在保存草稿，请稍候再试", "The draft is being saved; try again in a moment"));
    }
    let was_busy = f.busy.get_untracked();
    f.busy.set(true);
    let result = create_with_sheet(f).await;
    if !was_busy {
        f.busy.set(false);
    }
    CREATING.store(false, Ordering::SeqCst);
    let dto = result?;
    let created = (dto.id, dto.version);
    stash::clear(None);
    // The form now shows the contract as stored (the server fills in what a new draft leaves
    // open), so nothing reads as unsaved that was just saved.
    f.baseline.set(dto.draft.clone());
    f.draft.set(dto.draft.clone());
    f.saved.set(Some(dto));
    Ok(created)
}

/// The address becomes the new contract's own, without leaving the page (a file dropped on a new
/// form keeps uploading): a reload or a shared link opens the contract.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(super) fn show_address_of(id: i64) {
    #[cfg(target_arch = "wasm32")]
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&contract_href(id)));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}

/// Creates the contract and, for a renewal, copies the renewed contract's userid sheet to it.
async fn create_with_sheet(f: Form) -> Result<ContractDto, AppError> {
    let c = create_contract(f.draft.get_untracked()).await?;
    #[cfg(target_arch = "wasm32")]
    if let Some(source) = f.renew_source.get_untracked() {
        // The renewed contract's userids become this one's sheet, before a submission checks
        // the userid counts against the purchase.
        super::upload::copy_userid_sheet(source, c.id).await?;
        return get_saved(c.id).await;
    }
    Ok(c)
}

/// The buttons, as the status and the policy allow, and the answer of the last one.
#[component]
pub(super) fn Actions(f: Form) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    // The router's navigate function is not `Send`; a thread-local `StoredValue` holding it panicked
    // on the server when the render's owner was dropped on another worker thread ("Dropped
    // SendWrapper<T> variable from a thread different…"). Keep the (Send) owner instead and ask
    // for the navigate function where it is used, in the browser.
    let owner = StoredValue::new(Owner::current().expect("rendered inside the app"));
    let comment = RwSignal::new(String::new());
    let comment_problem = RwSignal::new(None::<String>);
    let stale = RwSignal::new(None::<super::guard::StaleOffer>);
    let status = move || f.status();
    let exists = move || f.saved.with(Option::is_some);
    let show_save = move || f.editable.get();
    let show_submit = move || status().is_editable() && f.may(Action::Submit);
    let show_withdraw = move || matches!(status(), ContractStatus::InApproval { .. }) && f.may(Action::Withdraw);
    let show_cancel =
        move || exists() && (status().is_editable() || status() == ContractStatus::Approved) && f.may(Action::Cancel);
    let show_comment = move || show_withdraw() || show_cancel();

    let run = move |act: Action| {
        f.notice.set(None);
        if act == Action::Submit {
            f.submit_tried.set(true);
            let errors = f.submit_problems.with_untracked(|ps| ps.iter().filter(|p| p.is_error()).count());
            if errors > 0 {
                f.notice.set(Some(Notice::Error(td_string!(locale, contract_form.actions.problems_left, n = errors))));
                return;
            }
        }
        if act == Action::Edit && f.save_problems.with_untracked(|ps| !ps.is_empty()) {
            f.notice.set(Some(Notice::Error(td_string!(locale, contract_form.actions.fix_before_saving).to_owned())));
            return;
        }
        if matches!(act, Action::Withdraw | Action::Cancel) {
            if let Err(p) = check_comment(&comment.get_untracked()) {
                comment_problem.set(Some(p.message(lang).to_owned()));
                return;
            }
        }
        comment_problem.set(None);
        f.busy.set(true);
        spawn_local(async move {
            let current = f.saved.get_untracked().map(|c| (c.id, c.version));
            let note = comment.get_untracked();
            let created = current.is_none();
            let result: Result<ContractDto, AppError> = async {
                let (id, version) = ensure_created(f).await?;
                let draft = f.draft.get_untracked();
                match act {
                    Action::Edit if created => get_saved(id).await,
                    Action::Edit => save_contract(id, version, draft).await,
                    Action::Submit => submit_contract(id, version, draft).await,
                    Action::Withdraw => withdraw_contract(id, version, note).await,
                    Action::Cancel => cancel_contract(id, version, note).await,
                    // Not a button of this bar.
                    _ => Err(AppError::Forbidden),
                }
            }
            .await;
            f.busy.set(false);
            match result {
                Ok(dto) => {
                    f.server_problems.set(Vec::new());
                    f.submit_tried.set(false);
                    stash::clear(current.map(|c| c.0));
                    if created {
                        // The new contract has its own page (and its own backup key) from now on.
                        let go = owner.with_value(|o| o.with(use_navigate));
                        go(&contract_href(dto.id), NavigateOptions { replace: true, ..NavigateOptions::default() });
                        return;
                    }
                    f.baseline.set(dto.draft.clone());
                    f.draft.set(dto.draft.clone());
                    f.saved.set(Some(dto));
                    comment.set(String::new());
                    f.notice.set(Some(Notice::Ok(done_message(locale, act))));
                }
                Err(e) => {
                    if let AppError::Invalid { problems } = &e {
                        f.server_problems.set(problems.clone());
                    }
                    // Refused as stale: keep the typing and offer it on the newer version.
                    if matches!(e, AppError::Conflict { .. })
                        && matches!(act, Action::Edit | Action::Submit)
                        && let Some(o) = super::guard::stale_offer(f).await
                    {
                        stale.set(Some(o));
                    }
                    f.notice.set(Some(Notice::Error(e.message(lang))));
                }
            }
        });
    };
    let button = move |act: Action, testid: &'static str, class: &'static str, label: &'static str| {
        view! {
            <button type="button" class=class data-testid=testid disabled=move || f.busy.get() on:click=move |_| run(act)>
                {label}
            </button>
        }
    };
    view! {
        <div class="form-actions card">
            <super::guard::StaleDialog f offer=stale />
            <NoticeBanner f />
            <ProblemSummary f />
            <Show when=show_comment>
                <div class="field wide">
                    <label for="action-comment">{td_string!(locale, contract_form.actions.comment)}</label>
                    <textarea
                        id="action-comment"
                        rows="2"
                        prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))
                    ></textarea>
                    <ul class="field-errors">{move || comment_problem.get().map(|m| view! { <li class="field-error">{m}</li> })}</ul>
                </div>
            </Show>
            <p class="actions">
                {move || show_submit().then(|| button(Action::Submit, "submit", "primary", td_string!(locale, contract_form.actions.submit)))}
                {move || show_save().then(|| button(Action::Edit, "save", "", td_string!(locale, contract_form.actions.save)))}
                {move || show_withdraw().then(|| button(Action::Withdraw, "withdraw", "", td_string!(locale, contract_form.actions.withdraw)))}
                {move || show_cancel().then(|| button(Action::Cancel, "cancel", "danger", td_string!(locale, contract_form.actions.cancel)))}
            </p>
        </div>
    }
}

async fn get_saved(id: i64) -> Result<ContractDto, AppError> {
    crate::functions::contracts::get_contract(id).await
}

fn done_message(locale: Locale, act: Action) -> String {
    match act {
        Action::Edit => td_string!(locale, contract_form.done.saved),
        Action::Submit => td_string!(locale, contract_form.done.submitted),
        Action::Withdraw => td_string!(locale, contract_form.done.withdrawn),
        Action::Cancel => td_string!(locale, contract_form.done.cancelled),
        _ => "",
    }
    .to_owned()
}

#[component]
fn NoticeBanner(f: Form) -> impl IntoView {
    move || {
        f.notice.get().map(|n| match n {
            Notice::Ok(m) => view! { <p class="notice ok" role="status" data-testid="notice">{m}</p> }.into_any(),
            Notice::Error(m) => view! { <p class="notice error" role="alert" data-testid="notice">{m}</p> }.into_any(),
        })
    }
}

/// After a submit attempt (or a refusal from the server), every open problem in one list, so none
/// is missed (some belong to no visible field).
#[component]
fn ProblemSummary(f: Form) -> impl IntoView {
    let all = move || {
        let mut ps: Vec<Problem> = if f.submit_tried.get() {
            f.submit_problems.with(|p| p.iter().filter(|p| p.is_error()).cloned().collect())
        } else {
            Vec::new()
        };
        f.server_problems.with(|s| {
            for p in s {
                if !ps.iter().any(|q| q.field == p.field && q.code == p.code) {
                    ps.push(p.clone());
                }
            }
        });
        ps
    };
    view! {
        <Show when=move || !all().is_empty()>
            <ul class="problem-summary" data-testid="problem-summary">
                {move || all().into_iter().map(|p| view! { <li data-field=p.field.clone()>{p.message(f.lang).to_owned()}</li> }).collect_view()}
            </ul>
        </Show>
    }
}
