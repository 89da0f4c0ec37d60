//! `drw_receiver`: one [`DrwReceiver`] fed DRW packets with input-chosen indexes, window
//! limits, budgets, timer advances, ACK batches and reads, checked against a model of what
//! it accepted.

use std::collections::HashMap;
use std::time::Duration;

use pppp::proto::drw::{Delivery, DrwConfig, DrwReceiver, RecvOutcome, DELIVERY_OVERHEAD};
use pppp::proto::packet::MAX_ACK_INDEXES;
use pppp::sim::SimClock;

use crate::Reader;

/// Op: a packet whose index is the next expected one plus a signed byte.
pub const OP_NEAR: u8 = 0;
/// Op: a packet with an absolute index (`u16`).
pub const OP_ABSOLUTE: u8 = 1;
/// Op: let `u8 × 4` ms pass, then `handle_timeout`.
pub const OP_WAIT: u8 = 2;
/// Op: take the due ACK batch (`u8`: bit 0 forces it).
pub const OP_ACK: u8 = 3;
/// Op: read up to `u8` deliveries.
pub const OP_READ: u8 = 4;
const OPS: u8 = 5;

/// The receiver configuration an input starts with: `u16` reorder window (1–32768), `u16`
/// receive budget (× 16 bytes), `u8` ACK batch (1–[`MAX_ACK_INDEXES`]), `u8` ACK delay (ms),
/// `u8` stall skip (0: none, else × 10 ms), `u16` first index.
pub fn config(r: &mut Reader<'_>) -> (DrwConfig, u16) {
    let config = DrwConfig {
        reorder_window: 1 + r.u16() % 32768,
        recv_buffer: usize::from(r.u16()) * 16,
        ack_batch: 1 + usize::from(r.u8()) % MAX_ACK_INDEXES,
        ack_delay: Duration::from_millis(r.u8().into()),
        skip_stalled_after: match r.u8() {
            0 => None,
            n => Some(Duration::from_millis(u64::from(n) * 10)),
        },
        ..DrwConfig::default()
    };
    (config, r.u16())
}

/// Input: the configuration of [`config`], then ops `op · …` (see the `OP_*` constants; a
/// packet op is followed by `u8` data length ÷ 5 and takes its data from a counter). Checks:
/// deliveries come in index order, each the data first accepted for its index, a skip only
/// over indexes never accepted; ACK batches list exactly the accepted and duplicate indexes
/// in arrival order, never the dropped ones, at most `ack_batch` at a time; the bytes held
/// match the model and never exceed the budget.
///
/// The model numbers packets by their unwrapped index (a `u64` that counts on where the `u16`
/// wraps): stall skips move the expected index far ahead while earlier data is still unread,
/// so the unread deliveries may span more than the 65,536 wire indexes, and a wire index may
/// come round again (a new packet) before the application has read the old one.
pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let (cfg, first) = config(&mut r);
    let mut clock = SimClock::new();
    let mut rx = DrwReceiver::expecting(first);
    // Model: data accepted and not yet read, by unwrapped index; the unwrapped index of the
    // next one to be read and of the receiver's next expected one; the ACKs owed, in order.
    let mut accepted: HashMap<u64, Vec<u8>> = HashMap::new();
    let mut read_pos = u64::from(first);
    let mut expected = u64::from(first);
    let mut acks_owed: Vec<u16> = Vec::new();
    let mut counter = 0u8;
    while !r.is_empty() {
        match r.u8() % OPS {
            op @ (OP_NEAR | OP_ABSOLUTE) => {
                let index = if op == OP_NEAR {
                    rx.next_expected()
                        .wrapping_add_signed(i16::from(r.u8() as i8))
                } else {
                    r.u16()
                };
                let len = usize::from(r.u8()) * 5;
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        counter = counter.wrapping_add(1);
                        counter
                    })
                    .collect();
                let next = rx.next_expected();
                let ahead = pppp::proto::seq::diff(index, next);
                let unwrapped = expected.wrapping_add_signed(i64::from(ahead));
                let outcome = rx.handle(&cfg, clock.now(), index, &bytes);
                match outcome {
                    RecvOutcome::Delivered | RecvOutcome::Buffered => {
                        assert_eq!(outcome == RecvOutcome::Delivered, index == next);
                        assert!(ahead >= 0, "index {index} behind {next} accepted");
                        assert!(
                            accepted.insert(unwrapped, bytes).is_none(),
                            "index {index} ({unwrapped}) accepted twice"
                        );
                        acks_owed.push(index);
                    }
                    RecvOutcome::Duplicate => {
                        assert!(ahead < 0 || accepted.contains_key(&unwrapped));
                        acks_owed.push(index);
                    }
                    RecvOutcome::Dropped => {}
                }
            }
            OP_WAIT => {
                clock.advance(Duration::from_millis(u64::from(r.u8()) * 4));
                rx.handle_timeout(&cfg, clock.now());
            }
            OP_ACK => {
                let force = r.u8() & 1 == 1;
                if let Some(batch) = rx.take_acks(&cfg, clock.now(), force) {
                    assert!(!batch.is_empty() && batch.len() <= cfg.ack_batch);
                    assert!(batch.len() <= MAX_ACK_INDEXES);
                    let owed: Vec<u16> = acks_owed.drain(..batch.len()).collect();
                    assert_eq!(batch, owed, "ACKs out of order or not owed");
                }
            }
            _ => {
                for _ in 0..r.u8() {
                    match rx.read() {
                        Some(Delivery::Data(v)) => {
                            let want = accepted.remove(&read_pos);
                            assert_eq!(want.as_ref(), Some(&v), "delivery of index {read_pos}");
                            read_pos += 1;
                        }
                        Some(Delivery::Skipped(n)) => {
                            assert!(n > 0 && cfg.skip_stalled_after.is_some());
                            for _ in 0..n {
                                assert!(!accepted.contains_key(&read_pos), "skipped data");
                                read_pos += 1;
                            }
                        }
                        None => break,
                    }
                }
            }
        }
        // The expected index only moves forward (by less than the index space at a time).
        expected += u64::from(rx.next_expected().wrapping_sub(expected as u16));
        assert!(read_pos <= expected);
        let held: usize = accepted.values().map(Vec::len).sum();
        assert_eq!(rx.buffered(), held);
        assert_eq!(rx.held(), held + accepted.len() * DELIVERY_OVERHEAD);
        assert!(rx.held() <= cfg.recv_buffer);
        assert!(rx.stats().held_peak <= cfg.recv_buffer as u64);
        if let Some(t) = rx.poll_timeout(&cfg) {
            // A deadline in the past is fine (due now); one beyond the longest wait is not.
            let horizon = cfg.ack_delay + cfg.skip_stalled_after.unwrap_or_default();
            assert!(t <= clock.now() + horizon);
        }
    }
}
