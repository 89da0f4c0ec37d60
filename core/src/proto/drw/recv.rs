//! The receiving half of one DRW channel.

use std::collections::VecDeque;
use std::time::Instant;

use super::DrwConfig;
use crate::proto::packet::MAX_DRW_DATA;
use crate::proto::seq;

/// What holding one packet costs beyond its data, counted against
/// [`DrwConfig::recv_buffer`]: the queue slot and allocation of a delivery. Without it, a peer
/// could make the receiver hold any number of empty packets.
pub const DELIVERY_OVERHEAD: usize = 64;

/// The part of [`DrwConfig::recv_buffer`] out-of-order packets leave free: room for the next
/// in-order packet. Were the budget full of packets waiting behind a gap, the packet that fills
/// the gap could never be taken and the channel would stall for good (a peer's window may well
/// hold more than the budget).
pub const IN_ORDER_RESERVE: usize = MAX_DRW_DATA + DELIVERY_OVERHEAD;

/// What the receiver did with one DRW packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvOutcome {
    /// New data, delivered in order (possibly releasing buffered packets behind it).
    Delivered,
    /// New data, buffered until the gap before it is filled.
    Buffered,
    /// Already received: acknowledged again, data dropped.
    Duplicate,
    /// Not accepted (outside the window or no buffer room): not acknowledged.
    Dropped,
}

/// What the application reads from a channel, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The data of one DRW packet.
    Data(Vec<u8>),
    /// The receiver gave up waiting for `count` missing indexes and skipped them (only on
    /// channels with [`DrwConfig::skip_stalled_after`]); stream parsers must resynchronise.
    Skipped(u16),
}

/// Counters of one receiving channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecvStats {
    /// New packets accepted.
    pub packets: u64,
    /// Data bytes accepted.
    pub bytes: u64,
    /// Duplicates (acknowledged again, dropped).
    pub duplicates: u64,
    /// Packets that arrived ahead of a gap.
    pub out_of_order: u64,
    /// Packets refused (window or buffer full), left for the peer to retransmit.
    pub dropped: u64,
    /// Indexes given up on by the stall skip.
    pub skipped: u64,
    /// ACK datagrams produced.
    pub acks_sent: u64,
    /// The most the receiver held at once: data bytes plus [`DELIVERY_OVERHEAD`] per packet
    /// (readable or buffered out of order). Never above [`DrwConfig::recv_buffer`].
    pub held_peak: u64,
}

/// Receiver state of one channel: in-order delivery, duplicate suppression, a bounded
/// reordering buffer and batched acknowledgements.
#[derive(Debug)]
pub struct DrwReceiver {
    next: u16,
    /// Out-of-order packets; position `i` holds index `next + 1 + i`.
    ahead: VecDeque<Option<Vec<u8>>>,
    ready: VecDeque<Delivery>,
    /// Data bytes held (readable plus out of order).
    buffered: usize,
    /// `buffered` plus [`DELIVERY_OVERHEAD`] per held packet: what `recv_buffer` bounds.
    held: usize,
    pending_acks: Vec<u16>,
    ack_deadline: Option<Instant>,
    stalled_since: Option<Instant>,
    stats: RecvStats,
}

impl DrwReceiver {
    /// A receiver expecting index 0 first.
    pub fn new() -> Self {
        Self::expecting(0)
    }

    /// A receiver expecting `index` first.
    pub fn expecting(index: u16) -> Self {
        DrwReceiver {
            next: index,
            ahead: VecDeque::new(),
            ready: VecDeque::new(),
            buffered: 0,
            held: 0,
            pending_acks: Vec::new(),
            ack_deadline: None,
            stalled_since: None,
            stats: RecvStats::default(),
        }
    }

    /// The next index expected in order.
    pub fn next_expected(&self) -> u16 {
        self.next
    }

    /// Counters.
    pub fn stats(&self) -> RecvStats {
        self.stats
    }

    /// Data bytes held (readable plus buffered out of order).
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// What the receive budget counts: data bytes plus [`DELIVERY_OVERHEAD`] per held packet.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Handles one DRW packet.
    pub fn handle(
        &mut self,
        config: &DrwConfig,
        now: Instant,
        index: u16,
        data: &[u8],
    ) -> RecvOutcome {
        let d = seq::diff(index, self.next);
        if d < 0 {
            self.stats.duplicates += 1;
            self.ack(config, now, index);
            return RecvOutcome::Duplicate;
        }
        let d = d as usize;
        if d >= config.reorder_window as usize {
            self.stats.dropped += 1;
            return RecvOutcome::Dropped;
        }
        if d > 0 && self.ahead.get(d - 1).is_some_and(|s| s.is_some()) {
            self.stats.duplicates += 1;
            self.ack(config, now, index);
            return RecvOutcome::Duplicate;
        }
        let cost = data.len() + DELIVERY_OVERHEAD;
        let reserve = if d == 0 { 0 } else { IN_ORDER_RESERVE };
        if self.held + cost + reserve > config.recv_buffer {
            self.stats.dropped += 1;
            return RecvOutcome::Dropped;
        }
        self.buffered += data.len();
        self.held += cost;
        self.stats.held_peak = self.stats.held_peak.max(self.held as u64);
        self.stats.packets += 1;
        self.stats.bytes += data.len() as u64;
        self.ack(config, now, index);
        if d == 0 {
            self.ready.push_back(Delivery::Data(data.to_vec()));
            self.next = self.next.wrapping_add(1);
            self.release();
            RecvOutcome::Delivered
        } else {
            if self.ahead.len() < d {
                self.ahead.resize(d, None);
            }
            self.ahead[d - 1] = Some(data.to_vec());
            self.stats.out_of_order += 1;
            if self.stalled_since.is_none() {
                self.stalled_since = Some(now);
            }
            RecvOutcome::Buffered
        }
    }

    /// Called when `next` has just advanced so that `ahead[0]` holds index `next`: delivers
    /// the run of buffered packets from there and restores the invariant that `ahead[i]` holds
    /// `next + 1 + i`. A stall that is still blocked keeps its start time; none is left when
    /// nothing remains buffered.
    fn release(&mut self) {
        while let Some(Some(_)) = self.ahead.front() {
            if let Some(Some(data)) = self.ahead.pop_front() {
                self.ready.push_back(Delivery::Data(data));
                self.next = self.next.wrapping_add(1);
            }
        }
        if self.ahead.front().is_some_and(|s| s.is_none()) {
            self.ahead.pop_front();
        }
        if !self.ahead.iter().any(|s| s.is_some()) {
            self.ahead.clear();
            self.stalled_since = None;
        }
    }

    fn ack(&mut self, config: &DrwConfig, now: Instant, index: u16) {
        if self.pending_acks.is_empty() {
            self.ack_deadline = Some(now + config.ack_delay);
        }
        self.pending_acks.push(index);
    }

    /// Takes the next batch of indexes to acknowledge if it is due (full batch, or the oldest
    /// pending index waited `ack_delay`), or unconditionally when `force` is set.
    pub fn take_acks(&mut self, config: &DrwConfig, now: Instant, force: bool) -> Option<Vec<u16>> {
        if self.pending_acks.is_empty() {
            return None;
        }
        let due = force
            || self.pending_acks.len() >= config.ack_batch
            || self.ack_deadline.is_some_and(|d| d <= now);
        if !due {
            return None;
        }
        let n = self.pending_acks.len().min(config.ack_batch.max(1));
        let batch: Vec<u16> = self.pending_acks.drain(..n).collect();
        self.ack_deadline = if self.pending_acks.is_empty() {
            None
        } else {
            Some(now)
        };
        self.stats.acks_sent += 1;
        Some(batch)
    }

    /// The next time this receiver needs `handle_timeout`: an ACK deadline or a stall skip.
    pub fn poll_timeout(&self, config: &DrwConfig) -> Option<Instant> {
        let skip = match (config.skip_stalled_after, self.stalled_since) {
            (Some(after), Some(since)) => Some(since + after),
            _ => None,
        };
        crate::proto::earliest(self.ack_deadline, skip)
    }

    /// Applies the stall skip when it is due.
    pub fn handle_timeout(&mut self, config: &DrwConfig, now: Instant) {
        let (Some(after), Some(since)) = (config.skip_stalled_after, self.stalled_since) else {
            return;
        };
        if since + after > now {
            return;
        }
        // Skip the missing indexes up to the first buffered packet, which becomes `next`.
        let missing = self.ahead.iter().take_while(|s| s.is_none()).count() + 1;
        self.ahead.drain(..missing - 1);
        self.next = self.next.wrapping_add(missing as u16);
        self.stats.skipped += missing as u64;
        self.ready.push_back(Delivery::Skipped(missing as u16));
        // Whatever is still blocked after this starts a new stall now.
        self.stalled_since = Some(now);
        self.release();
    }

    /// Takes the next in-order delivery, if any.
    pub fn read(&mut self) -> Option<Delivery> {
        let d = self.ready.pop_front()?;
        if let Delivery::Data(v) = &d {
            self.buffered -= v.len();
            self.held -= v.len() + DELIVERY_OVERHEAD;
        }
        Some(d)
    }

    /// Bytes readable now (in order).
    pub fn readable(&self) -> usize {
        self.ready
            .iter()
            .map(|d| match d {
                Delivery::Data(v) => v.len(),
                Delivery::Skipped(_) => 0,
            })
            .sum()
    }

    /// True when something can be read.
    pub fn has_data(&self) -> bool {
        !self.ready.is_empty()
    }

    /// True when this receiver has no timer and nothing to send: no ACK owed, no stall.
    pub fn is_quiet(&self) -> bool {
        self.pending_acks.is_empty() && self.ack_deadline.is_none() && self.stalled_since.is_none()
    }
}

impl Default for DrwReceiver {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn drain(r: &mut DrwReceiver) -> Vec<u8> {
        let mut v = Vec::new();
        while let Some(d) = r.read() {
            match d {
                Delivery::Data(x) => v.extend(x),
                Delivery::Skipped(n) => v.extend(std::iter::repeat_n(0xEE, n as usize)),
            }
        }
        v
    }

    #[test]
    fn reorders_and_suppresses_duplicates_across_wrap() {
        let c = DrwConfig::default();
        let t = Instant::now();
        let mut r = DrwReceiver::expecting(65534);
        assert_eq!(r.handle(&c, t, 0, &[3]), RecvOutcome::Buffered);
        assert_eq!(r.handle(&c, t, 65535, &[2]), RecvOutcome::Buffered);
        assert_eq!(r.handle(&c, t, 0, &[3]), RecvOutcome::Duplicate);
        assert_eq!(r.handle(&c, t, 65534, &[1]), RecvOutcome::Delivered);
        assert_eq!(r.handle(&c, t, 65535, &[2]), RecvOutcome::Duplicate);
        assert_eq!(r.handle(&c, t, 1, &[4]), RecvOutcome::Delivered);
        assert_eq!(drain(&mut r), vec![1, 2, 3, 4]);
        assert_eq!(r.next_expected(), 2);
        assert_eq!(r.buffered(), 0);
        let acks = r.take_acks(&c, t, true).unwrap();
        assert_eq!(acks, vec![0, 65535, 0, 65534, 65535, 1]);
    }

    #[test]
    fn gap_in_middle_then_fill() {
        let c = DrwConfig::default();
        let t = Instant::now();
        let mut r = DrwReceiver::new();
        r.handle(&c, t, 0, &[0]);
        r.handle(&c, t, 2, &[2]);
        r.handle(&c, t, 4, &[4]);
        assert_eq!(drain(&mut r), vec![0]);
        r.handle(&c, t, 1, &[1]);
        assert_eq!(drain(&mut r), vec![1, 2]);
        r.handle(&c, t, 3, &[3]);
        assert_eq!(drain(&mut r), vec![3, 4]);
        r.handle(&c, t, 5, &[5]);
        assert_eq!(drain(&mut r), vec![5]);
        assert_eq!(r.next_expected(), 6);
    }

    #[test]
    fn buffer_limit_drops_without_ack() {
        let c = DrwConfig {
            recv_buffer: DELIVERY_OVERHEAD + 10,
            ..DrwConfig::default()
        };
        let t = Instant::now();
        let mut r = DrwReceiver::new();
        assert_eq!(r.handle(&c, t, 0, &[0; 8]), RecvOutcome::Delivered);
        assert_eq!(r.handle(&c, t, 1, &[0; 8]), RecvOutcome::Dropped);
        assert_eq!(r.take_acks(&c, t, true).unwrap(), vec![0]);
        r.read();
        assert_eq!(r.handle(&c, t, 1, &[0; 8]), RecvOutcome::Delivered);
    }

    #[test]
    fn empty_packets_count_against_the_budget() {
        let c = DrwConfig {
            recv_buffer: 100 * DELIVERY_OVERHEAD,
            ..DrwConfig::default()
        };
        let t = Instant::now();
        let mut r = DrwReceiver::new();
        let mut delivered = 0;
        for i in 0..10_000u16 {
            if r.handle(&c, t, i, &[]) == RecvOutcome::Delivered {
                delivered += 1;
            }
        }
        // Only what fits is taken (and acknowledged); the rest waits for the peer's resend.
        assert_eq!(delivered, 100);
        assert_eq!(r.held(), c.recv_buffer);
        assert_eq!(r.stats().held_peak, c.recv_buffer as u64);
        assert_eq!(r.stats().dropped, 10_000 - 100);
        assert_eq!(r.read(), Some(Delivery::Data(Vec::new())));
        assert_eq!(r.held(), 99 * DELIVERY_OVERHEAD);
        assert_eq!(r.handle(&c, t, 100, &[]), RecvOutcome::Delivered);
        // Out-of-order empty packets are counted too (leaving room for the in-order one).
        let mut r = DrwReceiver::new();
        let buffered = (1..2000u16)
            .filter(|&i| r.handle(&c, t, i, &[]) == RecvOutcome::Buffered)
            .count();
        assert_eq!(
            buffered,
            (c.recv_buffer - IN_ORDER_RESERVE) / DELIVERY_OVERHEAD
        );
        assert!(r.held() <= c.recv_buffer);
    }

    /// Found by the `drw_sender` fuzz target: a peer whose window exceeds the budget filled it
    /// with packets behind a lost one, and the retransmission of the lost one was then dropped
    /// for want of room, forever.
    #[test]
    fn out_of_order_packets_leave_room_for_the_next_in_order_one() {
        let c = DrwConfig {
            recv_buffer: 4 * (MAX_DRW_DATA + DELIVERY_OVERHEAD),
            ..DrwConfig::default()
        };
        let t = Instant::now();
        let mut r = DrwReceiver::new();
        let full = [7u8; MAX_DRW_DATA];
        for i in 1..20u16 {
            r.handle(&c, t, i, &full);
        }
        assert!(r.held() <= c.recv_buffer);
        assert_eq!(r.handle(&c, t, 0, &full), RecvOutcome::Delivered);
        // Reading makes room for the rest of the window, as the peer resends it.
        for i in 0..20u16 {
            while r.read().is_some() {}
            r.handle(&c, t, i, &full);
        }
        while r.read().is_some() {}
        assert_eq!(r.next_expected(), 20);
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn far_future_index_is_dropped() {
        let c = DrwConfig::default();
        let mut r = DrwReceiver::new();
        assert_eq!(
            r.handle(&c, Instant::now(), 30000, &[1]),
            RecvOutcome::Dropped
        );
        assert!(r.take_acks(&c, Instant::now(), true).is_none());
    }

    #[test]
    fn stall_skip_resynchronises() {
        let c = DrwConfig {
            skip_stalled_after: Some(Duration::from_millis(500)),
            ..DrwConfig::default()
        };
        let t = Instant::now();
        let mut r = DrwReceiver::new();
        r.handle(&c, t, 0, &[0]);
        r.handle(&c, t, 3, &[3]);
        r.handle(&c, t, 4, &[4]);
        r.handle(&c, t, 6, &[6]);
        assert_eq!(drain(&mut r), vec![0]);
        r.take_acks(&c, t, true);
        let due = r.poll_timeout(&c).unwrap();
        assert_eq!(due, t + Duration::from_millis(500));
        r.handle_timeout(&c, due);
        assert_eq!(drain(&mut r), vec![0xEE, 0xEE, 3, 4]);
        assert_eq!(r.next_expected(), 5);
        let due2 = r.poll_timeout(&c).unwrap();
        r.handle_timeout(&c, due2);
        assert_eq!(drain(&mut r), vec![0xEE, 6]);
        assert_eq!(r.stats().skipped, 3);
        assert_eq!(r.poll_timeout(&c), None);
    }

    #[test]
    fn acks_batch_at_17() {
        let c = DrwConfig::default();
        let t = Instant::now();
        let mut r = DrwReceiver::new();
        for i in 0..16 {
            r.handle(&c, t, i, &[0]);
        }
        assert!(r.take_acks(&c, t, false).is_none());
        r.handle(&c, t, 16, &[0]);
        assert_eq!(r.take_acks(&c, t, false).unwrap().len(), 17);
    }
}
