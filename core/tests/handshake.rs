//! Every handshake variant a camera may use (docs/protocol.md §7.2) connects and streams: the CS2
//! echo, P2P_RDY first, CLOSE then P2P_RDY, the 28-byte P2P_RDY of a real BATE camera, and a
//! camera that runs its session from the LAN-search port. The controller must follow the
//! device to the address its answers come from (§7.1).

mod common;

use pppp::proto::SansIo;

use std::any::Any;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use pppp::proto::controller::{Controller, Event};
use pppp::proto::Transmit;
use pppp::sim::{
    CameraConfig, CameraStats, Endpoint, FakeCamera, Handshake, LinkConfig, Network, Node,
};

const FRAMES: usize = 5;

const VARIANTS: [Handshake; 3] = [
    Handshake::Echo,
    Handshake::RdyFirst,
    Handshake::CloseThenRdy,
];

/// The camera's counters show that it ran `cam`'s variant, not another one: a camera that
/// ignored the setting would connect just as well.
fn assert_variant_ran(cam: &CameraConfig, s: &CameraStats, what: &str) {
    assert!(s.sessions >= 1 && s.rdy_sent > 0, "{what}: {s:?}");
    let (rdy_answers, closes) = match cam.handshake {
        Handshake::Echo => (0, 0),
        // Every search is answered with P2P_RDY; the handshake sends no CLOSE.
        Handshake::RdyFirst => (s.searches, 0),
        // One CLOSE before the P2P_RDY burst of every session opened.
        Handshake::CloseThenRdy => (0, s.sessions),
    };
    assert!(s.searches > 0, "{what}: {s:?}");
    assert_eq!(s.searches_answered_rdy, rdy_answers, "{what}: {s:?}");
    assert_eq!(s.handshake_closes, closes, "{what}: {s:?}");
    let long = if cam.long_rdy { s.rdy_sent } else { 0 };
    assert_eq!(s.long_rdy_sent, long, "{what}: 28-byte P2P_RDYs: {s:?}");
}

/// Connects, logs in and streams `FRAMES` intact frames; returns the rig for more checks.
fn run(cam: CameraConfig, link: LinkConfig, seed: u64) -> Rig {
    let ctl = controller_config(&cam);
    let mut rig = Rig::new(link, seed, cam.clone(), ctl);
    rig.connect();
    match rig.login() {
        Event::Login { accepted: true, .. } => {}
        e => panic!("{:?} seed {seed}: {e:?}", cam.handshake),
    }
    rig.stream(FRAMES, Duration::from_secs(30));
    assert_frames_intact(&rig.frames(), &cam, FRAMES);
    assert_eq!(rig.closed(), None, "{:?} seed {seed}", cam.handshake);
    let stats = rig.camera().stats();
    assert_eq!(stats.active_sessions, 1);
    assert_variant_ran(&cam, &stats, &format!("{:?} seed {seed}", cam.handshake));
    rig
}

fn connected_peer(rig: &Rig) -> std::net::SocketAddr {
    let peers: Vec<_> = rig
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Connected { peer, .. } => Some(*peer),
            _ => None,
        })
        .collect();
    assert_eq!(peers.len(), 1, "exactly one Connected event: {peers:?}");
    peers[0]
}

#[test]
fn echo_handshake() {
    let mut cam = camera_config();
    cam.handshake = Handshake::Echo;
    let rig = run(cam, LinkConfig::perfect(), 1);
    assert_eq!(rig.camera().stats().sessions, 1);
}

#[test]
fn rdy_first_handshake() {
    let mut cam = camera_config();
    cam.handshake = Handshake::RdyFirst;
    let rig = run(cam, LinkConfig::perfect(), 2);
    assert_eq!(rig.camera().stats().sessions, 1);
    assert!(rig.camera().stats().searches_answered_rdy >= 1);
}

#[test]
fn close_then_rdy_handshake() {
    let mut cam = camera_config();
    cam.handshake = Handshake::CloseThenRdy;
    let rig = run(cam, LinkConfig::perfect(), 3);
    // The CLOSE that is part of this handshake was sent, and must not have ended anything.
    assert_eq!(rig.camera().stats().handshake_closes, 1);
    assert_eq!(rig.camera().stats().sessions, 1);
    assert!(rig.controller_ref().conn().is_connected());
}

#[test]
fn long_28_byte_rdy_with_every_variant() {
    for (i, hs) in VARIANTS.into_iter().enumerate() {
        let mut cam = camera_config();
        cam.handshake = hs;
        cam.long_rdy = true;
        let rig = run(cam, LinkConfig::perfect(), 10 + i as u64);
        let s = rig.camera().stats();
        assert!(
            s.long_rdy_sent > 0 && s.long_rdy_sent == s.rdy_sent,
            "{hs:?}: {s:?}"
        );
    }
}

#[test]
fn answer_from_lan_port_with_every_variant() {
    for (i, hs) in VARIANTS.into_iter().enumerate() {
        let mut cam = camera_config();
        cam.handshake = hs;
        cam.answer_from_lan_port = true;
        let lan = cam.lan_addr;
        let rig = run(cam, LinkConfig::perfect(), 20 + i as u64);
        assert_eq!(connected_peer(&rig), lan, "{hs:?}");
        assert_eq!(rig.controller_ref().conn().peer(), Some(lan));
    }
}

#[test]
fn every_variant_under_10_percent_loss() {
    for hs in VARIANTS {
        for seed in 0..8 {
            for long_rdy in [false, true] {
                let mut cam = camera_config();
                cam.handshake = hs;
                cam.long_rdy = long_rdy;
                let rig = run(cam.clone(), LinkConfig::lossy(0.10), 1000 + seed);
                assert_eq!(connected_peer(&rig), cam.session_addr, "{hs:?} seed {seed}");
            }
        }
    }
}

#[test]
fn lan_port_variant_under_10_percent_loss() {
    for hs in VARIANTS {
        for seed in 0..4 {
            let mut cam = camera_config();
            cam.handshake = hs;
            cam.answer_from_lan_port = true;
            let rig = run(cam.clone(), LinkConfig::lossy(0.10), 2000 + seed);
            assert_eq!(connected_peer(&rig), cam.lan_addr, "{hs:?} seed {seed}");
        }
    }
}

/// A camera wrapped so that the test sees at which of its sockets each datagram arrives.
struct Tap {
    cam: FakeCamera,
    /// `(virtual time, local socket, sender)` of every datagram received.
    log: Vec<(Instant, SocketAddr, SocketAddr)>,
}

impl Node for Tap {
    fn addrs(&self) -> Vec<SocketAddr> {
        Node::addrs(&self.cam)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl SansIo for Tap {
    fn handle_datagram(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.log.push((now, local, from));
        self.cam.handle_datagram(now, local, from, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.cam.handle_timeout(now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.cam.poll_transmit()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.cam.poll_timeout()
    }
}

#[test]
fn controller_follows_the_device_to_its_session_port() {
    for (i, hs) in VARIANTS.into_iter().enumerate() {
        let cam = CameraConfig {
            handshake: hs,
            ..camera_config()
        };
        assert_ne!(cam.session_addr, cam.lan_addr);
        let mut net = Network::new(LinkConfig::perfect(), 30 + i as u64);
        let now = net.now();
        let tap = net.add(Tap {
            cam: FakeCamera::new(cam.clone(), now),
            log: Vec::new(),
        });
        let mut controller = Controller::new(controller_config(&cam), now);
        controller.start(now);
        let ctl = net.add(Endpoint::new(ctl_addr(), controller));

        let mut events = Vec::new();
        let mut found_at = None;
        let mut login_sent = false;
        let done = net.drive_until(Duration::from_secs(10), |net| {
            let now = net.now();
            let c = &mut net.get_mut::<Endpoint<Controller>>(ctl).machine;
            while let Some(e) = c.poll_event() {
                if matches!(e, Event::Found { .. }) {
                    found_at = Some(now);
                }
                if matches!(e, Event::Connected { .. }) {
                    c.login(now).unwrap();
                    login_sent = true;
                }
                events.push(e);
            }
            events.iter().any(|e| matches!(e, Event::Login { .. }))
        });
        assert!(done && login_sent, "{hs:?}: {events:?}");
        // Some traffic after the login (answers to the camera's keepalives), to be sure the
        // session keeps to its address.
        net.drive_for(Duration::from_secs(5));

        let found: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Found { addr, .. } => Some(*addr),
                _ => None,
            })
            .collect();
        assert_eq!(found, vec![cam.session_addr], "{hs:?}");
        let peers: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Connected { peer, .. } => Some(*peer),
                _ => None,
            })
            .collect();
        assert_eq!(peers, vec![cam.session_addr], "{hs:?}");
        let c = &net.get::<Endpoint<Controller>>(ctl).machine;
        assert_eq!(c.conn().peer(), Some(cam.session_addr));
        assert!(c.conn().is_connected());

        // Every datagram the controller sent after it found the device went to the session
        // socket; only the search reached the LAN socket.
        let found_at = found_at.expect("found");
        let log = &net.get::<Tap>(tap).log;
        let (lan_before, lan_after) = log
            .iter()
            .filter(|(_, local, from)| *local == cam.lan_addr && *from == ctl_addr())
            .fold((0, 0), |(b, a), (t, ..)| {
                if *t <= found_at {
                    (b + 1, a)
                } else {
                    (b, a + 1)
                }
            });
        let session = log
            .iter()
            .filter(|(t, local, from)| {
                *t > found_at && *local == cam.session_addr && *from == ctl_addr()
            })
            .count();
        assert!(lan_before > 0, "{hs:?}: the search reached the LAN port");
        assert_eq!(
            lan_after, 0,
            "{hs:?}: datagrams to the LAN port after Found"
        );
        assert!(
            session > 5,
            "{hs:?}: only {session} datagrams to the session port"
        );
        let cs = net.get::<Tap>(tap).cam.stats();
        assert_eq!(cs.sessions, 1, "{hs:?}");
        assert_eq!(cs.logins_ok, 1, "{hs:?}");
        assert_variant_ran(&cam, &cs, &format!("{hs:?}"));
    }
}

#[test]
fn every_variant_with_duplication_and_jitter() {
    // Jitter lets the P2P_RDY overtake the CLOSE of a "CLOSE then RDY" camera, and a duplicate
    // of that CLOSE may arrive after the first data: still part of the handshake, not an end.
    for hs in VARIANTS {
        for seed in 0..40 {
            let mut cam = camera_config();
            cam.handshake = hs;
            let link = LinkConfig {
                dup: 0.2,
                reorder_delay: Duration::from_millis(60),
                latency: Duration::from_millis(5),
                jitter: Duration::from_millis(5),
                ..LinkConfig::default()
            };
            let rig = run(cam.clone(), link, 3000 + seed);
            assert_eq!(connected_peer(&rig), cam.session_addr, "{hs:?} seed {seed}");
        }
    }
}

#[test]
fn close_then_rdy_camera_can_still_end_the_session() {
    // The handshake's CLOSE is forgiven; a later, real CLOSE (here: a reboot) is not.
    let mut cam = camera_config();
    cam.handshake = Handshake::CloseThenRdy;
    let mut rig = run(cam, LinkConfig::perfect(), 40);
    let id = rig.command(serde_json::json!({"pro": "dev_control", "reboot": 1}));
    assert_eq!(rig.reply(id, Duration::from_secs(5))["result"], 0);
    let t = rig.net.now();
    assert!(rig.until(Duration::from_secs(2), |e| e
        .iter()
        .any(|e| matches!(e, Event::Closed(_)))));
    assert_eq!(rig.closed(), Some(pppp::proto::conn::CloseReason::Remote));
    assert!(rig.net.now() - t < Duration::from_millis(500));
    assert_eq!(rig.camera().stats().reboots, 1);
}
