//! A simulated network of sans-IO nodes joined by a [`Link`], driven on a [`SimClock`].

use std::any::Any;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use super::{Link, LinkConfig, SimClock};
use crate::proto::{SansIo, Transmit};

/// Anything that can sit on the simulated network: a sans-IO machine with addresses.
pub trait Node: SansIo + Any {
    /// The addresses the node receives on (its sockets).
    fn addrs(&self) -> Vec<SocketAddr>;
    /// Upcast for typed access.
    fn as_any(&self) -> &dyn Any;
    /// Upcast for typed access.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// A single-socket state machine (controller, supervisor, transport, discovery) bound to one
/// address.
#[derive(Debug)]
pub struct Endpoint<M> {
    /// The socket address.
    pub addr: SocketAddr,
    /// The state machine.
    pub machine: M,
}

impl<M> Endpoint<M> {
    /// Binds `machine` to `addr`.
    pub fn new(addr: SocketAddr, machine: M) -> Self {
        Endpoint { addr, machine }
    }
}

impl<M: SansIo> SansIo for Endpoint<M> {
    fn handle_datagram(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.machine.handle_datagram(now, local, from, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.machine.handle_timeout(now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.machine.poll_transmit()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.machine.poll_timeout()
    }
}

impl<M: SansIo + 'static> Node for Endpoint<M> {
    fn addrs(&self) -> Vec<SocketAddr> {
        vec![self.addr]
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A node that was unplugged: no address, no timer.
struct Gone;

impl SansIo for Gone {
    fn handle_datagram(&mut self, _: Instant, _: SocketAddr, _: SocketAddr, _: &[u8]) {}
    fn handle_timeout(&mut self, _: Instant) {}
    fn poll_transmit(&mut self) -> Option<Transmit> {
        None
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}

impl Node for Gone {
    fn addrs(&self) -> Vec<SocketAddr> {
        Vec::new()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Index of a node in a [`Network`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeId(usize);

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Instant,
    seq: u64,
    from: SocketAddr,
    to: SocketAddr,
    data: Vec<u8>,
}

/// Counters of a [`Network`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Datagrams delivered to a node.
    pub delivered: u64,
    /// Datagrams to an address no node has.
    pub unroutable: u64,
    /// Steps taken.
    pub steps: u64,
}

/// Nodes, a link and a virtual clock. Every datagram crosses the link (loss, duplication,
/// reordering, latency); delivery and timers run in virtual-time order.
pub struct Network {
    clock: SimClock,
    link: Link,
    nodes: Vec<Box<dyn Node>>,
    by_addr: HashMap<SocketAddr, usize>,
    queue: BinaryHeap<Reverse<InFlight>>,
    seq: u64,
    stats: NetStats,
    capture: Option<Vec<Captured>>,
}

/// A datagram as a capture at the receiver saw it (see [`Network::capture`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Captured {
    /// Virtual time since the network was created.
    pub at: Duration,
    /// Sender.
    pub from: SocketAddr,
    /// Receiver.
    pub to: SocketAddr,
    /// The datagram as on the wire.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("now", &self.clock.elapsed())
            .field("nodes", &self.nodes.len())
            .field("in_flight", &self.queue.len())
            .finish()
    }
}

impl Network {
    /// An empty network whose link has `config`, seeded with `seed`.
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        Network {
            clock: SimClock::new(),
            link: Link::new(config, seed),
            nodes: Vec::new(),
            by_addr: HashMap::new(),
            queue: BinaryHeap::new(),
            seq: 0,
            stats: NetStats::default(),
            capture: None,
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Virtual time since the network was created.
    pub fn elapsed(&self) -> Duration {
        self.clock.elapsed()
    }

    /// The link, e.g. to change impairments mid-test.
    pub fn link_mut(&mut self) -> &mut Link {
        &mut self.link
    }

    /// The link.
    pub fn link(&self) -> &Link {
        &self.link
    }

    /// Starts (or stops) recording every delivered datagram, like a packet capture taken on
    /// the network (for the dissector and its tests).
    pub fn capture(&mut self, on: bool) {
        self.capture = on.then(|| self.capture.take().unwrap_or_default());
    }

    /// The datagrams recorded since the last call.
    pub fn take_captured(&mut self) -> Vec<Captured> {
        self.capture
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Counters.
    pub fn stats(&self) -> NetStats {
        self.stats
    }

    /// Adds a node; its addresses must be unique in the network.
    pub fn add<N: Node>(&mut self, node: N) -> NodeId {
        let id = self.nodes.len();
        for a in node.addrs() {
            let prev = self.by_addr.insert(a, id);
            assert!(prev.is_none(), "address {a} used twice in the simulation");
        }
        self.nodes.push(Box::new(node));
        NodeId(id)
    }

    /// Unplugs node `id`: datagrams to its addresses are lost from now on and its timers stop
    /// (a camera switched off). Its id stays valid for [`Network::replace`].
    pub fn unplug(&mut self, id: NodeId) {
        self.by_addr.retain(|_, i| *i != id.0);
        self.nodes[id.0] = Box::new(Gone);
    }

    /// Puts `node` where node `id` was (unplugging it first): a camera that comes back,
    /// possibly with other addresses.
    pub fn replace<N: Node>(&mut self, id: NodeId, node: N) {
        self.unplug(id);
        for a in node.addrs() {
            let prev = self.by_addr.insert(a, id.0);
            assert!(prev.is_none(), "address {a} used twice in the simulation");
        }
        self.nodes[id.0] = Box::new(node);
    }

    /// Typed access to a node.
    ///
    /// # Panics
    /// If `id` does not hold an `N` (a bug in the test).
    pub fn get<N: Node>(&self, id: NodeId) -> &N {
        self.nodes[id.0]
            .as_any()
            .downcast_ref()
            .expect("node has the requested type")
    }

    /// Typed mutable access to a node. Call [`Network::step`] or a `drive_*` method afterwards
    /// so that what the node queued is sent.
    ///
    /// # Panics
    /// If `id` does not hold an `N` (a bug in the test).
    pub fn get_mut<N: Node>(&mut self, id: NodeId) -> &mut N {
        self.nodes[id.0]
            .as_any_mut()
            .downcast_mut()
            .expect("node has the requested type")
    }

    /// Puts a datagram on the wire as if `from` had sent it to `to` (bypasses the link).
    pub fn inject(&mut self, from: SocketAddr, to: SocketAddr, data: Vec<u8>) {
        let at = self.clock.now();
        self.push(at, from, to, data);
    }

    fn push(&mut self, at: Instant, from: SocketAddr, to: SocketAddr, data: Vec<u8>) {
        self.seq += 1;
        self.queue.push(Reverse(InFlight {
            at,
            seq: self.seq,
            from,
            to,
            data,
        }));
    }

    fn is_broadcast(a: &SocketAddr) -> bool {
        match a {
            SocketAddr::V4(v4) => *v4.ip() == Ipv4Addr::BROADCAST || v4.ip().octets()[3] == 255,
            SocketAddr::V6(_) => false,
        }
    }

    /// Moves every queued transmit of every node onto the link.
    fn flush(&mut self) {
        let now = self.clock.now();
        for i in 0..self.nodes.len() {
            while let Some(t) = self.nodes[i].poll_transmit() {
                let from = t.src.or_else(|| self.nodes[i].addrs().first().copied());
                let Some(from) = from else { continue };
                let dsts: Vec<SocketAddr> = if Self::is_broadcast(&t.dst) {
                    self.by_addr
                        .iter()
                        .filter(|(a, id)| a.port() == t.dst.port() && **id != i)
                        .map(|(a, _)| *a)
                        .collect()
                } else {
                    vec![t.dst]
                };
                for dst in dsts {
                    for at in self.link.offer(now, t.data.len()) {
                        self.push(at, from, dst, t.data.clone());
                    }
                }
            }
        }
    }

    /// The next instant something happens, if anything will.
    fn next_event(&self) -> Option<Instant> {
        let q = self.queue.peek().map(|r| r.0.at);
        let t = self.nodes.iter().filter_map(|n| n.poll_timeout()).min();
        crate::proto::earliest(q, t)
    }

    /// Advances to the next event and processes everything due then. Returns false when
    /// nothing will ever happen again (idle).
    pub fn step(&mut self) -> bool {
        self.flush();
        let Some(next) = self.next_event() else {
            return false;
        };
        self.clock.advance_to(next);
        let now = self.clock.now();
        self.stats.steps += 1;
        while self.queue.peek().is_some_and(|r| r.0.at <= now) {
            let Some(Reverse(d)) = self.queue.pop() else {
                break;
            };
            match self.by_addr.get(&d.to) {
                Some(&i) => {
                    self.stats.delivered += 1;
                    if let Some(cap) = self.capture.as_mut() {
                        cap.push(Captured {
                            at: self.clock.elapsed(),
                            from: d.from,
                            to: d.to,
                            data: d.data.clone(),
                        });
                    }
                    self.nodes[i].handle_datagram(now, d.to, d.from, &d.data);
                }
                None => self.stats.unroutable += 1,
            }
        }
        for n in &mut self.nodes {
            if n.poll_timeout().is_some_and(|t| t <= now) {
                n.handle_timeout(now);
            }
        }
        self.flush();
        true
    }

    /// Steps until `done` returns true (true) or `limit` of virtual time passes or the
    /// network goes idle (false).
    pub fn drive_until(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&mut Network) -> bool,
    ) -> bool {
        let end = self.clock.now() + limit;
        loop {
            if done(self) {
                return true;
            }
            if self.next_event().is_none_or(|t| t > end) {
                self.flush();
                if self.next_event().is_none_or(|t| t > end) {
                    self.clock.advance_to(end);
                    return done(self);
                }
            }
            if !self.step() {
                return done(self);
            }
        }
    }

    /// Runs for `d` of virtual time.
    pub fn drive_for(&mut self, d: Duration) {
        self.drive_until(d, |_| false);
    }

    /// Steps until nothing more will happen, or `limit` passes. True when idle.
    pub fn drive_until_idle(&mut self, limit: Duration) -> bool {
        let end = self.clock.now() + limit;
        loop {
            self.flush();
            match self.next_event() {
                None => return true,
                Some(t) if t > end => return false,
                Some(_) => {
                    self.step();
                }
            }
        }
    }

    /// Takes at most `n` steps (catches livelocks: a test asserting progress within `n`).
    /// Returns the number of steps taken.
    pub fn drive_bounded(&mut self, n: u64) -> u64 {
        for i in 0..n {
            if !self.step() {
                return i;
            }
        }
        n
    }
}
