//! A small world for contract tests: two partner organisations, three level approvers, one
//! approver not in the flow, an admin, the default flow wired to the approvers, and helpers to
//! call the contract server functions as each of them.

#![allow(dead_code)]

use crate::support::{self, TestDb, TestResponse};
use app::domain::contract::{ApprovalChoice, ContractDraft, CrmManagementType, DraftLine, PaymentMethod};
use app::domain::{AccountKind, OrderType};
use app::models::Role;
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

pub const CORP: &str = "ww69c04360d53da8b7";

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    Anonymous,
    /// A partner of the organisation that owns the contracts (the owner, alice).
    OwnPartner,
    /// A partner of another organisation (bob).
    OtherPartner,
    /// An approver who is in no level of the flow.
    UnassignedApprover,
    /// The approver of level 1.
    Approver1,
    Admin,
}

pub struct World {
    pub t: TestDb,
    pub app: Router,
    pub db: DatabaseConnection,
    pub alice: i64,
    pub amy: i64,
    pub bob: i64,
    pub approvers: [i64; 3],
    pub outsider: i64,
    pub admin: i64,
    pub flow_id: i64,
    cookies: std::collections::HashMap<&'static str, String>,
}

impl World {
    pub async fn new() -> World {
        let t = TestDb::new().await;
        let (app, db) = t.app().await;
        let alice = support::make_user(&db, "灵当渠道", "alice", Role::Partner).await;
        let amy = support::make_user(&db, "灵当渠道", "amy", Role::Partner).await;
        let bob = support::make_user(&db, "另一渠道", "bob", Role::Partner).await;
        let mut approvers = [0; 3];
        for (i, name) in ["ap1", "ap2", "ap3"].iter().enumerate() {
            approvers[i] = support::make_user(&db, "厂商", name, Role::Approver).await;
        }
        let outsider = support::make_user(&db, "厂商", "apx", Role::Approver).await;
        let admin = support::make_user(&db, "厂商", "root", Role::Admin).await;
        let flow = app::db::flows::default_flow(&db).await.expect("default flow");
        for (i, ap) in approvers.iter().enumerate() {
            app::db::flows::set_level(&db, flow.id, (i + 1) as u32, *ap, &[*ap]).await.expect("set level");
        }
        let mut w = World {
            t,
            app,
            db,
            alice,
            amy,
            bob,
            approvers,
            outsider,
            admin,
            flow_id: flow.id,
            cookies: Default::default(),
        };
        for name in ["alice", "amy", "bob", "ap1", "ap2", "ap3", "apx", "root"] {
            let c = support::sign_in(&w.app, name).await;
            w.cookies.insert(name, c);
        }
        w
    }

    pub async fn done(self) {
        self.t.cleanup(self.db).await;
    }

    /// The cookie of a user by name (`None` = anonymous).
    pub fn cookie(&self, name: Option<&str>) -> Option<String> {
        name.map(|n| self.cookies.get(n).cloned().expect("signed-in user"))
    }

    pub fn set_cookie(&mut self, name: &'static str, cookie: String) {
        self.cookies.insert(name, cookie);
    }

    pub fn name_of(who: Who) -> Option<&'static str> {
        match who {
            Who::Anonymous => None,
            Who::OwnPartner => Some("alice"),
            Who::OtherPartner => Some("bob"),
            Who::UnassignedApprover => Some("apx"),
            Who::Approver1 => Some("ap1"),
            Who::Admin => Some("root"),
        }
    }

    /// Calls a server function with a JSON body as `user` (by name; `None` = anonymous).
    pub async fn call(&self, user: Option<&str>, path: &str, body: Value) -> TestResponse {
        call_json(&self.app, &format!("/api/{path}"), &body, self.cookie(user).as_deref()).await
    }

    /// Like [`World::call`], asserting success, returning the JSON answer.
    pub async fn ok(&self, user: &str, path: &str, body: Value) -> Value {
        let res = self.call(Some(user), path, body).await;
        assert_eq!(res.status.as_u16(), 200, "{user} {path}: {}", res.text());
        res.json()
    }

    pub async fn create(&self, user: &str, draft: &ContractDraft) -> Value {
        self.ok(user, "contracts/create", json!({ "draft": draft })).await
    }

    pub async fn get(&self, user: &str, id: i64) -> Value {
        self.ok(user, "contracts/get", json!({ "id": id })).await
    }

    /// Uploads `file` as `kind` (`voucher` or `userid_sheet`) to contract `id` as `user`; returns
    /// the attachment's id and the contract's version after the upload (it becomes the contract's
    /// voucher / sheet while the contract is editable, which bumps the version).
    pub async fn upload(&self, user: &str, id: i64, kind: &str, name: &str, file: &[u8]) -> (i64, Option<i64>) {
        let cookie = self.cookie(Some(user)).expect("signed in");
        let res = support::uploads::upload(&self.app, id, kind, name, file, &cookie).await;
        assert_eq!(res.status.as_u16(), 201, "{user} uploads {kind}: {}", res.text());
        let v = res.json();
        (v["id"].as_i64().expect("attachment id"), v["contract_version"].as_i64())
    }

    /// Creates `d` as alice and uploads its payment voucher: a draft ready to submit. Returns the
    /// contract's DTO after the upload (its draft names the voucher) and `d` naming it too.
    pub async fn ready(&self, mut d: ContractDraft) -> (Value, ContractDraft) {
        let c = self.create("alice", &d).await;
        let id = c["id"].as_i64().expect("id");
        let (voucher, _) = self.upload("alice", id, "voucher", "付款凭证.png", support::uploads::PNG).await;
        d.payment_voucher = Some(voucher);
        let c = self.get("alice", id).await;
        assert_eq!(c["draft"]["payment_voucher"], voucher, "the upload is the contract's voucher");
        // The page shows the file by the name it was uploaded with.
        assert_eq!(c["attachments"][0]["id"], voucher);
        assert_eq!(
            (&c["attachments"][0]["kind"], &c["attachments"][0]["file_name"]),
            (&json!("voucher"), &json!("付款凭证.png"))
        );
        (c, d)
    }

    /// Creates a complete draft as alice, uploads its voucher and submits it; returns the DTO after
    /// submission.
    pub async fn submitted(&self) -> Value {
        let (c, d) = self.ready(self.valid_draft()).await;
        self.ok("alice", "contracts/submit", json!({ "id": c["id"], "version": c["version"], "draft": d })).await
    }

    /// The seed's example order, complete but for the payment voucher, which must be uploaded to
    /// the contract first (see [`World::ready`]), with the default flow.
    pub fn valid_draft(&self) -> ContractDraft {
        ContractDraft {
            end_customer: "雪碧算术".into(),
            owner: Some(self.alice),
            corp_id: CORP.into(),
            corp_name: "雪碧算术".into(),
            crm_type: Some(CrmManagementType::OnPremise),
            payment_method: Some(PaymentMethod::BankTransfer),
            order_type: Some(OrderType::New),
            auto_activation: Some(true),
            userid_count_matches: Some(true),
            order_quantity_matches: Some(true),
            installed_app: "灵当CRM".into(),
            remark: "首次购买".into(),
            lines: vec![DraftLine {
                kind: Some(AccountKind::Interop),
                quantity: "8".into(),
                service_start: "2027-01-01".into(),
                service_end: "2027-12-31".into(),
                invoice: Some(false),
                ..DraftLine::default()
            }],
            approval: ApprovalChoice { flow_id: Some(self.flow_id), approvers: vec![] },
            ..ContractDraft::default()
        }
    }
}

/// A same-origin JSON POST to a server function.
pub async fn call_json(app: &Router, uri: &str, body: &Value, cookie: Option<&str>) -> TestResponse {
    let mut req = Request::post(uri)
        .header("content-type", "application/json")
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    support::send(app, req.body(Body::from(body.to_string())).unwrap()).await
}

/// The `field` of every problem in a 422 answer.
pub fn problem_fields(body: &Value) -> Vec<String> {
    body["problems"]
        .as_array()
        .map(|ps| ps.iter().map(|p| p["field"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}
