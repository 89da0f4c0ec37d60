//! Media breadth against the emulator in virtual time: H.264/H.265 passed through with codec,
//! key-frame flag, timestamps and the picture size of every frame (P frames included), a
//! resolution switch mid-stream without losing frames,
//! A-law and ADPCM audio decoded to PCM, and the ADPCM sample rate measured from timestamps.

mod common;

use std::time::Duration;

use common::*;
use pppp::media::{self, AudioProfile, RateEstimator};
use pppp::proto::av::Codec;
use pppp::proto::controller::{Event, Frame};
use pppp::sim::video::{self, FrameSpec};
use pppp::sim::{AudioCodec, CameraConfig, LinkConfig, VideoCodec};

fn rig(cam: CameraConfig, seed: u64) -> Rig {
    let ctl = controller_config(&cam);
    let mut rig = Rig::new(LinkConfig::lossy(0.05), seed, cam, ctl);
    rig.connect_and_login();
    rig
}

/// What the camera must have sent as frame `index` (one viewer, stream from frame 0).
fn expected(
    cam: &CameraConfig,
    index: u32,
    size: (u16, u16),
    gop_start: u32,
    keys: u32,
) -> Vec<u8> {
    let spec = FrameSpec {
        index,
        gop_pos: (index - gop_start) % cam.gop,
        key_count: keys,
        width: size.0,
        height: size.1,
    };
    match cam.video_codec {
        VideoCodec::H264 => video::h264_access_unit(&spec),
        VideoCodec::H265 => video::h265_access_unit(&spec),
        VideoCodec::Mjpeg => pppp::sim::jpeg::frame(u64::from(index), size.0, size.1, cam.quality),
    }
}

fn check_stream(codec: VideoCodec, want: Codec, seed: u64) {
    let mut cam = camera_config();
    cam.video_codec = codec;
    cam.gop = 4;
    cam.switch_resolution_after = Some(10);
    cam.switch_size = Some((48, 32));
    let mut rig = rig(cam.clone(), seed);
    rig.stream(16, Duration::from_secs(20));
    let frames: Vec<Frame> = rig.frames().into_iter().cloned().collect();
    let mut last_ts = 0;
    let mut keys = 0;
    let mut gop_start = 0;
    for (i, f) in frames.iter().take(16).enumerate() {
        let i = i as u32;
        assert_eq!(f.index, i, "{codec:?}: frames lost or out of order");
        assert_eq!(f.missing_before, 0);
        assert_eq!(f.codec, want, "{codec:?} frame {i}");
        let size = if i < 10 { (96, 64) } else { (48, 32) };
        // Key frames: every 4 frames, and at the switch (frame 10).
        let key = i.is_multiple_of(4) && i < 10 || i == 10 || i > 10 && (i - 10).is_multiple_of(4);
        if want != Codec::Mjpeg {
            assert_eq!(f.keyframe, key, "{codec:?} frame {i} key flag");
            assert_eq!(
                f.header.codec,
                if key { 0 } else { 1 },
                "VStarcam type byte"
            );
            if key {
                gop_start = i;
            }
        } else {
            assert!(f.keyframe);
        }
        assert_eq!(
            f.data,
            expected(&cam, i, size, gop_start, keys),
            "{codec:?} frame {i} bytes"
        );
        if key || want == Codec::Mjpeg {
            assert_eq!(f.picture_size(), Some(size), "{codec:?} frame {i} size");
        } else {
            assert_eq!(f.picture_size(), None, "P frames carry no size");
        }
        assert_eq!(
            f.dimensions,
            Some(size),
            "{codec:?} frame {i}: every frame has its stream's size"
        );
        if key {
            keys += 1;
        }
        assert!(f.timestamp_ms >= last_ts, "timestamps go forward");
        assert!(f.timestamp_ms >= u64::from(cam.epoch_seconds) * 1000);
        last_ts = f.timestamp_ms;
    }
    // 10 fps: about 100 ms between frames on the device clock.
    let span = frames[15].timestamp_ms - frames[0].timestamp_ms;
    assert!(
        (1400..=1600).contains(&span),
        "{codec:?}: 15 intervals took {span} ms"
    );
}

#[test]
fn mjpeg_resolution_switch_loses_no_frame() {
    check_stream(VideoCodec::Mjpeg, Codec::Mjpeg, 21);
}

#[test]
fn h264_passthrough_with_keyframes_timestamps_and_switch() {
    check_stream(VideoCodec::H264, Codec::H264, 22);
}

#[test]
fn h265_passthrough_with_keyframes_timestamps_and_switch() {
    check_stream(VideoCodec::H265, Codec::H265, 23);
}

#[test]
fn generated_h264_is_structurally_sound() {
    // SPS/PPS/IDR on key frames, one P slice otherwise, no start code inside a NAL.
    let spec = FrameSpec {
        index: 0,
        gop_pos: 0,
        key_count: 0,
        width: 96,
        height: 64,
    };
    let key: Vec<u8> = media::nal_units(&video::h264_access_unit(&spec))
        .map(|n| n[0] & 0x1f)
        .collect();
    assert_eq!(key, vec![7, 8, 5]);
    let p: Vec<u8> = media::nal_units(&video::h264_access_unit(&FrameSpec { gop_pos: 2, ..spec }))
        .map(|n| n[0] & 0x1f)
        .collect();
    assert_eq!(p, vec![1]);
    let h265: Vec<u8> = media::nal_units(&video::h265_access_unit(&spec))
        .map(|n| (n[0] >> 1) & 0x3f)
        .collect();
    assert_eq!(h265, vec![32, 33, 34, 19]);
}

fn audio_frames(rig: &Rig) -> Vec<Frame> {
    rig.events
        .iter()
        .filter_map(|e| match e {
            Event::Frame(f) if f.channel == 2 => Some(f.clone()),
            _ => None,
        })
        .collect()
}

fn collect_audio(rig: &mut Rig, n: usize) -> Vec<Frame> {
    let now = rig.net.now();
    rig.controller().start_audio(now).unwrap();
    assert!(rig.until(Duration::from_secs(10), |e| e
        .iter()
        .filter(|e| matches!(e, Event::Frame(f) if f.channel == 2))
        .count()
        >= n));
    audio_frames(rig)
}

#[test]
fn alaw_audio_decodes_to_the_cameras_tone() {
    let mut cam = camera_config();
    cam.audio_codec = AudioCodec::Alaw;
    let mut rig = rig(cam.clone(), 24);
    let frames = collect_audio(&mut rig, 10);
    let reference = pppp::sim::FakeCamera::new(cam, rig.net.now());
    for f in frames.iter().take(10) {
        assert_eq!(f.codec, Codec::Alaw);
        assert_eq!(f.header.codec, 0x06, "iLnk A-law type byte");
        let pcm = f.pcm().unwrap();
        let want = reference.audio_pcm(f.index);
        assert_eq!(pcm.len(), want.len());
        // A-law keeps ~13 bits: each sample within 2 % of full scale.
        for (a, b) in pcm.iter().zip(&want) {
            assert!((i32::from(*a) - i32::from(*b)).abs() < 700, "{a} vs {b}");
        }
        assert_eq!(AudioProfile::default().sample_rate(f.codec), Some(8000));
    }
}

#[test]
fn adpcm_audio_rate_is_measured_from_timestamps() {
    for rate in [8000u32, 11025] {
        let mut cam = camera_config();
        cam.audio_rate = rate;
        let mut rig = rig(cam.clone(), 25 + u64::from(rate));
        let frames = collect_audio(&mut rig, 24);
        let mut est = RateEstimator::default();
        for f in &frames {
            assert_eq!(f.codec, Codec::Adpcm);
            let pcm = media::decode_audio(f).unwrap();
            assert_eq!(pcm.len(), 512);
            est.push(f.timestamp_ms, pcm.len());
        }
        assert_eq!(est.estimate(), Some(rate), "camera at {rate} Hz");
        // Decoded audio is the camera's tone (ADPCM error is small once adapted).
        let reference = pppp::sim::FakeCamera::new(cam, rig.net.now());
        let f = &frames[3];
        let pcm = f.pcm().unwrap();
        let want = reference.audio_pcm(f.index);
        let err: i64 = pcm[64..]
            .iter()
            .zip(&want[64..])
            .map(|(a, b)| (i64::from(*a) - i64::from(*b)).abs())
            .sum::<i64>()
            / (pcm.len() as i64 - 64);
        assert!(err < 600, "mean error {err}");
    }
}

#[test]
fn video_frames_are_not_audio() {
    let mut rig = rig(camera_config(), 26);
    rig.stream(1, Duration::from_secs(10));
    let f = rig.frames()[0].clone();
    assert_eq!(
        media::decode_audio(&f),
        Err(media::MediaError::NotAudio(Codec::Mjpeg))
    );
}

#[test]
fn talk_at_11025_hz_is_paced_for_that_rate() {
    let cam = camera_config();
    let mut ctl = controller_config(&cam);
    ctl.talk_rate = 11025;
    let mut rig = Rig::new(LinkConfig::perfect(), 27, cam, ctl);
    rig.connect_and_login();
    let pcm: Vec<i16> = (0..11025)
        .map(|i| {
            (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 11025.0).sin()) as i16
        })
        .collect();
    let (now, start, cam_id) = (rig.net.now(), rig.net.elapsed(), rig.cam);
    rig.controller().talk(now, &pcm).unwrap();
    // 22 frames of 512 samples, one every 46.4 ms: about one second, not the 1.4 s of 8 kHz.
    assert!(rig.net.drive_until(Duration::from_secs(5), |n| n
        .get::<pppp::sim::FakeCamera>(cam_id)
        .stats()
        .talk_frames
        >= 22));
    let took = rig.net.elapsed() - start;
    assert!(
        (Duration::from_millis(950)..Duration::from_millis(1100)).contains(&took),
        "{took:?}"
    );
    assert_eq!(rig.camera().stats().talk_samples, 22 * 512);
}
