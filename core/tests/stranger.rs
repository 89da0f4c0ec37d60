//! Datagrams from anywhere but the device's session address change nothing (docs/protocol.md §7.2:
//! "from then on both sides talk to the address and port the other side's punch packets came
//! from"): valid-looking DRW, DRW_ACK, CLOSE, ALIVE, P2P_RDY and PUNCH_PKT, encrypted with the
//! session's PSK or plain, from another host or from another port of the camera itself.
//! A CLOSE from the real peer does end the session.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use pppp::proto::av::{codec_byte, AvHeader};
use pppp::proto::cipher::Cipher;
use pppp::proto::command::{encode_shix, SHIX_RESPONSE};
use pppp::proto::conn::CloseReason;
use pppp::proto::controller::Event;
use pppp::proto::packet::{encode_drw, encode_drw_ack, Message, WireDid};
use pppp::sim::{CameraConfig, LinkConfig};
use serde_json::json;

const PSK: &str = "camera";

fn setup(seed: u64) -> (Rig, CameraConfig) {
    let mut cam = camera_config();
    cam.psk = Some(PSK.into());
    let ctl = controller_config(&cam);
    let mut rig = Rig::new(LinkConfig::perfect(), seed, cam.clone(), ctl);
    rig.connect_and_login();
    assert_eq!(
        rig.controller_ref().conn().cipher(),
        Some(&Cipher::from_psk(PSK))
    );
    (rig, cam)
}

fn strangers(cam: &CameraConfig) -> Vec<SocketAddr> {
    vec![
        "10.0.0.66:40000".parse().unwrap(), // another host, the camera's session port
        cam.lan_addr,                       // the camera's own LAN-search port
        SocketAddr::new(cam.session_addr.ip(), cam.session_addr.port() + 1),
        "10.0.0.1:50001".parse().unwrap(), // next to the controller itself
    ]
}

/// A media record that would corrupt the stream if it were accepted.
fn bogus_record(index: u32) -> Vec<u8> {
    let data = b"\xff\xd8 not the camera's picture \xff\xd9".to_vec();
    let h = AvHeader {
        codec: codec_byte::MJPEG,
        index,
        len: data.len() as u32,
        ..AvHeader::default()
    };
    let mut v = h.encode().to_vec();
    v.extend_from_slice(&data);
    v
}

/// Every kind of datagram a stranger might send, as plaintext.
fn forgeries(cam: &CameraConfig, next_video: u16, next_cmd: u16) -> Vec<Vec<u8>> {
    let did = WireDid::from(&cam.uid);
    let mut out = Vec::new();
    for k in 0..3u16 {
        let mut v = Vec::new();
        encode_drw(
            &mut v,
            1,
            next_video.wrapping_add(k),
            &bogus_record(9999 + k as u32),
        );
        out.push(v);
    }
    let fake_reply = encode_shix(SHIX_RESPONSE, br#"{"cmd":101,"result":0,"forged":1}"#);
    for k in 0..2u16 {
        let mut v = Vec::new();
        encode_drw(&mut v, 0, next_cmd.wrapping_add(k), &fake_reply);
        out.push(v);
    }
    let mut v = Vec::new();
    encode_drw_ack(&mut v, 0, &(0..20).collect::<Vec<u16>>());
    out.push(v);
    let mut v = Vec::new();
    encode_drw_ack(
        &mut v,
        1,
        &(0..17)
            .map(|k| next_video.wrapping_sub(k))
            .collect::<Vec<_>>(),
    );
    out.push(v);
    for m in [
        Message::Close,
        Message::Alive,
        Message::AliveAck,
        Message::P2pRdy(did),
        Message::PunchPkt(did),
        Message::Close,
    ] {
        out.push(m.to_vec());
    }
    out
}

#[test]
fn forged_datagrams_change_nothing() {
    let (mut rig, cam) = setup(1);
    rig.stream(10, Duration::from_secs(5));
    let cipher = Cipher::from_psk(PSK);
    let before = rig.controller_ref().stats();
    assert_eq!(before.conn.strangers, 0);
    let ctl = ctl_addr();

    let mut injected = 0u64;
    for round in 0..3 {
        let st = rig.controller_ref().stats().conn;
        let next_video = st.recv[1].packets as u16;
        let next_cmd = st.recv[0].packets as u16;
        for from in strangers(&cam) {
            for plain in forgeries(&cam, next_video, next_cmd) {
                rig.net.inject(from, ctl, cipher.seal(&plain));
                rig.net.inject(from, ctl, plain);
                injected += 2;
            }
        }
        // Let the real stream go on between rounds.
        let have = rig.video_count();
        rig.more_frames(have + 5, Duration::from_secs(5));
        assert_eq!(rig.closed(), None, "round {round}: {:?}", rig.events);
    }

    let total = rig.video_count() + 20;
    rig.more_frames(total, Duration::from_secs(10));
    assert_frames_intact(&rig.frames(), &cam, total);
    let after = rig.controller_ref().stats();
    assert_eq!(after.conn.strangers, injected);
    assert_eq!(after.conn.undecodable, before.conn.undecodable);
    assert_eq!(after.bad_replies, 0);
    assert_eq!(after.missing_frames, 0);
    assert!(!rig
        .events
        .iter()
        .any(|e| matches!(e, Event::Unsolicited(_) | Event::Closed(_))));
    assert!(rig.controller_ref().conn().is_connected());
    assert_eq!(rig.controller_ref().conn().peer(), Some(cam.session_addr));
}

#[test]
fn forged_reply_does_not_answer_a_pending_command() {
    let (mut rig, cam) = setup(2);
    let cipher = Cipher::from_psk(PSK);
    for (i, from) in strangers(&cam).into_iter().enumerate() {
        let next_cmd = rig.controller_ref().stats().conn.recv[0].packets as u16;
        let id = rig.command(json!({"pro": "get_parms"}));
        // The forgery arrives before the camera's real answer (injection skips the link).
        let mut v = Vec::new();
        encode_drw(
            &mut v,
            0,
            next_cmd,
            &encode_shix(SHIX_RESPONSE, br#"{"cmd":101,"result":0,"forged":1}"#),
        );
        let wire = if i % 2 == 0 { cipher.seal(&v) } else { v };
        rig.net.inject(from, ctl_addr(), wire);
        let reply = rig.reply(id, Duration::from_secs(5));
        assert!(reply.get("forged").is_none(), "{from}: {reply}");
        assert_eq!(reply["sysver"], "PPPP_FAKE_1.0 (pppp emulator)");
    }
    assert_eq!(rig.controller_ref().stats().conn.strangers, 4);
}

#[test]
fn forged_ack_does_not_cancel_a_retransmission() {
    let (mut rig, cam) = setup(3);
    let cipher = Cipher::from_psk(PSK);
    let next_out = rig.controller_ref().stats().conn.send[0].packets as u16;
    // The command's first transmission is lost…
    rig.net.link_mut().set_config(LinkConfig::lossy(1.0));
    let id = rig.command(json!({"pro": "get_alarm"}));
    rig.net.drive_for(Duration::from_millis(20));
    rig.net.link_mut().set_config(LinkConfig::perfect());
    // …and a stranger acknowledges it. Were the ACK believed, the command would never be resent.
    for from in strangers(&cam) {
        let mut v = Vec::new();
        encode_drw_ack(&mut v, 0, &[next_out]);
        rig.net.inject(from, ctl_addr(), cipher.seal(&v));
        rig.net.inject(from, ctl_addr(), v);
    }
    let reply = rig.reply(id, Duration::from_secs(10));
    assert_eq!(reply["cmd"], 107);
    let st = rig.controller_ref().stats().conn;
    assert!(st.send[0].retransmits >= 1);
    assert_eq!(st.strangers, 8);
}

#[test]
fn close_from_the_real_peer_closes() {
    for (seed, sealed) in [(4, true), (5, false)] {
        let (mut rig, cam) = setup(seed);
        rig.stream(3, Duration::from_secs(5));
        let close = Message::Close.to_vec();
        // A CLOSE under the wrong cipher from the right address does not decode: ignored.
        let wire = if sealed {
            Cipher::from_psk(PSK).seal(&close)
        } else {
            close
        };
        rig.net.inject(cam.session_addr, ctl_addr(), wire);
        let ended = rig.until(Duration::from_secs(1), |e| {
            e.iter().any(|e| matches!(e, Event::Closed(_)))
        });
        if sealed {
            assert!(ended);
            assert_eq!(rig.closed(), Some(CloseReason::Remote));
            assert!(!rig.controller_ref().conn().is_connected());
        } else {
            assert!(
                !ended,
                "a plain CLOSE on an encrypted session: {:?}",
                rig.events
            );
            assert_eq!(rig.controller_ref().stats().conn.undecodable, 1);
        }
        assert_eq!(rig.controller_ref().stats().conn.strangers, 0);
    }
}

#[test]
fn strangers_during_the_handshake_are_ignored() {
    let mut cam = camera_config();
    cam.psk = Some(PSK.into());
    let ctl = controller_config(&cam);
    // A slow link leaves time between the search answer and the camera's P2P_RDY.
    let link = LinkConfig {
        latency: Duration::from_millis(50),
        ..LinkConfig::default()
    };
    let mut rig = Rig::new(link, 6, cam.clone(), ctl);
    assert!(rig.until(Duration::from_secs(5), |e| {
        e.iter().any(|e| matches!(e, Event::Found { .. }))
    }));
    assert!(!rig.connected());
    assert!(!rig.controller_ref().conn().is_connected());
    let cipher = Cipher::from_psk(PSK);
    let did = WireDid::from(&cam.uid);
    let mut n = 0;
    for from in strangers(&cam) {
        for m in [
            Message::P2pRdy(did),
            Message::Alive,
            Message::Close,
            Message::PunchPkt(did),
        ] {
            rig.net.inject(from, ctl_addr(), cipher.seal(&m.to_vec()));
            n += 1;
        }
        let mut v = Vec::new();
        encode_drw(&mut v, 0, 0, b"\x06\x0a\xa1\x80\x02\x00\x00\x00{}");
        rig.net.inject(from, ctl_addr(), cipher.seal(&v));
        n += 1;
    }
    // Nothing of that connected the session.
    rig.net.drive_for(Duration::from_millis(10));
    rig.collect();
    assert!(
        !rig.connected(),
        "a stranger completed the handshake: {:?}",
        rig.events
    );
    assert_eq!(rig.controller_ref().stats().conn.strangers, n);
    // The real camera does.
    rig.connect_and_login();
    let peers: Vec<_> = rig
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Connected { peer, .. } => Some(*peer),
            _ => None,
        })
        .collect();
    assert_eq!(peers, vec![cam.session_addr]);
    rig.stream(3, Duration::from_secs(5));
    assert_frames_intact(&rig.frames(), &cam, 3);
    assert_eq!(rig.closed(), None);
}
