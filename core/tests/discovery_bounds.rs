//! One search, bounded (issue 11 §1, §5): one device per UID, with the other addresses that
//! answered for the same UID as its duplicates; at most `MAX_DEVICES` devices however many
//! answers a hostile LAN sends; repeated answers change nothing.

use std::net::SocketAddr;
use std::time::Duration;

use pppp::proto::discovery::{Device, Discovery, DiscoveryConfig, MAX_DEVICES, MAX_DUPLICATES};
use pppp::proto::packet::{Message, WireDid};
use pppp::sim::{CameraConfig, Endpoint, FakeCamera, LinkConfig, Network};
use pppp::Uid;

const ME: &str = "10.0.0.1:40001";

fn camera(uid: &str, ip: &str) -> CameraConfig {
    CameraConfig::new(Uid::parse(uid).unwrap(), ip.parse().unwrap())
}

fn punch(uid: &Uid) -> Vec<u8> {
    Message::PunchPkt(WireDid::from(uid)).to_vec()
}

/// Runs a broadcast discovery among `cams`, after `flood` was injected from the given
/// addresses; returns the devices and the count of ignored answers.
fn run(cams: &[CameraConfig], flood: &[(SocketAddr, Vec<u8>)]) -> (Vec<Device>, u64) {
    let mut net = Network::new(LinkConfig::perfect(), 9);
    let now = net.now();
    for c in cams {
        net.add(FakeCamera::new(c.clone(), now));
    }
    let mut cfg = DiscoveryConfig::new(vec!["255.255.255.255:32108".parse().unwrap()]);
    cfg.duration = Duration::from_secs(2);
    let d = net.add(Endpoint::new(ME.parse().unwrap(), Discovery::new(cfg, now)));
    for (from, data) in flood {
        net.inject(*from, ME.parse().unwrap(), data.clone());
    }
    assert!(net.drive_until_idle(Duration::from_secs(10)));
    let disc = &net.get::<Endpoint<Discovery>>(d).machine;
    assert!(disc.is_done());
    (disc.devices().to_vec(), disc.ignored())
}

#[test]
fn a_uid_answering_from_two_hosts_is_one_device_with_a_duplicate() {
    let uid = "DGOA-111111-AAAAA";
    let cams = [
        camera(uid, "10.0.0.2"),
        camera(uid, "10.0.0.3"),
        camera("DGOA-222222-BBBBB", "10.0.0.4"),
    ];
    // The same UID from the first camera's IP at another port is the same host, not a
    // duplicate; from a third host it is.
    let flood = vec![
        (
            "10.0.0.2:40001".parse().unwrap(),
            punch(&Uid::parse(uid).unwrap()),
        ),
        (
            "10.0.0.9:40000".parse().unwrap(),
            punch(&Uid::parse(uid).unwrap()),
        ),
    ];
    let (devices, ignored) = run(&cams, &flood);
    assert_eq!(ignored, 0);
    assert_eq!(devices.len(), 2, "{devices:?}");
    let dup = devices.iter().find(|d| d.uid.to_string() == uid).unwrap();
    let mut all: Vec<String> = std::iter::once(dup.addr)
        .chain(dup.duplicates.iter().copied())
        .map(|a| a.ip().to_string())
        .collect();
    all.sort();
    assert_eq!(all, ["10.0.0.2", "10.0.0.3", "10.0.0.9"], "{dup:?}");
    let other = devices.iter().find(|d| d.uid.to_string() != uid).unwrap();
    assert!(other.duplicates.is_empty(), "{other:?}");
}

#[test]
fn a_flood_of_uids_keeps_at_most_max_devices() {
    let n = MAX_DEVICES + 1000;
    let flood: Vec<(SocketAddr, Vec<u8>)> = (0..n)
        .map(|i| {
            let uid = Uid::parse(&format!("DGOA-{i:06}-ABCDE")).unwrap();
            let from = SocketAddr::new([10, 1, (i / 250) as u8, (i % 250) as u8 + 1].into(), 40000);
            (from, punch(&uid))
        })
        .collect();
    // Every answer twice: repeats neither add devices nor count as ignored twice over.
    let twice: Vec<_> = flood.iter().chain(flood.iter()).cloned().collect();
    let (devices, ignored) = run(&[], &twice);
    assert_eq!(devices.len(), MAX_DEVICES);
    assert_eq!(ignored, 2 * (n - MAX_DEVICES) as u64);
    assert!(devices.iter().all(|d| d.duplicates.is_empty()));
}

#[test]
fn duplicates_per_device_are_bounded() {
    let uid = Uid::parse("DGOA-111111-AAAAA").unwrap();
    let flood: Vec<(SocketAddr, Vec<u8>)> = (0..200u8)
        .map(|i| (SocketAddr::new([10, 2, 0, i].into(), 40000), punch(&uid)))
        .collect();
    let (devices, _) = run(&[], &flood);
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].duplicates.len(), MAX_DUPLICATES);
}
