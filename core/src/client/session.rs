//! [`Session`]: one camera, served by the driver's I/O threads (see [`super::Driver`]).
//!
//! The synchronous API sends commands to the session's endpoint on an I/O thread and waits
//! for the answer; event-driven hosts use [`Session::start`], [`Session::set_notify`], the
//! `try_next_*` methods and the `*_with` requests instead, and never block.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use parking_lot::{Condvar, Mutex};
use serde_json::Value;

use super::driver::{Driver, Endpoint, EndpointWaker, Flow};
use super::queue::{DropOldest, Pop};
use super::{lan_targets_from_env, parse_host, Frame, LAN_PORT};
use crate::error::{ClosedBy, Error, Result};
use crate::proto::cipher::Cipher;
use crate::proto::conn::{CloseReason, ConnConfig};
use crate::proto::controller::{
    channel, CommandError, ControllerConfig, ControllerError, ControllerStats, RequestId,
};
use crate::proto::dialect::{Dialect, DialectChoice, DialectSource};
use crate::proto::operation::{Outcome, ReplyKind};
use crate::proto::ops::{FlipMirror, Op, Params, PtzDirection, SdInfo, WifiNetwork};
use crate::proto::psk::PskChoice;
use crate::proto::reconnect::ReconnectPolicy;
use crate::proto::supervisor::{self, Failure, Request, Supervisor, SupervisorConfig};
use crate::proto::{SansIo, Transmit};
use crate::Uid;

/// How to reach and log into a camera.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The camera's UID (any accepted spelling; validated by `connect`).
    pub uid: String,
    /// The camera's address `HOST[:PORT]`, PORT being its LAN-search port (default 32108). The
    /// search goes there by unicast and the session follows the camera to whatever port it
    /// answers from. `None`: search by broadcast (or at [`super::LAN_TARGETS_ENV`]).
    pub host: Option<String>,
    /// Extra unicast search targets.
    pub targets: Vec<SocketAddr>,
    /// Broadcast the search on every interface when no host is given.
    pub broadcast: bool,
    /// Local address to bind (default `0.0.0.0:0`).
    pub bind: Option<SocketAddr>,
    /// Login user.
    pub user: String,
    /// Login password.
    pub password: String,
    /// `auto`, `none`, a known PSK name, or `custom:<psk>`.
    pub psk: String,
    /// How long to search and handshake.
    pub connect_timeout: Duration,
    /// How long a command waits for its reply.
    pub command_timeout: Duration,
    /// Declare the camera dead after this long without a packet.
    pub dead_after: Duration,
    /// Video frames buffered for the consumer before the oldest is dropped.
    pub video_queue: usize,
    /// Bytes of video buffered for the consumer before the oldest frame is dropped.
    pub video_queue_bytes: usize,
    /// Audio frames buffered for the consumer before the oldest is dropped.
    pub audio_queue: usize,
    /// Bytes of audio buffered for the consumer before the oldest frame is dropped.
    pub audio_queue_bytes: usize,
    /// Events (life events and unsolicited camera messages) buffered before the oldest is
    /// dropped.
    pub event_queue: usize,
    /// The driver whose I/O threads serve the session (`None`: [`Driver::global`]).
    pub driver: Option<Driver>,
    /// Sample rate of talk-back audio given to [`Session::talk`] (8000 by default; some
    /// cameras play 11025).
    pub talk_rate: u32,
    /// Reconnect when the camera is lost (silence or MSG_CLOSE) after the session was up:
    /// log in again, restart video/audio, keep delivering frames on the same
    /// [`Session::next_frame`]. `None` (default): the session closes.
    pub reconnect: Option<ReconnectPolicy>,
    /// The channel-0 dialect: `auto` (default: the UID prefix table, then probing at login),
    /// `shix`, `cgi` or `binary` (see [`crate::proto::dialect`]).
    pub dialect: String,
    /// Numbering of SHIX commands: `vi365` (default), `hdwificam-pro` or `lookcam-pro`
    /// (PROTOCOL.md §8.2).
    pub family: String,
    /// How long each login attempt waits while other dialects remain to be probed.
    pub probe_timeout: Duration,
    /// Give up on a channel-0 index the camera never sends after this long (or twice the
    /// retransmission timeout, when longer) and resynchronise on the next command (some
    /// firmware skips an index); 1 s by default, well before `command_timeout`. `None`: wait
    /// forever.
    pub command_skip_after: Option<Duration>,
}

impl SessionConfig {
    /// Defaults for `uid`: broadcast search, user `admin`, password `6666`, PSK auto.
    pub fn new(uid: impl Into<String>) -> Self {
        SessionConfig {
            uid: uid.into(),
            host: None,
            targets: Vec::new(),
            broadcast: true,
            bind: None,
            user: crate::proto::shix::DEFAULT_USER.into(),
            password: crate::proto::shix::DEFAULT_PASSWORD.into(),
            psk: "auto".into(),
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(5),
            dead_after: Duration::from_secs(8),
            video_queue: 32,
            video_queue_bytes: 16 * 1024 * 1024,
            audio_queue: 64,
            audio_queue_bytes: 1024 * 1024,
            event_queue: 1024,
            driver: None,
            reconnect: None,
            talk_rate: crate::proto::controller::TALK_SAMPLE_RATE,
            dialect: "auto".into(),
            family: crate::proto::shix::VI365.name.into(),
            probe_timeout: Duration::from_secs(2),
            command_skip_after: Some(crate::proto::conn::DEFAULT_COMMAND_SKIP_AFTER),
        }
    }

    /// Sets the dialect (`auto`, `shix`, `cgi`, `binary`).
    pub fn dialect(mut self, dialect: impl Into<String>) -> Self {
        self.dialect = dialect.into();
        self
    }

    /// Sets the SHIX command family (`vi365`, `hdwificam-pro`, `lookcam-pro`).
    pub fn family(mut self, family: impl Into<String>) -> Self {
        self.family = family.into();
        self
    }

    /// Enables reconnection with `policy` (see [`SessionConfig::reconnect`]).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = Some(policy);
        self
    }

    /// Sets the camera's address (`HOST[:PORT]`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets user and password.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user = user.into();
        self.password = password.into();
        self
    }

    /// Sets the PSK (`auto`, `none`, a name, or `custom:<psk>`).
    pub fn psk(mut self, psk: impl Into<String>) -> Self {
        self.psk = psk.into();
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Validates the configuration and builds the controller's.
    fn controller_config(&self) -> Result<ControllerConfig> {
        let uid = Uid::parse(&self.uid)?;
        let psk = PskChoice::parse(&self.psk)?;
        let mut targets = self.targets.clone();
        if let Some(h) = &self.host {
            targets.push(parse_host(h, LAN_PORT)?);
        }
        let mut broadcast = false;
        if targets.is_empty() {
            match lan_targets_from_env() {
                Some(t) => targets = t?,
                None if self.broadcast => {
                    broadcast = true;
                    targets = super::broadcast_targets(LAN_PORT);
                }
                None => {}
            }
        }
        if targets.is_empty() {
            return Err(Error::InvalidArgument(
                "no search target: give the camera's host, or enable broadcast".into(),
            ));
        }
        if self.video_queue == 0 || self.audio_queue == 0 || self.event_queue == 0 {
            return Err(Error::InvalidArgument(
                "frame and event queues need room for at least one item".into(),
            ));
        }
        let mut conn = ConnConfig::new(uid, targets);
        conn.psk = psk;
        conn.connect_timeout = self.connect_timeout;
        conn.dead_after = self.dead_after;
        conn.command_skip_after = self.command_skip_after;
        conn.broadcast = broadcast;
        let dialect = DialectChoice::parse(&self.dialect)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let family = crate::proto::shix::family(&self.family).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "unknown SHIX command family {:?} (expected {})",
                self.family,
                crate::proto::shix::FAMILIES
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let mut c = ControllerConfig::new(conn);
        c.user = self.user.clone();
        c.password = self.password.clone();
        c.command_timeout = self.command_timeout;
        if !(4000..=48000).contains(&self.talk_rate) {
            return Err(Error::InvalidArgument(format!(
                "talk_rate {} Hz (expected 4000-48000, usually 8000 or 11025)",
                self.talk_rate
            )));
        }
        c.talk_rate = self.talk_rate;
        c.dialect = dialect;
        c.family = family;
        c.probe_timeout = self.probe_timeout;
        Ok(c)
    }
}

/// Something that happened to a session, for callers who watch its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// A search and handshake begins: when the session starts, and before every
    /// reconnection attempt.
    Connecting,
    /// The transport session is up.
    Connected {
        /// The camera's session address.
        peer: SocketAddr,
        /// The cipher in use ("plain" or a PSK name).
        cipher: String,
    },
    /// A login (the user's, or the one after a reconnection) was accepted.
    LoggedIn {
        /// The camera's answer.
        reply: Value,
    },
    /// A login was refused (wrong user or password).
    LoginRefused {
        /// The camera's result code.
        result: i64,
    },
    /// A channel-0 message the camera sent on its own (same JSON shape as replies; CGI
    /// messages carry `"text"`).
    Message(Value),
    /// The camera was lost (only with a reconnect policy): reconnection attempts follow.
    Disconnected {
        /// Why the transport session ended.
        reason: CloseReason,
    },
    /// The session is up again after [`SessionEvent::Disconnected`]; it logs in again and
    /// restarts the media that was running.
    Reconnected {
        /// The attempt that succeeded (1-based).
        attempt: u32,
    },
    /// The session ended.
    Closed(CloseReason),
}

/// Counters of a session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Protocol counters.
    pub controller: ControllerStats,
    /// Video frames dropped because the consumer fell behind.
    pub video_dropped: u64,
    /// Audio frames dropped because the consumer fell behind.
    pub audio_dropped: u64,
    /// Successful reconnections (the protocol counters restart with each).
    pub reconnects: u64,
}

impl SessionStats {
    /// Total retransmissions of our packets.
    pub fn retransmits(&self) -> u64 {
        self.controller.conn.retransmits()
    }
}

/// Called on an I/O thread whenever a session queued a frame, an event or completed a
/// request. It must return quickly and never block (hand the news to another thread).
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// Receives the outcome of an asynchronous request, on an I/O thread: it must return quickly
/// and never block.
pub type Completion = Box<dyn FnOnce(Result<Value>) + Send>;

/// Where the outcome of a request goes.
enum Waiter {
    Channel(Sender<Result<Value>>),
    Callback(Completion),
}

impl Waiter {
    fn complete(self, r: Result<Value>) {
        match self {
            Waiter::Channel(tx) => {
                let _ = tx.send(r);
            }
            Waiter::Callback(f) => f(r),
        }
    }
}

enum Cmd {
    Login(Waiter),
    Request(Request, Waiter),
    Write(u8, Vec<u8>, Sender<Result<()>>),
    Talk(Vec<i16>, Sender<Result<()>>),
    TalkQueued(Sender<Result<Duration>>),
    Close,
}

/// What the user's threads and the endpoint share.
struct Shared {
    state: Mutex<SharedState>,
    video: DropOldest<Frame>,
    audio: DropOldest<Frame>,
    /// The endpoint holds the only sender: the channel disconnects when the session is
    /// finished.
    events: Receiver<SessionEvent>,
    video_dropped: AtomicU64,
    audio_dropped: AtomicU64,
    events_dropped: AtomicU64,
    reconnects: AtomicU64,
    notify: Mutex<Option<Notify>>,
    /// The first connection's outcome (`None` while it is under way; `Err` holds why it
    /// failed).
    first: Mutex<Option<std::result::Result<(), CloseReason>>>,
    /// Set when the endpoint is gone: nothing more will arrive.
    done: Mutex<bool>,
    cond: Condvar,
}

#[derive(Debug, Default)]
struct SharedState {
    peer: Option<SocketAddr>,
    cipher: Option<Cipher>,
    closed: Option<CloseReason>,
    stats: ControllerStats,
    local: Option<SocketAddr>,
    dialect: Option<(Dialect, DialectSource)>,
    duplicates: Vec<SocketAddr>,
}

impl Shared {
    fn notify(&self) {
        let f = self.notify.lock().clone();
        if let Some(f) = f {
            f();
        }
    }

    fn set_first(&self, r: std::result::Result<(), CloseReason>) {
        let mut first = self.first.lock();
        if first.is_none() {
            *first = Some(r);
            drop(first);
            self.cond.notify_all();
        }
    }
}

/// A connected camera. Every method is callable from any thread; the protocol runs on an I/O
/// thread of the session's [`Driver`]. Dropping the session closes it.
pub struct Session {
    uid: Uid,
    config: SessionConfig,
    cmd: Sender<Cmd>,
    waker: EndpointWaker,
    driver: Driver,
    shared: Arc<Shared>,
    /// Dropping waits for the close to finish (see [`Session::close_in_background`]).
    wait_on_drop: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("uid", &self.uid)
            .field("peer", &self.peer())
            .field("open", &self.is_open())
            .finish()
    }
}

impl Session {
    /// Searches for the camera, completes the handshake and returns the connected session
    /// (not yet logged in: call [`Session::login`]).
    pub fn connect(config: SessionConfig) -> Result<Session> {
        let s = Session::start(config)?;
        s.wait_connected()?;
        Ok(s)
    }

    /// Waits for the first connection of a [`Session::start`]ed session: `Ok` once it is up,
    /// else why it failed ([`Error::Offline`], [`Error::Timeout`], [`Error::Closed`]).
    pub fn wait_connected(&self) -> Result<()> {
        self.wait_connected_for(Duration::MAX).unwrap_or(Ok(()))
    }

    /// [`Session::wait_connected`] for at most `timeout`: `None` while still connecting.
    pub fn wait_connected_for(&self, timeout: Duration) -> Option<Result<()>> {
        let deadline = super::now().checked_add(timeout);
        let mut first = self.shared.first.lock();
        while first.is_none() {
            match deadline {
                Some(d) => {
                    if self.shared.cond.wait_until(&mut first, d).timed_out() && first.is_none() {
                        return None;
                    }
                }
                None => self.shared.cond.wait(&mut first),
            }
        }
        let outcome = (*first).expect("checked above");
        drop(first);
        Some(
            outcome.map_err(|r| {
                Error::from_close(r, &self.uid.to_string(), self.config.connect_timeout)
            }),
        )
    }

    /// Starts the search and handshake and returns at once: only a bad configuration fails
    /// here. Progress arrives as [`SessionEvent`]s ([`SessionEvent::Connecting`], then
    /// [`SessionEvent::Connected`] or [`SessionEvent::Closed`]); requests made before the
    /// session is up fail with [`Error::Closed`].
    pub fn start(config: SessionConfig) -> Result<Session> {
        let cc = config.controller_config()?;
        let uid = cc.conn.uid.clone();
        let bind = config
            .bind
            .unwrap_or_else(|| "0.0.0.0:0".parse().expect("valid literal"));
        let socket = super::bind_udp(bind)?;
        if config.host.is_none() && config.broadcast {
            socket.set_broadcast(true)?;
        }
        let (events_tx, events_rx) = bounded(config.event_queue);
        let shared = Arc::new(Shared {
            state: Mutex::new(SharedState {
                local: socket.local_addr().ok(),
                ..SharedState::default()
            }),
            video: DropOldest::new(config.video_queue, config.video_queue_bytes),
            audio: DropOldest::new(config.audio_queue, config.audio_queue_bytes),
            events: events_rx,
            video_dropped: AtomicU64::new(0),
            audio_dropped: AtomicU64::new(0),
            events_dropped: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            notify: Mutex::new(None),
            first: Mutex::new(None),
            done: Mutex::new(false),
            cond: Condvar::new(),
        });
        let (cmd_tx, cmd_rx) = unbounded();
        let sup = Supervisor::new(
            SupervisorConfig {
                controller: cc,
                reconnect: config.reconnect.clone(),
            },
            super::now(),
        );
        let endpoint = SessionEndpoint {
            sup,
            cmd: cmd_rx,
            shared: shared.clone(),
            events: events_tx,
            waiting: HashMap::new(),
            last_stats: None,
            news: false,
        };
        let driver = config
            .driver
            .clone()
            .unwrap_or_else(|| Driver::global().clone());
        let waker = driver.register(vec![socket], Box::new(endpoint))?;
        Ok(Session {
            uid,
            config,
            cmd: cmd_tx,
            waker,
            driver,
            shared,
            wait_on_drop: true,
        })
    }

    /// The camera's UID.
    pub fn uid(&self) -> &Uid {
        &self.uid
    }

    /// The camera's session address.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.shared.state.lock().peer
    }

    /// Other addresses that answered the search for this camera's UID (at most
    /// [`crate::proto::conn::MAX_DUPLICATES`], one per IP address): a duplicate UID on the
    /// network, or an impostor. The session talks only to [`Session::peer`], the first to
    /// answer; each duplicate is also logged as a warning. After a search by unicast only the targets'
    /// addresses count, so a duplicate there is another target answering for the same UID.
    /// Answers can still arrive just after `connect` returns.
    pub fn duplicates(&self) -> Vec<SocketAddr> {
        self.shared.state.lock().duplicates.clone()
    }

    /// Our local socket address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.state.lock().local
    }

    /// The cipher in use.
    pub fn cipher(&self) -> Option<Cipher> {
        self.shared.state.lock().cipher.clone()
    }

    /// True until the session is closed.
    pub fn is_open(&self) -> bool {
        self.shared.state.lock().closed.is_none()
    }

    /// Why the session closed, if it did.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.shared.state.lock().closed
    }

    /// Counters (updated by the I/O thread a few times per second and on every frame).
    pub fn stats(&self) -> SessionStats {
        SessionStats {
            controller: self.shared.state.lock().stats.clone(),
            video_dropped: self.shared.video_dropped.load(Ordering::Relaxed),
            audio_dropped: self.shared.audio_dropped.load(Ordering::Relaxed),
            reconnects: self.shared.reconnects.load(Ordering::Relaxed),
        }
    }

    /// Life events and unsolicited camera messages, for watchers (the oldest is dropped
    /// beyond [`SessionConfig::event_queue`]).
    pub fn events(&self) -> &Receiver<SessionEvent> {
        &self.shared.events
    }

    /// The next event, without waiting.
    pub fn try_next_event(&self) -> Option<SessionEvent> {
        self.shared.events.try_recv().ok()
    }

    /// Waits up to `timeout` for the next event; `None` on timeout, and at once when the
    /// session is finished and every event was returned.
    pub fn next_event(&self, timeout: Duration) -> Option<SessionEvent> {
        self.shared.events.recv_timeout(timeout).ok()
    }

    /// Sets (or, with `None`, removes) the function called on an I/O thread whenever the
    /// session queued a frame or an event or completed a request (see [`Notify`]). Event-driven
    /// hosts call it, then drain with the `try_next_*` methods.
    pub fn set_notify(&self, notify: Option<Notify>) {
        *self.shared.notify.lock() = notify;
    }

    fn closed_error(&self) -> Error {
        match self.close_reason() {
            Some(r) => Error::from_close(r, &self.uid.to_string(), self.config.connect_timeout),
            None => Error::Closed(ClosedBy::Local),
        }
    }

    fn send(&self, cmd: Cmd) -> Result<()> {
        self.cmd.send(cmd).map_err(|_| self.closed_error())?;
        self.waker.wake();
        Ok(())
    }

    fn roundtrip<T>(
        &self,
        make: impl FnOnce(Sender<Result<T>>) -> Cmd,
        wait: Duration,
    ) -> Result<T> {
        let (tx, rx) = bounded(1);
        self.send(make(tx))?;
        match rx.recv_timeout(wait) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => Err(Error::Timeout {
                what: "the session's I/O thread",
                after: wait,
            }),
            Err(RecvTimeoutError::Disconnected) => Err(self.closed_error()),
        }
    }

    fn wait(&self) -> Duration {
        self.config.command_timeout + Duration::from_secs(2)
    }

    fn request(&self, request: Request) -> Result<Value> {
        self.roundtrip(|tx| Cmd::Request(request, Waiter::Channel(tx)), self.wait())
    }

    fn request_with(&self, request: Request, done: Completion) {
        if let Err(Cmd::Request(_, w)) = self
            .cmd
            .send(Cmd::Request(request, Waiter::Callback(done)))
            .map_err(|e| e.0)
        {
            w.complete(Err(self.closed_error()));
            return;
        }
        self.waker.wake();
    }

    /// Logs in, in the camera's dialect (SHIX `check_user`, CGI `check_user.cgi`, iLnk
    /// CMD_SYSTEM_USER_CHK); with dialect `auto` and a UID prefix the table does not know (or a
    /// camera that does not answer the prefix's dialect) the dialects are probed in turn. A
    /// refusal is [`Error::WrongPassword`] in every dialect; a camera that answers no dialect
    /// is [`Error::Protocol`]. Returns the reply.
    pub fn login(&self) -> Result<Value> {
        let probing = self.config.probe_timeout * 3 + self.config.connect_timeout * 2;
        self.roundtrip(|tx| Cmd::Login(Waiter::Channel(tx)), self.wait() + probing)
    }

    /// [`Session::login`] without waiting: `done` receives the outcome on an I/O thread.
    pub fn login_with(&self, done: Completion) {
        match self.cmd.send(Cmd::Login(Waiter::Callback(done))) {
            Ok(()) => self.waker.wake(),
            Err(e) => {
                if let Cmd::Login(w) = e.0 {
                    w.complete(Err(self.closed_error()));
                }
            }
        }
    }

    /// The channel-0 dialect in use: known after connecting when configured or given by the
    /// UID prefix, otherwise after the login found it.
    pub fn dialect(&self) -> Option<Dialect> {
        self.shared.state.lock().dialect.map(|(d, _)| d)
    }

    /// How the dialect in use was decided.
    pub fn dialect_source(&self) -> Option<DialectSource> {
        self.shared.state.lock().dialect.map(|(_, s)| s)
    }

    /// Sends a VStarcam CGI request (`get_status.cgi`, `decoder_control.cgi?command=0&onestep=0`
    /// …; the credentials are added) and returns the reply:
    /// `{"dialect":"cgi","cmd":…,"cgi":…,"result":…,"fields":{…},"text":…}`.
    pub fn cgi(&self, request: &str) -> Result<Value> {
        self.request(Request::Cgi(request.to_owned()))
    }

    /// [`Session::cgi`] without waiting: `done` receives the reply on an I/O thread.
    pub fn cgi_with(&self, request: &str, done: Completion) {
        self.request_with(Request::Cgi(request.to_owned()), done)
    }

    /// Sends an iLnk binary command with a plain payload (the ticket and XqBytes encoding are
    /// added) and returns the reply (command + 0x100):
    /// `{"dialect":"binary","cmd":…,"payload_hex":…,"ticket":…}`.
    pub fn binary(&self, cmd: u16, payload: &[u8]) -> Result<Value> {
        self.request(Request::Binary(cmd, payload.to_vec()))
    }

    /// [`Session::binary`] without waiting: `done` receives the reply on an I/O thread.
    pub fn binary_with(&self, cmd: u16, payload: &[u8], done: Completion) {
        self.request_with(Request::Binary(cmd, payload.to_vec()), done)
    }

    /// Sends a typed operation in the camera's dialect and returns the raw reply (no check of
    /// `result`); the typed methods below check it.
    pub fn op(&self, op: Op) -> Result<Value> {
        self.request(Request::Op(op))
    }

    /// [`Session::op`] without waiting: `done` receives the raw reply on an I/O thread.
    pub fn op_with(&self, op: Op, done: Completion) {
        self.request_with(Request::Op(op), done)
    }

    /// Runs a typed operation and returns its typed result (see
    /// [`crate::proto::operation`]): a non-zero `result` is [`Error::Rejected`] (or
    /// [`Error::WrongPassword`] when the camera refused the credentials).
    pub fn call(&self, op: Op) -> Result<Outcome> {
        let kind = op.spec().reply;
        outcome(kind, self.op(op)?)
    }

    /// [`Session::call`] without waiting: `done` receives the outcome on an I/O thread.
    pub fn call_with(&self, op: Op, done: Box<dyn FnOnce(Result<Outcome>) + Send>) {
        let kind = op.spec().reply;
        self.op_with(
            op,
            Box::new(move |r| done(r.and_then(|v| outcome(kind, v)))),
        );
    }

    /// Starts moving the camera head (SHIX: the four axis directions only).
    pub fn ptz(&self, direction: PtzDirection) -> Result<()> {
        self.call(Op::Ptz(direction)).map(drop)
    }

    /// Stops moving the camera head.
    pub fn ptz_stop(&self) -> Result<()> {
        self.call(Op::PtzStop).map(drop)
    }

    /// Returns the camera head to its centre / home position.
    pub fn ptz_center(&self) -> Result<()> {
        self.call(Op::PtzCenter).map(drop)
    }

    /// Stores the current position as preset `n` (0–15; VStarcam CGI cameras).
    pub fn ptz_preset(&self, n: u8) -> Result<()> {
        self.call(Op::PtzSetPreset(n)).map(drop)
    }

    /// Moves to preset `n` (0–15; VStarcam CGI cameras).
    pub fn ptz_goto_preset(&self, n: u8) -> Result<()> {
        self.call(Op::PtzGotoPreset(n)).map(drop)
    }

    /// Switches the IR cut filter / night vision on or off (SHIX, CGI).
    pub fn set_ir(&self, on: bool) -> Result<()> {
        self.call(Op::SetIr(on)).map(drop)
    }

    /// Toggles the IR cut filter (iLnk binary cameras, which have no on/off command).
    pub fn toggle_ir(&self) -> Result<()> {
        self.call(Op::ToggleIr).map(drop)
    }

    /// Switches the white light on or off (SHIX).
    pub fn set_white_light(&self, on: bool) -> Result<()> {
        self.call(Op::SetWhiteLight(on)).map(drop)
    }

    /// Switches the lamp on or off (SHIX).
    pub fn set_lamp(&self, on: bool) -> Result<()> {
        self.call(Op::SetLamp(on)).map(drop)
    }

    /// Sets the image orientation.
    pub fn set_flip_mirror(&self, fm: FlipMirror) -> Result<()> {
        self.call(Op::SetFlipMirror(fm)).map(drop)
    }

    /// Reads the camera's parameters (SHIX `get_parms`, CGI `get_status.cgi`, binary status).
    pub fn params(&self) -> Result<Params> {
        match self.call(Op::GetParams)? {
            Outcome::Params(p) => Ok(p),
            other => Err(unexpected(other)),
        }
    }

    /// Sets parameters by name (SHIX `dev_control` fields such as `{"lamp": 1}`).
    pub fn set_params(&self, fields: serde_json::Map<String, Value>) -> Result<()> {
        self.call(Op::SetParams(fields)).map(drop)
    }

    /// Scans for Wi-Fi networks.
    pub fn wifi_scan(&self) -> Result<Vec<WifiNetwork>> {
        match self.call(Op::WifiScan)? {
            Outcome::WifiNetworks(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    /// Makes the camera join a Wi-Fi network.
    pub fn set_wifi(&self, ssid: &str, password: &str) -> Result<()> {
        self.call(Op::SetWifi {
            ssid: ssid.to_owned(),
            password: password.to_owned(),
        })
        .map(drop)
    }

    /// Reboots the camera (the session ends when it goes down).
    pub fn reboot(&self) -> Result<()> {
        self.call(Op::Reboot).map(drop)
    }

    /// Sets the camera's clock: `epoch` seconds (UTC) and its time zone in seconds east of UTC.
    pub fn set_time(&self, epoch: i64, tz_offset_secs: i32) -> Result<()> {
        self.call(Op::SetTime {
            epoch,
            tz_offset_secs,
        })
        .map(drop)
    }

    /// Reads SD card information.
    pub fn sd_info(&self) -> Result<SdInfo> {
        match self.call(Op::SdInfo)? {
            Outcome::SdInfo(i) => Ok(i),
            other => Err(unexpected(other)),
        }
    }

    /// Sends a raw JSON command and returns the reply matched to it. `user`, `pwd`,
    /// `devmac` and a missing `cmd` (from a known `pro`) are filled in.
    pub fn command(&self, json: Value) -> Result<Value> {
        self.request(Request::Json(json))
    }

    /// [`Session::command`] without waiting: `done` receives the reply on an I/O thread.
    pub fn command_with(&self, json: Value, done: Completion) {
        self.request_with(Request::Json(json), done)
    }

    /// Starts video (SHIX resolution 1 = 640×480, 2 = 320×240); returns the camera's
    /// answer, [`Error::Rejected`] when it refuses.
    pub fn start_video_with(&self, resolution: u8) -> Result<Value> {
        self.call_raw(Op::start_video(resolution))
    }

    /// [`Session::call`] for the operations whose raw answer the caller keeps.
    fn call_raw(&self, op: Op) -> Result<Value> {
        match self.call(op)? {
            Outcome::Done(reply) => Ok(reply),
            other => Err(unexpected(other)),
        }
    }

    /// Starts video at the default resolution.
    pub fn start_video(&self) -> Result<Value> {
        self.start_video_with(1)
    }

    /// Stops video ([`Error::Rejected`] when the camera refuses).
    pub fn stop_video(&self) -> Result<Value> {
        self.call_raw(Op::StopVideo)
    }

    /// Starts audio ([`Error::Rejected`] when the camera refuses).
    pub fn start_audio(&self) -> Result<Value> {
        self.call_raw(Op::StartAudio)
    }

    /// Stops audio ([`Error::Rejected`] when the camera refuses).
    pub fn stop_audio(&self) -> Result<Value> {
        self.call_raw(Op::StopAudio)
    }

    /// Writes raw bytes on a DRW channel (0–7).
    pub fn write_channel(&self, channel: u8, data: Vec<u8>) -> Result<()> {
        self.roundtrip(|tx| Cmd::Write(channel, data, tx), self.wait())
    }

    /// Sends 16-bit mono PCM at [`SessionConfig::talk_rate`] (8 kHz by default) to the
    /// camera's speaker (channel 3, IMA ADPCM, paced in real time by the I/O thread). Returns
    /// once the audio is queued; at most 30 s may wait at any time.
    pub fn talk(&self, pcm: &[i16]) -> Result<()> {
        self.roundtrip(|tx| Cmd::Talk(pcm.to_vec(), tx), self.wait())
    }

    /// [`Session::talk`] for little-endian 16-bit PCM bytes; an odd byte count is an error.
    pub fn talk_bytes(&self, pcm: &[u8]) -> Result<()> {
        let samples = crate::proto::adpcm::pcm_from_le_bytes(pcm)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        self.talk(&samples)
    }

    /// The sample rate [`Session::talk`] expects.
    pub fn talk_rate(&self) -> u32 {
        self.config.talk_rate
    }

    /// Talk-back audio queued and not yet sent (wait for zero before closing to let the
    /// camera play everything).
    pub fn talk_queued(&self) -> Result<Duration> {
        self.roundtrip(Cmd::TalkQueued, self.wait())
    }

    /// Waits up to `timeout` for the next video frame. `Ok(None)` on timeout; frames
    /// received before a close are still returned, then the close is an error.
    pub fn next_frame(&self, timeout: Duration) -> Result<Option<Frame>> {
        self.next_from(&self.shared.video, timeout)
    }

    /// Waits up to `timeout` for the next audio frame (see [`Session::next_frame`]).
    pub fn next_audio(&self, timeout: Duration) -> Result<Option<Frame>> {
        self.next_from(&self.shared.audio, timeout)
    }

    /// Threads blocked right now in [`Session::next_frame`] or [`Session::next_audio`]: for
    /// tests that must know a reader is waiting before they check that something wakes it.
    pub fn blocked_readers(&self) -> usize {
        self.shared.video.waiting() + self.shared.audio.waiting()
    }

    /// Video and audio frames waiting to be read.
    pub fn queued_frames(&self) -> (usize, usize) {
        (self.shared.video.held().0, self.shared.audio.held().0)
    }

    /// The next video frame, without waiting.
    pub fn try_next_frame(&self) -> Option<Frame> {
        self.shared.video.try_pop()
    }

    /// The next audio frame, without waiting.
    pub fn try_next_audio(&self) -> Option<Frame> {
        self.shared.audio.try_pop()
    }

    fn next_from(&self, q: &DropOldest<Frame>, timeout: Duration) -> Result<Option<Frame>> {
        match q.pop_timeout(timeout) {
            Pop::Item(f) => Ok(Some(f)),
            Pop::Timeout => Ok(None),
            Pop::Closed => Err(self.closed_error()),
        }
    }

    /// Starts closing and returns at once: [`Session::is_finished`] tells when nothing more can
    /// arrive (the [`Notify`] hook is called then).
    pub fn begin_close(&self) {
        let _ = self.send(Cmd::Close);
    }

    /// True once the session's I/O side is gone: no frame, event, completion or notify call
    /// can come any more.
    pub fn is_finished(&self) -> bool {
        *self.shared.done.lock()
    }

    /// Drops the session without waiting for its close to finish (it finishes on the I/O
    /// thread): for hosts that must not block, such as a garbage collector.
    pub fn close_in_background(mut self) {
        self.wait_on_drop = false;
    }

    /// Closes the session gracefully (waits up to a second for unacknowledged data) and
    /// returns once nothing more can arrive from it (no frame, event, completion or notify
    /// call). Idempotent. Called from a [`Notify`] or [`Completion`] (on an I/O thread) it only
    /// starts the close.
    pub fn close(&self) {
        let _ = self.send(Cmd::Close);
        if super::driver::on_io_thread() {
            return;
        }
        let mut done = self.shared.done.lock();
        while !*done {
            self.shared.cond.wait(&mut done);
        }
        drop(done);
        self.driver.reap();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.wait_on_drop {
            self.close();
        } else {
            self.begin_close();
        }
    }
}

/// The typed outcome of an operation's reply, or the error its refusal is.
fn outcome(kind: ReplyKind, reply: Value) -> Result<Outcome> {
    Outcome::from_reply(kind, reply).map_err(|r| {
        if r.credentials {
            Error::WrongPassword { result: r.result }
        } else {
            Error::Rejected {
                result: r.result,
                reply: r.reply,
            }
        }
    })
}

/// An outcome of another kind than the operation's (a broken invariant of the table).
fn unexpected(o: Outcome) -> Error {
    Error::Protocol(format!("unexpected outcome {o:?}"))
}

fn controller_error(e: ControllerError) -> Error {
    match e {
        ControllerError::BadRequest(r) => Error::InvalidCommand(r.to_string()),
        ControllerError::Write(crate::proto::conn::ConnWriteError::NotConnected) => {
            Error::Closed(ClosedBy::Local)
        }
        ControllerError::Write(w) => Error::BufferFull(w.to_string()),
        e @ ControllerError::TalkQueueFull { .. } => Error::BufferFull(e.to_string()),
        e @ (ControllerError::Cgi(_)
        | ControllerError::Binary(_)
        | ControllerError::Unsupported(_)
        | ControllerError::DialectUnknown
        | ControllerError::LoginInProgress) => Error::InvalidCommand(e.to_string()),
    }
}

/// The session on its I/O thread.
struct SessionEndpoint {
    sup: Supervisor,
    cmd: Receiver<Cmd>,
    shared: Arc<Shared>,
    /// The only sender of the events: dropped with the endpoint, which ends
    /// [`Session::next_event`]'s waits.
    events: Sender<SessionEvent>,
    waiting: HashMap<RequestId, Waiter>,
    last_stats: Option<Instant>,
    /// Something was queued for the user since the last notify.
    news: bool,
}

impl SansIo for SessionEndpoint {
    fn handle_datagram(&mut self, now: Instant, _local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.sup.handle_datagram(now, from, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.sup.handle_timeout(now);
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.sup.poll_transmit()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.sup.poll_timeout()
    }
}

impl Endpoint for SessionEndpoint {
    fn start(&mut self, now: Instant) {
        self.sup.start(now);
    }

    fn handle_wake(&mut self, now: Instant) {
        while let Ok(cmd) = self.cmd.try_recv() {
            self.apply(now, cmd);
        }
    }

    fn publish(&mut self, now: Instant) -> Flow {
        let mut frames = false;
        while let Some(ev) = self.sup.poll_event() {
            frames |= matches!(ev, supervisor::Event::Frame(_));
            self.event(ev);
        }
        let stale = self
            .last_stats
            .is_none_or(|t| now >= t + Duration::from_millis(200));
        if frames || stale {
            self.last_stats = Some(now);
            self.shared.state.lock().stats = self.sup.stats();
        }
        if std::mem::take(&mut self.news) {
            self.shared.notify();
        }
        if self.sup.is_finished() {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
}

impl SessionEndpoint {
    fn closed_error(&self) -> Error {
        let c = &self.sup.config().controller.conn;
        match self.shared.state.lock().closed {
            Some(r) => Error::from_close(r, &c.uid.to_string(), c.connect_timeout),
            None => Error::Closed(ClosedBy::Local),
        }
    }

    fn track(&mut self, r: std::result::Result<RequestId, ControllerError>, w: Waiter) {
        match r {
            Ok(id) => {
                self.waiting.insert(id, w);
            }
            Err(e) => {
                self.news = true;
                w.complete(Err(controller_error(e)));
            }
        }
    }

    fn apply(&mut self, now: Instant, cmd: Cmd) {
        match cmd {
            Cmd::Login(w) => {
                let r = self.sup.login(now);
                self.track(r, w);
            }
            Cmd::Request(req, w) => {
                let r = self.sup.request(now, req);
                self.track(r, w);
            }
            Cmd::Write(ch, data, tx) => {
                let r = self.sup.write(ch, &data).map_err(|e| match e {
                    crate::proto::conn::ConnWriteError::BadChannel(n) => {
                        Error::InvalidArgument(format!("channel {n} (channels are 0-7)"))
                    }
                    other => controller_error(other.into()),
                });
                let _ = tx.send(r);
            }
            Cmd::Talk(pcm, tx) => {
                let _ = tx.send(self.sup.talk(now, &pcm).map_err(controller_error));
            }
            Cmd::TalkQueued(tx) => {
                let _ = tx.send(Ok(self.sup.talk_queued()));
            }
            Cmd::Close => self.sup.close(now),
        }
    }

    fn emit(&mut self, ev: SessionEvent) {
        self.news = true;
        let (tx, rx) = (&self.events, &self.shared.events);
        let mut ev = ev;
        loop {
            match tx.try_send(ev) {
                Ok(()) => return,
                Err(TrySendError::Full(back)) => {
                    if rx.try_recv().is_ok() {
                        self.shared.events_dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    ev = back;
                }
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
    }

    fn failure(&self, error: Failure) -> Error {
        match error {
            Failure::LoginRefused { result } => Error::WrongPassword { result },
            Failure::Command(CommandError::Timeout(after)) => Error::Timeout {
                what: "the camera's reply",
                after,
            },
            Failure::Command(CommandError::Closed) => {
                let c = &self.sup.config().controller.conn;
                match self.sup.controller().conn().close_reason() {
                    Some(r) => Error::from_close(r, &c.uid.to_string(), c.connect_timeout),
                    None => Error::Closed(ClosedBy::Local),
                }
            }
            Failure::Command(
                e @ (CommandError::LoginUnanswered { .. } | CommandError::Malformed(_)),
            ) => Error::Protocol(e.to_string()),
        }
    }

    fn event(&mut self, ev: supervisor::Event) {
        use supervisor::Event as E;
        match ev {
            E::Connecting { .. } => self.emit(SessionEvent::Connecting),
            E::Connected { peer, cipher } => {
                {
                    let mut s = self.shared.state.lock();
                    s.peer = Some(peer);
                    s.cipher = Some(cipher.clone());
                }
                self.emit(SessionEvent::Connected {
                    peer,
                    cipher: cipher.to_string(),
                });
                self.shared.set_first(Ok(()));
            }
            E::Dialect { dialect, source } => {
                tracing::info!(%dialect, %source, "channel-0 dialect");
                self.shared.state.lock().dialect = Some((dialect, source));
            }
            E::LoggedIn { reply } => self.emit(SessionEvent::LoggedIn { reply }),
            E::LoginRefused { result, .. } => self.emit(SessionEvent::LoginRefused { result }),
            E::Done { id, outcome } => {
                if let Some(w) = self.waiting.remove(&id) {
                    self.news = true;
                    let r = outcome.map_err(|e| self.failure(e));
                    w.complete(r);
                }
            }
            E::DuplicateDid { addr } => {
                let c = &self.sup.config().controller.conn;
                tracing::warn!(%addr, uid = %c.uid, "another device also answered for this UID");
                let mut s = self.shared.state.lock();
                if !s.duplicates.contains(&addr)
                    && s.duplicates.len() < crate::proto::conn::MAX_DUPLICATES
                {
                    s.duplicates.push(addr);
                }
            }
            E::Message(v) => {
                tracing::debug!("unsolicited message: {v}");
                self.emit(SessionEvent::Message(v));
            }
            E::Frame(f) => {
                self.news = true;
                let (q, dropped) = if f.channel == channel::AUDIO {
                    (&self.shared.audio, &self.shared.audio_dropped)
                } else {
                    (&self.shared.video, &self.shared.video_dropped)
                };
                let n = q.push(f);
                if n > 0 {
                    dropped.fetch_add(n, Ordering::Relaxed);
                }
            }
            E::Disconnected { reason } => self.emit(SessionEvent::Disconnected { reason }),
            E::Reconnected {
                attempt,
                peer,
                cipher,
            } => {
                {
                    let mut s = self.shared.state.lock();
                    s.peer = Some(peer);
                    s.cipher = Some(cipher);
                }
                self.shared.reconnects.fetch_add(1, Ordering::Relaxed);
                self.emit(SessionEvent::Reconnected { attempt });
            }
            E::Closed(reason) => {
                self.shared.state.lock().closed = Some(reason);
                self.emit(SessionEvent::Closed(reason));
                self.shared.set_first(Err(reason));
            }
        }
    }
}

impl Drop for SessionEndpoint {
    /// The endpoint is gone (closed, or dropped after a panic): nothing more will arrive.
    fn drop(&mut self) {
        {
            let mut s = self.shared.state.lock();
            s.stats = self.sup.stats();
            if s.closed.is_none() {
                s.closed = Some(
                    self.sup
                        .controller()
                        .conn()
                        .close_reason()
                        .unwrap_or(CloseReason::Local),
                );
            }
        }
        let reason = self
            .shared
            .state
            .lock()
            .closed
            .unwrap_or(CloseReason::Local);
        self.shared.set_first(Err(reason));
        for (_, w) in std::mem::take(&mut self.waiting) {
            w.complete(Err(self.closed_error()));
        }
        // Requests still in the channel will never be applied.
        while let Ok(cmd) = self.cmd.try_recv() {
            match cmd {
                Cmd::Login(w) | Cmd::Request(_, w) => w.complete(Err(self.closed_error())),
                Cmd::Write(_, _, tx) | Cmd::Talk(_, tx) => {
                    let _ = tx.send(Err(self.closed_error()));
                }
                Cmd::TalkQueued(_) | Cmd::Close => {}
            }
        }
        self.shared.video.close();
        self.shared.audio.close();
        *self.shared.done.lock() = true;
        self.shared.cond.notify_all();
        // Last: whoever the hook wakes finds the session finished.
        self.shared.notify();
    }
}
