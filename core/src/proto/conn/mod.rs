//! The controller's transport session: LAN search, handshake, keepalive, DRW channels and
//! close (docs/protocol.md §3, §7). One state machine, sans-IO.
//!
//! ```text
//! Searching ──PUNCH_PKT(our DID)──▶ Punching ──P2P_RDY──▶ Connected ──close()──▶ Closing ──▶ Closed
//!     │  (also P2P_RDY directly: "rdy-first")      │ (CLOSE during the handshake is ignored)
//!     └──────────── timeout ──────────────────────▶ Closed(NotFound / HandshakeTimeout)
//! ```
//!
//! The LAN search goes to every configured target, under every candidate cipher when the PSK is
//! `auto`; the cipher under which the device's answer decodes is remembered. Which answers are
//! taken depends on the targets ([`ConnConfig::broadcast`]): after a search by unicast only,
//! an answer counts only from one of the targets' IP addresses (at any port: real cameras
//! answer from a random session port), so another host on the LAN cannot answer in the
//! camera's place; after a broadcast search the first answer wins. From the first matching
//! PUNCH_PKT on, the session talks only to the address that packet came from; datagrams from
//! anywhere else change nothing, except that an answer for our UID from another acceptable IP
//! address is recorded as a duplicate ([`ConnEvent::DuplicateDid`], [`Conn::duplicates`]): two
//! devices answering for one UID is a misconfiguration or an impostor, and the user is told.

mod search;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::proto::cipher::Cipher;
use crate::proto::drw::{
    Delivery, DrwConfig, DrwReceiver, DrwSender, RecvStats, SendStats, WriteError,
};
use crate::proto::packet::{self, Message, WireDid, CHANNELS, MAX_ACK_INDEXES};
use crate::proto::psk::{self, PskChoice};
use crate::proto::Transmit;
use crate::Uid;

/// The least time channel 0 waits for a missing index before skipping it, as the client
/// configures it: 1 s, well before the 5 s command timeout (the skip fires after the longer of
/// this and twice the channel's retransmission timeout).
pub const DEFAULT_COMMAND_SKIP_AFTER: Duration = Duration::from_secs(1);

/// Most addresses a [`Conn`] records as duplicates of its device.
pub const MAX_DUPLICATES: usize = 16;

/// Datagrams are examined as possible search answers (the device's, or a duplicate's) only
/// up to this size (a PUNCH_PKT is 24 bytes, a P2P_RDY 24 or 28).
const MAX_SEARCH_ANSWER: usize = 128;

/// Datagrams up to this size are deciphered on the stack.
const SMALL_DATAGRAM: usize = 64;

/// Most unreliable packets ([`ConnEvent::Packet`]) waiting in the event queue; more are
/// dropped (and counted in [`ConnStats::packets_dropped`]) until events are drained.
pub const MAX_QUEUED_PACKETS: usize = 4096;
/// Most bytes of unreliable packets waiting in the event queue.
pub const MAX_QUEUED_PACKET_BYTES: usize = 4 * 1024 * 1024;

/// Configuration of a [`Conn`].
#[derive(Clone, Debug)]
// The durations a connected session's deadline reads first: [`Conn`] keeps its hot fields
// just before its configuration.
#[repr(C)]
pub struct ConnConfig {
    /// Send ALIVE after this long without sending or receiving anything. A device that sends
    /// its own ALIVEs more often than this is only answered (docs/protocol.md §7.3).
    pub alive_interval: Duration,
    /// Declare the device dead after this long without hearing from it.
    pub dead_after: Duration,
    /// Give up when no session is established after this long.
    pub connect_timeout: Duration,
    /// Interval between LAN search rounds.
    pub search_interval: Duration,
    /// Interval between PUNCH_PKT echoes while waiting for P2P_RDY.
    pub punch_interval: Duration,
    /// How long `close()` waits for unacknowledged data before sending CLOSE.
    pub close_linger: Duration,
    /// Channel 0 skips an index that stays missing (devices that never send it) after this
    /// long, or after twice the channel's retransmission timeout when that is longer (a lost
    /// packet gets time to be resent). `None`: never skip. Keep it well below the command
    /// timeout, or a command answered behind the gap times out first
    /// ([`DEFAULT_COMMAND_SKIP_AFTER`] is what the client uses).
    pub command_skip_after: Option<Duration>,
    /// Some targets are broadcast addresses: a search answer is taken from any address (the
    /// first wins; later ones for the same UID are duplicates). `false` (the default): every
    /// target is unicast and answers count only from the targets' IP addresses. A target of
    /// 255.255.255.255 implies a broadcast search whatever this says.
    pub broadcast: bool,
    /// Also send the iLnk LAN_SEARCH_EXT (0x32) in each search round.
    pub lan_search_ext: bool,
    /// The device to connect to.
    pub uid: Uid,
    /// Where the LAN search goes: unicast addresses and/or broadcast addresses, port 32108 by
    /// default. Must not be empty.
    pub targets: Vec<SocketAddr>,
    /// PSK to use, or `Auto` to detect it.
    pub psk: PskChoice,
    /// DRW tunables.
    pub drw: DrwConfig,
}

impl ConnConfig {
    /// Defaults for `uid` searched at `targets`.
    pub fn new(uid: Uid, targets: Vec<SocketAddr>) -> Self {
        ConnConfig {
            uid,
            targets,
            broadcast: false,
            psk: PskChoice::Auto,
            search_interval: Duration::from_millis(250),
            punch_interval: Duration::from_millis(150),
            connect_timeout: Duration::from_secs(10),
            alive_interval: Duration::from_millis(1250),
            dead_after: Duration::from_secs(8),
            close_linger: Duration::from_secs(1),
            lan_search_ext: false,
            command_skip_after: None,
            drw: DrwConfig::default(),
        }
    }
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// `close()` was called.
    Local,
    /// The device sent MSG_CLOSE.
    Remote,
    /// The device went silent for longer than `dead_after`.
    PeerTimeout,
    /// Nothing answered the LAN search within `connect_timeout`.
    NotFound,
    /// The device answered the search but never completed the handshake.
    HandshakeTimeout,
    /// The camera refused the login after a reconnection (its password changed while it was
    /// away); the session ends rather than retry with credentials it refuses.
    LoginRefused {
        /// The camera's result code.
        result: i64,
    },
}

/// Events of a [`Conn`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnEvent {
    /// Another address answered the search for our UID after the device was found (a
    /// duplicate UID on the network, or an impostor); the session stays with the first. Once
    /// per IP address, at most [`MAX_DUPLICATES`] times.
    DuplicateDid {
        /// The other address.
        addr: SocketAddr,
    },
    /// The device answered the LAN search from `addr`, under `cipher`.
    Found {
        /// The device's session address.
        addr: SocketAddr,
        /// The cipher its answer decoded under.
        cipher: Cipher,
    },
    /// The handshake completed.
    Connected {
        /// The device's session address.
        peer: SocketAddr,
        /// The cipher in use.
        cipher: Cipher,
    },
    /// A channel has data to read.
    Readable(u8),
    /// An unreliable packet (MSG_PSR, docs/protocol.md §1.2: the DRW sub-header, never
    /// acknowledged nor retransmitted) arrived from the peer on `channel`.
    Packet {
        /// Its channel (0–7).
        channel: u8,
        /// Its data, after the 4-byte sub-header.
        data: Vec<u8>,
    },
    /// The session ended; nothing more will happen.
    Closed(CloseReason),
}

/// Counters of a [`Conn`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnStats {
    /// Datagrams sent.
    pub datagrams_sent: u64,
    /// Datagrams received from the peer and decoded.
    pub datagrams_received: u64,
    /// Datagrams from other addresses, ignored.
    pub strangers: u64,
    /// Datagrams that did not decode (bad magic after decryption, malformed payload).
    pub undecodable: u64,
    /// Unreliable packets received from the peer.
    pub packets_received: u64,
    /// Unreliable packets dropped because the event queue held too many (see
    /// [`MAX_QUEUED_PACKETS`]).
    pub packets_dropped: u64,
    /// Per-channel sender counters.
    pub send: [SendStats; CHANNELS],
    /// Per-channel receiver counters.
    pub recv: [RecvStats; CHANNELS],
}

impl ConnStats {
    /// Total retransmissions over all channels.
    pub fn retransmits(&self) -> u64 {
        self.send.iter().map(|s| s.retransmits).sum()
    }
}

/// The session-wide counters of a [`Conn`] (the per-channel ones live in the channels), kept
/// apart from [`ConnStats`] so that a session carries 6 counters, not 6 plus 16 channels'.
#[derive(Clone, Copy, Debug, Default)]
struct Counters {
    datagrams_sent: u64,
    datagrams_received: u64,
    strangers: u64,
    undecodable: u64,
    packets_received: u64,
    packets_dropped: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    Searching,
    Punching,
    Connected,
    Closing,
    Closed(CloseReason),
}

/// The controller's transport state machine.
#[derive(Debug)]
// Fields in this order (`repr(C)`): what a keepalive touches (the datagram, the answer, the
// deadline, the quiet check) first, then the configuration, whose first fields the deadline
// reads, then the rest. An idle session is cold when its keepalive comes, and every cache
// line it touches is a miss (docs/architecture.md, "Cold sessions").
#[repr(C)]
pub struct Conn {
    now: Instant,
    last_rx: Instant,
    last_tx: Instant,
    /// The last data either way (a DRW, DRW_ACK or unreliable packet; keepalives do not
    /// count): [`Conn::is_quiet`] waits [`QUIET_AFTER`] from it.
    last_data: Option<Instant>,
    closing_deadline: Option<Instant>,
    /// When the search answer that made `peer` was taken ([`Conn::hears_strangers`]).
    found_at: Option<Instant>,
    state: State,
    peer: Option<SocketAddr>,
    cipher: Option<Cipher>,
    /// Control datagrams, already sealed.
    control: VecDeque<(SocketAddr, Vec<u8>)>,
    events: VecDeque<ConnEvent>,
    stats: Counters,
    duplicates: Vec<SocketAddr>,
    readable_flags: u8,
    /// Channels whose sender or receiver may have work (data in flight or queued, ACKs owed,
    /// a stall): the scans done after every datagram skip the others, so an idle session
    /// touches one byte instead of sixteen channel states. Set by a write, a DRW or a DRW_ACK;
    /// cleared when `next_data` finds the channel quiet.
    active: u8,
    /// Channels that ever carried anything: [`Conn::stats`] copies only theirs.
    used: u8,
    got_data: bool,
    /// The channel the next DRW scan starts at (round robin).
    rr: usize,
    config: ConnConfig,
    ch0: DrwConfig,
    did: WireDid,
    started: Instant,
    candidates: Vec<Cipher>,
    next_probe: Option<Instant>,
    connected_at: Option<Instant>,
    /// A CLOSE was taken as part of the handshake: the device does "CLOSE then P2P_RDY", and
    /// network copies of that CLOSE may still arrive.
    handshake_close: bool,
    senders: Vec<DrwSender>,
    receivers: Vec<DrwReceiver>,
    /// [`ConnEvent::Packet`]s in `events`, and their bytes.
    queued_packets: (usize, usize),
    /// Index of the next unreliable packet sent, per channel.
    packet_index: [u16; CHANNELS],
    scratch: Vec<u8>,
    /// The plaintext of the datagram being handled (kept to reuse its allocation).
    plain: Vec<u8>,
}

/// A CLOSE this soon after connecting belongs to a "CLOSE then RDY" handshake that arrived
/// late: when no data came yet (reordered), or when a CLOSE was already taken as the
/// handshake's (this one is a network duplicate, which may come after the first data).
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// How long a connected session must carry nothing but keepalives to count as quiet
/// ([`Conn::is_quiet`]): longer than the gap between a stream's frames or a command's reply.
pub const QUIET_AFTER: Duration = Duration::from_secs(2);

/// How long after the device was found [`Conn::hears_strangers`] still holds: answers of
/// other devices to the same search (duplicates) arrive within a round trip of it.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(5);

impl Conn {
    /// A new, idle session; call [`Conn::start`] to begin the search.
    pub fn new(config: ConnConfig, now: Instant) -> Self {
        let candidates = match &config.psk {
            PskChoice::Auto => psk::auto_candidates(Some(config.uid.prefix())),
            PskChoice::Plain => vec![Cipher::plain()],
            PskChoice::Named(name) => vec![Cipher::from_psk(name)],
        };
        let ch0 = DrwConfig {
            skip_stalled_after: config.command_skip_after,
            ..config.drw.clone()
        };
        let mut conn = Conn {
            did: WireDid::from(&config.uid),
            senders: (0..CHANNELS)
                .map(|_| DrwSender::starting_at(&config.drw, config.drw.first_index))
                .collect(),
            receivers: (0..CHANNELS)
                .map(|_| DrwReceiver::expecting(config.drw.first_index))
                .collect(),
            ch0,
            config,
            state: State::Idle,
            now,
            started: now,
            candidates,
            cipher: None,
            peer: None,
            duplicates: Vec::new(),
            found_at: None,
            next_probe: None,
            connected_at: None,
            got_data: false,
            handshake_close: false,
            last_rx: now,
            last_tx: now,
            last_data: None,
            closing_deadline: None,
            readable_flags: 0,
            active: 0,
            used: 0,
            control: VecDeque::new(),
            events: VecDeque::new(),
            queued_packets: (0, 0),
            packet_index: [0; CHANNELS],
            stats: Counters::default(),
            scratch: Vec::with_capacity(packet::MAX_DRW_DATAGRAM),
            plain: Vec::new(),
            rr: 0,
        };
        conn.refresh_command_skip();
        conn
    }

    /// Sets channel 0's stall skip to the longer of `command_skip_after` and twice the
    /// channel's current retransmission timeout (call when the RTO may have changed).
    fn refresh_command_skip(&mut self) {
        let rto = self.senders[0].rto();
        self.ch0.skip_stalled_after = self
            .config
            .command_skip_after
            .map(|floor| floor.max(rto.saturating_mul(2)));
    }

    /// Starts the LAN search.
    pub fn start(&mut self, now: Instant) {
        self.now = now;
        if self.state != State::Idle {
            return;
        }
        self.started = now;
        self.state = State::Searching;
        self.send_probes();
    }

    /// Skips the search: punch `addr` directly (the device's session address is known).
    pub fn start_at(&mut self, now: Instant, addr: SocketAddr, cipher: Cipher) {
        self.now = now;
        if self.state != State::Idle {
            return;
        }
        self.started = now;
        self.peer = Some(addr);
        self.cipher = Some(cipher);
        self.state = State::Punching;
        self.send_punch();
    }

    /// The configuration.
    pub fn config(&self) -> &ConnConfig {
        &self.config
    }

    /// True once the handshake completed and until the session closes.
    pub fn is_connected(&self) -> bool {
        matches!(self.state, State::Connected | State::Closing)
    }

    /// True when the session ended.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// Why the session ended, if it did.
    pub fn close_reason(&self) -> Option<CloseReason> {
        match self.state {
            State::Closed(r) => Some(r),
            _ => None,
        }
    }

    /// The device's session address, once known.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// True while a datagram from an address other than the peer's can matter: during the
    /// search (the device's answer comes from an address not known yet), and for
    /// [`DUPLICATE_WINDOW`] after the device was found (other answers to the same search
    /// make duplicates). A driver that shares one socket among sessions offers the datagrams
    /// of unknown addresses only to the sessions for which this holds (docs/architecture.md,
    /// "Shared socket"); at other times they change nothing anyway.
    pub fn hears_strangers(&self, now: Instant) -> bool {
        match self.state {
            State::Searching => true,
            State::Punching | State::Connected => {
                self.duplicates.len() < MAX_DUPLICATES
                    && self
                        .found_at
                        .is_some_and(|t| now.saturating_duration_since(t) < DUPLICATE_WINDOW)
            }
            State::Idle | State::Closing | State::Closed(_) => false,
        }
    }

    /// Other addresses that answered the search for our UID after the device was found (one
    /// per IP address, at most [`MAX_DUPLICATES`]); see [`ConnEvent::DuplicateDid`].
    pub fn duplicates(&self) -> &[SocketAddr] {
        &self.duplicates
    }

    /// The cipher in use, once known.
    pub fn cipher(&self) -> Option<&Cipher> {
        self.cipher.as_ref()
    }

    /// When the handshake completed.
    pub fn connected_at(&self) -> Option<Instant> {
        self.connected_at
    }

    /// Counters.
    pub fn stats(&self) -> ConnStats {
        let mut s = ConnStats::default();
        self.stats_into(&mut s, 0);
        s
    }

    /// Makes `out` equal to [`Conn::stats`], writing only the channels this session used
    /// ([`Conn::used_channels`]) and those of `also`: every other channel of `out` must be
    /// zero already. A caller refreshing one copy of the counters, again and again, passes
    /// the channels an earlier session wrote into it (a reconnection starts a new `Conn`), so
    /// that an idle session's refresh touches one channel's counters instead of sixteen.
    pub fn stats_into(&self, out: &mut ConnStats, also: u8) {
        let Counters {
            datagrams_sent,
            datagrams_received,
            strangers,
            undecodable,
            packets_received,
            packets_dropped,
        } = self.stats;
        out.datagrams_sent = datagrams_sent;
        out.datagrams_received = datagrams_received;
        out.strangers = strangers;
        out.undecodable = undecodable;
        out.packets_received = packets_received;
        out.packets_dropped = packets_dropped;
        for c in active_channels(self.used | also) {
            out.send[c] = self.senders[c].stats();
            out.recv[c] = self.receivers[c].stats();
        }
    }

    /// Channel `c` has work (see `active`) and has been used (see `used`).
    fn activate(&mut self, c: usize) {
        self.active |= 1 << c;
        self.used |= 1 << c;
    }

    /// The channels that carried anything in this session (bit `c` for channel `c`): the
    /// others' counters are zero.
    pub fn used_channels(&self) -> u8 {
        self.used
    }

    /// Queues `data` on `channel` (0–7) for reliable, ordered delivery.
    pub fn write(&mut self, channel: u8, data: &[u8]) -> Result<(), ConnWriteError> {
        let c = channel as usize;
        if c >= CHANNELS {
            return Err(ConnWriteError::BadChannel(channel));
        }
        if !matches!(self.state, State::Connected) {
            return Err(ConnWriteError::NotConnected);
        }
        self.activate(c);
        self.last_data = Some(self.now);
        let cfg = channel_config(&self.ch0, &self.config.drw, c);
        self.senders[c]
            .write(cfg, data)
            .map_err(ConnWriteError::Buffer)
    }

    /// Sends `data` on `channel` (0–7) as one unreliable packet (MSG_PSR with the DRW
    /// sub-header and a per-channel index; never acknowledged nor retransmitted). At most
    /// [`packet::MAX_DRW_DATA`] bytes.
    pub fn send_packet(&mut self, channel: u8, data: &[u8]) -> Result<(), ConnWriteError> {
        let c = channel as usize;
        if c >= CHANNELS {
            return Err(ConnWriteError::BadChannel(channel));
        }
        if data.len() > packet::MAX_DRW_DATA {
            return Err(ConnWriteError::PacketTooLong(data.len()));
        }
        let (true, Some(peer)) = (self.is_connected(), self.peer) else {
            return Err(ConnWriteError::NotConnected);
        };
        let mut payload = Vec::with_capacity(4 + data.len());
        payload.extend_from_slice(&[packet::DRW_MARKER, channel]);
        payload.extend_from_slice(&self.packet_index[c].to_be_bytes());
        payload.extend_from_slice(data);
        self.packet_index[c] = self.packet_index[c].wrapping_add(1);
        self.last_data = Some(self.now);
        self.queue_to(
            peer,
            Message::Other {
                msg_type: packet::msg::PSR,
                payload: &payload,
            },
        );
        Ok(())
    }

    /// True when the session carries nothing but keepalives: connected, nothing in flight,
    /// queued or owed on any channel (once [`Conn::poll_transmit`] returned `None`), no event
    /// waiting, and no data either way for [`QUIET_AFTER`]. A driver may then read this
    /// session's datagrams a little late (docs/architecture.md, "Idle rest"): a keepalive can
    /// wait, and anything else makes the session busy again.
    pub fn is_quiet(&self, now: Instant) -> bool {
        self.state == State::Connected
            && self.active == 0
            && self.control.is_empty()
            && self.events.is_empty()
            && self
                .last_data
                .is_none_or(|t| now.saturating_duration_since(t) >= QUIET_AFTER)
    }

    /// Bytes written on `channel` and not yet acknowledged.
    pub fn unacked(&self, channel: u8) -> usize {
        self.senders
            .get(channel as usize)
            .map_or(0, |s| s.buffered())
    }

    /// Bytes readable on `channel`.
    pub fn readable(&self, channel: u8) -> usize {
        self.receivers
            .get(channel as usize)
            .map_or(0, |r| r.readable())
    }

    /// Takes the next in-order delivery of `channel`.
    pub fn read(&mut self, channel: u8) -> Option<Delivery> {
        self.receivers.get_mut(channel as usize)?.read()
    }

    /// Begins a graceful close: unacknowledged data gets `close_linger` to drain, then one
    /// MSG_CLOSE is sent. Closing a session that is not connected ends it at once.
    pub fn close(&mut self, now: Instant) {
        self.now = now;
        match self.state {
            State::Connected => {
                self.state = State::Closing;
                self.closing_deadline = Some(now + self.config.close_linger);
                self.maybe_finish_close();
            }
            State::Closing | State::Closed(_) => {}
            State::Idle | State::Searching | State::Punching => self.finish(CloseReason::Local),
        }
    }

    /// Ends the session at once, sending MSG_CLOSE if connected (ForceClose).
    pub fn abort(&mut self, now: Instant) {
        self.now = now;
        if self.is_connected() {
            self.queue_control(Message::Close);
        }
        self.finish(CloseReason::Local);
    }

    fn maybe_finish_close(&mut self) {
        let drained = self.senders.iter().all(|s| s.is_idle());
        let expired = self.closing_deadline.is_some_and(|d| d <= self.now);
        if drained || expired {
            self.queue_control(Message::Close);
            self.finish(CloseReason::Local);
        }
    }

    fn finish(&mut self, reason: CloseReason) {
        if matches!(self.state, State::Closed(_)) {
            return;
        }
        self.state = State::Closed(reason);
        self.events.push_back(ConnEvent::Closed(reason));
    }

    /// Queues a control message, sealed under the session cipher or, while it is unknown,
    /// once under every candidate cipher.
    fn queue_to(&mut self, dst: SocketAddr, msg: Message<'_>) {
        let mut plain = msg.to_vec();
        match &self.cipher {
            Some(c) => {
                c.encrypt(&mut plain);
                self.control.push_back((dst, plain));
            }
            None => {
                for c in &self.candidates {
                    self.control.push_back((dst, c.seal(&plain)));
                }
            }
        }
    }

    fn queue_control(&mut self, msg: Message<'_>) {
        if let Some(peer) = self.peer {
            self.queue_to(peer, msg);
        }
    }

    fn send_probes(&mut self) {
        let targets = self.config.targets.clone();
        for dst in targets {
            self.queue_to(dst, Message::LanSearch);
            if self.config.lan_search_ext {
                self.queue_to(dst, Message::LanSearchExt);
            }
        }
        self.next_probe = Some(self.now + self.config.search_interval);
    }

    fn send_punch(&mut self) {
        self.queue_control(Message::PunchPkt(self.did));
        self.next_probe = Some(self.now + self.config.punch_interval);
    }

    /// Processes one received datagram (ciphertext as received).
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        self.now = now;
        match self.state {
            State::Idle | State::Closed(_) => {}
            State::Searching => self.handle_search_reply(from, data),
            State::Punching | State::Connected | State::Closing => {
                if Some(from) != self.peer {
                    self.stats.strangers += 1;
                    self.check_duplicate(from, data);
                    return;
                }
                let Some(cipher) = &self.cipher else { return };
                // A control datagram (a keepalive, an ACK) is deciphered on the stack; a larger
                // one in a buffer kept for the next.
                let mut small = [0u8; SMALL_DATAGRAM];
                let mut big = Vec::new();
                let plain: &mut [u8] = if data.len() <= SMALL_DATAGRAM {
                    let p = &mut small[..data.len()];
                    p.copy_from_slice(data);
                    p
                } else {
                    big = std::mem::take(&mut self.plain);
                    big.clear();
                    big.extend_from_slice(data);
                    &mut big
                };
                cipher.decrypt(plain);
                match packet::decode(plain) {
                    Ok(msg) => self.handle_peer_message(msg),
                    Err(_) => self.stats.undecodable += 1,
                }
                if big.capacity() > 0 {
                    self.plain = big;
                }
            }
        }
        self.collect_readable();
    }

    fn become_connected(&mut self) {
        self.state = State::Connected;
        self.connected_at = Some(self.now);
        self.next_probe = None;
        // Acknowledge the device's P2P_RDY burst with traffic so it stops re-sending it.
        self.queue_control(Message::Alive);
        if let (Some(peer), Some(cipher)) = (self.peer, self.cipher.clone()) {
            self.events.push_back(ConnEvent::Connected { peer, cipher });
        }
    }

    fn handle_peer_message(&mut self, msg: Message<'_>) {
        self.stats.datagrams_received += 1;
        self.last_rx = self.now;
        match msg {
            Message::P2pRdy(did) => {
                if self.state == State::Punching && self.same_device(&did) {
                    self.become_connected();
                } else if self.is_connected() {
                    // The device repeats P2P_RDY until it hears from us (CS2 behaviour).
                    self.queue_control(Message::Alive);
                }
            }
            Message::PunchPkt(_) => {
                if self.state == State::Punching {
                    self.send_punch();
                }
            }
            Message::Alive => {
                if self.state == State::Punching {
                    self.become_connected();
                }
                self.queue_control(Message::AliveAck);
            }
            Message::AliveAck | Message::P2pRdyAck => {}
            Message::Close => self.handle_remote_close(),
            Message::Drw {
                channel,
                index,
                data,
            } => {
                if self.state == State::Punching {
                    // A device that skips P2P_RDY and starts sending data is connected.
                    self.become_connected();
                }
                self.got_data = true;
                self.last_data = Some(self.now);
                let c = channel as usize;
                self.activate(c);
                let cfg = channel_config(&self.ch0, &self.config.drw, c);
                self.receivers[c].handle(cfg, self.now, index, data);
                if self.receivers[c].has_data() {
                    self.readable_flags |= 1 << c;
                }
            }
            Message::DrwAck { channel, indexes } => {
                // The device took our data: it is in the session, and a CLOSE from now on is
                // a real one (e.g. a camera refusing a command of a dialect it does not speak).
                self.got_data = true;
                self.last_data = Some(self.now);
                let c = channel as usize;
                self.activate(c);
                let cfg = channel_config(&self.ch0, &self.config.drw, c);
                for i in indexes.iter() {
                    self.senders[c].handle_ack(cfg, self.now, i);
                }
                if c == 0 {
                    self.refresh_command_skip();
                }
                if self.state == State::Closing {
                    self.maybe_finish_close();
                }
            }
            Message::Other {
                msg_type: packet::msg::PSR,
                payload,
            } => {
                self.last_data = Some(self.now);
                self.handle_packet(payload);
            }
            Message::Hello | Message::LanSearch | Message::LanSearchExt | Message::Other { .. } => {
            }
        }
    }

    /// An unreliable packet from the peer: `marker · channel · u16 index · data`.
    fn handle_packet(&mut self, payload: &[u8]) {
        let ok = self.is_connected()
            && payload.len() >= 4
            && matches!(payload[0], packet::DRW_MARKER | packet::DRW_MARKER_ILNK)
            && (payload[1] as usize) < CHANNELS;
        if !ok {
            return;
        }
        self.stats.packets_received += 1;
        let data = &payload[4..];
        let (n, bytes) = self.queued_packets;
        if n >= MAX_QUEUED_PACKETS || bytes + data.len() > MAX_QUEUED_PACKET_BYTES {
            self.stats.packets_dropped += 1;
            return;
        }
        self.queued_packets = (n + 1, bytes + data.len());
        self.events.push_back(ConnEvent::Packet {
            channel: payload[1],
            data: data.to_vec(),
        });
    }

    fn handle_remote_close(&mut self) {
        match self.state {
            // "CLOSE then P2P_RDY" devices: a CLOSE during the handshake is part of it.
            State::Punching => self.handshake_close = true,
            State::Connected
                if (!self.got_data || self.handshake_close)
                    && self
                        .connected_at
                        .is_some_and(|t| self.now < t + CLOSE_GRACE) =>
            {
                self.handshake_close = true
            }
            _ => self.finish(CloseReason::Remote),
        }
    }

    fn collect_readable(&mut self) {
        for c in 0..CHANNELS {
            if self.readable_flags & (1 << c) != 0 {
                self.events.push_back(ConnEvent::Readable(c as u8));
            }
        }
        self.readable_flags = 0;
    }

    /// Advances timers: search/punch retries, keepalive, liveness, retransmission, ACK flush.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        match self.state {
            State::Idle | State::Closed(_) => return,
            State::Searching | State::Punching => {
                if now >= self.started + self.config.connect_timeout {
                    let reason = if self.state == State::Searching {
                        CloseReason::NotFound
                    } else {
                        CloseReason::HandshakeTimeout
                    };
                    self.finish(reason);
                    return;
                }
                if self.next_probe.is_some_and(|t| t <= now) {
                    if self.state == State::Searching {
                        self.send_probes();
                    } else {
                        self.send_punch();
                    }
                }
                return;
            }
            State::Connected | State::Closing => {}
        }
        if now >= self.last_rx + self.config.dead_after {
            self.finish(CloseReason::PeerTimeout);
            return;
        }
        if now >= self.alive_due() {
            self.queue_control(Message::Alive);
        }
        for c in active_channels(self.active) {
            let cfg = channel_config(&self.ch0, &self.config.drw, c);
            self.senders[c].handle_timeout(cfg, now);
            let had = self.receivers[c].has_data();
            self.receivers[c].handle_timeout(cfg, now);
            if !had && self.receivers[c].has_data() {
                self.readable_flags |= 1 << c;
            }
        }
        self.collect_readable();
        if self.state == State::Closing {
            self.maybe_finish_close();
        }
    }

    /// When our own ALIVE is due: after `alive_interval` without a datagram either way. The
    /// answer to a device's ALIVE counts as sent, so a device that keeps the session alive
    /// itself costs one ALIVE and one ALIVE_ACK per period, not two of each.
    fn alive_due(&self) -> Instant {
        self.last_tx.max(self.last_rx) + self.config.alive_interval
    }

    /// The next datagram to send, if any. Drain after every `handle_*` call and after writes.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let (dst, data) = match self.control.pop_front() {
            Some(sealed) => sealed,
            None => {
                let (dst, mut data) = self.next_data()?;
                if let Some(c) = &self.cipher {
                    c.encrypt(&mut data);
                }
                (dst, data)
            }
        };
        self.stats.datagrams_sent += 1;
        self.last_tx = self.now;
        Some(Transmit {
            src: None,
            dst,
            data,
        })
    }

    /// The next ACK or DRW datagram (plaintext), if connected and one is due.
    fn next_data(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        if !self.is_connected() {
            return None;
        }
        let peer = self.peer?;
        let now = self.now;
        // ACKs first: they unblock the device's window.
        for c in active_channels(self.active) {
            let cfg = channel_config(&self.ch0, &self.config.drw, c);
            if let Some(batch) = self.receivers[c].take_acks(cfg, now, false) {
                debug_assert!(batch.len() <= MAX_ACK_INDEXES);
                let mut out = Vec::with_capacity(8 + 2 * batch.len());
                packet::encode_drw_ack(&mut out, c as u8, &batch);
                return Some((peer, out));
            }
        }
        // Data, round-robin over the channels.
        for k in 0..CHANNELS {
            let c = (self.rr + k) % CHANNELS;
            if self.active & (1 << c) == 0 {
                continue;
            }
            let cfg = channel_config(&self.ch0, &self.config.drw, c);
            self.scratch.clear();
            if self.senders[c].poll_transmit(cfg, now, c as u8, &mut self.scratch) {
                self.rr = (c + 1) % CHANNELS;
                return Some((peer, self.scratch.clone()));
            }
        }
        // Nothing left to send: channels with nothing in flight and nothing owed drop out of
        // the scans until their next write, DRW or DRW_ACK.
        for c in active_channels(self.active) {
            if self.senders[c].is_idle() && self.receivers[c].is_quiet() {
                self.active &= !(1 << c);
            }
        }
        None
    }

    /// The next event, if any. Drain after every `handle_*` call.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ConnEvent> {
        let ev = self.events.pop_front()?;
        if let ConnEvent::Packet { data, .. } = &ev {
            let (n, bytes) = self.queued_packets;
            self.queued_packets = (n - 1, bytes - data.len());
        }
        Some(ev)
    }

    /// When `handle_timeout` must be called next (None: only on new input).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Idle | State::Closed(_) => None,
            State::Searching | State::Punching => {
                let deadline = self.started + self.config.connect_timeout;
                Some(self.next_probe.map_or(deadline, |p| p.min(deadline)))
            }
            State::Connected | State::Closing => {
                let mut t = (self.last_rx + self.config.dead_after).min(self.alive_due());
                for c in active_channels(self.active) {
                    let cfg = channel_config(&self.ch0, &self.config.drw, c);
                    if let Some(x) = self.senders[c].poll_timeout(cfg) {
                        t = t.min(x);
                    }
                    if self.senders[c].has_pending(cfg) {
                        t = t.min(self.now);
                    }
                    if let Some(x) = self.receivers[c].poll_timeout(cfg) {
                        t = t.min(x);
                    }
                }
                if let Some(d) = self.closing_deadline {
                    t = t.min(d);
                }
                Some(t)
            }
        }
    }
}

/// The channels whose bit is set in `mask`.
fn active_channels(mask: u8) -> impl Iterator<Item = usize> {
    (0..CHANNELS).filter(move |c| mask & (1 << c) != 0)
}

/// The DRW tunables of channel `c`: channel 0 has its own (the stall skip), the others share
/// one. A free function so that callers can borrow the senders and receivers at the same time.
fn channel_config<'a>(ch0: &'a DrwConfig, others: &'a DrwConfig, c: usize) -> &'a DrwConfig {
    if c == 0 {
        ch0
    } else {
        others
    }
}

/// Why a write was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnWriteError {
    /// Channel number outside 0–7.
    #[error("invalid channel {0} (channels are 0-7)")]
    BadChannel(u8),
    /// The session is not (or no longer) connected.
    #[error("session is not connected")]
    NotConnected,
    /// The channel's send buffer is full.
    #[error(transparent)]
    Buffer(WriteError),
    /// An unreliable packet larger than one DRW datagram's data.
    #[error("a packet carries at most {max} bytes, not {0}", max = packet::MAX_DRW_DATA)]
    PacketTooLong(usize),
}
