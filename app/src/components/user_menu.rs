//! Who is signed in, for every page: one `me` resource shared through context, refreshed after
//! each sign-in or sign-out, and the header's user menu with the desk's two counts (contracts
//! waiting for my decision, unread notifications), read again after a decision and whenever the
//! tab regains focus.

use crate::error::AppError;
use crate::functions::auth::{Me, SignOut, me};
use crate::functions::desk::read_desk_counts;
use crate::i18n::{Locale, td_string, use_lang};
use crate::models::{DeskCounts, Role, SessionUser};
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
    // Beside `user`, not inside the menu it feeds: a resource created while the menu renders
    // would not be awaited with the page on the server, and the browser would hydrate other
    // markup than the server sent.
    let desk_generation = RwSignal::new(0);
    // Asked only for a signed-in user: a visitor's page makes no failing call (whose 401 would
    // otherwise become the status of the page a non-browser client asked for).
    let counts = Resource::new(
        move || (desk_generation.get(), generation.get(), sign_out.version().get()),
        move |_| async move {
            match user.await {
                Ok(Some(_)) => read_desk_counts().await,
                _ => Ok(DeskCounts::default()),
            }
        },
    );
    provide_context(Desk { generation: desk_generation, counts });
    auth
}

/// The desk's counts in the navigation bar: whoever changes them (a decision, reading a
/// notification) asks for them again.
#[derive(Clone, Copy)]
pub struct Desk {
    generation: RwSignal<u64>,
    /// An error (not signed in) shows no counts.
    counts: Resource<Result<DeskCounts, AppError>>,
}

impl Desk {
    /// Reads the counts again.
    pub fn refresh(&self) {
        self.generation.update(|g| *g += 1);
    }
}

pub fn use_desk() -> Desk {
    expect_context::<Desk>()
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
    let desk = use_desk();
    // Effects run in the browser only: a tab that comes back to the front shows current counts.
    Effect::new(move |_| {
        let listener = window_event_listener(leptos::ev::focus, move |_| desk.refresh());
        on_cleanup(move || listener.remove());
    });
    view! {
        <nav class="user-menu" aria-label={td_string!(locale, user_menu.label)}>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => {
                            let counts = desk.counts.await.unwrap_or_default();
                            view! { <SignedIn user counts /> }.into_any()
                        }
                        Ok(None) => view! { <a class="button" href="/signin">{td_string!(locale, user_menu.sign_in)}</a> }.into_any(),
                        Err(e) => view! { <span class="error">{e.message(lang)}</span> }.into_any(),
                    }
                })}
            </Transition>
        </nav>
    }
}

#[component]
fn SignedIn(user: SessionUser, counts: DeskCounts) -> impl IntoView {
    let auth = use_auth();
    let lang = use_lang();
    let locale = Locale::from(lang);
    // A badge with its count in words for screen readers; nothing while the count is zero.
    let badge = move |n: u64, testid: &'static str, words: String| {
        (n > 0).then(|| {
            view! {
                <span class="badge" data-testid=testid aria-hidden="true">{n.to_string()}</span>
                <span class="visually-hidden">{words}</span>
            }
        })
    };
    let approver = user.role != Role::Partner;
    view! {
        <a href="/contracts">{td_string!(locale, user_menu.contracts)}</a>
        <a href="/renewals" data-testid="nav-renewals">{td_string!(locale, user_menu.renewals)}</a>
        {approver.then(|| view! {
            <a href="/approvals" data-testid="nav-inbox">
                {td_string!(locale, user_menu.inbox)}
                {badge(counts.waiting, "inbox-count", td_string!(locale, user_menu.inbox_count, n = counts.waiting))}
            </a>
        })}
        {(user.role == Role::Admin).then(|| view! {
            <a href="/audit" data-testid="nav-audit">{td_string!(locale, user_menu.audit)}</a>
            <a href="/admin" data-testid="nav-admin">{lang.pick("管理", "Admin")}</a>
        })}
        <a href="/notifications" class="bell" data-testid="bell" title={td_string!(locale, user_menu.notifications)}>
            <svg class="bell-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z" />
            </svg>
            <span class="visually-hidden">{td_string!(locale, user_menu.notifications)}</span>
            {badge(counts.unread, "unread-count", td_string!(locale, user_menu.unread, n = counts.unread))}
        </a>
        <span class="user-name" title=user.organisation_name.clone()>
            {user.display_name.clone()}
            <small>{format!(" · {} · {}", lang.pick(user.role.zh(), user.role.en()), user.organisation_name)}</small>
        </span>
        <ActionForm action=auth.sign_out attr:class="inline-form">
            <button type="submit">{td_string!(locale, user_menu.sign_out)}</button>
        </ActionForm>
    }
}
