//! Keepalive and liveness (docs/protocol.md §7.3): an idle session lives as long as ALIVEs flow;
//! the controller declares a silent device dead after `dead_after`; the camera drops a
//! controller that went silent after its idle timeout.

mod common;

use pppp::proto::SansIo;

use std::any::Any;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use pppp::proto::conn::CloseReason;
use pppp::proto::controller::{Controller, Event};
use pppp::proto::Transmit;
use pppp::sim::{Endpoint, FakeCamera, LinkConfig, Network, Node};
use serde_json::json;

#[test]
fn idle_session_stays_up_for_minutes() {
    let mut rig = Rig::simple(LinkConfig::perfect(), 1);
    rig.connect_and_login();
    let before = rig.controller_ref().stats().conn;
    let cam_before = rig.camera().stats();
    rig.net.drive_for(Duration::from_secs(120));
    rig.collect();
    assert_eq!(rig.closed(), None, "{:?}", rig.events);
    assert!(rig.controller_ref().conn().is_connected());

    // Only keepalives kept it up: the camera's ALIVE every second, each answered with one
    // ALIVE_ACK; the controller's own ALIVE yields to the camera's (docs/protocol.md §7.3),
    // so one datagram each way per second, not two.
    let after = rig.controller_ref().stats().conn;
    let sent = after.datagrams_sent - before.datagrams_sent;
    let received = after.datagrams_received - before.datagrams_received;
    assert!(
        (115..=125).contains(&received),
        "controller got {received} in 120 s"
    );
    // (±1: an exchange may straddle either end of the window.)
    assert!(
        sent.abs_diff(received) <= 1,
        "{sent} sent for {received} received: one ALIVE_ACK per ALIVE and nothing else"
    );
    assert_eq!(after.send[0].packets, before.send[0].packets, "no commands");
    let cs = rig.camera().stats();
    assert_eq!(cs.idle_drops, 0);
    assert_eq!(cs.active_sessions, 1);
    assert_eq!(cs.sessions, cam_before.sessions);

    // Still usable.
    let id = rig.command(json!({"pro": "get_parms"}));
    let reply = rig.reply(id, Duration::from_secs(5));
    assert_eq!(reply["result"], 0);
}

#[test]
fn controller_keepalives_alone_keep_a_quiet_camera() {
    // This camera never volunteers an ALIVE; it only answers the controller's.
    let mut cam = camera_config();
    cam.alive_interval = Duration::from_secs(3600);
    let ctl = controller_config(&cam);
    let alive_interval = ctl.conn.alive_interval;
    let mut rig = Rig::new(LinkConfig::perfect(), 2, cam, ctl);
    rig.connect_and_login();
    let before = rig.controller_ref().stats().conn;
    rig.net.drive_for(Duration::from_secs(120));
    rig.collect();
    assert_eq!(rig.closed(), None, "{:?}", rig.events);
    assert_eq!(rig.camera().stats().idle_drops, 0);
    let after = rig.controller_ref().stats().conn;
    let sent = after.datagrams_sent - before.datagrams_sent;
    let expected = (120.0 / alive_interval.as_secs_f64()) as u64;
    assert!(
        sent >= expected - 2 && sent <= expected + 2,
        "{sent} ALIVEs in 120 s, expected about {expected}"
    );
    // Every ALIVE was answered (plus a few stragglers of the login exchange).
    let received = after.datagrams_received - before.datagrams_received;
    assert!(
        received >= sent && received <= sent + 5,
        "{received} received for {sent} sent"
    );
}

#[test]
fn idle_session_survives_lossy_keepalives() {
    for seed in 0..4 {
        let mut rig = Rig::simple(LinkConfig::lossy(0.2), 10 + seed);
        rig.connect_and_login();
        rig.net.drive_for(Duration::from_secs(60));
        rig.collect();
        assert_eq!(rig.closed(), None, "seed {seed}");
        assert_eq!(rig.camera().stats().idle_drops, 0, "seed {seed}");
    }
}

/// When the controller last received a datagram, tracked step by step.
struct RxTracker {
    count: u64,
    at: Option<Instant>,
}

/// Drives for at most `limit`, tracking receptions, until the controller closes; returns the
/// close reason and time, if it closed.
fn drive_tracking(
    rig: &mut Rig,
    tracker: &mut RxTracker,
    limit: Duration,
) -> Option<(CloseReason, Instant)> {
    let ctl = rig.ctl;
    let mut closed = None;
    let events = &mut rig.events;
    rig.net.drive_until(limit, |net| {
        let now = net.now();
        let c = &mut net.get_mut::<Endpoint<Controller>>(ctl).machine;
        let n = c.stats().conn.datagrams_received;
        if n != tracker.count {
            tracker.count = n;
            tracker.at = Some(now);
        }
        while let Some(e) = c.poll_event() {
            if let Event::Closed(r) = e {
                closed = Some((r, now));
            }
            events.push(e);
        }
        closed.is_some()
    });
    closed
}

#[test]
fn vanished_camera_is_declared_dead_after_dead_after() {
    for (seed, stream) in [(20, false), (21, true)] {
        let mut rig = Rig::simple(LinkConfig::perfect(), seed);
        rig.connect_and_login();
        if stream {
            rig.stream(5, Duration::from_secs(5));
        }
        let mut tracker = RxTracker {
            count: received(&rig),
            at: None,
        };
        assert_eq!(
            drive_tracking(&mut rig, &mut tracker, Duration::from_millis(2500)),
            None
        );
        assert!(
            tracker.at.is_some(),
            "keepalives arrived before the camera vanished"
        );
        let dead_after = rig.controller_ref().config().conn.dead_after;
        // The camera disappears: nothing crosses the link any more.
        let gone = rig.net.now();
        rig.net.link_mut().set_config(LinkConfig::lossy(1.0));
        let (reason, at) = drive_tracking(&mut rig, &mut tracker, Duration::from_secs(60))
            .expect("the session did not close");
        let last_rx = tracker.at.unwrap();
        assert!(
            last_rx <= gone + Duration::from_millis(2),
            "heard the camera after it vanished"
        );
        assert_eq!(reason, CloseReason::PeerTimeout, "stream={stream}");
        // Closed exactly `dead_after` after the last datagram from the camera…
        let silence = at - last_rx;
        assert!(
            silence >= dead_after && silence <= dead_after + Duration::from_millis(20),
            "stream={stream}: closed after {silence:?} of silence"
        );
        // …which was at most a keepalive period before the camera vanished.
        let since_gone = at - gone;
        assert!(
            since_gone >= dead_after - Duration::from_millis(1100)
                && since_gone <= dead_after + Duration::from_millis(20),
            "stream={stream}: closed {since_gone:?} after the camera vanished"
        );
        assert!(!rig.controller_ref().conn().is_connected());
    }
}

#[test]
fn no_timeout_while_data_flows_without_keepalives() {
    // Streaming for longer than dead_after: data and ACKs are proof of life on both sides.
    let mut rig = Rig::simple(LinkConfig::perfect(), 30);
    rig.connect_and_login();
    rig.stream(150, Duration::from_secs(30));
    assert_eq!(rig.closed(), None);
    assert!(rig.net.elapsed() > rig.controller_ref().config().conn.dead_after);
    assert_eq!(rig.camera().stats().idle_drops, 0);
}

/// A controller node that can be muted: it keeps receiving but its datagrams vanish.
struct Mutable {
    inner: Endpoint<Controller>,
    mute: bool,
}

impl Node for Mutable {
    fn addrs(&self) -> Vec<SocketAddr> {
        vec![self.inner.addr]
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl SansIo for Mutable {
    fn handle_datagram(&mut self, now: Instant, _local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.inner.machine.handle_datagram(now, from, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.inner.machine.handle_timeout(now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        loop {
            let t = self.inner.machine.poll_transmit()?;
            if !self.mute {
                return Some(t);
            }
        }
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.inner.machine.poll_timeout()
    }
}

#[test]
fn camera_drops_a_silent_controller() {
    let cam_cfg = camera_config();
    let idle_timeout = cam_cfg.idle_timeout;
    let mut net = Network::new(LinkConfig::perfect(), 40);
    let now = net.now();
    let cam = net.add(FakeCamera::new(cam_cfg.clone(), now));
    let mut controller = Controller::new(controller_config(&cam_cfg), now);
    controller.start(now);
    let ctl = net.add(Mutable {
        inner: Endpoint::new(ctl_addr(), controller),
        mute: false,
    });
    let mut events = Vec::new();
    let drain = |net: &mut Network, events: &mut Vec<Event>| {
        let c = &mut net.get_mut::<Mutable>(ctl).inner.machine;
        while let Some(e) = c.poll_event() {
            events.push(e);
        }
    };
    assert!(net.drive_until(Duration::from_secs(5), |net| {
        drain(net, &mut events);
        events.iter().any(|e| matches!(e, Event::Connected { .. }))
    }));
    // Stream for a while, then the controller goes silent (it still hears the camera).
    let now = net.now();
    let c = &mut net.get_mut::<Mutable>(ctl).inner.machine;
    c.login(now).unwrap();
    c.start_video(now, 1).unwrap();
    net.drive_for(Duration::from_secs(2));
    drain(&mut net, &mut events);
    assert!(events.iter().any(|e| matches!(e, Event::Frame(_))));
    assert_eq!(net.get::<FakeCamera>(cam).stats().active_sessions, 1);

    net.get_mut::<Mutable>(ctl).mute = true;
    let muted_at = net.now();
    let mut dropped_at = None;
    assert!(net.drive_until(Duration::from_secs(30), |net| {
        let s = net.get::<FakeCamera>(cam).stats();
        if s.idle_drops > 0 && dropped_at.is_none() {
            dropped_at = Some(net.now());
        }
        dropped_at.is_some()
    }));
    let waited = dropped_at.unwrap() - muted_at;
    // The last datagram from the controller left just before the mute and took 1 ms.
    assert!(
        waited >= idle_timeout - Duration::from_millis(1100)
            && waited <= idle_timeout + Duration::from_millis(20),
        "camera dropped the session {waited:?} after the controller went silent"
    );
    let s = net.get::<FakeCamera>(cam).stats();
    assert_eq!(s.idle_drops, 1);
    assert_eq!(s.active_sessions, 0);
    assert!(net.get::<FakeCamera>(cam).peers().is_empty());

    // The camera stopped streaming and talking: the controller, still listening, times out.
    let frames_sent = s.video_frames;
    let mut closed = None;
    net.drive_until(Duration::from_secs(30), |net| {
        drain(net, &mut events);
        closed = events.iter().find_map(|e| match e {
            Event::Closed(r) => Some(*r),
            _ => None,
        });
        closed.is_some()
    });
    assert_eq!(closed, Some(CloseReason::PeerTimeout));
    assert_eq!(net.get::<FakeCamera>(cam).stats().video_frames, frames_sent);
}

#[test]
fn a_camera_given_an_alive_phase_keeps_alive_that_much_later() {
    // The emulator spreads the keepalives of cameras connected together this way.
    let mut cam = camera_config();
    cam.alive_phase = Duration::from_secs(2);
    let mut ctl = controller_config(&cam);
    ctl.conn.alive_interval = Duration::from_secs(30); // only the camera speaks first
    let mut rig = Rig::new(LinkConfig::perfect(), 4, cam, ctl);
    rig.connect_and_login();
    rig.net.drive_for(Duration::from_millis(300)); // the login's ACKs
    let quiet_from = received(&rig);
    // Without the phase its ALIVE would come one second after its last reply.
    rig.net.drive_for(Duration::from_millis(1200));
    assert_eq!(received(&rig), quiet_from, "no ALIVE before the phase");
    rig.net.drive_for(Duration::from_secs(3));
    assert!(
        received(&rig) > quiet_from,
        "the ALIVE came after the phase"
    );
    rig.collect();
    assert_eq!(rig.closed(), None);
}

/// Datagrams the controller received so far.
fn received(rig: &Rig) -> u64 {
    rig.controller_ref().stats().conn.datagrams_received
}
