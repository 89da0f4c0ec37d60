//! LAN discovery through the simulator: the broadcast path (never on a real socket in tests),
//! several cameras under different PSKs, unicast probes, and noise that must be ignored.

use std::net::SocketAddr;
use std::time::Duration;

use pppp::proto::discovery::{Discovery, DiscoveryConfig};
use pppp::sim::{CameraConfig, Endpoint, FakeCamera, LinkConfig, Network};
use pppp::Uid;

fn camera(uid: &str, ip: &str, psk: Option<&str>) -> CameraConfig {
    let mut c = CameraConfig::new(Uid::parse(uid).unwrap(), ip.parse().unwrap());
    c.psk = psk.map(str::to_owned);
    c
}

fn run(
    targets: Vec<SocketAddr>,
    cams: &[CameraConfig],
    link: LinkConfig,
) -> Vec<(String, SocketAddr, String)> {
    let mut net = Network::new(link, 5);
    let now = net.now();
    for c in cams {
        net.add(FakeCamera::new(c.clone(), now));
    }
    let mut cfg = DiscoveryConfig::new(targets);
    cfg.duration = Duration::from_secs(2);
    let d = net.add(Endpoint::new(
        "10.0.0.1:40001".parse().unwrap(),
        Discovery::new(cfg, now),
    ));
    // Noise on the discovery socket: not PPPP, and a PUNCH_PKT with a garbled DID.
    net.inject(
        "10.0.0.99:32108".parse().unwrap(),
        "10.0.0.1:40001".parse().unwrap(),
        b"hello".to_vec(),
    );
    net.inject(
        "10.0.0.98:40000".parse().unwrap(),
        "10.0.0.1:40001".parse().unwrap(),
        [&[0xf1, 0x41, 0x00, 0x14][..], &[0xff; 20]].concat(),
    );
    assert!(
        net.drive_until_idle(Duration::from_secs(10)),
        "discovery must end by itself"
    );
    let disc = &net.get::<Endpoint<Discovery>>(d).machine;
    assert!(disc.is_done());
    let mut found: Vec<_> = disc
        .devices()
        .iter()
        .map(|d| (d.uid.to_string(), d.addr, d.cipher.to_string()))
        .collect();
    found.sort();
    found
}

#[test]
fn broadcast_finds_every_camera_under_its_own_psk() {
    let cams = [
        camera("DGOA-111111-AAAAA", "10.0.0.2", Some("camera")),
        camera("PIXA-222222-BBBBB", "10.0.0.3", Some("SHIX")),
        camera("VSTC-333333-CCCCC", "10.0.0.4", None),
        camera("VEXX-444444-DDDDD", "10.0.0.5", Some("vstarcam2018")),
    ];
    let found = run(
        vec!["255.255.255.255:32108".parse().unwrap()],
        &cams,
        LinkConfig::perfect(),
    );
    assert_eq!(
        found,
        vec![
            (
                "DGOA-111111-AAAAA".into(),
                "10.0.0.2:40000".parse().unwrap(),
                "camera".into()
            ),
            (
                "PIXA-222222-BBBBB".into(),
                "10.0.0.3:40000".parse().unwrap(),
                "SHIX".into()
            ),
            (
                "VEXX-444444-DDDDD".into(),
                "10.0.0.5:40000".parse().unwrap(),
                "vstarcam2018".into()
            ),
            (
                "VSTC-333333-CCCCC".into(),
                "10.0.0.4:40000".parse().unwrap(),
                "plain".into()
            ),
        ]
    );
}

#[test]
fn unicast_probes_reach_only_their_target_and_survive_loss() {
    let cams = [
        camera("DGOA-111111-AAAAA", "10.0.0.2", Some("camera")),
        camera("DGOA-222222-BBBBB", "10.0.0.3", Some("camera")),
    ];
    // 30 % loss: the probe rounds repeat until the answer gets through.
    let found = run(
        vec!["10.0.0.3:32108".parse().unwrap()],
        &cams,
        LinkConfig::lossy(0.3),
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "DGOA-222222-BBBBB");
}

#[test]
fn a_camera_with_an_unknown_psk_stays_silent() {
    let cams = [camera(
        "DGOA-111111-AAAAA",
        "10.0.0.2",
        Some("custom-secret"),
    )];
    let found = run(
        vec!["255.255.255.255:32108".parse().unwrap()],
        &cams,
        LinkConfig::perfect(),
    );
    assert!(found.is_empty(), "{found:?}");
}
