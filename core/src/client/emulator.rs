//! [`CameraServer`]: the fake camera of [`crate::sim`] on real UDP sockets, for `pppp camera`,
//! the demo, the C and Python tests, and anyone testing their own code without a camera.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use super::driver::{Driver, Endpoint, EndpointWaker, Flow};
use crate::error::Result;
use crate::proto::{SansIo, Transmit};
use crate::sim::{CameraConfig, CameraStats, FakeCamera, Link, LinkConfig};

/// How to run a [`CameraServer`].
#[derive(Clone, Debug)]
pub struct CameraServerConfig {
    /// The camera. `lan_addr` and `session_addr` are the addresses to bind; port 0 picks a free
    /// port (read the real ones back from the server).
    pub camera: CameraConfig,
    /// Impairments applied to every datagram in both directions, and their seed.
    pub link: Option<(LinkConfig, u64)>,
    /// The driver whose I/O threads run the camera (`None`: [`Driver::global`]).
    pub driver: Option<Driver>,
}

/// A running fake camera. Dropping it stops it.
#[derive(Debug)]
pub struct CameraServer {
    lan: SocketAddr,
    session: SocketAddr,
    shared: Arc<Shared>,
    waker: EndpointWaker,
    driver: Driver,
}

#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    stats: Mutex<CameraStats>,
    /// The camera's endpoint is gone.
    ended: Mutex<bool>,
    cond: Condvar,
}

/// Most datagrams the emulated link holds in flight (both directions).
const MAX_DELAYED: usize = 4096;

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Delayed {
    at: Instant,
    seq: u64,
    inbound: bool,
    local: SocketAddr,
    peer: SocketAddr,
    data: Vec<u8>,
}

impl CameraServer {
    /// Binds the camera's sockets and starts it on an I/O thread of the driver.
    pub fn start(config: CameraServerConfig) -> Result<CameraServer> {
        let mut cam = config.camera;
        let lan = super::bind_udp(cam.lan_addr)?;
        let lan_addr = lan.local_addr()?;
        let mut sockets = vec![lan];
        let session_addr = if cam.answer_from_lan_port {
            lan_addr
        } else {
            let s = super::bind_udp(cam.session_addr)?;
            let a = s.local_addr()?;
            sockets.push(s);
            a
        };
        cam.lan_addr = lan_addr;
        cam.session_addr = session_addr;
        let shared = Arc::new(Shared::default());
        let links = config.link.map(|(c, seed)| {
            (
                Link::new(c.clone(), seed),
                Link::new(c, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1)),
            )
        });
        let endpoint = CameraEndpoint {
            camera: FakeCamera::new(cam, super::now()),
            default_src: lan_addr,
            links,
            delayed: BinaryHeap::new(),
            out: VecDeque::new(),
            seq: 0,
            saturated: 0,
            shared: shared.clone(),
        };
        let driver = config.driver.unwrap_or_else(|| Driver::global().clone());
        let waker = driver.register(sockets, Box::new(endpoint))?;
        Ok(CameraServer {
            lan: lan_addr,
            session: session_addr,
            shared,
            waker,
            driver,
        })
    }

    /// Where the camera listens for LAN search.
    pub fn lan_addr(&self) -> SocketAddr {
        self.lan
    }

    /// The camera's session socket.
    pub fn session_addr(&self) -> SocketAddr {
        self.session
    }

    /// The camera's counters, with what the emulated link did in [`CameraStats::link`].
    pub fn stats(&self) -> CameraStats {
        self.shared.stats.lock().clone()
    }

    /// True until [`CameraServer::stop`] (or drop).
    pub fn is_running(&self) -> bool {
        !self.shared.stop.load(Ordering::Relaxed)
    }

    /// Stops the camera and waits until its sockets are closed.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.waker.wake();
        self.driver.await_end(&self.shared.ended, &self.shared.cond);
    }
}

impl Drop for CameraServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The camera on its I/O thread, with the optional impairments of its link.
struct CameraEndpoint {
    camera: FakeCamera,
    default_src: SocketAddr,
    /// (outbound, inbound) impairments.
    links: Option<(Link, Link)>,
    delayed: BinaryHeap<Reverse<Delayed>>,
    out: VecDeque<Transmit>,
    seq: u64,
    /// Datagrams lost because the emulated link held [`MAX_DELAYED`] already.
    saturated: u64,
    shared: Arc<Shared>,
}

impl CameraEndpoint {
    /// The camera's counters with its link's.
    fn stats(&self) -> CameraStats {
        let mut s = self.camera.stats();
        if let Some((outbound, inbound)) = &self.links {
            s.link = outbound.stats().sum(inbound.stats());
            s.link.lost += self.saturated;
        }
        s
    }

    fn delay(
        &mut self,
        at: Instant,
        inbound: bool,
        local: SocketAddr,
        peer: SocketAddr,
        data: &[u8],
    ) {
        if self.delayed.len() >= MAX_DELAYED {
            self.saturated += 1; // the emulated link is saturated: the datagram is lost
            return;
        }
        self.seq += 1;
        self.delayed.push(Reverse(Delayed {
            at,
            seq: self.seq,
            inbound,
            local,
            peer,
            data: data.to_vec(),
        }));
    }

    /// Moves the camera's datagrams out, through the outbound link when there is one.
    fn drain_camera(&mut self, now: Instant) {
        while let Some(t) = self.camera.poll_transmit() {
            let Some((outbound, _)) = &mut self.links else {
                self.out.push_back(t);
                continue;
            };
            let src = t.src.unwrap_or(self.default_src);
            for at in outbound.offer(now, t.data.len()) {
                self.delay(at, false, src, t.dst, &t.data);
            }
        }
    }

    fn release_due(&mut self, now: Instant) {
        while self.delayed.peek().is_some_and(|Reverse(d)| d.at <= now) {
            let Some(Reverse(d)) = self.delayed.pop() else {
                break;
            };
            if d.inbound {
                self.camera.handle_datagram(now, d.local, d.peer, &d.data);
            } else {
                self.out.push_back(Transmit {
                    src: Some(d.local),
                    dst: d.peer,
                    data: d.data,
                });
            }
        }
    }
}

impl SansIo for CameraEndpoint {
    fn handle_datagram(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]) {
        match &mut self.links {
            None => self.camera.handle_datagram(now, local, from, data),
            Some((_, inbound)) => {
                for at in inbound.offer(now, data.len()) {
                    self.delay(at, true, local, from, data);
                }
                self.release_due(now);
            }
        }
        self.drain_camera(now);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.release_due(now);
        if self.camera.poll_timeout().is_some_and(|t| t <= now) {
            self.camera.handle_timeout(now);
        }
        self.drain_camera(now);
        // What the camera sent through the link with no delay goes out now too.
        self.release_due(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let d = self.delayed.peek().map(|Reverse(d)| d.at);
        crate::proto::earliest(self.camera.poll_timeout(), d)
    }
}

impl Endpoint for CameraEndpoint {
    fn start(&mut self, _now: Instant) {}

    fn handle_wake(&mut self, _now: Instant) {}

    fn publish(&mut self, _now: Instant) -> Flow {
        // What a request changed is visible before its reply leaves (replies wait for the
        // emulated processing delay), so a client that got a reply sees it in `stats()`.
        *self.shared.stats.lock() = self.stats();
        if self.shared.stop.load(Ordering::Relaxed) {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
}

impl Drop for CameraEndpoint {
    fn drop(&mut self) {
        *self.shared.stats.lock() = self.stats();
        *self.shared.ended.lock() = true;
        self.shared.cond.notify_all();
    }
}
