//! Unit tests of the transport session: unreliable packets.

use super::*;

const CAMERA: &str = "10.0.0.2:40000";

/// A plain session connected to [`CAMERA`] by a P2P_RDY answering the search.
fn connected(now: Instant) -> Conn {
    let uid = Uid::parse("DGOA-123456-ABCDE").unwrap();
    let did = WireDid::from(&uid);
    let mut cfg = ConnConfig::new(uid, vec!["10.0.0.2:32108".parse().unwrap()]);
    cfg.psk = PskChoice::Plain;
    let mut conn = Conn::new(cfg, now);
    conn.start(now);
    let cam: SocketAddr = CAMERA.parse().unwrap();
    conn.handle_datagram(now, cam, &Message::P2pRdy(did).to_vec());
    assert!(conn.is_connected());
    while conn.poll_transmit().is_some() {}
    while conn.poll_event().is_some() {}
    conn
}

fn psr(channel: u8, index: u16, data: &[u8]) -> Vec<u8> {
    let mut p = vec![packet::DRW_MARKER, channel];
    p.extend_from_slice(&index.to_be_bytes());
    p.extend_from_slice(data);
    Message::Other {
        msg_type: packet::msg::PSR,
        payload: &p,
    }
    .to_vec()
}

#[test]
fn unreliable_packets_are_sent_framed_and_surfaced_as_events() {
    let now = Instant::now();
    let mut conn = connected(now);
    conn.send_packet(5, b"one").unwrap();
    conn.send_packet(5, b"two").unwrap();
    for (i, want) in [b"one", b"two"].into_iter().enumerate() {
        let t = conn.poll_transmit().expect("the packet");
        assert_eq!(t.dst.to_string(), CAMERA);
        assert_eq!(t.data, psr(5, i as u16, want), "index {i}");
    }
    assert_eq!(
        conn.send_packet(8, b"x"),
        Err(ConnWriteError::BadChannel(8))
    );
    assert_eq!(
        conn.send_packet(0, &[0; packet::MAX_DRW_DATA + 1]),
        Err(ConnWriteError::PacketTooLong(packet::MAX_DRW_DATA + 1))
    );

    let cam: SocketAddr = CAMERA.parse().unwrap();
    conn.handle_datagram(now, cam, &psr(2, 7, b"hello"));
    conn.handle_datagram(now, cam, &psr(9, 0, b"bad channel"));
    let stranger: SocketAddr = "10.0.0.3:40000".parse().unwrap();
    conn.handle_datagram(now, stranger, &psr(2, 8, b"not the peer"));
    assert_eq!(
        conn.poll_event(),
        Some(ConnEvent::Packet {
            channel: 2,
            data: b"hello".to_vec()
        })
    );
    assert_eq!(conn.poll_event(), None);
    assert_eq!(conn.stats().packets_received, 1);
}

#[test]
fn undrained_packets_are_bounded() {
    let now = Instant::now();
    let mut conn = connected(now);
    let cam: SocketAddr = CAMERA.parse().unwrap();
    for i in 0..MAX_QUEUED_PACKETS + 3 {
        conn.handle_datagram(now, cam, &psr(1, i as u16, b"x"));
    }
    assert_eq!(conn.stats().packets_dropped, 3);
    assert!(conn.poll_event().is_some());
    // Draining one makes room for one more.
    conn.handle_datagram(now, cam, &psr(1, 0, b"y"));
    assert_eq!(conn.stats().packets_dropped, 3);
    let n = std::iter::from_fn(|| conn.poll_event()).count();
    assert_eq!(n, MAX_QUEUED_PACKETS);
}
