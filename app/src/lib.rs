//! WeCom License Desk: the shared crate.
//!
//! - [`domain`]: the business rules (pricing, validation, spreadsheets). Plain Rust, no Leptos, no
//!   database; compiled into the WASM client and the server alike.
//! - [`functions`]: server functions, the only door from the client to the server's data.
//! - [`routes`] and [`components`]: the pages and their parts.
//! - `services` (server only): the use cases — policy, rules, queries and audit in one transaction.
//! - `db` (server only): Sea-ORM entities, migrations and queries.
//! - [`html`]: escaping for the places where `view!` does not escape (`<textarea>` children).

#![recursion_limit = "256"]

pub mod components;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod db;
pub mod domain;
pub mod error;
pub mod functions;
pub mod html;
pub mod hydration;
pub mod i18n;
pub mod models;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod services;

use i18n::{Locale, td_string};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// The name cargo-leptos gives the CSS, JS and WASM bundles (`output-name` in Cargo.toml).
pub const OUTPUT_NAME: &str = "wecom_license_desk";

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = i18n::provide_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <hydration::HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let locale = Locale::from(i18n::provide_lang());
    // Effects run only in the browser: marks the page as interactive, so browser tests (and
    // styles) can tell the server-rendered page from the hydrated one.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{OUTPUT_NAME}.css") />
        <Title text={td_string!(locale, app.title)} />
        <Router>
            <AuthProvider>
            <header class="site-header">
                <a class="brand" href="/">
                    {td_string!(locale, app.brand)}
                </a>
                <span class="brand-sub">{td_string!(locale, app.tagline)}</span>
                <i18n::LangSwitch />
                <components::user_menu::UserMenu />
            </header>
            <main class="site-main">
                <Routes fallback=routes::not_found::NotFound>
                    <Route path=path!("") view=routes::quote::QuotePage ssr=SsrMode::Async />
                    <Route
                        path=path!("/q/:token")
                        view={Lazy::<routes::saved_quote::SavedQuoteRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/signin") view={Lazy::<routes::signin::SignInRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/contracts") view={Lazy::<routes::contracts::ContractsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/approvals") view={Lazy::<routes::approvals::ApprovalsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/renewals") view={Lazy::<routes::renewals::RenewalsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/audit") view={Lazy::<routes::audit::AuditRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin") view={Lazy::<routes::admin::AdminRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=path!("/notifications")
                        view={Lazy::<routes::notifications::NotificationsRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/contracts/new")
                        view={Lazy::<routes::contract_form::NewContractRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/contracts/:id")
                        view={Lazy::<routes::contract_form::ContractRoute>::new()}
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
            </AuthProvider>
        </Router>
    }
}

/// Sets up the shared sign-in state inside the router (see `components::user_menu`).
#[component]
fn AuthProvider(children: Children) -> impl IntoView {
    components::user_menu::provide_auth();
    children()
}
