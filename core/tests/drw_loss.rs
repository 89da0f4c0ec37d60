//! Every frame delivered intact and in order under loss, duplication and reordering, over many
//! seeds (docs/protocol.md §3: same-index retransmission, duplicate suppression, reordering window).

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::controller::Event;
use pppp::sim::LinkConfig;

const FRAMES: usize = 30;

fn run(link: LinkConfig, seed: u64) -> (u64, u64) {
    let mut rig = Rig::simple(link, seed);
    rig.connect();
    match rig.login() {
        Event::Login { accepted: true, .. } => {}
        e => panic!("seed {seed}: {e:?}"),
    }
    let now = rig.net.now();
    rig.controller().start_video(now, 1).unwrap();
    let ok = rig.until(Duration::from_secs(60), |e| {
        e.iter()
            .filter(|e| matches!(e, Event::Frame(f) if f.channel == 1))
            .count()
            >= FRAMES
    });
    assert!(
        ok,
        "seed {seed}: only {} frames; closed: {:?}",
        rig.frames().len(),
        rig.closed()
    );
    let cam = camera_config();
    assert_frames_intact(&rig.frames(), &cam, FRAMES);
    assert_eq!(rig.camera().stats().frames_skipped, 0, "seed {seed}");
    assert!(rig.closed().is_none());
    let stats = rig.controller().stats();
    (
        stats.conn.recv[1].duplicates,
        rig.camera().stats().retransmits,
    )
}

#[test]
fn no_loss() {
    for seed in 0..3 {
        let (_, retransmits) = run(LinkConfig::perfect(), seed);
        assert_eq!(retransmits, 0, "a perfect link needs no retransmission");
    }
}

#[test]
fn loss_5_percent() {
    for seed in 0..12 {
        run(LinkConfig::lossy(0.05), seed);
    }
}

#[test]
fn loss_10_percent() {
    for seed in 100..112 {
        run(LinkConfig::lossy(0.10), seed);
    }
}

#[test]
fn loss_30_percent() {
    for seed in 200..208 {
        let (_, retransmits) = run(LinkConfig::lossy(0.30), seed);
        assert!(retransmits > 0);
    }
}

#[test]
fn bursty_loss() {
    for seed in 300..308 {
        let link = LinkConfig {
            burst_enter: 0.03,
            burst_exit: 0.3,
            ..LinkConfig::default()
        };
        run(link, seed);
    }
}

#[test]
fn duplication_and_reordering() {
    for seed in 400..412 {
        let link = LinkConfig {
            dup: 0.2,
            reorder: 0.2,
            reorder_delay: Duration::from_millis(40),
            jitter: Duration::from_millis(5),
            latency: Duration::from_millis(10),
            ..LinkConfig::default()
        };
        let (dups, _) = run(link, seed);
        assert!(
            dups > 0,
            "seed {seed}: duplicates must have been seen and suppressed"
        );
    }
}

#[test]
fn everything_at_once() {
    for seed in 500..506 {
        let link = LinkConfig {
            loss: 0.1,
            dup: 0.1,
            reorder: 0.1,
            jitter: Duration::from_millis(3),
            latency: Duration::from_millis(20),
            ..LinkConfig::default()
        };
        run(link, seed);
    }
}
