//! How to serve: [`ServeConfig`], and why a server cannot start: [`ServeError`].

use std::net::SocketAddr;
use std::time::Duration;

use pppp::media::AudioProfile;

use crate::access::{Access, BasicAuth};

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Video frames buffered per client before that client starts missing frames.
    pub client_queue: usize,
    /// Bytes of video buffered per client before that client starts missing frames (one
    /// frame is always delivered to a client that keeps up, whatever its size).
    pub client_bytes: usize,
    /// Connections open at once. A new connection beyond this evicts one: a client that
    /// stopped reading first, then an idle connection, then the oldest stream.
    pub max_clients: usize,
    /// How ADPCM audio is interpreted (sample rate).
    pub audio: AudioProfile,
    /// Measure the ADPCM sample rate from the frames' timestamps (falls back to `audio`).
    pub measure_audio_rate: bool,
    /// Start the camera's video (SHIX resolution code; `None`: do not send the command).
    pub video: Option<u8>,
    /// Start the camera's audio.
    pub audio_on: bool,
    /// How long `/snapshot.jpg` and the streams wait for the first frame.
    pub first_frame_timeout: Duration,
    /// The one web origin allowed to read responses (`Access-Control-Allow-Origin`), such as
    /// `https://home.example:8123`; `None` (the default): no page of another origin may.
    pub cors: Option<String>,
    /// Host names requests may be addressed to besides the listen address and `localhost`
    /// (`camera.lan` or `camera.lan:8080`); others get 403.
    pub allow_hosts: Vec<String>,
    /// HTTP Basic credentials every request must carry (401 otherwise); `None`: no
    /// authentication.
    pub auth: Option<BasicAuth>,
    /// Time a client has to send a request's headers, and the longest idle time between
    /// requests on one connection.
    pub header_timeout: Duration,
    /// Time a write may stay blocked (the client not reading) before the client is dropped.
    pub write_timeout: Duration,
    /// The kernel's send buffer for each client (`SO_SNDBUF`): bounds what a client that
    /// stops reading pins in the kernel, and how long it takes to notice that it stopped.
    pub send_buffer: usize,
}

impl ServeConfig {
    /// Defaults: video at resolution 1 and audio on, 8 frames and 2 MiB per client, 32
    /// connections, no CORS, no authentication, 10 s header and write timeouts, 256 KiB
    /// send buffers.
    pub fn new(listen: SocketAddr) -> Self {
        ServeConfig {
            listen,
            client_queue: 8,
            client_bytes: 2 * 1024 * 1024,
            max_clients: 32,
            audio: AudioProfile::default(),
            measure_audio_rate: true,
            video: Some(1),
            audio_on: true,
            first_frame_timeout: Duration::from_secs(10),
            cors: None,
            allow_hosts: Vec::new(),
            auth: None,
            header_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            send_buffer: 256 * 1024,
        }
    }

    /// Checks the CORS origin, the host names and the limits.
    pub fn validate(&self) -> Result<(), ServeError> {
        self.access(self.listen).map(drop)
    }

    pub(crate) fn access(&self, listen: SocketAddr) -> Result<Access, ServeError> {
        let limit = |what, ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(ServeError::Config {
                    what,
                    reason: "must be more than zero".into(),
                })
            }
        };
        limit("client queue", self.client_queue > 0)?;
        limit("client bytes", self.client_bytes > 0)?;
        limit("client limit", self.max_clients > 0)?;
        limit("header timeout", !self.header_timeout.is_zero())?;
        limit("write timeout", !self.write_timeout.is_zero())?;
        limit("send buffer", self.send_buffer > 0)?;
        Access::new(
            listen,
            self.cors.as_deref(),
            &self.allow_hosts,
            self.auth.clone(),
        )
    }

    /// A warning to show when the server is reachable from other machines without
    /// authentication; `None` when it listens on loopback or requires credentials.
    pub fn exposure_warning(&self) -> Option<String> {
        (!self.listen.ip().is_loopback() && self.auth.is_none()).then(|| {
            format!(
                "listening on {} without authentication: anyone who can reach this address can \
                 watch and hear the camera",
                self.listen
            )
        })
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Binding the listen address failed.
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
    /// A configuration value is not usable.
    #[error("invalid {what}: {reason}")]
    Config {
        /// Which value.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The camera refused to start video.
    #[error(transparent)]
    Camera(#[from] pppp::Error),
    /// A thread could not be started.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
