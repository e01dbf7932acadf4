//! Contracts through the real server functions, on SQLite (default) and PostgreSQL
//! (`TEST_DATABASE_URL`): drafts, the list, server-side repricing, validation, document numbers
//! under concurrency, optimistic locking and the three-level approval.

use crate::contract_world;

use contract_world::{CORP, World, problem_fields};
use serde_json::{Value, json};
use std::collections::HashSet;

fn id(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

fn version(v: &Value) -> i64 {
    v["version"].as_i64().expect("version")
}

fn status(v: &Value) -> (String, Option<u64>) {
    (v["status"]["status"].as_str().unwrap_or("").to_owned(), v["status"]["level"].as_u64())
}

fn actions(v: &Value) -> Vec<String> {
    v["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_draft_is_created_saved_and_read_back_as_typed() {
    let w = World::new().await;
    let mut d = w.valid_draft();
    d.corp_id = " WW69C04360D53DA8B7 ".into();
    d.remark = "先存一半".into();
    let c = w.create("alice", &d).await;
    assert_eq!(status(&c), ("draft".into(), None));
    assert_eq!(version(&c), 1);
    assert_eq!(c["document_number"], Value::Null, "numbers are assigned on submission");
    assert_eq!(c["draft"]["corp_id"], CORP, "stored lower-case, trimmed");
    assert_eq!(c["draft"]["lines"][0]["quantity"], "8");
    assert_eq!(c["draft"]["lines"][0]["service_end"], "2027-12-31");
    // 8 interop accounts for a year: 5 × 50 + 3 × 40, priced by the server while drafting.
    assert_eq!(c["total"], "370.00");
    assert_eq!(c["line_prices"][0]["amount"], "370.00");

    d.end_customer = "雪碧算术（改）".into();
    d.lines[0].quantity = "".into();
    let saved = w.ok("alice", "contracts/save", json!({"id": id(&c), "version": 1, "draft": d})).await;
    assert_eq!(version(&saved), 2);
    assert_eq!(saved["draft"]["end_customer"], "雪碧算术（改）");
    assert_eq!(saved["draft"]["lines"][0]["quantity"], "", "a blank stays blank");
    assert_eq!(saved["total"], Value::Null, "an incomplete line has no price");
    assert_eq!(actions(&saved), ["created", "saved"]);
    assert_eq!(saved["timeline"][1]["actor"]["display_name"], "alice");
    // Another partner of the same organisation sees and edits it; another organisation does not.
    assert_eq!(w.get("amy", id(&c)).await["version"], 2);
    // Hidden from another organisation exactly as a missing one is.
    assert_eq!(w.call(Some("bob"), "contracts/get", json!({"id": id(&c)})).await.status.as_u16(), 404);
    assert_eq!(w.call(Some("alice"), "contracts/get", json!({"id": 999_999})).await.status.as_u16(), 404);
    w.done().await;
}

#[tokio::test]
async fn a_save_with_a_bad_field_is_refused_and_keeps_what_was_saved() {
    let w = World::new().await;
    let c = w.create("alice", &w.valid_draft()).await;
    let mut d = w.valid_draft();
    d.lines[0].service_start = "2027-13-45".into();
    d.end_customer = "新名字".into();
    let res = w.call(Some("alice"), "contracts/save", json!({"id": id(&c), "version": 1, "draft": d})).await;
    assert_eq!(res.status.as_u16(), 422, "{}", res.text());
    assert!(problem_fields(&res.json()).contains(&"lines[0].service_start".to_owned()), "{}", res.text());
    let now = w.get("alice", id(&c)).await;
    assert_eq!(version(&now), 1);
    assert_eq!(now["draft"]["end_customer"], "雪碧算术");
    w.done().await;
}

#[tokio::test]
async fn two_saves_from_the_same_version_have_exactly_one_winner() {
    let w = World::new().await;
    let c = w.create("alice", &w.valid_draft()).await;
    let (mut a, mut b) = (w.valid_draft(), w.valid_draft());
    a.end_customer = "alice 的版本".into();
    b.end_customer = "amy 的版本".into();
    let (ra, rb) = tokio::join!(
        w.call(Some("alice"), "contracts/save", json!({"id": id(&c), "version": 1, "draft": a})),
        w.call(Some("amy"), "contracts/save", json!({"id": id(&c), "version": 1, "draft": b})),
    );
    let mut codes = [ra.status.as_u16(), rb.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 409], "{} / {}", ra.text(), rb.text());
    let loser = if ra.status.as_u16() == 409 { &ra } else { &rb };
    assert!(loser.text().contains("已被他人修改"), "{}", loser.text());
    let now = w.get("alice", id(&c)).await;
    assert_eq!(version(&now), 2);
    let winner = if ra.status.as_u16() == 200 { "alice 的版本" } else { "amy 的版本" };
    assert_eq!(now["draft"]["end_customer"], winner, "the loser overwrote nothing");
    w.done().await;
}

#[tokio::test]
async fn the_server_reprices_and_ignores_amounts_sent_by_the_client() {
    let w = World::new().await;
    let (c, d) = w.ready(w.valid_draft()).await;
    let mut body = json!({"id": id(&c), "version": version(&c), "draft": d});
    // A tampered client adds its own prices; they are not part of the draft and must not count.
    body["draft"]["lines"][0]["amount"] = json!("0.01");
    body["draft"]["lines"][0]["total"] = json!("0.01");
    body["draft"]["total"] = json!("0.01");
    let s = w.ok("alice", "contracts/submit", body).await;
    assert_eq!(s["line_prices"][0]["amount"], "370.00");
    assert_eq!(s["subtotal"], "370.00");
    assert_eq!(s["tax"], "0.00");
    assert_eq!(s["total"], "370.00");
    assert_eq!(s["line_prices"][0]["months"], 12);
    assert_eq!(status(&s), ("in_approval".into(), Some(1)));
    assert!(s["document_number"].as_str().unwrap().starts_with("QYWXHT-"));
    assert_eq!(s["price_book_version"].as_str().map(|v| !v.is_empty()), Some(true));
    w.done().await;
}

#[tokio::test]
async fn submit_level_problems_come_back_as_422_with_field_paths() {
    let w = World::new().await;
    let c = w.create("alice", &Default::default()).await;
    let mut d = w.valid_draft();
    d.end_customer = String::new();
    d.payment_method = Some(app::domain::contract::PaymentMethod::WechatScan);
    d.lines[0].invoice = Some(true); // rule 4: WeChat scan comes without an invoice
    d.lines[0].quantity = String::new();
    d.approval.approvers = vec![Some(w.outsider)]; // not a candidate of level 1
    let res = w.call(Some("alice"), "contracts/submit", json!({"id": id(&c), "version": 1, "draft": d})).await;
    assert_eq!(res.status.as_u16(), 422, "{}", res.text());
    let fields = problem_fields(&res.json());
    for f in ["end_customer", "lines[0].quantity", "approval.approvers[0]"] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    assert!(fields.iter().any(|x| x.starts_with("lines[0].invoice") || x == "payment_method"), "{fields:?}");
    let now = w.get("alice", id(&c)).await;
    assert_eq!(status(&now), ("draft".into(), None), "nothing was submitted");
    assert_eq!(version(&now), 1);
    w.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_parallel_submissions_get_two_hundred_distinct_numbers() {
    let w = World::new().await;
    let mut ready = Vec::new();
    for _ in 0..200 {
        ready.push(w.ready(w.valid_draft()).await);
    }
    let cookie = w.cookie(Some("alice")).unwrap();
    let mut set = tokio::task::JoinSet::new();
    for (c, d) in ready {
        let (app, cookie, cid, v) = (w.app.clone(), cookie.clone(), id(&c), version(&c));
        set.spawn(async move {
            let body = json!({"id": cid, "version": v, "draft": d});
            contract_world::call_json(&app, "/api/contracts/submit", &body, Some(&cookie)).await
        });
    }
    let mut numbers = HashSet::new();
    while let Some(res) = set.join_next().await {
        let res = res.unwrap();
        assert_eq!(res.status.as_u16(), 200, "{}", res.text());
        numbers.insert(res.json()["document_number"].as_str().unwrap().to_owned());
    }
    assert_eq!(numbers.len(), 200, "every submission got its own number");
    let expected: HashSet<String> = (1..=200).map(|n| format!("QYWXHT-{n}")).collect();
    assert_eq!(numbers, expected, "numbers are consecutive from 1, none skipped or reused");
    w.done().await;
}

#[tokio::test]
async fn three_levels_approve_in_order_then_an_admin_fulfils() {
    let w = World::new().await;
    let s = w.submitted().await;
    let cid = id(&s);
    let levels: Vec<u64> = s["approvers"].as_array().unwrap().iter().map(|a| a["level"].as_u64().unwrap()).collect();
    assert_eq!(levels, [1, 2, 3]);
    // Only the current level's approver may act, and the later levels' approvers do not even see
    // it before their turn (404, as if missing); once it reaches level 2, level 3's still cannot
    // act on it, and is told it is not theirs yet when it gets there out of turn.
    for who in ["ap2", "ap3"] {
        let early =
            w.call(Some(who), "contracts/approve", json!({"id": cid, "version": version(&s), "comment": ""})).await;
        assert_eq!(early.status.as_u16(), 404, "{who}: {}", early.text());
        assert_eq!(w.call(Some(who), "contracts/get", json!({ "id": cid })).await.status.as_u16(), 404, "{who}");
    }
    // An approver in no level may not even read it (404, as if missing); its owner and an admin
    // read it but may not approve (403).
    for (who, status) in [("apx", 404), ("alice", 403), ("root", 403)] {
        let r = w.call(Some(who), "contracts/approve", json!({"id": cid, "version": version(&s), "comment": ""})).await;
        assert_eq!(r.status.as_u16(), status, "{who} at level 1: {}", r.text());
    }
    let mut v = version(&s);
    for (i, who) in ["ap1", "ap2", "ap3"].iter().enumerate() {
        let r = w
            .ok(who, "contracts/approve", json!({"id": cid, "version": v, "comment": format!("第{}级同意", i + 1)}))
            .await;
        v = version(&r);
        let expect = if i < 2 { ("in_approval".to_owned(), Some(i as u64 + 2)) } else { ("approved".to_owned(), None) };
        assert_eq!(status(&r), expect);
    }
    let bad = w
        .call(
            Some("root"),
            "contracts/fulfil",
            json!({"id": cid, "version": v, "wecom_order_id": "", "activation_date": "x", "api_expiry_date": ""}),
        )
        .await;
    assert_eq!(bad.status.as_u16(), 422);
    assert_eq!(problem_fields(&bad.json()), ["wecom_order_id", "activation_date"]);
    // The same rule the fulfilment card runs in the browser: the API cannot expire before activation.
    let backwards = w
        .call(
            Some("root"),
            "contracts/fulfil",
            json!({"id": cid, "version": v, "wecom_order_id": "W1", "activation_date": "2027-01-02", "api_expiry_date": "2027-01-01"}),
        )
        .await;
    assert_eq!(backwards.status.as_u16(), 422);
    assert_eq!(backwards.json()["problems"][0]["code"], "before_activation", "{}", backwards.json());
    let partner = w
        .call(Some("alice"), "contracts/fulfil", json!({"id": cid, "version": v, "wecom_order_id": "W1", "activation_date": "2027-01-01", "api_expiry_date": ""}))
        .await;
    assert_eq!(partner.status.as_u16(), 403);
    let f = w
        .ok("root", "contracts/fulfil", json!({"id": cid, "version": v, "wecom_order_id": "WX-ORDER-1", "activation_date": "2027-01-02", "api_expiry_date": "2027-12-31"}))
        .await;
    assert_eq!(status(&f), ("fulfilled".into(), None));
    assert_eq!(f["wecom_order_id"], "WX-ORDER-1");
    assert_eq!(f["draft"]["api_expiry_date"], "2027-12-31");
    assert_eq!(
        actions(&f),
        ["created", "attachment.upload", "submitted", "approved", "approved", "approved", "fulfilled"]
    );
    assert_eq!(f["timeline"][4]["comment"], "第2级同意");
    assert_eq!(f["timeline"][4]["level"], 2);
    w.done().await;
}

#[tokio::test]
async fn a_rejected_contract_is_edited_and_resubmitted_from_level_one() {
    let w = World::new().await;
    let s = w.submitted().await;
    let cid = id(&s);
    let number = s["document_number"].clone();
    let a1 = w.ok("ap1", "contracts/approve", json!({"id": cid, "version": version(&s), "comment": ""})).await;
    let no_reason =
        w.call(Some("ap2"), "contracts/reject", json!({"id": cid, "version": version(&a1), "reason": "  "})).await;
    assert_eq!(no_reason.status.as_u16(), 422);
    assert_eq!(problem_fields(&no_reason.json()), ["reason"]);
    let r = w
        .ok("ap2", "contracts/reject", json!({"id": cid, "version": version(&a1), "reason": "数量与付款凭证不符"}))
        .await;
    assert_eq!(status(&r), ("rejected".into(), None));
    assert_eq!(r["timeline"].as_array().unwrap().last().unwrap()["comment"], "数量与付款凭证不符");
    // Back with the owner: edit, then resubmit.
    let mut d = w.valid_draft();
    d.lines[0].quantity = "5".into();
    d.payment_voucher = r["draft"]["payment_voucher"].as_i64();
    let saved = w.ok("alice", "contracts/save", json!({"id": cid, "version": version(&r), "draft": d})).await;
    let again = w.ok("alice", "contracts/submit", json!({"id": cid, "version": version(&saved), "draft": d})).await;
    assert_eq!(status(&again), ("in_approval".into(), Some(1)), "a resubmission restarts at level 1");
    assert_eq!(again["document_number"], number, "the number is kept, never reassigned");
    assert_eq!(again["total"], "250.00");
    assert!(again["approvers"].as_array().unwrap().iter().all(|a| a["decision"].is_null()), "a new round");
    // Level 1 decides again in the new round.
    let a1 = w.ok("ap1", "contracts/approve", json!({"id": cid, "version": version(&again), "comment": ""})).await;
    assert_eq!(status(&a1), ("in_approval".into(), Some(2)));
    w.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_approvals_of_one_level_have_exactly_one_winner() {
    let w = World::new().await;
    let s = w.submitted().await;
    let body = json!({"id": id(&s), "version": version(&s), "comment": ""});
    let (a, b) = tokio::join!(
        w.call(Some("ap1"), "contracts/approve", body.clone()),
        w.call(Some("ap1"), "contracts/approve", body)
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 409], "{} / {}", a.text(), b.text());
    let loser = if a.status.as_u16() == 409 { &a } else { &b };
    assert!(loser.text().contains("已被处理"), "{}", loser.text());
    let now = w.get("alice", id(&s)).await;
    assert_eq!(status(&now), ("in_approval".into(), Some(2)), "approved once, not twice");
    assert_eq!(actions(&now).iter().filter(|a| *a == "approved").count(), 1);
    w.done().await;
}

#[tokio::test]
async fn withdraw_and_cancel_follow_the_owner_and_the_status() {
    let w = World::new().await;
    let s = w.submitted().await;
    let cid = id(&s);
    let edit = w
        .call(Some("alice"), "contracts/save", json!({"id": cid, "version": version(&s), "draft": w.valid_draft()}))
        .await;
    assert_eq!(edit.status.as_u16(), 409, "a pending contract is not edited: {}", edit.text());
    let wd = w.ok("amy", "contracts/withdraw", json!({"id": cid, "version": version(&s), "comment": "改数量"})).await;
    assert_eq!(status(&wd), ("withdrawn".into(), None));
    let stale =
        w.call(Some("alice"), "contracts/cancel", json!({"id": cid, "version": version(&s), "comment": ""})).await;
    assert_eq!(stale.status.as_u16(), 409);
    let c = w.ok("alice", "contracts/cancel", json!({"id": cid, "version": version(&wd), "comment": "客户取消"})).await;
    assert_eq!(status(&c), ("cancelled".into(), None));
    assert_eq!(actions(&c), ["created", "attachment.upload", "submitted", "withdrawn", "cancelled"]);
    w.done().await;
}

#[tokio::test]
async fn the_list_filters_searches_pages_and_shows_each_role_its_own() {
    let w = World::new().await;
    let mut made = Vec::new();
    for i in 0..5 {
        let mut d = w.valid_draft();
        d.end_customer = format!("客户{i}");
        d.corp_id = format!("ww69c04360d53da8b{i}");
        made.push(id(&w.create("alice", &d).await));
    }
    let bobs = w.create("bob", &app::domain::contract::ContractDraft { owner: None, ..w.valid_draft() }).await;
    assert_eq!(bobs["owner"]["id"], w.bob, "the owner defaults to the creator");
    let sub = w.submitted().await;
    let list = |who: &'static str, filter: Value| {
        let w = &w;
        async move { w.ok(who, "contracts/list", json!({ "filter": filter })).await }
    };
    let ids = |page: &Value| -> Vec<i64> { page["items"].as_array().unwrap().iter().map(id).collect() };

    let all_alice = ids(&list("alice", json!({})).await);
    assert_eq!(all_alice.len(), 6, "alice sees her organisation's six");
    assert!(!all_alice.contains(&id(&bobs)));
    assert_eq!(ids(&list("bob", json!({})).await), [id(&bobs)]);
    assert_eq!(ids(&list("root", json!({})).await).len(), 7, "an admin sees every contract");
    assert_eq!(ids(&list("ap1", json!({})).await), [id(&sub)], "an approver sees submitted contracts assigned to them");
    assert!(ids(&list("apx", json!({})).await).is_empty());
    // Newest change first.
    assert_eq!(all_alice[0], id(&sub));

    assert_eq!(ids(&list("alice", json!({"status": "in_approval"})).await), [id(&sub)]);
    assert_eq!(ids(&list("alice", json!({"corp_id": "WW69C04360D53DA8B3"})).await), [made[3]]);
    assert_eq!(ids(&list("alice", json!({"search": "客户2"})).await), [made[2]]);
    assert_eq!(ids(&list("alice", json!({"search": "b4"})).await), [made[4]], "search by corp ID");
    let number = sub["document_number"].as_str().unwrap();
    assert_eq!(ids(&list("alice", json!({"search": number.to_lowercase()})).await), [id(&sub)], "by document number");
    assert_eq!(ids(&list("alice", json!({"owner": w.bob})).await), Vec::<i64>::new());
    assert_eq!(ids(&list("root", json!({"organisation": bobs["organisation"]["id"]})).await), [id(&bobs)]);
    assert_eq!(ids(&list("alice", json!({"search": "100%_"})).await), Vec::<i64>::new(), "wildcards are literal");

    // Pages of two walk through all six exactly once, in order.
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    for _ in 0..10 {
        let page = list("alice", json!({"limit": 2, "cursor": cursor})).await;
        seen.extend(ids(&page));
        cursor = page["next_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    assert_eq!(seen, all_alice);
    let bad =
        w.call(Some("alice"), "contracts/list", json!({"filter": {"cursor": "nonsense", "status": "nope"}})).await;
    assert_eq!(bad.status.as_u16(), 400, "a query that cannot be read is a bad request");
    assert_eq!(problem_fields(&bad.json()), ["status", "cursor"]);
    w.done().await;
}

#[tokio::test]
async fn the_flow_offers_each_level_with_its_default_and_candidates() {
    let w = World::new().await;
    let f = w.ok("alice", "contracts/flow", json!({})).await;
    assert_eq!(f["name"], "默认三级审批");
    let levels = f["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 3);
    assert_eq!(levels[1]["default_approver"]["id"], w.approvers[1]);
    assert_eq!(levels[1]["candidates"][0]["display_name"], "ap2");
    // 更换: pick another candidate for level 2, and the contract is assigned to them.
    app::db::flows::set_level(&w.db, w.flow_id, 2, w.approvers[1], &[w.outsider]).await.unwrap();
    let mut d = w.valid_draft();
    d.approval.approvers = vec![None, Some(w.outsider)];
    let (c, d) = w.ready(d).await;
    let s = w.ok("alice", "contracts/submit", json!({"id": id(&c), "version": version(&c), "draft": d})).await;
    assert_eq!(s["approvers"][1]["approver"]["id"], w.outsider);
    assert_eq!(s["approvers"][0]["approver"]["id"], w.approvers[0]);
    w.done().await;
}

/// The ids of a contract's line rows, in order.
async fn line_row_ids(w: &World, contract: i64) -> Vec<i64> {
    use app::db::entities::contract_line;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    contract_line::Entity::find()
        .filter(contract_line::Column::ContractId.eq(contract))
        .order_by_asc(contract_line::Column::Position)
        .all(&w.db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .collect()
}

/// A save writes only the tables whose rows change: a save of a remark leaves the lines' rows as
/// they are, a save that changes a line replaces them, and either way the contract reads back as
/// saved (the lines, their prices, the approvers).
#[tokio::test]
async fn a_save_rewrites_the_lines_only_when_they_change() {
    let w = World::new().await;
    let mut d = w.valid_draft();
    let c = w.create("alice", &d).await;
    let cid = id(&c);
    let rows = line_row_ids(&w, cid).await;
    assert_eq!(rows.len(), 1);

    d.remark = "只改备注".into();
    let saved = w.ok("alice", "contracts/save", json!({"id": cid, "version": version(&c), "draft": d})).await;
    assert_eq!(line_row_ids(&w, cid).await, rows, "unchanged lines are not rewritten");
    assert_eq!(saved["draft"]["remark"], "只改备注");
    assert_eq!(saved["draft"]["lines"], c["draft"]["lines"]);
    assert_eq!(saved["line_prices"], c["line_prices"]);
    assert_eq!(saved["approvers"], c["approvers"]);

    d.lines[0].quantity = "5".into();
    let changed = w.ok("alice", "contracts/save", json!({"id": cid, "version": version(&saved), "draft": d})).await;
    let new_rows = line_row_ids(&w, cid).await;
    assert_eq!(new_rows.len(), 1);
    assert_ne!(new_rows, rows, "a changed line is written");
    assert_eq!(changed["draft"]["lines"][0]["quantity"], "5");
    assert_eq!(changed["total"], "250.00", "5 interop accounts for a year, repriced");

    // Two lines, then back to one: every row is the draft's, in its order.
    let mut second = d.lines[0].clone();
    second.quantity = "2".into();
    d.lines.push(second);
    let two = w.ok("alice", "contracts/save", json!({"id": cid, "version": version(&changed), "draft": d})).await;
    assert_eq!(line_row_ids(&w, cid).await.len(), 2);
    assert_eq!(two["draft"]["lines"][1]["quantity"], "2");
    d.lines.truncate(1);
    let one = w.ok("alice", "contracts/save", json!({"id": cid, "version": version(&two), "draft": d})).await;
    assert_eq!(line_row_ids(&w, cid).await.len(), 1);
    assert_eq!(one["draft"]["lines"], changed["draft"]["lines"]);
    w.done().await;
}

/// The list's search finds exactly the contracts whose document number, corp ID, end customer or
/// corp name holds the text, whether the text is long enough for the trigram index (three
/// characters or more) or not, with quotes and wildcards taken literally; a save that renames a
/// customer moves it in the index.
#[tokio::test]
async fn the_search_finds_exactly_the_contracts_holding_the_text() {
    let w = World::new().await;
    let names = [
        ("星河科技有限公司", "星河"),
        ("星河数据", "数据服务"),
        ("银河科技", "银河"),
        ("ACME Corp", "Acme 中国"),
        ("50% 折扣客户", "百分号"),
        ("下划线_客户", "下划线"),
        ("引号\"客户", "引号公司"),
        ("普通客户", "普通"),
    ];
    let mut made = Vec::new();
    for (i, (customer, corp_name)) in names.iter().enumerate() {
        let mut d = w.valid_draft();
        d.end_customer = (*customer).into();
        d.corp_name = (*corp_name).into();
        d.corp_id = format!("ww69c04360d53da8{i:02x}");
        made.push((id(&w.create("alice", &d).await), d));
    }
    let found = |text: &'static str| {
        let w = &w;
        async move {
            let page = w.ok("alice", "contracts/list", json!({"filter": {"search": text}})).await;
            let mut ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(id).collect();
            ids.sort_unstable();
            ids
        }
    };
    let holding = |made: &[(i64, app::domain::contract::ContractDraft)], text: &str| -> Vec<i64> {
        let mut ids: Vec<i64> = made
            .iter()
            .filter(|(_, d)| {
                d.end_customer.contains(text) || d.corp_name.contains(text) || d.corp_id.contains(&text.to_lowercase())
            })
            .map(|(i, _)| *i)
            .collect();
        ids.sort_unstable();
        ids
    };
    for text in [
        "星",
        "星河",
        "星河科",
        "科技",
        "有限公司",
        "ACME",
        "Corp",
        "中国",
        "50%",
        "% 折",
        "_",
        "线_客",
        "\"",
        "号\"客",
        "客户",
        "ww69c",
        "d53da800",
        "DA801",
        "不存在的客户",
        "Acme 中",
    ] {
        assert_eq!(found(text).await, holding(&made, text), "search {text:?}");
    }
    // A renamed customer is found by its new name only.
    let (cid, mut d) = made[0].clone();
    d.end_customer = "北斗导航".into();
    let current = w.get("alice", cid).await;
    w.ok("alice", "contracts/save", json!({"id": cid, "version": version(&current), "draft": d})).await;
    made[0].1 = d;
    assert_eq!(found("星河科技").await, holding(&made, "星河科技"));
    assert_eq!(found("北斗导航").await, [cid]);
    w.done().await;
}

/// The list's count and sum, read from the tallies the triggers keep, agree with the rows the
/// list shows, after contracts are created, repriced, handed to another owner, submitted,
/// approved, rejected, withdrawn and cancelled; for every role, with every filter the tallies
/// serve and with one they do not.
#[tokio::test]
async fn the_list_totals_agree_with_its_rows_through_every_change() {
    let w = World::new().await;
    let mut d = w.valid_draft();
    let a = w.create("alice", &d).await;
    d.order_type = Some(app::domain::quote::OrderType::Addon);
    d.lines[0].quantity = "3".into();
    let b = w.create("amy", &d).await;
    d.lines[0].quantity = "".into();
    let unpriced = w.create("alice", &d).await;
    w.create("bob", &app::domain::contract::ContractDraft { owner: None, ..w.valid_draft() }).await;
    // Repriced, then handed to amy.
    let mut changed = w.valid_draft();
    changed.lines[0].quantity = "20".into();
    let a2 = w.ok("alice", "contracts/save", json!({"id": id(&a), "version": version(&a), "draft": changed})).await;
    changed.owner = Some(w.amy);
    w.ok("alice", "contracts/save", json!({"id": id(&a), "version": version(&a2), "draft": changed})).await;
    // Through the approval: one approved at level 1, one rejected, one withdrawn and cancelled.
    let s1 = w.submitted().await;
    w.ok("ap1", "contracts/approve", json!({"id": id(&s1), "version": version(&s1), "comment": ""})).await;
    let s2 = w.submitted().await;
    w.ok("ap1", "contracts/reject", json!({"id": id(&s2), "version": version(&s2), "reason": "金额不符"})).await;
    let s3 = w.submitted().await;
    let wd = w.ok("alice", "contracts/withdraw", json!({"id": id(&s3), "version": version(&s3), "comment": ""})).await;
    w.ok("alice", "contracts/cancel", json!({"id": id(&s3), "version": version(&wd), "comment": ""})).await;
    let _ = (b, unpriced);

    let org = a["organisation"]["id"].clone();
    let filters = [
        json!({}),
        json!({"status": "draft"}),
        json!({"status": "in_approval"}),
        json!({"status": "rejected"}),
        json!({"status": "cancelled"}),
        json!({"order_type": "addon"}),
        json!({"order_type": "new", "status": "draft"}),
        json!({"owner": w.amy}),
        json!({"owner": w.alice, "status": "draft"}),
        json!({"search": "雪碧"}),
    ];
    for who in ["alice", "amy", "bob", "root", "ap1", "apx"] {
        let mut all_filters = filters.to_vec();
        if who == "root" {
            all_filters.push(json!({"organisation": org}));
            all_filters.push(json!({"organisation": org, "status": "draft"}));
        }
        for filter in all_filters {
            let mut f = filter.clone();
            f["limit"] = json!(100);
            let page = w.ok(who, "contracts/list", json!({ "filter": f })).await;
            let items = page["items"].as_array().unwrap();
            assert!(page["next_cursor"].is_null(), "one page holds them all");
            let sum: rust_decimal::Decimal = items
                .iter()
                .filter_map(|i| i["total"].as_str())
                .map(|t| t.parse::<rust_decimal::Decimal>().unwrap())
                .sum();
            assert_eq!(page["count"], items.len(), "{who} {filter}: count");
            if filter == json!({}) {
                // What the owner and organisation filters offer: the owners (and for the admin the
                // organisations) of exactly the contracts shown, by name.
                let ids = |key: &str| {
                    let mut v: Vec<i64> = items.iter().map(|i| i[key]["id"].as_i64().unwrap()).collect();
                    v.sort();
                    v.dedup();
                    v
                };
                let offered = |list: &serde_json::Value| {
                    let mut v: Vec<i64> = list.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
                    v.sort();
                    v
                };
                let choices = w.ok(who, "contracts/list_choices", json!({})).await;
                assert_eq!(offered(&choices["owners"]), ids("owner"), "{who}: owners offered");
                let orgs = if who == "root" { ids("organisation") } else { vec![] };
                assert_eq!(offered(&choices["organisations"]), orgs, "{who}: organisations offered");
            }
            assert_eq!(
                page["sum"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap(),
                sum,
                "{who} {filter}: sum"
            );
        }
    }
    // The tallies are a recount of the contracts, row for row.
    use app::db::entities::{contract, contract_tally};
    use sea_orm::EntityTrait;
    let mut recount = std::collections::BTreeMap::<(i64, i64, String, String), (i64, i64)>::new();
    for c in contract::Entity::find().all(&w.db).await.unwrap() {
        let key = (c.organisation_id, c.owner_user_id, c.status, c.order_type.unwrap_or_default());
        let e = recount.entry(key).or_default();
        e.0 += 1;
        e.1 += c.total_fen.unwrap_or(0);
    }
    let tallies: std::collections::BTreeMap<_, _> = contract_tally::Entity::find()
        .all(&w.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.contracts != 0 || t.total_fen != 0)
        .map(|t| ((t.organisation_id, t.owner_user_id, t.status, t.order_type), (t.contracts, t.total_fen)))
        .collect();
    assert_eq!(tallies, recount);
    // So are the approvers' tallies: per approver, the contracts the policy lets them read.
    use app::db::entities::approver_tally;
    let mut recount = std::collections::BTreeMap::<(i64, i64, i64, String, String), (i64, i64)>::new();
    for c in contract::Entity::find().all(&w.db).await.unwrap() {
        let facts = app::db::contracts::load(&w.db, c.id).await.unwrap().unwrap().facts();
        let mut approvers: Vec<i64> = facts.approvers.iter().map(|(_, u)| *u).collect();
        approvers.sort_unstable();
        approvers.dedup();
        for u in approvers.into_iter().filter(|u| facts.reached(*u)) {
            let key =
                (u, c.organisation_id, c.owner_user_id, c.status.clone(), c.order_type.clone().unwrap_or_default());
            let e = recount.entry(key).or_default();
            e.0 += 1;
            e.1 += c.total_fen.unwrap_or(0);
        }
    }
    assert!(!recount.is_empty(), "the changes above put contracts before approvers");
    let tallies: std::collections::BTreeMap<_, _> = approver_tally::Entity::find()
        .all(&w.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.contracts != 0 || t.total_fen != 0)
        .map(|t| {
            (
                (t.approver_user_id, t.organisation_id, t.owner_user_id, t.status, t.order_type),
                (t.contracts, t.total_fen),
            )
        })
        .collect();
    assert_eq!(tallies, recount);
    w.done().await;
}

/// A save answers with the contract exactly as reading it back gives it, though the answer is
/// built from what the save read and wrote rather than read again: after a change of a remark, of
/// the owner (to another partner), of a line and the approvers, of the source order, and on a
/// rejected contract whose round has decisions and whose levels' names were kept at submission.
#[tokio::test]
async fn a_save_answers_the_contract_exactly_as_reading_it_gives_it() {
    use app::domain::contract::SourceOrder;
    let w = World::new().await;
    let source = w.submitted().await;
    let (c, mut d) = w.ready(w.valid_draft()).await;
    let cid = id(&c);
    let mut v = version(&c);
    let mut save = async |d: &app::domain::contract::ContractDraft, what: &str| {
        let saved = w.ok("alice", "contracts/save", json!({"id": cid, "version": v, "draft": d})).await;
        assert_eq!(saved, w.get("alice", cid).await, "the answer to a save of {what} is the contract as read");
        v = version(&saved);
        saved
    };
    d.remark = "只改备注".into();
    save(&d, "a remark").await;
    d.owner = Some(w.amy);
    let saved = save(&d, "the owner").await;
    assert_eq!(saved["owner"]["display_name"], "amy");
    d.lines[0].quantity = "5".into();
    d.approval.approvers = vec![Some(w.approvers[0])];
    save(&d, "a line and the approvers").await;
    d.source_order = SourceOrder::Contract { contract_id: id(&source), document_number: None, service_end: None };
    d.order_type = Some(app::domain::OrderType::Renewal);
    let saved = save(&d, "the source order").await;
    assert_eq!(saved["draft"]["source_order"]["document_number"], source["document_number"]);

    // Rejected at level 2: the round's decisions and the names kept at submission.
    let s = w.submitted().await;
    let a1 = w.ok("ap1", "contracts/approve", json!({"id": id(&s), "version": version(&s), "comment": ""})).await;
    let r = w.ok("ap2", "contracts/reject", json!({"id": id(&s), "version": version(&a1), "reason": "数量不符"})).await;
    let mut d = w.valid_draft();
    d.payment_voucher = r["draft"]["payment_voucher"].as_i64();
    d.remark = "按意见修改".into();
    let saved = w.ok("alice", "contracts/save", json!({"id": id(&s), "version": version(&r), "draft": d})).await;
    assert_eq!(
        saved,
        w.get("alice", id(&s)).await,
        "the answer to a save of a rejected contract is the contract as read"
    );
    assert!(
        saved["approvers"].as_array().unwrap().iter().any(|a| !a["decision"].is_null()),
        "the round's decisions show"
    );
    w.done().await;
}

/// A save's statements, counted by the connection: the session (one join), the contract (row,
/// lines, approvers; its decisions only once it was submitted: a draft never submitted has none),
/// its attachments, the flow (one join of its levels, candidates and their names), the write
/// (update, audit) and the answer's timeline (its actors' names joined) — 9 on either database
/// for a draft saved by its owner, besides the transaction's BEGIN, savepoint and COMMIT (which
/// the connection does not report): the approvers' and owner's names come from the flow's
/// statement and the session. The price book is read by the first save only: a draft is priced
/// with the book the server keeps in memory. It took 28 before the answer was built from what the
/// save read and wrote, the session was looked up once (in one query), the owner check was
/// skipped for the actor, the decisions were read once and the names came with the rows. Each statement costs a hop to the database: under load that, not the SQL, was
/// most of a save's time (BENCHMARKS.md, sixteenth and twentieth sessions).
#[tokio::test]
async fn a_draft_save_takes_nine_statements() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let w = World::new().await;
    let (c, mut d) = w.ready(w.valid_draft()).await;
    let (counting, statements) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let mut db = w.t.open().await;
    let (on, n) = (counting.clone(), statements.clone());
    db.set_metric_callback(move |info| {
        // The outbox's worker polls on its own; it is not the save's.
        if on.load(Ordering::SeqCst) && !info.statement.sql.contains("\"outbox\"") {
            n.fetch_add(1, Ordering::SeqCst);
        }
    });
    let app = server::router(&w.t.config(), db.clone()).expect("router");
    let cookie = w.cookie(Some("alice"));
    let mut version = version(&c);
    for (remark, counted) in [("先存一次", false), ("数一数", true)] {
        d.remark = remark.into();
        let body = json!({"id": id(&c), "version": version, "draft": d});
        counting.store(counted, Ordering::SeqCst);
        let res = contract_world::call_json(&app, "/api/contracts/save", &body, cookie.as_deref()).await;
        counting.store(false, Ordering::SeqCst);
        assert_eq!(res.status.as_u16(), 200, "{}", res.text());
        assert_eq!(res.json()["draft"]["remark"], remark);
        version = res.json()["version"].as_i64().expect("version");
    }
    assert_eq!(statements.load(Ordering::SeqCst), 9, "statements per save");
    db.close().await.ok();
    w.done().await;
}

/// The approver rule's flow (what a save and a submission check the picked approvers against) is
/// read in one statement: its levels in order, each with its default and its candidates in id
/// order, a level without candidates and a flow without levels included; an unknown flow is none.
#[tokio::test]
async fn a_flow_is_read_for_the_approver_rule_in_one_statement() {
    use app::db::entities::{approval_flow, approval_level, approval_level_candidate};
    use app::domain::contract::approval::{Flow, FlowLevel};
    use sea_orm::{ActiveModelTrait, Set};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let t = crate::support::TestDb::new().await;
    let mut db = t.open().await;
    let role = app::models::Role::Approver;
    let (u1, u2, u3) = (
        crate::support::make_user(&db, "流程公司", "flow.u1", role).await,
        crate::support::make_user(&db, "流程公司", "flow.u2", role).await,
        crate::support::make_user(&db, "流程公司", "flow.u3", role).await,
    );
    let flow = |name: &str| approval_flow::ActiveModel {
        name: Set(name.into()),
        is_default: Set(false),
        ..Default::default()
    };
    let (three, bare) = (flow("三段").insert(&db).await.unwrap().id, flow("空流程").insert(&db).await.unwrap().id);
    // Stored out of order, the candidates too.
    let mut level_ids = Vec::new();
    for (level, name, default) in [(3, "终审", None), (1, "初审", Some(u2)), (2, "复审", Some(u1))] {
        let row = approval_level::ActiveModel {
            flow_id: Set(three),
            level: Set(level),
            name: Set(name.into()),
            default_approver_user_id: Set(default),
            ..Default::default()
        };
        level_ids.push(row.insert(&db).await.unwrap().id);
    }
    for (level_id, user) in [(level_ids[1], u3), (level_ids[1], u2), (level_ids[1], u1), (level_ids[2], u1)] {
        approval_level_candidate::ActiveModel { level_id: Set(level_id), user_id: Set(user) }
            .insert(&db)
            .await
            .unwrap();
    }
    let statements = Arc::new(AtomicUsize::new(0));
    let n = statements.clone();
    db.set_metric_callback(move |_| {
        n.fetch_add(1, Ordering::SeqCst);
    });
    let level = |level, name: &str, default, candidates: Vec<i64>| FlowLevel {
        level,
        name: name.into(),
        default_approver: default,
        candidates,
    };
    assert_eq!(
        app::db::flows::rule(&db, three).await.unwrap(),
        Some(Flow {
            name: "三段".into(),
            levels: vec![
                level(1, "初审", Some(u2), vec![u1, u2, u3]),
                level(2, "复审", Some(u1), vec![u1]),
                level(3, "终审", None, vec![]),
            ],
        })
    );
    assert_eq!(statements.load(Ordering::SeqCst), 1, "one statement");
    assert_eq!(app::db::flows::rule(&db, bare).await.unwrap(), Some(Flow { name: "空流程".into(), levels: vec![] }));
    assert_eq!(app::db::flows::rule(&db, bare + 1000).await.unwrap(), None);
    t.cleanup(db).await;
}
