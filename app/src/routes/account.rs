//! 修改密码, shown by the sign-in page at `/signin?change=password` (part of its chunk: a route of
//! its own would weigh on the quote page's first load): the signed-in user changes their password.
//! A user who signed in with a one-time temporary password (from an admin) is sent here by the
//! sign-in and may do nothing else until they choose their own; this page therefore does not use
//! `RequireSignIn`.
//! The texts are written here in both languages (`Lang::pick`), not as locale keys (see
//! `routes::admin`).

use crate::components::user_menu::use_auth;
use crate::domain::Lang;
use crate::functions::auth::change_password;
use crate::i18n::use_lang;
use crate::models::SessionUser;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

/// The shortest password accepted (the server checks it too).
const MIN_CHARS: usize = 10;

#[component]
pub fn PasswordPage() -> impl IntoView {
    let auth = use_auth();
    let lang = use_lang();
    view! {
        <Title text=lang.pick("修改密码", "Change password") />
        <Suspense fallback=move || view! { <p class="loading">{lang.pick("正在确认登录…", "Checking sign-in…")}</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! { <PasswordForm user /> }.into_any(),
                    Ok(None) => view! {
                        <section class="signin-notice card">
                            <h1>{lang.pick("请先登录", "Please sign in")}</h1>
                            <p><a class="button primary" href="/signin">{lang.pick("登录", "Sign in")}</a></p>
                        </section>
                    }
                    .into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What is wrong with the typed passwords, before asking the server.
fn check(lang: Lang, current: &str, new: &str, repeat: &str) -> Option<&'static str> {
    if current.is_empty() {
        Some(lang.pick("请输入当前密码", "Enter your current password"))
    } else if new.chars().count() < MIN_CHARS {
        Some(lang.pick("新密码至少 10 个字符", "The new password needs at least 10 characters"))
    } else if new != repeat {
        Some(lang.pick("两次输入的新密码不一致", "The two new passwords differ"))
    } else if new == current {
        Some(lang.pick("新密码不能与当前密码相同", "The new password must differ from the current one"))
    } else {
        None
    }
}

#[component]
fn PasswordForm(user: SessionUser) -> impl IntoView {
    let lang = use_lang();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (c, n, r) = (current.get_untracked(), new.get_untracked(), repeat.get_untracked());
        if let Some(p) = check(lang, &c, &n, &r) {
            problem.set(Some(p.to_owned()));
            return;
        }
        problem.set(None);
        busy.set(true);
        spawn_local(async move {
            match change_password(c, n).await {
                // A full navigation: every resource (the header's user, its counts) is read again.
                Ok(_) => {
                    let _ = location().set_href("/contracts");
                }
                Err(e) => {
                    busy.set(false);
                    problem.set(Some(e.message(lang)));
                }
            }
        });
    };
    let input = move |id: &'static str, label: &'static str, value: RwSignal<String>, autocomplete: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="password" data-testid=id autocomplete=autocomplete required
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </div>
        }
    };
    view! {
        <section class="signin-page card password-page" data-testid="password-page">
            <h1>{lang.pick("修改密码", "Change password")}</h1>
            {user.must_change_password.then(|| view! {
                <p class="notice" data-testid="must-change">
                    {lang.pick(
                        "管理员为您设置了临时密码。请先设置您自己的密码，然后才能继续使用。",
                        "An administrator gave you a temporary password. Choose your own password before you go on.",
                    )}
                </p>
            })}
            <form on:submit=submit>
                {input("pw-current", lang.pick("当前密码", "Current password"), current, "current-password")}
                {input("pw-new", lang.pick("新密码（至少 10 个字符）", "New password (at least 10 characters)"), new, "new-password")}
                {input("pw-repeat", lang.pick("再次输入新密码", "Repeat the new password"), repeat, "new-password")}
                {move || problem.get().map(|p| view! { <p class="error" role="alert" data-testid="pw-error">{p}</p> })}
                <button type="submit" class="primary" data-testid="pw-submit" disabled=move || busy.get()>
                    {lang.pick("修改密码", "Change password")}
                </button>
            </form>
        </section>
    }
}
