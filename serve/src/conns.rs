//! The open connections: a cap that evicts the most stalled one, and the write timeout.
//!
//! Every accepted connection is registered. When a new one arrives at the cap, one is evicted
//! so the newcomer is served: first a connection whose writes have been blocked longest (a
//! client that stopped reading, typically a stalled stream), then the oldest connection that is
//! not streaming (idle, or still sending its request), then the oldest stream.
//!
//! [`WriteGuard`] wraps each socket: a write that stays blocked for the write timeout fails
//! the connection, and while it is blocked the connection counts as stalled.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Sleep;

/// What the registry knows about one connection.
#[derive(Debug)]
pub(crate) struct ConnInfo {
    /// Consecutive: a smaller id is an older connection.
    id: u64,
    streaming: AtomicBool,
    blocked_since: Mutex<Option<Instant>>,
    write_timed_out: AtomicBool,
    /// Notified when the connection is evicted; its task then drops it.
    pub(crate) evicted: Notify,
}

impl ConnInfo {
    /// Marks the connection as carrying a streaming response.
    pub(crate) fn set_streaming(&self) {
        self.streaming.store(true, Ordering::Relaxed);
    }

    /// True when a write timed out on this connection.
    pub(crate) fn write_timed_out(&self) -> bool {
        self.write_timed_out.load(Ordering::Relaxed)
    }

    /// Eviction order: smaller goes first.
    fn eviction_key(&self) -> (u8, Option<Instant>, u64) {
        match *self.blocked_since.lock() {
            Some(since) => (0, Some(since), self.id),
            None if !self.streaming.load(Ordering::Relaxed) => (1, None, self.id),
            None => (2, None, self.id),
        }
    }
}

/// The registry of open connections (see the module docs).
#[derive(Debug)]
pub(crate) struct Conns {
    open: Mutex<HashMap<u64, Arc<ConnInfo>>>,
    next_id: AtomicU64,
    max: usize,
    pub(crate) evictions: AtomicU64,
    pub(crate) timeouts: AtomicU64,
}

/// Removes its connection from the registry when dropped (the connection's task ended or
/// was dropped).
#[derive(Debug)]
pub(crate) struct Registered {
    conns: Arc<Conns>,
    pub(crate) info: Arc<ConnInfo>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.conns.open.lock().remove(&self.info.id);
    }
}

impl Conns {
    /// A registry holding at most `max` connections (at least 1).
    pub(crate) fn new(max: usize) -> Arc<Conns> {
        Arc::new(Conns {
            open: Mutex::default(),
            next_id: AtomicU64::new(1),
            max: max.max(1),
            evictions: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
        })
    }

    /// Registers a new connection, evicting the most stalled one when at the cap.
    pub(crate) fn admit(self: &Arc<Self>) -> Registered {
        let info = Arc::new(ConnInfo {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            streaming: AtomicBool::new(false),
            blocked_since: Mutex::new(None),
            write_timed_out: AtomicBool::new(false),
            evicted: Notify::new(),
        });
        let mut open = self.open.lock();
        while open.len() >= self.max {
            let Some(victim) = open.values().min_by_key(|c| c.eviction_key()).map(|c| c.id) else {
                break;
            };
            if let Some(v) = open.remove(&victim) {
                // notify_one keeps a permit: the eviction holds even if the task is not
                // waiting yet.
                v.evicted.notify_one();
                self.evictions.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(id = v.id, "connection evicted");
            }
        }
        open.insert(info.id, info.clone());
        Registered {
            conns: self.clone(),
            info,
        }
    }

    /// Connections open now, and how many of them have a blocked write.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let open = self.open.lock();
        let stalled = open
            .values()
            .filter(|c| c.blocked_since.lock().is_some())
            .count();
        (open.len(), stalled)
    }
}

/// A socket whose writes fail after staying blocked for a timeout (hyper has no write
/// timeout of its own), reporting the blocked time to the registry.
#[derive(Debug)]
pub(crate) struct WriteGuard<T> {
    io: T,
    timeout: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
    info: Arc<ConnInfo>,
}

impl<T> WriteGuard<T> {
    pub(crate) fn new(io: T, timeout: Duration, info: Arc<ConnInfo>) -> Self {
        WriteGuard {
            io,
            timeout,
            deadline: None,
            info,
        }
    }

    /// Tracks a write's progress: a pending write starts (or continues) the deadline, a
    /// finished one clears it.
    fn guard<R>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        if r.is_ready() {
            if self.deadline.take().is_some() {
                *self.info.blocked_since.lock() = None;
            }
            return r;
        }
        let (timeout, info) = (self.timeout, &self.info);
        let deadline = self.deadline.get_or_insert_with(|| {
            *info.blocked_since.lock() = Some(Instant::now());
            Box::pin(tokio::time::sleep(timeout))
        });
        if deadline.as_mut().poll(cx).is_ready() {
            self.info.write_timed_out.store(true, Ordering::Relaxed);
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read for the write timeout",
            )));
        }
        Poll::Pending
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteGuard<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteGuard<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write(cx, buf);
        self.guard(cx, r)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.guard(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.io).poll_flush(cx);
        self.guard(cx, r)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.io).poll_shutdown(cx);
        self.guard(cx, r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_evicts_blocked_writers_then_idle_connections_then_the_oldest_stream() {
        let conns = Conns::new(3);
        let stream = conns.admit();
        stream.info.set_streaming();
        let idle = conns.admit();
        let blocked = conns.admit();
        blocked.info.set_streaming();
        *blocked.info.blocked_since.lock() = Some(Instant::now());
        assert_eq!(conns.counts(), (3, 1));
        let evicted = |r: &Registered| !conns.open.lock().contains_key(&r.info.id);

        let fourth = conns.admit();
        assert!(evicted(&blocked), "the blocked writer goes first");
        {
            let notified = std::pin::pin!(blocked.info.evicted.notified());
            assert!(
                notified
                    .poll(&mut Context::from_waker(std::task::Waker::noop()))
                    .is_ready(),
                "its task learns it, even though it was not waiting yet"
            );
        }
        let fifth = conns.admit();
        assert!(
            evicted(&idle),
            "then the oldest connection that is not streaming"
        );
        fourth.info.set_streaming();
        fifth.info.set_streaming();
        let sixth = conns.admit();
        assert!(evicted(&stream), "then the oldest stream");
        assert_eq!(conns.evictions.load(Ordering::Relaxed), 3);
        assert_eq!(conns.counts(), (3, 0));
        drop((fourth, fifth, sixth));
        assert_eq!(conns.counts(), (0, 0), "dropping unregisters");
        drop((stream, idle, blocked));
        assert_eq!(
            conns.counts(),
            (0, 0),
            "an evicted one is not counted twice"
        );
    }
}
