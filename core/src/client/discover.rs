//! [`discover`]: find cameras on the LAN.

use std::net::SocketAddr;
use std::time::Duration;

use super::io::{Flow, IoLoop, Machine};
use super::{lan_targets_from_env, parse_host, LAN_PORT};
use crate::error::{Error, Result};
use crate::proto::discovery::{Device, Discovery, DiscoveryConfig};
use crate::proto::psk::PskChoice;
use crate::proto::Transmit;

/// Options of [`discover`].
#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    /// Unicast targets `HOST[:PORT]` (port 32108 by default).
    pub to: Vec<String>,
    /// Also broadcast on every IPv4 interface (ignored when [`super::LAN_TARGETS_ENV`] is set).
    pub broadcast: bool,
    /// The devices' LAN-search port for broadcasts.
    pub port: u16,
    /// How long to listen.
    pub timeout: Duration,
    /// `auto` (every known PSK), `none`, a PSK name or `custom:<psk>`.
    pub psk: String,
    /// Local address to bind.
    pub bind: Option<SocketAddr>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            to: Vec::new(),
            broadcast: true,
            port: LAN_PORT,
            timeout: Duration::from_secs(2),
            psk: "auto".into(),
            bind: None,
        }
    }
}

impl Machine for Discovery {
    fn handle_datagram(&mut self, now: std::time::Instant, from: SocketAddr, data: &[u8]) {
        Discovery::handle_datagram(self, now, from, data)
    }
    fn handle_timeout(&mut self, now: std::time::Instant) {
        Discovery::handle_timeout(self, now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        Discovery::poll_transmit(self)
    }
    fn poll_timeout(&self) -> Option<std::time::Instant> {
        Discovery::poll_timeout(self)
    }
}

/// Searches the LAN for cameras and returns every one that answered within the timeout.
///
/// Probes go to each `to` address by unicast, to the targets of `PPPP_LAN_TARGETS` if set,
/// and otherwise (when `broadcast` is on) to the broadcast address of every IPv4 interface.
pub fn discover(options: &DiscoverOptions) -> Result<Vec<Device>> {
    discover_with(options, |_| {})
}

/// [`discover`], calling `on_found` on the calling thread for each device as soon as it
/// answers (before the listening time is over).
pub fn discover_with(
    options: &DiscoverOptions,
    mut on_found: impl FnMut(&Device),
) -> Result<Vec<Device>> {
    let psk = PskChoice::parse(&options.psk)?;
    let mut targets = options
        .to
        .iter()
        .map(|t| parse_host(t, options.port))
        .collect::<Result<Vec<_>>>()?;
    let mut broadcast = false;
    match lan_targets_from_env() {
        Some(env) => targets.extend(env?),
        None if options.broadcast => {
            broadcast = true;
            targets.extend(super::broadcast_targets(options.port));
        }
        None => {}
    }
    if targets.is_empty() {
        return Err(Error::InvalidArgument(
            "nothing to search: give --to addresses or enable broadcast".into(),
        ));
    }
    let bind = options
        .bind
        .unwrap_or_else(|| "0.0.0.0:0".parse().expect("valid literal"));
    let socket = super::bind_udp(bind)?;
    if broadcast {
        socket.set_broadcast(true)?;
    }
    let mut config = DiscoveryConfig::new(targets);
    config.psk = psk;
    config.duration = options.timeout;
    let mut d = Discovery::new(config, super::now());
    let mut io = IoLoop::new(socket);
    io.run(&mut d, |d, _| {
        while let Some(dev) = d.poll_event() {
            on_found(&dev);
        }
        if d.is_done() {
            Flow::Stop
        } else {
            Flow::Continue
        }
    });
    Ok(d.devices().to_vec())
}
