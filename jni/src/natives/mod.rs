//! The native methods of `NativeCaller`, every signature variant of every SDK generation, and
//! their registration: `JNI_OnLoad` registers each (name, descriptor) pair on each class that
//! exists (`vstc2/nativecaller/NativeCaller`, `object/p2pipcam/nativecaller/NativeCaller`),
//! skipping — and clearing the `NoSuchMethodError` of — pairs a class does not declare.
//!
//! Methods only marshal Java values: the requests come from the core (`pppp::proto::vstc2`,
//! `pppp::proto::ops`), the work happens on the camera's threads ([`crate::device`]).
//!
//! * [`registration`]: the (name, descriptor, function) table and `register_all`;
//! * `session`: initialisation, the callback context, starting and stopping a camera, the LAN
//!   search, and the methods a LAN-only library answers with a constant;
//! * `media`: live video, audio, talk, local recording, the H.264 and RGB565 helpers;
//! * `commands`: raw CGI, PTZ, camera controls, parameter reads, reboot and the like;
//! * `settings`: the typed setters (`PPPP*Setting`);
//! * `marshal`: the JNI boundary and the conversions of Java values.

/// Declares native methods. Each entry, `fn name(env, class, arg: Type, …) -> Ret { body }`
/// (no `-> Ret`: a `void` method), becomes an `extern "system" fn` whose body runs inside
/// [`marshal::boundary`] (a panic returns the type's [`marshal::OnPanic`] value) with `env` the
/// caller's `&mut JNIEnv` and `class` (`_` when unused) the class the static method was called
/// on.
macro_rules! natives {
    ($(
        $(#[$attr:meta])*
        fn $name:ident($env:ident, $class:tt $(, $arg:tt: $ty:ty)*) $(-> $ret:ty)? $body:block
    )*) => {$(
        $(#[$attr])*
        #[allow(clippy::too_many_arguments, unused_mut)]
        pub(super) extern "system" fn $name(
            mut $env: ::jni::JNIEnv,
            $class: ::jni::objects::JClass,
            $($arg: $ty),*
        ) $(-> $ret)? {
            let $env = &mut $env;
            $crate::natives::marshal::boundary(move || $body)
        }
    )*};
}

mod commands;
mod marshal;
mod media;
pub mod registration;
mod session;
mod settings;

pub use registration::{register_all, table, CLASSES};
