//! The VStarcam CGI dialect (docs/protocol.md §4.3, §8.3) as the controller speaks it: one
//! `GET /name.cgi?…` line per request with the credentials added, replies recognised by the
//! response code of their CGI name, else by order.
//!
//! | op | request |
//! |---|---|
//! | start/stop video | `livestream.cgi?streamid=10` (or the stream asked for) / `streamid=16` |
//! | start/stop audio | `audiostream.cgi?streamid=1/16` |
//! | PTZ move / stop / centre | `decoder_control.cgi?command=0/2/4/6, 90–93` / 1/3/5/7 / 25 |
//! | presets 0–15 | command 30+2n (set), 31+2n (go) |
//! | IR, flip/mirror | `camera_control.cgi?param=14` / `param=5` 0–3 |
//! | parameters | `get_status.cgi` |
//! | Wi-Fi scan / set | `wifi_scan.cgi` / `set_wifi.cgi` |
//! | reboot, time, SD card | `reboot.cgi`, `set_datetime.cgi`, `get_record.cgi` |
//!
//! Sources: VSC `moto.h` (PTZ and preset command numbers), `PPPPChannel.mm`/`CgiPacket.cpp`
//! (set_wifi/set_datetime/get_record/wifi_scan formats), L32 `camClient.js`. The white light,
//! the lamp, an IR toggle and SHIX parameter setting have no known CGI.

use std::fmt::Write as _;

use serde_json::Value;

use super::{
    u16_len, Context, DialectRules, Expect, Identity, Incoming, LoginAnswer, Prefix, Waiting,
    WireRequest,
};
use crate::proto::cgi::{self as codec, CgiRequest};
use crate::proto::command::{Block, HEADER_LEN};
use crate::proto::controller::ControllerError;
use crate::proto::dialect::Dialect;
use crate::proto::dissect::{hex_short, text_short};
use crate::proto::ops::{self, int, text, unsupported, Op, Params, PtzDirection, SdInfo};
use crate::proto::ops::{Unsupported, WifiNetwork};

/// The VStarcam CGI dialect.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cgi;

/// Names, framing (a u16 length), and the UID prefixes of VStarcam cameras: `VST…` (VSTA, VSTB,
/// VSTC, VSTH, VSTJ …), `VE…`, `VC0…` (docs/protocol.md §4.3, §5.3: the VE/VSTJ/VC0 PSKs, the real
/// VSTH camera of B6) and `OBJ` (VSC sample status `deviceid="OBJ-…"`).
static IDENTITY: Identity = Identity {
    name: "cgi",
    aliases: &["vstarcam"],
    prefixes: &[
        Prefix::family("VST"),
        Prefix::family("VE"),
        Prefix::family("VC0"),
        Prefix::exact("OBJ"),
    ],
    start: codec::START,
    // A u16 length at bytes 4–5 (bytes 6–7 are a version).
    payload_len: u16_len,
};

impl Cgi {
    /// A CGI request with the credentials added; its reply is recognised by the response code
    /// of its name, when known.
    pub fn request(
        cx: &Context<'_>,
        r: &CgiRequest,
        optional: bool,
    ) -> Result<WireRequest, ControllerError> {
        Ok(WireRequest {
            block: r
                .encode(cx.user, cx.password)
                .map_err(ControllerError::Cgi)?,
            expect: Expect {
                key: r.response_code().map(i64::from),
                name: Some(r.name.clone()),
            },
            optional,
        })
    }
}

impl DialectRules for Cgi {
    fn identity(&self) -> &'static Identity {
        &IDENTITY
    }

    /// `check_user.cgi`.
    fn login(&self, cx: &Context<'_>) -> Result<WireRequest, ControllerError> {
        Cgi::request(cx, &CgiRequest::with("check_user", &[]), false)
    }

    fn plan(&self, op: &Op, cx: &Context<'_>) -> Result<Vec<WireRequest>, ControllerError> {
        plan(op, cx.last_ptz)
            .map_err(ControllerError::Unsupported)?
            .iter()
            .map(|(r, optional)| Cgi::request(cx, r, *optional))
            .collect()
    }

    /// `var key=value;` text (or a binary body), keyed by the response code in bytes 2–3.
    fn read(&self, block: &Block) -> Result<Incoming, String> {
        let reply = codec::reply_value(block.cmd, block.aux, &block.payload, None);
        Ok(Incoming {
            key: Some(i64::from(block.cmd)),
            damaged: reply.get("malformed").is_some(),
            reply,
        })
    }

    /// A request whose response code is unknown; else, for a code not in the table, the
    /// oldest request; else a login (some firmware answers it with another code).
    fn fallback(&self, reply: i64, waiting: &[Waiting<'_>]) -> Option<usize> {
        let known = u16::try_from(reply)
            .ok()
            .and_then(codec::name_for_code)
            .is_some();
        waiting
            .iter()
            .position(|w| w.expect.key.is_none())
            .or_else(|| (!known && !waiting.is_empty()).then_some(0))
            .or_else(|| waiting.iter().position(|w| w.login))
    }

    /// The reply's `cgi` is the name of the request it answers.
    fn attribute(&self, reply: &mut Value, request: &Expect) {
        if let (Some(name), Value::Object(m)) = (&request.name, reply) {
            m.insert("cgi".into(), Value::from(name.as_str()));
        }
    }

    /// `result` (VSC `ProcessCheckUser`: non-zero is "invalid user or password"); an answer
    /// without one is unusable.
    fn login_answer(&self, _block: &Block, reply: &Value) -> Result<LoginAnswer, String> {
        let result = ops::result_of(reply)
            .ok_or_else(|| "the check_user.cgi answer has no result field".to_owned())?;
        Ok(LoginAnswer {
            result,
            ticket: None,
        })
    }

    /// `get_status.cgi`: `sys_ver`, `now`, `tz`, `ircut`/`icut`, `flip`, `signal`, `battery`,
    /// `alias`, `mac` (else `wifimac`), `app_version`.
    fn params(&self, reply: &Value) -> Params {
        let empty = serde_json::Map::new();
        let f = fields(reply).unwrap_or(&empty);
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

    /// `ap_number` and `ap_ssid[i]`, `ap_mac[i]`, `ap_dbm0[i]`, `ap_security[i]`,
    /// `ap_channel[i]` (at most 256).
    fn wifi_networks(&self, reply: &Value) -> Vec<WifiNetwork> {
        let Some(f) = fields(reply) else {
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

    /// `get_record.cgi`: `record_sd_status`/`sdstatus` (present when non-zero), `sdtotal`,
    /// `sdfree`.
    fn sd_info(&self, reply: &Value) -> SdInfo {
        let empty = serde_json::Map::new();
        let f = fields(reply).unwrap_or(&empty);
        let status = int(f.get("record_sd_status").or(f.get("sdstatus")));
        SdInfo {
            present: status.map(|s| s != 0),
            status,
            total: int(f.get("sdtotal")),
            free: int(f.get("sdfree")),
            fields: f.clone(),
        }
    }

    fn describe(&self, b: &Block) -> String {
        let mut out = format!("cgi cmd=0x{:04x}", b.cmd);
        if let Some(n) = codec::name_for_code(b.cmd) {
            let _ = write!(out, " ({n})");
        }
        if b.aux != 0 {
            let _ = write!(out, " ver=0x{:04x}", b.aux);
        }
        if codec::is_text(&b.payload) {
            let _ = write!(out, " \"{}\"", text_short(&b.payload));
        } else {
            let what = if b.payload.starts_with(&[0xff, 0xd8]) {
                " (JPEG)"
            } else {
                ""
            };
            let _ = write!(
                out,
                " binary {} bytes{what}: {}",
                b.payload.len(),
                hex_short(&b.payload, 32)
            );
        }
        out
    }

    fn describe_header(&self, h: &[u8; HEADER_LEN]) -> String {
        let cmd = u16::from_le_bytes([h[2], h[3]]);
        let aux = u16::from_le_bytes([h[6], h[7]]);
        format!(
            "cgi cmd=0x{cmd:04x}{} len={} ver=0x{aux:04x}",
            codec::name_for_code(cmd)
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            u16_len(h)
        )
    }
}

/// The `fields` object of a CGI reply.
fn fields(reply: &Value) -> Option<&serde_json::Map<String, Value>> {
    reply.get("fields").and_then(Value::as_object)
}

/// VStarcam `decoder_control.cgi` command of a direction (VSC `moto.h`).
fn ptz_command(d: PtzDirection) -> i64 {
    match d {
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

/// The CGI requests of `op` (and whether each is optional).
fn plan(op: &Op, last_ptz: Option<PtzDirection>) -> Result<Vec<(CgiRequest, bool)>, Unsupported> {
    let refuse = |detail: &str| unsupported(op, Dialect::Cgi, detail);
    let n = |v: i64| v.to_string();
    let needed = |name: &str, params: &[(&str, String)]| (CgiRequest::with(name, params), false);
    let optional = |name: &str, params: &[(&str, String)]| (CgiRequest::with(name, params), true);
    let decoder = |c: i64| needed("decoder_control", &[("command", n(c)), ("onestep", n(0))]);
    let v = match op {
        Op::StartVideo {
            stream: Some(stream),
            ..
        } => {
            if stream.id >= 16 {
                return Err(refuse(
                    "livestream.cgi stream ids are 0-15 (16 stops the stream)",
                ));
            }
            let mut params = vec![("streamid", n(i64::from(stream.id)))];
            if let Some(sub) = stream.substream {
                params.push(("substream", n(i64::from(sub))));
            }
            vec![optional("livestream", &params)]
        }
        Op::StartVideo { resolution, .. } => {
            if *resolution != 1 {
                return Err(refuse(
                    "livestream.cgi streams the camera's configured resolution; only the default (1) can be asked for",
                ));
            }
            vec![optional("livestream", &[("streamid", n(10))])]
        }
        Op::StopVideo => vec![optional("livestream", &[("streamid", n(16))])],
        Op::StartAudio => vec![optional("audiostream", &[("streamid", n(1))])],
        Op::StopAudio => vec![optional("audiostream", &[("streamid", n(16))])],
        Op::Ptz(d) => vec![decoder(ptz_command(*d))],
        Op::PtzStop => {
            // The stop of the axis last started; L32's generic stop is command 1.
            let c = match last_ptz {
                Some(d) if d.is_axis() => ptz_command(d) + 1,
                _ => 1,
            };
            vec![decoder(c)]
        }
        Op::PtzCenter => vec![decoder(25)],
        Op::PtzSetPreset(p) | Op::PtzGotoPreset(p) => {
            if *p > 15 {
                return Err(refuse("presets are numbered 0-15"));
            }
            let base = if matches!(op, Op::PtzSetPreset(_)) {
                30
            } else {
                31
            };
            vec![decoder(base + 2 * *p as i64)]
        }
        Op::SetIr(on) => vec![needed(
            "camera_control",
            &[("param", n(14)), ("value", n(*on as i64))],
        )],
        Op::ToggleIr => return Err(refuse("VStarcam cameras switch IR explicitly: use set_ir")),
        Op::SetWhiteLight(_) | Op::SetLamp(_) => return Err(refuse("no CGI command is known")),
        Op::SetFlipMirror(fm) => vec![needed(
            "camera_control",
            &[("param", n(5)), ("value", n(fm.value()))],
        )],
        Op::GetParams => vec![needed("get_status", &[])],
        Op::SetParams(_) => {
            return Err(refuse(
                "send the CGI directly, e.g. camera_control.cgi?param=N&value=V",
            ))
        }
        Op::WifiScan => vec![needed("wifi_scan", &[])],
        Op::SetWifi { ssid, password } => {
            // VSC `PPPPChannel.mm` parameter list; encrypt 4 is the security code VStarcam scan
            // results give protected networks.
            let encrypt = if password.is_empty() { 0 } else { 4 };
            vec![needed(
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
            )]
        }
        Op::Reboot => vec![optional("reboot", &[])],
        Op::SetTime {
            epoch,
            tz_offset_secs,
        } => vec![needed(
            "set_datetime",
            &[
                ("now", n(*epoch)),
                ("tz", n(-(*tz_offset_secs as i64))),
                ("ntp_enable", n(0)),
                ("ntp_svr", String::new()),
            ],
        )],
        Op::SdInfo => vec![needed("get_record", &[])],
    };
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ops::{FlipMirror, VideoStream};
    use crate::proto::shix::VI365;

    fn cx() -> Context<'static> {
        Context {
            user: "u",
            password: "p",
            ..Context::sessionless(&VI365)
        }
    }

    /// The request line of `op`'s first request.
    fn line(op: &Op) -> String {
        let r = Cgi.plan(op, &cx()).unwrap().remove(0);
        String::from_utf8(r.block[HEADER_LEN..].to_vec()).unwrap()
    }

    #[test]
    fn requests() {
        assert_eq!(
            line(&Op::Ptz(PtzDirection::DownRight)),
            "GET /decoder_control.cgi?command=93&onestep=0&loginuse=u&loginpas=p&user=u&pwd=p&"
        );
        assert!(line(&Op::PtzGotoPreset(2)).contains("command=35&"));
        assert!(line(&Op::PtzSetPreset(0)).contains("command=30&"));
        assert!(line(&Op::SetIr(true)).starts_with("GET /camera_control.cgi?param=14&value=1&"));
        assert!(line(&Op::SetFlipMirror(FlipMirror::Mirror)).contains("param=5&value=2&"));
        assert!(line(&Op::start_video(1)).contains("livestream.cgi?streamid=10&"));
        let vendor = Op::StartVideo {
            resolution: 1,
            stream: Some(VideoStream {
                id: 3,
                substream: Some(1),
            }),
        };
        assert!(line(&vendor).starts_with("GET /livestream.cgi?streamid=3&substream=1&"));
        assert!(Cgi.plan(&Op::PtzSetPreset(16), &cx()).is_err());
        assert!(Cgi.plan(&Op::start_video(2), &cx()).is_err());
    }

    #[test]
    fn replies_are_recognised_by_response_code() {
        let r = Cgi.plan(&Op::GetParams, &cx()).unwrap().remove(0);
        assert_eq!(r.expect.key, Some(0x6001));
        assert_eq!(r.expect.name.as_deref(), Some("get_status"));
        let stream = Cgi.plan(&Op::StopVideo, &cx()).unwrap().remove(0);
        assert!(stream.optional);
        let unknown = Expect {
            key: None,
            name: Some("x".into()),
        };
        let known = Expect {
            key: Some(0x6001),
            name: Some("get_status".into()),
        };
        let w = |expect, login| Waiting { expect, login };
        // A code the table knows goes to a request whose code is unknown, else to a login.
        assert_eq!(
            Cgi.fallback(0x6012, &[w(&known, false), w(&unknown, false)]),
            Some(1)
        );
        assert_eq!(
            Cgi.fallback(0x6012, &[w(&known, false), w(&known, true)]),
            Some(1)
        );
        // A code it does not know goes to the oldest request.
        assert_eq!(Cgi.fallback(0x7777, &[w(&known, false)]), Some(0));
    }
}
