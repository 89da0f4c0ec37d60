//! A hundred sessions at once in one process, on loopback, each against its own emulated
//! camera: every one logs in and receives intact frames, all on the driver's one I/O thread,
//! and closing everything returns the process to the threads it started with. (Speed is the
//! business of `pppp bench`; this checks correctness.) One test in this file: the thread count
//! of the process is part of what it checks.

mod common;

use std::time::Duration;

use pppp::client::{CameraServer, Driver, Session, SessionConfig, SessionEvent};
use pppp::Uid;

const N: u32 = 100;

fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}

#[test]
fn a_hundred_sessions_stream_on_one_io_thread_and_leave_no_thread_behind() {
    let before = threads();
    let cams: Vec<(String, CameraServer)> = (0..N)
        .map(|i| {
            let uid = Uid::new("DGOA", 300_000 + i, "MANYS").unwrap().to_string();
            let mut c = common::loopback_config(&uid);
            c.width = 64;
            c.height = 48;
            c.fps = 10;
            (uid, common::start_loopback(c))
        })
        .collect();
    let sessions: Vec<Session> = cams
        .iter()
        .map(|(uid, cam)| {
            let mut c = SessionConfig::new(uid.as_str()).host(cam.lan_addr().to_string());
            c.broadcast = false;
            c.connect_timeout = Duration::from_secs(20);
            Session::start(c).unwrap()
        })
        .collect();
    for s in &sessions {
        s.wait_connected().unwrap();
        s.login_with(Box::new(|r| assert!(r.is_ok(), "{r:?}")));
    }
    for s in &sessions {
        // Login is answered before the video request (channel 0 is ordered).
        s.start_video().unwrap();
    }
    assert_eq!(
        threads(),
        before + 1,
        "cameras and sessions share the driver's one I/O thread"
    );
    assert_eq!(Driver::global().threads_running(), 1);
    assert_eq!(Driver::global().endpoints(), 2 * N as usize);
    for s in &sessions {
        for _ in 0..3 {
            let f = s
                .next_frame(Duration::from_secs(30))
                .unwrap()
                .expect("a frame");
            assert_eq!(
                f.data,
                pppp::sim::jpeg::frame(u64::from(f.index), 64, 48, 75),
                "frame {} of {} is intact",
                f.index,
                s.uid()
            );
        }
        assert!(s
            .events()
            .try_iter()
            .any(|e| matches!(e, SessionEvent::LoggedIn { .. })));
    }
    drop(sessions);
    drop(cams);
    assert_eq!(Driver::global().endpoints(), 0);
    assert_eq!(
        Driver::global().threads_running(),
        0,
        "closing everything ends the I/O thread"
    );
    // The thread was joined when the last close returned; the kernel drops a joined thread from
    // the process's count a moment later (`pthread_join` returns when the exiting thread has
    // released its stack, before the kernel reaps it), so the count is read until it settles.
    // A thread left behind never settles and fails here.
    common::spin_until("the process is back to its threads", || threads() == before);
}
