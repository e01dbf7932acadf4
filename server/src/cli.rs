//! The `server` command line: run the app (optionally with demo data) or create an admin.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "server", about = "WeCom License Desk (企业微信接口许可 · 报价与订单)", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app (the default when no command is given).
    Serve {
        /// Load the demo accounts and contracts (idempotent). `WLD_DEMO=1` asks for the same.
        #[arg(long)]
        demo: bool,
    },
    /// Create an administrator. The password comes from `ADMIN_PASSWORD` or a prompt (stdin),
    /// never from the command line, so it does not end up in shell history or `ps`.
    CreateAdmin {
        /// Sign-in name (3–64 letters, digits or . _ -).
        #[arg(long)]
        username: String,
        /// The administrator's organisation (created if missing).
        #[arg(long)]
        organisation: String,
        /// Name shown in the app; the username when omitted.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Run a local stand-in for WeCom's license API (订单、支付、激活), for demos: point the app's
    /// `WECOM_API_BASE` at it. Its page (`/`) lists the orders with a button to pay each.
    WecomStandin {
        /// Listen address.
        #[arg(long, default_value = "127.0.0.1:3300")]
        addr: String,
        /// Orders read as paid this many seconds after they are placed (no button needed).
        #[arg(long)]
        auto_pay_secs: Option<u64>,
    },
}

impl Cli {
    /// Whether the demo data was asked for, by `serve --demo` or `WLD_DEMO`.
    pub fn wants_demo(&self, env_flag: bool) -> bool {
        env_flag || matches!(self.command, Some(Command::Serve { demo: true }))
    }
}

/// Reads the new admin's password: `ADMIN_PASSWORD` if set, else a no-echo prompt on a terminal,
/// else the first line of stdin (for scripts piping it in).
pub fn read_admin_password(env_value: Option<String>) -> Result<String, String> {
    if let Some(p) = env_value.filter(|p| !p.is_empty()) {
        return Ok(p);
    }
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("新管理员密码 / New admin password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        let again = rpassword::prompt_password("再次输入 / Repeat password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        if first != again {
            return Err("两次输入的密码不一致 / The passwords do not match".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            return Err("没有提供密码：请设置 ADMIN_PASSWORD 或从标准输入提供 / No password: set ADMIN_PASSWORD or \
                        pipe it on stdin"
                .into());
        }
        Ok(line)
    }
}
