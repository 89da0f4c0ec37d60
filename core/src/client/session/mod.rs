//! [`Session`]: one camera, served by the driver's I/O threads (see [`super::Driver`]).
//!
//! The synchronous API sends commands to the session's endpoint on an I/O thread and waits
//! for the answer; event-driven hosts use [`Session::start`], [`Session::set_notify`], the
//! `try_next_*` methods and the `*_with` requests instead, and never block.
//!
//! The session is split by side: its configuration (`config`: [`SessionConfig`]), the user's
//! handle [`Session`] (here; its typed operations in `ops`), and its endpoint on the I/O
//! thread (`endpoint`).

mod config;
mod endpoint;
mod ops;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender};
use serde_json::Value;

use super::driver::{Driver, Endpoint, EndpointWaker, Registered};
use super::queue::{DropOldest, Pop};
use super::Frame;
use crate::error::{ClosedBy, Error, Result};
use crate::proto::cipher::Cipher;
use crate::proto::conn::CloseReason;
use crate::proto::controller::ControllerStats;
use crate::proto::dialect::{Dialect, DialectSource, Reply};
use crate::proto::operation::Outcome;
use crate::proto::ops::Op;
use crate::proto::supervisor::{Request, Supervisor, SupervisorConfig};
use crate::Uid;

pub use config::SessionConfig;
use endpoint::{Cmd, SessionEndpoint, Shared, Waiter};
use ops::outcome;

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
    /// Events dropped, oldest first, because more than [`SessionConfig::event_queue`] were
    /// waiting for the user.
    pub events_dropped: u64,
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
        let (events_tx, events_rx) = unbounded();
        let (cmd_tx, cmd_rx) = unbounded();
        let shared = Arc::new(Shared::new(&config, events_rx, cmd_rx.clone(), None));
        let sup = Supervisor::new(
            SupervisorConfig {
                controller: cc,
                reconnect: config.reconnect.clone(),
            },
            super::now(),
        );
        let endpoint =
            SessionEndpoint::new(sup, cmd_rx, shared.clone(), events_tx, config.event_queue);
        let driver = config
            .driver
            .clone()
            .unwrap_or_else(|| Driver::global().clone());
        // The I/O thread's shared socket, unless the user chose where to bind or another
        // session of that thread talks to this camera (docs/architecture.md, "Shared socket").
        let endpoint: Box<dyn Endpoint> = Box::new(endpoint);
        let waker = match config.bind {
            None => {
                let local = |addr| shared.state.lock().local = Some(addr);
                match driver.register_shared(&uid.to_string(), endpoint, local)? {
                    Registered::Shared(waker) => waker,
                    Registered::Refused(endpoint) => {
                        own_socket(&config, &shared, &driver, endpoint)?
                    }
                }
            }
            Some(_) => own_socket(&config, &shared, &driver, endpoint)?,
        };
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

    /// Counters (updated by the I/O thread on every frame, at least once a second while
    /// datagrams arrive and every 5 s while the session only keeps alive; final when the
    /// session has ended).
    pub fn stats(&self) -> SessionStats {
        SessionStats {
            controller: self.shared.state.lock().stats.clone(),
            video_dropped: self.shared.video_dropped.load(Ordering::Relaxed),
            audio_dropped: self.shared.audio_dropped.load(Ordering::Relaxed),
            reconnects: self.shared.reconnects.load(Ordering::Relaxed),
            events_dropped: self.shared.events_dropped.load(Ordering::Relaxed),
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

    /// Hands `cmd` to the endpoint. The channel stays connected while `shared` holds its
    /// receiver; a command sent once the endpoint takes no more is failed here, at once.
    fn send(&self, cmd: Cmd) {
        let _ = self.cmd.send(cmd);
        self.shared.after_send(|| self.closed_error());
        self.waker.wake();
    }

    fn roundtrip<T>(
        &self,
        make: impl FnOnce(Sender<Result<T>>) -> Cmd,
        wait: Duration,
    ) -> Result<T> {
        let (tx, rx) = bounded(1);
        self.send(make(tx));
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

    /// Sends `request` and waits for its reply.
    fn ask(&self, request: Request) -> Result<Reply> {
        self.roundtrip(|tx| Cmd::Request(request, Waiter::Channel(tx)), self.wait())
    }

    /// [`Session::ask`] returning the reply's JSON form.
    fn request(&self, request: Request) -> Result<Value> {
        self.ask(request).map(Reply::into_json)
    }

    /// Sends `request`; `w` receives the reply on an I/O thread.
    fn request_with(&self, request: Request, w: Waiter) {
        self.send(Cmd::Request(request, w));
    }

    /// Logs in, in the camera's dialect (SHIX `check_user`, CGI `check_user.cgi`, iLnk
    /// CMD_SYSTEM_USER_CHK); with dialect `auto` and a UID prefix the table does not know (or a
    /// camera that does not answer the prefix's dialect) the dialects are probed in turn. A
    /// refusal is [`Error::WrongPassword`] in every dialect; a camera that answers no dialect
    /// is [`Error::Protocol`]. Returns the reply.
    pub fn login(&self) -> Result<Value> {
        let probing = self.config.probe_timeout * 3 + self.config.connect_timeout * 2;
        self.roundtrip(|tx| Cmd::Login(Waiter::Channel(tx)), self.wait() + probing)
            .map(Reply::into_json)
    }

    /// [`Session::login`] without waiting: `done` receives the outcome on an I/O thread.
    pub fn login_with(&self, done: Completion) {
        self.send(Cmd::Login(Waiter::json(done)));
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
        self.request_with(Request::Cgi(request.to_owned()), Waiter::json(done))
    }

    /// Sends an iLnk binary command with a plain payload (the ticket and XqBytes encoding are
    /// added) and returns the reply (command + 0x100):
    /// `{"dialect":"binary","cmd":…,"payload_hex":…,"ticket":…}`.
    pub fn binary(&self, cmd: u16, payload: &[u8]) -> Result<Value> {
        self.request(Request::Binary(cmd, payload.to_vec()))
    }

    /// [`Session::binary`] without waiting: `done` receives the reply on an I/O thread.
    pub fn binary_with(&self, cmd: u16, payload: &[u8], done: Completion) {
        self.request_with(Request::Binary(cmd, payload.to_vec()), Waiter::json(done))
    }

    /// Sends a typed operation in the camera's dialect and returns the raw reply (no check of
    /// `result`); the typed methods below check it.
    pub fn op(&self, op: Op) -> Result<Value> {
        self.request(Request::Op(op))
    }

    /// [`Session::op`] without waiting: `done` receives the raw reply on an I/O thread.
    pub fn op_with(&self, op: Op, done: Completion) {
        self.request_with(Request::Op(op), Waiter::json(done))
    }

    /// Runs a typed operation and returns its typed result (see
    /// [`crate::proto::operation`]): a non-zero `result` is [`Error::Rejected`] (or
    /// [`Error::WrongPassword`] when the camera refused the credentials).
    pub fn call(&self, op: Op) -> Result<Outcome> {
        let kind = op.spec().reply;
        outcome(kind, self.ask(Request::Op(op))?)
    }

    /// [`Session::call`] without waiting: `done` receives the outcome on an I/O thread.
    pub fn call_with(&self, op: Op, done: Box<dyn FnOnce(Result<Outcome>) + Send>) {
        let kind = op.spec().reply;
        let w = Waiter::Callback(Box::new(move |r| done(r.and_then(|v| outcome(kind, v)))));
        self.request_with(Request::Op(op), w);
    }

    /// Sends a raw JSON command and returns the reply matched to it. `user`, `pwd`,
    /// `devmac` and a missing `cmd` (from a known `pro`) are filled in.
    pub fn command(&self, json: Value) -> Result<Value> {
        self.request(Request::Json(json))
    }

    /// [`Session::command`] without waiting: `done` receives the reply on an I/O thread.
    pub fn command_with(&self, json: Value, done: Completion) {
        self.request_with(Request::Json(json), Waiter::json(done))
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
            .map_err(|e| Error::InvalidArgument(e.into()))?;
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
        self.send(Cmd::Close);
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
        self.send(Cmd::Close);
        self.driver.await_end(&self.shared.done, &self.shared.cond);
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

/// Registers a session's `endpoint` with a socket of its own, bound where its user chose (or
/// anywhere), allowing broadcasts when it searches by broadcast.
fn own_socket(
    config: &SessionConfig,
    shared: &Shared,
    driver: &Driver,
    endpoint: Box<dyn Endpoint>,
) -> Result<EndpointWaker> {
    let socket = super::bind_session(config.bind, config.host.is_none() && config.broadcast)?;
    shared.state.lock().local = socket.local_addr().ok();
    Ok(driver.register(vec![socket], endpoint)?)
}
