//! The WeCom group robot (企业微信群机器人): one markdown message in Chinese to a group per
//! contract event (submitted, a level's turn, rejected, approved, fulfilled), posted to the
//! webhook an admin set (系统设置 in the admin console, else `WECOM_ROBOT_WEBHOOK`), read at each
//! post so a change applies at once; with neither, nothing is posted. The text is
//! `app::domain::robot::message`.
//!
//! WeCom's contract: `POST <webhook>` with `{"msgtype":"markdown","markdown":{"content":…}}`
//! (content ≤ 4,096 bytes), answered `{"errcode":0,"errmsg":"ok"}`; a robot takes at most 20
//! messages a minute, and answers `errcode` 45009 past that.
//!
//! - **Off the request path.** Only the outbox worker runs this, after the change committed: a
//!   dead or slow webhook delays the group's message, never an approval.
//! - **Failures.** `errcode` 0 is done. Anything else is [`HandlerError::Retry`] with what WeCom
//!   said (or the HTTP status, or "no answer within 5 s") so the worker backs off and keeps it in
//!   `last_error`: 45009 and 5xx and timeouts pass; a wrong key (93000, …) does not, and the row
//!   goes dead after the worker's last attempt, where an admin sees it. The webhook's key never
//!   appears in an error or a log.
//! - **Rate.** At most [`RobotConfig::per_window`] (20) posts per [`RobotConfig::window`] (60 s)
//!   per handler, i.e. per webhook and process, counted in a sliding window of send times shared
//!   by every task of the handler. A send counts from when it is started until a window after it
//!   finished, so WeCom, which counts arrivals, can never see more. Every `Retry` counts as a
//!   failed attempt in the worker (attempts grow, the backoff doubles, the row dies at the cap),
//!   so a full window is not reported as a failure when the next slot comes within the row's
//!   lease: the handler waits for it. Only when the slot is further off than the lease allows
//!   does it return `Retry("rate limit: next slot in Ns")`, and the worker tries again after its
//!   backoff. Nothing is dropped. The price of waiting: the worker handles one row at a time, so
//!   the events queued behind wait too (at most one window), their in-app notifications included.
//!   Several server processes each keep their own window; WeCom's 45009 then backs the excess off.
//! - **At least once.** A robot message cannot be taken back. The handler remembers the outbox
//!   ids it delivered (the latest [`REMEMBERED`]), so an event handled again because another
//!   handler of it failed is not posted twice. A crash (or a lease that ran out) between the post
//!   and the row's completion can still post it twice: at worst a duplicate, never a loss.

use super::{Delivery, Handler, HandlerError};
use app::db::{accounts, outbox};
use app::domain::event::Event;
use app::domain::robot::{self, Recipient};
use sea_orm::DatabaseConnection;
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// WeCom's limit: messages one robot takes per minute.
pub const PER_MINUTE: usize = 20;
/// How long a post may take before it counts as failed.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Delivered outbox ids remembered to avoid posting an event twice.
pub const REMEMBERED: usize = 10_000;
/// `errcode` of WeCom's frequency limit.
pub const FREQUENCY_LIMIT: i64 = 45009;

/// Where and how the robot posts.
#[derive(Clone, PartialEq, Eq)]
pub struct RobotConfig {
    /// `WECOM_ROBOT_WEBHOOK`: the full webhook URL, key included (a secret: never logged); the
    /// default when the admin set none. `None`: only the admin's.
    pub webhook: Option<reqwest::Url>,
    /// `PUBLIC_BASE_URL`, without a trailing `/`: links point to `<base>/contracts/<id>`.
    pub base_url: String,
    /// `WECOM_ROBOT_WINDOW_SECS`: the length of the rate window. Default 60 s (WeCom's minute);
    /// tests shorten it.
    pub window: Duration,
    /// Posts per window. [`PER_MINUTE`].
    pub per_window: usize,
    /// [`TIMEOUT`].
    pub timeout: Duration,
}

impl RobotConfig {
    /// A robot posting to `webhook` (an http(s) URL) with links to `base_url`, WeCom's limits.
    pub fn new(webhook: reqwest::Url, base_url: &str) -> RobotConfig {
        RobotConfig { webhook: Some(webhook), ..RobotConfig::without_webhook(base_url) }
    }

    /// A robot that posts only once an admin sets a webhook in the console.
    pub fn without_webhook(base_url: &str) -> RobotConfig {
        RobotConfig {
            webhook: None,
            base_url: base_url.trim_end_matches('/').to_owned(),
            window: Duration::from_secs(60),
            per_window: PER_MINUTE,
            timeout: TIMEOUT,
        }
    }

    /// The webhook without its query (where the key is), for logs.
    pub fn redacted_webhook(&self) -> String {
        self.webhook.as_ref().map_or_else(|| "none (the admin's setting only)".to_owned(), redacted)
    }
}

/// A webhook without its query (where the key is) or password, for logs.
pub fn redacted(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    if url.query().is_some() {
        url.set_query(Some("key=***"));
    }
    url.set_password(None).ok();
    url.to_string()
}

/// Sends one plain-text test message to `webhook` now and says what came back, in words (never
/// the key). For the admin's "send a test message" button.
pub async fn send_test(webhook: &str, text: &str) -> Result<String, String> {
    let url =
        reqwest::Url::parse(webhook).map_err(|_| "群机器人地址无效 / The webhook address is not a URL".to_owned())?;
    let client = super::http_client(TIMEOUT);
    let body = serde_json::json!({ "msgtype": "text", "text": { "content": text } });
    let response = client.post(url).json(&body).send().await.map_err(|e| {
        if e.is_timeout() {
            format!("{} 秒内没有应答 / no answer within {} s", TIMEOUT.as_secs(), TIMEOUT.as_secs())
        } else {
            format!("无法连接 / cannot connect: {}", e.without_url())
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    let answer: Answer =
        response.json().await.map_err(|e| format!("应答无法读取 / unreadable answer: {}", e.without_url()))?;
    let errmsg: String = answer.errmsg.chars().take(300).collect();
    match answer.errcode {
        0 => Ok(format!("errcode 0: {errmsg}")),
        code => Err(format!("errcode {code}: {errmsg}")),
    }
}

impl RobotConfig {}

impl std::fmt::Debug for RobotConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RobotConfig")
            .field("webhook", &self.redacted_webhook())
            .field("base_url", &self.base_url)
            .field("window", &self.window)
            .field("per_window", &self.per_window)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The handler.
pub struct Robot {
    db: DatabaseConnection,
    client: reqwest::Client,
    config: RobotConfig,
    window: Mutex<Window>,
    sent: Mutex<Sent>,
}

impl Robot {
    pub fn new(db: DatabaseConnection, config: RobotConfig) -> Robot {
        let client = super::http_client(config.timeout);
        Robot { db, client, config, window: Mutex::new(Window::default()), sent: Mutex::new(Sent::default()) }
    }

    /// The people a level's turn mentions: the event's `notify`, with their WeCom userids.
    async fn recipients(&self, event: &Event) -> Result<Vec<Recipient>, HandlerError> {
        if !matches!(event, Event::LevelReached { .. }) {
            return Ok(Vec::new());
        }
        let contacts = accounts::wecom_contacts(&self.db, &event.header().notify).await?;
        Ok(contacts
            .into_iter()
            .map(|c| Recipient { display_name: c.display_name, wecom_userid: c.wecom_userid })
            .collect())
    }

    /// Takes a send slot, waiting for one if it comes within the lease of `outbox_id`'s row.
    async fn slot(&self, outbox_id: i64) -> Result<SlotGuard<'_>, HandlerError> {
        loop {
            let now = Instant::now();
            let taken = lock(&self.window).take(now, self.config.window, self.config.per_window);
            let next = match taken {
                Ok(id) => return Ok(SlotGuard { window: &self.window, id }),
                Err(next) => next,
            };
            let wait = next.saturating_duration_since(now);
            // The wait and the post must end before the lease does, or the worker stops this
            // handler and counts a failure anyway (with a less telling error).
            let needed = wait + self.config.timeout + Duration::from_secs(1);
            let lease_left = outbox::claimed_until(&self.db, outbox_id)
                .await?
                .and_then(|until| (until - chrono::Utc::now()).to_std().ok())
                .unwrap_or_default();
            if needed >= lease_left {
                return Err(HandlerError::Retry(format!(
                    "rate limit: next slot in {}s",
                    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
                )));
            }
            tokio::time::sleep_until(next).await;
        }
    }

    /// Where to post: the admin's webhook (系统设置), else the environment's; `None`: nowhere.
    async fn webhook(&self) -> Result<Option<reqwest::Url>, HandlerError> {
        match app::services::admin::robot_webhook(&self.db).await? {
            // The console checked it is an http(s) URL; one that still does not parse is skipped
            // like none (and never logged: it holds the key).
            Some(admin) => Ok(reqwest::Url::parse(&admin).ok()),
            None => Ok(self.config.webhook.clone()),
        }
    }

    /// Posts one markdown message; `Ok` when WeCom answered `errcode` 0.
    async fn post(&self, webhook: reqwest::Url, content: &str) -> Result<(), HandlerError> {
        let body = serde_json::json!({ "msgtype": "markdown", "markdown": { "content": content } });
        let response = self.client.post(webhook).json(&body).send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(HandlerError::Retry(format!("webhook answered HTTP {status}")));
        }
        let answer: Answer = response.json().await.map_err(|e| self.transport(e))?;
        let errmsg: String = answer.errmsg.chars().take(300).collect();
        match answer.errcode {
            0 => Ok(()),
            FREQUENCY_LIMIT => {
                Err(HandlerError::Retry(format!("errcode {FREQUENCY_LIMIT} (frequency limit): {errmsg}")))
            }
            code => Err(HandlerError::Retry(format!("errcode {code}: {errmsg}"))),
        }
    }

    /// A failed request in words, without the URL (its key is a secret).
    fn transport(&self, e: reqwest::Error) -> HandlerError {
        if e.is_timeout() {
            return HandlerError::Retry(format!("webhook: no answer within {:?}", self.config.timeout));
        }
        let e = e.without_url();
        let mut text = format!("webhook: {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        HandlerError::Retry(text)
    }
}

#[derive(serde::Deserialize)]
struct Answer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

#[async_trait::async_trait]
impl Handler for Robot {
    fn name(&self) -> &'static str {
        "wecom_robot"
    }

    fn kinds(&self) -> Vec<&'static str> {
        vec![
            "contract.submitted",
            "contract.level_reached",
            "contract.rejected",
            "contract.approved",
            "contract.fulfilled",
        ]
    }

    async fn handle(&self, delivery: &Delivery) -> Result<(), HandlerError> {
        if lock(&self.sent).contains(delivery.outbox_id) {
            return Ok(());
        }
        let recipients = self.recipients(&delivery.event).await?;
        let Some(content) = robot::message(&delivery.event, &self.config.base_url, &recipients) else {
            return Ok(());
        };
        let Some(webhook) = self.webhook().await? else {
            return Ok(());
        };
        let slot = self.slot(delivery.outbox_id).await?;
        let posted = self.post(webhook, &content).await;
        drop(slot);
        posted?;
        lock(&self.sent).insert(delivery.outbox_id);
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while holding these locks; a poisoned one still holds consistent data.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The sends of the current window: each counts from its start while in flight, and until a
/// window after it finished.
#[derive(Default)]
struct Window {
    next_id: u64,
    /// `(id, time, in flight)`: the start time while in flight, then the finish time.
    sends: Vec<(u64, Instant, bool)>,
}

impl Window {
    /// A slot now (its id), or the earliest time one may free up.
    fn take(&mut self, now: Instant, window: Duration, limit: usize) -> Result<u64, Instant> {
        self.sends.retain(|&(_, at, in_flight)| in_flight || at + window > now);
        if self.sends.len() < limit {
            let id = self.next_id;
            self.next_id += 1;
            self.sends.push((id, now, true));
            return Ok(id);
        }
        // In flight, a send frees its slot a window after it finishes at the earliest.
        let earliest = self.sends.iter().map(|&(_, at, in_flight)| if in_flight { now.max(at) } else { at }).min();
        Err(earliest.map_or(now, |at| at + window).max(now + Duration::from_millis(10)))
    }

    fn finish(&mut self, id: u64, now: Instant) {
        if let Some(send) = self.sends.iter_mut().find(|(i, _, _)| *i == id) {
            *send = (id, now, false);
        }
    }
}

/// A taken slot: marked finished when dropped, also when the worker stops the handler mid-post.
struct SlotGuard<'a> {
    window: &'a Mutex<Window>,
    id: u64,
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        lock(self.window).finish(self.id, Instant::now());
    }
}

/// The latest delivered outbox ids.
#[derive(Default)]
struct Sent {
    order: VecDeque<i64>,
    ids: HashSet<i64>,
}

impl Sent {
    fn contains(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }

    fn insert(&mut self, id: i64) {
        if self.ids.insert(id) {
            self.order.push_back(id);
        }
        while self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_holds_at_most_the_limit_until_a_window_after_each_finished() {
        let start = Instant::now();
        let window = Duration::from_secs(60);
        let mut w = Window::default();
        let ids: Vec<u64> = (0..3).map(|_| w.take(start, window, 3).unwrap()).collect();
        // All in flight: the earliest is a window after now.
        assert_eq!(w.take(start, window, 3), Err(start + window));
        let later = start + Duration::from_secs(5);
        w.finish(ids[1], later);
        assert_eq!(w.take(later, window, 3), Err(later + window));
        w.finish(ids[0], start + Duration::from_secs(1));
        w.finish(ids[2], start + Duration::from_secs(9));
        assert_eq!(w.take(later, window, 3), Err(start + Duration::from_secs(61)));
        let freed = start + Duration::from_secs(61);
        assert!(w.take(freed, window, 3).is_ok());
        assert!(w.take(freed, window, 3).is_err());
    }

    #[test]
    fn sent_ids_are_remembered_up_to_a_cap() {
        let mut sent = Sent::default();
        for id in 0..(REMEMBERED as i64 + 5) {
            sent.insert(id);
        }
        assert!(!sent.contains(4) && sent.contains(5) && sent.contains(REMEMBERED as i64 + 4));
    }

    #[test]
    fn the_key_stays_out_of_debug_output() {
        let url = reqwest::Url::parse("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key").unwrap();
        let config = RobotConfig::new(url, "https://desk.example.com/");
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret-key") && shown.contains("key=***"), "{shown}");
        assert_eq!(config.base_url, "https://desk.example.com");
    }
}
