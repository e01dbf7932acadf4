//! The audit trail out of the app: a contract's timeline as .xlsx and .csv for whoever may read
//! the contract (in the page's words and language, Beijing time), and the admin's search of the
//! whole trail by user, contract and date. SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

use crate::contract_world::World;
use crate::support::{self, TestResponse};
use app::domain::sheet::{Cell, read_workbook};
use serde_json::{Value, json};

async fn fetch(w: &World, who: Option<&str>, uri: &str, extra_cookie: &str) -> TestResponse {
    let mut req = axum::http::Request::get(uri);
    let cookie = [w.cookie(who).unwrap_or_default(), extra_cookie.to_owned()].join("; ");
    req = req.header("cookie", cookie);
    support::send(&w.app, req.body(axum::body::Body::empty()).unwrap()).await
}

fn header(r: &TestResponse, h: &str) -> String {
    r.headers.get(h).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn a_contracts_timeline_exports_as_csv_and_xlsx_for_whoever_may_read_it() {
    let w = World::new().await;
    let c = w.submitted().await;
    let id = c["id"].as_i64().unwrap();
    w.ok("ap1", "contracts/reject", json!({ "id": id, "version": c["version"], "reason": "=金额不符, 请核对" })).await;
    let number = c["document_number"].as_str().unwrap().to_owned();

    let csv = fetch(&w, Some("alice"), &format!("/contracts/{id}/timeline.csv"), "").await;
    assert_eq!(csv.status.as_u16(), 200, "{}", csv.text());
    assert_eq!(header(&csv, "content-type"), "text/csv; charset=utf-8");
    assert!(header(&csv, "content-disposition").contains(&number), "{:?}", csv.headers);
    let text = csv.text();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "\u{feff}时间（北京时间）,操作人,操作,审批级别,意见 / 说明");
    assert_eq!(lines.len(), 1 + 4, "created, the voucher, submitted, rejected: {text}");
    assert!(lines[1].ends_with(",alice,创建,,"), "{}", lines[1]);
    assert!(lines[2].contains("alice,上传了付款凭证“付款凭证.png”"), "{}", lines[2]);
    assert!(
        lines[4].ends_with(",ap1,驳回,1,\"'=金额不符, 请核对\""),
        "a formula-like reason is made inert: {}",
        lines[4]
    );

    // In English with the page's language cookie; as .xlsx, read back with the shared reader.
    let en = fetch(&w, Some("root"), &format!("/contracts/{id}/timeline.csv"), "lang=en").await;
    assert!(en.text().starts_with("\u{feff}Time (Beijing),By,What,Approval level,Comment\r\n"), "{}", en.text());
    let xlsx = fetch(&w, Some("alice"), &format!("/contracts/{id}/timeline.xlsx"), "").await;
    assert_eq!(xlsx.status.as_u16(), 200);
    let book = read_workbook(&xlsx.body).expect("a workbook");
    let rows = &book.sheets[0].rows;
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4].cells[2], Cell::Text("驳回".into()));
    assert_eq!(rows[4].cells[4], Cell::Text("=金额不符, 请核对".into()), "a string cell, never a formula");

    // Whoever may not read the contract gets what a missing one gets.
    assert_eq!(fetch(&w, Some("bob"), &format!("/contracts/{id}/timeline.csv"), "").await.status.as_u16(), 404);
    assert_eq!(fetch(&w, Some("apx"), &format!("/contracts/{id}/timeline.xlsx"), "").await.status.as_u16(), 404);
    assert_eq!(fetch(&w, None, &format!("/contracts/{id}/timeline.csv"), "").await.status.as_u16(), 401);
    assert_eq!(fetch(&w, Some("alice"), "/contracts/999999/timeline.csv", "").await.status.as_u16(), 404);
    w.done().await;
}

fn actions(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["entry"]["action"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_admin_searches_the_audit_trail_by_user_contract_and_date_and_pages_through_it() {
    let w = World::new().await;
    let a = w.submitted().await;
    let b = w.submitted().await;
    w.ok("ap1", "contracts/approve", json!({ "id": a["id"], "version": a["version"], "comment": "ok" })).await;

    let search = |filter: Value| w.call(Some("root"), "audit/search", json!({ "filter": filter }));
    let by_contract = search(json!({ "contract": a["document_number"] })).await.json();
    assert_eq!(actions(&by_contract), ["approved", "submitted", "attachment.upload", "created"], "newest first");
    assert!(by_contract["items"].as_array().unwrap().iter().all(|i| i["contract_id"] == a["id"]));
    assert_eq!(by_contract["items"][0]["document_number"], a["document_number"]);
    assert_eq!(by_contract["items"][0]["entry"]["actor"]["display_name"], "ap1");

    let by_user = search(json!({ "user": "AP1" })).await.json();
    assert_eq!(actions(&by_user), ["approved"], "usernames ignore case");
    let by_id = search(json!({ "contract": b["id"].to_string(), "user": "alice" })).await.json();
    assert_eq!(actions(&by_id), ["submitted", "attachment.upload", "created"]);

    let today = app::domain::calendar::china_date(chrono::Utc::now());
    let today_only = search(json!({ "from": today.to_string(), "to": today.to_string() })).await.json();
    assert_eq!(today_only["items"].as_array().unwrap().len(), 7, "everything happened today: {today_only}");
    let yesterday = today.pred_opt().unwrap().to_string();
    assert!(search(json!({ "to": yesterday })).await.json()["items"].as_array().unwrap().is_empty());

    let bad = search(json!({ "from": "明天", "to": "2026-13-01" })).await;
    assert_eq!(bad.status.as_u16(), 422);
    assert_eq!(crate::contract_world::problem_fields(&bad.json()), ["from", "to"]);
    assert_eq!(search(json!({ "cursor": "nope" })).await.status.as_u16(), 422);

    // More than a page: 55 saves of a draft, read in two pages without a gap or a repeat.
    let (draft, d) = w.ready(w.valid_draft()).await;
    let mut v = draft["version"].clone();
    for _ in 0..55 {
        v = w.ok("alice", "contracts/save", json!({ "id": draft["id"], "version": v, "draft": d })).await["version"]
            .clone();
    }
    let first = search(json!({ "contract": draft["id"].to_string() })).await.json();
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let second = search(json!({ "contract": draft["id"].to_string(), "cursor": cursor })).await.json();
    assert_eq!(actions(&second), ["saved", "saved", "saved", "saved", "saved", "attachment.upload", "created"]);
    assert_eq!(second["next_cursor"], Value::Null);
    let ids: std::collections::HashSet<i64> = [&first, &second]
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()))
        .collect();
    assert_eq!(ids.len(), 57, "55 saves, the upload and the creation, none twice");

    // Only admins.
    for who in ["alice", "ap1"] {
        assert_eq!(w.call(Some(who), "audit/search", json!({ "filter": {} })).await.status.as_u16(), 403, "{who}");
    }
    w.done().await;
}
