//! The blocking socket loop shared by every driver: drain transmits, sleep in `recv_from` until
//! the next deadline (or a short tick, to pick up commands), feed what arrives.

use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::proto::Transmit;

/// Longest the loop sleeps before looking at its command channel again.
pub(crate) const TICK: Duration = Duration::from_millis(5);

/// Largest datagram accepted (PPPP datagrams are at most 1500 bytes; leave room for oddities).
const RECV_BUF: usize = 2048;

/// A sans-IO state machine the loop can drive.
pub(crate) trait Machine {
    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]);
    fn handle_timeout(&mut self, now: Instant);
    fn poll_transmit(&mut self) -> Option<Transmit>;
    fn poll_timeout(&self) -> Option<Instant>;
}

/// Whether the loop goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Stop,
}

/// Owns the socket and runs a [`Machine`].
#[derive(Debug)]
pub(crate) struct IoLoop {
    socket: UdpSocket,
    buf: Vec<u8>,
    read_timeout: Option<Duration>,
    /// Errors from `send_to` (e.g. ICMP unreachable reported late); counted, not fatal.
    pub(crate) send_errors: u64,
}

impl IoLoop {
    pub(crate) fn new(socket: UdpSocket) -> Self {
        IoLoop {
            socket,
            buf: vec![0; RECV_BUF],
            read_timeout: None,
            send_errors: 0,
        }
    }

    /// Sends everything the machine has queued.
    pub(crate) fn flush<M: Machine>(&mut self, m: &mut M) {
        while let Some(t) = m.poll_transmit() {
            if let Err(e) = self.socket.send_to(&t.data, t.dst) {
                self.send_errors += 1;
                tracing::debug!(dst = %t.dst, "send failed: {e}");
            }
        }
    }

    /// Runs until `step` returns [`Flow::Stop`]. `step` is called once per iteration, after
    /// input was fed and before transmits are flushed, with the current time: it applies
    /// commands and drains events.
    pub(crate) fn run<M: Machine>(
        &mut self,
        m: &mut M,
        mut step: impl FnMut(&mut M, Instant) -> Flow,
    ) {
        loop {
            let now = super::now();
            if step(m, now) == Flow::Stop {
                self.flush(m);
                return;
            }
            self.flush(m);
            let deadline = m.poll_timeout();
            let now = super::now();
            if deadline.is_some_and(|d| d <= now) {
                m.handle_timeout(now);
                continue;
            }
            let wait = deadline
                .map_or(TICK, |d| d.saturating_duration_since(now))
                .clamp(Duration::from_micros(200), TICK);
            self.recv(m, wait);
        }
    }

    /// Waits up to `wait` for a datagram, then drains whatever else is already queued.
    fn recv<M: Machine>(&mut self, m: &mut M, wait: Duration) {
        if self.read_timeout != Some(wait) {
            if self.socket.set_read_timeout(Some(wait)).is_err() {
                return;
            }
            self.read_timeout = Some(wait);
        }
        match self.socket.recv_from(&mut self.buf) {
            Ok((n, from)) => {
                let now = super::now();
                m.handle_datagram(now, from, &self.buf[..n]);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => {
                // ICMP port unreachable surfaces as ConnectionRefused/Reset on some platforms.
                tracing::trace!("recv error: {e}");
            }
        }
    }
}
