//! A burst of sign-ins against the real server binary (its own process, so its memory can be read
//! from /proc): one account guessed 300 times at once from one address, then 200 sign-ins from 200
//! addresses that all need a password check. At most the limit is checked for the one account,
//! `/healthz` keeps answering throughout, and the server's peak memory stays within
//! [`MAX_GROWTH_MIB`] of where it started: password checks run a few at a time, on the blocking
//! pool, in reused memory (before: 1,000 sign-ins took the server from 53 MiB to 3.1 GiB and
//! stalled `/healthz` for 14–30 s). On SQLite, and on PostgreSQL with `TEST_DATABASE_URL`.

use crate::support;

use app::models::Role;
use std::process::Child;
use std::time::Duration;
use support::{PASSWORD, TestDb, make_user};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The bound on the server's peak memory growth over the whole burst. Argon2's working memory is
/// 19 MiB per check with at most `app::crypto::MAX_SLOTS` (4) at once: 76 MiB, plus buffers.
const MAX_GROWTH_MIB: u64 = 160;

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(t: &TestDb) -> Server {
    let port = free_port();
    let child = support::spawn_server(t, port, &[("TRUST_PROXY", "1")]);
    let server = Server { child, port };
    for _ in 0..600 {
        if let Ok((200, _)) = http(port, "GET", "/healthz", None, "").await {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not answer /healthz within 60 s");
}

/// One HTTP/1.1 request on its own connection: the status and body.
async fn http(port: u16, method: &str, path: &str, from: Option<&str>, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let forwarded = from.map(|a| format!("X-Forwarded-For: {a}\r\n")).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Accept: application/json\r\nSec-Fetch-Site: same-origin\r\n{forwarded}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((status, text))
}

/// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM).
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.trim_start_matches(':').split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

async fn sign_in_burst(port: u16, attempts: Vec<(String, String)>) -> Vec<u16> {
    let tasks = attempts.into_iter().map(|(address, username)| {
        tokio::spawn(async move {
            let body = format!("username={username}&password=wrong+password");
            http(port, "POST", "/api/auth/sign_in", Some(&address), &body).await.map_or(0, |(s, _)| s)
        })
    });
    futures_util::future::join_all(tasks).await.into_iter().map(|r| r.unwrap_or(0)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_burst_is_refused_past_the_limit_with_flat_memory_and_a_live_server() {
    let t = TestDb::new().await;
    let db = t.open().await;
    make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let server = start(&t).await;
    let (port, pid) = (server.port, server.child.id());
    let baseline_kib = memory_kib(pid, "VmRSS");

    // /healthz, asked every 200 ms while the bursts run: every answer must come (a generous bound,
    // not a speed target: before, it stalled for up to 30 s).
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let health = tokio::spawn({
        let done = done.clone();
        async move {
            let mut answers = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let answer =
                    tokio::time::timeout(Duration::from_secs(10), http(port, "GET", "/healthz", None, "")).await;
                assert!(matches!(answer, Ok(Ok((200, _)))), "/healthz did not answer during the burst: {answer:?}");
                answers += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            answers
        }
    });

    // 300 guesses for one account from one address, all at once.
    let one_account = sign_in_burst(port, vec![("198.51.100.7".to_owned(), "partner.a".to_owned()); 300]).await;
    let checked = one_account.iter().filter(|s| **s == 401).count();
    let refused = one_account.iter().filter(|s| **s == 429).count();
    assert_eq!(checked as u64, app::domain::account::MAX_FAILURES_PER_ACCOUNT, "checked: {one_account:?}");
    assert_eq!(refused, 300 - checked, "the rest are refused with 429: {one_account:?}");

    // 200 different addresses and usernames: every one is checked (against the dummy hash).
    let many = (0..200).map(|i| (format!("10.1.{}.{}", i / 250, i % 250 + 1), format!("guess{i}"))).collect();
    let many = sign_in_burst(port, many).await;
    assert!(many.iter().all(|s| *s == 401), "{many:?}");

    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let answers = health.await.expect("/healthz kept answering");
    assert!(answers >= 1);

    let peak_kib = memory_kib(pid, "VmHWM");
    let growth_mib = peak_kib.saturating_sub(baseline_kib) / 1024;
    eprintln!("server memory: {} MiB at start, peak {} MiB (+{growth_mib} MiB)", baseline_kib / 1024, peak_kib / 1024);
    assert!(growth_mib <= MAX_GROWTH_MIB, "peak memory grew by {growth_mib} MiB (bound {MAX_GROWTH_MIB} MiB)");

    // The owner still signs in from their own address.
    let body = format!("username=partner.a&password={}", PASSWORD.replace(' ', "+"));
    let (status, text) = http(port, "POST", "/api/auth/sign_in", Some("203.0.113.20"), &body).await.unwrap();
    assert_eq!(status, 200, "{text}");
    drop(server);
    t.cleanup(db).await;
}
