//! `/contracts`: the signed-in user's order contracts.

use crate::components::user_menu::use_auth;
use crate::domain::problem::Lang;
use crate::models::SessionUser;
use leptos::prelude::*;
use leptos_meta::Title;

/// Renders `signed_in` for a signed-in user, else the 请先登录 notice with a link to `/signin`.
#[component]
pub fn RequireSignIn<F, V>(signed_in: F) -> impl IntoView
where
    F: Fn(SessionUser) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = use_auth();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"正在读取登录状态…"</p> }>
            {move || {
                let signed_in = signed_in.clone();
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => signed_in(user).into_any(),
                        Ok(None) => view! { <SignInNotice /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message(Lang::Zh)}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn SignInNotice() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::UNAUTHORIZED);
    }
    view! {
        <section class="signin-notice card">
            <h1>"请先登录"</h1>
            <p>"查看和提交订单合同需要登录。"</p>
            <p>
                <a class="button primary" href="/signin">"去登录"</a>
            </p>
        </section>
    }
}

#[component]
pub fn ContractsPage() -> impl IntoView {
    view! {
        <Title text="订单合同 · 企业微信接口许可" />
        <RequireSignIn signed_in=|user: SessionUser| {
            view! {
                <section class="contracts-page">
                    <header class="page-head">
                        <h1>"订单合同"</h1>
                        <span class="hint">{format!("{} · {}", user.display_name, user.organisation_name)}</span>
                    </header>
                </section>
            }
        } />
    }
}
