//! The HTTP server (tiny_http): one camera session shared by any number of clients.
//!
//! | path | what |
//! |---|---|
//! | `/` | status page: the live picture and session statistics |
//! | `/video.mjpeg` | `multipart/x-mixed-replace` MJPEG stream (browsers, go2rtc, Frigate, ffmpeg, VLC) |
//! | `/snapshot.jpg` | the latest JPEG |
//! | `/video.h264`, `/video.h265` | raw Annex-B stream from the next key frame (H.264/H.265 cameras) |
//! | `/audio.wav` | endless 16-bit mono WAV of the camera's microphone |
//! | `/status.json` | the statistics the status page shows |
//!
//! Streaming responses are written straight to the socket (no chunked encoding, `Connection:
//! close`), which every MJPEG consumer understands. A client that disconnects mid-frame makes
//! its write fail; its handler ends and unsubscribes, nothing else notices.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use pppp::client::Session;
use pppp::media::AudioProfile;
use pppp::proto::av::Codec;
use serde_json::json;

use crate::hub::{self, Hub};

/// The multipart boundary of `/video.mjpeg`.
pub const BOUNDARY: &str = "ppppframe";

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Frames buffered per client before that client starts missing frames.
    pub client_queue: usize,
    /// Concurrent streaming clients accepted (more get 503).
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
}

impl ServeConfig {
    /// Defaults: video at resolution 1 and audio on, 8 frames per client, 32 clients.
    pub fn new(listen: SocketAddr) -> Self {
        ServeConfig {
            listen,
            client_queue: 8,
            max_clients: 32,
            audio: AudioProfile::default(),
            measure_audio_rate: true,
            video: Some(1),
            audio_on: true,
            first_frame_timeout: Duration::from_secs(10),
        }
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
    /// The camera refused to start video.
    #[error(transparent)]
    Camera(#[from] pppp::Error),
    /// A thread could not be started.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Counters of a [`MediaServer`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServeStats {
    /// Video frames received from the camera.
    pub video_frames: u64,
    /// Audio frames received from the camera.
    pub audio_frames: u64,
    /// Clients streaming video now.
    pub video_clients: usize,
    /// Clients streaming audio now.
    pub audio_clients: usize,
    /// Streaming clients served since the start.
    pub clients_served: u64,
    /// Frames dropped for clients that fell behind.
    pub client_drops: u64,
}

/// A running HTTP server for one camera session. Dropping it stops it (the session stays
/// open: it is shared).
pub struct MediaServer {
    addr: SocketAddr,
    hub: Arc<Hub>,
    server: Arc<tiny_http::Server>,
    threads: Vec<JoinHandle<()>>,
    handlers: Arc<Mutex<Vec<JoinHandle<()>>>>,
    session: Arc<Session>,
}

impl std::fmt::Debug for MediaServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaServer")
            .field("addr", &self.addr)
            .finish()
    }
}

struct Ctx {
    hub: Arc<Hub>,
    session: Arc<Session>,
    config: ServeConfig,
}

impl MediaServer {
    /// Starts video/audio on `session` (as configured) and serves it on `config.listen`.
    /// The server consumes the session's frames and events (do not read them elsewhere).
    pub fn start(session: Arc<Session>, config: ServeConfig) -> Result<MediaServer, ServeError> {
        let server = tiny_http::Server::http(config.listen).map_err(|e| ServeError::Listen {
            addr: config.listen,
            reason: e.to_string(),
        })?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| ServeError::Listen {
                addr: config.listen,
                reason: "not an IP listener".into(),
            })?;
        if let Some(res) = config.video {
            session.start_video_with(res)?;
        }
        if config.audio_on {
            if let Err(e) = session.start_audio() {
                tracing::warn!("the camera did not start audio: {e}");
            }
        }
        let hub = Hub::new(config.client_queue);
        let mut threads =
            hub::start_pumps(&hub, &session, config.audio, config.measure_audio_rate)?;
        let server = Arc::new(server);
        let handlers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let ctx = Arc::new(Ctx {
            hub: hub.clone(),
            session: session.clone(),
            config,
        });
        {
            let (server, handlers) = (server.clone(), handlers.clone());
            threads.push(
                std::thread::Builder::new()
                    .name("pppp-serve-http".into())
                    .spawn(move || accept_loop(&server, &ctx, &handlers))?,
            );
        }
        tracing::info!(%addr, "serving");
        Ok(MediaServer {
            addr,
            hub,
            server,
            threads,
            handlers,
            session,
        })
    }

    /// The address actually listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The session being served.
    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// Counters.
    pub fn stats(&self) -> ServeStats {
        let (video_clients, audio_clients) = self.hub.clients();
        let s = self.hub.state.lock();
        ServeStats {
            video_frames: s.video.frames,
            audio_frames: s.audio.frames,
            video_clients,
            audio_clients,
            clients_served: self.hub.clients_served.load(Ordering::Relaxed),
            client_drops: self.hub.client_drops.load(Ordering::Relaxed),
        }
    }

    /// The JSON of `/status.json`.
    pub fn status(&self) -> serde_json::Value {
        status_json(&self.hub, &self.session)
    }

    /// Stops serving: closes the listener, ends every client and joins the threads.
    pub fn stop(&mut self) {
        self.hub.stop.store(true, Ordering::Relaxed);
        self.hub.arrived.notify_all();
        self.server.unblock();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        let handlers: Vec<_> = self.handlers.lock().drain(..).collect();
        for t in handlers {
            let _ = t.join();
        }
    }
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(
    server: &tiny_http::Server,
    ctx: &Arc<Ctx>,
    handlers: &Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    loop {
        let rq = match server.recv() {
            Ok(rq) => rq,
            Err(e) => {
                if !ctx.hub.stopped() {
                    tracing::warn!("accept failed: {e}");
                }
                return;
            }
        };
        if ctx.hub.stopped() {
            return;
        }
        let mut hs = handlers.lock();
        hs.retain(|h| !h.is_finished());
        if hs.len() >= ctx.config.max_clients {
            drop(hs);
            let _ = rq.respond(text(503, "too many clients\n"));
            continue;
        }
        let ctx = ctx.clone();
        match std::thread::Builder::new()
            .name("pppp-serve-client".into())
            .spawn(move || handle(&ctx, rq))
        {
            Ok(h) => hs.push(h),
            Err(e) => tracing::warn!("cannot start a client thread: {e}"),
        }
    }
}

type Resp = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn header(k: &str, v: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header")
}

fn text(code: u16, body: &str) -> Resp {
    tiny_http::Response::from_string(body)
        .with_status_code(code)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

fn handle(ctx: &Ctx, rq: tiny_http::Request) {
    let path = rq.url().split('?').next().unwrap_or("/").to_owned();
    if !matches!(
        rq.method(),
        tiny_http::Method::Get | tiny_http::Method::Head
    ) {
        let _ = rq.respond(text(405, "only GET\n"));
        return;
    }
    let result = match path.as_str() {
        "/" | "/index.html" => rq.respond(
            tiny_http::Response::from_string(PAGE)
                .with_header(header("Content-Type", "text/html; charset=utf-8"))
                .with_header(header("Cache-Control", "no-cache")),
        ),
        "/status.json" => rq.respond(
            tiny_http::Response::from_string(status_json(&ctx.hub, &ctx.session).to_string())
                .with_header(header("Content-Type", "application/json"))
                .with_header(header("Cache-Control", "no-cache"))
                .with_header(header("Access-Control-Allow-Origin", "*")),
        ),
        "/snapshot.jpg" | "/snapshot.jpeg" => snapshot(ctx, rq),
        "/video.mjpeg" | "/video.mjpg" | "/mjpeg" => mjpeg(ctx, rq),
        "/video.h264" => annexb(ctx, rq, Codec::H264),
        "/video.h265" => annexb(ctx, rq, Codec::H265),
        "/audio.wav" => wav(ctx, rq),
        _ => rq.respond(text(
            404,
            "not found; try /, /video.mjpeg, /snapshot.jpg, /audio.wav, /status.json\n",
        )),
    };
    if let Err(e) = result {
        // The client went away: nothing to do.
        tracing::debug!(%path, "client: {e}");
    }
}

fn snapshot(ctx: &Ctx, rq: tiny_http::Request) -> std::io::Result<()> {
    let got = ctx.hub.wait_for(ctx.config.first_frame_timeout, |s| {
        s.latest_jpeg.is_some() || s.video.codec.is_some_and(|c| c != Codec::Mjpeg)
    });
    let (jpeg, codec) = {
        let s = ctx.hub.state.lock();
        (s.latest_jpeg.clone(), s.video.codec)
    };
    match jpeg {
        Some(f) => rq.respond(
            tiny_http::Response::from_data(f.data.clone())
                .with_header(header("Content-Type", "image/jpeg"))
                .with_header(header("Cache-Control", "no-cache")),
        ),
        None if got => rq.respond(text(
            415,
            &format!(
                "the camera streams {}, not JPEG: use /video.{}\n",
                codec.map_or("video", |c| c.name()),
                codec.map_or("h264", |c| c.name())
            ),
        )),
        None => rq.respond(text(503, "no picture from the camera yet\n")),
    }
}

/// Writes the status line and headers of a streaming response.
fn stream_head(w: &mut dyn Write, content_type: &str) -> std::io::Result<()> {
    write!(
        w,
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nCache-Control: no-cache, no-store\r\nPragma: no-cache\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n"
    )?;
    w.flush()
}

fn mjpeg(ctx: &Ctx, rq: tiny_http::Request) -> std::io::Result<()> {
    let sub = ctx.hub.subscribe_video();
    let latest = ctx.hub.state.lock().latest_jpeg.clone();
    let codec = ctx.hub.state.lock().video.codec;
    if codec.is_some_and(|c| c != Codec::Mjpeg) {
        drop(sub);
        return rq.respond(text(
            415,
            "the camera does not stream MJPEG; use /video.h264 or /video.h265\n",
        ));
    }
    let mut w = rq.into_writer();
    stream_head(
        &mut *w,
        &format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
    )?;
    let part = |w: &mut dyn Write, data: &[u8]| -> std::io::Result<()> {
        write!(
            w,
            "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
            data.len()
        )?;
        w.write_all(data)?;
        w.write_all(b"\r\n")?;
        w.flush()
    };
    // Start with the latest picture so the client shows something at once.
    if let Some(f) = latest {
        part(&mut *w, &f.data)?;
    }
    while !ctx.hub.stopped() {
        match sub.rx.recv_timeout(Duration::from_millis(500)) {
            Ok(item) if item.frame.codec == Codec::Mjpeg => part(&mut *w, &item.frame.data)?,
            Ok(_) => return Ok(()), // the stream changed codec
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                if ctx.hub.state.lock().state == "closed" {
                    return Ok(());
                }
            }
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

fn annexb(ctx: &Ctx, rq: tiny_http::Request, want: Codec) -> std::io::Result<()> {
    let sub = ctx.hub.subscribe_video();
    let codec = ctx.hub.state.lock().video.codec;
    if codec.is_some_and(|c| c != want) {
        drop(sub);
        return rq.respond(text(
            415,
            &format!(
                "the camera streams {}, not {}\n",
                codec.map_or("?", |c| c.name()),
                want.name()
            ),
        ));
    }
    let mut w = rq.into_writer();
    stream_head(
        &mut *w,
        if want == Codec::H264 {
            "video/h264"
        } else {
            "video/h265"
        },
    )?;
    // Wait for a key frame, and again after missing frames (a slow client): P frames
    // without their reference would only show garbage.
    let mut last: Option<u64> = None;
    let mut synced = false;
    while !ctx.hub.stopped() {
        match sub.rx.recv_timeout(Duration::from_millis(500)) {
            Ok(item) => {
                if last.is_some_and(|l| item.seq != l + 1) {
                    synced = false;
                }
                last = Some(item.seq);
                if item.frame.codec != want {
                    return Ok(());
                }
                synced |= item.frame.keyframe;
                if synced {
                    w.write_all(&item.frame.data)?;
                    w.flush()?;
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                if ctx.hub.state.lock().state == "closed" {
                    return Ok(());
                }
            }
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

fn wav(ctx: &Ctx, rq: tiny_http::Request) -> std::io::Result<()> {
    let sub = ctx.hub.subscribe_audio();
    // The header needs the sample rate: wait for the first chunk.
    let first = loop {
        match sub.rx.recv_timeout(Duration::from_millis(200)) {
            Ok(c) => break Some(c),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                if ctx.hub.stopped()
                    || ctx.hub.started.elapsed() > ctx.config.first_frame_timeout
                        && ctx.hub.state.lock().audio.frames == 0
                {
                    break None;
                }
            }
            Err(_) => break None,
        }
    };
    let Some(first) = first else {
        drop(sub);
        return rq.respond(text(503, "no audio from the camera\n"));
    };
    let rate = first.rate;
    let mut w = rq.into_writer();
    stream_head(&mut *w, "audio/wav")?;
    w.write_all(&crate::wav::stream_header(rate))?;
    let mut buf = Vec::new();
    let mut chunk = Some(first);
    let started = Instant::now();
    while !ctx.hub.stopped() {
        if let Some(c) = chunk.take() {
            buf.clear();
            for s in c.samples.iter() {
                buf.extend_from_slice(&s.to_le_bytes());
            }
            w.write_all(&buf)?;
            w.flush()?;
        }
        match sub.rx.recv_timeout(Duration::from_millis(500)) {
            Ok(c) => chunk = Some(c),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                if ctx.hub.state.lock().state == "closed" && started.elapsed() > Duration::ZERO {
                    return Ok(());
                }
            }
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

pub(crate) fn status_json(hub: &Hub, session: &Session) -> serde_json::Value {
    let (video_clients, audio_clients) = hub.clients();
    let st = session.stats();
    let s = hub.state.lock();
    let now = Instant::now();
    let media = |m: &hub::MediaStats| {
        json!({
            "codec": m.codec.map(|c| c.name()),
            "frames": m.frames,
            "bytes": m.bytes,
            "per_second": (m.per_second() * 10.0).round() / 10.0,
            "last_index": m.last_index,
            "width": m.size.map(|s| s.0),
            "height": m.size.map(|s| s.1),
            "keyframes": m.keyframes,
            "sample_rate": m.rate,
        })
    };
    json!({
        "uid": session.uid().to_string(),
        "peer": session.peer().map(|p| p.to_string()),
        "psk": session.cipher().map(|c| c.to_string()),
        "state": s.state,
        "error": s.error,
        "uptime_s": (hub.started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        "video": media(&s.video),
        "audio": media(&s.audio),
        "clients": {
            "video": video_clients,
            "audio": audio_clients,
            "served": hub.clients_served.load(Ordering::Relaxed),
            "frames_dropped": hub.client_drops.load(Ordering::Relaxed),
        },
        "session": {
            "retransmits": st.retransmits(),
            "missing_frames": st.controller.missing_frames,
            "video_dropped": st.video_dropped,
            "audio_dropped": st.audio_dropped,
            "reconnects": st.reconnects,
        },
        "events": s.events.iter().map(|(t, e)| json!({
            "ago_s": (now.duration_since(*t).as_secs_f64() * 10.0).round() / 10.0,
            "event": e,
        })).collect::<Vec<_>>(),
    })
}

/// The status page: the live picture (the MJPEG stream in an `<img>`) and the statistics of
/// `/status.json`, refreshed every second.
pub const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pppp camera</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 1.5em; background: #f6f6f6; color: #222; }
 h1 { font-size: 1.3em; margin: 0 0 .6em 0; }
 #live { max-width: 100%; background: #000; min-width: 320px; min-height: 180px; display: block; }
 table { border-collapse: collapse; margin-top: 1em; }
 td { padding: .15em .8em .15em 0; vertical-align: top; }
 td:first-child { color: #666; }
 .state-connected { color: #080; } .state-reconnecting { color: #b60; } .state-closed { color: #b00; }
 ul { margin: .3em 0; padding-left: 1.2em; color: #555; }
 a { color: #05a; }
</style>
</head>
<body>
<h1>pppp — <span id="uid">camera</span> <small id="state"></small></h1>
<img id="live" src="/video.mjpeg" alt="live picture">
<table id="stats">
 <tr><td>video</td><td id="video">waiting for frames…</td></tr>
 <tr><td>audio</td><td id="audio">–</td></tr>
 <tr><td>clients</td><td id="clients">–</td></tr>
 <tr><td>session</td><td id="session">–</td></tr>
 <tr><td>events</td><td><ul id="events"></ul></td></tr>
</table>
<p><a href="/snapshot.jpg">snapshot</a> · <a href="/video.mjpeg">MJPEG stream</a> ·
<a href="/audio.wav">audio (WAV)</a> · <a href="/status.json">status.json</a></p>
<script>
"use strict";
function show(id, text) { document.getElementById(id).textContent = text; }
async function refresh() {
  try {
    const r = await fetch("/status.json", {cache: "no-store"});
    const s = await r.json();
    show("uid", s.uid);
    const st = document.getElementById("state");
    st.textContent = s.state + (s.peer ? " · " + s.peer : "") + (s.psk ? " · PSK " + s.psk : "");
    st.className = "state-" + s.state;
    const v = s.video;
    show("video", v.frames ? `${v.codec} ${v.width || "?"}×${v.height || "?"} · ${v.per_second} fps · ${v.frames} frames · frame #${v.last_index}` : "waiting for frames…");
    const a = s.audio;
    show("audio", a.frames ? `${a.codec} · ${a.sample_rate} Hz · ${a.frames} frames` : "none");
    show("clients", `${s.clients.video} video, ${s.clients.audio} audio · ${s.clients.served} served · ${s.clients.frames_dropped} frames dropped for slow clients`);
    show("session", `${s.session.retransmits} retransmits · ${s.session.missing_frames} missing frames · ${s.session.reconnects} reconnects · up ${s.uptime_s} s`);
    const ul = document.getElementById("events");
    ul.replaceChildren(...s.events.slice(-6).map(e => { const li = document.createElement("li"); li.textContent = `${e.ago_s} s ago: ${e.event}`; return li; }));
    document.body.dataset.frames = String(v.frames);
  } catch (e) { show("video", "status unavailable: " + e); }
}
const live = document.getElementById("live");
live.addEventListener("load", () => { document.body.dataset.live = "1"; });
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
"#;
