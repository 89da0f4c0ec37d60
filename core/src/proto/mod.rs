//! The sans-IO protocol core: codecs and state machines without sockets, threads, clock or RNG.
//!
//! Codecs are pure functions ([`packet`], [`uid`], [`cipher`], [`sockaddr`], [`command`] with
//! the byte formats of the three channel-0 dialects [`shix`], [`cgi`] and [`ilnk`], [`av`],
//! [`adpcm`], [`initstring`]); [`dialect`] holds each dialect's rules in one file (framing,
//! UID prefixes, login, requests, reply matching, typed results) and chooses among them;
//! [`ops`] is the typed command catalogue and [`operation`] the table the bindings expose;
//! state machines take an injected `now` ([`drw`] channels, [`conn`] for the transport
//! session, [`controller`] for the application layer on top, [`supervisor`] for reconnection,
//! [`discovery`] for LAN search, [`reconnect`] for the reconnect policy); [`dissect`]
//! pretty-prints captured datagrams.

pub mod adpcm;
pub mod av;
pub mod cgi;
pub mod cipher;
pub mod command;
pub mod conn;
pub mod controller;
pub mod dialect;
pub mod discovery;
pub mod dissect;
pub mod drw;
pub mod ilnk;
pub mod initstring;
pub mod operation;
pub mod ops;
pub mod packet;
pub mod psk;
pub mod reconnect;
pub mod seq;
pub mod shix;
pub mod sockaddr;
pub mod supervisor;
pub mod uid;
pub mod vstc2;

use std::net::SocketAddr;
use std::time::Instant;

/// The shape every sans-IO state machine shares, so that one driver (the client's event loop,
/// the simulator's network) can run any of them.
///
/// After any mutation, drain [`SansIo::poll_transmit`] until `None`, drain the machine's own
/// events, then call [`SansIo::handle_timeout`] no later than [`SansIo::poll_timeout`].
/// Spurious `handle_timeout` calls are harmless.
pub trait SansIo {
    /// A datagram arrived at the local address `local` from `from`.
    fn handle_datagram(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]);
    /// Advances timers.
    fn handle_timeout(&mut self, now: Instant);
    /// The next datagram to send.
    fn poll_transmit(&mut self) -> Option<Transmit>;
    /// When `handle_timeout` must be called next (`None`: no timer).
    fn poll_timeout(&self) -> Option<Instant>;
}

/// The earlier of two optional deadlines (`None`: no deadline), as a machine made of parts
/// reports its next one.
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A datagram a state machine wants sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The local socket to send from, for state machines that own several (the fake camera's
    /// LAN-search socket and session socket); `None` means "the" socket.
    pub src: Option<SocketAddr>,
    /// Destination address.
    pub dst: SocketAddr,
    /// The datagram, already encrypted when a PSK is in use.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Transmit({:?} -> {}, {} bytes)",
            self.src,
            self.dst,
            self.data.len()
        )
    }
}

/// [`SansIo`] for the machines that own one socket (their `handle_datagram` ignores `local`).
macro_rules! single_socket {
    ($($t:ty),*) => {$(
        impl SansIo for $t {
            fn handle_datagram(&mut self, now: Instant, _local: SocketAddr, from: SocketAddr, data: &[u8]) {
                <$t>::handle_datagram(self, now, from, data)
            }
            fn handle_timeout(&mut self, now: Instant) {
                <$t>::handle_timeout(self, now)
            }
            fn poll_transmit(&mut self) -> Option<Transmit> {
                <$t>::poll_transmit(self)
            }
            fn poll_timeout(&self) -> Option<Instant> {
                <$t>::poll_timeout(self)
            }
        }
    )*};
}

single_socket!(
    conn::Conn,
    controller::Controller,
    discovery::Discovery,
    supervisor::Supervisor
);
