//! The form's field widgets, each bound to one field of the draft: text inputs, selects, yes / no
//! answers, the source order (选择源单), and the problems shown at a field.

use super::state::Form;
use crate::components::form_field::{field_label, problem_items, yes_no_answer, yes_no_choices, yes_no_code};
use crate::domain::contract::{ContractDraft, SourceOrder, paths, userid_count_matches_of};
use crate::i18n::td_string;
use leptos::prelude::*;

/// The problems at one field.
#[component]
pub(super) fn Problems(f: Form, #[prop(into)] path: String) -> impl IntoView {
    let p = path.clone();
    view! { <ul class="field-errors" data-problems-for=path>{move || problem_items(f.lang, &f.problems(&p))}</ul> }
}

/// A text input bound to one draft field.
pub(super) fn text_input<G, S>(f: Form, path: String, get: G, set: S) -> impl IntoView
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

pub(super) fn text_field(
    f: Form,
    path: &'static str,
    label: &'static str,
    required: bool,
    get: fn(&ContractDraft) -> String,
    set: fn(&mut ContractDraft, String),
) -> impl IntoView {
    view! {
        <div class="field" data-field=path>
            {field_label(path.to_owned(), label, required)}
            {text_input(f, path.to_owned(), get, set)}
            <Problems f path=path />
        </div>
    }
}

/// [`text_field`] with where to find what it asks for under it, folded (`<details>`: opens by
/// click, keyboard or touch, and with no JavaScript).
#[allow(clippy::too_many_arguments)]
pub(super) fn text_field_with_help(
    f: Form,
    path: &'static str,
    label: &'static str,
    required: bool,
    get: fn(&ContractDraft) -> String,
    set: fn(&mut ContractDraft, String),
    question: &'static str,
    answer: &'static str,
) -> impl IntoView {
    view! {
        <div class="field" data-field=path>
            {field_label(path.to_owned(), label, required)}
            {text_input(f, path.to_owned(), get, set)}
            {field_help(question, answer)}
            <Problems f path=path />
        </div>
    }
}

/// A folded help text: the question a person asks, and the seed's answer.
pub(super) fn field_help(question: &'static str, answer: &'static str) -> impl IntoView {
    view! {
        <details class="field-help">
            <summary>{question}</summary>
            <p>{answer}</p>
        </details>
    }
}

/// A select bound to one draft field; `""` is "not chosen".
pub(super) fn select_input<G, S>(f: Form, path: String, choices: Vec<(String, String)>, get: G, set: S) -> impl IntoView
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

pub(super) fn choice_field(
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
            {field_label(path.to_owned(), label, required)}
            {select_input(f, path.to_owned(), choices, get, set)}
            <Problems f path=path />
        </div>
    }
}

pub(super) fn yes_no_field(
    f: Form,
    path: &'static str,
    label: &'static str,
    get: fn(&ContractDraft) -> Option<bool>,
    set: fn(&mut ContractDraft, Option<bool>),
) -> impl IntoView {
    let choices = yes_no_choices(f.locale);
    view! {
        <div class="field" data-field=path>
            {field_label(path.to_owned(), label, false)}
            {select_input(
                f,
                path.to_owned(),
                choices,
                move |d| yes_no_code(get(d)),
                move |d, v| set(d, yes_no_answer(&v)),
            )}
            <Problems f path=path />
        </div>
    }
}

/// When a userid sheet was read, the answer to 「User ID数量与实际购买接口数量是否一致」 the rules
/// take from it (it wins over the one chosen above).
#[component]
pub(super) fn SheetCountAnswer(f: Form) -> impl IntoView {
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
pub(super) fn SourceOrderField(f: Form) -> impl IntoView {
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
                    {field_label(paths::SOURCE_ORDER_NUMBER.to_owned(), td_string!(locale, contract_form.source_order.order_number), false)}
                    {text_input(
                        f,
                        paths::SOURCE_ORDER_NUMBER.to_owned(),
                        |d| match &d.source_order { SourceOrder::External { order_number, .. } => order_number.clone(), _ => String::new() },
                        |d, v| if let SourceOrder::External { order_number, .. } = &mut d.source_order { *order_number = v },
                    )}
                    {field_label(paths::SOURCE_ORDER_END.to_owned(), td_string!(locale, contract_form.source_order.service_end), false)}
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
                <super::source::SourcePicker f />
            </Show>
            <Problems f path=paths::SOURCE_ORDER />
        </div>
    }
}

/// 负责人: the owner, picked among the organisation's partners once the page is interactive
/// (`contracts/owner_choices`); the creator until someone else is picked. Read-only, it shows the
/// owner's name.
#[component]
pub(super) fn OwnerField(f: Form, current: crate::models::PersonDto) -> impl IntoView {
    let locale = f.locale;
    let choices = RwSignal::new(None::<Vec<crate::models::PersonDto>>);
    let id = f.contract_id();
    Effect::new(move |_| {
        if f.editable.get() && choices.with_untracked(Option::is_none) {
            leptos::task::spawn_local(async move {
                if let Ok(people) = crate::functions::contracts::owner_choices(id).await {
                    choices.set(Some(people));
                }
            });
        }
    });
    let selected = move || f.draft.with(|d| d.owner).unwrap_or(current.id);
    let name = current.display_name.clone();
    view! {
        <div class="field" data-field="owner">
            {move || match choices.get().filter(|_| f.editable.get()) {
                Some(people) => view! {
                    <label for="owner">{td_string!(locale, contract_form.basic.owner)}</label>
                    <select
                        id="owner"
                        name="owner"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            f.draft.update(|d| d.owner = v.parse().ok());
                        }
                    >
                        {people
                            .into_iter()
                            .map(|p| {
                                let id = p.id;
                                view! { <option value=id.to_string() selected=move || selected() == id>{p.display_name}</option> }
                            })
                            .collect_view()}
                    </select>
                    <Problems f path="owner" />
                }
                    .into_any(),
                None => view! {
                    <span class="label">{td_string!(locale, contract_form.basic.owner)}</span>
                    <span class="value" data-testid="owner">{name.clone()}</span>
                }
                    .into_any(),
            }}
        </div>
    }
}
