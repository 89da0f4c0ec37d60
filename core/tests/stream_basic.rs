//! The whole path on a perfect link: search, handshake, login, video.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::controller::Event;
use pppp::sim::LinkConfig;

#[test]
fn connects_logs_in_and_streams_intact_frames() {
    let mut rig = Rig::simple(LinkConfig::perfect(), 1);
    rig.connect();
    match rig.login() {
        Event::Login {
            accepted, reply, ..
        } => {
            assert!(accepted);
            assert_eq!(reply["checkstr"], "SHIX");
        }
        e => panic!("{e:?}"),
    }
    let now = rig.net.now();
    rig.controller().start_video(now, 1).unwrap();
    assert!(rig.until(Duration::from_secs(5), |e| e
        .iter()
        .filter(|e| matches!(e, Event::Frame(_)))
        .count()
        >= 20));
    let cam = common::camera_config();
    assert_frames_intact(&rig.frames(), &cam, 20);
    let f = rig.frames()[0];
    assert!(f.keyframe);
    assert_eq!(f.codec, pppp::proto::av::Codec::Mjpeg);
    jpeg_decoder::Decoder::new(&f.data[..])
        .decode()
        .expect("a real JPEG");
}

#[test]
fn a_frame_is_dated_by_the_datagram_that_completed_it() {
    use pppp::proto::controller::Controller;
    use pppp::sim::Endpoint;
    let mut rig = Rig::simple(LinkConfig::perfect(), 2);
    rig.connect_and_login();
    let now = rig.net.now();
    rig.controller().start_video(now, 1).unwrap();
    let ctl = rig.ctl;
    let mut dated = Vec::new();
    rig.net.drive_until(Duration::from_secs(5), |net| {
        // Polled after every step of the virtual network: a frame that is new here was
        // completed by the datagram delivered at this instant.
        let now = net.now();
        let c = &mut net.get_mut::<Endpoint<Controller>>(ctl).machine;
        while let Some(e) = c.poll_event() {
            if let Event::Frame(f) = e {
                dated.push((f.received_at, now));
            }
        }
        dated.len() >= 10
    });
    assert_eq!(dated.len(), 10);
    for (at, now) in &dated {
        assert_eq!(*at, Some(*now));
    }
    assert!(dated.windows(2).all(|w| w[0].0 < w[1].0), "{dated:?}");
}
