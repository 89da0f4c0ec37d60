//! `pppp bench`: many sessions in this process against the multi-camera emulator in another,
//! and what they cost: connect time, CPU per packet, frames lost, frame latency, memory and
//! threads. A benchmark, not a test: it prints figures, it asserts nothing.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::{Condvar, Mutex};
use pppp::client::{Driver, DriverConfig, Session, SessionConfig, SessionEvent};

/// The driver's default idle rest, in microseconds.
const DEFAULT_IDLE_REST_US: u64 = pppp::client::DEFAULT_IDLE_REST.as_micros() as u64;
use pppp::proto::ops::Op;
use pppp::proto::psk::PskChoice;

use crate::common::{seconds, CliError, CliResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sessions (and emulated cameras).
    #[arg(long, default_value_t = 100)]
    sessions: u32,
    /// Seconds of streaming measured (after every session is logged in and streaming).
    #[arg(long, default_value_t = 20.0)]
    seconds: f64,
    /// Frames per second of each camera.
    #[arg(long, default_value_t = 5)]
    fps: u32,
    /// Bytes of each MJPEG frame.
    #[arg(long, default_value_t = 10_000)]
    frame_size: usize,
    /// Picture width of the emulated cameras.
    #[arg(long, default_value_t = 160)]
    width: u16,
    /// Picture height of the emulated cameras.
    #[arg(long, default_value_t = 120)]
    height: u16,
    /// PSK of the emulated cameras.
    #[arg(long, default_value = "camera")]
    psk: String,
    /// No video: measure sessions that only keep alive.
    #[arg(long)]
    idle: bool,
    /// I/O threads of the driver.
    #[arg(long, default_value_t = 1)]
    io_threads: usize,
    /// Coalescing window of the driver in microseconds (0: read at once).
    #[arg(long, default_value_t = 500)]
    coalesce_us: u64,
    /// Timer slack of the driver in microseconds (0: every deadline on time).
    #[arg(long, default_value_t = 2000)]
    timer_slack_us: u64,
    /// Idle rest of the driver in microseconds: how long it rests between reads while every
    /// session only keeps alive (0: never).
    #[arg(long, default_value_t = DEFAULT_IDLE_REST_US)]
    idle_rest_us: u64,
    /// Whether sessions share their I/O thread's socket (0: a socket per session).
    #[arg(long, default_value_t = 1)]
    shared_socket: u8,
    /// Log the sessions in over this many milliseconds, one after another, as cameras that
    /// come online one by one: their keepalives then keep the phases of independent cameras
    /// (a camera's keepalive timer starts at its last exchange).
    #[arg(long, default_value_t = 0)]
    login_spread_ms: u64,
    /// Cameras already running (lines `{"uid":…,"lan_addr":…}` of `pppp camera --count`)
    /// instead of starting the emulator.
    #[arg(long)]
    targets: Option<PathBuf>,
    /// The `pppp` binary that runs the emulator (default: this one).
    #[arg(long)]
    emulator: Option<PathBuf>,
    /// Print the figures as one JSON object.
    #[arg(long)]
    json: bool,
}

/// A camera to connect to.
struct Target {
    uid: String,
    lan: SocketAddr,
}

fn parse_targets(text: &str) -> Result<Vec<Target>, CliError> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)
                .map_err(|e| CliError::msg(format!("bad target line {l:?}: {e}")))?;
            let uid = v["uid"].as_str().unwrap_or_default().to_owned();
            let lan = v["lan_addr"]
                .as_str()
                .and_then(|a| a.parse().ok())
                .ok_or_else(|| CliError::msg(format!("target line without lan_addr: {l}")))?;
            Ok(Target { uid, lan })
        })
        .collect()
}

/// Starts `pppp camera --count N` and reads its N JSON lines.
fn start_emulator(a: &Args) -> Result<(Child, Vec<Target>), CliError> {
    let bin = match &a.emulator {
        Some(b) => b.clone(),
        None => std::env::current_exe()?,
    };
    let total = a.seconds + 120.0;
    let mut child = Command::new(&bin)
        .args(["camera", "--lan-port", "0", "--psk", &a.psk])
        .args(["--count", &a.sessions.to_string()])
        .args(["--fps", &a.fps.to_string()])
        .args(["--frame-size", &a.frame_size.to_string()])
        .args([
            "--width",
            &a.width.to_string(),
            "--height",
            &a.height.to_string(),
        ])
        .args(["--duration", &total.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| CliError::msg(format!("cannot run the emulator {}: {e}", bin.display())))?;
    let out = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(out).lines();
    let mut text = String::new();
    for _ in 0..a.sessions {
        match lines.next() {
            Some(Ok(l)) => {
                text.push_str(&l);
                text.push('\n');
            }
            _ => {
                let _ = child.kill();
                return Err(CliError::msg(
                    "the emulator ended before listing its cameras",
                ));
            }
        }
    }
    Ok((child, parse_targets(&text)?))
}

/// Figures of this process from /proc (Linux).
#[derive(Clone, Copy, Debug, Default)]
struct ProcStat {
    cpu: Duration,
    rss_kib: u64,
    hwm_kib: u64,
    threads: u64,
}

fn proc_stat() -> ProcStat {
    let mut p = ProcStat::default();
    // The process's CPU time to the nanosecond (`/proc/self/stat` counts 10 ms ticks: a 1 %
    // figure over 30 s would be read to ±3 %).
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    p.cpu = Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    );
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines() {
            let num = |l: &str| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            if line.starts_with("VmRSS:") {
                p.rss_kib = num(line);
            } else if line.starts_with("VmHWM:") {
                p.hwm_kib = num(line);
            } else if line.starts_with("Threads:") {
                p.threads = num(line);
            }
        }
    }
    p
}

#[allow(clippy::disallowed_methods)]
fn wall_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

/// Wakes the collector when a session has news, and tells it which: with a thousand
/// sessions, visiting only those that rang keeps the collector's cost per frame constant
/// (as a C or Python application does, one callback per session).
struct Bell {
    rung: Mutex<Vec<usize>>,
    /// Session `i` is in `rung` already.
    queued: Vec<AtomicBool>,
    cond: Condvar,
}

impl Bell {
    fn new(sessions: usize) -> Bell {
        Bell {
            rung: Mutex::new(Vec::with_capacity(sessions)),
            queued: (0..sessions).map(|_| AtomicBool::new(false)).collect(),
            cond: Condvar::new(),
        }
    }

    fn ring(&self, i: usize) {
        if !self.queued[i].swap(true, Ordering::AcqRel) {
            self.rung.lock().push(i);
            self.cond.notify_one();
        }
    }

    /// The sessions that rang since the last call, waiting until `until` for one. A session
    /// is taken off the list before its news is read: news after that rings again.
    fn wait(&self, until: Instant, out: &mut Vec<usize>) {
        out.clear();
        let mut r = self.rung.lock();
        if r.is_empty() {
            let _ = self.cond.wait_until(&mut r, until);
        }
        std::mem::swap(&mut *r, out);
        drop(r);
        for &i in out.iter() {
            self.queued[i].store(false, Ordering::Release);
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn run(a: Args) -> CliResult {
    if a.sessions == 0 {
        return Err(CliError::usage("--sessions must be at least 1"));
    }
    let measure = seconds(a.seconds, "--seconds")?;
    let psk = pppp::client::parse_psk(&a.psk)?;
    let (mut child, targets) = match &a.targets {
        Some(path) => (None, parse_targets(&std::fs::read_to_string(path)?)?),
        None => {
            let (c, t) = start_emulator(&a)?;
            (Some(c), t)
        }
    };
    let result = bench(&a, measure, &psk, &targets);
    if let Some(c) = child.as_mut() {
        let _ = c.kill();
        let _ = c.wait();
    }
    result
}

fn bench(a: &Args, measure: Duration, psk: &PskChoice, targets: &[Target]) -> CliResult {
    let before = proc_stat();
    let driver = Driver::new(DriverConfig {
        io_threads: a.io_threads,
        coalesce: Duration::from_micros(a.coalesce_us),
        timer_slack: Duration::from_micros(a.timer_slack_us),
        idle_rest: Duration::from_micros(a.idle_rest_us),
        shared_socket: a.shared_socket != 0,
        ..DriverConfig::default()
    });
    let bell = Arc::new(Bell::new(targets.len()));
    let t0 = now();
    let mut sessions = Vec::with_capacity(targets.len());
    let mut rung = Vec::with_capacity(targets.len());
    for (i, t) in targets.iter().enumerate() {
        let mut c = SessionConfig::new(t.uid.clone()).host(t.lan.to_string());
        c.broadcast = false;
        c.psk = psk.clone();
        c.connect_timeout = Duration::from_secs(20);
        c.driver = Some(driver.clone());
        let s = Session::start(c)?;
        let b = bell.clone();
        s.set_notify(Some(Arc::new(move || b.ring(i))));
        sessions.push(s);
    }
    // Log in as soon as each session is up; start video once logged in.
    let n = sessions.len();
    let mut logged_in = vec![false; n];
    let mut connected = vec![false; n];
    let mut asked = vec![false; n];
    let spread = Duration::from_millis(a.login_spread_ms);
    // When session `i` may log in.
    let due = |i: usize| t0 + spread.mul_f64(i as f64 / n.max(1) as f64);
    let deadline = t0 + Duration::from_secs(60) + spread;
    while logged_in.iter().any(|l| !l) {
        if now() > deadline {
            let done = logged_in.iter().filter(|l| **l).count();
            return Err(CliError::msg(format!(
                "only {done} of {n} sessions logged in within 60 s"
            )));
        }
        let wake = (0..n)
            .filter(|&i| connected[i] && !asked[i])
            .map(due)
            .min()
            .map_or(Duration::from_millis(100), |t| {
                t.saturating_duration_since(now())
                    .min(Duration::from_millis(100))
            });
        bell.wait(now() + wake, &mut rung);
        for (i, s) in sessions.iter().enumerate() {
            if connected[i] && !asked[i] && now() >= due(i) {
                asked[i] = true;
                s.login_with(Box::new(|_| {}));
            }
            while let Some(ev) = s.try_next_event() {
                match ev {
                    // Logged in by the check above, on the next pass (at once when due).
                    SessionEvent::Connected { .. } => connected[i] = true,
                    SessionEvent::LoggedIn { .. } => logged_in[i] = true,
                    SessionEvent::LoginRefused { .. } => {
                        return Err(CliError::msg("a camera refused the login"))
                    }
                    SessionEvent::Closed(r) => {
                        return Err(CliError::msg(format!("a session closed: {r:?}")))
                    }
                    _ => {}
                }
            }
        }
    }
    let connect_time = now() - t0;
    if !a.idle {
        // Independent cameras do not send their frames at the same instant: start the
        // streams spread over one frame interval (a synchronised burst of N frames would
        // measure the burst, not the latency of a frame).
        let interval = Duration::from_secs(1) / a.fps.max(1);
        let step = interval / n as u32;
        for s in &sessions {
            s.op_with(Op::start_video(1), Box::new(|_| {}));
            std::thread::sleep(step);
        }
    }
    // Warm up: every session delivers a frame (or, idle, a second passes).
    let warm = now() + Duration::from_secs(30);
    let mut got = vec![a.idle; n];
    while got.iter().any(|g| !g) && now() < warm {
        bell.wait(now() + Duration::from_millis(100), &mut rung);
        for (i, s) in sessions.iter().enumerate() {
            while s.try_next_frame().is_some() {
                got[i] = true;
            }
        }
    }
    if a.idle {
        // Counters are refreshed every 5 s for sessions that only keep alive: let every
        // session publish its post-login counters before the first reading.
        std::thread::sleep(Duration::from_secs(6));
    }
    let packets = |sessions: &[Session]| -> u64 {
        sessions
            .iter()
            .map(|s| s.stats().controller.conn.datagrams_received)
            .sum()
    };
    let lost = |sessions: &[Session]| -> u64 {
        sessions
            .iter()
            .map(|s| {
                let st = s.stats();
                st.controller.missing_frames + st.video_dropped
            })
            .sum()
    };
    let (p0, l0, s0) = (packets(&sessions), lost(&sessions), proc_stat());
    let rests0 = driver.idle_rests();
    let start = now();
    let end = start + measure;
    // Latency of each frame, in microseconds: from the arrival of its last datagram (the
    // kernel's receive time) to its hand-over here, and from the emulator's stamp (written
    // before it enciphers and sends the frame) to its hand-over.
    let mut latencies: Vec<u64> = Vec::new();
    let mut camera_latencies: Vec<u64> = Vec::new();
    let mut frames = 0u64;
    let mut last_index: Vec<Option<u32>> = vec![None; n];
    let mut gaps = 0u64;
    while now() < end {
        bell.wait(end, &mut rung);
        for &i in &rung {
            let s = &sessions[i];
            while let Some(f) = s.try_next_frame() {
                let (handed, handed_wall) = (now(), wall_us());
                frames += 1;
                if let Some(at) = f.received_at {
                    latencies.push(handed.saturating_duration_since(at).as_micros() as u64);
                }
                if let Some(stamp) = pppp::sim::jpeg::frame_stamp(&f.data) {
                    camera_latencies.push(handed_wall.saturating_sub(stamp));
                }
                if let Some(prev) = last_index[i] {
                    gaps += u64::from(f.index.wrapping_sub(prev).saturating_sub(1));
                }
                last_index[i] = Some(f.index);
            }
        }
    }
    let elapsed = now() - start;
    let (p1, l1, s1) = (packets(&sessions), lost(&sessions), proc_stat());
    let rests = driver.idle_rests().saturating_sub(rests0);
    let closed = sessions.iter().filter(|s| !s.is_open()).count();
    let threads_open = s1.threads;
    drop(sessions);
    let after = proc_stat();
    latencies.sort_unstable();
    camera_latencies.sort_unstable();
    let ms = |v: &[u64], p: f64| percentile(v, p) as f64 / 1000.0;
    let pkts = p1 - p0;
    let cpu = s1.cpu.saturating_sub(s0.cpu);
    let cpu_share = cpu.as_secs_f64() / elapsed.as_secs_f64();
    let us_per_packet = if pkts > 0 {
        cpu.as_secs_f64() * 1e6 / pkts as f64
    } else {
        0.0
    };
    let lost_frames = (l1 - l0).max(gaps);
    let report = serde_json::json!({
        "client": "Rust pppp bench",
        "sessions": n,
        "idle": a.idle,
        "io_threads": a.io_threads,
        "coalesce_us": a.coalesce_us,
        "timer_slack_us": a.timer_slack_us,
        "idle_rest_us": a.idle_rest_us,
        "idle_rests_per_s": rests as f64 / elapsed.as_secs_f64(),
        "shared_socket": a.shared_socket != 0,
        "login_spread_ms": a.login_spread_ms,
        "connect_s": connect_time.as_secs_f64(),
        "seconds": elapsed.as_secs_f64(),
        "frames": frames,
        "frames_lost": lost_frames,
        "packets": pkts,
        "cpu_s": cpu.as_secs_f64(),
        "cpu_share_of_core": cpu_share,
        "us_per_packet": us_per_packet,
        "latency_p50_ms": ms(&latencies, 0.50),
        "latency_p99_ms": ms(&latencies, 0.99),
        "latency_max_ms": ms(&latencies, 1.0),
        "camera_latency_p50_ms": ms(&camera_latencies, 0.50),
        "camera_latency_p99_ms": ms(&camera_latencies, 0.99),
        "rss_mib": s1.rss_kib as f64 / 1024.0,
        "peak_rss_mib": s1.hwm_kib as f64 / 1024.0,
        "threads": threads_open,
        "threads_before": before.threads,
        "threads_after_close": after.threads,
        "sessions_closed_early": closed,
    });
    if a.json {
        println!("{report}");
    } else {
        println!(
            "{n} sessions{}: connected and logged in in {:.2} s",
            if a.idle { " (idle)" } else { "" },
            connect_time.as_secs_f64()
        );
        println!(
            "over {:.1} s: {frames} frames, {lost_frames} lost, {pkts} packets",
            elapsed.as_secs_f64()
        );
        println!(
            "CPU {:.3} s = {:.1} % of a core, {:.2} µs per packet",
            cpu.as_secs_f64(),
            cpu_share * 100.0,
            us_per_packet
        );
        println!(
            "frame latency p50 {:.3} ms, p99 {:.3} ms (last datagram in -> frame handed over)",
            ms(&latencies, 0.50),
            ms(&latencies, 0.99)
        );
        println!(
            "from the camera: p50 {:.3} ms, p99 {:.3} ms (emulator stamp -> frame handed over)",
            ms(&camera_latencies, 0.50),
            ms(&camera_latencies, 0.99)
        );
        println!(
            "RSS {:.1} MiB (peak {:.1} MiB), threads {} (before {}, after closing {})",
            s1.rss_kib as f64 / 1024.0,
            s1.hwm_kib as f64 / 1024.0,
            threads_open,
            before.threads,
            after.threads
        );
    }
    Ok(())
}
