//! The channel-0 dialect vectors of `vectors/packets.json` (docs/protocol.md Appendix A11–A18, B8):
//! iLnk binary blocks decode to the published fields and XqBytes-decoded payloads, the blocks
//! pppp builds are byte-identical to the published builders, and the real VStarcam CGI request
//! of B8 has the layout pppp sends.

use pppp::proto::cgi::{CgiRequest, ReceivedRequest};
use pppp::proto::cipher::Cipher;
use pppp::proto::command::{Block, BlockDecoder, BlockKind};
use pppp::proto::ilnk::{self, BinaryBlock, DeviceStatus, LoginReply};
use pppp::proto::packet::{decode, Message};
use serde_json::Value;

fn load() -> Value {
    let path = format!("{}/tests/vectors/packets.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).expect("valid JSON")
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn entry<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["packets"]
        .as_array()
        .unwrap()
        .iter()
        .chain(doc["drw_payload_blocks"].as_array().unwrap())
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
}

/// The channel-0 data of a packet entry (DRW data, or the bare blocks of A14/A15).
fn channel0(p: &Value) -> Vec<u8> {
    if p["decoded"].is_array() {
        return unhex(&p["hex"]);
    }
    let cipher = p["psk"]
        .as_str()
        .map_or_else(Cipher::plain, Cipher::from_psk);
    let plain = cipher.open(&unhex(&p["hex"]));
    match decode(&plain).expect("decodes") {
        Message::Drw { channel, data, .. } => {
            assert_eq!(channel, 0);
            data.to_vec()
        }
        m => panic!("not a DRW: {m:?}"),
    }
}

fn blocks(data: &[u8]) -> Vec<Block> {
    let mut d = BlockDecoder::default();
    d.push(data);
    let mut v = Vec::new();
    while let Some(b) = d.next_block() {
        v.push(b);
    }
    assert_eq!(d.pending(), 0, "no bytes left over");
    v
}

fn app_blocks(p: &Value) -> &Vec<Value> {
    if let Some(a) = p["decoded"].as_array() {
        return a;
    }
    p["decoded"]["app_blocks"].as_array().expect("app_blocks")
}

#[test]
fn ilnk_blocks_decode_to_the_published_fields() {
    let doc = load();
    for name in [
        "A11", "A12", "A13", "A14", "A15", "A16", "A17a", "A17b", "A18",
    ] {
        let p = entry(&doc, name);
        let bs = blocks(&channel0(p));
        let want = app_blocks(p);
        assert_eq!(bs.len(), want.len(), "{name}");
        for (b, w) in bs.iter().zip(want) {
            assert_eq!(b.kind, BlockKind::Binary, "{name}");
            let bb = BinaryBlock::decode(b).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(bb.cmd as u64, w["cmd"].as_u64().unwrap(), "{name} cmd");
            assert_eq!(ilnk::name(bb.cmd), w["cmd_name"].as_str(), "{name} name");
            assert_eq!(
                bb.dest.to_le_bytes().to_vec(),
                unhex(&w["dest_hex"]),
                "{name}"
            );
            assert_eq!(bb.ticket.to_vec(), unhex(&w["ticket_hex"]), "{name} ticket");
            let raw = unhex(&w["payload_hex"]);
            assert_eq!(&b.payload[4..], &raw[..], "{name} raw payload");
            match w.get("payload_xq_decoded_hex") {
                Some(x) => assert_eq!(bb.payload, unhex(x), "{name} decoded payload"),
                None => assert!(bb.payload.is_empty(), "{name}"),
            }
            // Re-encoding the decoded block gives the published bytes back.
            let again = bb.encode().unwrap();
            assert_eq!(
                again,
                unhex(&w["header_hex"])
                    .into_iter()
                    .chain(raw)
                    .collect::<Vec<_>>(),
                "{name}"
            );
        }
    }
}

#[test]
fn builders_are_byte_exact() {
    let doc = load();
    let data = |n: &str| channel0(entry(&doc, n));
    let t = [1, 2, 3, 4];
    assert_eq!(
        ilnk::encode_command(ilnk::cmd::LIVEVIDEO_START, 0, t, &[]).unwrap(),
        data("A11")
    );
    assert_eq!(
        ilnk::encode_command(ilnk::cmd::STATUS_GET, 0, t, &[]).unwrap(),
        data("A12")
    );
    assert_eq!(ilnk::encode_login("admin", "admin").unwrap(), data("A13"));
    // The two reply forms a camera (the emulator) sends.
    assert_eq!(ilnk::encode_login_reply(None), data("A14"));
    assert_eq!(
        ilnk::encode_login_reply(Some([0x35, 0x55, 0x62, 0x4c])),
        data("A18")
    );
}

#[test]
fn login_replies_are_read_as_protocol_md_says() {
    let doc = load();
    let login = |n: &str| {
        let b = &blocks(&channel0(entry(&doc, n)))[0];
        LoginReply::parse(&BinaryBlock::decode(b).unwrap())
    };
    assert_eq!(
        login("A18"),
        LoginReply::Accepted {
            ticket: [0x35, 0x55, 0x62, 0x4c]
        }
    );
    assert_eq!(
        login("A15"),
        LoginReply::Accepted {
            ticket: [0x56, 0x57, 0x6d, 0x36]
        }
    );
    assert_eq!(login("A14"), LoginReply::Refused { code: -1010 });
}

#[test]
fn status_and_wifi_scan_replies_decode() {
    let doc = load();
    let bb = |n: &str| BinaryBlock::decode(&blocks(&channel0(entry(&doc, n)))[0]).unwrap();
    let status = DeviceStatus::parse(&bb("A16").payload).unwrap();
    assert_eq!(status.firmware, "1.2.2.53");
    assert_eq!(status.battery_mv, 3864);
    assert_eq!(status.signal_dbm, -65);
    let v = bb("A16").to_value();
    assert_eq!(v["status"]["firmware"], "1.2.2.53");
    assert_eq!(v["name"], "ACK_SYSTEM_STATUS_GET");

    let six = ilnk::parse_wifi_scan(&bb("A17a"));
    assert_eq!(six.len(), 6);
    assert_eq!(six[0].ssid, "ACRC.NET");
    assert_eq!(six[1].ssid, "ACRC.Guest");
    assert_eq!(six[0].mac, "a6:40:a0:59:23:a0");
    assert_eq!(six[0].dbm0, -77);
    let eleven = ilnk::parse_wifi_scan(&bb("A17b"));
    assert_eq!(eleven.len(), 11);
    assert_eq!(eleven[0].ssid, "ACRC.NET");
    assert_eq!(eleven[0].channel, 2);
    // That firmware writes the MAC as text.
    assert!(eleven[0].mac.starts_with("a640a0"), "{}", eleven[0].mac);
    let v = bb("A17a").to_value();
    assert_eq!(v["networks"].as_array().unwrap().len(), 6);
}

#[test]
fn b8_real_cgi_request_has_the_layout_pppp_sends() {
    let doc = load();
    let p = entry(&doc, "B8");
    let bs = blocks(&channel0(p));
    assert_eq!(bs.len(), 2, "two identical blocks in one DRW");
    for (b, w) in bs.iter().zip(app_blocks(p)) {
        assert_eq!(b.kind, BlockKind::Cgi);
        assert_eq!(b.cmd, 0);
        assert_eq!(b.aux, 0);
        let text = std::str::from_utf8(&b.payload).unwrap();
        assert_eq!(text, w["text"].as_str().unwrap());
        let req = ReceivedRequest::parse(&b.payload).unwrap();
        assert_eq!(req.name, "get_status");
        assert_eq!(req.get("loginuse"), Some("admin"));
        assert_eq!(req.get("pwd"), Some("888888"));
    }
    // pppp's request is the same text with the clear password in loginpas (this firmware
    // family puts a derived value there; docs/protocol.md §4.3).
    let ours = CgiRequest::parse("get_status.cgi")
        .unwrap()
        .encode("admin", "888888")
        .unwrap();
    let real = {
        let mut v = bs[0].payload.clone();
        let text = String::from_utf8(v.clone()).unwrap();
        v = text
            .replace("loginpas=ac0b2702856222", "loginpas=888888")
            .into_bytes();
        v
    };
    assert_eq!(&ours[8..], &real[..]);
    assert_eq!(&ours[..4], &[0x01, 0x0a, 0x00, 0x00]);
    assert_eq!(u16::from_le_bytes([ours[4], ours[5]]) as usize, real.len());
}

#[test]
fn a10_cgi_response_header_reads_u16_length_and_version() {
    let doc = load();
    let p = entry(&doc, "A10");
    let w = &app_blocks(p)[0];
    let data = unhex(&p["decoded"]["drw"]["data_hex"]);
    // Only the first bytes are published: the header announces 11340 bytes.
    let mut d = BlockDecoder::default();
    d.push(&data);
    assert!(d.next_block().is_none(), "incomplete block waits");
    assert_eq!(
        u16::from_le_bytes([data[2], data[3]]) as u64,
        w["cmd"].as_u64().unwrap()
    );
    assert_eq!(pppp::proto::cgi::name_for_code(0x6015), Some("snapshot"));
    let v = pppp::proto::cgi::reply_value(0x6015, 0x0100, &data[8..], None);
    assert_eq!(v["cgi"], "snapshot");
    assert_eq!(v["body_hex"], "ffd8ffe0");
}
