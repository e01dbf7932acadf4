//! The contract form itself: fields laid out like the seed's order form (基本信息, 备注, 附件信息,
//! 产品管理, 选择审批流程), each with its problems next to it, live totals, and the buttons the
//! status and the policy allow. The cards other than 基本信息 and 备注 are files of their own.

use super::actions::Actions;
use super::approval::ApprovalSection;
use super::attachments::Attachments;
use super::decision::{DecisionPanel, deciding};
use super::fields::{
    OwnerField, Problems, SheetCountAnswer, SourceOrderField, choice_field, text_field, text_field_with_help,
    yes_no_field,
};
use super::fulfilment::FulfilmentCard;
use super::lines::Lines;
use super::stash;
use super::state::{Form, Notice};
use crate::components::form_field::coded_choices;
use crate::domain::contract::{ContractDraft, ContractStatus, CrmManagementType, PaymentMethod, paths};
use crate::domain::{OrderType, PriceBook};
use crate::functions::contract_form::ContractFormChoices;
use crate::html::textarea_text;
use crate::i18n::{Locale, date_time, td_string, use_lang};
use crate::models::{ContractDto, FlowDto, SessionUser};
use leptos::prelude::*;

/// What the page loaded for the form.
pub struct FormInputs {
    pub user: SessionUser,
    pub book: PriceBook,
    pub options: ContractFormChoices,
    pub flow: Option<FlowDto>,
    /// The stored contract; `None` on `/contracts/new`.
    pub contract: Option<ContractDto>,
    /// The draft to start from (the stored one, or a new one, perhaps from a quote).
    pub draft: ContractDraft,
    /// The saved quote's number, when the lines came from one.
    pub from_quote: Option<String>,
    /// The contract this one renews (`?renew=<id>`).
    pub from_renewal: Option<RenewalFrom>,
}

/// The contract a renewal starts from.
#[derive(Clone, Debug)]
pub struct RenewalFrom {
    pub source_id: i64,
    pub number: String,
    /// Userids of its sheet: they become this contract's userid sheet when it is first saved.
    pub userids: usize,
}

#[component]
pub fn ContractForm(inputs: FormInputs) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let FormInputs { user, book, options, flow, contract, draft, from_quote, from_renewal } = inputs;
    let is_new = contract.is_none();
    let installed_apps = options.installed_apps;
    let panel_book = StoredValue::new(book.clone());
    let mut f = Form::new(user.clone(), book, installed_apps.clone(), contract, draft, lang);
    f.upload_limit = options.max_upload_bytes;
    f.renew_source.set(from_renewal.as_ref().filter(|r| r.userids > 0).map(|r| r.source_id));
    let f = f;

    super::guard::guard_leaving(f);

    // A file dropped beside a drop zone would otherwise replace the form with the file.
    #[cfg(target_arch = "wasm32")]
    {
        let guard = |ev: leptos::ev::DragEvent| ev.prevent_default();
        let over = window_event_listener(leptos::ev::dragover, guard);
        let dropped = window_event_listener(leptos::ev::drop, guard);
        on_cleanup(move || {
            over.remove();
            dropped.remove();
        });
    }

    // 获取暂存信息: offer what this browser kept of unsaved input, and keep typing safe from now on.
    let offer = RwSignal::new(None::<stash::Stashed>);
    let stash_id = f.contract_id();
    Effect::new(move |_| {
        if let Some(s) = stash::load(stash_id)
            && s.draft != f.baseline.get_untracked()
        {
            offer.set(Some(s));
        }
    });
    Effect::new(move |first_done: Option<()>| {
        let d = f.draft.get();
        // The contract's own key once it exists (a drop saves a new draft without leaving the page).
        let key = f.contract_id();
        if first_done.is_some() && f.editable.get_untracked() {
            if d == f.baseline.get_untracked() { stash::clear(key) } else { stash::store(key, &d) }
        }
    });

    let organisation = f.saved.with_untracked(|c| c.as_ref().map(|c| c.organisation.display_name.clone()));
    let organisation = organisation.unwrap_or_else(|| user.organisation_name.clone());
    let owner = f.saved.with_untracked(|c| c.as_ref().map(|c| c.owner.clone()));
    let owner =
        owner.unwrap_or_else(|| crate::models::PersonDto { id: user.id, display_name: user.display_name.clone() });
    let heading = move || {
        f.saved.with(|c| match c.as_ref() {
            Some(c) => match &c.document_number {
                Some(n) => td_string!(locale, contract_form.heading, number = n),
                None => td_string!(locale, contract_form.heading_draft).to_owned(),
            },
            None => td_string!(locale, contract_form.heading_new).to_owned(),
        })
    };
    let status_label = move || f.status().label(lang);
    let status_code = move || format!("status status-{}", f.status().code());

    let interactive = crate::components::form_field::interactive_mark();

    view! {
        <section
            class="contract-page"
            data-testid="contract-form"
            data-new=is_new.to_string()
            data-interactive=interactive
        >
            <header class="page-head">
                <h1>{heading}</h1>
                <span class=status_code data-testid="contract-status">{status_label}</span>
                <a href="/contracts">{td_string!(locale, contract_form.back_to_list)}</a>
            </header>
            {from_quote.map(|n| view! {
                <p class="hint" data-testid="from-quote">
                    {td_string!(locale, contract_form.from_quote, number = n)}
                </p>
            })}
            {from_renewal.clone().map(|r| view! {
                <div class="notice ok" data-testid="from-renewal">
                    <p>{td_string!(locale, contract_form.from_renewal, number = &r.number)}</p>
                    {(r.userids > 0).then(|| view! {
                        <p data-testid="renewal-userids">
                            {td_string!(locale, contract_form.renewal_userids, n = r.userids)}
                            " "
                            <a href=format!("/contracts/{}/userids.xlsx", r.source_id) rel="external" download>
                                {td_string!(locale, contract_form.renewal_userids_download)}
                            </a>
                        </p>
                    })}
                </div>
            })}
            <StashOffer f offer />
            <RejectedBanner f />
            <Show when=move || deciding(f)>
                <DecisionPanel f book=panel_book.get_value() />
            </Show>
            <form class="contract-form" novalidate on:submit=|ev| ev.prevent_default()>
                <fieldset class="card">
                    <legend>{td_string!(locale, contract_form.basic.legend)}</legend>
                    <div class="form-grid">
                        <div class="field">
                            <span class="label">{td_string!(locale, contract_form.basic.channel_partner)}</span>
                            <span class="value">{organisation}</span>
                        </div>
                        <div class="field">
                            <span class="label">{td_string!(locale, contract_form.basic.document_number)}</span>
                            <span class="value" data-testid="document-number">
                                {move || f.saved.with(|c| c.as_ref().and_then(|c| c.document_number.clone())).unwrap_or_else(|| td_string!(locale, contract_form.basic.assigned_on_submission).to_owned())}
                            </span>
                        </div>
                        {text_field(f, paths::END_CUSTOMER, td_string!(locale, contract_form.basic.end_customer), true, |d| d.end_customer.clone(), |d, v| d.end_customer = v)}
                        <OwnerField f current=owner />
                        <SourceOrderField f />
                        {text_field_with_help(
                            f,
                            paths::CORP_ID,
                            td_string!(locale, contract_form.basic.corp_id),
                            true,
                            |d| d.corp_id.clone(),
                            |d, v| d.corp_id = v,
                            td_string!(locale, contract_form.help.corp_id_question),
                            td_string!(locale, contract_form.help.corp_id_answer),
                        )}
                        {text_field(f, paths::CORP_NAME, td_string!(locale, contract_form.basic.corp_name), true, |d| d.corp_name.clone(), |d, v| d.corp_name = v)}
                        {choice_field(
                            f,
                            paths::CRM_TYPE,
                            td_string!(locale, contract_form.basic.crm_type),
                            true,
                            coded_choices(lang, &CrmManagementType::ALL, CrmManagementType::code, CrmManagementType::zh, CrmManagementType::en),
                            |d| d.crm_type.map(|t| t.code().to_owned()),
                            |d, v| d.crm_type = CrmManagementType::from_code(&v),
                        )}
                        {text_field(f, paths::LEASE_URL, td_string!(locale, contract_form.basic.lease_url), false, |d| d.lease_url.clone(), |d, v| d.lease_url = v)}
                        {choice_field(
                            f,
                            paths::PAYMENT_METHOD,
                            td_string!(locale, contract_form.basic.payment_method),
                            true,
                            coded_choices(lang, &PaymentMethod::ALL, PaymentMethod::code, PaymentMethod::zh, PaymentMethod::en),
                            |d| d.payment_method.map(|m| m.code().to_owned()),
                            |d, v| d.payment_method = PaymentMethod::from_code(&v),
                        )}
                        {choice_field(
                            f,
                            paths::ORDER_TYPE,
                            td_string!(locale, contract_form.basic.order_type),
                            true,
                            coded_choices(lang, &OrderType::ALL, OrderType::code, OrderType::zh, OrderType::en),
                            |d| d.order_type.map(|t| t.code().to_owned()),
                            |d, v| d.order_type = OrderType::from_code(&v),
                        )}
                        {yes_no_field(f, paths::AUTO_ACTIVATION, td_string!(locale, contract_form.basic.auto_activation), |d| d.auto_activation, |d, v| d.auto_activation = v)}
                        {yes_no_field(f, paths::USERID_COUNT_MATCHES, td_string!(locale, contract_form.basic.userid_count_matches), |d| d.userid_count_matches, |d, v| d.userid_count_matches = v)}
                        <SheetCountAnswer f />
                        {yes_no_field(f, paths::ORDER_QUANTITY_MATCHES, td_string!(locale, contract_form.basic.order_quantity_matches), |d| d.order_quantity_matches, |d, v| d.order_quantity_matches = v)}
                        {choice_field(
                            f,
                            paths::INSTALLED_APP,
                            td_string!(locale, contract_form.basic.installed_app),
                            true,
                            installed_apps.iter().map(|a| (a.clone(), a.clone())).collect(),
                            |d| Some(d.installed_app.clone()).filter(|a| !a.is_empty()),
                            |d, v| d.installed_app = v,
                        )}
                        {text_field(f, paths::API_EXPIRY_DATE, td_string!(locale, contract_form.basic.api_expiry_date), false, |d| d.api_expiry_date.clone(), |d, v| d.api_expiry_date = v)}
                        {text_field(f, paths::EXISTING_BASIC, td_string!(locale, contract_form.basic.existing_basic), false, |d| d.existing_basic.clone(), |d, v| d.existing_basic = v)}
                        {text_field(f, paths::EXISTING_INTEROP, td_string!(locale, contract_form.basic.existing_interop), false, |d| d.existing_interop.clone(), |d, v| d.existing_interop = v)}
                        <super::history::ActiveAccountsHint f />
                    </div>
                </fieldset>
                <fieldset class="card">
                    <legend>{td_string!(locale, contract_form.remark.legend)}</legend>
                    <div class="field wide">
                        <label for=paths::REMARK>
                            <span class="req">"*"</span>
                            {td_string!(locale, contract_form.remark.legend)}
                        </label>
                        <textarea
                            id=paths::REMARK
                            name=paths::REMARK
                            rows="4"
                            prop:value=move || f.draft.with(|d| d.remark.clone())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                f.draft.update(|d| d.remark = v);
                            }
                            on:blur=move |_| f.touch(paths::REMARK)
                            disabled=move || !f.editable.get()
                        >
                            // Raw in the server's HTML unless escaped: see `crate::html`.
                            {f.draft.with_untracked(|d| textarea_text(&d.remark))}
                        </textarea>
                        <p class="hint">
                            {td_string!(locale, contract_form.remark.hint)}
                        </p>
                        <Problems f path=paths::REMARK />
                    </div>
                </fieldset>
                <Attachments f />
                <Lines f />
                <ApprovalSection f flow />
                <FulfilmentCard f />
                <super::payment::PaymentCard f />
                <Actions f />
            </form>
        </section>
    }
}

/// A rejected contract says why at the top (the reason, the level, who, when), not only in the
/// timeline far below: its owner is here to fix it.
#[component]
fn RejectedBanner(f: Form) -> impl IntoView {
    let locale = f.locale;
    let text = move || {
        f.saved.with(|c| {
            let c = c.as_ref().filter(|c| c.status == ContractStatus::Rejected)?;
            let t = c.timeline.iter().rev().find(|t| t.action == "rejected")?;
            Some(td_string!(
                locale,
                contract_form.rejected_banner,
                level = t.level.unwrap_or(0),
                who = t.actor.as_ref().map(|a| a.display_name.as_str()).unwrap_or(""),
                at = date_time(t.at),
                reason = &t.comment
            ))
        })
    };
    move || {
        text().map(
            |m| view! { <p class="notice error rejected-banner" role="alert" data-testid="rejected-banner">{m}</p> },
        )
    }
}

/// 获取暂存信息: the offer to bring back unsaved input kept in this browser.
#[component]
fn StashOffer(f: Form, offer: RwSignal<Option<stash::Stashed>>) -> impl IntoView {
    let locale = f.locale;
    let restore = move |_| {
        if let Some(s) = offer.get_untracked() {
            f.draft.set(s.draft);
            offer.set(None);
            f.notice.set(Some(Notice::Ok(td_string!(locale, contract_form.stash.restored).to_owned())));
        }
    };
    let discard = move |_| {
        stash::clear(f.contract_id());
        offer.set(None);
    };
    view! {
        <Show when=move || offer.with(Option::is_some)>
            <div class="stash-offer card" role="status" data-testid="stash-offer">
                <p>
                    {move || offer.with(|o| {
                        o.as_ref().map(|s| td_string!(locale, contract_form.stash.offer, when = stash::when(s.at_ms)))
                    })}
                </p>
                <button type="button" class="primary" on:click=restore data-testid="stash-restore">
                    {td_string!(locale, contract_form.stash.restore)}
                </button>
                " "
                <button type="button" on:click=discard>{td_string!(locale, contract_form.stash.discard)}</button>
            </div>
        </Show>
    }
}
