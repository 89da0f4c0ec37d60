//! A complete fake camera, written from docs/protocol.md as a *device*: it answers LAN search, runs
//! every handshake variant, keeps sessions alive and drops silent ones, speaks the SHIX JSON
//! dialect on channel 0, streams MJPEG on channel 1 and ADPCM audio on channel 2, retransmits
//! its own data, and serves several controllers at once.
//!
//! It shares the codecs of [`crate::proto`] (packet, cipher, command framing, AV header) but none
//! of the controller's session logic: its reliability layer below is its own, in the style of the
//! CS2 device library (a 10 ms tick, same-index retransmission, gap-triggered resend).
//!
//! It cannot be turned into an amplifier or made to hold unbounded memory:
//!
//! * an address that has not shown it receives the camera's datagrams gets **one small answer
//!   per datagram** (PUNCH_PKT or P2P_RDY, 24 bytes) and no session: a session (with its P2P_RDY
//!   burst, keepalives and media) opens only when the address answers — echoes the PUNCH_PKT,
//!   answers the P2P_RDY, or sends session traffic. The last [`MAX_GREETED`] addresses answered
//!   are remembered for this;
//! * at most [`CameraConfig::max_sessions`] sessions (16 by default); more are refused without
//!   an answer ([`CameraStats::sessions_refused`]);
//! * per session, at most [`CameraConfig::send_buffer`] bytes queued or unacknowledged (video
//!   and audio frames are skipped, requests beyond it go unanswered), at most
//!   [`CameraConfig::recv_buffer`] bytes held out of order (counting
//!   [`crate::proto::drw::DELIVERY_OVERHEAD`] per packet; more is dropped unacknowledged), and
//!   request blocks and talk-back frames of at most [`MAX_REQUEST`] bytes.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::{jpeg, video, LinkStats};
use crate::proto::adpcm;
use crate::proto::av::{self, AvHeader, FrameAssembler};
use crate::proto::cipher::Cipher;
use crate::proto::command::{self, BlockDecoder, BlockKind, SHIX_RESPONSE};
use crate::proto::dialect::{self, Dialect};
use crate::proto::drw::DELIVERY_OVERHEAD;
use crate::proto::packet::{self, Message, WireDid, CHANNELS, MAX_DRW_DATA};
use crate::proto::shix::{self, Family};
use crate::proto::{seq, Transmit};
use crate::Uid;

// The CGI and iLnk binary dialects, and the SHIX command families (a child module: it shares
// the camera's private state).
mod dialects;

/// How the device completes the handshake (docs/protocol.md §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Handshake {
    /// CS2 device: the controller echoes PUNCH_PKT, the device answers with a P2P_RDY burst.
    #[default]
    Echo,
    /// The device sends P2P_RDY right after its answer to the LAN search.
    RdyFirst,
    /// The device answers a PUNCH_PKT with MSG_CLOSE, then P2P_RDY (AnkerMake style).
    CloseThenRdy,
}

impl std::str::FromStr for Handshake {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "echo" => Ok(Handshake::Echo),
            "rdy-first" => Ok(Handshake::RdyFirst),
            "close-then-rdy" => Ok(Handshake::CloseThenRdy),
            _ => Err(format!(
                "unknown handshake {s:?} (expected echo, rdy-first or close-then-rdy)"
            )),
        }
    }
}

/// Configuration of a [`FakeCamera`].
#[derive(Clone, Debug)]
pub struct CameraConfig {
    /// The camera's UID.
    pub uid: Uid,
    /// PSK the camera encrypts with (`None`: plain).
    pub psk: Option<String>,
    /// Accepted user.
    pub user: String,
    /// Accepted password.
    pub password: String,
    /// Handshake variant.
    pub handshake: Handshake,
    /// Send P2P_RDY as 28 bytes with a length field of 20 (a real BATE camera does).
    pub long_rdy: bool,
    /// The LAN-search socket (port 32108 on real cameras).
    pub lan_addr: SocketAddr,
    /// The session socket the camera answers from.
    pub session_addr: SocketAddr,
    /// Answer searches and run sessions from the LAN socket instead (some iLnk cameras).
    pub answer_from_lan_port: bool,
    /// Video frames per second.
    pub fps: u32,
    /// Picture width.
    pub width: u16,
    /// Picture height.
    pub height: u16,
    /// JPEG quality 1–100.
    pub quality: u8,
    /// Send ALIVE after this long without sending.
    pub alive_interval: Duration,
    /// Drop a session after this long without hearing from the controller.
    pub idle_timeout: Duration,
    /// Answer `set_datetime` (126) as 128, as real cameras do.
    pub reply_aliases: bool,
    /// Concurrent sessions accepted (16 by default); more are refused without an answer.
    pub max_sessions: usize,
    /// Bytes a session may hold queued or unacknowledged, replies included (4 MiB by default):
    /// beyond it video and audio frames are skipped and requests go unanswered.
    pub send_buffer: usize,
    /// Bytes a session may hold received out of order, counting
    /// [`crate::proto::drw::DELIVERY_OVERHEAD`] per packet (256 KiB by default): beyond it
    /// packets are dropped unacknowledged, for the controller to resend.
    pub recv_buffer: usize,
    /// Retransmission timeout of the camera's own packets.
    pub rto: Duration,
    /// Never send this channel-0 index (a firmware bug some devices have).
    pub skip_command_index: Option<u16>,
    /// Device clock at start, seconds since the Unix epoch (timestamps in AV headers).
    pub epoch_seconds: u32,
    /// How long a reboot keeps the camera silent.
    pub reboot_time: Duration,
    /// Index of the first DRW packet of every channel in both directions (0 on real devices;
    /// tests set it near 65535 to exercise the wrap, together with
    /// [`crate::proto::drw::DrwConfig::first_index`] on the controller).
    pub first_index: u16,
    /// Time the camera takes to execute a command before replying (real cameras take a
    /// few milliseconds, and some clients rely on the ACK arriving before the reply).
    pub reply_delay: Duration,
    /// Video codec of channel 1 (MJPEG like SHIX cameras, or H.264/H.265 like VStarcam).
    pub video_codec: VideoCodec,
    /// H.264/H.265: a key frame (parameter sets + IDR) every this many frames.
    pub gop: u32,
    /// Switch the picture size after this many frames of the camera's frame counter (cameras
    /// do when the app changes the resolution); the next frame of every stream is a key frame.
    pub switch_resolution_after: Option<u32>,
    /// The size switched to (`None`: half the configured size, rounded to 16).
    pub switch_size: Option<(u16, u16)>,
    /// Audio codec of channel 2.
    pub audio_codec: AudioCodec,
    /// Sample rate of the ADPCM audio the camera sends (A-law is always 8000 Hz).
    pub audio_rate: u32,
    /// The channel-0 dialect the camera speaks (default: the one the UID prefix table gives,
    /// else SHIX; see [`crate::proto::dialect`]).
    pub dialect: Dialect,
    /// Numbering of SHIX commands the camera understands (default vi365).
    pub family: &'static Family,
    /// H.264: send the access units of this Annex-B file in a loop instead of the emulator's
    /// own pictures (with [`VideoCodec::H264`]; key frames as the file has them).
    pub h264_file: Option<std::sync::Arc<video::H264File>>,
    /// What a block of another dialect does: `Some(true)` closes the session, `Some(false)`
    /// ignores it; `None` (default) as the dialect's cameras do — SHIX cameras close
    /// (cam-reverse#51), CGI and binary cameras are taken to ignore it (undocumented).
    pub close_on_foreign: Option<bool>,
    /// MJPEG frames of exactly this many bytes, made by patching one pre-encoded picture
    /// ([`jpeg::Patched`]) instead of encoding every frame: for emulating many cameras.
    pub frame_size: Option<usize>,
    /// The wall clock at one instant of the camera's clock, `(instant, microseconds since the
    /// Unix epoch)`: [`CameraConfig::frame_size`] frames are stamped with the time they were
    /// made, so that a receiver on the same machine can measure their latency.
    pub wall_clock: Option<(Instant, u64)>,
}

/// The video codec the fake camera streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum VideoCodec {
    /// One JPEG per frame, AV type byte 3.
    #[default]
    Mjpeg,
    /// H.264 Annex-B access units, AV type byte 0 (I) / 1 (P).
    H264,
    /// H.265 Annex-B access units, AV type byte 0 (I) / 1 (P).
    H265,
}

impl std::str::FromStr for VideoCodec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "mjpeg" | "jpeg" => Ok(VideoCodec::Mjpeg),
            "h264" | "h.264" | "avc" => Ok(VideoCodec::H264),
            "h265" | "h.265" | "hevc" => Ok(VideoCodec::H265),
            _ => Err(format!(
                "unknown video codec {s:?} (expected mjpeg, h264 or h265)"
            )),
        }
    }
}

/// The audio codec the fake camera sends on channel 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AudioCodec {
    /// 4-bit IMA ADPCM, AV type byte 8 (SHIX, VStarcam).
    #[default]
    Adpcm,
    /// G.711 A-law at 8000 Hz, AV type byte 6 (iLnk).
    Alaw,
}

impl std::str::FromStr for AudioCodec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "adpcm" | "ima" => Ok(AudioCodec::Adpcm),
            "alaw" | "a-law" | "g711a" => Ok(AudioCodec::Alaw),
            _ => Err(format!(
                "unknown audio codec {s:?} (expected adpcm or alaw)"
            )),
        }
    }
}

impl CameraConfig {
    /// Defaults for `uid` on `ip`: LAN socket `ip:32108`, session socket `ip:40000`, no PSK,
    /// `admin`/`6666`, 320×240 at 10 fps.
    pub fn new(uid: Uid, ip: IpAddr) -> Self {
        CameraConfig {
            uid: uid.clone(),
            psk: None,
            user: "admin".into(),
            password: "6666".into(),
            handshake: Handshake::Echo,
            long_rdy: false,
            lan_addr: SocketAddr::new(ip, crate::proto::discovery::LAN_PORT),
            session_addr: SocketAddr::new(ip, 40000),
            answer_from_lan_port: false,
            fps: 10,
            width: 320,
            height: 240,
            quality: 75,
            alive_interval: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(8),
            reply_aliases: true,
            max_sessions: 16,
            send_buffer: 4 * 1024 * 1024,
            recv_buffer: 256 * 1024,
            rto: Duration::from_millis(300),
            skip_command_index: None,
            epoch_seconds: 1_700_000_000,
            reboot_time: Duration::from_secs(2),
            first_index: 0,
            reply_delay: Duration::from_millis(20),
            video_codec: VideoCodec::Mjpeg,
            gop: 10,
            switch_resolution_after: None,
            switch_size: None,
            audio_codec: AudioCodec::Adpcm,
            audio_rate: crate::media::DEFAULT_ADPCM_RATE,
            dialect: dialect::for_prefix(uid.prefix()).unwrap_or(Dialect::Shix),
            family: &shix::VI365,
            close_on_foreign: None,
            frame_size: None,
            wall_clock: None,
            h264_file: None,
        }
    }
}

/// Counters of a [`FakeCamera`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CameraStats {
    /// LAN searches answered.
    pub searches: u64,
    /// Sessions opened.
    pub sessions: u64,
    /// Sessions refused because [`CameraConfig::max_sessions`] were open.
    pub sessions_refused: u64,
    /// Sessions open now.
    pub active_sessions: usize,
    /// Sessions dropped for silence.
    pub idle_drops: u64,
    /// Successful logins.
    pub logins_ok: u64,
    /// Refused logins.
    pub logins_failed: u64,
    /// Commands answered (including refusals).
    pub commands: u64,
    /// Commands answered with result −1 because they are unknown.
    pub unknown_commands: u64,
    /// Video frames queued for sending.
    pub video_frames: u64,
    /// Video frames skipped because a session's send buffer was full.
    pub frames_skipped: u64,
    /// Audio frames queued.
    pub audio_frames: u64,
    /// Audio frames skipped because a session's send buffer was full.
    pub audio_skipped: u64,
    /// Requests left unanswered because a session's send buffer was full.
    pub replies_dropped: u64,
    /// DRW packets dropped unacknowledged (outside the window, or the receive buffer full).
    pub drw_dropped: u64,
    /// Retransmitted DRW packets.
    pub retransmits: u64,
    /// Datagrams sent.
    pub datagrams_sent: u64,
    /// Datagrams received and decoded.
    pub datagrams_received: u64,
    /// Datagrams that did not decode under the camera's cipher, or came from unknown peers.
    pub ignored: u64,
    /// Talk-back frames received on channel 3.
    pub talk_frames: u64,
    /// PCM samples decoded from talk-back audio.
    pub talk_samples: u64,
    /// Sum of absolute sample values of talk-back audio (proves non-silence arrived).
    pub talk_energy: u64,
    /// Reboots performed.
    pub reboots: u64,
    /// The last PTZ command (`parms`, `value`).
    pub last_ptz: Option<(i64, i64)>,
    /// Channel-0 blocks of another dialect than the camera's.
    pub foreign_blocks: u64,
    /// Requests in the camera's dialect that could not be read.
    pub malformed_requests: u64,
    /// Binary commands ignored for lack of the session ticket.
    pub unauthorised: u64,
    /// IR cut filter / night vision as last set.
    pub ir: bool,
    /// White light as last set.
    pub white_light: bool,
    /// Image orientation 0–3 as last set.
    pub flip_mirror: i64,
    /// The Wi-Fi network last configured (SSID, key).
    pub wifi: Option<(String, String)>,
    /// The clock as last set (epoch seconds, UTC).
    pub clock: Option<i64>,
    /// The last CGI requested (name without `.cgi`).
    pub last_cgi: Option<String>,
    /// The last iLnk binary command received.
    pub last_binary: Option<u16>,
    /// The last `decoder_control.cgi` command, or iLnk PTZ direction.
    pub last_ptz_command: Option<i64>,
    /// The PTZ preset last stored.
    pub preset_stored: Option<u8>,
    /// The PTZ preset last moved to.
    pub preset_recalled: Option<u8>,
    /// The resolution value of the last iLnk VIDEOPARAM_SET.
    pub binary_resolution: Option<u32>,
    /// The lamp as last set (SHIX `dev_control` field `lamp`); `None` until set.
    pub lamp: Option<bool>,
    /// PTZ commands received, stops included (SHIX `ptz_control`, CGI `decoder_control`,
    /// iLnk PTZ passthrough).
    pub ptz_commands: u64,
    /// LAN searches answered with P2P_RDY instead of PUNCH_PKT ([`Handshake::RdyFirst`]).
    pub searches_answered_rdy: u64,
    /// MSG_CLOSE sent in answer to a PUNCH_PKT, before the P2P_RDY burst
    /// ([`Handshake::CloseThenRdy`]).
    pub handshake_closes: u64,
    /// P2P_RDY datagrams sent, in either form.
    pub rdy_sent: u64,
    /// P2P_RDY datagrams sent in the 28-byte form ([`CameraConfig::long_rdy`]).
    pub long_rdy_sent: u64,
    /// What the emulated link of a [`crate::client::CameraServer`] did to the datagrams, both
    /// directions added up (all zero without impairments, and for a camera in a simulated
    /// [`super::Network`], whose links count for themselves).
    pub link: LinkStats,
}

const WINDOW: usize = 128;
/// How far ahead of the next expected index a received packet may be and still be held.
const RX_WINDOW: i16 = 4096;
/// Addresses remembered as answered but not yet proven to receive the camera's datagrams.
pub const MAX_GREETED: usize = 256;
/// Largest channel-0 request block or talk-back frame the camera accepts.
pub const MAX_REQUEST: usize = 64 * 1024;
/// Samples per audio frame the camera sends.
const AUDIO_SAMPLES: usize = 512;

#[derive(Debug)]
struct OutPkt {
    index: u16,
    data: Vec<u8>,
    sent: Option<Instant>,
    tries: u32,
    acked: bool,
}

/// The camera's sending half of one channel.
#[derive(Debug, Default)]
struct ChanTx {
    next: u16,
    pkts: VecDeque<OutPkt>,
    bytes: usize,
}

impl ChanTx {
    fn queue(&mut self, data: &[u8], skip: Option<u16>) {
        for chunk in data.chunks(MAX_DRW_DATA) {
            if skip == Some(self.next) {
                self.next = self.next.wrapping_add(1);
            }
            self.pkts.push_back(OutPkt {
                index: self.next,
                data: chunk.to_vec(),
                sent: None,
                tries: 0,
                acked: false,
            });
            self.next = self.next.wrapping_add(1);
            self.bytes += chunk.len();
        }
    }

    fn ack(&mut self, index: u16, now: Instant, guard: Duration) {
        let Some(front) = self.pkts.front() else {
            return;
        };
        let pos = seq::offset(index, front.index) as usize;
        let Some(p) = self.pkts.get_mut(pos) else {
            return;
        };
        if p.index != index || p.acked || p.sent.is_none() {
            return;
        }
        p.acked = true;
        let acked_sent = p.sent;
        // CS2-style gap detection: older packets still unacknowledged, sent clearly before the
        // acknowledged one, are resent at once.
        for q in self.pkts.iter_mut().take(pos) {
            if !q.acked
                && q.sent
                    .is_some_and(|s| Some(s + guard) <= acked_sent && s + guard <= now)
            {
                q.sent = Some(now - Duration::from_secs(3600));
            }
        }
        while self.pkts.front().is_some_and(|p| p.acked) {
            if let Some(p) = self.pkts.pop_front() {
                self.bytes -= p.data.len();
            }
        }
    }
}

/// The camera's receiving half of one channel.
#[derive(Debug, Default)]
struct ChanRx {
    next: u16,
    /// Packets ahead of `next`, by index.
    held: BTreeMap<u16, Vec<u8>>,
    /// What `held` costs: data plus [`DELIVERY_OVERHEAD`] per packet.
    held_bytes: usize,
}

/// What the camera does with one received DRW packet.
#[derive(Debug)]
enum Accept {
    /// Acknowledge it; the data now deliverable in order (possibly none).
    Ack(Vec<Vec<u8>>),
    /// Drop it unacknowledged (outside the window, or no room).
    Drop,
}

impl ChanRx {
    /// Accepts a packet if it fits in `room` more bytes.
    fn accept(&mut self, index: u16, data: &[u8], room: usize) -> Accept {
        let d = seq::diff(index, self.next);
        if d < 0 || self.held.contains_key(&index) {
            return Accept::Ack(Vec::new()); // a duplicate: acknowledged again
        }
        if d > RX_WINDOW {
            return Accept::Drop;
        }
        if d > 0 {
            let cost = data.len() + DELIVERY_OVERHEAD;
            if cost > room {
                return Accept::Drop;
            }
            self.held_bytes += cost;
            self.held.insert(index, data.to_vec());
            return Accept::Ack(Vec::new());
        }
        let mut out = vec![data.to_vec()];
        self.next = self.next.wrapping_add(1);
        while let Some(v) = self.held.remove(&self.next) {
            self.held_bytes -= v.len() + DELIVERY_OVERHEAD;
            out.push(v);
            self.next = self.next.wrapping_add(1);
        }
        Accept::Ack(out)
    }
}

#[derive(Debug)]
struct Peer {
    addr: SocketAddr,
    /// The socket of ours this peer talks to.
    local: SocketAddr,
    heard: bool,
    rdy_left: u8,
    next_rdy: Option<Instant>,
    last_rx: Instant,
    last_tx: Instant,
    tx: Vec<ChanTx>,
    rx: Vec<ChanRx>,
    acks: Vec<(u8, u16)>,
    blocks: BlockDecoder,
    talk: FrameAssembler,
    video: bool,
    next_frame: Option<Instant>,
    audio: bool,
    next_audio: Option<Instant>,
    /// Replies being "processed": sent on channel 0 when due.
    replies: VecDeque<(Instant, Vec<u8>)>,
    /// iLnk session ticket, once the binary login was accepted.
    ticket: Option<[u8; 4]>,
    /// H.264/H.265: frames since the last key frame of this peer's stream.
    gop_pos: u32,
    /// H.264/H.265: key frames sent to this peer.
    key_count: u32,
    /// Picture size of the last frame sent; `None` while video is off (the next frame is a
    /// key frame).
    last_size: Option<(u16, u16)>,
    /// `--h264-file`: the next access unit of the file for this peer.
    file_pos: usize,
}

impl Peer {
    fn new(addr: SocketAddr, local: SocketAddr, now: Instant, first_index: u16) -> Self {
        Peer {
            addr,
            local,
            heard: false,
            rdy_left: 0,
            next_rdy: None,
            last_rx: now,
            last_tx: now,
            tx: (0..CHANNELS)
                .map(|_| ChanTx {
                    next: first_index,
                    ..ChanTx::default()
                })
                .collect(),
            rx: (0..CHANNELS)
                .map(|_| ChanRx {
                    next: first_index,
                    ..ChanRx::default()
                })
                .collect(),
            acks: Vec::new(),
            blocks: BlockDecoder::new(MAX_REQUEST),
            talk: FrameAssembler::new(MAX_REQUEST),
            video: false,
            next_frame: None,
            audio: false,
            next_audio: None,
            replies: VecDeque::new(),
            ticket: None,
            gop_pos: 0,
            key_count: 0,
            last_size: None,
            file_pos: 0,
        }
    }

    /// Bytes queued or unacknowledged on every channel, replies included.
    fn queued(&self) -> usize {
        self.tx.iter().map(|t| t.bytes).sum::<usize>()
            + self.replies.iter().map(|(_, r)| r.len()).sum::<usize>()
    }

    /// Bytes held: queued output, out-of-order input and partial requests.
    fn held(&self) -> usize {
        self.queued()
            + self.rx.iter().map(|r| r.held_bytes).sum::<usize>()
            + self.blocks.pending()
            + self.talk.buffered()
    }
}

/// The fake camera. Sans-IO: feed it datagrams with the local address they arrived at.
#[derive(Debug)]
pub struct FakeCamera {
    config: CameraConfig,
    cipher: Cipher,
    did: WireDid,
    started: Instant,
    now: Instant,
    peers: HashMap<SocketAddr, Peer>,
    /// Addresses answered that have not yet shown they receive us, oldest first (at most
    /// [`MAX_GREETED`]; `greeted` holds the same addresses, for lookup).
    greet_order: VecDeque<SocketAddr>,
    greeted: HashSet<SocketAddr>,
    out: VecDeque<Transmit>,
    stats: CameraStats,
    frame_counter: u32,
    audio_counter: u32,
    offline_until: Option<Instant>,
    /// What [`FakeCamera::poll_timeout`] answers, computed after every input.
    deadline: Option<Instant>,
    reboot_at: Option<Instant>,
    /// The picture [`CameraConfig::frame_size`] frames are patched from, and its size.
    patched: Option<((u16, u16), jpeg::Patched)>,
}

impl FakeCamera {
    /// A camera configured by `config`, powered on at `now`.
    pub fn new(config: CameraConfig, now: Instant) -> Self {
        FakeCamera {
            cipher: config
                .psk
                .as_deref()
                .map_or_else(Cipher::plain, Cipher::from_psk),
            did: WireDid::from(&config.uid),
            config,
            started: now,
            now,
            peers: HashMap::new(),
            greet_order: VecDeque::new(),
            greeted: HashSet::new(),
            out: VecDeque::new(),
            stats: CameraStats::default(),
            frame_counter: 0,
            audio_counter: 0,
            offline_until: None,
            deadline: None,
            reboot_at: None,
            patched: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &CameraConfig {
        &self.config
    }

    /// Counters.
    pub fn stats(&self) -> CameraStats {
        let mut s = self.stats.clone();
        s.active_sessions = self.peers.len();
        s
    }

    /// Addresses of the connected controllers.
    pub fn peers(&self) -> Vec<SocketAddr> {
        self.peers.keys().copied().collect()
    }

    /// Bytes the camera holds for its sessions: queued and unacknowledged output (replies
    /// included), packets received out of order, partial requests and talk-back frames. At most
    /// `max_sessions × (send_buffer + recv_buffer + 2 × MAX_REQUEST)` plus one frame per
    /// session.
    pub fn held_bytes(&self) -> usize {
        self.peers.values().map(Peer::held).sum()
    }

    /// The camera's sockets: the LAN-search socket and the session socket.
    pub fn addrs(&self) -> [SocketAddr; 2] {
        [self.config.lan_addr, self.config.session_addr]
    }

    fn session_local(&self) -> SocketAddr {
        if self.config.answer_from_lan_port {
            self.config.lan_addr
        } else {
            self.config.session_addr
        }
    }

    fn send_raw(&mut self, src: SocketAddr, dst: SocketAddr, plain: &[u8]) {
        self.stats.datagrams_sent += 1;
        self.out.push_back(Transmit {
            src: Some(src),
            dst,
            data: self.cipher.seal(plain),
        });
    }

    fn send_msg(&mut self, src: SocketAddr, dst: SocketAddr, msg: Message<'_>) {
        let mut v = msg.to_vec();
        if matches!(msg, Message::P2pRdy(_)) {
            self.stats.rdy_sent += 1;
            if self.config.long_rdy {
                v.extend_from_slice(&[0; 8]); // length field still says 20
                self.stats.long_rdy_sent += 1;
            }
        }
        self.send_raw(src, dst, &v);
        if let Some(p) = self.peers.get_mut(&dst) {
            p.last_tx = self.now;
        }
    }

    /// Processes a datagram that arrived at our socket `local` from `from`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        from: SocketAddr,
        data: &[u8],
    ) {
        self.receive(now, local, from, data);
        self.deadline = self.next_deadline();
    }

    fn receive(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.now = now;
        if self.offline_until.is_some_and(|t| now < t) {
            return;
        }
        let mut plain = data.to_vec();
        self.cipher.decrypt(&mut plain);
        let Ok(msg) = packet::decode(&plain) else {
            self.stats.ignored += 1;
            return;
        };
        self.stats.datagrams_received += 1;
        match msg {
            Message::LanSearch | Message::LanSearchExt => self.on_search(from),
            Message::PunchPkt(did) if did == self.did => self.on_handshake(local, from, false),
            Message::P2pRdy(did) if did == self.did => self.on_handshake(local, from, true),
            msg => {
                // Session traffic from an address we answered proves it receives us.
                let proven = !matches!(msg, Message::Close) && self.greeted.contains(&from);
                let known = self.peers.contains_key(&from) || (proven && self.open(local, from));
                if !known {
                    self.stats.ignored += 1;
                    return;
                }
                self.on_session_message(from, msg);
            }
        }
    }

    /// Remembers that `addr` got an answer (a bounded, oldest-first memory).
    fn greet(&mut self, addr: SocketAddr) {
        if self.greeted.insert(addr) {
            self.greet_order.push_back(addr);
        }
        while self.greet_order.len() > MAX_GREETED {
            if let Some(old) = self.greet_order.pop_front() {
                self.greeted.remove(&old);
            }
        }
    }

    /// A LAN search gets one small answer, from any address: PUNCH_PKT, or P2P_RDY for a
    /// "rdy-first" device. Nothing else happens until the address answers it.
    fn on_search(&mut self, from: SocketAddr) {
        self.stats.searches += 1;
        let src = self
            .peers
            .get(&from)
            .map_or(self.session_local(), |p| p.local);
        if self.config.handshake == Handshake::RdyFirst {
            self.stats.searches_answered_rdy += 1;
            self.send_msg(src, from, Message::P2pRdy(self.did));
        } else {
            self.send_msg(src, from, Message::PunchPkt(self.did));
        }
        if !self.peers.contains_key(&from) {
            self.greet(from);
        }
    }

    /// PUNCH_PKT or P2P_RDY with our DID (docs/protocol.md §7.2).
    fn on_handshake(&mut self, local: SocketAddr, from: SocketAddr, rdy: bool) {
        if let Some(p) = self.peers.get(&from) {
            // Either side receiving P2P_RDY is connected (CS2): answer with ours. A repeated
            // PUNCH_PKT (our P2P_RDY was lost) gets one more; a late echo in a running
            // session gets nothing.
            if rdy || !p.heard {
                self.burst_rdy(from, 1);
            }
            if rdy {
                self.touch(from, false);
            }
            return;
        }
        if !self.greeted.contains(&from) {
            // Not proven to receive us: one small answer (none when full), no session.
            if self.peers.len() < self.config.max_sessions {
                self.send_msg(local, from, Message::P2pRdy(self.did));
            }
            self.greet(from);
            return;
        }
        // It answered ours: open the session and complete the handshake.
        if !self.open(local, from) {
            return;
        }
        if rdy {
            self.burst_rdy(from, 1);
            self.touch(from, false);
            return;
        }
        if self.config.handshake == Handshake::CloseThenRdy {
            self.stats.handshake_closes += 1;
            self.send_msg(local, from, Message::Close);
        }
        self.burst_rdy(from, 4);
    }

    /// Opens a session for `from`, who proved it receives us; false when full (`from` stays
    /// remembered, so that its retries are refused without an answer too).
    fn open(&mut self, local: SocketAddr, from: SocketAddr) -> bool {
        if self.peers.len() >= self.config.max_sessions {
            self.stats.sessions_refused += 1;
            return false;
        }
        self.greeted.remove(&from);
        self.stats.sessions += 1;
        let first = self.config.first_index;
        self.peers
            .insert(from, Peer::new(from, local, self.now, first));
        true
    }

    fn burst_rdy(&mut self, to: SocketAddr, n: u8) {
        let local = self
            .peers
            .get(&to)
            .map_or(self.session_local(), |p| p.local);
        self.send_msg(local, to, Message::P2pRdy(self.did));
        if let Some(p) = self.peers.get_mut(&to) {
            p.rdy_left = n.saturating_sub(1);
            p.next_rdy = Some(self.now + Duration::from_millis(10));
        }
    }

    fn touch(&mut self, from: SocketAddr, heard: bool) {
        if let Some(p) = self.peers.get_mut(&from) {
            p.last_rx = self.now;
            p.heard |= heard;
        }
    }

    fn on_session_message(&mut self, from: SocketAddr, msg: Message<'_>) {
        self.touch(from, true);
        let now = self.now;
        let guard = self.config.rto / 4;
        match msg {
            Message::Alive => {
                let local = self.peers[&from].local;
                self.send_msg(local, from, Message::AliveAck);
            }
            Message::Close => {
                self.peers.remove(&from);
            }
            Message::DrwAck { channel, indexes } => {
                if let Some(p) = self.peers.get_mut(&from) {
                    for i in indexes.iter() {
                        p.tx[channel as usize].ack(i, now, guard);
                    }
                }
            }
            Message::Drw {
                channel,
                index,
                data,
            } => {
                let Some(p) = self.peers.get_mut(&from) else {
                    return;
                };
                let held: usize = p.rx.iter().map(|r| r.held_bytes).sum();
                let room = self.config.recv_buffer.saturating_sub(held);
                let ready = match p.rx[channel as usize].accept(index, data, room) {
                    Accept::Ack(ready) => {
                        p.acks.push((channel, index));
                        ready
                    }
                    Accept::Drop => {
                        self.stats.drw_dropped += 1;
                        Vec::new()
                    }
                };
                for chunk in ready {
                    match channel {
                        0 => {
                            // A block may end the session (wrong dialect): stop then.
                            let Some(p) = self.peers.get_mut(&from) else {
                                break;
                            };
                            p.blocks.push(&chunk);
                            let mut blocks = Vec::new();
                            while let Some(b) = p.blocks.next_block() {
                                blocks.push(b);
                            }
                            for b in blocks {
                                if !self.peers.contains_key(&from) {
                                    break;
                                }
                                self.on_any_block(from, b);
                            }
                        }
                        3 => self.on_talk(from, &chunk),
                        _ => {}
                    }
                }
                // Acknowledge before anything the packet caused is sent: clients such as
                // aiopppp expect a command's ACK before its reply.
                self.flush_acks(from);
            }
            Message::Other {
                msg_type: packet::msg::PSR,
                payload,
            } => {
                // Unreliable packets (MSG_PSR, the vendor API's PktSend/PktRecv): the emulator
                // echoes each one back unchanged, so that clients can test their packet path.
                let local = self.peers[&from].local;
                let payload = payload.to_vec();
                self.send_msg(
                    local,
                    from,
                    Message::Other {
                        msg_type: packet::msg::PSR,
                        payload: &payload,
                    },
                );
            }
            _ => {}
        }
        self.transmit(from);
    }

    fn on_talk(&mut self, from: SocketAddr, chunk: &[u8]) {
        let Some(p) = self.peers.get_mut(&from) else {
            return;
        };
        p.talk.push(chunk);
        while let Some(f) = p.talk.next_frame() {
            self.stats.talk_frames += 1;
            let pcm = adpcm::decode(&f.data);
            self.stats.talk_samples += pcm.len() as u64;
            self.stats.talk_energy += pcm.iter().map(|s| s.unsigned_abs() as u64).sum::<u64>();
        }
    }

    fn on_block(&mut self, from: SocketAddr, kind: BlockKind, payload: &[u8]) {
        if kind != BlockKind::Shix {
            // Cameras close on commands of a dialect they do not speak (cam-reverse#51).
            if let Some(p) = self.peers.remove(&from) {
                self.send_msg(p.local, from, Message::Close);
            }
            return;
        }
        let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(payload) else {
            return; // garbage JSON gets no answer, like the real thing
        };
        self.stats.commands += 1;
        let cmd = req.get("cmd").and_then(Value::as_i64).unwrap_or(-1);
        let reply = self.execute(from, cmd, &req);
        self.reply(from, reply);
    }

    fn execute(&mut self, from: SocketAddr, cmd: i64, req: &Map<String, Value>) -> Value {
        let user = req.get("user").and_then(Value::as_str);
        let pwd = req.get("pwd").and_then(Value::as_str);
        let auth = match (user, pwd) {
            (Some(u), Some(p)) if u == self.config.user && p == self.config.password => 0,
            (_, None) => -1,
            _ => -3,
        };
        if cmd == 100 {
            if auth == 0 {
                self.stats.logins_ok += 1;
                return json!({"cmd": 100, "result": 0, "admin": 1, "restrict": 0, "mode": 110,
                    "type": 600, "checkstr": "SHIX", "cloud_key": 3_052_283_891u64});
            }
            self.stats.logins_failed += 1;
            return json!({"cmd": 100, "result": auth});
        }
        if auth != 0 {
            return json!({"cmd": cmd, "result": auth});
        }
        let i = |k: &str| req.get(k).and_then(Value::as_i64);
        match cmd {
            101 => json!({"cmd": 101, "result": 0, "tz": -3, "time": self.device_seconds(),
                "icut": 0, "batValue": 90, "batStatus": 1, "sysver": "PPPP_FAKE_1.0 (pppp emulator)",
                "mcuver": "1.1.1.1", "sensor": "EMU0", "isShow4KMenu": 0, "isShowIcutAuto": 1,
                "rotmir": 0, "signal": 100, "lamp": 1}),
            102 => {
                if i("reboot") == Some(1) {
                    self.reboot_at = Some(self.now + Duration::from_millis(200));
                }
                json!({"cmd": 102, "result": 0})
            }
            111 => {
                let p = self
                    .peers
                    .get_mut(&from)
                    .expect("command from a known peer");
                if let Some(v) = i("video") {
                    p.video = v != 0;
                    p.next_frame = p.video.then_some(self.now);
                }
                if let Some(a) = i("audio") {
                    p.audio = a != 0;
                    p.next_audio = p.audio.then_some(self.now);
                }
                json!({"cmd": 111, "result": 0})
            }
            126 => {
                let answer = if self.config.reply_aliases { 128 } else { 126 };
                json!({"cmd": answer, "result": 0})
            }
            128 => {
                self.stats.ptz_commands += 1;
                self.stats.last_ptz = Some((i("parms").unwrap_or(0), i("value").unwrap_or(0)));
                json!({"cmd": 128, "result": 0})
            }
            107 => {
                json!({"cmd": 107, "result": 0, "pirenable": 0, "pirsensitive": 2, "pirvideo": 0,
                "pirPush": 0, "pirvideotime": 10, "pirDelayTime": 30, "AalarmInterval": 60,
                "pirCloudUpCount": 0})
            }
            112 => json!({"cmd": 112, "result": 0, "wifissid": "pppp-lab", "signal": 100}),
            113 => json!({"cmd": 113, "result": 0, "count": 2,
                "list": [{"ssid": "pppp-lab", "signal": 100, "encryption": 1},
                         {"ssid": "neighbour", "signal": 40, "encryption": 1}]}),
            305 => json!({"cmd": 305, "result": 0, "status": 0}),
            9000 => {
                json!({"cmd": 9000, "result": 0, "flashOrTf": 1, "uploadType": 0, "isExistTf": 0,
                "productName": "pppp-emulator", "fwVer": "1.0", "supportNewUp": 0})
            }
            134 => json!({"cmd": 134, "result": 0, "inputvol": 80, "outputvol": 80}),
            103 => json!({"cmd": 103, "result": 0, "devname": "pppp emulator"}),
            1 | 106 | 108 | 114 | 199 | 300 | 304 => json!({"cmd": cmd, "result": 0}),
            _ => {
                self.stats.unknown_commands += 1;
                json!({"cmd": cmd, "result": -1})
            }
        }
    }

    fn device_seconds(&self) -> u64 {
        self.config.epoch_seconds as u64 + (self.now - self.started).as_secs()
    }

    /// Writes a reply the way cameras do: one block per DRW, pretty-printed with tabs.
    fn reply(&mut self, to: SocketAddr, reply: Value) {
        let text = pretty_tabs(&reply);
        self.reply_block(to, command::encode_shix(SHIX_RESPONSE, text.as_bytes()));
    }

    fn release_replies(&mut self, to: SocketAddr) {
        let (now, skip) = (self.now, self.config.skip_command_index);
        if let Some(p) = self.peers.get_mut(&to) {
            while p.replies.front().is_some_and(|(due, _)| *due <= now) {
                if let Some((_, block)) = p.replies.pop_front() {
                    p.tx[0].queue(&block, skip);
                }
            }
        }
    }

    fn flush_acks(&mut self, to: SocketAddr) {
        let Some(p) = self.peers.get_mut(&to) else {
            return;
        };
        if p.acks.is_empty() {
            return;
        }
        let acks = std::mem::take(&mut p.acks);
        let local = p.local;
        for ch in 0..CHANNELS as u8 {
            let list: Vec<u16> = acks
                .iter()
                .filter(|(c, _)| *c == ch)
                .map(|(_, i)| *i)
                .collect();
            for batch in list.chunks(17) {
                let mut v = Vec::new();
                packet::encode_drw_ack(&mut v, ch, batch);
                self.send_raw(local, to, &v);
            }
        }
        if let Some(p) = self.peers.get_mut(&to) {
            p.last_tx = self.now;
        }
    }

    /// Sends what is due on every channel of `to`: retransmissions, then new packets.
    fn transmit(&mut self, to: SocketAddr) {
        let now = self.now;
        let rto = self.config.rto;
        let Some(p) = self.peers.get_mut(&to) else {
            return;
        };
        let local = p.local;
        let mut out = Vec::new();
        let mut retransmits = 0;
        for (ch, tx) in p.tx.iter_mut().enumerate() {
            for pkt in tx.pkts.iter_mut().take(WINDOW) {
                if pkt.acked {
                    continue;
                }
                let due = match pkt.sent {
                    None => true,
                    Some(s) => s + rto * (1 << pkt.tries.min(3)) <= now,
                };
                if due {
                    if pkt.sent.is_some() {
                        retransmits += 1;
                        pkt.tries += 1;
                    }
                    pkt.sent = Some(now);
                    let mut v = Vec::with_capacity(8 + pkt.data.len());
                    packet::encode_drw(&mut v, ch as u8, pkt.index, &pkt.data);
                    out.push(v);
                }
            }
        }
        self.stats.retransmits += retransmits;
        if !out.is_empty() {
            p.last_tx = now;
        }
        for v in out {
            self.send_raw(local, to, &v);
        }
    }

    /// The picture size of frame `index` (after the configured resolution switch).
    pub fn frame_size(&self, index: u32) -> (u16, u16) {
        let c = &self.config;
        match c.switch_resolution_after {
            Some(n) if index >= n => c.switch_size.unwrap_or((
                (c.width / 2 / 16).max(1) * 16,
                (c.height / 2 / 16).max(1) * 16,
            )),
            _ => (c.width, c.height),
        }
    }

    /// Seconds and milliseconds of the device clock, for AV headers.
    fn av_time(&self) -> (u32, u16) {
        let elapsed = self.now - self.started;
        (
            self.config
                .epoch_seconds
                .wrapping_add(elapsed.as_secs() as u32),
            elapsed.subsec_millis() as u16,
        )
    }

    /// JPEG frame `index` of `size`: encoded, or patched into the pre-encoded picture.
    fn mjpeg(&mut self, index: u32, size: (u16, u16)) -> Vec<u8> {
        let Some(bytes) = self.config.frame_size else {
            return jpeg::frame(u64::from(index), size.0, size.1, self.config.quality);
        };
        let quality = self.config.quality;
        if self.patched.as_ref().is_none_or(|(s, _)| *s != size) {
            self.patched = Some((size, jpeg::Patched::new(size.0, size.1, quality, bytes)));
        }
        let stamp = self
            .config
            .wall_clock
            .map(|(at, us)| us + self.now.saturating_duration_since(at).as_micros() as u64);
        match &self.patched {
            Some((_, p)) => p.frame(u64::from(index), stamp),
            None => Vec::new(),
        }
    }

    fn video_frame(&mut self, to: SocketAddr) {
        let index = self.frame_counter;
        self.frame_counter = self.frame_counter.wrapping_add(1);
        let size = self.frame_size(index);
        let (codec, gop) = (self.config.video_codec, self.config.gop.max(1));
        let Some(p) = self.peers.get_mut(&to) else {
            return;
        };
        if p.queued() > self.config.send_buffer {
            self.stats.frames_skipped += 1;
            // The decoder's reference chain is broken: restart it with a key frame.
            p.last_size = None;
            return;
        }
        let file = match (codec, &self.config.h264_file) {
            (VideoCodec::H264, Some(f)) => Some(f),
            _ => None,
        };
        if let Some(file) = file {
            if p.last_size.is_none() {
                p.file_pos = file.next_key(p.file_pos); // (re)start on a key frame
            }
            let (au, key) = file.unit(p.file_pos);
            p.file_pos = (p.file_pos + 1) % file.len();
            p.last_size = Some(size);
            let t = if key {
                av::codec_byte::H264_I
            } else {
                av::codec_byte::H264_P
            };
            let data = au.to_vec();
            self.queue_video(to, t, &data, index);
            return;
        }
        if p.last_size != Some(size) || p.gop_pos >= gop {
            p.gop_pos = 0;
        }
        let spec = video::FrameSpec {
            index,
            gop_pos: p.gop_pos,
            key_count: p.key_count,
            width: size.0,
            height: size.1,
        };
        p.last_size = Some(size);
        p.gop_pos += 1;
        if spec.is_key() {
            p.key_count = p.key_count.wrapping_add(1);
        }
        let (type_byte, data) = match codec {
            VideoCodec::Mjpeg => (av::codec_byte::MJPEG, self.mjpeg(index, size)),
            VideoCodec::H264 | VideoCodec::H265 => {
                let t = if spec.is_key() {
                    av::codec_byte::H264_I
                } else {
                    av::codec_byte::H264_P
                };
                let au = if codec == VideoCodec::H264 {
                    video::h264_access_unit(&spec)
                } else {
                    video::h265_access_unit(&spec)
                };
                (t, au)
            }
        };
        self.queue_video(to, type_byte, &data, index);
    }

    /// Queues video frame `index` behind its AV header on channel 1 of peer `to`.
    fn queue_video(&mut self, to: SocketAddr, type_byte: u8, data: &[u8], index: u32) {
        let (seconds, millis) = self.av_time();
        let h = AvHeader {
            codec: type_byte,
            stream: 0,
            millis,
            seconds,
            index,
            ..AvHeader::default()
        };
        let rec = h.record(data);
        self.stats.video_frames += 1;
        if let Some(p) = self.peers.get_mut(&to) {
            p.tx[1].queue(&rec, None);
        }
    }

    /// The PCM of audio frame `index`: a 500 Hz tone, continuous across frames.
    pub fn audio_pcm(&self, index: u32) -> Vec<i16> {
        let rate = f64::from(self.audio_rate());
        let base = index as usize * AUDIO_SAMPLES;
        (0..AUDIO_SAMPLES)
            .map(|i| {
                let t = (base + i) as f64 / rate;
                (6000.0 * (2.0 * std::f64::consts::PI * 500.0 * t).sin()) as i16
            })
            .collect()
    }

    /// The sample rate of the audio the camera sends.
    pub fn audio_rate(&self) -> u32 {
        match self.config.audio_codec {
            AudioCodec::Adpcm => self.config.audio_rate.clamp(4000, 48000),
            AudioCodec::Alaw => 8000,
        }
    }

    /// The time one audio frame of [`AUDIO_SAMPLES`] samples lasts.
    fn audio_interval(&self) -> Duration {
        Duration::from_micros(AUDIO_SAMPLES as u64 * 1_000_000 / u64::from(self.audio_rate()))
    }

    fn audio_frame(&mut self, to: SocketAddr) {
        let index = self.audio_counter;
        self.audio_counter = self.audio_counter.wrapping_add(1);
        let pcm = self.audio_pcm(index);
        let (codec, data) = match self.config.audio_codec {
            AudioCodec::Adpcm => (av::codec_byte::ADPCM, adpcm::encode(&pcm)),
            AudioCodec::Alaw => (av::codec_byte::ILNK_ALAW, adpcm::alaw_encode(&pcm)),
        };
        let (seconds, millis) = self.av_time();
        let h = AvHeader {
            codec,
            stream: 1,
            millis,
            seconds,
            index,
            ..AvHeader::default()
        };
        let rec = h.record(&data);
        let Some(p) = self.peers.get_mut(&to) else {
            return;
        };
        if p.queued() + rec.len() > self.config.send_buffer {
            self.stats.audio_skipped += 1;
            return;
        }
        self.stats.audio_frames += 1;
        p.tx[2].queue(&rec, None);
    }

    /// Advances timers: RDY bursts, keepalive, idle drop, media, retransmission.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        self.deadline = self.next_deadline();
    }

    fn tick(&mut self, now: Instant) {
        self.now = now;
        if let Some(t) = self.offline_until {
            if now < t {
                return;
            }
            self.offline_until = None;
        }
        if self.reboot_at.is_some_and(|t| t <= now) {
            self.reboot();
            return;
        }
        let peers: Vec<SocketAddr> = self.peers.keys().copied().collect();
        for to in peers {
            let Some(p) = self.peers.get(&to) else {
                continue;
            };
            if now >= p.last_rx + self.config.idle_timeout {
                // The CS2 device drops a silent session without a word.
                self.stats.idle_drops += 1;
                self.peers.remove(&to);
                continue;
            }
            let (local, rdy_due, heard) = (p.local, p.next_rdy.is_some_and(|t| t <= now), p.heard);
            if rdy_due {
                self.send_msg(local, to, Message::P2pRdy(self.did));
                let p = self.peers.get_mut(&to).expect("peer exists");
                if p.rdy_left > 0 {
                    p.rdy_left -= 1;
                    p.next_rdy = Some(now + Duration::from_millis(10));
                } else if !heard {
                    // Keep announcing until the controller speaks (about once a second).
                    p.next_rdy = Some(now + Duration::from_secs(1));
                } else {
                    p.next_rdy = None;
                }
            }
            let interval = Duration::from_secs(1) / self.config.fps.max(1);
            while self
                .peers
                .get(&to)
                .and_then(|p| p.next_frame)
                .is_some_and(|t| t <= now)
            {
                self.video_frame(to);
                let p = self.peers.get_mut(&to).expect("peer exists");
                p.next_frame = p.next_frame.map(|t| t + interval);
            }
            if let Some(p) = self.peers.get_mut(&to) {
                if p.next_frame.is_none() {
                    p.last_size = None; // video off: the next stream starts with a key frame
                }
            }
            let audio_interval = self.audio_interval();
            while self
                .peers
                .get(&to)
                .and_then(|p| p.next_audio)
                .is_some_and(|t| t <= now)
            {
                self.audio_frame(to);
                let p = self.peers.get_mut(&to).expect("peer exists");
                p.next_audio = p.next_audio.map(|t| t + audio_interval);
            }
            self.flush_acks(to);
            self.release_replies(to);
            self.transmit(to);
            if let Some(p) = self.peers.get(&to) {
                if now >= p.last_tx + self.config.alive_interval {
                    self.send_msg(local, to, Message::Alive);
                }
            }
        }
    }

    fn reboot(&mut self) {
        self.stats.reboots += 1;
        self.reboot_at = None;
        let peers: Vec<(SocketAddr, SocketAddr)> =
            self.peers.values().map(|p| (p.addr, p.local)).collect();
        for (to, local) in peers {
            self.send_msg(local, to, Message::Close);
        }
        self.peers.clear();
        self.greeted.clear();
        self.greet_order.clear();
        self.offline_until = Some(self.now + self.config.reboot_time);
    }

    /// The next datagram to send (its `src` names the socket).
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    /// When `handle_timeout` must run next: the earliest of what is due (a frame, a
    /// retransmission, a reply, an ACK, a keepalive, an idle drop, the end of a reboot).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Computes [`FakeCamera::poll_timeout`] (after every input: the camera never wakes
    /// without something to do, so that one process can emulate many cameras).
    fn next_deadline(&self) -> Option<Instant> {
        if let Some(t) = self.offline_until {
            return Some(t);
        }
        let rto = self.config.rto;
        let mut next = self.reboot_at;
        let mut at = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n: Instant| n.min(t)));
            }
        };
        for p in self.peers.values() {
            at(Some(p.last_rx + self.config.idle_timeout));
            at(Some(p.last_tx + self.config.alive_interval));
            at(p.next_rdy);
            at(p.next_frame);
            at(p.next_audio);
            at(p.replies.front().map(|(due, _)| *due));
            if !p.acks.is_empty() {
                at(Some(self.now));
            }
            for tx in &p.tx {
                for pkt in tx.pkts.iter().take(WINDOW).filter(|p| !p.acked) {
                    at(Some(match pkt.sent {
                        None => self.now,
                        Some(s) => s + rto * (1 << pkt.tries.min(3)),
                    }));
                }
            }
        }
        next
    }
}

/// Pretty-prints a JSON object the way SHIX cameras do: one key per line, a tab after the colon.
fn pretty_tabs(v: &Value) -> String {
    let Value::Object(m) = v else {
        return v.to_string();
    };
    let mut s = String::from("{\n");
    let n = m.len();
    for (i, (k, v)) in m.iter().enumerate() {
        s.push('\t');
        s.push_str(&Value::from(k.as_str()).to_string());
        s.push_str(":\t");
        s.push_str(&v.to_string());
        if i + 1 < n {
            s.push(',');
        }
        s.push('\n');
    }
    s.push('}');
    s
}

impl super::Node for FakeCamera {
    fn addrs(&self) -> Vec<SocketAddr> {
        let a = FakeCamera::addrs(self);
        if a[0] == a[1] {
            vec![a[0]]
        } else {
            a.to_vec()
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl crate::proto::SansIo for FakeCamera {
    fn handle_datagram(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]) {
        FakeCamera::handle_datagram(self, now, local, from, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        FakeCamera::handle_timeout(self, now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        FakeCamera::poll_transmit(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        FakeCamera::poll_timeout(self)
    }
}
