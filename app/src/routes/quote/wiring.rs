//! The quote page in the browser: on every input, read the form, price it with the shared engine
//! and write what depends on it — the answer, each field's problems and `aria-invalid`, the quick
//! term choices' links, whether 已激活的账号 applies, the save form — from the views the server
//! rendered them with ([`QuoteResultBody`], [`FieldProblems`], [`SaveQuoteForm`]).
//!
//! Plain DOM listeners rather than the framework's reactive views: the quote page's own WASM
//! (`hydrate_island`) then carries the engine, these views' HTML writers and this file, and none
//! of the reactive DOM machinery; the app's bundle attaches the same wiring when it shows the page.
//! A part is written only when what it is made from changed, so the `aria-live` regions announce
//! changes only. The quote page's own WASM (the `island` feature) writes a part as HTML; the app's
//! bundle builds the same view as DOM nodes (tachys writes HTML only with its `ssr` feature, which
//! the app's bundle cannot have: it would drop every event listener of the other pages).

use super::{
    COUNT_FIELDS, FieldProblems, IslandProps, QUICK_MONTHS, SAVE_SLOT_ID, SaveQuoteForm, chip_current, chip_href,
    errors_id,
};
use crate::components::quote_result::{QuoteResultBody, RESULT_BODY_ID};
use crate::domain::problem::problems_for;
use crate::domain::quote_form::{QuoteFormResult, fields};
use crate::domain::{OrderType, PriceBook, Problem, QuoteForm};
use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, closure::Closure};
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use web_sys::{Element, Event, HtmlInputElement, HtmlSelectElement};

/// A live calculator: its listeners work for as long as this is kept. The quote page's own WASM
/// keeps it for the page's life; the app drops it when it leaves the page.
pub struct Live {
    _listeners: Vec<Closure<dyn Fn(Event)>>,
}

/// Makes the calculator rendered in `root` (the element with `data-props`) live. `None` if it is
/// live already.
pub fn attach(root: Element) -> Result<Option<Live>, String> {
    if root.has_attribute("data-live") {
        return Ok(None);
    }
    let json = root.get_attribute("data-props").ok_or("the quote calculator has no data-props")?;
    let IslandProps { book } = serde_json::from_str(&json).map_err(|e| format!("data-props: {e}"))?;
    let form = root.query_selector("form.quote-form").ok().flatten().ok_or("the quote calculator has no form")?;
    let page = Rc::new(Page {
        root: root.clone(),
        form: form.clone(),
        book,
        written: RefCell::default(),
        #[cfg(not(feature = "island"))]
        mounted: RefCell::default(),
    });

    let mut listeners = Vec::new();
    let mut listen = |kind: &str, f: Box<dyn Fn(Event)>| {
        let closure = Closure::<dyn Fn(Event)>::wrap(f);
        let added = form.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
        listeners.push(closure);
        added.map_err(|_| format!("cannot listen to {kind} on the quote form"))
    };
    let on_input = page.clone();
    listen("input", Box::new(move |_| on_input.update()))?;
    let on_change = page.clone();
    listen("change", Box::new(move |_| on_change.update()))?;
    // A quick term choice fills in the term (without JavaScript it is a link to the same form).
    let on_click = page.clone();
    listen(
        "click",
        Box::new(move |ev: Event| {
            let chip = ev
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.closest("a.chip[data-months]").ok().flatten());
            if let Some(months) = chip.and_then(|c| c.get_attribute("data-months")) {
                ev.prevent_default();
                on_click.set_value(fields::MONTHS, &months);
                on_click.update();
            }
        }),
    )?;
    // Every input prices in place: the form never needs to be sent.
    listen("submit", Box::new(|ev: Event| ev.prevent_default()))?;
    let _ = root.set_attribute("data-live", "");

    // What the server wrote is what it rendered for the form's initial values; the browser may
    // have restored other input (back, reload), which the first update shows.
    let initial = page.read(Value::Initial);
    page.parts(&initial, &initial.evaluate(&page.book), false);
    page.update();
    Ok(Some(Live { _listeners: listeners }))
}

/// Which value of a control to read: as the server rendered it, or as it is now.
#[derive(Clone, Copy)]
enum Value {
    Initial,
    Current,
}

struct Page {
    root: Element,
    form: Element,
    book: PriceBook,
    /// What each part was last written from, by element id.
    written: RefCell<HashMap<String, Box<dyn Any>>>,
    /// The app's bundle: the views mounted in each part, unmounted when replaced.
    #[cfg(not(feature = "island"))]
    mounted: RefCell<HashMap<String, Box<dyn Any>>>,
}

impl Page {
    fn control(&self, name: &str) -> Option<Element> {
        self.form.query_selector(&format!("[name=\"{name}\"]")).ok().flatten()
    }

    fn read(&self, which: Value) -> QuoteForm {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for name in fields::ALL {
            let Some(el) = self.control(name) else { continue };
            if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
                if input.type_() == "checkbox" {
                    let checked = match which {
                        Value::Initial => input.default_checked(),
                        Value::Current => input.checked(),
                    };
                    if checked {
                        pairs.push((name, input.value()));
                    }
                } else {
                    pairs.push((
                        name,
                        match which {
                            Value::Initial => input.default_value(),
                            Value::Current => input.value(),
                        },
                    ));
                }
            } else if let Some(select) = el.dyn_ref::<HtmlSelectElement>() {
                let value = match which {
                    Value::Current => select.value(),
                    Value::Initial => select
                        .query_selector("option[selected]")
                        .ok()
                        .flatten()
                        .and_then(|o| o.get_attribute("value"))
                        .unwrap_or_else(|| select.value()),
                };
                pairs.push((name, value));
            }
        }
        QuoteForm::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
    }

    fn set_value(&self, name: &str, value: &str) {
        if let Some(input) = self.control(name).and_then(|e| e.dyn_into::<HtmlInputElement>().ok()) {
            input.set_value(value);
        }
    }

    /// Writes the parts for `form` (each only if what it is made from changed), or with `write`
    /// false only takes them as already on the page.
    fn parts(&self, form: &QuoteForm, result: &QuoteFormResult, write: bool) {
        for name in COUNT_FIELDS {
            let problems: Vec<Problem> = problems_for(&result.problems, name).cloned().collect();
            self.part(&errors_id(name), problems, write, |problems| view! { <FieldProblems problems /> });
        }
        let save = result.quote.is_some().then(|| form.clone());
        self.part(SAVE_SLOT_ID, save, write, |save| save.map(|form| view! { <SaveQuoteForm form /> }));
        let book = self.book.clone();
        self.part(RESULT_BODY_ID, result.clone(), write, move |result| view! { <QuoteResultBody result book /> });
    }

    /// The part `id`, made from `data` by `render`: written unless it was last made from the same.
    fn part<T, V>(&self, id: &str, data: T, write: bool, render: impl FnOnce(T) -> V + 'static)
    where
        T: PartialEq + Clone + 'static,
        V: IntoView + 'static,
    {
        let mut written = self.written.borrow_mut();
        if written.get(id).and_then(|w| w.downcast_ref::<T>()) == Some(&data) {
            return;
        }
        written.insert(id.to_owned(), Box::new(data.clone()));
        if !write {
            return;
        }
        let Some(el) = self.root.query_selector(&format!("#{id}")).ok().flatten() else { return };
        // The quote page's own WASM writes the view as HTML.
        #[cfg(feature = "island")]
        el.set_inner_html(&render(data).into_view().to_html());
        // The app's bundle builds it as nodes (tachys writes HTML only on the server), and
        // unmounts what it mounted there before.
        #[cfg(not(feature = "island"))]
        {
            let mut mounted = self.mounted.borrow_mut();
            drop(mounted.remove(id));
            el.set_inner_html("");
            let handle = leptos::mount::mount_to(el.unchecked_into(), move || render(data));
            mounted.insert(id.to_owned(), Box::new(handle));
        }
    }

    /// Prices the form as it is now and writes what changed.
    fn update(&self) {
        let form = self.read(Value::Current);
        let result = form.evaluate(&self.book);
        self.parts(&form, &result, true);
        for name in COUNT_FIELDS {
            let invalid = problems_for(&result.problems, name).next().is_some();
            if let Some(input) = self.control(name) {
                let _ = input.set_attribute("aria-invalid", if invalid { "true" } else { "false" });
            }
        }
        for m in QUICK_MONTHS {
            if let Some(chip) = self.root.query_selector(&format!("a.chip[data-months=\"{m}\"]")).ok().flatten() {
                let _ = chip.set_attribute("href", &chip_href(&form, m));
                match chip_current(&form, m) {
                    Some(v) => drop(chip.set_attribute("aria-current", v)),
                    None => drop(chip.remove_attribute("aria-current")),
                }
            }
        }
        if let Some(existing) = self.root.query_selector("fieldset.existing").ok().flatten() {
            let _ = existing.toggle_attribute_with_force("disabled", form.order_type == OrderType::Renewal);
        }
    }
}
