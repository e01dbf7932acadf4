//! Compiles the UI's texts (`locales/zh.json`, `locales/en.json`) into the `i18n` module that
//! `src/i18n.rs` includes: a `Locale` enum and typed keys, so a missing or misspelt key is a
//! compile error rather than an empty label.
//!
//! This is what `leptos_i18n_build`'s `TranslationsInfos::parse` + `generate_i18n_module` do, done
//! with the two crates those wrap (`leptos_i18n_parser`, `leptos_i18n_codegen`, the same pinned
//! 0.6.2 the `t!` macros use). `leptos_i18n_build` itself also exports ICU4X data for number, date
//! and plural formatting, which this app does not use (`i18n.rs` formats money and dates itself),
//! and for that always compiles ICU's data sources with networking: ~136 crates and ~4 minutes of
//! CPU per build profile (BENCHMARKS.md).

use leptos_i18n_parser::parse_locales::options::{Config, ParseOptions};
use leptos_i18n_parser::parse_locales::parse_locales;
use std::error::Error;
use std::io::Write;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");

    // Chinese is the default; `interpolate_display` lets `td_string!` fill `{{ placeholders }}`
    // into a `String` (titles, attributes and messages built outside a view).
    let cfg = Config::new("zh")?.add_locale("en")?.parse_options(ParseOptions::default().interpolate_display(true));
    let parsed = parse_locales(None, cfg)?;
    for warning in parsed.diag.warnings().iter() {
        println!("cargo::warning={warning}");
    }
    for error in parsed.diag.errors().iter() {
        println!("cargo::error={error}");
    }
    for path in parsed.tracked_files.iter().flatten() {
        println!("cargo::rerun-if-changed={path}");
    }

    // No doc comments on the keys (`gen_docs`: they only help an IDE and make the file larger),
    // no diagnostics from the generated code itself (they were printed above).
    let code = leptos_i18n_codegen::gen_code(&parsed, None, false, None, false)?;
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");
    std::fs::create_dir_all(&out_dir)?;
    let mut file = std::fs::File::create(out_dir.join("mod.rs"))?;
    write!(file, "{code}")?;
    Ok(())
}
