//! [`SessionConfig`]: how to reach and log into a camera, validated into the controller's
//! configuration.

use std::net::SocketAddr;
use std::time::Duration;

use super::super::driver::Driver;
use crate::error::{Error, Result};
use crate::proto::conn::ConnConfig;
use crate::proto::controller::ControllerConfig;
use crate::proto::dialect::DialectChoice;
use crate::proto::psk::PskChoice;
use crate::proto::reconnect::ReconnectPolicy;
use crate::proto::shix::{self, Family};
use crate::Uid;

/// How to reach and log into a camera.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The camera's UID (any accepted spelling; validated by `connect`).
    pub uid: String,
    /// The camera's address `HOST[:PORT]`, PORT being its LAN-search port (default 32108). The
    /// search goes there by unicast and the session follows the camera to whatever port it
    /// answers from. `None`: search by broadcast (or at [`crate::client::LAN_TARGETS_ENV`]).
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
    /// The PSK: detect it (default), none, or this one ([`crate::client::parse_psk`] reads
    /// the names users give).
    pub psk: PskChoice,
    /// How long to search and handshake.
    pub connect_timeout: Duration,
    /// How long a command waits for its reply.
    pub command_timeout: Duration,
    /// Declare the camera dead after this long without a packet.
    pub dead_after: Duration,
    /// Video frames buffered for the consumer before the oldest is dropped.
    pub video_queue: usize,
    /// Bytes of video buffered for the consumer before the oldest frame is dropped.
    pub video_queue_bytes: usize,
    /// Audio frames buffered for the consumer before the oldest is dropped.
    pub audio_queue: usize,
    /// Bytes of audio buffered for the consumer before the oldest frame is dropped.
    pub audio_queue_bytes: usize,
    /// Events (life events and unsolicited camera messages) buffered before the oldest is
    /// dropped.
    pub event_queue: usize,
    /// The driver whose I/O threads serve the session (`None`: [`Driver::global`]).
    pub driver: Option<Driver>,
    /// Sample rate of talk-back audio given to [`Session::talk`](super::Session::talk) (8000 by default; some
    /// cameras play 11025).
    pub talk_rate: u32,
    /// Reconnect when the camera is lost (silence or MSG_CLOSE) after the session was up:
    /// log in again, restart video/audio, keep delivering frames on the same
    /// [`Session::next_frame`](super::Session::next_frame). `None` (default): the session closes.
    pub reconnect: Option<ReconnectPolicy>,
    /// The channel-0 dialect: auto (default: the UID prefix table, then probing at login) or
    /// a fixed one (see [`crate::proto::dialect`]; [`crate::client::parse_dialect`] reads the
    /// names).
    pub dialect: DialectChoice,
    /// Numbering of SHIX commands: [`shix::VI365`] (default), `hdwificam-pro` or
    /// `lookcam-pro` (docs/protocol.md §8.2; [`crate::client::parse_family`] reads the names).
    pub family: &'static Family,
    /// How long each login attempt waits while other dialects remain to be probed.
    pub probe_timeout: Duration,
    /// Give up on a channel-0 index the camera never sends after this long (or twice the
    /// retransmission timeout, when longer) and resynchronise on the next command (some
    /// firmware skips an index); 1 s by default, well before `command_timeout`. `None`: wait
    /// forever.
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
            user: shix::DEFAULT_USER.into(),
            password: shix::DEFAULT_PASSWORD.into(),
            psk: PskChoice::Auto,
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(5),
            dead_after: Duration::from_secs(8),
            video_queue: 32,
            video_queue_bytes: 16 * 1024 * 1024,
            audio_queue: 64,
            audio_queue_bytes: 1024 * 1024,
            event_queue: 1024,
            driver: None,
            reconnect: None,
            talk_rate: crate::proto::controller::TALK_SAMPLE_RATE,
            dialect: DialectChoice::Auto,
            family: &shix::VI365,
            probe_timeout: Duration::from_secs(2),
            command_skip_after: Some(crate::proto::conn::DEFAULT_COMMAND_SKIP_AFTER),
        }
    }

    /// Sets the dialect.
    pub fn dialect(mut self, dialect: DialectChoice) -> Self {
        self.dialect = dialect;
        self
    }

    /// Sets the SHIX command family.
    pub fn family(mut self, family: &'static Family) -> Self {
        self.family = family;
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

    /// Sets the PSK.
    pub fn psk(mut self, psk: PskChoice) -> Self {
        self.psk = psk;
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Validates the configuration and builds the controller's.
    pub(super) fn controller_config(&self) -> Result<ControllerConfig> {
        let uid = Uid::parse(&self.uid)?;
        let (targets, broadcast) =
            super::super::search_targets(self.host.as_deref(), &self.targets, self.broadcast)?;
        if targets.is_empty() {
            return Err(Error::InvalidArgument(
                "no search target: give the camera's host, or enable broadcast".into(),
            ));
        }
        if self.video_queue == 0 || self.audio_queue == 0 || self.event_queue == 0 {
            return Err(Error::InvalidArgument(
                "frame and event queues need room for at least one item".into(),
            ));
        }
        let mut conn = ConnConfig::new(uid, targets);
        conn.psk = self.psk.clone();
        conn.connect_timeout = self.connect_timeout;
        conn.dead_after = self.dead_after;
        conn.command_skip_after = self.command_skip_after;
        conn.broadcast = broadcast;
        let mut c = ControllerConfig::new(conn);
        c.user = self.user.clone();
        c.password = self.password.clone();
        c.command_timeout = self.command_timeout;
        if !(4000..=48000).contains(&self.talk_rate) {
            return Err(Error::InvalidArgument(
                format!(
                    "talk_rate {} Hz (expected 4000-48000, usually 8000 or 11025)",
                    self.talk_rate
                )
                .into(),
            ));
        }
        c.talk_rate = self.talk_rate;
        c.dialect = self.dialect;
        c.family = self.family;
        c.probe_timeout = self.probe_timeout;
        Ok(c)
    }
}
