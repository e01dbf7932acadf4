//! The browser entry point: hydrates the server-rendered page with the shared `app` crate.

#[cfg(not(feature = "island"))]
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

/// The quote page's own entry (the `island` feature, built beside the app's bundle by
/// `scripts/build-release.sh`): makes the server-rendered calculator live, so the first load of
/// `/` carries none of the framework's reactive DOM, the router or the other pages
/// (`app::routes::quote::hydrate_island`).
#[cfg(feature = "island")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    if let Err(e) = app::routes::quote::hydrate_island() {
        leptos::logging::error!("the quote calculator was not hydrated: {e}");
    }
}

/// Room for wasm-split to re-lay the read-only data segment.
///
/// `cargo leptos build --split` hands each WASM chunk the data only its functions use, by laying
/// the input's read-only data segment out again, module by module. Every module's part starts
/// aligned, so the new layout can come out a few bytes longer than the input segment, and then
/// wasm-split keeps the *whole* segment in the main module (its "Overlong segment … putting it in
/// main module" warning): the spreadsheet reader's encoding tables (~240 KB) land in the quote
/// page's first load, or not, depending on how the alignments of a build happen to fall. These
/// bytes are that room: nothing refers to them, so wasm-split puts them in no module at all, and
/// the input segment is that much longer than what it has to hold. `#[used]` keeps the linker
/// from dropping them; they are not zero, so they sit in `.rodata` rather than `.bss`.
#[cfg(all(target_arch = "wasm32", feature = "split"))]
#[used]
static WASM_SPLIT_DATA_SLACK: [u8; 16384] = [0xA5; 16384];
