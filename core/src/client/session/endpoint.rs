//! The session's side on its I/O thread: the [`Supervisor`] driven by the driver, the
//! requests waiting for their replies, and what it shares with the user's [`super::Session`]
//! (frame queues, events, state).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use parking_lot::{Condvar, Mutex};

use super::super::driver::{Endpoint, Flow};
use super::super::queue::DropOldest;
use super::super::Frame;
use super::{Completion, Notify, SessionConfig, SessionEvent};
use crate::error::{ClosedBy, Error, Result};
use crate::proto::cipher::Cipher;
use crate::proto::conn::CloseReason;
use crate::proto::controller::{
    channel, CommandError, ControllerError, ControllerStats, RequestId,
};
use crate::proto::dialect::{Dialect, DialectSource, Reply};
use crate::proto::supervisor::{self, Failure, Request, Supervisor};
use crate::proto::{SansIo, Transmit};

/// Where the outcome of a request goes: its reply, typed by dialect.
pub(super) enum Waiter {
    Channel(Sender<Result<Reply>>),
    Callback(Box<dyn FnOnce(Result<Reply>) + Send>),
}

impl Waiter {
    /// A waiter handing the reply's JSON form to `done`.
    pub(super) fn json(done: Completion) -> Waiter {
        Waiter::Callback(Box::new(move |r| done(r.map(Reply::into_json))))
    }

    pub(super) fn complete(self, r: Result<Reply>) {
        match self {
            Waiter::Channel(tx) => {
                let _ = tx.send(r);
            }
            Waiter::Callback(f) => f(r),
        }
    }
}

/// What the user's threads ask of the endpoint.
pub(super) enum Cmd {
    Login(Waiter),
    Request(Request, Waiter),
    Write(u8, Vec<u8>, Sender<Result<()>>),
    Talk(Vec<i16>, Sender<Result<()>>),
    TalkQueued(Sender<Result<Duration>>),
    Close,
}

/// What the user's threads and the endpoint share.
pub(super) struct Shared {
    pub(super) state: Mutex<SharedState>,
    pub(super) video: DropOldest<Frame>,
    pub(super) audio: DropOldest<Frame>,
    /// The endpoint holds the only sender: the channel disconnects when the session is
    /// finished.
    pub(super) events: Receiver<SessionEvent>,
    pub(super) video_dropped: AtomicU64,
    pub(super) audio_dropped: AtomicU64,
    pub(super) events_dropped: AtomicU64,
    pub(super) reconnects: AtomicU64,
    pub(super) notify: Mutex<Option<Notify>>,
    /// The first connection's outcome (`None` while it is under way; `Err` holds why it
    /// failed).
    pub(super) first: Mutex<Option<std::result::Result<(), CloseReason>>>,
    /// Set when the endpoint is gone: nothing more will arrive.
    pub(super) done: Mutex<bool>,
    pub(super) cond: Condvar,
    /// The receiving end of the command channel (the endpoint holds a clone), so that a
    /// command sent after the endpoint's last drain is failed by its sender.
    commands: Receiver<Cmd>,
    /// Set (before its last drain) when the endpoint takes no more commands.
    commands_closed: AtomicBool,
}

#[derive(Debug, Default)]
pub(super) struct SharedState {
    pub(super) peer: Option<SocketAddr>,
    pub(super) cipher: Option<Cipher>,
    pub(super) closed: Option<CloseReason>,
    pub(super) stats: ControllerStats,
    pub(super) local: Option<SocketAddr>,
    pub(super) dialect: Option<(Dialect, DialectSource)>,
    pub(super) duplicates: Vec<SocketAddr>,
}

impl Shared {
    /// The state of a session of `config` whose socket is bound at `local`; `events` is the
    /// receiving end of the endpoint's event channel.
    pub(super) fn new(
        config: &SessionConfig,
        events: Receiver<SessionEvent>,
        commands: Receiver<Cmd>,
        local: Option<SocketAddr>,
    ) -> Shared {
        Shared {
            state: Mutex::new(SharedState {
                local,
                ..SharedState::default()
            }),
            video: DropOldest::new(config.video_queue, config.video_queue_bytes),
            audio: DropOldest::new(config.audio_queue, config.audio_queue_bytes),
            events,
            video_dropped: AtomicU64::new(0),
            audio_dropped: AtomicU64::new(0),
            events_dropped: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            notify: Mutex::new(None),
            first: Mutex::new(None),
            done: Mutex::new(false),
            cond: Condvar::new(),
            commands,
            commands_closed: AtomicBool::new(false),
        }
    }

    /// After a command was sent: when the endpoint takes no more commands, fails every one
    /// still in the channel (the endpoint marks the channel closed before its last drain, so
    /// a command is failed by one side or the other, never stranded).
    pub(super) fn after_send(&self, error: impl Fn() -> Error) {
        if self.commands_closed.load(Ordering::SeqCst) {
            self.fail_commands(error);
        }
    }

    /// Completes every command in the channel with `error` (they will never be applied).
    fn fail_commands(&self, error: impl Fn() -> Error) {
        while let Ok(cmd) = self.commands.try_recv() {
            match cmd {
                Cmd::Login(w) | Cmd::Request(_, w) => w.complete(Err(error())),
                Cmd::Write(_, _, tx) | Cmd::Talk(_, tx) => {
                    let _ = tx.send(Err(error()));
                }
                Cmd::TalkQueued(_) | Cmd::Close => {}
            }
        }
    }

    pub(super) fn notify(&self) {
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

/// The error of a request the controller refused.
fn controller_error(e: ControllerError) -> Error {
    match e {
        ControllerError::Write(crate::proto::conn::ConnWriteError::NotConnected) => {
            Error::Closed(ClosedBy::Local)
        }
        e @ (ControllerError::Write(_) | ControllerError::TalkQueueFull { .. }) => {
            Error::BufferFull(e.into())
        }
        e @ (ControllerError::BadRequest(_)
        | ControllerError::Cgi(_)
        | ControllerError::Binary(_)
        | ControllerError::Unsupported(_)
        | ControllerError::DialectUnknown
        | ControllerError::LoginInProgress) => Error::InvalidCommand(e.into()),
    }
}

/// The session on its I/O thread.
// What a keepalive touches first (`repr(C)`), then the supervisor, which starts with its own
// (docs/architecture.md, "Cold sessions").
#[repr(C)]
pub(super) struct SessionEndpoint {
    waiting: HashMap<RequestId, Waiter>,
    last_stats: Option<Instant>,
    /// The channels whose counters the last refresh of the shared counters wrote.
    stats_channels: u8,
    /// Something was queued for the user since the last notify.
    news: bool,
    /// The supervisor's events of one publish (kept to reuse its allocation).
    events_out: Vec<supervisor::Event>,
    sup: Supervisor,
    cmd: Receiver<Cmd>,
    shared: Arc<Shared>,
    /// The only sender of the events: dropped with the endpoint, which ends
    /// [`Session::next_event`]'s waits.
    events: Sender<SessionEvent>,
    /// The most events queued for the user ([`super::SessionConfig::event_queue`], at least
    /// one: checked by `SessionConfig::controller_config`); the oldest is dropped beyond.
    /// Kept here rather than by a bounded channel, whose slots are all allocated and touched
    /// up front: tens of kilobytes per idle session.
    event_cap: usize,
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

/// How stale [`Session::stats`](super::Session::stats) may get while datagrams but no
/// frames arrive.
const STATS_EVERY: Duration = Duration::from_secs(1);
/// How stale it may get while the session only keeps alive ([`Endpoint::is_quiet`]): its
/// keepalives, about one a second, need not each refresh the user's copy.
const QUIET_STATS_EVERY: Duration = Duration::from_secs(5);

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
        let mut events = std::mem::take(&mut self.events_out);
        events.extend(std::iter::from_fn(|| self.sup.poll_event()));
        let frames = events
            .iter()
            .any(|ev| matches!(ev, supervisor::Event::Frame(_)));
        // Copying the counters touches the state of the channels in use: done with every
        // frame, and otherwise once a second, or every 5 s while the session only keeps alive.
        // Before the frames are handed over, so that a user who takes a frame and then asks
        // for the counters finds it counted.
        let age = self.last_stats.map(|t| now.saturating_duration_since(t));
        let stale =
            age.is_none_or(|a| a >= QUIET_STATS_EVERY || (a >= STATS_EVERY && !self.is_quiet(now)));
        if frames || stale {
            self.last_stats = Some(now);
            // In place, touching only the channels in use (and those a session before a
            // reconnection used, to zero them).
            let c = self.sup.controller();
            c.stats_into(&mut self.shared.state.lock().stats, self.stats_channels);
            self.stats_channels = c.conn().used_channels();
        }
        for ev in events.drain(..) {
            self.event(ev);
        }
        self.events_out = events;
        if std::mem::take(&mut self.news) {
            self.shared.notify();
        }
        if self.sup.is_finished() {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }

    fn is_quiet(&self, now: Instant) -> bool {
        self.waiting.is_empty() && self.sup.is_quiet(now)
    }

    fn peer(&self) -> Option<SocketAddr> {
        let conn = self.sup.controller().conn();
        if conn.is_closed() {
            None
        } else {
            conn.peer()
        }
    }

    fn hears_strangers(&self, now: Instant) -> bool {
        self.sup.controller().conn().hears_strangers(now)
    }
}

impl SessionEndpoint {
    /// The endpoint running `sup`, taking commands from `cmd` and sending events to `events`.
    pub(super) fn new(
        sup: Supervisor,
        cmd: Receiver<Cmd>,
        shared: Arc<Shared>,
        events: Sender<SessionEvent>,
        event_cap: usize,
    ) -> SessionEndpoint {
        SessionEndpoint {
            sup,
            cmd,
            shared,
            events,
            event_cap,
            waiting: HashMap::new(),
            last_stats: None,
            stats_channels: 0,
            events_out: Vec::new(),
            news: false,
        }
    }

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
                        Error::InvalidArgument(format!("channel {n} (channels are 0-7)").into())
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
        // Only this endpoint sends, so the queue cannot grow between the check and the send;
        // the user may take events meanwhile, which only makes room.
        while tx.len() >= self.event_cap {
            if rx.try_recv().is_err() {
                break;
            }
            self.shared.events_dropped.fetch_add(1, Ordering::Relaxed);
        }
        // Unbounded: never full; disconnected only once the user's side is gone.
        let _ = tx.send(ev);
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
            ) => Error::Protocol(e.into()),
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
            E::LoggedIn { reply } => self.emit(SessionEvent::LoggedIn {
                reply: reply.into_json(),
            }),
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
                self.emit(SessionEvent::Message(v.into_json()));
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
        // Requests still in the channel will never be applied; any sent from now on are
        // failed by their sender (`Shared::after_send`).
        self.shared.commands_closed.store(true, Ordering::SeqCst);
        self.shared.fail_commands(|| self.closed_error());
        self.shared.video.close();
        self.shared.audio.close();
        *self.shared.done.lock() = true;
        self.shared.cond.notify_all();
        // Last: whoever the hook wakes finds the session finished.
        self.shared.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Cause;
    use crate::proto::conn::ConnWriteError;
    use crate::proto::dialect::Dialect;
    use crate::proto::ops::{Op, PtzDirection};

    #[test]
    fn refused_requests_keep_the_controller_error_as_their_source() {
        let unsupported = crate::proto::ops::Unsupported {
            op: Op::Ptz(PtzDirection::UpLeft).name(),
            dialect: Dialect::Shix,
            detail: String::new(),
        };
        let e = controller_error(ControllerError::Unsupported(unsupported.clone()));
        assert_eq!(
            e.to_string(),
            "invalid command: PTZ move is not supported by the shix dialect"
        );
        let source = std::error::Error::source(&e).expect("a source");
        assert!(matches!(
            source.downcast_ref::<Cause>(),
            Some(Cause::Controller(ControllerError::Unsupported(u))) if *u == unsupported
        ));
        let full = controller_error(ControllerError::TalkQueueFull {
            queued: Duration::from_secs(30),
        });
        assert!(matches!(
            full,
            Error::BufferFull(Cause::Controller(ControllerError::TalkQueueFull { .. }))
        ));
        assert!(matches!(
            controller_error(ControllerError::Write(ConnWriteError::NotConnected)),
            Error::Closed(ClosedBy::Local)
        ));
    }
}
