use leptos::prelude::*;

/// Shown for any path no route matches; answers 404 on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <section class="not-found">
            <h1>"页面不存在"</h1>
            <p>
                <a href="/">"返回报价页"</a>
            </p>
        </section>
    }
}
