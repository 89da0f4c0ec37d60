//! The typed setters (`PPPP*Setting`): each native is a row — its Java arguments, in the
//! order the core's [`Setter`] takes them, and the setter; a setting that has an equivalent
//! in every dialect also names the function that makes its dialect-neutral operation.

use jni::objects::JString;
use jni::sys::jint;
use jni::JNIEnv;
use pppp::proto::ops::Op;
use pppp::proto::vstc2::{self, Arg, Setter};

use super::commands::typed;
use super::marshal::JavaArg;
use crate::codes::*;

/// Declares setter natives. `fn name(arg: Type, …) = SETTER, op;` becomes a native taking
/// the DID and the arguments, that sends `SETTER`'s request made of the arguments in order,
/// with the operation `op` (a function of those arguments) makes; without `op` the setting
/// exists only in the CGI dialect. Arguments after a `;` are taken and ignored;
/// `fn name(ints a0 a1 …)` stands for arguments that are all `jint`.
macro_rules! setters {
    () => {};
    (@op) => { |_| None };
    (@op $op:expr) => { $op };
    (
        $(#[$attr:meta])* fn $name:ident(ints $($a:ident)*) = $setter:path;
        $($rest:tt)*
    ) => {
        setters! { $(#[$attr])* fn $name($($a: jint),*) = $setter; $($rest)* }
    };
    (
        $(#[$attr:meta])*
        fn $name:ident($($arg:ident: $ty:ty),* $(; $($skip:tt: $skip_ty:ty),*)?)
            = $setter:path $(, $op:expr)?;
        $($rest:tt)*
    ) => {
        natives! {
            $(#[$attr])*
            fn $name(env, _, d: JString $(, $arg: $ty)* $($(, $skip: $skip_ty)*)?) -> jint {
                let args = vec![$(JavaArg::arg(&$arg, env)),*];
                set(env, &d, &$setter, args, setters!(@op $($op)?))
            }
        }
        setters! { $($rest)* }
    };
}

setters! {
    fn wifi_setting(
        enable: jint, ssid: JString, channel: jint, mode: jint, authtype: jint, encrypt: jint,
        keyformat: jint, defkey: jint, k1: JString, k2: JString, k3: JString, k4: JString,
        b1: jint, b2: jint, b3: jint, b4: jint, psk: JString
    ) = vstc2::WIFI, set_wifi;
    fn network_setting(
        ip: JString, mask: JString, gw: JString, dns1: JString, dns2: JString, dhcp: jint,
        port: jint, rtsp: jint
    ) = vstc2::NETWORK;
    fn user_setting(
        u1: JString, p1: JString, u2: JString, p2: JString, u3: JString, p3: JString
    ) = vstc2::USERS;
    fn datetime_setting(now: jint, tz: jint, ntp: jint, svr: JString) = vstc2::DATETIME, set_time;
    fn datetime_setting_obj(now: jint, tz: jint, ntp: jint, svr: JString; _dst: jint)
        = vstc2::DATETIME, set_time;
    fn ddns_setting(
        service: jint, user: JString, pwd: JString, host: JString, proxy: JString, mode: jint,
        port: jint
    ) = vstc2::DDNS;
    fn mail_setting(
        svr: JString, port: jint, user: JString, pwd: JString, ssl: jint, sender: JString,
        r1: JString, r2: JString, r3: JString, r4: JString
    ) = vstc2::MAIL;
    fn ftp_setting(
        svr: JString, user: JString, pwd: JString, dir: JString, port: jint, mode: jint,
        interval: jint
    ) = vstc2::FTP;
    fn ptz_setting(ints a0 a1 a2 a3 a4 a5 a6 a7 a8) = vstc2::PTZ;
    fn alarm33(ints a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20
        a21 a22 a23 a24 a25 a26 a27 a28 a29 a30 a31 a32) = vstc2::ALARM_OLD;
    fn alarm56(ints a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20
        a21 a22 a23 a24 a25 a26 a27 a28 a29 a30 a31 a32 a33 a34 a35 a36 a37 a38 a39 a40 a41 a42
        a43 a44 a45 a46 a47 a48 a49 a50 a51 a52 a53 a54 a55) = vstc2::ALARM;
    fn record25(ints a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20
        a21 a22 a23 a24) = vstc2::RECORD_OLD;
    fn record27(ints a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 a18 a19 a20
        a21 a22 a23 a24 a25 a26) = vstc2::RECORD;
    fn everyday(ints a0 a1 a2 a3 a4 a5) = vstc2::EVERYDAY;
}

/// `PPPPWifiSetting` as an operation: the SSID (argument 1) and the key (argument 16).
fn set_wifi(a: &[Arg]) -> Option<Op> {
    Some(Op::SetWifi {
        ssid: a[1].text(),
        password: a[16].text(),
    })
}

/// `PPPPDatetimeSetting` as an operation: the time (argument 0) and the zone (argument 1,
/// seconds west of UTC).
fn set_time(a: &[Arg]) -> Option<Op> {
    Some(Op::SetTime {
        epoch: a[0].int(),
        tz_offset_secs: -(a[1].int() as i32),
    })
}

/// Sends `s`'s request made of `args`, with the operation `op` makes of them.
fn set(
    env: &mut JNIEnv,
    d: &JString,
    s: &Setter,
    args: Vec<Arg>,
    op: impl FnOnce(&[Arg]) -> Option<Op>,
) -> jint {
    match s.request(&args) {
        Ok(cgi) => typed(env, d, cgi, op(&args), s.param_type),
        Err(e) => {
            tracing::warn!("{e}");
            ERR_INVALID_ARGUMENT
        }
    }
}
