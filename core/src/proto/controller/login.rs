//! Logging in, and finding the dialect by logging in: one attempt per dialect in turn when the
//! camera's is not known, re-establishing the session when a camera closes it on a login in a
//! dialect it does not speak.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use super::{CommandError, Controller, ControllerError, Event, RequestId};
use crate::proto::command::{Block, BlockDecoder};
use crate::proto::conn::{Conn, ConnWriteError};
use crate::proto::dialect::{Dialect, DialectChoice, DialectSource, LoginAnswer, Reply};

use super::matching::Pending;

/// A login under way: the attempt in `current`, the dialects still to try.
#[derive(Debug)]
pub(super) struct Probe {
    pub(super) id: RequestId,
    current: Dialect,
    pub(super) tried: Vec<Dialect>,
    remaining: VecDeque<Dialect>,
    /// The camera closed the session; the next attempt waits for the new session.
    pub(super) awaiting_reconnect: bool,
}

/// The message of [`CommandError::LoginUnanswered`].
pub(super) fn login_unanswered(tried: &[Dialect], closed: bool) -> String {
    match tried {
        [d] if closed => format!(
            "the camera closed the session on the {d} login: it does not speak the {d} dialect (try another dialect, or auto)"
        ),
        [d] => format!(
            "no answer to the {d} login: the camera may not speak the {d} dialect (try another dialect, or auto)"
        ),
        _ => format!(
            "the camera answered no login (tried the {} dialects); it may speak another protocol",
            tried
                .iter()
                .map(|d| d.name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Controller {
    /// Logs in, in the dialect in use (SHIX `check_user`, CGI `check_user.cgi`, iLnk
    /// CMD_SYSTEM_USER_CHK: see each dialect's [`crate::proto::dialect::DialectRules::login`]).
    /// The answer arrives as [`Event::Login`] (preceded by [`Event::Dialect`] when it decides
    /// the dialect). With [`DialectChoice::Auto`], a camera that does not answer (silence for
    /// `probe_timeout`, or a closed session, which is re-established) is asked in the next
    /// dialect; when none answers the login fails with [`CommandError::LoginUnanswered`].
    pub fn login(&mut self, now: Instant) -> Result<RequestId, ControllerError> {
        self.now = now;
        if self.probe.is_some() {
            return Err(ControllerError::LoginInProgress);
        }
        if !self.conn.is_connected() {
            return Err(ControllerError::Write(ConnWriteError::NotConnected));
        }
        let mut order: VecDeque<Dialect> = match (self.config.dialect, self.dialect) {
            (DialectChoice::Fixed(d), _) => [d].into(),
            (DialectChoice::Auto, Some((d, _))) if self.dialect_confirmed => [d].into(),
            (DialectChoice::Auto, Some((d, _))) => {
                let mut v: VecDeque<Dialect> = [d].into();
                v.extend(Dialect::ALL.into_iter().filter(|x| *x != d));
                v
            }
            (DialectChoice::Auto, None) => Dialect::ALL.into(),
        };
        let first = order.pop_front().expect("at least one dialect");
        let id = self.alloc_id();
        self.probe = Some(Probe {
            id,
            current: first,
            tried: vec![first],
            remaining: order,
            awaiting_reconnect: false,
        });
        if let Err(e) = self.send_login_attempt(first) {
            self.probe = None;
            return Err(e);
        }
        Ok(id)
    }

    /// Sends the login of `dialect` for the probe under way.
    fn send_login_attempt(&mut self, dialect: Dialect) -> Result<(), ControllerError> {
        let Some(probe) = &self.probe else {
            return Ok(());
        };
        let id = probe.id;
        // The dialect the UID prefix names is expected: its login gets the whole command
        // timeout (a lossy link must not make us switch to a dialect that closes a SHIX
        // camera's session); a guess gets `probe_timeout` while others remain.
        let expected = probe.tried.len() == 1
            && self
                .dialect
                .is_some_and(|(d, s)| d == dialect && s == DialectSource::Prefix);
        let wait = if probe.remaining.is_empty() || expected {
            self.config.command_timeout
        } else {
            self.config.probe_timeout
        };
        let request = dialect.rules().login(&self.context())?;
        tracing::debug!(%dialect, "login attempt");
        self.send_wire(id, dialect, request, true, self.now + wait)
    }

    /// The session re-established for the next login attempt is up: send it.
    pub(super) fn reconnected_for_probe(&mut self, peer: SocketAddr) {
        self.reconnecting = false;
        tracing::info!(%peer, "session re-established for the next login attempt");
        if let Some(d) = self.probe.as_mut().map(|p| {
            p.awaiting_reconnect = false;
            p.current
        }) {
            if let Err(e) = self.send_login_attempt(d) {
                tracing::warn!("login attempt in {d} not sent: {e}");
                self.login_attempt_failed(false);
            }
        }
    }

    /// The camera closed the session during a login attempt and other dialects remain: start
    /// a new session and try the next one. Returns false when there is nothing to do.
    pub(super) fn reconnect_for_probe(&mut self) -> bool {
        let attempt_pending = self
            .probe
            .as_ref()
            .is_some_and(|pr| self.pending.iter().any(|p| p.login && p.id == pr.id));
        let Some(pr) = self.probe.as_mut() else {
            return false;
        };
        if !attempt_pending || pr.remaining.is_empty() {
            return false;
        }
        let closed_on = pr.current;
        let next = pr.remaining.pop_front().expect("checked non-empty");
        pr.current = next;
        pr.tried.push(next);
        pr.awaiting_reconnect = true;
        let id = pr.id;
        tracing::info!(
            "the camera closed the session on the {closed_on} login; reconnecting to try {next}"
        );
        self.stats.dialect_probes += 1;
        self.stats.probe_reconnects += 1;
        // Everything else in flight went down with the session.
        for p in std::mem::take(&mut self.pending) {
            if p.id != id {
                self.fail(p.id, CommandError::Closed);
            }
        }
        self.groups.clear();
        self.expired.clear();
        self.blocks = BlockDecoder::default();
        self.media
            .new_session(self.config.max_frame, self.config.max_audio_frame);
        self.ticket = [0; 4];
        self.conn = Conn::new(self.config.conn.clone(), self.now);
        self.conn.start(self.now);
        self.reconnecting = true;
        true
    }

    /// The current login attempt got no usable answer in time: try the next dialect, or fail
    /// the login.
    pub(super) fn login_attempt_failed(&mut self, closed: bool) {
        let Some(pr) = self.probe.as_mut() else {
            return;
        };
        self.stats.dialect_probes += 1;
        if let Some(next) = pr.remaining.pop_front() {
            pr.current = next;
            pr.tried.push(next);
            if self.conn.is_connected() {
                if let Err(e) = self.send_login_attempt(next) {
                    tracing::warn!("login attempt in {next} not sent: {e}");
                    self.login_attempt_failed(false);
                }
            }
            return;
        }
        if let Some(pr) = self.probe.take() {
            self.fail(
                pr.id,
                CommandError::LoginUnanswered {
                    tried: pr.tried,
                    closed,
                },
            );
        }
    }

    /// A login request `p` timed out: the next dialect, or the login fails.
    pub(super) fn login_timed_out(&mut self, p: &Pending) {
        if self.probe.as_ref().is_some_and(|pr| pr.id == p.id) {
            self.login_attempt_failed(false);
        } else {
            self.fail(p.id, CommandError::Timeout(self.config.command_timeout));
        }
    }

    /// A reply (of `block`) answers login request `p`: its dialect reads the verdict, which
    /// confirms the dialect.
    pub(super) fn login_answered(&mut self, p: Pending, block: &Block, reply: Reply) {
        let dialect = reply.dialect();
        let answer = dialect.rules().login_answer(block, reply.json());
        let _ = self.probe.take();
        let LoginAnswer { result, ticket } = match answer {
            Ok(a) => a,
            Err(msg) => {
                self.stats.bad_replies += 1;
                self.fail(p.id, CommandError::Malformed(msg));
                return;
            }
        };
        if let Some(t) = ticket {
            self.ticket = t;
        }
        let source = match self.dialect {
            Some((d, s)) if d == dialect => s,
            _ => DialectSource::Probed,
        };
        let changed = self.dialect != Some((dialect, source));
        self.dialect = Some((dialect, source));
        self.dialect_confirmed = true;
        if changed || !self.dialect_announced {
            self.dialect_announced = true;
            self.events.push_back(Event::Dialect { dialect, source });
        }
        self.events.push_back(Event::Login {
            accepted: result == 0,
            result,
            reply,
        });
    }
}
