//! Sign-in, sessions, rate limiting and the cross-site gate, on SQLite and (with
//! `TEST_DATABASE_URL`) PostgreSQL.

use crate::support;

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
    for _ in 0..app::domain::account::MAX_FAILURES_PER_ACCOUNT {
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
    for i in 0..app::domain::account::MAX_FAILURES_PER_ADDRESS {
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
    let err = app::services::accounts::create_user(&db, org, "a b", "", Role::Partner, "short").await.unwrap_err();
    let app::error::AppError::Invalid { problems } = err else { panic!("{err:?}") };
    let codes: Vec<_> = problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["username_invalid", "password_too_short"]);
    app::services::accounts::create_user(&db, org, "Admin", "", Role::Admin, PASSWORD).await.unwrap();
    let dup = app::services::accounts::create_user(&db, org, "admin", "", Role::Admin, PASSWORD).await.unwrap_err();
    assert!(dup.to_string().contains("已被使用"), "{dup}");
    t.cleanup(db).await;
}

/// The router with `TRUST_PROXY=1`, so a test can say which address each request comes from.
async fn app_behind_proxy(t: &TestDb) -> (axum::Router, sea_orm::DatabaseConnection) {
    let db = t.open().await;
    let (url, dir) = (t.url.clone(), t.data_dir.display().to_string());
    let config = server::config::Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(url.clone()),
        "DATA_DIR" => Some(dir.clone()),
        "TRUST_PROXY" => Some("1".into()),
        _ => None,
    })
    .unwrap();
    (server::router(&config, db.clone()).unwrap(), db)
}

async fn sign_in_from(app: &axum::Router, address: &str, username: &str, password: &str) -> TestResponse {
    let body = format!("username={username}&password={}", password.replace(' ', "+"));
    let req = Request::post("/api/auth/sign_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .header("x-forwarded-for", address)
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

/// 60 wrong passwords for one account from one address, all at the same moment: the attempt is
/// counted before the password is checked, so only the limit's worth are checked (401) and the
/// rest are refused (429) without any Argon2 work. Before, every one of them was checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_gets_at_most_the_limit_checked() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let burst = (0..60).map(|_| {
        let app = app.clone();
        tokio::spawn(async move {
            post_form(&app, "/api/auth/sign_in", &[("username", "partner.a"), ("password", "wrong password")], None)
                .await
                .status
        })
    });
    let statuses: Vec<StatusCode> =
        futures_util::future::join_all(burst).await.into_iter().map(Result::unwrap).collect();
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked as u64, app::domain::account::MAX_FAILURES_PER_ACCOUNT, "{statuses:?}");
    assert_eq!(refused, 60 - checked, "{statuses:?}");
    // The log holds the checked attempts only.
    use sea_orm::{EntityTrait, PaginatorTrait};
    let logged = app::db::entities::login_attempt::Entity::find().count(&db).await.unwrap();
    assert_eq!(logged as usize, checked);
    t.cleanup(db).await;
}

/// Five wrong passwords from an attacker's address lock that address out of the account, not the
/// account: its owner, elsewhere, signs in with the right password.
#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_the_owner_out() {
    let t = TestDb::new().await;
    let (app, db) = app_behind_proxy(&t).await;
    make_user(&db, "甲公司", "approver1", Role::Approver).await;
    for _ in 0..app::domain::account::MAX_FAILURES_PER_ACCOUNT {
        let res = sign_in_from(&app, "198.51.100.66", "approver1", "guess guess guess").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let attacker = sign_in_from(&app, "198.51.100.66", "approver1", PASSWORD).await;
    assert_eq!(attacker.status, StatusCode::TOO_MANY_REQUESTS, "even the right password, from the locked address");
    let owner = sign_in_from(&app, "203.0.113.9", "approver1", PASSWORD).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());
    t.cleanup(db).await;
}

/// Failures from many addresses slow the account down (each sign-in waits a little more), but the
/// owner still gets in.
#[tokio::test]
async fn failures_from_many_addresses_slow_the_account_down_but_never_lock_it() {
    use app::domain::account::{ACCOUNT_SLOWDOWN_AFTER, ACCOUNT_SLOWDOWN_MAX_SECONDS, account_delay};
    assert!(account_delay(ACCOUNT_SLOWDOWN_AFTER - 1).is_zero());
    assert!(!account_delay(ACCOUNT_SLOWDOWN_AFTER).is_zero());
    assert!(account_delay(ACCOUNT_SLOWDOWN_AFTER + 1) > account_delay(ACCOUNT_SLOWDOWN_AFTER));
    assert_eq!(account_delay(1_000_000), std::time::Duration::from_secs(ACCOUNT_SLOWDOWN_MAX_SECONDS));

    let t = TestDb::new().await;
    let (app, db) = app_behind_proxy(&t).await;
    make_user(&db, "甲公司", "approver1", Role::Approver).await;
    let addresses = ["192.0.2.1", "192.0.2.2", "192.0.2.3"];
    let per_address = (ACCOUNT_SLOWDOWN_AFTER as usize).div_ceil(addresses.len());
    for address in addresses {
        for _ in 0..per_address {
            assert_eq!(
                sign_in_from(&app, address, "approver1", "guess guess guess").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
    }
    let owner = sign_in_from(&app, "203.0.113.9", "approver1", PASSWORD).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());
    t.cleanup(db).await;
}

/// A mistyped password (or a stranger's request carrying the victim's cookie) must not end the
/// session the caller holds; a successful sign-in still replaces it.
#[tokio::test]
async fn a_failed_sign_in_keeps_the_current_session() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let cookie = sign_in(&app, "partner.a").await;
    let res = post_form(
        &app,
        "/api/auth/sign_in",
        &[("username", "partner.a"), ("password", "wrong password")],
        Some(&cookie),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(post_form(&app, "/api/auth/me", &[], Some(&cookie)).await.json()["username"], "partner.a");
    t.cleanup(db).await;
}

/// The pooled Argon2 check agrees with the hash: right password, wrong password, broken hash.
#[tokio::test]
async fn password_checks_in_pooled_memory_agree_with_the_hash() {
    let phc = app::crypto::hash_password(PASSWORD).unwrap();
    assert!(app::crypto::verify_password(PASSWORD, &phc).await);
    assert!(!app::crypto::verify_password("correct horse batterz", &phc).await);
    assert!(!app::crypto::verify_password(PASSWORD, "not a hash").await);
    assert!(app::crypto::verify_password(PASSWORD, &phc).await, "the reused memory gives the same answer");
}
