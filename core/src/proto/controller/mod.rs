//! The application layer on top of [`Conn`]: login, commands matched to their replies, and
//! media frames reassembled from channels 1 and 2. Sans-IO like everything in `proto`.
//!
//! The controller owns a [`Conn`]; feed it with `handle_datagram`/`handle_timeout`, drain
//! `poll_transmit`/`poll_event`, and ask `poll_timeout` for the next deadline.
//!
//! Its jobs, one file each: logging in and probing the dialect (`login`), matching replies to
//! requests and expiring them (`matching`), requests and operations sent as several requests
//! (`requests`), media reassembly (`media`) and talk-back pacing and encoding (`talk`).
//! Everything a dialect decides goes through its
//! [`DialectRules`](crate::proto::dialect::DialectRules).

mod login;
mod matching;
mod media;
mod requests;
mod talk;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::proto::av;
use crate::proto::cipher::Cipher;
use crate::proto::command::BlockDecoder;
use crate::proto::conn::{CloseReason, Conn, ConnConfig, ConnEvent, ConnStats, ConnWriteError};
use crate::proto::dialect::{self, Context, Dialect, DialectChoice, DialectSource, Reply};
use crate::proto::drw::Delivery;
use crate::proto::ops::PtzDirection;
use crate::proto::shix::{self, Family};
use crate::proto::Transmit;

pub use crate::media::Frame;
pub use crate::proto::drw::channel;
pub use talk::{TALK_FRAME_SAMPLES, TALK_MAX_QUEUED, TALK_SAMPLE_RATE};

use login::{login_unanswered, Probe};
use matching::{LateKey, Pending};
use media::Media;
use requests::Group;
use talk::Talk;

/// Configuration of a [`Controller`].
#[derive(Clone, Debug)]
pub struct ControllerConfig {
    /// Transport settings (UID, targets, PSK, timers).
    pub conn: ConnConfig,
    /// Login user.
    pub user: String,
    /// Login password.
    pub password: String,
    /// How long a command waits for its reply.
    pub command_timeout: Duration,
    /// Largest video frame accepted (channel 1).
    pub max_frame: usize,
    /// Largest audio frame accepted (channel 2; [`av::DEFAULT_MAX_AUDIO_FRAME`] by default).
    pub max_audio_frame: usize,
    /// Which channel-0 dialect to speak (docs/protocol.md §4): `Auto` takes the UID prefix table
    /// and probes the others at login when the camera does not answer (see
    /// [`crate::proto::dialect`]).
    pub dialect: DialectChoice,
    /// Numbering of SHIX commands (docs/protocol.md §8.1/§8.2).
    pub family: &'static Family,
    /// How long one login attempt waits while other dialects remain to be probed.
    pub probe_timeout: Duration,
    /// Sample rate of talk-back audio: 8000 (VStarCam SDK, the default) or e.g. 11025; it sets
    /// the real-time pacing of the 512-sample frames.
    pub talk_rate: u32,
}

impl ControllerConfig {
    /// Defaults (user `admin`, password `6666`, 5 s command timeout) over `conn`.
    pub fn new(conn: ConnConfig) -> Self {
        ControllerConfig {
            conn,
            user: shix::DEFAULT_USER.into(),
            password: shix::DEFAULT_PASSWORD.into(),
            command_timeout: Duration::from_secs(5),
            max_frame: av::DEFAULT_MAX_FRAME,
            max_audio_frame: av::DEFAULT_MAX_AUDIO_FRAME,
            dialect: DialectChoice::Auto,
            family: &shix::VI365,
            probe_timeout: Duration::from_secs(2),
            talk_rate: talk::TALK_SAMPLE_RATE,
        }
    }
}

/// Identifies one command until its reply (or failure) arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// Why a command produced no reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No reply within the command timeout.
    #[error("no reply within {0:?}")]
    Timeout(Duration),
    /// The session closed first.
    #[error("the session closed before the reply arrived")]
    Closed,
    /// No login attempt was answered (or the camera closed the session on it).
    #[error("{}", login_unanswered(tried, *closed))]
    LoginUnanswered {
        /// The dialects tried, in order.
        tried: Vec<Dialect>,
        /// The camera closed the session on the last attempt (rather than staying silent).
        closed: bool,
    },
    /// The reply could not be used (e.g. a CGI login answer without `result`).
    #[error("malformed reply: {0}")]
    Malformed(String),
}

/// Events of a [`Controller`].
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Another address answered the search for the device's UID (see
    /// [`ConnEvent::DuplicateDid`]): a duplicate UID on the network, or an impostor. The
    /// session stays with the device found first.
    DuplicateDid {
        /// The other address.
        addr: SocketAddr,
    },
    /// The device answered the LAN search.
    Found {
        /// Its session address.
        addr: SocketAddr,
        /// The cipher its answer decoded under.
        cipher: Cipher,
    },
    /// The transport session is up.
    Connected {
        /// The device's session address.
        peer: SocketAddr,
        /// The cipher in use.
        cipher: Cipher,
    },
    /// The channel-0 dialect in use: reported just before `Connected` when the configuration
    /// or the UID prefix names it, and (again, if it changed) when a login answer confirms it.
    Dialect {
        /// The dialect.
        dialect: Dialect,
        /// How it was decided.
        source: DialectSource,
    },
    /// The login was answered: `accepted` is false when the device refused the credentials.
    Login {
        /// True when the device accepted user and password.
        accepted: bool,
        /// The device's `result` code (0 when accepted).
        result: i64,
        /// The whole reply.
        reply: Reply,
    },
    /// The reply to a command.
    Reply {
        /// The request it answers.
        id: RequestId,
        /// The reply, in its dialect.
        reply: Reply,
    },
    /// A command failed without a reply.
    CommandFailed {
        /// The request.
        id: RequestId,
        /// Why.
        error: CommandError,
    },
    /// A reply nobody asked for (or a malformed one), kept for the curious.
    Unsolicited(Reply),
    /// A video or audio frame.
    Frame(Frame),
    /// The session ended; nothing more will happen.
    Closed(CloseReason),
}

/// The counters a [`Controller`] keeps itself: [`ControllerStats`] without the transport's.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Counters {
    pub(super) video_frames: u64,
    pub(super) audio_frames: u64,
    pub(super) media_bytes: u64,
    pub(super) missing_frames: u64,
    pub(super) bad_replies: u64,
    pub(super) command_skips: u64,
    pub(super) garbage_bytes: u64,
    pub(super) media_held_peak: u64,
    pub(super) dialect_probes: u64,
    pub(super) probe_reconnects: u64,
}

/// Counters of a [`Controller`], on top of the transport's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ControllerStats {
    /// Transport counters.
    pub conn: ConnStats,
    /// Video frames delivered.
    pub video_frames: u64,
    /// Audio frames delivered.
    pub audio_frames: u64,
    /// Media bytes delivered.
    pub media_bytes: u64,
    /// Frames known missing from gaps in the frame counter.
    pub missing_frames: u64,
    /// Channel-0 blocks that were not valid replies.
    pub bad_replies: u64,
    /// Channel-0 indexes skipped by the stall resynchronisation.
    pub command_skips: u64,
    /// Media bytes discarded while resynchronising.
    pub garbage_bytes: u64,
    /// The most bytes the video and audio reassemblers held (the sum of their peaks).
    pub media_held_peak: u64,
    /// Login attempts made in a dialect the camera then did not answer.
    pub dialect_probes: u64,
    /// Sessions re-established because the camera closed on a wrong-dialect login.
    pub probe_reconnects: u64,
}

/// The application-layer state machine.
#[derive(Debug)]
// What a keepalive touches first (`repr(C)`), then the [`Conn`], which starts with its own:
// together, a few adjacent cache lines (docs/architecture.md, "Cold sessions").
#[repr(C)]
pub struct Controller {
    now: Instant,
    pending: VecDeque<Pending>,
    events: VecDeque<Event>,
    groups: HashMap<RequestId, Group>,
    /// A session is being re-established for the next login attempt.
    reconnecting: bool,
    talk: Talk,
    probe: Option<Probe>,
    conn: Conn,
    config: ControllerConfig,
    family: &'static Family,
    next_id: u64,
    /// Requests that timed out, oldest first: their replies may still arrive (channel 0 is
    /// reliable) and must not be taken for the answer to a later request, in any dialect.
    expired: VecDeque<LateKey>,
    blocks: BlockDecoder,
    media: Media,
    stats: Counters,
    /// The dialect in use and how it was decided (`None`: unknown until a login is answered).
    dialect: Option<(Dialect, DialectSource)>,
    /// A login answer confirmed the dialect.
    dialect_confirmed: bool,
    /// The dialect was reported in an [`Event::Dialect`].
    dialect_announced: bool,
    /// iLnk session ticket from the login reply.
    ticket: [u8; 4],
    last_ptz: Option<PtzDirection>,
}

impl Controller {
    /// A controller for `config`; call [`Controller::start`] to begin.
    pub fn new(config: ControllerConfig, now: Instant) -> Self {
        let (order, source) = dialect::probe_order(config.dialect, config.conn.uid.prefix());
        let assumed = match source {
            DialectSource::Probed => None,
            s => order.first().map(|d| (*d, s)),
        };
        Controller {
            conn: Conn::new(config.conn.clone(), now),
            family: config.family,
            dialect: assumed,
            dialect_confirmed: false,
            dialect_announced: false,
            probe: None,
            ticket: [0; 4],
            last_ptz: None,
            groups: HashMap::new(),
            reconnecting: false,
            now,
            next_id: 1,
            pending: VecDeque::new(),
            expired: VecDeque::new(),
            blocks: BlockDecoder::default(),
            media: Media::new(config.max_frame, config.max_audio_frame),
            events: VecDeque::new(),
            stats: Counters::default(),
            talk: Talk::new(config.talk_rate, now),
            config,
        }
    }

    /// Starts the LAN search and handshake.
    pub fn start(&mut self, now: Instant) {
        self.now = now;
        self.conn.start(now);
        self.pump();
    }

    /// The transport.
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    /// The transport, mutably (for raw channel access).
    pub fn conn_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }

    /// The configuration.
    pub fn config(&self) -> &ControllerConfig {
        &self.config
    }

    /// Counters.
    pub fn stats(&self) -> ControllerStats {
        let mut s = ControllerStats::default();
        self.stats_into(&mut s, 0);
        s
    }

    /// Makes `out` equal to [`Controller::stats`], writing only the transport counters of the
    /// channels in use and of `also` (see [`Conn::stats_into`]).
    pub fn stats_into(&self, out: &mut ControllerStats, also: u8) {
        let Counters {
            video_frames,
            audio_frames,
            media_bytes,
            missing_frames,
            bad_replies,
            command_skips,
            garbage_bytes,
            media_held_peak,
            dialect_probes,
            probe_reconnects,
        } = self.stats;
        out.video_frames = video_frames;
        out.audio_frames = audio_frames;
        out.media_bytes = media_bytes;
        out.missing_frames = missing_frames;
        out.bad_replies = bad_replies;
        out.command_skips = command_skips;
        out.garbage_bytes = garbage_bytes;
        out.media_held_peak = media_held_peak;
        out.dialect_probes = dialect_probes;
        out.probe_reconnects = probe_reconnects;
        self.conn.stats_into(&mut out.conn, also);
    }

    /// True when nothing is under way: the transport is quiet ([`Conn::is_quiet`]), no
    /// request waits for its reply, no login probe or re-establishment is in progress, no
    /// talk-back audio is queued and no event waits to be taken.
    pub fn is_quiet(&self, now: Instant) -> bool {
        self.pending.is_empty()
            && self.groups.is_empty()
            && self.probe.is_none()
            && !self.reconnecting
            && self.events.is_empty()
            && self.talk_queued().is_zero()
            && self.conn.is_quiet(now)
    }

    /// How many request ids this controller has handed out (they run from 1).
    pub fn issued_requests(&self) -> u64 {
        self.next_id - 1
    }

    fn alloc_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    /// The dialect in use, when known (configured, from the UID prefix, or probed by a login).
    pub fn dialect(&self) -> Option<Dialect> {
        self.dialect.map(|(d, _)| d)
    }

    /// How the dialect in use was decided.
    pub fn dialect_source(&self) -> Option<DialectSource> {
        self.dialect.map(|(_, s)| s)
    }

    /// The iLnk session ticket (zero until a binary login is accepted).
    pub fn ticket(&self) -> [u8; 4] {
        self.ticket
    }

    /// What the dialects encode requests with: the credentials, numbering and session state.
    fn context(&self) -> Context<'_> {
        Context {
            family: self.family,
            user: &self.config.user,
            password: &self.config.password,
            ticket: self.ticket,
            last_ptz: self.last_ptz,
        }
    }

    /// Begins a graceful close.
    pub fn close(&mut self, now: Instant) {
        self.now = now;
        self.conn.close(now);
        self.pump();
    }

    /// Processes one received datagram.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        self.now = now;
        self.conn.handle_datagram(now, from, data);
        self.pump();
    }

    /// Advances timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        self.conn.handle_timeout(now);
        self.send_due_talk();
        self.expire_requests(now);
        self.pump();
    }

    /// The next datagram to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.conn.poll_transmit()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let t = match (self.conn.poll_timeout(), self.talk.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, _) => a,
        };
        match (t, self.pending.iter().map(|p| p.deadline).min()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (None, Some(_)) => None, // closed: pending commands were failed already
            (a, None) => a,
        }
    }

    /// Moves transport events and channel data into application events.
    fn pump(&mut self) {
        while let Some(ev) = self.conn.poll_event() {
            match ev {
                ConnEvent::DuplicateDid { addr } => {
                    self.events.push_back(Event::DuplicateDid { addr })
                }
                ConnEvent::Found { .. } if self.reconnecting => {}
                ConnEvent::Found { addr, cipher } => {
                    self.events.push_back(Event::Found { addr, cipher })
                }
                ConnEvent::Connected { peer, .. } if self.reconnecting => {
                    self.reconnected_for_probe(peer)
                }
                ConnEvent::Connected { peer, cipher } => {
                    // The dialect first: whoever reacts to `Connected` may ask for it.
                    if let Some((dialect, source)) = self.dialect {
                        self.dialect_announced = true;
                        self.events.push_back(Event::Dialect { dialect, source });
                    }
                    self.events.push_back(Event::Connected { peer, cipher });
                }
                ConnEvent::Readable(c) => self.read_channel(c),
                ConnEvent::Packet { .. } => {} // unreliable packets carry no application data
                ConnEvent::Closed(reason) => {
                    if reason != CloseReason::Local && self.reconnect_for_probe() {
                        continue;
                    }
                    self.transport_closed(reason);
                }
            }
        }
    }

    /// The session ended: everything in flight fails, and nothing more will happen.
    fn transport_closed(&mut self, reason: CloseReason) {
        self.reconnecting = false;
        let probe = self.probe.take();
        for p in std::mem::take(&mut self.pending) {
            let error = match (&probe, p.login) {
                (Some(pr), true) if reason != CloseReason::Local => CommandError::LoginUnanswered {
                    tried: pr.tried.clone(),
                    closed: reason == CloseReason::Remote,
                },
                _ => CommandError::Closed,
            };
            self.fail(p.id, error);
        }
        if let Some(pr) = probe.filter(|pr| pr.awaiting_reconnect) {
            self.fail(
                pr.id,
                CommandError::LoginUnanswered {
                    tried: pr.tried,
                    closed: true,
                },
            );
        }
        self.groups.clear();
        self.events.push_back(Event::Closed(reason));
    }

    /// Takes what a channel delivered: command blocks from channel 0, frames from 1 and 2.
    fn read_channel(&mut self, c: u8) {
        while let Some(d) = self.conn.read(c) {
            match (c, d) {
                (channel::COMMAND, Delivery::Data(v)) => {
                    self.blocks.push(&v);
                    while let Some(block) = self.blocks.next_block() {
                        self.handle_block(block);
                    }
                }
                (channel::COMMAND, Delivery::Skipped(n)) => {
                    self.stats.command_skips += n as u64;
                    tracing::warn!(
                        skipped = n,
                        "channel 0 skipped missing indexes; resynchronising"
                    );
                    self.blocks.resync();
                }
                (channel::VIDEO | channel::AUDIO, d) => {
                    self.media
                        .handle(c, d, self.now, &mut self.stats, &mut self.events)
                }
                _ => {} // other channels carry nothing the controller understands
            }
        }
        self.media.update_stats(&mut self.stats);
    }
}

/// Why a command could not be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ControllerError {
    /// The request is malformed.
    #[error(transparent)]
    BadRequest(crate::proto::shix::RequestError),
    /// The CGI request is malformed.
    #[error(transparent)]
    Cgi(crate::proto::cgi::CgiError),
    /// The binary request cannot be encoded.
    #[error(transparent)]
    Binary(crate::proto::ilnk::IlnkError),
    /// The dialect has no command for the operation.
    #[error(transparent)]
    Unsupported(crate::proto::ops::Unsupported),
    /// The dialect is not known yet (the UID prefix is not in the table): log in first.
    #[error(
        "the camera's dialect is not known yet: log in first (the login finds it), or choose one"
    )]
    DialectUnknown,
    /// A login is already under way.
    #[error("a login is already in progress")]
    LoginInProgress,
    /// The transport refused the bytes.
    #[error(transparent)]
    Write(#[from] ConnWriteError),
    /// Too much talk-back audio is waiting.
    #[error("talk-back queue full ({queued:?} of audio waiting; at most 30 s may be queued)")]
    TalkQueueFull {
        /// Audio already queued.
        queued: Duration,
    },
}
