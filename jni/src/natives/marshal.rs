//! The JNI boundary of every native method (a panic becomes a return code) and the
//! conversions of Java values: strings, byte arrays, the DID of a started camera.

use std::panic::{catch_unwind, AssertUnwindSafe};

use jni::objects::{JByteArray, JString};
use jni::sys::{jint, jlong};
use jni::JNIEnv;
use pppp::proto::vstc2::Arg;

use crate::codes::*;
use crate::device::{Device, Request};
use crate::registry;

/// What a native method returns when its body panics (a bug).
pub(super) trait OnPanic {
    /// The value.
    const ON_PANIC: Self;
}

impl OnPanic for () {
    const ON_PANIC: () = ();
}

impl OnPanic for jint {
    const ON_PANIC: jint = ERR_PANIC;
}

impl OnPanic for jlong {
    const ON_PANIC: jlong = ERR_PANIC as jlong;
}

/// Runs a native's body, turning a panic (a bug) into [`OnPanic::ON_PANIC`].
pub(super) fn boundary<T: OnPanic>(f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        tracing::error!("panic in a native method");
        T::ON_PANIC
    })
}

/// A Java string (`None` for null or an unreadable string).
pub(super) fn string(env: &mut JNIEnv, s: &JString) -> Option<String> {
    if s.is_null() {
        return None;
    }
    let r = env.get_string(s).ok().map(String::from);
    if r.is_none() {
        let _ = env.exception_clear();
    }
    r
}

/// A Java `byte[]` (`None` for null or an unreadable array).
pub(super) fn bytes(env: &mut JNIEnv, a: &JByteArray) -> Option<Vec<u8>> {
    if a.is_null() {
        return None;
    }
    let r = env.convert_byte_array(a).ok();
    if r.is_none() {
        let _ = env.exception_clear();
    }
    r
}

/// A Java argument of a typed setter as the core's [`Arg`] (a null string is empty).
pub(super) trait JavaArg {
    /// The value.
    fn arg(&self, env: &mut JNIEnv) -> Arg;
}

impl JavaArg for jint {
    fn arg(&self, _env: &mut JNIEnv) -> Arg {
        Arg::Int((*self).into())
    }
}

impl JavaArg for JString<'_> {
    fn arg(&self, env: &mut JNIEnv) -> Arg {
        Arg::Text(string(env, self).unwrap_or_default())
    }
}

/// Runs `f` on the camera started for `did`.
pub(super) fn device<T>(
    env: &mut JNIEnv,
    did: &JString,
    f: impl FnOnce(&Device) -> T,
) -> Result<T, jint> {
    let did = string(env, did).ok_or(ERR_INVALID_ARGUMENT)?;
    registry::with(&did, f).ok_or(ERR_NOT_STARTED)
}

/// Queues `r` on the camera started for `did`.
pub(super) fn queue(env: &mut JNIEnv, did: &JString, r: Request) -> jint {
    device(env, did, |d| d.request(r)).unwrap_or_else(|e| e)
}
