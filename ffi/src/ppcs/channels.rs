//! The data calls: `PPCS_Read` / `PPCS_Write` / `PPCS_Check_Buffer` on the reliable
//! channels and `PPCS_PktSend` / `PPCS_PktRecv` for unreliable packets, from the caller's
//! buffers.

use std::ffi::c_char;
use std::sync::Arc;

use pppp::client::{RawSession, MAX_PACKET};

use super::abi::*;
use super::marshal::{code_of, fail, read_timeout};
use super::state::{session, CHANNELS};

pub(super) fn channel_ok(ch: u8) -> Result<(), i32> {
    if ch < CHANNELS {
        Ok(())
    } else {
        Err(fail(
            ERROR_PPCS_INVALID_PARAMETER,
            format!("invalid channel {ch} (channels are 0-7)"),
        ))
    }
}

/// The live session of `h`, once `ch` is checked to be a valid channel.
pub(super) fn channel_session(h: i32, ch: u8) -> Result<Arc<RawSession>, i32> {
    channel_ok(ch)?;
    session(h)
}

pub(super) fn read(h: i32, ch: u8, buf: *mut c_char, size: *mut i32, timeout_ms: u32) -> i32 {
    if size.is_null() {
        return fail(ERROR_PPCS_INVALID_PARAMETER, "DataSize is NULL");
    }
    // SAFETY: non-NULL in/out parameter of the caller.
    let want = unsafe { size.read() };
    let zero = || {
        // SAFETY: as above.
        unsafe { size.write(0) }
    };
    if buf.is_null() || want <= 0 {
        zero();
        return fail(
            ERROR_PPCS_INVALID_PARAMETER,
            "DataBuf is NULL or *DataSize is not positive",
        );
    }
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => {
            zero();
            return c;
        }
    };
    // SAFETY: the caller's buffer holds at least `*DataSize` bytes (vendor contract).
    let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), want as usize) };
    let timeout = read_timeout(timeout_ms);
    match s.read(ch, out, timeout) {
        Ok(o) => {
            // SAFETY: as above.
            unsafe { size.write(o.len as i32) };
            if o.complete {
                ERROR_PPCS_SUCCESSFUL
            } else {
                fail(
                    ERROR_PPCS_TIME_OUT,
                    format!("{} of {want} bytes before the timeout", o.len),
                )
            }
        }
        Err(e) => {
            zero();
            code_of(&e)
        }
    }
}

pub(super) fn write(h: i32, ch: u8, buf: *const c_char, len: i32) -> i32 {
    if buf.is_null() || len <= 0 {
        return fail(
            ERROR_PPCS_INVALID_PARAMETER,
            "DataBuf is NULL or DataSizeToWrite is not positive",
        );
    }
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => return c,
    };
    // SAFETY: the caller's buffer holds `len` bytes (vendor contract).
    let data = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len as usize) };
    match s.write(ch, data) {
        Ok(()) => len,
        Err(e) => code_of(&e),
    }
}

pub(super) fn check_buffer(h: i32, ch: u8, w: *mut u32, r: *mut u32) -> i32 {
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => return c,
    };
    match s.buffered(ch) {
        Ok((wn, rn)) => {
            if !w.is_null() {
                // SAFETY: non-NULL out-parameter of the caller.
                unsafe { w.write(u32::try_from(wn).unwrap_or(u32::MAX)) };
            }
            if !r.is_null() {
                // SAFETY: as above.
                unsafe { r.write(u32::try_from(rn).unwrap_or(u32::MAX)) };
            }
            ERROR_PPCS_SUCCESSFUL
        }
        Err(e) => code_of(&e),
    }
}

pub(super) fn pkt_send(h: i32, ch: u8, buf: *const c_char, len: i32) -> i32 {
    if buf.is_null() || len <= 0 || len as usize > MAX_PACKET {
        return fail(
            ERROR_PPCS_INVALID_PARAMETER,
            format!("PktBuf is NULL or PktSize is not 1-{MAX_PACKET}"),
        );
    }
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => return c,
    };
    // SAFETY: the caller's buffer holds `len` bytes (vendor contract).
    let data = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len as usize) };
    match s.send_packet(ch, data) {
        Ok(()) => len,
        Err(e) => code_of(&e),
    }
}

pub(super) fn pkt_recv(h: i32, ch: u8, buf: *mut c_char, size: *mut i32, timeout_ms: u32) -> i32 {
    if size.is_null() {
        return fail(ERROR_PPCS_INVALID_PARAMETER, "PktSize is NULL");
    }
    // SAFETY: non-NULL in/out parameter of the caller.
    let want = unsafe { size.read() };
    let set = |n: i32| {
        // SAFETY: as above.
        unsafe { size.write(n) }
    };
    if buf.is_null() || want <= 0 {
        set(0);
        return fail(
            ERROR_PPCS_INVALID_PARAMETER,
            "PktBuf is NULL or *PktSize is not positive",
        );
    }
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => {
            set(0);
            return c;
        }
    };
    // SAFETY: the caller's buffer holds at least `*PktSize` bytes (vendor contract).
    let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), want as usize) };
    let timeout = read_timeout(timeout_ms);
    match s.recv_packet(ch, out, timeout) {
        Ok(Some((n, _))) => {
            set(n as i32);
            ERROR_PPCS_SUCCESSFUL
        }
        Ok(None) => {
            set(0);
            fail(ERROR_PPCS_TIME_OUT, "no packet before the timeout")
        }
        Err(e) => {
            set(0);
            code_of(&e)
        }
    }
}
