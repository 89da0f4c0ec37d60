//! The typed command catalogue: one [`Op`] per thing a user wants from a camera (stream, PTZ,
//! lights, image orientation, parameters, Wi-Fi, reboot, time, SD card), mapped onto the wire
//! requests of each dialect by [`plan`], and the typed results read back from the replies
//! ([`Params`], [`WifiNetwork`], [`SdInfo`], [`check`]).
//!
//! | op | SHIX (numbers from the [`Family`]) | VStarcam CGI | iLnk binary |
//! |---|---|---|---|
//! | start/stop video | `stream` video=1/2/0 | `livestream.cgi?streamid=10/16` | VIDEOPARAM_SET resolution + 0x3010 / 0x3011 |
//! | start/stop audio | `stream` audio=1/0 | `audiostream.cgi?streamid=1/16` | 0x3000 / 0x3001 |
//! | PTZ move | `ptz_control` parms 0, value 0/2/4/6 | `decoder_control.cgi?command=0/2/4/6, 90–93` | 0x50FF passthrough CMD_PTZ_SET |
//! | PTZ stop | value 1/3/5/7 | command 1/3/5/7 | direction 12 |
//! | PTZ centre | parms 1 value 132 | command 25 | direction 10 |
//! | presets 0–15 | — | command 30+2n (set), 31+2n (go) | — |
//! | IR | `dev_control` icut | `camera_control.cgi?param=14` | toggle only: 0x300A |
//! | white light | `set_whiteLight` status | — | — |
//! | flip/mirror | `dev_control` rotmir 0–3 | `camera_control.cgi?param=5` 0–3 | VIDEOPARAM_SET rotate (8) |
//! | parameters | `get_parms`; set: `dev_control` fields | `get_status.cgi` | 0x1008 status |
//! | Wi-Fi scan / set | `scan_wifi` / `set_wifi` | `wifi_scan.cgi` / `set_wifi.cgi` | 0x6003 / 0x6001 |
//! | reboot | `dev_control` reboot=1 | `reboot.cgi` | 0x1011 |
//! | time | `set_datetime` | `set_datetime.cgi` | — |
//! | SD card | `get_sd`, else `get_cloudsupport` (isExistTf) | `get_record.cgi` | — |
//!
//! Sources: PROTOCOL.md §8.1–8.4, VSC `moto.h` (PTZ and preset command numbers),
//! `PPPPChannel.mm`/`CgiPacket.cpp` (set_wifi/set_datetime/get_record/wifi_scan formats), L32
//! `camClient.js`, AIO `const.py`/`session.py` (binary PTZ, video parameters), CR `impl.ts`
//! (binary Wi-Fi settings), MAG-JS (SHIX set_wifi and get_cloudsupport fields). A "—" is
//! [`Unsupported`]: no source gives the command.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::proto::cgi::CgiRequest;
use crate::proto::dialect::Dialect;
use crate::proto::ilnk::{self, cmd};
use crate::proto::shix::{DatetimeFields, Family};

/// A PTZ direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PtzDirection {
    /// Tilt up.
    Up,
    /// Tilt down.
    Down,
    /// Pan left.
    Left,
    /// Pan right.
    Right,
    /// Up and left.
    UpLeft,
    /// Up and right.
    UpRight,
    /// Down and left.
    DownLeft,
    /// Down and right.
    DownRight,
}

impl PtzDirection {
    /// True for the four axis directions.
    pub fn is_axis(self) -> bool {
        matches!(
            self,
            PtzDirection::Up | PtzDirection::Down | PtzDirection::Left | PtzDirection::Right
        )
    }

    /// SHIX `ptz_control` start value (stop is value + 1); `None` for diagonals.
    fn shix_start(self) -> Option<i64> {
        match self {
            PtzDirection::Up => Some(0),
            PtzDirection::Down => Some(2),
            PtzDirection::Left => Some(4),
            PtzDirection::Right => Some(6),
            _ => None,
        }
    }

    /// VStarcam `decoder_control.cgi` command (VSC `moto.h`).
    fn cgi_command(self) -> i64 {
        match self {
            PtzDirection::Up => 0,
            PtzDirection::Down => 2,
            PtzDirection::Left => 4,
            PtzDirection::Right => 6,
            PtzDirection::UpLeft => 90,
            PtzDirection::UpRight => 91,
            PtzDirection::DownLeft => 92,
            PtzDirection::DownRight => 93,
        }
    }

    /// iLnk CMD_PTZ_SET direction (AIO `PtzDirection`).
    fn binary(self) -> u32 {
        match self {
            PtzDirection::Up => ilnk::ptz::UP,
            PtzDirection::Down => ilnk::ptz::DOWN,
            PtzDirection::Left => ilnk::ptz::LEFT,
            PtzDirection::Right => ilnk::ptz::RIGHT,
            PtzDirection::UpLeft => ilnk::ptz::LEFT_UP,
            PtzDirection::UpRight => ilnk::ptz::RIGHT_UP,
            PtzDirection::DownLeft => ilnk::ptz::LEFT_DOWN,
            PtzDirection::DownRight => ilnk::ptz::RIGHT_DOWN,
        }
    }
}

impl std::str::FromStr for PtzDirection {
    type Err = String;
    /// `up`, `down`, `left`, `right`, `up-left`, `up-right`, `down-left`, `down-right`.
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "up" => PtzDirection::Up,
            "down" => PtzDirection::Down,
            "left" => PtzDirection::Left,
            "right" => PtzDirection::Right,
            "up-left" | "left-up" => PtzDirection::UpLeft,
            "up-right" | "right-up" => PtzDirection::UpRight,
            "down-left" | "left-down" => PtzDirection::DownLeft,
            "down-right" | "right-down" => PtzDirection::DownRight,
            _ => {
                return Err(format!(
                    "unknown PTZ direction {s:?} (up, down, left, right, up-left, up-right, down-left, down-right)"
                ))
            }
        })
    }
}

/// Image orientation (SHIX `rotmir`, VStarcam `camera_control.cgi?param=5` value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlipMirror {
    /// As mounted (0).
    Normal,
    /// Upside down (1).
    Flip,
    /// Left–right mirrored (2).
    Mirror,
    /// Both (3).
    FlipMirror,
}

impl FlipMirror {
    /// The 0–3 value of SHIX and CGI.
    pub fn value(self) -> i64 {
        match self {
            FlipMirror::Normal => 0,
            FlipMirror::Flip => 1,
            FlipMirror::Mirror => 2,
            FlipMirror::FlipMirror => 3,
        }
    }

    /// From a 0–3 value.
    pub fn from_value(v: i64) -> Option<FlipMirror> {
        Some(match v {
            0 => FlipMirror::Normal,
            1 => FlipMirror::Flip,
            2 => FlipMirror::Mirror,
            3 => FlipMirror::FlipMirror,
            _ => return None,
        })
    }

    /// iLnk VIDEO_PARAM_TYPE_ROTATE value (AIO `VideoRotate`: H = 1, V = 2, HV = 3).
    fn binary(self) -> u32 {
        match self {
            FlipMirror::Normal => 0,
            FlipMirror::Flip => 2,
            FlipMirror::Mirror => 1,
            FlipMirror::FlipMirror => 3,
        }
    }
}

/// A vendor video stream of `livestream.cgi` (VStarcam SDK `StartPPPPLivestream(did, streamid,
/// substreamid)`: 10 is the live stream the SDK's apps ask for, 0 main H.264, 1 sub H.264,
/// 3 MJPEG sub stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VideoStream {
    /// `streamid` (0–15; 16 is the stop request).
    pub id: u8,
    /// `substream`, when the SDK generation passes one.
    pub substream: Option<u8>,
}

impl Op {
    /// [`Op::StartVideo`] of the default stream at SHIX resolution `resolution`.
    pub fn start_video(resolution: u8) -> Op {
        Op::StartVideo {
            resolution,
            stream: None,
        }
    }
}

/// A typed operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Start video; `resolution` is the SHIX code (1 = 640×480, 2 = 320×240).
    StartVideo {
        /// SHIX resolution code.
        resolution: u8,
        /// The vendor stream to ask a VStarcam CGI camera for (`None`: the default live
        /// stream); other dialects ignore it.
        stream: Option<VideoStream>,
    },
    /// Stop video.
    StopVideo,
    /// Start audio.
    StartAudio,
    /// Stop audio.
    StopAudio,
    /// Start moving.
    Ptz(PtzDirection),
    /// Stop moving (the direction last started, when known).
    PtzStop,
    /// Return to the centre / home position.
    PtzCenter,
    /// Store the current position as preset 0–15.
    PtzSetPreset(u8),
    /// Move to preset 0–15.
    PtzGotoPreset(u8),
    /// Switch the IR cut filter / night vision on or off.
    SetIr(bool),
    /// Toggle the IR cut filter (the only IR command of the binary dialect).
    ToggleIr,
    /// Switch the white light on or off.
    SetWhiteLight(bool),
    /// Switch the lamp on or off (SHIX `dev_control` `lamp`).
    SetLamp(bool),
    /// Set the image orientation.
    SetFlipMirror(FlipMirror),
    /// Read the parameters / status.
    GetParams,
    /// Set parameters by name (SHIX `dev_control` fields).
    SetParams(Map<String, Value>),
    /// Scan for Wi-Fi networks.
    WifiScan,
    /// Join a Wi-Fi network.
    SetWifi {
        /// Network name.
        ssid: String,
        /// Key.
        password: String,
    },
    /// Reboot.
    Reboot,
    /// Set the clock.
    SetTime {
        /// Seconds since the Unix epoch (UTC).
        epoch: i64,
        /// The camera's time zone, seconds east of UTC.
        tz_offset_secs: i32,
    },
    /// Read SD card information.
    SdInfo,
}

impl Op {
    /// A short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Op::StartVideo { .. } => "start video",
            Op::StopVideo => "stop video",
            Op::StartAudio => "start audio",
            Op::StopAudio => "stop audio",
            Op::Ptz(_) => "PTZ move",
            Op::PtzStop => "PTZ stop",
            Op::PtzCenter => "PTZ centre",
            Op::PtzSetPreset(_) => "PTZ preset (set)",
            Op::PtzGotoPreset(_) => "PTZ preset (go to)",
            Op::SetIr(_) => "IR on/off",
            Op::ToggleIr => "IR toggle",
            Op::SetWhiteLight(_) => "white light",
            Op::SetLamp(_) => "lamp",
            Op::SetFlipMirror(_) => "flip/mirror",
            Op::GetParams => "get parameters",
            Op::SetParams(_) => "set parameters",
            Op::WifiScan => "Wi-Fi scan",
            Op::SetWifi { .. } => "Wi-Fi setup",
            Op::Reboot => "reboot",
            Op::SetTime { .. } => "set time",
            Op::SdInfo => "SD card info",
        }
    }
}

/// A wire request of some dialect.
#[derive(Clone, Debug, PartialEq)]
pub enum Wire {
    /// A SHIX JSON object (`user`/`pwd` are added when sent).
    Shix(Value),
    /// A CGI request (credentials are added when sent).
    Cgi(CgiRequest),
    /// An iLnk binary command (the ticket is added when sent; the payload is plain).
    Binary {
        /// Command number.
        cmd: u16,
        /// Plain payload.
        payload: Vec<u8>,
    },
}

/// One request of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct WireRequest {
    /// What to send.
    pub wire: Wire,
    /// Cameras may not answer it (stream starts, reboots): a missing reply is not an error.
    pub optional: bool,
}

impl WireRequest {
    fn needed(wire: Wire) -> Self {
        WireRequest {
            wire,
            optional: false,
        }
    }
    fn optional(wire: Wire) -> Self {
        WireRequest {
            wire,
            optional: true,
        }
    }
}

/// An operation the dialect (or the SHIX family) has no command for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{op} is not supported by the {dialect} dialect{detail}")]
pub struct Unsupported {
    /// The operation.
    pub op: &'static str,
    /// The dialect.
    pub dialect: Dialect,
    /// More explanation (starts with `: ` when present).
    pub detail: String,
}

fn unsupported(op: &Op, dialect: Dialect, detail: &str) -> Unsupported {
    Unsupported {
        op: op.name(),
        dialect,
        detail: if detail.is_empty() {
            String::new()
        } else {
            format!(": {detail}")
        },
    }
}

/// Maps `op` onto the wire requests of `dialect`. `family` numbers SHIX commands; `last_ptz`
/// is the direction last started (so that a stop can name it).
pub fn plan(
    op: &Op,
    dialect: Dialect,
    family: &Family,
    last_ptz: Option<PtzDirection>,
) -> Result<Vec<WireRequest>, Unsupported> {
    match dialect {
        Dialect::Shix => plan_shix(op, family, last_ptz),
        Dialect::Cgi => plan_cgi(op, last_ptz),
        Dialect::Binary => plan_binary(op),
    }
}

fn plan_shix(
    op: &Op,
    family: &Family,
    last_ptz: Option<PtzDirection>,
) -> Result<Vec<WireRequest>, Unsupported> {
    let need = |pro: &str| -> Result<(), Unsupported> {
        if family.cmd(pro).is_some() {
            Ok(())
        } else {
            Err(unsupported(
                op,
                Dialect::Shix,
                &format!("the {} family has no {pro:?} command", family.name),
            ))
        }
    };
    let req = |mut v: Value| {
        if let (Some(pro), Value::Object(m)) = (v["pro"].as_str().map(str::to_owned), &mut v) {
            if let Some(c) = family.cmd(&pro) {
                m.insert("cmd".into(), Value::from(c));
            }
        }
        WireRequest::needed(Wire::Shix(v))
    };
    let v = match op {
        Op::StartVideo { resolution, .. } => {
            need("stream")?;
            if *resolution == 0 {
                return Err(unsupported(op, Dialect::Shix, "resolution 0 means stop"));
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
            let Some(start) = d.shix_start() else {
                return Err(unsupported(
                    op,
                    Dialect::Shix,
                    "SHIX cameras move along one axis at a time (up, down, left, right)",
                ));
            };
            vec![req(
                json!({"pro": "ptz_control", "parms": 0, "value": start}),
            )]
        }
        Op::PtzStop => {
            need("ptz_control")?;
            match last_ptz.and_then(PtzDirection::shix_start) {
                Some(start) => {
                    vec![req(
                        json!({"pro": "ptz_control", "parms": 0, "value": start + 1}),
                    )]
                }
                // Direction unknown: stop every axis, as AIO's rotate_stop does.
                None => [1, 3, 5, 7]
                    .into_iter()
                    .map(|v| req(json!({"pro": "ptz_control", "parms": 0, "value": v})))
                    .collect(),
            }
        }
        Op::PtzCenter => {
            need("ptz_control")?;
            vec![req(json!({"pro": "ptz_control", "parms": 1, "value": 132}))]
        }
        Op::PtzSetPreset(_) | Op::PtzGotoPreset(_) => {
            return Err(unsupported(
                op,
                Dialect::Shix,
                "no SHIX preset command is known",
            ))
        }
        Op::SetIr(on) => {
            need("dev_control")?;
            vec![req(json!({"pro": "dev_control", "icut": *on as i64}))]
        }
        Op::ToggleIr => {
            return Err(unsupported(
                op,
                Dialect::Shix,
                "SHIX cameras switch IR explicitly: use set_ir",
            ))
        }
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
                return Err(unsupported(op, Dialect::Shix, "no parameters given"));
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
            let mut r = req(json!({"pro": "dev_control", "reboot": 1}));
            r.optional = true;
            vec![r]
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

fn cgi(name: &str, params: &[(&str, String)]) -> Wire {
    Wire::Cgi(CgiRequest::with(name, params))
}

fn plan_cgi(op: &Op, last_ptz: Option<PtzDirection>) -> Result<Vec<WireRequest>, Unsupported> {
    let n = |v: i64| v.to_string();
    let decoder = |c: i64| {
        WireRequest::needed(cgi(
            "decoder_control",
            &[("command", n(c)), ("onestep", n(0))],
        ))
    };
    let v = match op {
        Op::StartVideo {
            stream: Some(stream),
            ..
        } => {
            if stream.id >= 16 {
                return Err(unsupported(
                    op,
                    Dialect::Cgi,
                    "livestream.cgi stream ids are 0-15 (16 stops the stream)",
                ));
            }
            let mut params = vec![("streamid", n(i64::from(stream.id)))];
            if let Some(sub) = stream.substream {
                params.push(("substream", n(i64::from(sub))));
            }
            vec![WireRequest::optional(cgi("livestream", &params))]
        }
        Op::StartVideo { resolution, .. } => {
            if *resolution != 1 {
                return Err(unsupported(
                    op,
                    Dialect::Cgi,
                    "livestream.cgi streams the camera's configured resolution; only the default (1) can be asked for",
                ));
            }
            vec![WireRequest::optional(cgi(
                "livestream",
                &[("streamid", n(10))],
            ))]
        }
        Op::StopVideo => vec![WireRequest::optional(cgi(
            "livestream",
            &[("streamid", n(16))],
        ))],
        Op::StartAudio => vec![WireRequest::optional(cgi(
            "audiostream",
            &[("streamid", n(1))],
        ))],
        Op::StopAudio => vec![WireRequest::optional(cgi(
            "audiostream",
            &[("streamid", n(16))],
        ))],
        Op::Ptz(d) => vec![decoder(d.cgi_command())],
        Op::PtzStop => {
            // The stop of the axis last started; L32's generic stop is command 1.
            let c = match last_ptz {
                Some(d) if d.is_axis() => d.cgi_command() + 1,
                _ => 1,
            };
            vec![decoder(c)]
        }
        Op::PtzCenter => vec![decoder(25)],
        Op::PtzSetPreset(p) | Op::PtzGotoPreset(p) => {
            if *p > 15 {
                return Err(unsupported(op, Dialect::Cgi, "presets are numbered 0-15"));
            }
            let base = if matches!(op, Op::PtzSetPreset(_)) {
                30
            } else {
                31
            };
            vec![decoder(base + 2 * *p as i64)]
        }
        Op::SetIr(on) => vec![WireRequest::needed(cgi(
            "camera_control",
            &[("param", n(14)), ("value", n(*on as i64))],
        ))],
        Op::ToggleIr => {
            return Err(unsupported(
                op,
                Dialect::Cgi,
                "VStarcam cameras switch IR explicitly: use set_ir",
            ))
        }
        Op::SetWhiteLight(_) | Op::SetLamp(_) => {
            return Err(unsupported(op, Dialect::Cgi, "no CGI command is known"))
        }
        Op::SetFlipMirror(fm) => vec![WireRequest::needed(cgi(
            "camera_control",
            &[("param", n(5)), ("value", n(fm.value()))],
        ))],
        Op::GetParams => vec![WireRequest::needed(cgi("get_status", &[]))],
        Op::SetParams(_) => {
            return Err(unsupported(
                op,
                Dialect::Cgi,
                "send the CGI directly, e.g. camera_control.cgi?param=N&value=V",
            ))
        }
        Op::WifiScan => vec![WireRequest::needed(cgi("wifi_scan", &[]))],
        Op::SetWifi { ssid, password } => {
            // VSC `PPPPChannel.mm` parameter list; encrypt 4 is the security code VStarcam scan
            // results give protected networks.
            let encrypt = if password.is_empty() { 0 } else { 4 };
            vec![WireRequest::needed(cgi(
                "set_wifi",
                &[
                    ("enable", n(1)),
                    ("ssid", ssid.clone()),
                    ("encrypt", n(encrypt)),
                    ("defkey", n(0)),
                    ("key1", String::new()),
                    ("key2", String::new()),
                    ("key3", String::new()),
                    ("key4", String::new()),
                    ("authtype", n(0)),
                    ("keyformat", n(0)),
                    ("key1_bits", n(0)),
                    ("key2_bits", n(0)),
                    ("key3_bits", n(0)),
                    ("key4_bits", n(0)),
                    ("channel", n(0)),
                    ("mode", n(0)),
                    ("wpa_psk", password.clone()),
                ],
            ))]
        }
        Op::Reboot => vec![WireRequest::optional(cgi("reboot", &[]))],
        Op::SetTime {
            epoch,
            tz_offset_secs,
        } => vec![WireRequest::needed(cgi(
            "set_datetime",
            &[
                ("now", n(*epoch)),
                ("tz", n(-(*tz_offset_secs as i64))),
                ("ntp_enable", n(0)),
                ("ntp_svr", String::new()),
            ],
        ))],
        Op::SdInfo => vec![WireRequest::needed(cgi("get_record", &[]))],
    };
    Ok(v)
}

fn plan_binary(op: &Op) -> Result<Vec<WireRequest>, Unsupported> {
    let b = |cmd: u16, payload: Vec<u8>| WireRequest::needed(Wire::Binary { cmd, payload });
    let ptz = |dir: u32| b(cmd::PASSTHROUGH_STRING_PUT, ilnk::ptz_passthrough(dir));
    let v = match op {
        Op::StartVideo { resolution, .. } => {
            // CR `SendVideoResolution`: value 2 = 640×480, 0 = 320×240.
            let value = match resolution {
                1 => 2,
                2 => 0,
                _ => {
                    return Err(unsupported(
                        op,
                        Dialect::Binary,
                        "resolutions 1 (640x480) and 2 (320x240) are known",
                    ))
                }
            };
            vec![
                b(
                    cmd::VIDEOPARAM_SET,
                    ilnk::video_param(ilnk::VIDEO_PARAM_RESOLUTION, value),
                ),
                b(cmd::LIVEVIDEO_START, Vec::new()),
            ]
        }
        Op::StopVideo => vec![b(cmd::LIVEVIDEO_STOP, Vec::new())],
        Op::StartAudio => vec![b(cmd::LIVEAUDIO_START, Vec::new())],
        Op::StopAudio => vec![b(cmd::LIVEAUDIO_STOP, Vec::new())],
        Op::Ptz(d) => vec![ptz(d.binary())],
        Op::PtzStop => vec![ptz(ilnk::ptz::STOP)],
        Op::PtzCenter => vec![ptz(ilnk::ptz::CENTER)],
        Op::PtzSetPreset(_) | Op::PtzGotoPreset(_) => {
            return Err(unsupported(
                op,
                Dialect::Binary,
                "no preset command is known",
            ))
        }
        Op::SetIr(_) => {
            return Err(unsupported(
                op,
                Dialect::Binary,
                "the binary dialect only toggles the IR cut filter (0x300A): use toggle_ir",
            ))
        }
        Op::ToggleIr => vec![b(cmd::IRCUT_ONOFF, Vec::new())],
        Op::SetWhiteLight(_) => {
            return Err(unsupported(
                op,
                Dialect::Binary,
                "the binary light command (0x300B) is a toggle without a documented state",
            ))
        }
        Op::SetLamp(_) => return Err(unsupported(op, Dialect::Binary, "no command is known")),
        Op::SetFlipMirror(fm) => vec![b(cmd::VIDEOPARAM_SET, ilnk::video_param(8, fm.binary()))],
        Op::GetParams => vec![b(cmd::STATUS_GET, Vec::new())],
        Op::SetParams(_) => {
            return Err(unsupported(
                op,
                Dialect::Binary,
                "send the command number directly",
            ))
        }
        Op::WifiScan => vec![b(cmd::WIFI_SCAN, Vec::new())],
        Op::SetWifi { ssid, password } => {
            let payload = ilnk::wifi_settings(ssid, password, 0)
                .map_err(|e| unsupported(op, Dialect::Binary, &e.to_string()))?;
            vec![b(cmd::WIFI_SET, payload)]
        }
        Op::Reboot => vec![WireRequest::optional(Wire::Binary {
            cmd: cmd::REBOOT,
            payload: Vec::new(),
        })],
        Op::SetTime { .. } => {
            return Err(unsupported(
                op,
                Dialect::Binary,
                "the payload of CMD_SYSTEM_DATETIME_SET is not documented",
            ))
        }
        Op::SdInfo => {
            return Err(unsupported(
                op,
                Dialect::Binary,
                "the reply of CMD_SD_INFO_GET is not documented",
            ))
        }
    };
    Ok(v)
}

/// The camera's `result` in a reply, if it has one (SHIX and CGI replies; numbers may be
/// strings).
pub fn result_of(reply: &Value) -> Option<i64> {
    let r = reply.get("result")?;
    r.as_i64()
        .or_else(|| r.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Checks a reply of a typed operation: `Err(result)` when the camera answered with a non-zero
/// `result`.
pub fn check(reply: &Value) -> Result<(), i64> {
    match result_of(reply) {
        Some(r) if r != 0 => Err(r),
        _ => Ok(()),
    }
}

fn dialect_of(reply: &Value) -> Dialect {
    match reply.get("dialect").and_then(Value::as_str) {
        Some("cgi") => Dialect::Cgi,
        Some("binary") => Dialect::Binary,
        _ => Dialect::Shix,
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    let v = v?;
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn text(v: Option<&Value>) -> Option<String> {
    let v = v?;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Camera parameters, read from SHIX `get_parms`, CGI `get_status.cgi` or the binary status.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Firmware version (`sysver`, `sys_ver`, binary status).
    pub firmware: Option<String>,
    /// Device clock, seconds since the epoch (`time`, `now`).
    pub time: Option<i64>,
    /// Time zone field as the camera reports it (`tz`).
    pub tz: Option<i64>,
    /// IR cut filter / night vision (`icut`).
    pub ir: Option<bool>,
    /// Image orientation 0–3 (`rotmir`, `flip`).
    pub flip_mirror: Option<i64>,
    /// Wi-Fi signal (`signal` in %, or dBm for binary cameras).
    pub signal: Option<i64>,
    /// Battery (`batValue` in %, or millivolts for binary cameras).
    pub battery: Option<i64>,
    /// Device name (`alias`, `devname`).
    pub name: Option<String>,
    /// MAC address (CGI `mac`, the wired interface's, else `wifimac`).
    pub mac: Option<String>,
    /// Version of the application / web pages beside the firmware (CGI `app_version`).
    pub app_version: Option<String>,
    /// Version of the camera's microcontroller firmware (SHIX `mcuver`).
    pub mcu_version: Option<String>,
    /// Every field of the reply.
    pub fields: Map<String, Value>,
}

impl Params {
    /// Reads a `get_parameters` reply of any dialect.
    pub fn from_reply(reply: &Value) -> Params {
        let empty = Map::new();
        match dialect_of(reply) {
            Dialect::Shix => {
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
            Dialect::Cgi => {
                let f = reply
                    .get("fields")
                    .and_then(Value::as_object)
                    .unwrap_or(&empty);
                Params {
                    firmware: text(f.get("sys_ver")),
                    time: int(f.get("now")),
                    tz: int(f.get("tz")),
                    ir: int(f.get("ircut").or(f.get("icut"))).map(|v| v != 0),
                    flip_mirror: int(f.get("flip")),
                    signal: int(f.get("signal")),
                    battery: int(f.get("battery")),
                    name: text(f.get("alias")),
                    mac: text(f.get("mac"))
                        .filter(|m| !m.is_empty())
                        .or_else(|| text(f.get("wifimac"))),
                    app_version: text(f.get("app_version")),
                    fields: f.clone(),
                    ..Params::default()
                }
            }
            Dialect::Binary => {
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
        }
    }
}

/// A Wi-Fi network found by a scan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WifiNetwork {
    /// Network name.
    pub ssid: String,
    /// Access point MAC, when reported.
    pub mac: Option<String>,
    /// Signal (% or dBm, as the camera reports it).
    pub signal: Option<i64>,
    /// Security / encryption code, when reported.
    pub security: Option<i64>,
    /// Channel, when reported.
    pub channel: Option<i64>,
}

/// Reads a Wi-Fi scan reply of any dialect. SHIX: the first array of objects in the reply
/// (field names `ssid`/`wifissid`, `signal`/`dbm`, `encryption`/`security`, `channel`, `mac`);
/// CGI: `ap_number` and `ap_ssid[i]`, `ap_mac[i]`, `ap_dbm0[i]`, `ap_security[i]`,
/// `ap_channel[i]`; binary: the decoded 92-byte entries.
pub fn wifi_networks(reply: &Value) -> Vec<WifiNetwork> {
    match dialect_of(reply) {
        Dialect::Shix => {
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
        Dialect::Cgi => {
            let Some(f) = reply.get("fields").and_then(Value::as_object) else {
                return Vec::new();
            };
            let n = int(f.get("ap_number")).unwrap_or(0).clamp(0, 256);
            (0..n)
                .filter_map(|i| {
                    let g = |k: &str| f.get(&format!("{k}[{i}]"));
                    Some(WifiNetwork {
                        ssid: text(g("ap_ssid"))?,
                        mac: text(g("ap_mac")),
                        signal: int(g("ap_dbm0")),
                        security: int(g("ap_security")),
                        channel: int(g("ap_channel")),
                    })
                })
                .collect()
        }
        Dialect::Binary => reply
            .get("networks")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
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
            })
            .unwrap_or_default(),
    }
}

/// SD card information.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SdInfo {
    /// A card is inserted (`isExistTf`; CGI: status non-zero).
    pub present: Option<bool>,
    /// The camera's status code (`record_sd_status`, `sdstatus`).
    pub status: Option<i64>,
    /// Capacity as the camera reports it (`sdtotal`; MB on the cameras seen).
    pub total: Option<i64>,
    /// Free space (`sdfree`).
    pub free: Option<i64>,
    /// Every field of the reply.
    pub fields: Map<String, Value>,
}

/// Reads an SD card reply (SHIX `get_sd` / `get_cloudsupport`, CGI `get_record.cgi`).
pub fn sd_info(reply: &Value) -> SdInfo {
    let empty = Map::new();
    match dialect_of(reply) {
        Dialect::Cgi => {
            let f = reply
                .get("fields")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let status = int(f.get("record_sd_status").or(f.get("sdstatus")));
            SdInfo {
                present: status.map(|s| s != 0),
                status,
                total: int(f.get("sdtotal")),
                free: int(f.get("sdfree")),
                fields: f.clone(),
            }
        }
        _ => {
            let f = reply.as_object().unwrap_or(&empty);
            let status = int(f.get("sdStatus").or(f.get("status")));
            SdInfo {
                present: int(f.get("isExistTf"))
                    .map(|v| v != 0)
                    .or(status.map(|s| s != 0)),
                status,
                total: int(f.get("totalSize").or(f.get("sdtotal")).or(f.get("total"))),
                free: int(f.get("freeSize").or(f.get("sdfree")).or(f.get("free"))),
                fields: f.clone(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::shix::{HDWIFICAM_PRO, LOOKCAM_PRO, VI365};

    fn shix(op: &Op, fam: &Family) -> Vec<Value> {
        plan(op, Dialect::Shix, fam, None)
            .unwrap()
            .into_iter()
            .map(|r| match r.wire {
                Wire::Shix(v) => v,
                w => panic!("{w:?}"),
            })
            .collect()
    }

    fn cgi_text(op: &Op) -> String {
        match plan(op, Dialect::Cgi, &VI365, None).unwrap().remove(0).wire {
            Wire::Cgi(r) => r.to_text("u", "p"),
            w => panic!("{w:?}"),
        }
    }

    #[test]
    fn shix_numbers_come_from_the_family() {
        let v = shix(&Op::SdInfo, &VI365);
        assert_eq!(v[0]["pro"], "get_cloudsupport");
        assert_eq!(v[0]["cmd"], 9000);
        let v = shix(&Op::SdInfo, &HDWIFICAM_PRO);
        assert_eq!(
            (v[0]["pro"].as_str(), v[0]["cmd"].as_i64()),
            (Some("get_sd"), Some(109))
        );
        let t = shix(
            &Op::SetTime {
                epoch: 1_700_000_000,
                tz_offset_secs: 3600,
            },
            &VI365,
        );
        assert_eq!(
            (t[0]["tz"].as_i64(), t[0]["time"].as_i64()),
            (Some(-3600), Some(1_700_000_000))
        );
        let t = shix(
            &Op::SetTime {
                epoch: 5,
                tz_offset_secs: 3600,
            },
            &HDWIFICAM_PRO,
        );
        assert_eq!(t[0]["tz_offset_min"], 60);
        let e = plan(&Op::SetWhiteLight(true), Dialect::Shix, &LOOKCAM_PRO, None).unwrap_err();
        assert!(e.to_string().contains("lookcam-pro family"), "{e}");
        assert_eq!(shix(&Op::PtzStop, &VI365).len(), 4);
        let one = plan(
            &Op::PtzStop,
            Dialect::Shix,
            &VI365,
            Some(PtzDirection::Left),
        )
        .unwrap();
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn cgi_requests() {
        assert_eq!(
            cgi_text(&Op::Ptz(PtzDirection::DownRight)),
            "GET /decoder_control.cgi?command=93&onestep=0&loginuse=u&loginpas=p&user=u&pwd=p&"
        );
        assert!(cgi_text(&Op::PtzGotoPreset(2)).contains("command=35&"));
        assert!(cgi_text(&Op::PtzSetPreset(0)).contains("command=30&"));
        assert!(cgi_text(&Op::SetIr(true)).starts_with("GET /camera_control.cgi?param=14&value=1&"));
        assert!(cgi_text(&Op::SetFlipMirror(FlipMirror::Mirror)).contains("param=5&value=2&"));
        assert!(cgi_text(&Op::start_video(1)).contains("livestream.cgi?streamid=10&"));
        let vendor = Op::StartVideo {
            resolution: 1,
            stream: Some(VideoStream {
                id: 3,
                substream: Some(1),
            }),
        };
        assert!(cgi_text(&vendor).starts_with("GET /livestream.cgi?streamid=3&substream=1&"));
        assert!(plan(&Op::PtzSetPreset(16), Dialect::Cgi, &VI365, None).is_err());
        assert!(plan(&Op::start_video(2), Dialect::Cgi, &VI365, None).is_err());
    }

    #[test]
    fn binary_requests() {
        let p = plan(&Op::start_video(1), Dialect::Binary, &VI365, None).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[1].wire,
            Wire::Binary {
                cmd: cmd::LIVEVIDEO_START,
                payload: vec![]
            }
        );
        let e = plan(&Op::SetIr(true), Dialect::Binary, &VI365, None).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("IR on/off is not supported by the binary dialect"));
    }

    #[test]
    fn typed_replies() {
        let p = Params::from_reply(
            &json!({"cmd": 101, "result": 0, "sysver": "X", "icut": 1, "rotmir": 3}),
        );
        assert_eq!(p.firmware.as_deref(), Some("X"));
        assert_eq!((p.ir, p.flip_mirror), (Some(true), Some(3)));
        let p = Params::from_reply(&json!({"cmd": 101, "result": 0, "mcuver": "1.1.1.1"}));
        assert_eq!((p.mcu_version.as_deref(), p.mac), (Some("1.1.1.1"), None));
        let status = crate::proto::cgi::reply_value(
            0x6001,
            0,
            b"var alias=\"cam\";\r\nvar sys_ver=\"48.1\";\r\nvar app_version=\"2.0\";\r\n\
              var mac=\"00:b9:c0:00:a9:b3\";\r\nvar wifimac=\"00:13:2b:13:00:61\";\r\n",
            None,
        );
        let p = Params::from_reply(&status);
        assert_eq!(
            (p.name, p.firmware, p.app_version, p.mac),
            (
                Some("cam".into()),
                Some("48.1".into()),
                Some("2.0".into()),
                Some("00:b9:c0:00:a9:b3".into())
            )
        );
        let wifi_only = crate::proto::cgi::reply_value(
            0x6001,
            0,
            b"var mac=\"\";\r\nvar wifimac=\"00:13:2b:13:00:61\";\r\n",
            None,
        );
        let p = Params::from_reply(&wifi_only);
        assert_eq!(p.mac.as_deref(), Some("00:13:2b:13:00:61"));
        let cgi = crate::proto::cgi::reply_value(
            0x602a,
            0,
            b"var ap_number=2;\r\nap_ssid[0]=\"a\";\r\nap_dbm0[0]='50';\r\nap_ssid[1]=\"b\";\r\n",
            None,
        );
        let w = wifi_networks(&cgi);
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].ssid.as_str(), w[0].signal), ("a", Some(50)));
        assert_eq!(check(&json!({"result": -3})), Err(-3));
        assert_eq!(check(&json!({"result": "0"})), Ok(()));
        assert_eq!(check(&json!({"dialect": "binary"})), Ok(()));
        let sd = sd_info(&json!({"cmd": 9000, "isExistTf": 1}));
        assert_eq!(sd.present, Some(true));
    }
}
