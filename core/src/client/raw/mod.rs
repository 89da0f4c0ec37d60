//! [`RawSession`]: the transport alone — eight reliable, ordered byte-stream channels plus
//! unreliable packets — with no application layer on top.
//!
//! This is what the vendor-compatible C API (`PPCS_Read`, `PPCS_Write`, `PPCS_PktSend`, …) is
//! built on, and what a program that speaks its own protocol over the PPPP transport wants:
//!
//! * the driver's I/O thread owns the socket and the [`Conn`] state machine; every method is
//!   callable from any number of threads at once;
//! * [`RawSession::read`] blocks up to a timeout and returns partial data when the timeout hits;
//!   data the transport delivered is moved into a bounded per-channel buffer (the transport
//!   stops acknowledging when both are full, so the camera slows down instead of data being
//!   lost);
//! * [`RawSession::write`] never blocks: it queues, and refuses with [`Error::BufferFull`] when
//!   the channel holds more than the send buffer (2 MB) unacknowledged;
//! * [`RawSession::send_packet`] / [`RawSession::recv_packet`] carry unreliable datagrams
//!   (MSG_PSR, 0xD8: the DRW sub-header, never acknowledged nor retransmitted);
//! * [`RawSession::close`] drains what was written, then sends MSG_CLOSE;
//!   [`RawSession::abort`] ends the session at once; both wake every blocked call.

mod endpoint;

use std::collections::VecDeque;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Sender};
use parking_lot::{Condvar, Mutex, MutexGuard};

use super::driver::{Driver, EndpointWaker};
use crate::error::{ClosedBy, Error, Result};
use crate::proto::conn::{CloseReason, Conn, ConnConfig, ConnStats};
use crate::proto::drw::DELIVERY_OVERHEAD;
use crate::proto::packet::{CHANNELS, MAX_DRW_DATA};
use crate::proto::psk::PskChoice;
use crate::Uid;
use endpoint::RawEndpoint;

/// Largest payload of one unreliable packet ([`RawSession::send_packet`]): one DRW-sized
/// datagram.
pub const MAX_PACKET: usize = MAX_DRW_DATA;

/// How to reach a device for a [`RawSession`].
#[derive(Clone, Debug)]
pub struct RawConfig {
    /// The device's UID (any accepted spelling).
    pub uid: String,
    /// The device's address `HOST[:PORT]` (PORT: its LAN-search port, default 32108). `None`:
    /// search at [`super::LAN_TARGETS_ENV`] if set, else by broadcast (when `broadcast`).
    pub host: Option<String>,
    /// Extra unicast search targets.
    pub targets: Vec<SocketAddr>,
    /// Broadcast the search on every IPv4 interface when no target is known.
    pub broadcast: bool,
    /// Local address to bind (default `0.0.0.0:0`).
    pub bind: Option<SocketAddr>,
    /// The PSK: detect it (default), none, or this one ([`super::parse_psk`] reads the
    /// names users give).
    pub psk: PskChoice,
    /// How long to search and handshake.
    pub connect_timeout: Duration,
    /// Declare the device dead after this long without a packet.
    pub dead_after: Duration,
    /// How long [`RawSession::close`] waits for unacknowledged data before sending CLOSE.
    pub close_linger: Duration,
    /// Bytes per channel held for readers (beyond it, data waits in the transport, which stops
    /// acknowledging once its own receive buffer is full).
    pub recv_buffer: usize,
    /// Unreliable packets held per channel for [`RawSession::recv_packet`]: at most this many,
    /// and at most `recv_buffer` bytes counting [`DELIVERY_OVERHEAD`] per packet (the oldest is
    /// dropped beyond either).
    pub packet_queue: usize,
    /// The driver whose I/O threads serve the session (`None`: [`Driver::global`]).
    pub driver: Option<Driver>,
}

impl RawConfig {
    /// Defaults for `uid`: search at `PPPP_LAN_TARGETS` or by broadcast, PSK auto, 10 s to
    /// connect, dead after 8 s of silence, 2 s close linger, 1 MiB per channel.
    pub fn new(uid: impl Into<String>) -> Self {
        RawConfig {
            uid: uid.into(),
            host: None,
            targets: Vec::new(),
            broadcast: true,
            bind: None,
            psk: PskChoice::Auto,
            connect_timeout: Duration::from_secs(10),
            dead_after: Duration::from_secs(8),
            close_linger: Duration::from_secs(2),
            recv_buffer: 1024 * 1024,
            packet_queue: 256,
            driver: None,
        }
    }

    /// Sets the device's address (`HOST[:PORT]`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    fn conn_config(&self) -> Result<(ConnConfig, bool)> {
        let uid = Uid::parse(&self.uid)?;
        let (targets, broadcast) =
            super::search_targets(self.host.as_deref(), &self.targets, self.broadcast)?;
        if targets.is_empty() {
            return Err(Error::InvalidArgument(
                "no search target: give the device's host, set PPPP_LAN_TARGETS, or enable \
                 broadcast"
                    .into(),
            ));
        }
        if self.recv_buffer == 0 || self.packet_queue == 0 {
            return Err(Error::InvalidArgument(
                "receive buffers need room for at least one byte and one packet".into(),
            ));
        }
        let mut c = ConnConfig::new(uid, targets);
        c.psk = self.psk.clone();
        c.connect_timeout = self.connect_timeout;
        c.dead_after = self.dead_after;
        c.close_linger = self.close_linger;
        c.broadcast = broadcast;
        Ok((c, broadcast))
    }
}

/// Where a [`RawSession`] is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawState {
    /// Searching and handshaking.
    Connecting,
    /// Connected: reads and writes work.
    Connected,
    /// Ended, for this reason (data received before the end can still be read).
    Closed(CloseReason),
}

/// Addresses and timing of a [`RawSession`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawInfo {
    /// The device's session address, once known.
    pub peer: Option<SocketAddr>,
    /// Our socket's local address.
    pub local: Option<SocketAddr>,
    /// The cipher in use (`plain` or the PSK), once known.
    pub cipher: Option<String>,
    /// How long ago the handshake completed.
    pub connected_for: Option<Duration>,
    /// The socket's file descriptor (Unix), for callers that inspect it.
    pub socket_fd: Option<i32>,
}

/// The result of a [`RawSession::read`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOutcome {
    /// Bytes copied into the caller's buffer.
    pub len: usize,
    /// True when the buffer was filled; false when the timeout hit (or the session ended)
    /// first, in which case `len` bytes were still delivered.
    pub complete: bool,
}

enum Cmd {
    Write(u8, Vec<u8>),
    Packet(u8, Vec<u8>),
    Close,
    Abort,
    /// Makes the endpoint panic on its I/O thread (tests of the driver's panic handling).
    #[cfg(test)]
    Panic,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    cond: Condvar,
}

impl Shared {
    /// Waits for a notification (until `deadline`, if any), counted in
    /// [`State::readers_waiting`] meanwhile; true when the deadline has passed.
    fn wait(&self, st: &mut MutexGuard<'_, State>, deadline: Option<Instant>) -> bool {
        if deadline.is_some_and(|d| super::now() >= d) {
            return true;
        }
        st.readers_waiting += 1;
        let timed_out = match deadline {
            None => {
                self.cond.wait(st);
                false
            }
            Some(d) => self.cond.wait_until(st, d).timed_out(),
        };
        st.readers_waiting -= 1;
        timed_out
    }
}

#[derive(Debug)]
struct State {
    phase: RawState,
    /// `close()` or `abort()` was called: every call fails from now on.
    closed_called: bool,
    peer: Option<SocketAddr>,
    cipher: Option<String>,
    connected_at: Option<Instant>,
    /// Received bytes waiting for readers, per channel.
    rx: Vec<VecDeque<u8>>,
    /// Bytes the transport holds readable but not yet moved to `rx`.
    conn_readable: [usize; CHANNELS],
    /// Bytes written and not yet acknowledged (as of the I/O thread's last look).
    unacked: [usize; CHANNELS],
    /// Bytes handed to the I/O thread and not yet queued in the transport.
    queued: [usize; CHANNELS],
    /// Unreliable packets received, per channel.
    packets: Vec<VecDeque<Vec<u8>>>,
    /// What `packets` holds per channel: data plus [`DELIVERY_OVERHEAD`] per packet.
    packet_bytes: [usize; CHANNELS],
    /// Packets handed to the I/O thread and not yet sent.
    packets_queued: usize,
    packets_dropped: u64,
    skipped: u64,
    stats: ConnStats,
    /// The I/O side is gone: nothing more will arrive.
    ended: bool,
    /// Calls blocked in `read`, `recv_packet` or `wait_connected` right now (tests check that
    /// a waiter is really waiting: [`RawSession::blocked_calls`]).
    readers_waiting: usize,
}

/// A transport session with one device: byte streams and packets, no application layer.
/// Every method is callable from any thread, concurrently; dropping the session aborts it.
#[derive(Debug)]
pub struct RawSession {
    uid: Uid,
    connect_timeout: Duration,
    send_limit: usize,
    recv_limit: usize,
    packet_limit: usize,
    local: Option<SocketAddr>,
    socket_fd: Option<i32>,
    cmd: Sender<Cmd>,
    waker: EndpointWaker,
    driver: Driver,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cmd::Write(c, d) => write!(f, "Write(ch{c}, {} bytes)", d.len()),
            Cmd::Packet(c, d) => write!(f, "Packet(ch{c}, {} bytes)", d.len()),
            Cmd::Close => f.write_str("Close"),
            Cmd::Abort => f.write_str("Abort"),
            #[cfg(test)]
            Cmd::Panic => f.write_str("Panic"),
        }
    }
}

/// Most packets that may wait for the I/O thread before `send_packet` refuses more.
const MAX_PACKETS_QUEUED: usize = 1024;

#[cfg(unix)]
fn fd_of(s: &UdpSocket) -> Option<i32> {
    use std::os::fd::AsRawFd;
    Some(s.as_raw_fd())
}

#[cfg(not(unix))]
fn fd_of(_: &UdpSocket) -> Option<i32> {
    None
}

fn check_channel(channel: u8) -> Result<usize> {
    let c = channel as usize;
    if c >= CHANNELS {
        return Err(Error::InvalidArgument(
            format!("channel {channel} (channels are 0-7)").into(),
        ));
    }
    Ok(c)
}

impl RawSession {
    /// Binds the socket and starts the search and handshake on an I/O thread of the driver;
    /// returns at once. Use [`RawSession::wait_connected`] (or [`RawSession::connect`]).
    pub fn start(config: RawConfig) -> Result<RawSession> {
        let (cc, broadcast) = config.conn_config()?;
        let uid = cc.uid.clone();
        let socket = super::bind_session(config.bind, broadcast)?;
        let local = socket.local_addr().ok();
        let socket_fd = fd_of(&socket);
        let send_limit = cc.drw.send_buffer;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                phase: RawState::Connecting,
                closed_called: false,
                peer: None,
                cipher: None,
                connected_at: None,
                rx: (0..CHANNELS).map(|_| VecDeque::new()).collect(),
                conn_readable: [0; CHANNELS],
                unacked: [0; CHANNELS],
                queued: [0; CHANNELS],
                packets: (0..CHANNELS).map(|_| VecDeque::new()).collect(),
                packet_bytes: [0; CHANNELS],
                packets_queued: 0,
                packets_dropped: 0,
                skipped: 0,
                stats: ConnStats::default(),
                ended: false,
                readers_waiting: 0,
            }),
            cond: Condvar::new(),
        });
        let (cmd_tx, cmd_rx) = unbounded();
        let endpoint = RawEndpoint::new(
            Conn::new(cc, super::now()),
            cmd_rx,
            shared.clone(),
            config.recv_buffer,
            config.packet_queue,
        );
        let driver = config
            .driver
            .clone()
            .unwrap_or_else(|| Driver::global().clone());
        let waker = driver.register(vec![socket], Box::new(endpoint))?;
        Ok(RawSession {
            uid,
            connect_timeout: config.connect_timeout,
            send_limit,
            recv_limit: config.recv_buffer,
            packet_limit: config.packet_queue,
            local,
            socket_fd,
            cmd: cmd_tx,
            waker,
            driver,
            shared,
        })
    }

    /// [`RawSession::start`] followed by [`RawSession::wait_connected`].
    pub fn connect(config: RawConfig) -> Result<RawSession> {
        let s = RawSession::start(config)?;
        s.wait_connected()?;
        Ok(s)
    }

    /// Blocks until the handshake completes (`Ok`) or the attempt ends: [`Error::Offline`]
    /// when nothing answered the search, [`Error::Timeout`] when the handshake stalled,
    /// [`Error::Closed`] when [`RawSession::abort`] or [`RawSession::close`] ended it.
    pub fn wait_connected(&self) -> Result<()> {
        let mut st = self.shared.state.lock();
        loop {
            if st.closed_called {
                return Err(Error::Closed(ClosedBy::Local));
            }
            match st.phase {
                RawState::Connected => return Ok(()),
                RawState::Closed(r) => return Err(self.error_for(r)),
                RawState::Connecting => {
                    self.shared.wait(&mut st, None);
                }
            }
        }
    }

    /// The device's UID.
    pub fn uid(&self) -> &Uid {
        &self.uid
    }

    /// Where the session is in its life.
    pub fn state(&self) -> RawState {
        self.shared.state.lock().phase
    }

    /// True once [`RawSession::close`] or [`RawSession::abort`] was called.
    pub fn is_close_called(&self) -> bool {
        self.shared.state.lock().closed_called
    }

    /// Addresses and timing.
    pub fn info(&self) -> RawInfo {
        let st = self.shared.state.lock();
        RawInfo {
            peer: st.peer,
            local: self.local,
            cipher: st.cipher.clone(),
            connected_for: st.connected_at.map(super::since),
            socket_fd: self.socket_fd,
        }
    }

    /// Transport counters (refreshed by the I/O thread a few times per second).
    pub fn stats(&self) -> ConnStats {
        self.shared.state.lock().stats.clone()
    }

    /// Calls blocked right now in [`RawSession::read`], [`RawSession::recv_packet`] or
    /// [`RawSession::wait_connected`]: for tests that must know a call is waiting before they
    /// check that something wakes it.
    pub fn blocked_calls(&self) -> usize {
        self.shared.state.lock().readers_waiting
    }

    /// Unreliable packets dropped because nobody called [`RawSession::recv_packet`] in time.
    pub fn packets_dropped(&self) -> u64 {
        self.shared.state.lock().packets_dropped
    }

    fn error_for(&self, r: CloseReason) -> Error {
        Error::from_close(r, &self.uid.to_string(), self.connect_timeout)
    }

    /// The error of a call on a session that cannot carry it, if any.
    fn unusable(&self, st: &State) -> Option<Error> {
        if st.closed_called {
            return Some(Error::Closed(ClosedBy::Local));
        }
        match st.phase {
            RawState::Connected => None,
            RawState::Closed(r) => Some(self.error_for(r)),
            RawState::Connecting => Some(Error::InvalidArgument(
                "the session is not connected yet".into(),
            )),
        }
    }

    /// Queues `data` on `channel` (0–7) for reliable, ordered delivery; never blocks. All or
    /// nothing: [`Error::BufferFull`] when the channel would hold more than the send buffer
    /// (2 MB) written but not yet acknowledged.
    pub fn write(&self, channel: u8, data: &[u8]) -> Result<()> {
        let c = check_channel(channel)?;
        let mut st = self.shared.state.lock();
        if let Some(e) = self.unusable(&st) {
            return Err(e);
        }
        if data.is_empty() {
            return Ok(());
        }
        let held = st.queued[c] + st.unacked[c];
        if held + data.len() > self.send_limit {
            return Err(Error::BufferFull(
                format!(
                "channel {channel} holds {held} unacknowledged bytes; {} more would exceed the \
                 {} byte send buffer",
                data.len(),
                self.send_limit
            )
                .into(),
            ));
        }
        st.queued[c] += data.len();
        drop(st);
        self.send(Cmd::Write(channel, data.to_vec()))
    }

    fn send(&self, cmd: Cmd) -> Result<()> {
        self.cmd
            .send(cmd)
            .map_err(|_| Error::Closed(ClosedBy::Local))?;
        self.waker.wake();
        Ok(())
    }

    /// Reads exactly `buf.len()` bytes from `channel`, waiting up to `timeout` (`None`: no
    /// limit). When the timeout hits first, or the session ends with fewer bytes left, the
    /// bytes received so far are in `buf[..len]` and `complete` is false. Errors only when
    /// nothing was read: the session closed (see [`Error::Closed`]) or the arguments are bad.
    pub fn read(
        &self,
        channel: u8,
        buf: &mut [u8],
        timeout: Option<Duration>,
    ) -> Result<ReadOutcome> {
        let c = check_channel(channel)?;
        let deadline = timeout.map(|t| super::now() + t);
        let mut got = 0;
        let mut st = self.shared.state.lock();
        loop {
            if st.closed_called {
                return Err(Error::Closed(ClosedBy::Local));
            }
            let n = take_into(&mut st.rx[c], &mut buf[got..]);
            got += n;
            if got == buf.len() {
                return Ok(ReadOutcome {
                    len: got,
                    complete: true,
                });
            }
            let drained = st.conn_readable[c] == 0;
            if let (RawState::Closed(r), true) = (st.phase, drained) {
                // The I/O thread has moved everything it had: nothing more will come.
                if got > 0 {
                    return Ok(ReadOutcome {
                        len: got,
                        complete: false,
                    });
                }
                return Err(self.error_for(r));
            }
            if self.shared.wait(&mut st, deadline) {
                let n = take_into(&mut st.rx[c], &mut buf[got..]);
                return Ok(ReadOutcome {
                    len: got + n,
                    complete: got + n == buf.len(),
                });
            }
        }
    }

    /// `(write, read)`: bytes written on `channel` and not yet acknowledged by the device, and
    /// bytes readable now. Fails once the session is closed (by either side).
    pub fn buffered(&self, channel: u8) -> Result<(usize, usize)> {
        let c = check_channel(channel)?;
        let st = self.shared.state.lock();
        if let Some(e) = self.unusable(&st) {
            return Err(e);
        }
        Ok((
            st.queued[c] + st.unacked[c],
            st.rx[c].len() + st.conn_readable[c],
        ))
    }

    /// Bytes readable on `channel` right now, even after the session ended.
    pub fn readable(&self, channel: u8) -> usize {
        let st = self.shared.state.lock();
        st.rx.get(channel as usize).map_or(0, VecDeque::len)
            + st.conn_readable.get(channel as usize).copied().unwrap_or(0)
    }

    /// Sends one unreliable packet (MSG_PSR) of at most [`MAX_PACKET`] bytes on `channel`:
    /// never retransmitted, never acknowledged, may be lost or reordered.
    pub fn send_packet(&self, channel: u8, data: &[u8]) -> Result<()> {
        check_channel(channel)?;
        if data.is_empty() || data.len() > MAX_PACKET {
            return Err(Error::InvalidArgument(
                format!(
                    "a packet carries 1 to {MAX_PACKET} bytes, not {}",
                    data.len()
                )
                .into(),
            ));
        }
        let mut st = self.shared.state.lock();
        if let Some(e) = self.unusable(&st) {
            return Err(e);
        }
        if st.packets_queued >= MAX_PACKETS_QUEUED {
            return Err(Error::BufferFull(
                format!("{MAX_PACKETS_QUEUED} packets are already waiting to be sent").into(),
            ));
        }
        st.packets_queued += 1;
        drop(st);
        self.send(Cmd::Packet(channel, data.to_vec()))
    }

    /// Receives one unreliable packet from `channel` into `buf`, waiting up to `timeout`
    /// (`None`: no limit). `Ok(Some((copied, size)))`: `size` is the packet's size, of which
    /// `copied` bytes fit into `buf` (the rest is discarded). `Ok(None)`: timeout.
    pub fn recv_packet(
        &self,
        channel: u8,
        buf: &mut [u8],
        timeout: Option<Duration>,
    ) -> Result<Option<(usize, usize)>> {
        let c = check_channel(channel)?;
        let deadline = timeout.map(|t| super::now() + t);
        let mut st = self.shared.state.lock();
        loop {
            if st.closed_called {
                return Err(Error::Closed(ClosedBy::Local));
            }
            if let Some(p) = st.packets[c].pop_front() {
                st.packet_bytes[c] -= p.len() + DELIVERY_OVERHEAD;
                let n = p.len().min(buf.len());
                buf[..n].copy_from_slice(&p[..n]);
                return Ok(Some((n, p.len())));
            }
            if let RawState::Closed(r) = st.phase {
                return Err(self.error_for(r));
            }
            if self.shared.wait(&mut st, deadline) && st.packets[c].is_empty() {
                return Ok(None);
            }
        }
    }

    fn mark_closed_called(&self) {
        let mut st = self.shared.state.lock();
        st.closed_called = true;
        drop(st);
        self.shared.cond.notify_all();
    }

    /// Waits until the I/O side is gone (unless called on an I/O thread).
    fn join(&self) {
        if super::driver::on_io_thread() {
            return;
        }
        let mut st = self.shared.state.lock();
        while !st.ended {
            self.shared.cond.wait(&mut st);
        }
        drop(st);
        self.driver.reap();
    }

    /// Closes gracefully: data written so far gets up to the close linger to be acknowledged,
    /// then MSG_CLOSE is sent. Blocked calls return [`Error::Closed`] at once; this call
    /// returns when the session has ended. Idempotent.
    pub fn close(&self) {
        self.mark_closed_called();
        let _ = self.send(Cmd::Close);
        self.join();
    }

    /// Ends the session at once (MSG_CLOSE is sent if connected; unacknowledged data is
    /// abandoned). Blocked calls, including [`RawSession::wait_connected`], return at once.
    /// Idempotent.
    pub fn abort(&self) {
        self.mark_closed_called();
        let _ = self.send(Cmd::Abort);
        self.join();
    }

    /// The per-channel receive buffer size.
    pub fn recv_buffer(&self) -> usize {
        self.recv_limit
    }

    /// The per-channel packet queue length.
    pub fn packet_queue(&self) -> usize {
        self.packet_limit
    }
}

impl Drop for RawSession {
    fn drop(&mut self) {
        self.abort();
    }
}

/// Moves up to `out.len()` bytes from the front of `q` into `out`.
fn take_into(q: &mut VecDeque<u8>, out: &mut [u8]) -> usize {
    let n = q.len().min(out.len());
    if n == 0 {
        return 0;
    }
    let (a, b) = q.as_slices();
    let na = a.len().min(n);
    out[..na].copy_from_slice(&a[..na]);
    if n > na {
        out[na..n].copy_from_slice(&b[..n - na]);
    }
    q.drain(..n);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_into_handles_wrapped_deques() {
        let mut q: VecDeque<u8> = VecDeque::with_capacity(4);
        q.extend([1, 2, 3]);
        q.pop_front();
        q.extend([4, 5]);
        let mut out = [0u8; 3];
        assert_eq!(take_into(&mut q, &mut out), 3);
        assert_eq!(out, [2, 3, 4]);
        assert_eq!(q, VecDeque::from(vec![5]));
        assert_eq!(take_into(&mut q, &mut []), 0);
    }

    /// A session to a silent address on its own driver, whose I/O thread it shares with
    /// `others`.
    fn silent(driver: &Driver) -> RawSession {
        let mut c = RawConfig::new("DGOA-123456-ABCDE").host("127.0.0.1:9");
        c.broadcast = false;
        c.connect_timeout = Duration::from_secs(600);
        c.driver = Some(driver.clone());
        RawSession::start(c).expect("start")
    }

    #[test]
    fn a_panic_on_the_io_thread_wakes_every_blocked_reader_and_spares_the_others() {
        let driver = Driver::new(crate::client::DriverConfig::default());
        let victim = Arc::new(silent(&driver));
        let bystander = silent(&driver);
        let reader = {
            let v = victim.clone();
            std::thread::spawn(move || v.read(0, &mut [0u8; 4], None))
        };
        // The reader is provably blocked in `read` before the panic.
        while victim.shared.state.lock().readers_waiting == 0 {
            std::thread::yield_now();
        }
        victim.send(Cmd::Panic).expect("the endpoint is alive");
        let r = reader.join().expect("the reader thread returns");
        assert!(matches!(r, Err(Error::Closed(_))), "{r:?}");
        assert!(matches!(victim.state(), RawState::Closed(_)));
        // The other endpoint of the same I/O thread still runs: it still answers commands
        // and its I/O thread still serves it.
        assert_eq!(bystander.state(), RawState::Connecting);
        assert_eq!(driver.threads_running(), 1);
        assert_eq!(driver.endpoints(), 1);
        bystander.abort();
        victim.abort();
        assert_eq!(
            driver.threads_running(),
            0,
            "the last endpoint ends the thread"
        );
    }

    #[test]
    fn bad_configs_are_refused_before_any_socket() {
        assert!(matches!(
            RawSession::start(RawConfig::new("not a uid")),
            Err(Error::InvalidUid(_))
        ));
        let mut c = RawConfig::new("DGOA-123456-ABCDE").host("127.0.0.1:9");
        c.recv_buffer = 0;
        assert!(matches!(
            RawSession::start(c),
            Err(Error::InvalidArgument(_))
        ));
    }
}
