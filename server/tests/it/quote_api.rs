//! The public JSON quote API and the server-rendered quote page, on SQLite and (with
//! `TEST_DATABASE_URL`) PostgreSQL.

use crate::support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::{TestDb, get, post_json, send};

const EIGHT_INTEROP: &str =
    r#"{"lines":[{"kind":"interop","count":8,"months":12,"order_type":"new","existing":0}],"invoice":false}"#;

#[tokio::test]
async fn health_answers_ok_after_migrations() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let r = get(&app, "/healthz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "ok");
    t.cleanup(db).await;
}

#[tokio::test]
async fn eight_interop_for_a_year_costs_370_in_two_bands() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let r = post_json(&app, "/api/v1/quote", EIGHT_INTEROP).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let q = r.json();
    assert_eq!(q["total"], "370.00");
    assert_eq!(q["subtotal"], "370.00");
    assert_eq!(q["tax"], "0.00");
    assert_eq!(q["price_book"], "2022-05-16");
    let line = &q["lines"][0];
    assert_eq!(line["amount"], "370.00");
    assert_eq!(line["negotiated_accounts"], 0);
    let bands = line["bands"].as_array().unwrap();
    assert_eq!(bands.len(), 2);
    assert_eq!(bands[0], serde_json::json!({"from":1,"to":5,"count":5,"unit_price":"50.00","amount":"250.00"}));
    assert_eq!(bands[1], serde_json::json!({"from":6,"to":8,"count":3,"unit_price":"40.00","amount":"120.00"}));
    t.cleanup(db).await;
}

#[tokio::test]
async fn invoice_adds_tax_per_line_and_existing_shifts_positions() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let body = r#"{"lines":[
        {"kind":"basic","count":10,"months":12,"order_type":"addon","existing":3},
        {"kind":"interop","count":8,"months":12,"order_type":"new"}
    ],"invoice":true}"#;
    let q = post_json(&app, "/api/v1/quote", body).await.json();
    assert_eq!(q["lines"][0]["amount"], "42.00");
    assert_eq!(q["lines"][0]["tax"], "2.52");
    assert_eq!(q["lines"][1]["tax"], "22.20");
    assert_eq!(q["subtotal"], "412.00");
    assert_eq!(q["tax"], "24.72");
    assert_eq!(q["total"], "436.72");
    t.cleanup(db).await;
}

#[tokio::test]
async fn bad_input_gets_422_with_field_errors() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let cases = [
        (
            r#"{"lines":[{"kind":"basic","count":0,"months":12,"order_type":"new"}]}"#,
            "lines[0].count",
            "count_out_of_range",
        ),
        (
            r#"{"lines":[{"kind":"basic","count":1,"months":61,"order_type":"renewal"}]}"#,
            "lines[0].months",
            "months_out_of_range",
        ),
        (
            r#"{"lines":[{"kind":"basic","count":1,"months":6,"order_type":"new"}]}"#,
            "lines[0].months",
            "months_below_new_minimum",
        ),
        (r#"{"lines":[]}"#, "lines", "no_lines"),
        (
            r#"{"lines":[{"kind":"basic","count":-4,"months":12,"order_type":"new"}]}"#,
            "lines[0].count",
            "invalid_value",
        ),
        (
            r#"{"lines":[{"kind":"basic","count":1.5,"months":12,"order_type":"new"}]}"#,
            "lines[0].count",
            "invalid_value",
        ),
        (
            r#"{"lines":[{"kind":"basic","count":1,"months":12,"order_type":"new","discount":1}]}"#,
            "lines[0].discount",
            "unknown_field",
        ),
        (r#"{"lines":[{"kind":"basic","count":1,"months":12}]}"#, "lines[0].order_type", "missing_field"),
        (r#"{"lines":[{"kind":"basic""#, "", "malformed_json"),
        ("", "", "malformed_json"),
    ];
    for (body, field, code) in cases {
        let r = post_json(&app, "/api/v1/quote", body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.text());
        let errors = r.json()["errors"].as_array().unwrap().clone();
        assert_eq!(errors[0]["field"], field, "{body}: {errors:?}");
        assert_eq!(errors[0]["code"], code, "{body}: {errors:?}");
        assert!(!errors[0]["message"].as_str().unwrap().is_empty());
    }
    t.cleanup(db).await;
}

#[tokio::test]
async fn error_messages_follow_accept_language() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let body = r#"{"lines":[{"kind":"basic","count":0,"months":12,"order_type":"new"}]}"#;
    let request = |lang: &str| {
        Request::post("/api/v1/quote")
            .header("content-type", "application/json")
            .header("accept-language", lang)
            .body(Body::from(body))
            .unwrap()
    };
    let en = send(&app, request("en-US,en;q=0.9")).await.json();
    assert_eq!(en["errors"][0]["message"], "Line 1: The number of accounts must be between 1 and 1,000,000");
    let zh = send(&app, request("zh-CN")).await.json();
    assert_eq!(zh["errors"][0]["message"], "第1行：账号数量应在 1 到 1,000,000 之间");
    t.cleanup(db).await;
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_in_the_apis_error_shape() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    // Valid JSON, padded past the limit with spaces: refused by size before it is parsed.
    let padded = format!("{EIGHT_INTEROP}{}", " ".repeat(server::api::quote::MAX_BODY_BYTES));
    for chunked in [false, true] {
        let mut req = Request::post("/api/v1/quote").header("content-type", "application/json");
        if !chunked {
            req = req.header("content-length", padded.len().to_string());
        }
        let body = if chunked {
            Body::from_stream(futures_util::stream::iter(
                padded.as_bytes().chunks(4096).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>(),
            ))
        } else {
            Body::from(padded.clone())
        };
        let r = send(&app, req.body(body).unwrap()).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "chunked: {chunked}");
        assert_eq!(r.json()["errors"][0]["code"], "too_large", "chunked: {chunked}");
    }
    // At the limit it is read and priced.
    let fits = format!("{EIGHT_INTEROP}{}", " ".repeat(server::api::quote::MAX_BODY_BYTES - EIGHT_INTEROP.len()));
    let r = send(
        &app,
        Request::post("/api/v1/quote").header("content-type", "application/json").body(Body::from(fits)).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    t.cleanup(db).await;
}

#[tokio::test]
async fn non_json_content_type_is_refused() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let r = send(
        &app,
        Request::post("/api/v1/quote").header("content-type", "text/plain").body(Body::from(EIGHT_INTEROP)).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.json()["errors"][0]["code"], "unsupported_media_type");
    t.cleanup(db).await;
}

#[tokio::test]
async fn quote_page_is_server_rendered_with_the_quote_for_its_query() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let r = get(&app, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("企业微信接口许可报价"), "{html}");
    assert!(html.contains("¥45.00"), "default quote of 10 basic accounts: {html}");
    // Without JavaScript the form submits as a GET; the server prices it.
    let r = get(&app, "/?basic=0&interop=8&months=12&order_type=new&existing_basic=0&existing_interop=0").await;
    let html = r.text();
    assert!(html.contains("¥370.00"), "{html}");
    assert!(html.contains("6–8"), "band 6–8 in the breakdown: {html}");
    let r = get(&app, "/?basic=x&months=12").await;
    assert!(r.text().contains("基础账号数量应为整数"), "{}", r.text());
    t.cleanup(db).await;
}

#[tokio::test]
async fn unknown_page_is_404() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    assert_eq!(get(&app, "/no-such-page").await.status, StatusCode::NOT_FOUND);
    t.cleanup(db).await;
}

#[tokio::test]
async fn migrations_are_idempotent_and_keep_one_default_book() {
    let t = TestDb::new().await;
    let db = t.open().await;
    app::db::migrate(&db).await.expect("second run is a no-op");
    let books = app::db::price_books::all(&db).await.unwrap();
    assert_eq!(books, vec![app::domain::PriceBook::default_2022()]);
    t.cleanup(db).await;
}

/// The quote API keeps the book in effect rather than reading every stored version per call. A book
/// written behind its back (as another server process on the database would) is quoted once the
/// kept one is older than its time to live, or at once after `changed` (what the admin's price
/// book functions call; `admin::price_book_versions_take_effect_on_their_date_and_priced_contracts_keep_theirs` shows it through the app).
#[tokio::test]
async fn the_quote_apis_price_book_is_kept_until_its_time_or_a_change() {
    use app::services::quotes::CurrentPriceBook;
    use std::time::Duration;
    let t = TestDb::new().await;
    let db = t.open().await;
    let kept = CurrentPriceBook::new(Duration::from_secs(3600));
    let unkept = CurrentPriceBook::new(Duration::ZERO);
    assert_eq!(kept.get(&db).await.unwrap().version, "2022-05-16");
    assert_eq!(unkept.get(&db).await.unwrap().version, "2022-05-16");

    let mut other = app::domain::PriceBook::default_2022();
    other.version = "另一进程".into();
    other.effective_from = app::domain::calendar::china_date(chrono::Utc::now());
    app::db::price_books::insert(&db, &other).await.unwrap();

    assert_eq!(kept.get(&db).await.unwrap().version, "2022-05-16", "kept within its time");
    assert_eq!(unkept.get(&db).await.unwrap().version, "另一进程", "read again past its time");
    kept.changed();
    assert_eq!(kept.get(&db).await.unwrap().version, "另一进程", "read again after a change");
    t.cleanup(db).await;
}
