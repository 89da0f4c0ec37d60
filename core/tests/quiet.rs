//! Quietness (docs/architecture.md, "Idle rest"): a session that only keeps alive says so, so
//! that the driver may read its datagrams a little late; a request, a stream or any data makes
//! it busy again at once.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::conn::QUIET_AFTER;
use pppp::sim::LinkConfig;
use serde_json::json;

fn quiet(rig: &mut Rig) -> bool {
    rig.collect();
    let now = rig.net.now();
    rig.controller_ref().is_quiet(now)
}

/// Drives in steps of `step` for `total`, asserting `want` at every step.
fn hold(rig: &mut Rig, total: Duration, step: Duration, want: bool, what: &str) {
    let mut t = Duration::ZERO;
    while t < total {
        rig.net.drive_for(step);
        t += step;
        assert_eq!(quiet(rig), want, "{what}, {t:?} in");
    }
}

#[test]
fn a_session_that_only_keeps_alive_turns_quiet_and_a_command_makes_it_busy() {
    let mut rig = Rig::simple(LinkConfig::perfect(), 1);
    rig.connect_and_login();
    assert!(!quiet(&mut rig), "the login's data was just exchanged");
    hold(
        &mut rig,
        QUIET_AFTER - Duration::from_millis(200),
        Duration::from_millis(100),
        false,
        "data less than QUIET_AFTER ago",
    );
    rig.net.drive_for(Duration::from_millis(300));
    assert!(quiet(&mut rig), "nothing but keepalives for QUIET_AFTER");
    // The camera's ALIVEs (one a second) and our ALIVE_ACKs keep it quiet.
    hold(
        &mut rig,
        Duration::from_secs(10),
        Duration::from_millis(70),
        true,
        "only keepalives",
    );

    let id = rig.command(json!({"pro": "get_parms"}));
    assert!(!quiet(&mut rig), "a request waits for its reply");
    let reply = rig.reply(id, Duration::from_secs(5));
    assert_eq!(reply["result"], 0);
    assert!(!quiet(&mut rig), "the reply just came");
    rig.net.drive_for(QUIET_AFTER + Duration::from_millis(100));
    assert!(quiet(&mut rig), "quiet again after the exchange");
}

#[test]
fn a_stream_is_never_quiet_and_a_stopped_one_turns_quiet() {
    let mut rig = Rig::simple(LinkConfig::perfect(), 2);
    rig.connect_and_login();
    rig.stream(3, Duration::from_secs(5));
    hold(
        &mut rig,
        Duration::from_secs(5),
        Duration::from_millis(37),
        false,
        "streaming",
    );
    let now = rig.net.now();
    let id = rig.controller().stop_video(now).unwrap();
    rig.reply(id, Duration::from_secs(5));
    // Frames already sent may still arrive; then only keepalives.
    rig.net.drive_for(QUIET_AFTER + Duration::from_secs(1));
    assert!(quiet(&mut rig), "no frame for QUIET_AFTER after the stop");
}

#[test]
fn a_session_still_connecting_or_closed_is_not_quiet() {
    let mut rig = Rig::simple(LinkConfig::perfect(), 3);
    assert!(!quiet(&mut rig), "searching");
    rig.connect_and_login();
    rig.net.drive_for(QUIET_AFTER + Duration::from_millis(100));
    assert!(quiet(&mut rig));
    let now = rig.net.now();
    rig.controller().close(now);
    assert!(!quiet(&mut rig), "closing");
    rig.net.drive_for(Duration::from_secs(5));
    assert!(!quiet(&mut rig), "closed");
}
