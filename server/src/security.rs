//! Security headers on every response, and compression.
//!
//! Pages get a Content-Security-Policy with a fresh nonce per request: Leptos (feature `nonce`)
//! creates the nonce for each render and puts it on its hydration and resource scripts; the page
//! handlers copy it into the header ([`page_csp`]). Every other response (server functions, the
//! JSON API, static files) gets the same policy without a nonce, so nothing inline can run there.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The policy, with the page's nonce when there is one.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'{nonce}; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
         form-action 'self'; object-src 'none'"
    )
}

/// For the page renderers' context closure: puts the policy with this render's nonce on the
/// response. Leptos has provided the nonce and the response options before this runs.
///
/// Static files never get here: the router's fallback serves them outside any render (see
/// `static_file_or_not_found` in `lib.rs` for how a file once took a page's header).
pub fn page_csp() {
    use leptos::prelude::use_context;
    match (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        (Some(nonce), Some(res)) => match HeaderValue::from_str(&content_security_policy(Some(&nonce))) {
            Ok(v) => res.insert_header(header::CONTENT_SECURITY_POLICY, v),
            Err(e) => tracing::warn!(error = %e, "page CSP header not representable; the page will not hydrate"),
        },
        (None, Some(_)) => {
            // A render without a nonce: its inline scripts would be blocked by the nonce-less
            // policy the middleware adds.
            let url = use_context::<axum::http::request::Parts>().map(|p| p.uri.to_string());
            tracing::warn!(?url, "page render without a CSP nonce");
        }
        (_, None) => {}
    }
}

/// The longest request target (path and query) served: 8 KiB, as common proxies allow. Longer
/// ones get 414. (A request head over `MAX_HEADER_BYTES` as a whole is refused by the connection
/// with 431 before it gets here.)
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Middleware: 414 for a URL over [`MAX_URI_BYTES`]; the fixed headers on every response, and the nonce-less policy where the page
/// renderer set none.
pub async fn headers(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let private = path.starts_with("/api/") || path.starts_with("/attachments/");
    let target = request.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    let mut response = if target > MAX_URI_BYTES {
        // No route of ours takes a URL anywhere near this long; the handler never sees it.
        let text = format!("网址过长（最多 {MAX_URI_BYTES} 字节）/ URL too long (at most {MAX_URI_BYTES} bytes)\n");
        (StatusCode::URI_TOO_LONG, text).into_response()
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    // Pages, API answers and attachments can carry a signed-in user's data (and a page's nonce): never kept by
    // a browser or a shared cache unless the handler said otherwise. Site files (WASM, JS, CSS)
    // stay cacheable.
    let dynamic = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"));
    if private || dynamic {
        h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(v) = HeaderValue::from_str(&content_security_policy(None)) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    // A handler may allow its own origin to frame it (an attachment's inline preview).
    h.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    // A stricter policy set by the handler wins (the payment page: its URL carries the token).
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
