//! Crash consistency: partners create contracts, upload their vouchers and submit them against the
//! real server binary, which is killed (SIGKILL) at a moment picked at random, then started again,
//! `CRASH_KILLS` times (20 by default). After each kill:
//!
//! - everything the clients saw acknowledged is there: a created contract with its line, an
//!   uploaded voucher with its bytes in storage, a submission with its document number, its
//!   line, its approvers, its voucher and its outbox event;
//! - nothing half-written is visible: every contract in approval has a number, lines, approvers
//!   and its voucher; every attachment row has its blob; the document numbers run from 1 with no
//!   gap and no repeat (a number is only ever taken by a submission that committed).

use crate::contract_world::World;
use crate::support::remote::Process;
use crate::support::uploads::PNG;
use app::db::entities::{attachment, contract, contract_approver, contract_line, outbox as outbox_row};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Clients submitting at once.
const CLIENTS: usize = 4;

/// What a client saw acknowledged.
#[derive(Clone, Debug)]
enum Acked {
    Created(i64),
    Uploaded { contract: i64, attachment: i64, bytes: Vec<u8> },
    Submitted { contract: i64, number: String },
}

/// A small xorshift generator, seeded from the clock (printed, to replay a failure).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One client: create, upload the voucher, submit, again, until the server stops answering.
async fn client(p: Arc<Process>, w: Arc<World>, cookie: String, tag: String, acked: Arc<Mutex<Vec<Acked>>>) {
    for n in 0.. {
        let mut d = w.valid_draft();
        let Ok((200, c)) = p.try_call("contracts/create", &json!({ "draft": d }), Some(&cookie)).await else { return };
        let id = c["id"].as_i64().expect("id");
        acked.lock().unwrap().push(Acked::Created(id));
        // A voucher of its own content, so that each blob is told apart.
        let bytes = [PNG, format!("{tag}-{n}").as_bytes()].concat();
        let Ok((201, up)) = p.upload(id, "voucher", "付款凭证.png", &bytes, &cookie).await else { return };
        let attachment = up["id"].as_i64().expect("attachment id");
        acked.lock().unwrap().push(Acked::Uploaded { contract: id, attachment, bytes });
        d.payment_voucher = Some(attachment);
        let body = json!({ "id": id, "version": up["contract_version"], "draft": d });
        let Ok((200, s)) = p.try_call("contracts/submit", &body, Some(&cookie)).await else { return };
        let number = s["document_number"].as_str().expect("number").to_owned();
        acked.lock().unwrap().push(Acked::Submitted { contract: id, number });
    }
}

async fn check_acknowledged(w: &World, acked: &[Acked]) {
    let store = w.t.store();
    for a in acked {
        match a {
            Acked::Created(id) => {
                let c = contract::Entity::find_by_id(*id).one(&w.db).await.unwrap();
                assert!(c.is_some(), "acknowledged contract {id} lost");
                assert_eq!(lines(w, *id).await, 1, "contract {id} without its line");
            }
            Acked::Uploaded { contract: id, attachment: att, bytes } => {
                let row = attachment::Entity::find_by_id(*att).one(&w.db).await.unwrap();
                let row = row.unwrap_or_else(|| panic!("acknowledged attachment {att} lost"));
                assert_eq!(row.contract_id, *id);
                let blob = store.get(&row.storage_key).await.unwrap();
                assert_eq!(blob.as_deref(), Some(bytes.as_slice()), "attachment {att}'s bytes");
            }
            Acked::Submitted { contract: id, number } => {
                let c = contract::Entity::find_by_id(*id).one(&w.db).await.unwrap().expect("submitted contract");
                assert_eq!(c.status, "in_approval", "acknowledged submission {id} not in approval");
                assert_eq!(c.document_number.as_deref(), Some(number.as_str()));
                let events = outbox_row::Entity::find()
                    .filter(outbox_row::Column::Payload.contains(format!("\"contract_id\":{id},")))
                    .count(&w.db)
                    .await
                    .unwrap();
                assert!(events >= 1, "submission {id} without its outbox event");
            }
        }
    }
}

async fn lines(w: &World, id: i64) -> u64 {
    contract_line::Entity::find().filter(contract_line::Column::ContractId.eq(id)).count(&w.db).await.unwrap()
}

/// Nothing half-written: the invariants of every stored contract and attachment.
async fn check_whole(w: &World) {
    let store = w.t.store();
    let mut numbers = Vec::new();
    for c in contract::Entity::find().all(&w.db).await.unwrap() {
        assert!(lines(w, c.id).await >= 1, "contract {} without lines", c.id);
        if c.status == "draft" {
            assert!(c.document_number.is_none(), "a draft with a number: {}", c.id);
            continue;
        }
        assert_eq!(c.status, "in_approval", "contract {}", c.id);
        let number = c.document_number.clone().unwrap_or_else(|| panic!("submitted {} without a number", c.id));
        numbers.push(number.trim_start_matches("QYWXHT-").parse::<usize>().expect("number"));
        let approvers = contract_approver::Entity::find()
            .filter(contract_approver::Column::ContractId.eq(c.id))
            .count(&w.db)
            .await
            .unwrap();
        assert_eq!(approvers, 3, "submitted {} without its approvers", c.id);
        let voucher = c.payment_voucher_id.unwrap_or_else(|| panic!("submitted {} without its voucher", c.id));
        assert!(attachment::Entity::find_by_id(voucher).one(&w.db).await.unwrap().is_some());
    }
    for a in attachment::Entity::find().all(&w.db).await.unwrap() {
        assert!(store.get(&a.storage_key).await.unwrap().is_some(), "attachment {} without its blob", a.id);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=numbers.len()).collect::<Vec<_>>(), "document numbers from 1, no gap, no repeat");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_at_random_moments_the_server_loses_no_acknowledged_submission() {
    let kills: usize = std::env::var("CRASH_KILLS").ok().and_then(|k| k.parse().ok()).unwrap_or(20);
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("crash test: {kills} kills, seed {seed}");
    let mut rng = Rng(seed);
    let w = Arc::new(World::new().await);
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut submitted = 0;
    for round in 0..kills {
        let p = Arc::new(Process::start(&w.t, "crash", &[]).await);
        let cookie = p.sign_in("alice").await;
        let mut clients = tokio::task::JoinSet::new();
        for c in 0..CLIENTS {
            let tag = format!("{round}-{c}");
            clients.spawn(client(p.clone(), w.clone(), cookie.clone(), tag, acked.clone()));
        }
        tokio::time::sleep(Duration::from_millis(100 + rng.below(900))).await;
        // SIGKILL, while requests are in flight.
        let pid = p.server.0.id().to_string();
        let killed = std::process::Command::new("kill").args(["-9", &pid]).status().expect("kill");
        assert!(killed.success(), "kill -9 {pid}");
        while clients.join_next().await.is_some() {}
        drop(p);
        let acked = acked.lock().unwrap().clone();
        check_acknowledged(&w, &acked).await;
        check_whole(&w).await;
        submitted = acked.iter().filter(|a| matches!(a, Acked::Submitted { .. })).count();
    }
    eprintln!("crash test: {submitted} acknowledged submissions over {kills} kills, none lost");
    assert!(submitted >= kills, "the load submitted too little to mean anything: {submitted}");
    Arc::try_unwrap(w).ok().expect("the world's last holder").done().await;
}
