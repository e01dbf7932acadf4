//! Saving and sharing quotes: the server reprices what was typed, stores it under a long random
//! token, serves it read-only at `/q/<token>` until it expires. SQLite, and PostgreSQL with
//! `TEST_DATABASE_URL`.

use crate::support;

use app::db::entities::saved_quote;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use support::{TestDb, TestResponse, get, send};

const EIGHT_INTEROP: &str = "basic=0&interop=8&months=12&order_type=new&existing_basic=0&existing_interop=0";

/// Posts the save form; `accept` tells a browser's plain form post from the server-fn client.
async fn post_save(app: &axum::Router, accept: &str, body: &str) -> TestResponse {
    send(
        app,
        Request::post("/api/quotes/save")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

/// Posts the save form as a browser without JavaScript does.
async fn save_as_plain_form(app: &axum::Router, body: &str) -> TestResponse {
    post_save(app, "text/html,application/xhtml+xml", body).await
}

fn token_of(r: &TestResponse) -> String {
    let location = r.headers.get(header::LOCATION).expect("Location").to_str().unwrap();
    let token = location.strip_prefix("/q/").unwrap_or_else(|| panic!("redirect to /q/<token>, got {location}"));
    assert_eq!(token.len(), 64, "a long random token: {token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    token.to_owned()
}

#[tokio::test]
async fn saving_without_javascript_redirects_to_a_read_only_share_page() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let r = save_as_plain_form(&app, EIGHT_INTEROP).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    let token = token_of(&r);

    let page = get(&app, &format!("/q/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("报价单 BJ-"), "{html}");
    assert!(html.contains("¥370.00"), "{html}");
    assert!(html.contains("6–8"), "the bands: {html}");
    assert!(html.contains("价格表版本：<!-- -->2022-05-16") || html.contains("2022-05-16"), "{html}");
    // The payment ways are the admin's (系统设置), as on the payment page: none set here.
    assert!(html.contains("管理员尚未设置对公账户信息"), "no bank details until an admin sets them: {html}");
    assert!(!html.contains("31001518000050010918"), "never fixed ones: {html}");
    assert!(!html.contains("data-testid=\"quote-expired\""), "{html}");
    assert!(!html.contains("<input"), "the shared page is read-only: {html}");

    let row = saved_quote::Entity::find().one(&db).await.unwrap().unwrap();
    let days = (row.expires_at - row.created_at).num_days();
    assert_eq!(days, 30, "valid for 30 days by default");
    t.cleanup(db).await;
}

#[tokio::test]
async fn the_server_reprices_and_ignores_anything_but_the_inputs() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    // A tampered post with a "total" field: the stored quote is the server's own pricing.
    let r = save_as_plain_form(&app, &format!("{EIGHT_INTEROP}&invoice=1&total=0.01")).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    let row = saved_quote::Entity::find().one(&db).await.unwrap().unwrap();
    let quote: app::domain::Quote = serde_json::from_str(&row.quote_json).unwrap();
    assert_eq!(quote.total.to_string(), "392.20");
    assert_eq!(quote.tax.to_string(), "22.20");
    assert_eq!(row.price_book_version, "2022-05-16");
    t.cleanup(db).await;
}

#[tokio::test]
async fn bad_input_is_refused_with_problems_by_field() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let r = post_save(&app, "application/json", "basic=abc&interop=8&months=6&order_type=new").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let problems = &r.json()["Invalid"]["problems"];
    let fields: Vec<&str> = problems.as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"basic"), "{problems}");
    assert!(problems[0]["zh"].as_str().unwrap().contains("基础账号数量"), "{problems}");
    assert_eq!(saved_quote::Entity::find().all(&db).await.unwrap().len(), 0, "nothing stored");

    let r = post_save(&app, "application/json", "interop=8&months=6&order_type=new").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["Invalid"]["problems"][0]["code"], "months_below_new_minimum", "{}", r.text());
    t.cleanup(db).await;
}

#[tokio::test]
async fn an_expired_quote_says_so_and_offers_todays_prices() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let token = token_of(&save_as_plain_form(&app, EIGHT_INTEROP).await);
    saved_quote::Entity::update_many()
        .col_expr(saved_quote::Column::ExpiresAt, Expr::value(chrono::Utc::now() - chrono::Duration::days(1)))
        .filter(saved_quote::Column::Token.eq(token.as_str()))
        .exec(&db)
        .await
        .unwrap();
    let page = get(&app, &format!("/q/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("此报价已过期"), "{html}");
    assert!(html.contains("href=\"/?basic=0&amp;interop=8&amp;months=12&amp;order_type=new"), "{html}");
    t.cleanup(db).await;
}

#[tokio::test]
async fn an_unknown_token_is_a_404_page() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    for path in ["/q/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "/q/short"] {
        let r = get(&app, path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.text().contains("页面不存在"), "{}", r.text());
    }
    t.cleanup(db).await;
}

#[tokio::test]
async fn the_chosen_language_is_remembered_and_rendered_by_the_server() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let r = get(&app, "/lang/en?back=/%3Finterop%3D8").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/?interop=8");
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("lang=en;"), "{cookie}");
    assert!(get(&app, "/lang/en?back=//evil.example").await.headers[header::LOCATION] == "/");

    let page = send(
        &app,
        Request::get(format!("/?{EIGHT_INTEROP}")).header(header::COOKIE, "lang=en").body(Body::empty()).unwrap(),
    )
    .await;
    let html = page.text();
    assert!(html.contains("<html lang=\"en\""), "{html}");
    assert!(html.contains("Your quote"), "{html}");
    assert!(html.contains("CNY 370.00"), "{html}");
    let zh = get(&app, "/").await.text();
    assert!(zh.contains("<html lang=\"zh-CN\""), "Chinese by default");
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_page_whose_save_is_refused_goes_back_to_the_quote_page_with_what_was_typed() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    // Input that does not price: back to the quote page with the input, which shows the problems.
    let r = save_as_plain_form(&app, "basic=abc&interop=8&months=12&order_type=new").await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    let location = r.headers.get(header::LOCATION).expect("Location").to_str().unwrap().to_owned();
    assert!(location.starts_with("/?basic=abc&interop=8&months=12"), "{location}");
    let page = get(&app, &location).await.text();
    assert!(page.contains("value=\"abc\""), "the input is kept: {page}");
    assert!(page.contains("基础账号数量"), "the problem at its field: {page}");
    assert_eq!(saved_quote::Entity::find().all(&db).await.unwrap().len(), 0, "nothing stored");

    // Saving too often: back with the input and the minutes to wait, which the page says.
    let limit = app::functions::quotes::DEFAULT_SAVES_PER_HOUR;
    for _ in 0..limit {
        let r = save_as_plain_form(&app, EIGHT_INTEROP).await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    }
    let r = save_as_plain_form(&app, EIGHT_INTEROP).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    let location = r.headers.get(header::LOCATION).expect("Location").to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("/?{EIGHT_INTEROP}")), "{location}");
    assert!(location.contains("&save_limited="), "{location}");
    let page = get(&app, &location).await.text();
    assert!(page.contains("保存报价过于频繁"), "the refusal is on the page: {page}");
    assert!(page.contains("¥370.00"), "and the quote for what was typed: {page}");
    assert_eq!(
        saved_quote::Entity::find().all(&db).await.unwrap().len() as i64,
        limit,
        "the refused one is not stored"
    );

    // The same refusal to a script is a 429 with the message.
    let r = post_save(&app, "application/json", EIGHT_INTEROP).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert!(r.text().contains("保存报价过于频繁"), "{}", r.text());
    t.cleanup(db).await;
}
