//! The sans-IO protocol core: codecs and state machines without sockets, threads, clock or RNG.
//!
//! Codecs are pure functions ([`packet`], [`uid`], [`cipher`], [`sockaddr`], [`command`] with
//! the three channel-0 dialects [`shix`], [`cgi`] and [`ilnk`], [`av`], [`adpcm`],
//! [`initstring`]); [`dialect`] chooses the dialect and [`ops`] maps the typed command
//! catalogue onto each; state machines take an injected `now`
//! ([`drw`] channels, [`conn`] for the transport session, [`controller`] for the application
//! layer on top, [`discovery`] for LAN search, [`reconnect`] for the reconnect policy);
//! [`dissect`] pretty-prints captured datagrams.

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
pub mod ops;
pub mod packet;
pub mod psk;
pub mod reconnect;
pub mod seq;
pub mod shix;
pub mod sockaddr;
pub mod uid;
pub mod vstc2;

use std::net::SocketAddr;

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
