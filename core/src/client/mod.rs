//! The client: real sockets and threads around the sans-IO core.
//!
//! * [`Driver`] runs every session, search and emulated camera of the process on a few I/O
//!   threads (one by default): readiness polling, a timer heap, batched datagram I/O.
//! * [`discover`] / [`Discovery`] find cameras on the LAN (broadcast on every interface
//!   and/or unicast).
//! * [`Session`] is one camera: a [`crate::proto::supervisor::Supervisor`] on an I/O thread;
//!   commands reach it through a channel and the driver's waker, frames leave through queues
//!   bounded in frames and bytes (video and audio drop the oldest frame when the consumer
//!   falls behind, and count the drops; command replies are never dropped).
//! * [`RawSession`] is the transport alone (byte-stream channels and unreliable packets, no
//!   application layer), as the vendor-compatible C API needs it.
//!
//! This module is the only part of the crate that reads the clock or touches the OS.

mod choices;
mod discover;
pub mod driver;
#[cfg(feature = "sim")]
mod emulator;
mod queue;
mod raw;
mod session;

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Instant;

pub use choices::{parse_dialect, parse_family, parse_psk};
pub use discover::{discover, discover_with, DiscoverOptions, Discovery};
pub use driver::{Driver, DriverConfig, DEFAULT_IDLE_REST};
#[cfg(feature = "sim")]
pub use emulator::{CameraServer, CameraServerConfig};
pub use raw::{RawConfig, RawInfo, RawSession, RawState, ReadOutcome, MAX_PACKET};
pub use session::{Completion, Notify, Session, SessionConfig, SessionEvent, SessionStats};

pub use crate::media::Frame;
pub use crate::proto::discovery::{Device, LAN_PORT};

use crate::error::{Error, Result};

/// The environment variable listing LAN-search targets (`host[:port],…`). When set, searches
/// go to these addresses by unicast instead of broadcast.
pub const LAN_TARGETS_ENV: &str = "PPPP_LAN_TARGETS";

/// Kernel receive buffer requested for every socket: a camera sends bursts of up to 128
/// full-size DRW packets per channel, more than the usual 208 KiB default holds.
const RECV_BUFFER: usize = 4 * 1024 * 1024;
/// Kernel send buffer requested for every socket.
const SEND_BUFFER: usize = 1024 * 1024;

/// Binds a UDP socket with large kernel buffers (best effort: the OS may cap them).
pub(crate) fn bind_udp(addr: SocketAddr) -> std::io::Result<std::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    let _ = socket.set_recv_buffer_size(RECV_BUFFER);
    let _ = socket.set_send_buffer_size(SEND_BUFFER);
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Binds the socket of a session (at `bind`, else any port of any address), allowing
/// broadcasts when `broadcast`.
pub(crate) fn bind_session(
    bind: Option<SocketAddr>,
    broadcast: bool,
) -> std::io::Result<std::net::UdpSocket> {
    let bind = bind.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
    let socket = bind_udp(bind)?;
    if broadcast {
        socket.set_broadcast(true)?;
    }
    Ok(socket)
}

/// Where a session's search goes: `targets` and `host` (`HOST[:PORT]`, at the LAN-search
/// port by default); when that is nothing, the addresses of [`LAN_TARGETS_ENV`], else (when
/// `broadcast`) every interface's broadcast address. Returns the targets (possibly none) and
/// whether the search is a broadcast.
pub(crate) fn search_targets(
    host: Option<&str>,
    targets: &[SocketAddr],
    broadcast: bool,
) -> Result<(Vec<SocketAddr>, bool)> {
    let mut targets = targets.to_vec();
    if let Some(h) = host {
        targets.push(parse_host(h, LAN_PORT)?);
    }
    if !targets.is_empty() {
        return Ok((targets, false));
    }
    match lan_targets_from_env() {
        Some(t) => Ok((t?, false)),
        None if broadcast => Ok((broadcast_targets(LAN_PORT), true)),
        None => Ok((Vec::new(), false)),
    }
}

/// The one clock read of the library.
#[allow(clippy::disallowed_methods)]
pub(crate) fn now() -> Instant {
    Instant::now()
}

/// How long ago the last datagram of `frame` arrived ([`Frame::received_at`]): the latency of
/// a frame when asked as it is handed over. `None` for a frame not received by a session.
pub fn frame_age(frame: &Frame) -> Option<std::time::Duration> {
    frame.received_at.map(since)
}

/// Time elapsed since `t` on the library's clock (zero for a `t` ahead of it).
pub fn since(t: Instant) -> std::time::Duration {
    now().saturating_duration_since(t)
}

/// The wall clock, since the Unix epoch: only to convert the kernel's receive timestamps
/// (taken on that clock) to [`now`]'s.
#[allow(clippy::disallowed_methods)]
pub(crate) fn wall_now() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// Parses `HOST[:PORT]` (a name, an IPv4 address, or `[v6]:port`) into a socket address,
/// using `default_port` when none is given. Names are resolved; IPv4 results are preferred.
pub fn parse_host(s: &str, default_port: u16) -> Result<SocketAddr> {
    let s = s.trim();
    let bad = |reason: &str| Error::InvalidAddress {
        addr: s.to_owned(),
        reason: reason.to_owned(),
    };
    if s.is_empty() {
        return Err(bad("empty"));
    }
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Ok(ip) = s.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, default_port));
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => {
            let port = p
                .parse::<u16>()
                .map_err(|_| bad("the port must be a number 0-65535"))?;
            (h, port)
        }
        _ => (s, default_port),
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| bad(&format!("cannot resolve: {e}")))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| bad("name resolved to no address"))
}

/// The targets of [`LAN_TARGETS_ENV`], if the variable is set and not empty.
pub fn lan_targets_from_env() -> Option<Result<Vec<SocketAddr>>> {
    let v = std::env::var(LAN_TARGETS_ENV).ok()?;
    if v.trim().is_empty() {
        return None;
    }
    Some(
        v.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| parse_host(p, LAN_PORT))
            .collect(),
    )
}

/// The broadcast addresses of this machine's IPv4 interfaces (plus 255.255.255.255).
pub fn broadcast_targets(port: u16) -> Vec<SocketAddr> {
    let ifaces: Vec<crate::proto::discovery::Interface> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| match i.addr {
            if_addrs::IfAddr::V4(v4) => Some(crate::proto::discovery::Interface {
                ip: v4.ip,
                netmask: v4.netmask,
            }),
            _ => None,
        })
        .collect();
    crate::proto::discovery::broadcast_targets(&ifaces, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms() {
        assert_eq!(
            parse_host("127.0.0.1", 32108).unwrap().to_string(),
            "127.0.0.1:32108"
        );
        assert_eq!(
            parse_host("127.0.0.1:9", 32108).unwrap().to_string(),
            "127.0.0.1:9"
        );
        assert_eq!(parse_host("localhost:9", 1).unwrap().port(), 9);
        assert!(parse_host("127.0.0.1:x", 1).is_err());
        assert!(parse_host("", 1).is_err());
    }
}
