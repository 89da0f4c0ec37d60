//! The camera operations of a `pppp_session`, in whatever dialect the camera speaks (SHIX
//! JSON, VStarcam CGI, iLnk binary): one `pppp_session_<name>` function per entry of core's
//! operation table (`pppp::proto::operation::OPERATIONS`: video and audio, PTZ, lights, image
//! orientation, parameters, Wi-Fi, clock, SD card, reboot), the generic `pppp_session_call`,
//! and the raw CGI / binary commands.
//!
//! Every typed function takes one path, [`call_op`]: its C arguments become the table's JSON
//! arguments, core builds and checks the operation, runs it and decides whether the camera
//! refused it; the typed result comes back as JSON. No rule of the protocol is decided here.

use std::ffi::c_char;

use pppp::proto::ops::Op;
use serde_json::{json, Value};

use crate::error::{opt_str_arg, slice_arg, str_arg, write_cstr, Fail};
use crate::pppp_result;
use crate::session::{give_json, pppp_session, with_session};

/// Where a typed function puts the JSON result of its operation.
#[derive(Clone, Copy)]
enum Out {
    /// Nowhere.
    Nothing,
    /// In `*ptr` when `ptr` is not NULL.
    Optional(*mut *mut c_char),
    /// In `*ptr`; `ptr` (the argument named by the string) must not be NULL, which is checked
    /// before anything is sent.
    Required(*mut *mut c_char, &'static str),
}

/// The operation `name` of the table with `args` (named as in the table), or
/// `PPPP_RESULT_INVALID_ARGUMENT` with the table's reason.
fn op(name: &str, args: Value) -> Result<Op, Fail> {
    Op::from_args(name, &args).map_err(|e| Fail::new(pppp_result::InvalidArgument, e.to_string()))
}

/// The one path of every operation: `make` turns the C arguments into the operation (see
/// [`op`]), the session runs it, and its typed result goes to `out` as JSON.
/// `PPPP_RESULT_REJECTED` (or `PPPP_RESULT_WRONG_PASSWORD`) when the camera refuses, as core
/// decides.
fn call_op(
    session: *const pppp_session,
    out: Out,
    make: impl FnOnce() -> Result<Op, Fail>,
) -> pppp_result {
    with_session(session, |sb| {
        if let Out::Required(p, what) = out {
            if p.is_null() {
                return Err(Fail::null(what));
            }
        }
        let outcome = sb.session.call(make()?)?;
        if let Out::Optional(p) | Out::Required(p, _) = out {
            // SAFETY: NULL or writable (header contract); `Required` was checked above.
            unsafe { give_json(p, &outcome.to_json()) };
        }
        Ok(())
    })
}

/// [`call_op`] for an operation without arguments or result.
fn call_plain(session: *const pppp_session, name: &str) -> pppp_result {
    call_op(session, Out::Nothing, || op(name, Value::Null))
}

/// The arguments of `start_video`: `resolution` 0 is the default (1); a negative `stream` or
/// `substream` is left out.
fn video_args(resolution: u8, stream: i32, substream: i32) -> Result<Value, Fail> {
    if stream < 0 && substream >= 0 {
        return Err(Fail::new(
            pppp_result::InvalidArgument,
            "a substream needs its stream (stream is negative)",
        ));
    }
    let mut args = json!({ "resolution": resolution.max(1) });
    if stream >= 0 {
        args["stream"] = stream.into();
    }
    if substream >= 0 {
        args["substream"] = substream.into();
    }
    Ok(args)
}

/// The dialect the session speaks on channel 0 (`"shix"`, `"cgi"` or `"binary"`; `""` while
/// not known yet, before the login of an `"auto"` session), into `buf[0..len]`.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_dialect(
    session: *const pppp_session,
    buf: *mut c_char,
    len: usize,
) -> pppp_result {
    with_session(session, |sb| {
        let d = sb.session.dialect().map(|d| d.name()).unwrap_or("");
        // SAFETY: the caller's buffer of `len` bytes.
        unsafe { write_cstr(buf, len, d, "buf") }
    })
}

/// Runs the operation `name` of pppp's operation table (the names of the typed functions
/// without `pppp_session_`: `"ptz"`, `"params"`, `"start_video"`, …) with `args_json`, a JSON
/// object of its arguments by name (`{"direction":"up"}`; NULL or `"{}"` for none). When
/// `result_json` is not NULL it receives the typed result as JSON: `null` for operations
/// without one, an object for `params` and `sd_info`, an array for `wifi_scan` (free it with
/// `pppp_string_free`). `PPPP_RESULT_INVALID_ARGUMENT` for an unknown name or a bad argument,
/// `PPPP_RESULT_REJECTED` when the camera refuses.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_call(
    session: *const pppp_session,
    name: *const c_char,
    args_json: *const c_char,
    result_json: *mut *mut c_char,
) -> pppp_result {
    call_op(session, Out::Optional(result_json), || {
        // SAFETY: header contract.
        let (name, args) =
            unsafe { (str_arg(name, "name")?, opt_str_arg(args_json, "args_json")?) };
        let args = match args {
            Some(a) => serde_json::from_str(a).map_err(|e| {
                Fail::new(
                    pppp_result::InvalidArgument,
                    format!("args_json is not valid JSON: {e}"),
                )
            })?,
            None => Value::Null,
        };
        op(name, args)
    })
}

/// Sends a VStarcam CGI request (e.g. `"get_status.cgi?"`; credentials are appended) and
/// returns the parsed reply as a JSON object in `*reply_json` (when not NULL):
/// `{"dialect":"cgi","cmd":…,"cgi":…,"result":…,"fields":{…},"text":"…"}`, `text` being the
/// reply as the camera sent it. Like `pppp_session_command`, the reply comes back whatever
/// its `result`.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_cgi(
    session: *const pppp_session,
    request: *const c_char,
    reply_json: *mut *mut c_char,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: header contract.
        let r = unsafe { str_arg(request, "request") }?;
        let v = sb.session.cgi(r)?;
        // SAFETY: header contract.
        unsafe { give_json(reply_json, &v) };
        Ok(())
    })
}

/// Sends an iLnk binary command `cmd` with `payload[0..len]` and returns the reply as a JSON
/// object in `*reply_json` (when not NULL), whatever its result.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_binary(
    session: *const pppp_session,
    cmd: u16,
    payload: *const u8,
    len: usize,
    reply_json: *mut *mut c_char,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: `payload` holds `len` bytes (header contract).
        let p = unsafe { slice_arg(payload, len, "payload") }?;
        let v = sb.session.binary(cmd, p)?;
        // SAFETY: header contract.
        unsafe { give_json(reply_json, &v) };
        Ok(())
    })
}

/// Starts video at `resolution` (SHIX: 1 = 640×480, 2 = 320×240; 0 = the default, 1).
/// `pppp_session_start_video_stream` also names the vendor stream.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_start_video(
    session: *const pppp_session,
    resolution: u8,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        op("start_video", video_args(resolution, -1, -1)?)
    })
}

/// Starts video as `pppp_session_start_video` does, asking a VStarcam CGI camera for vendor
/// stream `stream` (0–15: 0 main H.264, 1 sub H.264, 3 MJPEG sub stream, 10 the apps' live
/// stream, ...) and `substream` (0–255), as `livestream.cgi?streamid=S&substream=N`. A negative
/// `stream` or `substream` leaves it out (the default stream, 10). After a reconnection the
/// same stream is asked for again.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_start_video_stream(
    session: *const pppp_session,
    resolution: u8,
    stream: i32,
    substream: i32,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        op("start_video", video_args(resolution, stream, substream)?)
    })
}

/// Stops video.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_stop_video(session: *const pppp_session) -> pppp_result {
    call_plain(session, "stop_video")
}

/// Starts audio (frames arrive through `pppp_session_next_audio` or the audio callback).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_start_audio(session: *const pppp_session) -> pppp_result {
    call_plain(session, "start_audio")
}

/// Stops audio.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_stop_audio(session: *const pppp_session) -> pppp_result {
    call_plain(session, "stop_audio")
}

/// Starts moving the camera: `direction` is `"up"`, `"down"`, `"left"`, `"right"`,
/// `"up-left"`, `"up-right"`, `"down-left"` or `"down-right"`; `pppp_session_ptz_stop` stops.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz(
    session: *const pppp_session,
    direction: *const c_char,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        // SAFETY: header contract.
        let d = unsafe { str_arg(direction, "direction") }?;
        op("ptz", json!({ "direction": d }))
    })
}

/// Stops a PTZ movement.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz_stop(session: *const pppp_session) -> pppp_result {
    call_plain(session, "ptz_stop")
}

/// Moves the camera to its centre position.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz_center(session: *const pppp_session) -> pppp_result {
    call_plain(session, "ptz_center")
}

/// Stores the current position as preset `preset` (0–15).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz_preset(
    session: *const pppp_session,
    preset: u8,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        op("ptz_preset", json!({ "preset": preset }))
    })
}

/// Moves to preset `preset` (0–15).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz_goto_preset(
    session: *const pppp_session,
    preset: u8,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        op("ptz_goto_preset", json!({ "preset": preset }))
    })
}

/// Switches night vision (the IR cut filter and IR LEDs) on or off.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_ir(
    session: *const pppp_session,
    on: bool,
) -> pppp_result {
    call_op(session, Out::Nothing, || op("set_ir", json!({ "on": on })))
}

/// Toggles night vision.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_toggle_ir(session: *const pppp_session) -> pppp_result {
    call_plain(session, "toggle_ir")
}

/// Switches the white light (floodlight) on or off.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_white_light(
    session: *const pppp_session,
    on: bool,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        op("set_white_light", json!({ "on": on }))
    })
}

/// Switches the lamp on or off (SHIX cameras).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_lamp(
    session: *const pppp_session,
    on: bool,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        op("set_lamp", json!({ "on": on }))
    })
}

/// Sets the image orientation: 0 normal, 1 flipped, 2 mirrored, 3 both.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_flip_mirror(
    session: *const pppp_session,
    value: u8,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        op("set_flip_mirror", json!({ "value": value }))
    })
}

/// The camera's parameters as a JSON object in `*params_json` (free with `pppp_string_free`):
/// `firmware`, `name`, `mac`, `app_version`, `mcu_version`, `time`, `tz`, `ir`,
/// `flip_mirror`, `signal`, `battery` (null when the camera did not report it) and `fields`,
/// every field of the reply.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_params(
    session: *const pppp_session,
    params_json: *mut *mut c_char,
) -> pppp_result {
    let out = Out::Required(params_json, "params_json");
    call_op(session, out, || op("params", Value::Null))
}

/// Sets camera parameters from `fields_json`, a JSON object of at least one field (in the
/// camera's own field names, e.g. `{"lamp":1}`).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_params(
    session: *const pppp_session,
    fields_json: *const c_char,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        // SAFETY: header contract.
        let text = unsafe { str_arg(fields_json, "fields_json") }?;
        let fields: Value = serde_json::from_str(text).map_err(|e| {
            Fail::new(
                pppp_result::InvalidArgument,
                format!("fields_json is not valid JSON: {e}"),
            )
        })?;
        op("set_params", json!({ "fields": fields }))
    })
}

/// Scans for Wi-Fi networks; `*networks_json` receives a JSON array of
/// `{"ssid","mac","signal","security","channel"}` objects.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_wifi_scan(
    session: *const pppp_session,
    networks_json: *mut *mut c_char,
) -> pppp_result {
    let out = Out::Required(networks_json, "networks_json");
    call_op(session, out, || op("wifi_scan", Value::Null))
}

/// Joins the camera to a Wi-Fi network (it usually reboots).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_wifi(
    session: *const pppp_session,
    ssid: *const c_char,
    password: *const c_char,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        // SAFETY: header contract.
        let (ssid, password) = unsafe { (str_arg(ssid, "ssid")?, str_arg(password, "password")?) };
        op("set_wifi", json!({ "ssid": ssid, "password": password }))
    })
}

/// Reboots the camera (the session then closes, or reconnects when configured to).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_reboot(session: *const pppp_session) -> pppp_result {
    call_plain(session, "reboot")
}

/// Sets the camera's clock: `epoch` seconds since 1970 (UTC), `tz_offset` seconds east of
/// UTC.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_time(
    session: *const pppp_session,
    epoch: i64,
    tz_offset: i32,
) -> pppp_result {
    call_op(session, Out::Nothing, || {
        op(
            "set_time",
            json!({ "epoch": epoch, "tz_offset": tz_offset }),
        )
    })
}

/// SD card information (`{"present","status","total","free","fields"}`) as JSON in
/// `*sd_json`.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_sd_info(
    session: *const pppp_session,
    sd_json: *mut *mut c_char,
) -> pppp_result {
    let out = Out::Required(sd_json, "sd_json");
    call_op(session, out, || op("sd_info", Value::Null))
}
