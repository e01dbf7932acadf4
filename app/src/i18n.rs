//! The page language: Simplified Chinese unless the visitor chose English, which the `lang`
//! cookie remembers. The server reads the cookie, so the first render is already in the chosen
//! language (no flash); the browser takes the language the server rendered from `<html lang>`, so
//! hydration matches it. Switching goes through `/lang/<tag>`, which sets the cookie and comes back.
//!
//! The UI's texts live in `app/locales/zh.json` and `app/locales/en.json`, grouped by page and
//! component. `build.rs` compiles them with `leptos_i18n` into [`Locale`] and typed keys, so a key
//! the code asks for and no file has is a compile error (and a test below keeps the two files'
//! keys and placeholders the same). Views take the page's locale ([`use_locale`]) and read a text
//! with the crate's macro: `td_string!(locale, quote_page.heading)`, or with its placeholders
//! filled, `td_string!(locale, saved_quote.heading, number = n)`; the language never changes
//! within a page, so nothing is reactive. The crate's own context, cookie and `Accept-Language`
//! detection are not used: the language is decided above, from our `lang` cookie.
//!
//! Messages of the domain (`Problem`, `AppError`, the names of statuses, kinds and order types)
//! stay in the domain with both languages, chosen with [`Lang`]. Money, dates and counts are
//! formatted here by hand (no ICU data in the WASM).

use crate::domain::money::format_grouped;
use crate::domain::{AccountKind, Lang, Money, OrderType};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
pub use leptos_i18n::td_string;

/// The code `build.rs` generates from `locales/*.json`. Its context provider and `use_i18n` are
/// left unused (see the module docs).
#[allow(dead_code, unused_imports)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
}

/// A language the UI texts exist in: `Locale::zh` (the default) or `Locale::en`.
pub use generated::i18n::Locale;

impl From<Lang> for Locale {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Zh => Locale::zh,
            Lang::En => Locale::en,
        }
    }
}

impl From<Locale> for Lang {
    fn from(locale: Locale) -> Self {
        match locale {
            Locale::zh => Lang::Zh,
            Locale::en => Lang::En,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct PageLang(Lang);

/// The language of this request (server) or of the page the server rendered (browser).
fn detect() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.headers.get(http::header::COOKIE)?.to_str().ok().and_then(Lang::from_cookie_header))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("lang"))
            .and_then(|tag| Lang::from_tag(&tag))
            .unwrap_or_default()
    }
}

/// Decides the page language once per render and shares it with every component below.
pub fn provide_lang() -> Lang {
    let lang = use_context::<PageLang>().map_or_else(detect, |l| l.0);
    provide_context(PageLang(lang));
    lang
}

/// The language chosen for this page.
pub fn use_lang() -> Lang {
    use_context::<PageLang>().map_or_else(detect, |l| l.0)
}

/// The locale of this page's texts, for `td_string!`.
pub fn use_locale() -> Locale {
    use_lang().into()
}

/// An amount in yuan as this language writes it.
pub fn money(lang: Lang, m: Money) -> String {
    match lang {
        Lang::Zh => format!("¥{}", format_grouped(m)),
        Lang::En => format!("CNY {}", format_grouped(m)),
    }
}

/// A whole number with thousands grouped.
pub fn count(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A calendar date in China as this language writes it.
pub fn date(lang: Lang, at: DateTime<Utc>) -> String {
    use chrono::Datelike;
    // Written out by hand rather than with chrono's strftime, which would add its format parser
    // to the WASM for two patterns.
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let day = crate::domain::calendar::china_date(at);
    match lang {
        Lang::Zh => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
        Lang::En => format!("{} {} {}", day.day(), MONTHS[day.month0() as usize], day.year()),
    }
}

/// An instant as China's wall clock shows it, `2026-11-29 15:04`, the same in both languages.
pub fn date_time(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let t = at.with_timezone(&crate::domain::calendar::china_offset());
    format!("{}-{:02}-{:02} {:02}:{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute())
}

/// A term in months: `12 个月` / `12 months`.
pub fn months(lang: Lang, n: u32) -> String {
    td_string!(Locale::from(lang), units.months, n = n)
}

pub fn kind_name(lang: Lang, kind: AccountKind) -> &'static str {
    lang.pick(kind.zh(), kind.en())
}

pub fn order_type_name(lang: Lang, t: OrderType) -> &'static str {
    lang.pick(t.zh(), t.en())
}

/// The header's brand and tagline, and the language switch's label (the other language's name,
/// in that language), for a page the server writes by hand: the payment page.
#[cfg(feature = "ssr")]
pub fn header_texts(lang: Lang) -> (String, String, String) {
    let (locale, other) = (Locale::from(lang), Locale::from(lang.other()));
    (
        td_string!(locale, app.brand).to_string(),
        td_string!(locale, app.tagline).to_string(),
        td_string!(other, language.name).to_string(),
    )
}

/// Percent-encodes a value for a URL query: everything but unreserved characters and `/` (which a
/// query may hold as is). The language switch's `back=`, the contract list's filter links, the
/// saved quote's form values.
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The link that switches to the other language and comes back to this page. A full page load
/// (`rel="external"`), so the server renders the new language from the start.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let target = use_lang().other();
    // The other language's name, in that language.
    let label = td_string!(Locale::from(target), language.name);
    let location = leptos_router::hooks::use_location();
    let href = move || {
        let (path, search) = (location.pathname.get(), location.search.get());
        let search = search.trim_start_matches('?');
        let here = if search.is_empty() { path } else { format!("{path}?{search}") };
        format!("/lang/{}?back={}", target.tag(), encode_query_value(&here))
    };
    view! {
        <a class="lang-switch" href=href rel="external" hreflang=target.tag() lang=target.tag() data-testid="lang-switch">
            {label}
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_money_follow_the_language() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(money(Lang::Zh, Money::from_fen(37000)), "¥370.00");
        assert_eq!(money(Lang::En, Money::from_fen(123_456)), "CNY 1,234.56");
    }

    #[test]
    fn dates_are_china_calendar_days() {
        let at = DateTime::parse_from_rfc3339("2026-12-28T16:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(date(Lang::Zh, at), "2026年12月29日");
        assert_eq!(date(Lang::En, at), "29 Dec 2026");
        assert_eq!(date_time(at), "2026-12-29 00:30");
    }

    /// Every key, with the placeholders of its text, of one locale file.
    fn keys_and_placeholders(json: &str) -> std::collections::BTreeMap<String, Vec<String>> {
        fn walk(prefix: &str, v: &serde_json::Value, out: &mut std::collections::BTreeMap<String, Vec<String>>) {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        walk(&format!("{prefix}{k}."), v, out);
                    }
                }
                serde_json::Value::String(text) => {
                    let mut vars: Vec<String> = text
                        .split("{{")
                        .skip(1)
                        .filter_map(|s| Some(s.split_once("}}")?.0.trim().to_owned()))
                        .collect();
                    vars.sort();
                    out.insert(prefix.trim_end_matches('.').to_owned(), vars);
                }
                other => panic!("{prefix}: a text must be a string, not {other}"),
            }
        }
        let mut out = std::collections::BTreeMap::new();
        walk("", &serde_json::from_str(json).expect("valid JSON"), &mut out);
        out
    }

    #[test]
    fn both_locale_files_have_the_same_keys_and_placeholders() {
        // A key missing from `en.json` would only be a build warning, and the page would show Chinese.
        let zh = keys_and_placeholders(include_str!("../locales/zh.json"));
        let en = keys_and_placeholders(include_str!("../locales/en.json"));
        assert_eq!(zh, en);
    }

    #[test]
    fn texts_come_from_the_locale_files() {
        assert_eq!(months(Lang::Zh, 12), "12 个月");
        assert_eq!(months(Lang::En, 36), "36 months");
        assert_eq!(Locale::from(Lang::default()), Locale::zh);
        assert_eq!(td_string!(Locale::from(Lang::En), language.name), "English");
        assert_eq!(td_string!(Locale::zh, saved_quote.heading, number = "Q-1"), "报价单 Q-1");
    }

    #[test]
    fn back_links_are_encoded() {
        assert_eq!(encode_query_value("/?basic=1&months=12"), "/%3Fbasic%3D1%26months%3D12");
    }
}
