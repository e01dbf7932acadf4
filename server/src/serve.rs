//! Serving HTTP/1.1 connections with limits, so that clients who connect and then send nothing,
//! send their headers a byte at a time (slowloris), or stop half-way can neither keep a socket
//! open for ever nor, together, use up the process's file descriptors.
//!
//! - **Header read timeout** (hyper's own): a request's head must arrive complete within this time
//!   of the connection starting to wait for it, which (hyper 1.12) is from the moment the
//!   connection is accepted, and again after each response on a kept-alive connection; so it also
//!   bounds how long a silent or idle kept-alive connection stays open.
//! - **Idle timeout** ([`IdleTimeout`]): a connection on which no byte moves either way for this
//!   long is closed, whatever it is doing: a body upload that stalls, a client that stops reading
//!   its response. A slow upload whose bytes keep coming is not cut. It also means a response must
//!   start within this time while the handler works (the connection is then read only to notice a
//!   client hanging up).
//! - **Connection cap**: at most `max_connections` connections are open at once. Beyond it the
//!   server does not accept: new connections wait in the kernel's listen backlog (which costs this
//!   process no file descriptor) and are taken in arrival order as the timeouts free slots, so
//!   sockets held open by an attacker delay other clients by at most a timeout, never lock them out.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tower::Layer;

/// How long a connection may take and how many may be open at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// `HEADER_READ_TIMEOUT_SECS`: the time a request's headers may take to arrive.
    pub header_read_timeout: Duration,
    /// `IDLE_TIMEOUT_SECS`: the time a connection may go without a byte moving either way.
    pub idle_timeout: Duration,
    /// `MAX_CONNECTIONS`: connections open at once.
    pub max_connections: usize,
    /// `MAX_HEADER_BYTES`: the most a request's head (request line and headers) may take; more is
    /// answered 431 and the connection closed. At least 8 KiB (hyper's smallest buffer).
    pub max_head_bytes: usize,
}

/// The smallest `MAX_HEADER_BYTES` hyper accepts.
pub const MIN_HEAD_BYTES: usize = 8 * 1024;

impl Default for ConnectionLimits {
    /// Header read 10 s: a browser sends its headers in one packet, and 10 s allows for a slow
    /// mobile link while freeing a slowloris' slot quickly. Idle 60 s: longer than a handler
    /// should ever work before it answers (a SQLite writer queues for at most 30 s) and than a
    /// stalled TCP link usually recovers in. 512 connections: well below the common 1024
    /// file-descriptor limit, which also
    /// has to hold the database pool (at most 32), uploads and site files being read, the
    /// listener and the standard streams. A 32 KiB head: four times a browser's largest
    /// (cookies included), and what common proxies allow; hyper's own default is ~400 KiB.
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            max_head_bytes: 32 * 1024,
        }
    }
}

/// The pause after an accept error that is not the client's (such as `EMFILE`, too many open
/// files): retrying at once would spin the CPU until a descriptor is freed. `axum::serve` waits
/// the same.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` within `limits` until `shutdown` resolves; then stops accepting,
/// lets open requests finish (kept-alive connections close after their current response) and
/// returns when every connection is closed. Handlers get the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let max = limits.max_connections.clamp(1, u32::MAX as usize);
    let slots = Arc::new(Semaphore::new(max));
    let (stop, stopping) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_head_bytes.max(MIN_HEAD_BYTES));
    let mut shutdown = pin!(shutdown);
    loop {
        // A free slot first, then accept: beyond the cap, connections wait in the backlog.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "accept error; pausing before the next accept");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        let io = TokioIo::new(IdleTimeout::new(stream, limits.idle_timeout));
        let service = TowerToHyperService::new(axum::Extension(ConnectInfo(peer)).layer(router.clone()));
        let connection = http.serve_connection(io, service);
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut connection = pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection closed");
            }
            drop(slot);
        });
    }
    drop(listener);
    stop.send_replace(true);
    // Every open connection holds a slot: all slots back means all connections closed.
    let _all = slots.acquire_many(max as u32).await.expect("the semaphore is never closed");
    Ok(())
}

/// Errors about one incoming connection (the client gave up), not about the listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// A TCP stream whose reads and writes fail with `TimedOut` once nothing has been read or written
/// for the idle time. Every byte that moves restarts the clock, so a slow transfer that keeps
/// moving is never cut.
pub struct IdleTimeout {
    stream: TcpStream,
    idle: Duration,
    last_activity: Instant,
    timer: Pin<Box<Sleep>>,
}

impl IdleTimeout {
    pub fn new(stream: TcpStream, idle: Duration) -> Self {
        let now = Instant::now();
        IdleTimeout { stream, idle, last_activity: now, timer: Box::pin(tokio::time::sleep_until(now + idle)) }
    }

    /// Called when the stream is not ready: an error once the idle time has passed since the last
    /// byte moved, else the timer is armed to wake the connection then.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let deadline = self.last_activity + self.idle;
        if self.timer.deadline() != deadline {
            self.timer.as_mut().reset(deadline);
        }
        ready!(self.timer.as_mut().poll(cx));
        Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, "no traffic for the idle timeout"))
    }

    /// The result of a read or write of `moved` bytes, or the idle check while it is pending.
    fn track<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
        moved: impl Fn(&T) -> bool,
    ) -> Poll<io::Result<T>> {
        match poll {
            Poll::Ready(Ok(value)) => {
                if moved(&value) {
                    self.last_activity = Instant::now();
                }
                Poll::Ready(Ok(value))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => self.poll_idle(cx).map(Err),
        }
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.stream).poll_read(cx, buf);
        let read = buf.filled().len() > before;
        this.track(cx, poll, |()| read)
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.track(cx, poll, |n| *n > 0)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.track(cx, poll, |n| *n > 0)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
