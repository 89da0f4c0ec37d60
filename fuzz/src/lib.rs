//! The bodies of the fuzz targets, one module per target, each with `pub fn run(data: &[u8])`.
//!
//! The `fuzz_targets/*.rs` binaries wrap these for libFuzzer (`cargo +nightly fuzz run NAME`);
//! `tests/smoke.rs` runs them on stable over seeded pseudo-random inputs and the test vectors.
//! Every target must never panic on any input; beyond that, each asserts properties of its
//! decoder (round trips, chunking invariance, bounds), so a failed assertion is a finding too.
//!
//! Targets whose input is more than one byte string read it through [`Reader`]; the
//! `encode_*` helpers build such inputs (for seeds and tests).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod capi_strings;
pub mod capture_parse;
pub mod cgi_vstc2;
pub mod drw_receiver;
pub mod drw_sender;
pub mod operation_args;

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name (the names of `fuzz_targets/` and `corpus/`) with its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("packet_decode", packet_decode::run),
    ("uid_parse", uid_parse::run),
    ("block_decoder", block_decoder::run),
    ("frame_assembler", frame_assembler::run),
    ("psk_detect", psk_detect::run),
    ("conn_datagram", conn_datagram::run),
    ("initstring_decode", initstring_decode::run),
    ("adpcm_decode", adpcm_decode::run),
    ("dissect", dissect::run),
    ("channel0_dialects", channel0_dialects::run),
    ("media_probe", media_probe::run),
    ("drw_receiver", drw_receiver::run),
    ("drw_sender", drw_sender::run),
    ("capture_parse", capture_parse::run),
    ("operation_args", operation_args::run),
    ("cgi_vstc2", cgi_vstc2::run),
    ("capi_strings", capi_strings::run),
];

/// Reads structured values from the front of a fuzz input; past the end everything is zero.
#[derive(Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// True when everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// One byte (0 past the end).
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A big-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    /// Up to `n` bytes (fewer at the end).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        self.bytes(self.data.len())
    }
}

/// Builds a chunked-stream input for [`block_decoder`] and [`frame_assembler`]: a limit
/// selector byte, then each chunk as `u8 length · bytes`.
pub fn encode_chunks(limit: u8, chunks: &[&[u8]]) -> Vec<u8> {
    let mut v = vec![limit];
    for c in chunks {
        for piece in c.chunks(255) {
            v.push(piece.len() as u8);
            v.extend_from_slice(piece);
        }
    }
    v
}

/// Builds a [`conn_datagram`] input that delivers each datagram, in order, from the camera's
/// session address (`flags` selects the PSK; see [`conn_datagram`]).
pub fn encode_datagrams(flags: u8, datagrams: &[&[u8]]) -> Vec<u8> {
    let mut v = vec![flags];
    for d in datagrams {
        v.push(conn_datagram::OP_PEER);
        v.extend_from_slice(&(d.len() as u16).to_be_bytes());
        v.extend_from_slice(d);
    }
    v
}

/// `pppp::proto::packet::decode` on the raw input.
pub mod packet_decode {
    use pppp::proto::packet::{self, Message, WireDid};
    use pppp::proto::psk;

    /// Decodes; a decoded message re-encodes to a datagram that decodes to the same message.
    pub fn run(data: &[u8]) {
        let header = packet::split_header(data);
        let decoded = packet::decode(data);
        match (&header, &decoded) {
            (Err(a), Err(b)) => assert_eq!(a, b, "header errors are reported as such"),
            (Err(e), Ok(m)) => panic!("header error {e:?} but decoded {m:?}"),
            _ => {}
        }
        if header.is_ok() {
            // A decodable header is never rejected by PSK detection's looser check, unless its
            // type is unknown to it.
            let known = psk::is_valid_header(data);
            if let Ok(m) = &decoded {
                if !matches!(m, Message::Other { .. }) {
                    assert!(
                        known,
                        "{m:?} decodes but is not a valid header for psk::detect"
                    );
                }
            }
        }
        let msg = match decoded {
            Ok(m) => m,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        };
        let _ = format!("{msg:?}");
        let _ = packet::type_name(msg.msg_type());
        let wire = msg.to_vec();
        assert_eq!(
            packet::decode(&wire).as_ref(),
            Ok(&msg),
            "re-encoding {msg:?} gave {wire:02x?}"
        );
        match msg {
            Message::Drw { channel, data, .. } => {
                assert!(usize::from(channel) < packet::CHANNELS);
                assert!(data.len() + 8 <= wire.len());
            }
            Message::DrwAck { channel, indexes } => {
                assert!(usize::from(channel) < packet::CHANNELS);
                assert_eq!(indexes.iter().count(), indexes.len());
                assert_eq!(indexes.is_empty(), indexes.iter().next().is_none());
            }
            Message::PunchPkt(did) | Message::P2pRdy(did) => {
                if let Ok(uid) = did.to_uid() {
                    assert_eq!(WireDid::from(&uid).to_uid(), Ok(uid));
                }
            }
            _ => {}
        }
    }
}

/// `Uid::parse`, `Uid::parse_strict` and `Uid::from_wire`.
pub mod uid_parse {
    use pppp::Uid;

    /// Parses the input as text (when UTF-8) and as a wire DID; whatever parses prints,
    /// re-parses and round-trips through the wire form unchanged.
    pub fn run(data: &[u8]) {
        match Uid::from_wire(data) {
            Ok(uid) => check(&uid),
            Err(e) => {
                let _ = (e.code(), e.to_string());
            }
        }
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let lenient = Uid::parse(text);
        match &lenient {
            Ok(uid) => check(uid),
            Err(e) => {
                let _ = (e.code(), e.to_string());
            }
        }
        match Uid::parse_strict(text) {
            Ok(uid) => {
                assert_eq!(
                    lenient.as_ref(),
                    Ok(&uid),
                    "strict accepts what lenient rejects"
                );
                assert_eq!(
                    uid.to_string(),
                    text,
                    "strict accepted a non-canonical form"
                );
            }
            Err(e) => {
                let _ = (e.code(), e.to_string());
            }
        }
    }

    fn check(uid: &Uid) {
        let text = uid.to_string();
        assert_eq!(Uid::parse(&text).as_ref(), Ok(uid), "{text}");
        assert_eq!(Uid::parse_strict(&text).as_ref(), Ok(uid), "{text}");
        assert_eq!(Uid::from_wire(&uid.to_wire()).as_ref(), Ok(uid), "{text}");
        assert!(!uid.prefix().is_empty() && uid.prefix().len() <= 7);
        assert!(!uid.check().is_empty() && uid.check().len() <= 7);
    }
}

/// `BlockDecoder::push` / `next_block` with input-chosen chunking.
pub mod block_decoder {
    use pppp::proto::command::{Block, BlockDecoder, BlockKind, DEFAULT_MAX_BLOCK, HEADER_LEN};

    use crate::Reader;

    /// Input: a block-size-limit selector byte, then chunks as `u8 length · bytes`; a length
    /// byte of 0 means "resync" in a second decoder that is only checked for panics. The blocks
    /// must not depend on the chunking: the same stream pushed at once gives the same blocks.
    pub fn run(data: &[u8]) {
        let mut r = Reader::new(data);
        let max_block = match r.u8() {
            0 => DEFAULT_MAX_BLOCK,
            n => usize::from(n) * 16,
        };
        let mut chunked = BlockDecoder::new(max_block);
        let mut resyncing = BlockDecoder::new(max_block);
        let mut stream = Vec::new();
        let mut got = Vec::new();
        while !r.is_empty() {
            let n = usize::from(r.u8());
            if n == 0 {
                resyncing.resync();
                continue;
            }
            let chunk = r.bytes(n);
            stream.extend_from_slice(chunk);
            chunked.push(chunk);
            while let Some(b) = chunked.next_block() {
                got.push(b);
            }
            resyncing.push(chunk);
            while let Some(b) = resyncing.next_block() {
                check(&b, max_block);
            }
        }
        let mut whole = BlockDecoder::new(max_block);
        whole.push(&stream);
        let mut all = Vec::new();
        while let Some(b) = whole.next_block() {
            all.push(b);
        }
        assert_eq!(got, all, "blocks depend on how the stream was chunked");
        // `pending()` may differ by an undecided last byte (one byte cannot be judged).
        assert_eq!(chunked.stats().blocks, got.len() as u64);
        let consumed: usize = got.iter().map(|b| HEADER_LEN + b.payload.len()).sum();
        assert!(consumed <= stream.len());
        for b in &got {
            check(b, max_block);
        }
    }

    fn check(b: &Block, max_block: usize) {
        assert!(b.payload.len() <= max_block);
        if b.kind == BlockKind::Shix {
            // The high half of the 32-bit length is reported as `aux`.
            assert_eq!(
                usize::from(b.aux) << 16 | usize::from(b.payload.len() as u16),
                b.payload.len()
            );
        } else {
            assert!(b.payload.len() <= usize::from(u16::MAX));
        }
        let _ = format!("{b:?}");
    }
}

/// `FrameAssembler::push` / `next_frame` with input-chosen chunking, plus the codec sniffers.
pub mod frame_assembler {
    use pppp::proto::av::{self, AvFrame, AvHeader, Codec, FrameAssembler, DEFAULT_MAX_FRAME};

    use crate::Reader;

    /// Input as for [`crate::block_decoder`] (a length byte of 0 means "resync" in a second,
    /// panic-only assembler). Frames must not depend on the chunking, must carry exactly
    /// `header.len` bytes, and `missing_before` must follow from the frame indexes.
    pub fn run(data: &[u8]) {
        let mut r = Reader::new(data);
        let max_frame = match r.u8() {
            0 => DEFAULT_MAX_FRAME,
            n => usize::from(n) * 64,
        };
        let mut chunked = FrameAssembler::new(max_frame);
        let mut resyncing = FrameAssembler::new(max_frame);
        let mut stream = Vec::new();
        let mut got = Vec::new();
        while !r.is_empty() {
            let n = usize::from(r.u8());
            if n == 0 {
                resyncing.resync();
                continue;
            }
            let chunk = r.bytes(n);
            stream.extend_from_slice(chunk);
            chunked.push(chunk);
            while let Some(f) = chunked.next_frame() {
                got.push(f);
            }
            resyncing.push(chunk);
            while let Some(f) = resyncing.next_frame() {
                check(&f, max_frame);
            }
        }
        let mut whole = FrameAssembler::new(max_frame);
        whole.push(&stream);
        let mut all = Vec::new();
        while let Some(f) = whole.next_frame() {
            all.push(f);
        }
        assert_eq!(got, all, "frames depend on how the stream was chunked");
        assert_eq!(chunked.stats().frames, got.len() as u64);
        let mut last: Option<u32> = None;
        for f in &got {
            check(f, max_frame);
            let expect = match last {
                Some(l) if f.header.index > l.wrapping_add(1) && f.header.index > l => {
                    f.header.index - l - 1
                }
                _ => 0,
            };
            assert_eq!(f.missing_before, expect);
            last = Some(f.header.index);
        }
        // The payload sniffers see arbitrary media.
        let _ = AvHeader::parse(&stream);
        sniff(&stream);
    }

    fn check(f: &AvFrame, max_frame: usize) {
        assert_eq!(f.data.len(), f.header.len as usize);
        assert!(f.data.len() <= max_frame);
        assert_eq!(AvHeader::parse(&f.header.encode()), Some(f.header));
        let _ = format!("{f:?}");
        sniff(&f.data);
    }

    fn sniff(data: &[u8]) {
        let byte = data.first().copied().unwrap_or(0);
        let video = Codec::sniff_video(byte, data);
        let _ = av::is_keyframe(video, byte, data);
        let _ = av::is_keyframe(Codec::H264, byte, data);
        let _ = av::is_keyframe(Codec::H265, byte, data);
        let audio = Codec::sniff_audio(byte);
        assert!(audio.is_audio() || matches!(audio, Codec::Unknown(_)));
        let _ = (video.name(), audio.to_string());
    }
}

/// `psk::detect` over every known PSK, the cipher, and PSK-name parsing.
pub mod psk_detect {
    use std::sync::OnceLock;

    use pppp::proto::cipher::Cipher;
    use pppp::proto::psk::{self, PskChoice};

    fn candidates() -> &'static [Cipher] {
        static CANDIDATES: OnceLock<Vec<Cipher>> = OnceLock::new();
        CANDIDATES.get_or_init(|| psk::auto_candidates(None))
    }

    /// Detection returns the first candidate under which the input decrypts to a valid
    /// header; the cipher round-trips; PSK names that parse print and re-parse unchanged.
    pub fn run(data: &[u8]) {
        let cands = candidates();
        let first = cands
            .iter()
            .position(|c| psk::is_valid_header(&c.open(data)));
        match psk::detect(data, cands) {
            Some((i, plain)) => {
                assert_eq!(Some(i), first);
                assert_eq!(plain, cands[i].open(data));
            }
            None => assert_eq!(first, None),
        }
        for c in cands {
            assert_eq!(c.open(&c.seal(data)), data, "{c} does not round-trip");
        }
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let custom = Cipher::from_psk(text);
        assert_eq!(custom.open(&custom.seal(data)), data);
        let _ = (
            psk::for_prefix(text),
            psk::is_plain_prefix(text),
            psk::find(text),
        );
        match PskChoice::parse(text) {
            Ok(choice) => {
                let shown = choice.to_string();
                assert_eq!(PskChoice::parse(&shown).as_ref(), Ok(&choice), "{shown}");
                assert!(!choice.candidates(Some(text)).is_empty());
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

/// A [`pppp::proto::controller::Controller`] connected to a `FakeCamera` in the simulator,
/// then fed the input as datagrams from the camera's address (and other events).
pub mod conn_datagram {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    use std::time::Duration;

    use pppp::proto::cipher::Cipher;
    use pppp::proto::command;
    use pppp::proto::conn::ConnConfig;
    use pppp::proto::controller::{Controller, ControllerConfig, Event};
    use pppp::proto::psk::PskChoice;
    use pppp::sim::{CameraConfig, Endpoint, FakeCamera, LinkConfig, Network, NodeId};
    use pppp::Uid;

    use crate::Reader;

    /// Record type: a datagram from the camera's session address (`u16 length · bytes`).
    pub const OP_PEER: u8 = 0;
    /// Record type: the same, sent without encryption even when a PSK is in use.
    pub const OP_PEER_RAW: u8 = 1;
    /// Record type: a datagram from an unknown address.
    pub const OP_STRANGER: u8 = 2;
    /// Record type: let `u8 × 8` ms of virtual time pass.
    pub const OP_WAIT: u8 = 3;
    /// Record type: a controller command chosen by the next byte.
    pub const OP_COMMAND: u8 = 4;
    /// Number of record types (the op byte is taken modulo this).
    const OPS: u8 = 5;

    /// Steps one operation may take before virtual time is considered stuck.
    const STEP_LIMIT: u64 = 100_000;

    fn ctl_addr() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 50000))
    }

    fn stranger() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 3], 40000))
    }

    struct Rig {
        net: Network,
        ctl: NodeId,
        peer: SocketAddr,
        cipher: Cipher,
    }

    impl Rig {
        fn controller(&mut self) -> &mut Controller {
            &mut self.net.get_mut::<Endpoint<Controller>>(self.ctl).machine
        }

        fn drain(&mut self) -> bool {
            let mut connected = false;
            while let Some(e) = self.controller().poll_event() {
                connected |= matches!(e, Event::Connected { .. });
                let _ = format!("{e:?}");
            }
            connected
        }

        /// Runs the network for `d` of virtual time, refusing to spin without progress.
        fn wait(&mut self, d: Duration) {
            let end = self.net.now() + d;
            let mut steps = 0u64;
            while self.net.now() < end {
                if !self.net.step() {
                    break;
                }
                self.drain();
                steps += 1;
                assert!(
                    steps < STEP_LIMIT,
                    "livelock: {steps} steps without reaching the end of a {d:?} wait (virtual \
                     time {:?})",
                    self.net.elapsed()
                );
            }
        }

        /// Delivers one datagram now and processes everything due at this instant.
        fn deliver(&mut self, from: SocketAddr, data: Vec<u8>) {
            self.net.inject(from, ctl_addr(), data);
            let before = self.net.now();
            let mut steps = 0u64;
            // `inject` queues at the current instant: one step delivers it.
            while self.net.step() && self.net.now() == before {
                self.drain();
                steps += 1;
                assert!(steps < STEP_LIMIT, "livelock at {:?}", self.net.elapsed());
            }
            self.drain();
        }
    }

    fn setup(flags: u8) -> Rig {
        let uid = Uid::parse("DGOA-123456-ABCDE").expect("valid UID");
        let mut cam = CameraConfig::new(uid, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
        // Tiny pictures keep a started video stream cheap.
        cam.width = 16;
        cam.height = 16;
        cam.fps = 20;
        let psk = (flags & 1 != 0).then(|| "camera".to_owned());
        cam.psk = psk.clone();
        let cipher = psk.as_deref().map_or_else(Cipher::plain, Cipher::from_psk);
        let mut conn = ConnConfig::new(cam.uid.clone(), vec![cam.lan_addr]);
        conn.psk = if flags & 2 != 0 {
            PskChoice::Auto
        } else {
            psk.map_or(PskChoice::Plain, PskChoice::Named)
        };
        let peer = cam.session_addr;
        let mut net = Network::new(LinkConfig::perfect(), u64::from(flags));
        let now = net.now();
        net.add(FakeCamera::new(cam, now));
        let mut controller = Controller::new(ControllerConfig::new(conn), now);
        controller.start(now);
        let ctl = net.add(Endpoint::new(ctl_addr(), controller));
        let mut rig = Rig {
            net,
            ctl,
            peer,
            cipher,
        };
        let connected = rig.net.drive_until(Duration::from_secs(5), |net| {
            let c = &mut net.get_mut::<Endpoint<Controller>>(ctl).machine;
            let mut hit = false;
            while let Some(e) = c.poll_event() {
                hit |= matches!(e, Event::Connected { .. });
            }
            hit
        });
        assert!(connected, "the controller did not connect to the emulator");
        rig
    }

    /// Input: a flags byte (bit 0: the camera uses the PSK `camera`; bit 1: the controller
    /// detects the PSK), then records `op · …` (see the `OP_*` constants). The controller
    /// must never panic, and the simulation must always make progress.
    pub fn run(data: &[u8]) {
        let mut r = Reader::new(data);
        let mut rig = setup(r.u8());
        while !r.is_empty() {
            match r.u8() % OPS {
                op @ (OP_PEER | OP_PEER_RAW | OP_STRANGER) => {
                    let len = usize::from(r.u16() % 2048);
                    let bytes = r.bytes(len);
                    let wire = if op == OP_PEER_RAW {
                        bytes.to_vec()
                    } else {
                        rig.cipher.seal(bytes)
                    };
                    let from = if op == OP_STRANGER {
                        stranger()
                    } else {
                        rig.peer
                    };
                    rig.deliver(from, wire);
                }
                OP_WAIT => {
                    let ms = u64::from(r.u8()) * 8;
                    rig.wait(Duration::from_millis(ms));
                }
                _ => {
                    let what = r.u8();
                    let now = rig.net.now();
                    let c = rig.controller();
                    let _ = match what % 6 {
                        0 => c.login(now).map(|_| ()),
                        1 => c.start_video(now, 2).map(|_| ()),
                        2 => c.stop_video(now).map(|_| ()),
                        3 => c.start_audio(now).map(|_| ()),
                        4 => {
                            let n = usize::from(r.u8()) * 8;
                            let bytes = r.bytes(n);
                            let channel = what >> 5;
                            // On channel 0, bit 4 wraps the bytes in a SHIX request (the
                            // emulator answers those); otherwise they go raw, blocks of any
                            // dialect included (the emulator closes on a foreign one).
                            let data = if channel == 0 && what & 0x10 != 0 {
                                command::encode_shix(command::SHIX_REQUEST, bytes)
                            } else {
                                bytes.to_vec()
                            };
                            c.conn_mut().write(channel, &data).map_err(|e| e.into())
                        }
                        _ => {
                            c.close(now);
                            Ok(())
                        }
                    };
                    // Long enough for the link (1 ms) and the camera's answer.
                    rig.wait(Duration::from_millis(5));
                }
            }
        }
        // Whatever happened, the controller settles: its stats are consistent.
        let s = rig.controller().stats();
        for ch in &s.conn.recv {
            assert!(ch.bytes <= ch.packets * 65535);
        }
    }
}

/// `initstring::decode` and the two raw decoders.
pub mod initstring_decode {
    use pppp::proto::initstring;

    /// Decoders must not panic; what they return is printable ASCII.
    pub fn run(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        match initstring::decode(&text) {
            Ok(init) => {
                let _ = format!("{init:?}");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        for raw in [
            initstring::decode_cs2_raw(&text),
            initstring::decode_ilnk_raw(&text),
        ]
        .into_iter()
        .flatten()
        {
            assert!(raw.bytes().all(|b| (0x20..=0x7e).contains(&b)), "{raw:?}");
        }
    }
}

/// IMA ADPCM (both variants), A-law and PCM byte conversion.
pub mod adpcm_decode {
    use pppp::proto::adpcm::{self, AdpcmState};

    use crate::Reader;

    /// Decoders give two samples per byte from any state, leave a valid state, and the
    /// encoders' output decodes to the right number of samples.
    pub fn run(data: &[u8]) {
        assert_eq!(adpcm::decode(data).len(), 2 * data.len());
        assert_eq!(adpcm::vsc::decode(data).len(), 2 * data.len());
        let mut r = Reader::new(data);
        let mut state = AdpcmState {
            predictor: r.u16() as i16,
            index: r.u8(),
        };
        let mut vsc_state = state;
        let rest = r.rest();
        let mut out = Vec::new();
        adpcm::decode_with(&mut state, rest, &mut out);
        adpcm::vsc::decode_with(&mut vsc_state, rest, &mut out);
        assert_eq!(out.len(), 4 * rest.len());
        if !rest.is_empty() {
            assert!(state.index <= 88 && vsc_state.index <= 88);
        }

        let alaw = adpcm::alaw_decode(data);
        assert_eq!(alaw.len(), data.len());
        assert_eq!(
            adpcm::alaw_encode(&alaw),
            data,
            "A-law decode/encode is not identity"
        );

        match adpcm::pcm_from_le_bytes(data) {
            Ok(pcm) => {
                assert_eq!(adpcm::pcm_to_le_bytes(&pcm), data);
                let n = pcm.len().div_ceil(2);
                let enc = adpcm::encode(&pcm);
                assert_eq!(enc.len(), n);
                assert_eq!(adpcm::decode(&enc).len(), 2 * n);
                let enc = adpcm::vsc::encode(&pcm);
                assert_eq!(enc.len(), n);
                let mut s = AdpcmState::default();
                let mut e = Vec::new();
                adpcm::encode_with(&mut s, &pcm, &mut e);
                assert!(s.index <= 88 || pcm.is_empty());
            }
            Err(e) => {
                assert_eq!(data.len() % 2, 1);
                let _ = e.to_string();
            }
        }
    }
}

/// The capture dissector and the media probes: `proto::dissect::Dissector` over a sequence of
/// datagrams, `capture::udp_from_link` over every link type, `capture::parse_hex_dump`, and
/// `media::picture_size` / `jpeg_size` on each datagram.
pub mod dissect {
    use pppp::capture::{self, linktype};
    use pppp::media;
    use pppp::proto::av::Codec;
    use pppp::proto::dissect::{Captured, Dissector};

    use crate::Reader;

    /// Input: a flags byte (bit 0: datagrams carry addresses, so flows and reassembly are
    /// exercised), then datagrams as `u16 BE length · bytes`. One dissection per datagram; no
    /// panic anywhere.
    pub fn run(data: &[u8]) {
        let mut r = Reader::new(data);
        let flags = r.u8();
        let mut d = Dissector::new();
        let a = "10.0.0.1:50000".parse().expect("literal");
        let b = "10.0.0.2:32108".parse().expect("literal");
        let mut n = 0u64;
        while !r.is_empty() {
            let len = usize::from(r.u16());
            let dgram = r.bytes(len);
            let (src, dst) = match (flags & 1 == 1, n % 2) {
                (false, _) => (None, None),
                (true, 0) => (Some(a), Some(b)),
                (true, _) => (Some(b), Some(a)),
            };
            let c = Captured {
                time: Some(n as f64),
                src,
                dst,
                direction: None,
                data: dgram.to_vec(),
            };
            let line = d.dissect(&c);
            let _ = line.to_string();
            n += 1;
            for link in [
                linktype::NULL,
                linktype::ETHERNET,
                linktype::RAW,
                linktype::LINUX_SLL,
                linktype::LINUX_SLL2,
                linktype::IPV6,
            ] {
                if let Some(u) = capture::udp_from_link(link, dgram) {
                    assert!(u.payload.len() <= dgram.len());
                }
            }
            for codec in [Codec::Mjpeg, Codec::H264, Codec::H265] {
                let _ = media::picture_size(codec, dgram);
            }
            let _ = media::nal_units(dgram).count();
        }
        assert_eq!(d.stats().datagrams, n);
        let _ = capture::parse_hex_dump(&String::from_utf8_lossy(data));
    }
}

/// `channel0_dialects`: the CGI and iLnk binary codecs of channel 0 on arbitrary bytes.
pub mod channel0_dialects {
    use pppp::proto::cgi::{self, CgiRequest, ReceivedRequest};
    use pppp::proto::command::{BlockDecoder, BlockKind};
    use pppp::proto::ilnk::{self, BinaryBlock, DeviceStatus, LoginReply};

    /// Nothing panics; a binary block re-encodes to its own bytes; XqBytes round-trips; a CGI
    /// request that parses re-parses to itself on the camera side.
    pub fn run(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let fields = cgi::parse_fields(&text);
        assert!(fields.pairs.len() <= text.len());
        let _ = cgi::reply_value(0x6001, 0x0100, data, None);
        let _ = ReceivedRequest::parse(data);
        if let Ok(req) = CgiRequest::parse(&text) {
            let line = req.to_text("admin", "p w&=");
            let back = ReceivedRequest::parse(line.as_bytes()).expect("our request parses");
            assert_eq!(back.name, req.name);
            // A query that names its own `loginuse` or `user` gets no credentials added.
            let own = cgi::query_pairs(&req.params)
                .iter()
                .any(|(k, _)| k == "loginuse" || k == "user");
            if !own {
                assert_eq!(back.get("pwd"), Some("p w&="));
            }
        }
        assert_eq!(ilnk::xq_decode(&ilnk::xq_encode(data, 4), 4), data);
        let _ = DeviceStatus::parse(data);
        let _ = ilnk::parse_wifi_settings(data);
        let _ = ilnk::parse_ptz_passthrough(data);
        let mut d = BlockDecoder::new(1 << 16);
        d.push(data);
        while let Some(b) = d.next_block() {
            match b.kind {
                BlockKind::Binary => {
                    if let Ok(bb) = BinaryBlock::decode(&b) {
                        let _ = LoginReply::parse(&bb);
                        let _ = ilnk::parse_wifi_scan(&bb);
                        let _ = bb.to_value();
                        let mut whole = vec![0x11, 0x0a];
                        whole.extend_from_slice(&b.cmd.to_le_bytes());
                        whole.extend_from_slice(&(b.payload.len() as u16).to_le_bytes());
                        whole.extend_from_slice(&b.aux.to_le_bytes());
                        whole.extend_from_slice(&b.payload);
                        assert_eq!(bb.encode().expect("fits"), whole);
                    }
                }
                BlockKind::Cgi => {
                    let _ = cgi::reply_value(b.cmd, b.aux, &b.payload, None);
                }
                BlockKind::Shix => {}
            }
        }
    }
}

/// `media_probe`: the picture-size probes of `pppp::media` (H.264 SPS, H.265 SPS, JPEG SOF).
pub mod media_probe {
    use pppp::media;
    use pppp::proto::av::Codec;

    use crate::Reader;

    /// Mode byte: wrap the rest as an H.264 SPS NAL unit.
    pub const MODE_H264_SPS: u8 = 1;
    /// Mode byte: wrap the rest as an H.265 SPS NAL unit.
    pub const MODE_H265_SPS: u8 = 2;
    /// Mode byte: put the rest after a JPEG SOI marker.
    pub const MODE_JPEG: u8 = 3;

    /// Input: a mode byte, then the bytes to probe. [`MODE_H264_SPS`] and [`MODE_H265_SPS`]
    /// give the rest as the RBSP of a parameter set (after a start code and the NAL header),
    /// [`MODE_JPEG`] as the segments after SOI; any other mode probes the rest raw with every
    /// codec. Nothing panics or overflows (the fuzz profile checks overflow); the size of a
    /// parameter set does not depend on the start-code length nor on a NAL unit after it; a
    /// JPEG's size does not change with bytes after its SOF.
    pub fn run(data: &[u8]) {
        let mut r = Reader::new(data);
        let mode = r.u8();
        let rest = r.rest();
        match mode {
            MODE_H264_SPS => parameter_set(Codec::H264, &[0x67], rest),
            MODE_H265_SPS => parameter_set(Codec::H265, &[0x42, 0x01], rest),
            MODE_JPEG => {
                let mut jpeg = vec![0xff, 0xd8];
                jpeg.extend_from_slice(rest);
                let size = media::jpeg_size(&jpeg);
                assert_eq!(media::picture_size(Codec::Mjpeg, &jpeg), size);
                if size.is_some() {
                    jpeg.extend_from_slice(&[0xff, 0xd9, 0x00, 0xff]);
                    assert_eq!(media::jpeg_size(&jpeg), size, "bytes after the SOF");
                }
            }
            _ => {
                for codec in [Codec::Mjpeg, Codec::H264, Codec::H265] {
                    let _ = media::picture_size(codec, rest);
                }
                let _ = media::jpeg_size(rest);
                assert!(media::nal_units(rest).count() <= rest.len() / 3);
            }
        }
    }

    fn parameter_set(codec: Codec, header: &[u8], rbsp: &[u8]) {
        let annex_b = |start: &[u8], tail: &[u8]| {
            let mut v = start.to_vec();
            v.extend_from_slice(header);
            v.extend_from_slice(rbsp);
            v.extend_from_slice(tail);
            v
        };
        let size = media::picture_size(codec, &annex_b(&[0, 0, 0, 1], &[]));
        if let Some((w, h)) = size {
            assert!(w > 0 && h > 0);
        }
        assert_eq!(
            media::picture_size(codec, &annex_b(&[0, 0, 1], &[])),
            size,
            "3-byte start code"
        );
        // An access unit delimiter after the parameter set (H.264 type 9, H.265 type 35).
        let aud: &[u8] = match codec {
            Codec::H265 => &[0, 0, 1, 0x46, 0x01, 0x50],
            _ => &[0, 0, 1, 0x09, 0xf0],
        };
        assert_eq!(
            media::picture_size(codec, &annex_b(&[0, 0, 0, 1], aud)),
            size,
            "a NAL unit after the parameter set"
        );
    }
}
