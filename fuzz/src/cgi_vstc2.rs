//! `cgi_vstc2`: VStarcam CGI replies (`cgi::reply_value`, `parse_fields`) read into every typed
//! result and every `vstc2` callback layout, and the `vstc2` typed-method catalogue (setters,
//! getters, PTZ and camera-control numbers) building requests from input arguments.

use pppp::proto::cgi::{self, CgiRequest, CgiValue, ReceivedRequest};
use pppp::proto::dialect::{Dialect, Reply};
use pppp::proto::operation::{Outcome, ReplyKind};
use pppp::proto::vstc2::{self, Arg, Kind, Vstc2Error, LAYOUTS, SETTERS, WIFI_SCAN_RESULT};
use serde_json::Value;

use crate::operation_args::{cgi_request, plan_everywhere};
use crate::Reader;

/// True when `write_fields` writes this pair so that `parse_fields` reads it back unchanged.
fn writable(key: &str, value: &CgiValue) -> bool {
    let plain = |s: &str, extra: &[char]| {
        !s.chars()
            .any(|c| matches!(c, '"' | '\'' | ';' | '\r' | '\n' | '\0') || extra.contains(&c))
            && s.trim() == s
    };
    let key_ok = !key.is_empty() && plain(key, &['=']) && !key.contains(char::is_whitespace);
    key_ok
        && match value {
            CgiValue::Bare(v) => plain(v, &[]) && !v.starts_with("new "),
            CgiValue::Text(v) => !v.contains('"'),
        }
}

/// Input: a mode byte, a `u16` response code, a `u16` version, then the reply body (also
/// read as a CGI request line, the arguments of a setter and PTZ/camera-control numbers).
/// Checks: the reply's JSON agrees with its fields; clean fields survive `write_fields`;
/// every layout gets one argument of its type per field; Wi-Fi scans end with `bEnd`; setters
/// refuse wrong argument counts and types, and otherwise send each argument under its key.
pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let mode = r.u8();
    let (code, version) = (r.u16(), r.u16());
    let body = r.rest();
    let text = String::from_utf8_lossy(body);

    // The reply as the controller reports it, and as every typed result.
    let reply = cgi::reply_value(code, version, body, None);
    assert_eq!(reply["dialect"], "cgi");
    let fields = reply["fields"].as_object().cloned().unwrap_or_default();
    if cgi::is_text(body) {
        let parsed = cgi::parse_fields(reply["text"].as_str().expect("text"));
        assert_eq!(
            reply.get("result").and_then(Value::as_i64),
            parsed.int("result")
        );
    } else {
        assert_eq!(reply["binary_len"], body.len());
        assert!(fields.is_empty());
    }
    for kind in [
        ReplyKind::Done,
        ReplyKind::Params,
        ReplyKind::WifiNetworks,
        ReplyKind::SdInfo,
    ] {
        if let Ok(o) = Outcome::from_reply(kind, Reply::new(Dialect::Cgi, reply.clone())) {
            let _ = o.to_json();
        }
    }
    for layout in LAYOUTS.iter().chain([&WIFI_SCAN_RESULT]) {
        let args = layout.values(&fields);
        assert_eq!(args.len(), layout.fields.len());
        for (a, (_, kind)) in args.iter().zip(layout.fields) {
            assert_eq!(matches!(a, Arg::Int(_)), *kind == Kind::Int);
        }
    }
    let scan = vstc2::wifi_scan_results(&fields);
    assert!(scan.len() <= 256);
    for (i, net) in scan.iter().enumerate() {
        assert_eq!(net.len(), WIFI_SCAN_RESULT.fields.len());
        assert_eq!(net.last(), Some(&Arg::Int((i + 1 == scan.len()) as i64)));
    }

    // Fields that `write_fields` can express come back unchanged.
    let all = cgi::parse_fields(&text);
    let clean: Vec<(&str, CgiValue)> = all
        .pairs
        .iter()
        .filter(|(k, v)| writable(k, v))
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let written = cgi::write_fields(&clean);
    let back = cgi::parse_fields(&written);
    let back: Vec<(&str, CgiValue)> = back
        .pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    assert_eq!(back, clean, "{written:?}");
    assert_eq!(cgi::percent_decode(&cgi::percent_encode(&text)), text);

    // The body as a request line a user types, and as one a camera receives.
    if let Ok(req) = CgiRequest::parse(&text) {
        cgi_request(&req, "admin", "pass");
    }
    let _ = ReceivedRequest::parse(body);

    // A setter with the body's `&`-separated parts as arguments (typed as the setter wants
    // them when the mode's top bit is set).
    let setter = &SETTERS[usize::from(mode & 0x7f) % SETTERS.len()];
    let args: Vec<Arg> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('&')
            .zip(
                setter
                    .keys
                    .iter()
                    .map(|(_, k)| Some(*k))
                    .chain(std::iter::repeat(None)),
            )
            .map(
                |(p, kind)| match (mode & 0x80 != 0, kind, p.trim().parse::<i64>()) {
                    (true, Some(Kind::Int), _) => Arg::Int(Arg::Text(p.to_owned()).int()),
                    (true, _, _) | (false, _, Err(_)) => Arg::Text(p.to_owned()),
                    (false, _, Ok(n)) => Arg::Int(n),
                },
            )
            .collect()
    };
    match setter.request(&args) {
        Ok(req) => {
            assert_eq!(req.name, setter.cgi);
            let line = req.to_text("admin", "pass");
            let got = ReceivedRequest::parse(line.as_bytes()).expect("our request parses");
            for ((key, _), arg) in setter.keys.iter().zip(&args) {
                assert_eq!(got.get(key), Some(arg.text().as_str()), "{key}");
            }
            cgi_request(&req, "admin", "pass");
        }
        Err(Vstc2Error::ArgCount { expected, got, .. }) => {
            assert_eq!((expected, got), (setter.keys.len(), args.len()));
            assert_ne!(expected, got);
        }
        Err(Vstc2Error::ArgType {
            index, expected, ..
        }) => {
            assert_eq!(setter.keys[index].1, expected);
            assert_ne!(matches!(args[index], Arg::Int(_)), expected == Kind::Int);
        }
        Err(e) => panic!("a setter failed with {e}"),
    }

    // The numbers of the other typed methods.
    let mut n = Reader::new(body);
    let (a, b) = (n.u16() as i16 as i32, n.u16() as i16 as i32);
    match vstc2::getter(a) {
        Ok(g) => assert!(!g.cgi.is_empty() && (g.wifi_scan || !g.layouts.is_empty())),
        Err(e) => assert_eq!(e, Vstc2Error::UnknownParamType(a)),
    }
    if let Ok(op) = vstc2::ptz_op(a) {
        plan_everywhere(&op, "admin", "pass");
    }
    if let Some(op) = vstc2::camera_control_op(a, b) {
        plan_everywhere(&op, "admin", "pass");
    }
    for req in [
        vstc2::ptz_request(a),
        vstc2::camera_control_request(a, b),
        vstc2::record_file_request(a, b),
    ] {
        cgi_request(&req, "admin", "pass");
    }
}
