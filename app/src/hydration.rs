//! The document's hydration scripts: what leptos' `HydrationScripts` puts in `<head>`, for this
//! app's build, in fewer bytes.
//!
//! Every page's first load carries these bytes, and the quote page's first load has a budget
//! (`end2end/tests/first-load.spec.ts`). Leptos' component writes a general-purpose script (any
//! root, deferred hydration, islands) of about 450 bytes that no minifier touches. This one
//! writes the two preload hints and a module script that imports the bundle and hydrates, and
//! provides the split manifest as leptos' component does. (leptos_axum turns it into preload links
//! for a lazy page's chunks only when the render registered that page's lazy functions, which the
//! server build does not do today: `split` is a feature of the WASM build only. So no page's
//! document names its chunks yet; each lazy page fetches them once the main module runs.)
//!
//! A first load of the quote page (`/`) names another bundle: the page's own small WASM,
//! `quote_island.js` / `quote_island_bg.wasm` (`frontend`'s `island` feature, built by
//! `scripts/build-release.sh`), which makes the server-rendered calculator live
//! (`routes::quote::hydrate_island`): ~90 KB compressed, against ~290 KB for the app's main
//! module, most of which is the framework instantiated for every page's views. A build without
//! that bundle (`cargo leptos watch`) gives `/` the app's bundle, which attaches the same wiring.

use leptos::prelude::*;

/// The preload hints and the hydration script for `<head>`; see the module's documentation.
#[component]
pub fn HydrationScripts(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(manifest) = split_manifest(&options) {
        provide_context(manifest);
    }
    // A first load of the quote page gets the page's own small bundle when the build made one
    // (`routes::quote::hydrate_island`); every other page, the app's.
    #[cfg(feature = "ssr")]
    let head = island_head(&options).filter(|_| on_quote_page()).unwrap_or_else(|| head(&options));
    #[cfg(not(feature = "ssr"))]
    let head = head(&options);
    view! {
        <link rel="modulepreload" href=head.js.as_str() crossorigin="" />
        <link rel="preload" href=head.wasm.as_str() r#as="fetch" r#type="application/wasm" crossorigin="" />
        <script type="module" nonce=leptos::nonce::use_nonce()>
            {head.script.as_str()}
        </script>
    }
}

/// The bundle's paths and the script that loads it: the same for every page of the process, so
/// made once rather than on every render.
struct Head {
    js: String,
    wasm: String,
    script: String,
}

fn head(options: &LeptosOptions) -> &'static Head {
    static HEAD: std::sync::OnceLock<Head> = std::sync::OnceLock::new();
    HEAD.get_or_init(|| {
        let pkg = format!("/{}/", options.site_pkg_dir);
        // `cargo leptos` names the module after the output name; `wasm-bindgen` on its own adds `_bg`.
        let suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() { "" } else { "_bg" };
        Head::new(format!("{pkg}{}.js", options.output_name), format!("{pkg}{}{suffix}.wasm", options.output_name))
    })
}

impl Head {
    fn new(js: String, wasm: String) -> Self {
        // JSON strings are JavaScript strings, whatever the names hold.
        let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
        let script = format!(
            "import i,{{hydrate as h}}from{};i({{module_or_path:{}}}).then(()=>h())",
            quoted(&js),
            quoted(&wasm)
        );
        Head { js, wasm, script }
    }
}

/// The base name of the quote page's own bundle (`frontend`'s `island` feature), which
/// `scripts/build-release.sh` writes with `wasm-bindgen` beside the app's bundle.
pub const ISLAND_BUNDLE: &str = "quote_island";

/// The quote page's own bundle, if the build made one (checked once, on the first render).
#[cfg(feature = "ssr")]
fn island_head(options: &LeptosOptions) -> Option<&'static Head> {
    static ISLAND: std::sync::OnceLock<Option<Head>> = std::sync::OnceLock::new();
    ISLAND
        .get_or_init(|| {
            let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
            let (js, wasm) = (format!("{ISLAND_BUNDLE}.js"), format!("{ISLAND_BUNDLE}_bg.wasm"));
            if !(dir.join(&js).is_file() && dir.join(&wasm).is_file()) {
                return None;
            }
            let pkg = format!("/{}/", options.site_pkg_dir);
            Some(Head::new(format!("{pkg}{js}"), format!("{pkg}{wasm}")))
        })
        .as_ref()
}

/// Whether this render is of the quote page, `/` (its query string aside).
#[cfg(feature = "ssr")]
fn on_quote_page() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| parts.uri.path() == "/")
}

/// The lazy routes' preloads (`__wasm_split_manifest.json`, written by `cargo leptos build
/// --split`), read once. `None` without a split build. `WasmSplitManifest` is the context leptos'
/// lazy routes read (public, though left out of leptos' docs; Cargo.lock pins the release). File
/// hashing (`hash-files`) is off in Cargo.toml, so the files keep their plain names.
#[cfg(feature = "ssr")]
fn split_manifest(options: &LeptosOptions) -> Option<leptos::WasmSplitManifest> {
    use std::sync::OnceLock;
    static MANIFEST: OnceLock<Option<leptos::WasmSplitManifest>> = OnceLock::new();
    MANIFEST
        .get_or_init(|| {
            let pkg_dir = options.site_pkg_dir.to_string();
            let path = std::path::Path::new(&*options.site_root).join(&pkg_dir).join("__wasm_split_manifest.json");
            let text = std::fs::read_to_string(path).ok()?;
            let preloads = serde_json::from_str(&text)
                .inspect_err(|e| tracing::error!("unreadable __wasm_split_manifest.json: {e}"))
                .ok()?;
            // The split loader's name when file hashing is off, as `cargo leptos` writes it.
            let loader = "__wasm_split.______________________.js".to_owned();
            Some(leptos::WasmSplitManifest(ArcStoredValue::new((format!("/{pkg_dir}"), preloads, loader))))
        })
        .clone()
}
