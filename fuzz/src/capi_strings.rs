//! `capi_strings`: the strings and JSON the C API (`ffi/`) parses, through the core functions
//! it calls: `PPCS_Initialize` / `PPCS_ConnectByServer` init and server strings
//! (`initstring::parse_config`), `pppp_session_set_params` fields JSON, `pppp_session_command`
//! JSON, `pppp_session_cgi` request lines, `pppp_session_ptz` direction names, `pppp_config`
//! strings (UID, PSK, dialect, SHIX family, bind address) and the credentials every request
//! carries.

use std::net::{IpAddr, SocketAddr};

use pppp::proto::cgi::{CgiRequest, ReceivedRequest};
use pppp::proto::dialect::DialectChoice;
use pppp::proto::initstring;
use pppp::proto::ops::{Op, PtzDirection};
use pppp::proto::psk::PskChoice;
use pppp::proto::shix;
use pppp::Uid;
use serde_json::Value;

use crate::operation_args::{cgi_request, plan_everywhere, shix_command};

/// Selector: an init or server string.
pub const INIT: u8 = 0;
/// Selector: `pppp_session_set_params` fields JSON.
pub const SET_PARAMS: u8 = 1;
/// Selector: `pppp_session_command` JSON.
pub const COMMAND: u8 = 2;
/// Selector: `pppp_session_cgi` request line.
pub const CGI: u8 = 3;
/// Selector: `pppp_session_ptz` direction.
pub const PTZ: u8 = 4;
/// Selector: the `pppp_config` / `pppp_camera_config` strings and a PPCS target `DID[:key]`.
pub const CONFIG: u8 = 5;
/// Selector: user and password (split at the first NUL), and a Wi-Fi SSID and key.
pub const CREDENTIALS: u8 = 6;
const SELECTORS: u8 = 7;

/// Input: a selector byte (see the constants), then the string (UTF-8, as the C API
/// requires). Nothing panics; an init string's settings are within their bounds and its
/// servers those `initstring::decode` finds; JSON commands and fields reach the wire
/// unchanged; a direction the C API accepts means the same to the typed operations; names
/// that parse print and re-parse unchanged; credentials with any characters reach the camera
/// as given.
pub fn run(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match sel % SELECTORS {
        INIT => init(text),
        SET_PARAMS => {
            if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(text) {
                plan_everywhere(&Op::SetParams(fields), "admin", "pass");
            }
        }
        COMMAND => {
            if let Ok(v) = serde_json::from_str::<Value>(text) {
                for family in shix::FAMILIES {
                    shix_command(&v, family, "admin", "pass");
                }
            }
        }
        CGI => match CgiRequest::parse(text) {
            Ok(req) => cgi_request(&req, "admin", "pass"),
            Err(e) => assert!(!e.to_string().is_empty()),
        },
        PTZ => {
            let strict = serde_json::from_value::<PtzDirection>(Value::String(text.to_owned()));
            if let Ok(d) = strict {
                assert_eq!(text.parse::<PtzDirection>(), Ok(d), "{text:?}");
                plan_everywhere(&Op::Ptz(d), "admin", "pass");
            }
        }
        CONFIG => config(text),
        _ => {
            let (user, password) = text.split_once('\0').unwrap_or((text, ""));
            credentials(user, password);
            let op = Op::SetWifi {
                ssid: user.to_owned(),
                password: password.to_owned(),
            };
            plan_everywhere(&op, user, password);
        }
    }
}

fn init(text: &str) {
    match initstring::parse_config(text) {
        Ok(c) => {
            if let Some(a) = c.alive {
                assert!((6..=30).contains(&a.as_secs()));
            }
            if let Some(t) = c.timeout_7x {
                assert!((1..=3600).contains(&t.as_secs()));
            }
            let plain = if text.trim().starts_with('{') {
                let v: Value = serde_json::from_str(text.trim()).expect("parsed once");
                v.get("InitString")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            } else {
                text.trim().to_owned()
            };
            match initstring::decode(&plain) {
                Ok(d) => assert_eq!((c.servers, c.psk), (d.servers, d.psk)),
                Err(_) => assert_eq!(c.servers.len(), usize::from(!plain.is_empty())),
            }
        }
        Err(e) => {
            assert!(
                text.trim().starts_with('{'),
                "only bad JSON is an error: {e}"
            );
        }
    }
}

fn config(text: &str) {
    if let Ok(uid) = Uid::parse(text) {
        assert_eq!(Uid::parse(&uid.to_string()).as_ref(), Ok(&uid));
    }
    if let Ok(p) = PskChoice::parse(text) {
        assert_eq!(PskChoice::parse(&p.to_string()).as_ref(), Ok(&p));
    }
    if let Ok(d) = DialectChoice::parse(text) {
        assert_eq!(DialectChoice::parse(&d.to_string()), Ok(d));
    }
    if let Some(f) = shix::family(text) {
        assert_eq!(shix::family(f.name).map(|g| g.name), Some(f.name));
    }
    let _ = (text.parse::<SocketAddr>(), text.parse::<IpAddr>());
    // PPCS_ConnectByServer's `DID` or `DID:DSKey`.
    let did = text.split(':').next().unwrap_or("").trim();
    if let Err(e) = Uid::parse(did) {
        assert!(!e.to_string().is_empty());
    }
}

/// The credentials reach the camera unchanged in a CGI request and a SHIX command.
fn credentials(user: &str, password: &str) {
    let line = CgiRequest::with("get_status", &[]).to_text(user, password);
    let got = ReceivedRequest::parse(line.as_bytes()).expect("our request parses");
    assert_eq!(got.get("loginuse"), Some(user));
    assert_eq!(got.get("loginpas"), Some(password));
    assert_eq!(got.get("pwd"), Some(password));
    let v = serde_json::json!({"pro": "get_parms"});
    shix_command(&v, &shix::VI365, user, password);
}
