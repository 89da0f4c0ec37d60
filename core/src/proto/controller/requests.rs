//! Requests and their outcome: raw requests in each dialect, typed operations (some sent as
//! several requests, whose replies are collected into one), and the events that answer them.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{CommandError, Controller, ControllerError, Event, RequestId};
use crate::proto::cgi::CgiRequest;
use crate::proto::dialect::binary::Binary;
use crate::proto::dialect::cgi::Cgi;
use crate::proto::dialect::shix::Shix;
use crate::proto::dialect::{Dialect, Reply, WireRequest};
use crate::proto::drw::channel;
use crate::proto::ops::Op;

/// How long an optional reply (stream start, reboot) is waited for.
const OPTIONAL_REPLY_WAIT: Duration = Duration::from_secs(1);

/// Replies of an operation sent as several requests (e.g. PTZ stop on every axis).
#[derive(Debug)]
pub(super) struct Group {
    remaining: usize,
    failure: Option<Reply>,
    last: Option<Reply>,
}

impl Controller {
    /// Sends a raw JSON command; `user`, `pwd`, `devmac` and a missing `cmd`/`pro` are filled
    /// in. The reply arrives as [`Event::Reply`] with the returned id.
    pub fn command(&mut self, now: Instant, json: Value) -> Result<RequestId, ControllerError> {
        self.now = now;
        let w = Shix::request(&self.context(), json, false)?;
        self.send_request(Dialect::Shix, w)
    }

    /// Sends a VStarcam CGI request such as `get_status.cgi` or
    /// `decoder_control.cgi?command=0&onestep=0`; the credentials are added. The reply arrives
    /// as [`Event::Reply`] in the form of [`crate::proto::cgi::reply_value`].
    pub fn cgi(&mut self, now: Instant, request: &str) -> Result<RequestId, ControllerError> {
        self.now = now;
        let req = CgiRequest::parse(request).map_err(ControllerError::Cgi)?;
        let w = Cgi::request(&self.context(), &req, false)?;
        self.send_request(Dialect::Cgi, w)
    }

    /// Sends an iLnk binary command with a plain `payload` (XqBytes-encoded and given the
    /// session ticket here). The reply (command + 0x100) arrives as [`Event::Reply`] in the
    /// form of [`crate::proto::ilnk::BinaryBlock::to_value`].
    pub fn binary(
        &mut self,
        now: Instant,
        cmd: u16,
        payload: &[u8],
    ) -> Result<RequestId, ControllerError> {
        self.now = now;
        let w = Binary::request(&self.context(), cmd, payload, false)?;
        self.send_request(Dialect::Binary, w)
    }

    /// Sends one required request under a new id, waiting the command timeout for its reply.
    fn send_request(
        &mut self,
        dialect: Dialect,
        w: WireRequest,
    ) -> Result<RequestId, ControllerError> {
        let id = self.alloc_id();
        let deadline = self.now + self.config.command_timeout;
        self.send_wire(id, dialect, w, false, deadline)?;
        Ok(id)
    }

    /// Sends a typed operation in the dialect in use (planned by its
    /// [`crate::proto::dialect::DialectRules::plan`]); the reply arrives as one
    /// [`Event::Reply`] (for operations sent as several requests: the first refusal, else the
    /// last reply). An optional reply that does not come is reported as [`Reply::no_reply`].
    pub fn op(&mut self, now: Instant, op: Op) -> Result<RequestId, ControllerError> {
        self.now = now;
        let Some((dialect, _)) = self.dialect else {
            return Err(ControllerError::DialectUnknown);
        };
        // Every request is encoded first, so that nothing is sent when one of them is invalid.
        let plan = dialect.rules().plan(&op, &self.context())?;
        let id = self.alloc_id();
        let n = plan.len();
        for (i, w) in plan.into_iter().enumerate() {
            let wait = if w.optional {
                OPTIONAL_REPLY_WAIT.min(self.config.command_timeout)
            } else {
                self.config.command_timeout
            };
            if let Err(e) = self.send_wire(id, dialect, w, false, now + wait) {
                if i > 0 {
                    // Earlier parts went out: their replies are of no interest any more.
                    self.pending.retain(|p| p.id != id);
                }
                return Err(e);
            }
        }
        if n > 1 {
            self.groups.insert(
                id,
                Group {
                    remaining: n,
                    failure: None,
                    last: None,
                },
            );
        }
        match op {
            Op::Ptz(d) => self.last_ptz = Some(d),
            Op::PtzStop | Op::PtzCenter => self.last_ptz = None,
            Op::StartVideo { .. } => self.media.reset_index(channel::VIDEO),
            Op::StartAudio => self.media.reset_index(channel::AUDIO),
            _ => {}
        }
        Ok(id)
    }

    /// Asks the device to start video (`resolution` 1 = 640×480, 2 = 320×240; see
    /// [`Op::StartVideo`] for what each dialect accepts).
    pub fn start_video(
        &mut self,
        now: Instant,
        resolution: u8,
    ) -> Result<RequestId, ControllerError> {
        self.op(now, Op::start_video(resolution))
    }

    /// Asks the device to stop video.
    pub fn stop_video(&mut self, now: Instant) -> Result<RequestId, ControllerError> {
        self.op(now, Op::StopVideo)
    }

    /// Asks the device to start audio.
    pub fn start_audio(&mut self, now: Instant) -> Result<RequestId, ControllerError> {
        self.op(now, Op::StartAudio)
    }

    /// Asks the device to stop audio.
    pub fn stop_audio(&mut self, now: Instant) -> Result<RequestId, ControllerError> {
        self.op(now, Op::StopAudio)
    }

    /// Delivers a reply to `id` (collecting the parts of a grouped operation).
    pub(super) fn deliver(&mut self, id: RequestId, reply: Reply) {
        if let Some(g) = self.groups.get_mut(&id) {
            g.remaining = g.remaining.saturating_sub(1);
            if g.failure.is_none() && reply.check().is_err() {
                g.failure = Some(reply);
            } else {
                g.last = Some(reply);
            }
            if g.remaining > 0 {
                return;
            }
            let g = self.groups.remove(&id).expect("group exists");
            let reply = g
                .failure
                .or(g.last)
                .expect("the reply just delivered is the failure or the last");
            self.events.push_back(Event::Reply { id, reply });
            return;
        }
        self.events.push_back(Event::Reply { id, reply });
    }

    /// Fails request `id` (and forgets the other parts of its group).
    pub(super) fn fail(&mut self, id: RequestId, error: CommandError) {
        if self.groups.remove(&id).is_some() {
            self.pending.retain(|p| p.id != id);
        }
        self.events.push_back(Event::CommandFailed { id, error });
    }
}
