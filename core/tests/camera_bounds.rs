//! The fake camera is no amplifier and holds bounded memory (`pppp::sim` camera docs): a
//! spoofed LAN search, PUNCH_PKT or P2P_RDY gets at most one small datagram and no session;
//! sessions are capped; a controller that never acknowledges, floods out-of-order packets or
//! announces endless requests cannot make the camera hold more than its buffers.

mod common;

use pppp::proto::SansIo;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use pppp::proto::av::AvHeader;
use pppp::proto::command::{encode_shix, SHIX_REQUEST};
use pppp::proto::conn::CloseReason;
use pppp::proto::controller::{channel, Controller, Event};
use pppp::proto::packet::{self, encode_drw, Message, WireDid, MAX_DRW_DATA};
use pppp::proto::Transmit;
use pppp::sim::{
    CameraConfig, Endpoint, FakeCamera, Handshake, LinkConfig, Network, Node, NodeId, SimClock,
    MAX_REQUEST,
};
use serde_json::json;

const VARIANTS: [Handshake; 3] = [
    Handshake::Echo,
    Handshake::RdyFirst,
    Handshake::CloseThenRdy,
];

/// Largest answer an unproven address may get: a PUNCH_PKT or P2P_RDY (24 bytes; 32 as the
/// long P2P_RDY some cameras send).
const SMALL: usize = 32;

fn spoofed(i: u16) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 1], 1000 + i))
}

/// Everything the camera sends, by destination, while it runs for `d` on its own timers.
fn run_for(cam: &mut FakeCamera, now: &mut Instant, d: Duration) -> Vec<Transmit> {
    let end = *now + d;
    let mut out = Vec::new();
    loop {
        while let Some(t) = cam.poll_transmit() {
            out.push(t);
        }
        // Look at least every 10 ms even without a deadline: nothing may be scheduled.
        let next = cam
            .poll_timeout()
            .unwrap_or(*now + Duration::from_millis(10))
            .max(*now);
        if next > end {
            *now = end;
            return out;
        }
        *now = next;
        cam.handle_timeout(next);
    }
}

#[test]
fn a_spoofed_handshake_gets_at_most_one_small_datagram() {
    for (v, hs) in VARIANTS.into_iter().enumerate() {
        for long_rdy in [false, true] {
            let mut cfg = camera_config();
            cfg.handshake = hs;
            cfg.long_rdy = long_rdy;
            let did = WireDid::from(&cfg.uid);
            let lan = cfg.lan_addr;
            let session = cfg.session_addr;
            let mut now = SimClock::new().now();
            let mut cam = FakeCamera::new(cfg, now);
            // From many forged sources, every message a handshake starts with.
            let forged: Vec<(SocketAddr, Vec<u8>)> = (0..300u16)
                .map(|i| {
                    let msg = match i % 4 {
                        0 | 1 => Message::LanSearch,
                        2 => Message::PunchPkt(did),
                        _ => Message::P2pRdy(did),
                    };
                    let to = if i % 4 < 2 { lan } else { session };
                    (to, msg.to_vec())
                })
                .collect();
            let mut answers = Vec::new();
            for (i, (to, data)) in forged.iter().enumerate() {
                cam.handle_datagram(now, *to, spoofed(i as u16), data);
                answers.extend(run_for(&mut cam, &mut now, Duration::from_millis(1)));
            }
            answers.extend(run_for(&mut cam, &mut now, Duration::from_secs(20)));
            let ctx = format!("{hs:?} long_rdy={long_rdy} (variant {v})");
            for i in 0..forged.len() as u16 {
                let to_it: Vec<&Transmit> =
                    answers.iter().filter(|t| t.dst == spoofed(i)).collect();
                assert!(to_it.len() <= 1, "{ctx}: {} answers to {i}", to_it.len());
                assert!(to_it.iter().all(|t| t.data.len() <= SMALL), "{ctx}");
            }
            assert_eq!(answers.len(), forged.len(), "{ctx}: one answer each");
            let st = cam.stats();
            assert_eq!((st.sessions, st.active_sessions), (0, 0), "{ctx}");
            assert_eq!(cam.held_bytes(), 0, "{ctx}");
        }
    }
}

#[test]
fn every_variant_still_connects_through_the_proof() {
    // The controller proves it receives the camera (it echoes the PUNCH_PKT, or talks after
    // the P2P_RDY): the session opens as before, under loss too.
    for hs in VARIANTS {
        for seed in 0..4 {
            let mut cam = camera_config();
            cam.handshake = hs;
            let ctl = controller_config(&cam);
            let mut rig = Rig::new(LinkConfig::lossy(0.1), 40 + seed, cam, ctl);
            rig.connect_and_login();
            rig.stream(3, Duration::from_secs(20));
            assert_eq!(rig.camera().stats().sessions, 1, "{hs:?} seed {seed}");
        }
    }
}

#[test]
fn sessions_beyond_the_cap_are_refused() {
    let mut cfg = camera_config();
    cfg.max_sessions = 3;
    let mut net = Network::new(LinkConfig::perfect(), 7);
    let now = net.now();
    let cam = net.add(FakeCamera::new(cfg.clone(), now));
    let ctls: Vec<_> = (0..5u16)
        .map(|i| {
            let mut c = controller_config(&cfg);
            c.conn.connect_timeout = Duration::from_secs(3);
            let mut ctl = Controller::new(c, now);
            ctl.start(now);
            let addr = SocketAddr::from(([10, 0, 0, 1], 50000 + i));
            net.add(Endpoint::new(addr, ctl))
        })
        .collect();
    let mut outcome = vec![None; ctls.len()];
    net.drive_until(Duration::from_secs(10), |net| {
        for (i, id) in ctls.iter().enumerate() {
            let c = &mut net.get_mut::<Endpoint<Controller>>(*id).machine;
            while let Some(e) = c.poll_event() {
                match e {
                    Event::Connected { .. } => outcome[i] = Some(Ok(())),
                    Event::Closed(r) if outcome[i].is_none() => outcome[i] = Some(Err(r)),
                    _ => {}
                }
            }
        }
        outcome.iter().all(Option::is_some)
    });
    let connected = outcome.iter().filter(|o| **o == Some(Ok(()))).count();
    let refused = outcome
        .iter()
        .filter(|o| **o == Some(Err(CloseReason::HandshakeTimeout)))
        .count();
    assert_eq!((connected, refused), (3, 2), "{outcome:?}");
    let st = net.get::<FakeCamera>(cam).stats();
    assert_eq!(st.active_sessions, 3);
    assert_eq!(st.sessions, 3);
    assert!(st.sessions_refused >= 2);
}

/// A controller whose DRW_ACKs never leave: the camera's data is never acknowledged.
struct NoAcks(Endpoint<Controller>);

impl Node for NoAcks {
    fn addrs(&self) -> Vec<SocketAddr> {
        self.0.addrs()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl SansIo for NoAcks {
    fn handle_datagram(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.0.handle_datagram(now, local, from, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.0.handle_timeout(now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        loop {
            let t = self.0.poll_transmit()?;
            if !matches!(packet::decode(&t.data), Ok(Message::DrwAck { .. })) {
                return Some(t);
            }
        }
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.0.poll_timeout()
    }
}

fn small_buffers(cfg: &mut CameraConfig) {
    cfg.send_buffer = 128 * 1024;
    cfg.recv_buffer = 64 * 1024;
}

/// What one session may hold: its buffers, a partial request and talk frame, and the one
/// frame or reply that may be queued past the send buffer's limit.
fn session_bound(cfg: &CameraConfig) -> usize {
    cfg.send_buffer + cfg.recv_buffer + 2 * (MAX_REQUEST + MAX_DRW_DATA) + 64 * 1024
}

#[test]
fn a_controller_that_never_acknowledges_cannot_grow_the_camera() {
    let mut cfg = camera_config();
    small_buffers(&mut cfg);
    let mut net = Network::new(LinkConfig::perfect(), 9);
    let now = net.now();
    let cam = net.add(FakeCamera::new(cfg.clone(), now));
    let mut ctl = Controller::new(controller_config(&cfg), now);
    ctl.start(now);
    let ctl = net.add(NoAcks(Endpoint::new(ctl_addr(), ctl)));
    fn machine(net: &mut Network, ctl: NodeId) -> &mut Controller {
        &mut net.get_mut::<NoAcks>(ctl).0.machine
    }
    assert!(net.drive_until(Duration::from_secs(5), |net| {
        machine(net, ctl).conn().is_connected()
    }));
    let now = net.now();
    machine(&mut net, ctl).login(now).unwrap();
    machine(&mut net, ctl).start_video(now, 1).unwrap();
    machine(&mut net, ctl).start_audio(now).unwrap();
    let mut peak = 0;
    for second in 0..40 {
        // Requests keep coming (each reply is queued and never acknowledged)…
        for _ in 0..50 {
            let now = net.now();
            let _ = machine(&mut net, ctl).command(now, json!({"pro": "get_parms", "cmd": 101}));
        }
        net.drive_until(Duration::from_secs(1), |net| {
            peak = peak.max(net.get::<FakeCamera>(cam).held_bytes());
            false
        });
        while machine(&mut net, ctl).poll_event().is_some() {}
        assert_eq!(
            net.get::<FakeCamera>(cam).stats().active_sessions,
            1,
            "second {second}: the session stays up (the controller keeps talking)"
        );
    }
    let st = net.get::<FakeCamera>(cam).stats();
    assert!(peak <= session_bound(&cfg), "held {peak} bytes");
    // …and the camera skipped what did not fit instead of holding it.
    assert!(st.frames_skipped > 0 && st.audio_skipped > 0, "{st:?}");
    assert!(st.replies_dropped > 0, "{st:?}");
}

/// A connected controller and camera, for the tests that then misbehave on the controller's
/// behalf.
fn connected(cfg: CameraConfig, seed: u64) -> Rig {
    let ctl = controller_config(&cfg);
    let mut rig = Rig::new(LinkConfig::perfect(), seed, cfg, ctl);
    rig.connect_and_login();
    rig
}

#[test]
fn out_of_order_packets_are_held_up_to_the_receive_buffer() {
    let mut cfg = camera_config();
    small_buffers(&mut cfg);
    let mut rig = connected(cfg.clone(), 11);
    // Channel 5 from index 1 on, never index 0: nothing can be delivered, all is held.
    let filler = [0x5a; MAX_DRW_DATA];
    for i in 1..3000u16 {
        let mut v = Vec::new();
        encode_drw(&mut v, 5, i, &filler);
        rig.net.inject(ctl_addr(), cfg.session_addr, v);
    }
    let (cam, mut peak) = (rig.cam, 0);
    rig.net.drive_until(Duration::from_secs(1), |net| {
        peak = peak.max(net.get::<FakeCamera>(cam).held_bytes());
        false
    });
    assert!(peak <= cfg.recv_buffer, "held {peak} bytes");
    assert!(rig.camera().stats().drw_dropped > 0);
    // The session still works.
    let id = rig.command(json!({"pro": "get_parms", "cmd": 101}));
    assert_eq!(rig.reply(id, Duration::from_secs(5))["cmd"], 101);
}

#[test]
fn endless_requests_and_talk_frames_are_capped() {
    let mut cfg = camera_config();
    small_buffers(&mut cfg);
    let mut rig = connected(cfg.clone(), 12);
    // A request block and a talk-back frame that announce 3 MB and never end.
    let mut req = encode_shix(SHIX_REQUEST, &[]);
    req[4..8].copy_from_slice(&3_000_000u32.to_le_bytes());
    let talk = AvHeader {
        len: 3_000_000,
        ..AvHeader::default()
    }
    .encode();
    let now = rig.net.now();
    let conn = rig.controller().conn_mut();
    conn.write(channel::COMMAND, &req).unwrap();
    conn.write(channel::TALK, &talk).unwrap();
    let (cam, mut peak) = (rig.cam, 0);
    for _ in 0..20 {
        let conn = rig.controller().conn_mut();
        conn.write(channel::COMMAND, &[b'x'; 50_000]).unwrap();
        conn.write(channel::TALK, &[b'y'; 50_000]).unwrap();
        rig.net.drive_until(Duration::from_millis(200), |net| {
            peak = peak.max(net.get::<FakeCamera>(cam).held_bytes());
            false
        });
    }
    assert!(rig.net.now() > now);
    // Both were resynchronised rather than waited for.
    assert!(
        peak <= 2 * (MAX_REQUEST + MAX_DRW_DATA),
        "held {peak} bytes"
    );
    assert_eq!(rig.camera().stats().active_sessions, 1);
}
