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

mod http;
#[cfg(test)]
mod tests;
mod world;

use http::router;

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
