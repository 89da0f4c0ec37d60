//! Hostile-peer tests on loopback: the public client API (`Session`, `discover`) against a fake
//! camera that completes the handshake and then attacks — AV length fields beyond the caps,
//! empty DRWs, endless out-of-window DRW indexes and garbage at about 100 Mbit/s — and that
//! answers every LAN search with a flood of thousands of other DIDs.
//!
//! Valid traffic keeps flowing (commands get their replies, every video frame and every valid
//! audio record arrives intact), the client's own counters of what it holds stay within their
//! configured bounds, and the client process's peak RSS (`VmHWM`) stays under
//! [`RSS_BOUND`]. The client runs in a child process — this test binary again, running only
//! `child_client_under_attack` — so that its RSS is its own; the child prints its `VmHWM`.
//!
//! Nothing here asserts on time: the flood is paced by the wall clock, but only counts of what
//! arrived and what is held are checked.

use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pppp::client::{discover, DiscoverOptions, Session, SessionConfig};
use pppp::proto::av::{
    codec_byte, AvHeader, DEFAULT_MAX_AUDIO_FRAME, DEFAULT_MAX_FRAME, HEADER_LEN,
};
use pppp::proto::drw::{DrwConfig, DrwSender};
use pppp::proto::packet::{self, encode_drw, Message, WireDid, CHANNELS, MAX_DRW_DATA};
use pppp::sim::{jpeg, CameraConfig, FakeCamera};
use pppp::Uid;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

const UID: &str = "DGOA-123456-ABCDE";
/// Set in the child's environment: the hostile peer's address.
const CHILD_ENV: &str = "PPPP_TEST_HOSTILE_PEER";
/// Peak RSS allowed for the client process (a debug build, test harness included). What the
/// session can be made to hold is bounded far below it: 1 MiB per DRW channel (8 channels),
/// the 8 MiB video and 64 KiB audio reassembly caps, and the frame queues.
const RSS_BOUND: u64 = 64 * 1024 * 1024;
/// Garbage rate: about 100 Mbit/s.
const GARBAGE_BYTES_PER_SEC: f64 = 12_500_000.0;
/// Distinct foreign DIDs sent after every LAN search the peer answers.
const DIDS_PER_SEARCH: u32 = 2500;
/// Video frames and valid audio records the client must receive.
const VIDEO_FRAMES: usize = 40;
const AUDIO_FRAMES: usize = 10;
/// The picture the fake camera sends (small: a debug build encodes it for every frame).
const WIDTH: u16 = 96;
const HEIGHT: u16 = 64;
const QUALITY: u8 = 60;

/// The wall clock: the hostile peer runs on real sockets (the library itself never reads it).
#[allow(clippy::disallowed_methods)]
fn wall() -> Instant {
    Instant::now()
}

/// The media of valid audio record `index`.
fn audio_data(index: u32) -> Vec<u8> {
    (0..256u32)
        .map(|i| (i.wrapping_mul(7).wrapping_add(index) as u8) | 0x80)
        .collect()
}

/// One round of the hostile audio stream on channel 2: a header longer than any cap, one
/// longer than the audio cap but under the video cap (which audio shared before it had its
/// own), each followed by filler that never contains the magic, then one valid record.
fn audio_round(index: u32) -> Vec<u8> {
    let filler = |len: u32, n: usize| {
        let mut v = AvHeader {
            codec: codec_byte::ADPCM,
            len,
            ..AvHeader::default()
        }
        .encode()
        .to_vec();
        v.extend(std::iter::repeat_n(0x11, n));
        v
    };
    let mut v = filler(u32::MAX, 1500);
    v.extend(filler(4 * 1024 * 1024, 100 * 1024));
    v.extend(
        AvHeader {
            codec: codec_byte::ADPCM,
            index,
            ..AvHeader::default()
        }
        .record(&audio_data(index)),
    );
    v
}

/// What the hostile peer did.
#[derive(Debug, Default)]
struct Report {
    garbage_bytes: u64,
    garbage_secs: f64,
    empty_drws: u64,
    out_of_window: u64,
    audio_rounds: u32,
    dids: u32,
}

/// The fake camera of `pppp::sim` on one loopback socket (searches and session), with a
/// hostile thread of its own on the same socket.
struct HostilePeer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Report>>,
}

impl HostilePeer {
    fn start() -> HostilePeer {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = sock.local_addr().unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(1)))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || run(sock, addr, &flag));
        HostilePeer {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    fn stop(mut self) -> Report {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

fn run(sock: UdpSocket, addr: SocketAddr, stop: &AtomicBool) -> Report {
    let mut cfg = CameraConfig::new(Uid::parse(UID).unwrap(), addr.ip());
    cfg.lan_addr = addr;
    cfg.session_addr = addr;
    cfg.answer_from_lan_port = true;
    cfg.width = WIDTH;
    cfg.height = HEIGHT;
    cfg.quality = QUALITY;
    cfg.fps = 20;
    let mut cam = FakeCamera::new(cfg, wall());
    let drw = DrwConfig::default();
    let mut audio = DrwSender::new(&drw);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut report = Report::default();
    let mut buf = vec![0u8; 4096];
    let mut empty_index = [0u16; CHANNELS];
    let mut flood_start: Option<Instant> = None;
    let mut next_audio_round = wall();
    while !stop.load(Ordering::Relaxed) {
        let now = wall();
        // The 1 ms read timeout paces the loop when nothing arrives.
        if let Ok((n, from)) = sock.recv_from(&mut buf) {
            let data = &buf[..n];
            match packet::decode(data) {
                // Our own reliable stream on channel 2 is acknowledged to us, not the camera.
                Ok(Message::DrwAck {
                    channel: 2,
                    indexes,
                }) => {
                    for i in indexes.iter() {
                        audio.handle_ack(&drw, now, i);
                    }
                }
                Ok(Message::LanSearch) => {
                    cam.handle_datagram(now, addr, from, data);
                    // The genuine answer first, then a flood of other devices.
                    while let Some(t) = cam.poll_transmit() {
                        let _ = sock.send_to(&t.data, t.dst);
                    }
                    for _ in 0..DIDS_PER_SEARCH {
                        let uid = format!("FLOD-{:06}-ABCDE", report.dids % 1_000_000);
                        let did = WireDid::from(&Uid::parse(&uid).unwrap());
                        let _ = sock.send_to(&Message::PunchPkt(did).to_vec(), from);
                        report.dids += 1;
                    }
                }
                _ => cam.handle_datagram(now, addr, from, data),
            }
        }
        if cam.poll_timeout().is_some_and(|t| t <= now) {
            cam.handle_timeout(now);
        }
        while let Some(t) = cam.poll_transmit() {
            let _ = sock.send_to(&t.data, t.dst);
        }
        let Some(peer) = cam.peers().first().copied() else {
            continue;
        };
        // The reliable hostile audio stream: a round every 50 ms, kept under 1 MB in flight.
        if now >= next_audio_round && audio.buffered() < 1024 * 1024 {
            audio
                .write(&drw, &audio_round(report.audio_rounds))
                .unwrap();
            report.audio_rounds += 1;
            next_audio_round = now + Duration::from_millis(50);
        }
        audio.handle_timeout(&drw, now);
        let mut out = Vec::new();
        while audio.poll_transmit(&drw, now, 2, &mut out) {
            let _ = sock.send_to(&out, peer);
            out.clear();
        }
        // Empty DRWs, in order, on channels nobody uses (each one accepted and acknowledged).
        for (c, index) in empty_index.iter_mut().enumerate().skip(3) {
            out.clear();
            encode_drw(&mut out, c as u8, *index, &[]);
            let _ = sock.send_to(&out, peer);
            *index = index.wrapping_add(1);
            report.empty_drws += 1;
        }
        // Endless indexes far outside the receive window on the command and video channels.
        for c in [0u8, 1] {
            out.clear();
            let index = 20_000 + (report.out_of_window % 10_000) as u16;
            encode_drw(&mut out, c, index, &[0x55; MAX_DRW_DATA]);
            let _ = sock.send_to(&out, peer);
            report.out_of_window += 1;
        }
        // Garbage at about 100 Mbit/s: random bytes, and datagrams with a PPPP header whose
        // length and channel lie.
        let start = *flood_start.get_or_insert(now);
        let due = now.duration_since(start).as_secs_f64() * GARBAGE_BYTES_PER_SEC;
        let mut burst = 0;
        while (report.garbage_bytes as f64) < due && burst < 256 {
            let mut g = vec![0u8; 1000];
            rng.fill(&mut g[..]);
            if burst % 2 == 0 {
                g[..4].copy_from_slice(&[packet::MAGIC, packet::msg::DRW, 0xff, 0xff]);
                g[4] = packet::DRW_MARKER;
                g[5] = 8 + (g[5] % 200); // no such channel
            }
            let _ = sock.send_to(&g, peer);
            report.garbage_bytes += g.len() as u64;
            burst += 1;
        }
        report.garbage_secs = now.duration_since(start).as_secs_f64();
    }
    report
}

/// The peak RSS of this process, from `/proc/self/status`.
fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM value");
    kb * 1024
}

/// The client side, in the child process: discovery under a DID flood, then a session under
/// attack. Panics when valid traffic does not flow or a bound is exceeded.
fn client_scenario(peer: SocketAddr) {
    // Discovery: the genuine answer is reported among the flood.
    let found = discover(&DiscoverOptions {
        to: vec![peer.to_string()],
        broadcast: false,
        timeout: Duration::from_secs(2),
        ..DiscoverOptions::default()
    })
    .unwrap();
    assert!(
        found
            .iter()
            .any(|d| d.uid.to_string() == UID && d.addr == peer),
        "the genuine device was not reported among {} answers",
        found.len()
    );
    println!("discover: {} devices reported", found.len());

    let s = Session::connect(
        SessionConfig::new(UID)
            .host(peer.to_string())
            .connect_timeout(Duration::from_secs(20)),
    )
    .unwrap();
    assert_eq!(s.peer(), Some(peer));
    s.login().unwrap();
    for _ in 0..3 {
        let r = s.command(json!({"pro": "get_parms", "cmd": 101})).unwrap();
        assert_eq!(r["cmd"], 101, "{r}");
    }
    s.start_video().unwrap();
    let (mut video, mut audio) = (Vec::new(), Vec::new());
    let step = Duration::from_millis(10);
    let mut idle = Duration::ZERO;
    while video.len() < VIDEO_FRAMES || audio.len() < AUDIO_FRAMES {
        let mut got = false;
        if let Some(f) = s.next_frame(step).unwrap() {
            video.push(f);
            got = true;
        }
        if let Some(f) = s.next_audio(step).unwrap() {
            audio.push(f);
            got = true;
        }
        idle = if got { Duration::ZERO } else { idle + 2 * step };
        assert!(
            idle < Duration::from_secs(30),
            "traffic stopped: {} video, {} audio frames; {:?}",
            video.len(),
            audio.len(),
            s.stats()
        );
    }
    for pair in video.windows(2) {
        assert!(pair[1].index > pair[0].index, "video out of order");
    }
    for f in &video {
        let want = jpeg::frame(u64::from(f.index), WIDTH, HEIGHT, QUALITY);
        assert!(f.data == want, "video frame {} corrupted", f.index);
    }
    for pair in audio.windows(2) {
        assert!(pair[1].index > pair[0].index, "audio out of order");
    }
    for f in &audio {
        assert_eq!(f.data, audio_data(f.index), "audio record {}", f.index);
    }
    let r = s.command(json!({"pro": "get_parms", "cmd": 101})).unwrap();
    assert_eq!(r["cmd"], 101);

    // What the session holds, by its own counters.
    let st = s.stats();
    let drw = DrwConfig::default();
    for (c, recv) in st.controller.conn.recv.iter().enumerate() {
        assert!(
            recv.held_peak <= drw.recv_buffer as u64,
            "channel {c} held {} bytes",
            recv.held_peak
        );
    }
    let reassembly =
        (DEFAULT_MAX_FRAME + DEFAULT_MAX_AUDIO_FRAME + 2 * (HEADER_LEN + MAX_DRW_DATA)) as u64;
    assert!(st.controller.media_held_peak <= reassembly);
    // Here the video frames are small: only the audio cap can have been reached.
    let small = (DEFAULT_MAX_AUDIO_FRAME + 64 * 1024) as u64;
    assert!(
        st.controller.media_held_peak <= small,
        "reassemblers held {} bytes",
        st.controller.media_held_peak
    );
    assert!(
        st.controller.garbage_bytes > 0,
        "the hostile audio was seen"
    );
    assert!(st.controller.conn.undecodable > 0, "the garbage was seen");
    let empty: u64 = st.controller.conn.recv[3..].iter().map(|r| r.packets).sum();
    assert!(empty > 0, "the empty DRWs were seen");
    println!(
        "session: {} video, {} audio frames; held peaks {:?} / media {}; {} undecodable",
        video.len(),
        audio.len(),
        st.controller
            .conn
            .recv
            .iter()
            .map(|r| r.held_peak)
            .collect::<Vec<_>>(),
        st.controller.media_held_peak,
        st.controller.conn.undecodable
    );
    s.close();
    println!("VmHWM: {}", vm_hwm());
}

/// Run by [`the_client_stays_bounded_and_working_under_a_hostile_peer`] in a child process; does
/// nothing in a normal test run.
#[test]
fn child_client_under_attack() {
    if let Ok(peer) = std::env::var(CHILD_ENV) {
        client_scenario(peer.parse().unwrap());
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_client_stays_bounded_and_working_under_a_hostile_peer() {
    let peer = HostilePeer::start();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_client_under_attack",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, peer.addr.to_string())
        .env_remove("PPPP_LAN_TARGETS")
        .output()
        .unwrap();
    let report = peer.stop();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{report:?}");
    assert!(
        out.status.success(),
        "the client failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "the child ran nothing:\n{stdout}"
    );
    let hwm: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the child reports its VmHWM");
    println!(
        "client peak RSS {:.1} MiB; garbage {:.1} MB at {:.0} Mbit/s",
        hwm as f64 / 1048576.0,
        report.garbage_bytes as f64 / 1e6,
        report.garbage_bytes as f64 * 8.0 / 1e6 / report.garbage_secs.max(1e-9)
    );
    assert!(hwm <= RSS_BOUND, "client peak RSS {hwm} bytes");
    // The attack did happen.
    assert!(report.dids >= DIDS_PER_SEARCH && report.audio_rounds > 0);
    assert!(report.empty_drws > 0 && report.out_of_window > 0 && report.garbage_bytes > 0);
}
