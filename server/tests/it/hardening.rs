//! The smaller holes found by probing the release server (issue #12): the language switch's open
//! redirect, server-function bodies that are too large or malformed, caching of signed-in
//! answers, record ids that could be probed, and anonymous quote saves without a limit. On SQLite,
//! and on PostgreSQL with `TEST_DATABASE_URL`.

use crate::contract_world;
use crate::support;

use app::models::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use contract_world::World;
use serde_json::json;
use support::*;

/// `back` must be a path of this site. A browser drops tabs and newlines and reads `\` as `/`,
/// so `/%09/evil.example` used to send it to `//evil.example`.
#[tokio::test]
async fn the_language_switch_only_goes_back_to_a_path_of_this_site() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    for sneaky in ["/%09/evil.example", "/%0A/evil.example", "/%5C/evil.example", "/x%5C..%5C/evil", "//evil.example"] {
        let res = get(&app, &format!("/lang/en?back={sneaky}")).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.headers[header::LOCATION], "/", "back={sneaky}");
    }
    let res = get(&app, "/lang/en?back=/contracts%3Fq%3D%E7%94%B2").await;
    assert_eq!(res.headers[header::LOCATION], "/contracts?q=%E7%94%B2", "a real path, non-ASCII encoded");
    t.cleanup(db).await;
}

/// A server-function body past 2 MiB answers 413 with a message (it was a 500 "length limit
/// exceeded"), whether or not it says its length up front.
#[tokio::test]
async fn an_oversized_server_function_body_answers_413() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let big = format!("username={}&password=x", "a".repeat(server::MAX_SERVER_FN_BODY + 1));
    let declared = Request::post("/api/auth/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(big.clone()))
        .unwrap();
    let res = send(&app, declared).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.text());
    assert_eq!(res.json()["code"], "too_large");
    let chunks: Vec<Result<String, std::io::Error>> =
        big.as_bytes().chunks(64 * 1024).map(|c| Ok(String::from_utf8_lossy(c).into_owned())).collect();
    let streamed = Request::post("/api/auth/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    assert_eq!(send(&app, streamed).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    t.cleanup(db).await;
}

/// Arguments the server-function layer cannot decode are the caller's mistake: 400, not 500.
#[tokio::test]
async fn malformed_server_function_arguments_answer_400() {
    let w = World::new().await;
    let missing = post_form(&w.app, "/api/auth/sign_in", &[("username", "alice")], None).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.text());
    assert_eq!(missing.json()["code"], "transport");
    let wrong_type = w.call(Some("alice"), "contracts/get", json!({"id": "not a number"})).await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST, "{}", wrong_type.text());
    let not_json =
        contract_world::call_json(&w.app, "/api/contracts/get", &json!("{"), w.cookie(Some("alice")).as_deref()).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST, "{}", not_json.text());
    w.done().await;
}

/// A contract the caller may not read answers exactly as one that does not exist: ids cannot be
/// probed. One they may read but not act on is still a 403.
#[tokio::test]
async fn a_contract_hidden_from_the_caller_answers_like_a_missing_one() {
    let w = World::new().await;
    let draft = w.create("alice", &w.valid_draft()).await;
    let id = draft["id"].as_i64().unwrap();
    let missing = w.call(Some("bob"), "contracts/get", json!({"id": id + 1000})).await;
    let hidden = w.call(Some("bob"), "contracts/get", json!({"id": id})).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.status, missing.status, "{}", hidden.text());
    assert_eq!(hidden.json(), missing.json());
    let hidden_cancel = w.call(Some("bob"), "contracts/cancel", json!({"id": id, "version": 1, "comment": ""})).await;
    assert_eq!(hidden_cancel.status, StatusCode::NOT_FOUND, "{}", hidden_cancel.text());
    // The owner's colleague may read it; an approver of another level may not act on it.
    let submitted = w.submitted().await;
    let sid = submitted["id"].as_i64().unwrap();
    let version = submitted["version"].as_i64().unwrap();
    let partner_approves =
        w.call(Some("alice"), "contracts/approve", json!({"id": sid, "version": version, "comment": ""})).await;
    assert_eq!(partner_approves.status, StatusCode::FORBIDDEN, "{}", partner_approves.text());
    w.done().await;
}

/// Signed-in pages and API answers are never stored by a browser or a shared cache.
#[tokio::test]
async fn signed_in_pages_and_api_answers_are_not_cached() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let cookie = sign_in(&app, "partner.a").await;
    let page = send(&app, Request::get("/contracts").header("cookie", &cookie).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let me = post_form(&app, "/api/auth/me", &[], Some(&cookie)).await;
    assert_eq!(me.headers[header::CACHE_CONTROL], "no-store");
    let quote = post_json(
        &app,
        "/api/v1/quote",
        r#"{"lines":[{"kind":"interop","count":8,"months":12,"order_type":"new","existing":0}],"invoice":false}"#,
    )
    .await;
    assert_eq!(quote.headers[header::CACHE_CONTROL], "no-store");
    t.cleanup(db).await;
}

const EIGHT_INTEROP: &str = "basic=0&interop=8&months=12&order_type=new&existing_basic=0&existing_interop=0";

/// Anonymous visitors may save a limited number of quotes per address and hour (each is a row
/// kept for its validity); a signed-in user is not held by that limit.
#[tokio::test]
async fn anonymous_quote_saves_are_limited_per_address() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let save = |cookie: Option<String>| {
        let app = app.clone();
        async move {
            let mut req = Request::post("/api/quotes/save")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .header("sec-fetch-site", "same-origin");
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            send(&app, req.body(Body::from(EIGHT_INTEROP)).unwrap()).await
        }
    };
    for i in 0..app::functions::quotes::DEFAULT_SAVES_PER_HOUR {
        let res = save(None).await;
        assert_eq!(res.status, StatusCode::OK, "save {i}: {}", res.text());
    }
    let over = save(None).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{}", over.text());
    assert!(over.text().contains("分钟后再试"), "{}", over.text());
    use sea_orm::{EntityTrait, PaginatorTrait};
    let stored = app::db::entities::saved_quote::Entity::find().count(&db).await.unwrap();
    assert_eq!(stored as i64, app::functions::quotes::DEFAULT_SAVES_PER_HOUR, "nothing stored past the limit");
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let cookie = sign_in(&app, "partner.a").await;
    assert_eq!(save(Some(cookie)).await.status, StatusCode::OK, "a signed-in partner is not limited");
    t.cleanup(db).await;
}
