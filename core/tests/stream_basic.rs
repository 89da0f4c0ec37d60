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
