//! Server-rendered smoke tests of the signed-in pages, and the no-JavaScript sign-in round trip.

use crate::support;

use app::models::Role;
use axum::body::Body;
use axum::http::Request;
use support::{PASSWORD, TestDb, get, make_user, send, session_cookie, sign_in};

async fn get_with_cookie(app: &axum::Router, uri: &str, cookie: &str) -> support::TestResponse {
    send(app, Request::get(uri).header("cookie", cookie).header("accept", "text/html").body(Body::empty()).unwrap())
        .await
}

/// A browser's own form post (no JavaScript): urlencoded, accepts HTML, with a Referer.
async fn html_form_post(app: &axum::Router, uri: &str, body: &str, referer: &str) -> support::TestResponse {
    send(
        app,
        Request::post(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html,application/xhtml+xml")
            .header("sec-fetch-site", "same-origin")
            .header("referer", referer)
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn signin_page_has_the_form() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let res = get(&app, "/signin").await;
    assert_eq!(res.status, 200, "{}", res.text());
    let html = res.text();
    assert!(html.contains("action=\"/api/auth/sign_in\""), "{html}");
    assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));
    assert!(html.contains("type=\"password\""));
    assert!(html.contains("href=\"/signin\""), "signed-out header offers sign-in");
    t.cleanup(db).await;
}

#[tokio::test]
async fn contracts_needs_sign_in_and_shows_the_user_when_signed_in() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let out = get(&app, "/contracts").await;
    assert_eq!(out.status, 401);
    assert!(out.text().contains("请先登录"));

    make_user(&db, "甲渠道", "partner.x", Role::Partner).await;
    let cookie = sign_in(&app, "partner.x").await;
    let page = get_with_cookie(&app, "/contracts", &cookie).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(!html.contains("请先登录"));
    assert!(html.contains("订单合同") && html.contains("甲渠道"));
    assert!(html.contains("退出登录"), "header offers sign-out");
    t.cleanup(db).await;
}

#[tokio::test]
async fn no_js_sign_in_redirects_to_contracts_or_back_with_the_error() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲渠道", "partner.y", Role::Partner).await;

    let bad = html_form_post(
        &app,
        "/api/auth/sign_in",
        "username=partner.y&password=wrong-password",
        "http://localhost/signin",
    )
    .await;
    assert_eq!(bad.status, 302, "{}", bad.text());
    let location = bad.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(location.contains("/signin?") && location.contains("__err="), "{location}");
    assert!(session_cookie(&bad).is_none());
    let path = location.trim_start_matches("http://localhost");
    let shown = get(&app, path).await;
    assert!(shown.text().contains("用户名或密码不正确"), "the error is shown on the form");

    let body = format!("username=partner.y&password={}", PASSWORD.replace(' ', "+"));
    let good = html_form_post(&app, "/api/auth/sign_in", &body, "http://localhost/signin").await;
    assert_eq!(good.status, 302, "{}", good.text());
    assert_eq!(good.headers.get("location").unwrap(), "/contracts");
    let cookie = session_cookie(&good).expect("session cookie");
    assert_eq!(get_with_cookie(&app, "/contracts", &cookie).await.status, 200);

    let out = send(
        &app,
        Request::post("/api/auth/sign_out")
            .header("accept", "text/html")
            .header("sec-fetch-site", "same-origin")
            .header("cookie", &cookie)
            .header("referer", "http://localhost/contracts")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(out.status, 302);
    assert_eq!(out.headers.get("location").unwrap(), "/signin");
    assert_eq!(get_with_cookie(&app, "/contracts", &cookie).await.status, 401, "session ended");
    t.cleanup(db).await;
}

#[tokio::test]
async fn rate_limit_message_reaches_the_form() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲渠道", "partner.z", Role::Partner).await;
    let mut last = String::new();
    for _ in 0..=app::domain::account::MAX_FAILURES_PER_ACCOUNT {
        let res = html_form_post(
            &app,
            "/api/auth/sign_in",
            "username=partner.z&password=nope-nope-nope",
            "http://localhost/signin",
        )
        .await;
        last = res.headers.get("location").unwrap().to_str().unwrap().to_owned();
    }
    let shown = get(&app, last.trim_start_matches("http://localhost")).await;
    assert!(shown.text().contains("登录失败次数过多"), "{}", shown.text());
    t.cleanup(db).await;
}

async fn demo_sign_in(app: &axum::Router, username: &str) -> String {
    let res = support::post_form(
        app,
        "/api/auth/sign_in",
        &[("username", username), ("password", "demo-partner-2026")],
        None,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    session_cookie(&res).expect("cookie")
}

#[tokio::test]
async fn contract_list_shows_the_demo_contracts_with_filters() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    server::demo::load(&db, &t.store()).await.expect("demo");
    let a = demo_sign_in(&app, "partner.a").await;
    let html = get_with_cookie(&app, "/contracts", &a).await.text();
    for name in ["演示·星河零售有限公司", "演示·远山教育科技", "演示·青禾医疗集团", "演示·东岸物流"]
    {
        assert!(html.contains(name), "partner.a sees {name}");
    }
    assert!(!html.contains("演示·北辰制造"), "another organisation's contract is hidden");
    assert!(html.contains("已驳回") && html.contains("草稿"));
    assert!(html.contains("新建订单合同"));

    let rejected = get_with_cookie(&app, "/contracts?status=rejected", &a).await.text();
    assert!(rejected.contains("演示·东岸物流") && !rejected.contains("演示·青禾医疗集团"));
    assert!(rejected.contains("<option value=\"rejected\" selected"), "the filter stays chosen");

    let searched = get_with_cookie(&app, "/contracts?q=%E9%9D%92%E7%A6%BE", &a).await.text(); // 青禾
    assert!(searched.contains("演示·青禾医疗集团") && !searched.contains("演示·东岸物流"));

    let b = demo_sign_in(&app, "partner.b").await;
    let html_b = get_with_cookie(&app, "/contracts", &b).await.text();
    assert!(html_b.contains("演示·北辰制造") && !html_b.contains("演示·东岸物流"));
    t.cleanup(db).await;
}

#[tokio::test]
async fn the_contract_list_and_the_sign_in_page_follow_the_english_switch() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    server::demo::load(&db, &t.store()).await.expect("demo");
    let a = demo_sign_in(&app, "partner.a").await;
    let html = get_with_cookie(&app, "/contracts?status=rejected", &format!("{a}; lang=en")).await.text();
    for text in
        ["Order contracts", "New order contract", "End customer", "Amount (CNY)", "Filter", "rejected", "Sign out"]
    {
        assert!(html.contains(text), "English list shows {text}: {html}");
    }
    for text in ["订单合同</h1>", "最终客户", "筛选", "退出登录"] {
        assert!(!html.contains(text), "no Chinese label {text} in the English list");
    }
    // Updated times are China's wall clock (UTC+8), written the same in both languages.
    assert!(html.contains("<option value=\"rejected\" selected"), "the filter stays chosen");

    let signin = get_with_cookie(&app, "/signin", "lang=en").await.text();
    assert!(signin.contains("Username") && signin.contains("Password") && !signin.contains("用户名"), "{signin}");
    t.cleanup(db).await;
}

#[tokio::test]
async fn the_not_found_page_renders_the_whole_app_with_its_data() {
    // The fallback renders the app (header, user menu) for unknown paths; it used to do that without
    // the database in context, so the user menu showed an error instead of the signed-in user.
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲渠道", "partner.x", Role::Partner).await;
    let cookie = sign_in(&app, "partner.x").await;
    let res = get_with_cookie(&app, "/no-such-page", &cookie).await;
    assert_eq!(res.status, 404);
    let html = res.text();
    assert!(html.contains("退出登录") && html.contains("甲渠道"), "the signed-in user menu: {html}");
    t.cleanup(db).await;
}

/// Creates a draft through the real server function, as the form does, and returns its id.
async fn create_draft(app: &axum::Router, cookie: &str, draft: serde_json::Value) -> i64 {
    let res = send(
        app,
        Request::post("/api/contracts/create")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("sec-fetch-site", "same-origin")
            .header("cookie", cookie)
            .body(Body::from(serde_json::json!({ "draft": draft }).to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["id"].as_i64().expect("id")
}

#[tokio::test]
async fn new_contract_form_needs_sign_in_and_renders_every_section_for_a_partner() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let out = get(&app, "/contracts/new").await;
    assert_eq!(out.status, 401);
    assert!(out.text().contains("请先登录") && out.text().contains("href=\"/signin\""));

    make_user(&db, "甲渠道", "partner.f", Role::Partner).await;
    let cookie = sign_in(&app, "partner.f").await;
    let page = get_with_cookie(&app, "/contracts/new", &cookie).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    for part in ["基本信息", "备注", "附件信息", "产品管理", "选择审批流程", "保存草稿", "保存并提交审批", "甲渠道"]
    {
        assert!(html.contains(part), "{part}: {html}");
    }
    for name in ["end_customer", "corp_id", "corp_name", "crm_type", "lease_url", "payment_method", "order_type"] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}: {html}");
    }
    assert!(html.contains("name=\"lines[0].quantity\""), "one empty line to start: {html}");
    assert!(html.contains("灵当CRM"), "the installed-app list: {html}");
    // Where to find the corp ID and the userids, in place and folded (no JavaScript needed), in
    // both languages (issue #14, point 8: the seed's own help).
    for (needle, what) in [
        ("<summary>企业微信 ID 怎么找？</summary>", "the corp ID's help"),
        ("“我的企业”，在页面底部复制“企业ID”", "where the corp ID is"),
        ("<summary>UserID 怎么找？</summary>", "the userids' help"),
        ("复制“企业微信通讯录账号”", "where the userids are"),
    ] {
        assert!(html.contains(needle), "{what}: {html}");
    }
    let en = get_with_cookie(&app, "/contracts/new", &format!("{cookie}; lang=en")).await.text();
    assert!(en.contains("<summary>Where do I find the WeCom corp ID?</summary>"), "{en}");
    assert!(en.contains("<summary>Where do I find the userids?</summary>"), "{en}");
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_saved_quote_prefills_the_lines_of_a_new_contract() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let saved = send(
        &app,
        Request::post("/api/quotes/save")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(Body::from("basic=3&interop=8&months=12&order_type=new&invoice=false"))
            .unwrap(),
    )
    .await;
    let location = saved.headers.get("location").expect("redirect").to_str().unwrap().to_owned();
    let token = location.trim_start_matches("/q/").to_owned();

    make_user(&db, "甲渠道", "partner.q", Role::Partner).await;
    let cookie = sign_in(&app, "partner.q").await;
    let quote_page = get_with_cookie(&app, &location, &cookie).await.text();
    assert!(quote_page.contains(&format!("href=\"/contracts/new?quote={token}\"")), "{quote_page}");
    let anonymous = get(&app, &location).await.text();
    assert!(!anonymous.contains("/contracts/new?quote="), "only for a signed-in partner: {anonymous}");

    let html = get_with_cookie(&app, &format!("/contracts/new?quote={token}"), &cookie).await.text();
    assert!(html.contains("data-testid=\"from-quote\""), "{html}");
    assert!(html.contains("name=\"lines[1].quantity\""), "two lines: {html}");
    assert!(html.contains("value=\"8\""), "the interop quantity: {html}");
    assert!(html.contains("¥370.00"), "priced on the server render too: {html}");
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_contract_page_shows_the_draft_to_its_organisation_only() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    make_user(&db, "甲渠道", "partner.c", Role::Partner).await;
    make_user(&db, "乙渠道", "partner.other", Role::Partner).await;
    let cookie = sign_in(&app, "partner.c").await;
    let id =
        create_draft(&app, &cookie, serde_json::json!({"end_customer": "雪碧算术", "corp_id": "ww69c04360d53da8b7"}))
            .await;
    let page = get_with_cookie(&app, &format!("/contracts/{id}"), &cookie).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("value=\"雪碧算术\"") && html.contains("value=\"ww69c04360d53da8b7\""), "{html}");
    assert!(html.contains("data-testid=\"save\""), "{html}");

    let list = get_with_cookie(&app, "/contracts", &cookie).await.text();
    assert!(list.contains(&format!("href=\"/contracts/{id}\"")), "{list}");

    let other = sign_in(&app, "partner.other").await;
    let refused = get_with_cookie(&app, &format!("/contracts/{id}"), &other).await.text();
    assert!(!refused.contains("雪碧算术"), "{refused}");
    t.cleanup(db).await;
}

#[tokio::test]
async fn the_userid_sheet_template_downloads_as_xlsx_and_the_form_links_to_it() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let res = get(&app, "/templates/userid-sheet.xlsx").await;
    assert_eq!(res.status, 200);
    let ct = res.headers.get("content-type").unwrap().to_str().unwrap().to_owned();
    assert!(ct.contains("spreadsheetml"), "{ct}");
    assert!(res.body.starts_with(b"PK"), "an .xlsx is a zip");
    make_user(&db, "甲渠道", "partner.t", Role::Partner).await;
    let cookie = sign_in(&app, "partner.t").await;
    let html = get_with_cookie(&app, "/contracts/new", &cookie).await.text();
    assert!(html.contains("href=\"/templates/userid-sheet.xlsx\""), "{html}");
    t.cleanup(db).await;
}
