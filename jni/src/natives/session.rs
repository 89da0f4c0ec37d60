//! Natives of the session: initialisation, the callback context, starting and stopping a
//! camera and its state, the LAN search, and the methods a LAN-only library answers with a
//! constant (or ignores).

use std::sync::Arc;

use jni::objects::{JClass, JObject, JString};
use jni::sys::{jfloat, jint, jlong};
use jni::JNIEnv;

use super::marshal::{device, string};
use super::registration::flavor;
use crate::callbacks::Callbacks;
use crate::codes::*;
use crate::device::{Device, StartArgs};
use crate::registry;

natives! {
    fn initial(env, _, svr: JString) {
        // Decoded to validate it; no server is ever contacted (LAN only).
        if let Some(s) = string(env, &svr) {
            if let Err(e) = pppp::proto::initstring::decode(&s) {
                tracing::info!("init string not understood ({e}); ignored: no server is used");
            }
        }
    }

    fn free(_env, _) { registry::stop_all() }

    fn set_context1(env, class, o: JObject) -> jint { set_context(env, &class, &o) }
    fn set_context2(env, class, o: JObject, _v: jint) -> jint { set_context(env, &class, &o) }

    fn start3(env, class, d: JString, u: JString, p: JString) -> jint {
        start(env, &class, [&d, &u, &p], None)
    }
    fn start4(env, class, d: JString, u: JString, p: JString, s: JString) -> jint {
        start(env, &class, [&d, &u, &p], Some(&s))
    }
    fn start5(env, class, d: JString, u: JString, p: JString, _lan: jint, _acc: JString) -> jint {
        start(env, &class, [&d, &u, &p], None)
    }
    fn start6(
        env, class, d: JString, u: JString, p: JString, _lan: jint, _acc: JString, _ver: jint
    ) -> jint {
        start(env, &class, [&d, &u, &p], None)
    }
    fn start_ext6(
        env, class, d: JString, u: JString, p: JString, _lan: jint, _acc: JString, s: JString
    ) -> jint {
        start(env, &class, [&d, &u, &p], Some(&s))
    }
    fn start_ext7(
        env, class, d: JString, u: JString, p: JString, _lan: jint, _acc: JString, s: JString,
        _ver: jint
    ) -> jint {
        start(env, &class, [&d, &u, &p], Some(&s))
    }

    fn stop(env, _, d: JString) -> jint {
        let Some(did) = string(env, &d) else {
            return ERR_INVALID_ARGUMENT;
        };
        match registry::remove(&did) {
            Some(dev) => {
                dev.stop();
                OK
            }
            None => ERR_NOT_STARTED,
        }
    }

    /// 1 while the camera is connected and logged in, 0 otherwise (`PPPPCameraStatus`).
    fn camera_status(env, _, d: JString, _lan: jint) -> jint {
        device(env, &d, |d| jint::from(d.is_online())).unwrap_or(0)
    }

    /// −2 failed, −1 not started, 0 connecting, 1 connected (`GetP2PConnetState`).
    fn connect_state(env, _, d: JString) -> jint {
        device(env, &d, Device::connect_state).unwrap_or(-1)
    }

    fn start_search(env, class) { registry::start_search(flavor(env, &class)) }
    fn stop_search(_env, _) { registry::stop_search() }

    fn version(_env, _) -> jint { LIBRARY_VERSION }

    // One function serves every signature of a return type: the callee ignores arguments it
    // does not read, which every Android and desktop ABI allows (the caller owns the argument
    // area).

    /// Methods that have nothing to do.
    fn nothing(_env, _) {}
    /// Methods whose answer is always 0 (network detection, initialised, hardware decoding).
    fn zero_int(_env, _) -> jint { OK }
    /// Methods with no meaning in a LAN-only library (cloud VUID, firmware upgrade, playback
    /// of the SD card, sensors, 4G, AVI helpers).
    fn unsupported_int(_env, _) -> jint { ERR_UNSUPPORTED }
    /// `PlayBackMovePos`, unsupported like the other playback methods.
    fn ignored_float_arg(_env, _, _d: JString, _f: jfloat) -> jlong { jlong::from(ERR_UNSUPPORTED) }
}

fn set_context(env: &mut JNIEnv, class: &JClass, obj: &JObject) -> jint {
    let flavor = flavor(env, class);
    if obj.is_null() {
        registry::set_callbacks(flavor, None);
        return OK;
    }
    if registry::callbacks(flavor).is_some_and(|c| c.is_object(env, obj)) {
        return OK; // the same context again: keep its lookup
    }
    match Callbacks::resolve(env, obj) {
        Ok(c) => {
            registry::set_callbacks(flavor, Some(Arc::new(c)));
            OK
        }
        Err(e) => {
            tracing::warn!("cannot look the callbacks up: {e}");
            let _ = env.exception_clear();
            ERR_INVALID_ARGUMENT
        }
    }
}

/// `StartPPPP` and `StartPPPPExt`: the DID, user and password, and the server string of the
/// variants that take one (checked, never used).
fn start(
    env: &mut JNIEnv,
    class: &JClass,
    [did, user, pwd]: [&JString; 3],
    svr: Option<&JString>,
) -> jint {
    let Some(did) = string(env, did) else {
        return ERR_INVALID_ARGUMENT;
    };
    if let Some(s) = svr.and_then(|s| string(env, s)) {
        if !s.is_empty() && pppp::proto::initstring::decode(&s).is_err() {
            tracing::info!("server string not understood; ignored: no server is used");
        }
    }
    let args = StartArgs {
        did: registry::normalise(&did),
        user: string(env, user).unwrap_or_else(|| "admin".into()),
        password: string(env, pwd).unwrap_or_default(),
        flavor: flavor(env, class),
    };
    if let Some(old) = registry::remove(&args.did) {
        old.stop();
    }
    match Device::start(args) {
        Ok(d) => {
            if let Some(old) = registry::insert(d) {
                old.stop();
            }
            OK
        }
        Err(e) => {
            tracing::warn!("cannot start the camera's threads: {e}");
            ERR_INTERNAL
        }
    }
}
