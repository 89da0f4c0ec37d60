//! `pppp_frame`: one video or audio frame, opaque, read through accessors.

use std::ffi::c_char;

use pppp::client::Frame;
use pppp::proto::av::Codec;

use crate::error::{boundary, boundary_value, put, Fail};
use crate::pppp_result;

/// One media frame (opaque). Obtained from `pppp_session_next_frame` /
/// `pppp_session_next_audio` (owned: free with `pppp_frame_free`), or borrowed for the duration
/// of a frame callback (keep it with `pppp_frame_copy`).
///
/// Functions: `pppp_frame_get_info`, `pppp_frame_data`, `pppp_frame_width`,
/// `pppp_frame_height`, `pppp_frame_get_av_header`, `pppp_frame_age_us`, `pppp_frame_copy`,
/// `pppp_frame_free`.
#[derive(Debug)]
pub struct pppp_frame {
    _private: [u8; 0],
}

/// The media codec of a frame.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum pppp_codec {
    /// A type byte pppp does not know (see `pppp_frame_info.av_type`).
    Unknown = 0,
    /// One JPEG image.
    Mjpeg = 1,
    /// An H.264 Annex-B access unit.
    H264 = 2,
    /// An H.265 Annex-B access unit.
    H265 = 3,
    /// 4-bit IMA ADPCM audio.
    Adpcm = 4,
    /// G.711 A-law audio.
    Alaw = 5,
    /// 16-bit PCM audio.
    Pcm = 6,
}

impl From<Codec> for pppp_codec {
    fn from(c: Codec) -> Self {
        match c {
            Codec::Mjpeg => pppp_codec::Mjpeg,
            Codec::H264 => pppp_codec::H264,
            Codec::H265 => pppp_codec::H265,
            Codec::Adpcm => pppp_codec::Adpcm,
            Codec::Alaw => pppp_codec::Alaw,
            Codec::Pcm => pppp_codec::Pcm,
            _ => pppp_codec::Unknown,
        }
    }
}

/// Everything about a frame except its bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_frame_info {
    /// The DRW channel it arrived on (1 video, 2 audio).
    pub channel: u8,
    /// The codec.
    pub codec: pppp_codec,
    /// The AV header's type byte as received.
    pub av_type: u8,
    /// True for a frame a decoder can start from (every JPEG; H.264/H.265 IDR).
    pub keyframe: bool,
    /// The camera's frame counter.
    pub index: u32,
    /// Camera timestamp in milliseconds.
    pub timestamp_ms: u64,
    /// Frames missing before this one (a gap in the frame counter).
    pub missing_before: u32,
    /// Size of the media bytes.
    pub size: usize,
}

/// The 32-byte AV header in front of every frame, as the camera sent it (little-endian fields
/// decoded).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_av_header {
    /// Byte 4: the frame type (VStarcam: 0 H.264 I frame, 1 P frame, 3 JPEG, 8 ADPCM, ...).
    pub av_type: u8,
    /// Byte 5: the stream id (VStarcam) or media type.
    pub stream: u8,
    /// Bytes 6–7: the milliseconds part of the timestamp.
    pub millis: u16,
    /// Bytes 8–11: the seconds part of the timestamp (the camera's clock).
    pub seconds: u32,
    /// Bytes 12–15: the camera's frame counter.
    pub index: u32,
    /// Bytes 16–19: the length of the media that follows.
    pub len: u32,
    /// Byte 20: version.
    pub version: u8,
    /// Byte 21: session id.
    pub sessid: u8,
    /// Bytes 22–31, as received.
    pub other: [u8; 10],
}

/// Frees are done through this box; the C pointer is the box's address.
pub(crate) fn into_raw(f: Frame) -> *mut pppp_frame {
    Box::into_raw(Box::new(f)).cast()
}

/// # Safety
/// `f` must be NULL or a frame given out by this library, alive for `'a`.
pub(crate) unsafe fn borrow<'a>(f: *const pppp_frame) -> Result<&'a Frame, Fail> {
    if f.is_null() {
        return Err(Fail::null("frame"));
    }
    // SAFETY: per the contract, `f` is the address of a live `Frame`.
    Ok(unsafe { &*f.cast::<Frame>() })
}

/// Describes `frame` into `*out`.
#[no_mangle]
pub unsafe extern "C" fn pppp_frame_get_info(
    frame: *const pppp_frame,
    out: *mut pppp_frame_info,
) -> pppp_result {
    boundary(|| {
        // SAFETY: header contract: a frame from this library.
        let f = unsafe { borrow(frame) }?;
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        let info = pppp_frame_info {
            channel: f.channel,
            codec: f.codec.into(),
            av_type: f.header.codec,
            keyframe: f.keyframe,
            index: f.index,
            timestamp_ms: f.timestamp_ms,
            missing_before: f.missing_before,
            size: f.data.len(),
        };
        // SAFETY: checked non-NULL; the caller provides a writable struct.
        unsafe { put(out, info) };
        Ok(())
    })
}

/// Microseconds since the last datagram of `frame` arrived (the kernel's receive time): asked
/// as a frame is handed over, its latency in this library. -1 for a frame not received by a
/// session, and for NULL.
#[no_mangle]
pub unsafe extern "C" fn pppp_frame_age_us(frame: *const pppp_frame) -> i64 {
    boundary_value(-1, || {
        // SAFETY: header contract: NULL or a frame from this library.
        let age = unsafe { borrow(frame) }
            .ok()
            .and_then(pppp::client::frame_age);
        age.map_or(-1, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
    })
}

/// The width in pixels of a video frame's picture: from the frame itself (JPEG SOF, the SPS of
/// an H.264/H.265 key frame), else the stream's last known size (P frames). 0 for audio, for
/// video before the stream's first size is known, and for NULL.
#[no_mangle]
pub unsafe extern "C" fn pppp_frame_width(frame: *const pppp_frame) -> u32 {
    boundary_value(0, || {
        // SAFETY: header contract: NULL or a frame from this library.
        unsafe { borrow(frame) }.map_or(0, |f| dimension(f).0)
    })
}

/// The height in pixels of a video frame's picture (see `pppp_frame_width`).
#[no_mangle]
pub unsafe extern "C" fn pppp_frame_height(frame: *const pppp_frame) -> u32 {
    boundary_value(0, || {
        // SAFETY: header contract: NULL or a frame from this library.
        unsafe { borrow(frame) }.map_or(0, |f| dimension(f).1)
    })
}

fn dimension(f: &Frame) -> (u32, u32) {
    f.dimensions
        .map_or((0, 0), |(w, h)| (u32::from(w), u32::from(h)))
}

/// Copies the frame's AV header into `*out`.
#[no_mangle]
pub unsafe extern "C" fn pppp_frame_get_av_header(
    frame: *const pppp_frame,
    out: *mut pppp_av_header,
) -> pppp_result {
    boundary(|| {
        // SAFETY: header contract: a frame from this library.
        let f = unsafe { borrow(frame) }?;
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        let h = &f.header;
        let v = pppp_av_header {
            av_type: h.codec,
            stream: h.stream,
            millis: h.millis,
            seconds: h.seconds,
            index: h.index,
            len: h.len,
            version: h.version,
            sessid: h.sessid,
            other: h.other,
        };
        // SAFETY: checked non-NULL; the caller provides a writable struct.
        unsafe { put(out, v) };
        Ok(())
    })
}

/// The frame's media bytes (valid as long as the frame), and their count in `*len` (when `len`
/// is not NULL). NULL when `frame` is NULL.
#[no_mangle]
pub unsafe extern "C" fn pppp_frame_data(frame: *const pppp_frame, len: *mut usize) -> *const u8 {
    boundary_value(std::ptr::null(), || {
        // SAFETY: header contract: a frame from this library.
        let Ok(f) = (unsafe { borrow(frame) }) else {
            return std::ptr::null();
        };
        if !len.is_null() {
            // SAFETY: non-NULL out-pointer from the caller.
            unsafe { put(len, f.data.len()) };
        }
        f.data.as_ptr()
    })
}

/// Copies a frame (e.g. one borrowed in a callback) into `*out`, owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn pppp_frame_copy(
    frame: *const pppp_frame,
    out: *mut *mut pppp_frame,
) -> pppp_result {
    boundary(|| {
        // SAFETY: header contract: a frame from this library.
        let f = unsafe { borrow(frame) }?;
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: checked non-NULL.
        unsafe { put(out, into_raw(f.clone())) };
        Ok(())
    })
}

/// Frees an owned frame `*frame` and sets `*frame` to NULL. Accepts NULL and a NULL `*frame`.
/// Never call it on a frame borrowed in a callback.
#[no_mangle]
pub unsafe extern "C" fn pppp_frame_free(frame: *mut *mut pppp_frame) {
    boundary_value((), || {
        if frame.is_null() {
            return;
        }
        // SAFETY: `frame` points to the caller's handle slot.
        let p = unsafe { std::ptr::replace(frame, std::ptr::null_mut()) };
        if !p.is_null() {
            // SAFETY: an owned frame was made by `into_raw` (Box<Frame>).
            drop(unsafe { Box::from_raw(p.cast::<Frame>()) });
        }
    })
}

/// Short lower-case name of a codec value (`"mjpeg"`, `"h264"`, …; `"unknown"` for anything
/// else). Never NULL.
#[no_mangle]
pub extern "C" fn pppp_codec_name(codec: i32) -> *const c_char {
    // Cannot panic; the boundary of every exported function is kept for uniformity.
    boundary_value(c"unknown".as_ptr(), || codec_name(codec).as_ptr())
}

fn codec_name(codec: i32) -> &'static std::ffi::CStr {
    match codec {
        1 => c"mjpeg",
        2 => c"h264",
        3 => c"h265",
        4 => c"adpcm",
        5 => c"alaw",
        6 => c"pcm",
        _ => c"unknown",
    }
}
