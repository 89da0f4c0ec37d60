//! The session supervisor in virtual time, as the driver runs it: the camera lost mid-stream
//! and back, a reboot that comes back on a new session port, a password changed while the
//! camera was away, a close during reconnection, and a first connection that fails.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use pppp::proto::conn::CloseReason;
use pppp::proto::ops::Op;
use pppp::proto::reconnect::ReconnectPolicy;
use pppp::proto::supervisor::{Event, Failure, Request, Supervisor, SupervisorConfig};
use pppp::sim::{CameraConfig, Endpoint, FakeCamera, LinkConfig, Network, NodeId};
use serde_json::json;

struct Rig {
    net: Network,
    cam: NodeId,
    sup: NodeId,
    events: Vec<(Duration, Event)>,
    /// Events before this index were matched by `expect` already.
    cursor: usize,
}

fn policy() -> ReconnectPolicy {
    ReconnectPolicy {
        initial_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(2),
        max_attempts: None,
    }
}

impl Rig {
    fn new(cam: CameraConfig) -> Rig {
        let mut ctl = controller_config(&cam);
        ctl.conn.connect_timeout = Duration::from_secs(3);
        ctl.conn.dead_after = Duration::from_secs(4);
        let mut net = Network::new(LinkConfig::perfect(), 5);
        let now = net.now();
        let cam = net.add(FakeCamera::new(cam, now));
        let mut sup = Supervisor::new(
            SupervisorConfig {
                controller: ctl,
                reconnect: Some(policy()),
            },
            now,
        );
        sup.start(now);
        let sup = net.add(Endpoint::new(ctl_addr(), sup));
        Rig {
            net,
            cam,
            sup,
            events: Vec::new(),
            cursor: 0,
        }
    }

    fn sup(&mut self) -> &mut Supervisor {
        &mut self.net.get_mut::<Endpoint<Supervisor>>(self.sup).machine
    }

    /// Drives until an event matching `pred` arrives (true) or `limit` passes (false).
    fn until(&mut self, limit: Duration, pred: impl Fn(&Event) -> bool) -> bool {
        let id = self.sup;
        let events = &mut self.events;
        self.net.drive_until(limit, |net| {
            let at = net.elapsed();
            let s = &mut net.get_mut::<Endpoint<Supervisor>>(id).machine;
            let mut hit = false;
            while let Some(e) = s.poll_event() {
                hit |= pred(&e);
                events.push((at, e));
            }
            hit
        })
    }

    /// Waits for the next event matching `pred` after those `expect` already matched (it may
    /// have arrived already); returns when it did.
    fn expect(&mut self, limit: Duration, what: &str, pred: impl Fn(&Event) -> bool) -> Duration {
        let seen = |events: &[(Duration, Event)], from: usize| {
            events[from..]
                .iter()
                .position(|(_, e)| pred(e))
                .map(|i| from + i)
        };
        if seen(&self.events, self.cursor).is_none() {
            assert!(
                self.until(limit, &pred),
                "no {what} within {limit:?}; events: {:?}",
                self.kinds()
            );
        }
        let i = seen(&self.events, self.cursor).expect("just seen");
        self.cursor = i + 1;
        self.events[i].0
    }

    /// Runs for `d` of virtual time, collecting events.
    fn drive_for(&mut self, d: Duration) {
        self.until(d, |_| false);
    }

    fn kinds(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|(t, e)| match e {
                Event::Frame(f) => format!("{t:?} frame#{}", f.index),
                e => format!("{t:?} {e:?}"),
            })
            .collect()
    }

    fn connect_login_stream(&mut self) {
        self.expect(Duration::from_secs(5), "connection", |e| {
            matches!(e, Event::Connected { .. })
        });
        let now = self.net.now();
        let id = self.sup().login(now).unwrap();
        self.expect(
            Duration::from_secs(5),
            "login",
            |e| matches!(e, Event::Done { id: i, outcome: Ok(_) } if *i == id),
        );
        let now = self.net.now();
        self.sup()
            .request(now, Request::Op(Op::start_video(1)))
            .unwrap();
        self.frames_after(Duration::ZERO, 3, Duration::from_secs(5));
    }

    /// Drives until `n` video frames arrived after virtual time `t`; returns when the first did.
    fn frames_after(&mut self, t: Duration, n: usize, limit: Duration) -> Duration {
        let count = |events: &[(Duration, Event)]| {
            events
                .iter()
                .filter(|(at, e)| *at > t && matches!(e, Event::Frame(f) if f.channel == 1))
                .count()
        };
        let id = self.sup;
        let events = &mut self.events;
        let ok = self.net.drive_until(limit, |net| {
            let at = net.elapsed();
            let s = &mut net.get_mut::<Endpoint<Supervisor>>(id).machine;
            while let Some(e) = s.poll_event() {
                events.push((at, e));
            }
            count(events) >= n
        });
        assert!(ok, "fewer than {n} frames after {t:?}: {:?}", self.kinds());
        self.events
            .iter()
            .find(|(at, e)| *at > t && matches!(e, Event::Frame(f) if f.channel == 1))
            .map(|(at, _)| *at)
            .expect("counted")
    }

    fn count(&self, pred: impl Fn(&Event) -> bool) -> usize {
        self.events.iter().filter(|(_, e)| pred(e)).count()
    }
}

fn with_session_port(mut c: CameraConfig, port: u16) -> CameraConfig {
    c.session_addr = SocketAddr::new(c.session_addr.ip(), port);
    c
}

#[test]
fn camera_lost_mid_stream_is_reported_and_resumed_when_it_returns() {
    let cam = camera_config();
    let mut rig = Rig::new(cam.clone());
    rig.connect_login_stream();
    let lost_at = rig.net.elapsed();
    rig.net.unplug(rig.cam); // silent: no CLOSE, nothing
    let disconnected = rig.expect(Duration::from_secs(10), "disconnect", |e| {
        matches!(
            e,
            Event::Disconnected {
                reason: CloseReason::PeerTimeout
            }
        )
    });
    assert!(
        disconnected - lost_at <= Duration::from_secs(10),
        "the loss is reported within 10 s"
    );
    rig.expect(
        Duration::from_secs(5),
        "reconnection attempt",
        |e| matches!(e, Event::Connecting { attempt } if *attempt >= 1),
    );
    // Attempts keep failing while the camera is away.
    rig.drive_for(Duration::from_secs(8));
    assert!(rig.count(|e| matches!(e, Event::Connecting { attempt } if *attempt >= 2)) > 0);
    assert_eq!(
        rig.count(|e| matches!(e, Event::Closed(_))),
        0,
        "still recovering"
    );
    assert!(rig.sup().is_recovering());

    let now = rig.net.now();
    let back = rig.net.elapsed();
    let cam_id = rig.cam;
    rig.net.replace(cam_id, FakeCamera::new(cam, now));
    rig.expect(Duration::from_secs(5), "reconnection", |e| {
        matches!(e, Event::Reconnected { .. })
    });
    rig.expect(Duration::from_secs(5), "login again", |e| {
        matches!(e, Event::LoggedIn { .. })
    });
    let first = rig.frames_after(back, 3, Duration::from_secs(5));
    assert!(
        first - back < Duration::from_secs(3),
        "frames again {:?} after the camera returned",
        first - back
    );
    assert_eq!(rig.sup().reconnects(), 1);
}

#[test]
fn reboot_on_a_new_session_port_reconnects_there_and_streams_again() {
    let cam = camera_config();
    let mut rig = Rig::new(cam.clone());
    rig.connect_login_stream();
    let old_peer = rig
        .events
        .iter()
        .find_map(|(_, e)| match e {
            Event::Connected { peer, .. } => Some(*peer),
            _ => None,
        })
        .expect("connected");
    let now = rig.net.now();
    rig.sup()
        .request(
            now,
            Request::Json(json!({"pro": "dev_control", "cmd": 102, "reboot": 1})),
        )
        .unwrap();
    rig.expect(Duration::from_secs(5), "disconnect", |e| {
        matches!(
            e,
            Event::Disconnected {
                reason: CloseReason::Remote
            }
        )
    });
    // The camera comes back after its reboot with another session port.
    rig.drive_for(Duration::from_millis(700));
    let now = rig.net.now();
    let back = rig.net.elapsed();
    let cam_id = rig.cam;
    let new_port = old_peer.port() + 7;
    rig.net.replace(
        cam_id,
        FakeCamera::new(with_session_port(cam, new_port), now),
    );
    rig.expect(
        Duration::from_secs(5),
        "reconnection",
        |e| matches!(e, Event::Reconnected { peer, .. } if peer.port() == new_port),
    );
    let first = rig.frames_after(back, 3, Duration::from_secs(5));
    assert!(
        first - back < Duration::from_secs(3),
        "frames again {:?} after the reboot",
        first - back
    );
}

#[test]
fn a_password_changed_while_away_ends_the_session_with_login_refused() {
    let cam = camera_config();
    let mut rig = Rig::new(cam.clone());
    rig.connect_login_stream();
    rig.net.unplug(rig.cam);
    rig.expect(Duration::from_secs(10), "disconnect", |e| {
        matches!(e, Event::Disconnected { .. })
    });
    let mut changed = cam;
    changed.password = "changed-while-away".into();
    let now = rig.net.now();
    let cam_id = rig.cam;
    rig.net.replace(cam_id, FakeCamera::new(changed, now));
    rig.expect(Duration::from_secs(10), "refused login", |e| {
        matches!(e, Event::LoginRefused { .. })
    });
    rig.expect(Duration::from_secs(5), "end", |e| {
        matches!(e, Event::Closed(CloseReason::LoginRefused { .. }))
    });
    let attempts = rig.count(|e| matches!(e, Event::Connecting { .. }));
    rig.drive_for(Duration::from_secs(20));
    assert_eq!(
        rig.count(|e| matches!(e, Event::Connecting { .. })),
        attempts,
        "no attempt after the refusal"
    );
    assert!(rig.sup().is_finished());
}

#[test]
fn close_during_reconnection_ends_at_once_and_stops_attempts() {
    let cam = camera_config();
    let mut rig = Rig::new(cam);
    rig.connect_login_stream();
    rig.net.unplug(rig.cam);
    rig.expect(
        Duration::from_secs(10),
        "attempt",
        |e| matches!(e, Event::Connecting { attempt } if *attempt >= 1),
    );
    // A request made while the camera is away fails rather than waiting for it.
    let now = rig.net.now();
    match rig.sup().request(now, Request::Op(Op::GetParams)) {
        Err(_) => {}
        Ok(id) => {
            rig.expect(Duration::from_secs(10), "failure", |e| {
                matches!(e, Event::Done { id: i, outcome: Err(Failure::Command(_)) } if *i == id)
            });
        }
    }
    let now = rig.net.now();
    rig.sup().close(now);
    rig.expect(Duration::from_secs(3), "close", |e| {
        matches!(e, Event::Closed(CloseReason::Local))
    });
    let attempts = rig.count(|e| matches!(e, Event::Connecting { .. }));
    rig.drive_for(Duration::from_secs(30));
    assert_eq!(
        rig.count(|e| matches!(e, Event::Connecting { .. })),
        attempts
    );
    assert!(rig.sup().is_finished());
    assert_eq!(rig.sup().poll_timeout(), None, "no timer left");
}

#[test]
fn a_first_connection_that_fails_is_final() {
    let cam = camera_config();
    let mut rig = Rig::new(cam);
    rig.net.unplug(rig.cam);
    rig.expect(Duration::from_secs(10), "end", |e| {
        matches!(e, Event::Closed(CloseReason::NotFound))
    });
    assert_eq!(
        rig.count(|e| matches!(e, Event::Connecting { .. })),
        1,
        "no reconnection before the first connection"
    );
    assert!(rig.sup().is_finished());
}

#[test]
fn request_ids_stay_unique_across_reconnections() {
    let cam = camera_config();
    let mut rig = Rig::new(cam.clone());
    rig.connect_login_stream();
    let now = rig.net.now();
    let before = rig.sup().request(now, Request::Op(Op::GetParams)).unwrap();
    rig.net.unplug(rig.cam);
    rig.expect(Duration::from_secs(10), "disconnect", |e| {
        matches!(e, Event::Disconnected { .. })
    });
    let now = rig.net.now();
    let cam_id = rig.cam;
    rig.net.replace(cam_id, FakeCamera::new(cam, now));
    rig.expect(Duration::from_secs(10), "login again", |e| {
        matches!(e, Event::LoggedIn { .. })
    });
    let now = rig.net.now();
    let after = rig.sup().request(now, Request::Op(Op::GetParams)).unwrap();
    assert!(
        after > before,
        "{after:?} reuses an id of the first session ({before:?})"
    );
    rig.expect(
        Duration::from_secs(5),
        "reply",
        |e| matches!(e, Event::Done { id, outcome: Ok(_) } if *id == after),
    );
}

#[test]
fn a_session_that_wants_video_or_is_recovering_is_never_quiet() {
    let mut rig = Rig::new(camera_config());
    rig.connect_login_stream();
    let quiet = |rig: &mut Rig| {
        let now = rig.net.now();
        (
            rig.sup().is_quiet(now),
            rig.sup().controller().is_quiet(now),
        )
    };
    assert!(!quiet(&mut rig).0, "streaming");
    // The camera goes silent: after QUIET_AFTER the transport carries nothing, but the user
    // still wants video, so the session must not be read late.
    rig.net.unplug(rig.cam);
    rig.drive_for(pppp::proto::conn::QUIET_AFTER + Duration::from_millis(500));
    assert_eq!(quiet(&mut rig), (false, true), "video wanted, no data");
    rig.expect(
        Duration::from_secs(10),
        "reconnection attempt",
        |e| matches!(e, Event::Connecting { attempt } if *attempt >= 1),
    );
    for _ in 0..20 {
        rig.drive_for(Duration::from_millis(250));
        assert!(!quiet(&mut rig).0, "recovering");
    }
    // Video stopped by the user once the camera is back: quiet after QUIET_AFTER.
    let now = rig.net.now();
    let cam_id = rig.cam;
    rig.net
        .replace(cam_id, FakeCamera::new(camera_config(), now));
    rig.expect(Duration::from_secs(5), "login again", |e| {
        matches!(e, Event::LoggedIn { .. })
    });
    let now = rig.net.now();
    let id = rig.sup().request(now, Request::Op(Op::StopVideo)).unwrap();
    rig.expect(
        Duration::from_secs(5),
        "video stopped",
        |e| matches!(e, Event::Done { id: i, .. } if *i == id),
    );
    rig.drive_for(pppp::proto::conn::QUIET_AFTER + Duration::from_secs(1));
    assert_eq!(quiet(&mut rig), (true, true), "only keepalives now");
}
