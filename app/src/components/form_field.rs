//! The pieces of a form field that do not depend on what the form edits: its label, its list of
//! problems, and the choices of a select over a coded enum or a yes / no answer; and the mark of
//! a form that has become interactive.

use crate::domain::problem::{Lang, Problem};
use crate::i18n::{Locale, td_string};
use leptos::prelude::*;

/// A field's label, with the required mark (`*`) before the text when the field is required.
pub fn field_label(for_id: String, label: &'static str, required: bool) -> impl IntoView {
    view! {
        <label for=for_id>
            {required.then(|| view! { <span class="req">"*"</span> })}
            {label}
        </label>
    }
}

/// Problems as list items, errors and warnings told apart by class.
pub fn problem_items(lang: Lang, problems: &[Problem]) -> impl IntoView + use<> {
    problems
        .iter()
        .map(|p| {
            let class = if p.is_error() { "field-error" } else { "field-warning" };
            view! { <li class=class data-field=p.field.clone() data-code=p.code.clone()>{p.message(lang).to_owned()}</li> }
        })
        .collect_view()
}

/// The choices of a select over a coded enum: each value's code, and its name in the page's
/// language.
pub fn coded_choices<T: Copy>(
    lang: Lang,
    all: &[T],
    code: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
    en: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter().map(|t| (code(*t).to_owned(), lang.pick(zh(*t), en(*t)).to_owned())).collect()
}

/// The choices of a yes / no select: `yes`, `no`, labelled in the page's language.
pub fn yes_no_choices(locale: Locale) -> Vec<(String, String)> {
    vec![
        ("yes".to_owned(), td_string!(locale, common.yes).to_owned()),
        ("no".to_owned(), td_string!(locale, common.no).to_owned()),
    ]
}

/// The code a yes / no select shows for an answer; `None` while unanswered.
pub fn yes_no_code(answer: Option<bool>) -> Option<String> {
    answer.map(|b| if b { "yes" } else { "no" }.to_owned())
}

/// The answer a yes / no select's code stands for; `None` for "not chosen".
pub fn yes_no_answer(code: &str) -> Option<bool> {
    match code {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// The value of `data-interactive` for a form rendered behind its page's data (inside a
/// `Suspense` or `Transition`), which hydrates after the page is marked hydrated: "false" as the
/// server renders it, "true" once the form is hydrated (effects run only in the browser). Typing
/// before then would not reach the form's signals; the browser tests wait for every such mark.
pub fn interactive_mark() -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    move || if interactive.get() { "true" } else { "false" }
}
