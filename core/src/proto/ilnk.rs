//! The iLnk binary dialect of channel 0 (docs/protocol.md §4.4, §8.4; Appendix A11–A18).
//!
//! Block = `11 0a · cmd u16 LE · len u16 LE (= 4 + payload) · dest u16 · ticket[4] · payload`.
//! A non-empty payload is "XqBytes"-obfuscated: every byte has its lowest bit flipped and the
//! buffer is rotated by 4 bytes (left when encoding, right when decoding; a payload of 4 bytes or
//! less is only bit-flipped — AIO `xq_bytes_encode`, CR `XqBytesEnc`). The ticket is zero until
//! the login reply supplies one; every later command carries it. A reply's command is the
//! request's plus 0x100 (`ACK_*`, AIO `BinaryCommands`).
//!
//! Login (0x1020, dest `ff 00`): the payload is the user name in a 32-byte NUL-padded field and
//! the password in a 128-byte field. The reply (0x1120) in its 12-byte form carries a payload
//! that decodes to `ff 00 00 00` followed by the ticket (accepted); the 4-byte form (`0e fc ff
//! ff`, i32 −1010) is a refusal code (docs/protocol.md §4.4 and §10 item 15 — AIO labels the two the
//! other way round, a real reply quoted by CR settles it).

use serde_json::{Map, Value};

use crate::proto::command::{Block, BlockKind, HEADER_LEN};

/// Start code of binary blocks.
pub const START: [u8; 2] = [0x11, 0x0a];

/// Encodes a binary block: `11 0a · cmd · u16 length · dest · ticket · payload` (the payload
/// already XqBytes-encoded; the length counts ticket and payload).
pub fn encode_block(cmd: u16, dest: u16, ticket: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let len = (4 + payload.len()).min(u16::MAX as usize);
    let mut v = Vec::with_capacity(HEADER_LEN + len);
    v.extend_from_slice(&START);
    v.extend_from_slice(&cmd.to_le_bytes());
    v.extend_from_slice(&(len as u16).to_le_bytes());
    v.extend_from_slice(&dest.to_le_bytes());
    v.extend_from_slice(&ticket);
    v.extend_from_slice(&payload[..len - 4]);
    v
}

/// XqBytes rotation used by every known implementation.
pub const ROTATION: usize = 4;

/// Destination field (`dest`, u16 LE) of the login request: bytes `ff 00`.
pub const LOGIN_DEST: u16 = 0x00ff;

/// The reply (`ACK_*`) number of command `cmd`.
pub fn ack(cmd: u16) -> u16 {
    cmd.wrapping_add(0x100)
}

/// Command numbers (AIO `const.BinaryCommands`, CR `datatypes.ControlCommands`).
pub mod cmd {
    /// CMD_SYSTEM_STATUS_GET.
    pub const STATUS_GET: u16 = 0x1008;
    /// CMD_SYSTEM_SHUTDOWN.
    pub const SHUTDOWN: u16 = 0x1010;
    /// CMD_SYSTEM_REBOOT.
    pub const REBOOT: u16 = 0x1011;
    /// CMD_SYSTEM_USER_CHK (login).
    pub const USER_CHK: u16 = 0x1020;
    /// CMD_SYSTEM_DATETIME_SET.
    pub const DATETIME_SET: u16 = 0x1040;
    /// CMD_SYSTEM_DATETIME_GET.
    pub const DATETIME_GET: u16 = 0x1041;
    /// CMD_SD_INFO_GET.
    pub const SD_INFO_GET: u16 = 0x2004;
    /// CMD_PEER_LIVEAUDIO_START.
    pub const LIVEAUDIO_START: u16 = 0x3000;
    /// CMD_PEER_LIVEAUDIO_STOP.
    pub const LIVEAUDIO_STOP: u16 = 0x3001;
    /// CMD_PEER_IRCUT_ONOFF (toggles the IR cut filter; no payload).
    pub const IRCUT_ONOFF: u16 = 0x300a;
    /// CMD_PEER_LIGHTFILL_ONOFF.
    pub const LIGHTFILL_ONOFF: u16 = 0x300b;
    /// CMD_PEER_LIVEVIDEO_START.
    pub const LIVEVIDEO_START: u16 = 0x3010;
    /// CMD_PEER_LIVEVIDEO_STOP.
    pub const LIVEVIDEO_STOP: u16 = 0x3011;
    /// CMD_PEER_VIDEOPARAM_SET (payload `u32 LE param, u32 LE value`).
    pub const VIDEOPARAM_SET: u16 = 0x3018;
    /// CMD_PEER_VIDEOPARAM_GET.
    pub const VIDEOPARAM_GET: u16 = 0x3019;
    /// CMD_SNAPSHOT_GET.
    pub const SNAPSHOT_GET: u16 = 0x301a;
    /// CMD_PTZ_SET (sent wrapped in [`PASSTHROUGH_STRING_PUT`]).
    pub const PTZ_SET: u16 = 0x5049;
    /// CMD_PASSTHROUGH_STRING_PUT.
    pub const PASSTHROUGH_STRING_PUT: u16 = 0x50ff;
    /// CMD_NET_WIFISETTING_SET.
    pub const WIFI_SET: u16 = 0x6001;
    /// CMD_NET_WIFISETTING_GET.
    pub const WIFI_GET: u16 = 0x6002;
    /// CMD_NET_WIFI_SCAN.
    pub const WIFI_SCAN: u16 = 0x6003;
}

/// `(number, name)` of the commands and replies pppp knows by name.
pub const NAMES: &[(u16, &str)] = &[
    (cmd::STATUS_GET, "CMD_SYSTEM_STATUS_GET"),
    (0x1108, "ACK_SYSTEM_STATUS_GET"),
    (cmd::SHUTDOWN, "CMD_SYSTEM_SHUTDOWN"),
    (0x1110, "ACK_SYSTEM_SHUTDOWN"),
    (cmd::REBOOT, "CMD_SYSTEM_REBOOT"),
    (0x1111, "ACK_SYSTEM_REBOOT"),
    (cmd::USER_CHK, "CMD_SYSTEM_USER_CHK"),
    (0x1120, "ACK_SYSTEM_USER_CHK"),
    (cmd::DATETIME_SET, "CMD_SYSTEM_DATETIME_SET"),
    (0x1140, "ACK_SYSTEM_DATETIME_SET"),
    (cmd::DATETIME_GET, "CMD_SYSTEM_DATETIME_GET"),
    (0x1141, "ACK_SYSTEM_DATETIME_GET"),
    (cmd::SD_INFO_GET, "CMD_SD_INFO_GET"),
    (0x2104, "ACK_SD_INFO_GET"),
    (cmd::LIVEAUDIO_START, "CMD_PEER_LIVEAUDIO_START"),
    (0x3100, "ACK_PEER_LIVEAUDIO_START"),
    (cmd::LIVEAUDIO_STOP, "CMD_PEER_LIVEAUDIO_STOP"),
    (0x3101, "ACK_PEER_LIVEAUDIO_STOP"),
    (cmd::IRCUT_ONOFF, "CMD_PEER_IRCUT_ONOFF"),
    (0x310a, "ACK_PEER_IRCUT_ONOFF"),
    (cmd::LIGHTFILL_ONOFF, "CMD_PEER_LIGHTFILL_ONOFF"),
    (0x310b, "ACK_PEER_LIGHTFILL_ONOFF"),
    (cmd::LIVEVIDEO_START, "CMD_PEER_LIVEVIDEO_START"),
    (0x3110, "ACK_PEER_LIVEVIDEO_START"),
    (cmd::LIVEVIDEO_STOP, "CMD_PEER_LIVEVIDEO_STOP"),
    (0x3111, "ACK_PEER_LIVEVIDEO_STOP"),
    (cmd::VIDEOPARAM_SET, "CMD_PEER_VIDEOPARAM_SET"),
    (0x3118, "ACK_PEER_VIDEOPARAM_SET"),
    (cmd::VIDEOPARAM_GET, "CMD_PEER_VIDEOPARAM_GET"),
    (0x3119, "ACK_PEER_VIDEOPARAM_GET"),
    (cmd::SNAPSHOT_GET, "CMD_SNAPSHOT_GET"),
    (0x311a, "ACK_SNAPSHOT_GET"),
    (cmd::PTZ_SET, "CMD_PTZ_SET"),
    (0x5149, "ACK_PTZ_SET"),
    (cmd::PASSTHROUGH_STRING_PUT, "CMD_PASSTHROUGH_STRING_PUT"),
    (0x51ff, "ACK_PASSTHROUGH_STRING_PUT"),
    (cmd::WIFI_SET, "CMD_NET_WIFISETTING_SET"),
    (0x6101, "ACK_NET_WIFISETTING_SET"),
    (cmd::WIFI_GET, "CMD_NET_WIFISETTING_GET"),
    (0x6102, "ACK_NET_WIFISETTING_GET"),
    (cmd::WIFI_SCAN, "CMD_NET_WIFI_SCAN"),
    (0x6103, "ACK_NET_WIFI_SCAN"),
];

/// The name of command or reply `n`, if known.
pub fn name(n: u16) -> Option<&'static str> {
    NAMES.iter().find(|(c, _)| *c == n).map(|(_, s)| *s)
}

/// XqBytes encode: flip the lowest bit of every byte, then rotate left by `rotation` (only when
/// the buffer is longer than `rotation`).
pub fn xq_encode(data: &[u8], rotation: usize) -> Vec<u8> {
    let mut v: Vec<u8> = data.iter().map(|b| b ^ 1).collect();
    if v.len() > rotation {
        v.rotate_left(rotation);
    }
    v
}

/// XqBytes decode: flip the lowest bit of every byte, then rotate right by `rotation` (only
/// when the buffer is longer than `rotation`).
pub fn xq_decode(data: &[u8], rotation: usize) -> Vec<u8> {
    let mut v: Vec<u8> = data.iter().map(|b| b ^ 1).collect();
    if v.len() > rotation {
        v.rotate_right(rotation);
    }
    v
}

/// Why a binary block or request is unusable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IlnkError {
    /// The block is shorter than its 4-byte ticket field.
    #[error("binary block too short ({0} bytes; at least the 4-byte ticket is needed)")]
    Short(usize),
    /// The block is not an `11 0a` block.
    #[error("not an iLnk binary block")]
    NotBinary,
    /// A login field does not fit.
    #[error("the {field} is {len} bytes long; the login has room for {max}")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// Room in the field.
        max: usize,
    },
    /// The payload does not fit a block.
    #[error("the payload is {0} bytes long; at most 65531 fit in a block")]
    PayloadTooLong(usize),
}

/// Encodes a command block: the payload is XqBytes-encoded when not empty.
pub fn encode_command(
    cmd: u16,
    dest: u16,
    ticket: [u8; 4],
    payload: &[u8],
) -> Result<Vec<u8>, IlnkError> {
    if payload.len() > u16::MAX as usize - 4 {
        return Err(IlnkError::PayloadTooLong(payload.len()));
    }
    let coded = if payload.is_empty() {
        Vec::new()
    } else {
        xq_encode(payload, ROTATION)
    };
    Ok(encode_block(cmd, dest, ticket, &coded))
}

/// The bytes of `text` for a fixed field of `max` bytes named `field`; [`IlnkError::TooLong`]
/// when they do not fit.
fn field_bytes<'a>(field: &'static str, text: &'a str, max: usize) -> Result<&'a [u8], IlnkError> {
    let b = text.as_bytes();
    if b.len() > max {
        return Err(IlnkError::TooLong {
            field,
            len: b.len(),
            max,
        });
    }
    Ok(b)
}

/// The 160-byte login payload: user (32-byte field) and password (128-byte field), NUL-padded.
pub fn login_payload(user: &str, password: &str) -> Result<Vec<u8>, IlnkError> {
    let u = field_bytes("user name", user, 32)?;
    let p = field_bytes("password", password, 128)?;
    let mut v = vec![0u8; 160];
    v[..u.len()].copy_from_slice(u);
    v[32..32 + p.len()].copy_from_slice(p);
    Ok(v)
}

/// The login block (Appendix A13 for admin/admin).
pub fn encode_login(user: &str, password: &str) -> Result<Vec<u8>, IlnkError> {
    encode_command(
        cmd::USER_CHK,
        LOGIN_DEST,
        [0; 4],
        &login_payload(user, password)?,
    )
}

/// A decoded binary block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryBlock {
    /// Command or reply number.
    pub cmd: u16,
    /// Destination field.
    pub dest: u16,
    /// The 4 bytes of the ticket position (a ticket, or a count in Wi-Fi scan replies).
    pub ticket: [u8; 4],
    /// The payload after XqBytes decoding.
    pub payload: Vec<u8>,
}

impl BinaryBlock {
    /// Decodes a channel-0 block of kind [`BlockKind::Binary`].
    pub fn decode(block: &Block) -> Result<BinaryBlock, IlnkError> {
        if block.kind != BlockKind::Binary {
            return Err(IlnkError::NotBinary);
        }
        let p = &block.payload;
        if p.len() < 4 {
            return Err(IlnkError::Short(p.len()));
        }
        Ok(BinaryBlock {
            cmd: block.cmd,
            dest: block.aux,
            ticket: [p[0], p[1], p[2], p[3]],
            payload: if p.len() > 4 {
                xq_decode(&p[4..], ROTATION)
            } else {
                Vec::new()
            },
        })
    }

    /// Encodes this block (payload XqBytes-encoded).
    pub fn encode(&self) -> Result<Vec<u8>, IlnkError> {
        encode_command(self.cmd, self.dest, self.ticket, &self.payload)
    }

    /// The ticket field as a little-endian u32 (the entry count of Wi-Fi scan replies).
    pub fn ticket_u32(&self) -> u32 {
        u32::from_le_bytes(self.ticket)
    }

    /// The JSON form the controller reports:
    /// `{"dialect":"binary","cmd":4360,"cmd_hex":"0x1108","name":"ACK_SYSTEM_STATUS_GET","dest":0,"ticket":"00000000","payload_hex":"…"}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("dialect".into(), Value::from("binary"));
        m.insert("cmd".into(), Value::from(self.cmd));
        m.insert("cmd_hex".into(), Value::from(format!("0x{:04x}", self.cmd)));
        if let Some(n) = name(self.cmd) {
            m.insert("name".into(), Value::from(n));
        }
        m.insert("dest".into(), Value::from(self.dest));
        m.insert(
            "ticket".into(),
            Value::from(crate::proto::cgi::hex_string(&self.ticket)),
        );
        m.insert(
            "payload_hex".into(),
            Value::from(crate::proto::cgi::hex_string(&self.payload)),
        );
        if self.cmd == ack(cmd::STATUS_GET) {
            if let Some(s) = DeviceStatus::parse(&self.payload) {
                m.insert(
                    "status".into(),
                    serde_json::json!({"firmware": s.firmware, "battery_mv": s.battery_mv,
                        "signal_dbm": s.signal_dbm, "charging": s.charging}),
                );
            }
        }
        if self.cmd == ack(cmd::WIFI_SCAN) {
            let list: Vec<Value> = parse_wifi_scan(self)
                .into_iter()
                .map(|e| {
                    serde_json::json!({"ssid": e.ssid, "mac": e.mac, "security": e.security,
                        "dbm0": e.dbm0, "dbm1": e.dbm1, "mode": e.mode, "channel": e.channel})
                })
                .collect();
            m.insert("networks".into(), Value::Array(list));
        }
        Value::Object(m)
    }
}

/// The outcome of a login reply (ACK_SYSTEM_USER_CHK).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginReply {
    /// Accepted; later commands carry this ticket.
    Accepted {
        /// The session ticket.
        ticket: [u8; 4],
    },
    /// Refused with this code (never 0).
    Refused {
        /// The camera's code (−1010 for the 4-byte form `0e fc ff ff`).
        code: i64,
    },
}

impl LoginReply {
    /// Reads a login reply: a decoded payload starting `ff 00 00 00` with a ticket after it
    /// is an acceptance; anything else a refusal.
    pub fn parse(b: &BinaryBlock) -> LoginReply {
        let p = &b.payload;
        if p.len() >= 8 && p[..4] == [0xff, 0, 0, 0] {
            return LoginReply::Accepted {
                ticket: [p[4], p[5], p[6], p[7]],
            };
        }
        let raw = if p.len() >= 4 {
            i32::from_le_bytes([p[0], p[1], p[2], p[3]])
        } else {
            i32::from_le_bytes(b.ticket)
        };
        LoginReply::Refused {
            code: if raw == 0 { -1 } else { raw as i64 },
        }
    }
}

/// The login reply a camera sends: the 12-byte form with `ticket` (accepted) or the 4-byte
/// refusal `0e fc ff ff` (Appendix A14/A18).
pub fn encode_login_reply(ticket: Option<[u8; 4]>) -> Vec<u8> {
    match ticket {
        Some(t) => {
            let mut p = vec![0xff, 0, 0, 0];
            p.extend_from_slice(&t);
            encode_block(
                ack(cmd::USER_CHK),
                LOGIN_DEST,
                [0; 4],
                &xq_encode(&p, ROTATION),
            )
        }
        None => encode_block(
            ack(cmd::USER_CHK),
            LOGIN_DEST,
            (-1010i32).to_le_bytes(),
            &[],
        ),
    }
}

/// Fields of the status reply (ACK_SYSTEM_STATUS_GET) at the offsets cam-reverse reads
/// (`parseDevStatusAck`, on the decoded payload); their meaning is single-source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceStatus {
    /// Firmware version from bytes 0–3 (u32 LE, printed most significant byte first).
    pub firmware: String,
    /// Battery voltage in millivolts (bytes 4–5).
    pub battery_mv: u16,
    /// Wi-Fi signal in dBm (bytes 16–19, i32 LE).
    pub signal_dbm: i32,
    /// Charging (bit 0 of bytes 20–23).
    pub charging: bool,
}

impl DeviceStatus {
    /// Reads the decoded status payload; `None` when it is shorter than 24 bytes.
    pub fn parse(p: &[u8]) -> Option<DeviceStatus> {
        if p.len() < 24 {
            return None;
        }
        let v = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
        Some(DeviceStatus {
            firmware: format!(
                "{}.{}.{}.{}",
                v >> 24,
                (v >> 16) & 255,
                (v >> 8) & 255,
                v & 255
            ),
            battery_mv: u16::from_le_bytes([p[4], p[5]]),
            signal_dbm: i32::from_le_bytes([p[16], p[17], p[18], p[19]]),
            charging: u32::from_le_bytes([p[20], p[21], p[22], p[23]]) & 1 == 1,
        })
    }
}

/// Size of one Wi-Fi scan entry (Appendix A17).
pub const WIFI_ENTRY: usize = 92;

/// One entry of a Wi-Fi scan reply: a 64-byte SSID, the MAC at 0x40 (6 raw bytes on one
/// firmware, ASCII text on another), then u32 LE security (0x48), dbm0 (0x4c), dbm1 (0x50),
/// mode (0x54) and channel (0x58) (CR `parseListWifi`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WifiEntry {
    /// Network name.
    pub ssid: String,
    /// MAC address (`aa:bb:…` from raw bytes, or the text the firmware wrote).
    pub mac: String,
    /// Security type code.
    pub security: u32,
    /// Signal field 0 (signed).
    pub dbm0: i32,
    /// Signal field 1.
    pub dbm1: i32,
    /// Mode code.
    pub mode: u32,
    /// Channel.
    pub channel: u32,
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads a Wi-Fi scan reply: `count` (the ticket field) entries of 92 bytes, as many as the
/// payload holds.
pub fn parse_wifi_scan(b: &BinaryBlock) -> Vec<WifiEntry> {
    let count = b.ticket_u32() as usize;
    b.payload
        .chunks_exact(WIFI_ENTRY)
        .take(count)
        .map(|e| {
            let mac_raw = &e[0x40..0x48];
            let text = mac_raw.iter().take_while(|&&c| c != 0).count() >= 6
                && mac_raw
                    .iter()
                    .take_while(|&&c| c != 0)
                    .all(|c| c.is_ascii_graphic());
            let mac = if text {
                cstr(mac_raw)
            } else {
                mac_raw[..6]
                    .iter()
                    .map(|x| format!("{x:02x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            };
            WifiEntry {
                ssid: cstr(&e[..0x40]),
                mac,
                security: u32_at(e, 0x48),
                dbm0: u32_at(e, 0x4c) as i32,
                dbm1: u32_at(e, 0x50) as i32,
                mode: u32_at(e, 0x54),
                channel: u32_at(e, 0x58),
            }
        })
        .collect()
}

/// Writes one Wi-Fi scan entry (used by the emulator).
pub fn wifi_entry(ssid: &str, mac: [u8; 6], dbm0: i32, channel: u32) -> [u8; WIFI_ENTRY] {
    let mut e = [0u8; WIFI_ENTRY];
    let s = ssid.as_bytes();
    let n = s.len().min(63);
    e[..n].copy_from_slice(&s[..n]);
    e[0x40..0x46].copy_from_slice(&mac);
    e[0x4c..0x50].copy_from_slice(&dbm0.to_le_bytes());
    e[0x50..0x54].copy_from_slice(&100u32.to_le_bytes());
    e[0x58..0x5c].copy_from_slice(&channel.to_le_bytes());
    e
}

/// Size of the Wi-Fi settings structure (CR `tag_wifiParams`).
pub const WIFI_PARAMS: usize = 0x108;

/// The CMD_NET_WIFISETTING_SET payload for a DHCP network, laid out as CR `SendWifiDetails`
/// writes it: channel at 0x0c, auth at 0x10, dhcp at 0x14, SSID (32 bytes) at 0x18, key (128
/// bytes) at 0x38, address strings from 0xb8.
pub fn wifi_settings(ssid: &str, password: &str, channel: u8) -> Result<Vec<u8>, IlnkError> {
    let s = field_bytes("SSID", ssid, 32)?;
    let p = field_bytes("Wi-Fi password", password, 128)?;
    let mut v = vec![0u8; WIFI_PARAMS];
    v[0x0c] = channel;
    v[0x14] = 1; // DHCP
    v[0x18..0x18 + s.len()].copy_from_slice(s);
    v[0x38..0x38 + p.len()].copy_from_slice(p);
    for (at, text) in [
        (0xb8, "0.0.0.0"),
        (0xc8, "0.255.255.255"),
        (0xd8, "0.0.0.0"),
        (0xe8, "0.0.0.0"),
        (0xf8, "0.0.0.0"),
    ] {
        v[at..at + text.len()].copy_from_slice(text.as_bytes());
    }
    Ok(v)
}

/// Reads SSID and key back from a Wi-Fi settings payload (used by the emulator).
pub fn parse_wifi_settings(p: &[u8]) -> Option<(String, String)> {
    if p.len() < WIFI_PARAMS {
        return None;
    }
    Some((cstr(&p[0x18..0x38]), cstr(&p[0x38..0xb8])))
}

/// PTZ directions of CMD_PTZ_SET (AIO `PtzDirection`).
pub mod ptz {
    /// Up.
    pub const UP: u32 = 0;
    /// Down.
    pub const DOWN: u32 = 1;
    /// Left.
    pub const LEFT: u32 = 2;
    /// Right.
    pub const RIGHT: u32 = 3;
    /// Left and up.
    pub const LEFT_UP: u32 = 6;
    /// Left and down.
    pub const LEFT_DOWN: u32 = 7;
    /// Right and up.
    pub const RIGHT_UP: u32 = 8;
    /// Right and down.
    pub const RIGHT_DOWN: u32 = 9;
    /// Centre.
    pub const CENTER: u32 = 10;
    /// Stop.
    pub const STOP: u32 = 12;
}

/// The CMD_PASSTHROUGH_STRING_PUT payload carrying a CMD_PTZ_SET direction, as AIO
/// `pack_passtrough_cmd` builds it: `u32 LE total` · big-endian `01 0a · PTZ_SET · len+4 ·
/// ff ff` · 4 zero bytes · big-endian `u32 type (0 = direction) · u32 direction · u32 0`.
pub fn ptz_passthrough(direction: u32) -> Vec<u8> {
    let mut data = Vec::with_capacity(12);
    data.extend_from_slice(&0u32.to_be_bytes());
    data.extend_from_slice(&direction.to_be_bytes());
    data.extend_from_slice(&0u32.to_be_bytes());
    let mut header = Vec::with_capacity(12);
    header.extend_from_slice(&0x010au16.to_be_bytes());
    header.extend_from_slice(&cmd::PTZ_SET.to_be_bytes());
    header.extend_from_slice(&((data.len() + 4) as u16).to_be_bytes());
    header.extend_from_slice(&0xffffu16.to_be_bytes());
    header.extend_from_slice(&[0; 4]);
    let mut v = ((header.len() + data.len()) as u32).to_le_bytes().to_vec();
    v.extend_from_slice(&header);
    v.extend_from_slice(&data);
    v
}

/// Reads the direction back from a [`ptz_passthrough`] payload (used by the emulator).
pub fn parse_ptz_passthrough(p: &[u8]) -> Option<(u16, u32, u32)> {
    if p.len() < 28 || p[4..6] != [0x01, 0x0a] {
        return None;
    }
    let inner = u16::from_be_bytes([p[6], p[7]]);
    let kind = u32::from_be_bytes([p[16], p[17], p[18], p[19]]);
    let dir = u32::from_be_bytes([p[20], p[21], p[22], p[23]]);
    Some((inner, kind, dir))
}

/// Video parameter types of CMD_PEER_VIDEOPARAM_SET (AIO `VideoParamType`).
pub const VIDEO_PARAM_RESOLUTION: u32 = 1;

/// A CMD_PEER_VIDEOPARAM_SET payload: `u32 LE param, u32 LE value`.
pub fn video_param(param: u32, value: u32) -> Vec<u8> {
    let mut v = param.to_le_bytes().to_vec();
    v.extend_from_slice(&value.to_le_bytes());
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::command::BlockDecoder;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn block(bytes: &[u8]) -> BinaryBlock {
        let mut d = BlockDecoder::default();
        d.push(bytes);
        BinaryBlock::decode(&d.next_block().unwrap()).unwrap()
    }

    #[test]
    fn xq_bytes_unit_vectors_of_cam_reverse() {
        assert_eq!(xq_encode(&[1, 2, 3, 4], 0), [0, 3, 2, 5]);
        assert_eq!(xq_decode(&[0, 3, 2, 5], 0), [1, 2, 3, 4]);
        let mut input = [0u8; 32];
        input[3] = 1;
        let mut expected = [1u8; 32];
        expected[31] = 0;
        assert_eq!(xq_encode(&input, 4), expected);
        assert_eq!(xq_decode(&expected, 4), input);
    }

    #[test]
    fn a11_a12_builders() {
        let t = [1, 2, 3, 4];
        assert_eq!(
            encode_command(cmd::LIVEVIDEO_START, 0, t, &[]).unwrap(),
            unhex("110a10300400000001020304")
        );
        assert_eq!(
            encode_command(cmd::STATUS_GET, 0, t, &[]).unwrap(),
            unhex("110a08100400000001020304")
        );
    }

    #[test]
    fn a13_login_admin_admin() {
        let expected = unhex(concat!(
            "110a2010a400ff00000000006f01010101010101010101010101010101010101010101010101010160656c68",
            "6f01010101010101010101010101010101010101010101010101010101010101010101010101010101010101",
            "0101010101010101010101010101010101010101010101010101010101010101010101010101010101010101",
            "01010101010101010101010101010101010101010101010101010101010101010101010160656c68",
        ));
        assert_eq!(encode_login("admin", "admin").unwrap(), expected);
        let b = block(&expected);
        assert_eq!(b.payload, login_payload("admin", "admin").unwrap());
        assert!(login_payload(&"u".repeat(33), "").is_err());
        assert!(login_payload("u", &"p".repeat(129)).is_err());
    }

    #[test]
    fn a18_real_login_reply_gives_the_ticket() {
        let b = block(&unhex("110a20110c00ff00000000003454634dfe010101"));
        assert_eq!(b.cmd, ack(cmd::USER_CHK));
        assert_eq!(b.payload, unhex("ff0000003555624c"));
        assert_eq!(
            LoginReply::parse(&b),
            LoginReply::Accepted {
                ticket: [0x35, 0x55, 0x62, 0x4c]
            }
        );
        assert_eq!(
            encode_login_reply(Some([0x35, 0x55, 0x62, 0x4c])),
            unhex("110a20110c00ff00000000003454634dfe010101")
        );
    }

    #[test]
    fn a14_a15_canned_replies() {
        let b14 = block(&unhex("110a20110400ff000efcffff"));
        assert_eq!(LoginReply::parse(&b14), LoginReply::Refused { code: -1010 });
        assert_eq!(encode_login_reply(None), unhex("110a20110400ff000efcffff"));
        let b15 = block(&unhex("110a20110c00ff000000000057566c37fe010101"));
        assert_eq!(b15.payload, unhex("ff00000056576d36"));
        assert!(matches!(
            LoginReply::parse(&b15),
            LoginReply::Accepted { .. }
        ));
    }

    #[test]
    fn short_blocks_are_errors() {
        let mut d = BlockDecoder::default();
        d.push(&[0x11, 0x0a, 0x08, 0x11, 0x02, 0x00, 0, 0, 0xaa, 0xbb]);
        let blk = d.next_block().unwrap();
        assert_eq!(BinaryBlock::decode(&blk), Err(IlnkError::Short(2)));
    }

    #[test]
    fn ptz_passthrough_round_trip() {
        let p = ptz_passthrough(ptz::LEFT);
        assert_eq!(p.len(), 28);
        assert_eq!(&p[..4], &24u32.to_le_bytes());
        assert_eq!(
            parse_ptz_passthrough(&p),
            Some((cmd::PTZ_SET, 0, ptz::LEFT))
        );
    }

    #[test]
    fn wifi_settings_round_trip() {
        let p = wifi_settings("lab", "secret", 6).unwrap();
        assert_eq!(p.len(), WIFI_PARAMS);
        assert_eq!(
            parse_wifi_settings(&p),
            Some(("lab".into(), "secret".into()))
        );
    }
}
