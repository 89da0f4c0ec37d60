//! The operation table: every typed operation of [`Op`] written down once — the name each
//! binding gives it, its arguments, the type of its reply, the dialects that have a command
//! for it — and the one place that turns a camera's reply into that typed result, deciding
//! what counts as a refusal.
//!
//! The bindings are thin over it: the C API's `pppp_session_<name>` functions and its generic
//! `pppp_session_call`, Python's `Camera.<python>` methods and their asyncio twins, the Java
//! layer. A test checks that `include/pppp.h`, the Python package and this table agree.
//! Arguments cross the bindings as a JSON object (`{"direction": "up"}`); results as the JSON
//! form of [`Outcome`].

use serde_json::{json, Map, Value};

use crate::proto::dialect::{Context, Dialect, Reply};
use crate::proto::ops::{
    self, FlipMirror, Op, Params, PtzDirection, SdInfo, VideoStream, WifiNetwork,
};
use crate::proto::shix;

/// The type of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// `true`/`false` (integers 0/1 accepted).
    Bool,
    /// An integer in `min..=max`.
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// A [`PtzDirection`] name (`up`, `down-left`, …).
    Direction,
    /// A [`FlipMirror`] value 0–3 or name (`normal`, `flip`, `mirror`, `flip-mirror`).
    FlipMirror,
    /// A string.
    Text,
    /// A JSON object of parameter fields.
    Fields,
}

/// One argument of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgSpec {
    /// Its name in the JSON arguments (and as a keyword in the bindings).
    pub name: &'static str,
    /// Its type.
    pub kind: ArgKind,
    /// Whether it must be given (an optional one takes a default or is left out).
    pub required: bool,
}

/// What an operation's reply is turned into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyKind {
    /// Nothing (success or a refusal).
    Done,
    /// [`Params`].
    Params,
    /// A list of [`WifiNetwork`]s.
    WifiNetworks,
    /// [`SdInfo`].
    SdInfo,
}

/// One operation as every binding exposes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpSpec {
    /// Its name: `Session::<name>` in Rust, `pppp_session_<name>` in C.
    pub name: &'static str,
    /// Its name as a Python `Camera` method.
    pub python: &'static str,
    /// Its arguments, in order.
    pub args: &'static [ArgSpec],
    /// What its reply becomes.
    pub reply: ReplyKind,
    /// One line for documentation.
    pub doc: &'static str,
}

const fn arg(name: &'static str, kind: ArgKind) -> ArgSpec {
    ArgSpec {
        name,
        kind,
        required: true,
    }
}

const fn optional(name: &'static str, kind: ArgKind) -> ArgSpec {
    ArgSpec {
        name,
        kind,
        required: false,
    }
}

const PRESET: ArgKind = ArgKind::Int { min: 0, max: 15 };

/// Every operation, in the order of [`Op`].
pub const OPERATIONS: &[OpSpec] = &[
    OpSpec {
        name: "start_video",
        python: "start_video",
        args: &[
            optional("resolution", ArgKind::Int { min: 1, max: 255 }),
            optional("stream", ArgKind::Int { min: 0, max: 15 }),
            optional("substream", ArgKind::Int { min: 0, max: 255 }),
        ],
        reply: ReplyKind::Done,
        doc: "Asks the camera to send video (SHIX resolution 1 = 640x480, 2 = 320x240; optional: the VStarcam stream id and substream).",
    },
    OpSpec {
        name: "stop_video",
        python: "stop_video",
        args: &[],
        reply: ReplyKind::Done,
        doc: "Asks the camera to stop video.",
    },
    OpSpec {
        name: "start_audio",
        python: "start_audio",
        args: &[],
        reply: ReplyKind::Done,
        doc: "Asks the camera to send audio.",
    },
    OpSpec {
        name: "stop_audio",
        python: "stop_audio",
        args: &[],
        reply: ReplyKind::Done,
        doc: "Asks the camera to stop audio.",
    },
    OpSpec {
        name: "ptz",
        python: "ptz",
        args: &[arg("direction", ArgKind::Direction)],
        reply: ReplyKind::Done,
        doc: "Starts moving the head (SHIX cameras: the four axes only).",
    },
    OpSpec {
        name: "ptz_stop",
        python: "ptz_stop",
        args: &[],
        reply: ReplyKind::Done,
        doc: "Stops moving the head.",
    },
    OpSpec {
        name: "ptz_center",
        python: "ptz_center",
        args: &[],
        reply: ReplyKind::Done,
        doc: "Moves the head back to the centre / home position.",
    },
    OpSpec {
        name: "ptz_preset",
        python: "ptz_preset",
        args: &[arg("preset", PRESET)],
        reply: ReplyKind::Done,
        doc: "Stores the current position as preset 0-15.",
    },
    OpSpec {
        name: "ptz_goto_preset",
        python: "ptz_goto_preset",
        args: &[arg("preset", PRESET)],
        reply: ReplyKind::Done,
        doc: "Moves to preset 0-15.",
    },
    OpSpec {
        name: "set_ir",
        python: "ir",
        args: &[arg("on", ArgKind::Bool)],
        reply: ReplyKind::Done,
        doc: "Switches night vision (the IR cut filter) on or off.",
    },
    OpSpec {
        name: "toggle_ir",
        python: "toggle_ir",
        args: &[],
        reply: ReplyKind::Done,
        doc: "Toggles night vision (iLnk binary cameras have no on/off command).",
    },
    OpSpec {
        name: "set_white_light",
        python: "white_light",
        args: &[arg("on", ArgKind::Bool)],
        reply: ReplyKind::Done,
        doc: "Switches the white light on or off.",
    },
    OpSpec {
        name: "set_lamp",
        python: "lamp",
        args: &[arg("on", ArgKind::Bool)],
        reply: ReplyKind::Done,
        doc: "Switches the lamp on or off.",
    },
    OpSpec {
        name: "set_flip_mirror",
        python: "set_flip_mirror",
        args: &[arg("value", ArgKind::FlipMirror)],
        reply: ReplyKind::Done,
        doc: "Sets the picture orientation: 0 normal, 1 flip, 2 mirror, 3 both.",
    },
    OpSpec {
        name: "params",
        python: "params",
        args: &[],
        reply: ReplyKind::Params,
        doc: "Reads the camera's parameters (firmware, clock, night vision, signal, ...).",
    },
    OpSpec {
        name: "set_params",
        python: "set_params",
        args: &[arg("fields", ArgKind::Fields)],
        reply: ReplyKind::Done,
        doc: "Sets parameters by name (SHIX dev_control fields).",
    },
    OpSpec {
        name: "wifi_scan",
        python: "wifi_scan",
        args: &[],
        reply: ReplyKind::WifiNetworks,
        doc: "Lists the Wi-Fi networks the camera sees.",
    },
    OpSpec {
        name: "set_wifi",
        python: "set_wifi",
        args: &[arg("ssid", ArgKind::Text), arg("password", ArgKind::Text)],
        reply: ReplyKind::Done,
        doc: "Makes the camera join a Wi-Fi network.",
    },
    OpSpec {
        name: "reboot",
        python: "reboot",
        args: &[],
        reply: ReplyKind::Done,
        doc: "Reboots the camera (the session ends when it goes down).",
    },
    OpSpec {
        name: "set_time",
        python: "set_time",
        args: &[
            arg(
                "epoch",
                ArgKind::Int {
                    min: 0,
                    max: 1 << 34,
                },
            ),
            arg(
                "tz_offset",
                ArgKind::Int {
                    min: -86_400,
                    max: 86_400,
                },
            ),
        ],
        reply: ReplyKind::Done,
        doc: "Sets the camera's clock (seconds since the epoch) and zone (seconds east of UTC).",
    },
    OpSpec {
        name: "sd_info",
        python: "sd_info",
        args: &[],
        reply: ReplyKind::SdInfo,
        doc: "Reads the SD card's state, capacity and free space.",
    },
];

impl ArgKind {
    /// Its name in [`OpSpec::to_json`]: `bool`, `int`, `direction`, `flip_mirror`, `text`,
    /// `fields`.
    pub fn name(self) -> &'static str {
        match self {
            ArgKind::Bool => "bool",
            ArgKind::Int { .. } => "int",
            ArgKind::Direction => "direction",
            ArgKind::FlipMirror => "flip_mirror",
            ArgKind::Text => "text",
            ArgKind::Fields => "fields",
        }
    }
}

impl ReplyKind {
    /// Its name in [`OpSpec::to_json`]: `done`, `params`, `wifi_networks`, `sd_info`.
    pub fn name(self) -> &'static str {
        match self {
            ReplyKind::Done => "done",
            ReplyKind::Params => "params",
            ReplyKind::WifiNetworks => "wifi_networks",
            ReplyKind::SdInfo => "sd_info",
        }
    }
}

impl OpSpec {
    /// The entry as the bindings publish it (Python's `pppp._native.OPERATIONS`):
    /// `{"name", "python", "args": [{"name", "kind", "required"[, "min", "max"]}], "reply",
    /// "dialects", "doc"}`.
    pub fn to_json(&self) -> Value {
        let args: Vec<Value> = self
            .args
            .iter()
            .map(|a| {
                let mut v =
                    json!({ "name": a.name, "kind": a.kind.name(), "required": a.required });
                if let ArgKind::Int { min, max } = a.kind {
                    v["min"] = json!(min);
                    v["max"] = json!(max);
                }
                v
            })
            .collect();
        json!({
            "name": self.name,
            "python": self.python,
            "args": args,
            "reply": self.reply.name(),
            "dialects": self.dialects().iter().map(|d| d.name()).collect::<Vec<_>>(),
            "doc": self.doc,
        })
    }
}

/// Why arguments do not make an operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// No operation has this name.
    #[error("unknown operation {0:?}")]
    UnknownOp(String),
    /// An argument is missing.
    #[error("{op}: missing argument {arg:?}")]
    Missing {
        /// The operation.
        op: &'static str,
        /// The argument.
        arg: &'static str,
    },
    /// An argument has the wrong type or is out of range.
    #[error("{op}: argument {arg:?} {reason}")]
    Invalid {
        /// The operation.
        op: &'static str,
        /// The argument.
        arg: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The arguments are not a JSON object, or name an argument the operation does not take.
    #[error("{0}")]
    Shape(String),
}

impl OpSpec {
    /// The dialects that have a command for this operation: those whose
    /// [`plan`](crate::proto::dialect::DialectRules::plan) takes it with typical arguments
    /// (the smallest numbers, `up`, `normal`, a short text, one field) in the default SHIX
    /// numbering (another SHIX family may lack the command).
    pub fn dialects(&self) -> Vec<Dialect> {
        let args: Map<String, Value> = self
            .args
            .iter()
            .map(|a| {
                let v = match a.kind {
                    ArgKind::Bool => json!(true),
                    ArgKind::Int { min, .. } => json!(min),
                    ArgKind::Direction => json!("up"),
                    ArgKind::FlipMirror => json!(0),
                    ArgKind::Text => json!("x"),
                    ArgKind::Fields => json!({"x": 1}),
                };
                (a.name.to_owned(), v)
            })
            .collect();
        let Ok(op) = Op::from_args(self.name, &Value::Object(args)) else {
            return Vec::new();
        };
        let cx = Context::sessionless(&shix::VI365);
        Dialect::ALL
            .into_iter()
            .filter(|d| d.rules().plan(&op, &cx).is_ok())
            .collect()
    }
}

/// The spec named `name` (its binding name or its Python name).
pub fn spec(name: &str) -> Option<&'static OpSpec> {
    OPERATIONS
        .iter()
        .find(|s| s.name == name || s.python == name)
}

impl Op {
    /// The table entry of this operation.
    pub fn spec(&self) -> &'static OpSpec {
        let name = match self {
            Op::StartVideo { .. } => "start_video",
            Op::StopVideo => "stop_video",
            Op::StartAudio => "start_audio",
            Op::StopAudio => "stop_audio",
            Op::Ptz(_) => "ptz",
            Op::PtzStop => "ptz_stop",
            Op::PtzCenter => "ptz_center",
            Op::PtzSetPreset(_) => "ptz_preset",
            Op::PtzGotoPreset(_) => "ptz_goto_preset",
            Op::SetIr(_) => "set_ir",
            Op::ToggleIr => "toggle_ir",
            Op::SetWhiteLight(_) => "set_white_light",
            Op::SetLamp(_) => "set_lamp",
            Op::SetFlipMirror(_) => "set_flip_mirror",
            Op::GetParams => "params",
            Op::SetParams(_) => "set_params",
            Op::WifiScan => "wifi_scan",
            Op::SetWifi { .. } => "set_wifi",
            Op::Reboot => "reboot",
            Op::SetTime { .. } => "set_time",
            Op::SdInfo => "sd_info",
        };
        spec(name).expect("every Op is in OPERATIONS")
    }

    /// The operation `name` (binding or Python name) with `args`, a JSON object of its
    /// arguments by name (missing optional ones take their defaults: `resolution` 1).
    pub fn from_args(name: &str, args: &Value) -> Result<Op, ArgError> {
        let s = spec(name).ok_or_else(|| ArgError::UnknownOp(name.to_owned()))?;
        let empty = Map::new();
        let m = match args {
            Value::Object(m) => m,
            Value::Null => &empty,
            other => {
                return Err(ArgError::Shape(format!(
                    "{}: arguments must be a JSON object, not {other}",
                    s.name
                )))
            }
        };
        if let Some(k) = m.keys().find(|k| !s.args.iter().any(|a| a.name == *k)) {
            return Err(ArgError::Shape(format!(
                "{} takes no argument {k:?} (it takes: {})",
                s.name,
                s.args.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
            )));
        }
        let get = |i: usize| Arg {
            spec: s,
            arg: &s.args[i],
            value: m.get(s.args[i].name),
        };
        Ok(match s.name {
            "start_video" => Op::StartVideo {
                resolution: get(0).int_or(1)? as u8,
                stream: match get(1).opt_int()? {
                    Some(id) => Some(VideoStream {
                        id: id as u8,
                        substream: get(2).opt_int()?.map(|n| n as u8),
                    }),
                    None => None,
                },
            },
            "stop_video" => Op::StopVideo,
            "start_audio" => Op::StartAudio,
            "stop_audio" => Op::StopAudio,
            "ptz" => Op::Ptz(get(0).direction()?),
            "ptz_stop" => Op::PtzStop,
            "ptz_center" => Op::PtzCenter,
            "ptz_preset" => Op::PtzSetPreset(get(0).int()? as u8),
            "ptz_goto_preset" => Op::PtzGotoPreset(get(0).int()? as u8),
            "set_ir" => Op::SetIr(get(0).bool()?),
            "toggle_ir" => Op::ToggleIr,
            "set_white_light" => Op::SetWhiteLight(get(0).bool()?),
            "set_lamp" => Op::SetLamp(get(0).bool()?),
            "set_flip_mirror" => Op::SetFlipMirror(get(0).flip_mirror()?),
            "params" => Op::GetParams,
            "set_params" => Op::SetParams(get(0).fields()?),
            "wifi_scan" => Op::WifiScan,
            "set_wifi" => Op::SetWifi {
                ssid: get(0).text()?,
                password: get(1).text()?,
            },
            "reboot" => Op::Reboot,
            "set_time" => Op::SetTime {
                epoch: get(0).int()?,
                tz_offset_secs: get(1).int()? as i32,
            },
            "sd_info" => Op::SdInfo,
            other => return Err(ArgError::UnknownOp(other.to_owned())),
        })
    }

    /// The arguments of this operation as [`Op::from_args`] takes them.
    pub fn args(&self) -> Value {
        match self {
            Op::StartVideo { resolution, stream } => {
                let mut m = json!({ "resolution": resolution });
                if let Some(s) = stream {
                    m["stream"] = json!(s.id);
                    if let Some(sub) = s.substream {
                        m["substream"] = json!(sub);
                    }
                }
                m
            }
            Op::Ptz(d) => json!({ "direction": d }),
            Op::PtzSetPreset(n) | Op::PtzGotoPreset(n) => json!({ "preset": n }),
            Op::SetIr(on) | Op::SetWhiteLight(on) | Op::SetLamp(on) => json!({ "on": on }),
            Op::SetFlipMirror(fm) => json!({ "value": fm.value() }),
            Op::SetParams(f) => json!({ "fields": f }),
            Op::SetWifi { ssid, password } => json!({ "ssid": ssid, "password": password }),
            Op::SetTime {
                epoch,
                tz_offset_secs,
            } => json!({ "epoch": epoch, "tz_offset": tz_offset_secs }),
            _ => json!({}),
        }
    }
}

/// One argument being read.
struct Arg<'a> {
    spec: &'static OpSpec,
    arg: &'static ArgSpec,
    value: Option<&'a Value>,
}

impl Arg<'_> {
    fn invalid(&self, reason: impl Into<String>) -> ArgError {
        ArgError::Invalid {
            op: self.spec.name,
            arg: self.arg.name,
            reason: reason.into(),
        }
    }

    fn present(&self) -> Result<&Value, ArgError> {
        self.value
            .filter(|v| !v.is_null())
            .ok_or(ArgError::Missing {
                op: self.spec.name,
                arg: self.arg.name,
            })
    }

    fn int(&self) -> Result<i64, ArgError> {
        let v = self.present()?;
        let n = v
            .as_i64()
            .ok_or_else(|| self.invalid(format!("must be an integer, not {v}")))?;
        if let ArgKind::Int { min, max } = self.arg.kind {
            if !(min..=max).contains(&n) {
                return Err(self.invalid(format!("must be {min}-{max}, not {n}")));
            }
        }
        Ok(n)
    }

    fn int_or(&self, default: i64) -> Result<i64, ArgError> {
        Ok(self.opt_int()?.unwrap_or(default))
    }

    fn opt_int(&self) -> Result<Option<i64>, ArgError> {
        match self.value {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.int().map(Some),
        }
    }

    fn bool(&self) -> Result<bool, ArgError> {
        match self.present()? {
            Value::Bool(b) => Ok(*b),
            Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
            Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
            v => Err(self.invalid(format!("must be true or false, not {v}"))),
        }
    }

    fn text(&self) -> Result<String, ArgError> {
        match self.present()? {
            Value::String(s) => Ok(s.clone()),
            v => Err(self.invalid(format!("must be a string, not {v}"))),
        }
    }

    fn direction(&self) -> Result<PtzDirection, ArgError> {
        match self.present()? {
            Value::String(s) => s.parse().map_err(|e: String| self.invalid(e)),
            v => Err(self.invalid(format!("must be a direction name, not {v}"))),
        }
    }

    fn flip_mirror(&self) -> Result<FlipMirror, ArgError> {
        let v = self.present()?;
        let fm = match v {
            Value::Number(n) => n.as_i64().and_then(FlipMirror::from_value),
            Value::String(s) => serde_json::from_value(Value::String(s.replace('_', "-"))).ok(),
            _ => None,
        };
        fm.ok_or_else(|| {
            self.invalid(format!(
                "must be 0-3 or normal, flip, mirror, flip-mirror; not {v}"
            ))
        })
    }

    fn fields(&self) -> Result<Map<String, Value>, ArgError> {
        match self.present()? {
            Value::Object(m) if !m.is_empty() => Ok(m.clone()),
            Value::Object(_) => Err(self.invalid("must name at least one field")),
            v => Err(self.invalid(format!("must be an object of fields, not {v}"))),
        }
    }
}

/// The typed result of an operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Done (the reply is kept for the curious).
    Done(Value),
    /// Parameters.
    Params(Params),
    /// Wi-Fi networks.
    WifiNetworks(Vec<WifiNetwork>),
    /// SD card information.
    SdInfo(SdInfo),
}

/// The camera refused an operation: its `result` and the whole reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the camera refused the operation (result {result})")]
pub struct Refusal {
    /// The camera's result code.
    pub result: i64,
    /// The whole reply.
    pub reply: Value,
    /// The refusal is about the credentials each request carries (SHIX result -3: user or
    /// password wrong; see [`Reply::refuses_credentials`]), not about the operation.
    pub credentials: bool,
}

impl Refusal {
    /// `reply` itself, or the refusal it is: a non-zero `result`, in any dialect (the one
    /// rule for typed operations and raw commands alike). An optional reply that never came
    /// (`no_reply`) is no refusal.
    pub fn check(reply: Reply) -> Result<Reply, Refusal> {
        match reply.check() {
            Ok(()) => Ok(reply),
            Err(result) => Err(Refusal {
                result,
                credentials: reply.refuses_credentials(),
                reply: reply.into_json(),
            }),
        }
    }

    /// [`Refusal::check`] for a reply in its JSON form (as the JSON-returning API gives it;
    /// the `dialect` tag names its dialect, SHIX replies have none).
    pub fn check_json(reply: Value) -> Result<Value, Refusal> {
        let dialect = reply
            .get("dialect")
            .and_then(Value::as_str)
            .and_then(|d| d.parse().ok())
            .unwrap_or(Dialect::Shix);
        Refusal::check(Reply::new(dialect, reply)).map(Reply::into_json)
    }
}

impl Outcome {
    /// The typed result of an operation of `kind` from the camera's `reply`; a non-zero
    /// `result` (in any dialect, for every operation, stream starts included) is a
    /// [`Refusal`] (see [`Refusal::check`]).
    pub fn from_reply(kind: ReplyKind, reply: Reply) -> Result<Outcome, Refusal> {
        let reply = Refusal::check(reply)?;
        Ok(match kind {
            ReplyKind::Done => Outcome::Done(reply.into_json()),
            ReplyKind::Params => Outcome::Params(Params::from_reply(&reply)),
            ReplyKind::WifiNetworks => Outcome::WifiNetworks(ops::wifi_networks(&reply)),
            ReplyKind::SdInfo => Outcome::SdInfo(ops::sd_info(&reply)),
        })
    }

    /// The JSON form the bindings hand out: `null` for [`Outcome::Done`], else the typed
    /// result's fields.
    pub fn to_json(&self) -> Value {
        match self {
            Outcome::Done(_) => Value::Null,
            Outcome::Params(p) => serde_json::to_value(p).unwrap_or(Value::Null),
            Outcome::WifiNetworks(n) => serde_json::to_value(n).unwrap_or(Value::Null),
            Outcome::SdInfo(i) => serde_json::to_value(i).unwrap_or(Value::Null),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn every_op() -> Vec<Op> {
        let mut f = Map::new();
        f.insert("lamp".into(), json!(1));
        vec![
            Op::start_video(1),
            Op::StopVideo,
            Op::StartAudio,
            Op::StopAudio,
            Op::Ptz(PtzDirection::Up),
            Op::PtzStop,
            Op::PtzCenter,
            Op::PtzSetPreset(3),
            Op::PtzGotoPreset(15),
            Op::SetIr(true),
            Op::ToggleIr,
            Op::SetWhiteLight(false),
            Op::SetLamp(true),
            Op::SetFlipMirror(FlipMirror::Mirror),
            Op::GetParams,
            Op::SetParams(f),
            Op::WifiScan,
            Op::SetWifi {
                ssid: "net".into(),
                password: "key".into(),
            },
            Op::Reboot,
            Op::SetTime {
                epoch: 1_700_000_000,
                tz_offset_secs: -3600,
            },
            Op::SdInfo,
        ]
    }

    #[test]
    fn every_op_has_one_entry_and_round_trips_through_its_arguments() {
        let ops = every_op();
        assert_eq!(ops.len(), OPERATIONS.len(), "one test op per table entry");
        for (op, s) in ops.iter().zip(OPERATIONS) {
            assert_eq!(op.spec(), s, "table order follows Op");
            assert_eq!(Op::from_args(s.name, &op.args()).as_ref(), Ok(op));
            assert_eq!(Op::from_args(s.python, &op.args()).as_ref(), Ok(op));
        }
        let names: std::collections::HashSet<_> = OPERATIONS.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), OPERATIONS.len(), "names are unique");
    }

    #[test]
    fn the_dialects_of_each_operation() {
        use Dialect::{Binary, Cgi, Shix};
        let all = vec![Shix, Cgi, Binary];
        let expected: &[(&str, Vec<Dialect>)] = &[
            ("start_video", all.clone()),
            ("stop_video", all.clone()),
            ("start_audio", all.clone()),
            ("stop_audio", all.clone()),
            ("ptz", all.clone()),
            ("ptz_stop", all.clone()),
            ("ptz_center", all.clone()),
            ("ptz_preset", vec![Cgi]),
            ("ptz_goto_preset", vec![Cgi]),
            ("set_ir", vec![Shix, Cgi]),
            ("toggle_ir", vec![Binary]),
            ("set_white_light", vec![Shix]),
            ("set_lamp", vec![Shix]),
            ("set_flip_mirror", all.clone()),
            ("params", all.clone()),
            ("set_params", vec![Shix]),
            ("wifi_scan", all.clone()),
            ("set_wifi", all.clone()),
            ("reboot", all.clone()),
            ("set_time", vec![Shix, Cgi]),
            ("sd_info", vec![Shix, Cgi]),
        ];
        assert_eq!(expected.len(), OPERATIONS.len());
        for (spec, (name, dialects)) in OPERATIONS.iter().zip(expected) {
            assert_eq!(spec.name, *name);
            assert_eq!(&spec.dialects(), dialects, "{name}");
        }
    }

    #[test]
    fn an_argument_is_required_exactly_when_leaving_it_out_is_an_error() {
        for op in every_op() {
            let s = op.spec();
            let full = op.args();
            for a in s.args {
                let mut args = full.clone();
                args.as_object_mut().expect("an object").remove(a.name);
                let r = Op::from_args(s.name, &args);
                if a.required {
                    assert_eq!(
                        r,
                        Err(ArgError::Missing {
                            op: s.name,
                            arg: a.name
                        })
                    );
                } else {
                    assert!(r.is_ok(), "{}: {} is optional: {r:?}", s.name, a.name);
                }
            }
        }
    }

    #[test]
    fn the_published_table_names_every_part_of_an_entry() {
        let all: Vec<Value> = OPERATIONS.iter().map(OpSpec::to_json).collect();
        assert_eq!(all.len(), OPERATIONS.len());
        let ptz = spec("ptz_preset").expect("in the table").to_json();
        assert_eq!(
            ptz,
            json!({
                "name": "ptz_preset",
                "python": "ptz_preset",
                "args": [{"name": "preset", "kind": "int", "required": true, "min": 0, "max": 15}],
                "reply": "done",
                "dialects": ["cgi"],
                "doc": "Stores the current position as preset 0-15.",
            })
        );
        let scan = spec("wifi_scan").expect("in the table").to_json();
        assert_eq!(scan["reply"], "wifi_networks");
        assert_eq!(scan["dialects"], json!(["shix", "cgi", "binary"]));
        let video = spec("start_video").expect("in the table").to_json();
        assert_eq!(video["args"][2]["required"], false);
    }

    #[test]
    fn bad_arguments_are_clear_errors() {
        let e = |name: &str, args: Value| Op::from_args(name, &args).unwrap_err().to_string();
        assert_eq!(e("fly", json!({})), "unknown operation \"fly\"");
        assert_eq!(e("ptz", json!({})), "ptz: missing argument \"direction\"");
        assert!(e("ptz", json!({"direction": "sideways"})).contains("unknown PTZ direction"));
        assert_eq!(
            e("ptz_preset", json!({"preset": 16})),
            "ptz_preset: argument \"preset\" must be 0-15, not 16"
        );
        assert!(e("set_ir", json!({"on": "yes"})).contains("must be true or false"));
        assert!(e("set_ir", json!({"on": true, "x": 1})).contains("takes no argument \"x\""));
        assert!(e("set_params", json!({"fields": {}})).contains("at least one field"));
        assert!(e("reboot", json!([1])).contains("must be a JSON object"));
        assert_eq!(
            Op::from_args("ptz", &json!({"direction": "up-left"})),
            Ok(Op::Ptz(PtzDirection::UpLeft))
        );
        assert_eq!(
            Op::from_args("start_video", &Value::Null),
            Ok(Op::start_video(1))
        );
        let with_stream = Op::StartVideo {
            resolution: 1,
            stream: Some(VideoStream {
                id: 11,
                substream: Some(2),
            }),
        };
        assert_eq!(
            Op::from_args("start_video", &with_stream.args()),
            Ok(with_stream)
        );
        assert!(e("start_video", json!({"stream": 16})).contains("must be 0-15"));
        assert_eq!(
            Op::from_args("set_flip_mirror", &json!({"value": "flip_mirror"})),
            Ok(Op::SetFlipMirror(FlipMirror::FlipMirror))
        );
    }

    #[test]
    fn a_non_zero_result_is_a_refusal_for_every_kind() {
        let shix = |v| Reply::new(Dialect::Shix, v);
        let cgi = |v| Reply::new(Dialect::Cgi, v);
        for kind in [
            ReplyKind::Done,
            ReplyKind::Params,
            ReplyKind::WifiNetworks,
            ReplyKind::SdInfo,
        ] {
            let r = Outcome::from_reply(kind, shix(json!({"cmd": 111, "result": -1})));
            assert_eq!(r.as_ref().unwrap_err().result, -1);
            assert!(!r.unwrap_err().credentials);
            let r = Outcome::from_reply(kind, shix(json!({"cmd": 111, "result": -3})));
            assert!(
                r.unwrap_err().credentials,
                "SHIX -3: user or password refused"
            );
            let r = Outcome::from_reply(kind, cgi(json!({"dialect": "cgi", "result": -3})));
            assert!(
                !r.unwrap_err().credentials,
                "-3 means nothing special in CGI"
            );
            let r = Outcome::from_reply(kind, cgi(json!({"dialect": "cgi", "result": "-2"})));
            assert_eq!(r.unwrap_err().result, -2);
        }
        assert_eq!(
            Outcome::from_reply(ReplyKind::Done, Reply::no_reply(Dialect::Cgi))
                .map(|o| o.to_json()),
            Ok(Value::Null)
        );
        let raw = json!({"pro": "get_parms", "result": -3});
        assert!(Refusal::check_json(raw).unwrap_err().credentials);
        let cgi = json!({"dialect": "cgi", "result": -3});
        assert!(!Refusal::check_json(cgi).unwrap_err().credentials);
        let ok = json!({"pro": "get_parms", "result": 0});
        assert_eq!(Refusal::check_json(ok.clone()), Ok(ok));
        let p = Outcome::from_reply(
            ReplyKind::Params,
            shix(json!({"sysver": "1.2", "result": 0})),
        );
        assert_eq!(p.unwrap().to_json()["firmware"], "1.2");
    }
}
