//! Real and derived datagrams of `vectors/packets.json` (docs/protocol.md Appendix A): decryption,
//! header and payload decoding, channel-0 blocks, and byte-exact re-encoding of the message
//! types the library sends.

use std::net::SocketAddrV4;

use pppp::proto::cipher::Cipher;
use pppp::proto::command::{Block, BlockDecoder, BlockKind};
use pppp::proto::packet::{self, decode, split_header, Message};
use pppp::proto::sockaddr;
use pppp::Uid;
use serde_json::Value;

fn load() -> Value {
    let path = format!("{}/tests/vectors/packets.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).expect("valid JSON")
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn u16le(hex2: &Value) -> u16 {
    let b = unhex(hex2);
    u16::from_le_bytes([b[0], b[1]])
}

fn cipher_of(p: &Value) -> Cipher {
    p["psk"]
        .as_str()
        .map_or_else(Cipher::plain, Cipher::from_psk)
}

/// Message types the library itself encodes (and must encode byte for byte).
fn we_encode(m: &Message<'_>) -> bool {
    matches!(
        m,
        Message::LanSearch
            | Message::LanSearchExt
            | Message::PunchPkt(_)
            | Message::P2pRdy(_)
            | Message::Alive
            | Message::AliveAck
            | Message::Close
            | Message::Drw { .. }
            | Message::DrwAck { .. }
    )
}

fn check_block(name: &str, b: &Block, want: &Value) {
    let dialect = want["dialect"].as_str().unwrap();
    let kind = match dialect {
        "shix_json" => BlockKind::Shix,
        "vstarcam_cgi" => BlockKind::Cgi,
        "ilnk_binary" => BlockKind::Binary,
        d => panic!("{name}: unknown dialect {d}"),
    };
    assert_eq!(b.kind, kind, "{name}");
    let header = unhex(&want["header_hex"]);
    assert_eq!(&header[..2], &kind.start(), "{name}");
    assert_eq!(
        b.payload.len() as u64,
        num(&want["length"]),
        "{name}: length"
    );
    match kind {
        BlockKind::Shix => {
            assert_eq!(b.cmd, u16le(&want["bytes_2_3_hex"]), "{name}");
            let text = std::str::from_utf8(&b.payload).expect("JSON is UTF-8");
            assert_eq!(text, want["json"].as_str().unwrap(), "{name}");
            let v: Value = serde_json::from_str(text).expect("valid JSON");
            assert!(v["cmd"].is_i64(), "{name}");
        }
        BlockKind::Cgi => {
            assert_eq!(b.cmd as u64, num(&want["cmd"]), "{name}");
            assert_eq!(b.aux, u16le(&want["bytes_6_7_hex"]), "{name}");
            assert_eq!(b.aux as u64, num(&want["version_u16le"]), "{name}");
            let text = std::str::from_utf8(&b.payload).expect("CGI text");
            assert_eq!(text, want["text"].as_str().unwrap(), "{name}");
        }
        BlockKind::Binary => {
            assert_eq!(b.cmd as u64, num(&want["cmd"]), "{name}");
            assert_eq!(b.aux, u16le(&want["dest_hex"]), "{name}: dest");
            // The block payload is ticket + payload.
            assert_eq!(
                &b.payload[..4],
                unhex(&want["ticket_hex"]),
                "{name}: ticket"
            );
            assert_eq!(
                &b.payload[4..],
                unhex(&want["payload_hex"]),
                "{name}: payload"
            );
        }
    }
}

fn check_blocks(name: &str, data: &[u8], want: &[Value]) {
    let mut d = BlockDecoder::default();
    d.push(data);
    let mut got = Vec::new();
    while let Some(b) = d.next_block() {
        got.push(b);
    }
    assert_eq!(got.len(), want.len(), "{name}: blocks {got:?}");
    assert_eq!(d.pending(), 0, "{name}: left-over bytes");
    assert_eq!(d.stats().garbage_bytes, 0, "{name}");
    for (b, w) in got.iter().zip(want) {
        check_block(name, b, w);
    }
}

/// A10 publishes only the first 20 bytes: check the header fields without the length rule.
fn check_incomplete(name: &str, plain: &[u8], dec: &Value) {
    assert_eq!(plain[0] as u64, num(&dec["magic"]), "{name}");
    assert_eq!(plain[1] as u64, num(&dec["type"]), "{name}");
    let length = u16::from_be_bytes([plain[2], plain[3]]) as u64;
    assert_eq!(length, num(&dec["length"]), "{name}");
    assert_eq!(&plain[4..], unhex(&dec["payload_hex"]), "{name}");
    // decode refuses it: the length field promises more than the prefix holds.
    assert!(matches!(
        decode(plain),
        Err(packet::DecodeError::Truncated { .. })
    ));
    if let Some(drw) = dec.get("drw") {
        assert_eq!(plain[4] as u64, num(&drw["marker"]), "{name}");
        assert_eq!(plain[5] as u64, num(&drw["channel"]), "{name}");
        assert_eq!(
            u16::from_be_bytes([plain[6], plain[7]]) as u64,
            num(&drw["index"])
        );
        assert_eq!(&plain[8..], unhex(&drw["data_hex"]), "{name}");
        // Its blocks are incomplete too: the decoder waits for the rest.
        let mut d = BlockDecoder::default();
        d.push(&plain[8..]);
        assert!(d.next_block().is_none(), "{name}");
        assert_eq!(d.pending(), plain.len() - 8);
        for b in dec["app_blocks"].as_array().into_iter().flatten() {
            let h = unhex(&b["header_hex"]);
            assert_eq!(&plain[8..16], h.as_slice(), "{name}");
            assert_eq!(u16::from_le_bytes([h[2], h[3]]) as u64, num(&b["cmd"]));
            // The 01 0a dialect has a u16 length; bytes 6–7 are separate (here 00 01).
            assert_eq!(u16::from_le_bytes([h[4], h[5]]) as u64, num(&b["length"]));
            assert_eq!(&h[6..8], unhex(&b["bytes_6_7_hex"]).as_slice());
        }
    }
}

fn did_text(payload: &[u8]) -> String {
    Uid::from_wire(&payload[..20]).unwrap().to_string()
}

#[test]
fn every_packet_decodes_as_documented() {
    let doc = load();
    let packets = doc["packets"].as_array().unwrap();
    assert!(packets.len() >= 30);
    let mut reencoded = 0;
    for p in packets {
        let name = p["name"].as_str().unwrap();
        let wire = unhex(&p["hex"]);
        let dec = &p["decoded"];
        let cipher = cipher_of(p);
        let plain = cipher.open(&wire);
        if let Some(ph) = dec.get("plain_hex") {
            assert_eq!(plain, unhex(ph), "{name}: decryption");
            assert_eq!(cipher.seal(&plain), wire, "{name}: encryption");
        }
        if !p["complete"].as_bool().unwrap() {
            check_incomplete(name, &plain, dec);
            continue;
        }
        let length = num(&dec["length"]) as usize;
        assert_eq!(wire.len() as u64, num(&dec["datagram_length"]), "{name}");
        assert_eq!(
            (wire.len() - 4 - length) as u64,
            num(&dec["surplus_bytes"]),
            "{name}"
        );
        let (t, payload) = split_header(&plain).unwrap();
        assert_eq!(t as u64, num(&dec["type"]), "{name}");
        assert_eq!(payload, unhex(&dec["payload_hex"]), "{name}");
        assert_eq!(payload.len(), length, "{name}");
        assert_eq!(packet::type_name(t), dec["type_name"].as_str().unwrap());

        let msg = decode(&plain).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(msg.msg_type() as u64, num(&dec["type"]), "{name}");
        // Surplus bytes are ignored: the exact-length datagram decodes the same.
        assert_eq!(decode(&plain[..4 + length]).unwrap(), msg, "{name}");

        if let Some(did) = dec.get("did") {
            let text = did["text"].as_str().unwrap();
            match &msg {
                Message::PunchPkt(d) | Message::P2pRdy(d) => {
                    let uid = d.to_uid().unwrap();
                    assert_eq!(uid.to_string(), text, "{name}");
                    assert_eq!(uid.prefix(), did["prefix"].as_str().unwrap());
                    assert_eq!(uid.serial() as u64, num(&did["serial"]));
                    assert_eq!(uid.check(), did["check"].as_str().unwrap());
                    assert_eq!(uid.to_wire().as_slice(), &payload[..20]);
                }
                _ => assert_eq!(did_text(payload), text, "{name}"),
            }
        }
        if let Some(addrs) = dec.get("sockaddr") {
            // Sockaddrs follow the DID when there is one.
            let mut at = if dec.get("did").is_some() { 20 } else { 0 };
            for a in addrs.as_array().unwrap() {
                let sa = sockaddr::decode(&payload[at..at + 16]).unwrap();
                let want: SocketAddrV4 =
                    format!("{}:{}", a["ip"].as_str().unwrap(), num(&a["port"]))
                        .parse()
                        .unwrap();
                assert_eq!(sa, want, "{name}");
                assert_eq!(sockaddr::encode(sa).as_slice(), &payload[at..at + 16]);
                at += 16;
            }
        }
        if let Some(drw) = dec.get("drw") {
            let Message::Drw {
                channel,
                index,
                data,
            } = &msg
            else {
                panic!("{name}: {msg:?}")
            };
            assert_eq!(payload[0] as u64, num(&drw["marker"]));
            assert_eq!(*channel as u64, num(&drw["channel"]), "{name}");
            assert_eq!(*index as u64, num(&drw["index"]), "{name}");
            assert_eq!(*data, unhex(&drw["data_hex"]).as_slice(), "{name}");
            if let Some(blocks) = dec.get("app_blocks") {
                check_blocks(name, data, blocks.as_array().unwrap());
            }
        }
        if let Some(ack) = dec.get("drw_ack") {
            let Message::DrwAck { channel, indexes } = &msg else {
                panic!("{name}: {msg:?}")
            };
            assert_eq!(payload[0] as u64, num(&ack["marker"]));
            assert_eq!(*channel as u64, num(&ack["channel"]), "{name}");
            assert_eq!(indexes.len() as u64, num(&ack["count"]), "{name}");
            let want: Vec<u64> = ack["indexes"].as_array().unwrap().iter().map(num).collect();
            let got: Vec<u64> = indexes.iter().map(u64::from).collect();
            assert_eq!(got, want, "{name}");
        }

        // Re-encoding: byte for byte what is on the wire (up to the length field, which also
        // covers the 28-byte P2P_RDY whose first 24 bytes are compared).
        if we_encode(&msg) {
            let again = msg.to_vec();
            assert_eq!(again.as_slice(), &plain[..4 + length], "{name}: re-encode");
            assert_eq!(
                cipher.seal(&again).as_slice(),
                &wire[..4 + length],
                "{name}: re-encode and encrypt"
            );
            reencoded += 1;
        }
    }
    // Every complete LAN_SEARCH(_EXT), PUNCH_PKT, P2P_RDY, ALIVE(_ACK), CLOSE, DRW and DRW_ACK.
    assert_eq!(reencoded, 27);
}

#[test]
fn the_28_byte_rdy_is_read_from_its_length_field() {
    let doc = load();
    let a4 = doc["packets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "A4")
        .unwrap();
    let wire = unhex(&a4["hex"]);
    assert_eq!(wire.len(), 32);
    let msg = decode(&wire).unwrap();
    let Message::P2pRdy(did) = msg else {
        panic!("{msg:?}")
    };
    assert_eq!(did.to_uid().unwrap().to_string(), "BATE-692065-IURQM");
    let again = msg.to_vec();
    assert_eq!(again.len(), 24);
    assert_eq!(again.as_slice(), &wire[..24]);
}

#[test]
fn drw_payload_blocks_decode() {
    let doc = load();
    let blocks = doc["drw_payload_blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 2);
    for b in blocks {
        let name = b["name"].as_str().unwrap();
        check_blocks(name, &unhex(&b["hex"]), b["decoded"].as_array().unwrap());
    }
}

#[test]
fn blocks_split_across_arbitrary_cuts() {
    // The two-block CGI DRW (B8), fed to the decoder a few bytes at a time.
    let doc = load();
    let b8 = doc["packets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "B8")
        .unwrap();
    let plain = cipher_of(b8).open(&unhex(&b8["hex"]));
    let Message::Drw { data, .. } = decode(&plain).unwrap() else {
        panic!()
    };
    for cut in [1, 3, 7, 8, 9, 50] {
        let mut d = BlockDecoder::default();
        let mut got = Vec::new();
        for chunk in data.chunks(cut) {
            d.push(chunk);
            while let Some(b) = d.next_block() {
                got.push(b);
            }
        }
        assert_eq!(got.len(), 2, "cut {cut}");
        for (g, w) in got
            .iter()
            .zip(b8["decoded"]["app_blocks"].as_array().unwrap())
        {
            check_block("B8", g, w);
        }
    }
}
