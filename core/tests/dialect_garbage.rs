//! Hostile channel-0 replies in every dialect (proptest): whatever complete blocks of whatever
//! dialect a camera sends — JSON that is not JSON, CGI text with broken quotes, binary blocks
//! shorter than their ticket, replies nobody asked for — and whatever bytes without a start code
//! come between them, the controller neither panics nor stalls: the next real command is
//! answered.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::command::{encode_binary, encode_cgi, encode_shix};
use pppp::proto::controller::Event;
use pppp::proto::ops::Op;
use pppp::sim::{CameraConfig, FakeCamera, LinkConfig};
use pppp::Uid;
use proptest::prelude::*;

fn block() -> impl Strategy<Value = Vec<u8>> {
    let text = prop::collection::vec(
        prop::sample::select(vec![
            "var ",
            "result=",
            "0",
            "-3",
            ";",
            "\r\n",
            "\"",
            "'",
            "ap_ssid[0]",
            "=",
            "cmd",
            "{",
            "}",
            ":",
            ",",
            "\t",
            "new Array()",
            "\u{e9}",
            "\0",
        ]),
        0..24,
    )
    .prop_map(|w| w.concat().into_bytes());
    let bytes = prop::collection::vec(any::<u8>(), 0..64);
    prop_oneof![
        text.clone().prop_map(|t| encode_shix(0x80a1, &t)),
        (any::<u16>(), text).prop_map(|(c, t)| encode_cgi(c, 0x0100, &t)),
        (any::<u16>(), any::<u16>(), any::<[u8; 4]>(), bytes.clone())
            .prop_map(|(c, d, t, p)| encode_binary(c, d, t, &p)),
        // A binary block shorter than its ticket.
        (any::<u16>(), 0usize..4).prop_map(|(c, n)| {
            let mut v = vec![0x11, 0x0a];
            v.extend_from_slice(&c.to_le_bytes());
            v.extend_from_slice(&(n as u16).to_le_bytes());
            v.extend_from_slice(&[0, 0]);
            v.extend(std::iter::repeat_n(0xee, n));
            v
        }),
        // Bytes without a start code (06/01/11 followed by 0a).
        bytes.prop_map(|mut b| {
            for i in 1..b.len() {
                if b[i] == 0x0a && matches!(b[i - 1], 0x06 | 0x01 | 0x11) {
                    b[i] = 0x0b;
                }
            }
            if b.last().is_some_and(|l| matches!(l, 0x06 | 0x01 | 0x11)) {
                b.pop();
            }
            b
        }),
    ]
}

fn camera(uid: &str) -> CameraConfig {
    let mut c = camera_config();
    c.uid = Uid::parse(uid).unwrap();
    c.dialect = pppp::proto::dialect::for_prefix(c.uid.prefix()).unwrap();
    c
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_replies_never_stall_the_command_channel(
        which in 0usize..3,
        blocks in prop::collection::vec(block(), 0..12),
        seed in any::<u64>(),
    ) {
        let uid = ["DGOA-123456-ABCDE", "VSTC-999999-EFGHJ", "BATD-156362-WONJM"][which];
        let cam = camera(uid);
        let ctl = controller_config(&cam);
        let mut rig = Rig::new(LinkConfig::perfect(), seed, cam, ctl);
        rig.connect_and_login();
        // A request in flight while the garbage arrives.
        let now = rig.net.now();
        let first = rig.controller().op(now, Op::GetParams).unwrap();
        let cam_id = rig.cam;
        for b in &blocks {
            prop_assert!(rig.net.get_mut::<FakeCamera>(cam_id).inject_command_bytes(ctl_addr(), b));
        }
        rig.net.drive_for(Duration::from_millis(300));
        rig.collect();
        // Both the first request and a new one get an outcome (the first may have been taken
        // by a forged reply of the right kind: that is what a camera that lies gets).
        let now = rig.net.now();
        let second = rig.controller().op(now, Op::GetParams).unwrap();
        let done = rig.until(Duration::from_secs(15), |e| {
            [first, second].iter().all(|id| e.iter().any(|e| matches!(e,
                Event::Reply { id: i, .. } | Event::CommandFailed { id: i, .. } if i == id)))
        });
        prop_assert!(done, "no outcome; events {:?}", rig.events);
        prop_assert!(
            matches!(rig.outcome(second), Some(Event::Reply { .. })),
            "{:?}", rig.outcome(second)
        );
        prop_assert!(rig.closed().is_none());
    }
}
