//! [`Session`]: one camera, one I/O thread.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use parking_lot::Mutex;
use serde_json::Value;

use super::io::{Flow, IoLoop, Machine};
use super::{lan_targets_from_env, parse_host, Frame, LAN_PORT};
use crate::error::{ClosedBy, Error, Result};
use crate::proto::cipher::Cipher;
use crate::proto::conn::{CloseReason, ConnConfig};
use crate::proto::controller::{
    channel, CommandError, Controller, ControllerConfig, ControllerError, ControllerStats, Event,
    RequestId,
};
use crate::proto::dialect::{Dialect, DialectChoice, DialectSource};
use crate::proto::ops::{self, FlipMirror, Op, Params, PtzDirection, SdInfo, WifiNetwork};
use crate::proto::psk::PskChoice;
use crate::proto::reconnect::{ReconnectPolicy, ReconnectState, Reconnector};
use crate::proto::Transmit;
use crate::Uid;

/// How to reach and log into a camera.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The camera's UID (any accepted spelling; validated by `connect`).
    pub uid: String,
    /// The camera's address `HOST[:PORT]`, PORT being its LAN-search port (default 32108). The
    /// search goes there by unicast and the session follows the camera to whatever port it
    /// answers from. `None`: search by broadcast (or at [`super::LAN_TARGETS_ENV`]).
    pub host: Option<String>,
    /// Extra unicast search targets.
    pub targets: Vec<SocketAddr>,
    /// Broadcast the search on every interface when no host is given.
    pub broadcast: bool,
    /// Local address to bind (default `0.0.0.0:0`).
    pub bind: Option<SocketAddr>,
    /// Login user.
    pub user: String,
    /// Login password.
    pub password: String,
    /// `auto`, `none`, a known PSK name, or `custom:<psk>`.
    pub psk: String,
    /// How long to search and handshake.
    pub connect_timeout: Duration,
    /// How long a command waits for its reply.
    pub command_timeout: Duration,
    /// Declare the camera dead after this long without a packet.
    pub dead_after: Duration,
    /// Video frames buffered for the consumer before the oldest is dropped.
    pub video_queue: usize,
    /// Audio frames buffered for the consumer before the oldest is dropped.
    pub audio_queue: usize,
    /// Sample rate of talk-back audio given to [`Session::talk`] (8000 by default; some
    /// cameras play 11025).
    pub talk_rate: u32,
    /// Reconnect when the camera is lost (silence or MSG_CLOSE) after the session was up:
    /// log in again, restart video/audio, keep delivering frames on the same
    /// [`Session::next_frame`]. `None` (default): the session closes.
    pub reconnect: Option<ReconnectPolicy>,
    /// The channel-0 dialect: `auto` (default: the UID prefix table, then probing at login),
    /// `shix`, `cgi` or `binary` (see [`crate::proto::dialect`]).
    pub dialect: String,
    /// Numbering of SHIX commands: `vi365` (default), `hdwificam-pro` or `lookcam-pro`
    /// (PROTOCOL.md §8.2).
    pub family: String,
    /// How long each login attempt waits while other dialects remain to be probed.
    pub probe_timeout: Duration,
    /// Give up on a channel-0 index the camera never sends after this long and resynchronise
    /// on the next command (some firmware skips an index). `None`: wait forever.
    pub command_skip_after: Option<Duration>,
}

impl SessionConfig {
    /// Defaults for `uid`: broadcast search, user `admin`, password `6666`, PSK auto.
    pub fn new(uid: impl Into<String>) -> Self {
        SessionConfig {
            uid: uid.into(),
            host: None,
            targets: Vec::new(),
            broadcast: true,
            bind: None,
            user: crate::proto::shix::DEFAULT_USER.into(),
            password: crate::proto::shix::DEFAULT_PASSWORD.into(),
            psk: "auto".into(),
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(5),
            dead_after: Duration::from_secs(8),
            video_queue: 32,
            audio_queue: 64,
            reconnect: None,
            talk_rate: crate::proto::controller::TALK_SAMPLE_RATE,
            dialect: "auto".into(),
            family: crate::proto::shix::VI365.name.into(),
            probe_timeout: Duration::from_secs(2),
            command_skip_after: Some(Duration::from_secs(5)),
        }
    }

    /// Sets the dialect (`auto`, `shix`, `cgi`, `binary`).
    pub fn dialect(mut self, dialect: impl Into<String>) -> Self {
        self.dialect = dialect.into();
        self
    }

    /// Sets the SHIX command family (`vi365`, `hdwificam-pro`, `lookcam-pro`).
    pub fn family(mut self, family: impl Into<String>) -> Self {
        self.family = family.into();
        self
    }

    /// Enables reconnection with `policy` (see [`SessionConfig::reconnect`]).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = Some(policy);
        self
    }

    /// Sets the camera's address (`HOST[:PORT]`).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets user and password.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user = user.into();
        self.password = password.into();
        self
    }

    /// Sets the PSK (`auto`, `none`, a name, or `custom:<psk>`).
    pub fn psk(mut self, psk: impl Into<String>) -> Self {
        self.psk = psk.into();
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Validates the configuration and builds the controller's.
    fn controller_config(&self) -> Result<ControllerConfig> {
        let uid = Uid::parse(&self.uid)?;
        let psk = PskChoice::parse(&self.psk)?;
        let mut targets = self.targets.clone();
        if let Some(h) = &self.host {
            targets.push(parse_host(h, LAN_PORT)?);
        }
        if targets.is_empty() {
            match lan_targets_from_env() {
                Some(t) => targets = t?,
                None if self.broadcast => targets = super::broadcast_targets(LAN_PORT),
                None => {}
            }
        }
        if targets.is_empty() {
            return Err(Error::InvalidArgument(
                "no search target: give the camera's host, or enable broadcast".into(),
            ));
        }
        if self.video_queue == 0 || self.audio_queue == 0 {
            return Err(Error::InvalidArgument(
                "frame queues need room for at least one frame".into(),
            ));
        }
        let mut conn = ConnConfig::new(uid, targets);
        conn.psk = psk;
        conn.connect_timeout = self.connect_timeout;
        conn.dead_after = self.dead_after;
        conn.command_skip_after = self.command_skip_after;
        let dialect = DialectChoice::parse(&self.dialect)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let family = crate::proto::shix::family(&self.family).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "unknown SHIX command family {:?} (expected {})",
                self.family,
                crate::proto::shix::FAMILIES
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let mut c = ControllerConfig::new(conn);
        c.user = self.user.clone();
        c.password = self.password.clone();
        c.command_timeout = self.command_timeout;
        if !(4000..=48000).contains(&self.talk_rate) {
            return Err(Error::InvalidArgument(format!(
                "talk_rate {} Hz (expected 4000-48000, usually 8000 or 11025)",
                self.talk_rate
            )));
        }
        c.talk_rate = self.talk_rate;
        c.dialect = dialect;
        c.family = family;
        c.probe_timeout = self.probe_timeout;
        Ok(c)
    }
}

/// Something that happened to a session, for callers who watch its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// The transport session is up.
    Connected {
        /// The camera's session address.
        peer: SocketAddr,
        /// The cipher in use ("plain" or a PSK name).
        cipher: String,
    },
    /// The camera was lost (only with a reconnect policy): reconnection attempts follow.
    Disconnected {
        /// Why the transport session ended.
        reason: CloseReason,
    },
    /// The session is up again after [`SessionEvent::Disconnected`]; it logs in again and
    /// restarts the media that was running.
    Reconnected {
        /// The attempt that succeeded (1-based).
        attempt: u32,
    },
    /// The session ended.
    Closed(CloseReason),
}

/// Counters of a session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Protocol counters.
    pub controller: ControllerStats,
    /// Video frames dropped because the consumer fell behind.
    pub video_dropped: u64,
    /// Audio frames dropped because the consumer fell behind.
    pub audio_dropped: u64,
    /// Successful reconnections (the protocol counters restart with each).
    pub reconnects: u64,
}

impl SessionStats {
    /// Total retransmissions of our packets.
    pub fn retransmits(&self) -> u64 {
        self.controller.conn.retransmits()
    }
}

type Reply<T> = Sender<Result<T>>;

enum Cmd {
    Login(Reply<Value>),
    Json(Value, Reply<Value>),
    Cgi(String, Reply<Value>),
    Binary(u16, Vec<u8>, Reply<Value>),
    Op(Op, Reply<Value>),
    Video(Option<u8>, Reply<Value>),
    Audio(bool, Reply<Value>),
    Write(u8, Vec<u8>, Reply<()>),
    Talk(Vec<i16>, Reply<()>),
    TalkQueued(Reply<Duration>),
    Close(Sender<()>),
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<SharedState>,
    video_dropped: AtomicU64,
    audio_dropped: AtomicU64,
    reconnects: AtomicU64,
}

#[derive(Debug, Default)]
struct SharedState {
    peer: Option<SocketAddr>,
    cipher: Option<Cipher>,
    closed: Option<CloseReason>,
    stats: ControllerStats,
    local: Option<SocketAddr>,
    dialect: Option<(Dialect, DialectSource)>,
}

/// A connected camera. Every method is callable from any thread; the protocol runs on the
/// session's own I/O thread. Dropping the session closes it.
#[derive(Debug)]
pub struct Session {
    uid: Uid,
    config: SessionConfig,
    cmd: Sender<Cmd>,
    shared: Arc<Shared>,
    video: Receiver<Frame>,
    audio: Receiver<Frame>,
    events: Receiver<SessionEvent>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cmd::Login(_) => "Login",
            Cmd::Json(..) => "Json",
            Cmd::Cgi(..) => "Cgi",
            Cmd::Binary(..) => "Binary",
            Cmd::Op(..) => "Op",
            Cmd::Video(..) => "Video",
            Cmd::Audio(..) => "Audio",
            Cmd::Write(..) => "Write",
            Cmd::Talk(..) => "Talk",
            Cmd::TalkQueued(_) => "TalkQueued",
            Cmd::Close(_) => "Close",
        })
    }
}

impl Session {
    /// Searches for the camera, completes the handshake and returns the connected session
    /// (not yet logged in: call [`Session::login`]).
    pub fn connect(config: SessionConfig) -> Result<Session> {
        let cc = config.controller_config()?;
        let uid = cc.conn.uid.clone();
        let bind = config
            .bind
            .unwrap_or_else(|| "0.0.0.0:0".parse().expect("valid literal"));
        let socket = super::bind_udp(bind)?;
        if config.host.is_none() && config.broadcast {
            socket.set_broadcast(true)?;
        }
        let shared = Arc::new(Shared::default());
        shared.state.lock().local = socket.local_addr().ok();
        let (cmd_tx, cmd_rx) = unbounded();
        let (video_tx, video_rx) = bounded(config.video_queue);
        let (audio_tx, audio_rx) = bounded(config.audio_queue);
        let (ev_tx, ev_rx) = unbounded();
        let (ready_tx, ready_rx) = bounded(1);
        let reconnect = config.reconnect.clone().map(Reconnector::new);
        let controller = Controller::new(cc.clone(), super::now());
        let worker = Worker {
            cc,
            reconnect,
            want_video: None,
            want_audio: false,
            logged_in: false,
            relogin: false,
            cmd: cmd_rx,
            video: (video_tx, video_rx.clone()),
            audio: (audio_tx, audio_rx.clone()),
            events: ev_tx,
            shared: shared.clone(),
            ready: Some(ready_tx),
            waiting: HashMap::new(),
            login: None,
            closers: Vec::new(),
            last_stats: None,
        };
        let thread = std::thread::Builder::new()
            .name(format!("pppp-{uid}"))
            .spawn(move || worker.run(socket, controller))?;
        let outcome = ready_rx.recv().unwrap_or(Err(Error::Protocol(
            "the session thread ended unexpectedly".into(),
        )));
        let session = Session {
            uid,
            config,
            cmd: cmd_tx,
            shared,
            video: video_rx,
            audio: audio_rx,
            events: ev_rx,
            thread: Mutex::new(Some(thread)),
        };
        outcome.map(|()| session)
    }

    /// The camera's UID.
    pub fn uid(&self) -> &Uid {
        &self.uid
    }

    /// The camera's session address.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.shared.state.lock().peer
    }

    /// Our local socket address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.state.lock().local
    }

    /// The cipher in use.
    pub fn cipher(&self) -> Option<Cipher> {
        self.shared.state.lock().cipher.clone()
    }

    /// True until the session is closed.
    pub fn is_open(&self) -> bool {
        self.shared.state.lock().closed.is_none()
    }

    /// Why the session closed, if it did.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.shared.state.lock().closed
    }

    /// Counters (updated by the I/O thread a few times per second and on every frame).
    pub fn stats(&self) -> SessionStats {
        SessionStats {
            controller: self.shared.state.lock().stats.clone(),
            video_dropped: self.shared.video_dropped.load(Ordering::Relaxed),
            audio_dropped: self.shared.audio_dropped.load(Ordering::Relaxed),
            reconnects: self.shared.reconnects.load(Ordering::Relaxed),
        }
    }

    /// Life events (connected, closed), for watchers.
    pub fn events(&self) -> &Receiver<SessionEvent> {
        &self.events
    }

    fn closed_error(&self) -> Error {
        match self.close_reason() {
            Some(r) => Error::from_close(r, &self.uid.to_string(), self.config.connect_timeout),
            None => Error::Closed(ClosedBy::Local),
        }
    }

    fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Cmd, wait: Duration) -> Result<T> {
        let (tx, rx) = bounded(1);
        self.cmd.send(make(tx)).map_err(|_| self.closed_error())?;
        match rx.recv_timeout(wait) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => Err(Error::Timeout {
                what: "the session thread",
                after: wait,
            }),
            Err(RecvTimeoutError::Disconnected) => Err(self.closed_error()),
        }
    }

    fn wait(&self) -> Duration {
        self.config.command_timeout + Duration::from_secs(2)
    }

    /// Logs in, in the camera's dialect (SHIX `check_user`, CGI `check_user.cgi`, iLnk
    /// CMD_SYSTEM_USER_CHK); with dialect `auto` and a UID prefix the table does not know (or a
    /// camera that does not answer the prefix's dialect) the dialects are probed in turn. A
    /// refusal is [`Error::WrongPassword`] in every dialect; a camera that answers no dialect
    /// is [`Error::Protocol`]. Returns the reply.
    pub fn login(&self) -> Result<Value> {
        let probing = self.config.probe_timeout * 3 + self.config.connect_timeout * 2;
        self.call(Cmd::Login, self.wait() + probing)
    }

    /// The channel-0 dialect in use: known after connecting when configured or given by the
    /// UID prefix, otherwise after the login found it.
    pub fn dialect(&self) -> Option<Dialect> {
        self.shared.state.lock().dialect.map(|(d, _)| d)
    }

    /// How the dialect in use was decided.
    pub fn dialect_source(&self) -> Option<DialectSource> {
        self.shared.state.lock().dialect.map(|(_, s)| s)
    }

    /// Sends a VStarcam CGI request (`get_status.cgi`, `decoder_control.cgi?command=0&onestep=0`
    /// …; the credentials are added) and returns the reply:
    /// `{"dialect":"cgi","cmd":…,"cgi":…,"result":…,"fields":{…},"text":…}`.
    pub fn cgi(&self, request: &str) -> Result<Value> {
        self.call(|tx| Cmd::Cgi(request.to_owned(), tx), self.wait())
    }

    /// Sends an iLnk binary command with a plain payload (the ticket and XqBytes encoding are
    /// added) and returns the reply (command + 0x100):
    /// `{"dialect":"binary","cmd":…,"payload_hex":…,"ticket":…}`.
    pub fn binary(&self, cmd: u16, payload: &[u8]) -> Result<Value> {
        self.call(|tx| Cmd::Binary(cmd, payload.to_vec(), tx), self.wait())
    }

    /// Sends a typed operation in the camera's dialect and returns the raw reply (no check of
    /// `result`); the typed methods below check it.
    pub fn op(&self, op: Op) -> Result<Value> {
        self.call(|tx| Cmd::Op(op, tx), self.wait())
    }

    /// Sends `op` and maps a non-zero `result` to [`Error::Rejected`].
    fn checked(&self, op: Op) -> Result<Value> {
        let reply = self.op(op)?;
        match ops::check(&reply) {
            Ok(()) => Ok(reply),
            Err(result) => Err(Error::Rejected { result, reply }),
        }
    }

    /// Starts moving the camera head (SHIX: the four axis directions only).
    pub fn ptz(&self, direction: PtzDirection) -> Result<()> {
        self.checked(Op::Ptz(direction)).map(drop)
    }

    /// Stops moving the camera head.
    pub fn ptz_stop(&self) -> Result<()> {
        self.checked(Op::PtzStop).map(drop)
    }

    /// Returns the camera head to its centre / home position.
    pub fn ptz_center(&self) -> Result<()> {
        self.checked(Op::PtzCenter).map(drop)
    }

    /// Stores the current position as preset `n` (0–15; VStarcam CGI cameras).
    pub fn ptz_preset(&self, n: u8) -> Result<()> {
        self.checked(Op::PtzSetPreset(n)).map(drop)
    }

    /// Moves to preset `n` (0–15; VStarcam CGI cameras).
    pub fn ptz_goto_preset(&self, n: u8) -> Result<()> {
        self.checked(Op::PtzGotoPreset(n)).map(drop)
    }

    /// Switches the IR cut filter / night vision on or off (SHIX, CGI).
    pub fn set_ir(&self, on: bool) -> Result<()> {
        self.checked(Op::SetIr(on)).map(drop)
    }

    /// Toggles the IR cut filter (iLnk binary cameras, which have no on/off command).
    pub fn toggle_ir(&self) -> Result<()> {
        self.checked(Op::ToggleIr).map(drop)
    }

    /// Switches the white light on or off (SHIX).
    pub fn set_white_light(&self, on: bool) -> Result<()> {
        self.checked(Op::SetWhiteLight(on)).map(drop)
    }

    /// Sets the image orientation.
    pub fn set_flip_mirror(&self, fm: FlipMirror) -> Result<()> {
        self.checked(Op::SetFlipMirror(fm)).map(drop)
    }

    /// Reads the camera's parameters (SHIX `get_parms`, CGI `get_status.cgi`, binary status).
    pub fn params(&self) -> Result<Params> {
        self.checked(Op::GetParams).map(|r| Params::from_reply(&r))
    }

    /// Sets parameters by name (SHIX `dev_control` fields such as `{"lamp": 1}`).
    pub fn set_params(&self, fields: serde_json::Map<String, Value>) -> Result<()> {
        self.checked(Op::SetParams(fields)).map(drop)
    }

    /// Scans for Wi-Fi networks.
    pub fn wifi_scan(&self) -> Result<Vec<WifiNetwork>> {
        self.checked(Op::WifiScan).map(|r| ops::wifi_networks(&r))
    }

    /// Makes the camera join a Wi-Fi network.
    pub fn set_wifi(&self, ssid: &str, password: &str) -> Result<()> {
        self.checked(Op::SetWifi {
            ssid: ssid.to_owned(),
            password: password.to_owned(),
        })
        .map(drop)
    }

    /// Reboots the camera (the session ends when it goes down).
    pub fn reboot(&self) -> Result<()> {
        self.checked(Op::Reboot).map(drop)
    }

    /// Sets the camera's clock: `epoch` seconds (UTC) and its time zone in seconds east of UTC.
    pub fn set_time(&self, epoch: i64, tz_offset_secs: i32) -> Result<()> {
        self.checked(Op::SetTime {
            epoch,
            tz_offset_secs,
        })
        .map(drop)
    }

    /// Reads SD card information.
    pub fn sd_info(&self) -> Result<SdInfo> {
        self.checked(Op::SdInfo).map(|r| ops::sd_info(&r))
    }

    /// Sends a raw JSON command and returns the reply matched to it. `user`, `pwd`,
    /// `devmac` and a missing `cmd` (from a known `pro`) are filled in.
    pub fn command(&self, json: Value) -> Result<Value> {
        self.call(|tx| Cmd::Json(json, tx), self.wait())
    }

    /// Starts video (SHIX resolution 1 = 640×480, 2 = 320×240).
    pub fn start_video_with(&self, resolution: u8) -> Result<Value> {
        self.call(|tx| Cmd::Video(Some(resolution), tx), self.wait())
    }

    /// Starts video at the default resolution.
    pub fn start_video(&self) -> Result<Value> {
        self.start_video_with(1)
    }

    /// Stops video.
    pub fn stop_video(&self) -> Result<Value> {
        self.call(|tx| Cmd::Video(None, tx), self.wait())
    }

    /// Starts audio.
    pub fn start_audio(&self) -> Result<Value> {
        self.call(|tx| Cmd::Audio(true, tx), self.wait())
    }

    /// Stops audio.
    pub fn stop_audio(&self) -> Result<Value> {
        self.call(|tx| Cmd::Audio(false, tx), self.wait())
    }

    /// Writes raw bytes on a DRW channel (0–7).
    pub fn write_channel(&self, channel: u8, data: Vec<u8>) -> Result<()> {
        self.call(|tx| Cmd::Write(channel, data, tx), self.wait())
    }

    /// Sends 16-bit mono PCM at [`SessionConfig::talk_rate`] (8 kHz by default) to the
    /// camera's speaker (channel 3, IMA ADPCM, paced in real time by the session thread). Returns once the audio is queued; at most 30 s may
    /// wait at any time.
    pub fn talk(&self, pcm: &[i16]) -> Result<()> {
        self.call(|tx| Cmd::Talk(pcm.to_vec(), tx), self.wait())
    }

    /// [`Session::talk`] for little-endian 16-bit PCM bytes; an odd byte count is an error.
    pub fn talk_bytes(&self, pcm: &[u8]) -> Result<()> {
        let samples = crate::proto::adpcm::pcm_from_le_bytes(pcm)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        self.talk(&samples)
    }

    /// The sample rate [`Session::talk`] expects.
    pub fn talk_rate(&self) -> u32 {
        self.config.talk_rate
    }

    /// Talk-back audio queued and not yet sent (wait for zero before closing to let the
    /// camera play everything).
    pub fn talk_queued(&self) -> Result<Duration> {
        self.call(Cmd::TalkQueued, self.wait())
    }

    /// Waits up to `timeout` for the next video frame. `Ok(None)` on timeout; frames
    /// received before a close are still returned, then the close is an error.
    pub fn next_frame(&self, timeout: Duration) -> Result<Option<Frame>> {
        self.next_from(&self.video, timeout)
    }

    /// Waits up to `timeout` for the next audio frame (see [`Session::next_frame`]).
    pub fn next_audio(&self, timeout: Duration) -> Result<Option<Frame>> {
        self.next_from(&self.audio, timeout)
    }

    fn next_from(&self, rx: &Receiver<Frame>, timeout: Duration) -> Result<Option<Frame>> {
        match rx.recv_timeout(timeout) {
            Ok(f) => Ok(Some(f)),
            Err(RecvTimeoutError::Timeout) => {
                if self.is_open() {
                    Ok(None)
                } else {
                    rx.try_recv().map(Some).map_err(|_| self.closed_error())
                }
            }
            Err(RecvTimeoutError::Disconnected) => Err(self.closed_error()),
        }
    }

    /// Closes the session gracefully (waits up to a second for unacknowledged data) and joins
    /// the I/O thread. Idempotent.
    pub fn close(&self) {
        let (tx, rx) = bounded(1);
        if self.cmd.send(Cmd::Close(tx)).is_ok() {
            let _ = rx.recv_timeout(Duration::from_secs(3));
        }
        if let Some(t) = self.thread.lock().take() {
            let _ = t.join();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.close();
    }
}

struct Worker {
    /// The controller configuration, to build a fresh controller for each reconnection.
    cc: ControllerConfig,
    reconnect: Option<Reconnector>,
    /// Video the user asked for (resolution), restarted after a reconnection.
    want_video: Option<u8>,
    /// Audio the user asked for, restarted after a reconnection.
    want_audio: bool,
    /// The user logged in successfully (a reconnection logs in again).
    logged_in: bool,
    /// A login of our own (after a reconnection) is outstanding.
    relogin: bool,
    cmd: Receiver<Cmd>,
    video: (Sender<Frame>, Receiver<Frame>),
    audio: (Sender<Frame>, Receiver<Frame>),
    events: Sender<SessionEvent>,
    shared: Arc<Shared>,
    ready: Option<Sender<Result<()>>>,
    waiting: HashMap<RequestId, Reply<Value>>,
    login: Option<RequestId>,
    closers: Vec<Sender<()>>,
    last_stats: Option<Instant>,
}

impl Machine for Controller {
    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        Controller::handle_datagram(self, now, from, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        Controller::handle_timeout(self, now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        Controller::poll_transmit(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Controller::poll_timeout(self)
    }
}

fn controller_error(e: ControllerError) -> Error {
    match e {
        ControllerError::BadRequest(r) => Error::InvalidCommand(r.to_string()),
        ControllerError::Write(crate::proto::conn::ConnWriteError::NotConnected) => {
            Error::Closed(ClosedBy::Local)
        }
        ControllerError::Write(w) => Error::BufferFull(w.to_string()),
        e @ ControllerError::TalkQueueFull { .. } => Error::BufferFull(e.to_string()),
        e @ (ControllerError::Cgi(_)
        | ControllerError::Binary(_)
        | ControllerError::Unsupported(_)
        | ControllerError::DialectUnknown
        | ControllerError::LoginInProgress) => Error::InvalidCommand(e.to_string()),
    }
}

impl Worker {
    fn run(mut self, socket: UdpSocket, mut controller: Controller) {
        let mut io = IoLoop::new(socket);
        controller.start(super::now());
        io.run(&mut controller, |c, now| self.step(c, now));
        self.publish(&controller, true);
    }

    fn step(&mut self, c: &mut Controller, now: Instant) -> Flow {
        while let Ok(cmd) = self.cmd.try_recv() {
            self.apply(c, now, cmd);
        }
        if let Some(attempt) = self.reconnect.as_mut().and_then(|r| r.handle_timeout(now)) {
            tracing::info!(attempt, "reconnecting to the camera");
            *c = Controller::new(self.cc.clone(), now);
            c.start(now);
        }
        let mut frames = false;
        while let Some(ev) = c.poll_event() {
            frames |= matches!(ev, Event::Frame(_));
            self.event(c, ev);
        }
        let stale = self
            .last_stats
            .is_none_or(|t| now >= t + Duration::from_millis(200));
        if frames || stale {
            self.last_stats = Some(now);
            self.publish(c, false);
        }
        let recovering = self
            .reconnect
            .as_ref()
            .is_some_and(Reconnector::is_recovering);
        if c.conn().is_closed() && c.poll_timeout().is_none() && !recovering {
            for tx in self.closers.drain(..) {
                let _ = tx.send(());
            }
            return Flow::Stop;
        }
        Flow::Continue
    }

    fn publish(&self, c: &Controller, last: bool) {
        let mut s = self.shared.state.lock();
        s.stats = c.stats();
        if last && s.closed.is_none() {
            s.closed = Some(c.conn().close_reason().unwrap_or(CloseReason::Local));
        }
    }

    fn apply(&mut self, c: &mut Controller, now: Instant, cmd: Cmd) {
        match cmd {
            Cmd::Login(tx) => match c.login(now) {
                Ok(id) => {
                    self.login = Some(id);
                    self.waiting.insert(id, tx);
                }
                Err(e) => {
                    let _ = tx.send(Err(controller_error(e)));
                }
            },
            Cmd::Json(v, tx) => self.track(c.command(now, v), tx),
            Cmd::Cgi(text, tx) => self.track(c.cgi(now, &text), tx),
            Cmd::Binary(cmd, payload, tx) => self.track(c.binary(now, cmd, &payload), tx),
            Cmd::Op(op, tx) => {
                match &op {
                    Op::StartVideo { resolution, .. } => self.want_video = Some(*resolution),
                    Op::StopVideo => self.want_video = None,
                    Op::StartAudio => self.want_audio = true,
                    Op::StopAudio => self.want_audio = false,
                    _ => {}
                }
                self.track(c.op(now, op), tx)
            }
            Cmd::Video(Some(r), tx) => {
                self.want_video = Some(r);
                self.track(c.start_video(now, r), tx)
            }
            Cmd::Video(None, tx) => {
                self.want_video = None;
                self.track(c.stop_video(now), tx)
            }
            Cmd::Audio(on, tx) => {
                self.want_audio = on;
                let r = if on {
                    c.start_audio(now)
                } else {
                    c.stop_audio(now)
                };
                self.track(r, tx)
            }
            Cmd::Write(ch, data, tx) => {
                let r = c.conn_mut().write(ch, &data).map_err(|e| match e {
                    crate::proto::conn::ConnWriteError::BadChannel(n) => {
                        Error::InvalidArgument(format!("channel {n} (channels are 0-7)"))
                    }
                    other => controller_error(other.into()),
                });
                let _ = tx.send(r);
            }
            Cmd::Talk(pcm, tx) => {
                let _ = tx.send(c.talk(now, &pcm).map_err(controller_error));
            }
            Cmd::TalkQueued(tx) => {
                let _ = tx.send(Ok(c.talk_queued()));
            }
            Cmd::Close(tx) => {
                // A user close ends any reconnection.
                self.reconnect = None;
                c.close(now);
                self.closers.push(tx);
            }
        }
    }

    fn track(&mut self, r: std::result::Result<RequestId, ControllerError>, tx: Reply<Value>) {
        match r {
            Ok(id) => {
                self.waiting.insert(id, tx);
            }
            Err(e) => {
                let _ = tx.send(Err(controller_error(e)));
            }
        }
    }

    /// A transport close while a reconnect policy is active: true when it is handled by
    /// (re)scheduling an attempt, false when the session really ends.
    fn recover(&mut self, reason: CloseReason) -> bool {
        if self.ready.is_some() {
            return false; // never connected: the first connect reports its own error
        }
        let Some(r) = self.reconnect.as_mut() else {
            return false;
        };
        let now = super::now();
        match (r.state(), reason) {
            (_, CloseReason::Local) => return false,
            (ReconnectState::Connected, CloseReason::PeerTimeout | CloseReason::Remote) => {
                r.on_lost(now);
                tracing::warn!(?reason, "camera lost; reconnecting");
                let _ = self.events.send(SessionEvent::Disconnected { reason });
            }
            (ReconnectState::Attempting { attempt }, _) => {
                tracing::info!(attempt, ?reason, "reconnection attempt failed");
                r.on_attempt_failed(now);
            }
            _ => return false,
        }
        r.is_recovering()
    }

    /// After a reconnection: log in again if the user had, then restart media.
    fn resume(&mut self, c: &mut Controller) {
        let now = super::now();
        if self.logged_in {
            match c.login(now) {
                Ok(_) => self.relogin = true,
                Err(e) => tracing::warn!("cannot log in again after reconnecting: {e}"),
            }
        } else {
            self.resume_media(c);
        }
    }

    fn resume_media(&mut self, c: &mut Controller) {
        let now = super::now();
        if let Some(res) = self.want_video {
            if let Err(e) = c.start_video(now, res) {
                tracing::warn!("cannot restart video after reconnecting: {e}");
            }
        }
        if self.want_audio {
            if let Err(e) = c.start_audio(now) {
                tracing::warn!("cannot restart audio after reconnecting: {e}");
            }
        }
    }

    fn event(&mut self, c: &mut Controller, ev: Event) {
        match ev {
            Event::Found { .. } => {}
            Event::Dialect { dialect, source } => {
                tracing::info!(%dialect, %source, "channel-0 dialect");
                self.shared.state.lock().dialect = Some((dialect, source));
            }
            Event::Connected { peer, cipher } => {
                if let Some(attempt) = self.reconnect.as_mut().and_then(Reconnector::on_connected) {
                    {
                        let mut s = self.shared.state.lock();
                        s.peer = Some(peer);
                        s.cipher = Some(cipher.clone());
                    }
                    self.shared.reconnects.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(attempt, %peer, "reconnected");
                    let _ = self.events.send(SessionEvent::Reconnected { attempt });
                    self.resume(c);
                    return;
                }
                {
                    let mut s = self.shared.state.lock();
                    s.peer = Some(peer);
                    s.cipher = Some(cipher.clone());
                }
                let _ = self.events.send(SessionEvent::Connected {
                    peer,
                    cipher: cipher.to_string(),
                });
                if let Some(r) = self.ready.take() {
                    let _ = r.send(Ok(()));
                }
            }
            Event::Login {
                accepted,
                result,
                reply,
            } => {
                if self.relogin && self.login.is_none() {
                    self.relogin = false;
                    if accepted {
                        self.resume_media(c);
                    } else {
                        tracing::warn!(result, "the camera refused the login after reconnecting");
                    }
                    return;
                }
                self.logged_in |= accepted;
                if let Some(d) = c.dialect() {
                    // A reconnection speaks the dialect this login answered in, without probing.
                    self.cc.dialect = DialectChoice::Fixed(d);
                }
                if let Some(tx) = self.login.take().and_then(|id| self.waiting.remove(&id)) {
                    let _ = tx.send(if accepted {
                        Ok(reply)
                    } else {
                        Err(Error::WrongPassword { result })
                    });
                }
            }
            Event::Reply { id, reply } => {
                if let Some(tx) = self.waiting.remove(&id) {
                    let _ = tx.send(Ok(reply));
                }
            }
            Event::CommandFailed { id, error } => {
                if self.login == Some(id) {
                    self.login = None;
                }
                if let Some(tx) = self.waiting.remove(&id) {
                    let uid = c.config().conn.uid.to_string();
                    let e = match error {
                        CommandError::Timeout(after) => Error::Timeout {
                            what: "the camera's reply",
                            after,
                        },
                        CommandError::Closed => match c.conn().close_reason() {
                            Some(r) => Error::from_close(r, &uid, c.config().conn.connect_timeout),
                            None => Error::Closed(ClosedBy::Local),
                        },
                        e @ (CommandError::LoginUnanswered { .. } | CommandError::Malformed(_)) => {
                            Error::Protocol(e.to_string())
                        }
                    };
                    let _ = tx.send(Err(e));
                }
            }
            Event::Unsolicited(v) => tracing::debug!("unsolicited reply: {v}"),
            Event::Frame(f) => {
                let (q, dropped) = if f.channel == channel::AUDIO {
                    (&self.audio, &self.shared.audio_dropped)
                } else {
                    (&self.video, &self.shared.video_dropped)
                };
                push_drop_oldest(q, dropped, f);
            }
            Event::Closed(reason) => {
                if self.recover(reason) {
                    return;
                }
                self.shared.state.lock().closed = Some(reason);
                let _ = self.events.send(SessionEvent::Closed(reason));
                if let Some(r) = self.ready.take() {
                    let uid = c.config().conn.uid.to_string();
                    let _ = r.send(Err(Error::from_close(
                        reason,
                        &uid,
                        c.config().conn.connect_timeout,
                    )));
                }
            }
        }
    }
}

/// Sends `f`, dropping the oldest queued frame when the queue is full.
fn push_drop_oldest(q: &(Sender<Frame>, Receiver<Frame>), dropped: &AtomicU64, mut f: Frame) {
    loop {
        match q.0.try_send(f) {
            Ok(()) => return,
            Err(TrySendError::Full(back)) => {
                if q.1.try_recv().is_ok() {
                    dropped.fetch_add(1, Ordering::Relaxed);
                }
                f = back;
            }
            Err(TrySendError::Disconnected(_)) => return,
        }
    }
}
