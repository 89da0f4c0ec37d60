//! Devices that skip a channel-0 index and never send it (PROTOCOL.md §3.3): with
//! `command_skip_after` the command channel gives up on the missing index after that long,
//! resynchronises on the next command header and goes on; the skip is counted. Without it the
//! channel stalls (which the test shows, so the option is known to matter). Media channels keep
//! strict order and never skip.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::controller::{CommandError, Event, RequestId};
use pppp::proto::dialect::Dialect;
use pppp::proto::ops::Op;
use pppp::sim::{CameraConfig, LinkConfig};
use pppp::Uid;
use serde_json::{json, Value};

fn outcome(rig: &mut Rig, id: RequestId, limit: Duration) -> Option<Result<Value, CommandError>> {
    rig.until(limit, |e| {
        e.iter().any(|e| match e {
            Event::Reply { id: i, .. } | Event::CommandFailed { id: i, .. } => *i == id,
            _ => false,
        })
    });
    match rig.outcome(id)? {
        Event::Reply { reply, .. } => Some(Ok(reply.json().clone())),
        Event::CommandFailed { error, .. } => Some(Err(error.clone())),
        _ => None,
    }
}

fn skipping_camera(uid: &str, dialect: Dialect) -> CameraConfig {
    let mut c = camera_config();
    c.uid = Uid::parse(uid).unwrap();
    c.dialect = dialect;
    // Index 0 carries the login reply; index 2 is never sent.
    c.skip_command_index = Some(2);
    c
}

fn rig(cam: CameraConfig, skip_after: Option<Duration>, link: LinkConfig, seed: u64) -> Rig {
    let mut ctl = controller_config(&cam);
    ctl.conn.command_skip_after = skip_after;
    ctl.command_timeout = Duration::from_secs(5);
    Rig::new(link, seed, cam, ctl)
}

/// Sends `n` status requests in the camera's dialect, one after the other.
fn requests(rig: &mut Rig, dialect: Dialect, n: usize) -> Vec<Result<Value, CommandError>> {
    (0..n)
        .map(|_| {
            let now = rig.net.now();
            let id = match dialect {
                Dialect::Shix => rig.controller().command(now, json!({"pro": "get_parms"})),
                _ => rig.controller().op(now, Op::GetParams),
            }
            .unwrap();
            outcome(rig, id, Duration::from_secs(10)).expect("an outcome")
        })
        .collect()
}

#[test]
fn the_command_channel_resynchronises_after_a_skipped_index() {
    for (i, (uid, d)) in [
        (UID, Dialect::Shix),
        ("VSTC-999999-EFGHJ", Dialect::Cgi),
        ("BATD-156362-WONJM", Dialect::Binary),
    ]
    .into_iter()
    .enumerate()
    {
        let mut rig = rig(
            skipping_camera(uid, d),
            Some(Duration::from_millis(800)),
            LinkConfig::perfect(),
            i as u64,
        );
        rig.connect_and_login();
        // Replies 1, 2 (sent as index 3 after the gap) and 3: every one arrives.
        let got = requests(&mut rig, d, 3);
        for (k, r) in got.iter().enumerate() {
            assert!(r.is_ok(), "{d}: request {k}: {r:?}");
        }
        let cs = rig.controller_ref().stats();
        assert_eq!(cs.command_skips, 1, "{d}: the skip is counted");
        assert_eq!(cs.conn.recv[0].skipped, 1, "{d}");
        assert_eq!(cs.bad_replies, 0, "{d}");
    }
}

#[test]
fn without_the_option_the_channel_stalls_at_the_gap() {
    let mut rig = rig(
        skipping_camera(UID, Dialect::Shix),
        None,
        LinkConfig::perfect(),
        7,
    );
    rig.connect_and_login();
    let got = requests(&mut rig, Dialect::Shix, 3);
    assert!(got[0].is_ok());
    assert!(
        matches!(got[1], Err(CommandError::Timeout(_))),
        "{:?}",
        got[1]
    );
    assert!(
        matches!(got[2], Err(CommandError::Timeout(_))),
        "{:?}",
        got[2]
    );
    assert_eq!(rig.controller_ref().stats().command_skips, 0);
}

#[test]
fn media_channels_never_skip_even_under_loss() {
    for seed in 0..3 {
        let cam = skipping_camera(UID, Dialect::Shix);
        let mut rig = rig(
            cam.clone(),
            Some(Duration::from_secs(3)),
            LinkConfig::lossy(0.15),
            100 + seed,
        );
        rig.connect_and_login();
        rig.stream(20, Duration::from_secs(60));
        assert_frames_intact(&rig.frames(), &cam, 20);
        let cs = rig.controller_ref().stats();
        assert_eq!(cs.conn.recv[1].skipped, 0, "video keeps strict order");
        assert_eq!(cs.missing_frames, 0);
    }
}
