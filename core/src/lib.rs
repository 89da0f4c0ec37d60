//! # pppp — the PPPP / CS2 / iLnkP2P camera protocol, controller side
//!
//! Millions of cheap Wi-Fi cameras (UIDs such as `DGOA-123456-ABCDE`) speak the PPPP family of
//! peer-to-peer protocols. This crate talks to them on the local network, privately, without the
//! vendor cloud or a closed vendor library.
//!
//! The crate has these parts:
//!
//! * [`proto`] — a **sans-IO** protocol core: codecs and state machines that are fed datagrams and
//!   an injected `now`, and that return datagrams to send, events and the next deadline. Nothing in
//!   it touches a socket, a thread, the clock or a global random number generator.
//! * [`client`] — a **synchronous driver**: one I/O thread per session owning a
//!   [`std::net::UdpSocket`] and the state machine, with channels for commands and frames.
//! * [`capture`] — reading captures for the dissector (link layers, hex dumps): input, not
//!   protocol.
//! * [`sim`] (feature `sim`, on by default) — a **simulator**: a virtual clock, a lossy, reordering,
//!   duplicating link and a complete fake camera, used by the tests and by `pppp camera`.
//!
//! ## The sans-IO contract
//!
//! Every state machine in [`proto`] follows the same rule: after *any* mutation
//! (`handle_datagram`, `handle_timeout`, a command), drain `poll_transmit()` until it returns
//! `None`, drain `poll_event()` until it returns `None`, then ask `poll_timeout()` for the next
//! deadline and call `handle_timeout(now)` no later than that. Spurious `handle_timeout` calls
//! are harmless.

#![cfg_attr(test, allow(clippy::disallowed_methods))] // unit tests may read the clock

pub mod capture;
pub mod client;
pub mod error;
pub mod media;
pub mod proto;
#[cfg(feature = "sim")]
pub mod sim;

pub use error::Error;
pub use proto::uid::Uid;
