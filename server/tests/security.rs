//! Security headers on every response; the CSP nonce matches the page's scripts and is new per
//! request; responses are compressed when the client accepts it.

mod support;

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
