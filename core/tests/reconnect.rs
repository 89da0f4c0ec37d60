//! Reconnect policy: the backoff schedule and the resume of a lost session, in virtual time
//! (the camera reboots and stays silent while attempts fail), and the same through
//! `Session` on loopback (events, frames continuing on the same `next_frame`, giving up).

mod common;

use std::time::Duration;

use common::*;
use pppp::client::{CameraServer, Session, SessionConfig, SessionEvent};
use pppp::proto::conn::CloseReason;
use pppp::proto::controller::{Controller, Event};
use pppp::proto::reconnect::{ReconnectPolicy, ReconnectState, Reconnector};
use pppp::sim::LinkConfig;
use serde_json::json;

#[test]
fn backoff_schedule_and_resume_in_virtual_time() {
    let mut cam = camera_config();
    cam.reboot_time = Duration::from_secs(4);
    let mut ctl = controller_config(&cam);
    ctl.conn.connect_timeout = Duration::from_secs(1);
    let mut rig = Rig::new(LinkConfig::perfect(), 11, cam, ctl.clone());
    rig.connect_and_login();
    rig.stream(3, Duration::from_secs(5));
    let id = rig.command(json!({"pro": "dev_control", "cmd": 102, "reboot": 1}));
    rig.reply(id, Duration::from_secs(5));
    assert!(
        rig.until(Duration::from_secs(5), |e| e
            .iter()
            .any(|e| matches!(e, Event::Closed(_)))),
        "the reboot did not close the session"
    );
    assert_eq!(rig.closed(), Some(CloseReason::Remote));
    let lost = rig.net.elapsed();

    let policy = ReconnectPolicy {
        initial_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(2),
        max_attempts: Some(10),
    };
    let mut r = Reconnector::new(policy);
    r.on_lost(rig.net.now());
    let mut starts = Vec::new();
    let mut failures = Vec::new();
    let succeeded = loop {
        let at = r.poll_timeout().expect("an attempt is scheduled");
        let wait = at.saturating_duration_since(rig.net.now());
        rig.net.drive_for(wait);
        let now = rig.net.now();
        let attempt = r.handle_timeout(now).expect("the attempt is due");
        starts.push(rig.net.elapsed() - lost);
        // What Session does: a fresh controller for every attempt.
        let mut c = Controller::new(ctl.clone(), now);
        c.start(now);
        *rig.controller() = c;
        rig.events.clear();
        rig.until(Duration::from_secs(5), |e| {
            e.iter()
                .any(|e| matches!(e, Event::Connected { .. } | Event::Closed(_)))
        });
        if rig.connected() {
            break r.on_connected().expect("was recovering");
        }
        assert_eq!(rig.closed(), Some(CloseReason::NotFound));
        failures.push(rig.net.elapsed() - lost);
        r.on_attempt_failed(rig.net.now());
        assert!(attempt < 10);
    };
    // Attempts at +0.5 s, then each failure (1 s search) plus 1 s, 2 s: the camera is back
    // 4 s after the loss, so the third attempt succeeds.
    let ms = |d: &Duration| d.as_millis() as i64;
    let expect_starts = [500, 2500, 5500];
    assert_eq!(starts.len(), 3, "attempts at {starts:?}");
    for (got, want) in starts.iter().zip(expect_starts) {
        assert!((ms(got) - want).abs() <= 20, "attempts at {starts:?}");
    }
    for (got, want) in failures.iter().zip([1500, 3500]) {
        assert!((ms(got) - want).abs() <= 20, "failures at {failures:?}");
    }
    assert_eq!(succeeded, 3);
    assert_eq!(r.state(), ReconnectState::Connected);
    assert_eq!(r.reconnects(), 1);

    // Resume: log in again, restart video; frames keep coming from the camera's counter.
    rig.connect_and_login();
    let before = rig.camera().stats().video_frames;
    rig.stream(3, Duration::from_secs(5));
    let frames = rig.frames();
    assert!(frames.iter().all(|f| u64::from(f.index) >= before - 3));
    let s = rig.camera().stats();
    assert_eq!((s.reboots, s.sessions), (1, 2));
}

#[test]
fn gives_up_after_max_attempts() {
    let mut r = Reconnector::new(ReconnectPolicy {
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(150),
        max_attempts: Some(2),
    });
    let t0 = pppp::sim::SimClock::new().now();
    assert_eq!(r.handle_timeout(t0), None, "nothing before a loss");
    r.on_lost(t0);
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_millis(100)));
    assert_eq!(r.handle_timeout(t0 + Duration::from_millis(99)), None);
    assert_eq!(r.handle_timeout(t0 + Duration::from_millis(100)), Some(1));
    r.on_attempt_failed(t0 + Duration::from_millis(300));
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_millis(450)));
    assert_eq!(r.handle_timeout(t0 + Duration::from_secs(1)), Some(2));
    r.on_attempt_failed(t0 + Duration::from_secs(2));
    assert_eq!(r.state(), ReconnectState::GaveUp { attempts: 2 });
    assert!(!r.is_recovering());
    assert_eq!(r.poll_timeout(), None);
}

const UID: &str = "DGOA-777777-RECON";

fn server(reboot_time: Duration) -> CameraServer {
    let mut c = common::loopback_config(UID);
    c.width = 96;
    c.height = 64;
    c.fps = 20;
    c.reboot_time = reboot_time;
    common::start_loopback(c)
}

fn session_config(cam: &CameraServer, attempts: u32) -> SessionConfig {
    let mut c = SessionConfig::new(UID)
        .host(cam.lan_addr().to_string())
        .reconnect(ReconnectPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
            max_attempts: Some(attempts),
        });
    c.broadcast = false;
    c.connect_timeout = Duration::from_secs(2);
    c.dead_after = Duration::from_secs(2);
    c
}

fn next_event(s: &Session) -> SessionEvent {
    s.events()
        .recv_timeout(Duration::from_secs(20))
        .expect("a session event")
}

/// The next event that changes the session's state (skips the progress reports
/// `Connecting` and `LoggedIn`, checked separately).
fn next_life_event(s: &Session) -> SessionEvent {
    loop {
        match next_event(s) {
            SessionEvent::Connecting | SessionEvent::LoggedIn { .. } => {}
            e => return e,
        }
    }
}

#[test]
fn events_beyond_the_queue_drop_the_oldest_and_are_counted() {
    let cam = server(Duration::from_secs(1));
    let mut c = session_config(&cam, 0);
    c.event_queue = 1;
    let s = Session::connect(c).unwrap();
    s.login().unwrap();
    // Connecting, Connected and LoggedIn were queued unread: only the newest is left.
    assert!(matches!(next_event(&s), SessionEvent::LoggedIn { .. }));
    assert_eq!(s.try_next_event(), None);
    assert_eq!(s.stats().events_dropped, 2);
}

#[test]
fn session_reconnects_after_reboot_and_keeps_streaming() {
    let cam = server(Duration::from_millis(800));
    let s = Session::connect(session_config(&cam, 30)).unwrap();
    assert_eq!(next_event(&s), SessionEvent::Connecting);
    assert!(matches!(next_event(&s), SessionEvent::Connected { .. }));
    s.login().unwrap();
    assert!(matches!(next_event(&s), SessionEvent::LoggedIn { .. }));
    s.start_video().unwrap();
    s.start_audio().unwrap();
    for _ in 0..3 {
        s.next_frame(Duration::from_secs(5))
            .unwrap()
            .expect("frame");
    }
    s.command(json!({"pro": "dev_control", "cmd": 102, "reboot": 1}))
        .unwrap();
    assert_eq!(
        next_event(&s),
        SessionEvent::Disconnected {
            reason: CloseReason::Remote
        }
    );
    assert!(s.is_open(), "a reconnecting session is still open");
    assert_eq!(
        next_event(&s),
        SessionEvent::Connecting,
        "an attempt starts"
    );
    match next_life_event(&s) {
        SessionEvent::Reconnected { attempt } => assert!(attempt >= 1),
        e => panic!("expected Reconnected, got {e:?}"),
    }
    assert!(
        matches!(next_event(&s), SessionEvent::LoggedIn { .. }),
        "the session logs in again"
    );
    // Frames continue on the same receiver: drain what was queued before the reboot, then
    // see frames of the new session (the camera's frame counter keeps counting).
    let reboots_before = cam.stats().video_frames;
    let mut fresh = 0;
    for _ in 0..200 {
        let f = s
            .next_frame(Duration::from_secs(5))
            .unwrap()
            .expect("frame");
        if u64::from(f.index) >= reboots_before {
            fresh += 1;
            if fresh == 3 {
                break;
            }
        }
    }
    assert_eq!(fresh, 3, "no frames after the reconnection");
    // Audio was restarted too: frames the camera produced after the reconnection arrive.
    let audio_before = cam.stats().audio_frames;
    let mut fresh_audio = false;
    for _ in 0..500 {
        let a = s
            .next_audio(Duration::from_secs(5))
            .unwrap()
            .expect("audio");
        assert_eq!(a.pcm().unwrap().len(), 512);
        if u64::from(a.index) >= audio_before {
            fresh_audio = true;
            break;
        }
    }
    assert!(fresh_audio, "audio did not resume after the reconnection");
    assert_eq!(s.stats().reconnects, 1);
    let st = cam.stats();
    assert_eq!(st.reboots, 1);
    assert!(st.sessions >= 2);
    assert!(st.logins_ok >= 2, "logged in again after reconnecting");
    s.close();
    assert!(!s.is_open());
}

#[test]
fn session_gives_up_and_reports_offline() {
    let mut cam = server(Duration::from_secs(1));
    let s = Session::connect(session_config(&cam, 2)).unwrap();
    s.login().unwrap();
    s.start_video().unwrap();
    s.next_frame(Duration::from_secs(5))
        .unwrap()
        .expect("frame");
    cam.stop(); // gone for good, without a word
    let mut events = Vec::new();
    loop {
        let e = next_life_event(&s);
        let end = matches!(e, SessionEvent::Closed(_));
        events.push(e);
        if end {
            break;
        }
    }
    assert!(
        events.contains(&SessionEvent::Disconnected {
            reason: CloseReason::PeerTimeout
        }),
        "{events:?}"
    );
    assert_eq!(
        events.last(),
        Some(&SessionEvent::Closed(CloseReason::NotFound))
    );
    assert!(!events
        .iter()
        .any(|e| matches!(e, SessionEvent::Reconnected { .. })));
    // Nothing more can come: a wait for the next event ends (it would block forever else).
    assert_eq!(s.events().recv().ok(), None);
    assert_eq!(s.next_event(Duration::from_secs(3600)), None);
    // Frames already received are still handed out, then the error says why.
    let err = loop {
        match s.next_frame(Duration::from_millis(100)) {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert!(matches!(err, pppp::Error::Offline { .. }), "{err}");
}
