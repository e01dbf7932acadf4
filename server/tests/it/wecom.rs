//! Fulfilment through WeCom's license API, against the WeCom stand-in (`server::wecom_standin`)
//! started by each test: a new purchase from order to 已开通 with every userid activated to its
//! kind (and a provider token that expires mid-job); a refused userid shown in words while the
//! rest are activated, a re-run that tries only it, and WeCom's price flagged when it is not
//! ours; a renewal through WeCom's renewal job; the real server binary killed right after WeCom
//! created the order, restarted, and exactly one order; the stand-in down while the final
//! approval starts the job, which goes on once it is back. SQLite, and PostgreSQL with
//! `TEST_DATABASE_URL`.

use crate::contract_world::{CORP, World};
use crate::support;

use app::db::entities::{contract_line, contract_userid, wecom_job};
use app::domain::contract::ContractStatus;
use app::domain::wecom::JobState;
use app::models::SessionUser;
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::{Value, json};
use server::outbox::{OutboxHandle, Worker, default_handlers};
use server::wecom::WecomConfig;
use server::wecom::client::LicenseClient;
use server::wecom::job::Fulfilment;
use server::wecom_standin::{Options, StandIn};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::outbox::{PATIENCE, fast};

const BUYER: &str = "buyer.zhang";

/// The server's WeCom settings for the stand-in at `base`, with short waits.
fn wecom_config(base: &str) -> WecomConfig {
    let o = Options::default();
    let mut c = WecomConfig::new(base, &o.provider_corpid, &o.provider_secret, BUYER);
    c.poll_base = Duration::from_millis(50);
    c.poll_cap = Duration::from_millis(200);
    c.timeout = Duration::from_secs(3);
    c
}

/// The world's router with WeCom's license API switched on (so the admin's buttons work), and a
/// running outbox worker with the notifications and the job's handler.
fn switch_on(w: &mut World, config: &WecomConfig) -> OutboxHandle {
    let mut server_config = w.t.config();
    server_config.wecom = Some(config.clone());
    w.app = server::router(&server_config, w.db.clone()).expect("router");
    let mut handlers = default_handlers(&w.db, None);
    let client = Arc::new(LicenseClient::new(config.clone()));
    handlers.push(Arc::new(Fulfilment::new(w.db.clone(), client)));
    server::outbox::worker::spawn(Worker::new(w.db.clone(), handlers, fast()))
}

/// An approved contract of alice's: `lines` (kind, quantity) for `months`, the userid sheet
/// `userids` (userid, kind), auto-activation on; our subtotal `subtotal_fen`.
async fn approved(
    w: &World,
    order_type: &str,
    lines: &[(&str, i64)],
    months: i32,
    userids: &[(&str, &str)],
    subtotal_fen: i64,
) -> i64 {
    let alice = app::db::accounts::user_by_id(&w.db, w.alice).await.unwrap().unwrap();
    let mut row = support::contract_row(alice.organisation_id, w.alice, ContractStatus::Approved);
    row.document_number = Set(Some(format!("QYWXHT-9{}", lines.len())));
    row.end_customer = Set("雪碧算术".into());
    row.corp_id = Set(CORP.into());
    row.corp_name = Set("雪碧算术".into());
    row.order_type = Set(Some(order_type.into()));
    row.auto_activation = Set(Some(true));
    row.subtotal_fen = Set(Some(subtotal_fen));
    let id = row.insert(&w.db).await.unwrap().id;
    let start = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    for (i, (kind, quantity)) in lines.iter().enumerate() {
        contract_line::ActiveModel {
            contract_id: Set(id),
            position: Set(i as i32),
            kind: Set(Some((*kind).into())),
            quantity: Set(Some(*quantity)),
            service_start: Set(Some(start)),
            service_end: Set(app::domain::period::end_of(start, months as u32)),
            months: Set(Some(months)),
            invoice: Set(Some(false)),
            description: Set(String::new()),
            ..Default::default()
        }
        .insert(&w.db)
        .await
        .unwrap();
    }
    for (i, (userid, kind)) in userids.iter().enumerate() {
        contract_userid::ActiveModel {
            contract_id: Set(id),
            row_number: Set(i as i32 + 2),
            corp_id: Set(CORP.into()),
            userid: Set((*userid).into()),
            kind: Set((*kind).into()),
        }
        .insert(&w.db)
        .await
        .unwrap();
    }
    id
}

async fn job_of(db: &DatabaseConnection, contract_id: i64) -> Option<wecom_job::Model> {
    app::db::wecom::of_contract(db, contract_id).await.unwrap()
}

/// Waits until the contract's job is in `state` (paying its order at the stand-in whenever one
/// waits, when `pay`), at most [`PATIENCE`].
async fn until_state(
    db: &DatabaseConnection,
    standin: &StandIn,
    contract_id: i64,
    state: JobState,
    pay: bool,
) -> wecom_job::Model {
    let start = Instant::now();
    loop {
        if let Some(job) = job_of(db, contract_id).await {
            if job.state == state.code() {
                return job;
            }
            if pay && job.state == JobState::AwaitingPayment.code() {
                if let Some(order) = &job.order_id {
                    standin.pay(order);
                }
            }
        }
        assert!(
            start.elapsed() < PATIENCE * 2,
            "job of {contract_id} not {state:?}: {:?}",
            job_of(db, contract_id).await
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn view(w: &World, user: &str, contract_id: i64) -> Value {
    w.ok(user, "wecom/job", json!({ "contract_id": contract_id })).await
}

fn kinds_of(standin: &StandIn) -> Vec<(String, i32)> {
    let mut active: Vec<(String, i32)> = standin.active(CORP).into_iter().map(|a| (a.userid, a.kind)).collect();
    active.sort();
    active
}

const EIGHT: [(&str, &str); 8] = [
    ("zhangsan", "basic"),
    ("lisi", "basic"),
    ("wangwu", "basic"),
    ("zhaoliu", "basic"),
    ("13800138000", "basic"),
    ("sunqi", "interop"),
    ("zhouba", "interop"),
    ("wujiu", "interop"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_purchase_ends_fulfilled_with_every_userid_activated_to_its_kind() {
    let mut w = World::new().await;
    let standin = StandIn::start(Options::default()).await;
    let worker = switch_on(&mut w, &wecom_config(&standin.base));
    // 5 × 5 + 3 × 50 = 175.00 for a year: WeCom's price in the stand-in is the same.
    let id = approved(&w, "new", &[("basic", 5), ("interop", 3)], 12, &EIGHT, 17_500).await;

    // Only an admin may order; the owner sees the card without the button.
    let mine = view(&w, "alice", id).await;
    assert_eq!((mine["enabled"].as_bool(), mine["can_start"].as_bool()), (Some(true), Some(false)));
    assert_eq!(w.call(Some("alice"), "wecom/start", json!({ "contract_id": id })).await.status.as_u16(), 403);
    assert_eq!(view(&w, "root", id).await["can_start"], true);
    let started = w.ok("root", "wecom/start", json!({ "contract_id": id })).await;
    // The worker may have ordered already by the time the answer is read.
    let state = started["job"]["state"].as_str().unwrap_or_default().to_owned();
    assert!(["ordering", "awaiting_payment"].contains(&state.as_str()), "{started}");
    // A second start is refused: one job per contract.
    let again = w.call(Some("root"), "wecom/start", json!({ "contract_id": id })).await;
    assert_eq!(again.status.as_u16(), 409, "{}", again.text());

    let waiting = until_state(&w.db, &standin, id, JobState::AwaitingPayment, false).await;
    let order = waiting.order_id.clone().expect("order id");
    // The page says it waits for the payment in WeCom, with WeCom's price beside ours.
    let start = Instant::now();
    while view(&w, "alice", id).await["job"]["wecom_price_fen"].is_null() {
        assert!(start.elapsed() < PATIENCE, "the price was never read");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let card = view(&w, "alice", id).await;
    assert_eq!(card["job"]["state_zh"], "等待在企业微信支付");
    assert_eq!(card["job"]["order_status_zh"], "待支付");
    assert_eq!(
        (card["job"]["wecom_price_fen"].as_i64(), card["job"]["price_differs"].as_bool()),
        (Some(17_500), Some(false))
    );
    // The provider token runs out while the job waits: the next call gets a new one.
    standin.expire_tokens();
    let tokens = standin.tokens_issued();
    let done = until_state(&w.db, &standin, id, JobState::Done, true).await;
    assert!(standin.tokens_issued() > tokens, "a new token after the old one expired");

    let orders = standin.orders();
    assert_eq!(orders.len(), 1, "one order");
    let o = &orders[0];
    assert_eq!((o.order_type, o.base_count, o.external_contact_count, o.months), (1, 5, 3, 12));
    assert_eq!(o.corpid, CORP);
    assert_eq!(done.order_id.as_deref(), Some(order.as_str()));
    let mut expected: Vec<(String, i32)> =
        EIGHT.iter().map(|(u, k)| ((*u).to_owned(), if *k == "basic" { 1 } else { 2 })).collect();
    expected.sort();
    assert_eq!(kinds_of(&standin), expected, "every userid activated with a code of its kind");
    assert_eq!(standin.auto_active_status(CORP), Some(1), "auto-activation as the form says");

    let c = w.get("root", id).await;
    assert_eq!(c["status"]["status"], "fulfilled");
    let card = view(&w, "alice", id).await;
    assert_eq!((card["job"]["activated"].as_u64(), card["job"]["failed"].as_u64()), (Some(8), Some(0)));
    let expiry = standin.active(CORP).iter().map(|a| a.expire_time).min().unwrap();
    let day = app::domain::calendar::china_date(chrono::DateTime::from_timestamp(expiry, 0).unwrap());
    for account in card["job"]["accounts"].as_array().unwrap() {
        assert_eq!(account["state"], "active", "{account}");
        assert!(account["active_code"].as_str().is_some_and(|c| !c.is_empty()));
        assert_eq!(account["expire_date"], day.to_string());
    }
    let row = app::db::contracts::row(&w.db, id).await.unwrap().unwrap();
    assert_eq!(row.wecom_order_id.as_deref(), Some(order.as_str()));
    assert_eq!(row.api_expiry_date, Some(day));
    assert!(row.activation_date.is_some());
    // The owner and the admins hear it finished.
    for user in [w.alice, w.admin] {
        let start = Instant::now();
        loop {
            let mine = app::db::notifications::list(&w.db, user, 50).await.unwrap();
            if mine.iter().any(|n| n.kind == "wecom.job_finished" && n.contract_id == Some(id)) {
                break;
            }
            assert!(start.elapsed() < PATIENCE, "user {user} not told");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
    worker.stop().await;
    w.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_userid_shows_its_reason_the_rest_are_activated_and_a_rerun_tries_only_it() {
    let mut w = World::new().await;
    let standin = StandIn::start(Options::default()).await;
    standin.refuse_userid("lisi", 701011);
    let worker = switch_on(&mut w, &wecom_config(&standin.base));
    // Our price says 170.00; WeCom will ask 175.00.
    let id = approved(&w, "new", &[("basic", 5), ("interop", 3)], 12, &EIGHT, 17_000).await;
    w.ok("root", "wecom/start", json!({ "contract_id": id })).await;
    until_state(&w.db, &standin, id, JobState::Done, true).await;

    let card = view(&w, "alice", id).await;
    let job = &card["job"];
    assert_eq!(job["price_differs"], true, "WeCom's price 175.00 is not ours 170.00");
    assert_eq!((job["activated"].as_u64(), job["failed"].as_u64()), (Some(7), Some(1)));
    let lisi = job["accounts"].as_array().unwrap().iter().find(|a| a["userid"] == "lisi").unwrap().clone();
    assert_eq!(lisi["state"], "failed");
    assert!(lisi["reason_zh"].as_str().unwrap().contains("已绑定"), "{lisi}");
    assert!(lisi["reason_en"].as_str().unwrap().contains("701011"), "{lisi}");
    assert_eq!(kinds_of(&standin).len(), 7, "the other seven are activated");
    assert_eq!(w.get("root", id).await["status"]["status"], "fulfilled", "the order is paid and fulfilled");

    // The admin clears it in WeCom and runs the job again: only lisi is sent.
    standin.refuse_userid("lisi", 0);
    let calls_before = standin.calls().len();
    assert_eq!(view(&w, "root", id).await["can_retry"], true);
    w.ok("root", "wecom/retry", json!({ "contract_id": id })).await;
    let start = Instant::now();
    while view(&w, "root", id).await["job"]["failed"].as_u64() != Some(0)
        || job_of(&w.db, id).await.unwrap().state != JobState::Done.code()
    {
        assert!(start.elapsed() < PATIENCE, "the re-run did not finish");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(kinds_of(&standin).len(), 8);
    let again: Vec<String> = standin.calls()[calls_before..].to_vec();
    assert!(!again.iter().any(|c| c == "create_new_order"), "no new order: {again:?}");
    assert_eq!(again.iter().filter(|c| *c == "batch_active_account").count(), 1, "{again:?}");
    assert_eq!(standin.orders().len(), 1);
    worker.stop().await;
    w.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_goes_through_wecoms_renewal_job() {
    let mut w = World::new().await;
    let standin = StandIn::start(Options::default()).await;
    let now = chrono::Utc::now().timestamp();
    standin.seed_active(CORP, "zhangsan", 1, now + 10 * 86_400);
    standin.seed_active(CORP, "sunqi", 2, now + 10 * 86_400);
    let worker = switch_on(&mut w, &wecom_config(&standin.base));
    let id = approved(
        &w,
        "renewal",
        &[("basic", 1), ("interop", 1)],
        12,
        &[("zhangsan", "basic"), ("sunqi", "interop")],
        5_500,
    )
    .await;
    w.ok("root", "wecom/start", json!({ "contract_id": id })).await;
    until_state(&w.db, &standin, id, JobState::Done, true).await;

    let orders = standin.orders();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].order_type, 2, "a renewal order");
    let mut renewed = orders[0].renew_accounts.clone();
    renewed.sort();
    assert_eq!(renewed, [("sunqi".to_owned(), 2), ("zhangsan".to_owned(), 1)]);
    let calls = standin.calls();
    assert!(calls.contains(&"create_renew_order_job".to_owned()) && calls.contains(&"submit_order_job".to_owned()));
    assert!(!calls.contains(&"create_new_order".to_owned()));
    let card = view(&w, "alice", id).await;
    assert_eq!((card["job"]["activated"].as_u64(), card["job"]["failed"].as_u64()), (Some(2), Some(0)));
    let row = app::db::contracts::row(&w.db, id).await.unwrap().unwrap();
    assert_eq!(row.status, "fulfilled");
    let expiry = row.api_expiry_date.expect("expiry recorded");
    let before = app::domain::calendar::china_date(chrono::DateTime::from_timestamp(now + 10 * 86_400, 0).unwrap());
    assert!(expiry > before + chrono::Duration::days(300), "renewed for a year: {expiry}");
    worker.stop().await;
    w.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_killed_right_after_wecom_created_the_order_orders_once_after_restart() {
    let w = World::new().await;
    let standin = StandIn::start(Options::default()).await;
    let id = approved(&w, "new", &[("basic", 5), ("interop", 3)], 12, &EIGHT, 17_500).await;

    let o = Options::default();
    let env = [
        ("WECOM_API_BASE", standin.base.as_str()),
        ("WECOM_PROVIDER_CORPID", o.provider_corpid.as_str()),
        ("WECOM_PROVIDER_SECRET", o.provider_secret.as_str()),
        ("WECOM_BUYER_USERID", BUYER),
        ("WECOM_POLL_MS", "50"),
        ("OUTBOX_POLL_MS", "20"),
        ("OUTBOX_LEASE_SECS", "2"),
        ("OUTBOX_BACKOFF_BASE_MS", "50"),
    ];
    let (server, _) = support::start_server(&w.t, &env).await;
    // WeCom records the order, then the server dies before it hears the answer.
    let victim = Arc::new(std::sync::Mutex::new(Some(server)));
    let killer = victim.clone();
    standin.on_order_created(move |_| {
        if let Some(mut server) = killer.lock().unwrap().take() {
            server.0.kill().ok();
            server.0.wait().ok();
        }
    });
    let admin: SessionUser = app::db::accounts::session_user_by_id(&w.db, w.admin).await.unwrap().unwrap();
    let switch = app::services::wecom::WecomSwitch { enabled: true, auto_order: false };
    app::services::wecom::start(&w.db, &admin, id, switch).await.expect("start the job");
    let start = Instant::now();
    while victim.lock().unwrap().is_some() {
        assert!(
            start.elapsed() < PATIENCE,
            "the job never ordered: calls {:?}, job {:?}",
            standin.calls(),
            job_of(&w.db, id).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(standin.orders().len(), 1);
    let job = job_of(&w.db, id).await.unwrap();
    assert!(job.order_id.is_none() && job.order_intent_at.is_some(), "died between the order and its record: {job:?}");

    let (_again, _) = support::start_server(&w.t, &env).await;
    let done = until_state(&w.db, &standin, id, JobState::Done, true).await;
    let orders = standin.orders();
    assert_eq!(orders.len(), 1, "exactly one order at WeCom: {orders:?}");
    assert_eq!(done.order_id.as_deref(), Some(orders[0].order_id.as_str()), "the order found again");
    assert!(standin.calls().contains(&"list_order".to_owned()), "looked the order up before ordering");
    assert_eq!(kinds_of(&standin).len(), 8);
    w.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_wecom_down_the_approval_goes_through_and_the_job_resumes_when_it_is_back() {
    let mut w = World::new().await;
    // WeCom's address, with nothing listening yet.
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut config = wecom_config(&format!("http://{addr}"));
    config.auto_order = true;
    config.max_tries = 1_000;
    let worker = switch_on(&mut w, &config);
    let c = w.submitted().await;
    let id = c["id"].as_i64().unwrap();
    let mut version = c["version"].as_i64().unwrap();
    for approver in ["ap1", "ap2", "ap3"] {
        let after = w.ok(approver, "contracts/approve", json!({ "id": id, "version": version, "comment": "" })).await;
        version = after["version"].as_i64().unwrap();
    }
    assert_eq!(w.get("alice", id).await["status"]["status"], "approved", "the approval does not wait for WeCom");
    // The final approval started the job; it cannot reach WeCom and keeps trying.
    let start = Instant::now();
    while app::db::outbox::undone(&w.db, 50)
        .await
        .unwrap()
        .iter()
        .all(|r| r.kind != "wecom.job_step" || r.attempts == 0)
    {
        assert!(start.elapsed() < PATIENCE, "the job never tried WeCom");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(job_of(&w.db, id).await.unwrap().state, JobState::Ordering.code());

    let listener = tokio::net::TcpListener::bind(addr).await.expect("WeCom's address again");
    let standin = StandIn::start_on(listener, Options::default()).await;
    until_state(&w.db, &standin, id, JobState::Done, true).await;
    assert_eq!(standin.orders().len(), 1);
    assert_eq!(standin.orders()[0].external_contact_count, 8);
    assert_eq!(w.get("alice", id).await["status"]["status"], "fulfilled");
    worker.stop().await;
    w.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_job_says_why_and_the_admin_retries_it_or_fulfils_by_hand() {
    let mut w = World::new().await;
    let standin = StandIn::start(Options::default()).await;
    let mut config = wecom_config(&standin.base);
    // One try per step: WeCom busy once stops the job.
    config.max_tries = 1;
    let worker = switch_on(&mut w, &config);
    let first = approved(&w, "new", &[("basic", 5), ("interop", 3)], 12, &EIGHT, 17_500).await;
    standin.busy_next(1);
    w.ok("root", "wecom/start", json!({ "contract_id": first })).await;
    let stopped = until_state(&w.db, &standin, first, JobState::Stopped, false).await;
    assert!(stopped.order_id.is_none() && standin.orders().is_empty(), "WeCom was busy: nothing ordered");
    let card = view(&w, "alice", first).await;
    assert!(card["job"]["error_zh"].as_str().unwrap().contains("企业微信"), "{card}");
    assert!(card["job"]["error_en"].as_str().unwrap().contains("errcode -1"), "{card}");
    assert_eq!(
        (card["can_retry"].as_bool(), card["can_manual"].as_bool()),
        (Some(false), Some(false)),
        "not the owner's"
    );
    let admin = view(&w, "root", first).await;
    assert_eq!((admin["can_retry"].as_bool(), admin["can_manual"].as_bool()), (Some(true), Some(true)));
    // The owner and the admins hear it stopped, with the reason.
    let start = Instant::now();
    loop {
        let mine = app::db::notifications::list(&w.db, w.alice, 50).await.unwrap();
        if let Some(n) = mine.iter().find(|n| n.kind == "wecom.job_stopped") {
            assert!(n.text.contains("errcode -1"), "{}", n.text);
            break;
        }
        assert!(start.elapsed() < PATIENCE, "the owner was not told");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    // While it is the job's, 开通 is not typed by hand.
    let c = w.get("root", first).await;
    let by_hand = json!({ "id": first, "version": c["version"], "wecom_order_id": "WX-1", "activation_date": "2027-01-01", "api_expiry_date": "" });
    assert_eq!(w.call(Some("root"), "contracts/fulfil", by_hand.clone()).await.status.as_u16(), 409);
    // 重试: it goes on and ends 已开通 with one order.
    w.ok("root", "wecom/retry", json!({ "contract_id": first })).await;
    until_state(&w.db, &standin, first, JobState::Done, true).await;
    assert_eq!(standin.orders().len(), 1);
    assert_eq!(w.get("root", first).await["status"]["status"], "fulfilled");

    // Another stops the same way; the admin falls back to manual 开通.
    let second = approved(&w, "new", &[("interop", 2)], 12, &[], 10_000).await;
    standin.busy_next(1);
    w.ok("root", "wecom/start", json!({ "contract_id": second })).await;
    until_state(&w.db, &standin, second, JobState::Stopped, false).await;
    let manual = w.ok("root", "wecom/manual", json!({ "contract_id": second })).await;
    assert_eq!(manual["job"]["state"], "manual");
    assert_eq!(manual["can_retry"], true, "it may still be resumed while the contract is approved");
    let c = w.get("root", second).await;
    let by_hand = json!({ "id": second, "version": c["version"], "wecom_order_id": "WX-2", "activation_date": "2027-01-01", "api_expiry_date": "2027-12-31" });
    let done = w.ok("root", "contracts/fulfil", by_hand).await;
    assert_eq!(done["status"]["status"], "fulfilled");
    assert_eq!(standin.orders().len(), 1, "the second was never ordered in WeCom");
    worker.stop().await;
    w.done().await;
}
