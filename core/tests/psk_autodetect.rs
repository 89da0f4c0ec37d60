//! PSK detection end to end (docs/protocol.md §5.3, §7.1): with `PskChoice::Auto` the controller
//! searches under every candidate cipher and keeps the one the camera's answer decodes under;
//! with an explicit PSK it only ever speaks that one.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::cipher::Cipher;
use pppp::proto::conn::CloseReason;
use pppp::proto::controller::Event;
use pppp::proto::psk::{self, PskChoice};
use pppp::sim::{CameraConfig, LinkConfig};
use pppp::Uid;

fn camera(uid: &str, psk: Option<&str>) -> CameraConfig {
    let mut c = camera_config();
    c.uid = Uid::parse(uid).unwrap();
    c.psk = psk.map(str::to_owned);
    c
}

fn connected_cipher(rig: &Rig) -> Cipher {
    let ciphers: Vec<&Cipher> = rig
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Connected { cipher, .. } => Some(cipher),
            _ => None,
        })
        .collect();
    assert_eq!(ciphers.len(), 1, "{:?}", rig.events);
    ciphers[0].clone()
}

/// Connects with `choice`, logs in and streams a few frames; returns the cipher reported in
/// `Event::Connected`.
fn connect_with(cam: CameraConfig, choice: PskChoice, seed: u64) -> Cipher {
    let mut ctl = controller_config(&cam);
    ctl.conn.psk = choice;
    let mut rig = Rig::new(LinkConfig::perfect(), seed, cam.clone(), ctl);
    rig.connect();
    let cipher = connected_cipher(&rig);
    // The Found event reports the same cipher.
    assert!(rig
        .events
        .iter()
        .any(|e| matches!(e, Event::Found { cipher: c, .. } if *c == cipher)));
    match rig.login() {
        Event::Login { accepted: true, .. } => {}
        e => panic!("{e:?}"),
    }
    rig.stream(3, Duration::from_secs(10));
    assert_frames_intact(&rig.frames(), &cam, 3);
    assert_eq!(rig.controller_ref().conn().cipher(), Some(&cipher));
    cipher
}

fn expected(psk: Option<&str>) -> Cipher {
    psk.map_or_else(Cipher::plain, Cipher::from_psk)
}

#[test]
fn auto_detects_each_known_psk() {
    // Login and video run in the SHIX dialect, so these UIDs have SHIX (or unknown) prefixes;
    // VStarcam prefixes are covered, connect-only, by the test below.
    let cases: [(&str, Option<&str>); 7] = [
        ("DGOA-123456-ABCDE", Some("camera")),
        ("DGOA-123456-ABCDE", Some("SHIX")),
        ("DGOA-123456-ABCDE", Some("vstarcam2019")),
        ("DGOA-123456-ABCDE", None),
        ("PIXA-000042-QWERT", Some("SHIX")),
        ("QQQZ-765432-ZXCVB", Some("vstarcam2019")),
        ("QQQZ-010203-LKJHG", Some("vstarcam2018")),
    ];
    for (i, (uid, psk)) in cases.into_iter().enumerate() {
        let got = connect_with(camera(uid, psk), PskChoice::Auto, i as u64);
        assert_eq!(got, expected(psk), "{uid} with {psk:?}");
        assert_eq!(got.to_string(), psk.unwrap_or("plain"));
    }
}

#[test]
fn auto_uses_the_prefix_psk() {
    // DGOA devices use "camera" (docs/protocol.md §5.3); the prefix's PSK is tried right after plain.
    assert_eq!(psk::for_prefix("DGOA"), ["camera"]);
    let got = connect_with(
        camera("DGOA-933765-NDBND", Some("camera")),
        PskChoice::Auto,
        7,
    );
    assert_eq!(got, Cipher::from_psk("camera"));
}

#[test]
fn auto_finds_a_known_psk_on_an_unknown_prefix() {
    for (i, p) in ["camera", "SHIX", "vstarcam2019", "@@@@....", "Duncom"]
        .into_iter()
        .enumerate()
    {
        assert!(psk::for_prefix("QQQZ").is_empty());
        let got = connect_with(
            camera("QQQZ-246810-MNBVC", Some(p)),
            PskChoice::Auto,
            20 + i as u64,
        );
        assert_eq!(got, Cipher::from_psk(p), "{p}");
    }
}

#[test]
fn auto_detection_survives_loss() {
    for seed in 0..6 {
        let mut cam = camera("QQQZ-246810-MNBVC", Some("vstarcam2019"));
        cam.handshake = pppp::sim::Handshake::RdyFirst;
        let mut ctl = controller_config(&cam);
        ctl.conn.psk = PskChoice::Auto;
        let mut rig = Rig::new(LinkConfig::lossy(0.2), 100 + seed, cam, ctl);
        rig.connect();
        assert_eq!(connected_cipher(&rig), Cipher::from_psk("vstarcam2019"));
    }
}

#[test]
fn explicit_right_psk_connects() {
    for (i, p) in ["camera", "SHIX", "vstarcam2019"].into_iter().enumerate() {
        let got = connect_with(
            camera("QQQZ-246810-MNBVC", Some(p)),
            PskChoice::Named(p.into()),
            40 + i as u64,
        );
        assert_eq!(got, Cipher::from_psk(p));
    }
    let got = connect_with(camera(UID, None), PskChoice::Plain, 45);
    assert!(got.is_plain());
}

#[test]
fn explicit_wrong_psk_never_connects() {
    let cases: [(Option<&str>, PskChoice); 4] = [
        (Some("camera"), PskChoice::Named("SHIX".into())),
        (Some("vstarcam2019"), PskChoice::Named("camera".into())),
        (Some("SHIX"), PskChoice::Plain),
        (None, PskChoice::Named("camera".into())),
    ];
    for (i, (psk, choice)) in cases.into_iter().enumerate() {
        let cam = camera(UID, psk);
        let mut ctl = controller_config(&cam);
        ctl.conn.psk = choice.clone();
        let timeout = ctl.conn.connect_timeout;
        let mut rig = Rig::new(LinkConfig::perfect(), 60 + i as u64, cam, ctl);
        let start = rig.net.now();
        let ended = rig.until(Duration::from_secs(30), |e| {
            e.iter().any(|e| matches!(e, Event::Closed(_)))
        });
        assert!(ended, "{psk:?} vs {choice}: no end: {:?}", rig.events);
        assert_eq!(
            rig.closed(),
            Some(CloseReason::NotFound),
            "{psk:?} vs {choice}"
        );
        assert!(
            !rig.events
                .iter()
                .any(|e| matches!(e, Event::Found { .. } | Event::Connected { .. })),
            "{psk:?} vs {choice}: {:?}",
            rig.events
        );
        let took = rig.net.now() - start;
        assert!(
            took >= timeout && took <= timeout + Duration::from_millis(300),
            "gave up after {took:?}"
        );
        // The camera never understood a word: no search answered, no session opened.
        let cs = rig.camera().stats();
        assert_eq!(cs.searches, 0, "{psk:?} vs {choice}");
        assert_eq!(cs.sessions, 0);
        assert!(cs.ignored > 0);
    }
}

#[test]
fn auto_detects_every_known_psk_on_several_devices() {
    // Connect only: the transport does not care which channel-0 dialect the prefix implies.
    let uids = [
        "QQQZ-246810-MNBVC",
        "DGOA-000001-AAAAA",
        "VSTJ-999999-ZZZZZ",
        "AB-4294967295-XY",
    ];
    let mut seed = 200;
    for k in psk::KNOWN_PSKS {
        for uid in uids {
            let cam = camera(uid, Some(k.psk));
            let mut ctl = controller_config(&cam);
            ctl.conn.psk = PskChoice::Auto;
            let mut rig = Rig::new(LinkConfig::perfect(), seed, cam, ctl);
            seed += 1;
            rig.connect();
            assert_eq!(
                connected_cipher(&rig),
                Cipher::from_psk(k.psk),
                "{uid} with {}",
                k.psk
            );
        }
    }
}
