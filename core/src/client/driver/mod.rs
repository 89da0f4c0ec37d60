//! The event-driven driver: a few I/O threads serve every session, discovery and emulated
//! camera of the process (docs/architecture.md).
//!
//! Each I/O thread waits in one readiness poll (`mio`) for any of its sockets or its waker;
//! there is no periodic tick. Per-endpoint deadlines sit in a timer heap ([`timers`]);
//! datagrams are read in batches (`recvmmsg` through `quinn-udp`) and sent with segmentation
//! offload where the kernel has it ([`udp`]). After a read that found a burst, the thread hands
//! over what it read and then pauses up to [`DriverConfig::coalesce`] before polling again, so
//! that the next burst gathers and is read with one wake-up; and it wakes for a deadline up to
//! [`DriverConfig::timer_slack`] late and puts far deadlines on a grid of
//! [`DriverConfig::timer_grain`], so that the keepalives of many idle sessions are served by
//! one wake-up. While every endpoint of a thread only keeps alive ([`Endpoint::is_quiet`]),
//! the thread rests up to [`DriverConfig::idle_rest`] between reads (a command from a user
//! ends the rest at once), so that the keepalives of many idle cameras, each arriving at its
//! own time, are read and answered together.
//!
//! An [`Endpoint`] is a sans-IO machine plus the glue to its user (channels, shared state).
//! The user's side sends it commands through its own channel and calls
//! [`EndpointWaker::wake`]; the thread then calls [`Endpoint::handle_wake`]. After every
//! batch of input the thread flushes the endpoint's datagrams and calls
//! [`Endpoint::publish`], which hands events to the user; when that returns [`Flow::Stop`]
//! the endpoint is dropped (its `Drop` wakes whoever waits for it) and its sockets closed.
//! A panic inside an endpoint drops that endpoint the same way; the thread goes on.
//!
//! Threads start with their first endpoint and end with their last one, so a process with
//! no open session has no I/O thread.

mod io_thread;
mod timers;
mod udp;

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::proto::SansIo;

pub use timers::Timers;
pub use udp::gso_runs;

/// Environment variable: the number of I/O threads of the global driver (default 1).
pub const IO_THREADS_ENV: &str = "PPPP_IO_THREADS";
/// Environment variable: the coalescing window of the global driver, in microseconds
/// (default 500; 0 reads every datagram as soon as it arrives).
pub const COALESCE_ENV: &str = "PPPP_COALESCE_US";
/// Environment variable: the timer slack of the global driver, in microseconds (default
/// 2000; 0 wakes for every deadline on time).
pub const TIMER_SLACK_ENV: &str = "PPPP_TIMER_SLACK_US";
/// Environment variable: the grid of far deadlines of the global driver, in microseconds
/// (default 16000; 0 keeps every deadline exact).
pub const TIMER_GRAIN_ENV: &str = "PPPP_TIMER_GRAIN_US";
/// Environment variable: the idle rest of the global driver, in microseconds (default 200000;
/// 0 reads every datagram as soon as it arrives, idle or not).
pub const IDLE_REST_ENV: &str = "PPPP_IDLE_REST_US";
/// Environment variable: `0` gives every session of the global driver a socket of its own
/// instead of its I/O thread's shared one (default `1`).
pub const SHARED_SOCKET_ENV: &str = "PPPP_SHARED_SOCKET";

/// The default [`DriverConfig::idle_rest`].
pub const DEFAULT_IDLE_REST: Duration = Duration::from_millis(200);
/// A thread rests only when a rest can gather at least this many keepalives, counting one a
/// second per endpoint (a camera's keepalive period, docs/protocol.md §7.3): with fewer
/// endpoints, each keepalive wakes the thread anyway, and resting would only delay a quiet
/// camera's alarm. With the default rest, from 10 endpoints on.
pub const REST_GATHERS_AT_LEAST: u32 = 2;
/// The longest [`DriverConfig::idle_rest`] [`DriverConfig::from_env`] accepts: far inside the
/// seconds a camera waits for an answer to its keepalive (docs/protocol.md §7.3).
pub const MAX_IDLE_REST: Duration = Duration::from_millis(500);

/// How a [`Driver`] runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverConfig {
    /// I/O threads sharing the endpoints (at least 1).
    pub io_threads: usize,
    /// Longest pause after a burst was read and handed over, before polling again, so that
    /// the next burst gathers and is read with one wake-up (datagrams arriving during the
    /// pause wait for it). Zero: poll at once.
    pub coalesce: Duration,
    /// How late the thread may wake for a deadline, so that deadlines close together are
    /// served by one wake-up (keepalives and retransmissions are timed in hundreds of
    /// milliseconds). Zero: every deadline on time.
    pub timer_slack: Duration,
    /// Deadlines 250 ms or more ahead (keepalives, liveness checks) are moved up to this
    /// much later, onto a grid, so that those of many sessions share a wake-up. Zero: every
    /// deadline exact (as independent cameras keep time; the emulator does so).
    pub timer_grain: Duration,
    /// While every endpoint of a thread only keeps alive (sessions connected, no video or
    /// audio wanted, no request, login or reconnection under way, no data for 2 s), the
    /// thread rests this long after each read before polling again, so that keepalives
    /// arriving one by one are read and answered together, with one wake-up. A command from
    /// the user ends the rest at once; a camera's own message to an idle session (an alarm)
    /// waits up to this long. A thread with too few endpoints for a rest to gather
    /// [`REST_GATHERS_AT_LEAST`] keepalives does not rest. Zero: never rest.
    pub idle_rest: Duration,
    /// Sessions share one UDP socket per I/O thread (demultiplexed by the camera's address),
    /// so that the keepalives of many idle cameras are read with one `recvmmsg` and answered
    /// with one `sendmmsg`. A session bound to an address of its user's choice, or to a
    /// camera another session of the thread already talks to, still gets a socket of its
    /// own (a camera tells its clients apart by their address). False: a socket per session.
    pub shared_socket: bool,
}

impl Default for DriverConfig {
    /// One I/O thread, 500 µs coalescing, 2 ms timer slack, 16 ms timer grain, 100 ms idle
    /// rest, a shared socket.
    fn default() -> Self {
        DriverConfig {
            io_threads: 1,
            coalesce: Duration::from_micros(500),
            timer_slack: Duration::from_millis(2),
            timer_grain: timers::FAR_GRAIN,
            idle_rest: DEFAULT_IDLE_REST,
            shared_socket: true,
        }
    }
}

impl DriverConfig {
    /// The defaults, overridden by [`IO_THREADS_ENV`], [`COALESCE_ENV`], [`TIMER_SLACK_ENV`],
    /// [`TIMER_GRAIN_ENV`], [`IDLE_REST_ENV`] and [`SHARED_SOCKET_ENV`] when they hold numbers
    /// (other values are ignored with a warning).
    pub fn from_env() -> Self {
        let mut c = DriverConfig::default();
        let num = |name: &str| {
            let v = std::env::var(name).ok()?;
            match v.trim().parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    tracing::warn!("{name}={v:?} is not a number; using the default");
                    None
                }
            }
        };
        if let Some(n) = num(IO_THREADS_ENV) {
            c.io_threads = (n as usize).clamp(1, 64);
        }
        if let Some(us) = num(COALESCE_ENV) {
            c.coalesce = Duration::from_micros(us.min(100_000));
        }
        if let Some(us) = num(TIMER_SLACK_ENV) {
            c.timer_slack = Duration::from_micros(us.min(100_000));
        }
        if let Some(us) = num(TIMER_GRAIN_ENV) {
            c.timer_grain = Duration::from_micros(us.min(250_000));
        }
        if let Some(us) = num(IDLE_REST_ENV) {
            c.idle_rest = Duration::from_micros(us).min(MAX_IDLE_REST);
        }
        if let Some(n) = num(SHARED_SOCKET_ENV) {
            c.shared_socket = n != 0;
        }
        c
    }
}

/// Whether an endpoint goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Stop,
}

/// A sans-IO machine with the glue to its user, run by an I/O thread.
pub(crate) trait Endpoint: SansIo + Send {
    /// Called once on the I/O thread when the endpoint is added.
    fn start(&mut self, now: Instant);
    /// Its user sent commands (see [`EndpointWaker::wake`]).
    fn handle_wake(&mut self, now: Instant);
    /// After a batch of input and once its datagrams were sent: hand events to the user.
    /// [`Flow::Stop`] removes the endpoint.
    fn publish(&mut self, now: Instant) -> Flow;
    /// True when the endpoint only keeps alive, so that its datagrams may be read up to
    /// [`DriverConfig::idle_rest`] late. Asked after each [`Endpoint::publish`].
    fn is_quiet(&self, _now: Instant) -> bool {
        false
    }
    /// On a shared socket: the address whose datagrams are this endpoint's (a session's
    /// camera), once known. Asked after each [`Endpoint::publish`] and after each datagram
    /// offered by [`Endpoint::hears_strangers`].
    fn peer(&self) -> Option<SocketAddr> {
        None
    }
    /// On a shared socket: true while datagrams from addresses no endpoint claims may be
    /// for this one (a session searching for its camera). Asked after each
    /// [`Endpoint::publish`].
    fn hears_strangers(&self, _now: Instant) -> bool {
        false
    }
}

/// What [`Driver::register_shared`] did.
pub(crate) enum Registered {
    /// The endpoint is on the shared socket of an I/O thread.
    Shared(EndpointWaker),
    /// That thread's shared socket already serves an endpoint of the same key (the same
    /// camera): the endpoint comes back, to be registered with a socket of its own.
    Refused(Box<dyn Endpoint>),
}

/// Wakes one endpoint's I/O thread from any thread.
#[derive(Clone)]
pub(crate) struct EndpointWaker {
    shared: Arc<io_thread::LoopShared>,
    key: u64,
}

impl std::fmt::Debug for EndpointWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EndpointWaker({})", self.key)
    }
}

impl EndpointWaker {
    /// Makes the I/O thread call [`Endpoint::handle_wake`] soon. Cheap when a wake is already
    /// pending.
    pub(crate) fn wake(&self) {
        self.shared.wake(self.key);
    }
}

/// The I/O threads serving sessions, discoveries and emulated cameras. Cloning gives another
/// handle to the same threads. [`Driver::global`] is what everything uses unless told
/// otherwise.
#[derive(Clone)]
pub struct Driver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("config", &self.inner.config)
            .field("threads_running", &self.threads_running())
            .finish()
    }
}

pub(crate) struct Inner {
    config: DriverConfig,
    slots: Vec<Mutex<SlotState>>,
    next_slot: AtomicUsize,
    next_key: AtomicU64,
}

/// One I/O thread's place: running or not.
#[derive(Default)]
pub(crate) struct SlotState {
    /// The running thread's shared half, to hand it endpoints.
    running: Option<Arc<io_thread::LoopShared>>,
    /// The running thread.
    handle: Option<JoinHandle<()>>,
    /// Threads that ended and are not joined yet.
    exited: Vec<JoinHandle<()>>,
    /// Endpoints on this slot (added and not yet removed).
    load: usize,
    /// Keys on the running thread's shared socket: `None` while an endpoint of the key is on
    /// it, `Some(until)` once it left, until when a new endpoint of the same key gets a socket
    /// of its own ([`SHARED_REUSE_AFTER`]).
    shared_keys: HashMap<String, Option<Instant>>,
}

/// How long after a session on the shared socket ended a new session to the same camera
/// gets a socket of its own: a camera knows its clients by their address and may still hold
/// the old session (a CLOSE lost, or not sent), which a new one from the same address would
/// run into. Longer than the 7–8 s after which a camera drops a silent client
/// (docs/protocol.md §7.3).
pub const SHARED_REUSE_AFTER: Duration = Duration::from_secs(10);

/// Keys of endpoints that left the shared socket kept before those whose wait expired are
/// swept.
const MAX_SHARED_KEYS: usize = 1024;

impl Driver {
    /// A driver with its own I/O threads (started lazily, with the first endpoint).
    pub fn new(config: DriverConfig) -> Driver {
        let mut config = config;
        config.io_threads = config.io_threads.max(1);
        // A thousand sessions need a thousand sockets: lift the soft descriptor limit.
        if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
            tracing::debug!("cannot raise the file descriptor limit: {e}");
        }
        Driver {
            inner: Arc::new(Inner {
                slots: (0..config.io_threads)
                    .map(|_| Mutex::new(SlotState::default()))
                    .collect(),
                config,
                next_slot: AtomicUsize::new(0),
                next_key: AtomicU64::new(1),
            }),
        }
    }

    /// The process-wide driver ([`DriverConfig::from_env`]).
    pub fn global() -> &'static Driver {
        static GLOBAL: OnceLock<Driver> = OnceLock::new();
        GLOBAL.get_or_init(|| Driver::new(DriverConfig::from_env()))
    }

    /// Its configuration.
    pub fn config(&self) -> &DriverConfig {
        &self.inner.config
    }

    /// I/O threads running now (0 when nothing is open).
    pub fn threads_running(&self) -> usize {
        self.inner
            .slots
            .iter()
            .filter(|s| s.lock().running.is_some())
            .count()
    }

    /// Idle rests its running I/O threads took ([`DriverConfig::idle_rest`]).
    pub fn idle_rests(&self) -> u64 {
        self.inner
            .slots
            .iter()
            .filter_map(|s| s.lock().running.as_ref().map(|r| r.rests()))
            .sum()
    }

    /// Endpoints (sessions, discoveries, cameras) being served.
    pub fn endpoints(&self) -> usize {
        self.inner.slots.iter().map(|s| s.lock().load).sum()
    }

    /// Adds an endpoint with its sockets (the first is where `Transmit { src: None, .. }`
    /// goes out) to the least loaded I/O thread, starting it if needed.
    pub(crate) fn register(
        &self,
        sockets: Vec<UdpSocket>,
        endpoint: Box<dyn Endpoint>,
    ) -> std::io::Result<EndpointWaker> {
        let key = self.inner.next_key.fetch_add(1, Ordering::Relaxed);
        let (index, mut slot) = self.least_loaded();
        let shared = self.running(index, &mut slot)?;
        slot.load += 1;
        shared.add(io_thread::NewEndpoint {
            key,
            sockets,
            shared_key: None,
            endpoint,
        });
        Ok(EndpointWaker { shared, key })
    }

    /// Adds an endpoint to the shared socket of the least loaded I/O thread
    /// ([`DriverConfig::shared_socket`]): its datagrams go out of that socket, and those of
    /// the address it claims ([`Endpoint::peer`]) come to it. `local` is told the socket's
    /// address before the endpoint starts. Refused when that socket already serves an
    /// endpoint of the same `claim` (the same camera) or did so less than
    /// [`SHARED_REUSE_AFTER`] ago, or when the driver shares no socket.
    pub(crate) fn register_shared(
        &self,
        claim: &str,
        endpoint: Box<dyn Endpoint>,
        local: impl FnOnce(SocketAddr),
    ) -> std::io::Result<Registered> {
        if !self.inner.config.shared_socket {
            return Ok(Registered::Refused(endpoint));
        }
        let key = self.inner.next_key.fetch_add(1, Ordering::Relaxed);
        let (index, mut slot) = self.least_loaded();
        let shared = self.running(index, &mut slot)?;
        let Some(addr) = shared.shared_local() else {
            return Ok(Registered::Refused(endpoint));
        };
        let now = super::now();
        // Keys in use are at most the slot's endpoints: sweep when the rest grow past the bound.
        if slot.shared_keys.len() > MAX_SHARED_KEYS + slot.load {
            slot.shared_keys
                .retain(|_, left| left.is_none_or(|until| until > now));
        }
        // In use, or left too lately.
        if slot
            .shared_keys
            .get(claim)
            .is_some_and(|left| left.is_none_or(|until| until > now))
        {
            return Ok(Registered::Refused(endpoint));
        }
        slot.shared_keys.insert(claim.to_string(), None);
        local(addr);
        slot.load += 1;
        shared.add(io_thread::NewEndpoint {
            key,
            sockets: Vec::new(),
            shared_key: Some(claim.to_string()),
            endpoint,
        });
        Ok(Registered::Shared(EndpointWaker { shared, key }))
    }

    /// The least loaded slot, locked.
    fn least_loaded(&self) -> (usize, parking_lot::MutexGuard<'_, SlotState>) {
        let n = self.inner.slots.len();
        let start = self.inner.next_slot.fetch_add(1, Ordering::Relaxed) % n;
        let index = (0..n)
            .map(|i| (start + i) % n)
            .min_by_key(|&i| self.inner.slots[i].lock().load)
            .unwrap_or(start);
        (index, self.inner.slots[index].lock())
    }

    /// The thread of slot `index`, started if it is not running.
    fn running(
        &self,
        index: usize,
        slot: &mut SlotState,
    ) -> std::io::Result<Arc<io_thread::LoopShared>> {
        if let Some(s) = &slot.running {
            return Ok(s.clone());
        }
        let (shared, handle) = io_thread::spawn(self.inner.clone(), index)?;
        slot.running = Some(shared.clone());
        slot.handle = Some(handle);
        slot.shared_keys.clear(); // a new thread, a new socket: no camera knows its address
        Ok(shared)
    }

    /// Waits until `ended` is set (an endpoint's `Drop` sets it and notifies `cond`), then
    /// joins the I/O threads that ended. On an I/O thread it returns at once: the endpoint may
    /// be served by this very thread, which would wait for itself.
    pub(crate) fn await_end(&self, ended: &Mutex<bool>, cond: &parking_lot::Condvar) {
        if on_io_thread() {
            return;
        }
        let mut e = ended.lock();
        while !*e {
            cond.wait(&mut e);
        }
        drop(e);
        self.reap();
    }

    /// Joins I/O threads that ended (they end when their last endpoint is removed). Called
    /// by the handles that wait for their endpoint's end, so that closing everything leaves
    /// no thread behind.
    pub(crate) fn reap(&self) {
        for slot in &self.inner.slots {
            let exited = std::mem::take(&mut slot.lock().exited);
            for t in exited {
                let _ = t.join();
            }
        }
    }
}

impl Inner {
    /// Called by an I/O thread whose endpoints are all gone: ends it unless new endpoints are
    /// on their way. Returns true when the thread must exit.
    fn retire(&self, index: usize, shared: &io_thread::LoopShared) -> bool {
        let mut slot = self.slots[index].lock();
        if shared.has_new() {
            return false;
        }
        slot.running = None;
        if let Some(h) = slot.handle.take() {
            slot.exited.push(h);
        }
        true
    }

    /// An endpoint of slot `index` was removed (`shared_key`: its key on the shared socket).
    fn unload(&self, index: usize, shared_key: Option<&str>) {
        let mut slot = self.slots[index].lock();
        slot.load = slot.load.saturating_sub(1);
        if let Some(k) = shared_key {
            slot.shared_keys
                .insert(k.to_string(), Some(super::now() + SHARED_REUSE_AFTER));
        }
    }
}

thread_local! {
    static ON_IO_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True on an I/O thread (where waiting for an endpoint would wait for ourselves).
pub(crate) fn on_io_thread() -> bool {
    ON_IO_THREAD.with(std::cell::Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Transmit;
    use std::net::SocketAddr;
    use std::sync::mpsc;

    /// An endpoint with no timer that reports its wakes and its quietness as told.
    struct Probe {
        quiet: bool,
        woken: mpsc::Sender<()>,
    }

    impl SansIo for Probe {
        fn handle_datagram(&mut self, _: Instant, _: SocketAddr, _: SocketAddr, _: &[u8]) {}
        fn handle_timeout(&mut self, _: Instant) {}
        fn poll_transmit(&mut self) -> Option<Transmit> {
            None
        }
        fn poll_timeout(&self) -> Option<Instant> {
            None
        }
    }

    impl Endpoint for Probe {
        fn start(&mut self, _: Instant) {}
        fn handle_wake(&mut self, _: Instant) {
            let _ = self.woken.send(());
        }
        fn publish(&mut self, _: Instant) -> Flow {
            Flow::Continue
        }
        fn is_quiet(&self, _: Instant) -> bool {
            self.quiet
        }
    }

    /// Spins until `cond()` holds; fails after a minute of wall-clock time.
    #[allow(clippy::disallowed_methods)]
    fn spin_until(what: &str, mut cond: impl FnMut() -> bool) {
        let start = Instant::now();
        while !cond() {
            assert!(start.elapsed() < Duration::from_secs(60), "never: {what}");
            std::thread::yield_now();
        }
    }

    fn driver(idle_rest: Duration) -> Driver {
        Driver::new(DriverConfig {
            idle_rest,
            ..DriverConfig::default()
        })
    }

    fn add(d: &Driver, quiet: bool) -> (EndpointWaker, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let w = d
            .register(vec![sock], Box::new(Probe { quiet, woken: tx }))
            .unwrap();
        (w, rx)
    }

    #[test]
    fn a_command_ends_an_idle_rest_at_once() {
        // A rest of ten minutes: only the waker can end it before the test gives up.
        let d = driver(Duration::from_secs(600));
        let (w, woken) = add(&d, true);
        spin_until("a rest", || d.idle_rests() > 0);
        let before = d.idle_rests();
        w.wake();
        woken
            .recv_timeout(Duration::from_secs(60))
            .expect("the wake was served during the rest");
        // And the thread rests again afterwards.
        spin_until("another rest", || d.idle_rests() > before);
    }

    #[test]
    fn one_endpoint_that_is_not_quiet_keeps_the_thread_from_resting() {
        let d = driver(Duration::from_secs(600));
        let (w2, woken) = add(&d, false);
        let (_w1, _r1) = add(&d, true);
        // Both endpoints are in and the thread went through an iteration since.
        w2.wake();
        woken.recv_timeout(Duration::from_secs(60)).unwrap();
        w2.wake();
        woken.recv_timeout(Duration::from_secs(60)).unwrap();
        assert_eq!(d.idle_rests(), 0);
    }

    /// A thread with one quiet endpoint and this rest serves two wakes without resting.
    fn one_quiet_endpoint_never_rests(idle_rest: Duration) {
        let d = driver(idle_rest);
        let (w, woken) = add(&d, true);
        w.wake();
        woken.recv_timeout(Duration::from_secs(60)).unwrap();
        w.wake();
        woken.recv_timeout(Duration::from_secs(60)).unwrap();
        assert_eq!(d.idle_rests(), 0);
    }

    #[test]
    fn a_thread_with_one_quiet_endpoint_does_not_rest_by_default() {
        // One keepalive a second: every one wakes the thread anyway; a rest would only delay.
        one_quiet_endpoint_never_rests(DEFAULT_IDLE_REST);
    }

    #[test]
    fn a_zero_idle_rest_never_rests() {
        one_quiet_endpoint_never_rests(Duration::ZERO);
    }

    /// An endpoint on the shared socket that reports what reaches it. It claims `peer` from
    /// the start or, searching (`peer` None), the first address that sends it `b"mine"`.
    struct Claimant {
        name: &'static str,
        peer: Option<SocketAddr>,
        got: mpsc::Sender<(&'static str, SocketAddr, Vec<u8>)>,
    }

    impl SansIo for Claimant {
        fn handle_datagram(&mut self, _: Instant, _: SocketAddr, from: SocketAddr, d: &[u8]) {
            if self.peer.is_none() && d == b"mine" {
                self.peer = Some(from);
            }
            let _ = self.got.send((self.name, from, d.to_vec()));
        }
        fn handle_timeout(&mut self, _: Instant) {}
        fn poll_transmit(&mut self) -> Option<Transmit> {
            None
        }
        fn poll_timeout(&self) -> Option<Instant> {
            None
        }
    }

    impl Endpoint for Claimant {
        fn start(&mut self, _: Instant) {
            let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
            let _ = self.got.send((self.name, unspecified, b"started".to_vec()));
        }
        fn handle_wake(&mut self, _: Instant) {}
        fn publish(&mut self, _: Instant) -> Flow {
            Flow::Continue
        }
        fn peer(&self) -> Option<SocketAddr> {
            self.peer
        }
        fn hears_strangers(&self, _: Instant) -> bool {
            self.peer.is_none()
        }
    }

    type Got = mpsc::Receiver<(&'static str, SocketAddr, Vec<u8>)>;

    /// Registers claimants on `d`'s shared socket and waits until they started (then their
    /// claims are known: the thread publishes an endpoint right after starting it); returns
    /// the socket's address (on loopback) and what reaches them.
    fn claimants(d: &Driver, list: &[(&'static str, Option<SocketAddr>)]) -> (SocketAddr, Got) {
        let (tx, rx) = mpsc::channel();
        let mut at = None;
        for &(name, peer) in list {
            let ep = Claimant {
                name,
                peer,
                got: tx.clone(),
            };
            let r = d
                .register_shared(name, Box::new(ep), |a| at = Some(a))
                .unwrap();
            assert!(
                matches!(r, Registered::Shared(_)),
                "{name} is on the shared socket"
            );
        }
        for _ in list {
            let (_, _, what) = rx.recv_timeout(Duration::from_secs(60)).unwrap();
            assert_eq!(what, b"started");
        }
        let port = at.expect("the shared socket's address").port();
        (SocketAddr::from(([127, 0, 0, 1], port)), rx)
    }

    fn sender() -> (UdpSocket, SocketAddr) {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        let a = s.local_addr().unwrap();
        (s, a)
    }

    #[test]
    fn the_shared_socket_hands_each_datagram_to_the_endpoint_claiming_its_source() {
        let d = driver(Duration::ZERO);
        let ((sa, a), (sb, b), (sc, c)) = (sender(), sender(), sender());
        let (shared, got) = claimants(&d, &[("A", Some(a)), ("B", Some(b))]);
        // Nobody claims C and nobody searches: its datagram goes nowhere.
        sc.send_to(b"from c", shared).unwrap();
        sa.send_to(b"from a", shared).unwrap();
        sb.send_to(b"from b", shared).unwrap();
        let mut seen: Vec<_> = (0..2)
            .map(|_| got.recv_timeout(Duration::from_secs(60)).unwrap())
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            vec![("A", a, b"from a".to_vec()), ("B", b, b"from b".to_vec())]
        );
        // C's datagram was read before A's and B's (one socket, in order): it reached nobody.
        assert!(got.try_recv().is_err());
        let _ = c;
    }

    #[test]
    fn a_stranger_is_offered_to_searching_endpoints_until_one_claims_it() {
        let d = driver(Duration::ZERO);
        let ((sx, x), (sy, y)) = (sender(), sender());
        let (shared, got) = claimants(&d, &[("S1", None), ("S2", None)]);
        let next = || got.recv_timeout(Duration::from_secs(60)).unwrap();
        // A stranger that nobody claims is offered to both searching endpoints.
        sx.send_to(b"other", shared).unwrap();
        let mut two = vec![next(), next()];
        two.sort();
        assert_eq!(
            two,
            vec![("S1", x, b"other".to_vec()), ("S2", x, b"other".to_vec())]
        );
        // The first offered takes Y: the second is not offered it.
        sy.send_to(b"mine", shared).unwrap();
        let (claimer, from, _) = next();
        assert_eq!(from, y);
        // From now on Y's datagrams reach the claimer alone, and X's the other searcher alone.
        sy.send_to(b"again", shared).unwrap();
        sx.send_to(b"still other", shared).unwrap();
        let mut two = vec![next(), next()];
        two.sort();
        let other = if claimer == "S1" { "S2" } else { "S1" };
        let mut want = vec![
            (claimer, y, b"again".to_vec()),
            (other, x, b"still other".to_vec()),
        ];
        want.sort();
        assert_eq!(two, want);
        assert!(got.try_recv().is_err(), "nothing else arrived");
    }

    #[test]
    fn one_key_per_shared_socket() {
        let d = driver(Duration::ZERO);
        let (tx, _rx) = mpsc::channel();
        let ep = |peer| Claimant {
            name: "K",
            peer,
            got: tx.clone(),
        };
        let first = d.register_shared("K", Box::new(ep(None)), |_| {}).unwrap();
        assert!(matches!(first, Registered::Shared(_)));
        let second = d.register_shared("K", Box::new(ep(None)), |_| {}).unwrap();
        assert!(
            matches!(second, Registered::Refused(_)),
            "the same camera twice"
        );
        let off = Driver::new(DriverConfig {
            shared_socket: false,
            ..DriverConfig::default()
        });
        let r = off
            .register_shared("K", Box::new(ep(None)), |_| {})
            .unwrap();
        assert!(
            matches!(r, Registered::Refused(_)),
            "a driver that does not share"
        );
    }
}
