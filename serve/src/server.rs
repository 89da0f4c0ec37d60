//! The HTTP server: hyper 1.x on one tokio thread, one camera session shared by every client.
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
//! Limits, from hyper where it has them: request headers beyond 8 KiB or 64 fields get 431,
//! headers must arrive within the header timeout (which also closes idle connections), a
//! write blocked for the write timeout drops the client ([`crate::conns`]), the connection
//! cap evicts the most stalled connection, and each client's backlog is bounded in bytes
//! ([`crate::mailbox`]). Everything runs as tasks of one runtime, so [`MediaServer::stop`]
//! ends them all at once whatever the clients do.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use pppp::client::Session;
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use crate::access::Access;
use crate::conns::{Conns, WriteGuard};
use crate::hub::{self, Hub};
use crate::{routes, status, ServeConfig, ServeError};

/// The multipart boundary of `/video.mjpeg`.
pub const BOUNDARY: &str = "ppppframe";

/// Request headers (start line included) beyond this get 431.
const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Request header fields beyond this many get 431.
const MAX_HEADERS: usize = 64;
/// hyper's read and write buffer per connection.
const MAX_BUF: usize = 64 * 1024;

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
    /// HTTP connections open now.
    pub connections: usize,
    /// Connections whose writes are blocked now (the client does not read).
    pub stalled_clients: usize,
    /// Connections evicted to admit new ones at the connection cap.
    pub evictions: u64,
    /// Connections closed by the header or the write timeout.
    pub timeouts: u64,
}

/// A running HTTP server for one camera session. Dropping it stops it (the session stays
/// open: it is shared).
pub struct MediaServer {
    addr: SocketAddr,
    hub: Arc<Hub>,
    conns: Arc<Conns>,
    session: Arc<Session>,
    shutdown: Option<oneshot::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for MediaServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaServer")
            .field("addr", &self.addr)
            .finish()
    }
}

/// What every request handler shares.
pub(crate) struct Ctx {
    pub(crate) hub: Arc<Hub>,
    pub(crate) session: Arc<Session>,
    pub(crate) config: ServeConfig,
    pub(crate) access: Access,
    pub(crate) conns: Arc<Conns>,
}

impl MediaServer {
    /// Starts video/audio on `session` (as configured) and serves it on `config.listen`.
    /// The server consumes the session's frames and events (do not read them elsewhere).
    /// Logs [`ServeConfig::exposure_warning`] when there is one.
    pub fn start(session: Arc<Session>, config: ServeConfig) -> Result<MediaServer, ServeError> {
        config.validate()?;
        let listen_error = |e: std::io::Error| ServeError::Listen {
            addr: config.listen,
            reason: e.to_string(),
        };
        let listener = std::net::TcpListener::bind(config.listen).map_err(listen_error)?;
        let addr = listener.local_addr().map_err(listen_error)?;
        listener.set_nonblocking(true).map_err(listen_error)?;
        let access = config.access(addr)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        if let Some(warning) = config.exposure_warning() {
            tracing::warn!("{warning}");
        }
        if let Some(res) = config.video {
            session.start_video_with(res)?;
        }
        if config.audio_on {
            if let Err(e) = session.start_audio() {
                tracing::warn!("the camera did not start audio: {e}");
            }
        }
        let hub = Hub::new(config.client_queue, config.client_bytes);
        let conns = Conns::new(config.max_clients);
        let mut server = MediaServer {
            addr,
            hub: hub.clone(),
            conns: conns.clone(),
            session: session.clone(),
            shutdown: None,
            threads: Vec::new(),
        };
        // From here on, dropping `server` on an error stops what was started.
        server.threads = hub::start_pumps(&hub, &session, config.audio, config.measure_audio_rate)?;
        let ctx = Arc::new(Ctx {
            hub,
            session,
            config,
            access,
            conns,
        });
        let (tx, rx) = oneshot::channel();
        server.shutdown = Some(tx);
        server.threads.push(
            std::thread::Builder::new()
                .name("pppp-serve-http".into())
                .spawn(move || {
                    runtime.block_on(accept_loop(listener, ctx, rx));
                    // Dropping the runtime drops every connection's task: all sockets close.
                    drop(runtime);
                })?,
        );
        tracing::info!(%addr, "serving");
        Ok(server)
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
        let (connections, stalled_clients) = self.conns.counts();
        let s = self.hub.state.lock();
        ServeStats {
            video_frames: s.video.frames,
            audio_frames: s.audio.frames,
            video_clients,
            audio_clients,
            clients_served: self.hub.clients_served.load(Ordering::Relaxed),
            client_drops: self.hub.client_drops.load(Ordering::Relaxed),
            connections,
            stalled_clients,
            evictions: self.conns.evictions.load(Ordering::Relaxed),
            timeouts: self.conns.timeouts.load(Ordering::Relaxed),
        }
    }

    /// The JSON of `/status.json`.
    pub fn status(&self) -> serde_json::Value {
        status::json(&self.hub, &self.conns, &self.session)
    }

    /// Stops serving: closes the listener and every connection, and joins the threads.
    /// Returns promptly whatever the clients do (the camera pumps notice within 200 ms).
    pub fn stop(&mut self) {
        self.hub.shut();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept_loop(
    listener: std::net::TcpListener,
    ctx: Arc<Ctx>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("cannot listen: {e}");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    tokio::spawn(serve_connection(ctx.clone(), tcp));
                }
                Err(e) => {
                    // Out of file descriptors, typically: wait a little instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::select! {
                        _ = &mut shutdown => return,
                        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                }
            },
        }
    }
}

async fn serve_connection(ctx: Arc<Ctx>, tcp: TcpStream) {
    let registered = ctx.conns.admit();
    let info = registered.info.clone();
    let _ = tcp.set_nodelay(true);
    let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(ctx.config.send_buffer);
    let io = TokioIo::new(WriteGuard::new(tcp, ctx.config.write_timeout, info.clone()));
    let service = {
        let (ctx, info) = (ctx.clone(), info.clone());
        service_fn(move |req| routes::handle(ctx.clone(), info.clone(), req))
    };
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(ctx.config.header_timeout)
        .max_header_size(MAX_HEADER_BYTES)
        .max_headers(MAX_HEADERS)
        .max_buf_size(MAX_BUF)
        .serve_connection(io, service);
    tokio::select! {
        done = conn => if let Err(e) = done {
            if e.is_timeout() || info.write_timed_out() {
                ctx.conns.timeouts.fetch_add(1, Ordering::Relaxed);
            }
            tracing::debug!("connection: {e}");
        },
        _ = info.evicted.notified() => {}
    }
    drop(registered);
}
