//! The SHIX JSON dialect of channel 0 (docs/protocol.md §4.2, §8.1): request building, reply
//! parsing and the per-app-family command numbering.
//!
//! A request is `06 0a a0 80 · u32 LE length · JSON`, the JSON always carrying `pro` (name),
//! `cmd` (number), `user` and `pwd`, and usually `"devmac":"0000"`. Replies carry `cmd` and
//! `result` (0 success, −1 failure, −3 wrong password); some replies carry a different `cmd`
//! than their request (set_datetime 126 is answered as 128).

use serde_json::{Map, Value};

use crate::proto::command::HEADER_LEN;

/// Start code of SHIX blocks.
pub const START: [u8; 2] = [0x06, 0x0a];
/// Request marker (bytes 2–3 `a0 80`).
pub const REQUEST: u16 = 0x80a0;
/// Response marker seen from cameras (bytes 2–3 `a1 80`).
pub const RESPONSE: u16 = 0x80a1;

/// Encodes a SHIX JSON block with bytes 2–3 = `marker`: `06 0a · marker · u32 LE length ·
/// JSON`.
pub fn encode_block(marker: u16, json: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(HEADER_LEN + json.len());
    v.extend_from_slice(&START);
    v.extend_from_slice(&marker.to_le_bytes());
    v.extend_from_slice(&(json.len() as u32).to_le_bytes());
    v.extend_from_slice(json);
    v
}

/// The default user of SHIX cameras.
pub const DEFAULT_USER: &str = "admin";
/// The default password of SHIX cameras.
pub const DEFAULT_PASSWORD: &str = "6666";

/// Numbering of SHIX commands in one app family. Command numbers are data, not protocol
/// constants: apps of different families disagree (docs/protocol.md §8.2).
#[derive(Debug)]
pub struct Family {
    /// Family name.
    pub name: &'static str,
    /// `(pro, cmd)` pairs.
    pub commands: &'static [(&'static str, i64)],
    /// `(request cmd, reply cmd)` pairs where the device answers with another number.
    pub reply_aliases: &'static [(i64, i64)],
    /// Field names of `set_datetime` in this family (docs/protocol.md §10 item 9).
    pub datetime: DatetimeFields,
}

/// How a family's `set_datetime` names its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatetimeFields {
    /// `tz` (seconds; the device *adds* −tz to the time, A9/MAG-JS) and `time` (epoch seconds).
    TzTime,
    /// `tz_offset_min` and `utc_date_time` (SHIXAPP; values unverified: minutes east of UTC and
    /// epoch seconds are sent).
    TzOffsetMinUtcDateTime,
}

/// The vi365 / HDWiFiCam family (DGOA, DGOC, DGOD, DGOK …), the one most cameras speak.
pub static VI365: Family = Family {
    name: "vi365",
    commands: &[
        ("set_cypush", 1),
        ("check_user", 100),
        ("get_parms", 101),
        ("dev_control", 102),
        ("get_attribute", 103),
        ("edit_user", 106),
        ("get_alarm", 107),
        ("set_alarm", 108),
        ("stream", 111),
        ("get_wifi", 112),
        ("scan_wifi", 113),
        ("set_wifi", 114),
        ("set_datetime", 126),
        ("ptz_control", 128),
        ("get_vol", 134),
        ("get_record_param", 199),
        ("talk_send", 300),
        ("set_whiteLight", 304),
        ("get_whiteLight", 305),
        ("get_cloudsupport", 9000),
    ],
    reply_aliases: &[(126, 128)],
    datetime: DatetimeFields::TzTime,
};

/// The HDWiFiCam Pro app family (SHIXAPP, docs/protocol.md §8.2): numbers shared with vi365 up to
/// 114, SD card and user management at 103–110, talk at 129/130. Inferred ("≈") numbers of the
/// notes are left out.
pub static HDWIFICAM_PRO: Family = Family {
    name: "hdwificam-pro",
    commands: &[
        ("check_user", 100),
        ("get_parms", 101),
        ("dev_control", 102),
        ("get_user", 103),
        ("add_user", 104),
        ("del_user", 105),
        ("get_alarm", 107),
        ("get_sd", 109),
        ("set_sd", 110),
        ("stream", 111),
        ("get_wifi", 112),
        ("scan_wifi", 113),
        ("set_wifi", 114),
        ("get_videofiles", 116),
        ("start_videofiles", 117),
        ("set_push", 118),
        ("stop_videofiles", 120),
        ("get_datetime", 125),
        ("set_datetime", 126),
        ("start_talk", 129),
        ("end_talk", 130),
        ("get_vol", 134),
        ("set_vol", 135),
        ("stop_download", 151),
        ("get_record_param", 199),
        ("upload_file_request", 201),
        ("upload_file", 202),
        ("get_3dpr_file", 203),
        ("get_record_day", 205),
        ("get_record_list", 206),
        ("play_record_file", 207),
        ("get_cloudsupport", 9000),
        ("get_cloudinfo", 9002),
        ("del_cloudinfo", 9003),
    ],
    reply_aliases: &[(126, 128)],
    datetime: DatetimeFields::TzOffsetMinUtcDateTime,
};

/// The LookCam Pro app family (LCP, docs/protocol.md §8.2): `set_parms` at 103, PTZ query at 119.
/// The numbers it shares with the other families (check_user, get_parms, dev_control, stream,
/// Wi-Fi) are assumed.
pub static LOOKCAM_PRO: Family = Family {
    name: "lookcam-pro",
    commands: &[
        ("check_user", 100),
        ("get_parms", 101),
        ("dev_control", 102),
        ("set_parms", 103),
        ("get_idr", 105),
        ("stream", 111),
        ("get_wifi", 112),
        ("scan_wifi", 113),
        ("set_wifi", 114),
        ("get_ptz", 119),
        ("get_light_param", 121),
        ("download_file", 123),
        ("get_support", 133),
        ("set_cloud_storage", 136),
        ("get_upgrade_config", 140),
        ("get_photo_list", 208),
    ],
    reply_aliases: &[],
    datetime: DatetimeFields::TzTime,
};

/// Every known family.
pub static FAMILIES: [&Family; 3] = [&VI365, &HDWIFICAM_PRO, &LOOKCAM_PRO];

/// Looks a family up by name (`vi365`, `hdwificam-pro`, `lookcam-pro`; any case).
pub fn family(name: &str) -> Option<&'static Family> {
    FAMILIES
        .iter()
        .copied()
        .find(|f| f.name.eq_ignore_ascii_case(name.trim()))
}

impl Family {
    /// The number of command `pro` in this family.
    pub fn cmd(&self, pro: &str) -> Option<i64> {
        self.commands
            .iter()
            .find(|(p, _)| *p == pro)
            .map(|(_, c)| *c)
    }

    /// The name of command number `cmd` in this family.
    pub fn pro(&self, cmd: i64) -> Option<&'static str> {
        self.commands
            .iter()
            .find(|(_, c)| *c == cmd)
            .map(|(p, _)| *p)
    }

    /// True when a reply numbered `reply` may answer a request numbered `request`.
    pub fn answers(&self, request: i64, reply: i64) -> bool {
        request == reply || self.reply_aliases.contains(&(request, reply))
    }
}

/// Why a JSON request cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The request is not a JSON object.
    #[error("a SHIX command must be a JSON object, got {0}")]
    NotAnObject(&'static str),
    /// Neither `cmd` nor a `pro` known to the family.
    #[error("the command needs a numeric \"cmd\" or a known \"pro\" name (got pro {0:?})")]
    NoCommandNumber(Option<String>),
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Completes a request: fills in `cmd` from `pro` (or `pro` from `cmd`), `user`, `pwd` and
/// `devmac` when missing. Returns the object and its command number.
pub fn complete_request(
    family: &Family,
    request: Value,
    user: &str,
    password: &str,
) -> Result<(Map<String, Value>, i64), RequestError> {
    let mut obj = match request {
        Value::Object(o) => o,
        other => return Err(RequestError::NotAnObject(kind(&other))),
    };
    let pro = obj.get("pro").and_then(Value::as_str).map(str::to_owned);
    let cmd = match obj.get("cmd").and_then(Value::as_i64) {
        Some(c) => c,
        None => match pro.as_deref().and_then(|p| family.cmd(p)) {
            Some(c) => {
                obj.insert("cmd".into(), Value::from(c));
                c
            }
            None => return Err(RequestError::NoCommandNumber(pro)),
        },
    };
    if pro.is_none() {
        if let Some(p) = family.pro(cmd) {
            obj.insert("pro".into(), Value::from(p));
        }
    }
    obj.entry("user").or_insert_with(|| Value::from(user));
    obj.entry("pwd").or_insert_with(|| Value::from(password));
    obj.entry("devmac").or_insert_with(|| Value::from("0000"));
    Ok((obj, cmd))
}

/// Encodes a request object as a channel-0 block. `pro` and `cmd` come first, as the apps
/// send them.
pub fn encode_request(obj: &Map<String, Value>) -> Vec<u8> {
    let mut ordered = Map::new();
    for k in ["pro", "cmd"] {
        if let Some(v) = obj.get(k) {
            ordered.insert(k.to_owned(), v.clone());
        }
    }
    for (k, v) in obj {
        if !ordered.contains_key(k) {
            ordered.insert(k.clone(), v.clone());
        }
    }
    let json = serialize_in_order(&ordered);
    encode_block(REQUEST, json.as_bytes())
}

/// serde_json's `Map` is sorted unless `preserve_order` is on; write the keys in our order.
fn serialize_in_order(obj: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = Vec::with_capacity(obj.len());
    for k in ["pro", "cmd"] {
        if let Some((key, _)) = obj.get_key_value(k) {
            keys.push(key);
        }
    }
    for k in obj.keys() {
        if k != "pro" && k != "cmd" {
            keys.push(k);
        }
    }
    let mut s = String::from("{");
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&Value::from(k.as_str()).to_string());
        s.push(':');
        s.push_str(&obj[k.as_str()].to_string());
    }
    s.push('}');
    s
}

/// Parses a reply block's payload: JSON, tolerating trailing NULs and whitespace.
pub fn parse_reply(payload: &[u8]) -> Result<Value, String> {
    let end = payload
        .iter()
        .rposition(|b| !matches!(b, 0 | b' ' | b'\t' | b'\r' | b'\n'))
        .map_or(0, |p| p + 1);
    serde_json::from_slice(&payload[..end]).map_err(|e| format!("reply is not valid JSON: {e}"))
}

/// The `cmd` number of a reply, if present (numbers may arrive as strings).
pub fn reply_cmd(v: &Value) -> Option<i64> {
    let c = v.get("cmd")?;
    c.as_i64()
        .or_else(|| c.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The `result` of a reply, if present.
pub fn reply_result(v: &Value) -> Option<i64> {
    let r = v.get("result")?;
    r.as_i64()
        .or_else(|| r.as_str().and_then(|s| s.trim().parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn check_user_matches_the_documented_bytes() {
        let (obj, cmd) = complete_request(
            &VI365,
            json!({"pro":"check_user","cmd":100,"devmac":"0000"}),
            "admin",
            "6666",
        )
        .unwrap();
        assert_eq!(cmd, 100);
        let block = encode_request(&obj);
        let json = std::str::from_utf8(&block[8..]).unwrap();
        assert!(json.starts_with(r#"{"pro":"check_user","cmd":100,"#));
        assert_eq!(block[4] as usize, json.len());
    }

    #[test]
    fn fills_cmd_from_pro_and_rejects_non_objects() {
        let (obj, cmd) = complete_request(&VI365, json!({"pro":"get_parms"}), "u", "p").unwrap();
        assert_eq!(cmd, 101);
        assert_eq!(obj["user"], "u");
        assert!(complete_request(&VI365, json!([1]), "u", "p").is_err());
        assert!(complete_request(&VI365, json!({"pro":"nope"}), "u", "p").is_err());
    }

    #[test]
    fn parses_pretty_replies_with_padding() {
        let v = parse_reply(b"{\n\t\"cmd\":\t\"128\",\n\t\"result\":\t0\n}\0\0").unwrap();
        assert_eq!(reply_cmd(&v), Some(128));
        assert_eq!(reply_result(&v), Some(0));
        assert!(VI365.answers(126, 128));
    }

    #[test]
    fn families_differ_and_are_found_by_name() {
        assert_eq!(VI365.cmd("get_attribute"), Some(103));
        assert_eq!(HDWIFICAM_PRO.cmd("get_user"), Some(103));
        assert_eq!(LOOKCAM_PRO.cmd("set_parms"), Some(103));
        assert_eq!(HDWIFICAM_PRO.cmd("get_sd"), Some(109));
        assert_eq!(VI365.cmd("get_sd"), None);
        assert_eq!(
            family("HDWiFiCam-Pro").map(|f| f.name),
            Some("hdwificam-pro")
        );
        assert!(family("nope").is_none());
    }
}
