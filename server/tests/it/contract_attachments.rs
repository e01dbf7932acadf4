//! A contract's voucher and userid sheet through the real server functions and upload route, on
//! SQLite (default) and PostgreSQL (`TEST_DATABASE_URL`): a draft names only its own uploads of
//! the right kind, an upload becomes the contract's reference (and a stale save cannot drop it),
//! and submission checks the stored userid sheet against the form (PRODUCT.md §3 rules 2 and 5).

use crate::contract_world;
use crate::support;

use app::db::entities::contract;
use app::domain::AccountKind;
use contract_world::{CORP, World};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use support::uploads::{PDF, PNG, userid_xlsx_of};

fn id(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

fn version(v: &Value) -> i64 {
    v["version"].as_i64().expect("version")
}

/// `(field, code)` of every problem in a 422 answer.
fn problems(res: &support::TestResponse) -> Vec<(String, String)> {
    assert_eq!(res.status.as_u16(), 422, "{}", res.text());
    res.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["field"].as_str().unwrap().to_owned(), p["code"].as_str().unwrap().to_owned()))
        .collect()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

async fn stored(w: &World, id: i64) -> contract::Model {
    contract::Entity::find_by_id(id).one(&w.db).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_draft_names_only_its_own_uploads_of_the_right_kind() {
    let w = World::new().await;
    let (a, d) = w.ready(w.valid_draft()).await;
    let voucher = d.payment_voucher.unwrap();
    let (sheet, _) =
        w.upload("alice", id(&a), "userid_sheet", "u.xlsx", &userid_xlsx_of(CORP, &["u1"], AccountKind::Interop)).await;
    let b = w.create("alice", &w.valid_draft()).await;
    let (foreign, _) = w.upload("alice", id(&b), "voucher", "b.pdf", PDF).await;
    let a = w.get("alice", id(&a)).await;
    let before = stored(&w, id(&a)).await;
    assert_eq!((before.payment_voucher_id, before.userid_sheet_id), (Some(voucher), Some(sheet)));

    let save = |draft: app::domain::contract::ContractDraft| {
        let w = &w;
        let body = json!({"id": id(&a), "version": version(&a), "draft": draft});
        async move { w.call(Some("alice"), "contracts/save", body).await }
    };
    // Another contract's voucher, a voucher that does not exist, and the files swapped.
    let mut x = d.clone();
    x.payment_voucher = Some(foreign);
    x.userid_sheet = Some(999_999);
    assert_eq!(
        problems(&save(x).await),
        [pair("payment_voucher", "attachment_not_of_contract"), pair("userid_sheet", "attachment_not_of_contract")]
    );
    let mut x = d.clone();
    x.payment_voucher = Some(sheet);
    x.userid_sheet = Some(voucher);
    let res = save(x).await;
    assert_eq!(
        problems(&res),
        [pair("payment_voucher", "attachment_wrong_kind"), pair("userid_sheet", "attachment_wrong_kind")]
    );
    let message = &res.json()["problems"][0];
    assert!(message["zh"].as_str().unwrap().contains("付款凭证"), "{message}");
    assert!(message["en"].as_str().unwrap().contains("payment voucher"), "{message}");
    // Submitting is checked the same way.
    let mut x = d.clone();
    x.payment_voucher = Some(foreign);
    let res =
        w.call(Some("alice"), "contracts/submit", json!({"id": id(&a), "version": version(&a), "draft": x})).await;
    assert!(problems(&res).contains(&pair("payment_voucher", "attachment_not_of_contract")));
    // A new contract has no uploads yet.
    let mut x = w.valid_draft();
    x.payment_voucher = Some(voucher);
    let res = w.call(Some("alice"), "contracts/create", json!({ "draft": x })).await;
    assert_eq!(problems(&res), [pair("payment_voucher", "attachment_not_of_contract")]);

    // Nothing already saved was lost.
    let after = stored(&w, id(&a)).await;
    assert_eq!(after, before, "refused saves and submissions changed nothing");

    // Only the latest userid sheet counts: its userids are the ones kept.
    let (newer, v) = w
        .upload("alice", id(&a), "userid_sheet", "u2.xlsx", &userid_xlsx_of(CORP, &["u2"], AccountKind::Interop))
        .await;
    let mut x = d.clone();
    x.userid_sheet = Some(sheet);
    let res = w.call(Some("alice"), "contracts/save", json!({"id": id(&a), "version": v.unwrap(), "draft": x})).await;
    assert_eq!(problems(&res), [pair("userid_sheet", "userid_sheet_superseded")]);
    x.userid_sheet = Some(newer);
    let saved = w.ok("alice", "contracts/save", json!({"id": id(&a), "version": v.unwrap(), "draft": x})).await;
    assert_eq!(saved["draft"]["userid_sheet"], newer);
    w.done().await;
}

#[tokio::test]
async fn an_upload_becomes_the_contracts_reference_and_a_stale_save_cannot_drop_it() {
    let w = World::new().await;
    let d = w.valid_draft();
    let c = w.create("alice", &d).await;
    assert_eq!(version(&c), 1);
    let (first, v) = w.upload("amy", id(&c), "voucher", "v1.png", PNG).await;
    assert_eq!(v, Some(2), "the upload bumps the version");
    let now = w.get("alice", id(&c)).await;
    assert_eq!((now["draft"]["payment_voucher"].as_i64(), version(&now)), (Some(first), 2));

    // alice's form was loaded before amy's upload: its save is refused, not a silent unlink.
    let res = w.call(Some("alice"), "contracts/save", json!({"id": id(&c), "version": 1, "draft": d})).await;
    assert_eq!(res.status.as_u16(), 409, "{}", res.text());
    assert_eq!(stored(&w, id(&c)).await.payment_voucher_id, Some(first));

    // The latest upload of a kind replaces the reference; the other kind is kept.
    let sheet_bytes = userid_xlsx_of(CORP, &["u1", "u2"], AccountKind::Interop);
    let (sheet, v) = w.upload("alice", id(&c), "userid_sheet", "u.xlsx", &sheet_bytes).await;
    assert_eq!(v, Some(3));
    let (second, v) = w.upload("alice", id(&c), "voucher", "v2.pdf", PDF).await;
    assert_eq!(v, Some(4));
    let row = stored(&w, id(&c)).await;
    assert_eq!((row.payment_voucher_id, row.userid_sheet_id, row.version), (Some(second), Some(sheet), 4));
    let now = w.get("alice", id(&c)).await;
    let uploads = now["timeline"].as_array().unwrap().iter().filter(|e| e["action"] == "attachment.upload").count();
    assert_eq!(uploads, 3, "every upload is in the trail");
    w.done().await;
}

#[tokio::test]
async fn a_submitted_contract_keeps_its_files_a_late_voucher_is_kept_beside_it_and_a_sheet_is_refused() {
    let w = World::new().await;
    let s = w.submitted().await;
    let before = stored(&w, id(&s)).await;
    // A voucher for a contract in approval (the customer paid late) is stored, not swapped in.
    let (late, v) = w.upload("alice", id(&s), "voucher", "late.png", PNG).await;
    assert_eq!(v, None, "a contract in approval is not changed");
    assert_ne!(before.payment_voucher_id, Some(late));
    assert_eq!(stored(&w, id(&s)).await, before);
    // A userid sheet is what the submitted contract was checked against: not replaced now.
    let cookie = w.cookie(Some("alice")).unwrap();
    let sheet = userid_xlsx_of(CORP, &["u1"], AccountKind::Interop);
    let res = support::uploads::upload(&w.app, id(&s), "userid_sheet", "u.xlsx", &sheet, &cookie).await;
    assert_eq!(res.status.as_u16(), 409, "{}", res.text());
    assert!(res.text().contains("不能修改"), "{}", res.text());
    assert!(app::db::attachments::userids_of(&w.db, id(&s)).await.unwrap().is_empty());
    assert_eq!(stored(&w, id(&s)).await, before);
    w.done().await;
}

/// Eight interop accounts are bought in the valid draft.
fn userids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("user{i}")).collect()
}

#[tokio::test]
async fn submission_checks_the_stored_userid_sheet_against_the_form() {
    let w = World::new().await;
    let (c, mut d) = w.ready(w.valid_draft()).await;
    let three = userids(3);
    let three: Vec<&str> = three.iter().map(String::as_str).collect();
    let (sheet, v) =
        w.upload("alice", id(&c), "userid_sheet", "u.xlsx", &userid_xlsx_of(CORP, &three, AccountKind::Interop)).await;
    d.userid_sheet = Some(sheet);
    let submit = |d: &app::domain::contract::ContractDraft, v: i64| {
        let w = &w;
        let body = json!({"id": id(&c), "version": v, "draft": d});
        async move { w.call(Some("alice"), "contracts/submit", body).await }
    };

    // Rule 2: 3 userids for 8 accounts, whatever the form claims, and the remark is silent on
    // auto-activation.
    let res = submit(&d, v.unwrap()).await;
    assert!(problems(&res).contains(&pair("remark", "remark_must_state_auto_activation")), "{}", res.text());
    // Rule 5: the sheet was uploaded for CORP; the form now names another corp.
    let mut other = d.clone();
    other.corp_id = "wxfedcba9876543210".into();
    other.remark = "首次购买，已开启自动激活".into();
    let res = submit(&other, v.unwrap()).await;
    assert_eq!(problems(&res), [pair("userid_sheet", "sheet_corp_id_mismatch")]);
    assert_eq!(stored(&w, id(&c)).await.status, "draft", "nothing was submitted");

    // A sheet that matches the form and the purchase passes; its answer to 「User ID数量与实际购买
    // 接口数量是否一致」 wins over the form's.
    let eight = userids(8);
    let eight: Vec<&str> = eight.iter().map(String::as_str).collect();
    let (sheet, v) =
        w.upload("alice", id(&c), "userid_sheet", "u8.xlsx", &userid_xlsx_of(CORP, &eight, AccountKind::Interop)).await;
    d.userid_sheet = Some(sheet);
    d.userid_count_matches = Some(false);
    let res = submit(&d, v.unwrap()).await;
    assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    let s = res.json();
    assert_eq!(s["status"]["status"], "in_approval");
    assert_eq!(s["draft"]["userid_sheet"], sheet);
    assert_eq!(s["draft"]["userid_count_matches"], true, "computed from the stored sheet");
    w.done().await;
}

#[tokio::test]
async fn other_attachments_are_kept_beside_the_draft_and_removing_a_file_is_an_audited_edit() {
    let w = World::new().await;
    let (c, d) = w.ready(w.valid_draft()).await;
    let cid = id(&c);
    let voucher = d.payment_voucher.unwrap();
    // 其他附件: any number of PDFs / images, not named by the draft, each a new version.
    let (scan, v) = w.upload("alice", cid, "other", "合同扫描件.pdf", PDF).await;
    assert_eq!(v, Some(version(&c) + 1));
    let (photo, v) = w.upload("amy", cid, "other", "签字页.png", PNG).await;
    assert_eq!(v, Some(version(&c) + 2));
    let now = w.get("alice", cid).await;
    let kinds: Vec<(i64, &str)> = now["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_i64().unwrap(), a["kind"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&(scan, "other")) && kinds.contains(&(photo, "other")), "{kinds:?}");
    assert_eq!(now["draft"]["payment_voucher"].as_i64(), Some(voucher), "the voucher is untouched");

    // A spreadsheet or a program renamed .png is not an other attachment.
    let cookie = w.cookie(Some("alice")).unwrap();
    let sheet = userid_xlsx_of(CORP, &["u1"], AccountKind::Interop);
    let res = support::uploads::upload(&w.app, cid, "other", "u.xlsx", &sheet, &cookie).await;
    assert_eq!(res.status.as_u16(), 415, "{}", res.text());
    let res = support::uploads::upload(&w.app, cid, "other", "setup.png", b"MZ\x90\x00\x03\x00\x00\x00", &cookie).await;
    assert_eq!(res.status.as_u16(), 415, "{}", res.text());

    let remove = |version: i64, attachment: i64, user: &'static str| {
        let w = &w;
        async move {
            w.call(
                Some(user),
                "contracts/remove_attachment",
                json!({"id": cid, "version": version, "attachment": attachment}),
            )
            .await
        }
    };
    // A stale form cannot remove; another organisation cannot even see the file.
    let stale = remove(version(&c), scan, "alice").await;
    assert_eq!(stale.status.as_u16(), 409, "{}", stale.text());
    let v = version(&now);
    assert_eq!(remove(v, scan, "bob").await.status.as_u16(), 404);
    // An attachment of another contract is not found on this one.
    let other = w.create("alice", &w.valid_draft()).await;
    let (foreign, _) = w.upload("alice", id(&other), "other", "x.pdf", PDF).await;
    assert_eq!(remove(v, foreign, "alice").await.status.as_u16(), 404);

    // Removing another attachment deletes it; removing the voucher un-names it (kept on record).
    let after = remove(v, scan, "alice").await;
    assert_eq!(after.status.as_u16(), 200, "{}", after.text());
    let after = after.json();
    assert_eq!(version(&after), v + 1);
    assert!(app::db::attachments::find(&w.db, scan).await.unwrap().is_none());
    let after =
        w.ok("alice", "contracts/remove_attachment", json!({"id": cid, "version": v + 1, "attachment": voucher})).await;
    assert_eq!(after["draft"]["payment_voucher"], Value::Null);
    assert_eq!(stored(&w, cid).await.payment_voucher_id, None);
    assert!(app::db::attachments::find(&w.db, voucher).await.unwrap().is_some(), "the voucher stays on record");
    // Removing it again: it is no longer the contract's voucher.
    let again = remove(version(&after), voucher, "alice").await;
    assert_eq!(again.status.as_u16(), 409, "{}", again.text());

    // Both removals are in the trail, in words.
    let removed: Vec<&Value> =
        after["timeline"].as_array().unwrap().iter().filter(|e| e["action"] == "attachment.removed").collect();
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert_eq!(removed[0]["file"]["file_name"], "合同扫描件.pdf");
    assert_eq!(removed[0]["file"]["removed"], true);

    // A submitted contract's files are not removed.
    let s = w.submitted().await;
    let voucher = s["draft"]["payment_voucher"].as_i64().unwrap();
    let res = w
        .call(
            Some("alice"),
            "contracts/remove_attachment",
            json!({"id": s["id"], "version": s["version"], "attachment": voucher}),
        )
        .await;
    assert_eq!(res.status.as_u16(), 409, "{}", res.text());
    w.done().await;
}

#[tokio::test]
async fn removing_the_userid_sheet_forgets_its_userids() {
    let w = World::new().await;
    let c = w.create("alice", &w.valid_draft()).await;
    let sheet = userid_xlsx_of(CORP, &["u1", "u2"], AccountKind::Interop);
    let (sheet_id, v) = w.upload("alice", id(&c), "userid_sheet", "u.xlsx", &sheet).await;
    assert_eq!(app::db::attachments::userids_of(&w.db, id(&c)).await.unwrap().len(), 2);
    let after = w
        .ok(
            "alice",
            "contracts/remove_attachment",
            json!({"id": id(&c), "version": v.unwrap(), "attachment": sheet_id}),
        )
        .await;
    assert_eq!(after["draft"]["userid_sheet"], Value::Null);
    assert!(app::db::attachments::userids_of(&w.db, id(&c)).await.unwrap().is_empty());
    w.done().await;
}

#[tokio::test]
async fn the_form_is_told_the_servers_upload_limit() {
    let t = support::TestDb::new().await;
    let db = t.open().await;
    let mut config = t.config();
    config.max_upload_bytes = 12_345;
    let app = server::router_with_store(&config, db.clone(), t.store());
    support::make_user(&db, "灵当渠道", "alice", app::models::Role::Partner).await;
    let cookie = support::sign_in(&app, "alice").await;
    let res = contract_world::call_json(&app, "/api/contracts/form_options", &json!({}), Some(&cookie)).await;
    assert_eq!(res.json()["max_upload_bytes"].as_u64(), Some(12_345), "{}", res.text());
    t.cleanup(db).await;
}
