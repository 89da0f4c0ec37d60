//! What the native methods return. The vendor library documents no codes; these are pppp's,
//! listed in the README: 0 when a request was accepted (its result arrives through the
//! callbacks), negative when it was not.

use jni::sys::jint;

/// Accepted.
pub const OK: jint = 0;
/// No `StartPPPP` for this DID (or it was stopped).
pub const ERR_NOT_STARTED: jint = -1;
/// A null or out-of-range argument.
pub const ERR_INVALID_ARGUMENT: jint = -2;
/// The method has no meaning in a LAN-only library without servers (cloud VUID, firmware
/// upgrade, SD card playback, sensors, AVI helpers, audio decoding helpers).
pub const ERR_UNSUPPORTED: jint = -3;
/// The camera's dialect (SHIX JSON, iLnk binary) has no equivalent of this typed method.
pub const ERR_NOT_IN_DIALECT: jint = -4;
/// The camera is not connected (yet).
pub const ERR_NOT_CONNECTED: jint = -5;
/// `DecodeH264Frame`: the access unit does not decode.
pub const ERR_DECODE: jint = -6;
/// `DecodeH264Frame`: the output array is too small for the picture.
pub const ERR_BUFFER_TOO_SMALL: jint = -7;
/// The library could not start a thread or create the decoder.
pub const ERR_INTERNAL: jint = -8;
/// A bug in the library (a panic was caught at the JNI boundary).
pub const ERR_PANIC: jint = -99;
/// `GetVersion`.
pub const LIBRARY_VERSION: jint = 1;
