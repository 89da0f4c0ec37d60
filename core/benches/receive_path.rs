//! The client's receive path: DRW packets received, acknowledged and reassembled into video
//! frames, measured three ways.
//!
//! * `receive_path/loopback_session` — the real client ([`pppp::client::Session`], its I/O
//!   thread and UDP socket) against the emulator [`FakeCamera`] running on two real UDP sockets
//!   bound to 127.0.0.1 in a background thread. Everything stays on the loopback interface;
//!   nothing is broadcast.
//! * `receive_path/sim_end_to_end` — a [`Controller`] and a [`FakeCamera`] in the simulator
//!   [`Network`] (no sockets, virtual time): the CPU cost of one frame on both sides, including
//!   the camera's JPEG encoding.
//! * `receive_path/controller_replay` — the camera→controller datagrams of a simulated stream,
//!   recorded once and replayed into a fresh [`Controller`]: the controller's own CPU cost per
//!   packet and per frame, nothing else.
//!
//! Each variant prints a `summary:` line with packets/s and MB/s computed from the controller's
//! counters (`stats().conn.recv[1]`). See `benches/README.md` at the repository root.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use pppp::client::{Session, SessionConfig};
use pppp::proto::conn::ConnConfig;
use pppp::proto::controller::{Controller, ControllerConfig, ControllerStats, Event};
use pppp::proto::psk::PskChoice;
use pppp::proto::{SansIo, Transmit};
use pppp::sim::{CameraConfig, CameraStats, Endpoint, FakeCamera, LinkConfig, Network, Node};
use pppp::Uid;

const UID: &str = "DGOA-123456-ABCDE";
/// The emulator's PSK (the one real DGOA cameras use), so decryption is part of the path.
const PSK: &str = "camera";
const WIDTH: u16 = 640;
const HEIGHT: u16 = 480;
/// The camera's timer tick (the emulator wants `handle_timeout` every 10 ms).
const TICK: Duration = Duration::from_millis(10);

/// The bench's only clock read.
#[allow(clippy::disallowed_methods)]
fn wall_now() -> Instant {
    Instant::now()
}

fn uid() -> Uid {
    Uid::parse(UID).expect("valid UID")
}

fn camera_config(ip: IpAddr, fps: u32, psk: Option<&str>) -> CameraConfig {
    let mut c = CameraConfig::new(uid(), ip);
    c.width = WIDTH;
    c.height = HEIGHT;
    c.fps = fps;
    c.psk = psk.map(str::to_owned);
    c
}

/// Video DRW packets and bytes received, from the controller's counters.
fn video_counters(s: &ControllerStats) -> (u64, u64) {
    let r = &s.conn.recv[1];
    (r.packets, r.bytes)
}

// ---------------------------------------------------------------------------------------------
// The emulator on real loopback sockets.

/// A [`FakeCamera`] served from two UDP sockets on 127.0.0.1 (its LAN-search socket and its
/// session socket) by a background thread.
struct LoopbackCamera {
    lan: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<CameraStats>>,
}

impl LoopbackCamera {
    fn spawn(fps: u32) -> std::io::Result<LoopbackCamera> {
        let lan = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
        let session = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
        let mut config = camera_config(IpAddr::V4(Ipv4Addr::LOCALHOST), fps, Some(PSK));
        config.lan_addr = lan.local_addr()?;
        config.session_addr = session.local_addr()?;
        let lan_addr = config.lan_addr;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("fakecam".into())
            .spawn(move || {
                let cam = FakeCamera::new(config, wall_now());
                run_camera(cam, &lan, &session, &flag)
            })?;
        Ok(LoopbackCamera {
            lan: lan_addr,
            stop,
            thread: Some(thread),
        })
    }

    fn stop(mut self) -> Option<CameraStats> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().and_then(|t| t.join().ok())
    }
}

impl Drop for LoopbackCamera {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Sends what the camera queued, from the socket its `Transmit.src` names. Only loopback
/// destinations are ever sent to.
fn send_all(cam: &mut FakeCamera, lan: &UdpSocket, session: &UdpSocket, lan_addr: SocketAddr) {
    while let Some(Transmit { src, dst, data }) = cam.poll_transmit() {
        if !dst.ip().is_loopback() {
            continue; // cannot happen (the camera only answers senders), but never leave the host
        }
        let socket = if src == Some(lan_addr) { lan } else { session };
        // A full socket buffer is loss, which the protocol handles.
        let _ = socket.send_to(&data, dst);
    }
}

/// The camera's I/O loop: feed datagrams from both sockets, run timers, send transmits.
fn run_camera(
    mut cam: FakeCamera,
    lan: &UdpSocket,
    session: &UdpSocket,
    stop: &AtomicBool,
) -> CameraStats {
    let (Ok(lan_addr), Ok(session_addr)) = (lan.local_addr(), session.local_addr()) else {
        return cam.stats();
    };
    // The LAN socket only ever sees searches: poll it without blocking. The session socket
    // blocks for at most 1 ms when idle, so that timers are served on time.
    if lan.set_nonblocking(true).is_err()
        || session
            .set_read_timeout(Some(Duration::from_millis(1)))
            .is_err()
    {
        return cam.stats();
    }
    let mut buf = vec![0u8; 2048];
    let mut next_tick = wall_now();
    while !stop.load(Ordering::Relaxed) {
        let now = wall_now();
        // The emulator's own deadline moves with every datagram it receives (see
        // benches/README.md), so it is also ticked every 10 ms of wall time; extra
        // `handle_timeout` calls are harmless by contract.
        if now >= next_tick || cam.poll_timeout().is_some_and(|t| t <= now) {
            cam.handle_timeout(now);
            next_tick = now + TICK;
        }
        send_all(&mut cam, lan, session, lan_addr);
        while let Ok((n, from)) = lan.recv_from(&mut buf) {
            cam.handle_datagram(wall_now(), lan_addr, from, &buf[..n]);
            send_all(&mut cam, lan, session, lan_addr);
        }
        // Wait for the first datagram, then take whatever else is queued without blocking
        // (bounded, so that a camera that falls behind still runs its timers).
        if let Ok((n, from)) = session.recv_from(&mut buf) {
            cam.handle_datagram(wall_now(), session_addr, from, &buf[..n]);
            send_all(&mut cam, lan, session, lan_addr);
            if session.set_nonblocking(true).is_ok() {
                for _ in 0..256 {
                    let Ok((n, from)) = session.recv_from(&mut buf) else {
                        break;
                    };
                    cam.handle_datagram(wall_now(), session_addr, from, &buf[..n]);
                    send_all(&mut cam, lan, session, lan_addr);
                }
                let _ = session.set_nonblocking(false);
            }
        }
    }
    cam.stats()
}

/// CPU time (user + system) of this process's threads whose name starts with `name`, read
/// from `/proc` (Linux only; `None` elsewhere).
fn thread_cpu(name: &str) -> Option<Duration> {
    let mut ticks = 0u64;
    let mut found = false;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let dir = entry.ok()?.path();
        let comm = std::fs::read_to_string(dir.join("comm")).ok()?;
        if !comm.trim_end().starts_with(name) {
            continue;
        }
        let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
        // Fields after the parenthesised name start at field 3; utime and stime are 14 and 15.
        let rest = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        ticks += utime + stime;
        found = true;
    }
    // USER_HZ is 100 on every Linux configuration /proc reports in.
    found.then(|| Duration::from_millis(ticks * 10))
}

/// The system-wide count of UDP datagrams dropped because a socket's receive buffer was full
/// (`RcvbufErrors` in `/proc/net/snmp`; Linux only).
fn udp_rcvbuf_errors() -> Option<u64> {
    let snmp = std::fs::read_to_string("/proc/net/snmp").ok()?;
    let mut lines = snmp.lines().filter(|l| l.starts_with("Udp:"));
    let names = lines.next()?.split_whitespace();
    let values = lines.next()?.split_whitespace();
    names
        .zip(values)
        .find(|(n, _)| *n == "RcvbufErrors")
        .and_then(|(_, v)| v.parse().ok())
}

struct LoopbackRun {
    camera: LoopbackCamera,
    session: Session,
    started: Instant,
    stats0: ControllerStats,
    dropped0: u64,
    session_cpu0: Option<Duration>,
    camera_cpu0: Option<Duration>,
    rcvbuf_errors0: Option<u64>,
}

fn session_thread_name() -> String {
    // Thread names are cut to 15 bytes in /proc.
    format!("pppp-{UID}").chars().take(15).collect()
}

impl LoopbackRun {
    fn start(fps: u32) -> LoopbackRun {
        let camera = LoopbackCamera::spawn(fps).expect("bind loopback sockets");
        let mut config = SessionConfig::new(UID)
            .host(camera.lan.to_string())
            .psk(PskChoice::Auto)
            .connect_timeout(Duration::from_secs(5));
        config.broadcast = false;
        config.bind = Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
        config.video_queue = 256;
        let session = Session::connect(config).expect("connect to the loopback emulator");
        session.login().expect("login");
        session.start_video().expect("start video");
        // Let the stream settle before measuring.
        for _ in 0..10 {
            session
                .next_frame(Duration::from_secs(5))
                .expect("session open")
                .expect("a frame within 5 s");
        }
        let s = session.stats();
        LoopbackRun {
            camera,
            started: wall_now(),
            stats0: s.controller,
            dropped0: s.video_dropped,
            session_cpu0: thread_cpu(&session_thread_name()),
            camera_cpu0: thread_cpu("fakecam"),
            rcvbuf_errors0: udp_rcvbuf_errors(),
            session,
        }
    }

    /// Receives `n` frames and returns how long that took.
    fn frames(&self, n: u64) -> Duration {
        // Frames queued while criterion was busy would make the next batch look too fast.
        while let Ok(Some(_)) = self.session.next_frame(Duration::ZERO) {}
        let t = wall_now();
        for _ in 0..n {
            let f = self
                .session
                .next_frame(Duration::from_secs(5))
                .expect("session open")
                .expect("a frame within 5 s");
            black_box(f);
        }
        t.elapsed()
    }

    fn finish(self, label: &str) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let s = self.session.stats();
        let (p0, b0) = video_counters(&self.stats0);
        let (p1, b1) = video_counters(&s.controller);
        let frames = s.controller.video_frames - self.stats0.video_frames;
        let acks = s.controller.conn.recv[1].acks_sent - self.stats0.conn.recv[1].acks_sent;
        let dups = s.controller.conn.recv[1].duplicates - self.stats0.conn.recv[1].duplicates;
        let cpu = |now: Option<Duration>, before: Option<Duration>| match (now, before) {
            (Some(a), Some(b)) => format!("{:.0}%", (a - b).as_secs_f64() / elapsed * 100.0),
            _ => "n/a".into(),
        };
        let session_cpu = cpu(thread_cpu(&session_thread_name()), self.session_cpu0);
        let camera_cpu = cpu(thread_cpu("fakecam"), self.camera_cpu0);
        let overflows = match (udp_rcvbuf_errors(), self.rcvbuf_errors0) {
            (Some(a), Some(b)) => (a - b).to_string(),
            _ => "n/a".into(),
        };
        self.session.close();
        let cam = self.camera.stop().unwrap_or_default();
        if frames < 30 {
            // `cargo test` runs each bench once: too short for a meaningful rate.
            println!("summary: receive_path/loopback_session/{label}: {frames} frames (test run)");
            return;
        }
        println!(
            "summary: receive_path/loopback_session/{label}: {:.1} frames/s, {:.0} DRW packets/s, \
             {:.2} MB/s over {elapsed:.1} s; {:.1} packets/frame; {} ACK datagrams, {dups} \
             duplicates, {} camera retransmits, {} frames skipped by the camera, {} dropped by \
             the consumer, {overflows} UDP receive-buffer overflows; CPU: session thread {session_cpu}, camera thread {camera_cpu}",
            frames as f64 / elapsed,
            (p1 - p0) as f64 / elapsed,
            (b1 - b0) as f64 / elapsed / 1e6,
            (p1 - p0) as f64 / frames.max(1) as f64,
            acks,
            cam.retransmits,
            cam.frames_skipped,
            s.video_dropped - self.dropped0,
        );
    }
}

fn bench_loopback(c: &mut Criterion) {
    let mut g = c.benchmark_group("receive_path/loopback_session");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    // 60 fps is paced by the camera (measures that the client keeps up, and at what CPU cost);
    // 200 fps is close to what the emulator can encode on one core (~270 JPEGs/s); 1000 fps
    // asks for more than it can encode, so its send queue fills and it sends full windows.
    for (label, fps) in [
        ("640x480_60fps", 60),
        ("640x480_200fps", 200),
        ("640x480_unpaced", 1000),
    ] {
        let mut run: Option<LoopbackRun> = None;
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("{label}/frame"), |b| {
            let r = run.get_or_insert_with(|| LoopbackRun::start(fps));
            b.iter_custom(|iters| r.frames(iters));
        });
        if let Some(r) = run.take() {
            r.finish(label);
        }
    }
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// The simulator: no sockets, virtual time.

fn sim_addrs() -> (IpAddr, SocketAddr) {
    (
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
        SocketAddr::from(([127, 0, 0, 1], 50000)),
    )
}

fn controller_config(cam: &CameraConfig, psk: Option<&str>) -> ControllerConfig {
    let mut conn = ConnConfig::new(cam.uid.clone(), vec![cam.lan_addr]);
    conn.psk = match psk {
        Some(p) => PskChoice::Named(p.into()),
        None => PskChoice::Plain,
    };
    ControllerConfig::new(conn)
}

/// The controller as a simulator node that records every datagram it receives.
struct Tap {
    inner: Endpoint<Controller>,
    epoch: Instant,
    log: Vec<(Duration, SocketAddr, Vec<u8>)>,
}

impl Node for Tap {
    fn addrs(&self) -> Vec<SocketAddr> {
        vec![self.inner.addr]
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl SansIo for Tap {
    fn handle_datagram(&mut self, now: Instant, _local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.log.push((now - self.epoch, from, data.to_vec()));
        self.inner.machine.handle_datagram(now, from, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.inner.machine.handle_timeout(now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.inner.machine.poll_transmit()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.inner.machine.poll_timeout()
    }
}

/// A camera and a (tapped) controller on a perfect simulated link, logged in and streaming.
struct SimRun {
    net: Network,
    ctl: pppp::sim::NodeId,
    frames: u64,
}

impl SimRun {
    fn start(fps: u32, psk: Option<&str>) -> SimRun {
        let (ip, ctl_addr) = sim_addrs();
        let cam_config = camera_config(ip, fps, psk);
        let config = controller_config(&cam_config, psk);
        let mut net = Network::new(LinkConfig::perfect(), 1);
        let now = net.now();
        net.add(FakeCamera::new(cam_config, now));
        let mut controller = Controller::new(config, now);
        controller.start(now);
        let ctl = net.add(Tap {
            inner: Endpoint::new(ctl_addr, controller),
            epoch: now,
            log: Vec::new(),
        });
        let mut run = SimRun {
            net,
            ctl,
            frames: 0,
        };
        run.until(|e| matches!(e, Event::Connected { .. }));
        let now = run.net.now();
        run.controller().login(now).expect("login sent");
        run.until(|e| matches!(e, Event::Login { accepted: true, .. }));
        let now = run.net.now();
        run.controller()
            .start_video(now, 1)
            .expect("start_video sent");
        run
    }

    fn controller(&mut self) -> &mut Controller {
        &mut self.net.get_mut::<Tap>(self.ctl).inner.machine
    }

    /// Drives the network until an event matches (counting frames on the way).
    fn until(&mut self, mut want: impl FnMut(&Event) -> bool) {
        let ctl = self.ctl;
        let mut frames = 0;
        let ok = self.net.drive_until(Duration::from_secs(30), |net| {
            let c = &mut net.get_mut::<Tap>(ctl).inner.machine;
            let mut hit = false;
            while let Some(e) = c.poll_event() {
                frames += u64::from(matches!(e, Event::Frame(_)));
                hit |= want(&e);
            }
            hit
        });
        self.frames += frames;
        assert!(
            ok,
            "the simulated camera did not deliver in 30 s of virtual time"
        );
    }

    /// Drives until `n` more video frames arrived.
    fn frames(&mut self, n: u64) {
        let target = self.frames + n;
        while self.frames < target {
            self.until(|e| matches!(e, Event::Frame(f) if f.channel == 1));
        }
    }

    fn stats(&mut self) -> ControllerStats {
        self.controller().stats()
    }

    /// The datagrams the controller received, in order, with their virtual arrival times.
    fn transcript(&mut self) -> Vec<(Duration, SocketAddr, Vec<u8>)> {
        std::mem::take(&mut self.net.get_mut::<Tap>(self.ctl).log)
    }
}

fn bench_sim_end_to_end(c: &mut Criterion) {
    let mut g = c.benchmark_group("receive_path/sim_end_to_end");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(1));
    let mut run: Option<(SimRun, Instant, ControllerStats)> = None;
    g.bench_function("640x480_60fps/frame", |b| {
        let (r, _, _) = run.get_or_insert_with(|| {
            let mut r = SimRun::start(60, Some(PSK));
            r.frames(5);
            let s = r.stats();
            (r, wall_now(), s)
        });
        b.iter_custom(|iters| {
            let t = wall_now();
            r.frames(iters);
            t.elapsed()
        });
    });
    g.finish();
    if let Some((mut r, t0, s0)) = run {
        let secs = t0.elapsed().as_secs_f64();
        let s = r.stats();
        let (p0, b0) = video_counters(&s0);
        let (p1, b1) = video_counters(&s);
        let frames = s.video_frames - s0.video_frames;
        println!(
            "summary: receive_path/sim_end_to_end/640x480_60fps: {:.1} frames/s, {:.0} DRW \
             packets/s, {:.2} MB/s of CPU time (camera JPEG encoding + both protocol stacks + \
             simulated link), {:.0} us/frame",
            frames as f64 / secs,
            (p1 - p0) as f64 / secs,
            (b1 - b0) as f64 / secs / 1e6,
            secs * 1e6 / frames.max(1) as f64,
        );
    }

    // The emulator's share: encoding one test picture.
    let mut g = c.benchmark_group("receive_path/sim_end_to_end");
    g.sample_size(20);
    g.throughput(Throughput::Elements(1));
    let mut index = 0u64;
    g.bench_function("camera_jpeg_encode_640x480", |b| {
        b.iter(|| {
            index += 1;
            black_box(pppp::sim::jpeg::frame(index, WIDTH, HEIGHT, 75))
        })
    });
    g.finish();
}

/// A recorded camera→controller stream and what a controller made of it.
struct Transcript {
    config: ControllerConfig,
    datagrams: Vec<(Duration, SocketAddr, Vec<u8>)>,
    frames: u64,
    packets: u64,
    bytes: u64,
}

fn record(frames: u64, psk: Option<&str>) -> Transcript {
    let (ip, _) = sim_addrs();
    let config = controller_config(&camera_config(ip, 60, psk), psk);
    let mut run = SimRun::start(60, psk);
    run.frames(frames);
    let datagrams = run.transcript();
    let mut t = Transcript {
        config,
        datagrams,
        frames: 0,
        packets: 0,
        bytes: 0,
    };
    // What a fresh controller gets out of it (the reference for every replay).
    let s = replay(&t);
    (t.packets, t.bytes) = video_counters(&s);
    t.frames = s.video_frames;
    assert!(
        t.frames >= frames,
        "replay lost frames: {} < {frames}",
        t.frames
    );
    t
}

/// Feeds the transcript to a fresh controller at the recorded times; returns its counters.
fn replay(t: &Transcript) -> ControllerStats {
    let start = wall_now();
    let mut c = Controller::new(t.config.clone(), start);
    c.start(start);
    let mut frames = 0u64;
    let mut drain = |c: &mut Controller| {
        while let Some(tx) = c.poll_transmit() {
            black_box(tx);
        }
        while let Some(e) = c.poll_event() {
            frames += u64::from(matches!(e, Event::Frame(_)));
            black_box(e);
        }
    };
    for (at, from, data) in &t.datagrams {
        let now = start + *at;
        while let Some(due) = c.poll_timeout().filter(|d| *d <= now) {
            c.handle_timeout(due);
            drain(&mut c);
        }
        c.handle_datagram(now, *from, data);
        drain(&mut c);
    }
    black_box(frames);
    c.stats()
}

fn bench_controller_replay(c: &mut Criterion) {
    let mut g = c.benchmark_group("receive_path/controller_replay");
    g.sample_size(20);
    for (label, psk) in [("640x480_psk", Some(PSK)), ("640x480_plain", None)] {
        // The transcript is recorded up front (a second or so) because criterion needs the
        // packet count before the bench runs: its "thrpt" is then DRW packets/s.
        let t = record(60, psk);
        g.throughput(Throughput::Elements(t.packets));
        let mut measured: Option<(u64, Duration)> = None;
        let id = format!("{label}/60_frames");
        g.bench_function(&id, |b| {
            b.iter_custom(|iters| {
                let start = wall_now();
                for _ in 0..iters {
                    let s = replay(&t);
                    assert_eq!(s.video_frames, t.frames);
                }
                let d = start.elapsed();
                let m = measured.get_or_insert((0, Duration::ZERO));
                m.0 += iters;
                m.1 += d;
                d
            });
        });
        if let Some((n, d)) = measured {
            let per = d.as_secs_f64() / n as f64;
            println!(
                "summary: receive_path/controller_replay/{label}: {:.0} DRW packets/s, {:.1} \
                 MB/s, {:.0} frames/s on one core ({:.2} us/packet, {:.0} us/frame; {} packets \
                 and {} frames of {:.1} KB per replay)",
                t.packets as f64 / per,
                t.bytes as f64 / per / 1e6,
                t.frames as f64 / per,
                per * 1e6 / t.packets as f64,
                per * 1e6 / t.frames as f64,
                t.packets,
                t.frames,
                t.bytes as f64 / t.frames as f64 / 1e3,
            );
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_controller_replay,
    bench_sim_end_to_end,
    bench_loopback
);
criterion_main!(benches);
