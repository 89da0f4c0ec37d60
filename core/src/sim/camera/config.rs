//! The fake camera's configuration ([`CameraConfig`], the handshake variant, the codecs) and
//! what it counts ([`CameraStats`]).

use super::*;

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
    /// The first ALIVE of a session waits this much longer: cameras of one emulator that
    /// are connected together then keep alive at different instants, as independent cameras
    /// do (`pppp camera --count N` spreads them over one interval).
    pub alive_phase: Duration,
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
            alive_phase: Duration::ZERO,
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
