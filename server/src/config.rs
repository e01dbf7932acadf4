//! Configuration from the environment, with defaults that run the app from a fresh checkout.

use leptos::config::{Env, LeptosOptions};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the server reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`; default: a SQLite file under `DATA_DIR`, created if missing.
    pub database_url: String,
    /// `SQLITE_SYNCHRONOUS`: `full` (default: each commit waits for the disk) or `normal` (commits
    /// survive a crash of the server but not a power cut; writes queue less). SQLite only.
    pub sqlite_synchronous: app::db::SqliteSync,
    /// `DATA_DIR`: attachments and the default SQLite database. Default `./data`.
    pub data_dir: PathBuf,
    /// Leptos settings: `LEPTOS_SITE_ADDR` (default 127.0.0.1:3000), `LEPTOS_SITE_ROOT`, …
    pub leptos: LeptosOptions,
    /// `COOKIE_SECURE=1`: mark the session cookie `Secure` (serve over HTTPS).
    pub cookie_secure: bool,
    /// `TRUST_PROXY=1`: take the client address from `X-Forwarded-For` (only behind your proxy).
    pub trust_proxy: bool,
    /// `MAX_UPLOAD_BYTES`: the largest attachment accepted. Default 20 MiB.
    pub max_upload_bytes: usize,
    /// `STORAGE` (`local` or `s3`) and, for S3, `S3_BUCKET`, `S3_ENDPOINT`, `S3_REGION`.
    pub storage: StorageChoice,
    /// `HEADER_READ_TIMEOUT_SECS` (default 10), `IDLE_TIMEOUT_SECS` (60), `MAX_CONNECTIONS` (512).
    pub connection_limits: crate::serve::ConnectionLimits,
    /// `PAYMENT_LINK_MAX_VOUCHERS`: vouchers one payment link takes at most. Default 5.
    pub payment_link_max_vouchers: u64,
    /// `PAYMENT_LINK_MAX_BYTES`: bytes of vouchers one payment link takes at most. Default 40 MiB.
    pub payment_link_max_bytes: u64,
    /// `OUTBOX_POLL_MS`, `OUTBOX_LEASE_SECS`, `OUTBOX_BATCH`, `OUTBOX_BACKOFF_BASE_MS`,
    /// `OUTBOX_BACKOFF_CAP_SECS`, `OUTBOX_MAX_ATTEMPTS`: the outbox worker (see `outbox::worker`).
    pub outbox: crate::outbox::WorkerConfig,
    /// `PUBLIC_BASE_URL`: the desk's address as people open it (links in messages sent
    /// elsewhere), without a trailing `/`. Default `http://127.0.0.1:3000`.
    pub public_base_url: String,
    /// `WECOM_ROBOT_WEBHOOK` (an http(s) URL; unset: no robot) and `WECOM_ROBOT_WINDOW_SECS`
    /// (default 60): the WeCom group robot (see `outbox::robot`).
    pub robot: Option<crate::outbox::robot::RobotConfig>,
    /// WeCom's license API (`WECOM_*`, see `crate::wecom`); `None`: fulfilment by hand only.
    pub wecom: Option<crate::wecom::WecomConfig>,
    /// `METRICS_TOKEN`: the bearer token a Prometheus scraper sends to `GET /metrics` (at least
    /// 16 characters); unset: `/metrics` answers 404.
    pub metrics_token: Option<String>,
}

/// The shortest `METRICS_TOKEN` taken.
pub const MIN_METRICS_TOKEN_CHARS: usize = 16;

/// Where attachment blobs are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageChoice {
    /// Files under `DATA_DIR/blobs`.
    Local,
    /// An S3-compatible bucket (needs the `s3` build feature). Credentials come from the usual
    /// `AWS_*` variables.
    S3 { bucket: String, endpoint: Option<String>, region: Option<String> },
}

/// The default of `MAX_UPLOAD_BYTES`.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = app::domain::attachment::DEFAULT_MAX_UPLOAD_BYTES as usize;

/// The defaults of `PAYMENT_LINK_MAX_VOUCHERS` and `PAYMENT_LINK_MAX_BYTES`.
pub const DEFAULT_PAYMENT_LINK_MAX_VOUCHERS: u64 = 5;
pub const DEFAULT_PAYMENT_LINK_MAX_BYTES: u64 = 40 * 1024 * 1024;

/// Reads a yes/no setting: `1`, `true`, `yes`, `on` mean yes.
pub fn flag(value: Option<String>) -> bool {
    value.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
}

/// Leptos' settings from the same keys cargo-leptos uses. Read here rather than by
/// `get_configuration`, so a server built by plain `cargo` (tests) works too, and so production
/// is the default: development mode must be asked for (`LEPTOS_ENV=DEV`).
fn leptos_options(get: &impl Fn(&str) -> Option<String>) -> Result<LeptosOptions, ConfigError> {
    let or = |key: &str, default: &str| get(key).filter(|s| !s.is_empty()).unwrap_or_else(|| default.to_owned());
    let site_addr: SocketAddr = or("LEPTOS_SITE_ADDR", "127.0.0.1:3000")
        .parse()
        .map_err(|e| ConfigError::Leptos(format!("LEPTOS_SITE_ADDR: {e}")))?;
    let env = match or("LEPTOS_ENV", "PROD").to_ascii_uppercase().as_str() {
        "DEV" | "DEVELOPMENT" => Env::DEV,
        "PROD" | "PRODUCTION" => Env::PROD,
        other => return Err(ConfigError::Leptos(format!("LEPTOS_ENV must be DEV or PROD, not {other:?}"))),
    };
    let reload_port = or("LEPTOS_RELOAD_PORT", "3001")
        .parse()
        .map_err(|e| ConfigError::Leptos(format!("LEPTOS_RELOAD_PORT: {e}")))?;
    Ok(LeptosOptions::builder()
        .output_name(or("LEPTOS_OUTPUT_NAME", app::OUTPUT_NAME))
        .site_root(or("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(or("LEPTOS_SITE_PKG_DIR", "pkg"))
        .env(env)
        .site_addr(site_addr)
        .reload_port(reload_port)
        .build())
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid Leptos configuration: {0}")]
    Leptos(String),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the configuration from any key lookup (tests pass a map instead of the process
    /// environment).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let data_dir = PathBuf::from(get("DATA_DIR").filter(|s| !s.is_empty()).unwrap_or_else(|| "data".into()));
        std::fs::create_dir_all(&data_dir).map_err(|source| ConfigError::DataDir { path: data_dir.clone(), source })?;
        let database_url = get("DATABASE_URL")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("wecom-license-desk.db").display()));
        let sqlite_synchronous = match get("SQLITE_SYNCHRONOUS").filter(|s| !s.trim().is_empty()) {
            None => app::db::SqliteSync::default(),
            Some(v) => app::db::SqliteSync::parse(&v)
                .ok_or_else(|| ConfigError::Invalid(format!("SQLITE_SYNCHRONOUS must be full or normal, not {v:?}")))?,
        };
        let leptos = leptos_options(&get)?;
        let max_upload_bytes = match get("MAX_UPLOAD_BYTES").filter(|s| !s.trim().is_empty()) {
            None => DEFAULT_MAX_UPLOAD_BYTES,
            Some(v) => v.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                ConfigError::Invalid(format!("MAX_UPLOAD_BYTES must be a positive number of bytes, not {v:?}"))
            })?,
        };
        let storage = storage_choice(&get)?;
        let connection_limits = connection_limits(&get)?;
        let public_base_url = match get("PUBLIC_BASE_URL").filter(|s| !s.trim().is_empty()) {
            None => DEFAULT_PUBLIC_BASE_URL.to_owned(),
            Some(v) => http_url("PUBLIC_BASE_URL", &v)?.as_str().trim_end_matches('/').to_owned(),
        };
        let robot = robot(&get, &public_base_url)?;
        let outbox = crate::outbox::WorkerConfig::from_lookup(&get).map_err(ConfigError::Invalid)?;
        let wecom = wecom(&get, &outbox)?;
        let metrics_token = match get("METRICS_TOKEN").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
            Some(t) if t.chars().count() < MIN_METRICS_TOKEN_CHARS || t.chars().any(|c| c.is_whitespace()) => {
                return Err(ConfigError::Invalid(format!(
                    "METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_CHARS} characters without spaces"
                )));
            }
            token => token,
        };
        Ok(Config {
            database_url,
            sqlite_synchronous,
            data_dir,
            leptos,
            cookie_secure: flag(get("COOKIE_SECURE")),
            trust_proxy: flag(get("TRUST_PROXY")),
            max_upload_bytes,
            storage,
            connection_limits,
            payment_link_max_vouchers: positive(&get, "PAYMENT_LINK_MAX_VOUCHERS", DEFAULT_PAYMENT_LINK_MAX_VOUCHERS)?,
            payment_link_max_bytes: positive(&get, "PAYMENT_LINK_MAX_BYTES", DEFAULT_PAYMENT_LINK_MAX_BYTES)?,
            outbox,
            public_base_url,
            robot,
            wecom,
            metrics_token,
        })
    }
}

/// The default of `PUBLIC_BASE_URL`.
pub const DEFAULT_PUBLIC_BASE_URL: &str = "http://127.0.0.1:3000";

/// An absolute `http` or `https` URL with a host.
pub(crate) fn http_url(key: &str, value: &str) -> Result<reqwest::Url, ConfigError> {
    let url = reqwest::Url::parse(value.trim())
        .map_err(|e| ConfigError::Invalid(format!("{key} must be an http(s) URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(ConfigError::Invalid(format!(
            "{key} must be an http:// or https:// URL with a host, not a {} URL",
            url.scheme()
        )));
    }
    Ok(url)
}

/// The WeCom group robot, when `WECOM_ROBOT_WEBHOOK` is set. Errors never repeat the webhook (its
/// key is a secret).
fn robot(
    get: &impl Fn(&str) -> Option<String>,
    public_base_url: &str,
) -> Result<Option<crate::outbox::robot::RobotConfig>, ConfigError> {
    let Some(webhook) = get("WECOM_ROBOT_WEBHOOK").filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let mut config =
        crate::outbox::robot::RobotConfig::new(http_url("WECOM_ROBOT_WEBHOOK", &webhook)?, public_base_url);
    let window = positive(get, "WECOM_ROBOT_WINDOW_SECS", config.window.as_secs())?;
    if window > 3_600 {
        return Err(ConfigError::Invalid(format!("WECOM_ROBOT_WINDOW_SECS must be at most 3600, not {window}")));
    }
    config.window = std::time::Duration::from_secs(window);
    Ok(Some(config))
}

/// WeCom's license API, when configured. Its tries per step must stay below the outbox's attempts
/// per event: otherwise the step's event would die before the job stops, and the job would look
/// busy for ever.
fn wecom(
    get: &impl Fn(&str) -> Option<String>,
    outbox: &crate::outbox::WorkerConfig,
) -> Result<Option<crate::wecom::WecomConfig>, ConfigError> {
    let config = crate::wecom::WecomConfig::from_lookup(get).map_err(ConfigError::Invalid)?;
    if let Some(c) = &config {
        if c.max_tries >= outbox.backoff.max_attempts {
            return Err(ConfigError::Invalid(format!(
                "WECOM_MAX_TRIES ({}) must be below OUTBOX_MAX_ATTEMPTS ({})",
                c.max_tries, outbox.backoff.max_attempts
            )));
        }
    }
    Ok(config)
}

/// A whole number setting from 1 to `max` (`u64::MAX`: any positive one), `default` when unset or
/// empty; the error names the key.
pub fn whole_number(get: &impl Fn(&str) -> Option<String>, key: &str, default: u64, max: u64) -> Result<u64, String> {
    match get(key).filter(|s| !s.trim().is_empty()) {
        None => Ok(default),
        Some(v) => v.trim().parse().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
            if max == u64::MAX {
                format!("{key} must be a positive whole number, not {v:?}")
            } else {
                format!("{key} must be a whole number from 1 to {max}, not {v:?}")
            }
        }),
    }
}

/// A positive whole number setting, `default` when unset or empty.
fn positive(get: &impl Fn(&str) -> Option<String>, key: &str, default: u64) -> Result<u64, ConfigError> {
    whole_number(get, key, default, u64::MAX).map_err(ConfigError::Invalid)
}

fn storage_choice(get: &impl Fn(&str) -> Option<String>) -> Result<StorageChoice, ConfigError> {
    let value = |key: &str| get(key).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    match value("STORAGE").map(|s| s.to_ascii_lowercase()).as_deref() {
        None | Some("local") => Ok(StorageChoice::Local),
        Some("s3") => Ok(StorageChoice::S3 {
            bucket: value("S3_BUCKET").ok_or_else(|| ConfigError::Invalid("STORAGE=s3 needs S3_BUCKET".into()))?,
            endpoint: value("S3_ENDPOINT"),
            region: value("S3_REGION"),
        }),
        Some(other) => Err(ConfigError::Invalid(format!("STORAGE must be local or s3, not {other:?}"))),
    }
}

/// The connection limits, each a whole number from 1 up to a bound that catches a typo.
fn connection_limits(get: &impl Fn(&str) -> Option<String>) -> Result<crate::serve::ConnectionLimits, ConfigError> {
    let number = |key: &str, default: u64, max: u64, unit: &str| match get(key).filter(|s| !s.trim().is_empty()) {
        None => Ok(default),
        Some(v) => v.trim().parse().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
            ConfigError::Invalid(format!("{key} must be a whole number of {unit} from 1 to {max}, not {v:?}"))
        }),
    };
    let defaults = crate::serve::ConnectionLimits::default();
    let seconds = |key: &str, default: std::time::Duration| {
        number(key, default.as_secs(), 86_400, "seconds").map(std::time::Duration::from_secs)
    };
    Ok(crate::serve::ConnectionLimits {
        header_read_timeout: seconds("HEADER_READ_TIMEOUT_SECS", defaults.header_read_timeout)?,
        idle_timeout: seconds("IDLE_TIMEOUT_SECS", defaults.idle_timeout)?,
        max_connections: number("MAX_CONNECTIONS", defaults.max_connections as u64, 1_000_000, "connections")? as usize,
        max_head_bytes: match number("MAX_HEADER_BYTES", defaults.max_head_bytes as u64, 1 << 20, "bytes")? as usize {
            n if n < crate::serve::MIN_HEAD_BYTES => {
                return Err(ConfigError::Invalid(format!(
                    "MAX_HEADER_BYTES must be at least {} bytes, not {n}",
                    crate::serve::MIN_HEAD_BYTES
                )));
            }
            n => n,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let data_dir = std::env::temp_dir().display().to_string();
        Config::from_lookup(|key| {
            (key == "DATA_DIR")
                .then(|| data_dir.clone())
                .or_else(|| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()))
        })
    }

    /// `SQLITE_SYNCHRONOUS` is `full` unless set; `normal` is taken in any case; anything else is
    /// refused by name. Every pooled connection runs with it (`PRAGMA synchronous`: 2 is FULL, 1
    /// NORMAL).
    #[tokio::test]
    async fn sqlite_commits_wait_for_the_disk_unless_told_otherwise() {
        use sea_orm::{ConnectionTrait, Statement};
        assert_eq!(config(&[]).unwrap().sqlite_synchronous, app::db::SqliteSync::Full);
        assert_eq!(
            config(&[("SQLITE_SYNCHRONOUS", " Normal ")]).unwrap().sqlite_synchronous,
            app::db::SqliteSync::Normal
        );
        let error = config(&[("SQLITE_SYNCHRONOUS", "off")]).unwrap_err().to_string();
        assert!(error.contains("SQLITE_SYNCHRONOUS") && error.contains("\"off\""), "{error}");
        let dir = std::env::temp_dir().join(format!("wld-sync-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (sync, pragma) in [(app::db::SqliteSync::Full, 2), (app::db::SqliteSync::Normal, 1)] {
            let url = format!("sqlite://{}?mode=rwc", dir.join(format!("{pragma}.db")).display());
            let db = app::db::connect_with(&url, sync).await.unwrap();
            // Three connections at once (a transaction holds its own): each applied the pragma.
            let mut held = Vec::new();
            for _ in 0..3 {
                let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
                let row = txn.query_one_raw(Statement::from_string(txn.get_database_backend(), "PRAGMA synchronous"));
                let value: i32 = row.await.unwrap().unwrap().try_get_by_index(0).unwrap();
                assert_eq!(value, pragma, "{sync:?}");
                held.push(txn);
            }
            drop(held);
            db.close().await.unwrap();
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn the_robot_runs_only_with_an_http_webhook() {
        let off = config(&[]).unwrap();
        assert!(off.robot.is_none());
        assert_eq!(off.public_base_url, DEFAULT_PUBLIC_BASE_URL);

        let webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1";
        let on = config(&[("WECOM_ROBOT_WEBHOOK", webhook), ("PUBLIC_BASE_URL", "https://desk.example.com/")]).unwrap();
        let robot = on.robot.expect("robot");
        assert_eq!(robot.webhook.as_ref().map(|u| u.as_str()), Some(webhook));
        assert_eq!(
            (robot.base_url.as_str(), on.public_base_url.as_str()),
            ("https://desk.example.com", "https://desk.example.com")
        );
        assert_eq!((robot.window.as_secs(), robot.per_window), (60, 20));

        for (key, value, says) in [
            ("WECOM_ROBOT_WEBHOOK", "ftp://example.com/send?key=k1", "http:// or https://"),
            ("WECOM_ROBOT_WEBHOOK", "qyapi.weixin.qq.com/send?key=k1", "must be an http(s) URL"),
            ("PUBLIC_BASE_URL", "javascript:alert(1)", "PUBLIC_BASE_URL"),
        ] {
            let error = config(&[(key, value)]).unwrap_err().to_string();
            assert!(error.contains(key) && error.contains(says), "{error}");
            assert!(!error.contains("k1"), "the key is not repeated: {error}");
        }
        let window = [("WECOM_ROBOT_WEBHOOK", webhook), ("WECOM_ROBOT_WINDOW_SECS", "0")];
        assert!(config(&window).unwrap_err().to_string().contains("WECOM_ROBOT_WINDOW_SECS"));
        let window = [("WECOM_ROBOT_WEBHOOK", webhook), ("WECOM_ROBOT_WINDOW_SECS", "5")];
        assert_eq!(config(&window).unwrap().robot.unwrap().window.as_secs(), 5);
    }

    #[test]
    fn wecoms_tries_stay_below_the_outboxs_attempts() {
        let provider =
            [("WECOM_PROVIDER_CORPID", "wwp"), ("WECOM_PROVIDER_SECRET", "s"), ("WECOM_BUYER_USERID", "buyer")];
        assert_eq!(config(&provider).unwrap().wecom.unwrap().max_tries, 12);
        assert!(config(&[]).unwrap().wecom.is_none(), "off without the provider settings");
        let too_many = [provider[0], provider[1], provider[2], ("WECOM_MAX_TRIES", "20")];
        let e = config(&too_many).unwrap_err().to_string();
        assert!(e.contains("WECOM_MAX_TRIES") && e.contains("OUTBOX_MAX_ATTEMPTS"), "{e}");
        let more = [provider[0], provider[1], provider[2], ("WECOM_MAX_TRIES", "20"), ("OUTBOX_MAX_ATTEMPTS", "30")];
        assert_eq!(config(&more).unwrap().wecom.unwrap().max_tries, 20);
    }
}
