//! Private payment links (PRODUCT.md §7): created by the owner organisation's partner or an admin,
//! the page behind the link, voucher upload through it, expiry/revocation, and that a token opens
//! nothing else — on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

use crate::support;

use app::db::entities::{attachment, audit_event, contract, payment_link, setting};
use app::models::Role;
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use support::uploads::*;
use support::*;

struct World {
    app: axum::Router,
    db: DatabaseConnection,
    partner: String,
    partner_id: i64,
    contract: i64,
    other_contract: i64,
}

async fn world(t: &TestDb) -> World {
    world_with(t, &[]).await
}

/// The world with extra configuration keys.
async fn world_with(t: &TestDb, config: &[(&str, &str)]) -> World {
    let (app, db) = app_with(t, config).await;
    let owner = make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let other_owner = make_user(&db, "乙公司", "partner.b", Role::Partner).await;
    let contract = make_contract(&db, "甲公司", owner, "QYWXHT-7", 1_234_567).await;
    let other_contract = make_contract(&db, "乙公司", other_owner, "QYWXHT-8", 999_900).await;
    let partner = sign_in(&app, "partner.a").await;
    World { app, db, partner, partner_id: owner, contract, other_contract }
}

/// Calls a server function with JSON arguments as our own page would.
async fn call_fn(w: &World, cookie: Option<&str>, path: &str, body: serde_json::Value) -> TestResponse {
    let mut req = axum::http::Request::post(format!("/api/{path}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    send(&w.app, req.body(axum::body::Body::from(body.to_string())).unwrap()).await
}

/// Calls `payment/create_link`.
async fn create_link_as(w: &World, cookie: Option<&str>, contract: i64, days: Option<u32>) -> TestResponse {
    call_fn(w, cookie, "payment/create_link", serde_json::json!({"contract_id": contract, "days": days})).await
}

async fn create_link(w: &World, cookie: &str, contract: i64, days: Option<u32>) -> TestResponse {
    create_link_as(w, Some(cookie), contract, days).await
}

/// Calls `payment/revoke_link`.
async fn revoke_link_as(w: &World, cookie: Option<&str>, link_id: i64) -> TestResponse {
    call_fn(w, cookie, "payment/revoke_link", serde_json::json!({ "link_id": link_id })).await
}

/// The cookies of partner.b (another organisation), an approver and an admin.
async fn others(w: &World) -> (String, String, String) {
    make_user(&w.db, "厂商", "approver", Role::Approver).await;
    make_user(&w.db, "厂商", "admin", Role::Admin).await;
    (sign_in(&w.app, "partner.b").await, sign_in(&w.app, "approver").await, sign_in(&w.app, "admin").await)
}

async fn link_url(w: &World) -> String {
    let res = create_link(w, &w.partner, w.contract, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()["url"].as_str().unwrap().to_owned()
}

async fn upload_via(w: &World, url: &str, name: &str, file: &[u8], same_origin: bool) -> TestResponse {
    post_multipart(&w.app, &format!("{url}/voucher"), &[Part::File("file", name, file)], Sent { same_origin, ..OURS })
        .await
}

async fn set_setting(db: &DatabaseConnection, key: &str, value: &str) {
    setting::ActiveModel { key: Set(key.into()), value: Set(value.into()), updated_at: Set(chrono::Utc::now()) }
        .insert(db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_valid_link_shows_amount_and_instructions_and_takes_a_voucher_without_an_account() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    use app::db::attachments::payment_settings as keys;
    set_setting(&w.db, keys::BANK_ACCOUNT_NAME, "某某科技有限公司").await;
    set_setting(&w.db, keys::BANK_ACCOUNT_NUMBER, "6222 0000 1111").await;
    set_setting(&w.db, keys::WECHAT_QR, "javascript:alert(1)").await;

    let res = create_link(&w, &w.partner, w.contract, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let url = res.json()["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/pay/") && url.len() == "/pay/".len() + 64, "{url}");
    let expires: chrono::DateTime<chrono::Utc> = serde_json::from_value(res.json()["expires_at"].clone()).unwrap();
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!((7 * 24 - 1..=7 * 24).contains(&days), "default 7 days, got {days} h");
    // Only the token's hash is stored.
    let token = url.trim_start_matches("/pay/");
    assert_eq!(
        payment_link::Entity::find().filter(payment_link::Column::TokenHash.eq(token)).one(&w.db).await.unwrap(),
        None
    );

    let page = get(&w.app, &url).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    for expected in [
        "QYWXHT-7",
        "¥12,345.67",
        "微信扫码",
        "不提供发票",
        "购买企业甲",
        "某某科技有限公司",
        "6222 0000 1111",
        "（未设置）",
        "上传付款凭证",
    ] {
        assert!(html.contains(expected), "page lacks {expected}");
    }
    assert!(!html.contains("javascript:alert"), "an unsafe QR URL is not rendered");
    assert!(html.contains("尚未设置微信收款码"), "empty state for the QR code");
    assert!(!html.contains("QYWXHT-8"), "nothing of another contract");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");

    let res = upload_via(&w, &url, "转账回单.pdf", PDF, true).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert!(res.text().contains("已收到付款凭证"));
    let rows = attachment::Entity::find().all(&w.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].contract_id, rows[0].kind.as_str(), rows[0].uploaded_by), (w.contract, "voucher", None));
    assert!(rows[0].via_payment_link.is_some());
    // The customer's voucher is the draft contract's voucher now, and a form loaded before the
    // upload (version 1) can no longer save over it.
    let c = contract::Entity::find_by_id(w.contract).one(&w.db).await.unwrap().unwrap();
    assert_eq!((c.payment_voucher_id, c.version), (Some(rows[0].id), 2));
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn a_link_takes_only_a_voucher_and_refuses_bad_files_with_a_page() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let url = link_url(&w).await;
    let sheet = userid_xlsx(CORP, &["zhangsan"]);
    let res = upload_via(&w, &url, "userids.xlsx", &sheet, true).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", res.text());
    assert!(res.text().contains("付款凭证只接受"), "{}", res.text());
    let res = upload_via(&w, &url, "凭证.png", PDF, true).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = upload_via(&w, &url, "凭证.png", b"", true).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(attachment::Entity::find().all(&w.db).await.unwrap().len(), 0);
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn expired_and_revoked_links_answer_410_and_unknown_ones_404() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let url = link_url(&w).await;
    let link = payment_link::Entity::find().one(&w.db).await.unwrap().unwrap();
    let mut expired: payment_link::ActiveModel = link.clone().into();
    expired.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
    expired.update(&w.db).await.unwrap();
    let expired_page = get(&w.app, &url).await;
    assert_eq!(expired_page.status, StatusCode::GONE);
    assert!(expired_page.text().contains("已过期"));
    let res = upload_via(&w, &url, "v.png", PNG, true).await;
    assert_eq!(res.status, StatusCode::GONE, "no upload through an expired link");

    let res = create_link(&w, &w.partner, w.contract, None).await;
    let (url2, id2) = (res.json()["url"].as_str().unwrap().to_owned(), res.json()["id"].as_i64().unwrap());
    assert_eq!(revoke_link_as(&w, Some(&w.partner), id2).await.status, StatusCode::OK);
    let page = get(&w.app, &url2).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert_eq!(page.text(), expired_page.text(), "a revoked link answers like an expired one");
    let res = upload_via(&w, &url2, "v.png", PNG, true).await;
    assert_eq!(res.status, StatusCode::GONE, "no upload through a revoked link");

    for unknown in [format!("/pay/{}", "0".repeat(64)), "/pay/not-a-token".to_owned(), "/pay/..%2F..%2Fetc".to_owned()]
    {
        let page = get(&w.app, &unknown).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{unknown}");
        assert!(page.text().contains("付款链接无效"), "{unknown}");
    }
    assert_eq!(attachment::Entity::find().all(&w.db).await.unwrap().len(), 0);
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn only_the_owner_organisation_or_an_admin_revokes_a_link_and_it_stops_working_at_once() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let (other, approver, admin) = others(&w).await;
    let res = create_link(&w, &w.partner, w.contract, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let (url, id) = (res.json()["url"].as_str().unwrap().to_owned(), res.json()["id"].as_i64().unwrap());

    assert_eq!(revoke_link_as(&w, None, id).await.status, StatusCode::UNAUTHORIZED);
    // A link on a contract the caller may not read answers like a missing link.
    assert_eq!(revoke_link_as(&w, Some(&other), id).await.status, StatusCode::NOT_FOUND);
    assert_eq!(revoke_link_as(&w, Some(&approver), id).await.status, StatusCode::NOT_FOUND);
    assert_eq!(revoke_link_as(&w, Some(&w.partner), 999_999).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&w.app, &url).await.status, StatusCode::OK, "refused revocations changed nothing");

    let res = revoke_link_as(&w, Some(&w.partner), id).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(get(&w.app, &url).await.status, StatusCode::GONE);
    assert_eq!(revoke_link_as(&w, Some(&admin), id).await.status, StatusCode::OK, "revoking twice is harmless");
    let link = payment_link::Entity::find_by_id(id).one(&w.db).await.unwrap().unwrap();
    assert!(link.revoked_at.is_some());
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("payment_link.revoked"))
        .all(&w.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "one revocation in the trail");
    assert_eq!(events[0].subject_id, Some(w.contract));
    let created = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("payment_link.created"))
        .filter(audit_event::Column::SubjectId.eq(w.contract))
        .all(&w.db)
        .await
        .unwrap();
    assert_eq!(created.len(), 1, "the link's creation is in the trail too");
    assert_eq!(created[0].actor_user_id, Some(w.partner_id), "by the partner who made it");

    // An admin revokes another organisation's link.
    let res = create_link(&w, &other, w.other_contract, None).await;
    let other_id = res.json()["id"].as_i64().unwrap();
    assert_eq!(revoke_link_as(&w, Some(&w.partner), other_id).await.status, StatusCode::NOT_FOUND);
    assert_eq!(revoke_link_as(&w, Some(&admin), other_id).await.status, StatusCode::OK);
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn a_token_opens_nothing_but_its_own_payment_page() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let url = link_url(&w).await;
    let res = upload_via(&w, &url, "v.png", PNG, true).await;
    assert_eq!(res.status, StatusCode::CREATED);
    let id = attachment::Entity::find().one(&w.db).await.unwrap().unwrap().id;
    let token = url.trim_start_matches("/pay/");
    // The token is no session: downloads, uploads and server functions stay closed.
    let as_cookie = format!("wld_session={token}");
    let res = send(
        &w.app,
        axum::http::Request::get(format!("/attachments/{id}"))
            .header("cookie", &as_cookie)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = upload(&w.app, w.other_contract, "voucher", "v.png", PNG, &as_cookie).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = post_form(
        &w.app,
        "/api/payment/create_link",
        &[("contract_id", &w.other_contract.to_string())],
        Some(&as_cookie),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    // Paths below the token do not lead elsewhere.
    for path in [format!("{url}/contract"), format!("{url}/../{}", w.other_contract), format!("{url}/voucher")] {
        let res = get(&w.app, &path).await;
        assert!(!res.text().contains("QYWXHT-8"), "{path}");
        assert_ne!(res.status, StatusCode::OK, "{path}");
    }
    // Vouchers through the link land on its own contract only.
    let rows = attachment::Entity::find().all(&w.db).await.unwrap();
    assert!(rows.iter().all(|r| r.contract_id == w.contract));
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn a_cross_site_voucher_post_is_refused() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let url = link_url(&w).await;
    let res = upload_via(&w, &url, "v.png", PNG, false).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text());
    assert_eq!(attachment::Entity::find().all(&w.db).await.unwrap().len(), 0);
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn only_the_owner_organisation_or_an_admin_creates_links_for_1_to_30_days() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let (other, approver, admin) = others(&w).await;

    assert_eq!(create_link(&w, &other, w.contract, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(create_link(&w, &approver, w.contract, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(create_link(&w, &w.partner, 999_999, None).await.status, StatusCode::NOT_FOUND);
    let res = create_link_as(&w, None, w.contract, None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    for bad in [0, 31] {
        let res = create_link(&w, &w.partner, w.contract, Some(bad)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", res.text());
        assert_eq!(res.json()["problems"][0]["field"], "days");
    }
    assert!(payment_link::Entity::find().all(&w.db).await.unwrap().is_empty());

    let res = create_link(&w, &admin, w.contract, Some(30)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["days"], 30);
    let res = create_link(&w, &w.partner, w.contract, Some(1)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let expires: chrono::DateTime<chrono::Utc> = serde_json::from_value(res.json()["expires_at"].clone()).unwrap();
    assert!((expires - chrono::Utc::now()).num_hours() < 24);
    t.cleanup(w.db).await;
}

/// Distinct PNG content of `len` bytes (each `n` a new blob).
fn png_of(len: usize, n: u8) -> Vec<u8> {
    let mut png = PNG.to_vec();
    png.push(n);
    png.resize(len.max(PNG.len() + 1), 0);
    png
}

async fn voucher_rows(db: &DatabaseConnection) -> usize {
    attachment::Entity::find().all(db).await.unwrap().len()
}

/// The temporary upload files left in `DATA_DIR/uploads` (none once an upload is answered).
fn temp_uploads(t: &TestDb) -> Vec<std::path::PathBuf> {
    files_under(&t.data_dir.join("uploads"))
}

#[tokio::test]
async fn a_link_takes_at_most_its_number_of_vouchers_and_stores_nothing_past_it() {
    let t = TestDb::new().await;
    let w = world_with(&t, &[("PAYMENT_LINK_MAX_VOUCHERS", "3")]).await;
    let url = link_url(&w).await;
    for n in 0..3 {
        let res = upload_via(&w, &url, "v.png", &png_of(100, n), true).await;
        assert_eq!(res.status, StatusCode::CREATED, "voucher {n}: {}", res.text());
    }
    for n in 3..5 {
        let res = upload_via(&w, &url, "v.png", &png_of(100, n), true).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "voucher {n}: {}", res.text());
        let html = res.text();
        assert!(html.contains("已收到 3 份付款凭证") && html.contains("has taken 3 vouchers"), "{html}");
        assert_eq!(res.headers["cache-control"], "no-store");
    }
    assert_eq!(voucher_rows(&w.db).await, 3);
    assert_eq!(files_under(&t.data_dir.join("blobs")).len(), 3, "nothing stored past the cap");
    assert!(temp_uploads(&t).is_empty(), "{:?}", temp_uploads(&t));
    // The cap is per link: a new link takes vouchers again.
    let other = link_url(&w).await;
    let res = upload_via(&w, &other, "v.png", &png_of(100, 9), true).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn a_link_takes_at_most_its_bytes_of_vouchers_in_all_and_stores_nothing_past_them() {
    let t = TestDb::new().await;
    let w = world_with(&t, &[("PAYMENT_LINK_MAX_BYTES", "10000"), ("MAX_UPLOAD_BYTES", "8000")]).await;
    let url = link_url(&w).await;
    let res = upload_via(&w, &url, "v.png", &png_of(6000, 1), true).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    // 6000 + 6000 > 10000: refused whether or not the size is declared up front.
    for content_length in [true, false] {
        let res = post_multipart(
            &w.app,
            &format!("{url}/voucher"),
            &[Part::File("file", "v.png", &png_of(6000, 2))],
            Sent { content_length, ..OURS },
        )
        .await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "content_length={content_length}: {}", res.text());
        let html = res.text();
        assert!(html.contains("最多接收共"), "{html}");
        assert!(html.contains("payment link takes at most"), "{html}");
    }
    // Over the per-file limit is still the per-file message.
    let res = upload_via(&w, &url, "v.png", &png_of(9000, 3), true).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(voucher_rows(&w.db).await, 1);
    assert_eq!(files_under(&t.data_dir.join("blobs")).len(), 1, "nothing stored past the cap");
    // What is left still fits, exactly; then nothing does.
    let res = upload_via(&w, &url, "v.png", &png_of(4000, 4), true).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let res = upload_via(&w, &url, "v.png", &png_of(100, 5), true).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.text());
    assert_eq!(voucher_rows(&w.db).await, 2);
    assert_eq!(files_under(&t.data_dir.join("blobs")).len(), 2);
    assert!(temp_uploads(&t).is_empty(), "{:?}", temp_uploads(&t));
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn refused_uploads_leave_no_temporary_file() {
    let t = TestDb::new().await;
    let w = world_with(&t, &[("MAX_UPLOAD_BYTES", "4096")]).await;
    let url = link_url(&w).await;
    for (name, bytes) in [("v.png", png_of(5000, 1)), ("v.png", PDF.to_vec()), ("v.exe", EXE.to_vec())] {
        for content_length in [true, false] {
            let res = post_multipart(
                &w.app,
                &format!("{url}/voucher"),
                &[Part::File("file", name, &bytes)],
                Sent { content_length, ..OURS },
            )
            .await;
            assert!(res.status.is_client_error(), "{name}: {}", res.status);
        }
    }
    assert_eq!(voucher_rows(&w.db).await, 0);
    assert!(files_under(&t.data_dir.join("blobs")).is_empty());
    assert!(t.data_dir.join("uploads").is_dir(), "uploads are received into DATA_DIR/uploads");
    assert!(temp_uploads(&t).is_empty(), "{:?}", temp_uploads(&t));
    t.cleanup(w.db).await;
}

/// Moves a contract straight to `status` in the database.
async fn set_status(db: &DatabaseConnection, id: i64, status: &str, level: Option<i32>) {
    let c = contract::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
    let mut am: contract::ActiveModel = c.into();
    am.status = Set(status.to_owned());
    am.status_level = Set(level);
    am.update(db).await.unwrap();
}

#[tokio::test]
async fn a_cancelled_contracts_links_answer_410_take_no_voucher_and_are_revoked() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let url = link_url(&w).await;
    let second = link_url(&w).await;
    let res = call_fn(
        &w,
        Some(&w.partner),
        "contracts/cancel",
        serde_json::json!({"id": w.contract, "version": 1, "comment": "客户取消订单"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    for u in [&url, &second] {
        let page = get(&w.app, u).await;
        assert_eq!(page.status, StatusCode::GONE, "{}", page.text());
        assert!(page.text().contains("付款链接已失效"));
        let res = upload_via(&w, u, "v.png", PNG, true).await;
        assert_eq!(res.status, StatusCode::GONE, "{}", res.text());
    }
    assert_eq!(voucher_rows(&w.db).await, 0);
    assert!(files_under(&t.data_dir.join("blobs")).is_empty());
    let links = payment_link::Entity::find().all(&w.db).await.unwrap();
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|l| l.revoked_at.is_some()), "revoked in the data too: {links:?}");
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("payment_link.revoked"))
        .filter(audit_event::Column::SubjectId.eq(w.contract))
        .all(&w.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "one event for the links the cancellation closed");
    assert_eq!(events[0].actor_user_id, Some(w.partner_id));
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn links_close_once_the_contract_no_longer_awaits_payment_and_none_are_made_for_it() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let (_, _, admin) = others(&w).await;
    let url = link_url(&w).await;
    // In approval and after coming back, the customer may still pay.
    for (status, level) in [("in_approval", Some(2)), ("rejected", None), ("withdrawn", None)] {
        set_status(&w.db, w.contract, status, level).await;
        assert_eq!(get(&w.app, &url).await.status, StatusCode::OK, "{status}");
    }
    for status in ["approved", "fulfilled", "cancelled"] {
        set_status(&w.db, w.contract, status, None).await;
        let page = get(&w.app, &url).await;
        assert_eq!(page.status, StatusCode::GONE, "{status}");
        assert!(page.text().contains("付款链接已失效"), "{status}");
        let res = upload_via(&w, &url, "v.png", PNG, true).await;
        assert_eq!(res.status, StatusCode::GONE, "{status}: {}", res.text());
        for who in [&w.partner, &admin] {
            let res = create_link(&w, who, w.contract, None).await;
            assert_eq!(res.status, StatusCode::CONFLICT, "{status}: {}", res.text());
            assert!(res.json()["zh"].as_str().unwrap().contains("不再接收付款"), "{}", res.text());
            assert!(res.json()["en"].as_str().unwrap().contains("no payment link"), "{}", res.text());
        }
    }
    assert_eq!(voucher_rows(&w.db).await, 0);
    assert_eq!(payment_link::Entity::find().all(&w.db).await.unwrap().len(), 1, "no link made");
    t.cleanup(w.db).await;
}

/// Calls `payment/links`.
async fn links_as(w: &World, cookie: Option<&str>, contract: i64) -> TestResponse {
    call_fn(w, cookie, "payment/links", serde_json::json!({ "contract_id": contract })).await
}

/// The admin's payment instructions, every one set.
async fn set_payment_settings(db: &DatabaseConnection) {
    use app::db::attachments::payment_settings as keys;
    for (key, value) in [
        (keys::WECHAT_QR, QR),
        (keys::WECHAT_NOTE, "仅限本合同付款"),
        (keys::BANK_ACCOUNT_NAME, "某某科技有限公司"),
        (keys::BANK_ACCOUNT_NUMBER, "31001518000050010918"),
        (keys::BANK_NAME, "中国建设银行上海黄浦支行"),
        (keys::BANK_CODE, "105290070006"),
    ] {
        set_setting(db, key, value).await;
    }
}

const QR: &str = "data:image/png;base64,iVBORw0KGgo=";

#[tokio::test]
async fn the_contract_page_lists_its_links_with_their_uploads_and_the_ways_to_pay_to_whom_may_read_it() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let (other, approver, admin) = others(&w).await;
    set_payment_settings(&w.db).await;
    let first = link_url(&w).await;
    let res = create_link(&w, &w.partner, w.contract, Some(3)).await;
    let (second, second_id) = (res.json()["url"].as_str().unwrap().to_owned(), res.json()["id"].as_i64().unwrap());
    assert_eq!(upload_via(&w, &first, "回单.pdf", PDF, true).await.status, StatusCode::CREATED);
    assert_eq!(revoke_link_as(&w, Some(&w.partner), second_id).await.status, StatusCode::OK);

    for who in [&w.partner, &admin] {
        let res = links_as(&w, Some(who), w.contract).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let text = res.text();
        for url in [&first, &second] {
            assert!(!text.contains(url.trim_start_matches("/pay/")), "never a token: {text}");
        }
        assert!(!text.contains("token"), "{text}");
        let body = res.json();
        let links = body["links"].as_array().unwrap();
        assert_eq!(links.len(), 2, "{text}");
        // Newest first: the revoked one, then the one that took the voucher.
        assert_eq!((links[0]["id"].as_i64(), links[0]["open"].as_bool()), (Some(second_id), Some(false)));
        assert!(links[0]["revoked_at"].is_string() && links[0]["expires_at"].is_string());
        assert_eq!((links[0]["uploads"].as_u64(), links[1]["uploads"].as_u64()), (Some(0), Some(1)));
        assert_eq!((links[1]["open"].as_bool(), links[1]["revoked_at"].is_null()), (Some(true), true));
        assert!(links[1]["created_at"].is_string());
        // The same ways to pay the customer's page shows.
        assert_eq!(body["ways"]["wechat_qr"], QR);
        assert_eq!(body["ways"]["bank"]["account_number"], "31001518000050010918");
        assert_eq!(body["ways"]["bank"]["bank_code"], "105290070006");
    }
    // Like the contract: another organisation, an approver it never reached, nobody.
    assert_eq!(links_as(&w, Some(&other), w.contract).await.status, StatusCode::NOT_FOUND);
    assert_eq!(links_as(&w, Some(&approver), w.contract).await.status, StatusCode::NOT_FOUND);
    assert_eq!(links_as(&w, Some(&w.partner), w.other_contract).await.status, StatusCode::NOT_FOUND);
    assert_eq!(links_as(&w, Some(&w.partner), 999_999).await.status, StatusCode::NOT_FOUND);
    assert_eq!(links_as(&w, None, w.contract).await.status, StatusCode::UNAUTHORIZED);

    // Nothing set: no ways, said as such by the page (`null`), and no links on the other contract.
    let res = links_as(&w, Some(&admin), w.other_contract).await;
    assert_eq!(res.json()["links"].as_array().map(Vec::len), Some(0));
    t.cleanup(w.db).await;
}

/// A GET as a browser without JavaScript sends it, with the `lang` cookie when given.
async fn page_in(w: &World, url: &str, lang: Option<&str>) -> TestResponse {
    let mut req = axum::http::Request::get(url).header("accept", "text/html");
    if let Some(l) = lang {
        req = req.header("cookie", format!("lang={l}"));
    }
    send(&w.app, req.body(axum::body::Body::empty()).unwrap()).await
}

/// What makes a page of the app without a script: the stylesheet, the header, nothing inline.
fn assert_app_page(html: &str, what: &str) {
    assert!(html.contains(r#"<link rel="stylesheet" href="/pkg/"#) && html.contains(r#".css">"#), "{what}: {html}");
    assert!(html.contains(r#"<link rel="stylesheet" href="/desk.css">"#), "{what}: the 付款 rules: {html}");
    assert!(html.contains(r#"<header class="site-header"><a class="brand" href="/">"#), "{what}: the app's header");
    for blocked in ["<style", " style=", "<script", "javascript:", "onclick", "onload"] {
        assert!(!html.contains(blocked), "{what}: {blocked} would be blocked by the CSP: {html}");
    }
}

#[tokio::test]
async fn the_payment_page_is_a_page_of_the_app_with_its_stylesheet_a_labelled_file_input_and_a_language_switch() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    set_payment_settings(&w.db).await;
    let url = link_url(&w).await;
    let link = payment_link::Entity::find().one(&w.db).await.unwrap().unwrap();
    let until = app::i18n::date_time(link.expires_at);

    let page = page_in(&w, &url, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = page.text();
    assert_app_page(&html, "payment page");
    assert!(html.contains(r#"<html lang="zh-CN">"#), "Chinese by default");
    // Every input has a visible label, the file input too.
    assert!(html.contains(r#"<label for="voucher-file">"#) && html.contains(r#"<input id="voucher-file" type="file""#));
    assert!(html.contains(&format!(
        r#"<form class="pay-upload" method="post" action="{url}/voucher" enctype="multipart/form-data">"#
    )));
    // The switch comes back to this page.
    assert!(html.contains(&format!(r#"href="/lang/en?back={url}""#)), "{html}");
    // The ways to pay as the admin set them, the QR where WeChat is offered, the note to write.
    let wechat = &html[html.find("pay-wechat").unwrap()..html.find("pay-bank").unwrap()];
    assert!(wechat.contains(&format!(r#"<img class="pay-qr" src="{QR}""#)), "{wechat}");
    assert!(
        wechat.contains("购买企业甲 企业微信接口许可")
            && wechat.contains("不提供发票")
            && wechat.contains("仅限本合同付款")
    );
    for value in ["某某科技有限公司", "31001518000050010918", "中国建设银行上海黄浦支行", "105290070006"]
    {
        assert!(html.contains(value), "{value}");
    }
    assert!(html.contains(&format!("{until}（北京时间）")), "the expiry in Beijing time: {html}");

    let en = page_in(&w, &url, Some("en")).await.text();
    assert_app_page(&en, "payment page in English");
    assert!(en.contains(r#"<html lang="en">"#));
    for expected in
        ["scan with WeChat", "bank transfer", "no invoice", "(Beijing time)", "Voucher file", "CNY 12,345.67"]
    {
        assert!(en.contains(expected), "{expected}: {en}");
    }
    assert!(en.contains(&format!(r#"href="/lang/zh-CN?back={url}""#)) && en.contains(">中文</a>"), "{en}");

    // The pages of a dead or unknown link and of a refused upload are the app's too.
    let refused = upload_via(&w, &url, "v.exe", EXE, true).await;
    assert!(refused.status.is_client_error());
    assert_app_page(&refused.text(), "refused upload");
    assert!(refused.text().contains(&format!(r#"href="{url}""#)), "the way back is a plain link");
    assert_app_page(&page_in(&w, &format!("/pay/{}", "0".repeat(64)), None).await.text(), "unknown link");
    t.cleanup(w.db).await;
}

#[tokio::test]
async fn a_voucher_sent_by_the_plain_form_answers_with_the_page_and_shows_on_the_partners_contract() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let url = link_url(&w).await;
    // Nothing set: each way says so plainly.
    let html = page_in(&w, &url, None).await.text();
    assert!(html.contains("管理员尚未设置微信收款码") && html.contains("管理员尚未设置对公账户信息"), "{html}");

    let res = post_multipart(
        &w.app,
        &format!("{url}/voucher"),
        &[Part::File("file", "receipt.png", PNG)],
        Sent { cookie: Some("lang=en"), ..OURS },
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let html = res.text();
    assert_app_page(&html, "after the upload");
    assert!(
        html.contains("Voucher “receipt.png” received") && html.contains(r#"<label for="voucher-file">"#),
        "{html}"
    );

    let res = call_fn(&w, Some(&w.partner), "contracts/get", serde_json::json!({ "id": w.contract })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let c = res.json();
    let files = c["attachments"].as_array().unwrap();
    assert!(files.iter().any(|a| a["file_name"] == "receipt.png" && a["kind"] == "voucher"), "{files:?}");
    assert_eq!(c["draft"]["payment_voucher"], files[0]["id"], "the customer's voucher is the contract's voucher");
    let links = links_as(&w, Some(&w.partner), w.contract).await.json();
    assert_eq!(links["links"][0]["uploads"], 1);
    t.cleanup(w.db).await;
}
