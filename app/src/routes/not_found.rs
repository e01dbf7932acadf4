use crate::i18n::use_lang;
use leptos::prelude::*;

/// Shown for any path no route matches, and for a saved-quote link that does not exist; answers
/// 404 on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    let lang = use_lang();
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <section class="not-found" data-testid="not-found">
            <h1>{lang.pick("页面不存在", "Page not found")}</h1>
            <p>
                {lang
                    .pick(
                        "链接可能有误，或报价已被删除。",
                        "The link may be mistyped, or the quote no longer exists.",
                    )}
            </p>
            <p>
                <a href="/">{lang.pick("返回报价页", "Back to the quote page")}</a>
            </p>
        </section>
    }
}
