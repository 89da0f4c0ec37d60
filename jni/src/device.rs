//! One camera started with `StartPPPP`: its session, started at once and connecting on the
//! driver's I/O threads, and one callback thread named after the DID, attached to the JVM as a
//! daemon. Nothing polls: the session's notify hook wakes the thread, which drains life
//! events, finished requests, video and audio, and calls the Java callbacks in order.
//! Requests leave through the session's non-blocking `*_with` calls (queued until the login is
//! accepted, as the vendor library queues them); their outcomes come back to the thread.
//! [`Device::stop`] starts the session's close and joins the thread: when it returns no
//! callback for the DID can come, and it never waits for a connection attempt to time out.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use pppp::client::{Frame, Session, SessionConfig, SessionEvent};
use pppp::proto::av::Codec;
use pppp::proto::conn::CloseReason;
use pppp::proto::dialect::Dialect;
use pppp::proto::operation::{Outcome, Refusal};
use pppp::proto::ops::{Op, Params};
use pppp::proto::reconnect::ReconnectPolicy;
use pppp::proto::vstc2::{self, status, Getter};
use pppp::Error;
use pppp::Uid;
use serde_json::Value;

use crate::callbacks::{layout_event, Event, Val};
use crate::codes;
use crate::decode::H264Decoder;
use crate::registry::{self, Flavor};

/// How long the search and handshake may take before `DEVICE_NOT_ON_LINE` (6).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(6);

/// Requests kept while the camera is not logged in; more are refused (`ERR_NOT_CONNECTED`).
pub const MAX_WAITING_REQUESTS: usize = 64;

/// Video frames drained in a row before life events and replies get their turn again.
const FRAMES_PER_TURN: usize = 8;

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

/// A request of a native method.
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

/// What a finished request becomes on the callback thread.
#[derive(Debug)]
enum Pending {
    Transfer,
    Set(i32),
    Get(Getter),
    Snapshot,
    /// Nothing to report but a failure in the log.
    Quiet(&'static str),
}

/// News for the callback thread that does not come from the session's queues.
enum Work {
    Reply(Pending, pppp::error::Result<Value>),
    Params(pppp::error::Result<Params>),
    Login(pppp::error::Result<Value>),
    Record(Option<PathBuf>),
}

/// Connection state for `GetP2PConnetState` / `PPPPCameraStatus`.
mod phase {
    pub const CONNECTING: i32 = 0;
    pub const ONLINE: i32 = 1;
    pub const FAILED: i32 = -2;
}

/// Requests wait here until the camera accepted the login.
#[derive(Default)]
struct Gate {
    open: bool,
    waiting: VecDeque<Request>,
}

/// What the native methods, the session's I/O thread and the callback thread share. Locks
/// are held only to read or swap a value, never across a Java call or a network wait.
struct Shared {
    did: String,
    flavor: Flavor,
    stop: AtomicBool,
    video_on: AtomicBool,
    phase: AtomicI32,
    /// Set when there is news; the callback thread sleeps on `cond` until it is.
    signal: Mutex<bool>,
    cond: Condvar,
    inbox: Mutex<VecDeque<Work>>,
    gate: Mutex<Gate>,
}

impl Shared {
    fn wake(&self) {
        *self.signal.lock() = true;
        self.cond.notify_one();
    }

    fn post(&self, w: Work) {
        self.inbox.lock().push_back(w);
        self.wake();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// A started camera.
pub struct Device {
    shared: Arc<Shared>,
    session: Option<Arc<Session>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("did", &self.shared.did)
            .field("phase", &self.shared.phase.load(Ordering::Relaxed))
            .finish()
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

impl Device {
    /// Starts the session (it connects in the background) and the callback thread, which
    /// reports the progress through the status callbacks.
    pub fn start(args: StartArgs) -> std::io::Result<Device> {
        let shared = Arc::new(Shared {
            did: args.did.clone(),
            flavor: args.flavor,
            stop: AtomicBool::new(false),
            video_on: AtomicBool::new(false),
            phase: AtomicI32::new(phase::CONNECTING),
            signal: Mutex::new(false),
            cond: Condvar::new(),
            inbox: Mutex::default(),
            gate: Mutex::default(),
        });
        let (session, failure) = match Uid::parse(&args.did) {
            Err(e) => {
                tracing::info!(did = %args.did, "invalid DID: {e}");
                (None, Some(status::INVALID_ID))
            }
            Ok(_) => match Session::start(session_config(&args)) {
                Ok(s) => (Some(Arc::new(s)), None),
                Err(e) => {
                    tracing::info!(did = %args.did, "cannot start the session: {e}");
                    (None, Some(error_status(&e)))
                }
            },
        };
        if failure.is_some() {
            shared.phase.store(phase::FAILED, Ordering::SeqCst);
        }
        if let Some(s) = &session {
            let weak: Weak<Shared> = Arc::downgrade(&shared);
            s.set_notify(Some(Arc::new(move || {
                if let Some(sh) = weak.upgrade() {
                    sh.wake();
                }
            })));
        }
        let thread = {
            let (shared, session) = (shared.clone(), session.clone());
            std::thread::Builder::new()
                .name(args.did.clone())
                .spawn(move || callback_thread(shared, session, failure))
        };
        match thread {
            Ok(t) => Ok(Device {
                shared,
                session,
                thread: Some(t),
            }),
            Err(e) => {
                if let Some(s) = session {
                    s.set_notify(None);
                    s.begin_close();
                }
                Err(e)
            }
        }
    }

    /// The DID.
    pub fn did(&self) -> &str {
        &self.shared.did
    }

    /// Sends a request (or keeps it until the camera accepted the login); its outcome reaches
    /// the callbacks. Returns a code of [`crate::codes`].
    pub fn request(&self, r: Request) -> i32 {
        match r {
            Request::StartVideo(_) => self.shared.video_on.store(true, Ordering::SeqCst),
            Request::StopVideo => self.shared.video_on.store(false, Ordering::SeqCst),
            _ => {}
        }
        let Some(session) = &self.session else {
            return codes::ERR_NOT_CONNECTED;
        };
        if self.connect_state() == phase::FAILED {
            return codes::ERR_NOT_CONNECTED; // refused or gone: nothing will open the gate
        }
        let mut gate = self.shared.gate.lock();
        if gate.open {
            submit(&self.shared, session, r);
        } else if gate.waiting.len() < MAX_WAITING_REQUESTS {
            gate.waiting.push_back(r);
        } else {
            return codes::ERR_NOT_CONNECTED;
        }
        codes::OK
    }

    /// `RecordLocal`: starts recording into files named after `path` (its extension
    /// replaced: `.avi` for MJPEG, `.h264`/`.h265`, and `.wav` for the audio) through
    /// `pppp_serve::Recorder`, or stops and finishes them.
    pub fn record_local(&self, path: Option<String>, on: bool) -> i32 {
        let msg = match (on, path) {
            (true, Some(p)) if !p.is_empty() => Some(std::path::Path::new(&p).with_extension("")),
            (true, _) => return codes::ERR_INVALID_ARGUMENT,
            (false, _) => None,
        };
        self.shared.post(Work::Record(msg));
        codes::OK
    }

    /// The session, once the camera accepted the login.
    pub fn session(&self) -> Option<Arc<Session>> {
        self.session.clone().filter(|_| self.is_online())
    }

    /// True while the camera is connected and logged in.
    pub fn is_online(&self) -> bool {
        self.shared.phase.load(Ordering::SeqCst) == phase::ONLINE
    }

    /// `GetP2PConnetState`: −2 failed, 0 connecting, 1 connected (and logged in).
    pub fn connect_state(&self) -> i32 {
        self.shared.phase.load(Ordering::SeqCst)
    }

    /// The dialect of the camera (once known).
    pub fn dialect(&self) -> Option<Dialect> {
        self.session.as_ref().and_then(|s| s.dialect())
    }

    /// Stops everything: starts the session's close and joins the callback thread (unless
    /// this is it: a callback calling `StopPPPP`; it then ends after that callback returns,
    /// calling no other). Returns at once during a connection attempt.
    pub fn stop(mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(s) = &self.session {
            s.begin_close();
        }
        self.shared.wake();
        if let Some(t) = self.thread.take() {
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
        if let Some(s) = self.session.take() {
            s.set_notify(None);
            // The last reference closes it (already under way: the wait is short).
            drop(s);
        }
    }
}

fn session_config(args: &StartArgs) -> SessionConfig {
    SessionConfig::new(args.did.clone())
        .credentials(args.user.clone(), args.password.clone())
        .connect_timeout(CONNECT_TIMEOUT)
        .reconnect(ReconnectPolicy {
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
            max_attempts: None,
        })
}

/// A completion that hands the outcome to the callback thread (it runs on an I/O thread).
fn completion(shared: &Arc<Shared>, p: Pending) -> pppp::client::Completion {
    let weak = Arc::downgrade(shared);
    Box::new(move |r| {
        if let Some(sh) = weak.upgrade() {
            sh.post(Work::Reply(p, r));
        }
    })
}

/// Sends `r` through the session's non-blocking calls.
fn submit(shared: &Arc<Shared>, s: &Session, r: Request) {
    let done = |p| completion(shared, p);
    match r {
        Request::Transfer(text) => {
            if text.trim_start().starts_with('{') {
                match serde_json::from_str::<Value>(text.trim()) {
                    Ok(v) => s.command_with(v, done(Pending::Transfer)),
                    Err(e) => shared.post(Work::Reply(
                        Pending::Transfer,
                        Err(Error::InvalidArgument(e.to_string().into())),
                    )),
                }
            } else {
                s.cgi_with(&text, done(Pending::Transfer));
            }
        }
        Request::Set { cgi, op, kind } => match (s.dialect(), op) {
            (Some(Dialect::Cgi) | None, _) => s.cgi_with(
                &format!("{}.cgi?{}", cgi.name, cgi.params),
                done(Pending::Set(kind)),
            ),
            (Some(_), Some(op)) => s.op_with(op, done(Pending::Set(kind))),
            (Some(d), None) => shared.post(Work::Reply(
                Pending::Set(kind),
                Err(Error::InvalidCommand(
                    format!("{} is not available in the {d} dialect", cgi.name).into(),
                )),
            )),
        },
        Request::Get { getter, status } => match s.dialect() {
            Some(Dialect::Cgi) | None => {
                s.cgi_with(&format!("{}.cgi", getter.cgi), done(Pending::Get(getter)))
            }
            Some(_) if status => {
                let weak = Arc::downgrade(shared);
                s.call_with(
                    Op::GetParams,
                    Box::new(move |r| {
                        if let Some(sh) = weak.upgrade() {
                            let p = r.and_then(|o| match o {
                                Outcome::Params(p) => Ok(p),
                                other => {
                                    Err(Error::Protocol(format!("unexpected {other:?}").into()))
                                }
                            });
                            sh.post(Work::Params(p));
                        }
                    }),
                );
            }
            Some(d) => {
                tracing::info!(did = %shared.did, "{} is not available in the {d} dialect", getter.cgi)
            }
        },
        Request::Snapshot => s.cgi_with("snapshot.cgi", done(Pending::Snapshot)),
        Request::StartVideo(op) => s.op_with(op, done(Pending::Quiet("start video"))),
        Request::StopVideo => s.op_with(Op::StopVideo, done(Pending::Quiet("stop video"))),
        Request::Audio(on) => {
            let op = if on { Op::StartAudio } else { Op::StopAudio };
            s.op_with(op, done(Pending::Quiet("audio")))
        }
    }
}

/// The callback thread's state.
struct Delivery {
    shared: Arc<Shared>,
    session: Option<Arc<Session>>,
    attached: Option<registry::Attached>,
    video: VideoState,
    recorder: Option<(pppp_serve::Recorder, std::time::Instant)>,
}

/// The callback thread: attached to the JVM as a daemon named after the DID (detached when
/// it ends); sleeps until the session or a native method has news.
fn callback_thread(shared: Arc<Shared>, session: Option<Arc<Session>>, failure: Option<i32>) {
    let attached = registry::attach(&shared.did);
    let mut d = Delivery {
        shared,
        session,
        attached,
        video: VideoState::default(),
        recorder: None,
    };
    if let Some(code) = failure {
        d.status(status::CONNECTING);
        d.status(code);
    }
    loop {
        {
            let mut news = d.shared.signal.lock();
            while !*news && !d.shared.stopped() {
                d.shared.cond.wait(&mut news);
            }
            *news = false;
        }
        if d.shared.stopped() {
            break;
        }
        d.drain();
    }
    d.finish_recording();
}

impl Delivery {
    /// Calls the callback of `ev` on the current context of the device's class (nothing once
    /// the device is stopping, or without a context).
    fn call(&mut self, ev: Event) {
        if self.shared.stopped() {
            return;
        }
        let Some(attached) = self.attached.as_mut() else {
            return;
        };
        if let Some(cbs) = registry::callbacks(self.shared.flavor) {
            cbs.call(attached.env(), &ev);
        }
    }

    fn did(&self) -> Val {
        Val::Str(self.shared.did.clone())
    }

    fn notify(&mut self, kind: i32, param: i32) {
        for name in ["PPPPMsgNotify", "MessageNotify"] {
            let ev = Event::new(
                name,
                vec![
                    ("did", self.did()),
                    ("type", Val::Int(kind.into())),
                    ("param", Val::Int(param.into())),
                ],
            );
            self.call(ev);
        }
    }

    fn status(&mut self, code: i32) {
        self.notify(vstc2::MSG_STATUS, code);
    }

    fn set_phase(&self, p: i32) {
        self.shared.phase.store(p, Ordering::SeqCst);
    }

    /// Everything queued, life events and replies first, video in turns with them.
    fn drain(&mut self) {
        let Some(session) = self.session.clone() else {
            while let Some(w) = self.next_work() {
                self.work(w);
            }
            return;
        };
        loop {
            let mut busy = false;
            while let Some(ev) = session.try_next_event() {
                busy = true;
                self.event(&session, ev);
            }
            while let Some(w) = self.next_work() {
                busy = true;
                self.work(w);
            }
            for _ in 0..FRAMES_PER_TURN {
                let Some(f) = session.try_next_frame() else {
                    break;
                };
                busy = true;
                self.frame(f);
            }
            while let Some(a) = session.try_next_audio() {
                busy = true;
                self.audio(a);
            }
            if !busy || self.shared.stopped() {
                return;
            }
        }
    }

    fn next_work(&self) -> Option<Work> {
        self.shared.inbox.lock().pop_front()
    }

    fn event(&mut self, session: &Arc<Session>, ev: SessionEvent) {
        match ev {
            SessionEvent::Connecting => {
                self.set_phase(phase::CONNECTING);
                self.status(status::CONNECTING);
            }
            SessionEvent::Connected { .. } => {
                self.notify(vstc2::MSG_MODE, vstc2::MODE_P2P);
                self.status(status::ON_LINE);
                let weak = Arc::downgrade(&self.shared);
                session.login_with(Box::new(move |r| {
                    if let Some(sh) = weak.upgrade() {
                        sh.post(Work::Login(r));
                    }
                }));
            }
            SessionEvent::Reconnected { .. } => {
                // The session logs in again by itself; LoggedIn opens the gate.
                self.notify(vstc2::MSG_MODE, vstc2::MODE_P2P);
                self.status(status::ON_LINE);
            }
            SessionEvent::LoggedIn { .. } => {
                self.set_phase(phase::ONLINE);
                let mut gate = self.shared.gate.lock();
                gate.open = true;
                while let Some(r) = gate.waiting.pop_front() {
                    submit(&self.shared, session, r);
                }
            }
            SessionEvent::LoginRefused { .. } => {
                self.set_phase(phase::FAILED);
                let code = match self.shared.flavor {
                    Flavor::Vstc2 => status::INVALID_USER_PWD,
                    Flavor::Object => status::PWD_WRONG_OBJECT,
                };
                self.status(code);
            }
            SessionEvent::Message(v) => {
                tracing::debug!(did = %self.shared.did, "message from the camera: {v}");
                self.transfer_reply(&v);
            }
            SessionEvent::Disconnected { .. } => {
                self.set_phase(phase::CONNECTING);
                self.shared.gate.lock().open = false;
                self.video.stream_sent = None;
                self.status(status::DISCONNECT);
            }
            SessionEvent::Closed(reason) => {
                let was = self.shared.phase.swap(phase::FAILED, Ordering::SeqCst);
                self.shared.gate.lock().open = false;
                let code = match reason {
                    CloseReason::NotFound | CloseReason::HandshakeTimeout => {
                        Some(status::DEVICE_NOT_ON_LINE)
                    }
                    CloseReason::LoginRefused { .. } | CloseReason::Local => None,
                    CloseReason::Remote | CloseReason::PeerTimeout => {
                        (was != phase::FAILED).then_some(status::DISCONNECT)
                    }
                };
                if let Some(c) = code {
                    self.status(c);
                }
            }
        }
    }

    /// A reply or message as the vendor library hands it to `CallBackTransCMDString` and
    /// `CallBackTransferMessage`: the CGI text (other dialects: the JSON) and its command.
    fn transfer_reply(&mut self, v: &Value) {
        let cmd = v.get("cmd").and_then(Value::as_i64).unwrap_or(0);
        let text = match v.get("text").and_then(Value::as_str) {
            Some(t) => t.to_owned(),
            None => v.to_string(),
        };
        self.call(Event::new(
            "CallBackTransCMDString",
            vec![("did", self.did()), ("text", Val::Str(text.clone()))],
        ));
        self.call(Event::new(
            "CallBackTransferMessage",
            vec![
                ("did", self.did()),
                ("text", Val::Str(text)),
                ("cmd", Val::Int(cmd)),
            ],
        ));
    }

    fn work(&mut self, w: Work) {
        let did = self.shared.did.clone();
        match w {
            Work::Login(Ok(_)) => {}
            // A refusal arrives as SessionEvent::LoginRefused; a session closed under the
            // login reports its close.
            Work::Login(Err(Error::WrongPassword { .. } | Error::Closed(_))) => {}
            Work::Login(Err(e)) => {
                if !self.shared.stopped() {
                    tracing::warn!(%did, "login failed: {e}");
                    self.set_phase(phase::FAILED);
                    self.status(error_status(&e));
                }
            }
            Work::Record(prefix) => {
                self.finish_recording();
                self.recorder = prefix.map(|p| {
                    let cfg = pppp_serve::RecordConfig::new(p, Duration::ZERO);
                    (pppp_serve::Recorder::new(cfg), std::time::Instant::now())
                });
            }
            Work::Params(Ok(p)) => {
                registry::remember(&did, &p);
                let args = vstc2::status_from_params(&p, &did);
                self.call(layout_event(&vstc2::STATUS_PARAMS, &did, &args));
            }
            Work::Params(Err(e)) => tracing::info!(%did, "parameters failed: {e}"),
            Work::Reply(p, r) => self.reply(p, r),
        }
    }

    fn reply(&mut self, p: Pending, r: pppp::error::Result<Value>) {
        let did = self.shared.did.clone();
        let v = match (p, r) {
            (Pending::Set(kind), r) => {
                let ok = r.is_ok_and(|v| Refusal::check_json(v).is_ok());
                self.call(Event::new(
                    "CallBack_SetSystemParamsResult",
                    vec![
                        ("did", self.did()),
                        ("type", Val::Int(kind.into())),
                        ("result", Val::Int(ok.into())),
                    ],
                ));
                return;
            }
            (p, Err(e)) => {
                tracing::info!(%did, "{p:?} failed: {e}");
                return;
            }
            (p, Ok(v)) => (p, v),
        };
        match v {
            (Pending::Transfer, v) => self.transfer_reply(&v),
            (Pending::Get(getter), v) => self.getter_reply(&getter, &v),
            (Pending::Snapshot, v) => {
                let jpeg = v
                    .get("body_hex")
                    .and_then(Value::as_str)
                    .map(hex_bytes)
                    .unwrap_or_default();
                if !jpeg.is_empty() {
                    let len = jpeg.len() as i64;
                    self.call(Event::new(
                        "CallBack_Snapshot",
                        vec![
                            ("did", self.did()),
                            ("buf", Val::Bytes(jpeg.into())),
                            ("len", Val::Int(len)),
                        ],
                    ));
                }
            }
            (Pending::Quiet(what), v) => {
                if let Err(r) = Refusal::check_json(v) {
                    tracing::info!(%did, "{what}: the camera refused ({})", r.result);
                }
            }
            (Pending::Set(_), _) => {}
        }
    }

    /// A CGI getter's reply: the callbacks of its layouts (and one per Wi-Fi network).
    fn getter_reply(&mut self, getter: &Getter, v: &Value) {
        let did = self.shared.did.clone();
        let empty = serde_json::Map::new();
        let fields = v.get("fields").and_then(Value::as_object).unwrap_or(&empty);
        if getter.cgi == "get_status" {
            // A getter is a CGI request: its reply is read as one.
            registry::remember(&did, &Dialect::Cgi.rules().params(v));
        }
        if getter.wifi_scan {
            for args in vstc2::wifi_scan_results(fields) {
                self.call(layout_event(&vstc2::WIFI_SCAN_RESULT, &did, &args));
            }
        }
        // Layouts of one callback (SDK generations) make one event: the descriptor the app
        // declares picks its values by name.
        let mut events: Vec<Event> = Vec::new();
        for l in getter.layouts {
            let ev = layout_event(l, &did, &l.values(fields));
            match events.iter_mut().find(|e| e.name == ev.name) {
                Some(e) => e.vals.extend(ev.vals),
                None => events.push(ev),
            }
        }
        for ev in events {
            self.call(ev);
        }
    }

    fn frame(&mut self, f: Frame) {
        if let Some((r, _)) = self.recorder.as_mut() {
            if let Err(e) = r.push_video(&f) {
                tracing::warn!(did = %self.shared.did, "recording stopped: {e}");
                self.recorder = None;
            }
        }
        if !self.shared.video_on.load(Ordering::SeqCst) {
            return;
        }
        for ev in self.video.frame(&self.shared.did, f) {
            self.call(ev);
        }
    }

    fn audio(&mut self, f: Frame) {
        if let Some((r, _)) = self.recorder.as_mut() {
            let _ = r.push_audio(&f);
        }
        let Ok(pcm) = f.pcm() else {
            return;
        };
        let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
        let len = bytes.len() as i64;
        self.call(Event::new(
            "AudioData",
            vec![("buf", Val::Bytes(bytes.into())), ("len", Val::Int(len))],
        ));
    }

    fn finish_recording(&mut self) {
        if let Some((r, started)) = self.recorder.take() {
            let did = &self.shared.did;
            match r.finish(started.elapsed()) {
                Ok(s) => tracing::info!(%did, "recorded {:?} and {:?}", s.video_path, s.audio_path),
                Err(e) => tracing::warn!(%did, "recording failed: {e}"),
            }
        }
    }
}

/// The video callbacks' state: the STREAM message sent, and the H.264 decoder.
#[derive(Debug, Default)]
struct VideoState {
    stream_sent: Option<Codec>,
    decoder: Option<H264Decoder>,
}

impl VideoState {
    /// The callbacks of one frame: the STREAM message before the first frame of a codec,
    /// `VideoData` (the JPEG, or the decoded YUV) and `CallBack_H264Data` (the access unit).
    fn frame(&mut self, did: &str, f: Frame) -> Vec<Event> {
        let (w, h) = f.dimensions.unwrap_or((0, 0));
        let stream = match f.codec {
            Codec::Mjpeg => 1,
            Codec::H264 => 0,
            _ => return Vec::new(), // H.265 and others: no VideoData format for them
        };
        let mut out = Vec::new();
        if self.stream_sent != Some(f.codec) {
            self.stream_sent = Some(f.codec);
            out.push(Event::new(
                "PPPPMsgNotify",
                vec![
                    ("did", Val::Str(did.to_owned())),
                    ("type", Val::Int(vstc2::MSG_STREAM.into())),
                    ("param", Val::Int(stream)),
                ],
            ));
            let mut also = out[0].clone();
            also.name = "MessageNotify";
            out.push(also);
        }
        let time = (f.timestamp_ms / 1000) as i64;
        let milli = (f.timestamp_ms % 1000) as i64;
        let (sessid, version) = (f.header.sessid, f.header.version);
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
                ("sessid", Val::Int(sessid.into())),
                ("version", Val::Int(version.into())),
                ("origlen", Val::Int(len)),
            ]
        };
        if f.codec == Codec::Mjpeg {
            out.push(Event::new("VideoData", common(f.data.into(), 0, w, h)));
            return out;
        }
        let raw: Arc<[u8]> = f.data.into();
        let mut raw_vals = common(raw.clone(), 0, w, h);
        raw_vals.push(("type", Val::Int(if f.keyframe { 0 } else { 1 })));
        out.push(Event::new("CallBack_H264Data", raw_vals));
        let dec = match &mut self.decoder {
            Some(d) => d,
            None => match H264Decoder::new() {
                Ok(d) => self.decoder.insert(d),
                Err(e) => {
                    tracing::warn!("{e}");
                    return out;
                }
            },
        };
        match dec.decode(&raw) {
            Ok(Some(p)) => {
                let (pw, ph) = (p.width as u16, p.height as u16);
                out.push(Event::new("VideoData", common(p.yuv.into(), 1, pw, ph)));
            }
            Ok(None) => {}
            Err(e) => tracing::debug!("{e}"),
        }
        out
    }
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}
