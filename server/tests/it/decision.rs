//! What the approver's decision page and the desk's header read from the server: the stored
//! userid sheet counted (per kind, and the userids listed both as basic and as interop), the
//! voucher's inline preview (framable by our own pages only), the two header counts, and a
//! timeline that names who uploaded what — the customer through a payment link included.
//! SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

use crate::contract_world::{CORP, World};
use crate::support::{self, uploads};
use app::domain::contract::DraftLine;
use app::domain::{AccountKind, CorpId, UserId};
use serde_json::{Value, json};

/// A sheet of `basic` and `interop` userids (a userid in both lists is listed twice).
fn mixed_sheet(basic: &[&str], interop: &[&str]) -> Vec<u8> {
    let corp = CorpId::parse("", CORP).unwrap();
    let row = |u: &&str, k| (UserId::parse("", u).unwrap(), Some(k));
    let rows: Vec<_> = basic
        .iter()
        .map(|u| row(u, AccountKind::Basic))
        .chain(interop.iter().map(|u| row(u, AccountKind::Interop)))
        .collect();
    app::domain::sheet::userid_sheet_xlsx(&corp, &rows).unwrap()
}

#[tokio::test]
async fn the_contract_carries_its_stored_sheet_counted_with_the_basic_interop_overlap() {
    let w = World::new().await;
    let mut d = w.valid_draft();
    d.lines = vec![
        DraftLine { kind: Some(AccountKind::Basic), quantity: "3".into(), ..d.lines[0].clone() },
        DraftLine { kind: Some(AccountKind::Interop), quantity: "2".into(), ..d.lines[0].clone() },
    ];
    let (c, _) = w.ready(d).await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["sheet"], Value::Null, "no sheet uploaded yet");

    let sheet = mixed_sheet(&["zhangsan", "lisi", "wangwu"], &["ZhangSan", "zhaoliu"]);
    w.upload("alice", id, "userid_sheet", "userids.xlsx", &sheet).await;
    for who in ["alice", "root"] {
        let c = w.get(who, id).await;
        let s = &c["sheet"];
        assert_eq!(
            (
                s["total_userids"].as_u64(),
                s["basic_userids"].as_u64(),
                s["interop_userids"].as_u64(),
                s["untyped_userids"].as_u64(),
                s["overlapping_userids"].as_u64()
            ),
            (Some(4), Some(3), Some(2), Some(0), Some(1)),
            "{who}: zhangsan is basic and (as ZhangSan) interop: {s}"
        );
        let sheet_file = c["attachments"].as_array().unwrap().iter().find(|a| a["kind"] == "userid_sheet").unwrap();
        assert!(sheet_file["content_type"].as_str().unwrap().contains("spreadsheetml"), "{sheet_file}");
    }
    w.done().await;
}

#[tokio::test]
async fn a_voucher_previews_inline_in_our_own_frames_only_and_a_sheet_never_does() {
    let w = World::new().await;
    let (c, _) = w.ready(w.valid_draft()).await;
    let id = c["id"].as_i64().unwrap();
    let voucher = c["draft"]["payment_voucher"].as_i64().unwrap();
    assert_eq!(c["attachments"][0]["content_type"], "image/png");
    let (pdf, _) = w.upload("alice", id, "voucher", "凭证.pdf", uploads::PDF).await;
    let (sheet, _) = w.upload("alice", id, "userid_sheet", "u.xlsx", &mixed_sheet(&["a1"], &[])).await;
    let cookie = w.cookie(Some("alice")).unwrap();
    let fetch = |uri: String| {
        let cookie = cookie.clone();
        let app = w.app.clone();
        async move {
            let req = axum::http::Request::get(uri).header("cookie", cookie).body(axum::body::Body::empty()).unwrap();
            support::send(&app, req).await
        }
    };
    let header = |r: &support::TestResponse, h: &str| {
        r.headers.get(h).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    };
    for file in [voucher, pdf] {
        let inline = fetch(format!("/attachments/{file}?inline=1")).await;
        assert_eq!(inline.status.as_u16(), 200);
        assert!(header(&inline, "content-disposition").starts_with("inline;"), "{:?}", inline.headers);
        assert_eq!(header(&inline, "x-frame-options"), "SAMEORIGIN");
        let csp = header(&inline, "content-security-policy");
        assert!(csp.contains("frame-ancestors 'self'") && csp.contains("default-src 'none'"), "{csp}");
        assert_eq!(header(&inline, "x-content-type-options"), "nosniff");

        let download = fetch(format!("/attachments/{file}")).await;
        assert!(header(&download, "content-disposition").starts_with("attachment;"));
        assert_eq!(header(&download, "x-frame-options"), "DENY");
        assert!(header(&download, "content-security-policy").contains("sandbox"));
    }
    // A spreadsheet is a download whatever the query says.
    let s = fetch(format!("/attachments/{sheet}?inline=1")).await;
    assert_eq!(s.status.as_u16(), 200);
    assert!(header(&s, "content-disposition").starts_with("attachment;"), "{:?}", s.headers);
    assert_eq!(header(&s, "x-frame-options"), "DENY");
    // Pages stay unframable.
    let page = support::get(&w.app, "/").await;
    assert_eq!(header(&page, "x-frame-options"), "DENY");
    w.done().await;
}

#[tokio::test]
async fn the_header_counts_follow_the_inbox_and_the_unread_notifications() {
    let w = World::new().await;
    let counts = |who: &'static str| {
        let w = &w;
        async move {
            let c = w.ok(who, "desk/counts", json!({})).await;
            (c["waiting"].as_u64().unwrap(), c["unread"].as_u64().unwrap())
        }
    };
    assert_eq!(counts("ap1").await, (0, 0));
    let c = w.submitted().await;
    assert_eq!(counts("ap1").await.0, 1, "waiting at level 1");
    // The header carries the counts in the server's HTML (no request after load), and a visitor's
    // page asks for none: it answers 200 to a client that does not ask for HTML, too.
    let page = |cookie: Option<String>| {
        let app = w.app.clone();
        async move {
            let mut req = axum::http::Request::get("/");
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            support::send(&app, req.body(axum::body::Body::empty()).unwrap()).await
        }
    };
    let html = page(w.cookie(Some("ap1"))).await;
    assert_eq!(html.status.as_u16(), 200);
    let text = html.text();
    let badge = text.split(r#"data-testid="inbox-count""#).nth(1).and_then(|t| t.split("</span>").next());
    assert!(badge.is_some_and(|b| b.ends_with(">1")), "{badge:?}");
    let visitor = page(None).await;
    assert_eq!(visitor.status.as_u16(), 200, "a visitor's quote page");
    assert!(!visitor.text().contains("inbox-count"));
    assert_eq!(counts("ap2").await.0, 0, "not level 2's turn yet");
    assert_eq!(counts("alice").await.0, 0, "a partner approves nothing");
    crate::desk::deliver(&w.db).await;
    assert_eq!(counts("ap1").await, (1, 1), "and told so");
    let list = w.ok("ap1", "notifications/list", json!({})).await;
    assert_eq!(list["items"][0]["end_customer"], "雪碧算术", "the notification names the customer");

    w.ok("ap1", "contracts/approve", json!({ "id": c["id"], "version": c["version"], "comment": "" })).await;
    crate::desk::deliver(&w.db).await;
    assert_eq!(counts("ap1").await, (0, 1));
    assert_eq!(counts("ap2").await, (1, 1));
    w.ok("ap1", "notifications/read_all", json!({})).await;
    assert_eq!(counts("ap1").await, (0, 0));
    w.done().await;
}

#[tokio::test]
async fn the_timeline_names_who_uploaded_what_and_a_customer_through_a_payment_link() {
    let w = World::new().await;
    let (c, _) = w.ready(w.valid_draft()).await;
    let id = c["id"].as_i64().unwrap();
    let link = w.ok("alice", "payment/create_link", json!({ "contract_id": id })).await;
    let url = link["url"].as_str().unwrap();
    let res = uploads::post_multipart(
        &w.app,
        &format!("{url}/voucher"),
        &[uploads::Part::File("file", "客户凭证.pdf", uploads::PDF)],
        uploads::OURS,
    )
    .await;
    assert!(res.status.is_success(), "{}", res.text());

    let c = w.get("alice", id).await;
    let uploads: Vec<&Value> =
        c["timeline"].as_array().unwrap().iter().filter(|e| e["action"] == "attachment.upload").collect();
    assert_eq!(uploads.len(), 2, "{}", c["timeline"]);
    assert_eq!(uploads[0]["actor"]["display_name"], "alice");
    assert_eq!(
        uploads[0]["file"],
        json!({ "kind": "voucher", "file_name": "付款凭证.png", "via_payment_link": false })
    );
    assert_eq!(uploads[1]["actor"], Value::Null, "no account: the customer");
    assert_eq!(uploads[1]["file"], json!({ "kind": "voucher", "file_name": "客户凭证.pdf", "via_payment_link": true }));
    let created = c["timeline"].as_array().unwrap().iter().find(|e| e["action"] == "payment_link.created").unwrap();
    assert!(created["comment"].as_str().unwrap().contains("北京时间"), "{created}");
    w.done().await;
}
