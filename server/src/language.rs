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
    if let (Ok(cookie), Ok(location)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(&back)) {
        headers.insert(header::SET_COOKIE, cookie);
        headers.insert(header::LOCATION, location);
    }
    response
}

/// Only paths on this site: never an open redirect to another host (`//evil`, `/\evil`).
fn is_local_path(back: &str) -> bool {
    back.starts_with('/') && !back.starts_with("//") && !back.starts_with("/\\") && !back.contains(['\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn back_must_stay_on_this_site() {
        assert!(is_local_path("/?basic=1"));
        assert!(is_local_path("/q/abc"));
        assert!(!is_local_path("//evil.example"));
        assert!(!is_local_path("https://evil.example"));
        assert!(!is_local_path("/\\evil.example"));
    }
}
