//! 开通: once every level has approved a contract, an admin records the WeCom order ID, the
//! activation date and the API expiry date here; a fulfilled contract shows what was recorded.
//! The fields are checked as typed by the same rule the server applies
//! (`domain::contract::check_fulfilment`).

use super::state::{Form, Notice};
use super::wecom::WecomCard;
use crate::components::form_field::{field_label, problem_items};
use crate::domain::contract::fulfilment::paths;
use crate::domain::contract::{ContractStatus, check_fulfilment};
use crate::domain::policy::Action;
use crate::domain::problem::Problem;
use crate::error::AppError;
use crate::functions::contracts::fulfil_contract;
use crate::i18n::td_string;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;

/// What was recorded at 开通, for a fulfilled contract.
struct Recorded {
    wecom_order_id: String,
    activation_date: String,
    api_expiry_date: String,
}

#[component]
pub(super) fn FulfilmentCard(f: Form) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    // While a WeCom order job has the contract, 开通 is the job's to record.
    let job_holds = RwSignal::new(false);
    let show_form = move || f.status() == ContractStatus::Approved && f.may(Action::Fulfil) && !job_holds.get();
    let recorded = move || {
        f.saved.with(|c| {
            c.as_ref().filter(|c| c.status == ContractStatus::Fulfilled).map(|c| Recorded {
                wecom_order_id: c.wecom_order_id.clone().unwrap_or_default(),
                activation_date: c.activation_date.map(|d| d.to_string()).unwrap_or_default(),
                api_expiry_date: c.draft.api_expiry_date.clone(),
            })
        })
    };

    let order = RwSignal::new(String::new());
    let activation = RwSignal::new(String::new());
    // The expiry date the order form already names is the likely answer.
    let expiry = RwSignal::new(f.draft.with_untracked(|d| d.api_expiry_date.clone()));
    let touched = RwSignal::new(BTreeSet::<&'static str>::new());
    let tried = RwSignal::new(false);
    let server_problems = RwSignal::new(Vec::<Problem>::new());
    let problems =
        Memo::new(move |_| check_fulfilment(&order.get(), &activation.get(), &expiry.get()).err().unwrap_or_default());
    // A field's problems show once it was left or 开通 was pressed; the server's always.
    let shown = move |path: &'static str| {
        let mut out: Vec<Problem> = if tried.get() || touched.with(|t| t.contains(path)) {
            problems.with(|ps| ps.iter().filter(|p| p.field == path).cloned().collect())
        } else {
            Vec::new()
        };
        server_problems.with(|ps| {
            for p in ps.iter().filter(|p| p.field == path) {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
        });
        out
    };

    let fulfil = move |_| {
        tried.set(true);
        server_problems.set(Vec::new());
        if problems.with_untracked(|ps| !ps.is_empty()) {
            return;
        }
        let Some((id, version)) = f.saved.with_untracked(|c| c.as_ref().map(|c| (c.id, c.version))) else {
            return;
        };
        f.notice.set(None);
        f.busy.set(true);
        let (o, a, e) = (order.get_untracked(), activation.get_untracked(), expiry.get_untracked());
        spawn_local(async move {
            let result = fulfil_contract(id, version, o, a, e).await;
            f.busy.set(false);
            match result {
                Ok(dto) => {
                    f.baseline.set(dto.draft.clone());
                    f.draft.set(dto.draft.clone());
                    f.saved.set(Some(dto));
                    f.notice.set(Some(Notice::Ok(td_string!(locale, contract_form.done.fulfilled).to_owned())));
                }
                Err(e) => {
                    if let AppError::Invalid { problems } = &e {
                        server_problems.set(problems.clone());
                    }
                    f.notice.set(Some(Notice::Error(e.message(lang))));
                }
            }
        });
    };

    let input = move |path: &'static str,
                      label: &'static str,
                      required: bool,
                      value: RwSignal<String>,
                      hint: Option<&'static str>| {
        let id = format!("fulfil-{path}");
        let invalid = move || shown(path).iter().any(Problem::is_error);
        view! {
            <div class="field" data-field=path>
                {field_label(id.clone(), label, required)}
                <input
                    id=id
                    name=path
                    type="text"
                    placeholder=hint
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                    on:blur=move |_| touched.update(|t| {
                        t.insert(path);
                    })
                    aria-invalid=move || if invalid() { "true" } else { "false" }
                />
                <ul class="field-errors" data-problems-for=path>{move || problem_items(lang, &shown(path))}</ul>
            </div>
        }
    };
    let date_hint = Some("YYYY-MM-DD");

    view! {
        <WecomCard f=f holds=job_holds />
        <Show when=show_form>
            <fieldset class="card" data-testid="fulfilment-form">
                <legend>{td_string!(locale, contract_form.fulfilment.legend)}</legend>
                <p class="hint">{td_string!(locale, contract_form.fulfilment.hint)}</p>
                <div class="form-grid">
                    {input(paths::WECOM_ORDER_ID, td_string!(locale, contract_form.fulfilment.wecom_order_id), true, order, None)}
                    {input(paths::ACTIVATION_DATE, td_string!(locale, contract_form.fulfilment.activation_date), true, activation, date_hint)}
                    {input(paths::API_EXPIRY_DATE, td_string!(locale, contract_form.fulfilment.api_expiry_date), false, expiry, date_hint)}
                </div>
                <p class="actions">
                    <button type="button" class="primary" data-testid="fulfil" disabled=move || f.busy.get() on:click=fulfil>
                        {td_string!(locale, contract_form.fulfilment.submit)}
                    </button>
                </p>
            </fieldset>
        </Show>
        {move || recorded().map(|r| view! {
            <fieldset class="card" data-testid="fulfilment">
                <legend>{td_string!(locale, contract_form.fulfilment.legend)}</legend>
                <dl class="facts">
                    <dt>{td_string!(locale, contract_form.fulfilment.wecom_order_id)}</dt>
                    <dd data-testid="wecom-order-id">{r.wecom_order_id}</dd>
                    <dt>{td_string!(locale, contract_form.fulfilment.activation_date)}</dt>
                    <dd data-testid="activation-date">{r.activation_date}</dd>
                    <dt>{td_string!(locale, contract_form.fulfilment.api_expiry_date)}</dt>
                    <dd data-testid="api-expiry-date">{r.api_expiry_date}</dd>
                </dl>
            </fieldset>
        })}
    }
}
