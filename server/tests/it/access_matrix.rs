//! Who gets what answer from every server function (PRODUCT.md §8), as one table.
//!
//! `rows()` lists, per endpoint, the HTTP status each role must get, in the order of [`ROLES`]:
//! anonymous, a partner of the owning organisation, a partner of another organisation, an approver
//! in no level of the contract's flow, the contract's level-1 approver (the pending level), admin.
//! A contract the role may not read answers 404, exactly like a missing one (ids cannot be probed);
//! 403 means the role may read it but not do this.
//! `spec()` says how to call the endpoint and on a contract in which state.
//!
//! The completeness tests fail when a server function is registered but not in `ENDPOINTS`, or
//! listed without a row here: a new server function cannot ship without a decided policy.
//! Adding one is a row in `rows()` plus an arm in `spec()`.

use crate::contract_world;
use crate::support;

use contract_world::{Who, World};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const ROLES: [Who; 6] =
    [Who::Anonymous, Who::OwnPartner, Who::OtherPartner, Who::UnassignedApprover, Who::Approver1, Who::Admin];

/// What every admin-console endpoint answers.
const ADMIN_ONLY: [u16; 6] = [403, 403, 403, 403, 403, 200];

/// Endpoint → expected status per role (order of [`ROLES`]).
fn rows() -> Vec<(&'static str, [u16; 6])> {
    vec![
        ("price_book/current", [200, 200, 200, 200, 200, 200]),
        ("auth/sign_in", [200, 200, 200, 200, 200, 200]),
        ("auth/sign_out", [200, 200, 200, 200, 200, 200]),
        ("auth/me", [200, 200, 200, 200, 200, 200]),
        ("contracts/create", [401, 200, 200, 403, 403, 200]),
        ("contracts/save", [401, 200, 404, 404, 404, 200]),
        ("contracts/get", [401, 200, 404, 404, 200, 200]),
        ("contracts/list", [401, 200, 200, 200, 200, 200]),
        ("contracts/list_choices", [401, 200, 200, 200, 200, 200]),
        ("contracts/submit", [401, 200, 404, 404, 404, 200]),
        ("contracts/withdraw", [401, 200, 404, 404, 403, 200]),
        ("contracts/cancel", [401, 200, 404, 404, 404, 200]),
        ("contracts/approve", [401, 403, 404, 404, 200, 403]),
        ("contracts/reject", [401, 403, 404, 404, 200, 403]),
        ("contracts/fulfil", [401, 403, 404, 404, 403, 200]),
        ("contracts/flow", [401, 200, 200, 200, 200, 200]),
        ("contracts/form_options", [401, 200, 200, 200, 200, 200]),
        // Removing a file is editing the draft.
        ("contracts/remove_attachment", [401, 200, 404, 404, 404, 200]),
        // Who may own a contract: asked by those who may edit it.
        ("contracts/owner_choices", [401, 200, 404, 404, 404, 200]),
        // Anyone signed in; the history counted is what they may read.
        ("contracts/active_accounts", [401, 200, 200, 200, 200, 200]),
        ("contracts/source_candidates", [401, 200, 200, 200, 200, 200]),
        ("quotes/save", [200, 200, 200, 200, 200, 200]),
        ("quotes/get", [200, 200, 200, 200, 200, 200]),
        ("quotes/seller", [200, 200, 200, 200, 200, 200]),
        ("payment/create_link", [401, 200, 404, 404, 404, 200]),
        ("payment/revoke_link", [401, 200, 404, 404, 404, 200]),
        // Read like the contract: its level-1 approver sees it once pending.
        ("payment/links", [401, 200, 404, 404, 200, 200]),
        ("approvals/inbox", [401, 200, 200, 200, 200, 200]),
        ("approvals/waiting_count", [401, 200, 200, 200, 200, 200]),
        ("desk/counts", [401, 200, 200, 200, 200, 200]),
        ("notifications/list", [401, 200, 200, 200, 200, 200]),
        // Nobody's notification (the matrix runs no outbox worker): 404 for everyone signed in;
        // someone else's is refused the same way (server/tests/it/desk.rs).
        ("notifications/read", [401, 404, 404, 404, 404, 404]),
        ("notifications/read_all", [401, 200, 200, 200, 200, 200]),
        ("renewals/due", [401, 200, 200, 200, 200, 200]),
        // Renewing needs reading the contract and making one in its organisation.
        ("renewals/start", [401, 200, 404, 404, 403, 200]),
        ("audit/search", [401, 403, 403, 403, 403, 200]),
        // The fulfilment card reads like the contract; the moves are an admin's. (Before the admin
        // console's rows: those change the settings the contracts here are made with.)
        ("wecom/job", [401, 200, 404, 404, 200, 200]),
        ("wecom/start", ADMIN_ONLY),
        ("wecom/retry", ADMIN_ONLY),
        ("wecom/manual", ADMIN_ONLY),
        // Anyone signed in changes their own password; here the current one is wrong: 422.
        ("auth/change_password", [401, 422, 422, 422, 422, 422]),
        ("price_book/version", [200, 200, 200, 200, 200, 200]),
        // The admin console: admins only; everyone else, signed in or not, 403.
        ("admin/users", ADMIN_ONLY),
        ("admin/create_organisation", ADMIN_ONLY),
        ("admin/create_user", ADMIN_ONLY),
        ("admin/update_user", ADMIN_ONLY),
        ("admin/defaults_of", ADMIN_ONLY),
        ("admin/set_active", ADMIN_ONLY),
        ("admin/reset_password", ADMIN_ONLY),
        ("admin/price_books", ADMIN_ONLY),
        ("admin/save_price_book", ADMIN_ONLY),
        ("admin/delete_price_book", ADMIN_ONLY),
        ("admin/flows", ADMIN_ONLY),
        ("admin/save_flow", ADMIN_ONLY),
        ("admin/settings", ADMIN_ONLY),
        ("admin/save_settings", ADMIN_ONLY),
        ("admin/remove_wechat_qr", ADMIN_ONLY),
        ("admin/test_robot", ADMIN_ONLY),
    ]
}

/// The contract a call works on, made fresh for every call so one role's answer cannot depend on
/// another's.
#[derive(Clone, Copy, Debug)]
enum State {
    NoContract,
    Draft,
    /// A draft with its payment voucher uploaded: ready to submit.
    Ready,
    /// A draft with a payment link; the answer carries its id as `link_id`.
    DraftWithLink,
    /// Submitted, at level 1.
    Pending,
    Approved,
    /// A fresh partner user; the answer is `{"user_id", "organisation_id"}`.
    Spare,
    /// A price book version not yet in effect; the answer is `{"book_id"}`.
    FutureBook,
    /// Approved, with a WeCom order job that stopped.
    StoppedJob,
}

enum Body {
    Json(fn(&World, &Value) -> Value),
    Form(fn(Option<&str>) -> Vec<(&'static str, String)>),
}

struct Spec {
    state: State,
    body: Body,
}

fn spec(path: &str) -> Spec {
    use State::*;
    let json = |state, f: fn(&World, &Value) -> Value| Spec { state, body: Body::Json(f) };
    match path {
        "price_book/current" | "auth/sign_out" | "auth/me" | "quotes/seller" => {
            Spec { state: NoContract, body: Body::Form(|_| vec![]) }
        }
        "auth/sign_in" => Spec {
            state: NoContract,
            body: Body::Form(|user| {
                vec![("username", user.unwrap_or("spare").to_owned()), ("password", support::PASSWORD.to_owned())]
            }),
        },
        "contracts/create" => {
            json(NoContract, |w, _| json!({"draft": {"end_customer": "矩阵", "approval": {"flow_id": w.flow_id}}}))
        }
        "contracts/save" => {
            json(Draft, |w, c| json!({"id": c["id"], "version": c["version"], "draft": w.valid_draft()}))
        }
        "contracts/get" => json(Pending, |_, c| json!({"id": c["id"]})),
        "contracts/list" => json(NoContract, |_, _| json!({"filter": {}})),
        "contracts/submit" => json(Ready, |_, c| json!({"id": c["id"], "version": c["version"], "draft": c["draft"]})),
        "contracts/withdraw" | "contracts/cancel" | "contracts/approve" => json(
            if path == "contracts/cancel" { Draft } else { Pending },
            |_, c| json!({"id": c["id"], "version": c["version"], "comment": "矩阵"}),
        ),
        "contracts/reject" => json(Pending, |_, c| json!({"id": c["id"], "version": c["version"], "reason": "矩阵"})),
        "contracts/fulfil" => json(
            Approved,
            |_, c| json!({"id": c["id"], "version": c["version"], "wecom_order_id": "WX-1", "activation_date": "2027-01-02", "api_expiry_date": ""}),
        ),
        "contracts/flow" | "contracts/form_options" | "contracts/list_choices" => json(NoContract, |_, _| json!({})),
        "contracts/owner_choices" => json(Draft, |_, c| json!({"id": c["id"]})),
        "contracts/source_candidates" => json(Approved, |_, _| json!({"q": ""})),
        "contracts/active_accounts" => {
            json(NoContract, |_, _| json!({"corp_id": contract_world::CORP, "start": "2027-01-01", "except": null}))
        }
        "contracts/remove_attachment" => json(
            Ready,
            |_, c| json!({"id": c["id"], "version": c["version"], "attachment": c["draft"]["payment_voucher"]}),
        ),
        "quotes/save" => Spec {
            state: NoContract,
            body: Body::Form(|_| {
                [("interop", "8"), ("months", "12"), ("order_type", "new")].map(|(k, v)| (k, v.to_owned())).to_vec()
            }),
        },
        "quotes/get" => Spec { state: NoContract, body: Body::Form(|_| vec![("token", "0".repeat(64))]) },
        "payment/create_link" => json(Draft, |_, c| json!({"contract_id": c["id"]})),
        "payment/revoke_link" => json(DraftWithLink, |_, c| json!({"link_id": c["link_id"]})),
        "payment/links" => json(Pending, |_, c| json!({"contract_id": c["id"]})),
        "approvals/inbox"
        | "approvals/waiting_count"
        | "desk/counts"
        | "notifications/list"
        | "notifications/read_all" => json(Pending, |_, _| json!({})),
        "notifications/read" => json(NoContract, |_, _| json!({"id": i64::MAX})),
        "renewals/due" => json(NoContract, |_, _| json!({"days": 30})),
        "renewals/start" => json(Approved, |_, c| json!({"source_id": c["id"]})),
        "audit/search" => json(Draft, |_, c| json!({"filter": {"contract": c["id"].to_string()}})),
        "auth/change_password" => Spec {
            state: NoContract,
            body: Body::Form(|_| {
                vec![("current", "not the password".into()), ("new_password", "a-new-password-1".into())]
            }),
        },
        "price_book/version" => {
            Spec { state: NoContract, body: Body::Form(|_| vec![("version", "2022-05-16".into())]) }
        }
        "admin/users" => json(NoContract, |_, _| json!({"search": ""})),
        "admin/create_organisation" => json(NoContract, |_, _| json!({"name": "矩阵机构"})),
        "admin/create_user" => json(Spare, |_, c| {
            json!({"input": {"username": "matrix.new", "display_name": "", "role": "partner",
                "organisation_id": c["organisation_id"], "wecom_userid": ""}})
        }),
        "admin/update_user" => json(
            Spare,
            |_, c| json!({"edit": {"id": c["user_id"], "display_name": "改名", "role": "partner", "wecom_userid": ""}}),
        ),
        "admin/defaults_of" | "admin/reset_password" => json(Spare, |_, c| json!({"id": c["user_id"]})),
        "admin/set_active" => json(Spare, |_, c| json!({"id": c["user_id"], "active": false, "replacement": null})),
        "admin/price_books" | "admin/flows" | "admin/settings" | "admin/remove_wechat_qr" | "admin/test_robot" => {
            json(NoContract, |_, _| json!({}))
        }
        "admin/save_price_book" => json(NoContract, |_, _| {
            let mut book = app::domain::PriceBook::default_2022();
            book.version = "2099-01-01".into();
            book.effective_from = chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap();
            json!({"id": null, "book": book})
        }),
        "admin/delete_price_book" => json(FutureBook, |_, c| json!({"id": c["book_id"]})),
        "admin/save_flow" => json(NoContract, |w, _| {
            let levels: Vec<Value> = ["一级", "二级", "三级"]
                .iter()
                .zip(w.approvers)
                .map(|(name, a)| json!({"name": name, "default_approver": a, "candidates": [a]}))
                .collect();
            json!({"id": w.flow_id, "name": "默认三级审批", "levels": levels})
        }),
        "admin/save_settings" => json(
            NoContract,
            |_, _| json!({"form": {"seller_name": "矩阵", "quote_valid_days": "30", "payment_link_days": "7"}}),
        ),
        "wecom/job" | "wecom/start" => json(Approved, |_, c| json!({"contract_id": c["id"]})),
        "wecom/retry" | "wecom/manual" => json(StoppedJob, |_, c| json!({"contract_id": c["id"]})),
        other => panic!("no call spec for {other}: add an arm to spec() and a row to rows()"),
    }
}

async fn prepare(w: &World, state: State) -> Value {
    match state {
        State::NoContract => Value::Null,
        State::Draft => w.create("alice", &w.valid_draft()).await,
        State::Ready => w.ready(w.valid_draft()).await.0,
        State::DraftWithLink => {
            let mut c = w.create("alice", &w.valid_draft()).await;
            let id = c["id"].as_i64().unwrap();
            let (link, _) = app::db::attachments::create_payment_link(&w.db, id, w.alice, 7).await.unwrap();
            c["link_id"] = json!(link.id);
            c
        }
        State::Pending => w.submitted().await,
        State::Spare => {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let name = format!("spare{}", N.fetch_add(1, Ordering::Relaxed));
            let id = support::make_user(&w.db, "备用渠道", &name, app::models::Role::Partner).await;
            let org = app::db::accounts::user_by_id(&w.db, id).await.unwrap().unwrap().organisation_id;
            json!({"user_id": id, "organisation_id": org})
        }
        State::FutureBook => {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let mut book = app::domain::PriceBook::default_2022();
            book.version = format!("future-{n}");
            book.effective_from =
                chrono::NaiveDate::from_ymd_opt(2090, 1, 1).unwrap() + chrono::Days::new(u64::from(n));
            let id = app::db::price_books::insert(&w.db, &book).await.unwrap();
            json!({"book_id": id})
        }
        State::Approved => approved(w).await,
        State::StoppedJob => {
            use sea_orm::{ActiveModelTrait, Set};
            let c = approved(w).await;
            w.ok("root", "wecom/start", json!({"contract_id": c["id"]})).await;
            let job = app::db::wecom::of_contract(&w.db, c["id"].as_i64().unwrap()).await.unwrap().unwrap();
            let mut stopped: app::db::entities::wecom_job::ActiveModel = job.into();
            stopped.state = Set("stopped".into());
            stopped.update(&w.db).await.unwrap();
            c
        }
    }
}

async fn approved(w: &World) -> Value {
    let mut c = w.submitted().await;
    for ap in ["ap1", "ap2", "ap3"] {
        c = w.ok(ap, "contracts/approve", json!({"id": c["id"], "version": c["version"], "comment": ""})).await;
    }
    c
}

#[tokio::test]
async fn every_role_gets_exactly_the_allowed_answer_from_every_endpoint() {
    let mut w = World::new().await;
    // WeCom's license API switched on (nowhere: no worker runs here), so its moves answer.
    let mut config = w.t.config();
    config.wecom = Some(server::wecom::WecomConfig::new("http://127.0.0.1:9", "wwprovider", "secret", "buyer"));
    w.app = server::router(&config, w.db.clone()).expect("router");
    support::make_user(&w.db, "访客", "spare", app::models::Role::Partner).await;
    let mut failures = Vec::new();
    for (path, expected) in rows() {
        let s = spec(path);
        for (who, want) in ROLES.into_iter().zip(expected) {
            let contract = prepare(&w, s.state).await;
            let user = World::name_of(who);
            let res = match &s.body {
                Body::Json(f) => w.call(user, path, f(&w, &contract)).await,
                Body::Form(f) => {
                    let form = f(user);
                    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let cookie = w.cookie(user);
                    support::post_form(&w.app, &format!("/api/{path}"), &pairs, cookie.as_deref()).await
                }
            };
            if res.status.as_u16() != want {
                failures.push(format!("{path} as {who:?}: want {want}, got {} {}", res.status, res.text()));
            }
            // Sign-in and sign-out change the caller's session: keep the role signed in.
            if let Some(name) = user
                && matches!(path, "auth/sign_in" | "auth/sign_out")
            {
                let fresh = support::sign_in(&w.app, name).await;
                w.set_cookie(name, fresh);
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong answers:\n{}", failures.len(), failures.join("\n"));
    w.done().await;
}

#[test]
fn every_registered_server_function_is_listed_with_a_door() {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.strip_prefix("/api/").unwrap_or(p).to_owned())
        .collect();
    let listed: BTreeSet<String> = app::functions::ENDPOINTS.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert!(!registered.is_empty(), "no server functions registered: the registry lookup is broken");
    assert_eq!(registered, listed, "registered server functions and ENDPOINTS differ");
}

#[test]
fn every_listed_endpoint_has_exactly_one_row_and_a_call_spec() {
    let listed: BTreeSet<&str> = app::functions::ENDPOINTS.iter().map(|(p, _)| *p).collect();
    let rows = rows();
    let in_rows: BTreeSet<&str> = rows.iter().map(|(p, _)| *p).collect();
    assert_eq!(in_rows.len(), rows.len(), "an endpoint has two rows");
    assert_eq!(listed, in_rows, "ENDPOINTS without a row in the access matrix, or rows for unknown endpoints");
    for (path, _) in rows {
        let _ = spec(path);
    }
}

#[test]
fn signed_in_doors_refuse_the_anonymous_and_public_doors_do_not() {
    use app::functions::{Door, ENDPOINTS};
    for (path, expected) in rows() {
        let door = ENDPOINTS.iter().find(|(p, _)| *p == path).map(|(_, d)| *d).unwrap();
        assert_eq!(
            door == Door::SignedIn,
            expected[0] == 401,
            "{path}: door {door:?} vs anonymous answer {}",
            expected[0]
        );
        assert_eq!(door == Door::Admin, expected == ADMIN_ONLY, "{path}: door {door:?} vs answers {expected:?}");
    }
}

use support::uploads;

/// The attachment routes are not server functions, so they get their own rows: upload to a draft
/// (statuses for the six roles of [`ROLES`]), and download of a voucher on a contract pending at
/// level 1.
#[tokio::test]
async fn every_role_gets_exactly_the_allowed_answer_from_the_attachment_routes() {
    let w = World::new().await;
    let upload_expected = [401, 201, 404, 404, 404, 201];
    let download_expected = [401, 200, 404, 404, 200, 200];
    for (who, want) in ROLES.iter().zip(upload_expected) {
        let draft = w.create("alice", &w.valid_draft()).await;
        let id = draft["id"].as_i64().unwrap();
        let got = match World::name_of(*who) {
            Some(name) => {
                let cookie = w.cookie(Some(name)).unwrap();
                uploads::upload(&w.app, id, "voucher", "v.png", uploads::PNG, &cookie).await.status.as_u16()
            }
            None => uploads::upload(&w.app, id, "voucher", "v.png", uploads::PNG, "").await.status.as_u16(),
        };
        assert_eq!(got, want, "upload by {who:?}");
    }
    let pending = w.submitted().await;
    let owner = w.cookie(Some("alice")).unwrap();
    let res = uploads::upload(&w.app, pending["id"].as_i64().unwrap(), "voucher", "v.png", uploads::PNG, &owner).await;
    assert_eq!(res.status.as_u16(), 201, "{}", res.text());
    let attachment = res.json()["id"].as_i64().unwrap();
    for (who, want) in ROLES.iter().zip(download_expected) {
        let mut req = axum::http::Request::get(format!("/attachments/{attachment}"));
        if let Some(c) = w.cookie(World::name_of(*who)) {
            req = req.header("cookie", c);
        }
        let got = support::send(&w.app, req.body(axum::body::Body::empty()).unwrap()).await.status.as_u16();
        assert_eq!(got, want, "download by {who:?}");
    }
    w.done().await;
}

/// The list's export (`GET /contracts/export.xlsx`) is a route, not a server function: anonymous
/// is refused, and each role's file holds exactly the contracts its list shows (a contract pending
/// at level 1: its organisation, its level-1 approver and the admin; never the others).
#[tokio::test]
async fn every_role_exports_exactly_the_contracts_it_may_read() {
    let w = World::new().await;
    let pending = w.submitted().await;
    let number = pending["document_number"].as_str().unwrap().to_owned();
    let expected = [(401, false), (200, true), (200, false), (200, false), (200, true), (200, true)];
    for (who, (status, holds)) in ROLES.iter().zip(expected) {
        let mut req = axum::http::Request::get("/contracts/export.xlsx");
        if let Some(c) = w.cookie(World::name_of(*who)) {
            req = req.header("cookie", c);
        }
        let res = support::send(&w.app, req.body(axum::body::Body::empty()).unwrap()).await;
        assert_eq!(res.status.as_u16(), status, "export by {who:?}");
        if status == 200 {
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(res.body.clone())).expect("a workbook");
            let sheet = book.worksheet_range_at(0).expect("a sheet").expect("readable");
            let numbers: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
            assert_eq!(numbers.contains(&number), holds, "export by {who:?}: {numbers:?}");
        }
    }
    w.done().await;
}
