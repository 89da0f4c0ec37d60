//! `pppp_session`: one camera — connect, log in, commands, video/audio, talk-back, frames by
//! callback or by pull.

use std::ffi::c_char;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pppp::client::{Session, SessionConfig};
use pppp::proto::reconnect::ReconnectPolicy;
use serde_json::Value;

use crate::callback::{pppp_event_closure, pppp_frame_closure, Closure, Deliveries, Stream};
use crate::error::{
    boundary, boundary_value, boundary_with, opt_str_arg, put, slice_arg, str_arg, write_cstr, Fail,
};
use crate::event::{pppp_event, EventBox};
use crate::frame::{self, pppp_frame};
use crate::{owned_cstring, pppp_result};

/// A camera session (opaque). Every function taking a session may be called from any
/// thread, concurrently, except `pppp_session_free`, which must be the last call.
///
/// Functions: `pppp_session_connect`, `pppp_session_start`, `pppp_session_wait_connected`,
/// `pppp_session_next_event`, `pppp_session_set_event_callback`, `pppp_session_login`,
/// `pppp_session_command`, `pppp_session_write`, `pppp_session_talk`,
/// `pppp_session_next_frame`, `pppp_session_next_audio`, `pppp_session_set_frame_callback`,
/// `pppp_session_set_audio_callback`, `pppp_session_get_stats`, `pppp_session_peer`,
/// `pppp_session_is_open`, `pppp_session_close`, `pppp_session_free`; operations (one per
/// entry of pppp's operation table, and the generic `pppp_session_call`):
/// `pppp_session_start_video`, `pppp_session_start_video_stream`, `pppp_session_stop_video`,
/// `pppp_session_start_audio`, `pppp_session_stop_audio`, `pppp_session_ptz`,
/// `pppp_session_ptz_stop`, `pppp_session_ptz_center`, `pppp_session_ptz_preset`,
/// `pppp_session_ptz_goto_preset`, `pppp_session_set_ir`, `pppp_session_toggle_ir`,
/// `pppp_session_set_white_light`, `pppp_session_set_lamp`, `pppp_session_set_flip_mirror`,
/// `pppp_session_params`, `pppp_session_set_params`, `pppp_session_wifi_scan`,
/// `pppp_session_set_wifi`, `pppp_session_reboot`, `pppp_session_set_time`,
/// `pppp_session_sd_info`; raw commands and state: `pppp_session_dialect`,
/// `pppp_session_cgi`, `pppp_session_binary`.
#[derive(Debug)]
pub struct pppp_session {
    _private: [u8; 0],
}

pub(crate) struct SessionBox {
    pub(crate) session: Arc<Session>,
    poisoned: AtomicBool,
    deliveries: Arc<Deliveries>,
}

impl SessionBox {
    /// Identifies this session to the callback threads.
    fn owner(&self) -> usize {
        self as *const SessionBox as usize
    }

    /// True when the calling thread is delivering this session's frames (the call comes from
    /// inside one of its callbacks).
    fn in_callback(&self) -> bool {
        crate::callback::delivering_for(self.owner())
    }
}

/// How to reach and log into a camera. Initialise with `pppp_config_init`, then set `uid`
/// (and whatever else differs from the defaults).
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_config {
    /// The camera's UID, e.g. `"DGOA-123456-ABCDE"` (required).
    pub uid: *const c_char,
    /// The camera's address `"HOST[:PORT]"` (PORT: its LAN-search port, default 32108). NULL:
    /// search the addresses of `PPPP_LAN_TARGETS=host[:port],...` if set, else by broadcast.
    pub host: *const c_char,
    /// Login user (NULL: `"admin"`).
    pub user: *const c_char,
    /// Login password (NULL: `"6666"`).
    pub password: *const c_char,
    /// `"auto"` (NULL: detect it), `"none"`, a known PSK name, or `"custom:<psk>"`.
    pub psk: *const c_char,
    /// Local address to bind, `"IP:PORT"` (NULL: any).
    pub bind: *const c_char,
    /// Search by broadcast when neither `host` nor `PPPP_LAN_TARGETS` gives an address.
    pub broadcast: bool,
    /// How long to search and handshake, in ms (0: 10000).
    pub connect_timeout_ms: u32,
    /// How long a command waits for its reply, in ms (0: 5000).
    pub command_timeout_ms: u32,
    /// Declare the camera dead after this many ms without a packet (0: 8000).
    pub dead_after_ms: u32,
    /// Video frames queued for the consumer before the oldest is dropped (0: 32).
    pub video_queue: u32,
    /// Audio frames queued for the consumer before the oldest is dropped (0: 64).
    pub audio_queue: u32,
    /// The command dialect: `"auto"` (NULL: the UID prefix table, then probing at login),
    /// `"shix"`, `"cgi"` or `"binary"`.
    pub dialect: *const c_char,
    /// The SHIX command numbering: `"vi365"` (NULL), `"hdwificam-pro"` or `"lookcam-pro"`.
    pub family: *const c_char,
    /// Reconnect when the camera is lost after the session was up (log in again, restart
    /// video/audio, frames keep arriving on the same session).
    pub reconnect: bool,
    /// With `reconnect`: give up after this many failed attempts (0: never).
    pub reconnect_max_attempts: u32,
    /// Sample rate of talk-back PCM given to `pppp_session_talk` (0: 8000).
    pub talk_rate: u32,
}

/// Counters of a session.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
#[allow(non_camel_case_types)]
pub struct pppp_session_stats {
    /// Video frames received.
    pub video_frames: u64,
    /// Audio frames received.
    pub audio_frames: u64,
    /// Video frames dropped because the consumer fell behind.
    pub video_dropped: u64,
    /// Audio frames dropped because the consumer fell behind.
    pub audio_dropped: u64,
    /// Retransmissions of our packets.
    pub retransmits: u64,
    /// Datagrams sent.
    pub datagrams_sent: u64,
    /// Datagrams received from the camera.
    pub datagrams_received: u64,
}

/// Fills `*config` with the defaults: no UID, no host (`PPPP_LAN_TARGETS` or broadcast),
/// admin/6666, PSK auto, 10 s to connect, 5 s per command, dead after 8 s.
#[no_mangle]
pub unsafe extern "C" fn pppp_config_init(config: *mut pppp_config) {
    crate::error::boundary_value((), || {
        if config.is_null() {
            return;
        }
        let d = pppp_config {
            uid: std::ptr::null(),
            host: std::ptr::null(),
            user: std::ptr::null(),
            password: std::ptr::null(),
            psk: std::ptr::null(),
            bind: std::ptr::null(),
            broadcast: true,
            connect_timeout_ms: 0,
            command_timeout_ms: 0,
            dead_after_ms: 0,
            video_queue: 0,
            audio_queue: 0,
            dialect: std::ptr::null(),
            family: std::ptr::null(),
            reconnect: false,
            reconnect_max_attempts: 0,
            talk_rate: 0,
        };
        // SAFETY: non-NULL, the caller's struct.
        unsafe { put(config, d) };
    })
}

fn ms(v: u32) -> Option<Duration> {
    (v > 0).then(|| Duration::from_millis(u64::from(v)))
}

/// # Safety
/// `c`'s strings must be NULL or NUL-terminated.
unsafe fn to_config(c: &pppp_config) -> Result<SessionConfig, Fail> {
    // SAFETY: header contract for every string field.
    let uid = unsafe { str_arg(c.uid, "config->uid") }?;
    let mut s = SessionConfig::new(uid);
    // SAFETY: as above.
    let (host, user, password, psk, bind) = unsafe {
        (
            opt_str_arg(c.host, "config->host")?,
            opt_str_arg(c.user, "config->user")?,
            opt_str_arg(c.password, "config->password")?,
            opt_str_arg(c.psk, "config->psk")?,
            opt_str_arg(c.bind, "config->bind")?,
        )
    };
    s.host = host.map(str::to_owned);
    if let Some(u) = user {
        s.user = u.to_owned();
    }
    if let Some(p) = password {
        s.password = p.to_owned();
    }
    if let Some(p) = psk {
        s.psk = pppp::client::parse_psk(p)?;
    }
    if let Some(b) = bind {
        s.bind = Some(b.parse().map_err(|_| {
            Fail::new(
                pppp_result::InvalidAddress,
                format!("config->bind {b:?} is not IP:PORT"),
            )
        })?);
    }
    s.broadcast = c.broadcast;
    if let Some(t) = ms(c.connect_timeout_ms) {
        s.connect_timeout = t;
    }
    if let Some(t) = ms(c.command_timeout_ms) {
        s.command_timeout = t;
    }
    if let Some(t) = ms(c.dead_after_ms) {
        s.dead_after = t;
    }
    if c.video_queue > 0 {
        s.video_queue = c.video_queue as usize;
    }
    if c.audio_queue > 0 {
        s.audio_queue = c.audio_queue as usize;
    }
    // SAFETY: as above.
    let (dialect, family) = unsafe {
        (
            opt_str_arg(c.dialect, "config->dialect")?,
            opt_str_arg(c.family, "config->family")?,
        )
    };
    if let Some(d) = dialect {
        s.dialect = pppp::client::parse_dialect(d)?;
    }
    if let Some(f) = family {
        s.family = pppp::client::parse_family(f)?;
    }
    if c.reconnect {
        let policy = ReconnectPolicy {
            max_attempts: (c.reconnect_max_attempts > 0).then_some(c.reconnect_max_attempts),
            ..ReconnectPolicy::default()
        };
        s.reconnect = Some(policy);
    }
    if c.talk_rate > 0 {
        s.talk_rate = c.talk_rate;
    }
    Ok(s)
}

/// Wraps a core session into a C handle stored in `*out`.
///
/// # Safety
/// `out` must be valid for a write.
unsafe fn give_session(s: Session, out: *mut *mut pppp_session) {
    let deliveries = Deliveries::install(&s);
    let b = Box::new(SessionBox {
        session: Arc::new(s),
        poisoned: AtomicBool::new(false),
        deliveries,
    });
    // SAFETY: per this function's contract.
    unsafe { put(out, Box::into_raw(b).cast::<pppp_session>()) };
}

/// Builds a session from `config` with `open` and stores its handle in `*session`.
fn open_session(
    config: *const pppp_config,
    session: *mut *mut pppp_session,
    open: impl FnOnce(SessionConfig) -> pppp::error::Result<Session>,
) -> pppp_result {
    boundary(|| {
        if config.is_null() {
            return Err(Fail::null("config"));
        }
        if session.is_null() {
            return Err(Fail::null("session"));
        }
        // SAFETY: non-NULL config from the caller (exported functions' contract).
        let cfg = unsafe { to_config(&*config) }?;
        let s = open(cfg)?;
        // SAFETY: checked non-NULL.
        unsafe { give_session(s, session) };
        Ok(())
    })
}

/// Searches for the camera, completes the handshake and stores the connected session in
/// `*session` (not yet logged in: call `pppp_session_login`). Blocks up to the connect
/// timeout. `PPPP_RESULT_OFFLINE` when nothing answered.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_connect(
    config: *const pppp_config,
    session: *mut *mut pppp_session,
) -> pppp_result {
    open_session(config, session, Session::connect)
}

/// Starts the search and handshake and stores the session in `*session` at once, without
/// waiting: only a bad configuration fails here. Progress arrives as events
/// (`pppp_session_next_event` or `pppp_session_set_event_callback`: `CONNECTING`, then
/// `CONNECTED` or `CLOSED`), or wait for it with `pppp_session_wait_connected`. Requests made
/// before the session is up fail with `PPPP_RESULT_CLOSED_LOCAL`. Free it with
/// `pppp_session_free` as any session.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_start(
    config: *const pppp_config,
    session: *mut *mut pppp_session,
) -> pppp_result {
    open_session(config, session, Session::start)
}

/// Waits up to `timeout_ms` for the first connection of a session made by
/// `pppp_session_start` (0: only looks): `PPPP_RESULT_OK` once it is up,
/// `PPPP_RESULT_TIMEOUT` while it is still connecting, else why it failed
/// (`PPPP_RESULT_OFFLINE`, `PPPP_RESULT_TIMEOUT` for a handshake that never completed — the
/// last-error message tells them apart —, `PPPP_RESULT_CLOSED_LOCAL`, ...).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_wait_connected(
    session: *const pppp_session,
    timeout_ms: u32,
) -> pppp_result {
    with_session(session, |sb| {
        let t = Duration::from_millis(u64::from(timeout_ms));
        match sb.session.wait_connected_for(t) {
            Some(r) => Ok(r?),
            None => Err(Fail::new(
                pppp_result::Timeout,
                format!("still connecting after {timeout_ms} ms"),
            )),
        }
    })
}

/// Runs `body` with the session behind `s`, poisoning it if `body` panics. Only called by the
/// exported functions, whose contract (header) is that `s` is NULL or a live session from
/// `pppp_session_connect`.
pub(crate) fn with_session(
    s: *const pppp_session,
    body: impl FnOnce(&SessionBox) -> Result<(), Fail>,
) -> pppp_result {
    if s.is_null() {
        return boundary(|| Err(Fail::null("session")));
    }
    // SAFETY: the exported callers' contract: a live SessionBox.
    let sb = unsafe { &*s.cast::<SessionBox>() };
    boundary_with(
        || sb.poisoned.store(true, Ordering::Release),
        || {
            if sb.poisoned.load(Ordering::Acquire) {
                return Err(Fail::new(
                    pppp_result::Poisoned,
                    "an earlier call on this session panicked; only pppp_session_free works",
                ));
            }
            body(sb)
        },
    )
}

/// Stores `v` as a JSON string in `*out` if `out` is not NULL.
///
/// # Safety
/// `out` must be NULL or writable.
pub(crate) unsafe fn give_json(out: *mut *mut c_char, v: &Value) {
    if !out.is_null() {
        // SAFETY: non-NULL out-pointer from the caller.
        unsafe { put(out, owned_cstring(v.to_string())) };
    }
}

/// Logs in with the configured user and password. `PPPP_RESULT_WRONG_PASSWORD` when refused.
/// When `reply_json` is not NULL it receives the camera's reply as a JSON string (free it with
/// `pppp_string_free`).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_login(
    session: *const pppp_session,
    reply_json: *mut *mut c_char,
) -> pppp_result {
    with_session(session, |sb| {
        let v = sb.session.login()?;
        // SAFETY: header contract for `reply_json`.
        unsafe { give_json(reply_json, &v) };
        Ok(())
    })
}

/// Sends a JSON command (an object such as `{"pro":"get_parms","cmd":101}`; `user`, `pwd` and
/// a missing `cmd` of a known `pro` are filled in) and waits for the reply matched to it. When
/// `reply_json` is not NULL it receives the reply (free it with `pppp_string_free`).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_command(
    session: *const pppp_session,
    json: *const c_char,
    reply_json: *mut *mut c_char,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: header contract for `json`.
        let text = unsafe { str_arg(json, "json") }?;
        let v: Value = serde_json::from_str(text).map_err(|e| {
            Fail::new(
                pppp_result::InvalidCommand,
                format!("the command is not valid JSON: {e}"),
            )
        })?;
        let reply = sb.session.command(v)?;
        // SAFETY: header contract for `reply_json`.
        unsafe { give_json(reply_json, &reply) };
        Ok(())
    })
}

/// Writes raw bytes on DRW channel `channel` (0–7), reliably and in order: for commands in a
/// dialect pppp does not build itself. Returns once they are queued.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_write(
    session: *const pppp_session,
    channel: u8,
    data: *const u8,
    len: usize,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: `data` is valid for `len` bytes (header contract).
        let bytes = unsafe { slice_arg(data, len, "data") }?.to_vec();
        sb.session.write_channel(channel, bytes)?;
        Ok(())
    })
}

/// Sends `samples` samples of 16-bit mono PCM at 8 kHz to the camera's speaker (talk-back:
/// IMA ADPCM on channel 3, paced in real time by the session). Returns once queued;
/// `PPPP_RESULT_BUFFER_FULL` when more than 30 s would be waiting.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_talk(
    session: *const pppp_session,
    pcm: *const i16,
    samples: usize,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: `pcm` is valid for `samples` samples (header contract).
        let s = unsafe { slice_arg(pcm, samples, "pcm") }?;
        sb.session.talk(s)?;
        Ok(())
    })
}

/// `out` must be NULL or writable (the exported callers' contract).
fn next_of(
    session: *const pppp_session,
    stream: Stream,
    timeout_ms: u32,
    out: *mut *mut pppp_frame,
) -> pppp_result {
    with_session(session, |sb| {
        if out.is_null() {
            return Err(Fail::null("frame"));
        }
        if sb.deliveries.is_set(stream) {
            return Err(Fail::new(
                pppp_result::Busy,
                format!("a {stream:?} callback is set: frames go to it, not to next_frame"),
            ));
        }
        let t = Duration::from_millis(u64::from(timeout_ms));
        let f = match stream {
            Stream::Audio => sb.session.next_audio(t)?,
            // (Events have their own pull, `pppp_session_next_event`.)
            Stream::Video | Stream::Events => sb.session.next_frame(t)?,
        };
        match f {
            Some(f) => {
                // SAFETY: checked non-NULL.
                unsafe { put(out, frame::into_raw(f)) };
                Ok(())
            }
            None => Err(Fail::new(
                pppp_result::Timeout,
                format!("no frame within {timeout_ms} ms"),
            )),
        }
    })
}

/// Waits up to `timeout_ms` for the next video frame and stores it in `*frame` (free it with
/// `pppp_frame_free`). `PPPP_RESULT_TIMEOUT` when none came; frames received before the
/// session closed are still returned, then a `PPPP_RESULT_CLOSED_*` code.
/// `PPPP_RESULT_BUSY` while a video callback is set.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_next_frame(
    session: *const pppp_session,
    timeout_ms: u32,
    frame: *mut *mut pppp_frame,
) -> pppp_result {
    next_of(session, Stream::Video, timeout_ms, frame)
}

/// `pppp_session_next_frame` for audio frames.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_next_audio(
    session: *const pppp_session,
    timeout_ms: u32,
    frame: *mut *mut pppp_frame,
) -> pppp_result {
    next_of(session, Stream::Audio, timeout_ms, frame)
}

/// Installs or removes a callback (see `pppp_session_set_frame_callback`).
fn set_callback(session: *const pppp_session, stream: Stream, callback: Closure) -> pppp_result {
    // The closure is owned from here on: dropped (running its `drop`) on every path.
    let mut callback = Some(callback);
    let drop_unused = |c: &mut Option<Closure>| {
        if let Some(c) = c.take() {
            if let (userdata, Some(d)) = c.parts() {
                // SAFETY: the closure was not installed; its drop runs exactly once, here.
                unsafe { d(userdata) };
            }
        }
    };
    let r = with_session(session, |sb| {
        if sb.in_callback() {
            return Err(Fail::new(
                pppp_result::InCallback,
                "a session's callback cannot be changed from inside one of its callbacks",
            ));
        }
        // The old callback's last call has returned and its drop has run after this.
        sb.deliveries.stop(stream);
        let Some(c) = callback.take() else {
            return Ok(());
        };
        if !c.calls() {
            callback = Some(c);
            return Ok(());
        }
        sb.deliveries
            .start(sb.session.clone(), sb.owner(), stream, c);
        Ok(())
    });
    drop_unused(&mut callback);
    r
}

/// Delivers every video frame to `callback.call(frame, userdata)` on one of pppp's callback
/// threads (a small pool shared by all sessions, `PPPP_CALLBACK_THREADS`, default 2; calls of
/// one callback never overlap and keep the frames' order; never while pppp holds a lock the
/// callback could need; `frame` is borrowed for the call, keep it with `pppp_frame_copy`). Replaces the previous video callback: that one's last call has
/// returned and its `drop` has run before this returns. A closure whose `call` is NULL removes
/// the callback (its own `drop`, if any, runs at once). `callback.drop(userdata)` runs exactly
/// once: when the callback is replaced or removed, when the session is freed, or when the
/// session closes (after the last frame). Refused with `PPPP_RESULT_IN_CALLBACK` from inside
/// one of the session's callbacks. When this call fails, the new closure is not installed and
/// its `drop` has run before it returns. While set, `pppp_session_next_frame` returns
/// `PPPP_RESULT_BUSY`.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_frame_callback(
    session: *const pppp_session,
    callback: pppp_frame_closure,
) -> pppp_result {
    set_callback(session, Stream::Video, Closure::Frame(callback))
}

/// `pppp_session_set_frame_callback` for audio frames.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_audio_callback(
    session: *const pppp_session,
    callback: pppp_frame_closure,
) -> pppp_result {
    set_callback(session, Stream::Audio, Closure::Frame(callback))
}

/// Waits up to `timeout_ms` for the session's next event and stores it in `*event` (free it
/// with `pppp_event_free`). `PPPP_RESULT_TIMEOUT` when none came; once the session is
/// finished and its last event (`CLOSED`) was taken, the code of its close
/// (`PPPP_RESULT_CLOSED_*`, `PPPP_RESULT_OFFLINE`, ...). The oldest events are dropped beyond
/// 1024 unread. `PPPP_RESULT_BUSY` while an event callback is set.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_next_event(
    session: *const pppp_session,
    timeout_ms: u32,
    event: *mut *mut pppp_event,
) -> pppp_result {
    with_session(session, |sb| {
        if event.is_null() {
            return Err(Fail::null("event"));
        }
        if sb.deliveries.is_set(Stream::Events) {
            return Err(Fail::new(
                pppp_result::Busy,
                "an event callback is set: events go to it, not to next_event",
            ));
        }
        let s = &sb.session;
        let t = Duration::from_millis(u64::from(timeout_ms));
        match s.next_event(t) {
            Some(e) => {
                // SAFETY: checked non-NULL.
                unsafe { put(event, EventBox::new(&e).into_raw()) };
                Ok(())
            }
            None if s.is_finished() => Err(match s.wait_connected_for(Duration::ZERO) {
                Some(Err(e)) => e.into(),
                _ => Fail::from(
                    s.close_reason()
                        .map_or(pppp::Error::Closed(pppp::error::ClosedBy::Local), |r| {
                            pppp::Error::from_close(r, &s.uid().to_string(), Duration::ZERO)
                        }),
                ),
            }),
            None => Err(Fail::new(
                pppp_result::Timeout,
                format!("no event within {timeout_ms} ms"),
            )),
        }
    })
}

/// Delivers every session event to `callback.call(event, userdata)` on one of pppp's callback
/// threads (the pool of the frame callbacks; calls never overlap and keep the events' order;
/// `event` is borrowed for the call). Replaces the previous event callback (its last call has
/// returned and its `drop` has run before this returns); a closure whose `call` is NULL
/// removes it. `callback.drop(userdata)` runs exactly once: when the callback is replaced or
/// removed, when the session is freed, or after the session's last event (`CLOSED`). Events
/// queued before the call are delivered too. Refused with `PPPP_RESULT_IN_CALLBACK` from
/// inside one of the session's callbacks (the new closure's `drop` then runs before this
/// returns). While set, `pppp_session_next_event` returns `PPPP_RESULT_BUSY`.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_event_callback(
    session: *const pppp_session,
    callback: pppp_event_closure,
) -> pppp_result {
    set_callback(session, Stream::Events, Closure::Event(callback))
}

/// The session's counters.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_get_stats(
    session: *const pppp_session,
    out: *mut pppp_session_stats,
) -> pppp_result {
    with_session(session, |sb| {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        let s = sb.session.stats();
        let c = &s.controller;
        let v = pppp_session_stats {
            video_frames: c.video_frames,
            audio_frames: c.audio_frames,
            video_dropped: s.video_dropped,
            audio_dropped: s.audio_dropped,
            retransmits: s.retransmits(),
            datagrams_sent: c.conn.datagrams_sent,
            datagrams_received: c.conn.datagrams_received,
        };
        // SAFETY: checked non-NULL.
        unsafe { put(out, v) };
        Ok(())
    })
}

/// Writes the camera's session address `"IP:PORT"` into `buf[0..len]`, NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_peer(
    session: *const pppp_session,
    buf: *mut c_char,
    len: usize,
) -> pppp_result {
    with_session(session, |sb| {
        let p = sb.session.peer().map(|a| a.to_string()).unwrap_or_default();
        // SAFETY: the caller's buffer of `len` bytes.
        unsafe { write_cstr(buf, len, &p, "buf") }
    })
}

/// True until the session closes (by `pppp_session_close`, by the camera, or by silence).
/// False for NULL.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_is_open(session: *const pppp_session) -> bool {
    boundary_value(false, || {
        if session.is_null() {
            return false;
        }
        // SAFETY: header contract: a live session.
        let sb = unsafe { &*session.cast::<SessionBox>() };
        sb.session.is_open()
    })
}

/// Closes the session gracefully (up to a second for data still unacknowledged); later calls
/// return `PPPP_RESULT_CLOSED_LOCAL`, frames already received can still be taken. Idempotent.
/// The session must still be freed with `pppp_session_free`.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_close(session: *const pppp_session) -> pppp_result {
    with_session(session, |sb| {
        sb.session.close();
        Ok(())
    })
}

/// Closes and frees the session `*session` and sets `*session` to NULL; accepts NULL and a
/// NULL `*session` (then does nothing). When it returns, no callback of the session runs any
/// more and every callback's `drop` has run exactly once. Refused with
/// `PPPP_RESULT_IN_CALLBACK` (nothing freed) when called from inside one of the session's
/// callbacks.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_free(session: *mut *mut pppp_session) -> pppp_result {
    boundary(|| {
        if session.is_null() {
            return Ok(());
        }
        // SAFETY: the caller's handle slot.
        let p = unsafe { *session };
        if p.is_null() {
            return Ok(());
        }
        // SAFETY: a live SessionBox made by `pppp_session_connect`.
        let sb = unsafe { &*p.cast::<SessionBox>() };
        if sb.in_callback() {
            return Err(Fail::new(
                pppp_result::InCallback,
                "pppp_session_free was called from inside the session's own callback; call it \
                 from another thread",
            ));
        }
        // SAFETY: the caller's handle slot; from now on the handle is ours.
        unsafe { *session = std::ptr::null_mut() };
        // SAFETY: made by `Box::into_raw` in `pppp_session_connect`; nobody else frees it.
        let b = unsafe { Box::from_raw(p.cast::<SessionBox>()) };
        b.deliveries.stop_all();
        b.session.set_notify(None);
        b.session.close();
        drop(b);
        Ok(())
    })
}
