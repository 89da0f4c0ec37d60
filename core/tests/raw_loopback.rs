//! `RawSession` (the transport without the application layer) against the fake camera on
//! loopback: byte streams read in pieces, partial reads, concurrent readers and writers, close
//! waking blocked calls, the send-buffer limit, unreliable packets.

mod common;

use std::sync::Arc;
use std::time::Duration;

use pppp::client::{CameraServer, RawConfig, RawSession, RawState, MAX_PACKET};
use pppp::error::ClosedBy;
use pppp::proto::av::AvHeader;
use pppp::proto::command::{encode_shix, SHIX_REQUEST};
use pppp::proto::drw::DELIVERY_OVERHEAD;
use pppp::Error;

const UID: &str = "DGOA-123456-ABCDE";

fn camera() -> CameraServer {
    common::start_loopback(common::loopback_config(UID))
}

fn connect(cam: &CameraServer) -> RawSession {
    let mut c = RawConfig::new(UID).host(cam.lan_addr().to_string());
    c.connect_timeout = Duration::from_secs(5);
    RawSession::connect(c).unwrap()
}

const LONG: Option<Duration> = Some(Duration::from_secs(10));

/// Returns once `n` calls of `s` are blocked at the same time, so that what ends them next
/// provably wakes blocked calls (rather than refusing calls that had not started yet).
fn until_blocked(s: &RawSession, n: usize) {
    common::spin_until(&format!("{n} calls blocked"), || s.blocked_calls() >= n);
}

fn command(s: &RawSession, json: &str) -> serde_json::Value {
    s.write(0, &encode_shix(SHIX_REQUEST, json.as_bytes()))
        .unwrap();
    let mut head = [0u8; 8];
    let r = s.read(0, &mut head, LONG).unwrap();
    assert!(r.complete);
    let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
    let mut body = vec![0u8; len];
    // Read it in two pieces: a stream has no message boundaries.
    let half = len / 2;
    assert!(s.read(0, &mut body[..half], LONG).unwrap().complete);
    assert!(s.read(0, &mut body[half..], LONG).unwrap().complete);
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn commands_video_and_partial_reads() {
    let cam = camera();
    let s = connect(&cam);
    assert_eq!(s.state(), RawState::Connected);
    let info = s.info();
    assert_eq!(info.peer, Some(cam.session_addr()));
    assert!(info.socket_fd.is_some());
    let login = command(
        &s,
        r#"{"pro":"check_user","cmd":100,"user":"admin","pwd":"6666"}"#,
    );
    assert_eq!(login["result"], 0);
    // Nothing more on channel 0: a read times out with what it got (nothing).
    let mut buf = [0u8; 16];
    let r = s.read(0, &mut buf, Some(Duration::ZERO)).unwrap();
    assert_eq!((r.len, r.complete), (0, false));
    let v = command(
        &s,
        r#"{"pro":"stream","cmd":111,"video":1,"user":"admin","pwd":"6666"}"#,
    );
    assert_eq!(v["result"], 0);
    for _ in 0..3 {
        let mut head = [0u8; 32];
        assert!(s.read(1, &mut head, LONG).unwrap().complete);
        let h = AvHeader::parse(&head).expect("an AV header");
        let mut img = vec![0u8; h.len as usize];
        assert!(s.read(1, &mut img, LONG).unwrap().complete);
        assert_eq!(&img[..2], &[0xFF, 0xD8]);
    }
    // Ask for more than one frame holds within a short time: partial data, not an error.
    let mut big = vec![0u8; 50 * 1024 * 1024];
    let r = s
        .read(1, &mut big, Some(Duration::from_millis(300)))
        .unwrap();
    assert!(!r.complete);
    let (w, _) = s.buffered(0).unwrap();
    assert_eq!(w, 0, "the commands were acknowledged before their replies");
    assert!(matches!(
        s.read(8, &mut buf, None),
        Err(Error::InvalidArgument(_))
    ));
    s.close();
    assert!(matches!(
        s.read(1, &mut buf, None),
        Err(Error::Closed(ClosedBy::Local))
    ));
}

#[test]
fn close_wakes_blocked_readers_on_other_threads() {
    let cam = camera();
    let s = Arc::new(connect(&cam));
    let (done, ended) = std::sync::mpsc::channel();
    for i in 0..4 {
        let (s, done) = (s.clone(), done.clone());
        std::thread::spawn(move || {
            let mut b = [0u8; 8];
            let r = if i % 2 == 0 {
                s.read(5, &mut b, None).map(|_| ())
            } else {
                s.recv_packet(6, &mut b, None).map(|_| ())
            };
            let _ = done.send(r);
        });
    }
    // Writers on other channels meanwhile.
    for ch in 2..5 {
        s.write(ch, &[ch; 3000]).unwrap();
    }
    until_blocked(&s, 4);
    s.close();
    for _ in 0..4 {
        // Calls without a time limit: only the close can end them (a generous bound turns a
        // missed wake-up into a failure instead of a hang).
        let r = ended
            .recv_timeout(Duration::from_secs(60))
            .expect("the close woke every blocked call");
        assert!(matches!(r, Err(Error::Closed(ClosedBy::Local))), "{r:?}");
    }
    assert_eq!(s.blocked_calls(), 0);
}

#[test]
fn abort_ends_a_pending_connect() {
    let cam = camera();
    let mut c = RawConfig::new("ZZZZ-000001-ABCDE").host(cam.lan_addr().to_string());
    c.connect_timeout = Duration::from_secs(30);
    let s = Arc::new(RawSession::start(c).unwrap());
    let waiter = {
        let s = s.clone();
        std::thread::spawn(move || s.wait_connected())
    };
    until_blocked(&s, 1);
    s.abort();
    assert!(matches!(
        waiter.join().unwrap(),
        Err(Error::Closed(ClosedBy::Local))
    ));
}

#[test]
fn nobody_answering_is_offline() {
    let cam = camera();
    let mut c = RawConfig::new("ZZZZ-000001-ABCDE").host(cam.lan_addr().to_string());
    c.connect_timeout = Duration::from_millis(500);
    assert!(matches!(RawSession::connect(c), Err(Error::Offline { .. })));
}

#[test]
fn send_buffer_limit_and_silent_peer() {
    let mut cam = camera();
    let mut c = RawConfig::new(UID).host(cam.lan_addr().to_string());
    c.dead_after = Duration::from_secs(2);
    let s = RawSession::connect(c).unwrap();
    cam.stop(); // nothing acknowledges any more
    let two_mb = vec![7u8; 2 * 1024 * 1024];
    s.write(3, &two_mb).unwrap();
    assert!(matches!(s.write(3, &[1]), Err(Error::BufferFull(_))));
    assert_eq!(s.buffered(3).unwrap().0, two_mb.len());
    // Another channel has its own limit.
    s.write(4, &[1; 10]).unwrap();
    let mut b = [0u8; 4];
    assert!(matches!(
        s.read(1, &mut b, None),
        Err(Error::Closed(ClosedBy::PeerTimeout))
    ));
    assert!(matches!(
        s.buffered(3),
        Err(Error::Closed(ClosedBy::PeerTimeout))
    ));
}

#[test]
fn packets_are_echoed_by_the_emulator() {
    let cam = camera();
    let s = connect(&cam);
    for i in 0..5u8 {
        s.send_packet(2, &[i; 100]).unwrap();
        let mut b = [0u8; 200];
        let (n, size) = s.recv_packet(2, &mut b, LONG).unwrap().expect("the echo");
        assert_eq!((n, size), (100, 100));
        assert_eq!(b[..100], [i; 100]);
    }
    assert!(matches!(
        s.send_packet(2, &[0; 1025]),
        Err(Error::InvalidArgument(_))
    ));
    let mut b = [0u8; 4];
    assert_eq!(
        s.recv_packet(2, &mut b, Some(Duration::ZERO)).unwrap(),
        None
    );
}

#[test]
fn held_packets_are_bounded_in_bytes_counting_each_packet() {
    // The per-channel limit counts every held packet (its bytes plus a fixed overhead), not
    // only the number of packets: 40 echoed packets of 1 KiB do not fit in 16 KiB.
    let cam = camera();
    let mut c = RawConfig::new(UID).host(cam.lan_addr().to_string());
    c.connect_timeout = Duration::from_secs(5);
    c.recv_buffer = 16 * 1024;
    let s = RawSession::connect(c).unwrap();
    for i in 0..40u8 {
        s.send_packet(1, &[i; MAX_PACKET]).unwrap();
    }
    s.send_packet(2, b"marker").unwrap();
    // The emulator echoes in order: once the marker is back, every echo on channel 1 has
    // reached the session.
    let mut b = [0u8; MAX_PACKET];
    assert_eq!(s.recv_packet(2, &mut b, LONG).unwrap(), Some((6, 6)));
    let mut held = Vec::new();
    while let Some((n, size)) = s.recv_packet(1, &mut b, Some(Duration::ZERO)).unwrap() {
        assert_eq!((n, size), (MAX_PACKET, MAX_PACKET));
        held.push(b[0]);
    }
    let cost = MAX_PACKET + DELIVERY_OVERHEAD;
    assert_eq!(held.len(), 16 * 1024 / cost, "held {held:?}");
    // The oldest were dropped: the newest are kept, in order.
    let first = 40 - held.len() as u8;
    assert_eq!(held, (first..40).collect::<Vec<u8>>());
    assert_eq!(s.packets_dropped(), u64::from(first));
}
