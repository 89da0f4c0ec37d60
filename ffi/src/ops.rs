//! Typed camera operations of a `pppp_session`, in whatever dialect the camera speaks (SHIX
//! JSON, VStarcam CGI, iLnk binary): PTZ, lights, image orientation, parameters, Wi-Fi,
//! clock, SD card, reboot, and the raw CGI / binary commands.

use std::ffi::c_char;

use pppp::proto::ops::{FlipMirror, PtzDirection};
use serde_json::Value;

use crate::error::{opt_str_arg, slice_arg, str_arg, write_cstr, Fail};
use crate::pppp_result;
use crate::session::{give_json, pppp_session, with_session};

fn json_of<T: serde::Serialize>(v: &T) -> Result<Value, Fail> {
    serde_json::to_value(v).map_err(|e| Fail::new(pppp_result::Internal, e.to_string()))
}

/// Checks that `out` (the argument `what`) is not NULL, then, only then, asks the camera with
/// `get` and stores the answer as a JSON string in `*out`.
///
/// # Safety
/// `out` must be NULL or writable.
unsafe fn give_required_json<T: serde::Serialize>(
    out: *mut *mut c_char,
    what: &str,
    get: impl FnOnce() -> Result<T, pppp::Error>,
) -> Result<(), Fail> {
    if out.is_null() {
        return Err(Fail::null(what));
    }
    let v = json_of(&get()?)?;
    // SAFETY: checked non-NULL.
    unsafe { give_json(out, &v) };
    Ok(())
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
    with_session(session, |sb| {
        // SAFETY: header contract.
        let (name, args) =
            unsafe { (str_arg(name, "name")?, opt_str_arg(args_json, "args_json")?) };
        let args: Value = match args {
            Some(a) => serde_json::from_str(a).map_err(|e| {
                Fail::new(
                    pppp_result::InvalidArgument,
                    format!("args_json is not valid JSON: {e}"),
                )
            })?,
            None => Value::Null,
        };
        let op = pppp::proto::ops::Op::from_args(name, &args)
            .map_err(|e| Fail::new(pppp_result::InvalidArgument, e.to_string()))?;
        let outcome = sb.session.call(op)?;
        // SAFETY: header contract.
        unsafe { give_json(result_json, &outcome.to_json()) };
        Ok(())
    })
}

/// Sends a VStarcam CGI request (e.g. `"get_status.cgi?"`; credentials are appended) and
/// returns the parsed reply as a JSON object in `*reply_json` (when not NULL):
/// `{"dialect":"cgi","cmd":…,"cgi":…,"result":…,"fields":{…},"text":"…"}`, `text` being the
/// reply as the camera sent it.
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
/// object in `*reply_json` (when not NULL).
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

/// Starts moving the camera: `direction` is `"up"`, `"down"`, `"left"`, `"right"`,
/// `"up-left"`, `"up-right"`, `"down-left"` or `"down-right"`; `pppp_session_ptz_stop` stops.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz(
    session: *const pppp_session,
    direction: *const c_char,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: header contract.
        let d = unsafe { str_arg(direction, "direction") }?;
        let dir: PtzDirection =
            serde_json::from_value(Value::String(d.to_owned())).map_err(|_| {
                Fail::new(
                    pppp_result::InvalidArgument,
                    format!(
                        "unknown PTZ direction {d:?} (up, down, left, right, up-left, up-right, \
                     down-left, down-right)"
                    ),
                )
            })?;
        sb.session.ptz(dir)?;
        Ok(())
    })
}

/// Stops a PTZ movement.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz_stop(session: *const pppp_session) -> pppp_result {
    with_session(session, |sb| Ok(sb.session.ptz_stop()?))
}

/// Moves the camera to its centre position.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz_center(session: *const pppp_session) -> pppp_result {
    with_session(session, |sb| Ok(sb.session.ptz_center()?))
}

/// Stores the current position as preset `n`.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz_preset(
    session: *const pppp_session,
    n: u8,
) -> pppp_result {
    with_session(session, |sb| Ok(sb.session.ptz_preset(n)?))
}

/// Moves to preset `n`.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_ptz_goto_preset(
    session: *const pppp_session,
    n: u8,
) -> pppp_result {
    with_session(session, |sb| Ok(sb.session.ptz_goto_preset(n)?))
}

/// Switches night vision (the IR cut filter and IR LEDs) on or off.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_ir(
    session: *const pppp_session,
    on: bool,
) -> pppp_result {
    with_session(session, |sb| Ok(sb.session.set_ir(on)?))
}

/// Toggles night vision.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_toggle_ir(session: *const pppp_session) -> pppp_result {
    with_session(session, |sb| Ok(sb.session.toggle_ir()?))
}

/// Switches the white light (floodlight) on or off.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_white_light(
    session: *const pppp_session,
    on: bool,
) -> pppp_result {
    with_session(session, |sb| Ok(sb.session.set_white_light(on)?))
}

/// Sets the image orientation: 0 normal, 1 flipped, 2 mirrored, 3 both.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_flip_mirror(
    session: *const pppp_session,
    value: u8,
) -> pppp_result {
    with_session(session, |sb| {
        let fm = match value {
            0 => FlipMirror::Normal,
            1 => FlipMirror::Flip,
            2 => FlipMirror::Mirror,
            3 => FlipMirror::FlipMirror,
            v => {
                return Err(Fail::new(
                    pppp_result::InvalidArgument,
                    format!("flip/mirror value {v} (0 normal, 1 flip, 2 mirror, 3 both)"),
                ))
            }
        };
        Ok(sb.session.set_flip_mirror(fm)?)
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
    with_session(session, |sb| {
        // SAFETY: header contract for `params_json`.
        unsafe { give_required_json(params_json, "params_json", || sb.session.params()) }
    })
}

/// Sets camera parameters from a JSON object of fields (in the camera's own field names).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_params(
    session: *const pppp_session,
    fields_json: *const c_char,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: header contract.
        let text = unsafe { str_arg(fields_json, "fields_json") }?;
        let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(text) else {
            return Err(Fail::new(
                pppp_result::InvalidArgument,
                "fields_json must be a JSON object",
            ));
        };
        Ok(sb.session.set_params(fields)?)
    })
}

/// Scans for Wi-Fi networks; `*networks_json` receives a JSON array of
/// `{"ssid","mac","signal","security","channel"}` objects.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_wifi_scan(
    session: *const pppp_session,
    networks_json: *mut *mut c_char,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: header contract for `networks_json`.
        unsafe { give_required_json(networks_json, "networks_json", || sb.session.wifi_scan()) }
    })
}

/// Joins the camera to a Wi-Fi network (it usually reboots).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_wifi(
    session: *const pppp_session,
    ssid: *const c_char,
    password: *const c_char,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: header contract.
        let (ssid, password) = unsafe { (str_arg(ssid, "ssid")?, str_arg(password, "password")?) };
        Ok(sb.session.set_wifi(ssid, password)?)
    })
}

/// Reboots the camera (the session then closes, or reconnects when configured to).
#[no_mangle]
pub unsafe extern "C" fn pppp_session_reboot(session: *const pppp_session) -> pppp_result {
    with_session(session, |sb| Ok(sb.session.reboot()?))
}

/// Sets the camera's clock: `epoch` seconds since 1970 (UTC), `tz_offset_secs` east of UTC.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_set_time(
    session: *const pppp_session,
    epoch: i64,
    tz_offset_secs: i32,
) -> pppp_result {
    with_session(session, |sb| {
        Ok(sb.session.set_time(epoch, tz_offset_secs)?)
    })
}

/// SD card information (`{"present","status","total","free","fields"}`) as JSON in
/// `*sd_json`.
#[no_mangle]
pub unsafe extern "C" fn pppp_session_sd_info(
    session: *const pppp_session,
    sd_json: *mut *mut c_char,
) -> pppp_result {
    with_session(session, |sb| {
        // SAFETY: header contract for `sd_json`.
        unsafe { give_required_json(sd_json, "sd_json", || sb.session.sd_info()) }
    })
}
