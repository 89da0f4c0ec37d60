//! The native methods of `NativeCaller`, every signature variant of every SDK generation, and
//! their registration: `JNI_OnLoad` registers each (name, descriptor) pair on each class that
//! exists (`vstc2/nativecaller/NativeCaller`, `object/p2pipcam/nativecaller/NativeCaller`),
//! skipping — and clearing the `NoSuchMethodError` of — pairs a class does not declare.
//!
//! Methods only marshal Java values: the requests come from the core (`pppp::proto::vstc2`,
//! `pppp::proto::ops`), the work happens on the camera's threads ([`crate::device`]).

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};

use jni::objects::{GlobalRef, JByteArray, JClass, JIntArray, JObject, JString};
use jni::sys::{jfloat, jint, jlong};
use jni::{JNIEnv, NativeMethod};
use pppp::proto::dialect::Dialect;
use pppp::proto::ops::{Op, VideoStream};
use pppp::proto::vstc2::{self, param_type, Arg, Setter};

use crate::callbacks::Callbacks;
use crate::codes::*;
use crate::device::{int_args, Device, Request, StartArgs};
use crate::registry::{self, Flavor};

/// The Java classes served, with their flavour.
pub const CLASSES: &[(&str, Flavor)] = &[
    ("vstc2/nativecaller/NativeCaller", Flavor::Vstc2),
    ("object/p2pipcam/nativecaller/NativeCaller", Flavor::Object),
];

static CLASS_REFS: OnceLock<Vec<(Flavor, GlobalRef)>> = OnceLock::new();

/// Registers the natives on every class that exists; returns how many pairs were registered
/// per class found.
pub fn register_all(env: &mut JNIEnv) -> Vec<(&'static str, usize)> {
    let mut refs = Vec::new();
    let mut report = Vec::new();
    for (name, flavor) in CLASSES {
        let class = match env.find_class(name) {
            Ok(c) => c,
            Err(_) => {
                let _ = env.exception_clear();
                continue;
            }
        };
        let mut count = 0;
        for (method, sig, ptr) in table() {
            let m = NativeMethod {
                name: method.into(),
                sig: sig.into(),
                fn_ptr: ptr,
            };
            if env.register_native_methods(&class, &[m]).is_ok() {
                count += 1;
            } else if env.exception_check().unwrap_or(false) {
                let _ = env.exception_clear(); // NoSuchMethodError: the class lacks this variant
            }
        }
        tracing::debug!(class = name, count, "natives registered");
        if let Ok(g) = env.new_global_ref(&class) {
            refs.push((*flavor, g));
        }
        report.push((*name, count));
    }
    let _ = CLASS_REFS.set(refs);
    report
}

/// The flavour of the class a static native was called on.
fn flavor(env: &JNIEnv, class: &JClass) -> Flavor {
    CLASS_REFS
        .get()
        .and_then(|refs| {
            refs.iter()
                .find(|(_, g)| env.is_same_object(g, class).unwrap_or(false))
                .map(|(f, _)| *f)
        })
        .unwrap_or(Flavor::Vstc2)
}

/// Runs a native's body, turning a panic (a bug) into `fallback`.
fn boundary<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        tracing::error!("panic in a native method");
        fallback
    })
}

fn string(env: &mut JNIEnv, s: &JString) -> Option<String> {
    if s.is_null() {
        return None;
    }
    let r = env.get_string(s).ok().map(String::from);
    if r.is_none() {
        let _ = env.exception_clear();
    }
    r
}

fn text(env: &mut JNIEnv, s: &JString) -> Arg {
    Arg::Text(string(env, s).unwrap_or_default())
}

fn bytes(env: &mut JNIEnv, a: &JByteArray) -> Option<Vec<u8>> {
    if a.is_null() {
        return None;
    }
    let r = env.convert_byte_array(a).ok();
    if r.is_none() {
        let _ = env.exception_clear();
    }
    r
}

/// Runs `f` on the camera started for `did`.
fn device<T>(env: &mut JNIEnv, did: &JString, f: impl FnOnce(&Device) -> T) -> Result<T, jint> {
    let did = string(env, did).ok_or(ERR_INVALID_ARGUMENT)?;
    registry::with(&did, f).ok_or(ERR_NOT_STARTED)
}

fn queue(env: &mut JNIEnv, did: &JString, r: Request) -> jint {
    device(env, did, |d| d.request(r)).unwrap_or_else(|e| e)
}

// ---- session ----

extern "system" fn initial<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, svr: JString<'l>) {
    boundary((), || {
        // Decoded to validate it; no server is ever contacted (LAN only).
        if let Some(s) = string(&mut env, &svr) {
            if let Err(e) = pppp::proto::initstring::decode(&s) {
                tracing::info!("init string not understood ({e}); ignored: no server is used");
            }
        }
    })
}

extern "system" fn nothing<'l>(_env: JNIEnv<'l>, _c: JClass<'l>) {}

extern "system" fn free<'l>(_env: JNIEnv<'l>, _c: JClass<'l>) {
    boundary((), registry::stop_all)
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

extern "system" fn set_context1<'l>(mut env: JNIEnv<'l>, c: JClass<'l>, o: JObject<'l>) -> jint {
    boundary(ERR_PANIC, || set_context(&mut env, &c, &o))
}

extern "system" fn set_context2<'l>(
    mut env: JNIEnv<'l>,
    c: JClass<'l>,
    o: JObject<'l>,
    _v: jint,
) -> jint {
    boundary(ERR_PANIC, || set_context(&mut env, &c, &o))
}

fn start(
    env: &mut JNIEnv,
    class: &JClass,
    did: &JString,
    user: &JString,
    pwd: &JString,
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

extern "system" fn start3<'l>(
    mut env: JNIEnv<'l>,
    c: JClass<'l>,
    d: JString<'l>,
    u: JString<'l>,
    p: JString<'l>,
) -> jint {
    boundary(ERR_PANIC, || start(&mut env, &c, &d, &u, &p, None))
}

extern "system" fn start4<'l>(
    mut env: JNIEnv<'l>,
    c: JClass<'l>,
    d: JString<'l>,
    u: JString<'l>,
    p: JString<'l>,
    s: JString<'l>,
) -> jint {
    boundary(ERR_PANIC, || start(&mut env, &c, &d, &u, &p, Some(&s)))
}

extern "system" fn start5<'l>(
    mut env: JNIEnv<'l>,
    c: JClass<'l>,
    d: JString<'l>,
    u: JString<'l>,
    p: JString<'l>,
    _lan: jint,
    _acc: JString<'l>,
) -> jint {
    boundary(ERR_PANIC, || start(&mut env, &c, &d, &u, &p, None))
}

extern "system" fn start6<'l>(
    mut env: JNIEnv<'l>,
    c: JClass<'l>,
    d: JString<'l>,
    u: JString<'l>,
    p: JString<'l>,
    _lan: jint,
    _acc: JString<'l>,
    _ver: jint,
) -> jint {
    boundary(ERR_PANIC, || start(&mut env, &c, &d, &u, &p, None))
}

extern "system" fn start_ext6<'l>(
    mut env: JNIEnv<'l>,
    c: JClass<'l>,
    d: JString<'l>,
    u: JString<'l>,
    p: JString<'l>,
    _lan: jint,
    _acc: JString<'l>,
    s: JString<'l>,
) -> jint {
    boundary(ERR_PANIC, || start(&mut env, &c, &d, &u, &p, Some(&s)))
}

extern "system" fn start_ext7<'l>(
    mut env: JNIEnv<'l>,
    c: JClass<'l>,
    d: JString<'l>,
    u: JString<'l>,
    p: JString<'l>,
    _lan: jint,
    _acc: JString<'l>,
    s: JString<'l>,
    _ver: jint,
) -> jint {
    boundary(ERR_PANIC, || start(&mut env, &c, &d, &u, &p, Some(&s)))
}

extern "system" fn stop<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>) -> jint {
    boundary(ERR_PANIC, || {
        let Some(did) = string(&mut env, &d) else {
            return ERR_INVALID_ARGUMENT;
        };
        match registry::remove(&did) {
            Some(dev) => {
                dev.stop();
                OK
            }
            None => ERR_NOT_STARTED,
        }
    })
}

/// 1 while the camera is connected and logged in, 0 otherwise (`PPPPCameraStatus`).
extern "system" fn camera_status<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    _lan: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        device(&mut env, &d, |d| jint::from(d.is_online())).unwrap_or(0)
    })
}

/// −2 failed, −1 not started, 0 connecting, 1 connected (`GetP2PConnetState`).
extern "system" fn connect_state<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>) -> jint {
    boundary(ERR_PANIC, || {
        device(&mut env, &d, Device::connect_state).unwrap_or(-1)
    })
}

extern "system" fn zero_int<'l>(_env: JNIEnv<'l>, _c: JClass<'l>) -> jint {
    OK
}

extern "system" fn version<'l>(_env: JNIEnv<'l>, _c: JClass<'l>) -> jint {
    LIBRARY_VERSION
}

extern "system" fn start_search<'l>(env: JNIEnv<'l>, c: JClass<'l>) {
    boundary((), || registry::start_search(flavor(&env, &c)))
}

extern "system" fn stop_search<'l>(_env: JNIEnv<'l>, _c: JClass<'l>) {
    boundary((), registry::stop_search)
}

// ---- media ----

fn live(env: &mut JNIEnv, d: &JString, id: jint, sub: Option<jint>) -> jint {
    let Ok(id) = u8::try_from(id) else {
        return ERR_INVALID_ARGUMENT;
    };
    let substream = match sub.map(u8::try_from) {
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => return ERR_INVALID_ARGUMENT,
        None => None,
    };
    let op = Op::StartVideo {
        resolution: 1,
        stream: Some(VideoStream { id, substream }),
    };
    queue(env, d, Request::StartVideo(op))
}

extern "system" fn live2<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    id: jint,
) -> jint {
    boundary(ERR_PANIC, || live(&mut env, &d, id, None))
}

extern "system" fn live3<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    id: jint,
    sub: jint,
) -> jint {
    boundary(ERR_PANIC, || live(&mut env, &d, id, Some(sub)))
}

extern "system" fn live_obj<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    id: jint,
    _f: JString<'l>,
    _fr: jint,
) -> jint {
    boundary(ERR_PANIC, || live(&mut env, &d, id, None))
}

extern "system" fn live_stop<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>) -> jint {
    boundary(ERR_PANIC, || queue(&mut env, &d, Request::StopVideo))
}

extern "system" fn audio_start<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>) -> jint {
    boundary(ERR_PANIC, || queue(&mut env, &d, Request::Audio(true)))
}

extern "system" fn audio_stop<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>) -> jint {
    boundary(ERR_PANIC, || queue(&mut env, &d, Request::Audio(false)))
}

/// Talk needs no request on the wire: `PPPPTalkAudioData` sends the audio on channel 3.
extern "system" fn talk_switch<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>) -> jint {
    boundary(ERR_PANIC, || {
        device(&mut env, &d, |_| OK).unwrap_or_else(|e| e)
    })
}

extern "system" fn talk_switch_int<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    _m: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        device(&mut env, &d, |_| OK).unwrap_or_else(|e| e)
    })
}

extern "system" fn talk_data<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    data: JByteArray<'l>,
    len: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let Some(mut pcm) = bytes(&mut env, &data) else {
            return ERR_INVALID_ARGUMENT;
        };
        let len = usize::try_from(len).unwrap_or(0).min(pcm.len()) & !1;
        pcm.truncate(len);
        let session = match device(&mut env, &d, Device::session) {
            Ok(Some(s)) => s,
            Ok(None) => return ERR_NOT_CONNECTED,
            Err(e) => return e,
        };
        match session.talk_bytes(&pcm) {
            Ok(()) => OK,
            Err(e) => {
                tracing::info!("talk: {e}");
                ERR_NOT_CONNECTED
            }
        }
    })
}

extern "system" fn record_local<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    path: JString<'l>,
    on: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let path = string(&mut env, &path);
        device(&mut env, &d, |dev| dev.record_local(path, on != 0)).unwrap_or_else(|e| e)
    })
}

extern "system" fn yuv_to_rgb565<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    yuv: JByteArray<'l>,
    rgb: JByteArray<'l>,
    w: jint,
    h: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let (Ok(w), Ok(h)) = (usize::try_from(w), usize::try_from(h)) else {
            return ERR_INVALID_ARGUMENT;
        };
        let Some(src) = bytes(&mut env, &yuv) else {
            return ERR_INVALID_ARGUMENT;
        };
        let Ok(out_len) = env.get_array_length(&rgb) else {
            return ERR_INVALID_ARGUMENT;
        };
        let mut out = vec![0u8; usize::try_from(out_len).unwrap_or(0)];
        if crate::decode::i420_to_rgb565(&src, &mut out, w, h).is_none() {
            return ERR_INVALID_ARGUMENT;
        }
        let signed: Vec<i8> = out[..w * h * 2].iter().map(|b| *b as i8).collect();
        match env.set_byte_array_region(&rgb, 0, &signed) {
            Ok(()) => OK,
            Err(_) => {
                let _ = env.exception_clear();
                ERR_INVALID_ARGUMENT
            }
        }
    })
}

/// Decodes one access unit into `yuvbuf` (I420) and writes `size[0] = width`,
/// `size[1] = height`: returns the picture's byte count, 0 when the unit completes no
/// picture, a negative code on error.
extern "system" fn decode_h264<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    frame: JByteArray<'l>,
    _key: jint,
    yuv: JByteArray<'l>,
    len: jint,
    size: JIntArray<'l>,
) -> jint {
    boundary(ERR_PANIC, || {
        let Some(mut au) = bytes(&mut env, &frame) else {
            return ERR_INVALID_ARGUMENT;
        };
        au.truncate(usize::try_from(len).unwrap_or(0));
        let picture = match registry::with_decoder(|d| d.decode_now(&au)) {
            Some(Ok(Some(p))) => p,
            Some(Ok(None)) => return 0,
            Some(Err(e)) => {
                tracing::debug!("{e}");
                return ERR_DECODE;
            }
            None => return ERR_INTERNAL,
        };
        let room = env.get_array_length(&yuv).unwrap_or(0);
        if yuv.is_null() || usize::try_from(room).unwrap_or(0) < picture.yuv.len() {
            return ERR_BUFFER_TOO_SMALL;
        }
        let signed: Vec<i8> = picture.yuv.iter().map(|b| *b as i8).collect();
        let dims = [picture.width as jint, picture.height as jint];
        let ok = env.set_byte_array_region(&yuv, 0, &signed).is_ok()
            && (size.is_null() || env.set_int_array_region(&size, 0, &dims).is_ok());
        if !ok {
            let _ = env.exception_clear();
            return ERR_BUFFER_TOO_SMALL;
        }
        picture.yuv.len() as jint
    })
}

extern "system" fn reset_decoder<'l>(_env: JNIEnv<'l>, _c: JClass<'l>) -> jint {
    boundary(ERR_PANIC, || {
        registry::reset_decoder();
        OK
    })
}

// ---- commands ----

extern "system" fn transfer<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    msg: JString<'l>,
    _len: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let Some(text) = string(&mut env, &msg) else {
            return ERR_INVALID_ARGUMENT;
        };
        queue(&mut env, &d, Request::Transfer(text))
    })
}

/// A typed method: refused at once when the camera's dialect is known and has no equivalent.
fn typed(
    env: &mut JNIEnv,
    d: &JString,
    cgi: pppp::proto::cgi::CgiRequest,
    op: Option<Op>,
    kind: i32,
) -> jint {
    let dialect = match device(env, d, Device::dialect) {
        Ok(x) => x,
        Err(e) => return e,
    };
    if matches!(dialect, Some(x) if x != Dialect::Cgi) && op.is_none() {
        return ERR_NOT_IN_DIALECT;
    }
    queue(env, d, Request::Set { cgi, op, kind })
}

fn setter(env: &mut JNIEnv, d: &JString, s: &Setter, args: Vec<Arg>) -> jint {
    match s.request(&args) {
        Ok(cgi) => typed(env, d, cgi, None, s.param_type),
        Err(e) => {
            tracing::warn!("{e}");
            ERR_INVALID_ARGUMENT
        }
    }
}

extern "system" fn ptz<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>, cmd: jint) -> jint {
    boundary(ERR_PANIC, || {
        let op = vstc2::ptz_op(cmd).ok();
        typed(
            &mut env,
            &d,
            vstc2::ptz_request(cmd),
            op,
            param_type::DECODER_CONTROL,
        )
    })
}

extern "system" fn camera_control<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    p: jint,
    v: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let op = vstc2::camera_control_op(p, v);
        typed(
            &mut env,
            &d,
            vstc2::camera_control_request(p, v),
            op,
            param_type::CAMERA_CONTROL,
        )
    })
}

extern "system" fn get_params<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    kind: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let Ok(getter) = vstc2::getter(kind) else {
            return ERR_INVALID_ARGUMENT;
        };
        let status = kind == param_type::GET_STATUS;
        let dialect = match device(&mut env, &d, Device::dialect) {
            Ok(x) => x,
            Err(e) => return e,
        };
        if matches!(dialect, Some(x) if x != Dialect::Cgi) && !status {
            return ERR_NOT_IN_DIALECT;
        }
        queue(&mut env, &d, Request::Get { getter, status })
    })
}

extern "system" fn reboot<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>) -> jint {
    boundary(ERR_PANIC, || {
        typed(
            &mut env,
            &d,
            vstc2::plain_request("reboot"),
            Some(Op::Reboot),
            param_type::REBOOT_DEVICE,
        )
    })
}

extern "system" fn restore<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>) -> jint {
    boundary(ERR_PANIC, || {
        typed(
            &mut env,
            &d,
            vstc2::plain_request("restore_factory"),
            None,
            param_type::RESTORE_FACTORY,
        )
    })
}

extern "system" fn format_sd<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>) {
    boundary((), || {
        let _ = typed(
            &mut env,
            &d,
            vstc2::plain_request("set_formatsd"),
            None,
            param_type::SET_RECORD_SCH,
        );
    })
}

extern "system" fn record_files<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    a: jint,
    b: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let r = vstc2::record_file_request(a, b);
        queue(
            &mut env,
            &d,
            Request::Transfer(format!("{}.cgi?{}", r.name, r.params)),
        )
    })
}

extern "system" fn snapshot<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    _file: JString<'l>,
) -> jint {
    boundary(ERR_PANIC, || queue(&mut env, &d, Request::Snapshot))
}

#[allow(clippy::too_many_arguments)]
extern "system" fn wifi_setting<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    enable: jint,
    ssid: JString<'l>,
    channel: jint,
    mode: jint,
    authtype: jint,
    encrypt: jint,
    keyformat: jint,
    defkey: jint,
    k1: JString<'l>,
    k2: JString<'l>,
    k3: JString<'l>,
    k4: JString<'l>,
    b1: jint,
    b2: jint,
    b3: jint,
    b4: jint,
    psk: JString<'l>,
) -> jint {
    boundary(ERR_PANIC, || {
        let mut a = int_args(&[enable]);
        a.push(text(&mut env, &ssid));
        a.extend(int_args(&[
            channel, mode, authtype, encrypt, keyformat, defkey,
        ]));
        for k in [&k1, &k2, &k3, &k4] {
            a.push(text(&mut env, k));
        }
        a.extend(int_args(&[b1, b2, b3, b4]));
        a.push(text(&mut env, &psk));
        let ssid_text = a[1].text();
        let op = Some(Op::SetWifi {
            ssid: ssid_text,
            password: a[16].text(),
        });
        match vstc2::WIFI.request(&a) {
            Ok(cgi) => typed(&mut env, &d, cgi, op, param_type::SET_WIFI),
            Err(_) => ERR_INVALID_ARGUMENT,
        }
    })
}

#[allow(clippy::too_many_arguments)]
extern "system" fn network_setting<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    ip: JString<'l>,
    mask: JString<'l>,
    gw: JString<'l>,
    dns1: JString<'l>,
    dns2: JString<'l>,
    dhcp: jint,
    port: jint,
    rtsp: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let mut a: Vec<Arg> = [&ip, &mask, &gw, &dns1, &dns2]
            .iter()
            .map(|s| text(&mut env, s))
            .collect();
        a.extend(int_args(&[dhcp, port, rtsp]));
        setter(&mut env, &d, &vstc2::NETWORK, a)
    })
}

#[allow(clippy::too_many_arguments)]
extern "system" fn user_setting<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    u1: JString<'l>,
    p1: JString<'l>,
    u2: JString<'l>,
    p2: JString<'l>,
    u3: JString<'l>,
    p3: JString<'l>,
) -> jint {
    boundary(ERR_PANIC, || {
        let a: Vec<Arg> = [&u1, &p1, &u2, &p2, &u3, &p3]
            .iter()
            .map(|s| text(&mut env, s))
            .collect();
        setter(&mut env, &d, &vstc2::USERS, a)
    })
}

fn datetime(env: &mut JNIEnv, d: &JString, now: jint, tz: jint, ntp: jint, svr: &JString) -> jint {
    let mut a = int_args(&[now, tz, ntp]);
    a.push(text(env, svr));
    let op = Some(Op::SetTime {
        epoch: now.into(),
        tz_offset_secs: -tz,
    });
    match vstc2::DATETIME.request(&a) {
        Ok(cgi) => typed(env, d, cgi, op, param_type::SET_DATETIME),
        Err(_) => ERR_INVALID_ARGUMENT,
    }
}

extern "system" fn datetime_setting<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    now: jint,
    tz: jint,
    ntp: jint,
    svr: JString<'l>,
) -> jint {
    boundary(ERR_PANIC, || datetime(&mut env, &d, now, tz, ntp, &svr))
}

#[allow(clippy::too_many_arguments)]
extern "system" fn datetime_setting_obj<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    now: jint,
    tz: jint,
    ntp: jint,
    svr: JString<'l>,
    _dst: jint,
) -> jint {
    boundary(ERR_PANIC, || datetime(&mut env, &d, now, tz, ntp, &svr))
}

#[allow(clippy::too_many_arguments)]
extern "system" fn ddns_setting<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    service: jint,
    user: JString<'l>,
    pwd: JString<'l>,
    host: JString<'l>,
    proxy: JString<'l>,
    mode: jint,
    port: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let mut a = int_args(&[service]);
        for s in [&user, &pwd, &host, &proxy] {
            a.push(text(&mut env, s));
        }
        a.extend(int_args(&[mode, port]));
        setter(&mut env, &d, &vstc2::DDNS, a)
    })
}

#[allow(clippy::too_many_arguments)]
extern "system" fn mail_setting<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    svr: JString<'l>,
    port: jint,
    user: JString<'l>,
    pwd: JString<'l>,
    ssl: jint,
    sender: JString<'l>,
    r1: JString<'l>,
    r2: JString<'l>,
    r3: JString<'l>,
    r4: JString<'l>,
) -> jint {
    boundary(ERR_PANIC, || {
        let mut a = vec![
            text(&mut env, &svr),
            Arg::Int(port.into()),
            text(&mut env, &user),
            text(&mut env, &pwd),
        ];
        a.push(Arg::Int(ssl.into()));
        for s in [&sender, &r1, &r2, &r3, &r4] {
            a.push(text(&mut env, s));
        }
        setter(&mut env, &d, &vstc2::MAIL, a)
    })
}

#[allow(clippy::too_many_arguments)]
extern "system" fn ftp_setting<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    d: JString<'l>,
    svr: JString<'l>,
    user: JString<'l>,
    pwd: JString<'l>,
    dir: JString<'l>,
    port: jint,
    mode: jint,
    interval: jint,
) -> jint {
    boundary(ERR_PANIC, || {
        let mut a: Vec<Arg> = [&svr, &user, &pwd, &dir]
            .iter()
            .map(|s| text(&mut env, s))
            .collect();
        a.extend(int_args(&[port, mode, interval]));
        setter(&mut env, &d, &vstc2::FTP, a)
    })
}

macro_rules! int_setter {
    ($name:ident, $setter:expr, $($a:ident)*) => {
        #[allow(clippy::too_many_arguments)]
        extern "system" fn $name<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, d: JString<'l>, $($a: jint),*) -> jint {
            boundary(ERR_PANIC, || setter(&mut env, &d, &$setter, int_args(&[$($a),*])))
        }
    };
}

int_setter!(ptz_setting, vstc2::PTZ, a0 a1 a2 a3 a4 a5 a6 a7 a8);
int_setter!(alarm33, vstc2::ALARM_OLD, a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20 a21 a22 a23 a24 a25 a26 a27 a28 a29 a30 a31 a32);
int_setter!(alarm56, vstc2::ALARM, a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20 a21 a22 a23 a24 a25 a26 a27 a28 a29 a30 a31 a32 a33 a34 a35 a36 a37 a38 a39 a40 a41 a42 a43 a44 a45 a46 a47 a48 a49 a50 a51 a52 a53 a54 a55);
int_setter!(record25, vstc2::RECORD_OLD, a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20 a21 a22 a23 a24);
int_setter!(record27, vstc2::RECORD, a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20 a21 a22 a23 a24 a25 a26);
int_setter!(everyday, vstc2::EVERYDAY, a0 a1 a2 a3 a4 a5);

// ---- methods with no meaning in a LAN-only library ----
//
// Cloud VUID, firmware upgrade, playback of the SD card, sensors, 4G, AVI helpers: they link
// and return ERR_UNSUPPORTED (or do nothing when void). One function serves every signature
// of a return type: the callee ignores arguments it does not read, which every Android and
// desktop ABI allows (the caller owns the argument area).

extern "system" fn unsupported_int<'l>(_env: JNIEnv<'l>, _c: JClass<'l>) -> jint {
    ERR_UNSUPPORTED
}

extern "system" fn ignored_float_arg<'l>(
    _env: JNIEnv<'l>,
    _c: JClass<'l>,
    _d: JString<'l>,
    _f: jfloat,
) -> jlong {
    jlong::from(ERR_UNSUPPORTED)
}

fn f(p: *const ()) -> *mut c_void {
    p as *mut c_void
}

/// Every (name, descriptor, function) pair.
#[rustfmt::skip]
pub fn table() -> Vec<(&'static str, String, *mut c_void)> {
    const S: &str = "Ljava/lang/String;";
    let ints = |n: usize| "I".repeat(n);
    let sig =
        |params: &str, ret: &str| format!("({}){ret}", params.replace('S', S).replace("J_", "J"));
    let v: Vec<(&'static str, &str, &str, *mut c_void)> = vec![
        ("PPPPInitial", "S", "V", f(initial as *const ())),
        ("PPPPInitialOther", "S", "V", f(initial as *const ())),
        ("PTPInitial", "S", "V", f(initial as *const ())),
        ("QXPTPInitial", "S", "V", f(initial as *const ())),
        ("Init", "", "V", f(nothing as *const ())),
        ("Free", "", "V", f(free as *const ())),
        ("PPPPSetCallbackContext", "Landroid/content/Context;", "I", f(set_context1 as *const ())),
        ("PPPPSetCallbackContext", "Ljava/lang/Object;", "I", f(set_context1 as *const ())),
        ("PPPPSetCallbackContext2", "Landroid/content/Context;I", "I", f(set_context2 as *const ())),
        ("PPPPSetCallbackContext2", "Ljava/lang/Object;I", "I", f(set_context2 as *const ())),
        ("PPPPNetworkDetect", "", "I", f(zero_int as *const ())),
        ("StartPPPP", "SSS", "I", f(start3 as *const ())),
        ("StartPPPP", "SSSS", "I", f(start4 as *const ())),
        ("StartPPPP", "SSSIS", "I", f(start5 as *const ())),
        ("StartPPPP", "SSSISI", "I", f(start6 as *const ())),
        ("StartPPPPExt", "SSSISS", "I", f(start_ext6 as *const ())),
        ("StartPPPPExt", "SSSISSI", "I", f(start_ext7 as *const ())),
        ("StopPPPP", "S", "I", f(stop as *const ())),
        ("PPPPCameraStatus", "SI", "I", f(camera_status as *const ())),
        ("GetP2PConnetState", "S", "I", f(connect_state as *const ())),
        ("GetP2PVersion", "I", "I", f(zero_int as *const ())),
        ("GetVersion", "", "I", f(version as *const ())),
        ("IsPTPInitial", "", "I", f(zero_int as *const ())),
        ("IsQXPTPInitial", "", "I", f(zero_int as *const ())),
        ("PrintJNILog", "I", "V", f(nothing as *const ())),
        ("SetAPPDataPath", "S", "V", f(nothing as *const ())),
        ("FindProcessByName", "S", "I", f(zero_int as *const ())),
        ("StartVUID", "SSISSISJ_", "I", f(unsupported_int as *const ())),
        ("StartSearch", "", "V", f(start_search as *const ())),
        ("StopSearch", "", "V", f(stop_search as *const ())),
        ("StartPPPPLivestream", "SI", "I", f(live2 as *const ())),
        ("StartPPPPLivestream", "SII", "I", f(live3 as *const ())),
        ("StartPPPPLivestream", "SISI", "I", f(live_obj as *const ())),
        ("StopPPPPLivestream", "S", "I", f(live_stop as *const ())),
        ("PPPPStartAudio", "S", "I", f(audio_start as *const ())),
        ("PPPPStopAudio", "S", "I", f(audio_stop as *const ())),
        ("PPPPStartTalk", "S", "I", f(talk_switch as *const ())),
        ("PPPPStartTalk", "SI", "I", f(talk_switch_int as *const ())),
        ("PPPPStartTalk2", "SI", "I", f(talk_switch_int as *const ())),
        ("PPPPStopTalk", "S", "I", f(talk_switch as *const ())),
        ("PPPPTalkAudioData", "S[BI", "I", f(talk_data as *const ())),
        ("StartPlayBack", "SSII", "I", f(unsupported_int as *const ())),
        ("StartPlayBack", "SSIII", "I", f(unsupported_int as *const ())),
        ("StartPlayBack", "SSI", "I", f(unsupported_int as *const ())),
        ("StartPlayBack", "SSIJ_SII", "I", f(unsupported_int as *const ())),
        ("StopPlayBack", "S", "I", f(unsupported_int as *const ())),
        ("PausePlayBack", "SI", "I", f(unsupported_int as *const ())),
        ("PlayBackMovePos", "SF", "J", f(ignored_float_arg as *const ())),
        ("SetPlayBackPos", "SJ_", "I", f(unsupported_int as *const ())),
        ("StrarRecordPlayBack", "SS", "I", f(unsupported_int as *const ())),
        ("RecordLocal", "SSI", "I", f(record_local as *const ())),
        ("SetHardCodeing", "SI", "I", f(zero_int as *const ())),
        ("YUV4202RGB565", "[B[BII", "I", f(yuv_to_rgb565 as *const ())),
        ("DecodeH264Frame", "[BI[BI[I", "I", f(decode_h264 as *const ())),
        ("ResetDecodeH264", "", "I", f(reset_decoder as *const ())),
        ("DecodeAudio", "[BIIII", "I", f(unsupported_int as *const ())),
        ("FreeDecodeAudio", "", "I", f(unsupported_int as *const ())),
        ("OpenAvi", "SSIII", "I", f(unsupported_int as *const ())),
        ("CloseAvi", "", "I", f(unsupported_int as *const ())),
        ("WriteData", "[BII", "I", f(unsupported_int as *const ())),
        ("OpenAviFileName", "SSSIII", "I", f(unsupported_int as *const ())),
        ("CloseAvi", "S", "I", f(unsupported_int as *const ())),
        ("WriteData", "S[BII", "I", f(unsupported_int as *const ())),
        ("WriteAudioData", "S[BI", "I", f(unsupported_int as *const ())),
        ("TransferMessage", "SSI", "I", f(transfer as *const ())),
        ("TransferMessage1", "SSI", "I", f(transfer as *const ())),
        ("PPPPPTZControl", "SI", "I", f(ptz as *const ())),
        ("PPPPCameraControl", "SII", "I", f(camera_control as *const ())),
        ("PPPPGetCGI", "SI", "I", f(get_params as *const ())),
        ("PPPPGetSystemParams", "SI", "I", f(get_params as *const ())),
        ("PPPPRebootDevice", "S", "I", f(reboot as *const ())),
        ("PPPPRestorFactory", "S", "I", f(restore as *const ())),
        ("FormatSD", "S", "V", f(format_sd as *const ())),
        ("FormatSD", "S", "I", f(unsupported_int as *const ())),
        ("PPPPGetSDCardRecordFileList", "SII", "I", f(record_files as *const ())),
        ("SnapShot", "SS", "I", f(snapshot as *const ())),
        ("PPPPWifiSetting", "SISIIIIIISSSSIIIIS", "I", f(wifi_setting as *const ())),
        ("PPPPNetworkSetting", "SSSSSSIII", "I", f(network_setting as *const ())),
        ("PPPPUserSetting", "SSSSSSS", "I", f(user_setting as *const ())),
        ("PPPPDatetimeSetting", "SIIIS", "I", f(datetime_setting as *const ())),
        ("PPPPDatetimeSetting", "SIIISI", "I", f(datetime_setting_obj as *const ())),
        ("PPPPDDNSSetting", "SISSSSII", "I", f(ddns_setting as *const ())),
        ("PPPPMailSetting", "SSISSISSSSS", "I", f(mail_setting as *const ())),
        ("PPPPFtpSetting", "SSSSSIII", "I", f(ftp_setting as *const ())),
        ("UpgradeFirmware", "SSSI", "V", f(nothing as *const ())),
        ("SetSensorStatus", "SI", "I", f(unsupported_int as *const ())),
        ("DeleSensor", "SI", "I", f(unsupported_int as *const ())),
        ("EditSensor", "SIS", "I", f(unsupported_int as *const ())),
        ("SetSensorPrest", "SII", "I", f(unsupported_int as *const ())),
        ("PPPPAlarmOpenCloseSetting", "SII", "I", f(unsupported_int as *const ())),
        ("SetAPParam", "SSS", "I", f(unsupported_int as *const ())),
        ("DeletFile", "SS", "I", f(unsupported_int as *const ())),
        ("PPPPSetUserTime", "SIIIIII", "I", f(unsupported_int as *const ())),
    ];
    let mut out: Vec<(&'static str, String, *mut c_void)> = v
        .into_iter()
        .map(|(n, p, r, ptr)| (n, sig(p, r), ptr))
        .collect();
    for (name, n, ptr) in [
        ("PPPPPTZSetting", 9, f(ptz_setting as *const ())),
        ("PPPPAlarmSetting", 33, f(alarm33 as *const ())),
        ("PPPPAlarmSetting", 56, f(alarm56 as *const ())),
        ("PPPPSDRecordSetting", 25, f(record25 as *const ())),
        ("PPPPSDRecordSetting", 27, f(record27 as *const ())),
        ("PPPPEverydaySetting", 6, f(everyday as *const ())),
    ] {
        out.push((name, format!("({S}{})I", ints(n)), ptr));
    }
    out
}
