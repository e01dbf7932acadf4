//! The page language: Simplified Chinese unless the visitor chose English, which the `lang`
//! cookie remembers. The server reads the cookie, so the first render is already in the chosen
//! language (no flash); the browser takes the language the server rendered from `<html lang>`, so
//! hydration matches it. Switching goes through `/lang/<tag>`, which sets the cookie and comes back.
//!
//! Texts sit beside the views that show them as Chinese / English pairs (`lang.pick(zh, en)`),
//! the same way domain problems carry both messages.

use crate::domain::money::format_grouped;
use crate::domain::{AccountKind, Lang, Money, OrderType};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

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
    match lang {
        Lang::Zh => format!("{n} 个月"),
        Lang::En => format!("{n} months"),
    }
}

pub fn kind_name(lang: Lang, kind: AccountKind) -> &'static str {
    lang.pick(kind.zh(), kind.en())
}

pub fn order_type_name(lang: Lang, t: OrderType) -> &'static str {
    lang.pick(t.zh(), t.en())
}

/// Percent-encodes a path and query for use as a query value (`back=` of the language switch).
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
    let lang = use_lang();
    let location = leptos_router::hooks::use_location();
    let (target, label) = match lang {
        Lang::Zh => (Lang::En, "English"),
        Lang::En => (Lang::Zh, "中文"),
    };
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

    #[test]
    fn back_links_are_encoded() {
        assert_eq!(encode_query_value("/?basic=1&months=12"), "/%3Fbasic%3D1%26months%3D12");
    }
}
