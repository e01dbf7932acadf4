//! The public quote page (`/`): instant, exact prices computed in the browser by the shared
//! engine, with the band-by-band breakdown, the tier chart, and a way to save and share.
//!
//! The page is server-rendered HTML that works without JavaScript: the form is a plain GET form
//! (the server renders the same quote from the query string) and the save form a plain POST (the
//! server answers with the quote's link, or back here with what kept it from saving). In the
//! browser, [`wiring`] makes it instant: on every input it reads the form, prices it with the
//! shared engine and writes the parts that depend on it (`QuoteResultBody`, each field's
//! problems, the save form) again from the same views the server rendered them with. No request
//! is sent until the customer saves.
//!
//! A first load of `/` gets a WASM of its own for that (`frontend`'s `island` feature,
//! [`hydrate_island`]): the wiring, the engine and these views, without the framework's reactive
//! DOM or any other page. Inside the app (the brand link from a signed-in page) the app's bundle
//! renders the page and attaches the same wiring.

use crate::components::quote_result::QuoteResult;
use crate::domain::problem::problems_for;
use crate::domain::quote_form::fields;
use crate::domain::{Lang, OrderType, PriceBook, Problem, QuoteForm};
use crate::functions::price_book::current_price_book;
use crate::functions::quotes::{SAVE_LIMITED_PARAM, SaveQuote, quote_href};
use crate::i18n::{Locale, months, order_type_name, td_string, use_lang, use_locale};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

#[cfg(target_arch = "wasm32")]
pub mod wiring;

/// Terms offered as one-click choices (months).
const QUICK_MONTHS: [u32; 3] = [12, 24, 36];

/// The fields typed as counts, each with its problems shown under it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
const COUNT_FIELDS: [&str; 5] =
    [fields::BASIC, fields::INTEROP, fields::MONTHS, fields::EXISTING_BASIC, fields::EXISTING_INTEROP];

/// The id of the element the calculator is rendered in, with the price book beside it
/// (`data-props`) for [`wiring`].
pub const ISLAND_ID: &str = "quote-calculator";

/// The element the save form is rendered in: there only while the form prices.
const SAVE_SLOT_ID: &str = "save-quote-slot";

/// What the wiring needs besides the form: the price book it prices with.
#[derive(serde::Serialize, serde::Deserialize)]
struct IslandProps {
    book: PriceBook,
}

#[component]
pub fn QuotePage() -> impl IntoView {
    let locale = use_locale();
    let book = Resource::new(|| (), |_| current_price_book());
    let query = use_query_map();
    let (initial, limited) = query.with_untracked(|q| {
        // A link without parameters gets the default example, not an empty form.
        let form = if q.get_str(fields::MONTHS).is_none() {
            QuoteForm::default()
        } else {
            QuoteForm::from_pairs(fields::ALL.into_iter().filter_map(|k| q.get_str(k).map(|v| (k, v))))
        };
        (form, q.get_str(SAVE_LIMITED_PARAM).and_then(|m| m.parse::<u32>().ok()))
    });
    let island = NodeRef::<leptos::html::Div>::new();
    // In the browser (the app's bundle): the same wiring as the quote page's own WASM, its
    // listeners dropped when the app leaves the page.
    Effect::new(move |_| {
        #[cfg(target_arch = "wasm32")]
        if let Some(el) = island.get() {
            match wiring::attach(el.into()) {
                Ok(Some(live)) => {
                    let live = send_wrapper::SendWrapper::new(live);
                    on_cleanup(move || drop(live));
                }
                Ok(None) => {}
                Err(e) => leptos::logging::error!("the quote calculator is not live: {e}"),
            }
        }
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
                                let props = IslandProps { book };
                                let json = serde_json::to_string(&props).unwrap_or_default();
                                let IslandProps { book } = props;
                                Either::Left(view! {
                                    <div id=ISLAND_ID data-props=json node_ref=island>
                                        <Calculator book form=initial limited />
                                    </div>
                                })
                            }
                            Err(e) => Either::Right(view! { <p class="error" role="alert">{e.to_string()}</p> }),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// The quote page's own WASM entry (`frontend`'s `island` feature): makes the calculator the
/// server rendered live ([`wiring::attach`]) and marks `<html>` and `<body>` `data-hydrated`, as
/// the app does once hydrated.
#[cfg(target_arch = "wasm32")]
pub fn hydrate_island() -> Result<(), String> {
    let el = document().get_element_by_id(ISLAND_ID).ok_or("the page has no quote calculator")?;
    // Live for the page's life.
    std::mem::forget(wiring::attach(el)?);
    for el in [document().document_element(), document().body().map(Into::into)].into_iter().flatten() {
        let _ = el.set_attribute("data-hydrated", "true");
    }
    Ok(())
}

/// The calculator for `form`: the inputs with their problems, and the answer. Every part that
/// changes with the input is also a view [`wiring`] renders again in the browser.
#[component]
fn Calculator(book: PriceBook, form: QuoteForm, limited: Option<u32>) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let result = form.evaluate(&book);
    let (min_months_new, max_months) = (book.min_months_new, book.max_months);
    let priced = result.quote.is_some();
    let renewal = form.order_type == OrderType::Renewal;
    let count = |name: &'static str, label: &'static str, hint: &'static str, value: &str| {
        let problems: Vec<Problem> = problems_for(&result.problems, name).cloned().collect();
        view! { <CountInput name label hint value=value.to_owned() problems /> }
    };
    let chips = QUICK_MONTHS
        .into_iter()
        .map(|m| {
            view! {
                <a
                    class="chip"
                    href=chip_href(&form, m)
                    aria-current=chip_current(&form, m)
                    data-months=m
                    data-testid=format!("months-{m}")
                >
                    {months(lang, m)}
                </a>
            }
        })
        .collect_view();
    let order_types = OrderType::ALL
        .into_iter()
        .map(|t| view! { <option value=t.code() selected=form.order_type == t>{order_type_name(lang, t)}</option> })
        .collect_view();
    view! {
        <div class="quote-layout">
            <form class="quote-form" method="get" action="/">
                <fieldset>
                    <legend>{td_string!(locale, quote_page.what_to_buy)}</legend>
                    {count(fields::BASIC, td_string!(locale, quote_page.basic), td_string!(locale, quote_page.basic_hint), &form.basic)}
                    {count(
                        fields::INTEROP,
                        td_string!(locale, quote_page.interop),
                        td_string!(locale, quote_page.interop_hint),
                        &form.interop,
                    )}
                    // Basic vs interop, in the seed's words.
                    <Help
                        question={td_string!(locale, quote_page.help_kinds.question)}
                        answer={td_string!(locale, quote_page.help_kinds.answer)}
                    />
                    {count(fields::MONTHS, td_string!(locale, quote_page.months), "", &form.months)}
                    <div class="quick-picks" role="group" aria-label={td_string!(locale, quote_page.common_terms)}>
                        {chips}
                    </div>
                    <HelpTerm min_months_new max_months />
                    <div class="field">
                        <label for="order_type">{td_string!(locale, quote_page.order_type)}</label>
                        <select id="order_type" name=fields::ORDER_TYPE>
                            {order_types}
                        </select>
                    </div>
                    <div class="checkbox">
                        <input id="invoice" type="checkbox" name=fields::INVOICE value="1" checked=form.invoice />
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
                    {count(fields::EXISTING_BASIC, td_string!(locale, quote_page.existing_basic), "", &form.existing_basic)}
                    {count(
                        fields::EXISTING_INTEROP,
                        td_string!(locale, quote_page.existing_interop),
                        "",
                        &form.existing_interop,
                    )}
                </fieldset>
                // Without JavaScript (or until it runs) the form is priced by the server; once
                // live, every keystroke prices in place and the button is hidden.
                <button type="submit" class="primary before-hydration">
                    {td_string!(locale, quote_page.calculate)}
                </button>
            </form>
            <div class="quote-side">
                <QuoteResult result=result book />
                <div id=SAVE_SLOT_ID>{priced.then(|| view! { <SaveQuoteForm form=form.clone() /> })}</div>
                <div role="alert" class="save-answer">
                    {limited.map(|minutes| view! { <p class="error">{save_limited_message(lang, minutes)}</p> })}
                </div>
            </div>
        </div>
    }
}

/// The link of a quick term choice: the same form with `m` months (works without JavaScript).
fn chip_href(form: &QuoteForm, m: u32) -> String {
    quote_href(&QuoteForm { months: m.to_string(), ..form.clone() })
}

/// `aria-current` of a quick term choice: set on the one the form has.
fn chip_current(form: &QuoteForm, m: u32) -> Option<&'static str> {
    (form.months.trim() == m.to_string()).then_some("true")
}

/// Why a save was refused: too many from this address within the hour.
fn save_limited_message(lang: Lang, minutes: u32) -> String {
    match lang {
        Lang::Zh => format!("保存报价过于频繁，请 {minutes} 分钟后再试（或登录后保存）。"),
        Lang::En => format!("Too many quotes saved from your address; try again in {minutes} min (or sign in)."),
    }
}

/// 保存报价: posts what was typed (never the totals) to the server, which prices it again and
/// answers with the share link — a plain form post, the same with or without JavaScript.
#[component]
fn SaveQuoteForm(form: QuoteForm) -> impl IntoView {
    let locale = use_locale();
    let hidden =
        form.to_pairs().into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value /> });
    view! {
        <form class="save-quote" method="post" action=SaveQuote::url()>
            {hidden.collect_view()}
            <button type="submit" class="primary" data-testid="save-quote">
                {td_string!(locale, quote_page.save)}
            </button>
            <p class="hint">
                {td_string!(locale, quote_page.save_hint)}
            </p>
        </form>
    }
}

/// A labelled whole-number input whose text is kept exactly as typed, with its problems announced.
#[component]
fn CountInput(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    value: String,
    problems: Vec<Problem>,
) -> impl IntoView {
    let hint_id = format!("{name}-hint");
    let errors_id = errors_id(name);
    let described_by = if hint.is_empty() { errors_id.clone() } else { format!("{hint_id} {errors_id}") };
    let invalid = if problems.is_empty() { "false" } else { "true" };
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type="text"
                inputmode="numeric"
                autocomplete="off"
                value=value
                aria-invalid=invalid
                aria-describedby=described_by
            />
            {(!hint.is_empty()).then(|| view! { <small class="hint" id=hint_id>{hint}</small> })}
            <div class="field-errors" id=errors_id aria-live="polite">
                <FieldProblems problems />
            </div>
        </div>
    }
}

/// The id of a count field's problem list.
fn errors_id(name: &str) -> String {
    format!("{name}-errors")
}

/// A field's problems, each a line of its own.
#[component]
fn FieldProblems(problems: Vec<Problem>) -> impl IntoView {
    let lang = use_lang();
    problems.into_iter().map(|p| view! { <p class="field-error">{p.message(lang).to_owned()}</p> }).collect_view()
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
