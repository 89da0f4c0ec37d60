//! A reply that arrives after its command timed out does not answer a later command with the
//! same response code, in the CGI and binary dialects (issue 11 §7), as in SHIX
//! (`command_reply.rs`). Channel 0 is reliable: a command sent during an outage is delivered
//! and answered once the link comes back, before the commands sent after it.
//!
//! The scenario, in both dialects: read the IR state (A) while the link is down, so that A
//! times out; when the link is back, switch IR on (C) and read the state again (B). The camera
//! answers A (IR off), C, then B (IR on). B must get the camera's answer to B, not the late
//! answer to A, which carries the same response code; that one is reported as unsolicited.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::controller::{CommandError, Event, RequestId};
use pppp::proto::dialect::Dialect;
use pppp::sim::LinkConfig;
use pppp::Uid;
use serde_json::Value;

fn rig(uid: &str, dialect: Dialect, seed: u64) -> Rig {
    let mut cam = camera_config();
    cam.uid = Uid::parse(uid).unwrap();
    cam.dialect = dialect;
    let ctl = controller_config(&cam);
    let mut rig = Rig::new(LinkConfig::perfect(), seed, cam, ctl);
    rig.connect_and_login();
    rig
}

fn unsolicited(rig: &Rig) -> Vec<Value> {
    rig.events
        .iter()
        .filter_map(|e| match e {
            Event::Unsolicited(v) => Some(v.json().clone()),
            _ => None,
        })
        .collect()
}

/// Sends `first` over a dead link and lets it time out; then, with the link back, sends
/// `then` (returned ids, in order) and waits for all their outcomes.
fn scenario(
    rig: &mut Rig,
    first: impl FnOnce(&mut Rig) -> RequestId,
    then: impl FnOnce(&mut Rig) -> Vec<RequestId>,
) -> Vec<Value> {
    let timeout = rig.controller_ref().config().command_timeout;
    rig.net.link_mut().set_config(LinkConfig::lossy(1.0));
    let a = first(rig);
    rig.net.drive_for(timeout + Duration::from_millis(100));
    rig.collect();
    assert!(
        matches!(
            rig.outcome(a),
            Some(Event::CommandFailed {
                error: CommandError::Timeout(_),
                ..
            })
        ),
        "the first command times out: {:?}",
        rig.outcome(a)
    );
    rig.net.link_mut().set_config(LinkConfig::perfect());
    let ids = then(rig);
    let replies = ids
        .iter()
        .map(|&id| rig.reply(id, Duration::from_secs(10)))
        .collect();
    rig.net.drive_for(Duration::from_millis(500));
    rig.collect();
    replies
}

#[test]
fn cgi_late_reply_does_not_answer_the_next_request_with_its_code() {
    let mut rig = rig("VSTC-999999-EFGHJ", Dialect::Cgi, 21);
    let get = |rig: &mut Rig| {
        let now = rig.net.now();
        rig.controller().cgi(now, "get_camera_params.cgi").unwrap()
    };
    let replies = scenario(&mut rig, get, |rig| {
        let now = rig.net.now();
        let ir_on = rig
            .controller()
            .cgi(now, "camera_control.cgi?param=14&value=1")
            .unwrap();
        vec![ir_on, get(rig)]
    });
    assert_eq!(replies[0]["result"], 0, "{}", replies[0]);
    assert_eq!(
        replies[1]["fields"]["ircut"], 1,
        "the second get_camera_params got a stale answer: {}",
        replies[1]
    );
    let late = unsolicited(&rig);
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0]["cgi"], "get_camera_params");
    assert_eq!(late[0]["fields"]["ircut"], 0);
    assert_eq!(
        rig.camera().stats().last_cgi.as_deref(),
        Some("get_camera_params")
    );
}

#[test]
fn binary_late_reply_does_not_answer_the_next_request_with_its_code() {
    let mut rig = rig("BATD-156362-WONJM", Dialect::Binary, 22);
    let status = |rig: &mut Rig| {
        let now = rig.net.now();
        rig.controller().binary(now, 0x1008, &[]).unwrap()
    };
    // Byte 93 of the status payload is the IR state.
    let ir = |reply: &Value| {
        reply["payload_hex"]
            .as_str()
            .map(|h| h[186..188].to_owned())
    };
    let replies = scenario(&mut rig, status, |rig| {
        let now = rig.net.now();
        let toggle = rig.controller().binary(now, 0x300a, &[]).unwrap();
        vec![toggle, status(rig)]
    });
    assert_eq!(replies[0]["cmd"], 0x310a, "{}", replies[0]);
    assert_eq!(
        ir(&replies[1]).as_deref(),
        Some("01"),
        "the second status got a stale answer: {}",
        replies[1]
    );
    let late = unsolicited(&rig);
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0]["cmd"], 0x1108);
    assert_eq!(ir(&late[0]).as_deref(), Some("00"));
}

#[test]
fn a_timed_out_request_that_is_never_answered_delays_but_does_not_steal_the_next_reply() {
    // A status request before the login carries no session ticket: the camera ignores it, like
    // firmware does, and it times out, never to be answered. After the login the same request
    // is answered; its reply could have been the late one, so it is held, then delivered when
    // no second reply follows. Nothing fails, and the next request is answered at once.
    let mut cam = camera_config();
    cam.uid = Uid::parse("BATD-156362-WONJM").unwrap();
    cam.dialect = Dialect::Binary;
    let ctl = controller_config(&cam);
    let timeout = ctl.command_timeout;
    let mut rig = Rig::new(LinkConfig::perfect(), 24, cam, ctl);
    rig.connect();
    let now = rig.net.now();
    let ignored = rig.controller().binary(now, 0x1008, &[]).unwrap();
    rig.net.drive_for(timeout + Duration::from_millis(100));
    rig.collect();
    assert!(matches!(
        rig.outcome(ignored),
        Some(Event::CommandFailed {
            error: CommandError::Timeout(_),
            ..
        })
    ));
    assert_eq!(rig.camera().stats().unauthorised, 1);
    assert!(matches!(rig.login(), Event::Login { accepted: true, .. }));
    for (k, max) in [
        (0, timeout + Duration::from_millis(100)),
        (1, Duration::from_millis(500)),
    ] {
        let sent = rig.net.now();
        let id = rig.controller().binary(sent, 0x1008, &[]).unwrap();
        let reply = rig.reply(id, Duration::from_secs(10));
        let took = rig.net.now() - sent;
        assert_eq!(reply["cmd"], 0x1108, "request {k}: {reply}");
        assert!(took <= max, "request {k} answered after {took:?}");
    }
    assert!(unsolicited(&rig).is_empty(), "{:?}", unsolicited(&rig));
}
