//! Who is signed in, for every page: one `me` resource shared through context, refreshed after
//! each sign-in or sign-out, and the header's user menu.

use crate::error::AppError;
use crate::functions::auth::{Me, SignOut, me};
use crate::i18n::{Locale, td_string, use_lang};
use crate::models::SessionUser;
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The sign-in state every page reads.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<SessionUser>, AppError>>,
    pub sign_out: ServerAction<SignOut>,
    /// Bumped after a sign-in, so `user` is read again.
    generation: RwSignal<u64>,
}

impl Auth {
    /// Reads the signed-in user again (after a sign-in elsewhere on the page).
    pub fn refresh(&self) {
        self.generation.update(|g| *g += 1);
    }
}

/// Creates the shared sign-in state. Call once, inside the `<Router>`. (The sign-in action lives
/// on the sign-in page, inside `<Routes>`, where the router hands a failed no-JS form post's error
/// from the URL to the action.)
pub fn provide_auth() -> Auth {
    let sign_out = ServerAction::<SignOut>::new();
    let generation = RwSignal::new(0);
    let user = Resource::new(move || (generation.get(), sign_out.version().get()), |_| me());
    let auth = Auth { user, sign_out, generation };
    provide_context(auth);
    auth
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Keeps the `Me` type referenced so the endpoint stays registered with the client build.
#[allow(dead_code)]
type MeEndpoint = Me;

/// The signed-in user and a sign-out button, or a sign-in link.
#[component]
pub fn UserMenu() -> impl IntoView {
    let auth = use_auth();
    let lang = use_lang();
    let locale = Locale::from(lang);
    view! {
        <nav class="user-menu" aria-label={td_string!(locale, user_menu.label)}>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => view! { <SignedIn user /> }.into_any(),
                        Ok(None) => view! { <a class="button" href="/signin">{td_string!(locale, user_menu.sign_in)}</a> }.into_any(),
                        Err(e) => view! { <span class="error">{e.message(lang)}</span> }.into_any(),
                    }
                })}
            </Transition>
        </nav>
    }
}

#[component]
fn SignedIn(user: SessionUser) -> impl IntoView {
    let auth = use_auth();
    let lang = use_lang();
    let locale = Locale::from(lang);
    view! {
        <a href="/contracts">{td_string!(locale, user_menu.contracts)}</a>
        <span class="user-name" title=user.organisation_name.clone()>
            {user.display_name.clone()}
            <small>{format!(" · {} · {}", lang.pick(user.role.zh(), user.role.en()), user.organisation_name)}</small>
        </span>
        <ActionForm action=auth.sign_out attr:class="inline-form">
            <button type="submit">{td_string!(locale, user_menu.sign_out)}</button>
        </ActionForm>
    }
}
