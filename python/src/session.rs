//! `Session`: a connected camera, and `FrameIterator` over its video or audio.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};

use pppp::client::{Session as CoreSession, SessionConfig};
use pppp::proto::dialect::DialectSource;
use pppp::proto::ops::{FlipMirror, PtzDirection};
use pppp::proto::reconnect::ReconnectPolicy;
use pppp::Error;

use crate::blocking::{self, int_arg, opt_seconds, seconds};
use crate::error::{close_reason_name, new_err, to_py, ToPyResult};
use crate::frame::Frame;
use crate::json;

/// Owns the core session. Dropping the last handle of a session that is still open closes
/// it on a helper thread, so that a forgotten session never blocks the interpreter.
pub(crate) struct Handle(Option<CoreSession>);

impl Handle {
    fn get(&self) -> &CoreSession {
        // Only `Drop` takes the session out.
        self.0.as_ref().expect("session present until dropped")
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            if s.is_open() {
                // If no thread can be started the closure (and the session) drops here.
                let _ = std::thread::Builder::new()
                    .name("pppp-py-close".into())
                    .spawn(move || drop(s));
            }
        }
    }
}

/// Reads bytes from `bytes`, `bytearray`, or anything with the buffer protocol
/// (`memoryview`, `array.array`); anything else is a `TypeError`.
pub(crate) fn bytes_like(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if !obj.is_instance_of::<PyString>() {
        let py = obj.py();
        let view = py
            .import("builtins")
            .and_then(|b| b.getattr("memoryview"))
            .and_then(|mv| mv.call1((obj,)));
        if let Ok(view) = view {
            let b = view.call_method0("tobytes")?;
            return Ok(b.cast::<PyBytes>()?.as_bytes().to_vec());
        }
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be bytes, bytearray or another bytes-like object, not {}",
        obj.get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    )))
}

/// Converts a dict to a JSON object; anything else is a `TypeError`.
fn json_object(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<serde_json::Value> {
    if !obj.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a dict such as {{'pro': 'get_parms', 'cmd': 101}}, not {}",
            obj.get_type().name()?
        )));
    }
    json::from_py(obj)
}

fn addr_str(a: Option<SocketAddr>) -> Option<String> {
    a.map(|a| a.to_string())
}

/// A connected camera (from `connect`). Thread-safe: any method may be called from any
/// thread; blocking ones release the GIL.
#[pyclass(frozen, module = "pppp._native", name = "Session")]
pub(crate) struct Session {
    inner: Arc<Handle>,
}

impl Session {
    fn session(&self) -> &CoreSession {
        self.inner.get()
    }

    /// Runs a session call on a helper thread, interruptibly.
    fn call<T: Send + 'static>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&CoreSession) -> Result<T, Error> + Send + 'static,
    ) -> PyResult<T> {
        let h = self.inner.clone();
        blocking::run(py, move || f(h.get()))?.py_err(py)
    }

    fn reply<'py>(
        &self,
        py: Python<'py>,
        f: impl FnOnce(&CoreSession) -> Result<serde_json::Value, Error> + Send + 'static,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = self.call(py, f)?;
        json::to_py(py, &v)
    }
}

/// Waits for the next frame of `audio` or video. `Ok(None)` on timeout; `Closed` once the
/// session is closed and every frame received before is delivered.
fn next(
    py: Python<'_>,
    h: &Arc<Handle>,
    audio: bool,
    timeout: Option<Duration>,
) -> PyResult<Option<Frame>> {
    let s = h.get();
    let got = blocking::wait(py, timeout, |slice| {
        let r = if audio {
            s.next_audio(slice)
        } else {
            s.next_frame(slice)
        };
        match r {
            Ok(Some(f)) => Some(Ok(f)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    })?;
    match got {
        None => Ok(None),
        Some(Ok(f)) => Ok(Some(Frame::new(py, f))),
        Some(Err(e)) => Err(to_py(py, e)),
    }
}

#[pymethods]
impl Session {
    /// The camera's UID (canonical spelling).
    #[getter]
    fn uid(&self) -> String {
        self.session().uid().to_string()
    }

    /// The camera's session address `ip:port`.
    #[getter]
    fn peer(&self) -> Option<String> {
        addr_str(self.session().peer())
    }

    /// Our local address `ip:port`.
    #[getter]
    fn local_addr(&self) -> Option<String> {
        addr_str(self.session().local_addr())
    }

    /// The cipher in use: "plain" or the PSK.
    #[getter]
    fn cipher(&self) -> Option<String> {
        self.session().cipher().map(|c| c.to_string())
    }

    /// The channel-0 dialect in use ("shix", "cgi", "binary"); None until known.
    #[getter]
    fn dialect(&self) -> Option<&'static str> {
        self.session().dialect().map(|d| d.name())
    }

    /// How the dialect was decided: "configured", "prefix" or "probed".
    #[getter]
    fn dialect_source(&self) -> Option<&'static str> {
        self.session().dialect_source().map(|s| match s {
            DialectSource::Configured => "configured",
            DialectSource::Prefix => "prefix",
            DialectSource::Probed => "probed",
        })
    }

    /// True until the session is closed (by `close()`, by the camera, or by silence).
    #[getter]
    fn is_open(&self) -> bool {
        self.session().is_open()
    }

    /// Why the session closed: "local", "remote", "peer_timeout", ...; None while open.
    #[getter]
    fn close_reason(&self) -> Option<&'static str> {
        self.session().close_reason().map(close_reason_name)
    }

    /// Counters, as a dict of ints.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.session().stats();
        let c = &s.controller;
        let d = PyDict::new(py);
        let sum =
            |f: fn(&pppp::proto::drw::RecvStats) -> u64| c.conn.recv.iter().map(f).sum::<u64>();
        d.set_item("datagrams_sent", c.conn.datagrams_sent)?;
        d.set_item("datagrams_received", c.conn.datagrams_received)?;
        d.set_item("strangers", c.conn.strangers)?;
        d.set_item("undecodable", c.conn.undecodable)?;
        d.set_item("retransmits", s.retransmits())?;
        d.set_item("duplicates", sum(|r| r.duplicates))?;
        d.set_item("out_of_order", sum(|r| r.out_of_order))?;
        d.set_item("video_frames", c.video_frames)?;
        d.set_item("audio_frames", c.audio_frames)?;
        d.set_item("media_bytes", c.media_bytes)?;
        d.set_item("missing_frames", c.missing_frames)?;
        d.set_item("bad_replies", c.bad_replies)?;
        d.set_item("video_dropped", s.video_dropped)?;
        d.set_item("audio_dropped", s.audio_dropped)?;
        d.set_item("reconnects", s.reconnects)?;
        Ok(d)
    }

    /// Logs in (SHIX `check_user`); raises `WrongPassword` when refused. Returns the reply.
    fn login<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.reply(py, |s| s.login())
    }

    /// Sends a raw JSON command (a dict) and returns the camera's reply (a dict). `user`,
    /// `pwd`, `devmac` and a missing `cmd` (from a known `pro`) are filled in.
    fn command<'py>(
        &self,
        py: Python<'py>,
        cmd: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = json_object(cmd, "a command")?;
        self.reply(py, move |s| s.command(v))
    }

    /// The camera's parameters in any dialect, as a dict: firmware, time, tz, ir,
    /// flip_mirror, signal, battery, name (None when not reported) and fields (the reply).
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.call(py, |s| s.params())?;
        let d = PyDict::new(py);
        d.set_item("firmware", p.firmware)?;
        d.set_item("time", p.time)?;
        d.set_item("tz", p.tz)?;
        d.set_item("ir", p.ir)?;
        d.set_item("flip_mirror", p.flip_mirror)?;
        d.set_item("signal", p.signal)?;
        d.set_item("battery", p.battery)?;
        d.set_item("name", p.name)?;
        d.set_item(
            "fields",
            json::to_py(py, &serde_json::Value::Object(p.fields))?,
        )?;
        Ok(d)
    }

    /// Sets parameters by name (SHIX `dev_control` fields such as `{"lamp": 1}`).
    fn set_params(&self, py: Python<'_>, fields: &Bound<'_, PyAny>) -> PyResult<()> {
        let map = match json_object(fields, "fields")? {
            serde_json::Value::Object(map) => map,
            _ => return Err(PyTypeError::new_err("fields must be a dict")),
        };
        self.call(py, move |s| s.set_params(map))
    }

    /// Starts moving the head: up, down, left, right, up-left, up-right, down-left,
    /// down-right (SHIX cameras: the four axes).
    fn ptz(&self, py: Python<'_>, direction: &str) -> PyResult<()> {
        let d: PtzDirection = direction
            .parse()
            .map_err(|e: String| new_err(py, "InvalidArgument", e, &[]))?;
        self.call(py, move |s| s.ptz(d))
    }

    /// Stops moving the head.
    fn ptz_stop(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, |s| s.ptz_stop())
    }

    /// Moves the head back to the centre / home position.
    fn ptz_center(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, |s| s.ptz_center())
    }

    /// Stores the current position as preset 0-15 (VStarcam CGI cameras).
    fn ptz_preset(&self, py: Python<'_>, n: &Bound<'_, PyAny>) -> PyResult<()> {
        let n: u8 = int_arg(Some(n), "preset", 0, 15, 0)?;
        self.call(py, move |s| s.ptz_preset(n))
    }

    /// Moves to preset 0-15 (VStarcam CGI cameras).
    fn ptz_goto_preset(&self, py: Python<'_>, n: &Bound<'_, PyAny>) -> PyResult<()> {
        let n: u8 = int_arg(Some(n), "preset", 0, 15, 0)?;
        self.call(py, move |s| s.ptz_goto_preset(n))
    }

    /// Switches night vision (the IR cut filter) on or off.
    fn set_ir(&self, py: Python<'_>, on: bool) -> PyResult<()> {
        self.call(py, move |s| s.set_ir(on))
    }

    /// Toggles night vision (iLnk binary cameras have no on/off command).
    fn toggle_ir(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, |s| s.toggle_ir())
    }

    /// Switches the white light on or off.
    fn set_white_light(&self, py: Python<'_>, on: bool) -> PyResult<()> {
        self.call(py, move |s| s.set_white_light(on))
    }

    /// Sets the picture orientation: 0 normal, 1 flip, 2 mirror, 3 both.
    fn set_flip_mirror(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v: i64 = int_arg(Some(value), "flip_mirror", 0, 3, 0)?;
        let fm = FlipMirror::from_value(v).expect("0-3 checked above");
        self.call(py, move |s| s.set_flip_mirror(fm))
    }

    /// Scans for Wi-Fi networks: a list of dicts (ssid, mac, signal, security, channel).
    fn wifi_scan<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let nets = self.call(py, |s| s.wifi_scan())?;
        let l = PyList::empty(py);
        for n in nets {
            let d = PyDict::new(py);
            d.set_item("ssid", n.ssid)?;
            d.set_item("mac", n.mac)?;
            d.set_item("signal", n.signal)?;
            d.set_item("security", n.security)?;
            d.set_item("channel", n.channel)?;
            l.append(d)?;
        }
        Ok(l)
    }

    /// Makes the camera join a Wi-Fi network.
    fn set_wifi(&self, py: Python<'_>, ssid: String, password: String) -> PyResult<()> {
        self.call(py, move |s| s.set_wifi(&ssid, &password))
    }

    /// Reboots the camera (the session ends when it goes down).
    fn reboot(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, |s| s.reboot())
    }

    /// Sets the camera's clock: seconds since the epoch (UTC) and its zone in seconds east.
    fn set_time(
        &self,
        py: Python<'_>,
        epoch: &Bound<'_, PyAny>,
        tz_offset: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let epoch: i64 = int_arg(Some(epoch), "epoch", 0, i64::from(u32::MAX) * 4, 0)?;
        let tz: i32 = int_arg(Some(tz_offset), "tz_offset", -86_400, 86_400, 0)?;
        self.call(py, move |s| s.set_time(epoch, tz))
    }

    /// SD card information as a dict: present, status, total, free, fields.
    fn sd_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let i = self.call(py, |s| s.sd_info())?;
        let d = PyDict::new(py);
        d.set_item("present", i.present)?;
        d.set_item("status", i.status)?;
        d.set_item("total", i.total)?;
        d.set_item("free", i.free)?;
        d.set_item(
            "fields",
            json::to_py(py, &serde_json::Value::Object(i.fields))?,
        )?;
        Ok(d)
    }

    /// Sends a VStarcam CGI request such as `get_status.cgi` (credentials are added).
    fn cgi<'py>(&self, py: Python<'py>, request: String) -> PyResult<Bound<'py, PyAny>> {
        self.reply(py, move |s| s.cgi(&request))
    }

    /// Sends an iLnk binary command with a plain payload; returns the decoded reply.
    fn binary<'py>(
        &self,
        py: Python<'py>,
        cmd: &Bound<'py, PyAny>,
        payload: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cmd: u16 = int_arg(Some(cmd), "cmd", 0, 0xffff, 0)?;
        let payload = bytes_like(payload, "payload")?;
        self.reply(py, move |s| s.binary(cmd, &payload))
    }

    /// Seconds of talk-back audio queued and not yet sent.
    fn talk_queued(&self, py: Python<'_>) -> PyResult<f64> {
        Ok(self.call(py, |s| s.talk_queued())?.as_secs_f64())
    }

    /// Asks the camera to start video (1 = 640x480, 2 = 320x240).
    #[pyo3(signature = (resolution = None))]
    fn start_video<'py>(
        &self,
        py: Python<'py>,
        resolution: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let resolution: u8 = int_arg(resolution, "resolution", 0, 255, 1)?;
        self.reply(py, move |s| s.start_video_with(resolution))
    }

    /// Asks the camera to stop video.
    fn stop_video<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.reply(py, |s| s.stop_video())
    }

    /// Asks the camera to start audio.
    fn start_audio<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.reply(py, |s| s.start_audio())
    }

    /// Asks the camera to stop audio.
    fn stop_audio<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.reply(py, |s| s.stop_audio())
    }

    /// The next video frame, waiting up to `timeout` seconds (None: as long as the session
    /// is open). Returns None on timeout; raises `Closed` once the session is closed and
    /// the frames received before have been returned.
    #[pyo3(signature = (timeout = None))]
    fn next_frame(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Frame>> {
        let t = opt_seconds(py, timeout, "timeout")?;
        next(py, &self.inner, false, t)
    }

    /// The next audio frame (see `next_frame`).
    #[pyo3(signature = (timeout = None))]
    fn next_audio(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Frame>> {
        let t = opt_seconds(py, timeout, "timeout")?;
        next(py, &self.inner, true, t)
    }

    /// An iterator over video frames. It ends when the session closes; with `timeout`, it
    /// raises `Timeout` when no frame comes for that many seconds.
    #[pyo3(signature = (timeout = None))]
    fn video_frames(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<FrameIterator> {
        Ok(FrameIterator {
            inner: self.inner.clone(),
            audio: false,
            timeout: opt_seconds(py, timeout, "timeout")?,
        })
    }

    /// An iterator over audio frames (see `video_frames`).
    #[pyo3(signature = (timeout = None))]
    fn audio_frames(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<FrameIterator> {
        Ok(FrameIterator {
            inner: self.inner.clone(),
            audio: true,
            timeout: opt_seconds(py, timeout, "timeout")?,
        })
    }

    /// Sends 16-bit little-endian mono PCM at 8 kHz to the camera's speaker. Returns once
    /// the audio is queued (it plays in real time).
    fn talk(&self, py: Python<'_>, pcm: &Bound<'_, PyAny>) -> PyResult<()> {
        let pcm = bytes_like(pcm, "pcm")?;
        self.call(py, move |s| s.talk_bytes(&pcm))
    }

    /// Writes raw bytes on DRW channel 0-7.
    fn write_channel(
        &self,
        py: Python<'_>,
        channel: &Bound<'_, PyAny>,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let channel: u8 = int_arg(Some(channel), "channel", 0, 7, 0)?;
        let data = bytes_like(data, "data")?;
        self.call(py, move |s| s.write_channel(channel, data))
    }

    /// Closes the session (gracefully, waiting up to a second for unacknowledged data).
    /// Idempotent; frame iterators end.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if self.session().is_open() {
            self.call(py, |s| {
                s.close();
                Ok(())
            })?;
        }
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let s = self.session();
        match (s.is_open(), s.peer()) {
            (true, Some(p)) => format!("<pppp Session {} at {p}>", s.uid()),
            _ => format!("<pppp Session {} (closed)>", s.uid()),
        }
    }
}

/// Iterates over the video or audio frames of a session; `StopIteration` once it closes.
#[pyclass(frozen, module = "pppp._native", name = "FrameIterator")]
pub(crate) struct FrameIterator {
    inner: Arc<Handle>,
    audio: bool,
    timeout: Option<Duration>,
}

#[pymethods]
impl FrameIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Frame>> {
        match next(py, &self.inner, self.audio, self.timeout) {
            Ok(Some(f)) => Ok(Some(f)),
            Ok(None) => Err(to_py(
                py,
                Error::Timeout {
                    what: if self.audio {
                        "the next audio frame"
                    } else {
                        "the next video frame"
                    },
                    after: self.timeout.unwrap_or_default(),
                },
            )),
            Err(e) if e.is_instance(py, &crate::error::class(py, "Closed")) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Connects to a camera and (unless `login` is false) logs in.
#[pyfunction]
#[pyo3(signature = (
    uid, host = None, *, user = "admin".to_owned(), password = "6666".to_owned(), psk = "auto".to_owned(), timeout = 10.0,
    command_timeout = 5.0, dead_after = 8.0, to = None, broadcast = None, bind = None,
    video_queue = None, audio_queue = None, login = true, dialect = "auto".to_owned(),
    family = "vi365".to_owned(), reconnect = false, reconnect_backoff = 0.5,
    reconnect_max_backoff = 30.0, reconnect_attempts = None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn connect(
    py: Python<'_>,
    uid: String,
    host: Option<String>,
    user: String,
    password: String,
    psk: String,
    timeout: f64,
    command_timeout: f64,
    dead_after: f64,
    to: Option<Vec<String>>,
    broadcast: Option<bool>,
    bind: Option<String>,
    video_queue: Option<&Bound<'_, PyAny>>,
    audio_queue: Option<&Bound<'_, PyAny>>,
    login: bool,
    dialect: String,
    family: String,
    reconnect: bool,
    reconnect_backoff: f64,
    reconnect_max_backoff: f64,
    reconnect_attempts: Option<&Bound<'_, PyAny>>,
) -> PyResult<Session> {
    let video_queue: usize = int_arg(video_queue, "video_queue", 1, 1 << 20, 32)?;
    let audio_queue: usize = int_arg(audio_queue, "audio_queue", 1, 1 << 20, 64)?;
    let mut c = SessionConfig::new(uid)
        .credentials(user, password)
        .psk(psk)
        .connect_timeout(seconds(py, timeout, "timeout")?);
    c.command_timeout = seconds(py, command_timeout, "command_timeout")?;
    c.dead_after = seconds(py, dead_after, "dead_after")?;
    let to = to.unwrap_or_default();
    for t in &to {
        c.targets
            .push(pppp::client::parse_host(t, pppp::client::LAN_PORT).py_err(py)?);
    }
    c.broadcast = broadcast.unwrap_or(host.is_none() && to.is_empty());
    c.host = host;
    c.bind = bind
        .map(|b| pppp::client::parse_host(&b, 0))
        .transpose()
        .py_err(py)?;
    c.video_queue = video_queue;
    c.audio_queue = audio_queue;
    c.dialect = dialect;
    c.family = family;
    let attempts: Option<u32> = match reconnect_attempts {
        Some(a) if !a.is_none() => Some(int_arg(
            Some(a),
            "reconnect_attempts",
            1,
            u32::MAX as i64,
            1,
        )?),
        _ => None,
    };
    if reconnect {
        c.reconnect = Some(ReconnectPolicy {
            initial_backoff: seconds(py, reconnect_backoff, "reconnect_backoff")?,
            max_backoff: seconds(py, reconnect_max_backoff, "reconnect_max_backoff")?,
            max_attempts: attempts,
        });
    }
    let session = blocking::run(py, move || {
        let s = Handle(Some(CoreSession::connect(c)?));
        if login {
            if let Err(e) = s.get().login() {
                s.get().close();
                return Err(e);
            }
        }
        Ok::<_, Error>(s)
    })?
    .py_err(py)?;
    Ok(Session {
        inner: Arc::new(session),
    })
}
