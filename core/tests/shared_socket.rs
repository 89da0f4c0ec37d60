//! The I/O thread's shared socket (docs/architecture.md, "Shared socket"), on loopback: the
//! sessions of one thread talk to their cameras from one UDP socket, each getting only its own
//! camera's datagrams; a second session to a camera already served, a session bound where its
//! user chose, or a driver told not to share, get a socket of their own, and so does a new
//! session to a camera whose session on the shared socket ended less than `SHARED_REUSE_AFTER`
//! ago (the camera may still hold the old one for that address); a stranger's datagrams change
//! nothing.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use pppp::client::{CameraServer, Driver, DriverConfig, Session, SessionConfig};
use pppp::Uid;

fn camera(serial: u32) -> (String, CameraServer) {
    let uid = Uid::new("DGOA", serial, "SHARE").unwrap().to_string();
    let cam = common::start_loopback(common::loopback_config(&uid));
    (uid, cam)
}

fn config(uid: &str, cam: &CameraServer, driver: &Driver) -> SessionConfig {
    let mut c = SessionConfig::new(uid).host(cam.lan_addr().to_string());
    c.broadcast = false;
    c.driver = Some(driver.clone());
    c
}

fn logged_in(c: SessionConfig) -> Session {
    let s = Session::connect(c).unwrap();
    s.login().unwrap();
    s
}

/// Where a datagram reaches a socket bound at `local` (any address: loopback's).
fn reach(local: SocketAddr) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], local.port()))
}

#[test]
fn sessions_of_one_thread_share_a_socket_and_each_talks_to_its_own_camera() {
    let driver = Driver::new(DriverConfig::default());
    let cams: Vec<_> = (0..4).map(|i| camera(710_000 + i)).collect();
    let sessions: Vec<Session> = cams
        .iter()
        .map(|(uid, cam)| logged_in(config(uid, cam, &driver)))
        .collect();
    let local = sessions[0].local_addr().expect("a local address");
    for ((_, cam), s) in cams.iter().zip(&sessions) {
        assert_eq!(s.local_addr(), Some(local), "one socket for the thread");
        assert_eq!(s.peer(), Some(cam.session_addr()), "its own camera");
        assert_eq!(cam.stats().logins_ok, 1, "each camera saw one login");
    }

    // A stranger's datagrams (garbage, and a search answer for nobody's UID) reach the shared
    // socket and change nothing.
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    for data in [
        &b"\xf1\x41\x00\x14garbage-garbage-garb"[..],
        &[0u8; 3][..],
        &[0xff; 600][..],
    ] {
        stranger.send_to(data, reach(local)).unwrap();
    }

    // Closing one session leaves the others working: they still get their own replies.
    let mut sessions = sessions;
    sessions.remove(1).close();
    for s in &sessions {
        s.login().unwrap();
        assert!(s.is_open());
    }
    assert_eq!(cams[0].1.stats().logins_ok, 2);
    assert_eq!(
        cams[1].1.stats().logins_ok,
        1,
        "the closed session's camera saw no more"
    );

    // A new session to the camera whose session just closed works, from a socket of its own:
    // the camera knew the old one by the shared socket's address.
    let again = logged_in(config(&cams[1].0, &cams[1].1, &driver));
    assert_ne!(again.local_addr(), Some(local));
    assert_eq!(cams[1].1.stats().logins_ok, 2);
}

#[test]
fn a_second_session_to_one_camera_and_a_bound_session_get_their_own_sockets() {
    let driver = Driver::new(DriverConfig::default());
    let (uid, cam) = camera(720_000);
    let first = logged_in(config(&uid, &cam, &driver));
    // The camera tells its clients apart by their address: the second needs another socket.
    let second = logged_in(config(&uid, &cam, &driver));
    assert_ne!(first.local_addr(), second.local_addr());
    assert_eq!(cam.stats().logins_ok, 2);

    let (uid2, cam2) = camera(720_001);
    let mut c = config(&uid2, &cam2, &driver);
    c.bind = Some("127.0.0.1:0".parse().unwrap());
    let bound = logged_in(c);
    let at = bound.local_addr().unwrap();
    assert_eq!(at.ip(), "127.0.0.1".parse::<std::net::IpAddr>().unwrap());
    assert_ne!(Some(at), first.local_addr());

    // The first session gone, a new one to its camera still gets a socket of its own (for
    // SHARED_REUSE_AFTER), and every session works.
    let shared = first.local_addr();
    first.close();
    drop(first);
    let third = logged_in(config(&uid, &cam, &driver));
    assert_ne!(third.local_addr(), shared);
    assert_ne!(third.local_addr(), second.local_addr());
    second.login().unwrap();
    third.login().unwrap();
    assert_eq!(cam.stats().logins_ok, 5);
}

#[test]
fn a_driver_that_does_not_share_gives_every_session_its_own_socket() {
    let driver = Driver::new(DriverConfig {
        shared_socket: false,
        ..DriverConfig::default()
    });
    let cams: Vec<_> = (0..2).map(|i| camera(730_000 + i)).collect();
    let s: Vec<Session> = cams
        .iter()
        .map(|(uid, cam)| logged_in(config(uid, cam, &driver)))
        .collect();
    assert_ne!(s[0].local_addr(), s[1].local_addr());
}

#[test]
fn sessions_searching_at_once_each_find_their_own_camera() {
    // Twenty sessions start together: every camera's first answer comes from an address no
    // session has claimed yet, and is offered to the searching sessions until its own takes it.
    let driver = Driver::new(DriverConfig::default());
    let cams: Vec<_> = (0..20).map(|i| camera(740_000 + i)).collect();
    let sessions: Vec<Session> = cams
        .iter()
        .map(|(uid, cam)| {
            let mut c = config(uid, cam, &driver);
            c.connect_timeout = Duration::from_secs(20);
            Session::start(c).unwrap()
        })
        .collect();
    for ((_, cam), s) in cams.iter().zip(&sessions) {
        s.wait_connected().unwrap();
        assert_eq!(s.peer(), Some(cam.session_addr()));
        s.login().unwrap();
        assert_eq!(cam.stats().logins_ok, 1);
    }
}
