//! The language switch: remembers the visitor's choice in the `lang` cookie and goes back to the
//! page they were on. A plain link, so it works before (or without) the WASM; the next render on
//! the server already uses the new language.

use app::domain::Lang;
use app::domain::problem::LANG_COOKIE;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// `GET /lang/{tag}?back=/path`: sets the cookie for a year and redirects (303) to `back`.
pub async fn switch(Path(tag): Path<String>, Query(q): Query<Back>) -> Response {
    let Some(lang) = Lang::from_tag(&tag) else {
        return (StatusCode::NOT_FOUND, "unknown language / 不支持的语言").into_response();
    };
    let back = q.back.filter(|b| is_local_path(b)).unwrap_or_else(|| "/".to_owned());
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.tag());
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let (Ok(cookie), Ok(location)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(&location(&back))) {
        headers.insert(header::SET_COOKIE, cookie);
        headers.insert(header::LOCATION, location);
    }
    response
}

/// Only paths on this site: never an open redirect to another host. A browser drops tabs and
/// newlines from a URL and reads `\\` as `/`, so `/\t/evil.example` or `/\\evil.example` would
/// take it to `//evil.example`: whitespace, control characters and backslashes are refused
/// anywhere in the path, not only at its start.
fn is_local_path(back: &str) -> bool {
    back.starts_with('/')
        && !back.starts_with("//")
        && !back.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\' || is_invisible_format(c))
}

/// Invisible formatting characters (bidi controls, zero-width ones): never part of a real link.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// The path as a `Location` header value: anything beyond visible ASCII (a Chinese search term)
/// percent-encoded.
fn location(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_graphic() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{is_local_path, location};

    #[test]
    fn back_must_stay_on_this_site() {
        assert!(is_local_path("/?basic=1"));
        assert!(is_local_path("/q/abc"));
        assert!(is_local_path("/contracts?q=甲公司"));
        assert!(!is_local_path("//evil.example"));
        assert!(!is_local_path("https://evil.example"));
        assert!(!is_local_path("/\\evil.example"));
        // Browsers drop tabs and newlines and turn `\` into `/` anywhere in a URL.
        for sneaky in ["/\t/evil.example", "/\n/evil.example", "/\r//evil.example", "/ /evil.example", "/x\\..\\/evil"]
        {
            assert!(!is_local_path(sneaky), "{sneaky:?}");
        }
        assert!(!is_local_path("/\u{202e}elpmaxe.live//"));
        assert!(!is_local_path("/\u{0}/evil.example"));
    }

    #[test]
    fn the_location_is_plain_ascii() {
        assert_eq!(location("/contracts?q=甲"), "/contracts?q=%E7%94%B2");
        assert_eq!(location("/q/abc"), "/q/abc");
    }
}
