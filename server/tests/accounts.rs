//! Sign-in, sessions, rate limiting and the cross-site gate, on SQLite and (with
//! `TEST_DATABASE_URL`) PostgreSQL.

mod support;

use app::models::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::*;

#[tokio::test]
async fn sign_in_sets_a_hardened_cookie_and_me_knows_the_user() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲公司", "Partner.A", Role::Partner).await;

    let res = post_form(&app, "/api/auth/sign_in", &[("username", "partner.a"), ("password", PASSWORD)], None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let set = res.headers.get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"), "{set}");
    assert!(!set.contains("Secure"), "not Secure unless configured: {set}");
    assert_eq!(res.json()["username"], "partner.a");
    assert_eq!(res.json()["role"], "partner");

    let cookie = session_cookie(&res).unwrap();
    let me = post_form(&app, "/api/auth/me", &[], Some(&cookie)).await;
    assert_eq!(me.json()["organisation_name"], "甲公司");
    let anon = post_form(&app, "/api/auth/me", &[], None).await;
    assert_eq!(anon.json(), serde_json::Value::Null);
    t.cleanup(db).await;
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let wrong =
        post_form(&app, "/api/auth/sign_in", &[("username", "partner.a"), ("password", "nope nope nope")], None).await;
    let unknown = post_form(&app, "/api/auth/sign_in", &[("username", "ghost"), ("password", PASSWORD)], None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json(), unknown.json());
    assert_eq!(wrong.json()["code"], "bad_credentials");
    assert!(session_cookie(&wrong).is_none());
    t.cleanup(db).await;
}

#[tokio::test]
async fn sign_in_renews_the_session_and_sign_out_ends_it() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let first = sign_in(&app, "partner.a").await;
    // Signing in again while holding a session replaces it: the old id stops working.
    let res =
        post_form(&app, "/api/auth/sign_in", &[("username", "partner.a"), ("password", PASSWORD)], Some(&first)).await;
    let second = session_cookie(&res).unwrap();
    assert_ne!(first, second);
    assert_eq!(post_form(&app, "/api/auth/me", &[], Some(&first)).await.json(), serde_json::Value::Null);
    assert_eq!(post_form(&app, "/api/auth/me", &[], Some(&second)).await.json()["username"], "partner.a");

    let out = post_form(&app, "/api/auth/sign_out", &[], Some(&second)).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(post_form(&app, "/api/auth/me", &[], Some(&second)).await.json(), serde_json::Value::Null);
    t.cleanup(db).await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while_with_a_clear_message() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    for _ in 0..app::db::accounts::MAX_FAILURES_PER_ACCOUNT {
        let res =
            post_form(&app, "/api/auth/sign_in", &[("username", "partner.a"), ("password", "wrong password")], None)
                .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused until the window passes.
    let res = post_form(&app, "/api/auth/sign_in", &[("username", "partner.a"), ("password", PASSWORD)], None).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text());
    assert_eq!(res.json()["code"], "rate_limited");
    assert!(res.json()["retry_after_minutes"].as_i64().unwrap() >= 1);
    // What the browser shows: the error as the client decodes it.
    let shown: app::error::AppError = serde_json::from_slice(&res.body).unwrap();
    assert!(shown.to_string().contains("分钟后再试"), "{shown}");
    t.cleanup(db).await;
}

#[tokio::test]
async fn many_accounts_from_one_address_are_limited_per_address() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    for i in 0..app::db::accounts::MAX_FAILURES_PER_ADDRESS {
        let name = format!("guess{i}");
        post_form(&app, "/api/auth/sign_in", &[("username", name.as_str()), ("password", "x")], None).await;
    }
    let res = post_form(&app, "/api/auth/sign_in", &[("username", "partner.a"), ("password", PASSWORD)], None).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    t.cleanup(db).await;
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_the_function_runs() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let body = format!("username=partner.a&password={}", PASSWORD.replace(' ', "+"));
    for (name, value) in
        [("sec-fetch-site", "cross-site"), ("sec-fetch-site", "same-site"), ("origin", "https://evil.example")]
    {
        let req = Request::post("/api/auth/sign_in")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("host", "localhost:3000")
            .header(name, value)
            .body(Body::from(body.clone()))
            .unwrap();
        let res = send(&app, req).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}: {value}");
        assert_eq!(res.json()["code"], "cross_site");
        assert!(session_cookie(&res).is_none());
    }
    let same = Request::post("/api/auth/sign_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "localhost:3000")
        .header("origin", "http://localhost:3000")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&app, same).await.status, StatusCode::OK);
    t.cleanup(db).await;
}

#[tokio::test]
async fn unlisted_server_function_paths_are_refused() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let res = post_form(&app, "/api/not/a/function", &[], None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    t.cleanup(db).await;
}

#[tokio::test]
async fn new_accounts_need_a_sane_username_and_a_long_password() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let org = app::db::accounts::ensure_organisation(&db, "甲公司").await.unwrap();
    let err = app::db::accounts::create_user(&db, org, "a b", "", Role::Partner, "short").await.unwrap_err();
    let app::error::AppError::Invalid { problems } = err else { panic!("{err:?}") };
    let codes: Vec<_> = problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["username_invalid", "password_too_short"]);
    app::db::accounts::create_user(&db, org, "Admin", "", Role::Admin, PASSWORD).await.unwrap();
    let dup = app::db::accounts::create_user(&db, org, "admin", "", Role::Admin, PASSWORD).await.unwrap_err();
    assert!(dup.to_string().contains("已被使用"), "{dup}");
    t.cleanup(db).await;
}
