//! What the driver's shared socket asks of the transport (docs/architecture.md, "Shared
//! socket"), in virtual time: a session hears strangers while it searches and for
//! `DUPLICATE_WINDOW` after its camera was found, then no more; it does not decipher an
//! oversized "search answer" (each searching session is offered every stranger's datagram);
//! and its counters can be refreshed in place, one copy again and again, even across a new
//! session.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::conn::{ConnStats, DUPLICATE_WINDOW};
use pppp::proto::controller::ControllerStats;
use pppp::proto::drw::{RecvStats, SendStats};
use pppp::sim::LinkConfig;

fn hears(rig: &mut Rig) -> bool {
    let now = rig.net.now();
    rig.controller_ref().conn().hears_strangers(now)
}

#[test]
fn a_session_hears_strangers_while_it_searches_and_shortly_after_its_camera_was_found() {
    let mut rig = Rig::simple(LinkConfig::perfect(), 3);
    assert!(
        hears(&mut rig),
        "searching: the camera's address is not known yet"
    );
    rig.connect();
    assert!(
        hears(&mut rig),
        "just found: other answers to the search are duplicates"
    );
    rig.net
        .drive_for(DUPLICATE_WINDOW - Duration::from_millis(500));
    assert!(hears(&mut rig), "still within the window");
    rig.net.drive_for(Duration::from_secs(1));
    assert!(
        !hears(&mut rig),
        "past the window: only the camera's datagrams matter"
    );
    let now = rig.net.now();
    rig.controller().close(now);
    rig.net.drive_for(Duration::from_secs(2));
    assert!(rig.controller_ref().conn().is_closed());
    assert!(!hears(&mut rig), "closed");
}

#[test]
fn counters_refreshed_in_place_equal_a_fresh_copy() {
    let mut rig = Rig::simple(LinkConfig::lossy(0.05), 4);
    rig.connect_and_login();
    rig.stream(5, Duration::from_secs(30));
    let c = rig.controller_ref();
    let fresh = c.stats();
    assert!(
        c.conn().used_channels() & 1 != 0,
        "the login used channel 0"
    );

    let mut out = ControllerStats::default();
    c.stats_into(&mut out, 0);
    assert_eq!(out, fresh);

    // A copy an earlier session filled on a channel this one never used: naming that channel
    // clears it; not naming it would leave the other session's counters behind.
    let unused = (0..8u8)
        .find(|ch| c.conn().used_channels() & (1 << ch) == 0)
        .expect("an unused channel");
    let mut stale = fresh.clone();
    stale.conn.send[unused as usize] = SendStats {
        packets: 7,
        ..SendStats::default()
    };
    stale.conn.recv[unused as usize] = RecvStats {
        packets: 9,
        ..RecvStats::default()
    };
    stale.video_frames += 100;
    let mut kept = stale.clone();
    c.stats_into(&mut kept, 0);
    assert_ne!(kept, fresh, "a channel not named is not touched");
    c.stats_into(&mut stale, 1 << unused);
    assert_eq!(stale, fresh);

    let mut conn = ConnStats::default();
    c.conn().stats_into(&mut conn, 0);
    assert_eq!(conn, fresh.conn);
}

#[test]
fn an_oversized_search_answer_is_not_taken() {
    // From the camera's own IP address (so allowed by the unicast search), a PUNCH_PKT for our
    // UID padded to 200 bytes arrives before the camera's answer: a search answer is a few
    // dozen bytes, so it is dropped unread (on a shared socket every searching session is
    // offered such a datagram) and the real answer is taken.
    use pppp::proto::packet::{Message, WireDid};
    let cam = camera_config();
    let ctl = controller_config(&cam);
    let mut rig = Rig::new(LinkConfig::perfect(), 5, cam.clone(), ctl);
    let mut padded = Message::PunchPkt(WireDid::from(&uid())).to_vec();
    padded.resize(200, 0);
    let elsewhere = std::net::SocketAddr::new(cam.session_addr.ip(), 40_999);
    rig.net.inject(elsewhere, ctl_addr(), padded);
    rig.connect_and_login();
    assert_eq!(rig.controller_ref().conn().peer(), Some(cam.session_addr));
}
