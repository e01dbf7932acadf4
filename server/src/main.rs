//! `server`: runs WeCom License Desk, or creates an administrator (`server --help`).

use clap::Parser;
use server::cli::{Cli, Command};
use server::config::{Config, flag};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: the server allocates and frees many small buffers per
/// request on several threads (tokio's workers, one sqlx thread per SQLite connection), where
/// glibc's arenas and chunk consolidation showed as ~10 % of a save's CPU under load. Measured
/// (BENCHMARKS.md, seventeenth session): `/healthz` at 50 clients 17.5k → 28.7k req/s, contract
/// saves at 50 clients 701 → 751/s on SQLite and 609 → 789/s on PostgreSQL.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for bad input (a taken username, a weak password): the same as a usage error.
const EXIT_INVALID: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // `LOG_FORMAT=json`: one JSON object per line, for a log collector; anything else, text.
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f.trim().eq_ignore_ascii_case("json")) {
        logs.json().init();
    } else {
        logs.init();
    }
    let result = match &cli.command {
        Some(Command::CreateAdmin { username, organisation, display_name }) => {
            create_admin(username, organisation, display_name.as_deref()).await
        }
        Some(Command::WecomStandin { addr, auto_pay_secs }) => wecom_standin(addr, *auto_pay_secs).await,
        None | Some(Command::Serve { .. }) => serve(cli.wants_demo(flag(std::env::var("WLD_DEMO").ok()))).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_INVALID)
        }
        Err(Failure::Other(msg)) => {
            tracing::error!("{msg}");
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    /// The operator's input was refused.
    Invalid(String),
    /// Anything else (database, network, configuration).
    Other(String),
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Other(e.to_string())
    }
}

async fn open(config: &Config) -> Result<sea_orm::DatabaseConnection, Failure> {
    server::open_database(config)
        .await
        .map_err(|e| Failure::Other(format!("database {}: {e}", redact(&config.database_url))))
}

async fn create_admin(username: &str, organisation: &str, display_name: Option<&str>) -> Result<(), Failure> {
    let password = server::cli::read_admin_password(std::env::var("ADMIN_PASSWORD").ok()).map_err(Failure::Invalid)?;
    let config = Config::from_env()?;
    let db = open(&config).await?;
    let result = server::admin::create_admin(&db, username, organisation, display_name, &password).await;
    db.close().await.ok();
    match result {
        Ok(user) => {
            println!("已创建管理员 / Created admin “{}” (id {}) in “{}”", user.username, user.id, organisation.trim());
            Ok(())
        }
        Err(e @ app::error::AppError::Invalid { .. }) => Err(Failure::Invalid(server::admin::describe(&e))),
        Err(e) => Err(Failure::Other(server::admin::describe(&e))),
    }
}

/// The WeCom stand-in, with the provider's corp ID and secret the app is given (so the two agree).
async fn wecom_standin(addr: &str, auto_pay_secs: Option<u64>) -> Result<(), Failure> {
    let mut options = server::wecom_standin::Options::default();
    let env = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
    if let Some(corpid) = env("WECOM_PROVIDER_CORPID") {
        options.provider_corpid = corpid;
    }
    if let Some(secret) = env("WECOM_PROVIDER_SECRET") {
        options.provider_secret = secret;
    }
    options.auto_pay_after = auto_pay_secs.map(std::time::Duration::from_secs);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("企业微信接口许可模拟服务 / WeCom license API stand-in: http://{addr}/");
    server::wecom_standin::serve(listener, options).await?;
    Ok(())
}

async fn serve(demo: bool) -> Result<(), Failure> {
    let config = Config::from_env()?;
    let db = open(&config).await?;
    let store = server::storage::open(&config.storage, &config.data_dir)
        .map_err(|e| Failure::Other(format!("attachment storage: {e}")))?;
    if demo {
        let report =
            server::demo::load(&db, &store).await.map_err(|e| format!("demo data: {}", server::admin::describe(&e)))?;
        tracing::info!(?report, "demo data loaded");
        print!("{}", server::demo::sign_in_table());
    }
    // Orphan blobs and stale temporary uploads a crash left: swept now and every few hours.
    let upload_dir = config.data_dir.join(server::storage::sweep::UPLOAD_DIR);
    server::storage::sweep::spawn(db.clone(), store.clone(), upload_dir);
    // Side effects of committed changes (notifications, the WeCom group robot): handled in the
    // background, never in the request that wrote them.
    // The robot runs even without WECOM_ROBOT_WEBHOOK: an admin may set a webhook in the console.
    let robot = config
        .robot
        .clone()
        .unwrap_or_else(|| server::outbox::robot::RobotConfig::without_webhook(&config.public_base_url));
    let outbox = server::outbox::start(&db, &config.outbox, Some(&robot), config.wecom.as_ref());
    // Renewal reminders 30 and 7 days before an API expiry date, into that outbox.
    server::renewals::spawn(db.clone());
    let addr = config.leptos.site_addr;
    let app = server::router_with_store(&config, db.clone(), store);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    server::serve::serve(listener, app, config.connection_limits, server::shutdown_signal()).await?;
    outbox.stop().await;
    db.close().await?;
    tracing::info!("stopped");
    Ok(())
}

/// The database URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}
