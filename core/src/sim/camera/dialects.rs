//! The fake camera's channel-0 dialects beyond the vi365 SHIX commands of `camera.rs`: the
//! other SHIX families' numbering, the VStarcam CGI dialect and the iLnk binary dialect —
//! written as a device from docs/protocol.md §4.3/§4.4/§8 and the sources cited there, sharing only
//! the codecs with the controller.
//!
//! What the emulator does, per dialect:
//!
//! * **SHIX** (`06 0a`): `camera.rs` answers the vi365 numbers; for another family the number is
//!   mapped to the command name and back. `get_sd` (SHIXAPP) answers `status`/`total`/`free`.
//! * **CGI** (`01 0a`): requests are `GET /name.cgi?…`; the credentials are accepted as
//!   `user`/`pwd` or `loginuse`/`loginpas`. `check_user.cgi` answers code 0x60A0 with
//!   `result=0;` or, for wrong credentials, `result=-1;` (VSC: non-zero = invalid user or
//!   password); any other request with wrong credentials gets `result=-1;` under its code.
//!   `get_status.cgi`, `get_params.cgi`, `get_camera_params.cgi`, `get_record.cgi`,
//!   `wifi_scan.cgi`/`get_wifi_scan_result.cgi` answer `var key=value;` lines;
//!   `livestream.cgi?streamid=10/16` starts/stops video (answer `result=0;` under 0x6037);
//!   `audiostream.cgi?streamid=1/16` starts/stops audio without an answer (no response code is
//!   known for it); `decoder_control.cgi` records PTZ commands and presets (30+2n store,
//!   31+2n recall); `camera_control.cgi` param 5 (flip/mirror) and 14 (IR); `set_wifi.cgi`,
//!   `set_datetime.cgi`, `reboot.cgi`; `snapshot.cgi` answers a JPEG behind code 0x6015 like
//!   Appendix A10. An unknown CGI is answered `result=-1;` under code 0 (undocumented).
//!   `pppp_push.cgi?message=WORD` is the emulator's own test hook, no camera has it: it is
//!   answered `result=0;`, then the camera sends `var message="WORD";` on its own under
//!   [`PUSH_CODE`] (a channel-0 message nobody asked for, as controllers must expect).
//!   Responses carry `00 01` in bytes 6–7, as real ones do.
//! * **iLnk binary** (`11 0a`): the login (0x1020) is answered in the 12-byte form with a
//!   ticket, or with the 4-byte refusal `0e fc ff ff` (docs/protocol.md §4.4); commands without the
//!   session ticket are ignored (what real firmware does is undocumented). Answered with
//!   `cmd + 0x100`: status 0x1008 (124-byte payload shaped like Appendix A16), live video and
//!   audio start/stop, VIDEOPARAM_SET, IR toggle 0x300A, reboot 0x1011, Wi-Fi scan 0x6003 (92-byte
//!   entries, count in the ticket position, like A17), Wi-Fi set 0x6001, and the PTZ passthrough
//!   0x50FF. Other commands get no answer.
//! * **A block of another dialect**: a SHIX camera closes the session (cam-reverse#51); CGI and
//!   binary cameras ignore it (configurable with `CameraConfig::close_on_foreign`).

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::{FakeCamera, Message};
use crate::proto::cgi::{self, CgiValue, ReceivedRequest};
use crate::proto::command::{self, Block, BlockKind};
use crate::proto::dialect::Dialect;
use crate::proto::ilnk::{self, cmd, BinaryBlock};
use crate::proto::shix;

/// Bytes 6–7 of CGI responses (`00 01`, Appendix A10).
const CGI_VERSION: u16 = 0x0100;

/// The response code of the message `pppp_push.cgi` makes the emulated CGI camera send on its
/// own (pppp's choice: no CGI has it).
const PUSH_CODE: u16 = 0x6100;

impl FakeCamera {
    /// Every channel-0 block goes through here: the camera's own dialect is executed, another
    /// dialect closes the session or is ignored.
    pub(super) fn on_any_block(&mut self, from: SocketAddr, b: Block) {
        if !self.peers.contains_key(&from) {
            return; // closed by an earlier block of the same packet
        }
        if b.kind != self.config.dialect {
            self.stats.foreign_blocks += 1;
            let close = self
                .config
                .close_on_foreign
                .unwrap_or(self.config.dialect == Dialect::Shix);
            if close {
                // The device library acknowledges the packet before the application closes.
                self.flush_acks(from);
                let local = self.peers[&from].local;
                self.send_msg(local, from, Message::Close);
                self.peers.remove(&from);
            }
            return;
        }
        match b.kind {
            BlockKind::Shix => self.on_shix_block(from, &b.payload),
            BlockKind::Cgi => self.on_cgi_block(from, &b.payload),
            BlockKind::Binary => self.on_binary_block(from, &b),
        }
    }

    /// Queues a channel-0 reply block (after the reply delay, like every reply); a session
    /// whose send buffer is full gets none.
    pub(super) fn reply_block(&mut self, to: SocketAddr, block: Vec<u8>) {
        let due = self.now + self.config.reply_delay;
        let Some(p) = self.peers.get_mut(&to) else {
            return;
        };
        if p.queued() + block.len() > self.config.send_buffer {
            self.stats.replies_dropped += 1;
            return;
        }
        p.replies.push_back((due, block));
        self.release_replies(to);
    }

    /// Sends arbitrary bytes on channel 0 to controller `to` (for tests of malformed replies).
    /// Returns false when `to` has no session.
    pub fn inject_command_bytes(&mut self, to: SocketAddr, bytes: &[u8]) -> bool {
        let skip = self.config.skip_command_index;
        let Some(p) = self.peers.get_mut(&to) else {
            return false;
        };
        p.tx[0].queue(bytes, skip);
        self.transmit(to);
        true
    }

    fn set_video(&mut self, from: SocketAddr, on: bool) {
        let now = self.now;
        if let Some(p) = self.peers.get_mut(&from) {
            p.video = on;
            p.next_frame = on.then_some(now);
        }
    }

    fn set_audio(&mut self, from: SocketAddr, on: bool) {
        let now = self.now;
        if let Some(p) = self.peers.get_mut(&from) {
            p.audio = on;
            p.next_audio = on.then_some(now);
        }
    }

    fn schedule_reboot(&mut self) {
        self.reboot_at = Some(self.now + Duration::from_millis(200));
    }

    // ---- SHIX ----

    fn on_shix_block(&mut self, from: SocketAddr, payload: &[u8]) {
        let Ok(Value::Object(mut req)) = serde_json::from_slice::<Value>(payload) else {
            self.stats.malformed_requests += 1;
            return; // garbage JSON gets no answer, like the real thing
        };
        let family = self.config.family;
        let cmd = req.get("cmd").and_then(Value::as_i64).unwrap_or(-1);
        let pro = family.pro(cmd);
        self.observe_shix(pro, &req);
        if std::ptr::eq(family, &shix::VI365) {
            self.on_block(from, BlockKind::Shix, payload);
            return;
        }
        // Another family: execute by name with the vi365 implementation, answer in our numbers.
        self.stats.commands += 1;
        let reply = match pro.and_then(|p| shix::VI365.cmd(p)) {
            Some(vi) => {
                req.insert("cmd".into(), Value::from(vi));
                let mut r = self.execute(from, vi, &req);
                if r.get("cmd").and_then(Value::as_i64) == Some(vi) {
                    r["cmd"] = Value::from(cmd);
                }
                r
            }
            None if pro == Some("get_sd") && self.shix_auth(&req) => {
                json!({"cmd": cmd, "result": 0, "status": 1, "total": 30436, "free": 29112})
            }
            None if !self.shix_auth(&req) => json!({"cmd": cmd, "result": -3}),
            None => {
                self.stats.unknown_commands += 1;
                json!({"cmd": cmd, "result": -1})
            }
        };
        self.reply(from, reply);
    }

    fn shix_auth(&self, req: &Map<String, Value>) -> bool {
        req.get("user").and_then(Value::as_str) == Some(self.config.user.as_str())
            && req.get("pwd").and_then(Value::as_str) == Some(self.config.password.as_str())
    }

    /// Records the device state a SHIX request changes (for tests of the typed commands).
    fn observe_shix(&mut self, pro: Option<&str>, req: &Map<String, Value>) {
        if !self.shix_auth(req) {
            return;
        }
        let i = |k: &str| req.get(k).and_then(Value::as_i64);
        let t = |k: &str| req.get(k).and_then(Value::as_str).map(str::to_owned);
        match pro {
            Some("dev_control") => {
                if let Some(v) = i("icut") {
                    self.stats.ir = v != 0;
                }
                if let Some(v) = i("rotmir") {
                    self.stats.flip_mirror = v;
                }
                if let Some(v) = i("lamp") {
                    self.stats.lamp = Some(v != 0);
                }
            }
            Some("set_whiteLight") => {
                if let Some(v) = i("status") {
                    self.stats.white_light = v != 0;
                }
            }
            Some("set_wifi") => {
                if let Some(ssid) = t("wifissid") {
                    self.stats.wifi = Some((ssid, t("wifipwd").unwrap_or_default()));
                }
            }
            Some("set_datetime") => {
                self.stats.clock = i("time").or(i("utc_date_time"));
            }
            _ => {}
        }
    }

    // ---- VStarcam CGI ----

    fn cgi_reply(&mut self, to: SocketAddr, code: u16, text: &str) {
        let block = command::encode_cgi(code, CGI_VERSION, text.as_bytes());
        self.reply_block(to, block);
    }

    fn cgi_fields(&mut self, to: SocketAddr, code: u16, pairs: &[(&str, CgiValue)]) {
        let text = cgi::write_fields(pairs);
        self.cgi_reply(to, code, &text);
    }

    fn on_cgi_block(&mut self, from: SocketAddr, payload: &[u8]) {
        let Some(req) = ReceivedRequest::parse(payload) else {
            self.stats.malformed_requests += 1;
            return;
        };
        self.stats.commands += 1;
        self.stats.last_cgi = Some(req.name.clone());
        let (user, pwd) = (self.config.user.clone(), self.config.password.clone());
        let matches = |u: &str, p: &str| req.get(u) == Some(&user) && req.get(p) == Some(&pwd);
        let auth = matches("user", "pwd") || matches("loginuse", "loginpas");
        let code = cgi::response_code(&req.name).unwrap_or(0);
        if req.name == "check_user" {
            if auth {
                self.stats.logins_ok += 1;
                self.cgi_reply(from, code, "result=0;\r\nvar current_users=1;\r\n");
            } else {
                self.stats.logins_failed += 1;
                self.cgi_reply(from, code, "result=-1;\r\n");
            }
            return;
        }
        if !auth {
            if req.name != "audiostream" {
                self.cgi_reply(from, code, "result=-1;\r\n");
            }
            return;
        }
        let s = |v: &str| CgiValue::Text(v.to_owned());
        let n = |v: i64| CgiValue::Bare(v.to_string());
        match req.name.as_str() {
            "get_status" => {
                let uid = self.config.uid.to_string();
                let now = self.device_seconds() as i64;
                self.cgi_fields(
                    from,
                    code,
                    &[
                        ("alias", s("pppp emulator")),
                        ("deviceid", s(&uid)),
                        ("sys_ver", s("48.53.64.1 (pppp emulator)")),
                        ("app_version", s("1.0.0.1 (pppp emulator)")),
                        ("oem_id", s("pppp")),
                        ("now", n(now)),
                        ("tz", n(-3600)),
                        ("alarm_status", n(0)),
                        ("upnp_status", n(1)),
                        ("dnsenable", n(0)),
                        ("osdenable", n(1)),
                        ("mac", s("00:b9:c0:00:a9:b3")),
                        ("wifimac", s("00:13:2b:13:00:61")),
                        ("dns_status", n(0)),
                        ("sdstatus", n(1)),
                        ("sdtotal", n(30436)),
                        ("sdlevel", n(29112)),
                    ],
                );
            }
            "get_params" => {
                let ssid = self
                    .stats
                    .wifi
                    .as_ref()
                    .map_or("pppp-lab", |w| w.0.as_str());
                let ssid = ssid.to_owned();
                self.cgi_fields(
                    from,
                    code,
                    &[
                        ("dhcpen", n(1)),
                        ("ip", s("192.168.1.234")),
                        ("mask", s("255.255.255.0")),
                        ("gateway", s("192.168.1.1")),
                        ("dns1", s("8.8.8.8")),
                        ("dns2", s("8.8.4.4")),
                        ("port", n(81)),
                        ("tz", n(-3600)),
                        ("ntp_enable", n(0)),
                        ("ntp_svr", s("")),
                        ("wifi_enable", n(1)),
                        ("wifi_ssid", s(&ssid)),
                    ],
                );
            }
            "get_camera_params" => {
                let (flip, ir) = (self.stats.flip_mirror, self.stats.ir as i64);
                self.cgi_fields(
                    from,
                    code,
                    &[
                        ("resolution", n(0)),
                        ("vbright", n(0)),
                        ("vcontrast", n(128)),
                        ("vhue", n(0)),
                        ("vsaturation", n(0)),
                        ("OSDEnable", n(1)),
                        ("mode", n(0)),
                        ("flip", n(flip)),
                        ("ircut", n(ir)),
                        ("enc_framerate", n(self.config.fps as i64)),
                        ("sub_enc_framerate", n(15)),
                    ],
                );
            }
            "get_record" => self.cgi_fields(
                from,
                code,
                &[
                    ("record_cover_enable", n(1)),
                    ("record_timer", n(15)),
                    ("record_size", n(0)),
                    ("record_time_enable", n(0)),
                    ("record_sd_status", n(1)),
                    ("sdtotal", n(30436)),
                    ("sdfree", n(29112)),
                ],
            ),
            "wifi_scan" | "get_wifi_scan_result" => {
                let text = "var ap_number=2;\r\nvar ap_ssid=new Array();\r\nvar ap_mac=new Array();\r\n\
                    ap_ssid[0] =\"pppp-lab\";\r\nap_mac[0]=\"EC:88:8F:73:44:44\";\r\nap_security[0]=4;\r\n\
                    ap_dbm0[0]='100';\r\nap_dbm1[0]='100';\r\nap_mode[0]=0;\r\nap_channel[0]=6;\r\n\
                    ap_ssid[1] =\"neighbour\";\r\nap_mac[1]=\"38:83:45:5F:8D:7C\";\r\nap_security[1]=4;\r\n\
                    ap_dbm0[1]='40';\r\nap_dbm1[1]='100';\r\nap_mode[1]=0;\r\nap_channel[1]=11;\r\n";
                self.cgi_reply(from, code, text);
            }
            "livestream" => match req.int("streamid") {
                // 10: the live stream of the SDK's apps; 0-15: the vendor stream ids
                // (main/sub H.264, MJPEG sub stream, ...), all served by the one stream here.
                Some(0..=15) => {
                    self.set_video(from, true);
                    self.cgi_reply(from, code, "result=0;\r\n");
                }
                Some(16) => {
                    self.set_video(from, false);
                    self.cgi_reply(from, code, "result=0;\r\n");
                }
                _ => self.cgi_reply(from, code, "result=-1;\r\n"),
            },
            "audiostream" => match req.int("streamid") {
                Some(16) => self.set_audio(from, false),
                Some(_) => self.set_audio(from, true),
                None => {}
            },
            "decoder_control" => {
                let Some(c) = req.int("command") else {
                    return self.cgi_reply(from, code, "result=-1;\r\n");
                };
                self.stats.last_ptz_command = Some(c);
                self.stats.ptz_commands += 1;
                if (30..=61).contains(&c) {
                    let preset = ((c - 30) / 2) as u8;
                    if c % 2 == 0 {
                        self.stats.preset_stored = Some(preset);
                    } else {
                        self.stats.preset_recalled = Some(preset);
                    }
                }
                self.cgi_reply(from, code, "result=0;\r\n");
            }
            "camera_control" => match (req.int("param"), req.int("value")) {
                (Some(5), Some(v @ 0..=3)) => {
                    self.stats.flip_mirror = v;
                    self.cgi_reply(from, code, "result=0;\r\n");
                }
                (Some(14), Some(v @ 0..=1)) => {
                    self.stats.ir = v == 1;
                    self.cgi_reply(from, code, "result=0;\r\n");
                }
                (Some(_), Some(_)) => self.cgi_reply(from, code, "result=0;\r\n"),
                _ => self.cgi_reply(from, code, "result=-1;\r\n"),
            },
            "set_wifi" => match req.get("ssid") {
                Some(ssid) if !ssid.is_empty() => {
                    let key = req.get("wpa_psk").unwrap_or("").to_owned();
                    self.stats.wifi = Some((ssid.to_owned(), key));
                    self.cgi_reply(from, code, "result=0;\r\n");
                }
                _ => self.cgi_reply(from, code, "result=-1;\r\n"),
            },
            "set_datetime" => {
                if let Some(now) = req.int("now") {
                    self.stats.clock = Some(now);
                }
                self.cgi_reply(from, code, "result=0;\r\n");
            }
            "reboot" => {
                self.cgi_reply(from, code, "result=0;\r\n");
                self.schedule_reboot();
            }
            "pppp_push" => {
                let word: String = req
                    .get("message")
                    .unwrap_or("hello")
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(64)
                    .collect();
                self.cgi_reply(from, code, "result=0;\r\n");
                let text = format!("var message=\"{word}\";\r\n");
                self.cgi_reply(from, PUSH_CODE, &text);
            }
            "snapshot" => {
                let jpeg = super::jpeg::frame(
                    self.frame_counter as u64,
                    self.config.width,
                    self.config.height,
                    self.config.quality,
                );
                if jpeg.len() <= u16::MAX as usize {
                    let block = command::encode_cgi(code, CGI_VERSION, &jpeg);
                    self.reply_block(from, block);
                } else {
                    self.cgi_reply(from, code, "result=-1;\r\n");
                }
            }
            _ => {
                self.stats.unknown_commands += 1;
                self.cgi_reply(from, code, "result=-1;\r\n");
            }
        }
    }

    // ---- iLnk binary ----

    fn binary_reply(&mut self, to: SocketAddr, cmd: u16, ticket: [u8; 4], payload: &[u8]) {
        match ilnk::encode_command(ilnk::ack(cmd), 0, ticket, payload) {
            Ok(block) => self.reply_block(to, block),
            Err(e) => tracing::warn!("emulator reply not encodable: {e}"),
        }
    }

    fn on_binary_block(&mut self, from: SocketAddr, b: &Block) {
        let Ok(bb) = BinaryBlock::decode(b) else {
            self.stats.malformed_requests += 1;
            return;
        };
        self.stats.commands += 1;
        self.stats.last_binary = Some(bb.cmd);
        if bb.cmd == cmd::USER_CHK {
            let ok = bb.payload.len() >= 160 && {
                let field = |f: &[u8]| {
                    let end = f.iter().position(|&c| c == 0).unwrap_or(f.len());
                    f[..end].to_vec()
                };
                field(&bb.payload[..32]) == self.config.user.as_bytes()
                    && field(&bb.payload[32..160]) == self.config.password.as_bytes()
            };
            let reply = if ok {
                self.stats.logins_ok += 1;
                // The ticket of the real reply (A18), varied per session.
                let mut t = [0x35, 0x55, 0x62, 0x4c];
                t[3] ^= (self.stats.sessions & 0xff) as u8;
                if let Some(p) = self.peers.get_mut(&from) {
                    p.ticket = Some(t);
                }
                ilnk::encode_login_reply(Some(t))
            } else {
                self.stats.logins_failed += 1;
                ilnk::encode_login_reply(None)
            };
            self.reply_block(from, reply);
            return;
        }
        let ticket = self.peers.get(&from).and_then(|p| p.ticket);
        if ticket.is_none() || ticket != Some(bb.ticket) {
            self.stats.unauthorised += 1;
            return;
        }
        let zero = [0u8; 4];
        match bb.cmd {
            cmd::STATUS_GET => {
                let status = self.binary_status();
                self.binary_reply(from, bb.cmd, zero, &status);
            }
            cmd::LIVEVIDEO_START | cmd::LIVEVIDEO_STOP => {
                self.set_video(from, bb.cmd == cmd::LIVEVIDEO_START);
                self.binary_reply(from, bb.cmd, zero, &[]);
            }
            cmd::LIVEAUDIO_START | cmd::LIVEAUDIO_STOP => {
                self.set_audio(from, bb.cmd == cmd::LIVEAUDIO_START);
                self.binary_reply(from, bb.cmd, zero, &[]);
            }
            cmd::VIDEOPARAM_SET => {
                if bb.payload.len() >= 8 {
                    let param = u32::from_le_bytes([
                        bb.payload[0],
                        bb.payload[1],
                        bb.payload[2],
                        bb.payload[3],
                    ]);
                    let value = u32::from_le_bytes([
                        bb.payload[4],
                        bb.payload[5],
                        bb.payload[6],
                        bb.payload[7],
                    ]);
                    match param {
                        ilnk::VIDEO_PARAM_RESOLUTION => self.stats.binary_resolution = Some(value),
                        // VIDEO_PARAM_TYPE_ROTATE: H (mirror) 1, V (flip) 2, HV 3.
                        8 => {
                            self.stats.flip_mirror = match value {
                                1 => 2,
                                2 => 1,
                                v => v as i64,
                            }
                        }
                        _ => {}
                    }
                }
                self.binary_reply(from, bb.cmd, zero, &[]);
            }
            cmd::IRCUT_ONOFF => {
                self.stats.ir = !self.stats.ir;
                self.binary_reply(from, bb.cmd, zero, &[]);
            }
            cmd::REBOOT => {
                self.binary_reply(from, bb.cmd, zero, &[]);
                self.schedule_reboot();
            }
            cmd::WIFI_SCAN => {
                let mut payload = Vec::new();
                payload.extend_from_slice(&ilnk::wifi_entry(
                    "pppp-lab",
                    [0xa6, 0x40, 0xa0, 0x59, 0x23, 0xa0],
                    -48,
                    6,
                ));
                payload.extend_from_slice(&ilnk::wifi_entry(
                    "neighbour",
                    [0x92, 0x3b, 0xad, 0x0a, 0x52, 0x31],
                    -77,
                    11,
                ));
                self.binary_reply(from, bb.cmd, 2u32.to_le_bytes(), &payload);
            }
            cmd::WIFI_SET => match ilnk::parse_wifi_settings(&bb.payload) {
                Some(w) => {
                    self.stats.wifi = Some(w);
                    self.binary_reply(from, bb.cmd, zero, &[]);
                }
                None => self.stats.malformed_requests += 1,
            },
            cmd::PASSTHROUGH_STRING_PUT => match ilnk::parse_ptz_passthrough(&bb.payload) {
                Some((cmd::PTZ_SET, 0, dir)) => {
                    self.stats.last_ptz_command = Some(dir as i64);
                    self.stats.ptz_commands += 1;
                    self.binary_reply(from, bb.cmd, zero, &[]);
                }
                _ => self.stats.malformed_requests += 1,
            },
            _ => self.stats.unknown_commands += 1,
        }
    }

    /// A 124-byte status payload shaped like the real one (Appendix A16): firmware 1.0.2.53,
    /// battery 3900 mV, signal −60 dBm, charging, and the device name at 24.
    fn binary_status(&self) -> Vec<u8> {
        let mut p = vec![0u8; 124];
        p[..4].copy_from_slice(&[0x35, 0x02, 0x00, 0x01]);
        p[4..6].copy_from_slice(&3900u16.to_le_bytes());
        p[12..16].copy_from_slice(&(-1i32).to_le_bytes());
        p[16..20].copy_from_slice(&(-60i32).to_le_bytes());
        p[20..24].copy_from_slice(&1u32.to_le_bytes());
        let name = b"pppp emulator";
        p[24..24 + name.len()].copy_from_slice(name);
        p[93] = self.stats.ir as u8;
        p
    }
}
