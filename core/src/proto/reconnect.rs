//! The reconnect policy as a sans-IO state machine: when a session loses its camera it waits,
//! tries again, and backs off exponentially between failed attempts.
//!
//! ```text
//!  Connected ──lost──▶ Waiting(1) ──due──▶ Attempting(1) ──connected──▶ Connected
//!                          ▲                    │
//!                          └──── failed ────────┘   (wait doubles up to max_backoff;
//!                                                    after max_attempts: GaveUp)
//! ```
//!
//! Attempt `n` starts `min(initial_backoff · 2^(n-1), max_backoff)` after the loss or after
//! attempt `n-1` failed. No jitter: the schedule is deterministic (one controller per camera
//! does not cause thundering herds, and tests can check it exactly). The driver
//! ([`crate::client::Session`]) builds a fresh controller for each attempt, logs in again and
//! restarts the media that was running.

use std::time::{Duration, Instant};

/// When and how often to reconnect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Wait before the first attempt.
    pub initial_backoff: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
    /// Give up after this many failed attempts (`None`: never).
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    /// 0.5 s, doubling up to 30 s, forever.
    fn default() -> Self {
        ReconnectPolicy {
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_attempts: None,
        }
    }
}

impl ReconnectPolicy {
    /// The wait before attempt `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(30);
        self.initial_backoff
            .saturating_mul(1u32 << shift)
            .min(self.max_backoff.max(self.initial_backoff))
    }
}

/// Where the reconnect machine is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReconnectState {
    /// The session is up (or was never lost).
    Connected,
    /// Waiting until `at` to start attempt `attempt`.
    Waiting {
        /// 1-based attempt number.
        attempt: u32,
        /// When it starts.
        at: Instant,
    },
    /// Attempt `attempt` is running.
    Attempting {
        /// 1-based attempt number.
        attempt: u32,
    },
    /// `max_attempts` attempts failed; the session is over.
    GaveUp {
        /// Attempts made.
        attempts: u32,
    },
}

/// The reconnect state machine.
#[derive(Clone, Debug)]
pub struct Reconnector {
    policy: ReconnectPolicy,
    state: ReconnectState,
    reconnects: u64,
}

impl Reconnector {
    /// A machine for a connected session.
    pub fn new(policy: ReconnectPolicy) -> Self {
        Reconnector {
            policy,
            state: ReconnectState::Connected,
            reconnects: 0,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &ReconnectPolicy {
        &self.policy
    }

    /// The current state.
    pub fn state(&self) -> ReconnectState {
        self.state
    }

    /// Successful reconnections so far.
    pub fn reconnects(&self) -> u64 {
        self.reconnects
    }

    /// True while the session is lost and not given up (waiting or attempting).
    pub fn is_recovering(&self) -> bool {
        matches!(
            self.state,
            ReconnectState::Waiting { .. } | ReconnectState::Attempting { .. }
        )
    }

    /// The camera was lost at `now`: schedules the first attempt. Ignored unless connected.
    pub fn on_lost(&mut self, now: Instant) {
        if self.state == ReconnectState::Connected {
            self.schedule(now, 1);
        }
    }

    /// The running attempt failed at `now`: schedules the next one, or gives up.
    pub fn on_attempt_failed(&mut self, now: Instant) {
        if let ReconnectState::Attempting { attempt } = self.state {
            self.schedule(now, attempt + 1);
        }
    }

    /// The session is up again; returns the attempt that succeeded (None if not recovering).
    pub fn on_connected(&mut self) -> Option<u32> {
        let ReconnectState::Attempting { attempt } = self.state else {
            self.state = ReconnectState::Connected;
            return None;
        };
        self.state = ReconnectState::Connected;
        self.reconnects += 1;
        Some(attempt)
    }

    fn schedule(&mut self, now: Instant, attempt: u32) {
        if self.policy.max_attempts.is_some_and(|m| attempt > m) {
            self.state = ReconnectState::GaveUp {
                attempts: attempt - 1,
            };
        } else {
            self.state = ReconnectState::Waiting {
                attempt,
                at: now + self.policy.backoff(attempt),
            };
        }
    }

    /// When [`Reconnector::handle_timeout`] must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            ReconnectState::Waiting { at, .. } => Some(at),
            _ => None,
        }
    }

    /// Advances time; returns the attempt number to start now, if one is due. Spurious calls
    /// are harmless.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<u32> {
        match self.state {
            ReconnectState::Waiting { attempt, at } if at <= now => {
                self.state = ReconnectState::Attempting { attempt };
                Some(attempt)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = ReconnectPolicy {
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(2),
            max_attempts: None,
        };
        let ms: Vec<u128> = (1..=6).map(|a| p.backoff(a).as_millis()).collect();
        assert_eq!(ms, vec![250, 500, 1000, 2000, 2000, 2000]);
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(2));
    }
}
