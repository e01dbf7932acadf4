//! `/signin`: a plain form posting to `auth/sign_in`. Without JavaScript the browser posts it and
//! follows the server's redirect (to `/contracts` on success, back here with the error in the URL
//! on failure); with the WASM loaded the same form is sent by the client and the router follows.

use crate::components::user_menu::use_auth;
use crate::domain::problem::Lang;
use crate::error::AppError;
use crate::functions::auth::SignIn;
use crate::i18n::use_lang;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

lazy_page!("/signin": SignInRoute => SignInPage);

#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = use_auth();
    let sign_in = ServerAction::<SignIn>::new();
    Effect::new(move |_| {
        if matches!(sign_in.value().get(), Some(Ok(_))) {
            auth.refresh();
        }
    });
    let lang = use_lang();
    let error = move || match sign_in.value().get() {
        Some(Err(e)) => Some(sign_in_error(&e, lang)),
        _ => None,
    };
    let pending = sign_in.pending();
    view! {
        <Title text=lang.pick("登录 · 企业微信接口许可", "Sign in · WeCom interface licenses") />
        <section class="signin-page card">
            <h1>{lang.pick("登录", "Sign in")}</h1>
            <p class="lead">
                {lang.pick(
                    "渠道伙伴、审批人和管理员请使用分配的账号登录。",
                    "Partners, approvers and administrators: sign in with the account you were given.",
                )}
            </p>
            <ActionForm action=sign_in attr:class="signin-form">
                <div class="field">
                    <label for="signin-username">{lang.pick("用户名", "Username")}</label>
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
                    <label for="signin-password">{lang.pick("密码", "Password")}</label>
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
                    {move || if pending.get() { lang.pick("正在登录…", "Signing in…") } else { lang.pick("登录", "Sign in") }}
                </button>
            </ActionForm>
        </section>
    }
}

/// What the sign-in form says for an error: the rate limit names the wait.
fn sign_in_error(e: &AppError, lang: Lang) -> String {
    match (e, lang) {
        (AppError::BadCredentials, Lang::Zh) => "用户名或密码不正确，请重新输入。".to_owned(),
        (AppError::BadCredentials, Lang::En) => "Wrong username or password; please try again.".to_owned(),
        (AppError::RateLimited { retry_after_minutes }, Lang::Zh) => {
            format!("登录失败次数过多，账号已暂时锁定，请 {retry_after_minutes} 分钟后再试。")
        }
        (AppError::RateLimited { retry_after_minutes }, Lang::En) => {
            format!("Too many failed sign-ins: the account is locked for now; try again in {retry_after_minutes} min.")
        }
        (other, lang) => other.message(lang),
    }
}
