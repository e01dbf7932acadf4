//! The browser entry point: hydrates the server-rendered page with the shared `app` crate.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Every page but the quote page is a lazy route (`app::routes::lazy_page!`): hydration has to
    // wait for the page's WASM chunk when a visitor lands on one, which `hydrate_lazy` does.
    leptos::mount::hydrate_lazy(app::App);
    // A flag only the running WASM can set: the browser tests wait for it before typing.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
