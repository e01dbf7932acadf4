//! Security headers on every response; the CSP nonce matches the page's scripts and is new per
//! request; responses are compressed when the client accepts it.

use crate::support;

use axum::body::Body;
use axum::http::Request;
use support::{TestDb, get, send};

fn csp_nonce(csp: &str) -> Option<String> {
    let start = csp.find("'nonce-")? + "'nonce-".len();
    Some(csp[start..].split('\'').next()?.to_owned())
}

fn assert_fixed_headers(res: &support::TestResponse, what: &str) {
    assert_eq!(res.headers.get("x-frame-options").map(|v| v.to_str().unwrap()), Some("DENY"), "{what}");
    assert_eq!(res.headers.get("x-content-type-options").map(|v| v.to_str().unwrap()), Some("nosniff"), "{what}");
    assert_eq!(res.headers.get("referrer-policy").map(|v| v.to_str().unwrap()), Some("same-origin"), "{what}");
    let csp = res.headers.get("content-security-policy").expect(what).to_str().unwrap();
    for part in ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "'wasm-unsafe-eval'"] {
        assert!(csp.contains(part), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
}

#[tokio::test]
async fn page_nonce_matches_scripts_and_changes_per_request() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let first = get(&app, "/").await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_fixed_headers(&first, "page");
    let csp = first.headers.get("content-security-policy").unwrap().to_str().unwrap();
    let nonce = csp_nonce(csp).expect("page CSP has a nonce");
    assert!(nonce.len() >= 16, "nonce too short: {nonce}");
    let body = first.text();
    let scripts: Vec<&str> =
        body.match_indices("<script").map(|(i, _)| &body[i..i + body[i..].find('>').unwrap()]).collect();
    assert!(!scripts.is_empty(), "page has hydration scripts");
    for s in &scripts {
        assert!(s.contains(&format!("nonce=\"{nonce}\"")), "script without the header's nonce: {s}");
    }
    let second = get(&app, "/").await;
    let nonce2 = csp_nonce(second.headers.get("content-security-policy").unwrap().to_str().unwrap()).unwrap();
    assert_ne!(nonce, nonce2, "nonce must differ per request");
    t.cleanup(db).await;
}

#[tokio::test]
async fn api_and_not_found_get_the_headers() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let me = support::post_form(&app, "/api/auth/me", &[], None).await;
    assert_eq!(me.status, 200);
    assert_fixed_headers(&me, "server fn");
    assert!(csp_nonce(me.headers.get("content-security-policy").unwrap().to_str().unwrap()).is_none());
    let health = get(&app, "/healthz").await;
    assert_fixed_headers(&health, "healthz");
    let missing = get(&app, "/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert_fixed_headers(&missing, "404 page");
    let refused = get(&app, "/api/not/listed").await;
    assert_fixed_headers(&refused, "refused endpoint");
    t.cleanup(db).await;
}

#[tokio::test]
async fn responses_are_compressed_when_accepted() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    for enc in ["gzip", "br"] {
        let res = send(&app, Request::get("/").header("accept-encoding", enc).body(Body::empty()).unwrap()).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.headers.get("content-encoding").map(|v| v.to_str().unwrap()), Some(enc));
        assert!(!res.text().contains("<html"), "{enc} body is not plain HTML");
    }
    let plain = get(&app, "/").await;
    assert!(plain.headers.get("content-encoding").is_none());
    t.cleanup(db).await;
}

/// The nonce in `body`'s scripts, checked to be one and the same for all of them.
fn scripts_nonce(body: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for (i, _) in body.match_indices("<script") {
        let tag = &body[i..i + body[i..].find('>')?];
        let n = tag.split("nonce=\"").nth(1)?.split('"').next()?.to_owned();
        if found.as_ref().is_some_and(|f| *f != n) {
            return None;
        }
        found = Some(n);
    }
    found
}

/// A browser's first visits: pages rendered while the static files of other pages are served, on
/// a multi-threaded runtime like the server's. Every page keeps the policy with its own nonce, and
/// no static file ever carries a page's policy. (Static files used to be served inside a reactive
/// owner that could be a child of a page render still waiting on its database query: they then
/// took that page's headers, and the page went out with the nonce-less policy and never hydrated.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pages_and_static_files_keep_their_own_policies() {
    let t = TestDb::new().await;
    let site = t.data_dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/app.css"), "body { color: black }").unwrap();
    std::fs::write(site.join("pkg/app.js"), "export const x = 1;").unwrap();
    let (app, db) = support::uploads::app_with(&t, &[("LEPTOS_SITE_ROOT", site.to_str().unwrap())]).await;
    // A well-formed token nobody has: the page waits for the database before it answers.
    let missing_quote = format!("/q/{}", "ab".repeat(32));
    for round in 0..40 {
        let mut tasks = Vec::new();
        for i in 0..12 {
            let app = app.clone();
            let uri = match i % 4 {
                0 => "/".to_owned(),
                1 => missing_quote.clone(),
                2 => "/pkg/app.css".to_owned(),
                _ => "/pkg/app.js".to_owned(),
            };
            tasks.push(tokio::spawn(async move { (uri.clone(), get(&app, &uri).await) }));
        }
        for task in tasks {
            let (uri, res) = task.await.unwrap();
            let csp = res.headers.get("content-security-policy").map(|v| v.to_str().unwrap().to_owned());
            let csp = csp.unwrap_or_else(|| panic!("round {round}: {uri} has no CSP"));
            if uri.starts_with("/pkg/") {
                assert_eq!(res.status, 200, "{uri}");
                assert_eq!(csp_nonce(&csp), None, "round {round}: static {uri} carries a page's policy: {csp}");
            } else {
                let body = res.text();
                let in_scripts =
                    scripts_nonce(&body).unwrap_or_else(|| panic!("round {round}: {uri}: no single script nonce"));
                assert_eq!(csp_nonce(&csp), Some(in_scripts), "round {round}: {uri}: header and scripts disagree");
            }
        }
    }
    t.cleanup(db).await;
}

/// Files of the built site: served with their precompressed twin when the browser accepts it,
/// only to GET and HEAD; a missing file is the not-found page.
#[tokio::test]
async fn site_files_are_served_and_missing_ones_are_not_found() {
    let t = TestDb::new().await;
    let site = t.data_dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/app.js"), "export const x = 1;").unwrap();
    std::fs::write(site.join("pkg/app.js.br"), b"brotli bytes").unwrap();
    let (app, db) = support::uploads::app_with(&t, &[("LEPTOS_SITE_ROOT", site.to_str().unwrap())]).await;

    let plain = get(&app, "/pkg/app.js").await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.text(), "export const x = 1;");
    assert_fixed_headers(&plain, "static file");
    let br = send(&app, Request::get("/pkg/app.js").header("accept-encoding", "br").body(Body::empty()).unwrap()).await;
    assert_eq!(br.headers.get("content-encoding").map(|v| v.to_str().unwrap()), Some("br"));
    assert_eq!(br.body, b"brotli bytes");
    let head = send(&app, Request::head("/pkg/app.js").body(Body::empty()).unwrap()).await;
    assert_eq!(head.status, 200);
    let post = send(&app, Request::post("/pkg/app.js").body(Body::empty()).unwrap()).await;
    assert_eq!(post.status, 405);
    assert_eq!(post.headers.get("allow").map(|v| v.to_str().unwrap()), Some("GET, HEAD"));
    let missing = get(&app, "/pkg/missing.js").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("页面不存在"), "the not-found page: {}", missing.text());
    t.cleanup(db).await;
}
