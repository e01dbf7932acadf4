//! Compiles the UI's texts (`locales/zh.json`, `locales/en.json`) into the `i18n` module that
//! `src/i18n.rs` includes: a `Locale` enum and typed keys, so a missing or misspelt key is a
//! compile error rather than an empty label.

use leptos_i18n_build::options::CodegenOptions;
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");

    // Chinese is the default; `interpolate_display` lets `td_string!` fill `{{ placeholders }}`
    // into a `String` (titles, attributes and messages built outside a view).
    let cfg = Config::new("zh")?.add_locale("en")?.parse_options(ParseOptions::default().interpolate_display(true));
    let translations = TranslationsInfos::parse(cfg)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");
    // The doc comments on every key only help an IDE; without them the generated file is smaller.
    translations.generate_i18n_module_with_options(out_dir, CodegenOptions::default().gen_docs(false))?;
    Ok(())
}
