//! The contract form itself: fields laid out like the seed's order form (基本信息, 备注, 附件信息,
//! 产品管理, 选择审批流程), each with its problems next to it, live totals, and the buttons the
//! status and the caller's rights allow.

use super::fulfilment::FulfilmentCard;
use super::{contract_href, stash};
use crate::domain::attachment::AttachmentKind;
use crate::domain::contract::fields::{product_en, product_zh};
use crate::domain::contract::{
    ContractDraft, ContractQuote, ContractStatus, CrmManagementType, DraftLine, PaymentMethod, SheetFacts, SourceOrder,
    SubmitContext, check_reject_reason, paths, price_draft, save_problems, userid_count_matches_of, validate_submit,
};
use crate::domain::period::{ServicePeriod, parse_date};
use crate::domain::policy::Action;
use crate::domain::problem::{Lang, Problem, indexed};
use crate::domain::{AccountKind, OrderType, PriceBook};
use crate::error::AppError;
use crate::functions::contract_form::ContractFormChoices;
use crate::functions::contracts::{
    approve_contract, cancel_contract, create_contract, reject_contract, save_contract, submit_contract,
    withdraw_contract,
};
use crate::html::textarea_text;
use crate::i18n::{Locale, money, td_string, use_lang};
use crate::models::{ContractDto, FlowDto, Role, SessionUser};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use std::collections::BTreeSet;

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
}

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
    pub editable: Memo<bool>,
    pub busy: RwSignal<bool>,
    pub notice: RwSignal<Option<Notice>>,
    /// The page language, for the domain's messages and names.
    pub lang: Lang,
    /// The same language, for the form's own texts (`td_string!`).
    pub locale: Locale,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Notice {
    Ok(String),
    Error(String),
}

impl Form {
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

    fn status(&self) -> ContractStatus {
        self.saved.with(|c| c.as_ref().map_or(ContractStatus::Draft, |c| c.status))
    }

    fn may(&self, action: Action, role: Role) -> bool {
        self.saved.with(|c| match c {
            Some(c) => c.allowed.contains(&action),
            // A contract not yet created: partners (and admins) fill it in for their organisation.
            None => matches!(action, Action::Edit | Action::Submit) && role != Role::Approver,
        })
    }
}

#[component]
pub fn ContractForm(inputs: FormInputs) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let FormInputs { user, book, options, flow, contract, draft, from_quote } = inputs;
    let role = user.role;
    let is_new = contract.is_none();
    let draft_signal = RwSignal::new(draft.clone());
    let saved = RwSignal::new(contract);
    let sheet = RwSignal::new(None::<SheetFacts>);
    let apps = options.installed_apps.clone();
    let book_for_rules = book.clone();
    let save_problems = Memo::new(move |_| draft_signal.with(save_problems));
    let submit_problems = Memo::new(move |_| {
        let facts = sheet.get();
        draft_signal.with(|d| {
            validate_submit(d, &SubmitContext { book: &book_for_rules, installed_apps: &apps, sheet: facts.as_ref() })
        })
    });
    let book_for_price = book.clone();
    let priced = Memo::new(move |_| {
        let facts = sheet.get();
        draft_signal.with(|d| price_draft(d, &book_for_price, facts.as_ref()).ok())
    });
    let editable = Memo::new(move |_| {
        saved.with(|c| match c {
            Some(c) => c.status.is_editable() && c.allowed.contains(&Action::Edit),
            None => role != Role::Approver,
        })
    });
    let f = Form {
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
        editable,
        busy: RwSignal::new(false),
        notice: RwSignal::new(None),
        lang,
        locale,
    };

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
        if first_done.is_some() && f.editable.get_untracked() {
            if d == f.baseline.get_untracked() { stash::clear(stash_id) } else { stash::store(stash_id, &d) }
        }
    });

    let organisation = f.saved.with_untracked(|c| c.as_ref().map(|c| c.organisation.display_name.clone()));
    let organisation = organisation.unwrap_or_else(|| user.organisation_name.clone());
    let owner = f.saved.with_untracked(|c| c.as_ref().map(|c| c.owner.display_name.clone()));
    let owner = owner.unwrap_or_else(|| user.display_name.clone());
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
    let installed_apps = options.installed_apps;

    // Effects run only in the browser, once this form is hydrated: the page says when typing into it
    // counts (browser tests wait for it; the form sits behind the page's data, not just the app).
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));

    view! {
        <section
            class="contract-page"
            data-testid="contract-form"
            data-new=is_new.to_string()
            data-interactive=move || interactive.get().to_string()
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
            <StashOffer f offer />
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
                        <div class="field">
                            <span class="label">{td_string!(locale, contract_form.basic.owner)}</span>
                            <span class="value">{owner}</span>
                        </div>
                        <SourceOrderField f />
                        {text_field(f, paths::CORP_ID, td_string!(locale, contract_form.basic.corp_id), true, |d| d.corp_id.clone(), |d, v| d.corp_id = v)}
                        {text_field(f, paths::CORP_NAME, td_string!(locale, contract_form.basic.corp_name), true, |d| d.corp_name.clone(), |d, v| d.corp_name = v)}
                        {choice_field(
                            f,
                            paths::CRM_TYPE,
                            td_string!(locale, contract_form.basic.crm_type),
                            true,
                            CrmManagementType::ALL.iter().map(|t| (t.code().to_owned(), lang.pick(t.zh(), t.en()).to_owned())).collect(),
                            |d| d.crm_type.map(|t| t.code().to_owned()),
                            |d, v| d.crm_type = CrmManagementType::from_code(&v),
                        )}
                        {text_field(f, paths::LEASE_URL, td_string!(locale, contract_form.basic.lease_url), false, |d| d.lease_url.clone(), |d, v| d.lease_url = v)}
                        {choice_field(
                            f,
                            paths::PAYMENT_METHOD,
                            td_string!(locale, contract_form.basic.payment_method),
                            true,
                            PaymentMethod::ALL.iter().map(|m| (m.code().to_owned(), lang.pick(m.zh(), m.en()).to_owned())).collect(),
                            |d| d.payment_method.map(|m| m.code().to_owned()),
                            |d, v| d.payment_method = PaymentMethod::from_code(&v),
                        )}
                        {choice_field(
                            f,
                            paths::ORDER_TYPE,
                            td_string!(locale, contract_form.basic.order_type),
                            true,
                            OrderType::ALL.iter().map(|t| (t.code().to_owned(), lang.pick(t.zh(), t.en()).to_owned())).collect(),
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
                <Actions f role />
            </form>
        </section>
    }
}

/// The problems at one field.
#[component]
fn Problems(f: Form, #[prop(into)] path: String) -> impl IntoView {
    let p = path.clone();
    view! { <ul class="field-errors" data-problems-for=path>{move || problem_items(f.lang, &f.problems(&p))}</ul> }
}

/// Problems as list items, errors and warnings told apart by class.
pub(super) fn problem_items(lang: Lang, problems: &[Problem]) -> impl IntoView + use<> {
    problems
        .iter()
        .map(|p| {
            let class = if p.is_error() { "field-error" } else { "field-warning" };
            view! { <li class=class data-field=p.field.clone() data-code=p.code.clone()>{p.message(lang).to_owned()}</li> }
        })
        .collect_view()
}

fn label_view(path: String, label: &'static str, required: bool) -> impl IntoView {
    view! {
        <label for=path>
            {required.then(|| view! { <span class="req">"*"</span> })}
            {label}
        </label>
    }
}

/// A text input bound to one draft field.
fn text_input<G, S>(f: Form, path: String, get: G, set: S) -> impl IntoView
where
    G: Fn(&ContractDraft) -> String + Copy + Send + Sync + 'static,
    S: Fn(&mut ContractDraft, String) + Copy + Send + Sync + 'static,
{
    let (p_blur, p_invalid) = (path.clone(), path.clone());
    let initial = f.draft.with_untracked(|d| get(d));
    view! {
        <input
            id=path.clone()
            name=path
            type="text"
            value=initial
            prop:value=move || f.draft.with(|d| get(d))
            on:input=move |ev| {
                let v = event_target_value(&ev);
                f.draft.update(|d| set(d, v));
            }
            on:blur=move |_| f.touch(&p_blur)
            disabled=move || !f.editable.get()
            aria-invalid=move || if f.has_error(&p_invalid) { "true" } else { "false" }
        />
    }
}

fn text_field(
    f: Form,
    path: &'static str,
    label: &'static str,
    required: bool,
    get: fn(&ContractDraft) -> String,
    set: fn(&mut ContractDraft, String),
) -> impl IntoView {
    view! {
        <div class="field" data-field=path>
            {label_view(path.to_owned(), label, required)}
            {text_input(f, path.to_owned(), get, set)}
            <Problems f path=path />
        </div>
    }
}

/// A select bound to one draft field; `""` is "not chosen".
fn select_input<G, S>(f: Form, path: String, choices: Vec<(String, String)>, get: G, set: S) -> impl IntoView
where
    G: Fn(&ContractDraft) -> Option<String> + Copy + Send + Sync + 'static,
    S: Fn(&mut ContractDraft, String) + Copy + Send + Sync + 'static,
{
    let locale = f.locale;
    let (p_blur, p_invalid) = (path.clone(), path.clone());
    let initial = f.draft.with_untracked(|d| get(d)).unwrap_or_default();
    let none_selected = initial.is_empty();
    view! {
        <select
            id=path.clone()
            name=path
            on:change=move |ev| {
                let v = event_target_value(&ev);
                f.draft.update(|d| set(d, v));
            }
            on:blur=move |_| f.touch(&p_blur)
            disabled=move || !f.editable.get()
            aria-invalid=move || if f.has_error(&p_invalid) { "true" } else { "false" }
        >
            <option value="" selected=none_selected prop:selected=move || f.draft.with(|d| get(d)).is_none()>
                {td_string!(locale, contract_form.choose)}
            </option>
            {choices
                .into_iter()
                .map(|(code, label)| {
                    let c = code.clone();
                    view! {
                        <option
                            value=code.clone()
                            selected=initial == code
                            prop:selected=move || f.draft.with(|d| get(d)).as_deref() == Some(c.as_str())
                        >
                            {label}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

fn choice_field(
    f: Form,
    path: &'static str,
    label: &'static str,
    required: bool,
    choices: Vec<(String, String)>,
    get: fn(&ContractDraft) -> Option<String>,
    set: fn(&mut ContractDraft, String),
) -> impl IntoView {
    view! {
        <div class="field" data-field=path>
            {label_view(path.to_owned(), label, required)}
            {select_input(f, path.to_owned(), choices, get, set)}
            <Problems f path=path />
        </div>
    }
}

fn yes_no_field(
    f: Form,
    path: &'static str,
    label: &'static str,
    get: fn(&ContractDraft) -> Option<bool>,
    set: fn(&mut ContractDraft, Option<bool>),
) -> impl IntoView {
    let choices = yes_no_choices(f.locale);
    view! {
        <div class="field" data-field=path>
            {label_view(path.to_owned(), label, false)}
            {select_input(
                f,
                path.to_owned(),
                choices,
                move |d| get(d).map(|b| if b { "yes" } else { "no" }.to_owned()),
                move |d, v| set(d, yes_no_code(&v)),
            )}
            <Problems f path=path />
        </div>
    }
}

/// The choices of a yes / no select: `yes`, `no`, labelled in the page's language.
fn yes_no_choices(locale: Locale) -> Vec<(String, String)> {
    vec![
        ("yes".to_owned(), td_string!(locale, common.yes).to_owned()),
        ("no".to_owned(), td_string!(locale, common.no).to_owned()),
    ]
}

fn yes_no_code(v: &str) -> Option<bool> {
    match v {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// When a userid sheet was read, the answer to 「User ID数量与实际购买接口数量是否一致」 the rules
/// take from it (it wins over the one chosen above).
#[component]
fn SheetCountAnswer(f: Form) -> impl IntoView {
    let answer = move || {
        let sheet = f.sheet.get()?;
        let matches = f.draft.with(|d| userid_count_matches_of(d, Some(&sheet)))?;
        let (zh, en) = crate::domain::contract::fields::yes_no(matches);
        Some(td_string!(
            f.locale,
            contract_form.sheet_count_answer,
            answer = f.lang.pick(zh, en),
            n = sheet.total_userids
        ))
    };
    view! { <p class="hint field" data-testid="sheet-count-answer">{answer}</p> }
}

/// 选择源单: none, an external CRM order (number + its service end), or an earlier contract here.
#[component]
fn SourceOrderField(f: Form) -> impl IntoView {
    let locale = f.locale;
    let kind = move || {
        f.draft.with(|d| match d.source_order {
            SourceOrder::None => "none",
            SourceOrder::External { .. } => "external",
            SourceOrder::Contract { .. } => "contract",
        })
    };
    let initial = kind();
    let external = move || kind() == "external";
    let contract = move || kind() == "contract";
    view! {
        <div class="field wide source-order" data-field=paths::SOURCE_ORDER>
            <label for=paths::SOURCE_ORDER>{td_string!(locale, contract_form.source_order.label)}</label>
            <select
                id=paths::SOURCE_ORDER
                name=paths::SOURCE_ORDER
                disabled=move || !f.editable.get()
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    f.draft.update(|d| {
                        d.source_order = match v.as_str() {
                            "external" => SourceOrder::External { order_number: String::new(), service_end: String::new() },
                            "contract" => SourceOrder::Contract { contract_id: 0, document_number: None, service_end: None },
                            _ => SourceOrder::None,
                        }
                    });
                }
            >
                {[
                    ("none", td_string!(locale, contract_form.source_order.none)),
                    ("external", td_string!(locale, contract_form.source_order.external)),
                    ("contract", td_string!(locale, contract_form.source_order.contract)),
                ]
                    .into_iter()
                    .map(|(code, label)| view! {
                        <option value=code selected=initial == code prop:selected=move || kind() == code>{label}</option>
                    })
                    .collect_view()}
            </select>
            <Show when=external>
                <div class="inline-fields">
                    {label_view(paths::SOURCE_ORDER_NUMBER.to_owned(), td_string!(locale, contract_form.source_order.order_number), false)}
                    {text_input(
                        f,
                        paths::SOURCE_ORDER_NUMBER.to_owned(),
                        |d| match &d.source_order { SourceOrder::External { order_number, .. } => order_number.clone(), _ => String::new() },
                        |d, v| if let SourceOrder::External { order_number, .. } = &mut d.source_order { *order_number = v },
                    )}
                    {label_view(paths::SOURCE_ORDER_END.to_owned(), td_string!(locale, contract_form.source_order.service_end), false)}
                    {text_input(
                        f,
                        paths::SOURCE_ORDER_END.to_owned(),
                        |d| match &d.source_order { SourceOrder::External { service_end, .. } => service_end.clone(), _ => String::new() },
                        |d, v| if let SourceOrder::External { service_end, .. } = &mut d.source_order { *service_end = v },
                    )}
                    <Problems f path=paths::SOURCE_ORDER_NUMBER />
                    <Problems f path=paths::SOURCE_ORDER_END />
                </div>
            </Show>
            <Show when=contract>
                <div class="inline-fields">
                    {label_view("source_order.contract_id".to_owned(), td_string!(locale, contract_form.source_order.contract_id), false)}
                    {text_input(
                        f,
                        "source_order.contract_id".to_owned(),
                        |d| match &d.source_order { SourceOrder::Contract { contract_id, .. } if *contract_id > 0 => contract_id.to_string(), _ => String::new() },
                        |d, v| if let SourceOrder::Contract { contract_id, .. } = &mut d.source_order { *contract_id = v.trim().parse().unwrap_or(0) },
                    )}
                </div>
            </Show>
            <Problems f path=paths::SOURCE_ORDER />
        </div>
    }
}

/// 附件信息: the payment voucher and the userid sheet, uploaded to a saved contract.
#[component]
fn Attachments(f: Form) -> impl IntoView {
    let locale = f.locale;
    view! {
        <fieldset class="card attachments">
            <legend>{td_string!(locale, contract_form.attachments.legend)}</legend>
            <AttachmentField
                f
                kind=AttachmentKind::Voucher
                path=paths::PAYMENT_VOUCHER
                label={td_string!(locale, contract_form.attachments.voucher)}
                required=true
                accept=".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf"
                hint={td_string!(locale, contract_form.attachments.voucher_hint)}
            />
            <super::sheet::UseridSheetField f />
        </fieldset>
    }
}

/// One attachment: what is attached (with a download link), and a file input to upload another.
#[component]
pub(super) fn AttachmentField(
    f: Form,
    kind: AttachmentKind,
    path: &'static str,
    label: &'static str,
    required: bool,
    accept: &'static str,
    hint: &'static str,
    /// Called with the chosen file before it is uploaded (the userid sheet preview).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let locale = f.locale;
    let attached = move || f.draft.with(|d| d.attachment(kind));
    // The name of the file uploaded in this page, else the stored name of the one the draft names.
    let file_name = RwSignal::new(None::<String>);
    let stored_name = move |id: i64| {
        f.saved.with(|c| c.as_ref()?.attachments.iter().find(|a| a.id == id).map(|a| a.file_name.clone()))
    };
    let input_id = format!("upload-{}", kind.code());
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(file) = input.files().and_then(|l| l.get(0)) else { return };
            let Some(id) = f.contract_id() else {
                f.notice.set(Some(Notice::Error(td_string!(locale, contract_form.attachments.save_first).to_owned())));
                return;
            };
            f.busy.set(true);
            spawn_local(async move {
                let result = super::upload::upload(id, kind, &file).await;
                f.busy.set(false);
                match result {
                    Ok(u) => {
                        file_name.set(Some(u.file_name.clone()));
                        let link = |d: &mut crate::domain::contract::ContractDraft| d.set_attachment(kind, u.id);
                        f.draft.update(link);
                        // The server made the upload the contract's file in a new version. When this
                        // form was at the version just before, it is still current: take the new
                        // version (and the stored link) so the next save is not refused as stale.
                        // Otherwise someone else changed the contract too, and the save says so.
                        if let Some(v) = u.contract_version {
                            let mut adopted = false;
                            f.saved.update(|c| {
                                if let Some(c) = c.as_mut().filter(|c| c.version + 1 == v) {
                                    c.version = v;
                                    link(&mut c.draft);
                                    adopted = true;
                                }
                            });
                            if adopted {
                                f.baseline.update(link);
                            }
                        }
                        f.server_problems.update(|ps| ps.retain(|p| p.field != path));
                        let name = &u.file_name;
                        f.notice.set(Some(Notice::Ok(if u.contract_version.is_some() {
                            td_string!(locale, contract_form.attachments.uploaded_saved, name)
                        } else {
                            td_string!(locale, contract_form.attachments.uploaded_unchanged, name)
                        })));
                    }
                    Err(e) => {
                        if let AppError::Invalid { problems } = &e {
                            let ps = problems.iter().cloned().map(|mut p| {
                                p.field = path.to_owned();
                                p
                            });
                            f.server_problems.update(|s| s.extend(ps));
                        }
                        f.notice.set(Some(Notice::Error(e.message(f.lang))));
                    }
                }
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = (ev, file_name);
    };
    view! {
        <div class="field wide attachment" data-field=path>
            {label_view(input_id.clone(), label, required)}
            <p class="attached" data-testid=format!("attached-{}", kind.code())>
                {move || match attached() {
                    Some(id) => view! {
                        <a href=format!("/attachments/{id}") rel="external">
                            {file_name.get().or_else(|| stored_name(id)).unwrap_or_else(|| td_string!(locale, contract_form.attachments.numbered, id))}
                        </a>
                    }
                        .into_any(),
                    None => view! { <span class="hint">{td_string!(locale, contract_form.attachments.none_yet)}</span> }.into_any(),
                }}
            </p>
            {children.map(|c| c())}
            <input
                id=input_id
                type="file"
                accept=accept
                on:change=on_change
                disabled=move || !f.editable.get() || f.saved.with(|c| c.is_none())
            />
            <p class="hint">
                {hint}
                {move || f.saved.with(|c| c.is_none()).then(|| td_string!(locale, contract_form.attachments.after_save))}
            </p>
            <Problems f path=path />
        </div>
    }
}

/// 产品管理: the product lines, each priced live, with the totals.
#[component]
fn Lines(f: Form) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    let count = Memo::new(move |_| f.draft.with(|d| d.lines.len()));
    let total = move |pick: fn(&ContractQuote) -> crate::domain::Money| {
        f.priced.with(|q| q.as_ref().map_or_else(|| "—".to_owned(), |q| money(lang, pick(q))))
    };
    // 清空: every line goes, after the user confirms; one blank row stays to type into.
    let clear_lines = move |_| {
        #[cfg(target_arch = "wasm32")]
        if window().confirm_with_message(td_string!(locale, contract_form.lines.clear_confirm)).unwrap_or(false) {
            f.draft.update(|d| d.lines = vec![DraftLine::default()]);
        }
    };
    view! {
        <fieldset class="card lines">
            <legend>{td_string!(locale, contract_form.lines.legend)}</legend>
            <p class="hint">{td_string!(locale, contract_form.lines.currency)}</p>
            <Problems f path=paths::LINES />
            <table class="contract-lines">
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.product)}</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.quantity)}</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.service_start)}</th>
                        <th scope="col">{td_string!(locale, contract_form.lines.months)}</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.service_end)}</th>
                        <th scope="col" class="num">{td_string!(locale, contract_form.lines.amount)}</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.invoice)}</th>
                        <th scope="col" class="num">{td_string!(locale, contract_form.lines.tax)}</th>
                        <th scope="col" class="num">{td_string!(locale, contract_form.lines.line_total)}</th>
                        <th scope="col">{td_string!(locale, contract_form.lines.description)}</th>
                        <th scope="col"></th>
                    </tr>
                </thead>
                <tbody>{move || (0..count.get()).map(|i| line_row(f, i)).collect_view()}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row" colspan="6">{td_string!(locale, contract_form.lines.subtotal)}</th>
                        <td class="num" data-testid="subtotal">{move || total(|q| q.subtotal)}</td>
                        <td></td>
                        <td class="num" data-testid="tax">{move || total(|q| q.tax)}</td>
                        <td class="num" data-testid="total">{move || total(|q| q.total)}</td>
                        <td colspan="2"></td>
                    </tr>
                </tfoot>
            </table>
            <div class="line-buttons">
                <button
                    type="button"
                    disabled=move || !f.editable.get()
                    on:click=move |_| f.draft.update(|d| d.lines.push(DraftLine::default()))
                >
                    {td_string!(locale, contract_form.lines.add)}
                </button>
                " "
                <super::sheet::LineImport f />
                " "
                <button type="button" data-testid="lines-clear" disabled=move || !f.editable.get() on:click=clear_lines>
                    {td_string!(locale, contract_form.lines.clear)}
                </button>
            </div>
            <p class="quote-total">
                <span class="label">{td_string!(locale, contract_form.lines.total)}</span>
                " "
                <strong data-testid="grand-total">{move || total(|q| q.total)}</strong>
                {move || f.priced.with(|q| q.as_ref().map(|q| q.price_book.clone())).map(|v| view! {
                    <small class="price-book-version">{format!(" · {}", td_string!(locale, contract_form.lines.price_book, version = v))}</small>
                })}
            </p>
        </fieldset>
    }
}

fn line_row(f: Form, i: usize) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    let path = move |leaf: &str| indexed(paths::LINES, i, leaf);
    // The table's column headers are not labels: each cell's field gets its own ("第1行 数量").
    let cell_label = move |leaf: &str, column: &str| {
        let text = td_string!(locale, contract_form.lines.cell, n = i + 1, column);
        view! { <label for=path(leaf) class="visually-hidden">{text}</label> }
    };
    let line = move |d: &ContractDraft| d.lines.get(i).cloned().unwrap_or_default();
    let priced = move || f.priced.with(|q| q.as_ref().and_then(|q| q.lines.get(i).cloned()));
    let cell_money = move |pick: fn(&crate::domain::contract::ContractLineQuote) -> crate::domain::Money| {
        move || priced().map_or_else(|| "—".to_owned(), |l| money(lang, pick(&l)))
    };
    let kinds: Vec<(String, String)> = AccountKind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), lang.pick(product_zh(*k), product_en(*k)).to_owned()))
        .collect();
    let months = move || {
        priced().map(|l| l.period.months().to_string()).unwrap_or_else(|| {
            f.draft.with(|d| {
                let l = line(d);
                match (parse_date(&l.service_start), parse_date(&l.service_end)) {
                    (Some(s), Some(e)) => {
                        ServicePeriod::from_dates(s, e).map(|p| p.months().to_string()).unwrap_or_default()
                    }
                    _ => String::new(),
                }
            })
        })
    };
    let negotiated = move || {
        priced().is_some_and(|l| l.quote.negotiated_accounts > 0)
            || f.draft.with(|d| !line(d).negotiated_amount.trim().is_empty())
    };
    view! {
        <tr data-line=i.to_string()>
            <td>{i + 1}</td>
            <td>
                {cell_label(paths::KIND, td_string!(locale, contract_form.lines.product))}
                {select_input(
                    f,
                    path(paths::KIND),
                    kinds,
                    move |d| line(d).kind.map(|k| k.code().to_owned()),
                    move |d, v| if let Some(l) = d.lines.get_mut(i) { l.kind = AccountKind::from_code(&v) },
                )}
                <Problems f path=path(paths::KIND) />
            </td>
            <td>
                {cell_label(paths::QUANTITY, td_string!(locale, contract_form.lines.quantity))}
                {text_input(f, path(paths::QUANTITY), move |d| line(d).quantity, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.quantity = v })}
                <Problems f path=path(paths::QUANTITY) />
            </td>
            <td>
                {cell_label(paths::SERVICE_START, td_string!(locale, contract_form.lines.service_start))}
                {text_input(f, path(paths::SERVICE_START), move |d| line(d).service_start, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.service_start = v })}
                <Problems f path=path(paths::SERVICE_START) />
            </td>
            <td>
                <input
                    type="text"
                    inputmode="numeric"
                    class="months"
                    aria-label={td_string!(locale, contract_form.lines.months)}
                    prop:value=months
                    value=months()
                    disabled=move || !f.editable.get()
                    on:change=move |ev| {
                        // Months are a way to type the end date: start + n months.
                        let v = event_target_value(&ev);
                        f.draft.update(|d| {
                            if let Some(l) = d.lines.get_mut(i)
                                && let (Some(start), Ok(n)) = (parse_date(&l.service_start), v.trim().parse::<u32>())
                                && let Some(p) = ServicePeriod::from_months(start, n)
                            {
                                l.service_end = p.end().to_string();
                            }
                        });
                    }
                />
            </td>
            <td>
                {cell_label(paths::SERVICE_END, td_string!(locale, contract_form.lines.service_end))}
                {text_input(f, path(paths::SERVICE_END), move |d| line(d).service_end, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.service_end = v })}
                <Problems f path=path(paths::SERVICE_END) />
            </td>
            <td class="num" data-testid=format!("line-{i}-amount")>
                {cell_money(|l| l.amount)}
                <Show when=negotiated>
                    <label class="hint" for=path(paths::NEGOTIATED_AMOUNT)>{td_string!(locale, contract_form.lines.negotiated_amount)}</label>
                    {text_input(f, path(paths::NEGOTIATED_AMOUNT), move |d| line(d).negotiated_amount, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.negotiated_amount = v })}
                    <Problems f path=path(paths::NEGOTIATED_AMOUNT) />
                </Show>
            </td>
            <td>
                {cell_label(paths::INVOICE, td_string!(locale, contract_form.lines.invoice))}
                {select_input(
                    f,
                    path(paths::INVOICE),
                    yes_no_choices(locale),
                    move |d| line(d).invoice.map(|b| if b { "yes" } else { "no" }.to_owned()),
                    move |d, v| if let Some(l) = d.lines.get_mut(i) { l.invoice = yes_no_code(&v) },
                )}
                <Problems f path=path(paths::INVOICE) />
            </td>
            <td class="num">{cell_money(|l| l.tax)}</td>
            <td class="num" data-testid=format!("line-{i}-total")>{cell_money(|l| l.total)}</td>
            <td>
                {cell_label(paths::DESCRIPTION, td_string!(locale, contract_form.lines.description))}
                {text_input(f, path(paths::DESCRIPTION), move |d| line(d).description, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.description = v })}
                <Problems f path=path(paths::DESCRIPTION) />
            </td>
            <td>
                <button
                    type="button"
                    class="link"
                    disabled=move || !f.editable.get()
                    on:click=move |_| f.draft.update(|d| {
                        if i < d.lines.len() {
                            d.lines.remove(i);
                        }
                    })
                >
                    {td_string!(locale, contract_form.lines.remove)}
                </button>
            </td>
        </tr>
    }
}

/// 选择审批流程: the flow and each level's approver (更换 picks another candidate); once submitted,
/// the steps with their decisions, and the timeline.
#[component]
fn ApprovalSection(f: Form, flow: Option<FlowDto>) -> impl IntoView {
    let locale = f.locale;
    let levels = flow.as_ref().map(|fl| fl.levels.clone()).unwrap_or_default();
    let flow_name = flow
        .as_ref()
        .map(|fl| fl.name.clone())
        .unwrap_or_else(|| td_string!(locale, contract_form.approval.no_flow).to_owned());
    let chooser = levels
        .into_iter()
        .enumerate()
        .map(|(i, level)| {
            let default_id = level.default_approver.as_ref().map(|p| p.id);
            let mut choices: Vec<(String, String)> = Vec::new();
            if let Some(p) = &level.default_approver {
                choices.push((p.id.to_string(), p.display_name.clone()));
            }
            for c in &level.candidates {
                if Some(c.id) != default_id {
                    choices.push((c.id.to_string(), c.display_name.clone()));
                }
            }
            let path = indexed(paths::APPROVAL_APPROVERS, i, "");
            let get = move |d: &ContractDraft| {
                d.approval.approvers.get(i).copied().flatten().or(default_id).map(|id| id.to_string())
            };
            let set = move |d: &mut ContractDraft, v: String| {
                let pick = v.parse::<i64>().ok().filter(|id| Some(*id) != default_id);
                if d.approval.approvers.len() <= i {
                    d.approval.approvers.resize(i + 1, None);
                }
                d.approval.approvers[i] = pick;
                while d.approval.approvers.last() == Some(&None) {
                    d.approval.approvers.pop();
                }
            };
            view! {
                <div class="field" data-field=path.clone()>
                    <label for=path.clone()>{td_string!(locale, contract_form.approval.approver, level = &level.name)}</label>
                    {select_input(f, path.clone(), choices, get, set)}
                    <Problems f path=path.clone() />
                </div>
            }
        })
        .collect_view();
    let steps = move || f.saved.with(|c| c.as_ref().map(|c| c.approvers.clone()).unwrap_or_default());
    let timeline = move || f.saved.with(|c| c.as_ref().map(|c| c.timeline.clone()).unwrap_or_default());
    view! {
        <fieldset class="card approval">
            <legend>{td_string!(locale, contract_form.approval.legend)}</legend>
            <p>
                <span class="label">{td_string!(locale, contract_form.approval.flow)}</span>
                " "
                <strong>{flow_name}</strong>
            </p>
            <Problems f path=paths::APPROVAL_FLOW />
            <div class="form-grid">{chooser}</div>
            <Show when=move || !steps().is_empty()>
                <h3>{td_string!(locale, contract_form.approval.steps)}</h3>
                <ol class="approval-steps" data-testid="approval-steps">
                    {move || steps()
                        .into_iter()
                        .map(|s| {
                            let decision = match s.decision.as_deref() {
                                Some("approve") => td_string!(locale, contract_form.approval.approved),
                                Some("reject") => td_string!(locale, contract_form.approval.rejected),
                                _ => td_string!(locale, contract_form.approval.pending),
                            };
                            view! {
                                <li data-level=s.level.to_string()>
                                    {format!("{} · {} · {decision}", s.level_name, s.approver.display_name)}
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </Show>
            <Show when=move || !timeline().is_empty()>
                <h3>{td_string!(locale, contract_form.approval.timeline)}</h3>
                <ol class="timeline" data-testid="timeline">
                    {move || timeline()
                        .into_iter()
                        .map(|t| {
                            let who = t.actor.map(|a| a.display_name).unwrap_or_default();
                            let what = action_label(locale, &t.action);
                            let level = t.level.map(|l| format!(" · {}", td_string!(locale, contract_form.approval.level, level = l))).unwrap_or_default();
                            let comment = (!t.comment.is_empty()).then(|| format!("：{}", t.comment)).unwrap_or_default();
                            view! {
                                <li data-action=t.action.clone()>
                                    <time>{china_time(t.at)}</time>
                                    {format!(" {who} {what}{level}{comment}")}
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </Show>
        </fieldset>
    }
}

fn action_label(locale: Locale, action: &str) -> &'static str {
    match action {
        "created" => td_string!(locale, contract_form.timeline.created),
        "saved" => td_string!(locale, contract_form.timeline.saved),
        "submitted" => td_string!(locale, contract_form.timeline.submitted),
        "approved" => td_string!(locale, contract_form.timeline.approved),
        "rejected" => td_string!(locale, contract_form.timeline.rejected),
        "withdrawn" => td_string!(locale, contract_form.timeline.withdrawn),
        "cancelled" => td_string!(locale, contract_form.timeline.cancelled),
        "fulfilled" => td_string!(locale, contract_form.timeline.fulfilled),
        _ => td_string!(locale, contract_form.timeline.other),
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

/// Which button was pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    Save,
    Submit,
    Withdraw,
    Cancel,
    Approve,
    Reject,
}

/// The buttons, as the status and the caller's rights allow, and the answer of the last one.
#[component]
fn Actions(f: Form, role: Role) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    // The router's navigate function is not `Send`; a thread-local `StoredValue` holding it panicked
    // on the server when the render's owner was dropped on another worker thread ("Dropped
    // SendWrapper<T> variable from a thread different…"). Keep the (Send) owner instead and ask
    // for the navigate function where it is used, in the browser.
    let owner = StoredValue::new(Owner::current().expect("rendered inside the app"));
    let comment = RwSignal::new(String::new());
    let comment_problem = RwSignal::new(None::<String>);
    let status = move || f.status();
    let exists = move || f.saved.with(Option::is_some);
    let show_save = move || f.editable.get();
    let show_submit = move || status().is_editable() && f.may(Action::Submit, role);
    let show_withdraw = move || matches!(status(), ContractStatus::InApproval { .. }) && f.may(Action::Withdraw, role);
    let show_cancel = move || {
        exists() && (status().is_editable() || status() == ContractStatus::Approved) && f.may(Action::Cancel, role)
    };
    let show_decide = move || matches!(status(), ContractStatus::InApproval { .. }) && f.may(Action::Approve, role);
    let show_comment = move || show_withdraw() || show_cancel() || show_decide();

    let run = move |act: Act| {
        f.notice.set(None);
        if act == Act::Submit {
            f.submit_tried.set(true);
            let errors = f.submit_problems.with_untracked(|ps| ps.iter().filter(|p| p.is_error()).count());
            if errors > 0 {
                f.notice.set(Some(Notice::Error(td_string!(locale, contract_form.actions.problems_left, n = errors))));
                return;
            }
        }
        if act == Act::Save && f.save_problems.with_untracked(|ps| !ps.is_empty()) {
            f.notice.set(Some(Notice::Error(td_string!(locale, contract_form.actions.fix_before_saving).to_owned())));
            return;
        }
        if act == Act::Reject {
            if let Err(p) = check_reject_reason(&comment.get_untracked()) {
                comment_problem.set(Some(p.message(lang).to_owned()));
                return;
            }
        }
        comment_problem.set(None);
        f.busy.set(true);
        spawn_local(async move {
            let draft = f.draft.get_untracked();
            let current = f.saved.get_untracked().map(|c| (c.id, c.version));
            let note = comment.get_untracked();
            let created = current.is_none();
            let result: Result<ContractDto, AppError> = async {
                let (id, version) = match current {
                    Some(c) => c,
                    None => {
                        let c = create_contract(draft.clone()).await?;
                        (c.id, c.version)
                    }
                };
                match act {
                    Act::Save if created => get_saved(id).await,
                    Act::Save => save_contract(id, version, draft).await,
                    Act::Submit => submit_contract(id, version, draft).await,
                    Act::Withdraw => withdraw_contract(id, version, note).await,
                    Act::Cancel => cancel_contract(id, version, note).await,
                    Act::Approve => approve_contract(id, version, note).await,
                    Act::Reject => reject_contract(id, version, note).await,
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
                    f.notice.set(Some(Notice::Error(e.message(lang))));
                }
            }
        });
    };
    let button = move |act: Act, testid: &'static str, class: &'static str, label: &'static str| {
        view! {
            <button type="button" class=class data-testid=testid disabled=move || f.busy.get() on:click=move |_| run(act)>
                {label}
            </button>
        }
    };
    view! {
        <div class="form-actions card">
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
                {move || show_submit().then(|| button(Act::Submit, "submit", "primary", td_string!(locale, contract_form.actions.submit)))}
                {move || show_save().then(|| button(Act::Save, "save", "", td_string!(locale, contract_form.actions.save)))}
                {move || show_decide().then(|| button(Act::Approve, "approve", "primary", td_string!(locale, contract_form.actions.approve)))}
                {move || show_decide().then(|| button(Act::Reject, "reject", "", td_string!(locale, contract_form.actions.reject)))}
                {move || show_withdraw().then(|| button(Act::Withdraw, "withdraw", "", td_string!(locale, contract_form.actions.withdraw)))}
                {move || show_cancel().then(|| button(Act::Cancel, "cancel", "danger", td_string!(locale, contract_form.actions.cancel)))}
            </p>
        </div>
    }
}

async fn get_saved(id: i64) -> Result<ContractDto, AppError> {
    crate::functions::contracts::get_contract(id).await
}

fn done_message(locale: Locale, act: Act) -> String {
    match act {
        Act::Save => td_string!(locale, contract_form.done.saved),
        Act::Submit => td_string!(locale, contract_form.done.submitted),
        Act::Withdraw => td_string!(locale, contract_form.done.withdrawn),
        Act::Cancel => td_string!(locale, contract_form.done.cancelled),
        Act::Approve => td_string!(locale, contract_form.done.approved),
        Act::Reject => td_string!(locale, contract_form.done.rejected),
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

/// `2026-11-29 13:05` in China time (by hand: chrono's formatter would add its parser to the WASM).
fn china_time(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let t = at.with_timezone(&crate::domain::calendar::china_offset());
    format!("{}-{:02}-{:02} {:02}:{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute())
}
