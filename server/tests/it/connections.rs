//! Connections end: the real serving function (`server::serve::serve`) on a loopback port, with
//! small limits set through the configuration, closes silent, slowloris, idle kept-alive and
//! stalled connections; keeps answering while attackers fill its connection cap; does not cut a
//! slow upload whose bytes keep coming; finishes an open request when asked to stop; and refuses
//! an oversized request head (431) or URL (414).
//!
//! Time bounds here are generous liveness bounds (the server must act well within them), never
//! measurements of speed.

use crate::support;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use support::TestDb;
use support::uploads::config_with;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout};

/// How long the server may take to close a connection its 1 s limits should close.
const BOUND: Duration = Duration::from_secs(10);

/// Header read 1 s, idle 1 s, at most 8 connections.
const SMALL: &[(&str, &str)] =
    &[("HEADER_READ_TIMEOUT_SECS", "1"), ("IDLE_TIMEOUT_SECS", "1"), ("MAX_CONNECTIONS", "8")];

const QUOTE: &str =
    r#"{"lines":[{"kind":"interop","count":8,"months":12,"order_type":"new","existing":0}],"invoice":false}"#;

/// The server running on a loopback port over a fresh test database.
struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<io::Result<()>>,
    t: TestDb,
    db: sea_orm::DatabaseConnection,
}

async fn start(settings: &[(&str, &str)]) -> Running {
    let t = TestDb::new().await;
    let config = config_with(&t, settings);
    let db = t.open().await;
    let router = server::router(&config, db.clone()).expect("router");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let server = tokio::spawn(server::serve::serve(listener, router, config.connection_limits, shutdown));
    Running { addr, stop: Some(stop), server, t, db }
}

impl Running {
    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.expect("connect")
    }

    /// Stops the server (it must come down) and removes the database.
    async fn finish(mut self) {
        assert!(!self.server.is_finished(), "the server stopped on its own");
        self.stop.take().expect("running").send(()).ok();
        timeout(BOUND, &mut self.server).await.expect("server stops").expect("server task").expect("serve");
        self.t.cleanup(self.db).await;
    }
}

/// Reads until the server closes the connection (end of stream or a reset), within `BOUND`.
async fn closed_by_server(stream: &mut TcpStream, what: &str) {
    let mut buf = [0u8; 4096];
    let read_to_end = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    timeout(BOUND, read_to_end).await.unwrap_or_else(|_| panic!("{what}: still open after {BOUND:?}"));
}

/// One HTTP/1.1 response read off the stream: its status and body.
async fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some((status, body)) = complete_response(&data) {
            return (status, body);
        }
        let n = stream.read(&mut buf).await.expect("read response");
        assert!(n > 0, "connection closed before a whole response: {:?}", String::from_utf8_lossy(&data));
        data.extend_from_slice(&buf[..n]);
    }
}

/// The response in `data` once its head and body (by `Content-Length` or chunks) are all there.
fn complete_response(data: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(data);
    let (head, rest) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_ascii_lowercase())
        })
    };
    if let Some(length) = header("content-length") {
        let length: usize = length.parse().ok()?;
        return (rest.len() >= length).then(|| (status, rest[..length].to_owned()));
    }
    if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        return rest.ends_with("0\r\n\r\n").then(|| (status, rest.to_owned()));
    }
    Some((status, rest.to_owned()))
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

fn quote_head(length: usize) -> String {
    format!(
        "POST /api/v1/quote HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// Sends `body` in small pieces, one every 200 ms, for about three seconds in all.
async fn dribble(stream: &mut TcpStream, body: &[u8]) {
    for piece in body.chunks(body.len().div_ceil(15)) {
        stream.write_all(piece).await.expect("send a piece of the body");
        sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed() {
    // Each timeout alone closes it: hyper's header timer runs from the accept, the idle clock too.
    for settings in [
        [("HEADER_READ_TIMEOUT_SECS", "1"), ("IDLE_TIMEOUT_SECS", "600")],
        [("HEADER_READ_TIMEOUT_SECS", "600"), ("IDLE_TIMEOUT_SECS", "1")],
    ] {
        let server = start(&settings).await;
        let mut silent = server.connect().await;
        closed_by_server(&mut silent, &format!("a silent connection with {settings:?}")).await;
        server.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_connection_is_closed() {
    let server = start(SMALL).await;
    let stream = server.connect().await;
    let (mut reader, mut writer) = stream.into_split();
    // One header byte every 300 ms: bytes keep coming, so only the header read timeout ends it.
    let trickle = tokio::spawn(async move {
        let header = b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ".iter().chain(std::iter::repeat(&b'a'));
        for byte in header.take(200) {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            sleep(Duration::from_millis(300)).await;
        }
    });
    let mut received = Vec::new();
    let closed = timeout(BOUND, reader.read_to_end(&mut received)).await;
    trickle.abort();
    assert!(closed.is_ok(), "a slowloris connection is still open after {BOUND:?}");
    let received = String::from_utf8_lossy(&received);
    assert!(!received.contains(" 200 "), "a request with headers never finished was answered: {received}");
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_after_its_request() {
    let server = start(SMALL).await;
    let mut stream = server.connect().await;
    stream.write_all(HEALTH).await.expect("send request");
    let (status, body) = read_response(&mut stream).await;
    assert_eq!(status, 200, "{body}");
    closed_by_server(&mut stream, "an idle kept-alive connection").await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_closed_by_the_idle_timeout() {
    // Headers arrive at once (the header timer is far off); the body stops after ten bytes.
    let server = start(&[("HEADER_READ_TIMEOUT_SECS", "600"), ("IDLE_TIMEOUT_SECS", "1")]).await;
    let mut stream = server.connect().await;
    stream.write_all(quote_head(QUOTE.len()).as_bytes()).await.expect("send head");
    stream.write_all(&QUOTE.as_bytes()[..10]).await.expect("send a little body");
    closed_by_server(&mut stream, "a connection whose body stalled").await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_but_steady_upload_is_not_cut() {
    let server = start(SMALL).await;
    let mut stream = server.connect().await;
    stream.write_all(quote_head(QUOTE.len()).as_bytes()).await.expect("send head");
    // About three seconds of body against a one-second idle timeout.
    dribble(&mut stream, QUOTE.as_bytes()).await;
    let (status, body) = timeout(BOUND, read_response(&mut stream)).await.expect("an answer");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""total":"370.00""#), "{body}");
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_connection_cap_still_lets_a_client_through() {
    let server = start(SMALL).await;
    // Twice the cap of silent sockets, connected before the real client.
    let mut silent = Vec::new();
    for _ in 0..16 {
        silent.push(server.connect().await);
    }
    let mut client = server.connect().await;
    client.write_all(HEALTH).await.expect("send request");
    let (status, body) =
        timeout(BOUND * 2, read_response(&mut client)).await.expect("answered once the timeouts freed slots");
    assert_eq!(status, 200, "{body}");
    drop(silent);
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_cap_a_client_waits_for_a_free_slot() {
    // Timeouts far off: only a connection closing frees a slot.
    let server =
        start(&[("HEADER_READ_TIMEOUT_SECS", "600"), ("IDLE_TIMEOUT_SECS", "600"), ("MAX_CONNECTIONS", "2")]).await;
    let first = server.connect().await;
    let _second = server.connect().await;
    let mut client = server.connect().await;
    client.write_all(HEALTH).await.expect("send request");
    let mut buf = [0u8; 1];
    assert!(
        timeout(Duration::from_secs(1), client.peek(&mut buf)).await.is_err(),
        "a third connection was served while two held the cap of two"
    );
    drop(first);
    let (status, body) = timeout(BOUND, read_response(&mut client)).await.expect("answered once a slot freed");
    assert_eq!(status, 200, "{body}");
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_finishes_the_open_request_then_returns() {
    let mut server =
        start(&[("HEADER_READ_TIMEOUT_SECS", "600"), ("IDLE_TIMEOUT_SECS", "600"), ("MAX_CONNECTIONS", "8")]).await;
    let mut open = server.connect().await;
    let _silent = server.connect().await;
    let body = QUOTE.as_bytes();
    // `100 Continue` comes once the handler reads the body: the request is then under way (bytes
    // the server has not read yet would be no open request, and stopping may close on them).
    let head = quote_head(body.len()).replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n");
    open.write_all(head.as_bytes()).await.expect("send head");
    let mut interim = Vec::new();
    while !interim.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        timeout(BOUND, open.read_exact(&mut byte)).await.expect("100 Continue").expect("read");
        interim.push(byte[0]);
    }
    assert!(interim.starts_with(b"HTTP/1.1 100"), "{}", String::from_utf8_lossy(&interim));
    open.write_all(&body[..10]).await.expect("send a little body");
    server.stop.take().expect("running").send(()).ok();
    // Stopped accepting: new connections are refused.
    timeout(BOUND, async {
        while TcpStream::connect(server.addr).await.is_ok() {
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the listener closes");
    open.write_all(&body[10..]).await.expect("send the rest of the body");
    let (status, response) = timeout(BOUND, read_response(&mut open)).await.expect("the open request is answered");
    assert_eq!(status, 200, "{response}");
    closed_by_server(&mut open, "a connection after its last request while stopping").await;
    // The silent connection does not hold the stop up for its 600 s timeout.
    timeout(BOUND, &mut server.server).await.expect("server stops").expect("server task").expect("serve");
    server.t.cleanup(server.db).await;
}

#[test]
fn limits_come_from_the_configuration_with_clear_errors() {
    let data_dir = std::env::temp_dir().join(format!("wld-test-limits-{}", std::process::id()));
    let dir = data_dir.display().to_string();
    let limits = server::config::Config::from_lookup(|k| (k == "DATA_DIR").then(|| dir.clone())).expect("defaults");
    let limits = limits.connection_limits;
    assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
    assert_eq!(limits.idle_timeout, Duration::from_secs(60));
    assert_eq!(limits.max_connections, 512);
    assert_eq!(limits.max_head_bytes, 32 * 1024);
    for key in ["HEADER_READ_TIMEOUT_SECS", "IDLE_TIMEOUT_SECS", "MAX_CONNECTIONS", "MAX_HEADER_BYTES"] {
        for bad in ["0", "-1", "ten", "1.5", "99999999999"] {
            let error = server::config::Config::from_lookup(|k| match k {
                "DATA_DIR" => Some(dir.clone()),
                k if k == key => Some(bad.to_owned()),
                _ => None,
            })
            .expect_err("a bad limit is refused")
            .to_string();
            assert!(error.contains(key) && error.contains(bad), "{key}={bad}: {error}");
        }
    }
    // hyper cannot read a head with less than 8 KiB.
    let error = server::config::Config::from_lookup(|k| match k {
        "DATA_DIR" => Some(dir.clone()),
        "MAX_HEADER_BYTES" => Some("4096".to_owned()),
        _ => None,
    })
    .expect_err("too small a head limit is refused")
    .to_string();
    assert!(error.contains("MAX_HEADER_BYTES") && error.contains("8192"), "{error}");
    std::fs::remove_dir_all(&data_dir).ok();
}

/// `GET /healthz` with one extra header of `bytes` bytes.
fn health_with_header(bytes: usize) -> String {
    format!("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Padding: {}\r\n\r\n", "a".repeat(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_request_head_answers_431_and_closes_while_16_kib_of_headers_pass() {
    let server = start(&[]).await;
    // 16 KiB of headers: far more than a browser sends, within the 32 KiB head.
    let mut ok = server.connect().await;
    ok.write_all(health_with_header(16 * 1024).as_bytes()).await.expect("send");
    assert_eq!(read_response(&mut ok).await.0, 200);
    // 64 KiB: refused once the head passes 32 KiB, not buffered up to hyper's ~400 KiB.
    let mut big = server.connect().await;
    big.write_all(health_with_header(64 * 1024).as_bytes()).await.ok();
    assert_eq!(read_response(&mut big).await.0, 431);
    closed_by_server(&mut big, "an oversized head").await;
    // So many headers that their count is the problem.
    let mut many = server.connect().await;
    let headers: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    many.write_all(format!("GET /healthz HTTP/1.1\r\nHost: test\r\n{headers}\r\n").as_bytes()).await.ok();
    assert_eq!(read_response(&mut many).await.0, 431);
    // A configured smaller limit holds too.
    server.finish().await;
    let server = start(&[("MAX_HEADER_BYTES", "8192")]).await;
    let mut big = server.connect().await;
    big.write_all(health_with_header(12 * 1024).as_bytes()).await.ok();
    assert_eq!(read_response(&mut big).await.0, 431);
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_over_8_kib_answers_414_on_every_route() {
    let server = start(&[]).await;
    let long = "a".repeat(server::security::MAX_URI_BYTES);
    for target in [format!("/{long}"), format!("/contracts?q={long}"), format!("/api/v1/quote?x={long}")] {
        let mut stream = server.connect().await;
        let method = if target.starts_with("/api/") { "POST" } else { "GET" };
        let request = format!("{method} {target} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("send");
        let (status, body) = read_response(&mut stream).await;
        assert_eq!(status, 414, "{method} {}…", &target[..20]);
        assert!(body.contains("URL too long"), "{body}");
    }
    // Just under the limit is served as usual.
    let mut stream = server.connect().await;
    let target = format!("/healthz?{}", "a".repeat(server::security::MAX_URI_BYTES - 20));
    stream.write_all(format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes()).await.expect("send");
    assert_eq!(read_response(&mut stream).await.0, 200);
    server.finish().await;
}
