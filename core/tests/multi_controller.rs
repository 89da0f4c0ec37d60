//! One fake camera, several controllers at once, each with its own session and stream.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use pppp::proto::controller::{Controller, Event};
use pppp::sim::{Endpoint, FakeCamera, LinkConfig, Network};

#[test]
fn three_controllers_stream_independently() {
    let cam_cfg = camera_config();
    let mut net = Network::new(LinkConfig::lossy(0.05), 11);
    let now = net.now();
    let cam = net.add(FakeCamera::new(cam_cfg.clone(), now));
    let addrs: Vec<SocketAddr> = (1..=3)
        .map(|i| format!("10.0.0.{}:5000{i}", 10 + i).parse().unwrap())
        .collect();
    let ids: Vec<_> = addrs
        .iter()
        .map(|a| {
            let mut c = Controller::new(controller_config(&cam_cfg), now);
            c.start(now);
            net.add(Endpoint::new(*a, c))
        })
        .collect();
    let mut events: Vec<Vec<Event>> = vec![Vec::new(); 3];
    let mut logged_in = [false; 3];
    let mut video_started = [false; 3];
    let ok = net.drive_until(Duration::from_secs(60), |net| {
        for (k, id) in ids.iter().enumerate() {
            let t = net.now();
            let c = &mut net.get_mut::<Endpoint<Controller>>(*id).machine;
            while let Some(e) = c.poll_event() {
                events[k].push(e);
            }
            if !logged_in[k]
                && events[k]
                    .iter()
                    .any(|e| matches!(e, Event::Connected { .. }))
            {
                c.login(t).unwrap();
                logged_in[k] = true;
            }
            if !video_started[k]
                && events[k]
                    .iter()
                    .any(|e| matches!(e, Event::Login { accepted: true, .. }))
            {
                c.start_video(t, 1).unwrap();
                video_started[k] = true;
            }
        }
        events
            .iter()
            .all(|ev| ev.iter().filter(|e| matches!(e, Event::Frame(_))).count() >= 15)
    });
    assert!(
        ok,
        "not every controller got 15 frames: {:?}",
        events.iter().map(|e| e.len()).collect::<Vec<_>>()
    );
    let s = net.get::<FakeCamera>(cam).stats();
    assert_eq!(s.sessions, 3);
    assert_eq!(s.active_sessions, 3);
    assert_eq!(s.logins_ok, 3);
    for ev in &events {
        // Each session sees a contiguous, intact sequence of the camera's frames (the frame
        // counter is shared, so sessions start at different indexes).
        let frames: Vec<_> = ev
            .iter()
            .filter_map(|e| match e {
                Event::Frame(f) => Some(f),
                _ => None,
            })
            .collect();
        for w in frames.windows(2) {
            assert!(w[1].index > w[0].index);
        }
        for f in &frames {
            let expected = pppp::sim::jpeg::frame(
                f.index as u64,
                cam_cfg.width,
                cam_cfg.height,
                cam_cfg.quality,
            );
            assert!(f.data == expected, "frame {} corrupted", f.index);
        }
    }
}
