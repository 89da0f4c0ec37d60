//! The application layer on top of [`Conn`]: login, commands matched to their replies, and
//! media frames reassembled from channels 1 and 2. Sans-IO like everything in `proto`.
//!
//! The controller owns a [`Conn`]; feed it with `handle_datagram`/`handle_timeout`, drain
//! `poll_transmit`/`poll_event`, and ask `poll_timeout` for the next deadline.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::proto::av::{self, AvHeader, Codec, FrameAssembler};
use crate::proto::cgi::{self, CgiRequest};
use crate::proto::cipher::Cipher;
use crate::proto::command::{Block, BlockDecoder, BlockKind};
use crate::proto::conn::{CloseReason, Conn, ConnConfig, ConnEvent, ConnStats, ConnWriteError};
use crate::proto::dialect::{self, Dialect, DialectChoice, DialectSource};
use crate::proto::drw::Delivery;
use crate::proto::ilnk::{self, BinaryBlock, LoginReply};
use crate::proto::ops::{self, Op, PtzDirection, Wire, WireRequest};
use crate::proto::shix::{self, Family};
use crate::proto::Transmit;

pub use crate::media::Frame;
pub use crate::proto::drw::channel;

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
    /// Which channel-0 dialect to speak (PROTOCOL.md §4): `Auto` takes the UID prefix table
    /// and probes the others at login when the camera does not answer (see
    /// [`crate::proto::dialect`]).
    pub dialect: DialectChoice,
    /// Numbering of SHIX commands (PROTOCOL.md §8.1/§8.2).
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
            talk_rate: TALK_SAMPLE_RATE,
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

fn login_unanswered(tried: &[Dialect], closed: bool) -> String {
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
        reply: Value,
    },
    /// The reply to a command.
    Reply {
        /// The request it answers.
        id: RequestId,
        /// The reply as JSON.
        reply: Value,
    },
    /// A command failed without a reply.
    CommandFailed {
        /// The request.
        id: RequestId,
        /// Why.
        error: CommandError,
    },
    /// A reply nobody asked for (or a malformed one), kept for the curious.
    Unsolicited(Value),
    /// A video or audio frame.
    Frame(Frame),
    /// The session ended; nothing more will happen.
    Closed(CloseReason),
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

#[derive(Debug)]
struct Pending {
    id: RequestId,
    /// SHIX command number (−1 in the other dialects).
    cmd: i64,
    /// How the reply is recognised.
    expect: Expect,
    deadline: Instant,
    login: bool,
    /// A missing reply is not an error (stream starts, reboots).
    optional: bool,
    /// A reply that matches this request but may be the late answer to an earlier request
    /// that timed out (the key of that request): see [`Controller::claim`].
    held: Option<(Value, LateKey)>,
}

impl Pending {
    /// What recognises this request's reply after it timed out (`None`: a CGI request whose
    /// response code is unknown).
    fn late_key(&self) -> Option<LateKey> {
        match &self.expect {
            Expect::Shix => Some(LateKey::Shix(self.cmd)),
            Expect::Cgi { code, .. } => code.map(LateKey::Cgi),
            Expect::Binary(ack) => Some(LateKey::Binary(*ack)),
        }
    }
}

/// A request that timed out, as its late reply would be recognised: SHIX by command number
/// (and its aliases), CGI by response code, binary by ACK command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LateKey {
    Shix(i64),
    Cgi(u16),
    Binary(u16),
}

/// What [`Controller::claim`] decided for a reply.
enum Claim {
    /// It answers this request.
    Answer(Pending, Value),
    /// It was reported as a late reply, or held: nothing more to do.
    Taken,
    /// No request with its key is pending and none timed out: the dialect's fallbacks decide.
    Unmatched(Value),
}

/// How the reply to a pending request is recognised.
#[derive(Clone, Debug)]
enum Expect {
    /// SHIX: by `cmd` number (and aliases), else in order.
    Shix,
    /// CGI: by response code, else in order among CGI requests.
    Cgi { name: String, code: Option<u16> },
    /// iLnk binary: by ACK number (`cmd + 0x100`).
    Binary(u16),
}

impl Expect {
    fn dialect(&self) -> Dialect {
        match self {
            Expect::Shix => Dialect::Shix,
            Expect::Cgi { .. } => Dialect::Cgi,
            Expect::Binary(_) => Dialect::Binary,
        }
    }
}

/// A login under way: the attempt in `current`, the dialects still to try.
#[derive(Debug)]
struct Probe {
    id: RequestId,
    current: Dialect,
    tried: Vec<Dialect>,
    remaining: VecDeque<Dialect>,
    /// The camera closed the session; the next attempt waits for the new session.
    awaiting_reconnect: bool,
}

/// Replies of an operation sent as several requests (e.g. PTZ stop on every axis).
#[derive(Debug)]
struct Group {
    remaining: usize,
    failure: Option<Value>,
    last: Option<Value>,
}

/// How long an optional reply (stream start, reboot) is waited for.
const OPTIONAL_REPLY_WAIT: Duration = Duration::from_secs(1);

/// How many timed-out requests are remembered to recognise their late replies.
const MAX_EXPIRED: usize = 32;

/// The application-layer state machine.
#[derive(Debug)]
pub struct Controller {
    config: ControllerConfig,
    conn: Conn,
    family: &'static Family,
    now: Instant,
    next_id: u64,
    pending: VecDeque<Pending>,
    /// Requests that timed out, oldest first: their replies may still arrive (channel 0 is
    /// reliable) and must not be taken for the answer to a later request, in any dialect.
    expired: VecDeque<LateKey>,
    blocks: BlockDecoder,
    video: FrameAssembler,
    audio: FrameAssembler,
    /// The codec and picture size of the last video frame that carried one.
    picture: Option<(Codec, (u16, u16))>,
    events: VecDeque<Event>,
    stats: ControllerStats,
    started: Instant,
    talk: VecDeque<Vec<u8>>,
    next_talk: Option<Instant>,
    talk_index: u32,
    /// The dialect in use and how it was decided (`None`: unknown until a login is answered).
    dialect: Option<(Dialect, DialectSource)>,
    /// A login answer confirmed the dialect.
    dialect_confirmed: bool,
    /// The dialect was reported in an [`Event::Dialect`].
    dialect_announced: bool,
    probe: Option<Probe>,
    /// iLnk session ticket from the login reply.
    ticket: [u8; 4],
    last_ptz: Option<PtzDirection>,
    groups: HashMap<RequestId, Group>,
    /// A session is being re-established for the next login attempt.
    reconnecting: bool,
}

/// Samples per talk-back frame: 512 samples of 8 kHz audio (64 ms), 256 bytes of ADPCM
/// (PROTOCOL.md §6.4).
pub const TALK_FRAME_SAMPLES: usize = 512;
/// Sample rate of talk-back audio.
pub const TALK_SAMPLE_RATE: u32 = 8000;
/// Most talk-back audio that may wait to be sent (30 s).
pub const TALK_MAX_QUEUED: Duration = Duration::from_secs(30);

fn talk_frame_duration(rate: u32) -> Duration {
    Duration::from_micros(
        TALK_FRAME_SAMPLES as u64 * 1_000_000 / u64::from(rate.clamp(4000, 48000)),
    )
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
            video: FrameAssembler::new(config.max_frame),
            audio: FrameAssembler::new(config.max_audio_frame),
            picture: None,
            events: VecDeque::new(),
            stats: ControllerStats::default(),
            started: now,
            talk: VecDeque::new(),
            next_talk: None,
            talk_index: 0,
            config,
        }
    }

    /// Queues 16-bit mono PCM at [`ControllerConfig::talk_rate`] (8 kHz by default) for the
    /// camera's speaker. It is encoded to IMA ADPCM in frames of 512 samples, each behind an AV
    /// header (type 8, stream 1), and written to channel 3 in real time, one frame every 64 ms
    /// at 8 kHz. A final partial frame is padded with
    /// silence. At most 30 s may be queued.
    pub fn talk(&mut self, now: Instant, pcm: &[i16]) -> Result<(), ControllerError> {
        self.now = now;
        if !self.conn.is_connected() {
            return Err(ControllerError::Write(ConnWriteError::NotConnected));
        }
        let frames = pcm.len().div_ceil(TALK_FRAME_SAMPLES);
        let queued = talk_frame_duration(self.config.talk_rate) * (self.talk.len() + frames) as u32;
        if queued > TALK_MAX_QUEUED {
            return Err(ControllerError::TalkQueueFull {
                queued: talk_frame_duration(self.config.talk_rate) * self.talk.len() as u32,
            });
        }
        for chunk in pcm.chunks(TALK_FRAME_SAMPLES) {
            let mut samples = chunk.to_vec();
            samples.resize(TALK_FRAME_SAMPLES, 0);
            let data = crate::proto::adpcm::encode(&samples);
            let elapsed = now.saturating_duration_since(self.started);
            let header = AvHeader {
                codec: av::codec_byte::ADPCM,
                stream: 1,
                millis: elapsed.subsec_millis() as u16,
                seconds: elapsed.as_secs() as u32,
                index: self.talk_index,
                ..AvHeader::default()
            };
            self.talk_index = self.talk_index.wrapping_add(1);
            self.talk.push_back(header.record(&data));
        }
        if self.next_talk.is_none() && !self.talk.is_empty() {
            self.next_talk = Some(now);
            self.send_due_talk();
        }
        Ok(())
    }

    /// Talk-back audio still waiting to be sent.
    pub fn talk_queued(&self) -> Duration {
        talk_frame_duration(self.config.talk_rate) * self.talk.len() as u32
    }

    fn send_due_talk(&mut self) {
        while let Some(due) = self.next_talk {
            if due > self.now {
                return;
            }
            let Some(rec) = self.talk.pop_front() else {
                self.next_talk = None;
                return;
            };
            if self.conn.write(channel::TALK, &rec).is_err() {
                self.talk.clear();
                self.next_talk = None;
                return;
            }
            self.next_talk = Some(due + talk_frame_duration(self.config.talk_rate));
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
        let mut s = self.stats.clone();
        s.conn = self.conn.stats();
        s
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

    /// Logs in, in the dialect in use: SHIX `check_user`, CGI `check_user.cgi`, or iLnk
    /// CMD_SYSTEM_USER_CHK. The answer arrives as [`Event::Login`] (preceded by
    /// [`Event::Dialect`] when it decides the dialect). With [`DialectChoice::Auto`], a camera
    /// that does not answer (silence for `probe_timeout`, or a closed session, which is
    /// re-established) is asked in the next dialect; when none answers the login fails with
    /// [`CommandError::LoginUnanswered`].
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
        let wire = match dialect {
            Dialect::Shix => Wire::Shix(serde_json::json!({
                "pro": "check_user",
                "cmd": self.family.cmd("check_user").unwrap_or(100),
            })),
            Dialect::Cgi => Wire::Cgi(CgiRequest::with("check_user", &[])),
            Dialect::Binary => Wire::Binary {
                cmd: ilnk::cmd::USER_CHK,
                payload: ilnk::login_payload(&self.config.user, &self.config.password)
                    .map_err(ControllerError::Binary)?,
            },
        };
        tracing::debug!(%dialect, "login attempt");
        self.send_wire(
            id,
            &WireRequest {
                wire,
                optional: false,
            },
            true,
            self.now + wait,
        )
    }

    /// Sends a raw JSON command; `user`, `pwd`, `devmac` and a missing `cmd`/`pro` are filled
    /// in. The reply arrives as [`Event::Reply`] with the returned id.
    pub fn command(&mut self, now: Instant, json: Value) -> Result<RequestId, ControllerError> {
        self.send_request(now, Wire::Shix(json))
    }

    /// Sends a VStarcam CGI request such as `get_status.cgi` or
    /// `decoder_control.cgi?command=0&onestep=0`; the credentials are added. The reply arrives
    /// as [`Event::Reply`] in the form of [`cgi::reply_value`].
    pub fn cgi(&mut self, now: Instant, request: &str) -> Result<RequestId, ControllerError> {
        self.now = now;
        let req = CgiRequest::parse(request).map_err(ControllerError::Cgi)?;
        self.send_request(now, Wire::Cgi(req))
    }

    /// Sends an iLnk binary command with a plain `payload` (XqBytes-encoded and given the
    /// session ticket here). The reply (command + 0x100) arrives as [`Event::Reply`] in the
    /// form of [`BinaryBlock::to_value`].
    pub fn binary(
        &mut self,
        now: Instant,
        cmd: u16,
        payload: &[u8],
    ) -> Result<RequestId, ControllerError> {
        let wire = Wire::Binary {
            cmd,
            payload: payload.to_vec(),
        };
        self.send_request(now, wire)
    }

    /// Sends one required request under a new id, waiting the command timeout for its reply.
    fn send_request(&mut self, now: Instant, wire: Wire) -> Result<RequestId, ControllerError> {
        self.now = now;
        let id = self.alloc_id();
        let deadline = now + self.config.command_timeout;
        self.send_wire(
            id,
            &WireRequest {
                wire,
                optional: false,
            },
            false,
            deadline,
        )?;
        Ok(id)
    }

    /// Sends a typed operation in the dialect in use (see [`ops`]); the reply arrives as one
    /// [`Event::Reply`] (for operations sent as several requests: the first refusal, else the
    /// last reply). An optional reply that does not come is reported as
    /// `{"dialect":…,"no_reply":true}`.
    pub fn op(&mut self, now: Instant, op: Op) -> Result<RequestId, ControllerError> {
        self.now = now;
        let Some((dialect, _)) = self.dialect else {
            return Err(ControllerError::DialectUnknown);
        };
        let plan = ops::plan(&op, dialect, self.family, self.last_ptz)
            .map_err(ControllerError::Unsupported)?;
        // Build every block first so that nothing is sent when one of them is invalid.
        let id = self.alloc_id();
        let n = plan.len();
        for (i, w) in plan.iter().enumerate() {
            let wait = if w.optional {
                OPTIONAL_REPLY_WAIT.min(self.config.command_timeout)
            } else {
                self.config.command_timeout
            };
            if let Err(e) = self.send_wire(id, w, false, now + wait) {
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
            Op::StartVideo { .. } => self.video.reset_index(),
            Op::StartAudio => self.audio.reset_index(),
            _ => {}
        }
        Ok(id)
    }

    /// Encodes one wire request, writes it on channel 0 and records what answers it.
    fn send_wire(
        &mut self,
        id: RequestId,
        w: &WireRequest,
        login: bool,
        deadline: Instant,
    ) -> Result<(), ControllerError> {
        let (user, pwd) = (&self.config.user, &self.config.password);
        let (block, expect, cmd) = match &w.wire {
            Wire::Shix(v) => {
                let (obj, cmd) = shix::complete_request(self.family, v.clone(), user, pwd)
                    .map_err(ControllerError::BadRequest)?;
                (shix::encode_request(&obj), Expect::Shix, cmd)
            }
            Wire::Cgi(r) => {
                let block = r.encode(user, pwd).map_err(ControllerError::Cgi)?;
                let expect = Expect::Cgi {
                    name: r.name.clone(),
                    code: r.response_code(),
                };
                (block, expect, -1)
            }
            Wire::Binary { cmd, payload } => {
                let (dest, ticket) = if *cmd == ilnk::cmd::USER_CHK {
                    (ilnk::LOGIN_DEST, [0; 4])
                } else {
                    (0, self.ticket)
                };
                let block = ilnk::encode_command(*cmd, dest, ticket, payload)
                    .map_err(ControllerError::Binary)?;
                (block, Expect::Binary(ilnk::ack(*cmd)), -1)
            }
        };
        self.conn.write(channel::COMMAND, &block)?;
        self.pending.push_back(Pending {
            id,
            cmd,
            expect,
            deadline,
            login,
            optional: w.optional,
            held: None,
        });
        Ok(())
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
            if !p.login {
                if let Some(key) = p.late_key() {
                    if self.expired.len() == MAX_EXPIRED {
                        self.expired.pop_front();
                    }
                    self.expired.push_back(key);
                }
            }
            if p.login {
                if self.probe.as_ref().is_some_and(|pr| pr.id == p.id) {
                    self.login_attempt_failed(false);
                } else {
                    self.fail(p.id, CommandError::Timeout(self.config.command_timeout));
                }
                continue;
            }
            if p.optional {
                let reply =
                    serde_json::json!({"dialect": p.expect.dialect().name(), "no_reply": true});
                self.deliver(p.id, reply);
                continue;
            }
            self.fail(p.id, CommandError::Timeout(self.config.command_timeout));
        }
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
        let t = match (self.conn.poll_timeout(), self.next_talk) {
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
                    // The session re-established for the next login attempt.
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
                    self.reconnecting = false;
                    let probe = self.probe.take();
                    for p in std::mem::take(&mut self.pending) {
                        let error = match (&probe, p.login) {
                            (Some(pr), true) if reason != CloseReason::Local => {
                                CommandError::LoginUnanswered {
                                    tried: pr.tried.clone(),
                                    closed: reason == CloseReason::Remote,
                                }
                            }
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
            }
        }
    }

    /// The camera closed the session during a login attempt and other dialects remain: start
    /// a new session and try the next one. Returns false when there is nothing to do.
    fn reconnect_for_probe(&mut self) -> bool {
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
        self.video = FrameAssembler::new(self.config.max_frame);
        self.audio = FrameAssembler::new(self.config.max_audio_frame);
        self.ticket = [0; 4];
        self.conn = Conn::new(self.config.conn.clone(), self.now);
        self.conn.start(self.now);
        self.reconnecting = true;
        true
    }

    /// The current login attempt got no usable answer in time: try the next dialect, or fail
    /// the login.
    fn login_attempt_failed(&mut self, closed: bool) {
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

    /// Delivers a reply to `id` (collecting the parts of a grouped operation).
    fn deliver(&mut self, id: RequestId, reply: Value) {
        if let Some(g) = self.groups.get_mut(&id) {
            g.remaining = g.remaining.saturating_sub(1);
            if g.failure.is_none() && ops::check(&reply).is_err() {
                g.failure = Some(reply);
            } else {
                g.last = Some(reply);
            }
            if g.remaining > 0 {
                return;
            }
            let g = self.groups.remove(&id).expect("group exists");
            let reply = g.failure.or(g.last).unwrap_or(Value::Null);
            self.events.push_back(Event::Reply { id, reply });
            return;
        }
        self.events.push_back(Event::Reply { id, reply });
    }

    /// Fails request `id` (and forgets the other parts of its group).
    fn fail(&mut self, id: RequestId, error: CommandError) {
        if self.groups.remove(&id).is_some() {
            self.pending.retain(|p| p.id != id);
        }
        self.events.push_back(Event::CommandFailed { id, error });
    }

    /// A login answer in `dialect`: `result` 0 accepts, anything else refuses; `Err` is an
    /// unusable answer.
    fn finish_login(
        &mut self,
        p: Pending,
        dialect: Dialect,
        result: Result<i64, String>,
        reply: Value,
    ) {
        let _ = self.probe.take();
        let result = match result {
            Ok(r) => r,
            Err(msg) => {
                self.stats.bad_replies += 1;
                self.fail(p.id, CommandError::Malformed(msg));
                return;
            }
        };
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
                (channel::VIDEO | channel::AUDIO, Delivery::Data(v)) => {
                    let asm = if c == channel::VIDEO {
                        &mut self.video
                    } else {
                        &mut self.audio
                    };
                    asm.push(&v);
                    while let Some(f) = asm.next_frame() {
                        let mut frame = Frame::from_av(c, f);
                        if c == channel::VIDEO {
                            frame.dimensions = picture_of(&mut self.picture, &frame);
                        }
                        self.stats.media_bytes += frame.data.len() as u64;
                        self.stats.missing_frames += frame.missing_before as u64;
                        if c == channel::VIDEO {
                            self.stats.video_frames += 1;
                        } else {
                            self.stats.audio_frames += 1;
                        }
                        self.events.push_back(Event::Frame(frame));
                    }
                }
                (channel::VIDEO | channel::AUDIO, Delivery::Skipped(_)) => {
                    let asm = if c == channel::VIDEO {
                        &mut self.video
                    } else {
                        &mut self.audio
                    };
                    asm.resync();
                }
                _ => {} // other channels carry nothing the controller understands
            }
        }
        let (v, a) = (self.video.stats(), self.audio.stats());
        self.stats.garbage_bytes = v.garbage_bytes + a.garbage_bytes;
        self.stats.media_held_peak = self
            .stats
            .media_held_peak
            .max(v.peak_buffered + a.peak_buffered);
    }

    fn handle_block(&mut self, block: Block) {
        match block.kind {
            BlockKind::Shix => self.handle_shix_block(&block.payload),
            BlockKind::Cgi => self.handle_cgi_block(&block),
            BlockKind::Binary => self.handle_binary_block(&block),
        }
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
    /// answers `pos`; see `handle_timeout`). Logins are answered at once.
    fn claim(
        &mut self,
        pos: Option<usize>,
        late: impl Fn(&LateKey) -> bool,
        reply: Value,
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

    fn handle_cgi_block(&mut self, block: &Block) {
        let code = block.cmd;
        let is = |p: &Pending, f: &dyn Fn(Option<u16>) -> bool| match &p.expect {
            Expect::Cgi { code, .. } => f(*code),
            _ => false,
        };
        // The request expecting this response code (see `claim`); failing that, and unless the
        // reply is the late answer to a request that timed out: one whose code is unknown;
        // else, for a code not in the table, the oldest CGI request; else a CGI login (some
        // firmware answers it with another code). The fallbacks skip requests holding a reply.
        let exact = self
            .pending
            .iter()
            .position(|p| is(p, &|c| c == Some(code)));
        let free = |p: &Pending| p.held.is_none();
        let fallback = if exact.is_none() && !self.expired.contains(&LateKey::Cgi(code)) {
            self.pending
                .iter()
                .position(|p| free(p) && is(p, &|c| c.is_none()))
                .or_else(|| {
                    cgi::name_for_code(code)
                        .is_none()
                        .then(|| {
                            self.pending
                                .iter()
                                .position(|p| free(p) && is(p, &|_| true))
                        })
                        .flatten()
                })
                .or_else(|| {
                    self.pending
                        .iter()
                        .position(|p| free(p) && p.login && is(p, &|_| true))
                })
        } else {
            None
        };
        let name = exact
            .or(fallback)
            .and_then(|i| match &self.pending[i].expect {
                Expect::Cgi { name, .. } => Some(name.clone()),
                _ => None,
            });
        let reply = cgi::reply_value(code, block.aux, &block.payload, name.as_deref());
        if reply.get("malformed").is_some() {
            // Counted, but the readable part is still delivered.
            self.stats.bad_replies += 1;
        }
        let (p, reply) = match self.claim(exact, |k| *k == LateKey::Cgi(code), reply) {
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
            let result = ops::result_of(&reply)
                .ok_or_else(|| "the check_user.cgi answer has no result field".to_owned());
            self.finish_login(p, Dialect::Cgi, result, reply);
        } else {
            self.deliver(p.id, reply);
        }
    }

    fn handle_binary_block(&mut self, block: &Block) {
        let b = match BinaryBlock::decode(block) {
            Ok(b) => b,
            Err(e) => {
                self.stats.bad_replies += 1;
                tracing::debug!("{e}");
                return;
            }
        };
        let reply = b.to_value();
        let pos = self
            .pending
            .iter()
            .position(|p| matches!(p.expect, Expect::Binary(a) if a == b.cmd));
        let (p, reply) = match self.claim(pos, |k| *k == LateKey::Binary(b.cmd), reply) {
            Claim::Answer(p, reply) => (p, reply),
            Claim::Taken => return,
            Claim::Unmatched(reply) => {
                self.events.push_back(Event::Unsolicited(reply));
                return;
            }
        };
        if p.login {
            let result = match LoginReply::parse(&b) {
                LoginReply::Accepted { ticket } => {
                    self.ticket = ticket;
                    0
                }
                LoginReply::Refused { code } => code,
            };
            self.finish_login(p, Dialect::Binary, Ok(result), reply);
        } else {
            self.deliver(p.id, reply);
        }
    }

    fn handle_shix_block(&mut self, payload: &[u8]) {
        let reply = match shix::parse_reply(payload) {
            Ok(v) => v,
            Err(e) => {
                self.stats.bad_replies += 1;
                tracing::debug!("{e}");
                return;
            }
        };
        let Some(cmd) = shix::reply_cmd(&reply) else {
            self.stats.bad_replies += 1;
            self.events.push_back(Event::Unsolicited(reply));
            return;
        };
        // Exact or aliased number first (see `claim`: unless it is the late reply to a request
        // that timed out); then the oldest request (devices answer in order, sometimes with
        // unexpected numbers).
        let family = self.family;
        let shix = |p: &Pending| matches!(p.expect, Expect::Shix);
        let pos = self
            .pending
            .iter()
            .position(|p| shix(p) && family.answers(p.cmd, cmd));
        let late = |k: &LateKey| matches!(k, LateKey::Shix(c) if family.answers(*c, cmd));
        let (p, reply) = match self.claim(pos, late, reply) {
            Claim::Answer(p, reply) => (p, reply),
            Claim::Taken => return,
            Claim::Unmatched(reply) => {
                let oldest = self
                    .pending
                    .iter()
                    .position(|p| shix(p) && p.held.is_none());
                match oldest.and_then(|i| self.pending.remove(i)) {
                    Some(p) => (p, reply),
                    None => {
                        self.events.push_back(Event::Unsolicited(reply));
                        return;
                    }
                }
            }
        };
        if p.login {
            let result = shix::reply_result(&reply).unwrap_or(0);
            self.finish_login(p, Dialect::Shix, Ok(result), reply);
        } else {
            self.deliver(p.id, reply);
        }
    }
}

/// The picture size of a video frame: its own, else `last`, the last one of the same codec
/// (updated).
fn picture_of(last: &mut Option<(Codec, (u16, u16))>, frame: &Frame) -> Option<(u16, u16)> {
    match frame.picture_size() {
        Some(size) => *last = Some((frame.codec, size)),
        None if last.is_some_and(|(c, _)| c != frame.codec) => *last = None,
        None => {}
    }
    last.map(|(_, size)| size)
}

/// Why a command could not be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ControllerError {
    /// The request is malformed.
    #[error(transparent)]
    BadRequest(shix::RequestError),
    /// The CGI request is malformed.
    #[error(transparent)]
    Cgi(cgi::CgiError),
    /// The binary request cannot be encoded.
    #[error(transparent)]
    Binary(ilnk::IlnkError),
    /// The dialect has no command for the operation.
    #[error(transparent)]
    Unsupported(ops::Unsupported),
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
