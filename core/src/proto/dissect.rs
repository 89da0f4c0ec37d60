//! A dissector for captured PPPP traffic: one human-readable line per datagram, for users
//! debugging an unknown camera (`pppp dissect FILE`).
//!
//! [`Dissector::dissect`] takes datagrams in capture order (from a pcap, a hex dump, or a
//! simulated network) and prints direction, message type, DRW channel/index, ACKed indexes,
//! channel-0 command blocks (SHIX JSON, VStarcam CGI text, iLnk binary commands with their
//! XqBytes-decoded payload) and AV headers. It detects the PSK of each flow automatically
//! (every known PSK is tried; the one that worked is remembered per flow and tried first
//! elsewhere), reassembles channel-0 blocks and AV records that span DRW packets (in index
//! order, retransmissions recognised), and never panics on garbage.
//!
//! Reading captures (link layers, hex dumps) is not protocol: see [`crate::capture`]; the
//! pcap/pcapng container itself is read by the CLI.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::net::{IpAddr, SocketAddr};

use crate::proto::av::{self, AvHeader, Codec, FrameAssembler};
use crate::proto::cipher::Cipher;
use crate::proto::command::{Block, BlockDecoder, HEADER_LEN};
use crate::proto::dialect::Dialect;
use crate::proto::discovery::LAN_PORT;
use crate::proto::packet::{self, Message};
use crate::proto::psk;
use crate::proto::seq;

/// The LAN-search port cameras listen on.
/// Out-of-order DRW packets held per stream before the dissector gives up on the gap.
const MAX_HELD: usize = 256;
/// Longest text or hex shown for one item.
const MAX_SHOWN: usize = 400;

/// Who sent a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Controller (app) → device (camera).
    ToDevice,
    /// Device → controller.
    ToController,
    /// Not known.
    Unknown,
}

impl Direction {
    /// `C>D`, `D>C` or `?>?`.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::ToDevice => "C>D",
            Direction::ToController => "D>C",
            Direction::Unknown => "?>?",
        }
    }
}

/// One captured datagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Captured {
    /// Capture time in seconds (relative or absolute), if known.
    pub time: Option<f64>,
    /// Source address, if known.
    pub src: Option<SocketAddr>,
    /// Destination address, if known.
    pub dst: Option<SocketAddr>,
    /// Direction stated by the capture (hex dumps with `>`/`<`), if any.
    pub direction: Option<Direction>,
    /// The UDP payload as on the wire.
    pub data: Vec<u8>,
}

impl Captured {
    /// A datagram with addresses (from a pcap or a simulation).
    pub fn udp(time: Option<f64>, src: SocketAddr, dst: SocketAddr, data: Vec<u8>) -> Self {
        Captured {
            time,
            src: Some(src),
            dst: Some(dst),
            direction: None,
            data,
        }
    }
}

/// The dissection of one datagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Dissected {
    /// Capture time, if known.
    pub time: Option<f64>,
    /// Direction (stated or inferred).
    pub direction: Direction,
    /// Source address, if known.
    pub src: Option<SocketAddr>,
    /// Destination address, if known.
    pub dst: Option<SocketAddr>,
    /// The PSK the datagram decrypted under (`None`: plain or undecodable).
    pub psk: Option<String>,
    /// Message type byte, when the datagram decoded.
    pub msg_type: Option<u8>,
    /// Message type name (`MSG_DRW` …) or `UNDECODABLE`.
    pub type_name: &'static str,
    /// DRW / DRW_ACK channel.
    pub channel: Option<u8>,
    /// DRW index.
    pub index: Option<u16>,
    /// DRW_ACK indexes.
    pub acks: Vec<u16>,
    /// Everything else, readable (`did=…`, command blocks, AV headers …).
    pub details: String,
}

impl fmt::Display for Dissected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = self.time {
            write!(f, "{t:>11.6} ")?;
        }
        f.write_str(self.direction.arrow())?;
        if let (Some(s), Some(d)) = (self.src, self.dst) {
            write!(f, " {s} > {d}")?;
        }
        if let Some(p) = &self.psk {
            write!(f, " [psk {p}]")?;
        }
        write!(f, " {}", self.type_name)?;
        if let Some(c) = self.channel {
            write!(f, " ch={c}")?;
        }
        if let Some(i) = self.index {
            write!(f, " idx={i}")?;
        }
        if !self.acks.is_empty() || self.type_name == "MSG_DRW_ACK" {
            write!(f, " acks={:?}", self.acks)?;
        }
        if !self.details.is_empty() {
            write!(f, " {}", self.details)?;
        }
        Ok(())
    }
}

/// Counters of a [`Dissector`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DissectStats {
    /// Datagrams seen.
    pub datagrams: u64,
    /// Datagrams no known PSK decodes.
    pub undecodable: u64,
    /// Channel-0 blocks decoded.
    pub blocks: u64,
    /// AV headers decoded.
    pub av_headers: u64,
    /// DRW packets seen again (retransmissions or duplicates).
    pub retransmissions: u64,
}

/// In-order reassembly of one DRW channel in one direction.
#[derive(Debug, Default)]
struct Stream {
    next: Option<u16>,
    held: BTreeMap<u16, Vec<u8>>,
    blocks: BlockDecoder,
    /// AV records (their headers are shown once a record is complete).
    av: FrameAssembler,
}

/// Per address pair: the cipher that worked.
#[derive(Debug, Default)]
struct Flow {
    cipher: Option<Cipher>,
}

/// The dissector: keeps PSKs per flow, roles per address and reassembly per DRW stream.
#[derive(Debug)]
pub struct Dissector {
    candidates: Vec<Cipher>,
    fixed: bool,
    last_cipher: Option<Cipher>,
    flows: HashMap<(Option<SocketAddr>, Option<SocketAddr>), Flow>,
    controllers: HashSet<SocketAddr>,
    devices: HashSet<SocketAddr>,
    streams: HashMap<(Option<SocketAddr>, Option<SocketAddr>, Direction, u8), Stream>,
    stats: DissectStats,
}

impl Default for Dissector {
    fn default() -> Self {
        Dissector::new()
    }
}

fn flow_key(
    a: Option<SocketAddr>,
    b: Option<SocketAddr>,
) -> (Option<SocketAddr>, Option<SocketAddr>) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Dissector {
    /// A dissector that auto-detects the PSK among plain and every known PSK.
    pub fn new() -> Self {
        Dissector {
            candidates: psk::auto_candidates(None),
            fixed: false,
            last_cipher: None,
            flows: HashMap::new(),
            controllers: HashSet::new(),
            devices: HashSet::new(),
            streams: HashMap::new(),
            stats: DissectStats::default(),
        }
    }

    /// A dissector for `choice` (`auto`, `none`, a known name or `custom:<psk>`).
    pub fn with_psk(choice: &psk::PskChoice) -> Self {
        let mut d = Dissector::new();
        if *choice != psk::PskChoice::Auto {
            d.candidates = choice.candidates(None);
            d.fixed = true;
        }
        d
    }

    /// Counters.
    pub fn stats(&self) -> DissectStats {
        self.stats
    }

    /// Decrypts `data`, trying the flow's cipher, the last one that worked, then all.
    fn decrypt(
        &mut self,
        key: (Option<SocketAddr>, Option<SocketAddr>),
        data: &[u8],
    ) -> Option<(Cipher, Vec<u8>)> {
        let mut order: Vec<Cipher> = Vec::new();
        if let Some(c) = self.flows.get(&key).and_then(|f| f.cipher.clone()) {
            order.push(c);
        }
        if let Some(c) = &self.last_cipher {
            if !order.contains(c) {
                order.push(c.clone());
            }
        }
        // Known ciphers first: they must still produce an exact length to be trusted blindly.
        for c in &order {
            if let Some((_, plain)) = psk::detect(data, std::slice::from_ref(c)) {
                return Some((c.clone(), plain));
            }
        }
        // Otherwise every candidate; prefer one whose length field is exact.
        let mut loose = None;
        for c in &self.candidates {
            if let Some((_, plain)) = psk::detect(data, std::slice::from_ref(c)) {
                let declared = usize::from(u16::from_be_bytes([plain[2], plain[3]]));
                if declared + packet::HEADER_LEN == plain.len() {
                    return Some((c.clone(), plain));
                }
                loose.get_or_insert((c.clone(), plain));
            }
        }
        if loose.is_some() {
            return loose;
        }
        // A truncated capture (snap length, or a published prefix): the header is valid but
        // the length field promises more than is there.
        let head: [u8; 4] = data.get(..4)?.try_into().ok()?;
        order.iter().chain(self.candidates.iter()).find_map(|c| {
            let mut h = head;
            c.decrypt(&mut h);
            psk::is_valid_header(&[h[0], h[1], 0, 0]).then(|| (c.clone(), c.open(data)))
        })
    }

    fn direction(&mut self, c: &Captured, msg_type: Option<u8>) -> Direction {
        if let Some(d) = c.direction {
            return d;
        }
        let (Some(src), Some(dst)) = (c.src, c.dst) else {
            return Direction::Unknown;
        };
        let search = matches!(
            msg_type,
            Some(packet::msg::LAN_SEARCH) | Some(packet::msg::LAN_SEARCH_EXT)
        );
        if search || dst.port() == LAN_PORT {
            self.controllers.insert(src);
            if !is_broadcast(dst.ip()) {
                self.devices.insert(dst);
            }
            return Direction::ToDevice;
        }
        if src.port() == LAN_PORT {
            self.devices.insert(src);
            self.controllers.insert(dst);
            return Direction::ToController;
        }
        if self.controllers.contains(&src) || self.devices.contains(&dst) {
            self.controllers.insert(src);
            self.devices.insert(dst);
            return Direction::ToDevice;
        }
        if self.devices.contains(&src) || self.controllers.contains(&dst) {
            self.devices.insert(src);
            self.controllers.insert(dst);
            return Direction::ToController;
        }
        // First sender heuristics: whoever speaks first in a new flow is the controller
        // (it searches or punches; the device answers).
        self.controllers.insert(src);
        self.devices.insert(dst);
        Direction::ToDevice
    }

    /// Dissects one datagram (call in capture order).
    pub fn dissect(&mut self, c: &Captured) -> Dissected {
        self.stats.datagrams += 1;
        let key = flow_key(c.src, c.dst);
        let mut out = Dissected {
            time: c.time,
            direction: Direction::Unknown,
            src: c.src,
            dst: c.dst,
            psk: None,
            msg_type: None,
            type_name: "UNDECODABLE",
            channel: None,
            index: None,
            acks: Vec::new(),
            details: String::new(),
        };
        let Some((cipher, plain)) = self.decrypt(key, &c.data) else {
            self.stats.undecodable += 1;
            out.direction = self.direction(c, None);
            out.details = format!(
                "{} bytes no known PSK decodes: {}",
                c.data.len(),
                hex_short(&c.data, 48)
            );
            return out;
        };
        if !self.fixed {
            self.flows.entry(key).or_default().cipher = Some(cipher.clone());
            self.last_cipher = Some(cipher.clone());
        }
        out.psk = cipher.name().map(str::to_owned);
        out.msg_type = Some(plain[1]);
        out.type_name = packet::type_name(plain[1]);
        out.direction = self.direction(c, Some(plain[1]));
        let declared = usize::from(u16::from_be_bytes([plain[2], plain[3]]));
        let surplus = plain.len().saturating_sub(declared + packet::HEADER_LEN);
        let mut details = String::new();
        let mut plain = plain;
        if declared + packet::HEADER_LEN > plain.len() {
            let have = plain.len() - packet::HEADER_LEN;
            let _ = write!(
                details,
                "(truncated: {have} of {declared} payload bytes captured) "
            );
            plain[2..4].copy_from_slice(&(have as u16).to_be_bytes());
        }
        match packet::decode(&plain) {
            Ok(Message::PunchPkt(did)) | Ok(Message::P2pRdy(did)) => {
                match did.to_uid() {
                    Ok(uid) => {
                        let _ = write!(details, "did={uid}");
                    }
                    Err(_) => {
                        let _ = write!(details, "did=<malformed {}>", hex_short(&did.0, 20));
                    }
                }
                let extra = declared.saturating_sub(packet::DID_LEN);
                if extra > 0 {
                    let _ = write!(details, " +{extra} bytes after the DID");
                }
            }
            Ok(Message::Drw {
                channel,
                index,
                data,
            }) => {
                out.channel = Some(channel);
                out.index = Some(index);
                let _ = write!(details, "len={}", data.len());
                self.drw(c, out.direction, channel, index, data, &mut details);
            }
            Ok(Message::DrwAck { channel, indexes }) => {
                out.channel = Some(channel);
                out.acks = indexes.iter().collect();
            }
            Ok(Message::Other { msg_type, payload }) => {
                other_payload(msg_type, payload, &mut details);
            }
            Ok(_) => {}
            Err(e) => {
                let _ = write!(details, "malformed: {e}");
            }
        }
        if surplus > 0 {
            let _ = write!(
                details,
                " ({surplus} surplus bytes after the declared length)"
            );
        }
        out.details = details.trim().to_owned();
        out
    }

    fn drw(
        &mut self,
        c: &Captured,
        dir: Direction,
        channel: u8,
        index: u16,
        data: &[u8],
        details: &mut String,
    ) {
        if c.src.is_none() && c.dst.is_none() {
            // A hex dump without addresses: datagrams may come from anywhere, so each is
            // decoded on its own.
            let mut s = Stream::default();
            self.decode_stream(&mut s, channel, &[data.to_vec()], details);
            return;
        }
        let s = self
            .streams
            .entry((c.src, c.dst, dir, channel))
            .or_default();
        let next = *s.next.get_or_insert(index);
        let d = seq::diff(index, next);
        if d < 0 || s.held.contains_key(&index) {
            self.stats.retransmissions += 1;
            details.push_str(" (retransmission)");
            return;
        }
        let mut ready = Vec::new();
        if d == 0 {
            ready.push(data.to_vec());
            let mut n = index.wrapping_add(1);
            while let Some(v) = s.held.remove(&n) {
                ready.push(v);
                n = n.wrapping_add(1);
            }
            s.next = Some(n);
        } else {
            s.held.insert(index, data.to_vec());
            let _ = write!(details, " (ahead of idx {next}: held)");
            if s.held.len() > MAX_HELD {
                // The capture lost packets: give up on the gap.
                let first = *s
                    .held
                    .keys()
                    .min_by_key(|&&k| seq::diff(k, next))
                    .unwrap_or(&index);
                let _ = write!(details, " (gap before idx {first}: skipped)");
                s.blocks.resync();
                s.av.resync();
                let mut n = first;
                while let Some(v) = s.held.remove(&n) {
                    ready.push(v);
                    n = n.wrapping_add(1);
                }
                s.next = Some(n);
            }
        }
        let mut s = self
            .streams
            .remove(&(c.src, c.dst, dir, channel))
            .unwrap_or_default();
        self.decode_stream(&mut s, channel, &ready, details);
        self.streams.insert((c.src, c.dst, dir, channel), s);
    }

    /// Feeds in-order stream data to the block decoder (channel 0) or the AV reassembly.
    fn decode_stream(
        &mut self,
        s: &mut Stream,
        channel: u8,
        ready: &[Vec<u8>],
        details: &mut String,
    ) {
        if channel == 0 {
            for v in ready {
                s.blocks.push(v);
            }
            let mut blocks = Vec::new();
            while let Some(b) = s.blocks.next_block() {
                blocks.push(b);
            }
            let pending = s.blocks.pending();
            self.stats.blocks += blocks.len() as u64;
            for b in &blocks {
                details.push_str(" | ");
                describe_block(b, details);
            }
            if blocks.is_empty() && pending == 0 {
                if let Some(v) = ready.iter().find(|v| !v.is_empty()) {
                    let _ = write!(details, " | not a command block: {}", hex_short(v, 32));
                }
            }
            if pending > 0 {
                let _ = write!(details, " | (partial block: {pending} bytes so far");
                if let Some(h) = ready.iter().rev().find_map(|v| block_header(v)) {
                    let _ = write!(details, "; last header: {h}");
                }
                details.push(')');
            }
        } else {
            let mut headers = Vec::new();
            for v in ready {
                s.av.push(v);
                while let Some(f) = s.av.next_frame() {
                    headers.push(f.header);
                }
            }
            self.stats.av_headers += headers.len() as u64;
            for h in headers {
                details.push_str(" | ");
                describe_av(channel, &h, details);
            }
        }
    }
}

fn is_broadcast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_broadcast() || v4.octets()[3] == 255,
        IpAddr::V6(_) => false,
    }
}

pub(crate) fn hex_short(b: &[u8], max: usize) -> String {
    let mut s: String = b.iter().take(max).map(|x| format!("{x:02x}")).collect();
    if b.len() > max {
        let _ = write!(s, "…(+{} bytes)", b.len() - max);
    }
    s
}

/// `b` as text, control characters escaped, at most [`MAX_SHOWN`] bytes.
pub(crate) fn text_short(b: &[u8]) -> String {
    let end = b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
    let t = String::from_utf8_lossy(&b[..end]);
    let mut s = String::new();
    for ch in t.chars() {
        if s.len() >= MAX_SHOWN {
            s.push('…');
            break;
        }
        match ch {
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(s, "\\x{:02x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s
}

fn describe_block(b: &Block, out: &mut String) {
    out.push_str(&b.kind.rules().describe(b));
}

/// Describes the command header at the start of `b`, if there is one.
fn block_header(b: &[u8]) -> Option<String> {
    let h: &[u8; HEADER_LEN] = b.get(..HEADER_LEN)?.try_into().ok()?;
    let d = Dialect::of_start(h[0], h[1])?;
    Some(d.rules().describe_header(h))
}

fn describe_av(channel: u8, h: &AvHeader, out: &mut String) {
    let name = if channel == 2 || channel == 3 {
        Codec::sniff_audio(h.codec).name()
    } else {
        match h.codec {
            av::codec_byte::MJPEG => "mjpeg",
            av::codec_byte::H264_I => "I",
            av::codec_byte::H264_P => "P",
            _ => "?",
        }
    };
    let _ = write!(
        out,
        "av type=0x{:02x}({name}) stream={} frame={} t={}.{:03} len={}",
        h.codec, h.stream, h.index, h.seconds, h.millis, h.len
    );
}

fn other_payload(msg_type: u8, payload: &[u8], out: &mut String) {
    use crate::proto::sockaddr;
    let addr = |b: &[u8]| sockaddr::decode(b).map(|a| a.to_string()).ok();
    match msg_type {
        // HELLO_ACK and PUNCH_TO carry one sockaddr; HELLO_TO two.
        0x01 | 0x40 => {
            if let Some(a) = addr(payload) {
                let _ = write!(out, "addr={a}");
                return;
            }
        }
        0x02 => {
            if let (Some(a), Some(b)) = (addr(payload), payload.get(16..).and_then(addr)) {
                let _ = write!(out, "addr={a} addr2={b}");
                return;
            }
        }
        // P2P_REQ: DID + local sockaddr.
        0x20 => {
            if let (Ok(uid), Some(a)) = (
                crate::Uid::from_wire(payload.get(..20).unwrap_or(&[])),
                payload.get(20..).and_then(addr),
            ) {
                let _ = write!(out, "did={uid} local={a}");
                return;
            }
        }
        0x21 => {
            if let Some(r) = payload.first() {
                let _ = write!(out, "result=0x{r:02x}");
                return;
            }
        }
        _ => {}
    }
    if !payload.is_empty() {
        let _ = write!(out, "payload={}", hex_short(payload, 64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_encrypted_search() {
        let mut d = Dissector::new();
        let l = d.dissect(&Captured {
            time: None,
            src: None,
            dst: None,
            direction: None,
            data: hex::decode("2cba5f5d").unwrap(),
        });
        assert_eq!(l.type_name, "MSG_LAN_SEARCH");
        assert_eq!(l.psk.as_deref(), Some("camera"));
    }

    #[test]
    fn garbage_never_panics() {
        let mut d = Dissector::new();
        let mut x: u32 = 0x1234_5678;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let a: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let b: SocketAddr = "10.0.0.2:32108".parse().unwrap();
        for i in 0..5000 {
            let len = (rnd() % 1100) as usize;
            let mut data: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
            // Half of them look like plain PPPP DRW/ACK headers with random contents.
            if i % 2 == 0 && data.len() >= 8 {
                data[0] = 0xf1;
                data[1] = [0xd0, 0xd1, 0x41, 0x42, 0x01, 0x20][i % 6];
                data[4] = 0xd1;
                data[5] %= 8;
            }
            let c = if i % 3 == 0 {
                Captured::udp(Some(i as f64), a, b, data)
            } else {
                Captured {
                    time: None,
                    src: None,
                    dst: None,
                    direction: None,
                    data,
                }
            };
            let _ = d.dissect(&c).to_string();
        }
        assert_eq!(d.stats().datagrams, 5000);
    }
    #[test]
    fn av_records_split_over_drw_packets_are_reassembled() {
        let h = AvHeader {
            codec: av::codec_byte::MJPEG,
            index: 7,
            len: 5,
            ..AvHeader::default()
        };
        let mut stream = h.record(&[0xff, 0xd8, 3, 4, 5]);
        stream.extend([9, 9]); // garbage between records
        stream.extend(AvHeader { index: 8, ..h }.record(&[0xff, 0xd8, 3, 4, 5]));
        let mut d = Dissector::with_psk(&psk::PskChoice::Plain);
        let cam: SocketAddr = "10.0.0.2:40000".parse().unwrap();
        let app: SocketAddr = "10.0.0.1:50000".parse().unwrap();
        let mut lines = Vec::new();
        for (i, chunk) in stream.chunks(11).enumerate() {
            let mut dgram = Vec::new();
            packet::encode_drw(&mut dgram, 1, i as u16, chunk);
            lines.push(d.dissect(&Captured::udp(None, cam, app, dgram)).details);
        }
        assert_eq!(d.stats().av_headers, 2, "{lines:#?}");
        let shown: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].contains("av type"))
            .collect();
        assert_eq!(shown.len(), 2, "{lines:#?}");
        assert!(lines[shown[0]].contains("frame=7") && lines[shown[1]].contains("frame=8"));
    }
}
