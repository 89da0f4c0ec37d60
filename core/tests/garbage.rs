//! Arbitrary input never panics and never costs more memory than it brings: the packet codec,
//! the transport and the controller fed garbage from the peer's own address, the channel-0
//! block decoder and the media frame assembler. Plus the specific malformed datagrams of
//! docs/protocol.md §3.1–§3.2 (huge ACK counts, channel ≥ 8, ACK counts beyond the payload).
//!
//! Proptest runs with a fixed seed so that every run is the same.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use pppp::proto::av::{self, codec_byte, AvHeader, FrameAssembler};
use pppp::proto::cipher::Cipher;
use pppp::proto::command::{BlockDecoder, HEADER_LEN as BLOCK_HEADER_LEN};
use pppp::proto::conn::{Conn, ConnConfig, ConnEvent};
use pppp::proto::controller::Event;
use pppp::proto::packet::{self, decode, encode_drw, encode_drw_ack, Message, WireDid};
use pppp::proto::psk::PskChoice;
use pppp::sim::{CameraConfig, LinkConfig, SimClock};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use serde_json::json;

fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x5eed_9999),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Message types the LAN path knows, plus a few it does not.
fn msg_type() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => prop::sample::select(vec![
            0x30u8, 0x32, 0x41, 0x42, 0x43, 0xD0, 0xD1, 0xD8, 0xE0, 0xE1, 0xF0
        ]),
        1 => any::<u8>(),
    ]
}

/// A datagram with a plausible header: magic, type, a length field that is sometimes right,
/// and a body that often starts with a DRW sub-header.
fn structured() -> impl Strategy<Value = Vec<u8>> {
    (
        msg_type(),
        prop::option::weighted(0.8, 0usize..8), // length field = body length - this
        prop_oneof![Just(0xD1u8), Just(0xD2), any::<u8>()],
        prop_oneof![4 => 0u8..8, 1 => any::<u8>()],
        any::<u16>(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(t, short_by, marker, ch, idx, rest)| {
            let mut body = vec![marker, ch];
            body.extend_from_slice(&idx.to_be_bytes());
            body.extend(rest);
            let len = match short_by {
                Some(s) => body.len().saturating_sub(s),
                None => body.len() + 5, // longer than the datagram
            };
            let mut d = vec![packet::MAGIC, t];
            d.extend_from_slice(&(len.min(0xFFFF) as u16).to_be_bytes());
            d.extend(body);
            d
        })
}

fn datagram() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => structured(),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => prop::collection::vec(any::<u8>(), 0..1500),
    ]
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn decode_never_panics(d in datagram(), surplus in prop::collection::vec(any::<u8>(), 0..12)) {
        let r = decode(&d);
        if let Ok(m) = &r {
            prop_assert_eq!(d[0], packet::MAGIC);
            let declared = u16::from_be_bytes([d[2], d[3]]) as usize;
            prop_assert!(declared <= d.len() - 4);
            match m {
                Message::Drw { channel, data, .. } => {
                    prop_assert!((*channel as usize) < packet::CHANNELS);
                    prop_assert_eq!(data.len(), declared - 4);
                }
                Message::DrwAck { channel, indexes } => {
                    prop_assert!((*channel as usize) < packet::CHANNELS);
                    prop_assert!(indexes.len() * 2 <= declared - 4);
                    let count = u16::from_be_bytes([d[6], d[7]]) as usize;
                    prop_assert_eq!(indexes.len(), count);
                }
                _ => {}
            }
            // Surplus bytes after the declared payload change nothing.
            let mut longer = d.clone();
            longer.extend(&surplus);
            prop_assert_eq!(decode(&longer), r.clone());
        }
        // Decryption under any PSK followed by decoding never panics either.
        let _ = decode(&Cipher::from_psk("camera").open(&d));
    }
}

/// Rewrites a plaintext datagram so that it cannot *legitimately* disturb the session when it
/// comes from the peer: a CLOSE becomes an ALIVE, and DRW data on channel 0 or 1 that the
/// receiver would accept as the device's next bytes moves to channel 5 (the peer may of course
/// corrupt its own streams; that is not what this test is about).
fn sanitize(mut d: Vec<u8>, next: [u16; 2], window: u16) -> Vec<u8> {
    match decode(&d) {
        Ok(Message::Close) => d[1] = packet::msg::ALIVE,
        Ok(Message::Drw { channel, index, .. }) if channel < 2 => {
            let ahead = index.wrapping_sub(next[channel as usize]);
            if ahead < window {
                d[5] = 5;
            }
        }
        _ => {}
    }
    d
}

/// How many cases of `conn_survives_garbage_in_every_state` got past the handshake.
static CONNECTED_CASES: AtomicUsize = AtomicUsize::new(0);

fn connected_rig(psk: Option<&str>, seed: u64) -> (Rig, CameraConfig) {
    let mut cam = camera_config();
    cam.psk = psk.map(str::to_owned);
    let ctl = controller_config(&cam);
    let mut rig = Rig::new(LinkConfig::perfect(), seed, cam.clone(), ctl);
    rig.connect_and_login();
    rig.stream(3, Duration::from_secs(5));
    (rig, cam)
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn controller_survives_garbage_from_the_peer(
        garbage in prop::collection::vec(datagram(), 1..40),
        encrypted in any::<bool>(),
    ) {
        let psk = encrypted.then_some("camera");
        let (mut rig, cam) = connected_rig(psk, 7);
        let cipher = psk.map_or_else(Cipher::plain, Cipher::from_psk);
        let window = rig.controller_ref().config().conn.drw.reorder_window;
        let st = rig.controller_ref().stats().conn;
        let next = [st.recv[0].packets as u16, st.recv[1].packets as u16];
        for d in garbage {
            let d = sanitize(d, next, window);
            rig.net.inject(cam.session_addr, ctl_addr(), cipher.seal(&d));
        }
        rig.net.drive_for(Duration::from_millis(50));
        rig.collect();
        prop_assert_eq!(rig.closed(), None);
        prop_assert!(rig.controller_ref().conn().is_connected());
        // Still usable: commands are answered and the video stays intact.
        let id = rig.command(json!({"pro": "get_parms"}));
        let reply = rig.reply(id, Duration::from_secs(10));
        prop_assert_eq!(&reply["sysver"], "PPPP_FAKE_1.0 (pppp emulator)");
        let n = rig.video_count() + 5;
        rig.more_frames(n, Duration::from_secs(10));
        assert_frames_intact(&rig.frames(), &cam, n);
        prop_assert_eq!(rig.controller_ref().stats().conn.strangers, 0);
    }

    fn conn_survives_garbage_cases(
        steps in prop::collection::vec(
            (0usize..4, prop_oneof![3 => datagram(), 1 => Just(Vec::new())], 0u64..400),
            1..80,
        ),
    ) {
        let uid = pppp::Uid::parse(UID).unwrap();
        let did = WireDid::from(&uid);
        let cam: SocketAddr = "10.0.0.2:40000".parse().unwrap();
        let addrs: [SocketAddr; 4] = [
            cam,
            "10.0.0.2:32108".parse().unwrap(),
            "10.0.0.9:40000".parse().unwrap(),
            "10.0.0.1:50000".parse().unwrap(),
        ];
        let mut cfg = ConnConfig::new(uid, vec![addrs[1]]);
        cfg.psk = PskChoice::Plain;
        let t0 = SimClock::new().now();
        let mut now = t0;
        let mut conn = Conn::new(cfg, now);
        conn.start(now);
        let mut reached_connected = false;
        for (k, (who, data, dt)) in steps.into_iter().enumerate() {
            // Now and then the device's own handshake, to reach the later states.
            let (from, data) = match (data.is_empty(), k % 3) {
                (true, 0) => (cam, Message::PunchPkt(did).to_vec()),
                (true, _) => (cam, Message::P2pRdy(did).to_vec()),
                (false, _) => (addrs[who], data),
            };
            reached_connected |= conn.is_connected();
            conn.handle_datagram(now, from, &data);
            now += Duration::from_millis(dt);
            if conn.poll_timeout().is_some_and(|t| t <= now) {
                conn.handle_timeout(now);
            }
            while let Some(t) = conn.poll_transmit() {
                prop_assert!(t.data.len() <= packet::MAX_DRW_DATAGRAM);
            }
            while let Some(e) = conn.poll_event() {
                if matches!(e, ConnEvent::Closed(_)) {
                    prop_assert!(conn.is_closed());
                }
            }
            if conn.is_closed() {
                prop_assert_eq!(conn.poll_timeout(), None);
                prop_assert!(conn.write(0, b"x").is_err());
            }
            if conn.is_connected() {
                // Writes keep working whatever arrived.
                prop_assert!(conn.write(0, b"hello").is_ok());
            }
        }
        CONNECTED_CASES.fetch_add(reached_connected as usize, Ordering::Relaxed);
    }
}

#[test]
fn conn_survives_garbage_in_every_state() {
    conn_survives_garbage_cases();
    // The generated handshakes must have brought most cases into the connected state.
    let n = CONNECTED_CASES.load(Ordering::Relaxed);
    assert!(n >= 48, "only {n} of 96 cases got connected");
}

/// A byte that is often one of the start codes or a small length.
fn block_byte() -> impl Strategy<Value = u8> + Clone {
    prop_oneof![
        2 => Just(0x0a_u8),
        1 => Just(0x06_u8),
        1 => Just(0x01_u8),
        1 => Just(0x11_u8),
        1 => 0u8..16,
        3 => any::<u8>(),
    ]
}

#[derive(Clone, Debug)]
enum Op {
    Push(Vec<u8>),
    Resync,
}

fn ops(byte: impl Strategy<Value = u8> + Clone) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            12 => prop::collection::vec(byte, 0..64).prop_map(Op::Push),
            1 => Just(Op::Resync),
        ],
        0..60,
    )
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn block_decoder_conserves_bytes(ops in ops(block_byte()), max_block in 0usize..200) {
        let mut d = BlockDecoder::new(max_block);
        let mut pushed = 0u64;
        let mut in_blocks = 0u64;
        for op in ops {
            match op {
                Op::Push(v) => {
                    pushed += v.len() as u64;
                    d.push(&v);
                }
                Op::Resync => d.resync(),
            }
            while let Some(b) = d.next_block() {
                prop_assert!(b.payload.len() <= max_block);
                in_blocks += (BLOCK_HEADER_LEN + b.payload.len()) as u64;
            }
            // Every byte pushed is in a block, counted as garbage, or still pending.
            let held = d.pending() as u64;
            prop_assert!(held <= pushed - in_blocks);
            prop_assert_eq!(in_blocks + d.stats().garbage_bytes + held, pushed);
        }
    }
}

/// Stream pieces for the frame assembler: random bytes, bare magics, headers with random
/// lengths and complete small records.
fn av_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..40),
        1 => Just(av::MAGIC.to_vec()),
        1 => (any::<u32>(), 0u32..300).prop_map(|(i, len)| {
            AvHeader { codec: codec_byte::MJPEG, index: i, len, ..AvHeader::default() }
                .encode()
                .to_vec()
        }),
        1 => (any::<u32>(), prop::collection::vec(any::<u8>(), 0..120)).prop_map(|(i, data)| {
            let mut v = AvHeader {
                codec: codec_byte::MJPEG,
                index: i,
                len: data.len() as u32,
                ..AvHeader::default()
            }
            .encode()
            .to_vec();
            v.extend(data);
            v
        }),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn frame_assembler_conserves_bytes(
        pieces in prop::collection::vec(av_piece(), 0..30),
        cuts in prop::collection::vec(1usize..90, 1..20),
        resync_at in prop::option::of(0usize..30),
        max_frame in 0usize..200,
    ) {
        let stream: Vec<u8> = pieces.concat();
        let mut a = FrameAssembler::new(max_frame);
        let mut pushed = 0u64;
        let mut in_frames = 0u64;
        let mut at = 0;
        let mut k = 0;
        while at < stream.len() {
            let n = cuts[k % cuts.len()].min(stream.len() - at);
            a.push(&stream[at..at + n]);
            pushed += n as u64;
            at += n;
            if resync_at == Some(k) {
                a.resync();
                prop_assert_eq!(a.buffered(), 0);
            }
            k += 1;
            while let Some(f) = a.next_frame() {
                prop_assert!(f.data.len() <= max_frame);
                prop_assert_eq!(f.data.len(), f.header.len as usize);
                in_frames += (av::HEADER_LEN + f.data.len()) as u64;
            }
            let held = a.buffered() as u64;
            prop_assert!(held <= pushed - in_frames);
            // The resync's bytes are counted as garbage too.
            prop_assert_eq!(in_frames + a.stats().garbage_bytes + held, pushed);
        }
    }
}

// ---- specific malformed datagrams from the peer: ignored, counted, harmless ----

fn inject_from_peer(rig: &mut Rig, cam: &CameraConfig, plain: &[u8]) {
    let cipher = cam
        .psk
        .as_deref()
        .map_or_else(Cipher::plain, Cipher::from_psk);
    rig.net
        .inject(cam.session_addr, ctl_addr(), cipher.seal(plain));
}

fn assert_still_healthy(rig: &mut Rig, cam: &CameraConfig) {
    let id = rig.command(json!({"pro": "get_alarm"}));
    assert_eq!(rig.reply(id, Duration::from_secs(5))["cmd"], 107);
    let n = rig.video_count() + 5;
    rig.more_frames(n, Duration::from_secs(5));
    assert_frames_intact(&rig.frames(), cam, n);
    assert_eq!(rig.closed(), None);
    assert!(!rig
        .events
        .iter()
        .any(|e| matches!(e, Event::Unsolicited(_))));
}

#[test]
fn malformed_acks_and_channels_are_ignored() {
    for psk in [None, Some("camera")] {
        let (mut rig, cam) = connected_rig(psk, 11);
        let before = rig.controller_ref().stats().conn;
        let next_video = before.recv[1].packets as u16;
        let in_flight_cmd = before.send[0].packets as u16;
        let mut bad: Vec<Vec<u8>> = Vec::new();
        // DRW_ACK whose count field is huge (0xFFFF) but carries one index.
        bad.push(vec![
            0xf1, 0xd1, 0x00, 0x06, 0xd1, 0x00, 0xff, 0xff, 0x00, 0x00,
        ]);
        // DRW_ACK whose count (5) exceeds its payload (1 index).
        bad.push(vec![
            0xf1, 0xd1, 0x00, 0x06, 0xd1, 0x01, 0x00, 0x05, 0x00, 0x01,
        ]);
        // DRW_ACK with count 3 and 2.5 indexes.
        bad.push(vec![
            0xf1, 0xd1, 0x00, 0x09, 0xd1, 0x00, 0x00, 0x03, 0, 1, 0, 2, 0,
        ]);
        // DRW and DRW_ACK on channel 9 and 8, and a DRW carrying the next video index.
        let mut v = Vec::new();
        encode_drw(&mut v, 1, next_video, b"\x55\xaa\x15\xa8 not video");
        v[5] = 9;
        bad.push(v);
        let mut v = Vec::new();
        encode_drw_ack(&mut v, 0, &[in_flight_cmd]);
        v[5] = 8;
        bad.push(v);
        // Bad markers.
        let mut v = Vec::new();
        encode_drw(&mut v, 1, next_video, b"xx");
        v[4] = 0xd3;
        bad.push(v);
        // DRW shorter than its sub-header.
        bad.push(vec![0xf1, 0xd0, 0x00, 0x02, 0xd1, 0x01]);
        for d in &bad {
            assert!(decode(d).is_err(), "{d:02x?} decoded");
            inject_from_peer(&mut rig, &cam, d);
        }
        rig.net.drive_for(Duration::from_millis(20));
        let after = rig.controller_ref().stats().conn;
        assert_eq!(
            after.undecodable - before.undecodable,
            bad.len() as u64,
            "psk {psk:?}"
        );
        assert_eq!(after.recv[1].duplicates, before.recv[1].duplicates);
        assert_eq!(after.strangers, 0);
        assert_still_healthy(&mut rig, &cam);
    }
}

#[test]
fn oversized_but_well_formed_ack_is_harmless() {
    let (mut rig, cam) = connected_rig(Some("camera"), 12);
    // 30000 indexes (far beyond the 81 a CS2 device accepts), none of them in flight.
    let indexes: Vec<u16> = (0..30000u32).map(|i| (i * 7 + 1000) as u16).collect();
    for ch in [0u8, 1, 7] {
        let mut v = Vec::new();
        encode_drw_ack(&mut v, ch, &indexes);
        assert!(
            matches!(decode(&v), Ok(Message::DrwAck { indexes, .. }) if indexes.len() == 30000)
        );
        inject_from_peer(&mut rig, &cam, &v);
    }
    // A DRW_ACK acknowledging a command that has not been sent yet is ignored too.
    let next_cmd = rig.controller_ref().stats().conn.send[0].packets as u16;
    let mut v = Vec::new();
    encode_drw_ack(&mut v, 0, &[next_cmd, next_cmd.wrapping_add(1)]);
    inject_from_peer(&mut rig, &cam, &v);
    rig.net.drive_for(Duration::from_millis(20));
    let st = rig.controller_ref().stats().conn;
    assert_eq!(st.undecodable, 0);
    assert_still_healthy(&mut rig, &cam);
}

#[test]
fn empty_and_tiny_datagrams_are_ignored() {
    let (mut rig, cam) = connected_rig(None, 13);
    let before = rig.controller_ref().stats().conn.undecodable;
    let tiny: [&[u8]; 6] = [
        b"",
        b"\xf1",
        b"\xf1\xd0",
        b"\xf1\xd0\x00",
        b"\x00\x00\x00\x00",
        b"\xf1\xd0\xff\xff",
    ];
    for d in tiny {
        inject_from_peer(&mut rig, &cam, d);
    }
    rig.net.drive_for(Duration::from_millis(20));
    assert_eq!(rig.controller_ref().stats().conn.undecodable - before, 6);
    assert_still_healthy(&mut rig, &cam);
}
