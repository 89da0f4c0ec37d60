//! LAN search: [`discover`] (blocking) and [`Discovery`] (started, polled, cancelled), both
//! served by the driver's I/O threads.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};
use parking_lot::{Condvar, Mutex};

use super::driver::{Driver, Endpoint, EndpointWaker, Flow};
use super::session::Notify;
use super::{lan_targets_from_env, parse_host, LAN_PORT};
use crate::error::{Error, Result};
use crate::proto::discovery::{self, Device, DiscoveryConfig};
use crate::proto::psk::PskChoice;
use crate::proto::{SansIo, Transmit};

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
    /// Auto (every known PSK; the default), none, or one PSK ([`super::parse_psk`] reads the
    /// names users give).
    pub psk: PskChoice,
    /// Local address to bind.
    pub bind: Option<SocketAddr>,
    /// The driver whose I/O threads run the search (`None`: [`Driver::global`]).
    pub driver: Option<Driver>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            to: Vec::new(),
            broadcast: true,
            port: LAN_PORT,
            timeout: Duration::from_secs(2),
            psk: PskChoice::Auto,
            bind: None,
            driver: None,
        }
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
    let d = Discovery::start(options)?;
    while let Some(dev) = d.next_device(Duration::from_secs(3600)) {
        on_found(&dev);
    }
    Ok(d.found())
}

struct Shared {
    /// Set when the search endpoint is gone.
    done: Mutex<bool>,
    /// Every device found, with the other addresses that answered for its UID.
    found: Mutex<Vec<Device>>,
    cond: Condvar,
    notify: Mutex<Option<Notify>>,
}

/// A LAN search under way: devices arrive as they answer; [`Discovery::cancel`] (or drop) ends
/// it early. Every method is callable from any thread.
pub struct Discovery {
    devices: Receiver<Device>,
    cancel: Sender<()>,
    waker: EndpointWaker,
    driver: Driver,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovery")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl Discovery {
    /// Starts a search (see [`discover`] for where probes go) and returns at once.
    pub fn start(options: &DiscoverOptions) -> Result<Discovery> {
        let psk = options.psk.clone();
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
        let (tx, rx) = unbounded();
        let (cancel_tx, cancel_rx) = unbounded();
        let shared = Arc::new(Shared {
            done: Mutex::new(false),
            found: Mutex::new(Vec::new()),
            cond: Condvar::new(),
            notify: Mutex::new(None),
        });
        let endpoint = SearchEndpoint {
            search: discovery::Discovery::new(config, super::now()),
            devices: tx,
            cancel: cancel_rx,
            cancelled: false,
            shared: shared.clone(),
        };
        let driver = options
            .driver
            .clone()
            .unwrap_or_else(|| Driver::global().clone());
        let waker = driver.register(vec![socket], Box::new(endpoint))?;
        Ok(Discovery {
            devices: rx,
            cancel: cancel_tx,
            waker,
            driver,
            shared,
        })
    }

    /// Waits up to `timeout` for the next device; `None` on timeout or once the search is
    /// over and every device was returned.
    pub fn next_device(&self, timeout: Duration) -> Option<Device> {
        self.devices.recv_timeout(timeout).ok()
    }

    /// The next device, without waiting.
    pub fn try_next_device(&self) -> Option<Device> {
        self.devices.try_recv().ok()
    }

    /// True once the search is over (its time is up, or it was cancelled); devices found may
    /// still wait to be read.
    pub fn is_finished(&self) -> bool {
        *self.shared.done.lock()
    }

    /// Every device found so far, each with the other addresses that answered for its UID
    /// ([`Device::duplicates`]); complete once [`Discovery::is_finished`].
    pub fn found(&self) -> Vec<Device> {
        self.shared.found.lock().clone()
    }

    /// Sets the function called on an I/O thread when a device was found or the search ended
    /// (see [`Notify`]).
    pub fn set_notify(&self, notify: Option<Notify>) {
        *self.shared.notify.lock() = notify;
    }

    /// Ends the search now and returns once it is over. Devices found so far stay readable.
    pub fn cancel(&self) {
        let _ = self.cancel.send(());
        self.waker.wake();
        self.driver.await_end(&self.shared.done, &self.shared.cond);
    }
}

impl Drop for Discovery {
    fn drop(&mut self) {
        self.cancel();
    }
}

struct SearchEndpoint {
    search: discovery::Discovery,
    devices: Sender<Device>,
    cancel: Receiver<()>,
    cancelled: bool,
    shared: Arc<Shared>,
}

impl SansIo for SearchEndpoint {
    fn handle_datagram(&mut self, now: Instant, _local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.search.handle_datagram(now, from, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.search.handle_timeout(now);
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.search.poll_transmit()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.search.poll_timeout()
    }
}

impl Endpoint for SearchEndpoint {
    fn start(&mut self, _now: Instant) {}

    fn handle_wake(&mut self, _now: Instant) {
        if self.cancel.try_recv().is_ok() {
            self.cancelled = true;
        }
    }

    fn publish(&mut self, _now: Instant) -> Flow {
        let mut news = false;
        while let Some(dev) = self.search.poll_event() {
            news = true;
            let _ = self.devices.send(dev);
        }
        if news {
            *self.shared.found.lock() = self.search.devices().to_vec();
            notify(&self.shared);
        }
        if self.cancelled || self.search.is_done() {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
}

fn notify(shared: &Shared) {
    let f = shared.notify.lock().clone();
    if let Some(f) = f {
        f();
    }
}

impl Drop for SearchEndpoint {
    fn drop(&mut self) {
        *self.shared.found.lock() = self.search.devices().to_vec();
        *self.shared.done.lock() = true;
        self.shared.cond.notify_all();
        notify(&self.shared);
    }
}
