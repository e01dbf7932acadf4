//! Stored markup stays text (issue #12, point 1): a contract whose every free-text field, file
//! name, approval comment and rejection reason is markup, and every server-rendered page that
//! shows them — the contract form as its partner, each approver and the admin, the contract list,
//! its search, and the payment page behind a link — shows the text and plants no element. On SQLite
//! (default) and PostgreSQL (`TEST_DATABASE_URL`).
//!
//! The field rules keep `<`, `>` and `"` out of uploaded file names (`sanitize_file_name`), so those
//! carry entity-looking text instead (`&lt;h2 id=f&gt;`), which must come out escaped once.

use crate::contract_world;
use crate::support;

use app::db::attachments::payment_settings as keys;
use app::db::entities::setting;
use app::domain::AccountKind;
use app::domain::contract::SourceOrder;
use axum::body::Body;
use axum::http::Request;
use contract_world::{CORP, World};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use support::uploads::{OURS, PNG, Part, Sent, post_multipart, userid_xlsx_of};

/// Markup that, written raw, would close a textarea, add a heading, leave the page and run script.
const MARKUP: &str = r#"</textarea><h1 id="inj">INJECTED</h1><meta http-equiv="refresh" content="0;url=/x"><script>alert(1)</script>"'<b>"#;
/// The same within 100 characters (the limit of an order number and a WeCom order ID).
const SHORT_MARKUP: &str = r#"</textarea><h1 id="inj">X</h1><meta http-equiv="refresh" content="0;url=/x">"#;
/// File names cannot hold `<`, `>` or `"`; these look like entities instead.
const VOUCHER_NAME: &str = "凭证&lt;h2 id=f&gt;'1'.png";
const SHEET_NAME: &str = "名单&lt;h2 id=s&gt;.xlsx";
const PAID_VOUCHER_NAME: &str = "回单&lt;h2 id=p&gt;.png";

/// A page as a signed-in user's browser asks for it.
async fn page(w: &World, user: Option<&str>, uri: &str) -> String {
    let mut req = Request::get(uri).header("accept", "text/html");
    if let Some(c) = w.cookie(user) {
        req = req.header("cookie", c);
    }
    let res = support::send(&w.app, req.body(Body::empty()).unwrap()).await;
    assert!(res.status.is_success(), "{user:?} {uri}: {} {}", res.status, res.text());
    res.text()
}

/// No element of the markup exists in `html`, and the text is there, escaped (in element text or in
/// an attribute value).
fn assert_inert(what: &str, html: &str) {
    for raw in [r#"<h1 id="inj""#, "<meta http-equiv", "<script>alert(1)", "</textarea><h1"] {
        assert!(!html.contains(raw), "{what}: raw `{raw}` in the page:\n{html}");
    }
    assert!(
        html.contains(r#"&lt;h1 id="inj"&gt;"#) || html.contains("&lt;h1 id=&quot;inj&quot;&gt;"),
        "{what}: the markup is not shown as text:\n{html}"
    );
}

/// The HTML parser's reading of a run of escaped text (only what [`app::html::escape`] and tachys write).
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// What a browser without JavaScript shows in the textarea `id`: its text up to the first
/// `</textarea>`, unescaped.
fn textarea_shows(html: &str, id: &str) -> String {
    let start = html.find(&format!(r#"<textarea id="{id}""#)).unwrap_or_else(|| panic!("no textarea #{id}:\n{html}"));
    let open_end = start + html[start..].find('>').expect("end of the start tag") + 1;
    let close = open_end + html[open_end..].find("</textarea>").expect("end tag");
    unescape(&html[open_end..close])
}

async fn set_setting(w: &World, key: &str, value: &str) {
    setting::ActiveModel { key: Set(key.into()), value: Set(value.into()), updated_at: Set(chrono::Utc::now()) }
        .insert(&w.db)
        .await
        .expect("setting");
}

fn version(v: &Value) -> i64 {
    v["version"].as_i64().expect("version")
}

#[tokio::test]
async fn markup_in_every_free_text_field_is_shown_as_text_on_every_page() {
    let w = World::new().await;
    let mut d = w.valid_draft();
    d.end_customer = MARKUP.into();
    d.corp_name = MARKUP.into();
    d.remark = MARKUP.into();
    d.lines[0].description = MARKUP.into();
    d.source_order = SourceOrder::External { order_number: SHORT_MARKUP.into(), service_end: "2026-12-31".into() };

    // Saved as typed: nothing is refused or altered on the way in.
    let c = w.create("alice", &d).await;
    let cid = c["id"].as_i64().expect("id");
    for (field, value) in [("end_customer", MARKUP), ("corp_name", MARKUP), ("remark", MARKUP)] {
        assert_eq!(c["draft"][field], value, "{field} saved as typed");
    }
    assert_eq!(c["draft"]["lines"][0]["description"], MARKUP);
    assert_eq!(c["draft"]["source_order"]["order_number"], SHORT_MARKUP);

    // The draft, as its partner sees it: every field, the textarea showing exactly the remark.
    let html = page(&w, Some("alice"), &format!("/contracts/{cid}")).await;
    assert_inert("draft form", &html);
    assert_eq!(textarea_shows(&html, "remark"), MARKUP, "the remark field without JavaScript");

    let (voucher, _) = w.upload("alice", cid, "voucher", VOUCHER_NAME, PNG).await;
    let sheet_bytes = userid_xlsx_of(CORP, &["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"], AccountKind::Interop);
    let (sheet, _) = w.upload("alice", cid, "userid_sheet", SHEET_NAME, &sheet_bytes).await;
    d.payment_voucher = Some(voucher);
    d.userid_sheet = Some(sheet);
    let now = w.get("alice", cid).await;
    let s = w.ok("alice", "contracts/submit", json!({"id": cid, "version": version(&now), "draft": d})).await;

    // A payment link, with the admin's payment instructions also made of markup.
    set_setting(&w, keys::WECHAT_NOTE, MARKUP).await;
    set_setting(&w, keys::BANK_ACCOUNT_NAME, MARKUP).await;
    set_setting(&w, keys::WECHAT_QR, r#"https://pay.example/qr.png"><h1 id="inj">"#).await;
    let link = w.ok("alice", "payment/create_link", json!({"contract_id": cid, "days": null})).await;
    let url = link["url"].as_str().expect("link url").to_owned();

    // Level 1 approves with a comment, level 2 rejects with a reason: both markup.
    let a1 = w.ok("ap1", "contracts/approve", json!({"id": cid, "version": version(&s), "comment": MARKUP})).await;
    let html = page(&w, Some("ap2"), &format!("/contracts/{cid}")).await;
    assert_inert("form before the rejection, as level 2", &html);
    assert_eq!(textarea_shows(&html, "remark"), MARKUP);
    w.ok("ap2", "contracts/reject", json!({"id": cid, "version": version(&a1), "reason": MARKUP})).await;

    // Another contract, approved, whose WeCom order ID (开通) the admin typed as markup.
    let f = w.submitted().await;
    let fid = f["id"].as_i64().expect("id");
    let mut v = version(&f);
    for who in ["ap1", "ap2", "ap3"] {
        v = version(&w.ok(who, "contracts/approve", json!({"id": fid, "version": v, "comment": ""})).await);
    }
    let fulfilled = w
        .ok(
            "root",
            "contracts/fulfil",
            json!({"id": fid, "version": v, "wecom_order_id": SHORT_MARKUP, "activation_date": "2027-01-01", "api_expiry_date": ""}),
        )
        .await;
    assert_eq!(fulfilled["wecom_order_id"], SHORT_MARKUP);
    assert_inert("fulfilled contract, as the admin", &page(&w, Some("root"), &format!("/contracts/{fid}")).await);

    // The rejected contract as everyone who opens it: every field, the timeline's comment and
    // reason, the attachments' names.
    for who in ["alice", "ap1", "ap2", "root"] {
        let html = page(&w, Some(who), &format!("/contracts/{cid}")).await;
        assert_inert(&format!("rejected contract, as {who}"), &html);
        assert_eq!(textarea_shows(&html, "remark"), MARKUP, "{who}: the remark field without JavaScript");
        for (name, shown) in [
            ("order number", r#"&lt;h1 id="inj"&gt;X&lt;/h1&gt;"#),
            ("file name", "凭证&amp;lt;h2 id=f&amp;gt;"),
            ("file name", "名单&amp;lt;h2 id=s&amp;gt;"),
        ] {
            assert!(
                html.contains(shown) || html.contains(&shown.replace('"', "&quot;")),
                "{who}: {name} not shown as text ({shown}):\n{html}"
            );
        }
        // Element text escapes `&`, `<` and `>` only.
        let as_text = app::html::escape(MARKUP).replace("&quot;", "\"").replace("&#39;", "'");
        let timeline = html.split(r#"data-testid="timeline""#).nth(1).and_then(|t| t.split("</ol>").next());
        assert_eq!(
            timeline.map(|t| t.matches(as_text.as_str()).count()),
            Some(2),
            "{who}: the comment and the reason are in the timeline as text:\n{html}"
        );
    }

    // The list (and a search for the markup, which the page echoes) for each role.
    for who in ["alice", "ap1", "root"] {
        assert_inert(&format!("list, as {who}"), &page(&w, Some(who), "/contracts").await);
    }
    let q: String = MARKUP.bytes().map(|b| format!("%{b:02X}")).collect();
    assert_inert("list search", &page(&w, Some("alice"), &format!("/contracts?q={q}")).await);

    // The customer's payment page, and its answer to a voucher upload, named like the others.
    let pay = page(&w, None, &url).await;
    assert_inert("payment page", &pay);
    assert!(!pay.contains(r#""><h1"#), "the QR code's address stays inside its attribute:\n{pay}");
    let res = post_multipart(
        &w.app,
        &format!("{url}/voucher"),
        &[Part::File("file", PAID_VOUCHER_NAME, PNG)],
        Sent { same_origin: true, ..OURS },
    )
    .await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let paid = res.text();
    assert_inert("payment page after an upload", &paid);
    assert!(paid.contains("回单&amp;lt;h2 id=p&amp;gt;.png"), "the uploaded name is shown as text:\n{paid}");
    w.done().await;
}
