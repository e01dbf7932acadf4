//! Fulfilment through WeCom's own license API (接口调用许可): the configuration, the HTTP client
//! ([`client`]) and the job's outbox handler ([`job`]). Off unless `WECOM_PROVIDER_CORPID`,
//! `WECOM_PROVIDER_SECRET` and `WECOM_BUYER_USERID` are set; fulfilment is then recorded by hand.

pub mod client;
pub mod job;

use std::time::Duration;

/// WeCom's own host, the default of `WECOM_API_BASE`.
pub const DEFAULT_API_BASE: &str = "https://qyapi.weixin.qq.com";

/// The provider secret: never printed, logged nor sent to a page.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the token request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How the server reaches WeCom's license API and runs the job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WecomConfig {
    /// `WECOM_API_BASE` (default [`DEFAULT_API_BASE`]), without a trailing `/`.
    pub base: String,
    /// `WECOM_PROVIDER_CORPID`: the service provider's corp ID.
    pub provider_corpid: String,
    /// `WECOM_PROVIDER_SECRET`.
    pub provider_secret: Secret,
    /// `WECOM_BUYER_USERID`: the provider's member who places (and pays) the orders.
    pub buyer_userid: String,
    /// `WECOM_AUTO_ORDER=1`: the final approval starts the job by itself.
    pub auto_order: bool,
    /// `WECOM_POLL_MS` (default 30,000) and `WECOM_POLL_CAP_SECS` (default 900): the first wait
    /// before asking again whether an order is paid, doubling up to the cap.
    pub poll_base: Duration,
    pub poll_cap: Duration,
    /// `WECOM_TIMEOUT_SECS` (default 10): how long one call may take.
    pub timeout: Duration,
    /// `WECOM_MAX_TRIES` (default 12): failed tries of one step (WeCom unreachable, busy) before
    /// the job stops for a person to look.
    pub max_tries: i32,
}

impl WecomConfig {
    /// A configuration for `base` with the defaults (tests shorten the waits).
    pub fn new(base: &str, provider_corpid: &str, provider_secret: &str, buyer_userid: &str) -> WecomConfig {
        WecomConfig {
            base: base.trim_end_matches('/').to_owned(),
            provider_corpid: provider_corpid.to_owned(),
            provider_secret: Secret::new(provider_secret),
            buyer_userid: buyer_userid.to_owned(),
            auto_order: false,
            poll_base: Duration::from_secs(30),
            poll_cap: Duration::from_secs(900),
            timeout: Duration::from_secs(10),
            max_tries: 12,
        }
    }

    /// Reads the `WECOM_*` settings: `None` when none of the three provider settings is set; an
    /// error naming what is missing when only some are.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<WecomConfig>, String> {
        let value = |key: &str| get(key).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let keys = ["WECOM_PROVIDER_CORPID", "WECOM_PROVIDER_SECRET", "WECOM_BUYER_USERID"];
        let values: Vec<Option<String>> = keys.iter().map(|k| value(k)).collect();
        if values.iter().all(Option::is_none) {
            return Ok(None);
        }
        let missing: Vec<&str> = keys.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(k, _)| *k).collect();
        if !missing.is_empty() {
            return Err(format!("WeCom's license API needs {} as well", missing.join(", ")));
        }
        let base = value("WECOM_API_BASE").unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
        crate::config::http_url("WECOM_API_BASE", &base).map_err(|e| e.to_string())?;
        let number = |key: &str, default: u64, max: u64| crate::config::whole_number(get, key, default, max);
        let [corpid, secret, buyer] = [&values[0], &values[1], &values[2]].map(|v| v.clone().unwrap_or_default());
        let mut config = WecomConfig::new(&base, &corpid, &secret, &buyer);
        config.auto_order = crate::config::flag(get("WECOM_AUTO_ORDER"));
        config.poll_base = Duration::from_millis(number("WECOM_POLL_MS", 30_000, 86_400_000)?);
        config.poll_cap = Duration::from_secs(number("WECOM_POLL_CAP_SECS", 900, 86_400)?);
        config.timeout = Duration::from_secs(number("WECOM_TIMEOUT_SECS", 10, 300)?);
        config.max_tries = number("WECOM_MAX_TRIES", 12, 1_000)? as i32;
        Ok(Some(config))
    }

    /// What the pages may know: on, and whether the approval orders by itself.
    pub fn switch(config: Option<&WecomConfig>) -> app::services::wecom::WecomSwitch {
        app::services::wecom::WecomSwitch {
            enabled: config.is_some(),
            auto_order: config.is_some_and(|c| c.auto_order),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: std::collections::HashMap<String, String> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn off_without_the_provider_settings_and_a_clear_error_with_some() {
        assert_eq!(WecomConfig::from_lookup(&lookup(&[])).unwrap(), None);
        let e = WecomConfig::from_lookup(&lookup(&[("WECOM_PROVIDER_CORPID", "wwabc")])).unwrap_err();
        assert!(e.contains("WECOM_PROVIDER_SECRET") && e.contains("WECOM_BUYER_USERID"), "{e}");
        let all = [
            ("WECOM_PROVIDER_CORPID", "wwabc"),
            ("WECOM_PROVIDER_SECRET", "s3cret"),
            ("WECOM_BUYER_USERID", "buyer"),
            ("WECOM_AUTO_ORDER", "1"),
            ("WECOM_POLL_MS", "200"),
        ];
        let c = WecomConfig::from_lookup(&lookup(&all)).unwrap().unwrap();
        assert_eq!(c.base, DEFAULT_API_BASE);
        assert!(c.auto_order);
        assert_eq!(c.poll_base, Duration::from_millis(200));
        assert!(!format!("{c:?}").contains("s3cret"), "the secret never prints");
        let bad = [all[0], all[1], all[2], ("WECOM_API_BASE", "ftp://x")];
        assert!(WecomConfig::from_lookup(&lookup(&bad)).unwrap_err().contains("WECOM_API_BASE"));
    }
}
