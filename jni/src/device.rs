//! One camera started with `StartPPPP`: its session and three threads, all named after the
//! DID — the connection thread (search, handshake, login, then frames and session events),
//! the command thread (requests and their replies, one at a time), and the delivery thread,
//! the only one attached to the JVM (as a daemon), which calls the Java callbacks in order.
//! [`Device::stop`] joins all three: after it returns no callback for the DID can come.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;

use crossbeam_channel::{bounded, select, unbounded, Receiver, Sender, TrySendError};
use parking_lot::Mutex;
use pppp::client::{Frame, Session, SessionConfig, SessionEvent};
use pppp::proto::av::Codec;
use pppp::proto::dialect::Dialect;
use pppp::proto::ops::Op;
use pppp::proto::reconnect::ReconnectPolicy;
use pppp::proto::vstc2::{self, status, Arg, Getter};
use pppp::Error;
use pppp::Uid;
use serde_json::Value;

use crate::callbacks::{layout_event, Event, Val};
use crate::decode::H264Decoder;
use crate::registry::{self, Flavor};

/// How long the search and handshake may take before `DEVICE_NOT_ON_LINE` (6).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(6);

/// What `StartPPPP` was given.
#[derive(Clone, Debug)]
pub struct StartArgs {
    /// The camera's DID.
    pub did: String,
    /// Login user.
    pub user: String,
    /// Login password.
    pub password: String,
    /// The Java class that started it.
    pub flavor: Flavor,
}

/// A request for the command thread.
#[derive(Debug)]
pub enum Request {
    /// `TransferMessage`: a CGI line, or a SHIX JSON command; the reply text goes to
    /// `CallBackTransCMDString` and `CallBackTransferMessage`.
    Transfer(String),
    /// A typed method: the CGI request for VStarcam cameras, the typed operation for the
    /// other dialects (none: not available there); the result goes to
    /// `CallBack_SetSystemParamsResult(kind, 1|0)`.
    Set {
        /// CGI dialect.
        cgi: pppp::proto::cgi::CgiRequest,
        /// Other dialects.
        op: Option<Op>,
        /// The `param_type` reported.
        kind: i32,
    },
    /// `PPPPGetSystemParams`: the reply fills the getter's callbacks (CGI dialect); other
    /// dialects read their parameters into `CallBack_CameraStatusParams` when `status` is set.
    Get {
        /// CGI dialect.
        getter: Getter,
        /// Other dialects: read the parameters for `CallBack_CameraStatusParams`.
        status: bool,
    },
    /// A snapshot for `CallBack_Snapshot`.
    Snapshot,
    /// Start video (vendor stream id, substream).
    StartVideo(Op),
    /// Stop video.
    StopVideo,
    /// Start or stop audio.
    Audio(bool),
}

/// A started camera.
#[derive(Debug)]
pub struct Device {
    did: String,
    stop: Arc<AtomicBool>,
    session: Arc<Mutex<Option<Arc<Session>>>>,
    requests: Sender<Request>,
    threads: Vec<JoinHandle<()>>,
    delivery: ThreadId,
    video_on: Arc<AtomicBool>,
    record: Sender<Option<std::path::PathBuf>>,
}

/// The channels to the delivery thread: control events are never dropped, media events are
/// dropped when Java falls behind.
#[derive(Clone, Debug)]
struct Outbox {
    control: Sender<Event>,
    media: Sender<Event>,
    stop: Arc<AtomicBool>,
}

impl Outbox {
    fn send(&self, ev: Event) {
        let _ = self.control.send(ev);
    }

    fn media(&self, ev: Event) {
        if let Err(TrySendError::Full(_)) = self.media.try_send(ev) {
            tracing::debug!("Java is behind: media frame dropped");
        }
    }

    fn status(&self, did: &str, code: i32) {
        self.notify(did, vstc2::MSG_STATUS, code);
    }

    fn notify(&self, did: &str, kind: i32, param: i32) {
        for name in ["PPPPMsgNotify", "MessageNotify"] {
            self.send(Event::new(
                name,
                vec![
                    ("did", Val::Str(did.to_owned())),
                    ("type", Val::Int(kind.into())),
                    ("param", Val::Int(param.into())),
                ],
            ));
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name.to_owned()).spawn(f)
}

impl Device {
    /// Starts the threads; the connection thread reports through the status callbacks.
    pub fn start(args: StartArgs) -> std::io::Result<Device> {
        let did = args.did.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let (ctl_tx, ctl_rx) = unbounded();
        let (media_tx, media_rx) = bounded(8);
        let outbox = Outbox {
            control: ctl_tx,
            media: media_tx,
            stop: stop.clone(),
        };
        let session: Arc<Mutex<Option<Arc<Session>>>> = Arc::default();
        let (req_tx, req_rx) = unbounded();
        let video_on = Arc::new(AtomicBool::new(false));
        let (rec_tx, rec_rx) = unbounded();
        let flavor = args.flavor;
        let (name, halt) = (did.clone(), stop.clone());
        let delivery = spawn(&did, move || {
            deliver(&name, flavor, &halt, ctl_rx, media_rx)
        })?;
        let delivery_id = delivery.thread().id();
        let conn = {
            let (outbox, session, video_on) = (outbox.clone(), session.clone(), video_on.clone());
            spawn(&did, move || {
                connection(args, outbox, session, video_on, rec_rx)
            })?
        };
        let cmds = {
            let (outbox, session, did) = (outbox, session.clone(), did.clone());
            spawn(&did.clone(), move || commands(did, req_rx, outbox, session))?
        };
        Ok(Device {
            did,
            stop,
            session,
            requests: req_tx,
            threads: vec![conn, cmds, delivery],
            delivery: delivery_id,
            video_on,
            record: rec_tx,
        })
    }

    /// The DID.
    pub fn did(&self) -> &str {
        &self.did
    }

    /// Queues a request for the command thread.
    pub fn request(&self, r: Request) -> bool {
        match r {
            Request::StartVideo(_) => self.video_on.store(true, Ordering::SeqCst),
            Request::StopVideo => self.video_on.store(false, Ordering::SeqCst),
            _ => {}
        }
        self.requests.send(r).is_ok()
    }

    /// `RecordLocal`: starts recording into files named after `path` (its extension
    /// replaced: `.avi` for MJPEG, `.h264`/`.h265`, and `.wav` for the audio) through
    /// `pppp_serve::Recorder`, or stops and finishes them.
    pub fn record_local(&self, path: Option<String>, on: bool) -> i32 {
        let msg = match (on, path) {
            (true, Some(p)) if !p.is_empty() => Some(std::path::Path::new(&p).with_extension("")),
            (true, _) => return crate::codes::ERR_INVALID_ARGUMENT,
            (false, _) => None,
        };
        if self.record.send(msg).is_ok() {
            crate::codes::OK
        } else {
            crate::codes::ERR_NOT_STARTED
        }
    }

    /// The session, once connected.
    pub fn session(&self) -> Option<Arc<Session>> {
        self.session.lock().clone()
    }

    /// The dialect of the connected camera.
    pub fn dialect(&self) -> Option<Dialect> {
        self.session().and_then(|s| s.dialect())
    }

    /// Stops everything and joins the threads (the delivery thread too, unless this is it:
    /// a callback calling `StopPPPP`; it ends after that callback returns, calling no other).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let session = self.session.lock().take();
        if let Some(s) = session {
            s.close();
        }
        drop(self.requests);
        let me = std::thread::current().id();
        for t in self.threads.drain(..) {
            if t.thread().id() == me || (self.delivery == me && t.thread().id() == self.delivery) {
                continue;
            }
            let _ = t.join();
        }
    }
}

/// The delivery thread: attached to the JVM as a daemon named after the DID (detached when
/// it ends), it calls the callbacks of the current context for its class.
fn deliver(
    did: &str,
    flavor: Flavor,
    stop: &AtomicBool,
    control: Receiver<Event>,
    media: Receiver<Event>,
) {
    let Some(mut attached) = registry::attach(did) else {
        return;
    };
    let env = attached.env();
    loop {
        let ev = select! {
            recv(control) -> e => e,
            recv(media) -> e => e,
        };
        let Ok(ev) = ev else {
            break;
        };
        if stop.load(Ordering::SeqCst) {
            continue; // StopPPPP is waiting: drain without calling Java
        }
        if let Some(cbs) = registry::callbacks(flavor) {
            cbs.call(env, &ev);
        }
    }
}

fn error_status(e: &Error) -> i32 {
    match e {
        Error::InvalidUid(_) => status::INVALID_ID,
        Error::Offline { .. } | Error::Timeout { .. } => status::DEVICE_NOT_ON_LINE,
        Error::WrongPassword { .. } => status::INVALID_USER_PWD,
        _ => status::CONNECT_FAILED,
    }
}

/// The connection thread.
fn connection(
    args: StartArgs,
    out: Outbox,
    slot: Arc<Mutex<Option<Arc<Session>>>>,
    video_on: Arc<AtomicBool>,
    record: Receiver<Option<std::path::PathBuf>>,
) {
    let did = args.did.clone();
    out.status(&did, status::CONNECTING);
    if let Err(e) = Uid::parse(&did) {
        tracing::info!(%did, "invalid DID: {e}");
        out.status(&did, status::INVALID_ID);
        return;
    }
    let config = SessionConfig::new(did.clone())
        .credentials(args.user.clone(), args.password.clone())
        .connect_timeout(CONNECT_TIMEOUT)
        .reconnect(ReconnectPolicy {
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
            max_attempts: None,
        });
    let session = match Session::connect(config) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            tracing::info!(%did, "cannot connect: {e}");
            if !out.stopped() {
                out.status(&did, error_status(&e));
            }
            return;
        }
    };
    if out.stopped() {
        session.close();
        return;
    }
    out.notify(&did, vstc2::MSG_MODE, vstc2::MODE_P2P);
    out.status(&did, status::ON_LINE);
    match session.login() {
        // Requests wait for the login: SHIX cameras ignore commands before it.
        Ok(_) => *slot.lock() = Some(session.clone()),
        Err(Error::WrongPassword { .. }) => {
            let code = match args.flavor {
                Flavor::Vstc2 => status::INVALID_USER_PWD,
                Flavor::Object => status::PWD_WRONG_OBJECT,
            };
            out.status(&did, code);
            return;
        }
        Err(e) => {
            if !out.stopped() {
                tracing::warn!(%did, "login failed: {e}");
                out.status(&did, error_status(&e));
            }
            return;
        }
    }
    pump(&did, &session, &out, &video_on, &record);
}

/// Frames, audio and session events until the device stops.
fn pump(
    did: &str,
    session: &Session,
    out: &Outbox,
    video_on: &AtomicBool,
    record: &Receiver<Option<std::path::PathBuf>>,
) {
    let mut video = VideoState::default();
    let mut recorder: Option<(pppp_serve::Recorder, std::time::Instant)> = None;
    let finish = |r: Option<(pppp_serve::Recorder, std::time::Instant)>| {
        if let Some((r, started)) = r {
            match r.finish(started.elapsed()) {
                Ok(s) => tracing::info!(%did, "recorded {:?} and {:?}", s.video_path, s.audio_path),
                Err(e) => tracing::warn!(%did, "recording failed: {e}"),
            }
        }
    };
    while !out.stopped() {
        while let Ok(msg) = record.try_recv() {
            finish(recorder.take());
            recorder = msg.map(|prefix| {
                let cfg = pppp_serve::RecordConfig::new(prefix, Duration::ZERO);
                (pppp_serve::Recorder::new(cfg), std::time::Instant::now())
            });
        }
        match session.next_frame(Duration::from_millis(20)) {
            Ok(Some(f)) => {
                if let Some((r, _)) = recorder.as_mut() {
                    if let Err(e) = r.push_video(&f) {
                        tracing::warn!(%did, "recording stopped: {e}");
                        recorder = None;
                    }
                }
                video.frame(did, f, out, video_on)
            }
            Ok(None) => {}
            Err(_) => break,
        }
        while let Ok(Some(a)) = session.next_audio(Duration::ZERO) {
            if let Some((r, _)) = recorder.as_mut() {
                let _ = r.push_audio(&a);
            }
            audio(a, out);
        }
        while let Ok(ev) = session.events().try_recv() {
            match ev {
                SessionEvent::Disconnected { .. } => {
                    video.stream_sent = None;
                    out.status(did, status::DISCONNECT);
                    out.status(did, status::CONNECTING);
                }
                SessionEvent::Reconnected { .. } => {
                    out.notify(did, vstc2::MSG_MODE, vstc2::MODE_P2P);
                    out.status(did, status::ON_LINE);
                }
                SessionEvent::Closed(_) if !out.stopped() => {
                    out.status(did, status::DISCONNECT);
                }
                _ => {}
            }
        }
    }
    finish(recorder.take());
}

#[derive(Debug, Default)]
struct VideoState {
    stream_sent: Option<Codec>,
    decoder: Option<H264Decoder>,
}

impl VideoState {
    fn frame(&mut self, did: &str, f: Frame, out: &Outbox, video_on: &AtomicBool) {
        if !video_on.load(Ordering::SeqCst) {
            return;
        }
        let (w, h) = f.picture_size().unwrap_or((0, 0));
        let stream = match f.codec {
            Codec::Mjpeg => 1,
            Codec::H264 => 0,
            _ => return, // H.265 and others: no VideoData format for them
        };
        if self.stream_sent != Some(f.codec) {
            self.stream_sent = Some(f.codec);
            out.notify(did, vstc2::MSG_STREAM, stream);
        }
        let time = (f.timestamp_ms / 1000) as i64;
        let milli = (f.timestamp_ms % 1000) as i64;
        let common = |buf: Arc<[u8]>, h264: i64, w: u16, h: u16| {
            let len = buf.len() as i64;
            vec![
                ("did", Val::Str(did.to_owned())),
                ("buf", Val::Bytes(buf)),
                ("h264", Val::Int(h264)),
                ("len", Val::Int(len)),
                ("width", Val::Int(w.into())),
                ("height", Val::Int(h.into())),
                ("time", Val::Int(time)),
                ("milli", Val::Int(milli)),
                ("sessid", Val::Int(0)),
                ("version", Val::Int(f.header.version.into())),
                ("origlen", Val::Int(len)),
            ]
        };
        match f.codec {
            Codec::Mjpeg => {
                out.media(Event::new("VideoData", common(f.data.into(), 0, w, h)));
            }
            _ => {
                let raw: Arc<[u8]> = f.data.into();
                let mut raw_vals = common(raw.clone(), 0, w, h);
                raw_vals.push(("type", Val::Int(if f.keyframe { 0 } else { 1 })));
                out.media(Event::new("CallBack_H264Data", raw_vals));
                let dec = match &mut self.decoder {
                    Some(d) => d,
                    None => match H264Decoder::new() {
                        Ok(d) => self.decoder.insert(d),
                        Err(e) => {
                            tracing::warn!("{e}");
                            return;
                        }
                    },
                };
                match dec.decode(&raw) {
                    Ok(Some(p)) => {
                        let (pw, ph) = (p.width as u16, p.height as u16);
                        out.media(Event::new("VideoData", common(p.yuv.into(), 1, pw, ph)));
                    }
                    Ok(None) => {}
                    Err(e) => tracing::debug!("{e}"),
                }
            }
        }
    }
}

fn audio(f: Frame, out: &Outbox) {
    let Ok(pcm) = f.pcm() else {
        return;
    };
    let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
    let len = bytes.len() as i64;
    out.media(Event::new(
        "AudioData",
        vec![("buf", Val::Bytes(bytes.into())), ("len", Val::Int(len))],
    ));
}

/// The command thread: one request at a time, the reply turned into callbacks.
fn commands(
    did: String,
    requests: Receiver<Request>,
    out: Outbox,
    slot: Arc<Mutex<Option<Arc<Session>>>>,
) {
    let d = || Val::Str(did.clone());
    for r in requests {
        if out.stopped() {
            break;
        }
        // Requests made while connecting wait for the session (the vendor library queues them).
        let session = loop {
            if let Some(s) = slot.lock().clone() {
                break Some(s);
            }
            if out.stopped() {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let Some(session) = session else {
            break;
        };
        let result_event = |ty: i32, ok: bool| {
            Event::new(
                "CallBack_SetSystemParamsResult",
                vec![
                    ("did", d()),
                    ("type", Val::Int(ty.into())),
                    ("result", Val::Int(ok.into())),
                ],
            )
        };
        match r {
            Request::Transfer(text) => {
                let json = text.trim_start().starts_with('{');
                let reply = if json {
                    serde_json::from_str::<Value>(text.trim())
                        .map_err(|e| Error::InvalidArgument(e.to_string()))
                        .and_then(|v| session.command(v))
                } else {
                    session.cgi(&text)
                };
                match reply {
                    Ok(v) => {
                        let (text, cmd) = reply_text(&v);
                        if out.stopped() {
                            break;
                        }
                        out.send(Event::new(
                            "CallBackTransCMDString",
                            vec![("did", d()), ("text", Val::Str(text.clone()))],
                        ));
                        out.send(Event::new(
                            "CallBackTransferMessage",
                            vec![
                                ("did", d()),
                                ("text", Val::Str(text)),
                                ("cmd", Val::Int(cmd)),
                            ],
                        ));
                    }
                    Err(e) => tracing::info!(%did, "TransferMessage failed: {e}"),
                }
            }
            Request::Set { cgi, op, kind } => {
                let reply = match (session.dialect(), op) {
                    (Some(Dialect::Cgi) | None, _) => {
                        session.cgi(&format!("{}.cgi?{}", cgi.name, cgi.params))
                    }
                    (Some(_), Some(op)) => session.op(op),
                    (Some(d), None) => Err(Error::InvalidCommand(format!(
                        "{} is not available in the {d} dialect",
                        cgi.name
                    ))),
                };
                let ok = reply.is_ok_and(|v| pppp::proto::ops::check(&v).is_ok());
                out.send(result_event(kind, ok));
            }
            Request::Get { getter, status } => match session.dialect() {
                Some(Dialect::Cgi) | None => match session.cgi(&format!("{}.cgi", getter.cgi)) {
                    Ok(v) => {
                        let empty = serde_json::Map::new();
                        let fields = v.get("fields").and_then(Value::as_object).unwrap_or(&empty);
                        if getter.wifi_scan {
                            for args in vstc2::wifi_scan_results(fields) {
                                out.send(layout_event(&vstc2::WIFI_SCAN_RESULT, &did, &args));
                            }
                        }
                        // Layouts of one callback (SDK generations) make one event: the
                        // descriptor the app declares picks its values by name.
                        let mut events: Vec<Event> = Vec::new();
                        for l in getter.layouts {
                            let ev = layout_event(l, &did, &l.values(fields));
                            match events.iter_mut().find(|e| e.name == ev.name) {
                                Some(e) => e.vals.extend(ev.vals),
                                None => events.push(ev),
                            }
                        }
                        for ev in events {
                            out.send(ev);
                        }
                    }
                    Err(e) => tracing::info!(%did, "{} failed: {e}", getter.cgi),
                },
                Some(_) if status => match session.params() {
                    Ok(p) => {
                        let args = vstc2::status_from_params(&p, &did);
                        out.send(layout_event(&vstc2::STATUS_PARAMS, &did, &args));
                    }
                    Err(e) => tracing::info!(%did, "parameters failed: {e}"),
                },
                Some(d) => {
                    tracing::info!(%did, "{} is not available in the {d} dialect", getter.cgi)
                }
            },
            Request::Snapshot => match session.cgi("snapshot.cgi") {
                Ok(v) => {
                    let jpeg = v
                        .get("body_hex")
                        .and_then(Value::as_str)
                        .map(hex_bytes)
                        .unwrap_or_default();
                    if !jpeg.is_empty() {
                        let len = jpeg.len() as i64;
                        out.send(Event::new(
                            "CallBack_Snapshot",
                            vec![
                                ("did", d()),
                                ("buf", Val::Bytes(jpeg.into())),
                                ("len", Val::Int(len)),
                            ],
                        ));
                    }
                }
                Err(e) => tracing::info!(%did, "snapshot failed: {e}"),
            },
            Request::StartVideo(op) => {
                if let Err(e) = session.op(op) {
                    tracing::info!(%did, "start video: {e}");
                }
            }
            Request::StopVideo => {
                let _ = session.stop_video();
            }
            Request::Audio(on) => {
                let r = if on {
                    session.start_audio()
                } else {
                    session.stop_audio()
                };
                if let Err(e) = r {
                    tracing::info!(%did, "audio: {e}");
                }
            }
        }
    }
}

/// The reply as the vendor library hands it to `CallBackTransCMDString`: the CGI text, or
/// the JSON of other dialects; and the reply's command number.
fn reply_text(v: &Value) -> (String, i64) {
    let cmd = v.get("cmd").and_then(Value::as_i64).unwrap_or(0);
    match v.get("text").and_then(Value::as_str) {
        Some(t) => (t.to_owned(), cmd),
        None => (v.to_string(), cmd),
    }
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// Typed-method arguments of a setter whose first Java argument is the DID.
pub fn int_args(v: &[i32]) -> Vec<Arg> {
    v.iter().map(|n| Arg::Int((*n).into())).collect()
}
