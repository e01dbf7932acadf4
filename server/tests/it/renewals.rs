//! Renewals (续期): the fulfilled contracts falling due by their API expiry date, seen by whom the
//! policy allows; the owner's reminders 30 and 7 days before it, each once however often the
//! check runs; and the renewal contract a click starts from one. SQLite and (with
//! `TEST_DATABASE_URL`) PostgreSQL.

use crate::contract_world::World;
use app::domain::calendar::china_date;
use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};

/// A contract of alice's, approved at the three levels and fulfilled with `expiry` as its API
/// expiry date.
async fn fulfilled(w: &World, expiry: NaiveDate) -> Value {
    let c = w.submitted().await;
    approve_and_fulfil(w, c, expiry).await
}

/// The same, with a userid sheet of its 8 interop userids.
async fn fulfilled_with_sheet(w: &World, expiry: NaiveDate) -> Value {
    let (c, mut d) = w.ready(w.valid_draft()).await;
    let id = c["id"].as_i64().unwrap();
    let users: Vec<String> = (1..=8).map(|n| format!("user{n}")).collect();
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    let sheet =
        crate::support::uploads::userid_xlsx_of(crate::contract_world::CORP, &users, app::domain::AccountKind::Interop);
    let (sheet_id, version) = w.upload("alice", id, "userid_sheet", "userids.xlsx", &sheet).await;
    d.userid_sheet = Some(sheet_id);
    let c = w.ok("alice", "contracts/submit", json!({ "id": id, "version": version, "draft": d })).await;
    approve_and_fulfil(w, c, expiry).await
}

async fn approve_and_fulfil(w: &World, c: Value, expiry: NaiveDate) -> Value {
    let mut v = c["version"].clone();
    for who in ["ap1", "ap2", "ap3"] {
        v = w.ok(who, "contracts/approve", json!({ "id": c["id"], "version": v, "comment": "" })).await["version"]
            .clone();
    }
    let activation = expiry.checked_sub_days(Days::new(300)).unwrap();
    w.ok(
        "root",
        "contracts/fulfil",
        json!({
            "id": c["id"], "version": v, "wecom_order_id": "WX-1",
            "activation_date": activation.to_string(), "api_expiry_date": expiry.to_string()
        }),
    )
    .await
}

fn listed(r: &Value) -> Vec<i64> {
    r["items"].as_array().unwrap().iter().map(|i| i["contract_id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn contracts_falling_due_are_listed_for_whom_the_policy_allows_within_the_window() {
    let w = World::new().await;
    let today = china_date(Utc::now());
    let soon = fulfilled(&w, today.checked_add_days(Days::new(20)).unwrap()).await;
    let later = fulfilled(&w, today.checked_add_days(Days::new(60)).unwrap()).await;
    let (soon_id, later_id) = (soon["id"].as_i64().unwrap(), later["id"].as_i64().unwrap());

    let r = w.ok("alice", "renewals/due", json!({})).await;
    assert_eq!((r["window"].as_u64(), listed(&r)), (Some(30), vec![soon_id]), "30 days by default");
    assert_eq!(r["items"][0]["days_left"], 20);
    assert_eq!(r["items"][0]["owner"]["display_name"], "alice");
    assert_eq!(r["may_renew"], true);
    assert_eq!(
        listed(&w.ok("alice", "renewals/due", json!({ "days": 90 })).await),
        [soon_id, later_id],
        "soonest first"
    );
    assert!(listed(&w.ok("alice", "renewals/due", json!({ "days": 7 })).await).is_empty());
    assert_eq!(w.ok("alice", "renewals/due", json!({ "days": 365 })).await["window"], 30, "only the offered windows");
    assert_eq!(listed(&w.ok("root", "renewals/due", json!({ "days": 90 })).await).len(), 2, "an admin sees all");
    assert_eq!(w.ok("root", "renewals/due", json!({})).await["may_renew"], false);
    assert!(listed(&w.ok("bob", "renewals/due", json!({ "days": 90 })).await).is_empty(), "another organisation's");
    assert!(listed(&w.ok("apx", "renewals/due", json!({ "days": 90 })).await).is_empty(), "an approver not on them");
    w.done().await;
}

#[tokio::test]
async fn the_owner_is_reminded_at_30_and_at_7_days_once_each() {
    let w = World::new().await;
    let now = Utc::now();
    let today = china_date(now);
    let expiry = today.checked_add_days(Days::new(25)).unwrap();
    let c = fulfilled(&w, expiry).await;
    let send = |at: chrono::DateTime<Utc>| app::services::renewals::send_reminders(&w.db, at);

    assert_eq!(send(now).await.unwrap(), 1, "25 days left: the 30-day reminder");
    assert_eq!(send(now).await.unwrap(), 0, "not twice");
    crate::desk::deliver(&w.db).await;
    let mine = w.ok("alice", "notifications/list", json!({})).await;
    let reminders: Vec<&Value> =
        mine["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "contract.renewal_due").collect();
    assert_eq!(reminders.len(), 1, "{mine}");
    assert_eq!(
        (reminders[0]["contract_id"].as_i64(), reminders[0]["text"].as_str()),
        (c["id"].as_i64(), Some(&*expiry.to_string()))
    );
    assert!(
        w.ok("root", "notifications/list", json!({})).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["kind"] != "contract.renewal_due"),
        "the owner's alone"
    );

    // Six days before: the 7-day reminder, once; after the expiry date, nothing more.
    let six_before = now + chrono::Duration::days(19);
    assert_eq!(send(six_before).await.unwrap(), 1);
    assert_eq!(send(six_before).await.unwrap(), 0);
    assert_eq!(send(now + chrono::Duration::days(40)).await.unwrap(), 0);
    w.done().await;
}

#[tokio::test]
async fn a_renewal_starts_from_the_day_after_the_service_ends_with_the_same_lines_and_userids() {
    let w = World::new().await;
    let expiry = china_date(Utc::now()).checked_add_days(Days::new(10)).unwrap();
    let c = fulfilled_with_sheet(&w, expiry).await;
    let start = w.ok("alice", "renewals/start", json!({ "source_id": c["id"] })).await;
    assert_eq!(start["source_number"], c["document_number"]);
    assert_eq!((start["source_id"].clone(), start["source_userids"].as_u64()), (c["id"].clone(), Some(8)));

    // Its userids as the filled-in template, read back by the shared reader; the renewal's own
    // upload of it becomes its sheet with the same 8 userids.
    let xlsx = |who: &'static str, id: Value| {
        let w = &w;
        async move {
            let req = axum::http::Request::get(format!("/contracts/{id}/userids.xlsx"))
                .header("cookie", w.cookie(Some(who)).unwrap())
                .body(axum::body::Body::empty())
                .unwrap();
            crate::support::send(&w.app, req).await
        }
    };
    let template = xlsx("alice", c["id"].clone()).await;
    assert_eq!(template.status.as_u16(), 200, "{}", template.text());
    let read = app::domain::sheet::check_userid_sheet(&template.body, &Default::default());
    assert_eq!((read.summary.userids, read.summary.interop, read.summary.errors), (8, 8, 0));
    assert_eq!(xlsx("bob", c["id"].clone()).await.status.as_u16(), 404, "another organisation's");
    let d = &start["draft"];
    assert_eq!(d["order_type"], "renewal");
    assert_eq!(
        (d["end_customer"].as_str(), d["corp_id"].as_str()),
        (c["draft"]["end_customer"].as_str(), c["draft"]["corp_id"].as_str())
    );
    assert_eq!(d["source_order"]["kind"], "contract");
    assert_eq!(d["source_order"]["contract_id"], c["id"]);
    let next_day = expiry.succ_opt().unwrap().to_string();
    assert_eq!(d["lines"][0]["service_start"], json!(next_day));
    assert_eq!(d["lines"][0]["quantity"], c["draft"]["lines"][0]["quantity"]);
    assert_eq!(d["payment_voucher"], Value::Null, "the partner adds a new voucher");

    // The renewal saves as a draft of alice's organisation.
    let mut draft: app::domain::contract::ContractDraft = serde_json::from_value(d.clone()).unwrap();
    draft.remark = "续期".into();
    let saved = w.create("alice", &draft).await;
    assert_eq!(saved["draft"]["order_type"], "renewal");
    assert_eq!(xlsx("alice", saved["id"].clone()).await.status.as_u16(), 404, "no sheet yet");
    let (_, v) = w.upload("alice", saved["id"].as_i64().unwrap(), "userid_sheet", "renewal.xlsx", &template.body).await;
    assert!(v.is_some(), "the copy became the renewal's userid sheet");
    let renewal = w.get("alice", saved["id"].as_i64().unwrap()).await;
    assert_eq!(renewal["sheet"]["interop_userids"], 8);

    // Another organisation cannot; a contract still in approval cannot be renewed.
    assert_eq!(w.call(Some("bob"), "renewals/start", json!({ "source_id": c["id"] })).await.status.as_u16(), 404);
    let pending = w.submitted().await;
    let r = w.call(Some("alice"), "renewals/start", json!({ "source_id": pending["id"] })).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text());
    assert_eq!(r.json()["problems"][0]["code"], "renewal_source_not_done");
    w.done().await;
}
