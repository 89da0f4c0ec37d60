//! `drw_sender`: a [`DrwSender`] and the peer's [`DrwReceiver`] joined by a link the input
//! drives (loss, duplication, reordering, time), with every DRW and DRW_ACK going through
//! `packet::encode_*` and `packet::decode`; in hostile mode, forged DRW_ACK datagrams too.

use std::time::Duration;

use pppp::proto::drw::{Delivery, DrwConfig, DrwReceiver, DrwSender, DELIVERY_OVERHEAD};
use pppp::proto::packet::{self, Message, MAX_ACK_INDEXES, MAX_DRW_DATA, MAX_DRW_DATAGRAM};
use pppp::sim::SimClock;

use crate::Reader;

/// The channel everything travels on.
const CHANNEL: u8 = 1;

/// Packets an input may write in all (further writes are skipped), so that the final drain
/// stays quick on a link that takes one packet per round trip.
const MAX_PACKETS: usize = 512;

/// Op: write `u16 % 4096` bytes.
pub const OP_WRITE: u8 = 0;
/// Op: transmit up to `u8 % 8 + 1` due datagrams onto the link.
pub const OP_TRANSMIT: u8 = 1;
/// Op: deliver DRW number `u8` (modulo the queue) to the receiver; `u8` bit 0 keeps a copy.
pub const OP_DELIVER: u8 = 2;
/// Op: lose DRW number `u8` (modulo the queue).
pub const OP_LOSE: u8 = 3;
/// Op: the receiver's due ACK batch onto the link (`u8` bit 0 forces it).
pub const OP_ACK: u8 = 4;
/// Op: deliver ACK datagram number `u8` (modulo the queue) to the sender; `u8` bit 0 keeps
/// a copy.
pub const OP_DELIVER_ACK: u8 = 5;
/// Op: let `u8 × 4` ms pass; both ends handle their timers.
pub const OP_WAIT: u8 = 6;
/// Op: the application reads everything the receiver has.
pub const OP_READ: u8 = 7;
/// Op (hostile mode only, else a transmit): a DRW_ACK datagram whose sub-header and index
/// list are the next `u8 % 200` input bytes, to the sender.
pub const OP_FORGED_ACK: u8 = 8;
const OPS: u8 = 9;

/// Flag bit: forged ACKs are allowed (the stream may then stall; it must never corrupt).
pub const HOSTILE: u8 = 1;

/// The sender's configuration: `u8` packets in flight (1–256), `u16` send buffer (× 64
/// bytes, + 64), `u8` minimum RTO (ms, + 1), `u8` initial RTO above it (× 4 ms), `u8` maximum
/// RTO above that (× 16 ms).
fn sender_config(r: &mut Reader<'_>) -> DrwConfig {
    let max_in_flight = 1 + usize::from(r.u8());
    let send_buffer = (usize::from(r.u16()) + 1) * 64;
    let rto_min = Duration::from_millis(1 + u64::from(r.u8()));
    let rto_initial = rto_min + Duration::from_millis(u64::from(r.u8()) * 4);
    let rto_max = rto_initial + Duration::from_millis(u64::from(r.u8()) * 16);
    DrwConfig {
        max_in_flight,
        send_buffer,
        rto_initial,
        rto_min,
        rto_max,
        ..DrwConfig::default()
    }
}

/// The receiver's configuration: as `drw_receiver`'s, with a budget of at least one full
/// packet (below that a full packet can never be taken and the stream stalls by design).
fn receiver_config(r: &mut Reader<'_>) -> DrwConfig {
    let (mut c, _) = crate::drw_receiver::config(r);
    c.recv_buffer += MAX_DRW_DATA + DELIVERY_OVERHEAD;
    c
}

/// Both ends and the link.
struct Link {
    clock: SimClock,
    tx_cfg: DrwConfig,
    rx_cfg: DrwConfig,
    tx: DrwSender,
    rx: DrwReceiver,
    /// DRW datagrams in flight to the receiver, and DRW_ACKs to the sender.
    to_rx: Vec<Vec<u8>>,
    to_tx: Vec<Vec<u8>>,
    /// Every packet's data in index order (what `write` queued, split as the sender splits).
    packets: Vec<Vec<u8>>,
    /// How many packets the application has read (a skip counts its indexes).
    read: usize,
}

impl Link {
    fn write(&mut self, data: &[u8]) {
        if self.packets.len() + data.len().div_ceil(MAX_DRW_DATA) > MAX_PACKETS {
            return;
        }
        let before = self.tx.buffered();
        match self.tx.write(&self.tx_cfg, data) {
            Ok(()) => {
                self.packets
                    .extend(data.chunks(MAX_DRW_DATA).map(<[u8]>::to_vec));
                assert_eq!(self.tx.buffered(), before + data.len());
            }
            Err(e) => {
                assert!(before + data.len() > self.tx_cfg.send_buffer, "{e}");
                assert_eq!(self.tx.buffered(), before);
            }
        }
        assert!(self.tx.buffered() <= self.tx_cfg.send_buffer);
    }

    fn transmit(&mut self) -> bool {
        let mut out = Vec::new();
        if !self
            .tx
            .poll_transmit(&self.tx_cfg, self.clock.now(), CHANNEL, &mut out)
        {
            return false;
        }
        assert!(out.len() <= MAX_DRW_DATAGRAM);
        self.to_rx.push(out);
        true
    }

    fn deliver(&mut self, dgram: &[u8]) {
        match packet::decode(dgram) {
            Ok(Message::Drw {
                channel,
                index,
                data,
            }) => {
                assert_eq!(channel, CHANNEL);
                self.rx.handle(&self.rx_cfg, self.clock.now(), index, data);
                assert!(self.rx.held() <= self.rx_cfg.recv_buffer);
            }
            other => panic!("the sender sent {other:?}"),
        }
    }

    fn ack(&mut self, force: bool) -> bool {
        let Some(batch) = self.rx.take_acks(&self.rx_cfg, self.clock.now(), force) else {
            return false;
        };
        assert!(batch.len() <= MAX_ACK_INDEXES);
        let mut out = Vec::new();
        packet::encode_drw_ack(&mut out, CHANNEL, &batch);
        self.to_tx.push(out);
        true
    }

    fn deliver_ack(&mut self, dgram: &[u8]) {
        if let Ok(Message::DrwAck { channel, indexes }) = packet::decode(dgram) {
            if channel == CHANNEL {
                for i in indexes.iter() {
                    self.tx.handle_ack(&self.tx_cfg, self.clock.now(), i);
                }
            }
        }
    }

    fn wait(&mut self, d: Duration) {
        self.clock.advance(d);
        let now = self.clock.now();
        self.tx.handle_timeout(&self.tx_cfg, now);
        self.rx.handle_timeout(&self.rx_cfg, now);
    }

    /// Reads everything; each packet must be the one written at its position.
    fn read(&mut self) {
        while let Some(d) = self.rx.read() {
            match d {
                Delivery::Data(v) => {
                    assert_eq!(
                        self.packets.get(self.read),
                        Some(&v),
                        "packet {} corrupted or out of order",
                        self.read
                    );
                    self.read += 1;
                }
                Delivery::Skipped(n) => {
                    assert!(self.rx_cfg.skip_stalled_after.is_some());
                    self.read += usize::from(n);
                    assert!(self.read <= self.packets.len(), "skipped past the stream");
                }
            }
        }
    }

    /// A perfect link until everything written was read: it must get there, and never go
    /// longer than two maximal retransmission timeouts (plus the ACK delay and the stall
    /// skip) without a packet read or acknowledged. A budget of one packet takes one packet
    /// per round trip; that is slow, not stuck.
    fn drain(&mut self) {
        let patience = 2 * self.tx_cfg.rto_max
            + self.rx_cfg.ack_delay
            + self.rx_cfg.skip_stalled_after.unwrap_or_default()
            + Duration::from_millis(10);
        let mut progress = (self.read, self.tx.buffered());
        let mut since = self.clock.now();
        loop {
            while self.transmit() {}
            for d in std::mem::take(&mut self.to_rx) {
                self.deliver(&d);
            }
            self.read();
            while self.ack(true) {}
            for d in std::mem::take(&mut self.to_tx) {
                self.deliver_ack(&d);
            }
            if self.tx.is_idle() && self.read == self.packets.len() {
                return;
            }
            let now = self.clock.now();
            if (self.read, self.tx.buffered()) != progress {
                progress = (self.read, self.tx.buffered());
                since = now;
            }
            assert!(
                now - since <= patience,
                "the stream stalls on a perfect link: {} of {} packets read, {} bytes \
                 unacknowledged, {} bytes held by the receiver (budget {}), next expected {}",
                self.read,
                self.packets.len(),
                self.tx.buffered(),
                self.rx.held(),
                self.rx_cfg.recv_buffer,
                self.rx.next_expected()
            );
            let next = [
                self.tx.poll_timeout(&self.tx_cfg),
                self.rx.poll_timeout(&self.rx_cfg),
            ]
            .into_iter()
            .flatten()
            .min();
            let step = next
                .map(|t| t.saturating_duration_since(now))
                .unwrap_or_default()
                .max(Duration::from_millis(1));
            self.wait(step);
        }
    }
}

fn pick(queue: &mut Vec<Vec<u8>>, k: u8, keep: bool) -> Option<Vec<u8>> {
    if queue.is_empty() {
        return None;
    }
    let i = usize::from(k) % queue.len();
    Some(if keep {
        queue[i].clone()
    } else {
        queue.remove(i)
    })
}

/// Input: a flags byte ([`HOSTILE`]), the sender's configuration, the receiver's (as
/// `drw_receiver`'s), a `u16` first index for both, then ops `op · …` (see the `OP_*`
/// constants). Checks: the application reads exactly the packets written, in order (a skip
/// only on a receiver configured to skip); the buffers stay within their limits; and, unless
/// hostile, a perfect link then delivers everything.
pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let flags = r.u8();
    let tx_cfg = sender_config(&mut r);
    let rx_cfg = receiver_config(&mut r);
    let first = r.u16();
    let mut link = Link {
        clock: SimClock::new(),
        tx: DrwSender::starting_at(&tx_cfg, first),
        rx: DrwReceiver::expecting(first),
        tx_cfg,
        rx_cfg,
        to_rx: Vec::new(),
        to_tx: Vec::new(),
        packets: Vec::new(),
        read: 0,
    };
    let mut counter = 0u8;
    while !r.is_empty() {
        match r.u8() % OPS {
            OP_WRITE => {
                let n = usize::from(r.u16() % 4096);
                let bytes: Vec<u8> = (0..n)
                    .map(|_| {
                        counter = counter.wrapping_add(1);
                        counter
                    })
                    .collect();
                link.write(&bytes);
            }
            OP_DELIVER => {
                let (k, keep) = (r.u8(), r.u8() & 1 == 1);
                if let Some(d) = pick(&mut link.to_rx, k, keep) {
                    link.deliver(&d);
                }
            }
            OP_LOSE => {
                let _ = pick(&mut link.to_rx, r.u8(), false);
            }
            OP_ACK => {
                let force = r.u8() & 1 == 1;
                link.ack(force);
            }
            OP_DELIVER_ACK => {
                let (k, keep) = (r.u8(), r.u8() & 1 == 1);
                if let Some(d) = pick(&mut link.to_tx, k, keep) {
                    link.deliver_ack(&d);
                }
            }
            OP_WAIT => link.wait(Duration::from_millis(u64::from(r.u8()) * 4)),
            OP_READ => link.read(),
            OP_FORGED_ACK if flags & HOSTILE != 0 => {
                let n = usize::from(r.u8() % 200);
                let body = r.bytes(n);
                let mut d = vec![packet::MAGIC, packet::msg::DRW_ACK];
                d.extend_from_slice(&(body.len() as u16).to_be_bytes());
                d.extend_from_slice(body);
                link.deliver_ack(&d);
            }
            _ => {
                for _ in 0..=r.u8() % 8 {
                    link.transmit();
                }
            }
        }
        // The link holds what the sender sent; bound it so that inputs cannot grow it forever.
        link.to_rx.truncate(4096);
        link.to_tx.truncate(4096);
    }
    link.read();
    if flags & HOSTILE == 0 {
        link.drain();
    }
}
