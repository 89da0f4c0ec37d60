//! The sending half of one DRW channel.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::DrwConfig;
use crate::proto::packet::{self, MAX_DRW_DATA};
use crate::proto::seq;

/// A write that does not fit the send buffer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The channel already holds too many unacknowledged bytes.
    #[error("send buffer full ({buffered} bytes queued, limit {limit}); the peer is not acknowledging fast enough")]
    BufferFull {
        /// Bytes currently held.
        buffered: usize,
        /// The configured limit.
        limit: usize,
    },
}

/// Counters of one sending channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendStats {
    /// DRW packets sent for the first time.
    pub packets: u64,
    /// Retransmissions (same index).
    pub retransmits: u64,
    /// Bytes written by the application.
    pub bytes: u64,
    /// Packets acknowledged.
    pub acked: u64,
}

#[derive(Debug)]
struct Slot {
    data: Vec<u8>,
    /// Time of the first transmission (None: never sent yet).
    first_sent: Option<Instant>,
    /// Time of the latest transmission.
    last_sent: Option<Instant>,
    /// How many times the packet was retransmitted.
    retries: u32,
    acked: bool,
    /// ACKs seen for packets sent after this one (fast retransmit trigger).
    later_acks: u8,
    /// Already queued for retransmission.
    queued: bool,
}

/// Sender state of one channel: assigns indexes, keeps the packets until acknowledged and
/// retransmits them with their original index.
#[derive(Debug)]
pub struct DrwSender {
    base: u16,
    slots: VecDeque<Slot>,
    next_unsent: usize,
    bytes: usize,
    retransmit: VecDeque<u16>,
    srtt: Option<Duration>,
    rttvar: Duration,
    rto: Duration,
    stats: SendStats,
}

impl DrwSender {
    /// A sender whose first packet gets index 0.
    pub fn new(config: &DrwConfig) -> Self {
        Self::starting_at(config, 0)
    }

    /// A sender whose first packet gets `index` (tests use it to exercise the wrap).
    pub fn starting_at(config: &DrwConfig, index: u16) -> Self {
        DrwSender {
            base: index,
            slots: VecDeque::new(),
            next_unsent: 0,
            bytes: 0,
            retransmit: VecDeque::new(),
            srtt: None,
            rttvar: Duration::ZERO,
            rto: config.rto_initial,
            stats: SendStats::default(),
        }
    }

    /// Queues `data`, split into packets of at most 1024 bytes. A write never shares a packet
    /// with an earlier one, so each write starts at a DRW boundary. All or nothing.
    pub fn write(&mut self, config: &DrwConfig, data: &[u8]) -> Result<(), WriteError> {
        if self.bytes + data.len() > config.send_buffer {
            return Err(WriteError::BufferFull {
                buffered: self.bytes,
                limit: config.send_buffer,
            });
        }
        for chunk in data.chunks(MAX_DRW_DATA) {
            self.slots.push_back(Slot {
                data: chunk.to_vec(),
                first_sent: None,
                last_sent: None,
                retries: 0,
                acked: false,
                later_acks: 0,
                queued: false,
            });
        }
        self.bytes += data.len();
        self.stats.bytes += data.len() as u64;
        Ok(())
    }

    /// Bytes written but not yet acknowledged.
    pub fn buffered(&self) -> usize {
        self.bytes
    }

    /// True when everything written has been acknowledged.
    pub fn is_idle(&self) -> bool {
        self.slots.is_empty()
    }

    /// The current retransmission timeout.
    pub fn rto(&self) -> Duration {
        self.rto
    }

    /// Counters.
    pub fn stats(&self) -> SendStats {
        self.stats
    }

    /// The index the next new packet will carry.
    pub fn next_index(&self) -> u16 {
        self.base.wrapping_add(self.slots.len() as u16)
    }

    /// Encodes the next DRW datagram due on this channel into `out` (plaintext) and returns
    /// true, or returns false when nothing is due. Retransmissions go first.
    pub fn poll_transmit(
        &mut self,
        config: &DrwConfig,
        now: Instant,
        channel: u8,
        out: &mut Vec<u8>,
    ) -> bool {
        while let Some(index) = self.retransmit.pop_front() {
            let pos = seq::offset(index, self.base) as usize;
            let Some(slot) = self.slots.get_mut(pos) else {
                continue;
            };
            slot.queued = false;
            if slot.acked || slot.last_sent.is_none() {
                continue;
            }
            slot.last_sent = Some(now);
            slot.retries += 1;
            slot.later_acks = 0;
            self.stats.retransmits += 1;
            packet::encode_drw(out, channel, index, &slot.data);
            return true;
        }
        if self.next_unsent < self.slots.len() && self.next_unsent < config.max_in_flight {
            let pos = self.next_unsent;
            self.next_unsent += 1;
            let index = self.base.wrapping_add(pos as u16);
            let slot = &mut self.slots[pos];
            slot.first_sent = Some(now);
            slot.last_sent = Some(now);
            self.stats.packets += 1;
            packet::encode_drw(out, channel, index, &slot.data);
            return true;
        }
        false
    }

    fn due(&self, slot: &Slot, config: &DrwConfig) -> Option<Instant> {
        if slot.acked || slot.queued {
            return None;
        }
        let sent = slot.last_sent?;
        let backoff = self
            .rto
            .saturating_mul(1u32 << slot.retries.min(6))
            .min(config.rto_max);
        Some(sent + backoff)
    }

    /// The earliest retransmission deadline, if any packet is in flight.
    pub fn poll_timeout(&self, config: &DrwConfig) -> Option<Instant> {
        if !self.retransmit.is_empty() {
            // Something is already queued; the owner drains it on the next poll_transmit.
            return None;
        }
        self.slots
            .iter()
            .take(self.next_unsent)
            .filter_map(|s| self.due(s, config))
            .min()
    }

    /// Queues every packet whose retransmission timer expired.
    pub fn handle_timeout(&mut self, config: &DrwConfig, now: Instant) {
        for pos in 0..self.next_unsent {
            if let Some(due) = self.due(&self.slots[pos], config) {
                if due <= now {
                    self.slots[pos].queued = true;
                    self.retransmit
                        .push_back(self.base.wrapping_add(pos as u16));
                }
            }
        }
    }

    /// True when retransmissions are queued or new packets may go out.
    pub fn has_pending(&self, config: &DrwConfig) -> bool {
        !self.retransmit.is_empty()
            || (self.next_unsent < self.slots.len() && self.next_unsent < config.max_in_flight)
    }

    /// Processes one acknowledged index. Unknown or stale indexes are ignored.
    pub fn handle_ack(&mut self, config: &DrwConfig, now: Instant, index: u16) {
        let pos = seq::offset(index, self.base) as usize;
        if pos >= self.next_unsent {
            return; // not in flight: stale, duplicate from an old epoch, or garbage
        }
        let slot = &mut self.slots[pos];
        if slot.acked {
            return;
        }
        slot.acked = true;
        self.stats.acked += 1;
        let acked_sent = slot.last_sent;
        if slot.retries == 0 {
            if let Some(first) = slot.first_sent {
                self.sample_rtt(config, now.saturating_duration_since(first));
            }
        }
        // Fast retransmit: an ACK for a later packet counts against every older, unacked packet
        // that was sent before it; three such ACKs mean the older one is probably lost.
        for p in 0..pos {
            let s = &mut self.slots[p];
            if s.acked || s.queued || s.last_sent > acked_sent {
                continue;
            }
            s.later_acks = s.later_acks.saturating_add(1);
            if s.later_acks >= 3 {
                s.queued = true;
                self.retransmit.push_back(self.base.wrapping_add(p as u16));
            }
        }
        // Slide the window past the acknowledged prefix.
        while self.slots.front().is_some_and(|s| s.acked) {
            if let Some(s) = self.slots.pop_front() {
                self.bytes -= s.data.len();
            }
            self.base = self.base.wrapping_add(1);
            self.next_unsent -= 1;
        }
    }

    fn sample_rtt(&mut self, config: &DrwConfig, rtt: Duration) {
        match self.srtt {
            None => {
                self.srtt = Some(rtt);
                self.rttvar = rtt / 2;
            }
            Some(srtt) => {
                let delta = srtt.abs_diff(rtt);
                self.rttvar = (self.rttvar * 3 + delta) / 4;
                self.srtt = Some((srtt * 7 + rtt) / 8);
            }
        }
        let srtt = self.srtt.unwrap_or(rtt);
        // The receiver may hold its ACK for `ack_delay`; never time out before that.
        self.rto =
            (srtt + self.rttvar * 4 + config.ack_delay * 2).clamp(config.rto_min, config.rto_max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::packet::{decode, Message};

    fn sent(s: &mut DrwSender, c: &DrwConfig, now: Instant) -> Vec<(u16, usize)> {
        let mut v = Vec::new();
        let mut buf = Vec::new();
        while {
            buf.clear();
            s.poll_transmit(c, now, 0, &mut buf)
        } {
            match decode(&buf).unwrap() {
                Message::Drw { index, data, .. } => v.push((index, data.len())),
                m => panic!("{m:?}"),
            }
        }
        v
    }

    #[test]
    fn splits_and_retransmits_with_same_index() {
        let c = DrwConfig::default();
        let t0 = Instant::now();
        let mut s = DrwSender::starting_at(&c, 65535);
        s.write(&c, &[7u8; 2500]).unwrap();
        assert_eq!(
            sent(&mut s, &c, t0),
            vec![(65535, 1024), (0, 1024), (1, 452)]
        );
        s.handle_ack(&c, t0, 0);
        let due = s.poll_timeout(&c).unwrap();
        s.handle_timeout(&c, due);
        assert_eq!(sent(&mut s, &c, due), vec![(65535, 1024), (1, 452)]);
        s.handle_ack(&c, due, 65535);
        s.handle_ack(&c, due, 1);
        assert!(s.is_idle());
        assert_eq!(s.buffered(), 0);
        assert_eq!(s.next_index(), 2);
    }

    #[test]
    fn buffer_limit_refuses_whole_write() {
        let c = DrwConfig {
            send_buffer: 1000,
            ..DrwConfig::default()
        };
        let mut s = DrwSender::new(&c);
        s.write(&c, &[0; 600]).unwrap();
        assert!(matches!(
            s.write(&c, &[0; 600]),
            Err(WriteError::BufferFull { .. })
        ));
        assert_eq!(s.buffered(), 600);
    }

    #[test]
    fn fast_retransmit_after_three_later_acks() {
        let c = DrwConfig::default();
        let t0 = Instant::now();
        let mut s = DrwSender::new(&c);
        for _ in 0..5 {
            s.write(&c, &[1; 10]).unwrap();
        }
        assert_eq!(sent(&mut s, &c, t0).len(), 5);
        for i in 1..4 {
            s.handle_ack(&c, t0, i);
        }
        assert_eq!(sent(&mut s, &c, t0), vec![(0, 10)]);
        assert_eq!(s.stats().retransmits, 1);
    }
}
