//! DRW indexes wrap 65535 → 0 (docs/protocol.md §3.2–§3.3): in order delivery, duplicate
//! suppression, retransmission with the same index and acknowledgement all keep working across
//! the wrap, under loss, duplication and reordering.
//!
//! Both ends start their channels near the wrap (`DrwConfig::first_index` on the controller,
//! `CameraConfig::first_index` on the camera) so that the wrap comes after a few hundred
//! packets instead of 65536.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use common::*;
use pppp::proto::controller::Event;
use pppp::proto::drw::{Delivery, DrwConfig, DrwReceiver, DrwSender, RecvOutcome};
use pppp::proto::packet::{decode, Message};
use pppp::sim::{CameraConfig, LinkConfig, SimClock};
use serde_json::json;

/// 100 packets before the wrap on every channel.
const FIRST: u16 = 65436;

fn rig(link: LinkConfig, seed: u64) -> (Rig, CameraConfig) {
    let mut cam = camera_config();
    cam.first_index = FIRST;
    let mut ctl = controller_config(&cam);
    ctl.conn.drw.first_index = FIRST;
    (Rig::new(link, seed, cam.clone(), ctl), cam)
}

/// Index reached after `n` packets starting at FIRST, as a count past the wrap (negative
/// before it).
fn past_wrap(n: u64) -> i64 {
    FIRST as i64 + n as i64 - 65536
}

fn stream_across_wrap(link: LinkConfig, seed: u64, frames: usize) {
    let (mut rig, cam) = rig(link, seed);
    rig.connect_and_login();
    rig.stream(frames, Duration::from_secs(120));
    assert_frames_intact(&rig.frames(), &cam, frames);
    assert_eq!(rig.closed(), None, "seed {seed}");
    let st = rig.controller_ref().stats();
    // The video channel went well past the wrap.
    let past = past_wrap(st.conn.recv[1].packets);
    assert!(
        past >= 100,
        "seed {seed}: only {past} video packets past the wrap"
    );
    assert_eq!(st.conn.recv[1].skipped, 0);
    assert_eq!(st.missing_frames, 0);
}

#[test]
fn video_across_the_wrap_on_a_perfect_link() {
    stream_across_wrap(LinkConfig::perfect(), 1, 120);
}

#[test]
fn video_across_the_wrap_with_loss_and_reordering() {
    for seed in 0..8 {
        let link = LinkConfig {
            loss: 0.10,
            dup: 0.05,
            reorder: 0.15,
            reorder_delay: Duration::from_millis(40),
            latency: Duration::from_millis(5),
            jitter: Duration::from_millis(3),
            ..LinkConfig::default()
        };
        stream_across_wrap(link, 100 + seed, 120);
    }
}

#[test]
fn video_across_the_wrap_with_bursty_loss() {
    for seed in 0..4 {
        let link = LinkConfig {
            burst_enter: 0.03,
            burst_exit: 0.3,
            ..LinkConfig::default()
        };
        stream_across_wrap(link, 200 + seed, 120);
    }
}

#[test]
fn commands_across_the_wrap_in_both_directions() {
    let link = LinkConfig {
        loss: 0.10,
        reorder: 0.1,
        latency: Duration::from_millis(2),
        ..LinkConfig::default()
    };
    let (mut rig, _) = rig(link, 300);
    rig.connect_and_login();
    // 150 more commands: requests (controller → camera) and replies (camera → controller) on
    // channel 0 both wrap; three in flight at a time.
    let cmds = [101, 107, 112, 305, 9000, 134];
    let mut n = 0;
    while n < 150 {
        let ids: Vec<_> = (0..3)
            .map(|k| {
                let cmd = cmds[(n + k) % cmds.len()];
                (cmd, rig.command(json!({ "cmd": cmd })))
            })
            .collect();
        for (cmd, id) in ids {
            let reply = rig.reply(id, Duration::from_secs(30));
            assert_eq!(reply["cmd"], cmd, "command #{n}");
            assert_eq!(reply["result"], 0);
        }
        n += 3;
    }
    assert_eq!(rig.closed(), None);
    let st = rig.controller_ref().stats();
    assert!(
        past_wrap(st.conn.send[0].packets) > 50,
        "{:?}",
        st.conn.send[0]
    );
    assert!(
        past_wrap(st.conn.recv[0].packets) > 50,
        "{:?}",
        st.conn.recv[0]
    );
    assert_eq!(st.bad_replies, 0);
    assert!(
        !rig.events
            .iter()
            .any(|e| matches!(e, Event::Unsolicited(_))),
        "a reply went astray"
    );
    assert_eq!(rig.camera().stats().commands, 151);
}

/// Deterministic "network" for one channel: the sender's datagrams and the receiver's ACKs
/// cross with a fixed loss pattern and pairwise reordering.
#[test]
fn sender_and_receiver_across_the_wrap_with_a_loss_pattern() {
    let cfg = DrwConfig {
        max_in_flight: 24,
        ..DrwConfig::default()
    };
    let start: u16 = 65506; // 30 packets before the wrap
    let mut tx = DrwSender::starting_at(&cfg, start);
    let mut rx = DrwReceiver::expecting(start);
    assert_eq!(tx.next_index(), start);

    // 60 writes of varying size: 1 to 3 packets each, ~100 packets in total.
    let mut input = Vec::new();
    for w in 0..60u32 {
        let len = 1 + (w as usize * 397) % 2500;
        let data: Vec<u8> = (0..len).map(|i| (w as usize * 31 + i) as u8).collect();
        tx.write(&cfg, &data).unwrap();
        input.extend_from_slice(&data);
    }
    let total_packets = tx.next_index().wrapping_sub(start) as u64;
    assert!(total_packets > 60);

    let t0 = SimClock::new().now();
    let mut now = t0;
    let mut output = Vec::new();
    let mut first_copy: HashMap<u16, Vec<u8>> = HashMap::new();
    let mut tries: HashMap<u16, u32> = HashMap::new();
    let mut sent = 0u64;
    let mut ack_batches = 0u64;
    let mut seen_indexes = BTreeSet::new();
    for _round in 0..2000 {
        // Everything the sender wants to send now.
        let mut wire = Vec::new();
        let mut buf = Vec::new();
        while {
            buf.clear();
            tx.poll_transmit(&cfg, now, 1, &mut buf)
        } {
            wire.push(buf.clone());
        }
        // Swap neighbours: reordering.
        for pair in wire.chunks_mut(2) {
            pair.reverse();
        }
        for d in &wire {
            let Message::Drw {
                channel,
                index,
                data,
            } = decode(d).unwrap()
            else {
                panic!("not a DRW")
            };
            assert_eq!(channel, 1);
            seen_indexes.insert(index);
            // Retransmissions carry the original index and the original bytes.
            let first = first_copy.entry(index).or_insert_with(|| data.to_vec());
            assert_eq!(first.as_slice(), data, "index {index} changed its data");
            let n = tries.entry(index).or_insert(0);
            *n += 1;
            sent += 1;
            // Loss: the first two transmissions of the packets at the wrap, and every 6th
            // datagram.
            let at_wrap = matches!(index, 65534 | 65535 | 0 | 1);
            if (at_wrap && *n <= 2) || sent.is_multiple_of(6) {
                continue;
            }
            rx.handle(&cfg, now, index, data);
        }
        while let Some(d) = rx.read() {
            match d {
                Delivery::Data(v) => output.extend(v),
                Delivery::Skipped(n) => panic!("skipped {n} indexes"),
            }
        }
        now += Duration::from_millis(10);
        // ACKs, every 4th batch lost.
        while let Some(batch) = rx.take_acks(&cfg, now, false) {
            ack_batches += 1;
            if ack_batches.is_multiple_of(4) {
                continue;
            }
            for i in batch {
                tx.handle_ack(&cfg, now, i);
            }
        }
        tx.handle_timeout(&cfg, now);
        if tx.is_idle() && output.len() == input.len() {
            break;
        }
    }
    assert_eq!(output.len(), input.len(), "stalled after {:?}", now - t0);
    assert!(output == input, "stream corrupted across the wrap");
    assert!(tx.is_idle(), "sender still holds data");
    assert_eq!(tx.buffered(), 0);
    assert_eq!(tx.next_index(), start.wrapping_add(total_packets as u16));
    assert_eq!(rx.next_expected(), tx.next_index());
    assert!(rx.next_expected() < start, "the receiver wrapped");
    assert!(seen_indexes.contains(&65535) && seen_indexes.contains(&0));
    assert!(
        tries[&65535] >= 3 && tries[&0] >= 3,
        "{:?}",
        (tries[&65535], tries[&0])
    );
    assert!(tx.stats().retransmits > 0);
    assert_eq!(tx.stats().packets, total_packets);
    assert_eq!(rx.stats().packets, total_packets);
    assert!(rx.stats().duplicates > 0);
    assert_eq!(rx.buffered(), 0);
    // A stale copy of a packet from before the wrap is a duplicate: acknowledged, not delivered.
    assert_eq!(
        rx.handle(&cfg, now, 65533, b"stale"),
        RecvOutcome::Duplicate
    );
    assert_eq!(rx.read(), None);
}

#[test]
fn receiver_reorders_a_window_that_straddles_the_wrap() {
    let cfg = DrwConfig::default();
    let t = SimClock::new().now();
    let start = 65530u16;
    let mut rx = DrwReceiver::expecting(start);
    // 12 packets 65530..=5, delivered in reverse order, each twice.
    let order: Vec<u16> = (0..12u16).rev().map(|k| start.wrapping_add(k)).collect();
    for &i in &order {
        let expect = if i == start {
            RecvOutcome::Delivered
        } else {
            RecvOutcome::Buffered
        };
        assert_eq!(rx.handle(&cfg, t, i, &i.to_be_bytes()), expect, "index {i}");
        assert_eq!(
            rx.handle(&cfg, t, i, b"dup"),
            RecvOutcome::Duplicate,
            "index {i}"
        );
    }
    let mut got = Vec::new();
    while let Some(Delivery::Data(v)) = rx.read() {
        got.push(u16::from_be_bytes([v[0], v[1]]));
    }
    let want: Vec<u16> = (0..12u16).map(|k| start.wrapping_add(k)).collect();
    assert_eq!(got, want);
    assert_eq!(rx.next_expected(), 6);
    // Far behind (before the wrap) is a duplicate, far ahead is outside the window.
    assert_eq!(rx.handle(&cfg, t, 65000, b"x"), RecvOutcome::Duplicate);
    assert_eq!(rx.handle(&cfg, t, 6 + 30000, b"x"), RecvOutcome::Dropped);
    assert_eq!(rx.stats().packets, 12);
    assert_eq!(rx.stats().out_of_order, 11);
}
