//! The stand-in's world: WeCom's calls as changes of its orders, codes and accounts.

use super::*;

impl World {
    pub(super) fn new(options: Options) -> World {
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
    pub(super) fn draw(&mut self, alphabet: &[u8], len: usize) -> String {
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

    pub(super) fn fresh_code(&mut self) -> String {
        loop {
            let code = self.draw(UPPER_ALNUM, 20);
            if !self.codes.contains_key(&code) {
                return code;
            }
        }
    }

    pub(super) fn order_mut(&mut self, order_id: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.view.order_id == order_id)
    }

    /// Pays the orders `auto_pay_after` has come for.
    pub(super) fn settle(&mut self) {
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
    pub(super) fn pay(&mut self, order_id: &str) -> bool {
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

    pub(super) fn account_mut(&mut self, corpid: &str, userid: &str, kind: i32) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.corpid == corpid && a.view.userid == userid && a.view.kind == kind)
    }

    /// Binds a code to a userid, replacing the userid's account of that type if any.
    pub(super) fn bind(
        &mut self,
        corpid: &str,
        userid: &str,
        kind: i32,
        code: String,
        active_time: i64,
        expire_time: i64,
    ) {
        let view = ActiveView { userid: userid.to_owned(), kind, active_code: code, active_time, expire_time };
        match self.account_mut(corpid, userid, kind) {
            Some(account) => account.view = view,
            None => self.accounts.push(Account { corpid: corpid.to_owned(), view }),
        }
    }

    pub(super) fn record_order(
        &mut self,
        corpid: &str,
        order_type: i32,
        counts: (i64, i64),
        duration: (i64, i64),
    ) -> String {
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

    pub(super) fn issue_token(&mut self, body: &[u8]) -> Reply {
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

    pub(super) fn check_token(&self, token: Option<&String>) -> Result<(), Fault> {
        let token = token.filter(|t| !t.is_empty()).ok_or_else(|| fault(41001, "provider_access_token missing"))?;
        let token = self.tokens.get(token).ok_or_else(|| fault(40082, "invalid provider_access_token"))?;
        if token.expired || token.issued.elapsed() >= self.options.token_ttl {
            return Err(fault(42009, "provider_access_token expired"));
        }
        Ok(())
    }

    /// One license call, its token and faults already checked.
    pub(super) fn call(&mut self, name: &str, args: &Value) -> Reply {
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

    pub(super) fn create_new_order(&mut self, args: &Value) -> Reply {
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

    pub(super) fn create_renew_order_job(&mut self, args: &Value) -> Reply {
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

    pub(super) fn submit_order_job(&mut self, args: &Value) -> Reply {
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

    pub(super) fn get_order(&mut self, args: &Value) -> Reply {
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

    pub(super) fn list_order(&self, args: &Value) -> Reply {
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

    pub(super) fn cancel_order(&mut self, args: &Value) -> Reply {
        let (corpid, order_id) = (text(args, "corpid")?, text(args, "order_id")?);
        let order = self.order_mut(order_id).filter(|o| o.view.corpid == corpid).ok_or_else(unknown_order)?;
        if order.view.status != 0 {
            return Err(fault(40058, "order cannot be cancelled"));
        }
        order.view.status = 2;
        Ok(json!({}))
    }

    pub(super) fn list_order_account(&mut self, args: &Value) -> Reply {
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

    pub(super) fn batch_active_account(&mut self, args: &Value) -> Reply {
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
    pub(super) fn activate(&mut self, corpid: &str, code: &str, userid: &str) -> i64 {
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
pub(super) fn field<'a>(args: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(args, |v, key| v.get(key))
}

/// A non-empty string field.
pub(super) fn text<'a>(args: &'a Value, path: &str) -> Result<&'a str, Fault> {
    field(args, path).and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| invalid(path))
}

pub(super) fn opt_text<'a>(args: &'a Value, path: &str) -> Option<&'a str> {
    field(args, path).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub(super) fn int(args: &Value, path: &str) -> Result<i64, Fault> {
    field(args, path).and_then(Value::as_i64).ok_or_else(|| invalid(path))
}

pub(super) fn opt_int(args: &Value, path: &str, default: i64) -> Result<i64, Fault> {
    match field(args, path) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_i64().ok_or_else(|| invalid(path)),
    }
}

pub(super) fn list<'a>(args: &'a Value, path: &str) -> Result<&'a Vec<Value>, Fault> {
    field(args, path).and_then(Value::as_array).ok_or_else(|| invalid(path))
}

/// A page of `items` by `cursor` (an index) and `limit` (default 500, at most 1000).
pub(super) fn paged(items: Vec<Value>, args: &Value, key: &str) -> Reply {
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
