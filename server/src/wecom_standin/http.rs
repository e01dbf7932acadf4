//! The stand-in's HTTP face: WeCom's routes, the demo's control routes under `/standin/` and its page.

use super::*;

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

pub(super) fn router(shared: Shared) -> Router {
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
