//! The 16-byte byte-swapped sockaddr against docs/protocol.md §2.2 and `tests/vectors/packets.json`.

use std::net::{Ipv4Addr, SocketAddrV4};

use pppp::proto::sockaddr::{decode, encode, SockaddrError, LEN};
use proptest::prelude::*;
use serde_json::Value;

#[test]
fn document_example() {
    let addr = SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, 10), 32108);
    let bytes = hex::decode("00026c7d0a01a8c00000000000000000").unwrap();
    assert_eq!(encode(addr).as_slice(), bytes.as_slice());
    assert_eq!(decode(&bytes), Ok(addr));
}

#[test]
fn packets_json_sockaddrs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/packets.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut seen = 0;
    for p in doc["packets"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let decoded = &p["decoded"];
        let Some(list) = decoded.get("sockaddr").and_then(Value::as_array) else {
            continue;
        };
        let payload = hex::decode(decoded["payload_hex"].as_str().unwrap()).unwrap();
        // A sockaddr follows the DID when the message carries one (P2P_REQ), else it leads.
        let start = if decoded.get("did").is_some() { 20 } else { 0 };
        for (i, sa) in list.iter().enumerate() {
            assert_eq!(sa["family"].as_u64(), Some(2));
            let offset = start + i * LEN;
            let raw = &payload[offset..offset + LEN];
            let ip: Ipv4Addr = sa["ip"].as_str().unwrap().parse().unwrap();
            let port = u16::try_from(sa["port"].as_u64().unwrap()).unwrap();
            let addr = SocketAddrV4::new(ip, port);
            assert_eq!(decode(raw), Ok(addr), "{name}");
            assert_eq!(encode(addr).as_slice(), raw, "{name}");
            assert_eq!(hex::encode(&raw[8..]), sa["zero_hex"].as_str().unwrap());
            seen += 1;
        }
    }
    assert!(seen >= 3, "only {seen} sockaddrs");
}

#[test]
fn lenient_decoding() {
    let addr = SocketAddrV4::new(Ipv4Addr::new(203, 0, 113, 7), 40000);
    let mut raw = encode(addr);
    // Family in host (little-endian) order.
    raw[0] = 2;
    raw[1] = 0;
    assert_eq!(decode(&raw), Ok(addr));
    // Non-zero trailing bytes are ignored, and so is anything after 16 bytes.
    raw[8..].fill(0xee);
    let mut longer = raw.to_vec();
    longer.extend_from_slice(&[1, 2, 3]);
    assert_eq!(decode(&longer), Ok(addr));
}

#[test]
fn errors() {
    assert_eq!(decode(&[0; 15]), Err(SockaddrError::TooShort { len: 15 }));
    assert_eq!(
        decode(&[]).unwrap_err().to_string(),
        "a sockaddr needs 16 bytes, got 0"
    );
    let mut raw = [0u8; 16];
    raw[1] = 0x0a;
    assert_eq!(
        decode(&raw),
        Err(SockaddrError::BadFamily {
            family: [0x00, 0x0a]
        })
    );
    assert_eq!(
        decode(&raw).unwrap_err().to_string(),
        "sockaddr family is 00 0a, expected AF_INET (00 02)"
    );
}

proptest! {
    #[test]
    fn round_trip(ip in any::<u32>(), port in any::<u16>()) {
        let addr = SocketAddrV4::new(Ipv4Addr::from(ip), port);
        prop_assert_eq!(decode(&encode(addr)), Ok(addr));
    }

    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let _ = decode(&bytes);
    }
}
