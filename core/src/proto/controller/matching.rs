//! Reply matching: which request a channel-0 reply answers, in any dialect, and what happens
//! to requests whose reply does not come (a timeout, or a missing optional reply). A
//! request's late reply is recognised as such and never taken for the answer to a later one.
//!
//! The dialect says what identifies a reply ([`Incoming::key`]), which request keys it
//! answers ([`DialectRules::answers`]) and whom a reply no request expects goes to
//! ([`DialectRules::fallback`]); the rules of late replies are the same for every dialect.

use std::time::Instant;

use super::{CommandError, Controller, ControllerError, Event, RequestId};
use crate::proto::command::Block;
use crate::proto::dialect::{Dialect, DialectRules, Expect, Incoming, Reply, Waiting, WireRequest};
use crate::proto::drw::channel;

/// How many timed-out requests are remembered to recognise their late replies.
const MAX_EXPIRED: usize = 32;

/// A request waiting for its reply.
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) id: RequestId,
    /// The dialect it was sent in.
    dialect: Dialect,
    /// How the reply is recognised.
    expect: Expect,
    pub(super) deadline: Instant,
    pub(super) login: bool,
    /// A missing reply is not an error (stream starts, reboots).
    optional: bool,
    /// A reply that matches this request but may be the late answer to an earlier request
    /// that timed out (the key of that request): see [`Controller::claim`].
    held: Option<(Reply, LateKey)>,
}

impl Pending {
    /// What recognises this request's reply after it timed out (`None`: a request whose
    /// reply's key is unknown, such as a CGI name without a known response code).
    fn late_key(&self) -> Option<LateKey> {
        self.expect.key.map(|key| LateKey {
            dialect: self.dialect,
            key,
        })
    }
}

/// A request that timed out, as its late reply would be recognised: its dialect and the key
/// its reply carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LateKey {
    dialect: Dialect,
    key: i64,
}

/// What [`Controller::claim`] decided for a reply.
enum Claim {
    /// It answers this request.
    Answer(Pending, Reply),
    /// It was reported as a late reply, or held: nothing more to do.
    Taken,
    /// No request with its key is pending and none timed out: the dialect's fallback decides.
    Unmatched(Reply),
}

impl Controller {
    /// Writes one encoded request of `dialect` on channel 0 and records what answers it.
    pub(super) fn send_wire(
        &mut self,
        id: RequestId,
        dialect: Dialect,
        w: WireRequest,
        login: bool,
        deadline: Instant,
    ) -> Result<(), ControllerError> {
        self.conn.write(channel::COMMAND, &w.block)?;
        self.pending.push_back(Pending {
            id,
            dialect,
            expect: w.expect,
            deadline,
            login,
            optional: w.optional,
            held: None,
        });
        Ok(())
    }

    /// A channel-0 block: its dialect reads it, and it goes to the request it answers.
    pub(super) fn handle_block(&mut self, block: Block) {
        let dialect = block.kind;
        let rules = dialect.rules();
        let Incoming {
            key,
            mut reply,
            damaged,
        } = match rules.read(&block) {
            Ok(i) => i,
            Err(e) => {
                self.stats.bad_replies += 1;
                tracing::debug!("{e}");
                return;
            }
        };
        if damaged {
            // Counted, but the readable part is still delivered.
            self.stats.bad_replies += 1;
        }
        let Some(key) = key else {
            self.stats.bad_replies += 1;
            self.events
                .push_back(Event::Unsolicited(Reply::new(dialect, reply)));
            return;
        };
        let family = self.family;
        let answers = |k: Option<i64>| k.is_some_and(|k| rules.answers(family, k, key));
        let late = |k: &LateKey| k.dialect == dialect && answers(Some(k.key));
        // The request expecting this key (see `claim`); failing that, and unless the reply is
        // the late answer to a request that timed out, the one the dialect's fallback names
        // among its requests not holding a reply.
        let exact = self
            .pending
            .iter()
            .position(|p| p.dialect == dialect && answers(p.expect.key));
        let fallback = if exact.is_none() && !self.expired.iter().any(late) {
            self.fallback(rules, dialect, key)
        } else {
            None
        };
        if let Some(i) = exact.or(fallback) {
            rules.attribute(&mut reply, &self.pending[i].expect);
        }
        let reply = Reply::new(dialect, reply);
        let (p, reply) = match self.claim(exact, late, reply) {
            Claim::Answer(p, reply) => (p, reply),
            Claim::Taken => return,
            Claim::Unmatched(reply) => match fallback.and_then(|i| self.pending.remove(i)) {
                Some(p) => (p, reply),
                None => {
                    self.events.push_back(Event::Unsolicited(reply));
                    return;
                }
            },
        };
        if p.login {
            self.login_answered(p, &block, reply);
        } else {
            self.deliver(p.id, reply);
        }
    }

    /// The index in `pending` of the request a reply keyed `key` goes to when none expects it
    /// (see [`DialectRules::fallback`]).
    fn fallback(&self, rules: &dyn DialectRules, dialect: Dialect, key: i64) -> Option<usize> {
        let free: Vec<usize> = (0..self.pending.len())
            .filter(|&i| self.pending[i].dialect == dialect && self.pending[i].held.is_none())
            .collect();
        let waiting: Vec<Waiting<'_>> = free
            .iter()
            .map(|&i| Waiting {
                expect: &self.pending[i].expect,
                login: self.pending[i].login,
            })
            .collect();
        rules
            .fallback(key, &waiting)
            .and_then(|k| free.get(k).copied())
    }

    /// Decides what a reply answers. `pos` is the pending request it matches exactly (by
    /// number, response code or ACK command); `late` recognises the keys of timed-out requests
    /// it could answer instead.
    ///
    /// Devices answer in order over a reliable channel, so while a request with the same key
    /// timed out unanswered, a matching reply may be that request's late answer rather than
    /// `pos`'s. With no such request it answers `pos`; with one but no `pos`, it is the late
    /// answer (reported as [`Event::Unsolicited`]); with both, it is held on `pos` until a
    /// second matching reply shows it was the late one (it is then reported, and the second
    /// reply decided the same way), or until `pos` times out, which shows it was not (it then
    /// answers `pos`; see [`Controller::expire_requests`]). Logins are answered at once.
    fn claim(
        &mut self,
        pos: Option<usize>,
        late: impl Fn(&LateKey) -> bool,
        reply: Reply,
    ) -> Claim {
        loop {
            let e = self.expired.iter().position(&late);
            let Some(i) = pos else {
                let Some(e) = e else {
                    return Claim::Unmatched(reply);
                };
                self.expired.remove(e);
                tracing::debug!("late reply to a command that timed out");
                self.events.push_back(Event::Unsolicited(reply));
                return Claim::Taken;
            };
            if let Some((held, key)) = self.pending[i].held.take() {
                // A second matching reply: the held one was the late answer.
                self.forget_expired(key);
                tracing::debug!("late reply to a command that timed out");
                self.events.push_back(Event::Unsolicited(held));
                continue;
            }
            match e {
                Some(e) if !self.pending[i].login => {
                    self.pending[i].held = Some((reply, self.expired[e]));
                    return Claim::Taken;
                }
                _ => {
                    let p = self.pending.remove(i).expect("index from position()");
                    return Claim::Answer(p, reply);
                }
            }
        }
    }

    /// Forgets the oldest timed-out request with `key` (its reply came, or never will).
    fn forget_expired(&mut self, key: LateKey) {
        if let Some(k) = self.expired.iter().position(|x| *x == key) {
            self.expired.remove(k);
        }
    }

    /// Ends the requests whose deadline passed: a held reply answers its request after all; a
    /// login tries the next dialect; an optional reply that did not come is
    /// [`Reply::no_reply`]; anything else fails with [`CommandError::Timeout`] and is
    /// remembered so that its late reply is recognised.
    pub(super) fn expire_requests(&mut self, now: Instant) {
        // Deadlines differ (probe attempts and optional replies wait less): scan them all.
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].deadline > now {
                i += 1;
                continue;
            }
            let Some(mut p) = self.pending.remove(i) else {
                break;
            };
            // Failing a grouped request removes its other parts: scan again from the start.
            i = 0;
            if let Some((reply, key)) = p.held.take() {
                // No second reply followed the held one: it was this request's, and the request
                // that timed out before it was never answered.
                self.forget_expired(key);
                self.deliver(p.id, reply);
                continue;
            }
            if p.login {
                self.login_timed_out(&p);
                continue;
            }
            if let Some(key) = p.late_key() {
                if self.expired.len() == MAX_EXPIRED {
                    self.expired.pop_front();
                }
                self.expired.push_back(key);
            }
            if p.optional {
                self.deliver(p.id, Reply::no_reply(p.dialect));
                continue;
            }
            self.fail(p.id, CommandError::Timeout(self.config.command_timeout));
        }
    }
}
