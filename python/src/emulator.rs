//! `FakeCamera`: pppp's camera emulator on real loopback (or LAN) sockets.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use pppp::client::{CameraServer, CameraServerConfig};
use pppp::proto::dialect::Dialect;
use pppp::proto::psk::{self, PskChoice};
use pppp::sim::{AudioCodec, CameraConfig, Handshake, LinkConfig, VideoCodec};
use pppp::{Error, Uid};

use crate::blocking::{int_arg, seconds};
use crate::error::{new_err, ToPyResult};

/// A fake camera running on its own threads: answers LAN search, logs in, answers SHIX
/// commands, streams MJPEG video and ADPCM audio, receives talk-back.
#[pyclass(frozen, module = "pppp._native", name = "FakeCamera")]
pub(crate) struct FakeCamera {
    server: Mutex<Option<CameraServer>>,
    uid: String,
    psk: Option<String>,
    user: String,
    password: String,
    lan: SocketAddr,
    session: SocketAddr,
    dialect: &'static str,
}

fn probability(py: Python<'_>, p: f64, what: &str) -> PyResult<f64> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(new_err(
            py,
            "InvalidArgument",
            format!("{what} must be between 0 and 1, not {p}"),
            &[],
        ))
    }
}

fn invalid(py: Python<'_>, msg: String) -> PyErr {
    new_err(py, "InvalidArgument", msg, &[])
}

#[pymethods]
impl FakeCamera {
    /// Starts the camera. `host` is the address to bind (loopback by default); port 0 picks
    /// a free port. `psk`: "auto" (the PSK of the UID's prefix, else none), "none", a known
    /// name or "custom:<psk>". `loss`, `dup`, `reorder` impair every datagram (seeded).
    #[new]
    #[pyo3(signature = (
        uid = "DGOA-123456-ABCDE", *, host = "127.0.0.1", lan_port = None, session_port = None,
        psk = "auto", user = "admin".to_owned(), password = "6666".to_owned(), fps = None,
        width = None, height = None, handshake = "echo", long_rdy = false,
        answer_from_lan_port = false, loss = 0.0, dup = 0.0, reorder = 0.0, latency = 0.0,
        seed = None, dialect = None, video_codec = "mjpeg", audio_codec = "adpcm"
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        uid: &str,
        host: &str,
        lan_port: Option<&Bound<'_, PyAny>>,
        session_port: Option<&Bound<'_, PyAny>>,
        psk: &str,
        user: String,
        password: String,
        fps: Option<&Bound<'_, PyAny>>,
        width: Option<&Bound<'_, PyAny>>,
        height: Option<&Bound<'_, PyAny>>,
        handshake: &str,
        long_rdy: bool,
        answer_from_lan_port: bool,
        loss: f64,
        dup: f64,
        reorder: f64,
        latency: f64,
        seed: Option<&Bound<'_, PyAny>>,
        dialect: Option<&str>,
        video_codec: &str,
        audio_codec: &str,
    ) -> PyResult<Self> {
        let lan_port: u16 = int_arg(lan_port, "lan_port", 0, 65535, 0)?;
        let session_port: u16 = int_arg(session_port, "session_port", 0, 65535, 0)?;
        let fps: u32 = int_arg(fps, "fps", 1, 120, 10)?;
        let width: u16 = int_arg(width, "width", 16, 4096, 320)?;
        let height: u16 = int_arg(height, "height", 16, 4096, 240)?;
        let seed: u64 = int_arg(seed, "seed", 0, i64::MAX, 1)?;
        let uid = Uid::parse(uid).map_err(Error::from).py_err(py)?;
        let ip: IpAddr = host.parse().map_err(|_| {
            new_err(
                py,
                "InvalidAddress",
                format!(
                    "invalid address {host:?}: the camera binds an IP address such as 127.0.0.1"
                ),
                &[],
            )
        })?;
        let psk = match PskChoice::parse(psk).map_err(Error::from).py_err(py)? {
            PskChoice::Auto => psk::for_prefix(uid.prefix()).first().map(|s| s.to_string()),
            PskChoice::Plain => None,
            PskChoice::Named(n) => Some(n),
        };
        let handshake: Handshake = handshake.parse().map_err(|e| invalid(py, e))?;
        let mut cam = CameraConfig::new(uid.clone(), ip);
        cam.lan_addr = SocketAddr::new(ip, lan_port);
        cam.session_addr = SocketAddr::new(ip, session_port);
        cam.psk = psk.clone();
        cam.user = user.clone();
        cam.password = password.clone();
        cam.handshake = handshake;
        cam.fps = fps;
        cam.width = width;
        cam.height = height;
        cam.long_rdy = long_rdy;
        cam.answer_from_lan_port = answer_from_lan_port;
        if let Some(d) = dialect {
            cam.dialect = d
                .parse::<Dialect>()
                .map_err(|e| invalid(py, e.to_string()))?;
        }
        cam.video_codec = video_codec
            .parse::<VideoCodec>()
            .map_err(|e| invalid(py, e))?;
        cam.audio_codec = audio_codec
            .parse::<AudioCodec>()
            .map_err(|e| invalid(py, e))?;
        let dialect_name = cam.dialect.name();
        let latency = seconds(py, latency, "latency")?;
        let impaired = loss > 0.0 || dup > 0.0 || reorder > 0.0 || latency > Duration::ZERO;
        let link = if impaired {
            Some((
                LinkConfig {
                    loss: probability(py, loss, "loss")?,
                    dup: probability(py, dup, "dup")?,
                    reorder: probability(py, reorder, "reorder")?,
                    latency,
                    ..LinkConfig::default()
                },
                seed,
            ))
        } else {
            probability(py, loss, "loss")?;
            probability(py, dup, "dup")?;
            probability(py, reorder, "reorder")?;
            None
        };
        let server = CameraServer::start(CameraServerConfig {
            camera: cam,
            link,
            driver: None,
        })
        .py_err(py)?;
        Ok(FakeCamera {
            lan: server.lan_addr(),
            session: server.session_addr(),
            server: Mutex::new(Some(server)),
            uid: uid.to_string(),
            psk,
            user,
            password,
            dialect: dialect_name,
        })
    }

    /// The channel-0 dialect the camera speaks ("shix", "cgi" or "binary").
    #[getter]
    fn dialect(&self) -> &'static str {
        self.dialect
    }

    /// The camera's UID.
    #[getter]
    fn uid(&self) -> &str {
        &self.uid
    }

    /// The PSK the camera encrypts with (None: plain).
    #[getter]
    fn psk(&self) -> Option<&str> {
        self.psk.as_deref()
    }

    /// The accepted user.
    #[getter]
    fn user(&self) -> &str {
        &self.user
    }

    /// The accepted password.
    #[getter]
    fn password(&self) -> &str {
        &self.password
    }

    /// Where the camera listens for LAN search, `ip:port` (pass it as `host=` or `to=`).
    #[getter]
    fn lan_addr(&self) -> String {
        self.lan.to_string()
    }

    /// The camera's session socket, `ip:port`.
    #[getter]
    fn session_addr(&self) -> String {
        self.session.to_string()
    }

    /// True until `stop()`.
    #[getter]
    fn is_running(&self) -> bool {
        self.server.lock().as_ref().is_some_and(|s| s.is_running())
    }

    /// The camera's counters, as a dict.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self
            .server
            .lock()
            .as_ref()
            .map(|s| s.stats())
            .unwrap_or_default();
        let d = PyDict::new(py);
        d.set_item("searches", s.searches)?;
        d.set_item("sessions", s.sessions)?;
        d.set_item("active_sessions", s.active_sessions)?;
        d.set_item("idle_drops", s.idle_drops)?;
        d.set_item("logins_ok", s.logins_ok)?;
        d.set_item("logins_failed", s.logins_failed)?;
        d.set_item("commands", s.commands)?;
        d.set_item("unknown_commands", s.unknown_commands)?;
        d.set_item("video_frames", s.video_frames)?;
        d.set_item("frames_skipped", s.frames_skipped)?;
        d.set_item("audio_frames", s.audio_frames)?;
        d.set_item("retransmits", s.retransmits)?;
        d.set_item("datagrams_sent", s.datagrams_sent)?;
        d.set_item("datagrams_received", s.datagrams_received)?;
        d.set_item("ignored", s.ignored)?;
        d.set_item("talk_frames", s.talk_frames)?;
        d.set_item("talk_samples", s.talk_samples)?;
        d.set_item("talk_energy", s.talk_energy)?;
        d.set_item("reboots", s.reboots)?;
        d.set_item("last_ptz", s.last_ptz)?;
        d.set_item("foreign_blocks", s.foreign_blocks)?;
        d.set_item("malformed_requests", s.malformed_requests)?;
        d.set_item("unauthorised", s.unauthorised)?;
        d.set_item("ir", s.ir)?;
        d.set_item("white_light", s.white_light)?;
        d.set_item("flip_mirror", s.flip_mirror)?;
        d.set_item("wifi", s.wifi)?;
        d.set_item("clock", s.clock)?;
        d.set_item("last_cgi", s.last_cgi)?;
        d.set_item("last_binary", s.last_binary)?;
        d.set_item("last_ptz_command", s.last_ptz_command)?;
        d.set_item("preset_stored", s.preset_stored)?;
        d.set_item("preset_recalled", s.preset_recalled)?;
        d.set_item("binary_resolution", s.binary_resolution)?;
        d.set_item("lamp", s.lamp)?;
        d.set_item("ptz_commands", s.ptz_commands)?;
        d.set_item("searches_answered_rdy", s.searches_answered_rdy)?;
        d.set_item("handshake_closes", s.handshake_closes)?;
        d.set_item("rdy_sent", s.rdy_sent)?;
        d.set_item("long_rdy_sent", s.long_rdy_sent)?;
        d.set_item("link_offered", s.link.offered)?;
        d.set_item("link_lost", s.link.lost)?;
        d.set_item("link_duplicated", s.link.duplicated)?;
        d.set_item("link_reordered", s.link.reordered)?;
        d.set_item("link_delayed", s.link.delayed)?;
        Ok(d)
    }

    /// Stops the camera and joins its threads (the GIL is released meanwhile). Idempotent.
    fn stop(&self, py: Python<'_>) {
        let server = self.server.lock().take();
        if let Some(mut s) = server {
            py.detach(move || s.stop());
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.stop(py);
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "<pppp FakeCamera {} on {}{}>",
            self.uid,
            self.lan,
            if self.is_running() { "" } else { " (stopped)" }
        )
    }
}

impl Drop for FakeCamera {
    fn drop(&mut self) {
        if let Some(mut s) = self.server.get_mut().take() {
            s.stop();
        }
    }
}
