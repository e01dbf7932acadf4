//! `/signin`: a plain form posting to `auth/sign_in`. Without JavaScript the browser posts it and
//! follows the server's redirect (to `/contracts` on success, back here with the error in the URL
//! on failure); with the WASM loaded the same form is sent by the client and the router follows.

use crate::components::user_menu::use_auth;
use crate::domain::problem::Lang;
use crate::error::AppError;
use crate::functions::auth::SignIn;
use crate::i18n::{Locale, td_string, use_lang};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

lazy_page!("/signin": SignInRoute => SignInPage);

#[component]
pub fn SignInPage() -> impl IntoView {
    // `?change=password`: changing one's password (a temporary one first of all). Read once: the
    // page is reached from another route (the contracts' notice), and following the address here
    // would weigh on the quote page's first load.
    let change =
        leptos_router::hooks::use_query_map().with_untracked(|q| q.get("change").as_deref() == Some("password"));
    if change {
        return view! { <crate::routes::account::PasswordPage /> }.into_any();
    }
    let auth = use_auth();
    let sign_in = ServerAction::<SignIn>::new();
    Effect::new(move |_| {
        if matches!(sign_in.value().get(), Some(Ok(_))) {
            auth.refresh();
        }
    });
    let lang = use_lang();
    let locale = Locale::from(lang);
    let error = move || match sign_in.value().get() {
        Some(Err(e)) => Some(sign_in_error(&e, lang)),
        _ => None,
    };
    let pending = sign_in.pending();
    view! {
        <Title text={td_string!(locale, sign_in.title)} />
        <section class="signin-page card">
            <h1>{td_string!(locale, sign_in.sign_in)}</h1>
            <p class="lead">
                {td_string!(locale, sign_in.lead)}
            </p>
            <ActionForm action=sign_in attr:class="signin-form">
                <div class="field">
                    <label for="signin-username">{td_string!(locale, sign_in.username)}</label>
                    <input
                        id="signin-username"
                        name="username"
                        autocomplete="username"
                        required
                        autofocus
                        maxlength="64"
                    />
                </div>
                <div class="field">
                    <label for="signin-password">{td_string!(locale, sign_in.password)}</label>
                    <input
                        id="signin-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                </div>
                {move || error().map(|msg| view! { <p class="error" role="alert">{msg}</p> })}
                <button class="primary" type="submit" disabled=pending>
                    {move || if pending.get() { td_string!(locale, sign_in.signing_in) } else { td_string!(locale, sign_in.sign_in) }}
                </button>
            </ActionForm>
        </section>
    }
    .into_any()
}

/// What the sign-in form says for an error: the rate limit names the wait.
fn sign_in_error(e: &AppError, lang: Lang) -> String {
    let locale = Locale::from(lang);
    match e {
        AppError::BadCredentials => td_string!(locale, sign_in.bad_credentials).to_owned(),
        AppError::RateLimited { retry_after_minutes } => {
            td_string!(locale, sign_in.rate_limited, minutes = retry_after_minutes)
        }
        other => other.message(lang),
    }
}
