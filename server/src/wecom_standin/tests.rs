//! The stand-in keeps WeCom's documented contract.

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
    let wrong_secret = post(&http, &url, &json!({"corpid": "wwstandinprovider0001", "provider_secret": "nope"})).await;
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
        accounts.iter().filter(|a| a["type"] == kind).map(|a| a["active_code"].as_str().unwrap().to_owned()).collect()
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
        bad(json!({"corpid": CORP, "buyer_userid": "", "account_count": counts, "account_duration": duration})).await;
    assert_eq!(
        (no_buyer["errcode"].clone(), no_buyer["errmsg"].clone()),
        (json!(40058), json!("invalid parameter: buyer_userid"))
    );
    let zero = json!({"base_count": 0, "external_contact_count": 0});
    let none =
        bad(json!({"corpid": CORP, "buyer_userid": "b", "account_count": zero, "account_duration": duration})).await;
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
    let list = json!([{"userid": "carol", "type": 1}, {"userid": "dave", "type": 1}, {"userid": "carol", "type": 2}]);
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
