//! The iLnk binary dialect (docs/protocol.md §4.4, §8.4) as the controller speaks it: numbered
//! commands with an XqBytes-encoded payload and the session ticket the login gave, replies
//! recognised by their ACK number (the command + 0x100).
//!
//! | op | command |
//! |---|---|
//! | start/stop video | VIDEOPARAM_SET resolution, then 0x3010 / 0x3011 |
//! | start/stop audio | 0x3000 / 0x3001 |
//! | PTZ move / stop / centre | 0x50FF passthrough of CMD_PTZ_SET direction / 12 / 10 |
//! | IR | toggle only: 0x300A |
//! | flip/mirror | VIDEOPARAM_SET rotate (8) |
//! | parameters | 0x1008 status |
//! | Wi-Fi scan / set | 0x6003 / 0x6001 |
//! | reboot | 0x1011 |
//!
//! Sources: AIO `const.py`/`session.py` (binary PTZ, video parameters), CR `impl.ts` (Wi-Fi
//! settings, `SendVideoResolution`). Presets, IR on/off, the lights, parameter setting, the
//! clock and the SD card have no documented command.

use std::fmt::Write as _;

use serde_json::Value;

use super::{
    u16_len, Context, DialectRules, Expect, Identity, Incoming, LoginAnswer, Prefix, WireRequest,
};
use crate::proto::command::{Block, HEADER_LEN};
use crate::proto::controller::ControllerError;
use crate::proto::dialect::Dialect;
use crate::proto::dissect::{hex_short, text_short};
use crate::proto::ilnk::{self as codec, cmd, BinaryBlock, LoginReply};
use crate::proto::ops::{int, text, unsupported, FlipMirror, Op, Params, PtzDirection};
use crate::proto::ops::{Unsupported, WifiNetwork};

/// The iLnk binary dialect.
#[derive(Clone, Copy, Debug, Default)]
pub struct Binary;

/// Names, framing (a u16 length), and the UID prefixes of iLnk cameras: `BAT…` (BATC, BATD, BATE),
/// `FTY…`, `PTZ…` (docs/protocol.md §4.1 "BATx, FTYx, PTZx") and `XHA` (§5.3 "CR's XHA camera is
/// iLnk").
static IDENTITY: Identity = Identity {
    name: "binary",
    aliases: &["ilnk"],
    prefixes: &[
        Prefix::family("BAT"),
        Prefix::family("FTY"),
        Prefix::family("PTZ"),
        Prefix::exact("XHA"),
    ],
    start: codec::START,
    // A u16 length at bytes 4–5 (ticket and payload; bytes 6–7 are the destination).
    payload_len: u16_len,
};

impl Binary {
    /// Command `cmd` with a plain `payload` (XqBytes-encoded here), carrying the session
    /// ticket (the login carries none, to its own destination); its reply is the ACK command.
    pub fn request(
        cx: &Context<'_>,
        command: u16,
        payload: &[u8],
        optional: bool,
    ) -> Result<WireRequest, ControllerError> {
        let (dest, ticket) = if command == cmd::USER_CHK {
            (codec::LOGIN_DEST, [0; 4])
        } else {
            (0, cx.ticket)
        };
        Ok(WireRequest {
            block: codec::encode_command(command, dest, ticket, payload)
                .map_err(ControllerError::Binary)?,
            expect: Expect {
                key: Some(i64::from(codec::ack(command))),
                name: None,
            },
            optional,
        })
    }
}

impl DialectRules for Binary {
    fn identity(&self) -> &'static Identity {
        &IDENTITY
    }

    /// CMD_SYSTEM_USER_CHK with user and password.
    fn login(&self, cx: &Context<'_>) -> Result<WireRequest, ControllerError> {
        let payload =
            codec::login_payload(cx.user, cx.password).map_err(ControllerError::Binary)?;
        Binary::request(cx, cmd::USER_CHK, &payload, false)
    }

    fn plan(&self, op: &Op, cx: &Context<'_>) -> Result<Vec<WireRequest>, ControllerError> {
        plan(op)
            .map_err(ControllerError::Unsupported)?
            .iter()
            .map(|(c, payload, optional)| Binary::request(cx, *c, payload, *optional))
            .collect()
    }

    /// The decoded block, keyed by its command.
    fn read(&self, block: &Block) -> Result<Incoming, String> {
        let b = BinaryBlock::decode(block).map_err(|e| e.to_string())?;
        Ok(Incoming {
            key: Some(i64::from(b.cmd)),
            reply: b.to_value(),
            damaged: false,
        })
    }

    /// Accepted with a ticket (`ff 00 00 00` and the ticket), else the refusal code.
    fn login_answer(&self, block: &Block, _reply: &Value) -> Result<LoginAnswer, String> {
        let b = BinaryBlock::decode(block).map_err(|e| e.to_string())?;
        Ok(match LoginReply::parse(&b) {
            LoginReply::Accepted { ticket } => LoginAnswer {
                result: 0,
                ticket: Some(ticket),
            },
            LoginReply::Refused { code } => LoginAnswer {
                result: code,
                ticket: None,
            },
        })
    }

    /// The decoded status: firmware, signal in dBm, battery in millivolts.
    fn params(&self, reply: &Value) -> Params {
        let empty = serde_json::Map::new();
        let s = reply
            .get("status")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        Params {
            firmware: text(s.get("firmware")),
            signal: int(s.get("signal_dbm")),
            battery: int(s.get("battery_mv")),
            fields: reply.as_object().cloned().unwrap_or_default(),
            ..Params::default()
        }
    }

    /// The decoded 92-byte entries.
    fn wifi_networks(&self, reply: &Value) -> Vec<WifiNetwork> {
        let Some(list) = reply.get("networks").and_then(Value::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|e| {
                Some(WifiNetwork {
                    ssid: text(e.get("ssid"))?,
                    mac: text(e.get("mac")),
                    signal: int(e.get("dbm0")),
                    security: int(e.get("security")),
                    channel: int(e.get("channel")),
                })
            })
            .collect()
    }

    fn describe(&self, b: &Block) -> String {
        let bb = match BinaryBlock::decode(b) {
            Ok(bb) => bb,
            Err(e) => return format!("ilnk cmd=0x{:04x} malformed: {e}", b.cmd),
        };
        let mut out = format!("ilnk cmd=0x{:04x}", bb.cmd);
        if let Some(n) = codec::name(bb.cmd) {
            let _ = write!(out, " {n}");
        }
        let _ = write!(
            out,
            " dest=0x{:04x} ticket={}",
            bb.dest,
            hex_short(&bb.ticket, 4)
        );
        if !bb.payload.is_empty() {
            let _ = write!(
                out,
                " payload[{}]={}",
                bb.payload.len(),
                hex_short(&bb.payload, 64)
            );
            let printable: String = bb
                .payload
                .split(|&x| x == 0)
                .filter(|w| w.len() >= 3 && w.iter().all(|c| c.is_ascii_graphic() || *c == b' '))
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect::<Vec<_>>()
                .join(",");
            if !printable.is_empty() {
                let _ = write!(out, " text=\"{}\"", text_short(printable.as_bytes()));
            }
        }
        out
    }

    fn describe_header(&self, h: &[u8; HEADER_LEN]) -> String {
        let command = u16::from_le_bytes([h[2], h[3]]);
        let dest = u16::from_le_bytes([h[6], h[7]]);
        format!(
            "ilnk cmd=0x{command:04x}{} len={} dest=0x{dest:04x}",
            codec::name(command)
                .map(|n| format!(" {n}"))
                .unwrap_or_default(),
            u16_len(h)
        )
    }
}

/// iLnk CMD_PTZ_SET direction (AIO `PtzDirection`).
fn ptz_direction(d: PtzDirection) -> u32 {
    match d {
        PtzDirection::Up => codec::ptz::UP,
        PtzDirection::Down => codec::ptz::DOWN,
        PtzDirection::Left => codec::ptz::LEFT,
        PtzDirection::Right => codec::ptz::RIGHT,
        PtzDirection::UpLeft => codec::ptz::LEFT_UP,
        PtzDirection::UpRight => codec::ptz::RIGHT_UP,
        PtzDirection::DownLeft => codec::ptz::LEFT_DOWN,
        PtzDirection::DownRight => codec::ptz::RIGHT_DOWN,
    }
}

/// iLnk VIDEO_PARAM_TYPE_ROTATE value (AIO `VideoRotate`: H = 1, V = 2, HV = 3).
fn rotate(fm: FlipMirror) -> u32 {
    match fm {
        FlipMirror::Normal => 0,
        FlipMirror::Flip => 2,
        FlipMirror::Mirror => 1,
        FlipMirror::FlipMirror => 3,
    }
}

/// The commands of `op`: number, plain payload, optional.
fn plan(op: &Op) -> Result<Vec<(u16, Vec<u8>, bool)>, Unsupported> {
    let refuse = |detail: &str| unsupported(op, Dialect::Binary, detail);
    let b = |c: u16, payload: Vec<u8>| (c, payload, false);
    let ptz = |dir: u32| b(cmd::PASSTHROUGH_STRING_PUT, codec::ptz_passthrough(dir));
    let v = match op {
        Op::StartVideo { resolution, .. } => {
            // CR `SendVideoResolution`: value 2 = 640×480, 0 = 320×240.
            let value = match resolution {
                1 => 2,
                2 => 0,
                _ => return Err(refuse("resolutions 1 (640x480) and 2 (320x240) are known")),
            };
            vec![
                b(
                    cmd::VIDEOPARAM_SET,
                    codec::video_param(codec::VIDEO_PARAM_RESOLUTION, value),
                ),
                b(cmd::LIVEVIDEO_START, Vec::new()),
            ]
        }
        Op::StopVideo => vec![b(cmd::LIVEVIDEO_STOP, Vec::new())],
        Op::StartAudio => vec![b(cmd::LIVEAUDIO_START, Vec::new())],
        Op::StopAudio => vec![b(cmd::LIVEAUDIO_STOP, Vec::new())],
        Op::Ptz(d) => vec![ptz(ptz_direction(*d))],
        Op::PtzStop => vec![ptz(codec::ptz::STOP)],
        Op::PtzCenter => vec![ptz(codec::ptz::CENTER)],
        Op::PtzSetPreset(_) | Op::PtzGotoPreset(_) => {
            return Err(refuse("no preset command is known"))
        }
        Op::SetIr(_) => {
            return Err(refuse(
                "the binary dialect only toggles the IR cut filter (0x300A): use toggle_ir",
            ))
        }
        Op::ToggleIr => vec![b(cmd::IRCUT_ONOFF, Vec::new())],
        Op::SetWhiteLight(_) => {
            return Err(refuse(
                "the binary light command (0x300B) is a toggle without a documented state",
            ))
        }
        Op::SetLamp(_) => return Err(refuse("no command is known")),
        Op::SetFlipMirror(fm) => vec![b(cmd::VIDEOPARAM_SET, codec::video_param(8, rotate(*fm)))],
        Op::GetParams => vec![b(cmd::STATUS_GET, Vec::new())],
        Op::SetParams(_) => return Err(refuse("send the command number directly")),
        Op::WifiScan => vec![b(cmd::WIFI_SCAN, Vec::new())],
        Op::SetWifi { ssid, password } => {
            let payload =
                codec::wifi_settings(ssid, password, 0).map_err(|e| refuse(&e.to_string()))?;
            vec![b(cmd::WIFI_SET, payload)]
        }
        Op::Reboot => vec![(cmd::REBOOT, Vec::new(), true)],
        Op::SetTime { .. } => {
            return Err(refuse(
                "the payload of CMD_SYSTEM_DATETIME_SET is not documented",
            ))
        }
        Op::SdInfo => return Err(refuse("the reply of CMD_SD_INFO_GET is not documented")),
    };
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::shix::VI365;

    fn cx() -> Context<'static> {
        Context {
            user: "u",
            password: "p",
            ticket: [1, 2, 3, 4],
            ..Context::sessionless(&VI365)
        }
    }

    #[test]
    fn requests_carry_the_ticket_and_expect_the_ack() {
        let p = Binary.plan(&Op::start_video(1), &cx()).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[1].block,
            codec::encode_command(cmd::LIVEVIDEO_START, 0, [1, 2, 3, 4], &[]).unwrap()
        );
        assert_eq!(p[1].expect.key, Some(0x3110));
        let login = Binary.login(&cx()).unwrap();
        assert_eq!(
            login.block,
            codec::encode_command(
                cmd::USER_CHK,
                codec::LOGIN_DEST,
                [0; 4],
                &codec::login_payload("u", "p").unwrap()
            )
            .unwrap(),
            "the login carries no ticket"
        );
        let e = Binary.plan(&Op::SetIr(true), &cx()).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("IR on/off is not supported by the binary dialect"));
    }
}
