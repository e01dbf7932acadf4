//! The public quote page (`/`): instant, exact prices computed in the browser by the shared
//! engine, with the band-by-band breakdown, the tier chart, and a way to save and share.
//!
//! The form is a plain GET form: without JavaScript it submits to the server, which renders the
//! same quote from the query string, and the save form is a plain POST. With the WASM loaded every
//! keystroke re-prices locally and no request is sent until the customer saves.

use crate::components::quote_result::QuoteResult;
use crate::domain::problem::problems_for;
use crate::domain::quote_form::{QuoteFormResult, fields};
use crate::domain::{OrderType, PriceBook, Problem, QuoteForm};
use crate::functions::price_book::current_price_book;
use crate::functions::quotes::{SaveOutcome, SaveQuote, quote_href};
use crate::i18n::{Locale, months, order_type_name, td_string, use_lang, use_locale};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Terms offered as one-click choices (months).
const QUICK_MONTHS: [u32; 3] = [12, 24, 36];

/// The id of the element the calculator is rendered in. On a first load of `/` the browser gets
/// the quote page's own small WASM ([`hydrate_island`]), which hydrates this element alone; the
/// rest of the page (header, language switch, menu) stays server-rendered HTML that works without
/// JavaScript, and a link to another page loads the app's full WASM there.
pub const ISLAND_ID: &str = "quote-calculator";

/// What the calculator is made from, written into the page (`data-props`) for [`hydrate_island`]:
/// the price book it prices with and the form as the server rendered it.
#[derive(serde::Serialize, serde::Deserialize)]
struct IslandProps {
    book: PriceBook,
    form: QuoteForm,
}

#[component]
pub fn QuotePage() -> impl IntoView {
    let locale = use_locale();
    let book = Resource::new(|| (), |_| current_price_book());
    let query = use_query_map();
    let initial = query.with_untracked(|q| {
        // A link without parameters gets the default example, not an empty form.
        if q.get_str(fields::MONTHS).is_none() {
            return QuoteForm::default();
        }
        QuoteForm::from_pairs(
            [
                fields::BASIC,
                fields::INTEROP,
                fields::MONTHS,
                fields::ORDER_TYPE,
                fields::EXISTING_BASIC,
                fields::EXISTING_INTEROP,
                fields::INVOICE,
            ]
            .into_iter()
            .filter_map(|k| q.get_str(k).map(|v| (k, v))),
        )
    });
    view! {
        <section class="quote-page">
            <h1>{td_string!(locale, quote_page.heading)}</h1>
            <p class="lead">
                {td_string!(locale, quote_page.lead)}
            </p>
            <Suspense fallback=move || {
                view! { <p class="loading">{td_string!(locale, quote_page.loading)}</p> }
            }>
                {move || {
                    let initial = initial.clone();
                    Suspend::new(async move {
                        match book.await {
                            Ok(book) => {
                                let props = IslandProps { book, form: initial };
                                let json = serde_json::to_string(&props).unwrap_or_default();
                                let IslandProps { book, form } = props;
                                view! {
                                    <div id=ISLAND_ID data-props=json>
                                        <QuoteCalculator book initial=form />
                                    </div>
                                }
                                .into_any()
                            }
                            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// The quote page's own WASM entry (`frontend`'s `island` build): hydrates the calculator the
/// server rendered into [`ISLAND_ID`] from the props written beside it, without the router or any
/// other page. Marks `<html>` and `<body>` `data-hydrated` as the full app does.
#[cfg(feature = "hydrate")]
pub fn hydrate_island() -> Result<(), String> {
    use leptos::wasm_bindgen::JsCast;
    let el = document().get_element_by_id(ISLAND_ID).ok_or("the page has no quote calculator")?;
    let json = el.get_attribute("data-props").ok_or("the quote calculator has no data-props")?;
    let IslandProps { book, form } = serde_json::from_str(&json).map_err(|e| format!("data-props: {e}"))?;
    leptos::mount::hydrate_from(el.unchecked_into(), move || {
        crate::i18n::provide_lang();
        view! { <QuoteCalculator book initial=form /> }
    })
    .forget();
    for el in [document().document_element(), document().body().map(Into::into)].into_iter().flatten() {
        let _ = el.set_attribute("data-hydrated", "true");
    }
    Ok(())
}

#[component]
fn QuoteCalculator(book: PriceBook, initial: QuoteForm) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let form = RwSignal::new(initial);
    let min_months_new = book.min_months_new;
    let max_months = book.max_months;
    let priced_with = book.clone();
    let result: Memo<QuoteFormResult> = Memo::new(move |_| form.with(|f| f.evaluate(&priced_with)));
    let problems = move |field: &'static str| {
        Signal::derive(move || result.with(|r| problems_for(&r.problems, field).cloned().collect::<Vec<_>>()))
    };
    let renewal = move || form.with(|f| f.order_type == OrderType::Renewal);

    view! {
        <div class="quote-layout">
            <form class="quote-form" method="get" action="/" on:submit=|ev| ev.prevent_default()>
                <fieldset>
                    <legend>{td_string!(locale, quote_page.what_to_buy)}</legend>
                    <CountInput
                        name=fields::BASIC
                        label={td_string!(locale, quote_page.basic)}
                        hint={td_string!(locale, quote_page.basic_hint)}
                        value=Signal::derive(move || form.with(|f| f.basic.clone()))
                        on_input=move |v| form.update(|f| f.basic = v)
                        problems=problems(fields::BASIC)
                    />
                    <CountInput
                        name=fields::INTEROP
                        label={td_string!(locale, quote_page.interop)}
                        hint={td_string!(locale, quote_page.interop_hint)}
                        value=Signal::derive(move || form.with(|f| f.interop.clone()))
                        on_input=move |v| form.update(|f| f.interop = v)
                        problems=problems(fields::INTEROP)
                    />
                    // Basic vs interop, in the seed's words.
                    <Help
                        question={td_string!(locale, quote_page.help_kinds.question)}
                        answer={td_string!(locale, quote_page.help_kinds.answer)}
                    />
                    <CountInput
                        name=fields::MONTHS
                        label={td_string!(locale, quote_page.months)}
                        hint=""
                        value=Signal::derive(move || form.with(|f| f.months.clone()))
                        on_input=move |v| form.update(|f| f.months = v)
                        problems=problems(fields::MONTHS)
                    />
                    <div class="quick-picks" role="group" aria-label={td_string!(locale, quote_page.common_terms)}>
                        {QUICK_MONTHS
                            .into_iter()
                            .map(|m| {
                                let href = move || {
                                    quote_href(&form.with(|f| QuoteForm { months: m.to_string(), ..f.clone() }))
                                };
                                let current = move || form.with(|f| f.months.trim() == m.to_string());
                                view! {
                                    <a
                                        class="chip"
                                        href=href
                                        aria-current=move || current().then_some("true")
                                        data-testid=format!("months-{m}")
                                        on:click=move |ev| {
                                            ev.prevent_default();
                                            form.update(|f| f.months = m.to_string());
                                        }
                                    >
                                        {months(lang, m)}
                                    </a>
                                }
                            })
                            .collect_view()}
                    </div>
                    <HelpTerm min_months_new max_months />
                    <div class="field">
                        <label for="order_type">{td_string!(locale, quote_page.order_type)}</label>
                        <select
                            id="order_type"
                            name=fields::ORDER_TYPE
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                form.update(|f| f.order_type = OrderType::from_code(&v).unwrap_or(f.order_type));
                            }
                        >
                            {OrderType::ALL
                                .into_iter()
                                .map(|t| {
                                    view! {
                                        <option
                                            value=t.code()
                                            selected=move || form.with(|f| f.order_type == t)
                                        >
                                            {order_type_name(lang, t)}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="checkbox">
                        <input
                            id="invoice"
                            type="checkbox"
                            name=fields::INVOICE
                            value="1"
                            checked=move || form.with(|f| f.invoice)
                            prop:checked=move || form.with(|f| f.invoice)
                            on:change=move |ev| form.update(|f| f.invoice = event_target_checked(&ev))
                        />
                        <label for="invoice">
                            {td_string!(locale, quote_page.invoice)}
                        </label>
                    </div>
                </fieldset>
                <fieldset class="existing" disabled=renewal>
                    <legend>{td_string!(locale, quote_page.existing)}</legend>
                    // Why accounts already active change the price.
                    <Help
                        question={td_string!(locale, quote_page.help_existing.question)}
                        answer={td_string!(locale, quote_page.help_existing.answer)}
                    />
                    <CountInput
                        name=fields::EXISTING_BASIC
                        label={td_string!(locale, quote_page.existing_basic)}
                        hint=""
                        value=Signal::derive(move || form.with(|f| f.existing_basic.clone()))
                        on_input=move |v| form.update(|f| f.existing_basic = v)
                        problems=problems(fields::EXISTING_BASIC)
                    />
                    <CountInput
                        name=fields::EXISTING_INTEROP
                        label={td_string!(locale, quote_page.existing_interop)}
                        hint=""
                        value=Signal::derive(move || form.with(|f| f.existing_interop.clone()))
                        on_input=move |v| form.update(|f| f.existing_interop = v)
                        problems=problems(fields::EXISTING_INTEROP)
                    />
                </fieldset>
                // Until the WASM arrives (or without JavaScript) the form is priced by the server;
                // once hydrated every keystroke prices in place and the button is hidden.
                <button type="submit" class="primary before-hydration">
                    {td_string!(locale, quote_page.calculate)}
                </button>
            </form>
            <div class="quote-side">
                <QuoteResult result=result book />
                <SaveQuoteForm form result />
            </div>
        </div>
    }
}

/// 保存报价: posts what was typed (never the totals) to the server, which prices it again and
/// answers with the share link. A plain form post without JavaScript.
#[component]
fn SaveQuoteForm(form: RwSignal<QuoteForm>, result: Memo<QuoteFormResult>) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let save = ServerAction::<SaveQuote>::new();
    let priced = move || result.with(|r| r.quote.is_some());
    let hidden = move |name: &'static str| {
        let value = move || {
            form.with(|f| f.to_pairs().into_iter().find(|(k, _)| *k == name).map(|(_, v)| v).unwrap_or_default())
        };
        view! { <input type="hidden" name=name value=value prop:value=value /> }
    };
    let answer = move || {
        save.value().with(|v| match v {
            Some(Ok(SaveOutcome::Invalid { problems })) => problems
                .iter()
                .map(|p| view! { <p class="error">{p.message(lang).to_owned()}</p> })
                .collect_view()
                .into_any(),
            Some(Err(e)) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
            _ => ().into_any(),
        })
    };
    view! {
        <Show when=priced>
            <ActionForm action=save attr:class="save-quote">
                {hidden(fields::BASIC)}
                {hidden(fields::INTEROP)}
                {hidden(fields::MONTHS)}
                {hidden(fields::ORDER_TYPE)}
                {hidden(fields::EXISTING_BASIC)}
                {hidden(fields::EXISTING_INTEROP)}
                {hidden(fields::INVOICE)}
                <button type="submit" class="primary" data-testid="save-quote" disabled=move || save.pending().get()>
                    {td_string!(locale, quote_page.save)}
                </button>
                <p class="hint">
                    {td_string!(locale, quote_page.save_hint)}
                </p>
            </ActionForm>
        </Show>
        <div role="alert" class="save-answer">{answer}</div>
    }
}

/// A labelled whole-number input whose text is kept exactly as typed, with its problems announced.
#[component]
fn CountInput(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    #[prop(into)] value: Signal<String>,
    on_input: impl Fn(String) + 'static,
    problems: Signal<Vec<Problem>>,
) -> impl IntoView {
    let lang = use_lang();
    let hint_id = format!("{name}-hint");
    let errors_id = format!("{name}-errors");
    let described_by = if hint.is_empty() { errors_id.clone() } else { format!("{hint_id} {errors_id}") };
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type="text"
                inputmode="numeric"
                autocomplete="off"
                value=move || value.get()
                prop:value=move || value.get()
                aria-invalid=move || if problems.with(|p| p.is_empty()) { "false" } else { "true" }
                aria-describedby=described_by
                on:input=move |ev| on_input(event_target_value(&ev))
            />
            {(!hint.is_empty()).then(|| view! { <small class="hint" id=hint_id>{hint}</small> })}
            <div class="field-errors" id=errors_id aria-live="polite">
                {move || {
                    problems
                        .get()
                        .into_iter()
                        .map(|p| view! { <p class="field-error">{p.message(lang).to_owned()}</p> })
                        .collect_view()
                }}
            </div>
        </div>
    }
}

/// Help in place: a question that opens to its answer, keyboard-usable as a native disclosure.
#[component]
fn Help(question: &'static str, answer: &'static str) -> impl IntoView {
    view! {
        <details class="help">
            <summary>{question}</summary>
            <p>{answer}</p>
        </details>
    }
}

/// Help in place: the minimum and maximum term.
#[component]
fn HelpTerm(min_months_new: u32, max_months: u32) -> impl IntoView {
    let text = td_string!(use_locale(), quote_page.term_hint, max = max_months, min_new = min_months_new);
    view! { <p class="hint" id="months-hint">{text}</p> }
}
