//! The LAN search takes only answers it may trust (issue 11 §1). Searching the camera by
//! unicast, an answer for its UID from any other host is ignored: an impostor that answers
//! first (with PUNCH_PKT, or P2P_RDY to skip the handshake) gets nothing from us, and in
//! particular not the login. After a broadcast search the first answer wins, and every other
//! address answering for the same UID is reported as a duplicate (`Event::DuplicateDid`,
//! `Conn::duplicates`).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use pppp::proto::conn::ConnConfig;
use pppp::proto::controller::{ControllerConfig, Event};
use pppp::proto::packet::{Message, WireDid};
use pppp::sim::{CameraConfig, FakeCamera, LinkConfig};

/// A camera with the same UID as `camera_config()`, on another host.
fn twin(ip: &str) -> CameraConfig {
    let mut c = camera_config();
    let ip = ip.parse().unwrap();
    c.lan_addr = SocketAddr::new(ip, 32108);
    c.session_addr = SocketAddr::new(ip, 40000);
    c
}

#[test]
fn unicast_search_ignores_an_impostor_that_answers_first() {
    let did = WireDid::from(&uid());
    for (seed, answer) in [(1, Message::PunchPkt(did)), (2, Message::P2pRdy(did))] {
        let cam = camera_config();
        let ctl = controller_config(&cam); // unicast to the camera's LAN-search address
        let mut rig = Rig::new(LinkConfig::perfect(), seed, cam.clone(), ctl);
        let impostor_cfg = twin("10.0.0.66");
        let now = rig.net.now();
        let impostor = rig.net.add(FakeCamera::new(impostor_cfg.clone(), now));
        rig.net.capture(true);
        // The impostor answers before the camera can (the link takes a millisecond).
        rig.net
            .inject(impostor_cfg.session_addr, ctl_addr(), answer.to_vec());
        rig.connect_and_login();

        let c = rig.controller_ref().conn();
        assert_eq!(c.peer(), Some(cam.session_addr), "{answer:?}");
        assert!(c.stats().strangers >= 1, "the impostor's answer is counted");
        assert!(c.duplicates().is_empty(), "{:?}", c.duplicates());
        let found: Vec<SocketAddr> = rig
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Found { addr, .. } | Event::DuplicateDid { addr } => Some(*addr),
                _ => None,
            })
            .collect();
        assert_eq!(found, vec![cam.session_addr], "{answer:?}");
        let sent_to_impostor = rig
            .net
            .take_captured()
            .iter()
            .filter(|d| d.to.ip() == impostor_cfg.session_addr.ip())
            .count();
        assert_eq!(
            sent_to_impostor, 0,
            "{answer:?}: we sent datagrams to the impostor"
        );
        let st = rig.net.get::<FakeCamera>(impostor).stats();
        assert_eq!(st.sessions, 0, "{answer:?}");
        assert_eq!(st.logins_ok + st.logins_failed, 0, "{answer:?}");
        assert_eq!(rig.camera().stats().logins_ok, 1);
    }
}

#[test]
fn two_devices_answering_for_one_uid_are_reported() {
    let a = camera_config();
    let b = twin("10.0.0.3");
    let targets: [(&str, Vec<SocketAddr>, bool); 3] = [
        (
            "directed broadcast",
            vec!["10.0.0.255:32108".parse().unwrap()],
            true,
        ),
        (
            "limited broadcast (implied)",
            vec!["255.255.255.255:32108".parse().unwrap()],
            false,
        ),
        ("two unicast targets", vec![a.lan_addr, b.lan_addr], false),
    ];
    for (seed, (name, targets, broadcast)) in targets.into_iter().enumerate() {
        let mut conn = ConnConfig::new(uid(), targets);
        conn.broadcast = broadcast;
        let mut rig = Rig::new(
            LinkConfig::perfect(),
            seed as u64,
            a.clone(),
            ControllerConfig::new(conn),
        );
        let now = rig.net.now();
        rig.net.add(FakeCamera::new(b.clone(), now));
        rig.connect_and_login();
        rig.net.drive_for(Duration::from_secs(2));
        rig.collect();

        let c = rig.controller_ref().conn();
        let peer = c.peer().expect("connected");
        let other = if peer == a.session_addr {
            b.session_addr
        } else {
            a.session_addr
        };
        assert!(
            peer == a.session_addr || peer == b.session_addr,
            "{name}: {peer}"
        );
        assert_eq!(c.duplicates(), &[other], "{name}");
        let reported: Vec<SocketAddr> = rig
            .events
            .iter()
            .filter_map(|e| match e {
                Event::DuplicateDid { addr } => Some(*addr),
                _ => None,
            })
            .collect();
        assert_eq!(reported, vec![other], "{name}: reported once");
        assert!(rig.connected(), "{name}");
    }
}
