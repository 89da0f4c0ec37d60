//! The timers of an I/O thread: one armed deadline per endpoint, earliest first. Sans-IO.
//!
//! An endpoint's deadline changes after almost every datagram; pushing each change would grow
//! the heap without bound. Instead each endpoint remembers the deadline it has armed and a new
//! entry is pushed only when the new deadline is *earlier*. When an entry fires, the caller
//! asks the endpoint for its real deadline: not due yet means it is re-armed, due means
//! `handle_timeout`. Entries of removed endpoints, or superseded by an earlier one that
//! already fired, are recognised by their key and armed time and skipped.
//!
//! A deadline far ahead (a keepalive, a liveness check) is rounded up to a grid of
//! [`FAR_GRAIN`] (or the grain given to [`Timers::with_grain`]) so that those of many sessions
//! fall on the same instants and share a wake-up; near ones (retransmissions, ACK flushes,
//! coalescing) stay exact. Far entries sit apart, so that a thread resting while its sessions
//! only keep alive may serve them a little late ([`Timers::next_allowing`]) instead of cutting
//! every rest short. Since they share grid points, they are kept in one bucket per point
//! (sorted by point) rather than in a heap: the keepalives of a thousand idle sessions, each
//! re-armed about once a second, then cost a push and a pop each instead of two sift walks
//! through a heap of a thousand entries.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::time::{Duration, Instant};

/// Deadlines at least this far ahead are rounded up to the grid.
pub(super) const FAR: Duration = Duration::from_millis(250);
/// The default grid of far deadlines: at most this late, under 7 % of [`FAR`].
pub(super) const FAR_GRAIN: Duration = Duration::from_millis(16);

/// Emptied buckets kept for reuse, at most.
const MAX_SPARE: usize = 64;

/// Deadlines of the endpoints of one I/O thread.
#[derive(Debug)]
pub struct Timers {
    /// Entries armed less than [`FAR`] ahead.
    near: BinaryHeap<Entry>,
    /// Entries armed [`FAR`] or more ahead, by deadline: `(slot, key)`.
    far: BTreeMap<Instant, Vec<(usize, u64)>>,
    /// Emptied buckets of `far`, kept to reuse their allocations.
    spare: Vec<Vec<(usize, u64)>>,
    /// Origin of the grid of far deadlines.
    epoch: Instant,
    /// Its step (zero: no grid, every deadline exact).
    grain: Duration,
}

type Entry = Reverse<(Instant, usize, u64)>;

/// What a slot remembers of its armed deadline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Armed(Option<Instant>);

impl Timers {
    /// An empty heap whose grid of far deadlines, 16 ms (the driver's default), starts at
    /// `epoch`.
    pub fn new(epoch: Instant) -> Self {
        Self::with_grain(epoch, FAR_GRAIN)
    }

    /// An empty heap whose grid of `grain` starts at `epoch`; a zero `grain` keeps every
    /// deadline exact. A grain over [`FAR`] is taken as [`FAR`].
    pub fn with_grain(epoch: Instant, grain: Duration) -> Self {
        Timers {
            near: BinaryHeap::new(),
            far: BTreeMap::new(),
            spare: Vec::new(),
            epoch,
            grain: grain.min(FAR),
        }
    }

    /// Makes sure slot `slot` (identified by `key`) is woken no later than `deadline`, or
    /// the grid point just after it when it is [`FAR`] or more after `now`.
    pub fn arm(
        &mut self,
        armed: &mut Armed,
        slot: usize,
        key: u64,
        deadline: Option<Instant>,
        now: Instant,
    ) {
        let Some(d) = deadline else {
            return; // an earlier entry may stay: firing early is harmless
        };
        // The common case (a keepalive pushed later by a datagram) ends here: rounding up
        // cannot bring a deadline at or after the armed one before it.
        if armed.0.is_some_and(|a| d >= a) {
            return;
        }
        let far = d >= now + FAR;
        let d = self.coarsen(d, now);
        if armed.0.is_none_or(|a| d < a) {
            armed.0 = Some(d);
            if far {
                let spare = &mut self.spare;
                let bucket = self
                    .far
                    .entry(d)
                    .or_insert_with(|| spare.pop().unwrap_or_default());
                bucket.push((slot, key));
            } else {
                self.near.push(Reverse((d, slot, key)));
            }
        }
    }

    /// `deadline`, or the first grid point at or after it when it is far from `now`.
    fn coarsen(&self, deadline: Instant, now: Instant) -> Instant {
        if deadline < now + FAR || self.grain.is_zero() {
            return deadline;
        }
        // In nanoseconds on 64 bits (584 years): a 128-bit remainder is a library call.
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let grain = nanos(self.grain);
        let since = nanos(deadline.saturating_duration_since(self.epoch));
        let up = (grain - since % grain) % grain;
        deadline + Duration::from_nanos(up)
    }

    /// The earliest deadline, if any.
    pub fn next(&self) -> Option<Instant> {
        self.next_allowing(Duration::ZERO)
    }

    /// The earliest deadline when those armed [`FAR`] or more ahead (keepalives, liveness
    /// checks, timed in seconds) may be served up to `late` after it: how long a thread may
    /// rest.
    pub fn next_allowing(&self, late: Duration) -> Option<Instant> {
        let near = self.near.peek().map(|Reverse((d, _, _))| *d);
        let far = self.far.keys().next().map(|d| *d + late);
        crate::proto::earliest(near, far)
    }

    /// Pops the next entry due at `now`, earliest first: `(slot, key, armed_at)`. The caller
    /// checks the key and passes the slot's [`Armed`] to [`Timers::fired`].
    pub fn pop_due(&mut self, now: Instant) -> Option<(usize, u64, Instant)> {
        let near = self.near.peek().map(|Reverse((d, _, _))| *d);
        let far = self.far.keys().next().copied();
        match (near, far) {
            (n, Some(f)) if f <= now && n.is_none_or(|n| f < n) => {
                let mut bucket = self.far.first_entry()?;
                let (slot, key) = bucket.get_mut().pop()?;
                if bucket.get().is_empty() {
                    let emptied = bucket.remove();
                    if self.spare.len() < MAX_SPARE {
                        self.spare.push(emptied);
                    }
                }
                Some((slot, key, f))
            }
            (Some(n), _) if n <= now => {
                let Reverse((d, slot, key)) = self.near.pop()?;
                Some((slot, key, d))
            }
            _ => None,
        }
    }

    /// An entry armed at `at` fired for a slot whose state is `armed`: true when it is the
    /// slot's live entry (the slot must then be looked at and re-armed), false for a stale one.
    pub fn fired(armed: &mut Armed, at: Instant) -> bool {
        if armed.0 == Some(at) {
            armed.0 = None;
            true
        } else {
            false
        }
    }

    /// Entries armed (live and stale).
    pub fn len(&self) -> usize {
        self.near.len() + self.far.values().map(Vec::len).sum::<usize>()
    }

    /// True when no entry is armed.
    pub fn is_empty(&self) -> bool {
        self.near.is_empty() && self.far.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn later_deadlines_do_not_grow_the_heap() {
        let t0 = Instant::now();
        let mut t = Timers::new(t0);
        let mut a = Armed::default();
        for i in 0..1000u64 {
            t.arm(&mut a, 0, 7, Some(t0 + Duration::from_millis(10 + i)), t0);
        }
        assert_eq!(t.len(), 1);
        assert_eq!(t.next(), Some(t0 + Duration::from_millis(10)));
    }

    #[test]
    fn earlier_deadline_fires_first_and_the_old_entry_is_stale() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut t = Timers::new(t0);
        let mut a = Armed::default();
        t.arm(&mut a, 3, 9, Some(ms(50)), t0);
        t.arm(&mut a, 3, 9, Some(ms(20)), t0);
        assert_eq!(t.len(), 2);
        assert_eq!(t.pop_due(ms(10)), None);
        let (slot, key, at) = t.pop_due(ms(20)).expect("due");
        assert_eq!((slot, key, at), (3, 9, ms(20)));
        assert!(Timers::fired(&mut a, at));
        // The machine now wants ms(80): re-armed, the entry at ms(50) is stale.
        t.arm(&mut a, 3, 9, Some(ms(80)), ms(20));
        let (_, _, at) = t.pop_due(ms(60)).expect("stale entry pops");
        assert!(!Timers::fired(&mut a, at), "the superseded entry is stale");
        assert_eq!(t.next(), Some(ms(80)));
        let (_, _, at) = t.pop_due(ms(80)).expect("due");
        assert!(Timers::fired(&mut a, at));
        assert!(t.is_empty());
    }

    #[test]
    fn entries_pop_in_deadline_order_across_slots() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut t = Timers::new(t0);
        let mut armed = [Armed::default(); 3];
        for (slot, d) in [(0usize, 30u64), (1, 10), (2, 20)] {
            t.arm(&mut armed[slot], slot, slot as u64, Some(ms(d)), t0);
        }
        let order: Vec<usize> =
            std::iter::from_fn(|| t.pop_due(ms(100)).map(|(s, _, _)| s)).collect();
        assert_eq!(order, vec![1, 2, 0]);
    }

    #[test]
    fn no_deadline_arms_nothing() {
        let t0 = Instant::now();
        let mut t = Timers::new(t0);
        let mut a = Armed::default();
        t.arm(&mut a, 0, 1, None, t0);
        assert!(t.is_empty());
        assert_eq!(a, Armed::default());
    }

    #[test]
    fn far_deadlines_share_grid_points_and_near_ones_stay_exact() {
        let t0 = Instant::now();
        let mut t = Timers::new(t0);
        let mut armed = [Armed::default(); 40];
        let now = t0 + Duration::from_micros(123_457);
        // Keepalives of 40 sessions spread over 300 ms, a second ahead.
        for (slot, a) in armed.iter_mut().enumerate() {
            let d = now + Duration::from_secs(1) + Duration::from_micros(7_500 * slot as u64);
            t.arm(a, slot, slot as u64, Some(d), now);
            let at = a.0.unwrap();
            assert!(at >= d && at < d + FAR_GRAIN, "{:?} late", at - d);
            assert_eq!((at - t0).as_nanos() % FAR_GRAIN.as_nanos(), 0);
        }
        let mut points: Vec<Instant> = armed.iter().map(|a| a.0.unwrap()).collect();
        points.dedup();
        assert!(
            points.len() <= 20,
            "{} wake-ups for 40 deadlines",
            points.len()
        );
        // A retransmission 30 ms ahead is not moved.
        let mut near = Armed::default();
        let d = now + Duration::from_millis(30);
        t.arm(&mut near, 99, 99, Some(d), now);
        assert_eq!(near.0, Some(d));
        assert_eq!(t.next(), Some(d));
    }

    #[test]
    fn a_rest_may_run_past_far_deadlines_but_not_near_ones() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut t = Timers::with_grain(t0, Duration::ZERO);
        let (mut keepalive, mut retransmit) = (Armed::default(), Armed::default());
        t.arm(&mut keepalive, 0, 1, Some(ms(1250)), t0);
        let late = Duration::from_millis(50);
        assert_eq!(t.next(), Some(ms(1250)));
        assert_eq!(
            t.next_allowing(late),
            Some(ms(1300)),
            "a keepalive may wait"
        );
        t.arm(&mut retransmit, 1, 2, Some(ms(1260)), ms(1100));
        assert_eq!(
            t.next_allowing(late),
            Some(ms(1260)),
            "a retransmission may not"
        );
        // Whatever the heap, entries pop earliest first.
        let order: Vec<usize> =
            std::iter::from_fn(|| t.pop_due(ms(2000)).map(|(s, _, _)| s)).collect();
        assert_eq!(order, vec![0, 1]);
        assert!(t.is_empty());
    }

    #[test]
    fn far_entries_sharing_a_grid_point_all_pop_once_and_buckets_are_reused() {
        let t0 = Instant::now();
        let mut t = Timers::new(t0);
        let mut armed = vec![Armed::default(); 1000];
        for round in 0..3u64 {
            let now = t0 + Duration::from_secs(2 * round);
            for (slot, a) in armed.iter_mut().enumerate() {
                // A second ahead, within one grain: a handful of grid points.
                let d = now + Duration::from_secs(1) + Duration::from_micros(slot as u64 * 20);
                t.arm(a, slot, 7, Some(d), now);
            }
            assert_eq!(t.len(), 1000);
            assert!(t.far.len() <= 3, "{} grid points", t.far.len());
            assert_eq!(t.pop_due(now), None, "nothing is due yet");
            let mut popped = vec![false; 1000];
            let mut last = now;
            while let Some((slot, key, at)) = t.pop_due(now + Duration::from_secs(2)) {
                assert!(at >= last, "earliest first");
                last = at;
                assert_eq!(key, 7);
                assert!(!popped[slot], "slot {slot} popped twice");
                popped[slot] = true;
                assert!(Timers::fired(&mut armed[slot], at));
            }
            assert!(popped.iter().all(|&p| p));
            assert!(t.is_empty());
            assert_eq!(t.next(), None);
        }
        assert!(!t.spare.is_empty(), "emptied buckets are kept for reuse");
    }

    #[test]
    fn without_a_grain_far_deadlines_stay_exact() {
        let t0 = Instant::now();
        let mut t = Timers::with_grain(t0, Duration::ZERO);
        let mut a = Armed::default();
        let now = t0 + Duration::from_micros(123_457);
        let d = now + Duration::from_micros(1_000_321);
        t.arm(&mut a, 0, 1, Some(d), now);
        assert_eq!(t.next(), Some(d));
    }
}
