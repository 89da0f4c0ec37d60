//! The typed command catalogue: one [`Op`] per thing a user wants from a camera (stream, PTZ,
//! lights, image orientation, parameters, Wi-Fi, reboot, time, SD card) and the typed results
//! read back from the replies ([`Params`], [`WifiNetwork`], [`SdInfo`], [`check`]).
//!
//! Each dialect maps the operations onto its own requests and reads its own replies (see
//! [`crate::proto::dialect`]: the tables and sources are in the dialect files); an operation a
//! dialect has no command for is [`Unsupported`]. [`crate::proto::operation`] is the table the
//! bindings expose.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::proto::dialect::{Dialect, Reply};

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

/// The [`Unsupported`] error of `op` in `dialect`, with `detail` (may be empty).
pub(crate) fn unsupported(op: &Op, dialect: Dialect, detail: &str) -> Unsupported {
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

/// A number of a reply field (numbers may be strings).
pub(crate) fn int(v: Option<&Value>) -> Option<i64> {
    let v = v?;
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The text of a reply field (numbers as written).
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
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
    /// Reads a `get_parameters` reply of any dialect (each dialect knows its fields).
    pub fn from_reply(reply: &Reply) -> Params {
        reply.dialect().rules().params(reply.json())
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

/// Reads a Wi-Fi scan reply of any dialect (each dialect knows its fields).
pub fn wifi_networks(reply: &Reply) -> Vec<WifiNetwork> {
    reply.dialect().rules().wifi_networks(reply.json())
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

/// Reads an SD card reply of any dialect (SHIX `get_sd` / `get_cloudsupport`, CGI
/// `get_record.cgi`).
pub fn sd_info(reply: &Reply) -> SdInfo {
    reply.dialect().rules().sd_info(reply.json())
}

/// SD card information from top-level JSON fields: `isExistTf` (else a non-zero status),
/// `sdStatus`/`status`, `totalSize`/`sdtotal`/`total`, `freeSize`/`sdfree`/`free`.
pub(crate) fn sd_info_of_fields(reply: &Value) -> SdInfo {
    let empty = Map::new();
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shix(v: Value) -> Reply {
        Reply::new(Dialect::Shix, v)
    }

    fn cgi(code: u16, text: &[u8]) -> Reply {
        Reply::new(
            Dialect::Cgi,
            crate::proto::cgi::reply_value(code, 0, text, None),
        )
    }

    #[test]
    fn typed_replies() {
        let p = Params::from_reply(&shix(
            json!({"cmd": 101, "result": 0, "sysver": "X", "icut": 1, "rotmir": 3}),
        ));
        assert_eq!(p.firmware.as_deref(), Some("X"));
        assert_eq!((p.ir, p.flip_mirror), (Some(true), Some(3)));
        let p = Params::from_reply(&shix(json!({"cmd": 101, "result": 0, "mcuver": "1.1.1.1"})));
        assert_eq!((p.mcu_version.as_deref(), p.mac), (Some("1.1.1.1"), None));
        let status = cgi(
            0x6001,
            b"var alias=\"cam\";\r\nvar sys_ver=\"48.1\";\r\nvar app_version=\"2.0\";\r\n\
              var mac=\"00:b9:c0:00:a9:b3\";\r\nvar wifimac=\"00:13:2b:13:00:61\";\r\n",
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
        let wifi_only = cgi(
            0x6001,
            b"var mac=\"\";\r\nvar wifimac=\"00:13:2b:13:00:61\";\r\n",
        );
        let p = Params::from_reply(&wifi_only);
        assert_eq!(p.mac.as_deref(), Some("00:13:2b:13:00:61"));
        let scan = cgi(
            0x602a,
            b"var ap_number=2;\r\nap_ssid[0]=\"a\";\r\nap_dbm0[0]='50';\r\nap_ssid[1]=\"b\";\r\n",
        );
        let w = wifi_networks(&scan);
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].ssid.as_str(), w[0].signal), ("a", Some(50)));
        assert_eq!(check(&json!({"result": -3})), Err(-3));
        assert_eq!(check(&json!({"result": "0"})), Ok(()));
        assert_eq!(check(&json!({"dialect": "binary"})), Ok(()));
        let sd = sd_info(&shix(json!({"cmd": 9000, "isExistTf": 1})));
        assert_eq!(sd.present, Some(true));
        let sd = sd_info(&cgi(
            0x6006,
            b"var record_sd_status=1;\r\nvar sdtotal=30436;\r\n",
        ));
        assert_eq!((sd.present, sd.total), (Some(true), Some(30436)));
    }

    #[test]
    fn a_reply_is_read_by_its_dialect_not_by_a_tag_in_it() {
        // A SHIX camera whose JSON happens to carry "dialect":"cgi" is still read as SHIX.
        let p = Params::from_reply(&shix(json!({"dialect": "cgi", "sysver": "S"})));
        assert_eq!(p.firmware.as_deref(), Some("S"));
    }
}
