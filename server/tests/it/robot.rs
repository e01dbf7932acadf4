//! The WeCom group robot as an outbox handler, against a stand-in webhook started by the test: one
//! markdown message in Chinese per contract event (link, mentions, ≤ 4,096 bytes, nothing forged
//! from typed text); WeCom's refusals, a 500 and a hanging webhook retried with the error
//! recorded, then delivered; a burst delivered whole at no more than the limit per window; no
//! webhook, no message, and the in-app notifications as before. SQLite, and PostgreSQL with
//! `TEST_DATABASE_URL`.

use crate::contract_world;
use crate::support;

use app::db::entities::outbox as outbox_row;
use app::db::{accounts, notifications, outbox};
use app::domain::event::Event;
use app::models::Role;
use axum::extract::State;
use axum::routing::post;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use server::outbox::robot::{Robot, RobotConfig};
use server::outbox::{Worker, default_handlers};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::outbox::{PATIENCE, fast, header, row, run_until};
use support::{TestDb, make_user};

const BASE: &str = "https://desk.example.com";

/// What the stand-in answers a request with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Ok,
    Errcode(i64),
    Http500,
    /// No answer for far longer than the robot waits.
    Hang,
}

#[derive(Default)]
struct Recorded {
    /// Answers to give, in turn; `Ok` once empty.
    script: VecDeque<Answer>,
    /// Every request: when it arrived, its JSON body, what it was answered.
    requests: Vec<(Instant, Value, Answer)>,
}

/// A local stand-in for WeCom's webhook.
struct StandIn {
    url: String,
    recorded: Arc<Mutex<Recorded>>,
}

impl StandIn {
    async fn start(script: &[Answer]) -> StandIn {
        let recorded =
            Arc::new(Mutex::new(Recorded { script: script.iter().copied().collect(), ..Recorded::default() }));
        let app = axum::Router::new().route("/cgi-bin/webhook/send", post(receive)).with_state(recorded.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the stand-in");
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        StandIn { url: format!("http://{addr}/cgi-bin/webhook/send?key=test-secret-key"), recorded }
    }

    fn config(&self) -> RobotConfig {
        RobotConfig::new(reqwest::Url::parse(&self.url).unwrap(), BASE)
    }

    fn requests(&self) -> Vec<(Instant, Value, Answer)> {
        self.recorded.lock().unwrap().requests.clone()
    }

    /// The markdown of the requests answered `errcode` 0, in order.
    fn delivered(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|(_, _, answer)| *answer == Answer::Ok)
            .map(|(_, body, _)| body["markdown"]["content"].as_str().expect("markdown content").to_owned())
            .collect()
    }
}

async fn receive(State(recorded): State<Arc<Mutex<Recorded>>>, body: axum::Json<Value>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let answer = {
        let mut r = recorded.lock().unwrap();
        let answer = r.script.pop_front().unwrap_or(Answer::Ok);
        r.requests.push((Instant::now(), body.0, answer));
        answer
    };
    match answer {
        Answer::Ok => axum::Json(json!({ "errcode": 0, "errmsg": "ok" })).into_response(),
        Answer::Errcode(code) => {
            let errmsg = if code == 45009 { "api freq out of limit" } else { "invalid webhook url" };
            axum::Json(json!({ "errcode": code, "errmsg": errmsg })).into_response()
        }
        Answer::Http500 => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response(),
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            axum::Json(json!({ "errcode": 0, "errmsg": "ok" })).into_response()
        }
    }
}

fn robot_worker(db: &DatabaseConnection, config: RobotConfig) -> Worker {
    Worker::new(db.clone(), vec![Arc::new(Robot::new(db.clone(), config))], fast())
}

#[tokio::test]
async fn one_message_per_event_in_chinese_with_link_and_mentions_and_nothing_forged() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let ap1 = make_user(&db, "审批部", "zhangsan", Role::Approver).await;
    let ap2 = make_user(&db, "审批部", "lisi", Role::Approver).await;
    assert!(accounts::set_wecom_userid(&db, ap1, Some("ZhangSan")).await.unwrap());
    let stand_in = StandIn::start(&[]).await;

    let reason = format!("<@all> [点我](http://evil.example) <@ZhangSan> **{}**", "金额不符".repeat(2_500));
    assert!(reason.chars().count() > 10_000);
    let events = [
        Event::ContractSubmitted { header: header(42, vec![]) },
        Event::LevelReached { header: header(42, vec![ap1, ap2]), level: 1 },
        Event::ContractRejected { header: header(42, vec![]), level: 1, reason },
        Event::ContractApproved { header: header(42, vec![]) },
        Event::ContractFulfilled { header: header(42, vec![]) },
    ];
    let mut ids = Vec::new();
    for event in &events {
        ids.push(outbox::enqueue(&db, event).await.unwrap());
    }
    let handle = server::outbox::worker::spawn(robot_worker(&db, stand_in.config()));
    let started = Instant::now();
    while stand_in.delivered().len() < events.len() {
        assert!(started.elapsed() < PATIENCE, "delivered: {:?}", stand_in.delivered());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.stop().await;

    let requests = stand_in.requests();
    assert_eq!(requests.len(), 5, "one post per event");
    for (_, body, _) in &requests {
        assert_eq!(body["msgtype"], "markdown");
    }
    let texts = stand_in.delivered();
    let statuses = ["提交审批", "第1级待审批", "第1级驳回", "审批通过", "已开通"];
    for (text, status) in texts.iter().zip(statuses) {
        assert!(text.contains(status), "{status}: {text}");
        assert!(text.contains("单号：QYWXHT-42") && text.contains("客户：某某科技"), "{text}");
        assert!(text.ends_with("[查看合同](https://desk.example.com/contracts/42)"), "{text}");
        assert!(text.len() <= 4096, "{} bytes", text.len());
    }
    assert!(
        texts[1].contains("请 <@ZhangSan> lisi 审批"),
        "a mention for the userid on file, else the name: {}",
        texts[1]
    );
    assert_eq!(texts.iter().map(|t| t.matches("<@").count()).sum::<usize>(), 1, "only the mention we made");
    let rejected = &texts[2];
    assert!(
        rejected.contains("原因：＜@all＞ ［点我］（http://evil.example） ＜@ZhangSan＞ ＊＊金额不符"),
        "{rejected}"
    );
    assert!(rejected.contains("…（已截断）") && rejected.len() > 4000, "{} bytes", rejected.len());
    for id in ids {
        let r = row(&db, id).await;
        assert!(r.done_at.is_some() && r.attempts == 0, "{r:?}");
    }
    t.cleanup(db).await;
}

#[tokio::test]
async fn refusals_and_errors_are_recorded_and_retried_until_delivered() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let stand_in = StandIn::start(&[Answer::Errcode(93000), Answer::Http500, Answer::Errcode(45009)]).await;
    let worker = robot_worker(&db, stand_in.config());
    let id = outbox::enqueue(&db, &Event::ContractApproved { header: header(7, vec![]) }).await.unwrap();

    let expected = [
        "wecom_robot: errcode 93000: invalid webhook url",
        "wecom_robot: webhook answered HTTP 500 Internal Server Error",
        "wecom_robot: errcode 45009 (frequency limit): api freq out of limit",
    ];
    for (n, error) in expected.iter().enumerate() {
        run_until(&worker, &db, id, |r| r.attempts == n as i32 + 1).await;
        let r = row(&db, id).await;
        assert_eq!(r.last_error.as_deref(), Some(*error));
        assert!(r.done_at.is_none() && r.dead_at.is_none(), "{r:?}");
    }
    run_until(&worker, &db, id, |r| r.done_at.is_some()).await;
    let requests = stand_in.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(stand_in.delivered().len(), 1);
    assert!(requests.iter().all(|(_, body, _)| body == &requests[0].1), "the same message each time");
    for r in outbox_row::Entity::find().all(&db).await.unwrap() {
        assert!(!r.last_error.unwrap_or_default().contains("test-secret-key"), "the key stays secret");
    }
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_hanging_webhook_times_out_is_retried_and_then_delivered() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let stand_in = StandIn::start(&[Answer::Hang]).await;
    let worker = robot_worker(&db, stand_in.config());
    let id = outbox::enqueue(&db, &Event::ContractFulfilled { header: header(8, vec![]) }).await.unwrap();

    run_until(&worker, &db, id, |r| r.attempts == 1).await;
    let r = row(&db, id).await;
    assert_eq!(r.last_error.as_deref(), Some("wecom_robot: webhook: no answer within 5s"));
    run_until(&worker, &db, id, |r| r.done_at.is_some()).await;
    assert_eq!(stand_in.requests().len(), 2);
    assert_eq!(stand_in.delivered().len(), 1);
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_burst_is_delivered_whole_at_most_the_limit_per_window() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let stand_in = StandIn::start(&[]).await;
    let mut config = stand_in.config();
    config.window = Duration::from_secs(2);
    let mut ids = Vec::new();
    for n in 0..25 {
        ids.push(outbox::enqueue(&db, &Event::ContractSubmitted { header: header(1000 + n, vec![]) }).await.unwrap());
    }
    let handle = server::outbox::worker::spawn(robot_worker(&db, config.clone()));
    let started = Instant::now();
    while stand_in.requests().len() < 25 {
        assert!(started.elapsed() < PATIENCE, "{} delivered", stand_in.requests().len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.stop().await;

    let requests = stand_in.requests();
    assert_eq!(requests.len(), 25, "none lost, none twice");
    let mut links: Vec<i64> = stand_in
        .delivered()
        .iter()
        .map(|text| text.rsplit("/contracts/").next().unwrap().trim_end_matches(')').parse().unwrap())
        .collect();
    links.sort_unstable();
    assert_eq!(links, (1000..1025).collect::<Vec<i64>>());
    let times: Vec<Instant> = requests.iter().map(|(at, _, _)| *at).collect();
    for (first, twenty_first) in times.iter().zip(times.iter().skip(config.per_window)) {
        assert!(
            twenty_first.duration_since(*first) >= config.window,
            "more than {} posts within {:?}",
            config.per_window,
            config.window
        );
    }
    for id in ids {
        let r = row(&db, id).await;
        assert!(r.done_at.is_some() && r.attempts == 0, "waiting for a slot is not a failure: {r:?}");
    }
    t.cleanup(db).await;
}

#[tokio::test]
async fn without_a_webhook_nothing_is_sent_and_notifications_still_work() {
    let w = contract_world::World::new().await;
    let config = w.t.config();
    assert!(config.robot.is_none(), "no WECOM_ROBOT_WEBHOOK, no robot");
    let handlers = default_handlers(&w.db, config.robot.as_ref());
    assert_eq!(handlers.iter().map(|h| h.name()).collect::<Vec<_>>(), ["notifications"]);

    let c = w.submitted().await;
    let worker = Worker::new(w.db.clone(), handlers, fast());
    for _ in 0..20 {
        if worker.run_once().await.unwrap().claimed == 0 {
            break;
        }
    }
    let inbox = notifications::list(&w.db, w.approvers[0], 10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].kind.as_str(), inbox[0].contract_id), ("contract.level_reached", c["id"].as_i64()));
    w.done().await;
}

#[tokio::test]
async fn a_full_journey_posts_each_step_in_order_and_notifications_alongside() {
    let w = contract_world::World::new().await;
    let stand_in = StandIn::start(&[]).await;
    let mut handlers = default_handlers(&w.db, Some(&stand_in.config()));
    assert_eq!(handlers.iter().map(|h| h.name()).collect::<Vec<_>>(), ["notifications", "wecom_robot"]);
    let worker = Worker::new(w.db.clone(), std::mem::take(&mut handlers), fast());
    let drain = || async {
        for _ in 0..20 {
            if worker.run_once().await.unwrap().claimed == 0 {
                return;
            }
        }
        panic!("the outbox did not drain");
    };

    let mut c = w.submitted().await;
    let id = c["id"].as_i64().unwrap();
    drain().await;
    for (n, approver) in ["ap1", "ap2", "ap3"].iter().enumerate() {
        c = w.ok(approver, "contracts/approve", json!({ "id": id, "version": c["version"], "comment": "" })).await;
        drain().await;
        assert!(!notifications::list(&w.db, w.approvers[n], 10).await.unwrap().is_empty());
    }
    let steps: Vec<&str> = ["提交审批", "第1级待审批", "第2级待审批", "第3级待审批", "审批通过"].to_vec();
    let texts = stand_in.delivered();
    let seen: Vec<&str> = texts.iter().map(|text| *steps.iter().find(|s| text.contains(**s)).unwrap_or(&"?")).collect();
    assert_eq!(seen, steps, "{texts:#?}");
    assert!(texts.iter().all(|t| t.ends_with(&format!("(https://desk.example.com/contracts/{id})"))));
    w.done().await;
}

#[tokio::test]
async fn a_dead_webhook_delays_no_approval_and_is_caught_up_once_it_recovers() {
    let w = contract_world::World::new().await;
    // Down for a while: it hangs, then fails, then is over its limit; then it recovers.
    let stand_in = StandIn::start(&[Answer::Hang, Answer::Http500, Answer::Errcode(45009), Answer::Http500]).await;
    let handlers = default_handlers(&w.db, Some(&stand_in.config()));
    let handle = server::outbox::worker::spawn(Worker::new(w.db.clone(), handlers, fast()));

    // The whole journey goes through while the webhook is down: every move answers (the robot
    // is never on the request path; PATIENCE is a liveness bound only).
    let journey = async {
        let mut c = w.submitted().await;
        let id = c["id"].as_i64().unwrap();
        for approver in ["ap1", "ap2", "ap3"] {
            c = w.ok(approver, "contracts/approve", json!({ "id": id, "version": c["version"], "comment": "" })).await;
        }
        (id, c)
    };
    let (id, c) = tokio::time::timeout(PATIENCE, journey).await.expect("approvals go through");
    assert_eq!(c["status"]["status"], "approved", "{c}");

    let started = Instant::now();
    while stand_in.delivered().len() < 5 {
        assert!(started.elapsed() < PATIENCE, "delivered: {:#?}", stand_in.delivered());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.stop().await;
    let steps = ["提交审批", "第1级待审批", "第2级待审批", "第3级待审批", "审批通过"];
    let mut seen: Vec<&str> = stand_in
        .delivered()
        .iter()
        .map(|text| {
            assert!(text.ends_with(&format!("/contracts/{id})")), "{text}");
            steps.into_iter().find(|s| text.contains(*s)).unwrap_or("?")
        })
        .collect();
    seen.sort_unstable();
    let mut expected = steps.to_vec();
    expected.sort_unstable();
    assert_eq!(seen, expected, "each message delivered once, none lost");
    // The in-app notifications went out all the same.
    for approver in w.approvers {
        assert_eq!(notifications::list(&w.db, approver, 10).await.unwrap().len(), 1);
    }
    w.done().await;
}
