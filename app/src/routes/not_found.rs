use crate::i18n::{td_string, use_locale};
use leptos::prelude::*;

/// Shown for any path no route matches, and for a saved-quote link that does not exist; answers
/// 404 on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    let locale = use_locale();
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <section class="not-found" data-testid="not-found">
            <h1>{td_string!(locale, not_found.heading)}</h1>
            <p>
                {td_string!(locale, not_found.explanation)}
            </p>
            <p>
                <a href="/">{td_string!(locale, not_found.back)}</a>
            </p>
        </section>
    }
}
