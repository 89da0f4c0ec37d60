//! A complete fake camera, written from docs/protocol.md as a *device*: it answers LAN search, runs
//! every handshake variant, keeps sessions alive and drops silent ones, speaks the SHIX JSON
//! dialect on channel 0, streams MJPEG on channel 1 and ADPCM audio on channel 2, retransmits
//! its own data, and serves several controllers at once.
//!
//! It shares the codecs of [`crate::proto`] (packet, cipher, command framing, AV header) but none
//! of the controller's session logic: its reliability layer below is its own, in the style of the
//! CS2 device library (a 10 ms tick, same-index retransmission, gap-triggered resend).
//!
//! It cannot be turned into an amplifier or made to hold unbounded memory:
//!
//! * an address that has not shown it receives the camera's datagrams gets **one small answer
//!   per datagram** (PUNCH_PKT or P2P_RDY, 24 bytes) and no session: a session (with its P2P_RDY
//!   burst, keepalives and media) opens only when the address answers — echoes the PUNCH_PKT,
//!   answers the P2P_RDY, or sends session traffic. The last [`MAX_GREETED`] addresses answered
//!   are remembered for this;
//! * at most [`CameraConfig::max_sessions`] sessions (16 by default); more are refused without
//!   an answer ([`CameraStats::sessions_refused`]);
//! * per session, at most [`CameraConfig::send_buffer`] bytes queued or unacknowledged (video
//!   and audio frames are skipped, requests beyond it go unanswered), at most
//!   [`CameraConfig::recv_buffer`] bytes held out of order (counting
//!   [`crate::proto::drw::DELIVERY_OVERHEAD`] per packet; more is dropped unacknowledged), and
//!   request blocks and talk-back frames of at most [`MAX_REQUEST`] bytes.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::{jpeg, video, LinkStats};
use crate::proto::adpcm;
use crate::proto::av::{self, AvHeader, FrameAssembler};
use crate::proto::cipher::Cipher;
use crate::proto::command::{self, BlockDecoder, BlockKind, SHIX_RESPONSE};
use crate::proto::dialect::{self, Dialect};
use crate::proto::drw::DELIVERY_OVERHEAD;
use crate::proto::packet::{self, Message, WireDid, CHANNELS, MAX_DRW_DATA};
use crate::proto::shix::{self, Family};
use crate::proto::{seq, Transmit};
use crate::Uid;

// The CGI and iLnk binary dialects, and the SHIX command families (a child module: it shares
// the camera's private state).
mod channels;
mod config;
mod dialects;
mod media;

use channels::{Accept, Peer};
pub use config::{AudioCodec, CameraConfig, CameraStats, Handshake, VideoCodec};

const WINDOW: usize = 128;
/// How far ahead of the next expected index a received packet may be and still be held.
const RX_WINDOW: i16 = 4096;
/// Addresses remembered as answered but not yet proven to receive the camera's datagrams.
pub const MAX_GREETED: usize = 256;
/// Largest channel-0 request block or talk-back frame the camera accepts.
pub const MAX_REQUEST: usize = 64 * 1024;
/// Samples per audio frame the camera sends.
const AUDIO_SAMPLES: usize = 512;

/// The fake camera. Sans-IO: feed it datagrams with the local address they arrived at.
#[derive(Debug)]
pub struct FakeCamera {
    config: CameraConfig,
    cipher: Cipher,
    did: WireDid,
    started: Instant,
    now: Instant,
    peers: HashMap<SocketAddr, Peer>,
    /// Addresses answered that have not yet shown they receive us, oldest first (at most
    /// [`MAX_GREETED`]; `greeted` holds the same addresses, for lookup).
    greet_order: VecDeque<SocketAddr>,
    greeted: HashSet<SocketAddr>,
    out: VecDeque<Transmit>,
    stats: CameraStats,
    frame_counter: u32,
    audio_counter: u32,
    offline_until: Option<Instant>,
    /// What [`FakeCamera::poll_timeout`] answers, computed after every input.
    deadline: Option<Instant>,
    reboot_at: Option<Instant>,
    /// The picture [`CameraConfig::frame_size`] frames are patched from, and its size.
    patched: Option<((u16, u16), jpeg::Patched)>,
}

impl FakeCamera {
    /// A camera configured by `config`, powered on at `now`.
    pub fn new(config: CameraConfig, now: Instant) -> Self {
        FakeCamera {
            cipher: config
                .psk
                .as_deref()
                .map_or_else(Cipher::plain, Cipher::from_psk),
            did: WireDid::from(&config.uid),
            config,
            started: now,
            now,
            peers: HashMap::new(),
            greet_order: VecDeque::new(),
            greeted: HashSet::new(),
            out: VecDeque::new(),
            stats: CameraStats::default(),
            frame_counter: 0,
            audio_counter: 0,
            offline_until: None,
            deadline: None,
            reboot_at: None,
            patched: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &CameraConfig {
        &self.config
    }

    /// Counters.
    pub fn stats(&self) -> CameraStats {
        let mut s = self.stats.clone();
        s.active_sessions = self.peers.len();
        s
    }

    /// Addresses of the connected controllers.
    pub fn peers(&self) -> Vec<SocketAddr> {
        self.peers.keys().copied().collect()
    }

    /// Bytes the camera holds for its sessions: queued and unacknowledged output (replies
    /// included), packets received out of order, partial requests and talk-back frames. At most
    /// `max_sessions × (send_buffer + recv_buffer + 2 × MAX_REQUEST)` plus one frame per
    /// session.
    pub fn held_bytes(&self) -> usize {
        self.peers.values().map(Peer::held).sum()
    }

    /// The camera's sockets: the LAN-search socket and the session socket.
    pub fn addrs(&self) -> [SocketAddr; 2] {
        [self.config.lan_addr, self.config.session_addr]
    }

    fn session_local(&self) -> SocketAddr {
        if self.config.answer_from_lan_port {
            self.config.lan_addr
        } else {
            self.config.session_addr
        }
    }

    fn send_raw(&mut self, src: SocketAddr, dst: SocketAddr, plain: &[u8]) {
        self.stats.datagrams_sent += 1;
        self.out.push_back(Transmit {
            src: Some(src),
            dst,
            data: self.cipher.seal(plain),
        });
    }

    fn send_msg(&mut self, src: SocketAddr, dst: SocketAddr, msg: Message<'_>) {
        let mut v = msg.to_vec();
        if matches!(msg, Message::P2pRdy(_)) {
            self.stats.rdy_sent += 1;
            if self.config.long_rdy {
                v.extend_from_slice(&[0; 8]); // length field still says 20
                self.stats.long_rdy_sent += 1;
            }
        }
        self.send_raw(src, dst, &v);
        if let Some(p) = self.peers.get_mut(&dst) {
            p.last_tx = self.now;
        }
    }

    /// Processes a datagram that arrived at our socket `local` from `from`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        from: SocketAddr,
        data: &[u8],
    ) {
        self.receive(now, local, from, data);
        self.deadline = self.next_deadline();
    }

    fn receive(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.now = now;
        if self.offline_until.is_some_and(|t| now < t) {
            return;
        }
        let mut plain = data.to_vec();
        self.cipher.decrypt(&mut plain);
        let Ok(msg) = packet::decode(&plain) else {
            self.stats.ignored += 1;
            return;
        };
        self.stats.datagrams_received += 1;
        match msg {
            Message::LanSearch | Message::LanSearchExt => self.on_search(from),
            Message::PunchPkt(did) if did == self.did => self.on_handshake(local, from, false),
            Message::P2pRdy(did) if did == self.did => self.on_handshake(local, from, true),
            msg => {
                // Session traffic from an address we answered proves it receives us.
                let proven = !matches!(msg, Message::Close) && self.greeted.contains(&from);
                let known = self.peers.contains_key(&from) || (proven && self.open(local, from));
                if !known {
                    self.stats.ignored += 1;
                    return;
                }
                self.on_session_message(from, msg);
            }
        }
    }

    /// Remembers that `addr` got an answer (a bounded, oldest-first memory).
    fn greet(&mut self, addr: SocketAddr) {
        if self.greeted.insert(addr) {
            self.greet_order.push_back(addr);
        }
        while self.greet_order.len() > MAX_GREETED {
            if let Some(old) = self.greet_order.pop_front() {
                self.greeted.remove(&old);
            }
        }
    }

    /// A LAN search gets one small answer, from any address: PUNCH_PKT, or P2P_RDY for a
    /// "rdy-first" device. Nothing else happens until the address answers it.
    fn on_search(&mut self, from: SocketAddr) {
        self.stats.searches += 1;
        let src = self
            .peers
            .get(&from)
            .map_or(self.session_local(), |p| p.local);
        if self.config.handshake == Handshake::RdyFirst {
            self.stats.searches_answered_rdy += 1;
            self.send_msg(src, from, Message::P2pRdy(self.did));
        } else {
            self.send_msg(src, from, Message::PunchPkt(self.did));
        }
        if !self.peers.contains_key(&from) {
            self.greet(from);
        }
    }

    /// PUNCH_PKT or P2P_RDY with our DID (docs/protocol.md §7.2).
    fn on_handshake(&mut self, local: SocketAddr, from: SocketAddr, rdy: bool) {
        if let Some(p) = self.peers.get(&from) {
            // Either side receiving P2P_RDY is connected (CS2): answer with ours. A repeated
            // PUNCH_PKT (our P2P_RDY was lost) gets one more; a late echo in a running
            // session gets nothing.
            if rdy || !p.heard {
                self.burst_rdy(from, 1);
            }
            if rdy {
                self.touch(from, false);
            }
            return;
        }
        if !self.greeted.contains(&from) {
            // Not proven to receive us: one small answer (none when full), no session.
            if self.peers.len() < self.config.max_sessions {
                self.send_msg(local, from, Message::P2pRdy(self.did));
            }
            self.greet(from);
            return;
        }
        // It answered ours: open the session and complete the handshake.
        if !self.open(local, from) {
            return;
        }
        if rdy {
            self.burst_rdy(from, 1);
            self.touch(from, false);
            return;
        }
        if self.config.handshake == Handshake::CloseThenRdy {
            self.stats.handshake_closes += 1;
            self.send_msg(local, from, Message::Close);
        }
        self.burst_rdy(from, 4);
    }

    /// Opens a session for `from`, who proved it receives us; false when full (`from` stays
    /// remembered, so that its retries are refused without an answer too).
    fn open(&mut self, local: SocketAddr, from: SocketAddr) -> bool {
        if self.peers.len() >= self.config.max_sessions {
            self.stats.sessions_refused += 1;
            return false;
        }
        self.greeted.remove(&from);
        self.stats.sessions += 1;
        let first = self.config.first_index;
        let peer = Peer::new(from, local, self.now, first, self.config.alive_phase);
        self.peers.insert(from, peer);
        true
    }

    fn burst_rdy(&mut self, to: SocketAddr, n: u8) {
        let local = self
            .peers
            .get(&to)
            .map_or(self.session_local(), |p| p.local);
        self.send_msg(local, to, Message::P2pRdy(self.did));
        if let Some(p) = self.peers.get_mut(&to) {
            p.rdy_left = n.saturating_sub(1);
            p.next_rdy = Some(self.now + Duration::from_millis(10));
        }
    }

    fn touch(&mut self, from: SocketAddr, heard: bool) {
        if let Some(p) = self.peers.get_mut(&from) {
            p.last_rx = self.now;
            p.heard |= heard;
        }
    }

    fn on_session_message(&mut self, from: SocketAddr, msg: Message<'_>) {
        self.touch(from, true);
        let now = self.now;
        let guard = self.config.rto / 4;
        match msg {
            Message::Alive => {
                let local = self.peers[&from].local;
                self.send_msg(local, from, Message::AliveAck);
            }
            Message::Close => {
                self.peers.remove(&from);
            }
            Message::DrwAck { channel, indexes } => {
                if let Some(p) = self.peers.get_mut(&from) {
                    for i in indexes.iter() {
                        p.tx[channel as usize].ack(i, now, guard);
                    }
                }
            }
            Message::Drw {
                channel,
                index,
                data,
            } => {
                let Some(p) = self.peers.get_mut(&from) else {
                    return;
                };
                let held: usize = p.rx.iter().map(|r| r.held_bytes).sum();
                let room = self.config.recv_buffer.saturating_sub(held);
                let ready = match p.rx[channel as usize].accept(index, data, room) {
                    Accept::Ack(ready) => {
                        p.acks.push((channel, index));
                        ready
                    }
                    Accept::Drop => {
                        self.stats.drw_dropped += 1;
                        Vec::new()
                    }
                };
                for chunk in ready {
                    match channel {
                        0 => {
                            // A block may end the session (wrong dialect): stop then.
                            let Some(p) = self.peers.get_mut(&from) else {
                                break;
                            };
                            p.blocks.push(&chunk);
                            let mut blocks = Vec::new();
                            while let Some(b) = p.blocks.next_block() {
                                blocks.push(b);
                            }
                            for b in blocks {
                                if !self.peers.contains_key(&from) {
                                    break;
                                }
                                self.on_any_block(from, b);
                            }
                        }
                        3 => self.on_talk(from, &chunk),
                        _ => {}
                    }
                }
                // Acknowledge before anything the packet caused is sent: clients such as
                // aiopppp expect a command's ACK before its reply.
                self.flush_acks(from);
            }
            Message::Other {
                msg_type: packet::msg::PSR,
                payload,
            } => {
                // Unreliable packets (MSG_PSR, the vendor API's PktSend/PktRecv): the emulator
                // echoes each one back unchanged, so that clients can test their packet path.
                let local = self.peers[&from].local;
                let payload = payload.to_vec();
                self.send_msg(
                    local,
                    from,
                    Message::Other {
                        msg_type: packet::msg::PSR,
                        payload: &payload,
                    },
                );
            }
            _ => {}
        }
        self.transmit(from);
    }

    fn on_talk(&mut self, from: SocketAddr, chunk: &[u8]) {
        let Some(p) = self.peers.get_mut(&from) else {
            return;
        };
        p.talk.push(chunk);
        while let Some(f) = p.talk.next_frame() {
            self.stats.talk_frames += 1;
            let pcm = adpcm::decode(&f.data);
            self.stats.talk_samples += pcm.len() as u64;
            self.stats.talk_energy += pcm.iter().map(|s| s.unsigned_abs() as u64).sum::<u64>();
        }
    }

    fn on_block(&mut self, from: SocketAddr, kind: BlockKind, payload: &[u8]) {
        if kind != BlockKind::Shix {
            // Cameras close on commands of a dialect they do not speak (cam-reverse#51).
            if let Some(p) = self.peers.remove(&from) {
                self.send_msg(p.local, from, Message::Close);
            }
            return;
        }
        let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(payload) else {
            return; // garbage JSON gets no answer, like the real thing
        };
        self.stats.commands += 1;
        let cmd = req.get("cmd").and_then(Value::as_i64).unwrap_or(-1);
        let reply = self.execute(from, cmd, &req);
        self.reply(from, reply);
    }

    fn execute(&mut self, from: SocketAddr, cmd: i64, req: &Map<String, Value>) -> Value {
        let user = req.get("user").and_then(Value::as_str);
        let pwd = req.get("pwd").and_then(Value::as_str);
        let auth = match (user, pwd) {
            (Some(u), Some(p)) if u == self.config.user && p == self.config.password => 0,
            (_, None) => -1,
            _ => -3,
        };
        if cmd == 100 {
            if auth == 0 {
                self.stats.logins_ok += 1;
                return json!({"cmd": 100, "result": 0, "admin": 1, "restrict": 0, "mode": 110,
                    "type": 600, "checkstr": "SHIX", "cloud_key": 3_052_283_891u64});
            }
            self.stats.logins_failed += 1;
            return json!({"cmd": 100, "result": auth});
        }
        if auth != 0 {
            return json!({"cmd": cmd, "result": auth});
        }
        let i = |k: &str| req.get(k).and_then(Value::as_i64);
        match cmd {
            101 => json!({"cmd": 101, "result": 0, "tz": -3, "time": self.device_seconds(),
                "icut": 0, "batValue": 90, "batStatus": 1, "sysver": "PPPP_FAKE_1.0 (pppp emulator)",
                "mcuver": "1.1.1.1", "sensor": "EMU0", "isShow4KMenu": 0, "isShowIcutAuto": 1,
                "rotmir": 0, "signal": 100, "lamp": 1}),
            102 => {
                if i("reboot") == Some(1) {
                    self.reboot_at = Some(self.now + Duration::from_millis(200));
                }
                json!({"cmd": 102, "result": 0})
            }
            111 => {
                let p = self
                    .peers
                    .get_mut(&from)
                    .expect("command from a known peer");
                if let Some(v) = i("video") {
                    p.video = v != 0;
                    p.next_frame = p.video.then_some(self.now);
                }
                if let Some(a) = i("audio") {
                    p.audio = a != 0;
                    p.next_audio = p.audio.then_some(self.now);
                }
                json!({"cmd": 111, "result": 0})
            }
            126 => {
                let answer = if self.config.reply_aliases { 128 } else { 126 };
                json!({"cmd": answer, "result": 0})
            }
            128 => {
                self.stats.ptz_commands += 1;
                self.stats.last_ptz = Some((i("parms").unwrap_or(0), i("value").unwrap_or(0)));
                json!({"cmd": 128, "result": 0})
            }
            107 => {
                json!({"cmd": 107, "result": 0, "pirenable": 0, "pirsensitive": 2, "pirvideo": 0,
                "pirPush": 0, "pirvideotime": 10, "pirDelayTime": 30, "AalarmInterval": 60,
                "pirCloudUpCount": 0})
            }
            112 => json!({"cmd": 112, "result": 0, "wifissid": "pppp-lab", "signal": 100}),
            113 => json!({"cmd": 113, "result": 0, "count": 2,
                "list": [{"ssid": "pppp-lab", "signal": 100, "encryption": 1},
                         {"ssid": "neighbour", "signal": 40, "encryption": 1}]}),
            305 => json!({"cmd": 305, "result": 0, "status": 0}),
            9000 => {
                json!({"cmd": 9000, "result": 0, "flashOrTf": 1, "uploadType": 0, "isExistTf": 0,
                "productName": "pppp-emulator", "fwVer": "1.0", "supportNewUp": 0})
            }
            134 => json!({"cmd": 134, "result": 0, "inputvol": 80, "outputvol": 80}),
            103 => json!({"cmd": 103, "result": 0, "devname": "pppp emulator"}),
            1 | 106 | 108 | 114 | 199 | 300 | 304 => json!({"cmd": cmd, "result": 0}),
            _ => {
                self.stats.unknown_commands += 1;
                json!({"cmd": cmd, "result": -1})
            }
        }
    }

    fn device_seconds(&self) -> u64 {
        self.config.epoch_seconds as u64 + (self.now - self.started).as_secs()
    }

    /// Writes a reply the way cameras do: one block per DRW, pretty-printed with tabs.
    fn reply(&mut self, to: SocketAddr, reply: Value) {
        let text = pretty_tabs(&reply);
        self.reply_block(to, command::encode_shix(SHIX_RESPONSE, text.as_bytes()));
    }

    fn release_replies(&mut self, to: SocketAddr) {
        let (now, skip) = (self.now, self.config.skip_command_index);
        if let Some(p) = self.peers.get_mut(&to) {
            while p.replies.front().is_some_and(|(due, _)| *due <= now) {
                if let Some((_, block)) = p.replies.pop_front() {
                    p.tx[0].queue(&block, skip);
                }
            }
        }
    }

    fn flush_acks(&mut self, to: SocketAddr) {
        let Some(p) = self.peers.get_mut(&to) else {
            return;
        };
        if p.acks.is_empty() {
            return;
        }
        let acks = std::mem::take(&mut p.acks);
        let local = p.local;
        for ch in 0..CHANNELS as u8 {
            let list: Vec<u16> = acks
                .iter()
                .filter(|(c, _)| *c == ch)
                .map(|(_, i)| *i)
                .collect();
            for batch in list.chunks(17) {
                let mut v = Vec::new();
                packet::encode_drw_ack(&mut v, ch, batch);
                self.send_raw(local, to, &v);
            }
        }
        if let Some(p) = self.peers.get_mut(&to) {
            p.last_tx = self.now;
        }
    }

    /// Sends what is due on every channel of `to`: retransmissions, then new packets.
    fn transmit(&mut self, to: SocketAddr) {
        let now = self.now;
        let rto = self.config.rto;
        let Some(p) = self.peers.get_mut(&to) else {
            return;
        };
        let local = p.local;
        let mut out = Vec::new();
        let mut retransmits = 0;
        for (ch, tx) in p.tx.iter_mut().enumerate() {
            for pkt in tx.pkts.iter_mut().take(WINDOW) {
                if pkt.acked {
                    continue;
                }
                let due = match pkt.sent {
                    None => true,
                    Some(s) => s + rto * (1 << pkt.tries.min(3)) <= now,
                };
                if due {
                    if pkt.sent.is_some() {
                        retransmits += 1;
                        pkt.tries += 1;
                    }
                    pkt.sent = Some(now);
                    let mut v = Vec::with_capacity(8 + pkt.data.len());
                    packet::encode_drw(&mut v, ch as u8, pkt.index, &pkt.data);
                    out.push(v);
                }
            }
        }
        self.stats.retransmits += retransmits;
        if !out.is_empty() {
            p.last_tx = now;
        }
        for v in out {
            self.send_raw(local, to, &v);
        }
    }

    /// Advances timers: RDY bursts, keepalive, idle drop, media, retransmission.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        self.deadline = self.next_deadline();
    }

    fn tick(&mut self, now: Instant) {
        self.now = now;
        if let Some(t) = self.offline_until {
            if now < t {
                return;
            }
            self.offline_until = None;
        }
        if self.reboot_at.is_some_and(|t| t <= now) {
            self.reboot();
            return;
        }
        let peers: Vec<SocketAddr> = self.peers.keys().copied().collect();
        for to in peers {
            let Some(p) = self.peers.get(&to) else {
                continue;
            };
            if now >= p.last_rx + self.config.idle_timeout {
                // The CS2 device drops a silent session without a word.
                self.stats.idle_drops += 1;
                self.peers.remove(&to);
                continue;
            }
            let (local, rdy_due, heard) = (p.local, p.next_rdy.is_some_and(|t| t <= now), p.heard);
            if rdy_due {
                self.send_msg(local, to, Message::P2pRdy(self.did));
                let p = self.peers.get_mut(&to).expect("peer exists");
                if p.rdy_left > 0 {
                    p.rdy_left -= 1;
                    p.next_rdy = Some(now + Duration::from_millis(10));
                } else if !heard {
                    // Keep announcing until the controller speaks (about once a second).
                    p.next_rdy = Some(now + Duration::from_secs(1));
                } else {
                    p.next_rdy = None;
                }
            }
            let interval = Duration::from_secs(1) / self.config.fps.max(1);
            while self
                .peers
                .get(&to)
                .and_then(|p| p.next_frame)
                .is_some_and(|t| t <= now)
            {
                self.video_frame(to);
                let p = self.peers.get_mut(&to).expect("peer exists");
                p.next_frame = p.next_frame.map(|t| t + interval);
            }
            if let Some(p) = self.peers.get_mut(&to) {
                if p.next_frame.is_none() {
                    p.last_size = None; // video off: the next stream starts with a key frame
                }
            }
            let audio_interval = self.audio_interval();
            while self
                .peers
                .get(&to)
                .and_then(|p| p.next_audio)
                .is_some_and(|t| t <= now)
            {
                self.audio_frame(to);
                let p = self.peers.get_mut(&to).expect("peer exists");
                p.next_audio = p.next_audio.map(|t| t + audio_interval);
            }
            self.flush_acks(to);
            self.release_replies(to);
            self.transmit(to);
            if let Some(p) = self.peers.get(&to) {
                if now >= p.alive_due(self.config.alive_interval) {
                    self.send_msg(local, to, Message::Alive);
                }
            }
        }
    }

    fn reboot(&mut self) {
        self.stats.reboots += 1;
        self.reboot_at = None;
        let peers: Vec<(SocketAddr, SocketAddr)> =
            self.peers.values().map(|p| (p.addr, p.local)).collect();
        for (to, local) in peers {
            self.send_msg(local, to, Message::Close);
        }
        self.peers.clear();
        self.greeted.clear();
        self.greet_order.clear();
        self.offline_until = Some(self.now + self.config.reboot_time);
    }

    /// The next datagram to send (its `src` names the socket).
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    /// When `handle_timeout` must run next: the earliest of what is due (a frame, a
    /// retransmission, a reply, an ACK, a keepalive, an idle drop, the end of a reboot).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Computes [`FakeCamera::poll_timeout`] (after every input: the camera never wakes
    /// without something to do, so that one process can emulate many cameras).
    fn next_deadline(&self) -> Option<Instant> {
        if let Some(t) = self.offline_until {
            return Some(t);
        }
        let rto = self.config.rto;
        let mut next = self.reboot_at;
        let mut at = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n: Instant| n.min(t)));
            }
        };
        for p in self.peers.values() {
            at(Some(p.last_rx + self.config.idle_timeout));
            at(Some(p.alive_due(self.config.alive_interval)));
            at(p.next_rdy);
            at(p.next_frame);
            at(p.next_audio);
            at(p.replies.front().map(|(due, _)| *due));
            if !p.acks.is_empty() {
                at(Some(self.now));
            }
            for tx in &p.tx {
                for pkt in tx.pkts.iter().take(WINDOW).filter(|p| !p.acked) {
                    at(Some(match pkt.sent {
                        None => self.now,
                        Some(s) => s + rto * (1 << pkt.tries.min(3)),
                    }));
                }
            }
        }
        next
    }
}

/// Pretty-prints a JSON object the way SHIX cameras do: one key per line, a tab after the colon.
fn pretty_tabs(v: &Value) -> String {
    let Value::Object(m) = v else {
        return v.to_string();
    };
    let mut s = String::from("{\n");
    let n = m.len();
    for (i, (k, v)) in m.iter().enumerate() {
        s.push('\t');
        s.push_str(&Value::from(k.as_str()).to_string());
        s.push_str(":\t");
        s.push_str(&v.to_string());
        if i + 1 < n {
            s.push(',');
        }
        s.push('\n');
    }
    s.push('}');
    s
}

impl super::Node for FakeCamera {
    fn addrs(&self) -> Vec<SocketAddr> {
        let a = FakeCamera::addrs(self);
        if a[0] == a[1] {
            vec![a[0]]
        } else {
            a.to_vec()
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl crate::proto::SansIo for FakeCamera {
    fn handle_datagram(&mut self, now: Instant, local: SocketAddr, from: SocketAddr, data: &[u8]) {
        FakeCamera::handle_datagram(self, now, local, from, data)
    }
    fn handle_timeout(&mut self, now: Instant) {
        FakeCamera::handle_timeout(self, now)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        FakeCamera::poll_transmit(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        FakeCamera::poll_timeout(self)
    }
}
