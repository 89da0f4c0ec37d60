//! The session supervisor: a [`Controller`] kept alive across losses of the camera. Sans-IO.
//!
//! ```text
//!  start ─▶ Connecting(0) ──Connected──▶ up ──lost (silence / CLOSE)──▶ Disconnected
//!               │                         ▲                                  │
//!               └─ never connected:       └── Reconnected(n) ◀── Connecting(n) ◀┘ (backoff)
//!                  Closed (final)             log in again, restart video/audio
//! ```
//!
//! What a long-lived session needs beyond one transport session lives here, so that every
//! driver (the client's event loop, the simulator) runs the same rules: remember which media
//! the user wants, reconnect with the [`Reconnector`]'s backoff, log in again with the dialect
//! the first login found, restart video and audio, and report each step as an [`Event`].
//! Requests are answered by [`Event::Done`] with the id their call returned; a request in
//! flight when the camera is lost fails (channel 0 does not survive a new session).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::proto::cipher::Cipher;
use crate::proto::conn::{CloseReason, ConnWriteError};
use crate::proto::controller::{
    CommandError, Controller, ControllerConfig, ControllerError, ControllerStats,
    Event as CtlEvent, Frame, RequestId,
};
use crate::proto::dialect::{Dialect, DialectChoice, DialectSource, Reply};
use crate::proto::ops::Op;
use crate::proto::reconnect::{ReconnectPolicy, ReconnectState, Reconnector};
use crate::proto::Transmit;

/// Configuration of a [`Supervisor`].
#[derive(Clone, Debug)]
pub struct SupervisorConfig {
    /// The controller (transport, credentials, dialect) for every attempt.
    pub controller: ControllerConfig,
    /// Reconnect when the camera is lost after the session was up; `None`: the session ends.
    pub reconnect: Option<ReconnectPolicy>,
}

/// A request on channel 0.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// A SHIX JSON command (credentials and a missing `cmd` filled in).
    Json(Value),
    /// A VStarcam CGI line such as `get_status.cgi` (credentials added).
    Cgi(String),
    /// An iLnk binary command and its plain payload.
    Binary(u16, Vec<u8>),
    /// A typed operation in the dialect in use.
    Op(Op),
}

/// Why a request got no usable reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The camera refused the login (`result` is its code).
    #[error("the camera refused the login (result {result})")]
    LoginRefused {
        /// The camera's result code.
        result: i64,
    },
    /// No reply (timeout, closed session, malformed answer).
    #[error(transparent)]
    Command(#[from] CommandError),
}

/// What happened to a supervised session.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A search and handshake begins: `attempt` 0 for the first connection, then the
    /// reconnection attempt's number.
    Connecting {
        /// 0 first, then 1, 2, … for reconnection attempts.
        attempt: u32,
    },
    /// The first transport session is up.
    Connected {
        /// The camera's session address.
        peer: SocketAddr,
        /// The cipher in use.
        cipher: Cipher,
    },
    /// The channel-0 dialect in use (see [`CtlEvent::Dialect`]).
    Dialect {
        /// The dialect.
        dialect: Dialect,
        /// How it was decided.
        source: DialectSource,
    },
    /// A login (the user's, or the one after a reconnection) was accepted.
    LoggedIn {
        /// The camera's answer.
        reply: Reply,
    },
    /// A login was refused.
    LoginRefused {
        /// The camera's result code.
        result: i64,
        /// The camera's answer.
        reply: Reply,
    },
    /// The outcome of a request (login included).
    Done {
        /// What the request's call returned.
        id: RequestId,
        /// The reply, or why there is none.
        outcome: Result<Reply, Failure>,
    },
    /// Another address answered the search for our UID (a duplicate DID on the LAN).
    DuplicateDid {
        /// The other device's address.
        addr: SocketAddr,
    },
    /// A channel-0 message nobody asked for.
    Message(Reply),
    /// A video or audio frame.
    Frame(Frame),
    /// The camera was lost; reconnection attempts follow.
    Disconnected {
        /// Why the transport session ended.
        reason: CloseReason,
    },
    /// The session is up again after [`Event::Disconnected`].
    Reconnected {
        /// The attempt that succeeded (1-based).
        attempt: u32,
        /// The camera's (possibly new) session address.
        peer: SocketAddr,
        /// The cipher in use.
        cipher: Cipher,
    },
    /// The session ended; nothing more happens.
    Closed(CloseReason),
}

/// A [`Controller`] with reconnection and resume.
#[derive(Debug)]
// What a keepalive touches first (`repr(C)`), then the [`Controller`], which starts with its
// own (docs/architecture.md, "Cold sessions").
#[repr(C)]
pub struct Supervisor {
    closed: bool,
    want_audio: bool,
    logged_in: bool,
    /// The operation that started the video the user wants, replayed after a reconnection.
    want_video: Option<Op>,
    /// The user's login under way.
    user_login: Option<RequestId>,
    /// A login of our own after a reconnection is under way.
    relogin: Option<RequestId>,
    events: VecDeque<Event>,
    reconnect: Option<Reconnector>,
    controller: Controller,
    config: SupervisorConfig,
    connected_once: bool,
    /// Ids of controllers before the current one: ids stay unique across reconnections.
    id_floor: u64,
    /// Why the session ends when that is not the transport's reason.
    end_reason: Option<CloseReason>,
}

impl Supervisor {
    /// A supervisor for `config`; call [`Supervisor::start`] to begin.
    pub fn new(config: SupervisorConfig, now: Instant) -> Self {
        Supervisor {
            controller: Controller::new(config.controller.clone(), now),
            reconnect: config.reconnect.clone().map(Reconnector::new),
            config,
            want_video: None,
            want_audio: false,
            logged_in: false,
            connected_once: false,
            user_login: None,
            relogin: None,
            id_floor: 0,
            closed: false,
            end_reason: None,
            events: VecDeque::new(),
        }
    }

    /// Starts the search and handshake.
    pub fn start(&mut self, now: Instant) {
        self.events.push_back(Event::Connecting { attempt: 0 });
        self.controller.start(now);
        self.pump(now);
    }

    /// The controller of the current attempt.
    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// The configuration.
    pub fn config(&self) -> &SupervisorConfig {
        &self.config
    }

    /// Counters of the current attempt's controller.
    pub fn stats(&self) -> ControllerStats {
        self.controller.stats()
    }

    /// Successful reconnections so far.
    pub fn reconnects(&self) -> u64 {
        self.reconnect.as_ref().map_or(0, Reconnector::reconnects)
    }

    /// True while the camera is lost and reconnection attempts go on.
    pub fn is_recovering(&self) -> bool {
        self.reconnect
            .as_ref()
            .is_some_and(Reconnector::is_recovering)
    }

    /// True when the session only keeps alive: logged in or not, no video or audio wanted,
    /// no login or reconnection under way, no event waiting, and the controller quiet
    /// ([`Controller::is_quiet`]). A driver may then read its datagrams a little late
    /// (docs/architecture.md, "Idle rest").
    pub fn is_quiet(&self, now: Instant) -> bool {
        !self.closed
            && self.want_video.is_none()
            && !self.want_audio
            && self.user_login.is_none()
            && self.relogin.is_none()
            && self.events.is_empty()
            && !self.is_recovering()
            && self.controller.is_quiet(now)
    }

    /// True once the session ended and every event was drained: the driver may drop it.
    pub fn is_finished(&self) -> bool {
        self.closed && self.events.is_empty() && self.controller.poll_timeout().is_none()
    }

    /// Logs in (see [`Controller::login`]); answered by [`Event::Done`] with this id
    /// ([`Failure::LoginRefused`] when refused) and by [`Event::LoggedIn`] or
    /// [`Event::LoginRefused`].
    pub fn login(&mut self, now: Instant) -> Result<RequestId, ControllerError> {
        let id = self.controller.login(now)?;
        let id = self.lift(id);
        self.user_login = Some(id);
        self.pump(now);
        Ok(id)
    }

    /// Sends a request; answered by [`Event::Done`] with the returned id. Starting or
    /// stopping video or audio is remembered and replayed after a reconnection.
    pub fn request(
        &mut self,
        now: Instant,
        request: Request,
    ) -> Result<RequestId, ControllerError> {
        let r = match request {
            Request::Json(v) => self.controller.command(now, v),
            Request::Cgi(s) => self.controller.cgi(now, &s),
            Request::Binary(c, p) => self.controller.binary(now, c, &p),
            Request::Op(op) => {
                match &op {
                    Op::StartVideo { .. } => self.want_video = Some(op.clone()),
                    Op::StopVideo => self.want_video = None,
                    Op::StartAudio => self.want_audio = true,
                    Op::StopAudio => self.want_audio = false,
                    _ => {}
                }
                self.controller.op(now, op)
            }
        };
        self.pump(now);
        r.map(|id| self.lift(id))
    }

    /// Queues talk-back audio (see [`Controller::talk`]).
    pub fn talk(&mut self, now: Instant, pcm: &[i16]) -> Result<(), ControllerError> {
        self.controller.talk(now, pcm)
    }

    /// Talk-back audio still waiting to be sent.
    pub fn talk_queued(&self) -> Duration {
        self.controller.talk_queued()
    }

    /// Writes raw bytes on a DRW channel.
    pub fn write(&mut self, channel: u8, data: &[u8]) -> Result<(), ConnWriteError> {
        self.controller.conn_mut().write(channel, data)
    }

    /// Closes the session for good (ends any reconnection).
    pub fn close(&mut self, now: Instant) {
        let recovering = self.is_recovering();
        self.reconnect = None;
        if recovering && self.controller.conn().is_closed() && !self.closed {
            self.closed = true;
            self.events.push_back(Event::Closed(CloseReason::Local));
        }
        self.controller.close(now);
        self.pump(now);
    }

    /// Processes one datagram.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        self.controller.handle_datagram(now, from, data);
        self.pump(now);
    }

    /// Advances timers: the controller's, and a reconnection attempt that is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.controller.handle_timeout(now);
        if let Some(attempt) = self.reconnect.as_mut().and_then(|r| r.handle_timeout(now)) {
            self.id_floor += self.controller.issued_requests();
            self.events.push_back(Event::Connecting { attempt });
            self.controller = Controller::new(self.config.controller.clone(), now);
            self.controller.start(now);
        }
        self.pump(now);
    }

    /// The next datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.controller.poll_transmit()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Supervisor::handle_timeout`] must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let r = self.reconnect.as_ref().and_then(Reconnector::poll_timeout);
        crate::proto::earliest(self.controller.poll_timeout(), r)
    }

    /// A controller id as the supervisor's callers see it (unique across attempts).
    fn lift(&self, id: RequestId) -> RequestId {
        RequestId(self.id_floor + id.0)
    }

    fn pump(&mut self, now: Instant) {
        while let Some(ev) = self.controller.poll_event() {
            match ev {
                CtlEvent::Found { .. } => {}
                CtlEvent::DuplicateDid { addr } => {
                    self.events.push_back(Event::DuplicateDid { addr })
                }
                CtlEvent::Dialect { dialect, source } => {
                    self.events.push_back(Event::Dialect { dialect, source })
                }
                CtlEvent::Connected { peer, cipher } => self.connected(now, peer, cipher),
                CtlEvent::Login {
                    accepted,
                    result,
                    reply,
                } => self.login_answered(now, accepted, result, reply),
                CtlEvent::Reply { id, reply } => self.events.push_back(Event::Done {
                    id: self.lift(id),
                    outcome: Ok(reply),
                }),
                CtlEvent::CommandFailed { id, error } => {
                    let id = self.lift(id);
                    if self.relogin == Some(id) {
                        // Our own login after a reconnection: nobody waits for it.
                        tracing::warn!("logging in again after reconnecting failed: {error}");
                        self.relogin = None;
                        continue;
                    }
                    if self.user_login == Some(id) {
                        self.user_login = None;
                    }
                    self.events.push_back(Event::Done {
                        id,
                        outcome: Err(Failure::Command(error)),
                    });
                }
                CtlEvent::Unsolicited(v) => self.events.push_back(Event::Message(v)),
                CtlEvent::Frame(f) => self.events.push_back(Event::Frame(f)),
                CtlEvent::Closed(reason) => self.transport_closed(now, reason),
            }
        }
    }

    fn connected(&mut self, now: Instant, peer: SocketAddr, cipher: Cipher) {
        let attempt = self.reconnect.as_mut().and_then(Reconnector::on_connected);
        let Some(attempt) = attempt.filter(|_| self.connected_once) else {
            self.connected_once = true;
            self.events.push_back(Event::Connected { peer, cipher });
            return;
        };
        tracing::info!(attempt, %peer, "reconnected");
        self.events.push_back(Event::Reconnected {
            attempt,
            peer,
            cipher,
        });
        if self.logged_in {
            match self.controller.login(now) {
                Ok(id) => self.relogin = Some(self.lift(id)),
                Err(e) => tracing::warn!("cannot log in again after reconnecting: {e}"),
            }
        } else {
            self.resume_media(now);
        }
    }

    fn login_answered(&mut self, now: Instant, accepted: bool, result: i64, reply: Reply) {
        if let Some(d) = self.controller.dialect() {
            // Later attempts speak the dialect this login answered in, without probing.
            self.config.controller.dialect = DialectChoice::Fixed(d);
        }
        if accepted {
            self.events.push_back(Event::LoggedIn {
                reply: reply.clone(),
            });
        } else {
            self.events.push_back(Event::LoginRefused {
                result,
                reply: reply.clone(),
            });
        }
        if self.relogin.take().is_some() {
            if accepted {
                self.resume_media(now);
            } else {
                tracing::warn!(result, "the camera refused the login after reconnecting");
                // Its password changed while it was away: retrying cannot help.
                self.reconnect = None;
                self.end_reason = Some(CloseReason::LoginRefused { result });
                self.controller.close(now);
            }
            return;
        }
        self.logged_in |= accepted;
        if let Some(id) = self.user_login.take() {
            self.events.push_back(Event::Done {
                id,
                outcome: if accepted {
                    Ok(reply)
                } else {
                    Err(Failure::LoginRefused { result })
                },
            });
        }
    }

    fn resume_media(&mut self, now: Instant) {
        if let Some(op) = self.want_video.clone() {
            if let Err(e) = self.controller.op(now, op) {
                tracing::warn!("cannot restart video after reconnecting: {e}");
            }
        }
        if self.want_audio {
            if let Err(e) = self.controller.op(now, Op::StartAudio) {
                tracing::warn!("cannot restart audio after reconnecting: {e}");
            }
        }
    }

    /// The transport ended: schedule a reconnection, or end the session.
    fn transport_closed(&mut self, now: Instant, reason: CloseReason) {
        if self.recover(now, reason) {
            return;
        }
        if !self.closed {
            self.closed = true;
            let reason = self.end_reason.unwrap_or(reason);
            self.events.push_back(Event::Closed(reason));
        }
    }

    /// True when the loss is handled by a (re)scheduled attempt.
    fn recover(&mut self, now: Instant, reason: CloseReason) -> bool {
        if !self.connected_once {
            return false; // the first connection reports its own failure
        }
        let Some(r) = self.reconnect.as_mut() else {
            return false;
        };
        match (r.state(), reason) {
            (_, CloseReason::Local) => return false,
            (ReconnectState::Connected, CloseReason::PeerTimeout | CloseReason::Remote) => {
                r.on_lost(now);
                tracing::warn!(?reason, "camera lost; reconnecting");
                self.events.push_back(Event::Disconnected { reason });
            }
            (ReconnectState::Attempting { attempt }, _) => {
                tracing::info!(attempt, ?reason, "reconnection attempt failed");
                r.on_attempt_failed(now);
            }
            _ => return false,
        }
        r.is_recovering()
    }
}
