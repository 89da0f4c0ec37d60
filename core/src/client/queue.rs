//! A bounded queue from the I/O thread to the user's threads that drops its *oldest* item when
//! it is full, counting in items and in bytes: live media must not wait for a slow consumer,
//! and a camera must not make us hold more than the bound.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

/// Bytes an item is counted for (its payload plus bookkeeping).
pub(crate) trait Weight {
    fn weight(&self) -> usize;
}

impl Weight for crate::media::Frame {
    fn weight(&self) -> usize {
        self.data.len() + std::mem::size_of::<Self>()
    }
}

/// What a wait for an item found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pop<T> {
    Item(T),
    Timeout,
    /// Closed and empty.
    Closed,
}

#[derive(Debug)]
struct Inner<T> {
    items: VecDeque<T>,
    bytes: usize,
    closed: bool,
    /// Threads blocked in `pop_timeout` right now.
    waiting: usize,
}

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct DropOldest<T> {
    inner: Mutex<Inner<T>>,
    cond: Condvar,
    max_items: usize,
    max_bytes: usize,
}

impl<T: Weight> DropOldest<T> {
    /// A queue holding at most `max_items` items and `max_bytes` bytes (one item is always
    /// kept, however large: the producer bounds single items).
    pub(crate) fn new(max_items: usize, max_bytes: usize) -> Self {
        DropOldest {
            inner: Mutex::new(Inner {
                items: VecDeque::new(),
                bytes: 0,
                closed: false,
                waiting: 0,
            }),
            cond: Condvar::new(),
            max_items: max_items.max(1),
            max_bytes,
        }
    }

    /// Adds `item`, dropping the oldest items until both bounds hold; returns how many were
    /// dropped. Ignored (returns 0) once closed.
    pub(crate) fn push(&self, item: T) -> u64 {
        let mut q = self.inner.lock();
        if q.closed {
            return 0;
        }
        q.bytes += item.weight();
        q.items.push_back(item);
        let mut dropped = 0;
        while q.items.len() > 1 && (q.items.len() > self.max_items || q.bytes > self.max_bytes) {
            if let Some(old) = q.items.pop_front() {
                q.bytes -= old.weight();
                dropped += 1;
            }
        }
        drop(q);
        self.cond.notify_one();
        dropped
    }

    /// The oldest item, if any.
    pub(crate) fn try_pop(&self) -> Option<T> {
        let mut q = self.inner.lock();
        let item = q.items.pop_front()?;
        q.bytes -= item.weight();
        Some(item)
    }

    /// Waits up to `timeout` for an item; items queued before a close are still returned.
    pub(crate) fn pop_timeout(&self, timeout: Duration) -> Pop<T> {
        let deadline = crate::client::now() + timeout;
        let mut q = self.inner.lock();
        loop {
            if let Some(item) = q.items.pop_front() {
                q.bytes -= item.weight();
                return Pop::Item(item);
            }
            if q.closed {
                return Pop::Closed;
            }
            q.waiting += 1;
            let timed_out = wait_until(&self.cond, &mut q, deadline);
            q.waiting -= 1;
            if timed_out {
                return match q.items.pop_front() {
                    Some(item) => {
                        q.bytes -= item.weight();
                        Pop::Item(item)
                    }
                    None if q.closed => Pop::Closed,
                    None => Pop::Timeout,
                };
            }
        }
    }

    /// Refuses further items and wakes every waiter (queued items stay readable).
    pub(crate) fn close(&self) {
        self.inner.lock().closed = true;
        self.cond.notify_all();
    }

    /// Threads blocked in [`DropOldest::pop_timeout`] right now.
    pub(crate) fn waiting(&self) -> usize {
        self.inner.lock().waiting
    }

    /// Items and bytes held now.
    pub(crate) fn held(&self) -> (usize, usize) {
        let q = self.inner.lock();
        (q.items.len(), q.bytes)
    }
}

/// Waits on `cond` until `deadline`; true when the deadline passed.
fn wait_until<T>(
    cond: &Condvar,
    guard: &mut parking_lot::MutexGuard<'_, T>,
    deadline: Instant,
) -> bool {
    cond.wait_until(guard, deadline).timed_out()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq)]
    struct Item(usize, u32);
    impl Weight for Item {
        fn weight(&self) -> usize {
            self.0
        }
    }

    #[test]
    fn drops_oldest_by_count() {
        let q = DropOldest::new(2, usize::MAX);
        assert_eq!(q.push(Item(1, 1)), 0);
        assert_eq!(q.push(Item(1, 2)), 0);
        assert_eq!(q.push(Item(1, 3)), 1);
        assert_eq!(q.try_pop(), Some(Item(1, 2)));
        assert_eq!(q.try_pop(), Some(Item(1, 3)));
        assert_eq!(q.try_pop(), None);
    }

    #[test]
    fn drops_oldest_by_bytes_but_keeps_one_item() {
        let q = DropOldest::new(100, 10);
        q.push(Item(4, 1));
        q.push(Item(4, 2));
        assert_eq!(q.held(), (2, 8));
        assert_eq!(q.push(Item(4, 3)), 1);
        assert_eq!(q.held(), (2, 8));
        assert_eq!(
            q.push(Item(50, 4)),
            2,
            "an oversized item replaces everything"
        );
        assert_eq!(q.held(), (1, 50));
        assert_eq!(q.try_pop(), Some(Item(50, 4)));
        assert_eq!(q.held(), (0, 0));
    }

    #[test]
    fn close_keeps_queued_items_then_reports_closed() {
        let q = DropOldest::new(4, 100);
        q.push(Item(1, 7));
        q.close();
        assert_eq!(q.push(Item(1, 8)), 0);
        assert_eq!(q.pop_timeout(Duration::ZERO), Pop::Item(Item(1, 7)));
        assert_eq!(q.pop_timeout(Duration::from_secs(60)), Pop::Closed);
    }

    #[test]
    fn empty_open_queue_times_out() {
        let q: DropOldest<Item> = DropOldest::new(4, 100);
        assert_eq!(q.pop_timeout(Duration::ZERO), Pop::Timeout);
    }

    #[test]
    fn a_close_wakes_a_blocked_waiter() {
        let q = std::sync::Arc::new(DropOldest::<Item>::new(4, 100));
        let q2 = q.clone();
        let waiter = std::thread::spawn(move || q2.pop_timeout(Duration::from_secs(600)));
        while q.waiting() == 0 {
            std::thread::yield_now(); // until the waiter is provably blocked
        }
        q.close();
        assert_eq!(waiter.join().unwrap(), Pop::Closed);
        assert_eq!(q.waiting(), 0);
    }
}
