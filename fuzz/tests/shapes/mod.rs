//! Input shapes and seeds of the targets added for issue 11: DRW receiver and sender, capture
//! files, operation arguments, CGI replies and `vstc2` methods, C API strings.

use std::borrow::Cow;
use std::time::Duration;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::DataLink;
use pppp::capture::ethernet_ipv4_udp;
use pppp::proto::operation::{ArgKind, OPERATIONS};
use pppp_fuzz::{capi_strings as capi, drw_receiver as rx, drw_sender as tx};
use serde_json::{json, Value};

use crate::{datagram, unhex, Rng};

// ---------------------------------------------------------------------------------------------
// DRW.

fn receiver_config(rng: &mut Rng, v: &mut Vec<u8>) {
    let window: u16 = if rng.chance(50) {
        1 + rng.below(64) as u16
    } else {
        rng.next() as u16
    };
    v.extend_from_slice(&window.to_be_bytes());
    let budget: u16 = if rng.chance(50) {
        rng.below(400) as u16
    } else {
        rng.next() as u16
    };
    v.extend_from_slice(&budget.to_be_bytes());
    v.push(rng.byte()); // ACK batch
    v.push(rng.below(20) as u8); // ACK delay
    v.push(if rng.chance(60) { 0 } else { rng.byte() }); // stall skip
}

fn first_index(rng: &mut Rng, v: &mut Vec<u8>) {
    let first: u16 = match rng.below(3) {
        0 => 0,
        1 => 65535 - rng.below(40) as u16,
        _ => rng.next() as u16,
    };
    v.extend_from_slice(&first.to_be_bytes());
}

/// A `drw_receiver` input: mostly packets near the expected index, some far, with waits, ACK
/// batches and reads.
pub fn drw_receiver_input(rng: &mut Rng) -> Vec<u8> {
    let mut v = Vec::new();
    receiver_config(rng, &mut v);
    first_index(rng, &mut v);
    for _ in 0..rng.below(60) {
        match rng.below(10) {
            0..=4 => {
                v.push(rx::OP_NEAR);
                v.push(if rng.chance(80) {
                    rng.below(12) as u8
                } else {
                    rng.byte()
                });
                v.push(rng.below(40) as u8);
            }
            5 => {
                v.push(rx::OP_ABSOLUTE);
                v.extend_from_slice(&(rng.next() as u16).to_be_bytes());
                v.push(rng.byte());
            }
            6 => {
                v.push(rx::OP_WAIT);
                v.push(rng.byte());
            }
            7 => {
                v.push(rx::OP_ACK);
                v.push(rng.byte());
            }
            _ => {
                v.push(rx::OP_READ);
                v.push(rng.byte());
            }
        }
    }
    v
}

/// A `drw_sender` input: writes, transmissions, loss, duplication, reordering, ACKs and time.
pub fn drw_sender_input(rng: &mut Rng) -> Vec<u8> {
    let mut v = vec![u8::from(rng.chance(20))];
    v.push(if rng.chance(50) {
        rng.below(8) as u8
    } else {
        rng.byte()
    }); // in flight
    v.extend_from_slice(&(rng.below(300) as u16).to_be_bytes()); // send buffer
    v.extend_from_slice(&[rng.byte(), rng.below(20) as u8, rng.below(20) as u8]); // RTOs
    receiver_config(rng, &mut v);
    first_index(rng, &mut v);
    for _ in 0..rng.below(80) {
        let op = rng.below(usize::from(tx::OP_FORGED_ACK) + 1) as u8;
        v.push(op);
        match op {
            tx::OP_WRITE => {
                let n = if rng.chance(70) {
                    rng.below(3000)
                } else {
                    rng.below(65536)
                };
                v.extend_from_slice(&(n as u16).to_be_bytes());
            }
            tx::OP_DELIVER | tx::OP_DELIVER_ACK => v.extend_from_slice(&[rng.byte(), rng.byte()]),
            tx::OP_FORGED_ACK => {
                let count = rng.below(6);
                let mut body = vec![0xd1, 1, 0, count as u8];
                for _ in 0..count {
                    body.extend_from_slice(&(rng.below(40) as u16).to_be_bytes());
                }
                v.push(body.len() as u8);
                v.extend(body);
            }
            _ => v.push(rng.byte()),
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Capture files.

fn frames(datagrams: &[Vec<u8>]) -> Vec<Vec<u8>> {
    datagrams
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (a, b) = (
                "192.0.2.1:50000".parse().expect("literal"),
                "192.0.2.2:32108".parse().expect("literal"),
            );
            let (src, dst) = if i % 2 == 0 { (a, b) } else { (b, a) };
            ethernet_ipv4_udp(src, dst, d)
        })
        .collect()
}

/// A pcap file of Ethernet frames around `datagrams`.
pub fn pcap(datagrams: &[Vec<u8>]) -> Vec<u8> {
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).expect("pcap header");
    for (i, f) in frames(datagrams).iter().enumerate() {
        let p = PcapPacket::new(Duration::from_millis(i as u64), f.len() as u32, f);
        w.write_packet(&p).expect("pcap packet");
    }
    w.into_writer()
}

/// A pcapng file of Ethernet frames around `datagrams`.
pub fn pcapng(datagrams: &[Vec<u8>]) -> Vec<u8> {
    let mut w = PcapNgWriter::new(Vec::new()).expect("pcapng header");
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: DataLink::ETHERNET,
        snaplen: 0xffff,
        options: Vec::new(),
    })
    .expect("interface");
    for (i, f) in frames(datagrams).iter().enumerate() {
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: Duration::from_millis(1000 + i as u64),
            original_len: f.len() as u32,
            data: Cow::Borrowed(f),
            options: Vec::new(),
        })
        .expect("packet");
    }
    w.into_inner()
}

/// A hex dump of `datagrams` as `pppp dissect` reads it.
pub fn hex_dump(rng: &mut Rng, datagrams: &[Vec<u8>]) -> Vec<u8> {
    let mut s = String::from("# a capture\n");
    for d in datagrams {
        let prefix: &&str = rng.pick(&["", "> ", "< "]);
        s.push_str(prefix);
        let sep = *rng.pick(&["", " ", ":"]);
        let hex: Vec<String> = d.iter().map(|b| format!("{b:02x}")).collect();
        s.push_str(&hex.join(sep));
        s.push('\n');
    }
    s.into_bytes()
}

/// A `capture_parse` input: a pcap, pcapng or hex dump of a few datagrams, now and then cut
/// short or with a byte changed (in a frame header, a block length, a digit …).
pub fn capture_input(rng: &mut Rng) -> Vec<u8> {
    let datagrams: Vec<Vec<u8>> = (0..rng.below(6)).map(|_| datagram(rng)).collect();
    let mut f = match rng.below(3) {
        0 => pcap(&datagrams),
        1 => pcapng(&datagrams),
        _ => hex_dump(rng, &datagrams),
    };
    if rng.chance(20) && !f.is_empty() {
        let at = rng.below(f.len());
        match rng.below(2) {
            0 => f.truncate(at),
            _ => f[at] = rng.byte(),
        }
    }
    f
}

// ---------------------------------------------------------------------------------------------
// Operations, CGI, C API strings.

/// A valid value of an argument of `kind`.
fn valid_arg(kind: ArgKind) -> Value {
    match kind {
        ArgKind::Bool => json!(true),
        ArgKind::Int { min, max } => json!(max.min(min.max(1))),
        ArgKind::Direction => json!("down-right"),
        ArgKind::FlipMirror => json!("flip-mirror"),
        ArgKind::Text => json!("pppp-lab"),
        ArgKind::Fields => json!({"lamp": 1, "rotmir": 3}),
    }
}

/// A plausible value of an argument of `kind`, now and then of the wrong type or range.
fn arg_value(rng: &mut Rng, kind: ArgKind) -> Value {
    if rng.chance(15) {
        return rng
            .pick(&[
                json!(null),
                json!("x"),
                json!(-1),
                json!(1.5),
                json!([1]),
                json!({}),
                json!(i64::MAX),
            ])
            .clone();
    }
    match kind {
        ArgKind::Bool => json!(rng.chance(50)),
        ArgKind::Int { min, max } => {
            let span = (max - min).max(0) as usize;
            json!(min + rng.below(span.saturating_add(1).min(1 << 30)) as i64)
        }
        ArgKind::Direction => {
            json!(rng.pick(&["up", "down-left", "UP_RIGHT", "left-up", "sideways"]))
        }
        ArgKind::FlipMirror => rng
            .pick(&[json!(0), json!(3), json!("flip_mirror"), json!("mirror")])
            .clone(),
        ArgKind::Text => json!(rng.pick(&["net", "", "p w&=\"", "é\u{0}"])),
        ArgKind::Fields => rng
            .pick(&[
                json!({"lamp": 1}),
                json!({"pro": "x", "cmd": 1, "user": "u", "rotmir": 3}),
                json!({}),
            ])
            .clone(),
    }
}

/// An `operation_args` input: an operation of the table with its arguments (some wrong), or an
/// unknown name.
pub fn operation_input(rng: &mut Rng) -> Vec<u8> {
    let sel = rng.below(2 * OPERATIONS.len() + 4);
    let mut args = serde_json::Map::new();
    let text = match OPERATIONS.get(sel / 2) {
        Some(spec) => {
            for a in spec.args {
                if rng.chance(90) {
                    args.insert(a.name.into(), arg_value(rng, a.kind));
                }
            }
            if rng.chance(5) {
                args.insert("surplus".into(), json!(1));
            }
            let v = if rng.chance(5) {
                json!([1, 2])
            } else {
                Value::Object(args)
            };
            v.to_string()
        }
        None => {
            let name = rng.pick(&["ptz", "reboot", "fly", ""]);
            format!(
                "{name}\n{{\"direction\":\"up\",\"result\":{}}}",
                rng.below(3)
            )
        }
    };
    let mut v = vec![sel as u8];
    v.extend(text.into_bytes());
    v
}

/// Reply texts of the emulator's CGI camera and of real VStarcam firmware.
pub const CGI_REPLIES: &[&str] = &[
    "var result=0;\r\n",
    "result=-1;\r\n",
    "var alias=\"pppp emulator\";\r\nvar deviceid=\"VSTC-123456-ABCDE\";\r\nvar sys_ver=\"48.53.64.1\";\r\nvar now=1700000000;\r\nvar tz=-3600;\r\nvar sdstatus=1;\r\nvar sdtotal=30436;\r\nvar sdlevel=29112;\r\n",
    "var ap_number=2;\r\nvar ap_ssid=new Array();\r\nap_ssid[0] =\"pppp-lab\";\r\nap_mac[0]=\"EC:88:8F:73:44:44\";\r\nap_security[0]=4;\r\nap_dbm0[0]='100';\r\nap_dbm1[0]='100';\r\nap_mode[0]=0;\r\nap_channel[0]=6;\r\nap_ssid[1] =\"neighbour\";\r\nap_security[1]=4;\r\n",
    "var resolution=0;\r\nvar vbright=0;\r\nvar vcontrast=128;\r\nvar flip=3;\r\nvar ircut=1;\r\nvar enc_framerate=20;\r\n",
    "var dhcpen=1;\r\nvar ip=\"192.168.1.234\";\r\nvar wifi_ssid=\"pppp-lab\";\r\nvar user1_name=\"admin\";\r\nvar user1_pwd=\"\";\r\n",
];

/// A `cgi_vstc2` input: a reply text built from CGI reply words, an emulator reply, or a
/// setter's `&`-separated arguments.
pub fn cgi_input(rng: &mut Rng) -> Vec<u8> {
    let mut v = vec![rng.byte()];
    v.extend_from_slice(&[0x60, rng.below(0x100) as u8, 0, rng.below(2) as u8]);
    match rng.below(3) {
        0 => v.extend_from_slice(rng.pick(CGI_REPLIES).as_bytes()),
        1 => {
            let n = rng.below(60);
            let parts: Vec<String> = (0..n)
                .map(|_| {
                    if rng.chance(60) {
                        (rng.next() % 1000).to_string()
                    } else {
                        rng.pick(&["net", "", "a b", "%41", "é"]).to_string()
                    }
                })
                .collect();
            v.extend(parts.join("&").into_bytes());
        }
        _ => {
            let words = [
                "var ",
                "result=",
                "0",
                "-1",
                "0x1f",
                ";",
                "\r\n",
                "\"",
                "'",
                "ap_number=",
                "ap_ssid[0]",
                "=",
                "new Array()",
                "GET /",
                "get_status.cgi",
                "?",
                "&",
                "%41",
                "%",
                "\0",
            ];
            for _ in 0..rng.below(30) {
                v.extend_from_slice(rng.pick(&words).as_bytes());
            }
        }
    }
    v
}

/// A `capi_strings` input: a selector and a string of its kind.
pub fn capi_input(rng: &mut Rng) -> Vec<u8> {
    let sel = rng.below(7) as u8;
    let text: String = match sel {
        capi::INIT => rng
            .pick(&[
                "DRFTEOBOJWHSFQHQEVGNDQEXFRLZGKLUGSDUAIBXBOIULLKRDNAJDNOZHNKMJO:camera",
                "ATBBARASAXAOAQAOAQAOARBBARAZASAOARAWAYAOARAOARBBARAQAOAQAOAQAOAR-$$",
                "{\"InitString\":\"EBGAEIBIKHJJGFJKEOGCFAEPHPMAHONDGJFPBKCPAJJMLFKBDBAGCJPBGOLKIKLKAJMJKFDOOFMOBECEJIMM\",\"MaxNumSess\":5,\"SessAliveSec\":99,\"0x7X_Timeout\":0}",
                "{\"MaxNumSess\":-1}",
                "{",
                "",
                "abc",
            ])
            .to_string(),
        capi::SET_PARAMS => rng
            .pick(&["{\"lamp\":1}", "{}", "{\"pro\":\"x\",\"rotmir\":1.5e3}", "[1]"])
            .to_string(),
        capi::COMMAND => rng
            .pick(&[
                "{\"pro\":\"get_parms\",\"cmd\":101}",
                "{\"pro\":\"get_parms\"}",
                "{\"cmd\":111,\"user\":\"x\",\"x\":[1,{\"y\":null}],\"f\":0.1}",
                "{\"pro\":\"nothing\"}",
                "7",
            ])
            .to_string(),
        capi::CGI => rng
            .pick(&[
                "get_status.cgi",
                "GET /decoder_control.cgi?command=0&onestep=0&",
                "camera_control.cgi?param=5&value=1&loginuse=a",
                "bad name.cgi",
                "x.cgi?a b",
            ])
            .to_string(),
        capi::PTZ => rng
            .pick(&["up", "down-right", "UP", "left_up", "up-left ", ""])
            .to_string(),
        capi::CONFIG => rng
            .pick(&[
                "VSTC-123456-ABCDE",
                "BATE-692065-IURQM:key",
                "auto",
                "custom:secret",
                "vstarcam2018",
                "shix",
                "CGI",
                "hdwificam-pro",
                "127.0.0.1:32108",
                "[::1]:0",
            ])
            .to_string(),
        _ => {
            let n = rng.below(12);
            let s: String = (0..n)
                .map(|_| *rng.pick(&['a', '&', '=', '%', '"', ' ', 'é', '\\', '+']))
                .collect();
            format!("admin\0{s}")
        }
    };
    let mut v = vec![sel];
    v.extend(text.into_bytes());
    v
}

// ---------------------------------------------------------------------------------------------
// Seeds from the vectors.

type Seed = (&'static str, String, Vec<u8>);

/// Seeds of the targets above from `core/tests/vectors/` (`packets`, `uid` and `initstring`
/// are those files).
pub fn vector_seeds(packets: &Value, uid: &Value, init: &Value) -> Vec<Seed> {
    let mut out: Vec<Seed> = Vec::new();
    let mut wires = Vec::new();
    let mut rx_ops = Vec::new();
    let mut forged = Vec::new();
    for p in packets["packets"].as_array().expect("packets[]") {
        let name = p["name"].as_str().unwrap_or("?").to_owned();
        let wire = unhex(p["hex"].as_str().expect("hex"));
        if let Some(data) = p["decoded"]["drw"]["data_hex"].as_str() {
            out.push(("channel0_dialects", name.clone(), unhex(data)));
        }
        if p["psk"].is_null() {
            match pppp::proto::packet::decode(&wire) {
                Ok(pppp::proto::packet::Message::Drw { index, data, .. }) => {
                    rx_ops.push(rx::OP_ABSOLUTE);
                    rx_ops.extend_from_slice(&index.to_be_bytes());
                    rx_ops.push((data.len() / 5) as u8);
                    if let Some(body) = cgi_body(data) {
                        let mut v = vec![0x80, 0x60, 0x01, 0, 0];
                        v.extend(body);
                        out.push(("cgi_vstc2", name.clone(), v));
                    }
                }
                Ok(pppp::proto::packet::Message::DrwAck { indexes, .. }) => {
                    for i in indexes.iter() {
                        rx_ops.push(rx::OP_ABSOLUTE);
                        rx_ops.extend_from_slice(&i.to_be_bytes());
                        rx_ops.push(1);
                    }
                    forged.push(tx::OP_FORGED_ACK);
                    forged.push((wire.len() - 4) as u8);
                    forged.extend_from_slice(&wire[4..]);
                }
                _ => {}
            }
        }
        wires.push(wire);
    }
    for b in packets["drw_payload_blocks"].as_array().expect("blocks[]") {
        let name = b["name"].as_str().unwrap_or("?").to_owned();
        out.push((
            "channel0_dialects",
            name,
            unhex(b["hex"].as_str().expect("hex")),
        ));
    }
    let mut rng = Rng(7);
    out.push(("capture_parse", "packets-pcap".into(), pcap(&wires)));
    out.push(("capture_parse", "packets-pcapng".into(), pcapng(&wires)));
    out.push((
        "capture_parse",
        "packets-hex".into(),
        hex_dump(&mut rng, &wires),
    ));

    // The receiver with the default configuration, fed every vector index, then ACKs and reads.
    let mut v = Vec::new();
    v.extend_from_slice(&2048u16.to_be_bytes());
    v.extend_from_slice(&u16::MAX.to_be_bytes());
    v.extend_from_slice(&[16, 5, 0, 0, 0]);
    v.extend(rx_ops);
    v.extend_from_slice(&[rx::OP_ACK, 1, rx::OP_READ, 255, rx::OP_WAIT, 10]);
    out.push(("drw_receiver", "vector-indexes".into(), v));
    // The sender and its peer with the defaults, a write, then the vectors' DRW_ACKs forged.
    let mut v = vec![tx::HOSTILE, 127, 0x7f, 0xff, 59, 60, 168];
    v.extend_from_slice(&[0x08, 0x00, 0xff, 0xff, 16, 5, 0, 0, 0]);
    v.extend_from_slice(&[tx::OP_WRITE, 0x0f, 0xff, tx::OP_TRANSMIT, 7]);
    v.extend(forged);
    v.extend_from_slice(&[tx::OP_TRANSMIT, 7, tx::OP_DELIVER, 0, 0, tx::OP_READ]);
    out.push(("drw_sender", "vector-acks".into(), v));

    for (i, spec) in OPERATIONS.iter().enumerate() {
        let args: serde_json::Map<String, Value> = spec
            .args
            .iter()
            .map(|a| (a.name.to_owned(), valid_arg(a.kind)))
            .collect();
        for sel in [2 * i, 2 * i + 1] {
            let mut v = vec![sel as u8];
            v.extend(Value::Object(args.clone()).to_string().into_bytes());
            out.push(("operation_args", format!("{}-{sel}", spec.name), v));
        }
    }
    for (i, text) in CGI_REPLIES.iter().enumerate() {
        let mut v = vec![i as u8, 0x60, 0x01, 0, 0];
        v.extend_from_slice(text.as_bytes());
        out.push(("cgi_vstc2", format!("reply-{i}"), v));
    }

    let mut capi = |sel: u8, name: String, text: &str| {
        let mut v = vec![sel];
        v.extend_from_slice(text.as_bytes());
        out.push(("capi_strings", name, v));
    };
    for style in ["cs2", "ilnk"] {
        for (i, v) in init[style]["vectors"]
            .as_array()
            .expect("vectors")
            .iter()
            .enumerate()
        {
            let text = v["encoded"].as_str().expect("encoded");
            capi(capi::INIT, format!("init-{style}-{i}"), text);
            let json = json!({"InitString": text, "MaxNumSess": 4, "SessAliveSec": 10});
            capi(
                capi::INIT,
                format!("init-{style}-{i}-json"),
                &json.to_string(),
            );
        }
    }
    for list in ["valid", "lenient", "invalid"] {
        for (i, u) in uid[list].as_array().expect("uid list").iter().enumerate() {
            let text = u["uid"].as_str().expect("uid");
            capi(capi::CONFIG, format!("uid-{list}-{i}"), text);
        }
    }
    for (i, k) in pppp::proto::psk::KNOWN_PSKS.iter().enumerate() {
        capi(capi::CONFIG, format!("psk-{i}"), k.psk);
    }
    out
}

/// The payload of the first CGI block in `data`, if any.
fn cgi_body(data: &[u8]) -> Option<Vec<u8>> {
    use pppp::proto::command::{BlockDecoder, BlockKind};
    let mut d = BlockDecoder::new(1 << 16);
    d.push(data);
    std::iter::from_fn(|| d.next_block())
        .find(|b| b.kind == BlockKind::Cgi)
        .map(|b| b.payload)
}
