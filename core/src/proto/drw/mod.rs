//! MSG_DRW reliability: one [`DrwSender`] and one [`DrwReceiver`] per channel and direction
//! (docs/protocol.md §3).
//!
//! Each channel is an independent reliable, ordered byte stream carried in DRW packets of at
//! most 1024 bytes, indexed by a per-channel u16 that wraps. The receiver delivers in order,
//! suppresses duplicates, buffers a bounded reordering window and batches acknowledgements;
//! the sender keeps a bounded window in flight and retransmits **with the same index**
//! (RTO with exponential backoff, plus a fast retransmit after three later ACKs).

mod recv;
mod send;

use std::time::Duration;

pub use recv::{
    Delivery, DrwReceiver, RecvOutcome, RecvStats, DELIVERY_OVERHEAD, IN_ORDER_RESERVE,
};
pub use send::{DrwSender, SendStats, WriteError};

/// Channel numbers by convention (docs/protocol.md §3.2).
pub mod channel {
    /// Commands and replies.
    pub const COMMAND: u8 = 0;
    /// Video from the device.
    pub const VIDEO: u8 = 1;
    /// Audio from the device.
    pub const AUDIO: u8 = 2;
    /// Talk-back audio to the device.
    pub const TALK: u8 = 3;
}

/// Tunables of the DRW layer. The defaults follow the CS2 library where it is known
/// (docs/protocol.md §3.4–3.5) and are conservative elsewhere.
#[derive(Clone, Debug)]
pub struct DrwConfig {
    /// Packets in flight (sent, not yet acknowledged) per channel.
    pub max_in_flight: usize,
    /// Bytes a channel may hold queued or unacknowledged before `write` refuses more.
    pub send_buffer: usize,
    /// Bytes a channel may hold received but not yet read (in order or out of order), each
    /// packet counted as its data plus [`DELIVERY_OVERHEAD`] (so that empty packets count
    /// too). Beyond it new packets are dropped unacknowledged, so the peer retransmits them
    /// later; packets ahead of a gap may only use all but [`IN_ORDER_RESERVE`] of it.
    pub recv_buffer: usize,
    /// How far ahead of the next expected index a packet may be and still be buffered.
    pub reorder_window: u16,
    /// Retransmission timeout before any RTT sample.
    pub rto_initial: Duration,
    /// Lower bound of the retransmission timeout.
    pub rto_min: Duration,
    /// Upper bound of the retransmission timeout (also caps the backoff).
    pub rto_max: Duration,
    /// How long a received index may wait before its ACK is sent.
    pub ack_delay: Duration,
    /// Send the ACK at once when this many indexes are pending (CS2: 17).
    pub ack_batch: usize,
    /// For channels with this set: after a gap has blocked delivery for this long, skip the
    /// missing indexes and go on (used for channel 0 of devices that skip an index).
    pub skip_stalled_after: Option<Duration>,
    /// Index of the first DRW packet of every channel, in both directions. Real devices and
    /// controllers start at 0 (docs/protocol.md §3.2) and both ends must agree; other values exist
    /// so that tests can reach the 65535 → 0 wrap without sending 65536 packets first.
    pub first_index: u16,
}

impl Default for DrwConfig {
    fn default() -> Self {
        DrwConfig {
            max_in_flight: 128,
            send_buffer: 2 * 1024 * 1024,
            recv_buffer: 1024 * 1024,
            reorder_window: 2048,
            rto_initial: Duration::from_millis(300),
            rto_min: Duration::from_millis(60),
            rto_max: Duration::from_secs(3),
            ack_delay: Duration::from_millis(5),
            ack_batch: 17,
            skip_stalled_after: None,
            first_index: 0,
        }
    }
}
