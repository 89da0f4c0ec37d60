//! Commands and their replies (docs/protocol.md §4.2, §8.1): raw JSON commands are matched to their
//! replies even when the device answers with another number (set_datetime 126 → 128), several
//! may be in flight, unknown ones get result −1, and commands fail cleanly on a closed session
//! or after the command timeout.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::conn::{CloseReason, ConnWriteError};
use pppp::proto::controller::{CommandError, ControllerError, Event, RequestId};
use pppp::sim::LinkConfig;
use serde_json::json;

fn logged_in(seed: u64) -> Rig {
    let mut rig = Rig::simple(LinkConfig::perfect(), seed);
    rig.connect_and_login();
    rig
}

fn unsolicited(rig: &Rig) -> usize {
    rig.events
        .iter()
        .filter(|e| matches!(e, Event::Unsolicited(_)))
        .count()
}

#[test]
fn set_datetime_is_answered_as_128() {
    let mut rig = logged_in(1);
    let id =
        rig.command(json!({"pro": "set_datetime", "cmd": 126, "tz": -3600, "time": 1_700_000_000}));
    let reply = rig.reply(id, Duration::from_secs(5));
    assert_eq!(reply["cmd"], 128);
    assert_eq!(reply["result"], 0);
    assert_eq!(unsolicited(&rig), 0);
    assert_eq!(rig.controller_ref().stats().bad_replies, 0);
}

#[test]
fn set_datetime_among_other_commands_including_ptz_128() {
    let mut rig = logged_in(2);
    // The reply to 126 carries 128, the number of ptz_control, which is in flight too.
    let parms = rig.command(json!({"pro": "get_parms"}));
    let date = rig.command(json!({"pro": "set_datetime", "tz": 0, "time": 1_700_000_123}));
    let ptz = rig.command(json!({"pro": "ptz_control", "parms": 0, "value": 4}));
    let alarm = rig.command(json!({"pro": "get_alarm"}));
    let r = rig.reply(alarm, Duration::from_secs(5));
    assert_eq!(r["cmd"], 107);
    assert!(r.get("pirenable").is_some());
    let r = rig.reply(parms, Duration::from_secs(1));
    assert_eq!(r["cmd"], 101);
    assert!(r.get("sysver").is_some());
    assert_eq!(rig.reply(date, Duration::from_secs(1))["cmd"], 128);
    assert_eq!(rig.reply(ptz, Duration::from_secs(1))["cmd"], 128);
    assert_eq!(rig.camera().stats().last_ptz, Some((0, 4)));
    assert_eq!(unsolicited(&rig), 0);
    // Replies come in request order.
    let order: Vec<RequestId> = rig
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Reply { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(order, vec![parms, date, ptz, alarm]);
}

#[test]
fn set_datetime_answered_with_its_own_number_also_matches() {
    let mut cam = camera_config();
    cam.reply_aliases = false;
    let ctl = controller_config(&cam);
    let mut rig = Rig::new(LinkConfig::perfect(), 3, cam, ctl);
    rig.connect_and_login();
    let id = rig.command(json!({"cmd": 126, "tz": 0, "time": 1}));
    assert_eq!(rig.reply(id, Duration::from_secs(5))["cmd"], 126);
}

#[test]
fn many_commands_in_flight_are_matched() {
    for (seed, loss) in [(10, 0.0), (11, 0.1), (12, 0.1), (13, 0.2)] {
        let mut rig = Rig::simple(LinkConfig::lossy(loss), seed);
        rig.connect_and_login();
        let cmds = [101, 107, 112, 113, 305, 9000, 134, 103, 101, 107];
        let ids: Vec<(i64, RequestId)> = cmds
            .iter()
            .map(|&c| (c, rig.command(json!({ "cmd": c }))))
            .collect();
        for (c, id) in &ids {
            let r = rig.reply(*id, Duration::from_secs(20));
            assert_eq!(r["cmd"], *c, "seed {seed}: reply to {c}");
            assert_eq!(r["result"], 0);
        }
        // Distinctive content went to the right request.
        let r = |i: usize| match rig.outcome(ids[i].1) {
            Some(Event::Reply { reply, .. }) => reply.clone(),
            e => panic!("{e:?}"),
        };
        assert_eq!(r(2)["wifissid"], "pppp-lab");
        assert_eq!(r(3)["count"], 2);
        assert_eq!(r(5)["productName"], "pppp-emulator");
        assert_eq!(r(6)["inputvol"], 80);
        assert_eq!(r(7)["devname"], "pppp emulator");
        assert_eq!(unsolicited(&rig), 0, "seed {seed}");
        assert_eq!(rig.camera().stats().commands, 11);
    }
}

#[test]
fn unknown_command_gets_minus_1() {
    let mut rig = logged_in(20);
    let id = rig.command(json!({"pro": "make_coffee", "cmd": 4242, "strength": 3}));
    let reply = rig.reply(id, Duration::from_secs(5));
    assert_eq!(reply["cmd"], 4242);
    assert_eq!(reply["result"], -1);
    assert_eq!(rig.camera().stats().unknown_commands, 1);
    // The session goes on.
    let id = rig.command(json!({"pro": "get_parms"}));
    assert_eq!(rig.reply(id, Duration::from_secs(5))["result"], 0);
}

#[test]
fn malformed_requests_are_refused_locally() {
    let mut rig = logged_in(21);
    let now = rig.net.now();
    let sent = rig.controller_ref().stats().conn.send[0].bytes;
    for bad in [
        json!({"pro": "no_such_command"}),
        json!([1, 2]),
        json!("get_parms"),
    ] {
        assert!(
            matches!(
                rig.controller().command(now, bad.clone()),
                Err(ControllerError::BadRequest(_))
            ),
            "{bad}"
        );
    }
    assert_eq!(rig.controller_ref().stats().conn.send[0].bytes, sent);
}

#[test]
fn command_on_a_closed_session_is_an_error() {
    // Before the session exists.
    let cam = camera_config();
    let mut rig = Rig::new(
        LinkConfig::perfect(),
        30,
        cam.clone(),
        controller_config(&cam),
    );
    let now = rig.net.now();
    assert!(matches!(
        rig.controller().command(now, json!({"pro": "get_parms"})),
        Err(ControllerError::Write(ConnWriteError::NotConnected))
    ));
    rig.connect_and_login();

    // A command in flight when the session closes fails with Closed.
    rig.net.link_mut().set_config(LinkConfig::lossy(1.0));
    let pending = rig.command(json!({"pro": "get_parms"}));
    let now = rig.net.now();
    rig.controller().close(now);
    assert!(rig.until(Duration::from_secs(5), |e| {
        e.iter().any(|e| matches!(e, Event::Closed(_)))
    }));
    assert_eq!(rig.closed(), Some(CloseReason::Local));
    assert!(matches!(
        rig.outcome(pending),
        Some(Event::CommandFailed {
            error: CommandError::Closed,
            ..
        })
    ));

    // After it closed.
    let now = rig.net.now();
    for json in [json!({"pro": "get_parms"}), json!({"cmd": 4242})] {
        assert!(matches!(
            rig.controller().command(now, json),
            Err(ControllerError::Write(ConnWriteError::NotConnected))
        ));
    }
    assert!(matches!(
        rig.controller().login(now),
        Err(ControllerError::Write(ConnWriteError::NotConnected))
    ));
    assert!(rig.controller().start_video(now, 1).is_err());
}

#[test]
fn command_on_a_remotely_closed_session_is_an_error() {
    let mut rig = logged_in(31);
    // The camera reboots: it sends CLOSE to every controller and goes quiet.
    let id = rig.command(json!({"pro": "dev_control", "reboot": 1}));
    assert_eq!(rig.reply(id, Duration::from_secs(5))["result"], 0);
    assert!(rig.until(Duration::from_secs(5), |e| {
        e.iter().any(|e| matches!(e, Event::Closed(_)))
    }));
    assert_eq!(rig.closed(), Some(CloseReason::Remote));
    let now = rig.net.now();
    assert!(matches!(
        rig.controller().command(now, json!({"pro": "get_parms"})),
        Err(ControllerError::Write(ConnWriteError::NotConnected))
    ));
}

#[test]
fn command_times_out_when_nothing_answers() {
    let mut rig = logged_in(40);
    let timeout = rig.controller_ref().config().command_timeout;
    let dead_after = rig.controller_ref().config().conn.dead_after;
    assert!(
        timeout < dead_after,
        "the test needs the timeout to come first"
    );
    // Everything is lost from now on.
    rig.net.link_mut().set_config(LinkConfig::lossy(1.0));
    let sent_at = rig.net.now();
    let id = rig.command(json!({"pro": "get_parms"}));
    let mut failed_at = None;
    let ctl = rig.ctl;
    let events = &mut rig.events;
    rig.net.drive_until(Duration::from_secs(30), |net| {
        let now = net.now();
        let c = &mut net
            .get_mut::<pppp::sim::Endpoint<pppp::proto::controller::Controller>>(ctl)
            .machine;
        while let Some(e) = c.poll_event() {
            if matches!(e, Event::CommandFailed { id: i, .. } if i == id) {
                failed_at = Some(now);
            }
            events.push(e);
        }
        failed_at.is_some()
    });
    let failed_at = failed_at.expect("no CommandFailed");
    let took = failed_at - sent_at;
    assert!(
        took >= timeout && took <= timeout + Duration::from_millis(20),
        "failed after {took:?}"
    );
    assert!(matches!(
        rig.outcome(id),
        Some(Event::CommandFailed {
            error: CommandError::Timeout(t),
            ..
        }) if *t == timeout
    ));
    // The timeout is the command's, not the session's: the session is still up (for now).
    assert_eq!(rig.closed(), None);
    assert!(rig.controller_ref().conn().is_connected());
    // The command was retransmitted meanwhile (same index, docs/protocol.md §3.5).
    assert!(rig.controller_ref().stats().conn.send[0].retransmits > 0);
}

#[test]
fn late_reply_after_a_timeout_does_not_answer_the_next_command() {
    // A known command, and one the device does not know (its late reply carries result -1 and
    // a number no request of the family has).
    for (seed, first_cmd) in [(50, 101), (51, 4242)] {
        let mut rig = logged_in(seed);
        let timeout = rig.controller_ref().config().command_timeout;
        rig.net.link_mut().set_config(LinkConfig::lossy(1.0));
        let first = rig.command(json!({ "cmd": first_cmd }));
        rig.net.drive_for(timeout + Duration::from_millis(100));
        rig.collect();
        assert!(matches!(
            rig.outcome(first),
            Some(Event::CommandFailed {
                error: CommandError::Timeout(_),
                ..
            })
        ));
        // The link comes back; the first command is still retransmitted and answered late,
        // before the reply to the next one.
        rig.net.link_mut().set_config(LinkConfig::perfect());
        let next = rig.command(json!({"pro": "get_alarm"}));
        let reply = rig.reply(next, Duration::from_secs(10));
        assert_eq!(
            reply["cmd"], 107,
            "the late reply to {first_cmd} answered get_alarm: {reply}"
        );
        assert!(reply.get("pirenable").is_some());
        // The late reply itself is reported as unsolicited.
        rig.net.drive_for(Duration::from_millis(500));
        rig.collect();
        assert!(rig
            .events
            .iter()
            .any(|e| matches!(e, Event::Unsolicited(v) if v["cmd"] == first_cmd)));
        assert_eq!(rig.camera().stats().commands, 3);
        assert!(rig
            .outcome(first)
            .is_some_and(|e| matches!(e, Event::CommandFailed { .. })));
    }
}

#[test]
fn repeating_a_timed_out_command_still_gets_a_reply() {
    let mut rig = logged_in(52);
    let timeout = rig.controller_ref().config().command_timeout;
    rig.net.link_mut().set_config(LinkConfig::lossy(1.0));
    let first = rig.command(json!({"pro": "get_parms"}));
    rig.net.drive_for(timeout + Duration::from_millis(100));
    rig.net.link_mut().set_config(LinkConfig::perfect());
    let again = rig.command(json!({"pro": "get_parms"}));
    let then = rig.command(json!({"pro": "get_wifi"}));
    assert_eq!(rig.reply(again, Duration::from_secs(10))["cmd"], 101);
    assert_eq!(rig.reply(then, Duration::from_secs(10))["cmd"], 112);
    rig.net.drive_for(Duration::from_millis(500));
    rig.collect();
    assert!(matches!(
        rig.outcome(first),
        Some(Event::CommandFailed { .. })
    ));
    // Two get_parms replies arrived for one live request: one answered it, one is extra.
    assert_eq!(unsolicited(&rig), 1);
}
