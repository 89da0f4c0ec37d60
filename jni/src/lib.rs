//! libvstc2_jni.so: a drop-in for the vendor's `libvstc2_jni.so` and `libobject_jni.so`, the
//! native side of the VStarcam Eye4 SDK's `vstc2.nativecaller.NativeCaller` and the SHIX SDK's
//! `object.p2pipcam.nativecaller.NativeCaller`, on the pppp core: LAN only, no server is ever
//! contacted.
//!
//! * [`natives`]: every native method, in every signature of every SDK generation, registered
//!   in `JNI_OnLoad`;
//! * [`callbacks`]: the Java callbacks, looked up by name and every known descriptor;
//! * [`device`]: one started camera (its session and its callback thread, woken by the session);
//! * [`registry`]: the global state; [`decode`]: H.264 decoding and RGB565; [`codes`]: the
//!   return codes.
//!
//! No protocol logic lives here: requests and reply parsing come from `pppp::proto::vstc2`
//! and `pppp::proto::ops`.

use std::ffi::c_void;

use jni::sys::{jint, JNI_VERSION_1_6};
use jni::JavaVM;

pub mod callbacks;
pub mod codes;
pub mod decode;
pub mod device;
pub mod natives;
pub mod registry;

/// Called by the JVM when `System.loadLibrary("vstc2_jni")` (or `"object_jni"`) loads us.
///
/// # Safety
///
/// Called by the JVM with a valid `JavaVM` pointer.
#[no_mangle]
pub unsafe extern "system" fn JNI_OnLoad(
    vm: *mut jni::sys::JavaVM,
    _reserved: *mut c_void,
) -> jint {
    // PPPP_JNI_LOG=debug (any tracing filter) logs to stderr.
    if let Ok(filter) = std::env::var("PPPP_JNI_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .try_init();
    }
    // SAFETY: the JVM passes a valid pointer that lives as long as the library.
    let Ok(vm) = (unsafe { JavaVM::from_raw(vm) }) else {
        return jni::sys::JNI_ERR;
    };
    let report = match vm.get_env() {
        Ok(mut env) => natives::register_all(&mut env),
        Err(_) => return jni::sys::JNI_ERR,
    };
    tracing::info!(?report, "libvstc2_jni loaded");
    registry::set_vm(vm);
    JNI_VERSION_1_6
}
