//! `pppp serve`: share one camera session over HTTP (MJPEG, snapshot, WAV, status page).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pppp_serve::{MediaServer, ServeConfig};

use crate::common::{interrupted, is_set, seconds, CliError, CliResult, ConnectArgs};
use crate::media::{connect, AudioRateArg, ResolutionArg};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    conn: ConnectArgs,
    /// Address and port to serve HTTP on (0.0.0.0:8080 to be reachable from the LAN).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    video: ResolutionArg,
    /// Do not start the camera's audio (/audio.wav then answers 503).
    #[arg(long)]
    no_audio: bool,
    #[command(flatten)]
    rate: AudioRateArg,
    /// Frames buffered per HTTP client; a client further behind misses frames.
    #[arg(long, default_value_t = 8)]
    client_queue: usize,
    /// Close instead of reconnecting when the camera is lost.
    #[arg(long)]
    no_reconnect: bool,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long)]
    duration: Option<f64>,
    /// Let web pages of this one origin read the streams and the status
    /// (Access-Control-Allow-Origin), such as https://home.example:8123. Default: none may.
    #[arg(long, value_name = "ORIGIN")]
    cors: Option<String>,
    /// Also answer requests addressed to this host name (repeatable); others than the listen
    /// address and localhost get 403.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_host: Vec<String>,
    /// Require HTTP Basic authentication with these credentials.
    #[arg(long, value_name = "USER:PASSWORD")]
    auth: Option<String>,
}

pub fn run(a: Args) -> CliResult {
    let listen: SocketAddr = a.listen.parse().map_err(|_| {
        CliError::usage(format!(
            "--listen must be IP:PORT such as 127.0.0.1:8080 or 0.0.0.0:8080, not {:?}",
            a.listen
        ))
    })?;
    if a.client_queue == 0 {
        return Err(CliError::usage("--client-queue must be at least 1"));
    }
    let (profile, measure) = a.rate.profile()?;
    let duration = a.duration.map(|d| seconds(d, "--duration")).transpose()?;
    let mut cfg = ServeConfig::new(listen);
    cfg.video = Some(a.video.resolution);
    cfg.audio_on = !a.no_audio;
    cfg.audio = profile;
    cfg.measure_audio_rate = measure;
    cfg.client_queue = a.client_queue;
    cfg.cors = a.cors;
    cfg.allow_hosts = a.allow_host;
    cfg.auth = a
        .auth
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| CliError::usage(format!("--auth: {e}")))?;
    cfg.validate().map_err(|e| CliError::usage(e.to_string()))?;
    if let Some(warning) = cfg.exposure_warning() {
        eprintln!("pppp: warning: {warning}; add --auth USER:PASSWORD");
    }
    let session = Arc::new(connect(&a.conn, !a.no_reconnect)?);
    let mut server = MediaServer::start(session.clone(), cfg).map_err(|e| match e {
        pppp_serve::ServeError::Camera(e) => CliError::from(e),
        e => CliError::msg(e.to_string()),
    })?;
    let base = format!("http://{}", server.local_addr());
    println!(
        "serving {} ({}) at {base}/\n  video  {base}/video.mjpeg   snapshot {base}/snapshot.jpg\n  audio  {base}/audio.wav     status   {base}/status.json",
        session.uid(),
        session.peer().map(|p| p.to_string()).unwrap_or_default()
    );
    let stop = interrupted();
    let started = Instant::now();
    let mut last = started;
    while !is_set(&stop) && duration.is_none_or(|d| started.elapsed() < d) {
        std::thread::sleep(Duration::from_millis(100));
        if last.elapsed() >= Duration::from_secs(10) {
            last = Instant::now();
            let s = server.stats();
            let st = server.status();
            println!(
                "{} · video {} frames ({} fps) · audio {} frames · clients {} video / {} audio · {} frames dropped for slow clients",
                st["state"].as_str().unwrap_or("?"),
                s.video_frames,
                st["video"]["per_second"],
                s.audio_frames,
                s.video_clients,
                s.audio_clients,
                s.client_drops
            );
        }
        if !session.is_open() {
            break;
        }
    }
    server.stop();
    let reason = session.close_reason();
    session.close();
    match reason {
        Some(r) if r != pppp::proto::conn::CloseReason::Local => Err(CliError::from(
            pppp::Error::from_close(r, &session.uid().to_string(), Duration::from_secs(10)),
        )),
        _ => Ok(()),
    }
}
