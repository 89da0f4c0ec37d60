//! `Session::duplicates()` on loopback (issue 11 §1): two cameras with one UID, at 127.0.0.1
//! and 127.0.0.2, both searched by unicast; the session talks to the first to answer and
//! reports the other. A search of the camera's own address alone reports nothing.

mod common;

use std::net::SocketAddr;

use pppp::client::{Session, SessionConfig};

fn camera_at(ip: &str) -> pppp::client::CameraServer {
    let mut c = common::loopback_config(common::UID);
    c.lan_addr = SocketAddr::new(ip.parse().unwrap(), 0);
    c.session_addr = SocketAddr::new(ip.parse().unwrap(), 0);
    common::start_loopback(c)
}

#[test]
fn the_other_device_is_reported_and_ignored() {
    let a = camera_at("127.0.0.1");
    let b = camera_at("127.0.0.2");
    let mut cfg = SessionConfig::new(common::UID);
    cfg.targets = vec![a.lan_addr(), b.lan_addr()];
    cfg.broadcast = false;
    let s = Session::connect(cfg).unwrap();
    // Both answered the first search round; the second answer was handled before the login
    // reply, which comes a round trip later on the same socket.
    s.login().unwrap();
    let peer = s.peer().unwrap();
    let other = if peer == a.session_addr() {
        b.session_addr()
    } else {
        a.session_addr()
    };
    assert!(peer == a.session_addr() || peer == b.session_addr());
    assert_eq!(s.duplicates(), vec![other]);
    assert_eq!(a.stats().logins_ok + b.stats().logins_ok, 1);
    s.close();

    let s =
        Session::connect(SessionConfig::new(common::UID).host(a.lan_addr().to_string())).unwrap();
    s.login().unwrap();
    assert_eq!(s.peer(), Some(a.session_addr()));
    assert!(s.duplicates().is_empty());
    s.close();
}
