//! One HTTP client's backlog: a queue bounded in items *and* in bytes.
//!
//! The hub's publishers fill it and never wait: when a client is behind (its socket does not
//! drain, so its response body is not polled), the oldest queued items are dropped to make room
//! and counted, so a slow client skips frames instead of growing a buffer. The client's
//! response body drains it by polling, woken by the publisher.

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

/// A bounded single-consumer queue (see the module docs).
pub(crate) struct Mailbox<T> {
    inner: Mutex<Inner<T>>,
    max_items: usize,
    max_bytes: usize,
}

struct Inner<T> {
    queue: VecDeque<(T, usize)>,
    bytes: usize,
    closed: bool,
    waker: Option<Waker>,
}

impl<T> Mailbox<T> {
    /// A mailbox holding at most `max_items` items (at least 1) and `max_bytes` bytes; one item
    /// larger than `max_bytes` is still held when it is alone, so every frame can be delivered
    /// to a client that keeps up.
    pub(crate) fn new(max_items: usize, max_bytes: usize) -> Self {
        Mailbox {
            inner: Mutex::new(Inner {
                queue: VecDeque::new(),
                bytes: 0,
                closed: false,
                waker: None,
            }),
            max_items: max_items.max(1),
            max_bytes,
        }
    }

    /// Queues `item` (`size` bytes), dropping the oldest items that no longer fit; returns how
    /// many were dropped. Never blocks beyond a short lock.
    pub(crate) fn offer(&self, item: T, size: usize) -> usize {
        let mut m = self.inner.lock();
        if m.closed {
            return 0;
        }
        let mut dropped = 0;
        while !m.queue.is_empty()
            && (m.queue.len() >= self.max_items || m.bytes.saturating_add(size) > self.max_bytes)
        {
            if let Some((_, old)) = m.queue.pop_front() {
                m.bytes -= old;
                dropped += 1;
            }
        }
        m.bytes += size;
        m.queue.push_back((item, size));
        let waker = m.waker.take();
        drop(m);
        if let Some(w) = waker {
            w.wake();
        }
        dropped
    }

    /// Ends the queue: the consumer gets what is queued, then `None`.
    pub(crate) fn close(&self) {
        let waker = {
            let mut m = self.inner.lock();
            m.closed = true;
            m.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The next item; `Ready(None)` once closed and drained; `Pending` (the waker kept) when
    /// empty.
    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut m = self.inner.lock();
        if let Some((item, size)) = m.queue.pop_front() {
            m.bytes -= size;
            return Poll::Ready(Some(item));
        }
        if m.closed {
            return Poll::Ready(None);
        }
        m.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Items and bytes queued now.
    #[cfg(test)]
    pub(crate) fn backlog(&self) -> (usize, usize) {
        let m = self.inner.lock();
        (m.queue.len(), m.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn recv<T>(m: &Mailbox<T>) -> Poll<Option<T>> {
        m.poll_recv(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_stalled_consumer_holds_at_most_the_byte_bound_and_keeps_the_newest() {
        let m = Mailbox::new(100, 1000);
        let mut dropped = 0;
        for i in 0..1000u32 {
            dropped += m.offer(i, 300);
        }
        assert_eq!(m.backlog(), (3, 900), "bounded in bytes, not only in items");
        assert_eq!(dropped, 997);
        assert_eq!(recv(&m), Poll::Ready(Some(997)), "the oldest were dropped");
    }

    #[test]
    fn items_bound_and_an_oversized_item_alone() {
        let m = Mailbox::new(2, 1 << 20);
        assert_eq!(m.offer(1, 1), 0);
        assert_eq!(m.offer(2, 1), 0);
        assert_eq!(m.offer(3, 1), 1);
        assert_eq!(m.backlog(), (2, 2));
        assert_eq!(m.offer(4, 5 << 20), 2, "a huge item replaces everything");
        assert_eq!(m.backlog(), (1, 5 << 20));
        assert_eq!(recv(&m), Poll::Ready(Some(4)));
        assert_eq!(recv(&m), Poll::Pending);
        m.close();
        assert_eq!(m.offer(5, 1), 0);
        assert_eq!(recv(&m), Poll::Ready(None), "closed: nothing more");
    }
}
