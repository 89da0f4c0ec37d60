//! # pppp-serve — hand a PPPP camera to the tools people use
//!
//! Built on the [`pppp`] client library (which stays free of HTTP and file-format code):
//!
//! * [`MediaServer`]: one camera session shared by many HTTP clients — `/video.mjpeg`
//!   (`multipart/x-mixed-replace`), `/snapshot.jpg`, `/audio.wav` (streaming 16-bit mono WAV),
//!   `/video.h264` / `/video.h265`, a status page at `/` with the live picture and statistics
//!   from `/status.json`. Usable as a go2rtc or Frigate source. Private by default: no CORS
//!   header, a `Host` check against DNS rebinding, optional HTTP Basic authentication
//!   ([`BasicAuth`]); bounded against hostile clients (header limits and timeouts, write
//!   timeouts, a connection cap, per-client backlogs bounded in bytes).
//! * [`record()`]: video to `PREFIX.avi` (MJPEG, written by [`avi::AviWriter`]) or
//!   `PREFIX.h264`/`.h265`, audio to `PREFIX.wav`, without ffmpeg; [`snapshot`] saves one JPEG.
//! * [`talk_wav`]: plays a WAV file (any rate, any channel count) through the camera's speaker.
//!
//! ```no_run
//! use std::sync::Arc;
//! use pppp::client::{Session, SessionConfig};
//! use pppp_serve::{MediaServer, ServeConfig};
//!
//! let session = Session::connect(SessionConfig::new("DGOA-123456-ABCDE").host("192.168.1.50"))?;
//! session.login()?;
//! let mut config = ServeConfig::new("0.0.0.0:8080".parse().unwrap());
//! config.auth = Some("viewer:secret".parse()?);
//! let server = MediaServer::start(Arc::new(session), config)?;
//! println!("open http://{}/", server.local_addr());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod access;
pub mod avi;
mod body;
mod config;
mod conns;
mod hub;
mod mailbox;
mod page;
pub mod record;
pub mod resample;
mod routes;
mod server;
mod status;
pub mod talk;
pub mod wav;

pub use access::BasicAuth;
pub use config::{ServeConfig, ServeError};
pub use page::PAGE;
pub use record::{record, snapshot, RecordConfig, RecordError, RecordSummary, Recorder};
pub use server::{MediaServer, ServeStats, BOUNDARY};
pub use talk::{talk_pcm, talk_wav, TalkError, TalkSummary};
