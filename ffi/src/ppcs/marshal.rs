//! Marshalling between the vendor API and pppp: failure codes with their detail message
//! (`pppp_last_error_message`), the panic boundary, C strings and timeouts.

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use pppp::error::ClosedBy;
use pppp::proto::conn::CloseReason;
use pppp::Error;

use super::abi::*;
use crate::error::set_last_error;
use crate::pppp_result;

/// Records the detail of a failing vendor call and returns its code.
pub(super) fn fail(code: i32, msg: impl AsRef<str>) -> i32 {
    let r = match code {
        ERROR_PPCS_TIME_OUT => pppp_result::Timeout,
        ERROR_PPCS_INVALID_ID => pppp_result::InvalidUid,
        ERROR_PPCS_DEVICE_NOT_ONLINE => pppp_result::Offline,
        ERROR_PPCS_SESSION_CLOSED_REMOTE => pppp_result::ClosedRemote,
        ERROR_PPCS_SESSION_CLOSED_TIMEOUT => pppp_result::ClosedPeerTimeout,
        ERROR_PPCS_SESSION_CLOSED_CALLED => pppp_result::ClosedLocal,
        ERROR_PPCS_REMOTE_SITE_BUFFER_FULL => pppp_result::BufferFull,
        ERROR_PPCS_UDP_PORT_BIND_FAILED | ERROR_PPCS_FAIL_TO_CREATE_THREAD => pppp_result::Io,
        ERROR_PPCS_INTERNAL => pppp_result::Internal,
        _ => pppp_result::InvalidArgument,
    };
    set_last_error(r, msg.as_ref());
    code
}

/// Runs a vendor function's body inside the panic boundary.
pub(super) fn vendor(body: impl FnOnce() -> i32) -> i32 {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(_) => fail(ERROR_PPCS_INTERNAL, "panic inside pppp (a bug)"),
    }
}

/// The vendor code of a session error.
pub(super) fn code_of(e: &Error) -> i32 {
    let c = match e {
        Error::Closed(ClosedBy::Local) => ERROR_PPCS_SESSION_CLOSED_CALLED,
        Error::Closed(ClosedBy::Remote) => ERROR_PPCS_SESSION_CLOSED_REMOTE,
        Error::Closed(ClosedBy::PeerTimeout) => ERROR_PPCS_SESSION_CLOSED_TIMEOUT,
        Error::BufferFull(_) => ERROR_PPCS_REMOTE_SITE_BUFFER_FULL,
        Error::Offline { .. } | Error::Timeout { .. } => ERROR_PPCS_TIME_OUT,
        Error::InvalidUid(_) => ERROR_PPCS_INVALID_ID,
        Error::Io(_) => ERROR_PPCS_UDP_PORT_BIND_FAILED,
        _ => ERROR_PPCS_INVALID_PARAMETER,
    };
    fail(c, e.to_string())
}

pub(super) fn close_code(r: CloseReason) -> i32 {
    match r {
        CloseReason::Remote => ERROR_PPCS_SESSION_CLOSED_REMOTE,
        CloseReason::PeerTimeout => ERROR_PPCS_SESSION_CLOSED_TIMEOUT,
        _ => ERROR_PPCS_SESSION_CLOSED_CALLED,
    }
}

/// # Safety
/// `p` must be NULL or NUL-terminated.
pub(super) unsafe fn text<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A vendor `TimeOut_ms`: `0xFFFFFFFF` waits forever.
pub(super) fn read_timeout(timeout_ms: u32) -> Option<Duration> {
    (timeout_ms != u32::MAX).then(|| Duration::from_millis(u64::from(timeout_ms)))
}
