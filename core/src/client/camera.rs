//! [`CameraServer`]: the fake camera of [`crate::sim`] on real UDP sockets, for `pppp camera`,
//! the demo, the C and Python tests, and anyone testing their own code without a camera.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, TrySendError};
use parking_lot::Mutex;

use crate::error::Result;
use crate::sim::{CameraConfig, CameraStats, FakeCamera, Link, LinkConfig};

/// How to run a [`CameraServer`].
#[derive(Clone, Debug)]
pub struct CameraServerConfig {
    /// The camera. `lan_addr` and `session_addr` are the addresses to bind; port 0 picks a free
    /// port (read the real ones back from the server).
    pub camera: CameraConfig,
    /// Impairments applied to every datagram in both directions, and their seed.
    pub link: Option<(LinkConfig, u64)>,
}

/// Datagrams read from the sockets and not yet handled by the camera (each at most 2 KiB):
/// beyond it, datagrams are dropped as a full socket buffer would.
const MAX_INCOMING: usize = 1024;
/// Datagrams held back by the link impairments, both directions together; beyond it they are
/// dropped, as on a saturated link.
const MAX_DELAYED: usize = 4096;

/// A running fake camera. Dropping it stops it.
#[derive(Debug)]
pub struct CameraServer {
    lan: SocketAddr,
    session: SocketAddr,
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<CameraStats>>,
    threads: Vec<JoinHandle<()>>,
}

struct Incoming {
    local: SocketAddr,
    from: SocketAddr,
    data: Vec<u8>,
}

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
    /// Binds the camera's sockets and starts it on a background thread.
    pub fn start(config: CameraServerConfig) -> Result<CameraServer> {
        let mut cam = config.camera;
        let lan = super::bind_udp(cam.lan_addr)?;
        let lan_addr = lan.local_addr()?;
        let (session, session_addr) = if cam.answer_from_lan_port {
            (None, lan_addr)
        } else {
            let s = super::bind_udp(cam.session_addr)?;
            let a = s.local_addr()?;
            (Some(s), a)
        };
        cam.lan_addr = lan_addr;
        cam.session_addr = session_addr;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(CameraStats::default()));
        let (tx, rx) = bounded(MAX_INCOMING);
        let mut threads = Vec::new();
        let mut sockets = vec![(lan_addr, lan.try_clone()?)];
        let mut readers = vec![lan];
        if let Some(s) = session {
            sockets.push((session_addr, s.try_clone()?));
            readers.push(s);
        }
        for sock in readers {
            let tx = tx.clone();
            let stop = stop.clone();
            sock.set_read_timeout(Some(Duration::from_millis(50)))?;
            let local = sock.local_addr()?;
            threads.push(
                std::thread::Builder::new()
                    .name("pppp-camera-rx".into())
                    .spawn(move || {
                        let mut buf = vec![0u8; 2048];
                        while !stop.load(Ordering::Relaxed) {
                            if let Ok((n, from)) = sock.recv_from(&mut buf) {
                                let msg = Incoming {
                                    local,
                                    from,
                                    data: buf[..n].to_vec(),
                                };
                                if let Err(TrySendError::Disconnected(_)) = tx.try_send(msg) {
                                    return;
                                }
                            }
                        }
                    })?,
            );
        }
        let camera = FakeCamera::new(cam, super::now());
        let links = config.link.map(|(c, seed)| {
            (
                Link::new(c.clone(), seed),
                Link::new(c, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1)),
            )
        });
        let runner = Runner {
            camera,
            rx,
            sockets,
            links,
            delayed: BinaryHeap::new(),
            seq: 0,
            stop: stop.clone(),
            stats: stats.clone(),
        };
        threads.push(
            std::thread::Builder::new()
                .name("pppp-camera".into())
                .spawn(move || runner.run())?,
        );
        Ok(CameraServer {
            lan: lan_addr,
            session: session_addr,
            stop,
            stats,
            threads,
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

    /// The camera's counters.
    pub fn stats(&self) -> CameraStats {
        self.stats.lock().clone()
    }

    /// True until [`CameraServer::stop`] (or drop).
    pub fn is_running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    /// Stops the camera and joins its threads.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for CameraServer {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Runner {
    camera: FakeCamera,
    rx: Receiver<Incoming>,
    sockets: Vec<(SocketAddr, UdpSocket)>,
    /// (outbound, inbound) impairments.
    links: Option<(Link, Link)>,
    delayed: BinaryHeap<Reverse<Delayed>>,
    seq: u64,
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<CameraStats>>,
}

impl Runner {
    fn run(mut self) {
        let mut last_stats = super::now();
        while !self.stop.load(Ordering::Relaxed) {
            let now = super::now();
            self.release_due(now);
            if self.camera.poll_timeout().is_some_and(|t| t <= now) {
                self.camera.handle_timeout(now);
            }
            self.flush(now);
            if now >= last_stats + Duration::from_millis(100) {
                *self.stats.lock() = self.camera.stats();
                last_stats = now;
            }
            let mut next = now + Duration::from_millis(20);
            if let Some(t) = self.camera.poll_timeout() {
                next = next.min(t);
            }
            if let Some(Reverse(d)) = self.delayed.peek() {
                next = next.min(d.at);
            }
            let wait = next
                .saturating_duration_since(super::now())
                .max(Duration::from_micros(100));
            match self.rx.recv_timeout(wait) {
                Ok(m) => self.inbound(m),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            // Drain whatever else arrived meanwhile.
            while let Ok(m) = self.rx.try_recv() {
                self.inbound(m);
            }
            // What a request changed is visible before its reply leaves (replies wait for the
            // emulated processing delay), so a client that got a reply sees it in `stats()`.
            *self.stats.lock() = self.camera.stats();
        }
        *self.stats.lock() = self.camera.stats();
    }

    fn inbound(&mut self, m: Incoming) {
        let now = super::now();
        match &mut self.links {
            None => self.camera.handle_datagram(now, m.local, m.from, &m.data),
            Some((_, inbound)) => {
                for at in inbound.offer(now, m.data.len()) {
                    if self.delayed.len() >= MAX_DELAYED {
                        break;
                    }
                    self.seq += 1;
                    self.delayed.push(Reverse(Delayed {
                        at,
                        seq: self.seq,
                        inbound: true,
                        local: m.local,
                        peer: m.from,
                        data: m.data.clone(),
                    }));
                }
            }
        }
    }

    fn flush(&mut self, now: Instant) {
        while let Some(t) = self.camera.poll_transmit() {
            let src = t.src.unwrap_or(self.sockets[0].0);
            match &mut self.links {
                None => self.send(src, t.dst, &t.data),
                Some((outbound, _)) => {
                    for at in outbound.offer(now, t.data.len()) {
                        if self.delayed.len() >= MAX_DELAYED {
                            break;
                        }
                        self.seq += 1;
                        self.delayed.push(Reverse(Delayed {
                            at,
                            seq: self.seq,
                            inbound: false,
                            local: src,
                            peer: t.dst,
                            data: t.data.clone(),
                        }));
                    }
                }
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
                self.send(d.local, d.peer, &d.data);
            }
        }
    }

    fn send(&self, src: SocketAddr, dst: SocketAddr, data: &[u8]) {
        let sock = self
            .sockets
            .iter()
            .find(|(a, _)| *a == src)
            .map_or(&self.sockets[0].1, |(_, s)| s);
        let _ = sock.send_to(data, dst);
    }
}
