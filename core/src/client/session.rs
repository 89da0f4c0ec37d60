//! [`Session`]: one camera, one I/O thread.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use parking_lot::Mutex;
use serde_json::Value;

use super::io::{Flow, IoLoop, Machine};
use super::{lan_targets_from_env, parse_host, Frame, LAN_PORT};
use crate::error::{ClosedBy, Error, Result};
use crate::proto::cipher::Cipher;
use crate::proto::conn::{CloseReason, ConnConfig};
use crate::proto::controller::{
    channel, CommandError, Controller, ControllerConfig, ControllerError, ControllerStats, Event,
    RequestId,
};
use crate::proto::psk::PskChoice;
use crate::proto::Transmit;
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
    /// Audio frames buffered for the consumer before the oldest is dropped.
    pub audio_queue: usize,
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
            audio_queue: 64,
        }
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
        if targets.is_empty() {
            match lan_targets_from_env() {
                Some(t) => targets = t?,
                None if self.broadcast => targets = super::broadcast_targets(LAN_PORT),
                None => {}
            }
        }
        if targets.is_empty() {
            return Err(Error::InvalidArgument(
                "no search target: give the camera's host, or enable broadcast".into(),
            ));
        }
        if self.video_queue == 0 || self.audio_queue == 0 {
            return Err(Error::InvalidArgument(
                "frame queues need room for at least one frame".into(),
            ));
        }
        let mut conn = ConnConfig::new(uid, targets);
        conn.psk = psk;
        conn.connect_timeout = self.connect_timeout;
        conn.dead_after = self.dead_after;
        let mut c = ControllerConfig::new(conn);
        c.user = self.user.clone();
        c.password = self.password.clone();
        c.command_timeout = self.command_timeout;
        Ok(c)
    }
}

/// Something that happened to a session, for callers who watch its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// The transport session is up.
    Connected {
        /// The camera's session address.
        peer: SocketAddr,
        /// The cipher in use ("plain" or a PSK name).
        cipher: String,
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
}

impl SessionStats {
    /// Total retransmissions of our packets.
    pub fn retransmits(&self) -> u64 {
        self.controller.conn.retransmits()
    }
}

type Reply<T> = Sender<Result<T>>;

enum Cmd {
    Login(Reply<Value>),
    Json(Value, Reply<Value>),
    Video(Option<u8>, Reply<Value>),
    Audio(bool, Reply<Value>),
    Write(u8, Vec<u8>, Reply<()>),
    Talk(Vec<i16>, Reply<()>),
    Close(Sender<()>),
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<SharedState>,
    video_dropped: AtomicU64,
    audio_dropped: AtomicU64,
}

#[derive(Debug, Default)]
struct SharedState {
    peer: Option<SocketAddr>,
    cipher: Option<Cipher>,
    closed: Option<CloseReason>,
    stats: ControllerStats,
    local: Option<SocketAddr>,
}

/// A connected camera. Every method is callable from any thread; the protocol runs on the
/// session's own I/O thread. Dropping the session closes it.
#[derive(Debug)]
pub struct Session {
    uid: Uid,
    config: SessionConfig,
    cmd: Sender<Cmd>,
    shared: Arc<Shared>,
    video: Receiver<Frame>,
    audio: Receiver<Frame>,
    events: Receiver<SessionEvent>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cmd::Login(_) => "Login",
            Cmd::Json(..) => "Json",
            Cmd::Video(..) => "Video",
            Cmd::Audio(..) => "Audio",
            Cmd::Write(..) => "Write",
            Cmd::Talk(..) => "Talk",
            Cmd::Close(_) => "Close",
        })
    }
}

impl Session {
    /// Searches for the camera, completes the handshake and returns the connected session
    /// (not yet logged in: call [`Session::login`]).
    pub fn connect(config: SessionConfig) -> Result<Session> {
        let cc = config.controller_config()?;
        let uid = cc.conn.uid.clone();
        let bind = config
            .bind
            .unwrap_or_else(|| "0.0.0.0:0".parse().expect("valid literal"));
        let socket = UdpSocket::bind(bind)?;
        if config.host.is_none() && config.broadcast {
            socket.set_broadcast(true)?;
        }
        let shared = Arc::new(Shared::default());
        shared.state.lock().local = socket.local_addr().ok();
        let (cmd_tx, cmd_rx) = unbounded();
        let (video_tx, video_rx) = bounded(config.video_queue);
        let (audio_tx, audio_rx) = bounded(config.audio_queue);
        let (ev_tx, ev_rx) = unbounded();
        let (ready_tx, ready_rx) = bounded(1);
        let controller = Controller::new(cc, super::now());
        let worker = Worker {
            cmd: cmd_rx,
            video: (video_tx, video_rx.clone()),
            audio: (audio_tx, audio_rx.clone()),
            events: ev_tx,
            shared: shared.clone(),
            ready: Some(ready_tx),
            waiting: HashMap::new(),
            login: None,
            closers: Vec::new(),
            last_stats: None,
        };
        let thread = std::thread::Builder::new()
            .name(format!("pppp-{uid}"))
            .spawn(move || worker.run(socket, controller))?;
        let outcome = ready_rx.recv().unwrap_or(Err(Error::Protocol(
            "the session thread ended unexpectedly".into(),
        )));
        let session = Session {
            uid,
            config,
            cmd: cmd_tx,
            shared,
            video: video_rx,
            audio: audio_rx,
            events: ev_rx,
            thread: Mutex::new(Some(thread)),
        };
        outcome.map(|()| session)
    }

    /// The camera's UID.
    pub fn uid(&self) -> &Uid {
        &self.uid
    }

    /// The camera's session address.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.shared.state.lock().peer
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
        }
    }

    /// Life events (connected, closed), for watchers.
    pub fn events(&self) -> &Receiver<SessionEvent> {
        &self.events
    }

    fn closed_error(&self) -> Error {
        match self.close_reason() {
            Some(r) => Error::from_close(r, &self.uid.to_string(), self.config.connect_timeout),
            None => Error::Closed(ClosedBy::Local),
        }
    }

    fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Cmd, wait: Duration) -> Result<T> {
        let (tx, rx) = bounded(1);
        self.cmd.send(make(tx)).map_err(|_| self.closed_error())?;
        match rx.recv_timeout(wait) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => Err(Error::Timeout {
                what: "the session thread",
                after: wait,
            }),
            Err(RecvTimeoutError::Disconnected) => Err(self.closed_error()),
        }
    }

    fn wait(&self) -> Duration {
        self.config.command_timeout + Duration::from_secs(2)
    }

    /// Logs in (SHIX `check_user`). A refusal is [`Error::WrongPassword`]. Returns the reply.
    pub fn login(&self) -> Result<Value> {
        self.call(Cmd::Login, self.wait())
    }

    /// Sends a raw JSON command and returns the reply matched to it. `user`, `pwd`,
    /// `devmac` and a missing `cmd` (from a known `pro`) are filled in.
    pub fn command(&self, json: Value) -> Result<Value> {
        self.call(|tx| Cmd::Json(json, tx), self.wait())
    }

    /// Starts video (SHIX resolution 1 = 640×480, 2 = 320×240).
    pub fn start_video_with(&self, resolution: u8) -> Result<Value> {
        self.call(|tx| Cmd::Video(Some(resolution), tx), self.wait())
    }

    /// Starts video at the default resolution.
    pub fn start_video(&self) -> Result<Value> {
        self.start_video_with(1)
    }

    /// Stops video.
    pub fn stop_video(&self) -> Result<Value> {
        self.call(|tx| Cmd::Video(None, tx), self.wait())
    }

    /// Starts audio.
    pub fn start_audio(&self) -> Result<Value> {
        self.call(|tx| Cmd::Audio(true, tx), self.wait())
    }

    /// Stops audio.
    pub fn stop_audio(&self) -> Result<Value> {
        self.call(|tx| Cmd::Audio(false, tx), self.wait())
    }

    /// Writes raw bytes on a DRW channel (0–7).
    pub fn write_channel(&self, channel: u8, data: Vec<u8>) -> Result<()> {
        self.call(|tx| Cmd::Write(channel, data, tx), self.wait())
    }

    /// Sends 16-bit mono PCM at 8 kHz to the camera's speaker (channel 3, IMA ADPCM, paced in
    /// real time by the session thread). Returns once the audio is queued; at most 30 s may
    /// wait at any time.
    pub fn talk(&self, pcm: &[i16]) -> Result<()> {
        self.call(|tx| Cmd::Talk(pcm.to_vec(), tx), self.wait())
    }

    /// [`Session::talk`] for little-endian 16-bit PCM bytes; an odd byte count is an error.
    pub fn talk_bytes(&self, pcm: &[u8]) -> Result<()> {
        let samples = crate::proto::adpcm::pcm_from_le_bytes(pcm)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        self.talk(&samples)
    }

    /// Waits up to `timeout` for the next video frame. `Ok(None)` on timeout; frames
    /// received before a close are still returned, then the close is an error.
    pub fn next_frame(&self, timeout: Duration) -> Result<Option<Frame>> {
        self.next_from(&self.video, timeout)
    }

    /// Waits up to `timeout` for the next audio frame (see [`Session::next_frame`]).
    pub fn next_audio(&self, timeout: Duration) -> Result<Option<Frame>> {
        self.next_from(&self.audio, timeout)
    }

    fn next_from(&self, rx: &Receiver<Frame>, timeout: Duration) -> Result<Option<Frame>> {
        match rx.recv_timeout(timeout) {
            Ok(f) => Ok(Some(f)),
            Err(RecvTimeoutError::Timeout) => {
                if self.is_open() {
                    Ok(None)
                } else {
                    rx.try_recv().map(Some).map_err(|_| self.closed_error())
                }
            }
            Err(RecvTimeoutError::Disconnected) => Err(self.closed_error()),
        }
    }

    /// Closes the session gracefully (waits up to a second for unacknowledged data) and joins
    /// the I/O thread. Idempotent.
    pub fn close(&self) {
        let (tx, rx) = bounded(1);
        if self.cmd.send(Cmd::Close(tx)).is_ok() {
            let _ = rx.recv_timeout(Duration::from_secs(3));
        }
        if let Some(t) = self.thread.lock().take() {
            let _ = t.join();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.close();
    }
}

struct Worker {
    cmd: Receiver<Cmd>,
    video: (Sender<Frame>, Receiver<Frame>),
    audio: (Sender<Frame>, Receiver<Frame>),
    events: Sender<SessionEvent>,
    shared: Arc<Shared>,
    ready: Option<Sender<Result<()>>>,
    waiting: HashMap<RequestId, Reply<Value>>,
    login: Option<RequestId>,
    closers: Vec<Sender<()>>,
    last_stats: Option<Instant>,
}

impl Machine for Controller {
    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        Controller::handle_datagram(self, now, from, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        Controller::handle_timeout(self, now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        Controller::poll_transmit(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Controller::poll_timeout(self)
    }
}

fn controller_error(e: ControllerError) -> Error {
    match e {
        ControllerError::BadRequest(r) => Error::InvalidCommand(r.to_string()),
        ControllerError::Write(crate::proto::conn::ConnWriteError::NotConnected) => {
            Error::Closed(ClosedBy::Local)
        }
        ControllerError::Write(w) => Error::BufferFull(w.to_string()),
        e @ ControllerError::TalkQueueFull { .. } => Error::BufferFull(e.to_string()),
    }
}

impl Worker {
    fn run(mut self, socket: UdpSocket, mut controller: Controller) {
        let mut io = IoLoop::new(socket);
        controller.start(super::now());
        io.run(&mut controller, |c, now| self.step(c, now));
        self.publish(&controller, true);
    }

    fn step(&mut self, c: &mut Controller, now: Instant) -> Flow {
        while let Ok(cmd) = self.cmd.try_recv() {
            self.apply(c, now, cmd);
        }
        let mut frames = false;
        while let Some(ev) = c.poll_event() {
            frames |= matches!(ev, Event::Frame(_));
            self.event(c, ev);
        }
        let stale = self
            .last_stats
            .is_none_or(|t| now >= t + Duration::from_millis(200));
        if frames || stale {
            self.last_stats = Some(now);
            self.publish(c, false);
        }
        if c.conn().is_closed() && c.poll_timeout().is_none() {
            for tx in self.closers.drain(..) {
                let _ = tx.send(());
            }
            return Flow::Stop;
        }
        Flow::Continue
    }

    fn publish(&self, c: &Controller, last: bool) {
        let mut s = self.shared.state.lock();
        s.stats = c.stats();
        if last && s.closed.is_none() {
            s.closed = Some(c.conn().close_reason().unwrap_or(CloseReason::Local));
        }
    }

    fn apply(&mut self, c: &mut Controller, now: Instant, cmd: Cmd) {
        match cmd {
            Cmd::Login(tx) => match c.login(now) {
                Ok(id) => {
                    self.login = Some(id);
                    self.waiting.insert(id, tx);
                }
                Err(e) => {
                    let _ = tx.send(Err(controller_error(e)));
                }
            },
            Cmd::Json(v, tx) => self.track(c.command(now, v), tx),
            Cmd::Video(Some(r), tx) => self.track(c.start_video(now, r), tx),
            Cmd::Video(None, tx) => self.track(c.stop_video(now), tx),
            Cmd::Audio(true, tx) => self.track(c.start_audio(now), tx),
            Cmd::Audio(false, tx) => self.track(c.stop_audio(now), tx),
            Cmd::Write(ch, data, tx) => {
                let r = c.conn_mut().write(ch, &data).map_err(|e| match e {
                    crate::proto::conn::ConnWriteError::BadChannel(n) => {
                        Error::InvalidArgument(format!("channel {n} (channels are 0-7)"))
                    }
                    other => controller_error(other.into()),
                });
                let _ = tx.send(r);
            }
            Cmd::Talk(pcm, tx) => {
                let _ = tx.send(c.talk(now, &pcm).map_err(controller_error));
            }
            Cmd::Close(tx) => {
                c.close(now);
                self.closers.push(tx);
            }
        }
    }

    fn track(&mut self, r: std::result::Result<RequestId, ControllerError>, tx: Reply<Value>) {
        match r {
            Ok(id) => {
                self.waiting.insert(id, tx);
            }
            Err(e) => {
                let _ = tx.send(Err(controller_error(e)));
            }
        }
    }

    fn event(&mut self, c: &Controller, ev: Event) {
        match ev {
            Event::Found { .. } => {}
            Event::Connected { peer, cipher } => {
                {
                    let mut s = self.shared.state.lock();
                    s.peer = Some(peer);
                    s.cipher = Some(cipher.clone());
                }
                let _ = self.events.send(SessionEvent::Connected {
                    peer,
                    cipher: cipher.to_string(),
                });
                if let Some(r) = self.ready.take() {
                    let _ = r.send(Ok(()));
                }
            }
            Event::Login {
                accepted,
                result,
                reply,
            } => {
                if let Some(tx) = self.login.take().and_then(|id| self.waiting.remove(&id)) {
                    let _ = tx.send(if accepted {
                        Ok(reply)
                    } else {
                        Err(Error::WrongPassword { result })
                    });
                }
            }
            Event::Reply { id, reply } => {
                if let Some(tx) = self.waiting.remove(&id) {
                    let _ = tx.send(Ok(reply));
                }
            }
            Event::CommandFailed { id, error } => {
                if self.login == Some(id) {
                    self.login = None;
                }
                if let Some(tx) = self.waiting.remove(&id) {
                    let uid = c.config().conn.uid.to_string();
                    let e = match error {
                        CommandError::Timeout(after) => Error::Timeout {
                            what: "the camera's reply",
                            after,
                        },
                        CommandError::Closed => match c.conn().close_reason() {
                            Some(r) => Error::from_close(r, &uid, c.config().conn.connect_timeout),
                            None => Error::Closed(ClosedBy::Local),
                        },
                    };
                    let _ = tx.send(Err(e));
                }
            }
            Event::Unsolicited(v) => tracing::debug!("unsolicited reply: {v}"),
            Event::Frame(f) => {
                let (q, dropped) = if f.channel == channel::AUDIO {
                    (&self.audio, &self.shared.audio_dropped)
                } else {
                    (&self.video, &self.shared.video_dropped)
                };
                push_drop_oldest(q, dropped, f);
            }
            Event::Closed(reason) => {
                self.shared.state.lock().closed = Some(reason);
                let _ = self.events.send(SessionEvent::Closed(reason));
                if let Some(r) = self.ready.take() {
                    let uid = c.config().conn.uid.to_string();
                    let _ = r.send(Err(Error::from_close(
                        reason,
                        &uid,
                        c.config().conn.connect_timeout,
                    )));
                }
            }
        }
    }
}

/// Sends `f`, dropping the oldest queued frame when the queue is full.
fn push_drop_oldest(q: &(Sender<Frame>, Receiver<Frame>), dropped: &AtomicU64, mut f: Frame) {
    loop {
        match q.0.try_send(f) {
            Ok(()) => return,
            Err(TrySendError::Full(back)) => {
                if q.1.try_recv().is_ok() {
                    dropped.fetch_add(1, Ordering::Relaxed);
                }
                f = back;
            }
            Err(TrySendError::Disconnected(_)) => return,
        }
    }
}
