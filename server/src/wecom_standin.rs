//! A local stand-in for WeCom's 接口调用许可 (interface license) API, for the server's integration
//! tests and the `make run` demo. It keeps WeCom's documented contract: every call is
//! `POST {base}/cgi-bin/...` with a JSON body, and every answer is HTTP 200 with JSON carrying
//! `errcode` (0 = ok) and `errmsg`.
//!
//! - `POST /cgi-bin/service/get_provider_token` issues provider tokens (40013 for a wrong corpid,
//!   40001 for a wrong secret).
//! - `POST /cgi-bin/license/<name>?provider_access_token=T` for the license calls: a missing token
//!   answers 41001, an unknown one 40082, an expired one 42009; bad or missing parameters 40058
//!   `invalid parameter: <what>`; an unknown order 701005 `invalid order`.
//! - `batch_active_account` answers per item: 701001 for an unknown code (or a code of another
//!   corp), 701003 for a code bound to another userid, 701011 when the userid already holds an
//!   unexpired account of the code's type, or whatever [`StandIn::refuse_userid`] set.
//! - `create_renew_order_job` puts an account that is not active in the corp with that type in
//!   `invalid_account_list` with errcode 701026 `account not active`. WeCom does not document
//!   the codes of that list; 701026 is this stand-in's choice.
//!
//! Orders are paid by hand ([`StandIn::pay`], or the "Pay" button of the page at `/`), or by
//! themselves `auto_pay_after` their creation. Paying a new order generates its activation codes;
//! paying a renewal extends each renewed account by `months * 31` days (from now when it has
//! already expired). Faults for the tests: a busy answer (-1), a call held for 60 s, expired
//! tokens, refused userids, a price that differs. The demo's control routes live under
//! `/standin/` and are not WeCom's.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DAY: i64 = 86_400;
/// Every license call the stand-in answers; any other name is a 404.
const CALLS: &[&str] = &[
    "create_new_order",
    "create_renew_order_job",
    "submit_order_job",
    "get_order",
    "list_order",
    "cancel_order",
    "list_order_account",
    "batch_active_account",
    "get_active_info_by_user",
    "set_auto_active_status",
    "get_auto_active_status",
];
const UPPER_HEX: &[u8] = b"0123456789ABCDEF";
const UPPER_ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// How the stand-in behaves.
#[derive(Clone, Debug)]
pub struct Options {
    pub provider_corpid: String,
    pub provider_secret: String,
    /// How long a provider token lives.
    pub token_ttl: Duration,
    /// For demos: an order reads as paid this long after its creation.
    pub auto_pay_after: Option<Duration>,
    /// The price of one basic account for a year, in fen.
    pub basic_fen_per_year: i64,
    /// The price of one interop (external contact) account for a year, in fen.
    pub interop_fen_per_year: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            provider_corpid: "wwstandinprovider0001".to_owned(),
            provider_secret: "standin-secret".to_owned(),
            token_ttl: Duration::from_secs(7200),
            auto_pay_after: None,
            basic_fen_per_year: 500,
            interop_fen_per_year: 5000,
        }
    }
}

/// An order as the stand-in holds it. `status`: 0 unpaid, 1 paid, 2 cancelled.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OrderView {
    pub order_id: String,
    /// 1 new accounts, 2 renewal.
    pub order_type: i32,
    pub corpid: String,
    pub status: i32,
    pub price_fen: i64,
    pub base_count: i64,
    pub external_contact_count: i64,
    pub months: i64,
    pub days: i64,
    pub create_time: i64,
    pub pay_time: i64,
    /// A renewal's accounts: (userid, type).
    pub renew_accounts: Vec<(String, i32)>,
}

/// An account bound to a userid. `kind`: 1 basic, 2 interop.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ActiveView {
    pub userid: String,
    pub kind: i32,
    pub active_code: String,
    pub active_time: i64,
    pub expire_time: i64,
}

/// A running stand-in; clones share its state.
#[derive(Clone, Debug)]
pub struct StandIn {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    shared: Shared,
}

impl StandIn {
    /// Binds 127.0.0.1 on a free port and serves in a tokio task.
    pub async fn start(options: Options) -> StandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the WeCom stand-in");
        StandIn::start_on(listener, options).await
    }

    /// Serves on the given listener in a tokio task.
    pub async fn start_on(listener: tokio::net::TcpListener, options: Options) -> StandIn {
        let addr = listener.local_addr().expect("the stand-in's address");
        let standin = StandIn { base: format!("http://{addr}"), shared: Shared::new(options) };
        let app = standin.router();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "WeCom stand-in stopped");
            }
        });
        standin
    }

    /// The stand-in's routes over its state.
    pub fn router(&self) -> Router {
        router(self.shared.clone())
    }

    /// Every order, in creation order.
    pub fn orders(&self) -> Vec<OrderView> {
        self.shared.lock().orders.iter().map(|o| o.view.clone()).collect()
    }

    /// Pays an unpaid order; false when it is unknown or not unpaid.
    pub fn pay(&self, order_id: &str) -> bool {
        self.shared.lock().pay(order_id)
    }

    /// Overrides an order's price (WeCom's price then differs from the desk's quote).
    pub fn set_price(&self, order_id: &str, price_fen: i64) {
        if let Some(order) = self.shared.lock().order_mut(order_id) {
            order.view.price_fen = price_fen;
        }
    }

    /// `batch_active_account` answers `errcode` for every item of this userid (0 clears it).
    pub fn refuse_userid(&self, userid: &str, errcode: i64) {
        let mut world = self.shared.lock();
        if errcode == 0 {
            // 0: accepted again (the refusal was cleared in WeCom).
            world.refused.remove(userid);
        } else {
            world.refused.insert(userid.to_owned(), errcode);
        }
    }

    /// The next `n` license calls answer -1 "system busy".
    pub fn busy_next(&self, n: u32) {
        self.shared.lock().busy = n;
    }

    /// The next `n` license calls wait 60 s before answering.
    pub fn hang_next(&self, n: u32) {
        self.shared.lock().hang = n;
    }

    /// Every token issued so far is expired from now on.
    pub fn expire_tokens(&self) {
        self.shared.lock().tokens.values_mut().for_each(|t| t.expired = true);
    }

    pub fn tokens_issued(&self) -> u32 {
        self.shared.lock().tokens_issued
    }

    /// Called with the order id after an order (new, or a renewal job submitted) is recorded and
    /// before the answer is sent, outside the stand-in's lock.
    pub fn on_order_created(&self, hook: impl Fn(&str) + Send + Sync + 'static) {
        self.shared.lock().hook = HookSlot(Some(Arc::new(hook)));
    }

    /// An account already active in a corp (to renew): `kind` 1 basic, 2 interop.
    pub fn seed_active(&self, corpid: &str, userid: &str, kind: i32, expire_time: i64) {
        let mut world = self.shared.lock();
        let code = world.fresh_code();
        world
            .codes
            .insert(code.clone(), Code { corpid: corpid.to_owned(), kind, days: 0, bound_to: Some(userid.to_owned()) });
        world.bind(corpid, userid, kind, code, now(), expire_time);
    }

    /// Every bound account of a corp.
    pub fn active(&self, corpid: &str) -> Vec<ActiveView> {
        self.shared.lock().accounts.iter().filter(|a| a.corpid == corpid).map(|a| a.view.clone()).collect()
    }

    /// The corp's auto-activation setting, if it was ever set.
    pub fn auto_active_status(&self, corpid: &str) -> Option<i32> {
        self.shared.lock().auto_active.get(corpid).copied()
    }

    /// The names of the calls received, in order; token calls as "get_provider_token".
    pub fn calls(&self) -> Vec<String> {
        self.shared.lock().calls.clone()
    }
}

/// Serves a stand-in on the listener until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, options: Options) -> std::io::Result<()> {
    axum::serve(listener, router(Shared::new(options))).await
}

/// The state behind the routes. Locking it first settles the orders `auto_pay_after` has paid.
#[derive(Clone, Debug)]
struct Shared(Arc<Mutex<World>>);

impl Shared {
    fn new(options: Options) -> Shared {
        Shared(Arc::new(Mutex::new(World::new(options))))
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        let mut world = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        world.settle();
        world
    }
}

type Hook = Arc<dyn Fn(&str) + Send + Sync>;

/// The order-created hook (closures are not `Debug`).
#[derive(Clone, Default)]
struct HookSlot(Option<Hook>);

impl fmt::Debug for HookSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "HookSlot(set)" } else { "HookSlot(none)" })
    }
}

/// A refusal: `{errcode, errmsg}`.
#[derive(Debug)]
struct Fault {
    code: i64,
    msg: String,
}

fn fault(code: i64, msg: impl Into<String>) -> Fault {
    Fault { code, msg: msg.into() }
}

fn invalid(what: &str) -> Fault {
    fault(40058, format!("invalid parameter: {what}"))
}

fn unknown_order() -> Fault {
    fault(701005, "invalid order")
}

type Reply = Result<Value, Fault>;

#[derive(Debug)]
struct Token {
    issued: Instant,
    expired: bool,
}

#[derive(Debug)]
struct Order {
    view: OrderView,
    created: Instant,
    /// A paid new order's activation codes: (code, type).
    codes: Vec<(String, i32)>,
}

/// An activation code: its corp, type, validity in days and the userid it is bound to.
#[derive(Debug)]
struct Code {
    corpid: String,
    kind: i32,
    days: i64,
    bound_to: Option<String>,
}

#[derive(Debug)]
struct Account {
    corpid: String,
    view: ActiveView,
}

#[derive(Debug)]
struct Job {
    corpid: String,
    accounts: Vec<(String, i32)>,
    order_id: Option<String>,
}

#[derive(Debug)]
struct World {
    options: Options,
    hook: HookSlot,
    /// Feeds the identifiers' hashes.
    serial: u64,
    tokens: HashMap<String, Token>,
    tokens_issued: u32,
    orders: Vec<Order>,
    codes: HashMap<String, Code>,
    /// At most one per (corp, userid, type).
    accounts: Vec<Account>,
    jobs: HashMap<String, Job>,
    auto_active: HashMap<String, i32>,
    refused: HashMap<String, i64>,
    busy: u32,
    hang: u32,
    calls: Vec<String>,
    /// The order the last call created, for the hook.
    fresh_order: Option<String>,
}

impl World {
    fn new(options: Options) -> World {
        World {
            options,
            hook: HookSlot::default(),
            serial: 0,
            tokens: HashMap::new(),
            tokens_issued: 0,
            orders: Vec::new(),
            codes: HashMap::new(),
            accounts: Vec::new(),
            jobs: HashMap::new(),
            auto_active: HashMap::new(),
            refused: HashMap::new(),
            busy: 0,
            hang: 0,
            calls: Vec::new(),
            fresh_order: None,
        }
    }

    /// `len` characters of `alphabet`, from a hash of a counter and the time.
    fn draw(&mut self, alphabet: &[u8], len: usize) -> String {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            self.serial += 1;
            let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            let hash =
                Sha256::new().chain_update(self.serial.to_le_bytes()).chain_update(nanos.to_le_bytes()).finalize();
            out.extend(hash.iter().take(len - out.len()).map(|b| alphabet[*b as usize % alphabet.len()] as char));
        }
        out
    }

    fn fresh_code(&mut self) -> String {
        loop {
            let code = self.draw(UPPER_ALNUM, 20);
            if !self.codes.contains_key(&code) {
                return code;
            }
        }
    }

    fn order_mut(&mut self, order_id: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.view.order_id == order_id)
    }

    /// Pays the orders `auto_pay_after` has come for.
    fn settle(&mut self) {
        let Some(after) = self.options.auto_pay_after else { return };
        let due: Vec<String> = self
            .orders
            .iter()
            .filter(|o| o.view.status == 0 && o.created.elapsed() >= after)
            .map(|o| o.view.order_id.clone())
            .collect();
        for id in due {
            self.pay(&id);
        }
    }

    /// Unpaid → paid: a new order gets its codes, a renewal extends its accounts.
    fn pay(&mut self, order_id: &str) -> bool {
        let now = now();
        let Some(order) = self.order_mut(order_id).filter(|o| o.view.status == 0) else { return false };
        order.view.status = 1;
        order.view.pay_time = now;
        let view = order.view.clone();
        if view.order_type == 1 {
            let kinds = std::iter::repeat_n(1, view.base_count as usize)
                .chain(std::iter::repeat_n(2, view.external_contact_count as usize));
            let mut codes = Vec::new();
            for kind in kinds {
                let code = self.fresh_code();
                let days = view.months * 31 + view.days;
                self.codes.insert(code.clone(), Code { corpid: view.corpid.clone(), kind, days, bound_to: None });
                codes.push((code, kind));
            }
            self.order_mut(order_id).expect("the order just paid").codes = codes;
        } else {
            for (userid, kind) in &view.renew_accounts {
                if let Some(account) = self.account_mut(&view.corpid, userid, *kind) {
                    account.view.expire_time = account.view.expire_time.max(now) + view.months * 31 * DAY;
                }
            }
        }
        true
    }

    fn account_mut(&mut self, corpid: &str, userid: &str, kind: i32) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.corpid == corpid && a.view.userid == userid && a.view.kind == kind)
    }

    /// Binds a code to a userid, replacing the userid's account of that type if any.
    fn bind(&mut self, corpid: &str, userid: &str, kind: i32, code: String, active_time: i64, expire_time: i64) {
        let view = ActiveView { userid: userid.to_owned(), kind, active_code: code, active_time, expire_time };
        match self.account_mut(corpid, userid, kind) {
            Some(account) => account.view = view,
            None => self.accounts.push(Account { corpid: corpid.to_owned(), view }),
        }
    }

    fn record_order(&mut self, corpid: &str, order_type: i32, counts: (i64, i64), duration: (i64, i64)) -> String {
        let order_id = loop {
            let id = format!("OI{}", self.draw(UPPER_HEX, 30));
            if !self.orders.iter().any(|o| o.view.order_id == id) {
                break id;
            }
        };
        let ((base_count, external_contact_count), (months, days)) = (counts, duration);
        let fen = base_count * self.options.basic_fen_per_year * months
            + external_contact_count * self.options.interop_fen_per_year * months;
        self.orders.push(Order {
            view: OrderView {
                order_id: order_id.clone(),
                order_type,
                corpid: corpid.to_owned(),
                status: 0,
                price_fen: (fen + 6) / 12,
                base_count,
                external_contact_count,
                months,
                days,
                create_time: now(),
                pay_time: 0,
                renew_accounts: Vec::new(),
            },
            created: Instant::now(),
            codes: Vec::new(),
        });
        self.fresh_order = Some(order_id.clone());
        order_id
    }

    fn issue_token(&mut self, body: &[u8]) -> Reply {
        self.calls.push("get_provider_token".to_owned());
        let args: Value = serde_json::from_slice(body).map_err(|_| invalid("body is not JSON"))?;
        if args["corpid"].as_str() != Some(self.options.provider_corpid.as_str()) {
            return Err(fault(40013, "invalid corpid"));
        }
        if args["provider_secret"].as_str() != Some(self.options.provider_secret.as_str()) {
            return Err(fault(40001, "invalid credential"));
        }
        let token = self.draw(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", 64);
        self.tokens.insert(token.clone(), Token { issued: Instant::now(), expired: false });
        self.tokens_issued += 1;
        Ok(json!({"provider_access_token": token, "expires_in": self.options.token_ttl.as_secs()}))
    }

    fn check_token(&self, token: Option<&String>) -> Result<(), Fault> {
        let token = token.filter(|t| !t.is_empty()).ok_or_else(|| fault(41001, "provider_access_token missing"))?;
        let token = self.tokens.get(token).ok_or_else(|| fault(40082, "invalid provider_access_token"))?;
        if token.expired || token.issued.elapsed() >= self.options.token_ttl {
            return Err(fault(42009, "provider_access_token expired"));
        }
        Ok(())
    }

    /// One license call, its token and faults already checked.
    fn call(&mut self, name: &str, args: &Value) -> Reply {
        match name {
            "create_new_order" => self.create_new_order(args),
            "create_renew_order_job" => self.create_renew_order_job(args),
            "submit_order_job" => self.submit_order_job(args),
            "get_order" => self.get_order(args),
            "list_order" => self.list_order(args),
            "cancel_order" => self.cancel_order(args),
            "list_order_account" => self.list_order_account(args),
            "batch_active_account" => self.batch_active_account(args),
            "get_active_info_by_user" => {
                let (corpid, userid) = (text(args, "corpid")?, text(args, "userid")?);
                let list: Vec<Value> = self
                    .accounts
                    .iter()
                    .filter(|a| a.corpid == corpid && a.view.userid == userid)
                    .map(|a| {
                        let v = &a.view;
                        json!({"active_code": v.active_code, "type": v.kind, "userid": v.userid,
                               "active_time": v.active_time, "expire_time": v.expire_time})
                    })
                    .collect();
                Ok(json!({"active_status": i32::from(!list.is_empty()), "active_info_list": list}))
            }
            "set_auto_active_status" => {
                let corpid = text(args, "corpid")?;
                let status = int(args, "auto_active_status")?;
                if !(0..=1).contains(&status) {
                    return Err(invalid("auto_active_status"));
                }
                self.auto_active.insert(corpid.to_owned(), status as i32);
                Ok(json!({}))
            }
            "get_auto_active_status" => {
                let status = self.auto_active.get(text(args, "corpid")?).copied().unwrap_or(0);
                Ok(json!({"auto_active_status": status}))
            }
            _ => Err(fault(404, "unknown call")),
        }
    }

    fn create_new_order(&mut self, args: &Value) -> Reply {
        let corpid = text(args, "corpid")?;
        text(args, "buyer_userid")?;
        let base = opt_int(args, "account_count.base_count", 0)?;
        let interop = opt_int(args, "account_count.external_contact_count", 0)?;
        for (n, what) in [(base, "account_count.base_count"), (interop, "account_count.external_contact_count")] {
            if !(0..=1_000_000).contains(&n) {
                return Err(invalid(what));
            }
        }
        if base + interop == 0 {
            return Err(invalid("account_count"));
        }
        let months = opt_int(args, "account_duration.months", 0)?;
        let days = opt_int(args, "account_duration.days", 0)?;
        let fits = (0..=1860).contains(&months) && (0..=1860).contains(&days);
        if !fits || !(31..=1860).contains(&(months * 31 + days)) {
            return Err(invalid("account_duration"));
        }
        let order_id = self.record_order(corpid, 1, (base, interop), (months, days));
        Ok(json!({"order_id": order_id}))
    }

    fn create_renew_order_job(&mut self, args: &Value) -> Reply {
        let corpid = text(args, "corpid")?;
        let items = list(args, "account_list")?;
        if items.is_empty() || items.len() > 1000 {
            return Err(invalid("account_list"));
        }
        let mut wanted = Vec::new();
        for item in items {
            let userid = text(item, "userid").map_err(|_| invalid("account_list.userid"))?;
            let kind =
                item["type"].as_i64().filter(|k| matches!(k, 1 | 2)).ok_or_else(|| invalid("account_list.type"))?;
            wanted.push((userid.to_owned(), kind as i32));
        }
        let jobid = match opt_text(args, "jobid") {
            Some(jobid) => {
                let open = self.jobs.get(jobid).is_some_and(|j| j.corpid == corpid && j.order_id.is_none());
                if !open {
                    return Err(fault(40058, "invalid jobid"));
                }
                jobid.to_owned()
            }
            None => {
                let jobid = loop {
                    let id = self.draw(UPPER_ALNUM, 24);
                    if !self.jobs.contains_key(&id) {
                        break id;
                    }
                };
                let job = Job { corpid: corpid.to_owned(), accounts: Vec::new(), order_id: None };
                self.jobs.insert(jobid.clone(), job);
                jobid
            }
        };
        let mut refused = Vec::new();
        for (userid, kind) in wanted {
            let active =
                self.accounts.iter().any(|a| a.corpid == corpid && a.view.userid == userid && a.view.kind == kind);
            let job = self.jobs.get_mut(&jobid).expect("the job just checked");
            if !active {
                refused
                    .push(json!({"userid": userid, "type": kind, "errcode": 701026, "errmsg": "account not active"}));
            } else if !job.accounts.contains(&(userid.clone(), kind)) {
                job.accounts.push((userid, kind));
            }
        }
        Ok(json!({"jobid": jobid, "invalid_account_list": refused}))
    }

    fn submit_order_job(&mut self, args: &Value) -> Reply {
        let jobid = text(args, "jobid")?;
        let job = self.jobs.get(jobid).ok_or_else(|| fault(40058, "invalid jobid"))?;
        if let Some(order_id) = &job.order_id {
            return Ok(json!({"order_id": order_id}));
        }
        text(args, "buyer_userid")?;
        let months = int(args, "account_duration.months")?;
        if !(1..=60).contains(&months) {
            return Err(invalid("account_duration.months"));
        }
        if job.accounts.is_empty() {
            return Err(invalid("jobid has no valid account"));
        }
        let (corpid, accounts) = (job.corpid.clone(), job.accounts.clone());
        let count = |kind| accounts.iter().filter(|(_, k)| *k == kind).count() as i64;
        let order_id = self.record_order(&corpid, 2, (count(1), count(2)), (months, 0));
        self.order_mut(&order_id).expect("the order just recorded").view.renew_accounts = accounts;
        self.jobs.get_mut(jobid).expect("the job just read").order_id = Some(order_id.clone());
        Ok(json!({"order_id": order_id}))
    }

    fn get_order(&mut self, args: &Value) -> Reply {
        let order_id = text(args, "order_id")?;
        let o = &self.order_mut(order_id).ok_or_else(unknown_order)?.view;
        Ok(json!({"order": {
            "order_id": o.order_id, "order_type": o.order_type, "order_status": o.status, "corpid": o.corpid,
            "price": o.price_fen,
            "account_count": {"base_count": o.base_count, "external_contact_count": o.external_contact_count},
            "account_duration": {"months": o.months, "days": o.days},
            "create_time": o.create_time, "pay_time": o.pay_time,
        }}))
    }

    fn list_order(&self, args: &Value) -> Reply {
        let corpid = opt_text(args, "corpid");
        let (start, end) = (int(args, "start_time")?, int(args, "end_time")?);
        if end < start || end - start > 31 * DAY {
            return Err(invalid("start_time..end_time must span at most 31 days"));
        }
        let items = self
            .orders
            .iter()
            .map(|o| &o.view)
            .filter(|o| corpid.is_none_or(|c| c == o.corpid) && (start..=end).contains(&o.create_time))
            .map(|o| json!({"order_id": o.order_id, "order_type": o.order_type}))
            .collect();
        paged(items, args, "order_list")
    }

    fn cancel_order(&mut self, args: &Value) -> Reply {
        let (corpid, order_id) = (text(args, "corpid")?, text(args, "order_id")?);
        let order = self.order_mut(order_id).filter(|o| o.view.corpid == corpid).ok_or_else(unknown_order)?;
        if order.view.status != 0 {
            return Err(fault(40058, "order cannot be cancelled"));
        }
        order.view.status = 2;
        Ok(json!({}))
    }

    fn list_order_account(&mut self, args: &Value) -> Reply {
        let order = self.order_mut(text(args, "order_id")?).ok_or_else(unknown_order)?;
        let items = match (order.view.status, order.view.order_type) {
            (1, 1) => order.codes.iter().map(|(code, kind)| json!({"active_code": code, "type": kind})).collect(),
            (1, _) => {
                order.view.renew_accounts.iter().map(|(user, kind)| json!({"userid": user, "type": kind})).collect()
            }
            _ => Vec::new(),
        };
        paged(items, args, "account_list")
    }

    fn batch_active_account(&mut self, args: &Value) -> Reply {
        let corpid = text(args, "corpid")?;
        let items = list(args, "active_list")?;
        if items.is_empty() || items.len() > 1000 {
            return Err(invalid("active_list"));
        }
        let mut pairs = Vec::new();
        for item in items {
            let code = text(item, "active_code").map_err(|_| invalid("active_list.active_code"))?;
            let userid = text(item, "userid").map_err(|_| invalid("active_list.userid"))?;
            pairs.push((code.to_owned(), userid.to_owned()));
        }
        let results: Vec<Value> = pairs
            .into_iter()
            .map(|(code, userid)| {
                let errcode = self.activate(corpid, &code, &userid);
                json!({"active_code": code, "userid": userid, "errcode": errcode})
            })
            .collect();
        Ok(json!({"active_result": results}))
    }

    /// One activation's errcode (0 when bound, or already bound to that userid).
    fn activate(&mut self, corpid: &str, code: &str, userid: &str) -> i64 {
        if let Some(&errcode) = self.refused.get(userid) {
            return errcode;
        }
        let Some(c) = self.codes.get(code).filter(|c| c.corpid == corpid) else { return 701001 };
        match &c.bound_to {
            Some(bound) if bound == userid => return 0,
            Some(_) => return 701003,
            None => {}
        }
        let (kind, days, now) = (c.kind, c.days, now());
        if self.account_mut(corpid, userid, kind).is_some_and(|a| a.view.expire_time > now) {
            return 701011;
        }
        self.codes.get_mut(code).expect("the code just read").bound_to = Some(userid.to_owned());
        self.bind(corpid, userid, kind, code.to_owned(), now, now + days * DAY);
        0
    }
}

/// A field by a dotted path.
fn field<'a>(args: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(args, |v, key| v.get(key))
}

/// A non-empty string field.
fn text<'a>(args: &'a Value, path: &str) -> Result<&'a str, Fault> {
    field(args, path).and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| invalid(path))
}

fn opt_text<'a>(args: &'a Value, path: &str) -> Option<&'a str> {
    field(args, path).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn int(args: &Value, path: &str) -> Result<i64, Fault> {
    field(args, path).and_then(Value::as_i64).ok_or_else(|| invalid(path))
}

fn opt_int(args: &Value, path: &str, default: i64) -> Result<i64, Fault> {
    match field(args, path) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_i64().ok_or_else(|| invalid(path)),
    }
}

fn list<'a>(args: &'a Value, path: &str) -> Result<&'a Vec<Value>, Fault> {
    field(args, path).and_then(Value::as_array).ok_or_else(|| invalid(path))
}

/// A page of `items` by `cursor` (an index) and `limit` (default 500, at most 1000).
fn paged(items: Vec<Value>, args: &Value, key: &str) -> Reply {
    let limit = opt_int(args, "limit", 500)?;
    if !(1..=1000).contains(&limit) {
        return Err(invalid("limit"));
    }
    let start = match opt_text(args, "cursor") {
        Some(cursor) => cursor.parse::<usize>().map_err(|_| invalid("cursor"))?,
        None => 0,
    };
    let end = items.len().min(start.saturating_add(limit as usize));
    let has_more = end < items.len();
    let page = items.get(start.min(end)..end).unwrap_or_default();
    let next_cursor = if has_more { end.to_string() } else { String::new() };
    Ok(json!({"next_cursor": next_cursor, "has_more": i32::from(has_more), key: page}))
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// WeCom's answer: always HTTP 200, `errcode` 0 with the reply's fields, or the fault.
fn answer(reply: Reply) -> Response {
    let body = match reply {
        Ok(Value::Object(mut fields)) => {
            fields.insert("errcode".into(), json!(0));
            fields.insert("errmsg".into(), json!("ok"));
            Value::Object(fields)
        }
        Ok(other) => json!({"errcode": 0, "errmsg": "ok", "data": other}),
        Err(f) => json!({"errcode": f.code, "errmsg": f.msg}),
    };
    Json(body).into_response()
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/cgi-bin/service/get_provider_token", post(provider_token))
        .route("/cgi-bin/license/{name}", post(license))
        .route("/standin/orders", get(orders_json))
        .route("/standin/orders/{id}/pay", post(pay_order))
        .route("/standin/faults", post(faults))
        .with_state(shared)
}

async fn provider_token(State(shared): State<Shared>, body: Bytes) -> Response {
    let reply = shared.lock().issue_token(&body);
    answer(reply)
}

async fn license(
    State(shared): State<Shared>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if !CALLS.contains(&name.as_str()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let hang = {
        let mut world = shared.lock();
        world.calls.push(name.clone());
        if let Err(f) = world.check_token(query.get("provider_access_token")) {
            return answer(Err(f));
        }
        if world.busy > 0 {
            world.busy -= 1;
            return answer(Err(fault(-1, "system busy")));
        }
        let hang = world.hang > 0;
        world.hang = world.hang.saturating_sub(1);
        hang
    };
    if hang {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    let (reply, created, hook) = {
        let mut world = shared.lock();
        let reply = match serde_json::from_slice::<Value>(&body) {
            Ok(args) => world.call(&name, &args),
            Err(_) => Err(invalid("body is not JSON")),
        };
        (reply, world.fresh_order.take(), world.hook.0.clone())
    };
    if let (Some(order_id), Some(hook)) = (created, hook) {
        hook(&order_id);
    }
    answer(reply)
}

async fn orders_json(State(shared): State<Shared>) -> Json<Vec<OrderView>> {
    Json(shared.lock().orders.iter().map(|o| o.view.clone()).collect())
}

async fn pay_order(State(shared): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let ok = shared.lock().pay(&id);
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.contains("text/html") {
        Redirect::to("/").into_response()
    } else {
        Json(json!({"ok": ok})).into_response()
    }
}

/// `{busy?: n, hang?: n, expire_tokens?: bool, refuse?: {userid: errcode}, price?: {order_id: fen}}`.
async fn faults(State(shared): State<Shared>, body: Bytes) -> Response {
    let Ok(args) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"ok": false, "error": "body is not JSON"}))).into_response();
    };
    let mut world = shared.lock();
    if let Some(n) = args["busy"].as_u64() {
        world.busy = n as u32;
    }
    if let Some(n) = args["hang"].as_u64() {
        world.hang = n as u32;
    }
    if args["expire_tokens"].as_bool() == Some(true) {
        world.tokens.values_mut().for_each(|t| t.expired = true);
    }
    for (userid, errcode) in args["refuse"].as_object().into_iter().flatten() {
        match errcode.as_i64() {
            Some(0) => {
                world.refused.remove(userid);
            }
            Some(errcode) => {
                world.refused.insert(userid.clone(), errcode);
            }
            None => {}
        }
    }
    for (order_id, fen) in args["price"].as_object().into_iter().flatten() {
        if let (Some(fen), Some(order)) = (fen.as_i64(), world.order_mut(order_id)) {
            order.view.price_fen = fen;
        }
    }
    Json(json!({"ok": true})).into_response()
}

/// The demo page: every order, with a button to pay the unpaid ones.
async fn index(State(shared): State<Shared>) -> Html<String> {
    let mut rows = String::new();
    for o in shared.lock().orders.iter().map(|o| &o.view) {
        let kind = if o.order_type == 1 { "新购 / New" } else { "续期 / Renewal" };
        let status = match o.status {
            0 => "待支付 / Unpaid",
            1 => "已支付 / Paid",
            2 => "已取消 / Cancelled",
            _ => "?",
        };
        let action = if o.status == 0 {
            format!(
                r#"<form method="post" action="/standin/orders/{}/pay"><button>支付 / Pay</button></form>"#,
                escape(&o.order_id)
            )
        } else {
            String::new()
        };
        let cells = [
            escape(&o.order_id),
            kind.to_owned(),
            escape(&o.corpid),
            format!("{} + {}", o.base_count, o.external_contact_count),
            o.months.to_string(),
            format!("¥{}.{:02}", o.price_fen / 100, o.price_fen % 100),
            status.to_owned(),
            action,
        ];
        rows.push_str(&format!("<tr><td>{}</td></tr>\n", cells.join("</td><td>")));
    }
    Html(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>WeCom stand-in</title></head><body>\n\
         <h1>WeCom stand-in</h1>\n<table border=\"1\" cellpadding=\"4\">\n\
         <tr><th>{}</th></tr>\n{rows}</table>\n</body></html>\n",
        ["Order", "Type", "Corp", "Basic + interop", "Months", "Price", "Status", ""].join("</th><th>")
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORP: &str = "wwcustomer0001";

    /// A provider's client of the stand-in, holding one token.
    struct Client {
        http: reqwest::Client,
        base: String,
        token: String,
    }

    async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Value {
        let response = http.post(url).json(body).send().await.expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("a JSON answer")
    }

    impl Client {
        async fn new(standin: &StandIn) -> Client {
            let http = reqwest::Client::new();
            let options = Options::default();
            let url = format!("{}/cgi-bin/service/get_provider_token", standin.base);
            let body = json!({"corpid": options.provider_corpid, "provider_secret": options.provider_secret});
            let answer = post(&http, &url, &body).await;
            assert_eq!(answer["errcode"], 0, "{answer}");
            let token = answer["provider_access_token"].as_str().expect("a token").to_owned();
            Client { http, base: standin.base.clone(), token }
        }

        async fn call(&self, name: &str, body: Value) -> Value {
            let url = format!("{}/cgi-bin/license/{name}?provider_access_token={}", self.base, self.token);
            post(&self.http, &url, &body).await
        }

        async fn new_order(&self, base: i64, interop: i64, months: i64) -> String {
            let body = json!({"corpid": CORP, "buyer_userid": "boss", "account_count": {"base_count": base,
                "external_contact_count": interop}, "account_duration": {"months": months}});
            let answer = self.call("create_new_order", body).await;
            assert_eq!(answer["errcode"], 0, "{answer}");
            answer["order_id"].as_str().expect("an order id").to_owned()
        }
    }

    #[tokio::test]
    async fn wecom_standin_tokens_are_checked_and_expire() {
        let standin = StandIn::start(Options { token_ttl: Duration::from_millis(300), ..Options::default() }).await;
        let http = reqwest::Client::new();
        let url = format!("{}/cgi-bin/service/get_provider_token", standin.base);
        let wrong_corp = post(&http, &url, &json!({"corpid": "ww0", "provider_secret": "standin-secret"})).await;
        assert_eq!(wrong_corp["errcode"], 40013);
        let wrong_secret =
            post(&http, &url, &json!({"corpid": "wwstandinprovider0001", "provider_secret": "nope"})).await;
        assert_eq!(wrong_secret["errcode"], 40001);

        let client = Client::new(&standin).await;
        assert_eq!(standin.tokens_issued(), 1);
        assert!(client.token.len() >= 32);
        assert_eq!(client.call("get_auto_active_status", json!({"corpid": CORP})).await["errcode"], 0);
        let missing = post(&http, &format!("{}/cgi-bin/license/get_order", standin.base), &json!({})).await;
        assert_eq!(missing["errcode"], 41001);
        let unknown = Client { token: "forged".into(), ..Client::new(&standin).await };
        assert_eq!(unknown.call("get_order", json!({"order_id": "x"})).await["errcode"], 40082);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(client.call("get_order", json!({"order_id": "x"})).await["errcode"], 42009);

        let standin = StandIn::start(Options::default()).await;
        let client = Client::new(&standin).await;
        assert_eq!(client.call("get_order", json!({"order_id": "x"})).await["errcode"], 701005);
        standin.expire_tokens();
        let expired = client.call("get_order", json!({"order_id": "x"})).await;
        assert_eq!(
            (expired["errcode"].clone(), expired["errmsg"].clone()),
            (json!(42009), json!("provider_access_token expired"))
        );
        assert_eq!(Client::new(&standin).await.call("get_order", json!({"order_id": "x"})).await["errcode"], 701005);
        assert_eq!(standin.calls()[0], "get_provider_token");
    }

    #[tokio::test]
    async fn wecom_standin_new_order_is_paid_listed_and_activated() {
        let standin = StandIn::start(Options::default()).await;
        let client = Client::new(&standin).await;
        let order_id = client.new_order(5, 3, 12).await;
        assert!(order_id.starts_with("OI") && order_id.len() == 32, "{order_id}");
        let order = &client.call("get_order", json!({"order_id": order_id})).await["order"];
        assert_eq!(order["order_status"], 0);
        assert_eq!(order["price"], 5 * 500 + 3 * 5000);
        assert_eq!(order["account_count"], json!({"base_count": 5, "external_contact_count": 3}));
        let unpaid = client.call("list_order_account", json!({"order_id": order_id})).await;
        assert_eq!((unpaid["account_list"].clone(), unpaid["has_more"].clone()), (json!([]), json!(0)));

        assert!(standin.pay(&order_id));
        assert!(!standin.pay(&order_id));
        let first = client.call("list_order_account", json!({"order_id": order_id, "limit": 6})).await;
        assert_eq!((first["has_more"].clone(), first["next_cursor"].clone()), (json!(1), json!("6")));
        let rest = client.call("list_order_account", json!({"order_id": order_id, "limit": 6, "cursor": "6"})).await;
        assert_eq!(rest["has_more"], 0);
        let accounts: Vec<Value> =
            [first, rest].iter().flat_map(|p| p["account_list"].as_array().unwrap().clone()).collect();
        let codes = |kind: i32| -> Vec<String> {
            accounts
                .iter()
                .filter(|a| a["type"] == kind)
                .map(|a| a["active_code"].as_str().unwrap().to_owned())
                .collect()
        };
        let (basic, interop) = (codes(1), codes(2));
        assert_eq!((basic.len(), interop.len()), (5, 3));
        assert!(basic.iter().all(|c| c.len() == 20 && c.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())));

        standin.refuse_userid("refused", 701011);
        let bind = |pairs: &[(&str, &str)]| {
            let list: Vec<Value> = pairs.iter().map(|(c, u)| json!({"active_code": c, "userid": u})).collect();
            client.call("batch_active_account", json!({"corpid": CORP, "active_list": list}))
        };
        let results = |answer: Value| -> Vec<i64> {
            answer["active_result"].as_array().unwrap().iter().map(|r| r["errcode"].as_i64().unwrap()).collect()
        };
        let first =
            bind(&[(basic[0].as_str(), "alice"), (basic[1].as_str(), "refused"), (interop[0].as_str(), "alice")]).await;
        assert_eq!(first["errcode"], 0);
        assert_eq!(results(first), [0, 701011, 0]);
        let again = bind(&[
            (basic[0].as_str(), "bob"),
            (basic[0].as_str(), "alice"),
            (basic[2].as_str(), "alice"),
            ("NOSUCHCODE", "bob"),
        ])
        .await;
        assert_eq!(results(again), [701003, 0, 701011, 701001]);

        let info = client.call("get_active_info_by_user", json!({"corpid": CORP, "userid": "alice"})).await;
        assert_eq!(info["active_status"], 1);
        let held = info["active_info_list"].as_array().unwrap();
        assert_eq!(held.len(), 2);
        let span = held[0]["expire_time"].as_i64().unwrap() - held[0]["active_time"].as_i64().unwrap();
        assert_eq!(span, 12 * 31 * DAY);
        assert_eq!(standin.active(CORP).len(), 2);
        assert!(standin.active("wwother").is_empty());
        let empty = bind(&[]).await;
        assert_eq!(empty["errcode"], 40058);
    }

    #[tokio::test]
    async fn wecom_standin_checks_new_orders_and_lists_within_a_window() {
        let standin = StandIn::start(Options::default()).await;
        let client = Client::new(&standin).await;
        let bad = |body: Value| client.call("create_new_order", body);
        let counts = json!({"base_count": 1, "external_contact_count": 0});
        let duration = json!({"months": 1});
        let no_buyer =
            bad(json!({"corpid": CORP, "buyer_userid": "", "account_count": counts, "account_duration": duration}))
                .await;
        assert_eq!(
            (no_buyer["errcode"].clone(), no_buyer["errmsg"].clone()),
            (json!(40058), json!("invalid parameter: buyer_userid"))
        );
        let zero = json!({"base_count": 0, "external_contact_count": 0});
        let none =
            bad(json!({"corpid": CORP, "buyer_userid": "b", "account_count": zero, "account_duration": duration}))
                .await;
        assert_eq!(none["errmsg"], "invalid parameter: account_count");
        let short = json!({"months": 0, "days": 30});
        let short =
            bad(json!({"corpid": CORP, "buyer_userid": "b", "account_count": counts, "account_duration": short})).await;
        assert_eq!(short["errmsg"], "invalid parameter: account_duration");
        let url = format!("{}/cgi-bin/license/create_new_order?provider_access_token={}", standin.base, client.token);
        let malformed = client.http.post(&url).body("{not json").send().await.unwrap().json::<Value>().await.unwrap();
        assert_eq!(malformed["errcode"], 40058);

        let (a, b) = (client.new_order(1, 0, 1).await, client.new_order(0, 2, 13).await);
        assert_eq!(standin.orders()[1].price_fen, (2 * 5000 * 13 + 6) / 12);
        let now = now();
        let list = |cursor: &str, start: i64, end: i64| {
            client.call(
                "list_order",
                json!({"corpid": CORP, "start_time": start, "end_time": end, "limit": 1, "cursor": cursor}),
            )
        };
        let page1 = list("", now - 3600, now + 3600).await;
        assert_eq!((page1["has_more"].clone(), page1["order_list"][0]["order_id"].clone()), (json!(1), json!(a)));
        let page2 = list(page1["next_cursor"].as_str().unwrap(), now - 3600, now + 3600).await;
        assert_eq!((page2["has_more"].clone(), page2["order_list"][0]["order_id"].clone()), (json!(0), json!(b)));
        assert_eq!(list("", now - 32 * DAY, now).await["errcode"], 40058);
        assert_eq!(list("", now - 31 * DAY, now).await["errcode"], 0);

        let cancel = client.call("cancel_order", json!({"corpid": CORP, "order_id": a})).await;
        assert_eq!(cancel["errcode"], 0);
        let twice = client.call("cancel_order", json!({"corpid": CORP, "order_id": a})).await;
        assert_eq!(twice["errmsg"], "order cannot be cancelled");
        assert!(!standin.pay(&a));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn wecom_standin_runs_the_hook_before_answering() {
        let standin = StandIn::start(Options::default()).await;
        let seen: Arc<Mutex<Vec<(String, bool, Instant)>>> = Arc::default();
        let (inner, record) = (standin.clone(), seen.clone());
        standin.on_order_created(move |order_id| {
            let recorded = inner.orders().iter().any(|o| o.order_id == order_id);
            std::thread::sleep(Duration::from_millis(200));
            record.lock().unwrap().push((order_id.to_owned(), recorded, Instant::now()));
        });
        let client = Client::new(&standin).await;
        let order_id = client.new_order(1, 1, 12).await;
        let answered = Instant::now();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1);
        let (hooked, recorded, at) = &seen[0];
        assert_eq!(hooked, &order_id);
        assert!(*recorded, "the order is recorded before the hook runs");
        assert!(*at <= answered, "the hook ran before the answer arrived");
    }

    #[tokio::test]
    async fn wecom_standin_busy_answers_once_and_faults_route() {
        let standin = StandIn::start(Options::default()).await;
        let client = Client::new(&standin).await;
        standin.busy_next(1);
        let body = json!({"corpid": CORP});
        let busy = client.call("get_auto_active_status", body.clone()).await;
        assert_eq!((busy["errcode"].clone(), busy["errmsg"].clone()), (json!(-1), json!("system busy")));
        assert_eq!(client.call("get_auto_active_status", body.clone()).await["errcode"], 0);
        assert_eq!(standin.calls(), ["get_provider_token", "get_auto_active_status", "get_auto_active_status"]);

        let faults = format!("{}/standin/faults", standin.base);
        assert_eq!(post(&client.http, &faults, &json!({"busy": 1})).await["ok"], true);
        assert_eq!(client.call("get_auto_active_status", body.clone()).await["errcode"], -1);
        let set = client.call("set_auto_active_status", json!({"corpid": CORP, "auto_active_status": 1})).await;
        assert_eq!(set["errcode"], 0);
        assert_eq!(standin.auto_active_status(CORP), Some(1));
        assert_eq!(standin.auto_active_status("wwother"), None);

        let order_id = client.new_order(2, 0, 12).await;
        let page = client.http.get(&standin.base).send().await.unwrap().text().await.unwrap();
        assert!(
            page.contains("<title>WeCom stand-in</title>") && page.contains(&format!("/standin/orders/{order_id}/pay"))
        );
        let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let pay = format!("{}/standin/orders/{order_id}/pay", standin.base);
        let paid = no_redirect.post(&pay).header(header::ACCEPT, "text/html").send().await.unwrap();
        assert_eq!(paid.status(), StatusCode::SEE_OTHER);
        assert_eq!(post(&client.http, &pay, &json!({})).await["ok"], false);
        assert_eq!(standin.orders()[0].status, 1);
    }

    #[tokio::test]
    async fn wecom_standin_renews_active_accounts() {
        let standin = StandIn::start(Options { auto_pay_after: Some(Duration::ZERO), ..Options::default() }).await;
        let client = Client::new(&standin).await;
        let expire = now() + 10 * DAY;
        standin.seed_active(CORP, "carol", 1, expire);
        let list =
            json!([{"userid": "carol", "type": 1}, {"userid": "dave", "type": 1}, {"userid": "carol", "type": 2}]);
        let job = client.call("create_renew_order_job", json!({"corpid": CORP, "account_list": list})).await;
        assert_eq!(job["errcode"], 0, "{job}");
        let refused: Vec<Value> = job["invalid_account_list"].as_array().unwrap().clone();
        assert_eq!(refused.len(), 2);
        assert_eq!((refused[0]["userid"].clone(), refused[0]["errcode"].clone()), (json!("dave"), json!(701026)));
        let submit = json!({"jobid": job["jobid"], "buyer_userid": "boss", "account_duration": {"months": 12}});
        let order_id = client.call("submit_order_job", submit.clone()).await["order_id"].clone();
        assert_eq!(client.call("submit_order_job", submit).await["order_id"], order_id);
        let unknown = client
            .call("submit_order_job", json!({"jobid": "nope", "buyer_userid": "b", "account_duration": {"months": 1}}))
            .await;
        assert_eq!(unknown["errmsg"], "invalid jobid");

        let order = &client.call("get_order", json!({"order_id": order_id})).await["order"];
        assert_eq!(
            (order["order_type"].clone(), order["order_status"].clone(), order["price"].clone()),
            (json!(2), json!(1), json!(500))
        );
        let accounts = client.call("list_order_account", json!({"order_id": order_id})).await;
        assert_eq!(accounts["account_list"], json!([{"userid": "carol", "type": 1}]));
        assert_eq!(standin.active(CORP)[0].expire_time, expire + 12 * 31 * DAY);
        assert_eq!(standin.orders()[0].renew_accounts, [("carol".to_owned(), 1)]);
    }
}
