//! A virtual clock: an `Instant` that only moves when told to.

use std::time::{Duration, Instant};

/// Virtual time for simulations. All instants are `epoch + offset`; the epoch is read from the
/// OS once, and only offsets matter, so runs are reproducible.
#[derive(Clone, Copy, Debug)]
pub struct SimClock {
    epoch: Instant,
    now: Instant,
}

impl SimClock {
    /// A clock at offset zero.
    #[allow(clippy::disallowed_methods)] // the epoch only anchors the virtual timeline
    pub fn new() -> Self {
        let epoch = Instant::now();
        SimClock { epoch, now: epoch }
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Time elapsed since the clock was created.
    pub fn elapsed(&self) -> Duration {
        self.now - self.epoch
    }

    /// Moves forward by `d`.
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
    }

    /// Moves forward to `t` (never backwards).
    pub fn advance_to(&mut self, t: Instant) {
        if t > self.now {
            self.now = t;
        }
    }
}

impl Default for SimClock {
    fn default() -> Self {
        Self::new()
    }
}
