//! `pppp_result`, the detailed last-error message, and the panic boundary every exported
//! function runs its body in.

use std::cell::RefCell;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use pppp::error::ClosedBy;

/// The status every fallible `pppp_` function returns. Values are explicit and never
/// renumbered; retired values stay reserved. Ranges: 0 success, 1–99 the caller's mistakes,
/// 100–199 the camera or the network, 200–299 the library itself.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum pppp_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// An argument is out of range or malformed (see the last-error message).
    InvalidArgument = 2,
    /// The UID is malformed.
    InvalidUid = 3,
    /// The PSK is not a known name, `auto`, `none` or `custom:<psk>`.
    UnknownPsk = 4,
    /// An address could not be parsed or resolved.
    InvalidAddress = 5,
    /// The command is not valid JSON, not an object, or unknown.
    InvalidCommand = 6,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 7,
    /// The caller's buffer is too small; nothing was written.
    BufferTooSmall = 8,
    /// Refused: called from inside one of this session's own callbacks (`pppp_session_free`,
    /// `pppp_session_set_frame_callback`); call it from another thread.
    InCallback = 9,
    /// A callback consumes this stream; `pppp_session_next_frame` is not available for it.
    Busy = 10,
    /// Nothing answered the LAN search: the camera is off, elsewhere, or uses another PSK.
    Offline = 100,
    /// An operation did not complete in time (for `pppp_session_next_frame`: no frame yet).
    Timeout = 101,
    /// The camera refused the user name or password.
    WrongPassword = 102,
    /// The session was closed by this side.
    ClosedLocal = 103,
    /// The camera closed the session.
    ClosedRemote = 104,
    /// The camera stopped answering.
    ClosedPeerTimeout = 105,
    /// The camera rejected the command.
    Rejected = 106,
    /// The camera answered something unusable.
    Protocol = 107,
    /// A buffer limit was hit (the camera is not keeping up).
    BufferFull = 108,
    /// A socket operation failed.
    Io = 109,
    /// The search is over and every device it found was returned (`pppp_discovery_next`).
    Finished = 110,
    /// The library panicked (a bug): the object is poisoned, only its `_free` works now.
    Panic = 200,
    /// An earlier call on this object panicked; only its `_free` works.
    Poisoned = 201,
    /// An error the library has no specific code for (see the last-error message).
    Internal = 202,
}

impl pppp_result {
    /// Every defined value.
    pub fn all() -> [pppp_result; 25] {
        [
            pppp_result::Ok,
            pppp_result::NullParameter,
            pppp_result::InvalidArgument,
            pppp_result::InvalidUid,
            pppp_result::UnknownPsk,
            pppp_result::InvalidAddress,
            pppp_result::InvalidCommand,
            pppp_result::InvalidUtf8,
            pppp_result::BufferTooSmall,
            pppp_result::InCallback,
            pppp_result::Busy,
            pppp_result::Offline,
            pppp_result::Timeout,
            pppp_result::WrongPassword,
            pppp_result::ClosedLocal,
            pppp_result::ClosedRemote,
            pppp_result::ClosedPeerTimeout,
            pppp_result::Rejected,
            pppp_result::Protocol,
            pppp_result::BufferFull,
            pppp_result::Io,
            pppp_result::Finished,
            pppp_result::Panic,
            pppp_result::Poisoned,
            pppp_result::Internal,
        ]
    }

    /// A static, NUL-terminated description.
    pub fn describe(self) -> &'static CStr {
        match self {
            pppp_result::Ok => c"success",
            pppp_result::NullParameter => c"a required pointer argument was NULL",
            pppp_result::InvalidArgument => c"invalid argument",
            pppp_result::InvalidUid => c"malformed camera UID",
            pppp_result::UnknownPsk => c"unknown PSK",
            pppp_result::InvalidAddress => c"invalid or unresolvable address",
            pppp_result::InvalidCommand => c"invalid command",
            pppp_result::InvalidUtf8 => c"string argument is not valid UTF-8",
            pppp_result::BufferTooSmall => c"buffer too small",
            pppp_result::InCallback => {
                c"refused inside this session's callback; call it from another thread"
            }
            pppp_result::Busy => c"a callback consumes this stream",
            pppp_result::Offline => c"camera offline: no answer to the LAN search",
            pppp_result::Timeout => c"timed out",
            pppp_result::WrongPassword => c"wrong user or password",
            pppp_result::ClosedLocal => c"session closed by this side",
            pppp_result::ClosedRemote => c"the camera closed the session",
            pppp_result::ClosedPeerTimeout => c"the camera stopped answering",
            pppp_result::Rejected => c"the camera rejected the command",
            pppp_result::Protocol => c"protocol error",
            pppp_result::BufferFull => c"buffer full",
            pppp_result::Io => c"network error",
            pppp_result::Finished => c"finished: nothing more will come",
            pppp_result::Panic => c"internal panic (a bug in pppp); the object is poisoned",
            pppp_result::Poisoned => c"the object is poisoned by an earlier panic",
            pppp_result::Internal => c"internal error",
        }
    }

    /// The value for a raw code, if defined.
    pub fn from_code(code: i32) -> Option<pppp_result> {
        pppp_result::all().into_iter().find(|r| *r as i32 == code)
    }
}

/// A failed call: its code and the detailed message stored as the last error.
#[derive(Debug)]
pub struct Fail {
    /// The status returned.
    pub code: pppp_result,
    /// The detail.
    pub message: String,
}

impl Fail {
    /// A failure with a message.
    pub fn new(code: pppp_result, message: impl Into<String>) -> Fail {
        Fail {
            code,
            message: message.into(),
        }
    }

    /// A NULL `what` argument.
    pub fn null(what: &str) -> Fail {
        Fail::new(
            pppp_result::NullParameter,
            format!("the argument `{what}` must not be NULL"),
        )
    }
}

impl From<pppp::Error> for Fail {
    fn from(e: pppp::Error) -> Fail {
        use pppp::Error as E;
        let code = match &e {
            E::InvalidUid(_) => pppp_result::InvalidUid,
            E::UnknownPsk(_) => pppp_result::UnknownPsk,
            E::WrongPassword { .. } => pppp_result::WrongPassword,
            E::Offline { .. } => pppp_result::Offline,
            E::Timeout { .. } => pppp_result::Timeout,
            E::Closed(ClosedBy::Local) => pppp_result::ClosedLocal,
            E::Closed(ClosedBy::Remote) => pppp_result::ClosedRemote,
            E::Closed(ClosedBy::PeerTimeout) => pppp_result::ClosedPeerTimeout,
            E::Protocol(_) => pppp_result::Protocol,
            E::InvalidCommand(_) => pppp_result::InvalidCommand,
            E::Rejected { .. } => pppp_result::Rejected,
            E::BufferFull(_) => pppp_result::BufferFull,
            E::InvalidArgument(_) => pppp_result::InvalidArgument,
            E::InvalidAddress { .. } => pppp_result::InvalidAddress,
            E::Io(_) => pppp_result::Io,
            _ => pppp_result::Internal,
        };
        Fail::new(code, e.to_string())
    }
}

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Fail {
        Fail::from(pppp::Error::Io(e))
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<(pppp_result, String)>> = const { RefCell::new(None) };
}

/// Records `f` as this thread's last error.
pub fn set_last_error(code: pppp_result, message: &str) {
    LAST_ERROR.with(|l| *l.borrow_mut() = Some((code, message.to_owned())));
}

/// This thread's last error.
pub fn last_error() -> Option<(pppp_result, String)> {
    LAST_ERROR.with(|l| l.borrow().clone())
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs an exported function's body: a panic becomes [`pppp_result::Panic`] (and calls
/// `on_panic`, which poisons the object involved), a failure is stored as the last error.
pub fn boundary_with(
    on_panic: impl FnOnce(),
    body: impl FnOnce() -> Result<(), Fail>,
) -> pppp_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => pppp_result::Ok,
        Ok(Err(f)) => {
            set_last_error(f.code, &f.message);
            f.code
        }
        Err(p) => {
            on_panic();
            let m = format!("panic inside pppp: {}", panic_message(&*p));
            set_last_error(pppp_result::Panic, &m);
            pppp_result::Panic
        }
    }
}

/// [`boundary_with`] for functions that touch no poisonable object.
pub fn boundary(body: impl FnOnce() -> Result<(), Fail>) -> pppp_result {
    boundary_with(|| {}, body)
}

/// Runs a body that returns a plain value; a panic returns `default` (and is recorded).
pub fn boundary_value<T>(default: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(p) => {
            let m = format!("panic inside pppp: {}", panic_message(&*p));
            set_last_error(pppp_result::Panic, &m);
            default
        }
    }
}

/// Borrows a NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string valid for the call.
pub unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> Result<&'a str, Fail> {
    if p.is_null() {
        return Err(Fail::null(what));
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|_| {
        Fail::new(
            pppp_result::InvalidUtf8,
            format!("the argument `{what}` is not valid UTF-8"),
        )
    })
}

/// Borrows an optional string argument (NULL → `None`).
///
/// # Safety
/// As [`str_arg`].
pub unsafe fn opt_str_arg<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Fail> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { str_arg(p, what) }.map(Some)
    }
}

/// Borrows a `(pointer, count)` array argument: NULL is refused unless `len` is 0, and a count
/// of 0 gives an empty slice whatever the pointer.
///
/// # Safety
/// `p` must be NULL or valid for reads of `len` elements for the call.
pub unsafe fn slice_arg<'a, T>(p: *const T, len: usize, what: &str) -> Result<&'a [T], Fail> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Fail::null(what));
    }
    // SAFETY: non-NULL and valid for `len` elements per this function's contract.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Copies `s` NUL-terminated into `buf[..len]`; [`pppp_result::BufferTooSmall`] (nothing
/// written) when it does not fit.
///
/// # Safety
/// `buf` must be NULL or valid for `len` bytes of writes.
pub unsafe fn write_cstr(buf: *mut c_char, len: usize, s: &str, what: &str) -> Result<(), Fail> {
    if buf.is_null() {
        return Err(Fail::null(what));
    }
    let bytes = s.as_bytes();
    if bytes.len() + 1 > len {
        return Err(Fail::new(
            pppp_result::BufferTooSmall,
            format!(
                "`{what}` needs {} bytes (with the NUL), the buffer has {len}",
                bytes.len() + 1
            ),
        ));
    }
    // SAFETY: `buf` is valid for `len` ≥ bytes.len() + 1 bytes (checked above); the source is
    // a distinct Rust allocation.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
        *buf.add(bytes.len()) = 0;
    }
    Ok(())
}

/// Copies `s` into a fixed `[c_char; N]` field, truncating on a UTF-8 boundary, always
/// NUL-terminated.
pub fn fill_fixed<const N: usize>(dst: &mut [c_char; N], s: &str) {
    let mut n = s.len().min(N.saturating_sub(1));
    while n > 0 && !s.is_char_boundary(n) {
        n -= 1;
    }
    for (d, b) in dst.iter_mut().zip(s.as_bytes()[..n].iter()) {
        *d = *b as c_char;
    }
    for d in dst.iter_mut().skip(n) {
        *d = 0;
    }
}

/// Writes `v` through an out-pointer that was checked non-NULL.
///
/// # Safety
/// `p` must be valid for a write of `T`.
pub unsafe fn put<T>(p: *mut T, v: T) {
    // SAFETY: per this function's contract.
    unsafe { p.write(v) }
}
