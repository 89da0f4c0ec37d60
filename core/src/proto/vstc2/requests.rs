//! The SDK's other CGI methods (PTZ, camera control, record files, plain requests), and the
//! same methods as typed operations for dialects without those CGIs.

use super::Vstc2Error;
use crate::proto::cgi::CgiRequest;
use crate::proto::ops::{FlipMirror, Op, PtzDirection};

/// `PPPPPTZControl(did, command)`: `decoder_control.cgi?command=N&onestep=0`.
pub fn ptz_request(command: i32) -> CgiRequest {
    CgiRequest::with(
        "decoder_control",
        &[("command", command.to_string()), ("onestep", "0".into())],
    )
}

/// `PPPPCameraControl(did, param, value)`: `camera_control.cgi?param=P&value=V`.
pub fn camera_control_request(param: i32, value: i32) -> CgiRequest {
    CgiRequest::with(
        "camera_control",
        &[("param", param.to_string()), ("value", value.to_string())],
    )
}

/// `PPPPGetSDCardRecordFileList(did, PageIndex, PageSize)`: `get_record_file.cgi`.
pub fn record_file_request(page_index: i32, page_size: i32) -> CgiRequest {
    CgiRequest::with(
        "get_record_file",
        &[
            ("PageIndex", page_index.to_string()),
            ("PageSize", page_size.to_string()),
        ],
    )
}

/// A CGI without parameters (`reboot`, `restore_factory`, `set_formatsd`, `snapshot`).
pub fn plain_request(name: &str) -> CgiRequest {
    CgiRequest::with(name, &[])
}

/// The vendor's PTZ command number as a typed operation, for dialects without
/// `decoder_control.cgi` (SHIX, iLnk): 0/2/4/6 move up/down/left/right, the odd numbers up to 7
/// stop, 25 centres, 30 + 2n stores preset n and 31 + 2n moves to it.
pub fn ptz_op(command: i32) -> Result<Op, Vstc2Error> {
    Ok(match command {
        0 => Op::Ptz(PtzDirection::Up),
        2 => Op::Ptz(PtzDirection::Down),
        4 => Op::Ptz(PtzDirection::Left),
        6 => Op::Ptz(PtzDirection::Right),
        1 | 3 | 5 | 7 | 27 | 29 => Op::PtzStop,
        25 => Op::PtzCenter,
        30..=61 if command % 2 == 0 => Op::PtzSetPreset(((command - 30) / 2) as u8),
        31..=61 => Op::PtzGotoPreset(((command - 31) / 2) as u8),
        other => return Err(Vstc2Error::UnknownPtzCommand(other)),
    })
}

/// `PPPPCameraControl(param, value)` as a typed operation where one exists (param 5
/// flip/mirror 0–3, param 14 IR on/off), for dialects without `camera_control.cgi`.
pub fn camera_control_op(param: i32, value: i32) -> Option<Op> {
    match (param, value) {
        (5, v) => FlipMirror::from_value(i64::from(v)).map(Op::SetFlipMirror),
        (14, v @ 0..=1) => Some(Op::SetIr(v == 1)),
        _ => None,
    }
}
