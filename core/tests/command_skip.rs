//! Devices that skip a channel-0 index and never send it (docs/protocol.md §3.3): with
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

/// Which request a reply answers: the SHIX command number, the CGI name, or the iLnk command.
fn answered(reply: &Value) -> String {
    match reply.get("dialect").and_then(Value::as_str) {
        Some("cgi") => reply["cgi"].as_str().unwrap_or("?").to_owned(),
        Some("binary") => reply["cmd_hex"].as_str().unwrap_or("?").to_owned(),
        _ => reply["cmd"].to_string(),
    }
}

#[test]
fn the_command_channel_resynchronises_after_a_skipped_index() {
    for (i, (uid, d, want)) in [
        (UID, Dialect::Shix, ["101", "113", "114"]),
        (
            "VSTC-999999-EFGHJ",
            Dialect::Cgi,
            ["get_status", "wifi_scan", "set_wifi"],
        ),
        (
            "BATD-156362-WONJM",
            Dialect::Binary,
            ["0x1108", "0x6103", "0x6101"],
        ),
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
        // Three different requests: replies 1, 2 (sent as index 3 after the gap) and 3 each
        // arrive, as the answer to their own request.
        let ops = [
            Op::GetParams,
            Op::WifiScan,
            Op::SetWifi {
                ssid: format!("skip-{i}"),
                password: "secret".into(),
            },
        ];
        for (k, op) in ops.into_iter().enumerate() {
            let now = rig.net.now();
            let id = rig.controller().op(now, op).unwrap();
            let r = outcome(&mut rig, id, Duration::from_secs(10)).expect("an outcome");
            let reply = r.unwrap_or_else(|e| panic!("{d}: request {k}: {e:?}"));
            assert_eq!(answered(&reply), want[k], "{d}: request {k}: {reply}");
            assert_ne!(reply["result"], -1, "{d}: request {k}: {reply}");
        }
        let cam = rig.camera().stats();
        assert_eq!(
            cam.wifi,
            Some((format!("skip-{i}"), "secret".into())),
            "{d}: the last request took effect"
        );
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
