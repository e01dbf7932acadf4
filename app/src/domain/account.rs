//! Accounts' rules (账号): what a new username and password must be, how long a session lasts,
//! and how sign-in guessing is held back. Pure; `services::accounts` applies them.

use crate::domain::problem::Problem;

/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;
/// The window in which failed sign-ins are counted.
pub const ATTEMPT_WINDOW_MINUTES: i64 = 15;
/// Failed sign-ins allowed per account from one address within the window; the next attempt
/// from that address is refused (429) without checking the password.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// Failed sign-ins for an account (from all addresses) after which its sign-ins are slowed down.
pub const ACCOUNT_SLOWDOWN_AFTER: i64 = 10;
/// The longest an account's sign-in is slowed down, in seconds.
pub const ACCOUNT_SLOWDOWN_MAX_SECONDS: u64 = 5;
/// Failed sign-ins allowed per client address within the window (many accounts, one attacker).
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;

/// Checks a new account's username and password; problems name the field.
pub fn check_new_account(username: &str, password: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let name_ok = (3..=64).contains(&username.len())
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !name_ok {
        problems.push(Problem::error(
            "username",
            "username_invalid",
            "用户名应为 3–64 位字母、数字或 . _ -",
            "A username is 3–64 letters, digits or . _ -",
        ));
    }
    if password.chars().count() < 10 {
        problems.push(Problem::error(
            "password",
            "password_too_short",
            "密码至少 10 个字符",
            "A password needs at least 10 characters",
        ));
    }
    problems
}

/// How long a sign-in for an account waits when it has `failures` failed sign-ins in the window
/// from all addresses together: nothing up to [`ACCOUNT_SLOWDOWN_AFTER`], then half a second more
/// per failure, at most [`ACCOUNT_SLOWDOWN_MAX_SECONDS`]. Slows guessing from many addresses
/// without ever refusing the owner.
pub fn account_delay(failures: i64) -> std::time::Duration {
    let excess = u64::try_from(failures - ACCOUNT_SLOWDOWN_AFTER + 1).unwrap_or(0);
    std::time::Duration::from_millis(excess * 500).min(std::time::Duration::from_secs(ACCOUNT_SLOWDOWN_MAX_SECONDS))
}
