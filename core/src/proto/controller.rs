//! The application layer on top of [`Conn`]: login, commands matched to their replies, and
//! media frames reassembled from channels 1 and 2. Sans-IO like everything in `proto`.
//!
//! The controller owns a [`Conn`]; feed it with `handle_datagram`/`handle_timeout`, drain
//! `poll_transmit`/`poll_event`, and ask `poll_timeout` for the next deadline.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::proto::av::{self, AvHeader, Codec, FrameAssembler};
use crate::proto::cipher::Cipher;
use crate::proto::command::{BlockDecoder, BlockKind};
use crate::proto::conn::{CloseReason, Conn, ConnConfig, ConnEvent, ConnStats, ConnWriteError};
use crate::proto::drw::Delivery;
use crate::proto::shix::{self, Family};
use crate::proto::Transmit;

/// Channel numbers by convention (PROTOCOL.md §3.2).
pub mod channel {
    /// Commands and replies.
    pub const COMMAND: u8 = 0;
    /// Video from the device.
    pub const VIDEO: u8 = 1;
    /// Audio from the device.
    pub const AUDIO: u8 = 2;
    /// Talk-back audio to the device.
    pub const TALK: u8 = 3;
}

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
    /// Largest media frame accepted.
    pub max_frame: usize,
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
        }
    }
}

/// Identifies one command until its reply (or failure) arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// A media frame: one reassembled AV record.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// Channel it arrived on (1 video, 2 audio).
    pub channel: u8,
    /// Codec decided from the type byte and the payload.
    pub codec: Codec,
    /// True for a frame a decoder can start from (every JPEG; H.264/H.265 IDR).
    pub keyframe: bool,
    /// The device's frame counter.
    pub index: u32,
    /// Device timestamp in milliseconds (`seconds * 1000 + millis`).
    pub timestamp_ms: u64,
    /// Frames missing before this one (gap in the frame counter).
    pub missing_before: u32,
    /// The AV header as received.
    pub header: AvHeader,
    /// The media bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Frame(ch{} {} #{} t={}ms {} bytes{})",
            self.channel,
            self.codec,
            self.index,
            self.timestamp_ms,
            self.data.len(),
            if self.keyframe { " key" } else { "" }
        )
    }
}

/// Why a command produced no reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No reply within the command timeout.
    #[error("no reply within {0:?}")]
    Timeout(Duration),
    /// The session closed first.
    #[error("the session closed before the reply arrived")]
    Closed,
}

/// Events of a [`Controller`].
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
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
}

#[derive(Debug)]
struct Pending {
    id: RequestId,
    cmd: i64,
    deadline: Instant,
    login: bool,
}

/// The application-layer state machine.
#[derive(Debug)]
pub struct Controller {
    config: ControllerConfig,
    conn: Conn,
    family: &'static Family,
    now: Instant,
    next_id: u64,
    pending: VecDeque<Pending>,
    blocks: BlockDecoder,
    video: FrameAssembler,
    audio: FrameAssembler,
    events: VecDeque<Event>,
    stats: ControllerStats,
    started: Instant,
    talk: VecDeque<Vec<u8>>,
    next_talk: Option<Instant>,
    talk_index: u32,
}

/// Samples per talk-back frame: 512 samples of 8 kHz audio (64 ms), 256 bytes of ADPCM
/// (PROTOCOL.md §6.4).
pub const TALK_FRAME_SAMPLES: usize = 512;
/// Sample rate of talk-back audio.
pub const TALK_SAMPLE_RATE: u32 = 8000;
/// Most talk-back audio that may wait to be sent (30 s).
pub const TALK_MAX_QUEUED: Duration = Duration::from_secs(30);

fn talk_frame_duration() -> Duration {
    Duration::from_micros(TALK_FRAME_SAMPLES as u64 * 1_000_000 / TALK_SAMPLE_RATE as u64)
}

impl Controller {
    /// A controller for `config`; call [`Controller::start`] to begin.
    pub fn new(config: ControllerConfig, now: Instant) -> Self {
        Controller {
            conn: Conn::new(config.conn.clone(), now),
            family: &shix::VI365,
            now,
            next_id: 1,
            pending: VecDeque::new(),
            blocks: BlockDecoder::default(),
            video: FrameAssembler::new(config.max_frame),
            audio: FrameAssembler::new(config.max_frame),
            events: VecDeque::new(),
            stats: ControllerStats::default(),
            started: now,
            talk: VecDeque::new(),
            next_talk: None,
            talk_index: 0,
            config,
        }
    }

    /// Queues 16-bit mono PCM at 8 kHz for the camera's speaker. It is encoded to IMA ADPCM in
    /// frames of 512 samples, each behind an AV header (type 8, stream 1), and written to
    /// channel 3 in real time, one frame every 64 ms. A final partial frame is padded with
    /// silence. At most 30 s may be queued.
    pub fn talk(&mut self, now: Instant, pcm: &[i16]) -> Result<(), ControllerError> {
        self.now = now;
        if !self.conn.is_connected() {
            return Err(ControllerError::Write(ConnWriteError::NotConnected));
        }
        let frames = pcm.len().div_ceil(TALK_FRAME_SAMPLES);
        let queued = talk_frame_duration() * (self.talk.len() + frames) as u32;
        if queued > TALK_MAX_QUEUED {
            return Err(ControllerError::TalkQueueFull {
                queued: talk_frame_duration() * self.talk.len() as u32,
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
                len: data.len() as u32,
                ..AvHeader::default()
            };
            self.talk_index = self.talk_index.wrapping_add(1);
            let mut rec = header.encode().to_vec();
            rec.extend_from_slice(&data);
            self.talk.push_back(rec);
        }
        if self.next_talk.is_none() && !self.talk.is_empty() {
            self.next_talk = Some(now);
            self.send_due_talk();
        }
        Ok(())
    }

    /// Talk-back audio still waiting to be sent.
    pub fn talk_queued(&self) -> Duration {
        talk_frame_duration() * self.talk.len() as u32
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
            self.next_talk = Some(due + talk_frame_duration());
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

    fn alloc_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Sends `check_user`; the answer arrives as [`Event::Login`].
    pub fn login(&mut self, now: Instant) -> Result<RequestId, ControllerError> {
        self.send_json(
            now,
            serde_json::json!({"pro": "check_user", "cmd": 100}),
            true,
        )
    }

    /// Sends a raw JSON command; `user`, `pwd`, `devmac` and a missing `cmd`/`pro` are filled
    /// in. The reply arrives as [`Event::Reply`] with the returned id.
    pub fn command(&mut self, now: Instant, json: Value) -> Result<RequestId, ControllerError> {
        self.send_json(now, json, false)
    }

    fn send_json(
        &mut self,
        now: Instant,
        json: Value,
        login: bool,
    ) -> Result<RequestId, ControllerError> {
        self.now = now;
        let (obj, cmd) =
            shix::complete_request(self.family, json, &self.config.user, &self.config.password)
                .map_err(ControllerError::BadRequest)?;
        let block = shix::encode_request(&obj);
        self.conn.write(channel::COMMAND, &block)?;
        let id = self.alloc_id();
        self.pending.push_back(Pending {
            id,
            cmd,
            deadline: now + self.config.command_timeout,
            login,
        });
        Ok(id)
    }

    /// Asks the device to start video (`resolution` 1 = 640×480, 2 = 320×240 on SHIX cameras).
    pub fn start_video(
        &mut self,
        now: Instant,
        resolution: u8,
    ) -> Result<RequestId, ControllerError> {
        self.video.reset_index();
        self.command(
            now,
            serde_json::json!({"pro": "stream", "cmd": 111, "video": resolution}),
        )
    }

    /// Asks the device to stop video.
    pub fn stop_video(&mut self, now: Instant) -> Result<RequestId, ControllerError> {
        self.command(
            now,
            serde_json::json!({"pro": "stream", "cmd": 111, "video": 0}),
        )
    }

    /// Asks the device to start audio.
    pub fn start_audio(&mut self, now: Instant) -> Result<RequestId, ControllerError> {
        self.audio.reset_index();
        self.command(
            now,
            serde_json::json!({"pro": "stream", "cmd": 111, "audio": 1}),
        )
    }

    /// Asks the device to stop audio.
    pub fn stop_audio(&mut self, now: Instant) -> Result<RequestId, ControllerError> {
        self.command(
            now,
            serde_json::json!({"pro": "stream", "cmd": 111, "audio": 0}),
        )
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
        while self.pending.front().is_some_and(|p| p.deadline <= now) {
            if let Some(p) = self.pending.pop_front() {
                self.events.push_back(Event::CommandFailed {
                    id: p.id,
                    error: CommandError::Timeout(self.config.command_timeout),
                });
            }
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
                ConnEvent::Found { addr, cipher } => {
                    self.events.push_back(Event::Found { addr, cipher })
                }
                ConnEvent::Connected { peer, cipher } => {
                    self.events.push_back(Event::Connected { peer, cipher })
                }
                ConnEvent::Readable(c) => self.read_channel(c),
                ConnEvent::Closed(reason) => {
                    for p in self.pending.drain(..) {
                        self.events.push_back(Event::CommandFailed {
                            id: p.id,
                            error: CommandError::Closed,
                        });
                    }
                    self.events.push_back(Event::Closed(reason));
                }
            }
        }
    }

    fn read_channel(&mut self, c: u8) {
        while let Some(d) = self.conn.read(c) {
            match (c, d) {
                (channel::COMMAND, Delivery::Data(v)) => {
                    self.blocks.push(&v);
                    while let Some(block) = self.blocks.next_block() {
                        self.handle_block(block.kind, &block.payload);
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
                        let frame = make_frame(c, f);
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
        self.stats.garbage_bytes =
            self.video.stats().garbage_bytes + self.audio.stats().garbage_bytes;
    }

    fn handle_block(&mut self, kind: BlockKind, payload: &[u8]) {
        if kind != BlockKind::Shix {
            self.stats.bad_replies += 1;
            return;
        }
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
        // Exact or aliased number first; otherwise the oldest request (devices answer in order).
        let pos = self
            .pending
            .iter()
            .position(|p| self.family.answers(p.cmd, cmd))
            .or(if self.pending.is_empty() {
                None
            } else {
                Some(0)
            });
        let Some(p) = pos.and_then(|i| self.pending.remove(i)) else {
            self.events.push_back(Event::Unsolicited(reply));
            return;
        };
        if p.login {
            let result = shix::reply_result(&reply).unwrap_or(0);
            self.events.push_back(Event::Login {
                accepted: result == 0,
                result,
                reply,
            });
        } else {
            self.events.push_back(Event::Reply { id: p.id, reply });
        }
    }
}

fn make_frame(channel: u8, f: av::AvFrame) -> Frame {
    let codec = if channel == channel::AUDIO {
        Codec::sniff_audio(f.header.codec)
    } else {
        Codec::sniff_video(f.header.codec, &f.data)
    };
    Frame {
        channel,
        keyframe: av::is_keyframe(codec, f.header.codec, &f.data),
        codec,
        index: f.header.index,
        timestamp_ms: f.header.timestamp_ms(),
        missing_before: f.missing_before,
        header: f.header,
        data: f.data,
    }
}

/// Why a command could not be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ControllerError {
    /// The request is malformed.
    #[error(transparent)]
    BadRequest(shix::RequestError),
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
