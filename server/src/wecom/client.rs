//! WeCom's license API over HTTP: `POST {base}/cgi-bin/license/<name>?provider_access_token=…`
//! with a JSON body; every answer carries `errcode` (0: done) and `errmsg`.
//!
//! The provider token (`POST {base}/cgi-bin/service/get_provider_token` with the provider's corp
//! ID and secret) is cached until a minute before it expires (`expires_in`, normally 7,200 s), and
//! fetched again at once when an answer says it is no longer good (`domain::wecom::is_token_error`);
//! the call is then made once more. The secret goes into the token request's body only: never
//! into a URL, a log or an error.

use super::WecomConfig;
use app::domain::wecom::{is_token_error, is_transient};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Why a call did not give an answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// WeCom answered with an `errcode` other than 0.
    #[error("WeCom {name}: errcode {errcode}: {errmsg}")]
    Wecom { name: String, errcode: i64, errmsg: String },
    /// No usable answer (cannot connect, timed out, HTTP error, unreadable body).
    #[error("WeCom {name}: {reason}")]
    Transport { name: String, reason: String },
}

impl CallError {
    /// Whether trying the same call later may work (WeCom busy or unreachable).
    pub fn is_transient(&self) -> bool {
        match self {
            CallError::Wecom { errcode, .. } => is_transient(*errcode),
            CallError::Transport { .. } => true,
        }
    }
}

struct Token {
    value: String,
    /// Fetch a new one after this.
    good_until: Instant,
}

/// The client: one per process (it keeps the token).
pub struct LicenseClient {
    http: reqwest::Client,
    config: WecomConfig,
    token: Mutex<Option<Token>>,
}

impl LicenseClient {
    pub fn new(config: WecomConfig) -> LicenseClient {
        let http = crate::outbox::http_client(config.timeout);
        LicenseClient { http, config, token: Mutex::new(None) }
    }

    pub fn config(&self) -> &WecomConfig {
        &self.config
    }

    /// Calls `cgi-bin/license/<name>` with `body`; the whole answer when `errcode` is 0.
    pub async fn call(&self, name: &str, body: &Value) -> Result<Value, CallError> {
        let mut refreshed = false;
        loop {
            let token = self.token(refreshed).await?;
            let url = format!("{}/cgi-bin/license/{name}", self.config.base);
            match self.post(name, &url, Some(&token), body).await {
                Err(CallError::Wecom { errcode, .. }) if is_token_error(errcode) && !refreshed => {
                    tracing::info!(call = name, errcode, "WeCom provider token refused; fetching a new one");
                    self.forget(&token).await;
                    refreshed = true;
                }
                other => return other,
            }
        }
    }

    /// The cached token, or a new one (`fresh`: always a new one unless another task just got it).
    async fn token(&self, fresh: bool) -> Result<String, CallError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| !fresh && Instant::now() < t.good_until) {
            return Ok(t.value.clone());
        }
        let url = format!("{}/cgi-bin/service/get_provider_token", self.config.base);
        let body = json!({
            "corpid": self.config.provider_corpid,
            "provider_secret": self.config.provider_secret.expose(),
        });
        let answer = self.post("get_provider_token", &url, None, &body).await?;
        let value = answer["provider_access_token"].as_str().unwrap_or_default().to_owned();
        if value.is_empty() {
            return Err(CallError::Transport {
                name: "get_provider_token".into(),
                reason: "answer without provider_access_token".into(),
            });
        }
        let lifetime = Duration::from_secs(answer["expires_in"].as_u64().unwrap_or(7_200));
        let good_until = Instant::now() + lifetime.saturating_sub(Duration::from_secs(60)).max(lifetime / 2);
        *cached = Some(Token { value: value.clone(), good_until });
        Ok(value)
    }

    /// Drops `token` from the cache (unless another task replaced it already).
    async fn forget(&self, token: &str) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|t| t.value == token) {
            *cached = None;
        }
    }

    async fn post(&self, name: &str, url: &str, token: Option<&str>, body: &Value) -> Result<Value, CallError> {
        let transport = |reason: String| CallError::Transport { name: name.to_owned(), reason };
        let mut request = self.http.post(url).json(body);
        if let Some(token) = token {
            request = request.query(&[("provider_access_token", token)]);
        }
        let response = request.send().await.map_err(|e| {
            transport(if e.is_timeout() {
                format!("no answer within {} s", self.config.timeout.as_secs())
            } else {
                format!("cannot connect: {}", e.without_url())
            })
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(transport(format!("HTTP {status}")));
        }
        let answer: Value =
            response.json().await.map_err(|e| transport(format!("unreadable answer: {}", e.without_url())))?;
        match answer["errcode"].as_i64().unwrap_or(0) {
            0 => Ok(answer),
            errcode => Err(CallError::Wecom {
                name: name.to_owned(),
                errcode,
                errmsg: answer["errmsg"].as_str().unwrap_or_default().chars().take(300).collect(),
            }),
        }
    }
}
