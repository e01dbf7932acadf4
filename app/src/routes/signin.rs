//! `/signin`: a plain form posting to `auth/sign_in`. Without JavaScript the browser posts it and
//! follows the server's redirect (to `/contracts` on success, back here with the error in the URL
//! on failure); with the WASM loaded the same form is sent by the client and the router follows.

use crate::components::user_menu::use_auth;
use crate::domain::problem::Lang;
use crate::error::AppError;
use crate::functions::auth::SignIn;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = use_auth();
    let sign_in = ServerAction::<SignIn>::new();
    Effect::new(move |_| {
        if matches!(sign_in.value().get(), Some(Ok(_))) {
            auth.refresh();
        }
    });
    let error = move || match sign_in.value().get() {
        Some(Err(e)) => Some(sign_in_error(&e)),
        _ => None,
    };
    let pending = sign_in.pending();
    view! {
        <Title text="登录 · 企业微信接口许可" />
        <section class="signin-page card">
            <h1>"登录"</h1>
            <p class="lead">"渠道伙伴、审批人和管理员请使用分配的账号登录。"</p>
            <ActionForm action=sign_in attr:class="signin-form">
                <div class="field">
                    <label for="signin-username">"用户名"</label>
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
                    <label for="signin-password">"密码"</label>
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
                    {move || if pending.get() { "正在登录…" } else { "登录" }}
                </button>
            </ActionForm>
        </section>
    }
}

/// What the sign-in form says for an error: the rate limit names the wait.
fn sign_in_error(e: &AppError) -> String {
    match e {
        AppError::BadCredentials => "用户名或密码不正确，请重新输入。".to_owned(),
        AppError::RateLimited { retry_after_minutes } => {
            format!("登录失败次数过多，账号已暂时锁定，请 {retry_after_minutes} 分钟后再试。")
        }
        other => other.message(Lang::Zh),
    }
}
