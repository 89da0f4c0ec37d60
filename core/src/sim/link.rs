//! A lossy, duplicating, reordering, delaying link driven by a seeded random generator.

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Impairments of a [`Link`]. Probabilities are in `0.0..=1.0`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// Independent loss probability per datagram.
    pub loss: f64,
    /// Bursty loss (Gilbert–Elliott): probability to enter the "bad" state per datagram.
    pub burst_enter: f64,
    /// Probability to leave the "bad" state per datagram (every datagram is lost while bad).
    pub burst_exit: f64,
    /// Probability that a datagram is delivered twice.
    pub dup: f64,
    /// Probability that a datagram is held back by up to `reorder_delay`, letting later ones pass.
    pub reorder: f64,
    /// Extra delay of reordered datagrams (uniform in `0..reorder_delay`).
    pub reorder_delay: Duration,
    /// One-way latency.
    pub latency: Duration,
    /// Uniform jitter added to the latency (can reorder too when large).
    pub jitter: Duration,
    /// Datagrams larger than this are dropped.
    pub mtu: usize,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            loss: 0.0,
            burst_enter: 0.0,
            burst_exit: 1.0,
            dup: 0.0,
            reorder: 0.0,
            reorder_delay: Duration::from_millis(30),
            latency: Duration::from_millis(1),
            jitter: Duration::ZERO,
            mtu: 1500,
        }
    }
}

impl LinkConfig {
    /// A perfect link with 1 ms latency.
    pub fn perfect() -> Self {
        Self::default()
    }

    /// Independent loss `p`.
    pub fn lossy(p: f64) -> Self {
        LinkConfig {
            loss: p,
            ..Self::default()
        }
    }
}

/// Counters of a [`Link`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Datagrams offered.
    pub offered: u64,
    /// Datagrams lost (random, burst or MTU).
    pub lost: u64,
    /// Extra copies delivered.
    pub duplicated: u64,
    /// Datagrams held back.
    pub reordered: u64,
    /// Datagrams delivered later than they were offered (latency, jitter or reordering).
    pub delayed: u64,
}

impl LinkStats {
    /// The counters of two links added up (e.g. both directions of one path).
    pub fn sum(self, other: LinkStats) -> LinkStats {
        LinkStats {
            offered: self.offered + other.offered,
            lost: self.lost + other.lost,
            duplicated: self.duplicated + other.duplicated,
            reordered: self.reordered + other.reordered,
            delayed: self.delayed + other.delayed,
        }
    }
}

/// Applies [`LinkConfig`] impairments: for each offered datagram it decides when (and how many
/// times) it is delivered.
#[derive(Debug)]
pub struct Link {
    config: LinkConfig,
    rng: ChaCha8Rng,
    bad: bool,
    stats: LinkStats,
}

impl Link {
    /// A link with `config`, seeded with `seed`.
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        Link {
            config,
            rng: ChaCha8Rng::seed_from_u64(seed),
            bad: false,
            stats: LinkStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    /// Replaces the configuration (the random sequence continues).
    pub fn set_config(&mut self, config: LinkConfig) {
        self.config = config;
    }

    /// Counters.
    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.gen::<f64>() < p
    }

    fn delay(&mut self, max: Duration) -> Duration {
        if max.is_zero() {
            Duration::ZERO
        } else {
            max.mul_f64(self.rng.gen::<f64>())
        }
    }

    /// Delivery times of a datagram of `len` bytes sent at `now` (empty: lost).
    pub fn offer(&mut self, now: Instant, len: usize) -> Vec<Instant> {
        self.stats.offered += 1;
        if self.bad {
            if self.chance(self.config.burst_exit) {
                self.bad = false;
            }
        } else if self.chance(self.config.burst_enter) {
            self.bad = true;
        }
        if self.bad || len > self.config.mtu || self.chance(self.config.loss) {
            self.stats.lost += 1;
            return Vec::new();
        }
        let mut at = now + self.config.latency + self.delay(self.config.jitter);
        if self.chance(self.config.reorder) {
            self.stats.reordered += 1;
            at += self.delay(self.config.reorder_delay);
        }
        if at > now {
            self.stats.delayed += 1;
        }
        let mut out = vec![at];
        if self.chance(self.config.dup) {
            self.stats.duplicated += 1;
            let extra = self.delay(self.config.reorder_delay);
            out.push(at + extra);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_roughly_calibrated() {
        let t = Instant::now();
        let mut a = Link::new(LinkConfig::lossy(0.3), 7);
        let mut b = Link::new(LinkConfig::lossy(0.3), 7);
        let ra: Vec<usize> = (0..1000).map(|_| a.offer(t, 100).len()).collect();
        let rb: Vec<usize> = (0..1000).map(|_| b.offer(t, 100).len()).collect();
        assert_eq!(ra, rb);
        let lost = a.stats().lost;
        assert!((250..350).contains(&lost), "{lost}");
    }

    #[test]
    fn counts_what_it_did() {
        let t = Instant::now();
        let mut instant = Link::new(
            LinkConfig {
                latency: Duration::ZERO,
                ..LinkConfig::default()
            },
            1,
        );
        for _ in 0..100 {
            assert_eq!(instant.offer(t, 100), vec![t]);
        }
        assert_eq!(
            instant.stats(),
            LinkStats {
                offered: 100,
                ..LinkStats::default()
            }
        );
        let mut bad = Link::new(
            LinkConfig {
                loss: 0.2,
                dup: 0.2,
                reorder: 0.2,
                ..LinkConfig::default()
            },
            2,
        );
        let (mut delivered, mut late) = (0, 0);
        for _ in 0..1000 {
            let at = bad.offer(t, 100);
            delivered += at.len() as u64;
            late += u64::from(at.first().is_some_and(|a| *a > t));
        }
        let s = bad.stats();
        assert_eq!(s.offered, 1000);
        assert_eq!(delivered, s.offered - s.lost + s.duplicated);
        assert_eq!(
            late, s.delayed,
            "1 ms latency delays every delivered datagram"
        );
        assert_eq!(s.delayed, s.offered - s.lost);
        assert!(
            s.lost > 100 && s.duplicated > 100 && s.reordered > 100,
            "{s:?}"
        );
        assert_eq!(s.sum(s).lost, 2 * s.lost);
    }
}
