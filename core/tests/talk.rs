//! Talk-back: PCM in, ADPCM frames on channel 3 paced in real time, decoded by the camera.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn talk_audio_reaches_the_camera_paced_in_real_time() {
    let mut rig = Rig::simple(pppp::sim::LinkConfig::lossy(0.05), 3);
    rig.connect();
    rig.login();
    // One second of a 440 Hz tone at 8 kHz.
    let pcm: Vec<i16> = (0..8000)
        .map(|i| (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 8000.0).sin()) as i16)
        .collect();
    let now = rig.net.now();
    let start = rig.net.elapsed();
    rig.controller().talk(now, &pcm).unwrap();
    let frames = pcm.len().div_ceil(512) as u64;
    assert!(rig.controller().talk_queued() > Duration::from_millis(800));
    // Half a second in, at most half of the audio may have been sent.
    rig.net.drive_for(Duration::from_millis(500));
    let mid = rig.camera().stats().talk_frames;
    assert!(
        mid <= frames / 2 + 2,
        "not paced: {mid} of {frames} frames after 0.5 s"
    );
    let ok = rig.net.drive_until(Duration::from_secs(10), |net| {
        net.get::<pppp::sim::FakeCamera>(rig.cam)
            .stats()
            .talk_frames
            >= frames
    });
    assert!(
        ok,
        "camera got {} of {frames} talk frames",
        rig.camera().stats().talk_frames
    );
    let took = rig.net.elapsed() - start;
    assert!(
        took >= Duration::from_millis(900),
        "sent faster than real time: {took:?}"
    );
    let s = rig.camera().stats();
    assert_eq!(s.talk_samples, frames * 512);
    assert!(
        s.talk_energy / s.talk_samples > 2000,
        "the camera decoded silence"
    );
}

#[test]
fn talk_queue_is_bounded() {
    let mut rig = Rig::simple(pppp::sim::LinkConfig::perfect(), 4);
    rig.connect();
    let now = rig.net.now();
    let minute = vec![0i16; 8000 * 60];
    assert!(rig.controller().talk(now, &minute).is_err());
}
