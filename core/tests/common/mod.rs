//! Shared rig for the simulation tests: a fake camera and a controller on a simulated link.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use pppp::client::{CameraServer, CameraServerConfig};
use pppp::proto::conn::ConnConfig;
use pppp::proto::controller::{Controller, ControllerConfig, Event, Frame};
use pppp::sim::{CameraConfig, Endpoint, FakeCamera, LinkConfig, Network, NodeId};
use pppp::Uid;

pub const UID: &str = "DGOA-123456-ABCDE";

pub fn uid() -> Uid {
    Uid::parse(UID).unwrap()
}

pub fn cam_ip() -> std::net::IpAddr {
    "10.0.0.2".parse().unwrap()
}

pub fn ctl_addr() -> SocketAddr {
    "10.0.0.1:50000".parse().unwrap()
}

/// Small frames keep debug-build tests fast while still spanning several DRW packets.
pub fn camera_config() -> CameraConfig {
    let mut c = CameraConfig::new(uid(), cam_ip());
    c.width = 96;
    c.height = 64;
    c.quality = 60;
    c.fps = 10;
    c
}

/// A camera of `uid` on loopback, both its ports 0 (free ones, chosen when it starts), for the
/// tests on real sockets.
pub fn loopback_config(uid: &str) -> CameraConfig {
    let mut c = CameraConfig::new(Uid::parse(uid).unwrap(), "127.0.0.1".parse().unwrap());
    c.lan_addr = "127.0.0.1:0".parse().unwrap();
    c.session_addr = "127.0.0.1:0".parse().unwrap();
    c
}

/// Spins until `cond()` holds, for state another thread reaches on real sockets (a call
/// blocking, a counter published); fails after a generous minute of wall-clock time, so that a
/// broken wake-up fails instead of hanging (the library itself never reads the clock).
#[allow(clippy::disallowed_methods)]
pub fn spin_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never happened: {what}"
        );
        std::thread::yield_now();
    }
}

/// Starts `camera` on real sockets, with no simulated link.
pub fn start_loopback(camera: CameraConfig) -> CameraServer {
    CameraServer::start(CameraServerConfig {
        camera,
        link: None,
        driver: None,
    })
    .unwrap()
}

pub fn controller_config(cam: &CameraConfig) -> ControllerConfig {
    let conn = ConnConfig::new(cam.uid.clone(), vec![cam.lan_addr]);
    ControllerConfig::new(conn)
}

pub struct Rig {
    pub net: Network,
    pub cam: NodeId,
    pub ctl: NodeId,
    pub events: Vec<Event>,
}

impl Rig {
    pub fn new(link: LinkConfig, seed: u64, cam: CameraConfig, ctl: ControllerConfig) -> Rig {
        let mut net = Network::new(link, seed);
        let now = net.now();
        let camera = FakeCamera::new(cam, now);
        let cam = net.add(camera);
        let mut controller = Controller::new(ctl, now);
        controller.start(now);
        let ctl = net.add(Endpoint::new(ctl_addr(), controller));
        Rig {
            net,
            cam,
            ctl,
            events: Vec::new(),
        }
    }

    pub fn simple(link: LinkConfig, seed: u64) -> Rig {
        let cam = camera_config();
        let ctl = controller_config(&cam);
        Rig::new(link, seed, cam, ctl)
    }

    pub fn controller(&mut self) -> &mut Controller {
        &mut self.net.get_mut::<Endpoint<Controller>>(self.ctl).machine
    }

    pub fn controller_ref(&self) -> &Controller {
        &self.net.get::<Endpoint<Controller>>(self.ctl).machine
    }

    pub fn camera(&self) -> &FakeCamera {
        self.net.get::<FakeCamera>(self.cam)
    }

    /// Moves new controller events into `self.events`.
    pub fn collect(&mut self) {
        let c = &mut self.net.get_mut::<Endpoint<Controller>>(self.ctl).machine;
        while let Some(e) = c.poll_event() {
            self.events.push(e);
        }
    }

    /// Drives until `pred` holds over the collected events, or `limit` passes.
    pub fn until(&mut self, limit: Duration, mut pred: impl FnMut(&[Event]) -> bool) -> bool {
        let ctl = self.ctl;
        let events = &mut self.events;
        self.net.drive_until(limit, |net| {
            let c = &mut net.get_mut::<Endpoint<Controller>>(ctl).machine;
            while let Some(e) = c.poll_event() {
                events.push(e);
            }
            pred(events)
        })
    }

    pub fn connected(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Event::Connected { .. }))
    }

    pub fn connect(&mut self) {
        assert!(
            self.until(Duration::from_secs(10), |e| e
                .iter()
                .any(|e| matches!(e, Event::Connected { .. }))),
            "no connection; events: {:?}",
            self.events
        );
    }

    pub fn login(&mut self) -> Event {
        let now = self.net.now();
        self.controller().login(now).unwrap();
        assert!(
            self.until(Duration::from_secs(10), |e| e
                .iter()
                .any(|e| matches!(e, Event::Login { .. }))),
            "no login answer; events: {:?}",
            self.events
        );
        self.events
            .iter()
            .find(|e| matches!(e, Event::Login { .. }))
            .cloned()
            .unwrap()
    }

    pub fn frames(&self) -> Vec<&Frame> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Frame(f) if f.channel == 1 => Some(f),
                _ => None,
            })
            .collect()
    }

    pub fn closed(&self) -> Option<pppp::proto::conn::CloseReason> {
        self.events.iter().find_map(|e| match e {
            Event::Closed(r) => Some(*r),
            _ => None,
        })
    }
}

/// Checks that `frames` are exactly the camera's frames `0..n` (bytes and order).
pub fn assert_frames_intact(frames: &[&Frame], cam: &CameraConfig, n: usize) {
    assert!(frames.len() >= n, "only {} frames", frames.len());
    for (i, f) in frames.iter().take(n).enumerate() {
        assert_eq!(f.index as usize, i, "frame order");
        let expected = pppp::sim::jpeg::frame(i as u64, cam.width, cam.height, cam.quality);
        assert!(
            f.data == expected,
            "frame {i} corrupted ({} vs {} bytes)",
            f.data.len(),
            expected.len()
        );
        assert_eq!(f.missing_before, 0);
    }
}

// ---- helpers added for the behaviour tests (handshake, keepalive, stranger, …) ----

use pppp::proto::controller::RequestId;

impl Rig {
    /// Number of video frames collected so far.
    pub fn video_count(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::Frame(f) if f.channel == 1))
            .count()
    }

    /// Asks for video and drives until `n` video frames arrived (panics otherwise).
    pub fn stream(&mut self, n: usize, limit: Duration) {
        let now = self.net.now();
        self.controller().start_video(now, 1).unwrap();
        self.more_frames(n, limit);
    }

    /// Drives until at least `n` video frames were collected in total (panics otherwise).
    pub fn more_frames(&mut self, n: usize, limit: Duration) {
        let ok = self.until(limit, |e| {
            e.iter()
                .filter(|e| matches!(e, Event::Frame(f) if f.channel == 1))
                .count()
                >= n
        });
        assert!(
            ok,
            "only {} of {n} frames; closed: {:?}",
            self.video_count(),
            self.closed()
        );
    }

    /// Sends a raw JSON command.
    pub fn command(&mut self, json: serde_json::Value) -> RequestId {
        let now = self.net.now();
        self.controller().command(now, json).unwrap()
    }

    /// The reply or failure collected for `id`, if any.
    pub fn outcome(&self, id: RequestId) -> Option<&Event> {
        self.events.iter().find(|e| match e {
            Event::Reply { id: i, .. } | Event::CommandFailed { id: i, .. } => *i == id,
            _ => false,
        })
    }

    /// Drives until `id` is answered and returns the reply (panics on failure or timeout).
    pub fn reply(&mut self, id: RequestId, limit: Duration) -> serde_json::Value {
        let ok = self.until(limit, |e| {
            e.iter().any(|e| match e {
                Event::Reply { id: i, .. } | Event::CommandFailed { id: i, .. } => *i == id,
                _ => false,
            })
        });
        assert!(ok, "no outcome for {id:?}; events: {:?}", self.events);
        match self.outcome(id) {
            Some(Event::Reply { reply, .. }) => reply.json().clone(),
            e => panic!("{id:?} failed: {e:?}"),
        }
    }

    /// Connects and logs in, asserting that the login is accepted.
    pub fn connect_and_login(&mut self) {
        self.connect();
        match self.login() {
            Event::Login { accepted: true, .. } => {}
            e => panic!("login refused: {e:?}"),
        }
    }
}
