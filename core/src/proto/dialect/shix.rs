//! The SHIX JSON dialect (docs/protocol.md §4.2, §8.1–8.2) as the controller speaks it: JSON
//! objects named by `pro` and numbered by `cmd` in the app family's numbering, replies matched
//! by their `cmd` (or an alias of it), else in order.
//!
//! | op | request (numbers from the [`Family`]) |
//! |---|---|
//! | start/stop video | `stream` video=1/2/0 |
//! | start/stop audio | `stream` audio=1/0 |
//! | PTZ move / stop / centre | `ptz_control` parms 0, value 0/2/4/6; value + 1; parms 1 value 132 |
//! | IR, flip/mirror, lamp, parameters, reboot | `dev_control` icut / rotmir 0–3 / lamp / fields / reboot=1 |
//! | white light | `set_whiteLight` status |
//! | parameters | `get_parms` |
//! | Wi-Fi scan / set | `scan_wifi` / `set_wifi` |
//! | time | `set_datetime` (fields per family) |
//! | SD card | `get_sd`, else `get_cloudsupport` (isExistTf) |
//!
//! Sources: docs/protocol.md §8.1–8.2, AIO `session.py` (stop on every axis), MAG-JS (SHIX
//! `set_wifi` and `get_cloudsupport` fields). Presets and an IR toggle have no SHIX command.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{
    Context, DialectRules, Expect, Identity, Incoming, LoginAnswer, Prefix, Waiting, WireRequest,
};
use crate::proto::command::{Block, HEADER_LEN};
use crate::proto::controller::ControllerError;
use crate::proto::dialect::Dialect;
use crate::proto::dissect::text_short;
use crate::proto::ops::{
    int, text, unsupported, Op, Params, PtzDirection, Unsupported, WifiNetwork,
};
use crate::proto::shix::{self as codec, DatetimeFields, Family};

/// SHIX's result for a request whose `user`/`pwd` the camera does not accept.
pub const AUTH_FAILED: i64 = -3;

/// The SHIX JSON dialect.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shix;

/// Names, framing (a u32 length), and the UID prefixes of SHIX cameras: `DG…` (DGOA, DGOC, DGOD,
/// DGOG, DGOK …), `PIXA`–`PIXD` and `EEE` (docs/protocol.md §4.1 "DGxx, PIXA, EEE"; §8.1 verified
/// on DGOA/DGOC/DGOD/DGOK; NOTES for EEE and DGOG); `AAA`, `ABC`, `DDD`, `FFF`, `HBW`, `NNN`,
/// `XIAODOU` use the PSK named `SHIX` (§5.3).
static IDENTITY: Identity = Identity {
    name: "shix",
    aliases: &["json"],
    prefixes: &[
        Prefix::family("DG"),
        Prefix::exact("PIXA"),
        Prefix::exact("PIXB"),
        Prefix::exact("PIXC"),
        Prefix::exact("PIXD"),
        Prefix::exact("EEE"),
        Prefix::exact("AAA"),
        Prefix::exact("ABC"),
        Prefix::exact("DDD"),
        Prefix::exact("FFF"),
        Prefix::exact("HBW"),
        Prefix::exact("NNN"),
        Prefix::exact("XIAODOU"),
    ],
    start: codec::START,
    // A u32 length at bytes 4–7.
    payload_len: |h| u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize,
};

impl Shix {
    /// A JSON request: `cmd` (from `pro`) or `pro` (from `cmd`), `user`, `pwd` and `devmac`
    /// are filled in when missing; the reply is recognised by the command number.
    pub fn request(
        cx: &Context<'_>,
        json: Value,
        optional: bool,
    ) -> Result<WireRequest, ControllerError> {
        let (obj, cmd) = codec::complete_request(cx.family, json, cx.user, cx.password)
            .map_err(ControllerError::BadRequest)?;
        Ok(WireRequest {
            block: codec::encode_request(&obj),
            expect: Expect {
                key: Some(cmd),
                name: None,
            },
            optional,
        })
    }
}

impl DialectRules for Shix {
    fn identity(&self) -> &'static Identity {
        &IDENTITY
    }

    /// `check_user`.
    fn login(&self, cx: &Context<'_>) -> Result<WireRequest, ControllerError> {
        let cmd = cx.family.cmd("check_user").unwrap_or(100);
        Shix::request(cx, json!({"pro": "check_user", "cmd": cmd}), false)
    }

    fn plan(&self, op: &Op, cx: &Context<'_>) -> Result<Vec<WireRequest>, ControllerError> {
        plan(op, cx.family, cx.last_ptz)
            .map_err(ControllerError::Unsupported)?
            .into_iter()
            .map(|(v, optional)| Shix::request(cx, v, optional))
            .collect()
    }

    /// JSON, keyed by its `cmd` (numbers may arrive as strings).
    fn read(&self, block: &Block) -> Result<Incoming, String> {
        let reply = codec::parse_reply(&block.payload)?;
        Ok(Incoming {
            key: codec::reply_cmd(&reply),
            reply,
            damaged: false,
        })
    }

    /// The same number, or an alias the family lists (set_datetime 126 is answered as 128).
    fn answers(&self, family: &Family, request: i64, reply: i64) -> bool {
        family.answers(request, reply)
    }

    /// The oldest request: devices answer in order, sometimes with unexpected numbers.
    fn fallback(&self, _reply: i64, waiting: &[Waiting<'_>]) -> Option<usize> {
        (!waiting.is_empty()).then_some(0)
    }

    /// `result` (0 when absent).
    fn login_answer(&self, _block: &Block, reply: &Value) -> Result<LoginAnswer, String> {
        Ok(LoginAnswer {
            result: codec::reply_result(reply).unwrap_or(0),
            ticket: None,
        })
    }

    /// `get_parms`: `sysver`, `time`, `tz`, `icut`, `rotmir`, `signal`, `batValue`, `devname`,
    /// `mcuver`.
    fn params(&self, reply: &Value) -> Params {
        let empty = serde_json::Map::new();
        let f = reply.as_object().unwrap_or(&empty);
        Params {
            firmware: text(f.get("sysver")),
            time: int(f.get("time")),
            tz: int(f.get("tz")),
            ir: int(f.get("icut")).map(|v| v != 0),
            flip_mirror: int(f.get("rotmir")),
            signal: int(f.get("signal")),
            battery: int(f.get("batValue")),
            name: text(f.get("devname")),
            mcu_version: text(f.get("mcuver")),
            fields: f.clone(),
            ..Params::default()
        }
    }

    /// The first array of objects in the reply (field names `ssid`/`wifissid`/`name`,
    /// `signal`/`dbm`/`rssi`, `encryption`/`security`, `channel`, `mac`).
    fn wifi_networks(&self, reply: &Value) -> Vec<WifiNetwork> {
        let Some(list) = reply.as_object().and_then(|m| {
            m.values().find_map(|v| match v {
                Value::Array(a) if a.iter().all(Value::is_object) => Some(a),
                _ => None,
            })
        }) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|e| {
                let ssid = text(e.get("ssid").or(e.get("wifissid")).or(e.get("name")))?;
                Some(WifiNetwork {
                    ssid,
                    mac: text(e.get("mac")),
                    signal: int(e.get("signal").or(e.get("dbm")).or(e.get("rssi"))),
                    security: int(e.get("encryption").or(e.get("security"))),
                    channel: int(e.get("channel")),
                })
            })
            .collect()
    }

    /// Result −3: the user or password every request carries is wrong.
    fn refuses_credentials(&self, result: i64) -> bool {
        result == AUTH_FAILED
    }

    fn describe(&self, b: &Block) -> String {
        let role = match b.cmd {
            codec::REQUEST => "request",
            codec::RESPONSE => "response",
            _ => "block",
        };
        let mut out = String::new();
        match serde_json::from_slice::<Value>(&b.payload) {
            Ok(v) => {
                let _ = write!(out, "shix {role} {}", text_short(v.to_string().as_bytes()));
            }
            Err(_) => {
                let _ = write!(out, "shix {role} (not JSON) \"{}\"", text_short(&b.payload));
            }
        }
        out
    }

    fn describe_header(&self, h: &[u8; HEADER_LEN]) -> String {
        format!("shix len={}", (IDENTITY.payload_len)(h))
    }
}

/// SHIX `ptz_control` start value of a direction (stop is value + 1); `None` for diagonals.
fn ptz_start(d: PtzDirection) -> Option<i64> {
    match d {
        PtzDirection::Up => Some(0),
        PtzDirection::Down => Some(2),
        PtzDirection::Left => Some(4),
        PtzDirection::Right => Some(6),
        _ => None,
    }
}

/// The JSON requests of `op` (and whether each is optional), numbered by `family`.
fn plan(
    op: &Op,
    family: &Family,
    last_ptz: Option<PtzDirection>,
) -> Result<Vec<(Value, bool)>, Unsupported> {
    let refuse = |detail: &str| unsupported(op, Dialect::Shix, detail);
    let need = |pro: &str| -> Result<(), Unsupported> {
        match family.cmd(pro) {
            Some(_) => Ok(()),
            None => Err(refuse(&format!(
                "the {} family has no {pro:?} command",
                family.name
            ))),
        }
    };
    let req = |mut v: Value| {
        if let (Some(pro), Value::Object(m)) = (v["pro"].as_str().map(str::to_owned), &mut v) {
            if let Some(c) = family.cmd(&pro) {
                m.insert("cmd".into(), Value::from(c));
            }
        }
        (v, false)
    };
    let ptz = |value: i64| req(json!({"pro": "ptz_control", "parms": 0, "value": value}));
    let v = match op {
        Op::StartVideo { resolution, .. } => {
            need("stream")?;
            if *resolution == 0 {
                return Err(refuse("resolution 0 means stop"));
            }
            vec![req(json!({"pro": "stream", "video": resolution}))]
        }
        Op::StopVideo => {
            need("stream")?;
            vec![req(json!({"pro": "stream", "video": 0}))]
        }
        Op::StartAudio | Op::StopAudio => {
            need("stream")?;
            let on = matches!(op, Op::StartAudio) as i64;
            vec![req(json!({"pro": "stream", "audio": on}))]
        }
        Op::Ptz(d) => {
            need("ptz_control")?;
            let Some(start) = ptz_start(*d) else {
                return Err(refuse(
                    "SHIX cameras move along one axis at a time (up, down, left, right)",
                ));
            };
            vec![ptz(start)]
        }
        Op::PtzStop => {
            need("ptz_control")?;
            match last_ptz.and_then(ptz_start) {
                Some(start) => vec![ptz(start + 1)],
                // Direction unknown: stop every axis, as AIO's rotate_stop does.
                None => [1, 3, 5, 7].into_iter().map(ptz).collect(),
            }
        }
        Op::PtzCenter => {
            need("ptz_control")?;
            vec![req(json!({"pro": "ptz_control", "parms": 1, "value": 132}))]
        }
        Op::PtzSetPreset(_) | Op::PtzGotoPreset(_) => {
            return Err(refuse("no SHIX preset command is known"))
        }
        Op::SetIr(on) => {
            need("dev_control")?;
            vec![req(json!({"pro": "dev_control", "icut": *on as i64}))]
        }
        Op::ToggleIr => return Err(refuse("SHIX cameras switch IR explicitly: use set_ir")),
        Op::SetWhiteLight(on) => {
            need("set_whiteLight")?;
            vec![req(json!({"pro": "set_whiteLight", "status": *on as i64}))]
        }
        Op::SetFlipMirror(fm) => {
            need("dev_control")?;
            vec![req(json!({"pro": "dev_control", "rotmir": fm.value()}))]
        }
        Op::GetParams => {
            need("get_parms")?;
            vec![req(json!({"pro": "get_parms"}))]
        }
        Op::SetLamp(on) => {
            need("dev_control")?;
            vec![req(json!({"pro": "dev_control", "lamp": i64::from(*on)}))]
        }
        Op::SetParams(fields) => {
            need("dev_control")?;
            if fields.is_empty() {
                return Err(refuse("no parameters given"));
            }
            let mut m = fields.clone();
            for k in ["pro", "cmd", "user", "pwd"] {
                m.remove(k);
            }
            m.insert("pro".into(), Value::from("dev_control"));
            vec![req(Value::Object(m))]
        }
        Op::WifiScan => {
            need("scan_wifi")?;
            vec![req(json!({"pro": "scan_wifi"}))]
        }
        Op::SetWifi { ssid, password } => {
            need("set_wifi")?;
            vec![req(
                json!({"pro": "set_wifi", "wifissid": ssid, "encwifissid": ssid,
                "wifipwd": password, "encwifipwd": password, "encryption": 1}),
            )]
        }
        Op::Reboot => {
            need("dev_control")?;
            let (v, _) = req(json!({"pro": "dev_control", "reboot": 1}));
            vec![(v, true)]
        }
        Op::SetTime {
            epoch,
            tz_offset_secs,
        } => {
            need("set_datetime")?;
            vec![req(match family.datetime {
                DatetimeFields::TzTime => {
                    json!({"pro": "set_datetime", "tz": -(*tz_offset_secs as i64), "time": epoch})
                }
                DatetimeFields::TzOffsetMinUtcDateTime => json!({"pro": "set_datetime",
                    "tz_offset_min": *tz_offset_secs as i64 / 60, "utc_date_time": epoch}),
            })]
        }
        Op::SdInfo => {
            if family.cmd("get_sd").is_some() {
                vec![req(json!({"pro": "get_sd"}))]
            } else {
                // MAG-JS: get_cloudsupport "is more like TF card support" (isExistTf).
                need("get_cloudsupport")?;
                vec![req(json!({"pro": "get_cloudsupport"}))]
            }
        }
    };
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::shix::{HDWIFICAM_PRO, LOOKCAM_PRO, VI365};

    fn cx(family: &'static Family, last_ptz: Option<PtzDirection>) -> Context<'static> {
        Context {
            user: "u",
            password: "p",
            last_ptz,
            ..Context::sessionless(family)
        }
    }

    /// The JSON objects of `op`'s requests.
    fn shix(op: &Op, family: &'static Family, last_ptz: Option<PtzDirection>) -> Vec<Value> {
        Shix.plan(op, &cx(family, last_ptz))
            .unwrap()
            .into_iter()
            .map(|r| codec::parse_reply(&r.block[HEADER_LEN..]).unwrap())
            .collect()
    }

    #[test]
    fn numbers_come_from_the_family() {
        let v = shix(&Op::SdInfo, &VI365, None);
        assert_eq!(v[0]["pro"], "get_cloudsupport");
        assert_eq!(v[0]["cmd"], 9000);
        assert_eq!(v[0]["user"], "u");
        let v = shix(&Op::SdInfo, &HDWIFICAM_PRO, None);
        assert_eq!(
            (v[0]["pro"].as_str(), v[0]["cmd"].as_i64()),
            (Some("get_sd"), Some(109))
        );
        let time = Op::SetTime {
            epoch: 1_700_000_000,
            tz_offset_secs: 3600,
        };
        let t = shix(&time, &VI365, None);
        assert_eq!(
            (t[0]["tz"].as_i64(), t[0]["time"].as_i64()),
            (Some(-3600), Some(1_700_000_000))
        );
        let t = shix(&time, &HDWIFICAM_PRO, None);
        assert_eq!(t[0]["tz_offset_min"], 60);
        let e = Shix
            .plan(&Op::SetWhiteLight(true), &cx(&LOOKCAM_PRO, None))
            .unwrap_err();
        assert!(e.to_string().contains("lookcam-pro family"), "{e}");
    }

    #[test]
    fn a_stop_names_the_direction_last_started_else_stops_every_axis() {
        let all = shix(&Op::PtzStop, &VI365, None);
        let values: Vec<_> = all.iter().map(|v| v["value"].as_i64()).collect();
        assert_eq!(values, [Some(1), Some(3), Some(5), Some(7)]);
        let one = shix(&Op::PtzStop, &VI365, Some(PtzDirection::Left));
        assert_eq!(one.len(), 1);
        assert_eq!(one[0]["value"], 5);
    }

    #[test]
    fn requests_are_recognised_by_number_and_reboots_are_optional() {
        let r = Shix.plan(&Op::Reboot, &cx(&VI365, None)).unwrap();
        assert_eq!((r[0].expect.key, r[0].optional), (Some(102), true));
        let login = Shix.login(&cx(&VI365, None)).unwrap();
        assert_eq!(login.expect.key, Some(100));
        assert!(!login.optional);
    }
}
