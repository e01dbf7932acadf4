//! The admin console (issue #16) through the real server functions and routes, on SQLite and (with
//! `TEST_DATABASE_URL`) PostgreSQL: users with temporary passwords, deactivation ending sessions,
//! the last-admin rule, flow changes that leave contracts in flight alone, price book versions
//! (today's changes prices at once, a future one waits for its date, past ones are read-only), and
//! the settings the payment page and saved quotes show.

use crate::contract_world::World;
use crate::support::{self, get, post_form};
use app::domain::PriceBook;
use app::domain::calendar::china_date;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn codes(res: &support::TestResponse) -> Vec<String> {
    res.json()["problems"]
        .as_array()
        .map_or_else(Vec::new, |ps| ps.iter().map(|p| p["code"].as_str().unwrap_or_default().to_owned()).collect())
}

async fn change_password(w: &World, cookie: &str, current: &str, new: &str) -> support::TestResponse {
    post_form(&w.app, "/api/auth/change_password", &[("current", current), ("new_password", new)], Some(cookie)).await
}

async fn sign_in_as(w: &World, username: &str, password: &str) -> support::TestResponse {
    post_form(&w.app, "/api/auth/sign_in", &[("username", username), ("password", password)], None).await
}

#[tokio::test]
async fn a_new_user_signs_in_with_the_temporary_password_and_must_choose_their_own() {
    let w = World::new().await;
    let org = w.ok("root", "admin/create_organisation", json!({"name": "新渠道伙伴"})).await;
    let again = w.call(Some("root"), "admin/create_organisation", json!({"name": "新渠道伙伴"})).await;
    assert_eq!(codes(&again), ["organisation_exists"], "{}", again.text());
    let created = w
        .ok(
            "root",
            "admin/create_user",
            json!({"input": {"username": "New.Partner", "display_name": "新伙伴", "role": "partner",
                "organisation_id": org["id"], "wecom_userid": "xinhuoban"}}),
        )
        .await;
    let temp = created["password"].as_str().unwrap().to_owned();
    assert_eq!(temp.len(), 14, "three groups of four: {temp}");
    assert_eq!(created["user"]["username"], "new.partner");
    assert_eq!(created["user"]["must_change_password"], true);

    let res = sign_in_as(&w, "new.partner", &temp).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["must_change_password"], true);
    let cookie = support::session_cookie(&res).unwrap();
    // Nothing but changing the password until then, through the gate and the functions alike.
    let list =
        crate::contract_world::call_json(&w.app, "/api/contracts/list", &json!({"filter": {}}), Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::FORBIDDEN, "{}", list.text());
    let short = change_password(&w, &cookie, &temp, "short").await;
    assert_eq!(codes(&short), ["password_too_short"]);
    let wrong = change_password(&w, &cookie, "not-the-temporary", "my-own-password-1").await;
    assert_eq!(codes(&wrong), ["current_password_wrong"]);
    let same = change_password(&w, &cookie, &temp, &temp).await;
    assert_eq!(codes(&same), ["password_unchanged"]);
    let ok = change_password(&w, &cookie, &temp, "my-own-password-1").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let list =
        crate::contract_world::call_json(&w.app, "/api/contracts/list", &json!({"filter": {}}), Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert_eq!(
        sign_in_as(&w, "new.partner", &temp).await.status,
        StatusCode::UNAUTHORIZED,
        "the temporary one is gone"
    );

    // A reset: a new temporary password, their sessions end, the old password stops working.
    let reset = w.ok("root", "admin/reset_password", json!({"id": created["user"]["id"]})).await;
    let list =
        crate::contract_world::call_json(&w.app, "/api/contracts/list", &json!({"filter": {}}), Some(&cookie)).await;
    assert_eq!(list.status, StatusCode::UNAUTHORIZED, "the reset ended the session");
    assert_eq!(sign_in_as(&w, "new.partner", "my-own-password-1").await.status, StatusCode::UNAUTHORIZED);
    let res = sign_in_as(&w, "new.partner", reset["password"].as_str().unwrap()).await;
    assert_eq!(res.json()["must_change_password"], true);

    // Every write is in the audit trail with before and after; never a password.
    let trail: Vec<(String, String)> = app::db::entities::audit_event::Entity::find()
        .all(&w.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.detail))
        .collect();
    let created_event = trail.iter().find(|(a, _)| a == "user.created").expect("user.created in the trail");
    let detail: Value = serde_json::from_str(&created_event.1).unwrap();
    assert_eq!(detail["after"]["username"], "new.partner");
    assert_eq!(detail["before"], Value::Null);
    for action in ["organisation.created", "user.password_changed", "user.password_reset"] {
        assert!(trail.iter().any(|(a, _)| a == action), "{action} in the trail");
    }
    assert!(!trail.iter().any(|(_, d)| d.contains(&temp)), "no temporary password in the trail");
    w.done().await;
}

use sea_orm::EntityTrait;

#[tokio::test]
async fn deactivating_a_user_ends_their_session_at_once_and_the_last_admin_stays() {
    let mut w = World::new().await;
    let alice_list = |w: &World| {
        let cookie = w.cookie(Some("alice")).unwrap();
        let app = w.app.clone();
        async move {
            crate::contract_world::call_json(&app, "/api/contracts/list", &json!({"filter": {}}), Some(&cookie)).await
        }
    };
    assert_eq!(alice_list(&w).await.status, StatusCode::OK);
    let off = w.ok("root", "admin/set_active", json!({"id": w.alice, "active": false, "replacement": null})).await;
    assert_eq!(off["active"], false);
    assert_eq!(alice_list(&w).await.status, StatusCode::UNAUTHORIZED, "her open session ended");
    assert_eq!(sign_in_as(&w, "alice", support::PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    w.ok("root", "admin/set_active", json!({"id": w.alice, "active": true, "replacement": null})).await;
    let cookie = support::sign_in(&w.app, "alice").await;
    w.set_cookie("alice", cookie);
    assert_eq!(alice_list(&w).await.status, StatusCode::OK);

    // root is the only admin: neither deactivated nor demoted, by anyone (themselves included).
    let off =
        w.call(Some("root"), "admin/set_active", json!({"id": w.admin, "active": false, "replacement": null})).await;
    assert_eq!(codes(&off), ["last_admin"], "{}", off.text());
    let demote = json!({"edit": {"id": w.admin, "display_name": "root", "role": "approver", "wecom_userid": ""}});
    let res = w.call(Some("root"), "admin/update_user", demote.clone()).await;
    assert_eq!(codes(&res), ["last_admin"], "{}", res.text());
    // With a second admin, the first may step down.
    let second = json!({"edit": {"id": w.outsider, "display_name": "apx", "role": "admin", "wecom_userid": ""}});
    w.ok("root", "admin/update_user", second).await;
    w.ok("root", "admin/update_user", demote).await;
    let res = w.call(Some("root"), "admin/users", json!({"search": ""})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "no longer an admin: the console is closed at once");
    let users = w.ok("apx", "admin/users", json!({"search": "ROO"})).await;
    assert_eq!(users["users"].as_array().unwrap().len(), 1, "search ignores case: {users}");
    assert_eq!(users["users"][0]["role"], "approver");
    w.done().await;
}

#[tokio::test]
async fn a_flow_change_applies_to_later_submissions_and_never_to_contracts_in_flight() {
    let w = World::new().await;
    let [ap1, ap2, ap3] = w.approvers;
    let in_flight = w.submitted().await;
    assert_eq!(in_flight["approvers"][1]["approver"]["id"], ap2);
    let before_name = in_flight["approvers"][1]["level_name"].clone();

    // Deactivating ap2, a level's default, needs someone to take over.
    let res = w.call(Some("root"), "admin/set_active", json!({"id": ap2, "active": false, "replacement": null})).await;
    assert_eq!(codes(&res), ["approver_is_default"], "{}", res.text());
    let at = w.ok("root", "admin/defaults_of", json!({"id": ap2})).await;
    assert_eq!(at.as_array().unwrap().len(), 1);

    // Level 2 gets another default and name; the flow keeps three levels.
    let levels = json!([
        {"name": "一级", "default_approver": ap1, "candidates": [ap1]},
        {"name": "财务复核", "default_approver": w.outsider, "candidates": [w.outsider]},
        {"name": "三级", "default_approver": ap3, "candidates": [ap3]},
    ]);
    let bad = w
        .call(
            Some("root"),
            "admin/save_flow",
            json!({"id": w.flow_id, "name": "默认三级审批", "levels": [{"name": "", "default_approver": w.alice, "candidates": []}]}),
        )
        .await;
    assert_eq!(codes(&bad), ["level_name_invalid", "level_approver_not_allowed"], "{}", bad.text());
    let flow =
        w.ok("root", "admin/save_flow", json!({"id": w.flow_id, "name": "默认三级审批", "levels": levels})).await;
    assert_eq!(flow["levels"][1]["default_approver"]["id"], w.outsider);

    // The contract in flight keeps its approver and its level's name.
    let id = in_flight["id"].clone();
    let now = w.ok("alice", "contracts/get", json!({"id": id})).await;
    assert_eq!(now["approvers"][1]["approver"]["id"], ap2);
    assert_eq!(now["approvers"][1]["level_name"], before_name);
    let after_l1 = w.ok("ap1", "contracts/approve", json!({"id": id, "version": now["version"], "comment": ""})).await;
    let res = w
        .call(Some("apx"), "contracts/approve", json!({"id": id, "version": after_l1["version"], "comment": ""}))
        .await;
    assert_ne!(res.status, StatusCode::OK, "the new default has no say on it");
    w.ok("ap2", "contracts/approve", json!({"id": id, "version": after_l1["version"], "comment": ""})).await;

    // A contract submitted now gets the new default and name.
    let later = w.submitted().await;
    assert_eq!(later["approvers"][1]["approver"]["id"], w.outsider);
    assert_eq!(later["approvers"][1]["level_name"], "财务复核");
    w.done().await;
}

fn book(version: &str, effective: chrono::NaiveDate, interop_yuan: i64) -> PriceBook {
    let mut b = PriceBook::default_2022();
    b.version = version.into();
    b.effective_from = effective;
    for t in &mut b.tiers {
        if t.interop.is_some() && t.from == 1 {
            t.interop = Some(app::domain::Money::from_fen(interop_yuan * 100));
        }
    }
    b
}

async fn quote_total(w: &World) -> (String, String) {
    let body = json!({"lines": [{"kind": "interop", "count": 8, "months": 12, "order_type": "new", "existing": 0}], "invoice": false});
    let res = crate::contract_world::call_json(&w.app, "/api/v1/quote", &body, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let j = res.json();
    (j["total"].as_str().unwrap().to_owned(), j["price_book"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn price_book_versions_take_effect_on_their_date_and_priced_contracts_keep_theirs() {
    let w = World::new().await;
    let today = china_date(chrono::Utc::now());
    let tomorrow = today.succ_opt().unwrap();
    let submitted = w.submitted().await;
    let old_total = submitted["total"].clone();
    // 8 interop accounts for 12 months: 5 × 50 + 3 × 40.
    assert_eq!(quote_total(&w).await, ("370.00".to_owned(), "2022-05-16".to_owned()));

    // A version dated tomorrow waits for its date: today's quotes are unchanged, and the book in
    // effect tomorrow (the same lookup the quotes make, by Beijing date) is the new one.
    let future = w.ok("root", "admin/save_price_book", json!({"id": null, "book": book("明日版", tomorrow, 60)})).await;
    assert_eq!((future["in_effect"].clone(), future["editable"].clone()), (json!(false), json!(true)));
    assert_eq!(quote_total(&w).await.1, "2022-05-16");
    assert_eq!(app::db::price_books::effective_on(&w.db, tomorrow).await.unwrap().version, "明日版");
    assert_eq!(app::db::price_books::effective_on(&w.db, today).await.unwrap().version, "2022-05-16");

    // Refused: a date in the past, a version label taken, tiers with a gap (the domain's rule, sent
    // straight to the server).
    let res = w
        .call(
            Some("root"),
            "admin/save_price_book",
            json!({"id": null, "book": book("旧", today.pred_opt().unwrap(), 60)}),
        )
        .await;
    assert_eq!(codes(&res), ["price_book_in_past"], "{}", res.text());
    let mut gap = book("缺口", tomorrow.succ_opt().unwrap(), 60);
    gap.tiers[1].from = 7;
    let res = w.call(Some("root"), "admin/save_price_book", json!({"id": null, "book": gap})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(codes(&res).contains(&"tiers_not_contiguous".to_owned()), "{}", res.text());

    // A version effective today changes the quote at once; the contract priced before keeps its
    // total, a contract submitted now takes the new one.
    let now = w.ok("root", "admin/save_price_book", json!({"id": null, "book": book("今日版", today, 55)})).await;
    assert_eq!((now["in_effect"].clone(), now["editable"].clone()), (json!(true), json!(false)));
    assert_eq!(quote_total(&w).await, ("395.00".to_owned(), "今日版".to_owned()));
    let kept = w.ok("alice", "contracts/get", json!({"id": submitted["id"]})).await;
    assert_eq!(kept["total"], old_total);
    assert_eq!(kept["price_book_version"], "2022-05-16");
    let fresh = w.submitted().await;
    assert_eq!(fresh["price_book_version"], "今日版");
    assert_ne!(fresh["total"], old_total);
    let old = post_form(&w.app, "/api/price_book/version", &[("version", "2022-05-16")], None).await;
    assert_eq!(old.json()["tiers"][0]["interop"], json!("50.00"), "{}", old.text());

    // In effect: read-only, and not deleted; the future one may go.
    let res = w
        .call(Some("root"), "admin/save_price_book", json!({"id": now["id"], "book": book("今日版", tomorrow, 1)}))
        .await;
    assert_eq!(codes(&res), ["price_book_read_only"], "{}", res.text());
    let res = w.call(Some("root"), "admin/delete_price_book", json!({"id": now["id"]})).await;
    assert_eq!(codes(&res), ["price_book_read_only"], "{}", res.text());
    w.ok("root", "admin/delete_price_book", json!({"id": future["id"]})).await;
    let page = w.ok("root", "admin/price_books", json!({})).await;
    let labels: Vec<&str> =
        page["versions"].as_array().unwrap().iter().map(|v| v["book"]["version"].as_str().unwrap()).collect();
    assert_eq!(labels, ["2022-05-16", "今日版"]);
    w.done().await;
}

#[tokio::test]
async fn settings_are_checked_and_what_the_admin_set_is_what_payers_see() {
    let w = World::new().await;
    let bad = w
        .call(
            Some("root"),
            "admin/save_settings",
            json!({"form": {"seller_name": "", "bank_account_name": "新户名", "bank_code": "12",
                "quote_valid_days": "0", "payment_link_days": "7", "robot_webhook": "ftp://x"}}),
        )
        .await;
    let got = codes(&bad);
    for c in [
        "seller_name_required",
        "bank_detail_missing",
        "bank_code_invalid",
        "setting_days_out_of_range",
        "robot_webhook_invalid",
    ] {
        assert!(got.contains(&c.to_owned()), "{c} in {got:?}");
    }
    let form = json!({"form": {"seller_name": "某某科技有限公司", "seller_contact": "021-12345678",
        "bank_account_name": "某某科技有限公司", "bank_account_number": "6222 0000 1111 2222",
        "bank_name": "招商银行上海分行", "bank_code": "308290003020", "installed_apps": "灵当CRM\n销售易",
        "quote_valid_days": "15", "payment_link_days": "3", "robot_webhook": "http://127.0.0.1:9/cgi-bin/webhook/send?key=secret"}});
    let page = w.ok("root", "admin/save_settings", form).await;
    assert_eq!(page["form"]["bank_code"], "308290003020");
    assert_eq!(page["robot_webhook_masked"], "http://127.0.0.1:9/cgi-bin/webhook/send?key=***");
    assert!(!page.to_string().contains("secret"), "the webhook's key never reaches a page");
    let opts = w.ok("alice", "contracts/form_options", json!({})).await;
    assert!(opts.to_string().contains("销售易"), "the installed-app list the form offers: {opts}");

    // The QR code: admins only, PNG or JPEG by its bytes.
    let png = support::uploads::PNG;
    let upload = |cookie: Option<String>, bytes: &'static [u8]| {
        let app = w.app.clone();
        async move {
            let boundary = "qrboundary";
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"qr.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .into_bytes();
            body.extend_from_slice(bytes);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            let mut req = axum::http::Request::post("/admin/wechat-qr")
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .header("sec-fetch-site", "same-origin")
                .header("accept", "application/json");
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            support::send(&app, req.body(axum::body::Body::from(body)).unwrap()).await
        }
    };
    assert_eq!(upload(w.cookie(Some("alice")), png).await.status, StatusCode::FORBIDDEN);
    assert_eq!(upload(None, png).await.status, StatusCode::FORBIDDEN);
    let res = upload(w.cookie(Some("root")), b"MZ\x90\x00 not an image at all").await;
    assert_eq!(codes(&res), ["qr_not_image"], "{}", res.text());
    let res = upload(w.cookie(Some("root")), png).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let page = w.ok("root", "admin/settings", json!({})).await;
    let qr = page["wechat_qr"].as_str().unwrap().to_owned();
    assert!(qr.starts_with("/settings/wechat-qr?v="), "{qr}");
    let image = get(&w.app, &qr).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.headers["content-type"], "image/png");
    assert_eq!(image.body, png);

    // The customer's payment page shows the admin's bank details and QR code; the link lasts the
    // admin's default of 3 days.
    let draft = w.create("alice", &w.valid_draft()).await;
    let link = w.ok("alice", "payment/create_link", json!({"contract_id": draft["id"]})).await;
    let expires: chrono::DateTime<chrono::Utc> = serde_json::from_value(link["expires_at"].clone()).unwrap();
    let hours = (expires - chrono::Utc::now()).num_hours();
    assert!((3 * 24 - 1..=3 * 24).contains(&hours), "the admin's default of 3 days, got {hours} h");
    let pay = get(&w.app, link["url"].as_str().unwrap()).await;
    let html = pay.text();
    for expected in ["6222 0000 1111 2222", "招商银行上海分行", "308290003020", qr.as_str()] {
        assert!(html.contains(expected), "payment page lacks {expected}");
    }

    // So does a saved quote (seller, bank, QR), and its validity is the admin's 15 days.
    let saved =
        post_form(&w.app, "/api/quotes/save", &[("interop", "8"), ("months", "12"), ("order_type", "new")], None).await;
    let token = saved.json()["Saved"]["token"].as_str().map(str::to_owned);
    let token = token.unwrap_or_else(|| panic!("a saved quote: {}", saved.text()));
    let stored = app::db::saved_quotes::find_by_token(&w.db, &token).await.unwrap().expect("stored");
    assert_eq!((stored.expires_at - stored.created_at).num_days(), 15);
    let html = get(&w.app, &format!("/q/{token}")).await.text();
    for expected in ["某某科技有限公司", "021-12345678", "6222 0000 1111 2222", "308290003020", qr.as_str()] {
        assert!(html.contains(expected), "saved quote lacks {expected}");
    }
    assert!(!html.contains("31001518000050010918"), "not the seed's fixed account any more");

    // The robot test reports what came back (nothing listens on port 9).
    let test = w.ok("root", "admin/test_robot", json!({})).await;
    assert_eq!(test["ok"], false);
    assert!(!test["detail"].as_str().unwrap().contains("secret"), "{test}");
    w.done().await;
}
