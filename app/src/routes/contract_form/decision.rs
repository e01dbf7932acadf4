//! The decision panel: at the top of the contract page for the approver whose level it is,
//! everything the decision needs on one screen — the lines with their tier bands and totals, the
//! userid sheet as the server read it (userids per kind against the purchase, the basic+interop
//! overlap and what dropping it saves), the payment voucher previewed inline, the sheet's download
//! — and 同意 approve / 驳回 reject (a reason is required). After a decision it goes straight to
//! the next contract waiting in the inbox, or back to the inbox when none is left.

use super::state::Form;
use crate::components::quote_result::LineBreakdown;
use crate::components::user_menu::use_desk;
use crate::domain::attachment::{AttachmentKind, Preview};
use crate::domain::contract::rules::Purchased;
use crate::domain::contract::{ContractStatus, SheetFacts, check_reject_reason};
use crate::domain::policy::Action;
use crate::domain::sheet::userids::{SavingBasis, redundant_basic_saving};
use crate::domain::{AccountKind, PriceBook};
use crate::functions::contracts::{approve_contract, reject_contract};
use crate::functions::desk::approval_inbox;
use crate::i18n::{Locale, encode_query_value, money, td_string};
use crate::models::{AttachmentDto, ContractDto};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Whether the signed-in user decides this contract now (its level is theirs).
pub(super) fn deciding(f: Form) -> bool {
    matches!(f.status(), ContractStatus::InApproval { .. }) && f.may(Action::Approve)
}

#[component]
pub(super) fn DecisionPanel(f: Form, book: PriceBook) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    let book = StoredValue::new(book);
    let owner = StoredValue::new(Owner::current().expect("rendered inside the app"));
    let desk = use_desk();
    let query = use_query_map();
    // What the panel of the previous contract just did (`?done=approve&number=…`).
    let after = query.with_untracked(|q| crate::routes::approvals::done_message(locale, q));
    let reason = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let decide = move |act: Action| {
        let Some(c) = f.saved.get_untracked() else { return };
        let text = reason.get_untracked();
        if act == Action::Reject {
            if let Err(p) = check_reject_reason(&text) {
                problem.set(Some(p.message(lang).to_owned()));
                focus_reason();
                return;
            }
        }
        problem.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = match act {
                Action::Approve => approve_contract(c.id, c.version, text).await,
                _ => reject_contract(c.id, c.version, text).await,
            };
            match result {
                Ok(_) => {
                    desk.refresh();
                    let code = if act == Action::Approve { "approve" } else { "reject" };
                    let number = c.document_number.clone().unwrap_or_default();
                    let done = format!("done={code}&number={}", encode_query_value(&number));
                    let next = next_waiting(c.id).await;
                    let href = match next {
                        Some(n) => format!("/contracts/{n}?{done}"),
                        None => format!("/approvals?{done}"),
                    };
                    let go = owner.with_value(|o| o.with(use_navigate));
                    go(&href, NavigateOptions::default());
                    busy.set(false);
                }
                Err(e) => {
                    busy.set(false);
                    // A stale or already handled contract: the page shows it as it is now.
                    if let Ok(now) = crate::functions::contracts::get_contract(c.id).await {
                        f.saved.set(Some(now));
                    }
                    problem.set(Some(e.message(lang)));
                }
            }
        });
    };

    let contract = move || f.saved.get();
    view! {
        <section class="decision card" data-testid="decision" aria-labelledby="decision-heading">
            {after.map(|m| view! { <p class="notice ok" role="status" data-testid="decision-after">{m}</p> })}
            {move || contract().map(|c| {
                let level = match c.status { ContractStatus::InApproval { level } => level, _ => 0 };
                let levels = c.approvers.len();
                view! {
                    <h2 id="decision-heading">{td_string!(locale, contract_form.decision.heading, k = level, n = levels)}</h2>
                    <p class="hint">{td_string!(locale, contract_form.decision.intro)}</p>
                    <Facts c=c.clone() lang />
                }
            })}
            <h3>{td_string!(locale, contract_form.decision.lines)}</h3>
            <div class="decision-lines">
                {move || f.priced.get().map(|q| {
                    q.lines.into_iter().map(|l| view! { <LineBreakdown line=l.quote book=None /> }).collect_view()
                })}
            </div>
            {move || contract().map(|c| {
                // The overlap's saving is priced like the browser's sheet check: the basic line's
                // months, after the enterprise's existing basic accounts.
                let basis = f.priced.with(|q| {
                    q.as_ref()?.lines.iter().find(|l| l.kind == AccountKind::Basic).map(|l| (l.quote.months, l.quote.existing))
                });
                view! { <SheetSummary c basis book=book.get_value() lang /> }
            })}
            {move || contract().map(|c| view! { <VoucherPreview c locale /> })}
            <div class="field wide">
                <label for="decision-reason">{td_string!(locale, contract_form.decision.reason)}</label>
                <textarea
                    id="decision-reason"
                    rows="3"
                    prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))
                    aria-describedby="decision-problem"
                ></textarea>
                <ul class="field-errors" id="decision-problem">
                    {move || problem.get().map(|m| view! { <li class="field-error" role="alert" data-testid="decision-problem">{m}</li> })}
                </ul>
            </div>
            <p class="actions decision-actions">
                <button type="button" class="primary" data-testid="approve" disabled=move || busy.get() on:click=move |_| decide(Action::Approve)>
                    {td_string!(locale, contract_form.decision.approve)}
                </button>
                <button type="button" data-testid="reject" disabled=move || busy.get() on:click=move |_| decide(Action::Reject)>
                    {td_string!(locale, contract_form.decision.reject)}
                </button>
            </p>
        </section>
    }
}

/// The next contract waiting for the caller after `done`, oldest first.
async fn next_waiting(done: i64) -> Option<i64> {
    let inbox = approval_inbox().await.ok()?;
    inbox.waiting.into_iter().map(|w| w.contract_id).find(|id| *id != done)
}

/// Puts the keyboard in the reason field (after a reject without one).
fn focus_reason() {
    #[cfg(target_arch = "wasm32")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(el) = document().get_element_by_id("decision-reason") {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    }
}

#[component]
fn Facts(c: ContractDto, lang: crate::domain::problem::Lang) -> impl IntoView {
    let locale = Locale::from(lang);
    let d = &c.draft;
    let corp = format!("{} · {}", d.corp_name, d.corp_id);
    let order_type = d.order_type.map(|t| lang.pick(t.zh(), t.en())).unwrap_or("—");
    let payment = d.payment_method.map(|m| lang.pick(m.zh(), m.en())).unwrap_or("—");
    let total = c.total.map_or_else(|| "—".to_owned(), |t| money(lang, t));
    view! {
        <dl class="decision-facts">
            <dt>{td_string!(locale, contract_form.decision.customer)}</dt>
            <dd>{d.end_customer.clone()}</dd>
            <dt>{td_string!(locale, contract_form.decision.corp)}</dt>
            <dd class="corp-id">{corp}</dd>
            <dt>{td_string!(locale, contract_form.decision.order_type)}</dt>
            <dd>{order_type}</dd>
            <dt>{td_string!(locale, contract_form.decision.payment)}</dt>
            <dd>{payment}</dd>
            <dt>{td_string!(locale, contract_form.decision.owner)}</dt>
            <dd>{c.owner.display_name.clone()}</dd>
            <dt>{td_string!(locale, contract_form.decision.total)}</dt>
            <dd><strong data-testid="decision-total">{total}</strong></dd>
        </dl>
    }
}

/// The current attachment of `kind` the draft names, as stored.
fn current(c: &ContractDto, kind: AttachmentKind) -> Option<AttachmentDto> {
    let id = c.draft.attachment(kind)?;
    c.attachments.iter().find(|a| a.id == id).cloned()
}

/// `下载 · 文件名`: the stored file as a download.
fn download_link(file: &AttachmentDto, label: &'static str, testid: &'static str) -> impl IntoView {
    view! {
        <p>
            <a href=format!("/attachments/{}", file.id) rel="external" download data-testid=testid>
                {label}
                {format!(" · {}", file.file_name)}
            </a>
        </p>
    }
}

#[component]
fn SheetSummary(
    c: ContractDto,
    basis: Option<(u32, u32)>,
    book: PriceBook,
    lang: crate::domain::problem::Lang,
) -> impl IntoView {
    let locale = Locale::from(lang);
    let file = current(&c, AttachmentKind::UseridSheet);
    let body = match (file, c.sheet.clone()) {
        (Some(file), Some(facts)) => {
            let purchased = Purchased::of(&c.draft);
            view! {
                <SheetFactsView facts purchased c=c.clone() basis book lang />
                {download_link(&file, td_string!(locale, contract_form.decision.download_sheet), "decision-sheet-download")}
            }
            .into_any()
        }
        _ => view! { <p class="hint">{td_string!(locale, contract_form.decision.sheet_none)}</p> }.into_any(),
    };
    view! {
        <h3>{td_string!(locale, contract_form.decision.sheet)}</h3>
        <div class="decision-sheet" data-testid="decision-sheet">{body}</div>
    }
}

#[component]
fn SheetFactsView(
    facts: SheetFacts,
    purchased: Option<Purchased>,
    c: ContractDto,
    basis: Option<(u32, u32)>,
    book: PriceBook,
    lang: crate::domain::problem::Lang,
) -> impl IntoView {
    let locale = Locale::from(lang);
    let counts = td_string!(
        locale,
        contract_form.decision.sheet_counts,
        total = facts.total_userids,
        basic = facts.basic_userids,
        interop = facts.interop_userids,
        untyped = facts.untyped_userids
    );
    let verdict = crate::domain::contract::userid_count_matches_of(&c.draft, Some(&facts));
    let overlap = facts.overlapping_userids;
    let saving = basis.filter(|_| overlap > 0).and_then(|(months, existing_basic)| {
        redundant_basic_saving(SavingBasis { price_book: &book, months, existing_basic }, facts.basic_userids, overlap)
    });
    view! {
        <p data-testid="decision-sheet-counts">{counts}</p>
        {purchased.map(|p| view! {
            <p>{td_string!(locale, contract_form.decision.purchased, basic = p.basic, interop = p.interop)}</p>
        })}
        {verdict.map(|ok| view! {
            <p class=if ok { "notice ok" } else { "notice error" } data-testid="decision-sheet-verdict" data-ok=ok.to_string()>
                {if ok { td_string!(locale, contract_form.decision.matches) } else { td_string!(locale, contract_form.decision.differs) }}
            </p>
        })}
        <p class="hint">{td_string!(locale, contract_form.decision.bad_rows)}</p>
        <p data-testid="decision-overlap">
            {if overlap == 0 {
                td_string!(locale, contract_form.decision.no_overlap).to_owned()
            } else {
                let mut s = td_string!(locale, contract_form.decision.overlap, n = overlap);
                if let Some(m) = saving {
                    s.push_str(&td_string!(locale, contract_form.decision.overlap_saving, saving = money(lang, m)));
                }
                s
            }}
        </p>
    }
}

#[component]
fn VoucherPreview(c: ContractDto, locale: Locale) -> impl IntoView {
    let body = match current(&c, AttachmentKind::Voucher) {
        Some(v) => {
            let src = format!("/attachments/{}?inline=1", v.id);
            let title = format!("{} · {}", td_string!(locale, contract_form.decision.voucher), v.file_name);
            let preview = match Preview::of(&v.content_type) {
                Some(Preview::Image) => {
                    view! { <img class="voucher-image" src=src alt=title.clone() data-testid="voucher-image" /> }
                        .into_any()
                }
                Some(Preview::Pdf) => view! {
                    <iframe class="voucher-pdf" src=src title=title.clone() data-testid="voucher-pdf"></iframe>
                }
                .into_any(),
                None => ().into_any(),
            };
            view! {
                {preview}
                {download_link(&v, td_string!(locale, contract_form.decision.download), "decision-voucher-download")}
            }
            .into_any()
        }
        None => view! { <p class="hint">{td_string!(locale, contract_form.decision.voucher_none)}</p> }.into_any(),
    };
    view! {
        <h3>{td_string!(locale, contract_form.decision.voucher)}</h3>
        <div class="decision-voucher" data-testid="decision-voucher">{body}</div>
    }
}
