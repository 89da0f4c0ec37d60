//! `Session`: a connected camera, and `FrameIterator` over its video or audio.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString};

use pppp::client::{
    parse_dialect, parse_family, parse_psk, Session as CoreSession, SessionConfig, SessionEvent,
};
use pppp::proto::dialect::DialectSource;
use pppp::proto::ops::Op;
use pppp::proto::reconnect::ReconnectPolicy;
use pppp::Error;

use crate::blocking::{self, int_arg, opt_seconds, seconds};
use crate::error::{close_reason_name, new_err, to_py, ToPyResult};
use crate::frame::Frame;
use crate::json;
use crate::reactor::Reactor;

/// A session event as `(kind, details)`.
fn event_tuple(py: Python<'_>, e: SessionEvent) -> PyResult<(&'static str, Bound<'_, PyDict>)> {
    let d = PyDict::new(py);
    let kind = match e {
        SessionEvent::Connecting => "connecting",
        SessionEvent::Connected { peer, cipher } => {
            d.set_item("peer", peer.to_string())?;
            d.set_item("cipher", cipher)?;
            "connected"
        }
        SessionEvent::LoggedIn { reply } => {
            d.set_item("reply", json::to_py(py, &reply)?)?;
            "logged_in"
        }
        SessionEvent::LoginRefused { result } => {
            d.set_item("result", result)?;
            "login_refused"
        }
        SessionEvent::Message(m) => {
            d.set_item("message", json::to_py(py, &m)?)?;
            "message"
        }
        SessionEvent::Disconnected { reason } => {
            d.set_item("reason", close_reason_name(reason))?;
            "disconnected"
        }
        SessionEvent::Reconnected { attempt } => {
            d.set_item("attempt", attempt)?;
            "reconnected"
        }
        SessionEvent::Closed(reason) => {
            d.set_item("reason", close_reason_name(reason))?;
            "closed"
        }
    };
    Ok((kind, d))
}

/// The operation `name` with `args` (a dict, or None), or `InvalidArgument`.
fn op_from(py: Python<'_>, name: &str, args: Option<&Bound<'_, PyAny>>) -> PyResult<Op> {
    let v = match args {
        Some(a) if !a.is_none() => json::from_py(a)?,
        _ => serde_json::Value::Null,
    };
    Op::from_args(name, &v).map_err(|e| new_err(py, "InvalidArgument", e.to_string(), &[]))
}

/// Owns the core session. Dropping the last handle of a session that is still open starts
/// its close without waiting, so that a forgotten session never blocks the interpreter.
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
            // The close finishes on the I/O thread: a garbage collection never blocks.
            s.close_in_background();
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
    fn blocking<T: Send + 'static>(
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
        let v = self.blocking(py, f)?;
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

    /// Threads blocked right now in `next_frame`, `next_audio` or a frame iterator of this
    /// session (a test hook: a test knows a reader is waiting before it checks what wakes it).
    #[getter]
    fn blocked_readers(&self) -> usize {
        self.session().blocked_readers()
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
        d.set_item("events_dropped", s.events_dropped)?;
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

    /// Runs the operation `name` of the operation table (`ptz`, `params`, `set_ir`, …; its
    /// binding or Python name) with `args`, a dict of its arguments by name. Returns None, or
    /// the typed result as a dict (`params`, `sd_info`) or a list of dicts (`wifi_scan`).
    /// Raises `Rejected` when the camera refuses, `WrongPassword` when it refuses the
    /// credentials, `InvalidArgument` for a bad name or argument.
    #[pyo3(signature = (name, args = None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        args: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let op = op_from(py, name, args)?;
        self.reply(py, move |s| s.call(op).map(|o| o.to_json()))
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
        // Answered by the I/O thread at once: no helper thread needed.
        let s = self.session();
        Ok(py.detach(|| s.talk_queued()).py_err(py)?.as_secs_f64())
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
        let s = self.session();
        py.detach(|| s.talk_bytes(&pcm)).py_err(py)
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
        let s = self.session();
        py.detach(|| s.write_channel(channel, data)).py_err(py)
    }

    /// Waits until the session is up (returns) or its first connection failed (raises
    /// `Offline`, `Timeout`, `Closed`, ...). Interruptible with Ctrl-C.
    fn wait_connected(&self, py: Python<'_>) -> PyResult<()> {
        let s = self.session();
        let r = blocking::wait(py, None, |slice| s.wait_connected_for(slice))?;
        r.unwrap_or(Ok(())).py_err(py)
    }

    /// Whether the session is up: True, False while still connecting; raises why its first
    /// connection failed (`Offline`, `Timeout`, `Closed`, ...). Never waits.
    fn poll_connected(&self, py: Python<'_>) -> PyResult<bool> {
        match self.session().wait_connected_for(Duration::ZERO) {
            None => Ok(false),
            Some(r) => r.map(|()| true).py_err(py),
        }
    }

    /// The next video frame if one is queued, else None (never waits).
    fn try_next_frame(&self, py: Python<'_>) -> Option<Frame> {
        self.session().try_next_frame().map(|f| Frame::new(py, f))
    }

    /// The next audio frame if one is queued, else None (never waits).
    fn try_next_audio(&self, py: Python<'_>) -> Option<Frame> {
        self.session().try_next_audio().map(|f| Frame::new(py, f))
    }

    /// The next life event if one is queued (never waits), as `(kind, details)`; see
    /// `next_event`.
    fn try_next_event<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<(&'static str, Bound<'py, PyDict>)>> {
        self.session()
            .try_next_event()
            .map(|e| event_tuple(py, e))
            .transpose()
    }

    /// The next life event, waiting up to `timeout` seconds (None: while the session lives),
    /// as `(kind, details)`: `("connecting", {})`, `("connected", {"peer", "cipher"})`,
    /// `("logged_in", {"reply"})`, `("login_refused", {"result"})`, `("message",
    /// {"message"})`, `("disconnected", {"reason"})`, `("reconnected", {"attempt"})`,
    /// `("closed", {"reason"})`. None on timeout or once nothing more can come.
    #[pyo3(signature = (timeout = None))]
    fn next_event<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Option<(&'static str, Bound<'py, PyDict>)>> {
        let t = opt_seconds(py, timeout, "timeout")?;
        let s = self.session();
        let got = blocking::wait(py, t, |slice| match s.next_event(slice) {
            Some(e) => Some(Some(e)),
            // Finished: nothing more can come.
            None if s.is_finished() => Some(s.try_next_event()),
            None => None,
        })?;
        got.flatten().map(|e| event_tuple(py, e)).transpose()
    }

    /// Reports this session's news (frames, events) to `reactor` under `id`, or stops with
    /// None.
    #[pyo3(signature = (reactor, id = 0))]
    fn watch(&self, reactor: Option<&Reactor>, id: u64) {
        let notify = reactor.map(|r| {
            let shared = r.shared.clone();
            Arc::new(move || shared.ready(id)) as pppp::client::Notify
        });
        self.session().set_notify(notify);
    }

    /// Starts a request without waiting; its outcome reaches `reactor` under `token`. `kind`:
    /// `"op"` (`name` and `args` as for `call`), `"login"`, `"command"` (`args`: the dict),
    /// `"cgi"` (`name`: the request), `"binary"` (`name`: the command number as a string,
    /// `args`: the payload bytes).
    #[pyo3(signature = (reactor, token, kind, name = None, args = None))]
    fn submit(
        &self,
        py: Python<'_>,
        reactor: &Reactor,
        token: u64,
        kind: &str,
        name: Option<String>,
        args: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let shared = reactor.shared.clone();
        let done = move |r: Result<serde_json::Value, Error>| shared.complete(token, r);
        let s = self.session();
        match kind {
            "op" => {
                let op = op_from(py, name.as_deref().unwrap_or(""), args)?;
                s.call_with(op, Box::new(move |r| done(r.map(|o| o.to_json()))));
            }
            "login" => s.login_with(Box::new(done)),
            "command" => {
                let v = match args {
                    Some(a) => json_object(a, "a command")?,
                    None => return Err(PyTypeError::new_err("a command needs its dict")),
                };
                s.command_with(v, Box::new(done));
            }
            "cgi" => s.cgi_with(name.as_deref().unwrap_or(""), Box::new(done)),
            "binary" => {
                let cmd: u16 = name
                    .as_deref()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| PyTypeError::new_err("binary needs a command number"))?;
                let payload = match args {
                    Some(a) => bytes_like(a, "payload")?,
                    None => Vec::new(),
                };
                s.binary_with(cmd, &payload, Box::new(done));
            }
            other => {
                return Err(new_err(
                    py,
                    "InvalidArgument",
                    format!("unknown request kind {other:?}"),
                    &[],
                ))
            }
        }
        Ok(())
    }

    /// Starts closing and returns at once; `is_finished` becomes true (and a watching
    /// reactor hears of it) when nothing more can arrive.
    fn begin_close(&self) {
        self.session().begin_close();
    }

    /// True once nothing more can arrive from the session.
    #[getter]
    fn is_finished(&self) -> bool {
        self.session().is_finished()
    }

    /// Closes the session (gracefully, waiting up to a second for unacknowledged data).
    /// Idempotent; frame iterators end.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if self.session().is_open() {
            self.blocking(py, |s| {
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

/// Starts a session and returns at once (only bad arguments raise): the search, handshake
/// and their outcome arrive as events (`try_next_event`, `watch`); log in with
/// `submit(reactor, token, "login")`, or wait with `wait_connected` and `login`.
#[pyfunction]
#[pyo3(signature = (
    uid, host = None, *, user = "admin".to_owned(), password = "6666".to_owned(), psk = "auto".to_owned(), timeout = 10.0,
    command_timeout = 5.0, dead_after = 8.0, to = None, broadcast = None, bind = None,
    video_queue = None, audio_queue = None, dialect = "auto".to_owned(),
    family = "vi365".to_owned(), reconnect = false, reconnect_backoff = 0.5,
    reconnect_max_backoff = 30.0, reconnect_attempts = None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn start(
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
    c.psk = parse_psk(&psk).py_err(py)?;
    c.dialect = parse_dialect(&dialect).py_err(py)?;
    c.family = parse_family(&family).py_err(py)?;
    let s = CoreSession::start(c).py_err(py)?;
    Ok(Session {
        inner: Arc::new(Handle(Some(s))),
    })
}
