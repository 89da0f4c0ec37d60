//! A camera that sends hostile media records (docs/protocol.md §6.1): an AV length field
//! above the channel's cap is garbage, so the reassembler never waits for it and holds at most
//! about one cap. Audio has its own cap (`ControllerConfig::max_audio_frame`, 64 KiB), far
//! below the video's 8 MiB, and the valid frames that follow a bad header still arrive intact.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::av::{
    codec_byte, AvHeader, DEFAULT_MAX_AUDIO_FRAME, DEFAULT_MAX_FRAME, HEADER_LEN,
};
use pppp::proto::controller::Event;
use pppp::proto::packet::{encode_drw, MAX_DRW_DATA};
use pppp::sim::LinkConfig;

/// Sends `stream` on `channel` as the camera would (from its session address, DRW indexes from
/// 0: the camera itself sends nothing on the channel here), then lets it be processed.
fn inject(rig: &mut Rig, channel: u8, stream: &[u8]) {
    let from = rig.camera().config().session_addr;
    for (i, chunk) in stream.chunks(MAX_DRW_DATA).enumerate() {
        let mut v = Vec::new();
        encode_drw(&mut v, channel, i as u16, chunk);
        rig.net.inject(from, ctl_addr(), v);
    }
    rig.net.drive_for(Duration::from_millis(200));
    rig.collect();
}

fn frames_on(rig: &Rig, channel: u8) -> Vec<(u32, Vec<u8>)> {
    rig.events
        .iter()
        .filter_map(|e| match e {
            Event::Frame(f) if f.channel == channel => Some((f.index, f.data.clone())),
            _ => None,
        })
        .collect()
}

/// A header announcing `len` bytes, followed by `filler` bytes that never contain the magic.
fn bad_record(codec: u8, len: u32, filler: usize) -> Vec<u8> {
    let mut v = AvHeader {
        codec,
        len,
        ..AvHeader::default()
    }
    .encode()
    .to_vec();
    v.extend(std::iter::repeat_n(0x11, filler));
    v
}

fn good_records(codec: u8, first: u32, n: u32, size: usize) -> (Vec<u8>, Vec<(u32, Vec<u8>)>) {
    let mut stream = Vec::new();
    let mut expect = Vec::new();
    for index in first..first + n {
        let data: Vec<u8> = (0..size).map(|i| (i as u32 + index) as u8 | 0x80).collect();
        let h = AvHeader {
            codec,
            index,
            ..AvHeader::default()
        };
        stream.extend(h.record(&data));
        expect.push((index, data));
    }
    (stream, expect)
}

fn connected_rig(seed: u64) -> Rig {
    let mut rig = Rig::simple(LinkConfig::perfect(), seed);
    rig.connect_and_login();
    rig
}

#[test]
fn audio_length_above_its_cap_is_garbage() {
    let mut rig = connected_rig(1);
    // 1 MB is under the video cap but far above any audio frame: before audio had its own cap
    // the reassembler waited for it, swallowing the frames behind it.
    let mut stream = bad_record(codec_byte::ADPCM, 1_000_000, 200_000);
    stream.extend(bad_record(codec_byte::ADPCM, u32::MAX, 3000));
    let (good, expect) = good_records(codec_byte::ADPCM, 7, 3, 256);
    stream.extend(good);
    inject(&mut rig, 2, &stream);

    assert_eq!(frames_on(&rig, 2), expect);
    let st = rig.controller_ref().stats();
    assert_eq!(st.audio_frames, 3);
    let bound = (DEFAULT_MAX_AUDIO_FRAME + HEADER_LEN + MAX_DRW_DATA) as u64;
    assert!(
        st.media_held_peak <= bound,
        "{} > {bound}",
        st.media_held_peak
    );
    assert!(st.garbage_bytes >= 200_000);
    assert!(rig.controller_ref().conn().is_connected());
}

#[test]
fn audio_cap_is_configurable() {
    let cam = camera_config();
    let mut ctl = controller_config(&cam);
    ctl.max_audio_frame = 300;
    let mut rig = Rig::new(LinkConfig::perfect(), 2, cam, ctl);
    rig.connect_and_login();
    let (mut stream, mut expect) = good_records(codec_byte::ADPCM, 0, 2, 300);
    let (big, _) = good_records(codec_byte::ADPCM, 2, 1, 301);
    stream.extend(big);
    let (tail, tail_expect) = good_records(codec_byte::ADPCM, 3, 1, 100);
    stream.extend(tail);
    expect.extend(tail_expect);
    inject(&mut rig, 2, &stream);
    assert_eq!(frames_on(&rig, 2), expect);
}

#[test]
fn video_length_above_its_cap_is_garbage() {
    let mut rig = connected_rig(3);
    let mut stream = bad_record(codec_byte::MJPEG, (DEFAULT_MAX_FRAME + 1) as u32, 50_000);
    stream.extend(bad_record(codec_byte::MJPEG, u32::MAX, 5000));
    let (good, expect) = good_records(codec_byte::MJPEG, 100, 4, 3000);
    stream.extend(good);
    inject(&mut rig, 1, &stream);

    assert_eq!(frames_on(&rig, 1), expect);
    let st = rig.controller_ref().stats();
    assert_eq!(st.video_frames, 4);
    // Nothing waited for the announced lengths: at most one valid frame and a packet.
    assert!(st.media_held_peak <= (3000 + 2 * HEADER_LEN + 2 * MAX_DRW_DATA) as u64);
}
