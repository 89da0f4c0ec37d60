//! The channel-0 gap skip fires well before a command times out (issue 11 §6). A device that
//! never sends one channel-0 index (aiopppp's `binary_camera.py` skips index 1) answers the
//! next command behind the gap; with the client's defaults (`SessionConfig::new`: the skip
//! after max(2 × RTO, 1 s), commands time out after 5 s) the command completes. It used to
//! time out: the skip waited 5 s, as long as the command.

mod common;

use std::time::Duration;

use common::*;
use pppp::client::SessionConfig;
use pppp::proto::controller::{Event, RequestId};
use pppp::proto::dialect::Dialect;
use pppp::sim::LinkConfig;
use pppp::Uid;

const BINARY_UID: &str = "BATD-156362-WONJM";

/// A binary-dialect camera that never sends channel-0 index 1 (index 0 carries the login
/// reply), and a controller configured as `Session` configures it.
fn rig(link: LinkConfig, seed: u64) -> Rig {
    let mut cam = camera_config();
    cam.uid = Uid::parse(BINARY_UID).unwrap();
    cam.dialect = Dialect::Binary;
    cam.skip_command_index = Some(1);
    let session = SessionConfig::new(BINARY_UID);
    let mut ctl = controller_config(&cam);
    ctl.conn.command_skip_after = session.command_skip_after;
    ctl.command_timeout = session.command_timeout;
    Rig::new(link, seed, cam, ctl)
}

/// Sends CMD_SYSTEM_STATUS (0x1008) and drives until it is answered or fails; returns the
/// outcome and how long it took.
fn status(rig: &mut Rig) -> (Event, Duration) {
    let sent = rig.net.now();
    let id: RequestId = rig.controller().binary(sent, 0x1008, &[]).unwrap();
    let done = rig.until(Duration::from_secs(20), |e| {
        e.iter().any(|e| {
            matches!(e, Event::Reply { id: i, .. } | Event::CommandFailed { id: i, .. } if *i == id)
        })
    });
    assert!(done, "no outcome; events: {:?}", rig.events);
    let took = rig.net.now() - sent;
    (rig.outcome(id).cloned().expect("an outcome"), took)
}

#[test]
fn a_command_behind_a_missing_index_completes_before_its_timeout() {
    for (name, link) in [
        ("perfect link", LinkConfig::perfect()),
        (
            "150 ms one way",
            LinkConfig {
                latency: Duration::from_millis(150),
                ..LinkConfig::perfect()
            },
        ),
    ] {
        let mut rig = rig(link, 3);
        rig.connect_and_login();
        let timeout = rig.controller_ref().config().command_timeout;
        let (outcome, took) = status(&mut rig);
        assert!(
            matches!(&outcome, Event::Reply { reply, .. } if reply["cmd"] == 0x1108),
            "{name}: {outcome:?}"
        );
        assert!(
            took < timeout / 2,
            "{name}: answered after {took:?}, the command timeout is {timeout:?}"
        );
        let cs = rig.controller_ref().stats();
        assert_eq!(cs.command_skips, 1, "{name}: one index skipped");
        // The next command, behind no gap, is answered at once.
        let (outcome, took) = status(&mut rig);
        assert!(
            matches!(outcome, Event::Reply { .. }),
            "{name}: {outcome:?}"
        );
        assert!(took < Duration::from_secs(1), "{name}: {took:?}");
    }
}
