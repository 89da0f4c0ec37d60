//! One I/O thread: a readiness poll over the sockets of its endpoints and a waker, a timer
//! heap, batched reads and sends.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};
use parking_lot::{Condvar, Mutex};

use super::timers::{Armed, Timers};
use super::udp::{Received, RecvBufs, Socket};
use super::{Endpoint, Flow, Inner};
use crate::proto::Transmit;

const WAKER: Token = Token(usize::MAX);
/// The thread's shared socket ([`super::DriverConfig::shared_socket`]).
const SHARED: Token = Token(usize::MAX - 1);
/// The shared socket's place in `readable` (no slot has this index).
const SHARED_SLOT: usize = usize::MAX;
/// Sockets per endpoint (the token's low bits).
const SOCKET_BITS: usize = 4;
/// Datagrams read from one socket before the others get their turn.
const READ_QUOTA: usize = 512;

/// An endpoint on its way to the thread.
pub(crate) struct NewEndpoint {
    pub(crate) key: u64,
    pub(crate) sockets: Vec<std::net::UdpSocket>,
    /// On the shared socket, under this key (`sockets` is then empty).
    pub(crate) shared_key: Option<String>,
    pub(crate) endpoint: Box<dyn Endpoint>,
}

#[derive(Default)]
struct Inbox {
    new: Vec<NewEndpoint>,
    woken: Vec<u64>,
    /// The waker was triggered and the thread has not looked yet.
    pending: bool,
}

/// The half of an I/O thread other threads talk to.
pub(crate) struct LoopShared {
    waker: mio::Waker,
    inbox: Mutex<Inbox>,
    /// Ends an idle rest (signalled with the waker).
    rest: Condvar,
    /// Idle rests taken so far.
    rests: AtomicU64,
    /// The address of the shared socket, when the thread has one.
    shared_local: Option<SocketAddr>,
}

impl LoopShared {
    fn poke(&self, inbox: &mut Inbox) {
        if !inbox.pending {
            inbox.pending = true;
            if let Err(e) = self.waker.wake() {
                tracing::error!("cannot wake the I/O thread: {e}");
            }
            self.rest.notify_one();
        }
    }

    pub(crate) fn wake(&self, key: u64) {
        let mut inbox = self.inbox.lock();
        inbox.woken.push(key);
        self.poke(&mut inbox);
    }

    pub(crate) fn add(&self, ep: NewEndpoint) {
        let mut inbox = self.inbox.lock();
        inbox.new.push(ep);
        self.poke(&mut inbox);
    }

    pub(crate) fn has_new(&self) -> bool {
        !self.inbox.lock().new.is_empty()
    }

    pub(crate) fn rests(&self) -> u64 {
        self.rests.load(Ordering::Relaxed)
    }

    pub(crate) fn shared_local(&self) -> Option<SocketAddr> {
        self.shared_local
    }
}

/// Starts the thread of slot `index`.
pub(crate) fn spawn(
    driver: Arc<Inner>,
    index: usize,
) -> std::io::Result<(Arc<LoopShared>, JoinHandle<()>)> {
    let poll = Poll::new()?;
    let waker = mio::Waker::new(poll.registry(), WAKER)?;
    let shared_socket = if driver.config.shared_socket {
        // Any port of any address, as a session's own socket; broadcasts allowed for the
        // sessions that search by broadcast.
        let mut s = Socket::new(super::super::bind_session(None, true)?)?;
        poll.registry()
            .register(&mut s.io, SHARED, Interest::READABLE)?;
        Some(s)
    } else {
        None
    };
    let shared = Arc::new(LoopShared {
        waker,
        inbox: Mutex::new(Inbox::default()),
        rest: Condvar::new(),
        rests: AtomicU64::new(0),
        shared_local: shared_socket.as_ref().map(|s| s.local),
    });
    let coalesce = driver.config.coalesce;
    let timer_slack = driver.config.timer_slack;
    let timer_grain = driver.config.timer_grain;
    let idle_rest = driver.config.idle_rest;
    let mut l = Loop {
        poll,
        events: Events::with_capacity(1024),
        shared: shared.clone(),
        driver,
        index,
        slots: Vec::new(),
        free: Vec::new(),
        by_key: FastMap::default(),
        live: 0,
        noisy: 0,
        shared_socket,
        shared_queued: true,
        by_peer: FastMap::default(),
        listeners: Vec::new(),
        shared_out: Vec::new(),
        timers: Timers::with_grain(super::super::now(), timer_grain),
        recv: RecvBufs::new(),
        // The shared socket is read once at the start: nothing may be waiting, but the read
        // clears its flag (edge-triggered polling).
        readable: vec![(SHARED_SLOT, 0)],
        reading: Vec::new(),
        last_read: super::super::now(),
        dirty: Vec::new(),
        out: Vec::new(),
        scratch: Vec::new(),
        coalesce,
        timer_slack,
        idle_rest,
        busy: false,
        exiting: false,
    };
    let handle = std::thread::Builder::new()
        .name(format!("pppp-io-{index}"))
        .spawn(move || {
            super::ON_IO_THREAD.with(|c| c.set(true));
            l.run()
        })?;
    Ok((shared, handle))
}

/// The routing tables, hashed with foldhash (seeded per map) instead of SipHash: a lookup per
/// datagram, and SipHash was a tenth of the thread's own time with a thousand idle sessions.
/// Their keys are the addresses sessions found their cameras at and the endpoints' own keys,
/// never a datagram's source that no session claims, so no stranger grows them.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[repr(C, align(64))]
struct Slot {
    // What a datagram or a timer touches first, in the slot's first cache line (fields in
    // this order, the slot aligned to a line): a thousand idle sessions each touched once a
    // second are cold, and every line is a miss. `Option<Slot>` keeps its tag in the widest
    // niche of the fields: that of `armed` and `deadline` (a nanosecond count), in this line,
    // as long as no later field has a wider one (no `Vec` or `String`, whose capacity has).
    endpoint: Box<dyn Endpoint>,
    key: u64,
    armed: Armed,
    /// [`crate::proto::SansIo::poll_timeout`] after its last drive.
    deadline: Option<Instant>,
    dirty: bool,
    /// It panicked or asked to stop: removed at the end of the iteration.
    dead: bool,
    /// [`Endpoint::is_quiet`] after its last publish.
    quiet: bool,
    /// It is in `listeners` ([`Endpoint::hears_strangers`]).
    listening: bool,
    /// The address it claims on the shared socket ([`Endpoint::peer`]).
    peer: Option<SocketAddr>,
    /// On the shared socket under this key.
    shared_key: Option<Box<str>>,
    sockets: Box<[Socket]>,
    /// A socket of this slot is in `readable`.
    queued: [bool; 1 << SOCKET_BITS],
}

struct Loop {
    poll: Poll,
    events: Events,
    shared: Arc<LoopShared>,
    driver: Arc<Inner>,
    index: usize,
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    by_key: FastMap<u64, usize>,
    live: usize,
    /// Live endpoints that are not quiet: the thread rests only when there is none.
    noisy: usize,
    /// The socket shared by the endpoints registered with a shared key.
    shared_socket: Option<Socket>,
    /// The shared socket is in `readable`.
    shared_queued: bool,
    /// Who owns the datagrams from an address on the shared socket.
    by_peer: FastMap<SocketAddr, usize>,
    /// Endpoints on the shared socket offered the datagrams of unclaimed addresses.
    listeners: Vec<usize>,
    /// Datagrams of this iteration for the shared socket, sent together.
    shared_out: Vec<Transmit>,
    timers: Timers,
    recv: RecvBufs,
    /// Sockets with datagrams to read: `(slot, socket)`.
    readable: Vec<(usize, usize)>,
    /// `readable` while it is being read (kept to reuse its allocation).
    reading: Vec<(usize, usize)>,
    /// `now` of the previous read: no datagram read since is dated earlier.
    last_read: Instant,
    dirty: Vec<usize>,
    out: Vec<Transmit>,
    scratch: Vec<u8>,
    coalesce: Duration,
    timer_slack: Duration,
    idle_rest: Duration,
    /// The last read found a burst (a socket had more than one datagram): datagrams that
    /// arrive now are worth a coalescing pause. A thread of idle sessions, whose datagrams
    /// come one at a time, reads them at once instead (no pause, no extra wake-up).
    busy: bool,
    /// The last endpoint is gone and the thread retired: it ends after this iteration.
    exiting: bool,
}

/// Runs `f` on an endpoint, turning a panic into the endpoint's removal.
fn guarded(slot: &mut Slot, f: impl FnOnce(&mut dyn Endpoint)) {
    if slot.dead {
        return;
    }
    if catch_unwind(AssertUnwindSafe(|| f(slot.endpoint.as_mut()))).is_err() {
        tracing::error!("an endpoint panicked; closing it");
        slot.dead = true;
    }
}

impl Loop {
    fn run(&mut self) {
        loop {
            let timeout = if self.readable.is_empty() {
                self.timers
                    .next()
                    .map(|t| t.saturating_duration_since(super::super::now()) + self.timer_slack)
            } else {
                Some(Duration::ZERO)
            };
            if let Err(e) = self.poll.poll(&mut self.events, timeout) {
                if e.kind() != ErrorKind::Interrupted {
                    tracing::error!("poll failed: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                }
                continue;
            }
            let mut woke = false;
            for ev in self.events.iter() {
                if ev.token() == WAKER {
                    woke = true;
                    continue;
                }
                if ev.token() == SHARED {
                    if !self.shared_queued {
                        self.shared_queued = true;
                        self.readable.push((SHARED_SLOT, 0));
                    }
                    continue;
                }
                let (slot, sock) = (
                    ev.token().0 >> SOCKET_BITS,
                    ev.token().0 & ((1 << SOCKET_BITS) - 1),
                );
                if let Some(Some(s)) = self.slots.get_mut(slot) {
                    if !s.queued[sock] {
                        s.queued[sock] = true;
                        self.readable.push((slot, sock));
                    }
                }
            }
            let now = super::super::now();
            // Datagrams first: they carry their arrival times, all before `now`; then commands,
            // timers and sends at `now`, so that each endpoint sees time move forward.
            self.read(now);
            if woke {
                self.take_inbox(now);
            }
            self.fire_timers(now);
            self.flush_dirty(now);
            if self.exiting {
                return;
            }
            // Coalescing: after a burst, let the next one gather in the kernel before polling
            // again, so that it is read with one wake-up. What was read is handed over first:
            // the pause adds no latency to it (nor to a burst that arrives in one piece).
            if self.readable.is_empty() {
                if self.busy {
                    if !self.coalesce.is_zero() {
                        self.pause();
                    }
                } else if self.noisy == 0 && rest_gathers(self.live, self.idle_rest) {
                    self.rest();
                }
            }
        }
    }

    /// Every endpoint only keeps alive: let the keepalives that arrive one by one gather in
    /// the kernel for up to `idle_rest` (never past a near deadline; far ones, keepalives
    /// and liveness checks, may wait for the rest's end), so that the next
    /// wake-up reads and answers them together. A command from a user (the waker) ends the
    /// rest at once.
    fn rest(&self) {
        // Keepalive and liveness deadlines (seconds apart) may be served up to a rest late.
        let wait = self.wait_at_most(self.idle_rest, self.idle_rest);
        if wait.is_zero() {
            return;
        }
        let mut inbox = self.shared.inbox.lock();
        if !inbox.pending {
            self.shared.rests.fetch_add(1, Ordering::Relaxed);
            self.shared.rest.wait_for(&mut inbox, wait);
        }
    }

    /// Lets the next burst accumulate in the kernel before polling, without sleeping past
    /// the next deadline.
    fn pause(&self) {
        let wait = self.wait_at_most(self.coalesce, Duration::ZERO);
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }

    /// `limit`, or less when a deadline comes first (far deadlines counted `late` after
    /// theirs, see [`Timers::next_allowing`]).
    fn wait_at_most(&self, limit: Duration, late: Duration) -> Duration {
        self.timers.next_allowing(late).map_or(limit, |t| {
            limit.min(t.saturating_duration_since(super::super::now()))
        })
    }

    fn mark_dirty(dirty: &mut Vec<usize>, slot: &mut Slot, index: usize) {
        if !slot.dirty {
            slot.dirty = true;
            dirty.push(index);
        }
    }

    fn take_inbox(&mut self, now: Instant) {
        let (new, woken) = {
            let mut inbox = self.shared.inbox.lock();
            inbox.pending = false;
            (
                std::mem::take(&mut inbox.new),
                std::mem::take(&mut inbox.woken),
            )
        };
        for ep in new {
            self.add(now, ep);
        }
        for key in woken {
            let Some(&i) = self.by_key.get(&key) else {
                continue; // already removed
            };
            if let Some(slot) = self.slots[i].as_mut() {
                guarded(slot, |e| e.handle_wake(now));
                Self::mark_dirty(&mut self.dirty, slot, i);
            }
        }
    }

    fn add(&mut self, now: Instant, ep: NewEndpoint) {
        let NewEndpoint {
            key,
            sockets,
            shared_key,
            endpoint,
        } = ep;
        if shared_key.is_some() && self.shared_socket.is_none() {
            tracing::error!("an endpoint for a shared socket on a thread without one");
        }
        let index = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        let mut socks = Vec::with_capacity(sockets.len());
        for (n, s) in sockets.into_iter().enumerate().take(1 << SOCKET_BITS) {
            let registered = Socket::new(s).and_then(|mut s| {
                self.poll.registry().register(
                    &mut s.io,
                    Token(index << SOCKET_BITS | n),
                    Interest::READABLE,
                )?;
                Ok(s)
            });
            match registered {
                Ok(s) => socks.push(s),
                Err(e) => tracing::error!("cannot poll a socket: {e}"),
            }
        }
        let mut slot = Slot {
            key,
            endpoint,
            sockets: socks.into_boxed_slice(),
            armed: Armed::default(),
            deadline: None,
            dirty: false,
            queued: [false; 1 << SOCKET_BITS],
            dead: false,
            quiet: false,
            shared_key: shared_key.map(String::into_boxed_str),
            peer: None,
            listening: false,
        };
        guarded(&mut slot, |e| e.start(now));
        slot.dirty = true;
        self.dirty.push(index);
        // Datagrams may have arrived before the socket was registered (edge-triggered poll).
        for n in 0..slot.sockets.len() {
            slot.queued[n] = true;
            self.readable.push((index, n));
        }
        self.slots[index] = Some(slot);
        self.by_key.insert(key, index);
        self.live += 1;
        self.noisy += 1;
    }

    fn read(&mut self, now: Instant) {
        let floor = std::mem::replace(&mut self.last_read, now);
        if self.readable.is_empty() {
            return;
        }
        let wall = super::super::wall_now();
        // Sockets not drained go back to `readable`, emptied here.
        let mut reading = std::mem::take(&mut self.reading);
        std::mem::swap(&mut self.readable, &mut reading);
        let mut burst = false;
        for (i, n) in reading.drain(..) {
            if i == SHARED_SLOT {
                let (drained, busy) = self.read_shared(now, floor, wall);
                burst |= busy;
                if drained {
                    self.shared_queued = false;
                } else {
                    self.readable.push((i, n));
                }
                continue;
            }
            let Some(slot) = self.slots[i].as_mut() else {
                continue;
            };
            let mut quota = READ_QUOTA;
            let drained = loop {
                if slot.dead {
                    break true;
                }
                let Some(sock) = slot.sockets.get(n) else {
                    break true;
                };
                let local = sock.local;
                let (endpoint, dead) = (&mut slot.endpoint, &mut slot.dead);
                let r = self.recv.recv(sock, |from, data, stamp| {
                    let at = arrival(stamp, wall, now, floor);
                    deliver(endpoint, dead, at, local, from, data);
                });
                if let Ok(got) = &r {
                    Self::mark_dirty(&mut self.dirty, slot, i);
                    burst |= got.datagrams > 1;
                }
                if let Some(drained) = read_done(r, &mut quota) {
                    break drained;
                }
            };
            if drained {
                slot.queued[n] = false;
            } else {
                self.readable.push((i, n));
            }
        }
        self.reading = reading;
        self.busy = burst;
    }

    /// Reads the shared socket, handing each datagram to the endpoint that claims its source
    /// address, else offering it to the listeners until one claims it. Returns whether the
    /// socket was drained, and whether a burst came for an endpoint that is not quiet (the
    /// keepalives of many idle sessions read together are no burst).
    fn read_shared(&mut self, now: Instant, floor: Instant, wall: Duration) -> (bool, bool) {
        let Some(sock) = self.shared_socket.as_ref() else {
            return (true, false);
        };
        let local = sock.local;
        let mut quota = READ_QUOTA;
        let mut busy = false;
        loop {
            let mut noisy = 0;
            let r = self.recv.recv(sock, |from, data, stamp| {
                let at = arrival(stamp, wall, now, floor);
                let to = route(
                    &mut self.slots,
                    &mut self.by_peer,
                    &self.listeners,
                    &mut self.dirty,
                    (at, local, from, data),
                );
                noisy += usize::from(to == Some(false));
            });
            busy |= noisy > 1;
            if let Some(drained) = read_done(r, &mut quota) {
                return (drained, busy);
            }
        }
    }

    fn fire_timers(&mut self, now: Instant) {
        while let Some((i, key, at)) = self.timers.pop_due(now) {
            let Some(slot) = self.slots.get_mut(i).and_then(Option::as_mut) else {
                continue;
            };
            if slot.key != key || !Timers::fired(&mut slot.armed, at) {
                continue;
            }
            // The deadline the endpoint gave after it was last driven (it changes only when it
            // is driven, and every drive ends in `flush_dirty`): a stale entry is renewed
            // without touching the endpoint's memory, cold since its last datagram.
            match slot.deadline {
                Some(t) if t <= now => {
                    guarded(slot, |e| e.handle_timeout(now));
                    Self::mark_dirty(&mut self.dirty, slot, i);
                }
                // Not due yet (the deadline moved later since it was armed): nothing changed,
                // so nothing to send or publish; only the entry is renewed.
                later => self.timers.arm(&mut slot.armed, i, slot.key, later, now),
            }
        }
    }

    fn flush_dirty(&mut self, now: Instant) {
        while let Some(i) = self.dirty.pop() {
            let Some(slot) = self.slots[i].as_mut() else {
                continue;
            };
            slot.dirty = false;
            let mut flow = Flow::Continue;
            if !slot.dead {
                let out = &mut self.out;
                guarded(slot, |e| {
                    while let Some(t) = e.poll_transmit() {
                        out.push(t);
                    }
                });
                if slot.shared_key.is_some() {
                    self.shared_out.append(&mut self.out);
                } else {
                    send(slot, &self.out, &mut self.scratch);
                    self.out.clear();
                }
                let r = catch_unwind(AssertUnwindSafe(|| slot.endpoint.publish(now)));
                flow = r.unwrap_or_else(|_| {
                    tracing::error!("an endpoint panicked; closing it");
                    Flow::Stop
                });
            }
            if slot.dead || flow == Flow::Stop {
                self.remove(i);
                continue;
            }
            let deadline = slot.endpoint.poll_timeout();
            slot.deadline = deadline;
            self.timers.arm(&mut slot.armed, i, slot.key, deadline, now);
            let quiet =
                catch_unwind(AssertUnwindSafe(|| slot.endpoint.is_quiet(now))).unwrap_or(false);
            if quiet != slot.quiet {
                slot.quiet = quiet;
                if quiet {
                    self.noisy -= 1;
                } else {
                    self.noisy += 1;
                }
            }
            if slot.shared_key.is_some() {
                let (peer, hears) = catch_unwind(AssertUnwindSafe(|| {
                    (slot.endpoint.peer(), slot.endpoint.hears_strangers(now))
                }))
                .unwrap_or((None, false));
                claim(&mut self.by_peer, slot, i, peer);
                if hears != slot.listening {
                    slot.listening = hears;
                    if hears {
                        self.listeners.push(i);
                    } else {
                        self.listeners.retain(|&l| l != i);
                    }
                }
            }
        }
        if let (Some(sock), false) = (&self.shared_socket, self.shared_out.is_empty()) {
            let refused = sock.send_many(&self.shared_out, &mut self.scratch);
            if refused > 0 {
                tracing::trace!(refused, "datagrams refused by the kernel");
            }
        }
        self.shared_out.clear();
    }

    fn remove(&mut self, i: usize) {
        let Some(mut slot) = self.slots[i].take() else {
            return;
        };
        // Close the sockets before the endpoint's drop tells its user it is gone: a user who
        // then binds the same port (a camera restarted in place) must find it free.
        for mut s in std::mem::take(&mut slot.sockets) {
            let _ = self.poll.registry().deregister(&mut s.io);
        }
        self.by_key.remove(&slot.key);
        if slot.shared_key.is_some() {
            claim(&mut self.by_peer, &mut slot, i, None);
            if slot.listening {
                self.listeners.retain(|&l| l != i);
            }
        }
        self.free.push(i);
        self.live -= 1;
        if !slot.quiet {
            self.noisy -= 1;
        }
        self.driver.unload(self.index, slot.shared_key.as_deref());
        // Retire before the endpoint's drop wakes its user, so that a user who closed the
        // last session finds the thread ending and can join it.
        if self.live == 0 && self.driver.retire(self.index, &self.shared) {
            self.exiting = true;
        }
        // Dropping the endpoint wakes whoever waits for its end; a panic there must not take
        // the thread (and every other endpoint) down.
        if catch_unwind(AssertUnwindSafe(move || drop(slot))).is_err() {
            tracing::error!("an endpoint panicked while closing");
        }
    }
}

/// When a datagram arrived, on the monotonic clock: `now` less the age its kernel receive
/// `stamp` (wall clock, read as `wall` with `now`) gives it, kept between `floor` (the
/// previous read) and `now` so that a wall-clock step cannot move time back for an endpoint.
/// Without a stamp, `now`. Frames report it as the arrival of their last datagram.
fn arrival(stamp: Option<Duration>, wall: Duration, now: Instant, floor: Instant) -> Instant {
    let Some(stamp) = stamp else {
        return now;
    };
    now.checked_sub(wall.saturating_sub(stamp))
        .map_or(floor, |t| t.max(floor))
        .min(now)
}

/// After one read of a socket, charged to `quota`: `Some(true)` when the socket is drained,
/// `Some(false)` when the quota is spent (the socket is read again after the others), `None`
/// to read again now.
fn read_done(r: std::io::Result<Received>, quota: &mut usize) -> Option<bool> {
    match r {
        Ok(got) if got.drained => Some(true),
        Ok(got) => {
            *quota = quota.saturating_sub(got.datagrams.max(1));
            (*quota == 0).then_some(false)
        }
        Err(e) if e.kind() == ErrorKind::WouldBlock => Some(true),
        Err(e) if e.kind() == ErrorKind::Interrupted => None,
        Err(e) => {
            // ICMP errors (port unreachable) surface here on some platforms.
            tracing::trace!("recv error: {e}");
            None
        }
    }
}

/// Hands a datagram to an endpoint, turning a panic into the endpoint's removal.
fn deliver(
    endpoint: &mut Box<dyn Endpoint>,
    dead: &mut bool,
    at: Instant,
    local: SocketAddr,
    from: SocketAddr,
    data: &[u8],
) {
    if *dead {
        return;
    }
    if catch_unwind(AssertUnwindSafe(|| {
        endpoint.handle_datagram(at, local, from, data)
    }))
    .is_err()
    {
        tracing::error!("an endpoint panicked on a datagram; closing it");
        *dead = true;
    }
}

/// True when a rest of `rest` can gather [`super::REST_GATHERS_AT_LEAST`] keepalives of
/// `live` quiet endpoints, each keeping alive about once a second (never for a zero rest or
/// no endpoint: they gather none).
fn rest_gathers(live: usize, rest: Duration) -> bool {
    rest.as_secs_f64() * live as f64 >= f64::from(super::REST_GATHERS_AT_LEAST)
}

/// Hands a datagram `(at, local, from, data)` of the shared socket to the endpoint claiming
/// `from`, else to each listener in turn until one claims it (its search found its camera
/// there). Returns whether the endpoint it went to last was quiet, `None` when it went to
/// none.
fn route(
    slots: &mut [Option<Slot>],
    by_peer: &mut FastMap<SocketAddr, usize>,
    listeners: &[usize],
    dirty: &mut Vec<usize>,
    (at, local, from, data): (Instant, SocketAddr, SocketAddr, &[u8]),
) -> Option<bool> {
    if let Some(&i) = by_peer.get(&from) {
        let slot = slots.get_mut(i)?.as_mut()?;
        deliver(&mut slot.endpoint, &mut slot.dead, at, local, from, data);
        Loop::mark_dirty(dirty, slot, i);
        return Some(slot.quiet);
    }
    let mut to = None;
    for &i in listeners {
        let Some(Some(slot)) = slots.get_mut(i) else {
            continue;
        };
        deliver(&mut slot.endpoint, &mut slot.dead, at, local, from, data);
        Loop::mark_dirty(dirty, slot, i);
        to = Some(slot.quiet);
        if slot.peer.is_none() && !slot.dead {
            let ep = &slot.endpoint;
            let peer = catch_unwind(AssertUnwindSafe(|| ep.peer())).unwrap_or(None);
            if peer == Some(from) {
                claim(by_peer, slot, i, peer);
                break;
            }
        }
    }
    to
}

/// Makes `peer` the address slot `i` claims on the shared socket, releasing the one it
/// claimed before. An address another slot claims already stays that slot's (two sessions
/// of one I/O thread never talk to one camera: [`super::Driver::register_shared`]).
fn claim(
    by_peer: &mut FastMap<SocketAddr, usize>,
    slot: &mut Slot,
    i: usize,
    peer: Option<SocketAddr>,
) {
    if slot.peer == peer {
        return;
    }
    if let Some(old) = slot.peer {
        if by_peer.get(&old) == Some(&i) {
            by_peer.remove(&old);
        }
    }
    slot.peer = peer;
    if let Some(p) = peer {
        let owner = *by_peer.entry(p).or_insert(i);
        if owner != i {
            tracing::warn!(addr = %p, "two sessions of one thread found their camera at one address");
        }
    }
}

/// Sends the datagrams of one endpoint, grouped by source socket.
fn send(slot: &Slot, out: &[Transmit], scratch: &mut Vec<u8>) {
    let mut start = 0;
    while start < out.len() {
        let src = out[start].src;
        let end = out[start..]
            .iter()
            .position(|t| t.src != src)
            .map_or(out.len(), |p| start + p);
        let sock = match src {
            None => slot.sockets.first(),
            Some(a) => slot.sockets.iter().find(|s| s.local == a),
        };
        match sock {
            Some(s) => {
                let refused = s.send_batch(&out[start..end], scratch);
                if refused > 0 {
                    tracing::trace!(refused, "datagrams refused by the kernel");
                }
            }
            None => tracing::debug!(?src, "no socket for a datagram's source"),
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::{arrival, rest_gathers};
    use std::time::Duration;

    #[test]
    fn a_thread_rests_only_when_a_rest_gathers_two_keepalives() {
        let ms = Duration::from_millis;
        // The default rest, 200 ms: from 10 quiet endpoints on.
        assert!(!rest_gathers(1, ms(200)));
        assert!(!rest_gathers(9, ms(200)));
        assert!(rest_gathers(10, ms(200)));
        assert!(rest_gathers(1000, ms(200)));
        // A longer rest gathers as much from fewer endpoints; none rests for nothing.
        assert!(rest_gathers(1, Duration::from_secs(2)));
        assert!(!rest_gathers(0, Duration::from_secs(600)));
        assert!(!rest_gathers(1000, Duration::ZERO));
    }

    #[test]
    fn a_datagram_is_dated_by_its_kernel_stamp_within_the_time_since_the_last_read() {
        let floor = crate::client::now();
        let now = floor + Duration::from_millis(10);
        let wall = Duration::from_secs(1_700_000_000);
        let ms = Duration::from_millis;
        // Arrived 3 ms before this read.
        assert_eq!(arrival(Some(wall - ms(3)), wall, now, floor), now - ms(3));
        // No stamp (not Linux): the read's time.
        assert_eq!(arrival(None, wall, now, floor), now);
        // Stamped "after" the read (the wall clock stepped back): not in the future.
        assert_eq!(arrival(Some(wall + ms(50)), wall, now, floor), now);
        // Stamped long before the previous read (the wall clock stepped forward, or the
        // datagram waited behind a read quota): not before the previous read.
        assert_eq!(arrival(Some(wall - ms(500)), wall, now, floor), floor);
        // A stamp older than the monotonic clock itself: still the previous read.
        assert_eq!(arrival(Some(Duration::ZERO), wall, now, floor), floor);
    }
}
