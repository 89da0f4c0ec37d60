//! Faults on real sockets (their timing is checked in virtual time by `supervisor.rs`): a
//! camera restarted mid-stream on a new session port, a camera that falls silent, a camera
//! that closes the session, and ten thousand connect/close cycles that must leave no thread,
//! socket or memory behind.

mod common;

use std::time::Duration;

use pppp::client::{CameraServer, Session, SessionConfig, SessionEvent};
use pppp::proto::conn::CloseReason;
use pppp::proto::reconnect::ReconnectPolicy;
use pppp::sim::CameraConfig;
use serde_json::json;

const UID: &str = "DGOA-515151-FAULT";

fn camera_on(lan_port: u16) -> CameraServer {
    let mut c: CameraConfig = common::loopback_config(UID);
    c.lan_addr.set_port(lan_port);
    c.width = 96;
    c.height = 64;
    c.fps = 20;
    common::start_loopback(c)
}

fn config(cam: &CameraServer) -> SessionConfig {
    let mut c = SessionConfig::new(UID).host(cam.lan_addr().to_string());
    c.broadcast = false;
    c.connect_timeout = Duration::from_secs(3);
    c.dead_after = Duration::from_secs(2);
    c
}

/// Waits (up to a generous failure bound) for an event matching `pred`.
fn event(s: &Session, what: &str, pred: impl Fn(&SessionEvent) -> bool) -> SessionEvent {
    loop {
        match s.events().recv_timeout(Duration::from_secs(30)) {
            Ok(e) if pred(&e) => return e,
            Ok(_) => {}
            Err(_) => panic!("no {what}"),
        }
    }
}

#[test]
fn a_camera_restarted_on_a_new_session_port_streams_again() {
    let mut first = camera_on(0);
    let lan_port = first.lan_addr().port();
    let old_session = first.session_addr();
    let s = Session::connect(config(&first).reconnect(ReconnectPolicy {
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(300),
        max_attempts: None,
    }))
    .unwrap();
    s.login().unwrap();
    s.start_video().unwrap();
    s.next_frame(Duration::from_secs(10))
        .unwrap()
        .expect("a frame");
    first.stop(); // gone without a word, like a power cut
    event(&s, "disconnection", |e| {
        matches!(
            e,
            SessionEvent::Disconnected {
                reason: CloseReason::PeerTimeout
            }
        )
    });
    let second = camera_on(lan_port);
    assert_ne!(second.session_addr(), old_session, "a new session port");
    event(&s, "reconnection", |e| {
        matches!(e, SessionEvent::Reconnected { .. })
    });
    assert_eq!(s.peer(), Some(second.session_addr()));
    // The new camera counts its frames from zero: a frame it sent proves the stream is back.
    loop {
        let f = s
            .next_frame(Duration::from_secs(10))
            .unwrap()
            .expect("a frame");
        if second.stats().video_frames > 0 && u64::from(f.index) < second.stats().video_frames {
            break;
        }
    }
    assert_eq!(second.stats().logins_ok, 1, "the session logged in again");
}

#[test]
fn a_silent_camera_ends_the_session_with_peer_timeout() {
    let mut cam = camera_on(0);
    let s = Session::connect(config(&cam)).unwrap();
    s.login().unwrap();
    cam.stop();
    event(&s, "close", |e| {
        matches!(e, SessionEvent::Closed(CloseReason::PeerTimeout))
    });
    let err = s.params().unwrap_err();
    assert!(
        matches!(err, pppp::Error::Closed(pppp::error::ClosedBy::PeerTimeout)),
        "{err}"
    );
}

#[test]
fn a_camera_that_closes_gives_a_clean_error_after_the_frames_it_sent() {
    let cam = camera_on(0);
    let s = Session::connect(config(&cam)).unwrap();
    s.login().unwrap();
    s.start_video().unwrap();
    s.next_frame(Duration::from_secs(10))
        .unwrap()
        .expect("a frame");
    // A reboot makes the camera send MSG_CLOSE.
    s.command(json!({"pro": "dev_control", "cmd": 102, "reboot": 1}))
        .unwrap();
    event(&s, "close", |e| {
        matches!(e, SessionEvent::Closed(CloseReason::Remote))
    });
    let err = loop {
        match s.next_frame(Duration::from_secs(10)) {
            Ok(Some(_)) => continue, // frames received before the close are still handed out
            Ok(None) => panic!("a closed session times out instead of failing"),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(err, pppp::Error::Closed(pppp::error::ClosedBy::Remote)),
        "{err}"
    );
    assert!(!s.is_open());
}

/// Threads, open file descriptors and resident memory (KiB) of this process.
fn footprint() -> (usize, usize, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap()
    };
    let fds = std::fs::read_dir("/proc/self/fd").unwrap().count();
    (field("Threads:") as usize, fds, field("VmRSS:"))
}

#[test]
fn ten_thousand_connect_close_cycles_leave_nothing_behind() {
    let cam = camera_on(0);
    let cycle = || {
        let s = Session::connect(config(&cam)).unwrap();
        s.close();
    };
    // Warm up (lazily created state, allocator pools), then measure.
    for _ in 0..200 {
        cycle();
    }
    let (threads, fds, rss) = footprint();
    for _ in 0..10_000 {
        cycle();
    }
    let (threads_after, fds_after, rss_after) = footprint();
    assert_eq!(threads_after, threads, "threads");
    assert_eq!(fds_after, fds, "file descriptors");
    assert!(
        rss_after <= rss + 8 * 1024,
        "resident memory grew from {rss} KiB to {rss_after} KiB"
    );
    // The last MSG_CLOSE reaches the camera just after `close` returned.
    let mut waited = Duration::ZERO;
    while cam.stats().active_sessions != 0 {
        assert!(waited < Duration::from_secs(30), "a session was left open");
        std::thread::sleep(Duration::from_millis(1));
        waited += Duration::from_millis(1);
    }
}
