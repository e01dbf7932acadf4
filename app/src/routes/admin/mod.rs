//! `/admin` and `/admin?section=<section>` (管理后台): the admin console, one lazily loaded chunk with four
//! sections behind a tab bar: users (用户与机构), the price book (价格表), approval flows (审批流程)
//! and settings (系统设置). Admins only; the server refuses anyone else whatever the page shows.
//!
//! The texts are written here in both languages (`Lang::pick`), not as locale keys: keys land in
//! the main WASM module that the quote page loads first (see `routes::contracts`).
//!
//! Shared here: the tab bar, the "admins only" notice, and [`Outcome`], which keeps a write's
//! problems so each shows next to its field ([`FieldProblems`]) or, when no field on the form
//! matches, in the list at the top ([`TopProblems`]).

mod flows;
mod price_book;
mod settings;
mod users;

use crate::domain::problem::{Lang, Problem, problems_for};
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::models::{Role, SessionUser};
use crate::routes::contracts::RequireSignIn;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

lazy_page!("/admin": AdminRoute => AdminPage);

/// The console's sections: the address segment and the tab's name.
const SECTIONS: [(&str, &str, &str); 4] = [
    ("users", "用户与机构", "Users"),
    ("price-book", "价格表", "Price book"),
    ("flows", "审批流程", "Approval flows"),
    ("settings", "系统设置", "Settings"),
];

#[component]
pub fn AdminPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=lang.pick("管理后台", "Admin console") />
        <RequireSignIn signed_in=|user: SessionUser| {
            if user.role == Role::Admin { view! { <Console /> }.into_any() } else { view! { <AdminsOnly /> }.into_any() }
        } />
    }
}

#[component]
fn AdminsOnly() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::FORBIDDEN);
    }
    let lang = use_lang();
    view! {
        <section class="signin-notice card" data-testid="admins-only">
            <h1>{lang.pick("仅管理员可访问", "Admins only")}</h1>
            <p>{lang.pick("管理后台只对管理员开放。", "The admin console is open to administrators only.")}</p>
        </section>
    }
}

#[component]
fn Console() -> impl IntoView {
    let lang = use_lang();
    // `?section=`: a query rather than a path segment, so the console is one route (each route
    // weighs on the quote page's first load).
    let query = use_query_map();
    let section = Memo::new(move |_| query.with(|q| q.get("section").unwrap_or_else(|| "users".to_owned())));
    view! {
        <section class="admin-page" data-testid="admin">
            <header class="page-head">
                <h1>{lang.pick("管理后台", "Admin console")}</h1>
            </header>
            <nav class="admin-tabs" aria-label=lang.pick("管理后台分区", "Admin sections")>
                {SECTIONS
                    .into_iter()
                    .map(|(code, zh, en)| {
                        let current = move || (section.get() == code).then_some("page");
                        view! {
                            <a href=format!("/admin?section={code}") aria-current=current data-testid=format!("admin-tab-{code}")>
                                {lang.pick(zh, en)}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            {move || match section.get().as_str() {
                "users" => view! { <users::UsersSection /> }.into_any(),
                "price-book" => view! { <price_book::PriceBookSection /> }.into_any(),
                "flows" => view! { <flows::FlowsSection /> }.into_any(),
                "settings" => view! { <settings::SettingsSection /> }.into_any(),
                _ => view! { <p class="error card" role="alert">{lang.pick("没有这个分区", "No such section")}</p> }.into_any(),
            }}
        </section>
    }
}

/// What a write answered when it failed: its problems (each naming a field) or a message.
#[derive(Clone, Copy)]
pub struct Outcome {
    pub problems: RwSignal<Vec<Problem>>,
    pub message: RwSignal<Option<String>>,
    /// A call is in flight: the form's buttons are disabled.
    pub busy: RwSignal<bool>,
}

impl Outcome {
    pub fn new() -> Outcome {
        Outcome { problems: RwSignal::new(Vec::new()), message: RwSignal::new(None), busy: RwSignal::new(false) }
    }

    /// Forgets the last answer, before a new call.
    pub fn start(&self) {
        self.problems.set(Vec::new());
        self.message.set(None);
        self.busy.set(true);
    }

    /// Keeps a failed call's problems (or its message).
    pub fn fail(&self, lang: Lang, e: AppError) {
        self.busy.set(false);
        match e {
            AppError::Invalid { problems } if !problems.is_empty() => self.problems.set(problems),
            other => self.message.set(Some(other.message(lang))),
        }
    }

    /// Problems found in the browser, before any call.
    pub fn refuse(&self, problems: Vec<Problem>) {
        self.message.set(None);
        self.problems.set(problems);
    }

    pub fn done(&self) {
        self.busy.set(false);
    }
}

/// The problems of `field` (or anything below it), under that field.
#[component]
pub fn FieldProblems(outcome: Outcome, #[prop(into)] field: String) -> impl IntoView {
    let lang = use_lang();
    view! {
        <ul class="field-errors">
            {move || {
                outcome.problems.with(|ps| {
                    crate::components::form_field::problem_items(lang, &problems_for(ps, &field).cloned().collect::<Vec<_>>())
                })
            }}
        </ul>
    }
}

/// The message of a failed call and the problems no field of the form shows (`inline` tells which
/// fields have a place of their own), at the top of a form.
#[component]
pub fn TopProblems(outcome: Outcome, inline: fn(&str) -> bool) -> impl IntoView {
    let lang = use_lang();
    view! {
        {move || outcome.message.get().map(|m| view! { <p class="notice error" role="alert" data-testid="admin-error">{m}</p> })}
        {move || {
            let rest: Vec<Problem> = outcome.problems.with(|ps| ps.iter().filter(|p| !inline(&p.field)).cloned().collect());
            (!rest.is_empty()).then(|| {
                view! {
                    <ul class="problem-summary" role="alert" data-testid="admin-problems">
                        {crate::components::form_field::problem_items(lang, &rest)}
                    </ul>
                }
            })
        }}
    }
}

/// Whether a field path is one of `fields` or below one (`tiers[0].from` is below `tiers`).
pub fn under_any(field: &str, fields: &[&str]) -> bool {
    fields.iter().any(|f| {
        field == *f || field.strip_prefix(f).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

/// Asks the browser's confirm dialog; `false` when it cannot be shown.
pub fn confirm(text: &str) -> bool {
    window().confirm_with_message(text).unwrap_or(false)
}

/// A labelled text input bound to a signal, with its problems under it.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    outcome: Outcome,
    /// The problems' field name.
    field: &'static str,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let invalid = move || outcome.problems.with(|ps| problems_for(ps, field).next().is_some()).then_some("true");
    view! {
        <div class="field">
            {crate::components::form_field::field_label(id.to_owned(), label, required)}
            <input
                id=id
                type=kind.unwrap_or("text")
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=invalid
                data-testid=id
            />
            <FieldProblems outcome field />
        </div>
    }
}
